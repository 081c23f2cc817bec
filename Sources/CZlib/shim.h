#ifndef SHARDSCOPE_CZLIB_SHIM_H
#define SHARDSCOPE_CZLIB_SHIM_H
#include <zlib.h>
#endif

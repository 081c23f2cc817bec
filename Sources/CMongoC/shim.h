#ifndef SHARDSCOPE_CMONGOC_SHIM_H
#define SHARDSCOPE_CMONGOC_SHIM_H
#include <mongoc/mongoc.h>
#include <bson/bson.h>
#endif

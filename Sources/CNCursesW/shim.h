#ifndef SHARDSCOPE_CNCURSESW_SHIM_H
#define SHARDSCOPE_CNCURSESW_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

// Macros and hidden prototypes, wrapped so Swift can call them.
static inline int ss_color_pair(int n) { return COLOR_PAIR(n); }
static inline int ss_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int ss_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int ss_wcwidth(wchar_t c) { return wcwidth(c); }
static inline WINDOW *ss_stdscr(void) { return stdscr; }
static inline int ss_colors(void) { return COLORS; }
static inline int ss_color_pairs(void) { return COLOR_PAIRS; }
#endif

#ifndef SHARDSCOPE_CNCURSESW_SHIM_H
#define SHARDSCOPE_CNCURSESW_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/ncurses.h>

// Macros and hidden prototypes, wrapped so Swift can call them.
static inline int ss_color_pair(int n) { return COLOR_PAIR(n); }
static inline int ss_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int ss_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int ss_wcwidth(wchar_t c) { return wcwidth(c); }
static inline WINDOW *ss_stdscr(void) { return stdscr; }
static inline WINDOW *ss_curscr(void) { return curscr; }
static inline int ss_colors(void) { return COLORS; }
static inline int ss_color_pairs(void) { return COLOR_PAIRS; }

static inline attr_t ss_a_bold(void) { return A_BOLD; }
static inline attr_t ss_a_reverse(void) { return A_REVERSE; }
static inline attr_t ss_a_underline(void) { return A_UNDERLINE; }

/// The locale's character set after setlocale ("UTF-8", "ANSI_X3.4-1968" …).
static inline const char *ss_codeset(void) { return nl_langinfo(CODESET); }

/// Draws one cell: `wch` is a NUL-terminated grapheme (at most CCHARW_MAX - 1 code points).
static inline int ss_put_cell(int y, int x, const wchar_t *wch, attr_t attrs, int pair) {
    cchar_t c;
    if (setcchar(&c, wch, attrs, (short)pair, NULL) == ERR) return ERR;
    return mvadd_wch(y, x, &c);
}
#endif

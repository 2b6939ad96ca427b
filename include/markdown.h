/*
 * Markdown to HTML through cmark (markdown.c, the only file that uses it),
 * safe for text anyone wrote: raw HTML is left out, links other than
 * http(s), mailto and relative ones are dropped, and control or invisible
 * format characters come out visibly escaped (term.h).
 */
#ifndef RELCTL_MARKDOWN_H
#define RELCTL_MARKDOWN_H

#include <stddef.h>

#include "err.h"

/*
 * Loads cmark (library.h): 0, or -1 with the line that says what to
 * install.  The board calls it before it serves.
 */
int markdown_load(struct error *err);

/* The HTML of len bytes of CommonMark text; caller frees. */
char *markdown_html(const char *text, size_t len);

#endif

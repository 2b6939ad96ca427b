/*
 * Markdown to HTML through cmark (markdown.c, the only file that uses it),
 * safe for text anyone wrote: raw HTML is left out, links other than
 * http(s), mailto and relative ones are dropped, and control or invisible
 * format characters come out visibly escaped (term.h).
 */
#ifndef RELCTL_MARKDOWN_H
#define RELCTL_MARKDOWN_H

#include <stddef.h>

/* The HTML of len bytes of CommonMark text; caller frees. */
char *markdown_html(const char *text, size_t len);

#endif

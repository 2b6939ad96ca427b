/*
 * What relctl's HTML pages share: escaping of every text that came from a
 * ledger or a playbook, the page frame (doctype, title, one inline style
 * sheet: nothing is fetched from anywhere) and the colours of the charts.
 */
#ifndef RELCTL_HTML_H
#define RELCTL_HTML_H

#include <stddef.h>

#include "buf.h"

/* Appends text with <, >, &, " and ' escaped (safe in elements and quoted attributes); NULL adds nothing. */
void html_escape(struct buf *b, const char *text);

/* Opens a page: doctype, <title> (escaped), the shared style plus extra_css (may be NULL), <body>. */
void html_begin(struct buf *b, const char *title, const char *extra_css);
void html_end(struct buf *b);

/* The i-th chart colour (it repeats after html_palette_size). */
const char *html_color(size_t i);
extern const size_t html_palette_size;

#endif

/*
 * What relctl's HTML pages share: escaping of every text that came from a
 * ledger or a playbook, evidence links (HTML or markdown), the page frame (doctype, title, one inline style
 * sheet: nothing is fetched from anywhere) and the colours of the charts.
 */
#ifndef RELCTL_HTML_H
#define RELCTL_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends text with <, >, &, " and ' escaped (safe in elements and quoted attributes); NULL adds nothing. */
void html_escape(struct buf *b, const char *text);

/*
 * Evidence labelled label ("link 2", "3"), in HTML or markdown: a link only
 * when url is http(s) (url_is_web); any other (javascript:, data:, text) is
 * shown as "label: URL", escaped.
 */
void html_evidence(struct buf *b, const char *url, const char *label, bool html);

/* Opens a page: doctype, <title> (escaped), the shared style plus extra_css (may be NULL), <body>. */
void html_begin(struct buf *b, const char *title, const char *extra_css);
void html_end(struct buf *b);

/* The i-th chart colour (it repeats after html_palette_size). */
const char *html_color(size_t i);
extern const size_t html_palette_size;

#endif

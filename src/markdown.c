/* CommonMark rendering for the board (the only file that includes cmark.h). */
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "buf.h"
#include "markdown.h"
#include "term.h"

char *markdown_html(const char *text, size_t len)
{
	struct buf visible;
	char *html, *copy;

	/* Escape bytes that could hide or reorder text (ESC, bidi overrides) before cmark sees them. */
	buf_init(&visible);
	term_escape(&visible, text, len);
	/* Without CMARK_OPT_UNSAFE, cmark omits raw HTML and javascript:, vbscript:, file: and data: links. */
	html = cmark_markdown_to_html(visible.data, visible.len, CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
	buf_release(&visible);
	copy = xstrdup(html ? html : "");
	free(html);
	return copy;
}

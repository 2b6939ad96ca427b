/*
 * CommonMark rendering for the board (the only file that includes cmark.h),
 * plus the pipe tables of GitHub's dialect, which relctl's own markdown
 * (the brief, the report) uses and plain cmark does not know: each table is
 * built here, its cells rendered by cmark as inline text.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "buf.h"
#include "html.h"
#include "library.h"
#include "markdown.h"
#include "term.h"

/* Without CMARK_OPT_UNSAFE, cmark omits raw HTML and javascript:, vbscript:, file: and data: links. */
#define OPTIONS (CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8)

/* The one cmark function used, loaded with the first page (library.h). */
static struct {
	__typeof__(cmark_markdown_to_html) *markdown_to_html;
} libcmark;

static const struct library_symbol cmark_symbols[] = {
    LIBRARY_SYMBOL(__typeof__(libcmark), markdown_to_html, "cmark_markdown_to_html"),
};
static struct library cmark_library = {
    RELCTL_CMARK_SONAME,
    RELCTL_CMARK_PACKAGE,
    "the board's pages need it",
    cmark_symbols,
    sizeof(cmark_symbols) / sizeof(cmark_symbols[0]),
    &libcmark,
    NULL,
};

int markdown_load(struct error *err)
{
	return library_load(&cmark_library, err);
}

/*
 * cmark's HTML of len bytes (caller frees).  The board loads cmark before
 * it serves (markdown_load); should it still be missing, the text is shown
 * as it is, escaped, rather than lost.
 */
static char *to_html(const char *text, size_t len)
{
	struct buf b;

	if (markdown_load(NULL) == 0)
		return libcmark.markdown_to_html(text, len, OPTIONS);
	buf_init(&b);
	buf_adds(&b, "<pre>");
	{
		char *copy = xstrndup(text, len);

		html_escape(&b, copy);
		free(copy);
	}
	buf_adds(&b, "</pre>\n");
	return buf_detach(&b);
}

static void render(struct buf *out, const char *text, size_t len)
{
	char *html;

	if (len == 0)
		return;
	html = to_html(text, len);
	buf_adds(out, html ? html : "");
	free(html);
}

/* A cell's text as inline HTML: cmark's paragraph without its <p> and </p>. */
static void render_cell(struct buf *out, const char *text, size_t len)
{
	char *html;
	size_t n;

	while (len && (*text == ' ' || *text == '\t'))
		text++, len--;
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	if (strchr("-+#>=", *text) || (*text == '*' && (len == 1 || text[1] == ' '))) {
		/* A cell is inline text: "-" is a dash, not a list (nor "#" a heading, ">" a quote). */
		struct buf escaped;

		buf_init(&escaped);
		buf_addc(&escaped, '\\');
		buf_add(&escaped, text, len);
		html = to_html(escaped.data, escaped.len);
		buf_release(&escaped);
	} else {
		html = to_html(text, len);
	}
	n = html ? strlen(html) : 0;
	if (n >= 8 && strncmp(html, "<p>", 3) == 0 && strcmp(html + n - 5, "</p>\n") == 0)
		buf_add(out, html + 3, n - 8);
	else if (html)
		buf_adds(out, html);
	free(html);
}

static size_t line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
}

static bool is_row(const char *line, size_t len)
{
	return len > 0 && line[0] == '|';
}

/* "|---|:--:|": the line under a table's header. */
static bool is_delimiter(const char *line, size_t len)
{
	size_t i;
	bool dash = false;

	if (!is_row(line, len))
		return false;
	for (i = 0; i < len; i++) {
		if (line[i] == '-')
			dash = true;
		else if (!strchr("|: \t\r\n", line[i]))
			return false;
	}
	return dash;
}

/* One row's cells, split at pipes that are not escaped, as th or td. */
static void render_row(struct buf *out, const char *line, size_t len, const char *cell)
{
	size_t i, start;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' '))
		len--;
	if (len && line[len - 1] == '|' && (len < 2 || line[len - 2] != '\\'))
		len--;
	buf_adds(out, "<tr>");
	for (i = start = 1; i <= len; i++) {
		if (i < len && line[i] == '\\') {
			i++;
			continue;
		}
		if (i == len || line[i] == '|') {
			buf_addf(out, "<%s>", cell);
			render_cell(out, line + start, i - start);
			buf_addf(out, "</%s>", cell);
			start = i + 1;
		}
	}
	buf_adds(out, "</tr>\n");
}

char *markdown_html(const char *text, size_t len)
{
	struct buf visible, out;
	const char *p, *end, *chunk;
	size_t n, next;

	/* Escape bytes that could hide or reorder text (ESC, bidi overrides) before cmark sees them. */
	buf_init(&visible);
	term_escape(&visible, text, len);
	buf_init(&out);
	p = chunk = visible.data;
	end = visible.data + visible.len;
	while (p < end) {
		n = line_end(p, end);
		next = p + n < end ? line_end(p + n, end) : 0;
		if (!is_row(p, n) || !is_delimiter(p + n, next)) {
			p += n;
			continue;
		}
		render(&out, chunk, (size_t)(p - chunk));
		buf_adds(&out, "<table>\n<thead>\n");
		render_row(&out, p, n, "th");
		buf_adds(&out, "</thead>\n<tbody>\n");
		for (p += n + next; p < end && is_row(p, line_end(p, end)); p += n) {
			n = line_end(p, end);
			render_row(&out, p, n, "td");
		}
		buf_adds(&out, "</tbody>\n</table>\n");
		chunk = p;
	}
	render(&out, chunk, (size_t)(end - chunk));
	buf_release(&visible);
	return buf_detach(&out);
}

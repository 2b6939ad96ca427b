/*
 * The frame, style and escaping of relctl's self-contained HTML pages (the
 * report of one release and the trends page of stats).
 */
#include "html.h"
#include "util.h"

/* Red comes last: the charts keep it for what needs attention (delays, steps one person alone does). */
static const char *const palette[] = { "#3b82f6", "#10b981", "#f59e0b", "#8b5cf6", "#ec4899", "#84cc16",
				       "#6366f1", "#f97316", "#06b6d4", "#14b8a6", "#a855f7", "#ef4444" };

const size_t html_palette_size = sizeof(palette) / sizeof(palette[0]);

static const char style[] =
	"body{font:14px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1000px;color:#1e293b;padding:0 1em}"
	"h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #e2e8f0}"
	"table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid #e2e8f0;padding:4px 6px;text-align:left;vertical-align:top}"
	"th{background:#f8fafc}td:first-child{white-space:nowrap}"
	".label{font-size:11px;text-anchor:end;fill:#334155}.axis{font-size:10px;fill:#64748b}"
	".legend span{display:inline-block;margin-right:1em}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;border-radius:2px}";

void html_escape(struct buf *b, const char *text)
{
	for (; text && *text; text++) {
		switch (*text) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&#39;"); break;
		default: buf_addc(b, *text);
		}
	}
}

void html_evidence(struct buf *b, const char *url, const char *label, bool html)
{
	if (url_is_web(url) && html) {
		buf_adds(b, "<a href=\"");
		html_escape(b, url);
		buf_adds(b, "\">");
		html_escape(b, label);
		buf_adds(b, "</a>");
	} else if (url_is_web(url)) {
		/* url_is_web admits no space, bracket, parenthesis or angle bracket. */
		buf_adds(b, "[");
		buf_add_md_cell(b, label);
		buf_addf(b, "](%s)", url);
	} else if (html) {
		html_escape(b, label);
		buf_adds(b, ": ");
		html_escape(b, url);
	} else {
		buf_add_md_cell(b, label);
		buf_adds(b, ": ");
		buf_add_md_cell(b, url);
	}
}

void html_begin(struct buf *b, const char *title, const char *extra_css)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	html_escape(b, title);
	buf_addf(b, "</title><style>%s%s</style></head><body>\n", style, extra_css ? extra_css : "");
}

void html_end(struct buf *b)
{
	buf_adds(b, "</body></html>\n");
}

const char *html_color(size_t i)
{
	return palette[i % html_palette_size];
}

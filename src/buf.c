/* The growable buffer and the aborting allocators everything else uses. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static char empty[1];

static void die_oom(void)
{
	fputs("relctl: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		die_oom();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		die_oom();
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		die_oom();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	int n;

	buf_init(&b);
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die_oom();
	b.data = xmalloc((size_t)n + 1);
	b.cap = (size_t)n + 1;
	va_start(ap, fmt);
	vsnprintf(b.data, b.cap, fmt, ap);
	va_end(ap);
	return b.data;
}

void buf_init(struct buf *b)
{
	b->data = empty;
	b->len = 0;
	b->cap = 0;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	buf_init(b);
}

char *buf_detach(struct buf *b)
{
	char *p = b->cap ? b->data : xstrdup("");

	buf_init(b);
	return p;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

static void grow(struct buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;
	size_t cap = b->cap ? b->cap : 64;

	if (want <= b->cap)
		return;
	while (cap < want)
		cap *= 2;
	b->data = b->cap ? xrealloc(b->data, cap) : xmalloc(cap);
	if (!b->cap)
		b->data[0] = '\0';
	b->cap = cap;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	grow(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Whether text starts an HTML character reference: &name; &#123; &#x7b; */
static bool entity_at(const char *text)
{
	size_t i = 1;

	if (text[i] == '#')
		i += text[i + 1] == 'x' || text[i + 1] == 'X' ? 2 : 1;
	while (i < 40 && isalnum((unsigned char)text[i]))
		i++;
	return i > 1 && text[i] == ';';
}

void buf_add_md_cell(struct buf *b, const char *text)
{
	for (; text && *text; text++) {
		char c = *text, next = text[1];

		if (c == '|' || c == '\\' || c == '[' || c == ']') {
			buf_addc(b, '\\');
			buf_addc(b, c);
		} else if (c == '\n' || c == '\r')
			buf_addc(b, ' ');
		/* What would open an HTML tag, comment or entity in a markdown viewer. */
		else if (c == '<' && (isalpha((unsigned char)next) || next == '/' || next == '!' || next == '?'))
			buf_adds(b, "&lt;");
		else if (c == '&' && entity_at(text))
			buf_adds(b, "&amp;");
		else
			buf_addc(b, c);
	}
}

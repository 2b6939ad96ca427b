/*
 * A growable, always NUL-terminated byte buffer.
 *
 * Ownership: buf_init() starts an empty buffer that owns nothing; the buffer
 * owns its data until buf_release() frees it or buf_detach() hands it to the
 * caller (who then frees it with free()).  Allocation failure aborts: relctl
 * is a short-lived CLI and cannot do anything useful without memory.
 */
#ifndef RELCTL_BUF_H
#define RELCTL_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* never NULL after buf_init(); "" when empty */
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * text in a markdown line or table cell, as a viewer will show it: a pipe,
 * a backslash and brackets escaped (no other cell, no link), a "<" or "&"
 * that would open an HTML tag, comment or entity as &lt; or &amp; (no raw
 * HTML), a newline as a space.
 */
void buf_add_md_cell(struct buf *b, const char *text);

/* Memory helpers that abort on failure, so callers need no NULL checks. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * The escaping stream of term.h, built on glibc's fopencookie so that every
 * fprintf to a command's output passes through one filter.  A UTF-8
 * sequence or a colour mark split across two writes is held back until it
 * is whole.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "term.h"

#define SENTINEL 0xff
#define NONCE_LEN 8
#define MARK_LEN (1 + NONCE_LEN + 1) /* sentinel, nonce, code letter */

FILE *term_real_stderr;

struct term {
	FILE *real;
	bool color;
	unsigned char pending[MARK_LEN]; /* an incomplete UTF-8 sequence or colour mark */
	size_t pending_len;
};

static const struct {
	char code;
	const char *sgr;
} colors[] = {
	{ '0', "\033[0m" },  { '1', "\033[1m" },  { '2', "\033[2m" },  { 'r', "\033[31m" }, { 'g', "\033[32m" },
	{ 'y', "\033[33m" }, { 'b', "\033[34m" }, { 'm', "\033[35m" }, { 'c', "\033[36m" },
};

static const char *sgr_of(unsigned char code)
{
	size_t i;

	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if ((unsigned char)colors[i].code == code)
			return colors[i].sgr;
	return NULL;
}

/*
 * The colour marks: 0xff, this process's nonce, the code letter.  0xff is
 * never UTF-8, and the ledger's text is UTF-8, but a file in the work tree
 * or an argument may hold any byte; without the nonce, which no such input
 * can know, "\xff" "r" in a doc file would print in red.  The nonce bytes
 * are continuation bytes (0x80-0xbf): no NUL, never the start of a character.
 */
static unsigned char nonce[NONCE_LEN];
static char marks[sizeof(colors) / sizeof(colors[0])][MARK_LEN + 1];
static int marks_state; /* 0 not made yet, 1 made, -1 no randomness: no colour */

static void make_marks(void)
{
	size_t i;

	if (getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce)) {
		marks_state = -1;
		return;
	}
	for (i = 0; i < NONCE_LEN; i++)
		nonce[i] = 0x80 | (nonce[i] & 0x3f);
	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++) {
		marks[i][0] = (char)SENTINEL;
		memcpy(&marks[i][1], nonce, NONCE_LEN);
		marks[i][1 + NONCE_LEN] = colors[i].code;
		marks[i][MARK_LEN] = '\0';
	}
	marks_state = 1;
}

const char *term_color(const char *code)
{
	size_t i;

	if (marks_state == 0)
		make_marks();
	if (marks_state < 0 || code == NULL || (unsigned char)code[0] != SENTINEL)
		return "";
	for (i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (colors[i].code == code[1])
			return marks[i];
	return "";
}

/* The length of the UTF-8 sequence that lead starts; 0 when lead cannot start one. */
static size_t sequence_length(unsigned char lead)
{
	if (lead < 0x80)
		return 1;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef)
		return 3;
	if (lead >= 0xf0 && lead <= 0xf4)
		return 4;
	return 0;
}

/*
 * The code point of a whole sequence, or -1 when it is not well-formed:
 * also when it was cut short (a lead byte with fewer continuation bytes
 * than it announces), so that "\xe3\x9b" never passes as a character.
 */
static long decode(const unsigned char *p, size_t n)
{
	static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	long cp = n == 1 ? p[0] : n == 2 ? (p[0] & 0x1f) : n == 3 ? (p[0] & 0x0f) : (p[0] & 0x07);
	size_t i;

	if (n == 0 || sequence_length(p[0]) != n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return cp;
}

/*
 * The code points that are invisible or move text around: the invisible
 * format characters (Unicode's category Cf, as of Unicode 15.1: the
 * directional marks and overrides, zero-width characters, the word joiner
 * and invisible operators, the byte order mark, tag characters, ...; the
 * unassigned code points of those blocks with them) and the line and
 * paragraph separators, which end a line the way a newline does.  Sorted,
 * for a binary search.
 */
static const struct {
	long first, last;
} invisible[] = {
	{ 0x00ad, 0x00ad },   { 0x0600, 0x0605 },   { 0x061c, 0x061c },   { 0x06dd, 0x06dd },
	{ 0x070f, 0x070f },   { 0x0890, 0x0891 },   { 0x08e2, 0x08e2 },   { 0x180e, 0x180e },
	{ 0x200b, 0x200f },   { 0x2028, 0x202e },   { 0x2060, 0x206f },   { 0xfeff, 0xfeff },
	{ 0xfff9, 0xfffb },   { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd }, { 0x13430, 0x1343f },
	{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0000, 0xe007f },
};

static bool dangerous(long cp)
{
	size_t lo = 0, hi = sizeof(invisible) / sizeof(invisible[0]);

	if (cp >= 0x80 && cp <= 0x9f)
		return true; /* C1 controls */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < invisible[mid].first)
			hi = mid;
		else if (cp > invisible[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Escapes one whole sequence (or one stray byte) of n bytes into out. */
static void put_sequence(struct buf *out, const unsigned char *p, size_t n)
{
	long cp = decode(p, n);

	if (cp < 0) {
		size_t i;

		for (i = 0; i < n; i++)
			buf_addf(out, "\\x%02x", p[i]);
	} else if (n == 1 && cp < 0x20 && cp != '\n' && cp != '\t') {
		buf_addf(out, "\\x%02lx", cp);
	} else if (cp == 0x7f || dangerous(cp)) {
		/* Beyond the BMP as a UTF-16 surrogate pair, so that JSON reads the same value. */
		if (cp > 0xffff)
			buf_addf(out, "\\u%04lx\\u%04lx", 0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			buf_addf(out, "\\u%04lx", cp);
	} else {
		buf_add(out, p, n);
	}
}

/* Escapes n stray bytes one by one (a mark cut short, a sequence cut short). */
static void put_bytes(struct buf *out, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put_sequence(out, &p[i], 1);
}

/*
 * Filters len bytes into out.  pending carries an unfinished sequence or
 * mark from the last call (and receives one at the end); color says
 * whether a mark becomes its SGR sequence.
 */
static void filter(struct buf *out, unsigned char *pending, size_t *pending_len, const unsigned char *p, size_t len,
		   bool color)
{
	unsigned char seq[MARK_LEN];
	size_t have = *pending_len, i = 0;

	memcpy(seq, pending, have);
	while (i < len) {
		unsigned char c = p[i];

		if (have == 0) {
			if (c == SENTINEL && color && marks_state > 0) {
				seq[have++] = c;
				i++;
				continue;
			}
			if (sequence_length(c) == 0) {
				put_sequence(out, &c, 1);
				i++;
				continue;
			}
			seq[have++] = c;
			i++;
		} else if (seq[0] == SENTINEL) {
			const char *sgr = have == MARK_LEN - 1 ? sgr_of(c) : NULL;

			if (have < MARK_LEN - 1 && c == nonce[have - 1]) {
				seq[have++] = c;
				i++;
			} else if (sgr) {
				buf_adds(out, sgr);
				have = 0;
				i++;
			} else {
				/* Not one of ours: the bytes so far are text; c starts afresh. */
				put_bytes(out, seq, have);
				have = 0;
			}
			continue;
		} else if ((c & 0xc0) == 0x80) {
			seq[have++] = c;
			i++;
		} else {
			/* Cut short: the bytes so far are not UTF-8; c starts afresh. */
			put_sequence(out, seq, have);
			have = 0;
			continue;
		}
		if (have == sequence_length(seq[0])) {
			put_sequence(out, seq, have);
			have = 0;
		}
	}
	memcpy(pending, seq, have);
	*pending_len = have;
}

/* What is left pending at the end: text, since a mark is always whole. */
static void put_pending(struct buf *out, const unsigned char *pending, size_t pending_len)
{
	if (pending_len && pending[0] == SENTINEL)
		put_bytes(out, pending, pending_len);
	else if (pending_len)
		put_sequence(out, pending, pending_len);
}

void term_escape(struct buf *out, const char *s, size_t len)
{
	unsigned char pending[MARK_LEN];
	size_t pending_len = 0;

	filter(out, pending, &pending_len, (const unsigned char *)s, len, false);
	put_pending(out, pending, pending_len);
}

static ssize_t term_write(void *cookie, const char *data, size_t len)
{
	struct term *t = cookie;
	struct buf out;

	buf_init(&out);
	filter(&out, t->pending, &t->pending_len, (const unsigned char *)data, len, t->color);
	if (out.len && fwrite(out.data, 1, out.len, t->real) != out.len) {
		buf_release(&out);
		return -1;
	}
	buf_release(&out);
	return (ssize_t)len;
}

static int term_close(void *cookie)
{
	struct term *t = cookie;
	struct buf out;

	buf_init(&out);
	put_pending(&out, t->pending, t->pending_len);
	fwrite(out.data, 1, out.len, t->real);
	buf_release(&out);
	fflush(t->real);
	free(t);
	return 0;
}

FILE *term_wrap(FILE *real, bool color)
{
	struct term *t = calloc(1, sizeof(*t));
	cookie_io_functions_t io = { NULL, term_write, NULL, term_close };
	FILE *f;

	if (t == NULL)
		return real;
	t->real = real;
	t->color = color;
	f = fopencookie(t, "w", io);
	if (f == NULL) {
		free(t);
		return real;
	}
	/* Buffered as the stream it stands for: by lines on a terminal, not at all for stderr. */
	if (real == stderr || real == term_real_stderr)
		setvbuf(f, NULL, _IONBF, 0);
	else if (isatty(fileno(real)))
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

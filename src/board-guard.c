/*
 * The board's request checks, form decoding and HTML escaping (see
 * board-guard.h); pure, so the unit tests pin every refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "board-guard.h"
#include "html.h"
#include "term.h"

/* Whether text is scheme then 127.0.0.1:PORT or localhost:PORT (any case), exactly. */
static bool names_board(const char *text, const char *scheme, unsigned port)
{
	char ip[48], name[48];

	snprintf(ip, sizeof(ip), "%s127.0.0.1:%u", scheme, port);
	snprintf(name, sizeof(name), "%slocalhost:%u", scheme, port);
	return strcmp(text, ip) == 0 || strcasecmp(text, name) == 0;
}

bool board_host_ok(const char *host, unsigned port)
{
	return host && names_board(host, "", port);
}

bool board_origin_ok(const char *origin, unsigned port)
{
	return origin == NULL || names_board(origin, "http://", port);
}

bool board_token_equal(const char *a, const char *b)
{
	size_t len, i;
	unsigned char diff = 0;

	if (a == NULL || b == NULL)
		return false;
	len = strlen(b);
	if (strlen(a) != len || len == 0)
		return false;
	for (i = 0; i < len; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

char *board_cookie(const char *header, const char *name)
{
	size_t name_len = strlen(name), len;
	const char *p = header;

	while (p && *p) {
		while (*p == ' ' || *p == '\t')
			p++;
		len = strcspn(p, ";");
		if (len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=')
			return xstrndup(p + name_len + 1, len - name_len - 1);
		p += len;
		if (*p == ';')
			p++;
	}
	return NULL;
}

int board_guard_check(const struct board_guard *g, const struct board_request *r, const char **why)
{
	char *cookie;
	bool by_cookie;

	if (!board_host_ok(r->host, g->port)) {
		*why = "this board answers only to 127.0.0.1 or localhost with its port in the Host header";
		return 403;
	}
	cookie = board_cookie(r->cookie_header, g->cookie);
	by_cookie = board_token_equal(cookie, g->token);
	free(cookie);
	if (!by_cookie && !board_token_equal(r->query_token, g->token)) {
		*why = "no valid token: open the URL relctl board printed";
		return 403;
	}
	if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0)
		return 0;
	if (strcmp(r->method, "POST") != 0) {
		*why = "only GET and POST";
		return 405;
	}
	/* A change needs the cookie (not a token in a link anyone could send), a form of this board, and no foreign
	 * Origin. */
	if (!by_cookie) {
		*why = "a change needs the board's cookie: open the URL relctl board printed first";
		return 403;
	}
	if (!board_origin_ok(r->origin, g->port)) {
		*why = "a form of another site cannot change the ledger";
		return 403;
	}
	if (!board_token_equal(r->form_csrf, g->csrf)) {
		*why = "the form has no valid CSRF token: reload the page and try again";
		return 403;
	}
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes len bytes of a form's name or value; NULL when it is not valid. */
static char *form_decode(const char *s, size_t len)
{
	struct buf b;
	size_t i;
	int hi, lo;

	buf_init(&b);
	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			buf_addc(&b, ' ');
		else if (s[i] != '%')
			buf_addc(&b, s[i]);
		else if (i + 2 < len && (hi = hex_digit(s[i + 1])) >= 0 && (lo = hex_digit(s[i + 2])) >= 0 &&
		         (hi || lo)) {
			buf_addc(&b, (char)(hi * 16 + lo));
			i += 2;
		} else {
			buf_release(&b);
			return NULL;
		}
	}
	return buf_detach(&b);
}

int form_parse(struct form *f, const char *body, size_t len)
{
	const char *p = body, *end = body + len;

	memset(f, 0, sizeof(*f));
	if (memchr(body, '\0', len))
		return -1;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
		size_t pair = amp ? (size_t)(amp - p) : (size_t)(end - p);
		char *name, *value;

		eq = memchr(p, '=', pair);
		if (pair) {
			name = form_decode(p, eq ? (size_t)(eq - p) : pair);
			value = eq ? form_decode(eq + 1, pair - (size_t)(eq - p) - 1) : xstrdup("");
			if (name == NULL || value == NULL) {
				free(name);
				free(value);
				form_release(f);
				return -1;
			}
			f->names = xrealloc(f->names, (f->count + 1) * sizeof(*f->names));
			f->values = xrealloc(f->values, (f->count + 1) * sizeof(*f->values));
			f->names[f->count] = name;
			f->values[f->count++] = value;
		}
		p += pair + 1;
	}
	return 0;
}

void form_release(struct form *f)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
		free(f->names[i]);
		free(f->values[i]);
	}
	free(f->names);
	free(f->values);
	memset(f, 0, sizeof(*f));
}

const char *form_get(const struct form *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->count; i++)
		if (strcmp(f->names[i], name) == 0)
			return f->values[i];
	return NULL;
}

void url_encode(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; text && *text; text++) {
		unsigned char c = (unsigned char)*text;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-._~", c))
			buf_addc(b, (char)c);
		else
			buf_addf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
	}
}

void board_escape(struct buf *b, const char *text)
{
	struct buf visible;

	if (text == NULL)
		return;
	buf_init(&visible);
	term_escape(&visible, text, strlen(text));
	html_escape(b, visible.data);
	buf_release(&visible);
}

bool board_local_path(const char *path)
{
	return path && path[0] == '/' && path[1] != '/' && path[1] != '\\' && strpbrk(path, "\r\n\\") == NULL;
}

/*
 * What stands between a browser and the ledger in `relctl board`
 * (board-guard.c, pure): the Host and Origin checks against DNS
 * rebinding and cross-site posts, the token (in the URL once, then an
 * HttpOnly, SameSite=Strict cookie), the CSRF token of every form, form
 * decoding, and the escaping of every ledger text put into a page.
 */
#ifndef RELCTL_BOARD_GUARD_H
#define RELCTL_BOARD_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* 32 random bytes as hex: the board's access token and its CSRF token are each one. */
#define BOARD_TOKEN_HEX 64

/* Whether host (a Host header) names this board: 127.0.0.1:PORT or localhost:PORT exactly. */
bool board_host_ok(const char *host, unsigned port);

/* Whether origin (an Origin header; NULL when absent) is not another site's: absent, or this board's. */
bool board_origin_ok(const char *origin, unsigned port);

/* a equals b, in time independent of where they differ; NULL never equals. */
bool board_token_equal(const char *a, const char *b);

/* The value of cookie name in a Cookie header, or NULL; caller frees. */
char *board_cookie(const char *header, const char *name);

/*
 * What the guard decides about a request: 0 to serve it, else the HTTP
 * status (403) with why in *why (static text).
 */
struct board_guard {
	unsigned port;
	const char *token;  /* the access token */
	const char *csrf;   /* the forms' token */
	const char *cookie; /* the name of the cookie holding the token */
};
struct board_request {
	const char *method;
	const char *host, *origin, *cookie_header;
	const char *query_token; /* ?token= */
	const char *form_csrf;   /* the posted form's csrf field */
};
int board_guard_check(const struct board_guard *g, const struct board_request *r, const char **why);

/* An application/x-www-form-urlencoded body, decoded; a name may repeat. */
struct form {
	char **names, **values;
	size_t count;
};
/* 0, or -1 when body is not a form (a bad %-escape, a NUL). */
int form_parse(struct form *f, const char *body, size_t len);
void form_release(struct form *f);
/* The first value of name, or NULL. */
const char *form_get(const struct form *f, const char *name);
/* Percent-encodes text for a URL's query; appended to b. */
void url_encode(struct buf *b, const char *text);

/*
 * Appends text for HTML (element or quoted attribute): control bytes,
 * invisible format characters and bytes that are not UTF-8 visibly escaped
 * as the terminal output does (term.h), then <, >, &, " and ' as entities.
 */
void board_escape(struct buf *b, const char *text);

/* Whether path is one of this board's pages, safe to redirect to ("/step?..", not "//evil" or "http:"). */
bool board_local_path(const char *path);

#endif

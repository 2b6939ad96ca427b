/*
 * A small HTTP server on 127.0.0.1 (http-server.c, the only file that uses
 * libmicrohttpd): one handler called for every complete request, run from
 * the caller's loop (http_server_run) on the caller's thread, so a handler
 * may use a session like any command does.  Nothing here knows relctl.
 */
#ifndef RELCTL_HTTP_SERVER_H
#define RELCTL_HTTP_SERVER_H

#include <stddef.h>

#include "err.h"

/* The largest request body taken; a larger one is answered 413 without calling the handler. */
#define HTTP_BODY_MAX    (256 * 1024)
#define HTTP_HEADERS_MAX 12

/* A request as the handler sees it; every pointer is borrowed for the call. */
struct http_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* "/step", without the query */
	const char *body;   /* NUL-terminated; "" when none */
	size_t body_len;
	void *connection; /* the library's, for the look-ups below */
};

/* A request header (case-insensitive name), or NULL. */
const char *http_request_header(const struct http_request *req, const char *name);
/* A query parameter, decoded, or NULL. */
const char *http_request_query(const struct http_request *req, const char *name);

/* What the handler answers: status 200 and text/html unless it says otherwise. */
struct http_response {
	int status;
	const char *content_type; /* static text */
	char *body;               /* owned: the server frees it */
	size_t body_len;
	char *header_names[HTTP_HEADERS_MAX], *header_values[HTTP_HEADERS_MAX];
	size_t header_count;
};

/* Adds a header to res (copies both); beyond HTTP_HEADERS_MAX it is dropped. */
void http_response_header(struct http_response *res, const char *name, const char *value);
/* Sets res's body to text (taking it: the server frees it). */
void http_response_body(struct http_response *res, int status, const char *content_type, char *text);

typedef void (*http_handler)(void *data, const struct http_request *req, struct http_response *res);

struct http_server;

/*
 * Listens on 127.0.0.1:port (0: a free port the system picks) and calls
 * handler for each request from http_server_run.  NULL with err set
 * (EXIT_UNAVAILABLE) when the port cannot be had.
 */
struct http_server *http_server_new(unsigned port, http_handler handler, void *data, struct error *err);
/* The port it listens on. */
unsigned http_server_port(const struct http_server *server);
/* Serves what arrives within timeout_ms milliseconds, then returns. */
void http_server_run(struct http_server *server, long timeout_ms);
void http_server_free(struct http_server *server);

#endif

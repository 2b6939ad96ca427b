/*
 * The board's HTTP server through libmicrohttpd (the only file that
 * includes it): 127.0.0.1 only, bodies bounded, the daemon driven from the
 * caller's loop so that requests and background work share one thread.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "buf.h"
#include "http-server.h"
#include "library.h"

/* The libmicrohttpd functions this file calls, loaded when a server starts (library.h). */
static struct {
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_run_wait) *run_wait;
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
} libmicrohttpd;

#define MHD_FUNCTION(member) LIBRARY_SYMBOL(__typeof__(libmicrohttpd), member, "MHD_" #member)
static const struct library_symbol microhttpd_symbols[] = {
    MHD_FUNCTION(add_response_header),
    MHD_FUNCTION(create_response_from_buffer),
    MHD_FUNCTION(destroy_response),
    MHD_FUNCTION(get_daemon_info),
    MHD_FUNCTION(lookup_connection_value),
    MHD_FUNCTION(queue_response),
    MHD_FUNCTION(run_wait),
    MHD_FUNCTION(start_daemon),
    MHD_FUNCTION(stop_daemon),
};
static struct library microhttpd_library = {
    RELCTL_MICROHTTPD_SONAME,
    RELCTL_MICROHTTPD_PACKAGE,
    "the board needs it",
    microhttpd_symbols,
    sizeof(microhttpd_symbols) / sizeof(microhttpd_symbols[0]),
    &libmicrohttpd,
    NULL,
};

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler handler;
	void *data;
	unsigned port;
};

/* A request's body as it arrives, and whether it grew past HTTP_BODY_MAX. */
struct upload {
	struct buf body;
	int too_large;
};

const char *http_request_header(const struct http_request *req, const char *name)
{
	return libmicrohttpd.lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *http_request_query(const struct http_request *req, const char *name)
{
	return libmicrohttpd.lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

void http_response_header(struct http_response *res, const char *name, const char *value)
{
	if (res->header_count >= HTTP_HEADERS_MAX)
		return;
	res->header_names[res->header_count] = xstrdup(name);
	res->header_values[res->header_count++] = xstrdup(value);
}

void http_response_body(struct http_response *res, int status, const char *content_type, char *text)
{
	free(res->body);
	res->status = status;
	res->content_type = content_type;
	res->body = text;
	res->body_len = text ? strlen(text) : 0;
}

static void response_release(struct http_response *res)
{
	size_t i;

	for (i = 0; i < res->header_count; i++) {
		free(res->header_names[i]);
		free(res->header_values[i]);
	}
	free(res->body);
}

static enum MHD_Result queue(struct MHD_Connection *connection, struct http_response *res)
{
	struct MHD_Response *response;
	enum MHD_Result ok;
	size_t i;

	response =
	    libmicrohttpd.create_response_from_buffer(res->body_len, res->body ? res->body : (char *)"",
	                                              res->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (response == NULL)
		return MHD_NO;
	res->body = NULL; /* the library frees it with the response */
	libmicrohttpd.add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
	                                  res->content_type ? res->content_type : "text/html; charset=utf-8");
	for (i = 0; i < res->header_count; i++)
		libmicrohttpd.add_response_header(response, res->header_names[i], res->header_values[i]);
	ok = libmicrohttpd.queue_response(connection, (unsigned)res->status, response);
	libmicrohttpd.destroy_response(response);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size, void **state)
{
	struct http_server *server = cls;
	struct upload *up = *state;
	struct http_response res = {.status = 200};
	struct http_request req;
	enum MHD_Result ok;

	(void)version;
	if (up == NULL) {
		up = xcalloc(1, sizeof(*up));
		buf_init(&up->body);
		*state = up;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (up->body.len + *upload_data_size > HTTP_BODY_MAX)
			up->too_large = 1;
		else
			buf_add(&up->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (up->too_large) {
		http_response_body(&res, 413, "text/plain; charset=utf-8", xstrdup("request too large\n"));
	} else {
		req.method = method;
		req.path = url;
		req.body = up->body.data;
		req.body_len = up->body.len;
		req.connection = connection;
		server->handler(server->data, &req, &res);
	}
	ok = queue(connection, &res);
	response_release(&res);
	return ok;
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **state,
                         enum MHD_RequestTerminationCode why)
{
	struct upload *up = *state;

	(void)cls;
	(void)connection;
	(void)why;
	if (up) {
		buf_release(&up->body);
		free(up);
		*state = NULL;
	}
}

struct http_server *http_server_new(unsigned port, http_handler handler, void *data, struct error *err)
{
	struct http_server *server;
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	const union MHD_DaemonInfo *info;

	if (library_load(&microhttpd_library, err) != 0)
		return NULL;
	server = xcalloc(1, sizeof(*server));
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	server->handler = handler;
	server->data = data;
	server->daemon = libmicrohttpd.start_daemon(
	    MHD_NO_FLAG, (uint16_t)port, NULL, NULL, on_request, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (server->daemon == NULL) {
		free(server);
		error_set(err, EXIT_UNAVAILABLE, "cannot listen on 127.0.0.1:%u (in use?); try another --port", port);
		return NULL;
	}
	info = libmicrohttpd.get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
	server->port = info ? info->port : port;
	return server;
}

unsigned http_server_port(const struct http_server *server)
{
	return server->port;
}

void http_server_run(struct http_server *server, long timeout_ms)
{
	libmicrohttpd.run_wait(server->daemon, (int32_t)timeout_ms);
}

void http_server_free(struct http_server *server)
{
	if (server == NULL)
		return;
	libmicrohttpd.stop_daemon(server->daemon);
	free(server);
}

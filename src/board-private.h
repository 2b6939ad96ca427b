/* What board.c (requests, actions, sync) and board-pages.c (the pages) share. */
#ifndef RELCTL_BOARD_PRIVATE_H
#define RELCTL_BOARD_PRIVATE_H

#include <stdbool.h>
#include <time.h>

#include "board-guard.h"
#include "board.h"
#include "buf.h"
#include "err.h"
#include "http-server.h"
#include "session.h"

struct board {
	struct board_options opt;
	struct http_server *server;
	struct board_guard guard;
	char token[BOARD_TOKEN_HEX + 1], csrf[BOARD_TOKEN_HEX + 1], cookie[48];
	char *url;
	time_t last_sync;   /* monotonic seconds of the last background sync attempt */
	char *sync_problem; /* the last exchange's one line when it failed, else NULL */
	char *flash;        /* what the last change said, shown once on the next page */
};

/* One request's view: the session, the release it shows, who is looking, and the page being written. */
struct page {
	struct board *board;
	const struct http_request *req;
	struct session s;
	bool session_open;
	struct release rel;
	bool release_loaded;
	const struct pb_person *me;
	struct error err;
	struct buf out;
};

/* Opens the session and the release named by ?release= (or the one open, else the newest); -1 with p->err. */
int page_load(struct page *p, const char *version);
void page_release_all(struct page *p);

/* The pages (board-pages.c): each writes p->out, a whole HTML document. */
void page_you(struct page *p);
void page_release(struct page *p);
void page_step(struct page *p, const char *step);
void page_brief(struct page *p, const char *gate);
void page_findings(struct page *p);
/* A page saying only why (a refusal, an error): the CLI's one line. */
void page_problem(struct page *p, const char *title, const char *line);

/* The style and the refresh script, served as files so that the CSP needs no inline code. */
extern const char board_css[];
extern const char board_js[];

#endif

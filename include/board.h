/*
 * relctl board (board.c and board-pages.c): the release as web pages served
 * on 127.0.0.1 to the person running it, acting as them.  Each request
 * opens a session as a command does and reads the ledger through the core;
 * each form becomes one event through session_mutate, as the CLI records
 * it, so the judge, signing and pushing are the command line's.  The
 * ledger is synced with the remote in the background.
 */
#ifndef RELCTL_BOARD_H
#define RELCTL_BOARD_H

#include <signal.h>
#include <stdio.h>

#include "err.h"

struct session;

struct board_options {
	unsigned port;   /* 0: a free one */
	long sync_every; /* seconds between background syncs (0: 60) */
	/* After a change or a sync: posts what the core says must be heard (the CLI's notify); may be NULL. */
	void (*after_change)(void *data, struct session *s);
	/*
	 * Runs a relctl command line as the person (argv[0] the command's name),
	 * for what lives in a command rather than in one event: relctl run
	 * sends a hook step's request and records it.  0, or -1 with err set.
	 */
	int (*run_command)(void *data, int argc, char **argv, struct error *err);
	void *data;
	FILE *log; /* one line per change made and per sync problem; may be NULL */
};

struct board;

/* Listens (127.0.0.1 only) with a fresh token; NULL with err set. */
struct board *board_new(const struct board_options *opt, struct error *err);
/* http://127.0.0.1:PORT/?token=TOKEN: what to open. */
const char *board_url(const struct board *b);
/* Serves until *stop is set (a signal), syncing in the background. */
void board_serve(struct board *b, volatile sig_atomic_t *stop);
void board_free(struct board *b);

#endif

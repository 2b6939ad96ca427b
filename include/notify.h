/*
 * The notify hook's notifications (notify.c): what a change tells the team,
 * rendered into one exact request, sent, and kept in the outbox when it
 * cannot be sent.
 */
#ifndef RELCTL_NOTIFY_H
#define RELCTL_NOTIFY_H

#include "buf.h"
#include "cJSON.h"
#include "err.h"
#include "hook.h"
#include "relctl.h"
#include "session.h"

/* One notify hook post: what it says, and its exact request once rendered. */
struct notification {
	const char *hook;
	struct buf steps;        /* {{ready.steps}} */
	struct buf message;      /* {{ready.message}} */
	struct hook_request req; /* zeroed until rendered; what a failed render filled is released too */
};

void notification_init(struct notification *nt, const char *hook);
void notification_release(struct notification *nt);

/* Says notices (of rel, each about a step of its playbook) and renders the request; -1 with err when it cannot be made.
 */
int notification_render(struct session *s, const struct release *rel, const cJSON *notices, struct notification *nt,
                        struct error *err);

/* Sends a rendered notification: 0 when delivered, else -1 and what happened ("not delivered (HTTP 500)"), caller
 * frees. */
int notification_send(struct notification *nt, char **why);

/*
 * Posts the notify hook of each release the session's notices are about
 * (ledger_apply_notify: steps made ready, work sent back).  What cannot be
 * sent only warns, and waits in the clone's outbox (outbox.h) for 'relctl
 * notify'.  Offline, nobody is told until the sync that replays the change.
 */
void cmd_notify(struct cmd_ctx *ctx, struct session *s);

#endif

/*
 * Check steps (check-step.c): one poll of a step's request (a hook's
 * request, rendered and sent by hook.c: the same templates, ${ENV}, auth
 * headers and TLS rules, sent once) judged against the step's expect, as
 * the result of a poll event (ledger-runs.h).  relctl run and relctl
 * remind both poll through it.
 */
#ifndef RELCTL_CHECK_STEP_H
#define RELCTL_CHECK_STEP_H

#include <stdbool.h>

#include "cJSON.h"
#include "state.h"
#include "err.h"
#include "playbook.h"
#include "template.h"

/* Bytes of an answer's body searched for expect's body_contains. */
#define CHECK_ANSWER_MAX (256 * 1024)

/*
 * Polls step once (dry_run: renders the request and sends nothing) and
 * returns the poll's result in *result (caller deletes): outcome passed,
 * failed or dry-run, method, url (shown), status (0 when no answer came),
 * response (its start, printable, secrets masked), error (why no answer
 * came), and for a dry run the request as text.  -1 (nothing in *result)
 * only when the request cannot be made: an unset ${ENV} (78), a template
 * (65).
 */
int check_step_poll(const struct pb_step *step, const struct template_scope *scope, bool dry_run, cJSON **result,
		    struct error *err);

/*
 * Polls step of release st once and records the result as a poll event
 * through session s (one commit, by the session's person): 0 with the
 * commit's first line in *summary (caller frees) and *passed set; -1 when
 * the request could not be made or the event was refused (nothing
 * recorded; err says why).
 */
struct session;
int check_step_poll_record(struct session *s, const struct release_state *st, const struct pb_step *step,
			   const char *workdir, bool *passed, char **summary, struct error *err);

#endif

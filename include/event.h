/*
 * One event of a release as the code sees it: a struct of named, typed
 * fields, decoded once from the ledger's JSON (ledger_event_decode) and
 * encoded once into it (ledger_event_encode), so a misspelt field does not
 * compile.  Which fields an op carries, and in which order relctl writes
 * them, is said once, in its row of the op table (event.c).
 *
 * Ownership: every pointer is borrowed.  A decoded event points into the
 * JSON it came from; an event a command builds points at its own strings.
 */
#ifndef RELCTL_EVENT_H
#define RELCTL_EVENT_H

#include <stdbool.h>
#include <time.h>

#include "buf.h"
#include "cJSON.h"
#include "err.h"
#include "ledger.h"

struct event {
	/* Every event's. */
	const char *id;
	time_t time;
	const char *actor;
	const char *op;
	const char *step; /* NULL for the release-wide ops */
	int candidate;    /* the candidate it was made for */

	/* The op's own: NULL, false or absent when not given. */
	const cJSON *vars;        /* start: name -> typed value */
	bool rehearsal;           /* start */
	const char *target;       /* start: when the release should be done */
	const char *reason;       /* claim, unclaim, assign, skip, reopen, block, unblock, decide, checklist-remove, override */
	const char *shadowed_in;  /* claim: the release whose shadowing grants it */
	const char *person;       /* assign, handover, remind */
	const char *note;         /* done, review, handover, finding-update, input, check */
	const cJSON *evidence;    /* done, finding-add, check: an array of links */
	const char *verdict;      /* review: approve or reject */
	const char *item;         /* review, checklist-add, checklist-remove, check: a checklist item id */
	bool leave;               /* shadow */
	const char *until;        /* away */
	bool back;                /* away */
	const char *kind;         /* remind: reminder or escalation */
	const cJSON *steps;       /* remind: an array of step ids */
	const char *message;      /* remind */
	const char *webhook_id;   /* remind */
	const char *finding;      /* finding-add, finding-update, check: a finding id */
	const char *title;        /* finding-add */
	const char *severity;     /* finding-add, check */
	const char *finding_step; /* finding-add */
	const char *estimate;     /* finding-update: a duration */
	const char *risk;         /* finding-update */
	const char *impact;       /* finding-update */
	bool close;               /* finding-update */
	const char *role;         /* input */
	const char *decision;     /* decide: ship, delay or abort */
	const char *brief_hash;   /* decide */
	bool forced;              /* decide, hook */
	const cJSON *hook_result; /* hook: its "result" object */
	const cJSON *command_result; /* command: its "result" object (ledger-runs.h) */
	const cJSON *poll_result;    /* poll: its "result" object (ledger-runs.h) */
	const char *text;         /* checklist-add */
	bool evidence_required;   /* checklist-add */
	const char *review;       /* checklist-add: the item's review role */
	const char *owner;        /* checklist-add: the role that checks the item (not the holder) */
	const char *result;       /* check: pass, fail or na */
};

/*
 * Whether value may be the field of an op's event ("note" of "done", or
 * "step") within the limits of ledger.h: 0, or -1 with why not ("is not valid
 * UTF-8", "is 70 KiB; a text is at most 64 KiB") in why.  A field the op
 * does not declare passes (the replay refuses it).  For what a command line
 * gives, checked before it becomes an event; the replay checks again.
 */
int ledger_field_fits(const char *op, const char *field, const cJSON *value, char *why, size_t size);

/* A new event skeleton: {id, time, actor, op, step?}; caller deletes. */
cJSON *ledger_event_new(const char *id, time_t when, const char *actor, const char *op, const char *step);

/*
 * An event of the ledger as a struct (event.h), its shape checked against
 * its op: 0, or -1 (65) with what is wrong.  ev points into json.
 */
int ledger_event_decode(const cJSON *json, struct event *ev, struct error *err);

/*
 * The JSON relctl writes for ev: {id, time, actor, op, step?, candidate},
 * then its op's fields in the op's order; NULL for an unknown op.  Caller
 * deletes.  Nothing is checked: ledger_apply_new does that.
 */
cJSON *ledger_event_encode(const struct event *ev);

/*
 * The commit message of ev, just applied to st: "sam claimed test-voyager
 * (2.6.3 rc1)", a blank line, the event's details and its id, appended to
 * message; the first line in *summary (caller frees).
 */
void ledger_event_message(const struct release_state *st, const struct event *ev, struct buf *message,
			  char **summary);

#endif

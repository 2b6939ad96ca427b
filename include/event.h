/*
 * One event of a release as the code sees it: a struct of named, typed
 * fields, decoded once from the ledger's JSON (ledger_event_decode) and
 * encoded once into it (ledger_event_encode), so a misspelt field does not
 * compile.  Which fields an op carries, and in which order relctl writes
 * them, is said once, in its row of the op table (ledger-ops.c).
 *
 * Ownership: every pointer is borrowed.  A decoded event points into the
 * JSON it came from; an event a command builds points at its own strings.
 */
#ifndef RELCTL_EVENT_H
#define RELCTL_EVENT_H

#include <stdbool.h>
#include <time.h>

#include "cJSON.h"

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
	const char *reason;       /* claim, unclaim, assign, skip, reopen, block, unblock, decide, checklist-remove */
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
	const char *text;         /* checklist-add */
	bool evidence_required;   /* checklist-add */
	const char *review;       /* checklist-add: the item's review role */
	const char *result;       /* check: pass, fail or na */
};

#endif

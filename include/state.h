/*
 * A release's state (state.c): its steps, checklists, findings, inputs,
 * decisions and delegation as the replay of its events leaves them, each
 * step's derived state, and the queries on it.  ledger.h makes it from
 * events; nothing else changes it.
 */
#ifndef RELCTL_STATE_H
#define RELCTL_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cJSON.h"
#include "err.h"
#include "playbook.h"

enum step_state {
	STATE_PENDING,   /* its phase or dependencies are not met */
	STATE_READY,     /* can be claimed */
	STATE_CLAIMED,
	STATE_BLOCKED,
	STATE_IN_REVIEW, /* done, awaiting the review role */
	STATE_DONE,
	STATE_SKIPPED,
	STATE_WAITING,   /* derived: a claimed wait step before its minimum duration */
};

enum release_status { RELEASE_OPEN, RELEASE_COMPLETE, RELEASE_ABORTED };

/*
 * One item of a step's checklist in a release: the playbook's items (their
 * "when" true) and the release's additions, each with the result its
 * holder recorded (docs/ledger.md, "Checklists").
 */
struct check_item {
	char *id;
	char *text;
	bool evidence_required;
	char *review;         /* the role that reviews its result; may be NULL */
	char *owner;          /* the only role that checks it (not the step's holder); may be NULL */
	char *added_by;       /* NULL for the playbook's items */
	char *removed_by;     /* set when removed for this release: it needs no result */
	char *removed_reason;
	time_t removed_at;
	char *result;         /* "pass", "fail" or "na"; NULL while it has none */
	char *by;             /* who recorded the result */
	time_t at;
	char *note;
	cJSON *evidence;      /* array of strings */
	char *finding;        /* the finding its fail opened or added to; may be NULL */
	char *review_by;
	char *review_verdict; /* "approve" or "reject" of the result */
	char *review_note;
};

/* A step's checklist for one candidate (or one round, when reopened). */
struct checklist {
	int candidate;
	struct check_item *items;
	size_t count;
};

struct step_record {
	enum step_state base; /* STATE_READY stands for "unclaimed" */
	enum step_state before_block;
	char *holder;         /* person id, while claimed, blocked or in review */
	char *done_by;
	char *note;
	cJSON *evidence;      /* array of strings */
	char *reason;         /* of the last skip, block or reopen */
	char *review_by;
	char *review_verdict; /* "approve" or "reject" */
	char *review_note;
	cJSON *approvals;     /* who approved this result, ids in order (a review count > 1 needs several); or NULL */
	time_t ready_at, claimed_at, done_at, changed_at;
	long worked; /* claim to done over this claim's tries: rework after a rejected review adds to it (stats; not in the view) */
	/*
	 * Its last change of state or holder, and when it last became ready
	 * (not pending): the earliest its next events may be dated (ledger.h,
	 * "Time").  since_base and since_ready are what settle() compares with.
	 */
	time_t since, ready_since;
	enum step_state since_base;
	bool since_ready;
	int candidate;        /* the candidate of the last change */
	bool reason_is_condition; /* skipped by its "when" at the start */
	cJSON *hook;              /* the last hook result recorded, or NULL */
	cJSON *command;           /* a command step: the last command result recorded, or NULL */
	cJSON *poll;              /* a check step: the last poll result recorded, or NULL */
	size_t poll_count;        /* a check step: polls recorded this round */
	time_t first_poll_at, last_poll_at; /* a check step: this round's first and latest poll; 0 before one */
	const char *finished_how; /* a check step: "passed", "dry-run", "override" or "without-check" once done; static */
	int round;                /* times reopened: a hook step's webhook-id differs each round */
	size_t event_count;
	cJSON *shadows;           /* people learning it now (relctl shadow): ids */
	cJSON *shadowed;          /* people who shadowed it to its finish, any round: ids */
	cJSON *performers;        /* people who finished it, any round or candidate: ids (not in the view) */
	char *handover_from, *handover_to, *handover_note; /* the last hand-over of this round, or NULL */
	time_t handover_at;
	struct checklist checklist; /* the current candidate's */
	struct checklist *earlier;  /* the ones a delay or a reopen ended, oldest first */
	size_t earlier_count;
};

/* Someone unavailable (relctl away), as this release knows it. */
struct away_record {
	char *person;
	time_t since;
	time_t until; /* 0: until they say they are back */
};

/* A reminder sent (relctl remind): who was chased about which steps, and when. */
struct reminder_record {
	char *kind;    /* "reminder" (a person, about their steps) or "escalation" (to the release managers) */
	char *person;  /* the person reminded; NULL for an escalation */
	cJSON *steps;  /* step ids */
	char *message; /* what it said */
	char *webhook_id;
	char *by;
	time_t at;
};

struct finding {
	char *id;       /* "F-" and six hex digits of the event that added it */
	char *title;
	char *severity; /* blocker, major or minor */
	char *step;     /* may be NULL */
	char *by;
	time_t at;
	int candidate;  /* found in */
	cJSON *evidence;
	long estimate;  /* seconds to fix, from a dev; 0 when not given */
	char *risk;     /* low, medium or high, from a dev */
	char *impact;   /* customer impact, from support */
	cJSON *notes;   /* [{by, at, note}] */
	bool closed;
	char *closed_by;
	char *item;     /* the checklist item whose fail opened it; NULL otherwise */
};

struct input_record {
	const struct pb_step *gate; /* the decision step it was given to */
	char *role;
	char *by;
	char *note;
	time_t at;
	int candidate;
};

struct decision_record {
	const struct pb_step *gate; /* the decision step that made it */
	char *decision; /* ship, delay or abort */
	char *by;
	char *reason;
	char *brief_hash;
	bool forced;
	time_t at;
	int candidate;
};

struct release_state {
	const struct playbook *pb;
	char *version;
	int candidate;
	enum release_status status;
	char *started_by;
	time_t started_at, updated_at;
	cJSON *vars; /* name -> typed value */
	struct step_record *steps; /* parallel to pb->steps */
	size_t event_count;
	struct finding *findings;
	size_t finding_count;
	struct input_record *inputs; /* every input given, oldest first */
	size_t input_count;
	struct decision_record *decisions; /* every decision, oldest first */
	size_t decision_count;
	bool rehearsal; /* relctl start --rehearsal: a practice run; its hooks are dry runs, nothing is sent */
	time_t target;  /* relctl start --target; 0 when none */
	struct away_record *away; /* who is away now, as recorded in this release */
	size_t away_count;
	struct reminder_record *reminders; /* every reminder sent, oldest first */
	size_t reminder_count;
	/*
	 * The judging clock (ledger.h, "Time"): an arriving event dated later
	 * than it plus LEDGER_CLOCK_SKEW is refused.  Set by whoever applies
	 * new events (the judge, a mutation, sync) to its own clock; 0: no
	 * upper bound (a replay of accepted history).
	 */
	time_t clock;
	/* The arriving events are dated by the judging clock itself (a local mutation): a refusal says "your clock". */
	bool own_clock;
	/*
	 * Another release of the same ledger, for the rules that look across
	 * releases (a claim granted by shadowing the step in an earlier one).
	 * Set by whoever applies new events (the judge, a mutation, sync); an
	 * event that needs it is refused while it is NULL.  Not owned.
	 */
	const struct release_state *(*lookup)(void *data, const char *version);
	void *lookup_data;
};

struct release_state *release_state_new(const struct playbook *pb, const char *version);

void release_state_free(struct release_state *st);

/* A step's state as people see it now: pending/ready resolved, waiting derived. */
enum step_state ledger_step_state(const struct release_state *st, size_t step, time_t now);
bool ledger_phase_open(const struct release_state *st, size_t phase);
bool ledger_phase_complete(const struct release_state *st, size_t phase);
/* When a claimed wait step opens (claimed_at + min_duration); 0 otherwise. */
time_t ledger_wait_opens(const struct release_state *st, size_t step);
/* The first phase that is not complete, or phase_count when all are. */
size_t ledger_current_phase(const struct release_state *st);

/* Whether a step in state is finished: done or skipped, so the steps that need it may go. */
bool ledger_finished(enum step_state state);
/*
 * What pending step waits for: when its phase is not open yet, the phase
 * that must complete first in *phase (else *phase is phase_count); the
 * steps it needs that are not finished into deps (indexes, at most its
 * needs' count).  Returns how many deps.
 */
size_t ledger_waits_for(const struct release_state *st, size_t step, size_t *phase, size_t *deps);
/* The inputs decision asks for that the current candidate lacks (role names, at most its inputs' count). */
size_t ledger_missing_inputs(const struct release_state *st, const struct pb_step *decision, const char **missing);

const char *step_state_name(enum step_state state);
const char *release_status_name(enum release_status status);

/* Whether the person may act as release manager. */
bool ledger_is_manager(const struct pb_person *person);

/* The playbook's first decision step (gate), or NULL. */
const struct pb_step *ledger_decision_step(const struct release_state *st);
/* How many decision steps (gates) the playbook has. */
size_t ledger_gate_count(const struct playbook *pb);
/*
 * The gate a decide or input event names: its step, which must be a
 * decision step, or, with none (every ledger before several gates), the
 * playbook's only decision step.  NULL when it names none that fits.
 */
const struct pb_step *ledger_gate_of(const struct release_state *st, const char *step);
/*
 * The gate a command acts on: the named one (step may be NULL), else the
 * only open one (ready now), else the only one not finished, else (all
 * decided) the last; refuses (64) with the open gates listed when several
 * could be meant.
 */
int ledger_pick_gate(const struct release_state *st, const char *step, time_t now, const struct pb_step **gate,
		     struct error *err);
/* The latest input of role to gate for the current candidate, or NULL. */
const struct input_record *ledger_input(const struct release_state *st, const struct pb_step *gate, const char *role);
const struct finding *ledger_finding(const struct release_state *st, const char *id);
/* Whether a delay decided now at gate starts pb step s again (an on_delay step its condition did not skip). */
bool ledger_delay_reopens(const struct release_state *st, const struct pb_step *gate, const struct pb_step *s);

#endif

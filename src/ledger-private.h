/*
 * What the parts of the rules share and nobody else sees: the op being
 * checked or applied (struct op_ctx), the op table's row (struct op_def,
 * rows in event.c), and each part's functions the others call.  The parts,
 * from the bottom: state.c (the state and the refusals they share), then
 * ledger-time.c (when an event may be dated), checklist.c,
 * ledger-delegation.c, decision.c, ledger-runs.c and steps.c (the ops' rules), event.c (the op table, shapes, messages) and ledger.c (dispatch,
 * replay); ledger-view.c writes the derived view.  Each calls only the
 * ones below it.
 */
#ifndef RELCTL_LEDGER_PRIVATE_H
#define RELCTL_LEDGER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "cJSON.h"
#include "err.h"
#include "event.h"
#include "ledger.h"
#include "playbook.h"

/* What an operation works on, resolved once. */
struct op_ctx {
	struct release_state *st;
	const struct event *ev;
	time_t when;        /* ev->time */
	const struct pb_person *actor;
	const struct pb_step *step; /* NULL for release-wide ops */
	struct step_record *rec;
	enum step_state state; /* the step's state at the event's time */
	bool fresh;            /* a new event, not the replay of accepted history */
};

/*
 * What each op carries, said once.  "required" marks the fields the op's
 * check does not ask for itself with its own, friendlier message.  An event with a field its op does not
 * declare, a missing required field, or a value of the wrong type or size
 * is refused here, for the CLI, sync and verify alike: a misspelt field
 * name can never be silently ignored, and in the code it does not compile.
 */
enum field_type {
	FIELD_NAME,  /* one line: an id, a person, a verdict (LEDGER_NAME_MAX) */
	FIELD_TEXT,  /* free text, newlines allowed (LEDGER_TEXT_MAX) */
	FIELD_LINKS, /* a list of one-line strings (evidence) */
	FIELD_BOOL,  /* true, when present: relctl leaves out a flag that is not set */
	FIELD_INT,   /* a whole number >= 1 */
	FIELD_OBJECT /* vars, a hook's result */
};

struct field_def {
	const char *name; /* in the JSON */
	enum field_type type;
	bool required;
	size_t offset; /* of its member of struct event */
};

/*
 * One op: its name, whether it names a step, the check of who may send it
 * and when (refusing with why and who can), the apply that cannot fail, the
 * first line of its commit, and its fields in the order relctl writes them.
 */
enum op_step {
	OP_NO_STEP,  /* release-wide */
	OP_STEP,     /* names the step it acts on, resolved before its check */
	OP_STEP_GATE /* may name a decision step (its gate), which its check resolves: ledger_gate_of */
};

/* The change of state an op's event may not be dated before (ledger.h, "Time"), besides its release's start. */
enum op_after {
	AFTER_STEP_CHANGE, /* its step's last change of state or holder (none for a release-wide op) */
	AFTER_READY        /* that, and the time its step (a decision's gate) last became ready */
};

struct op_def {
	const char *name;
	enum op_step step;
	int (*check)(struct op_ctx *o, struct error *err);
	void (*apply)(struct op_ctx *o);
	char *(*message)(const struct release_state *st, const struct event *ev);
	const char *verb; /* past tense, for message_step; NULL for the ops with their own message */
	struct field_def fields[8];
	enum op_after after;
};

/* ---------- state.c: the state, its records and queries, the refusals every part shares ---------- */

void replace(char **field, const char *value);
void record_clear_work(struct step_record *r);
void record_clear_approvals(struct step_record *r);
bool dependencies_met(const struct release_state *st, size_t step);
/* Whether every step that step needs is finished (its phase aside). */
bool needs_finished(const struct release_state *st, size_t step);
char *describe_holder(const struct op_ctx *o);
int refuse_pending(const struct op_ctx *o, const char *verb, struct error *err);
int refuse_role(const struct op_ctx *o, const char *verb, const char *role, bool managers_too,
		struct error *err);
bool may_reopen(const struct op_ctx *o);
size_t add_role_people(struct buf *b, const struct playbook *pb, const char *role, const char *except);
size_t add_manager_people(struct buf *b, const struct playbook *pb, const char *except);
int refuse_own_review(const struct op_ctx *o, const char *what, const char *role, bool whole_step,
			     struct error *err);
int refuse_claim_role(const struct op_ctx *o, const char *also, struct error *err);
int require_holder_or_manager(const struct op_ctx *o, const char *verb, struct error *err);
/* "STEP is blocked (REASON); 'relctl unblock STEP' first" (65). */
int refuse_blocked(const struct op_ctx *o, struct error *err);
const char *require_reason(const struct op_ctx *o, struct error *err);
int refuse_finished(const struct op_ctx *o, const char *verb, struct error *err);
void item_clear_result(struct check_item *it);
void item_clear_review(struct check_item *it);
void record_free_checklists(struct step_record *r);
void record_clear_delegation(struct step_record *r);
void free_delegation(struct release_state *st);
struct finding *finding_new(struct op_ctx *o, const char *id, const char *title, const char *severity,
				   const char *step);

/* ---------- steps.c: the step ops ---------- */

int check_start(struct op_ctx *o, struct error *err);
void apply_start(struct op_ctx *o);
void skip_by_conditions(struct release_state *st, time_t when);
int check_claim(struct op_ctx *o, struct error *err);
void apply_claim(struct op_ctx *o);
void apply_assign(struct op_ctx *o);
int check_unclaim(struct op_ctx *o, struct error *err);
void apply_unclaim(struct op_ctx *o);
int check_assign(struct op_ctx *o, struct error *err);
int check_done(struct op_ctx *o, struct error *err);
void apply_done(struct op_ctx *o);
int check_review(struct op_ctx *o, struct error *err);
void apply_review(struct op_ctx *o);
int check_skip(struct op_ctx *o, struct error *err);
void apply_skip(struct op_ctx *o);
int check_reopen(struct op_ctx *o, struct error *err);
void apply_reopen(struct op_ctx *o);
int check_block(struct op_ctx *o, struct error *err);
void apply_block(struct op_ctx *o);
int check_unblock(struct op_ctx *o, struct error *err);
void apply_unblock(struct op_ctx *o);
int check_hook(struct op_ctx *o, struct error *err);
void apply_hook(struct op_ctx *o);

/* ---------- ledger-runs.c: command and check steps ---------- */

int check_command(struct op_ctx *o, struct error *err);
void apply_command(struct op_ctx *o);
int check_poll(struct op_ctx *o, struct error *err);
void apply_poll(struct op_ctx *o);
int check_override(struct op_ctx *o, struct error *err);
void apply_override(struct op_ctx *o);
int check_done_check_step(const struct op_ctx *o, struct error *err);

/* ---------- checklist.c: checklists and their ops ---------- */

void checklists_from_playbook(struct release_state *st);
void checklist_restart(const struct release_state *st, struct step_record *r);
const char *review_role(const struct pb_step *s, const struct step_record *r);
bool reviews_complete(const struct pb_step *s, const struct step_record *r);
bool step_review_approved(const struct pb_step *s, const struct step_record *r);
bool approved_by(const struct step_record *r, const char *person);
int check_checklist_add(struct op_ctx *o, struct error *err);
void apply_checklist_add(struct op_ctx *o);
int check_checklist_remove(struct op_ctx *o, struct error *err);
void apply_checklist_remove(struct op_ctx *o);
int check_check(struct op_ctx *o, struct error *err);
void apply_check(struct op_ctx *o);
int refuse_unchecked_items(const struct op_ctx *o, struct error *err);
int refuse_step_review(const struct op_ctx *o, struct error *err);
int check_review_item(struct op_ctx *o, struct error *err);
void apply_review_item(struct op_ctx *o);

/* ---------- decision.c: findings, inputs, decisions ---------- */

int check_finding_add(struct op_ctx *o, struct error *err);
void apply_finding_add(struct op_ctx *o);
int check_finding_update(struct op_ctx *o, struct error *err);
void apply_finding_update(struct op_ctx *o);
int check_input(struct op_ctx *o, struct error *err);
void apply_input(struct op_ctx *o);
int check_decide(struct op_ctx *o, struct error *err);
void apply_decide(struct op_ctx *o);

/* ---------- ledger-delegation.c: shadows, hand-overs, away, reminders ---------- */

void credit_shadows(struct step_record *r);
int check_start_delegation(struct op_ctx *o, struct error *err);
void apply_start_delegation(struct op_ctx *o);
int check_shadow_grant(const struct op_ctx *o, struct error *err);
int check_run_rehearsal(const struct op_ctx *o, const char *outcome, const char *what, const char *done,
			const char *does, struct error *err);
int check_shadow(struct op_ctx *o, struct error *err);
void apply_shadow(struct op_ctx *o);
int check_handover(struct op_ctx *o, struct error *err);
void apply_handover(struct op_ctx *o);
int check_away(struct op_ctx *o, struct error *err);
void apply_away(struct op_ctx *o);
int check_remind(struct op_ctx *o, struct error *err);
void apply_remind(struct op_ctx *o);

/* ---------- ledger-time.c: when an event may be dated ---------- */

/* Whether o's event is dated within the bounds of ledger.h's "Time": 0, or -1 (65) naming the clock's error. */
int check_time(const struct op_ctx *o, const struct op_def *def, struct error *err);
/* After every event: each step's last change of state and the time it last became ready. */
void settle_times(struct release_state *st, time_t when);

/* ---------- event.c: the op table ---------- */

const char *or_empty(const char *s);
const struct op_def *op_rows(size_t *count);
const struct op_def *op_find(const char *name);
int event_decode_of(const cJSON *event, const char *version, struct event *ev, struct error *err);

#endif

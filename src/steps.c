/*
 * The rules of the step ops: start, claim, assign, unclaim, done, review,
 * skip, reopen, block, unblock and a hook step's run (command and check
 * steps' runs: ledger-runs.c).  Each is a check
 * (may this actor do this now?) and an apply that cannot fail, rows of the
 * op table (event.c).  Part of the rules: see ledger-private.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checklist.h"
#include "expr.h"
#include "json.h"
#include "ledger-delegation.h"
#include "ledger-private.h"
#include "util.h"

/* ---------- operations ---------- */

int check_start(struct op_ctx *o, struct error *err)
{
	const struct playbook *pb = o->st->pb;
	const cJSON *vars = o->ev->vars, *v;

	if (o->st->event_count > 0)
		return error_set(err, EXIT_DATAERR, "release %s has already started", o->st->version);
	if (!ledger_is_manager(o->actor))
	{
		char *roles = strlist_join(&pb->managers, ", ", " or ");
		int rc = error_set(err, EXIT_NOPERM, "%s cannot start a release: only a %s can", o->actor->id, roles);

		free(roles);
		return rc;
	}
	cJSON_ArrayForEach(v, vars)
	{
		const struct pb_var *var = playbook_var(pb, v->string);

		if (var == NULL)
			return error_set(err, EXIT_USAGE, "the playbook has no var \"%s\"; see 'relctl playbook show'",
					 v->string);
		if (!var_accepts(var, v))
			return error_set(err, EXIT_USAGE, "var \"%s\" is a %s", var->name, var_type_name(var->type));
	}
	return check_start_delegation(o, err);
}


void apply_start(struct op_ctx *o)
{
	struct release_state *st = o->st;
	const struct playbook *pb = st->pb;
	const cJSON *vars = o->ev->vars;
	size_t i;

	for (i = 0; i < pb->var_count; i++) {
		const struct pb_var *var = &pb->vars[i];
		const cJSON *given = cJSON_GetObjectItemCaseSensitive(vars, var->name);
		cJSON *value;

		value = given ? cJSON_Duplicate(given, 1) : var_default_json(var);
		cJSON_AddItemToObject(st->vars, var->name, value);
	}
	replace(&st->started_by, o->actor->id);
	st->started_at = o->when;
	apply_start_delegation(o);
	skip_by_conditions(st, o->when);
	checklists_from_playbook(st);
}

/* Steps whose condition is false are skipped by the start itself. */
void skip_by_conditions(struct release_state *st, time_t when)
{
	const struct playbook *pb = st->pb;
	size_t i;

	for (i = 0; i < pb->step_count; i++) {
		char *why = pb->steps[i].when_expr ? expr_why_false(pb->steps[i].when_expr, st->vars, st->version) : NULL;

		if (why == NULL)
			continue;
		st->steps[i].base = STATE_SKIPPED;
		st->steps[i].reason_is_condition = true;
		free(st->steps[i].reason);
		st->steps[i].reason = xasprintf("skipped by condition: %s", why);
		free(why);
		st->steps[i].changed_at = when;
	}
}

int check_claim(struct op_ctx *o, struct error *err)
{
	if (o->step->kind == STEP_DECISION) {
		char *owner = role_in_words(o->step->owner);
		int rc = error_set(err, EXIT_DATAERR, "%s is the %s's decision; it is made with 'relctl decide ship|delay|abort%s%s --reason TEXT'",
				   o->step->id, owner, ledger_gate_count(o->st->pb) > 1 ? " --step " : "",
				   ledger_gate_count(o->st->pb) > 1 ? o->step->id : "");

		free(owner);
		return rc;
	}
	if (!person_has_role(o->actor, o->step->owner) && check_shadow_grant(o, err) != 0)
		return -1;
	switch (o->state) {
	case STATE_READY:
		return 0;
	case STATE_PENDING:
		return refuse_pending(o, "claim", err);
	case STATE_CLAIMED:
	case STATE_WAITING:
	case STATE_BLOCKED:
	case STATE_IN_REVIEW: {
		char *who;
		int rc;

		/* A step blocked while nobody held it has no holder to name. */
		if (o->rec->holder == NULL)
			return refuse_blocked(o, err);
		who = describe_holder(o);
		if (o->rec->holder == NULL)
			rc = refuse_blocked(o, err);
		else if (strcmp(o->rec->holder, o->actor->id) == 0)
			rc = error_set(err, EXIT_DATAERR, "you already hold %s (%s)", o->step->id,
				       step_state_name(o->state));
		else if (o->state == STATE_IN_REVIEW && may_reopen(o))
			rc = error_set(err, EXIT_DATAERR, "%s was done by %s and waits for review by a %s; 'relctl reopen %s --reason TEXT' to redo it",
				       o->step->id, o->rec->done_by ? o->rec->done_by : o->rec->holder,
				       review_role(o->step, o->rec), o->step->id);
		else if (o->state == STATE_IN_REVIEW)
			rc = refuse_finished(o, "claim", err);
		else if (ledger_is_manager(o->actor))
			rc = error_set(err, EXIT_TEMPFAIL, "%s is already claimed by %s; ask them, or 'relctl assign %s PERSON' moves it",
				       o->step->id, who, o->step->id);
		else {
			struct buf managers;

			buf_init(&managers);
			add_manager_people(&managers, o->st->pb, NULL);
			rc = error_set(err, EXIT_TEMPFAIL, "%s is already claimed by %s; ask them, or %s to move it with 'relctl assign %s PERSON'",
				       o->step->id, who, managers.data, o->step->id);
			buf_release(&managers);
		}
		free(who);
		return rc;
	}
	default:
		return refuse_finished(o, "claim", err);
	}
}

static void hold(struct op_ctx *o, const char *person)
{
	o->rec->base = STATE_CLAIMED;
	replace(&o->rec->holder, person);
	o->rec->claimed_at = o->when;
	o->rec->worked = 0;
}

void apply_claim(struct op_ctx *o)
{
	hold(o, o->actor->id);
}

void apply_assign(struct op_ctx *o)
{
	hold(o, o->ev->person);
}

int check_unclaim(struct op_ctx *o, struct error *err)
{
	if (o->state != STATE_CLAIMED && o->state != STATE_WAITING)
		return error_set(err, EXIT_DATAERR, "cannot unclaim %s: it is %s, not claimed", o->step->id,
				 step_state_name(o->state));
	return require_holder_or_manager(o, "unclaim", err);
}

void apply_unclaim(struct op_ctx *o)
{
	o->rec->base = STATE_READY;
	replace(&o->rec->holder, NULL);
	o->rec->claimed_at = 0;
}

int check_assign(struct op_ctx *o, struct error *err)
{
	const char *who = o->ev->person;
	const struct pb_person *target = who ? playbook_person(o->st->pb, who) : NULL;

	if (!ledger_is_manager(o->actor))
		return error_set(err, EXIT_NOPERM, "%s cannot assign steps: only a release manager can; 'relctl claim %s' takes it yourself",
				 o->actor->id, o->step->id);
	if (target == NULL)
		return error_set(err, EXIT_USAGE, "no person \"%s\" in the playbook; see 'relctl playbook show'",
				 who ? who : "");
	if (o->step->kind == STEP_DECISION) {
		char *owner = role_in_words(o->step->owner);
		int rc = error_set(err, EXIT_DATAERR, "%s is the %s's decision and is not assigned", o->step->id, owner);

		free(owner);
		return rc;
	}
	if (!person_has_role(target, o->step->owner))
		return error_set(err, EXIT_DATAERR, "cannot assign %s to %s: it needs the role %s, which %s does not have",
				 o->step->id, target->id, o->step->owner, target->id);
	if (o->state == STATE_PENDING)
		return refuse_pending(o, "assign", err);
	if (o->state != STATE_READY && o->state != STATE_CLAIMED && o->state != STATE_WAITING)
		return error_set(err, EXIT_DATAERR, "cannot assign %s: it is %s", o->step->id, step_state_name(o->state));
	if (o->rec->holder && strcmp(o->rec->holder, target->id) == 0)
		return error_set(err, EXIT_DATAERR, "%s already holds %s", target->id, o->step->id);
	return 0;
}

/*
 * Whether a result of the step's checklist (not removed, not na) carries a
 * link: the footage of an item is evidence of the step, so evidence: required
 * is met without repeating it on done.
 */
static bool items_carry_evidence(const struct checklist *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		const struct check_item *it = &list->items[i];

		if (!it->removed_by && it->result && strcmp(it->result, "na") != 0 && cJSON_GetArraySize(it->evidence) > 0)
			return true;
	}
	return false;
}

int check_done(struct op_ctx *o, struct error *err)
{
	const cJSON *evidence = o->ev->evidence;
	char t[32];

	if (o->step->kind == STEP_DECISION) {
		char *owner = role_in_words(o->step->owner);
		int rc = error_set(err, EXIT_DATAERR, "%s is a decision: the %s finishes it with 'relctl decide ship|delay|abort'", o->step->id, owner);

		free(owner);
		return rc;
	}
	if (o->step->kind == STEP_HOOK || o->step->kind == STEP_COMMAND)
		return error_set(err, EXIT_DATAERR, "%s is a %s step: 'relctl run %s' %s it and marks it done",
				 o->step->id, step_kind_name(o->step->kind), o->step->id,
				 o->step->kind == STEP_HOOK ? "sends" : "runs");
	switch (o->state) {
	case STATE_CLAIMED:
	case STATE_WAITING:
		break;
	case STATE_READY:
		return error_set(err, EXIT_DATAERR, "%s is not claimed; 'relctl claim %s' first", o->step->id,
				 o->step->id);
	case STATE_PENDING:
		return refuse_pending(o, "finish", err);
	case STATE_BLOCKED:
		return refuse_blocked(o, err);
	case STATE_IN_REVIEW:
		return error_set(err, EXIT_DATAERR, "%s is already done and waits for review by %s", o->step->id,
				 review_role(o->step, o->rec));
	default:
		return refuse_finished(o, "finish", err);
	}
	if (require_holder_or_manager(o, "finish", err) != 0)
		return -1;
	if (o->step->kind == STEP_CHECK && check_done_check_step(o, err) != 0)
		return -1;
	if (o->state == STATE_WAITING)
		return error_set(err, EXIT_DATAERR, "%s is a wait step: it can be done from %s, %s after it was claimed",
				 o->step->id, time_format(ledger_wait_opens(o->st, o->step->index), t, sizeof(t)),
				 duration_format(o->step->min_duration, t + 24, 8));
	if (o->step->evidence_required && cJSON_GetArraySize(evidence) == 0 && !items_carry_evidence(&o->rec->checklist))
		return error_set(err, EXIT_DATAERR,
				 "%s needs evidence: add at least one --evidence URL (a test video, a log, a link), or give a "
				 "checklist item's result one",
				 o->step->id);
	return refuse_unchecked_items(o, err);
}

void apply_done(struct op_ctx *o)
{
	const cJSON *evidence = o->ev->evidence;

	o->rec->base = o->step->review || !reviews_complete(o->step, o->rec) ? STATE_IN_REVIEW : STATE_DONE;
	replace(&o->rec->done_by, o->rec->holder ? o->rec->holder : o->actor->id);
	replace(&o->rec->note, o->ev->note);
	cJSON_Delete(o->rec->evidence);
	o->rec->evidence = evidence ? cJSON_Duplicate(evidence, 1) : cJSON_CreateArray();
	replace(&o->rec->review_by, NULL);
	replace(&o->rec->review_verdict, NULL);
	replace(&o->rec->review_note, NULL);
	record_clear_approvals(o->rec);
	o->rec->done_at = o->when;
	if (o->rec->claimed_at && o->when >= o->rec->claimed_at)
		o->rec->worked += (long)(o->when - o->rec->claimed_at);
	if (o->step->kind == STEP_CHECK)
		o->rec->finished_how = "without-check";
	credit_shadows(o->rec);
}

int check_review(struct op_ctx *o, struct error *err)
{
	const char *verdict = o->ev->verdict;

	if (verdict == NULL || (strcmp(verdict, "approve") && strcmp(verdict, "reject")))
		return error_set(err, EXIT_USAGE, "a review is approve or reject");
	if (o->state == STATE_CLAIMED && o->rec->holder && strcmp(o->rec->holder, o->actor->id) == 0)
		return error_set(err, EXIT_DATAERR, "%s is claimed by %s, not waiting for review; 'relctl done %s' first",
				 o->step->id, o->actor->id, o->step->id);
	if (o->state == STATE_CLAIMED && o->rec->holder)
		return error_set(err, EXIT_DATAERR, "%s is claimed by %s, not waiting for review; %s runs 'relctl done %s' first",
				 o->step->id, o->rec->holder, o->rec->holder, o->step->id);
	if (o->state != STATE_IN_REVIEW)
		return error_set(err, EXIT_DATAERR, "%s is %s, not waiting for review", o->step->id,
				 step_state_name(o->state));
	if (o->ev->item)
		return check_review_item(o, err);
	if (o->step->review == NULL || step_review_approved(o->step, o->rec))
		return refuse_step_review(o, err);
	if (!person_has_role(o->actor, o->step->review))
		return refuse_role(o, "review", o->step->review, false, err);
	if (strcmp(verdict, "approve") == 0 && approved_by(o->rec, o->actor->id)) {
		char n[64];

		return error_set(err, EXIT_DATAERR, "%s already approved %s (%s); it waits for another %s",
				 o->actor->id, o->step->id,
				 ledger_approvals(o->st, o->step->index, n, sizeof(n)), o->step->review);
	}
	if (o->rec->done_by && strcmp(o->rec->done_by, o->actor->id) == 0) {
		char *what = xasprintf("work on %s", o->step->id);
		int rc = refuse_own_review(o, what, o->step->review, true, err);

		free(what);
		return rc;
	}
	if (strcmp(verdict, "reject") == 0 && (o->ev->note == NULL || !o->ev->note[0]))
		return error_set(err, EXIT_USAGE, "a rejection needs --note TEXT saying what to fix");
	return 0;
}

void apply_review(struct op_ctx *o)
{
	const char *verdict = o->ev->verdict;

	if (o->ev->item) {
		apply_review_item(o);
		return;
	}
	replace(&o->rec->review_by, o->actor->id);
	replace(&o->rec->review_verdict, verdict);
	replace(&o->rec->review_note, o->ev->note);
	if (strcmp(verdict, "approve") == 0) {
		if (o->rec->approvals == NULL)
			o->rec->approvals = cJSON_CreateArray();
		cJSON_AddItemToArray(o->rec->approvals, cJSON_CreateString(o->actor->id));
		o->rec->base = reviews_complete(o->step, o->rec) ? STATE_DONE : STATE_IN_REVIEW;
	} else {
		/* Back to whoever did it, with the note saying what to fix; the approvals start again. */
		record_clear_approvals(o->rec);
		o->rec->base = STATE_CLAIMED;
		replace(&o->rec->holder, o->rec->done_by);
		o->rec->done_at = 0;
		o->rec->claimed_at = o->when;
	}
}

int check_skip(struct op_ctx *o, struct error *err)
{
	if (require_reason(o, err) == NULL)
		return -1;
	if (!ledger_is_manager(o->actor))
		return error_set(err, EXIT_NOPERM, "%s cannot skip %s: only a release manager can skip steps",
				 o->actor->id, o->step->id);
	if (o->step->kind == STEP_DECISION) {
		char *owner = role_in_words(o->step->owner);
		int rc = error_set(err, EXIT_DATAERR,
				   "the decision cannot be skipped; the %s decides with 'relctl decide ship|delay|abort%s%s --reason TEXT'",
				   owner, ledger_gate_count(o->st->pb) > 1 ? " --step " : "",
				   ledger_gate_count(o->st->pb) > 1 ? o->step->id : "");

		free(owner);
		return rc;
	}
	if (ledger_finished(o->state))
		return refuse_finished(o, "skip", err);
	return 0;
}

void apply_skip(struct op_ctx *o)
{
	record_clear_work(o->rec);
	checklist_restart(o->st, o->rec);
	o->rec->base = STATE_SKIPPED;
	replace(&o->rec->reason, o->ev->reason);
}

int check_reopen(struct op_ctx *o, struct error *err)
{
	if (require_reason(o, err) == NULL)
		return -1;
	if (!may_reopen(o))
		return refuse_role(o, "reopen", o->step->owner, true, err);
	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "the decision is not reopened by hand; 'relctl decide delay' starts a new candidate");
	if (!ledger_finished(o->state) && o->state != STATE_IN_REVIEW)
		return error_set(err, EXIT_DATAERR, "cannot reopen %s: it is %s, not done or skipped", o->step->id,
				 step_state_name(o->state));
	return 0;
}

void apply_reopen(struct op_ctx *o)
{
	record_clear_work(o->rec);
	checklist_restart(o->st, o->rec);
	o->rec->round++;
	o->rec->reason_is_condition = false;
	o->rec->base = STATE_READY;
	replace(&o->rec->reason, o->ev->reason);
}

int check_block(struct op_ctx *o, struct error *err)
{
	if (require_reason(o, err) == NULL)
		return -1;
	if (o->state != STATE_READY && o->state != STATE_CLAIMED && o->state != STATE_WAITING) {
		if (o->state == STATE_PENDING)
			return refuse_pending(o, "block", err);
		return error_set(err, EXIT_DATAERR, "cannot block %s: it is %s", o->step->id, step_state_name(o->state));
	}
	if (o->rec->holder)
		return require_holder_or_manager(o, "block", err);
	if (!ledger_is_manager(o->actor) && !person_has_role(o->actor, o->step->owner))
		return refuse_role(o, "block", o->step->owner, true, err);
	return 0;
}

void apply_block(struct op_ctx *o)
{
	o->rec->before_block = o->rec->base;
	o->rec->base = STATE_BLOCKED;
	replace(&o->rec->reason, o->ev->reason);
}

int check_unblock(struct op_ctx *o, struct error *err)
{
	if (o->state != STATE_BLOCKED)
		return error_set(err, EXIT_DATAERR, "%s is %s, not blocked", o->step->id, step_state_name(o->state));
	if (o->rec->holder)
		return require_holder_or_manager(o, "unblock", err);
	if (!ledger_is_manager(o->actor) && !person_has_role(o->actor, o->step->owner))
		return refuse_role(o, "unblock", o->step->owner, true, err);
	return 0;
}

void apply_unblock(struct op_ctx *o)
{
	o->rec->base = o->rec->before_block;
}

int check_hook(struct op_ctx *o, struct error *err)
{
	const cJSON *result = o->ev->hook_result;
	const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(result, "outcome");
	bool forced = o->ev->forced;

	if (o->step->kind != STEP_HOOK)
		return error_set(err, EXIT_DATAERR, "%s is not a hook step", o->step->id);
	if (!cJSON_IsObject(result) || !cJSON_IsString(outcome))
		return error_set(err, EXIT_DATAERR, "a hook event needs its result");
	if (check_run_rehearsal(o, outcome->valuestring, "hook", "sent", "sends", err) != 0)
		return -1;
	if (!person_has_role(o->actor, o->step->owner) && !ledger_is_manager(o->actor))
		return refuse_role(o, "run", o->step->owner, true, err);
	if (o->state == STATE_DONE && forced)
		return 0;
	if (o->state == STATE_DONE)
		return error_set(err, EXIT_DATAERR, "%s was already delivered; 'relctl run %s --force' sends it again with the same id",
				 o->step->id, o->step->id);
	if (o->state != STATE_CLAIMED)
		return error_set(err, EXIT_DATAERR, "%s is %s; claim it before running its hook", o->step->id,
				 step_state_name(o->state));
	return require_holder_or_manager(o, "run", err);
}

void apply_hook(struct op_ctx *o)
{
	const cJSON *result = o->ev->hook_result;
	const char *outcome = cJSON_GetObjectItemCaseSensitive(result, "outcome")->valuestring;

	cJSON_Delete(o->rec->hook);
	o->rec->hook = cJSON_Duplicate(result, 1);
	/* A rehearsal's dry run stands for the delivery (check_run_rehearsal). */
	if ((strcmp(outcome, "delivered") == 0 || strcmp(outcome, "dry-run") == 0) && o->rec->base != STATE_DONE) {
		o->rec->base = STATE_DONE;
		replace(&o->rec->done_by, o->rec->holder ? o->rec->holder : o->actor->id);
		o->rec->done_at = o->when;
		credit_shadows(o->rec);
	}
}

/*
 * The rules of command and check steps: the command event (one run of a
 * command step, by its holder), the poll event (one request of a check
 * step, by its holder, a person of its role or a release manager: relctl
 * remind polls too), the override (a person of a check step's role
 * finishes it without the check) and done on a check step (its holder,
 * once max_wait has passed since the first poll).  A result is judged
 * against the pinned playbook: a pass must agree with what it recorded
 * (an exit status of 0, the status the step expects), so a hand-pushed
 * "passed" that contradicts itself or names another kind of step is
 * refused.  Part of the rules: see ledger-private.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger-delegation.h"
#include "ledger-private.h"
#include "ledger-runs.h"
#include "util.h"

/* The status a check step expects, or any 2xx when it names none. */
static bool status_passes(const struct pb_step *step, long status)
{
	return step->expect_status ? status == step->expect_status : status >= 200 && status <= 299;
}

bool ledger_check_passes(const struct pb_step *step, long status, const char *body, const char *expected)
{
	return status_passes(step, status) && (expected == NULL || (body && strstr(body, expected)));
}

bool ledger_poll_due(const struct release_state *st, size_t step, time_t now)
{
	const struct pb_step *s = &st->pb->steps[step];
	const struct step_record *r = &st->steps[step];
	enum step_state state = ledger_step_state(st, step, now);

	if (s->kind != STEP_CHECK || (state != STATE_READY && state != STATE_CLAIMED))
		return false;
	return r->last_poll_at == 0 || now - r->last_poll_at >= s->every;
}

time_t ledger_max_wait_ends(const struct release_state *st, size_t step)
{
	const struct pb_step *s = &st->pb->steps[step];
	const struct step_record *r = &st->steps[step];

	if (s->kind != STEP_CHECK || s->max_wait <= 0 || r->first_poll_at == 0)
		return 0;
	return r->first_poll_at + s->max_wait;
}

/* The outcome of a run's result when it is one of the outcomes its op knows (NULL-terminated); else NULL. */
static const char *result_outcome(const cJSON *result, const char *const *known)
{
	const char *outcome = json_string(result, "outcome");
	size_t i;

	for (i = 0; outcome && known[i]; i++)
		if (strcmp(outcome, known[i]) == 0)
			return outcome;
	return NULL;
}

/* A step relctl runs, in a state its run may be recorded in: claimed (commands) or also ready (polls). */
static int refuse_run_state(const struct op_ctx *o, bool ready_too, struct error *err)
{
	switch (o->state) {
	case STATE_CLAIMED:
		return 0;
	case STATE_READY:
		if (ready_too)
			return 0;
		return error_set(err, EXIT_DATAERR, "%s is not claimed; 'relctl run %s' claims it and runs it", o->step->id,
				 o->step->id);
	case STATE_PENDING:
		return refuse_pending(o, "run", err);
	case STATE_BLOCKED:
		return refuse_blocked(o, err);
	default:
		return refuse_finished(o, "run", err);
	}
}

/* Only the step's holder: anyone else is refused, naming the holder. */
static int refuse_not_holder(const struct op_ctx *o, const char *verb, struct error *err)
{
	if (o->rec->holder && strcmp(o->rec->holder, o->actor->id) == 0)
		return 0;
	return error_set(err, EXIT_NOPERM, "%s cannot %s %s: it is held by %s, who runs it", o->actor->id, verb,
			 o->step->id, o->rec->holder ? o->rec->holder : "nobody");
}

int check_command(struct op_ctx *o, struct error *err)
{
	static const char *const outcomes[] = { RUN_OUTCOME_PASSED, RUN_OUTCOME_FAILED, RUN_OUTCOME_TIMEOUT,
						RUN_OUTCOME_DRY_RUN, NULL };
	const cJSON *result = o->ev->command_result, *exit_status = cJSON_GetObjectItemCaseSensitive(result, "exit");
	const char *outcome = result_outcome(result, outcomes);
	bool exited = cJSON_IsNumber(exit_status);

	if (o->step->kind != STEP_COMMAND)
		return error_set(err, EXIT_DATAERR, "%s is a %s step, not a command step: no command of it is recorded",
				 o->step->id, step_kind_name(o->step->kind));
	if (outcome == NULL)
		return error_set(err, EXIT_DATAERR, "a command event needs its result, with an outcome of passed, failed, timeout or dry-run");
	/* A pass is an exit status of 0, and only that is a pass. */
	if ((strcmp(outcome, RUN_OUTCOME_PASSED) == 0) != (exited && exit_status->valuedouble == 0))
		return error_set(err, EXIT_DATAERR, "the command result of %s says %s with %s; a command passes exactly when it exits 0",
				 o->step->id, outcome, exited ? "an exit status" : "no exit status");
	if (check_run_rehearsal(o, outcome, "command", "run", "runs", err) != 0)
		return -1;
	if (refuse_run_state(o, false, err) != 0)
		return -1;
	return refuse_not_holder(o, "record a run of", err);
}

void apply_command(struct op_ctx *o)
{
	const char *outcome = json_string(o->ev->command_result, "outcome");

	cJSON_Delete(o->rec->command);
	o->rec->command = cJSON_Duplicate(o->ev->command_result, 1);
	/* A rehearsal's dry run stands for the run (check_run_rehearsal); a failure leaves it claimed. */
	if (strcmp(outcome, RUN_OUTCOME_PASSED) == 0 || strcmp(outcome, RUN_OUTCOME_DRY_RUN) == 0) {
		o->rec->base = STATE_DONE;
		replace(&o->rec->done_by, o->rec->holder ? o->rec->holder : o->actor->id);
		o->rec->done_at = o->when;
		credit_shadows(o->rec);
	}
}

int check_poll(struct op_ctx *o, struct error *err)
{
	static const char *const outcomes[] = { RUN_OUTCOME_PASSED, RUN_OUTCOME_FAILED, RUN_OUTCOME_DRY_RUN, NULL };
	const cJSON *result = o->ev->poll_result, *status = cJSON_GetObjectItemCaseSensitive(result, "status");
	const char *outcome = result_outcome(result, outcomes);

	if (o->step->kind != STEP_CHECK)
		return error_set(err, EXIT_DATAERR, "%s is a %s step, not a check step: it is not polled", o->step->id,
				 step_kind_name(o->step->kind));
	if (outcome == NULL || !cJSON_IsNumber(status))
		return error_set(err, EXIT_DATAERR, "a poll event needs its result, with an outcome of passed, failed or dry-run and a status");
	/* What the judge can hold a pass to: the status the playbook expects (its body is not kept whole). */
	if (strcmp(outcome, RUN_OUTCOME_PASSED) == 0 && !status_passes(o->step, (long)status->valuedouble))
		return error_set(err, EXIT_DATAERR, "the poll of %s says passed with status %ld, which its expect does not pass",
				 o->step->id, (long)status->valuedouble);
	if (check_run_rehearsal(o, outcome, "check", "polled", "polls", err) != 0)
		return -1;
	if (refuse_run_state(o, true, err) != 0)
		return -1;
	/* relctl remind polls as whoever runs it: the holder, a person of the step's role, or a release manager. */
	if (o->rec->holder && strcmp(o->rec->holder, o->actor->id) == 0)
		return 0;
	if (!person_has_role(o->actor, o->step->owner) && !ledger_is_manager(o->actor))
		return refuse_role(o, "poll", o->step->owner, true, err);
	return 0;
}

void apply_poll(struct op_ctx *o)
{
	const char *outcome = json_string(o->ev->poll_result, "outcome");
	struct step_record *r = o->rec;

	cJSON_Delete(r->poll);
	r->poll = cJSON_Duplicate(o->ev->poll_result, 1);
	r->poll_count++;
	if (r->first_poll_at == 0)
		r->first_poll_at = o->when;
	r->last_poll_at = o->when;
	if (strcmp(outcome, RUN_OUTCOME_PASSED) == 0 || strcmp(outcome, RUN_OUTCOME_DRY_RUN) == 0) {
		r->base = STATE_DONE;
		replace(&r->done_by, r->holder ? r->holder : o->actor->id);
		r->done_at = o->when;
		r->finished_how = strcmp(outcome, RUN_OUTCOME_PASSED) == 0 ? "passed" : "dry-run";
		credit_shadows(r);
	}
}

int check_override(struct op_ctx *o, struct error *err)
{
	if (o->step->kind != STEP_CHECK)
		return error_set(err, EXIT_DATAERR, "%s is a %s step; only a check step is finished with --override", o->step->id,
				 step_kind_name(o->step->kind));
	if (require_reason(o, err) == NULL)
		return -1;
	if (!person_has_role(o->actor, o->step->owner))
		return refuse_role(o, "override the check of", o->step->owner, false, err);
	if (o->state == STATE_PENDING)
		return refuse_pending(o, "finish", err);
	if (ledger_finished(o->state) || o->state == STATE_IN_REVIEW)
		return refuse_finished(o, "override", err);
	return 0;
}

void apply_override(struct op_ctx *o)
{
	struct step_record *r = o->rec;

	r->base = STATE_DONE;
	replace(&r->done_by, o->actor->id);
	replace(&r->reason, o->ev->reason);
	r->done_at = o->when;
	r->finished_how = "override";
	credit_shadows(r);
}

int check_done_check_step(const struct op_ctx *o, struct error *err)
{
	time_t opens = ledger_max_wait_ends(o->st, o->step->index);
	char t[32], d[32];

	if (opens == 0 && o->step->max_wait > 0)
		return error_set(err, EXIT_DATAERR, "%s is a check step that was never polled: 'relctl run %s' polls it; its holder may finish it without the check %s after the first poll",
				 o->step->id, o->step->id, duration_format(o->step->max_wait, d, sizeof(d)));
	if (o->step->max_wait <= 0)
		return error_set(err, EXIT_DATAERR, "%s is a check step: it is done when its check passes ('relctl run %s'); a %s may 'relctl done %s --override --reason TEXT'",
				 o->step->id, o->step->id, o->step->owner, o->step->id);
	if (o->when < opens)
		return error_set(err, EXIT_DATAERR, "%s is a check step: it is done when its check passes; its holder may finish it without the check from %s (%s after the first poll)",
				 o->step->id, time_format(opens, t, sizeof(t)), duration_format(o->step->max_wait, d, sizeof(d)));
	if (o->ev->note == NULL || o->ev->note[0] == '\0')
		return error_set(err, EXIT_USAGE, "finishing %s without its check needs --note saying why", o->step->id);
	return 0;
}

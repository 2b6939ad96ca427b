/*
 * The release state machine: a release's state and the queries on it, the
 * rules of the step ops (start, claim, done, review, skip, block, hook...),
 * and the dispatch that runs an event's check and apply from its op's row
 * (event.c).  Each operation is a check (may this actor do this now?)
 * followed by an apply that cannot fail, so a refused event leaves the
 * state exactly as it was.  Refusals name the step, who holds it or what
 * it waits for, and the command that helps.  The other parts of the rules
 * (checklist.c, decision.c, ledger-delegation.c) share ledger-private.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brief.h"
#include "buf.h"
#include "event.h"
#include "json.h"
#include "ledger-private.h"
#include "util.h"

static const char *const state_names[] = {
	"pending", "ready", "claimed", "blocked", "in-review", "done", "skipped", "waiting",
};

const char *step_state_name(enum step_state state)
{
	return state_names[state];
}

const char *release_status_name(enum release_status status)
{
	static const char *const names[] = { "open", "complete", "aborted" };

	return names[status];
}

bool ledger_is_manager(const struct pb_person *person)
{
	return person_has_role(person, ROLE_RELEASE_MANAGER);
}

/* ---------- state ---------- */

struct release_state *release_state_new(const struct playbook *pb, const char *version)
{
	struct release_state *st = xcalloc(1, sizeof(*st));
	size_t i;

	st->pb = pb;
	st->version = xstrdup(version);
	st->candidate = 1;
	st->vars = cJSON_CreateObject();
	st->steps = xcalloc(pb->step_count + 1, sizeof(*st->steps));
	for (i = 0; i < pb->step_count; i++) {
		st->steps[i].base = STATE_READY;
		st->steps[i].evidence = cJSON_CreateArray();
		st->steps[i].candidate = 1;
	}
	return st;
}

void replace(char **field, const char *value)
{
	free(*field);
	*field = value ? xstrdup(value) : NULL;
}


void record_clear_work(struct step_record *r)
{
	replace(&r->holder, NULL);
	replace(&r->done_by, NULL);
	replace(&r->note, NULL);
	replace(&r->review_by, NULL);
	replace(&r->review_verdict, NULL);
	replace(&r->review_note, NULL);
	cJSON_Delete(r->evidence);
	r->evidence = cJSON_CreateArray();
	cJSON_Delete(r->hook);
	r->hook = NULL;
	r->claimed_at = r->done_at = r->ready_at = 0;
	record_clear_delegation(r);
}


void release_state_free(struct release_state *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->pb->step_count; i++) {
		record_clear_work(&st->steps[i]);
		cJSON_Delete(st->steps[i].evidence);
		cJSON_Delete(st->steps[i].hook);
		free(st->steps[i].reason);
		record_free_checklists(&st->steps[i]);
	}
	free_delegation(st);
	free(st->steps);
	for (i = 0; i < st->finding_count; i++) {
		struct finding *f = &st->findings[i];

		free(f->id);
		free(f->title);
		free(f->severity);
		free(f->step);
		free(f->by);
		cJSON_Delete(f->evidence);
		free(f->risk);
		free(f->impact);
		cJSON_Delete(f->notes);
		free(f->closed_by);
		free(f->item);
	}
	free(st->findings);
	for (i = 0; i < st->input_count; i++) {
		free(st->inputs[i].role);
		free(st->inputs[i].by);
		free(st->inputs[i].note);
	}
	free(st->inputs);
	for (i = 0; i < st->decision_count; i++) {
		free(st->decisions[i].decision);
		free(st->decisions[i].by);
		free(st->decisions[i].reason);
		free(st->decisions[i].brief_hash);
	}
	free(st->decisions);
	cJSON_Delete(st->vars);
	free(st->version);
	free(st->started_by);
	free(st);
}

/* ---------- derived state ---------- */

bool finished(enum step_state s)
{
	return s == STATE_DONE || s == STATE_SKIPPED;
}

bool ledger_phase_complete(const struct release_state *st, size_t phase)
{
	const struct pb_phase *ph = &st->pb->phases[phase];
	size_t i;

	for (i = 0; i < ph->step_count; i++)
		if (!finished(st->steps[ph->first_step + i].base))
			return false;
	return true;
}

bool ledger_phase_open(const struct release_state *st, size_t phase)
{
	size_t p;

	for (p = 0; p < phase; p++)
		if (!ledger_phase_complete(st, p))
			return false;
	return true;
}

size_t ledger_current_phase(const struct release_state *st)
{
	size_t p;

	for (p = 0; p < st->pb->phase_count; p++)
		if (!ledger_phase_complete(st, p))
			return p;
	return st->pb->phase_count;
}

bool dependencies_met(const struct release_state *st, size_t step)
{
	const struct pb_step *s = &st->pb->steps[step];
	size_t i;

	if (!ledger_phase_open(st, s->phase))
		return false;
	for (i = 0; i < s->needs.count; i++) {
		const struct pb_step *dep = playbook_step(st->pb, s->needs.items[i]);

		if (dep && !finished(st->steps[dep->index].base))
			return false;
	}
	return true;
}

time_t ledger_wait_opens(const struct release_state *st, size_t step)
{
	const struct pb_step *s = &st->pb->steps[step];
	const struct step_record *r = &st->steps[step];

	if (s->kind != STEP_WAIT || r->base != STATE_CLAIMED)
		return 0;
	return r->claimed_at + s->min_duration;
}

enum step_state ledger_step_state(const struct release_state *st, size_t step, time_t now)
{
	const struct step_record *r = &st->steps[step];

	if (r->base == STATE_READY)
		return dependencies_met(st, step) ? STATE_READY : STATE_PENDING;
	if (r->base == STATE_CLAIMED && ledger_wait_opens(st, step) > now)
		return STATE_WAITING;
	return r->base;
}


static char *describe_holder(const struct op_ctx *o)
{
	char t[32];

	return xasprintf("%s since %s", o->rec->holder ? o->rec->holder : "nobody",
			 time_format(o->rec->claimed_at, t, sizeof(t)));
}

/* Why a pending step is pending: its phase, or the steps it needs. */
int refuse_pending(const struct op_ctx *o, const char *verb, struct error *err)
{
	const struct release_state *st = o->st;
	const struct pb_step *s = o->step;
	struct buf why;
	size_t i;
	int rc;

	buf_init(&why);
	if (!ledger_phase_open(st, s->phase)) {
		size_t p = ledger_current_phase(st), left = 0;

		for (i = 0; i < st->pb->phases[p].step_count; i++)
			if (!finished(st->steps[st->pb->phases[p].first_step + i].base))
				left++;
		rc = error_set(err, EXIT_DATAERR,
			       "cannot %s %s yet: its phase \"%s\" starts when \"%s\" is complete (%zu step%s left there; see 'relctl next')",
			       verb, s->id, st->pb->phases[s->phase].id, st->pb->phases[p].id, left,
			       left == 1 ? "" : "s");
		buf_release(&why);
		return rc;
	}
	for (i = 0; i < s->needs.count; i++) {
		const struct pb_step *dep = playbook_step(st->pb, s->needs.items[i]);
		const struct step_record *r;

		if (dep == NULL || finished(st->steps[dep->index].base))
			continue;
		r = &st->steps[dep->index];
		buf_addf(&why, "%s%s (%s%s%s)", why.len ? ", " : "", dep->id,
			 step_state_name(ledger_step_state(st, dep->index, o->when)), r->holder ? " by " : "",
			 r->holder ? r->holder : "");
	}
	rc = error_set(err, EXIT_DATAERR, "cannot %s %s yet: it waits for %s", verb, s->id, why.data);
	buf_release(&why);
	return rc;
}

/*
 * "a dev (jan, shalom)": the role as a refusal names it, with the people of
 * the playbook who have it, but for except; "another" when except has it.
 */
size_t add_role_people(struct buf *b, const struct playbook *pb, const char *role, const char *except)
{
	bool another = except && person_has_role(playbook_person(pb, except), role);
	size_t n;

	buf_addf(b, "%s %s (", another ? "another" : strchr("aeiou", role[0]) ? "an" : "a",
		 strcmp(role, ROLE_RELEASE_MANAGER) == 0 ? "release manager" : role);
	n = playbook_role_people(pb, role, except, b);
	buf_adds(b, n ? ")" : another ? "nobody else has the role)" : "nobody has the role)");
	return n;
}

/* Who may verb the step when the actor may not: role's people, and the release managers when managers_too. */
static void add_who_may(struct buf *b, const struct playbook *pb, const char *role, bool managers_too)
{
	add_role_people(b, pb, role, NULL);
	if (managers_too && strcmp(role, ROLE_RELEASE_MANAGER) != 0) {
		buf_adds(b, " or ");
		add_role_people(b, pb, ROLE_RELEASE_MANAGER, NULL);
	}
}

/* The actor lacks role: the refusal names who has it (and the release managers, when they may too). */
static int refuse_role(const struct op_ctx *o, const char *verb, const char *role, bool managers_too,
		       struct error *err)
{
	struct buf who;
	int rc;

	buf_init(&who);
	add_who_may(&who, o->st->pb, role, managers_too);
	rc = error_set(err, EXIT_NOPERM, "%s cannot %s %s: it needs the role %s; ask %s", o->actor->id, verb, o->step->id,
		       role, who.data);
	buf_release(&who);
	return rc;
}

/*
 * Nobody reviews their own work (what: "work on test"): the others of role
 * who can; with none, for a whole step, a reopen lets another of its owner
 * role do it for the actor to review.
 */
int refuse_own_review(const struct op_ctx *o, const char *what, const char *role, bool whole_step,
			     struct error *err)
{
	const struct playbook *pb = o->st->pb;
	struct buf who;
	int rc;

	buf_init(&who);
	if (add_role_people(&who, pb, role, o->actor->id) > 0) {
		rc = error_set(err, EXIT_NOPERM, "%s cannot review their own %s; ask %s", o->actor->id, what, who.data);
	} else {
		buf_reset(&who);
		if (whole_step && add_role_people(&who, pb, o->step->owner, o->actor->id) > 0)
			rc = error_set(err, EXIT_NOPERM,
				       "%s cannot review their own %s, and nobody else has the role %s; 'relctl reopen %s --reason TEXT' lets %s do it, for %s to review",
				       o->actor->id, what, role, o->step->id, who.data, o->actor->id);
		else
			rc = error_set(err, EXIT_NOPERM,
				       "%s cannot review their own %s, and nobody else has the role %s; give it to a second person in the playbook (releases started after 'relctl playbook update FILE')",
				       o->actor->id, what, role);
	}
	buf_release(&who);
	return rc;
}

/*
 * A claim needs the owner role; a release manager may assign the step to
 * someone who has it.  also: more ways in, or "".
 */
int refuse_claim_role(const struct op_ctx *o, const char *also, struct error *err)
{
	const struct pb_step *s = o->step;
	struct buf who;
	int rc;

	buf_init(&who);
	add_role_people(&who, o->st->pb, s->owner, NULL);
	if (ledger_is_manager(o->actor)) {
		rc = error_set(err, EXIT_NOPERM, "%s cannot claim %s: it needs the role %s; 'relctl assign %s PERSON' gives it to %s%s",
			       o->actor->id, s->id, s->owner, s->id, who.data, also);
	} else {
		buf_adds(&who, " to claim it, or ");
		add_role_people(&who, o->st->pb, ROLE_RELEASE_MANAGER, NULL);
		rc = error_set(err, EXIT_NOPERM, "%s cannot claim %s: it needs the role %s; ask %s to 'relctl assign' it%s",
			       o->actor->id, s->id, s->owner, who.data, also);
	}
	buf_release(&who);
	return rc;
}

/* The holder, or a release manager, may act on a held step. */
int require_holder_or_manager(const struct op_ctx *o, const char *verb, struct error *err)
{
	if (o->rec->holder && strcmp(o->rec->holder, o->actor->id) == 0)
		return 0;
	if (ledger_is_manager(o->actor))
		return 0;
	{
		struct buf managers;
		int rc;

		buf_init(&managers);
		add_role_people(&managers, o->st->pb, ROLE_RELEASE_MANAGER, NULL);
		rc = error_set(err, EXIT_NOPERM, "%s cannot %s %s: it is held by %s; only they or %s can", o->actor->id, verb,
			       o->step->id, o->rec->holder ? o->rec->holder : "nobody", managers.data);
		buf_release(&managers);
		return rc;
	}
}

const char *require_reason(const struct op_ctx *o, struct error *err)
{
	const char *reason = o->ev->reason;

	if (reason == NULL || reason[0] == '\0') {
		error_set(err, EXIT_USAGE, "%s needs --reason TEXT, so the audit trail says why", o->ev->op);
		return NULL;
	}
	return reason;
}

/* Who may reopen a step: check_reopen's rule. */
static bool may_reopen(const struct op_ctx *o)
{
	return ledger_is_manager(o->actor) || person_has_role(o->actor, o->step->owner);
}

int refuse_finished(const struct op_ctx *o, const char *verb, struct error *err)
{
	struct buf who;
	int rc;

	if (may_reopen(o))
		return error_set(err, EXIT_DATAERR, "cannot %s %s: it is already %s; 'relctl reopen %s --reason TEXT' first",
				 verb, o->step->id, step_state_name(o->state), o->step->id);
	buf_init(&who);
	add_who_may(&who, o->st->pb, o->step->owner, true);
	rc = error_set(err, EXIT_DATAERR, "cannot %s %s: it is already %s; ask %s to 'relctl reopen %s --reason TEXT' first",
		       verb, o->step->id, step_state_name(o->state), who.data, o->step->id);
	buf_release(&who);
	return rc;
}

/* Whether a "when" (a bool var, "!" negates) holds for the release's vars. */
bool condition_holds(const struct release_state *st, const char *when)
{
	bool negate = when[0] == '!';
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st->vars, negate ? when + 1 : when);

	return cJSON_IsTrue(v) != negate;
}

/* ---------- operations ---------- */

int check_start(struct op_ctx *o, struct error *err)
{
	const struct playbook *pb = o->st->pb;
	const cJSON *vars = o->ev->vars, *v;

	if (o->st->event_count > 0)
		return error_set(err, EXIT_DATAERR, "release %s has already started", o->st->version);
	if (!ledger_is_manager(o->actor))
		return error_set(err, EXIT_NOPERM, "%s cannot start a release: only a %s can", o->actor->id,
				 ROLE_RELEASE_MANAGER);
	cJSON_ArrayForEach(v, vars)
	{
		const struct pb_var *var = playbook_var(pb, v->string);

		if (var == NULL)
			return error_set(err, EXIT_USAGE, "the playbook has no var \"%s\"; see 'relctl playbook show'",
					 v->string);
		if ((var->type == VAR_BOOL && !cJSON_IsBool(v)) || (var->type == VAR_NUMBER && !cJSON_IsNumber(v)) ||
		    (var->type == VAR_STRING && !cJSON_IsString(v)))
			return error_set(err, EXIT_USAGE, "var \"%s\" is a %s", var->name, var_type_name(var->type));
	}
	return check_start_delegation(o, err);
}

static void skip_by_conditions(struct release_state *st, time_t when);

static bool var_true(const struct release_state *st, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(st->vars, name);

	return cJSON_IsTrue(v);
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

		if (given)
			value = cJSON_Duplicate(given, 1);
		else if (var->type == VAR_BOOL)
			value = cJSON_CreateBool(strcmp(var->default_value, "true") == 0);
		else if (var->type == VAR_NUMBER)
			value = cJSON_CreateNumber(atof(var->default_value));
		else
			value = cJSON_CreateString(var->default_value);
		cJSON_AddItemToObject(st->vars, var->name, value);
	}
	replace(&st->started_by, o->actor->id);
	st->started_at = o->when;
	apply_start_delegation(o);
	skip_by_conditions(st, o->when);
	checklists_from_playbook(st);
}

/* Steps whose condition is false are skipped by the start itself. */
static void skip_by_conditions(struct release_state *st, time_t when)
{
	const struct playbook *pb = st->pb;
	size_t i;

	for (i = 0; i < pb->step_count; i++) {
		const struct pb_step *s = &pb->steps[i];
		bool negate, value;
		const char *name;

		if (s->when == NULL)
			continue;
		negate = s->when[0] == '!';
		name = negate ? s->when + 1 : s->when;
		value = var_true(st, name);
		if (value != negate)
			continue;
		st->steps[i].base = STATE_SKIPPED;
		st->steps[i].reason_is_condition = true;
		free(st->steps[i].reason);
		st->steps[i].reason = xasprintf("skipped by condition: %s is %s", name, value ? "true" : "false");
		st->steps[i].changed_at = when;
	}
}

struct release_state *ledger_planned(const struct playbook *pb)
{
	struct release_state *st = release_state_new(pb, "planned");
	size_t i;

	for (i = 0; i < pb->var_count; i++) {
		const struct pb_var *var = &pb->vars[i];

		if (var->type == VAR_BOOL)
			cJSON_AddBoolToObject(st->vars, var->name, strcmp(var->default_value, "true") == 0);
	}
	skip_by_conditions(st, 0);
	return st;
}

int check_claim(struct op_ctx *o, struct error *err)
{
	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "%s is the product owner's decision; it is made with 'relctl decide'",
				 o->step->id);
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
			return error_set(err, EXIT_DATAERR, "%s is blocked (%s); 'relctl unblock %s' first", o->step->id,
					 o->rec->reason ? o->rec->reason : "no reason given", o->step->id);
		who = describe_holder(o);
		if (o->rec->holder == NULL)
			rc = error_set(err, EXIT_DATAERR, "%s is blocked (%s); 'relctl unblock %s' first", o->step->id,
				       o->rec->reason ? o->rec->reason : "no reason given", o->step->id);
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
		else
			rc = error_set(err, EXIT_TEMPFAIL, "%s is already claimed by %s; ask them, or the release manager can 'relctl assign' it",
				       o->step->id, who);
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
	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "%s is the product owner's decision and is not assigned", o->step->id);
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

int check_done(struct op_ctx *o, struct error *err)
{
	const cJSON *evidence = o->ev->evidence;
	char t[32];

	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "%s is a decision: the product owner finishes it with 'relctl decide ship|delay|abort'",
				 o->step->id);
	if (o->step->kind == STEP_HOOK)
		return error_set(err, EXIT_DATAERR, "%s is a hook step: 'relctl run %s' sends it and marks it done",
				 o->step->id, o->step->id);
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
		return error_set(err, EXIT_DATAERR, "%s is blocked (%s); 'relctl unblock %s' first", o->step->id,
				 o->rec->reason ? o->rec->reason : "no reason given", o->step->id);
	case STATE_IN_REVIEW:
		return error_set(err, EXIT_DATAERR, "%s is already done and waits for review by %s", o->step->id,
				 review_role(o->step, o->rec));
	default:
		return refuse_finished(o, "finish", err);
	}
	if (require_holder_or_manager(o, "finish", err) != 0)
		return -1;
	if (o->state == STATE_WAITING)
		return error_set(err, EXIT_DATAERR, "%s is a wait step: it can be done from %s, %s after it was claimed",
				 o->step->id, time_format(ledger_wait_opens(o->st, o->step->index), t, sizeof(t)),
				 duration_format(o->step->min_duration, t + 24, 8));
	if (o->step->evidence_required && cJSON_GetArraySize(evidence) == 0)
		return error_set(err, EXIT_DATAERR, "%s needs evidence: add at least one --evidence URL (a test video, a log, a link)",
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
	o->rec->done_at = o->when;
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
	if (o->step->review == NULL || (o->rec->review_verdict && strcmp(o->rec->review_verdict, "approve") == 0))
		return refuse_step_review(o, err);
	if (!person_has_role(o->actor, o->step->review))
		return refuse_role(o, "review", o->step->review, false, err);
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
		o->rec->base = reviews_complete(o->step, o->rec) ? STATE_DONE : STATE_IN_REVIEW;
	} else {
		/* Back to whoever did it, with the note saying what to fix. */
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
	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "the decision cannot be skipped; the product owner decides with 'relctl decide'");
	if (finished(o->state))
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
	if (!finished(o->state) && o->state != STATE_IN_REVIEW)
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
	if (check_hook_rehearsal(o, outcome->valuestring, err) != 0)
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
	/* A rehearsal's dry run stands for the delivery (check_hook_rehearsal). */
	if ((strcmp(outcome, "delivered") == 0 || strcmp(outcome, "dry-run") == 0) && o->rec->base != STATE_DONE) {
		o->rec->base = STATE_DONE;
		replace(&o->rec->done_by, o->rec->holder ? o->rec->holder : o->actor->id);
		o->rec->done_at = o->when;
		credit_shadows(o->rec);
	}
}

/* ---------- dispatch ---------- */

/* After every event: record when steps became ready, and the release's status. */
static void settle(struct release_state *st, time_t when)
{
	size_t i;
	bool all = true;

	for (i = 0; i < st->pb->step_count; i++) {
		struct step_record *r = &st->steps[i];

		if (r->base == STATE_READY && r->ready_at == 0 && dependencies_met(st, i))
			r->ready_at = when;
		if (!finished(r->base))
			all = false;
	}
	if (st->status != RELEASE_ABORTED)
		st->status = all ? RELEASE_COMPLETE : RELEASE_OPEN;
}

/* Resolves the decoded event against st (actor, step) and runs its op's check. */
static int check_event(struct release_state *st, const struct event *ev, bool fresh, struct op_ctx *o,
		       struct error *err)
{
	const struct op_def *def = op_find(ev->op);

	memset(o, 0, sizeof(*o));
	o->st = st;
	o->ev = ev;
	o->fresh = fresh;
	o->when = ev->time;
	if (st->event_count == 0 && strcmp(ev->op, "start") != 0)
		return error_set(err, EXIT_DATAERR, "release %s does not begin with its start event", st->version);
	if (st->status == RELEASE_ABORTED)
		return error_set(err, EXIT_DATAERR, "release %s was aborted; nothing in it can change", st->version);
	/* An event belongs to the candidate it was made in: one made offline before a delay does not carry over. */
	if (ev->candidate != st->candidate)
		return error_set(err, EXIT_DATAERR,
				 "event %s (%s%s%s) was made for %s rc%d, but the release is at rc%d now; do it again if it still applies",
				 ev->id, ev->op, ev->step ? " " : "", or_empty(ev->step), st->version, ev->candidate,
				 st->candidate);
	o->actor = playbook_person(st->pb, ev->actor);
	if (o->actor == NULL)
		return error_set(err, EXIT_NOPERM, "\"%s\" is not a person of release %s's playbook", ev->actor, st->version);
	if (def->needs_step) {
		o->step = playbook_step(st->pb, ev->step);
		if (o->step == NULL) {
			const char **ids = xcalloc(st->pb->step_count + 1, sizeof(*ids));
			const char *hint;
			size_t k;

			for (k = 0; k < st->pb->step_count; k++)
				ids[k] = st->pb->steps[k].id;
			hint = suggest(ev->step, ids, st->pb->step_count);
			free(ids);
			if (hint)
				return error_set(err, EXIT_USAGE, "release %s has no step \"%s\"; did you mean \"%s\"?",
						 st->version, ev->step, hint);
			return error_set(err, EXIT_USAGE, "release %s has no step \"%s\"; 'relctl status' lists them",
					 st->version, ev->step);
		}
		o->rec = &st->steps[o->step->index];
		o->state = ledger_step_state(st, o->step->index, o->when);
	}
	return def->check(o, err);
}

int ledger_check(const struct release_state *st, const cJSON *event, struct error *err)
{
	struct event ev;
	struct op_ctx o;

	if (event_decode_of(event, st->version, &ev, err) != 0)
		return -1;
	/* The checks only read the state: the cast lets them share op_ctx with apply. */
	return check_event((struct release_state *)st, &ev, true, &o, err);
}

int ledger_may(const struct release_state *st, const char *actor, const struct event *what, time_t when,
	       struct error *err)
{
	struct event probe = *what;
	cJSON *event;
	int rc;

	probe.id = "probe";
	probe.time = when;
	probe.actor = actor;
	probe.candidate = st->candidate;
	event = ledger_event_encode(&probe);
	if (event == NULL)
		return error_set(err, EXIT_SOFTWARE, "no op \"%s\"", what->op ? what->op : "");
	rc = ledger_check(st, event, err);
	cJSON_Delete(event);
	return rc;
}

static int apply_event(struct release_state *st, const cJSON *event, bool fresh, struct error *err)
{
	struct event ev;
	struct op_ctx o;

	if (event_decode_of(event, st->version, &ev, err) != 0 || check_event(st, &ev, fresh, &o, err) != 0)
		return -1;
	op_find(ev.op)->apply(&o);
	if (o.rec) {
		o.rec->changed_at = o.when;
		o.rec->candidate = st->candidate;
		o.rec->event_count++;
	}
	st->event_count++;
	st->updated_at = o.when;
	settle(st, o.when);
	return 0;
}

int ledger_apply(struct release_state *st, const cJSON *event, struct error *err)
{
	return apply_event(st, event, false, err);
}

int ledger_apply_new(struct release_state *st, const cJSON *event, struct error *err)
{
	return apply_event(st, event, true, err);
}

struct release_state *ledger_replay(const struct playbook *pb, const cJSON *doc, const char *label,
				    struct error *err)
{
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(doc, "events"), *ev;
	struct release_state *st;
	struct error inner;

	if (!cJSON_IsObject(doc) || !cJSON_IsNumber(format) || !cJSON_IsString(version) || !cJSON_IsArray(events)) {
		error_set(err, EXIT_DATAERR, "%s is not a relctl release (it needs format, version and events)", label);
		return NULL;
	}
	if (format->valueint > LEDGER_FORMAT || format->valueint < 1) {
		error_set(err, EXIT_DATAERR, "%s has ledger format %d, and this relctl reads format %d; upgrade relctl",
			  label, format->valueint, LEDGER_FORMAT);
		return NULL;
	}
	st = release_state_new(pb, version->valuestring);
	cJSON_ArrayForEach(ev, events)
	{
		if (ledger_apply(st, ev, &inner) != 0) {
			const char *id = json_string(ev, "id");

			error_set(err, EXIT_DATAERR, "%s: event %s does not replay: %s", label, id ? id : "(no id)",
				  inner.message);
			release_state_free(st);
			return NULL;
		}
	}
	if (st->event_count == 0) {
		error_set(err, EXIT_DATAERR, "%s has no events", label);
		release_state_free(st);
		return NULL;
	}
	return st;
}

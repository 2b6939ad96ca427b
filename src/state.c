/*
 * A release's state and what every part of the rules reads from it: the
 * records of steps, checklists, findings, inputs, decisions and
 * delegation (made, cleared and freed here), the derived state of each
 * step and phase, the queries on it, and the refusals the parts share
 * (naming who holds a step, who may act, what a pending step waits for).
 * The bottom of the rules: it calls none of the other parts.
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
	return person != NULL && person->manager;
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
		st->steps[i].since_base = STATE_READY;
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


void record_clear_approvals(struct step_record *r)
{
	cJSON_Delete(r->approvals);
	r->approvals = NULL;
}

void record_clear_work(struct step_record *r)
{
	replace(&r->holder, NULL);
	replace(&r->done_by, NULL);
	replace(&r->note, NULL);
	replace(&r->review_by, NULL);
	replace(&r->review_verdict, NULL);
	replace(&r->review_note, NULL);
	record_clear_approvals(r);
	cJSON_Delete(r->evidence);
	r->evidence = cJSON_CreateArray();
	cJSON_Delete(r->hook);
	r->hook = NULL;
	cJSON_Delete(r->command);
	r->command = NULL;
	cJSON_Delete(r->poll);
	r->poll = NULL;
	r->poll_count = 0;
	r->first_poll_at = r->last_poll_at = 0;
	r->finished_how = NULL;
	r->claimed_at = r->done_at = r->ready_at = 0;
	r->worked = 0;
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

bool ledger_finished(enum step_state s)
{
	return s == STATE_DONE || s == STATE_SKIPPED;
}

bool ledger_phase_complete(const struct release_state *st, size_t phase)
{
	const struct pb_phase *ph = &st->pb->phases[phase];
	size_t i;

	for (i = 0; i < ph->step_count; i++)
		if (!ledger_finished(st->steps[ph->first_step + i].base))
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
	return ledger_phase_open(st, st->pb->steps[step].phase) && needs_finished(st, step);
}

bool needs_finished(const struct release_state *st, size_t step)
{
	const struct pb_step *s = &st->pb->steps[step];
	size_t i;

	for (i = 0; i < s->needs.count; i++) {
		const struct pb_step *dep = playbook_step(st->pb, s->needs.items[i]);

		if (dep && !ledger_finished(st->steps[dep->index].base))
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


char *describe_holder(const struct op_ctx *o)
{
	char t[32];

	return xasprintf("%s since %s", o->rec->holder ? o->rec->holder : "nobody",
			 time_format(o->rec->claimed_at, t, sizeof(t)));
}

/* Why a pending step is pending: its phase, or the steps it needs. */
size_t ledger_waits_for(const struct release_state *st, size_t step, size_t *phase, size_t *deps)
{
	const struct pb_step *s = &st->pb->steps[step];
	size_t i, count = 0;

	*phase = ledger_phase_open(st, s->phase) ? st->pb->phase_count : ledger_current_phase(st);
	for (i = 0; i < s->needs.count; i++) {
		const struct pb_step *dep = playbook_step(st->pb, s->needs.items[i]);

		if (dep && !ledger_finished(st->steps[dep->index].base))
			deps[count++] = dep->index;
	}
	return count;
}

size_t ledger_missing_inputs(const struct release_state *st, const struct pb_step *decision, const char **missing)
{
	size_t i, count = 0;

	for (i = 0; i < decision->inputs.count; i++)
		if (ledger_input(st, decision, decision->inputs.items[i]) == NULL)
			missing[count++] = decision->inputs.items[i];
	return count;
}

int refuse_pending(const struct op_ctx *o, const char *verb, struct error *err)
{
	const struct release_state *st = o->st;
	const struct pb_step *s = o->step;
	size_t *deps = xcalloc(s->needs.count + 1, sizeof(*deps)), count, i, p;
	struct buf why;
	int rc;

	buf_init(&why);
	count = ledger_waits_for(st, s->index, &p, deps);
	if (p < st->pb->phase_count) {
		size_t left = 0;

		for (i = 0; i < st->pb->phases[p].step_count; i++)
			if (!ledger_finished(st->steps[st->pb->phases[p].first_step + i].base))
				left++;
		rc = error_set(err, EXIT_DATAERR,
			       "cannot %s %s yet: its phase \"%s\" starts when \"%s\" is complete (%zu step%s left there; see 'relctl next')",
			       verb, s->id, st->pb->phases[s->phase].id, st->pb->phases[p].id, left,
			       left == 1 ? "" : "s");
		buf_release(&why);
		free(deps);
		return rc;
	}
	for (i = 0; i < count; i++) {
		const struct step_record *r = &st->steps[deps[i]];

		buf_addf(&why, "%s%s (%s%s%s)", why.len ? ", " : "", st->pb->steps[deps[i]].id,
			 step_state_name(ledger_step_state(st, deps[i], o->when)), r->holder ? " by " : "",
			 r->holder ? r->holder : "");
	}
	rc = error_set(err, EXIT_DATAERR, "cannot %s %s yet: it waits for %s", verb, s->id, why.data);
	buf_release(&why);
	free(deps);
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

	buf_addf(b, "%s %s (", another ? "another" : strchr("aeiou", role[0]) ? "an" : "a", role);
	n = playbook_role_people(pb, role, except, b);
	buf_adds(b, n ? ")" : another ? "nobody else has the role)" : "nobody has the role)");
	return n;
}

/* "a release manager (ana, jan)": the people who run releases, whatever the playbook calls their roles. */
size_t add_manager_people(struct buf *b, const struct playbook *pb, const char *except)
{
	bool another = except && ledger_is_manager(playbook_person(pb, except));
	size_t n;

	buf_addf(b, "%s release manager (", another ? "another" : "a");
	n = playbook_manager_people(pb, except, b);
	buf_adds(b, n ? ")" : another ? "nobody else runs releases)" : "nobody runs releases)");
	return n;
}

/* Who may verb the step when the actor may not: role's people, and the release managers when managers_too. */
static void add_who_may(struct buf *b, const struct playbook *pb, const char *role, bool managers_too)
{
	if (playbook_is_manager_role(pb, role)) {
		add_manager_people(b, pb, NULL);
		return;
	}
	add_role_people(b, pb, role, NULL);
	if (managers_too) {
		buf_adds(b, " or ");
		add_manager_people(b, pb, NULL);
	}
}

/* The actor lacks role: the refusal names who has it (and the release managers, when they may too). */
int refuse_role(const struct op_ctx *o, const char *verb, const char *role, bool managers_too,
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
	if (add_role_people(&who, o->st->pb, s->owner, NULL) == 0) {
		/* Nobody to claim it or to assign it to: the playbook must change first. */
		buf_reset(&who);
		add_manager_people(&who, o->st->pb, NULL);
		rc = error_set(err, EXIT_NOPERM,
			       "%s cannot claim %s: it needs the role %s, which nobody has; %s can give it to someone with 'relctl playbook update FILE'%s",
			       o->actor->id, s->id, s->owner, who.data, also);
	} else if (ledger_is_manager(o->actor)) {
		rc = error_set(err, EXIT_NOPERM, "%s cannot claim %s: it needs the role %s; 'relctl assign %s PERSON' gives it to %s%s",
			       o->actor->id, s->id, s->owner, s->id, who.data, also);
	} else {
		/* The command whole, so that it can be run as it reads: to the first of them. */
		const struct pb_person *first = NULL;

		for (size_t i = 0; i < o->st->pb->person_count && first == NULL; i++)
			if (person_has_role(&o->st->pb->people[i], s->owner))
				first = &o->st->pb->people[i];
		buf_adds(&who, " to claim it, or ");
		add_manager_people(&who, o->st->pb, NULL);
		rc = error_set(err, EXIT_NOPERM,
			       "%s cannot claim %s: it needs the role %s; ask %s to assign it to one of them ('relctl assign %s %s')%s",
			       o->actor->id, s->id, s->owner, who.data, s->id, first->id, also);
	}
	buf_release(&who);
	return rc;
}

/* The holder, or a release manager, may act on a held step. */
int refuse_blocked(const struct op_ctx *o, struct error *err)
{
	return error_set(err, EXIT_DATAERR, "%s is blocked (%s); 'relctl unblock %s' first", o->step->id,
			 o->rec->reason ? o->rec->reason : "no reason given", o->step->id);
}

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
		add_manager_people(&managers, o->st->pb, NULL);
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
bool may_reopen(const struct op_ctx *o)
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

/* ---------- the records of checklists and delegation: clearing and freeing them ---------- */

void item_clear_result(struct check_item *it)
{
	replace(&it->result, NULL);
	replace(&it->by, NULL);
	replace(&it->note, NULL);
	cJSON_Delete(it->evidence);
	it->evidence = cJSON_CreateArray();
	it->at = 0;
}

void item_clear_review(struct check_item *it)
{
	replace(&it->review_by, NULL);
	replace(&it->review_verdict, NULL);
	replace(&it->review_note, NULL);
}

static void item_release(struct check_item *it)
{
	item_clear_result(it);
	item_clear_review(it);
	cJSON_Delete(it->evidence);
	free(it->id);
	free(it->text);
	free(it->review);
	free(it->owner);
	free(it->added_by);
	free(it->removed_by);
	free(it->removed_reason);
	free(it->finding);
}

static void checklist_release(struct checklist *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		item_release(&list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

void record_free_checklists(struct step_record *r)
{
	size_t i;

	checklist_release(&r->checklist);
	for (i = 0; i < r->earlier_count; i++)
		checklist_release(&r->earlier[i]);
	free(r->earlier);
	r->earlier = NULL;
	r->earlier_count = 0;
}

/* What a step's work being cleared (skip, reopen, a delay) takes with it; the credits stay. */
void record_clear_delegation(struct step_record *r)
{
	cJSON_Delete(r->shadows);
	r->shadows = NULL;
	replace(&r->handover_from, NULL);
	replace(&r->handover_to, NULL);
	replace(&r->handover_note, NULL);
	r->handover_at = 0;
}

void free_delegation(struct release_state *st)
{
	size_t i;

	for (i = 0; i < st->pb->step_count; i++) {
		cJSON_Delete(st->steps[i].shadowed);
		cJSON_Delete(st->steps[i].performers);
	}
	for (i = 0; i < st->away_count; i++)
		free(st->away[i].person);
	free(st->away);
	for (i = 0; i < st->reminder_count; i++) {
		free(st->reminders[i].kind);
		free(st->reminders[i].person);
		cJSON_Delete(st->reminders[i].steps);
		free(st->reminders[i].message);
		free(st->reminders[i].webhook_id);
		free(st->reminders[i].by);
	}
	free(st->reminders);
}

/* ---------- findings, inputs, decisions: the queries ---------- */

const struct pb_step *ledger_decision_step(const struct release_state *st)
{
	size_t i;

	for (i = 0; i < st->pb->step_count; i++)
		if (st->pb->steps[i].kind == STEP_DECISION)
			return &st->pb->steps[i];
	return NULL;
}

size_t ledger_gate_count(const struct playbook *pb)
{
	size_t i, count = 0;

	for (i = 0; i < pb->step_count; i++)
		count += pb->steps[i].kind == STEP_DECISION;
	return count;
}

const struct pb_step *ledger_gate_of(const struct release_state *st, const char *step)
{
	const struct pb_step *s;

	if (step == NULL)
		return ledger_gate_count(st->pb) == 1 ? ledger_decision_step(st) : NULL;
	s = playbook_step(st->pb, step);
	return s && s->kind == STEP_DECISION ? s : NULL;
}

/* The gates in state (ready), or with ready false those not finished: how many, the last into *gate, their ids into ids. */
static size_t gates_where(const struct release_state *st, bool ready, time_t now, const struct pb_step **gate,
			  struct buf *ids)
{
	size_t i, count = 0;

	for (i = 0; i < st->pb->step_count; i++) {
		enum step_state state = ledger_step_state(st, i, now);

		if (st->pb->steps[i].kind != STEP_DECISION ||
		    (ready ? state != STATE_READY : state == STATE_DONE || state == STATE_SKIPPED))
			continue;
		buf_addf(ids, "%s%s", count++ ? ", " : "", st->pb->steps[i].id);
		*gate = &st->pb->steps[i];
	}
	return count;
}

int ledger_pick_gate(const struct release_state *st, const char *step, time_t now, const struct pb_step **gate,
		     struct error *err)
{
	struct buf ids;
	size_t count;
	int rc = 0;

	*gate = NULL;
	if (step) {
		*gate = ledger_gate_of(st, step);
		if (*gate == NULL) {
			buf_init(&ids);
			gates_where(st, false, now, gate, &ids);
			*gate = NULL;
			rc = error_set(err, EXIT_USAGE, "release %s has no decision step \"%s\"%s%s", st->version, step,
				       ids.len ? "; its open ones: " : "", ids.len ? ids.data : "");
			buf_release(&ids);
		}
		return rc;
	}
	if (ledger_gate_count(st->pb) <= 1) {
		*gate = ledger_decision_step(st);
		return *gate ? 0 : error_set(err, EXIT_DATAERR, "release %s's playbook has no decision step", st->version);
	}
	buf_init(&ids);
	count = gates_where(st, true, now, gate, &ids);
	if (count == 0) {
		buf_reset(&ids);
		count = gates_where(st, false, now, gate, &ids);
	}
	if (count > 1) {
		*gate = NULL;
		rc = error_set(err, EXIT_USAGE, "release %s has several decisions open (%s); name one with --step STEP",
			       st->version, ids.data);
	} else if (count == 0) {
		/* Every gate decided: the last, whose check says so. */
		for (count = st->pb->step_count; count-- > 0;)
			if (st->pb->steps[count].kind == STEP_DECISION) {
				*gate = &st->pb->steps[count];
				break;
			}
	}
	buf_release(&ids);
	return rc;
}

const struct input_record *ledger_input(const struct release_state *st, const struct pb_step *gate, const char *role)
{
	size_t i;

	for (i = st->input_count; i-- > 0;)
		if (st->inputs[i].candidate == st->candidate && st->inputs[i].gate == gate &&
		    strcmp(st->inputs[i].role, role) == 0)
			return &st->inputs[i];
	return NULL;
}

bool ledger_delay_reopens(const struct release_state *st, const struct pb_step *gate, const struct pb_step *s)
{
	return s && gate && strlist_contains(&gate->on_delay, s->id) && !st->steps[s->index].reason_is_condition;
}

const struct finding *ledger_finding(const struct release_state *st, const char *id)
{
	size_t i;

	for (i = 0; i < st->finding_count; i++)
		if (strcasecmp(st->findings[i].id, id) == 0)
			return &st->findings[i];
	return NULL;
}

/* A new open finding by the event's actor, in the current candidate (step may be NULL). */
struct finding *finding_new(struct op_ctx *o, const char *id, const char *title, const char *severity,
				   const char *step)
{
	struct release_state *st = o->st;
	const cJSON *evidence = o->ev->evidence;
	struct finding *f;

	st->findings = xrealloc(st->findings, (st->finding_count + 1) * sizeof(*st->findings));
	f = &st->findings[st->finding_count++];
	memset(f, 0, sizeof(*f));
	f->id = xstrdup(id);
	f->title = xstrdup(title);
	f->severity = xstrdup(severity);
	replace(&f->step, step);
	f->by = xstrdup(o->actor->id);
	f->at = o->when;
	f->candidate = st->candidate;
	f->evidence = evidence ? cJSON_Duplicate(evidence, 1) : cJSON_CreateArray();
	f->notes = cJSON_CreateArray();
	return f;
}

/*
 * The release state machine.  Each operation is a check (may this actor do
 * this now?) followed by an apply that cannot fail, so a refused event
 * leaves the state exactly as it was.  Refusals name the step, who holds
 * it or what it waits for, and the command that helps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brief.h"
#include "buf.h"
#include "expr.h"
#include "json.h"
#include "ledger.h"
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

static void replace(char **field, const char *value)
{
	free(*field);
	*field = value ? xstrdup(value) : NULL;
}

/* The delegation part of the rules, further down. */
static void record_clear_delegation(struct step_record *r);
static void free_delegation(struct release_state *st);

static void record_clear_work(struct step_record *r)
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

static void record_free_checklists(struct step_record *r);

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

static bool finished(enum step_state s)
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

static bool dependencies_met(const struct release_state *st, size_t step)
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

/* ---------- event fields ---------- */

bool ledger_index_entry(const struct release_state *st, cJSON *releases, bool always)
{
	const cJSON *entry = cJSON_GetObjectItemCaseSensitive(releases, st->version);
	const char *status = json_string(entry, "status");
	const cJSON *candidate = cJSON_GetObjectItemCaseSensitive(entry, "candidate");
	cJSON *e;
	char t[32];

	if (!always && status && strcmp(status, release_status_name(st->status)) == 0 && cJSON_IsNumber(candidate) &&
	    candidate->valueint == st->candidate)
		return false;
	cJSON_DeleteItemFromObjectCaseSensitive(releases, st->version);
	e = cJSON_AddObjectToObject(releases, st->version);
	cJSON_AddStringToObject(e, "status", release_status_name(st->status));
	cJSON_AddNumberToObject(e, "candidate", st->candidate);
	cJSON_AddStringToObject(e, "started", time_format(st->started_at, t, sizeof(t)));
	cJSON_AddStringToObject(e, "playbook", st->pb->name);
	if (st->rehearsal)
		cJSON_AddTrueToObject(e, "rehearsal");
	return true;
}

cJSON *ledger_event_new(const char *id, time_t when, const char *actor, const char *op, const char *step)
{
	cJSON *ev = cJSON_CreateObject();
	char t[32];

	cJSON_AddStringToObject(ev, "id", id);
	cJSON_AddStringToObject(ev, "time", time_format(when, t, sizeof(t)));
	cJSON_AddStringToObject(ev, "actor", actor);
	cJSON_AddStringToObject(ev, "op", op);
	if (step)
		cJSON_AddStringToObject(ev, "step", step);
	return ev;
}

/* What an operation works on, resolved once. */
struct op_ctx {
	struct release_state *st;
	const cJSON *event;
	const char *op;
	time_t when;
	const struct pb_person *actor;
	const struct pb_step *step; /* NULL for release-wide ops */
	struct step_record *rec;
	enum step_state state; /* the step's state at the event's time */
	bool fresh;            /* a new event, not the replay of accepted history */
};

static char *describe_holder(const struct op_ctx *o)
{
	char t[32];

	return xasprintf("%s since %s", o->rec->holder ? o->rec->holder : "nobody",
			 time_format(o->rec->claimed_at, t, sizeof(t)));
}

/* Why a pending step is pending: its phase, or the steps it needs. */
static int refuse_pending(const struct op_ctx *o, const char *verb, struct error *err)
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
static size_t add_role_people(struct buf *b, const struct playbook *pb, const char *role, const char *except)
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
static int refuse_own_review(const struct op_ctx *o, const char *what, const char *role, bool whole_step,
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
static int refuse_claim_role(const struct op_ctx *o, const char *also, struct error *err)
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
static int require_holder_or_manager(const struct op_ctx *o, const char *verb, struct error *err)
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

static const char *require_reason(const struct op_ctx *o, struct error *err)
{
	const char *reason = json_string(o->event, "reason");

	if (reason == NULL || reason[0] == '\0') {
		error_set(err, EXIT_USAGE, "%s needs --reason TEXT, so the audit trail says why", o->op);
		return NULL;
	}
	return reason;
}

/* Who may reopen a step: check_reopen's rule. */
static bool may_reopen(const struct op_ctx *o)
{
	return ledger_is_manager(o->actor) || person_has_role(o->actor, o->step->owner);
}

static int refuse_finished(const struct op_ctx *o, const char *verb, struct error *err)
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

/* The delegation part of the rules, further down. */
static int check_start_delegation(struct op_ctx *o, struct error *err);
static void apply_start_delegation(struct op_ctx *o);
static int check_shadow_grant(const struct op_ctx *o, struct error *err);
static int check_hook_rehearsal(const struct op_ctx *o, const char *outcome, struct error *err);
static void credit_shadows(struct step_record *r);
/* ---------- checklists: the items of a step in a release ---------- */

static void item_clear_result(struct check_item *it)
{
	replace(&it->result, NULL);
	replace(&it->by, NULL);
	replace(&it->note, NULL);
	cJSON_Delete(it->evidence);
	it->evidence = cJSON_CreateArray();
	it->at = 0;
}

static void item_clear_review(struct check_item *it)
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

static void record_free_checklists(struct step_record *r)
{
	size_t i;

	checklist_release(&r->checklist);
	for (i = 0; i < r->earlier_count; i++)
		checklist_release(&r->earlier[i]);
	free(r->earlier);
	r->earlier = NULL;
	r->earlier_count = 0;
}

/* A new item at the end of list, with no result; the caller fills it. */
static struct check_item *checklist_append(struct checklist *list, const char *id, const char *text,
					   bool evidence_required, const char *review)
{
	struct check_item *it;

	list->items = xrealloc(list->items, (list->count + 1) * sizeof(*list->items));
	it = &list->items[list->count++];
	memset(it, 0, sizeof(*it));
	it->id = xstrdup(id);
	it->text = xstrdup(text);
	it->evidence_required = evidence_required;
	it->review = review ? xstrdup(review) : NULL;
	it->evidence = cJSON_CreateArray();
	return it;
}

const struct check_item *checklist_item(const struct checklist *list, const char *id)
{
	size_t i;

	for (i = 0; id && i < list->count; i++)
		if (strcmp(list->items[i].id, id) == 0)
			return &list->items[i];
	return NULL;
}

void checklist_count(const struct checklist *list, struct checklist_counts *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < list->count; i++) {
		const struct check_item *it = &list->items[i];

		if (it->removed_by)
			continue;
		out->total++;
		if (it->result == NULL)
			out->unchecked++;
		else if (strcmp(it->result, "pass") == 0)
			out->pass++;
		else if (strcmp(it->result, "fail") == 0)
			out->fail++;
		else
			out->na++;
		if (it->review && !(it->review_verdict && strcmp(it->review_verdict, "approve") == 0))
			out->review_pending++;
	}
}

bool ledger_has_checklist(const struct step_record *r)
{
	return r->checklist.count > 0 || r->earlier_count > 0;
}

/* At the start: each step's checklist is the playbook's items whose "when" holds. */
static void checklists_from_playbook(struct release_state *st)
{
	size_t i, k;

	for (i = 0; i < st->pb->step_count; i++) {
		const struct pb_step *s = &st->pb->steps[i];

		st->steps[i].checklist.candidate = st->candidate;
		for (k = 0; k < s->checklist_count; k++) {
			const struct pb_item *pi = &s->checklist[k];

			if (pi->when_expr == NULL || expr_holds(pi->when_expr, st->vars, st->version))
				checklist_append(&st->steps[i].checklist, pi->id, pi->text, pi->evidence_required,
						 pi->review);
		}
	}
}

/*
 * A step starts again (a delay's next candidate, a reopen, a skip): its
 * checklist, when it holds any result, moves to the earlier ones, and a
 * fresh one with the same items (additions and removals kept) and no
 * results takes its place.
 */
static void checklist_restart(const struct release_state *st, struct step_record *r)
{
	struct checklist fresh = { st->candidate, NULL, 0 };
	struct checklist_counts counts;
	size_t i;

	checklist_count(&r->checklist, &counts);
	if (counts.unchecked == counts.total) {
		for (i = 0; i < r->checklist.count; i++)
			item_clear_review(&r->checklist.items[i]);
		r->checklist.candidate = st->candidate;
		return;
	}
	for (i = 0; i < r->checklist.count; i++) {
		const struct check_item *old = &r->checklist.items[i];
		struct check_item *it = checklist_append(&fresh, old->id, old->text, old->evidence_required, old->review);

		it->added_by = old->added_by ? xstrdup(old->added_by) : NULL;
		it->removed_by = old->removed_by ? xstrdup(old->removed_by) : NULL;
		it->removed_reason = old->removed_reason ? xstrdup(old->removed_reason) : NULL;
		it->removed_at = old->removed_at;
	}
	r->earlier = xrealloc(r->earlier, (r->earlier_count + 1) * sizeof(*r->earlier));
	r->earlier[r->earlier_count++] = r->checklist;
	r->checklist = fresh;
}

/* The role a step in review waits for: its own review role, else the first item's still to approve. */
static const char *review_role(const struct pb_step *s, const struct step_record *r)
{
	size_t i;

	if (s->review && !(r->review_verdict && strcmp(r->review_verdict, "approve") == 0))
		return s->review;
	for (i = 0; i < r->checklist.count; i++) {
		const struct check_item *it = &r->checklist.items[i];

		if (!it->removed_by && it->review && !(it->review_verdict && strcmp(it->review_verdict, "approve") == 0))
			return it->review;
	}
	return s->review ? s->review : "reviewer";
}

const char *ledger_review_role(const struct release_state *st, size_t step)
{
	return review_role(&st->pb->steps[step], &st->steps[step]);
}

/* Whether every review a finished step waits for has approved it: its own, and its items'. */
static bool reviews_complete(const struct pb_step *s, const struct step_record *r)
{
	struct checklist_counts counts;

	checklist_count(&r->checklist, &counts);
	if (counts.review_pending)
		return false;
	return s->review == NULL || (r->review_verdict && strcmp(r->review_verdict, "approve") == 0);
}

/* The checks of checklist items that done and review call; below, with the checklist ops. */
static int refuse_unchecked_items(const struct op_ctx *o, struct error *err);
static int check_review_item(struct op_ctx *o, struct error *err);
static int refuse_step_review(const struct op_ctx *o, struct error *err);
static void apply_review_item(struct op_ctx *o);

/* ---------- operations ---------- */

static int check_start(struct op_ctx *o, struct error *err)
{
	const struct playbook *pb = o->st->pb;
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(o->event, "vars"), *v;

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
		if (!var_accepts(var, v))
			return error_set(err, EXIT_USAGE, "var \"%s\" is a %s", var->name, var_type_name(var->type));
	}
	return check_start_delegation(o, err);
}

static void skip_by_conditions(struct release_state *st, time_t when);

static void apply_start(struct op_ctx *o)
{
	struct release_state *st = o->st;
	const struct playbook *pb = st->pb;
	const cJSON *vars = cJSON_GetObjectItemCaseSensitive(o->event, "vars");
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
static void skip_by_conditions(struct release_state *st, time_t when)
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

struct release_state *ledger_planned(const struct playbook *pb)
{
	struct release_state *st = release_state_new(pb, "planned");
	size_t i;

	for (i = 0; i < pb->var_count; i++)
		cJSON_AddItemToObject(st->vars, pb->vars[i].name, var_default_json(&pb->vars[i]));
	skip_by_conditions(st, 0);
	return st;
}

static int check_claim(struct op_ctx *o, struct error *err)
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

static void apply_claim(struct op_ctx *o, const char *person)
{
	o->rec->base = STATE_CLAIMED;
	replace(&o->rec->holder, person);
	o->rec->claimed_at = o->when;
}

static int check_unclaim(struct op_ctx *o, struct error *err)
{
	if (o->state != STATE_CLAIMED && o->state != STATE_WAITING)
		return error_set(err, EXIT_DATAERR, "cannot unclaim %s: it is %s, not claimed", o->step->id,
				 step_state_name(o->state));
	return require_holder_or_manager(o, "unclaim", err);
}

static void apply_unclaim(struct op_ctx *o)
{
	o->rec->base = STATE_READY;
	replace(&o->rec->holder, NULL);
	o->rec->claimed_at = 0;
}

static int check_assign(struct op_ctx *o, struct error *err)
{
	const char *who = json_string(o->event, "person");
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

static int check_done(struct op_ctx *o, struct error *err)
{
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(o->event, "evidence");
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

static void apply_done(struct op_ctx *o)
{
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(o->event, "evidence");

	o->rec->base = o->step->review || !reviews_complete(o->step, o->rec) ? STATE_IN_REVIEW : STATE_DONE;
	replace(&o->rec->done_by, o->rec->holder ? o->rec->holder : o->actor->id);
	replace(&o->rec->note, json_string(o->event, "note"));
	cJSON_Delete(o->rec->evidence);
	o->rec->evidence = evidence ? cJSON_Duplicate(evidence, 1) : cJSON_CreateArray();
	replace(&o->rec->review_by, NULL);
	replace(&o->rec->review_verdict, NULL);
	replace(&o->rec->review_note, NULL);
	o->rec->done_at = o->when;
	credit_shadows(o->rec);
}

static int check_review(struct op_ctx *o, struct error *err)
{
	const char *verdict = json_string(o->event, "verdict");

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
	if (json_string(o->event, "item"))
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
	if (strcmp(verdict, "reject") == 0 && (json_string(o->event, "note") == NULL || !json_string(o->event, "note")[0]))
		return error_set(err, EXIT_USAGE, "a rejection needs --note TEXT saying what to fix");
	return 0;
}

static void apply_review(struct op_ctx *o)
{
	const char *verdict = json_string(o->event, "verdict");

	if (json_string(o->event, "item")) {
		apply_review_item(o);
		return;
	}
	replace(&o->rec->review_by, o->actor->id);
	replace(&o->rec->review_verdict, verdict);
	replace(&o->rec->review_note, json_string(o->event, "note"));
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

static int check_skip(struct op_ctx *o, struct error *err)
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

static void apply_skip(struct op_ctx *o)
{
	record_clear_work(o->rec);
	checklist_restart(o->st, o->rec);
	o->rec->base = STATE_SKIPPED;
	replace(&o->rec->reason, json_string(o->event, "reason"));
}

static int check_reopen(struct op_ctx *o, struct error *err)
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

static void apply_reopen(struct op_ctx *o)
{
	record_clear_work(o->rec);
	checklist_restart(o->st, o->rec);
	o->rec->round++;
	o->rec->reason_is_condition = false;
	o->rec->base = STATE_READY;
	replace(&o->rec->reason, json_string(o->event, "reason"));
}

static int check_block(struct op_ctx *o, struct error *err)
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

static void apply_block(struct op_ctx *o)
{
	o->rec->before_block = o->rec->base;
	o->rec->base = STATE_BLOCKED;
	replace(&o->rec->reason, json_string(o->event, "reason"));
}

static int check_unblock(struct op_ctx *o, struct error *err)
{
	if (o->state != STATE_BLOCKED)
		return error_set(err, EXIT_DATAERR, "%s is %s, not blocked", o->step->id, step_state_name(o->state));
	if (o->rec->holder)
		return require_holder_or_manager(o, "unblock", err);
	if (!ledger_is_manager(o->actor) && !person_has_role(o->actor, o->step->owner))
		return refuse_role(o, "unblock", o->step->owner, true, err);
	return 0;
}

static void apply_unblock(struct op_ctx *o)
{
	o->rec->base = o->rec->before_block;
}


/* ---------- findings, inputs, decisions ---------- */

const struct pb_step *ledger_decision_step(const struct release_state *st)
{
	size_t i;

	for (i = 0; i < st->pb->step_count; i++)
		if (st->pb->steps[i].kind == STEP_DECISION)
			return &st->pb->steps[i];
	return NULL;
}

const struct input_record *ledger_input(const struct release_state *st, const char *role)
{
	size_t i;

	for (i = st->input_count; i-- > 0;)
		if (st->inputs[i].candidate == st->candidate && strcmp(st->inputs[i].role, role) == 0)
			return &st->inputs[i];
	return NULL;
}

bool ledger_delay_reopens(const struct release_state *st, const struct pb_step *s)
{
	const struct pb_step *decision = ledger_decision_step(st);

	return s && decision && strlist_contains(&decision->on_delay, s->id) && !st->steps[s->index].reason_is_condition;
}

const struct finding *ledger_finding(const struct release_state *st, const char *id)
{
	size_t i;

	for (i = 0; i < st->finding_count; i++)
		if (strcasecmp(st->findings[i].id, id) == 0)
			return &st->findings[i];
	return NULL;
}

static int check_finding_add(struct op_ctx *o, struct error *err)
{
	const char *id = json_string(o->event, "finding"), *title = json_string(o->event, "title");
	const char *severity = json_string(o->event, "severity"), *step = json_string(o->event, "finding_step");

	if (id == NULL || title == NULL || title[0] == '\0')
		return error_set(err, EXIT_USAGE, "a finding needs a title");
	if (finding_severity_check(o->st->pb, severity, err) != 0)
		return -1;
	if (step && playbook_step(o->st->pb, step) == NULL)
		return error_set(err, EXIT_USAGE, "release %s has no step \"%s\"", o->st->version, step);
	if (ledger_finding(o->st, id))
		return error_set(err, EXIT_TEMPFAIL, "finding id %s is taken; run the command again for a new one", id);
	return 0;
}

/* A new open finding by the event's actor, in the current candidate (step may be NULL). */
static struct finding *finding_new(struct op_ctx *o, const char *id, const char *title, const char *severity,
				   const char *step)
{
	struct release_state *st = o->st;
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(o->event, "evidence");
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

static void apply_finding_add(struct op_ctx *o)
{
	finding_new(o, json_string(o->event, "finding"), json_string(o->event, "title"),
		    json_string(o->event, "severity"), json_string(o->event, "finding_step"));
}

/* A finding's estimate and risk are the playbook's estimate_by roles' call, its impact the impact_by roles'. */
static int refuse_finding_role(const struct op_ctx *o, const char *what, const struct strlist *roles, struct error *err)
{
	struct buf who;
	char *role = strlist_join(roles, ", ", " or ");
	size_t i, people = 0;
	int rc;

	buf_init(&who);
	for (i = 0; i < roles->count; i++) {
		if (i > 0)
			buf_adds(&who, " or ");
		people += add_role_people(&who, o->st->pb, roles->items[i], NULL);
	}
	if (people > 0)
		rc = error_set(err, EXIT_NOPERM, "%s cannot set a finding's %s: that is the %s role's call; ask %s", o->actor->id,
			       what, role, who.data);
	else
		rc = error_set(err, EXIT_NOPERM,
			       "%s cannot set a finding's %s: that is the %s role's call, and nobody has it in the playbook of release %s (docs/playbook.md, findings)",
			       o->actor->id, what, role, o->st->version);
	buf_release(&who);
	free(role);
	return rc;
}

static int refuse_finding_close(const struct op_ctx *o, const struct finding *f, struct error *err)
{
	char *roles = strlist_join(&o->st->pb->findings.estimate_by, ", ", " or ");
	int rc = error_set(err, EXIT_NOPERM, "%s cannot close finding %s: its finder, a %s or a release manager can",
			   o->actor->id, f->id, roles);

	free(roles);
	return rc;
}

static int check_finding_update(struct op_ctx *o, struct error *err)
{
	const char *id = json_string(o->event, "finding"), *risk = json_string(o->event, "risk");
	const char *estimate = json_string(o->event, "estimate");
	const struct finding *f = id ? ledger_finding(o->st, id) : NULL;
	const cJSON *close = cJSON_GetObjectItemCaseSensitive(o->event, "close");
	const struct pb_findings *rules = &o->st->pb->findings;
	long seconds;

	if (f == NULL)
		return error_set(err, EXIT_USAGE, "release %s has no finding \"%s\"; 'relctl finding list' shows them",
				 o->st->version, id ? id : "");
	if ((estimate || risk) && !person_has_any_role(o->actor, &rules->estimate_by))
		return refuse_finding_role(o, "estimate or risk", &rules->estimate_by, err);
	if (json_string(o->event, "impact") && !person_has_any_role(o->actor, &rules->impact_by))
		return refuse_finding_role(o, "customer impact", &rules->impact_by, err);
	if (estimate && duration_parse(estimate, &seconds) != 0)
		return error_set(err, EXIT_USAGE, "bad estimate \"%s\": write a duration like 4h or 2d", estimate);
	if (risk && strcmp(risk, "low") && strcmp(risk, "medium") && strcmp(risk, "high"))
		return error_set(err, EXIT_USAGE, "a finding's --risk is low, medium or high");
	if (cJSON_IsTrue(close) && f->closed)
		return error_set(err, EXIT_DATAERR, "finding %s is already closed", f->id);
	if (cJSON_IsTrue(close) && strcmp(f->by, o->actor->id) && !person_has_any_role(o->actor, &rules->estimate_by) &&
	    !ledger_is_manager(o->actor))
		return refuse_finding_close(o, f, err);
	return 0;
}

static void apply_finding_update(struct op_ctx *o)
{
	struct finding *f = (struct finding *)ledger_finding(o->st, json_string(o->event, "finding"));
	const char *estimate = json_string(o->event, "estimate"), *note = json_string(o->event, "note");
	char t[32];

	if (estimate)
		duration_parse(estimate, &f->estimate);
	if (json_string(o->event, "risk"))
		replace(&f->risk, json_string(o->event, "risk"));
	if (json_string(o->event, "impact"))
		replace(&f->impact, json_string(o->event, "impact"));
	if (note) {
		cJSON *n = cJSON_CreateObject();

		cJSON_AddStringToObject(n, "by", o->actor->id);
		cJSON_AddStringToObject(n, "at", time_format(o->when, t, sizeof(t)));
		cJSON_AddStringToObject(n, "note", note);
		cJSON_AddItemToArray(f->notes, n);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "close"))) {
		f->closed = true;
		replace(&f->closed_by, o->actor->id);
	}
}

static int check_input(struct op_ctx *o, struct error *err)
{
	const char *role = json_string(o->event, "role"), *note = json_string(o->event, "note");

	if (note == NULL || note[0] == '\0')
		return error_set(err, EXIT_USAGE, "an input needs --note TEXT: what your team knows that bears on the decision");
	if (role == NULL || !playbook_has_role(o->st->pb, role))
		return error_set(err, EXIT_USAGE, "an input is given for one of your roles");
	if (!person_has_role(o->actor, role))
		return error_set(err, EXIT_NOPERM, "%s does not hold the role %s, so cannot give its input", o->actor->id,
				 role);
	return 0;
}

static void apply_input(struct op_ctx *o)
{
	struct release_state *st = o->st;
	struct input_record *in;

	st->inputs = xrealloc(st->inputs, (st->input_count + 1) * sizeof(*st->inputs));
	in = &st->inputs[st->input_count++];
	in->role = xstrdup(json_string(o->event, "role"));
	in->by = xstrdup(o->actor->id);
	in->note = xstrdup(json_string(o->event, "note"));
	in->at = o->when;
	in->candidate = st->candidate;
}

static int check_decide(struct op_ctx *o, struct error *err)
{
	const char *decision = json_string(o->event, "decision");
	const struct pb_step *step = ledger_decision_step(o->st);
	bool forced = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "forced"));
	struct buf missing;
	char cand[48];
	size_t i;
	int rc = 0;

	if (decision == NULL || (strcmp(decision, "ship") && strcmp(decision, "delay") && strcmp(decision, "abort")))
		return error_set(err, EXIT_USAGE, "the decision is ship, delay or abort");
	if (require_reason(o, err) == NULL)
		return -1;
	if (step == NULL)
		return error_set(err, EXIT_DATAERR, "release %s's playbook has no decision step", o->st->version);
	if (!person_has_role(o->actor, step->owner))
		return error_set(err, EXIT_NOPERM, "%s cannot decide: only a %s can; give your input with 'relctl input --note TEXT'",
				 o->actor->id, step->owner);
	o->step = step;
	o->rec = &o->st->steps[step->index];
	o->state = ledger_step_state(o->st, step->index, o->when);
	if (strcmp(decision, "abort") == 0 && (o->state == STATE_DONE || o->st->status == RELEASE_COMPLETE))
		return error_set(err, EXIT_DATAERR, "%s %s was already shipped; abort is for a release that has not shipped",
				 o->st->version, candidate_short(o->st->pb, o->st->candidate, cand, sizeof(cand)));
	if (strcmp(decision, "abort") != 0) {
		if (o->state == STATE_PENDING)
			return refuse_pending(o, "make the decision", err);
		if (o->state != STATE_READY)
			return error_set(err, EXIT_DATAERR, "the decision for %s %s was already made (%s)", o->st->version,
					 candidate_short(o->st->pb, o->st->candidate, cand, sizeof(cand)), step_state_name(o->state));
	}
	if (o->fresh) {
		/*
		 * Decided on the brief the owner saw: a finding, input or result since
		 * then means reading it again.  Judged when the decision arrives (the
		 * judge, for mutations, sync and verify alike); a replay of accepted
		 * history does not recompute old briefs.
		 */
		char hash[65];

		if (json_string(o->event, "brief_hash") == NULL)
			return error_set(err, EXIT_DATAERR, "a decision carries the hash of the brief it was made on, and this one has none");
		if (brief_state_hash(o->st, hash) != 0)
			return error_set(err, EXIT_SOFTWARE, "cannot hash the brief");
		if (strcmp(hash, json_string(o->event, "brief_hash")) != 0)
			return error_set(err, EXIT_TEMPFAIL,
					 "the brief of %s changed since this clone last showed it (new findings, inputs or results from your team); read 'relctl brief' again, then decide",
					 o->st->version);
	}
	buf_init(&missing);
	for (i = 0; i < step->inputs.count; i++)
		if (ledger_input(o->st, step->inputs.items[i]) == NULL)
			buf_addf(&missing, "%s%s", missing.len ? ", " : "", step->inputs.items[i]);
	if (missing.len && !forced && strcmp(decision, "abort") != 0)
		rc = error_set(err, EXIT_DATAERR,
			       "the decision still needs input from %s ('relctl input --note TEXT' by someone of that role), or decide with --force",
			       missing.data);
	buf_release(&missing);
	return rc;
}

static void apply_decide(struct op_ctx *o)
{
	struct release_state *st = o->st;
	const char *decision = json_string(o->event, "decision");
	const struct pb_step *step = ledger_decision_step(st);
	struct decision_record *d;
	size_t i;

	st->decisions = xrealloc(st->decisions, (st->decision_count + 1) * sizeof(*st->decisions));
	d = &st->decisions[st->decision_count++];
	d->decision = xstrdup(decision);
	d->by = xstrdup(o->actor->id);
	d->reason = xstrdup(json_string(o->event, "reason"));
	d->brief_hash = json_string(o->event, "brief_hash") ? xstrdup(json_string(o->event, "brief_hash")) : NULL;
	d->forced = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "forced"));
	d->at = o->when;
	d->candidate = st->candidate;
	o->rec = &st->steps[step->index];
	if (strcmp(decision, "ship") == 0) {
		o->rec->base = STATE_DONE;
		replace(&o->rec->done_by, o->actor->id);
		replace(&o->rec->note, json_string(o->event, "reason"));
		o->rec->done_at = o->when;
	} else if (strcmp(decision, "abort") == 0) {
		st->status = RELEASE_ABORTED;
		replace(&o->rec->reason, json_string(o->event, "reason"));
	} else {
		/* The next candidate: the listed steps start again; their history stays in the events. */
		st->candidate++;
		for (i = 0; i < step->on_delay.count; i++) {
			const struct pb_step *s = playbook_step(st->pb, step->on_delay.items[i]);

			if (!ledger_delay_reopens(st, s))
				continue;
			record_clear_work(&st->steps[s->index]);
			checklist_restart(st, &st->steps[s->index]);
			st->steps[s->index].base = STATE_READY;
			replace(&st->steps[s->index].reason, NULL);
			st->steps[s->index].candidate = st->candidate;
			st->steps[s->index].changed_at = o->when;
		}
		replace(&o->rec->reason, json_string(o->event, "reason"));
	}
}


static int check_hook(struct op_ctx *o, struct error *err)
{
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(o->event, "result");
	const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(result, "outcome");
	bool forced = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "forced"));

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

static void apply_hook(struct op_ctx *o)
{
	const cJSON *result = cJSON_GetObjectItemCaseSensitive(o->event, "result");
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

/* ---------- delegation: shadows, hand-overs, away, deadlines, reminders ---------- */

static bool list_has(const cJSON *list, const char *id)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
		if (cJSON_IsString(item) && strcmp(item->valuestring, id) == 0)
			return true;
	return false;
}

static void list_add(cJSON **list, const char *id)
{
	if (*list == NULL)
		*list = cJSON_CreateArray();
	if (!list_has(*list, id))
		cJSON_AddItemToArray(*list, cJSON_CreateString(id));
}

static void list_remove(cJSON *list, const char *id)
{
	int i = 0;
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
	{
		if (strcmp(item->valuestring, id) == 0) {
			cJSON_DeleteItemFromArray(list, i);
			return;
		}
		i++;
	}
}

/* The shadows who saw the step to its finish are credited with it, and so is whoever finished it. */
static void credit_shadows(struct step_record *r)
{
	const cJSON *item;

	if (r->done_by)
		list_add(&r->performers, r->done_by);
	cJSON_ArrayForEach(item, r->shadows)
		list_add(&r->shadowed, item->valuestring);
	cJSON_Delete(r->shadows);
	r->shadows = NULL;
}

bool ledger_has_shadowed(const struct release_state *st, const char *step, const char *person)
{
	const struct pb_step *s = playbook_step(st->pb, step);

	return s && list_has(st->steps[s->index].shadowed, person);
}

time_t ledger_due_at(const struct release_state *st, size_t step)
{
	const struct pb_step *s = &st->pb->steps[step];
	const struct step_record *r = &st->steps[step];

	if (s->due == 0 || r->ready_at == 0)
		return 0;
	return r->ready_at + s->due;
}

long ledger_overdue(const struct release_state *st, size_t step, time_t now)
{
	enum step_state state = ledger_step_state(st, step, now);
	time_t due = ledger_due_at(st, step);

	if (due == 0 || now <= due || finished(state) || state == STATE_PENDING || state == STATE_WAITING)
		return 0;
	return (long)(now - due);
}

long ledger_idle(const struct release_state *st, size_t step, time_t now)
{
	const struct step_record *r = &st->steps[step];
	long held = (long)(now - r->claimed_at);

	if (ledger_step_state(st, step, now) != STATE_CLAIMED || r->claimed_at == 0 ||
	    held <= step_idle_after(st->pb, &st->pb->steps[step]))
		return 0;
	return held;
}

long ledger_unclaimed(const struct release_state *st, size_t step, time_t now)
{
	const struct step_record *r = &st->steps[step];
	long waited = (long)(now - r->ready_at);

	if (st->pb->steps[step].kind == STEP_DECISION || ledger_step_state(st, step, now) != STATE_READY ||
	    r->ready_at == 0 || waited <= step_idle_after(st->pb, &st->pb->steps[step]))
		return 0;
	return waited;
}

const struct away_record *ledger_away(const struct release_state *st, const char *person, time_t now)
{
	size_t i;

	for (i = 0; person && i < st->away_count; i++)
		if (strcmp(st->away[i].person, person) == 0 && st->away[i].since <= now &&
		    (st->away[i].until == 0 || st->away[i].until > now))
			return &st->away[i];
	return NULL;
}

bool ledger_reminded(const struct release_state *st, const char *kind, const char *person, const char *step,
		     time_t when)
{
	size_t i;

	for (i = 0; i < st->reminder_count; i++) {
		const struct reminder_record *r = &st->reminders[i];

		if (r->at / 86400 == when / 86400 && strcmp(r->kind, kind) == 0 &&
		    (person == NULL ? r->person == NULL : r->person && strcmp(r->person, person) == 0) &&
		    list_has(r->steps, step))
			return true;
	}
	return false;
}

/* The held states: someone has the step in hand. */
static bool held(const struct op_ctx *o)
{
	return o->rec->holder &&
	       (o->state == STATE_CLAIMED || o->state == STATE_WAITING || o->state == STATE_BLOCKED);
}

/* A rehearsal and a real release take the start's fields: a rehearsal stays one. */
static int check_start_delegation(struct op_ctx *o, struct error *err)
{
	const char *target = json_string(o->event, "target");
	time_t t;

	if (target && time_parse(target, &t) != 0)
		return error_set(err, EXIT_USAGE, "a release's --target is a time like 2024-03-21T17:00:00Z, not \"%s\"",
				 target);
	return 0;
}

static void apply_start_delegation(struct op_ctx *o)
{
	const char *target = json_string(o->event, "target");

	o->st->rehearsal = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "rehearsal"));
	if (target)
		time_parse(target, &o->st->target);
}

/*
 * A claim outside the step's role, granted by having shadowed it
 * (shadow_grants): the claim names the release it was shadowed in, and a
 * new claim is checked there; a replay of accepted history trusts it.
 */
static int check_shadow_grant(const struct op_ctx *o, struct error *err)
{
	const char *in = json_string(o->event, "shadowed_in");
	const struct release_state *source;

	if (in == NULL || !o->step->shadow_grants) {
		if (o->step->shadow_grants) {
			char *also = xasprintf(", or shadow it to its finish first ('relctl shadow %s' while someone holds it)",
					       o->step->id);
			int rc = refuse_claim_role(o, also, err);

			free(also);
			return rc;
		}
		return refuse_claim_role(o, "", err);
	}
	if (!o->fresh)
		return 0;
	source = strcmp(in, o->st->version) == 0 ? o->st
		 : o->st->lookup			? o->st->lookup(o->st->lookup_data, in)
							: NULL;
	if (source == NULL)
		return error_set(err, EXIT_DATAERR, "cannot check that %s shadowed %s in release %s: the ledger has no such release here",
				 o->actor->id, o->step->id, in);
	if (!ledger_has_shadowed(source, o->step->id, o->actor->id))
		return error_set(err, EXIT_NOPERM, "%s did not shadow %s to its finish in release %s, so cannot claim it without the role %s",
				 o->actor->id, o->step->id, in, o->step->owner);
	return 0;
}

/* A rehearsal's hooks are dry runs, and only a rehearsal's are. */
static int check_hook_rehearsal(const struct op_ctx *o, const char *outcome, struct error *err)
{
	bool dry = strcmp(outcome, "dry-run") == 0;

	if (o->st->rehearsal && !dry)
		return error_set(err, EXIT_DATAERR, "%s is a rehearsal: its hook %s is recorded as a dry run, never sent",
				 o->st->version, o->step->id);
	if (!o->st->rehearsal && dry)
		return error_set(err, EXIT_DATAERR, "a dry run of %s is not recorded in %s, a real release: 'relctl run %s' sends it",
				 o->step->id, o->st->version, o->step->id);
	return 0;
}

static int check_shadow(struct op_ctx *o, struct error *err)
{
	bool leave = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "leave"));

	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "%s is the %s's decision; read 'relctl brief' to learn how it is made",
				 o->step->id, o->step->owner);
	if (leave) {
		if (!list_has(o->rec->shadows, o->actor->id))
			return error_set(err, EXIT_DATAERR, "%s is not shadowing %s", o->actor->id, o->step->id);
		return 0;
	}
	if (!held(o))
		return error_set(err, EXIT_DATAERR, "%s is %s: a shadow joins a step someone holds; 'relctl shadow %s' once it is claimed",
				 o->step->id, step_state_name(o->state), o->step->id);
	if (strcmp(o->rec->holder, o->actor->id) == 0)
		return error_set(err, EXIT_DATAERR, "you hold %s yourself; a shadow learns from someone else doing it", o->step->id);
	if (list_has(o->rec->shadows, o->actor->id))
		return error_set(err, EXIT_DATAERR, "%s already shadows %s (held by %s)", o->actor->id, o->step->id,
				 o->rec->holder);
	return 0;
}

static void apply_shadow(struct op_ctx *o)
{
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "leave")))
		list_remove(o->rec->shadows, o->actor->id);
	else
		list_add(&o->rec->shadows, o->actor->id);
}

static int check_handover(struct op_ctx *o, struct error *err)
{
	const char *who = json_string(o->event, "person"), *note = json_string(o->event, "note");
	const struct pb_person *target = who ? playbook_person(o->st->pb, who) : NULL;

	if (target == NULL)
		return error_set(err, EXIT_USAGE, "no person \"%s\" in the playbook; see 'relctl playbook show'",
				 who ? who : "");
	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "%s is the product owner's decision and is not handed over", o->step->id);
	if (!held(o))
		return error_set(err, EXIT_DATAERR, "cannot hand over %s: it is %s, and only a step someone holds is handed over",
				 o->step->id, step_state_name(o->state));
	if (strcmp(o->rec->holder, o->actor->id) != 0 &&
	    !(ledger_is_manager(o->actor) && ledger_away(o->st, o->rec->holder, o->when)))
		return error_set(err, EXIT_NOPERM,
				 "%s cannot hand over %s: %s holds it and hands it over (a release manager can while they are away, or 'relctl assign' it)",
				 o->actor->id, o->step->id, o->rec->holder);
	if (note == NULL || note[0] == '\0')
		return error_set(err, EXIT_USAGE, "a hand-over needs --note TEXT: where %s stands, for %s", o->step->id,
				 target->id);
	if (strcmp(target->id, o->rec->holder) == 0)
		return error_set(err, EXIT_DATAERR, "%s already holds %s", target->id, o->step->id);
	if (!person_has_role(target, o->step->owner))
		return error_set(err, EXIT_DATAERR, "cannot hand %s to %s: it needs the role %s, which %s does not have",
				 o->step->id, target->id, o->step->owner, target->id);
	return 0;
}

static void apply_handover(struct op_ctx *o)
{
	const char *to = json_string(o->event, "person");
	struct step_record *r = o->rec;

	replace(&r->handover_from, r->holder);
	replace(&r->handover_to, to);
	replace(&r->handover_note, json_string(o->event, "note"));
	r->handover_at = o->when;
	replace(&r->holder, to);
	/* Idle counts from the hand-over; a wait step's clock keeps running. */
	if (o->step->kind != STEP_WAIT)
		r->claimed_at = o->when;
	list_remove(r->shadows, to);
}

static int check_away(struct op_ctx *o, struct error *err)
{
	const char *until = json_string(o->event, "until");
	bool back = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "back"));
	time_t t;
	size_t i;

	if (back && until)
		return error_set(err, EXIT_USAGE, "away is either --until TIME or --back");
	if (until && time_parse(until, &t) != 0)
		return error_set(err, EXIT_USAGE, "--until is a time like 2024-03-25T09:00:00Z, not \"%s\"", until);
	if (until && t <= o->when)
		return error_set(err, EXIT_USAGE, "--until %s is not in the future", until);
	for (i = 0; back && i < o->st->away_count; i++)
		if (strcmp(o->st->away[i].person, o->actor->id) == 0)
			return 0;
	if (back)
		return error_set(err, EXIT_DATAERR, "%s is not marked away in %s", o->actor->id, o->st->version);
	return 0;
}

static void apply_away(struct op_ctx *o)
{
	struct release_state *st = o->st;
	const char *until = json_string(o->event, "until");
	size_t i;

	for (i = 0; i < st->away_count; i++)
		if (strcmp(st->away[i].person, o->actor->id) == 0)
			break;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "back"))) {
		free(st->away[i].person);
		memmove(&st->away[i], &st->away[i + 1], (st->away_count - i - 1) * sizeof(*st->away));
		st->away_count--;
		return;
	}
	if (i == st->away_count) {
		st->away = xrealloc(st->away, (st->away_count + 1) * sizeof(*st->away));
		st->away[st->away_count++].person = xstrdup(o->actor->id);
	}
	st->away[i].since = o->when;
	st->away[i].until = 0;
	if (until)
		time_parse(until, &st->away[i].until);
}

/*
 * A reminder names steps that are due for one on the event's day: a
 * person's own overdue or idle steps, or, escalated to the release
 * managers, steps overdue by more than escalate_after and steps nobody
 * has claimed for longer than idle_after.  Once per step, person and day.
 */
static int check_remind(struct op_ctx *o, struct error *err)
{
	const char *kind = json_string(o->event, "kind"), *who = json_string(o->event, "person");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(o->event, "steps"), *item;
	bool escalation = kind && strcmp(kind, "escalation") == 0;

	if (o->st->rehearsal)
		return error_set(err, EXIT_DATAERR, "%s is a rehearsal: nobody is reminded of it", o->st->version);
	if (kind == NULL || (!escalation && strcmp(kind, "reminder") != 0))
		return error_set(err, EXIT_USAGE, "a reminder's kind is reminder or escalation");
	if (escalation ? who != NULL : (who == NULL || playbook_person(o->st->pb, who) == NULL))
		return error_set(err, EXIT_USAGE, escalation ? "an escalation goes to the release managers, not to a person"
							     : "a reminder names a person of the playbook");
	if (cJSON_GetArraySize(steps) == 0)
		return error_set(err, EXIT_USAGE, "a reminder names the steps it is about");
	cJSON_ArrayForEach(item, steps)
	{
		const struct pb_step *s = playbook_step(o->st->pb, item->valuestring);
		const struct step_record *r;
		bool due;

		if (s == NULL)
			return error_set(err, EXIT_USAGE, "release %s has no step \"%s\"", o->st->version, item->valuestring);
		r = &o->st->steps[s->index];
		if (escalation)
			due = (s->due && ledger_overdue(o->st, s->index, o->when) > step_escalate_after(o->st->pb, s)) ||
			      ledger_unclaimed(o->st, s->index, o->when) > 0;
		else
			due = r->holder && strcmp(r->holder, who) == 0 &&
			      (ledger_overdue(o->st, s->index, o->when) > 0 || ledger_idle(o->st, s->index, o->when) > 0);
		if (!due)
			return error_set(err, EXIT_DATAERR, "%s is not %s at %s", s->id,
					 escalation ? "overdue past its escalation nor long unclaimed"
						    : "overdue or idle for the person reminded",
					 json_string(o->event, "time"));
		if (ledger_reminded(o->st, kind, who, s->id, o->when))
			return error_set(err, EXIT_DATAERR, "%s was already %s of %s on this day", escalation ? "the release managers" : who,
					 escalation ? "told" : "reminded", s->id);
	}
	return 0;
}

static void apply_remind(struct op_ctx *o)
{
	struct release_state *st = o->st;
	struct reminder_record *r;

	st->reminders = xrealloc(st->reminders, (st->reminder_count + 1) * sizeof(*st->reminders));
	r = &st->reminders[st->reminder_count++];
	memset(r, 0, sizeof(*r));
	r->kind = xstrdup(json_string(o->event, "kind"));
	replace(&r->person, json_string(o->event, "person"));
	r->steps = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(o->event, "steps"), 1);
	replace(&r->message, json_string(o->event, "message"));
	replace(&r->webhook_id, json_string(o->event, "webhook_id"));
	r->by = xstrdup(o->actor->id);
	r->at = o->when;
}

/* What a step's work being cleared (skip, reopen, a delay) takes with it; the credits stay. */
static void record_clear_delegation(struct step_record *r)
{
	cJSON_Delete(r->shadows);
	r->shadows = NULL;
	replace(&r->handover_from, NULL);
	replace(&r->handover_to, NULL);
	replace(&r->handover_note, NULL);
	r->handover_at = 0;
}

static void free_delegation(struct release_state *st)
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

/* ---------- checklist ops: checklist-add, checklist-remove, check, and review --item ---------- */

/* Steps whose holder may change this step's checklist ("updates"), as "a, b"; caller frees. */
static char *updaters(const struct release_state *st, const struct pb_step *target)
{
	struct buf names;
	size_t i;

	buf_init(&names);
	for (i = 0; i < st->pb->step_count; i++)
		if (strlist_contains(&st->pb->steps[i].updates, target->id))
			buf_addf(&names, "%s%s", names.len ? ", " : "", st->pb->steps[i].id);
	return buf_detach(&names);
}

static int refuse_no_checklist(const struct op_ctx *o, struct error *err)
{
	return error_set(err, EXIT_DATAERR, "%s is a %s step and has no checklist", o->step->id,
			 step_kind_name(o->step->kind));
}

/*
 * Who changes a step's checklist for this release: a release manager, a
 * person of the step's role, or the holder of a step that "updates" it
 * (update-test-plan for the device tests); and only before it is done.
 */
static int require_checklist_editor(const struct op_ctx *o, const char *verb, struct error *err)
{
	const struct release_state *st = o->st;
	char *who;
	size_t i;
	int rc;

	struct buf can;

	if (o->step->kind == STEP_HOOK || o->step->kind == STEP_DECISION)
		return refuse_no_checklist(o, err);
	/* Someone who could not edit it even reopened hears who can, not to reopen it. */
	if (ledger_is_manager(o->actor) || person_has_role(o->actor, o->step->owner))
		return finished(o->state) || o->state == STATE_IN_REVIEW ? refuse_finished(o, verb, err) : 0;
	for (i = 0; i < st->pb->step_count; i++) {
		const struct step_record *r = &st->steps[i];

		if (strlist_contains(&st->pb->steps[i].updates, o->step->id) && r->holder &&
		    strcmp(r->holder, o->actor->id) == 0 && (r->base == STATE_CLAIMED || r->base == STATE_BLOCKED))
			return finished(o->state) || o->state == STATE_IN_REVIEW ? refuse_finished(o, verb, err) : 0;
	}
	who = updaters(st, o->step);
	buf_init(&can);
	add_role_people(&can, st->pb, o->step->owner, NULL);
	if (strcmp(o->step->owner, ROLE_RELEASE_MANAGER) != 0) {
		buf_adds(&can, who[0] ? ", " : " or ");
		add_role_people(&can, st->pb, ROLE_RELEASE_MANAGER, NULL);
	}
	rc = error_set(err, EXIT_NOPERM, "%s cannot %s %s's checklist: %s%s%s can", o->actor->id, verb, o->step->id,
		       can.data, who[0] ? " or whoever holds " : "", who);
	buf_release(&can);
	free(who);
	return rc;
}

/* An item of the step's current checklist that is not removed, or a refusal naming the ones there are. */
static const struct check_item *find_item(const struct op_ctx *o, struct error *err)
{
	const char *id = json_string(o->event, "item");
	const struct checklist *list = &o->rec->checklist;
	const struct check_item *it = checklist_item(list, id);

	if (it && it->removed_by) {
		error_set(err, EXIT_DATAERR, "item %s of %s was removed by %s: %s", it->id, o->step->id, it->removed_by,
			  it->removed_reason ? it->removed_reason : "");
		return NULL;
	}
	if (it == NULL) {
		const char **ids = xcalloc(list->count + 1, sizeof(*ids));
		const char *hint;
		size_t k;

		for (k = 0; k < list->count; k++)
			ids[k] = list->items[k].id;
		hint = id ? suggest(id, ids, list->count) : NULL;
		free(ids);
		if (hint)
			error_set(err, EXIT_USAGE, "%s has no checklist item \"%s\"; did you mean \"%s\"?", o->step->id,
				  id ? id : "", hint);
		else
			error_set(err, EXIT_USAGE, "%s has no checklist item \"%s\"; 'relctl check %s' lists them", o->step->id,
				  id ? id : "", o->step->id);
	}
	return it;
}

static int check_checklist_add(struct op_ctx *o, struct error *err)
{
	const char *id = json_string(o->event, "item"), *text = json_string(o->event, "text");
	const char *review = json_string(o->event, "review");
	const struct check_item *it;

	if (require_checklist_editor(o, "add an item to", err) != 0)
		return -1;
	if (text == NULL || text[0] == '\0')
		return error_set(err, EXIT_USAGE, "a checklist item needs its text: what to check");
	if (!identifier_valid(id))
		return error_set(err, EXIT_USAGE, "\"%s\" is not a valid item id: use lower-case letters, digits, '-', '_' or '.'",
				 id);
	it = checklist_item(&o->rec->checklist, id);
	if (it)
		return error_set(err, EXIT_DATAERR, "%s already has the item %s%s%s%s; give another --id", o->step->id, id,
				 it->removed_by ? " (removed by " : "", it->removed_by ? it->removed_by : "",
				 it->removed_by ? ")" : "");
	if (o->rec->checklist.count >= CHECKLIST_ITEMS_MAX)
		return error_set(err, EXIT_DATAERR, "%s's checklist holds %d items, the most a step can", o->step->id,
				 CHECKLIST_ITEMS_MAX);
	if (review && !playbook_has_role(o->st->pb, review))
		return error_set(err, EXIT_USAGE, "--review names the unknown role \"%s\"; see 'relctl playbook show'", review);
	return 0;
}

static void apply_checklist_add(struct op_ctx *o)
{
	struct check_item *it = checklist_append(&o->rec->checklist, json_string(o->event, "item"),
						 json_string(o->event, "text"),
						 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o->event, "evidence_required")),
						 json_string(o->event, "review"));

	it->added_by = xstrdup(o->actor->id);
}

static int check_checklist_remove(struct op_ctx *o, struct error *err)
{
	const struct check_item *it;

	if (require_reason(o, err) == NULL || require_checklist_editor(o, "remove an item from", err) != 0)
		return -1;
	it = find_item(o, err);
	if (it == NULL)
		return -1;
	if (it->result)
		return error_set(err, EXIT_DATAERR, "item %s of %s already has a result (%s by %s), which stays; record na with a note if it does not apply",
				 it->id, o->step->id, it->result, it->by);
	return 0;
}

static void apply_checklist_remove(struct op_ctx *o)
{
	struct check_item *it = (struct check_item *)checklist_item(&o->rec->checklist, json_string(o->event, "item"));

	replace(&it->removed_by, o->actor->id);
	replace(&it->removed_reason, json_string(o->event, "reason"));
	it->removed_at = o->when;
}

/* The open finding an item's earlier fail opened in this candidate, or NULL. */
static struct finding *item_open_finding(const struct release_state *st, const struct check_item *it)
{
	const struct finding *f = it->finding ? ledger_finding(st, it->finding) : NULL;

	return f && !f->closed ? (struct finding *)f : NULL;
}

static int check_check(struct op_ctx *o, struct error *err)
{
	const char *result = json_string(o->event, "result"), *note = json_string(o->event, "note");
	const char *severity = json_string(o->event, "severity"), *finding = json_string(o->event, "finding");
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(o->event, "evidence");
	const struct check_item *it;
	bool fail;

	if (o->step->kind == STEP_HOOK || o->step->kind == STEP_DECISION)
		return refuse_no_checklist(o, err);
	it = find_item(o, err);
	if (it == NULL)
		return -1;
	if (result == NULL || (strcmp(result, "pass") && strcmp(result, "fail") && strcmp(result, "na")))
		return error_set(err, EXIT_USAGE, "a result is pass, fail or na");
	fail = strcmp(result, "fail") == 0;
	switch (o->state) {
	case STATE_CLAIMED:
	case STATE_WAITING:
		break;
	case STATE_READY:
		return error_set(err, EXIT_DATAERR, "%s is not claimed; 'relctl claim %s' first", o->step->id, o->step->id);
	case STATE_PENDING:
		return refuse_pending(o, "check items of", err);
	case STATE_BLOCKED:
		return error_set(err, EXIT_DATAERR, "%s is blocked (%s); 'relctl unblock %s' first", o->step->id,
				 o->rec->reason ? o->rec->reason : "no reason given", o->step->id);
	case STATE_IN_REVIEW:
		return error_set(err, EXIT_DATAERR, "%s is done and waits for review by a %s; results change before done, or after a rejection",
				 o->step->id, review_role(o->step, o->rec));
	default:
		return refuse_finished(o, "check items of", err);
	}
	if (require_holder_or_manager(o, "record results on", err) != 0)
		return -1;
	if (strcmp(result, "pass") && (note == NULL || note[0] == '\0'))
		return error_set(err, EXIT_USAGE, fail ? "a fail needs --note TEXT saying what went wrong (it becomes the finding)"
						       : "na needs --note TEXT saying why the item does not apply");
	if (it->evidence_required && strcmp(result, "na") != 0 && cJSON_GetArraySize(evidence) == 0)
		return error_set(err, EXIT_DATAERR, "item %s of %s needs evidence: add --evidence URL (the footage of this item)",
				 it->id, o->step->id);
	if (severity && !fail)
		return error_set(err, EXIT_USAGE, "--severity is for a fail: the severity of the finding it opens");
	if (severity && finding_severity_check(o->st->pb, severity, err) != 0)
		return -1;
	if (finding && !fail)
		return error_set(err, EXIT_DATAERR, "only a fail carries the id of the finding it opens");
	if (fail && item_open_finding(o->st, it) == NULL) {
		if (finding == NULL)
			return error_set(err, EXIT_DATAERR, "a fail opens a finding, and this check carries no finding id");
		if (ledger_finding(o->st, finding))
			return error_set(err, EXIT_TEMPFAIL, "finding id %s is taken; run the command again for a new one",
					 finding);
	}
	return 0;
}

/*
 * The result replaces the item's earlier one (the events keep both) and
 * needs a fresh review.  A fail opens a finding linked to the step and the
 * item, with the note as its title and the evidence; while that finding is
 * open, a later fail of the item adds its note and links to it instead.
 */
static void apply_check(struct op_ctx *o)
{
	struct check_item *it = (struct check_item *)checklist_item(&o->rec->checklist, json_string(o->event, "item"));
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(o->event, "evidence"), *link;
	const char *result = json_string(o->event, "result"), *severity = json_string(o->event, "severity");
	struct finding *f;

	item_clear_result(it);
	item_clear_review(it);
	replace(&it->result, result);
	replace(&it->by, o->actor->id);
	replace(&it->note, json_string(o->event, "note"));
	it->at = o->when;
	cJSON_ArrayForEach(link, evidence)
		cJSON_AddItemToArray(it->evidence, cJSON_Duplicate(link, 1));
	if (strcmp(result, "fail") != 0)
		return;
	f = item_open_finding(o->st, it);
	if (f == NULL) {
		f = finding_new(o, json_string(o->event, "finding"), it->note,
				severity ? severity : finding_default_severity(o->st->pb), o->step->id);
		f->item = xstrdup(it->id);
		replace(&it->finding, f->id);
		return;
	}
	{
		cJSON *n = cJSON_CreateObject();
		char t[32];

		cJSON_AddStringToObject(n, "by", o->actor->id);
		cJSON_AddStringToObject(n, "at", time_format(o->when, t, sizeof(t)));
		cJSON_AddStringToObject(n, "note", it->note);
		cJSON_AddItemToArray(f->notes, n);
	}
	cJSON_ArrayForEach(link, evidence)
	{
		const cJSON *have;
		bool known = false;

		cJSON_ArrayForEach(have, f->evidence)
			known = known || strcmp(have->valuestring, link->valuestring) == 0;
		if (!known)
			cJSON_AddItemToArray(f->evidence, cJSON_Duplicate(link, 1));
	}
}

/* "static-ip, hdmi-hotplug, ..." of the items that match, at most five named; caller frees. */
static char *item_names(const struct checklist *list, bool (*match)(const struct check_item *))
{
	struct buf names;
	size_t i, n = 0;

	buf_init(&names);
	for (i = 0; i < list->count; i++) {
		if (list->items[i].removed_by || !match(&list->items[i]))
			continue;
		if (n++ < 5)
			buf_addf(&names, "%s%s", names.len ? ", " : "", list->items[i].id);
		else if (n == 6)
			buf_adds(&names, ", ...");
	}
	return buf_detach(&names);
}

static bool unchecked(const struct check_item *it)
{
	return it->result == NULL;
}

static bool awaits_review(const struct check_item *it)
{
	return it->review && !(it->review_verdict && strcmp(it->review_verdict, "approve") == 0);
}

static int refuse_unchecked_items(const struct op_ctx *o, struct error *err)
{
	struct checklist_counts counts;
	char *names;
	int rc;

	checklist_count(&o->rec->checklist, &counts);
	if (counts.unchecked == 0)
		return 0;
	names = item_names(&o->rec->checklist, unchecked);
	rc = error_set(err, EXIT_DATAERR, "%s: %zu of %zu item%s ha%s no result: %s; record %s with 'relctl check %s ITEM pass|fail|na'",
		       o->step->id, counts.unchecked, counts.total, counts.total == 1 ? "" : "s",
		       counts.unchecked == 1 ? "s" : "ve", names, counts.unchecked == 1 ? "it" : "each", o->step->id);
	free(names);
	return rc;
}

/* A step-level review of a step that has none, or that it already passed: its items wait. */
static int refuse_step_review(const struct op_ctx *o, struct error *err)
{
	char *names = item_names(&o->rec->checklist, awaits_review);
	int rc;

	if (o->step->review)
		rc = error_set(err, EXIT_DATAERR, "%s was approved by %s and waits for reviews of its items: %s; 'relctl review %s approve|reject --item ITEM'",
			       o->step->id, o->rec->review_by, names, o->step->id);
	else
		rc = error_set(err, EXIT_DATAERR, "%s waits for reviews of its items: %s; 'relctl review %s approve|reject --item ITEM'",
			       o->step->id, names, o->step->id);
	free(names);
	return rc;
}

static int check_review_item(struct op_ctx *o, struct error *err)
{
	const char *verdict = json_string(o->event, "verdict"), *note = json_string(o->event, "note");
	const struct check_item *it = find_item(o, err);

	if (it == NULL)
		return -1;
	if (it->review == NULL)
		return error_set(err, EXIT_DATAERR, "item %s of %s has no review role; only items with review: ROLE are reviewed one by one",
				 it->id, o->step->id);
	if (!awaits_review(it))
		return error_set(err, EXIT_DATAERR, "item %s of %s was already approved by %s", it->id, o->step->id,
				 it->review_by);
	if (!person_has_role(o->actor, it->review)) {
		struct buf who;
		int rc;

		buf_init(&who);
		add_role_people(&who, o->st->pb, it->review, NULL);
		rc = error_set(err, EXIT_NOPERM, "%s cannot review item %s of %s: it needs the role %s; ask %s", o->actor->id,
			       it->id, o->step->id, it->review, who.data);
		buf_release(&who);
		return rc;
	}
	if ((o->rec->done_by && strcmp(o->rec->done_by, o->actor->id) == 0) || (it->by && strcmp(it->by, o->actor->id) == 0)) {
		char *what = xasprintf("result for %s of %s", it->id, o->step->id);
		int rc = refuse_own_review(o, what, it->review, false, err);

		free(what);
		return rc;
	}
	if (strcmp(verdict, "reject") == 0 && (note == NULL || note[0] == '\0'))
		return error_set(err, EXIT_USAGE, "a rejection needs --note TEXT saying what to fix");
	return 0;
}

/*
 * An approved item counts; the step is done when nothing else waits.  A
 * rejected one loses its result and the step goes back to whoever did it,
 * with the note, to check that item again.
 */
static void apply_review_item(struct op_ctx *o)
{
	struct check_item *it = (struct check_item *)checklist_item(&o->rec->checklist, json_string(o->event, "item"));
	const char *verdict = json_string(o->event, "verdict");

	replace(&it->review_by, o->actor->id);
	replace(&it->review_verdict, verdict);
	replace(&it->review_note, json_string(o->event, "note"));
	if (strcmp(verdict, "approve") == 0) {
		if (reviews_complete(o->step, o->rec))
			o->rec->base = STATE_DONE;
		return;
	}
	item_clear_result(it);
	o->rec->base = STATE_CLAIMED;
	replace(&o->rec->holder, o->rec->done_by);
	o->rec->done_at = 0;
	o->rec->claimed_at = o->when;
}

/* ---------- event shapes ---------- */

/*
 * What each op carries, said once.  "required" marks the fields the op's
 * check does not ask for itself with its own, friendlier message.  An event with a field its op does not
 * declare, a missing required field, or a value of the wrong type or size
 * is refused here, for the CLI, sync and verify alike: a misspelt field
 * name can never be silently ignored.
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
	const char *name;
	enum field_type type;
	bool required;
};

#define FIELDS_END { NULL, 0, false }

struct op_def {
	const char *name;
	bool needs_step;
	int (*check)(struct op_ctx *o, struct error *err);
	struct field_def fields[8];
};

static const struct op_def ops[] = {
	{ "start", false, check_start,
	  { { "vars", FIELD_OBJECT, false }, { "rehearsal", FIELD_BOOL, false }, { "target", FIELD_NAME, false }, FIELDS_END } },
	{ "claim", true, check_claim,
	  { { "reason", FIELD_TEXT, false }, { "shadowed_in", FIELD_NAME, false }, FIELDS_END } },
	{ "unclaim", true, check_unclaim, { { "reason", FIELD_TEXT, false }, FIELDS_END } },
	{ "assign", true, check_assign, { { "person", FIELD_NAME, false }, { "reason", FIELD_TEXT, false }, FIELDS_END } },
	{ "done", true, check_done, { { "note", FIELD_TEXT, false }, { "evidence", FIELD_LINKS, false }, FIELDS_END } },
	{ "review", true, check_review,
	  { { "verdict", FIELD_NAME, false }, { "note", FIELD_TEXT, false }, { "item", FIELD_NAME, false }, FIELDS_END } },
	{ "skip", true, check_skip, { { "reason", FIELD_TEXT, false }, FIELDS_END } },
	{ "reopen", true, check_reopen, { { "reason", FIELD_TEXT, false }, FIELDS_END } },
	{ "block", true, check_block, { { "reason", FIELD_TEXT, false }, FIELDS_END } },
	{ "unblock", true, check_unblock, { { "reason", FIELD_TEXT, false }, FIELDS_END } },
	{ "shadow", true, check_shadow, { { "leave", FIELD_BOOL, false }, FIELDS_END } },
	{ "handover", true, check_handover, { { "person", FIELD_NAME, true }, { "note", FIELD_TEXT, false }, FIELDS_END } },
	{ "away", false, check_away, { { "until", FIELD_NAME, false }, { "back", FIELD_BOOL, false }, FIELDS_END } },
	/* steps: step ids, checked by check_remind. */
	{ "remind", false, check_remind,
	  { { "kind", FIELD_NAME, false },
	    { "person", FIELD_NAME, false },
	    { "steps", FIELD_LINKS, false },
	    { "message", FIELD_TEXT, false },
	    { "webhook_id", FIELD_NAME, false },
	    FIELDS_END } },
	{ "finding-add", false, check_finding_add,
	  { { "finding", FIELD_NAME, true },
	    { "title", FIELD_TEXT, false },
	    { "severity", FIELD_NAME, false },
	    { "finding_step", FIELD_NAME, false },
	    { "evidence", FIELD_LINKS, false },
	    FIELDS_END } },
	{ "finding-update", false, check_finding_update,
	  { { "finding", FIELD_NAME, true },
	    { "estimate", FIELD_NAME, false },
	    { "risk", FIELD_NAME, false },
	    { "impact", FIELD_TEXT, false },
	    { "note", FIELD_TEXT, false },
	    { "close", FIELD_BOOL, false },
	    FIELDS_END } },
	{ "input", false, check_input, { { "role", FIELD_NAME, false }, { "note", FIELD_TEXT, false }, FIELDS_END } },
	{ "decide", false, check_decide,
	  { { "decision", FIELD_NAME, false },
	    { "reason", FIELD_TEXT, false },
	    { "brief_hash", FIELD_NAME, false },
	    { "forced", FIELD_BOOL, false },
	    FIELDS_END } },
	{ "hook", true, check_hook, { { "result", FIELD_OBJECT, true }, { "forced", FIELD_BOOL, false }, FIELDS_END } },
	{ "checklist-add", true, check_checklist_add,
	  { { "item", FIELD_NAME, true },
	    { "text", FIELD_TEXT, true },
	    { "evidence_required", FIELD_BOOL, false },
	    { "review", FIELD_NAME, false },
	    FIELDS_END } },
	{ "checklist-remove", true, check_checklist_remove,
	  { { "item", FIELD_NAME, true }, { "reason", FIELD_TEXT, false }, FIELDS_END } },
	{ "check", true, check_check,
	  { { "item", FIELD_NAME, true },
	    { "result", FIELD_NAME, true },
	    { "note", FIELD_TEXT, false },
	    { "evidence", FIELD_LINKS, false },
	    { "severity", FIELD_NAME, false },
	    { "finding", FIELD_NAME, false },
	    FIELDS_END } },
};

/*
 * Fields every event has; step only on the ops that need one.  Every relctl
 * has written the candidate an event was made for (new_event()), and the
 * rule that an event belongs to its candidate depends on it being there.
 */
static const struct field_def common_fields[] = {
	{ "id", FIELD_NAME, true },	  { "time", FIELD_NAME, true }, { "actor", FIELD_NAME, true },
	{ "op", FIELD_NAME, true },	  { "step", FIELD_NAME, false }, { "candidate", FIELD_INT, true },
	FIELDS_END,
};

static const struct field_def *find_field(const struct field_def *defs, const char *name)
{
	for (; defs->name; defs++)
		if (strcmp(defs->name, name) == 0)
			return defs;
	return NULL;
}

/* "64 KiB", "256 bytes": a size as the limits are said, rounded up. */
static const char *size_text(size_t bytes, char *out, size_t size)
{
	if (bytes > 1024)
		snprintf(out, size, "%zu KiB", (bytes + 1023) / 1024);
	else
		snprintf(out, size, "%zu bytes", bytes);
	return out;
}

/* Why s is not text of at most max bytes (one line when one_line), into why; NULL when it is. */
static const char *text_problem(const char *s, size_t max, bool one_line, const char *what, char *why, size_t size)
{
	size_t n = strlen(s);
	char have[32], most[32];

	if (n > max)
		snprintf(why, size, "is %s; %s is at most %s", size_text(n, have, sizeof(have)), what,
			 size_text(max, most, sizeof(most)));
	else if (!utf8_valid(s, n))
		snprintf(why, size, "is not valid UTF-8");
	else if (one_line && strpbrk(s, "\n\r"))
		snprintf(why, size, "has a line break; %s is one line", what);
	else
		return NULL;
	return why;
}

/* Why v cannot be a field of type def->type, into why; NULL when it can. */
static const char *field_problem(const cJSON *v, const struct field_def *def, char *why, size_t size)
{
	const cJSON *item;
	const char *problem = NULL;
	char *text;

	switch (def->type) {
	case FIELD_NAME:
		if (!cJSON_IsString(v))
			break;
		return text_problem(v->valuestring, LEDGER_NAME_MAX, true, "a name", why, size);
	case FIELD_TEXT:
		if (!cJSON_IsString(v))
			break;
		return text_problem(v->valuestring, LEDGER_TEXT_MAX, false, "a text", why, size);
	case FIELD_LINKS:
		if (!cJSON_IsArray(v))
			break;
		if (cJSON_GetArraySize(v) > LEDGER_LINKS_MAX) {
			snprintf(why, size, "is given %d times; an event has at most %d links", cJSON_GetArraySize(v),
				 LEDGER_LINKS_MAX);
			return why;
		}
		cJSON_ArrayForEach(item, v)
		{
			if (!cJSON_IsString(item))
				break;
			if ((problem = text_problem(item->valuestring, LEDGER_LINK_MAX, true, "a link", why, size)))
				return problem;
		}
		if (item == NULL)
			return NULL;
		break;
	case FIELD_BOOL:
		/* relctl writes a flag only when it is true. */
		if (cJSON_IsTrue(v))
			return NULL;
		break;
	case FIELD_INT:
		if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 1e6 &&
		    v->valuedouble == (double)v->valueint)
			return NULL;
		break;
	case FIELD_OBJECT:
		if (!cJSON_IsObject(v) || (text = cJSON_PrintUnformatted(v)) == NULL)
			break;
		problem = text_problem(text, LEDGER_TEXT_MAX, false, "a field's JSON", why, size);
		free(text);
		return problem;
	}
	snprintf(why, size, "is not %s",
		 def->type == FIELD_LINKS    ? "a list of links"
		 : def->type == FIELD_OBJECT ? "an object"
		 : def->type == FIELD_BOOL   ? "true (relctl writes only true)"
		 : def->type == FIELD_INT    ? "a whole number"
					     : "text");
	return why;
}

static int field_ok(const cJSON *v, const struct field_def *def, const char *id, struct error *err)
{
	char why[128], most[32];

	if (field_problem(v, def, why, sizeof(why)) == NULL)
		return 0;
	switch (def->type) {
	case FIELD_NAME:
		size_text(LEDGER_NAME_MAX, most, sizeof(most));
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (one line of UTF-8 text, at most %s)", id,
				 def->name, most);
	case FIELD_TEXT:
		size_text(LEDGER_TEXT_MAX, most, sizeof(most));
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (UTF-8 text of at most %s)", id,
				 def->name, most);
	case FIELD_LINKS:
		return error_set(err, EXIT_DATAERR,
				 "event %s has a bad \"%s\" (a list of at most %d links, each one line of UTF-8 text)",
				 id, def->name, LEDGER_LINKS_MAX);
	case FIELD_BOOL:
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (true, or no field at all: relctl writes only true)",
				 id, def->name);
	case FIELD_INT:
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (a whole number)", id, def->name);
	default:
		size_text(LEDGER_TEXT_MAX, most, sizeof(most));
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (an object of at most %s)", id, def->name,
				 most);
	}
}

/* The shape of an event: its op's fields and nothing else, each of its type. */
static int shape_ok(const cJSON *event, const struct op_def *def, const char *id, struct error *err)
{
	const cJSON *field;
	const struct field_def *f;

	if (!cJSON_IsObject(event))
		return error_set(err, EXIT_DATAERR, "an event is not an object");
	cJSON_ArrayForEach(field, event)
	{
		f = find_field(common_fields, field->string);
		if (f == NULL)
			f = find_field(def->fields, field->string);
		if (f == NULL)
			return error_set(err, EXIT_DATAERR, "event %s (%s) has the field \"%s\", which %s events do not carry",
					 id, def->name, field->string, def->name);
		if (field_ok(field, f, id, err) != 0)
			return -1;
	}
	for (f = common_fields; f->name; f++)
		if (f->required && !cJSON_HasObjectItem(event, f->name))
			return error_set(err, EXIT_DATAERR, "event %s (%s) lacks its \"%s\"", id, def->name, f->name);
	for (f = def->fields; f->name; f++)
		if (f->required && !cJSON_HasObjectItem(event, f->name))
			return error_set(err, EXIT_DATAERR, "event %s (%s) lacks its \"%s\"", id, def->name, f->name);
	if (def->needs_step != cJSON_HasObjectItem(event, "step"))
		return error_set(err, EXIT_DATAERR, def->needs_step ? "event %s (%s) names no step" : "event %s (%s) names a step, which it does not take",
				 id, def->name);
	return 0;
}

/* ---------- dispatch ---------- */

static void apply(struct op_ctx *o)
{
	const char *op = o->op;

	if (strcmp(op, "start") == 0)
		apply_start(o);
	else if (strcmp(op, "claim") == 0)
		apply_claim(o, o->actor->id);
	else if (strcmp(op, "assign") == 0)
		apply_claim(o, json_string(o->event, "person"));
	else if (strcmp(op, "unclaim") == 0)
		apply_unclaim(o);
	else if (strcmp(op, "done") == 0)
		apply_done(o);
	else if (strcmp(op, "review") == 0)
		apply_review(o);
	else if (strcmp(op, "skip") == 0)
		apply_skip(o);
	else if (strcmp(op, "reopen") == 0)
		apply_reopen(o);
	else if (strcmp(op, "block") == 0)
		apply_block(o);
	else if (strcmp(op, "unblock") == 0)
		apply_unblock(o);
	else if (strcmp(op, "shadow") == 0)
		apply_shadow(o);
	else if (strcmp(op, "handover") == 0)
		apply_handover(o);
	else if (strcmp(op, "away") == 0)
		apply_away(o);
	else if (strcmp(op, "remind") == 0)
		apply_remind(o);
	else if (strcmp(op, "finding-add") == 0)
		apply_finding_add(o);
	else if (strcmp(op, "finding-update") == 0)
		apply_finding_update(o);
	else if (strcmp(op, "input") == 0)
		apply_input(o);
	else if (strcmp(op, "decide") == 0)
		apply_decide(o);
	else if (strcmp(op, "hook") == 0)
		apply_hook(o);
	else if (strcmp(op, "checklist-add") == 0)
		apply_checklist_add(o);
	else if (strcmp(op, "checklist-remove") == 0)
		apply_checklist_remove(o);
	else if (strcmp(op, "check") == 0)
		apply_check(o);
}

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

static const struct op_def *op_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

int ledger_field_fits(const char *op, const char *field, const cJSON *value, char *why, size_t size)
{
	const struct op_def *def = op_find(op);
	const struct field_def *f = find_field(common_fields, field);

	if (f == NULL && def)
		f = find_field(def->fields, field);
	return f && field_problem(value, f, why, size) ? -1 : 0;
}

/* Resolves the event against st (shape, actor, step) and runs its op's check. */
static int check_event(struct release_state *st, const cJSON *event, bool fresh, struct op_ctx *o,
		       struct error *err)
{
	const char *id = json_string(event, "id"), *time_text = json_string(event, "time"), *actor = json_string(event, "actor");
	const char *step = json_string(event, "step");
	const struct op_def *def;

	memset(o, 0, sizeof(*o));
	o->st = st;
	o->event = event;
	o->fresh = fresh;
	o->op = json_string(event, "op");
	if (id == NULL || id[0] == '\0' || time_text == NULL || actor == NULL || o->op == NULL)
		return error_set(err, EXIT_DATAERR, "an event of release %s lacks its id, time, actor or op", st->version);
	if (!event_id_valid(id))
		return error_set(err, EXIT_DATAERR, "an event of release %s has a bad id (1 to 64 letters, digits, '-' or '_')",
				 st->version);
	if (time_parse(time_text, &o->when) != 0)
		return error_set(err, EXIT_DATAERR, "event %s has a bad time \"%.40s\"", id, time_text);
	def = op_find(o->op);
	if (def == NULL)
		return error_set(err, EXIT_DATAERR, "event %s has the unknown op \"%.40s\" (written by a newer relctl?)", id, o->op);
	if (shape_ok(event, def, id, err) != 0)
		return -1;
	if (st->event_count == 0 && strcmp(o->op, "start") != 0)
		return error_set(err, EXIT_DATAERR, "release %s does not begin with its start event", st->version);
	if (st->status == RELEASE_ABORTED)
		return error_set(err, EXIT_DATAERR, "release %s was aborted; nothing in it can change", st->version);
	{
		/* An event belongs to the candidate it was made in: one made offline before a delay does not carry over. */
		const cJSON *candidate = cJSON_GetObjectItemCaseSensitive(event, "candidate");

		char then[48], now[48];

		if (cJSON_IsNumber(candidate) && candidate->valueint != st->candidate)
			return error_set(err, EXIT_DATAERR,
					 "event %s (%s%s%s) was made for %s %s, but the release is at %s now; do it again if it still applies",
					 id, o->op, step ? " " : "", step ? step : "", st->version,
					 candidate_short(st->pb, candidate->valueint, then, sizeof(then)),
					 candidate_short(st->pb, st->candidate, now, sizeof(now)));
	}
	o->actor = playbook_person(st->pb, actor);
	if (o->actor == NULL)
		return error_set(err, EXIT_NOPERM, "\"%s\" is not a person of release %s's playbook", actor, st->version);
	if (def->needs_step) {
		if (step == NULL)
			return error_set(err, EXIT_DATAERR, "event %s (%s) names no step", id, o->op);
		o->step = playbook_step(st->pb, step);
		if (o->step == NULL) {
			const char **ids = xcalloc(st->pb->step_count + 1, sizeof(*ids));
			const char *hint;
			size_t k;

			for (k = 0; k < st->pb->step_count; k++)
				ids[k] = st->pb->steps[k].id;
			hint = suggest(step, ids, st->pb->step_count);
			free(ids);
			if (hint)
				return error_set(err, EXIT_USAGE, "release %s has no step \"%s\"; did you mean \"%s\"?",
						 st->version, step, hint);
			return error_set(err, EXIT_USAGE, "release %s has no step \"%s\"; 'relctl status' lists them",
					 st->version, step);
		}
		o->rec = &st->steps[o->step->index];
		o->state = ledger_step_state(st, o->step->index, o->when);
	}
	return def->check(o, err);
}

int ledger_check(const struct release_state *st, const cJSON *event, struct error *err)
{
	struct op_ctx o;

	/* The checks only read the state: the cast lets them share op_ctx with apply. */
	return check_event((struct release_state *)st, event, true, &o, err);
}

int ledger_may(const struct release_state *st, const char *actor, const char *op, const char *step,
	       const cJSON *fields, time_t when, struct error *err)
{
	cJSON *event = ledger_event_new("probe", when, actor, op, step), *field;
	int rc;

	cJSON_AddNumberToObject(event, "candidate", st->candidate);
	cJSON_ArrayForEach(field, fields)
		cJSON_AddItemToObject(event, field->string, cJSON_Duplicate(field, 1));
	rc = ledger_check(st, event, err);
	cJSON_Delete(event);
	return rc;
}

static int apply_event(struct release_state *st, const cJSON *event, bool fresh, struct error *err)
{
	struct op_ctx o;

	if (check_event(st, event, fresh, &o, err) != 0)
		return -1;
	apply(&o);
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

/* ---------- the derived view ---------- */

/* The "review" of a step or an item with a review role: the last verdict. */
static void add_review(cJSON *obj, const char *role, const char *by, const char *verdict, const char *note)
{
	cJSON *review = cJSON_AddObjectToObject(obj, "review");

	cJSON_AddStringToObject(review, "role", role);
	json_add_string_or_null(review, "by", by);
	json_add_string_or_null(review, "verdict", verdict);
	json_add_string_or_null(review, "note", note);
}

static cJSON *checklist_json(const struct checklist *list, bool current)
{
	cJSON *o = cJSON_CreateObject(), *items;
	struct checklist_counts counts;
	size_t i;

	checklist_count(list, &counts);
	cJSON_AddNumberToObject(o, "candidate", list->candidate);
	cJSON_AddNumberToObject(o, "total", (double)counts.total);
	cJSON_AddNumberToObject(o, "pass", (double)counts.pass);
	cJSON_AddNumberToObject(o, "fail", (double)counts.fail);
	cJSON_AddNumberToObject(o, "na", (double)counts.na);
	cJSON_AddNumberToObject(o, "unchecked", (double)counts.unchecked);
	if (current)
		cJSON_AddNumberToObject(o, "review_pending", (double)counts.review_pending);
	items = cJSON_AddArrayToObject(o, "items");
	for (i = 0; i < list->count; i++) {
		const struct check_item *it = &list->items[i];
		cJSON *io = cJSON_CreateObject();

		cJSON_AddStringToObject(io, "id", it->id);
		cJSON_AddStringToObject(io, "text", it->text);
		cJSON_AddBoolToObject(io, "evidence_required", it->evidence_required);
		json_add_string_or_null(io, "added_by", it->added_by);
		if (it->removed_by) {
			cJSON *removed = cJSON_AddObjectToObject(io, "removed");

			cJSON_AddStringToObject(removed, "by", it->removed_by);
			json_add_time_or_null(removed, "at", it->removed_at);
			json_add_string_or_null(removed, "reason", it->removed_reason);
		} else {
			cJSON_AddNullToObject(io, "removed");
		}
		json_add_string_or_null(io, "result", it->result);
		json_add_string_or_null(io, "by", it->by);
		json_add_time_or_null(io, "at", it->at);
		json_add_string_or_null(io, "note", it->note);
		cJSON_AddItemToObject(io, "evidence", cJSON_Duplicate(it->evidence, 1));
		json_add_string_or_null(io, "finding", it->finding);
		if (it->review)
			add_review(io, it->review, it->review_by, it->review_verdict, it->review_note);
		else
			cJSON_AddNullToObject(io, "review");
		cJSON_AddItemToArray(items, io);
	}
	return o;
}

/* A step's checklist in the view, with the earlier candidates' ones (only on steps that have one). */
static void write_checklist(const struct step_record *r, cJSON *step)
{
	cJSON *o, *earlier;
	size_t i;

	if (!ledger_has_checklist(r))
		return;
	o = checklist_json(&r->checklist, true);
	earlier = cJSON_AddArrayToObject(o, "earlier");
	for (i = 0; i < r->earlier_count; i++)
		cJSON_AddItemToArray(earlier, checklist_json(&r->earlier[i], false));
	cJSON_AddItemToObject(step, "checklist", o);
}

static void write_findings(const struct release_state *st, cJSON *arr)
{
	size_t i;

	for (i = 0; i < st->finding_count; i++) {
		const struct finding *f = &st->findings[i];
		cJSON *o = cJSON_CreateObject();
		char d[32];

		cJSON_AddStringToObject(o, "id", f->id);
		cJSON_AddStringToObject(o, "title", f->title);
		cJSON_AddStringToObject(o, "severity", f->severity);
		json_add_string_or_null(o, "step", f->step);
		cJSON_AddStringToObject(o, "by", f->by);
		json_add_time_or_null(o, "at", f->at);
		cJSON_AddNumberToObject(o, "candidate", f->candidate);
		cJSON_AddItemToObject(o, "evidence", cJSON_Duplicate(f->evidence, 1));
		if (f->estimate)
			cJSON_AddStringToObject(o, "estimate", duration_format(f->estimate, d, sizeof(d)));
		else
			cJSON_AddNullToObject(o, "estimate");
		json_add_string_or_null(o, "risk", f->risk);
		json_add_string_or_null(o, "impact", f->impact);
		cJSON_AddItemToObject(o, "notes", cJSON_Duplicate(f->notes, 1));
		cJSON_AddBoolToObject(o, "closed", f->closed);
		json_add_string_or_null(o, "closed_by", f->closed_by);
		if (f->item)
			cJSON_AddStringToObject(o, "item", f->item); /* only then: views of older releases stay as written */
		cJSON_AddItemToArray(arr, o);
	}
}

static void write_inputs_and_decisions(const struct release_state *st, cJSON *doc)
{
	cJSON *inputs = cJSON_AddArrayToObject(doc, "inputs"), *decisions = cJSON_AddArrayToObject(doc, "decisions");
	size_t i;

	for (i = 0; i < st->input_count; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "role", st->inputs[i].role);
		cJSON_AddStringToObject(o, "by", st->inputs[i].by);
		cJSON_AddStringToObject(o, "note", st->inputs[i].note);
		json_add_time_or_null(o, "at", st->inputs[i].at);
		cJSON_AddNumberToObject(o, "candidate", st->inputs[i].candidate);
		cJSON_AddItemToArray(inputs, o);
	}
	for (i = 0; i < st->decision_count; i++) {
		const struct decision_record *d = &st->decisions[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "decision", d->decision);
		cJSON_AddStringToObject(o, "by", d->by);
		cJSON_AddStringToObject(o, "reason", d->reason);
		json_add_string_or_null(o, "brief_hash", d->brief_hash);
		cJSON_AddBoolToObject(o, "forced", d->forced);
		json_add_time_or_null(o, "at", d->at);
		cJSON_AddNumberToObject(o, "candidate", d->candidate);
		cJSON_AddItemToArray(decisions, o);
	}
}

/*
 * A step's shadows, hand-over and due time in the view.  Each key is written
 * only when it says something, so that the views of ledgers written before
 * these existed are still their replay.
 */
static void write_step_delegation(const struct release_state *st, size_t i, cJSON *o)
{
	const struct step_record *r = &st->steps[i];

	if (cJSON_GetArraySize(r->shadows) > 0)
		cJSON_AddItemToObject(o, "shadows", cJSON_Duplicate(r->shadows, 1));
	if (cJSON_GetArraySize(r->shadowed) > 0)
		cJSON_AddItemToObject(o, "shadowed", cJSON_Duplicate(r->shadowed, 1));
	if (r->handover_to) {
		cJSON *h = cJSON_AddObjectToObject(o, "handover");

		cJSON_AddStringToObject(h, "from", r->handover_from);
		cJSON_AddStringToObject(h, "to", r->handover_to);
		cJSON_AddStringToObject(h, "note", r->handover_note);
		json_add_time_or_null(h, "at", r->handover_at);
	}
	if (st->pb->steps[i].due)
		json_add_time_or_null(o, "due_at", ledger_due_at(st, i));
}

/* The release-wide part, likewise only when it says something: rehearsal, target, who is away, reminders sent. */
static void write_delegation(const struct release_state *st, cJSON *doc)
{
	size_t i;

	if (st->rehearsal)
		cJSON_AddTrueToObject(doc, "rehearsal");
	if (st->target)
		json_add_time_or_null(doc, "target", st->target);
	if (st->away_count > 0) {
		cJSON *away = cJSON_AddObjectToObject(doc, "away");

		for (i = 0; i < st->away_count; i++) {
			cJSON *a = cJSON_AddObjectToObject(away, st->away[i].person);

			json_add_time_or_null(a, "since", st->away[i].since);
			json_add_time_or_null(a, "until", st->away[i].until);
		}
	}
	if (st->reminder_count > 0) {
		cJSON *reminders = cJSON_AddArrayToObject(doc, "reminders");

		for (i = 0; i < st->reminder_count; i++) {
			const struct reminder_record *r = &st->reminders[i];
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "kind", r->kind);
			json_add_string_or_null(o, "person", r->person);
			cJSON_AddItemToObject(o, "steps", cJSON_Duplicate(r->steps, 1));
			json_add_string_or_null(o, "message", r->message);
			json_add_string_or_null(o, "webhook_id", r->webhook_id);
			cJSON_AddStringToObject(o, "by", r->by);
			json_add_time_or_null(o, "at", r->at);
			cJSON_AddItemToArray(reminders, o);
		}
	}
}

void ledger_write_view(const struct release_state *st, cJSON *doc)
{
	ledger_write_view_parts(st, doc, true);
}

void ledger_write_view_parts(const struct release_state *st, cJSON *doc, bool with_steps)
{
	static const char *const keys[] = { "status", "candidate", "started", "started_by", "vars", "steps",
					    "rehearsal", "target", "away", "reminders",
					    "findings", "inputs", "decisions" };
	const struct playbook *pb = st->pb;
	cJSON *steps;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cJSON_DeleteItemFromObjectCaseSensitive(doc, keys[i]);
	cJSON_AddStringToObject(doc, "status", release_status_name(st->status));
	cJSON_AddNumberToObject(doc, "candidate", st->candidate);
	json_add_time_or_null(doc, "started", st->started_at);
	json_add_string_or_null(doc, "started_by", st->started_by);
	cJSON_AddItemToObject(doc, "vars", cJSON_Duplicate(st->vars, 1));
	if (with_steps) {
		steps = cJSON_AddObjectToObject(doc, "steps");
		for (i = 0; i < pb->step_count; i++)
			cJSON_AddItemToObject(steps, pb->steps[i].id, ledger_step_view(st, i));
	}
	write_findings(st, cJSON_AddArrayToObject(doc, "findings"));
	write_inputs_and_decisions(st, doc);
	write_delegation(st, doc);
}

cJSON *ledger_step_view(const struct release_state *st, size_t i)
{
	const struct playbook *pb = st->pb;
	{
		const struct step_record *r = &st->steps[i];
		const struct pb_step *s = &pb->steps[i];
		enum step_state state = r->base == STATE_READY ? (dependencies_met(st, i) ? STATE_READY : STATE_PENDING)
							      : r->base;
		cJSON *o = cJSON_CreateObject();

		/* The view has no clock: a wait step stays "claimed" with its opens_at. */
		cJSON_AddStringToObject(o, "state", step_state_name(state));
		cJSON_AddStringToObject(o, "phase", pb->phases[s->phase].id);
		cJSON_AddStringToObject(o, "owner", s->owner);
		json_add_string_or_null(o, "holder", r->holder);
		json_add_time_or_null(o, "ready_at", r->ready_at);
		json_add_time_or_null(o, "claimed_at", r->claimed_at);
		json_add_time_or_null(o, "done_at", r->done_at);
		json_add_string_or_null(o, "done_by", r->done_by);
		json_add_string_or_null(o, "note", r->note);
		cJSON_AddItemToObject(o, "evidence", cJSON_Duplicate(r->evidence, 1));
		json_add_string_or_null(o, "reason", r->reason);
		if (s->review)
			add_review(o, s->review, r->review_by, r->review_verdict, r->review_note);
		if (s->kind == STEP_WAIT)
			json_add_time_or_null(o, "opens_at", ledger_wait_opens(st, i));
		if (s->kind == STEP_HOOK) {
			if (r->hook)
				cJSON_AddItemToObject(o, "hook", cJSON_Duplicate(r->hook, 1));
			else
				cJSON_AddNullToObject(o, "hook");
		}
		write_checklist(r, o);
		cJSON_AddNumberToObject(o, "candidate", r->candidate);
		write_step_delegation(st, i, o);
		return o;
	}
}

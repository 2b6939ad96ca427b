/*
 * The derived part of a release document (status, candidate, vars, steps,
 * findings, inputs, decisions, delegation) and the release's entry in the
 * index: always what the replay gives, written by every commit and
 * compared by the judge.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brief.h"
#include "buf.h"
#include "checklist.h"
#include "json.h"
#include "ledger-delegation.h"
#include "ledger-private.h"
#include "ledger-view.h"
#include "util.h"

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
		if (it->owner)
			cJSON_AddStringToObject(io, "owner", it->owner);
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
/* The last result a step's run recorded (a hook's, a command's), null before the first. */
static void add_result_or_null(cJSON *o, const char *key, const cJSON *result)
{
	if (result)
		cJSON_AddItemToObject(o, key, cJSON_Duplicate(result, 1));
	else
		cJSON_AddNullToObject(o, key);
}

/* A check step's polls this round, the last one's result, and how it was finished. */
static void write_check(const struct step_record *r, cJSON *step)
{
	cJSON *check = cJSON_AddObjectToObject(step, "check");

	cJSON_AddNumberToObject(check, "polls", (double)r->poll_count);
	json_add_time_or_null(check, "first_poll_at", r->first_poll_at);
	json_add_time_or_null(check, "last_poll_at", r->last_poll_at);
	add_result_or_null(check, "last", r->poll);
	json_add_string_or_null(check, "finished", r->finished_how);
}

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
		if (s->review && s->review_count > 1) {
			/* Only a review of several approvals has them: a review of one writes today's view. */
			cJSON *review = cJSON_GetObjectItemCaseSensitive(o, "review");

			cJSON_AddNumberToObject(review, "count", (double)s->review_count);
			cJSON_AddItemToObject(review, "approvals",
					      r->approvals ? cJSON_Duplicate(r->approvals, 1) : cJSON_CreateArray());
		}
		if (s->kind == STEP_WAIT)
			json_add_time_or_null(o, "opens_at", ledger_wait_opens(st, i));
		if (s->kind == STEP_HOOK)
			add_result_or_null(o, "hook", r->hook);
		if (s->kind == STEP_COMMAND)
			add_result_or_null(o, "command", r->command);
		if (s->kind == STEP_CHECK)
			write_check(r, o);
		write_checklist(r, o);
		cJSON_AddNumberToObject(o, "candidate", r->candidate);
		write_step_delegation(st, i, o);
		return o;
	}
}

/*
 * The rules of a release, events in and state out: an event is decoded
 * (event.c), resolved against the state (its actor, its step), checked and
 * applied by its op's row, and the state settled (steps that became ready,
 * the release's status).  The CLI, sync's re-validation and verify all
 * come through here.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checklist.h"
#include "event.h"
#include "json.h"
#include "ledger-private.h"
#include "util.h"

struct release_state *ledger_planned(const struct playbook *pb)
{
	struct release_state *st = release_state_new(pb, "planned");
	size_t i;

	for (i = 0; i < pb->var_count; i++)
		cJSON_AddItemToObject(st->vars, pb->vars[i].name, var_default_json(&pb->vars[i]));
	skip_by_conditions(st, 0);
	return st;
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
		if (!ledger_finished(r->base))
			all = false;
	}
	if (st->status != RELEASE_ABORTED)
		st->status = all ? RELEASE_COMPLETE : RELEASE_OPEN;
	settle_times(st, when);
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
	if (ev->candidate != st->candidate) {
		char then[48], now[48];

		return error_set(err, EXIT_DATAERR,
				 "event %s (%s%s%s) was made for %s %s, but the release is at %s now; do it again if it still applies",
				 ev->id, ev->op, ev->step ? " " : "", or_empty(ev->step), st->version,
				 candidate_short(st->pb, ev->candidate, then, sizeof(then)),
				 candidate_short(st->pb, st->candidate, now, sizeof(now)));
	}
	o->actor = playbook_person(st->pb, ev->actor);
	if (o->actor == NULL)
		return error_set(err, EXIT_NOPERM, "\"%s\" is not a person of release %s's playbook", ev->actor, st->version);
	if (def->step == OP_STEP) {
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
	if (def->check(o, err) != 0)
		return -1;
	/*
	 * Its time last, so that a refusal by the op's own rule (held by someone
	 * else) is the one said; accepted history was judged when it arrived.
	 */
	return fresh ? check_time(o, def, err) : 0;
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
	char *holder;

	if (event_decode_of(event, st->version, &ev, err) != 0 || check_event(st, &ev, fresh, &o, err) != 0)
		return -1;
	holder = o.rec && o.rec->holder ? xstrdup(o.rec->holder) : NULL;
	op_find(ev.op)->apply(&o);
	if (o.rec) {
		/* A new holder is a change its next events depend on, like a change of state (settle_times). */
		if ((holder == NULL) != (o.rec->holder == NULL) || (holder && strcmp(holder, o.rec->holder) != 0))
			o.rec->since = o.when;
		o.rec->changed_at = o.when;
		o.rec->candidate = st->candidate;
		o.rec->event_count++;
	}
	free(holder);
	st->event_count++;
	st->updated_at = o.when;
	settle(st, o.when);
	return 0;
}

/* A notice of kind about step for notices. */
static cJSON *notice_add(cJSON *notices, const struct release_state *st, const char *kind, const struct pb_step *step)
{
	cJSON *n = cJSON_CreateObject();

	cJSON_AddStringToObject(n, "kind", kind);
	cJSON_AddStringToObject(n, "release", st->version);
	cJSON_AddStringToObject(n, "step", step->id);
	cJSON_AddItemToArray(notices, n);
	return n;
}

/*
 * News the people who decide must hear (and the release managers): a finding
 * of the playbook's most severe kind (reported, or opened by a failed item),
 * and a decision that did not simply go on: a delay, an abort, a forced one.
 * The notice is about the gate (the one the decision was made at; for a
 * finding, the first).
 */
static void notify_gate_news(const struct release_state *st, const struct event *ev, cJSON *notices)
{
	const struct pb_step *gate = NULL;
	cJSON *n;

	if ((strcmp(ev->op, "finding-add") == 0 || (strcmp(ev->op, "check") == 0 && ev->finding)) && ev->severity &&
	    finding_severity_rank(st->pb, ev->severity) == 0) {
		const struct finding *f = ledger_finding(st, ev->finding);

		gate = ledger_decision_step(st);
		if (gate == NULL || f == NULL)
			return;
		n = notice_add(notices, st, "finding", gate);
		cJSON_AddStringToObject(n, "finding", f->id);
		cJSON_AddStringToObject(n, "severity", f->severity);
		cJSON_AddStringToObject(n, "title", f->title ? f->title : "");
		cJSON_AddStringToObject(n, "by", ev->actor);
	} else if (strcmp(ev->op, "decide") == 0 && (strcmp(ev->decision, "ship") != 0 || ev->forced)) {
		char *summary = NULL;
		struct buf message;

		gate = ledger_gate_of(st, ev->step);
		if (gate == NULL)
			return;
		buf_init(&message);
		ledger_event_message(st, ev, &message, &summary);
		n = notice_add(notices, st, "decided", gate);
		cJSON_AddStringToObject(n, "decision", ev->decision);
		cJSON_AddStringToObject(n, "summary", summary);
		cJSON_AddStringToObject(n, "reason", ev->reason ? ev->reason : "");
		cJSON_AddBoolToObject(n, "forced", ev->forced);
		free(summary);
		buf_release(&message);
	}
}

int ledger_apply_notify(struct release_state *st, const cJSON *event, time_t now, cJSON *notices, struct error *err)
{
	bool *was_ready = xcalloc(st->pb->step_count + 1, sizeof(*was_ready));
	struct event ev;
	size_t i;
	int rc;

	for (i = 0; i < st->pb->step_count; i++)
		was_ready[i] = st->event_count > 0 && ledger_step_state(st, i, now) == STATE_READY;
	rc = ledger_apply_new(st, event, err);
	if (rc == 0 && notices) {
		/* Work sent back goes to whoever did it, and the release managers hear of it. */
		if (event_decode_of(event, st->version, &ev, err) != 0) {
			/* Applied, so it decodes: nothing more to tell if it somehow does not. */
		} else if (strcmp(ev.op, "review") == 0 && strcmp(ev.verdict, "reject") == 0) {
			const struct pb_step *step = playbook_step(st->pb, ev.step);
			const struct step_record *r = &st->steps[step->index];
			const struct check_item *it = ev.item ? checklist_item(&r->checklist, ev.item) : NULL;
			cJSON *n = notice_add(notices, st, "rejected", step);

			if (it)
				cJSON_AddStringToObject(n, "item", it->id);
			json_add_string_or_null(n, "person", it && it->by ? it->by : r->holder ? r->holder : r->done_by);
			cJSON_AddStringToObject(n, "by", ev.actor);
			cJSON_AddStringToObject(n, "note", ev.note ? ev.note : "");
		} else {
			notify_gate_news(st, &ev, notices);
		}
		/* Then what it caused: the brief asks a decision's owner; the ready steps' people are told who can take them. */
		for (i = 0; i < st->pb->step_count; i++)
			if (!was_ready[i] && ledger_step_state(st, i, now) == STATE_READY &&
			    st->pb->steps[i].kind != STEP_DECISION)
				cJSON_AddStringToObject(notice_add(notices, st, "ready", &st->pb->steps[i]), "role",
							st->pb->steps[i].owner);
	}
	free(was_ready);
	return rc;
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
			char *advice = strstr(inner.message, "; ");

			/* The rule's advice ('relctl assign ...') was for that event's actor, not for whoever reads it now. */
			if (advice && strstr(advice, "'relctl "))
				*advice = '\0';
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

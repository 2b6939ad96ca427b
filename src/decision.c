/*
 * The decision part of the rules: findings (reported, estimated, closed),
 * the inputs each decision step (gate) asks of roles, and the decisions
 * themselves (ship, delay, abort), each at its gate, with a delay's new
 * candidate.  Part of the rules:
 * see ledger.h and ledger-private.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brief.h"
#include "buf.h"
#include "json.h"
#include "ledger-private.h"
#include "util.h"

/* ---------- findings, inputs, decisions ---------- */

int check_finding_add(struct op_ctx *o, struct error *err)
{
	const char *id = o->ev->finding, *title = o->ev->title;
	const char *severity = o->ev->severity, *step = o->ev->finding_step;

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

void apply_finding_add(struct op_ctx *o)
{
	finding_new(o, o->ev->finding, o->ev->title,
		    o->ev->severity, o->ev->finding_step);
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

int check_finding_update(struct op_ctx *o, struct error *err)
{
	const char *id = o->ev->finding, *risk = o->ev->risk;
	const char *estimate = o->ev->estimate;
	const struct finding *f = id ? ledger_finding(o->st, id) : NULL;
	bool close = o->ev->close;
	const struct pb_findings *rules = &o->st->pb->findings;
	long seconds;

	if (f == NULL)
		return error_set(err, EXIT_USAGE, "release %s has no finding \"%s\"; 'relctl finding list' shows them",
				 o->st->version, id ? id : "");
	if ((estimate || risk) && !person_has_any_role(o->actor, &rules->estimate_by))
		return refuse_finding_role(o, "estimate or risk", &rules->estimate_by, err);
	if (o->ev->impact && !person_has_any_role(o->actor, &rules->impact_by))
		return refuse_finding_role(o, "customer impact", &rules->impact_by, err);
	if (estimate && duration_parse(estimate, &seconds) != 0)
		return error_set(err, EXIT_USAGE, "bad estimate \"%s\": write a duration like 4h or 2d", estimate);
	if (risk && strcmp(risk, "low") && strcmp(risk, "medium") && strcmp(risk, "high"))
		return error_set(err, EXIT_USAGE, "a finding's --risk is low, medium or high");
	if (close && f->closed)
		return error_set(err, EXIT_DATAERR, "finding %s is already closed", f->id);
	if (close && strcmp(f->by, o->actor->id) && !person_has_any_role(o->actor, &rules->estimate_by) &&
	    !ledger_is_manager(o->actor))
		return refuse_finding_close(o, f, err);
	return 0;
}

void apply_finding_update(struct op_ctx *o)
{
	struct finding *f = (struct finding *)ledger_finding(o->st, o->ev->finding);
	const char *estimate = o->ev->estimate, *note = o->ev->note;
	char t[32];

	if (estimate)
		duration_parse(estimate, &f->estimate);
	if (o->ev->risk)
		replace(&f->risk, o->ev->risk);
	if (o->ev->impact)
		replace(&f->impact, o->ev->impact);
	if (note) {
		cJSON *n = cJSON_CreateObject();

		cJSON_AddStringToObject(n, "by", o->actor->id);
		cJSON_AddStringToObject(n, "at", time_format(o->when, t, sizeof(t)));
		cJSON_AddStringToObject(n, "note", note);
		cJSON_AddItemToArray(f->notes, n);
	}
	if (o->ev->close) {
		f->closed = true;
		replace(&f->closed_by, o->actor->id);
	}
}

/* The gate a decide or input event names (ledger_gate_of), or why none. */
static const struct pb_step *event_gate(const struct op_ctx *o, struct error *err)
{
	const struct pb_step *gate = ledger_gate_of(o->st, o->ev->step);

	if (gate)
		return gate;
	if (o->ev->step)
		error_set(err, EXIT_USAGE, "release %s has no decision step \"%s\"", o->st->version, o->ev->step);
	else if (ledger_gate_count(o->st->pb) == 0)
		error_set(err, EXIT_DATAERR, "release %s's playbook has no decision step", o->st->version);
	else
		error_set(err, EXIT_DATAERR, "event %s (%s) names no decision step, and release %s has several", o->ev->id,
			  o->ev->op, o->st->version);
	return NULL;
}

int check_input(struct op_ctx *o, struct error *err)
{
	const char *role = o->ev->role, *note = o->ev->note;

	if (event_gate(o, err) == NULL)
		return -1;
	if (note == NULL || note[0] == '\0')
		return error_set(err, EXIT_USAGE, "an input needs --note TEXT: what your team knows that bears on the decision");
	if (role == NULL || !playbook_has_role(o->st->pb, role))
		return error_set(err, EXIT_USAGE, "an input is given for one of your roles");
	if (!person_has_role(o->actor, role))
		return error_set(err, EXIT_NOPERM, "%s does not hold the role %s, so cannot give its input", o->actor->id,
				 role);
	return 0;
}

void apply_input(struct op_ctx *o)
{
	struct release_state *st = o->st;
	struct input_record *in;

	st->inputs = xrealloc(st->inputs, (st->input_count + 1) * sizeof(*st->inputs));
	in = &st->inputs[st->input_count++];
	in->gate = ledger_gate_of(st, o->ev->step);
	in->role = xstrdup(o->ev->role);
	in->by = xstrdup(o->actor->id);
	in->note = xstrdup(o->ev->note);
	in->at = o->when;
	in->candidate = st->candidate;
}

int check_decide(struct op_ctx *o, struct error *err)
{
	const char *decision = o->ev->decision;
	const struct pb_step *step;
	bool forced = o->ev->forced;
	struct buf missing;
	char cand[48];
	const char **lacking;
	size_t i, count;
	int rc = 0;

	if (decision == NULL || (strcmp(decision, "ship") && strcmp(decision, "delay") && strcmp(decision, "abort")))
		return error_set(err, EXIT_USAGE, "the decision is ship, delay or abort");
	if (require_reason(o, err) == NULL)
		return -1;
	if ((step = event_gate(o, err)) == NULL)
		return -1;
	if (!person_has_role(o->actor, step->owner))
		return error_set(err, EXIT_NOPERM, "%s cannot decide%s%s: only a %s can; give your input with 'relctl input --note TEXT'",
				 o->actor->id, o->ev->step ? " " : "", or_empty(o->ev->step), step->owner);
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

		if (o->ev->brief_hash == NULL)
			return error_set(err, EXIT_DATAERR, "a decision carries the hash of the brief it was made on, and this one has none");
		if (brief_state_hash(o->st, step, hash) != 0)
			return error_set(err, EXIT_SOFTWARE, "cannot hash the brief");
		if (strcmp(hash, o->ev->brief_hash) != 0)
			return error_set(err, EXIT_TEMPFAIL,
					 "the brief of %s%s%s changed since this clone last showed it (new findings, inputs or results from your team); read 'relctl brief%s%s' again, then decide",
					 o->st->version, o->ev->step ? " at " : "", or_empty(o->ev->step),
					 o->ev->step ? " --step " : "", or_empty(o->ev->step));
	}
	buf_init(&missing);
	lacking = xcalloc(step->inputs.count + 1, sizeof(*lacking));
	count = ledger_missing_inputs(o->st, step, lacking);
	for (i = 0; i < count; i++)
		buf_addf(&missing, "%s%s", missing.len ? ", " : "", lacking[i]);
	free(lacking);
	if (missing.len && !forced && strcmp(decision, "abort") != 0)
		rc = error_set(err, EXIT_DATAERR,
			       "the decision still needs input from %s ('relctl input --note TEXT' by someone of that role), or decide with --force",
			       missing.data);
	buf_release(&missing);
	return rc;
}

void apply_decide(struct op_ctx *o)
{
	struct release_state *st = o->st;
	const char *decision = o->ev->decision;
	const struct pb_step *step = ledger_gate_of(st, o->ev->step);
	struct decision_record *d;
	size_t i;

	st->decisions = xrealloc(st->decisions, (st->decision_count + 1) * sizeof(*st->decisions));
	d = &st->decisions[st->decision_count++];
	d->gate = step;
	d->decision = xstrdup(decision);
	d->by = xstrdup(o->actor->id);
	d->reason = xstrdup(o->ev->reason);
	d->brief_hash = o->ev->brief_hash ? xstrdup(o->ev->brief_hash) : NULL;
	d->forced = o->ev->forced;
	d->at = o->when;
	d->candidate = st->candidate;
	o->rec = &st->steps[step->index];
	if (strcmp(decision, "ship") == 0) {
		o->rec->base = STATE_DONE;
		replace(&o->rec->done_by, o->actor->id);
		replace(&o->rec->note, o->ev->reason);
		o->rec->done_at = o->when;
	} else if (strcmp(decision, "abort") == 0) {
		st->status = RELEASE_ABORTED;
		replace(&o->rec->reason, o->ev->reason);
	} else {
		/* The next candidate: the listed steps start again; their history stays in the events. */
		st->candidate++;
		for (i = 0; i < step->on_delay.count; i++) {
			const struct pb_step *s = playbook_step(st->pb, step->on_delay.items[i]);

			if (!ledger_delay_reopens(st, step, s))
				continue;
			record_clear_work(&st->steps[s->index]);
			checklist_restart(st, &st->steps[s->index]);
			st->steps[s->index].base = STATE_READY;
			replace(&st->steps[s->index].reason, NULL);
			st->steps[s->index].candidate = st->candidate;
			st->steps[s->index].changed_at = o->when;
		}
		replace(&o->rec->reason, o->ev->reason);
	}
}

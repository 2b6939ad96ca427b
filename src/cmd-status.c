/* relctl status [VERSION] [--json]: per phase progress, every step's state, owner and age. */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "checklist.h"
#include "json.h"
#include "ledger-delegation.h"
#include "relctl.h"
#include "session.h"
#include "util.h"

static const struct option_spec options[] = {
	OPTION_JSON,
	OPTION_RELEASE,
	OPTION_END,
};

static time_t step_since(const struct step_record *r, enum step_state state)
{
	if (state == STATE_DONE || state == STATE_IN_REVIEW)
		return r->done_at;
	if (state == STATE_CLAIMED || state == STATE_WAITING)
		return r->claimed_at;
	if (state == STATE_READY)
		return r->ready_at;
	return r->changed_at;
}

/* A step's checklist progress for status --json: {total, checked, pass, fail, na}. */
static void add_progress(cJSON *step, const struct step_record *r)
{
	struct checklist_counts c;
	cJSON *o;

	if (r->checklist.count == 0)
		return;
	checklist_count(&r->checklist, &c);
	o = cJSON_AddObjectToObject(step, "checklist");
	cJSON_AddNumberToObject(o, "total", (double)c.total);
	cJSON_AddNumberToObject(o, "checked", (double)(c.total - c.unchecked));
	cJSON_AddNumberToObject(o, "pass", (double)c.pass);
	cJSON_AddNumberToObject(o, "fail", (double)c.fail);
	cJSON_AddNumberToObject(o, "na", (double)c.na);
}

static cJSON *status_json(const struct release *rel, time_t now)
{
	const struct release_state *st = rel->st;
	const struct playbook *pb = rel->pb;
	cJSON *root = cJSON_CreateObject(), *phases;
	char t[32];
	size_t p, i;

	cJSON_AddStringToObject(root, "version", st->version);
	cJSON_AddStringToObject(root, "playbook", pb->name);
	cJSON_AddStringToObject(root, "status", release_status_name(st->status));
	cJSON_AddNumberToObject(root, "candidate", st->candidate);
	cJSON_AddStringToObject(root, "started", time_format(st->started_at, t, sizeof(t)));
	cJSON_AddStringToObject(root, "started_by", st->started_by);
	cJSON_AddStringToObject(root, "now", time_format(now, t, sizeof(t)));
	cJSON_AddBoolToObject(root, "rehearsal", st->rehearsal);
	json_add_time_or_null(root, "target", st->target);
	phases = cJSON_AddArrayToObject(root, "phases");
	for (p = 0; p < pb->phase_count; p++) {
		const struct pb_phase *ph = &pb->phases[p];
		cJSON *po = cJSON_CreateObject(), *steps;
		size_t finished = 0;

		cJSON_AddStringToObject(po, "id", ph->id);
		cJSON_AddStringToObject(po, "title", ph->title ? ph->title : ph->id);
		cJSON_AddBoolToObject(po, "open", ledger_phase_open(st, p));
		steps = cJSON_AddArrayToObject(po, "steps");
		for (i = 0; i < ph->step_count; i++) {
			size_t k = ph->first_step + i;
			const struct pb_step *s = &pb->steps[k];
			const struct step_record *r = &st->steps[k];
			enum step_state state = ledger_step_state(st, k, now);
			time_t since = step_since(r, state);
			cJSON *so = cJSON_CreateObject();

			if (ledger_finished(state))
				finished++;
			cJSON_AddStringToObject(so, "id", s->id);
			cJSON_AddStringToObject(so, "title", s->title);
			cJSON_AddStringToObject(so, "state", step_state_name(state));
			cJSON_AddStringToObject(so, "owner", s->owner);
			if (r->holder)
				cJSON_AddStringToObject(so, "holder", r->holder);
			else
				cJSON_AddNullToObject(so, "holder");
			if (since)
				cJSON_AddStringToObject(so, "since", time_format(since, t, sizeof(t)));
			else
				cJSON_AddNullToObject(so, "since");
			cJSON_AddNumberToObject(so, "age_seconds", since ? (double)(now - since) : 0);
			if (r->reason && (state == STATE_BLOCKED || state == STATE_SKIPPED))
				cJSON_AddStringToObject(so, "reason", r->reason);
			if (state == STATE_WAITING)
				cJSON_AddStringToObject(so, "opens_at",
							time_format(ledger_wait_opens(st, k), t, sizeof(t)));
			if (s->due)
				json_add_time_or_null(so, "due_at", ledger_due_at(st, k));
			cJSON_AddNumberToObject(so, "overdue_seconds", (double)ledger_overdue(st, k, now));
			if (ledger_approvals(st, k, t, sizeof(t)))
				cJSON_AddStringToObject(so, "approvals", t);
			add_progress(so, r);
			cJSON_AddItemToArray(steps, so);
		}
		cJSON_AddNumberToObject(po, "finished", (double)finished);
		cJSON_AddNumberToObject(po, "total", (double)ph->step_count);
		cJSON_AddItemToArray(phases, po);
	}
	return root;
}

static void status_text(struct cmd_ctx *ctx, const struct release *rel, time_t now)
{
	const struct release_state *st = rel->st;
	const struct playbook *pb = rel->pb;
	FILE *out = ctx->out;
	char age[48], t[32], candidate[48];
	size_t p, i;
	int id_width = 24, who_width = 16; /* at least; wider when a step id, role or person is longer */

	for (i = 0; i < pb->step_count; i++) {
		const struct step_record *r = &st->steps[i];
		const char *who = r->holder ? r->holder : r->done_by ? r->done_by : pb->steps[i].owner;

		if ((int)strlen(pb->steps[i].id) > id_width)
			id_width = (int)strlen(pb->steps[i].id);
		if ((int)strlen(who) > who_width)
			who_width = (int)strlen(who);
	}
	fprintf(out, "%s%s%s %s%s  %s  %s  started %s by %s\n", color(ctx, C_BOLD), st->rehearsal ? "REHEARSAL " : "",
		pb->name, st->version, color(ctx, C_RESET), candidate_short(pb, st->candidate, candidate, sizeof(candidate)),
		release_status_name(st->status),
		age_format(st->started_at, now, age, sizeof(age)), st->started_by);
	if (st->target)
		fprintf(out, "target: %s (%s)\n", time_format(st->target, t, sizeof(t)), age_format(st->target, now, age, sizeof(age)));
	for (p = 0; p < pb->phase_count; p++) {
		const struct pb_phase *ph = &pb->phases[p];
		size_t finished = 0;

		for (i = 0; i < ph->step_count; i++)
			if (ledger_finished(st->steps[ph->first_step + i].base))
				finished++;
		fprintf(out, "\n%sPhase %zu/%zu %s%s%s%s  %zu/%zu finished%s\n", color(ctx, C_BOLD), p + 1,
			pb->phase_count, ph->id, ph->title ? ": " : "", ph->title ? ph->title : "", color(ctx, C_RESET),
			finished, ph->step_count, ledger_phase_open(st, p) ? "" : "  (not started)");
		for (i = 0; i < ph->step_count; i++) {
			size_t k = ph->first_step + i;
			const struct step_record *r = &st->steps[k];
			enum step_state state = ledger_step_state(st, k, now);
			time_t since = step_since(r, state);
			const char *sep = " "; /* between the notes after the age: "0/24 checked, overdue by 1d2h" */

			fprintf(out, "  %-*s %s%-10s%s %-*s %-10s", id_width, pb->steps[k].id, cmd_state_color(ctx, state),
				step_state_name(state), color(ctx, C_RESET), who_width,
				r->holder ? r->holder : r->done_by ? r->done_by : pb->steps[k].owner,
				since ? age_format(since, now, age, sizeof(age)) : "");
			if (state == STATE_WAITING) {
				fprintf(out, "%sopens %s", sep, time_format(ledger_wait_opens(st, k), t, sizeof(t)));
				sep = ", ";
			}
			if (r->checklist.count && state != STATE_SKIPPED) {
				struct checklist_counts c;

				checklist_count(&r->checklist, &c);
				fprintf(out, "%s%zu/%zu checked", sep, c.total - c.unchecked, c.total);
				if (c.fail)
					fprintf(out, ", %s%zu fail%s", color(ctx, C_RED), c.fail, color(ctx, C_RESET));
				sep = ", ";
			}
			if (state == STATE_IN_REVIEW && ledger_approvals(st, k, t, sizeof(t))) {
				fprintf(out, "%s%s", sep, t);
				sep = ", ";
			}
			if ((state == STATE_BLOCKED || state == STATE_SKIPPED) && r->reason) {
				fprintf(out, "%s%s", sep, cmd_line(ctx, r->reason));
				sep = ", ";
			}
			if (ledger_overdue(st, k, now) > 0)
				fprintf(out, "%s%soverdue by %s%s", sep, color(ctx, C_RED),
					duration_format(ledger_overdue(st, k, now), t, sizeof(t)), color(ctx, C_RESET));
			fprintf(out, "\n");
		}
	}
}

static int status_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;

	cmd_note_freshness(ctx, s);
	if (args_flag(&ctx->args, "json")) {
		cJSON *json = status_json(rel, s->now);

		cmd_print_json(ctx, json);
		cJSON_Delete(json);
	} else {
		status_text(ctx, rel, s->now);
	}
	return 0;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "[VERSION] [--json]",
	.summary = "every step's state, owner and age, phase by phase",
	.help = "The owner column shows who holds a step, or its owner role while nobody does.",
	.options = options,
	.min_args = 0,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = status_exec,
};

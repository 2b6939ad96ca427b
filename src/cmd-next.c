/*
 * relctl next [VERSION] [--all] [--json]: what should happen now, and who
 * does it, in one screen.  For everyone: the steps they hold, the steps
 * they can claim, reviews waiting for them, and what their next steps wait
 * for.  For the release manager (or with --all): ready steps nobody has
 * claimed, idle claims, blocks, waits, and the critical path by estimates.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cJSON.h"
#include "relctl.h"
#include "schedule.h"
#include "session.h"
#include "util.h"

#define IDLE_AFTER (24 * 3600)

static const struct option_spec options[] = {
	{ "all", OPT_FLAG, NULL, "show the release manager's view whoever you are" },
	OPTION_JSON,
	OPTION_RELEASE,
	OPTION_END,
};

struct view {
	struct cmd_ctx *ctx;
	const struct release_state *st;
	const struct playbook *pb;
	const struct pb_person *me;
	time_t now;
	cJSON *json;
};

static cJSON *step_item(const struct view *v, size_t k)
{
	const struct pb_step *s = &v->pb->steps[k];
	const struct step_record *r = &v->st->steps[k];
	enum step_state state = ledger_step_state(v->st, k, v->now);
	cJSON *o = cJSON_CreateObject();
	char t[32];

	cJSON_AddStringToObject(o, "id", s->id);
	cJSON_AddStringToObject(o, "title", s->title);
	cJSON_AddStringToObject(o, "state", step_state_name(state));
	cJSON_AddStringToObject(o, "owner", s->owner);
	if (r->holder)
		cJSON_AddStringToObject(o, "holder", r->holder);
	if (r->claimed_at && r->holder)
		cJSON_AddStringToObject(o, "claimed_at", time_format(r->claimed_at, t, sizeof(t)));
	if (state == STATE_WAITING)
		cJSON_AddStringToObject(o, "opens_at", time_format(ledger_wait_opens(v->st, k), t, sizeof(t)));
	if (r->reason && state == STATE_BLOCKED)
		cJSON_AddStringToObject(o, "reason", r->reason);
	if (s->estimate)
		cJSON_AddNumberToObject(o, "estimate_seconds", (double)s->estimate);
	if (r->checklist.count) {
		struct checklist_counts c;
		cJSON *progress = cJSON_AddObjectToObject(o, "checklist");

		checklist_count(&r->checklist, &c);
		cJSON_AddNumberToObject(progress, "total", (double)c.total);
		cJSON_AddNumberToObject(progress, "checked", (double)(c.total - c.unchecked));
		cJSON_AddNumberToObject(progress, "fail", (double)c.fail);
	}
	return o;
}

/* The first item of a held step that a reviewer sent back, or NULL. */
static const struct check_item *sent_back(const struct step_record *r)
{
	size_t i;

	for (i = 0; i < r->checklist.count; i++)
		if (r->checklist.items[i].result == NULL && r->checklist.items[i].review_verdict &&
		    strcmp(r->checklist.items[i].review_verdict, "reject") == 0)
			return &r->checklist.items[i];
	return NULL;
}

/* The steps a pending step still waits for, with their holders. */
static char *waits_for(const struct view *v, size_t k)
{
	const struct pb_step *s = &v->pb->steps[k];
	struct buf b;
	size_t i;

	buf_init(&b);
	if (!ledger_phase_open(v->st, s->phase)) {
		buf_addf(&b, "phase %s", v->pb->phases[ledger_current_phase(v->st)].id);
		return buf_detach(&b);
	}
	for (i = 0; i < s->needs.count; i++) {
		const struct pb_step *dep = playbook_step(v->pb, s->needs.items[i]);
		const struct step_record *r;
		enum step_state state;

		if (dep == NULL)
			continue;
		r = &v->st->steps[dep->index];
		state = ledger_step_state(v->st, dep->index, v->now);
		if (state == STATE_DONE || state == STATE_SKIPPED)
			continue;
		buf_addf(&b, "%s%s (%s%s%s)", b.len ? ", " : "", dep->id, step_state_name(state),
			 r->holder ? ", " : "", r->holder ? r->holder : "");
	}
	return buf_detach(&b);
}

static void heading(const struct view *v, const char *text)
{
	if (!v->json)
		fprintf(v->ctx->out, "\n%s%s%s\n", color(v->ctx, C_BOLD), text, color(v->ctx, C_RESET));
}

/* Whether the ledger's rules let me do op on step now (verdict: a review's). */
static bool may(const struct view *v, const char *op, const char *step, const char *verdict)
{
	cJSON *fields = cJSON_CreateObject();
	struct error ignored;
	bool ok;

	if (verdict)
		cJSON_AddStringToObject(fields, "verdict", verdict);
	ok = ledger_may(v->st, v->me->id, op, step, fields, v->now, &ignored) == 0;
	cJSON_Delete(fields);
	return ok;
}

static void line(const struct view *v, size_t k, const char *detail)
{
	const struct pb_step *s = &v->pb->steps[k];
	enum step_state state = ledger_step_state(v->st, k, v->now);

	fprintf(v->ctx->out, "  %-24s %s%-10s%s %s\n", s->id, cmd_state_color(v->ctx, state), step_state_name(state),
		color(v->ctx, C_RESET), cmd_line(v->ctx, detail));
}

/* The items of a step in review whose result I may review, under "You can review". */
static void review_items(struct view *v, size_t k, cJSON *json, size_t *shown)
{
	const struct pb_step *s = &v->pb->steps[k];
	const struct checklist *list = &v->st->steps[k].checklist;
	char detail[512];
	size_t i;

	for (i = 0; i < list->count; i++) {
		const struct check_item *it = &list->items[i];
		cJSON *fields;
		struct error ignored;
		int rc;

		if (it->removed_by || it->review == NULL || (it->review_verdict && strcmp(it->review_verdict, "approve") == 0))
			continue;
		fields = cJSON_CreateObject();
		cJSON_AddStringToObject(fields, "verdict", "approve");
		cJSON_AddStringToObject(fields, "item", it->id);
		rc = ledger_may(v->st, v->me->id, "review", s->id, fields, v->now, &ignored);
		cJSON_Delete(fields);
		if (rc != 0)
			continue;
		if ((*shown)++ == 0)
			heading(v, "You can review");
		if (json) {
			cJSON *o = step_item(v, k);

			cJSON_AddStringToObject(o, "item", it->id);
			cJSON_AddStringToObject(o, "item_text", it->text);
			cJSON_AddItemToArray(json, o);
			continue;
		}
		snprintf(detail, sizeof(detail), "item %s (%s by %s) -> relctl review %s approve|reject --item %s", it->id,
			 it->result ? it->result : "?", it->by ? it->by : "?", s->id, it->id);
		line(v, k, detail);
	}
}

/* The caller's own work. */
static void mine(struct view *v)
{
	cJSON *hold = NULL, *claim = NULL, *review = NULL, *waiting = NULL;
	struct checklist_counts counts;
	const struct check_item *back;
	size_t k, shown = 0;
	char t[32], detail[512];

	if (v->json) {
		hold = cJSON_AddArrayToObject(v->json, "hold");
		claim = cJSON_AddArrayToObject(v->json, "can_claim");
		review = cJSON_AddArrayToObject(v->json, "can_review");
		waiting = cJSON_AddArrayToObject(v->json, "waiting");
	}
	heading(v, "You hold");
	for (k = 0; k < v->pb->step_count; k++) {
		const struct step_record *r = &v->st->steps[k];
		const struct pb_step *s = &v->pb->steps[k];
		enum step_state state = ledger_step_state(v->st, k, v->now);

		if (r->holder == NULL || strcmp(r->holder, v->me->id) || (state != STATE_CLAIMED && state != STATE_WAITING &&
									   state != STATE_BLOCKED))
			continue;
		shown++;
		if (hold) {
			cJSON_AddItemToArray(hold, step_item(v, k));
			continue;
		}
		back = sent_back(r);
		checklist_count(&r->checklist, &counts);
		if (state == STATE_WAITING)
			snprintf(detail, sizeof(detail), "%s; can be done from %s", s->title,
				 time_format(ledger_wait_opens(v->st, k), t, sizeof(t)));
		else if (state == STATE_BLOCKED)
			snprintf(detail, sizeof(detail), "%s; blocked: %s -> relctl unblock %s", s->title,
				 r->reason ? r->reason : "", s->id);
		else if (r->review_verdict && strcmp(r->review_verdict, "reject") == 0)
			snprintf(detail, sizeof(detail), "%s; sent back by %s: %s", s->title, r->review_by,
				 r->review_note ? r->review_note : "");
		else if (back)
			snprintf(detail, sizeof(detail), "item %s sent back by %s: %s -> relctl check %s %s pass|fail|na",
				 back->id, back->review_by, back->review_note, s->id, back->id);
		else if (counts.unchecked)
			snprintf(detail, sizeof(detail), "%s; %zu/%zu checked -> relctl check %s ITEM pass|fail|na", s->title,
				 counts.total - counts.unchecked, counts.total, s->id);
		else
			snprintf(detail, sizeof(detail), "%s -> relctl %s %s%s", s->title,
				 s->kind == STEP_HOOK ? "run" : "done", s->id,
				 s->evidence_required ? " --evidence URL" : "");
		line(v, k, detail);
	}
	if (shown == 0 && !v->json)
		fprintf(v->ctx->out, "  nothing\n");
	shown = 0;
	heading(v, "You can claim");
	for (k = 0; k < v->pb->step_count; k++) {
		const struct pb_step *s = &v->pb->steps[k];

		if (ledger_step_state(v->st, k, v->now) != STATE_READY || !may(v, "claim", s->id, NULL))
			continue;
		shown++;
		if (claim) {
			cJSON_AddItemToArray(claim, step_item(v, k));
			continue;
		}
		snprintf(detail, sizeof(detail), "%s -> relctl claim %s", s->title, s->id);
		line(v, k, detail);
	}
	if (shown == 0 && !v->json)
		fprintf(v->ctx->out, "  nothing right now\n");
	for (k = 0, shown = 0; k < v->pb->step_count; k++) {
		const struct pb_step *s = &v->pb->steps[k];
		const struct step_record *r = &v->st->steps[k];

		if (r->base != STATE_IN_REVIEW)
			continue;
		review_items(v, k, review, &shown);
		if (!may(v, "review", s->id, "approve"))
			continue;
		if (shown++ == 0)
			heading(v, "You can review");
		if (review) {
			cJSON_AddItemToArray(review, step_item(v, k));
			continue;
		}
		snprintf(detail, sizeof(detail), "done by %s -> relctl review %s approve|reject --note TEXT",
			 r->done_by ? r->done_by : "?", s->id);
		line(v, k, detail);
	}
	for (k = 0, shown = 0; k < v->pb->step_count; k++) {
		const struct pb_step *s = &v->pb->steps[k];
		char *why;

		if (ledger_step_state(v->st, k, v->now) != STATE_PENDING || !person_has_role(v->me, s->owner) ||
		    s->phase > ledger_current_phase(v->st))
			continue;
		why = waits_for(v, k);
		if (shown++ == 0)
			heading(v, "Your next steps wait for");
		if (waiting) {
			cJSON *o = step_item(v, k);

			cJSON_AddStringToObject(o, "waits_for", why);
			cJSON_AddItemToArray(waiting, o);
		} else {
			line(v, k, why);
		}
		free(why);
	}
}

static void decision(struct view *v)
{
	size_t k;

	for (k = 0; k < v->pb->step_count; k++) {
		const struct pb_step *s = &v->pb->steps[k];

		if (s->kind != STEP_DECISION || ledger_step_state(v->st, k, v->now) != STATE_READY)
			continue;
		if (v->json) {
			cJSON *missing = cJSON_CreateArray();
			size_t i;

			for (i = 0; i < s->inputs.count; i++)
				if (ledger_input(v->st, s->inputs.items[i]) == NULL)
					cJSON_AddItemToArray(missing, cJSON_CreateString(s->inputs.items[i]));
			cJSON_AddStringToObject(v->json, "decision", s->id);
			cJSON_AddItemToObject(v->json, "decision_missing_inputs", missing);
		} else if (person_has_role(v->me, s->owner)) {
			size_t i, missing = 0;

			heading(v, "The decision waits for you");
			fprintf(v->ctx->out, "  %s (rc%d): read 'relctl brief', then 'relctl decide ship|delay|abort --reason TEXT'\n",
				s->title, v->st->candidate);
			for (i = 0; i < s->inputs.count; i++)
				if (ledger_input(v->st, s->inputs.items[i]) == NULL)
					fprintf(v->ctx->out, "  %sstill missing: the %s input%s\n", missing++ ? "" : "",
						s->inputs.items[i], color(v->ctx, C_RESET));
		} else {
			heading(v, "The decision is open");
			fprintf(v->ctx->out, "  %s waits for the %s\n", s->id, s->owner);
		}
	}
}

/* The release manager's overview. */
static void manager(struct view *v)
{
	cJSON *m = NULL, *ready = NULL, *idle = NULL, *blocked = NULL, *waits = NULL, *reviews = NULL;
	struct schedule sched;
	char t[32], d[32], detail[512];
	size_t k, i;

	if (v->json) {
		m = cJSON_AddObjectToObject(v->json, "manager");
		ready = cJSON_AddArrayToObject(m, "unclaimed");
		idle = cJSON_AddArrayToObject(m, "idle");
		blocked = cJSON_AddArrayToObject(m, "blocked");
		waits = cJSON_AddArrayToObject(m, "waiting");
		reviews = cJSON_AddArrayToObject(m, "in_review");
	}
	heading(v, "Release manager: unclaimed, idle, blocked, waiting");
	for (k = 0; k < v->pb->step_count; k++) {
		const struct pb_step *s = &v->pb->steps[k];
		const struct step_record *r = &v->st->steps[k];
		enum step_state state = ledger_step_state(v->st, k, v->now);
		cJSON *target = NULL;

		detail[0] = '\0';
		if (state == STATE_READY && s->kind != STEP_DECISION) {
			target = ready;
			snprintf(detail, sizeof(detail), "nobody has it; a %s can claim it, or relctl assign %s PERSON",
				 s->owner, s->id);
		} else if (state == STATE_CLAIMED && r->claimed_at + IDLE_AFTER < v->now) {
			target = idle;
			snprintf(detail, sizeof(detail), "%s has held it since %s; ask them", r->holder,
				 age_format(r->claimed_at, v->now, t, sizeof(t)));
		} else if (state == STATE_BLOCKED) {
			target = blocked;
			snprintf(detail, sizeof(detail), "%s", r->reason ? r->reason : "");
		} else if (state == STATE_WAITING) {
			target = waits;
			snprintf(detail, sizeof(detail), "%s waits; opens %s", r->holder,
				 time_format(ledger_wait_opens(v->st, k), t, sizeof(t)));
		} else if (state == STATE_IN_REVIEW) {
			target = reviews;
			snprintf(detail, sizeof(detail), "done by %s; waits for a %s to review", r->done_by,
				 ledger_review_role(v->st, k));
		} else {
			continue;
		}
		if (m)
			cJSON_AddItemToArray(target, step_item(v, k));
		else
			line(v, k, detail);
	}
	schedule_compute(v->st, NULL, v->now, &sched);
	if (m) {
		cJSON *cp = cJSON_AddObjectToObject(m, "critical_path"), *steps = cJSON_AddArrayToObject(cp, "steps");

		cJSON_AddNumberToObject(cp, "remaining_seconds", (double)sched.remaining);
		cJSON_AddStringToObject(cp, "finish", time_format(sched.finish, t, sizeof(t)));
		for (i = 0; i < sched.path_len; i++)
			cJSON_AddItemToArray(steps, step_item(v, sched.path[i]));
	} else if (sched.path_len > 0) {
		fprintf(v->ctx->out, "\n%sCritical path%s (by estimates, %s of work left, done around %s)\n",
			color(v->ctx, C_BOLD), color(v->ctx, C_RESET), duration_format(sched.remaining, d, sizeof(d)),
			time_format(sched.finish, t, sizeof(t)));
		for (i = 0; i < sched.path_len; i++) {
			size_t s = sched.path[i];
			const struct step_record *r = &v->st->steps[s];

			snprintf(detail, sizeof(detail), "%-6s %s", duration_format(sched.steps[s].duration, d, sizeof(d)),
				 r->holder ? r->holder : "unassigned");
			if (!r->holder)
				snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), " (%s)",
					 v->pb->steps[s].owner);
			line(v, s, detail);
		}
	}
	schedule_release(&sched);
}

static int next_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	struct view v;
	size_t phase;
	int rc = -1;

	cmd_note_freshness(ctx, s);
	memset(&v, 0, sizeof(v));
	v.ctx = ctx;
	v.st = rel->st;
	v.pb = rel->pb;
	v.now = s->now;
	v.me = session_identity(s, rel->pb, &ctx->err);
	if (v.me == NULL)
		goto out;
	phase = ledger_current_phase(rel->st);
	if (args_flag(&ctx->args, "json")) {
		v.json = cJSON_CreateObject();
		cJSON_AddStringToObject(v.json, "version", rel->st->version);
		cJSON_AddNumberToObject(v.json, "candidate", rel->st->candidate);
		cJSON_AddStringToObject(v.json, "status", release_status_name(rel->st->status));
		if (phase < rel->pb->phase_count)
			cJSON_AddStringToObject(v.json, "phase", rel->pb->phases[phase].id);
		else
			cJSON_AddNullToObject(v.json, "phase");
		cJSON_AddStringToObject(v.json, "me", v.me->id);
	} else {
		fprintf(ctx->out, "%s%s %s rc%d%s", color(ctx, C_BOLD), rel->pb->name, rel->st->version, rel->st->candidate,
			color(ctx, C_RESET));
		if (phase < rel->pb->phase_count)
			fprintf(ctx->out, ", phase %zu/%zu %s", phase + 1, rel->pb->phase_count, rel->pb->phases[phase].id);
		else
			fprintf(ctx->out, ", %s", release_status_name(rel->st->status));
		fprintf(ctx->out, " - you are %s (", v.me->id);
		for (size_t i = 0; i < v.me->roles.count; i++)
			fprintf(ctx->out, "%s%s", i ? ", " : "", v.me->roles.items[i]);
		fprintf(ctx->out, ")\n");
	}
	if (rel->st->status != RELEASE_OPEN) {
		if (!v.json)
			fprintf(ctx->out, "\nrelease %s is %s; nothing to do\n", rel->st->version,
				release_status_name(rel->st->status));
	} else {
		mine(&v);
		decision(&v);
		if (ledger_is_manager(v.me) || args_flag(&ctx->args, "all"))
			manager(&v);
	}
	if (v.json) {
		cmd_print_json(ctx, v.json);
		cJSON_Delete(v.json);
	}
	rc = 0;
out:
	return rc;
}

const struct cmd_entry cmd_next_entry = {
	.name = "next",
	.usage = "[VERSION] [--all] [--json]",
	.summary = "what should happen now, and who does it",
	.help = "Shows the steps you hold, the ones you can claim or review, and what your next\n"
		"steps wait for.  A release manager (or anyone with --all) also sees unclaimed,\n"
		"idle (claimed over a day ago), blocked and waiting steps, and the critical path.",
	.options = options,
	.min_args = 0,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = next_exec,
};

/* relctl forecast [VERSION] [--assume STEP=DURATION]... [--json]: when the release will finish. */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "relctl.h"
#include "schedule.h"
#include "session.h"
#include "stats.h"
#include "util.h"

static const struct option_spec options[] = {
	{ "assume", OPT_MULTI, "STEP=DURATION", "assume STEP takes DURATION from when it starts (or from now)" },
	OPTION_JSON,
	OPTION_RELEASE,
	OPTION_END,
};

/* Medians from every other real release of the ledger (not rehearsals); estimates where there is none. */
static long *measured_durations(struct cmd_ctx *ctx, struct session *s, const struct release *rel, bool *measured)
{
	struct release_summary **all = NULL;
	const struct release_summary **real;
	size_t count = 0, i, n = 0;
	long *durations;

	if (session_summaries(s, 0, false, &all, &count, &ctx->err) != 0)
		return NULL;
	real = xcalloc(count + 1, sizeof(*real));
	for (i = 0; i < count; i++)
		if (strcmp(all[i]->version, rel->st->version) != 0 && !all[i]->rehearsal)
			real[n++] = all[i];
	durations = stats_durations(real, n, rel->pb, measured);
	free(real);
	summaries_free(all, count);
	return durations;
}

static int apply_assumptions(struct cmd_ctx *ctx, const struct release *rel, long *durations, bool *assumed,
			     time_t now)
{
	const char *const *list;
	size_t count, i;

	list = args_multi(&ctx->args, "assume", &count);
	for (i = 0; i < count; i++) {
		long seconds;
		const struct pb_step *s = cmd_step_duration(rel->pb, list[i], &seconds);

		if (s == NULL)
			return error_set(&ctx->err, EXIT_USAGE,
					 "--assume needs STEP=DURATION with a step of %s, like test-voyager=1d",
					 rel->st->version);
		{
			enum step_state state = ledger_step_state(rel->st, s->index, now);

			if (ledger_finished(state))
				return error_set(&ctx->err, EXIT_DATAERR,
						 "%s is already %s; --assume is for the steps still to do", s->id,
						 step_state_name(state));
		}
		/* The schedule counts a claimed step's elapsed time against it; an assumption is from now. */
		if (rel->st->steps[s->index].base == STATE_CLAIMED && rel->st->steps[s->index].claimed_at)
			seconds += (long)(now - rel->st->steps[s->index].claimed_at);
		durations[s->index] = seconds;
		assumed[s->index] = true;
	}
	return 0;
}

/*
 * Whether the release's --target holds: by how much the forecast finish
 * passes it, and the steps of the critical path that finish after it.
 */
static cJSON *target_json(const struct release *rel, const struct schedule *sched)
{
	cJSON *o = cJSON_CreateObject(), *late = cJSON_CreateArray();
	char t[32];
	size_t i;

	cJSON_AddStringToObject(o, "at", time_format(rel->st->target, t, sizeof(t)));
	cJSON_AddBoolToObject(o, "holds", sched->finish <= rel->st->target);
	cJSON_AddNumberToObject(o, "slip_seconds", sched->finish > rel->st->target ? (double)(sched->finish - rel->st->target) : 0);
	if (sched->complete) {
		/* Finished: the steps that did finish after the target (a skip is no work done late). */
		for (i = 0; i < rel->pb->step_count; i++)
			if (sched->steps[i].finish > rel->st->target && rel->st->steps[i].base == STATE_DONE)
				cJSON_AddItemToArray(late, cJSON_CreateString(rel->pb->steps[i].id));
	} else {
		for (i = 0; i < sched->path_len; i++)
			if (sched->steps[sched->path[i]].finish > rel->st->target)
				cJSON_AddItemToArray(late, cJSON_CreateString(rel->pb->steps[sched->path[i]].id));
	}
	cJSON_AddItemToObject(o, "late_steps", late);
	return o;
}

/*
 * An open release: "holds", or "slips by" with the critical path's late
 * steps; a finished one: "was met", or "missed by" with the steps that
 * finished after it (the last may be a wait step that ran past it by design).
 */
static void target_text(struct cmd_ctx *ctx, const cJSON *target, bool complete)
{
	const cJSON *item, *late = cJSON_GetObjectItemCaseSensitive(target, "late_steps");
	char d[32];
	int n = 0;

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(target, "holds"))) {
		fprintf(ctx->out, "target %s %s\n", cJSON_GetObjectItemCaseSensitive(target, "at")->valuestring,
			complete ? "was met" : "holds");
		return;
	}
	fprintf(ctx->out, "%starget %s %s %s%s", color(ctx, C_RED), cJSON_GetObjectItemCaseSensitive(target, "at")->valuestring,
		complete ? "was missed by" : "slips by",
		duration_format((long)cJSON_GetObjectItemCaseSensitive(target, "slip_seconds")->valuedouble, d, sizeof(d)),
		color(ctx, C_RESET));
	if (cJSON_GetArraySize(late) > 0)
		fprintf(ctx->out, "; %s: ", complete ? "finished after it" : "late on the critical path");
	cJSON_ArrayForEach(item, late)
		fprintf(ctx->out, "%s%s", n++ ? ", " : "", item->valuestring);
	fprintf(ctx->out, "\n");
}

static int forecast_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	struct schedule sched;
	long *durations = NULL;
	bool *measured = NULL, *assumed = NULL;
	cJSON *root = NULL, *steps, *phases;
	char t[32], d[32];
	size_t i, p;
	int rc = -1;

	cmd_note_freshness(ctx, s);
	measured = xcalloc(rel->pb->step_count + 1, sizeof(*measured));
	assumed = xcalloc(rel->pb->step_count + 1, sizeof(*assumed));
	durations = measured_durations(ctx, s, rel, measured);
	if (durations == NULL || apply_assumptions(ctx, rel, durations, assumed, s->now) != 0)
		goto out;
	schedule_compute(rel->st, durations, s->now, &sched);
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "release", rel->st->version);
	cJSON_AddStringToObject(root, "now", time_format(s->now, t, sizeof(t)));
	cJSON_AddBoolToObject(root, "finished", sched.complete);
	cJSON_AddStringToObject(root, "finish", time_format(sched.finish, t, sizeof(t)));
	cJSON_AddNumberToObject(root, "remaining_seconds", (double)sched.remaining);
	steps = cJSON_AddArrayToObject(root, "steps");
	for (i = 0; i < rel->pb->step_count; i++) {
		const struct schedule_step *ss = &sched.steps[i];
		cJSON *o;

		if (ss->finished)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", rel->pb->steps[i].id);
		cJSON_AddStringToObject(o, "start", time_format(ss->start, t, sizeof(t)));
		cJSON_AddStringToObject(o, "finish", time_format(ss->finish, t, sizeof(t)));
		cJSON_AddStringToObject(o, "source", assumed[i] ? "assumed" : measured[i] ? "measured median" : "estimate");
		if (rel->st->steps[i].holder)
			cJSON_AddStringToObject(o, "holder", rel->st->steps[i].holder);
		cJSON_AddItemToArray(steps, o);
	}
	phases = cJSON_AddArrayToObject(root, "phases");
	for (p = 0; p < rel->pb->phase_count; p++) {
		time_t finish;
		bool finished = schedule_phase_finish(&sched, &rel->pb->phases[p], s->now, &finish);
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", rel->pb->phases[p].id);
		cJSON_AddBoolToObject(o, "finished", finished);
		cJSON_AddStringToObject(o, "finish", time_format(finish, t, sizeof(t)));
		cJSON_AddItemToArray(phases, o);
	}
	if (sched.path_len > 0) {
		size_t h = sched.path[0];
		const struct step_record *r = &rel->st->steps[h];
		cJSON *hinge = cJSON_AddObjectToObject(root, "hinges_on");

		cJSON_AddStringToObject(hinge, "step", rel->pb->steps[h].id);
		if (r->holder)
			cJSON_AddStringToObject(hinge, "person", r->holder);
		else
			cJSON_AddNullToObject(hinge, "person");
		cJSON_AddStringToObject(hinge, "role", rel->pb->steps[h].owner);
		{
			cJSON *path = cJSON_AddArrayToObject(root, "critical_path");

			for (i = 0; i < sched.path_len; i++)
				cJSON_AddItemToArray(path, cJSON_CreateString(rel->pb->steps[sched.path[i]].id));
		}
	}
	if (rel->st->target)
		cJSON_AddItemToObject(root, "target", target_json(rel, &sched));
	else
		cJSON_AddNullToObject(root, "target");
	if (args_flag(&ctx->args, "json")) {
		cmd_print_json(ctx, root);
	} else {
		const cJSON *item;

		fprintf(ctx->out, "%s%s %s%s: ", color(ctx, C_BOLD), rel->pb->name, rel->st->version, color(ctx, C_RESET));
		if (sched.complete)
			fprintf(ctx->out, "finished %s (every step done or skipped)\n", time_format(sched.finish, t, sizeof(t)));
		else
			fprintf(ctx->out, "done around %s (%s from now)\n", time_format(sched.finish, t, sizeof(t)),
				duration_format(sched.remaining, d, sizeof(d)));
		if (sched.path_len > 0) {
			const struct step_record *r = &rel->st->steps[sched.path[0]];

			fprintf(ctx->out, "the date hinges on %s (%s)\n", rel->pb->steps[sched.path[0]].id,
				r->holder ? r->holder : rel->pb->steps[sched.path[0]].owner);
		}
		if (rel->st->target)
			target_text(ctx, cJSON_GetObjectItemCaseSensitive(root, "target"), sched.complete);
		fprintf(ctx->out, "\n");
		cJSON_ArrayForEach(item, phases)
			fprintf(ctx->out, "phase %-12s %s %s\n", cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring,
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "finished")) ? "finished" : "finishes",
				cJSON_GetObjectItemCaseSensitive(item, "finish")->valuestring);
		if (cJSON_GetArraySize(steps) > 0)
			fprintf(ctx->out, "\n%-24s %-21s %-21s %s\n", "step", "starts", "finishes", "from");
		cJSON_ArrayForEach(item, steps)
			fprintf(ctx->out, "%-24s %-21s %-21s %s\n", cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring,
				cJSON_GetObjectItemCaseSensitive(item, "start")->valuestring,
				cJSON_GetObjectItemCaseSensitive(item, "finish")->valuestring,
				cJSON_GetObjectItemCaseSensitive(item, "source")->valuestring);
	}
	schedule_release(&sched);
	rc = 0;
out:
	cJSON_Delete(root);
	free(durations);
	free(measured);
	free(assumed);
	return rc;
}

const struct cmd_entry cmd_forecast_entry = {
	.name = "forecast",
	.usage = "[VERSION] [--assume STEP=DURATION]... [--json]",
	.summary = "when each remaining step, phase and the release will finish",
	.help = "Uses measured medians from earlier releases (estimates where there is no\n"
		"history), the dependency graph and the wait steps.  --assume answers \"if\n"
		"testing finishes tomorrow, when do we ship?\": --assume test-voyager=1d.\n"
		"A phase (or the release) whose steps are all done or skipped is shown as\n"
		"finished, at the time its last step finished.",
	.options = options,
	.min_args = 0,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = forecast_exec,
};

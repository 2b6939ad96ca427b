/* relctl stats [--last N] [--json]: durations, who does what, bus-factor risks, the critical path. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "relctl.h"
#include "session.h"
#include "stats.h"
#include "util.h"

static const struct option_spec options[] = {
	{ "last", OPT_VALUE, "N", "only the N most recent releases" },
	OPTION_JSON,
	OPTION_END,
};

static const char *str(const cJSON *o, const char *key, const char *fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : fallback;
}

static void print_people(FILE *out, const cJSON *people)
{
	const cJSON *p;
	int n = 0;

	cJSON_ArrayForEach(p, people)
		fprintf(out, "%s%s x%d", n++ ? ", " : "", p->string, p->valueint);
	if (n == 0)
		fprintf(out, "nobody yet");
}

static bool on_path(const cJSON *path_steps, const char *id)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, path_steps)
		if (strcmp(str(item, "id", ""), id) == 0)
			return true;
	return false;
}

/*
 * The point of it all, in one line a person: who is on the critical path
 * alone (the only one who ever did those steps), and what to do about it.
 */
static void print_alone(struct cmd_ctx *ctx, const cJSON *st)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(st, "critical_path"), "steps");
	const cJSON *risks = cJSON_GetObjectItemCaseSensitive(st, "bus_factor_risks"), *risk, *other;
	bool any = false;

	fprintf(ctx->out, "\n%sAlone on the critical path%s\n", color(ctx, C_BOLD), color(ctx, C_RESET));
	cJSON_ArrayForEach(risk, risks)
	{
		const char *person = str(risk, "person", "");
		bool first = true, seen = false;

		if (!on_path(path, str(risk, "step", "")))
			continue;
		/* Each person once, at their first risk on the path. */
		for (other = risks->child; other != risk; other = other->next)
			if (strcmp(str(other, "person", ""), person) == 0 && on_path(path, str(other, "step", "")))
				seen = true;
		if (seen)
			continue;
		fprintf(ctx->out, "  %s%s%s is the only one who has done ", color(ctx, C_RED), person, color(ctx, C_RESET));
		for (other = risk; other; other = other->next)
			if (strcmp(str(other, "person", ""), person) == 0 && on_path(path, str(other, "step", ""))) {
				fprintf(ctx->out, "%s%s", first ? "" : ", ", str(other, "step", ""));
				first = false;
			}
		fprintf(ctx->out, ", on the critical path: pair someone with %s on the next release\n", person);
		any = true;
	}
	if (!any)
		fprintf(ctx->out, "  nobody: every measured step on the critical path has been done by two people or more\n");
}

/* The items that fail most, the ones always na (candidates to delete), and a checklist's time. */
static void print_checklists(struct cmd_ctx *ctx, const cJSON *cl)
{
	const cJSON *item, *d = cJSON_GetObjectItemCaseSensitive(cl, "duration");

	fprintf(ctx->out, "\n%sChecklist items that failed most%s\n", color(ctx, C_BOLD), color(ctx, C_RESET));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cl, "failed_most")) == 0)
		fprintf(ctx->out, "  none failed\n");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cl, "failed_most"))
		fprintf(ctx->out, "  %s%s%s of %s failed %d of %d times: %s\n", color(ctx, C_RED), str(item, "item", ""),
			color(ctx, C_RESET), str(item, "step", ""), cJSON_GetObjectItemCaseSensitive(item, "fails")->valueint,
			cJSON_GetObjectItemCaseSensitive(item, "checked")->valueint, cmd_line(ctx, str(item, "text", "")));
	fprintf(ctx->out, "\n%sAlways na%s (never run; challenge whether they are needed)\n", color(ctx, C_BOLD),
		color(ctx, C_RESET));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cl, "always_na")) == 0)
		fprintf(ctx->out, "  none\n");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cl, "always_na"))
		fprintf(ctx->out, "  %s of %s, na all %d times: %s\n", str(item, "item", ""), str(item, "step", ""),
			cJSON_GetObjectItemCaseSensitive(item, "times")->valueint, cmd_line(ctx, str(item, "text", "")));
	fprintf(ctx->out, "\n%sA checklist takes%s (first result to last, %d complete): median %s, p90 %s\n",
		color(ctx, C_BOLD), color(ctx, C_RESET), cJSON_GetObjectItemCaseSensitive(d, "count")->valueint,
		str(d, "median", "-"), str(d, "p90", "-"));
}

static void stats_text(struct cmd_ctx *ctx, const cJSON *st)
{
	FILE *out = ctx->out;
	const cJSON *item;

	fprintf(out, "%sAcross %d release%s%s\n\n", color(ctx, C_BOLD), cJSON_GetObjectItemCaseSensitive(st, "releases")->valueint,
		cJSON_GetObjectItemCaseSensitive(st, "releases")->valueint == 1 ? "" : "s", color(ctx, C_RESET));
	fprintf(out, "%-24s %-10s %8s %8s %8s %8s  %s\n", "step", "phase", "ready>", "p90", "claim>", "p90", "done by");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(st, "steps"))
	{
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(item, "ready_to_done");
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(item, "claim_to_done");

		fprintf(out, "%-24s %-10s %8s %8s %8s %8s  ", str(item, "id", ""), str(item, "phase", ""),
			str(r, "median", "-"), str(r, "p90", "-"), str(w, "median", "-"), str(w, "p90", "-"));
		print_people(out, cJSON_GetObjectItemCaseSensitive(item, "people"));
		fprintf(out, "\n");
	}
	fprintf(out, "\n%sPhases%s (first ready to last done)\n", color(ctx, C_BOLD), color(ctx, C_RESET));
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(st, "phases"))
	{
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "duration");

		fprintf(out, "  %-12s median %-8s p90 %s\n", str(item, "id", ""), str(d, "median", "-"), str(d, "p90", "-"));
	}
	fprintf(out, "\n%sBus-factor risks%s: steps only ever done by one person\n", color(ctx, C_BOLD), color(ctx, C_RESET));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "bus_factor_risks")) == 0)
		fprintf(out, "  none\n");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(st, "bus_factor_risks"))
		fprintf(out, "  %s%-24s%s only %s (%d time%s)\n", color(ctx, C_RED), str(item, "step", ""), color(ctx, C_RESET),
			str(item, "person", ""), cJSON_GetObjectItemCaseSensitive(item, "times")->valueint,
			cJSON_GetObjectItemCaseSensitive(item, "times")->valueint == 1 ? "" : "s");
	fprintf(out, "\n%sShare of all steps done%s\n", color(ctx, C_BOLD), color(ctx, C_RESET));
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(st, "people"))
		fprintf(out, "  %-12s %5.1f%%  (%d steps)\n", str(item, "person", ""),
			cJSON_GetObjectItemCaseSensitive(item, "share")->valuedouble * 100,
			cJSON_GetObjectItemCaseSensitive(item, "steps_done")->valueint);
	item = cJSON_GetObjectItemCaseSensitive(st, "critical_path");
	fprintf(out, "\n%sCritical path%s by measured medians (estimates where no history): %s\n", color(ctx, C_BOLD),
		color(ctx, C_RESET), str(item, "total", "-"));
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(item, "steps"))
	{
		char d[32];

		fprintf(out, "  %-24s %-8s %-16s ", str(item, "id", ""),
			duration_format((long)cJSON_GetObjectItemCaseSensitive(item, "seconds")->valuedouble, d, sizeof(d)),
			str(item, "source", ""));
		print_people(out, cJSON_GetObjectItemCaseSensitive(item, "people"));
		fprintf(out, "\n");
	}
	print_alone(ctx, st);
	print_checklists(ctx, cJSON_GetObjectItemCaseSensitive(st, "checklists"));
}

static int stats_exec(struct cmd_ctx *ctx)
{
	const char *last_text = args_value(&ctx->args, "last");
	struct session s;
	struct release *rels = NULL;
	const struct release_state **states;
	struct playbook *pb;
	size_t count = 0, i;
	long last = 0;
	cJSON *st;

	if (last_text && ((last = atol(last_text)) <= 0))
		return error_set(&ctx->err, EXIT_USAGE, "--last needs a positive number of releases");
	if (session_open(&s, &ctx->err) != 0)
		return -1;
	cmd_note_freshness(ctx, &s);
	pb = session_current_playbook(&s, &ctx->err);
	if (pb == NULL || session_load_all(&s, (size_t)last, &rels, &count, &ctx->err) != 0) {
		playbook_free(pb);
		session_close(&s);
		return -1;
	}
	states = xcalloc(count + 1, sizeof(*states));
	for (i = 0; i < count; i++)
		states[i] = rels[i].st;
	st = stats_build(states, count, pb);
	if (args_flag(&ctx->args, "json"))
		cmd_print_json(ctx, st);
	else
		stats_text(ctx, st);
	cJSON_Delete(st);
	free(states);
	for (i = 0; i < count; i++)
		release_close(&rels[i]);
	free(rels);
	playbook_free(pb);
	session_close(&s);
	return 0;
}

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.usage = "[--last N] [--json]",
	.summary = "durations per step and phase, who does what, bus-factor risks, critical path",
	.help = "Durations are medians and 90th percentiles of ready-to-done (what the release\n"
		"waited) and claim-to-done (the work).  Steps only ever done by one person are\n"
		"bus-factor risks.  The critical path uses measured medians, estimates otherwise.\n"
		"The last section names who is alone on the critical path.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.exec = stats_exec,
};

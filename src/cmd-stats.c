/*
 * relctl stats [--format text|json|html] [--since VERSION] [--last N] ...:
 * durations, who does what, bus-factor risks, the critical path, and the
 * trends release by release (who does the work, lead times, what the steps
 * cost a year), as text, JSON or one self-contained HTML page.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "delegation.h"
#include "relctl.h"
#include "session.h"
#include "stats.h"
#include "trends.h"
#include "util.h"

static const struct option_spec options[] = {
	{ "format", OPT_VALUE, "text|json|html", "text (default), JSON, or one self-contained HTML page of the trends" },
	{ "output", OPT_VALUE, "FILE", "write to FILE instead of standard output" },
	{ "since", OPT_VALUE, "VERSION", "only VERSION and the releases started after it" },
	{ "last", OPT_VALUE, "N", "only the N most recent releases" },
	{ "off-after", OPT_VALUE, "N", "off the critical path: no step in the last N finished releases (default 3)" },
	{ "automation", OPT_MULTI, "STEP=DURATION", "automating STEP would take DURATION: in how many years it pays back" },
	{ "json", OPT_FLAG, NULL, "the same as --format json" },
	OPTION_END,
};

/* Text tables show this many releases, the newest; JSON and HTML show them all. */
#define TEXT_RELEASES 10
#define TEXT_COSTS 5

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
	{
		int done = cJSON_GetObjectItemCaseSensitive(item, "steps_done")->valueint;

		fprintf(out, "  %-12s %5.1f%%  (%d step%s)\n", str(item, "person", ""),
			cJSON_GetObjectItemCaseSensitive(item, "share")->valuedouble * 100, done, done == 1 ? "" : "s");
	}
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
}

static long number_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

/* A duration cell: "-" when there is none. */
static const char *cell(const cJSON *o, const char *key, char *out, size_t size)
{
	long v = number_of(o, key);

	if (v < 0)
		return "-";
	return duration_format(v, out, size);
}

/* The newest releases of the range: lead times, delays, how many steps one person alone has done, who did them. */
static void print_releases(struct cmd_ctx *ctx, const cJSON *st)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(st, "by_release"), *item, *lead, *p;
	int n = cJSON_GetArraySize(list), from = n > TEXT_RELEASES ? n - TEXT_RELEASES : 0, i = 0;
	FILE *out = ctx->out;

	fprintf(out, "\n%sReleases%s", color(ctx, C_BOLD), color(ctx, C_RESET));
	if (from > 0)
		fprintf(out, " (the last %d of %d; --format html shows them all)", TEXT_RELEASES, n);
	fprintf(out, "\n  %-12s %-9s %-9s %-6s %-5s %s\n", "release", "to ship", "complete", "delays", "alone", "who did the steps");
	cJSON_ArrayForEach(item, list)
	{
		char a[32], b[32];
		int k = 0, delays = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(item, "delays"));

		if (i++ < from)
			continue;
		fprintf(out, "  %-12s %-9s %-9s %-6d %-5d ", str(item, "version", ""),
			cell(item, "start_to_ship_seconds", a, sizeof(a)), cell(item, "start_to_complete_seconds", b, sizeof(b)),
			delays, (int)number_of(item, "single_person_steps"));
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(item, "people"))
		{
			if (k == 3) {
				fprintf(out, ", +%d", cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(item, "people")) - 3);
				break;
			}
			fprintf(out, "%s%s %.0f%%", k++ ? ", " : "", str(p, "person", ""),
				cJSON_GetObjectItemCaseSensitive(p, "share")->valuedouble * 100);
		}
		fprintf(out, "%s\n", k ? "" : "nobody yet");
	}
	lead = cJSON_GetObjectItemCaseSensitive(st, "lead_time");
	fprintf(out, "  lead time to ship: median %s, %s; to complete: median %s, %s\n",
		str(cJSON_GetObjectItemCaseSensitive(lead, "start_to_ship"), "median", "-"),
		str(cJSON_GetObjectItemCaseSensitive(lead, "start_to_ship"), "trend", "no trend yet"),
		str(cJSON_GetObjectItemCaseSensitive(lead, "start_to_complete"), "median", "-"),
		str(cJSON_GetObjectItemCaseSensitive(lead, "start_to_complete"), "trend", "no trend yet"));
	/* Betas and finals do not make one trend: each kind of release on its own, when there are several. */
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lead, "groups")) > 1) {
		const cJSON *g;

		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(lead, "groups"))
			fprintf(out, "    %s %s (%d): to ship median %s, %s; to complete median %s, %s\n",
				str(lead, "grouped_by", "?"), str(g, "group", "?"),
				cJSON_GetObjectItemCaseSensitive(g, "releases")->valueint,
				str(cJSON_GetObjectItemCaseSensitive(g, "start_to_ship"), "median", "-"),
				str(cJSON_GetObjectItemCaseSensitive(g, "start_to_ship"), "trend", "no trend yet"),
				str(cJSON_GetObjectItemCaseSensitive(g, "start_to_complete"), "median", "-"),
				str(cJSON_GetObjectItemCaseSensitive(g, "start_to_complete"), "trend", "no trend yet"));
	}
}

static void print_off(struct cmd_ctx *ctx, const cJSON *st)
{
	const cJSON *item;
	FILE *out = ctx->out;

	fprintf(out, "\n%sOff the critical path%s: no step in the last %d finished releases\n", color(ctx, C_BOLD),
		color(ctx, C_RESET), (int)number_of(st, "off_after"));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "off_critical_path")) == 0)
		fprintf(out, "  nobody\n");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(st, "off_critical_path"))
		fprintf(out, "  %s%s%s since %s (%d releases without a step; the last in %s)\n", color(ctx, C_GREEN),
			str(item, "person", ""), color(ctx, C_RESET), str(item, "since", ""),
			(int)number_of(item, "releases_without"), str(item, "last_release", ""));
}

static void print_costs(struct cmd_ctx *ctx, const cJSON *st)
{
	const cJSON *cost = cJSON_GetObjectItemCaseSensitive(st, "step_cost"), *item;
	const cJSON *per_year = cJSON_GetObjectItemCaseSensitive(cost, "releases_per_year");
	FILE *out = ctx->out;
	int n = 0;

	fprintf(out, "\n%sStep cost per year%s: ", color(ctx, C_BOLD), color(ctx, C_RESET));
	if (number_of(cost, "releases_measured") <= 0) {
		fprintf(out, "no finished release to measure yet\n");
		return;
	}
	fprintf(out, "work claimed-to-done per finished release (%d) x ", (int)number_of(cost, "releases_measured"));
	if (cJSON_IsNumber(per_year))
		fprintf(out, "%g releases a year\n", per_year->valuedouble);
	else
		fprintf(out, "releases a year (unknown: it takes two releases started apart)\n");
	fprintf(out, "  %-24s %-11s %-10s %-10s %s\n", "step", "per release", "hours/year", "automation", "pays back in");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cost, "steps"))
	{
		const cJSON *hours = cJSON_GetObjectItemCaseSensitive(item, "hours_per_year");
		const cJSON *payback = cJSON_GetObjectItemCaseSensitive(item, "payback_years");
		char a[32], b[32];

		if (n++ == TEXT_COSTS)
			break;
		fprintf(out, "  %-24s %-11s ", str(item, "step", ""), cell(item, "per_release_seconds", a, sizeof(a)));
		if (cJSON_IsNumber(hours))
			fprintf(out, "%-10g ", hours->valuedouble);
		else
			fprintf(out, "%-10s ", "-");
		fprintf(out, "%-10s ", cell(item, "automation_seconds", b, sizeof(b)));
		if (cJSON_IsNumber(payback))
			fprintf(out, "%g years\n", payback->valuedouble);
		else
			fprintf(out, "%s\n", cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(item, "automation_seconds")) ? "never" : "-");
	}
	n = 0;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(cost, "waits"))
	{
		char a[32];

		fprintf(out, "%s%s %s", n++ ? ", " : "  waits (elapsed, not work): ", str(item, "step", ""),
			cell(item, "per_release_seconds", a, sizeof(a)));
	}
	if (n)
		fprintf(out, " per release\n");
}

/*
 * Who knows each risky step: the ones someone is learning (shadowed or
 * practised), with who is ready to do them next, then the others in one line.
 */
static void print_shadowing(struct cmd_ctx *ctx, const cJSON *section)
{
	static const char *const lists[] = { "done_by", "shadowed_by", "practised_by", "ready_next" };
	static const char *const labels[] = { "done by", "shadowed by", "practised by", "ready next" };
	int rehearsals = cJSON_GetObjectItemCaseSensitive(section, "rehearsals")->valueint;
	const cJSON *step;
	bool any = false;
	int alone = 0;

	fprintf(ctx->out, "\n%sShadowing%s: steps fewer than two people have done, and who is learning them",
		color(ctx, C_BOLD), color(ctx, C_RESET));
	if (rehearsals > 0)
		fprintf(ctx->out, " (%d rehearsal%s, counted as practice only)", rehearsals, rehearsals == 1 ? "" : "s");
	fprintf(ctx->out, "\n");
	cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(section, "steps"))
	{
		size_t i;

		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "risk")))
			continue;
		any = true;
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(step, "shadowed_by")) == 0 &&
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(step, "practised_by")) == 0)
			continue;
		fprintf(ctx->out, "  %s%-24s%s ", color(ctx, C_YELLOW), str(step, "id", ""), color(ctx, C_RESET));
		for (i = 0; i < 4; i++) {
			const cJSON *who, *list = cJSON_GetObjectItemCaseSensitive(step, lists[i]);
			int n = 0;

			if (cJSON_GetArraySize(list) == 0)
				continue;
			fprintf(ctx->out, "%s%s ", i ? "; " : "", labels[i]);
			cJSON_ArrayForEach(who, list)
				fprintf(ctx->out, "%s%s", n++ ? ", " : "", who->valuestring);
		}
		fprintf(ctx->out, "\n");
	}
	cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(section, "steps"))
	{
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "risk")) ||
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(step, "shadowed_by")) > 0 ||
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(step, "practised_by")) > 0)
			continue;
		fprintf(ctx->out, "%s%s", alone++ ? ", " : "  nobody learning yet: ", str(step, "id", ""));
	}
	if (alone)
		fprintf(ctx->out, " ('relctl next' says who should shadow them)\n");
	if (!any)
		fprintf(ctx->out, "  none: every step done so far has been done by two people or more\n");
}

/* stats_text and the trends, to out (a file or a string for --output); who is alone stays last. */
static void print_text(struct cmd_ctx *ctx, const cJSON *st)
{
	stats_text(ctx, st);
	print_releases(ctx, st);
	print_off(ctx, st);
	print_costs(ctx, st);
	print_checklists(ctx, cJSON_GetObjectItemCaseSensitive(st, "checklists"));
	if (cJSON_HasObjectItem(st, "shadowing"))
		print_shadowing(ctx, cJSON_GetObjectItemCaseSensitive(st, "shadowing"));
	print_alone(ctx, st);
}

static int positive(struct cmd_ctx *ctx, const char *name, long *value)
{
	const char *text = args_value(&ctx->args, name);
	char *end;

	*value = 0;
	if (text == NULL)
		return 0;
	*value = strtol(text, &end, 10);
	if (*end != '\0' || *value <= 0)
		return error_set(&ctx->err, EXIT_USAGE, "--%s needs a positive number of releases", name);
	return 0;
}

/* --automation STEP=DURATION...: steps whose work is measured (not a wait, not the decision). */
static struct stats_automation *automation_of(struct cmd_ctx *ctx, const struct playbook *pb, size_t *count)
{
	const char *const *list = args_multi(&ctx->args, "automation", count);
	struct stats_automation *out = xcalloc(*count + 1, sizeof(*out));
	size_t i;

	for (i = 0; i < *count; i++) {
		const struct pb_step *s = cmd_step_duration(pb, list[i], &out[i].seconds);

		if (s == NULL || s->kind == STEP_WAIT || s->kind == STEP_DECISION) {
			if (s == NULL)
				error_set(&ctx->err, EXIT_USAGE,
					  "--automation needs STEP=DURATION with a step of the playbook, like %s=10h",
					  pb->step_count ? pb->steps[0].id : "build");
			else
				error_set(&ctx->err, EXIT_USAGE, "--automation: %s is a %s step, its time is not work",
					  s->id, step_kind_name(s->kind));
			free(out);
			return NULL;
		}
		out[i].step = s->id;
	}
	return out;
}

/* How many of the newest releases --since VERSION and --last N take (0: all). */
static int range_of(struct cmd_ctx *ctx, struct session *s, size_t *take)
{
	const char *since = args_value(&ctx->args, "since");
	long last;
	cJSON *list, *item;
	size_t n = 0;

	if (positive(ctx, "last", &last) != 0)
		return -1;
	*take = (size_t)last;
	if (since == NULL)
		return 0;
	list = session_releases(s, &ctx->err);
	if (list == NULL)
		return -1;
	cJSON_ArrayForEach(item, list)
	{
		n++;
		if (strcmp(cJSON_GetObjectItemCaseSensitive(item, "version")->valuestring, since) == 0)
			break;
	}
	cJSON_Delete(list);
	if (item == NULL)
		return error_set(&ctx->err, EXIT_NOINPUT, "there is no release %s; 'relctl releases' lists them", since);
	if (*take == 0 || n < *take)
		*take = n;
	return 0;
}

/* The text output as a string, without colour, for --output. */
static char *text_of(struct cmd_ctx *ctx, const cJSON *st)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = ctx->out, *mem = open_memstream(&text, &len);
	bool colored = ctx->color;

	if (mem == NULL)
		return NULL;
	ctx->out = mem;
	ctx->color = false;
	print_text(ctx, st);
	fclose(mem);
	ctx->out = out;
	ctx->color = colored;
	return text;
}

static int stats_exec(struct cmd_ctx *ctx)
{
	const char *format, *output = args_value(&ctx->args, "output");
	struct session *s = ctx->session;
	struct release_summary **sums = NULL;
	struct stats_options opt = { 0, NULL, 0 };
	struct playbook *pb = NULL;
	size_t count = 0, take = 0;
	long off_after;
	cJSON *st = NULL;
	char *text = NULL;
	int rc = -1;

	if (cmd_format(ctx, &format) != 0 || positive(ctx, "off-after", &off_after) != 0)
		return -1;
	opt.off_after = (size_t)off_after;
	if (strcmp(format, "json") != 0)
		cmd_note_freshness(ctx, s);
	pb = session_current_playbook(s, &ctx->err);
	if (pb == NULL || range_of(ctx, s, &take) != 0 ||
	    (opt.automation = automation_of(ctx, pb, &opt.automation_count)) == NULL ||
	    session_summaries(s, take, true, &sums, &count, &ctx->err) != 0)
		goto out;
	/* Rehearsals are practice: kept out of durations and counts, seen by the shadowing section. */
	st = stats_build((const struct release_summary *const *)sums, count, pb, &opt);
	cJSON_AddItemToObject(st, "shadowing",
			      delegation_shadowing((const struct release_summary *const *)sums, count, pb));
	if (strcmp(format, "json") == 0) {
		char *printed = cJSON_Print(st);

		text = xasprintf("%s\n", printed);
		free(printed);
	} else if (strcmp(format, "html") == 0) {
		text = trends_html(st, pb->name);
	} else if (output) {
		text = text_of(ctx, st);
	} else {
		print_text(ctx, st);
		rc = 0;
		goto out;
	}
	rc = text ? cmd_write_output(ctx, output, text) : error_set(&ctx->err, EXIT_SOFTWARE, "out of memory");
out:
	free(text);
	cJSON_Delete(st);
	free((void *)opt.automation);
	summaries_free(sums, count);
	playbook_free(pb);
	return rc;
}

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.usage = "[--format text|json|html] [--output FILE] [--since VERSION] [--last N] [--off-after N] "
		 "[--automation STEP=DURATION]... [--json]",
	.summary = "durations, who does what, bus-factor risks, critical path, and the trends release by release",
	.help = "Durations are medians and 90th percentiles of ready-to-done (what the release\n"
		"waited) and claim-to-done (the work).  Steps only ever done by one person are\n"
		"bus-factor risks.  The critical path uses measured medians, estimates otherwise.\n"
		"Release by release: each person's share of the steps done, who is off the\n"
		"critical path (no step in the last N finished releases), lead time from start to\n"
		"ship and to complete with the delays (median and trend), and how many steps only\n"
		"one person has done so far.  Step cost per year: each step's work (claimed to\n"
		"done, every round) per finished release times releases a year; --automation\n"
		"STEP=DURATION says in how many years automating it would pay back.\n"
		"--format html writes one self-contained page of the trends (docs/stats.md).\n"
		"A section names who is alone on the critical path; the last, for each step fewer\n"
		"than two people have done, who has shadowed or practised it (in a rehearsal) and\n"
		"is ready to do it next.  Rehearsals are kept out of durations and counts.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION | CMD_PROGRESS,
	.exec = stats_exec,
};

/*
 * Statistics over the releases of a ledger, read from their summaries
 * (summary.h), each step matched by id.  Durations are measured from each
 * step's final record in a release: ready-to-done (what the release
 * waited) and claim-to-done (the work itself).  Medians feed the critical
 * path; the 90th percentile shows how bad it gets.  The trends go release
 * by release, oldest first: shares of the steps done, lead times, the
 * bus factor as it stood after each release, and the work each step cost
 * (every round, as the summary measured it from the events) turned into
 * hours a year.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr.h"
#include "json.h"
#include "schedule.h"
#include "stats.h"
#include "summary.h"
#include "util.h"

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* value rounded to 1/scale (scale 1000: three decimals), so JSON shows 0.167, not 0.16666666666666666. */
static double round_to(double value, double scale)
{
	return (double)(long long)(value * scale + (value < 0 ? -0.5 : 0.5)) / scale;
}

long quantile(long *values, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return 0;
	qsort(values, n, sizeof(*values), compare_long);
	/* Nearest rank: the smallest value with at least q of the values at or below it. */
	rank = (size_t)(q * (double)n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return values[rank - 1];
}

/* One step's record in one release, when it was done; NULL otherwise (as release_done_record). */
static const struct step_summary *done_step(const struct release_summary *sum, const char *id)
{
	const struct step_summary *s = summary_step(sum, id);

	return s && s->base == STATE_DONE && s->done_at != 0 ? s : NULL;
}

long *stats_durations(const struct release_summary *const *releases, size_t count, const struct playbook *pb,
		      bool *measured)
{
	long *out = xcalloc(pb->step_count + 1, sizeof(*out));
	long *values = xcalloc(count + 1, sizeof(*values));
	size_t i, k;

	for (i = 0; i < pb->step_count; i++) {
		size_t n = 0;

		for (k = 0; k < count; k++) {
			const struct step_summary *r = summary_step(releases[k], pb->steps[i].id);

			if (r && r->waited >= 0)
				values[n++] = r->waited;
		}
		out[i] = n ? quantile(values, n, 0.5) : pb->steps[i].estimate;
		if (measured)
			measured[i] = n > 0;
	}
	free(values);
	return out;
}

static cJSON *duration_json(long *values, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	char d[32];

	cJSON_AddNumberToObject(o, "count", (double)n);
	if (n == 0) {
		cJSON_AddNullToObject(o, "median_seconds");
		cJSON_AddNullToObject(o, "p90_seconds");
		return o;
	}
	{
		long median = quantile(values, n, 0.5), p90 = quantile(values, n, 0.9);

		cJSON_AddNumberToObject(o, "median_seconds", (double)median);
		cJSON_AddNumberToObject(o, "p90_seconds", (double)p90);
		cJSON_AddStringToObject(o, "median", duration_format(median, d, sizeof(d)));
		cJSON_AddStringToObject(o, "p90", duration_format(p90, d, sizeof(d)));
	}
	return o;
}

/* people: name -> count, for one step. */
static void count_person(cJSON *people, const char *who)
{
	cJSON *n = cJSON_GetObjectItemCaseSensitive(people, who);

	if (n)
		cJSON_SetNumberValue(n, n->valuedouble + 1);
	else
		cJSON_AddNumberToObject(people, who, 1);
}

/* One checklist item's record across releases and candidates. */
struct item_tally {
	const char *step, *item, *text; /* borrowed from the releases' summaries */
	size_t checked, fails, nas;
};

static struct item_tally *tally_of(struct item_tally **list, size_t *n, const char *step, const struct item_summary *it)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i].step, step) == 0 && strcmp((*list)[i].item, it->id) == 0)
			return &(*list)[i];
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	memset(&(*list)[*n], 0, sizeof(**list));
	(*list)[*n].step = step;
	(*list)[*n].item = it->id;
	(*list)[*n].text = it->text;
	return &(*list)[(*n)++];
}

static int compare_fails(const void *a, const void *b)
{
	const struct item_tally *x = a, *y = b;

	if (x->fails != y->fails)
		return x->fails < y->fails ? 1 : -1;
	return x->checked < y->checked ? -1 : x->checked > y->checked;
}

/*
 * The items that failed most often across releases, the ones always "na"
 * (checked at least twice and never run: candidates to delete), and how
 * long a checklist takes from its first result to its last.  Each
 * release's summary tallies its items in the order first seen, so adding
 * them up release by release sees them in the order the checklists do.
 */
static cJSON *checklist_stats(const struct release_summary *const *releases, size_t count)
{
	cJSON *o = cJSON_CreateObject(), *failed = cJSON_AddArrayToObject(o, "failed_most"), *na;
	struct item_tally *tally = NULL;
	size_t n = 0, lists = 0, spans_n = 0, i, k, c;
	long *spans;

	for (i = 0; i < count; i++)
		for (k = 0; k < releases[i]->step_count; k++)
			lists += releases[i]->steps[k].span_count;
	spans = xcalloc(lists + 1, sizeof(*spans));
	for (i = 0; i < count; i++)
		for (k = 0; k < releases[i]->step_count; k++) {
			const struct step_summary *r = &releases[i]->steps[k];

			for (c = 0; c < r->item_count; c++) {
				struct item_tally *t = tally_of(&tally, &n, r->id, &r->items[c]);

				t->checked += (size_t)r->items[c].checked;
				t->fails += (size_t)r->items[c].fails;
				t->nas += (size_t)r->items[c].nas;
			}
			for (c = 0; c < r->span_count; c++)
				spans[spans_n++] = r->spans[c];
		}
	if (n)
		qsort(tally, n, sizeof(*tally), compare_fails);
	for (i = 0; i < n && tally[i].fails > 0 && i < 10; i++) {
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "step", tally[i].step);
		cJSON_AddStringToObject(t, "item", tally[i].item);
		cJSON_AddStringToObject(t, "text", tally[i].text);
		cJSON_AddNumberToObject(t, "fails", (double)tally[i].fails);
		cJSON_AddNumberToObject(t, "checked", (double)tally[i].checked);
		cJSON_AddItemToArray(failed, t);
	}
	na = cJSON_AddArrayToObject(o, "always_na");
	for (i = 0; i < n; i++) {
		cJSON *t;

		if (tally[i].checked < 2 || tally[i].nas != tally[i].checked)
			continue;
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "step", tally[i].step);
		cJSON_AddStringToObject(t, "item", tally[i].item);
		cJSON_AddStringToObject(t, "text", tally[i].text);
		cJSON_AddNumberToObject(t, "times", (double)tally[i].nas);
		cJSON_AddItemToArray(na, t);
	}
	cJSON_AddItemToObject(o, "duration", duration_json(spans, spans_n));
	free(spans);
	free(tally);
	return o;
}

/* A person and a count, for one release's shares and for the whole range. */
struct tally {
	const char *person;
	size_t steps;
	size_t last; /* the last release (oldest first) with a step of theirs */
};

static struct tally *tally_add(struct tally **list, size_t *n, const char *person)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*list)[i].person, person) == 0)
			return &(*list)[i];
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[*n].person = person;
	(*list)[*n].steps = 0;
	(*list)[*n].last = 0;
	return &(*list)[(*n)++];
}

static int most_steps_first(const void *a, const void *b)
{
	const struct tally *x = a, *y = b;

	if (x->steps != y->steps)
		return x->steps < y->steps ? 1 : -1;
	return strcmp(x->person, y->person);
}

/* list as [{person, count_key: steps, share}], most steps first (then by id), sorting list. */
static cJSON *shares_of(struct tally *list, size_t n, const char *count_key, double total)
{
	cJSON *people = cJSON_CreateArray();
	size_t i;

	if (n > 0) /* qsort wants a real array even for none */
		qsort(list, n, sizeof(*list), most_steps_first);
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "person", list[i].person);
		cJSON_AddNumberToObject(o, count_key, (double)list[i].steps);
		cJSON_AddNumberToObject(o, "share", total > 0 ? round_to((double)list[i].steps / total, 1000) : 0);
		cJSON_AddItemToArray(people, o);
	}
	return people;
}

/* The figures over the whole range: per step and phase, people, bus-factor risks, the critical path. */
static cJSON *overall(const struct release_summary *const *releases, size_t count, const struct playbook *pb)
{
	cJSON *root = cJSON_CreateObject(), *steps, *phases, *bus, *totals = cJSON_CreateObject(), *path;
	long *ready = xcalloc(count + 1, sizeof(*ready)), *work = xcalloc(count + 1, sizeof(*work));
	bool *measured = xcalloc(pb->step_count + 1, sizeof(*measured));
	long *durations;
	struct release_state *fresh;
	struct schedule sched;
	double all = 0;
	size_t i, k, p;
	const cJSON *item;

	cJSON_AddNumberToObject(root, "releases", (double)count);
	steps = cJSON_AddArrayToObject(root, "steps");
	bus = cJSON_AddArrayToObject(root, "bus_factor_risks");
	for (i = 0; i < pb->step_count; i++) {
		const struct pb_step *s = &pb->steps[i];
		cJSON *o = cJSON_CreateObject(), *people = cJSON_CreateObject();
		size_t nr = 0, nw = 0;

		for (k = 0; k < count; k++) {
			const struct step_summary *r = done_step(releases[k], s->id);

			if (r == NULL)
				continue;
			if (r->waited >= 0)
				ready[nr++] = r->waited;
			if (r->worked >= 0)
				work[nw++] = r->worked;
			if (r->performer) {
				count_person(people, r->performer);
				count_person(totals, r->performer);
				all++;
			}
		}
		cJSON_AddStringToObject(o, "id", s->id);
		cJSON_AddStringToObject(o, "phase", pb->phases[s->phase].id);
		cJSON_AddStringToObject(o, "owner", s->owner);
		cJSON_AddItemToObject(o, "ready_to_done", duration_json(ready, nr));
		cJSON_AddItemToObject(o, "claim_to_done", duration_json(work, nw));
		cJSON_AddItemToObject(o, "people", people);
		cJSON_AddItemToArray(steps, o);
		/* Done at least once, and only ever by one person: nobody else knows how. */
		if (cJSON_GetArraySize(people) == 1) {
			cJSON *risk = cJSON_CreateObject();

			cJSON_AddStringToObject(risk, "step", s->id);
			cJSON_AddStringToObject(risk, "person", people->child->string);
			cJSON_AddNumberToObject(risk, "times", people->child->valuedouble);
			cJSON_AddItemToArray(bus, risk);
		}
	}
	phases = cJSON_AddArrayToObject(root, "phases");
	for (p = 0; p < pb->phase_count; p++) {
		const struct pb_phase *ph = &pb->phases[p];
		cJSON *o = cJSON_CreateObject();
		size_t n = 0;

		for (k = 0; k < count; k++) {
			time_t first = 0, last = 0;
			bool complete = true;

			for (i = 0; i < ph->step_count; i++) {
				const struct step_summary *r = summary_step(releases[k], pb->steps[ph->first_step + i].id);

				if (r == NULL || (r->base != STATE_DONE && r->base != STATE_SKIPPED)) {
					complete = false;
					break;
				}
				if (r->base == STATE_SKIPPED)
					continue;
				if (r->ready_at && (first == 0 || r->ready_at < first))
					first = r->ready_at;
				if (r->done_at > last)
					last = r->done_at;
			}
			if (complete && first && last >= first)
				ready[n++] = (long)(last - first);
		}
		cJSON_AddStringToObject(o, "id", ph->id);
		cJSON_AddItemToObject(o, "duration", duration_json(ready, n));
		cJSON_AddItemToArray(phases, o);
	}
	{
		struct tally *people = NULL;
		size_t n = 0;

		cJSON_ArrayForEach(item, totals)
			tally_add(&people, &n, item->string)->steps = (size_t)item->valuedouble;
		cJSON_AddItemToObject(root, "people", shares_of(people, n, "steps_done", all));
		free(people);
	}
	/* The critical path of a release started now, by measured medians. */
	durations = stats_durations(releases, count, pb, measured);
	fresh = ledger_planned(pb);
	schedule_compute(fresh, durations, 0, &sched);
	path = cJSON_AddObjectToObject(root, "critical_path");
	cJSON_AddNumberToObject(path, "total_seconds", (double)sched.remaining);
	{
		char d[32];
		cJSON *list = cJSON_AddArrayToObject(path, "steps");

		cJSON_AddStringToObject(path, "total", duration_format(sched.remaining, d, sizeof(d)));
		for (i = 0; i < sched.path_len; i++) {
			size_t s = sched.path[i];
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "id", pb->steps[s].id);
			cJSON_AddNumberToObject(o, "seconds", (double)durations[s]);
			cJSON_AddStringToObject(o, "source", measured[s] ? "measured median" : "estimate");
			cJSON_AddItemToObject(o, "people",
					      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
								      cJSON_GetArrayItem(steps, (int)s), "people"),
							      1));
			cJSON_AddItemToArray(list, o);
		}
	}
	schedule_release(&sched);
	cJSON_AddItemToObject(root, "checklists", checklist_stats(releases, count));
	release_state_free(fresh);
	free(durations);
	free(measured);
	free(ready);
	free(work);
	cJSON_Delete(totals);
	return root;
}

/* ---------- trends ---------- */

double stats_slope(const double *x, const double *y, size_t n, double *intercept)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		mx += x[i];
		my += y[i];
	}
	if (n > 0) {
		mx /= (double)n;
		my /= (double)n;
	}
	for (i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	if (sxx == 0) {
		*intercept = my;
		return 0;
	}
	*intercept = my - sxy / sxx * mx;
	return sxy / sxx;
}

static void add_seconds_or_null(cJSON *o, const char *key, time_t from, time_t to)
{
	if (from && to && to >= from)
		cJSON_AddNumberToObject(o, key, (double)(to - from));
	else
		cJSON_AddNullToObject(o, key);
}

/*
 * Adds sum's lead times, start to ship and start to complete, to the lists
 * of the releases that have them, at x (its place in the range).
 */
static void add_lead(const struct release_summary *sum, double x, long *ship, double *ship_x, size_t *nship,
		     long *complete, double *complete_x, size_t *ncomplete)
{
	if (sum->shipped_at && sum->shipped_at >= sum->started_at) {
		ship_x[*nship] = x;
		ship[(*nship)++] = (long)(sum->shipped_at - sum->started_at);
	}
	if (sum->completed_at && sum->completed_at >= sum->started_at) {
		complete_x[*ncomplete] = x;
		complete[(*ncomplete)++] = (long)(sum->completed_at - sum->started_at);
	}
}

/* One release's share of the steps done, most first, and who was in it. */
static cJSON *shares_json(const struct release_summary *sum, struct tally **range, size_t *range_count, size_t index)
{
	struct tally *mine = NULL;
	size_t n = 0, total = 0, i;
	cJSON *people;

	for (i = 0; i < sum->step_count; i++) {
		const struct step_summary *r = &sum->steps[i];

		if (r->base != STATE_DONE || r->performer == NULL)
			continue;
		tally_add(&mine, &n, r->performer)->steps++;
		tally_add(range, range_count, r->performer)->last = index;
		total++;
	}
	people = shares_of(mine, n, "steps", (double)total);
	free(mine);
	return people;
}

/*
 * The bus factor after a release: first[i] is the first person who did step
 * i of pb, several[i] whether anyone else has since.  Updated with sum, it
 * gives the steps only one person has done so far.
 */
static void bus_factor_json(cJSON *o, const struct release_summary *sum, const struct playbook *pb,
			    const char **first, bool *several)
{
	cJSON *alone;
	size_t i, single = 0, never = 0;

	for (i = 0; i < pb->step_count; i++) {
		const struct step_summary *r = done_step(sum, pb->steps[i].id);
		const char *who = r ? r->performer : NULL;

		if (who && first[i] == NULL)
			first[i] = who;
		else if (who && strcmp(first[i], who) != 0)
			several[i] = true;
	}
	alone = cJSON_CreateArray();
	for (i = 0; i < pb->step_count; i++) {
		cJSON *a;

		if (first[i] == NULL) {
			never++;
			continue;
		}
		if (several[i])
			continue;
		single++;
		a = cJSON_CreateObject();
		cJSON_AddStringToObject(a, "step", pb->steps[i].id);
		cJSON_AddStringToObject(a, "person", first[i]);
		cJSON_AddItemToArray(alone, a);
	}
	cJSON_AddNumberToObject(o, "single_person_steps", (double)single);
	cJSON_AddItemToObject(o, "alone", alone);
	cJSON_AddNumberToObject(o, "never_done", (double)never);
}

static cJSON *release_json(const struct release_summary *sum, const struct playbook *pb, struct tally **range,
			   size_t *range_count, size_t index, const char **first, bool *several)
{
	cJSON *o = cJSON_CreateObject();
	size_t i, done = 0;

	cJSON_AddStringToObject(o, "version", sum->version);
	cJSON_AddStringToObject(o, "status", release_status_name(sum->status));
	cJSON_AddNumberToObject(o, "candidate", sum->candidate);
	json_add_time_or_null(o, "started", sum->started_at);
	json_add_time_or_null(o, "shipped", sum->shipped_at);
	json_add_time_or_null(o, "completed", sum->completed_at);
	add_seconds_or_null(o, "start_to_ship_seconds", sum->started_at, sum->shipped_at);
	add_seconds_or_null(o, "start_to_complete_seconds", sum->started_at, sum->completed_at);
	cJSON_AddItemToObject(o, "delays", summary_delays_json(sum));
	for (i = 0; i < sum->step_count; i++)
		if (sum->steps[i].base == STATE_DONE && sum->steps[i].performer)
			done++;
	cJSON_AddNumberToObject(o, "steps_done", (double)done);
	cJSON_AddItemToObject(o, "people", shares_json(sum, range, range_count, index));
	bus_factor_json(o, sum, pb, first, several);
	return o;
}

/* Median and trend of one lead time over the releases that have it (x: their place in the range). */
static cJSON *lead_json(long *values, const double *x, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	double *y = xcalloc(n + 1, sizeof(*y)), intercept, slope;
	char d[32], text[48];
	long minutes;
	size_t i;

	for (i = 0; i < n; i++)
		y[i] = (double)values[i];
	slope = stats_slope(x, y, n, &intercept);
	free(y);
	cJSON_AddNumberToObject(o, "count", (double)n);
	if (n == 0) {
		cJSON_AddNullToObject(o, "median_seconds");
		cJSON_AddNullToObject(o, "median");
	} else {
		long median = quantile(values, n, 0.5);

		cJSON_AddNumberToObject(o, "median_seconds", (double)median);
		cJSON_AddStringToObject(o, "median", duration_format(median, d, sizeof(d)));
	}
	if (n < 2) {
		cJSON_AddNullToObject(o, "trend_seconds_per_release");
		cJSON_AddNullToObject(o, "trend_at_first_seconds");
		cJSON_AddNullToObject(o, "trend");
		return o;
	}
	cJSON_AddNumberToObject(o, "trend_seconds_per_release", round_to(slope, 1));
	cJSON_AddNumberToObject(o, "trend_at_first_seconds", round_to(intercept, 1));
	/* To the nearest minute (duration_format would cut 9m50s to 9m); under half a minute reads as flat. */
	minutes = (long)round_to((slope < 0 ? -slope : slope) / 60, 1);
	if (minutes == 0)
		snprintf(text, sizeof(text), "flat");
	else
		snprintf(text, sizeof(text), "%s %s per release", slope < 0 ? "down" : "up",
			 duration_format(minutes * 60, d, sizeof(d)));
	cJSON_AddStringToObject(o, "trend", text);
	return o;
}

/*
 * Which kind of release sum is, for trends that do not mix betas with finals:
 * the value of the playbook's first enum var (its release type), or, with
 * none, "prerelease" or "final" from the version's own parts.  *by names the
 * grouping ("type", "prerelease").
 */
static const char *release_group(const struct playbook *pb, const struct release_summary *sum, const char **by)
{
	struct version_parts parts;
	size_t i;

	for (i = 0; i < pb->var_count; i++)
		if (pb->vars[i].type == VAR_ENUM) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(sum->vars, pb->vars[i].name);

			*by = pb->vars[i].name;
			return cJSON_IsString(v) ? v->valuestring : pb->vars[i].default_value;
		}
	*by = "prerelease";
	version_split(sum->version, &parts);
	return parts.prerelease[0] ? "prerelease" : "final";
}

/*
 * lead_time.groups: the same lead times per kind of release (release_group),
 * each trend over the releases of its kind only, oldest first.
 */
static void add_lead_groups(cJSON *lead, const struct release_summary *const *figs, size_t count,
			    const struct playbook *pb)
{
	const char *by = "prerelease", **kinds = xcalloc(count + 1, sizeof(*kinds));
	long *ship = xcalloc(count + 1, sizeof(*ship)), *complete = xcalloc(count + 1, sizeof(*complete));
	double *ship_x = xcalloc(count + 1, sizeof(*ship_x)), *complete_x = xcalloc(count + 1, sizeof(*complete_x));
	cJSON *groups = cJSON_CreateArray();
	size_t i, k;

	for (i = 0; i < count; i++)
		kinds[i] = release_group(pb, figs[i], &by);
	cJSON_AddStringToObject(lead, "grouped_by", by);
	for (i = 0; i < count; i++) {
		size_t nship = 0, ncomplete = 0, place = 0;
		cJSON *g;

		for (k = 0; k < i; k++)
			if (strcmp(kinds[k], kinds[i]) == 0)
				break;
		if (k < i)
			continue; /* that kind is done */
		for (k = i; k < count; k++) {
			if (strcmp(kinds[k], kinds[i]) != 0)
				continue;
			add_lead(figs[k], (double)place, ship, ship_x, &nship, complete, complete_x, &ncomplete);
			place++;
		}
		g = cJSON_CreateObject();
		cJSON_AddStringToObject(g, "group", kinds[i]);
		cJSON_AddNumberToObject(g, "releases", (double)place);
		cJSON_AddItemToObject(g, "start_to_ship", lead_json(ship, ship_x, nship));
		cJSON_AddItemToObject(g, "start_to_complete", lead_json(complete, complete_x, ncomplete));
		cJSON_AddItemToArray(groups, g);
	}
	cJSON_AddItemToObject(lead, "groups", groups);
	free(kinds);
	free(ship);
	free(complete);
	free(ship_x);
	free(complete_x);
}

static const struct stats_automation *automation_of(const struct stats_options *opt, const char *step)
{
	size_t i;

	for (i = 0; opt && i < opt->automation_count; i++)
		if (strcmp(opt->automation[i].step, step) == 0)
			return &opt->automation[i];
	return NULL;
}

/* One step's work over the finished releases of the range. */
struct cost {
	const struct pb_step *step;
	long total;    /* seconds, every round */
	size_t rounds;
};

static int costliest_first(const void *a, const void *b)
{
	const struct cost *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return (x->step->index > y->step->index) - (x->step->index < y->step->index);
}

static cJSON *cost_entry(const struct cost *c, size_t finished, double per_year, const struct stats_options *opt)
{
	const struct stats_automation *a = automation_of(opt, c->step->id);
	double each = finished ? (double)c->total / (double)finished : 0, yearly = each * per_year;
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "step", c->step->id);
	cJSON_AddStringToObject(e, "owner", c->step->owner);
	cJSON_AddNumberToObject(e, "rounds", (double)c->rounds);
	cJSON_AddNumberToObject(e, "work_seconds", (double)c->total);
	cJSON_AddNumberToObject(e, "per_release_seconds", round_to(each, 1));
	if (per_year > 0) {
		cJSON_AddNumberToObject(e, "per_year_seconds", round_to(yearly, 1));
		cJSON_AddNumberToObject(e, "hours_per_year", round_to(yearly / 3600, 100));
	} else {
		cJSON_AddNullToObject(e, "per_year_seconds");
		cJSON_AddNullToObject(e, "hours_per_year");
	}
	if (a)
		cJSON_AddNumberToObject(e, "automation_seconds", (double)a->seconds);
	else
		cJSON_AddNullToObject(e, "automation_seconds");
	if (a && yearly > 0 && c->step->kind != STEP_WAIT)
		cJSON_AddNumberToObject(e, "payback_years", round_to((double)a->seconds / yearly, 100));
	else
		cJSON_AddNullToObject(e, "payback_years");
	return e;
}

/*
 * What each step costs: its measured work per finished release (open ones
 * are not over yet), times the releases a year; wait steps apart, since
 * their time is waiting, not work; the decision is not measured.  With an
 * automation estimate, the years it takes to pay back (the seed: 10 hours
 * of automation to save two hours a year is five years).
 */
static cJSON *cost_json(const struct release_summary *const *figs, size_t count, const struct playbook *pb,
			double per_year, const struct stats_options *opt)
{
	cJSON *o = cJSON_CreateObject(), *steps, *waits;
	struct cost *costs = xcalloc(pb->step_count + 1, sizeof(*costs));
	size_t finished = 0, n = 0, i, k;

	for (k = 0; k < count; k++)
		if (figs[k]->status != RELEASE_OPEN)
			finished++;
	for (i = 0; i < pb->step_count; i++) {
		if (pb->steps[i].kind == STEP_DECISION)
			continue;
		costs[n].step = &pb->steps[i];
		for (k = 0; k < count; k++) {
			const struct step_summary *r = summary_step(figs[k], pb->steps[i].id);

			if (r && figs[k]->status != RELEASE_OPEN) {
				costs[n].total += r->work;
				costs[n].rounds += (size_t)r->rounds;
			}
		}
		n++;
	}
	qsort(costs, n, sizeof(*costs), costliest_first);
	if (per_year > 0)
		cJSON_AddNumberToObject(o, "releases_per_year", round_to(per_year, 100));
	else
		cJSON_AddNullToObject(o, "releases_per_year");
	cJSON_AddNumberToObject(o, "releases_measured", (double)finished);
	steps = cJSON_AddArrayToObject(o, "steps");
	waits = cJSON_AddArrayToObject(o, "waits");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(costs[i].step->kind == STEP_WAIT ? waits : steps,
				     cost_entry(&costs[i], finished, per_year, opt));
	free(costs);
	return o;
}

/* Who did no step of the last n finished releases (of the range): off the critical path since the next one. */
static cJSON *off_json(const struct tally *range, size_t range_count, const struct release_summary *const *figs,
		       size_t count, size_t n)
{
	cJSON *list = cJSON_CreateArray();
	size_t i, k;

	for (i = 0; i < range_count; i++) {
		size_t finished = 0;
		cJSON *o;

		for (k = range[i].last + 1; k < count; k++)
			if (figs[k]->status != RELEASE_OPEN)
				finished++;
		if (finished < n)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "person", range[i].person);
		cJSON_AddStringToObject(o, "since", figs[range[i].last + 1]->version);
		cJSON_AddStringToObject(o, "last_release", figs[range[i].last]->version);
		cJSON_AddNumberToObject(o, "releases_without", (double)(count - range[i].last - 1));
		cJSON_AddItemToArray(list, o);
	}
	return list;
}

/*
 * Adds to each entry of people the last release with a step of theirs, their
 * name and the two roles relctl gives powers to (from pb, or else from the
 * newest release whose playbook has them, as its summary describes them).
 */
static void describe_people(cJSON *people, const struct playbook *pb, const struct release_summary *const *figs,
			    size_t count, const struct tally *range, size_t range_count)
{
	cJSON *item;

	cJSON_ArrayForEach(item, people)
	{
		const char *id = cJSON_GetObjectItemCaseSensitive(item, "person")->valuestring;
		const struct pb_person *p = playbook_person(pb, id);
		const struct person_summary *earlier = NULL;
		size_t k;

		for (k = 0; k < range_count; k++)
			if (strcmp(range[k].person, id) == 0)
				cJSON_AddStringToObject(item, "last_release", figs[range[k].last]->version);
		for (k = count; p == NULL && earlier == NULL && k-- > 0;)
			earlier = summary_person(figs[k], id);
		if (p == NULL && earlier == NULL)
			continue;
		cJSON_AddStringToObject(item, "name", p ? p->name : earlier->name);
		/* "product_owner": who decides a release, whatever the playbook calls the role. */
		cJSON_AddBoolToObject(item, "product_owner", p ? person_decides(pb, p) : earlier->product_owner);
		cJSON_AddBoolToObject(item, "release_manager", p ? ledger_is_manager(p) : earlier->release_manager);
	}
}

static void add_trends(cJSON *root, const struct release_summary *const *releases, size_t count,
		       const struct playbook *pb, const struct stats_options *opt)
{
	const struct release_summary **figs = xcalloc(count + 1, sizeof(*figs));
	struct tally *range = NULL;
	size_t range_count = 0, i, nship = 0, ncomplete = 0;
	const char **first = xcalloc(pb->step_count + 1, sizeof(*first));
	bool *several = xcalloc(pb->step_count + 1, sizeof(*several));
	long *ship = xcalloc(count + 1, sizeof(*ship)), *complete = xcalloc(count + 1, sizeof(*complete));
	double *ship_x = xcalloc(count + 1, sizeof(*ship_x)), *complete_x = xcalloc(count + 1, sizeof(*complete_x));
	double per_year = 0;
	cJSON *list, *span, *lead;
	size_t off_after = opt && opt->off_after ? opt->off_after : STATS_OFF_AFTER;

	/* Oldest first from here on. */
	for (i = 0; i < count; i++)
		figs[i] = releases[count - 1 - i];
	list = cJSON_AddArrayToObject(root, "by_release");
	for (i = 0; i < count; i++) {
		cJSON_AddItemToArray(list, release_json(figs[i], pb, &range, &range_count, i, first, several));
		add_lead(figs[i], (double)i, ship, ship_x, &nship, complete, complete_x, &ncomplete);
	}
	span = cJSON_AddObjectToObject(root, "range");
	if (count > 0) {
		time_t from = figs[0]->started_at, to = figs[count - 1]->started_at;

		cJSON_AddStringToObject(span, "first", figs[0]->version);
		cJSON_AddStringToObject(span, "last", figs[count - 1]->version);
		json_add_time_or_null(span, "from", from);
		json_add_time_or_null(span, "to", to);
		cJSON_AddNumberToObject(span, "days", round_to((double)(to - from) / 86400, 100));
		/* count releases started over the span make count - 1 intervals. */
		if (to > from)
			per_year = (double)(count - 1) * (double)STATS_YEAR_SECONDS / (double)(to - from);
	}
	if (per_year > 0)
		cJSON_AddNumberToObject(span, "releases_per_year", round_to(per_year, 100));
	else
		cJSON_AddNullToObject(span, "releases_per_year");
	cJSON_AddNumberToObject(root, "off_after", (double)off_after);
	cJSON_AddItemToObject(root, "off_critical_path", off_json(range, range_count, figs, count, off_after));
	describe_people(cJSON_GetObjectItemCaseSensitive(root, "people"), pb, figs, count, range, range_count);
	lead = cJSON_AddObjectToObject(root, "lead_time");
	cJSON_AddItemToObject(lead, "start_to_ship", lead_json(ship, ship_x, nship));
	cJSON_AddItemToObject(lead, "start_to_complete", lead_json(complete, complete_x, ncomplete));
	add_lead_groups(lead, figs, count, pb);
	cJSON_AddItemToObject(root, "step_cost", cost_json(figs, count, pb, per_year, opt));
	free(figs);
	free(range);
	free(first);
	free(several);
	free(ship);
	free(complete);
	free(ship_x);
	free(complete_x);
}

cJSON *stats_build(const struct release_summary *const *releases, size_t count, const struct playbook *pb,
		   const struct stats_options *opt)
{
	const struct release_summary **real = xcalloc(count + 1, sizeof(*real));
	size_t n = 0, i;
	cJSON *root;

	/* Rehearsals are practice: kept out of every figure. */
	for (i = 0; i < count; i++)
		if (!releases[i]->rehearsal)
			real[n++] = releases[i];
	root = overall(real, n, pb);
	add_trends(root, real, n, pb, opt);
	free(real);
	return root;
}

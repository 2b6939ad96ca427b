/*
 * Statistics over the releases of a ledger.  Durations are measured from
 * each step's final record in a release: ready-to-done (what the release
 * waited) and claim-to-done (the work itself).  Medians feed the critical
 * path; the 90th percentile shows how bad it gets.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "schedule.h"
#include "stats.h"
#include "util.h"

static int compare_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
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

/* One step's record in one release, when it was done. */
static const struct step_record *done_record(const struct release_state *st, const char *id)
{
	const struct pb_step *s = playbook_step(st->pb, id);

	if (s == NULL || st->steps[s->index].base != STATE_DONE || st->steps[s->index].done_at == 0)
		return NULL;
	return &st->steps[s->index];
}

/*
 * When the step last became ready: a delay reopens what it needs and makes
 * it pending again, but its record keeps the first ready_at, so the latest
 * finish of its needs (before it was done) counts instead.
 */
static time_t ready_time(const struct release_state *st, const char *id, const struct step_record *r)
{
	const struct pb_step *s = playbook_step(st->pb, id);
	time_t t = r->ready_at;
	size_t k;

	for (k = 0; s && t && k < s->needs.count; k++) {
		const struct pb_step *dep = playbook_step(st->pb, s->needs.items[k]);
		time_t done = dep ? st->steps[dep->index].done_at : 0;

		if (done > t && done <= r->done_at)
			t = done;
	}
	return t;
}

static const char *performer(const struct step_record *r)
{
	return r->holder ? r->holder : r->done_by;
}

long *stats_durations(const struct release_state *const *releases, size_t count, const struct playbook *pb,
		      bool *measured)
{
	long *out = xcalloc(pb->step_count + 1, sizeof(*out));
	long *values = xcalloc(count + 1, sizeof(*values));
	size_t i, k;

	for (i = 0; i < pb->step_count; i++) {
		size_t n = 0;

		for (k = 0; k < count; k++) {
			const struct step_record *r = done_record(releases[k], pb->steps[i].id);
			time_t ready = r ? ready_time(releases[k], pb->steps[i].id, r) : 0;

			if (r && ready && r->done_at >= ready)
				values[n++] = (long)(r->done_at - ready);
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
	const char *step, *item, *text; /* borrowed from the releases */
	size_t checked, fails, nas;
};

static struct item_tally *tally_of(struct item_tally **list, size_t *n, const char *step, const struct check_item *it)
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

/* Counts one checklist's results; its time, first result to last, when every item has one. */
static void tally_checklist(const struct checklist *list, const char *step, struct item_tally **tally, size_t *n,
			    long *spans, size_t *span_count)
{
	time_t first = 0, last = 0;
	bool complete = true;
	size_t k;

	for (k = 0; k < list->count; k++) {
		const struct check_item *it = &list->items[k];
		struct item_tally *t;

		if (it->removed_by)
			continue;
		if (it->result == NULL) {
			complete = false;
			continue;
		}
		t = tally_of(tally, n, step, it);
		t->checked++;
		t->fails += strcmp(it->result, "fail") == 0;
		t->nas += strcmp(it->result, "na") == 0;
		if (first == 0 || it->at < first)
			first = it->at;
		if (it->at > last)
			last = it->at;
	}
	if (complete && first)
		spans[(*span_count)++] = (long)(last - first);
}

/*
 * The items that failed most often across releases, the ones always "na"
 * (checked at least twice and never run: candidates to delete), and how
 * long a checklist takes from its first result to its last.
 */
static cJSON *checklist_stats(const struct release_state *const *releases, size_t count)
{
	cJSON *o = cJSON_CreateObject(), *failed = cJSON_AddArrayToObject(o, "failed_most"), *na;
	struct item_tally *tally = NULL;
	size_t n = 0, lists = 0, spans_n = 0, i, k, c;
	long *spans;

	for (i = 0; i < count; i++)
		for (k = 0; k < releases[i]->pb->step_count; k++)
			lists += releases[i]->steps[k].earlier_count + 1;
	spans = xcalloc(lists + 1, sizeof(*spans));
	for (i = 0; i < count; i++)
		for (k = 0; k < releases[i]->pb->step_count; k++) {
			const struct step_record *r = &releases[i]->steps[k];
			const char *step = releases[i]->pb->steps[k].id;

			for (c = 0; c < r->earlier_count; c++)
				tally_checklist(&r->earlier[c], step, &tally, &n, spans, &spans_n);
			tally_checklist(&r->checklist, step, &tally, &n, spans, &spans_n);
		}
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

cJSON *stats_build(const struct release_state *const *releases, size_t count, const struct playbook *pb)
{
	cJSON *root = cJSON_CreateObject(), *steps, *phases, *bus, *share, *totals = cJSON_CreateObject(), *path;
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
			const struct step_record *r = done_record(releases[k], s->id);
			time_t since;

			if (r == NULL)
				continue;
			since = ready_time(releases[k], s->id, r);
			if (since && r->done_at >= since)
				ready[nr++] = (long)(r->done_at - since);
			if (r->claimed_at && r->done_at >= r->claimed_at)
				work[nw++] = (long)(r->done_at - r->claimed_at);
			if (performer(r)) {
				count_person(people, performer(r));
				count_person(totals, performer(r));
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
				const struct pb_step *s = &pb->steps[ph->first_step + i];
				const struct pb_step *rs = playbook_step(releases[k]->pb, s->id);
				const struct step_record *r = rs ? &releases[k]->steps[rs->index] : NULL;

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
	share = cJSON_AddArrayToObject(root, "people");
	cJSON_ArrayForEach(item, totals)
	{
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "person", item->string);
		cJSON_AddNumberToObject(o, "steps_done", item->valuedouble);
		cJSON_AddNumberToObject(o, "share", all > 0 ? (double)(long)(item->valuedouble * 1000 / all + 0.5) / 1000 : 0);
		cJSON_AddItemToArray(share, o);
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

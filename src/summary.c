/*
 * What a release tells the releases after it (summary.h): made from a
 * replayed release, written and read back as JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "playbook.h"
#include "summary.h"
#include "util.h"

const struct step_record *release_done_record(const struct release_state *st, const char *id)
{
	const struct pb_step *s = playbook_step(st->pb, id);

	if (s == NULL || st->steps[s->index].base != STATE_DONE || st->steps[s->index].done_at == 0)
		return NULL;
	return &st->steps[s->index];
}

time_t release_ready_since(const struct release_state *st, const char *id, const struct step_record *r)
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

static cJSON *ids_or_empty(const cJSON *list)
{
	return list ? cJSON_Duplicate(list, 1) : cJSON_CreateArray();
}

struct release_summary *summary_of(const struct release_state *st)
{
	struct release_summary *sum = xcalloc(1, sizeof(*sum));
	size_t k;

	sum->version = xstrdup(st->version);
	sum->started_at = st->started_at;
	sum->rehearsal = st->rehearsal;
	sum->step_count = st->pb->step_count;
	sum->steps = xcalloc(sum->step_count + 1, sizeof(*sum->steps));
	for (k = 0; k < sum->step_count; k++) {
		struct step_summary *s = &sum->steps[k];
		const struct step_record *r = release_done_record(st, st->pb->steps[k].id);
		time_t ready = r ? release_ready_since(st, st->pb->steps[k].id, r) : 0;

		s->id = xstrdup(st->pb->steps[k].id);
		s->performers = ids_or_empty(st->steps[k].performers);
		s->shadowed = ids_or_empty(st->steps[k].shadowed);
		s->waited = r && ready && r->done_at >= ready ? (long)(r->done_at - ready) : -1;
	}
	return sum;
}

struct release_summary **summaries_of(const struct release_state *const *releases, size_t count)
{
	struct release_summary **out = xcalloc(count + 1, sizeof(*out));
	size_t i;

	for (i = 0; i < count; i++)
		out[i] = summary_of(releases[i]);
	return out;
}

void summaries_free(struct release_summary **sums, size_t count)
{
	size_t i;

	for (i = 0; sums && i < count; i++)
		summary_free(sums[i]);
	free(sums);
}

cJSON *summary_to_json(const struct release_summary *sum)
{
	cJSON *root = cJSON_CreateObject(), *steps;
	char t[32];
	size_t k;

	cJSON_AddNumberToObject(root, "summary", SUMMARY_FORMAT);
	cJSON_AddStringToObject(root, "version", sum->version);
	cJSON_AddStringToObject(root, "started", time_format(sum->started_at, t, sizeof(t)));
	cJSON_AddBoolToObject(root, "rehearsal", sum->rehearsal);
	steps = cJSON_AddArrayToObject(root, "steps");
	for (k = 0; k < sum->step_count; k++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", sum->steps[k].id);
		cJSON_AddItemToObject(o, "performers", cJSON_Duplicate(sum->steps[k].performers, 1));
		cJSON_AddItemToObject(o, "shadowed", cJSON_Duplicate(sum->steps[k].shadowed, 1));
		cJSON_AddNumberToObject(o, "waited", (double)sum->steps[k].waited);
		cJSON_AddItemToArray(steps, o);
	}
	return root;
}

/* A list of person ids, each once. */
static cJSON *ids_from(const cJSON *list, const char *what, struct error *err)
{
	const cJSON *item;
	cJSON *out;

	if (!cJSON_IsArray(list)) {
		error_set(err, EXIT_DATAERR, "%s is not a list", what);
		return NULL;
	}
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(item, list)
	{
		const cJSON *seen;

		if (!cJSON_IsString(item) || !identifier_valid(item->valuestring)) {
			error_set(err, EXIT_DATAERR, "%s holds something that is not a person's id", what);
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_ArrayForEach(seen, out)
			if (strcmp(seen->valuestring, item->valuestring) == 0)
				break;
		if (seen == NULL)
			cJSON_AddItemToArray(out, cJSON_CreateString(item->valuestring));
	}
	return out;
}

struct release_summary *summary_from_json(const cJSON *json, struct error *err)
{
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(json, "summary");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(json, "version");
	const cJSON *started = cJSON_GetObjectItemCaseSensitive(json, "started");
	const cJSON *rehearsal = cJSON_GetObjectItemCaseSensitive(json, "rehearsal");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(json, "steps"), *item;
	struct release_summary *sum;
	size_t k = 0;

	if (!cJSON_IsNumber(format) || format->valuedouble != SUMMARY_FORMAT) {
		error_set(err, EXIT_DATAERR, "not a summary of format %d", SUMMARY_FORMAT);
		return NULL;
	}
	if (!cJSON_IsString(version) || !version_valid(version->valuestring) || !cJSON_IsString(started) ||
	    !cJSON_IsBool(rehearsal) || !cJSON_IsArray(steps)) {
		error_set(err, EXIT_DATAERR, "a summary needs a version, a start, whether it was a rehearsal and its steps");
		return NULL;
	}
	sum = xcalloc(1, sizeof(*sum));
	sum->version = xstrdup(version->valuestring);
	sum->rehearsal = cJSON_IsTrue(rehearsal);
	sum->step_count = (size_t)cJSON_GetArraySize(steps);
	sum->steps = xcalloc(sum->step_count + 1, sizeof(*sum->steps));
	if (time_parse(started->valuestring, &sum->started_at) != 0) {
		error_set(err, EXIT_DATAERR, "a summary's start is not a time");
		goto bad;
	}
	cJSON_ArrayForEach(item, steps)
	{
		struct step_summary *s = &sum->steps[k++];
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
		const cJSON *waited = cJSON_GetObjectItemCaseSensitive(item, "waited");

		if (!cJSON_IsString(id) || !identifier_valid(id->valuestring) || summary_step(sum, id->valuestring) ||
		    !cJSON_IsNumber(waited) || waited->valuedouble < -1 || waited->valuedouble > 1e15 ||
		    waited->valuedouble != (double)(long)waited->valuedouble) {
			error_set(err, EXIT_DATAERR, "a summary's step needs an id of its own and the seconds it waited");
			goto bad;
		}
		s->waited = (long)waited->valuedouble;
		s->performers = ids_from(cJSON_GetObjectItemCaseSensitive(item, "performers"), "a step's performers", err);
		s->shadowed = ids_from(cJSON_GetObjectItemCaseSensitive(item, "shadowed"), "a step's shadows", err);
		s->id = xstrdup(id->valuestring);
		if (s->performers == NULL || s->shadowed == NULL)
			goto bad;
	}
	return sum;
bad:
	summary_free(sum);
	return NULL;
}

void summary_free(struct release_summary *sum)
{
	size_t k;

	if (sum == NULL)
		return;
	for (k = 0; k < sum->step_count; k++) {
		free(sum->steps[k].id);
		cJSON_Delete(sum->steps[k].performers);
		cJSON_Delete(sum->steps[k].shadowed);
	}
	free(sum->steps);
	free(sum->version);
	free(sum);
}

const struct step_summary *summary_step(const struct release_summary *sum, const char *id)
{
	size_t k;

	for (k = 0; k < sum->step_count; k++)
		if (sum->steps[k].id && strcmp(sum->steps[k].id, id) == 0)
			return &sum->steps[k];
	return NULL;
}

bool summary_has_shadowed(const struct release_summary *sum, const char *step, const char *person)
{
	const struct step_summary *s = summary_step(sum, step);
	const cJSON *item;

	if (s == NULL)
		return false;
	cJSON_ArrayForEach(item, s->shadowed)
		if (strcmp(item->valuestring, person) == 0)
			return true;
	return false;
}

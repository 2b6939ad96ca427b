/*
 * What a release tells the releases after it (summary.h): made from a
 * replayed release and its events, written and read back as JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "ledger.h"
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

static struct item_summary *item_of(struct step_summary *s, const struct check_item *it)
{
	size_t i;

	for (i = 0; i < s->item_count; i++)
		if (strcmp(s->items[i].id, it->id) == 0)
			return &s->items[i];
	s->items = xrealloc(s->items, (s->item_count + 1) * sizeof(*s->items));
	memset(&s->items[s->item_count], 0, sizeof(*s->items));
	s->items[s->item_count].id = xstrdup(it->id);
	s->items[s->item_count].text = xstrdup(it->text);
	return &s->items[s->item_count++];
}

/* Counts one checklist's results; its time, first result to last, when every item has one. */
static void tally_checklist(struct step_summary *s, const struct checklist *list)
{
	time_t first = 0, last = 0;
	bool complete = true;
	size_t k;

	for (k = 0; k < list->count; k++) {
		const struct check_item *it = &list->items[k];
		struct item_summary *t;

		if (it->removed_by)
			continue;
		if (it->result == NULL) {
			complete = false;
			continue;
		}
		t = item_of(s, it);
		t->checked++;
		t->fails += strcmp(it->result, "fail") == 0;
		t->nas += strcmp(it->result, "na") == 0;
		if (first == 0 || it->at < first)
			first = it->at;
		if (it->at > last)
			last = it->at;
	}
	if (complete && first) {
		s->spans = xrealloc(s->spans, (s->span_count + 1) * sizeof(*s->spans));
		s->spans[s->span_count++] = (long)(last - first);
	}
}

/* The final record of step k as stats reads it: state, performer, times, the work of its last try. */
static void record_of(struct step_summary *s, const struct release_state *st, size_t k)
{
	const struct step_record *r = &st->steps[k];
	const struct step_record *done = release_done_record(st, st->pb->steps[k].id);
	time_t ready = done ? release_ready_since(st, st->pb->steps[k].id, done) : 0;
	size_t c;

	s->waited = done && ready && done->done_at >= ready ? (long)(done->done_at - ready) : -1;
	s->base = r->base == STATE_DONE || r->base == STATE_SKIPPED ? r->base : STATE_PENDING;
	s->worked = -1;
	if (r->base == STATE_DONE) {
		const char *who = r->holder ? r->holder : r->done_by;

		s->performer = who ? xstrdup(who) : NULL;
		s->ready_at = r->ready_at;
		s->done_at = r->done_at;
	}
	/* Every try of the work, not the rework alone after a rejected review. */
	if (done && done->worked > 0)
		s->worked = done->worked;
	else if (done && done->claimed_at && done->done_at >= done->claimed_at)
		s->worked = (long)(done->done_at - done->claimed_at);
	for (c = 0; c < r->earlier_count; c++)
		tally_checklist(s, &r->earlier[c]);
	tally_checklist(s, &r->checklist);
}

/*
 * Replays the release's events (the rules are ledger.c's) and adds up each
 * round of work: every time a step is done, the time since it was claimed,
 * so rc1's build counts as well as rc2's, and a rejected step's rework too;
 * and when the release last became complete.
 */
static void measure(struct release_summary *sum, const struct release_state *st, const cJSON *doc)
{
	struct release_state *replay;
	const cJSON *ev;
	struct error ignored;

	if (doc == NULL)
		return;
	replay = release_state_new(st->pb, st->version);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "step");
		const struct pb_step *s = cJSON_IsString(id) ? playbook_step(st->pb, id->valuestring) : NULL;
		time_t before = s ? replay->steps[s->index].done_at : 0;
		const struct step_record *r;

		if (ledger_apply(replay, ev, &ignored) != 0)
			continue;
		if (replay->status != RELEASE_COMPLETE)
			sum->completed_at = 0;
		else if (sum->completed_at == 0)
			sum->completed_at = replay->updated_at;
		if (s == NULL)
			continue;
		r = &replay->steps[s->index];
		if (r->done_at && r->done_at != before && r->claimed_at && r->done_at >= r->claimed_at) {
			sum->steps[s->index].work += (long)(r->done_at - r->claimed_at);
			sum->steps[s->index].rounds++;
		}
	}
	release_state_free(replay);
}

/* Its decisions (the last ship, every delay), its string vars and its playbook's people. */
static void release_facts(struct release_summary *sum, const struct release_state *st)
{
	const cJSON *var;
	size_t i;

	for (i = 0; i < st->decision_count; i++) {
		const struct decision_record *d = &st->decisions[i];
		struct delay_summary *delay;
		char label[48];

		if (strcmp(d->decision, "ship") == 0)
			sum->shipped_at = d->at;
		if (strcmp(d->decision, "delay") != 0)
			continue;
		sum->delays = xrealloc(sum->delays, (sum->delay_count + 1) * sizeof(*sum->delays));
		delay = &sum->delays[sum->delay_count++];
		delay->candidate = d->candidate;
		delay->label = xstrdup(candidate_short(st->pb, d->candidate, label, sizeof(label)));
		delay->after = (long)(d->at - st->started_at);
	}
	sum->vars = cJSON_CreateObject();
	cJSON_ArrayForEach(var, st->vars)
		if (cJSON_IsString(var))
			cJSON_AddStringToObject(sum->vars, var->string, var->valuestring);
	sum->person_count = st->pb->person_count;
	sum->people = xcalloc(sum->person_count + 1, sizeof(*sum->people));
	for (i = 0; i < sum->person_count; i++) {
		const struct pb_person *p = &st->pb->people[i];

		sum->people[i].id = xstrdup(p->id);
		sum->people[i].name = xstrdup(p->name);
		sum->people[i].product_owner = person_decides(st->pb, p);
		sum->people[i].release_manager = ledger_is_manager(p);
	}
}

struct release_summary *summary_of(const struct release_state *st, const cJSON *doc)
{
	struct release_summary *sum = xcalloc(1, sizeof(*sum));
	size_t k;

	sum->version = xstrdup(st->version);
	sum->started_at = st->started_at;
	sum->rehearsal = st->rehearsal;
	sum->status = st->status;
	sum->candidate = st->candidate;
	sum->step_count = st->pb->step_count;
	sum->steps = xcalloc(sum->step_count + 1, sizeof(*sum->steps));
	for (k = 0; k < sum->step_count; k++) {
		struct step_summary *s = &sum->steps[k];

		s->id = xstrdup(st->pb->steps[k].id);
		s->performers = ids_or_empty(st->steps[k].performers);
		s->shadowed = ids_or_empty(st->steps[k].shadowed);
		record_of(s, st, k);
	}
	release_facts(sum, st);
	measure(sum, st, doc);
	return sum;
}

struct release_summary **summaries_of(const struct release_state *const *releases, const cJSON *const *docs,
				      size_t count)
{
	struct release_summary **out = xcalloc(count + 1, sizeof(*out));
	size_t i;

	for (i = 0; i < count; i++)
		out[i] = summary_of(releases[i], docs ? docs[i] : NULL);
	return out;
}

void summaries_free(struct release_summary **sums, size_t count)
{
	size_t i;

	for (i = 0; sums && i < count; i++)
		summary_free(sums[i]);
	free(sums);
}

static const char *base_name(enum step_state base)
{
	return base == STATE_DONE ? "done" : base == STATE_SKIPPED ? "skipped" : "other";
}

/* A step's figures: what stats reads of it. */
static cJSON *step_figures_json(const struct step_summary *s)
{
	cJSON *o = cJSON_CreateObject(), *items, *spans;
	size_t i;

	cJSON_AddStringToObject(o, "id", s->id);
	cJSON_AddStringToObject(o, "state", base_name(s->base));
	if (s->performer)
		cJSON_AddStringToObject(o, "performer", s->performer);
	else
		cJSON_AddNullToObject(o, "performer");
	json_add_time_or_null(o, "ready_at", s->ready_at);
	json_add_time_or_null(o, "done_at", s->done_at);
	cJSON_AddNumberToObject(o, "worked", (double)s->worked);
	cJSON_AddNumberToObject(o, "work", (double)s->work);
	cJSON_AddNumberToObject(o, "rounds", (double)s->rounds);
	items = cJSON_AddArrayToObject(o, "items");
	for (i = 0; i < s->item_count; i++) {
		cJSON *it = cJSON_CreateObject();

		cJSON_AddStringToObject(it, "id", s->items[i].id);
		cJSON_AddStringToObject(it, "text", s->items[i].text);
		cJSON_AddNumberToObject(it, "checked", (double)s->items[i].checked);
		cJSON_AddNumberToObject(it, "fails", (double)s->items[i].fails);
		cJSON_AddNumberToObject(it, "nas", (double)s->items[i].nas);
		cJSON_AddItemToArray(items, it);
	}
	spans = cJSON_AddArrayToObject(o, "spans");
	for (i = 0; i < s->span_count; i++)
		cJSON_AddItemToArray(spans, cJSON_CreateNumber((double)s->spans[i]));
	return o;
}

cJSON *summary_delays_json(const struct release_summary *sum)
{
	cJSON *list = cJSON_CreateArray();
	size_t k;

	for (k = 0; k < sum->delay_count; k++) {
		cJSON *d = cJSON_CreateObject();

		cJSON_AddNumberToObject(d, "candidate", sum->delays[k].candidate);
		cJSON_AddStringToObject(d, "label", sum->delays[k].label);
		cJSON_AddNumberToObject(d, "after_seconds", (double)sum->delays[k].after);
		cJSON_AddItemToArray(list, d);
	}
	return list;
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

cJSON *summary_figures_to_json(const struct release_summary *sum)
{
	cJSON *root = cJSON_CreateObject(), *list;
	size_t k;

	cJSON_AddNumberToObject(root, "summary", SUMMARY_FORMAT);
	cJSON_AddStringToObject(root, "version", sum->version);
	cJSON_AddStringToObject(root, "status", release_status_name(sum->status));
	cJSON_AddNumberToObject(root, "candidate", sum->candidate);
	json_add_time_or_null(root, "shipped", sum->shipped_at);
	json_add_time_or_null(root, "completed", sum->completed_at);
	cJSON_AddItemToObject(root, "delays", summary_delays_json(sum));
	cJSON_AddItemToObject(root, "vars", cJSON_Duplicate(sum->vars, 1));
	list = cJSON_AddArrayToObject(root, "people");
	for (k = 0; k < sum->person_count; k++) {
		cJSON *p = cJSON_CreateObject();

		cJSON_AddStringToObject(p, "id", sum->people[k].id);
		cJSON_AddStringToObject(p, "name", sum->people[k].name);
		cJSON_AddBoolToObject(p, "product_owner", sum->people[k].product_owner);
		cJSON_AddBoolToObject(p, "release_manager", sum->people[k].release_manager);
		cJSON_AddItemToArray(list, p);
	}
	list = cJSON_AddArrayToObject(root, "steps");
	for (k = 0; k < sum->step_count; k++)
		cJSON_AddItemToArray(list, step_figures_json(&sum->steps[k]));
	return root;
}

/* ---------- reading one back: every field checked ---------- */

/* Text a person wrote, safe to show: well-formed UTF-8 without C0, DEL or C1 control characters. */
static bool plain_text(const cJSON *text)
{
	const unsigned char *p;

	if (!cJSON_IsString(text) || !utf8_valid(text->valuestring, strlen(text->valuestring)))
		return false;
	for (p = (const unsigned char *)text->valuestring; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return false;
	return true;
}

/* A whole number from min to max. */
static bool whole(const cJSON *n, double min, double max, long *out)
{
	if (!cJSON_IsNumber(n) || n->valuedouble < min || n->valuedouble > max ||
	    n->valuedouble != (double)(long)n->valuedouble)
		return false;
	*out = (long)n->valuedouble;
	return true;
}

/* A time, or null for none (0). */
static bool time_or_null(const cJSON *t, time_t *out)
{
	*out = 0;
	if (cJSON_IsNull(t))
		return true;
	return cJSON_IsString(t) && time_parse(t->valuestring, out) == 0;
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

#define SECONDS_MAX 1e15
#define COUNT_MAX 1e9

static int items_from(struct step_summary *s, const cJSON *items, struct error *err)
{
	const cJSON *item;

	if (!cJSON_IsArray(items))
		return error_set(err, EXIT_DATAERR, "a summary's step needs its checklist items");
	s->items = xcalloc((size_t)cJSON_GetArraySize(items) + 1, sizeof(*s->items));
	cJSON_ArrayForEach(item, items)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(item, "text");
		struct item_summary *t = &s->items[s->item_count];
		size_t i;

		if (!cJSON_IsString(id) || !identifier_valid(id->valuestring) || !plain_text(text) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(item, "checked"), 1, COUNT_MAX, &t->checked) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(item, "fails"), 0, COUNT_MAX, &t->fails) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(item, "nas"), 0, COUNT_MAX, &t->nas) ||
		    t->fails + t->nas > t->checked)
			return error_set(err, EXIT_DATAERR,
					 "a summary's checklist item needs an id, its text and how often it was checked, failed and na");
		for (i = 0; i < s->item_count; i++)
			if (strcmp(s->items[i].id, id->valuestring) == 0)
				return error_set(err, EXIT_DATAERR, "a summary's step lists the item %s twice", id->valuestring);
		t->id = xstrdup(id->valuestring);
		t->text = xstrdup(text->valuestring);
		s->item_count++;
	}
	return 0;
}

static int spans_from(struct step_summary *s, const cJSON *spans, struct error *err)
{
	const cJSON *span;

	if (!cJSON_IsArray(spans))
		return error_set(err, EXIT_DATAERR, "a summary's step needs its checklists' times");
	s->spans = xcalloc((size_t)cJSON_GetArraySize(spans) + 1, sizeof(*s->spans));
	cJSON_ArrayForEach(span, spans)
		if (!whole(span, 0, SECONDS_MAX, &s->spans[s->span_count++]))
			return error_set(err, EXIT_DATAERR, "a summary's checklist time is not a number of seconds");
	return 0;
}

static int step_from(struct release_summary *sum, struct step_summary *s, const cJSON *item, struct error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");

	if (!cJSON_IsString(id) || !identifier_valid(id->valuestring) || summary_step(sum, id->valuestring) ||
	    !whole(cJSON_GetObjectItemCaseSensitive(item, "waited"), -1, SECONDS_MAX, &s->waited))
		return error_set(err, EXIT_DATAERR, "a summary's step needs an id of its own and the seconds it waited");
	s->performers = ids_from(cJSON_GetObjectItemCaseSensitive(item, "performers"), "a step's performers", err);
	s->shadowed = ids_from(cJSON_GetObjectItemCaseSensitive(item, "shadowed"), "a step's shadows", err);
	s->id = xstrdup(id->valuestring);
	return s->performers && s->shadowed ? 0 : -1;
}

/* The figures of step s, which must be the step item names. */
static int step_figures_from(struct step_summary *s, const cJSON *item, struct error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(item, "state");
	const cJSON *performer = cJSON_GetObjectItemCaseSensitive(item, "performer");

	if (!cJSON_IsString(id) || strcmp(id->valuestring, s->id) != 0)
		return error_set(err, EXIT_DATAERR, "a summary's figures are not of its steps, in its order");
	if (!cJSON_IsString(state) || (strcmp(state->valuestring, "done") != 0 &&
				       strcmp(state->valuestring, "skipped") != 0 && strcmp(state->valuestring, "other") != 0))
		return error_set(err, EXIT_DATAERR, "a summary's step needs its state: done, skipped or other");
	s->base = strcmp(state->valuestring, "done") == 0      ? STATE_DONE
		  : strcmp(state->valuestring, "skipped") == 0 ? STATE_SKIPPED
							       : STATE_PENDING;
	if (!cJSON_IsNull(performer) && (!cJSON_IsString(performer) || !identifier_valid(performer->valuestring)))
		return error_set(err, EXIT_DATAERR, "a summary's step's performer is not a person's id");
	if (cJSON_IsString(performer))
		s->performer = xstrdup(performer->valuestring);
	if (!time_or_null(cJSON_GetObjectItemCaseSensitive(item, "ready_at"), &s->ready_at) ||
	    !time_or_null(cJSON_GetObjectItemCaseSensitive(item, "done_at"), &s->done_at))
		return error_set(err, EXIT_DATAERR, "a summary's step's times are not times");
	if (!whole(cJSON_GetObjectItemCaseSensitive(item, "worked"), -1, SECONDS_MAX, &s->worked) ||
	    !whole(cJSON_GetObjectItemCaseSensitive(item, "work"), 0, SECONDS_MAX, &s->work) ||
	    !whole(cJSON_GetObjectItemCaseSensitive(item, "rounds"), 0, COUNT_MAX, &s->rounds))
		return error_set(err, EXIT_DATAERR, "a summary's step needs the seconds of its work and its rounds");
	if (items_from(s, cJSON_GetObjectItemCaseSensitive(item, "items"), err) != 0 ||
	    spans_from(s, cJSON_GetObjectItemCaseSensitive(item, "spans"), err) != 0)
		return -1;
	return 0;
}

static int delays_from(struct release_summary *sum, const cJSON *delays, struct error *err)
{
	const cJSON *item;

	if (!cJSON_IsArray(delays))
		return error_set(err, EXIT_DATAERR, "a summary needs its delays");
	sum->delays = xcalloc((size_t)cJSON_GetArraySize(delays) + 1, sizeof(*sum->delays));
	cJSON_ArrayForEach(item, delays)
	{
		struct delay_summary *d = &sum->delays[sum->delay_count];
		const cJSON *label = cJSON_GetObjectItemCaseSensitive(item, "label");
		long candidate;

		if (!whole(cJSON_GetObjectItemCaseSensitive(item, "candidate"), 1, COUNT_MAX, &candidate) ||
		    !plain_text(label) ||
		    !whole(cJSON_GetObjectItemCaseSensitive(item, "after_seconds"), -SECONDS_MAX, SECONDS_MAX, &d->after))
			return error_set(err, EXIT_DATAERR, "a summary's delay needs its candidate, label and time");
		d->candidate = (int)candidate;
		d->label = xstrdup(label->valuestring);
		sum->delay_count++;
	}
	return 0;
}

static int vars_from(struct release_summary *sum, const cJSON *vars, struct error *err)
{
	const cJSON *var;

	if (!cJSON_IsObject(vars))
		return error_set(err, EXIT_DATAERR, "a summary needs its vars");
	sum->vars = cJSON_CreateObject();
	cJSON_ArrayForEach(var, vars)
	{
		if (!identifier_valid(var->string) || !plain_text(var) ||
		    cJSON_GetObjectItemCaseSensitive(sum->vars, var->string))
			return error_set(err, EXIT_DATAERR, "a summary's vars are names of their own with text values");
		cJSON_AddStringToObject(sum->vars, var->string, var->valuestring);
	}
	return 0;
}

static int people_from(struct release_summary *sum, const cJSON *people, struct error *err)
{
	const cJSON *item;

	if (!cJSON_IsArray(people))
		return error_set(err, EXIT_DATAERR, "a summary needs its playbook's people");
	sum->people = xcalloc((size_t)cJSON_GetArraySize(people) + 1, sizeof(*sum->people));
	cJSON_ArrayForEach(item, people)
	{
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(item, "name");
		const cJSON *owner = cJSON_GetObjectItemCaseSensitive(item, "product_owner");
		const cJSON *manager = cJSON_GetObjectItemCaseSensitive(item, "release_manager");
		struct person_summary *p = &sum->people[sum->person_count];

		if (!cJSON_IsString(id) || !identifier_valid(id->valuestring) || summary_person(sum, id->valuestring) ||
		    !plain_text(name) || !cJSON_IsBool(owner) || !cJSON_IsBool(manager))
			return error_set(err, EXIT_DATAERR,
					 "a summary's person needs an id of their own, a name and their two roles");
		p->id = xstrdup(id->valuestring);
		p->name = xstrdup(name->valuestring);
		p->product_owner = cJSON_IsTrue(owner);
		p->release_manager = cJSON_IsTrue(manager);
		sum->person_count++;
	}
	return 0;
}

static bool status_from(const cJSON *status, enum release_status *out)
{
	static const enum release_status all[] = { RELEASE_OPEN, RELEASE_COMPLETE, RELEASE_ABORTED };
	size_t i;

	for (i = 0; cJSON_IsString(status) && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(status->valuestring, release_status_name(all[i])) == 0) {
			*out = all[i];
			return true;
		}
	return false;
}

struct release_summary *summary_from_json(const cJSON *json, struct error *err)
{
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(json, "summary");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(json, "version");
	const cJSON *started = cJSON_GetObjectItemCaseSensitive(json, "started");
	const cJSON *rehearsal = cJSON_GetObjectItemCaseSensitive(json, "rehearsal");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(json, "steps"), *item;
	struct release_summary *sum;

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
	sum->steps = xcalloc((size_t)cJSON_GetArraySize(steps) + 1, sizeof(*sum->steps));
	if (time_parse(started->valuestring, &sum->started_at) != 0) {
		error_set(err, EXIT_DATAERR, "a summary's start is not a time");
		goto bad;
	}
	cJSON_ArrayForEach(item, steps)
		if (step_from(sum, &sum->steps[sum->step_count++], item, err) != 0)
			goto bad;
	return sum;
bad:
	summary_free(sum);
	return NULL;
}

int summary_figures_from_json(struct release_summary *sum, const cJSON *json, struct error *err)
{
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(json, "summary");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(json, "version");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(json, "steps"), *item;
	long candidate;
	size_t k = 0;

	if (!cJSON_IsNumber(format) || format->valuedouble != SUMMARY_FORMAT)
		return error_set(err, EXIT_DATAERR, "not a summary of format %d", SUMMARY_FORMAT);
	if (!cJSON_IsString(version) || strcmp(version->valuestring, sum->version) != 0 || !cJSON_IsArray(steps) ||
	    (size_t)cJSON_GetArraySize(steps) != sum->step_count)
		return error_set(err, EXIT_DATAERR, "figures of another release than %s", sum->version);
	if (!status_from(cJSON_GetObjectItemCaseSensitive(json, "status"), &sum->status) ||
	    !whole(cJSON_GetObjectItemCaseSensitive(json, "candidate"), 1, COUNT_MAX, &candidate) ||
	    !time_or_null(cJSON_GetObjectItemCaseSensitive(json, "shipped"), &sum->shipped_at) ||
	    !time_or_null(cJSON_GetObjectItemCaseSensitive(json, "completed"), &sum->completed_at))
		return error_set(err, EXIT_DATAERR, "a summary needs its status, candidate and when it shipped and completed");
	sum->candidate = (int)candidate;
	if (delays_from(sum, cJSON_GetObjectItemCaseSensitive(json, "delays"), err) != 0 ||
	    vars_from(sum, cJSON_GetObjectItemCaseSensitive(json, "vars"), err) != 0 ||
	    people_from(sum, cJSON_GetObjectItemCaseSensitive(json, "people"), err) != 0)
		return -1;
	cJSON_ArrayForEach(item, steps)
		if (step_figures_from(&sum->steps[k++], item, err) != 0)
			return -1;
	return 0;
}

void summary_free(struct release_summary *sum)
{
	size_t k, i;

	if (sum == NULL)
		return;
	for (k = 0; k < sum->step_count; k++) {
		struct step_summary *s = &sum->steps[k];

		free(s->id);
		cJSON_Delete(s->performers);
		cJSON_Delete(s->shadowed);
		free(s->performer);
		for (i = 0; i < s->item_count; i++) {
			free(s->items[i].id);
			free(s->items[i].text);
		}
		free(s->items);
		free(s->spans);
	}
	for (k = 0; k < sum->delay_count; k++)
		free(sum->delays[k].label);
	for (k = 0; k < sum->person_count; k++) {
		free(sum->people[k].id);
		free(sum->people[k].name);
	}
	free(sum->delays);
	free(sum->people);
	cJSON_Delete(sum->vars);
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

const struct person_summary *summary_person(const struct release_summary *sum, const char *id)
{
	size_t k;

	for (k = 0; k < sum->person_count; k++)
		if (strcmp(sum->people[k].id, id) == 0)
			return &sum->people[k];
	return NULL;
}

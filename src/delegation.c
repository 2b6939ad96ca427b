/*
 * Who knows which step, and what to do about the steps only one person
 * knows (see delegation.h).  Knowledge comes from each release's step
 * records, over every candidate and round: who finished a step in a real
 * release, the shadows credited when it was finished, who finished it in a
 * rehearsal.  The reminders due are found
 * by asking the ledger's own rule (ledger_may on a remind event) step by
 * step, so remind never sends what the judge would refuse to record.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "delegation.h"
#include "event.h"
#include "ledger-delegation.h"
#include "util.h"

static bool has(const cJSON *list, const char *id)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
		if (strcmp(item->valuestring, id) == 0)
			return true;
	return false;
}

static void add(cJSON *list, const char *id)
{
	if (id && !has(list, id))
		cJSON_AddItemToArray(list, cJSON_CreateString(id));
}

/* Oldest start first, whatever order the caller has. */
static const struct release_summary **by_start(const struct release_summary *const *releases, size_t count)
{
	const struct release_summary **sorted = xcalloc(count + 1, sizeof(*sorted));
	size_t i, j;

	for (i = 0; i < count; i++) {
		for (j = i; j > 0 && sorted[j - 1]->started_at > releases[i]->started_at; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = releases[i];
	}
	return sorted;
}

struct step_knowledge *delegation_knowledge(const struct release_summary *const *releases, size_t count,
					    const struct playbook *pb)
{
	struct step_knowledge *k = xcalloc(pb->step_count + 1, sizeof(*k));
	const struct release_summary **sorted = by_start(releases, count);
	size_t i, n;

	for (i = 0; i < pb->step_count; i++) {
		cJSON *shadowed = cJSON_CreateArray(), *practised = cJSON_CreateArray();
		const cJSON *item;

		k[i].done_by = cJSON_CreateArray();
		for (n = 0; n < count; n++) {
			const struct step_summary *r = summary_step(sorted[n], pb->steps[i].id);

			if (r == NULL)
				continue;
			cJSON_ArrayForEach(item, r->shadowed)
				add(shadowed, item->valuestring);
			/* Everyone who finished it, in any candidate or round of the release. */
			cJSON_ArrayForEach(item, r->performers)
				add(sorted[n]->rehearsal ? practised : k[i].done_by, item->valuestring);
		}
		/* Each person counts once, at the most they have done. */
		k[i].shadowed_by = cJSON_CreateArray();
		k[i].practised_by = cJSON_CreateArray();
		cJSON_ArrayForEach(item, practised)
			if (!has(k[i].done_by, item->valuestring))
				add(k[i].practised_by, item->valuestring);
		cJSON_ArrayForEach(item, shadowed)
			if (!has(k[i].done_by, item->valuestring))
				add(k[i].shadowed_by, item->valuestring);
		cJSON_Delete(shadowed);
		cJSON_Delete(practised);
	}
	free(sorted);
	return k;
}

void delegation_knowledge_free(struct step_knowledge *k, const struct playbook *pb)
{
	size_t i;

	for (i = 0; k && i < pb->step_count; i++) {
		cJSON_Delete(k[i].done_by);
		cJSON_Delete(k[i].shadowed_by);
		cJSON_Delete(k[i].practised_by);
	}
	free(k);
}

bool delegation_risky(const struct step_knowledge *k)
{
	int done = cJSON_GetArraySize(k->done_by);

	return done > 0 && done < 2;
}

/* Whether person may claim s: its role, or having shadowed it where the playbook grants that. */
static bool may_take(const struct playbook *pb, const struct pb_step *s, const char *person, bool shadowed)
{
	const struct pb_person *p = playbook_person(pb, person);

	return p && (person_has_role(p, s->owner) || (shadowed && s->shadow_grants));
}

cJSON *delegation_shadowing(const struct release_summary *const *releases, size_t count, const struct playbook *pb)
{
	struct step_knowledge *k = delegation_knowledge(releases, count, pb);
	cJSON *root = cJSON_CreateObject(), *steps = cJSON_AddArrayToObject(root, "steps");
	cJSON *risks = cJSON_AddArrayToObject(root, "risks");
	size_t i, rehearsals = 0;
	const cJSON *item;

	for (i = 0; i < count; i++)
		rehearsals += releases[i]->rehearsal;
	cJSON_AddNumberToObject(root, "rehearsals", (double)rehearsals);
	for (i = 0; i < pb->step_count; i++) {
		const struct pb_step *s = &pb->steps[i];
		cJSON *o, *ready;

		if (s->kind == STEP_DECISION)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", s->id);
		cJSON_AddStringToObject(o, "owner", s->owner);
		cJSON_AddItemToObject(o, "done_by", cJSON_Duplicate(k[i].done_by, 1));
		cJSON_AddItemToObject(o, "shadowed_by", cJSON_Duplicate(k[i].shadowed_by, 1));
		cJSON_AddItemToObject(o, "practised_by", cJSON_Duplicate(k[i].practised_by, 1));
		cJSON_AddBoolToObject(o, "risk", delegation_risky(&k[i]));
		ready = cJSON_AddArrayToObject(o, "ready_next");
		cJSON_ArrayForEach(item, k[i].shadowed_by)
			if (may_take(pb, s, item->valuestring, true))
				add(ready, item->valuestring);
		cJSON_ArrayForEach(item, k[i].practised_by)
			if (may_take(pb, s, item->valuestring, has(k[i].shadowed_by, item->valuestring)))
				add(ready, item->valuestring);
		if (delegation_risky(&k[i]))
			cJSON_AddItemToArray(risks, cJSON_CreateString(s->id));
		cJSON_AddItemToArray(steps, o);
	}
	delegation_knowledge_free(k, pb);
	return root;
}

cJSON *delegation_suggest_shadows(const struct release_state *st, size_t step, const struct step_knowledge *k,
				  time_t now)
{
	const struct playbook *pb = st->pb;
	const struct pb_step *s = &pb->steps[step];
	const struct step_record *r = &st->steps[step];
	cJSON *out = cJSON_CreateArray();
	size_t i, of_role = 0;

	for (i = 0; i < pb->person_count; i++)
		of_role += person_has_role(&pb->people[i], s->owner);
	for (i = 0; i < pb->person_count; i++) {
		const struct pb_person *p = &pb->people[i];

		if ((of_role > 1 && !person_has_role(p, s->owner)) || has(k->done_by, p->id) ||
		    (r->holder && strcmp(r->holder, p->id) == 0) || (r->shadows && has(r->shadows, p->id)) ||
		    ledger_away(st, p->id, now))
			continue;
		add(out, p->id);
	}
	return out;
}

const char *delegation_shadowed_in(const struct release_summary *const *releases, size_t count, const char *step,
				   const char *person)
{
	const struct release_summary *best = NULL;
	size_t i;

	for (i = 0; i < count; i++)
		if (summary_has_shadowed(releases[i], step, person) && (best == NULL || releases[i]->started_at > best->started_at))
			best = releases[i];
	return best ? best->version : NULL;
}

/* ---------- reminders ---------- */

/* Whether ledger.c's rule lets actor record a reminder of kind to person about step now. */
static bool may_remind(const struct release_state *st, const char *actor, const char *kind, const char *person,
		       const char *step, time_t now)
{
	cJSON *steps = cJSON_CreateArray();
	struct event what = { .op = "remind", .kind = kind, .person = person, .steps = steps };
	struct error ignored;
	bool ok;

	cJSON_AddItemToArray(steps, cJSON_CreateString(step));
	ok = ledger_may(st, actor, &what, now, &ignored) == 0;
	cJSON_Delete(steps);
	return ok;
}

/* "test-voyager is overdue by 2h (due 2024-03-19T13:00:00Z)", for one step of a message. */
static void describe_step(struct buf *b, const struct release_state *st, size_t k, bool escalation, time_t now)
{
	const struct step_record *r = &st->steps[k];
	long overdue = ledger_overdue(st, k, now), idle = ledger_idle(st, k, now), waited = ledger_unclaimed(st, k, now);
	char d[32], t[32];

	buf_addf(b, "%s%s", b->len ? "; " : "", st->pb->steps[k].id);
	if (overdue > 0)
		buf_addf(b, " is overdue by %s (due %s)", duration_format(overdue, d, sizeof(d)),
			 time_format(ledger_due_at(st, k), t, sizeof(t)));
	if (waited > 0) {
		struct buf who;

		buf_init(&who);
		if (ledger_who_can_take(st, st->pb->steps[k].owner, now, &who) > 0)
			buf_addf(b, "%s waited %s with nobody claiming it (a %s can)", overdue ? " and has" : " has",
				 duration_format(waited, d, sizeof(d)), st->pb->steps[k].owner);
		else
			buf_addf(b, "%s waited %s with nobody claiming it: %s", overdue ? " and has" : " has",
				 duration_format(waited, d, sizeof(d)), who.data);
		buf_release(&who);
	}
	else if (idle > 0)
		buf_addf(b, "%s been claimed for %s without being done", overdue ? " and has" : " has",
			 duration_format(idle, d, sizeof(d)));
	if (escalation && r->holder)
		buf_addf(b, ", held by %s%s", r->holder, ledger_away(st, r->holder, now) ? " (away)" : "");
}

static void plan_add(struct reminder_plan **plans, size_t *count, const struct release_state *st, const char *kind,
		     const char *person, cJSON *steps, time_t now)
{
	struct reminder_plan *p;
	struct buf text, list;
	const cJSON *item;

	buf_init(&text);
	buf_init(&list);
	cJSON_ArrayForEach(item, steps)
	{
		describe_step(&text, st, playbook_step(st->pb, item->valuestring)->index, person == NULL, now);
		buf_addf(&list, "%s%s", list.len ? ", " : "", item->valuestring);
	}
	*plans = xrealloc(*plans, (*count + 1) * sizeof(**plans));
	p = &(*plans)[(*count)++];
	p->kind = kind;
	p->person = person;
	p->steps = steps;
	p->step_list = buf_detach(&list);
	/* Like a ready notification's text: the hook's template adds the release. */
	if (person) {
		p->message = xasprintf("%s, %s. 'relctl next' shows them; 'relctl handover STEP PERSON --note TEXT' passes one on",
				       person, text.data);
	} else {
		struct buf managers;

		buf_init(&managers);
		playbook_manager_people(st->pb, NULL, &managers);
		p->message = xasprintf("for the release managers (%s): %s. 'relctl next' shows them; 'relctl assign STEP PERSON' moves one",
				       managers.data ? managers.data : "", text.data);
		buf_release(&managers);
	}
	buf_release(&text);
}

size_t delegation_reminders(const struct release_state *st, const char *actor, time_t now, struct reminder_plan **out)
{
	const struct playbook *pb = st->pb;
	size_t count = 0, i, k;
	cJSON *escalated = cJSON_CreateArray();

	*out = NULL;
	for (i = 0; i < pb->person_count; i++) {
		cJSON *steps = cJSON_CreateArray();

		for (k = 0; k < pb->step_count; k++)
			if (st->steps[k].holder && strcmp(st->steps[k].holder, pb->people[i].id) == 0 &&
			    may_remind(st, actor, "reminder", pb->people[i].id, pb->steps[k].id, now))
				add(steps, pb->steps[k].id);
		if (cJSON_GetArraySize(steps) > 0)
			plan_add(out, &count, st, "reminder", pb->people[i].id, steps, now);
		else
			cJSON_Delete(steps);
	}
	for (k = 0; k < pb->step_count; k++)
		if (may_remind(st, actor, "escalation", NULL, pb->steps[k].id, now))
			add(escalated, pb->steps[k].id);
	if (cJSON_GetArraySize(escalated) > 0)
		plan_add(out, &count, st, "escalation", NULL, escalated, now);
	else
		cJSON_Delete(escalated);
	return count;
}

void delegation_reminders_free(struct reminder_plan *plans, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		cJSON_Delete(plans[i].steps);
		free(plans[i].message);
		free(plans[i].step_list);
	}
	free(plans);
}

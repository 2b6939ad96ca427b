/*
 * The delegation part of the rules: shadows learning a step, hand-overs,
 * who is away, deadlines (due, idle, unclaimed) and the reminders sent
 * about them.  Part of the rules: see ledger.h and ledger-private.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brief.h"
#include "buf.h"
#include "json.h"
#include "ledger-delegation.h"
#include "ledger-private.h"
#include "util.h"

/* ---------- delegation: shadows, hand-overs, away, deadlines, reminders ---------- */

static bool list_has(const cJSON *list, const char *id)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
		if (cJSON_IsString(item) && strcmp(item->valuestring, id) == 0)
			return true;
	return false;
}

static void list_add(cJSON **list, const char *id)
{
	if (*list == NULL)
		*list = cJSON_CreateArray();
	if (!list_has(*list, id))
		cJSON_AddItemToArray(*list, cJSON_CreateString(id));
}

static void list_remove(cJSON *list, const char *id)
{
	int i = 0;
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
	{
		if (strcmp(item->valuestring, id) == 0) {
			cJSON_DeleteItemFromArray(list, i);
			return;
		}
		i++;
	}
}

/* The shadows who saw the step to its finish are credited with it, and so is whoever finished it. */
void credit_shadows(struct step_record *r)
{
	const cJSON *item;

	if (r->done_by)
		list_add(&r->performers, r->done_by);
	cJSON_ArrayForEach(item, r->shadows)
		list_add(&r->shadowed, item->valuestring);
	cJSON_Delete(r->shadows);
	r->shadows = NULL;
}

bool ledger_has_shadowed(const struct release_state *st, const char *step, const char *person)
{
	const struct pb_step *s = playbook_step(st->pb, step);

	return s && list_has(st->steps[s->index].shadowed, person);
}

time_t ledger_due_at(const struct release_state *st, size_t step)
{
	const struct pb_step *s = &st->pb->steps[step];
	const struct step_record *r = &st->steps[step];

	if (s->due == 0 || r->ready_at == 0)
		return 0;
	return r->ready_at + s->due;
}

long ledger_overdue(const struct release_state *st, size_t step, time_t now)
{
	enum step_state state = ledger_step_state(st, step, now);
	time_t due = ledger_due_at(st, step);

	if (due == 0 || now <= due || ledger_finished(state) || state == STATE_PENDING || state == STATE_WAITING)
		return 0;
	return (long)(now - due);
}

long ledger_idle(const struct release_state *st, size_t step, time_t now)
{
	const struct step_record *r = &st->steps[step];
	long held = (long)(now - r->claimed_at);

	if (ledger_step_state(st, step, now) != STATE_CLAIMED || r->claimed_at == 0 ||
	    held <= step_idle_after(st->pb, &st->pb->steps[step]))
		return 0;
	return held;
}

long ledger_unclaimed(const struct release_state *st, size_t step, time_t now)
{
	const struct step_record *r = &st->steps[step];
	long waited = (long)(now - r->ready_at);

	if (st->pb->steps[step].kind == STEP_DECISION || ledger_step_state(st, step, now) != STATE_READY ||
	    r->ready_at == 0 || waited <= step_idle_after(st->pb, &st->pb->steps[step]))
		return 0;
	return waited;
}

const struct away_record *ledger_away(const struct release_state *st, const char *person, time_t now)
{
	size_t i;

	for (i = 0; person && i < st->away_count; i++)
		if (strcmp(st->away[i].person, person) == 0 && st->away[i].since <= now &&
		    (st->away[i].until == 0 || st->away[i].until > now))
			return &st->away[i];
	return NULL;
}

size_t ledger_who_can_take(const struct release_state *st, const char *role, time_t now, struct buf *out)
{
	const struct playbook *pb = st->pb;
	size_t i, here = 0, gone = 0;
	struct buf away;
	char t[32];

	buf_init(&away);
	for (i = 0; i < pb->person_count; i++) {
		const struct away_record *a;

		if (!person_has_role(&pb->people[i], role))
			continue;
		a = ledger_away(st, pb->people[i].id, now);
		if (a == NULL) {
			here++;
			continue;
		}
		buf_addf(&away, "%s%s %s", gone++ ? ", " : "", pb->people[i].id,
			 a->until ? "until " : "until they are back");
		if (a->until)
			buf_adds(&away, time_format(a->until, t, sizeof(t)));
	}
	if (here > 0 || gone == 0)
		add_role_people(out, pb, role, NULL);
	else if (gone == 1)
		buf_addf(out, "the only %s is away (%s)", role, away.data);
	else
		buf_addf(out, "every %s is away (%s)", role, away.data);
	buf_release(&away);
	return here;
}

bool ledger_reminded(const struct release_state *st, const char *kind, const char *person, const char *step,
		     time_t when)
{
	size_t i;

	for (i = 0; i < st->reminder_count; i++) {
		const struct reminder_record *r = &st->reminders[i];

		/*
		 * A record dated later than when (beyond the skew) was not judged by a
		 * clock at when: it silences nothing (ledger.h, "Time").
		 */
		if (r->at / 86400 == when / 86400 && r->at <= when + LEDGER_CLOCK_SKEW && strcmp(r->kind, kind) == 0 &&
		    (person == NULL ? r->person == NULL : r->person && strcmp(r->person, person) == 0) &&
		    list_has(r->steps, step))
			return true;
	}
	return false;
}

/* The held states: someone has the step in hand. */
static bool held(const struct op_ctx *o)
{
	return o->rec->holder &&
	       (o->state == STATE_CLAIMED || o->state == STATE_WAITING || o->state == STATE_BLOCKED);
}

/* A rehearsal and a real release take the start's fields: a rehearsal stays one. */
int check_start_delegation(struct op_ctx *o, struct error *err)
{
	const char *target = o->ev->target;
	time_t t;

	if (target && time_parse(target, &t) != 0)
		return error_set(err, EXIT_USAGE, "a release's --target is a time like 2024-03-21T17:00:00Z, not \"%s\"",
				 target);
	return 0;
}

void apply_start_delegation(struct op_ctx *o)
{
	const char *target = o->ev->target;

	o->st->rehearsal = o->ev->rehearsal;
	if (target)
		time_parse(target, &o->st->target);
}

/*
 * A claim outside the step's role, granted by having shadowed it
 * (shadow_grants): the claim names the release it was shadowed in, and a
 * new claim is checked there; a replay of accepted history trusts it.
 */
int check_shadow_grant(const struct op_ctx *o, struct error *err)
{
	const char *in = o->ev->shadowed_in;
	const struct release_state *source;

	if (in == NULL || !o->step->shadow_grants) {
		if (o->step->shadow_grants) {
			/* A shadow joins a step someone holds: the command only when it can be run now. */
			char *also = o->rec->holder
					     ? xasprintf(", or shadow it to its finish first ('relctl shadow %s')", o->step->id)
					     : xstrdup(", or shadow it to its finish first, once someone has claimed it");
			int rc = refuse_claim_role(o, also, err);

			free(also);
			return rc;
		}
		return refuse_claim_role(o, "", err);
	}
	if (!o->fresh)
		return 0;
	source = strcmp(in, o->st->version) == 0 ? o->st
		 : o->st->lookup			? o->st->lookup(o->st->lookup_data, in)
							: NULL;
	if (source == NULL)
		return error_set(err, EXIT_DATAERR, "cannot check that %s shadowed %s in release %s: the ledger has no such release here",
				 o->actor->id, o->step->id, in);
	if (!ledger_has_shadowed(source, o->step->id, o->actor->id))
		return error_set(err, EXIT_NOPERM, "%s did not shadow %s to its finish in release %s, so cannot claim it without the role %s",
				 o->actor->id, o->step->id, in, o->step->owner);
	return 0;
}

/*
 * A rehearsal's hooks, commands and checks are dry runs, and only a
 * rehearsal's are (what: "hook"; done: "sent"; does: "sends").
 */
int check_run_rehearsal(const struct op_ctx *o, const char *outcome, const char *what, const char *done,
			const char *does, struct error *err)
{
	bool dry = strcmp(outcome, "dry-run") == 0;

	if (o->st->rehearsal && !dry)
		return error_set(err, EXIT_DATAERR, "%s is a rehearsal: its %s %s is recorded as a dry run, never %s",
				 o->st->version, what, o->step->id, done);
	if (!o->st->rehearsal && dry)
		return error_set(err, EXIT_DATAERR, "a dry run of %s is not recorded in %s, a real release: 'relctl run %s' %s it",
				 o->step->id, o->st->version, o->step->id, does);
	return 0;
}

int check_shadow(struct op_ctx *o, struct error *err)
{
	bool leave = o->ev->leave;

	if (o->step->kind == STEP_DECISION)
		return error_set(err, EXIT_DATAERR, "%s is the %s's decision; read 'relctl brief' to learn how it is made",
				 o->step->id, o->step->owner);
	if (leave) {
		if (!list_has(o->rec->shadows, o->actor->id))
			return error_set(err, EXIT_DATAERR, "%s is not shadowing %s", o->actor->id, o->step->id);
		return 0;
	}
	if (!held(o))
		return error_set(err, EXIT_DATAERR, "%s is %s: a shadow joins a step someone holds; 'relctl shadow %s' once it is claimed",
				 o->step->id, step_state_name(o->state), o->step->id);
	if (strcmp(o->rec->holder, o->actor->id) == 0)
		return error_set(err, EXIT_DATAERR, "you hold %s yourself; a shadow learns from someone else doing it", o->step->id);
	if (list_has(o->rec->shadows, o->actor->id))
		return error_set(err, EXIT_DATAERR, "%s already shadows %s (held by %s)", o->actor->id, o->step->id,
				 o->rec->holder);
	return 0;
}

void apply_shadow(struct op_ctx *o)
{
	if (o->ev->leave)
		list_remove(o->rec->shadows, o->actor->id);
	else
		list_add(&o->rec->shadows, o->actor->id);
}

int check_handover(struct op_ctx *o, struct error *err)
{
	const char *who = o->ev->person, *note = o->ev->note;
	const struct pb_person *target = who ? playbook_person(o->st->pb, who) : NULL;

	if (target == NULL)
		return error_set(err, EXIT_USAGE, "no person \"%s\" in the playbook; see 'relctl playbook show'",
				 who ? who : "");
	if (o->step->kind == STEP_DECISION) {
		char *owner = role_in_words(o->step->owner);
		int rc = error_set(err, EXIT_DATAERR, "%s is the %s's decision and is not handed over", o->step->id, owner);

		free(owner);
		return rc;
	}
	if (!held(o))
		return error_set(err, EXIT_DATAERR, "cannot hand over %s: it is %s, and only a step someone holds is handed over",
				 o->step->id, step_state_name(o->state));
	if (strcmp(o->rec->holder, o->actor->id) != 0 &&
	    !(ledger_is_manager(o->actor) && ledger_away(o->st, o->rec->holder, o->when)))
		return error_set(err, EXIT_NOPERM,
				 "%s cannot hand over %s: %s holds it and hands it over (a release manager can while they are away, or move it with 'relctl assign %s PERSON')",
				 o->actor->id, o->step->id, o->rec->holder, o->step->id);
	if (note == NULL || note[0] == '\0')
		return error_set(err, EXIT_USAGE, "a hand-over needs --note TEXT: where %s stands, for %s", o->step->id,
				 target->id);
	if (strcmp(target->id, o->rec->holder) == 0)
		return error_set(err, EXIT_DATAERR, "%s already holds %s", target->id, o->step->id);
	if (!person_has_role(target, o->step->owner))
		return error_set(err, EXIT_DATAERR, "cannot hand %s to %s: it needs the role %s, which %s does not have",
				 o->step->id, target->id, o->step->owner, target->id);
	return 0;
}

void apply_handover(struct op_ctx *o)
{
	const char *to = o->ev->person;
	struct step_record *r = o->rec;

	replace(&r->handover_from, r->holder);
	replace(&r->handover_to, to);
	replace(&r->handover_note, o->ev->note);
	r->handover_at = o->when;
	replace(&r->holder, to);
	/* Idle counts from the hand-over; a wait step's clock keeps running. */
	if (o->step->kind != STEP_WAIT)
		r->claimed_at = o->when;
	list_remove(r->shadows, to);
}

int check_away(struct op_ctx *o, struct error *err)
{
	const char *until = o->ev->until;
	bool back = o->ev->back;
	time_t t;
	size_t i;

	if (back && until)
		return error_set(err, EXIT_USAGE, "away is either --until TIME or --back");
	if (until && time_parse(until, &t) != 0)
		return error_set(err, EXIT_USAGE, "--until is a time like 2024-03-25T09:00:00Z, not \"%s\"", until);
	if (until && t <= o->when)
		return error_set(err, EXIT_USAGE, "--until %s is not in the future", until);
	for (i = 0; back && i < o->st->away_count; i++)
		if (strcmp(o->st->away[i].person, o->actor->id) == 0)
			return 0;
	if (back)
		return error_set(err, EXIT_DATAERR, "%s is not marked away in %s", o->actor->id, o->st->version);
	return 0;
}

void apply_away(struct op_ctx *o)
{
	struct release_state *st = o->st;
	const char *until = o->ev->until;
	size_t i;

	for (i = 0; i < st->away_count; i++)
		if (strcmp(st->away[i].person, o->actor->id) == 0)
			break;
	if (o->ev->back) {
		free(st->away[i].person);
		memmove(&st->away[i], &st->away[i + 1], (st->away_count - i - 1) * sizeof(*st->away));
		st->away_count--;
		return;
	}
	if (i == st->away_count) {
		st->away = xrealloc(st->away, (st->away_count + 1) * sizeof(*st->away));
		st->away[st->away_count++].person = xstrdup(o->actor->id);
	}
	st->away[i].since = o->when;
	st->away[i].until = 0;
	if (until)
		time_parse(until, &st->away[i].until);
}

/*
 * A reminder names steps that are due for one on the event's day: a
 * person's own overdue or idle steps, or, escalated to the release
 * managers, steps overdue by more than escalate_after and steps nobody
 * has claimed for longer than idle_after.  Once per step, person and day.
 */
int check_remind(struct op_ctx *o, struct error *err)
{
	const char *kind = o->ev->kind, *who = o->ev->person;
	const cJSON *steps = o->ev->steps, *item;
	bool escalation = kind && strcmp(kind, "escalation") == 0;
	char t[32];

	if (o->st->rehearsal)
		return error_set(err, EXIT_DATAERR, "%s is a rehearsal: nobody is reminded of it", o->st->version);
	if (kind == NULL || (!escalation && strcmp(kind, "reminder") != 0))
		return error_set(err, EXIT_USAGE, "a reminder's kind is reminder or escalation");
	if (escalation ? who != NULL : (who == NULL || playbook_person(o->st->pb, who) == NULL))
		return error_set(err, EXIT_USAGE, escalation ? "an escalation goes to the release managers, not to a person"
							     : "a reminder names a person of the playbook");
	if (cJSON_GetArraySize(steps) == 0)
		return error_set(err, EXIT_USAGE, "a reminder names the steps it is about");
	cJSON_ArrayForEach(item, steps)
	{
		const struct pb_step *s = playbook_step(o->st->pb, item->valuestring);
		const struct step_record *r;
		bool due;

		if (s == NULL)
			return error_set(err, EXIT_USAGE, "release %s has no step \"%s\"", o->st->version, item->valuestring);
		r = &o->st->steps[s->index];
		if (escalation)
			due = (s->due && ledger_overdue(o->st, s->index, o->when) > step_escalate_after(o->st->pb, s)) ||
			      ledger_unclaimed(o->st, s->index, o->when) > 0;
		else
			due = r->holder && strcmp(r->holder, who) == 0 &&
			      (ledger_overdue(o->st, s->index, o->when) > 0 || ledger_idle(o->st, s->index, o->when) > 0);
		if (!due)
			return error_set(err, EXIT_DATAERR, "%s is not %s at %s", s->id,
					 escalation ? "overdue past its escalation nor long unclaimed"
						    : "overdue or idle for the person reminded",
					 time_format(o->when, t, sizeof(t)));
		if (ledger_reminded(o->st, kind, who, s->id, o->when))
			return error_set(err, EXIT_DATAERR, "%s was already %s of %s on this day", escalation ? "the release managers" : who,
					 escalation ? "told" : "reminded", s->id);
	}
	return 0;
}

void apply_remind(struct op_ctx *o)
{
	struct release_state *st = o->st;
	struct reminder_record *r;

	st->reminders = xrealloc(st->reminders, (st->reminder_count + 1) * sizeof(*st->reminders));
	r = &st->reminders[st->reminder_count++];
	memset(r, 0, sizeof(*r));
	r->kind = xstrdup(o->ev->kind);
	replace(&r->person, o->ev->person);
	r->steps = cJSON_Duplicate(o->ev->steps, 1);
	replace(&r->message, o->ev->message);
	replace(&r->webhook_id, o->ev->webhook_id);
	r->by = xstrdup(o->actor->id);
	r->at = o->when;
}


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
#include "checklist.h"
#include "delegation.h"
#include "event.h"
#include "json.h"
#include "ledger-delegation.h"
#include "relctl.h"
#include "schedule.h"
#include "session.h"
#include "util.h"

#define NEXT_HISTORY 20

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
	/* What the newest releases tell of who has done and shadowed what; NULL when not needed. */
	const struct release_summary *const *all;
	size_t all_count;
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
	if (s->due && ledger_due_at(v->st, k))
		cJSON_AddStringToObject(o, "due_at", time_format(ledger_due_at(v->st, k), t, sizeof(t)));
	if (ledger_overdue(v->st, k, v->now))
		cJSON_AddNumberToObject(o, "overdue_seconds", (double)ledger_overdue(v->st, k, v->now));
	if (r->handover_to && r->holder && strcmp(r->handover_to, r->holder) == 0) {
		cJSON *h = cJSON_AddObjectToObject(o, "handover");

		cJSON_AddStringToObject(h, "from", r->handover_from);
		cJSON_AddStringToObject(h, "note", r->handover_note);
	}
	if (cJSON_GetArraySize(r->shadows) > 0)
		cJSON_AddItemToObject(o, "shadows", cJSON_Duplicate(r->shadows, 1));
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
	size_t *deps = xcalloc(v->pb->steps[k].needs.count + 1, sizeof(*deps)), count, i, phase;
	struct buf b;

	buf_init(&b);
	count = ledger_waits_for(v->st, k, &phase, deps);
	if (phase < v->pb->phase_count)
		buf_addf(&b, "phase %s", v->pb->phases[phase].id);
	for (i = 0; phase == v->pb->phase_count && i < count; i++) {
		const struct step_record *r = &v->st->steps[deps[i]];

		buf_addf(&b, "%s%s (%s%s%s)", b.len ? ", " : "", v->pb->steps[deps[i]].id,
			 step_state_name(ledger_step_state(v->st, deps[i], v->now)), r->holder ? ", " : "",
			 r->holder ? r->holder : "");
	}
	free(deps);
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
	struct event what = { .op = op, .step = step, .verdict = verdict };
	struct error ignored;

	if (strcmp(op, "claim") == 0)
		what.shadowed_in = delegation_shadowed_in(v->all, v->all_count, step, v->me->id);
	return ledger_may(v->st, v->me->id, &what, v->now, &ignored) == 0;
}

static void line(const struct view *v, size_t k, const char *detail)
{
	const struct pb_step *s = &v->pb->steps[k];
	enum step_state state = ledger_step_state(v->st, k, v->now);

	fprintf(v->ctx->out, "  %-24s %s%-10s%s %s\n", s->id, cmd_state_color(v->ctx, state), step_state_name(state),
		color(v->ctx, C_RESET), cmd_line(v->ctx, detail));
}

/* What a held step's line adds: overdue, shadows, and the note it was handed over with. */
static void held_details(const struct view *v, size_t k, char *detail, size_t size)
{
	const struct step_record *r = &v->st->steps[k];
	size_t used = strlen(detail);
	const cJSON *item;
	char d[32];
	int n = 0;

	if (ledger_overdue(v->st, k, v->now) && used < size)
		used += (size_t)snprintf(detail + used, size - used, "; OVERDUE by %s",
					 duration_format(ledger_overdue(v->st, k, v->now), d, sizeof(d)));
	cJSON_ArrayForEach(item, r->shadows)
		if (used < size)
			used += (size_t)snprintf(detail + used, size - used, "%s%s", n++ ? ", " : "; shadowed by ",
						 item->valuestring);
	if (r->handover_to && r->holder && strcmp(r->handover_to, r->holder) == 0 && used < size)
		snprintf(detail + used, size - used, "; handed over by %s: %s", r->handover_from, r->handover_note);
}

/* The steps the caller shadows. */
static void shadowing(struct view *v)
{
	cJSON *list = v->json ? cJSON_AddArrayToObject(v->json, "shadowing") : NULL;
	char detail[512];
	size_t k, shown = 0;

	for (k = 0; k < v->pb->step_count; k++) {
		const struct step_record *r = &v->st->steps[k];
		const cJSON *item;
		bool mine_too = false;

		cJSON_ArrayForEach(item, r->shadows)
			mine_too = mine_too || strcmp(item->valuestring, v->me->id) == 0;
		if (!mine_too)
			continue;
		if (shown++ == 0)
			heading(v, "You shadow");
		if (list) {
			cJSON_AddItemToArray(list, step_item(v, k));
			continue;
		}
		snprintf(detail, sizeof(detail), "with %s -> relctl show %s; relctl shadow %s --leave", r->holder ? r->holder : "nobody now",
			 v->pb->steps[k].id, v->pb->steps[k].id);
		line(v, k, detail);
	}
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
		struct event what = { .op = "review", .step = s->id, .verdict = "approve", .item = it->id };
		struct error ignored;

		if (it->removed_by || it->review == NULL || (it->review_verdict && strcmp(it->review_verdict, "approve") == 0))
			continue;
		if (ledger_may(v->st, v->me->id, &what, v->now, &ignored) != 0)
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

/* Unchecked items of others' steps that my role checks (owner: ROLE), under "Items for you". */
static void owned_items(struct view *v, cJSON *json)
{
	char detail[512];
	size_t k, from, shown = 0;
	const struct check_item *it;

	for (k = 0; k < v->pb->step_count; k++) {
		const struct pb_step *s = &v->pb->steps[k];

		for (from = 0; (it = ledger_owned_item(v->st, k, v->me->id, &from)) != NULL;) {
			if (shown++ == 0)
				heading(v, "Items for you");
			if (json) {
				cJSON *o = step_item(v, k);

				cJSON_AddStringToObject(o, "item", it->id);
				cJSON_AddStringToObject(o, "item_text", it->text);
				cJSON_AddItemToArray(json, o);
				continue;
			}
			snprintf(detail, sizeof(detail), "item %s of %s waits for you -> relctl check %s %s pass|fail|na",
				 it->id, s->id, s->id, it->id);
			line(v, k, detail);
		}
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
				 step_is_run(s) ? "run" : "done", s->id,
				 s->evidence_required ? " --evidence URL" : "");
		held_details(v, k, detail, sizeof(detail));
		line(v, k, detail);
	}
	if (shown == 0 && !v->json)
		fprintf(v->ctx->out, "  nothing\n");
	owned_items(v, v->json ? cJSON_AddArrayToObject(v->json, "check_items") : NULL);
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

		char n[64];
		const char *approvals = ledger_approvals(v->st, k, n, sizeof(n));

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
		snprintf(detail, sizeof(detail), "done by %s%s%s -> relctl review %s approve|reject --note TEXT",
			 r->done_by ? r->done_by : "?", approvals ? "; " : "", approvals ? approvals : "", s->id);
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
	bool several = ledger_gate_count(v->pb) > 1, mine = false, others = false;
	cJSON *gates = NULL;
	size_t k;

	for (k = 0; k < v->pb->step_count; k++) {
		const struct pb_step *s = &v->pb->steps[k];

		if (s->kind != STEP_DECISION || ledger_step_state(v->st, k, v->now) != STATE_READY)
			continue;
		const char **missing = xcalloc(s->inputs.count + 1, sizeof(*missing));
		size_t count = ledger_missing_inputs(v->st, s, missing), i;
		/* " --step ID" when the playbook has several gates, so the command names this one. */
		char *flag = several ? xasprintf(" --step %s", s->id) : xstrdup("");

		if (v->json) {
			cJSON *list = cJSON_CreateArray(), *gate;

			for (i = 0; i < count; i++)
				cJSON_AddItemToArray(list, cJSON_CreateString(missing[i]));
			/* The first open gate as "decision" (as before several gates); each in "decisions". */
			if (gates == NULL) {
				cJSON_AddStringToObject(v->json, "decision", s->id);
				cJSON_AddItemToObject(v->json, "decision_missing_inputs", cJSON_Duplicate(list, 1));
				gates = cJSON_AddArrayToObject(v->json, "decisions");
			}
			gate = cJSON_CreateObject();
			cJSON_AddStringToObject(gate, "step", s->id);
			cJSON_AddStringToObject(gate, "owner", s->owner);
			cJSON_AddItemToObject(gate, "missing_inputs", list);
			cJSON_AddItemToArray(gates, gate);
		} else if (person_has_role(v->me, s->owner)) {
			char candidate[48];

			if (!mine)
				heading(v, several ? "Decisions wait for you" : "The decision waits for you");
			mine = true;
			fprintf(v->ctx->out, "  %s (%s): read 'relctl brief%s', then 'relctl decide ship|delay|abort%s --reason TEXT'\n",
				s->title, candidate_short(v->st->pb, v->st->candidate, candidate, sizeof(candidate)), flag, flag);
			for (i = 0; i < count; i++)
				fprintf(v->ctx->out, "  still missing: the %s input%s\n", missing[i], color(v->ctx, C_RESET));
		} else {
			if (!others)
				heading(v, "The decision is open");
			others = true;
			fprintf(v->ctx->out, "  %s waits for the %s\n", s->id, s->owner);
		}
		free(flag);
		free(missing);
	}
}

/* Another person of the step's role who is not away, for a hand-over; NULL when none. */
static const char *stand_in(const struct view *v, const struct pb_step *s, const char *holder)
{
	size_t i;

	for (i = 0; i < v->pb->person_count; i++) {
		const struct pb_person *p = &v->pb->people[i];

		if (person_has_role(p, s->owner) && strcmp(p->id, holder) && !ledger_away(v->st, p->id, v->now))
			return p->id;
	}
	return NULL;
}

/*
 * The release manager's delegation view: overdue steps, steps whose holder
 * is away (with whom to hand them to), and for each step only one person
 * has done that is ready or claimed now, who should shadow it.
 */
static void manager_delegation(struct view *v)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(v->json, "manager"), *overdue = NULL, *away = NULL, *plan = NULL;
	struct step_knowledge *known = delegation_knowledge(v->all, v->all_count, v->pb);
	char t[32], d[32], detail[512];
	size_t k, shown;

	if (m) {
		overdue = cJSON_AddArrayToObject(m, "overdue");
		away = cJSON_AddArrayToObject(m, "holder_away");
		plan = cJSON_AddArrayToObject(m, "shadowing");
	}
	for (k = 0, shown = 0; k < v->pb->step_count; k++) {
		const struct step_record *r = &v->st->steps[k];
		long late = ledger_overdue(v->st, k, v->now);

		if (late == 0)
			continue;
		if (shown++ == 0)
			heading(v, "Overdue");
		if (m) {
			cJSON_AddItemToArray(overdue, step_item(v, k));
			continue;
		}
		snprintf(detail, sizeof(detail), "overdue by %s (due %s), %s", duration_format(late, d, sizeof(d)),
			 time_format(ledger_due_at(v->st, k), t, sizeof(t)), r->holder ? r->holder : "nobody has it");
		line(v, k, detail);
	}
	for (k = 0, shown = 0; k < v->pb->step_count; k++) {
		const struct step_record *r = &v->st->steps[k];
		enum step_state state = ledger_step_state(v->st, k, v->now);
		const struct away_record *gone = r->holder ? ledger_away(v->st, r->holder, v->now) : NULL;
		const char *to;

		if (gone == NULL || (state != STATE_CLAIMED && state != STATE_WAITING && state != STATE_BLOCKED))
			continue;
		to = stand_in(v, &v->pb->steps[k], r->holder);
		if (shown++ == 0)
			heading(v, "Holder away");
		if (m) {
			cJSON *o = step_item(v, k);

			json_add_time_or_null(o, "away_until", gone->until);
			json_add_string_or_null(o, "hand_to", to);
			cJSON_AddItemToArray(away, o);
			continue;
		}
		snprintf(detail, sizeof(detail), "holder away: %s%s%s -> relctl handover %s %s --note TEXT", r->holder,
			 gone->until ? " until " : "", gone->until ? time_format(gone->until, t, sizeof(t)) : "",
			 v->pb->steps[k].id, to ? to : "PERSON");
		line(v, k, detail);
	}
	for (k = 0, shown = 0; k < v->pb->step_count; k++) {
		enum step_state state = ledger_step_state(v->st, k, v->now);
		cJSON *who;
		struct buf list;
		const cJSON *item;

		if (!delegation_risky(&known[k]) || (state != STATE_READY && state != STATE_CLAIMED && state != STATE_WAITING))
			continue;
		who = delegation_suggest_shadows(v->st, k, &known[k], v->now);
		if (cJSON_GetArraySize(who) == 0) {
			cJSON_Delete(who);
			continue;
		}
		if (shown++ == 0)
			heading(v, "Shadowing plan (steps only one person has done)");
		if (m) {
			cJSON *o = step_item(v, k);

			cJSON_AddItemToObject(o, "done_by", cJSON_Duplicate(known[k].done_by, 1));
			cJSON_AddItemToObject(o, "suggest", who);
			cJSON_AddItemToArray(plan, o);
			continue;
		}
		buf_init(&list);
		cJSON_ArrayForEach(item, who)
			buf_addf(&list, "%s%s", list.len ? " or " : "", item->valuestring);
		snprintf(detail, sizeof(detail), "only %s has done it: %s should shadow it -> relctl shadow %s",
			 cJSON_GetArrayItem(known[k].done_by, 0)->valuestring, list.data, v->pb->steps[k].id);
		line(v, k, detail);
		buf_release(&list);
		cJSON_Delete(who);
	}
	delegation_knowledge_free(known, v->pb);
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
			struct buf who;

			buf_init(&who);
			/* Who can claim it now; when the role's people are all away, that, and when they are back. */
			if (ledger_who_can_take(v->st, s->owner, v->now, &who) > 0)
				snprintf(detail, sizeof(detail), "nobody has it; a %s can claim it, or relctl assign %s PERSON",
					 s->owner, s->id);
			else
				snprintf(detail, sizeof(detail), "nobody has it; %s: give the role to someone else with "
					 "'relctl playbook update', or wait", who.data);
			buf_release(&who);
		} else if (state == STATE_CLAIMED && ledger_idle(v->st, k, v->now) > 0) {
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
			char n[64];
			const char *approvals = ledger_approvals(v->st, k, n, sizeof(n));

			target = reviews;
			snprintf(detail, sizeof(detail), "done by %s; waits for a %s to review%s%s%s", r->done_by,
				 ledger_review_role(v->st, k), approvals ? " (" : "", approvals ? approvals : "",
				 approvals ? ")" : "");
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
	manager_delegation(v);
}

/* Whether next needs every release: the manager's shadowing plan, or a step the caller may be granted. */
static bool needs_history(const struct view *v, bool manager_view)
{
	size_t k;

	for (k = 0; !manager_view && k < v->pb->step_count; k++)
		if (v->pb->steps[k].shadow_grants && !person_has_role(v->me, v->pb->steps[k].owner))
			return true;
	return manager_view;
}

static int next_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	struct release_summary **loaded = NULL;
	struct release_lookup others;
	size_t loaded_count = 0, i;
	struct view v;
	size_t phase;
	int rc = -1;

	cmd_note_freshness(ctx, s);
	memset(&v, 0, sizeof(v));
	/* A claim granted by shadowing is checked in the release that granted it, read only then. */
	session_lookup_attach(&others, s, rel->tip, rel->st);
	v.ctx = ctx;
	v.st = rel->st;
	v.pb = rel->pb;
	v.now = s->now;
	v.me = session_identity(s, rel->pb, &ctx->err);
	if (v.me == NULL)
		goto out;
	if (needs_history(&v, ledger_is_manager(v.me) || args_flag(&ctx->args, "all"))) {
		/*
		 * Who has done and shadowed each step, for the shadowing plan: the
		 * newest NEXT_HISTORY releases, so next stays quick with hundreds
		 * (stats looks at them all).
		 */
		if (session_summaries(s, NEXT_HISTORY, false, &loaded, &loaded_count, &ctx->err) != 0)
			goto out;
		v.all = (const struct release_summary *const *)loaded;
		v.all_count = loaded_count;
	}
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
		cJSON_AddBoolToObject(v.json, "rehearsal", rel->st->rehearsal);
		json_add_time_or_null(v.json, "target", rel->st->target);
	} else {
		char candidate[48];

		fprintf(ctx->out, "%s%s%s %s %s%s", color(ctx, C_BOLD), rel->st->rehearsal ? "REHEARSAL " : "", rel->pb->name,
			rel->st->version, candidate_short(rel->pb, rel->st->candidate, candidate, sizeof(candidate)),
			color(ctx, C_RESET));
		if (phase < rel->pb->phase_count)
			fprintf(ctx->out, ", phase %zu/%zu %s", phase + 1, rel->pb->phase_count, rel->pb->phases[phase].id);
		else
			fprintf(ctx->out, ", %s", release_status_name(rel->st->status));
		fprintf(ctx->out, " - you are %s (", v.me->id);
		for (i = 0; i < v.me->roles.count; i++)
			fprintf(ctx->out, "%s%s", i ? ", " : "", v.me->roles.items[i]);
		fprintf(ctx->out, ")\n");
		if (rel->st->target) {
			char t[32], age[48];

			fprintf(ctx->out, "target: %s (%s)\n", time_format(rel->st->target, t, sizeof(t)),
				age_format(rel->st->target, v.now, age, sizeof(age)));
		}
	}
	if (rel->st->status != RELEASE_OPEN) {
		if (!v.json)
			fprintf(ctx->out, "\nrelease %s is %s; nothing to do\n", rel->st->version,
				release_status_name(rel->st->status));
	} else {
		mine(&v);
		shadowing(&v);
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
	rel->st->lookup = NULL;
	rel->st->lookup_data = NULL;
	session_lookup_release(&others);
	summaries_free(loaded, loaded_count);
	return rc;
}

const struct cmd_entry cmd_next_entry = {
	.name = "next",
	.usage = "[VERSION] [--all] [--json]",
	.summary = "what should happen now, and who does it",
	.help = "Shows the steps you hold, the ones you can claim or review, and what your next\n"
		"steps wait for.  A release manager (or anyone with --all) also sees unclaimed,\n"
		"idle (claimed longer than idle_after, default 1d), blocked and waiting steps, the\n"
		"critical path, overdue steps, steps whose holder is away (with whom to hand them\n"
		"to), and who should shadow the steps only one person has done.",
	.options = options,
	.min_args = 0,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = next_exec,
};

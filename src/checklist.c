/*
 * Checklists: the items of a step in a release, as the playbook lists them
 * (their "when" true) and as the release adds or removes them, each with the
 * result its holder recorded and the review of that result; and the ops
 * that change them (checklist-add, checklist-remove, check, review --item),
 * with the id an item added without one is given.
 * Part of the rules: see ledger.h and ledger-private.h.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>
#include "brief.h"
#include "buf.h"
#include "checklist.h"
#include "expr.h"
#include "json.h"
#include "ledger-private.h"
#include "util.h"

/* ---------- checklists: the items of a step in a release ---------- */

void checklist_item_id(const char *text, char out[CHECKLIST_ITEM_ID_MAX + 1])
{
	size_t n = 0, words = 0;

	for (; *text; text++) {
		unsigned char c = (unsigned char)*text;

		if (isalnum(c) && c < 0x80) {
			if (n == CHECKLIST_ITEM_ID_MAX) {
				n = words ? words : n; /* the last word does not fit */
				break;
			}
			out[n++] = (char)tolower(c);
		} else if (n > 0 && out[n - 1] != '-') {
			words = n;
			if (n == CHECKLIST_ITEM_ID_MAX)
				break;
			out[n++] = '-';
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (n == 0)
		memcpy(out, "item", n = 4);
	out[n] = '\0';
}

/* A new item at the end of list, with no result; the caller fills it. */
static struct check_item *checklist_append(struct checklist *list, const char *id, const char *text,
					   bool evidence_required, const char *review, const char *owner)
{
	struct check_item *it;

	list->items = xrealloc(list->items, (list->count + 1) * sizeof(*list->items));
	it = &list->items[list->count++];
	memset(it, 0, sizeof(*it));
	it->id = xstrdup(id);
	it->text = xstrdup(text);
	it->evidence_required = evidence_required;
	it->review = review ? xstrdup(review) : NULL;
	it->owner = owner ? xstrdup(owner) : NULL;
	it->evidence = cJSON_CreateArray();
	return it;
}

const struct check_item *checklist_item(const struct checklist *list, const char *id)
{
	size_t i;

	for (i = 0; id && i < list->count; i++)
		if (strcmp(list->items[i].id, id) == 0)
			return &list->items[i];
	return NULL;
}

void checklist_count(const struct checklist *list, struct checklist_counts *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < list->count; i++) {
		const struct check_item *it = &list->items[i];

		if (it->removed_by)
			continue;
		out->total++;
		if (it->result == NULL)
			out->unchecked++;
		else if (strcmp(it->result, "pass") == 0)
			out->pass++;
		else if (strcmp(it->result, "fail") == 0)
			out->fail++;
		else
			out->na++;
		if (it->review && !(it->review_verdict && strcmp(it->review_verdict, "approve") == 0))
			out->review_pending++;
	}
}

bool ledger_has_checklist(const struct step_record *r)
{
	return r->checklist.count > 0 || r->earlier_count > 0;
}

/* At the start: each step's checklist is the playbook's items whose "when" holds. */
void checklists_from_playbook(struct release_state *st)
{
	size_t i, k;

	for (i = 0; i < st->pb->step_count; i++) {
		const struct pb_step *s = &st->pb->steps[i];

		st->steps[i].checklist.candidate = st->candidate;
		for (k = 0; k < s->checklist_count; k++) {
			const struct pb_item *pi = &s->checklist[k];

			if (pi->when_expr == NULL || expr_holds(pi->when_expr, st->vars, st->version))
				checklist_append(&st->steps[i].checklist, pi->id, pi->text, pi->evidence_required,
						 pi->review, pi->owner);
		}
	}
}

/*
 * A step starts again (a delay's next candidate, a reopen, a skip): its
 * checklist, when it holds any result, moves to the earlier ones, and a
 * fresh one with the same items (additions and removals kept) and no
 * results takes its place.
 */
void checklist_restart(const struct release_state *st, struct step_record *r)
{
	struct checklist fresh = { st->candidate, NULL, 0 };
	struct checklist_counts counts;
	size_t i;

	checklist_count(&r->checklist, &counts);
	if (counts.unchecked == counts.total) {
		for (i = 0; i < r->checklist.count; i++)
			item_clear_review(&r->checklist.items[i]);
		r->checklist.candidate = st->candidate;
		return;
	}
	for (i = 0; i < r->checklist.count; i++) {
		const struct check_item *old = &r->checklist.items[i];
		struct check_item *it = checklist_append(&fresh, old->id, old->text, old->evidence_required, old->review,
							      old->owner);

		it->added_by = old->added_by ? xstrdup(old->added_by) : NULL;
		it->removed_by = old->removed_by ? xstrdup(old->removed_by) : NULL;
		it->removed_reason = old->removed_reason ? xstrdup(old->removed_reason) : NULL;
		it->removed_at = old->removed_at;
	}
	r->earlier = xrealloc(r->earlier, (r->earlier_count + 1) * sizeof(*r->earlier));
	r->earlier[r->earlier_count++] = r->checklist;
	r->checklist = fresh;
}

/* The approvals a step's review needs: 1 unless review: {role, count}. */
static long approvals_needed(const struct pb_step *s)
{
	return s->review_count > 1 ? s->review_count : 1;
}

/* Whether a step's own review has all the approvals it needs (false for a step with no review). */
bool step_review_approved(const struct pb_step *s, const struct step_record *r)
{
	return s->review && cJSON_GetArraySize(r->approvals) >= approvals_needed(s);
}

bool approved_by(const struct step_record *r, const char *person)
{
	const cJSON *id;

	cJSON_ArrayForEach(id, r->approvals)
		if (cJSON_IsString(id) && strcmp(id->valuestring, person) == 0)
			return true;
	return false;
}

const char *ledger_approvals(const struct release_state *st, size_t step, char *out, size_t size)
{
	const struct pb_step *s = &st->pb->steps[step];

	if (s->review == NULL || approvals_needed(s) == 1)
		return NULL;
	snprintf(out, size, "%d of %ld approvals", cJSON_GetArraySize(st->steps[step].approvals), approvals_needed(s));
	return out;
}

const struct check_item *ledger_owned_item(const struct release_state *st, size_t step, const char *person,
					   size_t *from)
{
	const struct step_record *r = &st->steps[step];
	const struct pb_person *p = playbook_person(st->pb, person);

	if (p == NULL || (r->base != STATE_CLAIMED && r->base != STATE_WAITING))
		return NULL;
	for (; *from < r->checklist.count; (*from)++) {
		const struct check_item *it = &r->checklist.items[*from];

		if (!it->removed_by && it->result == NULL && it->owner && person_has_role(p, it->owner)) {
			(*from)++;
			return it;
		}
	}
	return NULL;
}

/* The role a step in review waits for: its own review role, else the first item's still to approve. */
const char *review_role(const struct pb_step *s, const struct step_record *r)
{
	size_t i;

	if (s->review && !step_review_approved(s, r))
		return s->review;
	for (i = 0; i < r->checklist.count; i++) {
		const struct check_item *it = &r->checklist.items[i];

		if (!it->removed_by && it->review && !(it->review_verdict && strcmp(it->review_verdict, "approve") == 0))
			return it->review;
	}
	return s->review ? s->review : "reviewer";
}

const char *ledger_review_role(const struct release_state *st, size_t step)
{
	return review_role(&st->pb->steps[step], &st->steps[step]);
}

/* Whether every review a finished step waits for has approved it: its own, and its items'. */
bool reviews_complete(const struct pb_step *s, const struct step_record *r)
{
	struct checklist_counts counts;

	checklist_count(&r->checklist, &counts);
	if (counts.review_pending)
		return false;
	return s->review == NULL || step_review_approved(s, r);
}

/* ---------- checklist ops: checklist-add, checklist-remove, check, and review --item ---------- */

/* Steps whose holder may change this step's checklist ("updates"), as "a, b"; caller frees. */
static char *updaters(const struct release_state *st, const struct pb_step *target)
{
	struct buf names;
	size_t i;

	buf_init(&names);
	for (i = 0; i < st->pb->step_count; i++)
		if (strlist_contains(&st->pb->steps[i].updates, target->id))
			buf_addf(&names, "%s%s", names.len ? ", " : "", st->pb->steps[i].id);
	return buf_detach(&names);
}

static int refuse_no_checklist(const struct op_ctx *o, struct error *err)
{
	return error_set(err, EXIT_DATAERR, "%s is a %s step and has no checklist", o->step->id,
			 step_kind_name(o->step->kind));
}

/*
 * Who changes a step's checklist for this release: a release manager, a
 * person of the step's role, or the holder of a step that "updates" it
 * (update-test-plan for the device tests); and only before it is done.
 */
static int require_checklist_editor(const struct op_ctx *o, const char *verb, struct error *err)
{
	const struct release_state *st = o->st;
	char *who;
	size_t i;
	int rc;

	struct buf can;

	if (o->step->kind != STEP_MANUAL && o->step->kind != STEP_WAIT)
		return refuse_no_checklist(o, err);
	/* Someone who could not edit it even reopened hears who can, not to reopen it. */
	if (ledger_is_manager(o->actor) || person_has_role(o->actor, o->step->owner))
		return ledger_finished(o->state) || o->state == STATE_IN_REVIEW ? refuse_finished(o, verb, err) : 0;
	for (i = 0; i < st->pb->step_count; i++) {
		const struct step_record *r = &st->steps[i];

		if (strlist_contains(&st->pb->steps[i].updates, o->step->id) && r->holder &&
		    strcmp(r->holder, o->actor->id) == 0 && (r->base == STATE_CLAIMED || r->base == STATE_BLOCKED))
			return ledger_finished(o->state) || o->state == STATE_IN_REVIEW ? refuse_finished(o, verb, err) : 0;
	}
	who = updaters(st, o->step);
	buf_init(&can);
	if (playbook_is_manager_role(st->pb, o->step->owner)) {
		add_manager_people(&can, st->pb, NULL);
	} else {
		add_role_people(&can, st->pb, o->step->owner, NULL);
		buf_adds(&can, who[0] ? ", " : " or ");
		add_manager_people(&can, st->pb, NULL);
	}
	rc = error_set(err, EXIT_NOPERM, "%s cannot %s %s's checklist: %s%s%s can", o->actor->id, verb, o->step->id,
		       can.data, who[0] ? " or whoever holds " : "", who);
	buf_release(&can);
	free(who);
	return rc;
}

/* An item of the step's current checklist that is not removed, or a refusal naming the ones there are. */
static const struct check_item *find_item(const struct op_ctx *o, struct error *err)
{
	const char *id = o->ev->item;
	const struct checklist *list = &o->rec->checklist;
	const struct check_item *it = checklist_item(list, id);

	if (it && it->removed_by) {
		error_set(err, EXIT_DATAERR, "item %s of %s was removed by %s: %s", it->id, o->step->id, it->removed_by,
			  it->removed_reason ? it->removed_reason : "");
		return NULL;
	}
	if (it == NULL) {
		const char **ids = xcalloc(list->count + 1, sizeof(*ids));
		const char *hint;
		size_t k;

		for (k = 0; k < list->count; k++)
			ids[k] = list->items[k].id;
		hint = id ? suggest(id, ids, list->count) : NULL;
		free(ids);
		if (hint)
			error_set(err, EXIT_USAGE, "%s has no checklist item \"%s\"; did you mean \"%s\"?", o->step->id,
				  id ? id : "", hint);
		else
			error_set(err, EXIT_USAGE, "%s has no checklist item \"%s\"; 'relctl check %s' lists them", o->step->id,
				  id ? id : "", o->step->id);
	}
	return it;
}

int check_checklist_add(struct op_ctx *o, struct error *err)
{
	const char *id = o->ev->item, *text = o->ev->text;
	const char *review = o->ev->review;
	const struct check_item *it;

	if (require_checklist_editor(o, "add an item to", err) != 0)
		return -1;
	if (text == NULL || text[0] == '\0')
		return error_set(err, EXIT_USAGE, "a checklist item needs its text: what to check");
	if (!identifier_valid(id))
		return error_set(err, EXIT_USAGE, "\"%s\" is not a valid item id: use lower-case letters, digits, '-', '_' or '.'",
				 id);
	it = checklist_item(&o->rec->checklist, id);
	if (it)
		return error_set(err, EXIT_DATAERR, "%s already has the item %s%s%s%s; give another --id", o->step->id, id,
				 it->removed_by ? " (removed by " : "", it->removed_by ? it->removed_by : "",
				 it->removed_by ? ")" : "");
	if (o->rec->checklist.count >= CHECKLIST_ITEMS_MAX)
		return error_set(err, EXIT_DATAERR, "%s's checklist holds %d items, the most a step can", o->step->id,
				 CHECKLIST_ITEMS_MAX);
	if (review && !playbook_has_role(o->st->pb, review))
		return error_set(err, EXIT_USAGE, "--review names the unknown role \"%s\"; see 'relctl playbook show'", review);
	if (o->ev->owner && !playbook_has_role(o->st->pb, o->ev->owner))
		return error_set(err, EXIT_USAGE, "--owner names the unknown role \"%s\"; see 'relctl playbook show'",
				 o->ev->owner);
	return 0;
}

void apply_checklist_add(struct op_ctx *o)
{
	struct check_item *it = checklist_append(&o->rec->checklist, o->ev->item,
						 o->ev->text,
						 o->ev->evidence_required,
						 o->ev->review, o->ev->owner);

	it->added_by = xstrdup(o->actor->id);
}

int check_checklist_remove(struct op_ctx *o, struct error *err)
{
	const struct check_item *it;

	if (require_reason(o, err) == NULL || require_checklist_editor(o, "remove an item from", err) != 0)
		return -1;
	it = find_item(o, err);
	if (it == NULL)
		return -1;
	if (it->result)
		return error_set(err, EXIT_DATAERR, "item %s of %s already has a result (%s by %s), which stays; record na with a note if it does not apply",
				 it->id, o->step->id, it->result, it->by);
	return 0;
}

void apply_checklist_remove(struct op_ctx *o)
{
	struct check_item *it = (struct check_item *)checklist_item(&o->rec->checklist, o->ev->item);

	replace(&it->removed_by, o->actor->id);
	replace(&it->removed_reason, o->ev->reason);
	it->removed_at = o->when;
}

/* The open finding an item's earlier fail opened in this candidate, or NULL. */
static struct finding *item_open_finding(const struct release_state *st, const struct check_item *it)
{
	const struct finding *f = it->finding ? ledger_finding(st, it->finding) : NULL;

	return f && !f->closed ? (struct finding *)f : NULL;
}

/* Someone without the role an item needs (its owner, its reviewer): who has it. */
static int refuse_item_role(const struct op_ctx *o, const struct check_item *it, const char *verb, const char *role,
			    struct error *err)
{
	struct buf who;
	int rc;

	buf_init(&who);
	add_role_people(&who, o->st->pb, role, NULL);
	rc = error_set(err, EXIT_NOPERM, "%s cannot %s item %s of %s: it needs the role %s; ask %s", o->actor->id, verb,
		       it->id, o->step->id, role, who.data);
	buf_release(&who);
	return rc;
}

int check_check(struct op_ctx *o, struct error *err)
{
	const char *result = o->ev->result, *note = o->ev->note;
	const char *severity = o->ev->severity, *finding = o->ev->finding;
	const cJSON *evidence = o->ev->evidence;
	const struct check_item *it;
	bool fail;

	if (o->step->kind != STEP_MANUAL && o->step->kind != STEP_WAIT)
		return refuse_no_checklist(o, err);
	it = find_item(o, err);
	if (it == NULL)
		return -1;
	if (result == NULL || (strcmp(result, "pass") && strcmp(result, "fail") && strcmp(result, "na")))
		return error_set(err, EXIT_USAGE, "a result is pass, fail or na");
	fail = strcmp(result, "fail") == 0;
	switch (o->state) {
	case STATE_CLAIMED:
	case STATE_WAITING:
		break;
	case STATE_READY:
		return error_set(err, EXIT_DATAERR, "%s is not claimed; 'relctl claim %s' first", o->step->id, o->step->id);
	case STATE_PENDING:
		return refuse_pending(o, "check items of", err);
	case STATE_BLOCKED:
		return refuse_blocked(o, err);
	case STATE_IN_REVIEW:
		return error_set(err, EXIT_DATAERR, "%s is done and waits for review by a %s; results change before done, or after a rejection",
				 o->step->id, review_role(o->step, o->rec));
	default:
		return refuse_finished(o, "check items of", err);
	}
	/* An item with an owner is its role's to check, not the holder's. */
	if (it->owner && !person_has_role(o->actor, it->owner))
		return refuse_item_role(o, it, "check", it->owner, err);
	if (it->owner == NULL && require_holder_or_manager(o, "record results on", err) != 0)
		return -1;
	if (strcmp(result, "pass") && (note == NULL || note[0] == '\0'))
		return error_set(err, EXIT_USAGE, fail ? "a fail needs --note TEXT saying what went wrong (it becomes the finding)"
						       : "na needs --note TEXT saying why the item does not apply");
	if (it->evidence_required && strcmp(result, "na") != 0 && cJSON_GetArraySize(evidence) == 0)
		return error_set(err, EXIT_DATAERR, "item %s of %s needs evidence: add --evidence URL (the footage of this item)",
				 it->id, o->step->id);
	if (severity && !fail)
		return error_set(err, EXIT_USAGE, "--severity is for a fail: the severity of the finding it opens");
	if (severity && finding_severity_check(o->st->pb, severity, err) != 0)
		return -1;
	if (finding && !fail)
		return error_set(err, EXIT_DATAERR, "only a fail carries the id of the finding it opens");
	if (fail && item_open_finding(o->st, it) == NULL) {
		if (finding == NULL)
			return error_set(err, EXIT_DATAERR, "a fail opens a finding, and this check carries no finding id");
		if (ledger_finding(o->st, finding))
			return error_set(err, EXIT_TEMPFAIL, "finding id %s is taken; run the command again for a new one",
					 finding);
	}
	return 0;
}

/*
 * The result replaces the item's earlier one (the events keep both) and
 * needs a fresh review.  A fail opens a finding linked to the step and the
 * item, with the note as its title and the evidence; while that finding is
 * open, a later fail of the item adds its note and links to it instead.
 */
void apply_check(struct op_ctx *o)
{
	struct check_item *it = (struct check_item *)checklist_item(&o->rec->checklist, o->ev->item);
	const cJSON *evidence = o->ev->evidence, *link;
	const char *result = o->ev->result, *severity = o->ev->severity;
	struct finding *f;

	item_clear_result(it);
	item_clear_review(it);
	replace(&it->result, result);
	replace(&it->by, o->actor->id);
	replace(&it->note, o->ev->note);
	it->at = o->when;
	cJSON_ArrayForEach(link, evidence)
		cJSON_AddItemToArray(it->evidence, cJSON_Duplicate(link, 1));
	if (strcmp(result, "fail") != 0)
		return;
	f = item_open_finding(o->st, it);
	if (f == NULL) {
		f = finding_new(o, o->ev->finding, it->note, severity ? severity : finding_default_severity(o->st->pb),
				o->step->id);
		f->item = xstrdup(it->id);
		replace(&it->finding, f->id);
		return;
	}
	{
		cJSON *n = cJSON_CreateObject();
		char t[32];

		cJSON_AddStringToObject(n, "by", o->actor->id);
		cJSON_AddStringToObject(n, "at", time_format(o->when, t, sizeof(t)));
		cJSON_AddStringToObject(n, "note", it->note);
		cJSON_AddItemToArray(f->notes, n);
	}
	cJSON_ArrayForEach(link, evidence)
	{
		const cJSON *have;
		bool known = false;

		cJSON_ArrayForEach(have, f->evidence)
			known = known || strcmp(have->valuestring, link->valuestring) == 0;
		if (!known)
			cJSON_AddItemToArray(f->evidence, cJSON_Duplicate(link, 1));
	}
}

/* "static-ip, hdmi-hotplug, ..." of the items that match, at most five named; caller frees. */
static char *item_names(const struct checklist *list, bool (*match)(const struct check_item *))
{
	struct buf names;
	size_t i, n = 0;

	buf_init(&names);
	for (i = 0; i < list->count; i++) {
		if (list->items[i].removed_by || !match(&list->items[i]))
			continue;
		if (n++ < 5)
			buf_addf(&names, "%s%s", names.len ? ", " : "", list->items[i].id);
		else if (n == 6)
			buf_adds(&names, ", ...");
	}
	return buf_detach(&names);
}

static bool unchecked(const struct check_item *it)
{
	return it->result == NULL;
}

static bool awaits_review(const struct check_item *it)
{
	return it->review && !(it->review_verdict && strcmp(it->review_verdict, "approve") == 0);
}

int refuse_unchecked_items(const struct op_ctx *o, struct error *err)
{
	struct checklist_counts counts;
	char *names;
	int rc;

	checklist_count(&o->rec->checklist, &counts);
	if (counts.unchecked == 0)
		return 0;
	names = item_names(&o->rec->checklist, unchecked);
	rc = error_set(err, EXIT_DATAERR, "%s: %zu of %zu item%s ha%s no result: %s; record %s with 'relctl check %s ITEM pass|fail|na'",
		       o->step->id, counts.unchecked, counts.total, counts.total == 1 ? "" : "s",
		       counts.unchecked == 1 ? "s" : "ve", names, counts.unchecked == 1 ? "it" : "each", o->step->id);
	free(names);
	return rc;
}

/* A step-level review of a step that has none, or that it already passed: its items wait. */
int refuse_step_review(const struct op_ctx *o, struct error *err)
{
	char *names = item_names(&o->rec->checklist, awaits_review);
	int rc;

	if (o->step->review)
		rc = error_set(err, EXIT_DATAERR, "%s was approved by %s and waits for reviews of its items: %s; 'relctl review %s approve|reject --item ITEM'",
			       o->step->id, o->rec->review_by, names, o->step->id);
	else
		rc = error_set(err, EXIT_DATAERR, "%s waits for reviews of its items: %s; 'relctl review %s approve|reject --item ITEM'",
			       o->step->id, names, o->step->id);
	free(names);
	return rc;
}

int check_review_item(struct op_ctx *o, struct error *err)
{
	const char *verdict = o->ev->verdict, *note = o->ev->note;
	const struct check_item *it = find_item(o, err);

	if (it == NULL)
		return -1;
	if (it->review == NULL)
		return error_set(err, EXIT_DATAERR, "item %s of %s has no review role; only items with review: ROLE are reviewed one by one",
				 it->id, o->step->id);
	if (!awaits_review(it))
		return error_set(err, EXIT_DATAERR, "item %s of %s was already approved by %s", it->id, o->step->id,
				 it->review_by);
	if (!person_has_role(o->actor, it->review))
		return refuse_item_role(o, it, "review", it->review, err);
	if ((o->rec->done_by && strcmp(o->rec->done_by, o->actor->id) == 0) || (it->by && strcmp(it->by, o->actor->id) == 0)) {
		char *what = xasprintf("result for %s of %s", it->id, o->step->id);
		int rc = refuse_own_review(o, what, it->review, false, err);

		free(what);
		return rc;
	}
	if (strcmp(verdict, "reject") == 0 && (note == NULL || note[0] == '\0'))
		return error_set(err, EXIT_USAGE, "a rejection needs --note TEXT saying what to fix");
	return 0;
}

/*
 * An approved item counts; the step is done when nothing else waits.  A
 * rejected one loses its result and the step goes back to whoever did it,
 * with the note, to check that item again.
 */
void apply_review_item(struct op_ctx *o)
{
	struct check_item *it = (struct check_item *)checklist_item(&o->rec->checklist, o->ev->item);
	const char *verdict = o->ev->verdict;

	replace(&it->review_by, o->actor->id);
	replace(&it->review_verdict, verdict);
	replace(&it->review_note, o->ev->note);
	if (strcmp(verdict, "approve") == 0) {
		if (reviews_complete(o->step, o->rec))
			o->rec->base = STATE_DONE;
		return;
	}
	item_clear_result(it);
	o->rec->base = STATE_CLAIMED;
	replace(&o->rec->holder, o->rec->done_by);
	o->rec->done_at = 0;
	o->rec->claimed_at = o->when;
}

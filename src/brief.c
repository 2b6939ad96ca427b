/*
 * Builds the decision brief from a release's replayed state and renders it
 * as markdown.  The brief holds no clock, so the same ledger always gives
 * the same brief and the same hash: a decision records the hash of the
 * brief its maker saw.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brief.h"
#include "buf.h"
#include "checklist.h"
#include "crypto.h"
#include "html.h"
#include "json.h"
#include "util.h"

/*
 * A step's checklist for the brief: the counts, and every item that failed
 * or does not apply, with its note, evidence and finding (the passes are in
 * the report).  Only on steps with a checklist, so the briefs of releases
 * without one hash as they always did.
 */
static void add_checklist(cJSON *step, const struct step_record *r)
{
	struct checklist_counts c;
	cJSON *o, *items;
	size_t i, approved = 0;

	if (!ledger_has_checklist(r))
		return;
	checklist_count(&r->checklist, &c);
	o = cJSON_AddObjectToObject(step, "checklist");
	cJSON_AddNumberToObject(o, "total", (double)c.total);
	cJSON_AddNumberToObject(o, "pass", (double)c.pass);
	cJSON_AddNumberToObject(o, "fail", (double)c.fail);
	cJSON_AddNumberToObject(o, "na", (double)c.na);
	cJSON_AddNumberToObject(o, "unchecked", (double)c.unchecked);
	cJSON_AddNumberToObject(o, "review_pending", (double)c.review_pending);
	for (i = 0; i < r->checklist.count; i++)
		approved += !r->checklist.items[i].removed_by && r->checklist.items[i].review_verdict &&
			    strcmp(r->checklist.items[i].review_verdict, "approve") == 0;
	cJSON_AddNumberToObject(o, "review_approved", (double)approved);
	/* Results that wait for their review (review_pending also counts items not checked yet). */
	for (i = 0, approved = 0; i < r->checklist.count; i++) {
		const struct check_item *it = &r->checklist.items[i];

		approved += !it->removed_by && it->result && it->review &&
			    !(it->review_verdict && strcmp(it->review_verdict, "approve") == 0);
	}
	cJSON_AddNumberToObject(o, "review_awaiting", (double)approved);
	items = cJSON_AddArrayToObject(o, "items");
	for (i = 0; i < r->checklist.count; i++) {
		const struct check_item *it = &r->checklist.items[i];
		cJSON *io;

		if (it->removed_by || it->result == NULL || strcmp(it->result, "pass") == 0)
			continue;
		io = cJSON_CreateObject();
		cJSON_AddStringToObject(io, "id", it->id);
		cJSON_AddStringToObject(io, "text", it->text);
		cJSON_AddStringToObject(io, "result", it->result);
		cJSON_AddStringToObject(io, "by", it->by);
		json_add_string_or_null(io, "note", it->note);
		cJSON_AddItemToObject(io, "evidence", cJSON_Duplicate(it->evidence, 1));
		json_add_string_or_null(io, "finding", it->finding);
		cJSON_AddItemToArray(items, io);
	}
}

static cJSON *testing(const struct release_state *st, const struct pb_step *decision)
{
	const struct pb_phase *ph = &st->pb->phases[decision->phase];
	cJSON *arr = cJSON_CreateArray();
	char approvals[64];
	size_t i;

	for (i = 0; i < ph->step_count; i++) {
		size_t k = ph->first_step + i;
		const struct pb_step *s = &st->pb->steps[k];
		const struct step_record *r = &st->steps[k];
		cJSON *o;

		if (s->kind == STEP_DECISION)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", s->id);
		cJSON_AddStringToObject(o, "title", s->title);
		/* Unclaimed steps are ready or pending by their dependencies (no clock needed). */
		cJSON_AddStringToObject(o, "state", step_state_name(r->base == STATE_READY ? ledger_step_state(st, k, 0)
											   : r->base));
		json_add_string_or_null(o, "by", r->done_by ? r->done_by : r->holder);
		json_add_string_or_null(o, "note", r->note ? r->note : r->reason);
		cJSON_AddItemToObject(o, "evidence", cJSON_Duplicate(r->evidence, 1));
		if (s->review) {
			cJSON *rv = cJSON_AddObjectToObject(o, "review");

			cJSON_AddStringToObject(rv, "role", s->review);
			json_add_string_or_null(rv, "verdict", r->review_verdict);
			json_add_string_or_null(rv, "by", r->review_by);
			json_add_string_or_null(rv, "note", r->review_note);
			if (ledger_approvals(st, k, approvals, sizeof(approvals)))
				cJSON_AddStringToObject(rv, "approvals", approvals);
		}
		cJSON_AddNumberToObject(o, "candidate", r->candidate);
		/* Only check steps say how they finished: the briefs of other playbooks stay as they were. */
		if (s->kind == STEP_CHECK && r->finished_how)
			cJSON_AddStringToObject(o, "check", r->finished_how);
		add_checklist(o, r);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static cJSON *findings(const struct release_state *st, long *longest_fix, int *open_blockers, int *open_count)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, rank, ranks = st->pb->findings.severities.count + 1; /* the last: a severity the playbook lacks */

	*longest_fix = 0;
	*open_blockers = *open_count = 0;
	/* Open before closed, then by the playbook's order of severities, then in the order found. */
	for (rank = 0; rank < 2 * ranks; rank++) {
		for (i = 0; i < st->finding_count; i++) {
			const struct finding *f = &st->findings[i];
			size_t severity = finding_severity_rank(st->pb, f->severity);
			char d[32];
			cJSON *o;

			if ((f->closed ? ranks : 0) + severity != rank)
				continue;
			if (!f->closed) {
				(*open_count)++;
				if (severity == 0) /* the most severe: a blocker by default */
					(*open_blockers)++;
				if (f->estimate > *longest_fix)
					*longest_fix = f->estimate;
			}
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "id", f->id);
			cJSON_AddStringToObject(o, "severity", f->severity);
			cJSON_AddStringToObject(o, "title", f->title);
			json_add_string_or_null(o, "step", f->step);
			cJSON_AddStringToObject(o, "by", f->by);
			cJSON_AddNumberToObject(o, "candidate", f->candidate);
			json_add_string_or_null(o, "estimate", f->estimate ? duration_format(f->estimate, d, sizeof(d)) : NULL);
			json_add_string_or_null(o, "risk", f->risk);
			json_add_string_or_null(o, "impact", f->impact);
			cJSON_AddItemToObject(o, "evidence", cJSON_Duplicate(f->evidence, 1));
			cJSON_AddItemToObject(o, "notes", cJSON_Duplicate(f->notes, 1));
			cJSON_AddBoolToObject(o, "closed", f->closed);
			cJSON_AddItemToArray(arr, o);
		}
	}
	return arr;
}

/* The longest chain of estimates through the steps a delay reopens. */
static long retest_time(const struct release_state *st, const struct pb_step *decision)
{
	const struct playbook *pb = st->pb;
	long *finish = xcalloc(pb->step_count + 1, sizeof(*finish)), longest = 0;
	size_t pass, i, j;

	/* The reopened steps form a small DAG; relaxing it step-count times settles it. */
	for (pass = 0; pass < decision->on_delay.count; pass++) {
		for (i = 0; i < decision->on_delay.count; i++) {
			const struct pb_step *s = playbook_step(pb, decision->on_delay.items[i]);
			long start = 0;

			if (!ledger_delay_reopens(st, decision, s))
				continue;
			for (j = 0; j < s->needs.count; j++) {
				const struct pb_step *dep = playbook_step(pb, s->needs.items[j]);

				if (dep && strlist_contains(&decision->on_delay, dep->id) && finish[dep->index] > start)
					start = finish[dep->index];
			}
			finish[s->index] = start + s->estimate;
			if (finish[s->index] > longest)
				longest = finish[s->index];
		}
	}
	free(finish);
	return longest;
}

cJSON *brief_build(const struct release_state *st, const struct pb_step *gate)
{
	const struct pb_step *decision = gate ? gate : ledger_decision_step(st);
	cJSON *b = cJSON_CreateObject(), *inputs, *missing, *options, *o, *history, *reopens;
	long fix = 0, retest;
	int blockers = 0, open = 0, unestimated = 0;
	char d1[32], d2[32], d3[32], next[48];
	size_t i;

	cJSON_AddStringToObject(b, "release", st->version);
	cJSON_AddStringToObject(b, "playbook", st->pb->name);
	cJSON_AddNumberToObject(b, "candidate", st->candidate);
	cJSON_AddStringToObject(b, "status", release_status_name(st->status));
	if (decision == NULL) {
		cJSON_AddNullToObject(b, "decision_step");
		return b;
	}
	cJSON_AddStringToObject(b, "decision_step", decision->id);
	cJSON_AddStringToObject(b, "decider_role", decision->owner);
	cJSON_AddItemToObject(b, "testing", testing(st, decision));
	cJSON_AddItemToObject(b, "findings", findings(st, &fix, &blockers, &open));
	inputs = cJSON_AddArrayToObject(b, "inputs");
	missing = cJSON_AddArrayToObject(b, "missing_inputs");
	{
		const char **lacking = xcalloc(decision->inputs.count + 1, sizeof(*lacking));
		size_t count = ledger_missing_inputs(st, decision, lacking);

		for (i = 0; i < count; i++)
			cJSON_AddItemToArray(missing, cJSON_CreateString(lacking[i]));
		free(lacking);
	}
	for (i = 0; i < decision->inputs.count; i++) {
		const struct input_record *in = ledger_input(st, decision, decision->inputs.items[i]);

		if (in == NULL)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "role", in->role);
		cJSON_AddStringToObject(o, "by", in->by);
		cJSON_AddStringToObject(o, "note", in->note);
		json_add_time_or_null(o, "at", in->at);
		cJSON_AddItemToArray(inputs, o);
	}
	for (i = 0; i < st->input_count; i++) {
		const struct input_record *in = &st->inputs[i];

		if (in->candidate != st->candidate || strlist_contains(&decision->inputs, in->role) ||
		    ledger_input(st, decision, in->role) != in)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "role", in->role);
		cJSON_AddStringToObject(o, "by", in->by);
		cJSON_AddStringToObject(o, "note", in->note);
		json_add_time_or_null(o, "at", in->at);
		cJSON_AddItemToArray(inputs, o);
	}
	retest = retest_time(st, decision);
	for (i = 0; i < st->finding_count; i++)
		if (!st->findings[i].closed && st->findings[i].estimate == 0)
			unestimated++;
	options = cJSON_AddObjectToObject(b, "options");
	o = cJSON_AddObjectToObject(options, "ship");
	cJSON_AddNumberToObject(o, "open_findings", open);
	cJSON_AddNumberToObject(o, "open_blockers", blockers);
	cJSON_AddStringToObject(o, "means", open ? "the open findings ship with the release" : "no open findings ship");
	o = cJSON_AddObjectToObject(options, "delay");
	cJSON_AddNumberToObject(o, "next_candidate", st->candidate + 1);
	reopens = cJSON_AddArrayToObject(o, "reopens");
	for (i = 0; i < decision->on_delay.count; i++) {
		const struct pb_step *s = playbook_step(st->pb, decision->on_delay.items[i]);

		if (ledger_delay_reopens(st, decision, s))
			cJSON_AddItemToArray(reopens, cJSON_CreateString(s->id));
	}
	cJSON_AddNumberToObject(o, "fix_seconds", (double)fix);
	cJSON_AddNumberToObject(o, "retest_seconds", (double)retest);
	cJSON_AddStringToObject(o, "estimate", duration_format(fix + retest, d1, sizeof(d1)));
	cJSON_AddNumberToObject(o, "unestimated_findings", unestimated);
	{
		char *means = unestimated
				      ? xasprintf("%s after the fix and about %s to rebuild and retest; %d open finding%s no fix estimate yet",
						  candidate_short(st->pb, st->candidate + 1, next, sizeof(next)),
						  duration_format(retest, d3, sizeof(d3)), unestimated,
						  unestimated == 1 ? " has" : "s have")
				      : xasprintf("%s after about %s: %s to fix (the longest open finding's estimate) and %s to rebuild and retest",
						  candidate_short(st->pb, st->candidate + 1, next, sizeof(next)),
						  duration_format(fix + retest, d1, sizeof(d1)),
						  duration_format(fix, d2, sizeof(d2)), duration_format(retest, d3, sizeof(d3)));

		cJSON_AddStringToObject(o, "means", means);
		free(means);
	}
	history = cJSON_AddArrayToObject(b, "decisions");
	for (i = 0; i < st->decision_count; i++) {
		const struct decision_record *dr = &st->decisions[i];

		if (dr->gate != decision)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "candidate", dr->candidate);
		cJSON_AddStringToObject(o, "decision", dr->decision);
		cJSON_AddStringToObject(o, "by", dr->by);
		cJSON_AddStringToObject(o, "reason", dr->reason);
		cJSON_AddBoolToObject(o, "forced", dr->forced);
		json_add_time_or_null(o, "at", dr->at);
		cJSON_AddItemToArray(history, o);
	}
	return b;
}

/*
 * Keys the brief gained for its text only, left out of the hash so that a
 * decision made from an earlier relctl's brief is judged the same.
 */
static const char *const unhashed_checklist_keys[] = { "review_awaiting", NULL };

int brief_hash(const cJSON *brief, char out[65])
{
	cJSON *copy = cJSON_Duplicate(brief, 1), *step;
	char *text;
	size_t k;
	int rc;

	cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(copy, "testing"))
		for (k = 0; unhashed_checklist_keys[k]; k++)
			cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(step, "checklist"),
								unhashed_checklist_keys[k]);
	text = cJSON_PrintUnformatted(copy);
	rc = sha256_hex(text, strlen(text), out);
	free(text);
	cJSON_Delete(copy);
	return rc;
}

int brief_state_hash(const struct release_state *st, const struct pb_step *gate, char out[65])
{
	cJSON *brief = brief_build(st, gate);
	int rc = brief_hash(brief, out);

	cJSON_Delete(brief);
	return rc;
}

static void cell(struct buf *b, const char *text)
{
	buf_add_md_cell(b, text);
	buf_adds(b, " | ");
}

/* Evidence: http(s) links as links, anything else (javascript:, data:) as text. */
static void links(struct buf *b, const cJSON *arr)
{
	const cJSON *item;
	int n = 0;

	cJSON_ArrayForEach(item, arr)
	{
		char label[32];

		if (!cJSON_IsString(item))
			continue;
		snprintf(label, sizeof(label), "link %d", n + 1);
		buf_adds(b, n ? ", " : "");
		html_evidence(b, item->valuestring, label, false);
		n++;
	}
	buf_adds(b, " | ");
}

/* The review cell of a step whose checklist items are reviewed: "2 items awaiting review", "3 items approved", or "-". */
static const char *item_reviews(const cJSON *step, char *out, size_t size)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(step, "checklist");
	const cJSON *awaiting = list ? cJSON_GetObjectItemCaseSensitive(list, "review_awaiting") : NULL;
	int pending = awaiting ? awaiting->valueint
			       : list ? cJSON_GetObjectItemCaseSensitive(list, "review_pending")->valueint : 0;
	int approved = list ? cJSON_GetObjectItemCaseSensitive(list, "review_approved")->valueint : 0;

	if (pending)
		snprintf(out, size, "%d item%s awaiting review", pending, pending == 1 ? "" : "s");
	else if (approved)
		snprintf(out, size, "%d item%s approved", approved, approved == 1 ? "" : "s");
	else
		snprintf(out, size, "-");
	return out;
}

/* "Voyager: 23 of 24 items pass, 1 fails", then each failed or na item with its note, links and finding. */
static void checklists_markdown(struct buf *b, const cJSON *brief)
{
	const cJSON *step, *it;
	bool heading = false;

	cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(brief, "testing"))
	{
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(step, "checklist");
		int total, unchecked, pending;

		/* A skipped step's items were never meant to be checked: they say nothing of this candidate. */
		if (list == NULL || strcmp(json_string(step, "state"), "skipped") == 0)
			continue;
		if (!heading) {
			buf_adds(b, "\n### Checklists\n\n");
			heading = true;
		}
		total = cJSON_GetObjectItemCaseSensitive(list, "total")->valueint;
		unchecked = cJSON_GetObjectItemCaseSensitive(list, "unchecked")->valueint;
		pending = cJSON_GetObjectItemCaseSensitive(list, "review_awaiting")
				  ? cJSON_GetObjectItemCaseSensitive(list, "review_awaiting")->valueint
				  : cJSON_GetObjectItemCaseSensitive(list, "review_pending")->valueint;
		buf_adds(b, "- **");
		buf_add_md_cell(b, json_string(step, "title"));
		buf_addf(b, "**: %d of %d items pass, %d fail, %d n/a", cJSON_GetObjectItemCaseSensitive(list, "pass")->valueint, total,
			 cJSON_GetObjectItemCaseSensitive(list, "fail")->valueint,
			 cJSON_GetObjectItemCaseSensitive(list, "na")->valueint);
		if (unchecked)
			buf_addf(b, ", %d not checked yet", unchecked);
		if (pending)
			buf_addf(b, ", %d awaiting review", pending);
		buf_adds(b, "\n");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(list, "items"))
		{
			const cJSON *link;
			int n = 0;

			buf_addf(b, "  - `%s` %s (%s): ", json_string(it, "id"),
				 strcmp(json_string(it, "result"), "fail") == 0 ? "**fails**" : "does not apply",
				 json_string(it, "by"));
			buf_add_md_cell(b, json_string(it, "note"));
			cJSON_ArrayForEach(link, cJSON_GetObjectItemCaseSensitive(it, "evidence"))
			{
				char label[32];

				snprintf(label, sizeof(label), "footage %d", ++n);
				buf_adds(b, n > 1 ? ", " : "; ");
				html_evidence(b, cJSON_IsString(link) ? link->valuestring : "", label, false);
			}
			if (json_string(it, "finding"))
				buf_addf(b, "; finding %s", json_string(it, "finding"));
			buf_adds(b, "\n");
		}
	}
}

/* The findings table's header: the playbook's roles name who gives estimate, risk and impact. */
static void findings_header(struct buf *b, const struct playbook *pb)
{
	char *estimate_by = strlist_join(&pb->findings.estimate_by, ", ", " or ");
	char *impact_by = strlist_join(&pb->findings.impact_by, ", ", " or ");

	buf_adds(b, "| ID | Severity | Finding | Found in | Fix estimate (");
	buf_add_md_cell(b, estimate_by);
	buf_adds(b, ") | Risk (");
	buf_add_md_cell(b, estimate_by);
	buf_adds(b, ") | Customer impact (");
	buf_add_md_cell(b, impact_by);
	buf_adds(b, ") | Evidence | Status |\n|---|---|---|---|---|---|---|---|---|\n");
	free(estimate_by);
	free(impact_by);
}

char *brief_markdown(const cJSON *brief, const struct playbook *pb)
{
	struct buf b;
	const cJSON *item, *options = cJSON_GetObjectItemCaseSensitive(brief, "options");
	int candidate = cJSON_GetObjectItemCaseSensitive(brief, "candidate")->valueint;
	char reviews[64], name[64];

	buf_init(&b);
	buf_adds(&b, "# Decision brief: ");
	buf_add_md_cell(&b, json_string(brief, "playbook"));
	buf_addf(&b, " %s, ", json_string(brief, "release"));
	buf_add_md_cell(&b, candidate_long(pb, candidate, name, sizeof(name)));
	buf_adds(&b, "\n\n");
	if (json_string(brief, "decision_step") == NULL) {
		buf_adds(&b, "This release's playbook has no decision step.\n");
		return buf_detach(&b);
	}
	if (ledger_gate_count(pb) > 1)
		buf_addf(&b, "Gate `%s`, to be decided by the %s role: `relctl decide ship|delay|abort --step %s --reason TEXT`.\n\n",
			 json_string(brief, "decision_step"), json_string(brief, "decider_role"), json_string(brief, "decision_step"));
	else
		buf_addf(&b, "To be decided by the %s role: `relctl decide ship|delay|abort --reason TEXT`.\n\n",
			 json_string(brief, "decider_role"));
	buf_adds(&b, "## Testing (");
	buf_add_md_cell(&b, candidate_short(pb, candidate, name, sizeof(name)));
	buf_adds(&b, ")\n\n| Step | Result | By | Note | Evidence | Review |\n|---|---|---|---|---|---|\n");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(brief, "testing"))
	{
		const cJSON *review = cJSON_GetObjectItemCaseSensitive(item, "review");
		const char *check = json_string(item, "check");

		buf_adds(&b, "| ");
		cell(&b, json_string(item, "title"));
		if (check && strcmp(check, "override") == 0)
			cell(&b, "done: check overridden");
		else if (check && strcmp(check, "without-check") == 0)
			cell(&b, "done without the check");
		else
			cell(&b, json_string(item, "state"));
		cell(&b, json_string(item, "by") ? json_string(item, "by") : "-");
		cell(&b, json_string(item, "note") ? json_string(item, "note") : "");
		links(&b, cJSON_GetObjectItemCaseSensitive(item, "evidence"));
		if (review && json_string(review, "verdict")) {
			const char *approvals = json_string(review, "approvals");
			char *text = xasprintf("%s by %s%s%s%s%s%s", json_string(review, "verdict"), json_string(review, "by"),
					       json_string(review, "note") ? ": " : "", json_string(review, "note") ? json_string(review, "note") : "",
					       approvals ? " (" : "", approvals ? approvals : "", approvals ? ")" : "");

			cell(&b, text);
			free(text);
		} else {
			cell(&b, review && strcmp(json_string(item, "state"), "in-review") == 0 ? "awaiting review"
								     : item_reviews(item, reviews, sizeof(reviews)));
		}
		b.len -= 1; /* no space after the last pipe */
		b.data[b.len] = '\0';
		buf_addc(&b, '\n');
	}
	checklists_markdown(&b, brief);
	buf_adds(&b, "\n## Findings\n\n");
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(brief, "findings")) == 0)
		buf_adds(&b, "None recorded.\n");
	else
		findings_header(&b, pb);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(brief, "findings"))
	{
		char found[96];

		snprintf(found, sizeof(found), "%s %s", json_string(item, "step") ? json_string(item, "step") : "-",
			 candidate_short(pb, cJSON_GetObjectItemCaseSensitive(item, "candidate")->valueint, name, sizeof(name)));
		buf_adds(&b, "| ");
		cell(&b, json_string(item, "id"));
		cell(&b, json_string(item, "severity"));
		cell(&b, json_string(item, "title"));
		cell(&b, found);
		cell(&b, json_string(item, "estimate") ? json_string(item, "estimate") : "not given");
		cell(&b, json_string(item, "risk") ? json_string(item, "risk") : "not given");
		cell(&b, json_string(item, "impact") ? json_string(item, "impact") : "not given");
		links(&b, cJSON_GetObjectItemCaseSensitive(item, "evidence"));
		cell(&b, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "closed")) ? "closed" : "open");
		b.len -= 1;
		b.data[b.len] = '\0';
		buf_addc(&b, '\n');
	}
	buf_adds(&b, "\n## Team input\n\n");
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(brief, "inputs"))
	{
		buf_addf(&b, "- **%s** (%s, %s): ", json_string(item, "role"), json_string(item, "by"), json_string(item, "at"));
		buf_add_md_cell(&b, json_string(item, "note"));
		buf_addc(&b, '\n');
	}
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(brief, "missing_inputs"))
		buf_addf(&b, "- **%s**: _missing_ - someone of this role runs `relctl input --note TEXT`\n", item->valuestring);
	if (options) {
		const cJSON *ship = cJSON_GetObjectItemCaseSensitive(options, "ship");
		const cJSON *delay = cJSON_GetObjectItemCaseSensitive(options, "delay");
		struct buf reopens;

		buf_init(&reopens);
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(delay, "reopens"))
			buf_addf(&reopens, "%s`%s`", reopens.len ? ", " : "", item->valuestring);
		buf_addf(&b, "\n## Options\n\n- **Ship now**: %s (%d open, %d %s%s).\n", json_string(ship, "means"),
			 cJSON_GetObjectItemCaseSensitive(ship, "open_findings")->valueint,
			 cJSON_GetObjectItemCaseSensitive(ship, "open_blockers")->valueint,
			 pb->findings.severities.count ? pb->findings.severities.items[0] : "",
			 cJSON_GetObjectItemCaseSensitive(ship, "open_blockers")->valueint == 1 ? "" : "s");
		if (cJSON_GetObjectItemCaseSensitive(ship, "open_findings")->valueint == 0) {
			/* Nothing to fix: no "0m to fix", only the rebuild and retest a delay costs. */
			char next[48], d[32];

			buf_addf(&b, "- **Delay**: %s after about %s to rebuild and retest, with no open finding to fix",
				 candidate_short(pb, cJSON_GetObjectItemCaseSensitive(brief, "candidate")->valueint + 1, next,
						 sizeof(next)),
				 duration_format((long)cJSON_GetObjectItemCaseSensitive(delay, "retest_seconds")->valuedouble, d,
						 sizeof(d)));
		} else {
			buf_addf(&b, "- **Delay**: %s", json_string(delay, "means"));
		}
		buf_addf(&b, "; reopens %s.\n- **Abort**: the release closes; nothing in it can change afterwards.\n",
			 reopens.len ? reopens.data : "nothing");
		buf_release(&reopens);
	}
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(brief, "decisions")) > 0) {
		buf_adds(&b, "\n## Earlier decisions\n\n");
		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(brief, "decisions"))
		{
			buf_addf(&b, "- %s: **%s** by %s on %s%s: ",
				 candidate_short(pb, cJSON_GetObjectItemCaseSensitive(item, "candidate")->valueint, name,
						 sizeof(name)),
				 json_string(item, "decision"),
				 json_string(item, "by"), json_string(item, "at"),
				 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "forced")) ? " (forced, inputs missing)" : "");
			buf_add_md_cell(&b, json_string(item, "reason"));
			buf_addc(&b, '\n');
		}
	}
	return buf_detach(&b);
}

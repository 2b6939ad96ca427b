/*
 * A release's whole record for people who were not there: candidates, each
 * step's who, when, notes, evidence and review, findings, inputs, decisions,
 * hooks.  Markdown (GitHub-flavoured), JSON, or one self-contained HTML file
 * with a Gantt-style SVG timeline coloured by phase.  Pure: the record is
 * derived from the release document's events and its replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "checklist.h"
#include "html.h"
#include "json.h"
#include "provenance.h"
#include "report.h"
#include "util.h"

struct interval {
	const char *step;
	int candidate;
	size_t phase;
	time_t start, end;
	bool finished, wait;
	const char *who;
};

/* The playbook's name of candidate n ("rc2", "build 2"), in a buffer that lasts the statement. */
#define CANDIDATE(pb, n) candidate_short((pb), (n), (char[48]){ 0 }, 48)

static const char *text_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int candidate_of(const cJSON *ev)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(ev, "candidate");

	return cJSON_IsNumber(c) ? c->valueint : 1;
}

/* The gate of decision i, to name it when the playbook has several (a step id: no escaping needed); NULL otherwise. */
static const char *gate_named(const struct release_state *st, size_t i)
{
	return ledger_gate_count(st->pb) > 1 && st->decisions[i].gate ? st->decisions[i].gate->id : NULL;
}

/* From the first claim to the finish of each step in each candidate. */
static struct interval *timeline(const struct release_state *st, const cJSON *events, size_t *count, time_t *first,
				 time_t *last)
{
	struct interval *list = NULL;
	const cJSON *ev;
	size_t n = 0, i;

	*first = *last = 0;
	cJSON_ArrayForEach(ev, events)
	{
		const char *op = text_of(ev, "op"), *step = text_of(ev, "step");
		const struct pb_step *s = step ? playbook_step(st->pb, step) : NULL;
		int cand = candidate_of(ev);
		time_t t;

		if (op == NULL || text_of(ev, "time") == NULL || time_parse(text_of(ev, "time"), &t) != 0)
			continue;
		if (*first == 0 || t < *first)
			*first = t;
		if (t > *last)
			*last = t;
		/* A decide or input names its gate, if at all; only a ship finishes it. */
		if (strcmp(op, "decide") == 0 || strcmp(op, "input") == 0)
			s = strcmp(op, "decide") == 0 && strcmp(text_of(ev, "decision") ? text_of(ev, "decision") : "", "ship") == 0
				    ? ledger_gate_of(st, step)
				    : NULL;
		if (s == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (list[i].step == s->id && list[i].candidate == cand)
				break;
		if (i == n) {
			if (strcmp(op, "claim") && strcmp(op, "assign") && strcmp(op, "decide"))
				continue;
			list = xrealloc(list, (n + 1) * sizeof(*list));
			memset(&list[n], 0, sizeof(*list));
			list[n].step = s->id;
			list[n].candidate = cand;
			list[n].phase = s->phase;
			list[n].start = list[n].end = t;
			list[n].wait = s->kind == STEP_WAIT;
			n++;
		}
		list[i].end = t;
		list[i].who = text_of(ev, "actor");
		if (strcmp(op, "done") == 0 || strcmp(op, "decide") == 0 ||
		    (strcmp(op, "review") == 0 && text_of(ev, "verdict") && strcmp(text_of(ev, "verdict"), "approve") == 0))
			list[i].finished = true;
		if (strcmp(op, "hook") == 0) {
			const cJSON *result = cJSON_GetObjectItemCaseSensitive(ev, "result");

			list[i].finished = text_of(result, "outcome") && strcmp(text_of(result, "outcome"), "delivered") == 0;
		}
		if (strcmp(op, "command") == 0 || strcmp(op, "poll") == 0) {
			const char *outcome = text_of(cJSON_GetObjectItemCaseSensitive(ev, "result"), "outcome");

			list[i].finished = outcome && strcmp(outcome, "passed") == 0;
		}
		if (strcmp(op, "override") == 0)
			list[i].finished = true;
	}
	*count = n;
	return list;
}

static void md_cell(struct buf *b, const char *text)
{
	buf_add_md_cell(b, text);
}

static void svg_timeline(struct buf *b, const struct release_state *st, const cJSON *events)
{
	size_t n, i;
	time_t first, last;
	struct interval *list = timeline(st, events, &n, &first, &last);
	const int label = 190, width = 900, row = 20, top = 30;
	double span, scale;
	const cJSON *ev;

	if (last <= first)
		last = first + 3600;
	span = (double)(last - first);
	scale = (width - label - 20) / span;
	buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"%d\" height=\"%zu\" role=\"img\" aria-label=\"timeline of the release\">\n",
		 width, top + n * row + 40);
	buf_adds(b, "<defs><pattern id=\"wait\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		    "<rect width=\"3\" height=\"6\" fill=\"#94a3b8\"/></pattern></defs>\n");
	/* Day lines. */
	for (time_t d = first - first % 86400 + 86400; d < last; d += 86400) {
		char t[32];
		double x = label + (double)(d - first) * scale;

		time_format(d, t, sizeof(t));
		t[10] = '\0';
		buf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%zu\" class=\"day\"/><text x=\"%.1f\" y=\"%d\" class=\"axis\">%s</text>\n",
			 x, top - 8, x, top + n * row, x + 2, top - 12, t);
	}
	for (i = 0; i < n; i++) {
		const struct interval *iv = &list[i];
		double x = label + (double)(iv->start - first) * scale;
		double w = (double)(iv->end - iv->start) * scale;
		size_t y = top + i * row;

		if (w < 3)
			w = 3;
		buf_addf(b, "<text x=\"%d\" y=\"%zu\" class=\"label\">", label - 8, y + 14);
		html_escape(b, iv->step);
		buf_addf(b, " %s</text>\n", CANDIDATE(st->pb, iv->candidate));
		buf_addf(b, "<rect class=\"bar%s\" x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"%d\" rx=\"3\" fill=\"%s\"><title>",
			 iv->finished ? "" : " open", x, y + 3, w, row - 6,
			 iv->wait ? "url(#wait)" : html_color(iv->phase));
		html_escape(b, iv->step);
		buf_addf(b, " (%s) by ", CANDIDATE(st->pb, iv->candidate));
		html_escape(b, iv->who ? iv->who : "?");
		buf_adds(b, "</title></rect>\n");
	}
	/* Decisions: a marker each; a delay separates the candidates. */
	cJSON_ArrayForEach(ev, events)
	{
		time_t t;
		double x;

		if (text_of(ev, "op") == NULL || strcmp(text_of(ev, "op"), "decide") != 0 ||
		    time_parse(text_of(ev, "time"), &t) != 0)
			continue;
		x = label + (double)(t - first) * scale;
		buf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%zu\" class=\"decision %s\"/>"
			    "<text x=\"%.1f\" y=\"%zu\" class=\"axis\">%s %s</text>\n",
			 x, top - 4, x, top + n * row + 6, text_of(ev, "decision"), x + 3, top + n * row + 20,
			 text_of(ev, "decision"), CANDIDATE(st->pb, candidate_of(ev)));
	}
	buf_adds(b, "</svg>\n");
	free(list);
}

/* A table cell's text: escaped for HTML, or kept on one line of a markdown table. */
static void cell(struct buf *b, const char *text, bool html)
{
	if (html)
		html_escape(b, text);
	else
		md_cell(b, text);
}

/*
 * The step records of st as a table: every step, or only those in only
 * (the steps a delay reopened, for an earlier candidate).
 */
/*
 * The Note cell: the step's own note, and the reason of its last skip, block
 * or reopen said as such ("blocked: ..."), never as if it were the note.
 * events are the release's; the first upto of them made st.
 */
static char *note_cell(const struct release_state *st, size_t step, const cJSON *events, size_t upto)
{
	const struct step_record *r = &st->steps[step];
	const char *id = st->pb->steps[step].id, *op = NULL;
	const cJSON *ev;
	size_t n = 0;

	if (r->reason == NULL)
		return xstrdup(r->note ? r->note : "");
	cJSON_ArrayForEach(ev, events)
	{
		if (n++ >= upto)
			break;
		const char *on = text_of(ev, "step"), *what = text_of(ev, "op");

		if (on && what && strcmp(on, id) == 0 &&
		    (strcmp(what, "skip") == 0 || strcmp(what, "block") == 0 || strcmp(what, "reopen") == 0 ||
		     strcmp(what, "unblock") == 0))
			op = what;
	}
	if (r->reason_is_condition || (op && strcmp(op, "skip") == 0))
		op = "skipped";
	else if (op && strcmp(op, "block") == 0)
		op = "blocked";
	else if (op && strcmp(op, "reopen") == 0)
		op = "reopened";
	else
		op = "was blocked"; /* unblocked since: the reason is the block's */
	return xasprintf("%s%s%s: %s", r->note ? r->note : "", r->note ? "; " : "", op, r->reason);
}

static void step_rows(struct buf *b, const struct release_state *st, const cJSON *events, const struct strlist *only,
		      bool html)
{
	const char *row = html ? "<tr><td>" : "| ", *sep = html ? "</td><td>" : " | ", *end = html ? "</td></tr>\n" : " |\n";
	size_t i;

	if (html)
		buf_adds(b, "<table><tr><th>Phase</th><th>Step</th><th>State</th><th>By</th><th>Done</th><th>Note</th><th>Evidence</th><th>Review</th></tr>\n");
	else
		buf_adds(b, "| Phase | Step | State | By | Done | Note | Evidence | Review |\n|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < st->pb->step_count; i++) {
		const struct pb_step *s = &st->pb->steps[i];
		const struct step_record *r = &st->steps[i];
		const cJSON *item;
		char t[32] = "", *note;
		int k = 0;

		if (only && !strlist_contains(only, s->id))
			continue;
		if (r->done_at)
			time_format(r->done_at, t, sizeof(t));
		buf_adds(b, row);
		cell(b, st->pb->phases[s->phase].id, html);
		buf_adds(b, sep);
		cell(b, s->id, html);
		buf_addf(b, "%s%s%s", sep, step_state_name(ledger_step_state(st, i, st->updated_at)), sep);
		cell(b, r->done_by ? r->done_by : r->holder ? r->holder : "-", html);
		buf_addf(b, "%s%s%s", sep, t, sep);
		note = note_cell(st, i, events, st->event_count);
		cell(b, note, html);
		free(note);
		buf_adds(b, sep);
		cJSON_ArrayForEach(item, r->evidence)
		{
			char label[32];

			snprintf(label, sizeof(label), html ? "link %d" : "%d", ++k);
			buf_adds(b, k > 1 ? ", " : "");
			html_evidence(b, item->valuestring, label, html);
		}
		buf_adds(b, sep);
		if (r->review_verdict) {
			cell(b, r->review_verdict, html);
			buf_adds(b, " by ");
			cell(b, r->review_by, html);
			if (r->review_note) {
				buf_adds(b, ": ");
				cell(b, r->review_note, html);
			}
		}
		buf_adds(b, end);
	}
	if (html)
		buf_adds(b, "</table>\n");
}

/*
 * The steps table of the current candidate, then, newest first, those of
 * each delayed one as they stood just before the delay: the records of the
 * steps it reopened, which the current state no longer holds.  One replay
 * of the events renders them all.
 */
static void steps_section(struct buf *b, const struct release_state *st, const cJSON *doc, bool html)
{
	struct release_state *replay = release_state_new(st->pb, st->version);
	struct buf *earlier = NULL;
	size_t count = 0;
	const cJSON *ev;
	struct error ignored;

	buf_addf(b, html ? "<h2>Steps (%s)</h2>\n" : "## Steps (%s)\n\n", CANDIDATE(st->pb, st->candidate));
	step_rows(b, st, cJSON_GetObjectItemCaseSensitive(doc, "events"), NULL, html);
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		if (strcmp(text_of(ev, "op"), "decide") == 0 && strcmp(text_of(ev, "decision"), "delay") == 0) {
			const struct pb_step *gate = ledger_gate_of(replay, text_of(ev, "step"));

			earlier = xrealloc(earlier, (count + 1) * sizeof(*earlier));
			buf_init(&earlier[count]);
			buf_addf(&earlier[count],
				 html ? "<h2>Steps of %s, before the delay</h2>\n" : "\n## Steps of %s, before the delay\n\n",
				 CANDIDATE(st->pb, replay->candidate));
			step_rows(&earlier[count], replay, cJSON_GetObjectItemCaseSensitive(doc, "events"),
				  gate ? &gate->on_delay : NULL, html);
			count++;
		}
		ledger_apply(replay, ev, &ignored);
	}
	while (count-- > 0) {
		buf_adds(b, earlier[count].data);
		buf_release(&earlier[count]);
	}
	free(earlier);
	release_state_free(replay);
}

/* One item's result in one candidate's column: "fail by david: note (F-1a2b3c) [1](url)". */
static void item_result(struct buf *b, const struct check_item *it, bool html)
{
	const cJSON *link;
	int k = 0;

	if (it == NULL) {
		buf_adds(b, "-");
		return;
	}
	if (it->removed_by) {
		buf_adds(b, "removed by ");
		cell(b, it->removed_by, html);
		buf_adds(b, ": ");
		cell(b, it->removed_reason ? it->removed_reason : "", html);
		return;
	}
	if (it->result == NULL) {
		buf_adds(b, "not checked");
		return;
	}
	buf_addf(b, html ? "<b>%s</b> by " : "**%s** by ", it->result);
	cell(b, it->by, html);
	if (it->note) {
		buf_adds(b, ": ");
		cell(b, it->note, html);
	}
	if (it->finding)
		buf_addf(b, " (%s)", it->finding);
	cJSON_ArrayForEach(link, it->evidence)
	{
		char label[32];

		snprintf(label, sizeof(label), "%d", ++k);
		buf_adds(b, " ");
		html_evidence(b, link->valuestring, label, html);
	}
	if (it->review_verdict) {
		buf_addf(b, "; review %s by ", it->review_verdict);
		cell(b, it->review_by, html);
	}
}

/*
 * A table per step with a checklist: a row per item, a column per
 * candidate it was checked in (rc1's results beside rc2's after a delay),
 * the current one last.
 */
static void checklists_section(struct buf *b, const struct release_state *st, bool html)
{
	const char *row = html ? "<tr><td>" : "| ", *sep = html ? "</td><td>" : " | ", *end = html ? "</td></tr>\n" : " |\n";
	bool any = false;
	size_t i, c, k;

	for (i = 0; i < st->pb->step_count; i++) {
		const struct step_record *r = &st->steps[i];
		size_t columns = r->earlier_count + 1, ids_count = 0;
		const struct checklist **lists;
		const char **ids;

		if (!ledger_has_checklist(r))
			continue;
		if (!any)
			buf_adds(b, html ? "<h2>Checklists</h2>\n" : "\n## Checklists\n");
		any = true;
		lists = xcalloc(columns, sizeof(*lists));
		for (c = 0; c < r->earlier_count; c++)
			lists[c] = &r->earlier[c];
		lists[columns - 1] = &r->checklist;
		/* Every item of any column, in the order they were first listed. */
		ids = xcalloc(1, sizeof(*ids));
		for (c = columns; c-- > 0;)
			for (k = 0; k < lists[c]->count; k++) {
				size_t j;

				for (j = 0; j < ids_count && strcmp(ids[j], lists[c]->items[k].id); j++)
					;
				if (j < ids_count)
					continue;
				ids = xrealloc(ids, (ids_count + 1) * sizeof(*ids));
				ids[ids_count++] = lists[c]->items[k].id;
			}
		buf_adds(b, html ? "<h3>" : "\n### ");
		cell(b, st->pb->steps[i].id, html);
		buf_adds(b, html ? "</h3>\n<table><tr><th>Item</th>" : "\n\n| Item |");
		for (c = 0; c < columns; c++)
			buf_addf(b, html ? "<th>%s%s</th>" : " %s%s |", CANDIDATE(st->pb, lists[c]->candidate),
				 c > 0 && lists[c - 1]->candidate == lists[c]->candidate ? " (again)" : "");
		buf_adds(b, html ? "</tr>\n" : "\n|---|");
		for (c = 0; !html && c < columns; c++)
			buf_adds(b, "---|");
		buf_adds(b, html ? "" : "\n");
		for (k = 0; k < ids_count; k++) {
			const struct check_item *it = checklist_item(&r->checklist, ids[k]);

			if (it == NULL)
				for (c = columns; it == NULL && c-- > 0;)
					it = checklist_item(lists[c], ids[k]);
			buf_adds(b, row);
			cell(b, ids[k], html);
			buf_adds(b, ": ");
			cell(b, it->text, html);
			for (c = 0; c < columns; c++) {
				buf_adds(b, sep);
				item_result(b, checklist_item(lists[c], ids[k]), html);
			}
			buf_adds(b, end);
		}
		if (html)
			buf_adds(b, "</table>\n");
		free(ids);
		free(lists);
	}
}

/* Every hook sent (every "hook" event, reopened rounds and earlier candidates too). */
static void hooks_section(struct buf *b, const struct playbook *pb, const cJSON *doc, bool html)
{
	const cJSON *ev;
	int hooks = 0;

	buf_adds(b, html ? "<h2>Hooks</h2>\n<ul>\n" : "\n## Hooks\n\n");
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(ev, "result");
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(h, "status");
		int attempts = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(h, "attempts"));

		if (strcmp(text_of(ev, "op"), "hook") != 0)
			continue;
		hooks++;
		buf_adds(b, html ? "<li><code>" : "- `");
		cell(b, text_of(ev, "step"), html);
		/* The result is whatever the event holds: a hand-pushed one may hold markup. */
		buf_adds(b, html ? "</code> (" : "` (");
		cell(b, text_of(h, "hook"), html);
		buf_addf(b, " hook, %s, by ", CANDIDATE(pb, candidate_of(ev)));
		cell(b, text_of(ev, "actor"), html);
		buf_addf(b, " at %s): ", text_of(ev, "time"));
		cell(b, text_of(h, "outcome"), html);
		buf_addf(b, ", %s %d, %d attempt%s, webhook-id %s",
			 cJSON_IsString(cJSON_GetObjectItemCaseSensitive(h, "method")) && strcmp(text_of(h, "method"), "SMTP") == 0
				 ? "SMTP"
				 : "HTTP",
			 cJSON_IsNumber(status) ? status->valueint : 0, attempts, attempts == 1 ? "" : "s", html ? "<code>" : "`");
		cell(b, text_of(h, "webhook_id"), html);
		buf_adds(b, html ? "</code></li>\n" : "`\n");
	}
	if (hooks == 0)
		buf_adds(b, html ? "<li>None sent.</li>\n" : "None sent.\n");
	if (html)
		buf_adds(b, "</ul>\n");
}

/*
 * Every run of a command step and poll of a check step, and every check
 * finished without passing (an override, or done after max_wait), in the
 * order recorded; only in the reports of playbooks that have such steps.
 */
static void runs_section(struct buf *b, const struct playbook *pb, const cJSON *doc, bool html)
{
	const cJSON *ev;
	size_t i;

	for (i = 0; i < pb->step_count; i++)
		if (pb->steps[i].kind == STEP_COMMAND || pb->steps[i].kind == STEP_CHECK)
			break;
	if (i == pb->step_count)
		return;
	buf_adds(b, html ? "<h2>Commands and checks</h2>\n<ul>\n" : "\n## Commands and checks\n\n");
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		const char *op = text_of(ev, "op"), *id = text_of(ev, "step");
		const struct pb_step *s = id ? playbook_step(pb, id) : NULL;
		const cJSON *result = cJSON_GetObjectItemCaseSensitive(ev, "result");
		const cJSON *number;

		if (s == NULL || (s->kind != STEP_COMMAND && s->kind != STEP_CHECK) ||
		    (strcmp(op, "command") && strcmp(op, "poll") && strcmp(op, "override") && strcmp(op, "done")))
			continue;
		buf_adds(b, html ? "<li><code>" : "- `");
		cell(b, id, html);
		buf_addf(b, html ? "</code> (%s, %s, by " : "` (%s, %s, by ", step_kind_name(s->kind),
			 CANDIDATE(pb, candidate_of(ev)));
		cell(b, text_of(ev, "actor"), html);
		buf_addf(b, " at %s): ", text_of(ev, "time"));
		if (strcmp(op, "override") == 0 || strcmp(op, "done") == 0) {
			buf_adds(b, strcmp(op, "override") == 0 ? (html ? "<b>check overridden</b>: " : "**check overridden**: ")
								: "finished without the check: ");
			cell(b, text_of(ev, strcmp(op, "override") == 0 ? "reason" : "note"), html);
		} else {
			cell(b, text_of(result, "outcome"), html);
			number = cJSON_GetObjectItemCaseSensitive(result, strcmp(op, "poll") == 0 ? "status" : "exit");
			if (cJSON_IsNumber(number))
				buf_addf(b, strcmp(op, "poll") == 0 ? ", HTTP %d" : ", exit %d", number->valueint);
			if (text_of(result, "output_sha256")) {
				buf_adds(b, ", output sha256 ");
				cell(b, text_of(result, "output_sha256"), html);
			}
		}
		buf_adds(b, html ? "</li>\n" : "\n");
	}
	if (html)
		buf_adds(b, "</ul>\n");
}

/* Every event, who recorded it and whether the commit that did is signed by them. */
static void events_section(struct buf *b, const cJSON *doc, const cJSON *signatures, bool html)
{
	const cJSON *ev;

	if (signatures == NULL)
		return;
	buf_adds(b, html ? "<h2>Events and signatures</h2>\n<table><tr><th>Time</th><th>rc</th><th>Who</th><th>What</th><th>Signature</th></tr>\n"
			 : "\n## Events and signatures\n\n| Time | rc | Who | What | Signature |\n|---|---|---|---|---|\n");
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		const cJSON *sig = cJSON_GetObjectItemCaseSensitive(signatures, text_of(ev, "id"));
		const cJSON *cand = cJSON_GetObjectItemCaseSensitive(ev, "candidate");
		char *what = xasprintf("%s%s%s", text_of(ev, "op"), json_string(ev, "step") ? " " : "",
				       json_string(ev, "step") ? json_string(ev, "step") : "");
		char *mark = xasprintf("%s%s%s", provenance_mark(signatures, text_of(ev, "id")),
				       json_string(sig, "fingerprint") ? " " : "",
				       json_string(sig, "fingerprint") ? json_string(sig, "fingerprint") : "");

		buf_adds(b, html ? "<tr><td>" : "| ");
		cell(b, text_of(ev, "time"), html);
		buf_addf(b, html ? "</td><td>%d</td><td>" : " | %d | ", cJSON_IsNumber(cand) ? cand->valueint : 1);
		cell(b, text_of(ev, "actor"), html);
		buf_adds(b, html ? "</td><td>" : " | ");
		cell(b, what, html);
		buf_adds(b, html ? "</td><td>" : " | ");
		cell(b, mark, html);
		buf_adds(b, html ? "</td></tr>\n" : " |\n");
		free(what);
		free(mark);
	}
	if (html)
		buf_adds(b, "</table>\n");
}

/* Hand-overs, who learnt which step by shadowing, and who was chased when (remind). */
static void delegation_section(struct buf *b, const struct release_state *st, const cJSON *doc, bool html)
{
	const char *item = html ? "<li>" : "- ", *end = html ? "</li>\n" : "\n";
	const cJSON *ev, *who;
	char t[32];
	size_t i, n = 0;

	buf_adds(b, html ? "<h2>Hand-overs, shadows and reminders</h2>\n<ul>\n" : "\n## Hand-overs, shadows and reminders\n\n");
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		if (strcmp(text_of(ev, "op"), "handover") != 0)
			continue;
		buf_addf(b, "%s%s %s: ", item, text_of(ev, "time"), CANDIDATE(st->pb, candidate_of(ev)));
		cell(b, text_of(ev, "actor"), html);
		buf_adds(b, " handed ");
		cell(b, text_of(ev, "step"), html);
		buf_adds(b, " to ");
		cell(b, text_of(ev, "person"), html);
		buf_adds(b, ": ");
		cell(b, text_of(ev, "note"), html);
		buf_adds(b, end);
		n++;
	}
	for (i = 0; i < st->pb->step_count; i++) {
		int k = 0;

		if (cJSON_GetArraySize(st->steps[i].shadowed) == 0)
			continue;
		buf_addf(b, "%s", item);
		cell(b, st->pb->steps[i].id, html);
		buf_adds(b, " learnt by shadowing: ");
		cJSON_ArrayForEach(who, st->steps[i].shadowed)
		{
			buf_adds(b, k++ ? ", " : "");
			cell(b, who->valuestring, html);
		}
		buf_adds(b, end);
		n++;
	}
	for (i = 0; i < st->reminder_count; i++) {
		const struct reminder_record *r = &st->reminders[i];

		buf_addf(b, "%s%s: ", item, time_format(r->at, t, sizeof(t)));
		if (r->person) {
			cell(b, r->person, html);
			buf_adds(b, " reminded by ");
		} else {
			buf_adds(b, "escalated to the release managers by ");
		}
		cell(b, r->by, html);
		buf_adds(b, ": ");
		cell(b, r->message ? r->message : "", html);
		buf_adds(b, end);
		n++;
	}
	if (n == 0)
		buf_addf(b, "%sNone.%s", html ? "<li>" : "", end);
	if (html)
		buf_adds(b, "</ul>\n");
}

char *report_markdown(const struct release_state *st, const cJSON *doc, const cJSON *signatures)
{
	struct buf b;
	size_t i;
	char t[32];

	buf_init(&b);
	buf_addf(&b, "# %s", st->rehearsal ? "REHEARSAL " : "");
	md_cell(&b, st->pb->name);
	buf_addf(&b, " %s: release record\n\n", st->version);
	buf_addf(&b, "- Status: **%s**, ", release_status_name(st->status));
	md_cell(&b, candidate_long(st->pb, st->candidate, (char[64]){ 0 }, 64));
	buf_addf(&b, "\n- Started %s by %s\n- Events: %zu\n\n", time_format(st->started_at, t, sizeof(t)), st->started_by,
		 st->event_count);
	buf_adds(&b, "## Decisions\n\n");
	if (st->decision_count == 0)
		buf_adds(&b, "None yet.\n");
	for (i = 0; i < st->decision_count; i++) {
		buf_addf(&b, "- %s: **%s**%s%s by %s on %s%s: ", CANDIDATE(st->pb, st->decisions[i].candidate), st->decisions[i].decision,
			 gate_named(st, i) ? " at " : "", gate_named(st, i) ? gate_named(st, i) : "", st->decisions[i].by, time_format(st->decisions[i].at, t, sizeof(t)),
			 st->decisions[i].forced ? " (forced)" : "");
		md_cell(&b, st->decisions[i].reason);
		buf_addf(&b, " (brief `%.12s`)\n", st->decisions[i].brief_hash ? st->decisions[i].brief_hash : "-");
	}
	buf_adds(&b, "\n");
	steps_section(&b, st, doc, false);
	checklists_section(&b, st, false);
	buf_adds(&b, "\n## Findings\n\n");
	if (st->finding_count == 0)
		buf_adds(&b, "None.\n");
	else
		buf_adds(&b, "| ID | Severity | Finding | Found in | By | Estimate | Risk | Impact | Status |\n|---|---|---|---|---|---|---|---|---|\n");
	for (i = 0; i < st->finding_count; i++) {
		const struct finding *f = &st->findings[i];
		char d[32] = "-";

		if (f->estimate)
			duration_format(f->estimate, d, sizeof(d));
		buf_adds(&b, "| ");
		md_cell(&b, f->id);
		buf_addf(&b, " | %s | ", f->severity);
		md_cell(&b, f->title);
		buf_addf(&b, " | %s %s | %s | %s | %s | ", f->step ? f->step : "-", CANDIDATE(st->pb, f->candidate), f->by, d,
			 f->risk ? f->risk : "-");
		md_cell(&b, f->impact ? f->impact : "-");
		buf_addf(&b, " | %s |\n", f->closed ? "closed" : "open");
	}
	buf_adds(&b, "\n## Team input\n\n");
	if (st->input_count == 0)
		buf_adds(&b, "None.\n");
	for (i = 0; i < st->input_count; i++) {
		buf_addf(&b, "- %s **%s** (%s): ", CANDIDATE(st->pb, st->inputs[i].candidate), st->inputs[i].role, st->inputs[i].by);
		md_cell(&b, st->inputs[i].note);
		buf_adds(&b, "\n");
	}
	hooks_section(&b, st->pb, doc, false);
	runs_section(&b, st->pb, doc, false);
	delegation_section(&b, st, doc, false);
	events_section(&b, doc, signatures, false);
	return buf_detach(&b);
}

/* The report's own rules, after the shared ones of html.c. */
static const char report_style[] =
	".timeline{display:block;margin:1em 0;background:#fff}"
	".day{stroke:#e2e8f0}.bar.open{opacity:.45}.decision{stroke:#0f172a;stroke-dasharray:4 3}.decision.delay{stroke:#dc2626}";

char *report_html(const struct release_state *st, const cJSON *doc, const cJSON *signatures)
{
	struct buf b;
	char *md_title = xasprintf("%s%s %s", st->rehearsal ? "REHEARSAL " : "", st->pb->name, st->version);
	char *title = xasprintf("%s: release record", md_title);
	char t[32];
	size_t i;

	buf_init(&b);
	html_begin(&b, title, report_style);
	free(title);
	buf_adds(&b, "<h1>");
	html_escape(&b, md_title);
	buf_addf(&b, "</h1>\n<p>Status <b>%s</b>, ", release_status_name(st->status));
	html_escape(&b, candidate_long(st->pb, st->candidate, (char[64]){ 0 }, 64));
	buf_addf(&b, "; started %s by ", time_format(st->started_at, t, sizeof(t)));
	html_escape(&b, st->started_by);
	buf_addf(&b, "; %zu events.</p>\n<h2>Timeline</h2>\n<p class=\"legend\">", st->event_count);
	for (i = 0; i < st->pb->phase_count; i++) {
		buf_addf(&b, "<span><i style=\"background:%s\"></i>", html_color(i));
		html_escape(&b, st->pb->phases[i].id);
		buf_adds(&b, "</span>");
	}
	buf_adds(&b, "<span><i style=\"background:#94a3b8\"></i>wait</span><span>dashed line: decision (red: delay)</span></p>\n");
	svg_timeline(&b, st, cJSON_GetObjectItemCaseSensitive(doc, "events"));
	buf_adds(&b, "<h2>Decisions</h2>\n<ul>\n");
	for (i = 0; i < st->decision_count; i++) {
		buf_addf(&b, "<li>%s: <b>%s</b>%s%s by ", CANDIDATE(st->pb, st->decisions[i].candidate), st->decisions[i].decision,
			 gate_named(st, i) ? " at " : "", gate_named(st, i) ? gate_named(st, i) : "");
		html_escape(&b, st->decisions[i].by);
		buf_addf(&b, " on %s%s: ", time_format(st->decisions[i].at, t, sizeof(t)), st->decisions[i].forced ? " (forced)" : "");
		html_escape(&b, st->decisions[i].reason);
		buf_adds(&b, "</li>\n");
	}
	if (st->decision_count == 0)
		buf_adds(&b, "<li>None yet.</li>\n");
	buf_adds(&b, "</ul>\n");
	steps_section(&b, st, doc, true);
	checklists_section(&b, st, true);
	buf_adds(&b, "<h2>Findings</h2>\n<table><tr><th>ID</th><th>Severity</th><th>Finding</th><th>Estimate</th><th>Risk</th><th>Impact</th><th>Status</th></tr>\n");
	for (i = 0; i < st->finding_count; i++) {
		const struct finding *f = &st->findings[i];
		char d[32] = "-";

		if (f->estimate)
			duration_format(f->estimate, d, sizeof(d));
		buf_adds(&b, "<tr><td>");
		html_escape(&b, f->id);
		buf_addf(&b, "</td><td>%s</td><td>", f->severity);
		html_escape(&b, f->title);
		buf_addf(&b, "</td><td>%s</td><td>%s</td><td>", d, f->risk ? f->risk : "-");
		html_escape(&b, f->impact ? f->impact : "-");
		buf_addf(&b, "</td><td>%s</td></tr>\n", f->closed ? "closed" : "open");
	}
	buf_adds(&b, "</table>\n<h2>Team input</h2>\n<ul>\n");
	if (st->input_count == 0)
		buf_adds(&b, "<li>None.</li>\n");
	for (i = 0; i < st->input_count; i++) {
		buf_addf(&b, "<li>%s <b>", CANDIDATE(st->pb, st->inputs[i].candidate));
		html_escape(&b, st->inputs[i].role);
		buf_adds(&b, "</b> (");
		html_escape(&b, st->inputs[i].by);
		buf_adds(&b, "): ");
		html_escape(&b, st->inputs[i].note);
		buf_adds(&b, "</li>\n");
	}
	buf_adds(&b, "</ul>\n");
	hooks_section(&b, st->pb, doc, true);
	runs_section(&b, st->pb, doc, true);
	delegation_section(&b, st, doc, true);
	events_section(&b, doc, signatures, true);
	html_end(&b);
	free(md_title);
	return buf_detach(&b);
}

cJSON *report_json(const struct release_state *st, const cJSON *doc)
{
	cJSON *root = cJSON_Duplicate(doc, 1), *tl;
	size_t n, i;
	time_t first, last;
	struct interval *list = timeline(st, cJSON_GetObjectItemCaseSensitive(doc, "events"), &n, &first, &last);
	char t[32];

	tl = cJSON_AddArrayToObject(root, "timeline");
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "step", list[i].step);
		cJSON_AddNumberToObject(o, "candidate", list[i].candidate);
		cJSON_AddStringToObject(o, "phase", st->pb->phases[list[i].phase].id);
		cJSON_AddStringToObject(o, "start", time_format(list[i].start, t, sizeof(t)));
		cJSON_AddStringToObject(o, "end", time_format(list[i].end, t, sizeof(t)));
		cJSON_AddBoolToObject(o, "finished", list[i].finished);
		cJSON_AddBoolToObject(o, "wait", list[i].wait);
		cJSON_AddItemToArray(tl, o);
	}
	free(list);
	return root;
}

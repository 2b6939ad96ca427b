/*
 * The board's pages (board.h): You (what 'relctl next' says for this
 * person, with buttons, and the away form), Release (every step by phase),
 * Step (its rendered instructions, history, evidence, checklist and forms,
 * the release manager's among them: assign, hand over, skip, reopen,
 * shadow, checklist add and remove), Brief (with the decision form bound
 * to its hash) and Findings.  Server-rendered HTML that
 * works without script; every ledger text through board_escape, links only
 * http(s); what a person may do asked of the rules (ledger_may), never
 * decided here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board-private.h"
#include "brief.h"
#include "checklist.h"
#include "event.h"
#include "file.h"
#include "html.h"
#include "json.h"
#include "ledger-delegation.h"
#include "markdown.h"
#include "store.h"
#include "term.h"
#include "sync.h"
#include "util.h"

#define DOC_MAX_BYTES (256 * 1024)

/*
 * Every colour pair passes WCAG AA (text 4.5:1, large text and controls
 * 3:1), checked by tests/e2e/board-contrast.py; the focus ring, --focus,
 * keeps 3:1 on both the page's white and the header's navy.
 */
const char board_css[] =
    ":root{--fg:#1b2430;--muted:#4a5565;--line:#d5dbe3;--bg:#fff;--accent:#0b57d0;--ok:#0f6b3c;--bad:#b3261e;"
    "--focus:#cc5500}"
    "*{box-sizing:border-box}"
    "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:var(--fg);background:var(--bg)}"
    "header{background:#1b2430;color:#fff;padding:.5em 1em}header a{color:#fff}"
    "nav a{margin-right:1em;display:inline-block;padding:.25em 0}nav "
    "a[aria-current]{font-weight:bold;text-decoration:underline}"
    "main{max-width:1000px;margin:0 auto;padding:1em}"
    "a{color:var(--accent)}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid "
    "var(--focus);outline-offset:2px}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em;border-bottom:1px solid var(--line)}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);padding:.35em "
    ".4em;text-align:left;vertical-align:top}"
    ".muted{color:var(--muted)}.flash{background:#e6f4ea;color:#0b3d1f;padding:.5em 1em;border-left:4px solid "
    "var(--ok)}"
    ".problem{background:#fce8e6;color:#5c0b07;padding:.5em 1em;border-left:4px solid var(--bad)}"
    ".sync{font-size:.9em;color:#dfe4ea}"
    ".state{font-weight:bold}.overdue{color:var(--bad);font-weight:bold}"
    "form.inline{display:inline}form{margin:.3em 0}"
    "button{font:inherit;padding:.35em .9em;border-radius:4px;border:1px solid "
    "#0b57d0;background:#0b57d0;color:#fff;cursor:pointer;min-height:44px}"
    "button.secondary{background:#fff;color:#0b57d0}"
    "input[type=text],input[type=url],textarea,select{font:inherit;padding:.3em;border:1px solid "
    "#6b7685;border-radius:4px;max-width:100%}"
    "textarea{width:100%;min-height:3em}label{display:inline-block;margin-right:1em;max-width:100%}"
    "fieldset{min-width:0;max-width:100%}main{overflow-wrap:anywhere}"
    ".item{border:1px solid var(--line);border-radius:6px;padding:.5em;margin:.5em 0}"
    ".doc{border-left:4px solid var(--line);padding-left:1em}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere}"
    "@media (max-width:600px){body{font-size:17px}td,th{display:block;border:0}tr{display:block;border-bottom:1px "
    "solid var(--line);padding:.3em 0}"
    "thead{display:none}nav a{margin-right:.6em}}";

/* Refreshes a page every minute unless the person is filling in a form. */
const char board_js[] =
    "'use strict';\n"
    "(function(){var busy=false;\n"
    "document.addEventListener('input',function(){busy=true;});\n"
    "setInterval(function(){var a=document.activeElement;\n"
    "if(!busy&&!(a&&/^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)))location.reload();},60000);})();\n";

static void esc(struct page *p, const char *text)
{
	board_escape(&p->out, text);
}

/* "/step?release=V&step=S": this board's URL of a page, for links and for a form's way back. */
static char *link_to(const struct page *p, const char *path, const char *key, const char *value)
{
	struct buf b;

	buf_init(&b);
	buf_addf(&b, "%s?release=", path);
	url_encode(&b, p->rel.st->version);
	if (key) {
		buf_addf(&b, "&%s=", key);
		url_encode(&b, value);
	}
	return buf_detach(&b);
}

static void anchor(struct page *p, const char *path, const char *key, const char *value, const char *label)
{
	char *url = link_to(p, path, key, value);

	buf_adds(&p->out, "<a href=\"");
	esc(p, url);
	buf_adds(&p->out, "\">");
	esc(p, label);
	buf_adds(&p->out, "</a>");
	free(url);
}

static void hidden(struct page *p, const char *name, const char *value)
{
	if (value == NULL)
		return;
	buf_addf(&p->out, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	esc(p, value);
	buf_adds(&p->out, "\">");
}

/* Opens a form of op on step (may be NULL) that comes back to back. */
static void form_open(struct page *p, const char *op, const char *step, const char *back, bool inline_form)
{
	buf_addf(&p->out, "<form method=\"post\" action=\"/action\"%s>", inline_form ? " class=\"inline\"" : "");
	hidden(p, "csrf", p->board->csrf);
	hidden(p, "op", op);
	hidden(p, "release", p->rel.st->version);
	hidden(p, "step", step);
	hidden(p, "back", back);
}

/* A form that is one button: claim, unclaim, unblock, approve. */
static void button_form(struct page *p, const char *op, const char *step, const char *back, const char *label,
                        const char *name, const char *value)
{
	form_open(p, op, step, back, true);
	hidden(p, name, value);
	buf_addf(&p->out, "<button type=\"submit\" name=\"go\" value=\"%s\">", op);
	esc(p, label);
	buf_adds(&p->out, "</button></form>");
}

/* Whether the rules let me do what now (ledger_may), as 'relctl next' asks them. */
static bool may(struct page *p, struct event *what)
{
	struct error ignored;

	return p->me && ledger_may(p->rel.st, p->me->id, what, p->s.now, &ignored) == 0;
}

static void page_begin(struct page *p, const char *title, const char *current)
{
	static const char *const tabs[][2] = {{"/", "You"},          {"/release", "Release"},
	                                      {"/brief", "Brief"},   {"/findings", "Findings"},
	                                      {"/report", "Report"}, {"/stats", "Stats"}};
	struct board *b = p->board;
	char age[32], candidate[48];
	size_t i;

	buf_adds(&p->out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	esc(p, title);
	buf_adds(&p->out, " - relctl board</title><link rel=\"stylesheet\" href=\"/board.css\">"
	                  "<script src=\"/board.js\" defer></script></head><body><header>");
	if (p->release_loaded) {
		buf_adds(&p->out, "<div><strong>");
		esc(p, p->rel.pb->name);
		buf_adds(&p->out, "</strong> release ");
		esc(p, p->rel.st->version);
		buf_addf(&p->out, " (%s, %s)",
		         candidate_short(p->rel.pb, p->rel.st->candidate, candidate, sizeof(candidate)),
		         release_status_name(p->rel.st->status));
		if (p->me) {
			buf_adds(&p->out, " &middot; you are ");
			esc(p, p->me->name);
			buf_adds(&p->out, " (");
			for (i = 0; i < p->me->roles.count; i++) {
				buf_adds(&p->out, i ? ", " : "");
				esc(p, p->me->roles.items[i]);
			}
			buf_adds(&p->out, ")");
		}
		buf_adds(&p->out, "</div><nav aria-label=\"pages\">");
		for (i = 0; i < sizeof(tabs) / sizeof(tabs[0]); i++) {
			char *url = link_to(p, tabs[i][0], NULL, NULL);

			buf_adds(&p->out, "<a href=\"");
			esc(p, url);
			buf_addf(&p->out, "\"%s>%s</a>",
			         current && strcmp(current, tabs[i][0]) == 0 ? " aria-current=\"page\"" : "",
			         tabs[i][1]);
			free(url);
		}
		buf_adds(&p->out, "</nav>");
	}
	if (p->session_open) {
		long seconds = p->s.remote ? session_sync_age(&p->s) : -1;

		buf_adds(&p->out, "<div class=\"sync\" id=\"sync\">");
		if (p->s.remote == NULL)
			buf_adds(&p->out, "no remote: this ledger is local to this clone");
		else if (seconds < 0)
			buf_adds(&p->out, "not yet exchanged with the remote");
		else {
			buf_adds(&p->out, "last exchange with ");
			esc(p, p->s.remote);
			buf_addf(&p->out, " %s ago", duration_format(seconds, age, sizeof(age)));
		}
		buf_adds(&p->out, "</div>");
	}
	buf_adds(&p->out, "</header><main>");
	if (b->sync_problem) {
		buf_adds(&p->out, "<p class=\"problem\" role=\"alert\" id=\"sync-problem\">sync: ");
		esc(p, b->sync_problem);
		buf_adds(&p->out, "</p>");
	}
	if (b->flash) {
		buf_adds(&p->out, "<p class=\"flash\" role=\"status\" id=\"flash\">");
		esc(p, b->flash);
		buf_adds(&p->out, "</p>");
		free(b->flash);
		b->flash = NULL;
	}
	buf_adds(&p->out, "<h1>");
	esc(p, title);
	buf_adds(&p->out, "</h1>");
}

static void page_end(struct page *p)
{
	buf_adds(&p->out, "</main></body></html>\n");
}

void page_problem(struct page *p, const char *title, const char *line)
{
	buf_reset(&p->out);
	page_begin(p, title, NULL);
	buf_adds(&p->out, "<p class=\"problem\" role=\"alert\" id=\"refusal\">relctl: ");
	esc(p, line);
	buf_adds(&p->out, "</p><p>Nothing was written. <a href=\"/\">Back to the board</a></p>");
	page_end(p);
}

static void state_cell(struct page *p, size_t k)
{
	enum step_state state = ledger_step_state(p->rel.st, k, p->s.now);
	long late = ledger_overdue(p->rel.st, k, p->s.now);
	char d[32], t[32];

	buf_addf(&p->out, "<span class=\"state state-%s\">%s</span>", step_state_name(state), step_state_name(state));
	if (state == STATE_WAITING)
		buf_addf(&p->out, " <span class=\"muted\">(until %s)</span>",
		         time_format(ledger_wait_opens(p->rel.st, k), t, sizeof(t)));
	if (late)
		buf_addf(&p->out, " <span class=\"overdue\">overdue by %s</span>", duration_format(late, d, sizeof(d)));
}

/* One line of the You page: the step's link, what it says, and its buttons after. */
static void you_line(struct page *p, size_t k, const char *text)
{
	const struct pb_step *s = &p->rel.pb->steps[k];

	buf_adds(&p->out, "<li>");
	anchor(p, "/step", "step", s->id, s->id);
	buf_adds(&p->out, " &middot; ");
	esc(p, text);
	buf_adds(&p->out, " ");
}

/* Whether I am away, and the form that says so (or that I am back), as 'relctl away' records it. */
static void away_section(struct page *p, const char *back)
{
	const struct away_record *away = ledger_away(p->rel.st, p->me->id, p->s.now);
	struct event mark = {.op = "away"}, back_again = {.op = "away", .back = true};
	char t[32];

	buf_adds(&p->out, "<h2>Away</h2><p id=\"away\">");
	if (away) {
		buf_adds(&p->out, "You are marked away ");
		if (away->until)
			buf_addf(&p->out, "until %s", time_format(away->until, t, sizeof(t)));
		else
			buf_adds(&p->out, "until you say you are back");
		buf_adds(&p->out, "; the release manager may hand your steps over.</p>");
	} else {
		buf_adds(&p->out, "You are not marked away.</p>");
	}
	if (away && may(p, &back_again))
		button_form(p, "away", NULL, back, "I am back", "away_back", "1");
	if (!away && may(p, &mark)) {
		form_open(p, "away", NULL, back, false);
		buf_adds(&p->out, "<fieldset id=\"away-form\"><legend>Mark me away in every open release</legend>"
		                  "<label>back on <input type=\"text\" name=\"until\" size=\"24\" "
		                  "placeholder=\"2024-03-25T09:00:00Z\"></label> <span class=\"muted\">empty: until "
		                  "you say you are back</span> <button type=\"submit\">Mark me away</button>"
		                  "</fieldset></form>");
	}
}

void page_you(struct page *p)
{
	const struct release_state *st = p->rel.st;
	const struct playbook *pb = p->rel.pb;
	char *back = link_to(p, "/", NULL, NULL);
	size_t k, shown = 0, from, i;
	const struct check_item *it;

	page_begin(p, "What is next for you", "/");
	buf_adds(&p->out, "<h2>You hold</h2><ul id=\"hold\">");
	for (k = 0; k < pb->step_count; k++) {
		const struct step_record *r = &st->steps[k];
		enum step_state state = ledger_step_state(st, k, p->s.now);
		struct checklist_counts c;

		if (r->holder == NULL || strcmp(r->holder, p->me->id) ||
		    (state != STATE_CLAIMED && state != STATE_WAITING && state != STATE_BLOCKED))
			continue;
		shown++;
		you_line(p, k, pb->steps[k].title);
		state_cell(p, k);
		checklist_count(&r->checklist, &c);
		if (c.total)
			buf_addf(&p->out, " &middot; %zu/%zu checked", c.total - c.unchecked, c.total);
		buf_adds(&p->out, " ");
		anchor(p, "/step", "step", pb->steps[k].id, c.unchecked ? "check its items" : "finish it");
		buf_adds(&p->out, "</li>");
	}
	buf_adds(&p->out, shown ? "</ul>" : "<li class=\"muted\">nothing</li></ul>");

	buf_adds(&p->out, "<h2>Items for you</h2><ul id=\"items\">");
	for (k = 0, shown = 0; k < pb->step_count; k++)
		for (from = 0; (it = ledger_owned_item(st, k, p->me->id, &from)) != NULL; shown++) {
			you_line(p, k, it->text);
			anchor(p, "/step", "step", pb->steps[k].id, "check it");
			buf_adds(&p->out, "</li>");
		}
	buf_adds(&p->out, shown ? "</ul>" : "<li class=\"muted\">nothing</li></ul>");

	buf_adds(&p->out, "<h2>You can claim</h2><ul id=\"claim\">");
	for (k = 0, shown = 0; k < pb->step_count; k++) {
		struct event what = {.op = "claim", .step = pb->steps[k].id};

		if (ledger_step_state(st, k, p->s.now) != STATE_READY || !may(p, &what))
			continue;
		shown++;
		you_line(p, k, pb->steps[k].title);
		button_form(p, "claim", pb->steps[k].id, back, "Claim", NULL, NULL);
		buf_adds(&p->out, "</li>");
	}
	buf_adds(&p->out, shown ? "</ul>" : "<li class=\"muted\">nothing right now</li></ul>");

	buf_adds(&p->out, "<h2>You can review</h2><ul id=\"review\">");
	for (k = 0, shown = 0; k < pb->step_count; k++) {
		const struct step_record *r = &st->steps[k];
		struct event what = {.op = "review", .step = pb->steps[k].id, .verdict = "approve"};

		if (r->base != STATE_IN_REVIEW)
			continue;
		for (i = 0; i < r->checklist.count; i++) {
			struct event item = {.op = "review",
			                     .step = pb->steps[k].id,
			                     .verdict = "approve",
			                     .item = r->checklist.items[i].id};

			if (r->checklist.items[i].review && !r->checklist.items[i].removed_by && may(p, &item)) {
				shown++;
				you_line(p, k, r->checklist.items[i].text);
				anchor(p, "/step", "step", pb->steps[k].id, "review the item");
				buf_adds(&p->out, "</li>");
			}
		}
		if (!may(p, &what))
			continue;
		shown++;
		you_line(p, k, pb->steps[k].title);
		buf_adds(&p->out, "done by ");
		esc(p, r->done_by);
		buf_adds(&p->out, " ");
		anchor(p, "/step", "step", pb->steps[k].id, "review it");
		buf_adds(&p->out, "</li>");
	}
	buf_adds(&p->out, shown ? "</ul>" : "<li class=\"muted\">nothing</li></ul>");

	buf_adds(&p->out, "<h2>Decisions and inputs</h2><ul id=\"decisions\">");
	for (k = 0, shown = 0; k < pb->step_count; k++) {
		const struct pb_step *s = &pb->steps[k];
		bool gives_input = false;

		if (s->kind != STEP_DECISION || ledger_step_state(st, k, p->s.now) != STATE_READY)
			continue;
		for (i = 0; i < s->inputs.count; i++)
			if (person_has_role(p->me, s->inputs.items[i]) &&
			    ledger_input(st, s, s->inputs.items[i]) == NULL)
				gives_input = true;
		if (!person_has_role(p->me, s->owner) && !gives_input)
			continue;
		shown++;
		buf_adds(&p->out, "<li>");
		esc(p, s->title);
		buf_adds(&p->out, " &middot; ");
		anchor(p, "/brief", "gate", s->id,
		       person_has_role(p->me, s->owner) ? "read the brief and decide" : "give your input");
		buf_adds(&p->out, "</li>");
	}
	buf_adds(&p->out, shown ? "</ul>" : "<li class=\"muted\">nothing</li></ul>");
	away_section(p, back);
	free(back);
	page_end(p);
}

void page_release(struct page *p)
{
	const struct release_state *st = p->rel.st;
	const struct playbook *pb = p->rel.pb;
	cJSON *list = session_releases(&p->s, &p->err), *item;
	char age[32];
	size_t ph, k;

	page_begin(p, "Release", "/release");
	buf_adds(&p->out, "<p>Open releases: ");
	cJSON_ArrayForEach (item, list) {
		const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "version"));

		if (strcmp(json_string(item, "status"), "open") || v == NULL)
			continue;
		buf_adds(&p->out, "<a href=\"/release?release=");
		url_encode(&p->out, v);
		buf_adds(&p->out, "\">");
		esc(p, v);
		buf_adds(&p->out, "</a> ");
	}
	cJSON_Delete(list);
	buf_adds(&p->out, "</p>");
	for (ph = 0; ph < pb->phase_count; ph++) {
		const struct pb_phase *phase = &pb->phases[ph];

		buf_adds(&p->out, "<h2>");
		esc(p, phase->title ? phase->title : phase->id);
		buf_adds(&p->out, "</h2><table><thead><tr><th>step</th><th>state</th><th>holder</th><th>since</th>"
		                  "<th>checklist</th></tr></thead><tbody>");
		for (k = phase->first_step; k < phase->first_step + phase->step_count; k++) {
			const struct step_record *r = &st->steps[k];
			struct checklist_counts c;
			time_t since = r->changed_at ? r->changed_at : r->ready_at;

			buf_addf(&p->out, "<tr id=\"step-%zu\"><td>", k);
			anchor(p, "/step", "step", pb->steps[k].id, pb->steps[k].id);
			buf_adds(&p->out, "<br><span class=\"muted\">");
			esc(p, pb->steps[k].title);
			buf_adds(&p->out, "</span></td><td>");
			state_cell(p, k);
			buf_adds(&p->out, "</td><td>");
			esc(p, r->holder ? r->holder : "");
			buf_adds(&p->out, "</td><td>");
			if (since)
				esc(p, age_format(since, p->s.now, age, sizeof(age)));
			buf_adds(&p->out, "</td><td>");
			checklist_count(&r->checklist, &c);
			if (c.total)
				buf_addf(&p->out, "%zu/%zu (%zu fail)", c.total - c.unchecked, c.total, c.fail);
			buf_adds(&p->out, "</td></tr>");
		}
		buf_adds(&p->out, "</tbody></table>");
	}
	page_end(p);
}

/* The step's instructions: its doc file of the work tree as markdown, else its inline text. */
static void instructions(struct page *p, const struct pb_step *step)
{
	struct buf text;
	struct error ignored;
	char *html = NULL;

	buf_init(&text);
	if (step->doc) {
		const char *dir = store_workdir(p->s.store);
		char *path = dir ? xasprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", step->doc) : NULL;

		/* The playbook names the file; '..' or an absolute path would read outside the work tree. */
		if (path && step->doc[0] != '/' && strstr(step->doc, "..") == NULL &&
		    file_read(path, DOC_MAX_BYTES, &text, &ignored) == 0)
			html = markdown_html(text.data, text.len);
		free(path);
	}
	if (html == NULL && step->instructions)
		html = markdown_html(step->instructions, strlen(step->instructions));
	buf_adds(&p->out, "<h2>Instructions</h2>");
	if (html) {
		buf_adds(&p->out, "<div class=\"doc\" id=\"instructions\">");
		buf_adds(&p->out, html);
		buf_adds(&p->out, "</div>");
	} else {
		buf_adds(&p->out, "<p class=\"muted\">none");
		if (step->doc) {
			buf_adds(&p->out, " (");
			esc(p, step->doc);
			buf_adds(&p->out, " is not in this work tree)");
		}
		buf_adds(&p->out, "</p>");
	}
	free(html);
	buf_release(&text);
}

/* Evidence links, each shown as its address: a link only when it is http(s) (html_evidence). */
static void evidence_list(struct page *p, const cJSON *evidence)
{
	const cJSON *link;
	int n = 0;

	cJSON_ArrayForEach (link, evidence)
		if (cJSON_IsString(link)) {
			struct buf shown;

			buf_adds(&p->out, n++ ? ", " : "");
			/* Control bytes and bidi marks made visible first, so the address shown is the one followed. */
			buf_init(&shown);
			term_escape(&shown, link->valuestring, strlen(link->valuestring));
			html_evidence(&p->out, shown.data, shown.data, true);
			buf_release(&shown);
		}
}

/* The options of a select: each of list, the first selected (after the empty one, when given). */
static void options_of(struct page *p, const struct strlist *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		buf_adds(&p->out, "<option value=\"");
		esc(p, list->items[i]);
		buf_adds(&p->out, "\">");
		esc(p, list->items[i]);
		buf_adds(&p->out, "</option>");
	}
}

static void checklist_section(struct page *p, size_t k, const char *back)
{
	const struct pb_step *s = &p->rel.pb->steps[k];
	const struct checklist *list = &p->rel.st->steps[k].checklist;
	struct event add = {.op = "checklist-add", .step = s->id, .item = "board-probe-item", .text = "probe"};
	bool may_add = may(p, &add);
	char t[32];
	size_t i;

	if (list->count == 0 && !may_add)
		return;
	buf_adds(&p->out, "<h2>Checklist</h2>");
	for (i = 0; i < list->count; i++) {
		const struct check_item *it = &list->items[i];
		struct event check = {.op = "check", .step = s->id, .item = it->id, .result = "na", .note = "probe"};
		struct event approve = {.op = "review", .step = s->id, .item = it->id, .verdict = "approve"};
		struct event reject = {
		    .op = "review", .step = s->id, .item = it->id, .verdict = "reject", .note = "probe"};
		struct event remove = {.op = "checklist-remove", .step = s->id, .item = it->id, .reason = "probe"};

		buf_adds(&p->out, "<div class=\"item\" id=\"item-");
		esc(p, it->id);
		buf_adds(&p->out, "\"><strong>");
		esc(p, it->id);
		buf_adds(&p->out, "</strong>: ");
		esc(p, it->text);
		if (it->evidence_required)
			buf_adds(&p->out, " <span class=\"muted\">(evidence required)</span>");
		if (it->removed_by) {
			buf_adds(&p->out, " <span class=\"muted\">removed by ");
			esc(p, it->removed_by);
			buf_adds(&p->out, "</span></div>");
			continue;
		}
		buf_adds(&p->out, "<br><span class=\"result\">");
		if (it->result) {
			esc(p, it->result);
			buf_adds(&p->out, " by ");
			esc(p, it->by);
			buf_addf(&p->out, " at %s", time_format(it->at, t, sizeof(t)));
			if (it->note) {
				buf_adds(&p->out, ": ");
				esc(p, it->note);
			}
			buf_adds(&p->out, " ");
			evidence_list(p, it->evidence);
		} else {
			buf_adds(&p->out, "<span class=\"muted\">no result yet</span>");
		}
		buf_adds(&p->out, "</span>");
		if (it->review) {
			buf_adds(&p->out, "<br>review by a ");
			esc(p, it->review);
			buf_adds(&p->out, ": ");
			esc(p, it->review_verdict ? it->review_verdict : "waiting");
			if (it->review_by) {
				buf_adds(&p->out, " by ");
				esc(p, it->review_by);
			}
			if (it->review_note) {
				buf_adds(&p->out, ": ");
				esc(p, it->review_note);
			}
		}
		if (may(p, &check)) {
			char *id = xasprintf("%s-%s", s->id, it->id);

			form_open(p, "check", s->id, back, false);
			hidden(p, "item", it->id);
			buf_adds(&p->out, "<fieldset><legend>Result of ");
			esc(p, it->id);
			buf_adds(&p->out, "</legend>");
			for (const char *const *r = (const char *const[]){"pass", "fail", "na", NULL}; *r; r++) {
				buf_addf(&p->out, "<label><input type=\"radio\" name=\"result\" value=\"%s\"%s id=\"",
				         *r, it->result && strcmp(it->result, *r) == 0 ? " checked" : "");
				esc(p, id);
				buf_addf(&p->out, "-%s\"> %s</label>", *r, *r);
			}
			buf_adds(&p->out,
			         "<br><label>note <input type=\"text\" name=\"note\" size=\"40\"></label>"
			         "<label>evidence link <input type=\"url\" name=\"evidence\" size=\"40\"></label> "
			         "<button type=\"submit\">Record</button></fieldset></form>");
			free(id);
		}
		if (it->result && may(p, &approve)) {
			form_open(p, "review", s->id, back, true);
			hidden(p, "item", it->id);
			hidden(p, "verdict", "approve");
			buf_adds(&p->out, "<button type=\"submit\">Approve</button></form>");
		}
		if (it->result && may(p, &reject)) {
			form_open(p, "review", s->id, back, false);
			hidden(p, "item", it->id);
			hidden(p, "verdict", "reject");
			buf_adds(&p->out,
			         "<label>what to fix <input type=\"text\" name=\"note\" size=\"40\" required></label> "
			         "<button type=\"submit\" class=\"secondary\">Reject</button></form>");
		}
		if (may(p, &remove)) {
			form_open(p, "checklist-remove", s->id, back, false);
			hidden(p, "item", it->id);
			buf_adds(&p->out,
			         "<label>why it does not apply to this release <input type=\"text\" "
			         "name=\"reason\" size=\"30\" required></label> "
			         "<button type=\"submit\" class=\"secondary\">Remove the item</button></form>");
		}
		buf_adds(&p->out, "</div>");
	}
	if (may_add) {
		/* As 'relctl checklist add': this release's item; the id is made of the text when none is given. */
		form_open(p, "checklist-add", s->id, back, false);
		buf_adds(&p->out,
		         "<fieldset id=\"checklist-add\"><legend>Add an item to this release's checklist</legend>"
		         "<label>what to check <input type=\"text\" name=\"text\" size=\"40\" required></label>"
		         "<label>id <input type=\"text\" name=\"item\" size=\"16\" "
		         "placeholder=\"made of the text\"></label>"
		         "<label><input type=\"checkbox\" name=\"evidence_required\" value=\"1\"> evidence "
		         "required</label><label>reviewed by <select name=\"review\"><option value=\"\"></option>");
		options_of(p, &p->rel.pb->roles);
		buf_adds(&p->out, "</select></label><label>checked by <select name=\"owner\"><option value=\"\">the "
		                  "holder</option>");
		options_of(p, &p->rel.pb->roles);
		buf_adds(&p->out, "</select></label> <button type=\"submit\">Add the item</button></fieldset></form>");
	}
}

/*
 * The options of the playbook's people for whom the rules allow what with
 * its person set to them, those away marked so; "" when none is.  Caller frees.
 */
static char *people_options(struct page *p, struct event *what)
{
	struct buf out;
	size_t i;

	buf_init(&out);
	for (i = 0; i < p->rel.pb->person_count; i++) {
		const struct pb_person *who = &p->rel.pb->people[i];

		what->person = who->id;
		if (!may(p, what))
			continue;
		buf_adds(&out, "<option value=\"");
		board_escape(&out, who->id);
		buf_adds(&out, "\">");
		board_escape(&out, who->id);
		if (ledger_away(p->rel.st, who->id, p->s.now))
			buf_adds(&out, " (away)");
		buf_adds(&out, "</option>");
	}
	what->person = NULL;
	return buf_detach(&out);
}

/*
 * The forms of the release manager and of a holder passing a step on, each
 * shown only when the rules allow it: assign, hand over, skip, reopen,
 * shadow and stop shadowing.
 */
static void manage_section(struct page *p, const struct pb_step *s, const char *back)
{
	struct event assign = {.op = "assign", .step = s->id},
	             handover = {.op = "handover", .step = s->id, .note = "probe"},
	             skip = {.op = "skip", .step = s->id, .reason = "probe"},
	             reopen = {.op = "reopen", .step = s->id, .reason = "probe"},
	             shadow = {.op = "shadow", .step = s->id}, leave = {.op = "shadow", .step = s->id, .leave = true};
	char *to_assign = people_options(p, &assign), *to_hand = people_options(p, &handover);
	bool may_skip = may(p, &skip), may_reopen = may(p, &reopen), may_shadow = may(p, &shadow),
	     may_leave = may(p, &leave);

	if (!*to_assign && !*to_hand && !may_skip && !may_reopen && !may_shadow && !may_leave)
		goto out;
	buf_adds(&p->out, "<h2>Manage</h2><div id=\"manage\">");
	if (*to_assign) {
		form_open(p, "assign", s->id, back, false);
		buf_adds(&p->out, "<fieldset id=\"assign\"><legend>Assign</legend><label>to <select name=\"person\" "
		                  "required>");
		buf_adds(&p->out, to_assign);
		buf_adds(&p->out,
		         "</select></label><label>why <input type=\"text\" name=\"reason\" size=\"30\"></label> "
		         "<button type=\"submit\">Assign</button></fieldset></form>");
	}
	if (*to_hand) {
		form_open(p, "handover", s->id, back, false);
		buf_adds(&p->out, "<fieldset id=\"handover\"><legend>Hand over</legend><label>to <select "
		                  "name=\"person\" required>");
		buf_adds(&p->out, to_hand);
		buf_adds(&p->out, "</select></label><label>where it stands <textarea name=\"note\" required></textarea>"
		                  "</label><button type=\"submit\">Hand over</button></fieldset></form>");
	}
	if (may_skip) {
		form_open(p, "skip", s->id, back, false);
		buf_adds(&p->out, "<fieldset id=\"skip\"><legend>Skip</legend><label>why <input type=\"text\" "
		                  "name=\"reason\" size=\"40\" required></label> <button type=\"submit\" "
		                  "class=\"secondary\">Skip the step</button></fieldset></form>");
	}
	if (may_reopen) {
		form_open(p, "reopen", s->id, back, false);
		buf_adds(&p->out, "<fieldset id=\"reopen\"><legend>Reopen</legend><label>why <input type=\"text\" "
		                  "name=\"reason\" size=\"40\" required></label> <button type=\"submit\" "
		                  "class=\"secondary\">Reopen the step</button></fieldset></form>");
	}
	if (may_shadow)
		button_form(p, "shadow", s->id, back, "Shadow (learn it)", NULL, NULL);
	if (may_leave)
		button_form(p, "shadow", s->id, back, "Stop shadowing", "leave", "1");
	buf_adds(&p->out, "</div>");
out:
	free(to_assign);
	free(to_hand);
}

/* The step's events, oldest first. */
static void history(struct page *p, const char *step)
{
	const cJSON *ev;

	buf_adds(&p->out, "<h2>History</h2><ul id=\"history\">");
	cJSON_ArrayForEach (ev, cJSON_GetObjectItemCaseSensitive(p->rel.doc, "events")) {
		const char *s = json_string(ev, "step"), *text;

		if (s == NULL || strcmp(s, step))
			continue;
		buf_adds(&p->out, "<li>");
		esc(p, json_string(ev, "time"));
		buf_adds(&p->out, " ");
		esc(p, json_string(ev, "actor"));
		buf_adds(&p->out, " ");
		esc(p, json_string(ev, "op"));
		if ((text = json_string(ev, "item"))) {
			buf_adds(&p->out, " ");
			esc(p, text);
		}
		if ((text = json_string(ev, "result")) || (text = json_string(ev, "verdict"))) {
			buf_adds(&p->out, " ");
			esc(p, text);
		}
		if ((text = json_string(ev, "note")) || (text = json_string(ev, "reason"))) {
			buf_adds(&p->out, ": ");
			esc(p, text);
		}
		buf_adds(&p->out, "</li>");
	}
	buf_adds(&p->out, "</ul>");
}

void page_step(struct page *p, const char *id)
{
	const struct pb_step *s = id ? playbook_step(p->rel.pb, id) : NULL;
	const struct step_record *r;
	struct event claim = {.op = "claim"}, unclaim = {.op = "unclaim"}, block = {.op = "block", .reason = "probe"},
	             unblock = {.op = "unblock"}, approve = {.op = "review", .verdict = "approve"},
	             reject = {.op = "review", .verdict = "reject", .note = "probe"};
	enum step_state state;
	char *back;
	char t[32];

	if (s == NULL) {
		char *line = xasprintf("release %s has no step \"%s\"", p->rel.st->version, id ? id : "");

		page_problem(p, "no such step", line);
		free(line);
		return;
	}
	r = &p->rel.st->steps[s->index];
	state = ledger_step_state(p->rel.st, s->index, p->s.now);
	back = link_to(p, "/step", "step", s->id);
	claim.step = unclaim.step = block.step = unblock.step = approve.step = reject.step = s->id;
	page_begin(p, s->title, NULL);
	buf_adds(&p->out, "<p id=\"summary\"><strong>");
	esc(p, s->id);
	buf_adds(&p->out, "</strong> &middot; owner ");
	esc(p, s->owner);
	buf_adds(&p->out, " &middot; ");
	state_cell(p, s->index);
	if (r->holder) {
		buf_adds(&p->out, " &middot; held by ");
		esc(p, r->holder);
		if (r->claimed_at)
			buf_addf(&p->out, " since %s", time_format(r->claimed_at, t, sizeof(t)));
	}
	if (r->reason && state == STATE_BLOCKED) {
		buf_adds(&p->out, " &middot; blocked: ");
		esc(p, r->reason);
	}
	if (r->review_verdict) {
		buf_adds(&p->out, " &middot; review: ");
		esc(p, r->review_verdict);
		buf_adds(&p->out, " by ");
		esc(p, r->review_by);
		if (r->review_note) {
			buf_adds(&p->out, ": ");
			esc(p, r->review_note);
		}
	}
	buf_adds(&p->out, "</p>");
	if (r->note || cJSON_GetArraySize(r->evidence)) {
		buf_adds(&p->out, "<p id=\"done-note\">");
		esc(p, r->note);
		buf_adds(&p->out, " ");
		evidence_list(p, r->evidence);
		buf_adds(&p->out, "</p>");
	}
	buf_adds(&p->out, "<div id=\"actions\">");
	/* Outside its role, a step with shadow_grants may be claimed by who shadowed it: the claim asks the ledger. */
	if (may(p, &claim) || (state == STATE_READY && s->shadow_grants && !person_has_role(p->me, s->owner)))
		button_form(p, "claim", s->id, back, "Claim", NULL, NULL);
	if (may(p, &unclaim))
		button_form(p, "unclaim", s->id, back, "Unclaim", NULL, NULL);
	if (may(p, &unblock))
		button_form(p, "unblock", s->id, back, "Unblock", NULL, NULL);
	/* A hook step is sent by relctl run, which claims it first when it is ready. */
	if (s->kind == STEP_HOOK && person_has_role(p->me, s->owner) &&
	    (state == STATE_READY || (state == STATE_CLAIMED && r->holder && strcmp(r->holder, p->me->id) == 0)))
		button_form(p, "run", s->id, back, "Run (send the request)", NULL, NULL);
	if (r->holder && strcmp(r->holder, p->me->id) == 0 && (state == STATE_CLAIMED || state == STATE_WAITING) &&
	    s->kind != STEP_HOOK) {
		form_open(p, "done", s->id, back, false);
		buf_addf(&p->out,
		         "<fieldset><legend>Done</legend><label>note <textarea name=\"note\"></textarea></label>"
		         "<label>evidence links, one a line%s <textarea name=\"evidence\"></textarea></label>"
		         "<button type=\"submit\" id=\"done\">Mark done</button></fieldset></form>",
		         s->evidence_required ? " (required)" : "");
	}
	if (may(p, &block)) {
		form_open(p, "block", s->id, back, false);
		buf_adds(&p->out,
		         "<label>blocked because <input type=\"text\" name=\"reason\" size=\"40\" required></label> "
		         "<button type=\"submit\" class=\"secondary\">Block</button></form>");
	}
	if (may(p, &approve))
		button_form(p, "review", s->id, back, "Approve", "verdict", "approve");
	if (may(p, &reject)) {
		form_open(p, "review", s->id, back, false);
		hidden(p, "verdict", "reject");
		buf_adds(&p->out, "<label>what to fix <input type=\"text\" name=\"note\" size=\"40\" required></label> "
		                  "<button type=\"submit\" class=\"secondary\">Send back</button></form>");
	}
	buf_adds(&p->out, "</div>");
	manage_section(p, s, back);
	checklist_section(p, s->index, back);
	instructions(p, s);
	history(p, s->id);
	free(back);
	page_end(p);
}

/* With several gates, a link to each one's brief, its state beside it. */
static void gate_links(struct page *p)
{
	size_t i;

	if (ledger_gate_count(p->rel.pb) <= 1)
		return;
	buf_adds(&p->out, "<p id=\"gates\">Gates: ");
	for (i = 0; i < p->rel.pb->step_count; i++)
		if (p->rel.pb->steps[i].kind == STEP_DECISION) {
			anchor(p, "/brief", "gate", p->rel.pb->steps[i].id, p->rel.pb->steps[i].id);
			buf_addf(&p->out, " <span class=\"muted\">(%s)</span> ",
			         step_state_name(ledger_step_state(p->rel.st, i, p->s.now)));
		}
	buf_adds(&p->out, "</p>");
}

void page_brief(struct page *p, const char *gate_id)
{
	const struct release_state *st = p->rel.st;
	const struct pb_step *gate = NULL;
	char hash[65], *md, *html, *back;
	cJSON *brief;
	size_t i;

	if (ledger_gate_count(p->rel.pb) == 0 && gate_id == NULL) {
		page_begin(p, "Brief", "/brief");
		buf_adds(&p->out, "<p>This playbook has no decision step.</p>");
		page_end(p);
		return;
	}
	if (ledger_pick_gate(st, gate_id && *gate_id ? gate_id : NULL, p->s.now, &gate, &p->err) != 0) {
		if (gate_id && *gate_id) {
			page_problem(p, "Brief", p->err.message);
			return;
		}
		/* Several gates open and none named (the Brief tab): each is a link, as --step names one. */
		page_begin(p, "Brief", "/brief");
		gate_links(p);
		buf_adds(&p->out, "<p id=\"choose-gate\">Several decisions are open: choose the one whose brief to "
		                  "read.</p>");
		page_end(p);
		error_clear(&p->err);
		return;
	}
	brief = brief_build(st, gate);
	if (brief_hash(brief, hash) != 0) {
		cJSON_Delete(brief);
		page_problem(p, "Brief", "cannot hash the brief");
		return;
	}
	{
		/* Read, as 'relctl brief' notes it: a later 'relctl decide' here is bound to it too. */
		char *key =
		    ledger_gate_count(p->rel.pb) > 1 ? xasprintf("%s:%s", st->version, gate->id) : xstrdup(st->version);

		session_note_brief_read(&p->s, p->me->id, key, hash);
		free(key);
	}
	back = link_to(p, "/brief", "gate", gate->id);
	page_begin(p, "Brief", "/brief");
	gate_links(p);
	md = brief_markdown(brief, p->rel.pb);
	html = markdown_html(md, strlen(md));
	buf_adds(&p->out, "<div class=\"doc\" id=\"brief\">");
	buf_adds(&p->out, html);
	buf_addf(&p->out, "</div><p class=\"muted\">brief <code id=\"brief-hash\">%.12s</code></p>", hash);
	free(md);
	free(html);
	if (ledger_step_state(st, gate->index, p->s.now) == STATE_READY) {
		for (i = 0; i < gate->inputs.count; i++) {
			const char *role = gate->inputs.items[i];

			if (!person_has_role(p->me, role))
				continue;
			form_open(p, "input", NULL, back, false);
			hidden(p, "gate", gate->id);
			hidden(p, "role", role);
			buf_adds(&p->out, "<fieldset><legend>The ");
			esc(p, role);
			buf_adds(&p->out, " input</legend><label>what your team knows <textarea name=\"note\" "
			                  "required></textarea></label>"
			                  "<button type=\"submit\">Give input</button></fieldset></form>");
		}
		if (person_has_role(p->me, gate->owner)) {
			form_open(p, "decide", NULL, back, false);
			hidden(p, "gate", gate->id);
			hidden(p, "brief_hash", hash);
			buf_adds(&p->out, "<fieldset id=\"decide\"><legend>Decide on this brief</legend>"
			                  "<label><input type=\"radio\" name=\"decision\" value=\"ship\" "
			                  "id=\"decide-ship\" required> ship</label>"
			                  "<label><input type=\"radio\" name=\"decision\" value=\"delay\" "
			                  "id=\"decide-delay\"> delay</label>"
			                  "<label><input type=\"radio\" name=\"decision\" value=\"abort\" "
			                  "id=\"decide-abort\"> abort</label>"
			                  "<br><label>reason <textarea name=\"reason\" required></textarea></label>"
			                  "<label><input type=\"checkbox\" name=\"force\" value=\"1\"> decide although "
			                  "an input is missing (recorded)</label>"
			                  "<br><button type=\"submit\">Decide</button></fieldset></form>");
		}
	}
	cJSON_Delete(brief);
	free(back);
	page_end(p);
}

static bool has_any_role(const struct pb_person *me, const struct strlist *roles)
{
	size_t i;

	for (i = 0; i < roles->count; i++)
		if (person_has_role(me, roles->items[i]))
			return true;
	return false;
}

void page_findings(struct page *p)
{
	const struct release_state *st = p->rel.st;
	const struct playbook *pb = p->rel.pb;
	char *back = link_to(p, "/findings", NULL, NULL);
	char d[32];
	size_t i, k;

	page_begin(p, "Findings", "/findings");
	buf_adds(&p->out, "<table id=\"findings\"><thead><tr><th>finding</th><th>severity</th><th>estimate, risk</th>"
	                  "<th>impact</th><th></th></tr></thead><tbody>");
	for (i = 0; i < st->finding_count; i++) {
		const struct finding *f = &st->findings[i];
		const cJSON *n;

		buf_adds(&p->out, "<tr><td><strong>");
		esc(p, f->id);
		buf_adds(&p->out, "</strong> ");
		esc(p, f->title);
		buf_adds(&p->out, "<br><span class=\"muted\">by ");
		esc(p, f->by);
		if (f->step) {
			buf_adds(&p->out, " in ");
			esc(p, f->step);
		}
		buf_adds(&p->out, f->closed ? ", closed" : "");
		buf_adds(&p->out, "</span> ");
		evidence_list(p, f->evidence);
		cJSON_ArrayForEach (n, f->notes) {
			buf_adds(&p->out, "<br>");
			esc(p, json_string(n, "by"));
			buf_adds(&p->out, ": ");
			esc(p, json_string(n, "note"));
		}
		buf_adds(&p->out, "</td><td>");
		esc(p, f->severity);
		buf_adds(&p->out, "</td><td>");
		if (f->estimate)
			esc(p, duration_format(f->estimate, d, sizeof(d)));
		if (f->risk) {
			buf_adds(&p->out, ", ");
			esc(p, f->risk);
		}
		buf_adds(&p->out, "</td><td>");
		esc(p, f->impact);
		buf_adds(&p->out, "</td><td>");
		if (!f->closed) {
			form_open(p, "finding-update", NULL, back, false);
			hidden(p, "finding", f->id);
			if (has_any_role(p->me, &pb->findings.estimate_by))
				buf_adds(
				    &p->out,
				    "<label>estimate <input type=\"text\" name=\"estimate\" size=\"6\" "
				    "placeholder=\"4h\"></label>"
				    "<label>risk <select name=\"risk\"><option value=\"\"></option><option>low</option>"
				    "<option>medium</option><option>high</option></select></label>");
			if (has_any_role(p->me, &pb->findings.impact_by))
				buf_adds(&p->out,
				         "<label>impact <input type=\"text\" name=\"impact\" size=\"20\"></label>");
			buf_adds(&p->out, "<label>note <input type=\"text\" name=\"note\" size=\"20\"></label>"
			                  "<label><input type=\"checkbox\" name=\"close\" value=\"1\"> close</label> "
			                  "<button type=\"submit\">Update</button></form>");
		}
		buf_adds(&p->out, "</td></tr>");
	}
	buf_adds(&p->out, "</tbody></table><h2>Add a finding</h2>");
	form_open(p, "finding-add", NULL, back, false);
	buf_adds(&p->out, "<label>title <input type=\"text\" name=\"title\" size=\"40\" required></label>"
	                  "<label>severity <select name=\"severity\">");
	options_of(p, &pb->findings.severities);
	buf_adds(&p->out, "</select></label><label>step <select name=\"finding_step\"><option value=\"\"></option>");
	for (k = 0; k < pb->step_count; k++) {
		buf_adds(&p->out, "<option>");
		esc(p, pb->steps[k].id);
		buf_adds(&p->out, "</option>");
	}
	buf_adds(&p->out, "</select></label><label>evidence links <textarea name=\"evidence\"></textarea></label>"
	                  "<button type=\"submit\">Add finding</button></form>");
	free(back);
	page_end(p);
}

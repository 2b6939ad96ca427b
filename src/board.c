/*
 * relctl board's server side: the token, the guard on every request, the
 * routes, the forms turned into events (one session_mutate each, as the
 * CLI records them; away through session_away, as 'relctl away'), and the
 * background sync.  The pages are
 * board-pages.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board-private.h"
#include "brief.h"
#include "cJSON.h"
#include "checklist.h"
#include "delegation.h"
#include "event.h"
#include "markdown.h"
#include "mutate.h"
#include "report.h"
#include "stats.h"
#include "sync.h"
#include "trends.h"
#include "util.h"

/* Pages may load only this board's style and script and post only to it; nothing may frame them. */
#define CSP_PAGE                                                                                                       \
	"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; "                \
	"frame-ancestors 'none'; base-uri 'none'"
/* The report and stats pages carry their own inline style and SVG, and no script at all. */
#define CSP_DOCUMENT                                                                                                   \
	"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; "                    \
	"frame-ancestors 'none'; base-uri 'none'"

static time_t monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int page_load(struct page *p, const char *version)
{
	cJSON *list, *item;

	if (session_open(&p->s, &p->err) != 0)
		return -1;
	p->session_open = true;
	if (version && *version) {
		if (session_load_release(&p->s, version, &p->rel, &p->err) != 0)
			return -1;
	} else if (session_load_release(&p->s, NULL, &p->rel, &p->err) != 0) {
		/* None open, or several: the newest open one, else the newest. */
		const char *pick = NULL;

		list = session_releases(&p->s, &p->err);
		if (list == NULL)
			return -1;
		cJSON_ArrayForEach (item, list)
			if (pick == NULL &&
			    strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "status")), "open") == 0)
				pick = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "version"));
		if (pick == NULL && cJSON_GetArrayItem(list, 0))
			pick = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "version"));
		release_close(&p->rel);
		memset(&p->rel, 0, sizeof(p->rel));
		if (pick == NULL) {
			cJSON_Delete(list);
			return error_set(&p->err, EXIT_NOINPUT,
			                 "no release yet: someone starts one with 'relctl start VERSION'");
		}
		error_clear(&p->err);
		if (session_load_release(&p->s, pick, &p->rel, &p->err) != 0) {
			cJSON_Delete(list);
			return -1;
		}
		cJSON_Delete(list);
	}
	p->release_loaded = true;
	p->me = session_identity(&p->s, p->rel.pb, &p->err);
	return p->me ? 0 : -1;
}

void page_release_all(struct page *p)
{
	if (p->session_open) {
		release_close(&p->rel);
		session_close(&p->s);
	}
	p->session_open = p->release_loaded = false;
	buf_release(&p->out);
}

/* The HTTP status of a refusal with exit code code. */
static int status_of(int code)
{
	switch (code) {
	case EXIT_USAGE:
		return 400;
	case EXIT_NOPERM:
		return 403;
	case EXIT_NOINPUT:
		return 404;
	case EXIT_TEMPFAIL:
		return 409;
	case EXIT_DATAERR:
		return 422;
	case EXIT_UNAVAILABLE:
		return 503;
	default:
		return 500;
	}
}

static void secure_headers(struct http_response *res, const char *csp)
{
	http_response_header(res, "Content-Security-Policy", csp);
	http_response_header(res, "X-Content-Type-Options", "nosniff");
	/* Not no-referrer: with it browsers send "Origin: null" on a form post, which the guard refuses. */
	http_response_header(res, "Referrer-Policy", "same-origin");
	http_response_header(res, "Cache-Control", "no-store");
	http_response_header(res, "X-Frame-Options", "DENY");
}

/* The evidence links of a form's textarea, one per line or space, as an array; caller deletes. */
static cJSON *evidence_of(const char *text)
{
	cJSON *list = cJSON_CreateArray();
	size_t len;

	while (text && *text) {
		text += strspn(text, " \t\r\n");
		len = strcspn(text, " \t\r\n");
		if (len) {
			char *link = xstrndup(text, len);

			cJSON_AddItemToArray(list, cJSON_CreateString(link));
			free(link);
		}
		text += len;
	}
	return list;
}

/* An empty form field is no value, as an option not given is on the command line. */
static const char *field(const struct form *f, const char *name)
{
	const char *v = form_get(f, name);

	return v && *v ? v : NULL;
}

/*
 * The ops a form may send: the CLI commands a person uses day to day, and
 * the release manager's (assign, skip, reopen, hand over, the checklist),
 * each its own event.
 */
static const char *const form_ops[] = {
    "claim",    "unclaim", "done",        "block",          "unblock",          "check", "review",
    "input",    "decide",  "finding-add", "finding-update", "assign",           "skip",  "reopen",
    "handover", "shadow",  "away",        "checklist-add",  "checklist-remove", NULL};

/* A posted form's event, and what its strings point to besides the form: made ids, the evidence list. */
struct form_event {
	struct event ev;
	char finding[16];
	char item[CHECKLIST_ITEM_ID_MAX + 1];
	cJSON *evidence;
};

/* The event of a posted form, its strings pointing into f and into fe; -1 with err. */
static int event_of(const struct form *f, struct page *p, struct form_event *fe)
{
	struct event *ev = &fe->ev;
	const char *op = field(f, "op");
	size_t i;
	char hex[7];

	for (i = 0; form_ops[i] && (op == NULL || strcmp(form_ops[i], op)); i++)
		;
	if (form_ops[i] == NULL)
		return error_set(&p->err, EXIT_USAGE, "the board does not know the action \"%s\"", op ? op : "");
	memset(ev, 0, sizeof(*ev));
	ev->op = form_ops[i];
	ev->step = field(f, "step");
	ev->item = field(f, "item");
	ev->note = field(f, "note");
	ev->reason = field(f, "reason");
	ev->verdict = field(f, "verdict");
	ev->result = field(f, "result");
	ev->severity = field(f, "severity");
	if (strcmp(op, "done") == 0 || strcmp(op, "check") == 0 || strcmp(op, "finding-add") == 0)
		ev->evidence = fe->evidence = evidence_of(form_get(f, "evidence"));
	if ((strcmp(op, "check") == 0 && ev->result && strcmp(ev->result, "fail") == 0) ||
	    strcmp(op, "finding-add") == 0) {
		/* As the CLI: a random id, used when the fail opens a finding. */
		if (random_hex(hex, 3) != 0)
			return error_set(&p->err, EXIT_IOERR, "cannot read /dev/urandom for a finding id");
		snprintf(fe->finding, sizeof(fe->finding), "F-%s", hex);
		ev->finding = fe->finding;
	}
	if (strcmp(op, "finding-add") == 0) {
		ev->title = field(f, "title");
		ev->finding_step = field(f, "finding_step");
		ev->step = NULL;
		if (ev->title == NULL || ev->severity == NULL)
			return error_set(&p->err, EXIT_USAGE, "a finding needs a title and a severity");
	}
	if (strcmp(op, "finding-update") == 0) {
		ev->finding = field(f, "finding");
		ev->estimate = field(f, "estimate");
		ev->risk = field(f, "risk");
		ev->impact = field(f, "impact");
		ev->close = field(f, "close") != NULL;
		ev->step = NULL;
		if (!ev->estimate && !ev->risk && !ev->impact && !ev->note && !ev->close)
			return error_set(&p->err, EXIT_USAGE,
			                 "nothing to update: give an estimate, a risk, an impact, a note or close it");
	}
	if (strcmp(op, "review") == 0 &&
	    (ev->verdict == NULL || (strcmp(ev->verdict, "approve") && strcmp(ev->verdict, "reject"))))
		return error_set(&p->err, EXIT_USAGE, "a review is approve or reject");
	if (strcmp(op, "input") == 0) {
		ev->role = field(f, "role");
		if (ev->note == NULL)
			return error_set(&p->err, EXIT_USAGE, "an input needs a note");
	}
	if (strcmp(op, "decide") == 0) {
		/* Bound to the brief the page showed: the judge refuses it (75) when the brief changed since. */
		ev->decision = field(f, "decision");
		ev->brief_hash = field(f, "brief_hash");
		ev->forced = field(f, "force") != NULL;
		if (ev->decision == NULL || ev->reason == NULL || ev->brief_hash == NULL)
			return error_set(
			    &p->err, EXIT_USAGE,
			    "a decision needs ship, delay or abort, a reason, and the brief it was made on");
	}
	/* The release manager's ops: the rules (who may, what a reason or person needs) are the judge's. */
	if (strcmp(op, "assign") == 0 || strcmp(op, "handover") == 0)
		ev->person = field(f, "person");
	if (strcmp(op, "shadow") == 0)
		ev->leave = field(f, "leave") != NULL;
	if (strcmp(op, "away") == 0) {
		ev->step = NULL;
		ev->until = field(f, "until");
		ev->back = field(f, "away_back") != NULL; /* "back" is the page a form returns to */
	}
	if (strcmp(op, "checklist-add") == 0) {
		ev->text = field(f, "text");
		ev->evidence_required = field(f, "evidence_required") != NULL;
		ev->review = field(f, "review");
		ev->owner = field(f, "owner");
		if (ev->item == NULL && ev->text) {
			/* As 'relctl checklist add' without --id: the id made of the text. */
			checklist_item_id(ev->text, fe->item);
			ev->item = fe->item;
		}
	}
	return 0;
}

/*
 * Records a posted form: one event, or for away one in every open release
 * as 'relctl away' records it; 0 with the commits' first lines in *summary,
 * or -1 with p->err.
 */
static int record_event(struct page *p, const struct mutation *m, char **summary)
{
	if (strcmp(m->event.op, "away") == 0)
		return session_away(&p->s, &m->event, NULL, summary, &p->err);
	return session_mutate(&p->s, m, summary, &p->err);
}

static int record(struct board *b, struct page *p, const struct form *f, char **summary)
{
	struct form_event fe = {0};
	struct mutation m = {.version = field(f, "release")};
	int rc;

	if (event_of(f, p, &fe) != 0) {
		cJSON_Delete(fe.evidence);
		return -1;
	}
	m.event = fe.ev;
	/* The decide and input of a playbook with several gates name the gate; with one, no step (as the CLI). */
	if (strcmp(m.event.op, "decide") == 0 || strcmp(m.event.op, "input") == 0) {
		const char *gate = field(f, "gate");

		m.event.step = gate && p->release_loaded && ledger_gate_count(p->rel.pb) > 1 ? gate : NULL;
	}
	rc = record_event(p, &m, summary);
	if (rc != 0 && p->err.code == EXIT_UNAVAILABLE && p->s.remote) {
		/* The remote is down: kept here, as 'relctl --offline' would, and shared by the next sync. */
		char *why = xstrdup(p->err.message);

		free(b->sync_problem);
		b->sync_problem =
		    xasprintf("the remote is unreachable (%s); changes are kept here and shared when it is back", why);
		free(why);
		error_clear(&p->err);
		p->s.offline = true;
		free(*summary);
		*summary = NULL;
		rc = record_event(p, &m, summary);
	}
	if (rc == 0 && b->opt.after_change)
		b->opt.after_change(b->opt.data, &p->s);
	cJSON_Delete(fe.evidence);
	return rc;
}

/* A claim of a step whose playbook lets those who shadowed it claim it, by someone outside its role. */
static bool granted_claim(const struct page *p, const char *op, const char *step_id)
{
	const struct pb_step *step = p->release_loaded && step_id ? playbook_step(p->rel.pb, step_id) : NULL;

	return strcmp(op, "claim") == 0 && step && step->shadow_grants && p->me && !person_has_role(p->me, step->owner);
}

/* POST /action: the form as one event, then back to the page it came from. */
static void action(struct board *b, struct page *p, const struct form *f, struct http_response *res)
{
	const char *back = form_get(f, "back");
	char *summary = NULL;

	if (page_load(p, field(f, "release")) != 0 && p->err.code != EXIT_NOPERM) {
		page_problem(p, "refused", p->err.message);
		http_response_body(res, status_of(p->err.code), NULL, buf_detach(&p->out));
		return;
	}
	error_clear(&p->err);
	if (field(f, "op") &&
	    (strcmp(field(f, "op"), "run") == 0 || granted_claim(p, field(f, "op"), field(f, "step")))) {
		/*
		 * A hook step: 'relctl run STEP' itself, which sends, retries and records
		 * as the CLI does; and a claim outside one's role, which 'relctl claim'
		 * grants when the person shadowed the step in an earlier release.
		 */
		char *argv[] = {(char *)field(f, "op"), (char *)field(f, "step"), "--release",
		                (char *)field(f, "release"), NULL};

		if (argv[1] == NULL || argv[3] == NULL || b->opt.run_command == NULL ||
		    b->opt.run_command(b->opt.data, 4, argv, &p->err) != 0) {
			if (p->err.code == 0)
				error_set(&p->err, EXIT_USAGE, "running a step needs the step and the release");
			page_problem(p, "refused", p->err.message);
			http_response_body(res, status_of(p->err.code), NULL, buf_detach(&p->out));
			return;
		}
		summary = xasprintf("%s %s: done, as 'relctl %s %s' does it", argv[0], argv[1], argv[0], argv[1]);
	} else if (record(b, p, f, &summary) != 0) {
		free(summary); /* an away recorded in some open releases before one refused it */
		if (b->opt.log)
			fprintf(b->opt.log, "relctl board: refused: %s\n", p->err.message);
		page_problem(p, "refused", p->err.message);
		http_response_body(res, status_of(p->err.code), NULL, buf_detach(&p->out));
		return;
	}
	if (b->opt.log) {
		fprintf(b->opt.log, "%s\n", summary);
		fflush(b->opt.log);
	}
	free(b->flash);
	b->flash = summary;
	http_response_body(res, 303, "text/plain; charset=utf-8", xstrdup("done\n"));
	http_response_header(res, "Location", board_local_path(back) ? back : "/");
}

/* GET /report and /stats: the HTML documents the CLI writes. */
static void document(struct page *p, const char *which, struct http_response *res)
{
	char *html = NULL;

	if (strcmp(which, "/report") == 0) {
		html = report_html(p->rel.st, p->rel.doc, NULL);
	} else {
		struct release_summary **all = NULL;
		size_t count = 0;
		cJSON *st;

		if (session_summaries(&p->s, 0, true, &all, &count, &p->err) == 0) {
			st = stats_build((const struct release_summary *const *)all, count, p->rel.pb, NULL);
			html = trends_html(st, p->rel.pb->name);
			cJSON_Delete(st);
		}
		summaries_free(all, count);
	}
	if (html == NULL) {
		page_problem(p, "error", p->err.message[0] ? p->err.message : "cannot render the page");
		http_response_body(res, 500, NULL, buf_detach(&p->out));
		return;
	}
	http_response_body(res, 200, NULL, html);
}

static void handle(void *data, const struct http_request *req, struct http_response *res)
{
	struct board *b = data;
	struct page p = {.board = b, .req = req};
	struct board_request r = {.method = req->method};
	struct form f = {0};
	const char *why = NULL, *csp = CSP_PAGE;
	int status;

	buf_init(&p.out);
	r.host = http_request_header(req, "Host");
	r.origin = http_request_header(req, "Origin");
	r.cookie_header = http_request_header(req, "Cookie");
	r.query_token = http_request_query(req, "token");
	if (strcmp(req->method, "POST") == 0 && form_parse(&f, req->body, req->body_len) == 0)
		r.form_csrf = form_get(&f, "csrf");
	status = board_guard_check(&b->guard, &r, &why);
	if (status) {
		http_response_body(res, status, "text/plain; charset=utf-8", xasprintf("relctl board: %s\n", why));
		secure_headers(res, CSP_PAGE);
		form_release(&f);
		buf_release(&p.out);
		return;
	}
	if (r.query_token && board_token_equal(r.query_token, b->token)) {
		/* The token leaves the address bar: from now on the cookie carries it. */
		char *cookie = xasprintf("%s=%s; HttpOnly; SameSite=Strict; Path=/", b->cookie, b->token);

		http_response_header(res, "Set-Cookie", cookie);
		http_response_header(res, "Location", "/");
		http_response_body(res, 303, "text/plain; charset=utf-8", xstrdup("welcome\n"));
		free(cookie);
	} else if (strcmp(req->method, "POST") == 0) {
		if (strcmp(req->path, "/action") == 0)
			action(b, &p, &f, res);
		else
			http_response_body(res, 404, "text/plain; charset=utf-8", xstrdup("no such form\n"));
	} else if (strcmp(req->path, "/board.css") == 0) {
		http_response_body(res, 200, "text/css; charset=utf-8", xstrdup(board_css));
	} else if (strcmp(req->path, "/board.js") == 0) {
		http_response_body(res, 200, "text/javascript; charset=utf-8", xstrdup(board_js));
	} else if (strcmp(req->path, "/favicon.ico") == 0) {
		/* No icon, and no 404 for the one every browser asks for. */
		http_response_body(res, 204, "image/x-icon", NULL);
	} else if (strcmp(req->path, "/") && strcmp(req->path, "/release") && strcmp(req->path, "/step") &&
	           strcmp(req->path, "/brief") && strcmp(req->path, "/findings") && strcmp(req->path, "/report") &&
	           strcmp(req->path, "/stats")) {
		http_response_body(res, 404, "text/plain; charset=utf-8", xstrdup("no such page\n"));
	} else if (page_load(&p, http_request_query(req, "release")) != 0) {
		page_problem(&p, "cannot show the release", p.err.message);
		http_response_body(res, status_of(p.err.code), NULL, buf_detach(&p.out));
	} else if (strcmp(req->path, "/report") == 0 || strcmp(req->path, "/stats") == 0) {
		document(&p, req->path, res);
		csp = CSP_DOCUMENT;
	} else {
		if (strcmp(req->path, "/") == 0)
			page_you(&p);
		else if (strcmp(req->path, "/release") == 0)
			page_release(&p);
		else if (strcmp(req->path, "/step") == 0)
			page_step(&p, http_request_query(req, "step"));
		else if (strcmp(req->path, "/brief") == 0)
			page_brief(&p, http_request_query(req, "gate"));
		else
			page_findings(&p);
		http_response_body(res, 200, NULL, buf_detach(&p.out));
	}
	secure_headers(res, csp);
	form_release(&f);
	page_release_all(&p);
}

/* One exchange with the remote, as 'relctl sync'; its problem (one line) kept for the pages. */
static void background_sync(struct board *b)
{
	struct session s;
	struct error err = {0};
	size_t fetched = 0, pushed = 0;

	b->last_sync = monotonic();
	if (session_open(&s, &err) != 0)
		return;
	if (s.remote) {
		if (session_sync(&s, &fetched, &pushed, &err) != 0) {
			if (b->opt.log && (b->sync_problem == NULL || strstr(b->sync_problem, err.message) == NULL))
				fprintf(b->opt.log, "relctl board: sync: %s\n", err.message);
			free(b->sync_problem);
			b->sync_problem = err.code == EXIT_UNAVAILABLE
			                      ? xasprintf("the remote is unreachable (%s); the board works offline and "
			                                  "shares changes when it is back",
			                                  err.message)
			                      : xstrdup(err.message);
		} else {
			free(b->sync_problem);
			b->sync_problem = NULL;
			if (b->opt.after_change)
				b->opt.after_change(b->opt.data, &s);
		}
	}
	session_close(&s);
}

struct board *board_new(const struct board_options *opt, struct error *err)
{
	struct board *b = xcalloc(1, sizeof(*b));

	b->opt = *opt;
	if (b->opt.sync_every <= 0)
		b->opt.sync_every = 60;
	if (random_hex(b->token, BOARD_TOKEN_HEX / 2) != 0 || random_hex(b->csrf, BOARD_TOKEN_HEX / 2) != 0) {
		free(b);
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for the board's token");
		return NULL;
	}
	b->server = markdown_load(err) == 0 ? http_server_new(opt->port, handle, b, err) : NULL;
	if (b->server == NULL) {
		free(b);
		return NULL;
	}
	/* The port in the cookie's name: two boards on one machine keep their own. */
	snprintf(b->cookie, sizeof(b->cookie), "relctl_board_%u", http_server_port(b->server));
	b->guard = (struct board_guard){
	    .port = http_server_port(b->server), .token = b->token, .csrf = b->csrf, .cookie = b->cookie};
	b->url = xasprintf("http://127.0.0.1:%u/?token=%s", http_server_port(b->server), b->token);
	return b;
}

const char *board_url(const struct board *b)
{
	return b->url;
}

void board_serve(struct board *b, volatile sig_atomic_t *stop)
{
	background_sync(b);
	while (!*stop) {
		http_server_run(b->server, 500);
		if (monotonic() - b->last_sync >= b->opt.sync_every)
			background_sync(b);
	}
}

void board_free(struct board *b)
{
	if (b == NULL)
		return;
	http_server_free(b->server);
	free(b->url);
	free(b->sync_problem);
	free(b->flash);
	free(b);
}

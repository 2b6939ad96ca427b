/* What the step commands share: recording one event and saying what happened. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cJSON.h"
#include "hook.h"
#include "playbook.h"
#include "json.h"
#include "event.h"
#include "ledger.h"
#include "mutate.h"
#include "notify.h"
#include "relctl.h"
#include "sync.h"
#include "term.h"
#include "session.h"
#include "util.h"
#include "ledger-delegation.h"

static bool entry_has_option(const struct cmd_entry *entry, const char *name)
{
	const struct option_spec *spec;

	for (spec = entry->options; spec && spec->name; spec++)
		if (strcmp(spec->name, name) == 0)
			return true;
	return false;
}

static bool has_option(const struct cmd_ctx *ctx, const char *name)
{
	return entry_has_option(ctx->entry, name);
}

/* The first field of ev beyond the limits, named as the command line gave it; 0 when none is. */
static int check_fields(struct cmd_ctx *ctx, const struct event *ev, const cJSON *json)
{
	static const char *const filled_in[] = { "id", "time", "actor", "op", "candidate" };
	const cJSON *field;
	char why[128], *name;
	size_t i;

	cJSON_ArrayForEach(field, json)
	{
		for (i = 0; i < sizeof(filled_in) / sizeof(filled_in[0]); i++)
			if (strcmp(field->string, filled_in[i]) == 0)
				break;
		if (i < sizeof(filled_in) / sizeof(filled_in[0]) ||
		    ledger_field_fits(ev->op, field->string, field, why, sizeof(why)) == 0)
			continue;
		if (strcmp(field->string, "step") == 0)
			return error_set(&ctx->err, EXIT_USAGE, "the step %s", why);
		if (has_option(ctx, field->string))
			return error_set(&ctx->err, EXIT_USAGE, "--%s %s", field->string, why);
		name = xstrdup(field->string);
		for (char *p = name; *p; p++)
			if (*p == '_')
				*p = ' ';
		error_set(&ctx->err, EXIT_USAGE, "the %s %s", name, why);
		free(name);
		return -1;
	}
	return 0;
}

int cmd_check_event(struct cmd_ctx *ctx, const struct event *ev)
{
	struct event probe = *ev;
	cJSON *json;
	int rc;

	probe.id = "probe";
	probe.actor = "";
	json = ledger_event_encode(&probe);
	if (json == NULL)
		return error_set(&ctx->err, EXIT_SOFTWARE, "no op \"%s\"", ev->op);
	rc = check_fields(ctx, ev, json);
	cJSON_Delete(json);
	return rc;
}

int cmd_record(struct cmd_ctx *ctx, const struct event *ev)
{
	struct mutation m = { .version = cmd_release_arg(ctx), .event = *ev };
	char *summary = NULL;
	int rc = cmd_check_event(ctx, ev);

	if (rc == 0)
		rc = session_mutate(ctx->session, &m, &summary, &ctx->err);

	if (rc == 0) {
		/* One line, though a finding's title may have several. */
		fprintf(ctx->out, "%s%s%s\n", color(ctx, C_GREEN), cmd_line(ctx, summary), color(ctx, C_RESET));
		cmd_notify(ctx, ctx->session);
	}
	free(summary);
	return rc;
}

int cmd_gate(struct cmd_ctx *ctx, const struct pb_step **gate, const char **named)
{
	const struct release_state *st = ctx->release->st;

	if (ledger_pick_gate(st, args_value(&ctx->args, "step"), ctx->session->now, gate, &ctx->err) != 0)
		return -1;
	*named = ledger_gate_count(st->pb) > 1 ? (*gate)->id : NULL;
	return 0;
}

char *cmd_brief_key(const struct cmd_ctx *ctx, const struct pb_step *gate)
{
	const struct release_state *st = ctx->release->st;

	if (gate && ledger_gate_count(st->pb) > 1)
		return xasprintf("%s:%s", st->version, gate->id);
	return xstrdup(st->version);
}

/* copy, kept until the command ends (ctx->lines). */
static const char *keep(struct cmd_ctx *ctx, char *copy)
{
	ctx->lines = xrealloc(ctx->lines, (ctx->line_count + 1) * sizeof(*ctx->lines));
	ctx->lines[ctx->line_count++] = copy;
	return copy;
}

const char *cmd_line(struct cmd_ctx *ctx, const char *text)
{
	struct buf b;

	if (text == NULL || strpbrk(text, "\r\n\t") == NULL)
		return text ? text : "";
	buf_init(&b);
	for (; *text; text++)
		if (*text == '\n')
			buf_adds(&b, "\\n");
		else if (*text == '\r')
			buf_adds(&b, "\\r");
		else if (*text == '\t')
			buf_adds(&b, "\\t");
		else
			buf_addc(&b, *text);
	return keep(ctx, b.data);
}

void cmd_warn_away(struct cmd_ctx *ctx, const char *person)
{
	struct release rel;
	struct error ignored;
	const struct away_record *away;
	char t[32], u[32];

	if (session_load_release(ctx->session, cmd_release_arg(ctx), &rel, &ignored) == 0 &&
	    (away = ledger_away(rel.st, person, ctx->session->now)) != NULL)
		fprintf(stderr, "relctl: warning: %s is away%s%s (since %s); the step goes to them anyway\n", person,
			away->until ? " until " : "", away->until ? time_format(away->until, t, sizeof(t)) : "",
			time_format(away->since, u, sizeof(u)));
	release_close(&rel);
}

void cmd_print_json(struct cmd_ctx *ctx, const struct cJSON *json)
{
	char *text = cJSON_Print(json);

	fprintf(ctx->out, "%s\n", text);
	free(text);
}

void cmd_note_freshness(const struct cmd_ctx *ctx, struct session *s)
{
	char age[32];
	long seconds;

	if (s->remote == NULL || args_flag(&ctx->args, "json"))
		return;
	seconds = session_sync_age(s);
	if (seconds < 0)
		fprintf(stderr, "relctl: note: never exchanged with \"%s\" yet; run 'relctl sync' to fetch the team's ledger\n",
			s->remote);
	else if (seconds >= 60)
		fprintf(stderr, "relctl: note: ledger as of the last exchange with \"%s\", %s ago; 'relctl sync' fetches the newest\n",
			s->remote, duration_format(seconds, age, sizeof(age)));
}

void cmd_hints_name_release(struct cmd_ctx *ctx)
{
	const char *version = args_value(&ctx->args, "release"), *p = ctx->err.message, *q, *end;
	struct buf out;

	if (version == NULL || strstr(p, "'relctl ") == NULL)
		return;
	buf_init(&out);
	for (; (q = strstr(p, "'relctl ")) != NULL && (end = strchr(q + 1, '\'')) != NULL; p = end) {
		char *hint = xstrndup(q + 1, (size_t)(end - q - 1)), *words[8], *save = NULL, *w;
		const struct cmd_entry *entry = NULL;
		size_t n = 0;
		int used = 0;

		for (w = strtok_r(hint, " ", &save); w && n < 8; w = strtok_r(NULL, " ", &save))
			words[n++] = w;
		if (n >= 2)
			entry = cmd_find(words[1], n >= 3 ? words[2] : NULL, &used);
		bool named = false;

		for (size_t i = 0; i < n; i++)
			named = named || strcmp(words[i], "--release") == 0;
		buf_add(&out, p, (size_t)(end - p));
		/* A read command's VERSION in the hint names the release already; --release beside it must not differ. */
		if (entry && !named && entry_has_option(entry, "release") &&
		    !(entry->min_args == 0 && entry->max_args == 1 && n > 1 + (size_t)used))
			buf_addf(&out, " --release %s", version);
		free(hint);
	}
	buf_adds(&out, p);
	snprintf(ctx->err.message, sizeof(ctx->err.message), "%s", out.data);
	buf_release(&out);
}

const char *cmd_release_arg(const struct cmd_ctx *ctx)
{
	const char *v = args_value(&ctx->args, "release");

	return v;
}

static int load_release(struct cmd_ctx *ctx, struct session *s, struct release *rel)
{
	const char *version = cmd_release_arg(ctx), *positional = NULL;

	/* Read commands take the version as their positional argument, --release saying the same or nothing. */
	if (ctx->args.positional_count > 0 && ctx->entry->max_args == 1 && ctx->entry->min_args == 0)
		positional = ctx->args.positionals[0];
	if (positional && version && strcmp(positional, version) != 0)
		return error_set(&ctx->err, EXIT_USAGE,
				 "VERSION %s and --release %s name two releases; give one of them", positional, version);
	if (positional)
		version = positional;
	memset(rel, 0, sizeof(*rel));
	if (session_load_release(s, version, rel, &ctx->err) != 0 && version == NULL &&
	    ctx->err.code == EXIT_NOINPUT) {
		/* Nothing open: reading commands show the latest release. */
		cJSON *list = session_releases(s, &ctx->err);
		const cJSON *latest = cJSON_GetArrayItem(list, 0);

		if (latest) {
			error_clear(&ctx->err);
			release_close(rel);
			session_load_release(s, cJSON_GetObjectItemCaseSensitive(latest, "version")->valuestring, rel,
					     &ctx->err);
		}
		cJSON_Delete(list);
	}
	if (ctx->err.code == EXIT_NOINPUT && version == NULL && s->remote) {
		/* Nothing open here may only mean this copy is old: say how old, and how to fetch the team's. */
		char age[32], *was = xstrdup(ctx->err.message);
		long seconds = session_sync_age(s);

		if (seconds < 0)
			error_set(&ctx->err, EXIT_NOINPUT, "%s (this clone has never exchanged with \"%s\": 'relctl sync' fetches the team's ledger)",
				  was, s->remote);
		else if (seconds >= 60)
			error_set(&ctx->err, EXIT_NOINPUT, "%s (ledger as of the last exchange with \"%s\", %s ago: 'relctl sync' fetches the newest)",
				  was, s->remote, duration_format(seconds, age, sizeof(age)));
		free(was);
	}
	return ctx->err.code != 0 ? -1 : 0;
}

/*
 * Progress of long work, on stderr when it is a terminal: after a second
 * (RELCTL_PROGRESS_DELAY_MS), at most ten times a second, one line
 * rewritten in place and cleared at the end.  Never when stderr is not a
 * terminal, with --json, or with RELCTL_PROGRESS=0.
 */
struct progress {
	struct timespec start, last;
	long delay_ms;
	bool shown;
};

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000 + (b->tv_nsec - a->tv_nsec) / 1000000;
}

static void progress_done(struct progress *p);

static void show_progress(const char *what, size_t done, size_t total, void *data)
{
	struct progress *p = data;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (done == total && p->shown) {
		/* Finished: the line goes, so what the command prints next starts clean. */
		progress_done(p);
		p->shown = false;
		return;
	}
	if (ms_between(&p->start, &now) < p->delay_ms || (p->shown && done < total && ms_between(&p->last, &now) < 100))
		return;
	p->last = now;
	p->shown = true;
	fprintf(term_real_stderr, "\rrelctl: %zu of %zu %s\033[K", done, total, what);
	fflush(term_real_stderr);
}

static void progress_done(struct progress *p)
{
	if (p && p->shown) {
		fprintf(term_real_stderr, "\r\033[K");
		fflush(term_real_stderr);
	}
}

static void progress_start(struct cmd_ctx *ctx)
{
	const char *off = getenv("RELCTL_PROGRESS"), *delay = getenv("RELCTL_PROGRESS_DELAY_MS");
	struct progress *p;

	const char *format = args_value(&ctx->args, "format");

	if (!isatty(fileno(term_real_stderr)) || args_flag(&ctx->args, "json") || (format && strcmp(format, "json") == 0) ||
	    (off && strcmp(off, "0") == 0))
		return;
	p = xcalloc(1, sizeof(*p));
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->delay_ms = delay ? atol(delay) : 1000;
	ctx->session->progress = show_progress;
	ctx->session->progress_data = p;
}

/*
 * CMD_SYNC_FIRST: the team's ledger before deciding what to send.  What the
 * sync makes true is told as sync tells it (cmd_notify, later); a remote
 * that cannot be reached stops the command before anything is sent.
 */
int cmd_sync_first(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	size_t fetched = 0, pushed = 0;
	struct error why;

	if (s->remote == NULL || s->offline)
		return 0;
	if (session_sync(s, &fetched, &pushed, &why) != 0) {
		if (why.code == EXIT_DATAERR || why.code == EXIT_CONFIG) {
			ctx->err = why; /* a refused commit or a setting: its own message says what to do */
			return -1;
		}
		return error_set(&ctx->err, EXIT_UNAVAILABLE,
				 "nothing sent: this needs the team's current ledger, and %s; fix that and run it again%s",
				 why.message, has_option(ctx, "offline") ? ", or add --offline to act on this clone's copy" : "");
	}
	if (fetched || pushed)
		fprintf(stderr, "relctl: synced with %s first: %zu event%s received, %zu sent\n", s->remote, fetched,
			fetched == 1 ? "" : "s", pushed);
	return 0;
}

int cmd_setup(struct cmd_ctx *ctx)
{
	unsigned needs = ctx->entry->needs;

	if (!(needs & (CMD_SESSION | CMD_RELEASE | CMD_SESSION_IF_ANY)))
		return 0;
	ctx->session = xcalloc(1, sizeof(*ctx->session));
	if (session_open(ctx->session, &ctx->err) != 0) {
		free(ctx->session);
		ctx->session = NULL;
		if (!(needs & (CMD_SESSION | CMD_RELEASE))) {
			/* Optional: the command goes on without one (completion outside a repository). */
			ctx->session_err = ctx->err;
			error_clear(&ctx->err);
			return 0;
		}
		return -1;
	}
	ctx->session->offline = args_flag(&ctx->args, "offline");
	if (needs & CMD_PROGRESS)
		progress_start(ctx);
	if ((needs & CMD_SYNC_FIRST) && cmd_sync_first(ctx) != 0)
		return -1;
	if (needs & CMD_RELEASE) {
		ctx->release = xcalloc(1, sizeof(*ctx->release));
		if (load_release(ctx, ctx->session, ctx->release) != 0)
			return -1;
	}
	return 0;
}

cJSON *cmd_evidence(struct cmd_ctx *ctx)
{
	const char *const *links;
	cJSON *evidence = cJSON_CreateArray();
	size_t count, i;

	links = args_multi(&ctx->args, "evidence", &count);
	for (i = 0; i < count; i++) {
		if (links[i][0] == '\0') {
			cJSON_Delete(evidence);
			error_set(&ctx->err, EXIT_USAGE, "--evidence needs a link, not an empty string");
			return NULL;
		}
		cJSON_AddItemToArray(evidence, cJSON_CreateString(links[i]));
	}
	return evidence;
}

int cmd_load_release(struct cmd_ctx *ctx)
{
	if (ctx->release)
		return 0;
	ctx->release = xcalloc(1, sizeof(*ctx->release));
	return load_release(ctx, ctx->session, ctx->release);
}

int cmd_new_finding_id(struct cmd_ctx *ctx, char id[16])
{
	char hex[7];

	if (random_hex(hex, 3) != 0)
		return error_set(&ctx->err, EXIT_IOERR, "cannot read /dev/urandom for a finding id: %s",
				 strerror(errno));
	/* Short enough to say aloud, random so that two clones never pick the same one. */
	snprintf(id, 16, "F-%s", hex);
	return 0;
}

void cmd_teardown(struct cmd_ctx *ctx)
{
	if (ctx->release) {
		release_close(ctx->release);
		free(ctx->release);
		ctx->release = NULL;
	}
	if (ctx->session) {
		if (ctx->session->progress == show_progress) {
			progress_done(ctx->session->progress_data);
			free(ctx->session->progress_data);
		}
		if (ctx->session->note)
			fprintf(stderr, "relctl: note: %s\n", ctx->session->note);
		session_close(ctx->session);
		free(ctx->session);
		ctx->session = NULL;
	}
}

const char *color(const struct cmd_ctx *ctx, const char *code)
{
	return ctx->color ? term_color(code) : "";
}

const char *cmd_state_color(const struct cmd_ctx *ctx, int state)
{
	static const char *const colors[] = {
		[STATE_PENDING] = C_DIM,      [STATE_READY] = C_CYAN,    [STATE_CLAIMED] = C_YELLOW,
		[STATE_BLOCKED] = C_RED,      [STATE_IN_REVIEW] = C_MAGENTA, [STATE_DONE] = C_GREEN,
		[STATE_SKIPPED] = C_DIM,      [STATE_WAITING] = C_BLUE,
	};

	return color(ctx, colors[state]);
}

int cmd_step_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = ctx->entry->name,
			    .step = ctx->args.positionals[0],
			    .reason = args_value(&ctx->args, "reason") };

	return cmd_record(ctx, &ev);
}

const struct pb_step *cmd_step_duration(const struct playbook *pb, const char *text, long *seconds)
{
	const char *eq = strchr(text, '=');
	char *id = eq ? xstrndup(text, (size_t)(eq - text)) : NULL;
	const struct pb_step *s = id ? playbook_step(pb, id) : NULL;

	free(id);
	if (s == NULL || duration_parse(eq + 1, seconds) != 0)
		return NULL;
	return s;
}

int cmd_format(struct cmd_ctx *ctx, const char **format)
{
	const struct option_spec *spec = ctx->entry->options;
	const char *choices, *p;
	struct buf list;
	size_t len;

	while (spec && spec->name && strcmp(spec->name, "format") != 0)
		spec++;
	choices = spec && spec->name ? spec->arg_name : "json";
	*format = args_value(&ctx->args, "format");
	if (args_flag(&ctx->args, "json")) {
		if (*format && strcmp(*format, "json") != 0)
			return error_set(&ctx->err, EXIT_USAGE, "--json is --format json; give one of them");
		*format = "json";
	}
	for (p = choices; *p; p += len + (p[len] == '|')) {
		len = strcspn(p, "|");
		if (*format == NULL)
			*format = keep(ctx, xstrndup(p, len)); /* the first choice is the default */
		if (strlen(*format) == len && strncmp(*format, p, len) == 0)
			break;
	}
	if (*p)
		return 0;
	buf_init(&list);
	for (p = choices; *p; p += len + (p[len] == '|')) {
		len = strcspn(p, "|");
		buf_addf(&list, "%s%.*s", p == choices ? "" : p[len] ? ", " : " or ", (int)len, p);
	}
	error_set(&ctx->err, EXIT_USAGE, "--format is %s", list.data);
	buf_release(&list);
	return -1;
}

/* --output's file could not be written: why (errno), and what to try. */
static int write_failed(struct cmd_ctx *ctx, const char *path)
{
	return error_set(&ctx->err, EXIT_IOERR, "cannot write %s: %s; check the path, or give another --output",
			 path, strerror(errno ? errno : EIO));
}

int cmd_write_output(struct cmd_ctx *ctx, const char *path, const char *text)
{
	FILE *f;
	bool ok;

	if (path == NULL) {
		fputs(text, ctx->out);
		return 0;
	}
	f = fopen(path, "w");
	if (f == NULL)
		return write_failed(ctx, path);
	{
		/* Escaped as on stdout: 'cat report.md' must not clear anyone's screen either. */
		FILE *escaped = term_wrap(f, false);

		ok = fputs(text, escaped) >= 0;
		if (escaped != f)
			ok = fclose(escaped) == 0 && ok;
	}
	if (!ok || ferror(f)) {
		int e = errno;

		fclose(f);
		errno = e;
		return write_failed(ctx, path);
	}
	if (fclose(f) != 0)
		return write_failed(ctx, path);
	fprintf(ctx->out, "wrote %s\n", path);
	return 0;
}

static const char *result_color(const struct cmd_ctx *ctx, const char *result)
{
	if (result == NULL)
		return color(ctx, C_DIM);
	if (strcmp(result, "pass") == 0)
		return color(ctx, C_GREEN);
	return color(ctx, strcmp(result, "fail") == 0 ? C_RED : C_YELLOW);
}

/* One line per item of a view's checklist: id, result, who and when, note, finding, review, links. */
void cmd_print_checklist(struct cmd_ctx *ctx, const cJSON *list, const char *indent)
{
	const cJSON *it, *link;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(list, "items"))
	{
		const cJSON *removed = cJSON_GetObjectItemCaseSensitive(it, "removed");
		const cJSON *review = cJSON_GetObjectItemCaseSensitive(it, "review");
		const char *result = json_string(it, "result"), *note = json_string(it, "note");

		fprintf(ctx->out, "%s%-24s ", indent, json_string(it, "id"));
		if (cJSON_IsObject(removed)) {
			fprintf(ctx->out, "%sremoved%s by %s: %s\n", color(ctx, C_DIM), color(ctx, C_RESET),
				json_string(removed, "by"), cmd_line(ctx, json_string(removed, "reason")));
			continue;
		}
		fprintf(ctx->out, "%s%-5s%s", result_color(ctx, result), result ? result : "-", color(ctx, C_RESET));
		if (result)
			fprintf(ctx->out, " %s %s", json_string(it, "by"), json_string(it, "at"));
		else
			fprintf(ctx->out, " %s%s", cmd_line(ctx, json_string(it, "text")),
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "evidence_required")) ? " (evidence required)"
													 : "");
		if (note)
			fprintf(ctx->out, ": %s", cmd_line(ctx, note));
		if (json_string(it, "finding"))
			fprintf(ctx->out, " [%s]", json_string(it, "finding"));
		if (cJSON_IsObject(review)) {
			const char *verdict = json_string(review, "verdict");

			fprintf(ctx->out, " (review by a %s: %s%s%s%s%s)", json_string(review, "role"),
				verdict ? verdict : "waiting", verdict ? " by " : "", verdict ? json_string(review, "by") : "",
				json_string(review, "note") ? ": " : "", cmd_line(ctx, json_string(review, "note")));
		}
		cJSON_ArrayForEach(link, cJSON_GetObjectItemCaseSensitive(it, "evidence"))
			fprintf(ctx->out, " %s", cmd_line(ctx, link->valuestring));
		fprintf(ctx->out, "\n");
	}
}

/* "17/24 checked: 16 pass, 1 fail, 0 na", of a view's checklist; into out. */
const char *cmd_checklist_progress(const cJSON *list, char *out, size_t size)
{
	int total = cJSON_GetObjectItemCaseSensitive(list, "total")->valueint;
	int unchecked = cJSON_GetObjectItemCaseSensitive(list, "unchecked")->valueint;

	snprintf(out, size, "%d/%d checked: %d pass, %d fail, %d na", total - unchecked, total,
		 cJSON_GetObjectItemCaseSensitive(list, "pass")->valueint,
		 cJSON_GetObjectItemCaseSensitive(list, "fail")->valueint,
		 cJSON_GetObjectItemCaseSensitive(list, "na")->valueint);
	return out;
}

/*
 * The entry points that change the ledger: one event (session_mutate),
 * the same away in every open release (session_away),
 * a new release (session_start), the first playbook (session_init) and a
 * new one (session_update_playbook).  Each plans its commit from a tip
 * (plan.h) and commits it through the local compare-and-swap loop, or,
 * with a remote, through sync's loop against the remote's tip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event.h"
#include "file.h"
#include "json.h"
#include "ledger-view.h"
#include "mutate.h"
#include "plan.h"
#include "session-private.h"
#include "sync-private.h"
#include "sync.h"
#include "util.h"

static const char ledger_readme[] =
	"# relctl ledger\n\n"
	"This branch is written by relctl (https://example.com/relctl): one commit per\n"
	"event of a release.  `git log` on it is the audit trail; `releases/VERSION.json`\n"
	"holds each release's events and the derived state of its steps, readable with jq:\n\n"
	"    git show relctl-ledger:releases/2.6.3.json | jq '.steps'\n\n"
	"Do not edit it by hand: `relctl verify` checks every commit against its events.\n";

/* 0 when the plan's commit is the tip, 1 when the plan wrote nothing (no commit), -1 on error. */
static int commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err)
{
	if (s->remote && !s->offline)
		return sync_commit_loop(s, fn, data, summary, err);
	return plan_commit_local(s, fn, data, summary, err);
}

/* The JSON of what (its op, step and fields), made now by me for candidate; NULL with err set. */
static cJSON *new_event(const struct session *s, const struct pb_person *me, const struct event *what, int candidate,
			struct error *err)
{
	struct event ev = *what;
	char id[33];

	if (random_hex(id, 16) != 0) {
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for an event id: %s", strerror(errno));
		return NULL;
	}
	ev.id = id;
	ev.time = s->now;
	ev.actor = me->id;
	ev.candidate = candidate;
	return ledger_event_encode(&ev);
}

/* Applies event, made now by this clone's user, to st: judged by the same clock that dated it. */
static int apply_own(const struct session *s, struct release_state *st, const cJSON *event, struct error *err)
{
	st->clock = s->now;
	st->own_clock = true;
	return ledger_apply_notify(st, event, s->now, s->notices, err);
}

/* The commit message of event, just applied to st, into plan. */
static void plan_message(struct plan *plan, const struct release_state *st, const cJSON *event)
{
	struct event ev;
	struct error ignored;

	/* Applied already, so it decodes. */
	if (ledger_event_decode(event, &ev, &ignored) == 0)
		ledger_event_message(st, &ev, &plan->message, &plan->summary);
}

static int plan_mutation(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	const struct mutation *m = data;
	struct release rel;
	struct release_lookup others;
	const struct pb_person *me;
	cJSON *event = NULL;
	int rc = -1;

	if (tip == NULL)
		return session_no_ledger(s, err);
	memset(&others, 0, sizeof(others));
	if (session_release_at(s, tip, m->version, &rel, err) != 0)
		goto out;
	session_lookup_attach(&others, s, tip, rel.st);
	me = session_identity(s, rel.pb, err);
	if (me == NULL)
		goto out;
	event = new_event(s, me, &m->event, rel.st->candidate, err);
	if (event == NULL)
		goto out;
	if (apply_own(s, rel.st, event, err) != 0)
		goto out;
	plan_message(plan, rel.st, event);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), event);
	event = NULL;
	ledger_write_view(rel.st, rel.doc);
	plan_release_doc(plan, &rel);
	if (plan_index(s, tip, rel.st, plan, false, err) != 0)
		goto out;
	plan_author(plan, me);
	rc = 0;
out:
	cJSON_Delete(event);
	release_close(&rel);
	session_lookup_release(&others);
	return rc;
}

int session_mutate(struct session *s, const struct mutation *m, char **summary, struct error *err)
{
	return commit_loop(s, plan_mutation, (void *)m, summary, err);
}

int session_away(struct session *s, const struct event *away, const char *only, char **summaries, struct error *err)
{
	cJSON *list = session_releases(s, err);
	const cJSON *item;
	struct buf lines;
	int rc = -1;

	buf_init(&lines);
	if (list == NULL)
		goto out;
	cJSON_ArrayForEach(item, list)
	{
		const char *version = json_string(item, "version");
		struct mutation m = { .version = version, .event = *away };
		char *summary = NULL;

		if (only ? strcmp(only, version) != 0 : strcmp(json_string(item, "status"), "open") != 0)
			continue;
		if (session_mutate(s, &m, &summary, err) != 0)
			goto out;
		buf_addf(&lines, "%s%s", lines.len ? "\n" : "", summary);
		free(summary);
	}
	if (lines.len == 0) {
		error_set(err, EXIT_NOINPUT, only ? "there is no release %s; 'relctl releases' lists them"
						  : "no release is open: away is recorded in the open releases",
			  only);
		goto out;
	}
	rc = 0;
out:
	*summaries = lines.len ? buf_detach(&lines) : NULL;
	buf_release(&lines);
	cJSON_Delete(list);
	return rc;
}

/* ---------- init, start, playbook update ---------- */

struct playbook_plan {
	const char *text;
	size_t len;
	const struct playbook *pb;
	bool first;
};

/* Writes playbook.yaml and its pinned copy playbooks/BLOB.yaml. */
static int plan_playbook_files(struct plan *plan, const char *text, size_t len, struct error *err)
{
	char blob[OID_HEX];
	char *path;

	if (store_hash_blob(text, len, blob, err) != 0)
		return -1;
	plan_write(plan, PLAYBOOK_PATH, xstrndup(text, len));
	path = xasprintf("playbooks/%s.yaml", blob);
	plan_write(plan, path, xstrndup(text, len));
	free(path);
	return 0;
}

static int plan_playbook(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	struct playbook_plan *pp = data;
	const struct pb_person *me = session_identity(s, pp->pb, err);

	if (me == NULL)
		return -1;
	if (pp->first && tip != NULL && session_team_remote(s))
		return error_set(err, EXIT_DATAERR, "remote \"%s\" already has the team's relctl ledger, and this clone has taken it, as 'relctl sync' does; 'relctl playbook update FILE' changes its playbook",
				 session_team_remote(s));
	if (pp->first && tip != NULL)
		return error_set(err, EXIT_DATAERR, "this repository already has a relctl ledger on %s; 'relctl playbook update FILE' changes its playbook",
				 s->branch);
	if (!pp->first) {
		struct playbook *old;
		struct buf current;
		bool same;

		if (tip == NULL)
			return session_no_ledger(s, err);
		buf_init(&current);
		if (store_read(s->store, tip, PLAYBOOK_PATH, &current, err) != 0) {
			buf_release(&current);
			return -1;
		}
		same = current.len == pp->len && memcmp(current.data, pp->text, pp->len) == 0;
		buf_release(&current);
		if (same)
			return 0; /* an empty plan: nothing to write */
		old = session_playbook_at(s, tip, PLAYBOOK_PATH, err);
		if (old == NULL)
			return -1;
		/* The new playbook decides who its release managers are, the old one who may change it. */
		if (!ledger_is_manager(playbook_person(old, me->id))) {
			playbook_free(old);
			return error_set(err, EXIT_NOPERM, "%s cannot change the playbook: only a release manager can",
					 me->id);
		}
		playbook_free(old);
	}
	if (plan_playbook_files(plan, pp->text, pp->len, err) != 0)
		return -1;
	if (pp->first) {
		plan_write(plan, "README.md", xstrdup(ledger_readme));
		if (plan_index(s, NULL, NULL, plan, true, err) != 0)
			return -1;
	}
	plan->summary = xasprintf("%s %s the playbook \"%s\" (%zu steps)", me->id, pp->first ? "set up relctl with" : "updated",
				  pp->pb->name, pp->pb->step_count);
	buf_addf(&plan->message, "%s\n", plan->summary);
	plan_author(plan, me);
	return 0;
}

static int write_playbook(struct session *s, const char *path, bool first, char **summary, struct error *err)
{
	struct buf text;
	struct playbook_plan pp;
	int rc = -1;

	buf_init(&text);
	if (file_read(path, PLAYBOOK_MAX_BYTES, &text, err) != 0)
		goto out;
	pp.pb = playbook_load_text(path, text.data, text.len, err);
	if (pp.pb == NULL)
		goto out;
	pp.text = text.data;
	pp.len = text.len;
	pp.first = first;
	rc = commit_loop(s, plan_playbook, &pp, summary, err);
	playbook_free((struct playbook *)pp.pb);
out:
	buf_release(&text);
	return rc;
}

int session_init(struct session *s, const char *playbook_path, const char *branch, struct error *err)
{
	char tip[OID_HEX];
	int rc;

	if (branch) {
		if (!identifier_valid(branch) && strchr(branch, '/') == NULL)
			return error_set(err, EXIT_USAGE, "\"%s\" is not a usable branch name", branch);
		if (store_config_set(s->store, "relctl.branch", branch, err) != 0)
			return -1;
		free(s->branch);
		free(s->ref);
		s->branch = xstrdup(branch);
		s->ref = xasprintf("refs/heads/%s", branch);
	}
	rc = store_ref_tip(s->store, s->ref, tip, err);
	if (rc < 0)
		return -1;
	if (rc == 0 && playbook_path == NULL)
		return 0; /* already set up: init is idempotent */
	if (playbook_path == NULL && s->remote) {
		size_t fetched, pushed;

		return session_sync(s, &fetched, &pushed, err); /* the team's ledger, from the remote */
	}
	if (playbook_path == NULL)
		return error_set(err, EXIT_USAGE, "the first 'relctl init' needs --playbook FILE (see playbooks/ for examples)");
	if (write_playbook(s, playbook_path, true, NULL, err) != 0)
		return -1;
	return store_config_set(s->store, "relctl.branch", s->branch, err);
}

int session_update_playbook(struct session *s, const char *path, char **summary, struct error *err)
{
	return write_playbook(s, path, false, summary, err);
}

struct start_plan {
	const char *version;
	const struct event *start; /* its vars, rehearsal and target */
};

static int plan_start(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	struct start_plan *sp = data;
	struct event start;
	struct release rel;
	struct buf text;
	const struct pb_person *me;
	cJSON *event, *pin;
	char blob[OID_HEX];
	bool missing;
	int rc = -1;

	memset(&rel, 0, sizeof(rel));
	if (tip == NULL)
		return session_no_ledger(s, err);
	rel.path = xasprintf("releases/%s.json", sp->version);
	rel.version = xstrdup(sp->version);
	buf_init(&text);
	rel.doc = session_read_json(s, tip, rel.path, &missing, err);
	if (!missing) {
		if (rel.doc)
			error_set(err, EXIT_DATAERR, "release %s already exists; 'relctl status %s' shows it", sp->version,
				  sp->version);
		goto out;
	}
	if (store_read(s->store, tip, PLAYBOOK_PATH, &text, err) != 0)
		goto out;
	rel.pb = playbook_load_text(PLAYBOOK_PATH, text.data, text.len, err);
	if (rel.pb == NULL || store_hash_blob(text.data, text.len, blob, err) != 0)
		goto out;
	me = session_identity(s, rel.pb, err);
	if (me == NULL)
		goto out;
	rel.doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(rel.doc, "format", LEDGER_FORMAT);
	cJSON_AddStringToObject(rel.doc, "version", sp->version);
	pin = cJSON_AddObjectToObject(rel.doc, "playbook");
	cJSON_AddStringToObject(pin, "name", rel.pb->name);
	cJSON_AddStringToObject(pin, "blob", blob);
	cJSON_AddArrayToObject(rel.doc, "events");
	rel.st = release_state_new(rel.pb, sp->version);
	start = *sp->start;
	start.op = "start";
	start.step = NULL;
	event = new_event(s, me, &start, 1, err);
	if (event == NULL)
		goto out;
	if (apply_own(s, rel.st, event, err) != 0) {
		cJSON_Delete(event);
		goto out;
	}
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), event);
	ledger_write_view(rel.st, rel.doc);
	plan_release_doc(plan, &rel);
	if (plan_index(s, tip, rel.st, plan, true, err) != 0)
		goto out;
	plan_message(plan, rel.st, event);
	plan_author(plan, me);
	rc = 0;
out:
	buf_release(&text);
	release_close(&rel);
	return rc;
}

int session_start(struct session *s, const char *version, const struct event *start, char **summary,
		  struct error *err)
{
	struct start_plan sp = { version, start };

	if (!version_valid(version))
		return error_set(err, EXIT_USAGE, "\"%s\" is not a release version (letters, digits, '.', '-', '+', '_')",
				 version);
	return commit_loop(s, plan_start, &sp, summary, err);
}


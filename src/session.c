/*
 * The ledger as commands use it.  Every change goes through commit_loop():
 * read the branch tip, plan the new files from what is there (re-checking
 * the rules against that state), write one commit, and move the branch by
 * compare-and-swap from the tip that was read.  A lost race starts over on
 * the new tip, so concurrent relctl processes never lose an event.
 *
 * The ledger branch holds:
 *   playbook.yaml            the playbook new releases use
 *   playbooks/BLOB.yaml      every playbook a release was pinned to
 *   index.json               the releases and their status, for quick look-ups
 *   releases/VERSION.json    one release: its events and their derived view
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "session.h"
#include "util.h"

#define MAX_ATTEMPTS 50
#define RELEASE_MAX_BYTES (64 * 1024 * 1024)

static const char ledger_readme[] =
	"# relctl ledger\n\n"
	"This branch is written by relctl (https://example.com/relctl): one commit per\n"
	"event of a release.  `git log` on it is the audit trail; `releases/VERSION.json`\n"
	"holds each release's events and the derived state of its steps, readable with jq:\n\n"
	"    git show relctl-ledger:releases/2.6.3.json | jq '.steps'\n\n"
	"Do not edit it by hand: `relctl verify` checks every commit against its events.\n";

int session_open(struct session *s, struct error *err)
{
	char *branch = NULL;

	memset(s, 0, sizeof(*s));
	if (clock_now(&s->now) != 0)
		return error_set(err, EXIT_USAGE, "RELCTL_NOW=\"%s\" is not an RFC 3339 time like 2024-03-19T10:00:00Z",
				 getenv("RELCTL_NOW"));
	s->store = store_open(NULL, err);
	if (s->store == NULL)
		return -1;
	if (store_config_get(s->store, "relctl.branch", &branch, err) != 0 ||
	    store_config_get(s->store, "relctl.remote", &s->remote, err) != 0) {
		free(branch);
		session_close(s);
		return -1;
	}
	s->branch = branch ? branch : xstrdup(DEFAULT_BRANCH);
	s->ref = xasprintf("refs/heads/%s", s->branch);
	return 0;
}

void session_close(struct session *s)
{
	store_free(s->store);
	free(s->branch);
	free(s->ref);
	free(s->remote);
	memset(s, 0, sizeof(*s));
}

static int no_ledger(struct error *err)
{
	return error_set(err, EXIT_CONFIG, "this repository has no relctl ledger yet; run 'relctl init --playbook FILE'");
}

int session_tip(struct session *s, char tip[OID_HEX], struct error *err)
{
	int rc = store_ref_tip(s->store, s->ref, tip, err);

	if (rc == 1)
		no_ledger(err);
	return rc;
}

static struct playbook *playbook_at(struct session *s, const char *tip, const char *path, struct error *err)
{
	struct buf text;
	struct playbook *pb = NULL;
	char *label = xasprintf("%s:%s", s->branch, path);
	int rc;

	buf_init(&text);
	rc = store_read(s->store, tip, path, &text, err);
	if (rc == 1)
		error_set(err, EXIT_DATAERR, "the ledger has no %s; run 'relctl playbook update FILE'", path);
	if (rc == 0)
		pb = playbook_load_text(label, text.data, text.len, err);
	buf_release(&text);
	free(label);
	return pb;
}

struct playbook *session_current_playbook(struct session *s, struct error *err)
{
	char tip[OID_HEX];

	if (session_tip(s, tip, err) != 0)
		return NULL;
	return playbook_at(s, tip, PLAYBOOK_PATH, err);
}

const struct pb_person *session_identity(struct session *s, const struct playbook *pb, struct error *err)
{
	const char *user = getenv("RELCTL_USER");
	const struct pb_person *p;
	char *email = NULL;

	if (user && user[0]) {
		p = strchr(user, '@') ? playbook_person_by_email(pb, user) : playbook_person(pb, user);
		if (p == NULL)
			error_set(err, EXIT_NOPERM, "RELCTL_USER=%s is not a person of the playbook \"%s\"; 'relctl playbook show' lists them",
				  user, pb->name);
		return p;
	}
	if (store_config_get(s->store, "user.email", &email, err) != 0)
		return NULL;
	if (email == NULL) {
		error_set(err, EXIT_NOPERM, "who are you? set 'git config user.email' to your address in the playbook, or RELCTL_USER=ID");
		return NULL;
	}
	p = playbook_person_by_email(pb, email);
	if (p == NULL)
		error_set(err, EXIT_NOPERM, "your git user.email %s is not in the playbook \"%s\"; add yourself under people, or set RELCTL_USER=ID",
			  email, pb->name);
	free(email);
	return p;
}

/* ---------- reading ---------- */

static cJSON *read_json(struct session *s, const char *tip, const char *path, bool *missing, struct error *err)
{
	struct buf text;
	cJSON *json = NULL;
	int rc;

	buf_init(&text);
	*missing = false;
	rc = store_read(s->store, tip, path, &text, err);
	if (rc == 1)
		*missing = true;
	if (rc == 0) {
		json = cJSON_ParseWithLength(text.data, text.len);
		if (json == NULL)
			error_set(err, EXIT_DATAERR, "%s:%s is not valid JSON; 'git log %s -- %s' shows who changed it",
				  s->branch, path, s->branch, path);
	}
	buf_release(&text);
	return json;
}

static cJSON *read_index(struct session *s, const char *tip, struct error *err)
{
	bool missing;
	cJSON *index = read_json(s, tip, INDEX_PATH, &missing, err);
	const cJSON *format;

	if (missing)
		error_set(err, EXIT_DATAERR, "the ledger branch %s has no %s; is it a relctl ledger?", s->branch, INDEX_PATH);
	if (index == NULL)
		return NULL;
	format = cJSON_GetObjectItemCaseSensitive(index, "format");
	if (!cJSON_IsNumber(format) || format->valueint > LEDGER_FORMAT ||
	    !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(index, "releases"))) {
		error_set(err, EXIT_DATAERR, "%s:%s has format %d, and this relctl reads format %d; upgrade relctl",
			  s->branch, INDEX_PATH, cJSON_IsNumber(format) ? format->valueint : 0, LEDGER_FORMAT);
		cJSON_Delete(index);
		return NULL;
	}
	return index;
}

/* The open release when version is NULL: exactly one must be open. */
static char *default_version(struct session *s, const char *tip, struct error *err)
{
	cJSON *index = read_index(s, tip, err), *entry;
	struct buf open;
	char *found = NULL;
	size_t count = 0;

	if (index == NULL)
		return NULL;
	buf_init(&open);
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(index, "releases"))
	{
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(entry, "status");

		if (cJSON_IsString(status) && strcmp(status->valuestring, "open") == 0) {
			buf_addf(&open, "%s%s", count ? ", " : "", entry->string);
			if (count++ == 0)
				found = xstrdup(entry->string);
		}
	}
	if (count == 0)
		error_set(err, EXIT_NOINPUT, "no release is open; start one with 'relctl start VERSION'");
	else if (count > 1)
		error_set(err, EXIT_USAGE, "several releases are open (%s); name one with --release VERSION", open.data);
	if (count != 1) {
		free(found);
		found = NULL;
	}
	buf_release(&open);
	cJSON_Delete(index);
	return found;
}

static int load_release_at(struct session *s, const char *tip, const char *version, struct release *rel,
			   struct error *err)
{
	const cJSON *blob;
	struct buf text;
	bool missing;
	char *label;

	memset(rel, 0, sizeof(*rel));
	snprintf(rel->tip, sizeof(rel->tip), "%s", tip);
	rel->version = version ? xstrdup(version) : default_version(s, tip, err);
	if (rel->version == NULL)
		return -1;
	if (!version_valid(rel->version))
		return error_set(err, EXIT_USAGE, "\"%s\" is not a release version", rel->version);
	rel->path = xasprintf("releases/%s.json", rel->version);
	rel->doc = read_json(s, tip, rel->path, &missing, err);
	if (missing)
		return error_set(err, EXIT_NOINPUT, "there is no release %s; 'relctl releases' lists them", rel->version);
	if (rel->doc == NULL)
		return -1;
	blob = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rel->doc, "playbook"), "blob");
	if (!cJSON_IsString(blob))
		return error_set(err, EXIT_DATAERR, "%s:%s does not say which playbook it was started with", s->branch,
				 rel->path);
	buf_init(&text);
	label = xasprintf("%s:playbooks/%.12s.yaml", s->branch, blob->valuestring);
	if (store_read_blob(s->store, blob->valuestring, &text, err) == 0)
		rel->pb = playbook_load_text(label, text.data, text.len, err);
	buf_release(&text);
	free(label);
	if (rel->pb == NULL)
		return -1;
	label = xasprintf("%s:%s", s->branch, rel->path);
	rel->st = ledger_replay(rel->pb, rel->doc, label, err);
	free(label);
	return rel->st ? 0 : -1;
}

int session_load_release(struct session *s, const char *version, struct release *out, struct error *err)
{
	char tip[OID_HEX];

	memset(out, 0, sizeof(*out));
	if (session_tip(s, tip, err) != 0)
		return -1;
	return load_release_at(s, tip, version, out, err);
}

void release_close(struct release *rel)
{
	release_state_free(rel->st);
	playbook_free(rel->pb);
	cJSON_Delete(rel->doc);
	free(rel->version);
	free(rel->path);
	memset(rel, 0, sizeof(*rel));
}

cJSON *session_releases(struct session *s, struct error *err)
{
	char tip[OID_HEX];
	cJSON *index, *list, *entry;

	if (session_tip(s, tip, err) != 0)
		return NULL;
	index = read_index(s, tip, err);
	if (index == NULL)
		return NULL;
	list = cJSON_CreateArray();
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(index, "releases"))
	{
		cJSON *item = cJSON_Duplicate(entry, 1);

		cJSON_AddStringToObject(item, "version", entry->string);
		cJSON_AddItemToArray(list, item);
	}
	cJSON_Delete(index);
	return list;
}

/* ---------- writing ---------- */

/* The files, message and author of one commit, built from one tip. */
struct plan {
	struct store_change changes[6];
	char *owned[6];
	size_t count;
	struct buf message;
	char *author_name;
	char *author_email;
	char *summary;
};

static void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->message);
}

static void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		free(p->owned[i]);
		free((char *)p->changes[i].path);
	}
	buf_release(&p->message);
	free(p->author_name);
	free(p->author_email);
	free(p->summary);
	plan_init(p);
}

/* Adds a file to write; takes data (NUL-terminated, heap). */
static void plan_write(struct plan *p, const char *path, char *data)
{
	p->changes[p->count].path = xstrdup(path);
	p->changes[p->count].data = data;
	p->changes[p->count].len = strlen(data);
	p->owned[p->count] = data;
	p->count++;
}

static void plan_author(struct plan *p, const struct pb_person *who)
{
	p->author_name = xstrdup(who->name);
	p->author_email = xstrdup(who->email);
}

typedef int (*plan_fn)(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err);

static void backoff(int attempt)
{
	char hex[5];
	unsigned jitter = 0;

	if (random_hex(hex, 2) == 0)
		jitter = (unsigned)strtoul(hex, NULL, 16) % 1000;
	usleep((useconds_t)((attempt < 6 ? 1000u << attempt : 32000u) + jitter * (unsigned)attempt));
}

static int commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err)
{
	int attempt;

	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		char tip[OID_HEX], new_tip[OID_HEX];
		struct plan plan;
		struct store_author author;
		int rc = store_ref_tip(s->store, s->ref, tip, err);

		if (rc < 0)
			return -1;
		plan_init(&plan);
		if (fn(s, rc == 1 ? NULL : tip, data, &plan, err) != 0) {
			plan_release(&plan);
			return -1;
		}
		author.name = plan.author_name;
		author.email = plan.author_email;
		author.when = s->now;
		if (store_commit(s->store, rc == 1 ? NULL : tip, plan.changes, plan.count, plan.message.data, &author,
				 new_tip, err) != 0) {
			plan_release(&plan);
			return -1;
		}
		rc = store_ref_swap(s->store, s->ref, rc == 1 ? NULL : tip, new_tip, plan.summary, err);
		if (rc == 0 && summary) {
			*summary = plan.summary;
			plan.summary = NULL;
		}
		plan_release(&plan);
		if (rc <= 0)
			return rc;
		backoff(attempt);
	}
	return error_set(err, EXIT_TEMPFAIL, "the ledger kept changing under this command (%d tries); run it again",
			 MAX_ATTEMPTS);
}

/* The index entry of a release, rewritten when its status or candidate changed. */
static int plan_index(struct session *s, const char *tip, const struct release_state *st, struct plan *plan,
		      bool always, struct error *err)
{
	cJSON *index = tip ? read_index(s, tip, err) : NULL, *releases, *entry;
	const cJSON *status, *candidate;
	char t[32];

	if (tip && index == NULL)
		return -1;
	if (index == NULL) {
		index = cJSON_CreateObject();
		cJSON_AddNumberToObject(index, "format", LEDGER_FORMAT);
		cJSON_AddObjectToObject(index, "releases");
	}
	releases = cJSON_GetObjectItemCaseSensitive(index, "releases");
	if (st != NULL) {
		entry = cJSON_GetObjectItemCaseSensitive(releases, st->version);
		status = cJSON_GetObjectItemCaseSensitive(entry, "status");
		candidate = cJSON_GetObjectItemCaseSensitive(entry, "candidate");
		if (!always && cJSON_IsString(status) && strcmp(status->valuestring, release_status_name(st->status)) == 0 &&
		    cJSON_IsNumber(candidate) && candidate->valueint == st->candidate) {
			cJSON_Delete(index);
			return 0;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(releases, st->version);
		entry = cJSON_AddObjectToObject(releases, st->version);
		cJSON_AddStringToObject(entry, "status", release_status_name(st->status));
		cJSON_AddNumberToObject(entry, "candidate", st->candidate);
		cJSON_AddStringToObject(entry, "started", time_format(st->started_at, t, sizeof(t)));
		cJSON_AddStringToObject(entry, "playbook", st->pb->name);
	}
	plan_write(plan, INDEX_PATH, cJSON_Print(index));
	cJSON_Delete(index);
	return 0;
}

static void plan_release_doc(struct plan *plan, const struct release *rel)
{
	char *text = cJSON_Print(rel->doc);
	char *with_newline = xasprintf("%s\n", text);

	free(text);
	plan_write(plan, rel->path, with_newline);
}

static const char *past_tense(const char *op, const cJSON *fields)
{
	static const struct { const char *op, *verb; } verbs[] = {
		{ "claim", "claimed" },   { "unclaim", "unclaimed" }, { "assign", "assigned" },
		{ "done", "finished" },   { "skip", "skipped" },      { "reopen", "reopened" },
		{ "block", "blocked" },   { "unblock", "unblocked" },
	};
	size_t i;

	if (strcmp(op, "review") == 0) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(fields, "verdict");

		return cJSON_IsString(v) && strcmp(v->valuestring, "approve") == 0 ? "approved" : "rejected";
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].op, op) == 0)
			return verbs[i].verb;
	return op;
}

/* "sam claimed test-voyager (2.6.3 rc1)", then the event's details, then its id. */
static void describe(struct plan *plan, const struct release *rel, const cJSON *event, const char *op)
{
	const char *actor = cJSON_GetObjectItemCaseSensitive(event, "actor")->valuestring;
	const cJSON *step = cJSON_GetObjectItemCaseSensitive(event, "step");
	const cJSON *person = cJSON_GetObjectItemCaseSensitive(event, "person");
	static const char *const details[] = { "reason", "note" };
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(event, "evidence"), *item;
	size_t i;

	plan->summary = xasprintf("%s %s %s%s%s (%s rc%d)", actor, past_tense(op, event),
				  cJSON_IsString(step) ? step->valuestring : "", cJSON_IsString(person) ? " to " : "",
				  cJSON_IsString(person) ? person->valuestring : "", rel->version, rel->st->candidate);
	buf_addf(&plan->message, "%s\n\n", plan->summary);
	for (i = 0; i < 2; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, details[i]);

		if (cJSON_IsString(v) && v->valuestring[0])
			buf_addf(&plan->message, "%c%s: %s\n", details[i][0] - 32, details[i] + 1, v->valuestring);
	}
	cJSON_ArrayForEach(item, evidence)
		if (cJSON_IsString(item))
			buf_addf(&plan->message, "Evidence: %s\n", item->valuestring);
	buf_addf(&plan->message, "Relctl-Event: %s\n",
		 cJSON_GetObjectItemCaseSensitive(event, "id")->valuestring);
}

static cJSON *new_event(const struct session *s, const struct pb_person *me, const char *op, const char *step,
			int candidate)
{
	char id[33];

	if (random_hex(id, 16) != 0)
		return NULL;
	{
		cJSON *ev = ledger_event_new(id, s->now, me->id, op, step);

		cJSON_AddNumberToObject(ev, "candidate", candidate);
		return ev;
	}
}

static int plan_mutation(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	const struct mutation *m = data;
	struct release rel;
	const struct pb_person *me;
	cJSON *event = NULL, *field;
	int rc = -1;

	if (tip == NULL)
		return no_ledger(err);
	if (load_release_at(s, tip, m->version, &rel, err) != 0)
		goto out;
	me = session_identity(s, rel.pb, err);
	if (me == NULL)
		goto out;
	event = new_event(s, me, m->op, m->step, rel.st->candidate);
	if (event == NULL) {
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for an event id");
		goto out;
	}
	cJSON_ArrayForEach(field, m->fields)
		cJSON_AddItemToObject(event, field->string, cJSON_Duplicate(field, 1));
	if (ledger_apply(rel.st, event, err) != 0)
		goto out;
	describe(plan, &rel, event, m->op);
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
	return rc;
}

int session_mutate(struct session *s, const struct mutation *m, char **summary, struct error *err)
{
	return commit_loop(s, plan_mutation, (void *)m, summary, err);
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
	if (pp->first && tip != NULL)
		return error_set(err, EXIT_DATAERR, "this repository already has a relctl ledger on %s; 'relctl playbook update FILE' changes its playbook",
				 s->branch);
	if (!pp->first) {
		struct playbook *old;

		if (tip == NULL)
			return no_ledger(err);
		old = playbook_at(s, tip, PLAYBOOK_PATH, err);
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
	if (playbook_path == NULL)
		return error_set(err, EXIT_USAGE, "the first 'relctl init' needs --playbook FILE (see playbooks/ for examples)");
	return write_playbook(s, playbook_path, true, NULL, err);
}

int session_update_playbook(struct session *s, const char *path, char **summary, struct error *err)
{
	return write_playbook(s, path, false, summary, err);
}

struct start_plan {
	const char *version;
	cJSON *vars;
};

static int plan_start(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	struct start_plan *sp = data;
	struct release rel;
	struct buf text;
	const struct pb_person *me;
	cJSON *event, *pin;
	char blob[OID_HEX];
	bool missing;
	int rc = -1;

	memset(&rel, 0, sizeof(rel));
	if (tip == NULL)
		return no_ledger(err);
	rel.path = xasprintf("releases/%s.json", sp->version);
	rel.version = xstrdup(sp->version);
	buf_init(&text);
	rel.doc = read_json(s, tip, rel.path, &missing, err);
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
	if (!ledger_is_manager(me)) {
		error_set(err, EXIT_NOPERM, "%s cannot start a release: only a %s can", me->id, ROLE_RELEASE_MANAGER);
		goto out;
	}
	rel.doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(rel.doc, "format", LEDGER_FORMAT);
	cJSON_AddStringToObject(rel.doc, "version", sp->version);
	pin = cJSON_AddObjectToObject(rel.doc, "playbook");
	cJSON_AddStringToObject(pin, "name", rel.pb->name);
	cJSON_AddStringToObject(pin, "blob", blob);
	cJSON_AddArrayToObject(rel.doc, "events");
	rel.st = release_state_new(rel.pb, sp->version);
	event = new_event(s, me, "start", NULL, 1);
	if (event == NULL) {
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for an event id");
		goto out;
	}
	cJSON_AddItemToObject(event, "vars", cJSON_Duplicate(sp->vars, 1));
	if (ledger_apply(rel.st, event, err) != 0) {
		cJSON_Delete(event);
		goto out;
	}
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), event);
	ledger_write_view(rel.st, rel.doc);
	plan_release_doc(plan, &rel);
	if (plan_index(s, tip, rel.st, plan, true, err) != 0)
		goto out;
	plan->summary = xasprintf("%s started release %s (rc1) of \"%s\"", me->id, sp->version, rel.pb->name);
	buf_addf(&plan->message, "%s\n\nRelctl-Event: %s\n", plan->summary,
		 cJSON_GetObjectItemCaseSensitive(event, "id")->valuestring);
	plan_author(plan, me);
	rc = 0;
out:
	buf_release(&text);
	release_close(&rel);
	return rc;
}

int session_start(struct session *s, const char *version, cJSON *vars, char **summary, struct error *err)
{
	struct start_plan sp = { version, vars };

	if (!version_valid(version))
		return error_set(err, EXIT_USAGE, "\"%s\" is not a release version (letters, digits, '.', '-', '+', '_')",
				 version);
	return commit_loop(s, plan_start, &sp, summary, err);
}

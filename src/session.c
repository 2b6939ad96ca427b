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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "json.h"
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
	cJSON_Delete(s->rejected);
	cJSON_Delete(s->became_ready);
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
	label = xasprintf("%s:playbooks/%s.yaml", s->branch, blob->valuestring);
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

static int newest_first(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
	const cJSON *sx = cJSON_GetObjectItemCaseSensitive(x, "started"), *sy = cJSON_GetObjectItemCaseSensitive(y, "started");
	int c = strcmp(cJSON_IsString(sy) ? sy->valuestring : "", cJSON_IsString(sx) ? sx->valuestring : "");

	/* RFC 3339 UTC times sort as text; ties by version, newest first. */
	if (c == 0)
		c = strcmp(cJSON_GetObjectItemCaseSensitive(y, "version")->valuestring,
			   cJSON_GetObjectItemCaseSensitive(x, "version")->valuestring);
	return c;
}

static void sort_by_start(cJSON *list)
{
	int n = cJSON_GetArraySize(list), i;
	cJSON **items = xcalloc((size_t)n + 1, sizeof(*items));

	for (i = n - 1; i >= 0; i--)
		items[i] = cJSON_DetachItemFromArray(list, i);
	qsort(items, (size_t)n, sizeof(*items), newest_first);
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(list, items[i]);
	free(items);
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
	sort_by_start(list);
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
	time_t when; /* 0: now */
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

static int remote_commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err);

static int commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err)
{
	if (s->remote && !s->offline)
		return remote_commit_loop(s, fn, data, summary, err);
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
		author.when = plan.when ? plan.when : s->now;
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
	{
		char *text = cJSON_Print(index);

		plan_write(plan, INDEX_PATH, xasprintf("%s\n", text));
		free(text);
	}
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

static const char *text_field(const cJSON *event, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, key);

	return cJSON_IsString(v) ? v->valuestring : "";
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
	static const char *const details[] = { "reason", "note", "impact", "estimate", "risk", "brief_hash" };
	static const char *const labels[] = { "Reason", "Note", "Impact", "Estimate", "Risk", "Brief-Hash" };
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(event, "evidence"), *item;
	size_t i;

	const char *finding = text_field(event, "finding"), *title = text_field(event, "title");
	int candidate = cJSON_GetObjectItemCaseSensitive(event, "candidate")->valueint;

	if (strcmp(op, "finding-add") == 0)
		plan->summary = xasprintf("%s reported %s finding %s: %s (%s rc%d)", actor, text_field(event, "severity"),
					  finding, title, rel->version, candidate);
	else if (strcmp(op, "finding-update") == 0)
		plan->summary = xasprintf("%s %s finding %s (%s rc%d)", actor,
					  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(event, "close")) ? "closed" : "updated",
					  finding, rel->version, candidate);
	else if (strcmp(op, "input") == 0)
		plan->summary = xasprintf("%s gave the %s input for %s rc%d", actor, text_field(event, "role"), rel->version,
					  candidate);
	else if (strcmp(op, "hook") == 0) {
		const cJSON *result = cJSON_GetObjectItemCaseSensitive(event, "result");

		plan->summary = xasprintf("%s ran the %s hook of %s: %s, HTTP %d (%s rc%d)", actor,
					  text_field(result, "hook"), step->valuestring, text_field(result, "outcome"),
					  cJSON_GetObjectItemCaseSensitive(result, "status")->valueint, rel->version, candidate);
	} else if (strcmp(op, "decide") == 0)
		plan->summary = xasprintf("%s decided to %s %s rc%d%s", actor, text_field(event, "decision"), rel->version,
					  candidate, rel->st->candidate != candidate ? "; the next candidate begins" : "");
	else
		plan->summary = xasprintf("%s %s %s%s%s (%s rc%d)", actor, past_tense(op, event),
					  cJSON_IsString(step) ? step->valuestring : "", cJSON_IsString(person) ? " to " : "",
					  cJSON_IsString(person) ? person->valuestring : "", rel->version, candidate);
	buf_addf(&plan->message, "%s\n\n", plan->summary);
	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, details[i]);

		if (cJSON_IsString(v) && v->valuestring[0])
			buf_addf(&plan->message, "%s: %s\n", labels[i], v->valuestring);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(event, "forced")))
		buf_adds(&plan->message, "Forced: yes\n");
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
	if (m->precheck && m->precheck(&rel, m, err) != 0)
		goto out;
	event = new_event(s, me, m->op, m->step, rel.st->candidate);
	if (event == NULL) {
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for an event id");
		goto out;
	}
	cJSON_ArrayForEach(field, m->fields)
		cJSON_AddItemToObject(event, field->string, cJSON_Duplicate(field, 1));
	{
		bool *was_ready = xcalloc(rel.pb->step_count + 1, sizeof(*was_ready));
		size_t i;

		for (i = 0; i < rel.pb->step_count; i++)
			was_ready[i] = ledger_step_state(rel.st, i, s->now) == STATE_READY;
		if (ledger_apply(rel.st, event, err) != 0) {
			free(was_ready);
			goto out;
		}
		cJSON_Delete(s->became_ready);
		s->became_ready = cJSON_CreateArray();
		for (i = 0; i < rel.pb->step_count; i++)
			if (!was_ready[i] && ledger_step_state(rel.st, i, s->now) == STATE_READY &&
			    rel.pb->steps[i].kind != STEP_DECISION)
				cJSON_AddItemToArray(s->became_ready, cJSON_CreateString(rel.pb->steps[i].id));
		free(was_ready);
	}
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
	cJSON_Delete(s->became_ready);
	s->became_ready = cJSON_CreateArray();
	for (size_t i = 0; i < rel.pb->step_count; i++)
		if (ledger_step_state(rel.st, i, s->now) == STATE_READY && rel.pb->steps[i].kind != STEP_DECISION)
			cJSON_AddItemToArray(s->became_ready, cJSON_CreateString(rel.pb->steps[i].id));
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

/* ---------- sync ---------- */

static void note_sync(struct session *s)
{
	char t[32];
	struct error ignored;

	store_config_set(s->store, "relctl.lastSync", time_format(time(NULL), t, sizeof(t)), &ignored);
}

long session_sync_age(struct session *s)
{
	char *text = NULL;
	struct error ignored;
	time_t t;
	long age = -1;

	if (store_config_get(s->store, "relctl.lastSync", &text, &ignored) == 0 && text && time_parse(text, &t) == 0)
		age = (long)(time(NULL) - t);
	free(text);
	return age;
}

static char *tracking_ref(const struct session *s)
{
	return xasprintf("refs/remotes/%s/%s", s->remote, s->branch);
}

/*
 * The remote tip relctl last checked and accepted.  Not the tracking ref:
 * 'git fetch' and 'git pull' move that one without relctl's checks, and a
 * rewritten or broken remote ledger would then pass them.
 */
static char *accepted_ref(const struct session *s)
{
	return xasprintf("refs/relctl/remotes/%s/%s", s->remote, s->branch);
}

/* Records tip as the remote's accepted tip (and moves the tracking ref for git log). */
static int set_accepted(struct session *s, const char *tip, struct error *err)
{
	char *accepted = accepted_ref(s), *tracking = tracking_ref(s);
	int rc = store_ref_set(s->store, accepted, tip, err);

	if (rc == 0)
		rc = store_ref_set(s->store, tracking, tip, err);
	free(accepted);
	free(tracking);
	return rc;
}

/*
 * Every release that differs between base (NULL: none) and tip must parse
 * and replay at tip; otherwise the remote's ledger is refused.
 */
static int validate_tip(struct session *s, const char *base, const char *tip, struct error *err)
{
	char **paths = NULL;
	size_t count = 0, i;
	cJSON *index;
	int rc = 0;

	index = read_index(s, tip, err);
	if (index == NULL)
		return -1;
	cJSON_Delete(index);
	if (store_changed(s->store, base, tip, "releases", &paths, &count, err) != 0)
		return -1;
	for (i = 0; i < count && rc == 0; i++) {
		struct release rel;
		const char *name = strrchr(paths[i], '/') + 1;
		char *version = xstrndup(name, strlen(name) > 5 ? strlen(name) - 5 : 0);

		rc = load_release_at(s, tip, version, &rel, err);
		release_close(&rel);
		free(version);
	}
	for (i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

/*
 * Fetches the remote's ledger tip and checks it: history only ever grows,
 * and every changed release replays.  Returns 0 with the tip, 1 when the
 * remote has no ledger yet, -1 on error (the local ledger unchanged).
 */
static int fetch_remote(struct session *s, char remote_tip[OID_HEX], struct error *err)
{
	char prev[OID_HEX], local[OID_HEX];
	char *accepted = accepted_ref(s);
	bool has_prev, has_local, ok;
	struct error inner;
	int rc;

	rc = store_fetch(s->store, s->remote, s->branch, remote_tip, err);
	if (rc != 0)
		goto out;
	has_prev = store_ref_tip(s->store, accepted, prev, err) == 0;
	has_local = store_ref_tip(s->store, s->ref, local, err) == 0;
	if (has_prev && (store_is_ancestor(s->store, prev, remote_tip, &ok, err) != 0 || !ok)) {
		rc = error_set(err, EXIT_DATAERR,
			       "remote \"%s\" rewrote the ledger's history (commit %.12s you fetched before is gone); your local ledger is unchanged - find out who force-pushed %s",
			       s->remote, prev, s->branch);
		goto out;
	}
	if (validate_tip(s, has_prev ? prev : has_local ? local : NULL, remote_tip, &inner) != 0) {
		rc = error_set(err, EXIT_DATAERR, "the ledger on remote \"%s\" is broken, so it was not taken: %s; your local ledger is unchanged",
			       s->remote, inner.message);
		goto out;
	}
	rc = set_accepted(s, remote_tip, err);
out:
	free(accepted);
	return rc;
}

/* The events a commit appended to a release file, given its parent. */
static cJSON *appended_events(struct session *s, const char *parent, const char *commit, const char *path,
			      cJSON **new_doc, struct error *err)
{
	bool missing;
	cJSON *old_doc = parent ? read_json(s, parent, path, &missing, err) : NULL, *events, *out;
	int skip, i;

	*new_doc = read_json(s, commit, path, &missing, err);
	if (*new_doc == NULL) {
		cJSON_Delete(old_doc);
		return NULL;
	}
	skip = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(old_doc, "events"));
	events = cJSON_GetObjectItemCaseSensitive(*new_doc, "events");
	out = cJSON_CreateArray();
	for (i = skip; i < cJSON_GetArraySize(events); i++)
		cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetArrayItem(events, i), 1));
	cJSON_Delete(old_doc);
	return out;
}

struct replay_plan {
	const char *path;
	const char *version;
	const cJSON *header; /* the offline copy of the release document */
	const cJSON *event;
	const struct store_commit_info *info;
	const char *source; /* the offline commit, for copying a pinned playbook */
};

static int plan_replay(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	struct replay_plan *rp = data;
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(rp->event, "op");
	struct release rel;
	int rc = -1;

	memset(&rel, 0, sizeof(rel));
	if (cJSON_IsString(op) && strcmp(op->valuestring, "start") == 0) {
		const cJSON *blob = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rp->header, "playbook"),
								     "blob");
		bool missing;
		struct buf text;
		char *pinned;

		rel.doc = read_json(s, tip, rp->path, &missing, err);
		if (!missing) {
			if (rel.doc)
				error_set(err, EXIT_DATAERR, "release %s was started on the remote meanwhile", rp->version);
			goto out;
		}
		if (!cJSON_IsString(blob))
			goto out;
		buf_init(&text);
		if (store_read_blob(s->store, blob->valuestring, &text, err) == 0)
			rel.pb = playbook_load_text(rp->path, text.data, text.len, err);
		pinned = xasprintf("playbooks/%s.yaml", blob->valuestring);
		if (rel.pb)
			plan_write(plan, pinned, buf_detach(&text));
		free(pinned);
		buf_release(&text);
		if (rel.pb == NULL)
			goto out;
		rel.doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(rel.doc, "format", LEDGER_FORMAT);
		cJSON_AddStringToObject(rel.doc, "version", rp->version);
		cJSON_AddItemToObject(rel.doc, "playbook",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rp->header, "playbook"), 1));
		cJSON_AddArrayToObject(rel.doc, "events");
		rel.st = release_state_new(rel.pb, rp->version);
		rel.path = xstrdup(rp->path);
		rel.version = xstrdup(rp->version);
	} else if (load_release_at(s, tip, rp->version, &rel, err) != 0) {
		goto out;
	}
	if (ledger_apply(rel.st, rp->event, err) != 0)
		goto out;
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), cJSON_Duplicate(rp->event, 1));
	ledger_write_view(rel.st, rel.doc);
	plan_release_doc(plan, &rel);
	if (plan_index(s, tip, rel.st, plan, strcmp(op->valuestring, "start") == 0, err) != 0)
		goto out;
	buf_adds(&plan->message, rp->info->message);
	plan->summary = xstrndup(rp->info->message, strcspn(rp->info->message, "\n"));
	plan->author_name = xstrdup(rp->info->author_name);
	plan->author_email = xstrdup(rp->info->author_email);
	plan->when = rp->info->time;
	rc = 0;
out:
	release_close(&rel);
	return rc;
}

/* Builds one commit from fn on top of *tip, advancing *tip. */
static int stack_commit(struct session *s, char tip[OID_HEX], plan_fn fn, void *data, struct error *err)
{
	struct plan plan;
	struct store_author author;
	char new_tip[OID_HEX];
	int rc;

	plan_init(&plan);
	rc = fn(s, tip, data, &plan, err);
	if (rc == 0) {
		author.name = plan.author_name;
		author.email = plan.author_email;
		author.when = plan.when ? plan.when : s->now;
		rc = store_commit(s->store, tip, plan.changes, plan.count, plan.message.data, &author, new_tip, err);
		if (rc == 0)
			memcpy(tip, new_tip, OID_HEX);
	}
	plan_release(&plan);
	return rc;
}

static void reject(struct session *s, const cJSON *event, const char *commit, const char *why)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "id");
	cJSON *item = cJSON_CreateObject();
	struct error ignored;

	if (s->rejected == NULL)
		s->rejected = cJSON_CreateArray();
	cJSON_AddItemToObject(item, "event", cJSON_Duplicate(event, 1));
	cJSON_AddStringToObject(item, "reason", why);
	cJSON_AddItemToArray(s->rejected, item);
	if (cJSON_IsString(id)) {
		char *ref = xasprintf("refs/relctl/rejected/%s", id->valuestring);

		store_ref_set(s->store, ref, commit, &ignored);
		free(ref);
	}
}

/* Replays one offline commit's changes on *tip. */
static int replay_commit(struct session *s, const char *commit, char tip[OID_HEX], size_t *count, struct error *err)
{
	struct store_commit_info info;
	char **paths = NULL;
	size_t n = 0, i;
	int rc;

	if (store_commit_info(s->store, commit, &info, err) != 0)
		return -1;
	rc = store_changed(s->store, info.parent_count ? info.parent : NULL, commit, "releases", &paths, &n, err);
	for (i = 0; rc == 0 && i < n; i++) {
		cJSON *doc = NULL, *events = appended_events(s, info.parent_count ? info.parent : NULL, commit, paths[i],
							     &doc, err), *ev;
		const char *name = strrchr(paths[i], '/') + 1;
		char *version = xstrndup(name, strlen(name) > 5 ? strlen(name) - 5 : 0);

		if (events == NULL)
			rc = -1;
		cJSON_ArrayForEach(ev, events)
		{
			struct replay_plan rp = { paths[i], version, doc, ev, &info, commit };
			struct error why;

			if (stack_commit(s, tip, plan_replay, &rp, &why) != 0)
				reject(s, ev, commit, why.message);
			else
				(*count)++;
		}
		cJSON_Delete(events);
		cJSON_Delete(doc);
		free(version);
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	store_commit_info_release(&info);
	return rc;
}

/*
 * Puts local offline commits on top of the remote tip.  out receives the tip
 * to push (or remote_tip when there is nothing of ours); *ahead says whether
 * anything needs pushing.  The local branch is fast-forwarded when it can be.
 */
static int reconcile(struct session *s, const char *remote_tip, char out[OID_HEX], bool *ahead, size_t *replayed,
		     struct error *err)
{
	char local[OID_HEX], base[OID_HEX];
	char **commits = NULL;
	size_t count = 0, i;
	bool is_anc;
	int rc = store_ref_tip(s->store, s->ref, local, err);

	*ahead = false;
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (remote_tip == NULL)
			return 1; /* no ledger anywhere yet: init writes the first commit */
		memcpy(out, remote_tip, OID_HEX);
		return store_ref_swap(s->store, s->ref, NULL, remote_tip, "relctl sync", err) < 0 ? -1 : 0;
	}
	if (remote_tip == NULL || strcmp(local, remote_tip) == 0) {
		memcpy(out, local, OID_HEX);
		*ahead = remote_tip == NULL;
		return 0;
	}
	if (store_is_ancestor(s->store, local, remote_tip, &is_anc, err) != 0)
		return -1;
	if (is_anc) {
		memcpy(out, remote_tip, OID_HEX);
		return store_ref_swap(s->store, s->ref, local, remote_tip, "relctl sync: fast-forward", err) < 0 ? -1 : 0;
	}
	if (store_is_ancestor(s->store, remote_tip, local, &is_anc, err) != 0)
		return -1;
	*ahead = true;
	if (is_anc) {
		memcpy(out, local, OID_HEX);
		return 0;
	}
	rc = store_merge_base(s->store, local, remote_tip, base, err);
	if (rc != 0)
		return rc < 0 ? -1
			      : error_set(err, EXIT_DATAERR,
					  "the ledger on remote \"%s\" and yours share no history (was relctl initialised twice?); your local ledger is unchanged",
					  s->remote);
	/* The offline commits, oldest first (the ledger's history is linear). */
	{
		char cur[OID_HEX];

		memcpy(cur, local, OID_HEX);
		while (strcmp(cur, base) != 0) {
			struct store_commit_info info;

			if (store_commit_info(s->store, cur, &info, err) != 0)
				goto fail;
			commits = xrealloc(commits, (count + 1) * sizeof(*commits));
			commits[count++] = xstrdup(cur);
			memcpy(cur, info.parent, OID_HEX);
			store_commit_info_release(&info);
			if (cur[0] == '\0')
				break;
		}
	}
	memcpy(out, remote_tip, OID_HEX);
	for (i = count; i-- > 0;)
		if (replay_commit(s, commits[i], out, replayed, err) != 0)
			goto fail;
	*ahead = strcmp(out, remote_tip) != 0;
	rc = 0;
	goto done;
fail:
	rc = -1;
done:
	for (i = 0; i < count; i++)
		free(commits[i]);
	free(commits);
	return rc;
}

/* After a push: the local branch and the accepted and tracking refs follow the remote. */
static void follow(struct session *s, const char *pushed)
{
	char local[OID_HEX];
	struct error ignored;
	bool descends = true;
	int rc = store_ref_tip(s->store, s->ref, local, &ignored);

	set_accepted(s, pushed, &ignored);
	if (rc == 0 && store_is_ancestor(s->store, local, pushed, &descends, &ignored) == 0 && descends)
		store_ref_swap(s->store, s->ref, local, pushed, "relctl: pushed", &ignored);
	else if (rc == 1)
		store_ref_swap(s->store, s->ref, NULL, pushed, "relctl: pushed", &ignored);
	else if (rc == 0 && !descends) {
		/* Offline events: replace the branch with the replayed history, keeping the old tip. */
		char *backup = xasprintf("refs/relctl/offline/%s", local);

		store_ref_set(s->store, backup, local, &ignored);
		free(backup);
		store_ref_swap(s->store, s->ref, local, pushed, "relctl: replayed offline events", &ignored);
	}
	note_sync(s);
}

static int remote_commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err)
{
	int attempt;

	for (attempt = 0; attempt < 8; attempt++) {
		char remote_tip[OID_HEX], tip[OID_HEX];
		struct plan plan;
		bool ahead;
		size_t replayed = 0;
		int rc = fetch_remote(s, remote_tip, err);

		if (rc < 0)
			return -1;
		int empty = reconcile(s, rc == 1 ? NULL : remote_tip, tip, &ahead, &replayed, err);
		const char *base = empty == 1 ? NULL : tip;

		if (empty < 0)
			return -1;
		if (s->rejected) {
			/*
			 * An offline event no longer applies on the remote: say so rather
			 * than drop it on the way.  'relctl sync' reports each one and
			 * shares the others; nothing has moved.
			 */
			const cJSON *first = cJSON_GetArrayItem(s->rejected, 0);
			const cJSON *ev = cJSON_GetObjectItemCaseSensitive(first, "event");
			const char *op = json_string(ev, "op"), *step = json_string(ev, "step");
			const char *why = json_string(first, "reason");
			int n = cJSON_GetArraySize(s->rejected);

			return error_set(err, EXIT_TEMPFAIL,
					 "%d of your offline events no longer appl%s on \"%s\" (%s %s: %s); run 'relctl sync' to see %s and share the rest, then run this command again",
					 n, n == 1 ? "ies" : "y", s->remote, op ? op : "?", step ? step : "", why ? why : "refused",
					 n == 1 ? "it" : "them");
		}
		plan_init(&plan);
		if (fn(s, base, data, &plan, err) != 0) {
			plan_release(&plan);
			return -1;
		}
		{
			struct store_author author = { plan.author_name, plan.author_email, plan.when ? plan.when : s->now };
			char new_tip[OID_HEX];

			if (store_commit(s->store, base, plan.changes, plan.count, plan.message.data, &author, new_tip, err) != 0) {
				plan_release(&plan);
				return -1;
			}
			rc = store_push(s->store, s->remote, s->branch, new_tip, rc == 1 ? NULL : remote_tip, err);
			if (rc == 0) {
				follow(s, new_tip);
				if (summary) {
					*summary = plan.summary;
					plan.summary = NULL;
				}
			}
		}
		plan_release(&plan);
		if (rc <= 0)
			return rc;
		backoff(attempt + 3);
	}
	return error_set(err, EXIT_TEMPFAIL, "others kept updating the ledger on \"%s\" (8 tries); run the command again",
			 s->remote);
}

/* Whether doc's events include one with the id of ev. */
static bool has_event(const cJSON *doc, const cJSON *ev)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "id"), *other;

	cJSON_ArrayForEach(other, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		const cJSON *oid = cJSON_GetObjectItemCaseSensitive(other, "id");

		if (cJSON_IsString(id) && cJSON_IsString(oid) && strcmp(id->valuestring, oid->valuestring) == 0)
			return true;
	}
	return false;
}

/*
 * Events in the releases of to that are not in from (NULL: all of them),
 * matched by id: after offline events were replayed the two sides hold
 * the same number of events but different ones.
 */
static size_t count_events(struct session *s, const char *from, const char *to)
{
	char **paths = NULL;
	size_t n = 0, i, total = 0;
	struct error ignored;

	if (store_changed(s->store, from, to, "releases", &paths, &n, &ignored) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		bool missing;
		cJSON *old_doc = from ? read_json(s, from, paths[i], &missing, &ignored) : NULL;
		cJSON *new_doc = read_json(s, to, paths[i], &missing, &ignored);
		const cJSON *ev;

		cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(new_doc, "events"))
			if (!has_event(old_doc, ev))
				total++;
		cJSON_Delete(old_doc);
		cJSON_Delete(new_doc);
		free(paths[i]);
	}
	free(paths);
	return total;
}

int session_sync(struct session *s, size_t *fetched, size_t *pushed, struct error *err)
{
	int attempt;

	*fetched = *pushed = 0;
	for (attempt = 0; attempt < 8; attempt++) {
		char remote_tip[OID_HEX], tip[OID_HEX], before[OID_HEX];
		bool ahead, had_local, has_remote;
		size_t replayed = 0;
		int rc = fetch_remote(s, remote_tip, err);

		if (rc < 0)
			return -1;
		has_remote = rc == 0;
		had_local = store_ref_tip(s->store, s->ref, before, err) == 0;
		if (rc == 0)
			*fetched = count_events(s, had_local ? before : NULL, remote_tip);
		rc = reconcile(s, has_remote ? remote_tip : NULL, tip, &ahead, &replayed, err);
		if (rc == 1)
			return error_set(err, EXIT_CONFIG, "neither this repository nor remote \"%s\" has a relctl ledger yet; run 'relctl init --playbook FILE'",
					 s->remote);
		if (rc < 0)
			return -1;
		if (!ahead) {
			char local[OID_HEX];

			/*
			 * Nothing to push.  A local branch still off the remote holds only
			 * offline events that no longer apply (kept under
			 * refs/relctl/rejected/): it follows the remote, or it would keep
			 * showing them and sync would report them again forever.
			 */
			if (store_ref_tip(s->store, s->ref, local, err) == 0 && strcmp(local, tip) != 0)
				follow(s, tip);
			else
				note_sync(s);
			return 0;
		}
		rc = store_push(s->store, s->remote, s->branch, tip, has_remote ? remote_tip : NULL, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			*pushed = count_events(s, has_remote ? remote_tip : NULL, tip);
			follow(s, tip);
			return 0;
		}
		if (s->rejected) {
			cJSON_Delete(s->rejected);
			s->rejected = NULL;
		}
		backoff(attempt + 3);
	}
	return error_set(err, EXIT_TEMPFAIL, "others kept updating the ledger on \"%s\"; run 'relctl sync' again", s->remote);
}

/* ---------- verify ---------- */

struct verifier {
	struct session *s;
	cJSON *problems;
	size_t commits, events;
	cJSON *releases; /* version -> true */
};

__attribute__((format(printf, 4, 5))) static void problem(struct verifier *v, const char *commit,
							   const char *event, const char *fmt, ...)
{
	cJSON *p = cJSON_CreateObject();
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(p, "commit", commit);
	if (event)
		cJSON_AddStringToObject(p, "event", event);
	else
		cJSON_AddNullToObject(p, "event");
	cJSON_AddStringToObject(p, "problem", text);
	cJSON_AddItemToArray(v->problems, p);
}

/* One release file changed by one commit. */
static void verify_release(struct verifier *v, const struct store_commit_info *info, const char *path)
{
	struct session *s = v->s;
	const char *parent = info->parent_count ? info->parent : NULL;
	const char *name = strrchr(path, '/') + 1;
	char *version = xstrndup(name, strlen(name) > 5 ? strlen(name) - 5 : 0);
	bool missing;
	cJSON *before = parent ? read_json(s, parent, path, &missing, &(struct error){ 0, "" }) : NULL;
	struct error err;
	struct release rel;
	const cJSON *old_events = cJSON_GetObjectItemCaseSensitive(before, "events"), *ev;
	const cJSON *new_events, *appended = NULL;
	int old_count = cJSON_GetArraySize(old_events), i;
	bool replayed;

	if (!cJSON_HasObjectItem(v->releases, version))
		cJSON_AddTrueToObject(v->releases, version);
	replayed = load_release_at(s, info->id, version, &rel, &err) == 0;
	if (rel.doc == NULL || rel.pb == NULL) {
		problem(v, info->id, NULL, "%s", err.message);
		goto out;
	}
	/* Append-only first: a rewritten event is named as such even when the history no longer replays. */
	new_events = cJSON_GetObjectItemCaseSensitive(rel.doc, "events");
	for (i = 0; i < old_count; i++) {
		if (!cJSON_Compare(cJSON_GetArrayItem(old_events, i), cJSON_GetArrayItem(new_events, i), 1)) {
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(old_events, i), "id");

			problem(v, info->id, cJSON_IsString(id) ? id->valuestring : NULL,
				"%s: an earlier event was changed or removed; the ledger is append-only", path);
			goto out;
		}
	}
	if (cJSON_GetArraySize(new_events) - old_count != 1)
		problem(v, info->id, NULL, "%s: the commit appends %d events; every change is exactly one event and one commit",
			path, cJSON_GetArraySize(new_events) - old_count);
	else
		appended = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(new_events, old_count), "id");
	if (!replayed)
		problem(v, info->id, cJSON_IsString(appended) ? appended->valuestring : NULL, "%s", err.message);
	for (i = old_count; i < cJSON_GetArraySize(new_events); i++) {
		const cJSON *actor, *id;
		const struct pb_person *who;

		ev = cJSON_GetArrayItem(new_events, i);
		actor = cJSON_GetObjectItemCaseSensitive(ev, "actor");
		id = cJSON_GetObjectItemCaseSensitive(ev, "id");
		who = cJSON_IsString(actor) ? playbook_person(rel.pb, actor->valuestring) : NULL;
		v->events++;
		if (who == NULL || strcasecmp(who->email, info->author_email) != 0)
			problem(v, info->id, cJSON_IsString(id) ? id->valuestring : NULL,
				"the commit's author <%s> is not the event's actor %s <%s>", info->author_email,
				cJSON_IsString(actor) ? actor->valuestring : "?", who ? who->email : "unknown");
	}
	if (replayed) {
		cJSON *expected = cJSON_Duplicate(rel.doc, 1);

		ledger_write_view(rel.st, expected);
		if (!cJSON_Compare(expected, rel.doc, 1))
			problem(v, info->id, NULL, "%s: the stored steps view is not the replay of its events", path);
		cJSON_Delete(expected);
	}
out:
	release_close(&rel);
	cJSON_Delete(before);
	free(version);
}

static void verify_commit(struct verifier *v, const char *commit)
{
	struct store_commit_info info;
	struct error err;
	char **paths = NULL;
	size_t n = 0, i;

	if (store_commit_info(v->s->store, commit, &info, &err) != 0) {
		problem(v, commit, NULL, "%s", err.message);
		return;
	}
	v->commits++;
	if (info.parent_count > 1)
		problem(v, commit, NULL, "a merge commit: the ledger's history is linear");
	if (store_changed(v->s->store, info.parent_count ? info.parent : NULL, commit, "releases", &paths, &n, &err) == 0)
		for (i = 0; i < n; i++)
			verify_release(v, &info, paths[i]);
	if (n > 1)
		problem(v, commit, NULL, "the commit changes %zu releases; every change is one event in one release", n);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	if (n == 0 && info.parent_count > 0) {
		/* A playbook change: its author must be a release manager of the playbook before it. */
		struct playbook *before = playbook_at(v->s, info.parent, PLAYBOOK_PATH, &err);
		const struct pb_person *who = before ? playbook_person_by_email(before, info.author_email) : NULL;

		if (before && !ledger_is_manager(who))
			problem(v, commit, NULL, "the playbook was changed by <%s>, who is not a release manager",
				info.author_email);
		playbook_free(before);
	}
	store_commit_info_release(&info);
}

int session_verify(struct session *s, cJSON **report, struct error *err)
{
	struct verifier v = { s, cJSON_CreateArray(), 0, 0, cJSON_CreateObject() };
	char tip[OID_HEX], cur[OID_HEX];
	char **chain = NULL;
	size_t count = 0, i;
	int rc = 0;

	if (session_tip(s, tip, err) != 0) {
		cJSON_Delete(v.problems);
		cJSON_Delete(v.releases);
		return -1;
	}
	memcpy(cur, tip, OID_HEX);
	for (;;) {
		struct store_commit_info info;

		if (store_commit_info(s->store, cur, &info, err) != 0) {
			rc = -1;
			break;
		}
		chain = xrealloc(chain, (count + 1) * sizeof(*chain));
		chain[count++] = xstrdup(cur);
		memcpy(cur, info.parent, OID_HEX);
		store_commit_info_release(&info);
		if (cur[0] == '\0')
			break;
	}
	for (i = count; rc == 0 && i-- > 0;)
		verify_commit(&v, chain[i]);
	for (i = 0; i < count; i++)
		free(chain[i]);
	free(chain);
	if (rc == 0 && cJSON_GetArraySize(v.problems) > 0) {
		const cJSON *first = cJSON_GetArrayItem(v.problems, 0);
		const cJSON *event = cJSON_GetObjectItemCaseSensitive(first, "event");

		rc = error_set(err, EXIT_DATAERR, "commit %.12s%s%s: %s (%d problem%s in all)",
			       cJSON_GetObjectItemCaseSensitive(first, "commit")->valuestring,
			       cJSON_IsString(event) ? ", event " : "", cJSON_IsString(event) ? event->valuestring : "",
			       cJSON_GetObjectItemCaseSensitive(first, "problem")->valuestring,
			       cJSON_GetArraySize(v.problems), cJSON_GetArraySize(v.problems) == 1 ? "" : "s");
	}
	if (report) {
		*report = cJSON_CreateObject();
		cJSON_AddBoolToObject(*report, "ok", rc == 0);
		cJSON_AddNumberToObject(*report, "commits", (double)v.commits);
		cJSON_AddNumberToObject(*report, "events", (double)v.events);
		cJSON_AddNumberToObject(*report, "releases", cJSON_GetArraySize(v.releases));
		cJSON_AddItemToObject(*report, "problems", v.problems);
		v.problems = NULL;
	}
	cJSON_Delete(v.problems);
	cJSON_Delete(v.releases);
	return rc;
}

int session_load_all(struct session *s, size_t last, struct release **out, size_t *count, struct error *err)
{
	cJSON *list = session_releases(s, err), *item;
	size_t n = 0, max;

	*out = NULL;
	*count = 0;
	if (list == NULL)
		return -1;
	max = (size_t)cJSON_GetArraySize(list);
	if (last && last < max)
		max = last;
	*out = xcalloc(max + 1, sizeof(**out));
	cJSON_ArrayForEach(item, list)
	{
		if (n == max)
			break;
		if (session_load_release(s, cJSON_GetObjectItemCaseSensitive(item, "version")->valuestring, &(*out)[n],
					 err) != 0) {
			release_close(&(*out)[n]);
			while (n-- > 0)
				release_close(&(*out)[n]);
			free(*out);
			*out = NULL;
			cJSON_Delete(list);
			return -1;
		}
		n++;
	}
	*count = n;
	cJSON_Delete(list);
	return 0;
}

/*
 * The judge of ledger commits (src/judge.c), one test per rule, with no git:
 * every commit is built in memory as relctl would write it (playbook.yaml and
 * its pinned copy, release documents whose view is the replay of their
 * events, the index as plan_index() leaves it), then spoilt in one way, and
 * the judge must refuse it with exit 65 and a sentence naming the commit, its
 * author and the rule.  Commit ids are made up; each commit's parent is the
 * last one judged, as sync and verify hand them over.
 *
 * Each fixture holds a judge, the playbooks it has seen, and the model of
 * the accepted ledger (release 2.6.3's events and the index), which moves on
 * only when the judge accepts a commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "brief.h"
#include "buf.h"
#include "cJSON.h"
#include "crypto.h"
#include "err.h"
#include "event.h"
#include "json.h"
#include "judge.h"
#include "ledger-view.h"
#include "ledger.h"
#include "playbook.h"
#include "util.h"

#include "test_keys.h"

#define HEAD         "relctl: 1\nname: Judge\nroles: [release-manager, product-owner, dev]\npeople:\n"
#define RITA         "  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
#define PAUL         "  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
#define DAN          "  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
#define DAN_PROMOTED "  - {id: dan, name: Dan, email: dan@example.com, roles: [dev, release-manager, product-owner]}\n"
#define DORA         "  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
#define SUE          "  - {id: sue, name: Sue, email: sue@example.com, roles: [dev]}\n"
#define PHASES                                                                                                         \
	"phases:\n"                                                                                                    \
	"  - id: testing\n"                                                                                            \
	"    steps:\n"                                                                                                 \
	"      - {id: build, title: Build, owner: dev}\n"                                                              \
	"      - {id: decide, title: Decide, kind: decision, owner: product-owner, needs: [build]}\n"

/* rita is the release manager, paul the product owner, dan and dora devs. */
static const char playbook_yaml[] = HEAD RITA PAUL DAN DORA PHASES;
/* dan made release manager and product owner as well. */
static const char promoted_yaml[] = HEAD RITA PAUL DAN_PROMOTED DORA PHASES;
/* sue joins as a dev. */
static const char grown_yaml[] = HEAD RITA PAUL DAN DORA SUE PHASES;
static const char signed_yaml[] = HEAD RITA PAUL DAN DORA PHASES "signing: required\n";
/* rita lists her key, then dan his, then sue joins (keys unchanged). */
#define RITA_KEYED "  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager], keys: [\"" KEY_ED25519 "\"]}\n"
#define DAN_KEYED  "  - {id: dan, name: Dan, email: dan@example.com, roles: [dev], keys: [\"" KEY_ECDSA256 "\"]}\n"
static const char keyed_yaml[] = HEAD RITA_KEYED PAUL DAN DORA PHASES;
static const char keyed_dan_yaml[] = HEAD RITA_KEYED PAUL DAN_KEYED DORA PHASES;
static const char keyed_dan_grown_yaml[] = HEAD RITA_KEYED PAUL DAN_KEYED DORA SUE PHASES;

#define VERSION       "2.6.3"
#define RELEASE       "releases/2.6.3.json"
#define T0            1710842400 /* 2024-03-19T10:00:00Z */
#define MAX_CHANGES   8
#define MAX_PLAYBOOKS 8

struct fx {
	struct judge *j;
	struct playbook *playbooks[MAX_PLAYBOOKS]; /* every playbook the ledger holds, oldest first */
	size_t playbook_count;
	const struct playbook *pb;     /* the one in force */
	const char *pb_text;           /* its text (a static string) */
	const struct playbook *rel_pb; /* the one release 2.6.3 is pinned to: the first */
	char rel_blob[41];
	cJSON *events;   /* the accepted events of release 2.6.3 */
	cJSON *index;    /* the accepted index.json */
	char parent[41]; /* the last commit judged */
	int commits, seq;
	time_t now;
	size_t pad; /* blanks after each release document written (JSON allows them), to make it large */
	/*
	 * A second judge fed every commit of j, which sets every release aside
	 * after each (judge_forget) and reads it back from its blob when a
	 * commit needs it: its verdicts must be j's (setup_twin); or NULL.
	 */
	struct judge *twin;
};

/* Every text drafts wrote while a twin runs, by git blob id: what the twin reads back. */
struct stored_blob {
	char id[41];
	char *text;
};
static struct stored_blob **stored;
static size_t stored_count, stored_reads;

static int stored_read_blob(void *ctx, const char *blob, size_t max, struct buf *out, struct error *err)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < stored_count; i++)
		if (strcmp(stored[i]->id, blob) == 0) {
			assert_true(strlen(stored[i]->text) <= max);
			stored_reads++;
			buf_adds(out, stored[i]->text);
			return 0;
		}
	return error_set(err, EXIT_DATAERR, "no blob %s", blob);
}

/* The id of text, kept for the twin; NULL when no twin runs. */
static const char *stored_blob(const char *text)
{
	char id[41];
	size_t i;

	if (stored == NULL)
		return NULL;
	assert_int_equal(git_blob_id(text, strlen(text), id), 0);
	for (i = 0; i < stored_count; i++)
		if (strcmp(stored[i]->id, id) == 0)
			return stored[i]->id;
	stored = xrealloc(stored, (stored_count + 1) * sizeof(*stored));
	stored[stored_count] = xcalloc(1, sizeof(**stored));
	memcpy(stored[stored_count]->id, id, sizeof(id));
	stored[stored_count]->text = xstrdup(text);
	return stored[stored_count++]->id;
}

/* One commit being written: the judge_commit and what it owns. */
struct draft {
	struct judge_commit c;
	struct judge_change changes[MAX_CHANGES];
	char id[41];
	char name[64], email[128];
	char *message;
	cJSON *events;       /* release 2.6.3's events after it, when it changes them */
	cJSON *index;        /* index.json after it, when it changes it */
	const char *pb_text; /* the playbook it changes to, or NULL */
};

/* ---------- helpers ---------- */

static void assert_contains_at(const char *text, const char *part, const char *file, int line)
{
	if (text == NULL || strstr(text, part) == NULL)
		print_error("%s:%d: wanted \"...%s...\" in \"%s\"\n", file, line, part, text ? text : "(null)");
	_assert_true(text != NULL && strstr(text, part) != NULL, "the text holds the part", file, line);
}

#define assert_contains(text, part) assert_contains_at(text, part, __FILE__, __LINE__)

static char *print_json(const cJSON *json)
{
	char *text = cJSON_Print(json), *out = xasprintf("%s\n", text);

	free(text);
	return out;
}

static struct playbook *parse_playbook(const char *text)
{
	struct error err = {0, ""};
	struct playbook *pb = playbook_load_text("playbook.yaml", text, strlen(text), &err);

	if (pb == NULL)
		print_error("the test playbook does not load: %s\n", err.message);
	assert_non_null(pb);
	return pb;
}

static void blob_of(const char *text, char out[41])
{
	assert_int_equal(git_blob_id(text, strlen(text), out), 0);
}

/* Event id "e003" in the form relctl writes, 32 lowercase hex digits. */
#define EID(short_id) "0000000000000000000000000000" short_id

/* An event at f->now, with the next id (EID("e001"), EID("e002"), ...); the clock moves on a minute. */
static cJSON *ev(struct fx *f, const char *actor, const char *op, const char *step)
{
	char id[48];
	cJSON *e;

	snprintf(id, sizeof(id), EID("e%03d"), ++f->seq % 1000);
	e = ledger_event_new(id, f->now, actor, op, step);
	cJSON_AddNumberToObject(e, "candidate", 1);
	f->now += 60;
	return e;
}

static cJSON *with(cJSON *e, const char *key, const char *value)
{
	cJSON_AddStringToObject(e, key, value);
	return e;
}

static cJSON *finding(struct fx *f, const char *actor, const char *title)
{
	char id[16];

	snprintf(id, sizeof(id), "F-%06x", f->seq + 1);
	return with(with(with(ev(f, actor, "finding-add", NULL), "finding", id), "title", title), "severity",
	            "blocker");
}

/* A copy of the accepted events with the given ones (taken, NULL-terminated) appended. */
static cJSON *appended(struct fx *f, ...)
{
	cJSON *events = cJSON_Duplicate(f->events, 1), *e;
	va_list ap;

	va_start(ap, f);
	while ((e = va_arg(ap, cJSON *)) != NULL)
		cJSON_AddItemToArray(events, e);
	va_end(ap);
	return events;
}

/* events with e (taken) appended. */
static cJSON *appended_to(cJSON *events, cJSON *e)
{
	cJSON_AddItemToArray(events, e);
	return events;
}

/*
 * The state after events, each applied as a new event; a refused one is
 * left out of the state (the document then holds an event its view does not
 * reflect, as a careless hand would write it).
 */
static struct release_state *replay_new(const struct playbook *pb, const char *version, const cJSON *events)
{
	struct release_state *st = release_state_new(pb, version);
	const cJSON *e;

	cJSON_ArrayForEach (e, events) {
		struct error ignored;

		ledger_apply_new(st, e, &ignored);
	}
	return st;
}

/* Release version's document as relctl writes it: header, events, the view of their replay. */
static cJSON *release_doc(struct fx *f, const char *version, const cJSON *events, struct release_state **state)
{
	cJSON *doc = cJSON_CreateObject(), *pin;
	struct release_state *st = replay_new(f->rel_pb, version, events);

	cJSON_AddNumberToObject(doc, "format", LEDGER_FORMAT);
	cJSON_AddStringToObject(doc, "version", version);
	pin = cJSON_AddObjectToObject(doc, "playbook");
	cJSON_AddStringToObject(pin, "name", f->rel_pb->name);
	cJSON_AddStringToObject(pin, "blob", f->rel_blob);
	cJSON_AddItemToObject(doc, "events", cJSON_Duplicate(events, 1));
	ledger_write_view(st, doc);
	*state = st;
	return doc;
}

/* ---------- drafts ---------- */

static void draft_by(struct fx *f, struct draft *d, const char *name, const char *email)
{
	memset(d, 0, sizeof(*d));
	f->commits++;
	snprintf(d->id, sizeof(d->id), "c%03x%036x", (unsigned)f->commits, (unsigned)f->commits);
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->email, sizeof(d->email), "%s", email);
	d->c.id = d->id;
	d->c.parent = f->parent;
	d->c.parent_count = f->parent[0] ? 1 : 0;
	d->c.author_name = d->name;
	d->c.author_email = d->email;
	d->c.time = f->now;
	d->c.message = "";
	d->c.changes = d->changes;
	d->c.signature = JUDGE_UNSIGNED;
}

/* A commit by a person of the playbook in force. */
static void draft(struct fx *f, struct draft *d, const char *who)
{
	const struct pb_person *p = playbook_person(f->pb, who);

	assert_non_null(p);
	draft_by(f, d, p->name, p->email);
}

static struct judge_change *draft_change(struct draft *d, const char *path)
{
	size_t i;

	for (i = 0; i < d->c.change_count; i++)
		if (strcmp(d->changes[i].path, path) == 0)
			return &d->changes[i];
	return NULL;
}

/* Writes path (a copy of text; NULL deletes it), replacing an earlier write of the draft. */
static void draft_file(struct draft *d, const char *path, const char *text)
{
	struct judge_change *ch = draft_change(d, path);

	if (ch == NULL) {
		assert_true(d->c.change_count < MAX_CHANGES);
		ch = &d->changes[d->c.change_count++];
		ch->path = xstrdup(path);
	} else {
		free((char *)ch->data);
	}
	ch->deleted = text == NULL;
	ch->regular = true;
	ch->data = text ? xstrdup(text) : NULL;
	ch->len = text ? strlen(text) : 0;
	ch->blob = text ? stored_blob(text) : NULL;
}

/* Takes path out of the draft, as if the commit did not touch it. */
static void draft_drop(struct draft *d, const char *path)
{
	struct judge_change *ch = draft_change(d, path);

	assert_non_null(ch);
	free((char *)ch->path);
	free((char *)ch->data);
	memmove(ch, ch + 1, (size_t)(&d->changes[d->c.change_count] - (ch + 1)) * sizeof(*ch));
	d->c.change_count--;
}

static void draft_release(struct draft *d)
{
	size_t i;

	for (i = 0; i < d->c.change_count; i++) {
		free((char *)d->changes[i].path);
		free((char *)d->changes[i].data);
	}
	free(d->message);
	cJSON_Delete(d->events);
	cJSON_Delete(d->index);
	memset(d, 0, sizeof(*d));
}

static void draft_message(struct draft *d, char *message)
{
	free(d->message);
	d->message = message;
	d->c.message = message;
}

/*
 * Writes doc (taken) as its release's file, and the index as plan_index()
 * leaves it after st: an entry is rewritten only when the release's status
 * or candidate changed, and index.json is written only then.
 */
static void draft_doc(struct fx *f, struct draft *d, cJSON *doc, const struct release_state *st)
{
	const char *version = st->version;
	char *path = xasprintf("releases/%s.json", version), *text = print_json(doc);
	cJSON *index = cJSON_Duplicate(d->index ? d->index : f->index, 1);
	cJSON *releases = cJSON_GetObjectItemCaseSensitive(index, "releases"), *entry;
	const char *status;
	const cJSON *candidate;
	char t[32];

	if (f->pad) {
		size_t n = strlen(text);

		text = xrealloc(text, n + f->pad + 1);
		memset(text + n, ' ', f->pad);
		text[n + f->pad] = '\0';
	}
	draft_file(d, path, text);
	free(path);
	free(text);
	if (strcmp(version, VERSION) == 0) {
		cJSON_Delete(d->events);
		d->events = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "events"), 1);
	}
	cJSON_Delete(doc);
	entry = cJSON_GetObjectItemCaseSensitive(releases, st->version);
	status = json_string(entry, "status");
	candidate = cJSON_GetObjectItemCaseSensitive(entry, "candidate");
	if (status && strcmp(status, release_status_name(st->status)) == 0 && cJSON_IsNumber(candidate) &&
	    candidate->valueint == st->candidate) {
		cJSON_Delete(index);
		return;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(releases, st->version);
	entry = cJSON_AddObjectToObject(releases, st->version);
	cJSON_AddStringToObject(entry, "status", release_status_name(st->status));
	cJSON_AddNumberToObject(entry, "candidate", st->candidate);
	cJSON_AddStringToObject(entry, "started", time_format(st->started_at, t, sizeof(t)));
	cJSON_AddStringToObject(entry, "playbook", st->pb->name);
	text = print_json(index);
	draft_file(d, "index.json", text);
	free(text);
	cJSON_Delete(d->index);
	d->index = index;
}

/* Release version with events (taken), as relctl would write it. */
static void draft_events_of(struct fx *f, struct draft *d, const char *version, cJSON *events)
{
	struct release_state *st;
	cJSON *doc = release_doc(f, version, events, &st);

	draft_doc(f, d, doc, st);
	release_state_free(st);
	cJSON_Delete(events);
}

static void draft_events(struct fx *f, struct draft *d, cJSON *events)
{
	draft_events_of(f, d, VERSION, events);
}

/* A commit by who appending e (taken) to release 2.6.3. */
static void draft_event(struct fx *f, struct draft *d, const char *who, cJSON *e)
{
	draft(f, d, who);
	draft_events(f, d, appended(f, e, NULL));
}

/* playbook.yaml and its pinned copy playbooks/BLOB.yaml, as relctl writes a playbook. */
static void draft_playbook(struct draft *d, const char *text)
{
	char blob[41], *pinned;

	blob_of(text, blob);
	pinned = xasprintf("playbooks/%s.yaml", blob);
	draft_file(d, "playbook.yaml", text);
	draft_file(d, pinned, text);
	free(pinned);
	d->pb_text = text;
}

static void draft_first(struct fx *f, struct draft *d, const char *who)
{
	char *index = print_json(f->index);

	draft(f, d, who);
	draft_file(d, "README.md", "# The release ledger\n\nWritten by relctl; see playbook.yaml.\n");
	draft_playbook(d, f->pb_text);
	draft_file(d, "index.json", index);
	free(index);
}

/* The accepted model moves on to d. */
static void adopt(struct fx *f, struct draft *d)
{
	snprintf(f->parent, sizeof(f->parent), "%s", d->id);
	if (d->events) {
		cJSON_Delete(f->events);
		f->events = d->events;
		d->events = NULL;
	}
	if (d->index) {
		cJSON_Delete(f->index);
		f->index = d->index;
		d->index = NULL;
	}
	if (d->pb_text && d->c.parent_count) {
		assert_true(f->playbook_count < MAX_PLAYBOOKS);
		f->playbooks[f->playbook_count] = parse_playbook(d->pb_text);
		f->pb = f->playbooks[f->playbook_count++];
		f->pb_text = d->pb_text;
	}
}

/* judge_commit accepts d; the model moves on. */
/* The twin judges d as j did (rc), then sets every release aside. */
static void twin_commit(struct fx *f, struct draft *d, int rc, bool try, const char *file, int line)
{
	struct error err = {0, ""};

	if (f->twin == NULL)
		return;
	_assert_int_equal((uintmax_t)(try ? judge_try(f->twin, &d->c, &err) : judge_commit(f->twin, &d->c, &err)),
			  (uintmax_t)rc, file, line);
	_assert_string_equal(judge_accepted(f->twin), judge_accepted(f->j), file, line);
	_assert_int_equal(judge_event_count(f->twin), judge_event_count(f->j), file, line);
	_assert_int_equal(judge_release_count(f->twin), judge_release_count(f->j), file, line);
	judge_forget(f->twin, 0);
}

static void accept_at(struct fx *f, struct draft *d, const char *file, int line)
{
	struct error err = {0, ""};
	int rc = judge_commit(f->j, &d->c, &err);

	twin_commit(f, d, rc, false, file, line);

	if (rc != 0)
		print_error("%s:%d: refused (%d): %s\n", file, line, err.code, err.message);
	_assert_int_equal((uintmax_t)rc, 0, file, line);
	_assert_string_equal(judge_accepted(f->j), d->id, file, line);
	adopt(f, d);
	draft_release(d);
}

/* The opening every refusal has: "commit ID12 by Name <email>". */
static void assert_names_commit_at(const struct draft *d, const char *message, const char *file, int line)
{
	char opening[256];

	snprintf(opening, sizeof(opening), "commit %.12s by %s <%s>", d->id, d->name, d->email);
	assert_contains_at(message, opening, file, line);
}

/*
 * judge_commit refuses d with 65 and a message holding part; the refusal is
 * the newest incident, the accepted commit stays, and the next commit is to
 * follow d.
 */
static void refuse_at(struct fx *f, struct draft *d, const char *part, const char *file, int line)
{
	struct error err = {0, ""};
	char *accepted = xstrdup(judge_accepted(f->j));
	size_t before, after;
	const struct judge_incident *in;
	int rc;

	judge_incidents(f->j, &before);
	rc = judge_commit(f->j, &d->c, &err);
	twin_commit(f, d, rc, false, file, line);
	if (rc == 0)
		print_error("%s:%d: accepted, but \"...%s...\" was expected\n", file, line, part);
	_assert_int_equal((uintmax_t)rc, (uintmax_t)-1, file, line);
	_assert_int_equal(err.code, EXIT_DATAERR, file, line);
	assert_contains_at(err.message, part, file, line);
	assert_names_commit_at(d, err.message, file, line);
	in = judge_incidents(f->j, &after);
	_assert_int_equal(after, before + 1, file, line);
	_assert_string_equal(in[after - 1].commit, d->id, file, line);
	assert_contains_at(in[after - 1].problem, part, file, line);
	_assert_string_equal(judge_accepted(f->j), accepted, file, line);
	_assert_true(!judge_clean(f->j), "the judge is not clean", file, line);
	free(accepted);
	snprintf(f->parent, sizeof(f->parent), "%s", d->id);
	draft_release(d);
}

/* judge_try refuses d the same way, and nothing about the judge changes. */
static void try_refused_at(struct fx *f, struct draft *d, const char *part, const char *file, int line)
{
	struct error err = {0, ""};
	char *accepted = xstrdup(judge_accepted(f->j));
	bool clean = judge_clean(f->j);
	size_t before, after, events = judge_event_count(f->j), releases = judge_release_count(f->j);
	int rc;

	judge_incidents(f->j, &before);
	rc = judge_try(f->j, &d->c, &err);
	twin_commit(f, d, rc, true, file, line);
	if (rc == 0)
		print_error("%s:%d: accepted, but \"...%s...\" was expected\n", file, line, part);
	_assert_int_equal((uintmax_t)rc, (uintmax_t)-1, file, line);
	_assert_int_equal(err.code, EXIT_DATAERR, file, line);
	assert_contains_at(err.message, part, file, line);
	assert_names_commit_at(d, err.message, file, line);
	judge_incidents(f->j, &after);
	_assert_int_equal(after, before, file, line);
	_assert_string_equal(judge_accepted(f->j), accepted, file, line);
	_assert_true(judge_clean(f->j) == clean, "judge_clean is as it was", file, line);
	_assert_int_equal(judge_event_count(f->j), events, file, line);
	_assert_int_equal(judge_release_count(f->j), releases, file, line);
	free(accepted);
	draft_release(d);
}

#define accept(f, d)            accept_at(f, d, __FILE__, __LINE__)
#define refuse(f, d, part)      refuse_at(f, d, part, __FILE__, __LINE__)
#define try_refused(f, d, part) try_refused_at(f, d, part, __FILE__, __LINE__)

/* Commits release 2.6.3's next events (taken, NULL-terminated) one per commit, each by its actor. */
static void commit_events(struct fx *f, ...)
{
	struct draft d;
	cJSON *e;
	va_list ap;

	va_start(ap, f);
	while ((e = va_arg(ap, cJSON *)) != NULL) {
		draft(f, &d, json_string(e, "actor"));
		draft_events(f, &d, appended(f, e, NULL));
		accept(f, &d);
	}
	va_end(ap);
}

static void start_release(struct fx *f)
{
	commit_events(f, ev(f, "rita", "start", NULL), NULL);
}

/* The brief hash of release 2.6.3 as accepted: what a decision made now carries. */
static void brief_now(struct fx *f, char hash[65])
{
	struct release_state *st = replay_new(f->rel_pb, VERSION, f->events);

	assert_int_equal(brief_state_hash(st, NULL, hash), 0);
	release_state_free(st);
}

static cJSON *decision(struct fx *f, const char *actor, const char *hash)
{
	cJSON *e = with(with(ev(f, actor, "decide", NULL), "decision", "ship"), "reason", "the build is good");

	return hash ? with(e, "brief_hash", hash) : e;
}

/* ---------- fixtures ---------- */

static struct fx *fixture_new(const char *text)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->j = judge_new(NULL, NULL);
	f->playbooks[0] = parse_playbook(text);
	f->playbook_count = 1;
	f->pb = f->rel_pb = f->playbooks[0];
	f->pb_text = text;
	blob_of(text, f->rel_blob);
	f->events = cJSON_CreateArray();
	f->index = cJSON_CreateObject();
	cJSON_AddNumberToObject(f->index, "format", LEDGER_FORMAT);
	cJSON_AddObjectToObject(f->index, "releases");
	f->now = T0;
	return f;
}

/* A judge before the first commit. */
static int setup_empty(void **state)
{
	*state = fixture_new(playbook_yaml);
	return 0;
}

/* A judge that accepted the first commit, by rita. */
static int setup(void **state)
{
	struct fx *f = fixture_new(playbook_yaml);
	struct draft d;

	draft_first(f, &d, "rita");
	accept(f, &d);
	*state = f;
	return 0;
}

/* A judge that accepted the first commit, with a twin that sets every release aside after each commit. */
static int setup_twin(void **state)
{
	struct judge_source source = { NULL, NULL, NULL, stored_read_blob };
	struct fx *f;
	struct draft d;

	stored = xcalloc(1, sizeof(*stored));
	stored_count = stored_reads = 0;
	f = fixture_new(playbook_yaml);
	f->twin = judge_new(NULL, &source);
	draft_first(f, &d, "rita");
	accept(f, &d);
	*state = f;
	return 0;
}

/* The same with a playbook that says signing: required, the first commit signed by rita. */
static int setup_signed(void **state)
{
	struct fx *f = fixture_new(signed_yaml);
	struct draft d;

	draft_first(f, &d, "rita");
	d.c.signature = JUDGE_SIGNED;
	d.c.signer = "rita@example.com";
	accept(f, &d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	size_t i;

	judge_free(f->j);
	judge_free(f->twin);
	for (i = 0; stored && i < stored_count; i++) {
		free(stored[i]->text);
		free(stored[i]);
	}
	free(stored);
	stored = NULL;
	stored_count = 0;
	for (i = 0; i < f->playbook_count; i++)
		playbook_free(f->playbooks[i]);
	cJSON_Delete(f->events);
	cJSON_Delete(f->index);
	free(f);
	return 0;
}

/* ---------- the first commit ---------- */

static void test_the_first_commit_holds_the_playbook_its_pinned_copy_and_an_empty_index(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char id[41];

	assert_string_equal(judge_accepted(f->j), "");
	assert_string_equal(judge_root(f->j), "");
	draft_first(f, &d, "rita");
	snprintf(id, sizeof(id), "%s", d.id);
	accept(f, &d);
	assert_string_equal(judge_root(f->j), id);
	assert_string_equal(judge_accepted(f->j), id);
	assert_true(judge_clean(f->j));
	assert_int_equal(judge_release_count(f->j), 0);
	assert_int_equal(judge_event_count(f->j), 0);
	/* The ledger now holds the playbook: a release pinned to it starts. */
	start_release(f);
	assert_int_equal(judge_release_count(f->j), 1);
	assert_int_equal(judge_event_count(f->j), 1);
}

static void test_the_first_commit_without_its_pinned_copy_or_an_empty_index_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char blob[41], *pinned;

	blob_of(playbook_yaml, blob);
	pinned = xasprintf("playbooks/%s.yaml", blob);

	draft_first(f, &d, "rita");
	draft_drop(&d, pinned);
	try_refused(f, &d, "the new playbook has no pinned copy playbooks/");

	draft_first(f, &d, "rita");
	draft_file(&d, pinned, HEAD RITA PAUL PHASES);
	try_refused(f, &d, "...yaml is not a copy of playbook.yaml");

	draft_first(f, &d, "rita");
	draft_file(&d, "index.json", "{\"format\": 1, \"releases\": {\"2.6.3\": {\"status\": \"open\"}}}\n");
	try_refused(f, &d, "the first commit's index.json is not an empty index of format 1");

	draft_first(f, &d, "rita");
	draft_file(&d, "index.json", "{\"format\": 2, \"releases\": {}}\n");
	try_refused(f, &d, "the first commit's index.json is not an empty index of format 1");

	draft_first(f, &d, "rita");
	draft_drop(&d, "index.json");
	try_refused(f, &d, "the first commit's index.json is not an empty index of format 1");

	draft(f, &d, "rita");
	draft_file(&d, "index.json", "{\"format\": 1, \"releases\": {}}\n");
	try_refused(f, &d, "the first commit has no playbook.yaml");

	draft_first(f, &d, "rita");
	draft_events(f, &d, appended(f, ev(f, "rita", "start", NULL), NULL));
	try_refused(f, &d,
	            "the first commit writes releases/2.6.3.json; it holds only the playbook, the index and README.md");

	/* None of those changed the judge: the right first commit is still the first. */
	draft_first(f, &d, "rita");
	accept(f, &d);
	free(pinned);
}

static void test_the_first_commits_author_must_be_a_person_of_its_playbook(void **state)
{
	struct fx *f = *state;
	struct draft d;

	draft_first(f, &d, "rita");
	snprintf(d.email, sizeof(d.email), "mallory@example.com");
	snprintf(d.name, sizeof(d.name), "Mallory");
	refuse(f, &d, "the first commit's author <mallory@example.com> is not a person of its playbook");
	assert_string_equal(judge_root(f->j), "");
}

static void test_a_second_root_commit_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct error err = {0, ""};
	size_t count;

	/* A root handed over as it is in git (no parent): it does not follow the history judged. */
	draft_first(f, &d, "rita");
	d.c.parent = "";
	d.c.parent_count = 0;
	assert_int_equal(judge_commit(f->j, &d.c, &err), -1);
	assert_int_equal(err.code, EXIT_SOFTWARE);
	assert_contains(err.message, "does not follow the last commit judged");
	judge_incidents(f->j, &count);
	assert_int_equal(count, 0);
	assert_true(judge_clean(f->j));
	draft_release(&d);

	/* A root handed over in the history's place: refused as a second root. */
	draft_first(f, &d, "rita");
	d.c.parent_count = 0;
	refuse(f, &d, "a second root commit: the ledger has one history");
}

static void test_relctl_root_pins_the_first_commit(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char prefix[13];

	judge_pin_root(f->j, "f00df00df00df00df00df00df00df00df00df00d");
	draft_first(f, &d, "rita");
	try_refused(f, &d, "but git config relctl.root pins f00df00df00d: it is not your team's ledger");

	/* A prefix is no pin: a root could be ground to match it (the session refuses one, 78). */
	draft_first(f, &d, "rita");
	snprintf(prefix, sizeof(prefix), "%.12s", d.id);
	judge_pin_root(f->j, prefix);
	try_refused(f, &d, "it is not your team's ledger");

	/* The full id is. */
	draft_first(f, &d, "rita");
	judge_pin_root(f->j, d.id);
	accept(f, &d);
	assert_string_equal(judge_root(f->j), f->parent);
}

/* ---------- files a commit may touch ---------- */

static void test_a_commit_writing_a_path_that_is_not_a_ledger_file_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "notes.txt", "hello\n");
	try_refused(f, &d, "it writes notes.txt, which is not a ledger file");

	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "playbooks/latest.yaml", playbook_yaml);
	try_refused(f, &d, "it writes playbooks/latest.yaml, which is not a ledger file");

	draft(f, &d, "dan");
	draft_file(&d, "releases/../2.6.3.json", "{}\n");
	try_refused(f, &d, "it writes releases/../2.6.3.json, which is not a ledger file");
}

static void test_a_commit_deleting_a_file_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft(f, &d, "rita");
	draft_file(&d, RELEASE, NULL);
	try_refused(f, &d, "it deletes releases/2.6.3.json; the ledger only grows");

	draft_event(f, &d, "rita", with(ev(f, "rita", "skip", "build"), "reason", "prebuilt"));
	draft_file(&d, "README.md", NULL);
	refuse(f, &d, "it deletes README.md; the ledger only grows");
}

static void test_a_file_that_is_not_a_plain_file_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_change(&d, RELEASE)->regular = false;
	refuse(f, &d, "releases/2.6.3.json is not a plain file");
}

/* path as git reports a file turned into a symlink: the file deleted, then a link added. */
static void draft_symlink(struct draft *d, const char *path)
{
	struct judge_change *deleted, *link;
	const struct judge_change *was = draft_change(d, path);
	char *target = xstrdup(was ? was->data : "index.json");

	if (was)
		draft_drop(d, path);
	assert_true(d->c.change_count + 2 <= MAX_CHANGES);
	deleted = &d->changes[d->c.change_count++];
	memset(deleted, 0, sizeof(*deleted));
	deleted->path = xstrdup(path);
	deleted->deleted = true;
	link = &d->changes[d->c.change_count++];
	memset(link, 0, sizeof(*link));
	link->path = xstrdup(path);
	link->mode = 0120000;
	link->data = target;
	link->len = strlen(target);
}

static void test_a_file_turned_into_a_symlink_is_named_as_such_not_as_deleted(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_symlink(&d, "index.json");
	try_refused(f, &d, "index.json is not a plain file (a symlink)");

	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_symlink(&d, RELEASE);
	try_refused(f, &d, "releases/2.6.3.json is not a plain file (a symlink)");

	/* A restore cannot leave one either. */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "README.md", "# dan's ledger\n");
	refuse(f, &d, "it rewrites README.md");
	draft(f, &d, "rita");
	draft_file(&d, "README.md", "# The release ledger\n\nWritten by relctl; see playbook.yaml.\n");
	draft_symlink(&d, "index.json");
	draft_message(&d, xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n", judge_accepted(f->j)));
	try_refused(f, &d, "index.json is not a plain file (a symlink)");
}

static void test_readme_is_written_by_the_first_commit_only(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "README.md", "# Ours now\n");
	refuse(f, &d, "it rewrites README.md, which only the first commit writes");
}

static void test_a_merge_commit_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	d.c.parent_count = 2;
	refuse(f, &d, "a merge commit: the ledger's history is linear");
}

static void test_a_commit_changes_exactly_one_release(void **state)
{
	struct fx *f = *state;
	struct draft d;

	draft(f, &d, "rita");
	try_refused(f, &d, "the commit changes no release and not the playbook");

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	draft_events_of(f, &d, "2.7.0", appended(f, ev(f, "rita", "start", NULL), NULL));
	try_refused(f, &d, "the commit changes 2 releases; every change is one event in one release");
}

/* ---------- release commits ---------- */

static void test_a_release_commit_appends_exactly_one_event(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft(f, &d, "dan");
	draft_events(f, &d, appended(f, NULL));
	try_refused(
	    f, &d,
	    "releases/2.6.3.json: the commit appends 0 events; every change is exactly one event and one commit");

	draft(f, &d, "dan");
	draft_events(f, &d, appended(f, ev(f, "dan", "claim", "build"), ev(f, "dan", "done", "build"), NULL));
	try_refused(
	    f, &d,
	    "releases/2.6.3.json: the commit appends 2 events; every change is exactly one event and one commit");

	/* A release begins with one event too: start alone. */
	draft(f, &d, "rita");
	draft_events_of(f, &d, "2.7.0", cJSON_CreateArray());
	try_refused(f, &d, "releases/2.7.0.json: the commit appends 0 events");

	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	assert_int_equal(judge_event_count(f->j), 2);
}

static void test_an_earlier_event_changed_or_removed_is_refused_naming_it(void **state)
{
	struct fx *f = *state;
	struct draft d;
	const struct judge_incident *in;
	cJSON *events;
	size_t count;
	time_t at;

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL); /* e002 */

	/* dan's claim moved an hour earlier, and his done appended. */
	draft(f, &d, "dan");
	events = appended(f, ev(f, "dan", "done", "build"), NULL);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(events, 1), "time",
	                                       cJSON_CreateString("2024-03-19T09:01:00Z"));
	draft_events(f, &d, events);
	try_refused(
	    f, &d,
	    "event " EID(
	        "e002") ": releases/2.6.3.json: an earlier event was changed or removed; the ledger is append-only");

	/* The claim dropped, a done of dora's in its place. */
	draft(f, &d, "dora");
	events = appended(f, ev(f, "dora", "claim", "build"), NULL);
	cJSON_DeleteItemFromArray(events, 1);
	draft_events(f, &d, events);
	at = d.c.time;
	refuse(f, &d, "an earlier event was changed or removed");
	in = judge_incidents(f->j, &count);
	assert_int_equal(count, 1);
	assert_string_equal(in[0].event, EID("e002"));
	assert_string_equal(in[0].author, "Dora <dora@example.com>");
	assert_int_equal(in[0].time, at);
	assert_null(in[0].restored_by);
}

/*
 * A walk over a long history keeps few releases replayed (judge_forget):
 * one set aside is read back from its blob, and every verdict is the one a
 * judge that kept it gives (the twin of setup_twin checks each commit).
 */
static void test_a_release_set_aside_is_read_back_from_its_blob_and_judged_the_same(void **state)
{
	struct fx *f = *state;
	struct draft d;
	cJSON *events;
	size_t reads;

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	draft(f, &d, "rita");
	draft_events_of(f, &d, "2.7.0", appended_to(cJSON_CreateArray(), ev(f, "rita", "start", NULL)));
	accept(f, &d);
	reads = stored_reads;
	/* Both releases were set aside; dan's done reads 2.6.3 back. */
	commit_events(f, ev(f, "dan", "done", "build"), NULL);
	assert_true(stored_reads > reads);
	/* A rewritten history is refused from what was read back, as from what was kept. */
	draft(f, &d, "dora");
	events = appended(f, ev(f, "dora", "claim", "plan"), NULL);
	cJSON_DeleteItemFromArray(events, 1);
	draft_events(f, &d, events);
	refuse(f, &d, "an earlier event was changed or removed");
	assert_int_equal(judge_release_count(f->twin), 2);
}

static void test_an_event_id_used_twice_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	const struct judge_incident *in;
	size_t count;
	cJSON *e;

	start_release(f); /* e001 */
	draft(f, &d, "dan");
	e = ev(f, "dan", "claim", "build");
	cJSON_ReplaceItemInObjectCaseSensitive(e, "id", cJSON_CreateString(EID("e001")));
	draft_events(f, &d, appended(f, e, NULL));
	refuse(f, &d, "releases/2.6.3.json: event id " EID("e001") " is used twice");
	in = judge_incidents(f->j, &count);
	assert_string_equal(in[count - 1].event, EID("e001"));
}

/* relctl has written every event id with random_hex(): 32 lowercase hex digits, since its first version. */
static void test_an_event_id_not_in_the_form_relctl_writes_is_refused(void **state)
{
	static const char *const bad[] = {"x", "E0000000000000000000000000000002", "0000000000000000000000000000e02",
	                                  "0000000000000000000000000000e0020", "0000000000000000000000000000e00-"};
	struct fx *f = *state;
	struct draft d;
	char part[200];
	size_t i;
	cJSON *e;

	start_release(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		draft(f, &d, "dan");
		e = ev(f, "dan", "claim", "build");
		cJSON_ReplaceItemInObjectCaseSensitive(e, "id", cJSON_CreateString(bad[i]));
		draft_events(f, &d, appended(f, e, NULL));
		snprintf(
		    part, sizeof(part),
		    "releases/2.6.3.json: event id \"%s\" is not in the form relctl writes (32 lowercase hex digits)",
		    bad[i]);
		try_refused(f, &d, part);
	}
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
}

/*
 * Every relctl has written the candidate of each event, and a flag only when
 * it is true: an event without its candidate skipped the check that it was
 * made for this candidate, and "forced": false is nothing relctl writes.
 */
static void test_an_event_carries_its_candidate_and_its_flags_only_as_true(void **state)
{
	struct fx *f = *state;
	struct draft d;
	cJSON *e;

	start_release(f);
	draft(f, &d, "dan");
	e = ev(f, "dan", "claim", "build");
	cJSON_DeleteItemFromObjectCaseSensitive(e, "candidate");
	draft_events(f, &d, appended(f, e, NULL));
	try_refused(f, &d, "event " EID("e002") " (claim) lacks its \"candidate\"");

	draft(f, &d, "dan");
	e = finding(f, "dan", "the build is red");
	cJSON_AddFalseToObject(e, "close");
	cJSON_ReplaceItemInObjectCaseSensitive(e, "op", cJSON_CreateString("finding-update"));
	cJSON_DeleteItemFromObjectCaseSensitive(e, "title");
	cJSON_DeleteItemFromObjectCaseSensitive(e, "severity");
	draft_events(f, &d, appended(f, e, NULL));
	try_refused(f, &d, "has a bad \"close\" (true, or no field at all: relctl writes only true)");

	draft(f, &d, "rita");
	e = ev(f, "rita", "start", NULL);
	cJSON_AddFalseToObject(e, "rehearsal");
	draft_events_of(f, &d, "2.7.0", appended_to(cJSON_CreateArray(), e));
	try_refused(f, &d, "has a bad \"rehearsal\" (true, or no field at all: relctl writes only true)");
}

static void test_an_event_the_rules_refuse_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), ev(f, "dan", "done", "build"), NULL);

	/* A dev decides. */
	draft_event(f, &d, "dan", decision(f, "dan", "0000"));
	try_refused(f, &d, "dan cannot decide: only a product-owner can");

	/* A misspelt field is not ignored. */
	draft_event(f, &d, "rita", with(ev(f, "rita", "reopen", "build"), "reasn", "flaky"));
	try_refused(f, &d, "has the field \"reasn\", which reopen events do not carry");

	/* A claim of a step someone holds. */
	commit_events(f, with(ev(f, "rita", "reopen", "build"), "reason", "flaky"), ev(f, "dan", "claim", "build"),
	              NULL);
	draft_event(f, &d, "dora", ev(f, "dora", "claim", "build"));
	refuse(f, &d, "build is already claimed by dan");
}

/* An event of f dated when rather than at the fixture's clock. */
static cJSON *dated(cJSON *e, time_t when)
{
	char t[32];

	cJSON_ReplaceItemInObject(e, "time", cJSON_CreateString(time_format(when, t, sizeof(t))));
	return e;
}

static void test_event_times_are_judged_against_the_release_and_the_judging_clock(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	judge_set_clock(f->j, T0 + 600);
	/* A claim dated a day ahead of the judge's clock, one dated 1970, one three days before the start. */
	draft_event(f, &d, "dan", dated(ev(f, "dan", "claim", "build"), T0 + 600 + 86400));
	try_refused(f, &d, "dan's clock is 1 day ahead of the judging clock (2024-03-19T10:10:00Z)");
	draft_event(f, &d, "dan", dated(ev(f, "dan", "claim", "build"), 0));
	try_refused(f, &d, "dan's claim of build is dated 1970-01-01T00:00:00Z, 54 years before release 2.6.3's start");
	draft_event(f, &d, "dan", dated(ev(f, "dan", "claim", "build"), T0 - 3 * 86400));
	try_refused(f, &d, "3 days before release 2.6.3's start");
	/* A clock two minutes ahead is honest skew. */
	draft_event(f, &d, "dan", dated(ev(f, "dan", "claim", "build"), T0 + 600 + 120));
	accept(f, &d);
	/* A done before its claim, beyond the skew. */
	draft_event(f, &d, "dan", dated(ev(f, "dan", "done", "build"), T0 + 600 + 120 - 3600));
	refuse(f, &d, "1 hour before the last change of build (claimed)");
}

static void test_history_judged_later_stays_valid(void **state)
{
	struct fx *f = *state;
	struct draft d;

	/* A judge whose clock is a year on (verify of old history) takes events dated at their time. */
	judge_set_clock(f->j, T0 + 365 * 86400);
	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	accept(f, &d);
}

static void test_the_commits_author_must_be_the_events_actor(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dora", ev(f, "dan", "claim", "build"));
	try_refused(f, &d, "the commit's author <dora@example.com> is not the event's actor dan <dan@example.com>");

	/* Someone the playbook does not list. */
	draft_by(f, &d, "Mallory", "mallory@example.com");
	draft_events(f, &d, appended(f, ev(f, "dan", "claim", "build"), NULL));
	try_refused(f, &d, "the commit's author <mallory@example.com> is not the event's actor dan <dan@example.com>");

	/* Emails compare without case. */
	draft_by(f, &d, "Dan", "Dan@Example.com");
	draft_events(f, &d, appended(f, ev(f, "dan", "claim", "build"), NULL));
	accept(f, &d);
}

/* dan's claim of build, its document spoilt by edit before it is written. */
static void draft_spoilt_claim(struct fx *f, struct draft *d, void (*edit)(cJSON *doc))
{
	struct release_state *st;
	cJSON *events = appended(f, ev(f, "dan", "claim", "build"), NULL), *doc = release_doc(f, VERSION, events, &st);

	draft(f, d, "dan");
	edit(doc);
	draft_doc(f, d, doc, st);
	release_state_free(st);
	cJSON_Delete(events);
}

static void build_said_done(cJSON *doc)
{
	cJSON *build = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "steps"), "build");

	cJSON_ReplaceItemInObjectCaseSensitive(build, "state", cJSON_CreateString("done"));
}

static void status_removed(cJSON *doc)
{
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "status");
}

static void extra_field(cJSON *doc)
{
	cJSON_AddTrueToObject(doc, "approved");
}

static void version_changed(cJSON *doc)
{
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "version", cJSON_CreateString("2.6.4"));
}

static void pin_renamed(cJSON *doc)
{
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "playbook"), "name",
	                                       cJSON_CreateString("Other"));
}

static void format_older(cJSON *doc)
{
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "format", cJSON_CreateNumber(LEDGER_FORMAT - 1));
}

static void format_newer(cJSON *doc)
{
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "format", cJSON_CreateNumber(LEDGER_FORMAT + 1));
}

static void format_fraction(cJSON *doc)
{
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "format", cJSON_CreateNumber(LEDGER_FORMAT + 0.5));
}

static void format_string(cJSON *doc)
{
	cJSON_ReplaceItemInObjectCaseSensitive(doc, "format", cJSON_CreateString("1"));
}

static void pinned_elsewhere(cJSON *doc)
{
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "playbook"), "blob",
	                                       cJSON_CreateString("b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"));
}

static void test_the_stored_view_must_be_the_replay_of_the_events(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_spoilt_claim(f, &d, build_said_done);
	try_refused(
	    f, &d, "event " EID("e002") ": releases/2.6.3.json: the stored steps view is not the replay of its events");

	draft_spoilt_claim(f, &d, status_removed);
	refuse(f, &d, "the stored steps view is not the replay of its events");
}

static void test_a_release_with_an_unknown_top_level_field_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_spoilt_claim(f, &d, extra_field);
	refuse(f, &d, "releases/2.6.3.json has the unknown field \"approved\"");
}

static void test_a_releases_header_never_changes(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_spoilt_claim(f, &d, version_changed);
	try_refused(f, &d, "releases/2.6.3.json: its format, version or playbook pin was changed");

	draft_spoilt_claim(f, &d, pin_renamed);
	try_refused(f, &d, "releases/2.6.3.json: its format, version or playbook pin was changed");

	draft_spoilt_claim(f, &d, format_older);
	try_refused(f, &d, "releases/2.6.3.json: its format, version or playbook pin was changed");

	draft_spoilt_claim(f, &d, pinned_elsewhere);
	try_refused(f, &d, "releases/2.6.3.json: its format, version or playbook pin was changed");

	/* None of those moved the release: dan's claim is still his to make. */
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
}

static void test_a_release_of_a_newer_format_asks_to_upgrade_relctl(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_spoilt_claim(f, &d, format_newer);
	refuse(f, &d, "releases/2.6.3.json has ledger format 2, and this relctl reads format 1; upgrade relctl");
}

static void test_the_index_must_match_the_releases_status(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char *text;

	/* A start that leaves the index as it was. */
	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	draft_drop(&d, "index.json");
	try_refused(f, &d, "index.json does not match the releases' status");

	/* A start whose entry says complete. */
	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	cJSON_ReplaceItemInObjectCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(d.index, "releases"), VERSION), "status",
	    cJSON_CreateString("complete"));
	text = print_json(d.index);
	draft_file(&d, "index.json", text);
	free(text);
	try_refused(f, &d, "index.json does not match the releases' status");

	start_release(f);

	/* A claim that rewrites the index: the same index is accepted, another candidate is not. */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	assert_null(draft_change(&d, "index.json"));
	text = xstrdup("{\"format\": 1, \"releases\": {}}\n");
	draft_file(&d, "index.json", text);
	free(text);
	try_refused(f, &d, "index.json does not match the releases' status");

	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	text = print_json(f->index);
	draft_file(&d, "index.json", text);
	free(text);
	accept(f, &d);
}

static void test_a_release_file_over_the_limit_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_change *ch;
	char part[128];

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	/* As sync hands over a file too large to read: no data, its size. */
	ch = draft_change(&d, RELEASE);
	free((char *)ch->data);
	ch->data = NULL;
	ch->len = (size_t)LEDGER_RELEASE_MAX + 1;
	snprintf(part, sizeof(part), "releases/2.6.3.json is %zu bytes; a release file is at most 16 MiB", ch->len);
	refuse(f, &d, part);
}


/*
 * No one can make a release unclosable: past 15 MiB (the last MiB of a
 * release file) only the events that finish a release are taken, each
 * growing the file by at most 16 KiB there.
 */
static void test_closing_events_always_fit_in_the_reserve_of_a_release_file(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char *note, hash[65];
	size_t natural;

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	/* dora fills the release to just under 15 MiB: her finding, padded with blanks. */
	draft_event(f, &d, "dora", finding(f, "dora", "filler"));
	natural = draft_change(&d, RELEASE)->len;
	draft_release(&d);
	f->pad = 15 * 1024 * 1024 - natural - 100;
	draft_event(f, &d, "dora", finding(f, "dora", "filler"));
	accept(f, &d);
	draft_event(f, &d, "dora", finding(f, "dora", "one more"));
	try_refused(f, &d, "past 15 MiB or 99000 events a release takes only the events that finish it (decide, skip, done), and finding-add is not one");
	draft_event(f, &d, "dan", ev(f, "dan", "unclaim", "build"));
	try_refused(f, &d, "and unclaim is not one");
	/* A closing event grows the file by at most 16 KiB there. */
	note = calloc(1, 20 * 1024 + 1);
	memset(note, 'n', 20 * 1024);
	draft_event(f, &d, "dan", with(ev(f, "dan", "done", "build"), "note", note));
	free(note);
	try_refused(f, &d, "there an event that finishes the release adds at most 16 KiB: shorten its note, reason or evidence");
	/* Blanks count as much as an event. */
	draft_event(f, &d, "dan", ev(f, "dan", "done", "build"));
	f->pad += 17 * 1024;
	draft_release(&d);
	draft_event(f, &d, "dan", ev(f, "dan", "done", "build"));
	f->pad -= 17 * 1024;
	try_refused(f, &d, "adds at most 16 KiB");
	/* dan finishes his step, and the product owner aborts: the release is over. */
	commit_events(f, ev(f, "dan", "done", "build"), NULL);
	brief_now(f, hash);
	commit_events(f, with(with(with(ev(f, "paul", "decide", NULL), "decision", "abort"), "reason", "too late"),
			      "brief_hash", hash),
		      NULL);
	assert_int_equal(judge_event_count(f->j), 5);
}
/*
 * an index.json too large to read (sync hands it over as data
 * NULL with its size, as it does a release file) is taken for "index unchanged" by judge_release() and the commit is
 * accepted; the judge then holds no index at all, and the next good commit is refused with "the ledger has no
 * index.json".
 */
static void test_an_index_too_large_to_read_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_change *ch;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "index.json", "");
	ch = draft_change(&d, "index.json");
	free((char *)ch->data);
	ch->data = NULL;
	ch->len = (size_t)LEDGER_RELEASE_MAX + 1;
	refuse(f, &d, "index.json");
}

static void test_a_release_pinned_to_a_playbook_the_ledger_does_not_hold_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct release_state *st;
	cJSON *events = appended(f, ev(f, "rita", "start", NULL), NULL), *doc;

	draft(f, &d, "rita");
	doc = release_doc(f, VERSION, events, &st);
	pinned_elsewhere(doc);
	draft_doc(f, &d, doc, st);
	release_state_free(st);
	try_refused(f, &d, "the release is pinned to playbook b0b0b0b0b0b0, which the ledger does not hold");

	draft(f, &d, "rita");
	doc = release_doc(f, VERSION, events, &st);
	pin_renamed(doc);
	draft_doc(f, &d, doc, st);
	release_state_free(st);
	try_refused(f, &d, "release 2.6.3's pin names the playbook \"Other\", but the pinned playbook is \"Judge\"");
	cJSON_Delete(events);
}

/* A release started by one commit, with doc spoilt by edit. */
static void draft_new_spoilt(struct fx *f, struct draft *d, void (*edit)(cJSON *doc))
{
	struct release_state *st;
	cJSON *events = appended(f, ev(f, "rita", "start", NULL), NULL), *doc = release_doc(f, VERSION, events, &st);

	edit(doc);
	draft_doc(f, d, doc, st);
	release_state_free(st);
	cJSON_Delete(events);
}

static void pin_with_extra(cJSON *doc)
{
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(doc, "playbook"), "url", "https://example.com/p.yaml");
}

static void pin_without_name(cJSON *doc)
{
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "playbook"), "name");
}

static void test_a_new_releases_header_names_its_version_and_its_playbook(void **state)
{
	struct fx *f = *state;
	struct draft d;

	draft(f, &d, "rita");
	draft_new_spoilt(f, &d, version_changed);
	try_refused(f, &d, "releases/2.6.3.json says it is another release");

	draft(f, &d, "rita");
	draft_new_spoilt(f, &d, pin_with_extra);
	try_refused(f, &d, "release 2.6.3's playbook pin has the unknown field \"url\"");

	draft(f, &d, "rita");
	draft_new_spoilt(f, &d, pin_without_name);
	try_refused(f, &d, "release 2.6.3 does not say which playbook it was started with");

	draft(f, &d, "rita");
	draft_new_spoilt(f, &d, format_older);
	try_refused(f, &d, "release 2.6.3 has ledger format 0, and this relctl writes format 1");

	/* Only the whole number: 1.5 is not format 1, and "1" is not a number. */
	draft(f, &d, "rita");
	draft_new_spoilt(f, &d, format_fraction);
	try_refused(f, &d,
	            "release 2.6.3 has the format 1.5, which is not a whole number; this relctl writes format 1");

	draft(f, &d, "rita");
	draft_new_spoilt(f, &d, format_string);
	try_refused(f, &d, "release 2.6.3 has a format that is not a number; this relctl writes format 1");
}

/*
 * a release that a newer relctl started, in a newer format, is
 * refused without saying what to do, where the same format on a release the judge already holds says "upgrade relctl"
 * (check_new_header() against check_release_doc()).
 */
static void test_a_new_release_of_a_newer_format_asks_to_upgrade_relctl(void **state)
{
	struct fx *f = *state;
	struct draft d;

	draft(f, &d, "rita");
	draft_new_spoilt(f, &d, format_newer);
	refuse(f, &d, "has ledger format 2, and this relctl reads format 1; upgrade relctl");
}

/* ---------- decisions ---------- */

static void test_a_decision_on_a_stale_brief_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char seen[65], now[65];

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), ev(f, "dan", "done", "build"), NULL);
	brief_now(f, seen);
	/* A blocker found after paul read the brief. */
	commit_events(f, finding(f, "dora", "crash on start"), NULL);
	brief_now(f, now);
	assert_string_not_equal(seen, now);

	draft_event(f, &d, "paul", decision(f, "paul", seen));
	try_refused(f, &d, "the brief of 2.6.3 changed since this clone last showed it");

	draft_event(f, &d, "paul", decision(f, "paul", NULL));
	try_refused(f, &d, "a decision carries the hash of the brief it was made on, and this one has none");

	draft_event(f, &d, "paul", decision(f, "paul", now));
	assert_non_null(draft_change(&d, "index.json")); /* shipped: the release is complete */
	accept(f, &d);
	assert_string_equal(json_string(cJSON_GetObjectItemCaseSensitive(
	                                    cJSON_GetObjectItemCaseSensitive(f->index, "releases"), VERSION),
	                                "status"),
	                    "complete");
}

/* ---------- playbook changes ---------- */

static void test_only_a_release_manager_of_the_playbook_before_may_change_it(void **state)
{
	struct fx *f = *state;
	struct draft d;

	/* dan promotes himself. */
	draft(f, &d, "dan");
	draft_playbook(&d, promoted_yaml);
	try_refused(
	    f, &d,
	    "the playbook was changed by <dan@example.com>, who is not a release manager of the playbook before it");

	/* rita promotes dan: then dan, a release manager now, changes it. */
	draft(f, &d, "rita");
	draft_playbook(&d, promoted_yaml);
	accept(f, &d);
	draft(f, &d, "dan");
	draft_playbook(&d, grown_yaml);
	accept(f, &d);

	/* Under the new playbook dan is a dev again: he cannot change it back. */
	draft(f, &d, "dan");
	draft_playbook(&d, promoted_yaml);
	refuse(f, &d,
	       "the playbook was changed by <dan@example.com>, who is not a release manager of the playbook before it");
}

static void test_the_pinned_copy_must_be_a_copy_of_playbook_yaml(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char blob[41], other[41], *pinned, *wrong;

	blob_of(grown_yaml, blob);
	blob_of(promoted_yaml, other);
	pinned = xasprintf("playbooks/%s.yaml", blob);
	wrong = xasprintf("playbooks/%s.yaml", other);

	draft(f, &d, "rita");
	draft_playbook(&d, grown_yaml);
	draft_file(&d, pinned, promoted_yaml);
	try_refused(f, &d, "...yaml is not a copy of playbook.yaml");

	draft(f, &d, "rita");
	draft_file(&d, "playbook.yaml", grown_yaml);
	try_refused(f, &d, "the new playbook has no pinned copy playbooks/");

	draft(f, &d, "rita");
	draft_file(&d, "playbook.yaml", grown_yaml);
	draft_file(&d, wrong, promoted_yaml);
	try_refused(f, &d, " is not the new playbook's pinned copy");

	draft(f, &d, "rita");
	draft_playbook(&d, grown_yaml);
	draft_file(&d, wrong, promoted_yaml);
	try_refused(f, &d, " is not the new playbook's pinned copy");

	/* A pinned copy written alone. */
	draft(f, &d, "rita");
	draft_file(&d, pinned, grown_yaml);
	try_refused(f, &d, "playbook.yaml is removed or too large");

	/* Back to a playbook the ledger already holds: its pinned copy is there. */
	draft(f, &d, "rita");
	draft_playbook(&d, grown_yaml);
	accept(f, &d);
	draft(f, &d, "rita");
	draft_file(&d, "playbook.yaml", playbook_yaml);
	d.pb_text = playbook_yaml;
	accept(f, &d);
	free(pinned);
	free(wrong);
}

static void test_a_playbook_change_may_not_touch_a_release(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft(f, &d, "rita");
	draft_playbook(&d, grown_yaml);
	draft_events(f, &d, appended(f, with(ev(f, "rita", "skip", "build"), "reason", "not needed"), NULL));
	refuse(f, &d, "a playbook change also writes releases/2.6.3.json; it changes the playbook only");
}

/* ---------- signatures ---------- */

static void signed_by(struct draft *d, enum judge_signature how, const char *signer)
{
	d->c.signature = how;
	d->c.signer = signer;
	d->c.fingerprint = how == JUDGE_UNSIGNED ? NULL : "SHA256:u8OH8xaOds9fZppFDlz15ZJNP+DCR1G6hcrOCtj/Fh4";
	d->c.signature_detail = how == JUDGE_BAD ? "the payload does not match" : NULL;
}

/* The playbook change's signature as checked against the keys of the playbook it writes. */
static void playbook_signed_by(struct draft *d, enum judge_signature how, const char *signer)
{
	d->c.playbook_signature = how;
	d->c.playbook_signer = signer;
}

static void test_a_change_of_keys_is_signed_by_a_release_managers_key_in_the_playbook_it_makes(void **state)
{
	struct fx *f = *state;
	struct draft d;

	/* rita introduces her key: unsigned, or signed with a key the new playbook lists for nobody, is refused. */
	draft(f, &d, "rita");
	draft_playbook(&d, keyed_yaml);
	try_refused(f, &d, "the playbook changes the signing keys, and the commit is not signed by a release manager's key in that playbook");
	draft(f, &d, "rita");
	draft_playbook(&d, keyed_yaml);
	signed_by(&d, JUDGE_UNKNOWN_KEY, NULL);
	playbook_signed_by(&d, JUDGE_UNKNOWN_KEY, NULL);
	try_refused(f, &d, "changes the signing keys");
	/* Signed by the key it introduces for her: the bootstrap. */
	draft(f, &d, "rita");
	draft_playbook(&d, keyed_yaml);
	signed_by(&d, JUDGE_UNKNOWN_KEY, NULL);
	playbook_signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
	/* Giving dan a key: signed by rita's key, which the new playbook keeps. */
	draft(f, &d, "rita");
	draft_playbook(&d, keyed_dan_yaml);
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	playbook_signed_by(&d, JUDGE_SIGNED, "dan@example.com");
	try_refused(f, &d, "not signed by a release manager's key in that playbook");
	draft(f, &d, "rita");
	draft_playbook(&d, keyed_dan_yaml);
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	playbook_signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
	/* A change that leaves every key as it was needs no signature. */
	draft(f, &d, "rita");
	draft_playbook(&d, keyed_dan_grown_yaml);
	accept(f, &d);
}

static void test_switching_signing_required_on_is_signed_by_a_release_manager(void **state)
{
	struct fx *f = *state;
	struct draft d;

	draft(f, &d, "rita");
	draft_playbook(&d, signed_yaml);
	try_refused(f, &d, "the playbook switches signing: required on, and the commit is not signed by a release manager's key in that playbook");
	/* dan's own signature is no release manager's, even on rita's commit. */
	draft(f, &d, "rita");
	draft_playbook(&d, signed_yaml);
	playbook_signed_by(&d, JUDGE_SIGNED, "dan@example.com");
	try_refused(f, &d, "switches signing: required on");
	draft(f, &d, "rita");
	draft_playbook(&d, signed_yaml);
	playbook_signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
}

static void test_a_first_commit_with_keys_is_signed_by_a_release_manager_key_it_lists(void **state)
{
	struct fx *f = *state; /* setup_empty */
	struct draft d;

	f->pb_text = keyed_yaml;
	draft_first(f, &d, "rita");
	try_refused(f, &d, "the playbook changes the signing keys, and the commit is not signed");
	draft_first(f, &d, "rita");
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
}

static void test_a_relctl_event_line_names_only_the_event_its_commit_adds(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char *message;

	start_release(f);
	/* dan's claim, its message naming an event of someone else's. */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_message(&d, xasprintf("dan claimed build\n\nRelctl-Event: %s\nRelctl-Event: %s\n",
				    json_string(cJSON_GetArrayItem(d.events, 1), "id"),
				    json_string(cJSON_GetArrayItem(d.events, 0), "id")));
	try_refused(f, &d, "its message's Relctl-Event: line names \"" EID("e001") "\", but the commit adds event " EID("e002"));
	/* In any case, anywhere in the message. */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_message(&d, xstrdup("dan claimed build\n\nNote: see\nrelctl-event:  " EID("e001") "\n"));
	try_refused(f, &d, "names \"" EID("e001") "\"");
	/* Its own id, once or twice, or none at all. */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	message = xasprintf("dan claimed build\n\nRelctl-Event: %s\nRelctl-Event: %s \n",
			    json_string(cJSON_GetArrayItem(d.events, 1), "id"), json_string(cJSON_GetArrayItem(d.events, 1), "id"));
	draft_message(&d, message);
	accept(f, &d);
	/* A playbook change adds no event. */
	draft(f, &d, "rita");
	draft_playbook(&d, grown_yaml);
	draft_message(&d, xstrdup("rita updated the playbook\n\nRelctl-Event: " EID("e003") "\n"));
	try_refused(f, &d, "but the commit adds no event");
}

static void test_a_bad_signature_is_always_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	signed_by(&d, JUDGE_BAD, "dan@example.com");
	refuse(
	    f, &d,
	    "its signature does not verify (the payload does not match): the commit was changed after it was signed");
}

static void test_a_signature_by_someone_other_than_the_author_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	signed_by(&d, JUDGE_SIGNED, "dora@example.com");
	try_refused(f, &d, "it is signed with the key of <dora@example.com>, not of its author <dan@example.com>");

	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	signed_by(&d, JUDGE_SIGNED, "DAN@example.com");
	accept(f, &d);
}

static void test_signing_required_refuses_unsigned_commits_and_unknown_keys(void **state)
{
	struct fx *f = *state;
	struct draft d;

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	try_refused(f, &d, "it is not signed, and the playbook says signing: required");

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	signed_by(&d, JUDGE_UNKNOWN_KEY, NULL);
	try_refused(f, &d,
	            "it is signed with a key (SHA256:u8OH8xaOds9fZppFDlz15ZJNP+DCR1G6hcrOCtj/Fh4) the playbook lists "
	            "for nobody, and it says signing: required");

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
}

static void test_the_first_commit_is_judged_by_the_signing_rule_of_its_own_playbook(void **state)
{
	struct fx *f = *state; /* setup_empty */
	struct draft d;

	f->pb_text = signed_yaml;
	draft_first(f, &d, "rita");
	try_refused(f, &d, "it is not signed, and the playbook says signing: required");
	draft_first(f, &d, "rita");
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
}

static void test_signing_optional_accepts_unsigned_commits_and_unknown_keys(void **state)
{
	struct fx *f = *state;
	struct draft d;

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	accept(f, &d);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	signed_by(&d, JUDGE_UNKNOWN_KEY, NULL);
	accept(f, &d);
}

static void test_the_signing_rule_is_the_playbooks_in_force_before_the_commit(void **state)
{
	struct fx *f = *state;
	struct draft d;

	/*
	 * Turning signing on is judged under the playbook before it, which did not
	 * require it; the switch itself is signed by a release manager's key in the new one.
	 */
	draft(f, &d, "rita");
	draft_playbook(&d, signed_yaml);
	playbook_signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	try_refused(f, &d, "it is not signed, and the playbook says signing: required");
	/* And turning it off again must itself be signed. */
	draft(f, &d, "rita");
	draft_playbook(&d, playbook_yaml);
	try_refused(f, &d, "it is not signed, and the playbook says signing: required");
}

static void test_judge_signers_counts_signed_and_unsigned_commits_per_author(void **state)
{
	struct fx *f = *state;
	struct draft d;
	cJSON *expected;

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d); /* rita's first commit was not signed */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	signed_by(&d, JUDGE_SIGNED, "dan@example.com");
	accept(f, &d);
	/* A refused commit is not counted, signed or not. */
	draft_event(f, &d, "dora", ev(f, "dora", "claim", "build"));
	signed_by(&d, JUDGE_SIGNED, "dora@example.com");
	try_refused(f, &d, "build is already claimed by dan");

	expected = cJSON_Parse("{\"rita@example.com\": {\"signed\": 1, \"unsigned\": 1},"
	                       " \"dan@example.com\": {\"signed\": 1, \"unsigned\": 0}}");
	if (!json_same(judge_signers(f->j), expected)) {
		char *got = cJSON_PrintUnformatted(judge_signers(f->j));

		print_error("judge_signers: %s\n", got);
		free(got);
	}
	assert_true(json_same(judge_signers(f->j), expected));
	cJSON_Delete(expected);
}

/* ---------- incidents and restore ---------- */

/* A commit of r, the restore planned, written by who on the last commit judged. */
static void draft_restore(struct fx *f, struct draft *d, const struct judge_restore *r, const char *who)
{
	size_t i;

	draft(f, d, who);
	for (i = 0; i < r->change_count; i++) {
		const struct judge_change *ch = &r->changes[i];

		draft_file(d, ch->path, ch->deleted ? NULL : ch->data);
		if (strcmp(ch->path, RELEASE) == 0 && !ch->deleted) {
			cJSON *doc = cJSON_Parse(ch->data);

			d->events = cJSON_DetachItemFromObjectCaseSensitive(doc, "events");
			cJSON_Delete(doc);
		}
		if (strcmp(ch->path, "index.json") == 0)
			d->index = cJSON_Parse(ch->data);
	}
	draft_message(d, xasprintf("Restore the ledger to %.12s\n\n" JUDGE_RESTORE_TRAILER "%s\n", judge_accepted(f->j),
	                           judge_accepted(f->j)));
}

static void plan_restore(struct fx *f, const char *who, struct judge_restore *r)
{
	struct error err = {0, ""};
	int rc = judge_plan_restore(f->j, who, r, &err);

	if (rc != 0)
		print_error("judge_plan_restore: %s\n", err.message);
	assert_int_equal(rc, 0);
}

/* The events of the refused commits' history, as they wrote it: the accepted ones plus what they appended. */
static cJSON *shadow_plus(cJSON *shadow, cJSON *e)
{
	cJSON_AddItemToArray(shadow, cJSON_Duplicate(e, 1));
	return cJSON_Duplicate(shadow, 1);
}

static void test_a_commit_built_on_a_refused_one_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	const struct judge_incident *in;
	char good[41], bad[41], part[200];
	size_t count;

	start_release(f);
	snprintf(good, sizeof(good), "%s", f->parent);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "README.md", "# dan's ledger\n");
	snprintf(bad, sizeof(bad), "%s", d.id);
	refuse(f, &d, "it rewrites README.md");

	/* A good commit on top of the bad one is refused as well, naming the bad one. */
	draft_event(f, &d, "dora", ev(f, "dora", "claim", "build"));
	snprintf(part, sizeof(part),
	         "it builds on commit %.12s, which was refused; a release manager can run 'relctl sync --restore'",
	         bad);
	refuse(f, &d, part);

	in = judge_incidents(f->j, &count);
	assert_int_equal(count, 2);
	assert_string_equal(in[0].commit, bad);
	assert_string_equal(in[0].author, "Dan <dan@example.com>");
	assert_null(in[0].event);
	assert_null(in[0].restored_by);
	assert_null(in[1].restored_by);
	assert_string_equal(judge_accepted(f->j), good);
	assert_false(judge_clean(f->j));
	assert_int_equal(judge_event_count(f->j), 1);
}

static void test_only_a_release_manager_plans_a_restore(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	struct error err = {0, ""};

	start_release(f);
	assert_int_equal(judge_plan_restore(f->j, "rita@example.com", &r, &err), -1);
	assert_int_equal(err.code, EXIT_DATAERR);
	assert_contains(err.message, "nothing to restore: every commit on the ledger is good");

	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "README.md", "# dan's ledger\n");
	refuse(f, &d, "it rewrites README.md");
	assert_int_equal(judge_plan_restore(f->j, "dan@example.com", &r, &err), -1);
	assert_int_equal(err.code, EXIT_NOPERM);
	assert_contains(err.message,
	                "only a release manager can restore the ledger; ask one to run 'relctl sync --restore'");
	assert_int_equal(judge_plan_restore(f->j, "mallory@example.com", &r, &err), -1);
	assert_int_equal(err.code, EXIT_NOPERM);
	plan_restore(f, "RITA@example.com", &r);
	judge_restore_release(&r);
}

static void test_a_planned_restore_is_accepted_and_marks_every_incident_restored(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	const struct judge_incident *in;
	const struct judge_change *readme = NULL;
	cJSON *shadow, *e;
	char restore[41];
	time_t at;
	size_t count, i;

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	shadow = cJSON_Duplicate(f->events, 1);
	draft(f, &d, "dan");
	draft_events(f, &d, shadow_plus(shadow, e = ev(f, "dan", "done", "build")));
	cJSON_Delete(e);
	draft_file(&d, "README.md", "# dan's ledger\n");
	refuse(f, &d, "it rewrites README.md");
	draft(f, &d, "dora");
	draft_events(f, &d, shadow_plus(shadow, e = finding(f, "dora", "the build is red")));
	cJSON_Delete(e);
	refuse(f, &d, "it builds on commit");
	cJSON_Delete(shadow);

	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 2);
	assert_int_equal(cJSON_GetArraySize(r.dropped), 0);
	for (i = 0; i < r.change_count; i++)
		if (strcmp(r.changes[i].path, "README.md") == 0)
			readme = &r.changes[i];
	assert_non_null(readme);
	assert_string_equal(readme->data, "# The release ledger\n\nWritten by relctl; see playbook.yaml.\n");

	f->now += 3600;
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	snprintf(restore, sizeof(restore), "%s", d.id);
	at = d.c.time;
	accept(f, &d);

	assert_true(judge_clean(f->j));
	assert_int_equal(judge_event_count(f->j), 4);
	in = judge_incidents(f->j, &count);
	assert_int_equal(count, 2);
	for (i = 0; i < count; i++) {
		assert_non_null(in[i].restored_by);
		assert_string_equal(in[i].restored_by, "Rita <rita@example.com>");
		assert_string_equal(in[i].restore_commit, restore);
		assert_int_equal(in[i].restored_at, at);
	}
	/* The ledger goes on from the restore. */
	assert_int_equal(cJSON_GetArraySize(f->events), 4);
	commit_events(f, finding(f, "dan", "docs are stale"), NULL);
	assert_int_equal(judge_event_count(f->j), 5);
}

static const char *carried_id(const cJSON *list, int i, const char *key)
{
	const cJSON *item = cJSON_GetArrayItem(list, i);

	return strcmp(key, "id") == 0 ? json_string(cJSON_GetObjectItemCaseSensitive(item, "event"), "id")
	                              : json_string(item, key);
}

static void test_a_restore_carries_the_valid_events_of_refused_commits_and_drops_the_others(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	cJSON *shadow, *e;
	char ids[4][41];
	int n = 0;

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	shadow = cJSON_Duplicate(f->events, 1);

	/* e003, valid: carried. */
	draft(f, &d, "dan");
	draft_events(f, &d, shadow_plus(shadow, e = ev(f, "dan", "done", "build")));
	cJSON_Delete(e);
	draft_file(&d, "README.md", "# dan's ledger\n");
	snprintf(ids[n++], sizeof(ids[0]), "%s", d.id);
	refuse(f, &d, "it rewrites README.md");
	/* e004, dan's event in dora's commit: dropped. */
	draft(f, &d, "dora");
	draft_events(f, &d, shadow_plus(shadow, e = finding(f, "dan", "written by dora")));
	cJSON_Delete(e);
	snprintf(ids[n++], sizeof(ids[0]), "%s", d.id);
	refuse(f, &d, "it builds on commit");
	/* e005, a claim of a finished step: dropped. */
	draft(f, &d, "dora");
	draft_events(f, &d, shadow_plus(shadow, e = ev(f, "dora", "claim", "build")));
	cJSON_Delete(e);
	snprintf(ids[n++], sizeof(ids[0]), "%s", d.id);
	refuse(f, &d, "it builds on commit");
	/* e006, valid: carried. */
	draft(f, &d, "dora");
	draft_events(f, &d, shadow_plus(shadow, e = finding(f, "dora", "the build is red")));
	cJSON_Delete(e);
	snprintf(ids[n++], sizeof(ids[0]), "%s", d.id);
	refuse(f, &d, "it builds on commit");
	cJSON_Delete(shadow);

	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 2);
	assert_string_equal(carried_id(r.carried, 0, "id"), EID("e003"));
	assert_string_equal(carried_id(r.carried, 0, "commit"), ids[0]);
	assert_string_equal(carried_id(r.carried, 0, "release"), VERSION);
	assert_string_equal(carried_id(r.carried, 1, "id"), EID("e006"));
	assert_string_equal(carried_id(r.carried, 1, "commit"), ids[3]);
	assert_int_equal(cJSON_GetArraySize(r.dropped), 2);
	assert_string_equal(carried_id(r.dropped, 0, "id"), EID("e004"));
	assert_string_equal(carried_id(r.dropped, 0, "commit"), ids[1]);
	assert_contains(carried_id(r.dropped, 0, "reason"),
	                "the commit's author <dora@example.com> is not the event's actor dan <dan@example.com>");
	assert_string_equal(carried_id(r.dropped, 1, "id"), EID("e005"));
	assert_string_equal(carried_id(r.dropped, 1, "commit"), ids[2]);
	assert_contains(carried_id(r.dropped, 1, "reason"), "cannot claim build: it is already done");

	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);
	assert_int_equal(cJSON_GetArraySize(f->events), 4);
	assert_string_equal(json_string(cJSON_GetArrayItem(f->events, 2), "id"), EID("e003"));
	assert_string_equal(json_string(cJSON_GetArrayItem(f->events, 3), "id"), EID("e006"));
	assert_int_equal(judge_event_count(f->j), 4);
}

static void test_a_restore_must_bring_back_the_last_good_state_and_only_refused_events(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	cJSON *events, *e;
	char *index, *message, good[41], part[200];

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	snprintf(good, sizeof(good), "%s", f->parent);
	/* dan's done (e003) with an index that says the release is complete. */
	draft(f, &d, "dan");
	events = appended(f, ev(f, "dan", "done", "build"), NULL);
	draft_events(f, &d, cJSON_Duplicate(events, 1));
	draft_file(&d, "index.json", "{\"format\": 1, \"releases\": {\"2.6.3\": {\"status\": \"complete\"}}}\n");
	refuse(f, &d, "index.json does not match the releases' status");

	/* A restore that also brings rita's own finding (e004), which no refused commit appended. */
	index = print_json(f->index);
	draft(f, &d, "rita");
	e = finding(f, "rita", "slipped in");
	cJSON_AddItemToArray(events, e);
	draft_events(f, &d, events);
	draft_file(&d, "index.json", index);
	message = xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n", good);
	draft_message(&d, message);
	try_refused(f, &d,
	            "releases/2.6.3.json: the restore brings event " EID("e004") ", which no refused commit appended");

	/* The planned restore, written by a dev. */
	plan_restore(f, "rita@example.com", &r);
	draft_restore(f, &d, &r, "dan");
	try_refused(f, &d, "the restore was written by <dan@example.com>, who is not a release manager");

	/* The planned restore, naming another commit as the last good one. */
	draft_restore(f, &d, &r, "rita");
	draft_message(&d, xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n", f->parent));
	snprintf(part, sizeof(part), "the restore brings back commit %.12s, but the last good commit is %.12s",
	         f->parent, good);
	try_refused(f, &d, part);

	/* The planned restore, leaving out the index. */
	draft_restore(f, &d, &r, "rita");
	free((char *)draft_change(&d, "index.json")->data);
	draft_change(&d, "index.json")->data = xstrdup("{\"format\": 1, \"releases\": {}}\n");
	draft_change(&d, "index.json")->len = strlen(draft_change(&d, "index.json")->data);
	try_refused(f, &d, "index.json does not match the releases' status");

	/* None of those moved the judge: the planned restore by rita is accepted. */
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);
	assert_int_equal(judge_event_count(f->j), 3);
	free(index);
}

static void test_a_restore_carries_a_release_that_a_refused_commit_started(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	const cJSON *entry;

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	draft_file(&d, "README.md", "# rita's ledger\n");
	refuse(f, &d, "it rewrites README.md");
	assert_int_equal(judge_release_count(f->j), 0);

	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 1);
	assert_string_equal(carried_id(r.carried, 0, "id"), EID("e001"));
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);
	assert_int_equal(judge_release_count(f->j), 1);
	assert_int_equal(judge_event_count(f->j), 1);
	entry = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(f->index, "releases"), VERSION);
	assert_string_equal(json_string(entry, "status"), "open");
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
}

static void test_a_restore_after_a_refused_playbook_change_brings_back_the_playbook_in_force(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	char blob[41], *pinned;
	const struct judge_change *ch;

	start_release(f);
	draft(f, &d, "dan");
	draft_playbook(&d, promoted_yaml);
	refuse(f, &d, "who is not a release manager of the playbook before it");

	plan_restore(f, "rita@example.com", &r);
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	ch = draft_change(&d, "playbook.yaml");
	assert_non_null(ch);
	assert_string_equal(ch->data, playbook_yaml);
	/* dan's pinned copy is taken out again. */
	blob_of(promoted_yaml, blob);
	pinned = xasprintf("playbooks/%s.yaml", blob);
	ch = draft_change(&d, pinned);
	assert_non_null(ch);
	assert_true(ch->deleted);
	free(pinned);
	accept(f, &d);

	/* dan is a dev again: he cannot skip, which a release manager could. */
	draft_event(f, &d, "dan", with(ev(f, "dan", "skip", "build"), "reason", "mine now"));
	try_refused(f, &d, "dan cannot skip build: only a release manager can skip steps");
	commit_events(f, with(ev(f, "rita", "skip", "build"), "reason", "not needed"), NULL);
}

static void test_a_restore_that_leaves_a_refused_commits_file_is_refused(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	char part[200];

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "README.md", "# dan's ledger\n");
	refuse(f, &d, "it rewrites README.md");

	plan_restore(f, "rita@example.com", &r);
	draft_restore(f, &d, &r, "rita");
	draft_drop(&d, "README.md");
	snprintf(part, sizeof(part), "the restore leaves README.md other than it was at %.12s", judge_accepted(f->j));
	try_refused(f, &d, part);
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);
}

static void test_a_restore_of_a_rewritten_history_carries_nothing(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	cJSON *events;

	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	/* dora turns dan's claim into hers: no new event, an old one changed. */
	draft(f, &d, "dora");
	events = cJSON_Duplicate(f->events, 1);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetArrayItem(events, 1), "actor", cJSON_CreateString("dora"));
	draft_events(f, &d, events);
	refuse(f, &d, "an earlier event was changed or removed");

	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 0);
	assert_int_equal(cJSON_GetArraySize(r.dropped), 0);
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);
	assert_int_equal(judge_event_count(f->j), 2);
	assert_string_equal(json_string(cJSON_GetArrayItem(f->events, 1), "actor"), "dan");
	/* The claim is dan's again. */
	draft_event(f, &d, "dora", ev(f, "dora", "claim", "build"));
	try_refused(f, &d, "build is already claimed by dan");
}

/* Release version's next documents are pinned to text, one of the playbooks the ledger holds (f->playbooks[n]). */
static void pin_releases_to(struct fx *f, size_t n, const char *text)
{
	f->rel_pb = f->playbooks[n];
	blob_of(text, f->rel_blob);
}

/*
 * relctl start pins playbook.yaml as it stands: a release started by hand
 * on an older playbook the ledger still holds (playbooks/BLOB.yaml) would
 * give back the roles an update took away.  Releases started before an
 * update keep their own pin and go on.
 */
static void test_a_new_release_starts_on_the_playbook_in_force(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	char promoted[41], grown[41], part[300];

	/* 2.6.3 on the first playbook; rita makes dan a release manager, then replaces that playbook. */
	start_release(f);
	draft(f, &d, "rita");
	draft_playbook(&d, promoted_yaml);
	accept(f, &d);
	draft(f, &d, "rita");
	draft_playbook(&d, grown_yaml);
	accept(f, &d);
	blob_of(promoted_yaml, promoted);
	blob_of(grown_yaml, grown);

	/* 2.6.3 goes on under the playbook it was started with. */
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);

	/* dan, a dev again, starts 3.0 on the playbook that made him release manager. */
	pin_releases_to(f, 1, promoted_yaml);
	draft(f, &d, "dan");
	draft_events_of(f, &d, "3.0", appended_to(cJSON_CreateArray(), ev(f, "dan", "start", NULL)));
	snprintf(part, sizeof(part),
	         "release 3.0 is pinned to playbook %.12s..., not the one in force (%.12s...); a new release starts on "
	         "the current playbook",
	         promoted, grown);
	refuse(f, &d, part);

	/* A restore drops it, for the same reason. */
	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 0);
	assert_int_equal(cJSON_GetArraySize(r.dropped), 1);
	assert_string_equal(carried_id(r.dropped, 0, "id"), EID("e003"));
	assert_contains(carried_id(r.dropped, 0, "reason"), part);
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);

	/* rita starts 3.0 on the playbook in force. */
	pin_releases_to(f, 2, grown_yaml);
	draft(f, &d, "rita");
	draft_events_of(f, &d, "3.0", appended_to(cJSON_CreateArray(), ev(f, "rita", "start", NULL)));
	accept(f, &d);
	assert_int_equal(judge_release_count(f->j), 2);
}

/* A commit by who appending e (taken) to the shadow's events, signed as how says. */
static void draft_shadow_event(struct fx *f, struct draft *d, const char *who, cJSON *shadow, cJSON *e,
                               enum judge_signature how, const char *signer)
{
	draft(f, d, who);
	draft_events(f, d, shadow_plus(shadow, e));
	cJSON_Delete(e);
	signed_by(d, how, signer);
}

/*
 * With signing: required a restore brings back an event only when its
 * commit was signed with its actor's own key: an unsigned decision in the
 * product owner's name, refused at sync, must not come back through the
 * release manager's restore.
 */
static void test_a_restore_carries_only_events_their_actors_signed(void **state)
{
	struct fx *f = *state; /* setup_signed */
	struct draft d;
	struct judge_restore r;
	cJSON *shadow, *events;
	char unsigned_commit[41], part[300];

	draft_event(f, &d, "rita", ev(f, "rita", "start", NULL));
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
	shadow = cJSON_Duplicate(f->events, 1);
	/* e002, paul's finding committed unsigned. */
	draft_shadow_event(f, &d, "paul", shadow, finding(f, "paul", "unsigned"), JUDGE_UNSIGNED, NULL);
	snprintf(unsigned_commit, sizeof(unsigned_commit), "%s", d.id);
	refuse(f, &d, "it is not signed, and the playbook says signing: required");
	/* e003, paul's finding signed with dora's key. */
	draft_shadow_event(f, &d, "paul", shadow, finding(f, "paul", "dora's key"), JUDGE_SIGNED, "dora@example.com");
	refuse(f, &d, "it is signed with the key of <dora@example.com>, not of its author <paul@example.com>");
	/* e004, paul's finding signed with a key the playbook lists for nobody. */
	draft_shadow_event(f, &d, "paul", shadow, finding(f, "paul", "a stranger's key"), JUDGE_UNKNOWN_KEY, NULL);
	refuse(f, &d, "the playbook lists for nobody");
	/* e005, dora's own, signed by her: refused only for what came before it. */
	draft_shadow_event(f, &d, "dora", shadow, finding(f, "dora", "the build is red"), JUDGE_SIGNED,
	                   "dora@example.com");
	refuse(f, &d, "it builds on commit");

	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 1);
	assert_string_equal(carried_id(r.carried, 0, "id"), EID("e005"));
	assert_int_equal(cJSON_GetArraySize(r.dropped), 3);
	assert_string_equal(carried_id(r.dropped, 0, "id"), EID("e002"));
	assert_string_equal(carried_id(r.dropped, 0, "commit"), unsigned_commit);
	assert_contains(carried_id(r.dropped, 0, "reason"),
	                "its commit cannot vouch for it: it is not signed, and the playbook says signing: required");
	assert_string_equal(carried_id(r.dropped, 1, "id"), EID("e003"));
	assert_contains(carried_id(r.dropped, 1, "reason"),
	                "its commit cannot vouch for it: it is signed with the key of <dora@example.com>, not of its "
	                "author <paul@example.com>");
	assert_string_equal(carried_id(r.dropped, 2, "id"), EID("e004"));
	assert_contains(carried_id(r.dropped, 2, "reason"), "the playbook lists for nobody");

	/* A restore written to carry the unsigned finding anyway is refused. */
	draft_restore(f, &d, &r, "rita");
	events = cJSON_Duplicate(f->events, 1);
	cJSON_AddItemToArray(events, cJSON_Duplicate(cJSON_GetArrayItem(shadow, 1), 1));
	cJSON_AddItemToArray(events, cJSON_Duplicate(cJSON_GetArrayItem(shadow, 4), 1));
	draft_events(f, &d, events);
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	snprintf(part, sizeof(part),
	         "releases/2.6.3.json: the restore brings event %s, which its commit %.12s cannot vouch for: it is not "
	         "signed",
	         EID("e002"), unsigned_commit);
	try_refused(f, &d, part);

	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	signed_by(&d, JUDGE_SIGNED, "rita@example.com");
	accept(f, &d);
	assert_int_equal(cJSON_GetArraySize(f->events), 2);
	assert_string_equal(json_string(cJSON_GetArrayItem(f->events, 1), "id"), EID("e005"));
	cJSON_Delete(shadow);
}

/* With signing: optional an unsigned commit vouches for its events, but a bad signature or another's key does not. */
static void test_with_signing_optional_a_restore_drops_events_of_badly_signed_commits(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	cJSON *shadow;

	start_release(f);
	shadow = cJSON_Duplicate(f->events, 1);
	/* e002: changed after it was signed. */
	draft_shadow_event(f, &d, "dan", shadow, ev(f, "dan", "claim", "build"), JUDGE_BAD, "dan@example.com");
	refuse(f, &d, "its signature does not verify");
	/* e003: dan's finding, signed with dora's key. */
	draft_shadow_event(f, &d, "dan", shadow, finding(f, "dan", "dora's key"), JUDGE_SIGNED, "dora@example.com");
	refuse(f, &d, "it is signed with the key of <dora@example.com>");
	/* e004 unsigned, e005 with a key the playbook lists for nobody: both as the playbook allows. */
	draft_shadow_event(f, &d, "dora", shadow, finding(f, "dora", "unsigned"), JUDGE_UNSIGNED, NULL);
	refuse(f, &d, "it builds on commit");
	draft_shadow_event(f, &d, "dora", shadow, finding(f, "dora", "a stranger's key"), JUDGE_UNKNOWN_KEY, NULL);
	refuse(f, &d, "it builds on commit");
	cJSON_Delete(shadow);

	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 2);
	assert_string_equal(carried_id(r.carried, 0, "id"), EID("e004"));
	assert_string_equal(carried_id(r.carried, 1, "id"), EID("e005"));
	assert_int_equal(cJSON_GetArraySize(r.dropped), 2);
	assert_string_equal(carried_id(r.dropped, 0, "id"), EID("e002"));
	assert_contains(carried_id(r.dropped, 0, "reason"),
	                "its commit cannot vouch for it: its signature does not verify");
	assert_string_equal(carried_id(r.dropped, 1, "id"), EID("e003"));
	assert_contains(carried_id(r.dropped, 1, "reason"), "it is signed with the key of <dora@example.com>");
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);
	assert_int_equal(judge_event_count(f->j), 3);
}

/* CPU seconds of this process since t0 (from CLOCK_PROCESS_CPUTIME_ID): the
 * work done, whatever else the machine runs meanwhile (make check runs its
 * two passes side by side). */
static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * A refused commit that appends 50,000 events, and the restore that brings
 * them back: each event was once looked up among the candidates and the
 * earlier events one by one, which took minutes (100,000 events: 221 s at
 * sync).  With the ids indexed it is a matter of a second.
 */
static void test_many_events_of_a_refused_commit_are_remembered_and_restored_in_linear_time(void **state)
{
	enum { MANY = 50000 };
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	struct timespec t0;
	cJSON *events;
	double took;
	int i;

	start_release(f);
	events = cJSON_Duplicate(f->events, 1);
	for (i = 0; i < MANY; i++) {
		char id[33];
		cJSON *e;

		snprintf(id, sizeof(id), "%032x", 0x100000 + i);
		/* claims and unclaims: they grow no list of the release's state, so only the judge's look-ups count. */
		e = ledger_event_new(id, f->now, "dan", i % 2 ? "unclaim" : "claim", "build");
		cJSON_AddNumberToObject(e, "candidate", 1);
		cJSON_AddItemToArray(events, e);
	}
	draft(f, &d, "dan");
	draft_events(f, &d, events);

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	refuse(f, &d, "the commit appends 50000 events");
	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), MANY);
	draft_restore(f, &d, &r, "rita");
	judge_restore_release(&r);
	accept(f, &d);
	took = seconds_since(&t0);
	assert_int_equal(judge_event_count(f->j), MANY + 1);
	if (took > 20)
		print_error("judging, planning and restoring %d events took %.1f s of CPU\n", MANY, took);
	assert_true(took <= 20);
}

static void test_judge_try_leaves_the_judge_unchanged_on_refusal(void **state)
{
	struct fx *f = *state;
	struct draft d;
	char good[41];

	start_release(f);
	snprintf(good, sizeof(good), "%s", f->parent);
	/* dan's claim, valid for the rules, refused for its index after the release state took it. */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_file(&d, "index.json", "{\"format\": 1, \"releases\": {}}\n");
	try_refused(f, &d, "index.json does not match the releases' status");
	assert_true(judge_clean(f->j));
	assert_string_equal(judge_accepted(f->j), good);

	/* The next commit is judged against the same accepted state: the claim is still free, on the same parent. */
	draft(f, &d, "dora");
	assert_string_equal(d.c.parent, good);
	draft_events(f, &d, appended(f, ev(f, "dora", "claim", "build"), NULL));
	accept(f, &d);
	commit_events(f, ev(f, "dora", "done", "build"), NULL);
	assert_int_equal(judge_event_count(f->j), 3);
}

/* ---------- a judge that starts from a commit ---------- */

struct memory_tree {
	const char *paths[8];
	char *texts[8];
	size_t count;
	char read[8];     /* times each was read */
	int absent_reads; /* reads of paths the tree does not have */
	int *released;
};

static int memory_read(void *ctx, const char *path, size_t max, struct buf *out, struct error *err)
{
	struct memory_tree *t = ctx;
	size_t i;

	(void)err;
	for (i = 0; i < t->count; i++)
		if (strcmp(t->paths[i], path) == 0) {
			assert_true(strlen(t->texts[i]) <= max);
			t->read[i]++;
			buf_adds(out, t->texts[i]);
			return 0;
		}
	t->absent_reads++;
	return 1;
}

static void memory_release(void *ctx)
{
	struct memory_tree *t = ctx;
	size_t i;

	(*t->released)++;
	for (i = 0; i < t->count; i++)
		free(t->texts[i]);
	free(t);
}

/* A finding by dora whose title is the largest a text may be (64 KiB). */
static cJSON *big_finding(struct fx *f)
{
	char *title = calloc(1, LEDGER_TEXT_MAX + 1);
	cJSON *e;

	memset(title, 't', LEDGER_TEXT_MAX);
	e = finding(f, "dora", title);
	free(title);
	return e;
}

/* The size of release 2.6.3 with events, as relctl prints it. */
static size_t printed_size(struct fx *f, const cJSON *events)
{
	struct release_state *st;
	cJSON *doc = release_doc(f, VERSION, events, &st);
	char *text = print_json(doc);
	size_t n = strlen(text);

	free(text);
	cJSON_Delete(doc);
	release_state_free(st);
	return n;
}

/*
 * A restore always fits: when the refused commits' events would take a
 * release file past 15 MiB, only those that finish a release come back.
 */
static void test_a_restore_brings_only_closing_events_into_the_reserve(void **state)
{
	struct fx *f = *state;
	struct memory_tree *t = calloc(1, sizeof(*t));
	struct judge_source source = {memory_read, memory_release, t, NULL};
	struct release_state *st;
	struct judge *from_base;
	struct judge_restore r;
	struct error err = {0, ""};
	struct draft d;
	char blob[41], base[41], pinned[64];
	cJSON *doc, *events, *shadow;
	size_t one, per, n, i;
	int released = 0;

	t->released = &released;
	start_release(f);
	commit_events(f, ev(f, "dan", "claim", "build"), NULL);
	/* The base: dora's largest findings, one short of 15 MiB. */
	events = appended(f, big_finding(f), NULL);
	one = printed_size(f, events);
	cJSON_AddItemToArray(events, big_finding(f));
	per = printed_size(f, events) - one;
	n = (15 * 1024 * 1024 - one) / per + 1;
	for (i = 2; i < n; i++)
		cJSON_AddItemToArray(events, big_finding(f));
	snprintf(base, sizeof(base), "%s", f->parent);
	blob_of(f->pb_text, blob);
	snprintf(pinned, sizeof(pinned), "playbooks/%s.yaml", blob);
	doc = release_doc(f, VERSION, events, &st);
	t->paths[0] = "playbook.yaml";
	t->texts[0] = xstrdup(f->pb_text);
	t->paths[1] = pinned;
	t->texts[1] = xstrdup(f->pb_text);
	t->paths[2] = "index.json";
	t->texts[2] = print_json(f->index);
	t->paths[3] = RELEASE;
	t->texts[3] = print_json(doc);
	t->count = 4;
	assert_true(strlen(t->texts[3]) <= 15 * 1024 * 1024);
	cJSON_Delete(doc);
	release_state_free(st);
	cJSON_Delete(f->events);
	f->events = events;
	from_base = judge_new(base, &source);

	/* dora's one more finding, in a commit refused for its README; dan's done on top of it. */
	shadow = cJSON_Duplicate(f->events, 1);
	draft(f, &d, "dora");
	cJSON_AddItemToArray(shadow, big_finding(f));
	draft_events(f, &d, cJSON_Duplicate(shadow, 1));
	draft_file(&d, "README.md", "# dora's ledger\n");
	d.c.parent = judge_accepted(from_base);
	assert_int_equal(judge_commit(from_base, &d.c, &err), -1);
	draft_release(&d);
	draft(f, &d, "dan");
	cJSON_AddItemToArray(shadow, ev(f, "dan", "done", "build"));
	draft_events(f, &d, shadow);
	d.c.parent = judge_seen(from_base);
	assert_int_equal(judge_commit(from_base, &d.c, &err), -1);
	draft_release(&d);

	/* The restore brings back dan's done, not dora's finding, and is accepted. */
	assert_int_equal(judge_plan_restore(from_base, "rita@example.com", &r, &err), 0);
	assert_int_equal(cJSON_GetArraySize(r.carried), 1);
	assert_string_equal(json_string(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(r.carried, 0), "event"), "op"),
			    "done");
	assert_int_equal(cJSON_GetArraySize(r.dropped), 1);
	assert_contains(json_string(cJSON_GetArrayItem(r.dropped, 0), "reason"),
			"the release file would pass 15 MiB, where it takes only the events that finish a release");
	draft(f, &d, "rita");
	for (i = 0; i < r.change_count; i++)
		draft_file(&d, r.changes[i].path, r.changes[i].deleted ? NULL : r.changes[i].data);
	draft_message(&d, xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n", judge_accepted(from_base)));
	d.c.parent = judge_seen(from_base);
	if (judge_commit(from_base, &d.c, &err) != 0)
		print_error("refused: %s\n", err.message);
	assert_true(judge_clean(from_base));
	draft_release(&d);
	judge_restore_release(&r);
	judge_free(from_base);
	assert_int_equal(released, 1);
}

static void test_a_judge_from_a_base_reads_the_bases_files_once_through_its_source(void **state)
{
	struct fx *f = *state;
	struct memory_tree *t = calloc(1, sizeof(*t));
	struct judge_source source = {memory_read, memory_release, t, NULL};
	struct release_state *st;
	struct judge *from_base;
	struct error err = {0, ""};
	struct draft d;
	char blob[41], base[41], pinned[64];
	cJSON *doc, *events;
	int released = 0;
	size_t i;

	start_release(f);
	snprintf(base, sizeof(base), "%s", f->parent);
	blob_of(f->pb_text, blob);
	snprintf(pinned, sizeof(pinned), "playbooks/%s.yaml", blob);
	doc = release_doc(f, VERSION, f->events, &st);
	t->released = &released;
	t->paths[0] = "playbook.yaml";
	t->texts[0] = xstrdup(f->pb_text);
	t->paths[1] = pinned;
	t->texts[1] = xstrdup(f->pb_text);
	t->paths[2] = "index.json";
	t->texts[2] = print_json(f->index);
	t->paths[3] = RELEASE;
	t->texts[3] = print_json(doc);
	t->count = 4;
	cJSON_Delete(doc);
	release_state_free(st);

	from_base = judge_new(base, &source);
	assert_string_equal(judge_accepted(from_base), base);
	assert_string_equal(judge_root(from_base), "");
	/* Two commits after the base, judged by the new judge only (the fixture's model stays at the base). */
	events = appended(f, ev(f, "dan", "claim", "build"), NULL);
	draft(f, &d, "dan");
	draft_events(f, &d, cJSON_Duplicate(events, 1));
	assert_int_equal(judge_commit(from_base, &d.c, &err), 0);
	draft_release(&d);
	cJSON_AddItemToArray(events, ev(f, "dan", "done", "build"));
	draft(f, &d, "dan");
	d.c.parent = judge_accepted(from_base);
	draft_events(f, &d, events);
	if (judge_commit(from_base, &d.c, &err) != 0)
		print_error("refused: %s\n", err.message);
	assert_int_equal(judge_event_count(from_base), 2);
	draft_release(&d);

	/* Each file of the base was read once, and only those the commits needed. */
	for (i = 0; i < t->count; i++)
		if (t->read[i] != 1)
			print_error("%s was read %d times\n", t->paths[i], t->read[i]);
	for (i = 0; i < t->count; i++)
		assert_int_equal(t->read[i], 1);
	assert_int_equal(t->absent_reads, 0);

	/* A root commit handed over on the base: a second root. */
	draft_first(f, &d, "rita");
	d.c.parent = judge_accepted(from_base);
	d.c.parent_count = 0;
	assert_int_equal(judge_commit(from_base, &d.c, &err), -1);
	assert_int_equal(err.code, EXIT_DATAERR);
	assert_contains(err.message, "a second root commit: the ledger has one history");
	draft_release(&d);

	assert_int_equal(released, 0);
	judge_free(from_base);
	assert_int_equal(released, 1);
}

static int failing_read(void *ctx, const char *path, size_t max, struct buf *out, struct error *err)
{
	(void)ctx;
	(void)max;
	(void)out;
	return error_set(err, EXIT_IOERR, "cannot read %s: input/output error", path);
}

/*
 * when the source
 * cannot read the base (a local I/O error), the commit is recorded as an
 * incident of its author with exit 65 ("commit ... by Dan <dan@...>: cannot
 * read playbook.yaml: ..."), and every later commit "builds on" it.  What it
 * should do is a proposal: fail with the source's own code and leave the
 * judge as it was, as judge_try() does.
 */
static void test_a_base_that_cannot_be_read_is_no_incident_of_the_commit(void **state)
{
	struct fx *f = *state;
	struct judge_source source = {failing_read, NULL, NULL, NULL};
	struct judge *from_base;
	struct error err = {0, ""};
	struct draft d;
	size_t count;

	start_release(f);
	from_base = judge_new(f->parent, &source);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	assert_int_equal(judge_commit(from_base, &d.c, &err), -1);
	draft_release(&d);
	judge_incidents(from_base, &count);
	judge_free(from_base);
	assert_contains(err.message, "cannot read playbook.yaml: input/output error");
	assert_int_equal(err.code, EXIT_IOERR);
	assert_int_equal(count, 0);
}

/* ---------- no push locks the team out ---------- */

static void test_the_restore_target_is_read_from_the_trailer_block_only(void **state)
{
	static const char good[] = "0123456789abcdef0123456789abcdef01234567";
	char *t, *m;

	(void)state;
	m = xasprintf("Restore\n\nRefused: 1234\n\n" JUDGE_RESTORE_TRAILER "%s\n", good);
	t = judge_restore_target(m);
	assert_non_null(t);
	assert_string_equal(t, good);
	free(t);
	free(m);
	/* git's trailer block is the last paragraph: a line in the body, however it looks, is not it. */
	m = xasprintf("Restore\n\nDropped: x\n" JUDGE_RESTORE_TRAILER "%040d\n\n" JUDGE_RESTORE_TRAILER "%s\n", 0, good);
	t = judge_restore_target(m);
	assert_string_equal(t, good);
	free(t);
	free(m);
	m = xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n\nsomething after\n", good);
	assert_null(judge_restore_target(m));
	free(m);
	/* Trailing blank lines end no paragraph. */
	m = xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n\n \n", good);
	t = judge_restore_target(m);
	assert_string_equal(t, good);
	free(t);
	free(m);
	/* The subject is never the trailer block. */
	m = xasprintf(JUDGE_RESTORE_TRAILER "%s\n", good);
	assert_null(judge_restore_target(m));
	free(m);
	/* One well-formed block: every line a trailer, the target once, a full object id. */
	m = xasprintf("Restore\n\nnot a trailer\n" JUDGE_RESTORE_TRAILER "%s\n", good);
	assert_null(judge_restore_target(m));
	free(m);
	m = xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n" JUDGE_RESTORE_TRAILER "%s\n", good, good);
	assert_null(judge_restore_target(m));
	free(m);
	m = xasprintf("Restore\n\nSigned-off-by: Rita <rita@example.com>\n" JUDGE_RESTORE_TRAILER "%.12s\n", good);
	assert_null(judge_restore_target(m));
	free(m);
	m = xasprintf("Restore\n\nSigned-off-by: Rita <rita@example.com>\n" JUDGE_RESTORE_TRAILER "%s\n", good);
	t = judge_restore_target(m);
	assert_string_equal(t, good);
	free(t);
	free(m);
	m = xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%.39sG\n", good);
	assert_null(judge_restore_target(m));
	free(m);
}

static void test_a_commit_git_cannot_read_is_refused_naming_it_and_its_author(void **state)
{
	struct fx *f = *state;
	struct draft d;
	const struct judge_incident *in;
	size_t count;

	start_release(f);
	draft(f, &d, "dan");
	d.c.unreadable = "the commit object has no committer line, which git never writes (git fsck: missingCommitter)";
	refuse(f, &d, "the commit object has no committer line");
	in = judge_incidents(f->j, &count);
	assert_string_equal(in[count - 1].author, "Dan <dan@example.com>");

	/* The restore, written on the last good tree: its changes are against that commit. */
	{
		struct judge_restore r;

		plan_restore(f, "rita@example.com", &r);
		assert_int_equal(cJSON_GetArraySize(r.carried), 0);
		draft_restore(f, &d, &r, "rita");
		judge_restore_release(&r);
		d.c.changes_from = judge_accepted(f->j);
		accept(f, &d);
	}
	assert_true(judge_clean(f->j));
}

/* count changes of size bytes each at releases/2.6.3.NN.json, none read (a screen's input). */
static struct judge_change *unread_releases(size_t count, size_t size)
{
	struct judge_change *changes = xcalloc(count, sizeof(*changes));
	size_t i;

	for (i = 0; i < count; i++) {
		changes[i].path = xasprintf("releases/2.6.3.%02zu.json", i);
		changes[i].regular = true;
		changes[i].len = size;
	}
	return changes;
}

static void unread_free(struct judge_change *changes, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free((char *)changes[i].path);
	free(changes);
}

static void test_paths_are_screened_by_name_and_size_before_any_file_is_read(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct error err = {0, ""};
	struct judge_change *fan = unread_releases(40, 15u << 20);
	bool need[40];
	char *message;

	start_release(f);
	/* One 15 MiB blob under forty names: refused by the names alone, nothing to read. */
	draft(f, &d, "dan");
	d.c.changes = fan;
	d.c.change_count = 40;
	assert_int_equal(judge_screen(f->j, &d.c, need, &err), -1);
	assert_int_equal(err.code, EXIT_DATAERR);
	assert_contains(err.message, "the commit changes 40 releases");
	/* As a restore, four of them pass the names but not the total. */
	message = xasprintf("Restore\n\n" JUDGE_RESTORE_TRAILER "%s\n", judge_accepted(f->j));
	d.c.message = message;
	d.c.change_count = 4;
	assert_int_equal(judge_screen(f->j, &d.c, need, &err), -1);
	assert_contains(err.message, "its files come to 60 MiB, more than the 48 MiB relctl reads of one commit");
	/* Three fit: every one is to be read; one over the cap per file is not. */
	d.c.change_count = 3;
	fan[2].len = LEDGER_RELEASE_MAX + 1;
	assert_int_equal(judge_screen(f->j, &d.c, need, &err), 0);
	assert_true(need[0] && need[1] && !need[2]);
	/* A merge, a symlink: refused before anything is read. */
	d.c.parent_count = 2;
	assert_int_equal(judge_screen(f->j, &d.c, need, &err), -1);
	assert_contains(err.message, "a merge commit");
	d.c.parent_count = 1;
	fan[1].regular = false;
	fan[1].mode = 0120000;
	assert_int_equal(judge_screen(f->j, &d.c, need, &err), -1);
	assert_contains(err.message, "releases/2.6.3.01.json is not a plain file (a symlink)");
	free(message);
	d.c.changes = d.changes;
	d.c.change_count = 0;
	draft_release(&d);
	unread_free(fan, 40);

	/* An honest claim passes, its release and index to be read. */
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	assert_int_equal(judge_screen(f->j, &d.c, need, &err), 0);
	assert_true(need[0]);
	accept(f, &d);
}

static void test_a_restore_on_the_last_good_tree_is_judged_against_it(void **state)
{
	struct fx *f = *state;
	struct draft d;
	struct judge_restore r;
	size_t i;

	start_release(f);
	draft_event(f, &d, "dan", ev(f, "dan", "claim", "build"));
	draft_symlink(&d, "index.json");
	refuse(f, &d, "index.json is not a plain file (a symlink)");

	plan_restore(f, "rita@example.com", &r);
	assert_int_equal(cJSON_GetArraySize(r.carried), 1);
	/* Against the last good commit, a file it had is no change; README rewritten is. */
	draft_restore(f, &d, &r, "rita");
	d.c.changes_from = judge_accepted(f->j);
	draft_file(&d, "README.md", "# ours now\n");
	try_refused(f, &d, "the restore leaves README.md other than it was");
	/* A release the restore deletes. */
	draft_restore(f, &d, &r, "rita");
	d.c.changes_from = judge_accepted(f->j);
	draft_file(&d, RELEASE, NULL);
	try_refused(f, &d, "the restore deletes releases/2.6.3.json, which was good");
	/* Changes said to be against another commit than the one it restores. */
	draft_restore(f, &d, &r, "rita");
	d.c.changes_from = "0123456789abcdef0123456789abcdef01234567";
	try_refused(f, &d, "the restore brings back commit");
	draft_restore(f, &d, &r, "rita");
	d.c.changes_from = judge_accepted(f->j);
	for (i = 0; i < r.change_count; i++)
		assert_true(strcmp(r.changes[i].path, RELEASE) == 0 || strcmp(r.changes[i].path, "index.json") == 0);
	judge_restore_release(&r);
	accept(f, &d);
	assert_true(judge_clean(f->j));
	assert_int_equal(judge_event_count(f->j), 2);
}

#define T(name)        cmocka_unit_test_setup_teardown(name, setup, teardown)
#define T_EMPTY(name)  cmocka_unit_test_setup_teardown(name, setup_empty, teardown)
#define T_SIGNED(name) cmocka_unit_test_setup_teardown(name, setup_signed, teardown)
#define T_TWIN(name)   cmocka_unit_test_setup_teardown(name, setup_twin, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T_EMPTY(test_the_first_commit_holds_the_playbook_its_pinned_copy_and_an_empty_index),
	    T_EMPTY(test_the_first_commit_without_its_pinned_copy_or_an_empty_index_is_refused),
	    T_EMPTY(test_the_first_commits_author_must_be_a_person_of_its_playbook),
	    T(test_a_second_root_commit_is_refused),
	    T_EMPTY(test_relctl_root_pins_the_first_commit),
	    T(test_a_commit_writing_a_path_that_is_not_a_ledger_file_is_refused),
	    T(test_a_commit_deleting_a_file_is_refused),
	    T(test_a_file_that_is_not_a_plain_file_is_refused),
	    T(test_a_file_turned_into_a_symlink_is_named_as_such_not_as_deleted),
	    T(test_the_restore_target_is_read_from_the_trailer_block_only),
	    T(test_a_commit_git_cannot_read_is_refused_naming_it_and_its_author),
	    T(test_paths_are_screened_by_name_and_size_before_any_file_is_read),
	    T(test_a_restore_on_the_last_good_tree_is_judged_against_it),
	    T(test_readme_is_written_by_the_first_commit_only),
	    T(test_a_merge_commit_is_refused),
	    T(test_a_commit_changes_exactly_one_release),
	    T(test_a_release_commit_appends_exactly_one_event),
	    T(test_an_earlier_event_changed_or_removed_is_refused_naming_it),
	    T(test_an_event_id_used_twice_is_refused),
	    T(test_an_event_id_not_in_the_form_relctl_writes_is_refused),
	    T(test_an_event_carries_its_candidate_and_its_flags_only_as_true),
	    T(test_an_event_the_rules_refuse_is_refused),
	    T(test_event_times_are_judged_against_the_release_and_the_judging_clock),
	    T(test_history_judged_later_stays_valid),
	    T(test_the_commits_author_must_be_the_events_actor),
	    T(test_the_stored_view_must_be_the_replay_of_the_events),
	    T(test_a_release_with_an_unknown_top_level_field_is_refused),
	    T(test_a_releases_header_never_changes),
	    T(test_a_release_of_a_newer_format_asks_to_upgrade_relctl),
	    T(test_the_index_must_match_the_releases_status),
	    T(test_a_change_of_keys_is_signed_by_a_release_managers_key_in_the_playbook_it_makes),
	    T(test_switching_signing_required_on_is_signed_by_a_release_manager),
	    T_EMPTY(test_a_first_commit_with_keys_is_signed_by_a_release_manager_key_it_lists),
	    T(test_a_relctl_event_line_names_only_the_event_its_commit_adds),
	    T(test_a_release_file_over_the_limit_is_refused),
	    T(test_closing_events_always_fit_in_the_reserve_of_a_release_file),
	    T(test_an_index_too_large_to_read_is_refused),
	    T(test_a_release_pinned_to_a_playbook_the_ledger_does_not_hold_is_refused),
	    T(test_a_new_releases_header_names_its_version_and_its_playbook),
	    T(test_a_new_release_of_a_newer_format_asks_to_upgrade_relctl),
	    T(test_a_decision_on_a_stale_brief_is_refused),
	    T(test_only_a_release_manager_of_the_playbook_before_may_change_it),
	    T(test_the_pinned_copy_must_be_a_copy_of_playbook_yaml),
	    T(test_a_playbook_change_may_not_touch_a_release),
	    T(test_a_bad_signature_is_always_refused),
	    T(test_a_signature_by_someone_other_than_the_author_is_refused),
	    T_SIGNED(test_signing_required_refuses_unsigned_commits_and_unknown_keys),
	    T_EMPTY(test_the_first_commit_is_judged_by_the_signing_rule_of_its_own_playbook),
	    T(test_signing_optional_accepts_unsigned_commits_and_unknown_keys),
	    T(test_the_signing_rule_is_the_playbooks_in_force_before_the_commit),
	    T(test_judge_signers_counts_signed_and_unsigned_commits_per_author),
	    T(test_a_commit_built_on_a_refused_one_is_refused),
	    T(test_only_a_release_manager_plans_a_restore),
	    T_TWIN(test_a_release_set_aside_is_read_back_from_its_blob_and_judged_the_same),
	    T_TWIN(test_a_planned_restore_is_accepted_and_marks_every_incident_restored),
	    T_TWIN(test_a_restore_carries_the_valid_events_of_refused_commits_and_drops_the_others),
	    T_TWIN(test_a_restore_must_bring_back_the_last_good_state_and_only_refused_events),
	    T_TWIN(test_a_restore_carries_a_release_that_a_refused_commit_started),
	    T(test_a_restore_after_a_refused_playbook_change_brings_back_the_playbook_in_force),
	    T(test_a_restore_that_leaves_a_refused_commits_file_is_refused),
	    T(test_a_restore_of_a_rewritten_history_carries_nothing),
	    T_TWIN(test_a_new_release_starts_on_the_playbook_in_force),
	    T_SIGNED(test_a_restore_carries_only_events_their_actors_signed),
	    T(test_with_signing_optional_a_restore_drops_events_of_badly_signed_commits),
	    T(test_many_events_of_a_refused_commit_are_remembered_and_restored_in_linear_time),
	    T(test_judge_try_leaves_the_judge_unchanged_on_refusal),
	    T(test_a_judge_from_a_base_reads_the_bases_files_once_through_its_source),
	    T(test_a_base_that_cannot_be_read_is_no_incident_of_the_commit),
	    T(test_a_restore_brings_only_closing_events_into_the_reserve),
	};

	return cmocka_run_group_tests_name("judge", tests, NULL, NULL);
}

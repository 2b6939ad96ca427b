/*
 * The judge of ledger commits (see judge.h).  It keeps the accepted ledger
 * incrementally: the files it has needed (read once through the source,
 * then kept as commits change them), each touched release's document and
 * replayed state, and the pinned playbooks parsed once.  A commit is judged
 * against that state, never by replaying a release from scratch, so sync
 * and verify cost one parse of the changed file per commit.
 *
 * Refused commits leave the accepted state alone; what they wrote is kept
 * as the "shadow" (the tree as the refused commits left it) and the events
 * they appended as candidates, which a restore may bring back.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "judge.h"
#include "json.h"
#include "ledger.h"
#include "playbook.h"
#include "util.h"
#include "ledger-view.h"

#define README_MAX (64 * 1024)
#define INDEX_MAX (16 * 1024 * 1024)

/*
 * The reserve of a release file for the events that finish a release
 * (docs/ledger.md, "Limits"): other events stop at RESERVE_FROM bytes and
 * RESERVE_EVENTS_FROM events, and each closing event may grow the file by
 * at most RESERVE_STEP bytes past RESERVE_FROM, so that however a teammate
 * fills a release, the owner's abort and the manager's skips still fit.
 */
#define RESERVE_FROM (LEDGER_RELEASE_MAX - 1024 * 1024)
#define RESERVE_STEP (16 * 1024)
#define RESERVE_EVENTS_FROM (LEDGER_EVENTS_MAX - 1000)

enum path_kind { PATH_OTHER, PATH_README, PATH_INDEX, PATH_PLAYBOOK, PATH_PINNED, PATH_RELEASE };

/* A file of the accepted tree, as far as the judge has needed it. */
struct file_entry {
	char *path;
	bool present;
	char *data;
	size_t len;
};

struct judged_release {
	char *path;
	char *version;
	cJSON *doc; /* the accepted document; NULL while set aside (judge_forget) */
	struct release_state *st;
	size_t len; /* the accepted file's size */
	char blob[41]; /* the accepted file's git blob id; "" when not known (it stays in memory) */
	size_t used;   /* when a rule last asked for it (the judge's uses) */
};

struct pinned {
	char *blob;
	struct playbook *pb;
};

/* A path as the refused commits since the accepted one left it. */
struct shadow_entry {
	char *path;
	bool deleted;
	char *data;
	size_t len;
};

/* An event a refused commit appended: a restore may bring it back. */
struct candidate {
	char *path;
	char *commit;
	char *author_email;
	cJSON *event;
	cJSON *pin;  /* the release document's playbook pin, for a release the refused commits started */
	char *unfit; /* why its commit cannot vouch for it (a signature not its actor's), or NULL */
};

/*
 * Event ids (per release path, or of one release) and paths, in an
 * open-addressing table kept at most half full.  A refused commit may
 * append 100,000 events or write as many files, and a linear look-up per
 * event made remembering one quadratic (100,000 events: 221 s).  The keys
 * are borrowed from whoever holds the events or the paths.
 */
struct id_slot {
	const char *path; /* NULL in an index of one release's events */
	const char *id;
	size_t value; /* 0: an empty slot */
};

struct id_index {
	struct id_slot *slots;
	size_t size, count;
};

struct judge {
	struct judge_source source;
	bool has_base;
	char *accepted, *seen;
	char *root;
	char *pinned_root; /* relctl.root, or NULL */
	struct file_entry *files;
	size_t file_count, file_cap;
	struct id_index file_paths; /* path -> file index + 1 */
	struct judged_release *releases;
	size_t release_count;
	size_t uses; /* release_cached's calls, a clock for judge_forget */
	struct pinned *pinned;
	size_t pinned_count;
	struct playbook *current; /* playbook.yaml, parsed when first needed */
	char current_blob[41];    /* its git blob id, "" until needed */
	struct playbook *first;   /* a first commit's own playbook, for its keys */
	struct playbook *written; /* the playbook a change writes, for judge_new_keys() */
	cJSON *signers;           /* email -> {signed, unsigned} */
	cJSON *index;             /* index.json, likewise */
	struct shadow_entry *shadow;
	size_t shadow_count, shadow_cap;
	struct id_index shadow_paths; /* path -> shadow index + 1 */
	struct candidate *candidates;
	size_t candidate_count, candidate_cap;
	struct id_index candidate_ids; /* (path, event id) -> candidate index + 1 */
	struct judge_incident *incidents;
	size_t incident_count;
	size_t events;
	time_t clock; /* the judging clock (judge_set_clock()); 0 until set */
};

/* What one judged commit is about, for the messages. */
struct verdict {
	const struct judge_commit *c;
	char event[72]; /* the id of the event at fault, or "" */
};

static void verdict_event(struct verdict *v, const char *id)
{
	snprintf(v->event, sizeof(v->event), "%s", id && event_id_valid(id) ? id : "");
}

/* ---------- indexes of ids and paths ---------- */

/* The path, a separator and the id. */
static size_t id_hash(const char *path, const char *id)
{
	return str_hash(str_hash(STR_HASH_SEED, path ? path : "") ^ 0xffu, id);
}

static bool id_slot_is(const struct id_slot *slot, const char *path, const char *id)
{
	if (strcmp(slot->id, id) != 0)
		return false;
	return path == NULL ? slot->path == NULL : slot->path != NULL && strcmp(slot->path, path) == 0;
}

/* The value kept for (path, id), or 0. */
static size_t id_index_find(const struct id_index *x, const char *path, const char *id)
{
	size_t k, mask;

	if (x->size == 0)
		return 0;
	mask = x->size - 1;
	for (k = id_hash(path, id) & mask; x->slots[k].value; k = (k + 1) & mask)
		if (id_slot_is(&x->slots[k], path, id))
			return x->slots[k].value;
	return 0;
}

/* Keeps value (not 0) for (path, id), which the index does not hold yet. */
static void id_index_add(struct id_index *x, const char *path, const char *id, size_t value)
{
	size_t k, mask;

	if (2 * (x->count + 1) > x->size) {
		struct id_index grown = { NULL, x->size ? 2 * x->size : 64, 0 };

		grown.slots = xcalloc(grown.size, sizeof(*grown.slots));
		for (k = 0; k < x->size; k++)
			if (x->slots[k].value)
				id_index_add(&grown, x->slots[k].path, x->slots[k].id, x->slots[k].value);
		free(x->slots);
		*x = grown;
	}
	mask = x->size - 1;
	for (k = id_hash(path, id) & mask; x->slots[k].value; k = (k + 1) & mask)
		;
	x->slots[k].path = path;
	x->slots[k].id = id;
	x->slots[k].value = value;
	x->count++;
}

static void id_index_release(struct id_index *x)
{
	free(x->slots);
	memset(x, 0, sizeof(*x));
}

/* The ids of events (an array, or NULL), each once. */
static void id_index_of_events(struct id_index *x, const cJSON *events)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events)
	{
		const char *id = json_string(ev, "id");

		if (id && !id_index_find(x, NULL, id))
			id_index_add(x, NULL, id, 1);
	}
}

/* ---------- the accepted tree ---------- */

struct judge *judge_new(const char *base, const struct judge_source *source)
{
	struct judge *j = xcalloc(1, sizeof(*j));

	j->has_base = base && base[0];
	if (source)
		j->source = *source;
	j->accepted = xstrdup(j->has_base ? base : "");
	j->seen = xstrdup(j->accepted);
	return j;
}

static void shadow_clear(struct judge *j)
{
	size_t i;

	for (i = 0; i < j->shadow_count; i++) {
		free(j->shadow[i].path);
		free(j->shadow[i].data);
	}
	free(j->shadow);
	j->shadow = NULL;
	j->shadow_count = j->shadow_cap = 0;
	id_index_release(&j->shadow_paths);
	for (i = 0; i < j->candidate_count; i++) {
		free(j->candidates[i].path);
		free(j->candidates[i].commit);
		free(j->candidates[i].author_email);
		cJSON_Delete(j->candidates[i].event);
		cJSON_Delete(j->candidates[i].pin);
		free(j->candidates[i].unfit);
	}
	free(j->candidates);
	j->candidates = NULL;
	j->candidate_count = j->candidate_cap = 0;
	id_index_release(&j->candidate_ids);
}

void judge_free(struct judge *j)
{
	size_t i;

	if (j == NULL)
		return;
	shadow_clear(j);
	for (i = 0; i < j->release_count; i++) {
		free(j->releases[i].path);
		free(j->releases[i].version);
		cJSON_Delete(j->releases[i].doc);
		release_state_free(j->releases[i].st);
	}
	free(j->releases);
	for (i = 0; i < j->pinned_count; i++) {
		free(j->pinned[i].blob);
		playbook_free(j->pinned[i].pb);
	}
	free(j->pinned);
	for (i = 0; i < j->file_count; i++) {
		free(j->files[i].path);
		free(j->files[i].data);
	}
	free(j->files);
	id_index_release(&j->file_paths);
	for (i = 0; i < j->incident_count; i++) {
		struct judge_incident *in = &j->incidents[i];

		free(in->commit);
		free(in->author);
		free(in->event);
		free(in->problem);
		free(in->restored_by);
		free(in->restore_commit);
	}
	free(j->incidents);
	playbook_free(j->current);
	playbook_free(j->first);
	playbook_free(j->written);
	cJSON_Delete(j->signers);
	cJSON_Delete(j->index);
	if (j->source.release)
		j->source.release(j->source.ctx);
	free(j->accepted);
	free(j->seen);
	free(j->root);
	free(j->pinned_root);
	free(j);
}

const cJSON *judge_signers(const struct judge *j)
{
	return j->signers;
}

const char *judge_root(const struct judge *j)
{
	return j->root ? j->root : "";
}

void judge_set_clock(struct judge *j, time_t now)
{
	j->clock = now;
}

void judge_pin_root(struct judge *j, const char *root)
{
	free(j->pinned_root);
	j->pinned_root = root && root[0] ? xstrdup(root) : NULL;
}

const char *judge_accepted(const struct judge *j)
{
	return j->accepted;
}

const char *judge_seen(const struct judge *j)
{
	return j->seen ? j->seen : "";
}

bool judge_clean(const struct judge *j)
{
	return strcmp(j->accepted, j->seen) == 0;
}

const struct judge_incident *judge_incidents(const struct judge *j, size_t *count)
{
	*count = j->incident_count;
	return j->incidents;
}

size_t judge_event_count(const struct judge *j)
{
	return j->events;
}

size_t judge_release_count(const struct judge *j)
{
	return j->release_count;
}

static struct file_entry *file_find(struct judge *j, const char *path)
{
	size_t i = id_index_find(&j->file_paths, NULL, path);

	return i ? &j->files[i - 1] : NULL;
}

static void file_set(struct judge *j, const char *path, const char *data, size_t len)
{
	struct file_entry *f = file_find(j, path);

	if (f == NULL) {
		if (j->file_count == j->file_cap) {
			j->file_cap = j->file_cap ? 2 * j->file_cap : 64;
			j->files = xrealloc(j->files, j->file_cap * sizeof(*j->files));
		}
		f = &j->files[j->file_count++];
		f->path = xstrdup(path);
		id_index_add(&j->file_paths, NULL, f->path, j->file_count);
	} else {
		free(f->data);
	}
	f->present = data != NULL;
	f->data = data ? xstrndup(data, len) : NULL;
	f->len = data ? len : 0;
}

/* The accepted content of path: 0 with data, 1 when absent, -1 on error. */
static int accepted_file(struct judge *j, const char *path, const char **data, size_t *len, struct error *err)
{
	struct file_entry *f = file_find(j, path);

	if (f == NULL) {
		struct buf b;
		int rc = 1;

		buf_init(&b);
		if (j->has_base && j->source.read)
			rc = j->source.read(j->source.ctx, path, LEDGER_RELEASE_MAX, &b, err);
		if (rc < 0) {
			buf_release(&b);
			return -1;
		}
		file_set(j, path, rc == 0 ? b.data : NULL, b.len);
		buf_release(&b);
		f = file_find(j, path);
	}
	*data = f->data;
	*len = f->len;
	return f->present ? 0 : 1;
}

static const struct playbook *current_playbook(struct judge *j, struct error *err)
{
	const char *data;
	size_t len;
	int rc;

	if (j->current)
		return j->current;
	rc = accepted_file(j, "playbook.yaml", &data, &len, err);
	if (rc == 1)
		error_set(err, EXIT_DATAERR, "the ledger has no playbook.yaml");
	if (rc == 0)
		j->current = playbook_load_text("playbook.yaml", data, len, err);
	return j->current;
}

/* The blob id of playbook.yaml in force: what an honest 'relctl start' pins. */
static const char *current_blob(struct judge *j, struct error *err)
{
	const char *data;
	size_t len;
	int rc;

	if (j->current_blob[0])
		return j->current_blob;
	rc = accepted_file(j, "playbook.yaml", &data, &len, err);
	if (rc == 1)
		error_set(err, EXIT_DATAERR, "the ledger has no playbook.yaml");
	if (rc != 0)
		return NULL;
	if (git_blob_id(data, len, j->current_blob) != 0) {
		j->current_blob[0] = '\0';
		error_set(err, EXIT_SOFTWARE, "cannot hash the playbook");
		return NULL;
	}
	return j->current_blob;
}

/*
 * A new release is pinned to the playbook in force: a release started on an
 * older one the ledger still holds would give back the roles an update took.
 */
static int check_pin_in_force(struct judge *j, const char *version, const char *blob, struct error *err)
{
	const char *in_force = current_blob(j, err);

	if (in_force == NULL)
		return -1;
	if (strcmp(blob, in_force) != 0)
		return error_set(err, EXIT_DATAERR, "release %s is pinned to playbook %.12s..., not the one in force (%.12s...); a new release starts on the current playbook",
				 version, blob, in_force);
	return 0;
}

static const struct playbook *pinned_playbook(struct judge *j, const char *blob, struct error *err)
{
	char *path;
	const char *data;
	size_t len, i;
	struct playbook *pb = NULL;
	int rc;

	for (i = 0; i < j->pinned_count; i++)
		if (strcmp(j->pinned[i].blob, blob) == 0)
			return j->pinned[i].pb;
	path = xasprintf("playbooks/%s.yaml", blob);
	rc = accepted_file(j, path, &data, &len, err);
	if (rc == 1)
		error_set(err, EXIT_DATAERR, "the release is pinned to playbook %.12s, which the ledger does not hold", blob);
	if (rc == 0)
		pb = playbook_load_text(path, data, len, err);
	free(path);
	if (pb == NULL)
		return NULL;
	j->pinned = xrealloc(j->pinned, (j->pinned_count + 1) * sizeof(*j->pinned));
	j->pinned[j->pinned_count].blob = xstrdup(blob);
	j->pinned[j->pinned_count++].pb = pb;
	return pb;
}

static const char *pin_blob(const cJSON *doc)
{
	return json_string(cJSON_GetObjectItemCaseSensitive(doc, "playbook"), "blob");
}

static bool hex40(const char *s)
{
	return s && strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/* A release judge_forget set aside, read back from its blob and replayed: 0 or -1. */
static int release_reload(struct judge *j, struct judged_release *r, struct error *err)
{
	const struct playbook *pb;
	struct buf text;
	char why[160];

	buf_init(&text);
	if (j->source.read_blob(j->source.ctx, r->blob, LEDGER_RELEASE_MAX, &text, err) != 0) {
		buf_release(&text);
		return -1;
	}
	r->doc = json_parse_ledger(text.data, text.len, true, why, sizeof(why));
	buf_release(&text);
	if (r->doc == NULL)
		return error_set(err, EXIT_DATAERR, "%s (blob %s) no longer reads as it was accepted: %s", r->path, r->blob, why);
	pb = pinned_playbook(j, pin_blob(r->doc), err);
	r->st = pb ? ledger_replay(pb, r->doc, r->path, err) : NULL;
	if (r->st == NULL) {
		cJSON_Delete(r->doc);
		r->doc = NULL;
		return -1;
	}
	return 0;
}

/*
 * The accepted release at path, or NULL; one set aside is read back.  A
 * blob that cannot be read back (the git object store lost it) leaves the
 * release unknown, so any change to it is refused as a change to nothing.
 */
static struct judged_release *release_cached(struct judge *j, const char *path)
{
	struct error ignored;
	size_t i;

	for (i = 0; i < j->release_count; i++)
		if (strcmp(j->releases[i].path, path) == 0) {
			struct judged_release *r = &j->releases[i];

			if (r->doc == NULL && release_reload(j, r, &ignored) != 0)
				return NULL;
			r->used = ++j->uses;
			return r;
		}
	return NULL;
}

void judge_forget(struct judge *j, size_t keep)
{
	size_t loaded = 0, i;

	for (i = 0; i < j->release_count; i++)
		loaded += j->releases[i].doc != NULL;
	while (loaded > keep && j->source.read_blob) {
		struct judged_release *oldest = NULL;

		for (i = 0; i < j->release_count; i++) {
			struct judged_release *r = &j->releases[i];

			if (r->doc && r->blob[0] && (oldest == NULL || r->used < oldest->used))
				oldest = r;
		}
		if (oldest == NULL)
			return;
		cJSON_Delete(oldest->doc);
		release_state_free(oldest->st);
		oldest->doc = NULL;
		oldest->st = NULL;
		loaded--;
	}
}

/* The accepted release at path: 0, 1 when there is none, -1 on error. */
static int release_get(struct judge *j, const char *path, struct judged_release **out, struct error *err)
{
	char why[160];
	struct judged_release r;
	const struct playbook *pb;
	const char *data;
	size_t len;
	int rc;

	*out = release_cached(j, path);
	if (*out)
		return 0;
	rc = accepted_file(j, path, &data, &len, err);
	if (rc != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	r.doc = json_parse_ledger(data, len, true, why, sizeof(why));
	if (r.doc == NULL || !hex40(pin_blob(r.doc))) {
		cJSON_Delete(r.doc);
		return error_set(err, EXIT_DATAERR, "%s is not a relctl release", path);
	}
	pb = pinned_playbook(j, pin_blob(r.doc), err);
	if (pb)
		r.st = ledger_replay(pb, r.doc, path, err);
	if (r.st == NULL) {
		cJSON_Delete(r.doc);
		return -1;
	}
	/* The document is kept; the file's text is not needed any more. */
	r.len = len;
	file_set(j, path, NULL, 0);
	file_find(j, path)->present = true;
	r.path = xstrdup(path);
	r.version = xstrdup(r.st->version);
	j->releases = xrealloc(j->releases, (j->release_count + 1) * sizeof(*j->releases));
	j->releases[j->release_count] = r;
	*out = &j->releases[j->release_count++];
	return 0;
}

static cJSON *accepted_index(struct judge *j, struct error *err)
{
	const char *data;
	size_t len;
	int rc;

	if (j->index)
		return j->index;
	rc = accepted_file(j, "index.json", &data, &len, err);
	if (rc == 1)
		error_set(err, EXIT_DATAERR, "the ledger has no index.json");
	if (rc == 0) {
		char why[160];

		j->index = json_parse_ledger(data, len, true, why, sizeof(why));
		if (j->index == NULL)
			error_set(err, EXIT_DATAERR, "index.json %s", why);
	}
	return j->index;
}

/* ---------- paths ---------- */

static enum path_kind path_kind(const char *path, char **version)
{
	size_t n = strlen(path);

	if (strcmp(path, "README.md") == 0)
		return PATH_README;
	if (strcmp(path, "index.json") == 0)
		return PATH_INDEX;
	if (strcmp(path, "playbook.yaml") == 0)
		return PATH_PLAYBOOK;
	if (strncmp(path, "playbooks/", 10) == 0 && n == 10 + 40 + 5 && strcmp(path + 50, ".yaml") == 0) {
		char blob[41];

		memcpy(blob, path + 10, 40);
		blob[40] = '\0';
		return hex40(blob) ? PATH_PINNED : PATH_OTHER;
	}
	if (strncmp(path, "releases/", 9) == 0 && n > 9 + 5 && strcmp(path + n - 5, ".json") == 0) {
		char *v = xstrndup(path + 9, n - 14);

		if (version_valid(v)) {
			if (version)
				*version = v;
			else
				free(v);
			return PATH_RELEASE;
		}
		free(v);
	}
	return PATH_OTHER;
}

static const struct judge_change *change_of(const struct judge_commit *c, const char *path)
{
	size_t i;

	for (i = 0; i < c->change_count; i++)
		if (strcmp(c->changes[i].path, path) == 0)
			return &c->changes[i];
	return NULL;
}

/* ---------- release documents ---------- */

static bool is_header_key(const char *key)
{
	return strcmp(key, "format") == 0 || strcmp(key, "version") == 0 || strcmp(key, "playbook") == 0 ||
	       strcmp(key, "events") == 0;
}

/* What a step's view depends on, to tell the steps an event changed from the others. */
struct step_mark {
	time_t changed_at, ready_at, claimed_at, done_at;
	size_t event_count;
	int candidate, round;
	enum step_state base, state;
};

static struct step_mark *marks_of(const struct release_state *st)
{
	struct step_mark *marks = xcalloc(st->pb->step_count + 1, sizeof(*marks));
	size_t i;

	for (i = 0; i < st->pb->step_count; i++) {
		const struct step_record *r = &st->steps[i];

		marks[i].changed_at = r->changed_at;
		marks[i].ready_at = r->ready_at;
		marks[i].claimed_at = r->claimed_at;
		marks[i].done_at = r->done_at;
		marks[i].event_count = r->event_count;
		marks[i].candidate = r->candidate;
		marks[i].round = r->round;
		marks[i].base = r->base;
		marks[i].state = ledger_step_state(st, i, 0);
	}
	return marks;
}

static bool same_mark(const struct step_mark *a, const struct step_mark *b)
{
	return a->changed_at == b->changed_at && a->ready_at == b->ready_at && a->claimed_at == b->claimed_at &&
	       a->done_at == b->done_at && a->event_count == b->event_count && a->candidate == b->candidate &&
	       a->round == b->round && a->base == b->base && a->state == b->state;
}

/*
 * The stored view (every key but the header and the events) is exactly the
 * replay.  With the accepted document and the marks of each step before the
 * new events (both may be NULL), a step the events did not change is compared
 * with the accepted document's view of it, which was checked when it came,
 * instead of being written out again: a step misjudged unchanged can only
 * refuse an honest commit, never let a forged view through.
 */
static bool view_matches(const struct release_state *st, const cJSON *doc, const cJSON *old_doc,
			 const struct step_mark *before)
{
	cJSON *view = cJSON_CreateObject(), *item;
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(doc, "steps"), *step, *old_step = NULL;
	struct step_mark *after = before ? marks_of(st) : NULL;
	bool ok = cJSON_IsObject(steps);
	size_t i = 0;

	ledger_write_view_parts(st, view, false);
	cJSON_ArrayForEach(item, view)
		if (!json_same(item, cJSON_GetObjectItemCaseSensitive(doc, item->string)))
			ok = false;
	cJSON_ArrayForEach(item, doc)
		if (!is_header_key(item->string) && strcmp(item->string, "steps") != 0 && !cJSON_HasObjectItem(view, item->string))
			ok = false;
	cJSON_Delete(view);
	if (before) {
		const cJSON *old_steps = cJSON_GetObjectItemCaseSensitive(old_doc, "steps");

		old_step = old_steps ? old_steps->child : NULL;
	}
	for (step = ok ? steps->child : NULL; step && ok; step = step->next, i++) {
		if (i >= st->pb->step_count || step->string == NULL || strcmp(step->string, st->pb->steps[i].id) != 0) {
			ok = false;
			break;
		}
		if (before && old_step && old_step->string && strcmp(old_step->string, step->string) == 0 &&
		    same_mark(&before[i], &after[i])) {
			ok = json_same(step, old_step);
		} else {
			cJSON *fresh = ledger_step_view(st, i);

			ok = json_same(step, fresh);
			cJSON_Delete(fresh);
		}
		if (old_step)
			old_step = old_step->next;
	}
	if (ok && i != st->pb->step_count)
		ok = false;
	free(after);
	return ok;
}

/* A new release's format: the whole number relctl writes (1.5 is not 1, nor is "1"). */
static int check_new_format(const cJSON *format, const char *version, struct error *err)
{
	double f;

	if (!cJSON_IsNumber(format))
		return error_set(err, EXIT_DATAERR, "release %s has a format that is not a number; this relctl writes format %d",
				 version, LEDGER_FORMAT);
	f = format->valuedouble;
	if (f >= -2147483647.0 && f <= 2147483647.0 && f != (double)(int)f)
		return error_set(err, EXIT_DATAERR, "release %s has the format %g, which is not a whole number; this relctl writes format %d",
				 version, f, LEDGER_FORMAT);
	if (f > LEDGER_FORMAT)
		return error_set(err, EXIT_DATAERR, "release %s has ledger format %.0f, and this relctl reads format %d; upgrade relctl",
				 version, f, LEDGER_FORMAT);
	if (f != LEDGER_FORMAT)
		return error_set(err, EXIT_DATAERR, "release %s has ledger format %.0f, and this relctl writes format %d", version,
				 f, LEDGER_FORMAT);
	return 0;
}

/*
 * A new release's header: format, its own version, and a pin to the
 * playbook in force, which the ledger holds.
 */
static int check_new_header(struct judge *j, const cJSON *doc, const char *version, const struct playbook **pb,
			    struct error *err)
{
	const cJSON *pin = cJSON_GetObjectItemCaseSensitive(doc, "playbook"), *item;
	const char *name = json_string(pin, "name");

	if (check_new_format(cJSON_GetObjectItemCaseSensitive(doc, "format"), version, err) != 0)
		return -1;
	if (json_string(doc, "version") == NULL || strcmp(json_string(doc, "version"), version) != 0)
		return error_set(err, EXIT_DATAERR, "releases/%s.json says it is another release", version);
	cJSON_ArrayForEach(item, pin)
		if (strcmp(item->string, "name") && strcmp(item->string, "blob"))
			return error_set(err, EXIT_DATAERR, "release %s's playbook pin has the unknown field \"%s\"", version,
					 item->string);
	if (!cJSON_IsObject(pin) || name == NULL || !hex40(pin_blob(doc)))
		return error_set(err, EXIT_DATAERR, "release %s does not say which playbook it was started with", version);
	*pb = pinned_playbook(j, pin_blob(doc), err);
	if (*pb == NULL)
		return -1;
	if (strcmp((*pb)->name, name) != 0)
		return error_set(err, EXIT_DATAERR, "release %s's pin names the playbook \"%s\", but the pinned playbook is \"%s\"",
				 version, name, (*pb)->name);
	return check_pin_in_force(j, version, pin_blob(doc), err);
}

static bool same_header(const cJSON *a, const cJSON *b)
{
	static const char *const keys[] = { "format", "version", "playbook" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (!json_same(cJSON_GetObjectItemCaseSensitive(a, keys[i]), cJSON_GetObjectItemCaseSensitive(b, keys[i])))
			return false;
	return true;
}

/* The commit's author is the event's actor (by email, as the playbook lists them). */
static int check_author(const struct release_state *st, const cJSON *event, const char *author_email, struct error *err)
{
	const char *actor = json_string(event, "actor");
	const struct pb_person *who = actor ? playbook_person(st->pb, actor) : NULL;

	if (who == NULL || strcasecmp(who->email, author_email) != 0)
		return error_set(err, EXIT_DATAERR, "the commit's author <%s> is not the event's actor %s <%s>", author_email,
				 actor ? actor : "?", who ? who->email : "unknown");
	return 0;
}

/*
 * Events appended to a release: old_count accepted events must stay as they
 * were, and the new ones apply to st in order.  expect (when not 0) is how
 * many must be appended; accept (may be NULL) decides, for a restore, whether
 * an appended event may be carried.
 */
struct appended {
	struct judge *j;
	const char *path;
	const char *author_email; /* one commit, one actor; NULL for a restore */
};

static const struct candidate *candidate_of(const struct judge *j, const char *path, const char *id)
{
	size_t i = id ? id_index_find(&j->candidate_ids, path, id) : 0;

	return i ? &j->candidates[i - 1] : NULL;
}

/*
 * The form relctl has always given an event id (random_hex(), 16 bytes):
 * an id in another form was written by hand.
 */
static int check_event_id_form(const char *path, const char *id, struct error *err)
{
	if (id == NULL || strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
		return error_set(err, EXIT_DATAERR, "%s: event id \"%.64s\" is not in the form relctl writes (32 lowercase hex digits)",
				 path, id ? id : "");
	return 0;
}

/* Another accepted release, for the rules that look across releases (ledger.h's lookup). */
static const struct release_state *judge_lookup(void *data, const char *version)
{
	struct judge *j = data;
	struct judged_release *r = NULL;
	struct error ignored;
	char *path = xasprintf("releases/%s.json", version);
	int rc = version_valid(version) ? release_get(j, path, &r, &ignored) : 1;

	free(path);
	return rc == 0 ? r->st : NULL;
}

static int check_events(const struct appended *a, struct release_state *st, const cJSON *old_doc, const cJSON *doc,
			int expect, struct verdict *v, struct error *err)
{
	const cJSON *old_events = cJSON_GetObjectItemCaseSensitive(old_doc, "events");
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(doc, "events"), *old, *ev;
	int old_count = cJSON_GetArraySize(old_events), count, i;
	struct step_mark *before = NULL;
	struct id_index ids = { NULL, 0, 0 };
	int rc = -1;

	if (!cJSON_IsArray(events))
		return error_set(err, EXIT_DATAERR, "%s has no events array", a->path);
	count = cJSON_GetArraySize(events);
	if (count > LEDGER_EVENTS_MAX)
		return error_set(err, EXIT_DATAERR, "%s holds %d events; a release holds at most %d", a->path, count,
				 LEDGER_EVENTS_MAX);
	/* Append-only first: a rewritten event is named as such even when the rest no longer replays. */
	for (old = old_events ? old_events->child : NULL, ev = events->child; old; old = old->next, ev = ev->next) {
		if (ev == NULL || !json_same(old, ev)) {
			verdict_event(v, json_string(old, "id"));
			return error_set(err, EXIT_DATAERR, "%s: an earlier event was changed or removed; the ledger is append-only",
					 a->path);
		}
	}
	if (expect && count - old_count != expect)
		return error_set(err, EXIT_DATAERR, "%s: the commit appends %d events; every change is exactly one event and one commit",
				 a->path, count - old_count);
	st->lookup = judge_lookup;
	st->lookup_data = a->j;
	st->clock = a->j->clock;
	before = old_doc && count > old_count ? marks_of(st) : NULL;
	/* The accepted events' ids (unique, as they were accepted), then each new one as it comes. */
	id_index_of_events(&ids, old_events);
	for (i = old_count; ev; ev = ev->next, i++) {
		const char *id = json_string(ev, "id");
		struct error inner;

		verdict_event(v, id);
		if (json_key_twice(ev)) {
			error_set(err, EXIT_DATAERR, "%s: event %s has the key \"%.64s\" twice, which relctl never writes", a->path,
				  id ? id : "?", json_key_twice(ev));
			goto out;
		}
		if (id && id_index_find(&ids, NULL, id)) {
			error_set(err, EXIT_DATAERR, "%s: event id %s is used twice", a->path, id);
			goto out;
		}
		if (id) {
			if (check_event_id_form(a->path, id, err) != 0)
				goto out;
			id_index_add(&ids, NULL, id, 1);
		}
		if (ledger_apply_new(st, ev, &inner) != 0) {
			error_set(err, EXIT_DATAERR, "%s", inner.message);
			goto out;
		}
		if (a->author_email) {
			if (check_author(st, ev, a->author_email, err) != 0)
				goto out;
		} else {
			/* A restore carries only events that refused commits appended, by their own actors. */
			const struct candidate *cand = candidate_of(a->j, a->path, id);

			if (cand == NULL || !json_same(cand->event, ev)) {
				error_set(err, EXIT_DATAERR, "%s: the restore brings event %s, which no refused commit appended",
					  a->path, id);
				goto out;
			}
			if (cand->unfit) {
				error_set(err, EXIT_DATAERR, "%s: the restore brings event %s, which its commit %.12s cannot vouch for: %s",
					  a->path, id, cand->commit, cand->unfit);
				goto out;
			}
			if (check_author(st, ev, cand->author_email, err) != 0)
				goto out;
		}
	}
	verdict_event(v, count > old_count ? json_string(cJSON_GetArrayItem(events, count - 1), "id") : NULL);
	if (!view_matches(st, doc, old_doc, before)) {
		error_set(err, EXIT_DATAERR, "%s: the stored steps view is not the replay of its events", a->path);
		goto out;
	}
	rc = 0;
out:
	id_index_release(&ids);
	free(before);
	return rc;
}

/* The ops that finish a release or a step: they may use the reserve. */
static bool closing_op(const char *op)
{
	return op && (strcmp(op, "decide") == 0 || strcmp(op, "skip") == 0 || strcmp(op, "done") == 0);
}

/*
 * The reserve of a release file (RESERVE_FROM): a release file of len bytes
 * and count events after a commit, old_len before it, appending events from
 * first on.  One event (restore false) past the reserve's start must be a
 * closing one that grows the file by at most RESERVE_STEP there; a restore
 * may bring only closing events into the reserve.
 */
static int check_reserve(const char *path, size_t old_len, size_t len, const cJSON *first, int count, bool restore,
			 struct error *err)
{
	size_t from = old_len > RESERVE_FROM ? old_len : RESERVE_FROM;
	const cJSON *ev;

	if ((len <= RESERVE_FROM || len <= old_len) && count <= RESERVE_EVENTS_FROM)
		return 0;
	for (ev = first; ev; ev = ev->next)
		if (!closing_op(json_string(ev, "op")))
			return error_set(err, EXIT_DATAERR, "%s would be %zu bytes and %d events: past %d MiB or %d events a release takes only the events that finish it (decide, skip, done), and %s is not one",
					 path, len, count, RESERVE_FROM / (1024 * 1024), RESERVE_EVENTS_FROM,
					 json_string(ev, "op") ? json_string(ev, "op") : "this event");
	if (!restore && len > from && len - from > RESERVE_STEP)
		return error_set(err, EXIT_DATAERR, "%s would grow by %zu bytes past %d MiB; there an event that finishes the release adds at most %d KiB: shorten its note, reason or evidence",
				 path, len - from, RESERVE_FROM / (1024 * 1024), RESERVE_STEP / 1024);
	return 0;
}

/* Takes back what a refused commit did to st: the accepted state is replayed again from its document. */
static void release_undo(struct judge *j, const char *path, struct release_state *st)
{
	struct judged_release *r = release_cached(j, path);
	struct error ignored;

	if (r == NULL || r->st != st) {
		release_state_free(st);
		return;
	}
	if (st->event_count == (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r->doc, "events")))
		return;
	r->st = ledger_replay(st->pb, r->doc, path, &ignored);
	release_state_free(st);
}

/*
 * Judges the new content of one release file.  On success *state receives
 * the release's new state (the caller keeps it or frees it) and *doc_out the
 * parsed document.
 */
static int check_release_doc(struct appended *a, const char *version, const char *data, size_t len, int expect,
			     struct release_state **state, cJSON **doc_out, struct verdict *v, struct error *err)
{
	struct judge *j = a->j;
	struct judged_release *r;
	const struct playbook *pb = NULL;
	struct release_state *st;
	cJSON *doc;
	const cJSON *item, *events;
	char why[160];
	size_t old_len;
	int rc, old_count;

	*state = NULL;
	*doc_out = NULL;
	if (data == NULL || len > LEDGER_RELEASE_MAX)
		return error_set(err, EXIT_DATAERR, "%s is %zu bytes; a release file is at most %d MiB", a->path, len,
				 LEDGER_RELEASE_MAX / (1024 * 1024));
	doc = json_parse_ledger(data, len, false, why, sizeof(why));
	if (doc == NULL)
		return error_set(err, EXIT_DATAERR, "%s %s", a->path, why);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return error_set(err, EXIT_DATAERR, "%s is not a JSON object", a->path);
	}
	rc = release_get(j, a->path, &r, err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		if (check_new_header(j, doc, version, &pb, err) != 0)
			goto fail;
		st = release_state_new(pb, version);
	} else {
		const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");

		if (cJSON_IsNumber(format) && format->valueint > LEDGER_FORMAT) {
			error_set(err, EXIT_DATAERR, "%s has ledger format %d, and this relctl reads format %d; upgrade relctl",
				  a->path, format->valueint, LEDGER_FORMAT);
			goto fail;
		}
		if (!same_header(r->doc, doc)) {
			error_set(err, EXIT_DATAERR, "%s: its format, version or playbook pin was changed", a->path);
			goto fail;
		}
		/* The accepted state moves on; release_undo() brings it back when the commit is refused. */
		st = r->st;
	}
	cJSON_ArrayForEach(item, doc)
		if (!is_header_key(item->string) && strcmp(item->string, "status") && strcmp(item->string, "candidate") &&
		    strcmp(item->string, "started") && strcmp(item->string, "started_by") && strcmp(item->string, "vars") &&
		    strcmp(item->string, "steps") && strcmp(item->string, "findings") && strcmp(item->string, "inputs") &&
		    strcmp(item->string, "rehearsal") && strcmp(item->string, "target") && strcmp(item->string, "away") &&
		    strcmp(item->string, "reminders") &&
		    strcmp(item->string, "decisions")) {
			release_undo(j, a->path, st);
			error_set(err, EXIT_DATAERR, "%s has the unknown field \"%s\"", a->path, item->string);
			goto fail;
		}
	/* Before the events: their rules may read other releases, which moves r. */
	old_len = rc == 1 ? 0 : r->len;
	old_count = rc == 1 ? 0 : cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r->doc, "events"));
	if (check_events(a, st, rc == 1 ? NULL : r->doc, doc, expect, v, err) != 0) {
		release_undo(j, a->path, st);
		goto fail;
	}
	if (st->event_count == 0) {
		release_undo(j, a->path, st);
		error_set(err, EXIT_DATAERR, "%s has no events", a->path);
		goto fail;
	}
	events = cJSON_GetObjectItemCaseSensitive(doc, "events");
	if (check_reserve(a->path, old_len, len, cJSON_GetArrayItem(events, old_count), cJSON_GetArraySize(events),
			  expect == 0, err) != 0) {
		release_undo(j, a->path, st);
		goto fail;
	}
	*state = st;
	*doc_out = doc;
	return 0;
fail:
	cJSON_Delete(doc);
	return -1;
}

/* Makes st and doc (a file of len bytes) the accepted release at path. */
static void release_accept(struct judge *j, const char *path, struct release_state *st, cJSON *doc, size_t len,
			   const char *blob)
{
	struct judged_release *r = release_cached(j, path);

	if (r == NULL) {
		j->releases = xrealloc(j->releases, (j->release_count + 1) * sizeof(*j->releases));
		r = &j->releases[j->release_count++];
		memset(r, 0, sizeof(*r));
		r->path = xstrdup(path);
		r->version = xstrdup(st->version);
		file_set(j, path, NULL, 0);
		file_find(j, path)->present = true;
	}
	cJSON_Delete(r->doc);
	if (r->st != st)
		release_state_free(r->st);
	r->doc = doc;
	r->st = st;
	r->len = len;
	snprintf(r->blob, sizeof(r->blob), "%s", blob && strlen(blob) == 40 ? blob : "");
	r->used = ++j->uses;
}

/* ---------- the index ---------- */

/* The accepted index with the entries of the changed releases as their states say. */
static cJSON *expected_index(struct judge *j, struct release_state *const *states, size_t count, struct error *err)
{
	cJSON *index = accepted_index(j, err), *out, *releases;
	size_t i;

	if (index == NULL)
		return NULL;
	out = cJSON_Duplicate(index, 1);
	releases = cJSON_GetObjectItemCaseSensitive(out, "releases");
	for (i = 0; i < count; i++)
		ledger_index_entry(states[i], releases, false);
	return out;
}

/* The index as the commit leaves it (data, or the accepted one) equals expected. */
static int check_index(struct judge *j, const char *data, size_t len, const cJSON *expected, struct error *err)
{
	char why[160];
	cJSON *index;
	bool ok;

	if (data && len > INDEX_MAX)
		return error_set(err, EXIT_DATAERR, "index.json is %zu bytes; it is at most 16 MiB", len);
	index = data ? json_parse_ledger(data, len, true, why, sizeof(why)) : NULL;
	if (data && index == NULL)
		return error_set(err, EXIT_DATAERR, "index.json %s", why);
	ok = json_same(data ? index : accepted_index(j, err), expected);
	cJSON_Delete(index);
	if (!ok)
		return error_set(err, EXIT_DATAERR, "index.json does not match the releases' status");
	return 0;
}

/* ---------- event trailers ---------- */

bool judge_event_trailer(const char **cursor, char *value, size_t size)
{
	const char *p = *cursor, *key = JUDGE_EVENT_TRAILER;
	size_t key_len = strlen(key);

	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *v, *end;

		if (strncasecmp(p, key, key_len) != 0)
			continue;
		v = p + key_len;
		v += strspn(v, " \t");
		end = strchr(v, '\n') ? strchr(v, '\n') : v + strlen(v);
		*cursor = end;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		snprintf(value, size, "%.*s", (int)(end - v), v);
		return true;
	}
	*cursor = p ? p : "";
	return false;
}

/* Every Relctl-Event line of c's message names added, the id of the one event c appends (NULL: none). */
static int check_event_trailers(const struct judge_commit *c, const char *added, struct error *err)
{
	const char *p = c->message;
	char value[80];

	while (judge_event_trailer(&p, value, sizeof(value)))
		if (added == NULL || strcmp(value, added) != 0)
			return error_set(err, EXIT_DATAERR, "its message's %s line names \"%.64s\", but the commit adds %s%s", JUDGE_EVENT_TRAILER,
					 value, added ? "event " : "no event", added ? added : "");
	return 0;
}

/* ---------- roots of trust ---------- */

const struct playbook *judge_new_keys(struct judge *j, const struct judge_commit *c, struct error *err)
{
	const struct judge_change *text = change_of(c, "playbook.yaml");

	playbook_free(j->written);
	j->written = NULL;
	if (c->parent_count == 0 || text == NULL || text->deleted)
		return NULL;
	if (text->data == NULL || text->len > PLAYBOOK_MAX_BYTES) {
		error_set(err, EXIT_DATAERR, "playbook.yaml is removed or too large");
		return NULL;
	}
	j->written = playbook_load_text("playbook.yaml", text->data, text->len, err);
	return j->written;
}

/*
 * Every person's keys, in the playbook's order, as one text: two playbooks
 * with the same text let the same keys sign for the same people.  Caller frees.
 */
static char *keys_text(const struct playbook *pb)
{
	struct buf b;
	size_t i, k;

	buf_init(&b);
	for (i = 0; i < pb->person_count; i++) {
		const struct pb_person *p = &pb->people[i];

		if (p->key_count == 0)
			continue;
		buf_addf(&b, "%s\n", p->email);
		for (k = 0; k < p->key_count; k++)
			buf_addf(&b, " %s%s %s\n", p->keys[k].cert_authority ? "cert-authority " : "", p->keys[k].type,
				 p->keys[k].base64);
	}
	buf_adds(&b, "");
	return buf_detach(&b);
}

/*
 * The roots of trust (docs/ledger.md, "The trust model"): a playbook that
 * changes the keys from before's (NULL: none, the first commit), or switches
 * signing: required on, is signed by a release manager's key in it, the
 * author's own (signature and signer as checked against pb's keys).
 */
static int check_trust_root(const struct playbook *before, const struct playbook *pb, const struct judge_commit *c,
			    enum judge_signature signature, const char *signer, struct error *err)
{
	char *old_keys = before ? keys_text(before) : xstrdup(""), *new_keys = keys_text(pb);
	bool keys = strcmp(old_keys, new_keys) != 0, required = pb->signing_required && !(before && before->signing_required);
	const struct pb_person *who = signer ? playbook_person_by_email(pb, signer) : NULL;

	free(old_keys);
	free(new_keys);
	if (!keys && !required)
		return 0;
	if (signature == JUDGE_SIGNED && who && strcasecmp(signer, c->author_email) == 0 && ledger_is_manager(who))
		return 0;
	return error_set(err, EXIT_DATAERR, "the playbook %s%s%s, and the commit is not signed by a release manager's key in that playbook; a change of keys is signed by the key of a release manager it lists (the first, by the key it introduces)",
			 keys ? "changes the signing keys" : "", keys && required ? " and " : "",
			 required ? "switches signing: required on" : "");
}

/* ---------- kinds of commit ---------- */

static const struct pb_person *author_in(const struct playbook *pb, const struct judge_commit *c)
{
	return pb ? playbook_person_by_email(pb, c->author_email) : NULL;
}

/* playbook.yaml and its pinned copy playbooks/BLOB.yaml, written together. */
static int check_playbook_files(struct judge *j, const struct judge_commit *c, struct playbook **out, struct error *err)
{
	const struct judge_change *text = change_of(c, "playbook.yaml");
	char blob[41], *pinned_path;
	const struct judge_change *pinned;
	const char *data;
	size_t len, i;
	int rc;

	*out = NULL;
	if (text == NULL || text->deleted || text->data == NULL)
		return error_set(err, EXIT_DATAERR, "playbook.yaml is removed or too large");
	if (text->len > PLAYBOOK_MAX_BYTES)
		return error_set(err, EXIT_DATAERR, "playbook.yaml is %zu bytes; a playbook is at most 4 MiB", text->len);
	if (git_blob_id(text->data, text->len, blob) != 0)
		return error_set(err, EXIT_SOFTWARE, "cannot hash the playbook");
	pinned_path = xasprintf("playbooks/%s.yaml", blob);
	pinned = change_of(c, pinned_path);
	for (i = 0; i < c->change_count; i++)
		if (path_kind(c->changes[i].path, NULL) == PATH_PINNED && strcmp(c->changes[i].path, pinned_path) != 0) {
			free(pinned_path);
			return error_set(err, EXIT_DATAERR, "%s is not the new playbook's pinned copy", c->changes[i].path);
		}
	if (pinned) {
		rc = accepted_file(j, pinned_path, &data, &len, err);
		if (rc == 0 || pinned->deleted || pinned->len != text->len || memcmp(pinned->data, text->data, text->len)) {
			free(pinned_path);
			return rc < 0 ? -1 : error_set(err, EXIT_DATAERR, "playbooks/%.12s...yaml is not a copy of playbook.yaml", blob);
		}
	} else if (accepted_file(j, pinned_path, &data, &len, err) != 0) {
		free(pinned_path);
		return error_set(err, EXIT_DATAERR, "the new playbook has no pinned copy playbooks/%.12s...yaml", blob);
	}
	free(pinned_path);
	*out = playbook_load_text("playbook.yaml", text->data, text->len, err);
	return *out ? 0 : -1;
}

static void accept_files(struct judge *j, const struct judge_commit *c)
{
	size_t i;

	for (i = 0; i < c->change_count; i++)
		if (path_kind(c->changes[i].path, NULL) != PATH_RELEASE)
			file_set(j, c->changes[i].path, c->changes[i].deleted ? NULL : c->changes[i].data, c->changes[i].len);
	if (change_of(c, "index.json")) {
		cJSON_Delete(j->index);
		j->index = NULL;
	}
}

static int judge_first(struct judge *j, const struct judge_commit *c, struct error *err)
{
	char why[160];
	struct playbook *pb;
	const struct judge_change *index = change_of(c, "index.json"), *readme = change_of(c, "README.md");
	cJSON *parsed, *expected;
	bool ok;
	size_t i;

	if (j->has_base || j->accepted[0])
		return error_set(err, EXIT_DATAERR, "a second root commit: the ledger has one history");
	if (j->pinned_root && strcmp(j->pinned_root, c->id) != 0)
		return error_set(err, EXIT_DATAERR, "this ledger begins with commit %.12s, but git config relctl.root pins %.12s: it is not your team's ledger",
				 c->id, j->pinned_root);
	for (i = 0; i < c->change_count; i++) {
		enum path_kind kind = path_kind(c->changes[i].path, NULL);

		if (kind == PATH_RELEASE || kind == PATH_OTHER)
			return error_set(err, EXIT_DATAERR, "the first commit writes %s; it holds only the playbook, the index and README.md",
					 c->changes[i].path);
	}
	if (readme && readme->len > README_MAX)
		return error_set(err, EXIT_DATAERR, "README.md is %zu bytes; it is at most 64 KiB", readme->len);
	if (check_playbook_files(j, c, &pb, err) != 0)
		return -1;
	if (author_in(pb, c) == NULL) {
		playbook_free(pb);
		return error_set(err, EXIT_DATAERR, "the first commit's author <%s> is not a person of its playbook",
				 c->author_email);
	}
	/* The first commit's signature was checked against its own playbook's keys (judge_keys()). */
	if (check_trust_root(NULL, pb, c, c->signature, c->signer, err) != 0) {
		playbook_free(pb);
		return -1;
	}
	parsed = index && index->data ? json_parse_ledger(index->data, index->len, true, why, sizeof(why)) : NULL;
	expected = cJSON_Parse("{\"format\": 1, \"releases\": {}}");
	ok = json_same(parsed, expected);
	cJSON_Delete(parsed);
	cJSON_Delete(expected);
	if (!ok) {
		playbook_free(pb);
		return error_set(err, EXIT_DATAERR, "the first commit's index.json is not an empty index of format 1");
	}
	accept_files(j, c);
	playbook_free(j->current);
	j->current = pb;
	j->current_blob[0] = '\0';
	return 0;
}

static int judge_playbook(struct judge *j, const struct judge_commit *c, struct error *err)
{
	const struct playbook *before = current_playbook(j, err);
	struct playbook *pb;
	size_t i;

	if (before == NULL)
		return -1;
	for (i = 0; i < c->change_count; i++) {
		enum path_kind kind = path_kind(c->changes[i].path, NULL);

		if (kind != PATH_PLAYBOOK && kind != PATH_PINNED)
			return error_set(err, EXIT_DATAERR, "a playbook change also writes %s; it changes the playbook only",
					 c->changes[i].path);
	}
	/* The playbook before the change says who may change it. */
	if (!ledger_is_manager(author_in(before, c)))
		return error_set(err, EXIT_DATAERR, "the playbook was changed by <%s>, who is not a release manager of the playbook before it",
				 c->author_email);
	if (check_playbook_files(j, c, &pb, err) != 0)
		return -1;
	if (check_trust_root(before, pb, c, c->playbook_signature, c->playbook_signer, err) != 0) {
		playbook_free(pb);
		return -1;
	}
	accept_files(j, c);
	playbook_free(j->current);
	j->current = pb;
	j->current_blob[0] = '\0';
	return 0;
}

static int judge_release(struct judge *j, const struct judge_commit *c, const struct judge_change *ch,
			 struct verdict *v, struct error *err)
{
	struct appended a = { j, ch->path, c->author_email };
	const struct judge_change *index = change_of(c, "index.json");
	struct release_state *st;
	cJSON *doc, *expected;
	char *version = NULL;
	int rc;

	path_kind(ch->path, &version);
	if (ch->deleted) {
		rc = error_set(err, EXIT_DATAERR, "the commit deletes %s; releases are never removed", ch->path);
		goto out;
	}
	rc = check_release_doc(&a, version, ch->data, ch->len, 1, &st, &doc, v, err);
	if (rc != 0)
		goto out;
	rc = check_event_trailers(c, json_string(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "events"),
								    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "events")) - 1),
						 "id"),
				  err);
	if (rc != 0) {
		release_undo(j, ch->path, st);
		cJSON_Delete(doc);
		goto out;
	}
	if (index && (index->deleted || index->data == NULL)) {
		release_undo(j, ch->path, st);
		cJSON_Delete(doc);
		rc = error_set(err, EXIT_DATAERR, "index.json is removed or %zu bytes; it is at most 16 MiB", index->len);
		goto out;
	}
	expected = expected_index(j, &st, 1, err);
	rc = expected ? check_index(j, index ? index->data : NULL, index ? index->len : 0, expected, err) : -1;
	cJSON_Delete(expected);
	if (rc != 0) {
		release_undo(j, ch->path, st);
		cJSON_Delete(doc);
		goto out;
	}
	release_accept(j, ch->path, st, doc, ch->len, ch->blob);
	accept_files(j, c);
	j->events++;
out:
	free(version);
	return rc;
}

/* ---------- restore ---------- */

/* Whether line (len bytes) is a trailer as git reads one: "Token: value", the token letters, digits and '-'. */
static bool trailer_line(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (isalnum((unsigned char)line[i]) || line[i] == '-'))
		i++;
	return i > 0 && i + 1 < len && line[i] == ':' && line[i + 1] == ' ';
}

static bool blank_line(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return false;
	return true;
}

char *judge_restore_target(const char *message)
{
	const char *end = message + strlen(message), *block = NULL, *p, *found = NULL;
	size_t count = 0;

	/* The trailer block is the last paragraph (git interpret-trailers), and never the subject. */
	while (end > message && strchr(" \t\r\n", end[-1]))
		end--;
	for (p = message; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;

		if (blank_line(p, (size_t)((eol ? eol : end) - p)))
			block = next;
		p = next;
	}
	if (block == NULL || block >= end)
		return NULL;
	for (p = block; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((eol ? eol : end) - p);

		if (!trailer_line(p, len))
			return NULL;
		if (len > strlen(JUDGE_RESTORE_TRAILER) && strncmp(p, JUDGE_RESTORE_TRAILER, strlen(JUDGE_RESTORE_TRAILER)) == 0) {
			found = p + strlen(JUDGE_RESTORE_TRAILER);
			count++;
			if (len - strlen(JUDGE_RESTORE_TRAILER) != 40)
				return NULL;
		}
		p = eol ? eol + 1 : end;
	}
	if (count != 1 || strspn(found, "0123456789abcdef") < 40)
		return NULL;
	return xstrndup(found, 40);
}

bool judge_restore_of(const char *message, char target[41])
{
	char *t = judge_restore_target(message);

	if (t == NULL)
		return false;
	snprintf(target, 41, "%s", t);
	free(t);
	return true;
}

static struct shadow_entry *shadow_find(struct judge *j, const char *path)
{
	size_t i = id_index_find(&j->shadow_paths, NULL, path);

	return i ? &j->shadow[i - 1] : NULL;
}

/* The content of path in the tree of the last commit judged: 0, 1 when absent, -1 on error. */
static int seen_file(struct judge *j, const char *path, const char **data, size_t *len, struct error *err)
{
	const struct shadow_entry *s = shadow_find(j, path);
	struct judged_release *r;

	if (s) {
		*data = s->data;
		*len = s->len;
		return s->deleted ? 1 : 0;
	}
	if (path_kind(path, NULL) == PATH_RELEASE && release_get(j, path, &r, err) == 0) {
		/* Accepted releases are kept parsed; a restore compares documents, not bytes. */
		*data = NULL;
		*len = 0;
		return 0;
	}
	return accepted_file(j, path, data, len, err);
}

/*
 * Every path the refused commits or this one changed; changes receives, per
 * path c changes, the index + 1 of its first change (as change_of() finds it).
 */
static char **restore_paths(struct judge *j, const struct judge_commit *c, struct id_index *changes, size_t *count)
{
	char **paths = xcalloc(j->shadow_count + c->change_count + 1, sizeof(*paths));
	size_t i, n = 0;

	/* Changes against the last good commit: every other path is as it was there. */
	for (i = 0; i < j->shadow_count && c->changes_from == NULL; i++)
		paths[n++] = j->shadow[i].path;
	for (i = 0; i < c->change_count; i++) {
		if (id_index_find(changes, NULL, c->changes[i].path))
			continue;
		id_index_add(changes, NULL, c->changes[i].path, i + 1);
		if (c->changes_from || !shadow_find(j, c->changes[i].path))
			paths[n++] = (char *)c->changes[i].path;
	}
	*count = n;
	return paths;
}

static int judge_restore(struct judge *j, const struct judge_commit *c, const char *target, struct verdict *v,
			 struct error *err)
{
	const struct playbook *pb = current_playbook(j, err);
	size_t n, i, state_count = 0;
	char **paths;
	struct release_state **states;
	const char **state_paths;
	cJSON **docs;
	size_t *lens;
	const char **blobs;
	const char *index_data = NULL;
	size_t index_len = 0;
	bool index_present = false;
	struct id_index changes = { NULL, 0, 0 };
	int rc = -1;

	if (pb == NULL)
		return -1;
	if (strcmp(target, j->accepted) != 0 || (c->changes_from && strcmp(c->changes_from, target) != 0))
		return error_set(err, EXIT_DATAERR, "the restore brings back commit %.12s, but the last good commit is %.12s",
				 target, j->accepted[0] ? j->accepted : "none");
	if (judge_clean(j))
		return error_set(err, EXIT_DATAERR, "a restore, but no commit since %.12s was refused", target);
	if (!ledger_is_manager(author_in(pb, c)))
		return error_set(err, EXIT_DATAERR, "the restore was written by <%s>, who is not a release manager",
				 c->author_email);
	paths = restore_paths(j, c, &changes, &n);
	states = xcalloc(n + 1, sizeof(*states));
	state_paths = xcalloc(n + 1, sizeof(*state_paths));
	docs = xcalloc(n + 1, sizeof(*docs));
	lens = xcalloc(n + 1, sizeof(*lens));
	blobs = xcalloc(n + 1, sizeof(*blobs));
	for (i = 0; i < n; i++) {
		size_t k = id_index_find(&changes, NULL, paths[i]);
		const struct judge_change *ch = k ? &c->changes[k - 1] : NULL;
		const char *data, *acc;
		size_t len, acc_len;
		char *version = NULL;
		enum path_kind kind = path_kind(paths[i], &version);
		int present, was;

		if (ch) {
			present = !ch->deleted;
			data = ch->data;
			len = ch->len;
		} else {
			present = seen_file(j, paths[i], &data, &len, err);
			if (present < 0)
				goto out;
			present = present == 0;
		}
		if (kind == PATH_INDEX) {
			index_present = present;
			index_data = data;
			index_len = len;
		} else if (kind == PATH_RELEASE) {
			struct appended a = { j, paths[i], NULL };
			struct judged_release *r;

			was = release_get(j, paths[i], &r, err);
			if (was < 0) {
				free(version);
				goto out;
			}
			if (!present && was == 0) {
				free(version);
				error_set(err, EXIT_DATAERR, "the restore deletes %s, which was good", paths[i]);
				goto out;
			}
			if (present && (ch == NULL || data == NULL) && was == 0 && !shadow_find(j, paths[i]) &&
			    c->changes_from == NULL) {
				free(version);
				continue; /* untouched and accepted */
			}
			if (present && check_release_doc(&a, version, data, len, 0, &states[state_count], &docs[state_count],
							  v, err) != 0) {
				free(version);
				goto out;
			}
			if (present) {
				lens[state_count] = len;
				blobs[state_count] = ch ? ch->blob : NULL;
				state_paths[state_count++] = paths[i];
			}
		} else {
			was = accepted_file(j, paths[i], &acc, &acc_len, err);
			if (was < 0) {
				free(version);
				goto out;
			}
			if ((was == 0) != present || (present && (acc_len != len || memcmp(acc, data, len) != 0))) {
				free(version);
				error_set(err, EXIT_DATAERR, "the restore leaves %s other than it was at %.12s", paths[i], target);
				goto out;
			}
		}
		free(version);
	}
	{
		cJSON *expected = expected_index(j, states, state_count, err);

		rc = expected ? check_index(j, index_present ? index_data : NULL, index_len, expected, err) : -1;
		cJSON_Delete(expected);
		if (rc == 0 && index_present && index_data == NULL)
			rc = error_set(err, EXIT_DATAERR, "the restore leaves index.json too large or removed");
		if (rc != 0)
			goto out;
	}
	for (i = 0; i < state_count; i++) {
		struct judged_release *r = release_cached(j, state_paths[i]);
		size_t before = r ? (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r->doc, "events")) : 0;

		j->events += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(docs[i], "events")) - before;
		release_accept(j, state_paths[i], states[i], docs[i], lens[i], blobs[i]);
		states[i] = NULL;
		docs[i] = NULL;
	}
	if (index_present && index_data) {
		file_set(j, "index.json", index_data, index_len);
		cJSON_Delete(j->index);
		j->index = NULL;
	}
	for (i = 0; i < j->incident_count; i++)
		if (j->incidents[i].restored_by == NULL) {
			j->incidents[i].restored_by = xasprintf("%s <%s>", c->author_name, c->author_email);
			j->incidents[i].restore_commit = xstrdup(c->id);
			j->incidents[i].restored_at = c->time;
		}
	shadow_clear(j);
	rc = 0;
out:
	for (i = 0; i < state_count; i++) {
		if (states[i])
			release_undo(j, state_paths[i], states[i]);
		cJSON_Delete(docs[i]);
	}
	free(states);
	free(state_paths);
	free(docs);
	free(lens);
	free(blobs);
	free(paths);
	id_index_release(&changes);
	return rc;
}

/* ---------- judging ---------- */

const struct playbook *judge_keys(struct judge *j, const struct judge_commit *c, struct error *err)
{
	const struct judge_change *text;

	if (c->parent_count > 0 || j->has_base || j->accepted[0])
		return current_playbook(j, err);
	text = change_of(c, "playbook.yaml");
	playbook_free(j->first);
	j->first = NULL;
	if (text == NULL || text->data == NULL || text->len > PLAYBOOK_MAX_BYTES) {
		error_set(err, EXIT_DATAERR, "the first commit has no playbook.yaml");
		return NULL;
	}
	j->first = playbook_load_text("playbook.yaml", text->data, text->len, err);
	return j->first;
}

/*
 * Who signed: a signature must verify and be its author's; with signing:
 * required in the playbook in force, every commit is signed by a key it
 * lists for its author.
 */
static int check_signature(struct judge *j, const struct judge_commit *c, struct error *err)
{
	const struct playbook *pb = judge_keys(j, c, err);

	if (pb == NULL)
		return -1;
	if (c->signature == JUDGE_BAD)
		return error_set(err, EXIT_DATAERR, "its signature does not verify (%s): the commit was changed after it was signed",
				 c->signature_detail ? c->signature_detail : "bad signature");
	if (c->signature == JUDGE_SIGNED && (c->signer == NULL || strcasecmp(c->signer, c->author_email) != 0))
		return error_set(err, EXIT_DATAERR, "it is signed with the key of <%s>, not of its author <%s>",
				 c->signer ? c->signer : "?", c->author_email);
	if (!pb->signing_required)
		return 0;
	if (c->signature == JUDGE_UNSIGNED)
		return error_set(err, EXIT_DATAERR, "it is not signed, and the playbook says signing: required");
	if (c->signature == JUDGE_UNKNOWN_KEY)
		return error_set(err, EXIT_DATAERR, "it is signed with a key (%s) the playbook lists for nobody, and it says signing: required",
				 c->fingerprint ? c->fingerprint : "?");
	return 0;
}

static void count_signer(struct judge *j, const struct judge_commit *c)
{
	cJSON *entry;
	const char *key = c->signature == JUDGE_SIGNED ? "signed" : "unsigned";

	if (j->signers == NULL)
		j->signers = cJSON_CreateObject();
	entry = cJSON_GetObjectItemCaseSensitive(j->signers, c->author_email);
	if (entry == NULL) {
		entry = cJSON_AddObjectToObject(j->signers, c->author_email);
		cJSON_AddNumberToObject(entry, "signed", 0);
		cJSON_AddNumberToObject(entry, "unsigned", 0);
	}
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(entry, key),
			     cJSON_GetObjectItemCaseSensitive(entry, key)->valuedouble + 1);
}

/* What a path that is not a plain file is, by its git mode ("" when the mode is not known). */
static const char *mode_name(unsigned mode)
{
	switch (mode) {
	case 0:
		return "";
	case 0120000:
		return " (a symlink)";
	case 0160000:
		return " (a submodule)";
	case 0100755:
		return " (an executable)";
	default:
		return " (its mode is not 100644)";
	}
}

/* Every path c writes is a plain file (a file turned into a symlink is no deletion: git reports it as both). */
static int check_plain_files(const struct judge_commit *c, struct error *err)
{
	size_t i;

	for (i = 0; i < c->change_count; i++)
		if (!c->changes[i].regular && !c->changes[i].deleted)
			return error_set(err, EXIT_DATAERR, "%s is not a plain file%s", c->changes[i].path,
					 mode_name(c->changes[i].mode));
	return 0;
}

/*
 * Which paths a commit that is no restore writes, from the names alone: a
 * ledger file each, nothing deleted, and one release (or the playbook).
 * release receives the release it changes, playbook whether it changes the
 * playbook.
 */
static int check_paths(const struct judge_commit *c, const struct judge_change **release, bool *playbook,
		       struct error *err)
{
	size_t i, releases = 0;

	*release = NULL;
	*playbook = false;
	for (i = 0; i < c->change_count; i++) {
		const struct judge_change *ch = &c->changes[i];
		enum path_kind kind = path_kind(ch->path, NULL);

		if (kind == PATH_OTHER)
			return error_set(err, EXIT_DATAERR, "it writes %s, which is not a ledger file", ch->path);
		if (ch->deleted && c->parent_count)
			return error_set(err, EXIT_DATAERR, "it deletes %s; the ledger only grows", ch->path);
		if (kind == PATH_README && c->parent_count)
			return error_set(err, EXIT_DATAERR, "it rewrites README.md, which only the first commit writes");
		if (kind == PATH_PLAYBOOK || kind == PATH_PINNED)
			*playbook = true;
		if (kind == PATH_RELEASE) {
			releases++;
			*release = ch;
		}
	}
	if (c->parent_count == 0 || *playbook)
		return 0;
	if (releases > 1)
		return error_set(err, EXIT_DATAERR, "the commit changes %zu releases; every change is one event in one release",
				 releases);
	if (releases == 0)
		return error_set(err, EXIT_DATAERR, "the commit changes no release and not the playbook");
	return 0;
}

/* A restore: one parent and a well-formed trailer block naming what it restores (NULL otherwise; caller frees). */
static char *restore_of(const struct judge_commit *c)
{
	return c->parent_count == 1 ? judge_restore_target(c->message) : NULL;
}

int judge_screen(struct judge *j, const struct judge_commit *c, bool *need, struct error *err)
{
	const struct judge_change *release;
	char *target = restore_of(c);
	bool playbook;
	size_t i, total = 0;
	int rc = -1;

	if (c->unreadable)
		error_set(err, EXIT_DATAERR, "%s", c->unreadable);
	else if (c->parent_count > 1)
		error_set(err, EXIT_DATAERR, "a merge commit: the ledger's history is linear");
	else if (check_plain_files(c, err) != 0)
		;
	else if (target == NULL && judge_clean(j) && check_paths(c, &release, &playbook, err) != 0)
		;
	else
		rc = 0;
	free(target);
	if (rc != 0)
		return -1;
	for (i = 0; i < c->change_count; i++) {
		const struct judge_change *ch = &c->changes[i];

		need[i] = !ch->deleted && ch->regular && ch->len <= LEDGER_RELEASE_MAX;
		if (need[i])
			total += ch->len;
	}
	if (total > JUDGE_READ_MAX)
		return error_set(err, EXIT_DATAERR, "its files come to %zu MiB, more than the %d MiB relctl reads of one commit",
				 total / (1024 * 1024), JUDGE_READ_MAX / (1024 * 1024));
	return 0;
}

static int judge_one(struct judge *j, const struct judge_commit *c, struct verdict *v, struct error *err)
{
	const struct judge_change *release;
	char *target;
	bool playbook;
	int rc;

	if (c->unreadable)
		return error_set(err, EXIT_DATAERR, "%s", c->unreadable);
	if (c->parent_count > 1)
		return error_set(err, EXIT_DATAERR, "a merge commit: the ledger's history is linear");
	if (check_signature(j, c, err) != 0 || check_plain_files(c, err) != 0)
		return -1;
	target = restore_of(c);
	if (target) {
		rc = check_event_trailers(c, NULL, err) != 0 ? -1 : judge_restore(j, c, target, v, err);
		free(target);
		return rc;
	}
	if (!judge_clean(j))
		return error_set(err, EXIT_DATAERR, "it builds on commit %.12s, which was refused; a release manager can run 'relctl sync --restore'",
				 j->incidents[j->incident_count - 1].commit);
	if (check_paths(c, &release, &playbook, err) != 0)
		return -1;
	if ((c->parent_count == 0 || playbook) && check_event_trailers(c, NULL, err) != 0)
		return -1;
	if (c->parent_count == 0)
		return judge_first(j, c, err);
	if (playbook)
		return judge_playbook(j, c, err);
	return judge_release(j, c, release, v, err);
}

/*
 * Whether c's signature vouches for the events it appended, as the judge
 * would take it now under the playbook in force (which a restore puts back):
 * NULL, or why not.  A restore may carry only what its actor could have
 * committed: with signing: required, signed with their own key; never with
 * a bad signature or another person's key.
 */
static char *signature_unfit(struct judge *j, const struct judge_commit *c)
{
	struct error why;

	error_clear(&why);
	if (check_signature(j, c, &why) == 0)
		return NULL;
	return xstrdup(why.message[0] ? why.message : "its signature cannot be checked");
}

/* What a refused commit wrote: the shadow tree, and the events it appended. */
static void remember_refused(struct judge *j, const struct judge_commit *c)
{
	char *unfit = signature_unfit(j, c);
	size_t i;

	for (i = 0; i < c->change_count; i++) {
		const struct judge_change *ch = &c->changes[i];
		struct shadow_entry *s = shadow_find(j, ch->path);
		cJSON *doc = NULL, *prev = NULL, *pin = NULL;
		const cJSON *prev_events, *ev;
		struct judged_release *r;
		struct id_index prev_ids = { NULL, 0, 0 };
		struct error ignored;

		if (path_kind(ch->path, NULL) == PATH_RELEASE && !ch->deleted && ch->data && ch->len <= LEDGER_RELEASE_MAX)
			doc = cJSON_ParseWithLength(ch->data, ch->len);
		if (doc) {
			if (s && !s->deleted && s->data)
				prev = cJSON_ParseWithLength(s->data, s->len);
			prev_events = cJSON_GetObjectItemCaseSensitive(prev, "events");
			if (s == NULL && release_get(j, ch->path, &r, &ignored) == 0)
				prev_events = cJSON_GetObjectItemCaseSensitive(r->doc, "events");
			id_index_of_events(&prev_ids, prev_events);
			pin = cJSON_GetObjectItemCaseSensitive(doc, "playbook");
			cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
			{
				const char *id = json_string(ev, "id");
				struct candidate *cand;

				if (id == NULL || id_index_find(&prev_ids, NULL, id) || candidate_of(j, ch->path, id) ||
				    j->candidate_count >= LEDGER_EVENTS_MAX)
					continue;
				if (j->candidate_count == j->candidate_cap) {
					j->candidate_cap = j->candidate_cap ? 2 * j->candidate_cap : 64;
					j->candidates = xrealloc(j->candidates, j->candidate_cap * sizeof(*j->candidates));
				}
				cand = &j->candidates[j->candidate_count++];
				cand->path = xstrdup(ch->path);
				cand->commit = xstrdup(c->id);
				cand->author_email = xstrdup(c->author_email);
				cand->event = cJSON_Duplicate(ev, 1);
				cand->pin = cJSON_Duplicate(pin, 1);
				cand->unfit = unfit ? xstrdup(unfit) : NULL;
				id_index_add(&j->candidate_ids, cand->path, json_string(cand->event, "id"), j->candidate_count);
			}
			id_index_release(&prev_ids);
			cJSON_Delete(prev);
			cJSON_Delete(doc);
		}
		if (s == NULL) {
			if (j->shadow_count == j->shadow_cap) {
				j->shadow_cap = j->shadow_cap ? 2 * j->shadow_cap : 16;
				j->shadow = xrealloc(j->shadow, j->shadow_cap * sizeof(*j->shadow));
			}
			s = &j->shadow[j->shadow_count++];
			s->path = xstrdup(ch->path);
			id_index_add(&j->shadow_paths, NULL, s->path, j->shadow_count);
		} else {
			free(s->data);
		}
		s->deleted = ch->deleted;
		s->data = ch->data && !ch->deleted ? xstrndup(ch->data, ch->len) : NULL;
		s->len = s->data ? ch->len : 0;
	}
	free(unfit);
}

static int judge(struct judge *j, const struct judge_commit *c, bool record, struct error *err)
{
	struct verdict v = { c, "" };
	struct judge_incident *in;
	struct error why;
	char id[13];

	error_clear(&why);
	if (strcmp(c->parent, j->seen) != 0)
		return error_set(err, EXIT_SOFTWARE, "commit %.12s does not follow the last commit judged", c->id);
	if (judge_one(j, c, &v, &why) == 0) {
		count_signer(j, c);
		if (c->parent_count == 0 && j->root == NULL)
			j->root = xstrdup(c->id);
		free(j->accepted);
		free(j->seen);
		j->accepted = xstrdup(c->id);
		j->seen = xstrdup(c->id);
		return 0;
	}
	if (why.code != EXIT_DATAERR) {
		/* Not the commit's fault (a file of the base could not be read): no incident, and nothing moved. */
		*err = why;
		return -1;
	}
	snprintf(id, sizeof(id), "%.12s", c->id[0] ? c->id : "(new)");
	if (!record)
		return error_set(err, EXIT_DATAERR, "commit %s by %s <%s>%s%s: %s", id, c->author_name ? c->author_name : "",
				 c->author_email, v.event[0] ? ", event " : "", v.event, why.message);
	j->incidents = xrealloc(j->incidents, (j->incident_count + 1) * sizeof(*j->incidents));
	in = &j->incidents[j->incident_count++];
	memset(in, 0, sizeof(*in));
	in->commit = xstrdup(c->id);
	in->author = xasprintf("%s <%s>", c->author_name ? c->author_name : "", c->author_email);
	in->time = c->time;
	in->event = v.event[0] ? xstrdup(v.event) : NULL;
	in->problem = xstrdup(why.message);
	remember_refused(j, c);
	free(j->seen);
	j->seen = xstrdup(c->id);
	return error_set(err, EXIT_DATAERR, "commit %s by %s%s%s: %s", id, in->author, v.event[0] ? ", event " : "",
			 v.event, why.message);
}

int judge_commit(struct judge *j, const struct judge_commit *c, struct error *err)
{
	return judge(j, c, true, err);
}

int judge_try(struct judge *j, const struct judge_commit *c, struct error *err)
{
	return judge(j, c, false, err);
}

/* ---------- planning a restore ---------- */

static void restore_add(struct judge_restore *r, const char *path, char *data)
{
	struct judge_change *ch;

	r->changes = xrealloc(r->changes, (r->change_count + 1) * sizeof(*r->changes));
	ch = &r->changes[r->change_count++];
	memset(ch, 0, sizeof(*ch));
	ch->path = xstrdup(path);
	ch->regular = true;
	ch->deleted = data == NULL;
	ch->data = data;
	ch->len = data ? strlen(data) : 0;
}

static void note_event(cJSON *list, const struct candidate *cand, const char *version, const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "event", cJSON_Duplicate(cand->event, 1));
	cJSON_AddStringToObject(o, "release", version);
	cJSON_AddStringToObject(o, "commit", cand->commit);
	if (reason)
		cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddItemToArray(list, o);
}

static char *print_doc(const cJSON *doc)
{
	char *text = cJSON_Print(doc), *out = xasprintf("%s\n", text);

	free(text);
	return out;
}

/* The candidates in order of path, then of arrival: a release's are next to each other. */
struct candidate_ref {
	const char *path;
	size_t index;
};

static int candidate_ref_cmp(const void *a, const void *b)
{
	const struct candidate_ref *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static struct candidate_ref *candidates_by_path(const struct judge *j)
{
	struct candidate_ref *refs = xcalloc(j->candidate_count + 1, sizeof(*refs));
	size_t i;

	for (i = 0; i < j->candidate_count; i++) {
		refs[i].path = j->candidates[i].path;
		refs[i].index = i;
	}
	qsort(refs, j->candidate_count, sizeof(*refs), candidate_ref_cmp);
	return refs;
}

/* The first of refs (count, sorted) whose path is path, or count. */
static size_t candidates_from(const struct candidate_ref *refs, size_t count, const char *path)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(refs[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Whether a restore may carry cand at all, before the rules: its commit's
 * signature vouches for it and its id is in relctl's form.  NULL, or why not.
 */
static const char *candidate_unfit(const struct candidate *cand, struct error *why)
{
	if (cand->unfit) {
		error_set(why, EXIT_DATAERR, "its commit cannot vouch for it: %s", cand->unfit);
		return why->message;
	}
	if (check_event_id_form(cand->path, json_string(cand->event, "id"), why) != 0)
		return why->message;
	return NULL;
}

/* How much of the refused commits' events a restore tries to bring back into one release. */
enum restore_fit {
	FIT_ALL,     /* every valid event */
	FIT_CLOSING, /* the file would pass the reserve's start: only events that finish the release */
	FIT_NONE,    /* it would pass the cap even so: the accepted document alone */
};

/* Why a candidate is left out at fit, or NULL when it may be brought back. */
static const char *restore_unfit_size(enum restore_fit fit, const struct candidate *cand)
{
	if (fit == FIT_CLOSING && !closing_op(json_string(cand->event, "op")))
		return "the release file would pass 15 MiB, where it takes only the events that finish a release";
	if (fit == FIT_NONE)
		return "the release file would pass 16 MiB";
	return NULL;
}

/* One release of the shadow: the accepted document plus every candidate that still applies and fits. */
static int plan_restore_release(struct judge *j, const char *path, const struct candidate_ref *refs, size_t ref_count,
				enum restore_fit fit, struct judge_restore *out, struct release_state **state,
				struct error *err)
{
	struct judged_release *r;
	struct release_state *st = NULL;
	cJSON *doc = NULL;
	char *version = NULL;
	size_t i;
	int was = release_get(j, path, &r, err);

	*state = NULL;
	if (was < 0)
		return -1;
	path_kind(path, &version);
	if (was == 0) {
		st = ledger_replay(r->st->pb, r->doc, path, err);
		if (st == NULL) {
			free(version);
			return -1;
		}
		doc = cJSON_Duplicate(r->doc, 1);
	}
	for (i = candidates_from(refs, ref_count, path); i < ref_count && strcmp(refs[i].path, path) == 0; i++) {
		const struct candidate *cand = &j->candidates[refs[i].index];
		struct error why;

		error_clear(&why);
		if (restore_unfit_size(fit, cand)) {
			note_event(out->dropped, cand, version, restore_unfit_size(fit, cand));
			continue;
		}
		if (candidate_unfit(cand, &why)) {
			note_event(out->dropped, cand, version, why.message);
			continue;
		}
		if (st == NULL) {
			/*
			 * A release the refused commits started: only its start can begin it,
			 * with the header the judge asks of a new release (the playbook in force).
			 */
			const struct playbook *pb = NULL;

			doc = cJSON_CreateObject();
			cJSON_AddNumberToObject(doc, "format", LEDGER_FORMAT);
			cJSON_AddStringToObject(doc, "version", version);
			cJSON_AddItemToObject(doc, "playbook", cJSON_Duplicate(cand->pin, 1));
			cJSON_AddArrayToObject(doc, "events");
			if (check_new_header(j, doc, version, &pb, &why) != 0) {
				cJSON_Delete(doc);
				doc = NULL;
				if (why.code != EXIT_DATAERR) {
					*err = why;
					free(version);
					return -1;
				}
				note_event(out->dropped, cand, version, why.message);
				continue;
			}
			st = release_state_new(pb, version);
		}
		st->lookup = judge_lookup;
		st->lookup_data = j;
		st->clock = j->clock;
		/* The author first: an event is applied only when it is to be carried. */
		if (check_author(st, cand->event, cand->author_email, &why) != 0 || ledger_apply_new(st, cand->event, &why) != 0) {
			note_event(out->dropped, cand, version, why.message);
			if (st->event_count == 0) {
				release_state_free(st);
				cJSON_Delete(doc);
				st = NULL;
				doc = NULL;
			}
			continue;
		}
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "events"), cJSON_Duplicate(cand->event, 1));
		note_event(out->carried, cand, version, NULL);
	}
	if (doc) {
		ledger_write_view(st, doc);
		restore_add(out, path, print_doc(doc));
		cJSON_Delete(doc);
		*state = st;
	} else {
		restore_add(out, path, NULL);
	}
	free(version);
	return 0;
}

/* Moves every item of the array from to the array to. */
static void move_items(cJSON *to, cJSON *from)
{
	cJSON *item;

	while ((item = cJSON_DetachItemFromArray(from, 0)) != NULL)
		cJSON_AddItemToArray(to, item);
}

/*
 * One release of the shadow, within the caps the judge applies to a restore
 * (check_reserve()): every valid event when the file stays under the
 * reserve's start (or under its accepted size), else only the events that
 * finish a release, else none of them, so that a restore always fits.
 */
static int plan_restore_fitting(struct judge *j, const char *path, const struct candidate_ref *refs, size_t ref_count,
				struct judge_restore *out, struct release_state **state, struct error *err)
{
	const struct judged_release *r;
	enum restore_fit fit;

	for (fit = FIT_ALL;; fit++) {
		struct judge_restore trial = { NULL, 0, cJSON_CreateArray(), cJSON_CreateArray() };
		const struct judge_change *ch;
		struct error why;
		bool fits;

		if (plan_restore_release(j, path, refs, ref_count, fit, &trial, state, err) != 0) {
			judge_restore_release(&trial);
			return -1;
		}
		ch = &trial.changes[0];
		r = release_cached(j, path);
		fits = ch->data == NULL || *state == NULL || fit == FIT_NONE ||
		       (ch->len <= RESERVE_FROM && (*state)->event_count <= RESERVE_EVENTS_FROM);
		if (!fits && ch->len <= LEDGER_RELEASE_MAX) {
			const cJSON *events = cJSON_GetObjectItemCaseSensitive((*state == NULL || r == NULL) ? NULL : r->doc, "events");
			cJSON *doc = cJSON_ParseWithLength(ch->data, ch->len);
			const cJSON *all = cJSON_GetObjectItemCaseSensitive(doc, "events");

			fits = check_reserve(path, r ? r->len : 0, ch->len, cJSON_GetArrayItem(all, cJSON_GetArraySize(events)),
					     cJSON_GetArraySize(all), true, &why) == 0;
			cJSON_Delete(doc);
		}
		if (fits) {
			restore_add(out, path, (char *)ch->data);
			trial.changes[0].data = NULL;
			move_items(out->carried, trial.carried);
			move_items(out->dropped, trial.dropped);
			judge_restore_release(&trial);
			return 0;
		}
		release_state_free(*state);
		*state = NULL;
		judge_restore_release(&trial);
	}
}

int judge_plan_restore(struct judge *j, const char *by_email, struct judge_restore *out, struct error *err)
{
	const struct playbook *pb = current_playbook(j, err);
	struct release_state **states;
	struct candidate_ref *refs;
	size_t i, count = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (pb == NULL)
		return -1;
	if (judge_clean(j))
		return error_set(err, EXIT_DATAERR, "nothing to restore: every commit on the ledger is good");
	if (!ledger_is_manager(playbook_person_by_email(pb, by_email)))
		return error_set(err, EXIT_NOPERM, "only a release manager can restore the ledger; ask one to run 'relctl sync --restore'");
	out->carried = cJSON_CreateArray();
	out->dropped = cJSON_CreateArray();
	refs = candidates_by_path(j);
	states = xcalloc(j->shadow_count + 1, sizeof(*states));
	for (i = 0; i < j->shadow_count; i++) {
		const struct shadow_entry *s = &j->shadow[i];
		const char *data;
		size_t len;
		int was;

		switch (path_kind(s->path, NULL)) {
		case PATH_RELEASE:
			if (plan_restore_fitting(j, s->path, refs, j->candidate_count, out, &states[count], err) != 0)
				goto out;
			if (states[count])
				count++;
			break;
		case PATH_INDEX:
			break;
		default:
			was = accepted_file(j, s->path, &data, &len, err);
			if (was < 0)
				goto out;
			restore_add(out, s->path, was == 0 ? xstrndup(data, len) : NULL);
		}
	}
	{
		cJSON *index = expected_index(j, states, count, err);

		if (index == NULL)
			goto out;
		restore_add(out, "index.json", print_doc(index));
		cJSON_Delete(index);
	}
	rc = 0;
out:
	for (i = 0; i < count; i++)
		release_state_free(states[i]);
	free(states);
	free(refs);
	if (rc != 0)
		judge_restore_release(out);
	return rc;
}

void judge_restore_release(struct judge_restore *r)
{
	size_t i;

	for (i = 0; i < r->change_count; i++) {
		free((char *)r->changes[i].path);
		free((char *)r->changes[i].data);
	}
	free(r->changes);
	cJSON_Delete(r->carried);
	cJSON_Delete(r->dropped);
	memset(r, 0, sizeof(*r));
}

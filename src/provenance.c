/*
 * Who signed each event (provenance.h).  The cache is one line a commit,
 * "COMMIT STATUS SIGNER FINGERPRINT" ("-" for none), appended as the judge
 * checks signatures; it only saves ssh-keygen runs, so a missing or broken
 * cache costs time, never a wrong answer: every line is re-read as data and
 * a commit not found is checked again.
 *
 * Which commit recorded each event is kept too (relctl/event-commits:
 * "relctl-event-commits 1 TIP", then "EVENT COMMIT" lines), written when a
 * walk has seen every commit down to the root or to the tip the file names,
 * so that log and show of an old release walk only the commits since.  It
 * is dropped (the walk goes on to the root) when the file is broken, its tip
 * is not in the branch's history, or a restore among the new commits
 * reaches below it, since a restore makes the commits it names refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "judge.h"
#include "ledger.h"
#include "provenance.h"
#include "session-private.h"
#include "signature.h"
#include "store.h"
#include "util.h"

struct noted {
	char commit[41];
	char status[16];
	char *signer, *fingerprint;
};

struct provenance_cache {
	struct noted *items; /* sorted by commit */
	size_t count;
};

static struct noted *cache_read(struct session *s, size_t *count);
static int by_commit(const void *a, const void *b);

static struct provenance_cache *cache_of(struct session *s)
{
	if (s->provenance == NULL) {
		s->provenance = xcalloc(1, sizeof(*s->provenance));
		s->provenance->items = cache_read(s, &s->provenance->count);
		s->provenance_release = provenance_free;
	}
	return s->provenance;
}

static const struct noted *cache_find(struct provenance_cache *c, const char *commit)
{
	struct noted key;

	snprintf(key.commit, sizeof(key.commit), "%s", commit);
	return c->count ? bsearch(&key, c->items, c->count, sizeof(*c->items), by_commit) : NULL;
}

void provenance_free(struct provenance_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->count; i++) {
		free(c->items[i].signer);
		free(c->items[i].fingerprint);
	}
	free(c->items);
	free(c);
}

static char *cache_path(struct session *s)
{
	return xasprintf("%srelctl/signatures", store_git_dir(s->store));
}

static const char *status_name(enum signature_status status);

void provenance_note(struct session *s, const char *commit, const struct signature_check *check)
{
	const char *status = status_name(check->status), *signer = check->principal, *fingerprint = check->fingerprint;
	const struct noted *known = cache_find(cache_of(s), commit);
	char *path, *dir;
	FILE *f;

	if (known && strcmp(known->status, status) == 0)
		return; /* noted already: the cache does not grow with every verify */
	path = cache_path(s);
	dir = xasprintf("%srelctl", store_git_dir(s->store));

	mkdir(dir, 0777);
	f = fopen(path, "a");
	if (f) {
		/* One write of one line: concurrent relctl processes append whole lines. */
		char *line = xasprintf("%s %s %s %s\n", commit, status, signer && signer[0] && !strchr(signer, ' ') ? signer : "-",
				       fingerprint && fingerprint[0] && !strchr(fingerprint, ' ') ? fingerprint : "-");

		fwrite(line, 1, strlen(line), f);
		fclose(f);
		free(line);
	}
	free(dir);
	free(path);
}

static int by_commit(const void *a, const void *b)
{
	return strcmp(((const struct noted *)a)->commit, ((const struct noted *)b)->commit);
}

static struct noted *cache_read(struct session *s, size_t *count)
{
	char *path = cache_path(s), *line, *save = NULL;
	struct buf text;
	struct error ignored;
	struct noted *out = NULL;
	size_t n = 0;

	buf_init(&text);
	if (file_read(path, 64 * 1024 * 1024, &text, &ignored) == 0) {
		for (line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char commit[41], status[16], signer[512], fingerprint[128];

			if (sscanf(line, "%40s %15s %511s %127s", commit, status, signer, fingerprint) != 4 ||
			    strlen(commit) != 40)
				continue;
			out = xrealloc(out, (n + 1) * sizeof(*out));
			memcpy(out[n].commit, commit, 41);
			snprintf(out[n].status, sizeof(out[n].status), "%s", status);
			out[n].signer = strcmp(signer, "-") ? xstrdup(signer) : NULL;
			out[n].fingerprint = strcmp(fingerprint, "-") ? xstrdup(fingerprint) : NULL;
			n++;
		}
	}
	if (n)
		qsort(out, n, sizeof(*out), by_commit);
	buf_release(&text);
	free(path);
	*count = n;
	return out;
}

static const char *status_name(enum signature_status status)
{
	switch (status) {
	case SIGNATURE_GOOD:
		return "good";
	case SIGNATURE_UNKNOWN_KEY:
		return "unknown-key";
	case SIGNATURE_BAD:
		return "bad";
	default:
		return "unsigned";
	}
}

/* Checks a commit the cache does not know, against the playbook in force at it. */
static void check_now(struct session *s, const struct store_commit_info *info, struct noted *out)
{
	struct error ignored;
	struct playbook *pb = session_playbook_at(s, info->parent_count ? info->parent : info->id, "playbook.yaml",
						  &ignored);
	struct signature_check check;
	char *allowed = pb ? signature_allowed_signers(pb) : NULL, *program = NULL;

	memset(&check, 0, sizeof(check));
	snprintf(out->status, sizeof(out->status), "unknown");
	if (allowed && signature_program(s->store, &program, &ignored) == 0) {
		signature_check_commit(&check, info, allowed);
		if (signature_verify(program, &check, &ignored) == 0) {
			snprintf(out->status, sizeof(out->status), "%s", status_name(check.status));
			out->signer = check.principal ? xstrdup(check.principal) : NULL;
			out->fingerprint = check.fingerprint ? xstrdup(check.fingerprint) : NULL;
			provenance_note(s, info->id, &check);
		}
	}
	signature_check_release(&check);
	free(program);
	free(allowed);
	playbook_free(pb);
}

/* An event id wanted, and the commit that added it. */
struct wanted {
	const char *id;
	char commit[OID_HEX];
	char refused[OID_HEX]; /* in a refused stretch: the oldest refused commit so far that appended it */
};

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct wanted *)a)->id, ((const struct wanted *)b)->id);
}

static struct wanted *wanted_of(struct wanted *wanted, size_t count, const char *id)
{
	struct wanted key;

	key.id = id;
	return bsearch(&key, wanted, count, sizeof(*wanted), by_id);
}

/*
 * An accepted commit: the judge took its Relctl-Event line only when it
 * names the one event the commit appends (judge.h), so the line is judged
 * content.  Returns how many wanted events it found.
 */
/* Which commit recorded each event: the file's map, or what a walk saw. */
struct mapped {
	char id[65];
	char commit[OID_HEX];
};

/* Commits a walk reads before it goes on to the root to write the map. */
#define PROVENANCE_MAP_AFTER 500

struct event_map {
	char tip[OID_HEX]; /* "" when there is none */
	struct mapped *items;
	size_t count;
};

static void map_add(struct event_map *m, const char *id, const char *commit)
{
	if (strlen(id) >= sizeof(m->items->id))
		return;
	m->items = xrealloc(m->items, (m->count + 1) * sizeof(*m->items));
	snprintf(m->items[m->count].id, sizeof(m->items->id), "%s", id);
	memcpy(m->items[m->count].commit, commit, OID_HEX);
	m->count++;
}

static int by_mapped_id(const void *a, const void *b)
{
	return strcmp(((const struct mapped *)a)->id, ((const struct mapped *)b)->id);
}

static const struct mapped *map_find(const struct event_map *m, const char *id)
{
	struct mapped key;

	if (m->count == 0 || strlen(id) >= sizeof(key.id))
		return NULL;
	snprintf(key.id, sizeof(key.id), "%s", id);
	return bsearch(&key, m->items, m->count, sizeof(*m->items), by_mapped_id);
}

static char *map_path(struct session *s)
{
	return xasprintf("%srelctl/event-commits", store_git_dir(s->store));
}

static bool hex40(const char *text)
{
	return strlen(text) == 40 && strspn(text, "0123456789abcdef") == 40;
}

/* The file's map when it reads whole and its tip is in the history of tip; else an empty one. */
static void map_read(struct session *s, const char *tip, struct event_map *m)
{
	char *path = map_path(s), *line, *save = NULL;
	struct error ignored;
	struct buf text;
	bool ok = false, in_history = false;

	memset(m, 0, sizeof(*m));
	buf_init(&text);
	if (file_read(path, 256 * 1024 * 1024, &text, &ignored) == 0 && text.len > 0) {
		char head[32], t[64];

		line = strtok_r(text.data, "\n", &save);
		ok = line && sscanf(line, "%31s 1 %63s", head, t) == 2 && strcmp(head, "relctl-event-commits") == 0 &&
		     hex40(t);
		if (ok)
			memcpy(m->tip, t, OID_HEX);
		for (line = strtok_r(NULL, "\n", &save); ok && line; line = strtok_r(NULL, "\n", &save)) {
			char id[80], commit[64];

			ok = sscanf(line, "%79s %63s", id, commit) == 2 && event_id_valid(id) && strlen(id) < sizeof(m->items->id) &&
			     hex40(commit);
			if (ok)
				map_add(m, id, commit);
		}
	}
	ok = ok && (strcmp(m->tip, tip) == 0 || (store_is_ancestor(s->store, m->tip, tip, &in_history, &ignored) == 0 && in_history));
	if (!ok) {
		free(m->items);
		memset(m, 0, sizeof(*m));
	} else if (m->count) {
		qsort(m->items, m->count, sizeof(*m->items), by_mapped_id);
	}
	buf_release(&text);
	free(path);
}

/* Whether commit's message names event id on a Relctl-Event line. */
static bool names_event(struct session *s, const char *commit, const char *id)
{
	char parent[OID_HEX], found[80], *message = NULL;
	struct error ignored;
	const char *p;
	bool named = false;

	if (store_commit_parent(s->store, commit, parent, &message, &ignored) != 0)
		return false;
	for (p = message; !named && judge_event_trailer(&p, found, sizeof(found));)
		named = strcmp(found, id) == 0;
	free(message);
	return named;
}

/*
 * The commits of the wanted events not found yet, from the map: false
 * (nothing taken) when a commit it names does not name its event, so a
 * map that is not of this history is never believed.
 */
static bool map_fill(struct session *s, const struct event_map *m, struct wanted *wanted, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const struct mapped *found = wanted[i].commit[0] ? NULL : map_find(m, wanted[i].id);

		if (found && !names_event(s, found->commit, wanted[i].id))
			return false;
	}
	for (i = 0; i < count; i++) {
		const struct mapped *found = wanted[i].commit[0] ? NULL : map_find(m, wanted[i].id);

		if (found)
			memcpy(wanted[i].commit, found->commit, OID_HEX);
	}
	return true;
}

/* Writes the map of every event down to the root, as of tip (a cache: a failure costs a walk next time). */
static void map_write(struct session *s, const char *tip, const struct event_map *m)
{
	char *path = map_path(s), *dir = xasprintf("%srelctl", store_git_dir(s->store));
	struct error ignored;
	struct buf text;
	size_t i;

	mkdir(dir, 0777);
	buf_init(&text);
	buf_addf(&text, "relctl-event-commits 1 %s\n", tip);
	for (i = 0; i < m->count; i++)
		buf_addf(&text, "%s %s\n", m->items[i].id, m->items[i].commit);
	file_replace(path, text.data, text.len, &ignored);
	buf_release(&text);
	free(dir);
	free(path);
}

static size_t find_trailers(const char *message, const char *commit, struct wanted *wanted, size_t count,
			    struct event_map *seen)
{
	const char *p = message;
	char id[80];
	size_t found = 0;

	while (judge_event_trailer(&p, id, sizeof(id))) {
		struct wanted *w = wanted_of(wanted, count, id);

		if (event_id_valid(id))
			map_add(seen, id, commit);

		if (w && w->commit[0] == '\0') {
			memcpy(w->commit, commit, OID_HEX);
			found++;
		}
	}
	return found;
}

/* Whether the release document text holds an event with id. */
static bool holds_event(const char *text, size_t len, const char *id)
{
	cJSON *doc = cJSON_ParseWithLength(text, len);
	const cJSON *ev;
	bool found = false;

	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(doc, "events"))
		found = found || (json_string(ev, "id") && strcmp(json_string(ev, "id"), id) == 0);
	cJSON_Delete(doc);
	return found;
}

/* Whether commit's diff against parent ("": none) appends event id to a release file. */
static bool appends(struct session *s, const char *commit, const char *parent, const char *id)
{
	struct store_delta *deltas = NULL;
	struct error problem, ignored;
	size_t count = 0, i;
	bool found = false;

	error_clear(&problem);
	if (store_diff(s->store, parent[0] ? parent : NULL, commit, &deltas, &count, &problem, &ignored) != 0 ||
	    problem.code)
		count = 0;
	for (i = 0; i < count && !found; i++) {
		struct store_delta *d = &deltas[i];
		struct buf before;

		if (strncmp(d->path, "releases/", 9) != 0 || d->deleted || !d->regular ||
		    store_delta_read(s->store, d, LEDGER_RELEASE_MAX, &ignored) != 0 || d->too_large ||
		    !holds_event(d->data.data, d->data.len, id))
			continue;
		buf_init(&before);
		found = !parent[0] || store_read_max(s->store, parent, d->path, LEDGER_RELEASE_MAX, &before, &ignored) != 0 ||
			!holds_event(before.data, before.len, id);
		buf_release(&before);
	}
	store_deltas_free(deltas, count);
	return found;
}

/*
 * A refused commit, between a restore and the last good commit it names:
 * its message proves nothing, so an event it names counts only when its
 * diff appends it, and the oldest such commit is the one whose signature
 * vouched for the event when the restore brought it back (judge.h).
 */
static void find_refused(struct session *s, const char *message, const char *commit, const char *parent,
			 struct wanted *wanted, size_t count)
{
	const char *p = message;
	char id[80];

	while (judge_event_trailer(&p, id, sizeof(id))) {
		struct wanted *w = wanted_of(wanted, count, id);

		if (w && w->commit[0] == '\0' && appends(s, commit, parent, id))
			memcpy(w->refused, commit, OID_HEX);
	}
}

/* The end of a refused stretch: the events its commits appended are found. */
static size_t settle_refused(struct wanted *wanted, size_t count)
{
	size_t i, found = 0;

	for (i = 0; i < count; i++)
		if (wanted[i].refused[0] && wanted[i].commit[0] == '\0') {
			memcpy(wanted[i].commit, wanted[i].refused, OID_HEX);
			found++;
		}
	for (i = 0; i < count; i++)
		wanted[i].refused[0] = '\0';
	return found;
}

/* The signature entry of one event, recorded by commit. */
static int add_signature(struct session *s, cJSON *out, const char *id, const char *commit, struct error *err)
{
	struct store_commit_info info;
	struct noted fresh, *known = NULL;
	cJSON *o;

	if (store_commit_info(s->store, commit, &info, err) != 0)
		return -1;
	o = cJSON_AddObjectToObject(out, id);
	cJSON_AddStringToObject(o, "commit", info.id);
	memset(&fresh, 0, sizeof(fresh));
	if (info.signature) {
		memcpy(fresh.commit, info.id, 41);
		known = (struct noted *)cache_find(cache_of(s), info.id);
		if (known == NULL) {
			check_now(s, &info, &fresh);
			known = &fresh;
		}
	}
	cJSON_AddStringToObject(o, "signature", known ? known->status : "unsigned");
	json_add_string_or_null(o, "signer", known ? known->signer : NULL);
	json_add_string_or_null(o, "fingerprint", known ? known->fingerprint : NULL);
	free(fresh.signer);
	free(fresh.fingerprint);
	store_commit_info_release(&info);
	return 0;
}

cJSON *provenance_events(struct session *s, const cJSON *events, struct error *err)
{
	char tip[OID_HEX], cur[OID_HEX], good[OID_HEX] = "";
	struct wanted *wanted = xcalloc((size_t)cJSON_GetArraySize(events) + 1, sizeof(*wanted));
	struct event_map known, seen;
	const cJSON *ev;
	size_t count = 0, left, i, k, walked = 0;
	bool restored = false;
	cJSON *out = NULL;

	memset(&known, 0, sizeof(known));
	memset(&seen, 0, sizeof(seen));
	cJSON_ArrayForEach(ev, events)
		if (json_string(ev, "id"))
			wanted[count++].id = json_string(ev, "id");
	qsort(wanted, count, sizeof(*wanted), by_id);
	/* Each id once: a hand-made ledger may repeat one (the judge refuses it, reads still show it). */
	for (i = k = 0; i < count; i++)
		if (k == 0 || strcmp(wanted[k - 1].id, wanted[i].id) != 0)
			wanted[k++] = wanted[i];
	count = left = k;
	if (session_tip(s, tip, err) != 0)
		goto out;
	if (count)
		map_read(s, tip, &known);
	/*
	 * Newest first, and only as far back as the oldest wanted event, or the
	 * tip of the map of earlier walks: the current release's events are in
	 * the last commits, and an old release's in the map, so show and log
	 * stay quick however long the ledger's history is.
	 */
	memcpy(cur, tip, OID_HEX);
	/* A long walk goes on to the root (once), so that the next one need not. */
	while (cur[0] && (left > 0 || (walked >= PROVENANCE_MAP_AFTER && !restored))) {
		char commit[OID_HEX], *message = NULL;

		if (known.tip[0] && strcmp(cur, known.tip) == 0) {
			if (good[0] == '\0' && map_fill(s, &known, wanted, count)) {
				for (i = 0; i < known.count; i++)
					map_add(&seen, known.items[i].id, known.items[i].commit);
				if (!restored && strcmp(known.tip, tip) != 0)
					map_write(s, tip, &seen);
				break;
			}
			/* A restore above reaches below it, or the map is not of this history: walk on to the root. */
			known.tip[0] = '\0';
		}
		memcpy(commit, cur, OID_HEX);
		if (store_commit_parent(s->store, commit, cur, &message, err) != 0)
			goto out;
		walked++;
		if (good[0] && strcmp(commit, good) != 0) {
			find_refused(s, message, commit, cur, wanted, count);
		} else {
			if (good[0]) {
				good[0] = '\0';
				left -= settle_refused(wanted, count);
			}
			/* A restore: the commits below it, down to the good one it names, were refused. */
			if (!judge_restore_of(message, good) || !cur[0]) {
				left -= find_trailers(message, commit, wanted, count, &seen);
			} else {
				restored = true;
				if (!good[0])
					snprintf(good, sizeof(good), "-"); /* names none: nothing below it is trusted */
			}
		}
		free(message);
		/* The whole history seen, with no refused stretch: the map of every event. */
		if (cur[0] == '\0' && !restored)
			map_write(s, tip, &seen);
	}
	out = cJSON_CreateObject();
	for (i = 0; i < count; i++)
		if (wanted[i].commit[0] && add_signature(s, out, wanted[i].id, wanted[i].commit, err) != 0) {
			cJSON_Delete(out);
			out = NULL;
			break;
		}
out:
	free(known.items);
	free(seen.items);
	free(wanted);
	return out;
}

void provenance_annotate(const cJSON *signatures, cJSON *events)
{
	cJSON *item;

	cJSON_ArrayForEach(item, events)
	{
		const cJSON *sig = cJSON_GetObjectItemCaseSensitive(signatures, json_string(item, "id"));

		cJSON_AddItemToObject(item, "signature", sig ? cJSON_Duplicate(sig, 1) : cJSON_CreateNull());
	}
}

const char *provenance_mark(const cJSON *events, const char *event_id)
{
	const char *status = json_string(cJSON_GetObjectItemCaseSensitive(events, event_id), "signature");

	if (status == NULL)
		return "?";
	if (strcmp(status, "good") == 0)
		return "signed";
	if (strcmp(status, "bad") == 0)
		return "bad signature";
	if (strcmp(status, "unknown-key") == 0)
		return "unknown key";
	return "unsigned";
}

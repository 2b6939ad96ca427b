/*
 * The ledger as commands read it: opening the repository and relctl's
 * settings, who is acting, and reading the releases of a ledger commit.
 * Writing is mutate.c's (through plan.c's commits), exchanging sync.c's, checking verify.c's.
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
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "session-private.h"
#include "util.h"


/*
 * git config relctl.root names the ledger's first commit in full: an
 * abbreviated id is a prefix that a made-up root could be ground to match.
 */
static int check_root_pin(struct session *s, struct error *err)
{
	char *root = NULL;
	int rc = 0;

	if (store_config_get(s->store, "relctl.root", &root, err) != 0)
		return -1;
	if (root && (strlen(root) != 40 || strspn(root, "0123456789abcdef") != 40))
		rc = error_set(err, EXIT_CONFIG, "git config relctl.root is \"%.64s\", not a full commit id: pin the root commit's 40 hex digits, as 'relctl verify' prints them",
			       root);
	free(root);
	return rc;
}

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
	if (check_root_pin(s, err) != 0) {
		session_close(s);
		return -1;
	}
	return 0;
}

void session_close(struct session *s)
{
	store_free(s->store);
	free(s->branch);
	free(s->ref);
	free(s->remote);
	cJSON_Delete(s->rejected);
	cJSON_Delete(s->notices);
	free(s->note);
	if (s->provenance_release)
		s->provenance_release(s->provenance);
	for (size_t i = 0; i < s->pinned_count; i++)
		playbook_free(s->pinned[i].pb);
	free(s->pinned);
	memset(s, 0, sizeof(*s));
}

const char *session_team_remote(struct session *s)
{
	const char *remote = s->remote ? s->remote : "origin";
	char *tracking = xasprintf("refs/remotes/%s/%s", remote, s->branch), tip[OID_HEX];
	struct error ignored;
	bool fetched = store_ref_tip(s->store, tracking, tip, &ignored) == 0;

	free(tracking);
	return fetched ? remote : NULL;
}

int session_no_ledger(struct session *s, struct error *err)
{
	const char *remote = session_team_remote(s);

	/* A fresh clone of the team's repository: git fetched the ledger branch, relctl has not taken it yet. */
	struct error ignored;
	char *url;

	if (remote)
		return error_set(err, EXIT_CONFIG, "this clone has not taken the team's ledger yet: run 'relctl sync' (remote \"%s\" has %s)",
				 remote, s->branch);
	/* A clone made before the team's ledger existed: git has not fetched it, the remote may have it now. */
	remote = s->remote ? s->remote : "origin";
	url = store_remote_url(s->store, remote, &ignored);
	if (url) {
		free(url);
		return error_set(err, EXIT_CONFIG,
				 "this clone has no relctl ledger yet: run 'relctl sync' to take the team's from \"%s\", or, "
				 "if the team has none, 'relctl init --playbook FILE'",
				 remote);
	}
	return error_set(err, EXIT_CONFIG, "this repository has no relctl ledger yet; run 'relctl init --playbook FILE'");
}

int session_tip(struct session *s, char tip[OID_HEX], struct error *err)
{
	int rc = store_ref_tip(s->store, s->ref, tip, err);

	if (rc == 1)
		session_no_ledger(s, err);
	return rc;
}

struct playbook *session_playbook_at(struct session *s, const char *tip, const char *path, struct error *err)
{
	struct buf text;
	struct playbook *pb = NULL;
	char *label = xasprintf("%s:%s", s->branch, path);
	int rc;

	buf_init(&text);
	rc = store_read_max(s->store, tip, path, PLAYBOOK_MAX_BYTES, &text, err);
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
	return session_playbook_at(s, tip, PLAYBOOK_PATH, err);
}

/* .git/relctl/briefs-read: one line "PERSON VERSION HASH" a reading; the last line of a person and release wins. */
static char *briefs_read_path(struct session *s)
{
	return xasprintf("%srelctl/briefs-read", store_git_dir(s->store));
}

int session_brief_read(struct session *s, const char *person, const char *version, char hash[65])
{
	char *path = briefs_read_path(s), *line, *save = NULL;
	struct buf text;
	struct error ignored;
	int found = 0;

	buf_init(&text);
	if (file_read(path, 16 * 1024 * 1024, &text, &ignored) == 0) {
		for (line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char who[LEDGER_NAME_MAX + 1], release[LEDGER_NAME_MAX + 1], seen[65];

			if (sscanf(line, "%256s %256s %64s", who, release, seen) == 3 && strcmp(who, person) == 0 &&
			    strcmp(release, version) == 0) {
				/* "-": a decision taken on it, nothing read since. */
				found = strlen(seen) == 64;
				if (found)
					memcpy(hash, seen, 65);
			}
		}
	}
	buf_release(&text);
	free(path);
	return found;
}

void session_note_brief_read(struct session *s, const char *person, const char *version, const char *hash)
{
	char known[65], *path, *dir, *line;
	int had = session_brief_read(s, person, version, known);
	FILE *f;

	if (hash ? had && strcmp(known, hash) == 0 : !had)
		return;
	path = briefs_read_path(s);
	dir = xasprintf("%srelctl", store_git_dir(s->store));
	mkdir(dir, 0777);
	f = fopen(path, "a");
	if (f) {
		/* One write of one line: concurrent relctl processes append whole lines. */
		line = xasprintf("%s %s %s\n", person, version, hash ? hash : "-");
		fwrite(line, 1, strlen(line), f);
		fclose(f);
		free(line);
	}
	free(dir);
	free(path);
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

cJSON *session_read_json(struct session *s, const char *tip, const char *path, bool *missing, struct error *err)
{
	struct buf text;
	cJSON *json = NULL;
	int rc;

	buf_init(&text);
	*missing = false;
	rc = store_read_max(s->store, tip, path, LEDGER_RELEASE_MAX, &text, err);
	if (rc == 1)
		*missing = true;
	if (rc == 0) {
		char why[160];

		json = json_parse_ledger(text.data, text.len, true, why, sizeof(why));
		if (json == NULL)
			error_set(err, EXIT_DATAERR, "%s:%s %s; 'git log %s -- %s' shows who changed it", s->branch, path,
				  why, s->branch, path);
	}
	buf_release(&text);
	return json;
}

cJSON *session_read_index(struct session *s, const char *tip, struct error *err)
{
	bool missing;
	cJSON *index = session_read_json(s, tip, INDEX_PATH, &missing, err);
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
	cJSON *index = session_read_index(s, tip, err), *entry;
	const cJSON *latest = NULL; /* the newest started, to name when none is open */
	struct buf open;
	char *found = NULL;
	size_t count = 0;

	if (index == NULL)
		return NULL;
	buf_init(&open);
	cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(index, "releases"))
	{
		const cJSON *status = cJSON_GetObjectItemCaseSensitive(entry, "status");

		const char *started = json_string(entry, "started");

		if (cJSON_IsString(status) && started &&
		    (latest == NULL || strcmp(started, json_string(latest, "started")) >= 0))
			latest = entry;
		if (cJSON_IsString(status) && strcmp(status->valuestring, "open") == 0) {
			buf_addf(&open, "%s%s", count ? ", " : "", entry->string);
			if (count++ == 0)
				found = xstrdup(entry->string);
		}
	}
	if (count == 0 && latest)
		/* Late work on a finished release (a reopen) names it. */
		error_set(err, EXIT_NOINPUT,
			  "no release is open; the latest, %s, is %s: add --release %s to change it, or start one with "
			  "'relctl start VERSION'",
			  latest->string, json_string(latest, "status"), latest->string);
	else if (count == 0)
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

/*
 * The model of a pinned playbook's text, parsed once per process: the
 * newest releases mostly pin the same playbook, and parsing it is most of
 * what reading a release costs.  Keyed by the blob id of the text itself
 * (hashed here, not taken from the path's name), so a copy can never stand
 * for other content.
 */
static struct playbook *pinned_playbook(struct session *s, const char *label, const struct buf *text,
					struct error *err)
{
	char blob[OID_HEX];
	struct playbook *pb;
	size_t i;

	if (store_hash_blob(text->data, text->len, blob, err) != 0)
		return NULL;
	for (i = 0; i < s->pinned_count; i++)
		if (strcmp(s->pinned[i].blob, blob) == 0)
			return playbook_ref(s->pinned[i].pb);
	pb = playbook_load_text(label, text->data, text->len, err);
	if (pb == NULL)
		return NULL;
	s->pinned = xrealloc(s->pinned, (s->pinned_count + 1) * sizeof(*s->pinned));
	memcpy(s->pinned[s->pinned_count].blob, blob, sizeof(blob));
	s->pinned[s->pinned_count++].pb = playbook_ref(pb);
	return pb;
}

int session_release_at(struct session *s, const char *tip, const char *version, struct release *rel,
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
	rel->doc = session_read_json(s, tip, rel->path, &missing, err);
	if (missing)
		return error_set(err, EXIT_NOINPUT, "there is no release %s; 'relctl releases' lists them", rel->version);
	if (rel->doc == NULL)
		return -1;
	blob = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rel->doc, "playbook"), "blob");
	if (!cJSON_IsString(blob) || strlen(blob->valuestring) != 40 ||
	    strspn(blob->valuestring, "0123456789abcdef") != 40)
		return error_set(err, EXIT_DATAERR, "%s:%s does not say which playbook it was started with", s->branch,
				 rel->path);
	buf_init(&text);
	label = xasprintf("%s:playbooks/%s.yaml", s->branch, blob->valuestring);
	if (store_read_max(s->store, tip, label + strlen(s->branch) + 1, PLAYBOOK_MAX_BYTES, &text, err) == 0)
		rel->pb = pinned_playbook(s, label, &text, err);
	buf_release(&text);
	free(label);
	if (rel->pb == NULL)
		return -1;
	label = xasprintf("%s:%s", s->branch, rel->path);
	rel->st = ledger_replay(rel->pb, rel->doc, label, err);
	free(label);
	return rel->st ? 0 : -1;
}

/* The other releases at a tip, loaded when a rule first asks for one (ledger.h's lookup). */
static const struct release_state *lookup_at_tip(void *data, const char *version)
{
	struct release_lookup *l = data;
	struct error ignored;
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->loaded[i].version, version) == 0)
			return l->loaded[i].st;
	l->loaded = xrealloc(l->loaded, (l->count + 1) * sizeof(*l->loaded));
	if (session_release_at(l->s, l->tip, version, &l->loaded[l->count], &ignored) != 0) {
		release_close(&l->loaded[l->count]);
		return NULL;
	}
	return l->loaded[l->count++].st;
}

void session_lookup_attach(struct release_lookup *l, struct session *s, const char *tip, struct release_state *st)
{
	memset(l, 0, sizeof(*l));
	l->s = s;
	snprintf(l->tip, sizeof(l->tip), "%s", tip);
	st->lookup = lookup_at_tip;
	st->lookup_data = l;
}

void session_lookup_release(struct release_lookup *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		release_close(&l->loaded[i]);
	free(l->loaded);
	memset(l, 0, sizeof(*l));
}

int session_load_release(struct session *s, const char *version, struct release *out, struct error *err)
{
	char tip[OID_HEX];

	memset(out, 0, sizeof(*out));
	if (session_tip(s, tip, err) != 0)
		return -1;
	return session_release_at(s, tip, version, out, err);
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
	index = session_read_index(s, tip, err);
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

/* The releases, newest first, and how many of them the newest `last` (0: all) are. */
static cJSON *newest_releases(struct session *s, size_t last, size_t *max, struct error *err)
{
	cJSON *list = session_releases(s, err);

	*max = list ? (size_t)cJSON_GetArraySize(list) : 0;
	if (last && last < *max)
		*max = last;
	return list;
}

/* A cache file that reads as JSON, or NULL. */
static cJSON *cached_json(const char *path)
{
	struct error ignored;
	struct buf text;
	cJSON *json = NULL;

	buf_init(&text);
	if (file_read(path, LEDGER_RELEASE_MAX, &text, &ignored) == 0)
		json = cJSON_ParseWithLength(text.data, text.len);
	buf_release(&text);
	return json;
}

/*
 * The cached summary of version in path (with its figures from
 * figures_path, unless NULL), or NULL when there is none that reads as
 * one of that release.
 */
static struct release_summary *cached_summary(const char *path, const char *figures_path, const char *version)
{
	cJSON *json = cached_json(path);
	struct error ignored;
	struct release_summary *sum = json ? summary_from_json(json, &ignored) : NULL;

	cJSON_Delete(json);
	/* A summary of other content (a hand-made file, say) is not this release's. */
	if (sum && strcmp(sum->version, version) != 0) {
		summary_free(sum);
		return NULL;
	}
	if (sum && figures_path) {
		json = cached_json(figures_path);
		if (json == NULL || summary_figures_from_json(sum, json, &ignored) != 0) {
			summary_free(sum);
			sum = NULL;
		}
		cJSON_Delete(json);
	}
	return sum;
}

static void cache_write(const char *path, cJSON *json)
{
	char *text = cJSON_PrintUnformatted(json);
	struct error ignored;

	file_replace(path, text, strlen(text), &ignored);
	free(text);
	cJSON_Delete(json);
}

static void cache_summary(struct session *s, const char *path, const char *figures_path,
			  const struct release_summary *sum)
{
	char *dir;

	/* A cache: one that cannot be written is made again next time. */
	dir = xasprintf("%srelctl", store_git_dir(s->store));
	mkdir(dir, 0777);
	free(dir);
	dir = xasprintf("%srelctl/summaries", store_git_dir(s->store));
	mkdir(dir, 0777);
	free(dir);
	cache_write(figures_path, summary_figures_to_json(sum));
	cache_write(path, summary_to_json(sum));
}

/*
 * The summary of version at tip: from the cache when its blob has one, else
 * from its replay.  Only the figures of a finished release (to be cached)
 * or of one asked with them are measured: that replays the events again.
 */
static struct release_summary *summary_at(struct session *s, const char *tip, const char *version, bool figures,
					  struct error *err)
{
	struct release_summary *sum = NULL;
	struct release rel;
	char blob[OID_HEX], *file = xasprintf("releases/%s.json", version), *path = NULL, *figures_path = NULL;
	int rc = store_blob_id(s->store, tip, file, blob, err);

	memset(&rel, 0, sizeof(rel));
	free(file);
	if (rc < 0)
		return NULL;
	if (rc == 0) {
		path = xasprintf("%srelctl/summaries/%s.json", store_git_dir(s->store), blob);
		figures_path = xasprintf("%srelctl/summaries/%s.figures.json", store_git_dir(s->store), blob);
		sum = cached_summary(path, figures ? figures_path : NULL, version);
	}
	if (sum == NULL && session_release_at(s, tip, version, &rel, err) == 0) {
		bool cached = path && rel.st->status != RELEASE_OPEN;

		sum = summary_of(rel.st, figures || cached ? rel.doc : NULL);
		if (cached)
			cache_summary(s, path, figures_path, sum);
	}
	release_close(&rel);
	free(path);
	free(figures_path);
	return sum;
}

int session_summaries(struct session *s, size_t last, bool figures, struct release_summary ***out, size_t *count,
		      struct error *err)
{
	cJSON *list, *item;
	char tip[OID_HEX];
	size_t n = 0, max;

	*out = NULL;
	*count = 0;
	if (session_tip(s, tip, err) != 0)
		return -1;
	list = newest_releases(s, last, &max, err);
	if (list == NULL)
		return -1;
	*out = xcalloc(max + 1, sizeof(**out));
	cJSON_ArrayForEach(item, list)
	{
		if (n == max)
			break;
		if (s->progress)
			s->progress("releases read", n, max, s->progress_data);
		(*out)[n] = summary_at(s, tip, cJSON_GetObjectItemCaseSensitive(item, "version")->valuestring, figures,
				       err);
		if ((*out)[n] == NULL) {
			summaries_free(*out, n);
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

char *session_version_of(const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(name);

	return xstrndup(name, n > 5 ? n - 5 : 0);
}

/*
 * Who signed each event (provenance.h).  The cache is one line a commit,
 * "COMMIT STATUS SIGNER FINGERPRINT" ("-" for none), appended as the judge
 * checks signatures; it only saves ssh-keygen runs, so a missing or broken
 * cache costs time, never a wrong answer: every line is re-read as data and
 * a commit not found is checked again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "provenance.h"
#include "session-private.h"
#include "signature.h"
#include "store.h"

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
		judging_signature_check(&check, info, allowed);
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

cJSON *provenance_events(struct session *s, struct error *err)
{
	char cur[OID_HEX];
	cJSON *out;

	if (session_tip(s, cur, err) != 0)
		return NULL;
	out = cJSON_CreateObject();
	while (cur[0]) {
		struct store_commit_info info;
		const char *p;

		if (store_commit_info(s->store, cur, &info, err) != 0)
			break;
		for (p = info.message; (p = strstr(p, "Relctl-Event: ")) != NULL; p++) {
			char id[65];
			cJSON *o;
			struct noted fresh, *known = NULL;

			if (p != info.message && p[-1] != '\n')
				continue;
			if (sscanf(p + 14, "%64[A-Za-z0-9_-]", id) != 1 || cJSON_HasObjectItem(out, id))
				continue;
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
		}
		memcpy(cur, info.parent, OID_HEX);
		store_commit_info_release(&info);
	}
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

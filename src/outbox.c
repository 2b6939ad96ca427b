/*
 * The outbox: notifications this clone could not send, one JSON file each
 * under .git/relctl/outbox/, written whole (a temporary file renamed into
 * place) and read as untrusted text, since anyone may have edited them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "ledger.h"
#include "outbox.h"
#include "util.h"

char *outbox_path(const char *git_dir)
{
	return xasprintf("%srelctl/outbox/", git_dir);
}

void outbox_entry_release(struct outbox_entry *e)
{
	free(e->id);
	free(e->release);
	free(e->hook);
	free(e->queued_at);
	free(e->why);
	cJSON_Delete(e->notices);
	free(e->problem);
	memset(e, 0, sizeof(*e));
}

/* The fields of each kind of notice (ledger_apply_notify), every one a string unless said. */
static const struct {
	const char *kind;
	const char *fields[5];
} notice_kinds[] = {
	{ "ready", { "role" } },
	{ "rejected", { "by", "note" } },
	{ "finding", { "finding", "severity", "title", "by" } },
	{ "decided", { "decision", "summary", "reason" } },
};

/* obj[key] as a string of at most max bytes, or an error naming what it is. */
static const char *text_field(const cJSON *obj, const char *where, const char *key, size_t max, struct error *err)
{
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (value == NULL) {
		error_set(err, EXIT_DATAERR, "%s has no \"%s\"", where, key);
		return NULL;
	}
	if (!cJSON_IsString(value)) {
		error_set(err, EXIT_DATAERR, "%s has a \"%s\" that is not a string", where, key);
		return NULL;
	}
	if (strlen(value->valuestring) > max) {
		error_set(err, EXIT_DATAERR, "%s has a \"%s\" over %zu bytes", where, key, max);
		return NULL;
	}
	return value->valuestring;
}

/* One notice, as ledger_apply_notify makes them, of release. */
static int check_notice(const cJSON *n, size_t index, const char *release, struct error *err)
{
	char where[64];
	const char *kind, *value;
	const cJSON *field;
	size_t k, f;

	snprintf(where, sizeof(where), "notice %zu", index + 1);
	if (!cJSON_IsObject(n))
		return error_set(err, EXIT_DATAERR, "%s is not an object", where);
	if ((kind = text_field(n, where, "kind", LEDGER_NAME_MAX, err)) == NULL)
		return -1;
	for (k = 0; k < sizeof(notice_kinds) / sizeof(notice_kinds[0]); k++)
		if (strcmp(notice_kinds[k].kind, kind) == 0)
			break;
	if (k == sizeof(notice_kinds) / sizeof(notice_kinds[0]))
		return error_set(err, EXIT_DATAERR, "%s is of an unknown kind (ready, rejected, finding or decided)", where);
	if ((value = text_field(n, where, "release", LEDGER_NAME_MAX, err)) == NULL)
		return -1;
	if (strcmp(value, release) != 0)
		return error_set(err, EXIT_DATAERR, "%s is about another release than the file's", where);
	if ((value = text_field(n, where, "step", LEDGER_NAME_MAX, err)) == NULL)
		return -1;
	if (!identifier_valid(value))
		return error_set(err, EXIT_DATAERR, "%s has a \"step\" that is not a step id", where);
	for (f = 0; f < 5 && notice_kinds[k].fields[f]; f++)
		if (text_field(n, where, notice_kinds[k].fields[f], LEDGER_TEXT_MAX, err) == NULL)
			return -1;
	/* The optional ones: who a rejected step is back with (null: nobody), its item, a forced decision. */
	field = cJSON_GetObjectItemCaseSensitive(n, "person");
	if (strcmp(kind, "rejected") == 0 && field && !cJSON_IsNull(field) &&
	    text_field(n, where, "person", LEDGER_NAME_MAX, err) == NULL)
		return -1;
	if (strcmp(kind, "rejected") == 0 && cJSON_GetObjectItemCaseSensitive(n, "item") &&
	    text_field(n, where, "item", LEDGER_NAME_MAX, err) == NULL)
		return -1;
	field = cJSON_GetObjectItemCaseSensitive(n, "forced");
	if (field && !cJSON_IsBool(field))
		return error_set(err, EXIT_DATAERR, "%s has a \"forced\" that is not true or false", where);
	return 0;
}

int outbox_parse(const char *text, size_t len, struct outbox_entry *out, struct error *err)
{
	char why[160];
	const cJSON *format, *notices, *n;
	const char *release, *hook, *queued_at, *reason;
	cJSON *doc;
	size_t i = 0;
	time_t t;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > OUTBOX_FILE_MAX)
		return error_set(err, EXIT_DATAERR, "it is over %d bytes", OUTBOX_FILE_MAX);
	doc = json_parse_ledger(text, len, true, why, sizeof(why));
	if (doc == NULL)
		return error_set(err, EXIT_DATAERR, "it %s", why);
	if (!cJSON_IsObject(doc)) {
		error_set(err, EXIT_DATAERR, "it is not a JSON object");
		goto out;
	}
	format = cJSON_GetObjectItemCaseSensitive(doc, "format");
	if (!cJSON_IsNumber(format) || format->valuedouble != OUTBOX_FORMAT) {
		error_set(err, EXIT_DATAERR, "it is not of format %d (a newer relctl's, or not relctl's)", OUTBOX_FORMAT);
		goto out;
	}
	if ((release = text_field(doc, "it", "release", LEDGER_NAME_MAX, err)) == NULL ||
	    (hook = text_field(doc, "it", "hook", LEDGER_NAME_MAX, err)) == NULL ||
	    (queued_at = text_field(doc, "it", "queued_at", LEDGER_NAME_MAX, err)) == NULL ||
	    (reason = text_field(doc, "it", "why", LEDGER_TEXT_MAX, err)) == NULL)
		goto out;
	if (!version_valid(release)) {
		error_set(err, EXIT_DATAERR, "it has a \"release\" that is not a version");
		goto out;
	}
	if (!identifier_valid(hook)) {
		error_set(err, EXIT_DATAERR, "it has a \"hook\" that is not a hook id");
		goto out;
	}
	if (time_parse(queued_at, &t) != 0) {
		error_set(err, EXIT_DATAERR, "it has a \"queued_at\" that is not a UTC time (2024-03-19T10:00:00Z)");
		goto out;
	}
	notices = cJSON_GetObjectItemCaseSensitive(doc, "notices");
	if (!cJSON_IsArray(notices) || cJSON_GetArraySize(notices) == 0 ||
	    cJSON_GetArraySize(notices) > OUTBOX_NOTICES_MAX) {
		error_set(err, EXIT_DATAERR, "it has no \"notices\" (a list of 1 to %d)", OUTBOX_NOTICES_MAX);
		goto out;
	}
	cJSON_ArrayForEach(n, notices)
		if (check_notice(n, i++, release, err) != 0)
			goto out;
	out->release = xstrdup(release);
	out->hook = xstrdup(hook);
	out->queued_at = xstrdup(queued_at);
	out->why = xstrdup(reason);
	out->notices = cJSON_Duplicate(notices, true);
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

int outbox_add(const char *git_dir, const char *release, const char *hook, const char *queued_at, const char *why,
	       const cJSON *notices, struct error *err)
{
	char *dir = outbox_path(git_dir), *relctl_dir = xasprintf("%srelctl", git_dir), *text = NULL;
	char *path = NULL, *temp = NULL, stamp[32], hex[9];
	cJSON *doc = cJSON_CreateObject();
	struct timespec now;
	FILE *f = NULL;
	int rc = -1;

	cJSON_AddNumberToObject(doc, "format", OUTBOX_FORMAT);
	cJSON_AddStringToObject(doc, "release", release);
	cJSON_AddStringToObject(doc, "hook", hook);
	cJSON_AddStringToObject(doc, "queued_at", queued_at);
	cJSON_AddStringToObject(doc, "why", why);
	cJSON_AddItemToObject(doc, "notices", cJSON_Duplicate(notices, true));
	text = cJSON_Print(doc);
	/* Named by the wall clock, so that a listing by name is oldest first; random, so two processes never meet. */
	clock_gettime(CLOCK_REALTIME, &now);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", gmtime(&now.tv_sec));
	if (random_hex(hex, 4) != 0) {
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for the outbox: %s", strerror(errno));
		goto out;
	}
	path = xasprintf("%s%s.%09ldZ-%s.json", dir, stamp, (long)now.tv_nsec, hex);
	temp = xasprintf("%s.tmp-%s", dir, hex);
	if ((mkdir(relctl_dir, 0777) != 0 && errno != EEXIST) || (mkdir(dir, 0777) != 0 && errno != EEXIST)) {
		error_set(err, EXIT_IOERR, "cannot make %s: %s", dir, strerror(errno));
		goto out;
	}
	f = fopen(temp, "w");
	if (f == NULL || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
		if (f == NULL)
			error_set(err, EXIT_IOERR, "cannot write %s: %s", temp, strerror(errno));
		else
			error_set(err, EXIT_IOERR, "cannot write %s", temp);
		f = NULL;
		unlink(temp);
		goto out;
	}
	if (rename(temp, path) != 0) {
		error_set(err, EXIT_IOERR, "cannot write %s: %s", path, strerror(errno));
		unlink(temp);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	free(text);
	free(path);
	free(temp);
	free(dir);
	free(relctl_dir);
	return rc;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct outbox_entry *)a)->id, ((const struct outbox_entry *)b)->id);
}

int outbox_list(const char *git_dir, struct outbox_entry **entries, size_t *count, struct error *err)
{
	char *dir = outbox_path(git_dir);
	struct outbox_entry *list = NULL;
	size_t n = 0, cap = 0, len;
	struct dirent *d;
	DIR *folder;

	*entries = NULL;
	*count = 0;
	folder = opendir(dir);
	if (folder == NULL) {
		int rc = errno == ENOENT ? 0 : error_set(err, EXIT_IOERR, "cannot read %s: %s", dir, strerror(errno));

		free(dir);
		return rc;
	}
	while ((d = readdir(folder)) != NULL) {
		struct outbox_entry *e;
		struct error why;
		struct buf text;
		char *path;

		len = strlen(d->d_name);
		/* Temporary files of a write under way, and anything else that is not an entry's name. */
		if (d->d_name[0] == '.' || len <= 5 || strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			list = xrealloc(list, cap * sizeof(*list));
		}
		e = &list[n++];
		buf_init(&text);
		path = xasprintf("%s%s", dir, d->d_name);
		if (file_read(path, OUTBOX_FILE_MAX, &text, &why) != 0) {
			memset(e, 0, sizeof(*e));
			e->problem = xasprintf("it cannot be read: %s", why.message);
		} else if (outbox_parse(text.data, text.len, e, &why) != 0) {
			e->problem = xstrdup(why.message);
		}
		e->id = xstrndup(d->d_name, len - 5);
		buf_release(&text);
		free(path);
	}
	closedir(folder);
	free(dir);
	if (n)
		qsort(list, n, sizeof(*list), by_id);
	*entries = list;
	*count = n;
	return 0;
}

void outbox_list_free(struct outbox_entry *entries, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		outbox_entry_release(&entries[i]);
	free(entries);
}

int outbox_remove(const char *git_dir, const char *id, struct error *err)
{
	char *dir = outbox_path(git_dir), *path = xasprintf("%s%s.json", dir, id);
	int rc = 0;

	if (unlink(path) != 0 && errno != ENOENT)
		rc = error_set(err, EXIT_IOERR, "cannot remove %s: %s", path, strerror(errno));
	free(path);
	free(dir);
	return rc;
}

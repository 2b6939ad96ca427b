/*
 * The outbox (outbox.c): notifications this clone could not send, kept in
 * .git/relctl/outbox/, one JSON file each, until 'relctl notify' sends
 * them.  A file holds what the request is made from, never the request: the
 * release, the notify hook's id and the notices (ledger_apply_notify's),
 * with when and why it was not sent.  Secrets are not in it: the hook's
 * ${ENV} values are read again when it is sent.  Anyone can edit the files,
 * so reading one is as strict as reading a ledger.
 */
#ifndef RELCTL_OUTBOX_H
#define RELCTL_OUTBOX_H

#include <stddef.h>

#include "cJSON.h"
#include "err.h"

#define OUTBOX_FORMAT 1
#define OUTBOX_FILE_MAX (1024 * 1024) /* one waiting notification */
#define OUTBOX_NOTICES_MAX 1000

struct outbox_entry {
	char *id;        /* the file's name without ".json" */
	char *release;   /* a version */
	char *hook;      /* the notify hook it was meant for */
	char *queued_at; /* RFC 3339: the clock of the change (RELCTL_NOW) */
	char *why;       /* why it was not sent then */
	cJSON *notices;  /* an array of notices of release, each checked for its kind's fields */
	char *problem;   /* non-NULL: the file cannot be read as one (then only id is set) */
};

/*
 * Reads one outbox file's text: 0, or -1 with err (EXIT_DATAERR) saying
 * in one clause what is wrong ("it is not valid JSON", "notice 2 has no \"step\"").
 * Fills every field but id and problem.
 */
int outbox_parse(const char *text, size_t len, struct outbox_entry *out, struct error *err);

/* Writes a new waiting notification (atomically: a reader never sees half of it). */
int outbox_add(const char *git_dir, const char *release, const char *hook, const char *queued_at, const char *why,
	       const cJSON *notices, struct error *err);

/*
 * Every waiting notification of the outbox, oldest first (by file name); a
 * file that cannot be read is an entry with problem set.  *entries is
 * NULL with *count 0 when nothing waits.  Free with outbox_list_free.
 */
int outbox_list(const char *git_dir, struct outbox_entry **entries, size_t *count, struct error *err);
void outbox_list_free(struct outbox_entry *entries, size_t count);

/* Removes a waiting notification once it is sent (or no longer true). */
int outbox_remove(const char *git_dir, const char *id, struct error *err);

/* The outbox's folder, for messages: ".git/relctl/outbox/" under git_dir; caller frees. */
char *outbox_path(const char *git_dir);

void outbox_entry_release(struct outbox_entry *e);

#endif

/*
 * Feeds ledger commits from git to the judge (judge.c): a commit's author,
 * message and every path it changes, with the new content read only up to
 * the ledger's size limit, so a 100 MiB file pushed by hand is refused
 * without being read.  Sync (each fetched commit), verify (the whole
 * history) and every local commit (before its ref moves) come through here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "session-private.h"

struct base {
	struct session *s;
	char tip[OID_HEX];
};

static int read_base(void *ctx, const char *path, size_t max, struct buf *out, struct error *err)
{
	struct base *b = ctx;

	return store_read_max(b->s->store, b->tip, path, max, out, err);
}

struct judge *judging_new(struct session *s, const char *base)
{
	struct base *b = xcalloc(1, sizeof(*b));
	struct judge_source source = { read_base, free, b };

	b->s = s;
	snprintf(b->tip, sizeof(b->tip), "%s", base ? base : "");
	return judge_new(base, &source);
}

void judging_free(struct judge *j)
{
	judge_free(j);
}

int judging_commit(struct session *s, struct judge *j, const char *commit, bool try, struct error *err)
{
	struct store_commit_info info;
	struct store_delta *deltas = NULL;
	struct judge_change *changes = NULL;
	struct judge_commit c;
	size_t count = 0, i;
	int rc = -1;

	if (store_commit_info(s->store, commit, &info, err) != 0)
		return -1;
	if (store_diff(s->store, info.parent_count ? info.parent : NULL, commit, LEDGER_RELEASE_MAX, &deltas, &count,
		       err) != 0)
		goto out;
	changes = xcalloc(count + 1, sizeof(*changes));
	for (i = 0; i < count; i++) {
		changes[i].path = deltas[i].path;
		changes[i].deleted = deltas[i].deleted;
		changes[i].regular = deltas[i].regular;
		changes[i].data = deltas[i].deleted || deltas[i].too_large ? NULL : deltas[i].data.data;
		changes[i].len = deltas[i].size;
	}
	c.id = info.id;
	c.parent = info.parent;
	c.parent_count = info.parent_count;
	c.author_name = info.author_name;
	c.author_email = info.author_email;
	c.time = info.time;
	c.message = info.message;
	c.changes = changes;
	c.change_count = count;
	rc = try ? judge_try(j, &c, err) : judge_commit(j, &c, err);
out:
	free(changes);
	store_deltas_free(deltas, count);
	store_commit_info_release(&info);
	return rc;
}

int judging_range(struct session *s, struct judge *j, const char *base, const char *tip,
		  void (*progress)(size_t done, size_t total, void *data), void *data, struct error *err)
{
	char cur[OID_HEX];
	char (*chain)[OID_HEX] = NULL;
	size_t count = 0, cap = 0, i;
	struct error ignored;
	int rc = 0;

	/* The ledger's history is linear: its first parents, newest first, down to base. */
	snprintf(cur, sizeof(cur), "%s", tip);
	while (cur[0] && !(base && strcmp(cur, base) == 0)) {
		struct store_commit_info info;

		if (store_commit_info(s->store, cur, &info, err) != 0) {
			free(chain);
			return -1;
		}
		if (count == cap) {
			cap = cap ? 2 * cap : 256;
			chain = xrealloc(chain, cap * sizeof(*chain));
		}
		memcpy(chain[count++], cur, OID_HEX);
		memcpy(cur, info.parent, OID_HEX);
		store_commit_info_release(&info);
	}
	for (i = count; i-- > 0;) {
		/* A refusal is an incident the judge keeps; only a failure to read git stops the walk. */
		error_clear(&ignored);
		if (judging_commit(s, j, chain[i], false, &ignored) != 0 && ignored.code != EXIT_DATAERR) {
			*err = ignored;
			rc = -1;
			break;
		}
		if (progress)
			progress(count - i, count, data);
	}
	free(chain);
	return rc;
}

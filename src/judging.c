/*
 * Feeds ledger commits from git to the judge (judge.c): a commit's author,
 * message, signature and every path it changes.  The paths come first,
 * with sizes from the object headers; the judge screens them
 * (judge_screen()) and only the files it needs are read, within the size
 * caps, so a 100 MiB file or one blob named under a thousand paths is
 * refused without being read.  A commit, tree or blob git cannot read is
 * refused the same way, naming the commit.  Sync (each fetched commit),
 * verify (the whole history) and every local commit (before its ref
 * moves) come through here.
 *
 * Signatures are checked with ssh-keygen against the allowed signers of
 * the playbook in force (signature.c).  A walk checks them ahead, in
 * batches run in parallel, since one ssh-keygen per commit in turn would
 * make a sync of a thousand commits take seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "judging.h"
#include "provenance.h"
#include "session-private.h"
#include "signature.h"

#define AHEAD 128 /* signatures checked in one batch */
/* Replayed releases a walk keeps in memory: the ones its next commits touch (judge_forget). */
#define JUDGING_RELEASES_KEPT 8

struct base {
	struct session *s;
	char tip[OID_HEX];
};

static int read_base(void *ctx, const char *path, size_t max, struct buf *out, struct error *err)
{
	struct base *b = ctx;

	return store_read_max(b->s->store, b->tip, path, max, out, err);
}

/* A release the judge set aside, by its blob id (judge_forget). */
static int read_blob(void *ctx, const char *blob, size_t max, struct buf *out, struct error *err)
{
	struct base *b = ctx;

	return store_read_blob_max(b->s->store, blob, max, out, err);
}

struct judge *judging_new(struct session *s, const char *base)
{
	struct base *b = xcalloc(1, sizeof(*b));
	struct judge_source source = { read_base, free, b, read_blob };
	struct judge *j;
	char *root = NULL;
	struct error ignored;

	b->s = s;
	snprintf(b->tip, sizeof(b->tip), "%s", base ? base : "");
	j = judge_new(base, &source);
	judge_set_clock(j, s->now);
	if (store_config_get(s->store, "relctl.root", &root, &ignored) == 0)
		judge_pin_root(j, root);
	free(root);
	return j;
}

void judging_free(struct judge *j)
{
	judge_free(j);
}

/* A signature checked ahead, for the allowed signers it was checked against. */
struct checked {
	char id[OID_HEX];
	char *allowed;
	struct signature_check check;
};

static void checked_release(struct checked *c)
{
	signature_check_release(&c->check);
	free(c->allowed);
	memset(c, 0, sizeof(*c));
}

static enum judge_signature judged(enum signature_status status)
{
	switch (status) {
	case SIGNATURE_GOOD:
		return JUDGE_SIGNED;
	case SIGNATURE_UNKNOWN_KEY:
		return JUDGE_UNKNOWN_KEY;
	case SIGNATURE_BAD:
		return JUDGE_BAD;
	default:
		return JUDGE_UNSIGNED;
	}
}

/* The allowed signers of the playbook that checks c; caller frees. */
static char *allowed_for(struct judge *j, const struct judge_commit *c, struct error *err)
{
	const struct playbook *pb = judge_keys(j, c, err);

	return pb ? signature_allowed_signers(pb) : NULL;
}

/*
 * The paths c changes, screened by the judge before anything is read;
 * then only the files it needs.  A tree git would not write, or paths the
 * judge refuses by their names and sizes, are the commit's fault: why goes
 * to problem and the judge refuses it, as any other.  A restore's changes
 * are taken against its target, whose tree it is written on.
 */
static int read_changes(struct session *s, struct judge *j, struct judge_commit *c, char target[OID_HEX],
			struct store_delta **deltas, size_t *count, struct judge_change **changes, struct error *problem,
			struct error *err)
{
	char *named = judge_restore_target(c->message);
	const char *from = c->parent_count ? c->parent : NULL;
	bool *need = NULL;
	struct error screened;
	size_t i;
	int rc = -1;

	if (named && c->parent_count == 1 && strcmp(named, judge_accepted(j)) == 0) {
		snprintf(target, OID_HEX, "%s", named);
		from = c->changes_from = target;
	}
	free(named);
	if (store_diff(s->store, from, c->id, deltas, count, problem, err) != 0)
		return -1;
	*changes = xcalloc(*count + 1, sizeof(**changes));
	need = xcalloc(*count + 1, sizeof(*need));
	for (i = 0; i < *count; i++) {
		(*changes)[i].path = (*deltas)[i].path;
		(*changes)[i].deleted = (*deltas)[i].deleted;
		(*changes)[i].regular = (*deltas)[i].regular;
		(*changes)[i].blob = (*deltas)[i].blob;
		(*changes)[i].mode = (*deltas)[i].mode;
		(*changes)[i].len = (*deltas)[i].size;
	}
	c->changes = *changes;
	c->change_count = *count;
	/*
	 * A tree git would not write is refused for that, but what the screen
	 * lets through is still read, so that the restore can bring back the
	 * valid events it carried.
	 */
	if (judge_screen(j, c, need, problem->code ? &screened : problem) != 0) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < *count; i++) {
		if (!need[i])
			continue;
		if (store_delta_read(s->store, &(*deltas)[i], LEDGER_RELEASE_MAX, problem->code ? &screened : err) != 0) {
			if (problem->code)
				continue; /* an object of the broken tree: not read */
			goto out;
		}
		(*changes)[i].data = (*deltas)[i].too_large ? NULL : (*deltas)[i].data.data;
		(*changes)[i].len = (*deltas)[i].size;
	}
	rc = 0;
out:
	free(need);
	return rc;
}

/*
 * A playbook change's signature checked a second time, against the keys of
 * the playbook it writes (judge_new_keys()), into again (released by the
 * caller): the first check stands when they are the same keys.
 */
static int check_new_keys(struct session *s, struct judge *j, struct judge_commit *c,
			  const struct store_commit_info *info, const char *allowed, struct signature_check *again,
			  struct error *err)
{
	struct error why;
	const struct playbook *pb;
	char *new_allowed, *program = NULL;
	int rc = 0;

	error_clear(&why);
	pb = judge_new_keys(j, c, &why);
	if (pb == NULL)
		return 0; /* no playbook change, or one that does not load: the judge refuses it itself */
	new_allowed = signature_allowed_signers(pb);
	if (strcmp(new_allowed, allowed) == 0) {
		c->playbook_signature = c->signature;
		c->playbook_signer = c->signer;
	} else {
		signature_check_commit(again, info, new_allowed);
		rc = signature_program(s->store, &program, err) == 0 && signature_verify(program, again, err) == 0 ? 0 : -1;
		again->allowed_signers = NULL;
		c->playbook_signature = judged(again->status);
		c->playbook_signer = again->principal;
	}
	free(program);
	free(new_allowed);
	return rc;
}

/*
 * Judges one commit; ahead (may be NULL) holds its signature when it was
 * checked ahead, known (may be NULL) the commit as already read.
 */
static int judge_one_commit(struct session *s, struct judge *j, const char *commit, bool try, struct checked *ahead,
			    const struct store_commit_info *known, struct error *err)
{
	struct store_commit_info own_info, *info = &own_info;
	struct store_delta *deltas = NULL;
	struct judge_change *changes = NULL;
	struct judge_commit c;
	struct signature_check own, again;
	struct error unreadable;
	char target[OID_HEX];
	char *allowed = NULL, *program = NULL;
	const struct signature_check *check = NULL;
	size_t count = 0;
	int rc = -1;

	memset(&own, 0, sizeof(own));
	memset(&again, 0, sizeof(again));
	memset(&own_info, 0, sizeof(own_info));
	memset(&c, 0, sizeof(c));
	error_clear(&unreadable);
	if (known && strcmp(known->id, commit) == 0)
		info = (struct store_commit_info *)known;
	else if (store_commit_info(s->store, commit, &own_info, err) != 0)
		return -1;
	c.id = info->id;
	c.parent = info->parent;
	c.parent_count = info->parent_count;
	c.author_name = info->author_name;
	c.author_email = info->author_email;
	c.time = info->time;
	c.message = info->message;
	c.unreadable = info->unreadable;
	if (c.unreadable == NULL && read_changes(s, j, &c, target, &deltas, &count, &changes, &unreadable, err) != 0)
		goto out;
	if (unreadable.code)
		c.unreadable = unreadable.message;
	if (info->signature) {
		allowed = allowed_for(j, &c, err);
		if (allowed == NULL)
			goto out;
		if (ahead && strcmp(ahead->id, commit) == 0 && ahead->allowed && strcmp(ahead->allowed, allowed) == 0) {
			check = &ahead->check;
		} else {
			signature_check_commit(&own, info, allowed);
			if (signature_program(s->store, &program, err) != 0 || signature_verify(program, &own, err) != 0)
				goto out;
			check = &own;
		}
		/* For log, show and report: who signed, checked against the keys in force. */
		provenance_note(s, commit, check);
		c.signature = judged(check->status);
		c.signer = check->principal;
		c.fingerprint = check->fingerprint;
		c.signature_detail = check->detail;
		if (check_new_keys(s, j, &c, info, allowed, &again, err) != 0)
			goto out;
	}
	rc = try ? judge_try(j, &c, err) : judge_commit(j, &c, err);
out:
	signature_check_release(&own);
	signature_check_release(&again);
	free(allowed);
	free(program);
	free(changes);
	store_deltas_free(deltas, count);
	store_commit_info_release(&own_info);
	return rc;
}

int judging_commit(struct session *s, struct judge *j, const char *commit, bool try, struct error *err)
{
	return judge_one_commit(s, j, commit, try, NULL, NULL, err);
}

/*
 * Checks the signatures of chain[from..from+AHEAD) at once, against the
 * allowed signers in force now; a playbook change inside the window makes
 * the later ones be checked again, one by one.
 */
static int check_ahead(struct session *s, struct judge *j, char (*chain)[OID_HEX], size_t from, size_t to,
		       struct checked *out, struct store_commit_info *infos, struct error *err)
{
	struct judge_commit probe;
	struct signature_check *checks;
	size_t n = 0, i, k;
	char *allowed, *program = NULL;
	int rc = -1;

	memset(&probe, 0, sizeof(probe));
	probe.parent_count = 1; /* any commit after the first: the playbook in force */
	allowed = allowed_for(j, &probe, err);
	if (allowed == NULL)
		return -1;
	checks = xcalloc(to - from + 1, sizeof(*checks));
	for (i = from; i < to; i++) {
		struct store_commit_info *info = &infos[i - from];

		store_commit_info_release(info);
		if (store_commit_info(s->store, chain[i], info, err) != 0)
			goto out;
		if (info->signature == NULL)
			continue;
		signature_check_commit(&checks[n++], info, allowed);
	}
	if (n && (signature_program(s->store, &program, err) != 0 ||
		  signature_verify_batch(program, checks, n, 0, err) != 0))
		goto out;
	for (i = from, k = 0; i < to; i++) {
		struct checked *c = &out[i - from];

		checked_release(c);
		if (infos[i - from].signature == NULL)
			continue;
		memcpy(c->id, chain[i], OID_HEX);
		c->allowed = xstrdup(allowed);
		c->check = checks[k];
		/* The borrowed inputs point into infos, which the walk releases. */
		c->check.payload = NULL;
		c->check.signature = NULL;
		c->check.allowed_signers = NULL;
		memset(&checks[k], 0, sizeof(checks[k]));
		k++;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		signature_check_release(&checks[i]);
	free(checks);
	free(allowed);
	free(program);
	return rc;
}

int judging_range(struct session *s, struct judge *j, const char *base, const char *tip,
		  void (*progress)(size_t done, size_t total, void *data), void *data, struct error *err)
{
	char cur[OID_HEX];
	char (*chain)[OID_HEX] = NULL;
	struct checked ahead[AHEAD];
	struct store_commit_info infos[AHEAD];
	size_t count = 0, cap = 0, i, window = 0, window_end = 0;
	struct error ignored;
	int rc = 0;

	memset(ahead, 0, sizeof(ahead));
	memset(infos, 0, sizeof(infos));
	/* The ledger's history is linear: its first parents, newest first, down to base. */
	snprintf(cur, sizeof(cur), "%s", tip);
	while (cur[0] && !(base && strcmp(cur, base) == 0)) {
		if (count == cap) {
			cap = cap ? 2 * cap : 256;
			chain = xrealloc(chain, cap * sizeof(*chain));
		}
		memcpy(chain[count++], cur, OID_HEX);
		if (store_commit_parent(s->store, chain[count - 1], cur, NULL, err) != 0) {
			free(chain);
			return -1;
		}
	}
	/* Oldest first. */
	for (i = 0; i < count / 2; i++) {
		char t[OID_HEX];

		memcpy(t, chain[i], OID_HEX);
		memcpy(chain[i], chain[count - 1 - i], OID_HEX);
		memcpy(chain[count - 1 - i], t, OID_HEX);
	}
	for (i = 0; i < count; i++) {
		if (i >= window_end && judge_accepted(j)[0] == '\0') {
			/* The first commit has no playbook in force yet: alone. */
			window = i;
			window_end = i + 1;
		} else if (i >= window_end) {
			window = i;
			window_end = i + AHEAD < count ? i + AHEAD : count;
			if (check_ahead(s, j, chain, window, window_end, ahead, infos, err) != 0) {
				rc = -1;
				break;
			}
		}
		/*
		 * A refusal is an incident the judge keeps; any other failure (git
		 * could not be read, or the commit never reached the judge) stops the walk.
		 */
		error_clear(&ignored);
		if (judge_one_commit(s, j, chain[i], false, &ahead[i - window], &infos[i - window], &ignored) != 0 &&
		    (ignored.code != EXIT_DATAERR || strcmp(judge_seen(j), chain[i]) != 0)) {
			*err = ignored;
			rc = -1;
			break;
		}
		/* Only the releases the next commits touch stay replayed in memory. */
		judge_forget(j, JUDGING_RELEASES_KEPT);
		if (progress)
			progress(i + 1, count, data);
	}
	for (i = 0; i < AHEAD; i++) {
		checked_release(&ahead[i]);
		store_commit_info_release(&infos[i]);
	}
	free(chain);
	return rc;
}

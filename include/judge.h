/*
 * The one judge of ledger commits.  It holds the ledger as it stood after
 * the last commit it accepted and decides whether one more commit may
 * follow: which files a commit may touch and their sizes, that a release's
 * events only ever grow, by exactly one event that ledger_apply_new() allows
 * for its actor under the release's pinned playbook (dated within the time
 * rules against the judging clock: ledger.h, "Time"), that the commit's
 * author is that actor, that the stored view is the replay of the events,
 * that the index agrees, that the playbook changes only by a release
 * manager of the playbook before the change (and a change of keys only with
 * a release manager's key of the playbook after it), that a release file
 * keeps its last MiB for the events that finish a release, and that a
 * Relctl-Event line names the event the commit adds.  A local mutation (before it
 * is written), sync (every fetched commit, oldest first) and verify all go
 * through judge_commit(), so what one refuses the others refuse too.
 *
 * A refused commit is an incident.  The judge keeps walking (so verify can
 * report everything, and so a later restore commit can be recognised):
 * commits built on a refused one are refused too, until a restore commit,
 * written by a release manager with judge_plan_restore(), brings back the
 * last accepted state plus every valid event that came after it.
 *
 * Pure: a commit's files come in memory; files the judge has not needed yet
 * are read through the caller's source, at the commit the judge started
 * from.  No printing; the judging clock is the caller's (judge_set_clock()).
 */
#ifndef RELCTL_JUDGE_H
#define RELCTL_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "cJSON.h"
#include "err.h"

/*
 * Reads a file of the commit the judge started from: 0, 1 when absent, -1
 * on error; read_blob (may be NULL) reads a file by its git blob id, for a
 * release judge_forget set aside.  The judge owns ctx and calls release
 * (when not NULL) on it.
 */
struct judge_source {
	int (*read)(void *ctx, const char *path, size_t max, struct buf *out, struct error *err);
	void (*release)(void *ctx);
	void *ctx;
	int (*read_blob)(void *ctx, const char *blob, size_t max, struct buf *out, struct error *err);
};

/* One path a commit changes against its parent. */
struct judge_change {
	const char *path;
	bool deleted;
	bool regular;     /* a plain file (not a link, a submodule or an executable) */
	unsigned mode;    /* its git mode when not regular (0120000 a symlink, ...), for the message; 0 when unknown */
	const char *data; /* the new content; NULL when deleted or too large to read */
	size_t len;       /* its size, also when too large to read */
	const char *blob; /* the new content's git blob id; NULL when not known */
};

/* A commit's signature as the caller checked it against judge_keys() (signature.h). */
enum judge_signature {
	JUDGE_UNSIGNED,
	JUDGE_SIGNED,      /* good, by the key of signer */
	JUDGE_UNKNOWN_KEY, /* good, but by a key the playbook lists for nobody */
	JUDGE_BAD,         /* it does not verify: altered after signing */
};

struct judge_commit {
	const char *id;     /* "" for a commit not written yet */
	const char *parent; /* "" for a root commit */
	size_t parent_count;
	const char *author_name;
	const char *author_email;
	time_t time;
	const char *message;
	const struct judge_change *changes;
	size_t change_count;
	enum judge_signature signature;
	const char *signer;      /* JUDGE_SIGNED: the email whose key signed */
	const char *fingerprint; /* of the signing key, when signed */
	const char *signature_detail; /* JUDGE_BAD: why */
	/*
	 * Why it is refused before its files are read, or NULL: its commit or
	 * tree cannot be read as git writes them, or judge_screen() refused it.
	 */
	const char *unreadable;
	/*
	 * The commit changes are against when not the parent: a restore's
	 * target (judge_restore_target()), whose tree the restore is written
	 * on, so that the refused commits are never read.
	 */
	const char *changes_from;
	/*
	 * A playbook change (not the first commit): its signature checked again,
	 * against the keys of the playbook it writes (judge_new_keys()).
	 */
	enum judge_signature playbook_signature;
	const char *playbook_signer;
};

struct judge_incident {
	char *commit;
	char *author; /* "Name <email>" */
	time_t time;
	char *event;  /* the event at fault, or NULL */
	char *problem;
	char *restored_by;     /* "Name <email>" of the restore commit, or NULL while not restored */
	char *restore_commit;
	time_t restored_at;
};

struct judge;

/*
 * A judge of the commits after base (NULL or "": an empty ledger, before
 * its first commit).  source reads base's files; it is not used when base
 * is empty.
 */
struct judge *judge_new(const char *base, const struct judge_source *source);
void judge_free(struct judge *j);

/*
 * The judging clock: the local clock (RELCTL_NOW) of whoever judges.  An
 * event dated later than it plus LEDGER_CLOCK_SKEW is refused (ledger.h,
 * "Time"); old history stays valid, as "later" is always against now.
 * Until it is set, nothing is refused for being late.
 */
void judge_set_clock(struct judge *j, time_t now);

/* Pins the first commit by its full id (git config relctl.root): a history with another one is refused. */
void judge_pin_root(struct judge *j, const char *root);

/* The most the judge reads of one commit's files, all together. */
#define JUDGE_READ_MAX (48 * 1024 * 1024)

/*
 * Before any file of c is read (its changes carry sizes, no data): the
 * rules that need no content (a merge, modes, which paths and how many
 * releases) and the total it would read.  Returns 0 with need[i] set for
 * each change whose content the judge reads (each at most
 * LEDGER_RELEASE_MAX), or -1 (EXIT_DATAERR) saying why c is refused: that
 * reason goes to judge_commit() as c->unreadable, so the refusal is
 * recorded like any other while nothing is read.
 */
int judge_screen(struct judge *j, const struct judge_commit *c, bool *need, struct error *err);

/*
 * Judges c, whose parent must be the last commit judged.  Returns 0 when
 * accepted (the state moves to c), -1 when refused: err says why (65,
 * naming the commit and its author) and the refusal is kept as an incident.
 */
int judge_commit(struct judge *j, const struct judge_commit *c, struct error *err);

/*
 * The same for a commit about to be shared (a mutation, an offline event
 * replayed): a refusal leaves the judge exactly as it was, with no incident.
 */
int judge_try(struct judge *j, const struct judge_commit *c, struct error *err);

/*
 * The playbook whose keys check c's signature: the one in force before c,
 * or for the first commit its own.  Borrowed until the next judge call;
 * NULL (err set) when it cannot be read.
 */
const struct playbook *judge_keys(struct judge *j, const struct judge_commit *c, struct error *err);

/*
 * For a commit that changes the playbook after the first commit: the
 * playbook it writes, whose keys check its signature a second time (a
 * change of keys, or to signing: required, is signed by a release manager's
 * key in the playbook that results).  NULL for any other commit, or (err
 * set) when that playbook does not load.  Borrowed until the next judge call.
 */
const struct playbook *judge_new_keys(struct judge *j, const struct judge_commit *c, struct error *err);

/* Per author email, over the accepted commits: {"signed": N, "unsigned": M}. */
const cJSON *judge_signers(const struct judge *j);

/* The first commit of the history judged ("" when the judge started from a base). */
const char *judge_root(const struct judge *j);
/* The last accepted commit ("" before the first). */
const char *judge_accepted(const struct judge *j);
/* The last commit judged, accepted or refused ("" before any). */
const char *judge_seen(const struct judge *j);
/* Whether every commit judged is accepted or restored: the last one judged is the accepted one. */
bool judge_clean(const struct judge *j);
/* Every incident so far, oldest first. */
const struct judge_incident *judge_incidents(const struct judge *j, size_t *count);
/*
 * Sets aside the accepted releases used least recently beyond the newest
 * keep, to be read back from their blobs (judge_source's read_blob) when a
 * commit needs one again: a walk over a long history then holds a few
 * releases' states, not every one.  Between commits only.
 */
void judge_forget(struct judge *j, size_t keep);

/* Counts over the accepted commits. */
size_t judge_event_count(const struct judge *j);
size_t judge_release_count(const struct judge *j);

/*
 * The files a restore commit writes, against the last commit judged (the
 * refused tip); written on the last accepted commit's tree instead, they
 * give the same tree (a deletion of a path it lacks is no change).
 */
struct judge_restore {
	struct judge_change *changes;
	size_t change_count;
	cJSON *carried; /* [{event, release, commit}] valid events brought back */
	cJSON *dropped; /* [{event, release, commit, reason}] the others */
};

/*
 * When the last commit judged is refused: the restore, the last accepted
 * state plus every event of the refused commits that is valid there (its
 * commit's author is its actor, that commit's signature is one the playbook
 * in force accepts for its author, its id is in relctl's form, a release it
 * starts pins the playbook in force, and ledger_apply() allows it in order);
 * the others are in dropped, with why.  by_email is
 * the release manager who will write it.  Returns 0, or -1 (nothing to
 * restore, or by_email is not a release manager of the accepted playbook).
 */
int judge_plan_restore(struct judge *j, const char *by_email, struct judge_restore *out, struct error *err);
void judge_restore_release(struct judge_restore *r);

/* The trailer a restore commit's message carries, naming the last accepted commit. */
#define JUDGE_RESTORE_TRAILER "Relctl-Restore: "

/*
 * The commit a restore's message names: read from its trailer block only,
 * as git reads trailers (the last paragraph, not the subject, every line
 * "Token: value"), which must hold exactly one JUDGE_RESTORE_TRAILER line
 * with a full object id.  NULL when there is none; caller frees.
 */
char *judge_restore_target(const char *message);

/* Whether message is a restore commit's, as the judge reads it: then target holds the commit it names. */
bool judge_restore_of(const char *message, char target[41]);

/*
 * The trailer naming the event a commit adds.  The judge refuses a commit
 * with a Relctl-Event line (its key at the start of a line, in any case)
 * that names anything but the one event the commit appends: a first commit,
 * a playbook change and a restore may have none.  So on an accepted commit
 * the trailer is judged content, and log, show and report find an event's
 * commit by it (provenance.h).
 */
#define JUDGE_EVENT_TRAILER "Relctl-Event:"

/*
 * The next Relctl-Event line of the message at *cursor: its value (blanks
 * around it trimmed, cut to size - 1 bytes) in value, and *cursor moved past
 * it.  false when there is none.
 */
bool judge_event_trailer(const char **cursor, char *value, size_t size);

#endif

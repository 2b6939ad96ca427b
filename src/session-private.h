/*
 * What the ledger's modules share inside relctl, and commands never see:
 * reading the files of one ledger commit (session.c), the plan of one
 * commit and the one function that writes every commit (commit.c), the
 * judge fed with commits from git (judging.c), and the commit loop against
 * a remote (sync.c).
 */
#ifndef RELCTL_SESSION_PRIVATE_H
#define RELCTL_SESSION_PRIVATE_H

#include <stdbool.h>

#include "buf.h"
#include "cJSON.h"
#include "judge.h"
#include "session.h"
#include "store.h"

/* ---------- session.c: reading a ledger commit ---------- */

/* EXIT_CONFIG: no ledger yet, with the command that makes one. */
int session_no_ledger(struct session *s, struct error *err);
/* The remote (relctl.remote, else origin) whose ledger branch git has fetched into this clone, or NULL. */
const char *session_team_remote(struct session *s);
/* The playbook at path of commit tip. */
struct playbook *session_playbook_at(struct session *s, const char *tip, const char *path, struct error *err);
/* A JSON file of commit tip (at most LEDGER_RELEASE_MAX bytes); *missing when it is not there. */
cJSON *session_read_json(struct session *s, const char *tip, const char *path, bool *missing, struct error *err);
cJSON *session_read_index(struct session *s, const char *tip, struct error *err);
/* A release at commit tip, replayed; version NULL: the one open release. */
int session_release_at(struct session *s, const char *tip, const char *version, struct release *rel,
		       struct error *err);
/*
 * Lets st's rules read the other releases at tip (ledger.h's lookup), each
 * loaded when first asked for, until session_lookup_release.
 */
struct release_lookup {
	struct session *s;
	char tip[OID_HEX];
	struct release *loaded;
	size_t count;
};
void session_lookup_attach(struct release_lookup *l, struct session *s, const char *tip, struct release_state *st);
void session_lookup_release(struct release_lookup *l);
/* "2.6.3" from "releases/2.6.3.json"; caller frees. */
char *session_version_of(const char *path);

/* ---------- commit.c: one commit ---------- */

/* The files, message and author of one commit, built from one tip. */
struct plan {
	struct store_change *changes;
	size_t count;
	struct buf message;
	char *author_name;
	char *author_email;
	time_t when; /* 0: now */
	char *summary;
	char base[OID_HEX]; /* the commit whose tree the changes apply to, when not the parent's ("") */
};

void plan_init(struct plan *p);
void plan_release(struct plan *p);
/* Adds a file to write; takes data (NUL-terminated, heap), NULL to delete the path. */
void plan_write(struct plan *p, const char *path, char *data);
void plan_author(struct plan *p, const struct pb_person *who);
/* The release document (events and view) as one file. */
void plan_release_doc(struct plan *plan, const struct release *rel);
/* The index entry of st's release, rewritten when its status or candidate changed (always: in any case). */
int plan_index(struct session *s, const char *tip, const struct release_state *st, struct plan *plan, bool always,
	       struct error *err);

/* Plans one commit on tip (NULL: the first commit); a plan that writes nothing makes no commit. */
typedef int (*plan_fn)(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err);

/*
 * Writes plan as a commit on parent (NULL: the first commit) and has the
 * judge accept it: j is the judge at parent, or NULL for a new one.  Moves
 * no ref.  A refused commit is left unreferenced and err says why.
 */
int commit_plan(struct session *s, struct judge *j, const char *parent, const struct plan *plan,
		char new_tip[OID_HEX], struct error *err);

/* Sleeps a little longer on each lost race, with jitter. */
void commit_backoff(int attempt);

/* ---------- judging.c: commits from git to the judge ---------- */

/* A judge of the commits after base (NULL: from the first commit), reading base's files. */
struct judge *judging_new(struct session *s, const char *base);
void judging_free(struct judge *j);

/* Judges one commit (its parent must be the judge's last one); try: a refusal changes nothing. */
int judging_commit(struct session *s, struct judge *j, const char *commit, bool try, struct error *err);

/*
 * Judges every commit after base (NULL: from the first) up to tip, oldest
 * first, recording refusals as incidents.  -1 only when git cannot be read;
 * progress (may be NULL) is called with commits done and total.
 */
int judging_range(struct session *s, struct judge *j, const char *base, const char *tip,
		  void (*progress)(size_t done, size_t total, void *data), void *data, struct error *err);

/* The check of commit info's signature against the allowed signers text (borrowed). */
struct signature_check;
void judging_signature_check(struct signature_check *check, const struct store_commit_info *info, const char *allowed);

/* ---------- sync.c ---------- */

/* The commit loop with a remote: fetch and judge, reconcile offline events, plan, push; 1 when the plan wrote nothing. */
int sync_commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err);

#endif

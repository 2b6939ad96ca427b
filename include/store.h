/*
 * The ledger branch in git, written with libgit2's object APIs only: blobs,
 * tree updates, commits and a compare-and-swap of the branch ref.  The
 * user's HEAD, index and working tree are never read or written.  store.c
 * and store-remote.c (fetch, push and credentials) are the only files that
 * use libgit2 (sync.c talks to remotes through the functions here).
 */
#ifndef RELCTL_STORE_H
#define RELCTL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"

#define OID_HEX 41 /* 40 hex digits and a NUL */

struct store;

/* One file to write in a commit: data, or NULL to delete the path. */
struct store_change {
	const char *path;
	const char *data;
	size_t len;
};

struct store_author {
	const char *name;
	const char *email;
	time_t when;
	/*
	 * Optional: signs the commit the way `git commit -S` does.  sign is
	 * given the whole commit object as it would be written unsigned and
	 * appends an armoured signature to signature (for ssh, the "-----BEGIN
	 * SSH SIGNATURE-----" block ssh-keygen -Y sign writes); the commit is
	 * written with it in its "gpgsig" header, so that `git verify-commit`
	 * checks it.  Returns 0, or -1 with err set, and then no commit is
	 * written.  NULL: an unsigned commit.
	 */
	int (*sign)(void *ctx, const char *payload, size_t len, struct buf *signature, struct error *err);
	void *sign_ctx;
};

/*
 * Opens the repository containing dir (NULL: the current directory).  Not
 * in a repository is EXIT_CONFIG with a hint to run `git init`.
 */
struct store *store_open(const char *dir, struct error *err);
void store_free(struct store *store);

/* The repository's git config; out is NULL when unset.  Caller frees. */
int store_config_get(struct store *store, const char *key, char **out, struct error *err);
int store_config_set(struct store *store, const char *key, const char *value, struct error *err);
/* The path of the work tree (or the git dir of a bare repository). */
const char *store_workdir(const struct store *store);
/* The repository's git directory, with a trailing '/'. */
const char *store_git_dir(const struct store *store);

/*
 * The tip of refs/heads/BRANCH (or any full ref name) as hex.  Returns 0,
 * 1 when the ref does not exist, -1 on error.
 */
int store_ref_tip(struct store *store, const char *ref, char tip[OID_HEX], struct error *err);

/*
 * Reads a file of the tree of commit tip.  Returns 0, 1 when the path does
 * not exist there, -1 on error.  out is appended to.
 */
int store_read(struct store *store, const char *tip, const char *path, struct buf *out, struct error *err);

/* The same, refusing (-1, EXIT_DATAERR) a file larger than max bytes before reading it. */
int store_read_max(struct store *store, const char *tip, const char *path, size_t max, struct buf *out,
		   struct error *err);

/* A blob by its id, refusing (-1, EXIT_DATAERR) one larger than max bytes. */
int store_read_blob_max(struct store *store, const char *id, size_t max, struct buf *out, struct error *err);

/* The id of the blob at path in tip's tree: 0, 1 when there is none, -1. */
int store_blob_id(struct store *store, const char *tip, const char *path, char out[OID_HEX], struct error *err);

/* Reads a blob by id (pinned playbooks). */
int store_read_blob(struct store *store, const char *blob, struct buf *out, struct error *err);

/* The id a blob of data would have (without writing it). */
int store_hash_blob(const char *data, size_t len, char out[OID_HEX], struct error *err);

/* The names of the files directly below dir in the tree of tip. */
int store_list(struct store *store, const char *tip, const char *dir, char ***names, size_t *count,
	       struct error *err);

/*
 * Writes a commit on top of parent (NULL for the first commit) with the
 * changes applied to parent's tree.  new_tip receives the commit id.
 * Does not move any ref.
 */
int store_commit(struct store *store, const char *parent, const struct store_change *changes, size_t count,
		 const char *message, const struct store_author *author, char new_tip[OID_HEX], struct error *err);
/*
 * The same with the changes applied to the tree of base (NULL: the empty
 * tree) rather than parent's: a restore is written on the refused tip
 * from the last good tree, without reading the refused commits.  parent
 * is only named, so it may be a commit libgit2 cannot parse.  Deleting a
 * path base does not have is no change.
 */
int store_commit_on(struct store *store, const char *parent, const char *base, const struct store_change *changes,
		    size_t count, const char *message, const struct store_author *author, char new_tip[OID_HEX],
		    struct error *err);

/*
 * Moves ref from old_tip (NULL: the ref must not exist yet) to new_tip,
 * atomically.  Returns 0, 1 when the ref no longer points at old_tip (a
 * lost race: re-read and retry), -1 on error.
 */
int store_ref_swap(struct store *store, const char *ref, const char *old_tip, const char *new_tip,
		   const char *log_message, struct error *err);

/* Commit walking for log and verify: the parent (first), message, author, signature. */
struct store_commit_info {
	char id[OID_HEX];
	char parent[OID_HEX]; /* "" for a root commit */
	size_t parent_count;
	char *message;
	char *author_name;
	char *author_email;
	time_t time;
	/*
	 * The commit's "gpgsig" header (the armoured signature, without the
	 * header's indentation) and the text it signs (the commit object
	 * without that header); both NULL when the commit is unsigned.
	 */
	char *signature;
	size_t signature_len;
	char *signed_data;
	size_t signed_data_len;
	/*
	 * Why libgit2 cannot parse the commit object (no committer line, say),
	 * or NULL.  The rest was then read header by header, as git does:
	 * parents, author (empty when unreadable too) and message; no signature.
	 */
	char *unreadable;
};
/* The largest commit object read when libgit2 cannot parse it. */
#define STORE_COMMIT_MAX (16 * 1024 * 1024)
int store_commit_info(struct store *store, const char *id, struct store_commit_info *info, struct error *err);
/* Only the first parent ("" for a root commit), and the message when message is not NULL (caller frees): walking a history. */
int store_commit_parent(struct store *store, const char *id, char parent[OID_HEX], char **message, struct error *err);
void store_commit_info_release(struct store_commit_info *info);

/*
 * Whether ancestor is tip or an ancestor of tip.  A history libgit2 cannot
 * walk (a commit it cannot parse) is followed by first parents.
 */
int store_is_ancestor(struct store *store, const char *ancestor, const char *tip, bool *out, struct error *err);

/* ---------- remotes ---------- */

/* The url of a configured remote; NULL (EXIT_CONFIG) when there is none. */
char *store_remote_url(struct store *store, const char *remote, struct error *err);

/*
 * Fetches refs/heads/BRANCH of remote.  Returns 0 with its tip, 1 when the
 * remote has no such branch, -1 when the remote cannot be reached
 * (EXIT_UNAVAILABLE) or is not configured (EXIT_CONFIG).  Credentials come
 * from the ssh agent (or relctl.sshKey) and git's credential helpers; relctl
 * never stores or prints them.
 */
int store_fetch(struct store *store, const char *remote, const char *branch, char tip[OID_HEX], struct error *err);

/*
 * Makes the remote's BRANCH point at new_tip if it still points at old_tip
 * (NULL: if it does not exist yet).  Returns 0, 1 when it moved meanwhile
 * (a lost race: fetch and retry), -1 when the remote is unreachable (69) or
 * refused the update for another reason, such as a hook (77).
 *
 * libgit2's local transport writes refs without checking their old value,
 * so for a remote that is a path on this machine (or file://) the objects
 * are written into that repository as one pack and its branch is moved by
 * compare-and-swap there.
 */
int store_push(struct store *store, const char *remote, const char *branch, const char *new_tip, const char *old_tip,
	       struct error *err);

/* Points ref at tip unconditionally (remote-tracking and backup refs). */
int store_ref_set(struct store *store, const char *ref, const char *tip, struct error *err);

/* The merge base of two commits; 1 when they share no history (first parents when libgit2 cannot walk them). */
int store_merge_base(struct store *store, const char *a, const char *b, char out[OID_HEX], struct error *err);

/*
 * The paths below dir whose blob differs between the trees of old_tip
 * (NULL: the empty tree) and new_tip, including added ones.
 */
int store_changed(struct store *store, const char *old_tip, const char *new_tip, const char *dir, char ***paths,
		  size_t *count, struct error *err);

/* One path a commit changes; its new content only once read with store_delta_read(). */
struct store_delta {
	char *path;
	bool deleted;
	bool regular;   /* mode 100644 */
	unsigned mode;  /* the new git file mode (0120000 a symlink, ...); 0 when deleted */
	size_t size;    /* from the object's header */
	bool too_large; /* read, but larger than the max asked for: data is empty */
	struct buf data;
	char blob[OID_HEX]; /* the new object's id */
};

/*
 * Every path that differs between the trees of parent (NULL: the empty
 * tree) and commit, at any depth, with each new object's size from its
 * header: no file is read, so memory does not depend on what was pushed.
 * Free with store_deltas_free.  tree_problem is set (EXIT_DATAERR) when a
 * tree cannot be read or is not one git writes (a name twice, entries out
 * of order, a tree under a file's mode, an object missing): the paths
 * read so far are still given, so that what it changed can be refused
 * and restored like any other commit's.
 */
int store_diff(struct store *store, const char *parent, const char *commit, struct store_delta **out,
	       size_t *count, struct error *tree_problem, struct error *err);
/* Reads a plain file's content into delta->data when it is at most max bytes (else too_large). */
int store_delta_read(struct store *store, struct store_delta *delta, size_t max, struct error *err);
void store_deltas_free(struct store_delta *deltas, size_t count);

#endif

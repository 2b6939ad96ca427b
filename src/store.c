/*
 * The ledger branch, through libgit2's object database and refs only (the
 * remote half, transfers and their credentials, is store-remote.c).
 * Files are written as blobs, trees are rebuilt with git_tree_create_updated
 * from the parent's tree, and the branch moves by compare-and-swap, so two
 * relctl processes can never overwrite each other's commit: the loser sees
 * the ref moved and retries on the new tip.
 */
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <git2.h>

#include "buf.h"
#include "store-private.h"
#include "util.h"

/*
 * libgit2's cache of commits and trees read (its default is 256 MiB).  It
 * counts the objects' raw bytes, and a parsed tree costs about twice its
 * raw size again: at 16 MiB, verify of 100 real-history releases held
 * 39 MB in it (70 MB resident); at 2 MiB, 21 MB resident, as at 10
 * releases, and 18% less CPU.
 */
#define STORE_OBJECT_CACHE_BYTES (2 * 1024 * 1024)


int git_fail(struct error *err, int code, const char *what)
{
	const git_error *e = git_error_last();
	const char *message = e && e->message ? e->message : "unknown git error";
	size_t len = strlen(message);

	/* libgit2 ends an OS error with ": " and the reason, which may be empty. */
	while (len > 0 && strchr(": \n", message[len - 1]))
		len--;
	return error_set(err, code, "%s: %.*s", what, (int)len, message);
}

void oid_hex(const git_oid *oid, char out[OID_HEX])
{
	git_oid_tostr(out, OID_HEX, oid);
}

int parse_oid(git_oid *oid, const char *hex, struct error *err)
{
	if (git_oid_fromstr(oid, hex) != 0)
		return error_set(err, EXIT_DATAERR, "\"%s\" is not a git object id", hex);
	return 0;
}

struct store *store_open(const char *dir, struct error *err)
{
	struct store *store;
	git_repository *repo = NULL;
	const char *wd;

	git_libgit2_init();
	/*
	 * As git reads objects: their ids were checked when they arrived (the
	 * indexer hashes every object of a fetched pack), so reading one does not
	 * hash it again.  Judging 1,000 fetched commits reads each file once, and
	 * re-hashing was a sixth of sync's time.
	 */
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
	/*
	 * libgit2 keeps the commits and trees it read, up to 256 MiB: a walk over
	 * a long history (verify, a first sync) reads a new releases/ tree with
	 * every commit, so that cache, not relctl's state, grew by about 1 MB a
	 * release.  The trees a command reads again are the last few.
	 */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)STORE_OBJECT_CACHE_BYTES);
	if (git_repository_open_ext(&repo, dir ? dir : ".", 0, NULL) != 0) {
		git_libgit2_shutdown();
		error_set(err, EXIT_CONFIG, "not in a git repository; run 'git init' first (relctl keeps its ledger in git)");
		return NULL;
	}
	store = xcalloc(1, sizeof(*store));
	store->repo = repo;
	wd = git_repository_workdir(repo);
	store->workdir = xstrdup(wd ? wd : git_repository_path(repo));
	return store;
}

void store_free(struct store *store)
{
	if (store == NULL)
		return;
	git_repository_free(store->repo);
	free(store->workdir);
	free(store);
	git_libgit2_shutdown();
}

const char *store_workdir(const struct store *store)
{
	return store->workdir;
}

const char *store_git_dir(const struct store *store)
{
	return git_repository_path(store->repo);
}

int store_config_get(struct store *store, const char *key, char **out, struct error *err)
{
	git_config *cfg = NULL, *snap = NULL;
	const char *value;
	int rc = 0, e;

	*out = NULL;
	if (git_repository_config(&cfg, store->repo) != 0 || git_config_snapshot(&snap, cfg) != 0) {
		rc = git_fail(err, EXIT_CONFIG, "cannot read the git config");
		goto out;
	}
	e = git_config_get_string(&value, snap, key);
	if (e == 0)
		*out = xstrdup(value);
	else if (e != GIT_ENOTFOUND)
		rc = git_fail(err, EXIT_CONFIG, "cannot read the git config");
out:
	git_config_free(snap);
	git_config_free(cfg);
	return rc;
}

int store_config_set(struct store *store, const char *key, const char *value, struct error *err)
{
	git_config *cfg = NULL, *local = NULL;
	int rc = 0;

	if (git_repository_config(&cfg, store->repo) != 0 ||
	    git_config_open_level(&local, cfg, GIT_CONFIG_LEVEL_LOCAL) != 0 ||
	    git_config_set_string(local, key, value) != 0)
		rc = git_fail(err, EXIT_CONFIG, "cannot write the git config");
	git_config_free(local);
	git_config_free(cfg);
	return rc;
}

int store_ref_tip(struct store *store, const char *ref, char tip[OID_HEX], struct error *err)
{
	git_oid oid;
	int e = git_reference_name_to_id(&oid, store->repo, ref);

	if (e == GIT_ENOTFOUND)
		return 1;
	if (e != 0)
		return git_fail(err, EXIT_DATAERR, ref);
	oid_hex(&oid, tip);
	return 0;
}

static int blob_append(git_blob *blob, struct buf *out)
{
	buf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	return 0;
}

/* Reads blob id into out when it is at most max bytes; 1 (and its size) when larger. */
static int read_blob_max(struct store *store, const git_oid *id, size_t max, struct buf *out, size_t *size,
			 struct error *err)
{
	git_odb *odb = NULL;
	git_blob *blob = NULL;
	git_object_t type;
	size_t len = 0;
	int rc = 0;

	if (git_repository_odb(&odb, store->repo) != 0 || git_odb_read_header(&len, &type, odb, id) != 0 ||
	    type != GIT_OBJECT_BLOB) {
		git_odb_free(odb);
		return git_fail(err, EXIT_DATAERR, "cannot read a file of the ledger");
	}
	git_odb_free(odb);
	if (size)
		*size = len;
	if (len > max)
		return 1;
	if (git_blob_lookup(&blob, store->repo, id) != 0)
		return git_fail(err, EXIT_DATAERR, "cannot read a file of the ledger");
	blob_append(blob, out);
	git_blob_free(blob);
	return rc;
}

/* The blob at path in tip's tree, as git_tree_entry_bypath finds it: 0, 1 when there is none, -1. */
static int blob_entry(struct store *store, const char *tip, const char *path, git_tree_entry **entry,
		      struct error *err)
{
	git_oid oid;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	int rc = 0, e;

	*entry = NULL;
	if (parse_oid(&oid, tip, err) != 0)
		return -1;
	if (git_commit_lookup(&commit, store->repo, &oid) != 0 || git_commit_tree(&tree, commit) != 0) {
		rc = git_fail(err, EXIT_DATAERR, "cannot read the ledger commit");
		goto out;
	}
	e = git_tree_entry_bypath(entry, tree, path);
	if (e == GIT_ENOTFOUND) {
		rc = 1;
		goto out;
	}
	if (e != 0 || git_tree_entry_type(*entry) != GIT_OBJECT_BLOB)
		rc = git_fail(err, EXIT_DATAERR, path);
out:
	if (rc != 0) {
		git_tree_entry_free(*entry);
		*entry = NULL;
	}
	git_tree_free(tree);
	git_commit_free(commit);
	return rc;
}

int store_read_max(struct store *store, const char *tip, const char *path, size_t max, struct buf *out,
		   struct error *err)
{
	git_tree_entry *entry;
	size_t size = 0;
	int rc = blob_entry(store, tip, path, &entry, err);

	if (rc != 0)
		return rc;
	rc = read_blob_max(store, git_tree_entry_id(entry), max, out, &size, err);
	if (rc == 1)
		rc = error_set(err, EXIT_DATAERR, "%s is %zu bytes, more than the %zu relctl reads", path, size, max);
	git_tree_entry_free(entry);
	return rc;
}

int store_read_blob_max(struct store *store, const char *id, size_t max, struct buf *out, struct error *err)
{
	git_oid oid;
	size_t size = 0;
	int rc;

	if (parse_oid(&oid, id, err) != 0)
		return -1;
	rc = read_blob_max(store, &oid, max, out, &size, err);
	if (rc == 1)
		rc = error_set(err, EXIT_DATAERR, "blob %s is %zu bytes, more than the %zu relctl reads", id, size, max);
	return rc;
}

int store_blob_id(struct store *store, const char *tip, const char *path, char out[OID_HEX], struct error *err)
{
	git_tree_entry *entry;
	int rc = blob_entry(store, tip, path, &entry, err);

	if (rc == 0)
		git_oid_tostr(out, OID_HEX, git_tree_entry_id(entry));
	git_tree_entry_free(entry);
	return rc;
}

int store_read(struct store *store, const char *tip, const char *path, struct buf *out, struct error *err)
{
	return store_read_max(store, tip, path, (size_t)-1, out, err);
}

int store_read_blob(struct store *store, const char *id, struct buf *out, struct error *err)
{
	git_oid oid;
	git_blob *blob = NULL;

	if (parse_oid(&oid, id, err) != 0)
		return -1;
	if (git_blob_lookup(&blob, store->repo, &oid) != 0)
		return git_fail(err, EXIT_DATAERR, "cannot read a pinned playbook");
	blob_append(blob, out);
	git_blob_free(blob);
	return 0;
}

int store_hash_blob(const char *data, size_t len, char out[OID_HEX], struct error *err)
{
	git_oid oid;

	if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) != 0)
		return git_fail(err, EXIT_SOFTWARE, "cannot hash");
	oid_hex(&oid, out);
	return 0;
}

int store_list(struct store *store, const char *tip, const char *dir, char ***names, size_t *count,
	       struct error *err)
{
	git_oid oid;
	git_commit *commit = NULL;
	git_tree *root = NULL, *sub = NULL;
	git_tree_entry *entry = NULL;
	size_t i, n;
	int rc = 0, e;

	*names = NULL;
	*count = 0;
	if (parse_oid(&oid, tip, err) != 0)
		return -1;
	if (git_commit_lookup(&commit, store->repo, &oid) != 0 || git_commit_tree(&root, commit) != 0) {
		rc = git_fail(err, EXIT_DATAERR, "cannot read the ledger commit");
		goto out;
	}
	e = git_tree_entry_bypath(&entry, root, dir);
	if (e == GIT_ENOTFOUND)
		goto out;
	if (e != 0 || git_tree_lookup(&sub, store->repo, git_tree_entry_id(entry)) != 0) {
		rc = git_fail(err, EXIT_DATAERR, dir);
		goto out;
	}
	n = git_tree_entrycount(sub);
	*names = xcalloc(n + 1, sizeof(**names));
	for (i = 0; i < n; i++)
		(*names)[i] = xstrdup(git_tree_entry_name(git_tree_entry_byindex(sub, i)));
	*count = n;
out:
	git_tree_free(sub);
	git_tree_entry_free(entry);
	git_tree_free(root);
	git_commit_free(commit);
	return rc;
}

/*
 * The commit object as git writes it: tree, parent, author, committer,
 * message.  libgit2 builds it without parents (it would parse the parent,
 * which may be a refused commit it cannot read) and the parent line goes
 * in after the tree's.
 */
static int commit_content(struct store *store, const git_signature *sig, const char *message, const git_tree *tree,
			  const char *parent, git_buf *out, struct error *err)
{
	git_buf bare = GIT_BUF_INIT;
	const char *eol;

	if (git_commit_create_buffer(&bare, store->repo, sig, sig, NULL, message, tree, 0, NULL) != 0)
		return git_fail(err, EXIT_IOERR, "cannot write the ledger commit");
	eol = strchr(bare.ptr, '\n');
	if (parent && eol) {
		char *with = xasprintf("%.*sparent %s\n%s", (int)(eol + 1 - bare.ptr), bare.ptr, parent, eol + 1);

		git_buf_dispose(&bare);
		git_buf_set(out, with, strlen(with));
		free(with);
	} else {
		*out = bare;
	}
	return 0;
}

/*
 * A commit signed the way `git commit -S` signs one: the signer signs the
 * whole commit object as it would be written unsigned, and the signature
 * goes in its "gpgsig" header.  The signature's last newline is dropped
 * because libgit2 ends the header line itself; keeping it would add a
 * continuation line holding one space, which git does not write (and the
 * object would differ from git's).
 */
static int commit_write(struct store *store, const git_buf *content, const struct store_author *author, git_oid *out,
			struct error *err)
{
	struct buf signature;
	git_odb *odb = NULL;
	int rc = 0;

	if (author->sign == NULL) {
		if (git_repository_odb(&odb, store->repo) != 0 ||
		    git_odb_write(out, odb, content->ptr, content->size, GIT_OBJECT_COMMIT) != 0)
			rc = git_fail(err, EXIT_IOERR, "cannot write the ledger commit");
		git_odb_free(odb);
		return rc;
	}
	buf_init(&signature);
	if (author->sign(author->sign_ctx, content->ptr, content->size, &signature, err) != 0) {
		rc = -1;
		goto out;
	}
	while (signature.len > 0 && (signature.data[signature.len - 1] == '\n' || signature.data[signature.len - 1] == '\r'))
		signature.data[--signature.len] = '\0';
	if (signature.len == 0 || memchr(signature.data, '\0', signature.len) != NULL) {
		rc = error_set(err, EXIT_SOFTWARE, "the signing program gave no signature");
		goto out;
	}
	if (git_commit_create_with_signature(out, store->repo, content->ptr, signature.data, "gpgsig") != 0)
		rc = git_fail(err, EXIT_IOERR, "cannot write the signed ledger commit");
out:
	buf_release(&signature);
	return rc;
}

static int tree_in_git_order(struct store *store, const git_tree *tree, int depth, struct error *err);

/*
 * A copy of tree as git writes trees, to depth levels: the first of two
 * entries of one name kept (the one git shows).  A commit is never written
 * on a tree that lists a name twice, which a refused commit may have left
 * on the remote's tip (libgit2's treebuilder would keep the other and lose
 * track of the first).
 */
static int tree_cleaned(struct store *store, const git_tree *tree, int depth, git_oid *out)
{
	git_treebuilder *bld = NULL;
	size_t n = git_tree_entrycount(tree), i;
	int e = git_treebuilder_new(&bld, store->repo, NULL);

	for (i = 0; e == 0 && i < n; i++) {
		const git_tree_entry *entry = git_tree_entry_byindex(tree, i);
		const git_oid *id = git_tree_entry_id(entry);
		git_tree *sub = NULL;
		git_oid cleaned;

		if (git_treebuilder_get(bld, git_tree_entry_name(entry)))
			continue;
		if (git_tree_entry_type(entry) == GIT_OBJECT_TREE && depth > 0) {
			e = git_tree_lookup(&sub, store->repo, id);
			if (e == 0)
				e = tree_cleaned(store, sub, depth - 1, &cleaned);
			git_tree_free(sub);
			id = &cleaned;
		}
		if (e == 0)
			e = git_treebuilder_insert(NULL, bld, git_tree_entry_name(entry), id, git_tree_entry_filemode(entry));
	}
	if (e == 0)
		e = git_treebuilder_write(out, bld);
	git_treebuilder_free(bld);
	return e;
}

/* Whether path names an entry of tree (removing an absent path is a no-op, not an error). */
static bool tree_has(const git_tree *tree, const char *path)
{
	git_tree_entry *entry = NULL;
	bool has = git_tree_entry_bypath(&entry, tree, path) == 0;

	git_tree_entry_free(entry);
	return has;
}

int store_commit(struct store *store, const char *parent, const struct store_change *changes, size_t count,
		 const char *message, const struct store_author *author, char new_tip[OID_HEX], struct error *err)
{
	return store_commit_on(store, parent, parent, changes, count, message, author, new_tip, err);
}

int store_commit_on(struct store *store, const char *parent, const char *base_commit, const struct store_change *changes,
		    size_t count, const char *message, const struct store_author *author, char new_tip[OID_HEX],
		    struct error *err)
{
	git_oid base_oid, tree_oid, commit_oid;
	git_commit *based_on = NULL;
	git_tree *base = NULL, *tree = NULL;
	git_treebuilder *empty = NULL;
	git_tree_update *updates = xcalloc(count + 1, sizeof(*updates));
	git_signature *sig = NULL;
	git_buf content = GIT_BUF_INIT;
	size_t i, n = 0;
	int rc = 0;

	if (parent) {
		git_oid parent_oid;
		git_odb *odb = NULL;
		git_object_t type;
		size_t len;
		int e;

		/* The parent is only named: a refused commit libgit2 cannot parse may be one. */
		if (parse_oid(&parent_oid, parent, err) != 0) {
			rc = -1;
			goto out;
		}
		e = git_repository_odb(&odb, store->repo);
		if (e == 0)
			e = git_odb_read_header(&len, &type, odb, &parent_oid);
		git_odb_free(odb);
		if (e != 0 || type != GIT_OBJECT_COMMIT) {
			rc = git_fail(err, EXIT_DATAERR, "cannot read the ledger commit");
			goto out;
		}
	}
	if (base_commit) {
		if (parse_oid(&base_oid, base_commit, err) != 0) {
			rc = -1;
			goto out;
		}
		if (git_commit_lookup(&based_on, store->repo, &base_oid) != 0 || git_commit_tree(&base, based_on) != 0) {
			rc = git_fail(err, EXIT_DATAERR, "cannot read the ledger commit");
			goto out;
		}
	} else {
		/* The first commit starts from the empty tree. */
		if (git_treebuilder_new(&empty, store->repo, NULL) != 0 || git_treebuilder_write(&tree_oid, empty) != 0 ||
		    git_tree_lookup(&base, store->repo, &tree_oid) != 0) {
			rc = git_fail(err, EXIT_IOERR, "cannot write the ledger");
			goto out;
		}
	}
	{
		struct error ignored;
		git_oid cleaned;

		if (tree_in_git_order(store, base, 1, &ignored) != 0) {
			git_tree *clean = NULL;

			if (tree_cleaned(store, base, 1, &cleaned) != 0 || git_tree_lookup(&clean, store->repo, &cleaned) != 0) {
				rc = git_fail(err, EXIT_IOERR, "cannot write the ledger tree");
				goto out;
			}
			git_tree_free(base);
			base = clean;
		}
	}
	for (i = 0; i < count; i++) {
		git_tree_update *u = &updates[n];

		u->path = changes[i].path;
		if (changes[i].data == NULL) {
			u->action = GIT_TREE_UPDATE_REMOVE;
			n += tree_has(base, u->path);
			continue;
		}
		u->action = GIT_TREE_UPDATE_UPSERT;
		u->filemode = GIT_FILEMODE_BLOB;
		n++;
		if (git_blob_create_from_buffer(&u->id, store->repo, changes[i].data, changes[i].len) != 0) {
			rc = git_fail(err, EXIT_IOERR, "cannot write the ledger");
			goto out;
		}
	}
	if (git_tree_create_updated(&tree_oid, store->repo, base, n, updates) != 0 ||
	    git_tree_lookup(&tree, store->repo, &tree_oid) != 0) {
		rc = git_fail(err, EXIT_IOERR, "cannot write the ledger tree");
		goto out;
	}
	if (git_signature_new(&sig, author->name, author->email, (git_time_t)author->when, 0) != 0) {
		rc = git_fail(err, EXIT_DATAERR, "bad author for the ledger commit");
		goto out;
	}
	/*
	 * No "encoding" header (NULL): messages are UTF-8, which git never
	 * names, so a commit is byte for byte the one git would write, and a
	 * signed one the one `git commit -S` would.
	 */
	rc = commit_content(store, sig, message, tree, parent, &content, err);
	if (rc == 0)
		rc = commit_write(store, &content, author, &commit_oid, err);
	if (rc == 0)
		oid_hex(&commit_oid, new_tip);
out:
	git_buf_dispose(&content);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_treebuilder_free(empty);
	git_commit_free(based_on);
	free(updates);
	return rc;
}

/*
 * A ref lock (REF.lock) left by a relctl killed while moving the branch
 * would block the ledger for good.  relctl processes move refs one at a
 * time under an flock on GITDIR/relctl.flock, which the kernel drops when
 * its holder dies, so a REF.lock seen while holding it was left by a dead
 * process -- or belongs to a git command, which holds ref locks for
 * milliseconds: only a lock older than a second is taken as stale.
 */
#define STALE_LOCK_MS 1000

static int ref_guard(struct store *store)
{
	char *path = xasprintf("%srelctl.flock", git_repository_commondir(store->repo));
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	free(path);
	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* GITDIR/REF.lock, which git and libgit2 create to update REF; the caller frees it. */
static char *ref_lock_path(struct store *store, const char *ref)
{
	return xasprintf("%s%s.lock", git_repository_commondir(store->repo), ref);
}

static bool remove_stale_lock(struct store *store, const char *ref)
{
	char *path = ref_lock_path(store, ref);
	struct stat st;
	struct timespec now;
	bool removed = false;

	if (stat(path, &st) == 0 && clock_gettime(CLOCK_REALTIME, &now) == 0 &&
	    (now.tv_sec - st.st_mtim.tv_sec) * 1000 + (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000 >= STALE_LOCK_MS)
		removed = unlink(path) == 0;
	free(path);
	return removed;
}

static int ref_create(struct store *store, const char *ref, const git_oid *new_oid, const char *old_tip,
		      const git_oid *old_oid, const char *log_message)
{
	git_reference *out = NULL;
	int e;

	if (old_tip)
		e = git_reference_create_matching(&out, store->repo, ref, new_oid, 1, old_oid, log_message);
	else
		e = git_reference_create(&out, store->repo, ref, new_oid, 0, log_message);
	git_reference_free(out);
	return e;
}

int store_ref_swap(struct store *store, const char *ref, const char *old_tip, const char *new_tip,
		   const char *log_message, struct error *err)
{
	git_oid old_oid, new_oid;
	int e, guard;

	if (parse_oid(&new_oid, new_tip, err) != 0 || (old_tip && parse_oid(&old_oid, old_tip, err) != 0))
		return -1;
	guard = ref_guard(store);
	e = ref_create(store, ref, &new_oid, old_tip, &old_oid, log_message);
	if (e == GIT_ELOCKED && guard >= 0 && remove_stale_lock(store, ref))
		e = ref_create(store, ref, &new_oid, old_tip, &old_oid, log_message);
	if (guard >= 0)
		close(guard);
	/* Moved under us, created meanwhile, or locked by another process: all lost races. */
	if (e == GIT_EMODIFIED || e == GIT_EEXISTS || e == GIT_ELOCKED)
		return 1;
	if (e != 0)
		return git_fail(err, EXIT_IOERR, "cannot update the ledger branch");
	return 0;
}

/* The gpgsig header of a commit and the text it signs; both stay NULL when it has none. */
static int commit_signature(struct store *store, git_oid *oid, struct store_commit_info *info, struct error *err)
{
	git_buf signature = GIT_BUF_INIT, signed_data = GIT_BUF_INIT;
	int e = git_commit_extract_signature(&signature, &signed_data, store->repo, oid, "gpgsig");

	if (e == 0) {
		info->signature = xstrndup(signature.ptr, signature.size);
		info->signature_len = signature.size;
		info->signed_data = xstrndup(signed_data.ptr, signed_data.size);
		info->signed_data_len = signed_data.size;
	}
	git_buf_dispose(&signature);
	git_buf_dispose(&signed_data);
	if (e != 0 && e != GIT_ENOTFOUND) {
		store_commit_info_release(info);
		return git_fail(err, EXIT_DATAERR, "cannot read the signature of a ledger commit");
	}
	return 0;
}

/* A signature line's value "Name <email> time zone", read as git log would. */
static void raw_person(const char *value, size_t len, struct store_commit_info *info)
{
	const char *lt = memchr(value, '<', len), *gt = lt ? memchr(lt, '>', len - (size_t)(lt - value)) : NULL;
	size_t name_len;

	if (lt == NULL || gt == NULL)
		return;
	name_len = (size_t)(lt - value);
	while (name_len > 0 && value[name_len - 1] == ' ')
		name_len--;
	info->author_name = xstrndup(value, name_len);
	info->author_email = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	info->time = (time_t)strtoll(gt + 1, NULL, 10);
}

/*
 * A commit object libgit2 will not parse (no committer line, say), read
 * header by header as git does: its tree, parents, author and message, so
 * that it can be judged -- and refused -- like any other commit, and
 * written on.  Its first line of refusal goes to info->unreadable.
 */
static int raw_commit(struct store *store, const git_oid *oid, const char *why, struct store_commit_info *info,
		      struct error *err)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	const char *p, *end, *missing;
	bool tree = false, author = false, committer = false;
	size_t len = 0;
	git_object_t type;
	int rc = 0;

	if (git_repository_odb(&odb, store->repo) != 0 || git_odb_read_header(&len, &type, odb, oid) != 0 ||
	    type != GIT_OBJECT_COMMIT || len > STORE_COMMIT_MAX || git_odb_read(&obj, odb, oid) != 0) {
		rc = error_set(err, EXIT_DATAERR, "cannot read a ledger commit: %s", why);
		goto out;
	}
	oid_hex(oid, info->id);
	p = git_odb_object_data(obj);
	end = p + git_odb_object_size(obj);
	while (p < end && *p != '\n') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t line = eol ? (size_t)(eol - p) : (size_t)(end - p);

		tree |= line > 5 && strncmp(p, "tree ", 5) == 0;
		author |= line > 7 && strncmp(p, "author ", 7) == 0;
		committer |= line > 10 && strncmp(p, "committer ", 10) == 0;
		if (line >= 7 + 40 && strncmp(p, "parent ", 7) == 0) {
			if (info->parent_count++ == 0)
				snprintf(info->parent, sizeof(info->parent), "%.40s", p + 7);
		} else if (line > 7 && strncmp(p, "author ", 7) == 0 && info->author_name == NULL) {
			raw_person(p + 7, line - 7, info);
		}
		p = eol ? eol + 1 : end;
	}
	info->message = p < end ? xstrndup(p + 1, (size_t)(end - p - 1)) : xstrdup("");
	if (info->author_name == NULL) {
		info->author_name = xstrdup("");
		info->author_email = xstrdup("");
	}
	missing = !tree ? "tree" : !author ? "author" : !committer ? "committer" : NULL;
	if (missing)
		info->unreadable = xasprintf("the commit object has no %s line, which git never writes (git fsck: missing%c%s)",
					     missing, missing[0] - 'a' + 'A', missing + 1);
	else
		info->unreadable = xasprintf("git cannot read the commit object (%s)", why);
out:
	git_odb_object_free(obj);
	git_odb_free(odb);
	return rc;
}

/*
 * Whether a commit object has the header lines libgit2 needs to parse it
 * (tree, author, committer).  libgit2 1.5 leaks what it parsed of one that
 * lacks them, so such a commit goes to raw_commit() without being looked up.
 */
static bool headers_complete(struct store *store, const git_oid *oid)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	bool tree = false, author = false, committer = false;

	if (git_repository_odb(&odb, store->repo) == 0 && git_odb_read(&obj, odb, oid) == 0 &&
	    git_odb_object_type(obj) == GIT_OBJECT_COMMIT) {
		const char *p = git_odb_object_data(obj), *end = p + git_odb_object_size(obj);

		while (p < end && *p != '\n') {
			const char *eol = memchr(p, '\n', (size_t)(end - p));
			size_t line = eol ? (size_t)(eol - p) : (size_t)(end - p);

			tree |= line > 5 && strncmp(p, "tree ", 5) == 0;
			author |= line > 7 && strncmp(p, "author ", 7) == 0;
			committer |= line > 10 && strncmp(p, "committer ", 10) == 0;
			p = eol ? eol + 1 : end;
		}
	}
	git_odb_object_free(obj);
	git_odb_free(odb);
	return tree && author && committer;
}

/* libgit2's last error as one line (its own words, which name no ledger text). */
static char *last_git_error(void)
{
	const git_error *e = git_error_last();
	char *text = xstrdup(e && e->message ? e->message : "unknown git error"), *c;

	for (c = text; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	return text;
}

int store_commit_parent(struct store *store, const char *id, char parent[OID_HEX], char **message, struct error *err)
{
	git_oid oid;
	git_commit *commit = NULL;

	parent[0] = '\0';
	if (parse_oid(&oid, id, err) != 0)
		return -1;
	if (!headers_complete(store, &oid) || git_commit_lookup(&commit, store->repo, &oid) != 0) {
		struct store_commit_info info;
		char *why = last_git_error();
		int rc;

		memset(&info, 0, sizeof(info));
		rc = raw_commit(store, &oid, why, &info, err);
		free(why);
		if (rc == 0) {
			memcpy(parent, info.parent, OID_HEX);
			if (message) {
				*message = info.message;
				info.message = NULL;
			}
		}
		store_commit_info_release(&info);
		return rc;
	}
	if (git_commit_parentcount(commit) > 0)
		oid_hex(git_commit_parent_id(commit, 0), parent);
	if (message)
		*message = xstrdup(git_commit_message(commit) ? git_commit_message(commit) : "");
	git_commit_free(commit);
	return 0;
}

int store_commit_info(struct store *store, const char *id, struct store_commit_info *info, struct error *err)
{
	git_oid oid;
	git_commit *commit = NULL;
	const git_signature *author;

	memset(info, 0, sizeof(*info));
	if (parse_oid(&oid, id, err) != 0)
		return -1;
	if (!headers_complete(store, &oid) || git_commit_lookup(&commit, store->repo, &oid) != 0) {
		char *why = last_git_error();
		int rc = raw_commit(store, &oid, why, info, err);

		free(why);
		if (rc != 0)
			store_commit_info_release(info);
		return rc;
	}
	oid_hex(&oid, info->id);
	info->parent_count = git_commit_parentcount(commit);
	if (info->parent_count > 0)
		oid_hex(git_commit_parent_id(commit, 0), info->parent);
	info->message = xstrdup(git_commit_message(commit) ? git_commit_message(commit) : "");
	author = git_commit_author(commit);
	info->author_name = xstrdup(author->name ? author->name : "");
	info->author_email = xstrdup(author->email ? author->email : "");
	info->time = (time_t)author->when.time;
	git_commit_free(commit);
	return commit_signature(store, &oid, info, err);
}

void store_commit_info_release(struct store_commit_info *info)
{
	free(info->message);
	free(info->author_name);
	free(info->author_email);
	free(info->signature);
	free(info->signed_data);
	free(info->unreadable);
	memset(info, 0, sizeof(*info));
}

/*
 * A commit libgit2 cannot parse stops its history walks; the ledger's
 * history is linear, so its first parents (read as git reads them) say
 * as much.  Whether want is on tip's first-parent line.
 */
static int first_parent_has(struct store *store, const char *tip, const char *want, bool *out, struct error *err)
{
	char cur[OID_HEX], parent[OID_HEX];

	*out = false;
	snprintf(cur, sizeof(cur), "%s", tip);
	while (cur[0] && !*out) {
		*out = strcmp(cur, want) == 0;
		if (store_commit_parent(store, cur, parent, NULL, err) != 0)
			return -1;
		memcpy(cur, parent, OID_HEX);
	}
	return 0;
}

int store_is_ancestor(struct store *store, const char *ancestor, const char *tip, bool *out, struct error *err)
{
	git_oid a, t;
	int e;

	if (parse_oid(&a, ancestor, err) != 0 || parse_oid(&t, tip, err) != 0)
		return -1;
	if (git_oid_equal(&a, &t)) {
		*out = true;
		return 0;
	}
	e = git_graph_descendant_of(store->repo, &t, &a);
	if (e < 0)
		return first_parent_has(store, tip, ancestor, out, err);
	*out = e == 1;
	return 0;
}

int store_ref_set(struct store *store, const char *ref, const char *tip, struct error *err)
{
	git_reference *out = NULL;
	git_oid oid;
	int e, guard;

	if (parse_oid(&oid, tip, err) != 0)
		return -1;
	/* Under the ref guard, as store_ref_swap: two relctl processes of one clone move it in turn. */
	guard = ref_guard(store);
	e = git_reference_create(&out, store->repo, ref, &oid, 1, "relctl");
	if (e == GIT_ELOCKED && guard >= 0 && remove_stale_lock(store, ref))
		e = git_reference_create(&out, store->repo, ref, &oid, 1, "relctl");
	if (guard >= 0)
		close(guard);
	git_reference_free(out);
	if (e == GIT_ELOCKED) {
		char *lock = ref_lock_path(store, ref);

		error_set(err, EXIT_TEMPFAIL,
			  "cannot update %s: another git or relctl process holds %s; run the command again (if none is running, remove that stale lock file)",
			  ref, lock);
		free(lock);
		return -1;
	}
	if (e != 0) {
		char *what = xasprintf("cannot update %s", ref);

		git_fail(err, EXIT_IOERR, what);
		free(what);
		return -1;
	}
	return 0;
}

int store_merge_base(struct store *store, const char *a, const char *b, char out[OID_HEX], struct error *err)
{
	git_oid oa, ob, base;
	int e;

	if (parse_oid(&oa, a, err) != 0 || parse_oid(&ob, b, err) != 0)
		return -1;
	e = git_merge_base(&base, store->repo, &oa, &ob);
	if (e == GIT_ENOTFOUND)
		return 1;
	if (e != 0) {
		/* The newest commit of b's first-parent line that is on a's. */
		char cur[OID_HEX], parent[OID_HEX];
		bool on;

		snprintf(cur, sizeof(cur), "%s", b);
		while (cur[0]) {
			if (first_parent_has(store, a, cur, &on, err) != 0)
				return -1;
			if (on) {
				memcpy(out, cur, OID_HEX);
				return 0;
			}
			if (store_commit_parent(store, cur, parent, NULL, err) != 0)
				return -1;
			memcpy(cur, parent, OID_HEX);
		}
		return 1;
	}
	oid_hex(&base, out);
	return 0;
}

static int subtree(struct store *store, const char *tip, const char *dir, git_tree **out, struct error *err)
{
	git_oid oid;
	git_commit *commit = NULL;
	git_tree *root = NULL;
	git_tree_entry *entry = NULL;
	int rc = 0, e;

	*out = NULL;
	if (tip == NULL)
		return 0;
	if (parse_oid(&oid, tip, err) != 0)
		return -1;
	if (git_commit_lookup(&commit, store->repo, &oid) != 0 || git_commit_tree(&root, commit) != 0) {
		rc = git_fail(err, EXIT_DATAERR, "cannot read a ledger commit");
		goto out;
	}
	if (dir == NULL) {
		*out = root; /* the whole tree */
		root = NULL;
		goto out;
	}
	e = git_tree_entry_bypath(&entry, root, dir);
	if (e == 0 && git_tree_entry_type(entry) == GIT_OBJECT_TREE)
		git_tree_lookup(out, store->repo, git_tree_entry_id(entry));
out:
	git_tree_entry_free(entry);
	git_tree_free(root);
	git_commit_free(commit);
	return rc;
}

int store_changed(struct store *store, const char *old_tip, const char *new_tip, const char *dir, char ***paths,
		  size_t *count, struct error *err)
{
	git_tree *old_tree = NULL, *new_tree = NULL;
	size_t i, n;

	*paths = NULL;
	*count = 0;
	if (subtree(store, old_tip, dir, &old_tree, err) != 0 || subtree(store, new_tip, dir, &new_tree, err) != 0) {
		git_tree_free(old_tree);
		return -1;
	}
	n = new_tree ? git_tree_entrycount(new_tree) : 0;
	*paths = xcalloc(n + 1, sizeof(**paths));
	for (i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(new_tree, i);
		const git_tree_entry *before = old_tree ? git_tree_entry_byname(old_tree, git_tree_entry_name(e)) : NULL;

		if (before && git_oid_equal(git_tree_entry_id(before), git_tree_entry_id(e)))
			continue;
		(*paths)[(*count)++] = xasprintf("%s/%s", dir, git_tree_entry_name(e));
	}
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return 0;
}

/* Two entries of a tree in git's order: a tree's name compares as if it ended in '/'. */
static int entry_order(const git_tree_entry *a, const git_tree_entry *b)
{
	const char *x = git_tree_entry_name(a), *y = git_tree_entry_name(b);
	size_t lx = strlen(x), ly = strlen(y), n = lx < ly ? lx : ly;
	int c = memcmp(x, y, n);
	unsigned char cx, cy;

	if (c != 0)
		return c;
	cx = lx > n ? (unsigned char)x[n] : git_tree_entry_type(a) == GIT_OBJECT_TREE ? '/' : 0;
	cy = ly > n ? (unsigned char)y[n] : git_tree_entry_type(b) == GIT_OBJECT_TREE ? '/' : 0;
	return (int)cx - (int)cy;
}

/*
 * A tree as git writes one (git fsck's duplicateEntries, treeNotSorted):
 * every name once, in git's order, and so its subtrees to depth levels.
 * A tree naming a release file twice would show git one file and relctl
 * the other.
 */
static int tree_in_git_order(struct store *store, const git_tree *tree, int depth, struct error *err)
{
	size_t n = git_tree_entrycount(tree), i;
	int rc = 0;

	for (i = 1; i < n && rc == 0; i++) {
		const git_tree_entry *a = git_tree_entry_byindex(tree, i - 1), *b = git_tree_entry_byindex(tree, i);
		int c = entry_order(a, b);

		if (c == 0 || strcmp(git_tree_entry_name(a), git_tree_entry_name(b)) == 0)
			rc = error_set(err, EXIT_DATAERR, "the commit's tree lists %s twice, which git never writes (git fsck: duplicateEntries)",
				       git_tree_entry_name(b));
		else if (c > 0)
			rc = error_set(err, EXIT_DATAERR, "the commit's tree is not in git's order at %s (git fsck: treeNotSorted)",
				       git_tree_entry_name(b));
	}
	for (i = 0; i < n && rc == 0 && depth > 0; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		git_tree *sub = NULL;

		if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
			continue;
		if (git_tree_lookup(&sub, store->repo, git_tree_entry_id(e)) != 0)
			rc = git_fail(err, EXIT_DATAERR, "cannot read a ledger tree");
		else
			rc = tree_in_git_order(store, sub, depth - 1, err);
		git_tree_free(sub);
	}
	return rc;
}

/* The type git writes under a tree entry's mode. */
static git_object_t type_of_mode(unsigned mode)
{
	return mode == GIT_FILEMODE_TREE ? GIT_OBJECT_TREE : mode == GIT_FILEMODE_COMMIT ? GIT_OBJECT_COMMIT : GIT_OBJECT_BLOB;
}

int store_diff(struct store *store, const char *parent, const char *commit, struct store_delta **out, size_t *count,
	       struct error *tree_problem, struct error *err)
{
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_diff *diff = NULL;
	git_diff_options opts;
	git_odb *odb = NULL;
	size_t i, n;
	int rc = -1;

	git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
	*out = NULL;
	*count = 0;
	error_clear(tree_problem);
	/* A tree that cannot be read is the commit's fault (or its refused parent's): judged, not fatal. */
	if (subtree(store, parent, NULL, &old_tree, tree_problem) != 0 ||
	    subtree(store, commit, NULL, &new_tree, tree_problem) != 0) {
		rc = 0;
		goto done;
	}
	/* The ledger is two levels deep (releases/V.json); a deeper path is refused by the judge. */
	if (new_tree && tree_in_git_order(store, new_tree, 1, tree_problem) != 0 && tree_problem->code != EXIT_DATAERR) {
		*err = *tree_problem;
		goto done;
	}
	opts.flags = GIT_DIFF_SKIP_BINARY_CHECK;
	if (git_diff_tree_to_tree(&diff, store->repo, old_tree, new_tree, &opts) != 0) {
		rc = 0;
		git_fail(tree_problem, EXIT_DATAERR, "git cannot compare the commit's tree with its parent's");
		goto done;
	}
	if (git_repository_odb(&odb, store->repo) != 0) {
		git_fail(err, EXIT_IOERR, "cannot read the ledger");
		goto done;
	}
	n = git_diff_num_deltas(diff);
	*out = xcalloc(n + 1, sizeof(**out));
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		struct store_delta *sd = &(*out)[(*count)++];
		git_object_t type;

		buf_init(&sd->data);
		sd->path = xstrdup(d->new_file.path ? d->new_file.path : d->old_file.path);
		sd->deleted = d->status == GIT_DELTA_DELETED;
		sd->regular = d->new_file.mode == GIT_FILEMODE_BLOB;
		sd->mode = sd->deleted ? 0 : d->new_file.mode;
		oid_hex(&d->new_file.id, sd->blob);
		if (sd->deleted || d->new_file.mode == GIT_FILEMODE_COMMIT)
			continue;
		/* Only the header: its size and type, before anything is read. */
		if (git_odb_read_header(&sd->size, &type, odb, &d->new_file.id) != 0) {
			if (tree_problem->code == 0)
				error_set(tree_problem, EXIT_DATAERR, "%s is missing from what was pushed (object %.12s cannot be read)",
					  sd->path, git_oid_tostr_s(&d->new_file.id));
		} else if (type != type_of_mode(sd->mode) && tree_problem->code == 0) {
			error_set(tree_problem, EXIT_DATAERR, "%s is a %s under file mode %o, which git never writes (git fsck: badType)",
				  sd->path, git_object_type2string(type), sd->mode);
		}
	}
	rc = 0;
done:
	if (rc != 0) {
		store_deltas_free(*out, *count);
		*out = NULL;
		*count = 0;
	}
	git_odb_free(odb);
	git_diff_free(diff);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	return rc;
}

int store_delta_read(struct store *store, struct store_delta *delta, size_t max, struct error *err)
{
	git_oid id;
	int r;

	if (delta->deleted || !delta->regular || delta->data.len)
		return 0;
	if (parse_oid(&id, delta->blob, err) != 0)
		return -1;
	r = read_blob_max(store, &id, max, &delta->data, &delta->size, err);
	delta->too_large = r == 1;
	return r < 0 ? -1 : 0;
}

void store_deltas_free(struct store_delta *deltas, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		free(deltas[i].path);
		buf_release(&deltas[i].data);
	}
	free(deltas);
}

/*
 * A command's view of the ledger: the repository and its settings, who is
 * acting, and the releases on the ledger branch (session.c).  Changing
 * them is mutate.h's, exchanging them with the remote sync.h's, checking
 * them verify.h's.  Commands never touch git or files themselves.
 */
#ifndef RELCTL_SESSION_H
#define RELCTL_SESSION_H

#include <stdbool.h>
#include <time.h>

#include "cJSON.h"
#include "err.h"
#include "ledger.h"
#include "playbook.h"
#include "store.h"
#include "summary.h"

#define DEFAULT_BRANCH "relctl-ledger"
#define INDEX_PATH "index.json"
#define PLAYBOOK_PATH "playbook.yaml"

/* A pinned playbook's model, shared by the releases that pin its blob (session_release_at). */
struct pinned_playbook {
	char blob[OID_HEX];
	struct playbook *pb;
};

struct session {
	struct store *store;
	char *branch; /* "relctl-ledger" */
	char *ref;    /* "refs/heads/relctl-ledger" */
	char *remote; /* NULL when none is configured */
	bool offline; /* --offline: commit locally, 'relctl sync' later */
	time_t now;
	/* Offline events sync could not replay on the remote tip, with why. */
	cJSON *rejected;
	/*
	 * Who must hear of what this command recorded (ledger_apply_notify's
	 * notices): a change, a start, or sync's replay of offline events.
	 */
	cJSON *notices;
	/*
	 * What provenance.c read of its signature cache, and how it is freed
	 * (provenance.c sits above the session); may be NULL.
	 */
	struct provenance_cache *provenance;
	void (*provenance_release)(struct provenance_cache *cache);
	/* A note for the person, once, after the command (an unsigned commit, say); may be NULL. */
	char *note;
	/* Told how far long work (sync's and verify's checks) has come; may be NULL. */
	void (*progress)(const char *what, size_t done, size_t total, void *data);
	void *progress_data;
	/* Pinned playbooks parsed so far, by the git blob id of their text (session_release_at). */
	struct pinned_playbook *pinned;
	size_t pinned_count;
};

/* One release as read from a ledger tip. */
struct release {
	char *version;
	char *path; /* releases/VERSION.json */
	cJSON *doc;
	struct playbook *pb;
	struct release_state *st;
	char tip[OID_HEX];
};

/* Opens the repository of the current directory and reads relctl's settings. */
int session_open(struct session *s, struct error *err);
void session_close(struct session *s);

/*
 * The ledger tip; 1 (with a message in err, EXIT_CONFIG) when the ledger
 * branch does not exist yet.
 */
int session_tip(struct session *s, char tip[OID_HEX], struct error *err);

/* The playbook that new releases use. */
struct playbook *session_current_playbook(struct session *s, struct error *err);

/*
 * Loads a release at the ledger tip; version NULL means the one open
 * release (an error listing them when there are none or several).
 */
int session_load_release(struct session *s, const char *version, struct release *out, struct error *err);
void release_close(struct release *rel);

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

/*
 * What the newest `last` releases (0: all) tell later ones, newest first
 * (summary.h): an array of count summaries; free each with summary_free,
 * then the array.  With figures, each has the figures stats reads too.  A
 * finished release's summary comes from the cache in the git directory
 * (relctl/summaries/BLOB.json and BLOB.figures.json, by the id of its
 * file's blob) when there, else from its replay, and is then written
 * there, figures and all; an open release is always replayed.
 */
int session_summaries(struct session *s, size_t last, bool figures, struct release_summary ***out, size_t *count,
		      struct error *err);

/* The releases in the index, newest start first: an array of objects. */
cJSON *session_releases(struct session *s, struct error *err);

/*
 * Who is acting: RELCTL_USER (an id or an email), else git's user.email,
 * mapped to a person of pb.  Unknown is EXIT_NOPERM with a hint.
 */
const struct pb_person *session_identity(struct session *s, const struct playbook *pb, struct error *err);

/*
 * The brief each person last read in this clone ('relctl brief'): a
 * decision records that hash, so a brief the owner has not read since the
 * team changed it is refused (75) until 'relctl brief' shows it, however
 * often the decision is retried.  session_brief_read gives 1 and the hash
 * when person read one of version, else 0.  Noting NULL forgets it (a
 * decision was taken on it).
 */
int session_brief_read(struct session *s, const char *person, const char *version, char hash[65]);
void session_note_brief_read(struct session *s, const char *person, const char *version, const char *hash);





#endif

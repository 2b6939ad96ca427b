/*
 * The playbook: a YAML file (parsed with libyaml, in playbook.c only) turned
 * into a typed model and validated.  Every problem becomes a diagnostic with
 * the FILE:LINE:COL it was found at; a playbook with any error is refused.
 *
 * The schema is documented in docs/playbook.md.
 */
#ifndef RELCTL_PLAYBOOK_H
#define RELCTL_PLAYBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"
#include "err.h"

#define PLAYBOOK_SCHEMA_VERSION 1

struct mark {
	int line;   /* 1-based; 0 when unknown */
	int column; /* 1-based */
};

struct strlist {
	char **items;
	struct mark *marks; /* where each item was written; NULL when built in code */
	size_t count;
};

enum step_kind { STEP_MANUAL, STEP_HOOK, STEP_WAIT, STEP_DECISION, STEP_COMMAND, STEP_CHECK };
enum var_type { VAR_BOOL, VAR_STRING, VAR_NUMBER, VAR_ENUM };

struct expr;

/*
 * An OpenSSH public key a person signs ledger commits with: one line of
 * `keys:`, "[cert-authority] TYPE BASE64 [COMMENT]" (docs/playbook.md).
 */
struct pb_key {
	char *type;          /* "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa", "sk-ssh-ed25519@openssh.com", ... */
	char *base64;        /* the key itself, checked to decode to a key of type */
	char *comment;       /* may be NULL */
	bool cert_authority; /* a certificate authority: keys it certified for the person's email are theirs */
	struct mark mark;
};

struct pb_person {
	char *id;
	char *name;
	char *email;
	struct strlist roles;
	struct pb_key *keys; /* may be empty; no key belongs to two people */
	size_t key_count;
	bool manager; /* holds one of the playbook's "managers" roles */
};

struct pb_var {
	char *name;
	enum var_type type;
	char *default_value; /* text form ("false", "", "3", an enum's value); never NULL */
	char *description;   /* may be NULL */
	struct strlist values; /* an enum's values (ids), at least one */
};

struct pb_header {
	char *name;
	char *value; /* may hold ${ENV} references, expanded at send time */
};

/* A mail hook's headers (the hook's "mail:"); the body is the hook's string body. */
struct pb_mail {
	char *from;          /* "Name <addr>" or "addr", checked by mail_address_split */
	struct strlist to;   /* at least one address */
	struct strlist cc;
	char *reply_to;      /* may be NULL */
	char *subject;       /* a template */
};

struct pb_hook {
	char *id;
	char *url;
	char *method;       /* "SMTP" for a mail hook */
	struct pb_header *headers;
	size_t header_count;
	cJSON *body_json;   /* a mapping body: a template tree of strings; or NULL */
	char *body_text;    /* a string body; or NULL */
	char *content_type; /* NULL: application/json for a mapping, text/plain for a string */
	char *secret_env;   /* env var holding whsec_... ; may be NULL */
	char *signing;      /* "standard-webhooks" (default) or "github" */
	char *ca_file;      /* may be NULL */
	long timeout;       /* seconds */
	long connect_timeout;
	long retries;
	struct pb_mail *mail; /* a mail hook (smtp:// or smtps://); NULL for an HTTP one */
	bool tls_none;        /* tls: none, plain smtp:// to a local relay (default: STARTTLS required) */
	bool check;           /* the request of a check step (its id is the step's), not a hook */
};

/*
 * One item of a step's checklist: a check the step's holder records a
 * result for (docs/playbook.md, "Checklists").
 */
struct pb_item {
	char *id;     /* unique within its step */
	char *text;
	bool evidence_required;
	char *when;   /* a condition as written (include/expr.h); may be NULL */
	struct expr *when_expr; /* when, parsed and checked; NULL without one */
	char *review; /* a role that reviews its result; may be NULL */
	char *owner;  /* the only role that checks it (not the step's holder); may be NULL */
	struct mark mark;
};

struct pb_step {
	char *id;
	char *title;
	char *owner; /* a role */
	char *doc;   /* a path in the repository; may be NULL */
	char *instructions; /* inline text; may be NULL */
	struct strlist needs;
	char *when;  /* a condition as written (include/expr.h); may be NULL */
	struct expr *when_expr; /* when, parsed and checked; NULL without one */
	enum step_kind kind;
	char *hook;  /* kind hook */
	bool evidence_required;
	char *review; /* a role; may be NULL */
	long review_count; /* distinct approvals of that role it needs: 1 unless review: {role, count} */
	long estimate;     /* seconds, 0 when not given */
	long min_duration; /* kind wait */
	long due;            /* seconds after it became ready; 0 when not given */
	long idle_after;     /* claimed this long without progress is idle; 0: the playbook's */
	long escalate_after; /* overdue this long goes to the release managers; 0: the playbook's, else due */
	bool shadow_grants;  /* a person who shadowed it may later claim it outside its role */
	struct strlist inputs;   /* kind decision */
	struct strlist on_delay; /* kind decision */
	struct strlist run;        /* kind command: PROGRAM and ARGs, each a template (release.*, vars.NAME) */
	char *cwd;                 /* kind command: a directory of the work tree to run in; NULL: its top */
	long command_timeout;      /* kind command: seconds it may run before its process group is killed */
	struct pb_hook *check;     /* kind check: the request polled (url, method, headers, ca_file, timeout) */
	long expect_status;        /* kind check: the status a pass needs; 0: any 2xx */
	char *expect_body;         /* kind check: text the answer must contain; may be NULL */
	long every;                /* kind check: how often it is polled */
	long max_wait;             /* kind check: after this long polling, the holder may finish it without; 0: never */
	struct pb_item *checklist; /* manual and wait steps; may be empty */
	size_t checklist_count;
	struct strlist updates;    /* steps whose checklists this step's holder may change */
	size_t phase;  /* index into playbook.phases */
	size_t index;  /* index into playbook.steps */
	struct mark mark;
};

struct pb_phase {
	char *id;
	char *title;
	size_t first_step; /* index into playbook.steps */
	size_t step_count;
};

/*
 * How the playbook's findings work (docs/playbook.md, "Findings"): the
 * severities, most severe first, and the roles that give a finding's fix
 * estimate and risk, and its impact.  The defaults are set in one place,
 * where the playbook is read.
 */
struct pb_findings {
	struct strlist severities;
	struct strlist estimate_by;
	struct strlist impact_by;
};

/* The word for a release's successive candidates: "rc" makes rc1, rc2 (the default). */
struct pb_candidate {
	char *label; /* "rc", "build" */
	char *name;  /* in titles: "release candidate", "build" */
};

struct playbook {
	int schema;
	char *name;
	char *description;
	struct strlist roles;
	struct strlist managers; /* the roles that run releases (default [release-manager]) */
	struct pb_person *people;
	size_t person_count;
	struct pb_var *vars;
	size_t var_count;
	struct pb_hook *hooks;
	size_t hook_count;
	char *notify; /* hook that announces ready steps; may be NULL */
	long idle_after;     /* the steps' default (1d) */
	long escalate_after; /* the steps' default; 0: each step's due again */
	struct pb_phase *phases;
	size_t phase_count;
	struct pb_step *steps; /* all steps, in playbook order */
	size_t *step_slots;    /* a hash index of steps by id (index + 1; 0 is empty), for playbook_step */
	size_t step_slot_count;
	size_t step_count;
	bool signing_required; /* signing: required (default optional) */
	struct pb_findings findings;
	struct pb_candidate candidate;
	unsigned shared;       /* holders besides the first (playbook_ref); playbook_free drops one */
};

struct diagnostic {
	bool warning;
	struct mark mark;
	char *message;
};

/* What loading found: errors and warnings, in file order. */
struct diagnostics {
	char *file;
	struct diagnostic *items;
	size_t count;
	size_t errors;
	size_t warnings;
};

void diagnostics_init(struct diagnostics *d, const char *file);
void diagnostics_release(struct diagnostics *d);
/* "FILE:LINE:COL: message" (or "FILE: message" without a mark); caller frees. */
char *diagnostic_format(const struct diagnostics *d, const struct diagnostic *item);

/*
 * Parses and validates a playbook.  Returns the model, or NULL when there is
 * any error; either way every problem is in diags (whose file names the
 * source: a path, or "playbook@BLOB" for a pinned copy).
 */
struct playbook *playbook_parse(const char *text, size_t len, struct diagnostics *diags);
/*
 * A parsed playbook is never changed, so one copy can serve several holders
 * (the releases pinned to the same blob): playbook_ref() adds a holder and
 * returns pb; playbook_free() drops one and frees the model with the last.
 */
struct playbook *playbook_ref(struct playbook *pb);
void playbook_free(struct playbook *pb);

#define PLAYBOOK_MAX_BYTES (4 * 1024 * 1024)
/* Items of one step's checklist, in the playbook or in a release. */
#define CHECKLIST_ITEMS_MAX 1000
#define REVIEW_COUNT_MAX 100
#define COMMAND_TIMEOUT_DEFAULT 3600 /* seconds a command step may run without a timeout: of its own */ /* approvals a step's review may ask for */

/*
 * Reads and parses a playbook file.  On any error err holds the first one as
 * "FILE:LINE:COL: message" (65; 66 when the file cannot be read), with a
 * pointer to `relctl lint` when there are more.
 */
struct playbook *playbook_load(const char *path, struct error *err);

/* The same for text already in memory; label names it in messages. */
struct playbook *playbook_load_text(const char *label, const char *text, size_t len, struct error *err);

/* Look-ups; NULL when absent. */
const struct pb_step *playbook_step(const struct playbook *pb, const char *id);
const struct pb_person *playbook_person(const struct playbook *pb, const char *id);
const struct pb_person *playbook_person_by_email(const struct playbook *pb, const char *email);
const struct pb_var *playbook_var(const struct playbook *pb, const char *name);
const struct pb_hook *playbook_hook(const struct playbook *pb, const char *id);
bool playbook_has_role(const struct playbook *pb, const char *role);
bool person_has_role(const struct pb_person *person, const char *role);

/*
 * Appends the ids of pb's people who have role, but for except (NULL: no
 * one), to out, joined by ", "; returns how many.
 */
struct buf;
/* A role's id as prose says it: "product-owner" is "product owner" (free it). */
char *role_in_words(const char *role);
/* Whether role is one of the playbook's "managers" roles. */
bool playbook_is_manager_role(const struct playbook *pb, const char *role);
/* "ana, jan": the people holding a managers role, but for except; returns how many. */
size_t playbook_manager_people(const struct playbook *pb, const char *except, struct buf *out);
size_t playbook_role_people(const struct playbook *pb, const char *role, const char *except, struct buf *out);
bool strlist_contains(const struct strlist *list, const char *s);

/* The person one of whose keys is base64; NULL when none. */
const struct pb_person *playbook_key_owner(const struct playbook *pb, const char *base64);

/*
 * Parses one OpenSSH public key line, "[cert-authority] TYPE BASE64
 * [COMMENT]", into key (released with pb_key_release): the type must be
 * one ssh-keygen signs with and the base64 must decode to a whole key of
 * that type.  Returns NULL, or what is wrong with it (a sentence the
 * caller frees; key is then empty).
 */
char *pb_key_parse(const char *line, struct pb_key *key);
void pb_key_release(struct pb_key *key);

/*
 * Whether an email can stand as a principal in git's allowed-signers file:
 * no whitespace, quotes, commas or the pattern characters * ? ! (which
 * would make it match other principals).
 */
bool email_is_principal(const char *email);

/* How long a claim may sit before it is idle: the step's idle_after, else the playbook's (1d). */
long step_idle_after(const struct playbook *pb, const struct pb_step *s);
/* How far past its due a step goes to the release managers: its escalate_after, the playbook's, else due again; 0 without due. */
long step_escalate_after(const struct playbook *pb, const struct pb_step *s);

/*
 * A release's candidate n named the playbook's way, into out: "rc2" or
 * "build 2" (short, for messages; the number follows a label of one or two
 * characters directly), "release candidate 2" (long, for titles).
 */
const char *candidate_short(const struct playbook *pb, int n, char *out, size_t size);
const char *candidate_long(const struct playbook *pb, int n, char *out, size_t size);

/* Whether a severity is one of the playbook's; its rank (0 the most severe), or the count when it is not. */
size_t finding_severity_rank(const struct playbook *pb, const char *severity);
/* 0, or -1 and a usage error naming the playbook's severities ("a finding's --severity is blocker, major or minor"). */
int finding_severity_check(const struct playbook *pb, const char *severity, struct error *err);
/* Whether the person has the owner role of one of pb's decision steps. */
bool person_decides(const struct playbook *pb, const struct pb_person *person);
/* Whether the person has one of the roles. */
bool person_has_any_role(const struct pb_person *person, const struct strlist *roles);
/* The severity a failed checklist item's finding gets without --severity: the middle of the list. */
const char *finding_default_severity(const struct playbook *pb);
/* The items joined: ", " and " or " give "blocker, major or minor"; caller frees. */
char *strlist_join(const struct strlist *list, const char *separator, const char *last_separator);

/* The JSON value a var has when the release does not set it: bool, number or string; caller deletes. */
cJSON *var_default_json(const struct pb_var *var);
/* Whether a value set for a var has its type (an enum's: a string it lists). */
bool var_accepts(const struct pb_var *var, const cJSON *value);

const char *step_kind_name(enum step_kind kind);
/* Whether relctl itself does the step's work on 'relctl run': a hook, command or check step. */
bool step_is_run(const struct pb_step *s);
const char *var_type_name(enum var_type type);

/* The model as JSON (docs/playbook.md, "JSON form"); caller deletes. */
cJSON *playbook_to_json(const struct playbook *pb);

#endif

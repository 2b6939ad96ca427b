/*
 * HTTP hooks (libcurl, in hook.c only): a playbook hook rendered into one
 * exact request for a release's step (templates, ${ENV}, Standard Webhooks
 * or GitHub signature, a webhook-id stable across retries, re-runs and
 * machines), then sent with timeouts and retries.  Secrets from the
 * environment are remembered so that every text shown or recorded can be
 * masked.
 */
#ifndef RELCTL_HOOK_H
#define RELCTL_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "cJSON.h"
#include "err.h"
#include "ledger.h"
#include "playbook.h"

#define HOOK_MAX_HEADERS 32
#define HOOK_EXCERPT_BYTES 1024

struct hook_header {
	char *name;
	char *value;
};

struct hook_request {
	char *hook;       /* the playbook's hook id */
	char *method;
	char *url;        /* expanded: may hold a token */
	char *url_shown;  /* without credentials, query string or ${ENV} values past the host */
	struct hook_header headers[HOOK_MAX_HEADERS];
	size_t header_count;
	char *body;
	size_t body_len;
	char *webhook_id;
	time_t timestamp;
	long timeout, connect_timeout, retries;
	char *ca_file;
	char *signing_secret; /* to sign each attempt anew; NULL when unsigned */
	bool github;          /* GitHub's scheme (body only: no re-signing needed) */
	char **secrets;   /* every secret value that came from the environment */
	size_t secret_count;
};

struct hook_attempt {
	time_t at;
	long status;      /* HTTP status, 0 when none came back */
	char *error;      /* curl's reason when no status came back; NULL otherwise */
	bool maybe_sent;  /* the request went out before the failure */
	long retry_after; /* seconds the server asked for, clamped */
};

enum hook_outcome {
	HOOK_DELIVERED, /* 2xx */
	HOOK_FAILED,    /* not delivered: refused, or never reached the server */
	HOOK_UNKNOWN,   /* sent, but no answer came back in time */
};

struct hook_result {
	struct hook_attempt attempts[16];
	size_t attempt_count;
	enum hook_outcome outcome;
	long status;
	char *excerpt; /* at most HOOK_EXCERPT_BYTES of the last response, printable, secrets masked */
};

/* What templates can name. */
struct template_scope {
	const struct release_state *st;
	const char *workdir; /* {{file:PATH}} reads PATH below it */
	const char *ready_steps;   /* {{ready.steps}}, in notify hooks only */
	const char *ready_message; /* {{ready.message}}: who can take them */
};

/*
 * Expands {{...}} in text: release.version, release.candidate, release.name,
 * vars.NAME, steps.ID.note, steps.ID.evidence, file:PATH (PATH may hold
 * templates).  An unknown name is an error (65).  Caller frees.
 */
char *template_expand(const char *text, const struct template_scope *scope, struct error *err);

/*
 * The webhook-id for a step's hook: the same on every machine, retry and
 * re-run of one round of the step (round: times it was reopened), new for
 * each candidate and each reopened round.
 */
char *hook_webhook_id(const char *version, int candidate, const char *step, int round, const char *hook);

/*
 * Builds the exact request, signed.  ${ENV} expands only in url and
 * headers; an unset variable or secret is an error (78).  Header values and
 * the signing secret are secrets (masked wherever shown); the url is shown
 * without credentials or query string, and its ${ENV} values masked (a
 * value that is a whole url keeps its scheme and host).
 */
int hook_render(const struct pb_hook *hook, const struct template_scope *scope, const char *webhook_id, time_t now,
		struct hook_request *req, struct error *err);
void hook_request_release(struct hook_request *req);

/* The request as text for --dry-run, secrets masked as ***; caller frees. */
char *hook_request_text(const struct hook_request *req);

/* Replaces every secret of req in text with ***; caller frees. */
char *hook_mask(const struct hook_request *req, const char *text);

/*
 * Sends the request, retrying connection errors, timeouts, 408, 429 and 5xx
 * with exponential backoff and jitter (honouring Retry-After).  Returns 0
 * with the result filled whatever the outcome; -1 only when the request
 * cannot be made at all.
 */
int hook_send(struct hook_request *req, struct hook_result *res, struct error *err);
void hook_result_release(struct hook_result *res);
const char *hook_outcome_name(enum hook_outcome outcome);

/* The result as recorded in a hook event; caller deletes. */
cJSON *hook_result_json(const struct hook_request *req, const struct hook_result *res);

/* Standard Webhooks: "v1,<base64 HMAC-SHA256 of id.timestamp.body>" with a whsec_ secret. */
int hook_sign_standard(const char *secret, const char *id, time_t timestamp, const char *body, size_t len,
		       char **out, struct error *err);
/* GitHub: "sha256=<hex HMAC-SHA256 of body>". */
int hook_sign_github(const char *secret, const char *body, size_t len, char **out, struct error *err);

#endif

/*
 * Hooks (libcurl, in hook.c only): a playbook hook rendered into one exact
 * request for a release's step (templates, ${ENV}, Standard Webhooks or
 * GitHub signature, a webhook-id stable across retries, re-runs and
 * machines), then sent with timeouts and retries.  A mail hook is the same
 * with an RFC 5322 message sent over SMTP instead of an HTTP request.
 * Secrets from the environment are remembered so that every text shown or
 * recorded can be masked.
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
#include "template.h"

#define HOOK_MAX_HEADERS 32
#define HOOK_EXCERPT_BYTES 1024
#define HOOK_DRY_RUN_BYTES (16 * 1024) /* of a rehearsal's request, as recorded */

struct hook_header {
	char *name;
	char *value;
	char *shown; /* the value as a dry run shows it (secrets masked); NULL: the value */
};

struct hook_request {
	char *hook;       /* the playbook's hook id */
	char *method;     /* "SMTP" for a mail */
	char *url;        /* expanded: may hold a token */
	char *url_shown;  /* without credentials, query string or ${ENV} values past the host */
	struct hook_header headers[HOOK_MAX_HEADERS];
	size_t header_count;
	char *body;       /* a mail: the whole message, CRLF line ends */
	size_t body_len;
	char *webhook_id;
	time_t timestamp; /* the wall clock of the latest attempt (webhook-timestamp, a mail's Date) */
	long timeout, connect_timeout, retries;
	size_t answer_max; /* bytes of the answer's body kept whole in hook_result.answer (a check's); 0: none */
	char *ca_file;
	char *signing_secret; /* to sign each attempt anew; NULL when unsigned */
	bool github;          /* GitHub's scheme (body only: no re-signing needed) */
	struct template_secrets secrets; /* every secret value that came from the environment */
	/* A mail hook: the envelope of body. */
	bool mail;
	bool tls_none;    /* plain smtp:// allowed (tls: none) */
	char *mail_from;  /* the bare address for MAIL FROM */
	char **recipients; /* To and Cc, bare and once each, for RCPT TO */
	size_t recipient_count;
	char *message_id; /* "<WEBHOOK-ID@from's domain>" */
};

struct hook_attempt {
	time_t at;
	long status;      /* HTTP status or SMTP reply code, 0 when none came back */
	char *error;      /* curl's reason when no status came back; NULL otherwise */
	bool maybe_sent;  /* the request went out before the failure */
	long retry_after; /* seconds the server asked for, clamped */
};

enum hook_outcome {
	HOOK_DELIVERED, /* 2xx (a mail: the 250 after its data) */
	HOOK_FAILED,    /* not delivered: refused, or never reached the server */
	HOOK_UNKNOWN,   /* sent, but no answer came back in time */
};

struct hook_result {
	struct hook_attempt attempts[16];
	size_t attempt_count;
	enum hook_outcome outcome;
	long status;
	char *excerpt; /* at most HOOK_EXCERPT_BYTES of the last response (a mail: the server's last reply
			  line), printable, secrets masked */
	char *answer;  /* with answer_max: the start of the last response's body as it came (to a NUL); else NULL */
};

/*
 * The webhook-id for a step's hook: the same on every machine, retry and
 * re-run of one round of the step (round: times it was reopened), new for
 * each candidate and each reopened round.
 */
char *hook_webhook_id(const char *version, int candidate, const char *step, int round, const char *hook);

/*
 * Builds the exact request, signed, or the exact mail.  ${ENV} expands only
 * in url and headers; an unset variable or secret is an error (78).  The
 * url takes {{release.*}} and {{vars.NAME}}, percent-encoded; headers take
 * no templates.  What the environment gave, the signing secret and a url's
 * password are secrets: the url is shown without credentials or query
 * string and with its ${ENV} values masked (a value that is a whole url
 * keeps its scheme and host), a header with its ${ENV} values masked, or
 * masked whole when it has none and its name says it carries credentials
 * (Authorization, Cookie, *token*, *key*, ...).  It is stamped with the
 * wall clock, never RELCTL_NOW (receivers compare webhook-timestamp with
 * their own clock); the CA file is the hook's ca_file, else
 * $SSL_CERT_FILE, else the system's.
 */
int hook_render(const struct pb_hook *hook, const struct template_scope *scope, const char *webhook_id,
		struct hook_request *req, struct error *err);
void hook_request_release(struct hook_request *req);

/*
 * The request as text for --dry-run and a rehearsal's record: exactly what
 * is sent, but for the url and the header values shown as hook_render says
 * (the body as it is: no text is masked by search).  Caller frees.
 */
char *hook_request_text(const struct hook_request *req);

/* "HTTP" or "SMTP": what a status of req counts in. */
const char *hook_protocol(const struct hook_request *req);

/*
 * A mail hook's message: Date, From, To, Cc, Reply-To, Subject (encoded
 * when not ASCII), Message-ID, MIME-Version, Content-Type text/plain
 * utf-8 and the body with CRLF line ends (7bit, or quoted-printable when
 * it is not ASCII or has long lines).  Caller frees.
 */
char *hook_mail_message(const struct pb_mail *mail, const char *subject, const char *body, const char *message_id,
			time_t date);
/* "<WEBHOOK-ID@domain of from>": the same for every retry and re-run.  Caller frees. */
char *hook_message_id(const char *webhook_id, const char *from);

/* Replaces every secret of req in text (an answer, an error) with ***; caller frees. */
char *hook_mask(const struct hook_request *req, const char *text);

/*
 * Sends the request, retrying connection errors, timeouts, 408, 429 and 5xx
 * (a mail: transient 4xx replies; 5xx is final) with exponential backoff
 * and jitter (honouring Retry-After); each HTTP attempt is stamped and
 * signed with the wall clock of its sending.  Returns 0 with the result
 * filled whatever the outcome; -1 only when the request cannot be made at
 * all.
 */
int hook_send(struct hook_request *req, struct hook_result *res, struct error *err);
void hook_result_release(struct hook_result *res);
const char *hook_outcome_name(enum hook_outcome outcome);

/* The result as recorded in a hook event; caller deletes. */
cJSON *hook_result_json(const struct hook_request *req, const struct hook_result *res);
/*
 * A rehearsal's hook event result: outcome "dry-run", nothing sent, and the
 * exact request (hook_request_text, secrets masked) as "request", its first
 * HOOK_DRY_RUN_BYTES when it is longer.
 */
cJSON *hook_dry_run_json(const struct hook_request *req);

/* Standard Webhooks: "v1,<base64 HMAC-SHA256 of id.timestamp.body>" with a whsec_ secret. */
int hook_sign_standard(const char *secret, const char *id, time_t timestamp, const char *body, size_t len,
		       char **out, struct error *err);
/* GitHub: "sha256=<hex HMAC-SHA256 of body>". */
int hook_sign_github(const char *secret, const char *body, size_t len, char **out, struct error *err);

#endif

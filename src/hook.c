/*
 * Hooks: templates, signing and sending.  A hook is rendered into one exact
 * request before anything is sent (an unknown template name or an unset
 * variable stops it there), signed, then sent with libcurl: TLS verification
 * on, http and https only, no redirects (libcurl would forward our signature
 * headers to the new host), statuses read with CURLINFO_RESPONSE_CODE.
 * This is the only file that uses libcurl.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "crypto.h"
#include "file.h"
#include "hook.h"
#include "util.h"

#define TEMPLATE_FILE_MAX (1024 * 1024)
#define MAX_DEPTH 4

/* ---------- templates ---------- */

static int lookup(const char *name, const struct template_scope *scope, struct buf *out, int depth,
		  struct error *err);

/* Expands text into out; depth bounds nested {{file:...}} references. */
static int expand(const char *text, const struct template_scope *scope, struct buf *out, int depth,
		  struct error *err)
{
	const char *p = text;

	if (depth > MAX_DEPTH)
		return error_set(err, EXIT_DATAERR, "templates nest deeper than %d levels", MAX_DEPTH);
	while (*p) {
		const char *open = strstr(p, "{{"), *q;
		int nesting = 1;
		char *inner;
		struct buf name;
		int rc;

		if (open == NULL) {
			buf_adds(out, p);
			break;
		}
		buf_add(out, p, (size_t)(open - p));
		/* The matching "}}", allowing {{file:x/{{release.version}}.md}}. */
		for (q = open + 2; *q && nesting > 0; q++) {
			if (q[0] == '{' && q[1] == '{') {
				nesting++;
				q++;
			} else if (q[0] == '}' && q[1] == '}') {
				nesting--;
				q++;
			}
		}
		if (nesting > 0)
			return error_set(err, EXIT_DATAERR, "unclosed template \"%.40s\"", open);
		inner = xstrndup(open + 2, (size_t)(q - open - 4));
		buf_init(&name);
		rc = expand(inner, scope, &name, depth + 1, err);
		free(inner);
		if (rc == 0)
			rc = lookup(name.data, scope, out, depth, err);
		buf_release(&name);
		if (rc != 0)
			return -1;
		p = q;
	}
	return 0;
}

static int read_template_file(const char *path, const struct template_scope *scope, struct buf *out,
			      struct error *err)
{
	char *full;
	int rc;

	char *real = NULL, *root = NULL;
	size_t root_len;

	/* Only files of the work tree: no absolute paths, no way out of it, not even by a symlink. */
	if (path[0] == '/' || path[0] == '\0' || strcmp(path, "..") == 0 || strncmp(path, "../", 3) == 0 ||
	    strstr(path, "/../") != NULL || (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0))
		return error_set(err, EXIT_DATAERR, "{{file:%s}} must name a file inside the repository", path);
	full = xasprintf("%s%s%s", scope->workdir, scope->workdir[strlen(scope->workdir) - 1] == '/' ? "" : "/", path);
	real = realpath(full, NULL);
	root = realpath(scope->workdir, NULL);
	root_len = root ? strlen(root) : 0;
	if (real == NULL || root == NULL) {
		rc = error_set(err, EXIT_NOINPUT, "{{file:%s}}: there is no such file in the work tree; write it first", path);
	} else if (strncmp(real, root, root_len) != 0 || (real[root_len] != '/' && real[root_len] != '\0')) {
		rc = error_set(err, EXIT_DATAERR, "{{file:%s}} leads outside the repository (a symlink?); refused", path);
	} else {
		struct error read_err;

		rc = file_read(real, TEMPLATE_FILE_MAX, out, &read_err);
		if (rc != 0)
			error_set(err, read_err.code, "{{file:%s}}: %s", path, read_err.message);
	}
	free(real);
	free(root);
	free(full);
	return rc;
}

static int lookup(const char *name, const struct template_scope *scope, struct buf *out, int depth,
		  struct error *err)
{
	const struct release_state *st = scope->st;
	char *trimmed = xstrdup(name), *t = trimmed, *end;
	int rc = 0;

	while (isspace((unsigned char)*t))
		t++;
	end = t + strlen(t);
	while (end > t && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (strcmp(t, "release.version") == 0) {
		buf_adds(out, st->version);
	} else if (strcmp(t, "release.candidate") == 0) {
		buf_addf(out, "%d", st->candidate);
	} else if (strcmp(t, "release.name") == 0) {
		buf_adds(out, st->pb->name);
	} else if (strncmp(t, "vars.", 5) == 0 && cJSON_GetObjectItemCaseSensitive(st->vars, t + 5)) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(st->vars, t + 5);

		if (cJSON_IsString(v)) {
			buf_adds(out, v->valuestring);
		} else if (cJSON_IsBool(v)) {
			buf_adds(out, cJSON_IsTrue(v) ? "true" : "false");
		} else {
			/* cJSON prints every digit (%g would turn 1234567 into 1.23457e+06). */
			char *number = cJSON_PrintUnformatted(v);

			buf_adds(out, number);
			free(number);
		}
	} else if (strncmp(t, "steps.", 6) == 0) {
		char *dot = strrchr(t + 6, '.');
		const struct pb_step *s;

		if (dot)
			*dot = '\0';
		s = dot ? playbook_step(st->pb, t + 6) : NULL;
		if (s && strcmp(dot + 1, "note") == 0) {
			buf_adds(out, st->steps[s->index].note ? st->steps[s->index].note : "");
		} else if (s && strcmp(dot + 1, "evidence") == 0) {
			const cJSON *item;
			int n = 0;

			cJSON_ArrayForEach(item, st->steps[s->index].evidence)
				buf_addf(out, "%s%s", n++ ? "\n" : "", item->valuestring);
		} else {
			if (dot)
				*dot = '.';
			rc = error_set(err, EXIT_DATAERR,
				       "unknown template {{%s}}: steps are named {{steps.ID.note}} or {{steps.ID.evidence}}", t);
		}
	} else if (strcmp(t, "ready.steps") == 0 || strcmp(t, "ready.message") == 0) {
		const char *value = t[6] == 's' ? scope->ready_steps : scope->ready_message;

		if (value == NULL)
			rc = error_set(err, EXIT_DATAERR, "{{%s}} exists only in the playbook's notify hook", t);
		else
			buf_adds(out, value);
	} else if (strncmp(t, "file:", 5) == 0) {
		struct buf content;

		buf_init(&content);
		rc = read_template_file(t + 5, scope, &content, err);
		if (rc == 0)
			buf_add(out, content.data, content.len);
		buf_release(&content);
		(void)depth;
	} else {
		rc = error_set(err, EXIT_DATAERR,
			       "unknown template {{%s}}; known: release.version, release.candidate, release.name, vars.NAME, steps.ID.note, steps.ID.evidence, file:PATH",
			       t);
	}
	free(trimmed);
	return rc;
}

char *template_expand(const char *text, const struct template_scope *scope, struct error *err)
{
	struct buf out;

	buf_init(&out);
	if (expand(text, scope, &out, 0, err) != 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out);
}

/* A mapping body: every string is a template; the document is built by cJSON. */
static int expand_json(cJSON *node, const struct template_scope *scope, struct error *err)
{
	cJSON *child;

	if (cJSON_IsString(node)) {
		char *value = template_expand(node->valuestring, scope, err);

		if (value == NULL)
			return -1;
		cJSON_SetValuestring(node, value);
		free(value);
		return 0;
	}
	cJSON_ArrayForEach(child, node)
		if (expand_json(child, scope, err) != 0)
			return -1;
	return 0;
}

/* ---------- ${ENV} ---------- */

static void remember_secret(struct hook_request *req, const char *value)
{
	if (value[0] == '\0')
		return;
	req->secrets = xrealloc(req->secrets, (req->secret_count + 1) * sizeof(*req->secrets));
	req->secrets[req->secret_count++] = xstrdup(value);
}

/*
 * A url's ${ENV} value is a secret too (chat webhook urls and push topics
 * carry their key in the path): a whole url keeps its scheme and host
 * visible and hides the rest; any other value is hidden whole.
 */
static void remember_url_secret(struct hook_request *req, const char *value)
{
	const char *scheme = strstr(value, "://");

	if (scheme == NULL) {
		remember_secret(req, value);
		return;
	}
	value = scheme + 3 + strcspn(scheme + 3, "/?#");
	if (strlen(value) > 1)
		remember_secret(req, value);
}

static char *expand_env(struct hook_request *req, const char *text, bool secret, struct error *err)
{
	struct buf out;
	const char *p = text;

	buf_init(&out);
	while (*p) {
		const char *start = strstr(p, "${"), *close;
		char *name;
		const char *value;

		if (start == NULL) {
			buf_adds(&out, p);
			break;
		}
		close = strchr(start, '}');
		if (close == NULL) {
			buf_release(&out);
			error_set(err, EXIT_CONFIG, "unclosed ${ in hook \"%s\"", req->hook);
			return NULL;
		}
		buf_add(&out, p, (size_t)(start - p));
		name = xstrndup(start + 2, (size_t)(close - start - 2));
		value = getenv(name);
		if (value == NULL || value[0] == '\0') {
			error_set(err, EXIT_CONFIG, "hook \"%s\" needs the environment variable %s; set it and run again", req->hook,
				  name);
			free(name);
			buf_release(&out);
			return NULL;
		}
		if (secret)
			remember_secret(req, value);
		else
			remember_url_secret(req, value);
		buf_adds(&out, value);
		free(name);
		p = close + 1;
	}
	return buf_detach(&out);
}

/* The url as it may be shown: no user:password@, no ?query. */
static char *url_shown(const char *url)
{
	const char *scheme = strstr(url, "://"), *host, *at, *slash;
	struct buf b;

	buf_init(&b);
	if (scheme == NULL)
		return xstrdup("(not a url)");
	host = scheme + 3;
	slash = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(slash - host));
	buf_add(&b, url, (size_t)(host - url));
	if (at)
		buf_adds(&b, "***@");
	buf_add(&b, at ? at + 1 : host, (size_t)(slash - (at ? at + 1 : host)));
	buf_add(&b, slash, strcspn(slash, "?#"));
	if (strchr(slash, '?'))
		buf_adds(&b, "?***");
	return buf_detach(&b);
}

/* ---------- signing ---------- */

char *hook_webhook_id(const char *version, int candidate, const char *step, int round, const char *hook)
{
	char *key = round > 0 ? xasprintf("relctl\n%s\n%d\n%s\n%s\n%d", version, candidate, step, hook, round)
			      : xasprintf("relctl\n%s\n%d\n%s\n%s", version, candidate, step, hook);
	char hash[65];

	sha256_hex(key, strlen(key), hash);
	free(key);
	return xasprintf("msg_%.32s", hash);
}

int hook_sign_standard(const char *secret, const char *id, time_t timestamp, const char *body, size_t len,
		       char **out, struct error *err)
{
	unsigned char *key, mac[32];
	size_t key_len;
	struct buf content;
	int rc;

	if (strncmp(secret, "whsec_", 6) != 0 || (key = base64_decode(secret + 6, &key_len)) == NULL)
		return error_set(err, EXIT_CONFIG, "the signing secret must be whsec_ followed by base64 (Standard Webhooks)");
	buf_init(&content);
	buf_addf(&content, "%s.%ld.", id, (long)timestamp);
	buf_add(&content, body, len);
	rc = hmac_sha256(key, key_len, content.data, content.len, mac);
	free(key);
	buf_release(&content);
	if (rc != 0)
		return error_set(err, EXIT_SOFTWARE, "cannot compute the HMAC");
	{
		char *b64 = base64_encode(mac, sizeof(mac));

		*out = xasprintf("v1,%s", b64);
		free(b64);
	}
	return 0;
}

int hook_sign_github(const char *secret, const char *body, size_t len, char **out, struct error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[32];
	char text[65];
	size_t i;

	if (hmac_sha256(secret, strlen(secret), body, len, mac) != 0)
		return error_set(err, EXIT_SOFTWARE, "cannot compute the HMAC");
	for (i = 0; i < 32; i++) {
		text[2 * i] = hex[mac[i] >> 4];
		text[2 * i + 1] = hex[mac[i] & 15];
	}
	text[64] = '\0';
	*out = xasprintf("sha256=%s", text);
	return 0;
}

/* ---------- the request ---------- */

static void add_header(struct hook_request *req, const char *name, char *value)
{
	if (req->header_count >= HOOK_MAX_HEADERS) {
		free(value);
		return;
	}
	req->headers[req->header_count].name = xstrdup(name);
	req->headers[req->header_count].value = value;
	req->header_count++;
}

int hook_render(const struct pb_hook *hook, const struct template_scope *scope, const char *webhook_id, time_t now,
		struct hook_request *req, struct error *err)
{
	const char *secret_value = NULL;
	char *signature = NULL;
	bool has_type = false;
	size_t i;

	memset(req, 0, sizeof(*req));
	req->hook = xstrdup(hook->id);
	req->method = xstrdup(hook->method);
	req->webhook_id = xstrdup(webhook_id);
	req->timestamp = now;
	req->timeout = hook->timeout;
	req->connect_timeout = hook->connect_timeout;
	req->retries = hook->retries;
	req->ca_file = hook->ca_file ? xstrdup(hook->ca_file) : NULL;
	/* The body first: an unknown template stops everything before any secret is read. */
	if (hook->body_json) {
		cJSON *body = cJSON_Duplicate(hook->body_json, 1);

		if (expand_json(body, scope, err) != 0) {
			cJSON_Delete(body);
			return -1;
		}
		req->body = cJSON_PrintUnformatted(body);
		cJSON_Delete(body);
	} else if (hook->body_text) {
		req->body = template_expand(hook->body_text, scope, err);
		if (req->body == NULL)
			return -1;
	} else {
		req->body = xstrdup("");
	}
	req->body_len = strlen(req->body);
	/* The url is shown without its credentials, query and ${ENV} values; header values are secrets. */
	req->url = expand_env(req, hook->url, false, err);
	if (req->url == NULL)
		return -1;
	if (strncmp(req->url, "http://", 7) && strncmp(req->url, "https://", 8))
		return error_set(err, EXIT_CONFIG, "hook \"%s\" must go to an http:// or https:// url", hook->id);
	{
		char *shown = url_shown(req->url);

		req->url_shown = hook_mask(req, shown);
		free(shown);
	}
	for (i = 0; i < hook->header_count; i++) {
		char *value = expand_env(req, hook->headers[i].value, true, err);

		if (value == NULL)
			return -1;
		if (strcasecmp(hook->headers[i].name, "content-type") == 0)
			has_type = true;
		add_header(req, hook->headers[i].name, value);
	}
	if (!has_type)
		add_header(req, "Content-Type",
			   xstrdup(hook->content_type ? hook->content_type
					: hook->body_json ? "application/json" : "text/plain; charset=utf-8"));
	add_header(req, "Idempotency-Key", xstrdup(webhook_id));
	add_header(req, "webhook-id", xstrdup(webhook_id));
	add_header(req, "webhook-timestamp", xasprintf("%ld", (long)now));
	if (hook->secret_env) {
		secret_value = getenv(hook->secret_env);
		if (secret_value == NULL || secret_value[0] == '\0')
			return error_set(err, EXIT_CONFIG, "hook \"%s\" is signed with the secret in %s, which is not set",
					 hook->id, hook->secret_env);
		remember_secret(req, secret_value);
		if (strncmp(secret_value, "whsec_", 6) == 0)
			remember_secret(req, secret_value + 6);
		req->signing_secret = xstrdup(secret_value);
		req->github = strcmp(hook->signing, "github") == 0;
		if (req->github) {
			if (hook_sign_github(secret_value, req->body, req->body_len, &signature, err) != 0)
				return -1;
			add_header(req, "X-Hub-Signature-256", signature);
		} else {
			if (hook_sign_standard(secret_value, webhook_id, now, req->body, req->body_len, &signature, err) != 0)
				return -1;
			add_header(req, "webhook-signature", signature);
		}
	}
	return 0;
}

void hook_request_release(struct hook_request *req)
{
	size_t i;

	free(req->hook);
	free(req->method);
	free(req->url);
	free(req->url_shown);
	for (i = 0; i < req->header_count; i++) {
		free(req->headers[i].name);
		free(req->headers[i].value);
	}
	free(req->body);
	free(req->webhook_id);
	free(req->ca_file);
	if (req->signing_secret) {
		memset(req->signing_secret, 0, strlen(req->signing_secret));
		free(req->signing_secret);
	}
	for (i = 0; i < req->secret_count; i++) {
		memset(req->secrets[i], 0, strlen(req->secrets[i]));
		free(req->secrets[i]);
	}
	free(req->secrets);
	memset(req, 0, sizeof(*req));
}

char *hook_mask(const struct hook_request *req, const char *text)
{
	char *out = xstrdup(text);
	size_t i;

	for (i = 0; i < req->secret_count; i++) {
		const char *secret = req->secrets[i];
		size_t len = strlen(secret);
		struct buf b;
		const char *p = out, *hit;

		if (len < 4)
			continue; /* too short to mask without mangling ordinary text */
		buf_init(&b);
		while ((hit = strstr(p, secret)) != NULL) {
			buf_add(&b, p, (size_t)(hit - p));
			buf_adds(&b, "***");
			p = hit + len;
		}
		buf_adds(&b, p);
		free(out);
		out = buf_detach(&b);
	}
	return out;
}

char *hook_request_text(const struct hook_request *req)
{
	struct buf b;
	char *masked;
	size_t i;

	buf_init(&b);
	buf_addf(&b, "%s %s\n", req->method, req->url_shown);
	for (i = 0; i < req->header_count; i++)
		buf_addf(&b, "%s: %s\n", req->headers[i].name, req->headers[i].value);
	buf_addf(&b, "\n%s\n", req->body);
	masked = hook_mask(req, b.data);
	buf_release(&b);
	return masked;
}

/* ---------- sending ---------- */

/*
 * A retry goes out later than the first attempt; Standard Webhooks receivers
 * refuse old timestamps, so each attempt is stamped and signed anew (the
 * webhook-id stays the same).
 */
static struct curl_slist *attempt_headers(struct hook_request *req, time_t now)
{
	struct curl_slist *headers = NULL;
	size_t i;

	if (req->signing_secret && !req->github && now != req->timestamp) {
		char *signature = NULL;
		struct error ignored;

		if (hook_sign_standard(req->signing_secret, req->webhook_id, now, req->body, req->body_len, &signature,
				       &ignored) == 0) {
			for (i = 0; i < req->header_count; i++) {
				if (strcmp(req->headers[i].name, "webhook-timestamp") == 0) {
					free(req->headers[i].value);
					req->headers[i].value = xasprintf("%ld", (long)now);
				} else if (strcmp(req->headers[i].name, "webhook-signature") == 0) {
					free(req->headers[i].value);
					req->headers[i].value = xstrdup(signature);
				}
			}
			req->timestamp = now;
		}
		free(signature);
	}
	for (i = 0; i < req->header_count; i++) {
		char *line = xasprintf("%s: %s", req->headers[i].name, req->headers[i].value);

		headers = curl_slist_append(headers, line);
		free(line);
	}
	return curl_slist_append(headers, "Expect:");
}

struct response {
	struct buf body;
};

static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
	struct response *r = userdata;
	size_t n = size * count;

	if (r->body.len < HOOK_EXCERPT_BYTES)
		buf_add(&r->body, data, n < HOOK_EXCERPT_BYTES - r->body.len ? n : HOOK_EXCERPT_BYTES - r->body.len);
	return n;
}

static bool retryable_status(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status != 501 && status != 505);
}

static bool retryable_error(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return true;
	default:
		return false;
	}
}

/* How long to wait before attempt n (1-based retry): doubling, with jitter. */
static long backoff_ms(size_t n, long retry_after)
{
	const char *base_env = getenv("RELCTL_HOOK_BACKOFF_MS");
	long base = base_env ? atol(base_env) : 1000, delay;
	char hex[5];

	if (base < 0)
		base = 0;
	delay = base << (n < 6 ? n - 1 : 5);
	if (random_hex(hex, 2) == 0 && base > 0)
		delay += (long)(strtoul(hex, NULL, 16) % (unsigned long)(base / 2 + 1));
	if (retry_after * 1000 > delay)
		delay = retry_after * 1000;
	return delay > 60000 ? 60000 : delay;
}

static char *printable(const char *data, size_t len)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		buf_addc(&b, (c >= 32 && c < 127) || c == '\n' ? (char)c : '?');
	}
	return buf_detach(&b);
}

static CURLcode attempt_once(CURL *curl, struct hook_attempt *a, struct response *resp, char *errbuf)
{
	CURLcode code;
	curl_off_t retry_after = 0, pretransfer = 0;

	buf_reset(&resp->body);
	errbuf[0] = '\0';
	clock_now(&a->at);
	code = curl_easy_perform(curl);
	if (code == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &a->status);
		/* libcurl 7.88 can report a negative Retry-After; clamp it. */
		if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
			a->retry_after = retry_after > 60 ? 60 : (long)retry_after;
		return code;
	}
	curl_easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
	a->maybe_sent = pretransfer > 0 && (code == CURLE_OPERATION_TIMEDOUT || code == CURLE_RECV_ERROR ||
					    code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE);
	a->error = xstrdup(errbuf[0] ? errbuf : curl_easy_strerror(code));
	a->status = 0;
	return code;
}

int hook_send(struct hook_request *req, struct hook_result *res, struct error *err)
{
	struct curl_slist *headers = NULL;
	struct response resp;
	char errbuf[CURL_ERROR_SIZE];
	CURL *curl;
	size_t i, max = (size_t)req->retries + 1;
	long waited_ms = 0;
	const time_t first_stamp = req->timestamp;

	memset(res, 0, sizeof(*res));
	if (max > sizeof(res->attempts) / sizeof(res->attempts[0]))
		max = sizeof(res->attempts) / sizeof(res->attempts[0]);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return error_set(err, EXIT_SOFTWARE, "cannot start libcurl");
	curl = curl_easy_init();
	if (curl == NULL) {
		curl_global_cleanup();
		return error_set(err, EXIT_SOFTWARE, "cannot start libcurl");
	}
	buf_init(&resp.body);
	curl_easy_setopt(curl, CURLOPT_URL, req->url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, req->timeout);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, req->connect_timeout);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, req->ca_file);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "relctl/" "0.1");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	for (i = 0; i < max; i++) {
		struct hook_attempt *a = &res->attempts[res->attempt_count++];
		CURLcode code;
		bool again;
		time_t now;

		/* Stamped when rendered, plus the time spent waiting between attempts. */
		now = first_stamp + (time_t)(waited_ms / 1000);
		curl_slist_free_all(headers);
		headers = attempt_headers(req, now);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		code = attempt_once(curl, a, &resp, errbuf);

		if (a->status >= 200 && a->status < 300)
			break;
		/* 410 Gone and other 4xx are answers, not accidents: no retry. */
		again = a->status ? retryable_status(a->status) : retryable_error(code);
		if (!again || i + 1 == max)
			break;
		{
			long delay = backoff_ms(i + 1, a->retry_after);

			usleep((useconds_t)delay * 1000u);
			waited_ms += delay;
		}
	}
	{
		const struct hook_attempt *last = &res->attempts[res->attempt_count - 1];
		bool any_sent = false;
		char *shown;

		for (i = 0; i < res->attempt_count; i++)
			any_sent = any_sent || res->attempts[i].maybe_sent;
		res->status = last->status;
		if (last->status >= 200 && last->status < 300)
			res->outcome = HOOK_DELIVERED;
		else if (any_sent)
			res->outcome = HOOK_UNKNOWN; /* an earlier attempt may have arrived */
		else
			res->outcome = HOOK_FAILED;
		shown = printable(resp.body.data, resp.body.len);
		res->excerpt = hook_mask(req, shown);
		free(shown);
	}
	buf_release(&resp.body);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	return 0;
}

void hook_result_release(struct hook_result *res)
{
	size_t i;

	for (i = 0; i < res->attempt_count; i++)
		free(res->attempts[i].error);
	free(res->excerpt);
	memset(res, 0, sizeof(*res));
}

const char *hook_outcome_name(enum hook_outcome outcome)
{
	static const char *const names[] = { "delivered", "failed", "unknown" };

	return names[outcome];
}

cJSON *hook_result_json(const struct hook_request *req, const struct hook_result *res)
{
	cJSON *o = cJSON_CreateObject(), *attempts = NULL;
	char t[32];
	size_t i;

	cJSON_AddStringToObject(o, "hook", req->hook);
	cJSON_AddStringToObject(o, "webhook_id", req->webhook_id);
	cJSON_AddStringToObject(o, "method", req->method);
	cJSON_AddStringToObject(o, "url", req->url_shown);
	cJSON_AddStringToObject(o, "outcome", hook_outcome_name(res->outcome));
	cJSON_AddNumberToObject(o, "status", (double)res->status);
	attempts = cJSON_AddArrayToObject(o, "attempts");
	for (i = 0; i < res->attempt_count; i++) {
		const struct hook_attempt *a = &res->attempts[i];
		cJSON *ao = cJSON_CreateObject();

		cJSON_AddStringToObject(ao, "at", time_format(a->at, t, sizeof(t)));
		cJSON_AddNumberToObject(ao, "status", (double)a->status);
		if (a->error) {
			char *masked = hook_mask(req, a->error);

			cJSON_AddStringToObject(ao, "error", masked);
			free(masked);
		}
		if (a->retry_after)
			cJSON_AddNumberToObject(ao, "retry_after", (double)a->retry_after);
		cJSON_AddItemToArray(attempts, ao);
	}
	cJSON_AddStringToObject(o, "response", res->excerpt ? res->excerpt : "");
	return o;
}

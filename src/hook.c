/*
 * Hooks: rendering, signing and sending.  A hook is rendered into one exact
 * request before anything is sent (its templates and ${ENV} by template.c:
 * an unknown template name or an unset variable stops it there), signed,
 * then sent with libcurl: TLS verification on, http and https only, any
 * method token, no redirects (libcurl would forward our signature headers
 * to the new host), statuses read with CURLINFO_RESPONSE_CODE.  A
 * mail hook is rendered into one RFC 5322 message (its Message-ID made of
 * the webhook-id) and sent over SMTP, STARTTLS required on smtp://.
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
#include "hook.h"
#include "library.h"
#include "util.h"

/* The libcurl functions hook.c calls, loaded with the first request (library.h). */
static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_global_cleanup) *global_cleanup;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
} libcurl;

#define CURL_FUNCTION(member) LIBRARY_SYMBOL(__typeof__(libcurl), member, "curl_" #member)
static const struct library_symbol curl_symbols[] = {
	CURL_FUNCTION(global_init),
	CURL_FUNCTION(global_cleanup),
	CURL_FUNCTION(easy_init),
	CURL_FUNCTION(easy_setopt),
	CURL_FUNCTION(easy_perform),
	CURL_FUNCTION(easy_getinfo),
	CURL_FUNCTION(easy_strerror),
	CURL_FUNCTION(easy_cleanup),
	CURL_FUNCTION(slist_append),
	CURL_FUNCTION(slist_free_all),
};
static struct library curl_library = {
	RELCTL_CURL_SONAME, RELCTL_CURL_PACKAGE, "hooks and mail need it", curl_symbols,
	sizeof(curl_symbols) / sizeof(curl_symbols[0]), &libcurl, NULL,
};

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

/* ---------- mail ---------- */

/* Printable ASCII (and tabs): header text that needs no encoding. */
static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 0x20 && *s < 0x7f) || *s == '\t'))
			return false;
	return true;
}

/*
 * Header text that is not plain ASCII as RFC 2047 encoded-words of at most
 * 39 bytes (64 characters: "Subject: " and one word fit in 76) that never
 * split a UTF-8 character, one per folded line.
 */
static void add_encoded_words(struct buf *b, const char *text)
{
	size_t len = strlen(text), i = 0;

	while (i < len) {
		size_t n = len - i > 39 ? 39 : len - i;
		char *b64;

		while (n > 1 && i + n < len && ((unsigned char)text[i + n] & 0xc0) == 0x80)
			n--;
		b64 = base64_encode((const unsigned char *)text + i, n);
		buf_addf(b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", b64);
		free(b64);
		i += n;
	}
}

/* Text a template made, for a header: one line, encoded when not plain ASCII. */
static void add_header_text(struct buf *b, const char *text)
{
	char *line = xstrdup(text), *p;

	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (plain_ascii(line))
		buf_adds(b, line);
	else
		add_encoded_words(b, line);
	free(line);
}

/* An address of the playbook (checked when it was loaded) as a header wants it. */
static void add_address(struct buf *b, const char *text)
{
	char *name = NULL, *addr = NULL;
	const char *p;

	if (!mail_address_split(text, &name, &addr)) {
		buf_adds(b, "undisclosed-recipients:;");
		return;
	}
	if (name[0] == '\0') {
		buf_adds(b, addr);
	} else if (!plain_ascii(name)) {
		add_encoded_words(b, name);
		buf_addf(b, " <%s>", addr);
	} else if (name[0] != '"' && strpbrk(name, "()<>[]:;@\\,.\"")) {
		buf_addc(b, '"');
		for (p = name; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(b, '\\');
			buf_addc(b, *p);
		}
		buf_addf(b, "\" <%s>", addr);
	} else {
		buf_addf(b, "%s <%s>", name, addr);
	}
	free(name);
	free(addr);
}

static void add_address_header(struct buf *b, const char *name, const struct strlist *list)
{
	size_t i;

	if (list->count == 0)
		return;
	buf_addf(b, "%s: ", name);
	for (i = 0; i < list->count; i++) {
		if (i)
			buf_adds(b, ",\r\n ");
		add_address(b, list->items[i]);
	}
	buf_adds(b, "\r\n");
}

/* 7bit text: ASCII, every CR part of a CRLF, no line over 998 bytes (RFC 5322). */
static bool seven_bit(const char *text)
{
	size_t line = 0;
	const char *p;

	for (p = text; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n') {
			line = 0;
			continue;
		}
		if ((c == '\r' && p[1] != '\n') || c >= 0x7f || (c < 0x20 && c != '\t' && c != '\r') || ++line > 998)
			return false;
	}
	return true;
}

/* The body with CRLF line ends, as is (7bit) or quoted-printable (RFC 2045). */
static void add_body(struct buf *b, const char *text, bool quoted)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t column = 0;

	while (*p) {
		char piece[4];
		size_t n = 1;
		bool line_end;

		if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1;
			buf_adds(b, "\r\n");
			column = 0;
			continue;
		}
		line_end = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
		piece[0] = (char)*p;
		if (quoted && !((*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !line_end))) {
			snprintf(piece, sizeof(piece), "=%02X", *p);
			n = 3;
		}
		if (quoted && column + n > 75) {
			buf_adds(b, "=\r\n");
			column = 0;
		}
		buf_add(b, piece, n);
		column += n;
		p++;
	}
	if (b->len < 2 || strcmp(b->data + b->len - 2, "\r\n") != 0)
		buf_adds(b, "\r\n");
}

char *hook_message_id(const char *webhook_id, const char *from)
{
	char *name = NULL, *addr = NULL, *id;

	if (!mail_address_split(from, &name, &addr))
		return xasprintf("<%s@relctl.invalid>", webhook_id);
	id = xasprintf("<%s@%s>", webhook_id, strchr(addr, '@') + 1);
	free(name);
	free(addr);
	return id;
}

char *hook_mail_message(const struct pb_mail *mail, const char *subject, const char *body, const char *message_id,
			time_t date)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct strlist one = { NULL, NULL, 0 };
	char *from = mail->from;
	bool quoted = !seven_bit(body);
	struct buf b;
	struct tm tm;

	gmtime_r(&date, &tm);
	buf_init(&b);
	buf_addf(&b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	one.items = &from;
	one.count = 1;
	add_address_header(&b, "From", &one);
	add_address_header(&b, "To", &mail->to);
	add_address_header(&b, "Cc", &mail->cc);
	if (mail->reply_to) {
		char *reply_to = mail->reply_to;

		one.items = &reply_to;
		add_address_header(&b, "Reply-To", &one);
	}
	buf_adds(&b, "Subject: ");
	add_header_text(&b, subject);
	buf_addf(&b, "\r\nMessage-ID: %s\r\n", message_id);
	buf_adds(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n");
	buf_addf(&b, "Content-Transfer-Encoding: %s\r\n\r\n", quoted ? "quoted-printable" : "7bit");
	add_body(&b, body, quoted);
	return buf_detach(&b);
}

/* The bare addresses of the envelope: MAIL FROM, and RCPT TO for every To and Cc, once each. */
static void mail_envelope(struct hook_request *req, const struct pb_mail *mail)
{
	const struct strlist *lists[] = { &mail->to, &mail->cc };
	char *name = NULL, *addr = NULL;
	size_t i, j, k;

	if (mail_address_split(mail->from, &name, &addr)) {
		req->mail_from = addr;
		free(name);
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < lists[k]->count; i++) {
			if (!mail_address_split(lists[k]->items[i], &name, &addr))
				continue;
			free(name);
			for (j = 0; j < req->recipient_count && strcasecmp(req->recipients[j], addr) != 0; j++)
				;
			if (j < req->recipient_count) {
				free(addr);
				continue;
			}
			req->recipients = xrealloc(req->recipients, (req->recipient_count + 1) * sizeof(*req->recipients));
			req->recipients[req->recipient_count++] = addr;
		}
	}
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

/*
 * The url, its templates (percent-encoded) and then its ${ENV} expanded, and
 * the form it may be shown in.  A password in its user:password@ is a
 * secret wherever it came from (smtps://user:${PASS}@, or a whole
 * ${SMTP_URL}).
 */
static int render_url(const struct pb_hook *hook, const struct template_scope *scope, struct hook_request *req,
		      struct error *err)
{
	const char *host, *at, *colon, *end;
	char *templated, *with_env = NULL, *shown, *who = xasprintf("%s \"%s\"", hook->check ? "check step" : "hook", hook->id);

	templated = template_expand_field(hook->url, TEMPLATE_URL, scope, err);
	if (templated)
		req->url = template_expand_env(templated, TEMPLATE_URL, who, &with_env, &req->secrets, err);
	free(templated);
	free(who);
	if (req->url == NULL)
		return -1;
	shown = url_shown(with_env);
	free(with_env);
	req->url_shown = hook_mask(req, shown);
	free(shown);
	if (hook->mail && strncmp(req->url, "smtp://", 7) && strncmp(req->url, "smtps://", 8))
		return error_set(err, EXIT_CONFIG, "mail hook \"%s\" must go to an smtps:// or smtp:// url", hook->id);
	if (!hook->mail && strncmp(req->url, "http://", 7) && strncmp(req->url, "https://", 8))
		return error_set(err, EXIT_CONFIG, "%s \"%s\" must go to an http:// or https:// url",
				 hook->check ? "check step" : "hook", hook->id);
	if (hook->tls_none && strncmp(req->url, "smtps://", 8) == 0)
		return error_set(err, EXIT_CONFIG, "hook \"%s\" says tls: none but its url is smtps://", hook->id);
	host = strstr(req->url, "://") + 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	colon = at ? memchr(host, ':', (size_t)(at - host)) : NULL;
	if (colon && at - colon > 1) {
		char *password = xstrndup(colon + 1, (size_t)(at - colon - 1));

		template_secret_add(&req->secrets, password);
		free(password);
	}
	return 0;
}

/* A header whose name says it carries credentials (the value has no ${ENV} to mask instead: masked whole). */
static bool credential_header(const char *name)
{
	static const char *const words[] = { "auth", "token", "secret", "key", "password", "cookie", "session",
					     "credential", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcasestr(name, words[i]))
			return true;
	return false;
}

/* A playbook header: ${ENV} expanded, no templates; shown with its secrets masked where they were put. */
static int render_header(const struct pb_header *header, const struct pb_hook *hook, struct hook_request *req,
			 struct error *err)
{
	char *checked, *value = NULL, *shown = NULL, *who;
	struct hook_header *h;

	checked = template_expand_field(header->value, TEMPLATE_NONE, NULL, err);
	if (checked == NULL)
		return -1;
	who = xasprintf("%s \"%s\"", hook->check ? "check step" : "hook", hook->id);
	value = template_expand_env(checked, TEMPLATE_NONE, who, &shown, &req->secrets, err);
	free(who);
	free(checked);
	if (value == NULL)
		return -1;
	if (credential_header(header->name) && strcmp(shown, value) == 0) {
		/* Credentials written into the playbook itself: the whole value is the secret. */
		template_secret_add(&req->secrets, value);
		free(shown);
		shown = xstrdup("***");
	}
	add_header(req, header->name, value);
	h = &req->headers[req->header_count - 1];
	if (h->value == value && strcmp(shown, value) != 0)
		h->shown = shown;
	else
		free(shown);
	return 0;
}

static int render_mail(const struct pb_hook *hook, const struct template_scope *scope, struct hook_request *req,
		       struct error *err)
{
	char *subject, *body;

	/* The subject and text first: an unknown template stops everything before any secret is read. */
	subject = template_expand(hook->mail->subject, scope, err);
	if (subject == NULL)
		return -1;
	body = template_expand(hook->body_text ? hook->body_text : "", scope, err);
	if (body == NULL) {
		free(subject);
		return -1;
	}
	req->mail = true;
	req->tls_none = hook->tls_none;
	req->message_id = hook_message_id(req->webhook_id, hook->mail->from);
	req->body = hook_mail_message(hook->mail, subject, body, req->message_id, req->timestamp);
	req->body_len = strlen(req->body);
	free(subject);
	free(body);
	mail_envelope(req, hook->mail);
	return render_url(hook, scope, req, err);
}

int hook_render(const struct pb_hook *hook, const struct template_scope *scope, const char *webhook_id,
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
	/* The receiver's clock, never RELCTL_NOW: receivers refuse stale timestamps. */
	req->timestamp = time(NULL);
	req->timeout = hook->timeout;
	req->connect_timeout = hook->connect_timeout;
	req->retries = hook->retries;
	if (hook->ca_file)
		req->ca_file = xstrdup(hook->ca_file);
	else if (getenv("SSL_CERT_FILE") && getenv("SSL_CERT_FILE")[0])
		req->ca_file = xstrdup(getenv("SSL_CERT_FILE"));
	if (hook->mail)
		return render_mail(hook, scope, req, err);
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
	if (render_url(hook, scope, req, err) != 0)
		return -1;
	for (i = 0; i < hook->header_count; i++) {
		if (render_header(&hook->headers[i], hook, req, err) != 0)
			return -1;
		if (strcasecmp(hook->headers[i].name, "content-type") == 0)
			has_type = true;
	}
	if (!has_type)
		add_header(req, "Content-Type",
			   xstrdup(hook->content_type ? hook->content_type
					: hook->body_json ? "application/json" : "text/plain; charset=utf-8"));
	add_header(req, "Idempotency-Key", xstrdup(webhook_id));
	add_header(req, "webhook-id", xstrdup(webhook_id));
	add_header(req, "webhook-timestamp", xasprintf("%ld", (long)req->timestamp));
	if (hook->secret_env) {
		secret_value = getenv(hook->secret_env);
		if (secret_value == NULL || secret_value[0] == '\0')
			return error_set(err, EXIT_CONFIG, "hook \"%s\" is signed with the secret in %s, which is not set",
					 hook->id, hook->secret_env);
		template_secret_add(&req->secrets, secret_value);
		if (strncmp(secret_value, "whsec_", 6) == 0)
			template_secret_add(&req->secrets, secret_value + 6);
		req->signing_secret = xstrdup(secret_value);
		req->github = strcmp(hook->signing, "github") == 0;
		if (req->github) {
			if (hook_sign_github(secret_value, req->body, req->body_len, &signature, err) != 0)
				return -1;
			add_header(req, "X-Hub-Signature-256", signature);
		} else {
			if (hook_sign_standard(secret_value, webhook_id, req->timestamp, req->body, req->body_len,
					       &signature, err) != 0)
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
		free(req->headers[i].shown);
	}
	free(req->body);
	free(req->webhook_id);
	free(req->ca_file);
	free(req->mail_from);
	for (i = 0; i < req->recipient_count; i++)
		free(req->recipients[i]);
	free(req->recipients);
	free(req->message_id);
	if (req->signing_secret) {
		memset(req->signing_secret, 0, strlen(req->signing_secret));
		free(req->signing_secret);
	}
	template_secrets_release(&req->secrets);
	memset(req, 0, sizeof(*req));
}

char *hook_mask(const struct hook_request *req, const char *text)
{
	return template_mask(&req->secrets, text);
}

char *hook_request_text(const struct hook_request *req)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	if (req->mail) {
		const char *p;

		buf_addf(&b, "SMTP %s (%s)\nMAIL FROM:<%s>\n", req->url_shown,
			 strncmp(req->url, "smtps://", 8) == 0 ? "TLS" : req->tls_none ? "no TLS: tls: none" : "STARTTLS required",
			 req->mail_from ? req->mail_from : "");
		for (i = 0; i < req->recipient_count; i++)
			buf_addf(&b, "RCPT TO:<%s>\n", req->recipients[i]);
		buf_adds(&b, "\n");
		/* The message as sent, its CRLFs shown as line ends. */
		for (p = req->body; *p; p++)
			if (!(p[0] == '\r' && p[1] == '\n'))
				buf_addc(&b, *p);
	} else {
		buf_addf(&b, "%s %s\n", req->method, req->url_shown);
		for (i = 0; i < req->header_count; i++) {
			/* A header made without a shown form still hides every secret it holds. */
			char *value = req->headers[i].shown ? xstrdup(req->headers[i].shown)
							     : hook_mask(req, req->headers[i].value);

			buf_addf(&b, "%s: %s\n", req->headers[i].name, value);
			free(value);
		}
		buf_addf(&b, "\n%s\n", req->body);
	}
	return buf_detach(&b);
}

const char *hook_protocol(const struct hook_request *req)
{
	return req->mail ? "SMTP" : "HTTP";
}

/* ---------- sending ---------- */

/*
 * A retry goes out later than the first attempt; Standard Webhooks receivers
 * refuse timestamps more than a few minutes off their clock, so each attempt
 * is stamped with the wall clock and signed anew (the webhook-id stays the
 * same).
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

		headers = libcurl.slist_append(headers, line);
		free(line);
	}
	return libcurl.slist_append(headers, "Expect:");
}

/* One attempt's exchange: the message going up (mail), what came back. */
struct transfer {
	struct buf reply;   /* HTTP: the start of the body; SMTP: the server's last reply line */
	const char *upload; /* SMTP: the message */
	size_t upload_len, upload_pos;
	bool quitting;      /* SMTP: QUIT was sent; its 221 is not the answer */
	size_t max;         /* HTTP: bytes of the body kept */
};

static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * count;

	if (t->reply.len < t->max)
		buf_add(&t->reply, data, n < t->max - t->reply.len ? n : t->max - t->reply.len);
	return n;
}

static size_t on_upload(char *dest, size_t size, size_t count, void *userdata)
{
	struct transfer *t = userdata;
	size_t n = size * count, left = t->upload_len - t->upload_pos;

	if (n > left)
		n = left;
	memcpy(dest, t->upload + t->upload_pos, n);
	t->upload_pos += n;
	return n;
}

/* SMTP replies reach us only through the debug callback: keep the last one. */
static int on_smtp_line(CURL *curl, curl_infotype type, char *data, size_t size, void *userdata)
{
	struct transfer *t = userdata;

	(void)curl;
	if (type == CURLINFO_HEADER_OUT && size >= 4 && strncasecmp(data, "QUIT", 4) == 0)
		t->quitting = true;
	if (type != CURLINFO_HEADER_IN || t->quitting)
		return 0;
	while (size > 0 && (data[size - 1] == '\n' || data[size - 1] == '\r'))
		size--;
	buf_reset(&t->reply);
	buf_add(&t->reply, data, size < HOOK_EXCERPT_BYTES ? size : HOOK_EXCERPT_BYTES);
	return 0;
}

/* HTTP: 408, 429 and 5xx but 501 and 505.  SMTP: the transient 4xx replies; 5xx is permanent. */
static bool retryable_status(const struct hook_request *req, long status)
{
	if (req->mail)
		return status >= 400 && status < 500;
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

/*
 * One attempt.  An HTTP status counts when the exchange completed; an SMTP
 * reply of 4xx or 5xx counts even though libcurl reports the refusal as an
 * error (the 250 of an EHLO before a failed STARTTLS does not).
 */
static CURLcode attempt_once(CURL *curl, const struct hook_request *req, struct hook_attempt *a, struct transfer *t,
			     char *errbuf)
{
	CURLcode code;
	curl_off_t retry_after = 0, pretransfer = 0;
	long reply = 0;

	buf_reset(&t->reply);
	t->upload_pos = 0;
	t->quitting = false;
	errbuf[0] = '\0';
	clock_now(&a->at);
	code = libcurl.easy_perform(curl);
	libcurl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
	if (code == CURLE_OK || (req->mail && reply >= 400)) {
		a->status = reply;
		/* libcurl 7.88 can report a negative Retry-After; clamp it. */
		if (!req->mail && libcurl.easy_getinfo(curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after > 0)
			a->retry_after = retry_after > 60 ? 60 : (long)retry_after;
		return code;
	}
	libcurl.easy_getinfo(curl, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
	a->maybe_sent = pretransfer > 0 && (code == CURLE_OPERATION_TIMEDOUT || code == CURLE_RECV_ERROR ||
					    code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE);
	if (req->mail && code == CURLE_USE_SSL_FAILED)
		a->error = xstrdup("the mail server does not offer STARTTLS, and relctl sends mail over TLS only "
				   "(\"tls: none\" allows a local relay without it)");
	else
		a->error = xstrdup(errbuf[0] ? errbuf : libcurl.easy_strerror(code));
	a->status = 0;
	/* A mail server's last line before a failure of ours (the 250 of EHLO) is not its answer. */
	if (req->mail)
		buf_reset(&t->reply);
	return code;
}

static void setup_http(CURL *curl, struct hook_request *req, struct transfer *t)
{
	libcurl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	libcurl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	libcurl.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	/* A HEAD answer has no body to wait for; every other method but GET carries ours. */
	if (strcmp(req->method, "HEAD") == 0) {
		libcurl.easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") != 0) {
		libcurl.easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		libcurl.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
	}
	libcurl.easy_setopt(curl, CURLOPT_USERAGENT, "relctl/" "0.1");
	libcurl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	libcurl.easy_setopt(curl, CURLOPT_WRITEDATA, t);
}

/* The envelope and the message; the caller frees *rcpt. */
static void setup_mail(CURL *curl, struct hook_request *req, struct transfer *t, struct curl_slist **rcpt)
{
	char *from = xasprintf("<%s>", req->mail_from ? req->mail_from : "");
	size_t i;

	libcurl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	libcurl.easy_setopt(curl, CURLOPT_USE_SSL, (long)(req->tls_none ? CURLUSESSL_NONE : CURLUSESSL_ALL));
	libcurl.easy_setopt(curl, CURLOPT_MAIL_FROM, from);
	free(from);
	for (i = 0; i < req->recipient_count; i++) {
		char *to = xasprintf("<%s>", req->recipients[i]);

		*rcpt = libcurl.slist_append(*rcpt, to);
		free(to);
	}
	libcurl.easy_setopt(curl, CURLOPT_MAIL_RCPT, *rcpt);
	t->upload = req->body;
	t->upload_len = req->body_len;
	libcurl.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	libcurl.easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
	libcurl.easy_setopt(curl, CURLOPT_READFUNCTION, on_upload);
	libcurl.easy_setopt(curl, CURLOPT_READDATA, t);
	libcurl.easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	libcurl.easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_smtp_line);
	libcurl.easy_setopt(curl, CURLOPT_DEBUGDATA, t);
}

int hook_send(struct hook_request *req, struct hook_result *res, struct error *err)
{
	struct curl_slist *headers = NULL, *rcpt = NULL;
	struct transfer t;
	char errbuf[CURL_ERROR_SIZE];
	CURL *curl;
	size_t i, max = (size_t)req->retries + 1;

	memset(res, 0, sizeof(*res));
	memset(&t, 0, sizeof(t));
	if (max > sizeof(res->attempts) / sizeof(res->attempts[0]))
		max = sizeof(res->attempts) / sizeof(res->attempts[0]);
	if (library_load(&curl_library, err) != 0)
		return -1;
	if (libcurl.global_init(CURL_GLOBAL_DEFAULT) != 0)
		return error_set(err, EXIT_SOFTWARE, "cannot start libcurl");
	curl = libcurl.easy_init();
	if (curl == NULL) {
		libcurl.global_cleanup();
		return error_set(err, EXIT_SOFTWARE, "cannot start libcurl");
	}
	buf_init(&t.reply);
	t.max = req->answer_max > HOOK_EXCERPT_BYTES ? req->answer_max : HOOK_EXCERPT_BYTES;
	libcurl.easy_setopt(curl, CURLOPT_URL, req->url);
	libcurl.easy_setopt(curl, CURLOPT_TIMEOUT, req->timeout);
	libcurl.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, req->connect_timeout);
	libcurl.easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	libcurl.easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (req->ca_file)
		libcurl.easy_setopt(curl, CURLOPT_CAINFO, req->ca_file);
	libcurl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	libcurl.easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	if (req->mail)
		setup_mail(curl, req, &t, &rcpt);
	else
		setup_http(curl, req, &t);
	for (i = 0; i < max; i++) {
		struct hook_attempt *a = &res->attempts[res->attempt_count++];
		CURLcode code;
		bool again;

		if (!req->mail) {
			libcurl.slist_free_all(headers);
			headers = attempt_headers(req, time(NULL));
			libcurl.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		}
		code = attempt_once(curl, req, a, &t, errbuf);

		if (a->status >= 200 && a->status < 300)
			break;
		/* 410 Gone, other 4xx and SMTP's 5xx are answers, not accidents: no retry. */
		again = a->status ? retryable_status(req, a->status) : retryable_error(code);
		if (!again || i + 1 == max)
			break;
		usleep((useconds_t)backoff_ms(i + 1, a->retry_after) * 1000u);
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
		shown = printable(t.reply.data, t.reply.len < HOOK_EXCERPT_BYTES ? t.reply.len : HOOK_EXCERPT_BYTES);
		res->excerpt = hook_mask(req, shown);
		free(shown);
		if (req->answer_max)
			res->answer = xstrndup(t.reply.data ? t.reply.data : "", t.reply.len);
	}
	buf_release(&t.reply);
	libcurl.slist_free_all(headers);
	libcurl.slist_free_all(rcpt);
	libcurl.easy_cleanup(curl);
	libcurl.global_cleanup();
	return 0;
}

void hook_result_release(struct hook_result *res)
{
	size_t i;

	for (i = 0; i < res->attempt_count; i++)
		free(res->attempts[i].error);
	free(res->excerpt);
	free(res->answer);
	memset(res, 0, sizeof(*res));
}

const char *hook_outcome_name(enum hook_outcome outcome)
{
	static const char *const names[] = { "delivered", "failed", "unknown" };

	return names[outcome];
}

cJSON *hook_dry_run_json(const struct hook_request *req)
{
	struct hook_result none;
	char *text = hook_request_text(req);
	cJSON *o;

	/* A result with no attempt, whose outcome is the dry run. */
	memset(&none, 0, sizeof(none));
	o = hook_result_json(req, &none);
	cJSON_ReplaceItemInObjectCaseSensitive(o, "outcome", cJSON_CreateString("dry-run"));
	/* The event holds at most 64 KiB: a long body is cut, on a character boundary. */
	if (strlen(text) > HOOK_DRY_RUN_BYTES) {
		size_t cut = HOOK_DRY_RUN_BYTES, rest;
		char *shown;

		while (cut > 0 && ((unsigned char)text[cut] & 0xc0) == 0x80)
			cut--;
		rest = strlen(text) - cut;
		text[cut] = '\0';
		shown = xasprintf("%s\n... (%zu bytes more)", text, rest);
		free(text);
		text = shown;
	}
	cJSON_AddStringToObject(o, "request", text);
	free(text);
	return o;
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
	if (req->message_id)
		cJSON_AddStringToObject(o, "message_id", req->message_id);
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

/*
 * Hook signing against the schemes' published vectors, templates, masking,
 * and the exact request hook_render builds.
 *
 * The template tests use a release of a small playbook (parsed with
 * playbook_parse, started and played with ledger_apply) and a temporary work
 * tree for {{file:...}}.  hook_render reads ${ENV} from the environment:
 * the tests set RELCTL_T_* variables and unset them afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cJSON.h"
#include "buf.h"
#include "crypto.h"
#include "hook.h"
#include "ledger.h"
#include "playbook.h"
#include "event.h"
#include "work_tree.h"

/* Standard Webhooks' own test vector (the scheme's reference libraries use it). */
static void standard_webhooks_signature_matches_the_published_vector(void **state)
{
	const char *body = "{\"test\": 2432232314}";
	struct error err;
	char *sig = NULL;

	(void)state;
	assert_int_equal(hook_sign_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
					    1614265330, body, strlen(body), &sig, &err),
			 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(sig);
}

/* GitHub's documented example for X-Hub-Signature-256. */
static void github_signature_matches_the_documented_vector(void **state)
{
	struct error err;
	char *sig = NULL;

	(void)state;
	assert_int_equal(hook_sign_github("It's a Secret to Everybody", "Hello, World!", 13, &sig, &err), 0);
	assert_string_equal(sig, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
	free(sig);
}

static void a_secret_without_whsec_prefix_is_refused(void **state)
{
	struct error err;
	char *sig = NULL;

	(void)state;
	assert_int_equal(hook_sign_standard("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg", 1, "x", 1, &sig, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_null(sig);
}

static void webhook_id_is_stable_and_distinct(void **state)
{
	char *a = hook_webhook_id("2.6.3", 1, "publish-changelog", 0, "changelog");
	char *b = hook_webhook_id("2.6.3", 1, "publish-changelog", 0, "changelog");
	char *c = hook_webhook_id("2.6.3", 2, "publish-changelog", 0, "changelog");
	char *d = hook_webhook_id("2.6.3", 1, "publish-changelog", 1, "changelog");
	char *e = hook_webhook_id("2.6.3", 1, "publish-changelog", 1, "changelog");

	(void)state;
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_string_not_equal(a, d);
	assert_string_not_equal(c, d);
	assert_string_equal(d, e);
	free(d);
	free(e);
	assert_int_equal(strncmp(a, "msg_", 4), 0);
	assert_int_equal(strlen(a), 36);
	free(a);
	free(b);
	free(c);
}

static void base64_round_trips(void **state)
{
	const unsigned char data[] = { 0, 1, 2, 250, 251, 255, 'a' };
	char *text = base64_encode(data, sizeof(data));
	unsigned char *back;
	size_t len = 0;

	(void)state;
	back = base64_decode(text, &len);
	assert_non_null(back);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	assert_null(base64_decode("abc", &len));
	free(text);
	free(back);
}


/* ---------- a release and a work tree for templates ---------- */

static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Unit Pro\n"
	"roles: [release-manager, dev]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"vars:\n"
	"  advisory: {type: bool, default: false}\n"
	"  codename: {type: string, default: none}\n"
	"  build: {type: number, default: 7}\n"
	"hooks:\n"
	"  changelog:\n"
	"    url: \"${RELCTL_T_URL}/api/changelog\"\n"
	"    method: PUT\n"
	"    headers: {Authorization: \"Bearer ${RELCTL_T_TOKEN}\", X-Product: unit}\n"
	"    body:\n"
	"      version: \"{{release.version}}\"\n"
	"      codename: \"{{vars.codename}}\"\n"
	"      markdown: \"{{file:changelog/{{release.version}}.md}}\"\n"
	"      count: 3\n"
	"      final: true\n"
	"      tags: [\"v{{release.version}}\", plain]\n"
	"    secret_env: RELCTL_T_SECRET\n"
	"    timeout: 7s\n"
	"    connect_timeout: 2s\n"
	"    retries: 3\n"
	"  text:\n"
	"    url: \"http://127.0.0.1:9/text\"\n"
	"    body: \"Release {{release.version}} rc{{release.candidate}}\"\n"
	"  typed:\n"
	"    url: \"http://127.0.0.1:9/typed\"\n"
	"    body: \"# {{release.name}}\"\n"
	"    content_type: text/markdown\n"
	"  own-type:\n"
	"    url: \"http://127.0.0.1:9/own\"\n"
	"    headers: {content-type: application/vnd.unit+json}\n"
	"    body: {a: b}\n"
	"  github:\n"
	"    url: \"http://127.0.0.1:9/github\"\n"
	"    body: \"{{release.version}}\"\n"
	"    secret_env: RELCTL_T_GITHUB\n"
	"    signing: github\n"
	"  typo:\n"
	"    url: \"${RELCTL_T_UNSET}/typo\"\n"
	"    body: {v: \"{{release.verison}}\"}\n"
	"  mail:\n"
	"    url: \"smtp://announce:${RELCTL_T_SMTP_PASSWORD}@127.0.0.1:2525\"\n"
	"    mail:\n"
	"      from: \"Unit Pro <releases@unit.example>\"\n"
	"      to: [list@lists.unit.example, \"Rita <rita@example.com>\"]\n"
	"      cc: [RITA@example.com, cc@example.net]\n"
	"      reply_to: support@unit.example\n"
	"      subject: \"{{release.name}} {{release.version}}: {{vars.codename}}\"\n"
	"    body: \"{{file:changelog/{{release.version}}.md}}\"\n"
	"    retries: 2\n"
	"  relay:\n"
	"    url: \"${RELCTL_T_SMTP_URL}\"\n"
	"    tls: none\n"
	"    mail: {from: releases@unit.example, to: list@lists.unit.example, subject: \"{{release.version}}\"}\n"
	"  from-env:\n"
	"    url: \"${RELCTL_T_URL}\"\n"
	"    headers: {Authorization: \"Bearer ${RELCTL_T_TOKEN}\"}\n"
	"    body: {v: \"{{release.version}}\"}\n"
	"phases:\n"
	"  - id: only\n"
	"    steps:\n"
	"      - {id: build-rc, title: Build, owner: dev, instructions: Build it.}\n"
	"      - {id: notes, title: Notes, owner: dev, instructions: Write them.}\n"
	"      - {id: publish, title: Publish, kind: hook, hook: changelog, owner: release-manager, needs: [build-rc]}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

/* The candidate relctl writes in every event: rc1, where these releases stay. */
static cJSON *in_rc1(cJSON *e)
{
	cJSON_AddNumberToObject(e, "candidate", 1);
	return e;
}
#define SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define TOKEN "tok-3b1f0c9e-unit-token"
#define SMTP_PASSWORD "smtp-pw-7f3e9a1c"

struct world {
	struct playbook *pb;
	struct release_state *st;
	char dir[64];
	struct template_scope scope;
};

static struct world world;

static void apply_ok(struct release_state *st, cJSON *event)
{
	struct error err = { 0, "" };

	if (ledger_apply(st, event, &err) != 0)
		fail_msg("refused (%d): %s", err.code, err.message);
	cJSON_Delete(event);
}

/* The changelog holds JSON's troublemakers, and a {{...}} that is only text. */
static const char changelog_text[] =
	"# 2.6.3\n\n- Fixed the \"static IP\" page\n- C:\\TinyPilot\\logs stays\n\t- tab, ünïcödé ✓\n"
	"- {{release.version}} here is text\n";

static int world_setup(void **state)
{
	struct diagnostics diags;
	struct error err = { 0, "" };
	char path[128];
	cJSON *e;

	(void)state;
	diagnostics_init(&diags, "unit.yaml");
	world.pb = playbook_parse(playbook_yaml, strlen(playbook_yaml), &diags);
	if (world.pb == NULL) {
		size_t i;

		for (i = 0; i < diags.count; i++) {
			char *line = diagnostic_format(&diags, &diags.items[i]);

			print_error("%s\n", line);
			free(line);
		}
	}
	diagnostics_release(&diags);
	if (world.pb == NULL)
		return -1;
	world.st = release_state_new(world.pb, "2.6.3");
	e = in_rc1(ledger_event_new("e001", T0, "rita", "start", NULL));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "vars"), "codename", "he said \"hi\"\nC:\\dir\t\x01");
	if (ledger_apply(world.st, e, &err) != 0) {
		print_error("start refused: %s\n", err.message);
		cJSON_Delete(e);
		return -1;
	}
	cJSON_Delete(e);
	apply_ok(world.st, in_rc1(ledger_event_new("e002", T0 + 60, "dan", "claim", "notes")));
	e = in_rc1(ledger_event_new("e003", T0 + 120, "dan", "done", "notes"));
	cJSON_AddStringToObject(e, "note", "all \"green\"");
	{
		cJSON *ev = cJSON_AddArrayToObject(e, "evidence");

		cJSON_AddItemToArray(ev, cJSON_CreateString("https://ci.example.com/1"));
		cJSON_AddItemToArray(ev, cJSON_CreateString("https://ci.example.com/2"));
	}
	apply_ok(world.st, e);

	snprintf(world.dir, sizeof(world.dir), "/tmp/relctl-test-hook-XXXXXX");
	if (mkdtemp(world.dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/changelog", world.dir);
	mkdir(path, 0700);
	write_file(world.dir, "changelog/2.6.3.md", changelog_text);
	write_file(world.dir, "secret.txt", "outside the tree\n");
	world.scope.st = world.st;
	world.scope.workdir = world.dir;
	world.scope.ready_steps = NULL;
	world.scope.ready_message = NULL;
	return 0;
}

static int world_teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/changelog/2.6.3.md", world.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/changelog", world.dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/secret.txt", world.dir);
	unlink(path);
	rmdir(world.dir);
	release_state_free(world.st);
	playbook_free(world.pb);
	return 0;
}

static void unset_env(void)
{
	unsetenv("RELCTL_T_URL");
	unsetenv("RELCTL_T_TOKEN");
	unsetenv("RELCTL_T_SECRET");
	unsetenv("RELCTL_T_GITHUB");
	unsetenv("RELCTL_T_UNSET");
	unsetenv("RELCTL_T_SMTP_PASSWORD");
	unsetenv("RELCTL_T_SMTP_URL");
}

static void set_env(void)
{
	setenv("RELCTL_T_URL", "https://cms.example.com", 1);
	setenv("RELCTL_T_TOKEN", TOKEN, 1);
	setenv("RELCTL_T_SECRET", SECRET, 1);
	setenv("RELCTL_T_GITHUB", "It's a Secret to Everybody", 1);
	setenv("RELCTL_T_SMTP_PASSWORD", SMTP_PASSWORD, 1);
	setenv("RELCTL_T_SMTP_URL", "smtp://127.0.0.1:2525", 1);
}

static int env_setup(void **state)
{
	(void)state;
	set_env();
	return 0;
}

static int env_teardown(void **state)
{
	(void)state;
	unset_env();
	return 0;
}

#define assert_expands(text, want)                                                  \
	do {                                                                        \
		struct error err_ = { 0, "" };                                      \
		char *got_ = template_expand((text), &world.scope, &err_);          \
		if (got_ == NULL)                                                   \
			fail_msg("%s: refused (%d): %s", (text), err_.code, err_.message); \
		assert_string_equal(got_, (want));                                  \
		free(got_);                                                         \
	} while (0)

/* Refused with code and a message containing part. */
#define assert_refused(text, want_code, part)                                            \
	do {                                                                        \
		struct error err_ = { 0, "" };                                      \
		char *got_ = template_expand((text), &world.scope, &err_);          \
		if (got_ != NULL)                                                   \
			fail_msg("%s: expanded to \"%s\"", (text), got_);           \
		assert_int_equal(err_.code, (want_code));                           \
		if (strstr(err_.message, (part)) == NULL)                           \
			fail_msg("%s: \"%s\" lacks \"%s\"", (text), err_.message, (part)); \
	} while (0)

static const struct pb_hook *hook_named(const char *id)
{
	const struct pb_hook *h = playbook_hook(world.pb, id);

	assert_non_null(h);
	return h;
}

static const char *header(const struct hook_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->header_count; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

static size_t header_count(const struct hook_request *req, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < req->header_count; i++)
		n += strcasecmp(req->headers[i].name, name) == 0;
	return n;
}

/* ---------- template_expand ---------- */

static void templates_expand_every_known_name(void **state)
{
	(void)state;
	assert_expands("{{release.version}}", "2.6.3");
	assert_expands("{{release.candidate}}", "1");
	assert_expands("{{release.name}}", "Unit Pro");
	assert_expands("{{vars.codename}}", "he said \"hi\"\nC:\\dir\t\x01");
	assert_expands("{{vars.advisory}}", "false");
	assert_expands("{{vars.build}}", "7");
	assert_expands("{{steps.notes.note}}", "all \"green\"");
	assert_expands("{{steps.notes.evidence}}", "https://ci.example.com/1\nhttps://ci.example.com/2");
	assert_expands("{{steps.build-rc.note}}", "");
	assert_expands("{{steps.build-rc.evidence}}", "");
	assert_expands("{{file:changelog/2.6.3.md}}", changelog_text);
}

/* A number var is written as the number it is, not in %g's 6 digits. */
static void a_number_var_expands_to_all_its_digits(void **state)
{
	static const struct {
		double value;
		const char *text;
	} cases[] = { { 1234567, "1234567" }, { 20240319, "20240319" }, { 2.5, "2.5" }, { -3, "-3" }, { 0, "0" } };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct release_state *st = release_state_new(world.pb, "9.9.9");
		struct template_scope scope = { st, world.dir, NULL, NULL };
		cJSON *e = in_rc1(ledger_event_new("e001", T0, "rita", "start", NULL));
		struct error err = { 0, "" };
		char *got;

		cJSON_AddNumberToObject(cJSON_AddObjectToObject(e, "vars"), "build", cases[i].value);
		apply_ok(st, e);
		got = template_expand("{{vars.build}}", &scope, &err);
		assert_non_null(got);
		assert_string_equal(got, cases[i].text);
		free(got);
		release_state_free(st);
	}
}

static void templates_keep_the_text_around_them_and_allow_spaces(void **state)
{
	(void)state;
	assert_expands("", "");
	assert_expands("no templates here, {single} braces and } stay", "no templates here, {single} braces and } stay");
	assert_expands("v{{release.version}}-rc{{release.candidate}}!", "v2.6.3-rc1!");
	assert_expands("{{ release.version }}", "2.6.3");
	assert_expands("{{release.version}}{{release.version}}", "2.6.32.6.3");
}

static void a_file_template_may_hold_templates_and_its_content_is_not_expanded(void **state)
{
	(void)state;
	assert_expands("{{file:changelog/{{release.version}}.md}}", changelog_text);
	assert_expands("[{{file:changelog/{{ release.version }}.md}}]",
		       "[# 2.6.3\n\n- Fixed the \"static IP\" page\n- C:\\TinyPilot\\logs stays\n\t- tab, ünïcödé ✓\n"
		       "- {{release.version}} here is text\n]");
}

static void an_unknown_template_name_is_an_error_not_empty_text(void **state)
{
	(void)state;
	assert_refused("{{release.verison}}", EXIT_DATAERR, "unknown template {{release.verison}}");
	assert_refused("x {{vars.nope}} y", EXIT_DATAERR, "vars.nope");
	assert_refused("{{steps.notes.notes}}", EXIT_DATAERR, "steps.notes.notes");
	assert_refused("{{steps.nope.note}}", EXIT_DATAERR, "steps.nope.note");
	assert_refused("{{steps.notes}}", EXIT_DATAERR, "unknown template");
	assert_refused("{{}}", EXIT_DATAERR, "unknown template");
	assert_refused("{{release}}", EXIT_DATAERR, "unknown template");
	assert_refused("{{env.HOME}}", EXIT_DATAERR, "unknown template");
	assert_refused("{{release.version", EXIT_DATAERR, "unclosed template");
	assert_refused("{{file:changelog/{{release.nope}}.md}}", EXIT_DATAERR, "release.nope");
	/* Notification names exist only in the notify hook. */
	assert_refused("{{ready.steps}}", EXIT_DATAERR, "notify hook");
	assert_refused("{{ready.message}}", EXIT_DATAERR, "notify hook");
}

static void a_file_template_cannot_leave_the_work_tree(void **state)
{
	(void)state;
	assert_refused("{{file:../x}}", EXIT_DATAERR, "must name a file inside the repository");
	assert_refused("{{file:changelog/../../secret.txt}}", EXIT_DATAERR, "inside the repository");
	assert_refused("{{file:/etc/passwd}}", EXIT_DATAERR, "inside the repository");
	assert_refused("{{file:}}", EXIT_DATAERR, "inside the repository");
	assert_refused("{{file:changelog/9.9.9.md}}", EXIT_NOINPUT, "changelog/9.9.9.md");
	/* Inside the tree is fine. */
	assert_expands("{{file:secret.txt}}", "outside the tree\n");
}

/* ---------- hook_mask ---------- */

static void hook_mask_replaces_every_secret_everywhere(void **state)
{
	char *secrets[] = { "tok-AAAA-1234", SECRET, SECRET + 6, "abc" };
	struct hook_request req;
	char *out;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.secrets.values = secrets;
	req.secrets.count = 4;
	out = hook_mask(&req, "Bearer tok-AAAA-1234, again tok-AAAA-1234; key " SECRET " raw MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.");
	assert_string_equal(out, "Bearer ***, again ***; key *** raw ***.");
	free(out);
	/* Too short to mask safely: "abc" is left alone. */
	out = hook_mask(&req, "abcdef");
	assert_string_equal(out, "abcdef");
	free(out);
	out = hook_mask(&req, "");
	assert_string_equal(out, "");
	free(out);
	out = hook_mask(&req, "nothing secret");
	assert_string_equal(out, "nothing secret");
	free(out);
}

static void hook_mask_without_secrets_copies(void **state)
{
	struct hook_request req;
	char *out;

	(void)state;
	memset(&req, 0, sizeof(req));
	out = hook_mask(&req, "as is");
	assert_string_equal(out, "as is");
	free(out);
}

/* ---------- hook_render ---------- */

static void hook_render_builds_the_signed_request(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };
	char *id = hook_webhook_id("2.6.3", 1, "publish", 0, "changelog"), *sig = NULL;

	time_t before, after;
	char stamp[32];

	(void)state;
	/* The ledger's clock is fixed in 2024; the receiver's is not. */
	setenv("RELCTL_NOW", "2024-03-19T10:00:00Z", 1);
	before = time(NULL);
	if (hook_render(hook_named("changelog"), &world.scope, id, &req, &err) != 0)
		fail_msg("refused (%d): %s", err.code, err.message);
	after = time(NULL);
	unsetenv("RELCTL_NOW");
	assert_string_equal(req.hook, "changelog");
	assert_string_equal(req.method, "PUT");
	assert_string_equal(req.url, "https://cms.example.com/api/changelog");
	assert_string_equal(req.webhook_id, id);
	assert_true(req.timestamp >= before && req.timestamp <= after);
	assert_int_equal(req.timeout, 7);
	assert_int_equal(req.connect_timeout, 2);
	assert_int_equal(req.retries, 3);
	assert_string_equal(header(&req, "Authorization"), "Bearer " TOKEN);
	assert_string_equal(header(&req, "X-Product"), "unit");
	assert_string_equal(header(&req, "Content-Type"), "application/json");
	assert_string_equal(header(&req, "Idempotency-Key"), id);
	assert_string_equal(header(&req, "webhook-id"), id);
	snprintf(stamp, sizeof(stamp), "%ld", (long)req.timestamp);
	assert_string_equal(header(&req, "webhook-timestamp"), stamp);
	assert_null(header(&req, "X-Hub-Signature-256"));
	/* The signature is the Standard Webhooks one of exactly this body. */
	assert_int_equal(strlen(req.body), req.body_len);
	assert_int_equal(hook_sign_standard(SECRET, id, req.timestamp, req.body, req.body_len, &sig, &err), 0);
	assert_string_equal(header(&req, "webhook-signature"), sig);
	free(sig);
	free(id);
	hook_request_release(&req);
}

static void hook_render_builds_json_with_cjson_so_no_value_breaks_it(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };
	cJSON *body, *tags;

	(void)state;
	assert_int_equal(hook_render(hook_named("changelog"), &world.scope, "msg_x", &req, &err), 0);
	body = cJSON_Parse(req.body);
	assert_non_null(body);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(body, "version")->valuestring, "2.6.3");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(body, "codename")->valuestring, "he said \"hi\"\nC:\\dir\t\x01");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(body, "markdown")->valuestring, changelog_text);
	/* Values that are not templates keep their JSON types. */
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(body, "count")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(body, "count")->valueint, 3);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "final")));
	tags = cJSON_GetObjectItemCaseSensitive(body, "tags");
	assert_int_equal(cJSON_GetArraySize(tags), 2);
	assert_string_equal(cJSON_GetArrayItem(tags, 0)->valuestring, "v2.6.3");
	assert_string_equal(cJSON_GetArrayItem(tags, 1)->valuestring, "plain");
	/* Quotes, backslashes and control characters are escaped, never raw. */
	assert_non_null(strstr(req.body, "he said \\\"hi\\\"\\nC:\\\\dir\\t\\u0001"));
	assert_null(strchr(req.body, '\n'));
	cJSON_Delete(body);
	hook_request_release(&req);
}

static void hook_render_content_type_follows_the_body_or_the_hook(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };

	(void)state;
	assert_int_equal(hook_render(hook_named("text"), &world.scope, "msg_t", &req, &err), 0);
	assert_string_equal(req.body, "Release 2.6.3 rc1");
	assert_string_equal(header(&req, "Content-Type"), "text/plain; charset=utf-8");
	assert_string_equal(req.method, "POST");
	/* Unsigned: no signature header, but the id is still sent. */
	assert_null(header(&req, "webhook-signature"));
	assert_string_equal(header(&req, "Idempotency-Key"), "msg_t");
	hook_request_release(&req);

	assert_int_equal(hook_render(hook_named("typed"), &world.scope, "msg_t", &req, &err), 0);
	assert_string_equal(req.body, "# Unit Pro");
	assert_string_equal(header(&req, "Content-Type"), "text/markdown");
	hook_request_release(&req);

	/* A Content-Type among the headers wins, and is sent once. */
	assert_int_equal(hook_render(hook_named("own-type"), &world.scope, "msg_t", &req, &err), 0);
	assert_string_equal(header(&req, "Content-Type"), "application/vnd.unit+json");
	assert_int_equal(header_count(&req, "Content-Type"), 1);
	hook_request_release(&req);
}

static void hook_render_signs_the_github_way_when_asked(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };
	char *sig = NULL;

	(void)state;
	assert_int_equal(hook_render(hook_named("github"), &world.scope, "msg_g", &req, &err), 0);
	assert_int_equal(hook_sign_github("It's a Secret to Everybody", "2.6.3", 5, &sig, &err), 0);
	assert_string_equal(header(&req, "X-Hub-Signature-256"), sig);
	assert_null(header(&req, "webhook-signature"));
	free(sig);
	hook_request_release(&req);
}

static void hook_render_refuses_an_unset_env_with_78_naming_it_and_nothing_else(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };

	(void)state;
	/* The url's variable. */
	unsetenv("RELCTL_T_URL");
	assert_int_equal(hook_render(hook_named("from-env"), &world.scope, "msg_e", &req, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_non_null(strstr(err.message, "RELCTL_T_URL"));
	hook_request_release(&req);
	set_env();

	/* A header's variable: the message names it and shows no other value. */
	unsetenv("RELCTL_T_TOKEN");
	assert_int_equal(hook_render(hook_named("changelog"), &world.scope, "msg_e", &req, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_non_null(strstr(err.message, "RELCTL_T_TOKEN"));
	assert_null(strstr(err.message, "cms.example.com"));
	assert_null(strstr(err.message, SECRET + 6));
	hook_request_release(&req);
	set_env();

	/* An empty value counts as unset. */
	setenv("RELCTL_T_TOKEN", "", 1);
	assert_int_equal(hook_render(hook_named("changelog"), &world.scope, "msg_e", &req, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	hook_request_release(&req);
	set_env();

	/* The signing secret's variable. */
	unsetenv("RELCTL_T_SECRET");
	assert_int_equal(hook_render(hook_named("changelog"), &world.scope, "msg_e", &req, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_non_null(strstr(err.message, "RELCTL_T_SECRET"));
	assert_null(strstr(err.message, TOKEN));
	hook_request_release(&req);

	/* A secret not in whsec_ form: refused without being shown. */
	setenv("RELCTL_T_SECRET", "plain-secret-value-xyz", 1);
	assert_int_equal(hook_render(hook_named("changelog"), &world.scope, "msg_e", &req, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_null(strstr(err.message, "plain-secret-value-xyz"));
	assert_null(strstr(err.message, TOKEN));
	hook_request_release(&req);
	set_env();
}

static void hook_render_checks_templates_before_reading_the_environment(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };

	(void)state;
	/* typo's url needs an unset variable, but the template error comes first. */
	assert_int_equal(hook_render(hook_named("typo"), &world.scope, "msg_e", &req, &err), -1);
	assert_int_equal(err.code, EXIT_DATAERR);
	assert_non_null(strstr(err.message, "release.verison"));
	assert_int_equal(req.secrets.count, 0);
	hook_request_release(&req);
}

static void hook_render_refuses_urls_that_are_not_http(void **state)
{
	static const char *const urls[] = { "ftp://cms.example.com", "file:///etc/passwd", "cms.example.com",
					    "gopher://cms.example.com", "HTTPX://cms.example.com" };
	struct hook_request req;
	struct error err = { 0, "" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		setenv("RELCTL_T_URL", urls[i], 1);
		assert_int_equal(hook_render(hook_named("from-env"), &world.scope, "msg_u", &req, &err), -1);
		assert_int_equal(err.code, EXIT_CONFIG);
		assert_non_null(strstr(err.message, "http:// or https://"));
		hook_request_release(&req);
	}
	set_env();
}

static void hook_render_shows_the_url_without_credentials_or_query(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };

	(void)state;
	setenv("RELCTL_T_URL", "https://user:pa55word@cms.example.com/hooks/abc?token=q-secret-1#frag", 1);
	assert_int_equal(hook_render(hook_named("from-env"), &world.scope, "msg_u", &req, &err), 0);
	assert_null(strstr(req.url_shown, "pa55word"));
	assert_null(strstr(req.url_shown, "q-secret-1"));
	assert_null(strstr(req.url_shown, "user:"));
	hook_request_release(&req);
	set_env();
}

static void hook_request_text_is_the_request_with_secrets_masked(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };
	char *text;

	(void)state;
	assert_int_equal(hook_render(hook_named("changelog"), &world.scope, "msg_d", &req, &err), 0);
	text = hook_request_text(&req);
	assert_non_null(strstr(text, "PUT "));
	assert_non_null(strstr(text, "/api/changelog\n"));
	assert_non_null(strstr(text, "Authorization: Bearer ***\n"));
	assert_non_null(strstr(text, "Idempotency-Key: msg_d\n"));
	assert_non_null(strstr(text, "webhook-signature: v1,"));
	assert_non_null(strstr(text, req.body));
	assert_null(strstr(text, TOKEN));
	assert_null(strstr(text, SECRET + 6));
	free(text);
	hook_request_release(&req);
}


/* ---------- mail ---------- */

/* The value of header name in a message (its folded lines joined), or NULL; caller frees. */
static char *mail_header(const char *message, const char *name)
{
	size_t len = strlen(name);
	const char *p = message;
	char *out = NULL;

	while (*p && !(p[0] == '\r' && p[1] == '\n')) {
		const char *eol = strstr(p, "\r\n");

		if (eol == NULL)
			break;
		if (strncasecmp(p, name, len) == 0 && p[len] == ':') {
			size_t size = 0;

			out = calloc(1, strlen(message) + 1);
			p += len + 2;
			for (;;) {
				eol = strstr(p, "\r\n");
				memcpy(out + size, p, (size_t)(eol - p));
				size += (size_t)(eol - p);
				p = eol + 2;
				if (*p != ' ' && *p != '\t')
					break;
			}
			return out;
		}
		p = eol + 2;
	}
	return out;
}

/* The body of a message: after the first empty line. */
static const char *mail_body(const char *message)
{
	const char *p = strstr(message, "\r\n\r\n");

	return p ? p + 4 : NULL;
}

/* Quoted-printable back to bytes (RFC 2045), CRLF as LF; caller frees. */
static char *qp_decode(const char *text)
{
	char *out = calloc(1, strlen(text) + 1), *o = out;
	const char *p = text;

	while (*p) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;
		} else if (p[0] == '=') {
			unsigned int c;

			assert_int_equal(sscanf(p + 1, "%2X", &c), 1);
			*o++ = (char)c;
			p += 3;
		} else if (p[0] == '\r' && p[1] == '\n') {
			*o++ = '\n';
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	return out;
}

/* Every line of a message ends CRLF and is at most max bytes; no bare CR or LF. */
static void assert_lines_at_most(const char *text, size_t max)
{
	const char *p = text;

	while (*p) {
		const char *eol = strstr(p, "\r\n");

		assert_non_null(eol);
		if ((size_t)(eol - p) > max)
			fail_msg("a line of %zu bytes (at most %zu): %.*s", (size_t)(eol - p), max, (int)(eol - p), p);
		assert_null(memchr(p, '\n', (size_t)(eol - p)));
		assert_null(memchr(p, '\r', (size_t)(eol - p)));
		p = eol + 2;
	}
}

static void a_mail_message_has_every_header_and_crlf_lines(void **state)
{
	static const char want[] =
		"Date: Tue, 19 Mar 2024 10:00:00 +0000\r\n"
		"From: TinyPilot <releases@tinypilot.example>\r\n"
		"To: list@lists.example,\r\n"
		" Rita <rita@example.com>\r\n"
		"Cc: cc@example.net\r\n"
		"Reply-To: support@tinypilot.example\r\n"
		"Subject: TinyPilot Pro 2.6.3 is out\r\n"
		"Message-ID: <msg_1@tinypilot.example>\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: 7bit\r\n"
		"\r\n"
		"Hello,\r\n"
		"\r\n"
		".a line with a leading dot (libcurl stuffs it)\r\n"
		"bye\r\n";
	char *to[] = { "list@lists.example", "Rita <rita@example.com>" }, *cc[] = { "cc@example.net" };
	struct pb_mail mail = { "TinyPilot <releases@tinypilot.example>", { to, NULL, 2 }, { cc, NULL, 1 },
				"support@tinypilot.example", NULL };
	char *message;

	(void)state;
	message = hook_mail_message(&mail, "TinyPilot Pro 2.6.3 is out",
				    "Hello,\n\n.a line with a leading dot (libcurl stuffs it)\r\nbye", "<msg_1@tinypilot.example>", T0);
	assert_string_equal(message, want);
	free(message);
	/* No Cc, no Reply-To: no empty headers. */
	mail.cc.count = 0;
	mail.reply_to = NULL;
	message = hook_mail_message(&mail, "s", "b\n", "<msg_1@tinypilot.example>", T0);
	assert_null(strstr(message, "Cc:"));
	assert_null(strstr(message, "Reply-To:"));
	assert_non_null(strstr(message, "\r\n\r\nb\r\n"));
	free(message);
}

static void a_mail_subject_that_is_not_ascii_is_encoded_in_short_words(void **state)
{
	/* 60 two-byte characters and a three-byte one: several encoded-words, none splitting a character. */
	char subject[256] = "Neu: ", *message, *value, *p, decoded[256] = "";
	char *to[] = { "a@example.com" };
	struct pb_mail mail = { "Jürgen Müller <j@example.com>", { to, NULL, 1 }, { NULL, NULL, 0 }, NULL, NULL };
	int i, words = 0;

	(void)state;
	for (i = 0; i < 60; i++)
		strcat(subject, "ü");
	strcat(subject, " ✓");
	message = hook_mail_message(&mail, subject, "x", "<m@example.com>", T0);
	assert_lines_at_most(message, 78);
	value = mail_header(message, "Subject");
	assert_non_null(value);
	for (p = strstr(value, "=?UTF-8?B?"); p; p = strstr(p, "=?UTF-8?B?")) {
		char *end = strstr(p + 10, "?="), *b64 = strndup(p + 10, (size_t)(end - p - 10));
		size_t len = 0;
		unsigned char *bytes = base64_decode(b64, &len);

		assert_non_null(bytes);
		assert_true(end + 2 - p <= 75);
		/* Each word is whole UTF-8 on its own: it does not start with a continuation byte. */
		assert_true((bytes[0] & 0xc0) != 0x80);
		strncat(decoded, (char *)bytes, len);
		words++;
		free(bytes);
		free(b64);
		p = end + 2;
	}
	assert_true(words >= 3);
	assert_string_equal(decoded, subject);
	free(value);
	/* A display name that is not ASCII is an encoded-word before the address. */
	value = mail_header(message, "From");
	assert_string_equal(value, "=?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <j@example.com>");
	free(value);
	free(message);
}

static void a_template_cannot_add_a_header_to_a_mail(void **state)
{
	char *to[] = { "a@example.com" };
	struct pb_mail mail = { "r@example.com", { to, NULL, 1 }, { NULL, NULL, 0 }, NULL, NULL };
	char *message, *value;

	(void)state;
	message = hook_mail_message(&mail, "2.6.3\r\nBcc: everyone@example.com\nX-Evil: 1", "body", "<m@example.com>", T0);
	assert_null(strstr(message, "\r\nBcc:"));
	assert_null(strstr(message, "\r\nX-Evil:"));
	value = mail_header(message, "Subject");
	assert_string_equal(value, "2.6.3  Bcc: everyone@example.com X-Evil: 1");
	free(value);
	free(message);
}

static void display_names_with_specials_are_quoted(void **state)
{
	char *to[] = { "TinyPilot, Inc. <a@example.com>", "\"Already Quoted\" <b@example.com>", "Say \"hi\" (x) <c@example.com>",
		       "plain@example.com" };
	struct pb_mail mail = { "r@example.com", { to, NULL, 4 }, { NULL, NULL, 0 }, NULL, NULL };
	char *message = hook_mail_message(&mail, "s", "b", "<m@example.com>", T0), *value;

	(void)state;
	value = mail_header(message, "To");
	assert_string_equal(value, "\"TinyPilot, Inc.\" <a@example.com>, \"Already Quoted\" <b@example.com>, "
				   "\"Say \\\"hi\\\" (x)\" <c@example.com>, plain@example.com");
	free(value);
	free(message);
}

static void a_body_that_is_not_ascii_or_has_long_lines_is_quoted_printable(void **state)
{
	char *to[] = { "a@example.com" };
	struct pb_mail mail = { "r@example.com", { to, NULL, 1 }, { NULL, NULL, 0 }, NULL, NULL };
	char long_line[1200], *message, *decoded, *value;

	(void)state;
	/* The changelog: tabs, ünïcödé, a trailing space, an '=', a bare CR. */
	message = hook_mail_message(&mail, "s", changelog_text, "<m@example.com>", T0);
	value = mail_header(message, "Content-Transfer-Encoding");
	assert_string_equal(value, "quoted-printable");
	free(value);
	assert_lines_at_most(mail_body(message), 76);
	decoded = qp_decode(mail_body(message));
	assert_string_equal(decoded, changelog_text);
	free(decoded);
	free(message);

	message = hook_mail_message(&mail, "s", "a = b, trailing space \nend\ttab\t\nlone\rcr", "<m@example.com>", T0);
	assert_lines_at_most(mail_body(message), 76);
	assert_non_null(strstr(message, "a =3D b, trailing space=20\r\n"));
	assert_non_null(strstr(message, "end\ttab=09\r\n"));
	decoded = qp_decode(mail_body(message));
	assert_string_equal(decoded, "a = b, trailing space \nend\ttab\t\nlone\rcr\n");
	free(decoded);
	free(message);

	/* ASCII, but a line longer than SMTP's 998. */
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	message = hook_mail_message(&mail, "s", long_line, "<m@example.com>", T0);
	assert_lines_at_most(message, 998);
	value = mail_header(message, "Content-Transfer-Encoding");
	assert_string_equal(value, "quoted-printable");
	free(value);
	decoded = qp_decode(mail_body(message));
	assert_int_equal(strlen(decoded), sizeof(long_line)); /* and a final newline */
	free(decoded);
	free(message);
}

static void the_message_id_is_the_webhook_id_at_the_senders_domain(void **state)
{
	char *a = hook_message_id("msg_0123", "TinyPilot <releases@tinypilot.example>");
	char *b = hook_message_id("msg_0123", "releases@tinypilot.example");

	(void)state;
	assert_string_equal(a, "<msg_0123@tinypilot.example>");
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void hook_render_builds_the_mail_and_its_envelope(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };
	char *id = hook_webhook_id("2.6.3", 1, "announce", 0, "mail"), *message_id, *text, *value;
	time_t before = time(NULL);

	(void)state;
	setenv("RELCTL_NOW", "2024-03-19T10:00:00Z", 1);
	if (hook_render(hook_named("mail"), &world.scope, id, &req, &err) != 0)
		fail_msg("refused (%d): %s", err.code, err.message);
	unsetenv("RELCTL_NOW");
	assert_true(req.mail);
	assert_false(req.tls_none);
	assert_string_equal(req.method, "SMTP");
	assert_int_equal(req.retries, 2);
	assert_true(req.timestamp >= before);
	/* The envelope: bare addresses, To and Cc once each (RITA@ is rita@). */
	assert_string_equal(req.mail_from, "releases@unit.example");
	assert_int_equal(req.recipient_count, 3);
	assert_string_equal(req.recipients[0], "list@lists.unit.example");
	assert_string_equal(req.recipients[1], "rita@example.com");
	assert_string_equal(req.recipients[2], "cc@example.net");
	message_id = xasprintf("<%s@unit.example>", id);
	assert_string_equal(req.message_id, message_id);
	value = mail_header(req.body, "Message-ID");
	assert_string_equal(value, message_id);
	free(value);
	/* The subject's template, its newline made a space. */
	value = mail_header(req.body, "Subject");
	assert_non_null(strstr(value, "Unit Pro 2.6.3: "));
	free(value);
	value = mail_header(req.body, "Cc");
	assert_string_equal(value, "RITA@example.com, cc@example.net");
	free(value);
	assert_non_null(strstr(req.body, "MIME-Version: 1.0\r\n"));
	assert_non_null(strstr(req.body, "Content-Type: text/plain; charset=utf-8\r\n"));
	/* The password: in the url sent, nowhere shown. */
	assert_non_null(strstr(req.url, SMTP_PASSWORD));
	assert_string_equal(req.url_shown, "smtp://***@127.0.0.1:2525");
	text = hook_request_text(&req);
	assert_non_null(strstr(text, "SMTP smtp://***@127.0.0.1:2525 (STARTTLS required)\n"));
	assert_non_null(strstr(text, "MAIL FROM:<releases@unit.example>\nRCPT TO:<list@lists.unit.example>\n"));
	assert_non_null(strstr(text, "\nMessage-ID: <msg_"));
	assert_null(strstr(text, "\r"));
	assert_null(strstr(text, SMTP_PASSWORD));
	free(text);
	text = hook_mask(&req, "535 5.7.8 AUTH announce:" SMTP_PASSWORD " refused");
	assert_string_equal(text, "535 5.7.8 AUTH announce:*** refused");
	free(text);
	hook_request_release(&req);
	/* Rendered again (a re-run): the same Message-ID. */
	assert_int_equal(hook_render(hook_named("mail"), &world.scope, id, &req, &err), 0);
	assert_string_equal(req.message_id, message_id);
	hook_request_release(&req);
	free(message_id);
	free(id);
}

static void hook_render_refuses_a_mail_url_that_is_not_smtp_or_says_tls_none_on_smtps(void **state)
{
	struct hook_request req;
	struct error err = { 0, "" };

	(void)state;
	assert_int_equal(hook_render(hook_named("relay"), &world.scope, "msg_r", &req, &err), 0);
	assert_true(req.tls_none);
	hook_request_release(&req);
	setenv("RELCTL_T_SMTP_URL", "https://mail.example.com", 1);
	assert_int_equal(hook_render(hook_named("relay"), &world.scope, "msg_r", &req, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_non_null(strstr(err.message, "smtps:// or smtp://"));
	hook_request_release(&req);
	setenv("RELCTL_T_SMTP_URL", "smtps://mail.example.com", 1);
	assert_int_equal(hook_render(hook_named("relay"), &world.scope, "msg_r", &req, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_non_null(strstr(err.message, "tls: none"));
	hook_request_release(&req);
	/* And an HTTP hook does not go to a mail server. */
	setenv("RELCTL_T_URL", "smtp://mail.example.com", 1);
	assert_int_equal(hook_render(hook_named("from-env"), &world.scope, "msg_r", &req, &err), -1);
	assert_non_null(strstr(err.message, "http:// or https://"));
	hook_request_release(&req);
	set_env();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(standard_webhooks_signature_matches_the_published_vector),
		cmocka_unit_test(github_signature_matches_the_documented_vector),
		cmocka_unit_test(a_secret_without_whsec_prefix_is_refused),
		cmocka_unit_test(webhook_id_is_stable_and_distinct),
		cmocka_unit_test(base64_round_trips),
	};

	const struct CMUnitTest templates[] = {
		cmocka_unit_test(templates_expand_every_known_name),
		cmocka_unit_test(a_number_var_expands_to_all_its_digits),
		cmocka_unit_test(templates_keep_the_text_around_them_and_allow_spaces),
		cmocka_unit_test(a_file_template_may_hold_templates_and_its_content_is_not_expanded),
		cmocka_unit_test(an_unknown_template_name_is_an_error_not_empty_text),
		cmocka_unit_test(a_file_template_cannot_leave_the_work_tree),
		cmocka_unit_test(hook_mask_replaces_every_secret_everywhere),
		cmocka_unit_test(hook_mask_without_secrets_copies),
		cmocka_unit_test_setup_teardown(hook_render_builds_the_signed_request, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_builds_json_with_cjson_so_no_value_breaks_it, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_content_type_follows_the_body_or_the_hook, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_signs_the_github_way_when_asked, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_refuses_an_unset_env_with_78_naming_it_and_nothing_else, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_checks_templates_before_reading_the_environment, env_setup,
						env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_refuses_urls_that_are_not_http, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_shows_the_url_without_credentials_or_query, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(hook_request_text_is_the_request_with_secrets_masked, env_setup, env_teardown),
		cmocka_unit_test(a_mail_message_has_every_header_and_crlf_lines),
		cmocka_unit_test(a_mail_subject_that_is_not_ascii_is_encoded_in_short_words),
		cmocka_unit_test(a_template_cannot_add_a_header_to_a_mail),
		cmocka_unit_test(display_names_with_specials_are_quoted),
		cmocka_unit_test(a_body_that_is_not_ascii_or_has_long_lines_is_quoted_printable),
		cmocka_unit_test(the_message_id_is_the_webhook_id_at_the_senders_domain),
		cmocka_unit_test_setup_teardown(hook_render_builds_the_mail_and_its_envelope, env_setup, env_teardown),
		cmocka_unit_test_setup_teardown(hook_render_refuses_a_mail_url_that_is_not_smtp_or_says_tls_none_on_smtps,
						env_setup, env_teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);

	return failed + cmocka_run_group_tests(templates, world_setup, world_teardown);
}

/*
 * The template module on its own: which field takes which name (a url's
 * values percent-encoded, a header none), the check lint runs without a
 * release, {{file:}} confined to the regular files of a work tree (no
 * symlink on the path, nothing under .git in any case), and ${ENV} with a
 * shown copy that masks each value only where it was put.
 *
 * The release is one of a small playbook, started with a string var; the
 * work tree is a temporary directory with symlinks made by the tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "event.h"
#include "ledger.h"
#include "playbook.h"
#include "template.h"
#include "work_tree.h"

static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Template Unit\n"
	"roles: [release-manager]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"vars:\n"
	"  path: {type: string, default: none}\n"
	"phases:\n"
	"  - id: only\n"
	"    steps:\n"
	"      - {id: pr, title: PR, owner: release-manager, instructions: Open it.}\n";

static struct playbook *pb;
static struct release_state *st;
static char dir[64];
static struct template_scope scope;

static void in_tree(const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s", dir, name);
}

static int world_setup(void **state)
{
	struct diagnostics diags;
	struct error err = { 0, "" };
	char path[256], target[256];
	cJSON *e;

	(void)state;
	diagnostics_init(&diags, "unit.yaml");
	pb = playbook_parse(playbook_yaml, strlen(playbook_yaml), &diags);
	diagnostics_release(&diags);
	if (pb == NULL)
		return -1;
	st = release_state_new(pb, "3.14.0b1");
	e = ledger_event_new("e001", 1710842400, "rita", "start", NULL);
	cJSON_AddNumberToObject(e, "candidate", 1);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "vars"), "path", "a/b?c=d&e#f ü");
	if (ledger_apply(st, e, &err) != 0) {
		cJSON_Delete(e);
		return -1;
	}
	cJSON_Delete(e);
	snprintf(dir, sizeof(dir), "/tmp/relctl-test-template-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	in_tree("notes", path, sizeof(path));
	mkdir(path, 0700);
	in_tree(".git", path, sizeof(path));
	mkdir(path, 0700);
	write_file(dir, ".git/config", "[remote \"origin\"]\n\turl = https://u:pw@example.com/x.git\n");
	write_file(dir, "notes/3.14.0b1.md", "the notes\n");
	/* A symlink to the clone's configuration, one through a symlinked directory, and a FIFO. */
	in_tree("notes/leak.md", path, sizeof(path));
	if (symlink("../.git/config", path) != 0)
		return -1;
	in_tree("linked", path, sizeof(path));
	in_tree("notes", target, sizeof(target));
	if (symlink(target, path) != 0)
		return -1;
	in_tree("notes/fifo", path, sizeof(path));
	if (mkfifo(path, 0600) != 0)
		return -1;
	scope.st = st;
	scope.workdir = dir;
	return 0;
}

static int world_teardown(void **state)
{
	static const char *const files[] = { "notes/3.14.0b1.md", "notes/leak.md", "notes/fifo", "linked",
					     ".git/config", NULL };
	char path[256];
	size_t i;

	(void)state;
	for (i = 0; files[i]; i++) {
		in_tree(files[i], path, sizeof(path));
		unlink(path);
	}
	in_tree("notes", path, sizeof(path));
	rmdir(path);
	in_tree(".git", path, sizeof(path));
	rmdir(path);
	rmdir(dir);
	release_state_free(st);
	playbook_free(pb);
	return 0;
}

static void expands_to(const char *text, enum template_field field, const char *want)
{
	struct error err = { 0, "" };
	char *got = template_expand_field(text, field, &scope, &err);

	if (got == NULL)
		fail_msg("%s refused (%d): %s", text, err.code, err.message);
	assert_string_equal(got, want);
	free(got);
}

static void refused(const char *text, enum template_field field, int code, const char *part)
{
	struct error err = { 0, "" };
	char *got = template_expand_field(text, field, &scope, &err);

	if (got != NULL)
		fail_msg("%s expanded to %s", text, got);
	assert_int_equal(err.code, code);
	if (strstr(err.message, part) == NULL)
		fail_msg("wanted \"%s\" in: %s", part, err.message);
}

/* ---------- fields ---------- */

/* A url's values are percent-encoded: no var can change its host, path or query. */
static void a_url_takes_release_and_vars_percent_encoded(void **state)
{
	(void)state;
	expands_to("https://x.example/{{release.version}}/{{ vars.path }}", TEMPLATE_URL,
		   "https://x.example/3.14.0b1/a%2Fb%3Fc%3Dd%26e%23f%20%C3%BC");
	expands_to("{{release.name}}", TEMPLATE_URL, "Template%20Unit");
	refused("https://x.example/{{steps.pr.note}}", TEMPLATE_URL, 65, "cannot be used in a url");
	refused("https://x.example/{{file:notes/3.14.0b1.md}}", TEMPLATE_URL, 65, "cannot be used in a url");
	refused("https://x.example/{{release.verison}}", TEMPLATE_URL, 65, "unknown template {{release.verison}}");
}

static void an_argument_takes_release_and_vars_as_they_are(void **state)
{
	(void)state;
	expands_to("--tag={{release.version}}", TEMPLATE_ARGUMENT, "--tag=3.14.0b1");
	/* The version's parts, as when-expressions read them. */
	expands_to("{{release.major}}.{{release.minor}} {{release.patch}} [{{release.prerelease}}]", TEMPLATE_ARGUMENT,
		   "3.14 0 [b1]");
	expands_to("{{vars.path}}", TEMPLATE_ARGUMENT, "a/b?c=d&e#f ü");
	refused("{{steps.pr.note}}", TEMPLATE_ARGUMENT, 65, "cannot be used in a command's arguments");
}

static void a_header_takes_no_template(void **state)
{
	(void)state;
	expands_to("Bearer ${TOKEN}", TEMPLATE_NONE, "Bearer ${TOKEN}");
	refused("v{{release.version}}", TEMPLATE_NONE, 65, "{{release.version}} cannot be used in a header");
}

/* ---------- {{file:}} ---------- */

static void a_file_is_read_only_when_regular_and_reached_without_a_symlink(void **state)
{
	(void)state;
	expands_to("[{{file:notes/{{release.version}}.md}}]", TEMPLATE_TEXT, "[the notes\n]");
	expands_to("{{file:./notes//3.14.0b1.md}}", TEMPLATE_TEXT, "the notes\n");
	refused("{{file:notes/leak.md}}", TEMPLATE_TEXT, 65, "is a symlink or passes through one");
	refused("{{file:linked/3.14.0b1.md}}", TEMPLATE_TEXT, 65, "is a symlink or passes through one");
	refused("{{file:notes/fifo}}", TEMPLATE_TEXT, 65, "is not a regular file");
	refused("{{file:notes}}", TEMPLATE_TEXT, 65, "is not a regular file");
	refused("{{file:notes/none.md}}", TEMPLATE_TEXT, 66, "no such file");
}

static void nothing_under_git_is_read_in_any_case(void **state)
{
	(void)state;
	refused("{{file:.git/config}}", TEMPLATE_TEXT, 65, "is under .git/");
	refused("{{file:.GIT/config}}", TEMPLATE_TEXT, 65, "is under .git/");
	refused("{{file:notes/../.Git/config}}", TEMPLATE_TEXT, 65, "inside the repository");
	refused("{{file:sub/.gIt/config}}", TEMPLATE_TEXT, 65, "is under .git/");
}

/* ---------- the check lint runs ---------- */

static bool declared(enum template_ref kind, const char *name, void *data)
{
	(void)data;
	return strcmp(name, kind == TEMPLATE_REF_VAR ? "path" : "pr") == 0;
}

static void check_fails_at(const char *text, enum template_field field, bool notify, size_t at, const char *part)
{
	struct template_names names = { declared, NULL, notify };
	struct error err = { 0, "" };
	size_t offset = 999;

	if (template_check(text, field, &names, &offset, &err) == 0)
		fail_msg("%s passed", text);
	assert_int_equal(err.code, 65);
	assert_int_equal(offset, at);
	if (strstr(err.message, part) == NULL)
		fail_msg("wanted \"%s\" in: %s", part, err.message);
}

static void check_passes(const char *text, enum template_field field, bool notify)
{
	struct template_names names = { declared, NULL, notify };
	struct error err = { 0, "" };
	size_t offset;

	if (template_check(text, field, &names, &offset, &err) != 0)
		fail_msg("%s failed: %s", text, err.message);
}

static void the_check_names_the_template_at_fault_and_its_offset(void **state)
{
	(void)state;
	check_passes("{{release.version}} {{vars.path}} {{steps.pr.note}} {{file:n/{{release.version}}.md}}",
		     TEMPLATE_TEXT, false);
	check_passes("https://x/{{release.version}}/{{vars.path}}", TEMPLATE_URL, false);
	check_passes("{{ready.message}}", TEMPLATE_TEXT, true);
	check_passes("Bearer ${TOKEN}", TEMPLATE_NONE, false);
	check_fails_at("https://x/{{steps.pr.note}}", TEMPLATE_URL, false, 10, "cannot be used in a url");
	check_fails_at("ok {{release.version}} {{vars.nope}}", TEMPLATE_TEXT, false, 23, "undeclared var \"nope\"");
	check_fails_at("{{steps.nope.note}}", TEMPLATE_TEXT, false, 0, "unknown step \"nope\"");
	check_fails_at("x {{ready.steps}}", TEMPLATE_TEXT, false, 2, "only in the playbook's notify hook");
	check_fails_at("ab {{release.version", TEMPLATE_TEXT, false, 3, "unclosed template");
	check_fails_at("{{file:../x}}", TEMPLATE_TEXT, false, 0, "inside the repository");
	check_fails_at("{{file:.Git/config}}", TEMPLATE_TEXT, false, 0, "is under .git/");
	check_fails_at("{{file:x/{{vars.nope}}}}", TEMPLATE_TEXT, false, 0, "undeclared var");
	check_fails_at("v {{release.version}}", TEMPLATE_NONE, false, 2, "cannot be used in a header");
	check_fails_at("{{release.date}}", TEMPLATE_TEXT, false, 0, "unknown template {{release.date}}");
}

/* ---------- ${ENV} ---------- */

static void env_values_are_masked_only_where_they_were_put(void **state)
{
	struct template_secrets secrets = { NULL, 0 };
	struct error err = { 0, "" };
	char *shown = NULL, *value;
	size_t i;

	(void)state;
	setenv("RELCTL_T_HOOK_URL", "https://chat.example.com/kubernetes/website", 1);
	setenv("RELCTL_T_TOKEN", "tok-123456", 1);
	value = template_expand_env("${RELCTL_T_HOOK_URL}?x=1", TEMPLATE_URL, "hook \"h\"", &shown, &secrets, &err);
	assert_string_equal(value, "https://chat.example.com/kubernetes/website?x=1");
	assert_string_equal(shown, "https://chat.example.com***?x=1");
	free(value);
	free(shown);
	value = template_expand_env("Bearer ${RELCTL_T_TOKEN} for /kubernetes/website", TEMPLATE_NONE, "hook \"h\"",
				    &shown, &secrets, &err);
	assert_string_equal(value, "Bearer tok-123456 for /kubernetes/website");
	assert_string_equal(shown, "Bearer *** for /kubernetes/website");
	free(value);
	free(shown);
	assert_int_equal(secrets.count, 2);
	assert_string_equal(secrets.values[0], "/kubernetes/website");
	assert_string_equal(secrets.values[1], "tok-123456");
	assert_null(template_expand_env("${RELCTL_T_NOT_SET}", TEMPLATE_NONE, "hook \"h\"", &shown, &secrets, &err));
	assert_int_equal(err.code, 78);
	assert_string_equal(err.message, "hook \"h\" needs the environment variable RELCTL_T_NOT_SET; set it first");
	assert_null(template_expand_env("${RELCTL_T_TOKEN", TEMPLATE_NONE, "hook \"h\"", &shown, &secrets, &err));
	assert_int_equal(err.code, 78);
	assert_int_equal(secrets.count, 2);
	for (i = 0; i < secrets.count; i++)
		free(secrets.values[i]);
	free(secrets.values);
	unsetenv("RELCTL_T_HOOK_URL");
	unsetenv("RELCTL_T_TOKEN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_url_takes_release_and_vars_percent_encoded),
		cmocka_unit_test(an_argument_takes_release_and_vars_as_they_are),
		cmocka_unit_test(a_header_takes_no_template),
		cmocka_unit_test(a_file_is_read_only_when_regular_and_reached_without_a_symlink),
		cmocka_unit_test(nothing_under_git_is_read_in_any_case),
		cmocka_unit_test(the_check_names_the_template_at_fault_and_its_offset),
		cmocka_unit_test(env_values_are_masked_only_where_they_were_put),
	};

	return cmocka_run_group_tests(tests, world_setup, world_teardown);
}

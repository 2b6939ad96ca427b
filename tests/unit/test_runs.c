/*
 * Command and check steps (src/ledger-runs.c, src/playbook.c): a command
 * result is recorded by the step's holder only, a pass is exactly exit 0
 * and finishes the step, a failure or timeout leaves it claimed; a poll
 * is recorded by the holder, a person of the step's role or a release
 * manager (relctl remind), a pass must agree with the status the step
 * expects, and finishes it; max_wait lets the holder finish it without the
 * check, the owner role may always override it; a result on the wrong
 * kind of step is refused; rehearsals record dry runs only.  Lint refuses
 * a cwd outside the work tree and ${ENV} in run.  After each test the
 * accepted events are replayed from scratch and must give the same view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <signal.h>
#include <unistd.h>

#include "buf.h"
#include "cJSON.h"
#include "command.h"
#include "crypto.h"
#include "err.h"
#include "event.h"
#include "json.h"
#include "ledger-runs.h"
#include "ledger-view.h"
#include "ledger.h"
#include "playbook.h"
#include "release_fixture.h"
#include "util.h"

/* dan and dora are devs, otto runs the build farm's checks, rita manages, quinn tests. */
static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Unit runs\n"
	"roles: [release-manager, dev, ops, qa]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
	"  - {id: otto, name: Otto, email: otto@example.com, roles: [ops]}\n"
	"  - {id: quinn, name: Quinn, email: quinn@example.com, roles: [qa]}\n"
	"phases:\n"
	"  - id: p\n"
	"    steps:\n"
	"      - {id: tag, title: Tag, owner: dev, kind: command, run: [./tag, '{{release.version}}'], timeout: 1m,"
	" instructions: Tag.}\n"
	"      - {id: farm, title: Farm, owner: ops, kind: check, url: 'https://farm.example.com/{{release.version}}',"
	" expect: {status: 200, body_contains: success}, every: 5m, max_wait: 1h, instructions: Wait.}\n"
	"      - {id: docs, title: Docs, owner: ops, kind: check, url: 'https://docs.example.com/',"
	" expect: {body_contains: ok}, every: 10m, instructions: Wait.}\n"
	"      - {id: notes, title: Notes, owner: dev, instructions: Write.}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

static struct playbook *pb;

/* A command event whose result says outcome and exit (exit < 0: none). */
static cJSON *command(struct fx *f, const char *who, const char *step, const char *outcome, int exit_status)
{
	cJSON *e = ev(f, who, "command", step), *r = cJSON_AddObjectToObject(e, "result");

	cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "argv"), cJSON_CreateString("./tag"));
	cJSON_AddStringToObject(r, "cwd", ".");
	cJSON_AddStringToObject(r, "outcome", outcome);
	if (exit_status >= 0)
		cJSON_AddNumberToObject(r, "exit", exit_status);
	else
		cJSON_AddNullToObject(r, "exit");
	return e;
}

static cJSON *poll_event(struct fx *f, const char *who, const char *step, const char *outcome, int status)
{
	cJSON *e = ev(f, who, "poll", step), *r = cJSON_AddObjectToObject(e, "result");

	cJSON_AddStringToObject(r, "method", "GET");
	cJSON_AddStringToObject(r, "url", "https://farm.example.com/2.6.3");
	cJSON_AddStringToObject(r, "outcome", outcome);
	cJSON_AddNumberToObject(r, "status", status);
	return e;
}

static const char *state_of(struct fx *f, const char *step)
{
	return step_state_name(ledger_step_state(f->st, playbook_step(pb, step)->index, f->now));
}

static const struct step_record *record_of(struct fx *f, const char *step)
{
	return &f->st->steps[playbook_step(pb, step)->index];
}

/* The commit message's first line of the last accepted event. */
static char *summary_of_last(struct fx *f)
{
	cJSON *events = cJSON_GetObjectItemCaseSensitive(f->doc, "events");
	struct event e;
	struct error err;
	struct buf message;
	char *summary = NULL;

	assert_int_equal(ledger_event_decode(cJSON_GetArrayItem(events, cJSON_GetArraySize(events) - 1), &e, &err), 0);
	buf_init(&message);
	ledger_event_message(f->st, &e, &message, &summary);
	buf_release(&message);
	return summary;
}

static void test_a_command_is_recorded_by_its_holder_and_a_pass_is_exactly_exit_0(void **state)
{
	struct fx *f = *state;
	char *summary;

	accept(f, ev(f, "rita", "start", NULL));
	refuse(f, command(f, "dan", "tag", "passed", 0), EXIT_DATAERR, "tag is not claimed; 'relctl run tag' claims it");
	accept(f, ev(f, "dan", "claim", "tag"));
	refuse(f, command(f, "dora", "tag", "passed", 0), EXIT_NOPERM, "dora cannot record a run of tag: it is held by dan");
	refuse(f, command(f, "rita", "tag", "passed", 0), EXIT_NOPERM, "it is held by dan");
	refuse(f, command(f, "dan", "tag", "passed", 1), EXIT_DATAERR, "a command passes exactly when it exits 0");
	refuse(f, command(f, "dan", "tag", "failed", 0), EXIT_DATAERR, "a command passes exactly when it exits 0");
	refuse(f, command(f, "dan", "tag", "passed", -1), EXIT_DATAERR, "says passed with no exit status");
	refuse(f, command(f, "dan", "tag", "dry-run", -1), EXIT_DATAERR, "a dry run of tag is not recorded in 2.6.3, a real release");
	refuse(f, command(f, "dan", "tag", "skipped", 0), EXIT_DATAERR, "an outcome of passed, failed, timeout or dry-run");
	accept(f, command(f, "dan", "tag", "failed", 3));
	assert_string_equal(state_of(f, "tag"), "claimed");
	accept(f, command(f, "dan", "tag", "timeout", -1));
	assert_string_equal(state_of(f, "tag"), "claimed");
	refuse(f, with(ev(f, "dan", "done", "tag"), "note", "by hand"), EXIT_DATAERR,
	       "tag is a command step: 'relctl run tag' runs it and marks it done");
	accept(f, command(f, "dan", "tag", "passed", 0));
	assert_string_equal(state_of(f, "tag"), "done");
	assert_string_equal(record_of(f, "tag")->done_by, "dan");
	summary = summary_of_last(f);
	assert_non_null(strstr(summary, "dan ran the command of tag: passed, exit 0 in 0.0s (2.6.3 rc1)"));
	free(summary);
	refuse(f, command(f, "dan", "tag", "passed", 0), EXIT_DATAERR, "cannot run tag: it is already done");
}

static void test_a_result_on_the_wrong_kind_of_step_is_refused(void **state)
{
	struct fx *f = *state;

	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "dan", "claim", "notes"));
	refuse(f, command(f, "dan", "notes", "passed", 0), EXIT_DATAERR, "notes is a manual step, not a command step");
	refuse(f, command(f, "otto", "farm", "passed", 0), EXIT_DATAERR, "farm is a check step, not a command step");
	refuse(f, poll_event(f, "dan", "tag", "passed", 200), EXIT_DATAERR, "tag is a command step, not a check step");
	refuse(f, poll_event(f, "dan", "notes", "passed", 200), EXIT_DATAERR, "notes is a manual step, not a check step");
	refuse(f, with(ev(f, "dan", "override", "tag"), "reason", "no"), EXIT_DATAERR,
	       "tag is a command step; only a check step is finished with --override");
}

static void test_a_poll_is_recorded_by_the_holder_its_role_or_a_manager_and_a_pass_must_meet_expect(void **state)
{
	struct fx *f = *state;
	const struct step_record *r = record_of(f, "farm");
	char *summary;
	time_t first;

	accept(f, ev(f, "rita", "start", NULL));
	/* Ready and unclaimed: remind's poll, as a release manager or a person of the role. */
	refuse(f, poll_event(f, "quinn", "farm", "failed", 200), EXIT_NOPERM, "quinn cannot poll farm: it needs the role ops");
	refuse(f, poll_event(f, "dan", "farm", "passed", 200), EXIT_NOPERM, "dan cannot poll farm");
	first = f->now;
	accept(f, poll_event(f, "rita", "farm", "failed", 200));
	assert_int_equal(r->poll_count, 1);
	assert_int_equal(r->first_poll_at, first);
	assert_false(ledger_poll_due(f->st, playbook_step(pb, "farm")->index, first + 299));
	assert_true(ledger_poll_due(f->st, playbook_step(pb, "farm")->index, first + 300));
	accept(f, ev(f, "otto", "claim", "farm"));
	accept(f, poll_event(f, "otto", "farm", "failed", 0));
	refuse(f, poll_event(f, "otto", "farm", "passed", 503), EXIT_DATAERR, "the poll of farm says passed with status 503");
	refuse(f, poll_event(f, "otto", "farm", "passed", 201), EXIT_DATAERR, "says passed with status 201");
	refuse(f, poll_event(f, "otto", "farm", "dry-run", 0), EXIT_DATAERR, "a dry run of farm is not recorded in 2.6.3");
	assert_string_equal(state_of(f, "farm"), "claimed");
	accept(f, poll_event(f, "otto", "farm", "passed", 200));
	assert_string_equal(state_of(f, "farm"), "done");
	assert_string_equal(r->finished_how, "passed");
	assert_string_equal(r->done_by, "otto");
	assert_int_equal(r->poll_count, 3);
	summary = summary_of_last(f);
	assert_string_equal(summary, "otto polled farm: passed, HTTP 200 (2.6.3 rc1)");
	free(summary);
	assert_false(ledger_poll_due(f->st, playbook_step(pb, "farm")->index, f->now + 3600));
	refuse(f, poll_event(f, "otto", "farm", "passed", 200), EXIT_DATAERR, "cannot run farm: it is already done");
}

static void test_expect_takes_the_status_any_2xx_without_one_and_the_text(void **state)
{
	const struct pb_step *farm = playbook_step(pb, "farm"), *docs = playbook_step(pb, "docs");

	(void)state;
	assert_true(ledger_check_passes(farm, 200, "build: success", farm->expect_body));
	assert_false(ledger_check_passes(farm, 200, "build: pending", farm->expect_body));
	/* The text expected is the rendered one ({{release.version}} expanded by the caller). */
	assert_true(ledger_check_passes(farm, 200, "docs of 3.14.0b1", "3.14.0b1"));
	assert_false(ledger_check_passes(farm, 200, "docs of 3.13.9", "3.14.0b1"));
	assert_false(ledger_check_passes(farm, 200, NULL, farm->expect_body));
	assert_false(ledger_check_passes(farm, 204, "success", farm->expect_body));
	assert_true(ledger_check_passes(docs, 204, "ok", docs->expect_body));
	assert_true(ledger_check_passes(docs, 299, "all ok", docs->expect_body));
	assert_false(ledger_check_passes(docs, 301, "ok", docs->expect_body));
	assert_false(ledger_check_passes(docs, 500, "ok", docs->expect_body));
}

static void test_after_max_wait_the_holder_may_finish_it_without_the_check(void **state)
{
	struct fx *f = *state;
	char *summary;

	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "otto", "claim", "farm"));
	refuse(f, with(ev(f, "otto", "done", "farm"), "note", "down"), EXIT_DATAERR, "farm is a check step that was never polled");
	assert_int_equal(ledger_max_wait_ends(f->st, playbook_step(pb, "farm")->index), 0);
	accept(f, poll_event(f, "otto", "farm", "failed", 200));
	assert_int_equal(ledger_max_wait_ends(f->st, playbook_step(pb, "farm")->index), T0 + 180 + 3600);
	refuse(f, with(ev(f, "otto", "done", "farm"), "note", "down"), EXIT_DATAERR,
	       "its holder may finish it without the check from 2024-03-19T11:03:00Z");
	f->now = T0 + 180 + 3600;
	refuse(f, ev(f, "otto", "done", "farm"), EXIT_USAGE, "finishing farm without its check needs --note");
	accept(f, with(ev(f, "otto", "done", "farm"), "note", "the farm is down"));
	assert_string_equal(state_of(f, "farm"), "done");
	assert_string_equal(record_of(f, "farm")->finished_how, "without-check");
	summary = summary_of_last(f);
	assert_string_equal(summary, "otto finished farm without the check (2.6.3 rc1)");
	free(summary);
}

static void test_without_max_wait_only_a_pass_or_an_override_finishes_it(void **state)
{
	struct fx *f = *state;

	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "otto", "claim", "docs"));
	accept(f, poll_event(f, "otto", "docs", "failed", 404));
	f->now += 30 * 86400;
	refuse(f, with(ev(f, "otto", "done", "docs"), "note", "gave up"), EXIT_DATAERR,
	       "docs is a check step: it is done when its check passes");
}

static void test_the_owner_role_may_always_override_and_nobody_else(void **state)
{
	struct fx *f = *state;
	char *summary;

	accept(f, ev(f, "rita", "start", NULL));
	refuse(f, with(ev(f, "rita", "override", "farm"), "reason", "down"), EXIT_NOPERM,
	       "rita cannot override the check of farm: it needs the role ops");
	refuse(f, with(ev(f, "dan", "override", "farm"), "reason", "down"), EXIT_NOPERM, "it needs the role ops");
	refuse(f, ev(f, "otto", "override", "farm"), EXIT_USAGE, "reason");
	accept(f, with(ev(f, "otto", "override", "farm"), "reason", "the farm is down; signed by hand"));
	assert_string_equal(state_of(f, "farm"), "done");
	assert_string_equal(record_of(f, "farm")->finished_how, "override");
	assert_string_equal(record_of(f, "farm")->reason, "the farm is down; signed by hand");
	summary = summary_of_last(f);
	assert_string_equal(summary, "otto overrode the check of farm (2.6.3 rc1)");
	free(summary);
	refuse(f, with(ev(f, "otto", "override", "farm"), "reason", "again"), EXIT_DATAERR, "cannot override farm: it is already done");
}

static void test_a_rehearsal_records_only_dry_runs(void **state)
{
	struct fx *f = *state;
	cJSON *start = ev(f, "rita", "start", NULL);

	cJSON_AddTrueToObject(start, "rehearsal");
	accept(f, start);
	accept(f, ev(f, "dan", "claim", "tag"));
	refuse(f, command(f, "dan", "tag", "passed", 0), EXIT_DATAERR,
	       "2.6.3 is a rehearsal: its command tag is recorded as a dry run, never run");
	accept(f, command(f, "dan", "tag", "dry-run", -1));
	assert_string_equal(state_of(f, "tag"), "done");
	refuse(f, poll_event(f, "otto", "farm", "failed", 200), EXIT_DATAERR,
	       "2.6.3 is a rehearsal: its check farm is recorded as a dry run, never polled");
	accept(f, poll_event(f, "otto", "farm", "dry-run", 0));
	assert_string_equal(record_of(f, "farm")->finished_how, "dry-run");
}

/* Lint: what a command step or a check step may say, at its place. */
static void test_lint_refuses_a_cwd_outside_env_in_run_and_a_check_without_expect(void **state)
{
	static const struct {
		const char *step, *message;
	} cases[] = {
		{ "{id: a, title: A, owner: dev, kind: command, run: [./x], cwd: ../up, instructions: x}",
		  "\"cwd\" must be a directory inside the work tree" },
		{ "{id: a, title: A, owner: dev, kind: command, run: [./x], cwd: sub/.git/hooks, instructions: x}",
		  "\"cwd\" must be a directory inside the work tree" },
		{ "{id: a, title: A, owner: dev, kind: command, run: [./x], cwd: /tmp, instructions: x}",
		  "\"cwd\" must be a directory inside the work tree" },
		{ "{id: a, title: A, owner: dev, kind: command, run: [./x, '${TOKEN}'], instructions: x}",
		  "\"run\" takes no ${ENV}" },
		{ "{id: a, title: A, owner: dev, kind: command, instructions: x}", "needs \"run\"" },
		{ "{id: a, title: A, owner: dev, kind: command, run: [], instructions: x}", "\"run\" must be a list" },
		{ "{id: a, title: A, owner: dev, kind: command, run: ['{{file:x}}'], instructions: x}",
		  "cannot be used in a command's arguments" },
		{ "{id: a, title: A, owner: dev, kind: check, url: 'https://x/', every: 5m, instructions: x}",
		  "needs \"expect\"" },
		{ "{id: a, title: A, owner: dev, kind: check, url: 'https://x/', expect: {}, every: 5m, instructions: x}",
		  "\"expect\" needs \"status\", \"body_contains\" or both" },
		{ "{id: a, title: A, owner: dev, kind: check, url: 'https://x/', expect: {status: 99}, every: 5m, instructions: x}",
		  "an HTTP status from 100 to 599" },
		{ "{id: a, title: A, owner: dev, kind: check, url: 'https://x/', expect: {status: 200}, instructions: x}",
		  "needs \"every\"" },
		{ "{id: a, title: A, owner: dev, kind: check, url: 'ftp://x/', expect: {status: 200}, every: 1m, instructions: x}",
		  "must use an http:// or https:// url" },
		{ "{id: a, title: A, owner: dev, run: [./x], instructions: x}", "\"run\" is only for steps of kind command" },
		{ "{id: a, title: A, owner: dev, timeout: 1m, instructions: x}", "\"timeout\" is only for steps of kind command or check" },
		{ "{id: a, title: A, owner: dev, kind: command, run: [./x], checklist: [{id: i, text: I}], instructions: x}",
		  "\"checklist\" is for manual and wait steps" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *yaml = xasprintf("relctl: 1\nname: L\nroles: [release-manager, dev]\npeople:\n"
				       "  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager, dev]}\n"
				       "phases:\n  - id: p\n    steps:\n      - %s\n",
				       cases[i].step);
		struct diagnostics d;
		struct playbook *p;
		size_t k;
		bool found = false;

		diagnostics_init(&d, "l.yaml");
		p = playbook_parse(yaml, strlen(yaml), &d);
		for (k = 0; k < d.count; k++)
			found = found || (!d.items[k].warning && strstr(d.items[k].message, cases[i].message) &&
					  d.items[k].mark.line == 9);
		if (p != NULL || !found)
			for (k = 0; k < d.count; k++)
				print_error("case %zu: %d:%d %s\n", i, d.items[k].mark.line, d.items[k].mark.column,
					    d.items[k].message);
		assert_null(p);
		assert_true(found);
		diagnostics_release(&d);
		free(yaml);
	}
}

/* A command_run of argv in dir, as command_prepare leaves one. */
static void run_of(struct command_run *r, const char *const *argv, const char *dir, long timeout)
{
	size_t n = 0;

	memset(r, 0, sizeof(*r));
	buf_init(&r->tail);
	buf_init(&r->held);
	r->exit_status = -1;
	while (argv[n])
		n++;
	r->argv = calloc(n + 1, sizeof(*r->argv));
	for (r->argc = 0; r->argc < n; r->argc++)
		r->argv[r->argc] = xstrdup(argv[r->argc]);
	r->cwd = xstrdup(dir);
	r->cwd_shown = xstrdup(".");
	r->timeout = timeout;
}

static void collect(const char *data, size_t len, void *out)
{
	buf_add(out, data, len);
}

static void test_a_command_runs_without_a_shell_its_output_hashed_streamed_and_masked(void **state)
{
	static const char *const argv[] = { "sh", "-c", "printf 'one\\n'; printf 'key=s3cret-value\\n' >&2; echo 'last line'; exit 3",
					    NULL };
	struct template_secrets secrets = { NULL, 0 };
	struct command_run r;
	struct buf seen;
	struct error err;
	char hash[65], *last;
	cJSON *result;

	(void)state;
	template_secret_add(&secrets, "s3cret-value");
	buf_init(&seen);
	run_of(&r, argv, "/", 10);
	r.on_output = collect;
	r.output_data = &seen;
	r.mask = &secrets;
	assert_int_equal(command_run(&r, &err), 0);
	assert_int_equal(r.exit_status, 3);
	assert_false(r.timed_out);
	sha256_hex("one\nkey=s3cret-value\nlast line\n", 31, hash);
	assert_string_equal(r.output_sha256, hash);
	assert_int_equal(r.output_bytes, 31);
	assert_string_equal(seen.data, "one\nkey=***\nlast line\n");
	result = command_result_json(&r, &secrets, false);
	assert_string_equal(json_string(result, "outcome"), "failed");
	assert_string_equal(json_string(result, "output_tail"), "one\nkey=***\nlast line\n");
	assert_int_equal(cJSON_GetObjectItem(result, "exit")->valueint, 3);
	last = command_last_line(&r, &secrets);
	assert_string_equal(last, "last line");
	free(last);
	cJSON_Delete(result);
	buf_release(&seen);
	command_release(&r);
	template_secrets_release(&secrets);
}

static void test_a_timeout_kills_the_whole_process_group(void **state)
{
	char dir[] = "/tmp/relctl-unit-XXXXXX", path[64], pid_text[32] = "";
	const char *const argv[] = { "sh", "-c", "sleep 60 & echo $! >child.pid; echo started; sleep 60", NULL };
	struct template_secrets none = { NULL, 0 };
	struct command_run r;
	struct error err;
	cJSON *result;
	FILE *f;
	pid_t child;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	run_of(&r, argv, dir, 1);
	assert_int_equal(command_run(&r, &err), 0);
	assert_true(r.timed_out);
	assert_true(r.duration_ms >= 1000 && r.duration_ms < 10000);
	snprintf(path, sizeof(path), "%s/child.pid", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(pid_text, sizeof(pid_text), f));
	fclose(f);
	child = (pid_t)atol(pid_text);
	assert_true(child > 0);
	for (i = 0; i < 50 && kill(child, 0) == 0; i++)
		usleep(100000);
	assert_int_equal(kill(child, 0), -1);
	result = command_result_json(&r, &none, false);
	assert_string_equal(json_string(result, "outcome"), "timeout");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(result, "exit")));
	cJSON_Delete(result);
	unlink(path);
	rmdir(dir);
	command_release(&r);
}

FIXTURE_SUITE(pb, playbook_yaml, T0)

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_command_is_recorded_by_its_holder_and_a_pass_is_exactly_exit_0),
		T(test_a_result_on_the_wrong_kind_of_step_is_refused),
		T(test_a_poll_is_recorded_by_the_holder_its_role_or_a_manager_and_a_pass_must_meet_expect),
		T(test_expect_takes_the_status_any_2xx_without_one_and_the_text),
		T(test_after_max_wait_the_holder_may_finish_it_without_the_check),
		T(test_without_max_wait_only_a_pass_or_an_override_finishes_it),
		T(test_the_owner_role_may_always_override_and_nobody_else),
		T(test_a_rehearsal_records_only_dry_runs),
		T(test_lint_refuses_a_cwd_outside_env_in_run_and_a_check_without_expect),
		T(test_a_command_runs_without_a_shell_its_output_hashed_streamed_and_masked),
		T(test_a_timeout_kills_the_whole_process_group),
	};

	return cmocka_run_group_tests_name("runs", tests, group_setup, group_teardown);
}

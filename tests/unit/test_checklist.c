/*
 * Checklists (src/ledger.c): the test plan inside the steps.  Who may add
 * and remove items, who records a result and when, done refused while an
 * item has no result, a fail opening a finding linked to its item, the
 * per-item review, and the fresh checklist a delay or a reopen starts.
 *
 * Every event goes through record(): accepted (code 0), or refused with
 * its exit code, a part of its sentence, and no change to the view at
 * all.  After each test the accepted events are replayed from scratch and
 * must give the same view (events are the truth).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cJSON.h"
#include "brief.h"
#include "checklist.h"
#include "crypto.h"
#include "err.h"
#include "event.h"
#include "ledger-view.h"
#include "ledger.h"
#include "playbook.h"
#include "release_fixture.h"
#include "summary_fixture.h"
#include "stats.h"
#include "util.h"

/*
 * rita runs the release; sam and sue test (support), dan and dora are
 * devs.  plan "updates" test, whose checklist has a wifi item only for
 * releases with wifi, and a static-ip item whose footage a dev reviews.
 * notes has both a step review (support) and an item review (dev).
 */
static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Unit checklists\n"
	"roles: [release-manager, product-owner, dev, support]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
	"  - {id: sam, name: Sam, email: sam@example.com, roles: [support]}\n"
	"  - {id: sue, name: Sue, email: sue@example.com, roles: [support]}\n"
	"vars:\n"
	"  wifi: {type: bool, default: false}\n"
	"phases:\n"
	"  - id: testing\n"
	"    steps:\n"
	"      - {id: build, title: Build, owner: dev}\n"
	"      - {id: plan, title: Update the test plan, owner: dev, updates: [test]}\n"
	"      - id: test\n"
	"        title: Test on a device\n"
	"        owner: support\n"
	"        needs: [build, plan]\n"
	"        checklist:\n"
	"          - {id: boot, text: Boots to the web interface}\n"
	"          - {id: video, text: Video shows the remote screen, evidence: required}\n"
	"          - {id: static-ip, text: Static IP saved and reached with no error screen, evidence: required, review: dev}\n"
	"          - {id: wifi, text: Joins the Wi-Fi network, when: wifi}\n"
	"      - id: notes\n"
	"        title: Release notes\n"
	"        owner: dev\n"
	"        review: support\n"
	"        checklist: [{id: links, text: Every link opens, review: dev}]\n"
	"      - {id: decide, title: Decide, kind: decision, owner: product-owner, needs: [test], on_delay: [build, test]}\n"
	"  - id: shipping\n"
	"    steps:\n"
	"      - {id: publish, title: Publish, owner: dev}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

static struct playbook *pb;


/*
 * An event from KEY, VALUE pairs ending with NULL: "evidence" adds a link,
 * "evidence_required", "close" and "wifi" (a start var) take "true"; the rest are strings.
 */
static cJSON *event_va(struct fx *f, const char *actor, const char *op, const char *step, va_list ap)
{
	char id[16];
	const char *key;
	cJSON *e;

	snprintf(id, sizeof(id), "c%03d", ++f->seq);
	e = ledger_event_new(id, f->now, actor, op, step);
	cJSON_AddNumberToObject(e, "candidate", f->st->candidate);
	f->now += 60;
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		cJSON *list;

		if (strcmp(key, "evidence") == 0) {
			list = cJSON_GetObjectItemCaseSensitive(e, "evidence");
			if (list == NULL)
				list = cJSON_AddArrayToObject(e, "evidence");
			cJSON_AddItemToArray(list, cJSON_CreateString(value));
		} else if (strcmp(key, "evidence_required") == 0 || strcmp(key, "close") == 0) {
			cJSON_AddBoolToObject(e, key, strcmp(value, "true") == 0);
		} else if (strcmp(key, "wifi") == 0) {
			cJSON_AddBoolToObject(cJSON_AddObjectToObject(e, "vars"), key, strcmp(value, "true") == 0);
		} else {
			cJSON_AddStringToObject(e, key, value);
		}
	}
	return e;
}

/* record(f, CODE, PART, ACTOR, OP, STEP, KEY, VALUE, ..., NULL): accepted when CODE is 0, else refused so. */
static void record_at(const char *file, int line, struct fx *f, int code, const char *part, const char *actor,
		      const char *op, const char *step, ...)
{
	struct error err = { 0, "" };
	char *before = view_text(f->st), *after;
	va_list ap;
	cJSON *e;
	int rc;

	va_start(ap, step);
	e = event_va(f, actor, op, step, ap);
	va_end(ap);
	rc = ledger_apply(f->st, e, &err);
	after = view_text(f->st);
	if (code == 0) {
		if (rc != 0)
			print_error("%s:%d: %s %s refused (%d): %s\n", file, line, op, step ? step : "", err.code, err.message);
		_assert_int_equal((uintmax_t)rc, 0, file, line);
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(f->doc, "events"), e);
	} else {
		if (rc == 0 || err.code != code || strstr(err.message, part) == NULL)
			print_error("%s:%d: wanted %d \"...%s...\", got rc %d, %d \"%s\"\n", file, line, code, part, rc,
				    err.code, err.message);
		_assert_int_equal((uintmax_t)err.code, (uintmax_t)code, file, line);
		_assert_true(strstr(err.message, part) != NULL, "the message names it", file, line);
		_assert_string_equal(before, after, file, line);
		cJSON_Delete(e);
	}
	free(before);
	free(after);
}

#define record(f, code, part, ...) record_at(__FILE__, __LINE__, f, code, part, __VA_ARGS__, NULL)
#define ok(f, ...) record(f, 0, "", __VA_ARGS__)

static struct step_record *rec(struct fx *f, const char *step)
{
	const struct pb_step *s = playbook_step(pb, step);

	assert_non_null(s);
	return &f->st->steps[s->index];
}

static const struct check_item *item(struct fx *f, const char *step, const char *id)
{
	const struct check_item *it = checklist_item(&rec(f, step)->checklist, id);

	assert_non_null(it);
	return it;
}

static const char *state_of(struct fx *f, const char *step)
{
	return step_state_name(ledger_step_state(f->st, playbook_step(pb, step)->index, f->now));
}

/* Started, build and plan done, sam holds test. */
static void testing(struct fx *f)
{
	ok(f, "rita", "start", NULL);
	ok(f, "dan", "claim", "build");
	ok(f, "dan", "done", "build");
	ok(f, "dora", "claim", "plan");
	ok(f, "dora", "done", "plan");
	ok(f, "sam", "claim", "test");
}

/* Every item of test passes (with the footage where it is required). */
static void all_pass(struct fx *f)
{
	ok(f, "sam", "check", "test", "item", "boot", "result", "pass");
	ok(f, "sam", "check", "test", "item", "video", "result", "pass", "evidence", "https://v.example.com/video");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "pass", "evidence", "https://v.example.com/ip");
}

static int group_setup(void **state)
{
	(void)state;
	pb = fixture_playbook(playbook_yaml, sizeof(playbook_yaml) - 1, "unit.yaml");
	return pb ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	playbook_free(pb);
	return 0;
}

static int setup(void **state)
{
	*state = fixture_new(pb, T0);
	return 0;
}

/* Events are the truth: replaying what was accepted gives the same view. */
static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_replays(pb, f);

	fixture_free(f);
	return rc;
}

/* ---------- the checklist a release starts with ---------- */

static void test_a_release_starts_with_the_playbooks_items_whose_condition_holds(void **state)
{
	struct fx *f = *state;
	const struct step_record *r;

	ok(f, "rita", "start", NULL);
	r = rec(f, "test");
	assert_int_equal(r->checklist.count, 3);
	assert_string_equal(r->checklist.items[0].id, "boot");
	assert_string_equal(r->checklist.items[2].id, "static-ip");
	assert_true(r->checklist.items[2].evidence_required);
	assert_string_equal(r->checklist.items[2].review, "dev");
	assert_null(r->checklist.items[0].added_by);
	assert_null(checklist_item(&r->checklist, "wifi"));
	assert_int_equal(r->checklist.candidate, 1);
	assert_false(ledger_has_checklist(rec(f, "build")));
}

static void test_with_the_var_true_the_conditional_item_is_in(void **state)
{
	struct fx *f = *state;

	ok(f, "rita", "start", NULL, "wifi", "true");
	assert_int_equal(rec(f, "test")->checklist.count, 4);
	assert_string_equal(item(f, "test", "wifi")->text, "Joins the Wi-Fi network");
}

/* ---------- adding and removing items ---------- */

static void test_the_manager_the_steps_role_and_the_holder_of_an_updating_step_add_items(void **state)
{
	struct fx *f = *state;
	struct checklist_counts counts;

	ok(f, "rita", "start", NULL);
	ok(f, "rita", "checklist-add", "test", "item", "hdmi", "text", "HDMI hotplug");
	ok(f, "sue", "checklist-add", "test", "item", "usb", "text", "USB keyboard types");
	record(f, EXIT_NOPERM, "dan cannot add an item to test's checklist: a support (sam, sue), a release manager (rita) or whoever holds plan can",
	       "dan", "checklist-add", "test", "item", "ota", "text", "Update over the air");
	ok(f, "dan", "claim", "plan");
	ok(f, "dan", "checklist-add", "test", "item", "ota", "text", "Update over the air", "evidence_required", "true",
	   "review", "dev");
	assert_string_equal(item(f, "test", "ota")->added_by, "dan");
	assert_true(item(f, "test", "ota")->evidence_required);
	assert_string_equal(item(f, "test", "ota")->review, "dev");
	ok(f, "dan", "done", "plan");
	/* Once plan is done, dan no longer holds a step that updates test. */
	record(f, EXIT_NOPERM, "dan cannot add an item", "dan", "checklist-add", "test", "item", "late", "text", "Late");
	checklist_count(&rec(f, "test")->checklist, &counts);
	assert_int_equal(counts.total, 6);
	assert_int_equal(counts.unchecked, 6);
	assert_int_equal(counts.review_pending, 2);
}

static void test_an_added_item_needs_a_fresh_valid_id_text_and_a_known_role(void **state)
{
	struct fx *f = *state;

	ok(f, "rita", "start", NULL);
	record(f, EXIT_DATAERR, "test already has the item boot; give another --id", "rita", "checklist-add", "test",
	       "item", "boot", "text", "Boots again");
	record(f, EXIT_USAGE, "\"Bad Id\" is not a valid item id", "rita", "checklist-add", "test", "item", "Bad Id",
	       "text", "x");
	record(f, EXIT_USAGE, "needs its text", "rita", "checklist-add", "test", "item", "empty", "text", "");
	record(f, EXIT_USAGE, "--review names the unknown role \"qa\"", "rita", "checklist-add", "test", "item", "x",
	       "text", "x", "review", "qa");
	record(f, EXIT_DATAERR, "decide is a decision step and has no checklist", "rita", "checklist-add", "decide",
	       "item", "x", "text", "x");
	record(f, EXIT_DATAERR, "event c007 (checklist-add) lacks its \"text\"", "rita", "checklist-add", "test", "item",
	       "x");
}

static void test_items_change_only_before_the_step_is_done(void **state)
{
	struct fx *f = *state;

	testing(f);
	all_pass(f);
	ok(f, "sam", "done", "test");
	record(f, EXIT_DATAERR, "cannot add an item to test: it is already in-review", "rita", "checklist-add", "test",
	       "item", "late", "text", "Late");
	ok(f, "dan", "review", "test", "verdict", "approve", "item", "static-ip");
	record(f, EXIT_DATAERR, "cannot remove an item from test: it is already done; 'relctl reopen test --reason TEXT' first",
	       "rita", "checklist-remove", "test", "item", "boot", "reason", "late");
}

static void test_a_removed_item_needs_no_result_and_takes_none(void **state)
{
	struct fx *f = *state;

	testing(f);
	record(f, EXIT_USAGE, "needs --reason TEXT", "rita", "checklist-remove", "test", "item", "video");
	record(f, EXIT_NOPERM, "dan cannot remove an item from test's checklist", "dan", "checklist-remove", "test",
	       "item", "video", "reason", "headless unit");
	record(f, EXIT_USAGE, "test has no checklist item \"vidoe\"; did you mean \"video\"?", "rita", "checklist-remove",
	       "test", "item", "vidoe", "reason", "x");
	ok(f, "sam", "checklist-remove", "test", "item", "video", "reason", "the headless unit has no video out");
	assert_string_equal(item(f, "test", "video")->removed_by, "sam");
	record(f, EXIT_DATAERR, "item video of test was removed by sam: the headless unit has no video out", "sam",
	       "check", "test", "item", "video", "result", "pass");
	record(f, EXIT_DATAERR, "item video of test was removed", "rita", "checklist-remove", "test", "item", "video",
	       "reason", "again");
	ok(f, "sam", "check", "test", "item", "boot", "result", "pass");
	record(f, EXIT_DATAERR, "item boot of test already has a result (pass by sam), which stays", "rita",
	       "checklist-remove", "test", "item", "boot", "reason", "not needed");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "pass", "evidence", "https://v.example.com/ip");
	ok(f, "sam", "done", "test");
	assert_string_equal(state_of(f, "test"), "in-review");
}

/* ---------- results ---------- */

static void test_the_holder_or_a_release_manager_records_results_while_the_step_is_claimed(void **state)
{
	struct fx *f = *state;

	ok(f, "rita", "start", NULL);
	record(f, EXIT_DATAERR, "cannot check items of test yet: it waits for build (ready), plan (ready)", "sam", "check",
	       "test", "item", "boot", "result", "pass");
	ok(f, "dan", "claim", "build");
	ok(f, "dan", "done", "build");
	ok(f, "dora", "claim", "plan");
	ok(f, "dora", "done", "plan");
	record(f, EXIT_DATAERR, "test is not claimed; 'relctl claim test' first", "sam", "check", "test", "item", "boot",
	       "result", "pass");
	ok(f, "sam", "claim", "test");
	record(f, EXIT_NOPERM, "sue cannot record results on test: it is held by sam", "sue", "check", "test", "item",
	       "boot", "result", "pass");
	ok(f, "rita", "check", "test", "item", "boot", "result", "pass", "note", "sam read it out on the call");
	assert_string_equal(item(f, "test", "boot")->by, "rita");
	ok(f, "sam", "block", "test", "reason", "no HDMI cable");
	record(f, EXIT_DATAERR, "test is blocked (no HDMI cable)", "sam", "check", "test", "item", "video", "result",
	       "pass", "evidence", "https://v.example.com/v");
	record(f, EXIT_DATAERR, "decide is a decision step and has no checklist", "paul", "check", "decide", "item", "x",
	       "result", "pass");
}

static void test_a_result_is_pass_fail_or_na_and_fail_and_na_need_a_note(void **state)
{
	struct fx *f = *state;

	testing(f);
	record(f, EXIT_USAGE, "a result is pass, fail or na", "sam", "check", "test", "item", "boot", "result", "ok");
	record(f, EXIT_USAGE, "a fail needs --note TEXT saying what went wrong", "sam", "check", "test", "item", "boot",
	       "result", "fail", "finding", "F-000001");
	record(f, EXIT_USAGE, "na needs --note TEXT saying why the item does not apply", "sam", "check", "test", "item",
	       "boot", "result", "na");
	record(f, EXIT_USAGE, "test has no checklist item \"bot\"; did you mean \"boot\"?", "sam", "check", "test", "item",
	       "bot", "result", "pass");
	record(f, EXIT_USAGE, "--severity is for a fail", "sam", "check", "test", "item", "boot", "result", "pass",
	       "severity", "minor");
	record(f, EXIT_DATAERR, "only a fail carries the id of the finding it opens", "sam", "check", "test", "item",
	       "boot", "result", "pass", "finding", "F-000001");
	record(f, EXIT_DATAERR, "(check) lacks its \"result\"", "sam", "check", "test", "item", "boot");
	ok(f, "sam", "check", "test", "item", "boot", "result", "na", "note", "the unit boots from USB only");
	assert_string_equal(item(f, "test", "boot")->result, "na");
	assert_int_equal(f->st->finding_count, 0);
}

static void test_an_evidence_required_item_needs_a_link_unless_it_is_na(void **state)
{
	struct fx *f = *state;

	testing(f);
	record(f, EXIT_DATAERR, "item video of test needs evidence: add --evidence URL (the footage of this item)", "sam",
	       "check", "test", "item", "video", "result", "pass");
	ok(f, "sam", "check", "test", "item", "video", "result", "na", "note", "no monitor in the lab today");
	ok(f, "sam", "check", "test", "item", "video", "result", "pass", "evidence", "https://v.example.com/v#t=12");
	assert_string_equal(cJSON_GetArrayItem(item(f, "test", "video")->evidence, 0)->valuestring,
			    "https://v.example.com/v#t=12");
}

/*
 * A step with evidence: required is done without --evidence when a result of
 * its checklist carries a link; an na result or a removed item's does not count.
 */
static void test_an_items_link_is_the_steps_evidence(void **state)
{
	static const char yaml[] = "relctl: 1\n"
				   "name: Evidence\n"
				   "roles: [release-manager, support]\n"
				   "people:\n"
				   "  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
				   "  - {id: sam, name: Sam, email: sam@example.com, roles: [support]}\n"
				   "phases:\n"
				   "  - id: p\n"
				   "    steps:\n"
				   "      - id: soak\n"
				   "        title: Soak\n"
				   "        owner: support\n"
				   "        evidence: required\n"
				   "        checklist: [{id: log, text: The log is clean}, {id: temp, text: It stays cool}]\n";
	struct playbook *own = fixture_playbook(yaml, sizeof(yaml) - 1, "evidence.yaml");
	struct fx *f = fixture_new(own, T0);

	(void)state;
	ok(f, "rita", "start", NULL);
	ok(f, "sam", "claim", "soak");
	ok(f, "sam", "check", "soak", "item", "log", "result", "na", "note", "no log today", "evidence",
	   "https://logs.example.com/1");
	ok(f, "sam", "check", "soak", "item", "temp", "result", "pass");
	record(f, EXIT_DATAERR, "soak needs evidence: add at least one --evidence URL (a test video, a log, a link), or give a checklist item's result one",
	       "sam", "done", "soak");
	ok(f, "sam", "check", "soak", "item", "temp", "result", "pass", "evidence", "https://graphs.example.com/temp");
	ok(f, "sam", "done", "soak");
	fixture_free(f);
	playbook_free(own);
}

/*
 * The brief says an item awaits review only once it has a result to review
 * (not at 0 of 4 checked), and that count stays out of the brief's hash, so
 * a decision made from an earlier relctl's brief is judged the same.
 */
static void test_the_brief_counts_only_results_awaiting_review_and_its_hash_ignores_that(void **state)
{
	struct fx *f = *state;
	cJSON *brief, *copy, *step;
	char *md, *text, hash[65], old_hash[65];

	testing(f);
	brief = brief_build(f->st, NULL);
	md = brief_markdown(brief, pb);
	assert_non_null(strstr(md, "**Test on a device**: 0 of 3 items pass"));
	assert_null(strstr(md, "awaiting review"));
	free(md);
	cJSON_Delete(brief);

	ok(f, "sam", "check", "test", "item", "static-ip", "result", "pass", "evidence", "https://v.example.com/ip");
	brief = brief_build(f->st, NULL);
	md = brief_markdown(brief, pb);
	assert_non_null(strstr(md, ", 1 awaiting review"));
	free(md);
	/* The hash is that of the brief without the new count. */
	copy = cJSON_Duplicate(brief, 1);
	cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(copy, "testing"))
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(step, "checklist"), "review_awaiting");
	text = cJSON_PrintUnformatted(copy);
	assert_int_equal(sha256_hex(text, strlen(text), old_hash), 0);
	assert_int_equal(brief_hash(brief, hash), 0);
	assert_string_equal(hash, old_hash);
	free(text);
	cJSON_Delete(copy);
	cJSON_Delete(brief);
}

static void test_a_later_check_replaces_the_result_and_the_events_keep_both(void **state)
{
	struct fx *f = *state;

	testing(f);
	ok(f, "sam", "check", "test", "item", "boot", "result", "na", "note", "no power supply");
	ok(f, "sam", "check", "test", "item", "boot", "result", "pass");
	assert_string_equal(item(f, "test", "boot")->result, "pass");
	assert_null(item(f, "test", "boot")->note);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f->doc, "events")), 8);
}

/* ---------- done ---------- */

static void test_done_is_refused_while_an_item_has_no_result_naming_them(void **state)
{
	struct fx *f = *state;

	testing(f);
	record(f, EXIT_DATAERR, "test: 3 of 3 items have no result: boot, video, static-ip; record each with 'relctl check test ITEM pass|fail|na'",
	       "sam", "done", "test");
	ok(f, "sam", "check", "test", "item", "boot", "result", "pass");
	ok(f, "sam", "check", "test", "item", "video", "result", "pass", "evidence", "https://v.example.com/v");
	record(f, EXIT_DATAERR, "test: 1 of 3 items has no result: static-ip; record it with", "sam", "done", "test");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note", "error page for 5 s", "evidence",
	   "https://v.example.com/ip", "finding", "F-aaaaaa");
	/* A fail does not block done: it is a finding now. */
	ok(f, "sam", "done", "test");
}

static void test_done_names_at_most_five_missing_items(void **state)
{
	struct fx *f = *state;
	const char *ids[] = { "a1", "a2", "a3", "a4", "a5" };

	testing(f);
	for (size_t i = 0; i < 5; i++)
		ok(f, "rita", "checklist-add", "test", "item", ids[i], "text", "more");
	record(f, EXIT_DATAERR, "test: 8 of 8 items have no result: boot, video, static-ip, a1, a2, ...;", "sam", "done",
	       "test");
}

/* ---------- a fail opens a finding ---------- */

static void test_a_fail_opens_a_finding_linked_to_the_step_and_the_item(void **state)
{
	struct fx *f = *state;
	const struct finding *fd;

	testing(f);
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note",
	   "the browser shows 'site can't be reached' for 5 s", "evidence", "https://v.example.com/ip#t=42", "finding",
	   "F-3a9c1e");
	assert_int_equal(f->st->finding_count, 1);
	fd = ledger_finding(f->st, "F-3a9c1e");
	assert_non_null(fd);
	assert_string_equal(fd->title, "the browser shows 'site can't be reached' for 5 s");
	assert_string_equal(fd->severity, "major");
	assert_string_equal(fd->step, "test");
	assert_string_equal(fd->item, "static-ip");
	assert_string_equal(fd->by, "sam");
	assert_int_equal(fd->candidate, 1);
	assert_string_equal(cJSON_GetArrayItem(fd->evidence, 0)->valuestring, "https://v.example.com/ip#t=42");
	assert_false(fd->closed);
	assert_string_equal(item(f, "test", "static-ip")->finding, "F-3a9c1e");
}

static void test_a_fail_takes_its_severity_and_an_id_that_is_free(void **state)
{
	struct fx *f = *state;

	testing(f);
	ok(f, "sam", "finding-add", NULL, "finding", "F-000001", "title", "Fan is loud", "severity", "minor");
	record(f, EXIT_TEMPFAIL, "finding id F-000001 is taken", "sam", "check", "test", "item", "boot", "result", "fail",
	       "note", "no boot", "finding", "F-000001");
	record(f, EXIT_DATAERR, "a fail opens a finding, and this check carries no finding id", "sam", "check", "test",
	       "item", "boot", "result", "fail", "note", "no boot");
	record(f, EXIT_USAGE, "--severity is blocker, major or minor", "sam", "check", "test", "item", "boot", "result",
	       "fail", "note", "no boot", "finding", "F-000002", "severity", "awful");
	ok(f, "sam", "check", "test", "item", "boot", "result", "fail", "note", "no boot", "finding", "F-000002",
	   "severity", "blocker");
	assert_string_equal(ledger_finding(f->st, "F-000002")->severity, "blocker");
}

static void test_a_second_fail_adds_to_the_open_finding_and_one_after_closing_opens_another(void **state)
{
	struct fx *f = *state;
	const struct finding *fd;

	testing(f);
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note", "error page", "evidence",
	   "https://v.example.com/1", "finding", "F-000001");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note", "error page for 5 s, every time",
	   "evidence", "https://v.example.com/2", "evidence", "https://v.example.com/1", "finding", "F-000002");
	assert_int_equal(f->st->finding_count, 1);
	fd = ledger_finding(f->st, "F-000001");
	assert_int_equal(cJSON_GetArraySize(fd->notes), 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(fd->notes, 0), "note")->valuestring,
			    "error page for 5 s, every time");
	assert_int_equal(cJSON_GetArraySize(fd->evidence), 2);
	/* A pass afterwards leaves the finding open: someone closes it, knowing why. */
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "pass", "evidence", "https://v.example.com/3");
	assert_false(ledger_finding(f->st, "F-000001")->closed);
	assert_string_equal(item(f, "test", "static-ip")->finding, "F-000001");
	ok(f, "dan", "finding-update", NULL, "finding", "F-000001", "close", "true");
	record(f, EXIT_DATAERR, "carries no finding id", "sam", "check", "test", "item", "static-ip", "result", "fail",
	       "note", "back again", "evidence", "https://v.example.com/4");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note", "back again", "evidence",
	   "https://v.example.com/4", "finding", "F-000003");
	assert_int_equal(f->st->finding_count, 2);
	assert_string_equal(item(f, "test", "static-ip")->finding, "F-000003");
}

/* ---------- review per item ---------- */

static void test_an_item_with_a_review_role_puts_the_step_in_review_until_a_reviewer_approves_it(void **state)
{
	struct fx *f = *state;

	testing(f);
	all_pass(f);
	ok(f, "sam", "done", "test");
	assert_string_equal(state_of(f, "test"), "in-review");
	record(f, EXIT_DATAERR, "test waits for reviews of its items: static-ip; 'relctl review test approve|reject --item ITEM'",
	       "dan", "review", "test", "verdict", "approve");
	record(f, EXIT_NOPERM, "sue cannot review item static-ip of test: it needs the role dev", "sue", "review", "test",
	       "verdict", "approve", "item", "static-ip");
	record(f, EXIT_DATAERR, "item boot of test has no review role", "dan", "review", "test", "verdict", "approve",
	       "item", "boot");
	record(f, EXIT_DATAERR, "test was done by sam and waits for review by a dev", "sue", "claim", "test");
	record(f, EXIT_DATAERR, "test is done and waits for review by a dev; results change before done", "sam", "check",
	       "test", "item", "boot", "result", "pass");
	ok(f, "dan", "review", "test", "verdict", "approve", "item", "static-ip", "note", "no error page at 0:42");
	assert_string_equal(state_of(f, "test"), "done");
	assert_string_equal(item(f, "test", "static-ip")->review_by, "dan");
	assert_string_equal(item(f, "test", "static-ip")->review_verdict, "approve");
	record(f, EXIT_DATAERR, "test is done, not waiting for review", "dora", "review", "test", "verdict", "approve",
	       "item", "static-ip");
}

static void test_a_rejected_item_goes_back_to_the_holder_to_be_checked_again(void **state)
{
	struct fx *f = *state;

	testing(f);
	all_pass(f);
	ok(f, "sam", "done", "test");
	record(f, EXIT_USAGE, "a rejection needs --note TEXT", "dan", "review", "test", "verdict", "reject", "item",
	       "static-ip");
	ok(f, "dan", "review", "test", "verdict", "reject", "item", "static-ip", "note",
	   "at 0:42 the browser shows 'site can't be reached'");
	assert_string_equal(state_of(f, "test"), "claimed");
	assert_string_equal(rec(f, "test")->holder, "sam");
	assert_null(item(f, "test", "static-ip")->result);
	assert_string_equal(item(f, "test", "static-ip")->review_note, "at 0:42 the browser shows 'site can't be reached'");
	assert_string_equal(item(f, "test", "boot")->result, "pass");
	record(f, EXIT_DATAERR, "test: 1 of 3 items has no result: static-ip", "sam", "done", "test");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note", "error page for 5 s", "evidence",
	   "https://v.example.com/ip", "finding", "F-000001");
	assert_null(item(f, "test", "static-ip")->review_verdict);
	ok(f, "sam", "done", "test");
	ok(f, "dora", "review", "test", "verdict", "approve", "item", "static-ip");
	assert_string_equal(state_of(f, "test"), "done");
}

static void test_nobody_reviews_their_own_result(void **state)
{
	struct fx *f = *state;

	ok(f, "rita", "start", NULL);
	ok(f, "dan", "claim", "notes");
	ok(f, "dan", "check", "notes", "item", "links", "result", "pass");
	ok(f, "dan", "done", "notes");
	record(f, EXIT_NOPERM, "dan cannot review their own result for links of notes", "dan", "review", "notes",
	       "verdict", "approve", "item", "links");
}

static void test_a_step_with_its_own_review_and_an_items_is_done_when_both_approve_in_any_order(void **state)
{
	struct fx *f = *state;

	ok(f, "rita", "start", NULL);
	ok(f, "dan", "claim", "notes");
	ok(f, "dan", "check", "notes", "item", "links", "result", "pass");
	ok(f, "dan", "done", "notes");
	ok(f, "sam", "review", "notes", "verdict", "approve");
	assert_string_equal(state_of(f, "notes"), "in-review");
	record(f, EXIT_DATAERR, "notes was approved by sam and waits for reviews of its items: links", "sue", "review",
	       "notes", "verdict", "approve");
	ok(f, "dora", "review", "notes", "verdict", "approve", "item", "links");
	assert_string_equal(state_of(f, "notes"), "done");

	ok(f, "rita", "reopen", "notes", "reason", "a link moved");
	ok(f, "dan", "claim", "notes");
	ok(f, "dan", "check", "notes", "item", "links", "result", "pass");
	ok(f, "dan", "done", "notes");
	ok(f, "dora", "review", "notes", "verdict", "approve", "item", "links");
	assert_string_equal(state_of(f, "notes"), "in-review");
	ok(f, "sam", "review", "notes", "verdict", "approve");
	assert_string_equal(state_of(f, "notes"), "done");
}

/* ---------- a fresh checklist for the next candidate ---------- */

static void test_a_delay_gives_the_reopened_step_a_fresh_checklist_and_keeps_the_earlier_one(void **state)
{
	struct fx *f = *state;
	const struct step_record *r;

	testing(f);
	ok(f, "rita", "checklist-add", "test", "item", "hdmi", "text", "HDMI hotplug");
	ok(f, "sam", "checklist-remove", "test", "item", "video", "reason", "headless unit");
	ok(f, "sam", "check", "test", "item", "boot", "result", "pass");
	ok(f, "sam", "check", "test", "item", "hdmi", "result", "pass");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note", "error page", "evidence",
	   "https://v.example.com/rc1", "finding", "F-000001");
	ok(f, "sam", "done", "test");
	ok(f, "dan", "review", "test", "verdict", "approve", "item", "static-ip");
	ok(f, "paul", "decide", NULL, "decision", "delay", "reason", "fix the error page");
	r = rec(f, "test");
	assert_int_equal(f->st->candidate, 2);
	assert_int_equal(r->earlier_count, 1);
	assert_int_equal(r->earlier[0].candidate, 1);
	assert_string_equal(checklist_item(&r->earlier[0], "static-ip")->result, "fail");
	assert_string_equal(checklist_item(&r->earlier[0], "static-ip")->finding, "F-000001");
	assert_int_equal(r->checklist.candidate, 2);
	assert_int_equal(r->checklist.count, 4);
	assert_null(item(f, "test", "static-ip")->result);
	assert_null(item(f, "test", "static-ip")->finding);
	assert_null(item(f, "test", "static-ip")->review_verdict);
	assert_string_equal(item(f, "test", "hdmi")->added_by, "rita");
	assert_string_equal(item(f, "test", "video")->removed_by, "sam");
	/* build is reopened too, with no checklist to keep. */
	assert_int_equal(rec(f, "build")->earlier_count, 0);
	ok(f, "dan", "claim", "build");
	ok(f, "dan", "done", "build");
	ok(f, "sam", "claim", "test");
	record(f, EXIT_DATAERR, "test: 3 of 3 items have no result", "sam", "done", "test");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "pass", "evidence", "https://v.example.com/rc2");
	assert_string_equal(checklist_item(&rec(f, "test")->earlier[0], "static-ip")->result, "fail");
}

static void test_a_reopen_keeps_the_results_as_an_earlier_checklist_only_when_there_were_any(void **state)
{
	struct fx *f = *state;

	testing(f);
	ok(f, "sam", "unclaim", "test");
	ok(f, "rita", "skip", "test", "reason", "no device this week");
	assert_int_equal(rec(f, "test")->earlier_count, 0);
	ok(f, "rita", "reopen", "test", "reason", "the device arrived");
	ok(f, "sam", "claim", "test");
	all_pass(f);
	ok(f, "sam", "done", "test");
	ok(f, "sam", "reopen", "test", "reason", "the video was of the wrong unit");
	assert_int_equal(rec(f, "test")->earlier_count, 1);
	assert_int_equal(rec(f, "test")->earlier[0].candidate, 1);
	assert_null(item(f, "test", "boot")->result);
}

static void test_the_view_carries_the_checklist_only_on_steps_that_have_one(void **state)
{
	struct fx *f = *state;
	cJSON *doc = cJSON_CreateObject();
	const cJSON *steps, *list, *it;

	testing(f);
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "fail", "note", "error page", "evidence",
	   "https://v.example.com/ip", "finding", "F-000001");
	ledger_write_view(f->st, doc);
	steps = cJSON_GetObjectItem(doc, "steps");
	assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(steps, "build"), "checklist"));
	list = cJSON_GetObjectItem(cJSON_GetObjectItem(steps, "test"), "checklist");
	assert_int_equal(cJSON_GetObjectItem(list, "total")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(list, "fail")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(list, "unchecked")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(list, "review_pending")->valueint, 1);
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(list, "items"), 2);
	assert_string_equal(cJSON_GetObjectItem(it, "id")->valuestring, "static-ip");
	assert_string_equal(cJSON_GetObjectItem(it, "finding")->valuestring, "F-000001");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(it, "review"), "role")->valuestring, "dev");
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "findings"), 0), "item")->valuestring,
		"static-ip");
	cJSON_Delete(doc);
}

/* ---------- stats over releases ---------- */

static void test_stats_rank_failing_items_name_always_na_ones_and_time_a_checklist(void **state)
{
	struct fx *f = *state, *g = fixture_new(pb, T0);
	const struct release_state *both[2] = { f->st, g->st };
	const cJSON *cl, *first;
	cJSON *stats;

	testing(f);
	testing(g);
	/* f: video fails, boot na; every item has a result, over 40 minutes. */
	ok(f, "sam", "check", "test", "item", "boot", "result", "na", "note", "no power button");
	f->now += 40 * 60;
	ok(f, "sam", "check", "test", "item", "video", "result", "fail", "note", "black screen", "evidence",
	   "https://v.example.com/1", "finding", "F-000001");
	ok(f, "sam", "check", "test", "item", "static-ip", "result", "pass", "evidence", "https://v.example.com/2");
	/* g: video fails again, boot na again, static-ip not checked yet. */
	ok(g, "sam", "check", "test", "item", "boot", "result", "na", "note", "no power button");
	ok(g, "sam", "check", "test", "item", "video", "result", "fail", "note", "black screen", "evidence",
	   "https://v.example.com/3", "finding", "F-000002");
	{
		const cJSON *docs[2] = { f->doc, g->doc };
		struct stats_options opt = { 0, NULL, 0 };

		stats = stats_of(both, docs, 2, pb, &opt);
	}
	cl = cJSON_GetObjectItem(stats, "checklists");
	first = cJSON_GetArrayItem(cJSON_GetObjectItem(cl, "failed_most"), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cl, "failed_most")), 1);
	assert_string_equal(cJSON_GetObjectItem(first, "item")->valuestring, "video");
	assert_int_equal(cJSON_GetObjectItem(first, "fails")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(first, "checked")->valueint, 2);
	first = cJSON_GetArrayItem(cJSON_GetObjectItem(cl, "always_na"), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cl, "always_na")), 1);
	assert_string_equal(cJSON_GetObjectItem(first, "item")->valuestring, "boot");
	assert_int_equal(cJSON_GetObjectItem(first, "times")->valueint, 2);
	/* Only f's checklist is complete: first result to last is 42 minutes (a minute between events). */
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cl, "duration"), "count")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cl, "duration"), "median_seconds")->valueint, 42 * 60);
	cJSON_Delete(stats);
	fixture_free(g);
}

/* An item added without an id (the CLI and the board alike) gets one made of its text, cut at a whole word. */
static void test_an_item_without_an_id_gets_one_made_of_its_text(void **state)
{
	char id[CHECKLIST_ITEM_ID_MAX + 1];

	(void)state;
	checklist_item_id("Static IP: saved & reached again", id);
	assert_string_equal(id, "static-ip-saved-reached");
	checklist_item_id("The LED blinks green after the update", id);
	assert_string_equal(id, "the-led-blinks-green");
	checklist_item_id("  Über 4K?  ", id);
	assert_string_equal(id, "ber-4k");
	checklist_item_id("abcdefghijklmnopqrstuvwxyz0123", id);
	assert_string_equal(id, "abcdefghijklmnopqrstuvwx");
	checklist_item_id("!!!", id);
	assert_string_equal(id, "item");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_release_starts_with_the_playbooks_items_whose_condition_holds),
		T(test_with_the_var_true_the_conditional_item_is_in),
		T(test_the_manager_the_steps_role_and_the_holder_of_an_updating_step_add_items),
		T(test_an_added_item_needs_a_fresh_valid_id_text_and_a_known_role),
		T(test_items_change_only_before_the_step_is_done),
		T(test_a_removed_item_needs_no_result_and_takes_none),
		T(test_the_holder_or_a_release_manager_records_results_while_the_step_is_claimed),
		T(test_a_result_is_pass_fail_or_na_and_fail_and_na_need_a_note),
		T(test_an_evidence_required_item_needs_a_link_unless_it_is_na),
		T(test_a_later_check_replaces_the_result_and_the_events_keep_both),
		cmocka_unit_test(test_an_items_link_is_the_steps_evidence),
		T(test_the_brief_counts_only_results_awaiting_review_and_its_hash_ignores_that),
		T(test_done_is_refused_while_an_item_has_no_result_naming_them),
		T(test_done_names_at_most_five_missing_items),
		T(test_a_fail_opens_a_finding_linked_to_the_step_and_the_item),
		T(test_a_fail_takes_its_severity_and_an_id_that_is_free),
		T(test_a_second_fail_adds_to_the_open_finding_and_one_after_closing_opens_another),
		T(test_an_item_with_a_review_role_puts_the_step_in_review_until_a_reviewer_approves_it),
		T(test_a_rejected_item_goes_back_to_the_holder_to_be_checked_again),
		T(test_nobody_reviews_their_own_result),
		T(test_a_step_with_its_own_review_and_an_items_is_done_when_both_approve_in_any_order),
		T(test_a_delay_gives_the_reopened_step_a_fresh_checklist_and_keeps_the_earlier_one),
		T(test_a_reopen_keeps_the_results_as_an_earlier_checklist_only_when_there_were_any),
		T(test_the_view_carries_the_checklist_only_on_steps_that_have_one),
		T(test_stats_rank_failing_items_name_always_na_ones_and_time_a_checklist),
		cmocka_unit_test(test_an_item_without_an_id_gets_one_made_of_its_text),
	};

	return cmocka_run_group_tests_name("checklist", tests, group_setup, group_teardown);
}

/*
 * Quorum reviews and checklist item owners (src/steps.c, src/checklist.c):
 * a step whose review asks for several approvals is done when that many
 * distinct people of the role approved, none of them the doer, a reject
 * starts the count again, and a review of one keeps today's view; an item
 * with an owner is checked by that role only, never by the step's holder,
 * and done still needs it.  After each test the accepted events are
 * replayed from scratch and must give the same view.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "brief.h"
#include "cJSON.h"
#include "checklist.h"
#include "err.h"
#include "event.h"
#include "ledger-view.h"
#include "ledger.h"
#include "playbook.h"
#include "release_fixture.h"
#include "util.h"

/*
 * dan, dora and dave are devs; wes is the Windows expert.  build needs two
 * dev approvals, tag one; notes is rita's, with an item only wes checks.
 */
static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Unit quorum\n"
	"roles: [release-manager, product-owner, dev, windows]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
	"  - {id: dave, name: Dave, email: dave@example.com, roles: [dev]}\n"
	"  - {id: wes, name: Wes, email: wes@example.com, roles: [windows]}\n"
	"phases:\n"
	"  - id: p\n"
	"    steps:\n"
	"      - {id: build, title: Build, owner: dev, instructions: Build it., review: {role: dev, count: 2}}\n"
	"      - {id: tag, title: Tag, owner: dev, instructions: Tag it., review: dev}\n"
	"      - id: notes\n"
	"        title: Notes\n"
	"        owner: release-manager\n"
	"        instructions: Write them.\n"
	"        checklist: [{id: win, text: Windows installer, owner: windows}, {id: mac, text: Mac}]\n"
	"      - {id: decide, title: Decide, kind: decision, owner: release-manager, instructions: Decide.}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

static struct playbook *pb;

static cJSON *review(struct fx *f, const char *who, const char *step, const char *verdict)
{
	cJSON *e = with(ev(f, who, "review", step), "verdict", verdict);

	return strcmp(verdict, "reject") == 0 ? with(e, "note", "the log shows a warning") : e;
}

static cJSON *check(struct fx *f, const char *who, const char *item, const char *result)
{
	return with(with(ev(f, who, "check", "notes"), "item", item), "result", result);
}

static size_t index_of(const char *step)
{
	return playbook_step(pb, step)->index;
}

static const char *state_of(struct fx *f, const char *step)
{
	return step_state_name(ledger_step_state(f->st, index_of(step), f->now));
}

static const char *approvals(struct fx *f, const char *step)
{
	static char text[64];

	return ledger_approvals(f->st, index_of(step), text, sizeof(text));
}

/* The "review" object of step in the view. */
static cJSON *view_review(struct fx *f, const char *step, cJSON **doc)
{
	*doc = cJSON_CreateObject();
	ledger_write_view(f->st, *doc);
	return cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(*doc, "steps"), step), "review");
}

/* Started, dan did build: it waits for two approvals. */
static void built(struct fx *f)
{
	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "done", "build"));
}

static void test_a_quorum_step_is_done_after_that_many_distinct_approvals_none_by_the_doer(void **state)
{
	struct fx *f = *state;
	cJSON *doc, *rv;

	built(f);
	assert_string_equal(state_of(f, "build"), "in-review");
	assert_string_equal(approvals(f, "build"), "0 of 2 approvals");
	refuse(f, review(f, "dan", "build", "approve"), EXIT_NOPERM, "dan cannot review their own work on build");
	accept(f, review(f, "dora", "build", "approve"));
	assert_string_equal(state_of(f, "build"), "in-review");
	assert_string_equal(approvals(f, "build"), "1 of 2 approvals");
	assert_string_equal(ledger_review_role(f->st, index_of("build")), "dev");
	refuse(f, review(f, "dora", "build", "approve"), EXIT_DATAERR,
	       "dora already approved build (1 of 2 approvals); it waits for another dev");
	refuse(f, review(f, "wes", "build", "approve"), EXIT_NOPERM, "wes cannot review");
	accept(f, review(f, "dave", "build", "approve"));
	assert_string_equal(state_of(f, "build"), "done");
	assert_string_equal(approvals(f, "build"), "2 of 2 approvals");
	rv = view_review(f, "build", &doc);
	assert_int_equal(cJSON_GetObjectItem(rv, "count")->valueint, 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(rv, "approvals")), 2);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(rv, "approvals"), 0)->valuestring, "dora");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(rv, "approvals"), 1)->valuestring, "dave");
	assert_string_equal(cJSON_GetObjectItem(rv, "by")->valuestring, "dave");
	cJSON_Delete(doc);
	refuse(f, review(f, "dan", "build", "approve"), EXIT_DATAERR, "build is done, not waiting for review");
}

static void test_the_brief_says_how_far_a_quorum_got(void **state)
{
	struct fx *f = *state;
	cJSON *brief, *step;
	char *text;

	built(f);
	accept(f, review(f, "dora", "build", "approve"));
	brief = brief_build(f->st, NULL);
	assert_non_null(brief);
	step = cJSON_GetArrayItem(cJSON_GetObjectItem(brief, "testing"), 0);
	assert_string_equal(cJSON_GetObjectItem(step, "id")->valuestring, "build");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(step, "review"), "approvals")->valuestring,
			    "1 of 2 approvals");
	text = brief_markdown(brief, pb);
	assert_non_null(strstr(text, "approve by dora (1 of 2 approvals)"));
	free(text);
	cJSON_Delete(brief);
}

static void test_a_reject_sends_it_back_and_the_approvals_start_again(void **state)
{
	struct fx *f = *state;

	built(f);
	accept(f, review(f, "dora", "build", "approve"));
	accept(f, review(f, "dave", "build", "reject"));
	assert_string_equal(state_of(f, "build"), "claimed");
	assert_string_equal(f->st->steps[index_of("build")].holder, "dan");
	accept(f, ev(f, "dan", "done", "build"));
	assert_string_equal(approvals(f, "build"), "0 of 2 approvals");
	accept(f, review(f, "dora", "build", "approve"));
	assert_string_equal(state_of(f, "build"), "in-review");
	accept(f, review(f, "dave", "build", "approve"));
	assert_string_equal(state_of(f, "build"), "done");
}

static void test_a_review_of_one_keeps_the_view_it_always_had(void **state)
{
	struct fx *f = *state;
	cJSON *doc, *rv, *field;
	const char *const keys[] = { "role", "by", "verdict", "note" };
	size_t i = 0;

	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "dan", "claim", "tag"));
	accept(f, ev(f, "dan", "done", "tag"));
	assert_null(approvals(f, "tag"));
	accept(f, review(f, "dora", "tag", "approve"));
	assert_string_equal(state_of(f, "tag"), "done");
	rv = view_review(f, "tag", &doc);
	assert_int_equal(cJSON_GetArraySize(rv), 4);
	cJSON_ArrayForEach(field, rv)
		assert_string_equal(field->string, keys[i++]);
	cJSON_Delete(doc);
}

static void test_an_owned_item_is_checked_by_its_role_not_by_the_holder(void **state)
{
	struct fx *f = *state;
	size_t from = 0;
	const struct check_item *it;

	accept(f, ev(f, "rita", "start", NULL));
	assert_null(ledger_owned_item(f->st, index_of("notes"), "wes", &from));
	accept(f, ev(f, "rita", "claim", "notes"));
	it = ledger_owned_item(f->st, index_of("notes"), "wes", &from);
	assert_non_null(it);
	assert_string_equal(it->id, "win");
	assert_null(ledger_owned_item(f->st, index_of("notes"), "wes", &from));
	from = 0;
	assert_null(ledger_owned_item(f->st, index_of("notes"), "rita", &from));
	refuse(f, check(f, "rita", "win", "pass"), EXIT_NOPERM,
	       "rita cannot check item win of notes: it needs the role windows; ask a windows (wes)");
	refuse(f, check(f, "dan", "win", "pass"), EXIT_NOPERM, "it needs the role windows; ask a windows (wes)");
	refuse(f, check(f, "wes", "mac", "pass"), EXIT_NOPERM, "wes cannot record results on notes");
	accept(f, check(f, "rita", "mac", "pass"));
	refuse(f, ev(f, "rita", "done", "notes"), EXIT_DATAERR, "1 of 2 items has no result: win");
	accept(f, check(f, "wes", "win", "pass"));
	from = 0;
	assert_null(ledger_owned_item(f->st, index_of("notes"), "wes", &from));
	assert_string_equal(checklist_item(&f->st->steps[index_of("notes")].checklist, "win")->by, "wes");
	accept(f, ev(f, "rita", "done", "notes"));
	assert_string_equal(state_of(f, "notes"), "done");
}

static void test_an_owned_item_keeps_its_owner_in_the_view_and_in_a_fresh_checklist(void **state)
{
	struct fx *f = *state;
	cJSON *doc = cJSON_CreateObject(), *items;

	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "rita", "claim", "notes"));
	accept(f, check(f, "wes", "win", "pass"));
	accept(f, check(f, "rita", "mac", "pass"));
	accept(f, ev(f, "rita", "done", "notes"));
	accept(f, with(ev(f, "rita", "reopen", "notes"), "reason", "the installer changed"));
	accept(f, ev(f, "rita", "claim", "notes"));
	refuse(f, check(f, "rita", "win", "pass"), EXIT_NOPERM, "it needs the role windows");
	ledger_write_view(f->st, doc);
	items = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "steps"), "notes"),
							 "checklist"),
				    "items");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "owner")->valuestring, "windows");
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 1), "owner"));
	cJSON_Delete(doc);
}

/* An item added for this release may name its owner role too; an unknown role is refused. */
static void test_an_added_item_with_an_owner_is_checked_by_that_role(void **state)
{
	struct fx *f = *state;

	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "rita", "claim", "notes"));
	refuse(f, with(with(with(ev(f, "rita", "checklist-add", "notes"), "item", "arm"), "text", "ARM64 installer"), "owner",
		       "windos"),
	       EXIT_USAGE, "--owner names the unknown role \"windos\"");
	accept(f, with(with(with(ev(f, "rita", "checklist-add", "notes"), "item", "arm"), "text", "ARM64 installer"), "owner",
		       "windows"));
	assert_string_equal(checklist_item(&f->st->steps[index_of("notes")].checklist, "arm")->owner, "windows");
	refuse(f, check(f, "rita", "arm", "pass"), EXIT_NOPERM,
	       "rita cannot check item arm of notes: it needs the role windows; ask a windows (wes)");
	accept(f, check(f, "wes", "arm", "pass"));
}

/*
 * The work of a step is every try from its claim to done: the rework after a
 * rejected review adds to the first try (stats' claim to done), while the
 * view's claimed_at stays the time it came back, as it always was.
 */
static void test_the_work_of_a_rejected_step_counts_every_try(void **state)
{
	struct fx *f = *state;
	const struct step_record *r = &f->st->steps[index_of("build")];
	time_t claimed, back;
	long first;

	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "dan", "claim", "build"));
	claimed = r->claimed_at;
	f->now += 2 * 3600;
	accept(f, ev(f, "dan", "done", "build"));
	first = r->worked;
	assert_true(first >= 2 * 3600);
	assert_int_equal(first, r->done_at - claimed);
	f->now += 3600;
	accept(f, review(f, "dora", "build", "reject"));
	back = r->claimed_at;
	assert_true(back > r->done_at || r->done_at == 0);
	f->now += 1800;
	accept(f, ev(f, "dan", "done", "build"));
	assert_int_equal(r->worked, first + (r->done_at - back));
	assert_true(r->worked > r->done_at - r->claimed_at);
	accept(f, with(ev(f, "rita", "reopen", "build"), "reason", "a new build"));
	assert_int_equal(r->worked, 0);
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

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_replays(pb, f);

	fixture_free(f);
	return rc;
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_a_quorum_step_is_done_after_that_many_distinct_approvals_none_by_the_doer),
		T(test_the_brief_says_how_far_a_quorum_got),
		T(test_a_reject_sends_it_back_and_the_approvals_start_again),
		T(test_a_review_of_one_keeps_the_view_it_always_had),
		T(test_an_owned_item_is_checked_by_its_role_not_by_the_holder),
		T(test_an_owned_item_keeps_its_owner_in_the_view_and_in_a_fresh_checklist),
		T(test_an_added_item_with_an_owner_is_checked_by_that_role),
		T(test_the_work_of_a_rejected_step_counts_every_try),
	};

	return cmocka_run_group_tests_name("quorum", tests, group_setup, group_teardown);
}

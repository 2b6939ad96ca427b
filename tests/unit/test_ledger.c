/*
 * The release state machine (src/ledger.c): every transition and every
 * refusal, driven with events as the CLI, sync and verify build them.
 *
 * Each test gets a fresh release of a small playbook.  Accepted events are
 * kept in a release document; after every test that document is replayed
 * from scratch and its view must equal the live state's view (events are
 * the truth).  Every refusal is checked for its exit code, a key part of its
 * sentence, and that it left the state exactly as it was.
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
#include "err.h"
#include "event.h"
#include "ledger-view.h"
#include "ledger.h"
#include "playbook.h"
#include "release_fixture.h"
#include "util.h"

/*
 * Roles: rita is only a release manager, rolf a release manager and dev;
 * dex is dev and support (to review their own work).  Two phases; the
 * second holds the wait, hook and decision steps.
 */
static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Unit\n"
	"roles: [release-manager, product-owner, dev, support]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: rolf, name: Rolf, email: rolf@example.com, roles: [release-manager, dev]}\n"
	"  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
	"  - {id: pia, name: Pia, email: pia@example.com, roles: [product-owner]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
	"  - {id: dex, name: Dex, email: dex@example.com, roles: [dev, support]}\n"
	"  - {id: sam, name: Sam, email: sam@example.com, roles: [support]}\n"
	"  - {id: sue, name: Sue, email: sue@example.com, roles: [support]}\n"
	"vars:\n"
	"  advisory: {type: bool, default: false}\n"
	"  codename: {type: string, default: none}\n"
	"  rc: {type: number, default: 1}\n"
	"hooks:\n"
	"  notes:\n"
	"    url: \"http://127.0.0.1:9/notes\"\n"
	"    body: \"{{release.version}}\"\n"
	"phases:\n"
	"  - id: testing\n"
	"    steps:\n"
	"      - {id: build, title: Build, owner: dev, estimate: 1h}\n"
	"      - {id: advisory, title: Advisory, owner: dev, when: advisory, needs: [build]}\n"
	"      - {id: plain-notes, title: Plain notes, owner: dev, when: \"!advisory\"}\n"
	"      - {id: test, title: Test, owner: support, needs: [build, plan], evidence: required, review: dev}\n"
	"      - {id: plan, title: Plan, owner: dev}\n"
	"  - id: shipping\n"
	"    steps:\n"
	"      - {id: watch, title: Watch, kind: wait, min_duration: 48h, owner: support}\n"
	"      - {id: publish, title: Publish, kind: hook, hook: notes, owner: dev}\n"
	"      - {id: decide, title: Decide, kind: decision, owner: product-owner, inputs: [dev], needs: [watch]}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

/* The candidate relctl writes in every event: rc1, where these releases stay. */
static cJSON *in_rc1(cJSON *e)
{
	cJSON_AddNumberToObject(e, "candidate", 1);
	return e;
}
#define HOUR 3600

static struct playbook *pb;

/* ---------- helpers ---------- */

static cJSON *with_evidence(cJSON *e, const char *link)
{
	cJSON *list = cJSON_AddArrayToObject(e, "evidence");

	if (link)
		cJSON_AddItemToArray(list, cJSON_CreateString(link));
	return e;
}


static size_t idx(const char *step)
{
	const struct pb_step *s = playbook_step(pb, step);

	assert_non_null(s);
	return s->index;
}

static const char *st_of(struct fx *f, const char *step)
{
	return step_state_name(ledger_step_state(f->st, idx(step), f->now));
}

static const struct step_record *rec(struct fx *f, const char *step)
{
	return &f->st->steps[idx(step)];
}

static void assert_holder_at(struct fx *f, const char *step, const char *who, const char *file, int line)
{
	const char *holder = rec(f, step)->holder;

	if (who == NULL)
		_assert_true(holder == NULL, "nobody holds it", file, line);
	else
		_assert_string_equal(holder ? holder : "(nobody)", who, file, line);
}

#define assert_holder(f, step, who) assert_holder_at(f, step, who, __FILE__, __LINE__)

static void start(struct fx *f, bool advisory)
{
	cJSON *e = ev(f, "rita", "start", NULL);

	if (advisory)
		cJSON_AddBoolToObject(cJSON_AddObjectToObject(e, "vars"), "advisory", 1);
	accept(f, e);
}

/* build and plan done, so test can be claimed. */
static void finish_build_and_plan(struct fx *f)
{
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "done", "build"));
	accept(f, ev(f, "dora", "claim", "plan"));
	accept(f, ev(f, "dora", "done", "plan"));
}

/* The testing phase complete (advisory skipped by its condition). */
static void finish_testing(struct fx *f)
{
	finish_build_and_plan(f);
	accept(f, ev(f, "dan", "claim", "plain-notes"));
	accept(f, ev(f, "dan", "done", "plain-notes"));
	accept(f, ev(f, "sam", "claim", "test"));
	accept(f, with_evidence(ev(f, "sam", "done", "test"), "https://videos.example.com/t1"));
	accept(f, with(ev(f, "dora", "review", "test"), "verdict", "approve"));
}

/* ---------- fixture ---------- */

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

/* ---------- start ---------- */

static void test_start_takes_declared_defaults_and_skips_false_when_steps_with_the_reason(void **state)
{
	struct fx *f = *state;
	const cJSON *vars;

	start(f, false);
	assert_int_equal(f->st->event_count, 1);
	assert_string_equal(f->st->started_by, "rita");
	assert_int_equal(f->st->started_at, T0);
	assert_int_equal(f->st->status, RELEASE_OPEN);
	vars = f->st->vars;
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(vars, "advisory")));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(vars, "codename")->valuestring, "none");
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(vars, "rc")));
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(vars, "rc")->valueint, 1);

	assert_string_equal(st_of(f, "advisory"), "skipped");
	assert_string_equal(rec(f, "advisory")->reason, "skipped by condition: advisory is false");
	assert_string_equal(st_of(f, "plain-notes"), "ready"); /* when: "!advisory" */
	assert_string_equal(st_of(f, "build"), "ready");
	assert_string_equal(st_of(f, "plan"), "ready");
	assert_string_equal(st_of(f, "test"), "pending");
	assert_string_equal(st_of(f, "watch"), "pending");
	assert_string_equal(st_of(f, "decide"), "pending");
	/* ready_at is when the step became claimable: at the start for build. */
	assert_int_equal(rec(f, "build")->ready_at, T0);
	assert_int_equal(rec(f, "test")->ready_at, 0);
	assert_int_equal(rec(f, "watch")->ready_at, 0);
	assert_int_equal(ledger_current_phase(f->st), 0);
	assert_false(ledger_phase_open(f->st, 1));
}

static void test_start_with_a_true_var_skips_the_negated_steps_instead(void **state)
{
	struct fx *f = *state;

	start(f, true);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f->st->vars, "advisory")));
	assert_string_equal(st_of(f, "advisory"), "pending"); /* needs build */
	assert_null(rec(f, "advisory")->reason);
	assert_string_equal(st_of(f, "plain-notes"), "skipped");
	assert_string_equal(rec(f, "plain-notes")->reason, "skipped by condition: advisory is true");
}

static void test_start_takes_typed_vars_of_each_kind(void **state)
{
	struct fx *f = *state;
	cJSON *e = ev(f, "rita", "start", NULL), *vars = cJSON_AddObjectToObject(e, "vars");

	cJSON_AddStringToObject(vars, "codename", "otter");
	cJSON_AddNumberToObject(vars, "rc", 3);
	accept(f, e);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(f->st->vars, "codename")->valuestring, "otter");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(f->st->vars, "rc")->valueint, 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(f->st->vars, "advisory")));
}

static void test_start_refuses_vars_of_the_wrong_type_or_unknown(void **state)
{
	struct fx *f = *state;
	cJSON *e;

	e = ev(f, "rita", "start", NULL);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "vars"), "advisory", "yes");
	refuse(f, e, EXIT_USAGE, "var \"advisory\" is a bool");

	e = ev(f, "rita", "start", NULL);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "vars"), "rc", "three");
	refuse(f, e, EXIT_USAGE, "var \"rc\" is a number");

	e = ev(f, "rita", "start", NULL);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(e, "vars"), "codename", 7);
	refuse(f, e, EXIT_USAGE, "var \"codename\" is a string");

	e = ev(f, "rita", "start", NULL);
	cJSON_AddBoolToObject(cJSON_AddObjectToObject(e, "vars"), "security", 1);
	refuse(f, e, EXIT_USAGE, "no var \"security\"");

	e = ev(f, "rita", "start", NULL);
	cJSON_AddArrayToObject(e, "vars");
	refuse(f, e, EXIT_DATAERR, "has a bad \"vars\" (an object");

	assert_int_equal(f->st->event_count, 0);
	assert_null(f->st->started_by);
}

static void test_a_release_starts_only_once(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "rita", "start", NULL), EXIT_DATAERR, "release 2.6.3 has already started");
}

static void test_only_a_release_manager_starts_a_release(void **state)
{
	struct fx *f = *state;

	refuse(f, ev(f, "dan", "start", NULL), EXIT_NOPERM, "dan cannot start a release: only a release-manager can");
	refuse(f, ev(f, "paul", "start", NULL), EXIT_NOPERM, "only a release-manager can");
	accept(f, ev(f, "rolf", "start", NULL));
	assert_string_equal(f->st->started_by, "rolf");
}

static void test_a_release_begins_with_its_start_event(void **state)
{
	struct fx *f = *state;

	refuse(f, ev(f, "dan", "claim", "build"), EXIT_DATAERR, "does not begin with its start event");
}

/* ---------- malformed events ---------- */

static void test_malformed_events_are_refused_naming_the_problem(void **state)
{
	struct fx *f = *state;
	cJSON *e;

	start(f, false);
	e = ev(f, "dan", "claim", "build");
	cJSON_DeleteItemFromObject(e, "id");
	refuse(f, e, EXIT_DATAERR, "lacks its id, time, actor or op");

	e = ev(f, "dan", "claim", "build");
	cJSON_DeleteItemFromObject(e, "actor");
	refuse(f, e, EXIT_DATAERR, "lacks its id, time, actor or op");

	e = ev(f, "dan", "claim", "build");
	cJSON_ReplaceItemInObject(e, "time", cJSON_CreateString("yesterday"));
	refuse(f, e, EXIT_DATAERR, "bad time \"yesterday\"");

	refuse(f, ev(f, "dan", "teleport", "build"), EXIT_DATAERR, "unknown op \"teleport\"");
	refuse(f, ev(f, "mallory", "claim", "build"), EXIT_NOPERM, "\"mallory\" is not a person");
	refuse(f, ev(f, "dan", "claim", NULL), EXIT_DATAERR, "names no step");
	refuse(f, ev(f, "dan", "claim", "biuld"), EXIT_USAGE, "did you mean \"build\"?");
	refuse(f, ev(f, "dan", "claim", "zzzzzzzzzzzz"), EXIT_USAGE, "no step \"zzzzzzzzzzzz\"; 'relctl status' lists them");
}

/* What a teammate could push by hand: each field held to its type's limits, naming the event. */
static void test_texts_that_are_not_utf8_or_too_long_are_refused_naming_the_field(void **state)
{
	struct fx *f = *state;
	char *big = calloc(LEDGER_TEXT_MAX + 2, 1);

	assert_non_null(big);
	memset(big, 'a', LEDGER_TEXT_MAX + 1);
	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, with(ev(f, "dan", "done", "build"), "note", "bad \377 byte"), EXIT_DATAERR,
	       "has a bad \"note\" (UTF-8 text of at most 64 KiB)");
	refuse(f, with(ev(f, "dan", "done", "build"), "note", big), EXIT_DATAERR,
	       "has a bad \"note\" (UTF-8 text of at most 64 KiB)");
	refuse(f, with(ev(f, "dan", "unclaim", "build"), "reason", "\xc3"), EXIT_DATAERR, "has a bad \"reason\"");
	big[LEDGER_TEXT_MAX] = '\0';
	accept(f, with(ev(f, "dan", "done", "build"), "note", big));
	free(big);
}

/* The same limits, asked before an event is made (the command line's check), with why. */
static void test_a_field_that_does_not_fit_says_why(void **state)
{
	char why[128], *big = calloc(70001, 1);
	cJSON *v;

	(void)state;
	assert_non_null(big);
	memset(big, 'a', 70000);
	v = cJSON_CreateString(big);
	assert_int_equal(ledger_field_fits("done", "note", v, why, sizeof(why)), -1);
	assert_string_equal(why, "is 69 KiB; a text is at most 64 KiB");
	cJSON_Delete(v);
	v = cJSON_CreateString("bad \377");
	assert_int_equal(ledger_field_fits("finding-add", "title", v, why, sizeof(why)), -1);
	assert_string_equal(why, "is not valid UTF-8");
	assert_int_equal(ledger_field_fits("claim", "step", v, why, sizeof(why)), -1);
	cJSON_Delete(v);
	v = cJSON_CreateString("two\nlines");
	assert_int_equal(ledger_field_fits("done", "note", v, why, sizeof(why)), 0);
	assert_int_equal(ledger_field_fits("review", "item", v, why, sizeof(why)), -1);
	assert_string_equal(why, "has a line break; a name is one line");
	/* A field the op does not carry is the replay's business. */
	assert_int_equal(ledger_field_fits("done", "nonsense", v, why, sizeof(why)), 0);
	cJSON_Delete(v);
	v = cJSON_CreateArray();
	cJSON_AddItemToArray(v, cJSON_CreateString("https://ok.example.com"));
	big[LEDGER_LINK_MAX + 1] = '\0';
	cJSON_AddItemToArray(v, cJSON_CreateString(big));
	assert_int_equal(ledger_field_fits("done", "evidence", v, why, sizeof(why)), -1);
	assert_string_equal(why, "is 3 KiB; a link is at most 2 KiB");
	cJSON_Delete(v);
	free(big);
}

/* ---------- claim ---------- */

static void test_an_event_of_another_candidate_is_refused(void **state)
{
	struct fx *f = *state;
	cJSON *e;

	start(f, false);
	e = ev(f, "dan", "claim", "build");
	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "candidate"), 2);
	refuse(f, e, EXIT_DATAERR, "was made for 2.6.3 rc2, but the release is at rc1 now");
	e = ev(f, "dan", "claim", "build");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(e, "candidate")->valueint, 1);
	accept(f, e);
	assert_holder(f, "build", "dan");
}

static void test_claim_needs_the_steps_owner_role(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "sam", "claim", "build"), EXIT_NOPERM, "sam cannot claim build: it needs the role dev");
	/* Being release manager is not being a dev. */
	refuse(f, ev(f, "rita", "claim", "build"), EXIT_NOPERM, "it needs the role dev");
	f->now = T0 + HOUR;
	accept(f, ev(f, "dan", "claim", "build"));
	assert_string_equal(st_of(f, "build"), "claimed");
	assert_holder(f, "build", "dan");
	assert_int_equal(rec(f, "build")->claimed_at, T0 + HOUR);
	assert_int_equal(rec(f, "build")->changed_at, T0 + HOUR);
	assert_int_equal(rec(f, "build")->event_count, 1);
	assert_int_equal(f->st->updated_at, T0 + HOUR);
	/* A release manager who is also a dev may claim. */
	accept(f, ev(f, "rolf", "claim", "plan"));
	assert_holder(f, "plan", "rolf");
}

static void test_claim_before_the_needed_steps_are_done_names_what_it_waits_for(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "sam", "claim", "test"), EXIT_DATAERR,
	       "cannot claim test yet: it waits for build (ready), plan (ready)");
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, ev(f, "sam", "claim", "test"), EXIT_DATAERR, "it waits for build (claimed by dan), plan (ready)");
	accept(f, ev(f, "dan", "done", "build"));
	refuse(f, ev(f, "sam", "claim", "test"), EXIT_DATAERR, "it waits for plan (ready)");
	accept(f, ev(f, "dora", "claim", "plan"));
	accept(f, ev(f, "dora", "done", "plan"));
	assert_string_equal(st_of(f, "test"), "ready");
	assert_int_equal(rec(f, "test")->ready_at, f->now - 60); /* the event that finished plan */
	accept(f, ev(f, "sam", "claim", "test"));
}

static void test_claim_before_the_phase_starts_names_the_phase_it_waits_for(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "sam", "claim", "watch"), EXIT_DATAERR,
	       "cannot claim watch yet: its phase \"shipping\" starts when \"testing\" is complete (4 steps left there");
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "done", "build"));
	refuse(f, ev(f, "dan", "claim", "publish"), EXIT_DATAERR, "(3 steps left there");
}

static void test_claim_of_a_step_someone_holds_is_75_naming_them(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, ev(f, "dora", "claim", "build"), EXIT_TEMPFAIL,
	       "build is already claimed by dan since 2024-03-19T10:01:00Z; ask them, or a release manager (rita, rolf) to move it with 'relctl assign build PERSON'");
	refuse(f, ev(f, "dan", "claim", "build"), EXIT_DATAERR, "you already hold build (claimed)");
	assert_holder(f, "build", "dan");
}

static void test_claim_of_a_finished_step_asks_for_reopen(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "dan", "claim", "advisory"), EXIT_DATAERR,
	       "cannot claim advisory: it is already skipped; 'relctl reopen advisory --reason TEXT' first");
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "done", "build"));
	refuse(f, ev(f, "dora", "claim", "build"), EXIT_DATAERR, "it is already done");
}

static void test_the_decision_step_is_not_claimed_done_assigned_skipped_or_reopened(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "paul", "claim", "decide"), EXIT_DATAERR, "decide is the product owner's decision; it is made with 'relctl decide ship|delay|abort --reason TEXT'");
	refuse(f, ev(f, "paul", "done", "decide"), EXIT_DATAERR, "relctl decide ship|delay|abort");
	refuse(f, with(ev(f, "rita", "assign", "decide"), "person", "paul"), EXIT_DATAERR, "is not assigned");
	refuse(f, with(ev(f, "rita", "skip", "decide"), "reason", "no time"), EXIT_DATAERR, "the decision cannot be skipped");
	refuse(f, with(ev(f, "rita", "reopen", "decide"), "reason", "again"), EXIT_DATAERR, "relctl decide delay");
}

/* ---------- unclaim ---------- */

static void test_unclaim_is_for_the_holder_or_a_release_manager(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "dan", "unclaim", "build"), EXIT_DATAERR, "cannot unclaim build: it is ready, not claimed");
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, ev(f, "dora", "unclaim", "build"), EXIT_NOPERM,
	       "dora cannot unclaim build: it is held by dan; only they or a release manager (rita, rolf) can");
	refuse(f, ev(f, "sam", "unclaim", "build"), EXIT_NOPERM, "held by dan");
	accept(f, ev(f, "dan", "unclaim", "build"));
	assert_string_equal(st_of(f, "build"), "ready");
	assert_holder(f, "build", NULL);
	assert_int_equal(rec(f, "build")->claimed_at, 0);
	accept(f, ev(f, "dora", "claim", "build"));
	accept(f, ev(f, "rita", "unclaim", "build"));
	assert_string_equal(st_of(f, "build"), "ready");
	assert_holder(f, "build", NULL);
}

/* ---------- assign ---------- */

static void test_assign_is_for_release_managers_and_only_to_a_holder_of_the_role(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, with(ev(f, "dan", "assign", "build"), "person", "dora"), EXIT_NOPERM,
	       "dan cannot assign steps: only a release manager can; 'relctl claim build' takes it yourself");
	refuse(f, with(ev(f, "rita", "assign", "build"), "person", "sam"), EXIT_DATAERR,
	       "cannot assign build to sam: it needs the role dev, which sam does not have");
	refuse(f, with(ev(f, "rita", "assign", "build"), "person", "nobody"), EXIT_USAGE, "no person \"nobody\"");
	refuse(f, ev(f, "rita", "assign", "build"), EXIT_USAGE, "no person \"\"");
	refuse(f, with(ev(f, "rita", "assign", "test"), "person", "sam"), EXIT_DATAERR,
	       "cannot assign test yet: it waits for build");

	accept(f, with(ev(f, "rita", "assign", "build"), "person", "dora"));
	assert_string_equal(st_of(f, "build"), "claimed");
	assert_holder(f, "build", "dora");
	assert_int_equal(rec(f, "build")->claimed_at, f->now - 60);
	refuse(f, with(ev(f, "rita", "assign", "build"), "person", "dora"), EXIT_DATAERR, "dora already holds build");
	/* Reassigning moves a held step. */
	accept(f, with(ev(f, "rolf", "assign", "build"), "person", "dan"));
	assert_holder(f, "build", "dan");
	accept(f, ev(f, "dan", "done", "build"));
	refuse(f, with(ev(f, "rita", "assign", "build"), "person", "dora"), EXIT_DATAERR, "cannot assign build: it is done");
}

/* ---------- done ---------- */

static void test_done_is_for_the_claimant_or_a_release_manager(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "dan", "done", "build"), EXIT_DATAERR, "build is not claimed; 'relctl claim build' first");
	refuse(f, ev(f, "sam", "done", "test"), EXIT_DATAERR, "cannot finish test yet: it waits for build");
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, ev(f, "dora", "done", "build"), EXIT_NOPERM, "dora cannot finish build: it is held by dan");
	f->now = T0 + 2 * HOUR;
	accept(f, with(ev(f, "dan", "done", "build"), "note", "rc1 built"));
	assert_string_equal(st_of(f, "build"), "done");
	assert_string_equal(rec(f, "build")->done_by, "dan");
	assert_string_equal(rec(f, "build")->note, "rc1 built");
	assert_int_equal(rec(f, "build")->done_at, T0 + 2 * HOUR);
	refuse(f, ev(f, "dan", "done", "build"), EXIT_DATAERR,
	       "cannot finish build: it is already done; 'relctl reopen build --reason TEXT' first");

	/* The release manager may finish it for the holder, who stays the doer. */
	accept(f, ev(f, "dora", "claim", "plan"));
	accept(f, ev(f, "rita", "done", "plan"));
	assert_string_equal(st_of(f, "plan"), "done");
	assert_string_equal(rec(f, "plan")->done_by, "dora");
}

static void test_done_of_an_evidence_required_step_needs_a_link(void **state)
{
	struct fx *f = *state;
	cJSON *e;

	start(f, false);
	finish_build_and_plan(f);
	accept(f, ev(f, "sam", "claim", "test"));
	refuse(f, ev(f, "sam", "done", "test"), EXIT_DATAERR, "test needs evidence: add at least one --evidence URL");
	refuse(f, with_evidence(ev(f, "sam", "done", "test"), NULL), EXIT_DATAERR, "test needs evidence");
	e = with(ev(f, "sam", "done", "test"), "evidence", "https://videos.example.com/t1");
	refuse(f, e, EXIT_DATAERR, "has a bad \"evidence\" (a list of at most 100 links");
	accept(f, with_evidence(ev(f, "sam", "done", "test"), "https://videos.example.com/t1"));
	assert_int_equal(cJSON_GetArraySize(rec(f, "test")->evidence), 1);
	assert_string_equal(cJSON_GetArrayItem(rec(f, "test")->evidence, 0)->valuestring,
			    "https://videos.example.com/t1");
}

static void test_done_of_a_hook_step_points_to_relctl_run(void **state)
{
	struct fx *f = *state;

	start(f, false);
	finish_testing(f);
	accept(f, ev(f, "dan", "claim", "publish"));
	refuse(f, ev(f, "dan", "done", "publish"), EXIT_DATAERR, "publish is a hook step: 'relctl run publish' sends it");
	assert_string_equal(st_of(f, "publish"), "claimed");
}

static void test_a_wait_step_is_waiting_until_its_minimum_duration_has_passed(void **state)
{
	struct fx *f = *state;
	time_t claimed;

	start(f, false);
	finish_testing(f);
	f->now = T0 + 10 * HOUR;
	claimed = f->now;
	accept(f, ev(f, "sam", "claim", "watch"));
	assert_int_equal(ledger_wait_opens(f->st, idx("watch")), claimed + 48 * HOUR);
	assert_string_equal(st_of(f, "watch"), "waiting");
	assert_int_equal(ledger_step_state(f->st, idx("watch"), claimed + 48 * HOUR - 1), STATE_WAITING);
	assert_int_equal(ledger_step_state(f->st, idx("watch"), claimed + 48 * HOUR), STATE_CLAIMED);

	f->now = claimed + 47 * HOUR;
	refuse(f, ev(f, "sam", "done", "watch"), EXIT_DATAERR,
	       "watch is a wait step: it can be done from 2024-03-21T20:00:00Z, 2d after it was claimed");
	/* Even the release manager cannot cut it short. */
	refuse(f, ev(f, "rita", "done", "watch"), EXIT_DATAERR, "it can be done from 2024-03-21T20:00:00Z");
	refuse(f, ev(f, "sue", "done", "watch"), EXIT_NOPERM, "held by sam");
	f->now = claimed + 48 * HOUR;
	accept(f, ev(f, "sam", "done", "watch"));
	assert_string_equal(st_of(f, "watch"), "done");
	assert_int_equal(ledger_wait_opens(f->st, idx("watch")), 0);
	assert_string_equal(st_of(f, "decide"), "ready");
}

static void test_a_waiting_step_can_be_unclaimed_and_its_clock_restarts(void **state)
{
	struct fx *f = *state;

	start(f, false);
	finish_testing(f);
	f->now = T0 + 10 * HOUR;
	accept(f, ev(f, "sam", "claim", "watch"));
	accept(f, ev(f, "sam", "unclaim", "watch"));
	assert_string_equal(st_of(f, "watch"), "ready");
	assert_int_equal(ledger_wait_opens(f->st, idx("watch")), 0);
	f->now = T0 + 20 * HOUR;
	accept(f, ev(f, "sue", "claim", "watch"));
	assert_int_equal(ledger_wait_opens(f->st, idx("watch")), T0 + 68 * HOUR);
}

/* ---------- review ---------- */

static void test_a_review_step_is_in_review_when_done_and_done_when_approved(void **state)
{
	struct fx *f = *state;

	start(f, false);
	finish_build_and_plan(f);
	accept(f, ev(f, "sam", "claim", "test"));
	refuse(f, with(ev(f, "dan", "review", "test"), "verdict", "approve"), EXIT_DATAERR,
	       "test is claimed by sam, not waiting for review; sam runs 'relctl done test' first");
	accept(f, with_evidence(ev(f, "sam", "done", "test"), "https://videos.example.com/t1"));
	assert_string_equal(st_of(f, "test"), "in-review");
	assert_false(ledger_phase_complete(f->st, 0));
	refuse(f, with_evidence(ev(f, "sam", "done", "test"), "https://x"), EXIT_DATAERR,
	       "test is already done and waits for review by dev");
	refuse(f, ev(f, "sue", "claim", "test"), EXIT_DATAERR, "waits for review");

	refuse(f, with(ev(f, "sue", "review", "test"), "verdict", "approve"), EXIT_NOPERM,
	       "sue cannot review test: it needs the role dev");
	refuse(f, with(ev(f, "dan", "review", "test"), "verdict", "maybe"), EXIT_USAGE, "a review is approve or reject");
	refuse(f, ev(f, "dan", "review", "test"), EXIT_USAGE, "a review is approve or reject");
	accept(f, with(with(ev(f, "dora", "review", "test"), "verdict", "approve"), "note", "footage ok"));
	assert_string_equal(st_of(f, "test"), "done");
	assert_string_equal(rec(f, "test")->review_by, "dora");
	assert_string_equal(rec(f, "test")->review_verdict, "approve");
	assert_string_equal(rec(f, "test")->review_note, "footage ok");
	assert_string_equal(rec(f, "test")->done_by, "sam");
	refuse(f, with(ev(f, "dan", "review", "test"), "verdict", "approve"), EXIT_DATAERR,
	       "test is done, not waiting for review");
	/* A step without a review role is done at once and cannot be reviewed. */
	refuse(f, with(ev(f, "dora", "review", "build"), "verdict", "approve"), EXIT_DATAERR, "build is done, not waiting");
}

static void test_a_rejection_needs_a_note_and_sends_the_step_back_to_its_claimant(void **state)
{
	struct fx *f = *state;

	start(f, false);
	finish_build_and_plan(f);
	accept(f, ev(f, "sam", "claim", "test"));
	accept(f, with_evidence(ev(f, "sam", "done", "test"), "https://videos.example.com/t1"));
	refuse(f, with(ev(f, "dan", "review", "test"), "verdict", "reject"), EXIT_USAGE,
	       "a rejection needs --note TEXT saying what to fix");
	refuse(f, with(with(ev(f, "dan", "review", "test"), "verdict", "reject"), "note", ""), EXIT_USAGE,
	       "a rejection needs --note");
	accept(f, with(with(ev(f, "dan", "review", "test"), "verdict", "reject"), "note", "static IP not shown"));
	assert_string_equal(st_of(f, "test"), "claimed");
	assert_holder(f, "test", "sam");
	assert_string_equal(rec(f, "test")->review_verdict, "reject");
	assert_string_equal(rec(f, "test")->review_note, "static IP not shown");
	assert_int_equal(rec(f, "test")->done_at, 0);
	refuse(f, ev(f, "sue", "claim", "test"), EXIT_TEMPFAIL, "already claimed by sam");
	/* Done again, the earlier verdict is cleared, and it waits for review again. */
	accept(f, with_evidence(ev(f, "sam", "done", "test"), "https://videos.example.com/t2"));
	assert_string_equal(st_of(f, "test"), "in-review");
	assert_null(rec(f, "test")->review_verdict);
	accept(f, with(ev(f, "dan", "review", "test"), "verdict", "approve"));
	assert_string_equal(st_of(f, "test"), "done");
}

static void test_nobody_reviews_their_own_work(void **state)
{
	struct fx *f = *state;

	start(f, false);
	finish_build_and_plan(f);
	accept(f, ev(f, "dex", "claim", "test")); /* dex is dev and support */
	accept(f, with_evidence(ev(f, "dex", "done", "test"), "https://videos.example.com/t1"));
	refuse(f, with(ev(f, "dex", "review", "test"), "verdict", "approve"), EXIT_NOPERM,
	       "dex cannot review their own work on test; ask another dev");
	accept(f, with(ev(f, "dan", "review", "test"), "verdict", "approve"));
}

/* ---------- skip, reopen ---------- */

static void test_skip_needs_a_reason_and_a_release_manager(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "rita", "skip", "plan"), EXIT_USAGE, "skip needs --reason TEXT, so the audit trail says why");
	refuse(f, with(ev(f, "rita", "skip", "plan"), "reason", ""), EXIT_USAGE, "skip needs --reason TEXT");
	refuse(f, with(ev(f, "dan", "skip", "plan"), "reason", "no changes"), EXIT_NOPERM,
	       "dan cannot skip plan: only a release manager can skip steps");
	accept(f, ev(f, "dora", "claim", "plan"));
	accept(f, with(ev(f, "rita", "skip", "plan"), "reason", "no feature changes"));
	assert_string_equal(st_of(f, "plan"), "skipped");
	assert_string_equal(rec(f, "plan")->reason, "no feature changes");
	assert_holder(f, "plan", NULL); /* skipping a claimed step frees it */
	assert_int_equal(rec(f, "plan")->claimed_at, 0);
	refuse(f, with(ev(f, "rita", "skip", "plan"), "reason", "twice"), EXIT_DATAERR, "cannot skip plan: it is already skipped");
	/* A skipped step counts as finished for those that need it. */
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "done", "build"));
	assert_string_equal(st_of(f, "test"), "ready");
}

static void test_reopen_needs_a_reason_and_the_owner_role_or_a_release_manager(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, with(ev(f, "dan", "reopen", "build"), "reason", "x"), EXIT_DATAERR,
	       "cannot reopen build: it is ready, not done or skipped");
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, with(with_evidence(ev(f, "dan", "done", "build"), "https://ci/1"), "note", "built"));
	refuse(f, ev(f, "dora", "reopen", "build"), EXIT_USAGE, "reopen needs --reason TEXT");
	refuse(f, with(ev(f, "sam", "reopen", "build"), "reason", "bad build"), EXIT_NOPERM,
	       "sam cannot reopen build: it needs the role dev");
	accept(f, with(ev(f, "dora", "reopen", "build"), "reason", "wrong branch"));
	assert_string_equal(st_of(f, "build"), "ready");
	assert_string_equal(rec(f, "build")->reason, "wrong branch");
	assert_null(rec(f, "build")->done_by);
	assert_null(rec(f, "build")->note);
	assert_null(rec(f, "build")->holder);
	assert_int_equal(cJSON_GetArraySize(rec(f, "build")->evidence), 0);
	assert_int_equal(rec(f, "build")->ready_at, f->now - 60); /* ready again from the reopen */

	/* A step skipped by its condition can be reopened; it then waits for build. */
	accept(f, with(ev(f, "rita", "reopen", "advisory"), "reason", "there is a CVE after all"));
	assert_string_equal(st_of(f, "advisory"), "pending");
}

static void test_reopen_of_a_step_in_review_takes_it_back(void **state)
{
	struct fx *f = *state;

	start(f, false);
	finish_build_and_plan(f);
	accept(f, ev(f, "sam", "claim", "test"));
	accept(f, with_evidence(ev(f, "sam", "done", "test"), "https://videos.example.com/t1"));
	accept(f, with(ev(f, "rita", "reopen", "test"), "reason", "new rc coming"));
	assert_string_equal(st_of(f, "test"), "ready");
	assert_null(rec(f, "test")->holder);
}

/* ---------- block, unblock ---------- */

static void test_block_needs_a_reason_and_unblock_restores_the_earlier_state(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "dan", "block", "build"), EXIT_USAGE, "block needs --reason TEXT");
	refuse(f, with(ev(f, "sam", "block", "build"), "reason", "ci down"), EXIT_NOPERM,
	       "sam cannot block build: it needs the role dev");
	refuse(f, with(ev(f, "sam", "block", "test"), "reason", "no device"), EXIT_DATAERR,
	       "cannot block test yet: it waits for build");
	refuse(f, ev(f, "dan", "unblock", "build"), EXIT_DATAERR, "build is ready, not blocked");

	/* A held step: only its holder or a release manager blocks it. */
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, with(ev(f, "dora", "block", "build"), "reason", "ci down"), EXIT_NOPERM, "held by dan");
	accept(f, with(ev(f, "dan", "block", "build"), "reason", "ci down"));
	assert_string_equal(st_of(f, "build"), "blocked");
	assert_string_equal(rec(f, "build")->reason, "ci down");
	assert_holder(f, "build", "dan");
	refuse(f, with(ev(f, "dan", "block", "build"), "reason", "still"), EXIT_DATAERR, "cannot block build: it is blocked");
	refuse(f, ev(f, "dan", "done", "build"), EXIT_DATAERR, "build is blocked (ci down); 'relctl unblock build' first");
	refuse(f, ev(f, "dan", "unclaim", "build"), EXIT_DATAERR, "it is blocked, not claimed");
	refuse(f, ev(f, "dora", "claim", "build"), EXIT_TEMPFAIL, "already claimed by dan");
	refuse(f, with(ev(f, "rita", "assign", "build"), "person", "dora"), EXIT_DATAERR, "cannot assign build: it is blocked");
	refuse(f, ev(f, "dora", "unblock", "build"), EXIT_NOPERM, "dora cannot unblock build: it is held by dan");
	accept(f, ev(f, "rita", "unblock", "build"));
	assert_string_equal(st_of(f, "build"), "claimed");
	assert_holder(f, "build", "dan");
	accept(f, ev(f, "dan", "done", "build"));
	refuse(f, with(ev(f, "dan", "block", "build"), "reason", "late"), EXIT_DATAERR, "cannot block build: it is done");
}

static void test_a_blocked_unclaimed_step_is_refused_to_claimers_until_unblocked(void **state)
{
	struct fx *f = *state;

	start(f, false);
	/* Nobody holds plan: a person of its role (or a release manager) may block it. */
	accept(f, with(ev(f, "dan", "block", "plan"), "reason", "spec not final"));
	assert_string_equal(st_of(f, "plan"), "blocked");
	assert_holder(f, "plan", NULL);
	refuse(f, ev(f, "dora", "claim", "plan"), EXIT_DATAERR, "plan is blocked (spec not final); 'relctl unblock plan' first");
	refuse(f, with(ev(f, "rita", "assign", "plan"), "person", "dora"), EXIT_DATAERR, "it is blocked");
	refuse(f, ev(f, "sam", "unblock", "plan"), EXIT_NOPERM, "sam cannot unblock plan: it needs the role dev");
	accept(f, ev(f, "dora", "unblock", "plan"));
	assert_string_equal(st_of(f, "plan"), "ready");
	accept(f, with(ev(f, "rita", "block", "plan"), "reason", "again"));
	accept(f, ev(f, "rita", "unblock", "plan"));
	accept(f, ev(f, "dora", "claim", "plan"));
}

static void test_a_blocked_wait_step_keeps_its_clock(void **state)
{
	struct fx *f = *state;

	start(f, false);
	finish_testing(f);
	f->now = T0 + 10 * HOUR;
	accept(f, ev(f, "sam", "claim", "watch"));
	accept(f, with(ev(f, "sam", "block", "watch"), "reason", "forum down"));
	assert_string_equal(st_of(f, "watch"), "blocked");
	accept(f, ev(f, "sam", "unblock", "watch"));
	assert_string_equal(st_of(f, "watch"), "waiting");
	assert_int_equal(ledger_wait_opens(f->st, idx("watch")), T0 + 58 * HOUR);
}

/* ---------- phases ---------- */

static void test_the_next_phase_opens_when_every_step_of_the_previous_is_done_or_skipped(void **state)
{
	struct fx *f = *state;
	time_t approved;

	start(f, false);
	finish_build_and_plan(f);
	accept(f, ev(f, "dan", "claim", "plain-notes"));
	accept(f, ev(f, "dan", "done", "plain-notes"));
	accept(f, ev(f, "sam", "claim", "test"));
	accept(f, with_evidence(ev(f, "sam", "done", "test"), "https://videos.example.com/t1"));
	/* In review is not finished: the phase is still open. */
	assert_false(ledger_phase_complete(f->st, 0));
	assert_string_equal(st_of(f, "watch"), "pending");
	approved = f->now;
	accept(f, with(ev(f, "dan", "review", "test"), "verdict", "approve"));
	assert_true(ledger_phase_complete(f->st, 0));
	assert_true(ledger_phase_open(f->st, 1));
	assert_int_equal(ledger_current_phase(f->st), 1);
	assert_string_equal(st_of(f, "watch"), "ready");
	assert_string_equal(st_of(f, "publish"), "ready");
	assert_int_equal(rec(f, "watch")->ready_at, approved);
	assert_int_equal(rec(f, "publish")->ready_at, approved);
	assert_string_equal(st_of(f, "decide"), "pending"); /* needs watch */
	assert_int_equal(rec(f, "decide")->ready_at, 0);
	assert_int_equal(f->st->status, RELEASE_OPEN);

	/* Reopening a step of the first phase closes the second again. */
	accept(f, with(ev(f, "rita", "reopen", "plan"), "reason", "missed a feature"));
	assert_string_equal(st_of(f, "watch"), "pending");
	assert_int_equal(ledger_current_phase(f->st), 0);
}

/* ---------- refusals change nothing; the view is the replay ---------- */

static void test_a_refused_event_leaves_the_state_and_its_view_unchanged(void **state)
{
	struct fx *f = *state;
	char *before, *after;
	size_t i;
	struct {
		const char *actor, *op, *step;
	} bad[] = {
		{ "sam", "claim", "build" }, { "dora", "claim", "plan" }, { "dan", "done", "plan" },
		{ "dora", "unclaim", "build" }, { "dan", "skip", "build" }, { "dan", "review", "build" },
		{ "rita", "done", "decide" }, { "dan", "unblock", "build" },
	};

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dora", "claim", "plan"));
	before = view_text(f->st);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct error err = { 0, "" };
		cJSON *e = ev(f, bad[i].actor, bad[i].op, bad[i].step);

		assert_int_equal(ledger_apply(f->st, e, &err), -1);
		assert_true(err.code == EXIT_DATAERR || err.code == EXIT_NOPERM || err.code == EXIT_TEMPFAIL ||
			    err.code == EXIT_USAGE);
		cJSON_Delete(e);
	}
	after = view_text(f->st);
	assert_string_equal(before, after);
	assert_int_equal(f->st->event_count, 3);
	free(before);
	free(after);
}

static void test_the_written_view_equals_a_fresh_replay_of_the_events(void **state)
{
	struct fx *f = *state;
	struct error err = { 0, "" };
	struct release_state *again;
	cJSON *steps, *build;

	start(f, false);
	finish_testing(f);
	accept(f, with(ev(f, "sam", "block", "watch"), "reason", "waiting for forum"));
	accept(f, with(ev(f, "rita", "assign", "publish"), "person", "dora"));

	ledger_write_view(f->st, f->doc);
	again = ledger_replay(pb, f->doc, "releases/2.6.3.json", &err);
	assert_non_null(again);
	{
		char *live = view_text(f->st), *replayed = view_text(again);

		assert_string_equal(live, replayed);
		free(live);
		free(replayed);
	}
	release_state_free(again);

	/* The view says, per step, what jq readers need. */
	steps = cJSON_GetObjectItemCaseSensitive(f->doc, "steps");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(f->doc, "status")->valuestring, "open");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(f->doc, "started_by")->valuestring, "rita");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(f->doc, "started")->valuestring, "2024-03-19T10:00:00Z");
	build = cJSON_GetObjectItemCaseSensitive(steps, "build");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(build, "state")->valuestring, "done");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(build, "done_by")->valuestring, "dan");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(build, "phase")->valuestring, "testing");
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(steps, "watch"), "state")->valuestring,
		"blocked");
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(steps, "publish"), "holder")->valuestring,
		"dora");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(
				    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(steps, "test"), "review"),
				    "verdict")
				    ->valuestring,
			    "approve");
	assert_string_equal(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(steps, "decide"), "state")->valuestring,
		"pending");
	/* Writing the view again replaces it; nothing piles up. */
	{
		char *once = cJSON_PrintUnformatted(f->doc), *twice;

		ledger_write_view(f->st, f->doc);
		twice = cJSON_PrintUnformatted(f->doc);
		assert_string_equal(once, twice);
		free(once);
		free(twice);
	}
}

/* ---------- replay of documents ---------- */

static cJSON *document(int format, const char *version)
{
	cJSON *doc = cJSON_CreateObject();

	if (format)
		cJSON_AddNumberToObject(doc, "format", format);
	if (version)
		cJSON_AddStringToObject(doc, "version", version);
	return doc;
}

static cJSON *start_event(void)
{
	return in_rc1(ledger_event_new("s1", T0, "rita", "start", NULL));
}

static void replay_refused(cJSON *doc, const char *part)
{
	struct error err = { 0, "" };
	struct release_state *st = ledger_replay(pb, doc, "relctl-ledger:releases/2.6.3.json", &err);

	if (st != NULL || strstr(err.message, part) == NULL)
		print_error("wanted \"...%s...\", got \"%s\"\n", part, err.message);
	assert_null(st);
	assert_int_equal(err.code, EXIT_DATAERR);
	assert_non_null(strstr(err.message, "relctl-ledger:releases/2.6.3.json"));
	assert_non_null(strstr(err.message, part));
	/* The rule's advice was for the event's actor: not offered to whoever reads the ledger now. */
	assert_null(strstr(err.message, "'relctl "));
	cJSON_Delete(doc);
}

static void test_replay_refuses_a_document_of_a_newer_format(void **state)
{
	cJSON *doc = document(LEDGER_FORMAT + 98, "2.6.3");

	(void)state;
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "events"), start_event());
	replay_refused(doc, "has ledger format 99, and this relctl reads format 1; upgrade relctl");

	doc = document(0, "2.6.3");
	cJSON_AddNumberToObject(doc, "format", 0);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "events"), start_event());
	replay_refused(doc, "has ledger format 0");
}

static void test_replay_refuses_a_document_missing_its_fields(void **state)
{
	cJSON *doc;

	(void)state;
	doc = document(LEDGER_FORMAT, "2.6.3");
	replay_refused(doc, "is not a relctl release (it needs format, version and events)");

	doc = document(0, "2.6.3");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "events"), start_event());
	replay_refused(doc, "is not a relctl release");

	doc = document(LEDGER_FORMAT, NULL);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "events"), start_event());
	replay_refused(doc, "is not a relctl release");

	doc = document(LEDGER_FORMAT, "2.6.3");
	cJSON_AddStringToObject(doc, "events", "start");
	replay_refused(doc, "is not a relctl release");

	replay_refused(cJSON_CreateArray(), "is not a relctl release");

	doc = document(LEDGER_FORMAT, "2.6.3");
	cJSON_AddArrayToObject(doc, "events");
	replay_refused(doc, "has no events");
}

static void test_replay_refuses_an_event_that_does_not_replay_naming_it(void **state)
{
	cJSON *doc = document(LEDGER_FORMAT, "2.6.3"), *events = cJSON_AddArrayToObject(doc, "events");

	(void)state;
	cJSON_AddItemToArray(events, start_event());
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("c1", T0 + 60, "dan", "claim", "build")));
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("c2", T0 + 120, "sam", "claim", "plan")));
	replay_refused(doc, "event c2 does not replay: sam cannot claim plan: it needs the role dev");

	doc = document(LEDGER_FORMAT, "2.6.3");
	events = cJSON_AddArrayToObject(doc, "events");
	cJSON_AddItemToArray(events, start_event());
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("c1", T0 + 60, "dan", "claim", "build")));
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("c2", T0 + 120, "dora", "claim", "build")));
	replay_refused(doc, "event c2 does not replay: build is already claimed by dan");

	doc = document(LEDGER_FORMAT, "2.6.3");
	events = cJSON_AddArrayToObject(doc, "events");
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("c1", T0, "dan", "claim", "build")));
	replay_refused(doc, "event c1 does not replay: release 2.6.3 does not begin with its start event");

	doc = document(LEDGER_FORMAT, "2.6.3");
	events = cJSON_AddArrayToObject(doc, "events");
	cJSON_AddItemToArray(events, start_event());
	cJSON_AddItemToArray(events, cJSON_CreateString("not an event"));
	replay_refused(doc, "event (no id) does not replay");
}

static void test_replay_of_a_good_document_rebuilds_every_step(void **state)
{
	cJSON *doc = document(LEDGER_FORMAT, "2.6.3"), *events = cJSON_AddArrayToObject(doc, "events");
	struct error err = { 0, "" };
	struct release_state *st;

	(void)state;
	cJSON_AddItemToArray(events, start_event());
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("c1", T0 + 60, "dan", "claim", "build")));
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("d1", T0 + 120, "dan", "done", "build")));
	cJSON_AddItemToArray(events, in_rc1(ledger_event_new("c2", T0 + 180, "dora", "claim", "plan")));
	st = ledger_replay(pb, doc, "releases/2.6.3.json", &err);
	assert_non_null(st);
	assert_int_equal(st->event_count, 4);
	assert_string_equal(st->version, "2.6.3");
	assert_int_equal(st->steps[idx("build")].base, STATE_DONE);
	assert_int_equal(st->steps[idx("build")].done_at, T0 + 120);
	assert_int_equal(st->steps[idx("plan")].base, STATE_CLAIMED);
	assert_string_equal(st->steps[idx("plan")].holder, "dora");
	assert_int_equal(st->updated_at, T0 + 180);
	release_state_free(st);
	cJSON_Delete(doc);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_start_takes_declared_defaults_and_skips_false_when_steps_with_the_reason),
		T(test_start_with_a_true_var_skips_the_negated_steps_instead),
		T(test_start_takes_typed_vars_of_each_kind),
		T(test_start_refuses_vars_of_the_wrong_type_or_unknown),
		T(test_a_release_starts_only_once),
		T(test_only_a_release_manager_starts_a_release),
		T(test_a_release_begins_with_its_start_event),
		T(test_malformed_events_are_refused_naming_the_problem),
		T(test_texts_that_are_not_utf8_or_too_long_are_refused_naming_the_field),
		T(test_a_field_that_does_not_fit_says_why),
		T(test_claim_needs_the_steps_owner_role),
		T(test_claim_before_the_needed_steps_are_done_names_what_it_waits_for),
		T(test_claim_before_the_phase_starts_names_the_phase_it_waits_for),
		T(test_claim_of_a_step_someone_holds_is_75_naming_them),
		T(test_claim_of_a_finished_step_asks_for_reopen),
		T(test_the_decision_step_is_not_claimed_done_assigned_skipped_or_reopened),
		T(test_an_event_of_another_candidate_is_refused),
		T(test_unclaim_is_for_the_holder_or_a_release_manager),
		T(test_assign_is_for_release_managers_and_only_to_a_holder_of_the_role),
		T(test_done_is_for_the_claimant_or_a_release_manager),
		T(test_done_of_an_evidence_required_step_needs_a_link),
		T(test_done_of_a_hook_step_points_to_relctl_run),
		T(test_a_wait_step_is_waiting_until_its_minimum_duration_has_passed),
		T(test_a_waiting_step_can_be_unclaimed_and_its_clock_restarts),
		T(test_a_review_step_is_in_review_when_done_and_done_when_approved),
		T(test_a_rejection_needs_a_note_and_sends_the_step_back_to_its_claimant),
		T(test_nobody_reviews_their_own_work),
		T(test_skip_needs_a_reason_and_a_release_manager),
		T(test_reopen_needs_a_reason_and_the_owner_role_or_a_release_manager),
		T(test_reopen_of_a_step_in_review_takes_it_back),
		T(test_block_needs_a_reason_and_unblock_restores_the_earlier_state),
		T(test_a_blocked_unclaimed_step_is_refused_to_claimers_until_unblocked),
		T(test_a_blocked_wait_step_keeps_its_clock),
		T(test_the_next_phase_opens_when_every_step_of_the_previous_is_done_or_skipped),
		T(test_a_refused_event_leaves_the_state_and_its_view_unchanged),
		T(test_the_written_view_equals_a_fresh_replay_of_the_events),
		T(test_replay_refuses_a_document_of_a_newer_format),
		T(test_replay_refuses_a_document_missing_its_fields),
		T(test_replay_refuses_an_event_that_does_not_replay_naming_it),
		T(test_replay_of_a_good_document_rebuilds_every_step),
	};

	return cmocka_run_group_tests_name("ledger", tests, group_setup, group_teardown);
}

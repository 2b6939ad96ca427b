/*
 * When an event may be dated (src/ledger-time.c, ledger.h "Time"): one test
 * per bound, driven through ledger_apply_new as a mutation, sync's replay
 * and the judge apply an arriving event.  Each refusal is checked for its
 * exit code, the bound it names, and that it changed nothing; each bound is
 * also shown to give honest clocks LEDGER_CLOCK_SKEW of slack.
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
#include "err.h"
#include "event.h"
#include "ledger-delegation.h"
#include "ledger-view.h"
#include "ledger.h"
#include "playbook.h"
#include "release_fixture.h"
#include "util.h"

static const char playbook_yaml[] =
    "relctl: 1\n"
    "name: Time\n"
    "roles: [release-manager, product-owner, dev, support]\n"
    "people:\n"
    "  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
    "  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
    "  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
    "  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
    "  - {id: sam, name: Sam, email: sam@example.com, roles: [support]}\n"
    "phases:\n"
    "  - id: testing\n"
    "    steps:\n"
    "      - {id: build, title: Build, owner: dev, due: 1h}\n"
    "      - {id: soak, title: Soak, kind: wait, min_duration: 48h, owner: dev, needs: [build]}\n"
    "      - {id: test, title: Test, owner: support, needs: [build], review: dev}\n"
    "      - {id: decide, title: Decide, kind: decision, owner: product-owner, needs: [test, soak]}\n"
    "      - {id: lab, title: Lab, owner: support, checklist: [{id: boot, text: It boots, review: dev}]}\n";

#define T0     1796637600 /* 2026-12-07T10:00:00Z */
#define MINUTE 60
#define HOUR   3600
#define DAY    86400

static struct playbook *pb;

static int setup(void **state)
{
	pb = fixture_playbook(playbook_yaml, sizeof(playbook_yaml) - 1, "time.yaml");
	assert_non_null(pb);
	*state = fixture_new(pb, T0);
	((struct fx *)*state)->apply = ledger_apply_new;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_replays(pb, f);

	fixture_free(f);
	playbook_free(pb);
	return rc;
}

/* An event dated at (not the fixture's clock). */
static cJSON *at(struct fx *f, time_t when, const char *actor, const char *op, const char *step)
{
	cJSON *e = ev(f, actor, op, step);

	cJSON_ReplaceItemInObject(e, "time", cJSON_CreateString(time_format(when, (char[32]){0}, 32)));
	return e;
}

/* sam's finding id, a major one, reported at when. */
static cJSON *finding(struct fx *f, time_t when, const char *id)
{
	return with(with(with(at(f, when, "sam", "finding-add", NULL), "finding", id), "title", "it crashes"),
	            "severity", "major");
}

static const struct step_record *rec(struct fx *f, const char *step)
{
	return &f->st->steps[playbook_step(pb, step)->index];
}

/* Started at T0; build claimed at T0 + 1 min and done at T0 + 1 h by dan. */
static void built(struct fx *f)
{
	accept(f, at(f, T0, "rita", "start", NULL));
	accept(f, at(f, T0 + MINUTE, "dan", "claim", "build"));
	accept(f, at(f, T0 + HOUR, "dan", "done", "build"));
}

static void test_a_start_before_any_relctl_ledger_is_refused(void **state)
{
	struct fx *f = *state;

	refuse(f, at(f, 0, "rita", "start", NULL), EXIT_DATAERR,
	       "before the first relctl ledger (2020-01-01T00:00:00Z)");
	refuse(f, at(f, LEDGER_TIME_MIN - DAY, "rita", "start", NULL), EXIT_DATAERR, "1 day");
	accept(f, at(f, LEDGER_TIME_MIN, "rita", "start", NULL));
}

static void test_an_event_before_its_release_started_is_refused_naming_the_skew(void **state)
{
	struct fx *f = *state;

	accept(f, at(f, T0, "rita", "start", NULL));
	refuse(f, at(f, T0 - 3 * DAY, "dan", "claim", "build"), EXIT_DATAERR,
	       "dan's claim of build is dated 2026-12-04T10:00:00Z, 3 days before release 2.6.3's start "
	       "(2026-12-07T10:00:00Z)");
	/* The 1970 claim that was once stored as claimed_at: null. */
	refuse(f, at(f, 0, "dan", "claim", "build"), EXIT_DATAERR, "57 years before release 2.6.3's start");
	refuse(f, finding(f, T0 - 2 * DAY, "F-0a1b2c"), EXIT_DATAERR, "2 days before release 2.6.3's start");
	assert_int_equal(rec(f, "build")->claimed_at, 0);
}

static void test_a_clock_a_few_minutes_off_is_not_refused(void **state)
{
	struct fx *f = *state;

	built(f);
	f->st->clock = T0 + HOUR;
	/* Two minutes before build was done (soak became ready), by a clock two minutes behind. */
	accept(f, at(f, T0 + HOUR - 2 * MINUTE, "dora", "claim", "soak"));
	/* Two minutes after the judging clock, by a clock two minutes ahead. */
	accept(f, at(f, T0 + HOUR + 2 * MINUTE, "sam", "claim", "test"));
	/* The bound itself. */
	accept(f, at(f, T0 + HOUR + LEDGER_CLOCK_SKEW, "dora", "unclaim", "soak"));
	refuse(f, at(f, T0 + HOUR - LEDGER_CLOCK_SKEW - 1, "dora", "claim", "soak"), EXIT_DATAERR,
	       "before the last change of soak");
}

static void test_a_claim_before_its_step_became_ready_is_refused(void **state)
{
	struct fx *f = *state;

	built(f);
	/* soak became ready when build was done, at T0 + 1 h. */
	refuse(f, at(f, T0 + 30 * MINUTE, "dora", "claim", "soak"), EXIT_DATAERR,
	       "30 minutes before the time soak became ready (2026-12-07T11:00:00Z)");
	accept(f, at(f, T0 + HOUR + MINUTE, "dora", "claim", "soak"));
	assert_int_equal(rec(f, "soak")->claimed_at, T0 + HOUR + MINUTE);
}

static void test_the_48_hour_soak_cannot_be_claimed_in_the_past_and_finished_at_once(void **state)
{
	struct fx *f = *state;

	built(f);
	f->st->clock = T0 + HOUR + MINUTE;
	refuse(f, at(f, T0 + HOUR - 3 * DAY, "dora", "claim", "soak"), EXIT_DATAERR, "3 days before");
	accept(f, at(f, T0 + HOUR + MINUTE, "dora", "claim", "soak"));
	/* Finishing it needs 48 hours of the judging clock, not of the doer's. */
	refuse(f, at(f, T0 + HOUR + MINUTE + 48 * HOUR, "dora", "done", "soak"), EXIT_DATAERR,
	       "dora's clock is 2 days ahead of the judging clock (2026-12-07T11:01:00Z)");
	f->st->clock = T0 + HOUR + MINUTE + 48 * HOUR;
	accept(f, at(f, T0 + HOUR + MINUTE + 48 * HOUR, "dora", "done", "soak"));
}

static void test_a_done_before_its_claim_is_refused(void **state)
{
	struct fx *f = *state;

	accept(f, at(f, T0, "rita", "start", NULL));
	accept(f, at(f, T0 + HOUR, "dan", "claim", "build"));
	refuse(
	    f, at(f, T0 + 10 * MINUTE, "dan", "done", "build"), EXIT_DATAERR,
	    "dan's done of build is dated 2026-12-07T10:10:00Z, 50 minutes before the last change of build (claimed)");
	accept(f, at(f, T0 + HOUR + 10 * MINUTE, "dan", "done", "build"));
}

static void test_a_review_before_the_done_is_refused(void **state)
{
	struct fx *f = *state;

	built(f);
	accept(f, at(f, T0 + 2 * HOUR, "sam", "claim", "test"));
	accept(f, at(f, T0 + 3 * HOUR, "sam", "done", "test"));
	refuse(f, with(at(f, T0 + 2 * HOUR + 30 * MINUTE, "dan", "review", "test"), "verdict", "approve"), EXIT_DATAERR,
	       "30 minutes before the last change of test (in-review)");
	accept(f, with(at(f, T0 + 3 * HOUR, "dan", "review", "test"), "verdict", "approve"));
}

static void test_a_new_result_of_an_item_before_its_last_is_refused(void **state)
{
	struct fx *f = *state;

	accept(f, at(f, T0, "rita", "start", NULL));
	accept(f, at(f, T0 + MINUTE, "sam", "claim", "lab"));
	accept(f, with(with(at(f, T0 + 2 * HOUR, "sam", "check", "lab"), "item", "boot"), "result", "pass"));
	refuse(f,
	       with(with(with(at(f, T0 + HOUR, "sam", "check", "lab"), "item", "boot"), "result", "na"), "note",
	            "no bench"),
	       EXIT_DATAERR, "1 hour before the result of lab's item boot (2026-12-07T12:00:00Z)");
	accept(f, with(with(with(at(f, T0 + 2 * HOUR + MINUTE, "sam", "check", "lab"), "item", "boot"), "result", "na"),
	               "note", "no bench"));
}

static void test_a_new_holder_is_a_change_the_next_events_follow(void **state)
{
	struct fx *f = *state;

	accept(f, at(f, T0, "rita", "start", NULL));
	accept(f, at(f, T0 + MINUTE, "dan", "claim", "build"));
	accept(f, with(with(at(f, T0 + HOUR, "dan", "handover", "build"), "person", "dora"), "note", "half done"));
	refuse(f, at(f, T0 + 30 * MINUTE, "dora", "done", "build"), EXIT_DATAERR, "before the last change of build");
	accept(f, at(f, T0 + HOUR + MINUTE, "dora", "done", "build"));
}

static void test_a_decision_before_its_gate_became_ready_is_refused(void **state)
{
	struct fx *f = *state;
	char hash[65];

	built(f);
	f->st->clock = T0 + 60 * HOUR;
	accept(f, at(f, T0 + HOUR, "dora", "claim", "soak"));
	accept(f, at(f, T0 + 50 * HOUR, "dora", "done", "soak"));
	accept(f, at(f, T0 + 2 * HOUR, "sam", "claim", "test"));
	accept(f, at(f, T0 + 3 * HOUR, "sam", "done", "test"));
	accept(f, with(at(f, T0 + 4 * HOUR, "dan", "review", "test"), "verdict", "approve"));
	/* decide became ready with the review, at T0 + 4 h (soak was done later but before it: its order, not its
	 * time). */
	assert_int_equal(brief_state_hash(f->st, NULL, hash), 0);
	refuse(f,
	       with(with(with(at(f, T0 + 3 * HOUR, "paul", "decide", NULL), "decision", "ship"), "reason", "good"),
	            "brief_hash", hash),
	       EXIT_DATAERR, "1 hour");
	accept(f, with(with(with(at(f, T0 + 5 * HOUR, "paul", "decide", NULL), "decision", "ship"), "reason", "good"),
	               "brief_hash", hash));
}

static void test_an_update_of_a_finding_before_its_report_is_refused(void **state)
{
	struct fx *f = *state;

	built(f);
	accept(f, finding(f, T0 + 2 * HOUR, "F-0a1b2c"));
	refuse(f, with(with(at(f, T0 + HOUR, "dan", "finding-update", NULL), "finding", "F-0a1b2c"), "estimate", "1h"),
	       EXIT_DATAERR, "1 hour before finding F-0a1b2c's report");
}

static void test_an_event_later_than_the_judging_clock_is_refused(void **state)
{
	struct fx *f = *state;
	cJSON *e;

	accept(f, at(f, T0, "rita", "start", NULL));
	f->st->clock = T0 + MINUTE;
	e = at(f, 253402300799, "dan", "claim", "build"); /* 9999-12-31T23:59:59Z */
	refuse(f, e, EXIT_DATAERR, "dan's clock is 7978 years ahead of the judging clock (2026-12-07T10:01:00Z)");
	refuse(f, at(f, T0 + MINUTE + LEDGER_CLOCK_SKEW + 1, "dan", "claim", "build"), EXIT_DATAERR,
	       "ahead of the judging clock");
	/* Old history stays valid: "later" is against the clock of whoever judges. */
	f->st->clock = T0 + 365 * DAY;
	accept(f, at(f, T0 + MINUTE, "dan", "claim", "build"));
	/* Without a judging clock (a replay of accepted history), no upper bound. */
	f->st->clock = 0;
	accept(f, at(f, T0 + 400 * DAY, "dan", "done", "build"));
}

static void test_a_clock_days_behind_is_told_so_in_the_second_person(void **state)
{
	struct fx *f = *state;

	accept(f, at(f, T0, "rita", "start", NULL));
	f->st->clock = T0 - 3 * DAY;
	f->st->own_clock = true;
	refuse(f, at(f, T0 - 3 * DAY, "dan", "claim", "build"), EXIT_DATAERR,
	       "your clock is 3 days behind release 2.6.3's start (2026-12-07T10:00:00Z): this claim of build would be "
	       "dated 2026-12-04T10:00:00Z; clocks may be 5 minutes apart at most: fix the clock");
}

static void test_accepted_history_is_not_judged_again_on_replay(void **state)
{
	struct fx *f = *state;

	accept(f, at(f, T0, "rita", "start", NULL));
	f->apply = ledger_apply;
	accept(f, at(f, T0 - DAY, "dan", "claim", "build"));
	f->apply = ledger_apply_new;
	refuse(f, at(f, T0 - DAY, "dan", "done", "build"), EXIT_DATAERR, "1 day before");
}

/* A reminder of dan about build (overdue: due 1 h after it became ready), dated when. */
static cJSON *reminder(struct fx *f, time_t when)
{
	cJSON *e = with(with(at(f, when, "rita", "remind", NULL), "kind", "reminder"), "person", "dan");
	cJSON *steps = cJSON_AddArrayToObject(e, "steps");

	cJSON_AddItemToArray(steps, cJSON_CreateString("build"));
	cJSON_AddStringToObject(e, "message", "dan, build is overdue");
	return e;
}

static void test_a_reminder_dated_ahead_of_the_clock_silences_nothing(void **state)
{
	struct fx *f = *state;

	accept(f, at(f, T0, "rita", "start", NULL));
	accept(f, at(f, T0 + MINUTE, "dan", "claim", "build"));
	f->st->clock = T0 + 2 * HOUR;
	/* A reminder for the next day, sent by a clock a day ahead: refused. */
	refuse(f, reminder(f, T0 + DAY + 2 * HOUR), EXIT_DATAERR, "rita's clock is 1 day ahead of the judging clock");
	/* Had it been taken (judged by that clock), the real one of that day still goes out. */
	f->st->clock = T0 + DAY + 2 * HOUR;
	accept(f, reminder(f, T0 + DAY + 2 * HOUR));
	assert_true(ledger_reminded(f->st, "reminder", "dan", "build", T0 + DAY + 2 * HOUR));
	assert_false(ledger_reminded(f->st, "reminder", "dan", "build", T0 + DAY + HOUR));
	accept(f, reminder(f, T0 + DAY + HOUR));
	assert_true(ledger_reminded(f->st, "reminder", "dan", "build", T0 + DAY + HOUR));
	/* Within the skew it counts: the same day, an honest clock a few minutes ahead. */
	assert_true(ledger_reminded(f->st, "reminder", "dan", "build", T0 + DAY + 2 * HOUR - 2 * MINUTE));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_a_start_before_any_relctl_ledger_is_refused),
	    T(test_an_event_before_its_release_started_is_refused_naming_the_skew),
	    T(test_a_clock_a_few_minutes_off_is_not_refused),
	    T(test_a_claim_before_its_step_became_ready_is_refused),
	    T(test_the_48_hour_soak_cannot_be_claimed_in_the_past_and_finished_at_once),
	    T(test_a_done_before_its_claim_is_refused),
	    T(test_a_review_before_the_done_is_refused),
	    T(test_a_new_result_of_an_item_before_its_last_is_refused),
	    T(test_a_new_holder_is_a_change_the_next_events_follow),
	    T(test_a_decision_before_its_gate_became_ready_is_refused),
	    T(test_an_update_of_a_finding_before_its_report_is_refused),
	    T(test_an_event_later_than_the_judging_clock_is_refused),
	    T(test_a_clock_days_behind_is_told_so_in_the_second_person),
	    T(test_accepted_history_is_not_judged_again_on_replay),
	    T(test_a_reminder_dated_ahead_of_the_clock_silences_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

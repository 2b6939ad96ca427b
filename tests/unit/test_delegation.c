/*
 * No one alone on the critical path (src/ledger.c's delegation rules and
 * src/delegation.c): who may shadow, hand over, claim with shadow_grants,
 * be away; overdue and idle computed from the events and a given now; the
 * reminder rule (once per step, person and day, escalations); a rehearsal's
 * hooks, which are dry runs and nothing else; and who knows which step
 * across releases.
 *
 * Events are applied as arriving ones (ledger_apply_new, as the judge does),
 * so the rules that compare with other releases run.  After every test the
 * accepted events are replayed from scratch and the view must be the same.
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
#include "delegation.h"
#include "stats.h"
#include "summary.h"
#include "hook.h"
#include "err.h"
#include "ledger.h"
#include "playbook.h"
#include "release_fixture.h"
#include "summary_fixture.h"
#include "util.h"
#include "ledger-delegation.h"
#include "ledger-view.h"
#include "event.h"

/*
 * rita is the release manager; dan and dora are devs, sam and sue support.
 * build grants its shadows; test has its own idle_after and escalate_after.
 */
static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Unit\n"
	"roles: [release-manager, product-owner, dev, support]\n"
	"idle_after: 1d\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
	"  - {id: sam, name: Sam, email: sam@example.com, roles: [support]}\n"
	"  - {id: sue, name: Sue, email: sue@example.com, roles: [support]}\n"
	"hooks:\n"
	"  notes:\n"
	"    url: \"http://127.0.0.1:9/notes\"\n"
	"    body: \"{{release.version}}\"\n"
	"phases:\n"
	"  - id: one\n"
	"    steps:\n"
	"      - {id: build, title: Build, owner: dev, due: 2h, shadow_grants: true}\n"
	"      - {id: test, title: Test, owner: support, needs: [build], due: 3h, escalate_after: 1h, idle_after: 4h}\n"
	"      - {id: plan, title: Plan, owner: dev}\n"
	"      - {id: watch, title: Watch, kind: wait, min_duration: 2h, owner: support, due: 3h}\n"
	"      - {id: publish, title: Publish, kind: hook, hook: notes, owner: dev}\n"
	"      - {id: decide, title: Decide, kind: decision, owner: product-owner}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

/* The candidate relctl writes in every event: rc1, where these releases stay. */
static cJSON *in_rc1(cJSON *e)
{
	cJSON_AddNumberToObject(e, "candidate", 1);
	return e;
}
#define MINUTE 60
#define HOUR 3600
#define DAY 86400

static struct playbook *pb;


/* ---------- helpers ---------- */

static const struct release_state *find_other(void *data, const char *version)
{
	struct fx *f = data;
	size_t i;

	for (i = 0; i < f->other_count; i++)
		if (strcmp(f->others[i]->version, version) == 0)
			return f->others[i];
	return NULL;
}

static cJSON *with_true(cJSON *e, const char *key)
{
	cJSON_AddTrueToObject(e, key);
	return e;
}

static cJSON *with_steps(cJSON *e, const char *a, const char *b)
{
	cJSON *list = cJSON_AddArrayToObject(e, "steps");

	cJSON_AddItemToArray(list, cJSON_CreateString(a));
	if (b)
		cJSON_AddItemToArray(list, cJSON_CreateString(b));
	return e;
}

static cJSON *ev_handover(struct fx *f, const char *actor, const char *step, const char *to, const char *note)
{
	cJSON *e = with(ev(f, actor, "handover", step), "person", to);

	return note ? with(e, "note", note) : e;
}


static size_t idx(const char *step)
{
	const struct pb_step *s = playbook_step(pb, step);

	assert_non_null(s);
	return s->index;
}

static const struct step_record *rec(struct fx *f, const char *step)
{
	return &f->st->steps[idx(step)];
}

static bool in_list(const cJSON *list, const char *id)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
		if (strcmp(item->valuestring, id) == 0)
			return true;
	return false;
}

static void start(struct fx *f, bool rehearsal)
{
	cJSON *e = ev(f, "rita", "start", NULL);

	if (rehearsal)
		cJSON_AddTrueToObject(e, "rehearsal");
	accept(f, e);
}

/* A release state of its own (for the lookup): build done by doer with the shadows given shadowing it. */
/* What delegation reads of releases: their summaries, read back as from the cache (summary_fixture.h). */
static struct release_summary **sums_of(struct release_state *const *rels, size_t n)
{
	return summaries_read_back((const struct release_state *const *)rels, NULL, n);
}

#define SUMS(s) ((const struct release_summary *const *)(s))

static struct release_state *release_with_build(const char *version, const char *doer, const char *shadow,
						bool rehearsal, time_t at)
{
	struct release_state *st = release_state_new(pb, version);
	struct error err;
	cJSON *e;

	e = in_rc1(ledger_event_new("s1", at, "rita", "start", NULL));
	if (rehearsal)
		cJSON_AddTrueToObject(e, "rehearsal");
	assert_int_equal(ledger_apply(st, e, &err), 0);
	cJSON_Delete(e);
	e = in_rc1(ledger_event_new("s2", at + 60, doer, "claim", "build"));
	assert_int_equal(ledger_apply(st, e, &err), 0);
	cJSON_Delete(e);
	if (shadow) {
		e = in_rc1(ledger_event_new("s3", at + 120, shadow, "shadow", "build"));
		assert_int_equal(ledger_apply(st, e, &err), 0);
		cJSON_Delete(e);
	}
	e = in_rc1(ledger_event_new("s4", at + 180, doer, "done", "build"));
	assert_int_equal(ledger_apply(st, e, &err), 0);
	cJSON_Delete(e);
	return st;
}

/* ---------- fixture ---------- */

static int group_setup(void **state)
{
	struct diagnostics d;

	(void)state;
	diagnostics_init(&d, "unit.yaml");
	pb = playbook_parse(playbook_yaml, sizeof(playbook_yaml) - 1, &d);
	if (pb == NULL) {
		size_t i;

		for (i = 0; i < d.count; i++) {
			char *line = diagnostic_format(&d, &d.items[i]);

			print_error("%s\n", line);
			free(line);
		}
	}
	diagnostics_release(&d);
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
	struct fx *f = fixture_new(pb, T0);

	/* New events, as the judge applies them (grants checked in the release they name). */
	f->apply = ledger_apply_new;
	f->st->lookup = find_other;
	f->st->lookup_data = f;
	*state = f;
	return 0;
}

/* The events are the truth: a replay of the accepted ones gives the same view. */
static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_replays(pb, f);
	size_t i;

	for (i = 0; i < f->other_count; i++)
		release_state_free((struct release_state *)f->others[i]);
	fixture_free(f);
	return rc;
}

/* ---------- shadowing ---------- */

static void test_anyone_may_shadow_a_held_step_but_not_a_free_one_their_own_or_twice(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, ev(f, "sam", "shadow", "build"), EXIT_DATAERR, "a shadow joins a step someone holds");
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, ev(f, "dan", "shadow", "build"), EXIT_DATAERR, "you hold build yourself");
	accept(f, ev(f, "sam", "shadow", "build")); /* support shadows a dev step */
	accept(f, ev(f, "rita", "shadow", "build"));
	refuse(f, ev(f, "sam", "shadow", "build"), EXIT_DATAERR, "sam already shadows build (held by dan)");
	refuse(f, ev(f, "paul", "shadow", "decide"), EXIT_DATAERR, "decide is the product-owner's decision");
	refuse(f, with_true(ev(f, "sue", "shadow", "build"), "leave"), EXIT_DATAERR, "sue is not shadowing build");
	assert_int_equal(cJSON_GetArraySize(rec(f, "build")->shadows), 2);
}

static void test_shadows_present_at_the_finish_are_credited_and_keep_it_after_a_reopen(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "sam", "shadow", "build"));
	accept(f, ev(f, "sue", "shadow", "build"));
	accept(f, with_true(ev(f, "sue", "shadow", "build"), "leave"));
	accept(f, ev(f, "dan", "done", "build"));
	assert_true(ledger_has_shadowed(f->st, "build", "sam"));
	assert_false(ledger_has_shadowed(f->st, "build", "sue")); /* left before the finish */
	assert_false(ledger_has_shadowed(f->st, "build", "dan")); /* the doer is no shadow */
	assert_int_equal(cJSON_GetArraySize(rec(f, "build")->shadows), 0);
	accept(f, with(ev(f, "rita", "reopen", "build"), "reason", "rebuild"));
	assert_true(ledger_has_shadowed(f->st, "build", "sam"));
}

static void test_a_claim_outside_the_role_is_granted_by_shadowing_in_the_release_it_names(void **state)
{
	struct fx *f = *state;

	f->others[f->other_count++] = release_with_build("2.6.2", "dan", "sam", false, T0 - 7 * DAY);
	f->others[f->other_count++] = release_with_build("2.6.1", "dan", NULL, false, T0 - 14 * DAY);
	start(f, false);
	/* Without naming where: the role rule, with the way to earn it. */
	refuse(f, ev(f, "sam", "claim", "build"), EXIT_NOPERM, "sam cannot claim build: it needs the role dev; ask a dev (dan, dora) to claim it, or a release manager (rita) to assign it to one of them ('relctl assign build dan'), or shadow it to its finish first");
	refuse(f, with(ev(f, "sam", "claim", "build"), "shadowed_in", "2.6.1"), EXIT_NOPERM,
	       "sam did not shadow build to its finish in release 2.6.1");
	refuse(f, with(ev(f, "sam", "claim", "build"), "shadowed_in", "9.9"), EXIT_DATAERR,
	       "cannot check that sam shadowed build in release 9.9");
	refuse(f, with(ev(f, "sue", "claim", "build"), "shadowed_in", "2.6.2"), EXIT_NOPERM, "sue did not shadow build");
	accept(f, with(ev(f, "sam", "claim", "build"), "shadowed_in", "2.6.2"));
	assert_string_equal(rec(f, "build")->holder, "sam");
	/* test does not say shadow_grants: shadowing it would not grant it. */
	accept(f, ev(f, "sam", "done", "build"));
	accept(f, ev(f, "sue", "claim", "test"));
	accept(f, ev(f, "dan", "shadow", "test"));
	accept(f, ev(f, "sue", "done", "test"));
	assert_true(ledger_has_shadowed(f->st, "test", "dan"));
}

static void test_a_replay_of_accepted_history_trusts_a_granted_claim(void **state)
{
	struct fx *f = *state;

	/* Judged when it arrived; the release it names need not be at hand for a reader. */
	f->st->lookup = NULL;
	start(f, false);
	refuse(f, with(ev(f, "sam", "claim", "build"), "shadowed_in", "2.6.2"), EXIT_DATAERR,
	       "the ledger has no such release here");
	{
		cJSON *e = with(ev(f, "sam", "claim", "build"), "shadowed_in", "2.6.2");
		struct error err;

		assert_int_equal(ledger_apply(f->st, e, &err), 0);
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(f->doc, "events"), e);
	}
	assert_string_equal(rec(f, "build")->holder, "sam");
}

static void test_shadowing_in_the_same_release_grants_a_later_round(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "sue", "shadow", "build"));
	accept(f, ev(f, "dan", "done", "build"));
	accept(f, with(ev(f, "rita", "reopen", "build"), "reason", "rebuild"));
	accept(f, with(ev(f, "sue", "claim", "build"), "shadowed_in", "2.6.3"));
	assert_string_equal(rec(f, "build")->holder, "sue");
}

/* ---------- hand-over ---------- */

static void test_the_holder_hands_over_to_someone_of_the_role_with_a_note(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "sam", "shadow", "build"));
	f->now += 3 * HOUR;
	refuse(f, with(ev(f, "dora", "handover", "build"), "person", "dora"), EXIT_NOPERM,
	       "dora cannot hand over build: dan holds it");
	refuse(f, ev_handover(f, "dan", "build", "dora", NULL), EXIT_USAGE, "a hand-over needs --note TEXT");
	refuse(f, ev_handover(f, "dan", "build", "sam", "half done"), EXIT_DATAERR, "it needs the role dev, which sam does not have");
	refuse(f, ev_handover(f, "dan", "build", "dan", "x"), EXIT_DATAERR, "dan already holds build");
	refuse(f, ev_handover(f, "dan", "build", "zed", "x"), EXIT_USAGE, "no person \"zed\"");
	refuse(f, ev_handover(f, "dan", "plan", "dora", "x"), EXIT_DATAERR, "only a step someone holds is handed over");
	accept(f, ev_handover(f, "dan", "build", "dora", "compiled; the image is not signed yet"));
	assert_string_equal(rec(f, "build")->holder, "dora");
	assert_string_equal(rec(f, "build")->handover_from, "dan");
	assert_string_equal(rec(f, "build")->handover_note, "compiled; the image is not signed yet");
	/* Idle counts from the hand-over. */
	assert_int_equal(rec(f, "build")->claimed_at, f->now - MINUTE);
	assert_true(in_list(rec(f, "build")->shadows, "sam"));
	accept(f, ev(f, "dora", "done", "build"));
	assert_string_equal(rec(f, "build")->done_by, "dora");
}

static void test_a_release_manager_hands_over_only_for_a_holder_who_is_away(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	refuse(f, ev_handover(f, "rita", "build", "dora", "dan is ill"), EXIT_NOPERM, "a release manager can while they are away");
	accept(f, with(ev(f, "dan", "away", NULL), "until", "2024-03-25T09:00:00Z"));
	accept(f, ev_handover(f, "rita", "build", "dora", "dan is away; the branch is release-2.6.3"));
	assert_string_equal(rec(f, "build")->holder, "dora");
}

static void test_a_hand_over_keeps_a_wait_steps_clock(void **state)
{
	struct fx *f = *state;
	time_t claimed;

	start(f, false);
	accept(f, ev(f, "sam", "claim", "watch"));
	claimed = rec(f, "watch")->claimed_at;
	accept(f, ev_handover(f, "sam", "watch", "sue", "nothing so far"));
	assert_int_equal(rec(f, "watch")->claimed_at, claimed);
	assert_int_equal(ledger_wait_opens(f->st, idx("watch")), claimed + 2 * HOUR);
}

/* ---------- away ---------- */

static void test_away_until_a_future_time_or_back(void **state)
{
	struct fx *f = *state;

	start(f, false);
	refuse(f, with(ev(f, "dan", "away", NULL), "until", "2024-03-18T09:00:00Z"), EXIT_USAGE, "is not in the future");
	refuse(f, with(ev(f, "dan", "away", NULL), "until", "next tuesday"), EXIT_USAGE, "--until is a time like");
	refuse(f, with_true(ev(f, "dan", "away", NULL), "back"), EXIT_DATAERR, "dan is not marked away in 2.6.3");
	accept(f, with(ev(f, "dan", "away", NULL), "until", "2024-03-21T09:00:00Z"));
	assert_non_null(ledger_away(f->st, "dan", T0 + HOUR));
	assert_null(ledger_away(f->st, "dan", T0 + 2 * DAY)); /* past --until */
	assert_null(ledger_away(f->st, "dora", T0 + HOUR));
	accept(f, with_true(ev(f, "dan", "away", NULL), "back"));
	assert_null(ledger_away(f->st, "dan", T0 + HOUR));
	accept(f, ev(f, "sue", "away", NULL)); /* until she says she is back */
	assert_non_null(ledger_away(f->st, "sue", T0 + 300 * DAY));
}

/* ---------- deadlines ---------- */

static void test_overdue_counts_from_ready_and_idle_from_the_claim(void **state)
{
	struct fx *f = *state;

	start(f, false); /* build (due 2h) and plan (no due) ready at T0 */
	assert_int_equal(ledger_due_at(f->st, idx("build")), T0 + 2 * HOUR);
	assert_int_equal(ledger_overdue(f->st, idx("build"), T0 + 2 * HOUR), 0);
	assert_int_equal(ledger_overdue(f->st, idx("build"), T0 + 5 * HOUR), 3 * HOUR);
	assert_int_equal(ledger_overdue(f->st, idx("plan"), T0 + 50 * HOUR), 0);
	assert_int_equal(ledger_due_at(f->st, idx("test")), 0); /* pending: not ready, not due */
	assert_int_equal(ledger_overdue(f->st, idx("test"), T0 + 50 * HOUR), 0);
	/* Unclaimed longer than idle_after (1d). */
	assert_int_equal(ledger_unclaimed(f->st, idx("plan"), T0 + DAY), 0);
	assert_int_equal(ledger_unclaimed(f->st, idx("plan"), T0 + DAY + 1), DAY + 1);
	accept(f, ev(f, "dan", "claim", "build"));
	assert_int_equal(ledger_unclaimed(f->st, idx("build"), T0 + 2 * DAY), 0);
	assert_int_equal(ledger_idle(f->st, idx("build"), T0 + MINUTE + DAY), 0);
	assert_int_equal(ledger_idle(f->st, idx("build"), T0 + MINUTE + DAY + 1), DAY + 1);
	f->now = T0 + 3 * HOUR;
	accept(f, ev(f, "dan", "done", "build"));
	assert_int_equal(ledger_overdue(f->st, idx("build"), T0 + 9 * HOUR), 0); /* finished */
	/* test became ready when build was done; its own idle_after is 4h. */
	assert_int_equal(ledger_due_at(f->st, idx("test")), T0 + 3 * HOUR + 3 * HOUR);
	accept(f, ev(f, "sam", "claim", "test"));
	assert_int_equal(ledger_idle(f->st, idx("test"), rec(f, "test")->claimed_at + 4 * HOUR), 0);
	assert_int_equal(ledger_idle(f->st, idx("test"), rec(f, "test")->claimed_at + 4 * HOUR + 1), 4 * HOUR + 1);
}

static void test_a_waiting_step_is_never_overdue_until_it_opens(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "sam", "claim", "watch"));
	/* Due 3h from ready; it waits 2h from the claim, then it can be late. */
	assert_int_equal(ledger_overdue(f->st, idx("watch"), T0 + 90 * MINUTE), 0);
	assert_int_equal(ledger_overdue(f->st, idx("watch"), T0 + 4 * HOUR), HOUR);
	assert_int_equal(ledger_idle(f->st, idx("watch"), T0 + HOUR), 0);
}

/* ---------- reminders ---------- */

static cJSON *reminder(struct fx *f, const char *person, const char *a, const char *b)
{
	cJSON *e = with(ev(f, "rita", "remind", NULL), "kind", "reminder");

	cJSON_AddStringToObject(e, "person", person);
	return with_steps(e, a, b);
}

static cJSON *escalation(struct fx *f, const char *a)
{
	return with_steps(with(ev(f, "rita", "remind", NULL), "kind", "escalation"), a, NULL);
}

static void test_a_person_is_reminded_of_their_own_overdue_or_idle_steps_once_a_day(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dora", "claim", "plan"));
	refuse(f, reminder(f, "dan", "build", NULL), EXIT_DATAERR, "build is not overdue or idle for the person reminded");
	f->now = T0 + 3 * HOUR; /* build overdue by 1h; plan only held 3h */
	refuse(f, reminder(f, "dora", "build", NULL), EXIT_DATAERR, "not overdue or idle for the person reminded");
	refuse(f, reminder(f, "dora", "plan", NULL), EXIT_DATAERR, "plan is not overdue or idle");
	refuse(f, reminder(f, "nobody", "build", NULL), EXIT_USAGE, "a reminder names a person of the playbook");
	accept(f, reminder(f, "dan", "build", NULL));
	f->now = T0 + 13 * HOUR; /* 23:00, the same day */
	refuse(f, reminder(f, "dan", "build", NULL), EXIT_DATAERR, "dan was already reminded of build on this day");
	f->now = T0 + 15 * HOUR; /* 01:00 the next day */
	accept(f, reminder(f, "dan", "build", NULL));
	f->now = T0 + 2 * DAY; /* plan idle now (held over 1d) */
	accept(f, reminder(f, "dora", "plan", NULL));
	assert_int_equal(f->st->reminder_count, 3);
	assert_true(ledger_reminded(f->st, "reminder", "dora", "plan", f->now));
	assert_false(ledger_reminded(f->st, "escalation", NULL, "plan", f->now));
}

static void test_the_release_managers_get_what_is_overdue_past_its_escalation_or_long_unclaimed(void **state)
{
	struct fx *f = *state;

	start(f, false);
	f->now = T0 + 3 * HOUR; /* build overdue 1h: its escalate_after is its due again, 2h */
	refuse(f, escalation(f, "build"), EXIT_DATAERR, "build is not overdue past its escalation nor long unclaimed");
	f->now = T0 + 4 * HOUR + MINUTE;
	accept(f, escalation(f, "build"));
	refuse(f, escalation(f, "build"), EXIT_DATAERR, "the release managers was already told of build on this day");
	refuse(f, escalation(f, "plan"), EXIT_DATAERR, "plan is not overdue past its escalation nor long unclaimed");
	f->now = T0 + DAY + HOUR; /* plan unclaimed over idle_after */
	accept(f, escalation(f, "plan"));
	{
		cJSON *e = escalation(f, "build");

		cJSON_AddStringToObject(e, "person", "dan");
		refuse(f, e, EXIT_USAGE, "an escalation goes to the release managers, not to a person");
	}
	refuse(f, with_steps(with(ev(f, "rita", "remind", NULL), "kind", "nag"), "build", NULL), EXIT_USAGE,
	       "a reminder's kind is reminder or escalation");
	refuse(f, with(with(ev(f, "rita", "remind", NULL), "kind", "escalation"), "person", "x"), EXIT_USAGE,
	       "an escalation goes to the release managers");
}

static void test_remind_plans_one_message_per_person_and_one_escalation_then_nothing_that_day(void **state)
{
	struct fx *f = *state;
	struct reminder_plan *plans;
	size_t n, i;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "claim", "plan"));
	f->now = T0 + DAY + HOUR + 2 * MINUTE; /* build overdue (escalated too), plan idle: claimed at T0 + 2m */
	n = delegation_reminders(f->st, "rita", f->now, &plans);
	assert_int_equal(n, 2);
	assert_string_equal(plans[0].kind, "reminder");
	assert_string_equal(plans[0].person, "dan");
	assert_string_equal(plans[0].step_list, "build, plan");
	assert_non_null(strstr(plans[0].message, "dan, build is overdue by 23h2m (due 2024-03-19T12:00:00Z)"));
	assert_non_null(strstr(plans[0].message, "plan has been claimed for 1d1h"));
	assert_string_equal(plans[1].kind, "escalation");
	assert_null(plans[1].person);
	/* build overdue past its escalation (its due again); watch and publish unclaimed over idle_after. */
	assert_string_equal(plans[1].step_list, "build, watch, publish");
	assert_non_null(strstr(plans[1].message, "publish has waited 1d1h with nobody claiming it (a dev can)"));
	assert_non_null(strstr(plans[1].message, "for the release managers (rita)"));
	assert_non_null(strstr(plans[1].message, "held by dan"));
	for (i = 0; i < n; i++) {
		cJSON *e = with(ev(f, "rita", "remind", NULL), "kind", plans[i].kind);

		if (plans[i].person)
			cJSON_AddStringToObject(e, "person", plans[i].person);
		cJSON_AddItemToObject(e, "steps", cJSON_Duplicate(plans[i].steps, 1));
		cJSON_AddStringToObject(e, "message", plans[i].message);
		accept(f, e);
	}
	delegation_reminders_free(plans, n);
	assert_int_equal(delegation_reminders(f->st, "rita", f->now + 10 * MINUTE, &plans), 0);
	delegation_reminders_free(plans, 0);
	n = delegation_reminders(f->st, "rita", T0 + 2 * DAY, &plans);
	assert_int_equal(n, 2); /* a new day */
	delegation_reminders_free(plans, n);
}

/* ---------- rehearsals ---------- */

static cJSON *hook_event(struct fx *f, const char *outcome)
{
	cJSON *e = ev(f, "dan", "hook", "publish");

	cJSON_AddStringToObject(cJSON_AddObjectToObject(e, "result"), "outcome", outcome);
	return e;
}

static void test_a_rehearsals_hooks_are_dry_runs_and_never_delivered(void **state)
{
	struct fx *f = *state;

	start(f, true);
	assert_true(f->st->rehearsal);
	accept(f, ev(f, "dan", "claim", "publish"));
	refuse(f, hook_event(f, "delivered"), EXIT_DATAERR, "2.6.3 is a rehearsal: its hook publish is recorded as a dry run");
	refuse(f, hook_event(f, "failed"), EXIT_DATAERR, "is a rehearsal");
	accept(f, hook_event(f, "dry-run"));
	assert_int_equal(rec(f, "publish")->base, STATE_DONE);
	refuse(f, reminder(f, "dan", "build", NULL), EXIT_DATAERR, "2.6.3 is a rehearsal: nobody is reminded of it");
}

static void test_a_real_release_records_no_dry_run(void **state)
{
	struct fx *f = *state;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "publish"));
	refuse(f, hook_event(f, "dry-run"), EXIT_DATAERR, "a dry run of publish is not recorded in 2.6.3, a real release");
	accept(f, hook_event(f, "delivered"));
	assert_int_equal(rec(f, "publish")->base, STATE_DONE);
}

/* What a rehearsal records instead of sending: the masked request, a long one cut on a character boundary. */
static void test_a_dry_run_result_holds_the_masked_request_cut_at_16_kib(void **state)
{
	struct hook_request req;
	char *secrets[] = { (char *)"tok-123" };
	cJSON *o;
	const char *text;
	size_t i;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.hook = (char *)"notes";
	req.method = (char *)"POST";
	req.url_shown = (char *)"http://127.0.0.1:9/notes";
	req.webhook_id = (char *)"msg_0123456789abcdef0123456789abcdef";
	req.headers[0].name = (char *)"Authorization";
	req.headers[0].value = (char *)"Bearer tok-123";
	req.header_count = 1;
	req.secrets.values = secrets;
	req.secrets.count = 1;
	req.body = (char *)"short";
	o = hook_dry_run_json(&req);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "outcome")->valuestring, "dry-run");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "attempts")), 0);
	text = cJSON_GetObjectItemCaseSensitive(o, "request")->valuestring;
	assert_string_equal(text, "POST http://127.0.0.1:9/notes\nAuthorization: Bearer ***\n\nshort\n");
	cJSON_Delete(o);

	/* 20000 two-byte characters after the header lines. */
	req.body = calloc(40001, 1);
	for (i = 0; i < 40000; i += 2)
		memcpy(req.body + i, "\xc3\xa9", 2);
	o = hook_dry_run_json(&req);
	text = cJSON_GetObjectItemCaseSensitive(o, "request")->valuestring;
	assert_true(strlen(text) < HOOK_DRY_RUN_BYTES + 64);
	assert_true(utf8_valid(text, strlen(text)));
	assert_non_null(strstr(text, " bytes more)"));
	cJSON_Delete(o);
	free(req.body);
}

static void test_start_takes_rehearsal_and_a_target_and_refuses_a_bad_target(void **state)
{
	struct fx *f = *state;
	cJSON *view = cJSON_CreateObject();

	refuse(f, with(ev(f, "rita", "start", NULL), "target", "friday"), EXIT_USAGE, "--target is a time like");
	accept(f, with(with_true(ev(f, "rita", "start", NULL), "rehearsal"), "target", "2024-03-21T17:00:00Z"));
	assert_true(f->st->rehearsal);
	assert_int_equal(f->st->target, T0 + 2 * DAY + 7 * HOUR);
	ledger_write_view(f->st, view);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(view, "rehearsal")));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(view, "target")->valuestring, "2024-03-21T17:00:00Z");
	cJSON_Delete(view);
}

/* ---------- who knows which step ---------- */

static void test_knowledge_counts_doers_shadows_and_rehearsals_apart(void **state)
{
	struct fx *f = *state;
	struct release_state *rels[3];
	struct release_summary **sums;
	struct step_knowledge *k;
	cJSON *section, *step;

	(void)f;
	rels[0] = release_with_build("1.0", "dan", "sam", false, T0);
	rels[1] = release_with_build("1.1", "dan", "sue", false, T0 + DAY);
	rels[2] = release_with_build("1.1-rehearsal", "dora", NULL, true, T0 + 2 * DAY);
	sums = sums_of(rels, 3);
	k = delegation_knowledge(SUMS(sums), 2, pb);
	assert_int_equal(cJSON_GetArraySize(k[idx("build")].done_by), 1);
	assert_true(delegation_risky(&k[idx("build")]));
	assert_true(in_list(k[idx("build")].shadowed_by, "sam"));
	assert_true(in_list(k[idx("build")].shadowed_by, "sue"));
	assert_false(delegation_risky(&k[idx("plan")])); /* never done: not a risk yet */
	delegation_knowledge_free(k, pb);

	section = delegation_shadowing(SUMS(sums), 3, pb);
	step = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(section, "steps"), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(step, "id")->valuestring, "build");
	assert_true(in_list(cJSON_GetObjectItemCaseSensitive(step, "practised_by"), "dora"));
	assert_false(in_list(cJSON_GetObjectItemCaseSensitive(step, "done_by"), "dora")); /* a rehearsal is practice */
	/* sam and sue (support) are ready through shadow_grants; dora by her role and practice. */
	assert_true(in_list(cJSON_GetObjectItemCaseSensitive(step, "ready_next"), "sam"));
	assert_true(in_list(cJSON_GetObjectItemCaseSensitive(step, "ready_next"), "sue"));
	assert_true(in_list(cJSON_GetObjectItemCaseSensitive(step, "ready_next"), "dora"));
	assert_false(in_list(cJSON_GetObjectItemCaseSensitive(step, "ready_next"), "dan")); /* he has done it */
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(section, "rehearsals")->valueint, 1);
	assert_true(in_list(cJSON_GetObjectItemCaseSensitive(section, "risks"), "build"));
	cJSON_Delete(section);
	assert_string_equal(delegation_shadowed_in(SUMS(sums), 3, "build", "sam"), "1.0");
	assert_string_equal(delegation_shadowed_in(SUMS(sums), 3, "build", "sue"), "1.1");
	assert_null(delegation_shadowed_in(SUMS(sums), 3, "build", "dora"));
	summaries_free(sums, 3);

	/* A second doer takes build off the risk list. */
	release_state_free(rels[2]);
	rels[2] = release_with_build("1.2", "dora", NULL, false, T0 + 3 * DAY);
	sums = sums_of(rels, 3);
	k = delegation_knowledge(SUMS(sums), 3, pb);
	assert_false(delegation_risky(&k[idx("build")]));
	assert_false(in_list(k[idx("build")].practised_by, "dora")); /* she has done it for real now */
	delegation_knowledge_free(k, pb);
	summaries_free(sums, 3);
	release_state_free(rels[0]);
	release_state_free(rels[1]);
	release_state_free(rels[2]);
}

static void test_knowledge_counts_whoever_finished_a_step_in_any_round_of_a_release(void **state)
{
	struct fx *f = *state;
	struct release_summary **sums;
	struct step_knowledge *k;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "done", "build"));
	accept(f, with(ev(f, "rita", "reopen", "build"), "reason", "rebuild"));
	accept(f, ev(f, "dora", "claim", "build"));
	accept(f, ev(f, "dora", "done", "build"));
	sums = sums_of(&f->st, 1);
	k = delegation_knowledge(SUMS(sums), 1, pb);
	assert_int_equal(cJSON_GetArraySize(k[idx("build")].done_by), 2);
	assert_false(delegation_risky(&k[idx("build")]));
	delegation_knowledge_free(k, pb);
	summaries_free(sums, 1);
}

static void test_the_suggested_shadows_are_of_the_role_and_new_to_the_step(void **state)
{
	struct fx *f = *state;
	struct release_state *earlier = release_with_build("1.0", "dan", NULL, false, T0 - DAY);
	struct release_summary **sums = sums_of(&earlier, 1);
	struct step_knowledge *k = delegation_knowledge(SUMS(sums), 1, pb);
	cJSON *who;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	who = delegation_suggest_shadows(f->st, idx("build"), &k[idx("build")], f->now);
	assert_int_equal(cJSON_GetArraySize(who), 1);
	assert_true(in_list(who, "dora"));
	cJSON_Delete(who);
	accept(f, ev(f, "dora", "away", NULL));
	who = delegation_suggest_shadows(f->st, idx("build"), &k[idx("build")], f->now);
	assert_int_equal(cJSON_GetArraySize(who), 0); /* nobody else of the role is here */
	cJSON_Delete(who);
	delegation_knowledge_free(k, pb);
	summaries_free(sums, 1);
	release_state_free(earlier);
}

static void test_the_view_carries_shadows_hand_over_due_away_and_reminders(void **state)
{
	struct fx *f = *state;
	cJSON *view = cJSON_CreateObject(), *build;

	start(f, false);
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "sam", "shadow", "build"));
	accept(f, ev_handover(f, "dan", "build", "dora", "signed"));
	accept(f, with(ev(f, "dan", "away", NULL), "until", "2024-03-22T09:00:00Z"));
	f->now = T0 + 3 * HOUR;
	accept(f, reminder(f, "dora", "build", NULL));
	ledger_write_view(f->st, view);
	build = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(view, "steps"), "build");
	assert_true(in_list(cJSON_GetObjectItemCaseSensitive(build, "shadows"), "sam"));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(build, "handover"), "note")->valuestring,
			    "signed");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(build, "due_at")->valuestring, "2024-03-19T12:00:00Z");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(view, "away"), "dan"), "until")->valuestring,
			    "2024-03-22T09:00:00Z");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(view, "reminders")), 1);
	assert_false(cJSON_HasObjectItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(view, "steps"), "plan"),
					 "due_at"));
	cJSON_Delete(view);
}

/* A summary measures how long each step waited, ready to done (what summary_from_json refuses: test_stats). */
static void test_a_summary_measures_waits(void **state)
{
	struct release_state *rel = release_with_build("1.0", "dan", NULL, false, T0);
	struct release_summary **sums = sums_of(&rel, 1);
	long *durations;
	bool measured[16];

	(void)state;
	/* build: ready at the start, done 3 minutes later; plan was never done. */
	assert_int_equal(summary_step(sums[0], "build")->waited, 180);
	assert_int_equal(summary_step(sums[0], "plan")->waited, -1);
	assert_true(cJSON_GetArraySize(summary_step(sums[0], "build")->performers) == 1);
	durations = stats_durations(SUMS(sums), 1, pb, measured);
	assert_int_equal(durations[idx("build")], 180);
	assert_true(measured[idx("build")]);
	assert_false(measured[idx("plan")]);
	free(durations);
	summaries_free(sums, 1);
	release_state_free(rel);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_anyone_may_shadow_a_held_step_but_not_a_free_one_their_own_or_twice),
		T(test_a_summary_measures_waits),
		T(test_shadows_present_at_the_finish_are_credited_and_keep_it_after_a_reopen),
		T(test_a_claim_outside_the_role_is_granted_by_shadowing_in_the_release_it_names),
		T(test_a_replay_of_accepted_history_trusts_a_granted_claim),
		T(test_shadowing_in_the_same_release_grants_a_later_round),
		T(test_the_holder_hands_over_to_someone_of_the_role_with_a_note),
		T(test_a_release_manager_hands_over_only_for_a_holder_who_is_away),
		T(test_a_hand_over_keeps_a_wait_steps_clock),
		T(test_away_until_a_future_time_or_back),
		T(test_overdue_counts_from_ready_and_idle_from_the_claim),
		T(test_a_waiting_step_is_never_overdue_until_it_opens),
		T(test_a_person_is_reminded_of_their_own_overdue_or_idle_steps_once_a_day),
		T(test_the_release_managers_get_what_is_overdue_past_its_escalation_or_long_unclaimed),
		T(test_remind_plans_one_message_per_person_and_one_escalation_then_nothing_that_day),
		T(test_a_rehearsals_hooks_are_dry_runs_and_never_delivered),
		T(test_a_real_release_records_no_dry_run),
		T(test_a_dry_run_result_holds_the_masked_request_cut_at_16_kib),
		T(test_start_takes_rehearsal_and_a_target_and_refuses_a_bad_target),
		T(test_knowledge_counts_doers_shadows_and_rehearsals_apart),
		T(test_knowledge_counts_whoever_finished_a_step_in_any_round_of_a_release),
		T(test_the_suggested_shadows_are_of_the_role_and_new_to_the_step),
		T(test_the_view_carries_shadows_hand_over_due_away_and_reminders),
	};

	return cmocka_run_group_tests_name("delegation", tests, group_setup, group_teardown);
}

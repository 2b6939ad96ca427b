/*
 * Several gates (src/decision.c, ledger_gate_of and ledger_pick_gate in
 * src/state.c): a playbook with two decision steps, each with its own
 * owner, inputs and on_delay.  Events are applied as arriving ones
 * (ledger_apply_new, as the judge does), so each decision's brief hash is
 * checked against its own gate's brief.  After every test the accepted
 * events must replay to the same view.
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
#include "ledger.h"
#include "playbook.h"
#include "release_fixture.h"
#include "util.h"

/*
 * A release manager's go/no-go on the build (needs dev input) and a product
 * owner's ship decision after the tests (needs support input): both are
 * open once the build and the tests are done.
 */
static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Gates\n"
	"roles: [release-manager, product-owner, dev, support]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: sam, name: Sam, email: sam@example.com, roles: [support]}\n"
	"phases:\n"
	"  - id: candidate\n"
	"    steps:\n"
	"      - {id: build, title: Build, owner: dev}\n"
	"      - {id: go, title: Go or no-go, kind: decision, owner: release-manager, inputs: [dev],\n"
	"         needs: [build], on_delay: [build]}\n"
	"      - {id: test, title: Test, owner: support, needs: [build]}\n"
	"      - {id: ship, title: Ship it, kind: decision, owner: product-owner, inputs: [support],\n"
	"         needs: [test], on_delay: [build, test]}\n"
	"  - id: publish\n"
	"    steps:\n"
	"      - {id: announce, title: Announce, owner: release-manager}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

static struct playbook *pb;

static int group_setup(void **state)
{
	(void)state;
	pb = fixture_playbook(playbook_yaml, sizeof(playbook_yaml) - 1, "gates.yaml");
	return pb ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	playbook_free(pb);
	return 0;
}

/* A release with build and test done: both gates open. */
static int setup(void **state)
{
	struct fx *f = fixture_new(pb, T0);

	f->apply = ledger_apply_new;
	accept(f, ev(f, "rita", "start", NULL));
	accept(f, ev(f, "dan", "claim", "build"));
	accept(f, ev(f, "dan", "done", "build"));
	accept(f, ev(f, "sam", "claim", "test"));
	accept(f, ev(f, "sam", "done", "test"));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_replays(pb, f);

	fixture_free(f);
	return rc;
}

static const struct pb_step *gate(const char *id)
{
	return playbook_step(pb, id);
}

/* `relctl input --step GATE --note N` as sam or dan send it (step NULL: as a single-gate relctl wrote it). */
static cJSON *input(struct fx *f, const char *who, const char *step, const char *role)
{
	return with(with(ev(f, who, "input", step), "role", role), "note", "what we know");
}

/* `relctl decide D --step GATE --reason R [--force]`, carrying hash (NULL: the hash of GATE's brief now). */
static cJSON *decide(struct fx *f, const char *who, const char *step, const char *decision, const char *hash,
		     bool forced)
{
	char now[65];
	cJSON *e;

	if (hash == NULL) {
		assert_int_equal(brief_state_hash(f->st, step ? gate(step) : NULL, now), 0);
		hash = now;
	}
	e = with(with(with(ev(f, who, "decide", step), "decision", decision), "reason", "because"), "brief_hash", hash);
	if (forced)
		cJSON_AddTrueToObject(e, "forced");
	return e;
}

static void each_gate_has_its_owner(void **state)
{
	struct fx *f = *state;

	accept(f, input(f, "dan", "go", "dev"));
	accept(f, input(f, "sam", "ship", "support"));
	refuse(f, decide(f, "paul", "go", "ship", NULL, false), EXIT_NOPERM, "only a release-manager can");
	refuse(f, decide(f, "rita", "ship", "ship", NULL, false), EXIT_NOPERM, "only a product-owner can");
	accept(f, decide(f, "rita", "go", "ship", NULL, false));
	assert_int_equal(ledger_step_state(f->st, gate("go")->index, f->now), STATE_DONE);
	assert_int_equal(ledger_step_state(f->st, gate("ship")->index, f->now), STATE_READY);
	accept(f, decide(f, "paul", "ship", "ship", NULL, false));
	assert_int_equal(ledger_step_state(f->st, gate("ship")->index, f->now), STATE_DONE);
	assert_string_equal(f->st->decisions[1].gate->id, "ship");
}

static void an_event_of_several_gates_names_its_gate(void **state)
{
	struct fx *f = *state;
	const struct pb_step *picked;
	struct error err = { 0, "" };

	refuse(f, input(f, "dan", NULL, "dev"), EXIT_DATAERR, "names no decision step, and release 2.6.3 has several");
	refuse(f, decide(f, "rita", NULL, "ship", "0", true), EXIT_DATAERR, "names no decision step");
	refuse(f, input(f, "dan", "test", "dev"), EXIT_USAGE, "has no decision step \"test\"");
	/* Both open: a command without --step is told which. */
	assert_int_equal(ledger_pick_gate(f->st, NULL, f->now, &picked, &err), -1);
	assert_int_equal(err.code, EXIT_USAGE);
	assert_non_null(strstr(err.message, "several decisions open (go, ship); name one with --step STEP"));
	assert_int_equal(ledger_pick_gate(f->st, "ship", f->now, &picked, &err), 0);
	assert_string_equal(picked->id, "ship");
	/* One open: it, without --step. */
	accept(f, input(f, "dan", "go", "dev"));
	accept(f, decide(f, "rita", "go", "ship", NULL, false));
	assert_int_equal(ledger_pick_gate(f->st, NULL, f->now, &picked, &err), 0);
	assert_string_equal(picked->id, "ship");
}

static void inputs_and_force_are_per_gate(void **state)
{
	struct fx *f = *state;
	const char *missing[2];

	/* support's input to go is not the one ship asks for. */
	accept(f, input(f, "sam", "go", "support"));
	assert_int_equal(ledger_missing_inputs(f->st, gate("ship"), missing), 1);
	assert_string_equal(missing[0], "support");
	assert_int_equal(ledger_missing_inputs(f->st, gate("go"), missing), 1);
	assert_string_equal(missing[0], "dev");
	refuse(f, decide(f, "paul", "ship", "ship", NULL, false), EXIT_DATAERR, "still needs input from support");
	accept(f, input(f, "sam", "ship", "support"));
	assert_int_equal(ledger_missing_inputs(f->st, gate("ship"), missing), 0);
	refuse(f, decide(f, "rita", "go", "ship", NULL, false), EXIT_DATAERR, "still needs input from dev");
	accept(f, decide(f, "rita", "go", "ship", NULL, true));
	assert_true(f->st->decisions[0].forced);
	accept(f, decide(f, "paul", "ship", "ship", NULL, false));
	assert_false(f->st->decisions[1].forced);
}

static void a_brief_is_stale_only_for_its_own_gate(void **state)
{
	struct fx *f = *state;
	char go[65], ship[65], go_after[65], ship_after[65];

	assert_int_equal(brief_state_hash(f->st, gate("go"), go), 0);
	assert_int_equal(brief_state_hash(f->st, gate("ship"), ship), 0);
	assert_string_not_equal(go, ship);
	/* An input to ship changes ship's brief, not go's. */
	accept(f, input(f, "sam", "ship", "support"));
	assert_int_equal(brief_state_hash(f->st, gate("go"), go_after), 0);
	assert_int_equal(brief_state_hash(f->st, gate("ship"), ship_after), 0);
	assert_string_equal(go, go_after);
	assert_string_not_equal(ship, ship_after);
	refuse(f, decide(f, "paul", "ship", "ship", ship, false), EXIT_TEMPFAIL,
	       "the brief of 2.6.3 at ship changed since this clone last showed it");
	accept(f, input(f, "dan", "go", "dev"));
	refuse(f, decide(f, "rita", "go", "ship", go, false), EXIT_TEMPFAIL, "read 'relctl brief --step go' again");
	accept(f, decide(f, "paul", "ship", "ship", ship_after, false));
}

static void a_delay_from_the_second_gate_reopens_its_steps(void **state)
{
	struct fx *f = *state;
	const char *missing[2];
	cJSON *b;

	accept(f, input(f, "dan", "go", "dev"));
	accept(f, decide(f, "rita", "go", "ship", NULL, false));
	accept(f, input(f, "sam", "ship", "support"));
	accept(f, decide(f, "paul", "ship", "delay", NULL, false));
	assert_int_equal(f->st->candidate, 2);
	assert_int_equal(ledger_step_state(f->st, gate("build")->index, f->now), STATE_READY);
	assert_int_equal(ledger_step_state(f->st, gate("test")->index, f->now), STATE_PENDING);
	assert_int_equal(ledger_step_state(f->st, gate("go")->index, f->now), STATE_DONE);
	assert_int_equal(ledger_step_state(f->st, gate("ship")->index, f->now), STATE_PENDING);
	assert_int_equal(ledger_missing_inputs(f->st, gate("ship"), missing), 1);
	/* Each brief lists its own gate's decisions. */
	b = brief_build(f->st, gate("ship"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "decisions")), 1);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(b, "decision_step")->valuestring, "ship");
	cJSON_Delete(b);
	b = brief_build(f->st, gate("go"));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b, "decisions"), 0)
				    ->child->next->valuestring,
			    "ship");
	cJSON_Delete(b);
}

static void abort_closes_the_release_from_any_gate(void **state)
{
	struct fx *f = *state;

	accept(f, input(f, "dan", "go", "dev"));
	accept(f, decide(f, "rita", "go", "ship", NULL, false));
	refuse(f, decide(f, "rita", "go", "abort", NULL, false), EXIT_DATAERR, "was already shipped");
	accept(f, decide(f, "paul", "ship", "abort", NULL, false));
	assert_int_equal(f->st->status, RELEASE_ABORTED);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(each_gate_has_its_owner),
		T(an_event_of_several_gates_names_its_gate),
		T(inputs_and_force_are_per_gate),
		T(a_brief_is_stale_only_for_its_own_gate),
		T(a_delay_from_the_second_gate_reopens_its_steps),
		T(abort_closes_the_release_from_any_gate),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

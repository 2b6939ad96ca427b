/*
 * The arithmetic under stats and forecast: quantile() (nearest rank, the
 * definition stats documents for its medians and 90th percentiles) and
 * schedule_compute() (earliest start and finish of every step from its
 * needs, the phase order and a duration each, and the critical path).
 *
 * The schedule tests use a tiny playbook whose answers can be worked out
 * by hand: phase one runs a then b (b needs a) beside c, and g, which is
 * skipped by its condition; phase two runs d then the wait step e (at least
 * 4h) beside f.  Nothing in phase two needs phase one by name: only the
 * phase gate orders them.
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
#include "ledger.h"
#include "playbook.h"
#include "schedule.h"
#include "stats.h"

/* ---------- quantile ---------- */

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_quantile_of_one_value_is_that_value_for_every_q(void **state)
{
	long v[] = { 42 };

	(void)state;
	assert_int_equal(quantile(v, 1, 0.0), 42);
	assert_int_equal(quantile(v, 1, 0.5), 42);
	assert_int_equal(quantile(v, 1, 0.9), 42);
	assert_int_equal(quantile(v, 1, 1.0), 42);
}

static void test_quantile_of_no_values_is_zero(void **state)
{
	long v[] = { 7 };

	(void)state;
	assert_int_equal(quantile(v, 0, 0.5), 0);
}

/* Nearest rank: the smallest value with at least q of the values at or below it, rank ceil(q * n). */
static void test_quantile_of_an_odd_count_is_the_nearest_rank(void **state)
{
	long v[] = { 50, 10, 40, 20, 30 };

	(void)state;
	assert_int_equal(quantile(v, N(v), 0.5), 30); /* rank 3 */
	assert_int_equal(quantile(v, N(v), 0.9), 50); /* rank ceil(4.5) = 5 */
	assert_int_equal(quantile(v, N(v), 1.0), 50);
	assert_int_equal(quantile(v, N(v), 0.0), 10); /* rank 0 is taken as the first */
	assert_int_equal(quantile(v, N(v), 0.2), 10); /* exactly rank 1 */
	assert_int_equal(quantile(v, N(v), 0.21), 20); /* just past it: rank 2 */
}

static void test_quantile_of_an_even_count_takes_the_lower_middle_for_the_median(void **state)
{
	long v[] = { 40, 10, 30, 20 }, two[] = { 9, 3 };

	(void)state;
	assert_int_equal(quantile(v, N(v), 0.5), 20);  /* rank 2, not the mean of 20 and 30 */
	assert_int_equal(quantile(v, N(v), 0.75), 30); /* rank 3 */
	assert_int_equal(quantile(v, N(v), 0.9), 40);  /* rank ceil(3.6) = 4 */
	assert_int_equal(quantile(v, N(v), 1.0), 40);
	assert_int_equal(quantile(two, 2, 0.5), 3);
	assert_int_equal(quantile(two, 2, 0.9), 9);
}

/* q * n lands on a whole number: that rank, not the next (no floating-point creep). */
static void test_quantile_at_whole_ranks_of_ten_and_twenty_values(void **state)
{
	long ten[10], twenty[20];
	size_t i;

	(void)state;
	for (i = 0; i < 10; i++)
		ten[i] = (long)(10 - i) * 100; /* 1000 .. 100, reversed */
	for (i = 0; i < 20; i++)
		twenty[i] = (long)((i * 7) % 20) + 1; /* 1 .. 20, shuffled */
	assert_int_equal(quantile(ten, 10, 0.5), 500);
	assert_int_equal(quantile(ten, 10, 0.9), 900);
	assert_int_equal(quantile(ten, 10, 1.0), 1000);
	assert_int_equal(quantile(twenty, 20, 0.5), 10);
	assert_int_equal(quantile(twenty, 20, 0.9), 18);
	assert_int_equal(quantile(twenty, 20, 0.95), 19);
}

static void test_quantile_sorts_its_values_in_place(void **state)
{
	long v[] = { 3, 1, 2, 2 };

	(void)state;
	quantile(v, N(v), 0.5);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 2);
	assert_int_equal(v[2], 2);
	assert_int_equal(v[3], 3);
}

/* ---------- schedule ---------- */

static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Sched\n"
	"roles: [release-manager, dev]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"vars:\n"
	"  flag: {type: bool, default: false}\n"
	"phases:\n"
	"  - id: one\n"
	"    steps:\n"
	"      - {id: a, title: A, instructions: x, owner: dev, estimate: 1h}\n"
	"      - {id: b, title: B, instructions: x, owner: dev, needs: [a], estimate: 2h}\n"
	"      - {id: c, title: C, instructions: x, owner: dev, estimate: 30m}\n"
	"      - {id: g, title: G, instructions: x, owner: dev, when: flag, estimate: 5h}\n"
	"  - id: two\n"
	"    steps:\n"
	"      - {id: d, title: D, instructions: x, owner: dev, estimate: 1h}\n"
	"      - {id: e, title: E, instructions: x, kind: wait, min_duration: 4h, owner: dev, needs: [d]}\n"
	"      - {id: f, title: F, instructions: x, owner: dev, estimate: 10m}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */
#define H 3600L

static struct playbook *pb;

/* Parallel to the steps a, b, c, g, d, e, f: d differs from its estimate, e is under its minimum. */
static const long given[] = { 1 * H, 2 * H, H / 2, 999, 90 * 60, 1 * H, 600 };

static int group_setup(void **state)
{
	struct diagnostics d;

	(void)state;
	diagnostics_init(&d, "sched.yaml");
	pb = playbook_parse(playbook_yaml, sizeof(playbook_yaml) - 1, &d);
	if (pb == NULL && d.count > 0) {
		char *line = diagnostic_format(&d, &d.items[0]);

		print_error("%s\n", line);
		free(line);
	}
	diagnostics_release(&d);
	return pb == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	playbook_free(pb);
	return 0;
}

static size_t idx(const char *id)
{
	const struct pb_step *s = playbook_step(pb, id);

	assert_non_null(s);
	return s->index;
}

/* start and finish of a step, in seconds after base. */
#define assert_window(sched, id, base, from, to)                                                             \
	do {                                                                                                 \
		assert_false((sched)->steps[idx(id)].finished);                                              \
		assert_int_equal((sched)->steps[idx(id)].start - (base), (from));                            \
		assert_int_equal((sched)->steps[idx(id)].finish - (base), (to));                             \
	} while (0)

static void assert_path(const struct schedule *s, const char *const *ids, size_t n)
{
	size_t i;

	assert_int_equal(s->path_len, n);
	for (i = 0; i < n; i++)
		assert_string_equal(pb->steps[s->path[i]].id, ids[i]);
}

static void test_schedule_runs_needs_in_order_and_the_rest_of_a_phase_in_parallel(void **state)
{
	struct release_state *st = ledger_planned(pb);
	struct schedule s;

	(void)state;
	schedule_compute(st, given, T0, &s);
	assert_window(&s, "a", T0, 0, 1 * H);
	assert_window(&s, "b", T0, 1 * H, 3 * H); /* needs a */
	assert_window(&s, "c", T0, 0, H / 2);     /* beside a and b */
	assert_int_equal(s.steps[idx("b")].predecessor, (long)idx("a"));
	assert_int_equal(s.steps[idx("c")].predecessor, -1);
	schedule_release(&s);
	release_state_free(st);
}

static void test_schedule_starts_a_phase_after_every_step_of_the_previous_one(void **state)
{
	struct release_state *st = ledger_planned(pb);
	struct schedule s;
	size_t i;

	(void)state;
	schedule_compute(st, given, T0, &s);
	/* d and f need nothing by name; phase one ends when b does, at 3h. */
	assert_window(&s, "d", T0, 3 * H, 3 * H + 90 * 60);
	assert_window(&s, "f", T0, 3 * H, 3 * H + 600);
	assert_int_equal(s.steps[idx("d")].predecessor, (long)idx("b"));
	for (i = 0; i < pb->step_count; i++)
		if (pb->steps[i].phase == 1)
			assert_true(s.steps[i].start >= s.steps[idx("a")].finish &&
				    s.steps[i].start >= s.steps[idx("b")].finish &&
				    s.steps[i].start >= s.steps[idx("c")].finish);
	schedule_release(&s);
	release_state_free(st);
}

static void test_schedule_a_wait_step_lasts_at_least_its_minimum_duration(void **state)
{
	struct release_state *st = ledger_planned(pb);
	struct schedule s;

	(void)state;
	schedule_compute(st, given, T0, &s);
	/* Given 1h, but the wait is 4h; it starts when d finishes. */
	assert_window(&s, "e", T0, 3 * H + 90 * 60, 7 * H + 90 * 60);
	assert_int_equal(s.steps[idx("e")].duration, 4 * H);
	schedule_release(&s);
	release_state_free(st);
}

static void test_schedule_leaves_out_a_step_skipped_by_its_condition(void **state)
{
	struct release_state *st = ledger_planned(pb);
	struct schedule s;

	(void)state;
	assert_int_equal(st->steps[idx("g")].base, STATE_SKIPPED);
	schedule_compute(st, given, T0, &s);
	assert_true(s.steps[idx("g")].finished);
	schedule_release(&s);
	release_state_free(st);
}

static void test_schedule_critical_path_is_traced_back_from_the_last_finish(void **state)
{
	static const char *const path[] = { "a", "b", "d", "e" };
	struct release_state *st = ledger_planned(pb);
	struct schedule s;

	(void)state;
	schedule_compute(st, given, T0, &s);
	assert_int_equal(s.finish - T0, 7 * H + 90 * 60);
	assert_int_equal(s.remaining, 7 * H + 90 * 60);
	assert_path(&s, path, N(path));
	schedule_release(&s);
	release_state_free(st);
}

static void test_schedule_without_durations_uses_the_estimates(void **state)
{
	static const char *const path[] = { "a", "b", "d", "e" };
	struct release_state *st = ledger_planned(pb);
	struct schedule s;

	(void)state;
	schedule_compute(st, NULL, T0, &s);
	assert_window(&s, "c", T0, 0, H / 2);
	assert_window(&s, "d", T0, 3 * H, 4 * H);
	assert_window(&s, "e", T0, 4 * H, 8 * H); /* no estimate: its minimum */
	assert_int_equal(s.remaining, 8 * H);
	assert_path(&s, path, N(path));
	schedule_release(&s);
	release_state_free(st);
}

/* A longer side branch takes over the path: c at 5h outlasts a then b. */
static void test_schedule_critical_path_follows_the_longest_branch(void **state)
{
	static const char *const path[] = { "c", "d", "e" };
	long durations[N(given)];
	struct release_state *st = ledger_planned(pb);
	struct schedule s;

	(void)state;
	memcpy(durations, given, sizeof(durations));
	durations[idx("c")] = 5 * H;
	schedule_compute(st, durations, T0, &s);
	assert_window(&s, "d", T0, 5 * H, 5 * H + 90 * 60);
	assert_path(&s, path, N(path));
	schedule_release(&s);
	release_state_free(st);
}

static void apply_ok(struct release_state *st, cJSON *event)
{
	struct error err = { 0, "" };

	if (ledger_apply(st, event, &err) != 0)
		print_error("refused: %s\n", err.message);
	assert_int_equal(err.code, 0);
	cJSON_Delete(event);
}

/* Mid-release: c is done (not scheduled), a is claimed and has used 20 minutes of its hour. */
static void test_schedule_of_a_started_release_counts_a_claimed_steps_elapsed_time(void **state)
{
	static const char *const path[] = { "a", "b", "d", "e" };
	struct release_state *st = release_state_new(pb, "1.0.0");
	struct schedule s;
	time_t now = T0 + 1800;

	(void)state;
	apply_ok(st, ledger_event_new("e1", T0, "rita", "start", NULL));
	apply_ok(st, ledger_event_new("e2", T0 + 600, "dan", "claim", "a"));
	apply_ok(st, ledger_event_new("e3", T0 + 600, "dan", "claim", "c"));
	apply_ok(st, ledger_event_new("e4", T0 + 1200, "dan", "done", "c"));
	schedule_compute(st, given, now, &s);
	assert_true(s.steps[idx("c")].finished);
	assert_window(&s, "a", now, 0, 40 * 60);
	assert_window(&s, "b", now, 40 * 60, 40 * 60 + 2 * H);
	assert_window(&s, "d", now, 40 * 60 + 2 * H, 40 * 60 + 2 * H + 90 * 60);
	assert_int_equal(s.remaining, 40 * 60 + 2 * H + 90 * 60 + 4 * H);
	assert_path(&s, path, N(path));
	schedule_release(&s);
	release_state_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile_of_one_value_is_that_value_for_every_q),
		cmocka_unit_test(test_quantile_of_no_values_is_zero),
		cmocka_unit_test(test_quantile_of_an_odd_count_is_the_nearest_rank),
		cmocka_unit_test(test_quantile_of_an_even_count_takes_the_lower_middle_for_the_median),
		cmocka_unit_test(test_quantile_at_whole_ranks_of_ten_and_twenty_values),
		cmocka_unit_test(test_quantile_sorts_its_values_in_place),
		cmocka_unit_test(test_schedule_runs_needs_in_order_and_the_rest_of_a_phase_in_parallel),
		cmocka_unit_test(test_schedule_starts_a_phase_after_every_step_of_the_previous_one),
		cmocka_unit_test(test_schedule_a_wait_step_lasts_at_least_its_minimum_duration),
		cmocka_unit_test(test_schedule_leaves_out_a_step_skipped_by_its_condition),
		cmocka_unit_test(test_schedule_critical_path_is_traced_back_from_the_last_finish),
		cmocka_unit_test(test_schedule_without_durations_uses_the_estimates),
		cmocka_unit_test(test_schedule_critical_path_follows_the_longest_branch),
		cmocka_unit_test(test_schedule_of_a_started_release_counts_a_claimed_steps_elapsed_time),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

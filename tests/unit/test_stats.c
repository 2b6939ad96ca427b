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
 *
 * The trend tests (stats_slope, and stats_build's per-release figures) play
 * four releases of another tiny playbook, a quarter of a year apart: the
 * seed's arithmetic comes out exactly (step a costs 30 minutes a release, 4
 * releases a year: 2 hours a year; 10 hours of automation pay back in 5 years).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "cJSON.h"
#include "err.h"
#include "event.h"
#include "ledger.h"
#include "playbook.h"
#include "schedule.h"
#include "stats.h"
#include "summary_fixture.h"

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

/* a is reviewed by a release manager; the decision needs it and a delay reopens it. */
static const char trend_yaml[] =
	"relctl: 1\n"
	"name: Trend\n"
	"roles: [release-manager, product-owner, dev]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: eve, name: Eve, email: eve@example.com, roles: [dev]}\n"
	"phases:\n"
	"  - id: one\n"
	"    steps:\n"
	"      - {id: a, title: A, instructions: x, owner: dev, review: release-manager}\n"
	"      - {id: w, title: W, instructions: x, kind: wait, min_duration: 1h, owner: dev}\n"
	"      - {id: ok, title: OK, instructions: x, kind: decision, owner: product-owner, needs: [a], on_delay: [a]}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

/* The candidate relctl writes in every event: rc1, where these releases stay. */
static cJSON *in_rc1(cJSON *e)
{
	cJSON_AddNumberToObject(e, "candidate", 1);
	return e;
}
#define H 3600L

static struct playbook *pb, *tpb;

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
	diagnostics_init(&d, "trend.yaml");
	tpb = playbook_parse(trend_yaml, sizeof(trend_yaml) - 1, &d);
	diagnostics_release(&d);
	return pb == NULL || tpb == NULL ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	playbook_free(pb);
	playbook_free(tpb);
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
	apply_ok(st, in_rc1(ledger_event_new("e1", T0, "rita", "start", NULL)));
	apply_ok(st, in_rc1(ledger_event_new("e2", T0 + 600, "dan", "claim", "a")));
	apply_ok(st, in_rc1(ledger_event_new("e3", T0 + 600, "dan", "claim", "c")));
	apply_ok(st, in_rc1(ledger_event_new("e4", T0 + 1200, "dan", "done", "c")));
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

/* ---------- trends ---------- */

static void test_slope_of_points_on_a_line_is_its_slope(void **state)
{
	double x[] = { 0, 1, 2, 3 }, y[] = { 10, 7, 4, 1 }, a;

	(void)state;
	assert_true(stats_slope(x, y, N(x), &a) == -3);
	assert_true(a == 10);
}

/* Noise with no sum and no correlation with x leaves the line alone: +1 -1 -1 +1. */
static void test_slope_ignores_noise_that_does_not_lean(void **state)
{
	double x[] = { 0, 1, 2, 3 }, y[] = { 11, 6, 3, 2 }, a;

	(void)state;
	assert_true(stats_slope(x, y, N(x), &a) == -3);
	assert_true(a == 10);
}

/* 55, 45, 80 at 0, 1, 2: mean 60, (80 - 55) / 2 = 12.5 a step, 47.5 at 0. */
static void test_slope_is_least_squares(void **state)
{
	double x[] = { 0, 1, 2 }, y[] = { 55, 45, 80 }, a;

	(void)state;
	assert_true(stats_slope(x, y, N(x), &a) == 12.5);
	assert_true(a == 47.5);
}

static void test_slope_of_one_point_or_one_x_is_flat_at_the_mean(void **state)
{
	double x[] = { 4, 4 }, y[] = { 10, 20 }, a = -1;

	(void)state;
	assert_true(stats_slope(x, y, 1, &a) == 0);
	assert_true(a == 10);
	assert_true(stats_slope(x, y, 2, &a) == 0);
	assert_true(a == 15);
	assert_true(stats_slope(x, y, 0, &a) == 0);
	assert_true(a == 0);
}

#define Q 7889400L /* a quarter of a year (365.25 / 4 days) */
#define M 60L

/* One event of a trend release: minutes after its start, who, what, on which step, and a field. */
struct ev {
	long minute;
	const char *actor, *op, *step, *key, *value;
};

static cJSON *release_doc(const char *version, time_t start, const struct ev *evs, size_t n)
{
	cJSON *doc = cJSON_CreateObject(), *events = cJSON_CreateArray();
	size_t i;
	int candidate = 1;

	cJSON_AddNumberToObject(doc, "format", LEDGER_FORMAT);
	cJSON_AddStringToObject(doc, "version", version);
	for (i = 0; i < n; i++) {
		char id[32];
		cJSON *e;

		snprintf(id, sizeof(id), "%s-%zu", version, i);
		e = ledger_event_new(id, start + evs[i].minute * M, evs[i].actor, evs[i].op, evs[i].step);
		/* The candidate it was made in, as relctl writes it: a delay starts the next one. */
		cJSON_AddNumberToObject(e, "candidate", candidate);
		if (evs[i].value && strcmp(evs[i].value, "delay") == 0)
			candidate++;
		if (evs[i].key)
			cJSON_AddStringToObject(e, evs[i].key, evs[i].value);
		if (strcmp(evs[i].op, "decide") == 0)
			cJSON_AddStringToObject(e, "reason", "because");
		if (evs[i].value && strcmp(evs[i].value, "reject") == 0)
			cJSON_AddStringToObject(e, "note", "again");
		cJSON_AddItemToArray(events, e);
	}
	cJSON_AddItemToObject(doc, "events", events);
	return doc;
}

/*
 * r1: dan does a in 30 minutes, paul ships at 55, eve's wait ends at 60.
 * r2: dan's a is rejected once: 10 + 10 minutes; ship 45, complete 60.
 * r3: eve does a (20 minutes), paul delays at 40, eve does it again (20);
 *     ship 80; eve's wait ends at 90.
 * r4: open, dan has claimed a.
 */
static const struct ev r1[] = {
	{ 0, "rita", "start", NULL, NULL, NULL },      { 0, "eve", "claim", "w", NULL, NULL },
	{ 10, "dan", "claim", "a", NULL, NULL },       { 40, "dan", "done", "a", NULL, NULL },
	{ 50, "rita", "review", "a", "verdict", "approve" }, { 55, "paul", "decide", NULL, "decision", "ship" },
	{ 60, "eve", "done", "w", NULL, NULL },
};
static const struct ev r2[] = {
	{ 0, "rita", "start", NULL, NULL, NULL },     { 0, "eve", "claim", "w", NULL, NULL },
	{ 10, "dan", "claim", "a", NULL, NULL },      { 20, "dan", "done", "a", NULL, NULL },
	{ 25, "rita", "review", "a", "verdict", "reject" }, { 35, "dan", "done", "a", NULL, NULL },
	{ 40, "rita", "review", "a", "verdict", "approve" }, { 45, "paul", "decide", NULL, "decision", "ship" },
	{ 60, "eve", "done", "w", NULL, NULL },
};
static const struct ev r3[] = {
	{ 0, "rita", "start", NULL, NULL, NULL },      { 0, "eve", "claim", "w", NULL, NULL },
	{ 10, "eve", "claim", "a", NULL, NULL },       { 30, "eve", "done", "a", NULL, NULL },
	{ 35, "rita", "review", "a", "verdict", "approve" }, { 40, "paul", "decide", NULL, "decision", "delay" },
	{ 50, "eve", "claim", "a", NULL, NULL },       { 70, "eve", "done", "a", NULL, NULL },
	{ 75, "rita", "review", "a", "verdict", "approve" }, { 80, "paul", "decide", NULL, "decision", "ship" },
	{ 90, "eve", "done", "w", NULL, NULL },
};
static const struct ev r4[] = {
	{ 0, "rita", "start", NULL, NULL, NULL },
	{ 10, "dan", "claim", "a", NULL, NULL },
};

struct trend_fixture {
	cJSON *docs[4];
	struct release_state *states[4];
};

/* The releases newest first, as session_summaries gives them; count of the oldest. */
static cJSON *trends_of(struct trend_fixture *f, size_t count, const struct stats_options *opt)
{
	const struct ev *const evs[] = { r1, r2, r3, r4 };
	const size_t sizes[] = { N(r1), N(r2), N(r3), N(r4) };
	const struct release_state *newest_first[4] = { NULL, NULL, NULL, NULL };
	const cJSON *docs[4] = { NULL, NULL, NULL, NULL };
	size_t i;

	for (i = 0; i < count; i++) {
		char version[32];
		struct error err = { 0, "" };

		snprintf(version, sizeof(version), "r%zu", i + 1);
		f->docs[i] = release_doc(version, T0 + (time_t)i * Q, evs[i], sizes[i]);
		f->states[i] = ledger_replay(tpb, f->docs[i], version, &err);
		if (f->states[i] == NULL)
			print_error("%s\n", err.message);
		assert_non_null(f->states[i]);
		newest_first[count - 1 - i] = f->states[i];
		docs[count - 1 - i] = f->docs[i];
	}
	return stats_of(newest_first, docs, count, tpb, opt);
}

static void trends_free(struct trend_fixture *f, size_t count, cJSON *stats)
{
	size_t i;

	for (i = 0; i < count; i++) {
		release_state_free(f->states[i]);
		cJSON_Delete(f->docs[i]);
	}
	cJSON_Delete(stats);
}

static const cJSON *at_path(const cJSON *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && path && *path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s", (int)(dot ? (size_t)(dot - path) : strlen(path)), path);
		if (key[0] >= '0' && key[0] <= '9')
			o = cJSON_GetArrayItem(o, atoi(key));
		else
			o = cJSON_GetObjectItemCaseSensitive(o, key);
		path = dot ? dot + 1 : NULL;
	}
	return o;
}

#define assert_number(o, path, value)                                                                        \
	do {                                                                                                 \
		const cJSON *v_ = at_path(o, path);                                                          \
		if (!cJSON_IsNumber(v_))                                                                     \
			fail_msg("%s is not a number", path);                                                \
		if (v_->valuedouble != (double)(value))                                                      \
			fail_msg("%s is %.17g, not %.17g", path, v_->valuedouble, (double)(value));          \
	} while (0)
#define assert_text(o, path, value)                                                                          \
	do {                                                                                                 \
		const cJSON *v_ = at_path(o, path);                                                          \
		if (!cJSON_IsString(v_))                                                                     \
			fail_msg("%s is not a string", path);                                                \
		assert_string_equal(v_->valuestring, value);                                                 \
	} while (0)
#define assert_null_at(o, path) assert_true(cJSON_IsNull(at_path(o, path)))

static void test_trends_cost_is_the_seeds_arithmetic(void **state)
{
	static const struct stats_automation automate[] = { { "a", 10 * H } };
	struct stats_options opt = { 0, automate, N(automate) };
	struct trend_fixture f;
	cJSON *st = trends_of(&f, 4, &opt);

	(void)state;
	/* Four starts a quarter apart: 4 a year.  Three finished releases are measured. */
	assert_number(st, "range.releases_per_year", 4);
	assert_number(st, "step_cost.releases_per_year", 4);
	assert_number(st, "step_cost.releases_measured", 3);
	/* a: 30 + (10 + 10) + (20 + 20) = 90 minutes in 5 rounds: 30 a release, 2 hours a year. */
	assert_text(st, "step_cost.steps.0.step", "a");
	assert_number(st, "step_cost.steps.0.rounds", 5);
	assert_number(st, "step_cost.steps.0.work_seconds", 90 * M);
	assert_number(st, "step_cost.steps.0.per_release_seconds", 30 * M);
	assert_number(st, "step_cost.steps.0.per_year_seconds", 2 * H);
	assert_number(st, "step_cost.steps.0.hours_per_year", 2);
	/* "10 hours of automation work to save two manual hours per year": 5 years. */
	assert_number(st, "step_cost.steps.0.automation_seconds", 10 * H);
	assert_number(st, "step_cost.steps.0.payback_years", 5);
	/* The decision is no work; the wait is apart: 60 + 60 + 90 minutes, 70 a release, 280 a year. */
	assert_int_equal(cJSON_GetArraySize(at_path(st, "step_cost.steps")), 1);
	assert_text(st, "step_cost.waits.0.step", "w");
	assert_number(st, "step_cost.waits.0.per_release_seconds", 70 * M);
	assert_number(st, "step_cost.waits.0.per_year_seconds", 280 * M);
	assert_number(st, "step_cost.waits.0.hours_per_year", 4.67);
	assert_null_at(st, "step_cost.waits.0.payback_years");
	trends_free(&f, 4, st);
}

static void test_trends_lead_times_delays_median_and_trend(void **state)
{
	struct trend_fixture f;
	cJSON *st = trends_of(&f, 4, NULL);

	(void)state;
	assert_number(st, "by_release.0.start_to_ship_seconds", 55 * M);
	assert_number(st, "by_release.0.start_to_complete_seconds", 60 * M);
	assert_number(st, "by_release.1.start_to_ship_seconds", 45 * M);
	assert_number(st, "by_release.2.start_to_ship_seconds", 80 * M);
	assert_number(st, "by_release.2.start_to_complete_seconds", 90 * M);
	assert_number(st, "by_release.2.candidate", 2);
	assert_int_equal(cJSON_GetArraySize(at_path(st, "by_release.2.delays")), 1);
	assert_number(st, "by_release.2.delays.0.candidate", 1);
	assert_number(st, "by_release.2.delays.0.after_seconds", 40 * M);
	assert_int_equal(cJSON_GetArraySize(at_path(st, "by_release.0.delays")), 0);
	/* The open one has neither. */
	assert_text(st, "by_release.3.status", "open");
	assert_null_at(st, "by_release.3.start_to_ship_seconds");
	assert_null_at(st, "by_release.3.completed");
	/* 45, 55, 80: median 55; least squares 12.5 minutes a release up, 47.5 at the first. */
	assert_number(st, "lead_time.start_to_ship.count", 3);
	assert_number(st, "lead_time.start_to_ship.median_seconds", 55 * M);
	assert_number(st, "lead_time.start_to_ship.trend_seconds_per_release", 750);
	assert_number(st, "lead_time.start_to_ship.trend_at_first_seconds", 2850);
	assert_text(st, "lead_time.start_to_ship.trend", "up 13m per release");
	/* 60, 60, 90: median 60, 15 minutes a release, 55 at the first. */
	assert_number(st, "lead_time.start_to_complete.median_seconds", 60 * M);
	assert_number(st, "lead_time.start_to_complete.trend_seconds_per_release", 900);
	assert_number(st, "lead_time.start_to_complete.trend_at_first_seconds", 55 * M);
	trends_free(&f, 4, st);
}

static void test_trends_shares_and_who_is_off_the_critical_path(void **state)
{
	struct stats_options one = { 1, NULL, 0 }, two = { 2, NULL, 0 };
	struct trend_fixture f;
	cJSON *st = trends_of(&f, 4, &one);

	(void)state;
	/* r1: dan, eve, paul a step each; r3: eve did a and w. */
	assert_number(st, "by_release.0.steps_done", 3);
	assert_text(st, "by_release.0.people.0.person", "dan");
	assert_number(st, "by_release.0.people.0.share", 0.333);
	assert_text(st, "by_release.2.people.0.person", "eve");
	assert_number(st, "by_release.2.people.0.steps", 2);
	assert_number(st, "by_release.2.people.0.share", 0.667);
	assert_text(st, "by_release.2.people.1.person", "paul");
	assert_number(st, "by_release.3.steps_done", 0);
	/* dan's last step was in r2; r3 is the one finished release after it (r4 is open). */
	assert_number(st, "off_after", 1);
	assert_int_equal(cJSON_GetArraySize(at_path(st, "off_critical_path")), 1);
	assert_text(st, "off_critical_path.0.person", "dan");
	assert_text(st, "off_critical_path.0.since", "r3");
	assert_text(st, "off_critical_path.0.last_release", "r2");
	assert_number(st, "off_critical_path.0.releases_without", 2);
	trends_free(&f, 4, st);
	st = trends_of(&f, 4, &two);
	assert_int_equal(cJSON_GetArraySize(at_path(st, "off_critical_path")), 0);
	trends_free(&f, 4, st);
	/* The default is 3. */
	st = trends_of(&f, 4, NULL);
	assert_number(st, "off_after", STATS_OFF_AFTER);
	assert_int_equal(cJSON_GetArraySize(at_path(st, "off_critical_path")), 0);
	trends_free(&f, 4, st);
}

static void test_trends_bus_factor_counts_steps_only_one_person_has_done_so_far(void **state)
{
	struct trend_fixture f;
	cJSON *st = trends_of(&f, 4, NULL);

	(void)state;
	/* After r1 and r2: a dan's, w eve's, ok paul's.  eve's a in r3 makes two who can. */
	assert_number(st, "by_release.0.single_person_steps", 3);
	assert_number(st, "by_release.1.single_person_steps", 3);
	assert_number(st, "by_release.2.single_person_steps", 2);
	assert_text(st, "by_release.2.alone.0.step", "w");
	assert_text(st, "by_release.2.alone.0.person", "eve");
	assert_text(st, "by_release.2.alone.1.step", "ok");
	assert_text(st, "by_release.2.alone.1.person", "paul");
	assert_number(st, "by_release.3.single_person_steps", 2);
	assert_number(st, "by_release.3.never_done", 0);
	trends_free(&f, 4, st);
	/* r1 alone: each step has been done once. */
	st = trends_of(&f, 1, NULL);
	assert_number(st, "by_release.0.single_person_steps", 3);
	trends_free(&f, 1, st);
}

/* One release: no pace, so no yearly cost and no trend; the work per release stays. */
static void test_trends_of_one_release_have_no_pace(void **state)
{
	struct trend_fixture f;
	cJSON *st = trends_of(&f, 1, NULL);

	(void)state;
	assert_null_at(st, "range.releases_per_year");
	assert_number(st, "step_cost.steps.0.per_release_seconds", 30 * M);
	assert_null_at(st, "step_cost.steps.0.per_year_seconds");
	assert_null_at(st, "lead_time.start_to_ship.trend_seconds_per_release");
	assert_number(st, "lead_time.start_to_ship.median_seconds", 55 * M);
	trends_free(&f, 1, st);
}

/* Completion is when the release last became complete: a later finding does not move it, a reopened step does. */
static void test_trends_completion_is_when_it_last_became_complete(void **state)
{
	static const struct ev redo[] = {
		{ 80, "eve", "reopen", "w", "reason", "the tracker was down" },
		{ 85, "eve", "claim", "w", NULL, NULL },
		{ 145, "eve", "done", "w", NULL, NULL },
	};
	cJSON *doc = release_doc("r1", T0, r1, N(r1)), *late = in_rc1(ledger_event_new("r1-late", T0 + 70 * M, "dan", "finding-add", NULL));
	cJSON *more = release_doc("r1-redo", T0, redo, N(redo)), *st;
	const cJSON *docs[1] = { doc };
	const struct release_state *states[1];
	struct release_state *rs;
	struct error err = { 0, "" };

	(void)state;
	cJSON_AddStringToObject(late, "finding", "F-000001");
	cJSON_AddStringToObject(late, "title", "a typo in the changelog");
	cJSON_AddStringToObject(late, "severity", "minor");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "events"), late);
	rs = ledger_replay(tpb, doc, "r1", &err);
	assert_non_null(rs);
	states[0] = rs;
	st = stats_of(states, docs, 1, tpb, NULL);
	assert_number(st, "by_release.0.start_to_complete_seconds", 60 * M);
	cJSON_Delete(st);
	release_state_free(rs);
	/* Reopened at 80 and done again at 145: complete from then; w's two rounds count. */
	while (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(more, "events")) > 0)
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(doc, "events"),
				     cJSON_DetachItemFromArray(cJSON_GetObjectItemCaseSensitive(more, "events"), 0));
	rs = ledger_replay(tpb, doc, "r1", &err);
	if (rs == NULL)
		print_error("%s\n", err.message);
	assert_non_null(rs);
	states[0] = rs;
	st = stats_of(states, docs, 1, tpb, NULL);
	assert_number(st, "by_release.0.start_to_complete_seconds", 145 * M);
	assert_number(st, "step_cost.waits.0.rounds", 2);
	assert_number(st, "step_cost.waits.0.work_seconds", 120 * M);
	cJSON_Delete(st);
	release_state_free(rs);
	cJSON_Delete(more);
	cJSON_Delete(doc);
}

/* What stats reads of a release is in its summary, and reads back from the cache as it was written. */
static void test_a_summary_keeps_what_stats_reads_of_a_release(void **state)
{
	struct trend_fixture f;
	cJSON *st = trends_of(&f, 3, NULL), *fresh_json, *back_json;
	const struct release_state *rels[1];
	const cJSON *docs[1];
	struct release_summary **fresh, **back;
	const struct release_summary *third;
	const struct step_summary *a, *ok;
	const struct person_summary *paul, *rita;

	(void)state;
	rels[0] = f.states[2];
	docs[0] = f.docs[2];
	fresh = summaries_of(rels, docs, 1);
	back = summaries_read_back(rels, docs, 1);
	fresh_json = summary_to_json(fresh[0]);
	back_json = summary_to_json(back[0]);
	assert_true(cJSON_Compare(fresh_json, back_json, true));
	cJSON_Delete(fresh_json);
	cJSON_Delete(back_json);
	fresh_json = summary_figures_to_json(fresh[0]);
	back_json = summary_figures_to_json(back[0]);
	assert_true(cJSON_Compare(fresh_json, back_json, true));
	third = back[0];
	/* r3: delayed at 40 (rc1), shipped at 80, complete at 90 when eve's wait ends. */
	assert_int_equal(third->status, RELEASE_COMPLETE);
	assert_int_equal(third->candidate, 2);
	assert_int_equal(third->delay_count, 1);
	assert_int_equal(third->delays[0].candidate, 1);
	assert_string_equal(third->delays[0].label, "rc1");
	assert_int_equal(third->delays[0].after, 40 * M);
	assert_int_equal(third->shipped_at - third->started_at, 80 * M);
	assert_int_equal(third->completed_at - third->started_at, 90 * M);
	/* a was built twice, 20 minutes each: both rounds count; its final record took 20. */
	a = summary_step(third, "a");
	assert_non_null(a);
	assert_int_equal(a->base, STATE_DONE);
	assert_string_equal(a->performer, "eve");
	assert_int_equal(a->work, 40 * M);
	assert_int_equal(a->rounds, 2);
	assert_int_equal(a->worked, 20 * M);
	assert_int_equal(a->done_at - third->started_at, 70 * M);
	assert_true(a->ready_at != 0);
	ok = summary_step(third, "ok");
	assert_non_null(ok);
	assert_int_equal(ok->base, STATE_DONE);
	/* The people of its playbook, as stats describes them. */
	assert_int_equal(third->person_count, 4);
	paul = summary_person(third, "paul");
	rita = summary_person(third, "rita");
	assert_non_null(paul);
	assert_non_null(rita);
	assert_string_equal(paul->name, "Paul");
	assert_true(paul->product_owner);
	assert_false(paul->release_manager);
	assert_true(rita->release_manager);
	assert_false(rita->product_owner);
	assert_null(summary_person(third, "nobody"));
	cJSON_Delete(fresh_json);
	cJSON_Delete(back_json);
	summaries_free(fresh, 1);
	summaries_free(back, 1);
	trends_free(&f, 3, st);
}

/*
 * A summary with every field (what summary_to_json and
 * summary_figures_to_json write), and changes to it that summary_from_json
 * or summary_figures_from_json must refuse: each a text of one of the two
 * replaced once.
 */
static const char summary_whole[] =
	"{\"summary\":2,\"version\":\"1.0\",\"started\":\"2024-03-19T10:00:00Z\",\"rehearsal\":false,"
	"\"steps\":[{\"id\":\"build\",\"performers\":[\"dan\"],\"shadowed\":[],\"waited\":180},"
	"{\"id\":\"plan\",\"performers\":[],\"shadowed\":[],\"waited\":-1}]}";
static const char figures_whole[] =
	"{\"summary\":2,\"version\":\"1.0\",\"status\":\"complete\",\"candidate\":2,\"shipped\":\"2024-03-20T10:00:00Z\","
	"\"completed\":\"2024-03-20T12:00:00Z\","
	"\"delays\":[{\"candidate\":1,\"label\":\"rc1\",\"after_seconds\":3600}],\"vars\":{\"type\":\"beta\"},"
	"\"people\":[{\"id\":\"dan\",\"name\":\"Dan\",\"product_owner\":false,\"release_manager\":true}],"
	"\"steps\":[{\"id\":\"build\",\"state\":\"done\","
	"\"performer\":\"dan\",\"ready_at\":\"2024-03-19T10:00:00Z\",\"done_at\":\"2024-03-19T10:03:00Z\",\"worked\":120,"
	"\"work\":300,\"rounds\":2,\"items\":[{\"id\":\"boot\",\"text\":\"It boots\",\"checked\":2,\"fails\":1,\"nas\":0}],"
	"\"spans\":[60]},"
	"{\"id\":\"plan\",\"state\":\"other\",\"performer\":null,"
	"\"ready_at\":null,\"done_at\":null,\"worked\":-1,\"work\":0,\"rounds\":0,\"items\":[],\"spans\":[]}]}";

static const struct {
	bool figures; /* a change to figures_whole, else to summary_whole */
	const char *from, *to;
} summary_breaks[] = {
	{ false, "\"summary\":2", "\"summary\":1" },
	{ false, "\"version\":\"1.0\"", "\"version\":\"1 0\"" },
	{ false, "\"started\":\"2024-03-19T10:00:00Z\"", "\"started\":\"yesterday\"" },
	{ false, "\"rehearsal\":false", "\"rehearsal\":0" },
	{ false, "\"performers\":[\"dan\"]", "\"performers\":[\"dan\\u001b[2J\"]" },
	{ false, "\"performers\":[\"dan\"]", "\"performers\":\"dan\"" },
	{ false, "\"id\":\"plan\"", "\"id\":\"build\"" },
	{ false, "\"waited\":180", "\"waited\":1.5" },
	{ false, "\"shadowed\":[],\"waited\":180", "\"waited\":180" },
	/* the figures, what stats reads */
	{ true, "\"summary\":2", "\"summary\":1" },
	{ true, "\"version\":\"1.0\"", "\"version\":\"1.1\"" },
	{ true, "\"id\":\"build\",\"state\"", "\"id\":\"plan\",\"state\"" },
	{ true, "{\"id\":\"plan\",\"state\":\"other\"", "{\"id\":\"plan\",\"state\":\"other\"}, {\"id\":\"late\",\"state\":\"other\"" },
	{ true,
	  "},{\"id\":\"plan\",\"state\":\"other\",\"performer\":null,\"ready_at\":null,\"done_at\":null,\"worked\":-1,"
	  "\"work\":0,\"rounds\":0,\"items\":[],\"spans\":[]}",
	  "}" },
	{ true, "\"status\":\"complete\"", "\"status\":\"done\"" },
	{ true, "\"candidate\":2", "\"candidate\":0" },
	{ true, "\"shipped\":\"2024-03-20T10:00:00Z\"", "\"shipped\":\"soon\"" },
	{ true, "\"completed\":\"2024-03-20T12:00:00Z\"", "\"completed\":5" },
	{ true, "\"delays\":[{\"candidate\":1,\"label\":\"rc1\",\"after_seconds\":3600}]", "\"delays\":{}" },
	{ true, "\"candidate\":1,", "\"candidate\":\"1\"," },
	{ true, "\"label\":\"rc1\"", "\"label\":\"rc\\u0007\"" },
	{ true, "\"after_seconds\":3600", "\"after_seconds\":\"1h\"" },
	{ true, "\"vars\":{\"type\":\"beta\"}", "\"vars\":[]" },
	{ true, "\"type\":\"beta\"", "\"type\":3" },
	{ true, "\"type\":\"beta\"", "\"Type!\":\"beta\"" },
	{ true, "\"type\":\"beta\"", "\"type\":\"be\\u001bta\"" },
	{ true, "\"people\":[{", "\"people\":[{\"id\":\"dan\",\"name\":\"Dan\",\"product_owner\":false,\"release_manager\":true},{" },
	{ true, "\"id\":\"dan\",\"name\"", "\"id\":\"Dan X\",\"name\"" },
	{ true, "\"name\":\"Dan\"", "\"name\":\"Dan\\u009b\"" },
	{ true, "\"product_owner\":false", "\"product_owner\":\"no\"" },
	{ true, ",\"release_manager\":true", "" },
	{ true, "\"state\":\"done\"", "\"state\":\"claimed\"" },
	{ true, "\"performer\":\"dan\"", "\"performer\":\"dan\\n\"" },
	{ true, "\"performer\":null", "\"performer\":7" },
	{ true, "\"ready_at\":\"2024-03-19T10:00:00Z\"", "\"ready_at\":17" },
	{ true, "\"done_at\":\"2024-03-19T10:03:00Z\"", "\"done_at\":\"tomorrow\"" },
	{ true, "\"worked\":120", "\"worked\":-2" },
	{ true, "\"work\":300", "\"work\":-1" },
	{ true, "\"rounds\":2", "\"rounds\":2.5" },
	{ true, "\"items\":[]", "\"items\":null" },
	{ true, "\"id\":\"boot\"", "\"id\":\"Boot Up\"" },
	{ true, "\"text\":\"It boots\"", "\"text\":\"It\\u001b[31m boots\"" },
	{ true, "\"checked\":2", "\"checked\":0" },
	{ true, "\"fails\":1", "\"fails\":3" },
	{ true, "\"nas\":0", "\"nas\":-1" },
	{ true, "\"items\":[{", "\"items\":[{\"id\":\"boot\",\"text\":\"It boots\",\"checked\":1,\"fails\":0,\"nas\":0},{" },
	{ true, "\"spans\":[60]", "\"spans\":[-60]" },
	{ true, "\"spans\":[60]", "\"spans\":60" },
};

/* The summary of summary_whole with the figures of figures, or NULL with err set. */
static struct release_summary *summary_read(const char *summary, const char *figures, struct error *err)
{
	cJSON *json = cJSON_Parse(summary), *more = cJSON_Parse(figures);
	struct release_summary *sum;

	if (json == NULL || more == NULL)
		fail_msg("not JSON: %s\n%s", summary, figures);
	sum = summary_from_json(json, err);
	if (sum && summary_figures_from_json(sum, more, err) != 0) {
		summary_free(sum);
		sum = NULL;
	}
	cJSON_Delete(json);
	cJSON_Delete(more);
	return sum;
}

/* A summary read back from the cache is untrusted: anything but what summary_to_json writes is refused. */
static void test_a_summary_read_back_is_checked_field_by_field(void **state)
{
	struct error err = { 0, "" };
	struct release_summary *sum = summary_read(summary_whole, figures_whole, &err);
	cJSON *again, *whole;
	size_t i, accepted = 0;

	(void)state;
	if (sum == NULL)
		fail_msg("the whole summary was refused: %s", err.message);
	/* Read back and written again, it is what it was. */
	whole = cJSON_Parse(summary_whole);
	again = summary_to_json(sum);
	assert_true(cJSON_Compare(whole, again, true));
	cJSON_Delete(whole);
	cJSON_Delete(again);
	whole = cJSON_Parse(figures_whole);
	again = summary_figures_to_json(sum);
	assert_true(cJSON_Compare(whole, again, true));
	cJSON_Delete(whole);
	cJSON_Delete(again);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(sum->vars, "type")->valuestring, "beta");
	assert_int_equal(sum->steps[0].spans[0], 60);
	assert_int_equal(sum->steps[0].items[0].fails, 1);
	summary_free(sum);
	for (i = 0; i < N(summary_breaks); i++) {
		const char *in = summary_breaks[i].figures ? figures_whole : summary_whole;
		const char *at = strstr(in, summary_breaks[i].from);
		char *text;

		assert_non_null(at);
		text = xasprintf("%.*s%s%s", (int)(at - in), in, summary_breaks[i].to, at + strlen(summary_breaks[i].from));
		err.code = 0;
		sum = summary_breaks[i].figures ? summary_read(summary_whole, text, &err)
						: summary_read(text, figures_whole, &err);
		if (sum || err.code != EXIT_DATAERR) {
			print_error("change %zu (%s -> %s) was read\n", i, summary_breaks[i].from, summary_breaks[i].to);
			accepted++;
		}
		summary_free(sum);
		free(text);
	}
	assert_int_equal(accepted, 0);
}

/* An aborted release never shipped nor completed; its work was spent all the same. */
static void test_trends_an_aborted_release_has_no_lead_time_but_costs_its_work(void **state)
{
	static const struct ev aborted[] = {
		{ 0, "rita", "start", NULL, NULL, NULL },  { 10, "dan", "claim", "a", NULL, NULL },
		{ 20, "dan", "done", "a", NULL, NULL },     { 25, "rita", "review", "a", "verdict", "approve" },
		{ 30, "paul", "decide", NULL, "decision", "abort" },
	};
	cJSON *doc = release_doc("r1", T0, aborted, N(aborted)), *st;
	const cJSON *docs[1] = { doc };
	const struct release_state *states[1];
	struct error err = { 0, "" };
	struct release_state *rs = ledger_replay(tpb, doc, "r1", &err);

	(void)state;
	assert_non_null(rs);
	states[0] = rs;
	st = stats_of(states, docs, 1, tpb, NULL);
	assert_text(st, "by_release.0.status", "aborted");
	assert_null_at(st, "by_release.0.shipped");
	assert_null_at(st, "by_release.0.start_to_ship_seconds");
	assert_null_at(st, "by_release.0.start_to_complete_seconds");
	assert_number(st, "lead_time.start_to_ship.count", 0);
	assert_number(st, "step_cost.releases_measured", 1);
	assert_number(st, "step_cost.steps.0.per_release_seconds", 10 * M);
	cJSON_Delete(st);
	release_state_free(rs);
	cJSON_Delete(doc);
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
		cmocka_unit_test(test_slope_of_points_on_a_line_is_its_slope),
		cmocka_unit_test(test_slope_ignores_noise_that_does_not_lean),
		cmocka_unit_test(test_slope_is_least_squares),
		cmocka_unit_test(test_slope_of_one_point_or_one_x_is_flat_at_the_mean),
		cmocka_unit_test(test_trends_cost_is_the_seeds_arithmetic),
		cmocka_unit_test(test_trends_lead_times_delays_median_and_trend),
		cmocka_unit_test(test_trends_shares_and_who_is_off_the_critical_path),
		cmocka_unit_test(test_trends_bus_factor_counts_steps_only_one_person_has_done_so_far),
		cmocka_unit_test(test_trends_of_one_release_have_no_pace),
		cmocka_unit_test(test_trends_completion_is_when_it_last_became_complete),
		cmocka_unit_test(test_trends_an_aborted_release_has_no_lead_time_but_costs_its_work),
		cmocka_unit_test(test_a_summary_keeps_what_stats_reads_of_a_release),
		cmocka_unit_test(test_a_summary_read_back_is_checked_field_by_field),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

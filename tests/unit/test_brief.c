/*
 * The decision brief (src/brief.c): what the product owner decides from,
 * built from a release's replayed state.  Each test drives a small release
 * through ledger_apply with events shaped as the commands send them
 * (finding-add, finding-update, input, decide), then reads brief_build's
 * JSON, brief_markdown's text and brief_hash.
 *
 * After every test the accepted events are replayed from scratch and the
 * replay's brief must hash the same as the live state's: the brief is a
 * function of the ledger alone (no clock).
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
 * One testing phase ending in a decision that needs dev and support input.
 * A delay reopens build, the tests and the review; "advisory" is listed in
 * on_delay too but is skipped by its condition (advisory defaults to false),
 * so a delay leaves it skipped.  Chains through the on_delay steps:
 * build 1h -> test-a 3h -> review 1h = 5h (plan is not reopened);
 * build 1h -> test-b 2h -> review 1h = 4h; build -> advisory 5h = 6h if
 * the skipped step were wrongly counted.
 */
static const char playbook_yaml[] =
	"relctl: 1\n"
	"name: Brief\n"
	"roles: [release-manager, product-owner, dev, support]\n"
	"people:\n"
	"  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
	"  - {id: paul, name: Paul, email: paul@example.com, roles: [product-owner]}\n"
	"  - {id: dan, name: Dan, email: dan@example.com, roles: [dev]}\n"
	"  - {id: dora, name: Dora, email: dora@example.com, roles: [dev]}\n"
	"  - {id: sam, name: Sam, email: sam@example.com, roles: [support]}\n"
	"  - {id: sue, name: Sue, email: sue@example.com, roles: [support]}\n"
	"vars:\n"
	"  advisory: {type: bool, default: false}\n"
	"phases:\n"
	"  - id: testing\n"
	"    steps:\n"
	"      - {id: build, title: Build the candidate, owner: dev, estimate: 1h}\n"
	"      - {id: plan, title: Update the test plan, owner: dev, estimate: 30m}\n"
	"      - {id: advisory, title: Draft the advisory, owner: dev, when: advisory, needs: [build], estimate: 5h}\n"
	"      - {id: test-a, title: Test on device A, owner: support, needs: [build, plan], evidence: required,\n"
	"         review: dev, estimate: 3h}\n"
	"      - {id: test-b, title: \"Test | on device B\", owner: support, needs: [build], evidence: required,\n"
	"         estimate: 2h}\n"
	"      - {id: review, title: Review results, owner: release-manager, needs: [test-a, test-b], estimate: 1h}\n"
	"      - {id: decide, title: Decide, kind: decision, owner: product-owner, inputs: [dev, support],\n"
	"         needs: [review], on_delay: [build, advisory, test-a, test-b, review], estimate: 30m}\n"
	"  - id: shipping\n"
	"    steps:\n"
	"      - {id: publish, title: Publish, owner: dev, estimate: 1h}\n";

/* A playbook with no decision step at all. */
static const char plain_yaml[] = "relctl: 1\n"
				 "name: Plain\n"
				 "roles: [release-manager, dev]\n"
				 "people:\n"
				 "  - {id: rita, name: Rita, email: rita@example.com, roles: [release-manager]}\n"
				 "phases:\n"
				 "  - id: only\n"
				 "    steps:\n"
				 "      - {id: build, title: Build, owner: dev}\n";

#define T0 1710842400 /* 2024-03-19T10:00:00Z */

/* The candidate relctl writes in every event: rc1, where these releases stay. */
static cJSON *in_rc1(cJSON *e)
{
	cJSON_AddNumberToObject(e, "candidate", 1);
	return e;
}
#define HOUR 3600L

static struct playbook *pb;


/* ---------- helpers ---------- */

static struct playbook *parse(const char *yaml, size_t len)
{
	return fixture_playbook(yaml, len, "brief.yaml");
}

static cJSON *with_evidence(cJSON *e, const char *link)
{
	cJSON *list = cJSON_AddArrayToObject(e, "evidence");

	if (link)
		cJSON_AddItemToArray(list, cJSON_CreateString(link));
	return e;
}

/* The events as `relctl finding add TITLE --severity S --step STEP --evidence URL` sends them. */
static void finding_add(struct fx *f, const char *who, const char *id, const char *severity, const char *title,
			const char *step, const char *link)
{
	cJSON *e = ev(f, who, "finding-add", NULL);

	with(e, "finding", id);
	with(e, "title", title);
	with(e, "severity", severity);
	if (step)
		with(e, "finding_step", step);
	with_evidence(e, link);
	accept(f, e);
}

/* `relctl finding update ID --KEY VALUE`. */
static void finding_update(struct fx *f, const char *who, const char *id, const char *key, const char *value)
{
	accept(f, with(with(ev(f, who, "finding-update", NULL), "finding", id), key, value));
}

static void finding_close(struct fx *f, const char *who, const char *id)
{
	cJSON *e = with(ev(f, who, "finding-update", NULL), "finding", id);

	cJSON_AddTrueToObject(e, "close");
	accept(f, e);
}

/* `relctl input --note TEXT` (the role picked for the caller). */
static void input(struct fx *f, const char *who, const char *role, const char *note)
{
	accept(f, with(with(ev(f, who, "input", NULL), "role", role), "note", note));
}

/* `relctl decide D --reason R [--force]`, with the hash of the brief as it stands. */
static void decide(struct fx *f, const char *decision, const char *reason, bool forced, char hash[65])
{
	cJSON *brief = brief_build(f->st, NULL), *e;

	assert_int_equal(brief_hash(brief, hash), 0);
	cJSON_Delete(brief);
	e = with(with(with(ev(f, "paul", "decide", NULL), "decision", decision), "reason", reason), "brief_hash",
		 hash);
	if (forced)
		cJSON_AddTrueToObject(e, "forced");
	accept(f, e);
}

static void start(struct fx *f)
{
	accept(f, ev(f, "rita", "start", NULL));
}

static void claim_done(struct fx *f, const char *who, const char *step, const char *note, const char *link)
{
	cJSON *e;

	accept(f, ev(f, who, "claim", step));
	e = ev(f, who, "done", step);
	if (note)
		with(e, "note", note);
	if (link)
		with_evidence(e, link);
	accept(f, e);
}

/* The whole testing phase of the current candidate, up to the decision. */
static void test_candidate(struct fx *f)
{
	claim_done(f, "dan", "build", "build 8812", NULL);
	if (f->st->steps[playbook_step(pb, "plan")->index].base != STATE_DONE)
		claim_done(f, "dora", "plan", NULL, NULL);
	claim_done(f, "sam", "test-a", "static IP fails", "https://videos.example.com/a-1");
	accept(f, with(with(ev(f, "dora", "review", "test-a"), "verdict", "approve"), "note", "footage checked"));
	claim_done(f, "sue", "test-b", NULL, "https://videos.example.com/b-1");
	claim_done(f, "rita", "review", "brief ready", NULL);
}

static cJSON *get(const cJSON *o, const char *path)
{
	char key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(key)) : cJSON_GetObjectItemCaseSensitive(o, key);
		path = dot + 1;
	}
	return cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(path)) : cJSON_GetObjectItemCaseSensitive(o, path);
}

/* A string at a dotted path ("findings.0.id"), or "(null)" for JSON null / absent. */
static const char *s_at(const cJSON *o, const char *path)
{
	const cJSON *v = get(o, path);

	return cJSON_IsString(v) ? v->valuestring : "(null)";
}

static int n_at(const cJSON *o, const char *path)
{
	const cJSON *v = get(o, path);

	assert_true(cJSON_IsNumber(v));
	return v->valueint;
}

static int size_at(const cJSON *o, const char *path)
{
	const cJSON *v = get(o, path);

	assert_true(cJSON_IsArray(v));
	return cJSON_GetArraySize(v);
}

/* The testing row of a step, by id. */
static const cJSON *row(const cJSON *brief, const char *id)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(brief, "testing"))
		if (strcmp(s_at(item, "id"), id) == 0)
			return item;
	fail_msg("no testing row %s", id);
	return NULL;
}

static void hash_of(const struct release_state *st, char out[65])
{
	cJSON *brief = brief_build(st, NULL);

	assert_int_equal(brief_hash(brief, out), 0);
	cJSON_Delete(brief);
}

static char *markdown_of(const struct release_state *st)
{
	cJSON *brief = brief_build(st, NULL);
	char *md = brief_markdown(brief, st->pb);

	cJSON_Delete(brief);
	return md;
}

#define assert_contains(text, part)                                                           \
	do {                                                                                  \
		if (strstr((text), (part)) == NULL)                                           \
			fail_msg("wanted \"%s\" in:\n%s", (part), (text));                    \
	} while (0)
#define assert_lacks(text, part)                                                              \
	do {                                                                                  \
		if (strstr((text), (part)) != NULL)                                           \
			fail_msg("did not want \"%s\" in:\n%s", (part), (text));              \
	} while (0)

/* ---------- fixture ---------- */

static int group_setup(void **state)
{
	(void)state;
	pb = parse(playbook_yaml, sizeof(playbook_yaml) - 1);
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

	start(f);
	*state = f;
	return 0;
}

/* The brief is a function of the events: a replay gives the same hash. */
static int teardown(void **state)
{
	struct fx *f = *state;
	struct error err = { 0, "" };
	struct release_state *again = ledger_replay(pb, f->doc, "unit", &err);
	char live[65], replayed[65];
	int rc = 0;

	if (again == NULL) {
		print_error("the accepted events do not replay: %s\n", err.message);
		rc = -1;
	} else {
		hash_of(f->st, live);
		hash_of(again, replayed);
		if (strcmp(live, replayed) != 0) {
			print_error("the replay's brief hashes %s, the live one %s\n", replayed, live);
			rc = -1;
		}
		release_state_free(again);
	}
	fixture_free(f);
	return rc;
}

/* ---------- testing rows ---------- */

static void test_brief_lists_each_testing_step_with_result_doer_note_evidence_and_review(void **state)
{
	struct fx *f = *state;
	cJSON *b;
	const cJSON *r;

	test_candidate(f);
	b = brief_build(f->st, NULL);
	assert_string_equal(s_at(b, "release"), "2.6.3");
	assert_string_equal(s_at(b, "playbook"), "Brief");
	assert_int_equal(n_at(b, "candidate"), 1);
	assert_string_equal(s_at(b, "status"), "open");
	assert_string_equal(s_at(b, "decision_step"), "decide");
	assert_string_equal(s_at(b, "decider_role"), "product-owner");
	/* Every step of the decision's phase in playbook order, the decision itself left out. */
	assert_int_equal(size_at(b, "testing"), 6);
	assert_string_equal(s_at(b, "testing.0.id"), "build");
	assert_string_equal(s_at(b, "testing.5.id"), "review");

	r = row(b, "test-a");
	assert_string_equal(s_at(r, "title"), "Test on device A");
	assert_string_equal(s_at(r, "state"), "done");
	assert_string_equal(s_at(r, "by"), "sam");
	assert_string_equal(s_at(r, "note"), "static IP fails");
	assert_int_equal(size_at(r, "evidence"), 1);
	assert_string_equal(s_at(r, "evidence.0"), "https://videos.example.com/a-1");
	assert_string_equal(s_at(r, "review.role"), "dev");
	assert_string_equal(s_at(r, "review.verdict"), "approve");
	assert_string_equal(s_at(r, "review.by"), "dora");
	assert_string_equal(s_at(r, "review.note"), "footage checked");
	assert_int_equal(n_at(r, "candidate"), 1);

	/* A step without review has no review object. */
	assert_null(get(row(b, "test-b"), "review"));
	assert_string_equal(s_at(row(b, "test-b"), "by"), "sue");
	/* A step skipped by its condition says why. */
	assert_string_equal(s_at(row(b, "advisory"), "state"), "skipped");
	assert_string_equal(s_at(row(b, "advisory"), "note"), "skipped by condition: advisory is false");
	assert_string_equal(s_at(row(b, "advisory"), "by"), "(null)");
	cJSON_Delete(b);
}

static void test_brief_shows_unfinished_steps_as_pending_ready_claimed_or_in_review(void **state)
{
	struct fx *f = *state;
	cJSON *b;

	claim_done(f, "dan", "build", NULL, NULL);
	accept(f, ev(f, "dora", "claim", "plan"));
	accept(f, ev(f, "sue", "claim", "test-b"));
	accept(f, with_evidence(ev(f, "sue", "done", "test-b"), "https://videos.example.com/b-1"));
	b = brief_build(f->st, NULL);
	assert_string_equal(s_at(row(b, "build"), "state"), "done");
	assert_string_equal(s_at(row(b, "plan"), "state"), "claimed");
	assert_string_equal(s_at(row(b, "plan"), "by"), "dora"); /* the holder, while not done */
	/* test-a needs plan, review needs the tests: not claimable yet, so not "ready". */
	assert_string_equal(s_at(row(b, "test-a"), "state"), "pending");
	assert_string_equal(s_at(row(b, "review"), "state"), "pending");
	assert_string_equal(s_at(row(b, "test-b"), "state"), "done");
	cJSON_Delete(b);

	accept(f, ev(f, "dora", "done", "plan"));
	b = brief_build(f->st, NULL);
	assert_string_equal(s_at(row(b, "test-a"), "state"), "ready");
	assert_string_equal(s_at(row(b, "test-a"), "by"), "(null)");
	assert_string_equal(s_at(row(b, "test-a"), "review.verdict"), "(null)");
	cJSON_Delete(b);

	claim_done(f, "sam", "test-a", NULL, "https://videos.example.com/a-1");
	b = brief_build(f->st, NULL);
	assert_string_equal(s_at(row(b, "test-a"), "state"), "in-review");
	assert_string_equal(s_at(row(b, "test-a"), "by"), "sam");
	cJSON_Delete(b);
}

/* ---------- findings ---------- */

static void test_brief_orders_findings_open_before_closed_then_blocker_major_minor_then_as_found(void **state)
{
	struct fx *f = *state;
	cJSON *b;

	finding_add(f, "sam", "F-000001", "minor", "Typo on the login page", NULL, NULL);
	finding_add(f, "sam", "F-000002", "blocker", "Update bricks the device", "test-a", NULL);
	finding_add(f, "sue", "F-000003", "major", "Static IP: site can't be reached", "test-a", NULL);
	finding_add(f, "dan", "F-000004", "blocker", "Build fails on arm64", "build", NULL);
	finding_add(f, "sue", "F-000005", "major", "Video lags on device B", "test-b", NULL);
	finding_close(f, "dan", "F-000002");

	b = brief_build(f->st, NULL);
	assert_int_equal(size_at(b, "findings"), 5);
	assert_string_equal(s_at(b, "findings.0.id"), "F-000004"); /* the open blocker */
	assert_string_equal(s_at(b, "findings.1.id"), "F-000003"); /* majors as found */
	assert_string_equal(s_at(b, "findings.2.id"), "F-000005");
	assert_string_equal(s_at(b, "findings.3.id"), "F-000001"); /* minor */
	assert_string_equal(s_at(b, "findings.4.id"), "F-000002"); /* closed, though a blocker */
	assert_true(cJSON_IsTrue(get(b, "findings.4.closed")));
	assert_true(cJSON_IsFalse(get(b, "findings.0.closed")));
	assert_int_equal(n_at(b, "options.ship.open_findings"), 4);
	assert_int_equal(n_at(b, "options.ship.open_blockers"), 1);
	assert_string_equal(s_at(b, "options.ship.means"), "the open findings ship with the release");
	cJSON_Delete(b);
}

static void test_brief_finding_carries_dev_estimate_and_risk_support_impact_notes_and_evidence(void **state)
{
	struct fx *f = *state;
	cJSON *b;
	const cJSON *fd;

	finding_add(f, "sam", "F-5a7e11", "major", "Static IP: \"This site can't be reached\"", "test-a",
		    "https://videos.example.com/static-ip");
	b = brief_build(f->st, NULL);
	fd = get(b, "findings.0");
	assert_string_equal(s_at(fd, "estimate"), "(null)"); /* not given yet: null, not 0 */
	assert_string_equal(s_at(fd, "risk"), "(null)");
	assert_string_equal(s_at(fd, "impact"), "(null)");
	cJSON_Delete(b);

	finding_update(f, "dan", "F-5a7e11", "estimate", "1d");
	finding_update(f, "dora", "F-5a7e11", "risk", "medium");
	finding_update(f, "sue", "F-5a7e11", "impact", "Customers on a static IP lose the web UI");
	finding_update(f, "dan", "F-5a7e11", "note", "the reload drops the old address first");
	b = brief_build(f->st, NULL);
	fd = get(b, "findings.0");
	assert_string_equal(s_at(fd, "id"), "F-5a7e11");
	assert_string_equal(s_at(fd, "severity"), "major");
	assert_string_equal(s_at(fd, "title"), "Static IP: \"This site can't be reached\"");
	assert_string_equal(s_at(fd, "step"), "test-a");
	assert_string_equal(s_at(fd, "by"), "sam");
	assert_int_equal(n_at(fd, "candidate"), 1);
	assert_string_equal(s_at(fd, "estimate"), "1d");
	assert_string_equal(s_at(fd, "risk"), "medium");
	assert_string_equal(s_at(fd, "impact"), "Customers on a static IP lose the web UI");
	assert_string_equal(s_at(fd, "evidence.0"), "https://videos.example.com/static-ip");
	assert_int_equal(size_at(fd, "notes"), 1);
	assert_string_equal(s_at(fd, "notes.0.by"), "dan");
	assert_string_equal(s_at(fd, "notes.0.note"), "the reload drops the old address first");
	assert_string_equal(s_at(fd, "notes.0.at"), "2024-03-19T10:05:00Z");
	cJSON_Delete(b);
}

/* ---------- inputs ---------- */

static void test_brief_names_each_required_role_missing_until_it_gives_input_and_keeps_the_latest(void **state)
{
	struct fx *f = *state;
	cJSON *b;

	b = brief_build(f->st, NULL);
	assert_int_equal(size_at(b, "missing_inputs"), 2);
	assert_string_equal(s_at(b, "missing_inputs.0"), "dev");
	assert_string_equal(s_at(b, "missing_inputs.1"), "support");
	assert_int_equal(size_at(b, "inputs"), 0);
	cJSON_Delete(b);

	input(f, "sam", "support", "two customers asked about static IP this month");
	input(f, "dan", "dev", "a fix takes a day");
	input(f, "dora", "dev", "a fix takes a day and touches networking: retest everything");
	input(f, "rita", "release-manager", "all tests ran; one major finding");
	b = brief_build(f->st, NULL);
	assert_int_equal(size_at(b, "missing_inputs"), 0);
	/* The required roles in the decision's order, each with its latest input; then the others. */
	assert_int_equal(size_at(b, "inputs"), 3);
	assert_string_equal(s_at(b, "inputs.0.role"), "dev");
	assert_string_equal(s_at(b, "inputs.0.by"), "dora");
	assert_string_equal(s_at(b, "inputs.0.note"), "a fix takes a day and touches networking: retest everything");
	assert_string_equal(s_at(b, "inputs.1.role"), "support");
	assert_string_equal(s_at(b, "inputs.1.by"), "sam");
	assert_string_equal(s_at(b, "inputs.1.at"), "2024-03-19T10:01:00Z");
	assert_string_equal(s_at(b, "inputs.2.role"), "release-manager");
	cJSON_Delete(b);
}

/* ---------- options ---------- */

static void test_brief_delay_estimate_is_the_longest_open_fix_plus_the_longest_on_delay_chain(void **state)
{
	struct fx *f = *state;
	cJSON *b;

	finding_add(f, "sam", "F-00000a", "major", "Static IP", "test-a", NULL);
	finding_add(f, "sam", "F-00000b", "minor", "Typo", NULL, NULL);
	finding_add(f, "sam", "F-00000c", "blocker", "Old bug", NULL, NULL);
	finding_update(f, "dan", "F-00000a", "estimate", "4h");
	finding_update(f, "dan", "F-00000b", "estimate", "2h");
	finding_update(f, "dan", "F-00000c", "estimate", "3d"); /* closed: no longer delays anything */
	finding_close(f, "dan", "F-00000c");

	b = brief_build(f->st, NULL);
	assert_int_equal(n_at(b, "options.delay.next_candidate"), 2);
	assert_int_equal(n_at(b, "options.delay.fix_seconds"), 4 * HOUR);
	/* build 1h -> test-a 3h -> review 1h; plan is not reopened; advisory stays skipped. */
	assert_int_equal(n_at(b, "options.delay.retest_seconds"), 5 * HOUR);
	assert_string_equal(s_at(b, "options.delay.estimate"), "9h");
	assert_string_equal(s_at(b, "options.delay.means"),
			    "rc2 after about 9h: 4h to fix (the longest open finding's estimate) and 5h to rebuild and retest");
	/* What a delay reopens: the on_delay steps, less the one skipped by its condition. */
	assert_int_equal(size_at(b, "options.delay.reopens"), 4);
	assert_string_equal(s_at(b, "options.delay.reopens.0"), "build");
	assert_string_equal(s_at(b, "options.delay.reopens.1"), "test-a");
	assert_string_equal(s_at(b, "options.delay.reopens.2"), "test-b");
	assert_string_equal(s_at(b, "options.delay.reopens.3"), "review");
	assert_int_equal(n_at(b, "options.ship.open_findings"), 2);
	assert_int_equal(n_at(b, "options.ship.open_blockers"), 0);
	cJSON_Delete(b);

	/* With every finding closed, a delay is only the rebuild and retest. */
	finding_close(f, "sam", "F-00000a");
	finding_close(f, "rita", "F-00000b");
	b = brief_build(f->st, NULL);
	assert_int_equal(n_at(b, "options.delay.fix_seconds"), 0);
	assert_string_equal(s_at(b, "options.delay.estimate"), "5h");
	assert_int_equal(n_at(b, "options.ship.open_findings"), 0);
	assert_string_equal(s_at(b, "options.ship.means"), "no open findings ship");
	cJSON_Delete(b);
}

/* ---------- markdown ---------- */

static void test_brief_markdown_renders_gfm_tables_with_header_rows_and_escaped_pipes(void **state)
{
	struct fx *f = *state;
	char *md;

	md = markdown_of(f->st);
	assert_contains(md, "# Decision brief: Brief 2.6.3, release candidate 1\n");
	assert_contains(md, "\n## Testing (rc1)\n\n| Step | Result | By | Note | Evidence | Review |\n"
			    "|---|---|---|---|---|---|\n");
	assert_contains(md, "\n## Findings\n\nNone recorded.\n");
	assert_contains(md, "- **dev**: _missing_");
	assert_contains(md, "- **support**: _missing_");
	/* With nothing to fix a delay costs the rebuild and retest only: no "0m to fix". */
	assert_contains(md, "to rebuild and retest, with no open finding to fix; reopens ");
	assert_lacks(md, "0m to fix");
	free(md);

	test_candidate(f);
	finding_add(f, "sam", "F-0000aa", "major", "Static IP | DHCP toggle: site can't be reached", "test-a",
		    "https://videos.example.com/static-ip");
	finding_update(f, "dan", "F-0000aa", "estimate", "4h");
	input(f, "dan", "dev", "a fix takes 4h");
	md = markdown_of(f->st);
	assert_contains(md, "\n## Findings\n\n| ID | Severity | Finding | Found in | Fix estimate (dev) | Risk (dev) | "
			    "Customer impact (support) | Evidence | Status |\n|---|---|---|---|---|---|---|---|---|\n");
	/* A pipe inside a cell is escaped so the row keeps its columns. */
	assert_contains(md, "| F-0000aa | major | Static IP \\| DHCP toggle: site can't be reached | test-a rc1 | 4h | "
			    "not given | not given | [link 1](https://videos.example.com/static-ip) | open |\n");
	assert_contains(md, "| Test \\| on device B | done | sue |  | [link 1](https://videos.example.com/b-1) | - |\n");
	assert_contains(md, "| Test on device A | done | sam | static IP fails | [link 1](https://videos.example.com/a-1) "
			    "| approve by dora: footage checked |\n");
	assert_lacks(md, "Static IP | DHCP");
	assert_contains(md, "\n## Team input\n\n- **dev** (dan, 2024-03-19T10:");
	assert_contains(md, "- **support**: _missing_");
	assert_contains(md, "\n## Options\n\n- **Ship now**: the open findings ship with the release (1 open, 0 blockers).\n");
	assert_contains(md, "- **Delay**: rc2 after about 9h: 4h to fix");
	assert_contains(md, "reopens `build`, `test-a`, `test-b`, `review`.\n");
	assert_lacks(md, "## Earlier decisions");
	free(md);
}

static void test_brief_markdown_says_awaiting_review_only_for_a_step_in_review(void **state)
{
	struct fx *f = *state;
	char *md;

	claim_done(f, "dan", "build", NULL, NULL);
	claim_done(f, "dora", "plan", NULL, NULL);
	md = markdown_of(f->st);
	/* test-a is ready with nobody on it: nothing to review yet. */
	assert_contains(md, "| Test on device A | ready | - |  |  | - |\n");
	free(md);

	claim_done(f, "sam", "test-a", NULL, "https://videos.example.com/a-1");
	md = markdown_of(f->st);
	assert_contains(md, "| Test on device A | in-review | sam |  | [link 1](https://videos.example.com/a-1) | "
			    "awaiting review |\n");
	free(md);

	accept(f, with(with(ev(f, "dora", "review", "test-a"), "verdict", "reject"), "note", "no | static IP page"));
	md = markdown_of(f->st);
	assert_contains(md, "| Test on device A | claimed | sam |  | [link 1](https://videos.example.com/a-1) | reject by dora: no \\| static IP page |\n");
	free(md);
}

/* ---------- hash ---------- */

static void test_brief_hash_is_stable_for_the_same_state_and_changes_when_a_finding_changes(void **state)
{
	struct fx *f = *state;
	char first[65], again[65], after[65], closed[65];
	size_t i;

	test_candidate(f);
	finding_add(f, "sam", "F-abc123", "major", "Static IP", "test-a", NULL);
	hash_of(f->st, first);
	assert_int_equal(strlen(first), 64);
	for (i = 0; i < 64; i++)
		assert_non_null(strchr("0123456789abcdef", first[i]));
	hash_of(f->st, again);
	assert_string_equal(first, again);

	finding_update(f, "dan", "F-abc123", "estimate", "4h");
	hash_of(f->st, after);
	assert_string_not_equal(first, after);
	finding_close(f, "dan", "F-abc123");
	hash_of(f->st, closed);
	assert_string_not_equal(after, closed);
	/* An input is part of what the owner sees, too. */
	input(f, "sam", "support", "rare setup");
	hash_of(f->st, again);
	assert_string_not_equal(closed, again);
}

static void test_brief_hash_does_not_depend_on_the_time_it_is_built(void **state)
{
	struct fx *f = *state;
	char live[65], replayed[65];
	struct error err = { 0, "" };
	struct release_state *again;

	test_candidate(f);
	hash_of(f->st, live);
	/* A later replay of the same events (another day, another clone) hashes the same. */
	again = ledger_replay(pb, f->doc, "unit", &err);
	assert_non_null(again);
	hash_of(again, replayed);
	assert_string_equal(live, replayed);
	release_state_free(again);
}

/* ---------- decisions ---------- */

static void test_delay_starts_candidate_two_with_the_on_delay_steps_ready_again_and_inputs_needed_again(void **state)
{
	struct fx *f = *state;
	char hash[65], now_hash[65];
	const struct step_record *r;
	cJSON *b;
	char *md;

	test_candidate(f);
	finding_add(f, "sam", "F-5a7e11", "major", "Static IP", "test-a", "https://videos.example.com/static-ip");
	finding_update(f, "dan", "F-5a7e11", "estimate", "1d");
	input(f, "dan", "dev", "a day to fix");
	input(f, "sam", "support", "customers on static IP lose access");
	decide(f, "delay", "fix the static IP bug first", false, hash);

	assert_int_equal(f->st->candidate, 2);
	assert_int_equal(f->st->status, RELEASE_OPEN);
	assert_int_equal(f->st->decision_count, 1);
	assert_string_equal(f->st->decisions[0].decision, "delay");
	assert_string_equal(f->st->decisions[0].by, "paul");
	assert_string_equal(f->st->decisions[0].brief_hash, hash);
	assert_false(f->st->decisions[0].forced);
	assert_int_equal(f->st->decisions[0].candidate, 1);

	/* The reopened steps start again: build is ready, the rest wait for it. */
	assert_string_equal(step_state_name(ledger_step_state(f->st, playbook_step(pb, "build")->index, f->now)), "ready");
	r = &f->st->steps[playbook_step(pb, "test-a")->index];
	assert_string_equal(step_state_name(ledger_step_state(f->st, playbook_step(pb, "test-a")->index, f->now)),
			    "pending");
	assert_null(r->done_by);
	assert_null(r->review_verdict);
	assert_int_equal(cJSON_GetArraySize(r->evidence), 0);
	assert_int_equal(r->candidate, 2);
	/* Steps outside on_delay keep their rc1 record; the condition-skipped one stays skipped. */
	r = &f->st->steps[playbook_step(pb, "plan")->index];
	assert_int_equal(r->base, STATE_DONE);
	assert_int_equal(r->candidate, 1);
	assert_int_equal(f->st->steps[playbook_step(pb, "advisory")->index].base, STATE_SKIPPED);
	assert_string_equal(step_state_name(ledger_step_state(f->st, playbook_step(pb, "decide")->index, f->now)),
			    "pending");

	b = brief_build(f->st, NULL);
	assert_int_equal(n_at(b, "candidate"), 2);
	assert_int_equal(n_at(b, "options.delay.next_candidate"), 3);
	/* rc1's inputs do not count for rc2. */
	assert_int_equal(size_at(b, "missing_inputs"), 2);
	assert_int_equal(size_at(b, "inputs"), 0);
	assert_string_equal(s_at(row(b, "build"), "state"), "ready");
	assert_int_equal(n_at(row(b, "build"), "candidate"), 2);
	assert_string_equal(s_at(row(b, "test-a"), "state"), "pending");
	assert_string_equal(s_at(row(b, "plan"), "state"), "done");
	assert_int_equal(n_at(row(b, "plan"), "candidate"), 1);
	/* The finding was found in rc1 and is still open. */
	assert_int_equal(n_at(b, "findings.0.candidate"), 1);
	assert_true(cJSON_IsFalse(get(b, "findings.0.closed")));
	/* The earlier decision is in the brief, without its hash. */
	assert_int_equal(size_at(b, "decisions"), 1);
	assert_int_equal(n_at(b, "decisions.0.candidate"), 1);
	assert_string_equal(s_at(b, "decisions.0.decision"), "delay");
	assert_string_equal(s_at(b, "decisions.0.by"), "paul");
	assert_string_equal(s_at(b, "decisions.0.reason"), "fix the static IP bug first");
	assert_true(cJSON_IsFalse(get(b, "decisions.0.forced")));
	assert_null(get(b, "decisions.0.brief_hash"));
	cJSON_Delete(b);
	hash_of(f->st, now_hash);
	assert_string_not_equal(hash, now_hash);

	md = markdown_of(f->st);
	assert_contains(md, "release candidate 2\n");
	assert_contains(md, "## Testing (rc2)\n");
	assert_contains(md, "| F-5a7e11 | major | Static IP | test-a rc1 | 1d |");
	assert_contains(md, "\n## Earlier decisions\n\n- rc1: **delay** by paul on 2024-03-19T10:");
	assert_contains(md, ": fix the static IP bug first\n");
	assert_lacks(md, "forced");
	free(md);

	/* rc2: rebuilt, retested, the finding closed, inputs again, then shipped. */
	test_candidate(f);
	finding_close(f, "dan", "F-5a7e11");
	input(f, "dan", "dev", "fixed in rc2");
	input(f, "sue", "support", "verified on a static IP");
	b = brief_build(f->st, NULL);
	assert_int_equal(size_at(b, "missing_inputs"), 0);
	assert_string_equal(s_at(row(b, "test-a"), "state"), "done");
	assert_int_equal(n_at(row(b, "test-a"), "candidate"), 2);
	cJSON_Delete(b);
	decide(f, "ship", "the fix holds", false, hash);
	assert_int_equal(f->st->candidate, 2);
	assert_int_equal(f->st->steps[playbook_step(pb, "decide")->index].base, STATE_DONE);
	assert_string_equal(f->st->steps[playbook_step(pb, "decide")->index].done_by, "paul");
	assert_string_equal(f->st->decisions[1].brief_hash, hash);
	assert_int_equal(f->st->decisions[1].candidate, 2);
	assert_true(ledger_phase_open(f->st, 1));
	assert_string_equal(step_state_name(ledger_step_state(f->st, playbook_step(pb, "publish")->index, f->now)),
			    "ready");
}

static void test_forced_decision_is_recorded_and_shown_as_forced_in_the_brief(void **state)
{
	struct fx *f = *state;
	char hash[65];
	cJSON *b;
	char *md;

	test_candidate(f);
	input(f, "dan", "dev", "no fix needed");
	decide(f, "delay", "support is away; retest anyway", true, hash);
	assert_true(f->st->decisions[0].forced);
	b = brief_build(f->st, NULL);
	assert_true(cJSON_IsTrue(get(b, "decisions.0.forced")));
	cJSON_Delete(b);
	md = markdown_of(f->st);
	assert_contains(md, "- rc1: **delay** by paul on ");
	assert_contains(md, " (forced, inputs missing): support is away; retest anyway\n");
	free(md);
}

static void test_brief_after_abort_says_the_release_is_aborted(void **state)
{
	struct fx *f = *state;
	char hash[65];
	cJSON *b;

	finding_add(f, "sam", "F-dead00", "blocker", "Bricks every device", NULL, NULL);
	decide(f, "abort", "unfixable in this release", false, hash);
	assert_int_equal(f->st->status, RELEASE_ABORTED);
	b = brief_build(f->st, NULL);
	assert_string_equal(s_at(b, "status"), "aborted");
	assert_string_equal(s_at(b, "decisions.0.decision"), "abort");
	assert_int_equal(n_at(b, "candidate"), 1);
	cJSON_Delete(b);
}

static void test_brief_of_a_playbook_without_a_decision_step_says_so(void **state)
{
	struct playbook *plain = parse(plain_yaml, sizeof(plain_yaml) - 1);
	struct release_state *st;
	struct error err = { 0, "" };
	cJSON *e, *b;
	char *md;

	(void)state;
	assert_non_null(plain);
	st = release_state_new(plain, "1.0");
	e = in_rc1(ledger_event_new("e1", T0, "rita", "start", NULL));
	assert_int_equal(ledger_apply(st, e, &err), 0);
	cJSON_Delete(e);
	b = brief_build(st, NULL);
	assert_true(cJSON_IsNull(get(b, "decision_step")));
	assert_null(get(b, "testing"));
	md = brief_markdown(b, st->pb);
	assert_contains(md, "# Decision brief: Plain 1.0, release candidate 1\n");
	assert_contains(md, "This release's playbook has no decision step.\n");
	free(md);
	cJSON_Delete(b);
	release_state_free(st);
	playbook_free(plain);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_brief_lists_each_testing_step_with_result_doer_note_evidence_and_review),
		T(test_brief_shows_unfinished_steps_as_pending_ready_claimed_or_in_review),
		T(test_brief_orders_findings_open_before_closed_then_blocker_major_minor_then_as_found),
		T(test_brief_finding_carries_dev_estimate_and_risk_support_impact_notes_and_evidence),
		T(test_brief_names_each_required_role_missing_until_it_gives_input_and_keeps_the_latest),
		T(test_brief_delay_estimate_is_the_longest_open_fix_plus_the_longest_on_delay_chain),
		T(test_brief_markdown_renders_gfm_tables_with_header_rows_and_escaped_pipes),
		T(test_brief_markdown_says_awaiting_review_only_for_a_step_in_review),
		T(test_brief_hash_is_stable_for_the_same_state_and_changes_when_a_finding_changes),
		T(test_brief_hash_does_not_depend_on_the_time_it_is_built),
		T(test_delay_starts_candidate_two_with_the_on_delay_steps_ready_again_and_inputs_needed_again),
		T(test_forced_decision_is_recorded_and_shown_as_forced_in_the_brief),
		T(test_brief_after_abort_says_the_release_is_aborted),
		T(test_brief_of_a_playbook_without_a_decision_step_says_so),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * What the unit tests of a release share (test_ledger, test_brief,
 * test_checklist, test_delegation): the playbook parsed from the test's
 * YAML (diagnostics printed when it does not load), a release 2.6.3 under
 * test with the document of the events it accepted, a view as text for
 * comparing, events made at the fixture's clock, and accept/refuse
 * assertions.  Include it after cmocka.h; its functions are static inline.
 */
#ifndef RELCTL_RELEASE_FIXTURE_H
#define RELCTL_RELEASE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "event.h"
#include "ledger-view.h"
#include "ledger.h"
#include "playbook.h"

struct fx {
	struct release_state *st;
	cJSON *doc; /* a release document holding every accepted event */
	time_t now; /* the next event's time */
	int seq;
	/* How events are applied: ledger_apply (a replay) unless a test says ledger_apply_new. */
	int (*apply)(struct release_state *st, const cJSON *event, struct error *err);
	/* Earlier releases a lookup finds (test_delegation). */
	const struct release_state *others[4];
	size_t other_count;
};

static inline struct playbook *fixture_playbook(const char *yaml, size_t len, const char *label)
{
	struct diagnostics d;
	struct playbook *p;
	size_t i;

	diagnostics_init(&d, label);
	p = playbook_parse(yaml, len, &d);
	for (i = 0; p == NULL && i < d.count; i++) {
		char *line = diagnostic_format(&d, &d.items[i]);

		print_error("%s\n", line);
		free(line);
	}
	diagnostics_release(&d);
	return p;
}

/* Release 2.6.3 of p, not started, its clock at now. */
static inline struct fx *fixture_new(const struct playbook *p, time_t now)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->st = release_state_new(p, "2.6.3");
	f->doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(f->doc, "format", LEDGER_FORMAT);
	cJSON_AddStringToObject(f->doc, "version", "2.6.3");
	cJSON_AddArrayToObject(f->doc, "events");
	f->now = now;
	f->apply = ledger_apply;
	return f;
}

static inline void fixture_free(struct fx *f)
{
	release_state_free(f->st);
	cJSON_Delete(f->doc);
	free(f);
}

/* The view ledger_write_view gives st, unformatted; caller frees. */
static inline char *view_text(const struct release_state *st)
{
	cJSON *doc = cJSON_CreateObject();
	char *text;

	ledger_write_view(st, doc);
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return text;
}

/* Events are the truth: a replay of the accepted events gives the live
 * view.  0 when it does (or nothing was accepted), -1 with both views
 * printed when not; for a test's teardown. */
static inline int fixture_replays(const struct playbook *p, const struct fx *f)
{
	struct error err = { 0, "" };
	struct release_state *again;
	char *live, *replayed;
	int rc = 0;

	if (f->st->event_count == 0)
		return 0;
	again = ledger_replay(p, f->doc, "releases/2.6.3.json", &err);
	if (again == NULL) {
		print_error("the accepted events do not replay: %s\n", err.message);
		return -1;
	}
	live = view_text(f->st);
	replayed = view_text(again);
	if (strcmp(live, replayed) != 0) {
		print_error("the replay differs from the live view:\n%s\n%s\n", live, replayed);
		rc = -1;
	}
	free(live);
	free(replayed);
	release_state_free(again);
	return rc;
}

/* An event at f->now carrying the release's candidate, as the session
 * adds it (then the clock moves on a minute). */
static inline cJSON *ev(struct fx *f, const char *actor, const char *op, const char *step)
{
	char id[16];
	cJSON *e;

	snprintf(id, sizeof(id), "e%03d", ++f->seq);
	e = ledger_event_new(id, f->now, actor, op, step);
	cJSON_AddNumberToObject(e, "candidate", f->st->candidate);
	f->now += 60;
	return e;
}

static inline cJSON *with(cJSON *e, const char *key, const char *value)
{
	cJSON_AddStringToObject(e, key, value);
	return e;
}

static inline void accept_at(struct fx *f, cJSON *e, const char *file, int line)
{
	struct error err = { 0, "" };
	int rc = f->apply(f->st, e, &err);

	if (rc != 0)
		print_error("%s:%d: refused (%d): %s\n", file, line, err.code, err.message);
	_assert_int_equal((uintmax_t)rc, 0, file, line);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(f->doc, "events"), e);
}

/* Refused with code, a message containing part, and no change at all. */
static inline void refuse_at(struct fx *f, cJSON *e, int code, const char *part, const char *file, int line)
{
	struct error err = { 0, "" };
	char *before = view_text(f->st), *after;
	size_t count = f->st->event_count;
	time_t updated = f->st->updated_at;
	int rc = f->apply(f->st, e, &err);

	if (rc == 0 || err.code != code || strstr(err.message, part) == NULL)
		print_error("%s:%d: wanted %d \"...%s...\", got rc %d, %d \"%s\"\n", file, line, code, part, rc,
			    err.code, err.message);
	_assert_true(rc == -1, "refused", file, line);
	_assert_int_equal((uintmax_t)err.code, (uintmax_t)code, file, line);
	_assert_true(strstr(err.message, part) != NULL, "message names it", file, line);
	after = view_text(f->st);
	_assert_string_equal(before, after, file, line);
	_assert_int_equal(f->st->event_count, count, file, line);
	_assert_int_equal((uintmax_t)f->st->updated_at, (uintmax_t)updated, file, line);
	free(before);
	free(after);
	cJSON_Delete(e);
}

/*
 * A suite's cmocka fixtures over the playbook yaml (a char array), kept in
 * pb: group_setup parses it, setup starts each test's release at t0, and
 * teardown replays its accepted events, which must give the same view.
 */
#define FIXTURE_SUITE(pb, yaml, t0)                                                                          \
	static int group_setup(void **state)                                                                  \
	{                                                                                                      \
		(void)state;                                                                                   \
		pb = fixture_playbook(yaml, sizeof(yaml) - 1, "unit.yaml");                                   \
		return pb ? 0 : -1;                                                                            \
	}                                                                                                      \
	static int group_teardown(void **state)                                                               \
	{                                                                                                      \
		(void)state;                                                                                   \
		playbook_free(pb);                                                                             \
		return 0;                                                                                      \
	}                                                                                                      \
	static int setup(void **state)                                                                        \
	{                                                                                                      \
		*state = fixture_new(pb, t0);                                                                  \
		return 0;                                                                                      \
	}                                                                                                      \
	static int teardown(void **state)                                                                     \
	{                                                                                                      \
		struct fx *f = *state;                                                                         \
		int rc = fixture_replays(pb, f);                                                               \
                                                                                                               \
		fixture_free(f);                                                                               \
		return rc;                                                                                     \
	}

#define accept(f, e) accept_at(f, e, __FILE__, __LINE__)
#define refuse(f, e, code, part) refuse_at(f, e, code, part, __FILE__, __LINE__)

#endif

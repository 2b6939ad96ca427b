/*
 * What the unit tests of a release share (test_ledger, test_brief,
 * test_checklist): the playbook parsed from the test's YAML (diagnostics
 * printed when it does not load), a release 2.6.3 under test with the
 * document of the events it accepted, and a view as text for comparing.
 * Each test file includes it once, so its functions are static inline.
 */
#ifndef RELCTL_RELEASE_FIXTURE_H
#define RELCTL_RELEASE_FIXTURE_H

#include <stdlib.h>

#include "cJSON.h"
#include "ledger.h"
#include "playbook.h"

struct fx {
	struct release_state *st;
	cJSON *doc; /* a release document holding every accepted event */
	time_t now; /* the next event's time */
	int seq;
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

#endif

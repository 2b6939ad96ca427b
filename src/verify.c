/*
 * relctl verify: the judge (judge.c) walks the ledger branch from its first
 * commit, exactly as sync walks what it fetches, and every refusal is an
 * incident.  An incident a release manager's restore commit covered stays
 * in the report for ever, marked restored, by whom and when.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "judging.h"
#include "session-private.h"
#include "verify.h"
#include "util.h"

struct walk {
	struct session *s;
	size_t total;
};

static void verify_progress(size_t done, size_t total, void *data)
{
	struct walk *w = data;

	w->total = total;
	if (w->s->progress)
		w->s->progress("commits checked", done, total, w->s->progress_data);
}

static cJSON *incident_json(const struct judge_incident *in)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "commit", in->commit);
	cJSON_AddStringToObject(o, "author", in->author);
	json_add_time_or_null(o, "time", in->time);
	json_add_string_or_null(o, "event", in->event);
	cJSON_AddStringToObject(o, "problem", in->problem);
	cJSON_AddBoolToObject(o, "restored", in->restored_by != NULL);
	json_add_string_or_null(o, "restored_by", in->restored_by);
	json_add_string_or_null(o, "restore_commit", in->restore_commit);
	json_add_time_or_null(o, "restored_at", in->restored_by ? in->restored_at : 0);
	return o;
}

int session_verify(struct session *s, cJSON **report, struct error *err)
{
	char tip[OID_HEX];
	struct judge *j;
	const struct judge_incident *in;
	const struct judge_incident *first = NULL;
	size_t n, i, open = 0;
	struct walk w = { s, 0 };
	cJSON *problems, *incidents;
	int rc;

	if (report)
		*report = NULL;
	if (session_tip(s, tip, err) != 0)
		return -1;
	j = judging_new(s, NULL);
	if (judging_range(s, j, NULL, tip, verify_progress, &w, err) != 0) {
		judging_free(j);
		return -1;
	}
	in = judge_incidents(j, &n);
	problems = cJSON_CreateArray();
	incidents = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		cJSON_AddItemToArray(incidents, incident_json(&in[i]));
		if (in[i].restored_by)
			continue;
		if (first == NULL)
			first = &in[i];
		open++;
		{
			cJSON *p = cJSON_CreateObject();

			cJSON_AddStringToObject(p, "commit", in[i].commit);
			json_add_string_or_null(p, "event", in[i].event);
			cJSON_AddStringToObject(p, "problem", in[i].problem);
			cJSON_AddItemToArray(problems, p);
		}
	}
	rc = 0;
	if (first)
		rc = error_set(err, EXIT_DATAERR, "commit %.12s by %s%s%s: %s (%zu problem%s in all)", first->commit, first->author,
			       first->event ? ", event " : "", first->event ? first->event : "", first->problem, open,
			       open == 1 ? "" : "s");
	if (report) {
		*report = cJSON_CreateObject();
		cJSON_AddBoolToObject(*report, "ok", rc == 0);
		cJSON_AddNumberToObject(*report, "commits", (double)w.total);
		cJSON_AddNumberToObject(*report, "events", (double)judge_event_count(j));
		cJSON_AddNumberToObject(*report, "releases", (double)judge_release_count(j));
		/* null when the first commit itself was refused: there is no root to pin. */
		json_add_string_or_null(*report, "root", judge_root(j)[0] ? judge_root(j) : NULL);
		cJSON_AddItemToObject(*report, "signers",
				      judge_signers(j) ? cJSON_Duplicate(judge_signers(j), 1) : cJSON_CreateObject());
		cJSON_AddItemToObject(*report, "problems", problems);
		cJSON_AddItemToObject(*report, "incidents", incidents);
	} else {
		cJSON_Delete(problems);
		cJSON_Delete(incidents);
	}
	judging_free(j);
	return rc;
}

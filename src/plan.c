/*
 * One commit of the ledger: its plan (files, message, author), built from
 * the tip it is written on; the one function that writes every commit,
 * signed as git would sign it and accepted by the judge against that tip
 * (judge.c, the same rules sync and verify apply) before any ref points at
 * it; and the loop that makes it the local branch's tip by compare-and-
 * swap, planning again on a lost race, so concurrent relctl processes never
 * lose an event.  Below mutate.c and sync.c, which call it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "judging.h"
#include "ledger-view.h"
#include "plan.h"
#include "session-private.h"
#include "signature.h"
#include "util.h"

#define MAX_ATTEMPTS 50

/* ---------- plans ---------- */

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->message);
}

void plan_release(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->count; i++) {
		free((char *)p->changes[i].data);
		free((char *)p->changes[i].path);
	}
	free(p->changes);
	buf_release(&p->message);
	free(p->author_name);
	free(p->author_email);
	free(p->summary);
	plan_init(p);
}

void plan_write(struct plan *p, const char *path, char *data)
{
	p->changes = xrealloc(p->changes, (p->count + 1) * sizeof(*p->changes));
	p->changes[p->count].path = xstrdup(path);
	p->changes[p->count].data = data;
	p->changes[p->count].len = data ? strlen(data) : 0;
	p->count++;
}

void plan_author(struct plan *p, const struct pb_person *who)
{
	p->author_name = xstrdup(who->name);
	p->author_email = xstrdup(who->email);
}

/* Whether the playbook in force for a commit of plan on parent requires it signed, and lists keys at all. */
static int signing_rules(struct judge *j, const char *parent, const struct plan *plan, bool *required, bool *keys,
			 struct error *err)
{
	struct judge_change *changes = xcalloc(plan->count + 1, sizeof(*changes));
	struct judge_commit probe;
	const struct playbook *pb;
	size_t i;

	for (i = 0; i < plan->count; i++) {
		changes[i].path = plan->changes[i].path;
		changes[i].data = plan->changes[i].data;
		changes[i].len = plan->changes[i].len;
		changes[i].regular = true;
	}
	memset(&probe, 0, sizeof(probe));
	probe.parent_count = parent ? 1 : 0;
	probe.changes = changes;
	probe.change_count = plan->count;
	pb = judge_keys(j, &probe, err);
	free(changes);
	if (pb == NULL)
		return -1;
	*required = pb->signing_required;
	*keys = false;
	for (i = 0; i < pb->person_count; i++)
		*keys = *keys || pb->people[i].key_count > 0;
	return 0;
}

int commit_plan(struct session *s, struct judge *j, const char *parent, const struct plan *plan,
		char new_tip[OID_HEX], struct error *err)
{
	struct store_author author = { .name = plan->author_name,
				       .email = plan->author_email,
				       .when = plan->when ? plan->when : s->now };
	struct signing_setup setup;
	struct judge *own = NULL;
	struct error why;
	bool required, keys;
	int rc = -1, have;

	memset(&setup, 0, sizeof(setup));
	if (j == NULL)
		j = own = judging_new(s, parent);
	if (signing_rules(j, parent, plan, &required, &keys, err) != 0)
		goto out;
	/* Signed as 'git commit -S' signs, with the key git's own configuration names. */
	have = signature_setup_read(s->store, &setup, &why);
	if (have < 0) {
		*err = why;
		goto out;
	}
	if (have == 1 && required) {
		error_set(err, EXIT_NOPERM, "the playbook says signing: required, and %s", why.message);
		goto out;
	}
	if (have == 1 && keys && s->note == NULL)
		s->note = xasprintf("this commit is not signed: %s", why.message);
	if (have == 0) {
		author.sign = signature_signer;
		author.sign_ctx = &setup;
	}
	if (store_commit_on(s->store, parent, plan->base[0] ? plan->base : parent, plan->changes, plan->count,
			    plan->message.data, &author, new_tip, err) != 0)
		goto out;
	/* Judged as sync and verify will judge it, from git, before any ref points at it. */
	rc = judging_commit(s, j, new_tip, true, err);
out:
	signature_setup_release(&setup);
	judging_free(own);
	return rc;
}

void commit_backoff(int attempt)
{
	char hex[5];
	unsigned jitter = 0;

	if (random_hex(hex, 2) == 0)
		jitter = (unsigned)strtoul(hex, NULL, 16) % 1000;
	usleep((useconds_t)((attempt < 6 ? 1000u << attempt : 32000u) + jitter * (unsigned)attempt));
}

int plan_commit_local(struct session *s, plan_fn fn, void *data, char **summary, struct error *err)
{
	int attempt;

	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		char tip[OID_HEX], new_tip[OID_HEX];
		struct plan plan;
		int rc = store_ref_tip(s->store, s->ref, tip, err);
		const char *base = rc == 1 ? NULL : tip;

		if (rc < 0)
			return -1;
		/* What this attempt's plan tells (a lost race plans it again). */
		cJSON_Delete(s->notices);
		s->notices = cJSON_CreateArray();
		plan_init(&plan);
		if (fn(s, base, data, &plan, err) != 0 ||
		    (plan.count > 0 && commit_plan(s, NULL, base, &plan, new_tip, err) != 0)) {
			plan_release(&plan);
			return -1;
		}
		if (plan.count == 0) {
			plan_release(&plan);
			return 1;
		}
		rc = store_ref_swap(s->store, s->ref, base, new_tip, plan.summary, err);
		if (rc == 0 && summary) {
			*summary = plan.summary;
			plan.summary = NULL;
		}
		plan_release(&plan);
		if (rc <= 0)
			return rc;
		commit_backoff(attempt);
	}
	return error_set(err, EXIT_TEMPFAIL, "the ledger kept changing under this command (%d tries); run it again",
			 MAX_ATTEMPTS);
}

int plan_index(struct session *s, const char *tip, const struct release_state *st, struct plan *plan, bool always,
	       struct error *err)
{
	cJSON *index = tip ? session_read_index(s, tip, err) : NULL, *releases;

	if (tip && index == NULL)
		return -1;
	if (index == NULL) {
		index = cJSON_CreateObject();
		cJSON_AddNumberToObject(index, "format", LEDGER_FORMAT);
		cJSON_AddObjectToObject(index, "releases");
	}
	releases = cJSON_GetObjectItemCaseSensitive(index, "releases");
	if (st != NULL && !ledger_index_entry(st, releases, always)) {
		cJSON_Delete(index);
		return 0;
	}
	{
		char *text = cJSON_Print(index);

		plan_write(plan, INDEX_PATH, xasprintf("%s\n", text));
		free(text);
	}
	cJSON_Delete(index);
	return 0;
}

void plan_release_doc(struct plan *plan, const struct release *rel)
{
	char *text = cJSON_Print(rel->doc);
	char *with_newline = xasprintf("%s\n", text);

	free(text);
	plan_write(plan, rel->path, with_newline);
}

/* The JSON of what (its op, step and fields), made now by me for candidate; NULL with err set. */

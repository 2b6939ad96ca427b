/*
 * Writing the ledger: every change is one commit, planned from the tip it
 * is written on, accepted by the judge against that tip (judge.c, the same
 * rules sync and verify apply), and only then made the branch tip by
 * compare-and-swap.  A lost race plans again on the new tip, so concurrent
 * relctl processes never lose an event.  With a remote, sync.c's loop does
 * the same against the remote's tip.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "json.h"
#include "session-private.h"
#include "signature.h"
#include "util.h"

#define MAX_ATTEMPTS 50

static const char ledger_readme[] =
	"# relctl ledger\n\n"
	"This branch is written by relctl (https://example.com/relctl): one commit per\n"
	"event of a release.  `git log` on it is the audit trail; `releases/VERSION.json`\n"
	"holds each release's events and the derived state of its steps, readable with jq:\n\n"
	"    git show relctl-ledger:releases/2.6.3.json | jq '.steps'\n\n"
	"Do not edit it by hand: `relctl verify` checks every commit against its events.\n";

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
	if (store_commit(s->store, parent, plan->changes, plan->count, plan->message.data, &author, new_tip, err) != 0)
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

/* 0 when the plan's commit is the tip, 1 when the plan wrote nothing (no commit), -1 on error. */
static int commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err)
{
	int attempt;

	if (s->remote && !s->offline)
		return sync_commit_loop(s, fn, data, summary, err);
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		char tip[OID_HEX], new_tip[OID_HEX];
		struct plan plan;
		int rc = store_ref_tip(s->store, s->ref, tip, err);
		const char *base = rc == 1 ? NULL : tip;

		if (rc < 0)
			return -1;
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

/* The index entry of a release, rewritten when its status or candidate changed. */
int plan_index(struct session *s, const char *tip, const struct release_state *st, struct plan *plan,
		      bool always, struct error *err)
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

static const char *text_field(const cJSON *event, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *past_tense(const char *op, const cJSON *fields)
{
	static const struct { const char *op, *verb; } verbs[] = {
		{ "claim", "claimed" },   { "unclaim", "unclaimed" }, { "assign", "assigned" },
		{ "done", "finished" },   { "skip", "skipped" },      { "reopen", "reopened" },
		{ "block", "blocked" },   { "unblock", "unblocked" },
	};
	size_t i;

	if (strcmp(op, "review") == 0) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(fields, "verdict");

		return cJSON_IsString(v) && strcmp(v->valuestring, "approve") == 0 ? "approved" : "rejected";
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].op, op) == 0)
			return verbs[i].verb;
	return op;
}

/* The first line of a shadow, hand-over, away or reminder commit; caller frees. */
static char *describe_delegation(const struct release *rel, const cJSON *event, const char *op, int candidate)
{
	const char *actor = text_field(event, "actor"), *step = text_field(event, "step");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(event, "steps"), *item;
	struct buf b;

	buf_init(&b);
	if (strcmp(op, "shadow") == 0)
		buf_addf(&b, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(event, "leave")) ? "%s stopped shadowing %s"
											  : "%s shadows %s",
			 actor, step);
	else if (strcmp(op, "handover") == 0)
		buf_addf(&b, "%s handed %s over to %s", actor, step, text_field(event, "person"));
	else if (strcmp(op, "away") == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(event, "back")))
		buf_addf(&b, "%s is back", actor);
	else if (strcmp(op, "away") == 0)
		buf_addf(&b, "%s is away%s%s", actor, text_field(event, "until")[0] ? " until " : "", text_field(event, "until"));
	else if (strcmp(text_field(event, "kind"), "escalation") == 0)
		buf_addf(&b, "%s told the release managers of ", actor);
	else
		buf_addf(&b, "%s reminded %s of ", actor, text_field(event, "person"));
	if (strcmp(op, "remind") == 0)
		cJSON_ArrayForEach(item, steps)
			buf_addf(&b, "%s%s", item == steps->child ? "" : ", ", cJSON_IsString(item) ? item->valuestring : "");
	buf_addf(&b, " (%s rc%d)", rel->version, candidate);
	return buf_detach(&b);
}

/*
 * A checklist event: "david checked static-ip of test-voyager: fail, finding
 * F-3a9c1e (3/24 checked, 2.6.3 rc1)", "shalom added the item static-ip to
 * test-voyager's checklist", "jan approved static-ip of test-voyager".  Caller frees.
 */
static char *describe_item(const struct release *rel, const cJSON *event, const char *op, const char *actor,
			   const char *step, int candidate)
{
	const char *item = text_field(event, "item");
	const struct checklist *list = &rel->st->steps[playbook_step(rel->pb, step)->index].checklist;
	const struct check_item *it = checklist_item(list, item);
	struct checklist_counts counts;

	if (strcmp(op, "checklist-add") == 0)
		return xasprintf("%s added the item %s to %s's checklist (%s rc%d)", actor, item, step, rel->version,
				 candidate);
	if (strcmp(op, "checklist-remove") == 0)
		return xasprintf("%s removed the item %s from %s's checklist (%s rc%d)", actor, item, step, rel->version,
				 candidate);
	if (strcmp(op, "check") != 0)
		return xasprintf("%s %s %s of %s (%s rc%d)", actor, past_tense(op, event), item, step, rel->version,
				 candidate);
	checklist_count(list, &counts);
	return xasprintf("%s checked %s of %s: %s%s%s (%zu/%zu checked, %s rc%d)", actor, item, step,
			 text_field(event, "result"), it && it->finding && !strcmp(text_field(event, "result"), "fail") ? ", finding " : "",
			 it && it->finding && !strcmp(text_field(event, "result"), "fail") ? it->finding : "",
			 counts.total - counts.unchecked, counts.total, rel->version, candidate);
}

/*
 * A detail of the message as a git trailer: a value's further lines start
 * with a blank (git's continuation), so that no note, reason or link can
 * start a line of its own, a Relctl-Event line above all (judge.h).
 */
static void add_trailer(struct buf *message, const char *label, const char *value)
{
	const char *p;

	buf_addf(message, "%s: ", label);
	for (p = value; *p; p++)
		if (*p == '\n')
			buf_adds(message, "\n ");
		else if (*p != '\r')
			buf_add(message, p, 1);
	buf_adds(message, "\n");
}

/* A first line stays one line, whatever a title holds. */
static void flatten(char *line)
{
	for (; *line; line++)
		if (*line == '\n' || *line == '\r')
			*line = ' ';
}

/* "sam claimed test-voyager (2.6.3 rc1)", then the event's details, then its id. */
static void describe(struct plan *plan, const struct release *rel, const cJSON *event, const char *op)
{
	const char *actor = cJSON_GetObjectItemCaseSensitive(event, "actor")->valuestring;
	const cJSON *step = cJSON_GetObjectItemCaseSensitive(event, "step");
	const cJSON *person = cJSON_GetObjectItemCaseSensitive(event, "person");
	static const char *const details[] = { "reason", "note", "impact", "estimate", "risk", "brief_hash", "text" };
	static const char *const labels[] = { "Reason", "Note", "Impact", "Estimate", "Risk", "Brief-Hash", "Item-Text" };
	const cJSON *evidence = cJSON_GetObjectItemCaseSensitive(event, "evidence"), *item;
	size_t i;

	const char *finding = text_field(event, "finding"), *title = text_field(event, "title");
	int candidate = cJSON_GetObjectItemCaseSensitive(event, "candidate")->valueint;

	if (strcmp(op, "finding-add") == 0)
		plan->summary = xasprintf("%s reported %s finding %s: %s (%s rc%d)", actor, text_field(event, "severity"),
					  finding, title, rel->version, candidate);
	else if (strcmp(op, "finding-update") == 0)
		plan->summary = xasprintf("%s %s finding %s (%s rc%d)", actor,
					  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(event, "close")) ? "closed" : "updated",
					  finding, rel->version, candidate);
	else if (strcmp(op, "input") == 0)
		plan->summary = xasprintf("%s gave the %s input for %s rc%d", actor, text_field(event, "role"), rel->version,
					  candidate);
	else if (strcmp(op, "hook") == 0) {
		const cJSON *result = cJSON_GetObjectItemCaseSensitive(event, "result");

		const cJSON *status = cJSON_GetObjectItemCaseSensitive(result, "status");
		bool mail = strcmp(text_field(result, "method"), "SMTP") == 0;

		plan->summary = xasprintf("%s ran the %s hook of %s: %s, %s %d (%s rc%d)", actor, text_field(result, "hook"),
					  step->valuestring, text_field(result, "outcome"), mail ? "SMTP reply" : "HTTP",
					  cJSON_IsNumber(status) ? status->valueint : 0, rel->version, candidate);
	} else if (strcmp(op, "shadow") == 0 || strcmp(op, "handover") == 0 || strcmp(op, "away") == 0 ||
		   strcmp(op, "remind") == 0)
		plan->summary = describe_delegation(rel, event, op, candidate);
	else if (strcmp(op, "decide") == 0)
		plan->summary = xasprintf("%s decided to %s %s rc%d%s", actor, text_field(event, "decision"), rel->version,
					  candidate, rel->st->candidate != candidate ? "; the next candidate begins" : "");
	else if (cJSON_IsString(step) && text_field(event, "item")[0])
		plan->summary = describe_item(rel, event, op, actor, step->valuestring, candidate);
	else
		plan->summary = xasprintf("%s %s %s%s%s (%s rc%d)", actor, past_tense(op, event),
					  cJSON_IsString(step) ? step->valuestring : "", cJSON_IsString(person) ? " to " : "",
					  cJSON_IsString(person) ? person->valuestring : "", rel->version, candidate);
	flatten(plan->summary);
	buf_addf(&plan->message, "%s\n\n", plan->summary);
	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(event, details[i]);

		if (cJSON_IsString(v) && v->valuestring[0])
			add_trailer(&plan->message, labels[i], v->valuestring);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(event, "forced")))
		buf_adds(&plan->message, "Forced: yes\n");
	cJSON_ArrayForEach(item, evidence)
		if (cJSON_IsString(item))
			add_trailer(&plan->message, "Evidence", item->valuestring);
	buf_addf(&plan->message, "Relctl-Event: %s\n",
		 cJSON_GetObjectItemCaseSensitive(event, "id")->valuestring);
}

static cJSON *new_event(const struct session *s, const struct pb_person *me, const char *op, const char *step,
			int candidate)
{
	char id[33];

	if (random_hex(id, 16) != 0)
		return NULL;
	{
		cJSON *ev = ledger_event_new(id, s->now, me->id, op, step);

		cJSON_AddNumberToObject(ev, "candidate", candidate);
		return ev;
	}
}

static int plan_mutation(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	const struct mutation *m = data;
	struct release rel;
	struct release_lookup others;
	const struct pb_person *me;
	cJSON *event = NULL, *field;
	int rc = -1;

	if (tip == NULL)
		return session_no_ledger(s, err);
	memset(&others, 0, sizeof(others));
	if (session_release_at(s, tip, m->version, &rel, err) != 0)
		goto out;
	session_lookup_attach(&others, s, tip, rel.st);
	me = session_identity(s, rel.pb, err);
	if (me == NULL)
		goto out;
	event = new_event(s, me, m->op, m->step, rel.st->candidate);
	if (event == NULL) {
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for an event id: %s", strerror(errno));
		goto out;
	}
	cJSON_ArrayForEach(field, m->fields)
		cJSON_AddItemToObject(event, field->string, cJSON_Duplicate(field, 1));
	{
		bool *was_ready = xcalloc(rel.pb->step_count + 1, sizeof(*was_ready));
		size_t i;

		for (i = 0; i < rel.pb->step_count; i++)
			was_ready[i] = ledger_step_state(rel.st, i, s->now) == STATE_READY;
		if (ledger_apply_new(rel.st, event, err) != 0) {
			free(was_ready);
			goto out;
		}
		cJSON_Delete(s->became_ready);
		s->became_ready = cJSON_CreateArray();
		for (i = 0; i < rel.pb->step_count; i++)
			if (!was_ready[i] && ledger_step_state(rel.st, i, s->now) == STATE_READY &&
			    rel.pb->steps[i].kind != STEP_DECISION)
				cJSON_AddItemToArray(s->became_ready, cJSON_CreateString(rel.pb->steps[i].id));
		free(was_ready);
	}
	describe(plan, &rel, event, m->op);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), event);
	event = NULL;
	ledger_write_view(rel.st, rel.doc);
	plan_release_doc(plan, &rel);
	if (plan_index(s, tip, rel.st, plan, false, err) != 0)
		goto out;
	plan_author(plan, me);
	rc = 0;
out:
	cJSON_Delete(event);
	release_close(&rel);
	session_lookup_release(&others);
	return rc;
}

int session_mutate(struct session *s, const struct mutation *m, char **summary, struct error *err)
{
	return commit_loop(s, plan_mutation, (void *)m, summary, err);
}

/* ---------- init, start, playbook update ---------- */

struct playbook_plan {
	const char *text;
	size_t len;
	const struct playbook *pb;
	bool first;
};

/* Writes playbook.yaml and its pinned copy playbooks/BLOB.yaml. */
static int plan_playbook_files(struct plan *plan, const char *text, size_t len, struct error *err)
{
	char blob[OID_HEX];
	char *path;

	if (store_hash_blob(text, len, blob, err) != 0)
		return -1;
	plan_write(plan, PLAYBOOK_PATH, xstrndup(text, len));
	path = xasprintf("playbooks/%s.yaml", blob);
	plan_write(plan, path, xstrndup(text, len));
	free(path);
	return 0;
}

static int plan_playbook(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	struct playbook_plan *pp = data;
	const struct pb_person *me = session_identity(s, pp->pb, err);

	if (me == NULL)
		return -1;
	if (pp->first && tip != NULL && session_team_remote(s))
		return error_set(err, EXIT_DATAERR, "remote \"%s\" already has the team's relctl ledger, and this clone has taken it, as 'relctl sync' does; 'relctl playbook update FILE' changes its playbook",
				 session_team_remote(s));
	if (pp->first && tip != NULL)
		return error_set(err, EXIT_DATAERR, "this repository already has a relctl ledger on %s; 'relctl playbook update FILE' changes its playbook",
				 s->branch);
	if (!pp->first) {
		struct playbook *old;
		struct buf current;
		bool same;

		if (tip == NULL)
			return session_no_ledger(s, err);
		buf_init(&current);
		if (store_read(s->store, tip, PLAYBOOK_PATH, &current, err) != 0) {
			buf_release(&current);
			return -1;
		}
		same = current.len == pp->len && memcmp(current.data, pp->text, pp->len) == 0;
		buf_release(&current);
		if (same)
			return 0; /* an empty plan: nothing to write */
		old = session_playbook_at(s, tip, PLAYBOOK_PATH, err);
		if (old == NULL)
			return -1;
		/* The new playbook decides who its release managers are, the old one who may change it. */
		if (!ledger_is_manager(playbook_person(old, me->id))) {
			playbook_free(old);
			return error_set(err, EXIT_NOPERM, "%s cannot change the playbook: only a release manager can",
					 me->id);
		}
		playbook_free(old);
	}
	if (plan_playbook_files(plan, pp->text, pp->len, err) != 0)
		return -1;
	if (pp->first) {
		plan_write(plan, "README.md", xstrdup(ledger_readme));
		if (plan_index(s, NULL, NULL, plan, true, err) != 0)
			return -1;
	}
	plan->summary = xasprintf("%s %s the playbook \"%s\" (%zu steps)", me->id, pp->first ? "set up relctl with" : "updated",
				  pp->pb->name, pp->pb->step_count);
	buf_addf(&plan->message, "%s\n", plan->summary);
	plan_author(plan, me);
	return 0;
}

static int write_playbook(struct session *s, const char *path, bool first, char **summary, struct error *err)
{
	struct buf text;
	struct playbook_plan pp;
	int rc = -1;

	buf_init(&text);
	if (file_read(path, PLAYBOOK_MAX_BYTES, &text, err) != 0)
		goto out;
	pp.pb = playbook_load_text(path, text.data, text.len, err);
	if (pp.pb == NULL)
		goto out;
	pp.text = text.data;
	pp.len = text.len;
	pp.first = first;
	rc = commit_loop(s, plan_playbook, &pp, summary, err);
	playbook_free((struct playbook *)pp.pb);
out:
	buf_release(&text);
	return rc;
}

int session_init(struct session *s, const char *playbook_path, const char *branch, struct error *err)
{
	char tip[OID_HEX];
	int rc;

	if (branch) {
		if (!identifier_valid(branch) && strchr(branch, '/') == NULL)
			return error_set(err, EXIT_USAGE, "\"%s\" is not a usable branch name", branch);
		if (store_config_set(s->store, "relctl.branch", branch, err) != 0)
			return -1;
		free(s->branch);
		free(s->ref);
		s->branch = xstrdup(branch);
		s->ref = xasprintf("refs/heads/%s", branch);
	}
	rc = store_ref_tip(s->store, s->ref, tip, err);
	if (rc < 0)
		return -1;
	if (rc == 0 && playbook_path == NULL)
		return 0; /* already set up: init is idempotent */
	if (playbook_path == NULL && s->remote) {
		size_t fetched, pushed;

		return session_sync(s, &fetched, &pushed, err); /* the team's ledger, from the remote */
	}
	if (playbook_path == NULL)
		return error_set(err, EXIT_USAGE, "the first 'relctl init' needs --playbook FILE (see playbooks/ for examples)");
	if (write_playbook(s, playbook_path, true, NULL, err) != 0)
		return -1;
	return store_config_set(s->store, "relctl.branch", s->branch, err);
}

int session_update_playbook(struct session *s, const char *path, char **summary, struct error *err)
{
	return write_playbook(s, path, false, summary, err);
}

struct start_plan {
	const char *version;
	cJSON *vars;
	const cJSON *fields; /* more of the start event's fields (rehearsal, target); may be NULL */
};

static int plan_start(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	struct start_plan *sp = data;
	struct release rel;
	struct buf text;
	const struct pb_person *me;
	cJSON *event, *pin;
	char blob[OID_HEX];
	bool missing;
	int rc = -1;

	memset(&rel, 0, sizeof(rel));
	if (tip == NULL)
		return session_no_ledger(s, err);
	rel.path = xasprintf("releases/%s.json", sp->version);
	rel.version = xstrdup(sp->version);
	buf_init(&text);
	rel.doc = session_read_json(s, tip, rel.path, &missing, err);
	if (!missing) {
		if (rel.doc)
			error_set(err, EXIT_DATAERR, "release %s already exists; 'relctl status %s' shows it", sp->version,
				  sp->version);
		goto out;
	}
	if (store_read(s->store, tip, PLAYBOOK_PATH, &text, err) != 0)
		goto out;
	rel.pb = playbook_load_text(PLAYBOOK_PATH, text.data, text.len, err);
	if (rel.pb == NULL || store_hash_blob(text.data, text.len, blob, err) != 0)
		goto out;
	me = session_identity(s, rel.pb, err);
	if (me == NULL)
		goto out;
	rel.doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(rel.doc, "format", LEDGER_FORMAT);
	cJSON_AddStringToObject(rel.doc, "version", sp->version);
	pin = cJSON_AddObjectToObject(rel.doc, "playbook");
	cJSON_AddStringToObject(pin, "name", rel.pb->name);
	cJSON_AddStringToObject(pin, "blob", blob);
	cJSON_AddArrayToObject(rel.doc, "events");
	rel.st = release_state_new(rel.pb, sp->version);
	event = new_event(s, me, "start", NULL, 1);
	if (event == NULL) {
		error_set(err, EXIT_IOERR, "cannot read /dev/urandom for an event id: %s", strerror(errno));
		goto out;
	}
	cJSON_AddItemToObject(event, "vars", cJSON_Duplicate(sp->vars, 1));
	{
		const cJSON *field;

		cJSON_ArrayForEach(field, sp->fields)
			cJSON_AddItemToObject(event, field->string, cJSON_Duplicate(field, 1));
	}
	if (ledger_apply_new(rel.st, event, err) != 0) {
		cJSON_Delete(event);
		goto out;
	}
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), event);
	cJSON_Delete(s->became_ready);
	s->became_ready = cJSON_CreateArray();
	for (size_t i = 0; i < rel.pb->step_count; i++)
		if (ledger_step_state(rel.st, i, s->now) == STATE_READY && rel.pb->steps[i].kind != STEP_DECISION)
			cJSON_AddItemToArray(s->became_ready, cJSON_CreateString(rel.pb->steps[i].id));
	ledger_write_view(rel.st, rel.doc);
	plan_release_doc(plan, &rel);
	if (plan_index(s, tip, rel.st, plan, true, err) != 0)
		goto out;
	plan->summary = xasprintf("%s started %s %s (rc1) of \"%s\"", me->id, rel.st->rehearsal ? "the rehearsal" : "release",
				  sp->version, rel.pb->name);
	buf_addf(&plan->message, "%s\n\nRelctl-Event: %s\n", plan->summary,
		 cJSON_GetObjectItemCaseSensitive(event, "id")->valuestring);
	plan_author(plan, me);
	rc = 0;
out:
	buf_release(&text);
	release_close(&rel);
	return rc;
}

int session_start(struct session *s, const char *version, cJSON *vars, const cJSON *fields, char **summary,
		  struct error *err)
{
	struct start_plan sp = { version, vars, fields };

	if (!version_valid(version))
		return error_set(err, EXIT_USAGE, "\"%s\" is not a release version (letters, digits, '.', '-', '+', '_')",
				 version);
	return commit_loop(s, plan_start, &sp, summary, err);
}


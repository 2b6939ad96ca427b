/*
 * Sync: the team's ledger through an ordinary git remote.  Every fetched
 * commit goes through the judge (judging.c) before relctl takes it, so a
 * ledger edited by hand and pushed is refused at the door and the local
 * ledger stays as it was; 'relctl sync --restore' then writes one commit
 * that brings back the last good state with every valid event after it.
 * Offline commits are replayed on the remote tip, each judged again (the
 * brief-hash check of a decision included), before a fast-forward push.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "ledger-view.h"
#include "ledger.h"
#include "judging.h"
#include "plan.h"
#include "session-private.h"
#include "sync-private.h"
#include "sync.h"
#include "util.h"


static void note_sync(struct session *s)
{
	char t[32];
	struct error ignored;

	/* The session's clock (RELCTL_NOW when set), as every other time relctl writes and compares. */
	store_config_set(s->store, "relctl.lastSync", time_format(s->now, t, sizeof(t)), &ignored);
}

long session_sync_age(struct session *s)
{
	char *text = NULL;
	struct error ignored;
	time_t t;
	long age = -1;

	if (store_config_get(s->store, "relctl.lastSync", &text, &ignored) == 0 && text && time_parse(text, &t) == 0)
		age = (long)(s->now - t);
	free(text);
	return age;
}

static char *tracking_ref(const struct session *s)
{
	return xasprintf("refs/remotes/%s/%s", s->remote, s->branch);
}

/*
 * The remote tip relctl last checked and accepted.  Not the tracking ref:
 * 'git fetch' and 'git pull' move that one without relctl's checks, and a
 * rewritten or broken remote ledger would then pass them.
 */
static char *accepted_ref(const struct session *s)
{
	return xasprintf("refs/relctl/remotes/%s/%s", s->remote, s->branch);
}

/* Records tip as the remote's accepted tip (and moves the tracking ref for git log). */
static int set_accepted(struct session *s, const char *tip, struct error *err)
{
	char *accepted = accepted_ref(s), *tracking = tracking_ref(s);
	int rc = store_ref_set(s->store, accepted, tip, err);

	if (rc == 0)
		rc = store_ref_set(s->store, tracking, tip, err);
	free(accepted);
	free(tracking);
	return rc;
}

static void sync_progress(size_t done, size_t total, void *data)
{
	struct session *s = data;

	if (s->progress)
		s->progress("fetched commits checked", done, total, s->progress_data);
}

/* The first incident the judge has not seen restored: what sync refuses. */
static const struct judge_incident *first_unrestored(const struct judge *j)
{
	size_t n, i;
	const struct judge_incident *in = judge_incidents(j, &n);

	for (i = 0; i < n; i++)
		if (in[i].restored_by == NULL)
			return &in[i];
	return NULL;
}

/*
 * Whether prev is on tip's first-parent line, which is the ledger's history
 * (the judge walks nothing else).  A merge can take prev in by another
 * parent on top of a history that is not the ledger's: that rewrites the
 * ledger as a force-push does, so it is refused (65) the same way, naming
 * the merge.  Returns 0 when prev is on the line, -1 otherwise (err set).
 */
static int check_first_parent_line(struct session *s, const char *prev, const char *tip, struct error *err)
{
	char cur[OID_HEX], parent[OID_HEX];
	struct store_commit_info info;
	bool contains = true;

	snprintf(cur, sizeof(cur), "%s", tip);
	while (cur[0] && strcmp(cur, prev) != 0) {
		if (store_commit_parent(s->store, cur, parent, NULL, err) != 0)
			return -1;
		memcpy(cur, parent, OID_HEX);
	}
	if (cur[0])
		return 0;
	/* prev is an ancestor by another parent: the newest commit whose first parent does not lead to it. */
	snprintf(cur, sizeof(cur), "%s", tip);
	for (;;) {
		if (store_commit_info(s->store, cur, &info, err) != 0)
			return -1;
		if (info.parent[0] == '\0')
			break;
		if (info.parent_count > 1) {
			if (store_is_ancestor(s->store, prev, info.parent, &contains, err) != 0) {
				store_commit_info_release(&info);
				return -1;
			}
			if (!contains)
				break;
		}
		snprintf(cur, sizeof(cur), "%s", info.parent);
		store_commit_info_release(&info);
	}
	if (contains) /* not expected: prev is an ancestor, so some merge took it in */
		error_set(err, EXIT_DATAERR,
			  "remote \"%s\" rewrote the ledger's history (commit %.12s you fetched before is not on its first-parent line); your local ledger is unchanged - find out who force-pushed %s",
			  s->remote, prev, s->branch);
	else
		error_set(err, EXIT_DATAERR,
			  "remote \"%s\" has commit %.12s by %s <%s> that relctl refuses: a merge whose first parent does not lead to commit %.12s you fetched before: like a force-push, it rewrote the ledger's history; your local ledger is unchanged - find out who pushed %s",
			  s->remote, info.id, info.author_name ? info.author_name : "", info.author_email ? info.author_email : "",
			  prev, s->branch);
	store_commit_info_release(&info);
	return -1;
}

/*
 * The remote has no ledger branch, but this clone took the ledger from it
 * up to prev: it was deleted, which is no fresh start (pushing this
 * clone's ledger as if it were would drop what others pushed since).
 * Refused (65) saying what to do; for a restore, 2 with remote_tip = prev,
 * the accepted ledger to push back.
 */
static int branch_gone(struct session *s, const char *prev, bool restoring, char remote_tip[OID_HEX], struct error *err)
{
	if (!restoring)
		return error_set(err, EXIT_DATAERR,
				 "remote \"%s\" has no %s branch any more, but this clone took the ledger from it up to commit %.12s: a deleted branch is not a fresh start, so nothing was sent and your local ledger is unchanged; a release manager can run 'relctl sync --restore' to push the accepted ledger back",
				 s->remote, s->branch, prev);
	memcpy(remote_tip, prev, OID_HEX);
	return 2;
}

/*
 * The remote's branch is behind what this clone accepted (pushed back, or
 * put back by a restore from a clone that had seen less).  Refused (65)
 * saying what to do; for a restore, the commits this clone judged and took
 * go back, fast-forward, as after a push lost to a network failure, so no
 * accepted event is lost: 3 with remote_tip moved to prev.  A lost race
 * is EXIT_TEMPFAIL (run it again).
 */
static int branch_behind(struct session *s, const char *prev, bool restoring, char remote_tip[OID_HEX],
			 struct error *err)
{
	int rc;

	if (!restoring)
		return error_set(err, EXIT_DATAERR,
				 "remote \"%s\" rewrote the ledger's history back in time: its %s is at %.12s, behind commit %.12s this clone took from it (pushed back, or put back from a clone that had seen less); nothing was sent and your local ledger is unchanged - 'relctl sync --restore' pushes the commits this clone accepted back, fast-forward",
				 s->remote, s->branch, remote_tip, prev);
	rc = store_push(s->store, s->remote, s->branch, prev, remote_tip, err);
	if (rc == 1)
		return error_set(err, EXIT_TEMPFAIL, "remote \"%s\" moved while this clone put back commits it had accepted; run the command again",
				 s->remote);
	if (rc != 0)
		return -1;
	memcpy(remote_tip, prev, OID_HEX);
	return 3;
}

/*
 * Fetches the remote's ledger tip and has the judge check every commit
 * since the remote tip relctl last accepted (from the first commit when
 * there is none), oldest first.  Returns 0 with the tip and *judge at it,
 * 1 when the remote has no ledger yet (*judge empty), -1 on error (the
 * local ledger unchanged); for a restore, 2 when the branch was deleted
 * (see branch_gone()) and 3 when it was behind and this clone's accepted
 * commits were pushed back (branch_behind()), *judge at them.  restoring keeps a refused history (for
 * 'sync --restore'), with *judge at its last commit.
 */
static int fetch_remote(struct session *s, char remote_tip[OID_HEX], struct judge **judge, bool restoring,
			struct error *err)
{
	char prev[OID_HEX];
	char *accepted = accepted_ref(s);
	bool has_prev, ok, pushed_back = false;
	const struct judge_incident *bad;
	int rc, attempt;

	*judge = NULL;
	for (attempt = 0;; attempt++) {
		rc = store_fetch(s->store, s->remote, s->branch, remote_tip, err);
		has_prev = rc >= 0 && store_ref_tip(s->store, accepted, prev, err) == 0;
		if (rc == 1 && has_prev) {
			rc = branch_gone(s, prev, restoring, remote_tip, err);
			goto out;
		}
		if (rc != 0) {
			if (rc == 1)
				*judge = judging_new(s, NULL);
			goto out;
		}
		if (!has_prev || (store_is_ancestor(s->store, prev, remote_tip, &ok, err) == 0 && ok))
			break;
		/*
		 * Another relctl of this clone pushed and accepted a newer tip after
		 * this fetch began: fetch again, that is no rewritten history.
		 */
		if (attempt >= 8 || store_is_ancestor(s->store, remote_tip, prev, &ok, err) != 0 || !ok)
			break;
		commit_backoff(attempt + 1);
	}
	if (has_prev && strcmp(prev, remote_tip) != 0 && store_is_ancestor(s->store, remote_tip, prev, &ok, err) == 0 && ok) {
		rc = branch_behind(s, prev, restoring, remote_tip, err);
		if (rc < 0)
			goto out;
		pushed_back = true;
	}
	if (has_prev && (store_is_ancestor(s->store, prev, remote_tip, &ok, err) != 0 || !ok)) {
		rc = error_set(err, EXIT_DATAERR,
			       "remote \"%s\" rewrote the ledger's history (commit %.12s you fetched before is gone); your local ledger is unchanged - find out who force-pushed %s",
			       s->remote, prev, s->branch);
		goto out;
	}
	if (has_prev && check_first_parent_line(s, prev, remote_tip, err) != 0) {
		rc = -1;
		goto out;
	}
	*judge = judging_new(s, has_prev ? prev : NULL);
	if (judging_range(s, *judge, has_prev ? prev : NULL, remote_tip, sync_progress, s, err) != 0) {
		rc = -1;
		goto out;
	}
	bad = first_unrestored(*judge);
	if (bad && !restoring) {
		rc = error_set(err, EXIT_DATAERR,
			       "remote \"%s\" has commit %.12s by %s that relctl refuses: %s; it was not taken and your local ledger is unchanged; a release manager can run 'relctl sync --restore'",
			       s->remote, bad->commit, bad->author, bad->problem);
		goto out;
	}
	rc = bad ? 0 : set_accepted(s, remote_tip, err);
	if (rc == 0 && pushed_back)
		rc = 3;
out:
	if (rc < 0) {
		judging_free(*judge);
		*judge = NULL;
	}
	free(accepted);
	return rc;
}

/* The events a commit appended to a release file, given its parent. */
static cJSON *appended_events(struct session *s, const char *parent, const char *commit, const char *path,
			      cJSON **new_doc, struct error *err)
{
	bool missing;
	cJSON *old_doc = parent ? session_read_json(s, parent, path, &missing, err) : NULL, *events, *out;
	int skip, i;

	*new_doc = session_read_json(s, commit, path, &missing, err);
	if (*new_doc == NULL) {
		cJSON_Delete(old_doc);
		return NULL;
	}
	skip = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(old_doc, "events"));
	events = cJSON_GetObjectItemCaseSensitive(*new_doc, "events");
	out = cJSON_CreateArray();
	for (i = skip; i < cJSON_GetArraySize(events); i++)
		cJSON_AddItemToArray(out, cJSON_Duplicate(cJSON_GetArrayItem(events, i), 1));
	cJSON_Delete(old_doc);
	return out;
}

struct replay_plan {
	const char *path;
	const char *version;
	const cJSON *header; /* the offline copy of the release document */
	const cJSON *event;
	const struct store_commit_info *info;
	const char *source; /* the offline commit, for copying a pinned playbook */
};

static int plan_replay(struct session *s, const char *tip, void *data, struct plan *plan, struct error *err)
{
	struct replay_plan *rp = data;
	const cJSON *op = cJSON_GetObjectItemCaseSensitive(rp->event, "op");
	struct release rel;
	struct release_lookup others;
	int rc = -1;

	memset(&rel, 0, sizeof(rel));
	memset(&others, 0, sizeof(others));
	if (cJSON_IsString(op) && strcmp(op->valuestring, "start") == 0) {
		const cJSON *blob = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rp->header, "playbook"),
								     "blob");
		bool missing;
		struct buf text;
		char *pinned;

		rel.doc = session_read_json(s, tip, rp->path, &missing, err);
		if (!missing) {
			if (rel.doc)
				error_set(err, EXIT_DATAERR, "release %s was started on the remote meanwhile", rp->version);
			goto out;
		}
		if (!cJSON_IsString(blob))
			goto out;
		buf_init(&text);
		if (store_read_blob(s->store, blob->valuestring, &text, err) == 0)
			rel.pb = playbook_load_text(rp->path, text.data, text.len, err);
		pinned = xasprintf("playbooks/%s.yaml", blob->valuestring);
		if (rel.pb)
			plan_write(plan, pinned, buf_detach(&text));
		free(pinned);
		buf_release(&text);
		if (rel.pb == NULL)
			goto out;
		rel.doc = cJSON_CreateObject();
		cJSON_AddNumberToObject(rel.doc, "format", LEDGER_FORMAT);
		cJSON_AddStringToObject(rel.doc, "version", rp->version);
		cJSON_AddItemToObject(rel.doc, "playbook",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rp->header, "playbook"), 1));
		cJSON_AddArrayToObject(rel.doc, "events");
		rel.st = release_state_new(rel.pb, rp->version);
		rel.path = xstrdup(rp->path);
		rel.version = xstrdup(rp->version);
	} else if (session_release_at(s, tip, rp->version, &rel, err) != 0) {
		goto out;
	}
	session_lookup_attach(&others, s, tip, rel.st);
	rel.st->clock = s->now;
	if (ledger_apply_new(rel.st, rp->event, err) != 0)
		goto out;
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), cJSON_Duplicate(rp->event, 1));
	ledger_write_view(rel.st, rel.doc);
	plan_release_doc(plan, &rel);
	if (plan_index(s, tip, rel.st, plan, strcmp(op->valuestring, "start") == 0, err) != 0)
		goto out;
	buf_adds(&plan->message, rp->info->message);
	plan->summary = xstrndup(rp->info->message, strcspn(rp->info->message, "\n"));
	plan->author_name = xstrdup(rp->info->author_name);
	plan->author_email = xstrdup(rp->info->author_email);
	plan->when = rp->info->time;
	rc = 0;
out:
	release_close(&rel);
	session_lookup_release(&others);
	return rc;
}

/* Builds one commit from fn on top of *tip, judged by j (at *tip), advancing *tip. */
static int stack_commit(struct session *s, struct judge *j, char tip[OID_HEX], plan_fn fn, void *data,
			struct error *err)
{
	struct plan plan;
	char new_tip[OID_HEX];
	int rc;

	plan_init(&plan);
	rc = fn(s, tip, data, &plan, err);
	if (rc == 0)
		rc = commit_plan(s, j, tip, &plan, new_tip, err);
	if (rc == 0)
		memcpy(tip, new_tip, OID_HEX);
	plan_release(&plan);
	return rc;
}

/*
 * An offline event that does not apply on the team's tip: said by sync, and
 * kept as refs/relctl/rejected/ID, a commit on top of the offline one that
 * adds rejected.json ({event, reason, commit}) and says the reason in its
 * message, so 'git show' on the ref gives both.  Nothing shares it.
 */
static void reject(struct session *s, const cJSON *event, const struct store_commit_info *info, const char *commit,
		   const char *why)
{
	const char *id = json_string(event, "id");
	cJSON *item = cJSON_CreateObject(), *kept;
	struct error ignored;

	if (s->rejected == NULL)
		s->rejected = cJSON_CreateArray();
	cJSON_AddItemToObject(item, "event", cJSON_Duplicate(event, 1));
	cJSON_AddStringToObject(item, "reason", why);
	cJSON_AddItemToArray(s->rejected, item);
	if (id && event_id_valid(id)) {
		char *ref = xasprintf("refs/relctl/rejected/%s", id), *text, *message;
		struct store_author author = { info->author_name, info->author_email, s->now, NULL, NULL };
		struct store_change change;
		char kept_commit[OID_HEX];

		kept = cJSON_Duplicate(item, 1);
		cJSON_AddStringToObject(kept, "commit", commit);
		text = cJSON_Print(kept);
		cJSON_Delete(kept);
		change.path = "rejected.json";
		change.data = text;
		change.len = strlen(text);
		message = xasprintf("relctl: offline event %s was not applied\n\n%s\n", id, why);
		if (store_commit(s->store, commit, &change, 1, message, &author, kept_commit, &ignored) == 0)
			store_ref_set(s->store, ref, kept_commit, &ignored);
		free(message);
		free(text);
		free(ref);
	}
}

/* Replays one offline commit's changes on *tip. */
static int replay_commit(struct session *s, struct judge *j, const char *commit, char tip[OID_HEX], size_t *count,
			 struct error *err)
{
	struct store_commit_info info;
	char **paths = NULL;
	size_t n = 0, i;
	int rc;

	if (store_commit_info(s->store, commit, &info, err) != 0)
		return -1;
	rc = store_changed(s->store, info.parent_count ? info.parent : NULL, commit, "releases", &paths, &n, err);
	for (i = 0; rc == 0 && i < n; i++) {
		cJSON *doc = NULL, *events = appended_events(s, info.parent_count ? info.parent : NULL, commit, paths[i],
							     &doc, err), *ev;
		char *version = session_version_of(paths[i]);

		if (events == NULL)
			rc = -1;
		cJSON_ArrayForEach(ev, events)
		{
			struct replay_plan rp = { paths[i], version, doc, ev, &info, commit };
			struct error why;
			if (stack_commit(s, j, tip, plan_replay, &rp, &why) != 0)
				reject(s, ev, &info, commit, why.message);
			else
				(*count)++;
		}
		cJSON_Delete(events);
		cJSON_Delete(doc);
		free(version);
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	store_commit_info_release(&info);
	return rc;
}

/*
 * Puts local offline commits on top of the remote tip.  out receives the tip
 * to push (or remote_tip when there is nothing of ours); *ahead says whether
 * anything needs pushing.  The local branch is fast-forwarded when it can be.
 */
static int reconcile(struct session *s, struct judge *j, const char *remote_tip, char out[OID_HEX], bool *ahead,
		     size_t *replayed, struct error *err)
{
	char local[OID_HEX], base[OID_HEX];
	char **commits = NULL;
	size_t count = 0, i;
	bool is_anc;
	int rc = store_ref_tip(s->store, s->ref, local, err);

	*ahead = false;
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (remote_tip == NULL)
			return 1; /* no ledger anywhere yet: init writes the first commit */
		memcpy(out, remote_tip, OID_HEX);
		return store_ref_swap(s->store, s->ref, NULL, remote_tip, "relctl sync", err) < 0 ? -1 : 0;
	}
	if (remote_tip == NULL || strcmp(local, remote_tip) == 0) {
		memcpy(out, local, OID_HEX);
		*ahead = remote_tip == NULL;
		return 0;
	}
	if (store_is_ancestor(s->store, local, remote_tip, &is_anc, err) != 0)
		return -1;
	if (is_anc) {
		memcpy(out, remote_tip, OID_HEX);
		return store_ref_swap(s->store, s->ref, local, remote_tip, "relctl sync: fast-forward", err) < 0 ? -1 : 0;
	}
	if (store_is_ancestor(s->store, remote_tip, local, &is_anc, err) != 0)
		return -1;
	*ahead = true;
	if (is_anc) {
		/* Our commits on top of the team's go out as they are: each judged first, as a teammate will. */
		size_t known;

		judge_incidents(j, &known);
		if (judging_range(s, j, remote_tip, local, NULL, NULL, err) != 0)
			return -1;
		judge_incidents(j, &i);
		if (i > known) {
			const struct judge_incident *bad = &judge_incidents(j, &i)[known];

			return error_set(err, EXIT_DATAERR,
					 "your local ledger has commit %.12s by %s that relctl refuses: %s; it was not sent - 'git log %.12s..%s' lists what only your clone has, and 'git update-ref refs/heads/%s %.12s' puts your branch back on the team's",
					 bad->commit, bad->author, bad->problem, remote_tip, s->branch, s->branch, remote_tip);
		}
		memcpy(out, local, OID_HEX);
		return 0;
	}
	rc = store_merge_base(s->store, local, remote_tip, base, err);
	if (rc != 0)
		return rc < 0 ? -1
			      : error_set(err, EXIT_DATAERR,
					  "the ledger on remote \"%s\" and yours share no history (was relctl initialised twice?); your local ledger is unchanged",
					  s->remote);
	/* The offline commits, oldest first (the ledger's history is linear). */
	{
		char cur[OID_HEX];

		memcpy(cur, local, OID_HEX);
		while (strcmp(cur, base) != 0) {
			struct store_commit_info info;

			if (store_commit_info(s->store, cur, &info, err) != 0)
				goto fail;
			commits = xrealloc(commits, (count + 1) * sizeof(*commits));
			commits[count++] = xstrdup(cur);
			memcpy(cur, info.parent, OID_HEX);
			store_commit_info_release(&info);
			if (cur[0] == '\0')
				break;
		}
	}
	memcpy(out, remote_tip, OID_HEX);
	for (i = count; i-- > 0;)
		if (replay_commit(s, j, commits[i], out, replayed, err) != 0)
			goto fail;
	*ahead = strcmp(out, remote_tip) != 0;
	rc = 0;
	goto done;
fail:
	rc = -1;
done:
	for (i = 0; i < count; i++)
		free(commits[i]);
	free(commits);
	return rc;
}

/* After a push: the local branch and the accepted and tracking refs follow the remote. */
static void follow(struct session *s, const char *pushed)
{
	char local[OID_HEX];
	struct error ignored;
	bool descends = true;
	int rc = store_ref_tip(s->store, s->ref, local, &ignored);

	set_accepted(s, pushed, &ignored);
	if (rc == 0 && store_is_ancestor(s->store, local, pushed, &descends, &ignored) == 0 && descends)
		store_ref_swap(s->store, s->ref, local, pushed, "relctl: pushed", &ignored);
	else if (rc == 1)
		store_ref_swap(s->store, s->ref, NULL, pushed, "relctl: pushed", &ignored);
	else if (rc == 0 && !descends) {
		/* Offline events: replace the branch with the replayed history, keeping the old tip. */
		char *backup = xasprintf("refs/relctl/offline/%s", local);

		store_ref_set(s->store, backup, local, &ignored);
		free(backup);
		store_ref_swap(s->store, s->ref, local, pushed, "relctl: replayed offline events", &ignored);
	}
	note_sync(s);
}

/* An offline event that no longer applies on the remote, said rather than dropped on the way. */
static int refuse_rejected(struct session *s, struct error *err)
{
	const cJSON *first = cJSON_GetArrayItem(s->rejected, 0);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(first, "event");
	const char *op = json_string(ev, "op"), *step = json_string(ev, "step");
	const char *why = json_string(first, "reason");
	int n = cJSON_GetArraySize(s->rejected);

	return error_set(err, EXIT_TEMPFAIL,
			 "%d of your offline events no longer appl%s on \"%s\" (%s %s: %s); run 'relctl sync' to see %s and share the rest, then run this command again",
			 n, n == 1 ? "ies" : "y", s->remote, op ? op : "?", step ? step : "", why ? why : "refused",
			 n == 1 ? "it" : "them");
}

#define SYNC_TRIES 16 /* a push lost to a teammate's: fetch, replay and push again */

/*
 * Who must hear of the events this clone sent (those after the remote's
 * tip from, NULL: none, up to to), into s->notices: each release's events
 * replayed as the remote now holds them, the sent ones through the rules'
 * ledger_apply_notify.  Made offline, they told nobody until now.
 */
static void tell_sent(struct session *s, const char *from, const char *to)
{
	char **paths = NULL;
	size_t n = 0, i;
	struct error ignored;

	if (to == NULL || (from && strcmp(from, to) == 0) ||
	    store_changed(s->store, from, to, "releases", &paths, &n, &ignored) != 0)
		return;
	if (s->notices == NULL)
		s->notices = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		bool missing;
		cJSON *old_doc = from ? session_read_json(s, from, paths[i], &missing, &ignored) : NULL;
		char *version = session_version_of(paths[i]);
		int known = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(old_doc, "events")), k = 0;
		struct release_lookup others;
		struct release rel;

		memset(&rel, 0, sizeof(rel));
		memset(&others, 0, sizeof(others));
		if (session_release_at(s, to, version, &rel, &ignored) == 0) {
			struct release_state *st = release_state_new(rel.pb, rel.version);
			const cJSON *ev;

			session_lookup_attach(&others, s, to, st);
			cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(rel.doc, "events"))
				if (k++ < known ? ledger_apply(st, ev, &ignored) : ledger_apply_notify(st, ev, s->now, s->notices, &ignored))
					break;
			session_lookup_release(&others);
			release_state_free(st);
		}
		release_close(&rel);
		free(version);
		cJSON_Delete(old_doc);
		free(paths[i]);
	}
	free(paths);
}

int sync_commit_loop(struct session *s, plan_fn fn, void *data, char **summary, struct error *err)
{
	int attempt;

	for (attempt = 0; attempt < SYNC_TRIES; attempt++) {
		char remote_tip[OID_HEX], tip[OID_HEX], new_tip[OID_HEX];
		struct judge *j;
		struct plan plan;
		bool ahead;
		size_t replayed = 0;
		int rc = fetch_remote(s, remote_tip, &j, false, err), empty;
		const char *base, *from;

		if (rc < 0)
			return -1;
		/* What this attempt's plan tells (a lost race plans it again). */
		cJSON_Delete(s->notices);
		s->notices = cJSON_CreateArray();
		empty = reconcile(s, j, rc == 1 ? NULL : remote_tip, tip, &ahead, &replayed, err);
		base = empty == 1 ? NULL : tip;
		if (empty < 0 || s->rejected) {
			judging_free(j);
			return empty < 0 ? -1 : refuse_rejected(s, err);
		}
		plan_init(&plan);
		if (fn(s, base, data, &plan, err) != 0 ||
		    (plan.count > 0 && commit_plan(s, j, base, &plan, new_tip, err) != 0)) {
			judging_free(j);
			plan_release(&plan);
			return -1;
		}
		judging_free(j);
		if (plan.count == 0) {
			plan_release(&plan);
			return 1;
		}
		from = rc == 1 ? NULL : remote_tip;
		rc = store_push(s->store, s->remote, s->branch, new_tip, from, err);
		if (rc == 0) {
			tell_sent(s, from, base);
			follow(s, new_tip);
			if (summary) {
				*summary = plan.summary;
				plan.summary = NULL;
			}
		}
		plan_release(&plan);
		if (rc <= 0)
			return rc;
		commit_backoff(attempt + 3);
	}
	return error_set(err, EXIT_TEMPFAIL, "others kept updating the ledger on \"%s\" (%d tries); run the command again",
			 s->remote, SYNC_TRIES);
}

/* Whether doc's events include one with the id of ev. */
static bool has_event(const cJSON *doc, const cJSON *ev)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "id"), *other;

	cJSON_ArrayForEach(other, cJSON_GetObjectItemCaseSensitive(doc, "events"))
	{
		const cJSON *oid = cJSON_GetObjectItemCaseSensitive(other, "id");

		if (cJSON_IsString(id) && cJSON_IsString(oid) && strcmp(id->valuestring, oid->valuestring) == 0)
			return true;
	}
	return false;
}

/*
 * Events in the releases of to that are not in from (NULL: all of them),
 * matched by id: after offline events were replayed the two sides hold
 * the same number of events but different ones.
 */
static size_t count_events(struct session *s, const char *from, const char *to)
{
	char **paths = NULL;
	size_t n = 0, i, total = 0;
	struct error ignored;

	if (store_changed(s->store, from, to, "releases", &paths, &n, &ignored) != 0)
		return 0;
	for (i = 0; i < n; i++) {
		bool missing;
		cJSON *old_doc = from ? session_read_json(s, from, paths[i], &missing, &ignored) : NULL;
		cJSON *new_doc = session_read_json(s, to, paths[i], &missing, &ignored);
		const cJSON *ev;

		cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(new_doc, "events"))
			if (!has_event(old_doc, ev))
				total++;
		cJSON_Delete(old_doc);
		cJSON_Delete(new_doc);
		free(paths[i]);
	}
	free(paths);
	return total;
}

int session_sync(struct session *s, size_t *fetched, size_t *pushed, struct error *err)
{
	int attempt;

	*fetched = *pushed = 0;
	for (attempt = 0; attempt < 8; attempt++) {
		char remote_tip[OID_HEX], tip[OID_HEX], before[OID_HEX];
		struct judge *j;
		bool ahead, had_local, has_remote;
		size_t replayed = 0;
		int rc = fetch_remote(s, remote_tip, &j, false, err);

		if (rc < 0)
			return -1;
		has_remote = rc == 0;
		had_local = store_ref_tip(s->store, s->ref, before, err) == 0;
		if (rc == 0)
			*fetched = count_events(s, had_local ? before : NULL, remote_tip);
		rc = reconcile(s, j, has_remote ? remote_tip : NULL, tip, &ahead, &replayed, err);
		judging_free(j);
		if (rc == 1)
			return error_set(err, EXIT_CONFIG, "neither this repository nor remote \"%s\" has a relctl ledger yet; run 'relctl init --playbook FILE'",
					 s->remote);
		if (rc < 0)
			return -1;
		if (!ahead) {
			char local[OID_HEX];

			/*
			 * Nothing to push.  A local branch still off the remote holds only
			 * offline events that no longer apply (kept under
			 * refs/relctl/rejected/): it follows the remote, or it would keep
			 * showing them and sync would report them again forever.
			 */
			if (store_ref_tip(s->store, s->ref, local, err) == 0 && strcmp(local, tip) != 0)
				follow(s, tip);
			else
				note_sync(s);
			return 0;
		}
		rc = store_push(s->store, s->remote, s->branch, tip, has_remote ? remote_tip : NULL, err);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			*pushed = count_events(s, has_remote ? remote_tip : NULL, tip);
			tell_sent(s, has_remote ? remote_tip : NULL, tip);
			follow(s, tip);
			return 0;
		}
		if (s->rejected) {
			cJSON_Delete(s->rejected);
			s->rejected = NULL;
		}
		commit_backoff(attempt + 3);
	}
	return error_set(err, EXIT_TEMPFAIL, "others kept updating the ledger on \"%s\"; run 'relctl sync' again", s->remote);
}

/* ---------- restore ---------- */

/* A name relctl itself would write (an identifier, a version, an event id), or "?": nothing raw reaches a restore. */
static const char *own_word(const char *text, bool (*valid)(const char *))
{
	return text && valid(text) ? text : "?";
}

/*
 * The restore's message holds only what relctl wrote itself: ids and
 * names it would write (others become "?"), no author name or reason from
 * a refused commit, and one trailer block, its last paragraph, naming the
 * last good commit (judge_restore_target() reads nothing else).
 */
static void restore_message(struct plan *plan, const struct pb_person *me, const struct judge *j,
			    const struct judge_restore *r)
{
	const struct judge_incident *in;
	const cJSON *item;
	size_t n, i, refused = 0;

	in = judge_incidents(j, &n);
	for (i = 0; i < n; i++)
		refused += in[i].restored_by == NULL;
	plan->summary = xasprintf("%s restored the ledger to %.12s after %zu refused commit%s: %d event%s brought back, %d dropped",
				  me->id, judge_accepted(j), refused, refused == 1 ? "" : "s", cJSON_GetArraySize(r->carried),
				  cJSON_GetArraySize(r->carried) == 1 ? "" : "s", cJSON_GetArraySize(r->dropped));
	buf_addf(&plan->message, "%s\n\n", plan->summary);
	for (i = 0; i < n; i++)
		if (in[i].restored_by == NULL)
			buf_addf(&plan->message, "Refused: %.12s\n", in[i].commit);
	cJSON_ArrayForEach(item, r->carried)
	{
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(item, "event");

		buf_addf(&plan->message, "Brought-Back: %s %s %s by %s (%s)\n", own_word(json_string(ev, "id"), event_id_valid),
			 own_word(json_string(ev, "op"), identifier_valid), own_word(json_string(ev, "step"), identifier_valid),
			 own_word(json_string(ev, "actor"), identifier_valid), own_word(json_string(item, "release"), version_valid));
	}
	cJSON_ArrayForEach(item, r->dropped)
	{
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(item, "event");

		buf_addf(&plan->message, "Dropped: %s %s by %s (%s)\n", own_word(json_string(ev, "id"), event_id_valid),
			 own_word(json_string(ev, "op"), identifier_valid), own_word(json_string(ev, "actor"), identifier_valid),
			 own_word(json_string(item, "release"), version_valid));
	}
	buf_addf(&plan->message, "\n%s%s\n", JUDGE_RESTORE_TRAILER, judge_accepted(j));
}

/*
 * The ledger branch was deleted: a release manager pushes back the ledger
 * this clone accepted.  Returns 0 (summary set), 2 when someone created
 * the branch meanwhile (fetch again), -1 on error.
 */
static int push_back_branch(struct session *s, const char *tip, cJSON **restored, char **summary, struct error *err)
{
	struct playbook *pb = session_playbook_at(s, tip, PLAYBOOK_PATH, err);
	const struct pb_person *me = pb ? session_identity(s, pb, err) : NULL;
	int rc = -1;

	if (me && !ledger_is_manager(me))
		error_set(err, EXIT_NOPERM, "only a release manager can restore the ledger; ask one to run 'relctl sync --restore'");
	else if (me && (rc = store_push(s->store, s->remote, s->branch, tip, NULL, err)) == 0 &&
		 (rc = set_accepted(s, tip, err)) == 0) {
		*summary = xasprintf("%s put the ledger back on \"%s\" at %.12s, as this clone had accepted it: its %s branch was gone",
				     me->id, s->remote, tip, s->branch);
		*restored = cJSON_CreateObject();
		cJSON_AddArrayToObject(*restored, "brought_back");
		cJSON_AddArrayToObject(*restored, "dropped");
	} else if (rc == 1) {
		rc = 2;
	}
	playbook_free(pb);
	return rc;
}

int session_restore(struct session *s, cJSON **restored, char **summary, struct error *err)
{
	int attempt;

	*restored = NULL;
	*summary = NULL;
	if (s->remote == NULL)
		return error_set(err, EXIT_CONFIG, "'relctl sync --restore' works on the team's remote, and none is set; 'git config relctl.remote NAME'");
	for (attempt = 0; attempt < 8; attempt++) {
		char remote_tip[OID_HEX], new_tip[OID_HEX];
		struct judge *j;
		struct judge_restore r;
		struct playbook *pb;
		const struct pb_person *me;
		struct plan plan;
		size_t i;
		int rc = fetch_remote(s, remote_tip, &j, true, err);

		if (rc == 2) {
			rc = push_back_branch(s, remote_tip, restored, summary, err);
			if (rc != 2)
				return rc;
			commit_backoff(attempt + 3);
			continue;
		}
		if (rc == 3 && judge_clean(j)) {
			judging_free(j);
			*summary = xasprintf("pushed the commits this clone accepted back to \"%s\", fast-forward, up to %.12s: its %s was behind them",
					     s->remote, remote_tip, s->branch);
			*restored = cJSON_CreateObject();
			cJSON_AddArrayToObject(*restored, "brought_back");
			cJSON_AddArrayToObject(*restored, "dropped");
			return 0;
		}
		if (rc == 3)
			rc = 0;
		if (rc != 0) {
			judging_free(j);
			return rc < 0 ? -1 : error_set(err, EXIT_CONFIG, "remote \"%s\" has no ledger to restore", s->remote);
		}
		if (judge_clean(j)) {
			judging_free(j);
			return 1; /* nothing refused: a plain sync */
		}
		pb = session_playbook_at(s, judge_accepted(j), PLAYBOOK_PATH, err);
		me = pb ? session_identity(s, pb, err) : NULL;
		if (me == NULL || judge_plan_restore(j, me->email, &r, err) != 0) {
			playbook_free(pb);
			judging_free(j);
			return -1;
		}
		plan_init(&plan);
		for (i = 0; i < r.change_count; i++)
			plan_write(&plan, r.changes[i].path, r.changes[i].data ? xstrdup(r.changes[i].data) : NULL);
		restore_message(&plan, me, j, &r);
		plan_author(&plan, me);
		/* On the last good tree: the refused commits are never read, whatever they hold. */
		snprintf(plan.base, sizeof(plan.base), "%s", judge_accepted(j));
		rc = commit_plan(s, j, remote_tip, &plan, new_tip, err);
		if (rc == 0)
			rc = store_push(s->store, s->remote, s->branch, new_tip, remote_tip, err);
		if (rc == 0) {
			set_accepted(s, new_tip, err);
			*restored = cJSON_CreateObject();
			cJSON_AddItemToObject(*restored, "brought_back", r.carried);
			cJSON_AddItemToObject(*restored, "dropped", r.dropped);
			r.carried = r.dropped = NULL;
			*summary = plan.summary;
			plan.summary = NULL;
		}
		plan_release(&plan);
		judge_restore_release(&r);
		playbook_free(pb);
		judging_free(j);
		if (rc <= 0)
			return rc;
		commit_backoff(attempt + 3);
	}
	return error_set(err, EXIT_TEMPFAIL, "others kept updating the ledger on \"%s\"; run 'relctl sync --restore' again",
			 s->remote);
}

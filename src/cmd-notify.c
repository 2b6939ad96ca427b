/*
 * Telling the team through the playbook's notify hook: cmd_notify, after
 * any change, sends what the rules say must be heard (ledger_apply_notify's
 * notices), and what cannot be sent waits in the clone's outbox (outbox.h);
 * relctl notify [--list] [--json] [--dry-run] shows and sends what waits.
 *
 * A waiting notification is made again from its notices and the team's
 * ledger as it is when it is sent (a sync first), with the environment of
 * that moment for its secrets.  A notice that is no longer true is dropped,
 * saying why: a step that was ready and has since been claimed, rejected
 * work that was handed in again, a finding closed or no longer of that
 * severity.  A decision stays true.  When every notice still holds, the
 * request carries the webhook-id it had, so a receiver that got it after
 * all can drop the repeat.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cJSON.h"
#include "hook.h"
#include "json.h"
#include "ledger.h"
#include "outbox.h"
#include "playbook.h"
#include "relctl.h"
#include "session.h"
#include "store.h"
#include "util.h"

/*
 * "test-voyager is ready for a tester (david): relctl claim test-voyager" or
 * "test-voyager of 2.6.3 was rejected by shalom: the video is cut; it is back
 * with david (release managers: cristina)", one notice of ledger_apply_notify.
 */
static void describe_notice(const struct release *rel, const cJSON *n, const char *flag, struct buf *steps,
			    struct buf *message)
{
	const struct pb_step *step = playbook_step(rel->pb, json_string(n, "step"));
	const char *item = json_string(n, "item"), *person = json_string(n, "person");

	if (strcmp(json_string(n, "kind"), "finding") == 0) {
		/* The most severe kind of finding: those who decide at the gate, and the release managers. */
		buf_addf(steps, "%s%s (%s)", steps->len ? ", " : "", json_string(n, "finding"), json_string(n, "severity"));
		buf_addf(message, "%s%s reported %s finding %s: %s; %s decides at %s (", message->len ? "; " : "",
			 json_string(n, "by"), json_string(n, "severity"), json_string(n, "finding"), json_string(n, "title"),
			 step->owner, step->id);
		playbook_role_people(rel->pb, step->owner, NULL, message);
		buf_adds(message, "; release managers: ");
		playbook_manager_people(rel->pb, NULL, message);
		buf_adds(message, ")");
		return;
	}
	if (strcmp(json_string(n, "kind"), "decided") == 0) {
		buf_addf(steps, "%s%s (%s)", steps->len ? ", " : "", step->id, json_string(n, "decision"));
		buf_addf(message, "%s%s%s: %s", message->len ? "; " : "", json_string(n, "summary"),
			 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "forced")) ? " (forced, without every input)" : "",
			 json_string(n, "reason"));
		return;
	}
	buf_addf(steps, "%s%s", steps->len ? ", " : "", step->id);
	if (strcmp(json_string(n, "kind"), "ready") == 0) {
		buf_addf(message, "%s%s is ready for %s %s (", message->len ? "; " : "", step->id,
			 strchr("aeiou", step->owner[0]) ? "an" : "a", step->owner);
		playbook_role_people(rel->pb, step->owner, NULL, message);
		/* A step relctl does for them is run, not claimed. */
		buf_addf(message, "): relctl %s %s%s",
			 step->kind == STEP_HOOK || step->kind == STEP_COMMAND || step->kind == STEP_CHECK ? "run" : "claim", step->id,
			 flag);
		return;
	}
	buf_addf(steps, " (rejected)");
	buf_addf(message, "%s%s%s%s was rejected by %s: %s; it is back with %s (release managers: ", message->len ? "; " : "",
		 item ? item : "", item ? " of " : "", step->id, json_string(n, "by"), json_string(n, "note"),
		 person ? person : "nobody");
	playbook_manager_people(rel->pb, NULL, message);
	buf_adds(message, ")");
}

/* Whether more than one release is open: a suggested command then needs --release. */
static bool several_open(struct session *s)
{
	struct error err;
	cJSON *list = session_releases(s, &err);
	const cJSON *item;
	int open = 0;

	cJSON_ArrayForEach(item, list)
		if (json_string(item, "status") && strcmp(json_string(item, "status"), "open") == 0)
			open++;
	cJSON_Delete(list);
	return open > 1;
}

/* One notify hook post: what it says, and its exact request once rendered. */
struct notification {
	const char *hook;
	struct buf steps;   /* {{ready.steps}} */
	struct buf message; /* {{ready.message}} */
	struct hook_request req; /* zeroed until rendered; what a failed render filled is released too */
};

static void notification_init(struct notification *nt, const char *hook)
{
	memset(nt, 0, sizeof(*nt));
	nt->hook = hook;
	buf_init(&nt->steps);
	buf_init(&nt->message);
}

static void notification_release(struct notification *nt)
{
	buf_release(&nt->steps);
	buf_release(&nt->message);
	hook_request_release(&nt->req);
}

/* Says notices (of rel, each about a step of its playbook) and renders the request; -1 with err when it cannot be made. */
static int notification_render(struct session *s, const struct release *rel, const cJSON *notices,
			       struct notification *nt, struct error *err)
{
	char *flag = several_open(s) ? xasprintf(" --release %s", rel->st->version) : xstrdup("");
	struct template_scope scope;
	char *key, *webhook_id;
	const cJSON *n;
	int rc;

	cJSON_ArrayForEach(n, notices)
		describe_notice(rel, n, flag, &nt->steps, &nt->message);
	free(flag);
	scope = (struct template_scope){ rel->st, store_workdir(s->store), nt->steps.data, nt->message.data };
	/* The same notices of the same candidate: the same id, on every machine and every try. */
	key = xasprintf("notify:%s", nt->steps.data);
	webhook_id = hook_webhook_id(rel->st->version, rel->st->candidate, key, 0, nt->hook);
	rc = hook_render(playbook_hook(rel->pb, nt->hook), &scope, webhook_id, &nt->req, err);
	free(key);
	free(webhook_id);
	return rc;
}

/* Sends a rendered notification: 0 when delivered, else -1 and what happened ("not delivered (HTTP 500)"), caller frees. */
static int notification_send(struct notification *nt, char **why)
{
	struct hook_result res;
	struct error err;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	if (hook_send(&nt->req, &res, &err) != 0) {
		*why = xasprintf("not sent: %s", err.message);
	} else if (res.outcome == HOOK_DELIVERED) {
		rc = 0;
	} else if (res.status) {
		*why = xasprintf("not delivered (%s %ld)", hook_protocol(&nt->req), res.status);
	} else {
		const struct hook_attempt *last = res.attempt_count ? &res.attempts[res.attempt_count - 1] : NULL;
		char *masked = hook_mask(&nt->req, last && last->error ? last->error : "no answer");

		*why = xasprintf("not delivered: %s", masked);
		free(masked);
	}
	hook_result_release(&res);
	return rc;
}

/* Posts the notify hook of release version with its notices; what cannot be sent waits in the outbox. */
static void notify_release(struct cmd_ctx *ctx, struct session *s, const char *version)
{
	struct notification nt;
	struct release rel;
	struct error err;
	cJSON *mine;
	const cJSON *n;
	char *why = NULL, at[32];

	if (session_load_release(s, version, &rel, &err) != 0 || rel.pb->notify == NULL) {
		release_close(&rel);
		return;
	}
	if (rel.st->rehearsal) {
		fprintf(ctx->out, "REHEARSAL: the %s notification is not sent\n", rel.pb->notify);
		release_close(&rel);
		return;
	}
	mine = cJSON_CreateArray();
	cJSON_ArrayForEach(n, s->notices)
		if (strcmp(json_string(n, "release"), version) == 0 && playbook_step(rel.pb, json_string(n, "step")))
			cJSON_AddItemToArray(mine, cJSON_Duplicate(n, true));
	notification_init(&nt, rel.pb->notify);
	if (cJSON_GetArraySize(mine) == 0)
		goto out;
	if (notification_render(s, &rel, mine, &nt, &err) != 0)
		why = xasprintf("not sent: %s", err.message);
	else if (notification_send(&nt, &why) == 0) {
		fprintf(ctx->out, "notified %s: %s\n", rel.pb->notify, nt.message.data);
		goto out;
	}
	/* The change is recorded and cannot be made again to resend: it waits for 'relctl notify'. */
	if (outbox_add(store_git_dir(s->store), version, rel.pb->notify, time_format(s->now, at, sizeof(at)), why, mine,
		       &err) == 0)
		fprintf(stderr, "relctl: warning: the %s notification was %s; it waits in this clone's outbox, and 'relctl notify' sends it: %s\n",
			rel.pb->notify, why, nt.message.data);
	else
		fprintf(stderr, "relctl: warning: the %s notification was %s, and it cannot wait in the outbox (%s); the change is recorded, so tell the team yourself: %s\n",
			rel.pb->notify, why, err.message, nt.message.data);
out:
	free(why);
	notification_release(&nt);
	cJSON_Delete(mine);
	release_close(&rel);
}

void cmd_notify(struct cmd_ctx *ctx, struct session *s)
{
	const cJSON *n, *earlier;

	if (s->offline)
		return;
	cJSON_ArrayForEach(n, s->notices)
	{
		const char *version = json_string(n, "release");

		for (earlier = s->notices->child; earlier != n; earlier = earlier->next)
			if (strcmp(json_string(earlier, "release"), version) == 0)
				break;
		if (earlier == n)
			notify_release(ctx, s, version);
	}
	cJSON_Delete(s->notices);
	s->notices = NULL;
}

/* ---------- relctl notify ---------- */

static const struct option_spec options[] = {
	{ "list", OPT_FLAG, NULL, "list what waits in this clone's outbox; send nothing" },
	OPTION_JSON,
	{ "dry-run", OPT_FLAG, NULL, "print the exact request of each (secrets masked); send and remove nothing" },
	OPTION_END,
};

/*
 * Why notice n is no longer true of rel now (into why), or false when it
 * still is.  A decision made stays true.
 */
static bool no_longer_true(const struct release *rel, time_t now, const cJSON *n, struct buf *why)
{
	const char *kind = json_string(n, "kind"), *id = json_string(n, "step");
	const struct pb_step *step = playbook_step(rel->pb, id);
	const struct step_record *r;
	enum step_state state;

	if (step == NULL) {
		buf_addf(why, "%s is not a step of %s's playbook", id, rel->st->version);
		return true;
	}
	r = &rel->st->steps[step->index];
	state = ledger_step_state(rel->st, step->index, now);
	if (strcmp(kind, "ready") == 0 && state != STATE_READY) {
		buf_addf(why, "%s is no longer ready: it is %s", step->id, step_state_name(state));
		if (r->holder && (state == STATE_CLAIMED || state == STATE_BLOCKED || state == STATE_IN_REVIEW))
			buf_addf(why, " (%s)", r->holder);
		return true;
	}
	if (strcmp(kind, "rejected") == 0 &&
	    (state == STATE_DONE || state == STATE_IN_REVIEW || state == STATE_SKIPPED)) {
		buf_addf(why, "%s, rejected by %s, has been handed in again: it is %s", step->id, json_string(n, "by"),
			 step_state_name(state));
		return true;
	}
	if (strcmp(kind, "finding") == 0) {
		const struct finding *f = ledger_finding(rel->st, json_string(n, "finding"));

		if (f == NULL || f->closed) {
			buf_addf(why, "finding %s is %s", json_string(n, "finding"), f ? "closed" : "not in the release");
			return true;
		}
		if (strcmp(f->severity, json_string(n, "severity")) != 0) {
			buf_addf(why, "finding %s is %s now, not %s", f->id, f->severity, json_string(n, "severity"));
			return true;
		}
	}
	return false;
}

/* A waiting notification as it would be sent now: its release, the notices still true, and why the others are not. */
struct waiting {
	const struct outbox_entry *entry;
	struct release rel;
	bool loaded;
	cJSON *kept;       /* the notices still true */
	cJSON *dropped;    /* why each other one is not: strings */
	struct notification nt;
	struct error render_err;
	bool renders;
};

static void waiting_load(struct session *s, const struct outbox_entry *e, struct waiting *w)
{
	const cJSON *n;
	struct error err;

	memset(w, 0, sizeof(*w));
	w->entry = e;
	w->kept = cJSON_CreateArray();
	w->dropped = cJSON_CreateArray();
	notification_init(&w->nt, e->hook);
	if (session_load_release(s, e->release, &w->rel, &err) != 0) {
		release_close(&w->rel);
		cJSON_AddItemToArray(w->dropped, cJSON_CreateString(err.message));
		return;
	}
	w->loaded = true;
	if (playbook_hook(w->rel.pb, e->hook) == NULL) {
		char *why = xasprintf("%s's playbook has no hook \"%s\"", e->release, e->hook);

		cJSON_AddItemToArray(w->dropped, cJSON_CreateString(why));
		free(why);
		return;
	}
	cJSON_ArrayForEach(n, e->notices)
	{
		struct buf why;

		buf_init(&why);
		if (no_longer_true(&w->rel, s->now, n, &why))
			cJSON_AddItemToArray(w->dropped, cJSON_CreateString(why.data));
		else
			cJSON_AddItemToArray(w->kept, cJSON_Duplicate(n, true));
		buf_release(&why);
	}
	if (cJSON_GetArraySize(w->kept))
		w->renders = notification_render(s, &w->rel, w->kept, &w->nt, &w->render_err) == 0;
}

static void waiting_release(struct waiting *w)
{
	notification_release(&w->nt);
	cJSON_Delete(w->kept);
	cJSON_Delete(w->dropped);
	if (w->loaded)
		release_close(&w->rel);
}

static bool waiting_empty(const struct waiting *w)
{
	return cJSON_GetArraySize(w->kept) == 0;
}

static cJSON *waiting_json(const struct waiting *w)
{
	const struct outbox_entry *e = w->entry;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", e->id);
	if (e->problem) {
		cJSON_AddStringToObject(o, "problem", e->problem);
		return o;
	}
	cJSON_AddStringToObject(o, "release", e->release);
	cJSON_AddStringToObject(o, "hook", e->hook);
	cJSON_AddStringToObject(o, "queued_at", e->queued_at);
	cJSON_AddStringToObject(o, "why", e->why);
	cJSON_AddItemToObject(o, "notices", cJSON_Duplicate(e->notices, true));
	/* What a send would say now, and what it would drop. */
	json_add_string_or_null(o, "message", waiting_empty(w) ? NULL : w->nt.message.data);
	cJSON_AddItemToObject(o, "dropped", cJSON_Duplicate(w->dropped, true));
	return o;
}

static void print_dropped(struct cmd_ctx *ctx, const struct waiting *w, const char *verb)
{
	const cJSON *d;

	cJSON_ArrayForEach(d, w->dropped)
		fprintf(ctx->out, "%s %s: no longer true: %s\n", verb, w->entry->release, d->valuestring);
}

static int notify_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	bool json = args_flag(&ctx->args, "json"), list = json || args_flag(&ctx->args, "list"),
	     dry_run = args_flag(&ctx->args, "dry-run");
	const char *git_dir = store_git_dir(s->store);
	struct outbox_entry *entries = NULL;
	size_t count = 0, i, unreadable = 0, undelivered = 0;
	cJSON *array = NULL;
	char *where = NULL;

	if (list && dry_run)
		return error_set(&ctx->err, EXIT_USAGE, "--dry-run prints the requests a send would make, --list and --json what waits: give one of them");
	/*
	 * A send decides on the team's ledger.  A listing and a dry run read
	 * this clone's copy: a sync could bring news, and telling it is a send.
	 */
	if (!list && !dry_run && cmd_sync_first(ctx) != 0)
		return -1;
	if (outbox_list(git_dir, &entries, &count, &ctx->err) != 0)
		return -1;
	where = outbox_path(git_dir);
	if (json)
		array = cJSON_CreateArray();
	else if (count == 0)
		fprintf(ctx->out, "nothing waits in this clone's outbox\n");
	for (i = 0; i < count; i++) {
		const struct outbox_entry *e = &entries[i];
		struct waiting w;
		struct error err;
		char *why = NULL;

		if (e->problem) {
			/* Hand-edited or not relctl's: one line, and it stays for a person to look at. */
			unreadable++;
			if (json) {
				memset(&w, 0, sizeof(w));
				w.entry = e;
				cJSON_AddItemToArray(array, waiting_json(&w));
			} else
				fprintf(stderr, "relctl: %s%s.json is not a notification relctl can send: %s; it is left there, for you to fix or delete\n",
					where, e->id, e->problem);
			continue;
		}
		waiting_load(s, e, &w);
		if (json) {
			cJSON_AddItemToArray(array, waiting_json(&w));
		} else if (list) {
			fprintf(ctx->out, "%s  %s, %s at %s\n", e->release, e->hook, e->why, e->queued_at);
			if (!waiting_empty(&w))
				fprintf(ctx->out, "  %s\n", w.nt.message.data);
			print_dropped(ctx, &w, "  would drop");
		} else if (waiting_empty(&w)) {
			print_dropped(ctx, &w, dry_run ? "would drop" : "dropped");
			if (!dry_run && outbox_remove(git_dir, e->id, &err) != 0)
				fprintf(stderr, "relctl: warning: %s\n", err.message);
		} else if (!w.renders) {
			undelivered++;
			print_dropped(ctx, &w, dry_run ? "would drop" : "dropped");
			fprintf(stderr, "relctl: the %s notification of %s cannot be made: %s; it still waits\n", e->hook,
				e->release, w.render_err.message);
		} else if (dry_run) {
			char *text = hook_request_text(&w.nt.req);

			print_dropped(ctx, &w, "would drop");
			fprintf(ctx->out, "%s: the %s notification, as it would be sent now:\n%s\n", e->release, e->hook, text);
			free(text);
		} else if (notification_send(&w.nt, &why) == 0) {
			print_dropped(ctx, &w, "dropped");
			fprintf(ctx->out, "notified %s: %s\n", e->hook, w.nt.message.data);
			if (outbox_remove(git_dir, e->id, &err) != 0)
				fprintf(stderr, "relctl: warning: %s; delete it, or the next 'relctl notify' sends it again\n",
					err.message);
		} else {
			undelivered++;
			fprintf(stderr, "relctl: the %s notification of %s was %s; it still waits\n", e->hook, e->release, why);
		}
		free(why);
		waiting_release(&w);
	}
	if (json)
		cmd_print_json(ctx, array);
	cJSON_Delete(array);
	outbox_list_free(entries, count);
	free(where);
	/* What the sync first made true is told as any sync tells it. */
	if (!list && !dry_run)
		cmd_notify(ctx, s);
	if (undelivered)
		return error_set(&ctx->err, EXIT_UNAVAILABLE, "%zu notification%s could not be sent and still wait%s; 'relctl notify' tries again",
				 undelivered, undelivered == 1 ? "" : "s", undelivered == 1 ? "s" : "");
	if (unreadable)
		return error_set(&ctx->err, EXIT_DATAERR, "%zu file%s of the outbox could not be read (above)", unreadable,
				 unreadable == 1 ? "" : "s");
	return 0;
}

const struct cmd_entry cmd_notify_entry = {
	.name = "notify",
	.usage = "[--list] [--json] [--dry-run]",
	.summary = "send the notifications that could not be sent when the change was made",
	.help = "When the notify hook cannot be reached after a change (its ${ENV} unset in\n"
		"this clone, the receiver down), the change is recorded and the notification\n"
		"waits in this clone's outbox (.git/relctl/outbox/).  relctl notify syncs first,\n"
		"then sends each one, made again from the team's ledger with this environment's\n"
		"secrets, and removes what was delivered.  A notice that is no longer true (a\n"
		"step it announced as ready was claimed since, rejected work was handed in\n"
		"again, a finding was closed) is dropped, saying why; a decision stays true.\n"
		"Exits 69 when one could not be sent (it still waits), 65 when a file of the\n"
		"outbox cannot be read (it is left there).  --list and --json show what waits,\n"
		"--dry-run each exact request, from this clone's copy of the ledger: neither\n"
		"syncs nor sends.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION,
	.exec = notify_exec,
};

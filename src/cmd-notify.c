/*
 * relctl notify [--list] [--json] [--dry-run]: shows and sends what waits
 * in the clone's outbox (outbox.h) when a notification of the notify hook
 * could not be sent after a change (notify.c).
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
#include "notify.h"
#include "outbox.h"
#include "playbook.h"
#include "relctl.h"
#include "session.h"
#include "store.h"
#include "util.h"

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

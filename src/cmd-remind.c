/*
 * relctl remind [--dry-run] [--release VERSION]: for cron or a CI schedule.
 * In every open release (not rehearsals), each person is sent one message
 * listing the steps they hold that are overdue or idle, and the release
 * managers one listing what is overdue past its escalation or unclaimed
 * too long, through the playbook's notify hook ({{ready.message}} is the
 * text, {{ready.steps}} the steps).  Each send is recorded as a remind
 * event; the ledger allows one per step, person and day, and the
 * webhook-id is made of the same, so running it every ten minutes sends
 * each reminder once a day.  First it polls the check steps that are due
 * (poll_checks), so a gate waiting on a build farm closes by itself.
 */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "check-step.h"
#include "delegation.h"
#include "hook.h"
#include "json.h"
#include "ledger-runs.h"
#include "mutate.h"
#include "notify.h"
#include "relctl.h"
#include "session.h"
#include "store.h"
#include "util.h"

static const struct option_spec options[] = {
	{ "dry-run", OPT_FLAG, NULL, "print each message and its exact request (secrets masked); send and record nothing" },
	{ "release", OPT_VALUE, "VERSION", "only this release (default: every open one)" },
	OPTION_OFFLINE,
	OPTION_END,
};

/* Stable per release, candidate, kind, person, UTC day and steps: a re-run sends the same id. */
static char *reminder_id(const struct release_state *st, const struct reminder_plan *p, time_t now, const char *hook)
{
	char day[32], *key, *id;

	time_format(now, day, sizeof(day));
	day[10] = '\0';
	key = xasprintf("remind:%s:%s:%s:%s", p->kind, p->person ? p->person : "release managers", day, p->step_list);
	id = hook_webhook_id(st->version, st->candidate, key, 0, hook);
	free(key);
	return id;
}

/* Sends one reminder and records it; 1 when it was not delivered (the run goes on). */
static int send_one(struct cmd_ctx *ctx, const struct release *rel, const struct reminder_plan *p)
{
	struct session *s = ctx->session;
	struct template_scope scope = { rel->st, store_workdir(s->store), p->step_list, p->message };
	struct hook_request req;
	struct hook_result res;
	struct error err;
	char *id = reminder_id(rel->st, p, s->now, rel->pb->notify), *summary = NULL;
	const char *to = p->person ? p->person : "the release managers";
	int rc = 1;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	if (hook_render(playbook_hook(rel->pb, rel->pb->notify), &scope, id, &req, &err) != 0) {
		fprintf(stderr, "relctl: warning: the reminder to %s was not sent: %s\n", to, err.message);
		goto out;
	}
	if (args_flag(&ctx->args, "dry-run")) {
		char *text = hook_request_text(&req);

		fprintf(ctx->out, "%s: would remind %s of %s\n%s\n", rel->st->version, to, p->step_list, text);
		free(text);
		rc = 0;
		goto out;
	}
	if (hook_send(&req, &res, &err) != 0 || res.outcome != HOOK_DELIVERED) {
		const struct hook_attempt *last = res.attempt_count ? &res.attempts[res.attempt_count - 1] : NULL;
		char *why = hook_mask(&req, res.attempt_count == 0 ? err.message : last->error ? last->error : "no answer");

		if (res.status)
			fprintf(stderr, "relctl: warning: the reminder to %s was not delivered (%s %ld); the next run sends it again\n",
				to, hook_protocol(&req), res.status);
		else
			fprintf(stderr, "relctl: warning: the reminder to %s was not delivered: %s; the next run sends it again\n", to,
				why);
		free(why);
		goto out;
	}
	{
		struct mutation m = { .version = rel->st->version,
				      .event = { .op = "remind",
						 .kind = p->kind,
						 .person = p->person,
						 .steps = p->steps,
						 .message = p->message,
						 .webhook_id = id } };

		if (session_mutate(s, &m, &summary, &err) != 0)
			fprintf(stderr, "relctl: warning: the reminder to %s was sent (webhook-id %s) but not recorded: %s\n", to, id,
				err.message);
		else
			fprintf(ctx->out, "%s%s%s: %s\n", color(ctx, C_GREEN), summary, color(ctx, C_RESET),
				cmd_line(ctx, p->message));
	}
	rc = 0;
out:
	free(summary);
	free(id);
	hook_result_release(&res);
	hook_request_release(&req);
	return rc;
}

/*
 * Polls each check step of the release that is due (ready or claimed, its
 * last poll at least "every" ago), as the person running remind: the rule
 * lets the step's holder, a person of its role or a release manager poll
 * it, and a step this person may not poll is named on stderr and left to
 * them, as is one that cannot be made (a warning: the next run tries
 * again).  A pass finishes the step, so a build-farm gate closes by itself.
 * How many polls were recorded.
 */
static size_t poll_checks(struct cmd_ctx *ctx, struct release *rel, const struct pb_person *me)
{
	struct session *s = ctx->session;
	size_t i, recorded = 0;

	for (i = 0; i < rel->pb->step_count; i++) {
		const struct pb_step *step = &rel->pb->steps[i];
		cJSON *probe_result;
		struct event probe = { .op = "poll", .step = step->id };
		struct error err;
		char *summary = NULL;
		bool passed;
		int allowed;

		if (!ledger_poll_due(rel->st, i, s->now))
			continue;
		if (args_flag(&ctx->args, "dry-run")) {
			fprintf(ctx->out, "%s: would poll the check of %s\n", rel->st->version, step->id);
			continue;
		}
		probe_result = cJSON_CreateObject();
		cJSON_AddStringToObject(probe_result, "outcome", RUN_OUTCOME_FAILED);
		cJSON_AddNumberToObject(probe_result, "status", 0);
		probe.poll_result = probe_result;
		allowed = ledger_may(rel->st, me->id, &probe, s->now, &err);
		cJSON_Delete(probe_result);
		if (allowed != 0) {
			fprintf(stderr, "relctl: warning: the check of %s is due but not polled: %s\n", step->id, err.message);
			continue;
		}
		if (check_step_poll_record(s, rel->st, step, store_workdir(s->store), &passed, &summary, &err) != 0) {
			fprintf(stderr, "relctl: warning: the check of %s was not polled: %s\n", step->id, err.message);
			continue;
		}
		recorded++;
		fprintf(ctx->out, "%s%s%s\n", color(ctx, passed ? C_GREEN : C_YELLOW), summary, color(ctx, C_RESET));
		free(summary);
		if (passed)
			cmd_notify(ctx, s);
	}
	return recorded;
}

/* A release keeps the playbook it started with: only later ones get a notify hook added now. */
static const char add_notify[] =
	"releases started after you add 'notify: HOOK' to the playbook (docs/playbook.md, notify) and run 'relctl playbook update FILE' send them";

/* The reminders of one release; how many were not delivered, or -1 when it has no notify hook. */
static int remind_release(struct cmd_ctx *ctx, const char *version)
{
	struct session *s = ctx->session;
	struct release rel;
	struct reminder_plan *plans = NULL;
	const struct pb_person *me;
	size_t count = 0, i;
	int failed = -1;

	if (session_load_release(s, version, &rel, &ctx->err) != 0)
		goto out;
	if (rel.st->rehearsal) {
		fprintf(ctx->out, "%s: a rehearsal; nobody is reminded of it\n", version);
		failed = 0;
		goto out;
	}
	me = session_identity(s, rel.pb, &ctx->err);
	if (me == NULL)
		goto out;
	if (poll_checks(ctx, &rel, me) > 0) {
		/* What the polls recorded changes what is due: read the release again. */
		release_close(&rel);
		if (session_load_release(s, version, &rel, &ctx->err) != 0 ||
		    (me = session_identity(s, rel.pb, &ctx->err)) == NULL)
			goto out;
	}
	count = delegation_reminders(rel.st, me->id, s->now, &plans);
	if (count > 0 && rel.pb->notify == NULL) {
		/* Nothing can be sent, but what is due is still worth knowing. */
		for (i = 0; i < count; i++)
			fprintf(ctx->out, "%s: %s of %s due for %s: %s\n", version, plans[i].kind, plans[i].step_list,
				plans[i].person ? plans[i].person : "the release managers", cmd_line(ctx, plans[i].message));
		if (!args_flag(&ctx->args, "dry-run")) {
			error_set(&ctx->err, EXIT_CONFIG,
				  "release %s has %zu reminder%s due (above) but its playbook has no notify hook to send %s through; %s",
				  version, count, count == 1 ? "" : "s", count == 1 ? "it" : "them", add_notify);
			goto out;
		}
		fprintf(stderr, "relctl: warning: release %s's playbook has no notify hook, so nothing would be sent; %s\n", version,
			add_notify);
		failed = 0;
		goto out;
	}
	if (count == 0)
		fprintf(ctx->out, "%s: nothing to remind today\n", version);
	for (i = 0, failed = 0; i < count; i++)
		failed += send_one(ctx, &rel, &plans[i]);
out:
	delegation_reminders_free(plans, count);
	release_close(&rel);
	return failed;
}

static int remind_exec(struct cmd_ctx *ctx)
{
	const char *only = cmd_release_arg(ctx);
	cJSON *list = NULL;
	const cJSON *item;
	int failed = 0, rc;

	if (only) {
		rc = remind_release(ctx, only);
		if (rc < 0)
			return -1;
		failed = rc;
	} else {
		list = session_releases(ctx->session, &ctx->err);
		if (list == NULL)
			return -1;
		cJSON_ArrayForEach(item, list)
		{
			if (strcmp(json_string(item, "status"), "open") != 0)
				continue;
			rc = remind_release(ctx, json_string(item, "version"));
			if (rc < 0) {
				cJSON_Delete(list);
				return -1;
			}
			failed += rc;
		}
		cJSON_Delete(list);
	}
	if (failed > 0)
		return error_set(&ctx->err, EXIT_UNAVAILABLE, "%d reminder%s not delivered; the next run sends %s again", failed,
				 failed == 1 ? " was" : "s were", failed == 1 ? "it" : "them");
	return 0;
}

const struct cmd_entry cmd_remind_entry = {
	.name = "remind",
	.usage = "[--dry-run] [--release VERSION]",
	.summary = "send the day's reminders of overdue and idle steps, and escalations (for cron)",
	.help = "Through the playbook's notify hook, one message per person listing the steps\n"
		"they hold that are overdue (past 'due' since they became ready) or idle (claimed\n"
		"longer than 'idle_after', default 1d), and one to the release managers listing\n"
		"steps overdue by more than 'escalate_after' (default: the step's due again) and\n"
		"steps nobody has claimed for longer than idle_after.  Each send is recorded in\n"
		"the ledger; a step is reminded once per person and day, with a webhook-id made\n"
		"of the release, person, day and steps, so running it every 10 minutes sends each\n"
		"reminder once a day.  First it polls each check step that is due (ready or\n"
		"claimed, last polled at least its 'every' ago) and records the result as the\n"
		"person running it, who must be the step's holder, of its owner role or a release\n"
		"manager (a step they may not poll is named on stderr); a pass finishes the step.\n"
		"Rehearsals are never reminded nor polled.  Without a notify hook in\n"
		"the release's playbook it lists the reminders due and exits 78 (--dry-run: lists\n"
		"them, warns, exits 0).  Run it as a person of the playbook (RELCTL_USER in the\n"
		"cron job).",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION | CMD_SYNC_FIRST,
	.exec = remind_exec,
};

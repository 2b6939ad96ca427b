/*
 * Telling the team through the playbook's notify hook, after any change:
 * cmd_notify sends what the rules say must be heard (ledger_apply_notify's
 * notices), one request per release, and what cannot be sent waits in the
 * clone's outbox (outbox.h) for `relctl notify` (cmd-notify.c), which
 * renders and sends it again with the same pieces.
 */
#include <stdio.h>
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
		buf_addf(steps, "%s%s (%s)", steps->len ? ", " : "", json_string(n, "finding"),
		         json_string(n, "severity"));
		buf_addf(message, "%s%s reported %s finding %s: %s; %s decides at %s (", message->len ? "; " : "",
		         json_string(n, "by"), json_string(n, "severity"), json_string(n, "finding"),
		         json_string(n, "title"), step->owner, step->id);
		playbook_role_people(rel->pb, step->owner, NULL, message);
		buf_adds(message, "; release managers: ");
		playbook_manager_people(rel->pb, NULL, message);
		buf_adds(message, ")");
		return;
	}
	if (strcmp(json_string(n, "kind"), "decided") == 0) {
		buf_addf(steps, "%s%s (%s)", steps->len ? ", " : "", step->id, json_string(n, "decision"));
		buf_addf(message, "%s%s%s: %s", message->len ? "; " : "", json_string(n, "summary"),
		         cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(n, "forced")) ? " (forced, without every input)"
		                                                                     : "",
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
		         step->kind == STEP_HOOK || step->kind == STEP_COMMAND || step->kind == STEP_CHECK ? "run"
		                                                                                           : "claim",
		         step->id, flag);
		return;
	}
	buf_addf(steps, " (rejected)");
	buf_addf(message,
	         "%s%s%s%s was rejected by %s: %s; it is back with %s (release managers: ", message->len ? "; " : "",
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

	cJSON_ArrayForEach (item, list)
		if (json_string(item, "status") && strcmp(json_string(item, "status"), "open") == 0)
			open++;
	cJSON_Delete(list);
	return open > 1;
}

void notification_init(struct notification *nt, const char *hook)
{
	memset(nt, 0, sizeof(*nt));
	nt->hook = hook;
	buf_init(&nt->steps);
	buf_init(&nt->message);
}

void notification_release(struct notification *nt)
{
	buf_release(&nt->steps);
	buf_release(&nt->message);
	hook_request_release(&nt->req);
}

/* Says notices (of rel, each about a step of its playbook) and renders the request; -1 with err when it cannot be made.
 */
int notification_render(struct session *s, const struct release *rel, const cJSON *notices, struct notification *nt,
                        struct error *err)
{
	char *flag = several_open(s) ? xasprintf(" --release %s", rel->st->version) : xstrdup("");
	struct template_scope scope;
	char *key, *webhook_id;
	const cJSON *n;
	int rc;

	cJSON_ArrayForEach (n, notices)
		describe_notice(rel, n, flag, &nt->steps, &nt->message);
	free(flag);
	scope = (struct template_scope){rel->st, store_workdir(s->store), nt->steps.data, nt->message.data};
	/* The same notices of the same candidate: the same id, on every machine and every try. */
	key = xasprintf("notify:%s", nt->steps.data);
	webhook_id = hook_webhook_id(rel->st->version, rel->st->candidate, key, 0, nt->hook);
	rc = hook_render(playbook_hook(rel->pb, nt->hook), &scope, webhook_id, &nt->req, err);
	free(key);
	free(webhook_id);
	return rc;
}

/* Sends a rendered notification: 0 when delivered, else -1 and what happened ("not delivered (HTTP 500)"), caller
 * frees. */
int notification_send(struct notification *nt, char **why)
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
	cJSON_ArrayForEach (n, s->notices)
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
		fprintf(stderr,
		        "relctl: warning: the %s notification was %s; it waits in this clone's outbox, and 'relctl "
		        "notify' sends it: %s\n",
		        rel.pb->notify, why, nt.message.data);
	else
		fprintf(stderr,
		        "relctl: warning: the %s notification was %s, and it cannot wait in the outbox (%s); the "
		        "change is recorded, so tell the team yourself: %s\n",
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
	cJSON_ArrayForEach (n, s->notices) {
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

/*
 * relctl run STEP [--dry-run] [--force]: send a hook step's request and
 * record what happened.  The request is rendered completely before anything
 * is sent; the step is claimed first so teammates see it is being run; the
 * result is recorded after the send, and a re-run carries the same
 * webhook-id so a receiver can drop a duplicate.
 */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "event.h"
#include "hook.h"
#include "mutate.h"
#include "relctl.h"
#include "session.h"
#include "store.h"

static const struct option_spec options[] = {
	{ "dry-run", OPT_FLAG, NULL, "print the exact request (secrets masked) and send nothing" },
	{ "force", OPT_FLAG, NULL, "send again a hook that was already delivered, with the same webhook-id" },
	OPTION_RELEASE,
	OPTION_END,
};

/* Renders the step's request from the release as it stands. */
static int render(struct cmd_ctx *ctx, struct session *s, const struct release *rel, const struct pb_step *step,
		  struct hook_request *req)
{
	struct template_scope scope = { rel->st, store_workdir(s->store), NULL, NULL };
	char *id = hook_webhook_id(rel->st->version, rel->st->candidate, step->id, rel->st->steps[step->index].round,
				   step->hook);
	int rc = hook_render(playbook_hook(rel->pb, step->hook), &scope, id, req, &ctx->err);

	free(id);
	return rc;
}

/* A rehearsal records the exact request as a dry run: nothing is sent. */
static int record_dry_run(struct cmd_ctx *ctx, const struct release *rel, const struct pb_step *step,
			  const struct hook_request *req, bool force)
{
	cJSON *result = hook_dry_run_json(req);
	struct mutation record = { .version = rel->st->version,
				   .event = { .op = "hook", .step = step->id, .hook_result = result, .forced = force } };
	char *text = hook_request_text(req), *summary = NULL;
	int rc;

	fprintf(ctx->out, "%s\nREHEARSAL: %s is not sent; the request above is recorded as a dry run\n", text, step->id);
	rc = session_mutate(ctx->session, &record, &summary, &ctx->err);
	if (rc == 0) {
		fprintf(ctx->out, "%s\n", summary);
		cmd_notify(ctx, ctx->session);
	}
	free(summary);
	free(text);
	cJSON_Delete(result);
	return rc;
}

static int run_exec(struct cmd_ctx *ctx)
{
	const char *step_id = ctx->args.positionals[0];
	bool force = args_flag(&ctx->args, "force");
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	struct hook_request req;
	struct hook_result res;
	const struct pb_step *step;
	const struct pb_person *me;
	enum step_state state;
	cJSON *result = NULL;
	char *summary = NULL;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	step = playbook_step(rel->pb, step_id);
	if (step == NULL || step->kind != STEP_HOOK) {
		error_set(&ctx->err, step ? EXIT_DATAERR : EXIT_USAGE, "%s is not a hook step of release %s%s", step_id,
			  rel->st->version, step ? "; finish it with 'relctl done'" : "");
		goto out;
	}
	me = session_identity(s, rel->pb, &ctx->err);
	if (me == NULL)
		goto out;
	state = ledger_step_state(rel->st, step->index, s->now);
	if (state == STATE_DONE && !force && !args_flag(&ctx->args, "dry-run")) {
		const cJSON *hook = rel->st->steps[step->index].hook;
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(hook, "webhook_id");

		fprintf(ctx->out, "%s was already %s (webhook-id %s); nothing sent. 'relctl run %s --force' sends it again with the same id\n",
			step->id, rel->st->rehearsal ? "recorded as a dry run" : "delivered", cJSON_IsString(id) ? id->valuestring : "?",
			step->id);
		rc = 0;
		goto out;
	}
	/*
	 * The ledger's own rule, asked before sending: a refusal after the send
	 * would have published it anyway.  A ready step is claimed first.
	 */
	if (!args_flag(&ctx->args, "dry-run")) {
		cJSON *outcome = cJSON_CreateObject();
		struct event probe = { .op = "claim", .step = step->id };
		int allowed;

		cJSON_AddStringToObject(outcome, "outcome", rel->st->rehearsal ? "dry-run" : "delivered");
		if (state != STATE_READY)
			probe = (struct event){ .op = "hook", .step = step->id, .hook_result = outcome, .forced = force };
		allowed = ledger_may(rel->st, me->id, &probe, s->now, &ctx->err);
		cJSON_Delete(outcome);
		if (allowed != 0) {
			char why[sizeof(ctx->err.message)];

			snprintf(why, sizeof(why), "%s", ctx->err.message);
			error_set(&ctx->err, ctx->err.code, "%s (nothing was sent)", why);
			goto out;
		}
	}
	if (render(ctx, s, rel, step, &req) != 0)
		goto out;
	if (args_flag(&ctx->args, "dry-run")) {
		char *text = hook_request_text(&req);

		fprintf(ctx->out, "%s", text);
		fprintf(ctx->out, "\n(dry run: nothing was sent and the ledger is unchanged)\n");
		free(text);
		rc = 0;
		goto out;
	}
	if (state == STATE_READY) {
		struct mutation claim = { .version = rel->st->version, .event = { .op = "claim", .step = step->id } };

		if (session_mutate(s, &claim, &summary, &ctx->err) != 0)
			goto out;
		fprintf(ctx->out, "%s\n", summary);
		free(summary);
		summary = NULL;
	}
	if (rel->st->rehearsal) {
		rc = record_dry_run(ctx, rel, step, &req, force);
		goto out;
	}
	if (req.mail)
		fprintf(ctx->out, "sending mail to %zu recipient%s through %s (Message-ID %s)...\n", req.recipient_count,
			req.recipient_count == 1 ? "" : "s", req.url_shown, req.message_id);
	else
		fprintf(ctx->out, "sending %s %s (webhook-id %s)...\n", req.method, req.url_shown, req.webhook_id);
	fflush(ctx->out);
	if (hook_send(&req, &res, &ctx->err) != 0)
		goto out;
	result = hook_result_json(&req, &res);
	{
		struct mutation record = { .version = rel->st->version,
					   .event = { .op = "hook", .step = step->id, .hook_result = result, .forced = force } };

		if (session_mutate(s, &record, &summary, &ctx->err) != 0) {
			char *why = hook_mask(&req, ctx->err.message);

			error_set(&ctx->err, ctx->err.code, "the hook was %s (%s %ld) but could not be recorded: %s; 'relctl run %s' again resends it with the same webhook-id",
				  hook_outcome_name(res.outcome), hook_protocol(&req), res.status, why, step->id);
			free(why);
			goto out;
		}
	}
	fprintf(ctx->out, "%s\n", summary);
	if (res.outcome == HOOK_DELIVERED) {
		cmd_notify(ctx, s);
		rc = 0;
	} else {
		char excerpt[121];
		const struct hook_attempt *last = &res.attempts[res.attempt_count - 1];

		snprintf(excerpt, sizeof(excerpt), "%s", res.excerpt ? res.excerpt : "");
		excerpt[strcspn(excerpt, "\n")] = '\0';
		if (res.outcome == HOOK_UNKNOWN)
			error_set(&ctx->err, EXIT_UNAVAILABLE,
				  "%s: no answer after the request was sent (%s), so it may have arrived; 'relctl run %s' resends it with the same webhook-id",
				  step->id, last->error ? last->error : "timeout", step->id);
		else if (res.status)
			error_set(&ctx->err, EXIT_UNAVAILABLE, "%s: the %s answered %s %ld after %zu attempt%s: %s", step->id,
				  req.mail ? "mail server" : "receiver", hook_protocol(&req), res.status, res.attempt_count,
				  res.attempt_count == 1 ? "" : "s", excerpt);
		else
			error_set(&ctx->err, EXIT_UNAVAILABLE, "%s: not delivered after %zu attempt%s: %s", step->id,
				  res.attempt_count, res.attempt_count == 1 ? "" : "s", last->error ? last->error : "");
	}
out:
	free(summary);
	cJSON_Delete(result);
	hook_result_release(&res);
	hook_request_release(&req);
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "STEP [--dry-run] [--force] [--release VERSION]",
	.summary = "send a hook step's request or mail (changelog, blog post, mailing list)",
	.help = "The request is signed (Standard Webhooks, or GitHub's scheme) and carries a\n"
		"webhook-id that is the same on every retry and re-run, also as Idempotency-Key.\n"
		"A mail hook sends its message over SMTP (STARTTLS required on smtp://) with a\n"
		"Message-ID made of that webhook-id, so a list can drop a repeat.\n"
		"A 2xx answer (a mail: 250) marks the step done; otherwise it stays claimed, the\n"
		"failure is recorded, and the command exits 69.  Secrets never appear in output or\n"
		"the ledger.  --dry-run prints the exact request or the whole message.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_RELEASE | CMD_SYNC_FIRST,
	.exec = run_exec,
};

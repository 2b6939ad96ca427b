/*
 * relctl run STEP [--dry-run] [--force] [--wait]: do the work of a step
 * relctl runs itself and record what happened.  A hook step sends its
 * request: rendered completely before anything is sent, recorded after
 * the send, a re-run carrying the same webhook-id so a receiver can drop a
 * duplicate.  A command step runs its argv from the pinned playbook in the
 * work tree (command.h).  A check step polls its request once, or with
 * --wait every "every" until it passes or max_wait has passed
 * (check-step.h).  Whatever the kind, the ledger's rule is asked first and
 * a ready step is claimed, so teammates see it is being run.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cJSON.h"
#include "check-step.h"
#include "command.h"
#include "event.h"
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
	{ "dry-run", OPT_FLAG, NULL, "print the exact request or command (secrets masked); send, run and record nothing" },
	{ "force", OPT_FLAG, NULL, "send again a hook that was already delivered, with the same webhook-id" },
	{ "wait", OPT_FLAG, NULL, "a check step: poll every 'every' until it passes or its max_wait has passed" },
	{ "every", OPT_VALUE, "DURATION", "with --wait: poll this often instead of the step's 'every' (30s, 2m)" },
	OPTION_RELEASE,
	OPTION_END,
};

static const struct step_option step_options[] = {
	{ "force", 1u << STEP_HOOK },
	{ "wait", 1u << STEP_CHECK },
	{ "every", 1u << STEP_CHECK },
	{ NULL, 0 },
};

/*
 * Asks the ledger's rule before acting (what would be recorded: probe; a
 * ready step is claimed first), since a refusal after the work would not
 * undo it; nothing says what was not done ("nothing was sent").
 */
static int ask_first(struct cmd_ctx *ctx, const struct pb_step *step, enum step_state state, const struct event *probe,
		     const char *nothing)
{
	struct event claim = { .op = "claim", .step = step->id };
	const struct pb_person *me = session_identity(ctx->session, ctx->release->pb, &ctx->err);
	char why[sizeof(ctx->err.message)];

	if (me == NULL)
		return -1;
	if (ledger_may(ctx->release->st, me->id, state == STATE_READY ? &claim : probe, ctx->session->now, &ctx->err) == 0)
		return 0;
	snprintf(why, sizeof(why), "%s", ctx->err.message);
	return error_set(&ctx->err, ctx->err.code, "%s (%s)", why, nothing);
}

/* A ready step is claimed first, so teammates see who is running it. */
static int claim_if_ready(struct cmd_ctx *ctx, const struct pb_step *step, enum step_state state)
{
	struct mutation claim = { .version = ctx->release->st->version, .event = { .op = "claim", .step = step->id } };
	char *summary = NULL;

	if (state != STATE_READY)
		return 0;
	if (session_mutate(ctx->session, &claim, &summary, &ctx->err) != 0)
		return -1;
	fprintf(ctx->out, "%s\n", summary);
	free(summary);
	return 0;
}

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

static int run_hook(struct cmd_ctx *ctx, const struct pb_step *step)
{
	bool force = args_flag(&ctx->args, "force");
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	struct hook_request req;
	struct hook_result res;
	enum step_state state;
	cJSON *result = NULL;
	char *summary = NULL;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
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
		struct event probe = { .op = "hook", .step = step->id, .hook_result = outcome, .forced = force };
		int allowed;

		cJSON_AddStringToObject(outcome, "outcome", rel->st->rehearsal ? "dry-run" : "delivered");
		allowed = ask_first(ctx, step, state, &probe, "nothing was sent");
		cJSON_Delete(outcome);
		if (allowed != 0)
			goto out;
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
	if (claim_if_ready(ctx, step, state) != 0)
		goto out;
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

/* ---------- command steps ---------- */

static void stream_output(const char *data, size_t len, void *out)
{
	fwrite(data, 1, len, out);
	fflush(out);
}

/* Records what r did (a rehearsal: what it would have run) and says so; the one line of a failure in ctx->err. */
static int record_command(struct cmd_ctx *ctx, const struct pb_step *step, const struct command_run *r,
			  const struct template_secrets *secrets)
{
	bool dry = ctx->release->st->rehearsal;
	cJSON *result = command_result_json(r, secrets, dry);
	struct mutation record = { .version = ctx->release->st->version,
				   .event = { .op = "command", .step = step->id, .command_result = result } };
	const char *outcome = json_string(result, "outcome");
	char *summary = NULL, *last = NULL, took[32];
	int rc = session_mutate(ctx->session, &record, &summary, &ctx->err);

	if (rc != 0) {
		char why[sizeof(ctx->err.message)];

		snprintf(why, sizeof(why), "%s", ctx->err.message);
		error_set(&ctx->err, ctx->err.code, "the command of %s %s (%s) but could not be recorded: %s", step->id,
			  dry ? "was not run" : "ran", outcome, why);
		goto out;
	}
	fprintf(ctx->out, "%s\n", summary);
	if (dry || strcmp(outcome, RUN_OUTCOME_PASSED) == 0) {
		cmd_notify(ctx, ctx->session);
		goto out;
	}
	last = command_last_line(r, secrets);
	if (r->timed_out)
		error_set(&ctx->err, EXIT_UNAVAILABLE, "%s: the command timed out after %s and its process group was killed; last output: %s",
			  step->id, duration_format(r->timeout, took, sizeof(took)), last[0] ? last : "(none)");
	else if (r->signal)
		error_set(&ctx->err, EXIT_UNAVAILABLE, "%s: the command was killed by signal %d; last output: %s", step->id,
			  r->signal, last[0] ? last : "(none)");
	else
		error_set(&ctx->err, EXIT_UNAVAILABLE, "%s: the command exited with status %d; last output: %s", step->id,
			  r->exit_status, last[0] ? last : "(none)");
	rc = -1;
out:
	free(last);
	free(summary);
	cJSON_Delete(result);
	return rc;
}

static int run_command(struct cmd_ctx *ctx, const struct pb_step *step)
{
	struct release *rel = ctx->release;
	struct template_scope scope = { rel->st, store_workdir(ctx->session->store), NULL, NULL };
	struct template_secrets secrets = { NULL, 0 };
	enum step_state state = ledger_step_state(rel->st, step->index, ctx->session->now);
	struct command_run r;
	char *text = NULL;
	int rc = -1;

	if (command_prepare(&r, step, &scope, store_workdir(ctx->session->store), &ctx->err) != 0)
		goto out;
	command_secrets(rel->pb, &secrets);
	text = command_text(&r);
	if (args_flag(&ctx->args, "dry-run")) {
		fprintf(ctx->out, "$ %s\n(in %s; dry run: nothing was run and the ledger is unchanged)\n", text, r.cwd_shown);
		rc = 0;
		goto out;
	}
	if (state == STATE_DONE) {
		fprintf(ctx->out, "%s already ran; 'relctl reopen %s --reason TEXT' runs it again\n", step->id, step->id);
		rc = 0;
		goto out;
	}
	{
		cJSON *result = cJSON_CreateObject();
		struct event probe = { .op = "command", .step = step->id, .command_result = result };

		cJSON_AddStringToObject(result, "outcome", rel->st->rehearsal ? RUN_OUTCOME_DRY_RUN : RUN_OUTCOME_FAILED);
		rc = ask_first(ctx, step, state, &probe, "nothing was run");
		cJSON_Delete(result);
		if (rc != 0 || (rc = claim_if_ready(ctx, step, state)) != 0)
			goto out;
		rc = -1;
	}
	fprintf(ctx->out, "$ %s\n", text);
	if (rel->st->rehearsal) {
		fprintf(ctx->out, "REHEARSAL: %s is not run; the command above is recorded as a dry run\n", step->id);
	} else {
		fprintf(ctx->out, "(in %s, timeout %lds)\n", r.cwd_shown, r.timeout);
		fflush(ctx->out);
		r.on_output = stream_output;
		r.output_data = ctx->out;
		r.mask = &secrets;
		if (command_run(&r, &ctx->err) != 0)
			goto out;
		/* The event is dated when the command ended, not when relctl started (RELCTL_NOW was checked then). */
		clock_now(&ctx->session->now);
	}
	rc = record_command(ctx, step, &r, &secrets);
out:
	free(text);
	template_secrets_release(&secrets);
	command_release(&r);
	return rc;
}

/* ---------- check steps ---------- */

static int run_check(struct cmd_ctx *ctx, const struct pb_step *step)
{
	struct release *rel = ctx->release;
	struct session *s = ctx->session;
	const struct step_record *r = &rel->st->steps[step->index];
	enum step_state state = ledger_step_state(rel->st, step->index, s->now);
	time_t first = r->first_poll_at, ends;
	char *summary = NULL, t[32], d[32];
	bool passed = false;
	long every = step->every;
	int rc = -1;

	if (args_value(&ctx->args, "every")) {
		/* The person waiting may poll more often than the playbook's default, never less than every second. */
		if (!args_flag(&ctx->args, "wait"))
			return error_set(&ctx->err, EXIT_USAGE, "--every goes with --wait: how often to poll while waiting");
		if (duration_parse(args_value(&ctx->args, "every"), &every) != 0 || every < 1)
			return error_set(&ctx->err, EXIT_USAGE, "--every takes a duration like 30s or 2m, not \"%s\"",
					 args_value(&ctx->args, "every"));
	}
	{
		/* Rendered before anything else: an unset ${ENV} stops it before the step is claimed. */
		struct template_scope scope = { rel->st, store_workdir(s->store), NULL, NULL };
		cJSON *result = NULL;

		if (check_step_poll(step, &scope, true, &result, &ctx->err) != 0)
			return -1;
		if (args_flag(&ctx->args, "dry-run"))
			fprintf(ctx->out, "%s\n(dry run: nothing was sent and the ledger is unchanged)\n",
				json_string(result, "request"));
		cJSON_Delete(result);
		if (args_flag(&ctx->args, "dry-run"))
			return 0;
	}
	if (state == STATE_DONE) {
		fprintf(ctx->out, "%s is done (%s)\n", step->id, r->finished_how ? r->finished_how : "finished");
		return 0;
	}
	{
		cJSON *result = cJSON_CreateObject();
		struct event probe = { .op = "poll", .step = step->id, .poll_result = result };

		cJSON_AddStringToObject(result, "outcome", rel->st->rehearsal ? RUN_OUTCOME_DRY_RUN : RUN_OUTCOME_FAILED);
		cJSON_AddNumberToObject(result, "status", 0);
		rc = ask_first(ctx, step, state, &probe, "nothing was sent");
		cJSON_Delete(result);
		if (rc != 0 || claim_if_ready(ctx, step, state) != 0)
			return -1;
	}
	for (;;) {
		if (check_step_poll_record(s, rel->st, step, store_workdir(s->store), &passed, &summary, &ctx->err) != 0)
			return -1;
		fprintf(ctx->out, "%s\n", summary);
		free(summary);
		summary = NULL;
		if (first == 0)
			first = s->now;
		if (passed) {
			cmd_notify(ctx, s);
			return 0;
		}
		ends = step->max_wait > 0 ? first + step->max_wait : 0;
		if (!args_flag(&ctx->args, "wait"))
			return error_set(&ctx->err, EXIT_TEMPFAIL, "%s: the check has not passed yet; 'relctl run %s --wait' polls every %s%s",
					 step->id, step->id, duration_format(step->every, d, sizeof(d)),
					 step->max_wait > 0 ? " until it passes or its max_wait has passed" : " until it passes");
		if (ends && s->now + every > ends)
			return error_set(&ctx->err, EXIT_TEMPFAIL, "%s: the check has not passed by %s (max_wait %s); its holder may now finish it with 'relctl done %s --note TEXT'",
					 step->id, time_format(ends, t, sizeof(t)), duration_format(step->max_wait, d, sizeof(d)),
					 step->id);
		fprintf(stderr, "relctl: %s has not passed yet; next poll in %s\n", step->id,
			duration_format(every, d, sizeof(d)));
		sleep((unsigned)every);
		if (clock_now(&s->now) != 0)
			return error_set(&ctx->err, EXIT_USAGE, "RELCTL_NOW is not an RFC 3339 time");
	}
}

static int run_exec(struct cmd_ctx *ctx)
{
	const char *step_id = ctx->args.positionals[0];
	const struct pb_step *step = playbook_step(ctx->release->pb, step_id);

	if (step == NULL || !step_is_run(step))
		return error_set(&ctx->err, step ? EXIT_DATAERR : EXIT_USAGE, "%s is not a hook step of release %s, nor a command or check step%s",
				 step_id, ctx->release->st->version, step ? "; finish it with 'relctl done'" : "");
	if (args_flag(&ctx->args, "wait") && step->kind != STEP_CHECK)
		return error_set(&ctx->err, EXIT_USAGE, "--wait is for check steps; %s is a %s step", step->id,
				 step_kind_name(step->kind));
	if (args_flag(&ctx->args, "force") && step->kind != STEP_HOOK)
		return error_set(&ctx->err, EXIT_USAGE, "--force is for hook steps; %s is a %s step", step->id,
				 step_kind_name(step->kind));
	if (step->kind == STEP_COMMAND)
		return run_command(ctx, step);
	if (step->kind == STEP_CHECK)
		return run_check(ctx, step);
	return run_hook(ctx, step);
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "STEP [--dry-run] [--force] [--wait] [--release VERSION]",
	.summary = "do a hook, command or check step: send its request, run its command, poll its check",
	.help = "A hook step: the request is signed (Standard Webhooks, or GitHub's scheme) and\n"
		"carries a webhook-id that is the same on every retry and re-run, also as\n"
		"Idempotency-Key.  A mail hook sends its message over SMTP (STARTTLS required on\n"
		"smtp://) with a Message-ID made of that webhook-id, so a list can drop a repeat.\n"
		"A 2xx answer (a mail: 250) marks the step done; otherwise it stays claimed, the\n"
		"failure is recorded, and the command exits 69.\n"
		"A command step (its holder): prints the command from the pinned playbook, runs it\n"
		"without a shell in the work tree (or its cwd), streams its output, and records its\n"
		"exit status, duration, the sha256 of its output and its last 4 KiB.  Exit 0 marks\n"
		"the step done; another exit, or its timeout (its process group is killed), leaves\n"
		"it claimed, is recorded too, and exits 69 naming the status and the last line.\n"
		"A check step: polls its request once and records the result; a pass marks it done,\n"
		"otherwise exits 75.  --wait polls every 'every' (progress on stderr) until it\n"
		"passes or max_wait has passed since the first poll; then its holder may finish it\n"
		"with 'relctl done STEP --note TEXT', and its owner role may always finish it with\n"
		"'relctl done STEP --override --reason TEXT'.\n"
		"In a rehearsal nothing is sent, run or polled: each is recorded as a dry run.\n"
		"Secrets never appear in output or the ledger.  --dry-run prints the exact request,\n"
		"message or command and records nothing.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_RELEASE | CMD_SYNC_FIRST,
	.exec = run_exec,
	.step_options = step_options,
};

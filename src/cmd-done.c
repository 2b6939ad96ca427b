/*
 * relctl done STEP [--note TEXT] [--evidence URL]...: finish a step.
 * relctl done STEP --override --reason TEXT: a person of a check step's
 * owner role finishes it without its check passing.
 */
#include "cJSON.h"
#include "event.h"
#include "playbook.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "note", OPT_VALUE, "TEXT", "what you did or found" },
	{ "evidence", OPT_MULTI, "URL", "a link to evidence (test video, log); repeatable" },
	{ "override", OPT_FLAG, NULL, "a check step: finish it without its check (its owner role; needs --reason)" },
	{ "reason", OPT_VALUE, "TEXT", "with --override: why the check is not waited for" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static const struct step_option step_options[] = {
	{ "override", 1u << STEP_CHECK },
	{ "reason", 1u << STEP_CHECK },
	{ NULL, 0 },
};

static int done_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "done", .step = ctx->args.positionals[0], .note = args_value(&ctx->args, "note") };
	size_t links = 0;
	cJSON *evidence;
	int rc;

	if (args_flag(&ctx->args, "override")) {
		args_multi(&ctx->args, "evidence", &links);
		if (ev.note || links)
			return error_set(&ctx->err, EXIT_USAGE, "--override takes --reason TEXT, not --note or --evidence");
		ev = (struct event){ .op = "override", .step = ev.step, .reason = args_value(&ctx->args, "reason") };
		if (ev.reason == NULL || ev.reason[0] == '\0')
			return error_set(&ctx->err, EXIT_USAGE, "--override needs --reason TEXT saying why the check is not waited for");
		return cmd_record(ctx, &ev);
	}
	if (args_value(&ctx->args, "reason"))
		return error_set(&ctx->err, EXIT_USAGE, "--reason goes with --override; a step is finished with --note TEXT");
	evidence = cmd_evidence(ctx);
	if (evidence == NULL)
		return -1;
	ev.evidence = evidence;
	rc = cmd_record(ctx, &ev);
	cJSON_Delete(evidence);
	return rc;
}

const struct cmd_entry cmd_done_entry = {
	.name = "done",
	.usage = "STEP [--note TEXT] [--evidence URL]... | STEP --override --reason TEXT [--release VERSION]",
	.summary = "finish a step you hold",
	.help = "Steps with \"evidence: required\" need at least one --evidence link.  A step\n"
		"with a review role becomes in-review until someone of that role approves it.\n"
		"A wait step can be done once its minimum duration has passed since it was claimed.\n"
		"A step with a checklist needs a result for every item first ('relctl check').\n"
		"A check step is done when its check passes ('relctl run'); once its max_wait has\n"
		"passed since the first poll its holder may finish it with --note (recorded as\n"
		"finished without the check), and a person of its owner role may always finish it\n"
		"with --override --reason TEXT, which the brief and the report show.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = done_exec,
	.step_options = step_options,
};

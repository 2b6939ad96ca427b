/* relctl done STEP [--note TEXT] [--evidence URL]...: finish a step. */
#include "cJSON.h"
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "note", OPT_VALUE, "TEXT", "what you did or found" },
	{ "evidence", OPT_MULTI, "URL", "a link to evidence (test video, log); repeatable" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int done_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "done", .step = ctx->args.positionals[0], .note = args_value(&ctx->args, "note") };
	cJSON *evidence = cmd_evidence(ctx);
	int rc;

	if (evidence == NULL)
		return -1;
	ev.evidence = evidence;
	rc = cmd_record(ctx, &ev);
	cJSON_Delete(evidence);
	return rc;
}

const struct cmd_entry cmd_done_entry = {
	.name = "done",
	.usage = "STEP [--note TEXT] [--evidence URL]... [--release VERSION]",
	.summary = "finish a step you hold",
	.help = "Steps with \"evidence: required\" need at least one --evidence link.  A step\n"
		"with a review role becomes in-review until someone of that role approves it.\n"
		"A wait step can be done once its minimum duration has passed since it was claimed.\n"
		"A step with a checklist needs a result for every item first ('relctl check').",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = done_exec,
};

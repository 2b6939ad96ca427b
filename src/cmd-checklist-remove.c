/* relctl checklist remove STEP ITEM --reason TEXT: an item that does not apply to this release. */
#include "cJSON.h"
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why it does not apply to this release (required)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int checklist_remove_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "checklist-remove",
			    .step = ctx->args.positionals[0],
			    .item = ctx->args.positionals[1],
			    .reason = args_value(&ctx->args, "reason") };

	return cmd_record(ctx, &ev);
}

const struct cmd_entry cmd_checklist_remove_entry = {
	.name = "checklist remove",
	.usage = "STEP ITEM --reason TEXT [--release VERSION]",
	.summary = "remove an item that does not apply from this release's checklist",
	.help = "Allowed to whoever may add items, before the step is done, for an item with no\n"
		"result yet (one with a result stays: record na with a note).  The removal and\n"
		"its reason stay in the history and in 'relctl check STEP'.",
	.options = options,
	.min_args = 2,
	.max_args = 2,
	.needs = CMD_SESSION,
	.exec = checklist_remove_exec,
};

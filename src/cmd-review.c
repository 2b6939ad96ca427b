/* relctl review STEP approve|reject [--note TEXT]: approve or send back finished work. */
#include <string.h>

#include "cJSON.h"
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "note", OPT_VALUE, "TEXT", "what you checked, or what to fix (required to reject)" },
	{ "item", OPT_VALUE, "ITEM", "review one checklist item's result (items with a review role)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int review_exec(struct cmd_ctx *ctx)
{
	const char *verdict = ctx->args.positionals[1];
	struct event ev = { .op = "review",
			    .step = ctx->args.positionals[0],
			    .verdict = verdict,
			    .note = args_value(&ctx->args, "note"),
			    .item = args_value(&ctx->args, "item") };

	if (strcmp(verdict, "approve") && strcmp(verdict, "reject"))
		return error_set(&ctx->err, EXIT_USAGE, "a review is 'approve' or 'reject', not \"%s\"", verdict);
	return cmd_record(ctx, &ev);
}

const struct cmd_entry cmd_review_entry = {
	.name = "review",
	.usage = "STEP approve|reject [--note TEXT] [--item ITEM] [--release VERSION]",
	.summary = "approve a finished step, or send it back",
	.help = "Only someone of the step's review role, other than who did the work, can\n"
		"review.  'reject' sends the step back to whoever did it, with the note.\n"
		"Checklist items with a review role are reviewed one by one with --item: the\n"
		"step counts as done when every one is approved; a rejected item goes back to\n"
		"its holder, who checks it again.",
	.options = options,
	.min_args = 2,
	.max_args = 2,
	.needs = CMD_SESSION,
	.exec = review_exec,
};

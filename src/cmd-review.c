/* relctl review STEP approve|reject [--note TEXT]: approve or send back finished work. */
#include <string.h>

#include "cJSON.h"
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
	cJSON *fields;
	int rc;

	if (strcmp(verdict, "approve") && strcmp(verdict, "reject"))
		return error_set(&ctx->err, EXIT_USAGE, "a review is 'approve' or 'reject', not \"%s\"", verdict);
	fields = cJSON_CreateObject();
	cJSON_AddStringToObject(fields, "verdict", verdict);
	if (args_value(&ctx->args, "note"))
		cJSON_AddStringToObject(fields, "note", args_value(&ctx->args, "note"));
	if (args_value(&ctx->args, "item"))
		cJSON_AddStringToObject(fields, "item", args_value(&ctx->args, "item"));
	rc = cmd_record(ctx, "review", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
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

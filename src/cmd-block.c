/* relctl block STEP --reason TEXT [--release VERSION]: mark a step blocked, with the reason. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why (recorded in the ledger)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int block_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;

	if (args_value(&ctx->args, "reason"))
		cJSON_AddStringToObject(fields, "reason", args_value(&ctx->args, "reason"));
	rc = cmd_record(ctx, "block", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_block_entry = {
	.name = "block",
	.usage = "STEP --reason TEXT [--release VERSION]",
	.summary = "mark a step blocked, with the reason",
	.help = "The release manager sees blocked steps and their reasons in relctl next.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.exec = block_exec,
};

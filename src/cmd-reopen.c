/* relctl reopen STEP --reason TEXT [--release VERSION]: reopen a done or skipped step. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why (recorded in the ledger)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int reopen_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;

	if (args_value(&ctx->args, "reason"))
		cJSON_AddStringToObject(fields, "reason", args_value(&ctx->args, "reason"));
	rc = cmd_record(ctx, "reopen", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_reopen_entry = {
	.name = "reopen",
	.usage = "STEP --reason TEXT [--release VERSION]",
	.summary = "reopen a done or skipped step",
	.help = "The step becomes ready again; its earlier work stays in the history.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.exec = reopen_exec,
};

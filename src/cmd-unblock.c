/* relctl unblock STEP [--release VERSION]: lift a block. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int unblock_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;


	rc = cmd_record(ctx, "unblock", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_unblock_entry = {
	.name = "unblock",
	.usage = "STEP [--release VERSION]",
	.summary = "lift a block",
	.help = "The step returns to the state it had before it was blocked.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.exec = unblock_exec,
};

/* relctl unclaim STEP [--release VERSION]: give a claimed step back. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int unclaim_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;


	rc = cmd_record(ctx, "unclaim", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_unclaim_entry = {
	.name = "unclaim",
	.usage = "STEP [--release VERSION]",
	.summary = "give a claimed step back",
	.help = "The holder or a release manager can unclaim a step; it becomes ready again.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.exec = unclaim_exec,
};

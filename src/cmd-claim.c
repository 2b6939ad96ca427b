/* relctl claim STEP [--release VERSION]: take a step: you will do it. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int claim_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;


	rc = cmd_record(ctx, "claim", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_claim_entry = {
	.name = "claim",
	.usage = "STEP [--release VERSION]",
	.summary = "take a step: you will do it",
	.help = "Only a person with the step's owner role can claim it, and only once its phase\nhas started and the steps it needs are done.  If someone else holds it, the\nerror names them.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.exec = claim_exec,
};

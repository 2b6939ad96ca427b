/* relctl assign STEP PERSON: the release manager gives a step to someone. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int assign_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(fields, "person", ctx->args.positionals[1]);
	cmd_warn_away(ctx, ctx->args.positionals[1]);
	rc = cmd_record(ctx, "assign", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_assign_entry = {
	.name = "assign",
	.usage = "STEP PERSON [--release VERSION]",
	.summary = "give a step to someone (release manager)",
	.help = "PERSON is a person id of the playbook and must hold the step's owner role.\n"
		"Assigning a step someone else holds moves it to PERSON.",
	.options = options,
	.min_args = 2,
	.max_args = 2,
	.needs = CMD_SESSION,
	.exec = assign_exec,
};

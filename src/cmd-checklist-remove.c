/* relctl checklist remove STEP ITEM --reason TEXT: an item that does not apply to this release. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why it does not apply to this release (required)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int checklist_remove_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(fields, "item", ctx->args.positionals[1]);
	if (args_value(&ctx->args, "reason"))
		cJSON_AddStringToObject(fields, "reason", args_value(&ctx->args, "reason"));
	rc = cmd_record(ctx, "checklist-remove", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
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

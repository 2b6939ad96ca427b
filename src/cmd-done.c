/* relctl done STEP [--note TEXT] [--evidence URL]...: finish a step. */
#include "cJSON.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "note", OPT_VALUE, "TEXT", "what you did or found" },
	{ "evidence", OPT_MULTI, "URL", "a link to evidence (test video, log); repeatable" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int done_exec(struct cmd_ctx *ctx)
{
	cJSON *fields = cJSON_CreateObject(), *evidence;
	const char *const *links;
	size_t count, i;
	int rc;

	if (args_value(&ctx->args, "note"))
		cJSON_AddStringToObject(fields, "note", args_value(&ctx->args, "note"));
	links = args_multi(&ctx->args, "evidence", &count);
	evidence = cJSON_AddArrayToObject(fields, "evidence");
	for (i = 0; i < count; i++) {
		if (links[i][0] == '\0') {
			cJSON_Delete(fields);
			return error_set(&ctx->err, EXIT_USAGE, "--evidence needs a link, not an empty string");
		}
		cJSON_AddItemToArray(evidence, cJSON_CreateString(links[i]));
	}
	rc = cmd_record(ctx, "done", ctx->args.positionals[0], fields);
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_done_entry = {
	.name = "done",
	.usage = "STEP [--note TEXT] [--evidence URL]... [--release VERSION]",
	.summary = "finish a step you hold",
	.help = "Steps with \"evidence: required\" need at least one --evidence link.  A step\n"
		"with a review role becomes in-review until someone of that role approves it.\n"
		"A wait step can be done once its minimum duration has passed since it was claimed.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = done_exec,
};

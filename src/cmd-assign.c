/* relctl assign STEP PERSON: the release manager gives a step to someone. */
#include "cJSON.h"
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int assign_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "assign", .step = ctx->args.positionals[0], .person = ctx->args.positionals[1] };

	cmd_warn_away(ctx, ev.person);
	return cmd_record(ctx, &ev);
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

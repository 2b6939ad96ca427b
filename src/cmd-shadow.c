/*
 * relctl shadow STEP [--leave]: join a step someone holds as a learner (or
 * leave it).  The holder still does and finishes it; the shadows present
 * when it is finished are credited with it, which stats counts and which,
 * where the playbook says shadow_grants: true, lets them claim it later
 * even without its role.
 */
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "leave", OPT_FLAG, NULL, "stop shadowing the step" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int shadow_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "shadow", .step = ctx->args.positionals[0], .leave = args_flag(&ctx->args, "leave") };
	int rc = cmd_record(ctx, &ev);

	if (rc == 0 && !args_flag(&ctx->args, "leave"))
		fprintf(ctx->out, "follow along with 'relctl show %s'; you are credited with it when it is finished\n",
			ctx->args.positionals[0]);
	return rc;
}

const struct cmd_entry cmd_shadow_entry = {
	.name = "shadow",
	.usage = "STEP [--leave] [--release VERSION]",
	.summary = "learn a step by shadowing whoever holds it",
	.help = "Anyone in the playbook, of any role, may shadow a step someone holds.  The\n"
		"holder still does and finishes it; everyone shadowing it then is credited, so\n"
		"stats counts them as ready to do it next, and a step with 'shadow_grants: true'\n"
		"may later be claimed by them even without its role.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = shadow_exec,
};

/* relctl finding update ID [--estimate D] [--risk R] [--impact TEXT] [--note TEXT] [--close]. */
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "estimate", OPT_VALUE, "DURATION", "time to fix it, like 4h or 2d (an estimate_by role)" },
	{ "risk", OPT_VALUE, "low|medium|high", "risk of the fix breaking something else (an estimate_by role)" },
	{ "impact", OPT_VALUE, "TEXT", "what it means for customers (an impact_by role)" },
	{ "note", OPT_VALUE, "TEXT", "anything else worth knowing" },
	{ "close", OPT_FLAG, NULL, "the finding is fixed or no longer matters" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int finding_update_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "finding-update",
			    .finding = ctx->args.positionals[0],
			    .estimate = args_value(&ctx->args, "estimate"),
			    .risk = args_value(&ctx->args, "risk"),
			    .impact = args_value(&ctx->args, "impact"),
			    .note = args_value(&ctx->args, "note"),
			    .close = args_flag(&ctx->args, "close") };

	if (!ev.estimate && !ev.risk && !ev.impact && !ev.note && !ev.close)
		return error_set(&ctx->err, EXIT_USAGE, "nothing to update: give --estimate, --risk, --impact, --note or --close");
	return cmd_record(ctx, &ev);
}

const struct cmd_entry cmd_finding_update_entry = {
	.name = "finding update",
	.usage = "ID [--estimate DURATION] [--risk low|medium|high] [--impact TEXT] [--note TEXT] [--close]",
	.summary = "add a fix estimate, risk, customer impact or note to a finding",
	.help = "Estimate and risk come from the playbook's findings estimate_by roles (dev by\n"
		"default), impact from its impact_by roles (support by default); others are refused.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = finding_update_exec,
};

/* relctl skip STEP --reason TEXT [--release VERSION]: skip a step (release manager). */
#include "relctl.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why (recorded in the ledger)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

const struct cmd_entry cmd_skip_entry = {
	.name = "skip",
	.usage = "STEP --reason TEXT [--release VERSION]",
	.summary = "skip a step (release manager)",
	.help = "A skipped step counts as finished for the steps that need it.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = cmd_step_exec,
};

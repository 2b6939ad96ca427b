/* relctl block STEP --reason TEXT [--release VERSION]: mark a step blocked, with the reason. */
#include "relctl.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why (recorded in the ledger)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

const struct cmd_entry cmd_block_entry = {
	.name = "block",
	.usage = "STEP --reason TEXT [--release VERSION]",
	.summary = "mark a step blocked, with the reason",
	.help = "The release manager sees blocked steps and their reasons in relctl next.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = cmd_step_exec,
};

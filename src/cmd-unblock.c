/* relctl unblock STEP [--release VERSION]: lift a block. */
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

const struct cmd_entry cmd_unblock_entry = {
	.name = "unblock",
	.usage = "STEP [--release VERSION]",
	.summary = "lift a block",
	.help = "The step returns to the state it had before it was blocked.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = cmd_step_exec,
};

/* relctl unclaim STEP [--release VERSION]: give a claimed step back. */
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

const struct cmd_entry cmd_unclaim_entry = {
	.name = "unclaim",
	.usage = "STEP [--release VERSION]",
	.summary = "give a claimed step back",
	.help = "The holder or a release manager can unclaim a step; it becomes ready again.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = cmd_step_exec,
};

/* relctl reopen STEP --reason TEXT [--release VERSION]: reopen a done or skipped step. */
#include "relctl.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why (recorded in the ledger)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

const struct cmd_entry cmd_reopen_entry = {
	.name = "reopen",
	.usage = "STEP --reason TEXT [--release VERSION]",
	.summary = "reopen a done or skipped step",
	.help = "The step becomes ready again; its earlier work stays in the history.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = cmd_step_exec,
};

/* relctl claim STEP [--release VERSION]: take a step: you will do it. */
#include "relctl.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

const struct cmd_entry cmd_claim_entry = {
	.name = "claim",
	.usage = "STEP [--release VERSION]",
	.summary = "take a step: you will do it",
	.help = "Only a person with the step's owner role can claim it, and only once its phase\nhas started and the steps it needs are done.  If someone else holds it, the\nerror names them.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = cmd_step_exec,
};

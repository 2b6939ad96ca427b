/*
 * relctl handover STEP PERSON --note TEXT: the holder passes a step to
 * another person of its role, saying where it stands; PERSON sees the note
 * in next and show.  A release manager may hand over the step of a holder
 * who is away.  The history keeps who held it when.
 */
#include "cJSON.h"
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "note", OPT_VALUE, "TEXT", "where the step stands, for the person taking it (required)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int handover_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "handover",
			    .step = ctx->args.positionals[0],
			    .person = ctx->args.positionals[1],
			    .note = args_value(&ctx->args, "note") };

	cmd_warn_away(ctx, ev.person);
	return cmd_record(ctx, &ev);
}

const struct cmd_entry cmd_handover_entry = {
	.name = "handover",
	.usage = "STEP PERSON --note TEXT [--release VERSION]",
	.summary = "pass a step you hold to someone else of its role, with a note",
	.help = "The note says where the step stands; PERSON sees it in 'relctl next' and\n"
		"'relctl show STEP'.  A release manager may also hand over the step of a holder\n"
		"who is away ('relctl away').  Unlike 'relctl assign', it is the holder's own act.",
	.options = options,
	.min_args = 2,
	.max_args = 2,
	.needs = CMD_SESSION,
	.exec = handover_exec,
};

/*
 * relctl away [--until TIME] [--back]: mark yourself unavailable (or back)
 * in every open release, one event each.  The release manager's next lists
 * the steps you hold as "holder away", with a hand-over suggestion, and
 * assigning you a step warns.
 */
#include <stdlib.h>

#include "event.h"
#include "mutate.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	{ "until", OPT_VALUE, "TIME", "when you are back, e.g. 2024-03-25T09:00:00Z (default: until --back)" },
	{ "back", OPT_FLAG, NULL, "you are available again" },
	{ "release", OPT_VALUE, "VERSION", "only this release (default: every open one)" },
	OPTION_OFFLINE,
	OPTION_END,
};

static int away_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "away", .until = args_value(&ctx->args, "until"), .back = args_flag(&ctx->args, "back") };
	char *summaries = NULL;
	int rc;

	if (cmd_check_event(ctx, &ev) != 0)
		return -1;
	rc = session_away(ctx->session, &ev, cmd_release_arg(ctx), &summaries, &ctx->err);
	if (summaries)
		fprintf(ctx->out, "%s%s%s\n", color(ctx, C_GREEN), summaries, color(ctx, C_RESET));
	free(summaries);
	return rc;
}

const struct cmd_entry cmd_away_entry = {
	.name = "away",
	.usage = "[--until TIME] [--back] [--release VERSION]",
	.summary = "mark yourself unavailable (or back) in the open releases",
	.help = "Recorded in every open release (or the one --release names).  The release\n"
		"manager's 'relctl next' lists the steps you hold as \"holder away\" with a\n"
		"hand-over suggestion, a release manager may hand them over for you, and\n"
		"assigning or handing you a step warns.  A release started later does not know:\n"
		"say it again there.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION,
	.exec = away_exec,
};

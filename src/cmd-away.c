/*
 * relctl away [--until TIME] [--back]: mark yourself unavailable (or back)
 * in every open release, one event each.  The release manager's next lists
 * the steps you hold as "holder away", with a hand-over suggestion, and
 * assigning you a step warns.
 */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "event.h"
#include "json.h"
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
	const char *until = args_value(&ctx->args, "until"), *only = cmd_release_arg(ctx);
	struct event ev = { .op = "away", .until = until, .back = args_flag(&ctx->args, "back") };
	cJSON *list = NULL;
	const cJSON *item;
	int rc = -1, marked = 0;

	if (cmd_check_event(ctx, &ev) != 0)
		goto out;
	list = session_releases(ctx->session, &ctx->err);
	if (list == NULL)
		goto out;
	cJSON_ArrayForEach(item, list)
	{
		const char *version = json_string(item, "version");
		struct mutation m = { .version = version, .event = ev };
		char *summary = NULL;

		if (only ? strcmp(only, version) != 0 : strcmp(json_string(item, "status"), "open") != 0)
			continue;
		if (session_mutate(ctx->session, &m, &summary, &ctx->err) != 0)
			goto out;
		fprintf(ctx->out, "%s%s%s\n", color(ctx, C_GREEN), summary, color(ctx, C_RESET));
		free(summary);
		marked++;
	}
	if (marked == 0) {
		error_set(&ctx->err, EXIT_NOINPUT, only ? "there is no release %s; 'relctl releases' lists them"
						       : "no release is open: away is recorded in the open releases",
			  only);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(list);
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

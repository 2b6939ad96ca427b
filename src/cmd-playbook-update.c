/* relctl playbook update FILE: new releases use FILE; open ones keep theirs. */
#include <stdlib.h>

#include "mutate.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_END,
};

static int playbook_update_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	char *summary = NULL;
	int rc;

	rc = session_update_playbook(s, ctx->args.positionals[0], &summary, &ctx->err);
	if (rc == 1)
		fprintf(stderr, "relctl: %s is the playbook already in force; nothing to update\n",
			cmd_line(ctx, ctx->args.positionals[0]));
	else if (rc == 0)
		fprintf(ctx->out, "%s\nreleases already started keep the playbook they were started with\n", summary);
	free(summary);
	return rc < 0 ? -1 : 0;
}

const struct cmd_entry cmd_playbook_update_entry = {
	.name = "playbook update",
	.usage = "FILE",
	.summary = "use a new playbook for new releases (release manager)",
	.help = "The playbook is checked first, as 'relctl lint' would.  When FILE is the\n"
		"playbook in force already, nothing is written (exit 0).",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = playbook_update_exec,
};

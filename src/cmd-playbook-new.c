/*
 * relctl playbook new [--from minimal|library|tinypilot|runtime]: prints a starter
 * playbook to edit (built into the binary, so it works before anything is
 * installed or checked out): `relctl playbook new > playbook.yaml`.
 */
#include <string.h>

#include "buf.h"
#include "relctl.h"
#include "templates.h"

static const struct option_spec options[] = {
	{ "from", OPT_VALUE, "minimal|library|tinypilot|runtime", "the starting point (default: minimal)" },
	{ "list", OPT_FLAG, NULL, "list the starting points instead" },
	OPTION_END,
};

static int playbook_new_exec(struct cmd_ctx *ctx)
{
	const char *from = args_value(&ctx->args, "from");
	const struct playbook_template *t;
	struct buf names;

	if (args_flag(&ctx->args, "list")) {
		for (t = playbook_templates; t->name; t++)
			fprintf(ctx->out, "%-10s %s\n", t->name, t->summary);
		return 0;
	}
	if (from == NULL)
		from = "minimal";
	for (t = playbook_templates; t->name; t++)
		if (strcmp(t->name, from) == 0) {
			fputs(t->text, ctx->out);
			return 0;
		}
	buf_init(&names);
	for (t = playbook_templates; t->name; t++)
		buf_addf(&names, "%s%s", names.len ? ", " : "", t->name);
	error_set(&ctx->err, EXIT_USAGE, "there is no starter playbook \"%s\"; use %s", from, names.data);
	buf_release(&names);
	return -1;
}

const struct cmd_entry cmd_playbook_new_entry = {
	.name = "playbook new",
	.usage = "[--from minimal|library|tinypilot|runtime] [--list]",
	.summary = "print a commented starter playbook to edit",
	.help = "  relctl playbook new > playbook.yaml              a small one (build, test, decide, publish, announce)\n"
		"  relctl playbook new --from library > playbook.yaml   an open-source library's release\n"
		"  relctl playbook new --from tinypilot > playbook.yaml TinyPilot's 25 steps in three phases\n"
		"  relctl playbook new --from runtime > playbook.yaml   a language runtime: release types, platform\n"
		"                                                       experts, two gates, the release script, the build farm\n"
		"Edit it, check it with 'relctl lint playbook.yaml', then 'relctl init --playbook playbook.yaml'.",
	.options = options,
	.max_args = 0,
	.exec = playbook_new_exec,
};

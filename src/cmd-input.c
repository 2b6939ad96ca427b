/* relctl input --note TEXT [--role ROLE] [--step STEP]: your role's input to a release decision (gate). */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cJSON.h"
#include "event.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	{ "note", OPT_VALUE, "TEXT", "what your team knows that bears on ship or delay (required)" },
	{ "role", OPT_VALUE, "ROLE", "which of your roles speaks (default: the one the decision asks for)" },
	OPTION_GATE,
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

/* The caller's role that the decision at gate asks input from, when there is exactly one. */
static int pick_role(struct cmd_ctx *ctx, const struct pb_step *decision, const char **role)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	const struct pb_person *me;
	struct buf mine, asked;
	size_t i, found = 0;
	int rc = -1;

	me = session_identity(s, rel->pb, &ctx->err);
	if (me == NULL)
		goto out;
	buf_init(&mine);
	buf_init(&asked);
	for (i = 0; i < decision->inputs.count; i++) {
		const char *r = decision->inputs.items[i];

		buf_addf(&asked, "%s%s (", i ? ", " : "", r);
		if (playbook_role_people(rel->pb, r, NULL, &asked) == 0)
			buf_adds(&asked, "nobody has it");
		buf_adds(&asked, ")");
		if (person_has_role(me, r)) {
			buf_addf(&mine, "%s%s", found ? ", " : "", r);
			if (found++ == 0)
				*role = r;
		}
	}
	if (decision->inputs.count == 0)
		error_set(&ctx->err, EXIT_DATAERR, "release %s's decision asks no role for input; to give one anyway, name one of your roles with --role",
			  rel->st->version);
	else if (found == 0)
		error_set(&ctx->err, EXIT_NOPERM, "the decision asks input from %s; %s holds none of those roles, so one of them gives it with 'relctl input --note TEXT'",
			  asked.data, me->id);
	else if (found > 1)
		error_set(&ctx->err, EXIT_USAGE, "%s holds several roles the decision asks input from (%s); name one with --role, like --role %s",
			  me->id, mine.data, *role);
	else
		rc = 0;
	buf_release(&mine);
	buf_release(&asked);
out:
	if (rc == 0)
		*role = strdup(*role);
	return rc;
}

static int input_exec(struct cmd_ctx *ctx)
{
	const char *role = args_value(&ctx->args, "role");
	char *picked = NULL;
	const struct pb_step *gate;
	struct event ev = { .op = "input", .note = args_value(&ctx->args, "note") };
	int rc;

	if (args_value(&ctx->args, "note") == NULL)
		return error_set(&ctx->err, EXIT_USAGE, "an input needs --note TEXT");
	if (cmd_gate(ctx, &gate, &ev.step) != 0)
		return -1;
	if (role == NULL) {
		if (pick_role(ctx, gate, &role) != 0)
			return -1;
		picked = (char *)role;
	}
	ev.role = role;
	rc = cmd_record(ctx, &ev);
	free(picked);
	return rc;
}

const struct cmd_entry cmd_input_entry = {
	.name = "input",
	.usage = "--note TEXT [--role ROLE] [--step STEP] [--release VERSION]",
	.summary = "give your role's input to the ship/delay decision",
	.help = "The decision step lists the roles whose input the brief must contain; the\n"
		"decision's owner cannot decide while one is missing (unless forced).  Inputs\n"
		"are per decision step: while several are open, name it with --step STEP.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_RELEASE,
	.exec = input_exec,
};

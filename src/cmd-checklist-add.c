/*
 * relctl checklist add STEP TEXT [--id ID] [--evidence required]
 * [--review ROLE] [--owner ROLE]: adds an item to this release's copy of a step's
 * checklist (the release manager, the step's role, or the holder of a
 * step that "updates" it, before the step is done).
 */
#include <string.h>

#include "cJSON.h"
#include "checklist.h"
#include "event.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "id", OPT_VALUE, "ID", "the item's id (default: made of the text)" },
	{ "evidence", OPT_VALUE, "required|optional", "whether a result needs an --evidence link (default optional)" },
	{ "review", OPT_VALUE, "ROLE", "a role that reviews this item's result (the team that changed the feature)" },
	{ "owner", OPT_VALUE, "ROLE", "the role that checks this item instead of the step's holder (a platform expert)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int checklist_add_exec(struct cmd_ctx *ctx)
{
	const char *evidence = args_value(&ctx->args, "evidence"), *id = args_value(&ctx->args, "id");
	char made[CHECKLIST_ITEM_ID_MAX + 1];
	struct event ev = { .op = "checklist-add", .step = ctx->args.positionals[0] };

	if (evidence && strcmp(evidence, "required") && strcmp(evidence, "optional"))
		return error_set(&ctx->err, EXIT_USAGE, "--evidence is required or optional, not \"%s\"", evidence);
	if (id == NULL) {
		checklist_item_id(ctx->args.positionals[1], made);
		id = made;
	}
	ev.item = id;
	ev.text = ctx->args.positionals[1];
	ev.evidence_required = evidence && strcmp(evidence, "required") == 0;
	ev.review = args_value(&ctx->args, "review");
	ev.owner = args_value(&ctx->args, "owner");
	return cmd_record(ctx, &ev);
}

const struct cmd_entry cmd_checklist_add_entry = {
	.name = "checklist add",
	.usage = "STEP TEXT [--id ID] [--evidence required|optional] [--review ROLE] [--owner ROLE] [--release VERSION]",
	.summary = "add an item to this release's checklist of a step",
	.help = "The release manager, someone of the step's role, or whoever holds a step that\n"
		"lists it under \"updates\" (update-test-plan for the device tests) can add items\n"
		"until the step is done.  The playbook is not changed: the item is this release's.\n"
		"Give items of a changed feature --review ROLE, so the team that changed it looks\n"
		"at their footage, and --owner ROLE when someone else must check it (the Windows\n"
		"expert): only that role records its result, and 'relctl next' tells them.",
	.options = options,
	.min_args = 2,
	.max_args = 2,
	.needs = CMD_SESSION,
	.exec = checklist_add_exec,
};

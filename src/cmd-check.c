/*
 * relctl check STEP ITEM pass|fail|na [--note TEXT] [--evidence URL]...
 * [--severity S]: records the result of one checklist item of a step you
 * hold; a fail opens a finding (its id is picked here, the rule that
 * opens it is the ledger's).  relctl check STEP [--json]: every item with
 * its result, who recorded it and when.
 */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "json.h"
#include "event.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	{ "note", OPT_VALUE, "TEXT", "what you saw (required for fail and na)" },
	{ "evidence", OPT_MULTI, "URL", "a link to this item's footage or log; repeatable" },
	{ "severity", OPT_VALUE, "SEVERITY", "of the finding a fail opens (default: the middle of the playbook's severities, major)" },
	OPTION_JSON,
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int list_items(struct cmd_ctx *ctx, const char *step)
{
	const struct release *rel;
	const cJSON *view, *list;
	char progress[96], candidate[48];

	if (cmd_load_release(ctx) != 0)
		return -1;
	rel = ctx->release;
	cmd_note_freshness(ctx, ctx->session);
	if (playbook_step(rel->pb, step) == NULL)
		return error_set(&ctx->err, EXIT_USAGE, "release %s has no step \"%s\"; 'relctl status' lists them",
				 rel->st->version, step);
	view = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rel->doc, "steps"), step);
	list = cJSON_GetObjectItemCaseSensitive(view, "checklist");
	if (args_flag(&ctx->args, "json")) {
		cJSON *root = cJSON_CreateObject();

		cJSON_AddStringToObject(root, "release", rel->st->version);
		cJSON_AddNumberToObject(root, "candidate", rel->st->candidate);
		cJSON_AddStringToObject(root, "step", step);
		cJSON_AddStringToObject(root, "state", json_string(view, "state"));
		cJSON_AddItemToObject(root, "checklist", list ? cJSON_Duplicate(list, 1) : cJSON_CreateNull());
		cmd_print_json(ctx, root);
		cJSON_Delete(root);
		return 0;
	}
	if (list == NULL) {
		fprintf(ctx->out, "%s has no checklist; 'relctl checklist add %s TEXT' adds an item\n", step, step);
		return 0;
	}
	fprintf(ctx->out, "%s%s%s (%s %s, %s): %s\n", color(ctx, C_BOLD), step, color(ctx, C_RESET),
		rel->st->version, candidate_short(rel->pb, rel->st->candidate, candidate, sizeof(candidate)),
		json_string(view, "state"),
		cmd_checklist_progress(list, progress, sizeof(progress)));
	cmd_print_checklist(ctx, list, "  ");
	return 0;
}

static int check_exec(struct cmd_ctx *ctx)
{
	const char *step = ctx->args.positionals[0], *result;
	const char *severity = args_value(&ctx->args, "severity");
	struct event ev = { .op = "check", .step = step };
	cJSON *evidence;
	char finding[16];
	int rc = 0;

	if (ctx->args.positional_count == 1)
		return list_items(ctx, step);
	if (ctx->args.positional_count != 3)
		return error_set(&ctx->err, EXIT_USAGE, "usage: relctl check STEP ITEM pass|fail|na, or relctl check STEP to list its items");
	result = ctx->args.positionals[2];
	ev.item = ctx->args.positionals[1];
	ev.result = result;
	ev.note = args_value(&ctx->args, "note");
	ev.severity = severity;
	ev.evidence = evidence = cmd_evidence(ctx);
	if (evidence == NULL)
		return -1;
	if (strcmp(result, "fail") == 0) {
		/* Used when the fail opens a finding; a fail of an item whose finding is open adds to that one. */
		rc = cmd_new_finding_id(ctx, finding);
		ev.finding = finding;
	}
	if (rc == 0)
		rc = cmd_record(ctx, &ev);
	cJSON_Delete(evidence);
	return rc;
}

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.usage = "STEP [ITEM pass|fail|na] [--note TEXT] [--evidence URL]... [--severity S] [--json] [--release VERSION]",
	.summary = "record the result of a checklist item, or list a step's items",
	.help = "The holder of a step records each item of its checklist: pass, fail (with --note\n"
		"saying what went wrong) or na (with --note saying why it does not apply).  Items\n"
		"with \"evidence: required\" need an --evidence link unless they are na.  A fail\n"
		"opens a finding linked to the step and the item (--severity, default the middle\n"
		"of the playbook's findings severities: major), so\n"
		"it reaches the brief; a later check of the item replaces its result until the\n"
		"step is done.  With only STEP, lists every item with its result.",
	.options = options,
	.min_args = 1,
	.max_args = 3,
	.needs = CMD_SESSION,
	.exec = check_exec,
};

/* relctl decide ship|delay|abort --reason TEXT [--force]: the product owner decides. */
#include <stdio.h>
#include <string.h>

#include "brief.h"
#include "cJSON.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why (required; the team reads it)" },
	{ "force", OPT_FLAG, NULL, "decide although a required input is missing (recorded)" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

static int decide_exec(struct cmd_ctx *ctx)
{
	const char *decision = ctx->args.positionals[0];
	struct release *rel = ctx->release;
	cJSON *fields;
	char hash[65];
	int rc;

	if (strcmp(decision, "ship") && strcmp(decision, "delay") && strcmp(decision, "abort"))
		return error_set(&ctx->err, EXIT_USAGE, "decide ship, delay or abort, not \"%s\"", decision);
	if (args_value(&ctx->args, "reason") == NULL)
		return error_set(&ctx->err, EXIT_USAGE, "a decision needs --reason TEXT, so the team knows why");
	/*
	 * The hash of the brief this clone shows: the ledger refuses the decision
	 * (75) when the brief on the tip it is written to differs, so a decision
	 * is never recorded against a brief the owner did not see.
	 */
	rc = brief_state_hash(rel->st, hash);
	if (rc != 0)
		return error_set(&ctx->err, EXIT_SOFTWARE, "cannot hash the brief");
	fields = cJSON_CreateObject();
	cJSON_AddStringToObject(fields, "decision", decision);
	cJSON_AddStringToObject(fields, "reason", args_value(&ctx->args, "reason"));
	cJSON_AddStringToObject(fields, "brief_hash", hash);
	if (args_flag(&ctx->args, "force"))
		cJSON_AddTrueToObject(fields, "forced");
	rc = cmd_record(ctx, "decide", NULL, fields);
	if (rc == 0 && strcmp(decision, "delay") == 0)
		fprintf(ctx->out, "next: the reopened steps are ready again; 'relctl next' shows them\n");
	else if (rc == 0 && strcmp(decision, "ship") == 0)
		fprintf(ctx->out, "next: the publishing phase is open; 'relctl next' shows who does what\n");
	cJSON_Delete(fields);
	return rc;
}

const struct cmd_entry cmd_decide_entry = {
	.name = "decide",
	.usage = "ship|delay|abort --reason TEXT [--force] [--release VERSION]",
	.summary = "decide the release (product owner)",
	.help = "ship finishes the decision step and opens the next phase.  delay starts the\n"
		"next release candidate: the decision step's on_delay steps start again, with\n"
		"their earlier record kept.  abort closes the release.  Refused while a\n"
		"required input is missing, unless --force (which the ledger records).\n"
		"The decision records the hash of the brief this clone shows; when the team's\n"
		"ledger changed the brief meanwhile, it is refused (75): read 'relctl brief'\n"
		"again, then decide.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = decide_exec,
};

/* relctl finding add TITLE --severity S [--step STEP] [--evidence URL]...: record a finding. */
#include <stdio.h>

#include "buf.h"
#include "cJSON.h"
#include "event.h"
#include "relctl.h"
#include "session.h"
#include "util.h"

static const struct option_spec options[] = {
	{ "severity", OPT_VALUE, "blocker|major|minor", "how bad it is (required)" },
	{ "step", OPT_VALUE, "STEP", "the step that found it" },
	{ "evidence", OPT_MULTI, "URL", "a link (video, log, screenshot); repeatable" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

/*
 * Who adds what next, naming only the roles the release's playbook has
 * people for: the ledger takes estimate and risk from "dev" and impact
 * from "support" only.
 */
static void print_next(struct cmd_ctx *ctx, const char *id)
{
	struct release rel;
	struct error ignored;
	struct buf next, people;

	if (session_load_release(ctx->session, cmd_release_arg(ctx), &rel, &ignored) != 0) {
		release_close(&rel);
		return;
	}
	buf_init(&next);
	buf_init(&people);
	if (playbook_role_people(rel.pb, "dev", NULL, &people) > 0)
		buf_addf(&next, "a dev (%s) adds 'relctl finding update %s --estimate 4h --risk low'", people.data, id);
	buf_reset(&people);
	if (playbook_role_people(rel.pb, "support", NULL, &people) > 0)
		buf_addf(&next, "%sa support (%s) adds --impact TEXT", next.len ? "; " : "", people.data);
	if (next.len)
		fprintf(ctx->out, "next: %s\n", next.data);
	buf_release(&people);
	buf_release(&next);
	release_close(&rel);
}

static int finding_add_exec(struct cmd_ctx *ctx)
{
	struct event ev = { .op = "finding-add",
			    .title = ctx->args.positionals[0],
			    .severity = args_value(&ctx->args, "severity"),
			    .finding_step = args_value(&ctx->args, "step") };
	cJSON *evidence;
	char id[16];
	int rc;

	if (args_value(&ctx->args, "severity") == NULL)
		return error_set(&ctx->err, EXIT_USAGE, "a finding needs --severity blocker|major|minor");
	if (cmd_new_finding_id(ctx, id) != 0)
		return -1;
	ev.finding = id;
	ev.evidence = evidence = cmd_evidence(ctx);
	if (evidence == NULL)
		return -1;
	rc = cmd_record(ctx, &ev);
	if (rc == 0)
		print_next(ctx, id);
	cJSON_Delete(evidence);
	return rc;
}

const struct cmd_entry cmd_finding_add_entry = {
	.name = "finding add",
	.usage = "TITLE --severity blocker|major|minor [--step STEP] [--evidence URL]...",
	.summary = "record something testing found",
	.help = "Anyone can record a finding.  Devs then add a fix estimate and risk, support\n"
		"the customer impact, and the product owner sees all of it in 'relctl brief'.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = finding_add_exec,
};

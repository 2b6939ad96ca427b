/* relctl finding add TITLE --severity S [--step STEP] [--evidence URL]...: record a finding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cJSON.h"
#include "event.h"
#include "relctl.h"
#include "session.h"
#include "util.h"

static const struct option_spec options[] = {
	{ "severity", OPT_VALUE, "SEVERITY", "how bad it is (required): one of the playbook's severities" },
	{ "step", OPT_VALUE, "STEP", "the step that found it" },
	{ "evidence", OPT_MULTI, "URL", "a link (video, log, screenshot); repeatable" },
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

/* "a dev (alex, kim)" for each role of roles someone has, joined by " or "; how many people. */
static size_t add_role_holders(struct buf *out, const struct playbook *pb, const struct strlist *roles)
{
	struct buf people;
	size_t i, total = 0, n;

	buf_init(&people);
	for (i = 0; i < roles->count; i++) {
		buf_reset(&people);
		n = playbook_role_people(pb, roles->items[i], NULL, &people);
		if (n > 0)
			buf_addf(out, "%s%s %s (%s)", total ? " or " : "", strchr("aeiou", roles->items[i][0]) ? "an" : "a",
				 roles->items[i], people.data);
		total += n;
	}
	buf_release(&people);
	return total;
}

/*
 * Who adds what next, naming only the roles the release's playbook has
 * people for: its findings' estimate_by roles give estimate and risk, its
 * impact_by roles the impact.
 */
static void print_next(struct cmd_ctx *ctx, const struct playbook *pb, const char *id)
{
	struct buf estimate, impact;

	buf_init(&estimate);
	buf_init(&impact);
	if (add_role_holders(&estimate, pb, &pb->findings.estimate_by) > 0)
		buf_addf(&estimate, " adds 'relctl finding update %s --estimate 4h --risk low'", id);
	if (add_role_holders(&impact, pb, &pb->findings.impact_by) > 0)
		buf_adds(&impact, " adds --impact TEXT");
	if (estimate.len || impact.len)
		fprintf(ctx->out, "next: %s%s%s\n", estimate.data, estimate.len && impact.len ? "; " : "", impact.data);
	buf_release(&impact);
	buf_release(&estimate);
}

static int finding_add_exec(struct cmd_ctx *ctx)
{
	const char *severity = args_value(&ctx->args, "severity");
	struct event ev = { .op = "finding-add",
			    .title = ctx->args.positionals[0],
			    .severity = severity,
			    .finding_step = args_value(&ctx->args, "step") };
	struct release rel;
	cJSON *evidence;
	char id[16];
	int rc;

	if (session_load_release(ctx->session, cmd_release_arg(ctx), &rel, &ctx->err) != 0) {
		release_close(&rel);
		return -1;
	}
	if (severity == NULL) {
		char *listed = strlist_join(&rel.pb->findings.severities, "|", "|");

		rc = error_set(&ctx->err, EXIT_USAGE, "a finding needs --severity %s", listed);
		free(listed);
		release_close(&rel);
		return rc;
	}
	if (finding_severity_check(rel.pb, severity, &ctx->err) != 0 || cmd_new_finding_id(ctx, id) != 0) {
		release_close(&rel);
		return -1;
	}
	ev.finding = id;
	ev.evidence = evidence = cmd_evidence(ctx);
	if (evidence == NULL) {
		release_close(&rel);
		return -1;
	}
	rc = cmd_record(ctx, &ev);
	if (rc == 0)
		print_next(ctx, rel.pb, id);
	cJSON_Delete(evidence);
	release_close(&rel);
	return rc;
}

const struct cmd_entry cmd_finding_add_entry = {
	.name = "finding add",
	.usage = "TITLE --severity SEVERITY [--step STEP] [--evidence URL]...",
	.summary = "record something testing found",
	.help = "Anyone can record a finding, with one of the playbook's severities (findings:\n"
		"severities; blocker, major or minor by default).  The playbook's estimate_by\n"
		"roles then add a fix estimate and risk, its impact_by roles the impact, and\n"
		"the decision's owner sees all of it in 'relctl brief'.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = finding_add_exec,
};

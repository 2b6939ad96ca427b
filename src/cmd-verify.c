/* relctl verify [--json]: replay the whole ledger history and check every event and commit. */
#include <stdbool.h>

#include "cJSON.h"
#include "relctl.h"
#include "verify.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_JSON,
	OPTION_END,
};

static int verify_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	cJSON *report = NULL;
	int rc;

	cmd_note_freshness(ctx, s);
	rc = session_verify(s, &report, &ctx->err);
	if (report && args_flag(&ctx->args, "json")) {
		cmd_print_json(ctx, report);
	} else if (report) {
		const cJSON *p;
		int releases = cJSON_GetObjectItemCaseSensitive(report, "releases")->valueint;

		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(report, "incidents"))
		{
			const char *event = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "event"));
			bool restored = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "restored"));

			fprintf(ctx->out, "%scommit %.12s%s%s%s by %s at %s: %s\n", color(ctx, restored ? C_YELLOW : C_RED),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "commit")), event ? ", event " : "",
				event ? event : "", color(ctx, C_RESET),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "author")),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "time")),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "problem")));
			if (restored)
				fprintf(ctx->out, "  restored by %s at %s (commit %.12s)\n",
					cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "restored_by")),
					cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "restored_at")),
					cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(p, "restore_commit")));
			else
				fprintf(ctx->out, "  not restored: a release manager can run 'relctl sync --restore'\n");
		}
		if (rc == 0)
			fprintf(ctx->out, "ledger verified: %d commits, %d events in %d release%s; every event was allowed for its actor and committed by them%s\n",
				cJSON_GetObjectItemCaseSensitive(report, "commits")->valueint,
				cJSON_GetObjectItemCaseSensitive(report, "events")->valueint, releases,
				releases == 1 ? "" : "s",
				cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, "incidents")) ? "; every refused commit above was restored" : "");
		{
			const cJSON *who;
			int signed_total = 0;

			cJSON_ArrayForEach(who, cJSON_GetObjectItemCaseSensitive(report, "signers"))
				signed_total += cJSON_GetObjectItemCaseSensitive(who, "signed")->valueint;
			if (signed_total == 0)
				fprintf(ctx->out, "signed commits: none\n");
			else
				cJSON_ArrayForEach(who, cJSON_GetObjectItemCaseSensitive(report, "signers"))
				{
					int n = cJSON_GetObjectItemCaseSensitive(who, "signed")->valueint;

					fprintf(ctx->out, "signed by %s: %d of %d commits\n", who->string, n,
						n + cJSON_GetObjectItemCaseSensitive(who, "unsigned")->valueint);
				}
		}
		{
			const char *root = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(report, "root"));

			if (root)
				fprintf(ctx->out, "root commit: %s (pin it with 'git config relctl.root %s')\n", root, root);
			else
				fprintf(ctx->out, "root commit: none: the first commit was refused, so this history has no root to pin\n");
		}
	}
	cJSON_Delete(report);
	return rc;
}

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.usage = "[--json]",
	.summary = "replay the whole ledger history and check every event and commit",
	.help = "Checks every commit from the first as sync checks what it fetches: each must\n"
		"append one event and change nothing earlier; each event must have been allowed\n"
		"for its actor under the release's pinned playbook; each commit's author must be\n"
		"the event's actor; every stored view must equal the replay; the playbook is\n"
		"changed only by a release manager.  A refused commit stays on record for ever,\n"
		"marked restored once 'relctl sync --restore' brought the ledger back.  Exits 0\n"
		"when every refused commit was restored, 65 naming the first one otherwise.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION | CMD_PROGRESS,
	.exec = verify_exec,
};

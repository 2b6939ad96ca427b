/* relctl verify [--json]: replay the whole ledger history and check every event and commit. */
#include "cJSON.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_JSON,
	OPTION_END,
};

static int verify_exec(struct cmd_ctx *ctx)
{
	struct session s;
	cJSON *report = NULL;
	int rc;

	if (session_open(&s, &ctx->err) != 0)
		return -1;
	cmd_note_freshness(ctx, &s);
	rc = session_verify(&s, &report, &ctx->err);
	if (report && args_flag(&ctx->args, "json")) {
		cmd_print_json(ctx, report);
	} else if (report) {
		const cJSON *p;

		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(report, "problems"))
		{
			const cJSON *event = cJSON_GetObjectItemCaseSensitive(p, "event");

			fprintf(ctx->out, "%scommit %.12s%s%s%s: %s\n", color(ctx, C_RED),
				cJSON_GetObjectItemCaseSensitive(p, "commit")->valuestring,
				cJSON_IsString(event) ? ", event " : "", cJSON_IsString(event) ? event->valuestring : "",
				color(ctx, C_RESET), cJSON_GetObjectItemCaseSensitive(p, "problem")->valuestring);
		}
		if (rc == 0)
		{
			int releases = cJSON_GetObjectItemCaseSensitive(report, "releases")->valueint;

			fprintf(ctx->out, "ledger verified: %d commits, %d events in %d release%s; every event was allowed for its actor and signed by them\n",
				cJSON_GetObjectItemCaseSensitive(report, "commits")->valueint,
				cJSON_GetObjectItemCaseSensitive(report, "events")->valueint, releases,
				releases == 1 ? "" : "s");
		}
	}
	cJSON_Delete(report);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_verify_entry = {
	.name = "verify",
	.usage = "[--json]",
	.summary = "replay the whole ledger history and check every event and commit",
	.help = "Each commit must append one event and change nothing earlier; each event must\n"
		"have been allowed for its actor under the release's pinned playbook; each\n"
		"commit's author must be the event's actor; every stored view must equal the\n"
		"replay.  Exits 0 when all holds, 65 naming the first broken commit otherwise.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.exec = verify_exec,
};

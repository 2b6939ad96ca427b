/* relctl releases [--json]: every release of the ledger and its status. */
#include "cJSON.h"
#include "playbook.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_JSON,
	OPTION_END,
};

static int releases_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	cJSON *list, *item;

	cmd_note_freshness(ctx, s);
	list = session_releases(s, &ctx->err);
	if (list == NULL)
		return -1;
	if (args_flag(&ctx->args, "json")) {
		cmd_print_json(ctx, list);
	} else if (cJSON_GetArraySize(list) == 0) {
		fprintf(ctx->out, "no releases yet; 'relctl start VERSION' begins one\n");
	} else {
		/* The candidates in the words of the playbook in force ("rc2", "build 2"). */
		struct playbook *pb = session_current_playbook(s, &ctx->err);

		if (pb == NULL) {
			cJSON_Delete(list);
			return -1;
		}
		cJSON_ArrayForEach(item, list)
		{
			const cJSON *status = cJSON_GetObjectItemCaseSensitive(item, "status");
			char candidate[48];

			fprintf(ctx->out, "%-16s %s%-9s%s %-5s started %s%s\n",
				cJSON_GetObjectItemCaseSensitive(item, "version")->valuestring,
				color(ctx, cJSON_IsString(status) && status->valuestring[0] == 'o' ? C_YELLOW : C_GREEN),
				cJSON_IsString(status) ? status->valuestring : "?", color(ctx, C_RESET),
				candidate_short(pb, cJSON_GetObjectItemCaseSensitive(item, "candidate")->valueint, candidate,
						sizeof(candidate)),
				cJSON_GetObjectItemCaseSensitive(item, "started")->valuestring,
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(item, "rehearsal")) ? "  REHEARSAL" : "");
		}
		playbook_free(pb);
	}
	cJSON_Delete(list);
	return 0;
}

const struct cmd_entry cmd_releases_entry = {
	.name = "releases",
	.usage = "[--json]",
	.summary = "every release of the ledger and its status",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION,
	.exec = releases_exec,
};

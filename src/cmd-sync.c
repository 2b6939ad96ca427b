/* relctl sync: exchange the ledger with the remote, replaying offline events. */
#include <stdlib.h>

#include "cJSON.h"
#include "notify.h"
#include "relctl.h"
#include "sync.h"
#include "session.h"
#include "store.h"

static const struct option_spec options[] = {
	{ "remote", OPT_VALUE, "NAME", "the remote (default: relctl.remote, else origin)" },
	{ "restore", OPT_FLAG, NULL, "(release manager) bring back the last good ledger plus every valid event after it" },
	OPTION_END,
};

static int sync_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	const char *remote = args_value(&ctx->args, "remote");
	size_t fetched = 0, pushed = 0;
	const cJSON *item;
	char *url = NULL;
	int rc = -1;

	if (remote || s->remote == NULL) {
		/* A fresh clone: the remote it came from, as git would. */
		const char *name = remote ? remote : "origin";

		url = store_remote_url(s->store, name, &ctx->err);
		if (url == NULL) {
			if (!remote)
				error_set(&ctx->err, EXIT_CONFIG, "no remote to sync with; 'relctl init --remote NAME' or 'git remote add origin URL'");
			goto out;
		}
		free(s->remote);
		s->remote = xstrdup(name);
		if (store_config_set(s->store, "relctl.remote", name, &ctx->err) != 0)
			goto out;
	}
	if (args_flag(&ctx->args, "restore")) {
		cJSON *restored = NULL;
		char *summary = NULL;

		rc = session_restore(s, &restored, &summary, &ctx->err);
		if (rc < 0)
			goto out;
		if (rc == 1)
			fprintf(ctx->out, "nothing to restore: every commit on %s is good\n", s->remote);
		else {
			fprintf(ctx->out, "%s%s%s\n", color(ctx, C_GREEN), summary, color(ctx, C_RESET));
			cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(restored, "dropped"))
			{
				const cJSON *ev = cJSON_GetObjectItemCaseSensitive(item, "event");
				const char *actor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "actor"));
				const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "op"));

				fprintf(ctx->out, "  dropped: %s %s (from commit %.12s): %s\n", actor ? actor : "?", op ? op : "?",
					cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "commit")),
					cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "reason")));
			}
			fprintf(ctx->out, "next: teammates run 'relctl sync'; 'relctl verify' keeps the incident on record\n");
		}
		free(summary);
		cJSON_Delete(restored);
	}
	rc = session_sync(s, &fetched, &pushed, &ctx->err);
	if (rc != 0)
		goto out;
	fprintf(ctx->out, "ledger in sync with %s: %zu event%s received, %zu sent\n", s->remote, fetched,
		fetched == 1 ? "" : "s", pushed);
	cmd_notify(ctx, s);
	if (s->rejected) {
		cJSON_ArrayForEach(item, s->rejected)
		{
			const cJSON *ev = cJSON_GetObjectItemCaseSensitive(item, "event");
			const cJSON *step = cJSON_GetObjectItemCaseSensitive(ev, "step");

			fprintf(stderr, "relctl: your offline event was not applied: %s %s %s at %s: %s (kept as refs/relctl/rejected/%s)\n",
				cJSON_GetObjectItemCaseSensitive(ev, "actor")->valuestring,
				cJSON_GetObjectItemCaseSensitive(ev, "op")->valuestring,
				cJSON_IsString(step) ? step->valuestring : "",
				cJSON_GetObjectItemCaseSensitive(ev, "time")->valuestring,
				cJSON_GetObjectItemCaseSensitive(item, "reason")->valuestring,
				cJSON_GetObjectItemCaseSensitive(ev, "id")->valuestring);
		}
		rc = error_set(&ctx->err, EXIT_TEMPFAIL, "%d offline event%s could not be applied on the remote; see above, then redo what still matters",
			       cJSON_GetArraySize(s->rejected), cJSON_GetArraySize(s->rejected) == 1 ? "" : "s");
	}
out:
	free(url);
	return rc;
}

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.usage = "[--remote NAME] [--restore]",
	.summary = "exchange the ledger with the remote",
	.help = "Fetches the remote's ledger branch, replays events you recorded with --offline\n"
		"on top of it (each re-checked: one that is no longer allowed is reported and\n"
		"kept under refs/relctl/rejected/), pushes, and fast-forwards your branch.\n"
		"A fresh clone picks up the team's ledger with 'relctl sync', no init needed.\n"
		"Every fetched commit is checked as 'relctl verify' checks it; one that is\n"
		"refused (a ledger edited by hand) is not taken (65) and your ledger stays as\n"
		"it was.  --restore (a release manager) then writes one commit on the remote\n"
		"that brings back the last good state with every valid event after it, or\n"
		"pushes the accepted ledger back when the remote's branch was deleted.\n"
		"Credentials are git's: ssh through the agent, git config relctl.sshKey or\n"
		"~/.ssh/id_*; https through 'git credential' helpers and http.sslCAInfo.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION | CMD_PROGRESS,
	.exec = sync_exec,
};

/* relctl sync: exchange the ledger with the remote, replaying offline events. */
#include <stdlib.h>

#include "cJSON.h"
#include "relctl.h"
#include "session.h"
#include "store.h"

static const struct option_spec options[] = {
	{ "remote", OPT_VALUE, "NAME", "the remote (default: relctl.remote, else origin)" },
	OPTION_END,
};

static int sync_exec(struct cmd_ctx *ctx)
{
	struct session s;
	const char *remote = args_value(&ctx->args, "remote");
	size_t fetched = 0, pushed = 0;
	const cJSON *item;
	char *url = NULL;
	int rc = -1;

	if (session_open(&s, &ctx->err) != 0)
		return -1;
	if (remote || s.remote == NULL) {
		/* A fresh clone: the remote it came from, as git would. */
		const char *name = remote ? remote : "origin";

		url = store_remote_url(s.store, name, &ctx->err);
		if (url == NULL) {
			if (!remote)
				error_set(&ctx->err, EXIT_CONFIG, "no remote to sync with; 'relctl init --remote NAME' or 'git remote add origin URL'");
			goto out;
		}
		free(s.remote);
		s.remote = xstrdup(name);
		if (store_config_set(s.store, "relctl.remote", name, &ctx->err) != 0)
			goto out;
	}
	rc = session_sync(&s, &fetched, &pushed, &ctx->err);
	if (rc != 0)
		goto out;
	fprintf(ctx->out, "ledger in sync with %s: %zu event%s received, %zu sent\n", s.remote, fetched,
		fetched == 1 ? "" : "s", pushed);
	if (s.rejected) {
		cJSON_ArrayForEach(item, s.rejected)
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
			       cJSON_GetArraySize(s.rejected), cJSON_GetArraySize(s.rejected) == 1 ? "" : "s");
	}
out:
	free(url);
	session_close(&s);
	return rc;
}

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.usage = "[--remote NAME]",
	.summary = "exchange the ledger with the remote",
	.help = "Fetches the remote's ledger branch, replays events you recorded with --offline\n"
		"on top of it (each re-checked: one that is no longer allowed is reported and\n"
		"kept under refs/relctl/rejected/), pushes, and fast-forwards your branch.\n"
		"A fresh clone picks up the team's ledger with 'relctl sync', no init needed.\n"
		"Credentials are git's: ssh through the agent, git config relctl.sshKey or\n"
		"~/.ssh/id_*; https through 'git credential' helpers and http.sslCAInfo.",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.exec = sync_exec,
};

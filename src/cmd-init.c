/* relctl init: set up the ledger branch in this repository. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "mutate.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	{ "playbook", OPT_VALUE, "FILE", "the playbook new releases use" },
	{ "remote", OPT_VALUE, "NAME", "the git remote to share the ledger through" },
	{ "branch", OPT_VALUE, "NAME", "the ledger branch (default " DEFAULT_BRANCH ")" },
	OPTION_END,
};

static int init_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	const char *remote = args_value(&ctx->args, "remote");
	int rc;

	if (remote == NULL) {
		/* Share through origin when the repository has one, as a clone does. */
		char *url = store_remote_url(s->store, "origin", &ctx->err);

		if (url)
			remote = "origin";
		free(url);
		error_clear(&ctx->err);
	} else {
		char *url = store_remote_url(s->store, remote, &ctx->err);

		if (url == NULL) {
			return -1;
		}
		free(url);
	}
	/* A first init with nothing to start from: say where a playbook comes from. */
	if (args_value(&ctx->args, "playbook") == NULL && remote == NULL && args_value(&ctx->args, "branch") == NULL) {
		char tip[OID_HEX];

		if (session_tip(s, tip, &ctx->err) == 1) {
			return error_set(&ctx->err, EXIT_USAGE,
					 "there is no ledger here yet and no remote to get one from; start from a playbook: "
					 "'relctl playbook new > playbook.yaml' (or --from library|tinypilot), edit it, then "
					 "'relctl init --playbook playbook.yaml'");
		}
		error_clear(&ctx->err);
	}
	if (remote && (s->remote == NULL || strcmp(s->remote, remote) != 0)) {
		free(s->remote);
		s->remote = xstrdup(remote);
	}
	rc = session_init(s, args_value(&ctx->args, "playbook"), args_value(&ctx->args, "branch"), &ctx->err);
	if (rc == 0 && remote)
		rc = store_config_set(s->store, "relctl.remote", remote, &ctx->err);
	if (rc == 0) {
		fprintf(ctx->out, "relctl ledger ready on branch %s", s->branch);
		if (remote)
			fprintf(ctx->out, ", shared through %s", remote);
		fprintf(ctx->out, "\nnext: 'relctl start VERSION' begins a release; 'git log %s' is its audit trail\n",
			s->branch);
		if (args_value(&ctx->args, "playbook")) {
			char root[OID_HEX];

			/* The root of trust: teammates compare it once and pin it. */
			if (session_tip(s, root, &ctx->err) == 0)
				fprintf(ctx->out, "root commit: %s; teammates pin it with 'git config relctl.root %s'\n", root,
					root);
			error_clear(&ctx->err);
		}
	}
	return rc;
}

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.usage = "[--playbook FILE] [--remote NAME] [--branch NAME]",
	.summary = "set up the ledger branch in this repository",
	.help = "Works in any git repository, even one without commits.  The ledger lives on\n"
		"its own branch; your HEAD, index and working tree are never touched.  The\n"
		"settings are kept in git config as relctl.branch and relctl.remote.\n"
		"Without --playbook it picks up the team's ledger from the remote; the first\n"
		"init of a team needs a playbook: 'relctl playbook new > playbook.yaml' writes one.",
	.options = options,
	.max_args = 0,
	.needs = CMD_SESSION,
	.exec = init_exec,
};

/* relctl claim STEP [--release VERSION]: take a step: you will do it. */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "delegation.h"
#include "event.h"
#include "relctl.h"
#include "session.h"
#include "util.h"

static const struct option_spec options[] = {
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

/*
 * Outside the step's role, a step with shadow_grants may be claimed by
 * someone who shadowed it to its finish: the claim names the release
 * (the newest) where they did, and the ledger checks it there.
 */
static char *granted_by_shadowing(struct cmd_ctx *ctx, const char *step_id)
{
	struct session *s = ctx->session;
	struct release rel;
	struct release_summary **all = NULL;
	const struct pb_person *me;
	const struct pb_step *step;
	struct error ignored;
	size_t count = 0;
	const char *in;
	char *found = NULL;

	if (session_load_release(s, cmd_release_arg(ctx), &rel, &ignored) != 0)
		goto out;
	step = playbook_step(rel.pb, step_id);
	me = session_identity(s, rel.pb, &ignored);
	if (step == NULL || !step->shadow_grants || me == NULL || person_has_role(me, step->owner) ||
	    session_summaries(s, 0, false, &all, &count, &ignored) != 0)
		goto out;
	in = delegation_shadowed_in((const struct release_summary *const *)all, count, step->id, me->id);
	if (in)
		found = xstrdup(in);
out:
	summaries_free(all, count);
	release_close(&rel);
	return found;
}

static int claim_exec(struct cmd_ctx *ctx)
{
	char *granted = granted_by_shadowing(ctx, ctx->args.positionals[0]);
	struct event ev = { .op = "claim", .step = ctx->args.positionals[0], .shadowed_in = granted };
	int rc = cmd_record(ctx, &ev);

	if (rc == 0 && granted)
		fprintf(ctx->out, "granted by the playbook: you shadowed it in %s\n", granted);
	free(granted);
	return rc;
}

const struct cmd_entry cmd_claim_entry = {
	.name = "claim",
	.usage = "STEP [--release VERSION]",
	.summary = "take a step: you will do it",
	.help = "Only a person with the step's owner role can claim it, and only once its phase\nhas started and the steps it needs are done.  If someone else holds it, the\nerror names them.  A step with 'shadow_grants: true' may also be claimed by\nsomeone who shadowed it to its finish in an earlier release.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = claim_exec,
};

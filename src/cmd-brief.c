/* relctl brief [VERSION] [--step STEP] [--json] [--format md]: what a decision step's owner decides from. */
#include <stdlib.h>
#include <string.h>

#include "brief.h"
#include "cJSON.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_JSON,
	{ "format", OPT_VALUE, "text|md|json", "md: markdown to paste into a chat or an issue" },
	OPTION_GATE,
	OPTION_RELEASE,
	OPTION_END,
};

static int brief_exec(struct cmd_ctx *ctx)
{
	const char *format;
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	const struct pb_step *gate = NULL;
	const char *named;
	cJSON *brief;
	char hash[65];

	if (cmd_format(ctx, &format) != 0)
		return -1;
	/* A playbook without a decision step has a brief that says so. */
	if ((ledger_gate_count(rel->pb) > 0 || args_value(&ctx->args, "step")) && cmd_gate(ctx, &gate, &named) != 0)
		return -1;
	cmd_note_freshness(ctx, s);
	brief = brief_build(rel->st, gate);
	if (brief_hash(brief, hash) != 0) {
		hash[0] = '\0';
	} else {
		/* What the reader saw: their decision records it (cmd-decide.c). */
		const struct pb_person *me = session_identity(s, rel->pb, &ctx->err);

		if (me) {
			char *key = cmd_brief_key(ctx, gate);

			session_note_brief_read(s, me->id, key, hash);
			free(key);
		}
		error_clear(&ctx->err);
	}
	if (strcmp(format, "json") == 0) {
		cJSON_AddStringToObject(brief, "hash", hash);
		cmd_print_json(ctx, brief);
	} else {
		char *md = brief_markdown(brief, rel->pb);

		fputs(md, ctx->out);
		fprintf(ctx->out, "\n_brief %.12s, from the ledger of %s_\n", hash, rel->st->version);
		free(md);
	}
	cJSON_Delete(brief);
	return 0;
}

const struct cmd_entry cmd_brief_entry = {
	.name = "brief",
	.usage = "[VERSION] [--step STEP] [--json] [--format text|md|json]",
	.summary = "the decision brief for the decision step's owner",
	.help = "Testing results with evidence and reviews, findings with their estimates and\n"
		"impact (from the playbook's findings roles), each team's input (and which are\n"
		"missing), and what shipping now or delaying would mean.  The decision records\n"
		"the brief's hash.  Each decision step (gate) has its own brief: while\n"
		"several are open, name one with --step STEP.",
	.options = options,
	.min_args = 0,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = brief_exec,
};

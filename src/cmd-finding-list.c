/* relctl finding list [--json]: the release's findings, open ones first. */
#include "cJSON.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_JSON,
	OPTION_RELEASE,
	OPTION_END,
};

static const char *text(const cJSON *o, const char *key, const char *fallback)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : fallback;
}

static int finding_list_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	const cJSON *list, *f;

	cmd_note_freshness(ctx, s);
	list = cJSON_GetObjectItemCaseSensitive(rel->doc, "findings");
	if (args_flag(&ctx->args, "json")) {
		cmd_print_json(ctx, list);
	} else if (cJSON_GetArraySize(list) == 0) {
		fprintf(ctx->out, "no findings for %s; 'relctl finding add TITLE --severity S' records one\n",
			rel->st->version);
	} else {
		cJSON_ArrayForEach(f, list)
		{
			bool closed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "closed"));
			const cJSON *number = cJSON_GetObjectItemCaseSensitive(f, "candidate");
			char candidate[48];

			candidate_short(rel->pb, cJSON_IsNumber(number) ? number->valueint : 1, candidate, sizeof(candidate));
			fprintf(ctx->out, "%-9s %s%-7s%s %-6s %s\n          estimate %s, risk %s, impact: %s; by %s in %s",
				text(f, "id", "?"), color(ctx, closed ? C_DIM : C_RED), text(f, "severity", "?"),
				color(ctx, C_RESET), closed ? "closed" : "open", cmd_line(ctx, text(f, "title", "")),
				text(f, "estimate", "not given"), text(f, "risk", "not given"),
				cmd_line(ctx, text(f, "impact", "not given")), text(f, "by", "?"), candidate);
			/* A fail of a checklist item opened it: say which. */
			if (text(f, "item", NULL))
				fprintf(ctx->out, ", from item %s of %s", text(f, "item", ""), text(f, "step", "?"));
			fprintf(ctx->out, "\n");
		}
	}
	return 0;
}

const struct cmd_entry cmd_finding_list_entry = {
	.name = "finding list",
	.usage = "[--json] [--release VERSION]",
	.summary = "the release's findings",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_RELEASE,
	.exec = finding_list_exec,
};

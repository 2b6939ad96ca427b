/* relctl log [VERSION] [--json]: a release's audit trail, event by event. */
#include <string.h>

#include "cJSON.h"
#include "json.h"
#include "provenance.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	OPTION_JSON,
	OPTION_RELEASE,
	OPTION_END,
};

static int log_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	const cJSON *events = cJSON_GetObjectItemCaseSensitive(rel->doc, "events"), *ev;
	cJSON *signed_by = provenance_events(s, events, &ctx->err);

	if (signed_by == NULL)
		return -1;
	cmd_note_freshness(ctx, s);
	if (args_flag(&ctx->args, "json")) {
		/* Each event as recorded, with who signed the commit that recorded it. */
		cJSON *out = cJSON_Duplicate(events, 1);

		provenance_annotate(signed_by, out);
		cmd_print_json(ctx, out);
		cJSON_Delete(out);
	} else {
		fprintf(ctx->out, "%s%s %s%s: %d events\n", color(ctx, C_BOLD), rel->pb->name, rel->st->version,
			color(ctx, C_RESET), cJSON_GetArraySize(events));
		cJSON_ArrayForEach(ev, events)
		{
			const char *step = json_string(ev, "step"), *person = json_string(ev, "person");
			const char *verdict = json_string(ev, "verdict"), *note = json_string(ev, "note");
			const char *reason = json_string(ev, "reason");
			const cJSON *cand = cJSON_GetObjectItemCaseSensitive(ev, "candidate"), *item;

			char candidate[48];

			fprintf(ctx->out, "%s  %s%s%s  %-10s %-8s %s%s%s%s%s", json_string(ev, "time"), color(ctx, C_DIM),
				candidate_short(rel->pb, cJSON_IsNumber(cand) ? cand->valueint : 1, candidate, sizeof(candidate)),
				color(ctx, C_RESET), json_string(ev, "actor"),
				json_string(ev, "op"), step ? step : "", person ? " -> " : "", person ? person : "",
				verdict ? " " : "", verdict ? verdict : "");
			if (json_string(ev, "item"))
				fprintf(ctx->out, " %s%s%s", json_string(ev, "item"), json_string(ev, "result") ? " " : "",
					json_string(ev, "result") ? json_string(ev, "result") : "");
			if (json_string(ev, "role"))
				fprintf(ctx->out, " %s", json_string(ev, "role"));
			if (json_string(ev, "decision"))
				fprintf(ctx->out, " %s%s", json_string(ev, "decision"),
					cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "forced")) ? " (forced)" : "");
			if (note || reason)
				fprintf(ctx->out, "  \"%s\"", cmd_line(ctx, note ? note : reason));
			/* What a finding, an input or a decision was: its id, severity, title, role, verdict. */
			if (json_string(ev, "finding"))
				fprintf(ctx->out, " %s", json_string(ev, "finding"));
			if (json_string(ev, "severity"))
				fprintf(ctx->out, " %s", json_string(ev, "severity"));
			if (json_string(ev, "title"))
				fprintf(ctx->out, "  \"%s\"", cmd_line(ctx, json_string(ev, "title")));
			cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(ev, "evidence"))
				if (cJSON_IsString(item))
					fprintf(ctx->out, "  %s", cmd_line(ctx, item->valuestring));
			fprintf(ctx->out, "  %s[%s]%s\n", color(ctx, C_DIM), provenance_mark(signed_by, json_string(ev, "id")),
				color(ctx, C_RESET));
		}
	}
	cJSON_Delete(signed_by);
	return 0;
}

const struct cmd_entry cmd_log_entry = {
	.name = "log",
	.usage = "[VERSION] [--json]",
	.summary = "a release's audit trail, event by event",
	.help = "The same events are in 'git log " DEFAULT_BRANCH "', one commit each.",
	.options = options,
	.min_args = 0,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = log_exec,
};

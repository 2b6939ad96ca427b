/* What the step commands share: recording one event and saying what happened. */
#include <stdlib.h>

#include "cJSON.h"
#include "relctl.h"
#include "session.h"

int cmd_record(struct cmd_ctx *ctx, const char *op, const char *step, struct cJSON *fields)
{
	struct session s;
	struct mutation m = { cmd_release_arg(ctx), op, step, fields };
	char *summary = NULL;
	int rc;

	if (session_open(&s, &ctx->err) != 0)
		return -1;
	rc = session_mutate(&s, &m, &summary, &ctx->err);
	if (rc == 0)
		fprintf(ctx->out, "%s%s%s\n", color(ctx, C_GREEN), summary, color(ctx, C_RESET));
	free(summary);
	session_close(&s);
	return rc;
}

void cmd_print_json(struct cmd_ctx *ctx, const struct cJSON *json)
{
	char *text = cJSON_Print(json);

	fprintf(ctx->out, "%s\n", text);
	free(text);
}

const char *cmd_release_arg(const struct cmd_ctx *ctx)
{
	const char *v = args_value(&ctx->args, "release");

	return v;
}

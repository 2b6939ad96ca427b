/* What the step commands share: recording one event and saying what happened. */
#include <stdlib.h>
#include <string.h>

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
	s.offline = args_flag(&ctx->args, "offline");
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

int cmd_load_release(struct cmd_ctx *ctx, struct session *s, struct release *rel)
{
	const char *version = cmd_release_arg(ctx);

	/* Read commands take the version as their positional argument. */
	if (version == NULL && ctx->args.positional_count > 0 && ctx->entry->max_args == 1 &&
	    ctx->entry->min_args == 0)
		version = ctx->args.positionals[0];
	memset(rel, 0, sizeof(*rel));
	if (session_open(s, &ctx->err) != 0)
		return -1;
	if (session_load_release(s, version, rel, &ctx->err) != 0 && version == NULL &&
	    ctx->err.code == EXIT_NOINPUT) {
		/* Nothing open: reading commands show the latest release. */
		cJSON *list = session_releases(s, &ctx->err);
		const cJSON *latest = cJSON_GetArrayItem(list, 0);

		if (latest) {
			error_clear(&ctx->err);
			release_close(rel);
			session_load_release(s, cJSON_GetObjectItemCaseSensitive(latest, "version")->valuestring, rel,
					     &ctx->err);
		}
		cJSON_Delete(list);
	}
	if (ctx->err.code != 0) {
		release_close(rel);
		session_close(s);
		return -1;
	}
	return 0;
}

const char *cmd_state_color(const struct cmd_ctx *ctx, int state)
{
	static const char *const colors[] = {
		[STATE_PENDING] = C_DIM,      [STATE_READY] = C_CYAN,    [STATE_CLAIMED] = C_YELLOW,
		[STATE_BLOCKED] = C_RED,      [STATE_IN_REVIEW] = C_MAGENTA, [STATE_DONE] = C_GREEN,
		[STATE_SKIPPED] = C_DIM,      [STATE_WAITING] = C_BLUE,
	};

	return color(ctx, colors[state]);
}

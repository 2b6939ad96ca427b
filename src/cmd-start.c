/* relctl start VERSION [--set VAR=VALUE]...: begin a release (release manager). */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "event.h"
#include "ledger.h"
#include "mutate.h"
#include "notify.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	{ "set", OPT_MULTI, "VAR=VALUE", "set a playbook var for this release; repeatable" },
	{ "rehearsal", OPT_FLAG, NULL, "a practice release: hooks are dry runs, nothing is sent, stats keep it apart" },
	{ "target", OPT_VALUE, "TIME", "when the release should be done, e.g. 2024-03-21T17:00:00Z (forecast checks it)" },
	OPTION_OFFLINE,
	OPTION_END,
};

/* Types VALUE by the var's declared type; the ledger re-checks it. */
static int parse_set(struct cmd_ctx *ctx, const struct playbook *pb, const char *arg, cJSON *vars)
{
	const char *eq = strchr(arg, '=');
	char *name;
	const struct pb_var *var;
	char *end;
	int rc = 0;

	if (eq == NULL || eq == arg)
		return error_set(&ctx->err, EXIT_USAGE, "--set needs VAR=VALUE, not \"%s\"", arg);
	name = strndup(arg, (size_t)(eq - arg));
	var = playbook_var(pb, name);
	if (var == NULL)
		rc = error_set(&ctx->err, EXIT_USAGE, "the playbook has no var \"%s\"; 'relctl playbook show' lists them", name);
	else if (var->type == VAR_BOOL && strcmp(eq + 1, "true") && strcmp(eq + 1, "false"))
		rc = error_set(&ctx->err, EXIT_USAGE, "%s is a bool: use %s=true or %s=false", name, name, name);
	else if (var->type == VAR_BOOL)
		cJSON_AddBoolToObject(vars, name, strcmp(eq + 1, "true") == 0);
	else if (var->type == VAR_ENUM && !strlist_contains(&var->values, eq + 1)) {
		char *values = strlist_join(&var->values, ", ", " or ");

		rc = error_set(&ctx->err, EXIT_USAGE, "%s is one of %s, not \"%s\"", name, values, eq + 1);
		free(values);
	} else if (var->type == VAR_NUMBER) {
		double v = strtod(eq + 1, &end);

		if (eq[1] == '\0' || *end != '\0')
			rc = error_set(&ctx->err, EXIT_USAGE, "%s is a number, not \"%s\"", name, eq + 1);
		else
			cJSON_AddNumberToObject(vars, name, v);
	} else {
		cJSON *one = cJSON_CreateObject();
		char why[128];

		/* Held to the ledger's limits here, to name the --set rather than an event. */
		cJSON_AddStringToObject(one, name, eq + 1);
		if (ledger_field_fits("start", "vars", one, why, sizeof(why)) != 0)
			rc = error_set(&ctx->err, EXIT_USAGE, "--set %s: the value %s", name, why);
		else
			cJSON_AddStringToObject(vars, name, eq + 1);
		cJSON_Delete(one);
	}
	free(name);
	return rc;
}

static int start_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct playbook *pb;
	cJSON *vars = cJSON_CreateObject();
	struct event start = { .op = "start",
			       .rehearsal = args_flag(&ctx->args, "rehearsal"),
			       .target = args_value(&ctx->args, "target") };
	const char *const *sets;
	char *summary = NULL;
	size_t count, i;
	int rc = -1;

	pb = session_current_playbook(s, &ctx->err);
	if (pb == NULL)
		goto out;
	sets = args_multi(&ctx->args, "set", &count);
	for (i = 0; i < count; i++)
		if (parse_set(ctx, pb, sets[i], vars) != 0)
			goto out;
	/* The vars were checked one by one against the playbook. */
	if (cmd_check_event(ctx, &start) != 0)
		goto out;
	start.vars = vars;
	rc = session_start(s, ctx->args.positionals[0], &start, &summary, &ctx->err);
	if (rc == 0) {
		fprintf(ctx->out, "%s\n", summary);
		if (args_flag(&ctx->args, "rehearsal"))
			fprintf(ctx->out, "REHEARSAL: its hook steps are recorded as dry runs and nothing is sent or notified\n");
		fprintf(ctx->out, "next: 'relctl next' shows what to do first\n");
		cmd_notify(ctx, s);
	}
out:
	free(summary);
	playbook_free(pb);
	cJSON_Delete(vars);
	return rc;
}

const struct cmd_entry cmd_start_entry = {
	.name = "start",
	.usage = "VERSION [--set VAR=VALUE]... [--rehearsal] [--target TIME]",
	.summary = "start a release (release manager)",
	.help = "The release pins the current playbook: changing the playbook later affects\n"
		"new releases only.  Steps whose 'when' var is false are skipped at once.\n"
		"--rehearsal starts a practice run of the same playbook, for a newcomer to go\n"
		"through the whole process once: hook steps record the exact request as a dry\n"
		"run and send nothing, notifications are not sent, and stats keep it apart from\n"
		"real releases.  A rehearsal stays one.  --target sets when the release should\n"
		"be done; status, next and forecast say whether it holds.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = start_exec,
};

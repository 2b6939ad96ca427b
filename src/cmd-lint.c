/* relctl lint FILE...: report every problem of a playbook, with FILE:LINE:COL. */
#include <stdlib.h>

#include "buf.h"
#include "cJSON.h"
#include "file.h"
#include "playbook.h"
#include "relctl.h"

static const struct option_spec options[] = {
	{ "json", OPT_FLAG, NULL, "print the diagnostics as JSON" },
	{ "quiet", OPT_FLAG, NULL, "print errors only, no warnings or summary" },
	{ NULL, 0, NULL, NULL },
};

static void add_json(cJSON *arr, const struct diagnostics *d)
{
	size_t i;

	for (i = 0; i < d->count; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "file", d->file);
		cJSON_AddNumberToObject(o, "line", d->items[i].mark.line);
		cJSON_AddNumberToObject(o, "column", d->items[i].mark.column);
		cJSON_AddStringToObject(o, "severity", d->items[i].warning ? "warning" : "error");
		cJSON_AddStringToObject(o, "message", d->items[i].message);
		cJSON_AddItemToArray(arr, o);
	}
}

static int lint_exec(struct cmd_ctx *ctx)
{
	bool json = args_flag(&ctx->args, "json"), quiet = args_flag(&ctx->args, "quiet");
	cJSON *all = cJSON_CreateArray();
	size_t i, j, errors = 0, failed_files = 0;
	const char *first_failed = NULL;

	for (i = 0; i < ctx->args.positional_count; i++) {
		const char *path = ctx->args.positionals[i];
		struct diagnostics d;
		struct playbook *pb = NULL;
		struct buf text;
		struct error read_err = { 0, "" };

		buf_init(&text);
		diagnostics_init(&d, path);
		if (file_read(path, PLAYBOOK_MAX_BYTES, &text, &read_err) == 0)
			pb = playbook_parse(text.data, text.len, &d);
		if (read_err.code) {
			/* A missing file is a different failure from a bad one: keep its code. */
			buf_release(&text);
			diagnostics_release(&d);
			cJSON_Delete(all);
			return error_set(&ctx->err, read_err.code, "%s", read_err.message);
		}
		for (j = 0; j < d.count && !json; j++) {
			char *line;

			if (quiet && d.items[j].warning)
				continue;
			line = diagnostic_format(&d, &d.items[j]);
			fprintf(stderr, "%s\n", line);
			free(line);
		}
		add_json(all, &d);
		if (pb && !quiet && !json) {
			char extra[48] = "";

			if (d.warnings)
				snprintf(extra, sizeof(extra), ", %zu warning%s", d.warnings, d.warnings == 1 ? "" : "s");
			fprintf(ctx->out, "%s: ok: \"%s\", %zu phases, %zu steps, %zu people%s\n", path, pb->name,
				pb->phase_count, pb->step_count, pb->person_count, extra);
		}
		if (d.errors) {
			errors += d.errors;
			failed_files++;
			if (first_failed == NULL)
				first_failed = path;
		}
		playbook_free(pb);
		diagnostics_release(&d);
		buf_release(&text);
	}
	if (json) {
		char *text = cJSON_Print(all);

		fprintf(ctx->out, "%s\n", text);
		free(text);
	}
	cJSON_Delete(all);
	if (errors == 0)
		return 0;
	if (failed_files == 1)
		return error_set(&ctx->err, EXIT_DATAERR, "%s has %zu error%s; fix %s and run 'relctl lint %s' again",
				 first_failed, errors, errors == 1 ? "" : "s", errors == 1 ? "it" : "them", first_failed);
	return error_set(&ctx->err, EXIT_DATAERR, "%zu playbooks have %zu errors in all", failed_files, errors);
}

const struct cmd_entry cmd_lint_entry = {
	.name = "lint",
	.usage = "FILE... [--json] [--quiet]",
	.summary = "check a playbook and report every problem",
	.help = "Each problem is printed as FILE:LINE:COL: message.  Exits 0 when the playbook\n"
		"is valid (warnings allowed), 65 when it has errors, 66 when it cannot be read.",
	.options = options,
	.min_args = 1,
	.max_args = MAX_POSITIONALS,
	.exec = lint_exec,
};

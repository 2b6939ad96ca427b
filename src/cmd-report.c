/* relctl report VERSION [--format md|html|json] [--output FILE]: a release's whole record. */
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "json.h"
#include "provenance.h"
#include "relctl.h"
#include "report.h"
#include "session.h"
#include "term.h"

static const struct option_spec options[] = {
	{ "format", OPT_VALUE, "md|html|json", "markdown (default), one self-contained HTML file, or JSON" },
	{ "output", OPT_VALUE, "FILE", "write to FILE instead of standard output" },
	OPTION_END,
};

static int report_exec(struct cmd_ctx *ctx)
{
	const char *format, *output = args_value(&ctx->args, "output");
	struct session *s = ctx->session;
	struct release rel;
	cJSON *signatures;
	char *text = NULL;
	int rc = 0;

	if (cmd_format(ctx, &format) != 0)
		return -1;
	cmd_note_freshness(ctx, s);
	if (session_load_release(s, ctx->args.positionals[0], &rel, &ctx->err) != 0) {
		release_close(&rel);
		return -1;
	}
	signatures = provenance_events(s, cJSON_GetObjectItemCaseSensitive(rel.doc, "events"), &ctx->err);
	if (signatures == NULL) {
		release_close(&rel);
		return -1;
	}
	if (strcmp(format, "md") == 0) {
		text = report_markdown(rel.st, rel.doc, signatures);
	} else if (strcmp(format, "html") == 0) {
		text = report_html(rel.st, rel.doc, signatures);
	} else {
		cJSON *json = report_json(rel.st, rel.doc);

		/* Each event's signature, by event id, as log --json gives it. */
		provenance_annotate(signatures, cJSON_GetObjectItemCaseSensitive(json, "events"));
		char *printed = cJSON_Print(json);

		text = malloc(strlen(printed) + 2);
		if (text)
			sprintf(text, "%s\n", printed);
		free(printed);
		cJSON_Delete(json);
	}
	rc = cmd_write_output(ctx, output, text);
	free(text);
	cJSON_Delete(signatures);
	release_close(&rel);
	return rc;
}

const struct cmd_entry cmd_report_entry = {
	.name = "report",
	.usage = "VERSION [--format md|html|json] [--output FILE]",
	.summary = "a release's whole record: steps, findings, inputs, decisions, hooks, timeline",
	.help = "The HTML form is one self-contained file with a Gantt-style timeline of the\n"
		"steps, coloured by phase, showing the waits and the decisions between candidates.\n"
		"After a delay, the steps it reopened are shown as they stood in each earlier\n"
		"candidate, and every hook sent is listed, earlier rounds too.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_SESSION,
	.exec = report_exec,
};

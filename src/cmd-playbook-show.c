/* relctl playbook show [FILE] [--json]: the playbook's phases and steps. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cJSON.h"
#include "playbook.h"
#include "relctl.h"
#include "session.h"
#include "util.h"

static const struct option_spec options[] = {
	{ "json", OPT_FLAG, NULL, "print the model as JSON (docs/playbook.md)" },
	{ NULL, 0, NULL, NULL },
};

static void print_list(FILE *out, const char *label, const struct strlist *list)
{
	size_t i;

	if (list->count == 0)
		return;
	fprintf(out, "  %s ", label);
	for (i = 0; i < list->count; i++)
		fprintf(out, "%s%s", i ? ", " : "", list->items[i]);
}

void playbook_print(const struct cmd_ctx *ctx, const struct playbook *pb)
{
	FILE *out = ctx->out;
	size_t p, i;

	fprintf(out, "%s%s%s: %zu phases, %zu steps\n", color(ctx, C_BOLD), pb->name, color(ctx, C_RESET),
		pb->phase_count, pb->step_count);
	fprintf(out, "roles: ");
	for (i = 0; i < pb->roles.count; i++)
		fprintf(out, "%s%s", i ? ", " : "", pb->roles.items[i]);
	fprintf(out, "\npeople: ");
	for (i = 0; i < pb->person_count; i++) {
		size_t r;

		fprintf(out, "%s%s (", i ? ", " : "", pb->people[i].id);
		for (r = 0; r < pb->people[i].roles.count; r++)
			fprintf(out, "%s%s", r ? ", " : "", pb->people[i].roles.items[r]);
		fprintf(out, ")");
	}
	fprintf(out, "\n");
	for (i = 0; i < pb->var_count; i++) {
		char *values = strlist_join(&pb->vars[i].values, ", ", ", ");

		fprintf(out, "var %s: %s%s%s%s, default %s\n", pb->vars[i].name, var_type_name(pb->vars[i].type),
			values[0] ? " (" : "", values, values[0] ? ")" : "",
			pb->vars[i].default_value[0] ? pb->vars[i].default_value : "\"\"");
		free(values);
	}
	for (p = 0; p < pb->phase_count; p++) {
		const struct pb_phase *ph = &pb->phases[p];
		long total = 0;
		char est[32];

		for (i = 0; i < ph->step_count; i++)
			total += pb->steps[ph->first_step + i].estimate;
		fprintf(out, "\n%sPhase %zu: %s%s%s%s  (%zu steps, %s of work)\n", color(ctx, C_BOLD), p + 1, ph->id,
			ph->title ? " - " : "", ph->title ? ph->title : "", color(ctx, C_RESET), ph->step_count,
			duration_format(total, est, sizeof(est)));
		for (i = 0; i < ph->step_count; i++) {
			const struct pb_step *s = &pb->steps[ph->first_step + i];

			fprintf(out, "  %-26s %-16s %-6s %s", s->id, s->owner,
				s->estimate ? duration_format(s->estimate, est, sizeof(est)) : "-", s->title);
			if (s->kind != STEP_MANUAL)
				fprintf(out, "  [%s%s%s]", step_kind_name(s->kind), s->hook ? ": " : "",
					s->hook ? s->hook : "");
			if (s->kind == STEP_WAIT)
				fprintf(out, "  wait %s", duration_format(s->min_duration, est, sizeof(est)));
			if (s->kind == STEP_COMMAND && s->run.count)
				fprintf(out, "  runs %s", s->run.items[0]);
			if (s->kind == STEP_CHECK)
				fprintf(out, "  polled every %s", duration_format(s->every, est, sizeof(est)));
			if (s->when)
				fprintf(out, "  when %s", s->when);
			print_list(out, "needs", &s->needs);
			if (s->review)
				fprintf(out, "  review by %s", s->review);
			if (s->evidence_required)
				fprintf(out, "  evidence required");
			print_list(out, "inputs", &s->inputs);
			print_list(out, "delay reopens", &s->on_delay);
			fprintf(out, "\n");
		}
	}
}

static int playbook_show_exec(struct cmd_ctx *ctx)
{
	struct playbook *pb;

	if (ctx->args.positional_count == 1) {
		pb = playbook_load(ctx->args.positionals[0], &ctx->err);
		if (pb == NULL)
			return -1;
	} else {
		/* The ledger's current playbook: this needs the repository. */
		if (ctx->session == NULL) {
			ctx->err = ctx->session_err;
			return -1;
		}
		pb = session_current_playbook(ctx->session, &ctx->err);
		if (pb == NULL)
			return -1;
	}
	if (args_flag(&ctx->args, "json")) {
		cJSON *json = playbook_to_json(pb);
		char *text = cJSON_Print(json);

		fprintf(ctx->out, "%s\n", text);
		free(text);
		cJSON_Delete(json);
	} else {
		playbook_print(ctx, pb);
	}
	playbook_free(pb);
	return 0;
}

const struct cmd_entry cmd_playbook_show_entry = {
	.name = "playbook show",
	.usage = "[FILE] [--json]",
	.summary = "print a playbook's phases, steps, owners and dependencies",
	.help = "Without FILE, shows the playbook that new releases of this repository use.",
	.options = options,
	.min_args = 0,
	.max_args = 1,
	.needs = CMD_SESSION_IF_ANY,
	.exec = playbook_show_exec,
};

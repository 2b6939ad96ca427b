/* relctl show STEP [--json]: a step's instructions, owner, state, evidence and history. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cJSON.h"
#include "checklist.h"
#include "file.h"
#include "json.h"
#include "ledger-delegation.h"
#include "provenance.h"
#include "relctl.h"
#include "session.h"
#include "term.h"
#include "util.h"

#define DOC_MAX_BYTES (256 * 1024)

static const struct option_spec options[] = {
	OPTION_JSON,
	OPTION_RELEASE,
	OPTION_END,
};

/* The step's events, oldest first (a copy). */
static cJSON *history(const struct release *rel, const struct pb_step *step)
{
	cJSON *list = cJSON_CreateArray(), *ev;

	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(rel->doc, "events"))
	{
		const char *s = json_string(ev, "step"), *op = json_string(ev, "op");
		/* A gate's inputs and decisions are its history, even those that name no step (one gate). */
		bool gate_op = op && (strcmp(op, "input") == 0 || strcmp(op, "decide") == 0);

		if (gate_op ? ledger_gate_of(rel->st, s) == step : s && strcmp(s, step->id) == 0)
			cJSON_AddItemToArray(list, cJSON_Duplicate(ev, 1));
	}
	return list;
}

/* Due and overdue, shadows, and the hand-over note for whoever holds the step now. */
static void delegation_lines(struct cmd_ctx *ctx, const struct release *rel, const struct pb_step *step, time_t now)
{
	const struct step_record *r = &rel->st->steps[step->index];
	const cJSON *item;
	char t[32], d[32];
	int n = 0;

	if (step->due && ledger_due_at(rel->st, step->index)) {
		long overdue = ledger_overdue(rel->st, step->index, now);

		fprintf(ctx->out, "due: %s (%s after it was ready)",
			time_format(ledger_due_at(rel->st, step->index), t, sizeof(t)), duration_format(step->due, d, sizeof(d)));
		if (overdue)
			fprintf(ctx->out, ", %soverdue by %s%s", color(ctx, C_RED), duration_format(overdue, d, sizeof(d)),
				color(ctx, C_RESET));
		fprintf(ctx->out, "\n");
	} else if (step->due) {
		fprintf(ctx->out, "due: %s after it becomes ready\n", duration_format(step->due, d, sizeof(d)));
	}
	cJSON_ArrayForEach(item, r->shadows)
		fprintf(ctx->out, "%s%s", n++ ? ", " : "shadowed by: ", item->valuestring);
	if (n)
		fprintf(ctx->out, "\n");
	n = 0;
	cJSON_ArrayForEach(item, r->shadowed)
		fprintf(ctx->out, "%s%s", n++ ? ", " : "learnt by shadowing: ", item->valuestring);
	if (n)
		fprintf(ctx->out, "\n");
	if (r->handover_to && r->holder && strcmp(r->holder, r->handover_to) == 0)
		fprintf(ctx->out, "handed over by %s to %s at %s: %s\n", r->handover_from, r->handover_to,
			time_format(r->handover_at, t, sizeof(t)), cmd_line(ctx, r->handover_note));
}

/* The step's instructions: the doc file from the work tree, or inline text. */
static char *instructions(struct session *s, const struct pb_step *step, bool *from_file)
{
	struct buf text;
	struct error ignored;
	char *path;

	*from_file = false;
	if (step->doc == NULL)
		return step->instructions ? xstrdup(step->instructions) : NULL;
	buf_init(&text);
	path = xasprintf("%s%s%s", store_workdir(s->store),
			 store_workdir(s->store)[strlen(store_workdir(s->store)) - 1] == '/' ? "" : "/", step->doc);
	if (file_read(path, DOC_MAX_BYTES, &text, &ignored) != 0) {
		free(path);
		buf_release(&text);
		return step->instructions ? xstrdup(step->instructions) : NULL;
	}
	free(path);
	*from_file = true;
	return buf_detach(&text);
}

/* The checklist of the current candidate, then each earlier one (a delay or a reopen ended it). */
static void show_checklists(struct cmd_ctx *ctx, const struct playbook *pb, const cJSON *list)
{
	const cJSON *earlier;
	char progress[96], candidate[48];

	if (list == NULL)
		return;
	fprintf(ctx->out, "\n%sChecklist%s %s: %s\n", color(ctx, C_BOLD), color(ctx, C_RESET),
		candidate_short(pb, cJSON_GetObjectItemCaseSensitive(list, "candidate")->valueint, candidate,
				sizeof(candidate)),
		cmd_checklist_progress(list, progress, sizeof(progress)));
	cmd_print_checklist(ctx, list, "  ");
	cJSON_ArrayForEach(earlier, cJSON_GetObjectItemCaseSensitive(list, "earlier"))
	{
		fprintf(ctx->out, "\n%sChecklist%s %s, earlier: %s\n", color(ctx, C_BOLD), color(ctx, C_RESET),
			candidate_short(pb, cJSON_GetObjectItemCaseSensitive(earlier, "candidate")->valueint, candidate,
					sizeof(candidate)),
			cmd_checklist_progress(earlier, progress, sizeof(progress)));
		cmd_print_checklist(ctx, earlier, "  ");
	}
}

static int show_exec(struct cmd_ctx *ctx)
{
	struct session *s = ctx->session;
	struct release *rel = ctx->release;
	const struct pb_step *step;
	const struct step_record *r;
	enum step_state state;
	cJSON *events, *ev, *view;
	char *text;
	bool from_file;
	char t[32], d[32], candidate[48], n[64];
	const char *approvals;
	size_t i;

	cmd_note_freshness(ctx, s);
	step = playbook_step(rel->pb, ctx->args.positionals[0]);
	if (step == NULL) {
		error_set(&ctx->err, EXIT_USAGE, "release %s has no step \"%s\"; 'relctl status' lists them",
			  rel->st->version, ctx->args.positionals[0]);
		return -1;
	}
	r = &rel->st->steps[step->index];
	approvals = ledger_approvals(rel->st, step->index, n, sizeof(n));
	state = ledger_step_state(rel->st, step->index, s->now);
	events = history(rel, step);
	text = instructions(s, step, &from_file);
	if (args_flag(&ctx->args, "json")) {
		cJSON *root = cJSON_CreateObject(), *def = playbook_to_json(rel->pb);

		cJSON_AddStringToObject(root, "release", rel->st->version);
		cJSON_AddItemToObject(root, "step",
				      cJSON_DetachItemFromArray(cJSON_GetObjectItemCaseSensitive(def, "steps"),
								(int)step->index));
		cJSON_Delete(def);
		view = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rel->doc, "steps"), step->id);
		cJSON_AddItemToObject(root, "record", cJSON_Duplicate(view, 1));
		cJSON_AddStringToObject(root, "state", step_state_name(state));
		cJSON_AddNumberToObject(root, "overdue_seconds", (double)ledger_overdue(rel->st, step->index, s->now));
		if (text && !utf8_valid(text, strlen(text))) {
			/* JSON strings are UTF-8: a doc file that is not comes escaped as text shows it. */
			struct buf safe;

			buf_init(&safe);
			term_escape(&safe, text, strlen(text));
			cJSON_AddStringToObject(root, "instructions", safe.data);
			buf_release(&safe);
		} else if (text)
			cJSON_AddStringToObject(root, "instructions", text);
		else
			cJSON_AddNullToObject(root, "instructions");
		{
			/* Each event with who signed the commit that recorded it. */
			cJSON *signed_by = provenance_events(s, events, &ctx->err);

			provenance_annotate(signed_by, events);
			cJSON_Delete(signed_by);
		}
		cJSON_AddItemToObject(root, "history", events);
		events = NULL;
		cmd_print_json(ctx, root);
		cJSON_Delete(root);
	} else {
		FILE *out = ctx->out;
		cJSON *signed_by;

		fprintf(out, "%s%s%s: %s\n", color(ctx, C_BOLD), step->id, color(ctx, C_RESET), cmd_line(ctx, step->title));
		fprintf(out, "release %s %s, phase %s, %s step owned by role %s\n", rel->st->version,
			candidate_short(rel->pb, rel->st->candidate, candidate, sizeof(candidate)),
			rel->pb->phases[step->phase].id, step_kind_name(step->kind), step->owner);
		fprintf(out, "state: %s%s%s", cmd_state_color(ctx, state), step_state_name(state), color(ctx, C_RESET));
		if (r->done_by && (state == STATE_DONE || state == STATE_IN_REVIEW))
			fprintf(out, ", done by %s", r->done_by);
		else if (r->holder)
			fprintf(out, ", held by %s", r->holder);
		if (state == STATE_WAITING)
			fprintf(out, ", can be done from %s", time_format(ledger_wait_opens(rel->st, step->index), t, sizeof(t)));
		if (r->reason)
			fprintf(out, " (%s)", cmd_line(ctx, r->reason));
		fprintf(out, "\n");
		if (step->needs.count) {
			fprintf(out, "needs: ");
			for (i = 0; i < step->needs.count; i++) {
				const struct pb_step *dep = playbook_step(rel->pb, step->needs.items[i]);

				fprintf(out, "%s%s (%s)", i ? ", " : "", dep->id,
					step_state_name(ledger_step_state(rel->st, dep->index, s->now)));
			}
			fprintf(out, "\n");
		}
		if (step->estimate)
			fprintf(out, "estimate: %s\n", duration_format(step->estimate, d, sizeof(d)));
		delegation_lines(ctx, rel, step, s->now);
		if (step->evidence_required)
			fprintf(out, "evidence: required\n");
		if (step->review)
			fprintf(out, "review: by a %s%s%s%s%s%s%s%s%s%s\n", step->review,
				approvals ? " (" : "", approvals ? approvals : "", approvals ? ")" : "",
				r->review_verdict ? " - " : "",
				r->review_verdict ? r->review_verdict : "", r->review_by ? " by " : "",
				r->review_by ? r->review_by : "", r->review_note ? ": " : "",
				cmd_line(ctx, r->review_note));
		if (r->note)
			fprintf(out, "note: %s\n", r->note);
		ev = NULL;
		cJSON_ArrayForEach(ev, r->evidence)
			fprintf(out, "evidence: %s\n", ev->valuestring);
		show_checklists(ctx, rel->pb, cJSON_GetObjectItemCaseSensitive(
					     cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rel->doc, "steps"), step->id),
					     "checklist"));
		if (text)
			fprintf(out, "\n%sInstructions%s%s%s\n%s%s", color(ctx, C_BOLD), color(ctx, C_RESET),
				from_file ? " from " : "", from_file ? step->doc : "", text,
				text[0] && text[strlen(text) - 1] == '\n' ? "" : "\n");
		else if (step->doc)
			fprintf(out, "\ninstructions: %s (not found in this work tree)\n", step->doc);
		fprintf(out, "\n%sHistory%s\n", color(ctx, C_BOLD), color(ctx, C_RESET));
		if (cJSON_GetArraySize(events) == 0)
			fprintf(out, "  nothing yet\n");
		signed_by = provenance_events(s, events, &ctx->err);
		cJSON_ArrayForEach(ev, events)
		{
			const cJSON *note = cJSON_GetObjectItemCaseSensitive(ev, "note");
			const cJSON *reason = cJSON_GetObjectItemCaseSensitive(ev, "reason");
			const cJSON *person = cJSON_GetObjectItemCaseSensitive(ev, "person");
			/* A review's verdict, a decision, or the role an input speaks for. */
			const cJSON *verdict = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ev, "verdict"))
						       ? cJSON_GetObjectItemCaseSensitive(ev, "verdict")
					       : cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ev, "decision"))
						       ? cJSON_GetObjectItemCaseSensitive(ev, "decision")
						       : cJSON_GetObjectItemCaseSensitive(ev, "role");
			const cJSON *cand = cJSON_GetObjectItemCaseSensitive(ev, "candidate");
			const cJSON *item = cJSON_GetObjectItemCaseSensitive(ev, "item");
			const cJSON *result = cJSON_GetObjectItemCaseSensitive(ev, "result");

			fprintf(out, "  %s  %s  %-10s %s%s%s%s%s%s%s%s%s%s%s  %s[%s]%s\n",
				cJSON_GetObjectItemCaseSensitive(ev, "time")->valuestring,
				candidate_short(rel->pb, cJSON_IsNumber(cand) ? cand->valueint : 1, candidate, sizeof(candidate)),
				cJSON_GetObjectItemCaseSensitive(ev, "actor")->valuestring,
				cJSON_GetObjectItemCaseSensitive(ev, "op")->valuestring,
				cJSON_IsString(item) ? " " : "", cJSON_IsString(item) ? item->valuestring : "",
				cJSON_IsString(result) ? " " : "", cJSON_IsString(result) ? result->valuestring : "",
				cJSON_IsString(verdict) ? " " : "", cJSON_IsString(verdict) ? verdict->valuestring : "",
				cJSON_IsString(person) ? " to " : "", cJSON_IsString(person) ? person->valuestring : "",
				cJSON_IsString(note) ? ": " : cJSON_IsString(reason) ? ": " : "",
				cmd_line(ctx, cJSON_IsString(note) ? note->valuestring : cJSON_IsString(reason) ? reason->valuestring : ""),
				color(ctx, C_DIM), provenance_mark(signed_by, json_string(ev, "id")), color(ctx, C_RESET));
		}
		cJSON_Delete(signed_by);
	}
	free(text);
	cJSON_Delete(events);
	return 0;
}

const struct cmd_entry cmd_show_entry = {
	.name = "show",
	.usage = "STEP [--json] [--release VERSION]",
	.summary = "a step's instructions, owner, state, evidence and history",
	.help = "Instructions come from the step's doc file in this work tree, or its inline text.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = show_exec,
};

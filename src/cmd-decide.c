/* relctl decide ship|delay|abort --reason TEXT [--force] [--step STEP]: a decision step's owner decides at that gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brief.h"
#include "buf.h"
#include "cJSON.h"
#include "event.h"
#include "relctl.h"
#include "session.h"

static const struct option_spec options[] = {
	{ "reason", OPT_VALUE, "TEXT", "why (required; the team reads it)" },
	{ "force", OPT_FLAG, NULL, "decide although a required input is missing (recorded)" },
	OPTION_GATE,
	OPTION_RELEASE,
	OPTION_OFFLINE,
	OPTION_END,
};

/*
 * What a ship opened, read from the ledger it was written to: the next phase
 * only when every step of the decision's phase is finished; otherwise the
 * steps of that phase still open, which the next phase waits for.
 */
static void say_after_ship(struct cmd_ctx *ctx, const char *version, const char *gate_id)
{
	struct release rel;
	struct error ignored;
	const struct pb_step *gate;
	const struct pb_phase *ph;
	struct buf open;
	size_t i, left = 0;

	if (session_load_release(ctx->session, version, &rel, &ignored) != 0 ||
	    (gate = playbook_step(rel.pb, gate_id)) == NULL) {
		release_close(&rel);
		return;
	}
	ph = &rel.pb->phases[gate->phase];
	if (rel.st->status == RELEASE_COMPLETE)
		fprintf(ctx->out, "next: nothing; %s is complete\n", cmd_line(ctx, version));
	else if (ledger_phase_complete(rel.st, gate->phase) && gate->phase + 1 < rel.pb->phase_count)
		fprintf(ctx->out, "next: the %s phase is open; 'relctl next' shows who does what\n",
			cmd_line(ctx, rel.pb->phases[gate->phase + 1].id));
	else {
		buf_init(&open);
		for (i = ph->first_step; i < ph->first_step + ph->step_count; i++) {
			enum step_state state = ledger_step_state(rel.st, i, ctx->session->now);
			if (state == STATE_DONE || state == STATE_SKIPPED)
				continue;
			buf_addf(&open, "%s%s", left++ ? ", " : "", rel.pb->steps[i].id);
		}
		fprintf(ctx->out, "next: %s of the %s phase %s still open; 'relctl next' shows who does %s\n",
			cmd_line(ctx, open.data), cmd_line(ctx, ph->id), left == 1 ? "is" : "are",
			left == 1 ? "it" : "them");
		buf_release(&open);
	}
	release_close(&rel);
}

static int decide_exec(struct cmd_ctx *ctx)
{
	const char *decision = ctx->args.positionals[0];
	struct release *rel = ctx->release;
	const struct pb_person *me;
	const struct pb_step *gate;
	struct event ev = { .op = "decide", .decision = decision, .reason = args_value(&ctx->args, "reason") };
	char hash[65], *key;
	int rc, read;

	if (strcmp(decision, "ship") && strcmp(decision, "delay") && strcmp(decision, "abort"))
		return error_set(&ctx->err, EXIT_USAGE, "decide ship, delay or abort, not \"%s\"", decision);
	if (args_value(&ctx->args, "reason") == NULL)
		return error_set(&ctx->err, EXIT_USAGE, "a decision needs --reason TEXT, so the team knows why");
	/*
	 * The hash of the brief the owner last read here ('relctl brief'), else
	 * of the one this clone shows, which is then noted as read: the ledger
	 * refuses the decision (75) when the brief on the tip it is written to
	 * differs, and a retry carries the same hash, so a decision is never
	 * recorded against a brief the owner did not see.
	 */
	me = session_identity(ctx->session, rel->pb, &ctx->err);
	if (me == NULL || cmd_gate(ctx, &gate, &ev.step) != 0)
		return -1;
	key = cmd_brief_key(ctx, gate);
	read = session_brief_read(ctx->session, me->id, key, hash);
	if (!read) {
		if (brief_state_hash(rel->st, gate, hash) != 0) {
			free(key);
			return error_set(&ctx->err, EXIT_SOFTWARE, "cannot hash the brief");
		}
		session_note_brief_read(ctx->session, me->id, key, hash);
	}
	ev.brief_hash = hash;
	ev.forced = args_flag(&ctx->args, "force");
	rc = cmd_record(ctx, &ev);
	/* Decided: the next decision is on a brief read anew.  Refused for another reason than a changed brief: as before. */
	if (rc == 0 || (!read && ctx->err.code != EXIT_TEMPFAIL))
		session_note_brief_read(ctx->session, me->id, key, NULL);
	free(key);
	if (rc == 0 && strcmp(decision, "delay") == 0)
		fprintf(ctx->out, "next: the reopened steps are ready again; 'relctl next' shows them\n");
	else if (rc == 0 && strcmp(decision, "ship") == 0)
		say_after_ship(ctx, rel->st->version, gate->id);
	return rc;
}

const struct cmd_entry cmd_decide_entry = {
	.name = "decide",
	.usage = "ship|delay|abort --reason TEXT [--force] [--step STEP] [--release VERSION]",
	.summary = "decide the release at a gate (the decision step's owner)",
	.help = "ship finishes the decision step and opens the next phase.  delay starts the\n"
		"next candidate (rc2, or the playbook's candidate label): the decision step's\n"
		"on_delay steps start again, with their earlier record kept.  abort closes the\n"
		"release, from any gate.  Refused while a\n"
		"required input is missing, unless --force (which the ledger records).\n"
		"A playbook may have several decision steps (gates); while more than one\n"
		"is open, name it with --step STEP.\n"
		"The decision records the hash of the brief you last read here with 'relctl\n"
		"brief' (or, if you have not, of the one this clone shows); when the team's\n"
		"ledger changed the brief since, it is refused (75), and so is every retry,\n"
		"until you read 'relctl brief' again.",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.needs = CMD_RELEASE,
	.exec = decide_exec,
};

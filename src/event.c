/*
 * The op table: for each op of a release, one row with its fields (shape),
 * its check (who may send it, and when), its apply, its commit message and
 * the change of state its time may not precede (ledger-time.c).
 * Events are decoded from the ledger's JSON into struct event against it
 * and encoded back, byte for byte as relctl has always written them.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brief.h"
#include "buf.h"
#include "checklist.h"
#include "event.h"
#include "json.h"
#include "ledger-private.h"
#include "util.h"

cJSON *ledger_event_new(const char *id, time_t when, const char *actor, const char *op, const char *step)
{
	cJSON *ev = cJSON_CreateObject();
	char t[32];

	cJSON_AddStringToObject(ev, "id", id);
	cJSON_AddStringToObject(ev, "time", time_format(when, t, sizeof(t)));
	cJSON_AddStringToObject(ev, "actor", actor);
	cJSON_AddStringToObject(ev, "op", op);
	if (step)
		cJSON_AddStringToObject(ev, "step", step);
	return ev;
}

/* ---------- commit messages ---------- */

/* A candidate named the playbook's way ("rc2", "build 2"), in a buffer that lives to the end of the full expression. */
#define CANDIDATE(pb, n) candidate_short((pb), (n), (char[48]){ 0 }, 48)

const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* "sam claimed test-voyager (2.6.3 rc1)", "lee assigned x to sam (...)": the verb is the op row's. */
static char *message_step(const struct release_state *st, const struct event *ev);

static char *message_start(const struct release_state *st, const struct event *ev)
{
	return xasprintf("%s started %s %s (%s) of \"%s\"", ev->actor, st->rehearsal ? "the rehearsal" : "release",
			 st->version, CANDIDATE(st->pb, ev->candidate), st->pb->name);
}

/*
 * A checklist event: "david checked static-ip of test-voyager: fail, finding
 * F-3a9c1e (3/24 checked, 2.6.3 rc1)", "shalom added the item static-ip to
 * test-voyager's checklist", "jan approved static-ip of test-voyager".
 */
static char *message_item(const struct release_state *st, const struct event *ev, const char *verb)
{
	const struct checklist *list = &st->steps[playbook_step(st->pb, ev->step)->index].checklist;
	const struct check_item *it = checklist_item(list, ev->item);
	struct checklist_counts counts;
	bool opened = it && it->finding && strcmp(or_empty(ev->result), "fail") == 0;

	if (strcmp(ev->op, "checklist-add") == 0)
		return xasprintf("%s added the item %s to %s's checklist (%s %s)", ev->actor, ev->item, ev->step,
				 st->version, CANDIDATE(st->pb, ev->candidate));
	if (strcmp(ev->op, "checklist-remove") == 0)
		return xasprintf("%s removed the item %s from %s's checklist (%s %s)", ev->actor, ev->item, ev->step,
				 st->version, CANDIDATE(st->pb, ev->candidate));
	if (strcmp(ev->op, "check") != 0)
		return xasprintf("%s %s %s of %s (%s %s)", ev->actor, verb, ev->item, ev->step, st->version,
				 CANDIDATE(st->pb, ev->candidate));
	checklist_count(list, &counts);
	return xasprintf("%s checked %s of %s: %s%s%s (%zu/%zu checked, %s %s)", ev->actor, ev->item, ev->step,
			 or_empty(ev->result), opened ? ", finding " : "", opened ? it->finding : "",
			 counts.total - counts.unchecked, counts.total, st->version, CANDIDATE(st->pb, ev->candidate));
}

static char *message_review(const struct release_state *st, const struct event *ev)
{
	const char *verb = ev->verdict && strcmp(ev->verdict, "approve") == 0 ? "approved" : "rejected";

	if (ev->item && ev->item[0])
		return message_item(st, ev, verb);
	return xasprintf("%s %s %s (%s %s)", ev->actor, verb, ev->step, st->version, CANDIDATE(st->pb, ev->candidate));
}

static char *message_checklist(const struct release_state *st, const struct event *ev)
{
	if (ev->item[0])
		return message_item(st, ev, ev->op);
	return xasprintf("%s %s %s (%s %s)", ev->actor, ev->op, ev->step, st->version, CANDIDATE(st->pb, ev->candidate));
}

static char *message_finding_add(const struct release_state *st, const struct event *ev)
{
	return xasprintf("%s reported %s finding %s: %s (%s %s)", ev->actor, or_empty(ev->severity), ev->finding,
			 or_empty(ev->title), st->version, CANDIDATE(st->pb, ev->candidate));
}

static char *message_finding_update(const struct release_state *st, const struct event *ev)
{
	return xasprintf("%s %s finding %s (%s %s)", ev->actor, ev->close ? "closed" : "updated", ev->finding,
			 st->version, CANDIDATE(st->pb, ev->candidate));
}

static char *message_input(const struct release_state *st, const struct event *ev)
{
	return xasprintf("%s gave the %s input for %s %s", ev->actor, or_empty(ev->role), st->version, CANDIDATE(st->pb, ev->candidate));
}

static char *message_decide(const struct release_state *st, const struct event *ev)
{
	return xasprintf("%s decided to %s %s %s%s", ev->actor, or_empty(ev->decision), st->version, CANDIDATE(st->pb, ev->candidate),
			 st->candidate != ev->candidate ? "; the next candidate begins" : "");
}

static char *message_hook(const struct release_state *st, const struct event *ev)
{
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(ev->hook_result, "status");
	bool mail = strcmp(or_empty(json_string(ev->hook_result, "method")), "SMTP") == 0;

	return xasprintf("%s ran the %s hook of %s: %s, %s %d (%s %s)", ev->actor,
			 or_empty(json_string(ev->hook_result, "hook")), ev->step,
			 or_empty(json_string(ev->hook_result, "outcome")), mail ? "SMTP reply" : "HTTP",
			 cJSON_IsNumber(status) ? status->valueint : 0, st->version, CANDIDATE(st->pb, ev->candidate));
}

/* "sam ran the command of tag: passed, exit 0 in 3s (2.6.3 rc1)"; a timeout or a rehearsal's dry run says so. */
static char *message_command(const struct release_state *st, const struct event *ev)
{
	const cJSON *exit_status = cJSON_GetObjectItemCaseSensitive(ev->command_result, "exit");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(ev->command_result, "duration_ms");
	const char *outcome = or_empty(json_string(ev->command_result, "outcome"));
	double seconds = cJSON_IsNumber(ms) ? ms->valuedouble / 1000 : 0;
	char took[32], code[32] = "";

	if (seconds < 60)
		snprintf(took, sizeof(took), "%.1fs", seconds);
	else
		duration_format((long)seconds, took, sizeof(took));
	if (cJSON_IsNumber(exit_status))
		snprintf(code, sizeof(code), ", exit %d", exit_status->valueint);
	return xasprintf("%s ran the command of %s: %s%s%s%s (%s %s)", ev->actor, ev->step, outcome, code,
			 strcmp(outcome, "dry-run") ? " in " : "", strcmp(outcome, "dry-run") ? took : "", st->version,
			 CANDIDATE(st->pb, ev->candidate));
}

/* "relbot polled build-farm: failed, HTTP 200 (2.6.3 rc1)". */
static char *message_poll(const struct release_state *st, const struct event *ev)
{
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(ev->poll_result, "status");

	return xasprintf("%s polled %s: %s, HTTP %d (%s %s)", ev->actor, ev->step,
			 or_empty(json_string(ev->poll_result, "outcome")), cJSON_IsNumber(status) ? status->valueint : 0,
			 st->version, CANDIDATE(st->pb, ev->candidate));
}

/* A shadow, hand-over, away or reminder. */
static char *message_delegation(const struct release_state *st, const struct event *ev)
{
	const cJSON *item;
	struct buf b;

	buf_init(&b);
	if (strcmp(ev->op, "shadow") == 0)
		buf_addf(&b, ev->leave ? "%s stopped shadowing %s" : "%s shadows %s", ev->actor, ev->step);
	else if (strcmp(ev->op, "handover") == 0)
		buf_addf(&b, "%s handed %s over to %s", ev->actor, ev->step, or_empty(ev->person));
	else if (strcmp(ev->op, "away") == 0 && ev->back)
		buf_addf(&b, "%s is back", ev->actor);
	else if (strcmp(ev->op, "away") == 0)
		buf_addf(&b, "%s is away%s%s", ev->actor, or_empty(ev->until)[0] ? " until " : "", or_empty(ev->until));
	else if (strcmp(or_empty(ev->kind), "escalation") == 0)
		buf_addf(&b, "%s told the release managers of ", ev->actor);
	else
		buf_addf(&b, "%s reminded %s of ", ev->actor, or_empty(ev->person));
	if (strcmp(ev->op, "remind") == 0)
		cJSON_ArrayForEach(item, ev->steps)
			buf_addf(&b, "%s%s", item == ev->steps->child ? "" : ", ", cJSON_IsString(item) ? item->valuestring : "");
	buf_addf(&b, " (%s %s)", st->version, CANDIDATE(st->pb, ev->candidate));
	return buf_detach(&b);
}

/* ---------- the op table ---------- */

/* A field named as its member of struct event, or (FIELD_AS) otherwise. */
#define FIELD(member, type, required) { #member, type, required, offsetof(struct event, member) }
#define FIELD_AS(name, member, type, required) { name, type, required, offsetof(struct event, member) }
#define FIELDS_END { NULL, 0, false, 0 }
#define NOT_STORED ((size_t)-1)

/* The last column: AFTER_READY for the ops that take a ready step (or gate), whose time follows its readiness. */
static const struct op_def ops[] = {
	{ "start", OP_NO_STEP, check_start, apply_start, message_start, NULL,
	  { FIELD(vars, FIELD_OBJECT, false), FIELD(rehearsal, FIELD_BOOL, false), FIELD(target, FIELD_NAME, false),
	    FIELDS_END }, AFTER_STEP_CHANGE },
	{ "claim", OP_STEP, check_claim, apply_claim, message_step, "claimed",
	  { FIELD(reason, FIELD_TEXT, false), FIELD(shadowed_in, FIELD_NAME, false), FIELDS_END }, AFTER_READY },
	{ "unclaim", OP_STEP, check_unclaim, apply_unclaim, message_step, "unclaimed",
	  { FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "assign", OP_STEP, check_assign, apply_assign, message_step, "assigned",
	  { FIELD(person, FIELD_NAME, false), FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_READY },
	{ "done", OP_STEP, check_done, apply_done, message_step, "finished",
	  { FIELD(note, FIELD_TEXT, false), FIELD(evidence, FIELD_LINKS, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "review", OP_STEP, check_review, apply_review, message_review, NULL,
	  { FIELD(verdict, FIELD_NAME, false), FIELD(note, FIELD_TEXT, false), FIELD(item, FIELD_NAME, false),
	    FIELDS_END }, AFTER_STEP_CHANGE },
	{ "skip", OP_STEP, check_skip, apply_skip, message_step, "skipped",
	  { FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "reopen", OP_STEP, check_reopen, apply_reopen, message_step, "reopened",
	  { FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "block", OP_STEP, check_block, apply_block, message_step, "blocked",
	  { FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "unblock", OP_STEP, check_unblock, apply_unblock, message_step, "unblocked",
	  { FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "shadow", OP_STEP, check_shadow, apply_shadow, message_delegation, NULL,
	  { FIELD(leave, FIELD_BOOL, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "handover", OP_STEP, check_handover, apply_handover, message_delegation, NULL,
	  { FIELD(person, FIELD_NAME, true), FIELD(note, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "away", OP_NO_STEP, check_away, apply_away, message_delegation, NULL,
	  { FIELD(until, FIELD_NAME, false), FIELD(back, FIELD_BOOL, false), FIELDS_END }, AFTER_STEP_CHANGE },
	/* steps: step ids, checked by check_remind. */
	{ "remind", OP_NO_STEP, check_remind, apply_remind, message_delegation, NULL,
	  { FIELD(kind, FIELD_NAME, false), FIELD(person, FIELD_NAME, false), FIELD(steps, FIELD_LINKS, false),
	    FIELD(message, FIELD_TEXT, false), FIELD(webhook_id, FIELD_NAME, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "finding-add", OP_NO_STEP, check_finding_add, apply_finding_add, message_finding_add, NULL,
	  { FIELD(finding, FIELD_NAME, true), FIELD(title, FIELD_TEXT, false), FIELD(severity, FIELD_NAME, false),
	    FIELD(finding_step, FIELD_NAME, false), FIELD(evidence, FIELD_LINKS, false), FIELDS_END },
	  AFTER_STEP_CHANGE },
	{ "finding-update", OP_NO_STEP, check_finding_update, apply_finding_update, message_finding_update, NULL,
	  { FIELD(finding, FIELD_NAME, true), FIELD(estimate, FIELD_NAME, false), FIELD(risk, FIELD_NAME, false),
	    FIELD(impact, FIELD_TEXT, false), FIELD(note, FIELD_TEXT, false), FIELD(close, FIELD_BOOL, false),
	    FIELDS_END }, AFTER_STEP_CHANGE },
	{ "input", OP_STEP_GATE, check_input, apply_input, message_input, NULL,
	  { FIELD(role, FIELD_NAME, false), FIELD(note, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "decide", OP_STEP_GATE, check_decide, apply_decide, message_decide, NULL,
	  { FIELD(decision, FIELD_NAME, false), FIELD(reason, FIELD_TEXT, false), FIELD(brief_hash, FIELD_NAME, false),
	    FIELD(forced, FIELD_BOOL, false), FIELDS_END }, AFTER_READY },
	{ "hook", OP_STEP, check_hook, apply_hook, message_hook, NULL,
	  { FIELD_AS("result", hook_result, FIELD_OBJECT, true), FIELD(forced, FIELD_BOOL, false), FIELDS_END },
	  AFTER_READY },
	{ "command", OP_STEP, check_command, apply_command, message_command, NULL,
	  { FIELD_AS("result", command_result, FIELD_OBJECT, true), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "poll", OP_STEP, check_poll, apply_poll, message_poll, NULL,
	  { FIELD_AS("result", poll_result, FIELD_OBJECT, true), FIELDS_END }, AFTER_READY },
	{ "override", OP_STEP, check_override, apply_override, message_step, "overrode the check of",
	  { FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_READY },
	{ "checklist-add", OP_STEP, check_checklist_add, apply_checklist_add, message_checklist, NULL,
	  { FIELD(item, FIELD_NAME, true), FIELD(text, FIELD_TEXT, true), FIELD(evidence_required, FIELD_BOOL, false),
	    FIELD(review, FIELD_NAME, false), FIELD(owner, FIELD_NAME, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "checklist-remove", OP_STEP, check_checklist_remove, apply_checklist_remove, message_checklist, NULL,
	  { FIELD(item, FIELD_NAME, true), FIELD(reason, FIELD_TEXT, false), FIELDS_END }, AFTER_STEP_CHANGE },
	{ "check", OP_STEP, check_check, apply_check, message_checklist, NULL,
	  { FIELD(item, FIELD_NAME, true), FIELD(result, FIELD_NAME, true), FIELD(note, FIELD_TEXT, false),
	    FIELD(evidence, FIELD_LINKS, false), FIELD(severity, FIELD_NAME, false), FIELD(finding, FIELD_NAME, false),
	    FIELDS_END }, AFTER_STEP_CHANGE },
};

static char *message_step(const struct release_state *st, const struct event *ev)
{
	const struct pb_step *s = ev->step ? playbook_step(st->pb, ev->step) : NULL;
	bool unchecked = s && s->kind == STEP_CHECK && strcmp(ev->op, "done") == 0;

	return xasprintf("%s %s %s%s%s%s (%s %s)", ev->actor, op_find(ev->op)->verb, or_empty(ev->step),
			 ev->person ? " to " : "", or_empty(ev->person), unchecked ? " without the check" : "", st->version,
			 CANDIDATE(st->pb, ev->candidate));
}

/*
 * A detail of the message as a git trailer: a value's further lines start
 * with a blank (git's continuation), so that no note, reason or link can
 * start a line of its own, a Relctl-Event line above all (judge.h).
 */
static void add_trailer(struct buf *message, const char *label, const char *value)
{
	const char *p;

	buf_addf(message, "%s: ", label);
	for (p = value; *p; p++)
		if (*p == '\n')
			buf_adds(message, "\n ");
		else if (*p != '\r')
			buf_add(message, p, 1);
	buf_adds(message, "\n");
}

/* A first line stays one line, whatever a title holds. */
static void flatten(char *line)
{
	for (; *line; line++)
		if (*line == '\n' || *line == '\r')
			*line = ' ';
}

void ledger_event_message(const struct release_state *st, const struct event *ev, struct buf *message,
			  char **summary)
{
	const struct {
		const char *label, *value;
	} details[] = {
		{ "Reason", ev->reason },     { "Note", ev->note },		  { "Impact", ev->impact },
		{ "Estimate", ev->estimate }, { "Risk", ev->risk },		  { "Brief-Hash", ev->brief_hash },
		{ "Item-Text", ev->text },
	};
	const cJSON *link;
	size_t i;

	*summary = op_find(ev->op)->message(st, ev);
	flatten(*summary);
	buf_addf(message, "%s\n\n", *summary);
	for (i = 0; i < sizeof(details) / sizeof(details[0]); i++)
		if (details[i].value && details[i].value[0])
			add_trailer(message, details[i].label, details[i].value);
	if (ev->forced)
		buf_adds(message, "Forced: yes\n");
	cJSON_ArrayForEach(link, ev->evidence)
		if (cJSON_IsString(link))
			add_trailer(message, "Evidence", link->valuestring);
	buf_addf(message, "Relctl-Event: %s\n", ev->id);
}

/*
 * Fields every event has; step only on the ops that need one.  Every relctl
 * has written the candidate an event was made for (new_event()), and the
 * rule that an event belongs to its candidate depends on it being there.
 * The time is parsed by ledger_event_decode, not stored as it is.
 */
static const struct field_def common_fields[] = {
	FIELD(id, FIELD_NAME, true),	    { "time", FIELD_NAME, true, NOT_STORED }, FIELD(actor, FIELD_NAME, true),
	FIELD(op, FIELD_NAME, true),	    FIELD(step, FIELD_NAME, false),  FIELD(candidate, FIELD_INT, true),
	FIELDS_END,
};

static const struct field_def *find_field(const struct field_def *defs, const char *name)
{
	for (; defs->name; defs++)
		if (strcmp(defs->name, name) == 0)
			return defs;
	return NULL;
}

/* "64 KiB", "256 bytes": a size as the limits are said, rounded up. */
static const char *size_text(size_t bytes, char *out, size_t size)
{
	if (bytes > 1024)
		snprintf(out, size, "%zu KiB", (bytes + 1023) / 1024);
	else
		snprintf(out, size, "%zu bytes", bytes);
	return out;
}

/* Why s is not text of at most max bytes (one line when one_line), into why; NULL when it is. */
static const char *text_problem(const char *s, size_t max, bool one_line, const char *what, char *why, size_t size)
{
	size_t n = strlen(s);
	char have[32], most[32];

	if (n > max)
		snprintf(why, size, "is %s; %s is at most %s", size_text(n, have, sizeof(have)), what,
			 size_text(max, most, sizeof(most)));
	else if (!utf8_valid(s, n))
		snprintf(why, size, "is not valid UTF-8");
	else if (one_line && strpbrk(s, "\n\r"))
		snprintf(why, size, "has a line break; %s is one line", what);
	else
		return NULL;
	return why;
}

/* Why v cannot be a field of type def->type, into why; NULL when it can. */
static const char *field_problem(const cJSON *v, const struct field_def *def, char *why, size_t size)
{
	const cJSON *item;
	const char *problem = NULL;
	char *text;

	switch (def->type) {
	case FIELD_NAME:
		if (!cJSON_IsString(v))
			break;
		return text_problem(v->valuestring, LEDGER_NAME_MAX, true, "a name", why, size);
	case FIELD_TEXT:
		if (!cJSON_IsString(v))
			break;
		return text_problem(v->valuestring, LEDGER_TEXT_MAX, false, "a text", why, size);
	case FIELD_LINKS:
		if (!cJSON_IsArray(v))
			break;
		if (cJSON_GetArraySize(v) > LEDGER_LINKS_MAX) {
			snprintf(why, size, "is given %d times; an event has at most %d links", cJSON_GetArraySize(v),
				 LEDGER_LINKS_MAX);
			return why;
		}
		cJSON_ArrayForEach(item, v)
		{
			if (!cJSON_IsString(item))
				break;
			if ((problem = text_problem(item->valuestring, LEDGER_LINK_MAX, true, "a link", why, size)))
				return problem;
		}
		if (item == NULL)
			return NULL;
		break;
	case FIELD_BOOL:
		/* relctl writes a flag only when it is true. */
		if (cJSON_IsTrue(v))
			return NULL;
		break;
	case FIELD_INT:
		if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 1e6 &&
		    v->valuedouble == (double)v->valueint)
			return NULL;
		break;
	case FIELD_OBJECT:
		if (!cJSON_IsObject(v) || (text = cJSON_PrintUnformatted(v)) == NULL)
			break;
		problem = text_problem(text, LEDGER_TEXT_MAX, false, "a field's JSON", why, size);
		free(text);
		return problem;
	}
	snprintf(why, size, "is not %s",
		 def->type == FIELD_LINKS    ? "a list of links"
		 : def->type == FIELD_OBJECT ? "an object"
		 : def->type == FIELD_BOOL   ? "true (relctl writes only true)"
		 : def->type == FIELD_INT    ? "a whole number"
					     : "text");
	return why;
}

static int field_ok(const cJSON *v, const struct field_def *def, const char *id, struct error *err)
{
	char why[128], most[32];

	if (field_problem(v, def, why, sizeof(why)) == NULL)
		return 0;
	switch (def->type) {
	case FIELD_NAME:
		size_text(LEDGER_NAME_MAX, most, sizeof(most));
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (one line of UTF-8 text, at most %s)", id,
				 def->name, most);
	case FIELD_TEXT:
		size_text(LEDGER_TEXT_MAX, most, sizeof(most));
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (UTF-8 text of at most %s)", id,
				 def->name, most);
	case FIELD_LINKS:
		return error_set(err, EXIT_DATAERR,
				 "event %s has a bad \"%s\" (a list of at most %d links, each one line of UTF-8 text)",
				 id, def->name, LEDGER_LINKS_MAX);
	case FIELD_BOOL:
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (true, or no field at all: relctl writes only true)",
				 id, def->name);
	case FIELD_INT:
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (a whole number)", id, def->name);
	default:
		size_text(LEDGER_TEXT_MAX, most, sizeof(most));
		return error_set(err, EXIT_DATAERR, "event %s has a bad \"%s\" (an object of at most %s)", id, def->name,
				 most);
	}
}

/* The member of ev that def stores, as its type. */
#define MEMBER(ev, def, type) ((type *)((const char *)(ev) + (def)->offset))

static void decode_field(const cJSON *v, const struct field_def *f, struct event *ev)
{
	switch (f->type) {
	case FIELD_NAME:
	case FIELD_TEXT:
		*MEMBER(ev, f, const char *) = v->valuestring;
		break;
	case FIELD_LINKS:
	case FIELD_OBJECT:
		*MEMBER(ev, f, const cJSON *) = v;
		break;
	case FIELD_BOOL:
		*MEMBER(ev, f, bool) = true;
		break;
	case FIELD_INT:
		*MEMBER(ev, f, int) = v->valueint;
		break;
	}
}

/* The shape of an event: its op's fields and nothing else, each of its type; decoded into ev as it goes. */
static int shape_ok(const cJSON *event, const struct op_def *def, const char *id, struct event *ev, struct error *err)
{
	const cJSON *field;
	const struct field_def *f;

	if (!cJSON_IsObject(event))
		return error_set(err, EXIT_DATAERR, "an event is not an object");
	cJSON_ArrayForEach(field, event)
	{
		f = find_field(common_fields, field->string);
		if (f == NULL)
			f = find_field(def->fields, field->string);
		if (f == NULL)
			return error_set(err, EXIT_DATAERR, "event %s (%s) has the field \"%s\", which %s events do not carry",
					 id, def->name, field->string, def->name);
		if (field_ok(field, f, id, err) != 0)
			return -1;
		if (f->offset != NOT_STORED)
			decode_field(field, f, ev);
	}
	for (f = common_fields; f->name; f++)
		if (f->required && !cJSON_HasObjectItem(event, f->name))
			return error_set(err, EXIT_DATAERR, "event %s (%s) lacks its \"%s\"", id, def->name, f->name);
	for (f = def->fields; f->name; f++)
		if (f->required && !cJSON_HasObjectItem(event, f->name))
			return error_set(err, EXIT_DATAERR, "event %s (%s) lacks its \"%s\"", id, def->name, f->name);
	if (def->step != OP_STEP_GATE && (def->step == OP_STEP) != cJSON_HasObjectItem(event, "step"))
		return error_set(err, EXIT_DATAERR, def->step == OP_STEP ? "event %s (%s) names no step" : "event %s (%s) names a step, which it does not take",
				 id, def->name);
	return 0;
}

cJSON *ledger_event_encode(const struct event *ev)
{
	const struct op_def *def = op_find(ev->op);
	const struct field_def *f;
	cJSON *json;

	if (def == NULL)
		return NULL;
	json = ledger_event_new(ev->id, ev->time, ev->actor, ev->op, ev->step);
	cJSON_AddNumberToObject(json, "candidate", ev->candidate);
	for (f = def->fields; f->name; f++) {
		switch (f->type) {
		case FIELD_NAME:
		case FIELD_TEXT:
			if (*MEMBER(ev, f, const char *const))
				cJSON_AddStringToObject(json, f->name, *MEMBER(ev, f, const char *const));
			break;
		case FIELD_LINKS:
		case FIELD_OBJECT:
			if (*MEMBER(ev, f, const cJSON *const))
				cJSON_AddItemToObject(json, f->name, cJSON_Duplicate(*MEMBER(ev, f, const cJSON *const), 1));
			break;
		case FIELD_BOOL:
			if (*MEMBER(ev, f, const bool))
				cJSON_AddTrueToObject(json, f->name);
			break;
		case FIELD_INT:
			cJSON_AddNumberToObject(json, f->name, *MEMBER(ev, f, const int));
			break;
		}
	}
	return json;
}


const struct op_def *op_rows(size_t *count)
{
	*count = sizeof(ops) / sizeof(ops[0]);
	return ops;
}

const struct op_def *op_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, name) == 0)
			return &ops[i];
	return NULL;
}

int ledger_field_fits(const char *op, const char *field, const cJSON *value, char *why, size_t size)
{
	const struct op_def *def = op_find(op);
	const struct field_def *f = find_field(common_fields, field);

	if (f == NULL && def)
		f = find_field(def->fields, field);
	return f && field_problem(value, f, why, size) ? -1 : 0;
}

/* ledger_event_decode, naming the release (may be NULL) in what is wrong with an event without an id. */
int event_decode_of(const cJSON *event, const char *version, struct event *ev, struct error *err)
{
	const char *id = json_string(event, "id"), *time_text = json_string(event, "time");
	const struct op_def *def;

	memset(ev, 0, sizeof(*ev));
	ev->op = json_string(event, "op");
	if (id == NULL || id[0] == '\0' || time_text == NULL || json_string(event, "actor") == NULL || ev->op == NULL)
		return error_set(err, EXIT_DATAERR, "an event%s%s lacks its id, time, actor or op",
				 version ? " of release " : "", or_empty(version));
	if (!event_id_valid(id))
		return error_set(err, EXIT_DATAERR, "an event%s%s has a bad id (1 to 64 letters, digits, '-' or '_')",
				 version ? " of release " : "", or_empty(version));
	if (time_parse(time_text, &ev->time) != 0)
		return error_set(err, EXIT_DATAERR, "event %s has a bad time \"%.40s\"", id, time_text);
	def = op_find(ev->op);
	if (def == NULL)
		return error_set(err, EXIT_DATAERR, "event %s has the unknown op \"%.40s\" (written by a newer relctl?)", id, ev->op);
	return shape_ok(event, def, id, ev, err);
}

int ledger_event_decode(const cJSON *event, struct event *ev, struct error *err)
{
	return event_decode_of(event, NULL, ev, err);
}

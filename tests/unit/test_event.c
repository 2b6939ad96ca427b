/*
 * The op table (src/event.c): every op is one row with its shape, its
 * check, its apply and its message, and an event goes through struct event
 * and back byte for byte, so what relctl writes never changes with the
 * struct in between.  The rows are walked, not listed here: a new op is
 * tested by adding its row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/ledger-private.h"
#include "event.h"
#include "ledger.h"

/* An event of def with every field it declares, in the row's order, as relctl writes them. */
static cJSON *full_event(const struct op_def *def)
{
	cJSON *ev = ledger_event_new("e1", 1700000000, "rita", def->name, def->step != OP_NO_STEP ? "notes" : NULL);
	const struct field_def *f;

	cJSON_AddNumberToObject(ev, "candidate", 2);
	for (f = def->fields; f->name; f++) {
		switch (f->type) {
		case FIELD_NAME:
			cJSON_AddStringToObject(ev, f->name, "a-name");
			break;
		case FIELD_TEXT:
			cJSON_AddStringToObject(ev, f->name, "some text\nwith \"quotes\" and \\u00e9");
			break;
		case FIELD_LINKS:
			cJSON_AddItemToArray(cJSON_AddArrayToObject(ev, f->name),
					     cJSON_CreateString("https://example.com/log"));
			break;
		case FIELD_BOOL:
			cJSON_AddTrueToObject(ev, f->name);
			break;
		case FIELD_INT:
			cJSON_AddNumberToObject(ev, f->name, 3);
			break;
		case FIELD_OBJECT:
			cJSON_AddStringToObject(cJSON_AddObjectToObject(ev, f->name), "outcome", "delivered");
			break;
		}
	}
	return ev;
}

static void every_op_has_its_shape_check_apply_and_message(void **state)
{
	size_t count, i;
	const struct op_def *rows = op_rows(&count);

	(void)state;
	assert_true(count >= 22);
	for (i = 0; i < count; i++) {
		const struct op_def *def = &rows[i];
		const struct field_def *f;

		assert_non_null(def->name);
		assert_ptr_equal(op_find(def->name), def);
		assert_non_null(def->check);
		assert_non_null(def->apply);
		assert_non_null(def->message);
		for (f = def->fields; f->name; f++)
			assert_true(f->offset < sizeof(struct event));
		assert_true(f - def->fields < (long)(sizeof(def->fields) / sizeof(def->fields[0])));
	}
}

/* decode then encode gives the same bytes for an event with every field of its op. */
static void every_op_encodes_what_it_decodes_byte_for_byte(void **state)
{
	size_t count, i;
	const struct op_def *rows = op_rows(&count);

	(void)state;
	for (i = 0; i < count; i++) {
		cJSON *json = full_event(&rows[i]), *again;
		struct event ev;
		struct error err;
		char *before, *after;

		assert_int_equal(ledger_event_decode(json, &ev, &err), 0);
		assert_string_equal(ev.op, rows[i].name);
		assert_int_equal(ev.candidate, 2);
		assert_int_equal(ev.time, 1700000000);
		again = ledger_event_encode(&ev);
		assert_non_null(again);
		before = cJSON_Print(json);
		after = cJSON_Print(again);
		assert_string_equal(after, before);
		free(before);
		free(after);
		cJSON_Delete(again);
		cJSON_Delete(json);
	}
}

/*
 * The order in which relctl has always written each op's fields (the
 * commands built them so before struct event): the bytes of every new
 * event, and so every brief hash and signature over them, depend on it.
 */
static void every_op_writes_its_fields_in_the_order_ledgers_have(void **state)
{
	static const struct {
		const char *op, *fields;
	} written[] = {
		{ "start", "vars rehearsal target" },
		{ "claim", "reason shadowed_in" },
		{ "unclaim", "reason" },
		{ "assign", "person reason" },
		{ "done", "note evidence" },
		{ "review", "verdict note item" },
		{ "skip", "reason" },
		{ "reopen", "reason" },
		{ "block", "reason" },
		{ "unblock", "reason" },
		{ "shadow", "leave" },
		{ "handover", "person note" },
		{ "away", "until back" },
		{ "remind", "kind person steps message webhook_id" },
		{ "finding-add", "finding title severity finding_step evidence" },
		{ "finding-update", "finding estimate risk impact note close" },
		{ "input", "role note" },
		{ "decide", "decision reason brief_hash forced" },
		{ "hook", "result forced" },
		{ "command", "result" },
		{ "poll", "result" },
		{ "override", "reason" },
		{ "checklist-add", "item text evidence_required review owner" },
		{ "checklist-remove", "item reason" },
		{ "check", "item result note evidence severity finding" },
	};
	size_t count, i;

	(void)state;
	op_rows(&count);
	assert_int_equal(count, sizeof(written) / sizeof(written[0]));
	for (i = 0; i < count; i++) {
		const struct op_def *def = op_find(written[i].op);
		cJSON *json, *field;
		char names[256] = "";

		assert_non_null(def);
		json = full_event(def);
		cJSON_ArrayForEach(field, json)
		{
			if (strcmp(field->string, "id") == 0 || strcmp(field->string, "time") == 0 ||
			    strcmp(field->string, "actor") == 0 || strcmp(field->string, "op") == 0 ||
			    strcmp(field->string, "step") == 0 || strcmp(field->string, "candidate") == 0)
				continue;
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", names[0] ? " " : "",
				 field->string);
		}
		assert_string_equal(names, written[i].fields);
		cJSON_Delete(json);
	}
}

/* The struct's members are what the JSON names: a decoded field reads back under its own name. */
static void decoded_fields_land_in_their_members(void **state)
{
	cJSON *json = cJSON_Parse("{\"id\":\"e2\",\"time\":\"2024-03-19T10:00:00Z\",\"actor\":\"dan\",\"op\":\"check\","
				  "\"step\":\"test-voyager\",\"candidate\":1,\"item\":\"static-ip\",\"result\":\"fail\","
				  "\"note\":\"no lease\",\"evidence\":[\"https://x/1\"],\"severity\":\"major\","
				  "\"finding\":\"F-abc123\"}");
	struct event ev;
	struct error err;

	(void)state;
	assert_int_equal(ledger_event_decode(json, &ev, &err), 0);
	assert_string_equal(ev.id, "e2");
	assert_string_equal(ev.actor, "dan");
	assert_string_equal(ev.step, "test-voyager");
	assert_string_equal(ev.item, "static-ip");
	assert_string_equal(ev.result, "fail");
	assert_string_equal(ev.note, "no lease");
	assert_string_equal(ev.severity, "major");
	assert_string_equal(ev.finding, "F-abc123");
	assert_int_equal(cJSON_GetArraySize(ev.evidence), 1);
	assert_null(ev.reason);
	assert_null(ev.hook_result);
	cJSON_Delete(json);
}

static void a_field_the_op_does_not_carry_is_refused(void **state)
{
	cJSON *json = cJSON_Parse("{\"id\":\"e3\",\"time\":\"2024-03-19T10:00:00Z\",\"actor\":\"dan\",\"op\":\"done\","
				  "\"step\":\"notes\",\"candidate\":1,\"notes\":\"misspelt\"}");
	struct event ev;
	struct error err;

	(void)state;
	assert_int_equal(ledger_event_decode(json, &ev, &err), -1);
	assert_int_equal(err.code, EXIT_DATAERR);
	assert_non_null(strstr(err.message, "has the field \"notes\", which done events do not carry"));
	cJSON_Delete(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_op_has_its_shape_check_apply_and_message),
		cmocka_unit_test(every_op_encodes_what_it_decodes_byte_for_byte),
		cmocka_unit_test(every_op_writes_its_fields_in_the_order_ledgers_have),
		cmocka_unit_test(decoded_fields_land_in_their_members),
		cmocka_unit_test(a_field_the_op_does_not_carry_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

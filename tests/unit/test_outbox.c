/*
 * The outbox on its own: a file relctl wrote reads back whole, and a file
 * anyone edited by hand (cut short, a key twice, a wrong type, an unknown
 * kind, a notice of another release, a step id with a slash) is refused
 * with one clause saying what is wrong, never a crash.  Files are written
 * in a temporary folder standing in for .git/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "outbox.h"

static const char good[] =
	"{\"format\": 1, \"release\": \"1.0\", \"hook\": \"chat\", \"queued_at\": \"2024-03-19T10:00:00Z\","
	" \"why\": \"not sent: CHAT_URL is unset\", \"notices\": ["
	"{\"kind\": \"ready\", \"release\": \"1.0\", \"step\": \"test\", \"role\": \"support\"},"
	"{\"kind\": \"rejected\", \"release\": \"1.0\", \"step\": \"build\", \"person\": null, \"by\": \"shalom\", \"note\": \"no arm64\"},"
	"{\"kind\": \"decided\", \"release\": \"1.0\", \"step\": \"go\", \"decision\": \"delay\", \"summary\": \"ola delayed\","
	" \"reason\": \"r\", \"forced\": true}]}";

static void a_file_relctl_wrote_reads_back(void **state)
{
	struct outbox_entry e;
	struct error err;

	(void)state;
	assert_int_equal(outbox_parse(good, strlen(good), &e, &err), 0);
	assert_string_equal(e.release, "1.0");
	assert_string_equal(e.hook, "chat");
	assert_string_equal(e.queued_at, "2024-03-19T10:00:00Z");
	assert_int_equal(cJSON_GetArraySize(e.notices), 3);
	outbox_entry_release(&e);
}

/* text with the first occurrence of from replaced by to. */
static char *edited(const char *from, const char *to)
{
	const char *at = strstr(good, from);

	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
}

static void expect_refused(const char *text, size_t len, const char *why)
{
	struct outbox_entry e;
	struct error err;

	assert_int_equal(outbox_parse(text, len, &e, &err), -1);
	assert_int_equal(err.code, EXIT_DATAERR);
	if (strcmp(err.message, why) != 0)
		fail_msg("wanted \"%s\", got \"%s\"", why, err.message);
	assert_null(strchr(err.message, '\n'));
	assert_null(e.release);
	assert_null(e.notices);
}

static void expect_edit_refused(const char *from, const char *to, const char *why)
{
	char *text = edited(from, to);

	expect_refused(text, strlen(text), why);
	free(text);
}

static void a_hand_edited_file_is_one_clause_saying_what_is_wrong(void **state)
{
	(void)state;
	/* Cut short anywhere: never a crash, always refused. */
	for (size_t len = 0; len < strlen(good); len++) {
		struct outbox_entry e;
		struct error err;

		assert_int_equal(outbox_parse(good, len, &e, &err), -1);
		assert_int_equal(err.code, EXIT_DATAERR);
	}
	expect_refused("", 0, "it is not valid JSON");
	expect_refused("[1]", 3, "it is not a JSON object");
	expect_edit_refused("\"format\": 1", "\"format\": 2", "it is not of format 1 (a newer relctl's, or not relctl's)");
	expect_edit_refused("\"format\": 1", "\"format\": \"1\"", "it is not of format 1 (a newer relctl's, or not relctl's)");
	expect_edit_refused("\"release\": \"1.0\", \"hook\"", "\"release\": 1, \"hook\"",
			    "it has a \"release\" that is not a string");
	expect_edit_refused("\"release\": \"1.0\", \"hook\"", "\"release\": \"../x\", \"hook\"",
			    "it has a \"release\" that is not a version");
	expect_edit_refused("\"hook\": \"chat\"", "\"hook\": \"chat\", \"hook\": \"evil\"",
			    "it has the key \"hook\" twice in one object, which relctl never writes");
	expect_edit_refused("\"queued_at\": \"2024-03-19T10:00:00Z\"", "\"queued_at\": \"yesterday\"",
			    "it has a \"queued_at\" that is not a UTC time (2024-03-19T10:00:00Z)");
	expect_edit_refused("\"why\": \"not sent: CHAT_URL is unset\", ", "", "it has no \"why\"");
	expect_edit_refused("\"notices\": [", "\"notices\": {}, \"x\": [", "it has no \"notices\" (a list of 1 to 1000)");
	expect_edit_refused("{\"kind\": \"ready\"", "7, {\"kind\": \"ready\"", "notice 1 is not an object");
	expect_edit_refused("\"kind\": \"ready\"", "\"kind\": \"praise\"",
			    "notice 1 is of an unknown kind (ready, rejected, finding or decided)");
	expect_edit_refused("\"release\": \"1.0\", \"step\": \"test\"", "\"release\": \"2.0\", \"step\": \"test\"",
			    "notice 1 is about another release than the file's");
	expect_edit_refused("\"step\": \"test\"", "\"step\": \"../../etc\"", "notice 1 has a \"step\" that is not a step id");
	expect_edit_refused(", \"role\": \"support\"", "", "notice 1 has no \"role\"");
	expect_edit_refused("\"person\": null", "\"person\": 3", "notice 2 has a \"person\" that is not a string");
	expect_edit_refused("\"note\": \"no arm64\"", "\"note\": [\"no arm64\"]", "notice 2 has a \"note\" that is not a string");
	expect_edit_refused("\"forced\": true", "\"forced\": \"yes\"", "notice 3 has a \"forced\" that is not true or false");
}

static void an_outbox_lists_oldest_first_and_keeps_what_it_cannot_read(void **state)
{
	char dir[] = "/tmp/relctl-outbox.XXXXXX", *git_dir, *path;
	struct outbox_entry *entries;
	struct error err;
	size_t count;
	cJSON *notices = cJSON_Parse("[{\"kind\": \"ready\", \"release\": \"1.0\", \"step\": \"test\", \"role\": \"dev\"}]");
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	git_dir = xasprintf("%s/", dir);
	assert_int_equal(outbox_list(git_dir, &entries, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(outbox_add(git_dir, "1.0", "chat", "2024-03-19T10:00:00Z", "not sent", notices, &err), 0);
	assert_int_equal(outbox_add(git_dir, "1.0", "chat", "2024-03-19T11:00:00Z", "not sent", notices, &err), 0);
	path = xasprintf("%srelctl/outbox/00-by-hand.json", git_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"format\": 1", f);
	fclose(f);
	assert_int_equal(outbox_list(git_dir, &entries, &count, &err), 0);
	assert_int_equal(count, 3);
	assert_string_equal(entries[0].id, "00-by-hand");
	assert_string_equal(entries[0].problem, "it is not valid JSON");
	assert_null(entries[1].problem);
	assert_string_equal(entries[1].queued_at, "2024-03-19T10:00:00Z");
	assert_string_equal(entries[2].queued_at, "2024-03-19T11:00:00Z");
	assert_int_equal(outbox_remove(git_dir, entries[1].id, &err), 0);
	outbox_list_free(entries, count);
	assert_int_equal(outbox_list(git_dir, &entries, &count, &err), 0);
	assert_int_equal(count, 2);
	outbox_list_free(entries, count);
	unlink(path);
	free(path);
	path = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
	free(path);
	free(git_dir);
	cJSON_Delete(notices);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_file_relctl_wrote_reads_back),
		cmocka_unit_test(a_hand_edited_file_is_one_clause_saying_what_is_wrong),
		cmocka_unit_test(an_outbox_lists_oldest_first_and_keeps_what_it_cannot_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

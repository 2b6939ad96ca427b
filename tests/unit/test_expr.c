/*
 * The `when:` expressions (src/expr.c): how they bind (or looser than and,
 * not tighter than both but looser than a comparison), `in` lists, the
 * release's own parts of its version, every syntax and type error with
 * the byte offset of its token, and how a ledger's odd values evaluate.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "cJSON.h"
#include "expr.h"

static const char *const type_values[] = { "alpha", "beta", "rc", "final" };

/* The vars of a playbook: bools new_branch, security, flag and rc; enum type; number count; string channel. */
static bool lookup(void *data, const char *name, struct expr_var *var)
{
	(void)data;
	memset(var, 0, sizeof(*var));
	if (!strcmp(name, "new_branch") || !strcmp(name, "security") || !strcmp(name, "flag") || !strcmp(name, "rc")) {
		var->type = EXPR_BOOL;
	} else if (!strcmp(name, "type")) {
		var->type = EXPR_STRING;
		var->is_enum = true;
		var->values = type_values;
		var->value_count = 4;
	} else if (!strcmp(name, "count")) {
		var->type = EXPR_NUMBER;
	} else if (!strcmp(name, "channel")) {
		var->type = EXPR_STRING;
	} else {
		return false;
	}
	return true;
}

static struct expr *checked(const char *text)
{
	struct expr_error err;
	struct expr *e = expr_parse(text, &err);

	if (e == NULL)
		fail_msg("\"%s\" did not parse: %s (at %zu)", text, err.message, err.offset);
	if (expr_check(e, lookup, NULL, &err) != 0)
		fail_msg("\"%s\" did not check: %s (at %zu)", text, err.message, err.offset);
	return e;
}

/* Whether text holds for vars (JSON) and version. */
static bool holds(const char *text, const char *vars_json, const char *version)
{
	struct expr *e = checked(text);
	cJSON *vars = cJSON_Parse(vars_json);
	bool result;

	assert_non_null(vars);
	result = expr_holds(e, vars, version);
	cJSON_Delete(vars);
	expr_free(e);
	return result;
}

#define VARS(nb, sec, flag) "{\"new_branch\":" #nb ",\"security\":" #sec ",\"flag\":" #flag \
	",\"rc\":true,\"type\":\"final\",\"count\":3,\"channel\":\"stable\"}"

static void or_binds_looser_than_and(void **state)
{
	(void)state;
	/* new_branch or (security and flag), not (new_branch or security) and flag */
	assert_true(holds("new_branch or security and flag", VARS(true, false, false), "1.0"));
	assert_false(holds("(new_branch or security) and flag", VARS(true, false, false), "1.0"));
	assert_true(holds("security and flag or new_branch", VARS(true, false, false), "1.0"));
	assert_false(holds("new_branch and security or flag", VARS(true, false, false), "1.0"));
}

static void not_binds_tighter_than_and_but_looser_than_a_comparison(void **state)
{
	(void)state;
	/* (not new_branch) and security: false; not (new_branch and security) would be true */
	assert_false(holds("not new_branch and security", VARS(false, false, false), "1.0"));
	assert_true(holds("not (new_branch and security)", VARS(false, false, false), "1.0"));
	/* not (type == final), not (not type) == final */
	assert_false(holds("not type == final", VARS(false, false, false), "1.0"));
	assert_true(holds("not type == beta", VARS(false, false, false), "1.0"));
	assert_true(holds("not not security", VARS(false, true, false), "1.0"));
	/* the old negation still reads */
	assert_true(holds("!security", VARS(false, false, false), "1.0"));
	assert_false(holds("!security", VARS(false, true, false), "1.0"));
}

static void comparisons_and_in_lists(void **state)
{
	(void)state;
	assert_true(holds("type == final", VARS(false, false, false), "1.0"));
	assert_true(holds("final == type", VARS(false, false, false), "1.0"));
	assert_false(holds("type != final", VARS(false, false, false), "1.0"));
	assert_true(holds("type in [rc, final]", VARS(false, false, false), "1.0"));
	assert_false(holds("type in [alpha, beta]", VARS(false, false, false), "1.0"));
	assert_true(holds("type in ['final']", VARS(false, false, false), "1.0"));
	assert_true(holds("count == 3 and count != 4", VARS(false, false, false), "1.0"));
	assert_true(holds("count in [1, 2, 3]", VARS(false, false, false), "1.0"));
	assert_true(holds("channel == stable and channel != \"beta\"", VARS(false, false, false), "1.0"));
	assert_true(holds("security == false and rc == true", VARS(false, false, false), "1.0"));
	/* A word the enum lists is its value even though a bool var has the name; alone, it is the var. */
	assert_true(holds("type != rc and rc", VARS(false, false, false), "1.0"));
	assert_true(holds("true", VARS(false, false, false), "1.0"));
	assert_false(holds("false or false", VARS(false, false, false), "1.0"));
	/* The example */
	assert_true(holds("new_branch or (type == final and release.patch == 0)", VARS(false, false, false), "3.14.0"));
	assert_false(holds("new_branch or (type == final and release.patch == 0)", VARS(false, false, false), "3.14.1"));
	assert_true(holds("new_branch or (type == final and release.patch == 0)", VARS(true, false, false), "3.14.1"));
}

static void version_parts(const char *version, long long major, long long minor, long long patch,
			  const char *prerelease)
{
	struct version_parts p;

	version_split(version, &p);
	assert_int_equal(p.major, major);
	assert_int_equal(p.minor, minor);
	assert_int_equal(p.patch, patch);
	assert_string_equal(p.prerelease, prerelease);
}

static void a_version_splits_into_its_leading_numbers_and_what_follows(void **state)
{
	(void)state;
	version_parts("3.14.0b1", 3, 14, 0, "b1");
	version_parts("2.6.3", 2, 6, 3, "");
	version_parts("10.0", 10, 0, 0, "");
	version_parts("1.2.3-rc.1", 1, 2, 3, "rc.1");
	version_parts("7", 7, 0, 0, "");
	version_parts("v2.1", 2, 1, 0, "");
	version_parts("1.2.3.4", 1, 2, 3, "");
	version_parts("1.2.rc1", 1, 2, 0, "rc1");
	version_parts("2024.03_hotfix", 2024, 3, 0, "hotfix");
	version_parts("nightly", 0, 0, 0, "nightly");
	version_parts("vNext", 0, 0, 0, "vNext");
	version_parts("99999999999999999999999.1", LLONG_MAX, 1, 0, "");
}

static void the_release_parts_evaluate_from_the_version(void **state)
{
	(void)state;
	assert_true(holds("release.major == 3 and release.minor == 14 and release.patch == 0 and release.prerelease == b1",
			  "{}", "3.14.0b1"));
	assert_true(holds("release.prerelease == ''", "{}", "2.6.3"));
	assert_true(holds("release.patch == 0 and release.minor == 0 and release.major == 10", "{}", "10.0"));
	assert_true(holds("release.prerelease == 'rc.1' and release.patch == 3", "{}", "1.2.3-rc.1"));
	assert_true(holds("release.version == 2.6.3", "{}", "2.6.3"));
	assert_true(holds("release.version in [2.6.2, '2.6.3']", "{}", "2.6.3"));
	assert_false(holds("release.patch == 0", "{}", "2.6.3"));
}

/* A syntax error: its offset and its message. */
static void refused(const char *text, size_t offset, const char *message)
{
	struct expr_error err;
	struct expr *e = expr_parse(text, &err);

	if (e != NULL)
		fail_msg("\"%s\" parsed", text);
	assert_false(err.empty);
	if (strcmp(err.message, message) != 0)
		fail_msg("\"%s\": got \"%s\", expected \"%s\"", text, err.message, message);
	if (err.offset != offset)
		fail_msg("\"%s\": error at %zu, expected %zu (%s)", text, err.offset, offset, message);
}

static void every_syntax_error_points_at_its_token(void **state)
{
	char deep[300];

	(void)state;
	refused("new_branch and", 14, "expected a name or a value, not the end");
	refused("new_branch and or security", 15, "expected a name or a value, not \"or\"");
	refused("(new_branch or security", 23, "expected ')' to close the '(', not the end");
	refused("new_branch or security)", 22, "this ')' closes no '('");
	refused("type = final", 5, "'=' is not a comparison: write '==' (or '!=')");
	refused("final && rc", 6, "unexpected '&': write \"and\"");
	refused("final || rc", 6, "unexpected '|': write \"or\"");
	refused("type == 'final", 8, "this string has no closing '");
	refused("type == \"final", 8, "this string has no closing \"");
	refused("type in final", 8, "expected '[' to open the list after \"in\", not \"final\"");
	refused("type in []", 9, "an \"in\" list needs at least one value");
	refused("type in [rc final]", 12, "expected ',' or ']', not \"final\"");
	refused("type in [rc,", 12, "expected a name or a value, not the end");
	refused("new_branch security", 11, "expected \"and\", \"or\" or the end, not \"security\"");
	refused("count == 99999999999999999999", 9, "the number 99999999999999999999 is too large");
	refused("type == ", 8, "expected a name or a value, not the end");
	refused("type == == final", 8, "expected a name or a value, not \"==\"");
	refused("new_branch @ rc", 11, "unexpected '@'");
	refused("-rc", 0, "unexpected '-'");
	refused("rc\x01", 2, "unexpected character (byte 0x01)");
	refused("not", 3, "expected a name or a value, not the end");
	refused("()", 1, "expected a name or a value, not \")\"");
	memset(deep, '(', 100);
	strcpy(deep + 100, "rc");
	refused(deep, 64, "the condition nests deeper than 64 levels");
	{
		/* A chain of ors is a tree as deep as it is long: the length is capped. */
		struct buf chain;
		struct expr *e;

		buf_init(&chain);
		buf_adds(&chain, "rc");
		while (chain.len < 4090)
			buf_adds(&chain, " or rc");
		e = checked(chain.data);
		expr_free(e);
		buf_adds(&chain, " or rc");
		refused(chain.data, 4096, "the condition is longer than 4096 bytes");
		buf_release(&chain);
	}
}

static void an_empty_condition_has_no_token(void **state)
{
	const char *const empty[] = { "", "   ", "!", " ! !" };
	struct expr_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		assert_null(expr_parse(empty[i], &err));
		assert_true(err.empty);
	}
}

/* A type error: its offset and its message. */
static void mistyped(const char *text, size_t offset, const char *message)
{
	struct expr_error err;
	struct expr *e = expr_parse(text, &err);

	if (e == NULL)
		fail_msg("\"%s\" did not parse: %s", text, err.message);
	if (expr_check(e, lookup, NULL, &err) == 0)
		fail_msg("\"%s\" checked", text);
	expr_free(e);
	if (strcmp(err.message, message) != 0)
		fail_msg("\"%s\": got \"%s\", expected \"%s\"", text, err.message, message);
	if (err.offset != offset)
		fail_msg("\"%s\": error at %zu, expected %zu (%s)", text, err.offset, offset, message);
}

static void unknown_names_and_type_mismatches_point_at_their_token(void **state)
{
	(void)state;
	mistyped("new_brnch", 0, "\"when\" names the undeclared var \"new_brnch\"; declare it under \"vars\"");
	mistyped("security and (flag or typo)", 22, "\"when\" names the undeclared var \"typo\"; declare it under \"vars\"");
	mistyped("typo == final", 0, "\"when\" names the undeclared var \"typo\"; declare it under \"vars\"");
	mistyped("type", 0, "\"when\" needs a bool var, and \"type\" is an enum: compare it, type == alpha");
	mistyped("security or channel", 12, "\"when\" needs a bool var, and \"channel\" is a string");
	mistyped("count", 0, "\"when\" needs a bool var, and \"count\" is a number");
	mistyped("type == finall", 8, "enum var \"type\" has no value \"finall\" (its values: alpha, beta, rc, final)");
	mistyped("type in [alpha, bogus]", 16, "enum var \"type\" has no value \"bogus\" (its values: alpha, beta, rc, final)");
	mistyped("'gold' != type", 0, "enum var \"type\" has no value \"gold\" (its values: alpha, beta, rc, final)");
	mistyped("type == 3", 8, "enum var \"type\" has no value \"3\" (its values: alpha, beta, rc, final)");
	mistyped("new_branch == stable", 14, "comparing bool var \"new_branch\" with the word \"stable\", which names no var");
	mistyped("security == 'yes'", 12, "comparing bool var \"security\" with the string \"yes\"");
	mistyped("security == channel", 12, "comparing bool var \"security\" with string var \"channel\"");
	mistyped("count == 'x'", 9, "comparing number var \"count\" with the string \"x\"");
	mistyped("release.patch == zero", 17,
		 "comparing release.patch (a number) with the word \"zero\", which names no var");
	mistyped("release.major == release.version", 17,
		 "comparing release.major (a number) with release.version (a string)");
	mistyped("type == true", 8, "comparing enum var \"type\" with true");
	mistyped("release.build == 1", 0,
		 "unknown release part \"release.build\": use release.version, release.major, release.minor, release.patch or release.prerelease");
	mistyped("release.patch", 0, "release.patch is a number, not a condition: compare it, release.patch == 0");
	mistyped("3", 0, "the number 3 is not a condition");
	mistyped("'x'", 0, "the string \"x\" is not a condition");
	mistyped("1 == 2", 0, "this compares two values and nothing of the release");
	mistyped("yes == no", 0, "\"when\" names the undeclared var \"yes\"; declare it under \"vars\"");
}

static void why_false_names_the_var_or_the_condition(void **state)
{
	struct expr *e;
	cJSON *vars = cJSON_Parse(VARS(false, true, false));
	char *why;

	(void)state;
	e = checked("flag");
	why = expr_why_false(e, vars, "1.0");
	assert_string_equal(why, "flag is false");
	free(why);
	expr_free(e);
	e = checked("!security");
	why = expr_why_false(e, vars, "1.0");
	assert_string_equal(why, "security is true");
	free(why);
	expr_free(e);
	e = checked("type == beta or release.patch == 1");
	why = expr_why_false(e, vars, "1.0");
	assert_string_equal(why, "type == beta or release.patch == 1 is false");
	assert_string_equal(expr_text(e), "type == beta or release.patch == 1");
	free(why);
	expr_free(e);
	e = checked("security");
	assert_null(expr_why_false(e, vars, "1.0"));
	expr_free(e);
	cJSON_Delete(vars);
}

static void a_var_the_release_lacks_or_holds_with_another_type_equals_nothing(void **state)
{
	(void)state;
	/* Old releases or a hostile ledger: never equal, and false as a bool. */
	assert_false(holds("type == final", "{}", "1.0"));
	assert_true(holds("type != final", "{}", "1.0"));
	assert_false(holds("type in [alpha, beta, rc, final]", "{\"type\":7}", "1.0"));
	assert_false(holds("security", "{\"security\":\"true\"}", "1.0"));
	assert_true(holds("not security", "{\"security\":1}", "1.0"));
	assert_false(holds("count == 3", "{\"count\":\"3\"}", "1.0"));
	assert_false(holds("security", "[]", "1.0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(or_binds_looser_than_and),
		cmocka_unit_test(not_binds_tighter_than_and_but_looser_than_a_comparison),
		cmocka_unit_test(comparisons_and_in_lists),
		cmocka_unit_test(a_version_splits_into_its_leading_numbers_and_what_follows),
		cmocka_unit_test(the_release_parts_evaluate_from_the_version),
		cmocka_unit_test(every_syntax_error_points_at_its_token),
		cmocka_unit_test(an_empty_condition_has_no_token),
		cmocka_unit_test(unknown_names_and_type_mismatches_point_at_their_token),
		cmocka_unit_test(why_false_names_the_var_or_the_condition),
		cmocka_unit_test(a_var_the_release_lacks_or_holds_with_another_type_equals_nothing),
	};

	return cmocka_run_group_tests_name("expr", tests, NULL, NULL);
}

/*
 * The playbook loader (src/playbook.c): every class of error a team can make
 * in a playbook, each asserted with its exact message and the LINE:COLUMN
 * that `relctl lint` prints, plus the warnings that do not refuse a playbook,
 * the model a valid playbook becomes, and the two shipped examples.
 *
 * Each test parses a small inline text.  Most start from HEAD, five lines
 * that declare four roles and one person holding all of them, so that the
 * line numbers of a test's own lines start at 6.  The parse result lives in
 * file-level state that the teardown frees, so that a failing assertion
 * leaks nothing under LeakSanitizer.
 */
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
#include "err.h"
#include "file.h"
#include "playbook.h"
#include "test_keys.h"
#include "util.h"

#define FILE_LABEL "pb.yaml"

#define HEAD                                                                                                   \
	"relctl: 1\n"                                                                                          \
	"name: Unit\n"                                                                                         \
	"roles: [release-manager, product-owner, dev, support]\n"                                              \
	"people:\n"                                                                                            \
	"  - {id: rita, email: rita@example.com, roles: [release-manager, product-owner, dev, support]}\n"

/* HEAD and one phase whose steps are the test's lines 9 and on. */
#define PHASE                                                                                                  \
	HEAD "phases:\n"                                                                                       \
	     "  - id: build\n"                                                                                 \
	     "    steps:\n"

static struct diagnostics diags;
static struct playbook *pb;

static int setup(void **state)
{
	(void)state;
	diagnostics_init(&diags, FILE_LABEL);
	pb = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	playbook_free(pb);
	pb = NULL;
	diagnostics_release(&diags);
	return 0;
}

static void parse_len(const char *text, size_t len)
{
	playbook_free(pb);
	diagnostics_release(&diags);
	diagnostics_init(&diags, FILE_LABEL);
	pb = playbook_parse(text, len, &diags);
}

static void parse(const char *text)
{
	parse_len(text, strlen(text));
}

/* The diagnostics (the first 40), one per line, for failure messages. */
static void print_all(void)
{
	size_t i;

	for (i = 0; i < diags.count && i < 40; i++) {
		char *line = diagnostic_format(&diags, &diags.items[i]);

		print_message("    %s\n", line);
		free(line);
	}
}

static const struct diagnostic *find(bool warning, int line, int column, const char *text, bool exact)
{
	size_t i;

	for (i = 0; i < diags.count; i++) {
		const struct diagnostic *d = &diags.items[i];

		if (d->warning != warning || d->mark.line != line || d->mark.column != column)
			continue;
		if (exact ? strcmp(d->message, text) == 0 : strstr(d->message, text) != NULL)
			return d;
	}
	return NULL;
}

static void expect_diag(bool warning, int line, int column, const char *text, bool exact)
{
	if (find(warning, line, column, text, exact))
		return;
	print_message("expected %s %s:%d:%d: %s%s\ngot:\n", warning ? "warning" : "error", FILE_LABEL, line,
		      column, exact ? "" : "...", text);
	print_all();
	fail();
}

/* An error at LINE:COLUMN whose message is exactly text. */
#define expect_error(line, column, text) expect_diag(false, line, column, text, true)
/* An error at LINE:COLUMN whose message contains text. */
#define expect_error_containing(line, column, text) expect_diag(false, line, column, text, false)
#define expect_warning(line, column, text) expect_diag(true, line, column, text, true)

static void expect_counts(size_t errors, size_t warnings)
{
	if (diags.errors == errors && diags.warnings == warnings)
		return;
	print_message("expected %zu errors and %zu warnings, got %zu and %zu:\n", errors, warnings, diags.errors,
		      diags.warnings);
	print_all();
	fail();
}

static void expect_refused(size_t errors)
{
	assert_null(pb);
	if (diags.errors != errors) {
		print_message("expected %zu errors, got %zu:\n", errors, diags.errors);
		print_all();
		fail();
	}
}

static void expect_clean(void)
{
	if (pb == NULL || diags.count != 0) {
		print_message("expected a clean playbook, got:\n");
		print_all();
		fail();
	}
}

/* ---------- YAML syntax ---------- */

static void yaml_syntax_error_names_the_problem_and_its_place(void **state)
{
	(void)state;
	parse("relctl: 1\nname: [unclosed\n");
	expect_refused(1);
	expect_error(3, 1, "YAML error: did not find expected ',' or ']' while parsing a flow sequence (line 2)");

	parse("relctl: 1\nname: x\n  bad: indent\n");
	expect_refused(1);
	expect_error(3, 6, "YAML error: mapping values are not allowed in this context");
}

static void tabs_for_indentation_are_a_yaml_error(void **state)
{
	(void)state;
	parse("relctl: 1\nroles:\n\t- dev\n");
	expect_refused(1);
	expect_error(3, 1, "YAML error: found character that cannot start any token while scanning for the next "
			   "token (line 3)");
}

static void invalid_utf8_is_placed_at_its_byte(void **state)
{
	(void)state;
	parse("relctl: 1\nname: \xff\xfe bad\n");
	expect_refused(1);
	expect_error(2, 7, "YAML error: invalid leading UTF-8 octet (at byte 16)");

	/* Columns count characters, as libyaml does: each "é" is one.  The
	 * cut-off sequence is found at the byte after its lead (the newline). */
	parse("relctl: 1\nname: \xc3\xa9\xc3\xa9 \xc3\n");
	expect_refused(1);
	expect_error(2, 11, "YAML error: invalid trailing UTF-8 octet (at byte 22)");
}

static void nul_bytes_are_refused_with_their_place(void **state)
{
	static const char text[] = "relctl: 1\nname: a\0b\n";

	(void)state;
	parse_len(text, sizeof(text) - 1);
	expect_refused(1);
	expect_error(2, 8, "the playbook contains NUL bytes; it must be UTF-8 text");
}

static void an_empty_playbook_is_refused(void **state)
{
	(void)state;
	parse("");
	expect_refused(1);
	expect_error(1, 1, "the playbook is empty; it must start with \"relctl: 1\"");

	parse("# a comment, and nothing else\n\n");
	expect_refused(1);
	expect_error(1, 1, "the playbook is empty; it must start with \"relctl: 1\"");
}

static void a_playbook_must_be_a_mapping(void **state)
{
	(void)state;
	parse("- relctl: 1\n- name: x\n");
	expect_refused(1);
	expect_error(1, 1, "a playbook must be a mapping that starts with \"relctl: 1\", not a list");

	parse("just words\n");
	expect_refused(1);
	expect_error(1, 1, "a playbook must be a mapping that starts with \"relctl: 1\", not a scalar");
}

static void a_second_document_is_refused(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d}\n---\nrelctl: 1\n");
	expect_refused(1);
	expect_error(10, 1, "a playbook is one YAML document; remove this second one");
}

static void deep_nesting_stops_at_32_levels(void **state)
{
	char text[10000 + 8];

	(void)state;
	memcpy(text, "name: ", 6);
	memset(text + 6, '[', 10000);
	text[10006] = '\0';
	parse(text);
	expect_refused(1);
	/* The root mapping is level 0; the 32nd '[' is one too many. */
	expect_error(1, 38, "the playbook nests deeper than 32 levels");
}

static void a_huge_value_is_refused(void **state)
{
	size_t n = 256 * 1024 + 1;
	char *text = xmalloc(n + 32);

	(void)state;
	memcpy(text, "relctl: 1\nname: ", 16);
	memset(text + 16, 'x', n);
	strcpy(text + 16 + n, "\n");
	parse(text);
	free(text);
	expect_refused(1);
	expect_error(2, 7, "this value is too long (262145 bytes, at most 262144)");
}

static void too_many_roles_are_refused_at_the_list(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b);
	buf_adds(&b, "relctl: 1\nname: x\nroles: [");
	for (i = 0; i < 25000; i++)
		buf_adds(&b, "r,");
	buf_adds(&b, "r]\nphases: [{id: p, steps: [{id: s, title: S, owner: r, doc: d}]}]\n");
	parse(b.data);
	buf_release(&b);
	/* The list is refused, so the role it would have declared is unknown too. */
	expect_refused(2);
	/* The list is refused at its start, line 3 column 8. */
	expect_error(3, 8, "the playbook lists 25001 roles; at most 1000");
}

/* ---------- aliases ---------- */

static void aliases_are_refused(void **state)
{
	(void)state;
	parse(HEAD "hooks:\n"
		   "  a: &h {url: \"http://example.com\"}\n"
		   "  b: *h\n");
	expect_refused(1);
	expect_error(8, 6, "YAML aliases (*h) are not supported in a playbook; write the value out");
}

static void a_merge_key_is_an_alias_too(void **state)
{
	(void)state;
	parse(HEAD "vars:\n"
		   "  base: &b {type: bool}\n"
		   "  other: {<<: *b, default: true}\n");
	expect_refused(1);
	expect_error(8, 15, "YAML aliases (*b) are not supported in a playbook; write the value out");
}

static void a_billion_laughs_stops_at_the_first_alias(void **state)
{
	(void)state;
	parse("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n");
	expect_refused(1);
	expect_error(2, 8, "YAML aliases (*a) are not supported in a playbook; write the value out");
}

static void an_anchor_without_alias_is_harmless(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: &t A, owner: dev, doc: d}\n");
	expect_clean();
}

/* ---------- the schema version ---------- */

static void a_missing_schema_version_is_an_error(void **state)
{
	(void)state;
	parse("name: Unit\n"
	      "roles: [release-manager, dev]\n"
	      "people: [{id: a, email: a@example.com, roles: [release-manager, dev]}]\n"
	      "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(1);
	expect_error(1, 1, "the playbook is missing \"relctl: 1\" (its schema version)");
}

static void an_unsupported_schema_version_is_refused(void **state)
{
	(void)state;
	parse("relctl: 2\n"
	      "name: Unit\n");
	expect_error(1, 9, "unsupported playbook schema version \"2\": this relctl reads version 1");

	parse("relctl: 1.0\n");
	expect_error(1, 9, "unsupported playbook schema version \"1.0\": this relctl reads version 1");

	parse("relctl: 99999999999999999999999\n");
	expect_error(1, 9, "unsupported playbook schema version \"99999999999999999999999\": this relctl reads "
			   "version 1");
}

static void the_schema_version_must_be_a_plain_number(void **state)
{
	(void)state;
	parse("relctl: \"1\"\n");
	expect_error(1, 9, "the schema version must be a number (\"relctl: 1\"), not a quoted string");

	parse("relctl: [1]\n");
	expect_error(1, 9, "the schema version must be a number (\"relctl: 1\"), not a list");
}

/* ---------- wrong types ---------- */

static void wrong_types_name_the_key_and_both_types(void **state)
{
	(void)state;
	parse("relctl: 1\n"
	      "name: [a, b]\n"
	      "roles: {dev: yes}\n"
	      "people: everyone\n"
	      "vars: [flag]\n"
	      "hooks: [web]\n"
	      "phases: {build: now}\n");
	expect_refused(6);
	expect_error(2, 7, "\"name\" of the playbook must be a string, not a list");
	expect_error(3, 8, "\"roles\" must be a list, not a mapping");
	expect_error(4, 9, "\"people\" must be a list, not a scalar");
	expect_error(5, 7, "\"vars\" must be a mapping, not a list");
	expect_error(6, 8, "\"hooks\" must be a mapping, not a list");
	expect_error(7, 9, "\"phases\" must be a list, not a mapping");
}

static void wrong_types_inside_phases_and_steps(void **state)
{
	(void)state;
	parse(HEAD "phases:\n"
		   "  - just-a-phase-name\n"
		   "  - id: build\n"
		   "    steps: {a: b}\n"
		   "  - id: ship\n"
		   "    steps:\n"
		   "      - just-a-step-name\n"
		   "      - {id: a, title: {x: y}, owner: [dev], needs: {b: c}, doc: d}\n");
	expect_refused(6);
	expect_error(7, 5, "a phase must be a mapping, not a scalar");
	expect_error(9, 12, "\"steps\" must be a list, not a mapping");
	expect_error(12, 9, "a step must be a mapping, not a scalar");
	expect_error(13, 24, "\"title\" of a step must be a string, not a mapping");
	expect_error(13, 39, "\"owner\" of a step must be a string, not a list");
	expect_error(13, 53, "\"needs\" must be a list, not a mapping");
}

static void a_scalar_where_ids_are_listed_is_a_list_of_one(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, needs: a}\n"
		    "      - {id: c, title: C, owner: dev, doc: d, needs: \"a b\"}\n");
	expect_refused(1);
	expect_error(11, 54, "\"needs\" of a step must be a list of ids");
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, needs: a}\n");
	expect_clean();
	assert_int_equal(pb->steps[1].needs.count, 1);
	assert_string_equal(pb->steps[1].needs.items[0], "a");
}

static void mapping_keys_must_be_plain_names(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, [x]: y}\n");
	expect_refused(1);
	expect_error(9, 47, "keys of a step must be plain names");
}

/* ---------- missing required keys ---------- */

static void missing_top_level_keys_are_reported_at_the_start(void **state)
{
	(void)state;
	parse("relctl: 1\ndescription: only this\n");
	expect_refused(3);
	expect_error(1, 1, "the playbook is missing the required key \"name\"");
	expect_error(1, 1, "the playbook is missing the required key \"roles\" (the roles of your team)");
	expect_error(1, 1, "the playbook is missing the required key \"phases\"");
}

static void missing_keys_of_people_phases_and_steps(void **state)
{
	(void)state;
	parse(HEAD "  - {id: sam, roles: [dev]}\n"
		   "  - {id: sue, email: sue@example.com}\n"
		   "  - {email: x@example.com, roles: [dev]}\n"
		   "phases:\n"
		   "  - {title: no id, steps: [{id: z, title: Z, owner: dev, doc: d}]}\n"
		   "  - {id: nosteps}\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - {title: no id}\n"
		   "      - {id: a, doc: d}\n");
	expect_refused(8);
	expect_error(6, 5, "a person is missing the required key \"email\"");
	expect_error(7, 5, "person \"sue\" is missing the required key \"roles\"");
	expect_error(8, 5, "a person is missing the required key \"id\"");
	expect_error(10, 5, "a phase is missing the required key \"id\"");
	expect_error(11, 5, "phase \"nosteps\" is missing the required key \"steps\"");
	expect_error(14, 9, "a step is missing the required key \"id\"");
	expect_error(15, 9, "a step is missing the required key \"title\"");
	expect_error(15, 9, "a step is missing the required key \"owner\"");
}

static void missing_keys_of_vars_and_hooks(void **state)
{
	(void)state;
	parse(HEAD "vars:\n"
		   "  flag: {default: true}\n"
		   "hooks:\n"
		   "  web: {method: GET}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(2);
	expect_error(7, 9, "a var is missing the required key \"type\"");
	expect_error(9, 8, "a hook is missing the required key \"url\"");
}

static void required_strings_must_not_be_empty(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: \"\", owner: dev, doc: d}\n");
	expect_refused(1);
	expect_error(9, 24, "\"title\" of a step must not be empty");
}

static void empty_phases_and_phases_without_steps_are_errors(void **state)
{
	(void)state;
	parse(HEAD "phases: []\n");
	expect_refused(1);
	expect_error(6, 9, "\"phases\" is empty; a playbook needs at least one phase with steps");

	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d}\n"
		    "  - id: empty\n"
		    "    steps: []\n");
	expect_refused(1);
	expect_error(11, 12, "phase \"empty\" has no steps");
}

/* ---------- unknown keys ---------- */

static void unknown_keys_suggest_the_key_meant(void **state)
{
	(void)state;
	parse("relctl: 1\n"
	      "nmae: Unit\n"
	      "name: Unit\n"
	      "roles: [release-manager, dev]\n"
	      "people:\n"
	      "  - {id: a, emial: a@example.com, email: a@example.com, roles: [release-manager, dev]}\n"
	      "vars:\n"
	      "  flag: {type: bool, defualt: true}\n"
	      "hooks:\n"
	      "  web: {url: \"https://example.com\", methd: GET}\n"
	      "phases:\n"
	      "  - id: build\n"
	      "    step: []\n"
	      "    steps:\n"
	      "      - {id: a, title: A, ownr: dev, owner: dev, doc: d, estimat: 1h}\n");
	expect_refused(7);
	expect_error(2, 1, "unknown key \"nmae\" in the playbook; did you mean \"name\"?");
	expect_error(6, 13, "unknown key \"emial\" in a person; did you mean \"email\"?");
	expect_error(8, 22, "unknown key \"defualt\" in a var; did you mean \"default\"?");
	expect_error(10, 37, "unknown key \"methd\" in a hook; did you mean \"method\"?");
	expect_error(13, 5, "unknown key \"step\" in a phase; did you mean \"steps\"?");
	expect_error(15, 27, "unknown key \"ownr\" in a step; did you mean \"owner\"?");
	expect_error(15, 58, "unknown key \"estimat\" in a step; did you mean \"estimate\"?");
}

static void unknown_keys_without_a_close_match_say_only_unknown(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, color: red}\n");
	expect_refused(1);
	expect_error(9, 47, "unknown key \"color\" in a step");
}

static void duplicate_keys_point_at_the_first(void **state)
{
	(void)state;
	parse(PHASE "      - id: a\n"
		    "        title: A\n"
		    "        owner: dev\n"
		    "        doc: d\n"
		    "        title: B\n");
	expect_refused(1);
	expect_error(13, 9, "duplicate key \"title\" in a step (first at line 10)");

	parse("relctl: 1\nrelctl: 1\n");
	expect_error(2, 1, "duplicate key \"relctl\" in the playbook (first at line 1)");
}

/* ---------- roles and people ---------- */

static void unknown_roles_are_errors_with_a_hint(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: deve, doc: d, review: qa}\n"
		    "      - {id: d, title: D, owner: product-owner, doc: d, kind: decision, inputs: [dev, marketing]}\n");
	expect_refused(3);
	expect_error(9, 34, "the owner of this step names the unknown role \"deve\"; did you mean \"dev\"?");
	expect_error(9, 56, "\"review\" names the unknown role \"qa\"; declare it in \"roles\"");
	expect_error(10, 87, "\"inputs\" names the unknown role \"marketing\"; declare it in \"roles\"");
}

static void people_with_undeclared_roles_are_errors(void **state)
{
	(void)state;
	parse(HEAD "  - {id: sam, email: sam@example.com, roles: [dev, qa]}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(1);
	expect_error(6, 52, "person \"sam\" has the undeclared role \"qa\"; add it to \"roles\"");
}

static void people_need_valid_ids_and_their_own_emails(void **state)
{
	(void)state;
	parse(HEAD "  - {id: Sam, email: sam@example.com, roles: [dev]}\n"
		   "  - {id: sue, email: sue-at-example.com, roles: [dev]}\n"
		   "  - {id: tom, email: RITA@example.com, roles: [dev]}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(3);
	expect_error(6, 10, "\"Sam\" is not a valid id: use lower-case letters, digits, '-', '_' or '.'");
	expect_error(7, 22, "\"sue-at-example.com\" is not an email address");
	expect_error(8, 22, "rita and tom share the email RITA@example.com; each person needs their own");
}

/* ---------- duplicate ids ---------- */

static void duplicate_step_ids_point_at_the_first(void **state)
{
	(void)state;
	parse(PHASE "      - {id: compile, title: Compile, owner: dev, doc: d}\n"
		    "  - id: ship\n"
		    "    steps:\n"
		    "      - {id: compile, title: Again, owner: dev, doc: d}\n");
	expect_refused(1);
	expect_error(12, 14, "duplicate step id \"compile\" (first at line 9)");
}

static void duplicate_phase_ids_are_errors(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d}\n"
		    "  - id: build\n"
		    "    steps:\n"
		    "      - {id: b, title: B, owner: dev, doc: d}\n");
	expect_refused(1);
	expect_error(10, 9, "duplicate phase id \"build\"");
}

static void duplicate_person_ids_are_errors(void **state)
{
	(void)state;
	parse(HEAD "  - {id: rita, email: rita2@example.com, roles: [dev]}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(1);
	expect_error(6, 10, "duplicate person id \"rita\"");
}

static void duplicate_vars_hooks_and_list_items_are_errors(void **state)
{
	(void)state;
	parse(HEAD "vars:\n"
		   "  flag: {type: bool}\n"
		   "  flag: {type: string}\n"
		   "hooks:\n"
		   "  web: {url: \"https://example.com\"}\n"
		   "  web: {url: \"https://example.org\"}\n"
		   "phases:\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - {id: a, title: A, owner: dev, doc: d}\n"
		   "      - {id: b, title: B, owner: dev, doc: d, needs: [a, a]}\n");
	expect_refused(3);
	expect_error(8, 3, "duplicate var \"flag\"");
	expect_error(11, 3, "duplicate hook \"web\"");
	expect_error(16, 58, "\"a\" is listed twice in \"needs\"");
}

static void ids_must_be_lower_case_identifiers(void **state)
{
	(void)state;
	parse(HEAD "vars:\n"
		   "  Flag: {type: bool}\n"
		   "phases:\n"
		   "  - id: Build\n"
		   "    steps: [{id: a, title: A, owner: dev, doc: d}]\n"
		   "  - id: ship\n"
		   "    steps:\n"
		   "      - {id: my step, title: A, owner: dev, doc: d}\n"
		   "      - {id: b, title: B, owner: dev, doc: d, needs: [\"A\"]}\n");
	expect_refused(4);
	expect_error(7, 3, "var names must be ids (lower-case letters, digits, '-', '_')");
	expect_error(9, 9, "\"Build\" is not a valid id: use lower-case letters, digits, '-', '_' or '.'");
	expect_error(13, 14, "\"my step\" is not a valid id: use lower-case letters, digits, '-', '_' or '.'");
	expect_error(14, 55, "items of \"needs\" in a step must be ids (lower-case letters, digits, '-', '_', '.')");
}

/* ---------- needs ---------- */

static void needs_naming_an_unknown_step_is_an_error(void **state)
{
	(void)state;
	parse(PHASE "      - {id: compile, title: Compile, owner: dev, doc: d}\n"
		    "      - {id: test, title: Test, owner: dev, doc: d, needs: [compil, nothing-like-it]}\n");
	expect_refused(2);
	expect_error(10, 61, "step \"test\" needs the unknown step \"compil\"; did you mean \"compile\"?");
	expect_error(10, 69, "step \"test\" needs the unknown step \"nothing-like-it\"");
}

static void a_dependency_cycle_names_its_steps(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, needs: [c]}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, needs: [a]}\n"
		    "      - {id: c, title: C, owner: dev, doc: d, needs: [b]}\n"
		    "      - {id: e, title: E, owner: dev, doc: d, needs: [a]}\n");
	expect_refused(1);
	/* Found from a: a needs c, c needs b, b needs a (line 10). */
	expect_error(10, 55, "dependency cycle: a -> c -> b -> a");
}

static void a_cycle_of_two_and_a_step_needing_itself(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, needs: [b]}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, needs: [a]}\n"
		    "      - {id: s, title: S, owner: dev, doc: d, needs: [s]}\n");
	expect_refused(2);
	expect_error(10, 55, "dependency cycle: a -> b -> a");
	expect_error(11, 55, "step \"s\" needs itself");
}

static void a_cycle_across_phases_is_reported_once_as_a_cycle(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, needs: [b]}\n"
		    "  - id: ship\n"
		    "    steps:\n"
		    "      - {id: b, title: B, owner: dev, doc: d, needs: [a]}\n");
	expect_refused(2);
	expect_error_containing(9, 55, "from the later phase \"ship\"");
	expect_error(12, 55, "dependency cycle: a -> b -> a");
}

static void needs_into_a_later_phase_is_an_error(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, needs: [b]}\n"
		    "  - id: ship\n"
		    "    steps:\n"
		    "      - {id: b, title: B, owner: dev, doc: d}\n"
		    "      - {id: c, title: C, owner: dev, doc: d, needs: [a, b]}\n");
	expect_refused(1);
	expect_error(9, 55, "step \"a\" needs \"b\" from the later phase \"ship\"; a step can only need steps of its "
			    "own or an earlier phase");
}

/* ---------- when ---------- */

static void when_must_name_a_declared_bool_var(void **state)
{
	(void)state;
	parse(HEAD "vars:\n"
		   "  advisory: {type: bool}\n"
		   "  headline: {type: string}\n"
		   "phases:\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - {id: a, title: A, owner: dev, doc: d, when: advisry}\n"
		   "      - {id: b, title: B, owner: dev, doc: d, when: \"!advisory\"}\n"
		   "      - {id: c, title: C, owner: dev, doc: d, when: headline}\n"
		   "      - {id: e, title: E, owner: dev, doc: d, when: \"!\"}\n");
	expect_refused(3);
	expect_error(12, 53, "\"when\" names the undeclared var \"advisry\"; declare it under \"vars\"");
	expect_error(14, 53, "\"when\" needs a bool var, and \"headline\" is a string");
	expect_error(15, 53, "\"when\" is empty; name a bool var, and quote a negation: when: \"!VAR\"");
}

/* ---------- hooks ---------- */

static void hook_steps_must_name_a_declared_hook(void **state)
{
	(void)state;
	parse(HEAD "hooks:\n"
		   "  changelog: {url: \"https://example.com/x\"}\n"
		   "phases:\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - {id: a, title: A, owner: dev, doc: d, kind: hook, hook: changelg}\n"
		   "      - {id: b, title: B, owner: dev, doc: d, kind: hook}\n"
		   "      - {id: c, title: C, owner: dev, doc: d, hook: changelog}\n"
		   "      - {id: e, title: E, owner: dev, doc: d, kind: hook, hook: changelog}\n");
	expect_refused(3);
	expect_error(11, 65, "step \"a\" names the undeclared hook \"changelg\"; declare it under \"hooks\"");
	expect_error(12, 9, "hook step \"b\" must name its hook (\"hook: NAME\")");
	expect_error(13, 53, "\"hook\" is only for steps of kind hook; add \"kind: hook\"");
}

static void notify_must_name_a_declared_hook(void **state)
{
	(void)state;
	parse(HEAD "notify: chat\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(1);
	expect_error(6, 9, "\"notify\" names the undeclared hook \"chat\"");
}

/* Caches and CDNs take PURGE and BAN: any RFC 9110 token is a method. */
static void any_http_method_token_is_a_method(void **state)
{
	(void)state;
	parse(HEAD "hooks:\n"
		   "  purge: {url: \"https://cdn.example.com/x\", method: PURGE}\n"
		   "  ban: {url: \"https://cdn.example.com/x\", method: BAN}\n"
		   "  odd: {url: \"https://cdn.example.com/x\", method: \"X-Odd.1!\"}\n"
		   "  bad: {url: \"https://cdn.example.com/x\", method: \"\"}\n"
		   "  nl: {url: \"https://cdn.example.com/x\", method: \"GET\\r\\nX: y\"}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(2);
	expect_error_containing(10, 51, "method \"\" is not an HTTP method");
	expect_error_containing(11, 50, "method \"GET\\r\\nX: y\" is not an HTTP method");
}

/* A template a url or header never expands is an error at its "{{"; a body's problem a warning. */
static void hook_templates_are_checked_where_they_are_written(void **state)
{
	(void)state;
	parse(HEAD "vars: {headline: {type: string}}\n"
		   "hooks:\n"
		   "  pr:\n"
		   "    url: \"https://api.example.com/{{steps.s.note}}\"\n"
		   "    headers: {X-Version: \"v{{release.version}}\"}\n"
		   "    body: {a: \"{{release.verison}}\", b: [\"{{vars.nope}}\"], c: \"{{file:docs/.Git/config}}\"}\n"
		   "  fine:\n"
		   "    url: https://x.example.com/{{release.version}}/{{ vars.headline }}\n"
		   "    body: \"{{steps.s.note}} {{file:notes/{{release.version}}.md}}\"\n"
		   "  ready: {url: \"https://x.example.com\", body: \"{{ready.message}}\"}\n"
		   "  open: {url: \"https://x.example.com/{{release.version\"}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(3);
	expect_error_containing(9, 35, "{{steps.s.note}} cannot be used in a url");
	expect_error_containing(10, 28, "{{release.version}} cannot be used in a header");
	expect_diag(true, 11, 16, "unknown template {{release.verison}}", false);
	expect_diag(true, 11, 43, "{{vars.nope}} names the undeclared var \"nope\"", false);
	expect_diag(true, 11, 64, "is under .git/", false);
	expect_diag(true, 15, 48, "{{ready.message}} exists only in the playbook's notify hook", false);
	expect_error_containing(16, 38, "unclosed template");
	expect_counts(3, 4);
}

/* libyaml ends a plain scalar at " #": the rest of the title is a comment. */
/* Titles and an item's text that YAML cuts at " #", and two it does not. */
static const char cut_titles[] = PHASE "      - id: tag\n"
		    "        title: Tag release #final step\n"
		    "        owner: dev\n"
		    "        doc: d\n"
		    "      - {id: c, title: Check the C# build, owner: dev, doc: d}\n"
		    "      - {id: q, title: \"Merge PR #45\", owner: dev, doc: d}\n"
		    "      - id: u\n"
		    "        title: \xc3\x9c" "n\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x9c\x93 #45\n"
		    "        owner: dev\n"
		    "        doc: d\n"
		    "        checklist:\n"
		    "          - id: i\n"
		    "            text: Works on #2   \n";

/* The same places with CRLF line ends and a byte order mark, which libyaml does not count. */
static void parse_with_bom_and_crlf(const char *text)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	buf_adds(&b, "\xef\xbb\xbf");
	for (p = text; *p; p++) {
		if (*p == '\n')
			buf_addc(&b, '\r');
		buf_addc(&b, *p);
	}
	parse_len(b.data, b.len);
	buf_release(&b);
}

static void expect_cut_titles_warned(void)
{
	assert_non_null(pb);
	expect_warning(10, 28, "the title was read as \"Tag release\": YAML takes the text from \" #\" on as a comment; "
			       "quote the title to keep it");
	expect_diag(true, 16, 26, "the title was read as \"\xc3\x9c" "n\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x9c\x93\"", false);
	expect_diag(true, 21, 28, "the text was read as \"Works on\"", false);
	expect_counts(0, 3);
	assert_string_equal(playbook_step(pb, "c")->title, "Check the C# build");
	assert_string_equal(playbook_step(pb, "q")->title, "Merge PR #45");
}

static void a_title_cut_short_by_a_comment_is_a_warning(void **state)
{
	(void)state;
	parse(cut_titles);
	expect_cut_titles_warned();
	parse_with_bom_and_crlf(cut_titles);
	expect_cut_titles_warned();
}

static void hook_fields_are_checked(void **state)
{
	(void)state;
	parse(HEAD "hooks:\n"
		   "  web: {url: \"ftp://x\", method: FE/TC, retries: 11, timeout: soon, signing: pgp}\n"
		   "  two: {url: \"${URL}\", headers: {\"X Y\": v, ok: [a]}, body: [a], retries: -1}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(9);
	expect_error(7, 14, "hook \"web\" must use an http:// or https:// url");
	expect_error(7, 33, "method \"FE/TC\" is not an HTTP method: write one word of letters, digits or !#$%&'*+-.^_`|~ (GET, POST, PURGE, ...)");
	expect_error(7, 49, "\"retries\" must be a whole number from 0 to 10");
	expect_error(7, 62, "bad duration \"soon\" for timeout: write a number and a unit, like 30m, 48h, 2d or 1w");
	expect_error(7, 77, "unknown signing \"pgp\": use standard-webhooks or github");
	expect_error(8, 34, "header \"X Y\" has a character a header cannot hold");
	expect_error(8, 44, "headers must map names to strings");
	expect_error(8, 60, "the body of hook \"two\" must be a mapping (sent as JSON) or a string");
	expect_error(8, 74, "\"retries\" must be a whole number from 0 to 10");
}


static void mail_hooks_are_checked_with_their_places(void **state)
{
	(void)state;
	parse(HEAD "hooks:\n"
		   "  list:\n"
		   "    url: \"https://mail.example.com\"\n"
		   "    method: PUT\n"
		   "    mail: {from: \"Releases <r@example.com\", to: [a@example.com, \"b example.com\"], cc: [x@y@z],\n"
		   "           reply_to: [a@example.com], subjet: Hi}\n"
		   "    body: {a: b}\n"
		   "    secret_env: X\n"
		   "  relay: {url: \"smtps://mail.example.com\", tls: none, mail: {from: r@example.com, to: [], subject: s}}\n"
		   "  web: {url: \"smtp://mail.example.com\", tls: required}\n"
		   "  odd: {url: \"${U}\", tls: maybe, mail: {from: r@example.com, to: a@example.com, subject: s}}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_error(8, 10, "mail hook \"list\" must use an smtps:// or smtp:// url (STARTTLS)");
	expect_error(9, 13, "\"method\" is for HTTP hooks; mail hook \"list\" cannot have it");
	expect_error(13, 17, "\"secret_env\" is for HTTP hooks; mail hook \"list\" cannot have it");
	expect_error(12, 11, "the body of mail hook \"list\" must be a string (the text of the mail)");
	expect_error_containing(10, 18, "\"Releases <r@example.com\" is not one mail address");
	expect_error_containing(10, 65, "\"b example.com\" is not one mail address");
	expect_error_containing(10, 88, "\"x@y@z\" is not one mail address");
	expect_error(11, 22, "\"reply_to\" of \"mail\" must be one address, not a list");
	expect_error(11, 39, "unknown key \"subjet\" in \"mail\"; did you mean \"subject\"?");
	expect_error(10, 11, "\"mail\" is missing the required key \"subject\"");
	expect_error(14, 49, "\"tls: none\" contradicts the smtps:// url of hook \"relay\"");
	expect_error(14, 87, "\"to\" of \"mail\" needs at least one address");
	expect_error(15, 14, "hook \"web\" must use an http:// or https:// url (a mail hook needs \"mail: {from, to, subject}\")");
	expect_error(15, 46, "\"tls\" is only for mail hooks (https is always verified)");
	expect_error(16, 27, "\"tls\" must be required (the default) or none (plain smtp:// to a local relay)");
	expect_refused(15);
}

static void a_mail_hook_becomes_the_model(void **state)
{
	const struct pb_hook *h;
	cJSON *json, *mail;

	(void)state;
	parse(HEAD "hooks:\n"
		   "  list:\n"
		   "    url: \"smtp://announce:${SMTP_PASSWORD}@mail.example.com:587\"\n"
		   "    mail:\n"
		   "      from: \"TinyPilot <releases@example.com>\"\n"
		   "      to: list@lists.example.com\n"
		   "      cc: [\"Rita <rita@example.com>\", ops@example.com]\n"
		   "      subject: \"{{release.name}} {{release.version}}\"\n"
		   "    body: \"{{file:announcements/{{release.version}}.md}}\"\n"
		   "  relay: {url: \"smtp://127.0.0.1:25\", tls: none, mail: {from: r@example.com, to: a@example.com, subject: s}}\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d, kind: hook, hook: list}]}]\n");
	expect_clean();
	h = playbook_hook(pb, "list");
	assert_non_null(h->mail);
	assert_string_equal(h->method, "SMTP");
	assert_false(h->tls_none);
	assert_string_equal(h->mail->from, "TinyPilot <releases@example.com>");
	assert_int_equal(h->mail->to.count, 1);
	assert_string_equal(h->mail->to.items[0], "list@lists.example.com");
	assert_int_equal(h->mail->cc.count, 2);
	assert_null(h->mail->reply_to);
	assert_string_equal(h->body_text, "{{file:announcements/{{release.version}}.md}}");
	assert_true(playbook_hook(pb, "relay")->tls_none);
	json = playbook_to_json(pb);
	mail = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(json, "hooks"), "list"), "mail");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(mail, "subject")->valuestring, "{{release.name}} {{release.version}}");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mail, "cc")), 2);
	cJSON_Delete(json);
}

/* ---------- decision steps ---------- */

static void decision_fields_on_other_steps_are_errors(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, inputs: [dev], on_delay: [a]}\n"
		    "      - {id: d, title: D, owner: product-owner, doc: d, kind: decision, inputs: [dev], "
		    "on_delay: [a]}\n");
	expect_refused(2);
	expect_error(9, 55, "\"inputs\" is only for steps of kind decision");
	expect_error(9, 72, "\"on_delay\" is only for steps of kind decision");
}

/* Several gates, each with its own owner and on_delay, each linted at its own place. */
static void a_playbook_may_have_several_decisions(void **state)
{
	(void)state;
	parse(PHASE "      - {id: d, title: D, owner: product-owner, doc: d, kind: decision, on_delay: [zz]}\n"
		    "      - {id: d2, title: D, owner: dev, doc: d, kind: decision, on_delay: [yy]}\n");
	expect_refused(2);
	expect_error(9, 84, "step \"d\" reopens on delay the unknown step \"zz\"");
	expect_error(10, 75, "step \"d2\" reopens on delay the unknown step \"yy\"");
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d}\n"
		    "      - {id: d, title: D, owner: product-owner, doc: d, kind: decision, on_delay: [a]}\n"
		    "      - {id: d2, title: D, owner: dev, doc: d, kind: decision, on_delay: [a]}\n");
	expect_clean();
}

static void unknown_kinds_and_evidence_values_are_errors(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, kind: chore, evidence: maybe}\n");
	expect_refused(2);
	expect_error(9, 53, "unknown step kind \"chore\": use manual, hook, wait, decision, command or check");
	expect_error(9, 70, "\"evidence\" must be required or optional");
}

/* ---------- durations ---------- */

static void bad_durations_are_errors(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, estimate: 5}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, estimate: 1y}\n"
		    "      - {id: c, title: C, owner: dev, doc: d, kind: wait, min_duration: \"48 h\"}\n"
		    "      - {id: e, title: E, owner: dev, doc: d, estimate: [1h]}\n"
		    "      - {id: f, title: F, owner: dev, doc: d, estimate: -1h}\n");
	expect_refused(5);
	expect_error(9, 57, "bad duration \"5\" for estimate: write a number and a unit, like 30m, 48h, 2d or 1w");
	expect_error(10, 57, "bad duration \"1y\" for estimate: write a number and a unit, like 30m, 48h, 2d or 1w");
	expect_error(11, 73,
		     "bad duration \"48 h\" for min_duration: write a number and a unit, like 30m, 48h, 2d or 1w");
	expect_error(12, 57,
		     "bad duration \"(not a scalar)\" for estimate: write a number and a unit, like 30m, 48h, 2d or 1w");
	expect_error_containing(13, 57, "bad duration \"-1h\" for estimate");
}

static void wait_steps_need_a_minimum_duration_and_only_they_have_one(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, kind: wait}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, min_duration: 2d}\n");
	expect_refused(2);
	expect_error(9, 9, "wait step \"a\" needs \"min_duration\" (how long to wait, e.g. 48h)");
	expect_error(10, 61, "\"min_duration\" is only for steps of kind wait");
}

static void good_durations_become_seconds(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, estimate: 30m}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, estimate: 1h30m}\n"
		    "      - {id: c, title: C, owner: dev, doc: d, kind: wait, min_duration: 48h, estimate: 2d}\n"
		    "      - {id: e, title: E, owner: dev, doc: d, estimate: 1w}\n");
	expect_clean();
	assert_int_equal(pb->steps[0].estimate, 1800);
	assert_int_equal(pb->steps[1].estimate, 5400);
	assert_int_equal(pb->steps[2].min_duration, 48 * 3600);
	assert_int_equal(pb->steps[2].estimate, 2 * 86400);
	assert_int_equal(pb->steps[3].estimate, 7 * 86400);
}

/* ---------- vars ---------- */

static void var_declarations_are_checked(void **state)
{
	(void)state;
	parse(HEAD "vars:\n"
		   "  flag: {type: bool, default: yes}\n"
		   "  count: {type: number, default: many}\n"
		   "  ratio: {type: float}\n"
		   "  list: {type: string, default: [a]}\n"
		   "  word: just-a-word\n"
		   "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	expect_refused(5);
	expect_error(7, 31, "the default of bool var \"flag\" must be true or false");
	expect_error(8, 34, "the default of number var \"count\" must be a whole number");
	expect_error(9, 17, "unknown var type \"float\": use bool, string, number or enum");
	expect_error(10, 33, "the default of \"list\" must be a scalar");
	expect_error(11, 9, "a var must be a mapping, not a scalar");
}

/* ---------- warnings ---------- */

static void a_step_without_instructions_is_a_warning(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev}\n"
		    "      - {id: b, title: B, owner: dev, instructions: \"Run make.\"}\n"
		    "      - {id: c, title: C, owner: dev, doc: docs/steps/c.md}\n");
	assert_non_null(pb);
	expect_counts(0, 1);
	expect_warning(9, 9, "step \"a\" has no instructions; add \"doc\" or \"instructions\" so a newcomer can do it");
}

static void a_role_nobody_holds_is_a_warning(void **state)
{
	(void)state;
	parse("relctl: 1\n"
	      "name: Unit\n"
	      "roles: [release-manager, dev, qa]\n"
	      "people: [{id: a, email: a@example.com, roles: [release-manager, dev]}]\n"
	      "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	assert_non_null(pb);
	expect_counts(0, 1);
	expect_warning(3, 31, "nobody holds the role \"qa\"; add it to someone under \"people\"");
}

static void no_release_manager_role_is_a_warning(void **state)
{
	(void)state;
	parse("relctl: 1\n"
	      "name: Unit\n"
	      "roles: [dev]\n"
	      "people: [{id: a, email: a@example.com, roles: [dev]}]\n"
	      "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n");
	assert_non_null(pb);
	expect_counts(0, 1);
	expect_warning(3, 8, "no \"release-manager\" role: nobody can assign, skip or reopen steps for others; "
			     "name the roles that run releases with \"managers: [ROLE]\"");
}

/* "managers" names the roles that run releases; each must be declared, and the list not empty. */
static void managers_name_the_roles_that_run_releases(void **state)
{
	(void)state;
	parse("relctl: 1\n"
	      "name: Unit\n"
	      "roles: [lead, platform-expert]\n"
	      "managers: [lead]\n"
	      "people: [{id: a, email: a@example.com, roles: [lead]}, {id: b, email: b@example.com, roles: [platform-expert]}]\n"
	      "phases: [{id: p, steps: [{id: s, title: S, owner: platform-expert, doc: d}]}]\n");
	assert_non_null(pb);
	expect_counts(0, 0);
	assert_true(pb->people[0].manager);
	assert_false(pb->people[1].manager);
	assert_true(playbook_is_manager_role(pb, "lead"));
	assert_false(playbook_is_manager_role(pb, "release-manager"));
	playbook_free(pb);
	pb = NULL;
	parse("relctl: 1\n"
	      "name: Unit\n"
	      "roles: [lead]\n"
	      "managers: [lead, boss]\n"
	      "people: [{id: a, email: a@example.com, roles: [lead]}]\n"
	      "phases: [{id: p, steps: [{id: s, title: S, owner: lead, doc: d}]}]\n");
	expect_error(4, 18, "\"managers\" names the unknown role \"boss\"; declare it in \"roles\"");
}

static void a_review_whose_only_reviewer_may_do_the_step_is_a_warning(void **state)
{
	(void)state;
	/* rita alone has every role: she may do both steps and is the only one to review them. */
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, review: release-manager}\n"
		    "      - id: b\n"
		    "        title: B\n"
		    "        owner: support\n"
		    "        doc: d\n"
		    "        checklist:\n"
		    "          - {id: boot, text: Boots, review: dev}\n");
	assert_non_null(pb);
	expect_counts(0, 2);
	expect_warning(9, 55, "step \"a\" is reviewed by a release-manager, and rita, the only one, may do it too: then nobody can "
			      "review it; give the role \"release-manager\" to a second person, or have another role review it");
	expect_warning(15, 13, "item \"boot\" of step \"b\" is reviewed by a dev, and rita, the only one, may do the step too: "
			       "then nobody can review it; give the role \"dev\" to a second person, or have another role review it");
}

static void a_review_by_two_people_or_by_one_who_cannot_do_the_step_is_no_warning(void **state)
{
	(void)state;
	parse("relctl: 1\n"
	      "name: Unit\n"
	      "roles: [release-manager, dev, support]\n"
	      "people:\n"
	      "  - {id: rita, email: rita@example.com, roles: [release-manager]}\n"
	      "  - {id: dan, email: dan@example.com, roles: [dev]}\n"
	      "  - {id: dora, email: dora@example.com, roles: [dev]}\n"
	      "  - {id: sue, email: sue@example.com, roles: [support]}\n"
	      "phases:\n"
	      "  - id: p\n"
	      "    steps:\n"
	      "      - {id: a, title: A, owner: dev, doc: d, review: release-manager}\n"
	      "      - {id: b, title: B, owner: dev, doc: d, review: dev}\n"
	      "      - {id: c, title: C, owner: support, doc: d, review: dev}\n");
	expect_clean();
}

static void a_quorum_review_and_an_item_owner_are_read_into_the_model(void **state)
{
	(void)state;
	parse("relctl: 1\n"
	      "name: Unit\n"
	      "roles: [release-manager, dev, windows]\n"
	      "people:\n"
	      "  - {id: rita, email: rita@example.com, roles: [release-manager]}\n"
	      "  - {id: dan, email: dan@example.com, roles: [dev]}\n"
	      "  - {id: dora, email: dora@example.com, roles: [dev]}\n"
	      "  - {id: dave, email: dave@example.com, roles: [dev]}\n"
	      "  - {id: wes, email: wes@example.com, roles: [windows]}\n"
	      "phases:\n"
	      "  - id: p\n"
	      "    steps:\n"
	      "      - {id: a, title: A, owner: dev, doc: d, review: {role: dev, count: 2}}\n"
	      "      - {id: b, title: B, owner: dev, doc: d, review: dev}\n"
	      "      - id: c\n"
	      "        title: C\n"
	      "        owner: release-manager\n"
	      "        doc: d\n"
	      "        checklist: [{id: win, text: Windows installer, owner: windows}, {id: mac, text: Mac}]\n");
	expect_clean();
	assert_string_equal(pb->steps[0].review, "dev");
	assert_int_equal(pb->steps[0].review_count, 2);
	assert_string_equal(pb->steps[1].review, "dev");
	assert_int_equal(pb->steps[1].review_count, 1);
	assert_string_equal(pb->steps[2].checklist[0].owner, "windows");
	assert_null(pb->steps[2].checklist[1].owner);
}

static void a_quorum_review_and_an_item_owner_are_checked_at_their_place(void **state)
{
	(void)state;
	parse(PHASE "      - id: a\n"
		    "        title: A\n"
		    "        owner: dev\n"
		    "        review: {role: qa, count: 0}\n"
		    "        checklist:\n"
		    "          - {id: win, text: Win, owner: windows}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, review: {role: dev, count: two, by: x}}\n"
		    "      - {id: c, title: C, owner: dev, doc: d, review: {count: 2}}\n");
	expect_refused(6);
	expect_error_containing(12, 24, "\"review\" names the unknown role \"qa\"");
	expect_error(12, 35, "\"count\" of \"review\" must be a whole number from 1 to 100");
	expect_error_containing(14, 41, "\"owner\" of a checklist item names the unknown role \"windows\"");
	expect_error(15, 74, "\"count\" of \"review\" must be a whole number from 1 to 100");
	expect_error_containing(15, 79, "unknown key \"by\" in \"review\"");
	expect_error_containing(16, 55, "\"review\" is missing the required key \"role\"");
}

static void a_quorum_fewer_people_can_give_than_it_counts_is_a_warning(void **state)
{
	(void)state;
	/* dan, dora and dave are devs: when one of them does a, two are left to approve it. */
	parse("relctl: 1\n"
	      "name: Unit\n"
	      "roles: [release-manager, dev, qa]\n"
	      "people:\n"
	      "  - {id: rita, email: rita@example.com, roles: [release-manager]}\n"
	      "  - {id: dan, email: dan@example.com, roles: [dev]}\n"
	      "  - {id: dora, email: dora@example.com, roles: [dev]}\n"
	      "  - {id: dave, email: dave@example.com, roles: [dev]}\n"
	      "  - {id: quinn, email: quinn@example.com, roles: [qa]}\n"
	      "phases:\n"
	      "  - id: p\n"
	      "    steps:\n"
	      "      - {id: a, title: A, owner: dev, doc: d, review: {role: dev, count: 2}}\n"
	      "      - {id: b, title: B, owner: dev, doc: d, review: {role: dev, count: 3}}\n"
	      "      - {id: c, title: C, owner: qa, doc: d, review: {role: dev, count: 3}}\n");
	assert_non_null(pb);
	expect_counts(0, 1);
	expect_warning(14, 62, "step \"b\" needs 3 approvals by distinct people of the role dev, none of them the doer, and "
			       "fewer can give them; give the role \"dev\" to more people, or lower \"count\"");
}

static void warnings_do_not_hide_errors(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, needs: [zz]}\n");
	assert_null(pb);
	expect_counts(1, 1);
}

/* ---------- all errors at once, in order ---------- */

static void lint_reports_every_error_not_only_the_first(void **state)
{
	(void)state;
	parse("relctl: 1\n"                                                        /* 1 */
	      "name: Unit\n"                                                       /* 2 */
	      "roles: [release-manager, dev]\n"                                    /* 3 */
	      "people:\n"                                                          /* 4 */
	      "  - {id: a, email: a@example.com, roles: [release-manager, devv]}\n" /* 5 */
	      "phases:\n"                                                          /* 6 */
	      "  - id: build\n"                                                    /* 7 */
	      "    steps:\n"                                                       /* 8 */
	      "      - {id: a1, title: A, owner: dev, doc: d, estimate: soon}\n"   /* 9 */
	      "      - {id: a2, title: B, ownr: dev, doc: d, needs: [a3]}\n"       /* 10 */
	      "      - {id: a1, title: C, owner: qa, doc: d}\n"                    /* 11 */
	      "      - {id: a4, title: D, owner: dev, doc: d, when: nope}\n");     /* 12 */
	expect_refused(7);
	expect_error(5, 60, "person \"a\" has the undeclared role \"devv\"; add it to \"roles\"");
	expect_error(9, 58, "bad duration \"soon\" for estimate: write a number and a unit, like 30m, 48h, 2d or 1w");
	expect_error(10, 9, "a step is missing the required key \"owner\"");
	expect_error(10, 28, "unknown key \"ownr\" in a step; did you mean \"owner\"?");
	expect_error(10, 55, "step \"a2\" needs the unknown step \"a3\"; did you mean \"a1\"?");
	expect_error(11, 14, "duplicate step id \"a1\" (first at line 9)");
	expect_error(12, 54, "\"when\" names the undeclared var \"nope\"; declare it under \"vars\"");
}

static void diagnostics_come_sorted_by_line_and_column(void **state)
{
	size_t i;

	(void)state;
	parse("relctl: 1\n"
	      "zzz: 1\n"
	      "roles: [release-manager, dev]\n"
	      "people: [{id: a, email: a@example.com, roles: [release-manager, dev]}]\n"
	      "phases:\n"
	      "  - id: build\n"
	      "    steps:\n"
	      "      - {id: s, title: S, owner: qa, doc: d, needs: [x], estimate: 1y}\n");
	assert_null(pb);
	assert_true(diags.count >= 5);
	for (i = 1; i < diags.count; i++) {
		const struct mark *a = &diags.items[i - 1].mark, *b = &diags.items[i].mark;

		assert_true(a->line < b->line || (a->line == b->line && a->column <= b->column));
	}
	/* Same place (the root): in the order the loader checks them. */
	assert_string_equal(diags.items[0].message, "the playbook is missing the required key \"name\"");
	assert_string_equal(diags.items[1].message, "unknown key \"zzz\" in the playbook");
}

static void control_characters_in_messages_are_escaped(void **state)
{
	(void)state;
	/* A quoted key may hold any character; the message must stay one line
	 * and must not carry a terminal escape sequence. */
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, \"x\\n\\ty\\e[31m\\r\\x7f\": 1}\n");
	expect_refused(1);
	expect_error(9, 47, "unknown key \"x\\n\\ty\\x1b[31m\\r\\x7f\" in a step");
}

static void a_step_with_a_duplicate_id_still_has_its_other_errors_reported(void **state)
{
	(void)state;
	parse("relctl: 1\nname: x\nroles: [dev]\npeople: [{id: a, email: a@example.com, roles: [dev]}]\n"
	      "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d},\n"
	      "                         {id: s, title: T, owner: dev, doc: d, needz: [s]}]}]\n");
	expect_refused(2);
	expect_error(6, 31, "duplicate step id \"s\" (first at line 5)");
	expect_error(6, 64, "unknown key \"needz\" in a step; did you mean \"needs\"?");
}

static void duplicates_in_long_lists_are_all_found(void **state)
{
	struct buf b;
	size_t i;
	int column;

	(void)state;
	buf_init(&b);
	buf_adds(&b, "relctl: 1\nname: x\nroles: [release-manager");
	for (i = 0; i < 900; i++)
		buf_addf(&b, ", r%zu", i % 300);
	buf_adds(&b, "]\npeople: [{id: a, email: a@example.com, roles: [release-manager]}]\n"
		     "phases: [{id: p, steps: [{id: s, title: S, owner: release-manager, doc: d}]}]\n");
	parse(b.data);
	/* The second r0 is the 301st role: after "release-manager" and r0..r299. */
	column = (int)(strstr(strstr(b.data, " r299,"), " r0,") + 1 - strstr(b.data, "roles:")) + 1;
	buf_release(&b);
	assert_null(pb);
	/* Each of r0..r299 is listed three times: two duplicates each, and
	 * nobody holds any of them. */
	expect_counts(600, 300);
	expect_error(3, column, "\"r0\" is listed twice in \"roles\"");
}

/* ---------- formatting and loading ---------- */

static void diagnostic_format_writes_file_line_column(void **state)
{
	struct diagnostic error = { false, { 12, 7 }, "bad thing" };
	struct diagnostic warning = { true, { 3, 1 }, "odd thing" };
	struct diagnostic nowhere = { false, { 0, 0 }, "no place" };
	char *text;

	(void)state;
	text = diagnostic_format(&diags, &error);
	assert_string_equal(text, "pb.yaml:12:7: bad thing");
	free(text);
	text = diagnostic_format(&diags, &warning);
	assert_string_equal(text, "pb.yaml:3:1: warning: odd thing");
	free(text);
	text = diagnostic_format(&diags, &nowhere);
	assert_string_equal(text, "pb.yaml: no place");
	free(text);
}

static void load_text_reports_the_first_error_and_how_many_more(void **state)
{
	static const char text[] = PHASE "      - {id: a, title: A, owner: qa, doc: d, estimate: 5}\n";
	struct error err = { 0, "" };
	struct playbook *loaded;

	(void)state;
	loaded = playbook_load_text("team.yaml", text, strlen(text), &err);
	assert_null(loaded);
	assert_int_equal(err.code, EXIT_DATAERR);
	assert_string_equal(err.message, "team.yaml:9:34: the owner of this step names the unknown role \"qa\"; "
					 "declare it in \"roles\" (and 1 more; run 'relctl lint team.yaml')");
}

static void load_reads_a_file_and_refuses_a_missing_one(void **state)
{
	struct error err = { 0, "" };
	struct playbook *loaded;

	(void)state;
	loaded = playbook_load("playbooks/no-such-playbook.yaml", &err);
	assert_null(loaded);
	assert_int_equal(err.code, EXIT_NOINPUT);
	assert_non_null(strstr(err.message, "playbooks/no-such-playbook.yaml"));

	error_clear(&err);
	loaded = playbook_load("playbooks/library.yaml", &err);
	assert_non_null(loaded);
	assert_int_equal(err.code, 0);
	playbook_free(loaded);
}

/* ---------- the model ---------- */

static void a_valid_playbook_becomes_the_model(void **state)
{
	const struct pb_step *s;
	const struct pb_hook *h;
	const struct pb_var *v;

	(void)state;
	parse("relctl: 1\n"
	      "name: Model\n"
	      "description: Every field.\n"
	      "roles: [release-manager, product-owner, dev, support]\n"
	      "people:\n"
	      "  - {id: kim, name: Kim, email: kim@example.com, roles: [release-manager, dev]}\n"
	      "  - {id: lee, email: lee@example.com, roles: [product-owner, support]}\n"
	      "vars:\n"
	      "  advisory: {type: bool, default: true, description: A security fix.}\n"
	      "  headline: {type: string}\n"
	      "  max_rc: {type: number, default: 3}\n"
	      "hooks:\n"
	      "  notes:\n"
	      "    url: \"https://example.com/${PATH}\"\n"
	      "    headers: {Authorization: \"Bearer ${TOKEN}\"}\n"
	      "    body: {version: \"{{release.version}}\", draft: false, n: 2, none: null, tags: [a]}\n"
	      "    secret_env: NOTES_SECRET\n"
	      "    timeout: 30s\n"
	      "    retries: 0\n"
	      "  ping: {url: \"http://localhost/\", method: GET, body: \"hello\"}\n"
	      "notify: ping\n"
	      "phases:\n"
	      "  - id: testing\n"
	      "    title: Testing\n"
	      "    steps:\n"
	      "      - {id: build, title: Build, owner: dev, doc: docs/build.md, estimate: 1h}\n"
	      "      - {id: advise, title: Advise, owner: dev, instructions: Write it., when: advisory, "
	      "needs: build}\n"
	      "      - {id: test, title: Test, owner: support, doc: t.md, needs: [build], evidence: required, "
	      "review: dev}\n"
	      "      - {id: decide, title: Decide, owner: product-owner, doc: d.md, kind: decision, "
	      "inputs: [dev, support], on_delay: [build, test], needs: [test]}\n"
	      "  - id: publishing\n"
	      "    steps:\n"
	      "      - {id: notes, title: Notes, owner: dev, doc: n.md, kind: hook, hook: notes, needs: [decide]}\n"
	      "      - {id: monitor, title: Monitor, owner: support, doc: m.md, kind: wait, min_duration: 48h, "
	      "when: \"!advisory\"}\n");
	expect_clean();
	assert_int_equal(pb->schema, 1);
	assert_string_equal(pb->name, "Model");
	assert_string_equal(pb->description, "Every field.");
	assert_int_equal(pb->roles.count, 4);
	assert_int_equal(pb->person_count, 2);
	assert_string_equal(playbook_person(pb, "lee")->name, "lee"); /* the id when no name */
	assert_ptr_equal(playbook_person_by_email(pb, "KIM@example.com"), playbook_person(pb, "kim"));
	assert_true(person_has_role(playbook_person(pb, "lee"), "support"));
	assert_false(person_has_role(playbook_person(pb, "lee"), "dev"));

	v = playbook_var(pb, "advisory");
	assert_int_equal(v->type, VAR_BOOL);
	assert_string_equal(v->default_value, "true");
	assert_string_equal(v->description, "A security fix.");
	assert_string_equal(playbook_var(pb, "headline")->default_value, "");
	assert_string_equal(playbook_var(pb, "max_rc")->default_value, "3");
	assert_null(playbook_var(pb, "nope"));

	h = playbook_hook(pb, "notes");
	assert_string_equal(h->url, "https://example.com/${PATH}");
	assert_string_equal(h->method, "POST");
	assert_int_equal(h->header_count, 1);
	assert_string_equal(h->headers[0].value, "Bearer ${TOKEN}");
	assert_non_null(h->body_json);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(h->body_json, "draft")));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(h->body_json, "n")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(h->body_json, "none")));
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(h->body_json, "tags")));
	assert_string_equal(h->secret_env, "NOTES_SECRET");
	assert_string_equal(h->signing, "standard-webhooks");
	assert_int_equal(h->timeout, 30);
	assert_int_equal(h->connect_timeout, 5);
	assert_int_equal(h->retries, 0);
	h = playbook_hook(pb, "ping");
	assert_string_equal(h->method, "GET");
	assert_string_equal(h->body_text, "hello");
	assert_int_equal(h->timeout, 10);
	assert_int_equal(h->retries, 3);
	assert_string_equal(pb->notify, "ping");

	assert_int_equal(pb->phase_count, 2);
	assert_int_equal(pb->step_count, 6);
	assert_int_equal(pb->phases[1].first_step, 4);
	assert_int_equal(pb->phases[1].step_count, 2);
	assert_null(pb->phases[1].title);

	s = playbook_step(pb, "advise");
	assert_string_equal(s->instructions, "Write it.");
	assert_string_equal(s->when, "advisory");
	assert_int_equal(s->needs.count, 1);
	assert_int_equal(s->mark.line, 27);
	s = playbook_step(pb, "test");
	assert_true(s->evidence_required);
	assert_string_equal(s->review, "dev");
	s = playbook_step(pb, "decide");
	assert_int_equal(s->kind, STEP_DECISION);
	assert_int_equal(s->inputs.count, 2);
	assert_string_equal(s->on_delay.items[1], "test");
	s = playbook_step(pb, "notes");
	assert_int_equal(s->kind, STEP_HOOK);
	assert_int_equal(s->phase, 1);
	assert_int_equal(s->index, 4);
	s = playbook_step(pb, "monitor");
	assert_int_equal(s->kind, STEP_WAIT);
	assert_string_equal(s->when, "!advisory");
	assert_null(playbook_step(pb, "nope"));
}

static void the_json_form_carries_the_model(void **state)
{
	cJSON *json, *steps, *step;

	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, estimate: 1h30m}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, kind: wait, min_duration: 2d, needs: [a]}\n");
	expect_clean();
	json = playbook_to_json(pb);
	assert_int_equal(cJSON_GetObjectItem(json, "relctl")->valuedouble, 1);
	assert_string_equal(cJSON_GetObjectItem(json, "name")->valuestring, "Unit");
	steps = cJSON_GetObjectItem(json, "steps");
	assert_int_equal(cJSON_GetArraySize(steps), 2);
	step = cJSON_GetArrayItem(steps, 0);
	assert_string_equal(cJSON_GetObjectItem(step, "phase")->valuestring, "build");
	assert_string_equal(cJSON_GetObjectItem(step, "kind")->valuestring, "manual");
	assert_string_equal(cJSON_GetObjectItem(step, "estimate")->valuestring, "1h30m");
	assert_int_equal(cJSON_GetObjectItem(step, "estimate_seconds")->valuedouble, 5400);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(step, "when")));
	step = cJSON_GetArrayItem(steps, 1);
	assert_string_equal(cJSON_GetObjectItem(step, "min_duration")->valuestring, "2d");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(step, "needs"), 0)->valuestring, "a");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(step, "estimate")));
	cJSON_Delete(json);
}

/* ---------- the shipped playbooks ---------- */

static void tinypilot_models_the_seeds_25_steps_in_3_phases(void **state)
{
	static const char *const phases[] = { "testing", "publishing", "announcing" };
	struct buf text;
	struct error err = { 0, "" };
	cJSON *json;
	size_t i;

	(void)state;
	buf_init(&text);
	assert_int_equal(file_read("playbooks/tinypilot.yaml", PLAYBOOK_MAX_BYTES, &text, &err), 0);
	playbook_free(pb);
	diagnostics_release(&diags);
	diagnostics_init(&diags, "playbooks/tinypilot.yaml");
	pb = playbook_parse(text.data, text.len, &diags);
	buf_release(&text);
	if (pb == NULL || diags.errors)
		print_all();
	assert_non_null(pb);
	assert_int_equal(diags.errors, 0);
	assert_int_equal(pb->step_count, 25);
	assert_int_equal(pb->phase_count, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(pb->phases[i].id, phases[i]);
	assert_int_equal(pb->phases[0].step_count + pb->phases[1].step_count + pb->phases[2].step_count, 25);
	/* The seed's shape: a decision, a 48-hour wait, hooks, a conditional advisory. */
	assert_int_equal(playbook_step(pb, "decide")->kind, STEP_DECISION);
	assert_int_equal(playbook_step(pb, "monitor-bugs")->kind, STEP_WAIT);
	assert_int_equal(playbook_step(pb, "monitor-bugs")->min_duration, 48 * 3600);
	assert_int_equal(playbook_step(pb, "publish-changelog")->kind, STEP_HOOK);
	assert_string_equal(playbook_step(pb, "draft-advisories")->when, "security_advisory");
	for (i = 0; i < pb->step_count; i++)
		assert_true(pb->steps[i].doc != NULL || pb->steps[i].instructions != NULL);

	json = playbook_to_json(pb);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "steps")), 25);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json, "phases")), 3);
	cJSON_Delete(json);
}

static void library_example_loads_without_errors(void **state)
{
	struct buf text;
	struct error err = { 0, "" };

	(void)state;
	buf_init(&text);
	assert_int_equal(file_read("playbooks/library.yaml", PLAYBOOK_MAX_BYTES, &text, &err), 0);
	parse_len(text.data, text.len);
	buf_release(&text);
	if (pb == NULL)
		print_all();
	assert_non_null(pb);
	assert_int_equal(diags.errors, 0);
	assert_true(pb->step_count > 0);
}

/* ---------- keys and signing ---------- */

#define ONE_PHASE "phases: [{id: p, steps: [{id: s, title: S, owner: dev, doc: d}]}]\n"

static void keys_of_every_signing_type_are_read(void **state)
{
	const struct pb_person *sam, *ca;

	(void)state;
	parse(HEAD "  - id: sam\n"
		   "    email: sam@example.com\n"
		   "    roles: [dev]\n"
		   "    keys:\n"
		   "      - " KEY_ED25519 "   sam@laptop  \n"
		   "      - " KEY_ECDSA256 "\n"
		   "      - " KEY_ECDSA384 "\n"
		   "      - " KEY_ECDSA521 "\n"
		   "      - " KEY_SK_ED25519 " yubikey\n"
		   "      - " KEY_SK_ECDSA "\n"
		   "  - {id: ca, email: ca@example.com, roles: [dev], keys: \"cert-authority " KEY_RSA " corp CA\"}\n"
		   "signing: required\n" ONE_PHASE);
	expect_counts(0, 1);
	expect_warning(17, 10, "signing is required but person \"rita\" has no keys: every change they make will be refused");
	assert_non_null(pb);
	assert_true(pb->signing_required);
	sam = playbook_person(pb, "sam");
	assert_int_equal(sam->key_count, 6);
	assert_string_equal(sam->keys[0].type, "ssh-ed25519");
	assert_string_equal(sam->keys[0].base64, strchr(KEY_ED25519, ' ') + 1);
	assert_string_equal(sam->keys[0].comment, "sam@laptop");
	assert_false(sam->keys[0].cert_authority);
	assert_int_equal(sam->keys[0].mark.line, 10);
	assert_int_equal(sam->keys[0].mark.column, 9);
	assert_string_equal(sam->keys[3].type, "ecdsa-sha2-nistp521");
	assert_null(sam->keys[3].comment);
	assert_string_equal(sam->keys[4].type, "sk-ssh-ed25519@openssh.com");
	assert_string_equal(sam->keys[5].type, "sk-ecdsa-sha2-nistp256@openssh.com");
	ca = playbook_person(pb, "ca");
	assert_int_equal(ca->key_count, 1);
	assert_true(ca->keys[0].cert_authority);
	assert_string_equal(ca->keys[0].type, "ssh-rsa");
	assert_string_equal(ca->keys[0].comment, "corp CA");
	assert_ptr_equal(playbook_key_owner(pb, strchr(KEY_ECDSA384, ' ') + 1), sam);
	assert_ptr_equal(playbook_key_owner(pb, strchr(KEY_RSA, ' ') + 1), ca);
	assert_null(playbook_key_owner(pb, "AAAA"));
	assert_null(playbook_person(pb, "rita")->keys);
}

static void signing_defaults_to_optional(void **state)
{
	(void)state;
	parse(HEAD ONE_PHASE);
	expect_clean();
	assert_false(pb->signing_required);
	parse(HEAD "signing: optional\n" ONE_PHASE);
	expect_clean();
	assert_false(pb->signing_required);
}

static void signing_is_required_or_optional(void **state)
{
	(void)state;
	parse(HEAD "signing: yes\n" ONE_PHASE);
	expect_refused(1);
	expect_error(6, 10, "\"signing\" must be required or optional, not \"yes\"");
	parse(HEAD "signing: [required]\n" ONE_PHASE);
	expect_refused(1);
	expect_error(6, 10, "\"signing\" must be required or optional, not a list");
}

/* A comma in an unquoted text of a flow mapping: the error says to quote it; a real unknown key does not. */
static void a_text_cut_at_a_comma_says_to_quote_it(void **state)
{
	(void)state;
	parse(PHASE "      - id: s\n"
		    "        title: S\n"
		    "        owner: dev\n"
		    "        doc: d\n"
		    "        checklist:\n"
		    "          - {id: perms, text: World-readable, group-writable}\n"
		    "          - {id: other, text: Fine, colour: red}\n");
	expect_refused(2);
	expect_error(14, 47, "unknown key \"group-writable\" in a checklist item; a comma inside {...} ends a value, so "
			     "quote the text that has one: \"World-readable, group-writable\"");
	expect_error(15, 37, "unknown key \"colour\" in a checklist item");
}

/* Only the body of a private key pasted (what sits between its armour lines) is known for one too. */
static void a_private_key_body_alone_is_named_a_private_key(void **state)
{
	(void)state;
	parse(HEAD "  - id: sam\n"
		   "    email: sam@example.com\n"
		   "    roles: [dev]\n"
		   "    keys:\n"
		   "      - b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n" ONE_PHASE);
	expect_refused(1);
	expect_error(10, 9, "a key of person \"sam\": this is a private key: list its public half (the .pub file), and "
			    "treat this one as leaked");
}

static void key_lines_that_are_not_keys_are_errors(void **state)
{
	(void)state;
	parse(HEAD "  - id: sam\n"
		   "    email: sam@example.com\n"
		   "    roles: [dev]\n"
		   "    keys:\n"
		   "      - ssh-dss AAAAB3NzaC1kc3MAAAA=\n"
		   "      - ssh-ed25519\n"
		   "      - ssh-ed25519 AAAA!!!!\n"
		   "      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8Xtl5INBGcTxrK4Z2htAeX\n"
		   "      - ssh-ed25519 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEs7xLXsO7Q73FVL95Cfkz2kI+avNUrT2M2O"
		   "1umnXbrE77xK0bMtK953evvzfc6NhesXT9DapzpAd93MhvcPvnI=\n"
		   "      - \"-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\"\n"
		   "      - {type: ssh-ed25519}\n"
		   "      - \"\"\n"
		   "      - namespaces=\"git\" " KEY_ED25519 "\n"
		   "      - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN8Xtl5INBGcTxrK4Z2htAeXqxqnr4DXD+e4jXuZIeovAAAAAA==\n" ONE_PHASE);
	expect_refused(10);
	expect_error(10, 9, "a key of person \"sam\": \"ssh-dss\" is not a key type (nor the option cert-authority); use "
			    "ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa, sk-ssh-ed25519@openssh.com or "
			    "sk-ecdsa-sha2-nistp256@openssh.com");
	expect_error(11, 9, "a key of person \"sam\": the ssh-ed25519 key has no base64 part: write the line of its .pub "
			    "file, TYPE BASE64 [COMMENT]");
	expect_error(12, 9, "a key of person \"sam\": the base64 part of this ssh-ed25519 key does not decode (cut short "
			    "when copied?)");
	expect_error(13, 9, "a key of person \"sam\": the base64 part is not a whole ssh-ed25519 key (cut short, or the "
			    "type of another key?)");
	expect_error(14, 9, "a key of person \"sam\": the base64 part is not a whole ssh-ed25519 key (cut short, or the "
			    "type of another key?)");
	expect_error(15, 9, "a key of person \"sam\": this is a private key: list its public half (the .pub file), and "
			    "treat this one as leaked");
	expect_error(16, 9, "keys of person \"sam\" must be OpenSSH public key lines (TYPE BASE64 [COMMENT]), not a mapping");
	expect_error(17, 9, "a key of person \"sam\": the key is empty; write the line of its .pub file: TYPE BASE64 [COMMENT]");
	expect_error_containing(18, 9, "a key of person \"sam\": \"namespaces=\"git\"\" is not a key type");
	/* A whole key with bytes after it. */
	expect_error(19, 9, "a key of person \"sam\": the base64 part is not a whole ssh-ed25519 key (cut short, or the "
			    "type of another key?)");
}

static void keys_must_be_a_list(void **state)
{
	(void)state;
	parse(HEAD "  - {id: sam, email: sam@example.com, roles: [dev], keys: {ed: x}}\n" ONE_PHASE);
	expect_refused(1);
	expect_error(6, 59, "\"keys\" of person \"sam\" must be a list of public key lines, not a mapping");
}

static void a_key_belongs_to_one_person(void **state)
{
	(void)state;
	parse(HEAD "  - {id: sam, email: sam@example.com, roles: [dev], keys: [\"" KEY_ED25519 "\"]}\n"
		   "  - id: sue\n"
		   "    email: sue@example.com\n"
		   "    roles: [dev]\n"
		   "    keys: [\"" KEY_ECDSA256 "\", \"" KEY_ED25519 " sue@copied\"]\n"
		   "  - id: tom\n"
		   "    email: tom@example.com\n"
		   "    roles: [dev]\n"
		   "    keys:\n"
		   "      - " KEY_RSA " tom@one\n"
		   "      - " KEY_RSA " tom@two\n" ONE_PHASE);
	expect_refused(2);
	expect_error(10, 176, "this key is already sam's (line 6); each key belongs to one person, so that a signature "
			      "names one signer");
	expect_error(16, 9, "this key is listed twice for tom (first at line 15)");
}

static void the_email_of_a_person_with_keys_names_one_signer(void **state)
{
	(void)state;
	parse(HEAD "  - {id: sam, email: \"sam*@example.com\", roles: [dev], keys: [\"" KEY_ED25519 "\"]}\n"
		   "  - {id: sue, email: \"sue,x@example.com\", roles: [dev]}\n" ONE_PHASE);
	expect_refused(1);
	expect_error(6, 22, "the email \"sam*@example.com\" of sam, who has keys, cannot name a signer in git's allowed "
			    "signers: it must not hold spaces, quotes, commas or * ? ! #");
	assert_true(email_is_principal("sam@example.com"));
	assert_false(email_is_principal("sam@example.com,*"));
	assert_false(email_is_principal("sam @example.com"));
	assert_false(email_is_principal("!sam@example.com"));
	assert_false(email_is_principal(""));
}

static void the_json_form_carries_keys_and_signing(void **state)
{
	cJSON *json;
	const cJSON *keys;

	(void)state;
	parse(HEAD "  - {id: sam, email: sam@example.com, roles: [dev], keys: [\"" KEY_ED25519 "  sam@laptop\", "
		   "\"cert-authority " KEY_RSA "\"]}\n"
		   "signing: required\n" ONE_PHASE);
	assert_non_null(pb);
	json = playbook_to_json(pb);
	assert_string_equal(cJSON_GetObjectItem(json, "signing")->valuestring, "required");
	keys = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "people"), 1), "keys");
	assert_int_equal(cJSON_GetArraySize(keys), 2);
	assert_string_equal(cJSON_GetArrayItem(keys, 0)->valuestring, KEY_ED25519 " sam@laptop");
	assert_string_equal(cJSON_GetArrayItem(keys, 1)->valuestring, "cert-authority " KEY_RSA);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "people"), 0), "keys")), 0);
	cJSON_Delete(json);
}

/* ---------- deadlines and shadowing (due, idle_after, escalate_after, shadow_grants) ---------- */

static void deadlines_and_grants_become_the_model(void **state)
{
	const struct pb_step *a, *b, *c;
	cJSON *json, *step;

	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, due: 4h, shadow_grants: true}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, due: 1d, idle_after: 2h, escalate_after: 6h}\n"
		    "      - {id: c, title: C, owner: dev, doc: d, shadow_grants: false}\n");
	expect_clean();
	a = playbook_step(pb, "a");
	b = playbook_step(pb, "b");
	c = playbook_step(pb, "c");
	assert_int_equal(a->due, 4 * 3600);
	assert_true(a->shadow_grants);
	assert_false(c->shadow_grants);
	assert_int_equal(pb->idle_after, 86400); /* the default */
	assert_int_equal(step_idle_after(pb, a), 86400);
	assert_int_equal(step_idle_after(pb, b), 2 * 3600);
	assert_int_equal(step_escalate_after(pb, a), 4 * 3600); /* its due again */
	assert_int_equal(step_escalate_after(pb, b), 6 * 3600);
	assert_int_equal(step_escalate_after(pb, c), 0); /* no due, no escalation */
	json = playbook_to_json(pb);
	step = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(json, "steps"), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(step, "due")->valuestring, "4h");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(step, "due_seconds")->valueint, 4 * 3600);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(step, "idle_after")->valuestring, "1d");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(step, "shadow_grants")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(json, "steps"), 2), "escalate_after")));
	cJSON_Delete(json);

	parse(HEAD "idle_after: 4h\nescalate_after: 2h\nphases:\n  - id: build\n    steps:\n"
		   "      - {id: a, title: A, owner: dev, doc: d, due: 4h}\n");
	expect_clean();
	assert_int_equal(pb->idle_after, 4 * 3600);
	assert_int_equal(step_idle_after(pb, playbook_step(pb, "a")), 4 * 3600);
	assert_int_equal(step_escalate_after(pb, playbook_step(pb, "a")), 2 * 3600);
}

static void deadline_and_grant_keys_are_checked(void **state)
{
	(void)state;
	parse(PHASE "      - {id: a, title: A, owner: dev, doc: d, due: soon, shadow_grants: yes}\n"
		    "      - {id: b, title: B, owner: dev, doc: d, escalate_after: 2h}\n"
		    "      - {id: w, title: W, owner: dev, doc: d, kind: wait, min_duration: 48h, due: 1d}\n"
		    "      - {id: d, title: D, owner: product-owner, doc: d, kind: decision, shadow_grants: true, idle_after: 1h}\n");
	expect_refused(6);
	expect_error(9, 52, "bad duration \"soon\" for due: write a number and a unit, like 30m, 48h, 2d or 1w");
	expect_error(9, 73, "\"shadow_grants\" must be true or false");
	expect_error(10, 63, "\"escalate_after\" counts from when step \"b\" is overdue, and it has no \"due\"");
	expect_error(11, 83, "step \"w\" is due 1d after it is ready but waits at least 2d: it can never be on time");
	expect_error(12, 88, "\"shadow_grants\" is for steps people claim; the decision is the product-owner's");
	expect_error(12, 106, "\"idle_after\" is for steps people claim; a decision is never claimed");

	parse(HEAD "idle_after: forever\nphases:\n  - id: build\n    steps:\n      - {id: a, title: A, owner: dev, doc: d}\n");
	expect_refused(1);
	expect_error(6, 13, "bad duration \"forever\" for idle_after: write a number and a unit, like 30m, 48h, 2d or 1w");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* ---------- checklists ---------- */

static void a_checklist_loads_its_items_in_order_and_into_the_json_form(void **state)
{
	cJSON *json;
	const cJSON *items;

	(void)state;
	parse(HEAD "  - {id: dan, email: dan@example.com, roles: [dev]}\n"
		   "vars:\n"
		   "  wifi: {type: bool}\n"
		   "phases:\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - {id: plan, title: Plan, owner: dev, doc: d, updates: [test]}\n"
		   "      - id: test\n"
		   "        title: Test\n"
		   "        owner: support\n"
		   "        doc: d\n"
		   "        checklist:\n"
		   "          - {id: boot, text: Boots}\n"
		   "          - {id: static-ip, text: Static IP reached, evidence: required, review: dev}\n"
		   "          - {id: wifi, text: Joins Wi-Fi, when: \"!wifi\", evidence: optional}\n");
	expect_clean();
	assert_int_equal(pb->steps[1].checklist_count, 3);
	assert_string_equal(pb->steps[1].checklist[1].id, "static-ip");
	assert_string_equal(pb->steps[1].checklist[1].text, "Static IP reached");
	assert_true(pb->steps[1].checklist[1].evidence_required);
	assert_string_equal(pb->steps[1].checklist[1].review, "dev");
	assert_int_equal(pb->steps[1].checklist[1].mark.line, 19);
	assert_string_equal(pb->steps[1].checklist[2].when, "!wifi");
	assert_false(pb->steps[1].checklist[2].evidence_required);
	assert_int_equal(pb->steps[0].updates.count, 1);
	assert_string_equal(pb->steps[0].updates.items[0], "test");
	json = playbook_to_json(pb);
	items = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "steps"), 1), "checklist");
	assert_int_equal(cJSON_GetArraySize(items), 3);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 1), "evidence")->valuestring, "required");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 1), "review")->valuestring, "dev");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "when")));
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "steps"), 0),
								 "updates"),
					       0)
				    ->valuestring,
			    "test");
	cJSON_Delete(json);
}

static void checklist_items_are_checked_where_they_are_written(void **state)
{
	(void)state;
	parse(HEAD "vars:\n"
		   "  wifi: {type: bool}\n"
		   "  name: {type: string}\n"
		   "phases:\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - id: test\n"
		   "        title: Test\n"
		   "        owner: support\n"
		   "        doc: d\n"
		   "        checklist:\n"
		   "          - {id: boot, text: Boots}\n"
		   "          - {id: boot, text: Boots again}\n"
		   "          - {id: Bad Id, text: x}\n"
		   "          - {id: notext}\n"
		   "          - {id: wifi, text: Wifi, when: wfi, review: qa, evidence: maybe}\n"
		   "          - {id: n, text: N, when: name, colour: red}\n"
		   "          - just a string\n");
	expect_refused(9);
	expect_error(18, 18, "duplicate checklist item id \"boot\" in step \"test\" (first at line 17)");
	expect_error(19, 18, "\"Bad Id\" is not a valid id: use lower-case letters, digits, '-', '_' or '.'");
	expect_error(20, 13, "a checklist item is missing the required key \"text\"");
	expect_error(21, 42, "\"when\" names the undeclared var \"wfi\"; declare it under \"vars\"");
	expect_error(21, 55, "\"review\" of a checklist item names the unknown role \"qa\"; declare it in \"roles\"");
	expect_error(21, 69, "\"evidence\" must be required or optional");
	expect_error(22, 36, "\"when\" needs a bool var, and \"name\" is a string");
	expect_error(22, 42, "unknown key \"colour\" in a checklist item");
	expect_error(23, 13, "a checklist item must be a mapping, not a scalar");
}

static void a_checklist_is_a_list_on_a_manual_or_wait_step_of_at_most_1000_items(void **state)
{
	struct buf text;
	size_t i;

	(void)state;
	parse(HEAD "hooks:\n"
		   "  h: {url: \"https://example.com/x\"}\n"
		   "phases:\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - {id: a, title: A, owner: dev, doc: d, checklist: {id: x, text: y}}\n"
		   "      - {id: b, title: B, owner: dev, doc: d, kind: hook, hook: h, checklist: [{id: x, text: y}]}\n"
		   "      - {id: w, title: W, owner: dev, doc: d, kind: wait, min_duration: 1h, checklist: [{id: x, text: y}]}\n");
	expect_refused(2);
	expect_error(11, 58, "\"checklist\" must be a list, not a mapping");
	expect_error(12, 79, "\"checklist\" is for manual and wait steps; a hook step is not checked item by item");

	buf_init(&text);
	buf_adds(&text, PHASE "      - id: big\n        title: Big\n        owner: dev\n        doc: d\n        checklist:\n");
	for (i = 0; i <= CHECKLIST_ITEMS_MAX; i++)
		buf_addf(&text, "          - {id: i%zu, text: Item %zu}\n", i, i);
	parse(text.data);
	buf_release(&text);
	expect_refused(1);
	expect_error(14, 11, "the checklist has 1001 items; a step has at most 1000");
}

static void updates_names_other_steps_that_can_have_a_checklist(void **state)
{
	(void)state;
	parse(HEAD "hooks:\n"
		   "  h: {url: \"https://example.com/x\"}\n"
		   "phases:\n"
		   "  - id: build\n"
		   "    steps:\n"
		   "      - {id: plan, title: Plan, owner: dev, doc: d, updates: [plan, tset, post]}\n"
		   "      - {id: test, title: Test, owner: dev, doc: d}\n"
		   "      - {id: post, title: Post, owner: dev, doc: d, kind: hook, hook: h}\n");
	expect_refused(3);
	expect_error(11, 63, "step \"plan\" updates itself; its holder changes other steps' checklists");
	expect_error(11, 69, "step \"plan\" updates the unknown step \"tset\"; did you mean \"test\"?");
	expect_error(11, 75, "step \"plan\" updates \"post\", a hook step, which has no checklist");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(yaml_syntax_error_names_the_problem_and_its_place),
		T(tabs_for_indentation_are_a_yaml_error),
		T(invalid_utf8_is_placed_at_its_byte),
		T(nul_bytes_are_refused_with_their_place),
		T(an_empty_playbook_is_refused),
		T(a_playbook_must_be_a_mapping),
		T(a_second_document_is_refused),
		T(deep_nesting_stops_at_32_levels),
		T(a_huge_value_is_refused),
		T(too_many_roles_are_refused_at_the_list),
		T(aliases_are_refused),
		T(a_merge_key_is_an_alias_too),
		T(a_billion_laughs_stops_at_the_first_alias),
		T(an_anchor_without_alias_is_harmless),
		T(a_missing_schema_version_is_an_error),
		T(an_unsupported_schema_version_is_refused),
		T(the_schema_version_must_be_a_plain_number),
		T(wrong_types_name_the_key_and_both_types),
		T(wrong_types_inside_phases_and_steps),
		T(a_scalar_where_ids_are_listed_is_a_list_of_one),
		T(mapping_keys_must_be_plain_names),
		T(missing_top_level_keys_are_reported_at_the_start),
		T(missing_keys_of_people_phases_and_steps),
		T(missing_keys_of_vars_and_hooks),
		T(required_strings_must_not_be_empty),
		T(empty_phases_and_phases_without_steps_are_errors),
		T(unknown_keys_suggest_the_key_meant),
		T(unknown_keys_without_a_close_match_say_only_unknown),
		T(duplicate_keys_point_at_the_first),
		T(unknown_roles_are_errors_with_a_hint),
		T(people_with_undeclared_roles_are_errors),
		T(people_need_valid_ids_and_their_own_emails),
		T(duplicate_step_ids_point_at_the_first),
		T(duplicate_phase_ids_are_errors),
		T(duplicate_person_ids_are_errors),
		T(duplicate_vars_hooks_and_list_items_are_errors),
		T(ids_must_be_lower_case_identifiers),
		T(needs_naming_an_unknown_step_is_an_error),
		T(a_dependency_cycle_names_its_steps),
		T(a_cycle_of_two_and_a_step_needing_itself),
		T(a_cycle_across_phases_is_reported_once_as_a_cycle),
		T(needs_into_a_later_phase_is_an_error),
		T(when_must_name_a_declared_bool_var),
		T(hook_steps_must_name_a_declared_hook),
		T(notify_must_name_a_declared_hook),
		T(hook_fields_are_checked),
		T(any_http_method_token_is_a_method),
		T(hook_templates_are_checked_where_they_are_written),
		T(a_title_cut_short_by_a_comment_is_a_warning),
		T(mail_hooks_are_checked_with_their_places),
		T(a_mail_hook_becomes_the_model),
		T(decision_fields_on_other_steps_are_errors),
		T(a_playbook_may_have_several_decisions),
		T(unknown_kinds_and_evidence_values_are_errors),
		T(bad_durations_are_errors),
		T(wait_steps_need_a_minimum_duration_and_only_they_have_one),
		T(good_durations_become_seconds),
		T(var_declarations_are_checked),
		T(a_step_without_instructions_is_a_warning),
		T(a_role_nobody_holds_is_a_warning),
		T(a_review_whose_only_reviewer_may_do_the_step_is_a_warning),
		T(a_review_by_two_people_or_by_one_who_cannot_do_the_step_is_no_warning),
		T(no_release_manager_role_is_a_warning),
		T(managers_name_the_roles_that_run_releases),
		T(a_quorum_review_and_an_item_owner_are_read_into_the_model),
		T(a_quorum_review_and_an_item_owner_are_checked_at_their_place),
		T(a_quorum_fewer_people_can_give_than_it_counts_is_a_warning),
		T(warnings_do_not_hide_errors),
		T(lint_reports_every_error_not_only_the_first),
		T(diagnostics_come_sorted_by_line_and_column),
		T(control_characters_in_messages_are_escaped),
		T(duplicates_in_long_lists_are_all_found),
		T(a_step_with_a_duplicate_id_still_has_its_other_errors_reported),
		T(diagnostic_format_writes_file_line_column),
		T(load_text_reports_the_first_error_and_how_many_more),
		T(load_reads_a_file_and_refuses_a_missing_one),
		T(a_valid_playbook_becomes_the_model),
		T(the_json_form_carries_the_model),
		T(tinypilot_models_the_seeds_25_steps_in_3_phases),
		T(library_example_loads_without_errors),
		T(keys_of_every_signing_type_are_read),
		T(signing_defaults_to_optional),
		T(signing_is_required_or_optional),
		T(key_lines_that_are_not_keys_are_errors),
		T(a_private_key_body_alone_is_named_a_private_key),
		T(a_text_cut_at_a_comma_says_to_quote_it),
		T(keys_must_be_a_list),
		T(a_key_belongs_to_one_person),
		T(the_email_of_a_person_with_keys_names_one_signer),
		T(the_json_form_carries_keys_and_signing),
		T(deadlines_and_grants_become_the_model),
		T(deadline_and_grant_keys_are_checked),
		T(a_checklist_loads_its_items_in_order_and_into_the_json_form),
		T(checklist_items_are_checked_where_they_are_written),
		T(a_checklist_is_a_list_on_a_manual_or_wait_step_of_at_most_1000_items),
		T(updates_names_other_steps_that_can_have_a_checklist),
	};

	return cmocka_run_group_tests_name("playbook", tests, NULL, NULL);
}

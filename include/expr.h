/*
 * The conditions of a playbook's `when:` (steps and checklist items): a
 * small expression language over the release's vars and version, parsed
 * once when the playbook is loaded, type-checked against its vars, and
 * evaluated against a release.  Pure: no I/O, no YAML; the caller maps the
 * byte offsets of errors to places in its file.
 *
 *   when: new_branch or (type == final and release.patch == 0)
 *
 * Grammar, loosest first: `or`, `and`, `not` (also `!`), then one operand
 * alone (a bool) or compared: `A == B`, `A != B`, `A in [B, C]`;
 * parentheses group.  An operand is a var's name, `release.version`,
 * `release.major`, `.minor`, `.patch`, `.prerelease`, a whole number, a
 * quoted string ("..." or '...'), `true`, `false`, or a bare word, which is
 * a literal string: an enum's value (`final`) or a string var's.  A word
 * compared with an enum var that lists it is that value even when a var has
 * the same name; otherwise a word that names a var is the var.
 */
#ifndef RELCTL_EXPR_H
#define RELCTL_EXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"

struct expr;

enum expr_type { EXPR_BOOL, EXPR_NUMBER, EXPR_STRING };

/* What is wrong with an expression, and where: offset of the token at fault in the text. */
struct expr_error {
	size_t offset;
	bool empty; /* nothing but whitespace and '!': no token to point at */
	char message[256];
};

/*
 * Parses text into an expression (expr_free frees it).  NULL on a syntax
 * error, described in err.
 */
struct expr *expr_parse(const char *text, struct expr_error *err);
void expr_free(struct expr *e);

/* The text it was parsed from. */
const char *expr_text(const struct expr *e);

/* A var the expression may name, as expr_check's lookup describes it. */
struct expr_var {
	enum expr_type type;
	bool is_enum;
	const char *const *values; /* an enum's values; borrowed */
	size_t value_count;
};

/* Fills var and returns true when name is a declared var. */
typedef bool (*expr_lookup_fn)(void *data, const char *name, struct expr_var *var);

/*
 * Resolves every name of e (a var, a release part, or a literal word) and
 * checks the types: the whole is a bool, `and`/`or`/`not` take bools, both
 * sides of a comparison have one type, an enum is compared only with
 * values it lists.  Returns 0, or -1 with the first problem in err.  An
 * expression must be checked before it is evaluated.
 */
int expr_check(struct expr *e, expr_lookup_fn lookup, void *data, struct expr_error *err);

/*
 * The parts of a release version: its leading dotted whole numbers (after
 * an optional "v") and what follows them, less one leading '-', '.' or '_'.
 * A missing number is 0 ("10.0" is 10, 0, 0); a version that does not
 * start with a number has 0, 0, 0 and the whole text as prerelease.
 * "3.14.0b1": 3, 14, 0, "b1"; "1.2.3-rc.1": 1, 2, 3, "rc.1".
 */
struct version_parts {
	long long major, minor, patch;
	const char *prerelease; /* points into the version */
};
void version_split(const char *version, struct version_parts *out);

/*
 * Whether a checked expression holds for a release: vars is its vars
 * object (bools, numbers and strings, as the ledger stores them), version
 * its version.  A var the object lacks or holds with another type is never
 * equal to anything, and false as a bool.
 */
bool expr_holds(const struct expr *e, const cJSON *vars, const char *version);

/*
 * NULL when e holds; else why it does not, for the reason of a step
 * skipped by its condition (caller frees): "advisory is false" for a bare
 * var, "advisory is true" for its negation, else "TEXT is false".
 */
char *expr_why_false(const struct expr *e, const cJSON *vars, const char *version);

#endif

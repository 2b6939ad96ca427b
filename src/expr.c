/*
 * The `when:` expressions (include/expr.h): a hand-written recursive
 * descent parser (the grammar is five rules; a generator would be larger
 * than the parser), a checker that resolves each name against the
 * playbook's vars once, and an evaluator over a release's vars and
 * version.  Errors carry the byte offset of the token at fault.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "expr.h"

/*
 * Parentheses and nots nest at most this deep, and a condition is at most
 * this long (so a chain of `or`s, a tree as deep as it is long, stays a
 * few hundred levels): the checker and evaluator recurse, and a pinned
 * playbook may come from a hostile clone.
 */
#define EXPR_MAX_DEPTH 64
#define EXPR_MAX_LENGTH 4096
#define RELEASE_PREFIX "release."

enum node_kind { NODE_OR, NODE_AND, NODE_NOT, NODE_EQ, NODE_NE, NODE_IN, NODE_OPERAND };
enum operand_kind { OPERAND_WORD, OPERAND_NUMBER, OPERAND_STRING, OPERAND_TRUE, OPERAND_FALSE };

/* What a checked operand stands for. */
enum operand_source {
	SOURCE_LITERAL,
	SOURCE_VAR,
	SOURCE_VERSION,
	SOURCE_MAJOR,
	SOURCE_MINOR,
	SOURCE_PATCH,
	SOURCE_PRERELEASE,
};

struct node {
	enum node_kind kind;
	size_t offset;             /* of its token (an operator's: its first operand's) */
	struct node *left, *right; /* or, and, ==, !=; not: left */
	struct node **list;        /* in: the values */
	size_t count;
	/* operands */
	enum operand_kind operand;
	char *text;     /* a word's or string's value, a number as written */
	double number;  /* a number's value */
	enum operand_source source;
	enum expr_type type; /* after expr_check */
	struct expr_var var; /* a var's declaration, after expr_check */
};

struct expr {
	char *text;
	struct node *root;
};

enum token {
	TOKEN_END,
	TOKEN_OPEN,
	TOKEN_CLOSE,
	TOKEN_OPEN_LIST,
	TOKEN_CLOSE_LIST,
	TOKEN_COMMA,
	TOKEN_EQ,
	TOKEN_NE,
	TOKEN_BANG,
	TOKEN_WORD,
	TOKEN_NUMBER,
	TOKEN_STRING,
	TOKEN_AND,
	TOKEN_OR,
	TOKEN_NOT,
	TOKEN_IN,
	TOKEN_TRUE,
	TOKEN_FALSE,
};

struct parser {
	const char *text;
	size_t pos;          /* after the current token */
	enum token token;
	size_t start, len;   /* the current token's bytes */
	char *value;         /* a word's, number's or string's value (owned) */
	double number;
	int depth;
	struct expr_error *err;
	bool failed;
};

__attribute__((format(printf, 3, 4))) static void fail_at(struct expr_error *err, size_t offset, const char *fmt, ...)
{
	va_list ap;

	err->offset = offset;
	err->empty = false;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

static void node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	node_free(n->left);
	node_free(n->right);
	for (i = 0; i < n->count; i++)
		node_free(n->list[i]);
	free(n->list);
	free(n->text);
	free(n);
}

/* ---------- tokens ---------- */

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == '-';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static const struct {
	const char *word;
	enum token token;
} keywords[] = {
	{ "and", TOKEN_AND }, { "or", TOKEN_OR },     { "not", TOKEN_NOT },
	{ "in", TOKEN_IN },   { "true", TOKEN_TRUE }, { "false", TOKEN_FALSE },
};

/* Reads the next token; false after a lexical error. */
static bool next(struct parser *p)
{
	const char *t = p->text;
	size_t i;

	free(p->value);
	p->value = NULL;
	while (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' || t[p->pos] == '\r')
		p->pos++;
	p->start = p->pos;
	p->len = 1;
	switch (t[p->pos]) {
	case '\0':
		p->token = TOKEN_END;
		p->len = 0;
		return true;
	case '(':
		p->token = TOKEN_OPEN;
		break;
	case ')':
		p->token = TOKEN_CLOSE;
		break;
	case '[':
		p->token = TOKEN_OPEN_LIST;
		break;
	case ']':
		p->token = TOKEN_CLOSE_LIST;
		break;
	case ',':
		p->token = TOKEN_COMMA;
		break;
	case '=':
		if (t[p->pos + 1] != '=') {
			fail_at(p->err, p->start, "'=' is not a comparison: write '==' (or '!=')");
			return false;
		}
		p->token = TOKEN_EQ;
		p->len = 2;
		break;
	case '!':
		p->token = t[p->pos + 1] == '=' ? TOKEN_NE : TOKEN_BANG;
		p->len = p->token == TOKEN_NE ? 2 : 1;
		break;
	case '&':
	case '|':
		fail_at(p->err, p->start, "unexpected '%c': write \"%s\"", t[p->pos], t[p->pos] == '&' ? "and" : "or");
		return false;
	case '"':
	case '\'': {
		const char *end = strchr(t + p->pos + 1, t[p->pos]);

		if (end == NULL) {
			fail_at(p->err, p->start, "this string has no closing %c", t[p->pos]);
			return false;
		}
		p->token = TOKEN_STRING;
		p->len = (size_t)(end - (t + p->pos)) + 1;
		p->value = xstrndup(t + p->pos + 1, p->len - 2);
		break;
	}
	default: {
		bool all_digits = true;

		if (!word_char(t[p->pos]) || t[p->pos] == '.' || t[p->pos] == '-') {
			unsigned char c = (unsigned char)t[p->pos];

			if (c < 0x20 || c >= 0x7f)
				fail_at(p->err, p->start, "unexpected character (byte 0x%02x)", c);
			else
				fail_at(p->err, p->start, "unexpected '%c'", c);
			return false;
		}
		for (p->len = 0; word_char(t[p->pos + p->len]); p->len++)
			all_digits = all_digits && digit(t[p->pos + p->len]);
		p->value = xstrndup(t + p->pos, p->len);
		p->token = all_digits ? TOKEN_NUMBER : TOKEN_WORD;
		if (all_digits) {
			char *end;

			errno = 0;
			p->number = (double)strtoll(p->value, &end, 10);
			if (errno == ERANGE) {
				fail_at(p->err, p->start, "the number %s is too large", p->value);
				return false;
			}
		}
		for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strcmp(p->value, keywords[i].word) == 0)
				p->token = keywords[i].token;
		break;
	}
	}
	p->pos += p->len;
	return true;
}

/* The current token, for "expected X, not TOKEN". */
static void describe_token(const struct parser *p, char *out, size_t size)
{
	if (p->token == TOKEN_END)
		snprintf(out, size, "the end");
	else
		snprintf(out, size, "\"%.*s\"", (int)(p->len > 40 ? 40 : p->len), p->text + p->start);
}

__attribute__((format(printf, 2, 3))) static struct node *syntax_error(struct parser *p, const char *fmt, ...)
{
	char what[64], expected[128];
	va_list ap;

	if (p->failed)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(expected, sizeof(expected), fmt, ap);
	va_end(ap);
	describe_token(p, what, sizeof(what));
	fail_at(p->err, p->start, "expected %s, not %s", expected, what);
	p->failed = true;
	return NULL;
}

static bool advance(struct parser *p)
{
	if (!next(p))
		p->failed = true;
	return !p->failed;
}

/* ---------- parser ---------- */

static struct node *node_new(enum node_kind kind, size_t offset)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->kind = kind;
	n->offset = offset;
	return n;
}

static struct node *parse_or(struct parser *p);

/* A word, number, string, true or false; NULL (and an error) at anything else. */
static struct node *parse_operand(struct parser *p)
{
	struct node *n;

	if (p->token != TOKEN_WORD && p->token != TOKEN_NUMBER && p->token != TOKEN_STRING &&
	    p->token != TOKEN_TRUE && p->token != TOKEN_FALSE)
		return syntax_error(p, "a name or a value");
	n = node_new(NODE_OPERAND, p->start);
	n->operand = p->token == TOKEN_WORD	 ? OPERAND_WORD
		     : p->token == TOKEN_NUMBER ? OPERAND_NUMBER
		     : p->token == TOKEN_STRING ? OPERAND_STRING
		     : p->token == TOKEN_TRUE	 ? OPERAND_TRUE
						 : OPERAND_FALSE;
	n->text = p->value ? xstrdup(p->value) : xstrndup(p->text + p->start, p->len);
	n->number = p->number;
	if (!advance(p)) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* `[A, B, ...]` after `in`. */
static struct node *parse_list(struct parser *p, struct node *left)
{
	struct node *n = node_new(NODE_IN, left->offset);

	n->left = left;
	if (p->token != TOKEN_OPEN_LIST) {
		syntax_error(p, "'[' to open the list after \"in\"");
		goto fail;
	}
	if (!advance(p))
		goto fail;
	if (p->token == TOKEN_CLOSE_LIST) {
		fail_at(p->err, p->start, "an \"in\" list needs at least one value");
		p->failed = true;
		goto fail;
	}
	for (;;) {
		struct node *item = parse_operand(p);

		if (item == NULL)
			goto fail;
		if ((n->count & (n->count - 1)) == 0) /* doubles at each power of two */
			n->list = xrealloc(n->list, (n->count ? 2 * n->count : 1) * sizeof(*n->list));
		n->list[n->count++] = item;
		if (p->token == TOKEN_CLOSE_LIST)
			break;
		if (p->token != TOKEN_COMMA) {
			syntax_error(p, "',' or ']'");
			goto fail;
		}
		if (!advance(p))
			goto fail;
	}
	if (advance(p))
		return n;
fail:
	node_free(n);
	return NULL;
}

/* An operand alone or compared, or a parenthesised expression. */
static struct node *parse_primary(struct parser *p)
{
	struct node *n, *cmp;

	if (p->token == TOKEN_OPEN) {
		if (!advance(p))
			return NULL;
		n = parse_or(p);
		if (n == NULL)
			return NULL;
		if (p->token != TOKEN_CLOSE) {
			node_free(n);
			return syntax_error(p, "')' to close the '('");
		}
		if (!advance(p)) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	n = parse_operand(p);
	if (n == NULL)
		return NULL;
	if (p->token == TOKEN_IN) {
		if (!advance(p)) {
			node_free(n);
			return NULL;
		}
		return parse_list(p, n);
	}
	if (p->token != TOKEN_EQ && p->token != TOKEN_NE)
		return n;
	cmp = node_new(p->token == TOKEN_EQ ? NODE_EQ : NODE_NE, n->offset);
	cmp->left = n;
	if (!advance(p) || (cmp->right = parse_operand(p)) == NULL) {
		node_free(cmp);
		return NULL;
	}
	return cmp;
}

static struct node *parse_not(struct parser *p)
{
	struct node *n;

	if (p->token != TOKEN_NOT && p->token != TOKEN_BANG)
		return parse_primary(p);
	n = node_new(NODE_NOT, p->start);
	if (++p->depth > EXPR_MAX_DEPTH) {
		fail_at(p->err, p->start, "the condition nests deeper than %d levels", EXPR_MAX_DEPTH);
		p->failed = true;
	} else if (advance(p)) {
		n->left = parse_not(p);
	}
	p->depth--;
	if (n->left == NULL) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* One level of a left-associative binary operator. */
static struct node *parse_binary(struct parser *p, enum token op, enum node_kind kind,
				 struct node *(*operand)(struct parser *))
{
	struct node *n = operand(p);

	while (n && p->token == op) {
		struct node *b = node_new(kind, n->offset);

		b->left = n;
		n = b;
		if (!advance(p) || (b->right = operand(p)) == NULL) {
			node_free(n);
			return NULL;
		}
	}
	return n;
}

static struct node *parse_and(struct parser *p)
{
	return parse_binary(p, TOKEN_AND, NODE_AND, parse_not);
}

static struct node *parse_or(struct parser *p)
{
	struct node *n;

	if (++p->depth > EXPR_MAX_DEPTH) {
		fail_at(p->err, p->start, "the condition nests deeper than %d levels", EXPR_MAX_DEPTH);
		p->failed = true;
		p->depth--;
		return NULL;
	}
	n = parse_binary(p, TOKEN_OR, NODE_OR, parse_and);
	p->depth--;
	return n;
}

struct expr *expr_parse(const char *text, struct expr_error *err)
{
	struct parser p = { .text = text, .err = err };
	struct expr *e;
	struct node *root = NULL;

	memset(err, 0, sizeof(*err));
	if (strlen(text) > EXPR_MAX_LENGTH) {
		fail_at(err, EXPR_MAX_LENGTH, "the condition is longer than %d bytes", EXPR_MAX_LENGTH);
		return NULL;
	}
	if (text[strspn(text, " \t\r\n!")] == '\0') {
		err->empty = true;
		snprintf(err->message, sizeof(err->message), "the condition is empty");
		return NULL;
	}
	if (advance(&p))
		root = parse_or(&p);
	if (root && p.token == TOKEN_CLOSE) {
		fail_at(err, p.start, "this ')' closes no '('");
		node_free(root);
		root = NULL;
	} else if (root && p.token != TOKEN_END) {
		syntax_error(&p, "\"and\", \"or\" or the end");
		node_free(root);
		root = NULL;
	}
	free(p.value);
	if (root == NULL)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->text = xstrdup(text);
	e->root = root;
	return e;
}

void expr_free(struct expr *e)
{
	if (e == NULL)
		return;
	node_free(e->root);
	free(e->text);
	free(e);
}

const char *expr_text(const struct expr *e)
{
	return e->text;
}

/* ---------- checking ---------- */

static const char *const release_parts[] = { "version", "major", "minor", "patch", "prerelease" };

static const char *type_name(enum expr_type type)
{
	return type == EXPR_BOOL ? "bool" : type == EXPR_NUMBER ? "number" : "string";
}

/* Resolves an operand on its own (a word: a release part, a var, else a literal). */
static int resolve(struct node *n, expr_lookup_fn lookup, void *data, struct expr_error *err)
{
	size_t i;

	n->source = SOURCE_LITERAL;
	n->type = n->operand == OPERAND_NUMBER				   ? EXPR_NUMBER
		  : n->operand == OPERAND_TRUE || n->operand == OPERAND_FALSE ? EXPR_BOOL
									      : EXPR_STRING;
	if (n->operand != OPERAND_WORD)
		return 0;
	if (strncmp(n->text, RELEASE_PREFIX, strlen(RELEASE_PREFIX)) == 0) {
		const char *part = n->text + strlen(RELEASE_PREFIX);

		for (i = 0; i < sizeof(release_parts) / sizeof(release_parts[0]); i++)
			if (strcmp(part, release_parts[i]) == 0) {
				n->source = (enum operand_source)(SOURCE_VERSION + i);
				n->type = n->source >= SOURCE_MAJOR && n->source <= SOURCE_PATCH ? EXPR_NUMBER : EXPR_STRING;
				return 0;
			}
		fail_at(err, n->offset,
			"unknown release part \"%s\": use release.version, release.major, release.minor, release.patch or release.prerelease",
			n->text);
		return -1;
	}
	if (lookup(data, n->text, &n->var)) {
		n->source = SOURCE_VAR;
		n->type = n->var.type;
	}
	return 0;
}

static bool is_bare_word(const struct node *n)
{
	return n->operand == OPERAND_WORD && n->source == SOURCE_LITERAL;
}

static bool enum_lists(const struct expr_var *var, const char *value)
{
	size_t i;

	for (i = 0; i < var->value_count; i++)
		if (strcmp(var->values[i], value) == 0)
			return true;
	return false;
}

/* "bool var \"flag\"", "release.patch (a number)", "the string \"x\"", for mismatches. */
static void describe(const struct node *n, char *out, size_t size)
{
	if (n->source == SOURCE_VAR)
		snprintf(out, size, "%s var \"%s\"", n->var.is_enum ? "enum" : type_name(n->type), n->text);
	else if (n->source != SOURCE_LITERAL)
		snprintf(out, size, "%s (a %s)", n->text, type_name(n->type));
	else if (n->operand == OPERAND_NUMBER)
		snprintf(out, size, "the number %s", n->text);
	else if (n->type == EXPR_BOOL)
		snprintf(out, size, "%s", n->text);
	else
		snprintf(out, size, "the string \"%s\"", n->text);
}

static int undeclared(const struct node *n, struct expr_error *err)
{
	fail_at(err, n->offset, "\"when\" names the undeclared var \"%s\"; declare it under \"vars\"", n->text);
	return -1;
}

/*
 * Checks value against anchor, the side that fixes the type: a literal the
 * enum lists (a word, a string or a number as written) is its value.
 */
static int check_pair(struct node *anchor, struct node *value, struct expr_error *err)
{
	char a[128], b[128];

	if (anchor->source == SOURCE_VAR && anchor->var.is_enum && value->operand != OPERAND_TRUE &&
	    value->operand != OPERAND_FALSE) {
		struct buf listed;

		if (enum_lists(&anchor->var, value->text)) {
			value->source = SOURCE_LITERAL;
			value->type = EXPR_STRING;
			return 0;
		}
		if (value->source == SOURCE_LITERAL) {
			buf_init(&listed);
			for (size_t i = 0; i < anchor->var.value_count; i++)
				buf_addf(&listed, "%s%s", i ? ", " : "", anchor->var.values[i]);
			fail_at(err, value->offset, "enum var \"%s\" has no value \"%s\" (its values: %s)", anchor->text,
				value->text, listed.len ? listed.data : "none");
			buf_release(&listed);
			return -1;
		}
	}
	if (is_bare_word(value) && anchor->type != EXPR_STRING) {
		describe(anchor, a, sizeof(a));
		fail_at(err, value->offset, "comparing %s with the word \"%s\", which names no var", a, value->text);
		return -1;
	}
	if (anchor->type != value->type) {
		describe(anchor, a, sizeof(a));
		describe(value, b, sizeof(b));
		fail_at(err, value->offset, "comparing %s with %s", a, b);
		return -1;
	}
	return 0;
}

/*
 * Both sides of a comparison (or an `in`'s left and one value): the side
 * that is a var or a release part fixes the type; two literals compare
 * nothing of the release.
 */
static int check_comparison(struct node *left, struct node *right, struct expr_error *err)
{
	bool left_typed = left->source != SOURCE_LITERAL, right_typed = right->source != SOURCE_LITERAL;

	if (left_typed)
		return check_pair(left, right, err);
	if (right_typed)
		return check_pair(right, left, err);
	if (is_bare_word(left))
		return undeclared(left, err);
	if (is_bare_word(right))
		return undeclared(right, err);
	fail_at(err, left->offset, "this compares two values and nothing of the release");
	return -1;
}

static int check_node(struct node *n, expr_lookup_fn lookup, void *data, struct expr_error *err);

static int check_bool_operand(struct node *n, struct expr_error *err)
{
	if (n->type == EXPR_BOOL)
		return 0;
	if (is_bare_word(n))
		return undeclared(n, err);
	if (n->source == SOURCE_VAR && n->var.is_enum)
		fail_at(err, n->offset, "\"when\" needs a bool var, and \"%s\" is an enum: compare it, %s == %s", n->text,
			n->text, n->var.value_count ? n->var.values[0] : "VALUE");
	else if (n->source == SOURCE_VAR)
		fail_at(err, n->offset, "\"when\" needs a bool var, and \"%s\" is a %s", n->text, type_name(n->type));
	else if (n->source != SOURCE_LITERAL)
		fail_at(err, n->offset, "%s is a %s, not a condition: compare it, %s == %s", n->text, type_name(n->type),
			n->text, n->type == EXPR_NUMBER ? "0" : "\"...\"");
	else
		fail_at(err, n->offset, n->type == EXPR_NUMBER ? "the number %s is not a condition"
							       : "the string \"%s\" is not a condition",
			n->text);
	return -1;
}

static int check_node(struct node *n, expr_lookup_fn lookup, void *data, struct expr_error *err)
{
	size_t i;

	switch (n->kind) {
	case NODE_OR:
	case NODE_AND:
		if (check_node(n->left, lookup, data, err) != 0)
			return -1;
		return check_node(n->right, lookup, data, err);
	case NODE_NOT:
		return check_node(n->left, lookup, data, err);
	case NODE_EQ:
	case NODE_NE:
		if (resolve(n->left, lookup, data, err) != 0 || resolve(n->right, lookup, data, err) != 0)
			return -1;
		return check_comparison(n->left, n->right, err);
	case NODE_IN:
		if (resolve(n->left, lookup, data, err) != 0)
			return -1;
		for (i = 0; i < n->count; i++)
			if (resolve(n->list[i], lookup, data, err) != 0 ||
			    check_comparison(n->left, n->list[i], err) != 0)
				return -1;
		return 0;
	case NODE_OPERAND:
		if (resolve(n, lookup, data, err) != 0)
			return -1;
		return check_bool_operand(n, err);
	}
	return 0;
}

int expr_check(struct expr *e, expr_lookup_fn lookup, void *data, struct expr_error *err)
{
	memset(err, 0, sizeof(*err));
	return check_node(e->root, lookup, data, err);
}

/* ---------- evaluation ---------- */

void version_split(const char *version, struct version_parts *out)
{
	long long *numbers[] = { &out->major, &out->minor, &out->patch };
	const char *p = version;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	if ((*p == 'v' || *p == 'V') && digit(p[1]))
		p++;
	if (!digit(*p)) {
		out->prerelease = version;
		return;
	}
	for (;;) {
		long long value = 0;

		for (; digit(*p); p++)
			value = value > (LLONG_MAX - 9) / 10 ? LLONG_MAX : value * 10 + (*p - '0');
		if (i < 3)
			*numbers[i] = value;
		i++;
		if (*p != '.' || !digit(p[1]))
			break;
		p++;
	}
	if (*p == '-' || *p == '.' || *p == '_')
		p++;
	out->prerelease = p;
}

struct value {
	bool known; /* false: a var the release lacks or holds with another type */
	bool truth;
	double number;
	const char *text;
};

static struct value operand_value(const struct node *n, const cJSON *vars, const struct version_parts *parts,
				  const char *version)
{
	struct value v = { .known = true };
	const cJSON *item;

	switch (n->source) {
	case SOURCE_LITERAL:
		v.truth = n->operand == OPERAND_TRUE;
		v.number = n->number;
		v.text = n->text;
		break;
	case SOURCE_VAR:
		item = cJSON_GetObjectItemCaseSensitive(vars, n->text);
		v.known = n->type == EXPR_BOOL ? cJSON_IsBool(item)
			  : n->type == EXPR_NUMBER ? cJSON_IsNumber(item)
						   : cJSON_IsString(item);
		if (v.known) {
			v.truth = cJSON_IsTrue(item);
			v.number = item->valuedouble;
			v.text = item->valuestring;
		}
		break;
	case SOURCE_VERSION:
		v.text = version;
		break;
	case SOURCE_MAJOR:
		v.number = (double)parts->major;
		break;
	case SOURCE_MINOR:
		v.number = (double)parts->minor;
		break;
	case SOURCE_PATCH:
		v.number = (double)parts->patch;
		break;
	case SOURCE_PRERELEASE:
		v.text = parts->prerelease;
		break;
	}
	return v;
}

static bool equal(const struct node *a, const struct node *b, const cJSON *vars, const struct version_parts *parts,
		  const char *version)
{
	struct value x = operand_value(a, vars, parts, version), y = operand_value(b, vars, parts, version);

	if (!x.known || !y.known)
		return false;
	if (a->type == EXPR_BOOL)
		return x.truth == y.truth;
	if (a->type == EXPR_NUMBER)
		return x.number == y.number;
	return x.text && y.text && strcmp(x.text, y.text) == 0;
}

static bool holds(const struct node *n, const cJSON *vars, const struct version_parts *parts, const char *version)
{
	size_t i;

	switch (n->kind) {
	case NODE_OR:
		return holds(n->left, vars, parts, version) || holds(n->right, vars, parts, version);
	case NODE_AND:
		return holds(n->left, vars, parts, version) && holds(n->right, vars, parts, version);
	case NODE_NOT:
		return !holds(n->left, vars, parts, version);
	case NODE_EQ:
		return equal(n->left, n->right, vars, parts, version);
	case NODE_NE:
		return !equal(n->left, n->right, vars, parts, version);
	case NODE_IN:
		for (i = 0; i < n->count; i++)
			if (equal(n->left, n->list[i], vars, parts, version))
				return true;
		return false;
	case NODE_OPERAND: {
		struct value v = operand_value(n, vars, parts, version);

		return v.known && v.truth;
	}
	}
	return false;
}

bool expr_holds(const struct expr *e, const cJSON *vars, const char *version)
{
	struct version_parts parts;

	version_split(version ? version : "", &parts);
	return holds(e->root, vars, &parts, version ? version : "");
}

char *expr_why_false(const struct expr *e, const cJSON *vars, const char *version)
{
	const struct node *n = e->root;

	if (expr_holds(e, vars, version))
		return NULL;
	if (n->kind == NODE_OPERAND && n->source == SOURCE_VAR)
		return xasprintf("%s is false", n->text);
	if (n->kind == NODE_NOT && n->left->kind == NODE_OPERAND && n->left->source == SOURCE_VAR)
		return xasprintf("%s is true", n->left->text);
	return xasprintf("%s is false", e->text);
}

/*
 * The playbook loader: libyaml's event stream becomes a small tree of nodes
 * that remember where they were written, the tree becomes the typed model,
 * and the model is checked as a whole (roles, ids, needs, cycles, phases,
 * hook templates).
 * Every problem is collected with its FILE:LINE:COL so that lint can report
 * all of them at once.  This is the only file that uses libyaml.
 *
 * Hostile input is expected: aliases are refused (no alias bombs), nesting
 * and scalar sizes are bounded, and the input size is bounded by the caller.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "buf.h"
#include "crypto.h"
#include "expr.h"
#include "file.h"
#include "playbook.h"
#include "template-grammar.h"
#include "util.h"

#define MAX_DEPTH 32
/*
 * The limits guard what they are for: nesting (depth), aliases (refused
 * outright), bytes (PLAYBOOK_MAX_BYTES), and the lists whose checks compare
 * every item with every other (roles, people, phases), which no team comes
 * near.  Steps are looked up through a hash index, so a playbook of 20000
 * steps lints in a tenth of a second; the node cap only bounds memory, at
 * about 50 nodes a step for 20000 steps.  "Did you mean" hints cost an edit
 * distance per candidate, so they get a budget of candidates per playbook;
 * past it, errors come without.
 */
#define MAX_NODES 1000000
#define MAX_LIST 1000 /* roles, people, phases */
#define MAX_SCALAR (256 * 1024)
#define SUGGEST_BUDGET 20000

enum node_type { NODE_SCALAR, NODE_SEQUENCE, NODE_MAPPING };

static void strlist_release(struct strlist *list);
static void step_index_add(struct playbook *pb, size_t i);
struct loader;
static void check_role(struct loader *l, const char *role, struct mark mark, const char *what);
static void hook_release(struct pb_hook *h);

/* Frees what a step owns (not the step itself). */
static void step_release(struct pb_step *s)
{
	free(s->id);
	free(s->title);
	free(s->owner);
	free(s->doc);
	free(s->instructions);
	strlist_release(&s->needs);
	free(s->when);
	expr_free(s->when_expr);
	free(s->hook);
	free(s->review);
	strlist_release(&s->inputs);
	strlist_release(&s->on_delay);
	for (size_t i = 0; i < s->checklist_count; i++) {
		free(s->checklist[i].id);
		free(s->checklist[i].text);
		free(s->checklist[i].when);
		expr_free(s->checklist[i].when_expr);
		free(s->checklist[i].review);
		free(s->checklist[i].owner);
	}
	free(s->checklist);
	strlist_release(&s->updates);
	strlist_release(&s->run);
	free(s->cwd);
	if (s->check) {
		hook_release(s->check);
		free(s->check);
	}
	free(s->expect_body);
}

/* A YAML node; a mapping's items alternate key, value. */
struct node {
	enum node_type type;
	struct mark mark;
	char *value; /* scalars */
	bool plain;  /* an unquoted scalar, which may be a number or a bool */
	struct mark comment; /* a plain scalar: the "#" of a comment after it on its line; line 0 when none */
	int style;   /* a scalar's yaml_scalar_style_t, to find its characters in the text */
	struct node **items;
	size_t count;
};

struct loader {
	struct diagnostics *diags;
	struct playbook *pb;
	const struct node **step_nodes; /* parallel to pb->steps */
	size_t node_total;
	size_t suggest_budget; /* candidates "did you mean" may still compare */
	size_t seen_chars, seen_bytes; /* how far comment_after has walked the input (marks count characters) */
	const char *text;      /* the playbook's text, for places inside scalars */
	size_t len;
};

/* ---------- diagnostics ---------- */

/*
 * Arrays that only ever grow by one (diagnostics, node items, id lists)
 * double their room when the count reaches a power of two, so that long
 * lists cost linear time.
 */
static size_t grown_room(size_t count)
{
	if (count == 0)
		return 1;
	return (count & (count - 1)) == 0 ? 2 * count : 0;
}

void diagnostics_init(struct diagnostics *d, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->file = xstrdup(file ? file : "playbook");
}

void diagnostics_release(struct diagnostics *d)
{
	size_t i;

	for (i = 0; i < d->count; i++)
		free(d->items[i].message);
	free(d->items);
	free(d->file);
	memset(d, 0, sizeof(*d));
}

char *diagnostic_format(const struct diagnostics *d, const struct diagnostic *item)
{
	const char *kind = item->warning ? "warning: " : "";

	if (item->mark.line > 0)
		return xasprintf("%s:%d:%d: %s%s", d->file, item->mark.line, item->mark.column, kind,
				 item->message);
	return xasprintf("%s: %s%s", d->file, kind, item->message);
}

static void diag_add(struct diagnostics *d, bool warning, struct mark mark, const char *fmt, va_list ap)
{
	struct buf b;
	struct diagnostic *item;
	size_t room;

	buf_init(&b);
	{
		va_list copy;
		int n;

		va_copy(copy, ap);
		n = vsnprintf(NULL, 0, fmt, copy);
		va_end(copy);
		if (n > 0) {
			char *text = xmalloc((size_t)n + 1);
			const unsigned char *p;

			vsnprintf(text, (size_t)n + 1, fmt, ap);
			/*
			 * Messages quote the file's own text; a control character in
			 * it must not break the one-line FILE:LINE:COL: form or reach
			 * the terminal (escape sequences).
			 */
			for (p = (const unsigned char *)text; *p; p++) {
				if (*p == '\n')
					buf_adds(&b, "\\n");
				else if (*p == '\t')
					buf_adds(&b, "\\t");
				else if (*p == '\r')
					buf_adds(&b, "\\r");
				else if (*p < 0x20 || *p == 0x7f)
					buf_addf(&b, "\\x%02x", *p);
				else
					buf_addc(&b, (char)*p);
			}
			free(text);
		}
	}
	room = grown_room(d->count);
	if (room)
		d->items = xrealloc(d->items, room * sizeof(*d->items));
	item = &d->items[d->count++];
	item->warning = warning;
	item->mark = mark;
	item->message = buf_detach(&b);
	if (warning)
		d->warnings++;
	else
		d->errors++;
}

__attribute__((format(printf, 3, 4))) static void error_at(struct loader *l, struct mark mark,
							    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(l->diags, false, mark, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void warning_at(struct loader *l, struct mark mark,
							      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(l->diags, true, mark, fmt, ap);
	va_end(ap);
}

/* A diagnostic and its insertion order, so that sorting by place is stable. */
struct ordered_diagnostic {
	struct diagnostic item;
	size_t order;
};

static int diagnostic_compare(const void *a, const void *b)
{
	const struct ordered_diagnostic *x = a, *y = b;

	if (x->item.mark.line != y->item.mark.line)
		return x->item.mark.line - y->item.mark.line;
	if (x->item.mark.column != y->item.mark.column)
		return x->item.mark.column - y->item.mark.column;
	/* Same place: keep the order the checks found them in. */
	return x->order < y->order ? -1 : x->order > y->order;
}

static void diagnostics_sort(struct diagnostics *d)
{
	struct ordered_diagnostic *sorted;
	size_t i;

	if (d->count < 2)
		return;
	sorted = xcalloc(d->count, sizeof(*sorted));
	for (i = 0; i < d->count; i++) {
		sorted[i].item = d->items[i];
		sorted[i].order = i;
	}
	qsort(sorted, d->count, sizeof(*sorted), diagnostic_compare);
	for (i = 0; i < d->count; i++)
		d->items[i] = sorted[i].item;
	free(sorted);
}

/* "Did you mean", within the playbook's budget of comparisons. */
static const char *loader_suggest(struct loader *l, const char *word, const char *const *candidates, size_t count)
{
	if (count > l->suggest_budget) {
		l->suggest_budget = 0;
		return NULL;
	}
	l->suggest_budget -= count;
	return suggest(word, candidates, count);
}

/* ---------- YAML to nodes ---------- */

static void node_free(struct node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->count; i++)
		node_free(n->items[i]);
	free(n->items);
	free(n->value);
	free(n);
}

static struct mark mark_of(yaml_mark_t m)
{
	struct mark mark = { (int)m.line + 1, (int)m.column + 1 };

	return mark;
}

static void node_append(struct node *parent, struct node *child)
{
	size_t room = grown_room(parent->count);

	if (room)
		parent->items = xrealloc(parent->items, room * sizeof(*parent->items));
	parent->items[parent->count++] = child;
}

/*
 * Where a comment starts after a plain scalar that ends at end, on the same
 * line (libyaml drops it: "title: Tag release #final" reads "Tag release").
 * Marks count characters; the input is walked once, as scalars come in order.
 */
static struct mark comment_after(struct loader *l, const yaml_parser_t *parser, yaml_mark_t end)
{
	const unsigned char *text = parser->input.string.start, *stop = parser->input.string.end, *p;
	struct mark none = { 0, 0 }, at = mark_of(end);

	if (end.index < l->seen_chars)
		return none;
	/* libyaml does not count a byte order mark. */
	if (l->seen_bytes == 0 && stop - text >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		l->seen_bytes = 3;
	while (l->seen_chars < end.index && text + l->seen_bytes < stop) {
		l->seen_bytes++;
		while (text + l->seen_bytes < stop && (text[l->seen_bytes] & 0xC0) == 0x80)
			l->seen_bytes++;
		l->seen_chars++;
	}
	for (p = text + l->seen_bytes; p < stop && (*p == ' ' || *p == '\t'); p++)
		at.column++;
	return p > text + l->seen_bytes && p < stop && *p == '#' ? at : none;
}

/*
 * Reads one node from the event stream (the event that starts it is in ev).
 * Returns NULL after recording an error.
 */
static struct node *read_node(struct loader *l, yaml_parser_t *parser, yaml_event_t *ev, int depth)
{
	struct node *n;

	if (++l->node_total > MAX_NODES) {
		error_at(l, mark_of(ev->start_mark), "the playbook has too many YAML nodes (more than %d)",
			 MAX_NODES);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		error_at(l, mark_of(ev->start_mark),
			 "YAML aliases (*%s) are not supported in a playbook; write the value out",
			 (const char *)ev->data.alias.anchor);
		return NULL;
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.length > MAX_SCALAR) {
			error_at(l, mark_of(ev->start_mark), "this value is too long (%zu bytes, at most %d)",
				 ev->data.scalar.length, MAX_SCALAR);
			return NULL;
		}
		if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length) {
			error_at(l, mark_of(ev->start_mark), "this value contains a NUL byte");
			return NULL;
		}
		n = xcalloc(1, sizeof(*n));
		n->type = NODE_SCALAR;
		n->mark = mark_of(ev->start_mark);
		n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (n->plain)
			n->comment = comment_after(l, parser, ev->end_mark);
		n->style = (int)ev->data.scalar.style;
		return n;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		yaml_event_type_t end = ev->type == YAML_SEQUENCE_START_EVENT ? YAML_SEQUENCE_END_EVENT
									      : YAML_MAPPING_END_EVENT;

		if (depth >= MAX_DEPTH) {
			error_at(l, mark_of(ev->start_mark), "the playbook nests deeper than %d levels",
				 MAX_DEPTH);
			return NULL;
		}
		n = xcalloc(1, sizeof(*n));
		n->type = ev->type == YAML_SEQUENCE_START_EVENT ? NODE_SEQUENCE : NODE_MAPPING;
		n->mark = mark_of(ev->start_mark);
		for (;;) {
			yaml_event_t child_ev;
			struct node *child;

			if (!yaml_parser_parse(parser, &child_ev)) {
				node_free(n);
				return NULL; /* the caller reports the parser's error */
			}
			if (child_ev.type == end) {
				yaml_event_delete(&child_ev);
				return n;
			}
			child = read_node(l, parser, &child_ev, depth + 1);
			yaml_event_delete(&child_ev);
			if (child == NULL) {
				node_free(n);
				return NULL;
			}
			node_append(n, child);
		}
	}
	default:
		error_at(l, mark_of(ev->start_mark), "unexpected YAML content");
		return NULL;
	}
}

/*
 * The line and column of a byte offset, counting characters as libyaml does
 * (UTF-8 continuation bytes do not start one).
 */
static struct mark mark_at_offset(const char *text, size_t len, size_t offset)
{
	struct mark mark = { 1, 1 };
	size_t i;

	for (i = 0; i < offset && i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\n' || (c == '\r' && (i + 1 >= len || text[i + 1] != '\n'))) {
			mark.line++;
			mark.column = 1;
		} else if ((c & 0xC0) != 0x80) {
			mark.column++;
		}
	}
	return mark;
}

static void parser_error(struct loader *l, yaml_parser_t *parser, const char *text, size_t len)
{
	struct mark mark = mark_of(parser->problem_mark);
	const char *problem = parser->problem ? parser->problem : "invalid YAML";

	if (parser->error == YAML_READER_ERROR) {
		/* The reader reports a byte offset, not a mark. */
		error_at(l, mark_at_offset(text, len, parser->problem_offset), "YAML error: %s (at byte %zu)",
			 problem, parser->problem_offset);
		return;
	}
	if (parser->context)
		error_at(l, mark, "YAML error: %s %s (line %d)", problem, parser->context,
			 (int)parser->context_mark.line + 1);
	else
		error_at(l, mark, "YAML error: %s", problem);
}

/* Parses the text into one document's root node; NULL after an error. */
static struct node *parse_yaml(struct loader *l, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct node *root = NULL;
	bool failed = false;

	if (!yaml_parser_initialize(&parser)) {
		error_at(l, (struct mark){ 0, 0 }, "cannot start the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &ev)) {
			parser_error(l, &parser, text, len);
			failed = true;
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT && root != NULL) {
			error_at(l, mark_of(ev.start_mark), "a playbook is one YAML document; remove this second one");
			yaml_event_delete(&ev);
			failed = true;
			break;
		}
		if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
		    ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_ALIAS_EVENT) {
			size_t errors = l->diags->errors;

			root = read_node(l, &parser, &ev, 0);
			yaml_event_delete(&ev);
			if (root == NULL) {
				if (l->diags->errors == errors)
					parser_error(l, &parser, text, len);
				failed = true;
				break;
			}
			continue;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	if (failed) {
		node_free(root);
		return NULL;
	}
	if (root == NULL)
		error_at(l, (struct mark){ 1, 1 }, "the playbook is empty; it must start with \"relctl: %d\"",
			 PLAYBOOK_SCHEMA_VERSION);
	return root;
}

/* ---------- node helpers ---------- */

static const char *type_word(const struct node *n)
{
	if (n->type == NODE_MAPPING)
		return "a mapping";
	if (n->type == NODE_SEQUENCE)
		return "a list";
	return "a scalar";
}

static const struct node *map_get(const struct node *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != NODE_MAPPING)
		return NULL;
	for (i = 0; i + 1 < map->count; i += 2)
		if (map->items[i]->type == NODE_SCALAR && strcmp(map->items[i]->value, key) == 0)
			return map->items[i + 1];
	return NULL;
}

/* Where a key's value was written (the mapping when the key is absent). */
static struct mark key_mark(const struct node *map, const char *key)
{
	const struct node *n = map_get(map, key);

	return n ? n->mark : map->mark;
}

static bool expect_type(struct loader *l, const struct node *n, enum node_type type, const char *what)
{
	static const char *const words[] = { "a string", "a list", "a mapping" };

	if (n->type == type)
		return true;
	error_at(l, n->mark, "%s must be %s, not %s", what, words[type], type_word(n));
	return false;
}

/* A scalar item of a node and where it is, for first_occurrences(). */
struct occurrence {
	const char *value;
	size_t index;
};

static int occurrence_compare(const void *a, const void *b)
{
	const struct occurrence *x = a, *y = b;
	int c = strcmp(x->value, y->value);

	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * For every stride-th item of a node (the keys of a mapping: stride 2), the
 * index of the first scalar item with the same value, or its own index when
 * it is the first.  Sorting keeps long lists of hostile input n log n, where
 * comparing each item with all the ones before it would be n squared.  The
 * caller frees the array.
 */
static size_t *first_occurrences(const struct node *n, size_t stride)
{
	struct occurrence *sorted = xcalloc(n->count / stride + 1, sizeof(*sorted));
	size_t *first = xcalloc(n->count + 1, sizeof(*first));
	size_t i, count = 0;

	for (i = 0; i < n->count; i += stride) {
		first[i] = i;
		if (n->items[i]->type == NODE_SCALAR) {
			sorted[count].value = n->items[i]->value;
			sorted[count].index = i;
			count++;
		}
	}
	qsort(sorted, count, sizeof(*sorted), occurrence_compare);
	for (i = 1; i < count; i++)
		if (strcmp(sorted[i].value, sorted[i - 1].value) == 0)
			first[sorted[i].index] = first[sorted[i - 1].index];
	free(sorted);
	return first;
}

/*
 * Whether key i of map looks like the rest of a value cut at a comma in a
 * flow mapping: a plain key with no value on the line of a plain value.
 */
static bool comma_split(const struct node *map, size_t i)
{
	const struct node *key = map->items[i], *value = map->items[i + 1], *before;

	if (i < 2 || value->type != NODE_SCALAR || !value->plain || value->value[0] != '\0')
		return false;
	before = map->items[i - 1];
	return before->type == NODE_SCALAR && before->plain && before->value[0] != '\0' &&
	       before->mark.line == key->mark.line;
}

/*
 * Checks a mapping's keys: each must be a scalar, known and unique.  The
 * allowed list ends with NULL.
 */
static void check_keys(struct loader *l, const struct node *map, const char *const *allowed, const char *where)
{
	size_t i, j, count = 0;
	size_t *first = first_occurrences(map, 2);

	while (allowed[count])
		count++;
	for (i = 0; i + 1 < map->count; i += 2) {
		const struct node *key = map->items[i];
		const char *hint;

		if (key->type != NODE_SCALAR) {
			error_at(l, key->mark, "keys of %s must be plain names", where);
			continue;
		}
		if (first[i] != i) {
			error_at(l, key->mark, "duplicate key \"%s\" in %s (first at line %d)", key->value, where,
				 map->items[first[i]]->mark.line);
			continue;
		}
		for (j = 0; j < count; j++)
			if (strcmp(allowed[j], key->value) == 0)
				break;
		if (j < count)
			continue;
		if (comma_split(map, i)) {
			/* {id: perms, text: World-readable, group-writable}: the text was cut at its comma. */
			error_at(l, key->mark,
				 "unknown key \"%s\" in %s; a comma inside {...} ends a value, so quote the text that has "
				 "one: \"%s, %s\"",
				 key->value, where, map->items[i - 1]->value, key->value);
			continue;
		}
		hint = loader_suggest(l, key->value, allowed, count);
		if (hint)
			error_at(l, key->mark, "unknown key \"%s\" in %s; did you mean \"%s\"?", key->value, where,
				 hint);
		else
			error_at(l, key->mark, "unknown key \"%s\" in %s", key->value, where);
	}
	free(first);
}

/* A string value; required ones report their absence at the mapping. */
static char *get_string(struct loader *l, const struct node *map, const char *key, bool required,
			const char *where)
{
	const struct node *n = map_get(map, key);

	if (n == NULL) {
		if (required)
			error_at(l, map->mark, "%s is missing the required key \"%s\"", where, key);
		return NULL;
	}
	if (n->type != NODE_SCALAR) {
		error_at(l, n->mark, "\"%s\" of %s must be a string, not %s", key, where, type_word(n));
		return NULL;
	}
	if (required && n->value[0] == '\0') {
		error_at(l, n->mark, "\"%s\" of %s must not be empty", key, where);
		return NULL;
	}
	return xstrdup(n->value);
}

/*
 * A text (a title) that YAML cut short: " #" starts a comment after a plain
 * scalar, so "title: Merge PR #45" reads "Merge PR".
 */
static void warn_cut_by_comment(struct loader *l, const struct node *map, const char *key)
{
	const struct node *n = map_get(map, key);

	if (n && n->type == NODE_SCALAR && n->comment.line > 0)
		warning_at(l, n->comment,
			   "the %s was read as \"%s\": YAML takes the text from \" #\" on as a comment; quote the %s to keep it",
			   key, n->value, key);
}

/* An identifier value (ids of steps, roles, ...). */
static char *get_id(struct loader *l, const struct node *map, const char *key, bool required, const char *where)
{
	char *id = get_string(l, map, key, required, where);

	if (id != NULL && !identifier_valid(id)) {
		error_at(l, map_get(map, key)->mark,
			 "\"%s\" is not a valid %s: use lower-case letters, digits, '-', '_' or '.'", id, key);
		free(id);
		return NULL;
	}
	return id;
}

static long get_duration(struct loader *l, const struct node *map, const char *key, long fallback)
{
	const struct node *n = map_get(map, key);
	long seconds;

	if (n == NULL)
		return fallback;
	if (n->type != NODE_SCALAR || duration_parse(n->value, &seconds) != 0) {
		error_at(l, n->mark, "bad duration \"%s\" for %s: write a number and a unit, like 30m, 48h, 2d or 1w",
			 n->type == NODE_SCALAR ? n->value : "(not a scalar)", key);
		return fallback;
	}
	return seconds;
}

static bool scalar_integer(const struct node *n, long *out)
{
	char *end;
	long v;

	if (n->type != NODE_SCALAR || !n->plain || n->value[0] == '\0')
		return false;
	v = strtol(n->value, &end, 10);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

static void strlist_add(struct strlist *list, const char *s, struct mark mark)
{
	size_t room = grown_room(list->count);

	if (room) {
		list->items = xrealloc(list->items, room * sizeof(*list->items));
		list->marks = xrealloc(list->marks, room * sizeof(*list->marks));
	}
	list->items[list->count] = xstrdup(s);
	list->marks[list->count] = mark;
	list->count++;
}

static void strlist_release(struct strlist *list)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	free(list->marks);
	memset(list, 0, sizeof(*list));
}

/* A list of identifiers; a single scalar is accepted as a list of one. */
static void get_id_list(struct loader *l, const struct node *map, const char *key, struct strlist *out,
			const char *where)
{
	const struct node *n = map_get(map, key);
	size_t i, *first;

	if (n == NULL)
		return;
	if (n->type == NODE_SCALAR) {
		if (identifier_valid(n->value))
			strlist_add(out, n->value, n->mark);
		else
			error_at(l, n->mark, "\"%s\" of %s must be a list of ids", key, where);
		return;
	}
	if (n->type != NODE_SEQUENCE) {
		error_at(l, n->mark, "\"%s\" must be a list, not %s", key, type_word(n));
		return;
	}
	first = first_occurrences(n, 1);
	for (i = 0; i < n->count; i++) {
		const struct node *item = n->items[i];

		if (item->type != NODE_SCALAR || !identifier_valid(item->value)) {
			error_at(l, item->mark, "items of \"%s\" in %s must be ids (lower-case letters, digits, '-', '_', '.')",
				 key, where);
			continue;
		}
		if (first[i] != i) {
			error_at(l, item->mark, "\"%s\" is listed twice in \"%s\"", item->value, key);
			continue;
		}
		strlist_add(out, item->value, item->mark);
	}
	free(first);
}

/* ---------- the sections ---------- */

static void load_roles(struct loader *l, const struct node *root)
{
	const struct node *n = map_get(root, "roles");

	if (n == NULL) {
		error_at(l, root->mark, "the playbook is missing the required key \"roles\" (the roles of your team)");
		return;
	}
	if (n->type == NODE_SEQUENCE && n->count > MAX_LIST) {
		error_at(l, n->mark, "the playbook lists %zu roles; at most %d", n->count, MAX_LIST);
		return;
	}
	get_id_list(l, root, "roles", &l->pb->roles, "the playbook");
}

/* ---------- keys ---------- */

/* The key types ssh-keygen -Y sign can sign with (ssh-dss cannot: OpenSSH dropped DSA). */
static const char *const key_types[] = {
	"ssh-ed25519",
	"ecdsa-sha2-nistp256",
	"ecdsa-sha2-nistp384",
	"ecdsa-sha2-nistp521",
	"ssh-rsa",
	"sk-ssh-ed25519@openssh.com",
	"sk-ecdsa-sha2-nistp256@openssh.com",
	NULL,
};

/* Reads one string of the SSH wire format (a 32-bit length, then the bytes) at *p. */
static bool wire_string(const unsigned char **p, const unsigned char *end, const unsigned char **s, size_t *len)
{
	uint32_t n;

	if (end - *p < 4)
		return false;
	n = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 | (uint32_t)(*p)[2] << 8 | (uint32_t)(*p)[3];
	*p += 4;
	if ((size_t)(end - *p) < n)
		return false;
	*s = *p;
	*len = n;
	*p += n;
	return true;
}

/*
 * Whether blob is a whole public key of type, as ssh-keygen writes one:
 * the type's name, then its parts (RFC 4253, 5656, 8709; PROTOCOL.u2f for
 * the sk- types, which end with the application), and nothing after.
 */
static bool key_blob_valid(const char *type, const unsigned char *blob, size_t len)
{
	const unsigned char *p = blob, *end = blob + len, *s;
	size_t n;

	if (!wire_string(&p, end, &s, &n) || n != strlen(type) || memcmp(s, type, n) != 0)
		return false;
	if (strstr(type, "ed25519")) {
		if (!wire_string(&p, end, &s, &n) || n != 32)
			return false;
	} else if (strstr(type, "ecdsa")) {
		const char *curve = strstr(type, "nistp");
		size_t coordinate = curve[5] == '2' ? 32 : curve[5] == '3' ? 48 : 66;

		if (!wire_string(&p, end, &s, &n) || n != 8 || memcmp(s, curve, 8) != 0)
			return false;
		if (!wire_string(&p, end, &s, &n) || n != 1 + 2 * coordinate || s[0] != 0x04)
			return false;
	} else {
		/* ssh-rsa: the exponent, then a modulus of 1024 to 16384 bits. */
		if (!wire_string(&p, end, &s, &n) || n == 0 || n > 16)
			return false;
		if (!wire_string(&p, end, &s, &n) || n < 128 || n > 2049)
			return false;
	}
	if (strncmp(type, "sk-", 3) == 0 && (!wire_string(&p, end, &s, &n) || n == 0))
		return false;
	return p == end;
}

static bool known_key_type(const char *word)
{
	size_t i;

	for (i = 0; key_types[i]; i++)
		if (strcmp(key_types[i], word) == 0)
			return true;
	return false;
}

/* The next whitespace-separated word of *p, copied; NULL at the end. */
static char *next_word(const char **p)
{
	const char *start;

	while (**p && isspace((unsigned char)**p))
		(*p)++;
	if (**p == '\0')
		return NULL;
	start = *p;
	while (**p && !isspace((unsigned char)**p))
		(*p)++;
	return xstrndup(start, (size_t)(*p - start));
}

void pb_key_release(struct pb_key *key)
{
	free(key->type);
	free(key->base64);
	free(key->comment);
	memset(key, 0, sizeof(*key));
}

char *pb_key_parse(const char *line, struct pb_key *key)
{
	const char *p = line, *end;
	unsigned char *blob;
	size_t len;
	char *word, *why = NULL;

	memset(key, 0, sizeof(*key));
	/* The armour, or its body alone ("openssh-key-v1" in base64) when only that was pasted. */
	if (strstr(line, "PRIVATE KEY") || strstr(line, "b3BlbnNzaC1rZXktdjE"))
		return xstrdup("this is a private key: list its public half (the .pub file), and treat this one as leaked");
	word = next_word(&p);
	if (word && strcmp(word, "cert-authority") == 0) {
		key->cert_authority = true;
		free(word);
		word = next_word(&p);
	}
	if (word == NULL)
		return xstrdup("the key is empty; write the line of its .pub file: TYPE BASE64 [COMMENT]");
	if (!known_key_type(word)) {
		why = xasprintf("\"%s\" is not a key type (nor the option cert-authority); use ssh-ed25519, "
				"ecdsa-sha2-nistp256/384/521, ssh-rsa, sk-ssh-ed25519@openssh.com or "
				"sk-ecdsa-sha2-nistp256@openssh.com",
				word);
		free(word);
		return why;
	}
	key->type = word;
	key->base64 = next_word(&p);
	if (key->base64 == NULL) {
		why = xasprintf("the %s key has no base64 part: write the line of its .pub file, TYPE BASE64 [COMMENT]",
				key->type);
		pb_key_release(key);
		return why;
	}
	blob = base64_decode(key->base64, &len);
	if (blob == NULL)
		why = xasprintf("the base64 part of this %s key does not decode (cut short when copied?)", key->type);
	else if (!key_blob_valid(key->type, blob, len))
		why = xasprintf("the base64 part is not a whole %s key (cut short, or the type of another key?)",
				key->type);
	free(blob);
	if (why) {
		pb_key_release(key);
		return why;
	}
	while (*p && isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (end > p)
		key->comment = xstrndup(p, (size_t)(end - p));
	return NULL;
}

bool email_is_principal(const char *email)
{
	const unsigned char *p;

	if (email[0] == '\0')
		return false;
	for (p = (const unsigned char *)email; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("\"',*?!#", *p))
			return false;
	return true;
}

/* A person's keys: a list of key lines (a single line is a list of one). */
static void load_keys(struct loader *l, const struct node *person, struct pb_person *p)
{
	const struct node *n = map_get(person, "keys");
	const struct node *const *items;
	size_t i, count;

	if (n == NULL)
		return;
	if (n->type == NODE_MAPPING) {
		error_at(l, n->mark, "\"keys\" of person \"%s\" must be a list of public key lines, not a mapping", p->id);
		return;
	}
	items = n->type == NODE_SCALAR ? (const struct node *const *)&n : (const struct node *const *)n->items;
	count = n->type == NODE_SCALAR ? 1 : n->count;
	p->keys = xcalloc(count + 1, sizeof(*p->keys));
	for (i = 0; i < count; i++) {
		char *why;

		if (items[i]->type != NODE_SCALAR) {
			error_at(l, items[i]->mark,
				 "keys of person \"%s\" must be OpenSSH public key lines (TYPE BASE64 [COMMENT]), not %s",
				 p->id, type_word(items[i]));
			continue;
		}
		why = pb_key_parse(items[i]->value, &p->keys[p->key_count]);
		if (why) {
			error_at(l, items[i]->mark, "a key of person \"%s\": %s", p->id, why);
			free(why);
			continue;
		}
		p->keys[p->key_count++].mark = items[i]->mark;
	}
}

/* A key and whose it is, for check_keys_unique(). */
struct key_use {
	const struct pb_key *key;
	const struct pb_person *person;
};

static int key_use_compare(const void *a, const void *b)
{
	const struct key_use *x = a, *y = b;
	int c = strcmp(x->key->base64, y->key->base64);

	if (c != 0)
		return c;
	if (x->key->mark.line != y->key->mark.line)
		return x->key->mark.line - y->key->mark.line;
	return x->key->mark.column - y->key->mark.column;
}

/*
 * A key belongs to one person: a signature made with it must name one
 * signer.  Sorting keeps a hostile list of many keys n log n.
 */
static void check_keys_unique(struct loader *l)
{
	const struct playbook *pb = l->pb;
	struct key_use *uses;
	size_t i, j, count = 0;

	for (i = 0; i < pb->person_count; i++)
		count += pb->people[i].key_count;
	if (count < 2)
		return;
	uses = xcalloc(count, sizeof(*uses));
	count = 0;
	for (i = 0; i < pb->person_count; i++)
		for (j = 0; j < pb->people[i].key_count; j++)
			uses[count++] = (struct key_use){ &pb->people[i].keys[j], &pb->people[i] };
	qsort(uses, count, sizeof(*uses), key_use_compare);
	for (i = 1, j = 0; i < count; i++) {
		if (strcmp(uses[i].key->base64, uses[j].key->base64) != 0) {
			j = i;
			continue;
		}
		if (uses[i].person == uses[j].person)
			error_at(l, uses[i].key->mark, "this key is listed twice for %s (first at line %d)",
				 uses[i].person->id, uses[j].key->mark.line);
		else
			error_at(l, uses[i].key->mark,
				 "this key is already %s's (line %d); each key belongs to one person, so that a signature names one signer",
				 uses[j].person->id, uses[j].key->mark.line);
	}
	free(uses);
}

static void load_signing(struct loader *l, const struct node *root)
{
	const struct node *n = map_get(root, "signing");
	size_t i;

	if (n == NULL)
		return;
	if (n->type != NODE_SCALAR || (strcmp(n->value, "required") != 0 && strcmp(n->value, "optional") != 0)) {
		error_at(l, n->mark, "\"signing\" must be required or optional, not %s%s%s",
			 n->type == NODE_SCALAR ? "\"" : "", n->type == NODE_SCALAR ? n->value : type_word(n),
			 n->type == NODE_SCALAR ? "\"" : "");
		return;
	}
	l->pb->signing_required = strcmp(n->value, "required") == 0;
	for (i = 0; l->pb->signing_required && i < l->pb->person_count; i++)
		if (l->pb->people[i].key_count == 0)
			warning_at(l, n->mark, "signing is required but person \"%s\" has no keys: every change they make will be refused",
				   l->pb->people[i].id);
}

static void load_people(struct loader *l, const struct node *root)
{
	static const char *const keys[] = { "id", "name", "email", "roles", "keys", NULL };
	const struct node *n = map_get(root, "people");
	struct playbook *pb = l->pb;
	size_t i, j;

	if (n == NULL || !expect_type(l, n, NODE_SEQUENCE, "\"people\""))
		return;
	if (n->count > MAX_LIST) {
		error_at(l, n->mark, "the playbook lists %zu people; at most %d", n->count, MAX_LIST);
		return;
	}
	pb->people = xcalloc(n->count, sizeof(*pb->people));
	for (i = 0; i < n->count; i++) {
		const struct node *item = n->items[i];
		struct pb_person *p;
		char *id;

		if (!expect_type(l, item, NODE_MAPPING, "a person"))
			continue;
		check_keys(l, item, keys, "a person");
		id = get_id(l, item, "id", true, "a person");
		if (id == NULL)
			continue;
		if (playbook_person(pb, id)) {
			error_at(l, map_get(item, "id")->mark, "duplicate person id \"%s\"", id);
			free(id);
			continue;
		}
		p = &pb->people[pb->person_count++];
		p->id = id;
		p->name = get_string(l, item, "name", false, "a person");
		if (p->name == NULL)
			p->name = xstrdup(id);
		p->email = get_string(l, item, "email", true, "a person");
		if (p->email == NULL)
			p->email = xstrdup("");
		else if (strchr(p->email, '@') == NULL)
			error_at(l, map_get(item, "email")->mark, "\"%s\" is not an email address", p->email);
		for (j = 0; j + 1 < pb->person_count && p->email[0]; j++)
			if (strcasecmp(pb->people[j].email, p->email) == 0)
				error_at(l, map_get(item, "email")->mark, "%s and %s share the email %s; each person needs their own",
					 pb->people[j].id, id, p->email);
		if (map_get(item, "roles") == NULL)
			error_at(l, item->mark, "person \"%s\" is missing the required key \"roles\"", id);
		get_id_list(l, item, "roles", &p->roles, "a person");
		for (j = 0; j < p->roles.count; j++)
			if (!strlist_contains(&pb->roles, p->roles.items[j]))
				error_at(l, p->roles.marks[j], "person \"%s\" has the undeclared role \"%s\"; add it to \"roles\"",
					 id, p->roles.items[j]);
		load_keys(l, item, p);
		if (p->key_count > 0 && strchr(p->email, '@') && !email_is_principal(p->email))
			error_at(l, map_get(item, "email")->mark,
				 "the email \"%s\" of %s, who has keys, cannot name a signer in git's allowed signers: it must not hold spaces, quotes, commas or * ? ! #",
				 p->email, id);
	}
	check_keys_unique(l);
}

/* An enum var's "values": a list of ids, each once; only enums have them. */
static void load_enum_values(struct loader *l, const struct node *spec, struct pb_var *v)
{
	const struct node *values = map_get(spec, "values");

	if (v->type != VAR_ENUM) {
		if (values)
			error_at(l, values->mark, "\"values\" is only for enum vars (\"type: enum\")");
		return;
	}
	if (values == NULL) {
		error_at(l, spec->mark, "enum var \"%s\" needs \"values\", e.g. values: [alpha, beta, final]", v->name);
		return;
	}
	get_id_list(l, spec, "values", &v->values, "an enum var");
	if (v->values.count == 0 && values->type == NODE_SEQUENCE && values->count == 0)
		error_at(l, values->mark, "enum var \"%s\" needs at least one value", v->name);
}

static void load_vars(struct loader *l, const struct node *root)
{
	static const char *const keys[] = { "type", "default", "description", "values", NULL };
	static const char *const types[] = { "bool", "string", "number", "enum" };
	const struct node *n = map_get(root, "vars");
	struct playbook *pb = l->pb;
	size_t i;

	if (n == NULL || !expect_type(l, n, NODE_MAPPING, "\"vars\""))
		return;
	pb->vars = xcalloc(n->count / 2 + 1, sizeof(*pb->vars));
	for (i = 0; i + 1 < n->count; i += 2) {
		const struct node *key = n->items[i], *spec = n->items[i + 1], *def;
		struct pb_var *v;
		char *type;
		size_t t;

		if (key->type != NODE_SCALAR || !identifier_valid(key->value)) {
			error_at(l, key->mark, "var names must be ids (lower-case letters, digits, '-', '_')");
			continue;
		}
		if (playbook_var(pb, key->value)) {
			error_at(l, key->mark, "duplicate var \"%s\"", key->value);
			continue;
		}
		if (!expect_type(l, spec, NODE_MAPPING, "a var"))
			continue;
		check_keys(l, spec, keys, "a var");
		type = get_string(l, spec, "type", true, "a var");
		if (type == NULL)
			continue;
		for (t = 0; t < 4; t++)
			if (strcmp(type, types[t]) == 0)
				break;
		if (t == 4) {
			error_at(l, map_get(spec, "type")->mark, "unknown var type \"%s\": use bool, string, number or enum",
				 type);
			free(type);
			continue;
		}
		free(type);
		v = &pb->vars[pb->var_count++];
		v->name = xstrdup(key->value);
		v->type = (enum var_type)t;
		v->description = get_string(l, spec, "description", false, "a var");
		load_enum_values(l, spec, v);
		def = map_get(spec, "default");
		if (def == NULL) {
			v->default_value = xstrdup(v->type == VAR_BOOL	  ? "false"
						   : v->type == VAR_NUMBER ? "0"
						   : v->type == VAR_ENUM && v->values.count ? v->values.items[0]
											   : "");
		} else if (def->type != NODE_SCALAR) {
			error_at(l, def->mark, "the default of \"%s\" must be a scalar", v->name);
			v->default_value = xstrdup("");
		} else {
			long num;

			if (v->type == VAR_BOOL && strcmp(def->value, "true") && strcmp(def->value, "false"))
				error_at(l, def->mark, "the default of bool var \"%s\" must be true or false", v->name);
			if (v->type == VAR_NUMBER && !scalar_integer(def, &num))
				error_at(l, def->mark, "the default of number var \"%s\" must be a whole number", v->name);
			if (v->type == VAR_ENUM && v->values.count && !strlist_contains(&v->values, def->value))
				error_at(l, def->mark, "the default of enum var \"%s\" must be one of its values, not \"%s\"",
					 v->name, def->value);
			v->default_value = xstrdup(def->value);
		}
	}
}

/*
 * "managers": the roles whose people run the release (start it, assign,
 * skip, reopen, restore, change the playbook).  The default is here and
 * nowhere else: [release-manager].  Each person's manager flag is set once.
 */
static void load_managers(struct loader *l, const struct node *root)
{
	struct playbook *pb = l->pb;
	size_t i, j;

	if (map_get(root, "managers") == NULL) {
		strlist_add(&pb->managers, "release-manager", key_mark(root, "roles"));
	} else {
		get_id_list(l, root, "managers", &pb->managers, "the playbook");
		if (pb->managers.count == 0)
			error_at(l, map_get(root, "managers")->mark, "\"managers\" needs at least one role");
		for (i = 0; i < pb->managers.count; i++)
			check_role(l, pb->managers.items[i], pb->managers.marks[i], "\"managers\"");
	}
	for (i = 0; i < pb->person_count; i++)
		for (j = 0; j < pb->managers.count; j++)
			if (person_has_role(&pb->people[i], pb->managers.items[j]))
				pb->people[i].manager = true;
}

/*
 * "findings": the severities and the roles that estimate and weigh the
 * impact of a finding.  The defaults are here and nowhere else: the
 * severities blocker, major, minor; estimates by dev, impact by support.
 */
static void load_findings(struct loader *l, const struct node *root)
{
	static const char *const keys[] = { "severities", "estimate_by", "impact_by", NULL };
	static const char *const default_severities[] = { "blocker", "major", "minor" };
	const struct node *n = map_get(root, "findings");
	struct pb_findings *f = &l->pb->findings;
	size_t i;

	if (n && expect_type(l, n, NODE_MAPPING, "\"findings\"")) {
		check_keys(l, n, keys, "\"findings\"");
		get_id_list(l, n, "severities", &f->severities, "\"findings\"");
		get_id_list(l, n, "estimate_by", &f->estimate_by, "\"findings\"");
		get_id_list(l, n, "impact_by", &f->impact_by, "\"findings\"");
		for (i = 0; i < f->estimate_by.count; i++)
			check_role(l, f->estimate_by.items[i], f->estimate_by.marks[i], "\"estimate_by\"");
		for (i = 0; i < f->impact_by.count; i++)
			check_role(l, f->impact_by.items[i], f->impact_by.marks[i], "\"impact_by\"");
	}
	if (map_get(n, "severities") == NULL)
		for (i = 0; i < sizeof(default_severities) / sizeof(default_severities[0]); i++)
			strlist_add(&f->severities, default_severities[i], (struct mark){ 0, 0 });
	else if (f->severities.count == 0)
		error_at(l, map_get(n, "severities")->mark, "\"severities\" needs at least one severity");
	if (map_get(n, "estimate_by") == NULL)
		strlist_add(&f->estimate_by, "dev", (struct mark){ 0, 0 });
	if (map_get(n, "impact_by") == NULL)
		strlist_add(&f->impact_by, "support", (struct mark){ 0, 0 });
}

/* One short printable word: it goes into commit messages and titles. */
static bool candidate_label_valid(const char *label)
{
	size_t i;

	for (i = 0; label[i]; i++)
		if ((unsigned char)label[i] <= ' ' || label[i] == 0x7f)
			return false;
	return i <= 32;
}

/* The default word for a release's candidates: rc1, rc2, "release candidate 2" in titles. */
static const char default_candidate_label[] = "rc";
static const char default_candidate_name[] = "release candidate";

/* "candidate": the word for a release's successive candidates. */
static void load_candidate(struct loader *l, const struct node *root)
{
	static const char *const keys[] = { "label", "name", NULL };
	const struct node *n = map_get(root, "candidate");
	struct pb_candidate *c = &l->pb->candidate;

	if (n && expect_type(l, n, NODE_MAPPING, "\"candidate\"")) {
		check_keys(l, n, keys, "\"candidate\"");
		c->label = get_string(l, n, "label", true, "\"candidate\"");
		c->name = get_string(l, n, "name", false, "\"candidate\"");
		if (c->label && !candidate_label_valid(c->label)) {
			error_at(l, key_mark(n, "label"), "a candidate label is one short word, like build or rc");
			free(c->label);
			c->label = NULL;
		}
	}
	if (c->label == NULL) {
		free(c->name);
		c->label = xstrdup(default_candidate_label);
		c->name = xstrdup(default_candidate_name);
	} else if (c->name == NULL) {
		c->name = xstrdup(c->label);
	}
}

/* A YAML value of a hook body becomes the JSON template it stands for. */
static cJSON *node_to_json(const struct node *n)
{
	cJSON *out;
	size_t i;
	long num;

	switch (n->type) {
	case NODE_SCALAR:
		if (n->plain && (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0))
			return cJSON_CreateBool(strcmp(n->value, "true") == 0);
		if (n->plain && (strcmp(n->value, "null") == 0 || strcmp(n->value, "~") == 0))
			return cJSON_CreateNull();
		if (scalar_integer(n, &num))
			return cJSON_CreateNumber((double)num);
		return cJSON_CreateString(n->value);
	case NODE_SEQUENCE:
		out = cJSON_CreateArray();
		for (i = 0; i < n->count; i++)
			cJSON_AddItemToArray(out, node_to_json(n->items[i]));
		return out;
	case NODE_MAPPING:
		out = cJSON_CreateObject();
		for (i = 0; i + 1 < n->count; i += 2)
			cJSON_AddItemToObject(out, n->items[i]->type == NODE_SCALAR ? n->items[i]->value : "",
					      node_to_json(n->items[i + 1]));
		return out;
	}
	return cJSON_CreateNull();
}

/* One address, or (list) a list of them; a single string is a list of one. */
static void get_addresses(struct loader *l, const struct node *mail, const char *key, bool list, bool required,
			  struct strlist *out, char **one)
{
	const struct node *n = map_get(mail, key);
	size_t i, count;

	if (n == NULL) {
		if (required)
			error_at(l, mail->mark, "\"mail\" is missing the required key \"%s\"", key);
		return;
	}
	if (n->type == NODE_MAPPING || (!list && n->type == NODE_SEQUENCE)) {
		error_at(l, n->mark, "\"%s\" of \"mail\" must be %s, not %s", key,
			 list ? "an address or a list of addresses" : "one address", type_word(n));
		return;
	}
	count = n->type == NODE_SCALAR ? 1 : n->count;
	if (count == 0 && required)
		error_at(l, n->mark, "\"%s\" of \"mail\" needs at least one address", key);
	for (i = 0; i < count; i++) {
		const struct node *item = n->type == NODE_SCALAR ? n : n->items[i];
		char *name = NULL, *addr = NULL;

		if (item->type != NODE_SCALAR || !mail_address_split(item->value, &name, &addr)) {
			error_at(l, item->mark,
				 "\"%s\" is not one mail address: write name@example.com or \"Name <name@example.com>\", one per item",
				 item->type == NODE_SCALAR ? item->value : "(not a string)");
			continue;
		}
		free(name);
		free(addr);
		if (one)
			*one = xstrdup(item->value);
		else
			strlist_add(out, item->value, item->mark);
	}
}

static void load_mail(struct loader *l, struct pb_hook *h, const struct node *n)
{
	static const char *const keys[] = { "from", "to", "cc", "reply_to", "subject", NULL };
	struct pb_mail *m;

	if (!expect_type(l, n, NODE_MAPPING, "\"mail\""))
		return;
	m = h->mail = xcalloc(1, sizeof(*m));
	check_keys(l, n, keys, "\"mail\"");
	get_addresses(l, n, "from", false, true, NULL, &m->from);
	get_addresses(l, n, "to", true, true, &m->to, NULL);
	get_addresses(l, n, "cc", true, false, &m->cc, NULL);
	get_addresses(l, n, "reply_to", false, false, NULL, &m->reply_to);
	m->subject = get_string(l, n, "subject", true, "\"mail\"");
}

/*
 * A hook is an HTTP request, or with "mail:" a mail sent over SMTP; each
 * kind refuses the other's keys, so a half-converted hook is caught here.
 */
static void load_hook_fields(struct loader *l, struct pb_hook *h, const struct node *spec)
{
	static const char *const http_only[] = { "method", "headers", "content_type", "secret_env", "signing", NULL };
	const struct node *n, *mail = map_get(spec, "mail");
	size_t i;

	h->url = get_string(l, spec, "url", true, "a hook");
	if (mail) {
		load_mail(l, h, mail);
		if (h->url && strncmp(h->url, "smtp://", 7) && strncmp(h->url, "smtps://", 8) && strncmp(h->url, "${", 2))
			error_at(l, map_get(spec, "url")->mark,
				 "mail hook \"%s\" must use an smtps:// or smtp:// url (STARTTLS)", h->id);
		for (i = 0; http_only[i]; i++)
			if (map_get(spec, http_only[i]))
				error_at(l, key_mark(spec, http_only[i]), "\"%s\" is for HTTP hooks; mail hook \"%s\" cannot have it",
					 http_only[i], h->id);
	} else if (h->url && strncmp(h->url, "http://", 7) && strncmp(h->url, "https://", 8) &&
		   strncmp(h->url, "${", 2)) {
		error_at(l, map_get(spec, "url")->mark, "hook \"%s\" must use an http:// or https:// url%s", h->id,
			 strncmp(h->url, "smtp", 4) == 0 ? " (a mail hook needs \"mail: {from, to, subject}\")" : "");
	}
	n = map_get(spec, "tls");
	if (n && !mail) {
		error_at(l, key_mark(spec, "tls"), "\"tls\" is only for mail hooks (https is always verified)");
	} else if (n && (n->type != NODE_SCALAR || (strcmp(n->value, "none") && strcmp(n->value, "required")))) {
		error_at(l, n->mark, "\"tls\" must be required (the default) or none (plain smtp:// to a local relay)");
	} else if (n) {
		h->tls_none = strcmp(n->value, "none") == 0;
		if (h->tls_none && h->url && strncmp(h->url, "smtps://", 8) == 0)
			error_at(l, n->mark, "\"tls: none\" contradicts the smtps:// url of hook \"%s\"", h->id);
	}
	h->method = mail ? xstrdup("SMTP") : get_string(l, spec, "method", false, "a hook");
	if (h->method == NULL)
		h->method = xstrdup("POST");
	/* Any method token (RFC 9110): caches and CDNs take PURGE, BAN, ... */
	if (!mail && (h->method[0] == '\0' ||
		      h->method[strspn(h->method, "!#$%&'*+-.^_`|~0123456789"
						  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")] != '\0'))
		error_at(l, map_get(spec, "method")->mark,
			 "method \"%s\" is not an HTTP method: write one word of letters, digits or !#$%%&'*+-.^_`|~ (GET, POST, PURGE, ...)",
			 h->method);
	n = map_get(spec, "headers");
	if (n && !mail && expect_type(l, n, NODE_MAPPING, "\"headers\"")) {
		h->headers = xcalloc(n->count / 2 + 1, sizeof(*h->headers));
		for (i = 0; i + 1 < n->count; i += 2) {
			if (n->items[i]->type != NODE_SCALAR || n->items[i + 1]->type != NODE_SCALAR) {
				error_at(l, n->items[i]->mark, "headers must map names to strings");
				continue;
			}
			if (strpbrk(n->items[i]->value, ": \r\n") || strpbrk(n->items[i + 1]->value, "\r\n")) {
				error_at(l, n->items[i]->mark, "header \"%s\" has a character a header cannot hold",
					 n->items[i]->value);
				continue;
			}
			h->headers[h->header_count].name = xstrdup(n->items[i]->value);
			h->headers[h->header_count].value = xstrdup(n->items[i + 1]->value);
			h->header_count++;
		}
	}
	n = map_get(spec, "body");
	if (n && n->type == NODE_MAPPING && !mail)
		h->body_json = node_to_json(n);
	else if (n && n->type == NODE_SCALAR)
		h->body_text = xstrdup(n->value);
	else if (n && mail)
		error_at(l, n->mark, "the body of mail hook \"%s\" must be a string (the text of the mail)", h->id);
	else if (n)
		error_at(l, n->mark, "the body of hook \"%s\" must be a mapping (sent as JSON) or a string", h->id);
	h->content_type = get_string(l, spec, "content_type", false, "a hook");
	h->secret_env = get_string(l, spec, "secret_env", false, "a hook");
	h->ca_file = get_string(l, spec, "ca_file", false, "a hook");
	h->signing = get_string(l, spec, "signing", false, "a hook");
	if (h->signing == NULL)
		h->signing = xstrdup("standard-webhooks");
	else if (strcmp(h->signing, "standard-webhooks") && strcmp(h->signing, "github"))
		error_at(l, map_get(spec, "signing")->mark, "unknown signing \"%s\": use standard-webhooks or github",
			 h->signing);
	h->timeout = get_duration(l, spec, "timeout", 10);
	h->connect_timeout = get_duration(l, spec, "connect_timeout", 5);
	h->retries = 3;
	n = map_get(spec, "retries");
	if (n && (!scalar_integer(n, &h->retries) || h->retries < 0 || h->retries > 10)) {
		error_at(l, n->mark, "\"retries\" must be a whole number from 0 to 10");
		h->retries = 3;
	}
}

static void load_hook(struct loader *l, struct pb_hook *h, const struct node *spec)
{
	static const char *const keys[] = { "url", "method", "headers", "body", "content_type", "secret_env",
					    "signing", "ca_file", "timeout", "connect_timeout", "retries",
					    "mail", "tls", NULL };

	check_keys(l, spec, keys, "a hook");
	load_hook_fields(l, h, spec);
}

static void load_hooks(struct loader *l, const struct node *root)
{
	const struct node *n = map_get(root, "hooks");
	struct playbook *pb = l->pb;
	size_t i;

	if (n == NULL || !expect_type(l, n, NODE_MAPPING, "\"hooks\""))
		return;
	pb->hooks = xcalloc(n->count / 2 + 1, sizeof(*pb->hooks));
	for (i = 0; i + 1 < n->count; i += 2) {
		const struct node *key = n->items[i], *spec = n->items[i + 1];
		struct pb_hook *h;

		if (key->type != NODE_SCALAR || !identifier_valid(key->value)) {
			error_at(l, key->mark, "hook names must be ids (lower-case letters, digits, '-', '_')");
			continue;
		}
		if (playbook_hook(pb, key->value)) {
			error_at(l, key->mark, "duplicate hook \"%s\"", key->value);
			continue;
		}
		if (!expect_type(l, spec, NODE_MAPPING, "a hook"))
			continue;
		h = &pb->hooks[pb->hook_count++];
		h->id = xstrdup(key->value);
		load_hook(l, h, spec);
	}
}

/* ---------- templates of hooks ---------- */

static bool template_declared(enum template_ref kind, const char *name, void *data)
{
	const struct playbook *pb = data;
	size_t i;

	if (kind == TEMPLATE_REF_STEP)
		return playbook_step(pb, name) != NULL;
	for (i = 0; i < pb->var_count; i++)
		if (strcmp(pb->vars[i].name, name) == 0)
			return true;
	return false;
}

/*
 * The templates of one scalar, reported at the "{{" at fault (the scalar's
 * own mark when it spans lines).  What a url or a header cannot expand is
 * an error: it would be sent as written.  A body's or subject's problem is
 * a warning: playbooks pinned by earlier releases may hold one, and sending
 * refuses it (65) before anything goes out.
 */
static void check_template(struct loader *l, const struct node *n, enum template_field field,
			   const struct template_names *names)
{
	struct error err;
	struct mark mark;
	size_t offset, i;

	if (n == NULL || n->type != NODE_SCALAR || template_check(n->value, field, names, &offset, &err) == 0)
		return;
	mark = n->mark;
	if (memchr(n->value, '\n', offset) == NULL) {
		mark.column += n->plain ? 0 : 1;
		for (i = 0; i < offset; i++)
			mark.column += ((unsigned char)n->value[i] & 0xC0) != 0x80;
	}
	if (field == TEMPLATE_TEXT)
		warning_at(l, mark, "%s (sending the hook would fail)", err.message);
	else
		error_at(l, mark, "%s", err.message);
}

static void check_body_templates(struct loader *l, const struct node *n, const struct template_names *names)
{
	size_t i;

	if (n->type == NODE_SCALAR)
		check_template(l, n, TEMPLATE_TEXT, names);
	for (i = n->type == NODE_MAPPING ? 1 : 0; i < n->count; i += n->type == NODE_MAPPING ? 2 : 1)
		check_body_templates(l, n->items[i], names);
}

/* Every template of every hook, once the vars and steps they may name are known. */
static void check_hook_templates(struct loader *l, const struct node *root)
{
	const struct node *hooks = map_get(root, "hooks");
	size_t i, j;

	if (hooks == NULL || hooks->type != NODE_MAPPING)
		return;
	for (i = 0; i + 1 < hooks->count; i += 2) {
		const struct node *spec = hooks->items[i + 1], *headers, *body, *mail;
		struct template_names names = { template_declared, l->pb, false };

		if (hooks->items[i]->type != NODE_SCALAR || spec->type != NODE_MAPPING)
			continue;
		names.notify = l->pb->notify && strcmp(l->pb->notify, hooks->items[i]->value) == 0;
		check_template(l, map_get(spec, "url"), TEMPLATE_URL, &names);
		headers = map_get(spec, "headers");
		for (j = 1; headers && headers->type == NODE_MAPPING && j < headers->count; j += 2)
			check_template(l, headers->items[j], TEMPLATE_NONE, &names);
		body = map_get(spec, "body");
		if (body)
			check_body_templates(l, body, &names);
		mail = map_get(spec, "mail");
		if (mail && mail->type == NODE_MAPPING)
			check_template(l, map_get(mail, "subject"), TEMPLATE_TEXT, &names);
	}
}

/* A step's deadlines and what shadowing it grants (due, idle_after, escalate_after, shadow_grants). */
static void load_step_delegation(struct loader *l, struct pb_step *s, const struct node *n)
{
	const struct node *grants = map_get(n, "shadow_grants");

	s->due = get_duration(l, n, "due", 0);
	s->idle_after = get_duration(l, n, "idle_after", 0);
	s->escalate_after = get_duration(l, n, "escalate_after", 0);
	if (grants == NULL)
		return;
	if (grants->type == NODE_SCALAR && grants->plain && strcmp(grants->value, "true") == 0)
		s->shadow_grants = true;
	else if (!(grants->type == NODE_SCALAR && grants->plain && strcmp(grants->value, "false") == 0))
		error_at(l, grants->mark, "\"shadow_grants\" must be true or false");
}

/* "evidence: required | optional" of a step or a checklist item. */
static bool get_evidence(struct loader *l, const struct node *map)
{
	const struct node *evidence = map_get(map, "evidence");

	if (evidence == NULL)
		return false;
	if (evidence->type == NODE_SCALAR && strcmp(evidence->value, "required") == 0)
		return true;
	if (!(evidence->type == NODE_SCALAR && strcmp(evidence->value, "optional") == 0))
		error_at(l, evidence->mark, "\"evidence\" must be required or optional");
	return false;
}

static struct expr *check_condition(struct loader *l, const struct node *when);

/*
 * A step's checklist: a list of {id, text} items with optional evidence,
 * when and review.  Roles and vars are loaded before the phases, so each
 * item is checked here, at its own line and column.  Ids are compared
 * sorted, so a long checklist costs n log n.
 */
static void load_checklist(struct loader *l, struct pb_step *s, const struct node *step)
{
	static const char *const keys[] = { "id", "text", "evidence", "when", "review", "owner", NULL };
	const struct node *n = map_get(step, "checklist");
	struct occurrence *ids;
	size_t i, first, count = 0;

	if (n == NULL || !expect_type(l, n, NODE_SEQUENCE, "\"checklist\""))
		return;
	if (s->kind != STEP_MANUAL && s->kind != STEP_WAIT) {
		error_at(l, n->mark, "\"checklist\" is for manual and wait steps; a %s step is not checked item by item",
			 step_kind_name(s->kind));
		return;
	}
	if (n->count > CHECKLIST_ITEMS_MAX) {
		error_at(l, n->mark, "the checklist has %zu items; a step has at most %d", n->count, CHECKLIST_ITEMS_MAX);
		return;
	}
	s->checklist = xcalloc(n->count + 1, sizeof(*s->checklist));
	ids = xcalloc(n->count + 1, sizeof(*ids));
	for (i = 0; i < n->count; i++) {
		const struct node *it = n->items[i];
		struct pb_item *item;
		char *id;

		if (!expect_type(l, it, NODE_MAPPING, "a checklist item"))
			continue;
		check_keys(l, it, keys, "a checklist item");
		id = get_id(l, it, "id", true, "a checklist item");
		item = &s->checklist[s->checklist_count];
		item->mark = it->mark;
		item->text = get_string(l, it, "text", true, "a checklist item");
		warn_cut_by_comment(l, it, "text");
		item->evidence_required = get_evidence(l, it);
		item->when = get_string(l, it, "when", false, "a checklist item");
		item->review = get_id(l, it, "review", false, "a checklist item");
		check_role(l, item->review, key_mark(it, "review"), "\"review\" of a checklist item");
		item->owner = get_id(l, it, "owner", false, "a checklist item");
		check_role(l, item->owner, key_mark(it, "owner"), "\"owner\" of a checklist item");
		if (item->when)
			item->when_expr = check_condition(l, map_get(it, "when"));
		if (id == NULL || item->text == NULL) {
			free(id);
			free(item->text);
			free(item->when);
			expr_free(item->when_expr);
			free(item->review);
			free(item->owner);
			memset(item, 0, sizeof(*item));
			continue;
		}
		item->id = id;
		s->checklist_count++;
		ids[count].value = id;
		ids[count].index = i;
		count++;
	}
	qsort(ids, count, sizeof(*ids), occurrence_compare);
	for (i = 1, first = 0; i < count; i++) {
		if (strcmp(ids[i].value, ids[first].value) != 0) {
			first = i;
			continue;
		}
		error_at(l, key_mark(n->items[ids[i].index], "id"),
			 "duplicate checklist item id \"%s\" in step \"%s\" (first at line %d)", ids[i].value,
			 s->id ? s->id : "?", key_mark(n->items[ids[first].index], "id").line);
	}
	free(ids);
}

/* Where a step's review role was written: review: ROLE, or the role of review: {role, count}. */
static struct mark review_mark(const struct node *step)
{
	const struct node *n = map_get(step, "review");

	return n && n->type == NODE_MAPPING ? key_mark(n, "role") : key_mark(step, "review");
}

/*
 * A step's review: review: ROLE (one approval), or review: {role: ROLE,
 * count: N} (N approvals by distinct people of the role).
 */
static void load_review(struct loader *l, struct pb_step *s, const struct node *step)
{
	static const char *const keys[] = { "role", "count", NULL };
	const struct node *n = map_get(step, "review"), *count;

	s->review_count = 1;
	if (n == NULL || n->type != NODE_MAPPING) {
		s->review = get_id(l, step, "review", false, "a step");
		return;
	}
	check_keys(l, n, keys, "\"review\"");
	s->review = get_id(l, n, "role", true, "\"review\"");
	count = map_get(n, "count");
	if (count && (!scalar_integer(count, &s->review_count) || s->review_count < 1 ||
		      s->review_count > REVIEW_COUNT_MAX)) {
		error_at(l, count->mark, "\"count\" of \"review\" must be a whole number from 1 to %d",
			 REVIEW_COUNT_MAX);
		s->review_count = 1;
	}
}

/*
 * A command step: run is the argv (no shell), each argument a template of
 * release.* and vars.NAME; ${ENV} is not expanded in it (the command reads
 * its environment itself), so a "${" is refused rather than passed on as
 * written.  cwd stays inside the work tree.
 */
static void load_command(struct loader *l, struct pb_step *s, const struct node *n)
{
	const struct node *run = map_get(n, "run"), *cwd = map_get(n, "cwd");
	size_t i;

	if (run == NULL)
		error_at(l, n->mark, "command step \"%s\" needs \"run\": [PROGRAM, ARG...]", s->id ? s->id : "?");
	else if (run->type != NODE_SEQUENCE || run->count == 0)
		error_at(l, run->mark, "\"run\" must be a list of the program and its arguments, like [\"./release.py\", \"--tag\"]");
	for (i = 0; run && run->type == NODE_SEQUENCE && i < run->count; i++) {
		const struct node *arg = run->items[i];

		if (arg->type != NODE_SCALAR)
			error_at(l, arg->mark, "items of \"run\" must be strings, not %s", type_word(arg));
		else if (i == 0 && arg->value[0] == '\0')
			error_at(l, arg->mark, "the program of \"run\" must not be empty");
		else if (strstr(arg->value, "${"))
			error_at(l, arg->mark, "\"run\" takes no ${ENV}: only urls and headers expand it; the command inherits the environment and can read it itself");
		else
			strlist_add(&s->run, arg->value, arg->mark);
	}
	s->cwd = get_string(l, n, "cwd", false, "a step");
	if (s->cwd && !template_path_inside(s->cwd))
		error_at(l, cwd->mark, "\"cwd\" must be a directory inside the work tree: a relative path without \"..\" or .git");
	s->command_timeout = get_duration(l, n, "timeout", COMMAND_TIMEOUT_DEFAULT);
	if (s->command_timeout <= 0)
		error_at(l, key_mark(n, "timeout"), "\"timeout\" of a command must be longer than 0s");
}

/*
 * A check step: its request is a hook's (url, method, headers, ca_file,
 * timeout; GET and no retries unless said: the next poll is the retry),
 * and expect says what answer passes.
 */
static void load_check(struct loader *l, struct pb_step *s, const struct node *n)
{
	static const char *const expect_keys[] = { "status", "body_contains", NULL };
	const struct node *expect = map_get(n, "expect"), *status;

	s->check = xcalloc(1, sizeof(*s->check));
	s->check->id = xstrdup(s->id ? s->id : "?");
	s->check->check = true;
	load_hook_fields(l, s->check, n);
	if (map_get(n, "method") == NULL) {
		free(s->check->method);
		s->check->method = xstrdup("GET");
	}
	s->check->retries = 0;
	if (expect == NULL) {
		error_at(l, n->mark, "check step \"%s\" needs \"expect\": {status: 200, body_contains: TEXT} (either or both)",
			 s->id ? s->id : "?");
	} else if (expect_type(l, expect, NODE_MAPPING, "\"expect\"")) {
		check_keys(l, expect, expect_keys, "\"expect\"");
		status = map_get(expect, "status");
		if (status && (!scalar_integer(status, &s->expect_status) || s->expect_status < 100 || s->expect_status > 599))
			error_at(l, status->mark, "\"status\" of \"expect\" must be an HTTP status from 100 to 599");
		s->expect_body = get_string(l, expect, "body_contains", false, "\"expect\"");
		if (s->expect_body && s->expect_body[0] == '\0')
			error_at(l, key_mark(expect, "body_contains"), "\"body_contains\" must not be empty");
		if (status == NULL && map_get(expect, "body_contains") == NULL)
			error_at(l, expect->mark, "\"expect\" needs \"status\", \"body_contains\" or both");
	}
	if (map_get(n, "every") == NULL)
		error_at(l, n->mark, "check step \"%s\" needs \"every\" (how often to poll, e.g. 5m)", s->id ? s->id : "?");
	s->every = get_duration(l, n, "every", 300);
	if (s->every <= 0) {
		error_at(l, key_mark(n, "every"), "\"every\" must be longer than 0s");
		s->every = 300;
	}
	s->max_wait = get_duration(l, n, "max_wait", 0);
}

/* The keys of one kind of step, said where each is loaded; any other kind refuses them. */
static void check_kind_keys(struct loader *l, const struct pb_step *s, const struct node *n)
{
	static const struct {
		const char *key;
		enum step_kind kind;
	} only[] = {
		{ "run", STEP_COMMAND },     { "cwd", STEP_COMMAND },	 { "url", STEP_CHECK },
		{ "method", STEP_CHECK },    { "headers", STEP_CHECK },	 { "ca_file", STEP_CHECK },
		{ "expect", STEP_CHECK },    { "every", STEP_CHECK },	 { "max_wait", STEP_CHECK },
	};
	size_t i;

	for (i = 0; i < sizeof(only) / sizeof(only[0]); i++)
		if (s->kind != only[i].kind && map_get(n, only[i].key))
			error_at(l, key_mark(n, only[i].key), "\"%s\" is only for steps of kind %s", only[i].key,
				 step_kind_name(only[i].kind));
	if (s->kind != STEP_COMMAND && s->kind != STEP_CHECK && map_get(n, "timeout"))
		error_at(l, key_mark(n, "timeout"), "\"timeout\" is only for steps of kind command or check");
}

static void load_step(struct loader *l, struct pb_step *s, const struct node *n)
{
	static const char *const keys[] = { "id", "title", "owner", "doc", "instructions", "needs", "when",
					    "due", "idle_after", "escalate_after", "shadow_grants",
					    "kind", "hook", "evidence", "review", "estimate", "min_duration",
					    "inputs", "on_delay", "checklist", "updates",
					    "run", "cwd", "timeout", "url", "method", "headers", "ca_file", "expect", "every",
					    "max_wait", NULL };
	static const char *const kinds[] = { "manual", "hook", "wait", "decision", "command", "check" };
	const size_t kind_count = sizeof(kinds) / sizeof(kinds[0]);
	const struct node *kind = map_get(n, "kind");
	size_t k;

	check_keys(l, n, keys, "a step");
	s->mark = n->mark;
	s->title = get_string(l, n, "title", true, "a step");
	warn_cut_by_comment(l, n, "title");
	s->owner = get_id(l, n, "owner", true, "a step");
	s->doc = get_string(l, n, "doc", false, "a step");
	s->instructions = get_string(l, n, "instructions", false, "a step");
	get_id_list(l, n, "needs", &s->needs, "a step");
	s->when = get_string(l, n, "when", false, "a step");
	if (kind != NULL) {
		for (k = 0; k < kind_count; k++)
			if (kind->type == NODE_SCALAR && strcmp(kind->value, kinds[k]) == 0)
				break;
		if (k == kind_count)
			error_at(l, kind->mark, "unknown step kind \"%s\": use manual, hook, wait, decision, command or check",
				 kind->type == NODE_SCALAR ? kind->value : "");
		else
			s->kind = (enum step_kind)k;
	}
	s->hook = get_id(l, n, "hook", false, "a step");
	s->evidence_required = get_evidence(l, n);
	load_review(l, s, n);
	s->estimate = get_duration(l, n, "estimate", 0);
	s->min_duration = get_duration(l, n, "min_duration", 0);
	load_step_delegation(l, s, n);
	get_id_list(l, n, "inputs", &s->inputs, "a step");
	get_id_list(l, n, "on_delay", &s->on_delay, "a step");
	load_checklist(l, s, n);
	get_id_list(l, n, "updates", &s->updates, "a step");
	if (s->kind == STEP_COMMAND)
		load_command(l, s, n);
	else if (s->kind == STEP_CHECK)
		load_check(l, s, n);
}

static void load_phases(struct loader *l, const struct node *root)
{
	static const char *const keys[] = { "id", "title", "steps", NULL };
	const struct node *n = map_get(root, "phases");
	struct playbook *pb = l->pb;
	size_t i, j, total = 0;

	if (n == NULL) {
		error_at(l, root->mark, "the playbook is missing the required key \"phases\"");
		return;
	}
	if (!expect_type(l, n, NODE_SEQUENCE, "\"phases\""))
		return;
	if (n->count > MAX_LIST) {
		error_at(l, n->mark, "the playbook has %zu phases; at most %d", n->count, MAX_LIST);
		return;
	}
	if (n->count == 0)
		error_at(l, n->mark, "\"phases\" is empty; a playbook needs at least one phase with steps");
	for (i = 0; i < n->count; i++) {
		const struct node *steps = map_get(n->items[i], "steps");

		if (steps && steps->type == NODE_SEQUENCE)
			total += steps->count;
	}
	pb->phases = xcalloc(n->count, sizeof(*pb->phases));
	pb->steps = xcalloc(total, sizeof(*pb->steps));
	l->step_nodes = xcalloc(total, sizeof(*l->step_nodes));
	for (i = 0; i < n->count; i++) {
		const struct node *item = n->items[i], *steps;
		struct pb_phase *ph;
		char *id;

		if (!expect_type(l, item, NODE_MAPPING, "a phase"))
			continue;
		check_keys(l, item, keys, "a phase");
		id = get_id(l, item, "id", true, "a phase");
		if (id == NULL)
			continue;
		for (j = 0; j < pb->phase_count; j++)
			if (strcmp(pb->phases[j].id, id) == 0)
				break;
		if (j < pb->phase_count) {
			error_at(l, map_get(item, "id")->mark, "duplicate phase id \"%s\"", id);
			free(id);
			continue;
		}
		ph = &pb->phases[pb->phase_count++];
		ph->id = id;
		ph->title = get_string(l, item, "title", false, "a phase");
		warn_cut_by_comment(l, item, "title");
		ph->first_step = pb->step_count;
		steps = map_get(item, "steps");
		if (steps == NULL) {
			error_at(l, item->mark, "phase \"%s\" is missing the required key \"steps\"", id);
			continue;
		}
		if (!expect_type(l, steps, NODE_SEQUENCE, "\"steps\""))
			continue;
		if (steps->count == 0)
			error_at(l, steps->mark, "phase \"%s\" has no steps", id);
		for (j = 0; j < steps->count; j++) {
			const struct node *sn = steps->items[j];
			struct pb_step *s;
			char *sid;

			if (!expect_type(l, sn, NODE_MAPPING, "a step"))
				continue;
			sid = get_id(l, sn, "id", true, "a step");
			if (sid == NULL)
				continue;
			if (playbook_step(pb, sid)) {
				/* Its other keys are still checked, on a step that is not kept. */
				struct pb_step lost;

				error_at(l, map_get(sn, "id")->mark, "duplicate step id \"%s\" (first at line %d)", sid,
					 playbook_step(pb, sid)->mark.line);
				memset(&lost, 0, sizeof(lost));
				lost.id = sid;
				lost.phase = pb->phase_count - 1;
				load_step(l, &lost, sn);
				step_release(&lost);
				continue;
			}
			s = &pb->steps[pb->step_count];
			s->id = sid;
			s->phase = pb->phase_count - 1;
			s->index = pb->step_count;
			l->step_nodes[pb->step_count] = sn;
			step_index_add(pb, pb->step_count);
			pb->step_count++;
			ph->step_count++;
			load_step(l, s, sn);
		}
	}
}

/* ---------- whole-playbook checks ---------- */

static void check_role(struct loader *l, const char *role, struct mark mark, const char *what)
{
	const char *hint;

	if (role == NULL || playbook_has_role(l->pb, role))
		return;
	hint = loader_suggest(l, role, (const char *const *)l->pb->roles.items, l->pb->roles.count);
	if (hint)
		error_at(l, mark, "%s names the unknown role \"%s\"; did you mean \"%s\"?", what, role, hint);
	else
		error_at(l, mark, "%s names the unknown role \"%s\"; declare it in \"roles\"", what, role);
}

static void check_step_names(struct loader *l, const struct strlist *list, const char *what, const char *owner)
{
	struct playbook *pb = l->pb;
	size_t i, k;
	const char **ids = NULL;

	for (i = 0; i < list->count; i++) {
		const char *hint;

		if (playbook_step(pb, list->items[i]))
			continue;
		if (ids == NULL) {
			/* Only an unknown name needs the list of them all, for a hint. */
			ids = xcalloc(pb->step_count + 1, sizeof(*ids));
			for (k = 0; k < pb->step_count; k++)
				ids[k] = pb->steps[k].id;
		}
		hint = loader_suggest(l, list->items[i], ids, pb->step_count);
		if (hint)
			error_at(l, list->marks[i], "step \"%s\" %s the unknown step \"%s\"; did you mean \"%s\"?", owner,
				 what, list->items[i], hint);
		else
			error_at(l, list->marks[i], "step \"%s\" %s the unknown step \"%s\"", owner, what, list->items[i]);
	}
	free(ids);
}

/* "updates": steps with a checklist this step's holder may change, other than itself. */
static void check_updates(struct loader *l, const struct pb_step *s)
{
	size_t j;

	check_step_names(l, &s->updates, "updates", s->id);
	for (j = 0; j < s->updates.count; j++) {
		const struct pb_step *target = playbook_step(l->pb, s->updates.items[j]);

		if (target == s)
			error_at(l, s->updates.marks[j], "step \"%s\" updates itself; its holder changes other steps' checklists",
				 s->id);
		else if (target && target->kind != STEP_MANUAL && target->kind != STEP_WAIT)
			error_at(l, s->updates.marks[j], "step \"%s\" updates \"%s\", a %s step, which has no checklist", s->id,
				 target->id, step_kind_name(target->kind));
	}
}

/* Where a mark is in the text: the start of its line, then column - 1 characters on; NULL past the end. */
static const char *text_at(const struct loader *l, struct mark mark)
{
	const char *p = l->text, *end = l->text + l->len;
	int line = 1, column = 1;

	while (p < end && line < mark.line) {
		if (*p == '\n' || (*p == '\r' && (p + 1 >= end || p[1] != '\n')))
			line++;
		p++;
	}
	while (p < end && column < mark.column) {
		p++;
		while (p < end && ((unsigned char)*p & 0xC0) == 0x80)
			p++;
		column++;
	}
	return p < end ? p : NULL;
}

/* How many bytes of UTF-8 the code point of a \x, \u or \U escape becomes. */
static size_t escape_bytes(const char *hex, size_t digits)
{
	unsigned long cp = 0;
	size_t i;

	for (i = 0; i < digits && isxdigit((unsigned char)hex[i]); i++)
		cp = cp * 16 + (unsigned long)(isdigit((unsigned char)hex[i]) ? hex[i] - '0' : (hex[i] | 0x20) - 'a' + 10);
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/*
 * The place of byte offset of a scalar's value in the file: walks the
 * scalar as written beside its value, the way libyaml read it (quotes,
 * '' in single quotes, \ escapes in double quotes, folded line breaks and
 * the indentation after them).  A block scalar (| or >) keeps its own mark.
 */
static struct mark scalar_offset_mark(const struct loader *l, const struct node *n, size_t offset)
{
	struct mark m = n->mark;
	const char *p = text_at(l, n->mark), *end = l->text + l->len;
	char quote = n->style == YAML_SINGLE_QUOTED_SCALAR_STYLE   ? '\''
		     : n->style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? '"'
								   : 0;
	size_t at = 0;

	if (p == NULL || (quote == 0 && n->style != YAML_PLAIN_SCALAR_STYLE))
		return n->mark;
	if (quote) {
		p++;
		m.column++;
	}
	while (at < offset && p < end) {
		size_t raw = 1, value = 1, blank = 0;

		if (*p == quote && !(quote == '\'' && p + 1 < end && p[1] == '\''))
			break;
		if (*p == ' ' || *p == '\t') {
			const char *q = p;

			while (q < end && (*q == ' ' || *q == '\t'))
				q++;
			if (q < end && (*q == '\n' || *q == '\r'))
				value = 0; /* trailing spaces before a line break are not in the value */
			raw = (size_t)(q - p);
			if (value)
				value = raw;
		} else if (*p == '\n' || *p == '\r') {
			/* A line break folds into a space, or into one \n per empty line after it. */
			while (p < end && (*p == '\n' || *p == '\r')) {
				p += *p == '\r' && p + 1 < end && p[1] == '\n' ? 2 : 1;
				m.line++;
				m.column = 1;
				blank++;
				while (p < end && (*p == ' ' || *p == '\t')) {
					p++;
					m.column++;
				}
			}
			at += blank > 1 ? blank - 1 : 1;
			continue;
		} else if (quote == '\'' && *p == '\'') {
			raw = 2;
		} else if (quote == '"' && *p == '\\' && p + 1 < end) {
			char e = p[1];

			raw = e == 'x' ? 4 : e == 'u' ? 6 : e == 'U' ? 10 : 2;
			value = e == 'x' ? escape_bytes(p + 2, 2) : e == 'u' ? escape_bytes(p + 2, 4)
				: e == 'U' ? escape_bytes(p + 2, 8) : e == 'N' || e == '_' ? 2 : e == 'L' || e == 'P' ? 3 : 1;
			if (e == '\n' || e == '\r') {
				/* An escaped line break joins the lines: nothing in the value. */
				p++;
				p += *p == '\r' && p + 1 < end && p[1] == '\n' ? 2 : 1;
				m.line++;
				m.column = 1;
				while (p < end && (*p == ' ' || *p == '\t')) {
					p++;
					m.column++;
				}
				continue;
			}
		} else {
			while (p + raw < end && ((unsigned char)p[raw] & 0xC0) == 0x80)
				raw++;
			value = raw;
		}
		if ((size_t)(end - p) < raw)
			break;
		for (size_t i = 0; i < raw; i++)
			m.column += ((unsigned char)p[i] & 0xC0) != 0x80;
		p += raw;
		at += value;
	}
	return m;
}

/* The playbook's vars, as expr_check asks for them. */
static bool lookup_var(void *data, const char *name, struct expr_var *out)
{
	const struct pb_var *v = playbook_var(data, name);

	if (v == NULL)
		return false;
	out->type = v->type == VAR_BOOL ? EXPR_BOOL : v->type == VAR_NUMBER ? EXPR_NUMBER : EXPR_STRING;
	out->is_enum = v->type == VAR_ENUM;
	out->values = (const char *const *)v->values.items;
	out->value_count = v->values.count;
	return true;
}

/*
 * A "when" of a step or a checklist item (include/expr.h): parsed and
 * checked against the vars, each error at the place of its token.
 */
static struct expr *check_condition(struct loader *l, const struct node *when)
{
	struct expr_error err;
	struct expr *e = expr_parse(when->value, &err);

	if (e && expr_check(e, lookup_var, l->pb, &err) == 0)
		return e;
	expr_free(e);
	if (err.empty)
		error_at(l, when->mark, "\"when\" is empty; name a bool var, and quote a negation: when: \"!VAR\"");
	else
		error_at(l, scalar_offset_mark(l, when, err.offset), "%s", err.message);
	return NULL;
}

/* The templates of a command's arguments and of a check's url, headers and expected text, as a hook's are checked. */
static void check_run_templates(struct loader *l, const struct pb_step *s, const struct node *n)
{
	struct template_names names = { template_declared, l->pb, false };
	const struct node *run = map_get(n, "run"), *headers = map_get(n, "headers");
	size_t i;

	if (s->kind == STEP_COMMAND && run && run->type == NODE_SEQUENCE)
		for (i = 0; i < run->count; i++)
			check_template(l, run->items[i], TEMPLATE_ARGUMENT, &names);
	if (s->kind != STEP_CHECK)
		return;
	check_template(l, map_get(n, "url"), TEMPLATE_URL, &names);
	for (i = 1; headers && headers->type == NODE_MAPPING && i < headers->count; i += 2)
		check_template(l, headers->items[i], TEMPLATE_NONE, &names);
	/* What the answer must contain may name the release ("{{release.version}}"), as an argument does. */
	if (map_get(n, "expect") && map_get(n, "expect")->type == NODE_MAPPING)
		check_template(l, map_get(map_get(n, "expect"), "body_contains"), TEMPLATE_ARGUMENT, &names);
}

static void check_steps(struct loader *l)
{
	struct playbook *pb = l->pb;
	size_t i, j;

	for (i = 0; i < pb->step_count; i++) {
		const struct pb_step *s = &pb->steps[i];
		const struct node *n = l->step_nodes[i];

		check_role(l, s->owner, key_mark(n, "owner"), "the owner of this step");
		check_role(l, s->review, review_mark(n), "\"review\"");
		for (j = 0; j < s->inputs.count; j++)
			check_role(l, s->inputs.items[j], s->inputs.marks[j], "\"inputs\"");
		check_step_names(l, &s->needs, "needs", s->id);
		check_step_names(l, &s->on_delay, "reopens on delay", s->id);
		check_updates(l, s);
		for (j = 0; j < s->needs.count; j++) {
			const struct pb_step *dep = playbook_step(pb, s->needs.items[j]);

			if (dep && dep->phase > s->phase)
				error_at(l, s->needs.marks[j],
					 "step \"%s\" needs \"%s\" from the later phase \"%s\"; a step can only need steps of its own or an earlier phase",
					 s->id, dep->id, pb->phases[dep->phase].id);
			if (dep == s)
				error_at(l, s->needs.marks[j], "step \"%s\" needs itself", s->id);
		}
		if (s->when)
			pb->steps[i].when_expr = check_condition(l, map_get(n, "when"));
		if (s->kind == STEP_HOOK && s->hook == NULL)
			error_at(l, n->mark, "hook step \"%s\" must name its hook (\"hook: NAME\")", s->id);
		if (s->hook && s->kind != STEP_HOOK)
			error_at(l, key_mark(n, "hook"), "\"hook\" is only for steps of kind hook; add \"kind: hook\"");
		if (s->hook && !playbook_hook(pb, s->hook))
			error_at(l, key_mark(n, "hook"), "step \"%s\" names the undeclared hook \"%s\"; declare it under \"hooks\"",
				 s->id, s->hook);
		if (s->kind == STEP_WAIT && s->min_duration == 0 && map_get(n, "min_duration") == NULL)
			error_at(l, n->mark, "wait step \"%s\" needs \"min_duration\" (how long to wait, e.g. 48h)", s->id);
		if (s->kind != STEP_WAIT && map_get(n, "min_duration"))
			error_at(l, key_mark(n, "min_duration"), "\"min_duration\" is only for steps of kind wait");
		check_kind_keys(l, s, n);
		check_run_templates(l, s, n);
		if (s->kind != STEP_DECISION) {
			if (map_get(n, "inputs"))
				error_at(l, key_mark(n, "inputs"), "\"inputs\" is only for steps of kind decision");
			if (map_get(n, "on_delay"))
				error_at(l, key_mark(n, "on_delay"), "\"on_delay\" is only for steps of kind decision");
		}
		if (s->doc == NULL && s->instructions == NULL && s->title != NULL)
			warning_at(l, n->mark, "step \"%s\" has no instructions; add \"doc\" or \"instructions\" so a newcomer can do it",
				   s->id);
	}
}

/* Depth-first search for a cycle; colour 0 new, 1 on the stack, 2 done. */
static bool find_cycle(struct loader *l, size_t i, int *colour, size_t *stack, size_t depth)
{
	const struct pb_step *s = &l->pb->steps[i];
	size_t j;

	colour[i] = 1;
	stack[depth] = i;
	for (j = 0; j < s->needs.count; j++) {
		const struct pb_step *dep = playbook_step(l->pb, s->needs.items[j]);
		size_t k, start;

		if (dep == NULL || dep == s)
			continue;
		if (colour[dep->index] == 1) {
			struct buf path;

			buf_init(&path);
			for (start = 0; stack[start] != dep->index; start++)
				;
			for (k = start; k <= depth; k++)
				buf_addf(&path, "%s -> ", l->pb->steps[stack[k]].id);
			buf_adds(&path, dep->id);
			error_at(l, s->needs.marks[j], "dependency cycle: %s", path.data);
			buf_release(&path);
			colour[i] = 2;
			return true;
		}
		if (colour[dep->index] == 0 && find_cycle(l, dep->index, colour, stack, depth + 1)) {
			colour[i] = 2;
			return true;
		}
	}
	colour[i] = 2;
	return false;
}

static void check_cycles(struct loader *l)
{
	size_t n = l->pb->step_count, i;
	int *colour = xcalloc(n + 1, sizeof(*colour));
	size_t *stack = xcalloc(n + 1, sizeof(*stack));

	for (i = 0; i < n; i++)
		if (colour[i] == 0)
			find_cycle(l, i, colour, stack, 0);
	free(colour);
	free(stack);
}

static void check_roles_held(struct loader *l, const struct node *root)
{
	const struct playbook *pb = l->pb;
	size_t i, j;

	for (i = 0; i < pb->roles.count; i++) {
		for (j = 0; j < pb->person_count; j++)
			if (person_has_role(&pb->people[j], pb->roles.items[i]))
				break;
		if (j == pb->person_count)
			warning_at(l, pb->roles.marks[i], "nobody holds the role \"%s\"; add it to someone under \"people\"",
				   pb->roles.items[i]);
	}
	if (pb->roles.count > 0 && map_get(root, "managers") == NULL && !playbook_has_role(pb, pb->managers.items[0]))
		warning_at(l, key_mark(root, "roles"),
			   "no \"%s\" role: nobody can assign, skip or reopen steps for others; "
			   "name the roles that run releases with \"managers: [ROLE]\"",
			   pb->managers.items[0]);
}

/*
 * The one person of role who may also do step s (has its owner role), or
 * NULL: when that person does it, nobody can review their work.
 */
static const struct pb_person *lone_reviewer(const struct playbook *pb, const struct pb_step *s, const char *role)
{
	const struct pb_person *only = NULL;
	size_t i;

	for (i = 0; i < pb->person_count; i++) {
		if (!person_has_role(&pb->people[i], role))
			continue;
		if (only)
			return NULL;
		only = &pb->people[i];
	}
	return only && person_has_role(only, s->owner) ? only : NULL;
}

/*
 * Whether a step's review count is out of reach: fewer people of its review
 * role than the count once one of them does the step (one who may do it).
 */
static bool quorum_short(const struct playbook *pb, const struct pb_step *s)
{
	long reviewers = 0;
	bool doer_among = false;
	size_t i;

	for (i = 0; i < pb->person_count; i++) {
		if (!person_has_role(&pb->people[i], s->review))
			continue;
		reviewers++;
		doer_among = doer_among || person_has_role(&pb->people[i], s->owner);
	}
	return reviewers - (doer_among ? 1 : 0) < s->review_count;
}

/* Reviews that can get stuck: the role's only person reviewing what they may have done. */
static void check_reviews(struct loader *l)
{
	const struct playbook *pb = l->pb;
	const struct pb_person *p;
	size_t i, k;

	for (i = 0; i < pb->step_count; i++) {
		const struct pb_step *s = &pb->steps[i];
		const struct node *n = l->step_nodes[i];

		if (n && s->review && s->review_count > 1 && quorum_short(pb, s))
			warning_at(l, review_mark(n),
				   "step \"%s\" needs %ld approvals by distinct people of the role %s, none of them the doer, and fewer can give them; give the role \"%s\" to more people, or lower \"count\"",
				   s->id, s->review_count, s->review, s->review);
		else if (n && s->review && (p = lone_reviewer(pb, s, s->review)) != NULL)
			warning_at(l, review_mark(n),
				   "step \"%s\" is reviewed by a %s, and %s, the only one, may do it too: then nobody can review it; give the role \"%s\" to a second person, or have another role review it",
				   s->id, s->review, p->id, s->review);
		for (k = 0; k < s->checklist_count; k++) {
			const struct pb_item *it = &s->checklist[k];

			if (it->review && (p = lone_reviewer(pb, s, it->review)) != NULL)
				warning_at(l, it->mark,
					   "item \"%s\" of step \"%s\" is reviewed by a %s, and %s, the only one, may do the step too: then nobody can review it; give the role \"%s\" to a second person, or have another role review it",
					   it->id, s->id, it->review, p->id, it->review);
		}
	}
}

/* Deadlines that can never be met or never count, and grants on a step nobody claims. */
static void check_step_delegation(struct loader *l)
{
	const struct playbook *pb = l->pb;
	char a[32], b[32];
	size_t i;

	for (i = 0; i < pb->step_count; i++) {
		const struct pb_step *s = &pb->steps[i];
		const struct node *n = l->step_nodes[i];

		if (n == NULL)
			continue;
		if (map_get(n, "escalate_after") && s->due == 0)
			error_at(l, key_mark(n, "escalate_after"),
				 "\"escalate_after\" counts from when step \"%s\" is overdue, and it has no \"due\"", s->id);
		if (s->kind == STEP_WAIT && s->due && s->due < s->min_duration)
			error_at(l, key_mark(n, "due"),
				 "step \"%s\" is due %s after it is ready but waits at least %s: it can never be on time",
				 s->id, duration_format(s->due, a, sizeof(a)), duration_format(s->min_duration, b, sizeof(b)));
		if (s->kind == STEP_DECISION && map_get(n, "shadow_grants"))
			error_at(l, key_mark(n, "shadow_grants"),
				 "\"shadow_grants\" is for steps people claim; the decision is the %s's", s->owner);
		if (s->kind == STEP_DECISION && map_get(n, "idle_after"))
			error_at(l, key_mark(n, "idle_after"), "\"idle_after\" is for steps people claim; a decision is never claimed");
	}
}

static void load(struct loader *l, const struct node *root)
{
	static const char *const keys[] = { "relctl", "name", "description", "roles", "people", "vars",
					    "idle_after", "escalate_after",
					    "hooks", "notify", "phases", "signing", "findings", "candidate", "managers", NULL };
	const struct node *version;
	struct playbook *pb = l->pb;
	long v;

	if (root->type != NODE_MAPPING) {
		error_at(l, root->mark, "a playbook must be a mapping that starts with \"relctl: %d\", not %s",
			 PLAYBOOK_SCHEMA_VERSION, type_word(root));
		return;
	}
	version = map_get(root, "relctl");
	if (version == NULL)
		error_at(l, root->mark, "the playbook is missing \"relctl: %d\" (its schema version)",
			 PLAYBOOK_SCHEMA_VERSION);
	else if (version->type != NODE_SCALAR || !version->plain)
		error_at(l, version->mark, "the schema version must be a number (\"relctl: %d\"), not %s",
			 PLAYBOOK_SCHEMA_VERSION, version->type == NODE_SCALAR ? "a quoted string" : type_word(version));
	else if (!scalar_integer(version, &v) || v != PLAYBOOK_SCHEMA_VERSION)
		error_at(l, version->mark, "unsupported playbook schema version \"%s\": this relctl reads version %d",
			 version->value, PLAYBOOK_SCHEMA_VERSION);
	else
		pb->schema = (int)v;
	check_keys(l, root, keys, "the playbook");
	pb->name = get_string(l, root, "name", true, "the playbook");
	pb->description = get_string(l, root, "description", false, "the playbook");
	load_roles(l, root);
	load_people(l, root);
	load_managers(l, root);
	load_signing(l, root);
	load_vars(l, root);
	load_findings(l, root);
	load_candidate(l, root);
	load_hooks(l, root);
	pb->notify = get_id(l, root, "notify", false, "the playbook");
	if (pb->notify && !playbook_hook(pb, pb->notify))
		error_at(l, key_mark(root, "notify"), "\"notify\" names the undeclared hook \"%s\"", pb->notify);
	pb->idle_after = get_duration(l, root, "idle_after", 24 * 3600);
	pb->escalate_after = get_duration(l, root, "escalate_after", 0);
	load_phases(l, root);
	check_steps(l);
	check_hook_templates(l, root);
	check_step_delegation(l);
	check_cycles(l);
	check_roles_held(l, root);
	check_reviews(l);
}

struct playbook *playbook_parse(const char *text, size_t len, struct diagnostics *diags)
{
	struct loader l = { .diags = diags, .suggest_budget = SUGGEST_BUDGET, .text = text, .len = len };
	struct node *root;
	const char *nul = len > 0 ? memchr(text, '\0', len) : NULL;

	l.pb = xcalloc(1, sizeof(*l.pb));
	if (nul != NULL) {
		error_at(&l, mark_at_offset(text, len, (size_t)(nul - text)),
			 "the playbook contains NUL bytes; it must be UTF-8 text");
	} else {
		root = parse_yaml(&l, text, len);
		if (root != NULL)
			load(&l, root);
		node_free(root);
	}
	free(l.step_nodes);
	diagnostics_sort(diags);
	if (diags->errors > 0) {
		playbook_free(l.pb);
		return NULL;
	}
	return l.pb;
}

struct playbook *playbook_load_text(const char *label, const char *text, size_t len, struct error *err)
{
	struct diagnostics d;
	struct playbook *pb;

	diagnostics_init(&d, label);
	pb = playbook_parse(text, len, &d);
	if (pb == NULL) {
		size_t i;

		for (i = 0; i < d.count && d.items[i].warning; i++)
			;
		if (i < d.count) {
			char *first = diagnostic_format(&d, &d.items[i]);

			if (d.errors > 1)
				error_set(err, EXIT_DATAERR, "%s (and %zu more; run 'relctl lint %s')", first,
					  d.errors - 1, label);
			else
				error_set(err, EXIT_DATAERR, "%s", first);
			free(first);
		} else {
			error_set(err, EXIT_DATAERR, "%s: not a valid playbook", label);
		}
	}
	diagnostics_release(&d);
	return pb;
}

struct playbook *playbook_load(const char *path, struct error *err)
{
	struct playbook *pb = NULL;
	struct buf text;

	buf_init(&text);
	if (file_read(path, PLAYBOOK_MAX_BYTES, &text, err) == 0)
		pb = playbook_load_text(path, text.data, text.len, err);
	buf_release(&text);
	return pb;
}

/* ---------- the model ---------- */

struct playbook *playbook_ref(struct playbook *pb)
{
	pb->shared++;
	return pb;
}

void playbook_free(struct playbook *pb)
{
	size_t i, j;

	if (pb == NULL)
		return;
	if (pb->shared) {
		pb->shared--;
		return;
	}
	free(pb->name);
	free(pb->description);
	strlist_release(&pb->roles);
	strlist_release(&pb->managers);
	strlist_release(&pb->findings.severities);
	strlist_release(&pb->findings.estimate_by);
	strlist_release(&pb->findings.impact_by);
	free(pb->candidate.label);
	free(pb->candidate.name);
	for (i = 0; i < pb->person_count; i++) {
		free(pb->people[i].id);
		free(pb->people[i].name);
		free(pb->people[i].email);
		strlist_release(&pb->people[i].roles);
		for (j = 0; j < pb->people[i].key_count; j++)
			pb_key_release(&pb->people[i].keys[j]);
		free(pb->people[i].keys);
	}
	free(pb->people);
	for (i = 0; i < pb->var_count; i++) {
		free(pb->vars[i].name);
		free(pb->vars[i].default_value);
		free(pb->vars[i].description);
		strlist_release(&pb->vars[i].values);
	}
	free(pb->vars);
	for (i = 0; i < pb->hook_count; i++)
		hook_release(&pb->hooks[i]);
	free(pb->hooks);
	free(pb->notify);
	for (i = 0; i < pb->phase_count; i++) {
		free(pb->phases[i].id);
		free(pb->phases[i].title);
	}
	free(pb->phases);
	for (i = 0; i < pb->step_count; i++)
		step_release(&pb->steps[i]);
	free(pb->steps);
	free(pb->step_slots);
	free(pb);
}

/* Frees what a hook (or a check step's request) owns, not the hook itself. */
static void hook_release(struct pb_hook *h)
{
	size_t j;

	free(h->id);
	free(h->url);
	free(h->method);
	for (j = 0; j < h->header_count; j++) {
		free(h->headers[j].name);
		free(h->headers[j].value);
	}
	free(h->headers);
	cJSON_Delete(h->body_json);
	free(h->body_text);
	free(h->content_type);
	free(h->secret_env);
	free(h->signing);
	free(h->ca_file);
	if (h->mail) {
		free(h->mail->from);
		strlist_release(&h->mail->to);
		strlist_release(&h->mail->cc);
		free(h->mail->reply_to);
		free(h->mail->subject);
		free(h->mail);
	}
}

/* Adds step i to the index, growing it to keep it at most half full. */
static void step_index_add(struct playbook *pb, size_t i)
{
	size_t k, mask;

	if (2 * (i + 1) > pb->step_slot_count) {
		size_t n = pb->step_slot_count ? 2 * pb->step_slot_count : 64;

		free(pb->step_slots);
		pb->step_slots = xcalloc(n, sizeof(*pb->step_slots));
		pb->step_slot_count = n;
		for (k = 0; k < i; k++)
			step_index_add(pb, k);
	}
	mask = pb->step_slot_count - 1;
	for (k = str_hash(STR_HASH_SEED, pb->steps[i].id) & mask; pb->step_slots[k]; k = (k + 1) & mask)
		;
	pb->step_slots[k] = i + 1;
}

const struct pb_step *playbook_step(const struct playbook *pb, const char *id)
{
	size_t k, mask = pb->step_slot_count - 1;

	if (pb->step_slots == NULL)
		return NULL;
	for (k = str_hash(STR_HASH_SEED, id) & mask; pb->step_slots[k]; k = (k + 1) & mask)
		if (strcmp(pb->steps[pb->step_slots[k] - 1].id, id) == 0)
			return &pb->steps[pb->step_slots[k] - 1];
	return NULL;
}

const struct pb_person *playbook_person(const struct playbook *pb, const char *id)
{
	size_t i;

	for (i = 0; i < pb->person_count; i++)
		if (strcmp(pb->people[i].id, id) == 0)
			return &pb->people[i];
	return NULL;
}

const struct pb_person *playbook_person_by_email(const struct playbook *pb, const char *email)
{
	size_t i;

	for (i = 0; i < pb->person_count; i++)
		if (strcasecmp(pb->people[i].email, email) == 0)
			return &pb->people[i];
	return NULL;
}

const struct pb_person *playbook_key_owner(const struct playbook *pb, const char *base64)
{
	size_t i, j;

	for (i = 0; i < pb->person_count; i++)
		for (j = 0; j < pb->people[i].key_count; j++)
			if (strcmp(pb->people[i].keys[j].base64, base64) == 0)
				return &pb->people[i];
	return NULL;
}

const struct pb_var *playbook_var(const struct playbook *pb, const char *name)
{
	size_t i;

	for (i = 0; i < pb->var_count; i++)
		if (strcmp(pb->vars[i].name, name) == 0)
			return &pb->vars[i];
	return NULL;
}

const struct pb_hook *playbook_hook(const struct playbook *pb, const char *id)
{
	size_t i;

	for (i = 0; i < pb->hook_count; i++)
		if (strcmp(pb->hooks[i].id, id) == 0)
			return &pb->hooks[i];
	return NULL;
}

bool strlist_contains(const struct strlist *list, const char *s)
{
	size_t i;

	for (i = 0; i < list->count; i++)
		if (strcmp(list->items[i], s) == 0)
			return true;
	return false;
}

bool playbook_has_role(const struct playbook *pb, const char *role)
{
	return strlist_contains(&pb->roles, role);
}

bool person_has_role(const struct pb_person *person, const char *role)
{
	return person != NULL && strlist_contains(&person->roles, role);
}

char *role_in_words(const char *role)
{
	char *words = xstrdup(role), *c;

	for (c = words; *c; c++)
		if (*c == '-' || *c == '_')
			*c = ' ';
	return words;
}

bool playbook_is_manager_role(const struct playbook *pb, const char *role)
{
	return strlist_contains(&pb->managers, role);
}

size_t playbook_manager_people(const struct playbook *pb, const char *except, struct buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < pb->person_count; i++)
		if (pb->people[i].manager && (except == NULL || strcmp(pb->people[i].id, except) != 0))
			buf_addf(out, "%s%s", n++ ? ", " : "", pb->people[i].id);
	return n;
}

size_t playbook_role_people(const struct playbook *pb, const char *role, const char *except, struct buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < pb->person_count; i++)
		if (person_has_role(&pb->people[i], role) && (except == NULL || strcmp(pb->people[i].id, except) != 0))
			buf_addf(out, "%s%s", n++ ? ", " : "", pb->people[i].id);
	return n;
}

long step_idle_after(const struct playbook *pb, const struct pb_step *s)
{
	return s->idle_after ? s->idle_after : pb->idle_after;
}

long step_escalate_after(const struct playbook *pb, const struct pb_step *s)
{
	if (s->due == 0)
		return 0;
	if (s->escalate_after)
		return s->escalate_after;
	return pb->escalate_after ? pb->escalate_after : s->due;
}

const char *step_kind_name(enum step_kind kind)
{
	static const char *const names[] = { "manual", "hook", "wait", "decision", "command", "check" };

	return names[kind];
}

bool step_is_run(const struct pb_step *s)
{
	return s->kind == STEP_HOOK || s->kind == STEP_COMMAND || s->kind == STEP_CHECK;
}

const char *candidate_short(const struct playbook *pb, int n, char *out, size_t size)
{
	const char *label = pb->candidate.label ? pb->candidate.label : default_candidate_label;

	snprintf(out, size, strlen(label) <= 2 ? "%s%d" : "%s %d", label, n);
	return out;
}

const char *candidate_long(const struct playbook *pb, int n, char *out, size_t size)
{
	snprintf(out, size, "%s %d", pb->candidate.name ? pb->candidate.name : default_candidate_name, n);
	return out;
}

size_t finding_severity_rank(const struct playbook *pb, const char *severity)
{
	size_t i;

	for (i = 0; severity && i < pb->findings.severities.count; i++)
		if (strcmp(pb->findings.severities.items[i], severity) == 0)
			return i;
	return pb->findings.severities.count;
}

int finding_severity_check(const struct playbook *pb, const char *severity, struct error *err)
{
	char *listed;
	int rc;

	if (severity && finding_severity_rank(pb, severity) < pb->findings.severities.count)
		return 0;
	listed = strlist_join(&pb->findings.severities, ", ", " or ");
	rc = error_set(err, EXIT_USAGE, "a finding's --severity is %s", listed);
	free(listed);
	return rc;
}

bool person_decides(const struct playbook *pb, const struct pb_person *person)
{
	size_t i;

	for (i = 0; i < pb->step_count; i++)
		if (pb->steps[i].kind == STEP_DECISION && person_has_role(person, pb->steps[i].owner))
			return true;
	return false;
}

bool person_has_any_role(const struct pb_person *person, const struct strlist *roles)
{
	size_t i;

	for (i = 0; i < roles->count; i++)
		if (person_has_role(person, roles->items[i]))
			return true;
	return false;
}

const char *finding_default_severity(const struct playbook *pb)
{
	return pb->findings.severities.count ? pb->findings.severities.items[pb->findings.severities.count / 2] : "";
}

char *strlist_join(const struct strlist *list, const char *separator, const char *last_separator)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < list->count; i++)
		buf_addf(&b, "%s%s", i == 0 ? "" : i + 1 == list->count ? last_separator : separator, list->items[i]);
	return buf_detach(&b);
}

cJSON *var_default_json(const struct pb_var *var)
{
	if (var->type == VAR_BOOL)
		return cJSON_CreateBool(strcmp(var->default_value, "true") == 0);
	if (var->type == VAR_NUMBER)
		return cJSON_CreateNumber(atof(var->default_value));
	return cJSON_CreateString(var->default_value);
}

bool var_accepts(const struct pb_var *var, const cJSON *value)
{
	switch (var->type) {
	case VAR_BOOL:
		return cJSON_IsBool(value);
	case VAR_NUMBER:
		return cJSON_IsNumber(value);
	case VAR_STRING:
		return cJSON_IsString(value);
	case VAR_ENUM:
		return cJSON_IsString(value) && strlist_contains(&var->values, value->valuestring);
	}
	return false;
}

const char *var_type_name(enum var_type type)
{
	static const char *const names[] = { "bool", "string", "number", "enum" };

	return names[type];
}

/* ---------- JSON form ---------- */

static cJSON *strlist_to_json(const struct strlist *list)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < list->count; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(list->items[i]));
	return arr;
}

static void add_optional_string(cJSON *obj, const char *key, const char *value)
{
	if (value)
		cJSON_AddStringToObject(obj, key, value);
	else
		cJSON_AddNullToObject(obj, key);
}

static void add_duration(cJSON *obj, const char *key, long seconds)
{
	char text[32];

	if (seconds <= 0) {
		cJSON_AddNullToObject(obj, key);
		return;
	}
	cJSON_AddStringToObject(obj, key, duration_format(seconds, text, sizeof(text)));
	/* Seconds too, so that jq can add estimates up. */
	{
		char *k = xasprintf("%s_seconds", key);

		cJSON_AddNumberToObject(obj, k, (double)seconds);
		free(k);
	}
}

static cJSON *step_to_json(const struct playbook *pb, const struct pb_step *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", s->id);
	cJSON_AddStringToObject(o, "title", s->title ? s->title : "");
	cJSON_AddStringToObject(o, "phase", pb->phases[s->phase].id);
	cJSON_AddStringToObject(o, "kind", step_kind_name(s->kind));
	cJSON_AddStringToObject(o, "owner", s->owner ? s->owner : "");
	add_optional_string(o, "doc", s->doc);
	add_optional_string(o, "instructions", s->instructions);
	cJSON_AddItemToObject(o, "needs", strlist_to_json(&s->needs));
	add_optional_string(o, "when", s->when);
	add_optional_string(o, "hook", s->hook);
	cJSON_AddStringToObject(o, "evidence", s->evidence_required ? "required" : "optional");
	add_optional_string(o, "review", s->review);
	if (s->review_count > 1)
		cJSON_AddNumberToObject(o, "review_count", (double)s->review_count);
	add_duration(o, "estimate", s->estimate);
	add_duration(o, "due", s->due);
	add_duration(o, "idle_after", step_idle_after(pb, s));
	add_duration(o, "escalate_after", step_escalate_after(pb, s));
	cJSON_AddBoolToObject(o, "shadow_grants", s->shadow_grants);
	if (s->kind == STEP_WAIT)
		add_duration(o, "min_duration", s->min_duration);
	if (s->kind == STEP_COMMAND) {
		cJSON_AddItemToObject(o, "run", strlist_to_json(&s->run));
		add_optional_string(o, "cwd", s->cwd);
		add_duration(o, "timeout", s->command_timeout);
	}
	if (s->kind == STEP_CHECK) {
		cJSON *expect;

		cJSON_AddStringToObject(o, "url", s->check->url ? s->check->url : "");
		cJSON_AddStringToObject(o, "method", s->check->method);
		expect = cJSON_AddObjectToObject(o, "expect");
		if (s->expect_status)
			cJSON_AddNumberToObject(expect, "status", (double)s->expect_status);
		add_optional_string(expect, "body_contains", s->expect_body);
		add_duration(o, "every", s->every);
		add_duration(o, "max_wait", s->max_wait);
	}
	if (s->kind == STEP_DECISION) {
		cJSON_AddItemToObject(o, "inputs", strlist_to_json(&s->inputs));
		cJSON_AddItemToObject(o, "on_delay", strlist_to_json(&s->on_delay));
	}
	{
		cJSON *items = cJSON_AddArrayToObject(o, "checklist");
		size_t i;

		for (i = 0; i < s->checklist_count; i++) {
			const struct pb_item *it = &s->checklist[i];
			cJSON *io = cJSON_CreateObject();

			cJSON_AddStringToObject(io, "id", it->id);
			cJSON_AddStringToObject(io, "text", it->text);
			cJSON_AddStringToObject(io, "evidence", it->evidence_required ? "required" : "optional");
			add_optional_string(io, "when", it->when);
			add_optional_string(io, "review", it->review);
			add_optional_string(io, "owner", it->owner);
			cJSON_AddItemToArray(items, io);
		}
		cJSON_AddItemToObject(o, "updates", strlist_to_json(&s->updates));
	}
	return o;
}

cJSON *playbook_to_json(const struct playbook *pb)
{
	cJSON *root = cJSON_CreateObject(), *arr, *obj, *keys;
	size_t i, j;

	cJSON_AddNumberToObject(root, "relctl", pb->schema);
	cJSON_AddStringToObject(root, "name", pb->name);
	add_optional_string(root, "description", pb->description);
	cJSON_AddItemToObject(root, "roles", strlist_to_json(&pb->roles));
	cJSON_AddItemToObject(root, "managers", strlist_to_json(&pb->managers));
	arr = cJSON_AddArrayToObject(root, "people");
	for (i = 0; i < pb->person_count; i++) {
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "id", pb->people[i].id);
		cJSON_AddStringToObject(obj, "name", pb->people[i].name);
		cJSON_AddStringToObject(obj, "email", pb->people[i].email);
		cJSON_AddItemToObject(obj, "roles", strlist_to_json(&pb->people[i].roles));
		keys = cJSON_AddArrayToObject(obj, "keys");
		for (j = 0; j < pb->people[i].key_count; j++) {
			const struct pb_key *k = &pb->people[i].keys[j];
			char *line = xasprintf("%s%s %s%s%s", k->cert_authority ? "cert-authority " : "", k->type,
					       k->base64, k->comment ? " " : "", k->comment ? k->comment : "");

			cJSON_AddItemToArray(keys, cJSON_CreateString(line));
			free(line);
		}
		cJSON_AddItemToArray(arr, obj);
	}
	cJSON_AddStringToObject(root, "signing", pb->signing_required ? "required" : "optional");
	obj = cJSON_AddObjectToObject(root, "findings");
	cJSON_AddItemToObject(obj, "severities", strlist_to_json(&pb->findings.severities));
	cJSON_AddItemToObject(obj, "estimate_by", strlist_to_json(&pb->findings.estimate_by));
	cJSON_AddItemToObject(obj, "impact_by", strlist_to_json(&pb->findings.impact_by));
	obj = cJSON_AddObjectToObject(root, "candidate");
	cJSON_AddStringToObject(obj, "label", pb->candidate.label);
	cJSON_AddStringToObject(obj, "name", pb->candidate.name);
	obj = cJSON_AddObjectToObject(root, "vars");
	for (i = 0; i < pb->var_count; i++) {
		cJSON *v = cJSON_CreateObject();

		cJSON_AddStringToObject(v, "type", var_type_name(pb->vars[i].type));
		if (pb->vars[i].type == VAR_ENUM)
			cJSON_AddItemToObject(v, "values", strlist_to_json(&pb->vars[i].values));
		cJSON_AddStringToObject(v, "default", pb->vars[i].default_value);
		add_optional_string(v, "description", pb->vars[i].description);
		cJSON_AddItemToObject(obj, pb->vars[i].name, v);
	}
	obj = cJSON_AddObjectToObject(root, "hooks");
	for (i = 0; i < pb->hook_count; i++) {
		const struct pb_hook *h = &pb->hooks[i];
		cJSON *ho = cJSON_CreateObject(), *headers;

		/* The url and headers as written: ${ENV} is never expanded here. */
		cJSON_AddStringToObject(ho, "url", h->url ? h->url : "");
		cJSON_AddStringToObject(ho, "method", h->method);
		headers = cJSON_AddObjectToObject(ho, "headers");
		for (j = 0; j < h->header_count; j++)
			cJSON_AddStringToObject(headers, h->headers[j].name, h->headers[j].value);
		if (h->body_json)
			cJSON_AddItemToObject(ho, "body", cJSON_Duplicate(h->body_json, 1));
		else
			add_optional_string(ho, "body", h->body_text);
		add_optional_string(ho, "content_type", h->content_type);
		add_optional_string(ho, "secret_env", h->secret_env);
		cJSON_AddStringToObject(ho, "signing", h->signing);
		add_optional_string(ho, "ca_file", h->ca_file);
		cJSON_AddNumberToObject(ho, "timeout_seconds", (double)h->timeout);
		cJSON_AddNumberToObject(ho, "connect_timeout_seconds", (double)h->connect_timeout);
		cJSON_AddNumberToObject(ho, "retries", (double)h->retries);
		if (h->mail) {
			cJSON *mail = cJSON_AddObjectToObject(ho, "mail"), *list;

			cJSON_AddStringToObject(mail, "from", h->mail->from ? h->mail->from : "");
			list = cJSON_AddArrayToObject(mail, "to");
			for (j = 0; j < h->mail->to.count; j++)
				cJSON_AddItemToArray(list, cJSON_CreateString(h->mail->to.items[j]));
			list = cJSON_AddArrayToObject(mail, "cc");
			for (j = 0; j < h->mail->cc.count; j++)
				cJSON_AddItemToArray(list, cJSON_CreateString(h->mail->cc.items[j]));
			add_optional_string(mail, "reply_to", h->mail->reply_to);
			cJSON_AddStringToObject(mail, "subject", h->mail->subject ? h->mail->subject : "");
			cJSON_AddStringToObject(ho, "tls", h->tls_none ? "none" : "required");
		}
		cJSON_AddItemToObject(obj, h->id, ho);
	}
	add_optional_string(root, "notify", pb->notify);
	add_duration(root, "idle_after", pb->idle_after);
	add_duration(root, "escalate_after", pb->escalate_after);
	arr = cJSON_AddArrayToObject(root, "phases");
	for (i = 0; i < pb->phase_count; i++) {
		const struct pb_phase *ph = &pb->phases[i];
		cJSON *steps;

		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "id", ph->id);
		add_optional_string(obj, "title", ph->title);
		steps = cJSON_AddArrayToObject(obj, "steps");
		for (j = 0; j < ph->step_count; j++)
			cJSON_AddItemToArray(steps, cJSON_CreateString(pb->steps[ph->first_step + j].id));
		cJSON_AddItemToArray(arr, obj);
	}
	arr = cJSON_AddArrayToObject(root, "steps");
	for (i = 0; i < pb->step_count; i++)
		cJSON_AddItemToArray(arr, step_to_json(pb, &pb->steps[i]));
	return root;
}

/*
 * The grammar of templates, without a release: the fields a playbook text
 * is written in, whether a path stays inside the work tree, and the check
 * lint runs on every template of a playbook (template-grammar.c).  Below
 * the playbook; template.h expands them over a release.
 */
#ifndef RELCTL_TEMPLATE_GRAMMAR_H
#define RELCTL_TEMPLATE_GRAMMAR_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Where a text is written: which names it may use, and how a value goes in. */
enum template_field {
	TEMPLATE_TEXT,     /* a body, a subject: every name; values as they are */
	TEMPLATE_URL,      /* release.* and vars.NAME; values percent-encoded (no value changes the url's shape) */
	TEMPLATE_ARGUMENT, /* a command's argument: release.* and vars.NAME; values as they are */
	TEMPLATE_NONE,     /* a header: no templates at all (${ENV} only) */
};

/*
 * Whether path, as written in a playbook, stays inside the work tree: relative,
 * no ".." component, no component named .git (in any case).  {{file:PATH}}
 * and a command step's cwd are held to it; what symlinks do is checked when
 * the path is used.
 */
bool template_path_inside(const char *path);

/* What a playbook declares, for checking templates without a release. */
enum template_ref { TEMPLATE_REF_VAR, TEMPLATE_REF_STEP };
struct template_names {
	bool (*declared)(enum template_ref kind, const char *name, void *data);
	void *data;
	bool notify; /* the notify hook: {{ready.*}} exist */
};

/*
 * Checks text's templates as lint does: every {{ closed, each name known,
 * declared and taken by field, a {{file:PATH}} without templates a path
 * template_read_file could read.  Returns 0, or -1 with err (65) and
 * *offset the byte offset in text of the "{{" at fault.
 */
int template_check(const char *text, enum template_field field, const struct template_names *names, size_t *offset,
		   struct error *err);

#endif

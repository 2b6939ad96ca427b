/*
 * What template.c's expansion shares with template-grammar.c's check: the
 * classes of names and the grammar's pieces.
 */
#ifndef RELCTL_TEMPLATE_PRIVATE_H
#define RELCTL_TEMPLATE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "template-grammar.h"

/* How deep {{file:...}} references may nest. */
#define MAX_DEPTH 4

/* What a name inside {{ }} is. */
enum name_class { NAME_RELEASE, NAME_VAR, NAME_STEP, NAME_READY, NAME_FILE, NAME_UNKNOWN };

/*
 * The end of the template opened at open (just past its "}}"), allowing
 * {{file:x/{{release.version}}.md}}; NULL when it is never closed.
 */
const char *template_end(const char *open);

/* name without the spaces around it; caller frees. */
char *template_trimmed(const char *name, size_t len);

/*
 * The class of a trimmed name; for a step, *step gets its id (caller frees)
 * and *part "note" or "evidence".
 */
enum name_class template_classify(const char *t, char **step, const char **part);

/* Whether field takes names of class c; when not, the error says why. */
bool template_field_takes(enum template_field field, enum name_class c, const char *t, struct error *err);

/* An unknown name's error (65), saying the known ones. */
int template_unknown_name(const char *t, struct error *err);

/* PATH as lint can judge it without the work tree: relative, no "..", nothing under .git. */
int template_file_path_check(const char *path, struct error *err);

#endif

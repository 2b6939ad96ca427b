/*
 * Templates: the {{...}} names a playbook text may use (release.version,
 * vars.NAME, steps.ID.note, file:PATH, ...), expanded over a release, and
 * the ${ENV} references of urls and headers, expanded from the environment
 * with a copy of the text that may be shown (each value masked where it was
 * put).  Hooks, command steps and check steps share them; lint checks the
 * same grammar without a release.
 */
#ifndef RELCTL_TEMPLATE_H
#define RELCTL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "ledger.h"
#include "template-grammar.h"

/* At most this many bytes of a {{file:PATH}}. */
#define TEMPLATE_FILE_MAX (1024 * 1024)

/* What templates can name. */
struct template_scope {
	const struct release_state *st;
	const char *workdir;       /* {{file:PATH}} reads PATH below it */
	const char *ready_steps;   /* {{ready.steps}}, in notify hooks only */
	const char *ready_message; /* {{ready.message}}: who can take them */
};

/*
 * Expands {{...}} in text written in field: release.version,
 * release.candidate, release.name, vars.NAME, steps.ID.note,
 * steps.ID.evidence, file:PATH (PATH may hold templates).  An unknown name,
 * or one the field does not take, is an error (65).  Caller frees.
 */
char *template_expand_field(const char *text, enum template_field field, const struct template_scope *scope,
			    struct error *err);
/* template_expand_field for TEMPLATE_TEXT. */
char *template_expand(const char *text, const struct template_scope *scope, struct error *err);

/*
 * {{file:PATH}}: the contents of PATH, a regular file of the work tree
 * reached without any symlink (each directory opened with O_NOFOLLOW below
 * the last), at most TEMPLATE_FILE_MAX bytes.  An absolute path, "..", or
 * any component named .git (in any case) is refused (65); a missing file
 * is 66.
 */
int template_read_file(const char *workdir, const char *path, struct buf *out, struct error *err);

/* Secret values read from the environment, to mask wherever a text is shown. */
struct template_secrets {
	char **values;
	size_t count;
};

/* Adds value (a copy; empty values are not secrets) to secrets. */
void template_secret_add(struct template_secrets *secrets, const char *value);

/* Frees every value (wiped first). */
void template_secrets_release(struct template_secrets *secrets);

/* Adds the value of each ${NAME} of text that the environment sets (a command's output may print one). */
void template_env_secrets(const char *text, struct template_secrets *secrets);

/* text with every secret of at least 4 bytes replaced by ***; caller frees. */
char *template_mask(const struct template_secrets *secrets, const char *text);

/*
 * Replaces each ${NAME} of text with the environment's value (an unset or
 * empty one is an error, 78, naming NAME and who needs it).  *shown gets
 * the same text with each value replaced by ***, except that in a url a
 * value that is a whole url keeps its scheme and host; every value hidden
 * is added to secrets.  Caller frees both.
 */
char *template_expand_env(const char *text, enum template_field field, const char *who, char **shown,
			  struct template_secrets *secrets, struct error *err);

#endif

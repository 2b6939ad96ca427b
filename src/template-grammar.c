/*
 * The grammar of templates (template-grammar.h): where a {{...}} ends,
 * which names exist and which field takes which, a {{file:PATH}} as lint can
 * judge it, and the check lint runs without a release.  Below the playbook,
 * which checks its texts with it; the expansion over a release is
 * template.c's.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "template-private.h"


/* ---------- the grammar ---------- */


#define KNOWN_NAMES \
	"release.version, release.major, release.minor, release.patch, release.prerelease, release.candidate, release.name, vars.NAME, steps.ID.note, steps.ID.evidence, file:PATH"

/*
 * The end of the template opened at open (just past its "}}"), allowing
 * {{file:x/{{release.version}}.md}}; NULL when it is never closed.
 */
const char *template_end(const char *open)
{
	const char *q;
	int nesting = 1;

	for (q = open + 2; *q && nesting > 0; q++) {
		if (q[0] == '{' && q[1] == '{') {
			nesting++;
			q++;
		} else if (q[0] == '}' && q[1] == '}') {
			nesting--;
			q++;
		}
	}
	return nesting > 0 ? NULL : q;
}

/* name without the spaces around it; caller frees. */
char *template_trimmed(const char *name, size_t len)
{
	while (len > 0 && isspace((unsigned char)*name)) {
		name++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)name[len - 1]))
		len--;
	return xstrndup(name, len);
}

/*
 * The class of a trimmed name; for a step, *step gets its id (caller frees)
 * and *part "note" or "evidence".
 */
enum name_class template_classify(const char *t, char **step, const char **part)
{
	const char *dot;

	static const char *const release_names[] = { "release.version",  "release.major",     "release.minor",
						      "release.patch",    "release.prerelease", "release.candidate",
						      "release.name",     NULL };
	size_t i;

	for (i = 0; release_names[i]; i++)
		if (strcmp(t, release_names[i]) == 0)
			return NAME_RELEASE;
	if (strncmp(t, "vars.", 5) == 0 && t[5] != '\0')
		return NAME_VAR;
	if (strncmp(t, "steps.", 6) == 0 && (dot = strrchr(t + 6, '.')) != NULL && dot > t + 6 &&
	    (strcmp(dot + 1, "note") == 0 || strcmp(dot + 1, "evidence") == 0)) {
		if (step)
			*step = xstrndup(t + 6, (size_t)(dot - t - 6));
		if (part)
			*part = dot + 1;
		return NAME_STEP;
	}
	if (strcmp(t, "ready.steps") == 0 || strcmp(t, "ready.message") == 0)
		return NAME_READY;
	if (strncmp(t, "file:", 5) == 0)
		return NAME_FILE;
	return NAME_UNKNOWN;
}

/* Whether field takes names of class c; when not, the error says why. */
bool template_field_takes(enum template_field field, enum name_class c, const char *t, struct error *err)
{
	switch (field) {
	case TEMPLATE_TEXT:
		return true;
	case TEMPLATE_URL:
	case TEMPLATE_ARGUMENT:
		if (c == NAME_RELEASE || c == NAME_VAR)
			return true;
		error_set(err, EXIT_DATAERR,
			  "{{%s}} cannot be used in %s: it takes only {{release.*}} (version, major, minor, patch, "
			  "prerelease, candidate, name) and {{vars.NAME}} (a teammate's note or a file does not choose %s)",
			  t, field == TEMPLATE_URL ? "a url" : "a command's arguments",
			  field == TEMPLATE_URL ? "where a request goes" : "what runs");
		return false;
	case TEMPLATE_NONE:
		error_set(err, EXIT_DATAERR, "{{%s}} cannot be used in a header: headers take ${ENV} values, not templates",
			  t);
		return false;
	}
	return false;
}

int template_unknown_name(const char *t, struct error *err)
{
	if (strncmp(t, "steps.", 6) == 0)
		return error_set(err, EXIT_DATAERR,
				 "unknown template {{%s}}: steps are named {{steps.ID.note}} or {{steps.ID.evidence}}", t);
	return error_set(err, EXIT_DATAERR, "unknown template {{%s}}; known: " KNOWN_NAMES, t);
}

/* ---------- {{file:PATH}} ---------- */

/* Whether a component of a path names .git, in any case (case-insensitive file systems). */
static bool is_git_dir(const char *component, size_t len)
{
	return len == 4 && strncasecmp(component, ".git", 4) == 0;
}

/* PATH as lint can judge it without the work tree: relative, no "..", nothing under .git. */
int template_file_path_check(const char *path, struct error *err)
{
	const char *p = path;

	if (path[0] == '/' || path[0] == '\0')
		return error_set(err, EXIT_DATAERR, "{{file:%s}} must name a file inside the repository", path);
	while (*p) {
		size_t len = strcspn(p, "/");

		if (len == 2 && strncmp(p, "..", 2) == 0)
			return error_set(err, EXIT_DATAERR, "{{file:%s}} must name a file inside the repository", path);
		if (is_git_dir(p, len))
			return error_set(err, EXIT_DATAERR,
					 "{{file:%s}} is under .git/, which holds the clone's configuration; relctl never reads it",
					 path);
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

bool template_path_inside(const char *path)
{
	struct error ignored;

	return template_file_path_check(path, &ignored) == 0;
}

/* ---------- checking without a release ---------- */

static int check(const char *text, enum template_field field, const struct template_names *names, int depth,
		 size_t *offset, struct error *err)
{
	const char *p = text;

	if (depth > MAX_DEPTH)
		return error_set(err, EXIT_DATAERR, "templates nest deeper than %d levels", MAX_DEPTH);
	while ((p = strstr(p, "{{")) != NULL) {
		const char *end = template_end(p);
		const char *part = NULL;
		char *inner, *t, *step = NULL;
		enum name_class c;
		int rc = 0;

		*offset = (size_t)(p - text);
		if (end == NULL)
			return error_set(err, EXIT_DATAERR, "unclosed template \"%.40s\": close it with }}", p);
		inner = xstrndup(p + 2, (size_t)(end - p - 4));
		t = template_trimmed(inner, strlen(inner));
		free(inner);
		c = template_classify(t, &step, &part);
		if (field == TEMPLATE_NONE)
			rc = template_field_takes(field, c, t, err) ? 0 : -1;
		else if (c == NAME_UNKNOWN)
			rc = template_unknown_name(t, err);
		else if (c == NAME_VAR && !names->declared(TEMPLATE_REF_VAR, t + 5, names->data))
			rc = error_set(err, EXIT_DATAERR, "{{%s}} names the undeclared var \"%s\"; declare it in \"vars\"", t,
				       t + 5);
		else if (c == NAME_STEP && !names->declared(TEMPLATE_REF_STEP, step, names->data))
			rc = error_set(err, EXIT_DATAERR, "{{%s}} names the unknown step \"%s\"", t, step);
		else if (c == NAME_READY && !names->notify)
			rc = error_set(err, EXIT_DATAERR, "{{%s}} exists only in the playbook's notify hook", t);
		else if (!template_field_takes(field, c, t, err))
			rc = -1;
		else if (c == NAME_FILE && strstr(t + 5, "{{")) {
			size_t inner_offset;

			/* The path's own templates; the path itself is known only when sent. */
			rc = check(t + 5, TEMPLATE_TEXT, names, depth + 1, &inner_offset, err);
		} else if (c == NAME_FILE) {
			rc = template_file_path_check(t + 5, err);
		}
		free(step);
		free(t);
		if (rc != 0)
			return -1;
		p = end;
	}
	return 0;
}

int template_check(const char *text, enum template_field field, const struct template_names *names, size_t *offset,
		   struct error *err)
{
	*offset = 0;
	return check(text, field, names, 0, offset, err);
}

/*
 * Templates: the grammar of {{...}} (nesting, names, which field takes
 * which name), its expansion over a release, its check without one (for
 * lint), {{file:PATH}} reads confined to the regular files of the work tree,
 * and ${ENV} expansion with a shown copy of the text that masks each value
 * where it was put, so that nothing else of the text is ever rewritten.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "expr.h"
#include "playbook.h"
#include "template.h"

#include "template-private.h"


static int read_fd(int fd, const char *path, struct buf *out, struct error *err)
{
	char chunk[8192];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (out->len + (size_t)n > TEMPLATE_FILE_MAX)
			return error_set(err, EXIT_DATAERR, "{{file:%s}} is too large (more than %d bytes)", path,
					 TEMPLATE_FILE_MAX);
		buf_add(out, chunk, (size_t)n);
	}
	if (n < 0)
		return error_set(err, EXIT_NOINPUT, "{{file:%s}}: cannot read it: %s", path, strerror(errno));
	return 0;
}

static int open_refused(const char *path, int saved_errno, struct error *err)
{
	if (saved_errno == ENOENT)
		return error_set(err, EXIT_NOINPUT, "{{file:%s}}: there is no such file in the work tree; write it first",
				 path);
	if (saved_errno == ELOOP || saved_errno == ENOTDIR)
		return error_set(err, EXIT_DATAERR,
				 "{{file:%s}} is a symlink or passes through one; relctl reads only regular files of the work tree, nothing is sent",
				 path);
	return error_set(err, EXIT_NOINPUT, "{{file:%s}}: cannot open it: %s", path, strerror(saved_errno));
}

int template_read_file(const char *workdir, const char *path, struct buf *out, struct error *err)
{
	char *copy, *component, *next;
	int dir, fd = -1, rc = -1;
	struct stat st;

	if (template_file_path_check(path, err) != 0)
		return -1;
	dir = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return error_set(err, EXIT_NOINPUT, "{{file:%s}}: cannot open the work tree: %s", path, strerror(errno));
	/* One component at a time, below a directory already opened: no symlink is ever followed. */
	copy = xstrdup(path);
	for (component = copy; component; component = next) {
		next = strchr(component, '/');
		if (next)
			*next++ = '\0';
		if (component[0] == '\0' || strcmp(component, ".") == 0)
			continue;
		if (next == NULL || next[strspn(next, "/")] == '\0') {
			fd = openat(dir, component, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			next = NULL;
		} else {
			fd = openat(dir, component, O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		}
		if (fd < 0) {
			open_refused(path, errno, err);
			goto out;
		}
		if (next) {
			close(dir);
			dir = fd;
			fd = -1;
		}
	}
	if (fd < 0) {
		error_set(err, EXIT_DATAERR, "{{file:%s}} must name a file inside the repository", path);
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		error_set(err, EXIT_DATAERR, "{{file:%s}} is not a regular file; relctl reads only regular files of the work tree",
			  path);
		goto out;
	}
	rc = read_fd(fd, path, out, err);
out:
	if (fd >= 0)
		close(fd);
	close(dir);
	free(copy);
	return rc;
}

/* ---------- expansion ---------- */

/* RFC 3986's unreserved characters stay; everything else is %XX. */
static void add_percent_encoded(struct buf *out, const char *value)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~')
			buf_addc(out, (char)*p);
		else
			buf_addf(out, "%%%02X", *p);
	}
}

static void add_var(struct buf *out, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		buf_adds(out, v->valuestring);
	} else if (cJSON_IsBool(v)) {
		buf_adds(out, cJSON_IsTrue(v) ? "true" : "false");
	} else {
		/* cJSON prints every digit (%g would turn 1234567 into 1.23457e+06). */
		char *number = cJSON_PrintUnformatted(v);

		buf_adds(out, number);
		free(number);
	}
}

/* The value of the trimmed name t, appended to out. */
static int lookup(const char *t, enum template_field field, const struct template_scope *scope, struct buf *out,
		  struct error *err)
{
	const struct release_state *st = scope->st;
	const struct pb_step *s = NULL;
	const char *part = NULL;
	char *step = NULL;
	enum name_class c = template_classify(t, &step, &part);
	int rc = 0;

	if (c == NAME_STEP)
		s = playbook_step(st->pb, step);
	free(step);
	if (c == NAME_UNKNOWN || (c == NAME_VAR && !cJSON_GetObjectItemCaseSensitive(st->vars, t + 5)) ||
	    (c == NAME_STEP && s == NULL))
		return template_unknown_name(t, err);
	if (!template_field_takes(field, c, t, err))
		return -1;
	switch (c) {
	case NAME_RELEASE:
		if (strcmp(t, "release.version") == 0) {
			buf_adds(out, st->version);
		} else if (strcmp(t, "release.prerelease") == 0 || strcmp(t, "release.major") == 0 ||
			   strcmp(t, "release.minor") == 0 || strcmp(t, "release.patch") == 0) {
			/* The version's parts, as when-expressions read them (expr.h, version_split). */
			struct version_parts parts;

			version_split(st->version, &parts);
			if (strcmp(t, "release.prerelease") == 0)
				buf_adds(out, parts.prerelease);
			else
				buf_addf(out, "%lld", strcmp(t, "release.major") == 0   ? parts.major
						      : strcmp(t, "release.minor") == 0 ? parts.minor
											: parts.patch);
		} else if (strcmp(t, "release.candidate") == 0)
			buf_addf(out, "%d", st->candidate);
		else
			buf_adds(out, st->pb->name);
		break;
	case NAME_VAR:
		add_var(out, cJSON_GetObjectItemCaseSensitive(st->vars, t + 5));
		break;
	case NAME_STEP:
		if (strcmp(part, "note") == 0) {
			buf_adds(out, st->steps[s->index].note ? st->steps[s->index].note : "");
		} else {
			const cJSON *item;
			int n = 0;

			cJSON_ArrayForEach(item, st->steps[s->index].evidence)
				buf_addf(out, "%s%s", n++ ? "\n" : "", item->valuestring);
		}
		break;
	case NAME_READY: {
		const char *value = t[6] == 's' ? scope->ready_steps : scope->ready_message;

		if (value == NULL)
			rc = error_set(err, EXIT_DATAERR, "{{%s}} exists only in the playbook's notify hook", t);
		else
			buf_adds(out, value);
		break;
	}
	case NAME_FILE:
		rc = template_read_file(scope->workdir, t + 5, out, err);
		break;
	case NAME_UNKNOWN:
		break;
	}
	return rc;
}

/* Expands text into out; depth bounds nested {{file:...}} references. */
static int expand(const char *text, enum template_field field, const struct template_scope *scope, struct buf *out,
		  int depth, struct error *err)
{
	const char *p = text;

	if (depth > MAX_DEPTH)
		return error_set(err, EXIT_DATAERR, "templates nest deeper than %d levels", MAX_DEPTH);
	while (*p) {
		const char *open = strstr(p, "{{"), *end;
		char *inner, *name;
		struct buf inner_text, value;
		int rc;

		if (open == NULL) {
			buf_adds(out, p);
			break;
		}
		buf_add(out, p, (size_t)(open - p));
		end = template_end(open);
		if (end == NULL)
			return error_set(err, EXIT_DATAERR, "unclosed template \"%.40s\"", open);
		inner = xstrndup(open + 2, (size_t)(end - open - 4));
		buf_init(&inner_text);
		buf_init(&value);
		/* A name may be made of templates ({{file:x/{{release.version}}.md}}): those are plain text. */
		rc = expand(inner, TEMPLATE_TEXT, scope, &inner_text, depth + 1, err);
		free(inner);
		name = rc == 0 ? template_trimmed(inner_text.data, inner_text.len) : NULL;
		if (rc == 0)
			rc = lookup(name, field, scope, &value, err);
		if (rc == 0 && field == TEMPLATE_URL)
			add_percent_encoded(out, value.data);
		else if (rc == 0)
			buf_add(out, value.data, value.len);
		free(name);
		buf_release(&inner_text);
		buf_release(&value);
		if (rc != 0)
			return -1;
		p = end;
	}
	return 0;
}

char *template_expand_field(const char *text, enum template_field field, const struct template_scope *scope,
			    struct error *err)
{
	struct buf out;

	buf_init(&out);
	if (field == TEMPLATE_NONE && strstr(text, "{{")) {
		const char *open = strstr(text, "{{"), *end = template_end(open);
		char *name = end ? template_trimmed(open + 2, (size_t)(end - open - 4)) : xstrdup("...");

		template_field_takes(field, NAME_UNKNOWN, name, err);
		free(name);
		return NULL;
	}
	if (expand(text, field, scope, &out, 0, err) != 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out);
}

char *template_expand(const char *text, const struct template_scope *scope, struct error *err)
{
	return template_expand_field(text, TEMPLATE_TEXT, scope, err);
}

/* ---------- ${ENV} ---------- */

void template_secret_add(struct template_secrets *secrets, const char *value)
{
	if (value[0] == '\0')
		return;
	secrets->values = xrealloc(secrets->values, (secrets->count + 1) * sizeof(*secrets->values));
	secrets->values[secrets->count++] = xstrdup(value);
}

void template_secrets_release(struct template_secrets *secrets)
{
	size_t i;

	for (i = 0; i < secrets->count; i++) {
		memset(secrets->values[i], 0, strlen(secrets->values[i]));
		free(secrets->values[i]);
	}
	free(secrets->values);
	memset(secrets, 0, sizeof(*secrets));
}

void template_env_secrets(const char *text, struct template_secrets *secrets)
{
	const char *p = text, *close;

	while (p && (p = strstr(p, "${")) != NULL && (close = strchr(p, '}')) != NULL) {
		char *name = xstrndup(p + 2, (size_t)(close - p - 2));
		const char *value = getenv(name);

		if (value)
			template_secret_add(secrets, value);
		free(name);
		p = close + 1;
	}
}

char *template_mask(const struct template_secrets *secrets, const char *text)
{
	char *out = xstrdup(text);
	size_t i;

	for (i = 0; i < secrets->count; i++) {
		const char *secret = secrets->values[i];
		size_t len = strlen(secret);
		struct buf b;
		const char *p = out, *hit;

		if (len < 4)
			continue; /* too short to mask without mangling ordinary text */
		buf_init(&b);
		while ((hit = strstr(p, secret)) != NULL) {
			buf_add(&b, p, (size_t)(hit - p));
			buf_adds(&b, "***");
			p = hit + len;
		}
		buf_adds(&b, p);
		free(out);
		out = buf_detach(&b);
	}
	return out;
}

/*
 * A url's ${ENV} value is a secret too (chat webhook urls and push topics
 * carry their key in the path): a whole url keeps its scheme and host
 * visible and hides the rest; any other value is hidden whole.
 */
static void add_shown_value(struct buf *shown, const char *value, enum template_field field,
			    struct template_secrets *secrets)
{
	const char *scheme = field == TEMPLATE_URL ? strstr(value, "://") : NULL;
	const char *rest;

	if (scheme == NULL) {
		template_secret_add(secrets, value);
		buf_adds(shown, "***");
		return;
	}
	rest = scheme + 3 + strcspn(scheme + 3, "/?#");
	buf_add(shown, value, (size_t)(rest - value));
	if (strlen(rest) > 1) {
		template_secret_add(secrets, rest);
		buf_adds(shown, "***");
	} else {
		buf_adds(shown, rest);
	}
}

char *template_expand_env(const char *text, enum template_field field, const char *who, char **shown,
			  struct template_secrets *secrets, struct error *err)
{
	struct buf out, seen;
	const char *p = text;

	buf_init(&out);
	buf_init(&seen);
	*shown = NULL;
	while (*p) {
		const char *start = strstr(p, "${"), *close;
		const char *value;
		char *name;

		if (start == NULL) {
			buf_adds(&out, p);
			buf_adds(&seen, p);
			break;
		}
		close = strchr(start, '}');
		if (close == NULL) {
			error_set(err, EXIT_CONFIG, "unclosed ${ in %s", who);
			goto fail;
		}
		buf_add(&out, p, (size_t)(start - p));
		buf_add(&seen, p, (size_t)(start - p));
		name = xstrndup(start + 2, (size_t)(close - start - 2));
		value = getenv(name);
		if (value == NULL || value[0] == '\0') {
			error_set(err, EXIT_CONFIG, "%s needs the environment variable %s; set it first", who, name);
			free(name);
			goto fail;
		}
		free(name);
		buf_adds(&out, value);
		add_shown_value(&seen, value, field, secrets);
		p = close + 1;
	}
	*shown = buf_detach(&seen);
	return buf_detach(&out);
fail:
	buf_release(&out);
	buf_release(&seen);
	return NULL;
}

/* Whole-file reads for playbooks, docs and templates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "file.h"

int file_read(const char *path, size_t max, struct buf *out, struct error *err)
{
	FILE *f;
	struct stat st;
	char chunk[8192];
	size_t n;
	int rc = 0;

	f = fopen(path, "rb");
	if (f == NULL)
		return error_set(err, EXIT_NOINPUT, "cannot read %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return error_set(err, EXIT_NOINPUT, "%s is a directory, not a file", path);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (out->len + n > max) {
			rc = error_set(err, EXIT_DATAERR, "%s is too large (more than %zu bytes)", path, max);
			break;
		}
		buf_add(out, chunk, n);
	}
	if (rc == 0 && ferror(f))
		rc = error_set(err, EXIT_NOINPUT, "cannot read %s: %s", path, strerror(errno));
	fclose(f);
	return rc;
}

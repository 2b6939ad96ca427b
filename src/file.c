/* Whole-file reads for playbooks, docs and templates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int file_replace(const char *path, const char *data, size_t len, struct error *err)
{
	char tmp[4096];
	FILE *f;
	int ok;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= sizeof(tmp))
		return error_set(err, EXIT_IOERR, "cannot write %s: the path is too long", path);
	f = fopen(tmp, "wb");
	if (f == NULL)
		return error_set(err, EXIT_IOERR, "cannot write %s: %s", tmp, strerror(errno));
	ok = fwrite(data, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		error_set(err, EXIT_IOERR, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

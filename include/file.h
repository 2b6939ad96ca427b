/* Reading whole files, with a size limit and errors in relctl's terms. */
#ifndef RELCTL_FILE_H
#define RELCTL_FILE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Reads path into out (appending).  A missing or unreadable file is
 * EXIT_NOINPUT, a file over max bytes EXIT_DATAERR.
 */
int file_read(const char *path, size_t max, struct buf *out, struct error *err);

/*
 * Writes path whole or not at all: into a temporary file beside it, then
 * renamed over it, so a reader sees the old content or the new.
 */
int file_replace(const char *path, const char *data, size_t len, struct error *err);

#endif

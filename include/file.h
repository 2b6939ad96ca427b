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

#endif

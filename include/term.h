/*
 * Terminal-safe output: the one place human output is written.  Whatever a
 * teammate wrote in the ledger (a note, a reason, a title, a hand-pushed
 * field) and whatever an argument held reaches someone else's terminal, so
 * every byte that could control it is escaped visibly: C0 controls but
 * newline and tab as \x1b, DEL as \x7f, C1 controls and the bidirectional
 * overrides as \u009b or \u202e, bytes that are not UTF-8 as \xff.
 *
 * relctl's own colours are the only escape sequences that get through: the
 * C_* codes of relctl.h are sentinels (0xFF, which is never UTF-8, and a
 * letter) that the stream turns into SGR sequences when colour is on.  JSON
 * passes unchanged: cJSON already escapes control characters, and the
 * \uXXXX forms written here are valid JSON escapes of the same value.
 */
#ifndef RELCTL_TERM_H
#define RELCTL_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

/* A stream that writes to real through the escaping above; fclose flushes it. */
FILE *term_wrap(FILE *real, bool color);

/* The process's own stderr, before main() put the escaping in front of it (progress lines). */
extern FILE *term_real_stderr;

/* Appends len bytes of s to out, escaped as above (no colours). */
void term_escape(struct buf *out, const char *s, size_t len);

#endif

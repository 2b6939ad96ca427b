/*
 * Terminal-safe output: the one place human output is written.  Whatever a
 * teammate wrote in the ledger (a note, a reason, a title, a hand-pushed
 * field) and whatever an argument held reaches someone else's terminal, so
 * every byte that could control it is escaped visibly: C0 controls but
 * newline and tab as \x1b, DEL, C1 controls, the line separators and every
 * invisible format character (Unicode's Cf: bidirectional marks and
 * overrides, zero-width characters, tag characters) as \u007f, \u009b,
 * \u202e or \u200b (a surrogate pair beyond U+FFFF: \udb40\udc41), bytes
 * that are not UTF-8 (a stray 0x9b, a sequence cut short) as \xff.  A
 * message that must stay on one line (an error) has its newlines escaped
 * where it is made (err.h).
 *
 * relctl's own colours are the only escape sequences that get through: the
 * C_* codes of relctl.h become, through term_color(), marks (0xFF, which is
 * never UTF-8, a random nonce of this process, and a letter) that the
 * stream turns into SGR sequences when colour is on; a 0xFF from a file or
 * an argument cannot know the nonce and is escaped like any other byte.
 * JSON passes unchanged: cJSON escapes C0 controls itself, and the \uXXXX
 * forms written here are valid JSON escapes of the same value (which is
 * why DEL is \u007f, not \x7f).  Text that is not UTF-8 cannot be exact
 * JSON: a command that puts such text in JSON term_escape()s it first.
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

/* The mark of a C_* code for a stream with colour on ("" for an unknown code). */
const char *term_color(const char *code);

/* Appends len bytes of s to out, escaped as above (no colours). */
void term_escape(struct buf *out, const char *s, size_t len);

#endif

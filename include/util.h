/*
 * Small parsers and formatters used across relctl: durations ("30m", "48h",
 * "2d", "1w", "1h30m"), identifiers, RFC 3339 times, the clock (which
 * RELCTL_NOW can fix), mail addresses and "did you mean" suggestions.
 */
#ifndef RELCTL_UTIL_H
#define RELCTL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * Parses a duration made of one or more NUMBER UNIT parts, units s, m, h,
 * d, w ("90m", "1h30m", "2d").  Returns 0 and the seconds, or -1 when the
 * text is not a duration (empty, no unit, unknown unit, overflow).
 */
int duration_parse(const char *text, long *seconds);

/* Writes a duration compactly ("1h30m", "2d", "0m"); returns out. */
char *duration_format(long seconds, char *out, size_t size);

/*
 * An identifier (step, phase, role, person, var, hook id): starts with a
 * lower-case letter or digit, then lower-case letters, digits, '-', '_' or
 * '.', at most 64 characters.
 */
bool identifier_valid(const char *text);

/* A release version: 1..64 of [A-Za-z0-9._+-], starting alphanumeric. */
bool version_valid(const char *text);

/* Parses "2024-03-19T10:00:00Z" or with an offset ("+02:00"). */
int time_parse(const char *text, time_t *out);

/* Formats a UTC RFC 3339 time ("2024-03-19T14:00:00Z") into out[21+]. */
char *time_format(time_t t, char *out, size_t size);

/*
 * The current time: RELCTL_NOW when set (RFC 3339), else the clock.
 * Returns -1 when RELCTL_NOW is set but is not a time.
 */
int clock_now(time_t *out);

/* "3h ago" / "in 2d" style age of t relative to now. */
char *age_format(time_t t, time_t now, char *out, size_t size);

/* Levenshtein distance, capped at 100. */
size_t edit_distance(const char *a, const char *b);

/*
 * Returns the candidate closest to word when it is close enough to be a
 * plausible typo, else NULL.  Borrowed from candidates.
 */
const char *suggest(const char *word, const char *const *candidates, size_t count);

/* Whether len bytes of s are well-formed UTF-8 (no overlongs, surrogates or NULs). */
bool utf8_valid(const char *s, size_t len);

/*
 * Whether url may become a link in a report or brief: http:// or https://
 * and only the printable ASCII a URL is made of (RFC 3986), without the
 * parentheses that would end a markdown link.  Anything else (javascript:,
 * data:, a control byte, a space) is shown as text.
 */
bool url_is_web(const char *url);

/*
 * FNV-1a of s continuing from h (start with STR_HASH_SEED): the hash of
 * relctl's open-addressing indexes (steps by id, the judge's ids and paths).
 */
#define STR_HASH_SEED ((size_t)1469598103934665603u)
size_t str_hash(size_t h, const char *s);

/* An event id: 1..64 of [A-Za-z0-9_-]. */
bool event_id_valid(const char *text);

/*
 * One mail address as a playbook writes it: "releases@example.com" or
 * "Display Name <releases@example.com>".  Returns false when the text is not
 * exactly one address (no '@', a space, comma or control character in the
 * address, an unclosed '<', a control character anywhere).  On success
 * *addr and *name ("" without a display name) are the caller's.
 */
bool mail_address_split(const char *text, char **name, char **addr);

/* Fills out with 2*bytes random hex digits and a NUL (from /dev/urandom). */
int random_hex(char *out, size_t bytes);

#endif

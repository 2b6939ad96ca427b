/*
 * Small cJSON helpers the ledger, the brief, the reports and the commands
 * share: reading an optional string, writing a string or null, a time as
 * RFC 3339 or null.
 */
#ifndef RELCTL_JSON_H
#define RELCTL_JSON_H

#include <stdbool.h>
#include <time.h>

#include "cJSON.h"

/* obj[key] when it is a string, else NULL (borrowed). */
const char *json_string(const cJSON *obj, const char *key);

/* obj[key] = value, or null when value is NULL. */
void json_add_string_or_null(cJSON *obj, const char *key, const char *value);

/* obj[key] = "2024-03-19T10:00:00Z", or null when t is 0. */
void json_add_time_or_null(cJSON *obj, const char *key, time_t t);

/*
 * Whether a and b are the same JSON, object keys in the same order: what
 * relctl writes is deterministic, so a document that says the same with
 * its keys moved was not written by relctl.  Linear, where cJSON_Compare
 * looks every key of an object up by name.
 */
bool json_same(const cJSON *a, const cJSON *b);

/*
 * Parses a ledger document, which came from someone else's machine, as
 * strictly as relctl writes one: nothing but white space after it, no key
 * twice in one object (cJSON keeps both and answers with the first, jq and
 * Python with the last), no \u0000 in a string (cJSON ends the string
 * there, so two different texts would compare equal).  every_key: in every
 * object, else only in the top one (the judge, which compares the rest
 * with what relctl would write, where a second key cannot pass, and checks
 * new events with json_key_twice).  NULL, with why ("is not valid JSON",
 * "has the key ... twice ...") to follow the file's name in a message,
 * when it is refused.  Caller deletes.
 */
cJSON *json_parse_ledger(const char *data, size_t len, bool every_key, char *why, size_t why_size);

/* A key that some object in node holds twice, or NULL. */
const char *json_key_twice(const cJSON *node);

#endif

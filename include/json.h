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

#endif

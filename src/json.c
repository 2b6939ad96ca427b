/* cJSON helpers shared across relctl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "util.h"

const char *json_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

void json_add_string_or_null(cJSON *obj, const char *key, const char *value)
{
	if (value)
		cJSON_AddStringToObject(obj, key, value);
	else
		cJSON_AddNullToObject(obj, key);
}

void json_add_time_or_null(cJSON *obj, const char *key, time_t t)
{
	char text[32];

	if (t)
		cJSON_AddStringToObject(obj, key, time_format(t, text, sizeof(text)));
	else
		cJSON_AddNullToObject(obj, key);
}

bool json_same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if (a == NULL || b == NULL)
		return a == b;
	if ((a->type & 0xff) != (b->type & 0xff))
		return false;
	switch (a->type & 0xff) {
	case cJSON_False:
	case cJSON_True:
	case cJSON_NULL:
		return true;
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		return a->valuestring && b->valuestring && strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
	case cJSON_Object:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
			if ((a->type & 0xff) == cJSON_Object &&
			    (x->string == NULL || y->string == NULL || strcmp(x->string, y->string) != 0))
				return false;
			if (!json_same(x, y))
				return false;
		}
		return x == NULL && y == NULL;
	default:
		return false;
	}
}

/* Whether the text has a \u0000 escape: a run of backslashes of odd length before "u0000". */
static bool has_nul_escape(const char *data, size_t len)
{
	size_t i = 0;

	while (i < len) {
		const char *p = memchr(data + i, '\\', len - i);
		size_t run = 0;

		if (p == NULL)
			return false;
		i = (size_t)(p - data);
		for (; i < len && data[i] == '\\'; i++)
			run++;
		if (run % 2 == 1 && len - i >= 5 && (data[i] == 'u' || data[i] == 'U') && strncmp(data + i + 1, "0000", 4) == 0)
			return true;
	}
	return false;
}

static int by_key(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* A key that node (an object) holds twice, or, when deep, some object under node; NULL when none. */
static const char *key_twice(const cJSON *node, bool deep)
{
	const cJSON *item, *other;
	const cJSON **keys;
	const char *dup = NULL;
	size_t n = 0, i;

	if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
		return NULL;
	for (item = node->child; item; item = item->next)
		n++;
	if (cJSON_IsObject(node) && n > 1 && n <= 16) {
		/* Most objects: a few keys, compared pairwise without allocating. */
		for (item = node->child; item && dup == NULL; item = item->next)
			for (other = item->next; other && dup == NULL; other = other->next)
				if (strcmp(item->string, other->string) == 0)
					dup = item->string;
	} else if (cJSON_IsObject(node) && n > 16) {
		keys = xcalloc(n, sizeof(*keys));
		for (item = node->child, i = 0; item; item = item->next)
			keys[i++] = item;
		qsort(keys, n, sizeof(*keys), by_key);
		for (i = 1; i < n && dup == NULL; i++)
			if (strcmp(keys[i - 1]->string, keys[i]->string) == 0)
				dup = keys[i]->string;
		free(keys);
	}
	for (item = deep ? node->child : NULL; item && dup == NULL; item = item->next)
		dup = key_twice(item, true);
	return dup;
}

const char *json_key_twice(const cJSON *node)
{
	return key_twice(node, true);
}

cJSON *json_parse_ledger(const char *data, size_t len, bool every_key, char *why, size_t why_size)
{
	const char *end = NULL;
	cJSON *doc = cJSON_ParseWithLengthOpts(data, len, &end, false);
	const char *dup;

	if (doc == NULL) {
		snprintf(why, why_size, "is not valid JSON");
		return NULL;
	}
	while (end && (size_t)(end - data) < len && strchr(" \t\r\n", *end) && *end)
		end++;
	if (end == NULL || (size_t)(end - data) != len) {
		snprintf(why, why_size, "has bytes after its JSON document");
	} else if (has_nul_escape(data, len)) {
		snprintf(why, why_size, "has a NUL character (\\u0000) in a string, which relctl never writes");
	} else if ((dup = key_twice(doc, every_key)) != NULL) {
		snprintf(why, why_size, "has the key \"%.64s\" twice in one object, which relctl never writes", dup);
	} else {
		return doc;
	}
	cJSON_Delete(doc);
	return NULL;
}

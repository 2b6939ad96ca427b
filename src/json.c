/* cJSON helpers shared across relctl. */
#include <string.h>

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

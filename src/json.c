/* cJSON helpers shared across relctl. */
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

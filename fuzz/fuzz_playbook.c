/*
 * libFuzzer harness for the playbook loader (`make fuzz`): any bytes go to
 * playbook_parse(), which must answer with diagnostics or a model and never
 * crash, leak or trip a sanitizer.  A model is also turned into its JSON
 * form, and every diagnostic is formatted, so that those paths see the odd
 * values the fuzzer invents too.
 *
 * Seeds are in fuzz/corpus (small valid playbooks) and tests/lint (malformed
 * and hostile ones); fuzz/yaml.dict holds YAML tokens and the schema's keys.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "playbook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diagnostics diags;
	struct playbook *pb;
	size_t i;

	if (size > PLAYBOOK_MAX_BYTES)
		return 0;
	diagnostics_init(&diags, "fuzz.yaml");
	pb = playbook_parse((const char *)data, size, &diags);
	for (i = 0; i < diags.count; i++) {
		char *line = diagnostic_format(&diags, &diags.items[i]);

		/* One line each: the file's text never breaks the form. */
		if (strchr(line, '\n') != NULL)
			abort();
		free(line);
	}
	if ((pb == NULL) != (diags.errors > 0))
		abort();
	if (pb != NULL) {
		cJSON *json = playbook_to_json(pb);
		char *text = cJSON_PrintUnformatted(json);

		if (text == NULL || cJSON_GetArraySize(cJSON_GetObjectItem(json, "steps")) != (int)pb->step_count)
			abort();
		free(text);
		cJSON_Delete(json);
		playbook_free(pb);
	}
	diagnostics_release(&diags);
	return 0;
}

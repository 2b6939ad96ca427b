/*
 * One poll of a check step: its request rendered as a hook's (hook.c),
 * sent once (the next poll is the retry), and the answer judged by the
 * rule of ledger-runs.h, into the result a poll event records.
 */
#include <stdlib.h>
#include <string.h>

#include "check-step.h"
#include "hook.h"
#include "json.h"
#include "ledger-runs.h"
#include "mutate.h"
#include "template.h"

int check_step_poll(const struct pb_step *step, const struct template_scope *scope, bool dry_run, cJSON **result,
		    struct error *err)
{
	struct hook_request req;
	struct hook_result res;
	char *id = hook_webhook_id(scope->st->version, scope->st->candidate, step->id,
				   scope->st->steps[step->index].round, "check");
	char *expected = NULL;
	int rc = -1;

	*result = NULL;
	memset(&res, 0, sizeof(res));
	if (hook_render(step->check, scope, id, &req, err) != 0)
		goto out;
	if (step->expect_body &&
	    (expected = template_expand_field(step->expect_body, TEMPLATE_ARGUMENT, scope, err)) == NULL)
		goto out;
	req.answer_max = CHECK_ANSWER_MAX;
	if (dry_run) {
		*result = hook_dry_run_json(&req);
	} else {
		if (hook_send(&req, &res, err) != 0)
			goto out;
		*result = hook_result_json(&req, &res);
		cJSON_ReplaceItemInObjectCaseSensitive(
			*result, "outcome",
			cJSON_CreateString(ledger_check_passes(step, res.status, res.answer, expected) ? RUN_OUTCOME_PASSED
											  : RUN_OUTCOME_FAILED));
	}
	/* A check is not a hook: the step names it, and no webhook is delivered. */
	cJSON_DeleteItemFromObjectCaseSensitive(*result, "hook");
	cJSON_DeleteItemFromObjectCaseSensitive(*result, "webhook_id");
	rc = 0;
out:
	free(id);
	free(expected);
	hook_result_release(&res);
	hook_request_release(&req);
	return rc;
}

int check_step_poll_record(struct session *s, const struct release_state *st, const struct pb_step *step,
			   const char *workdir, bool *passed, char **summary, struct error *err)
{
	struct template_scope scope = { st, workdir, NULL, NULL };
	struct mutation record = { .version = st->version, .event = { .op = "poll", .step = step->id } };
	cJSON *result = NULL;
	int rc;

	*passed = false;
	if (check_step_poll(step, &scope, st->rehearsal, &result, err) != 0)
		return -1;
	record.event.poll_result = result;
	rc = session_mutate(s, &record, summary, err);
	*passed = rc == 0 && strcmp(json_string(result, "outcome"), RUN_OUTCOME_FAILED) != 0;
	cJSON_Delete(result);
	return rc;
}

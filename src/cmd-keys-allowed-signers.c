/*
 * relctl keys allowed-signers [--json]: the allowed-signers file of the
 * current playbook, for git config gpg.ssh.allowedSignersFile, so that plain
 * git verify-commit checks the ledger's signatures.
 */
#include <stdlib.h>

#include "cJSON.h"
#include "playbook.h"
#include "relctl.h"
#include "session.h"
#include "signature.h"

static const struct option_spec options[] = {
	{ "json", OPT_FLAG, NULL, "print each person's keys and their fingerprints as JSON" },
	OPTION_END,
};

static cJSON *keys_json(const struct playbook *pb)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, j;

	for (i = 0; i < pb->person_count; i++) {
		for (j = 0; j < pb->people[i].key_count; j++) {
			const struct pb_key *k = &pb->people[i].keys[j];
			cJSON *o = cJSON_CreateObject();
			char *fingerprint = signature_key_fingerprint(k->base64);

			cJSON_AddStringToObject(o, "person", pb->people[i].id);
			cJSON_AddStringToObject(o, "principal", pb->people[i].email);
			cJSON_AddStringToObject(o, "type", k->type);
			cJSON_AddStringToObject(o, "key", k->base64);
			cJSON_AddBoolToObject(o, "cert_authority", k->cert_authority);
			cJSON_AddStringToObject(o, "fingerprint", fingerprint ? fingerprint : "");
			cJSON_AddItemToArray(arr, o);
			free(fingerprint);
		}
	}
	return arr;
}

static int allowed_signers_exec(struct cmd_ctx *ctx)
{
	struct playbook *pb = session_current_playbook(ctx->session, &ctx->err);
	char *text;

	if (pb == NULL)
		return -1;
	if (args_flag(&ctx->args, "json")) {
		cJSON *json = keys_json(pb);

		cmd_print_json(ctx, json);
		cJSON_Delete(json);
	} else {
		text = signature_allowed_signers(pb);
		fputs(text, ctx->out);
		free(text);
	}
	playbook_free(pb);
	return 0;
}

const struct cmd_entry cmd_keys_allowed_signers_entry = {
	.name = "keys allowed-signers",
	.usage = "[--json]",
	.summary = "the playbook's keys as an allowed-signers file for git verify-commit",
	.help = "Prints the keys of the people of the current playbook in the allowed-signers format of ssh-keygen(1)\n"
		"(principal = the person's email).  To check the ledger with plain git:\n"
		"  relctl keys allowed-signers > signers\n"
		"  git config gpg.ssh.allowedSignersFile \"$PWD/signers\"\n"
		"  git log --show-signature relctl-ledger",
	.options = options,
	.min_args = 0,
	.max_args = 0,
	.needs = CMD_SESSION,
	.exec = allowed_signers_exec,
};

/*
 * The in-process verifier's verdicts, for the differential test
 * (tests/e2e/60-sshsig-differential.bats) to hold against
 * `ssh-keygen -Y verify`.  Each line of standard input names one case,
 *
 *   SIGNATURE_FILE MESSAGE_FILE NAMESPACE PUBLIC_KEY_FILE
 *
 * (the public key file as ssh-keygen writes it: TYPE BASE64 [COMMENT]), and
 * gets one line out: good, bad or unsupported (ssh-keygen must decide).
 * A file that cannot be read ends the run with exit 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"
#include "file.h"
#include "sshsig.h"

static int slurp(const char *path, struct buf *out)
{
	struct error err;

	buf_reset(out);
	if (file_read(path, 1 << 24, out, &err) != 0) {
		fprintf(stderr, "sshsig_verdicts: %s\n", err.message);
		return -1;
	}
	return 0;
}

static const char *verdict(const char *sig_path, const char *message_path, const char *namespace,
			   const char *key_path)
{
	struct buf text, message, key_line;
	struct sshsig sig;
	unsigned char *key = NULL;
	size_t key_len = 0;
	const char *why, *answer = NULL;
	char type[128], base64[16384];

	buf_init(&text);
	buf_init(&message);
	buf_init(&key_line);
	if (slurp(sig_path, &text) != 0 || slurp(message_path, &message) != 0 || slurp(key_path, &key_line) != 0 ||
	    sscanf(key_line.data, "%127s %16383s", type, base64) != 2 || (key = base64_decode(base64, &key_len)) == NULL)
		goto out;
	if (sshsig_parse(&sig, text.data, text.len, &why) != 0)
		answer = "bad";
	else
		switch (sshsig_verify(&sig, namespace, message.data, message.len, key, key_len, &why)) {
		case SSHSIG_GOOD:
			answer = "good";
			break;
		case SSHSIG_BAD:
			answer = "bad";
			break;
		case SSHSIG_UNSUPPORTED:
			answer = "unsupported";
			break;
		}
	sshsig_release(&sig);
out:
	free(key);
	buf_release(&text);
	buf_release(&message);
	buf_release(&key_line);
	return answer;
}

int main(void)
{
	char line[4096], sig[1024], message[1024], namespace[256], key[1024];

	while (fgets(line, sizeof(line), stdin)) {
		const char *answer;

		if (sscanf(line, "%1023s %1023s %255s %1023s", sig, message, namespace, key) != 4) {
			fprintf(stderr, "sshsig_verdicts: expected SIGNATURE MESSAGE NAMESPACE KEY: %s", line);
			return 2;
		}
		answer = verdict(sig, message, namespace, key);
		if (answer == NULL)
			return 2;
		printf("%s\n", answer);
	}
	return 0;
}

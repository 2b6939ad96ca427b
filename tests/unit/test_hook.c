/* Hook signing against the schemes' published vectors, templates, masking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto.h"
#include "hook.h"

/* Standard Webhooks' own test vector (the scheme's reference libraries use it). */
static void standard_webhooks_signature_matches_the_published_vector(void **state)
{
	const char *body = "{\"test\": 2432232314}";
	struct error err;
	char *sig = NULL;

	(void)state;
	assert_int_equal(hook_sign_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
					    1614265330, body, strlen(body), &sig, &err),
			 0);
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(sig);
}

/* GitHub's documented example for X-Hub-Signature-256. */
static void github_signature_matches_the_documented_vector(void **state)
{
	struct error err;
	char *sig = NULL;

	(void)state;
	assert_int_equal(hook_sign_github("It's a Secret to Everybody", "Hello, World!", 13, &sig, &err), 0);
	assert_string_equal(sig, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
	free(sig);
}

static void a_secret_without_whsec_prefix_is_refused(void **state)
{
	struct error err;
	char *sig = NULL;

	(void)state;
	assert_int_equal(hook_sign_standard("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg", 1, "x", 1, &sig, &err), -1);
	assert_int_equal(err.code, EXIT_CONFIG);
	assert_null(sig);
}

static void webhook_id_is_stable_and_distinct(void **state)
{
	char *a = hook_webhook_id("2.6.3", 1, "publish-changelog", "changelog");
	char *b = hook_webhook_id("2.6.3", 1, "publish-changelog", "changelog");
	char *c = hook_webhook_id("2.6.3", 2, "publish-changelog", "changelog");

	(void)state;
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strncmp(a, "msg_", 4), 0);
	assert_int_equal(strlen(a), 36);
	free(a);
	free(b);
	free(c);
}

static void base64_round_trips(void **state)
{
	const unsigned char data[] = { 0, 1, 2, 250, 251, 255, 'a' };
	char *text = base64_encode(data, sizeof(data));
	unsigned char *back;
	size_t len = 0;

	(void)state;
	back = base64_decode(text, &len);
	assert_non_null(back);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	assert_null(base64_decode("abc", &len));
	free(text);
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(standard_webhooks_signature_matches_the_published_vector),
		cmocka_unit_test(github_signature_matches_the_documented_vector),
		cmocka_unit_test(a_secret_without_whsec_prefix_is_refused),
		cmocka_unit_test(webhook_id_is_stable_and_distinct),
		cmocka_unit_test(base64_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The one place human output is written (src/term.c): term_escape on the
 * bytes a teammate could put in the ledger or an argument (C0 controls,
 * DEL, C1 controls in UTF-8, bidirectional overrides and marks, zero-width
 * and the other invisible format characters, bytes that are not
 * UTF-8, sequences cut short), and the stream of term_wrap: colour marks
 * become SGR only when colour is on, a 0xff from the data never does, and
 * a sequence or mark split across two writes comes out whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "relctl.h"
#include "term.h"

/* term_escape of len bytes of s, as a string to compare. */
static char *escaped(const char *s, size_t len)
{
	struct buf b;

	buf_init(&b);
	term_escape(&b, s, len);
	return buf_detach(&b);
}

#define assert_escapes(in, want)                                        \
	do {                                                            \
		char *got_ = escaped(in, sizeof(in) - 1);               \
		assert_string_equal(got_, want);                        \
		free(got_);                                             \
	} while (0)

static void c0_controls_but_newline_and_tab_are_hex(void **state)
{
	(void)state;
	assert_escapes("\033]0;pwned\a\033[2J", "\\x1b]0;pwned\\x07\\x1b[2J");
	assert_escapes("a\rb\bc\001d\037", "a\\x0db\\x08c\\x01d\\x1f");
	assert_escapes("line\nnext\tcell", "line\nnext\tcell");
}

static void del_is_a_json_escape(void **state)
{
	(void)state;
	/* cJSON writes DEL raw; "\x7f" inside a JSON string would not parse. */
	assert_escapes("x\177y", "x\\u007fy");
}

static void c1_controls_and_bidi_overrides_are_code_points(void **state)
{
	(void)state;
	assert_escapes("\302\23331m", "\\u009b31m");
	assert_escapes("\302\200\302\237", "\\u0080\\u009f");
	assert_escapes("\342\200\256evil\342\200\254", "\\u202eevil\\u202c");
	assert_escapes("\342\201\246\342\201\251", "\\u2066\\u2069");
	assert_escapes("\342\200\250\342\200\251", "\\u2028\\u2029");
}

static void invisible_format_characters_are_code_points(void **state)
{
	(void)state;
	/* Directional marks: left-to-right, right-to-left, the Arabic letter mark. */
	assert_escapes("a\342\200\216b\342\200\217c\330\234d", "a\\u200eb\\u200fc\\u061cd");
	/* Zero-width space, non-joiner, joiner, the byte order mark. */
	assert_escapes("\342\200\213\342\200\214\342\200\215\357\273\277", "\\u200b\\u200c\\u200d\\ufeff");
	/* Word joiner to invisible plus, and the other Cf characters: a soft hyphen, an interlinear annotation. */
	assert_escapes("\342\201\240\342\201\244\302\255\357\277\271", "\\u2060\\u2064\\u00ad\\ufff9");
	/* Tag characters, as JSON's surrogate pairs: TAG LATIN SMALL LETTER A, CANCEL TAG. */
	assert_escapes("x\363\240\201\241\363\240\201\277", "x\\udb40\\udc61\\udb40\\udc7f");
	/* Their neighbours are ordinary text: a hyphen, an ellipsis, the object replacement character (U+FFFC) is not Cf. */
	assert_escapes("\342\200\220\342\200\246\357\277\274", "\342\200\220\342\200\246\357\277\274");
}

static void ordinary_utf8_passes(void **state)
{
	(void)state;
	assert_escapes("caf\303\251 \342\202\254 \360\237\232\200 \302\240", "caf\303\251 \342\202\254 \360\237\232\200 \302\240");
}

static void bytes_that_are_not_utf8_are_hex(void **state)
{
	(void)state;
	assert_escapes("\377r", "\\xffr");
	assert_escapes("\300\257", "\\xc0\\xaf");         /* overlong '/' */
	assert_escapes("\355\240\200", "\\xed\\xa0\\x80"); /* a surrogate */
	assert_escapes("\364\220\200\200", "\\xf4\\x90\\x80\\x80");
	assert_escapes("\233[2J", "\\x9b[2J"); /* a lone C1 byte, CSI to 8-bit terminals */
}

static void a_sequence_cut_short_never_passes_as_a_character(void **state)
{
	(void)state;
	/* e3 9b announces three bytes; taken as two it would decode as U+00DB and pass raw. */
	assert_escapes("\343\233A", "\\xe3\\x9bA");
	assert_escapes("\342\200A", "\\xe2\\x80A");
	assert_escapes("end \342\200", "end \\xe2\\x80");
	assert_escapes("\302", "\\xc2");
}

/* What term_wrap(color) makes of the writes: each string one fwrite, flushed. */
static char *through_stream(bool color, const char *const *writes, size_t count)
{
	char *data = NULL;
	size_t size = 0, i;
	FILE *real = open_memstream(&data, &size);
	FILE *f = term_wrap(real, color);

	for (i = 0; i < count; i++) {
		fwrite(writes[i], 1, strlen(writes[i]), f);
		fflush(f);
	}
	fclose(f);
	fclose(real);
	return data;
}

static void colour_marks_become_sgr_only_with_colour_on(void **state)
{
	char *red = strdup(term_color(C_RED)), *reset = strdup(term_color(C_RESET));
	char *line = NULL;
	const char *writes[1];
	char *got;

	(void)state;
	assert_int_equal(strlen(red), 10);
	assert_int_equal((unsigned char)red[0], 0xff);
	if (asprintf(&line, "%sdone%s \033[2J", red, reset) < 0)
		fail();
	writes[0] = line;
	got = through_stream(true, writes, 1);
	assert_string_equal(got, "\033[31mdone\033[0m \\x1b[2J");
	free(got);
	/* With colour off a mark is no colour (color() never hands one out then). */
	got = through_stream(false, writes, 1);
	assert_non_null(strstr(got, "\\xff"));
	assert_null(strchr(got, '\033'));
	free(got);
	free(line);
	free(red);
	free(reset);
}

static void a_0xff_from_the_data_never_becomes_a_colour(void **state)
{
	const char *writes[] = { "\377r RED \3771 BOLD \3770 \377" };
	char forged[16];
	char *got;

	(void)state;
	got = through_stream(true, writes, 1);
	assert_string_equal(got, "\\xffr RED \\xff1 BOLD \\xff0 \\xff");
	free(got);
	/* The right shape with another nonce is text too. */
	memcpy(forged, term_color(C_RED), 11);
	forged[3] ^= 1;
	writes[0] = forged;
	got = through_stream(true, writes, 1);
	assert_null(strchr(got, '\033'));
	assert_int_equal(strncmp(got, "\\xff", 4), 0);
	assert_int_equal(got[strlen(got) - 1], 'r');
	free(got);
}

static void marks_and_sequences_split_across_writes_come_out_whole(void **state)
{
	const char *mark = term_color(C_BOLD);
	char first[8], second[8];
	const char *writes[] = { first, second, "\342\200", "\256 and \302", "\233 end \342" };
	char *got;

	(void)state;
	memcpy(first, mark, 4);
	first[4] = '\0';
	strcpy(second, mark + 4);
	got = through_stream(true, writes, 5);
	/* The last write ends inside a sequence: at close it is a stray byte. */
	assert_string_equal(got, "\033[1m\\u202e and \\u009b end \\xe2");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(c0_controls_but_newline_and_tab_are_hex),
		cmocka_unit_test(del_is_a_json_escape),
		cmocka_unit_test(c1_controls_and_bidi_overrides_are_code_points),
		cmocka_unit_test(invisible_format_characters_are_code_points),
		cmocka_unit_test(ordinary_utf8_passes),
		cmocka_unit_test(bytes_that_are_not_utf8_are_hex),
		cmocka_unit_test(a_sequence_cut_short_never_passes_as_a_character),
		cmocka_unit_test(colour_marks_become_sgr_only_with_colour_on),
		cmocka_unit_test(a_0xff_from_the_data_never_becomes_a_colour),
		cmocka_unit_test(marks_and_sequences_split_across_writes_come_out_whole),
	};

	return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}

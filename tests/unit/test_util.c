/*
 * The small parsers every command leans on (src/util.c): durations as
 * playbooks write them, identifiers and versions, RFC 3339 times, and the
 * "did you mean" suggestions.  Each is driven at its edges: the shortest and
 * longest accepted forms, the first refused ones, overflow, and the mistakes
 * people really make (a missing unit, a space, a stray sign).
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
#include "html.h"
#include "json.h"
#include "library.h"
#include "util.h"

#define MINUTE 60L
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define WEEK (7 * DAY)
/* duration_parse refuses anything over ten (leap) years. */
#define DURATION_MAX (10L * 366 * DAY)

static long parsed(const char *text)
{
	long seconds = -12345;

	assert_int_equal(duration_parse(text, &seconds), 0);
	return seconds;
}

static void assert_duration_refused(const char *text)
{
	long seconds = -12345;

	if (duration_parse(text, &seconds) != 0) {
		assert_int_equal(seconds, -12345); /* untouched on failure */
		return;
	}
	fail_msg("duration_parse accepted \"%s\" as %ld seconds", text, seconds);
}

/* ---------- duration_parse ---------- */

static void duration_parse_accepts_each_unit(void **state)
{
	(void)state;
	assert_int_equal(parsed("45s"), 45);
	assert_int_equal(parsed("30m"), 30 * MINUTE);
	assert_int_equal(parsed("48h"), 48 * HOUR);
	assert_int_equal(parsed("2d"), 2 * DAY);
	assert_int_equal(parsed("1w"), WEEK);
}

static void duration_parse_adds_up_compound_durations(void **state)
{
	(void)state;
	assert_int_equal(parsed("1h30m"), HOUR + 30 * MINUTE);
	assert_int_equal(parsed("1w2d3h4m5s"), WEEK + 2 * DAY + 3 * HOUR + 4 * MINUTE + 5);
	assert_int_equal(parsed("90m"), 90 * MINUTE);
}

static void duration_parse_accepts_zero_and_leading_zeros(void **state)
{
	(void)state;
	assert_int_equal(parsed("0s"), 0);
	assert_int_equal(parsed("0m"), 0);
	assert_int_equal(parsed("007m"), 7 * MINUTE);
}

static void duration_parse_refuses_missing_number_or_unit(void **state)
{
	(void)state;
	assert_duration_refused("");
	assert_duration_refused(NULL);
	assert_duration_refused("5");     /* no unit */
	assert_duration_refused("h");     /* no number */
	assert_duration_refused("1h30");  /* the last part has no unit */
	assert_duration_refused("1hm");   /* a unit without a number */
}

static void duration_parse_refuses_unknown_units_and_case(void **state)
{
	(void)state;
	assert_duration_refused("5x");
	assert_duration_refused("1y");
	assert_duration_refused("2H");
	assert_duration_refused("3ms");
	assert_duration_refused("1.5h");
}

static void duration_parse_refuses_signs_and_whitespace(void **state)
{
	(void)state;
	assert_duration_refused("-5m");
	assert_duration_refused("+5m");
	assert_duration_refused(" 5m");
	assert_duration_refused("5m ");
	assert_duration_refused("5 m");
	assert_duration_refused("1h 30m");
	assert_duration_refused("5m\n");
}

static void duration_parse_caps_at_ten_years(void **state)
{
	(void)state;
	assert_int_equal(parsed("3660d"), DURATION_MAX);
	assert_duration_refused("3661d");
	assert_int_equal(parsed("522w"), 522 * WEEK);
	assert_duration_refused("523w");
	/* The sum is capped too, not only each part. */
	assert_duration_refused("3660d1s");
}

static void duration_parse_refuses_overflow(void **state)
{
	(void)state;
	assert_duration_refused("9223372036854775807s");
	assert_duration_refused("9223372036854775808s");
	assert_duration_refused("99999999999999999999999999999w");
	assert_duration_refused("999999999999999999h999999999999999999h");
}

/* ---------- duration_format ---------- */

static const char *formatted(long seconds)
{
	static char out[64];

	return duration_format(seconds, out, sizeof(out));
}

static void duration_format_writes_the_largest_units(void **state)
{
	(void)state;
	assert_string_equal(formatted(30 * MINUTE), "30m");
	assert_string_equal(formatted(HOUR), "1h");
	assert_string_equal(formatted(HOUR + 30 * MINUTE), "1h30m");
	assert_string_equal(formatted(48 * HOUR), "2d");
	assert_string_equal(formatted(WEEK), "1w");
	assert_string_equal(formatted(2 * WEEK), "2w");
	assert_string_equal(formatted(45), "45s");
	assert_string_equal(formatted(59), "59s");
}

static void duration_format_drops_seconds_next_to_larger_units(void **state)
{
	(void)state;
	/* Seconds only matter on their own ("10s" of a hook timeout). */
	assert_string_equal(formatted(90), "1m");
	assert_string_equal(formatted(HOUR + 59), "1h");
}

static void duration_format_keeps_two_parts_at_most(void **state)
{
	(void)state;
	assert_string_equal(formatted(DAY + HOUR + MINUTE + 1), "1d1h");
	assert_string_equal(formatted(HOUR + MINUTE + 1), "1h1m");
}

static void duration_format_uses_days_for_broken_weeks(void **state)
{
	(void)state;
	assert_string_equal(formatted(10 * DAY), "10d");
	assert_string_equal(formatted(WEEK + HOUR), "7d1h");
}

static void duration_format_writes_zero_and_negative_as_0m(void **state)
{
	(void)state;
	assert_string_equal(formatted(0), "0m");
	assert_string_equal(formatted(-1), "0m");
	assert_string_equal(formatted(-5 * HOUR), "0m");
}

static void duration_format_stays_inside_a_small_buffer(void **state)
{
	char small[4], one[1] = { 'x' }, none[1] = { 'x' };

	(void)state;
	/* Truncated like snprintf: a prefix of "1h30m", always terminated. */
	assert_ptr_equal(duration_format(HOUR + 30 * MINUTE, small, sizeof(small)), small);
	assert_int_equal(strlen(small), 3);
	assert_memory_equal(small, "1h3", 3);
	duration_format(HOUR + 30 * MINUTE, one, sizeof(one));
	assert_int_equal(one[0], '\0');
	duration_format(HOUR, none, 0); /* size 0: nothing written */
	assert_int_equal(none[0], 'x');
}

static void duration_format_round_trips_through_parse(void **state)
{
	static const long values[] = { 1, 59, 60, 120, 30 * MINUTE, HOUR, HOUR + 30 * MINUTE, 48 * HOUR,
				       2 * DAY + 5 * HOUR, WEEK, 3 * WEEK, 10 * DAY, DURATION_MAX };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		long back = -1;

		assert_int_equal(duration_parse(formatted(values[i]), &back), 0);
		assert_int_equal(back, values[i]);
	}
}

/* ---------- identifier_valid, version_valid ---------- */

static void identifier_valid_accepts_the_documented_forms(void **state)
{
	(void)state;
	assert_true(identifier_valid("test-voyager"));
	assert_true(identifier_valid("rc_build"));
	assert_true(identifier_valid("2fa.check"));
	assert_true(identifier_valid("a"));
	assert_true(identifier_valid("0"));
}

static void identifier_valid_refuses_upper_case_spaces_and_leading_punctuation(void **state)
{
	(void)state;
	assert_false(identifier_valid(NULL));
	assert_false(identifier_valid(""));
	assert_false(identifier_valid("Test"));
	assert_false(identifier_valid("tesT"));
	assert_false(identifier_valid("-x"));
	assert_false(identifier_valid("_x"));
	assert_false(identifier_valid(".x"));
	assert_false(identifier_valid("my step"));
	assert_false(identifier_valid("a/b"));
	assert_false(identifier_valid("a:b"));
	assert_false(identifier_valid("step\n"));
	assert_false(identifier_valid("caf\xc3\xa9"));
	assert_false(identifier_valid("!advisory"));
}

static void identifier_valid_allows_64_characters(void **state)
{
	char id[66];

	(void)state;
	memset(id, 'a', 64);
	id[64] = '\0';
	assert_true(identifier_valid(id));
	id[64] = 'a';
	id[65] = '\0';
	assert_false(identifier_valid(id));
}

static void version_valid_accepts_semver_and_tags(void **state)
{
	(void)state;
	assert_true(version_valid("2.6.3"));
	assert_true(version_valid("1.0.0-rc.1+build.5"));
	assert_true(version_valid("v1"));
	assert_true(version_valid("2024_03"));
	assert_true(version_valid("7"));
}

static void version_valid_refuses_paths_and_punctuation(void **state)
{
	(void)state;
	assert_false(version_valid(NULL));
	assert_false(version_valid(""));
	assert_false(version_valid(".1"));
	assert_false(version_valid("-1"));
	assert_false(version_valid("+1"));
	assert_false(version_valid("1..2"));   /* ".." never reaches a path */
	assert_false(version_valid("../etc"));
	assert_false(version_valid("1/2"));
	assert_false(version_valid("1 2"));
	assert_false(version_valid("1.0\n"));
	assert_false(version_valid("1.0~rc"));
}

static void version_valid_allows_64_characters(void **state)
{
	char v[66];

	(void)state;
	memset(v, '1', 64);
	v[64] = '\0';
	assert_true(version_valid(v));
	v[64] = '1';
	v[65] = '\0';
	assert_false(version_valid(v));
}

/* ---------- time_parse, time_format ---------- */

#define T_2024_03_19_10_00 1710842400L

static time_t parsed_time(const char *text)
{
	time_t t = 0;

	assert_int_equal(time_parse(text, &t), 0);
	return t;
}

static void assert_time_refused(const char *text)
{
	time_t t = 42;

	if (time_parse(text, &t) != 0) {
		assert_int_equal(t, 42);
		return;
	}
	fail_msg("time_parse accepted \"%s\" as %lld", text, (long long)t);
}

static void time_parse_reads_utc(void **state)
{
	(void)state;
	assert_int_equal(parsed_time("2024-03-19T10:00:00Z"), T_2024_03_19_10_00);
	assert_int_equal(parsed_time("1970-01-01T00:00:00Z"), 0);
	/* RFC 3339 allows lower case and a space for the T. */
	assert_int_equal(parsed_time("2024-03-19t10:00:00z"), T_2024_03_19_10_00);
	assert_int_equal(parsed_time("2024-03-19 10:00:00Z"), T_2024_03_19_10_00);
}

static void time_parse_applies_offsets(void **state)
{
	(void)state;
	assert_int_equal(parsed_time("2024-03-19T12:00:00+02:00"), T_2024_03_19_10_00);
	assert_int_equal(parsed_time("2024-03-19T04:30:00-05:30"), T_2024_03_19_10_00);
	assert_int_equal(parsed_time("2024-03-19T10:00:00+00:00"), T_2024_03_19_10_00);
	assert_int_equal(parsed_time("2024-03-19T10:00:00-00:00"), T_2024_03_19_10_00);
	/* An offset can move the date. */
	assert_int_equal(parsed_time("2024-03-20T09:00:00+23:00"), T_2024_03_19_10_00);
}

static void time_parse_ignores_fractions_of_a_second(void **state)
{
	(void)state;
	assert_int_equal(parsed_time("2024-03-19T10:00:00.5Z"), T_2024_03_19_10_00);
	assert_int_equal(parsed_time("2024-03-19T10:00:00.123456789Z"), T_2024_03_19_10_00);
	assert_int_equal(parsed_time("2024-03-19T12:00:00.250+02:00"), T_2024_03_19_10_00);
	assert_time_refused("2024-03-19T10:00:00.Z");
	assert_time_refused("2024-03-19T10:00:00,5Z");
}

static void time_parse_refuses_bad_forms(void **state)
{
	(void)state;
	assert_time_refused(NULL);
	assert_time_refused("");
	assert_time_refused("2024-03-19");
	assert_time_refused("2024-03-19T10:00:00");       /* no zone */
	assert_time_refused("2024-03-19T10:00Z");         /* no seconds */
	assert_time_refused("2024/03/19T10:00:00Z");
	assert_time_refused("2024-03-19X10:00:00Z");
	assert_time_refused("24-03-19T10:00:00Z");
	assert_time_refused("2024-3-19T10:00:00Z");
	assert_time_refused("2024-03-19T10:00:00+0200");
	assert_time_refused("2024-03-19T10:00:00+02");
	assert_time_refused("2024-03-19T10:00:00Zjunk");
	assert_time_refused("2024-03-19T10:00:00+02:00x");
	assert_time_refused("2024-03-19T10:00:00 Z");
	assert_time_refused(" 2024-03-19T10:00:00Z");
	assert_time_refused("yesterday at noon, roughly");
	assert_time_refused("2024-03-19T1a:00:00Z");
}

static void time_parse_refuses_out_of_range_fields(void **state)
{
	(void)state;
	assert_time_refused("2024-00-19T10:00:00Z");
	assert_time_refused("2024-13-19T10:00:00Z");
	assert_time_refused("2024-03-00T10:00:00Z");
	assert_time_refused("2024-03-32T10:00:00Z");
	assert_time_refused("2024-03-19T24:00:00Z");
	assert_time_refused("2024-03-19T10:60:00Z");
	assert_time_refused("2024-03-19T10:00:61Z");
	assert_time_refused("2024-03-19T10:00:00+24:00");
	assert_time_refused("2024-03-19T10:00:00+02:60");
}

static void time_parse_knows_the_length_of_each_month(void **state)
{
	(void)state;
	assert_int_equal(parsed_time("2024-02-29T00:00:00Z"), 1709164800L); /* leap year */
	assert_time_refused("2023-02-29T00:00:00Z");
	assert_time_refused("2024-02-30T00:00:00Z");
	assert_time_refused("2024-02-31T00:00:00Z");
	assert_time_refused("2024-04-31T00:00:00Z");
	assert_time_refused("1900-02-29T00:00:00Z"); /* centuries are not leap years */
	assert_int_equal(parsed_time("2000-02-29T00:00:00Z"), 951782400L); /* but every 400th is */
	assert_int_equal(parsed_time("2024-12-31T23:59:59Z"), 1735689599L);
}

static void time_parse_accepts_a_leap_second(void **state)
{
	(void)state;
	/* 23:59:60 is the next day's first second. */
	assert_int_equal(parsed_time("2016-12-31T23:59:60Z"), 1483228800L);
}

static void time_format_writes_utc_rfc3339(void **state)
{
	char out[32];

	(void)state;
	assert_string_equal(time_format(T_2024_03_19_10_00, out, sizeof(out)), "2024-03-19T10:00:00Z");
	assert_string_equal(time_format(0, out, sizeof(out)), "1970-01-01T00:00:00Z");
	assert_string_equal(time_format(1709164800L, out, sizeof(out)), "2024-02-29T00:00:00Z");
	/* 21 bytes are enough, as the header promises. */
	assert_string_equal(time_format(T_2024_03_19_10_00, out, 21), "2024-03-19T10:00:00Z");
}

static void time_format_round_trips_through_parse(void **state)
{
	static const char *const texts[] = { "2024-03-19T10:00:00Z", "1999-12-31T23:59:59Z", "2038-01-19T03:14:08Z",
					     "2000-02-29T12:34:56Z" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char out[32];

		assert_string_equal(time_format(parsed_time(texts[i]), out, sizeof(out)), texts[i]);
	}
	/* And a time with an offset comes back in UTC. */
	{
		char out[32];

		assert_string_equal(time_format(parsed_time("2024-03-19T12:00:00.9+02:00"), out, sizeof(out)),
				    "2024-03-19T10:00:00Z");
	}
}

/* ---------- clock_now, age_format ---------- */

static void clock_now_honours_relctl_now(void **state)
{
	time_t t = 0;

	(void)state;
	setenv("RELCTL_NOW", "2024-03-19T10:00:00Z", 1);
	assert_int_equal(clock_now(&t), 0);
	assert_int_equal(t, T_2024_03_19_10_00);
	setenv("RELCTL_NOW", "tomorrow", 1);
	assert_int_equal(clock_now(&t), -1);
	setenv("RELCTL_NOW", "", 1); /* empty: the real clock */
	assert_int_equal(clock_now(&t), 0);
	assert_true(t > T_2024_03_19_10_00);
	unsetenv("RELCTL_NOW");
	assert_int_equal(clock_now(&t), 0);
	assert_true(t > T_2024_03_19_10_00);
}

static void age_format_says_ago_or_in(void **state)
{
	char out[32];
	time_t now = T_2024_03_19_10_00;

	(void)state;
	assert_string_equal(age_format(now - 3 * HOUR, now, out, sizeof(out)), "3h ago");
	assert_string_equal(age_format(now + 2 * DAY, now, out, sizeof(out)), "in 2d");
	assert_string_equal(age_format(now, now, out, sizeof(out)), "0m ago");
	assert_string_equal(age_format(now - 90 * MINUTE, now, out, sizeof(out)), "1h30m ago");
}

/* ---------- edit_distance, suggest ---------- */

static void edit_distance_counts_insertions_deletions_and_substitutions(void **state)
{
	(void)state;
	assert_int_equal(edit_distance("", ""), 0);
	assert_int_equal(edit_distance("status", "status"), 0);
	assert_int_equal(edit_distance("abc", ""), 3);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
	assert_int_equal(edit_distance("stats", "status"), 1);
	assert_int_equal(edit_distance("nmae", "name"), 2); /* a swap is two edits */
	assert_int_equal(edit_distance("flaw", "lawn"), 2);
}

static void edit_distance_is_symmetric(void **state)
{
	static const char *const words[] = { "", "a", "owner", "ownr", "estimate", "estimat", "min_duration" };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		for (j = 0; j < sizeof(words) / sizeof(words[0]); j++)
			assert_int_equal(edit_distance(words[i], words[j]), edit_distance(words[j], words[i]));
}

static void edit_distance_caps_long_words_at_100(void **state)
{
	char a[102], b[201];

	(void)state;
	memset(a, 'a', 101);
	a[101] = '\0';
	memset(b, 'b', 200);
	b[200] = '\0';
	assert_int_equal(edit_distance(a, "a"), 100);
	assert_int_equal(edit_distance("b", b), 100);
	assert_int_equal(edit_distance(a, b), 100);
	a[100] = '\0'; /* exactly 100 is still computed */
	assert_int_equal(edit_distance(a, ""), 100);
	assert_int_equal(edit_distance(a, "ab"), 99);
}

static const char *const keys[] = { "id", "title", "owner", "doc", "instructions", "needs", "when", "kind",
				     "hook", "evidence", "review", "estimate", "min_duration", "inputs", "on_delay" };
#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))

static void suggest_finds_typos_of_schema_keys(void **state)
{
	(void)state;
	assert_string_equal(suggest("ownr", keys, KEY_COUNT), "owner");
	assert_string_equal(suggest("estimat", keys, KEY_COUNT), "estimate");
	assert_string_equal(suggest("titel", keys, KEY_COUNT), "title");
	assert_string_equal(suggest("need", keys, KEY_COUNT), "needs");
	assert_string_equal(suggest("on-delay", keys, KEY_COUNT), "on_delay");
	assert_string_equal(suggest("min_durration", keys, KEY_COUNT), "min_duration");
}

static void suggest_stays_quiet_when_nothing_is_close(void **state)
{
	(void)state;
	assert_null(suggest("zzz", keys, KEY_COUNT));
	assert_null(suggest("description", keys, KEY_COUNT));
	assert_null(suggest("ownership-of-step", keys, KEY_COUNT));
	assert_null(suggest("owner", keys, 0));
}

static void suggest_allows_more_edits_for_longer_words(void **state)
{
	static const char *const words[] = { "dev", "support", "release-manager" };

	(void)state;
	/* Up to 3 characters, one edit... */
	assert_string_equal(suggest("dav", words, 3), "dev");
	assert_null(suggest("dxx", words, 3));
	/* ...up to 7, two... */
	assert_string_equal(suggest("suport", words, 3), "support");
	assert_string_equal(suggest("spuport", words, 3), "support");
	/* ...and from 8, three. */
	assert_string_equal(suggest("relase-mangr", words, 3), "release-manager");
	assert_null(suggest("rel-manager", words, 3));
}

static void suggest_falls_back_to_a_prefix(void **state)
{
	static const char *const commands[] = { "releases", "review", "reopen" };

	(void)state;
	assert_string_equal(suggest("rel", commands, 3), "releases");
	assert_string_equal(suggest("relea", commands, 3), "releases");
	/* Two characters are too few to guess from. */
	assert_null(suggest("re", (const char *const[]){ "releases" }, 1));
}

static void suggest_prefers_the_closest_and_then_the_first(void **state)
{
	static const char *const words[] = { "stats", "status", "start" };
	static const char *const tie[] = { "cat", "bat" };

	(void)state;
	assert_string_equal(suggest("statu", words, 3), "stats");
	assert_string_equal(suggest("statuss", words, 3), "status");
	assert_string_equal(suggest("rat", tie, 2), "cat");
}

/* ---------- random_hex ---------- */

static void url_is_web_takes_only_plain_http_and_https(void **state)
{
	(void)state;
	assert_true(url_is_web("https://ci.example.com/runs/4411?page=2#log"));
	assert_true(url_is_web("HTTP://example.com/a%20b"));
	assert_false(url_is_web("javascript:alert(document.cookie)"));
	assert_false(url_is_web("data:text/html,<script>alert(1)</script>"));
	assert_false(url_is_web(" https://example.com"));
	assert_false(url_is_web("https://"));
	assert_false(url_is_web("https://example.com/a b"));
	assert_false(url_is_web("https://example.com/\033[2J"));
	assert_false(url_is_web("https://example.com/\"onmouseover=\"x"));
	/* A parenthesis would end a markdown link: [1](https://x/a) [click](javascript:...) */
	assert_false(url_is_web("https://x/a)"));
	assert_false(url_is_web("https://example.com/caf\303\251"));
	assert_false(url_is_web(NULL));
}

static char *md(const char *text)
{
	struct buf b;

	buf_init(&b);
	buf_add_md_cell(&b, text);
	buf_addc(&b, '\0');
	return buf_detach(&b);
}

static char *evidence(const char *url, const char *label, bool html)
{
	struct buf b;

	buf_init(&b);
	html_evidence(&b, url, label, html);
	buf_addc(&b, '\0');
	return buf_detach(&b);
}

static void md_cell_keeps_ledger_text_from_making_cells_links_or_html(void **state)
{
	static const char *const cases[][2] = {
		{ "a | b", "a \\| b" },
		{ "[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))" },
		{ "\\[x]", "\\\\\\[x\\]" },
		{ "<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)>" },
		{ "</td><!-- x --><?php", "&lt;/td>&lt;!-- x -->&lt;?php" },
		{ "&lt;script&gt; &#60;", "&amp;lt;script&amp;gt; &amp;#60;" },
		{ "a < b, R&D, 3 > 2, <3", "a < b, R&D, 3 > 2, <3" },
		{ "two\nlines\r\n", "two lines  " },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = md(cases[i][0]);

		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

static void evidence_links_only_http_and_https(void **state)
{
	static const char *const cases[][4] = {
		/* url, label, html, markdown */
		{ "https://v.example.com/a.mp4#t=42", "link 1", "<a href=\"https://v.example.com/a.mp4#t=42\">link 1</a>",
		  "[link 1](https://v.example.com/a.mp4#t=42)" },
		{ "javascript:alert(1)", "2", "2: javascript:alert(1)", "2: javascript:alert(1)" },
		{ "data:text/html,<script>x</script>", "footage 1", "footage 1: data:text/html,&lt;script&gt;x&lt;/script&gt;",
		  "footage 1: data:text/html,&lt;script>x&lt;/script>" },
		{ "https://x/a)[y](javascript:z)", "3", "3: https://x/a)[y](javascript:z)", "3: https://x/a)\\[y\\](javascript:z)" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *html = evidence(cases[i][0], cases[i][1], true), *markdown = evidence(cases[i][0], cases[i][1], false);

		assert_string_equal(html, cases[i][2]);
		assert_string_equal(markdown, cases[i][3]);
		free(html);
		free(markdown);
	}
}

static void json_parse_ledger_refuses_what_jq_would_read_differently(void **state)
{
	static const struct {
		const char *text;
		bool every_key;
		const char *why; /* NULL: parsed */
	} cases[] = {
		{ "{\"a\": 1, \"b\": [1, {\"c\": \"x\"}]}\n", true, NULL },
		{ "{\"a\": 1} \n\t", true, NULL },
		{ "{\"a\": 1} {\"a\": 2}", true, "has bytes after its JSON document" },
		{ "{\"a\": 1}x", true, "has bytes after its JSON document" },
		{ "{\"a\": 1, \"a\": 2}", true, "has the key \"a\" twice in one object, which relctl never writes" },
		{ "{\"a\": 1, \"a\": 2}", false, "has the key \"a\" twice in one object, which relctl never writes" },
		{ "{\"e\": [{\"x\": 1, \"y\": 2, \"x\": 3}]}", true, "has the key \"x\" twice in one object, which relctl never writes" },
		/* Below the top, only when every key is asked for (the judge checks new events itself). */
		{ "{\"e\": [{\"x\": 1, \"x\": 3}]}", false, NULL },
		{ "{\"n\": \"a\\u0000b\"}", true, "has a NUL character (\\u0000) in a string, which relctl never writes" },
		/* An escaped backslash before u0000 is text, not a NUL. */
		{ "{\"n\": \"a\\\\u0000b\"}", true, NULL },
		{ "{\"n\": \"a\\\\\\u0000b\"}", true, "has a NUL character (\\u0000) in a string, which relctl never writes" },
		{ "{\"n\": ", true, "is not valid JSON" },
	};
	char why[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *doc = json_parse_ledger(cases[i].text, strlen(cases[i].text), cases[i].every_key, why, sizeof(why));

		if (cases[i].why) {
			assert_null(doc);
			assert_string_equal(why, cases[i].why);
		} else {
			assert_non_null(doc);
		}
		cJSON_Delete(doc);
	}
}

static void json_key_twice_finds_a_second_key_in_big_objects_too(void **state)
{
	cJSON *obj = cJSON_CreateObject(), *inner = cJSON_CreateObject();
	char key[16];
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		cJSON_AddNumberToObject(obj, key, i);
	}
	assert_null(json_key_twice(obj));
	cJSON_AddNumberToObject(obj, "k17", 1);
	assert_string_equal(json_key_twice(obj), "k17");
	cJSON_AddNumberToObject(inner, "z", 1);
	cJSON_AddNumberToObject(inner, "z", 2);
	cJSON_AddItemToObject(obj, "inner", inner);
	assert_non_null(json_key_twice(obj));
	cJSON_Delete(obj);
}

static void random_hex_writes_lower_case_hex(void **state)
{
	char a[2 * 16 + 1], b[2 * 16 + 1], big[2 * 65 + 1];
	size_t i;

	(void)state;
	assert_int_equal(random_hex(a, 16), 0);
	assert_int_equal(strlen(a), 32);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	assert_int_equal(random_hex(b, 16), 0);
	assert_string_not_equal(a, b);
	assert_int_equal(random_hex(a, 0), 0);
	assert_string_equal(a, "");
	assert_int_equal(random_hex(big, 65), -1);
}


static void split_ok(const char *text, const char *want_name, const char *want_addr)
{
	char *name = NULL, *addr = NULL;

	if (!mail_address_split(text, &name, &addr))
		fail_msg("\"%s\" refused", text);
	assert_string_equal(name, want_name);
	assert_string_equal(addr, want_addr);
	free(name);
	free(addr);
}

static void mail_addresses_split_into_name_and_address(void **state)
{
	static const char *const refused[] = { "", "releases", "@example.com", "r@", "a@b@c", "a b@example.com",
					       "a@example.com, b@example.com", "Name <a@example.com", "Name a@example.com>",
					       "<a@example.com> trailing", "Name <a@example.com>\r\nBcc: x@y",
					       "a@example.com\n", "<<a@example.com>>", "\"x\"@example.com" };
	char *name = NULL, *addr = NULL;
	size_t i;

	(void)state;
	split_ok("releases@example.com", "", "releases@example.com");
	split_ok("  releases@example.com ", "", "releases@example.com");
	split_ok("TinyPilot <releases@example.com>", "TinyPilot", "releases@example.com");
	split_ok("\"TinyPilot, Inc.\" < releases@example.com >", "\"TinyPilot, Inc.\"", "releases@example.com");
	split_ok("<releases@example.com>", "", "releases@example.com");
	split_ok("Jürgen <j@example.com>", "Jürgen", "j@example.com");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (mail_address_split(refused[i], &name, &addr))
			fail_msg("\"%s\" accepted as \"%s\" <%s>", refused[i], name, addr);
}

/* ---------- library_load: libraries loaded on first use ---------- */

/* zlib is on every machine relctl runs on (libgit2 links it): a real library to load. */
static struct {
	const char *(*version)(void);
} zlib;

static const struct library_symbol zlib_symbols[] = {
	LIBRARY_SYMBOL(__typeof__(zlib), version, "zlibVersion"),
};

static void library_load_fills_every_function_once(void **state)
{
	struct library lib = { "libz.so.1", "zlib1g", "tests need it", zlib_symbols, 1, &zlib, NULL };
	struct error err;

	(void)state;
	zlib.version = NULL;
	assert_false(library_loaded(&lib));
	assert_int_equal(library_load(&lib, &err), 0);
	assert_true(library_loaded(&lib));
	assert_non_null(zlib.version);
	assert_int_equal(strncmp(zlib.version(), "1.", 2), 0);
	/* Loaded once: a second call changes nothing. */
	assert_int_equal(library_load(&lib, &err), 0);
}

static void library_load_refuses_a_missing_library_in_one_line(void **state)
{
	struct library lib = { "librelctl-absent.so.7", "librelctl-absent7", "tests need it", zlib_symbols, 1, &zlib,
			       NULL };
	struct error err;

	(void)state;
	assert_int_equal(library_load(&lib, &err), -1);
	assert_int_equal(err.code, EXIT_UNAVAILABLE);
	assert_non_null(strstr(err.message, "cannot load librelctl-absent.so.7 (tests need it)"));
	assert_non_null(strstr(err.message, "; install librelctl-absent7"));
	assert_null(strchr(err.message, '\n'));
	assert_false(library_loaded(&lib));
}

static void library_load_refuses_a_library_without_one_function(void **state)
{
	static const struct library_symbol symbols[] = {
		LIBRARY_SYMBOL(__typeof__(zlib), version, "zlibVersion"),
		LIBRARY_SYMBOL(__typeof__(zlib), version, "relctl_no_such_function"),
	};
	struct library lib = { "libz.so.1", "zlib1g", "tests need it", symbols, 2, &zlib, NULL };
	struct error err;

	(void)state;
	assert_int_equal(library_load(&lib, &err), -1);
	assert_int_equal(err.code, EXIT_UNAVAILABLE);
	assert_string_equal(err.message, "libz.so.1 has no relctl_no_such_function (tests need it); install zlib1g");
	assert_false(library_loaded(&lib));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(library_load_fills_every_function_once),
		cmocka_unit_test(library_load_refuses_a_missing_library_in_one_line),
		cmocka_unit_test(library_load_refuses_a_library_without_one_function),
		cmocka_unit_test(duration_parse_accepts_each_unit),
		cmocka_unit_test(duration_parse_adds_up_compound_durations),
		cmocka_unit_test(duration_parse_accepts_zero_and_leading_zeros),
		cmocka_unit_test(duration_parse_refuses_missing_number_or_unit),
		cmocka_unit_test(duration_parse_refuses_unknown_units_and_case),
		cmocka_unit_test(duration_parse_refuses_signs_and_whitespace),
		cmocka_unit_test(duration_parse_caps_at_ten_years),
		cmocka_unit_test(duration_parse_refuses_overflow),
		cmocka_unit_test(duration_format_writes_the_largest_units),
		cmocka_unit_test(duration_format_keeps_two_parts_at_most),
		cmocka_unit_test(duration_format_uses_days_for_broken_weeks),
		cmocka_unit_test(duration_format_writes_zero_and_negative_as_0m),
		cmocka_unit_test(duration_format_drops_seconds_next_to_larger_units),
		cmocka_unit_test(duration_format_stays_inside_a_small_buffer),
		cmocka_unit_test(duration_format_round_trips_through_parse),
		cmocka_unit_test(identifier_valid_accepts_the_documented_forms),
		cmocka_unit_test(identifier_valid_refuses_upper_case_spaces_and_leading_punctuation),
		cmocka_unit_test(identifier_valid_allows_64_characters),
		cmocka_unit_test(version_valid_accepts_semver_and_tags),
		cmocka_unit_test(version_valid_refuses_paths_and_punctuation),
		cmocka_unit_test(version_valid_allows_64_characters),
		cmocka_unit_test(time_parse_reads_utc),
		cmocka_unit_test(time_parse_applies_offsets),
		cmocka_unit_test(time_parse_ignores_fractions_of_a_second),
		cmocka_unit_test(time_parse_refuses_bad_forms),
		cmocka_unit_test(time_parse_refuses_out_of_range_fields),
		cmocka_unit_test(time_parse_knows_the_length_of_each_month),
		cmocka_unit_test(time_parse_accepts_a_leap_second),
		cmocka_unit_test(time_format_writes_utc_rfc3339),
		cmocka_unit_test(time_format_round_trips_through_parse),
		cmocka_unit_test(clock_now_honours_relctl_now),
		cmocka_unit_test(age_format_says_ago_or_in),
		cmocka_unit_test(edit_distance_counts_insertions_deletions_and_substitutions),
		cmocka_unit_test(edit_distance_is_symmetric),
		cmocka_unit_test(edit_distance_caps_long_words_at_100),
		cmocka_unit_test(suggest_finds_typos_of_schema_keys),
		cmocka_unit_test(suggest_stays_quiet_when_nothing_is_close),
		cmocka_unit_test(suggest_allows_more_edits_for_longer_words),
		cmocka_unit_test(suggest_falls_back_to_a_prefix),
		cmocka_unit_test(suggest_prefers_the_closest_and_then_the_first),
		cmocka_unit_test(url_is_web_takes_only_plain_http_and_https),
		cmocka_unit_test(md_cell_keeps_ledger_text_from_making_cells_links_or_html),
		cmocka_unit_test(evidence_links_only_http_and_https),
		cmocka_unit_test(json_parse_ledger_refuses_what_jq_would_read_differently),
		cmocka_unit_test(json_key_twice_finds_a_second_key_in_big_objects_too),
		cmocka_unit_test(random_hex_writes_lower_case_hex),
		cmocka_unit_test(mail_addresses_split_into_name_and_address),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}

/*
 * What stands between a browser and the ledger in relctl board
 * (src/board-guard.c) and the markdown it renders (src/markdown.c): the
 * Host and Origin checks, the token and its cookie, the CSRF token of a
 * form, form decoding, the escaping of ledger text, the safe redirect, and
 * cmark with raw HTML and unsafe links left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "board-guard.h"
#include "buf.h"
#include "markdown.h"

#define TOKEN "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CSRF  "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static const struct board_guard guard = {.port = 8123, .token = TOKEN, .csrf = CSRF, .cookie = "relctl_board_8123"};

static void the_host_must_name_this_board_on_loopback(void **state)
{
	(void)state;
	assert_true(board_host_ok("127.0.0.1:8123", 8123));
	assert_true(board_host_ok("localhost:8123", 8123));
	assert_true(board_host_ok("LOCALHOST:8123", 8123));
	/* DNS rebinding: a name of the attacker's that resolves to 127.0.0.1. */
	assert_false(board_host_ok("evil.example:8123", 8123));
	assert_false(board_host_ok("127.0.0.1", 8123));
	assert_false(board_host_ok("127.0.0.1:81234", 8123));
	assert_false(board_host_ok("127.0.0.1:8124", 8123));
	assert_false(board_host_ok("localhost.evil.example:8123", 8123));
	assert_false(board_host_ok("127.0.0.1:8123.evil.example", 8123));
	assert_false(board_host_ok(NULL, 8123));
}

static void an_origin_is_absent_or_this_board(void **state)
{
	(void)state;
	assert_true(board_origin_ok(NULL, 8123));
	assert_true(board_origin_ok("http://127.0.0.1:8123", 8123));
	assert_true(board_origin_ok("http://localhost:8123", 8123));
	assert_false(board_origin_ok("null", 8123));
	assert_false(board_origin_ok("http://evil.example", 8123));
	assert_false(board_origin_ok("https://127.0.0.1:8123", 8123));
	assert_false(board_origin_ok("http://127.0.0.1:8124", 8123));
}

static void tokens_compare_whole(void **state)
{
	(void)state;
	assert_true(board_token_equal(TOKEN, TOKEN));
	assert_false(board_token_equal(TOKEN "a", TOKEN));
	assert_false(board_token_equal("aaaa", TOKEN));
	assert_false(board_token_equal("", ""));
	assert_false(board_token_equal(NULL, TOKEN));
	assert_false(board_token_equal(TOKEN, NULL));
}

static void the_cookie_is_found_by_its_exact_name(void **state)
{
	char *v;

	(void)state;
	v = board_cookie("a=1; relctl_board_8123=xyz; b=2", "relctl_board_8123");
	assert_string_equal(v, "xyz");
	free(v);
	v = board_cookie("relctl_board_8123=first", "relctl_board_8123");
	assert_string_equal(v, "first");
	free(v);
	assert_null(board_cookie("relctl_board_81234=xyz; xrelctl_board_8123=q", "relctl_board_8123"));
	assert_null(board_cookie(NULL, "relctl_board_8123"));
	assert_null(board_cookie("", "relctl_board_8123"));
}

static int check(const char *method, const char *host, const char *origin, const char *cookie, const char *query,
                 const char *csrf)
{
	struct board_request r = {method, host, origin, cookie, query, csrf};
	const char *why = NULL;
	int status = board_guard_check(&guard, &r, &why);

	if (status)
		assert_non_null(why);
	return status;
}

static void reads_need_the_token_in_the_cookie_or_the_url(void **state)
{
	const char *host = "127.0.0.1:8123";

	(void)state;
	assert_int_equal(check("GET", host, NULL, "relctl_board_8123=" TOKEN, NULL, NULL), 0);
	assert_int_equal(check("GET", host, NULL, NULL, TOKEN, NULL), 0);
	assert_int_equal(check("GET", host, NULL, NULL, NULL, NULL), 403);
	assert_int_equal(check("GET", host, NULL, "relctl_board_8123=" CSRF, NULL, NULL), 403);
	assert_int_equal(check("GET", host, NULL, "relctl_board_9999=" TOKEN, NULL, NULL), 403);
	/* The right token does not help through another Host. */
	assert_int_equal(check("GET", "evil.example:8123", NULL, "relctl_board_8123=" TOKEN, TOKEN, NULL), 403);
}

static void changes_need_the_cookie_the_csrf_token_and_no_foreign_origin(void **state)
{
	const char *host = "127.0.0.1:8123", *cookie = "relctl_board_8123=" TOKEN;

	(void)state;
	assert_int_equal(check("POST", host, NULL, cookie, NULL, CSRF), 0);
	assert_int_equal(check("POST", host, "http://127.0.0.1:8123", cookie, NULL, CSRF), 0);
	assert_int_equal(check("POST", host, NULL, cookie, NULL, NULL), 403);
	assert_int_equal(check("POST", host, NULL, cookie, NULL, TOKEN), 403);
	assert_int_equal(check("POST", host, NULL, cookie, NULL, ""), 403);
	assert_int_equal(check("POST", host, "http://evil.example", cookie, NULL, CSRF), 403);
	assert_int_equal(check("POST", host, "null", cookie, NULL, CSRF), 403);
	/* A link carrying the token cannot make a change: only the cookie can. */
	assert_int_equal(check("POST", host, NULL, NULL, TOKEN, CSRF), 403);
	assert_int_equal(check("PUT", host, NULL, cookie, NULL, CSRF), 405);
}

static void forms_decode_plus_and_percent_and_refuse_nul(void **state)
{
	struct form f;
	const char body[] =
	    "op=check&note=two+words%21&evidence=https%3A%2F%2Fv.example%2F1%0Ahttps%3A%2F%2Fv.example%2F2&empty=&flag";

	(void)state;
	assert_int_equal(form_parse(&f, body, strlen(body)), 0);
	assert_string_equal(form_get(&f, "op"), "check");
	assert_string_equal(form_get(&f, "note"), "two words!");
	assert_string_equal(form_get(&f, "evidence"), "https://v.example/1\nhttps://v.example/2");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "flag"), "");
	assert_null(form_get(&f, "missing"));
	form_release(&f);
	assert_int_equal(form_parse(&f, "a=%00", 5), -1);
	assert_int_equal(form_parse(&f, "a=%4", 4), -1);
	assert_int_equal(form_parse(&f, "a=%zz", 5), -1);
	assert_int_equal(form_parse(&f, "a=b\0c", 5), -1);
	assert_int_equal(form_parse(&f, "", 0), 0);
	assert_int_equal((int)f.count, 0);
	form_release(&f);
}

static char *escaped(const char *text)
{
	struct buf b;

	buf_init(&b);
	board_escape(&b, text);
	return buf_detach(&b);
}

static void ledger_text_is_escaped_for_html_and_control_bytes_show(void **state)
{
	char *got;

	(void)state;
	got = escaped("<script>alert('x')</script> & \"q\"");
	assert_string_equal(got, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	free(got);
	got = escaped("\033[31mred\x7f");
	assert_string_equal(got, "\\x1b[31mred\\u007f");
	free(got);
	/* A right-to-left override would reorder what the page shows. */
	got = escaped("a\xe2\x80\xae"
	              "b");
	assert_string_equal(got, "a\\u202eb");
	free(got);
	got = escaped("\xff<");
	assert_string_equal(got, "\\xff&lt;");
	free(got);
	got = escaped(NULL);
	assert_string_equal(got, "");
	free(got);
}

static void redirects_stay_on_the_board(void **state)
{
	(void)state;
	assert_true(board_local_path("/"));
	assert_true(board_local_path("/step?release=2.6.3&step=build-rc"));
	assert_false(board_local_path("//evil.example/"));
	assert_false(board_local_path("/\\evil.example"));
	assert_false(board_local_path("https://evil.example/"));
	assert_false(board_local_path("/a\r\nSet-Cookie: x=y"));
	assert_false(board_local_path(""));
	assert_false(board_local_path(NULL));
}

static void urls_encode_everything_but_unreserved(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	url_encode(&b, "2.6.3-rc_1~ a&b=c/\"<");
	assert_string_equal(b.data, "2.6.3-rc_1~%20a%26b%3Dc%2F%22%3C");
	buf_release(&b);
}

static void markdown_renders_without_raw_html_or_unsafe_links(void **state)
{
	const char md[] =
	    "# Title\n\n**bold** <script>alert(1)</script>\n\n<div onclick=\"x()\">raw</div>\n\n"
	    "[bad](javascript:alert(2)) [ok](https://ok.example/) ![img](data:text/html,x)\n\nesc \033[2J here\n";
	char *html = markdown_html(md, strlen(md));

	(void)state;
	assert_non_null(strstr(html, "<h1>Title</h1>"));
	assert_non_null(strstr(html, "<strong>bold</strong>"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<div"));
	assert_null(strstr(html, "onclick"));
	assert_null(strstr(html, "javascript:"));
	assert_non_null(strstr(html, "<a href=\"https://ok.example/\">ok</a>"));
	assert_null(strstr(html, "data:text/html"));
	assert_null(strchr(html, '\033'));
	assert_non_null(strstr(html, "\\x1b[2J"));
	free(html);
}

static void pipe_tables_become_tables_with_their_cells_rendered_safely(void **state)
{
	const char md[] =
	    "Before\n\n| Step | Result \\| note | Evidence |\n|---|---|---|\n"
	    "| build | done \\| ok | [link 1](https://ci.example/1) |\n| <b>x</b> | **pass** | [bad](javascript:x) |\n"
	    "| - | # not a heading | > not a quote |\n| * | + | *em* |\n\nAfter\n";
	char *html = markdown_html(md, strlen(md));

	(void)state;
	assert_non_null(strstr(html, "<p>Before</p>\n<table>"));
	assert_non_null(strstr(html, "<th>Step</th><th>Result | note</th><th>Evidence</th>"));
	assert_non_null(
	    strstr(html, "<td>build</td><td>done | ok</td><td><a href=\"https://ci.example/1\">link 1</a></td>"));
	assert_non_null(strstr(html, "<td><strong>pass</strong></td>"));
	assert_null(strstr(html, "<b>"));
	assert_non_null(strstr(html, "<td>-</td><td># not a heading</td><td>&gt; not a quote</td>"));
	assert_non_null(strstr(html, "<td>*</td><td>+</td><td><em>em</em></td>"));
	assert_null(strstr(html, "<ul>"));
	assert_null(strstr(html, "javascript:"));
	assert_non_null(strstr(html, "</table>\n<p>After</p>"));
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_host_must_name_this_board_on_loopback),
	    cmocka_unit_test(an_origin_is_absent_or_this_board),
	    cmocka_unit_test(tokens_compare_whole),
	    cmocka_unit_test(the_cookie_is_found_by_its_exact_name),
	    cmocka_unit_test(reads_need_the_token_in_the_cookie_or_the_url),
	    cmocka_unit_test(changes_need_the_cookie_the_csrf_token_and_no_foreign_origin),
	    cmocka_unit_test(forms_decode_plus_and_percent_and_refuse_nul),
	    cmocka_unit_test(ledger_text_is_escaped_for_html_and_control_bytes_show),
	    cmocka_unit_test(redirects_stay_on_the_board),
	    cmocka_unit_test(urls_encode_everything_but_unreserved),
	    cmocka_unit_test(markdown_renders_without_raw_html_or_unsafe_links),
	    cmocka_unit_test(pipe_tables_become_tables_with_their_cells_rendered_safely),
	};

	return cmocka_run_group_tests_name("board", tests, NULL, NULL);
}

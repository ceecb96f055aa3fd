/* Unit tests for the HTML pages' escaping and export parts. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "htmlview.h"

/* Escapes text and returns a copy of the result that the caller frees. */
static char *escaped(const char *text)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	ck_assert_int_eq(html_escape(&b, text), 0);
	char *copy = strdup(buf_cstr(&b));
	buf_free(&b);
	return copy;
}

static void assert_escapes(const char *text, const char *expected)
{
	char *got = escaped(text);
	ck_assert_str_eq(got, expected);
	free(got);
}

START_TEST(escape_markup_characters)
{
	assert_escapes("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_escapes("a & b", "a &amp; b");
	assert_escapes("\"'><img src=x onerror=y>", "&quot;&#39;&gt;&lt;img src=x onerror=y&gt;");
	assert_escapes("&amp;", "&amp;amp;");
	assert_escapes("plain text", "plain text");
	assert_escapes("", "");
}
END_TEST

START_TEST(escape_keeps_valid_utf8)
{
	assert_escapes("Müller × 日本 😀", "Müller × 日本 😀");
}
END_TEST

START_TEST(escape_replaces_invalid_utf8)
{
	assert_escapes("a\xff" "b", "a\xef\xbf\xbd" "b");
	assert_escapes("\xc3", "\xef\xbf\xbd");                      /* truncated sequence */
	assert_escapes("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  /* UTF-16 surrogate */
	assert_escapes("\xc0\xbc", "\xef\xbf\xbd\xef\xbf\xbd");      /* overlong "<" */
}
END_TEST

START_TEST(escape_replaces_control_characters)
{
	assert_escapes("a\x01z", "a\xef\xbf\xbdz");
	assert_escapes("a\x7fz", "a\xef\xbf\xbdz");
	assert_escapes("tab\tand\nnewline", "tab\tand\nnewline");
	assert_escapes("\r", "\xef\xbf\xbd");
}
END_TEST

START_TEST(escape_null_appends_nothing)
{
	struct buf b;
	buf_init(&b, 16);
	ck_assert_int_eq(html_escape(&b, NULL), 0);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

START_TEST(escape_respects_buffer_cap)
{
	struct buf b;
	buf_init(&b, 8);
	ck_assert_int_eq(html_escape(&b, "<<<"), -1);
	buf_free(&b);
}
END_TEST

START_TEST(export_image_lines_escaped)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	ck_assert_int_eq(htmlview_export_image(&b, "http://x/<a>", NULL, 0, "The <b> failed."), 0);
	ck_assert_str_eq(buf_cstr(&b), "<li>http://x/&lt;a&gt;: failed. The &lt;b&gt; failed.</li>");
	buf_free(&b);

	buf_init(&b, 1 << 16);
	ck_assert_int_eq(htmlview_export_image(&b, "http://x/a", "\"a\".png", 1500, NULL), 0);
	ck_assert_str_eq(buf_cstr(&b), "<li>&quot;a&quot;.png: added, 1.5 kB.</li>");
	buf_free(&b);
}
END_TEST

START_TEST(export_done_link_encodes_name)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	ck_assert_int_eq(htmlview_export_done(&b, "0123456789abcdef0123456789abcdef", "My \"pics\" & more",
					      2, 1, 2048, 24), 0);
	const char *page = buf_cstr(&b);
	ck_assert_ptr_nonnull(strstr(page, "href=\"export.cgi?token=0123456789abcdef0123456789abcdef"
				    "&amp;name=My%20%22pics%22%20%26%20more\""));
	ck_assert_ptr_nonnull(strstr(page, "Done: 2 images in the ZIP file (2.0 kB), 1 failed."));
	ck_assert_ptr_nonnull(strstr(page, "kept for 24 hours"));
	ck_assert_ptr_nonnull(strstr(page, "href=\"../privacy.html\""));
	buf_free(&b);
}
END_TEST

START_TEST(export_done_without_token)
{
	struct buf b;
	buf_init(&b, 1 << 16);
	ck_assert_int_eq(htmlview_export_done(&b, NULL, NULL, 0, 3, 0, 24), 0);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "no ZIP file was made"));
	ck_assert_ptr_null(strstr(buf_cstr(&b), "token="));
	buf_free(&b);
}
END_TEST

static Suite *htmlview_suite(void)
{
	Suite *s = suite_create("htmlview");
	TCase *tc = tcase_create("escaping");
	tcase_add_test(tc, escape_markup_characters);
	tcase_add_test(tc, escape_keeps_valid_utf8);
	tcase_add_test(tc, escape_replaces_invalid_utf8);
	tcase_add_test(tc, escape_replaces_control_characters);
	tcase_add_test(tc, escape_null_appends_nothing);
	tcase_add_test(tc, escape_respects_buffer_cap);
	tcase_add_test(tc, export_image_lines_escaped);
	tcase_add_test(tc, export_done_link_encodes_name);
	tcase_add_test(tc, export_done_without_token);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(htmlview_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Unit tests for the buffer and the JSON writer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "json.h"

START_TEST(buf_cap_enforced)
{
	struct buf b;
	buf_init(&b, 8);
	ck_assert_int_eq(buf_append_str(&b, "12345678"), 0);
	errno = 0;
	ck_assert_int_eq(buf_append_char(&b, 'x'), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_str_eq(buf_cstr(&b), "12345678");
	ck_assert_int_eq(buf_printf(&b, "%d", 1), -1);
	ck_assert_uint_eq(b.len, 8);
	buf_free(&b);
	ck_assert_str_eq(buf_cstr(&b), "");
}
END_TEST

START_TEST(buf_grows_and_detaches)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		ck_assert_int_eq(buf_printf(&b, "%04d", i % 10000), 0);
	ck_assert_uint_eq(b.len, 40000);
	size_t len;
	char *data = buf_detach(&b, &len);
	ck_assert_uint_eq(len, 40000);
	ck_assert_int_eq(strncmp(data + 39996, "9999", 4), 0);
	ck_assert_uint_eq(b.len, 0);
	free(data);
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	size_t len;
	const char *out;
} string_cases[] = {
	{ "plain", "abc", 3, "\"abc\"" },
	{ "quote and backslash", "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
	{ "controls", "\n\r\t\x01\x7f", 5, "\"\\n\\r\\t\\u0001\\u007f\"" },
	{ "markup escaped", "<img src=x>&", 12, "\"\\u003cimg src=x\\u003e\\u0026\"" },
	{ "valid utf-8 kept", "\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\"" },
	{ "line separators escaped", "\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"" },
	{ "invalid byte replaced", "a\xffz", 3, "\"a\\ufffdz\"" },
	{ "overlong replaced", "\xc0\xaf", 2, "\"\\ufffd\\ufffd\"" },
	{ "surrogate replaced", "\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "truncated sequence replaced", "\xe6\x97", 2, "\"\\ufffd\\ufffd\"" },
	{ "above U+10FFFF replaced", "\xf4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "nul escaped", "a\0b", 3, "\"a\\u0000b\"" },
};

START_TEST(json_string_table)
{
	for (size_t i = 0; i < sizeof string_cases / sizeof string_cases[0]; i++) {
		struct buf b;
		buf_init(&b, 1024);
		ck_assert_int_eq(json_string_n(&b, string_cases[i].in, string_cases[i].len), 0);
		ck_assert_msg(strcmp(buf_cstr(&b), string_cases[i].out) == 0, "%s: got %s",
			      string_cases[i].name, buf_cstr(&b));
		buf_free(&b);
	}
}
END_TEST

START_TEST(json_null_and_numbers)
{
	struct buf b;
	buf_init(&b, 1024);
	ck_assert_int_eq(json_string(&b, NULL), 0);
	ck_assert_int_eq(json_number_or_null(&b, -1), 0);
	ck_assert_int_eq(json_number_or_null(&b, 640), 0);
	ck_assert_int_eq(json_key(&b, "k"), 0);
	ck_assert_str_eq(buf_cstr(&b), "nullnull640\"k\":");
	buf_free(&b);
}
END_TEST

START_TEST(json_respects_buffer_cap)
{
	struct buf b;
	buf_init(&b, 4);
	ck_assert_int_eq(json_string(&b, "abcdef"), -1);
	buf_free(&b);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("output");
	tcase_add_test(tc, buf_cap_enforced);
	tcase_add_test(tc, buf_grows_and_detaches);
	tcase_add_test(tc, json_string_table);
	tcase_add_test(tc, json_null_and_numbers);
	tcase_add_test(tc, json_respects_buffer_cap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

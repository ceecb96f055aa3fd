/* Unit tests for ZIP entry names derived from image URLs. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "zipname.h"

struct name_case {
	const char *url;
	const char *extension;
	const char *expected;
};

static const struct name_case name_cases[] = {
	{ "https://example.test/img/cat.jpg", "jpg", "cat.jpg" },
	{ "https://example.test/img/cat.jpg?size=large#top", "jpg", "cat.jpg" },
	{ "https://example.test/img/cat.JPEG", "jpg", "cat.JPEG" },
	{ "https://example.test/img/scan.tif", "tiff", "scan.tif" },
	{ "https://example.test/img/cat.png", "jpg", "cat.jpg" },
	{ "https://example.test/img/cat", "webp", "cat.webp" },
	{ "https://example.test/img/photo.php?id=3", "gif", "photo.gif" },
	{ "https://example.test/img/v1.2.3", "png", "v1.2.3.png" },
	{ "https://example.test/", "png", "image.png" },
	{ "https://example.test", "png", "image.png" },
	{ "https://example.test?x=/a.jpg", "png", "image.png" },
	{ "data:image/png;base64,iVBORw0KGgo/AAAA", "png", "image.png" },
	{ "https://example.test/a%20b%2Bc.gif", "gif", "a b+c.gif" },
	{ "https://example.test/100%25.gif", "gif", "100%.gif" },
	{ "https://example.test/bad%zzescape%4.gif", "gif", "bad%zzescape%4.gif" },
	/* Path traversal and absolute paths hidden in percent-encoding. */
	{ "https://example.test/..%2Fx.jpg", "jpg", "x.jpg" },
	{ "https://example.test/..%2F..%2F..%2Fetc%2Fx.jpg", "jpg", "etc_x.jpg" },
	{ "https://example.test/%2Fetc%2Fx.jpg", "jpg", "etc_x.jpg" },
	{ "https://example.test/..", "jpg", "image.jpg" },
	{ "https://example.test/%2E%2E", "jpg", "image.jpg" },
	{ "https://example.test/C:%5Cx.jpg", "jpg", "x.jpg" },
	{ "https://example.test/c%3Ax.jpg", "jpg", "x.jpg" },
	{ "https://example.test/%5C%5Chost%5Cshare%5Cx.jpg", "jpg", "x.jpg" },
	{ "https://example.test/a%5Cb.jpg", "jpg", "a_b.jpg" },
	{ "/etc/x.jpg", "jpg", "x.jpg" },
	{ "../x.jpg", "jpg", "x.jpg" },
	/* Characters and names Windows rejects. */
	{ "https://example.test/x%3F.jpg", "jpg", "x_.jpg" },
	{ "https://example.test/%3C%3E%3A%22%7C%3F%2A.jpg", "jpg", "_______.jpg" },
	{ "https://example.test/x.jpg.", "jpg", "x.jpg" },
	{ "https://example.test/x.%20.", "jpg", "x.jpg" },
	{ "https://example.test/x%20.jpg", "jpg", "x.jpg" },
	{ "https://example.test/.hidden.jpg", "jpg", "hidden.jpg" },
	{ "https://example.test/CON.jpg", "jpg", "_CON.jpg" },
	{ "https://example.test/con", "png", "_con.png" },
	{ "https://example.test/Nul.tar.jpg", "jpg", "_Nul.tar.jpg" },
	{ "https://example.test/aux%20.jpg", "jpg", "_aux.jpg" },
	{ "https://example.test/COM1.jpg", "jpg", "_COM1.jpg" },
	{ "https://example.test/lpt9.gif", "gif", "_lpt9.gif" },
	{ "https://example.test/COM%C2%B9.gif", "gif", "_COM\xC2\xB9.gif" },
	{ "https://example.test/COM10.jpg", "jpg", "COM10.jpg" },
	{ "https://example.test/CONSOLE.jpg", "jpg", "CONSOLE.jpg" },
	{ "https://example.test/COM0.jpg", "jpg", "COM0.jpg" },
	/* Control characters, DEL and bidirectional overrides are dropped. */
	{ "https://example.test/a%00b%01c%1Fd%7Fe.png", "png", "abcde.png" },
	{ "https://example.test/a%C2%85b.png", "png", "ab.png" },
	{ "https://example.test/x%E2%80%AEgpj.exe", "png", "xgpj.png" },
	{ "https://example.test/a%0D%0Ab.png", "png", "ab.png" },
	/* Invalid UTF-8 becomes U+FFFD. */
	{ "https://example.test/a%FFb.png", "png", "a\xEF\xBF\xBD" "b.png" },
	{ "https://example.test/%C3.png", "png", "\xEF\xBF\xBD.png" },
	{ "https://example.test/%C0%AF.png", "png", "\xEF\xBF\xBD\xEF\xBF\xBD.png" },
	{ "https://example.test/%ED%A0%80.png", "png", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.png" },
	{ "https://example.test/%F4%90%80%80.png", "png",
	  "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.png" },
	/* Scripts and normalization forms pass through unchanged. */
	{ "https://example.test/%E7%8C%AB.jpg", "jpg", "\xE7\x8C\xAB.jpg" },
	{ "https://example.test/\xE5\x86\x99\xE7\x9C\x9F.jpg", "jpg", "\xE5\x86\x99\xE7\x9C\x9F.jpg" },
	{ "https://example.test/%F0%9F%90%88.png", "png", "\xF0\x9F\x90\x88.png" },
	{ "https://example.test/%D7%97%D7%AA%D7%95%D7%9C.png", "png", "\xD7\x97\xD7\xAA\xD7\x95\xD7\x9C.png" },
	{ "https://example.test/%D9%82%D8%B7.png", "png", "\xD9\x82\xD8\xB7.png" },
	{ "https://example.test/caf%C3%A9.png", "png", "caf\xC3\xA9.png" },
	{ "https://example.test/cafe%CC%81.png", "png", "cafe\xCC\x81.png" },
};

START_TEST(zipname_cases)
{
	const struct name_case *c = &name_cases[_i];
	struct zipname_set set;
	zipname_set_init(&set);
	char *name = zipname_make(&set, c->url, c->extension);
	ck_assert_ptr_nonnull(name);
	ck_assert_msg(strcmp(name, c->expected) == 0, "%s: got \"%s\", expected \"%s\"",
		      c->url, name, c->expected);
	ck_assert_uint_eq(set.count, 1);
	free(name);
	zipname_set_free(&set);
}
END_TEST

/* Returns whether s is valid UTF-8 with no control characters. */
static bool is_clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n;
		if (*p < 0x20 || *p == 0x7F)
			return false;
		if (*p < 0x80)
			n = 1;
		else if (*p >= 0xC2 && *p <= 0xDF)
			n = 2;
		else if (*p >= 0xE0 && *p <= 0xEF)
			n = 3;
		else if (*p >= 0xF0 && *p <= 0xF4)
			n = 4;
		else
			return false;
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
		}
		p += n;
	}
	return true;
}

static char *repeat_url(const char *unit, size_t times, const char *tail)
{
	size_t unit_len = strlen(unit);
	const char *head = "https://example.test/";
	char *url = malloc(strlen(head) + unit_len * times + strlen(tail) + 1);
	ck_assert_ptr_nonnull(url);
	strcpy(url, head);
	char *p = url + strlen(head);
	for (size_t i = 0; i < times; i++, p += unit_len)
		memcpy(p, unit, unit_len);
	strcpy(p, tail);
	return url;
}

START_TEST(zipname_long_ascii_capped)
{
	struct zipname_set set;
	zipname_set_init(&set);
	char *url = repeat_url("a", 300, ".jpeg");
	char *name = zipname_make(&set, url, "jpg");
	ck_assert_ptr_nonnull(name);
	ck_assert_uint_eq(strlen(name), ZIPNAME_MAX);
	ck_assert_str_eq(name + strlen(name) - 5, ".jpeg");
	char *second = zipname_make(&set, url, "jpg");
	ck_assert_ptr_nonnull(second);
	ck_assert_uint_eq(strlen(second), ZIPNAME_MAX);
	ck_assert_str_eq(second + strlen(second) - 9, " (2).jpeg");
	free(url);
	free(name);
	free(second);
	zipname_set_free(&set);
}
END_TEST

/* Three-byte characters (CJK) and four-byte ones (emoji) are never cut in half. */
START_TEST(zipname_long_utf8_capped)
{
	static const char *const units[] = { "%E7%8C%AB", "%F0%9F%90%88", "a%CC%81" };
	for (size_t u = 0; u < 3; u++) {
		struct zipname_set set;
		zipname_set_init(&set);
		char *url = repeat_url(units[u], 150, ".png");
		char *name = zipname_make(&set, url, "png");
		ck_assert_ptr_nonnull(name);
		ck_assert_uint_le(strlen(name), ZIPNAME_MAX);
		ck_assert_uint_gt(strlen(name), ZIPNAME_MAX - 8);
		ck_assert_str_eq(name + strlen(name) - 4, ".png");
		ck_assert_msg(is_clean_utf8(name), "name of %s is not clean UTF-8", units[u]);
		free(url);
		free(name);
		zipname_set_free(&set);
	}
}
END_TEST

START_TEST(zipname_duplicates_numbered)
{
	struct zipname_set set;
	zipname_set_init(&set);
	static const char *const urls[] = {
		"https://a.test/a.jpg", "https://b.test/x/a.jpg", "https://c.test/A.JPG",
		"https://d.test/A.jpg", "https://e.test/a%20(2).jpg", "https://f.test/a.jpg",
	};
	static const char *const expected[] = {
		"a.jpg", "a (2).jpg", "A (3).JPG", "A (4).jpg", "a (2) (2).jpg", "a (5).jpg",
	};
	for (size_t i = 0; i < 6; i++) {
		char *name = zipname_make(&set, urls[i], "jpg");
		ck_assert_ptr_nonnull(name);
		ck_assert_msg(strcmp(name, expected[i]) == 0, "%s: got \"%s\", expected \"%s\"",
			      urls[i], name, expected[i]);
		free(name);
	}
	ck_assert_uint_eq(set.count, 6);
	zipname_set_free(&set);
}
END_TEST

START_TEST(zipname_duplicate_empty_names)
{
	struct zipname_set set;
	zipname_set_init(&set);
	char *first = zipname_make(&set, "https://a.test/", "png");
	char *second = zipname_make(&set, "data:image/png;base64,AAAA", "png");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(second);
	ck_assert_str_eq(first, "image.png");
	ck_assert_str_eq(second, "image (2).png");
	free(first);
	free(second);
	zipname_set_free(&set);
}
END_TEST

/* Many names stay unique and the set grows its index correctly. */
START_TEST(zipname_many_unique)
{
	struct zipname_set set;
	zipname_set_init(&set);
	for (int i = 0; i < 2000; i++) {
		char url[64];
		snprintf(url, sizeof(url), "https://a.test/%s.gif", i % 2 ? "Same" : "same");
		char *name = zipname_make(&set, url, "gif");
		ck_assert_ptr_nonnull(name);
		free(name);
	}
	ck_assert_uint_eq(set.count, 2000);
	for (size_t i = 0; i < set.count; i++) {
		for (size_t j = i + 1; j < set.count && j < i + 50; j++)
			ck_assert_str_ne(set.names[i], set.names[j]);
	}
	ck_assert_str_eq(set.names[1999], "Same (2000).gif");
	zipname_set_free(&set);
	ck_assert_uint_eq(set.count, 0);
}
END_TEST

START_TEST(zipname_null_url)
{
	struct zipname_set set;
	zipname_set_init(&set);
	char *name = zipname_make(&set, NULL, "png");
	ck_assert_ptr_nonnull(name);
	ck_assert_str_eq(name, "image.png");
	free(name);
	zipname_set_free(&set);
}
END_TEST

static Suite *zipname_suite(void)
{
	Suite *s = suite_create("zipname");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, zipname_cases, 0, (int)(sizeof(name_cases) / sizeof(name_cases[0])));
	tcase_add_test(tc, zipname_long_ascii_capped);
	tcase_add_test(tc, zipname_long_utf8_capped);
	tcase_add_test(tc, zipname_duplicates_numbered);
	tcase_add_test(tc, zipname_duplicate_empty_names);
	tcase_add_test(tc, zipname_many_unique);
	tcase_add_test(tc, zipname_null_url);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(zipname_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

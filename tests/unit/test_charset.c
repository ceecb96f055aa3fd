/* Unit tests for encoding detection, conversion to UTF-8 and query encoding. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "charset.h"
#include "discover.h"
#include "json.h"
#include "url.h"

static void assert_valid_utf8(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		size_t n = utf8_sequence_length((const unsigned char *)s + i, len - i);
		ck_assert_msg(n > 0, "invalid UTF-8 at byte %zu", i);
		i += n;
	}
}

/* Converts len bytes from encoding and compares the UTF-8 result with expected. */
static void expect_utf8(const char *encoding, const char *in, size_t len, const char *expected)
{
	struct buf out;
	char err[256] = "";
	buf_init(&out, len * 3 + 4);
	int rc = charset_to_utf8(in, len, encoding, &out, err, sizeof err);
	ck_assert_msg(rc == 0, "converting from %s failed: %s", encoding, err);
	ck_assert_msg(out.len == strlen(expected) && memcmp(out.data ? out.data : "", expected, out.len) == 0,
		      "%s: got \"%s\", expected \"%s\"", encoding, buf_cstr(&out), expected);
	assert_valid_utf8(buf_cstr(&out), out.len);
	buf_free(&out);
}

static const char *label(const char *text)
{
	return charset_from_label(text, strlen(text));
}

static const char *prescan(const char *html)
{
	return charset_prescan(html, strlen(html));
}

START_TEST(labels_map_to_encodings)
{
	ck_assert_str_eq(label("latin1"), "windows-1252");
	ck_assert_str_eq(label("ISO-8859-1"), "windows-1252");
	ck_assert_str_eq(label("us-ascii"), "windows-1252");
	ck_assert_str_eq(label(" \tShift_JIS\n"), "Shift_JIS");
	ck_assert_str_eq(label("x-sjis"), "Shift_JIS");
	ck_assert_str_eq(label("gb2312"), "GBK");
	ck_assert_str_eq(label("GBK"), "GBK");
	ck_assert_str_eq(label("big5"), "Big5");
	ck_assert_str_eq(label("euc-jp"), "EUC-JP");
	ck_assert_str_eq(label("utf-16"), "UTF-16LE");
	ck_assert_str_eq(label("UTF-16BE"), "UTF-16BE");
	ck_assert_str_eq(label("latin2"), "ISO-8859-2");
	ck_assert_str_eq(label("iso-8859-9"), "windows-1254");
	ck_assert_str_eq(label("iso-2022-kr"), "replacement");
	ck_assert_str_eq(label("UTF8"), "UTF-8");
}
END_TEST

START_TEST(labels_unknown_rejected)
{
	ck_assert_ptr_null(label(""));
	ck_assert_ptr_null(label("bogus"));
	ck_assert_ptr_null(label("utf-8 x"));
	ck_assert_ptr_null(label("utf-7"));
	ck_assert_ptr_null(label("latin1latin1latin1latin1latin1"));
}
END_TEST

START_TEST(content_type_charset)
{
	ck_assert_str_eq(charset_from_content_type("text/html; charset=\"ISO-8859-2\""), "ISO-8859-2");
	ck_assert_str_eq(charset_from_content_type("text/html;charset=euc-jp"), "EUC-JP");
	ck_assert_str_eq(charset_from_content_type("text/html; q=1; Charset = Shift_JIS; x=y"),
			 "Shift_JIS");
	ck_assert_ptr_null(charset_from_content_type("text/html"));
	ck_assert_ptr_null(charset_from_content_type("text/html; charset=nonsense"));
	ck_assert_ptr_null(charset_from_content_type(NULL));
}
END_TEST

START_TEST(prescan_meta_charset)
{
	ck_assert_str_eq(prescan("<!doctype html><html><head><meta charset=\"shift_jis\">"), "Shift_JIS");
	ck_assert_str_eq(prescan("<META CHARSET=Big5>"), "Big5");
	ck_assert_str_eq(prescan("<meta/charset='gb2312'/>"), "GBK");
	ck_assert_str_eq(prescan("<meta http-equiv=\"Content-Type\" "
				 "content=\"text/html; charset=euc-jp\">"), "EUC-JP");
	ck_assert_str_eq(prescan("<meta content='text/html;charset = \"koi8-r\"' "
				 "http-equiv=content-type>"), "KOI8-R");
}
END_TEST

START_TEST(prescan_rules)
{
	/* A content attribute counts only with http-equiv=content-type. */
	ck_assert_ptr_null(prescan("<meta content=\"text/html; charset=euc-jp\">"));
	ck_assert_ptr_null(prescan("<!-- <meta charset=big5> --><p>"));
	ck_assert_ptr_null(prescan("<div title=\"<meta charset=koi8-r>\"></div>"));
	ck_assert_ptr_null(prescan("<meta charset=nonsense>"));
	/* The first charset attribute of an element wins; a repeat is ignored. */
	ck_assert_str_eq(prescan("<meta charset=big5 charset=euc-jp>"), "Big5");
	/* A declared UTF-16 cannot be true of bytes the prescan read as ASCII. */
	ck_assert_str_eq(prescan("<meta charset=utf-16le>"), "UTF-8");
	ck_assert_str_eq(prescan("<meta charset=x-user-defined>"), "windows-1252");
	/* An unterminated tag at the end of the bytes yields no encoding. */
	ck_assert_ptr_null(prescan("<meta charset=\"big5"));
}
END_TEST

START_TEST(prescan_first_1024_bytes)
{
	char page[2048];
	memset(page, ' ', sizeof page);
	const char *meta = "<meta charset=euc-jp>";
	memcpy(page + 1024 - strlen(meta), meta, strlen(meta));
	ck_assert_str_eq(charset_prescan(page, sizeof page), "EUC-JP");
	memset(page, ' ', sizeof page);
	memcpy(page + 1024, meta, strlen(meta));
	ck_assert_ptr_null(charset_prescan(page, sizeof page));
}
END_TEST

START_TEST(detect_order)
{
	size_t bom;
	const char *meta = "<meta charset=big5>";
	ck_assert_str_eq(charset_detect("\xef\xbb\xbf<meta charset=big5>", 22, "text/html; charset=euc-jp",
					&bom), "UTF-8");
	ck_assert_uint_eq(bom, 3);
	ck_assert_str_eq(charset_detect("\xff\xfe<\0", 4, NULL, &bom), "UTF-16LE");
	ck_assert_uint_eq(bom, 2);
	ck_assert_str_eq(charset_detect("\xfe\xff\0<", 4, NULL, &bom), "UTF-16BE");
	ck_assert_str_eq(charset_detect(meta, strlen(meta), "text/html; charset=euc-jp", &bom), "EUC-JP");
	ck_assert_uint_eq(bom, 0);
	ck_assert_str_eq(charset_detect(meta, strlen(meta), "text/html", &bom), "Big5");
	ck_assert_str_eq(charset_detect(meta, strlen(meta), "text/html; charset=bogus", &bom), "Big5");
	ck_assert_str_eq(charset_detect("<p>caf\xe9", 7, NULL, &bom), "windows-1252");
}
END_TEST

START_TEST(convert_single_byte)
{
	expect_utf8("windows-1252", "\x93" "caf\xe9\x94 \x80", 8, "\xe2\x80\x9c" "caf\xc3\xa9\xe2\x80\x9d \xe2\x82\xac");
	/* Bytes glibc leaves unmapped are the C1 controls of the same value. */
	expect_utf8("windows-1252", "a\x81" "b", 3, "a\xc2\x81" "b");
	expect_utf8("ISO-8859-2", "\xb1", 1, "\xc4\x85");
	expect_utf8("KOI8-R", "\xc1", 1, "\xd0\xb0");
	expect_utf8("windows-1251", "\xcf\xf0\xe8", 3, "\xd0\x9f\xd1\x80\xd0\xb8");
	expect_utf8("x-user-defined", "a\x80", 2, "a\xef\x9e\x80");
}
END_TEST

START_TEST(convert_multi_byte)
{
	expect_utf8("Shift_JIS", "\x93\xfa\x96\x7b", 4, "\xe6\x97\xa5\xe6\x9c\xac");
	expect_utf8("EUC-JP", "\xc6\xfc\xcb\xdc", 4, "\xe6\x97\xa5\xe6\x9c\xac");
	expect_utf8("GBK", "\xd6\xd0\xce\xc4", 4, "\xe4\xb8\xad\xe6\x96\x87");
	expect_utf8("Big5", "\xa4\xa4\xa4\xe5", 4, "\xe4\xb8\xad\xe6\x96\x87");
	expect_utf8("EUC-KR", "\xc7\xd1", 2, "\xed\x95\x9c");
	expect_utf8("UTF-16LE", "h\0\xe9\0", 4, "h\xc3\xa9");
	expect_utf8("UTF-16BE", "\0h\0\xe9", 4, "h\xc3\xa9");
	expect_utf8("ISO-2022-JP", "\x1b$BF|\x1b(Bx", 9, "\xe6\x97\xa5x");
}
END_TEST

START_TEST(convert_malformed)
{
	expect_utf8("UTF-8", "a\xff" "b", 3, "a\xef\xbf\xbd" "b");
	/* One U+FFFD for a truncated sequence, one per stray continuation byte. */
	expect_utf8("UTF-8", "\xe2\x82" "x\x80\x80", 5, "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd");
	expect_utf8("UTF-8", "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	expect_utf8("Shift_JIS", "a\x93", 2, "a\xef\xbf\xbd");
	expect_utf8("UTF-16LE", "h\0\0\xd8h\0", 6, "h\xef\xbf\xbdh");
	expect_utf8("UTF-16LE", "h\0x", 3, "h\xef\xbf\xbd");
	expect_utf8("replacement", "\x1b$)C", 4, "\xef\xbf\xbd");
	expect_utf8("UTF-8", "", 0, "");
}
END_TEST

START_TEST(convert_bounded_output)
{
	char in[4096];
	memset(in, '\x80', sizeof in);
	struct buf out;
	char err[256] = "";
	buf_init(&out, sizeof in * 3 + 3);
	ck_assert_int_eq(charset_to_utf8(in, sizeof in, "windows-1252", &out, err, sizeof err), 0);
	ck_assert_uint_eq(out.len, sizeof in * 3);
	buf_free(&out);
	buf_init(&out, 100);
	ck_assert_int_eq(charset_to_utf8(in, sizeof in, "windows-1252", &out, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "100 bytes") != NULL, "message: %s", err);
	buf_free(&out);
}
END_TEST

static void expect_encoded(const char *text, const char *encoding, const char *expected)
{
	struct buf out;
	buf_init(&out, 4096);
	ck_assert_int_eq(charset_percent_encode(text, strlen(text), encoding, &out), 0);
	ck_assert_str_eq(buf_cstr(&out), expected);
	buf_free(&out);
}

START_TEST(percent_encode_in_page_encoding)
{
	expect_encoded("q=caf\xc3\xa9", "windows-1252", "q=caf%E9");
	expect_encoded("\xe2\x82\xac\xc5\xb8", "windows-1252", "%80%9F");
	expect_encoded("\xe6\x97\xa5\xe6\x9c\xac", "Shift_JIS", "%93%FA%96%7B");
	expect_encoded("\xe6\x97\xa5", "EUC-JP", "%C6%FC");
	expect_encoded("\xe4\xb8\xad", "GBK", "%D6%D0");
	/* A character the encoding lacks becomes a numeric character reference. */
	expect_encoded("\xe6\x97\xa5", "windows-1252", "%26%2326085%3B");
	expect_encoded("\xc3\xa9", "UTF-16LE", "%C3%A9");
	expect_encoded("\xc3\xa9", "UTF-8", "%C3%A9");
}
END_TEST

START_TEST(resolve_query_in_page_encoding)
{
	char *url = url_resolve_encoded("http://h.test/a/", "\xc3\xa4?q=\xc3\xa4#\xc3\xa4", "windows-1252");
	ck_assert_str_eq(url, "http://h.test/a/%C3%A4?q=%E4#%C3%A4");
	free(url);
	url = url_resolve_encoded("http://h.test/a/", "x?q=\xe6\x97\xa5", "Shift_JIS");
	ck_assert_str_eq(url, "http://h.test/a/x?q=%93%FA");
	free(url);
	url = url_resolve_encoded("http://h.test/a/", "x?q=\xc3\xa4", NULL);
	ck_assert_str_eq(url, "http://h.test/a/x?q=%C3%A4");
	free(url);
	url = url_resolve_encoded("http://h.test/a/", "x?q=\xc3\xa4", "UTF-16BE");
	ck_assert_str_eq(url, "http://h.test/a/x?q=%C3%A4");
	free(url);
}
END_TEST

START_TEST(discover_query_encoding)
{
	const char *html = "<img src='/p/\xc3\xa9.jpg?n=\xc3\xa9' alt='caf\xc3\xa9'>"
			   "<div style=\"background:url('/bg.png?n=\xc3\xa9')\"></div>";
	struct image_list list;
	struct page_meta meta;
	char err[256] = "";
	image_list_init(&list, 10);
	int rc = discover_images_encoded(html, strlen(html), "http://h.test/", "windows-1252",
					 &list, &meta, err, sizeof err);
	ck_assert_msg(rc == 0, "discovery failed: %s", err);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].url, "http://h.test/p/%C3%A9.jpg?n=%E9");
	ck_assert_str_eq(list.items[0].alt, "caf\xc3\xa9");
	/* CSS URLs always use UTF-8 in the query. */
	ck_assert_str_eq(list.items[1].url, "http://h.test/bg.png?n=%C3%A9");
	image_list_free(&list);
	page_meta_free(&meta);
}
END_TEST

static Suite *charset_suite(void)
{
	Suite *s = suite_create("charset");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, labels_map_to_encodings);
	tcase_add_test(tc, labels_unknown_rejected);
	tcase_add_test(tc, content_type_charset);
	tcase_add_test(tc, prescan_meta_charset);
	tcase_add_test(tc, prescan_rules);
	tcase_add_test(tc, prescan_first_1024_bytes);
	tcase_add_test(tc, detect_order);
	tcase_add_test(tc, convert_single_byte);
	tcase_add_test(tc, convert_multi_byte);
	tcase_add_test(tc, convert_malformed);
	tcase_add_test(tc, convert_bounded_output);
	tcase_add_test(tc, percent_encode_in_page_encoding);
	tcase_add_test(tc, resolve_query_in_page_encoding);
	tcase_add_test(tc, discover_query_encoding);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(charset_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

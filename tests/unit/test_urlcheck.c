/* Unit tests for the checks on URLs the server fetches: url_validate, url_fetch_handle, url_special_host, resolve_overrides. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <curl/curl.h>

#include "fetch.h"
#include "url.h"

struct validate_case {
	const char *text;
	const char *expect;   /* NULL: must be rejected */
};

/* URL tricks from public request-forgery write-ups, and their plain neighbours. */
static const struct validate_case cases[] = {
	/* The scheme must be written out and followed by exactly "//". */
	{ "example.test/x", NULL },
	{ "//example.test/x", NULL },
	{ "http:example.test/x", NULL },
	{ "http:/example.test/x", NULL },
	{ "http:///example.test/x", NULL },
	{ "http:\\\\example.test/x", NULL },
	{ "http:/\\example.test/x", NULL },
	{ "gopher://example.test/", NULL },
	{ "dict://example.test:11211/", NULL },
	{ "file:///etc/passwd", NULL },
	{ "ldap://example.test/", NULL },
	{ "HTTP://example.test/", "http://example.test/" },
	/* Backslashes and "@" in the authority. */
	{ "http://example.test\\@127.0.0.1/", NULL },
	{ "http://127.0.0.1\\@example.test/", NULL },
	{ "http://example.test\\.127.0.0.1/", NULL },
	{ "http://example.test@127.0.0.1/", NULL },
	{ "http://127.0.0.1@example.test/", NULL },
	{ "http://example.test:80@127.0.0.1/", NULL },
	{ "http://@example.test/", NULL },
	{ "http://example.test/a\\b", "http://example.test/a/b" },
	{ "http://example.test/?q=a\\b@c", "http://example.test/?q=a\\b@c" },
	{ "http://example.test/#@127.0.0.1", "http://example.test/#@127.0.0.1" },
	/* Percent-encoded hosts. */
	{ "http://%31%32%37.0.0.1/", NULL },
	{ "http://127.0.0.%31/", NULL },
	{ "http://exam%70le.test/", NULL },
	{ "http://example.test%2f@127.0.0.1/", NULL },
	{ "http://[::1%25lo]/", NULL },
	{ "http://[fe80::1%eth0]/", NULL },
	{ "http://example.test/%2e%2e/x", "http://example.test/x" },
	/* Characters browsers forbid in hosts. */
	{ "http://exa mple.test/", NULL },
	{ "http://exa<mple.test/", NULL },
	{ "http://exa^mple.test/", NULL },
	{ "http://exa|mple.test/", NULL },
	{ "http://a..b/", NULL },
	{ "http://.example.test/", NULL },
	{ "http://exa_mple.test/", "http://exa_mple.test/" },
	/* IPv4 forms are read as browsers do and written as dotted decimal. */
	{ "http://2130706433/", "http://127.0.0.1/" },
	{ "http://0x7f000001/", "http://127.0.0.1/" },
	{ "http://017700000001/", "http://127.0.0.1/" },
	{ "http://0x7f.1/", "http://127.0.0.1/" },
	{ "http://127.1/", "http://127.0.0.1/" },
	{ "http://0177.0.0.1/", "http://127.0.0.1/" },
	{ "http://0251.0376.0251.0376/", "http://169.254.169.254/" },
	{ "http://169.254.169.254./", "http://169.254.169.254/" },
	{ "http://0/", "http://0.0.0.0/" },
	{ "http://4294967296/", NULL },
	{ "http://256.0.0.1/", NULL },
	{ "http://1.2.3.4.5/", NULL },
	/*
	 * IPv6 literals are written in the URL standard's form, with hex
	 * pieces only. The address check judges the address.
	 */
	{ "http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/" },
	{ "http://[::1]:8080/", "http://[::1]:8080/" },
	{ "http://[::1/", NULL },
	{ "http://[127.0.0.1]/", NULL },
	/* Ports. */
	{ "http://example.test:0/", NULL },
	{ "http://example.test:65536/", NULL },
	{ "http://example.test:-1/", NULL },
	{ "http://example.test:8080/", "http://example.test:8080/" },
	{ "http://example.test:/", "http://example.test/" },
	/* Trailing dots stay; the name resolves the same. */
	{ "http://localhost./", "http://localhost./" },
	{ "http://EXAMPLE.test./", "http://example.test./" },
};

/* International names: plain forms pass, look-alikes that map to ASCII do not. */
static const struct validate_case idn_cases[] = {
	{ "http://b\xc3\xbc" "cher.test/", "http://xn--bcher-kva.test/" },
	{ "http://B\xc3\xbc" "cher.test/", "http://xn--bcher-kva.test/" },
	{ "http://xn--bcher-kva.test/", "http://xn--bcher-kva.test/" },
	{ "http://\xc3\x9f.test/", "http://xn--zca.test/" },
	/* ⓛⓞⓒⓐⓛⓗⓞⓢⓣ: enclosed alphanumerics, which libidn2 maps to "localhost" */
	{ "http://\xe2\x93\x9b\xe2\x93\x9e\xe2\x93\x92\xe2\x93\x90\xe2\x93\x9b"
	  "\xe2\x93\x97\xe2\x93\x9e\xe2\x93\xa2\xe2\x93\xa3/", NULL },
	/* ｌｏｃａｌｈｏｓｔ: full-width letters */
	{ "http://\xef\xbd\x8c\xef\xbd\x8f\xef\xbd\x83\xef\xbd\x81\xef\xbd\x8c"
	  "\xef\xbd\x88\xef\xbd\x8f\xef\xbd\x93\xef\xbd\x94/", NULL },
	/* 127.0.0.① */
	{ "http://127.0.0.\xe2\x91\xa0/", NULL },
	/* bücher。test: the ideographic full stop U+3002 as a dot */
	{ "http://b\xc3\xbc" "cher\xe3\x80\x82test/", NULL },
	/* ﬁle.test: the ligature U+FB01 */
	{ "http://\xef\xac\x81le.test/", NULL },
	/* BÜCHER.test: upper-case non-ASCII letters are mapped too */
	{ "http://B\xc3\x9c" "CHER.test/", NULL },
};

static void check_validate(const struct validate_case *c)
{
	char err[512] = "";
	char *out = NULL;
	int rc = url_validate(c->text, &out, err, sizeof err);
	if (!c->expect) {
		ck_assert_msg(rc == -1, "\"%s\" accepted as %s", c->text, out);
		ck_assert_msg(err[0] != '\0', "\"%s\" rejected without a message", c->text);
		ck_assert_ptr_null(out);
	} else {
		ck_assert_msg(rc == 0, "\"%s\" rejected: %s", c->text, err);
		ck_assert_str_eq(out, c->expect);
	}
	free(out);
}

START_TEST(validate_tricks)
{
	check_validate(&cases[_i]);
}
END_TEST

START_TEST(validate_idn)
{
	/* libcurl converts international names through libidn2 only in a UTF-8 locale. */
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	check_validate(&idn_cases[_i]);
	setlocale(LC_CTYPE, "C");
}
END_TEST

/* Every URL that url_validate returns parses into a handle with the same host. */
START_TEST(fetch_handle_of_validated)
{
	const struct validate_case *c = &cases[_i];
	if (!c->expect)
		return;
	char err[512] = "";
	CURLU *u = url_fetch_handle(c->expect, err, sizeof err);
	ck_assert_msg(u != NULL, "%s: %s", c->expect, err);
	char *url = NULL;
	ck_assert_int_eq(curl_url_get(u, CURLUPART_URL, &url, 0), CURLUE_OK);
	ck_assert_ptr_nonnull(url);
	curl_free(url);
	curl_url_cleanup(u);
}
END_TEST

START_TEST(fetch_handle_rejects)
{
	const char *bad[] = {
		"example.test/x", "ftp://example.test/", "http://user:pw@example.test/",
		"http://user@example.test/", "http://[fe80::1%25eth0]/", "http://exa%6dple.test/",
		"http://exa\\mple.test/", "http://example.test:0/", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[512] = "";
		CURLU *u = url_fetch_handle(bad[i], err, sizeof err);
		ck_assert_msg(u == NULL, "\"%s\" accepted", bad[i]);
		ck_assert_msg(err[0] != '\0', "\"%s\" rejected without a message", bad[i]);
	}
}
END_TEST

START_TEST(resolve_overrides_valid)
{
	const char *good[] = {
		"", "   ", "a.test:80:10.0.0.1", "a.test:443:10.0.0.1,10.0.0.2",
		"a.test:80:[::1]", "a.test:8080:[fe80::1],127.0.0.1 b.test:80:192.0.2.1",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char err[256] = "";
		ck_assert_msg(fetch_resolve_check(good[i], err, sizeof err) == 0,
			      "\"%s\" rejected: %s", good[i], err);
	}
}
END_TEST

START_TEST(resolve_overrides_invalid)
{
	const char *bad[] = {
		"a.test", "a.test:80", "a.test:80:", ":80:10.0.0.1", "a.test::10.0.0.1",
		"a.test:0:10.0.0.1", "a.test:65536:10.0.0.1", "a.test:80:::1",
		"a.test:80:[::1", "a.test:80:localhost", "-a.test:80:10.0.0.1",
		"+a.test:80:10.0.0.1", "a.test:80:10.0.0.1,", "a.test:+80:10.0.0.1",
		"a/b:80:10.0.0.1", "a.test:80:10.0.0.1 junk",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256] = "";
		ck_assert_msg(fetch_resolve_check(bad[i], err, sizeof err) == -1,
			      "\"%s\" accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "resolve_overrides"));
	}
}
END_TEST

START_TEST(special_host_names)
{
	const char *special[] = {
		"localhost", "LOCALHOST", "localhost.", "a.localhost", "x.y.LocalHost.",
		"printer.local", "local", "router.home.arpa", "home.arpa", "HOME.ARPA.",
		"db.internal", "internal", "abcdefghijklmnop.onion", "x.invalid", "invalid",
		"x.test", "test", "xn--bcher-kva.test", "a-b_c.example.TEST.",
	};
	for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
		ck_assert_msg(url_special_host(special[i]) != NULL, "\"%s\" not special", special[i]);
}
END_TEST

START_TEST(ordinary_host_names)
{
	const char *ordinary[] = {
		"example.com", "localhost.example.com", "mylocalhost", "notlocal",
		"local.example", "arpa", "home.arpa.example", "myhome.arpa", "internal.example",
		"onion.example", "testing", "test.example", "contest", "127.0.0.1", "[::1]",
		"", ".", "xn--bcher-kva.example",
	};
	for (size_t i = 0; i < sizeof ordinary / sizeof ordinary[0]; i++)
		ck_assert_msg(url_special_host(ordinary[i]) == NULL, "\"%s\" special", ordinary[i]);
}
END_TEST

START_TEST(special_host_reason)
{
	const char *reason = url_special_host("a.home.arpa");
	ck_assert_ptr_nonnull(reason);
	ck_assert_ptr_nonnull(strstr(reason, "RFC 8375"));
	reason = url_special_host("printer.local.");
	ck_assert_ptr_nonnull(reason);
	ck_assert_ptr_nonnull(strstr(reason, "RFC 6762"));
}
END_TEST

static Suite *urlcheck_suite(void)
{
	Suite *s = suite_create("urlcheck");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, validate_tricks, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_loop_test(tc, validate_idn, 0, (int)(sizeof idn_cases / sizeof idn_cases[0]));
	tcase_add_loop_test(tc, fetch_handle_of_validated, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, fetch_handle_rejects);
	tcase_add_test(tc, resolve_overrides_valid);
	tcase_add_test(tc, resolve_overrides_invalid);
	tcase_add_test(tc, special_host_names);
	tcase_add_test(tc, ordinary_host_names);
	tcase_add_test(tc, special_host_reason);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(urlcheck_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* Unit tests for request parsing: form fields, base64url addresses, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "cgi.h"

/* Sets up a GET request with query and no body. */
static void set_get(const char *query)
{
	setenv("REQUEST_METHOD", "GET", 1);
	setenv("QUERY_STRING", query, 1);
	setenv("REMOTE_ADDR", "192.0.2.7", 1);
	unsetenv("CONTENT_LENGTH");
	unsetenv("CONTENT_TYPE");
}

/* Points stdin at a file holding body and sets up a POST request. */
static void set_post(const char *type, const char *body, const char *length)
{
	char path[] = "/tmp/imagegather-cgi-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	ck_assert_ptr_nonnull(freopen(path, "r", stdin));
	close(fd);
	unlink(path);
	setenv("REQUEST_METHOD", "POST", 1);
	setenv("QUERY_STRING", "", 1);
	setenv("CONTENT_TYPE", type, 1);
	char declared[32];
	snprintf(declared, sizeof declared, "%zu", strlen(body));
	setenv("CONTENT_LENGTH", length ? length : declared, 1);
}

START_TEST(query_fields_decoded)
{
	struct cgi_request req;
	struct http_error e;
	set_get("a=1&b=x+y%20z&&c&d=%zz&a=2");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), 0);
	ck_assert_str_eq(cgi_param(&req, "a"), "1");
	ck_assert_str_eq(cgi_param(&req, "b"), "x y z");
	ck_assert_str_eq(cgi_param(&req, "c"), "");
	ck_assert_str_eq(cgi_param(&req, "d"), "%zz");
	ck_assert_ptr_null(cgi_param(&req, "missing"));
	ck_assert_str_eq(req.remote_addr, "192.0.2.7");
	cgi_request_free(&req);
}
END_TEST

START_TEST(nul_byte_kept_with_length)
{
	struct cgi_request req;
	struct http_error e;
	set_get("v=a%00b");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), 0);
	ck_assert_uint_eq(req.params[0].value_len, 3);
	cgi_request_free(&req);
}
END_TEST

START_TEST(post_body_read)
{
	struct cgi_request req;
	struct http_error e;
	set_post("application/x-www-form-urlencoded; charset=UTF-8", "x=1&y=%41", NULL);
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), 0);
	ck_assert_str_eq(cgi_param(&req, "y"), "A");
	cgi_request_free(&req);
}
END_TEST

START_TEST(post_body_over_limit)
{
	struct cgi_request req;
	struct http_error e;
	set_post("application/x-www-form-urlencoded", "x=123456789", NULL);
	ck_assert_int_eq(cgi_request_read(&req, 4, &e), -1);
	ck_assert_int_eq(e.status, 413);
	cgi_request_free(&req);
}
END_TEST

START_TEST(post_body_shorter_than_declared)
{
	struct cgi_request req;
	struct http_error e;
	set_post("application/x-www-form-urlencoded", "x=1", "50");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), -1);
	ck_assert_int_eq(e.status, 400);
	cgi_request_free(&req);
}
END_TEST

START_TEST(post_other_type_rejected)
{
	struct cgi_request req;
	struct http_error e;
	set_post("multipart/form-data; boundary=x", "--x--", NULL);
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), -1);
	ck_assert_int_eq(e.status, 415);
	cgi_request_free(&req);
}
END_TEST

START_TEST(negative_length_rejected)
{
	struct cgi_request req;
	struct http_error e;
	set_post("application/x-www-form-urlencoded", "x=1", "-5");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), -1);
	ck_assert_int_eq(e.status, 400);
	cgi_request_free(&req);
}
END_TEST

START_TEST(method_not_allowed)
{
	struct cgi_request req;
	struct http_error e;
	set_get("");
	setenv("REQUEST_METHOD", "PUT", 1);
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), -1);
	ck_assert_int_eq(e.status, 405);
	cgi_request_free(&req);
}
END_TEST

START_TEST(too_many_parameters)
{
	size_t n = 10001;
	char *query = malloc(n * 2 + 1);
	ck_assert_ptr_nonnull(query);
	for (size_t i = 0; i < n; i++)
		memcpy(query + 2 * i, "a&", 2);
	query[n * 2] = '\0';
	struct cgi_request req;
	struct http_error e;
	set_get(query);
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), -1);
	ck_assert_int_eq(e.status, 400);
	cgi_request_free(&req);
	free(query);
}
END_TEST

static const struct {
	const char *text;
	const char *decoded;   /* NULL: invalid */
} base64url_cases[] = {
	{ "aHR0cDovL2EvYg", "http://a/b" },
	{ "aHR0cDovL2EvYg==", "http://a/b" },
	{ "Pz8-", "?\?>" },
	{ "Pz8_", "?\??" },
	{ "", "" },
	{ "Pz8+", NULL },        /* "+" belongs to base64, not base64url */
	{ "Pz8/", NULL },
	{ "a", NULL },           /* a lone sixth of a byte */
	{ "ab$c", NULL },
};

START_TEST(base64url_table)
{
	for (size_t i = 0; i < sizeof base64url_cases / sizeof base64url_cases[0]; i++) {
		size_t len = 0;
		const char *text = base64url_cases[i].text;
		char *out = base64url_decode(text, strlen(text), &len);
		if (!base64url_cases[i].decoded) {
			ck_assert_msg(!out, "%s should be rejected", text);
			continue;
		}
		ck_assert_msg(out != NULL, "%s should decode", text);
		ck_assert_str_eq(out, base64url_cases[i].decoded);
		ck_assert_uint_eq(len, strlen(base64url_cases[i].decoded));
		free(out);
	}
}
END_TEST

START_TEST(urls_in_request_order)
{
	struct cgi_request req;
	struct http_error e;
	set_get("url=http%3A%2F%2Fa.example%2F1&u=aHR0cDovL2IuZXhhbXBsZS8y&x=1");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), 0);
	char **urls;
	size_t count;
	ck_assert_int_eq(cgi_request_urls(&req, 10, &urls, &count, &e), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_str_eq(urls[0], "http://a.example/1");
	ck_assert_str_eq(urls[1], "http://b.example/2");
	cgi_free_strings(urls, count);
	cgi_request_free(&req);
}
END_TEST

START_TEST(invalid_url_position_named)
{
	struct cgi_request req;
	struct http_error e;
	set_get("url=http%3A%2F%2Fa.example%2F&url=ftp%3A%2F%2Fa.example%2F");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), 0);
	char **urls;
	size_t count;
	ck_assert_int_eq(cgi_request_urls(&req, 10, &urls, &count, &e), -1);
	ck_assert_int_eq(e.status, 400);
	ck_assert_str_eq(e.code, "invalid_url");
	ck_assert_ptr_nonnull(strstr(e.message, "Address 2"));
	cgi_request_free(&req);
}
END_TEST

START_TEST(url_with_nul_rejected)
{
	struct cgi_request req;
	struct http_error e;
	set_get("url=http%3A%2F%2Fa.example%2F%00.png");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), 0);
	char **urls;
	size_t count;
	ck_assert_int_eq(cgi_request_urls(&req, 10, &urls, &count, &e), -1);
	ck_assert_str_eq(e.code, "invalid_url");
	cgi_request_free(&req);
}
END_TEST

START_TEST(too_many_urls)
{
	struct cgi_request req;
	struct http_error e;
	set_get("url=http%3A%2F%2Fa.example%2F&url=http%3A%2F%2Fb.example%2F");
	ck_assert_int_eq(cgi_request_read(&req, 1024, &e), 0);
	char **urls;
	size_t count;
	ck_assert_int_eq(cgi_request_urls(&req, 1, &urls, &count, &e), -1);
	ck_assert_int_eq(e.status, 413);
	cgi_request_free(&req);
}
END_TEST

static Suite *cgi_suite(void)
{
	Suite *s = suite_create("cgi");
	TCase *tc = tcase_create("request");
	tcase_add_test(tc, query_fields_decoded);
	tcase_add_test(tc, nul_byte_kept_with_length);
	tcase_add_test(tc, post_body_read);
	tcase_add_test(tc, post_body_over_limit);
	tcase_add_test(tc, post_body_shorter_than_declared);
	tcase_add_test(tc, post_other_type_rejected);
	tcase_add_test(tc, negative_length_rejected);
	tcase_add_test(tc, method_not_allowed);
	tcase_add_test(tc, too_many_parameters);
	tcase_add_test(tc, base64url_table);
	tcase_add_test(tc, urls_in_request_order);
	tcase_add_test(tc, invalid_url_position_named);
	tcase_add_test(tc, url_with_nul_rejected);
	tcase_add_test(tc, too_many_urls);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cgi_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

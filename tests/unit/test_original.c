/* Unit tests for thumbnail-to-original guesses: one real URL shape per scheme, and URLs left alone. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "original.h"

static void expect_original(const char *thumbnail, const char *expected)
{
	char *guess = original_guess(thumbnail);
	ck_assert_msg(guess != NULL, "no guess for %s", thumbnail);
	ck_assert_str_eq(guess, expected);
	free(guess);
}

static void expect_none(const char *url)
{
	char *guess = original_guess(url);
	ck_assert_msg(guess == NULL, "unexpected guess %s for %s", guess, url);
}

START_TEST(wordpress_size_suffix)
{
	expect_original("https://example.com/wp-content/uploads/2023/05/beach-sunset-300x200.jpg",
			"https://example.com/wp-content/uploads/2023/05/beach-sunset.jpg");
	expect_original("https://example.com/wp-content/uploads/2021/01/logo-1024x768.png?ver=2",
			"https://example.com/wp-content/uploads/2021/01/logo.png?ver=2");
	expect_none("https://example.com/wp-content/uploads/2023/05/beach-sunset.jpg");
	expect_none("https://example.com/photos/1920x1080.jpg");
}
END_TEST

START_TEST(mediawiki_thumb_path)
{
	expect_original("https://upload.wikimedia.org/wikipedia/commons/thumb/a/a9/Example.jpg/220px-Example.jpg",
			"https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg");
	expect_original("https://upload.wikimedia.org/wikipedia/commons/thumb/6/6a/Map.svg/1280px-Map.svg.png",
			"https://upload.wikimedia.org/wikipedia/commons/6/6a/Map.svg");
	expect_none("https://upload.wikimedia.org/wikipedia/commons/a/a9/Example.jpg");
}
END_TEST

START_TEST(query_resizers)
{
	expect_original("https://assets.imgix.net/photo.jpg?w=320&auto=format",
			"https://assets.imgix.net/photo.jpg?auto=format");
	expect_original("https://i0.wp.com/example.com/img.jpg?resize=640%2C480&ssl=1",
			"https://i0.wp.com/example.com/img.jpg?ssl=1");
	expect_original("https://cdn.shopify.com/s/files/1/products/shirt.jpg?width=300&height=300",
			"https://cdn.shopify.com/s/files/1/products/shirt.jpg");
	expect_original("https://h.test/img.jpg?fit=crop&w=300#top", "https://h.test/img.jpg#top");
	expect_none("https://h.test/img.jpg?id=3&v=2");
}
END_TEST

START_TEST(cloudinary_transformations)
{
	expect_original("https://res.cloudinary.com/demo/image/upload/w_320,h_200,c_fill/v1571218039/sample.jpg",
			"https://res.cloudinary.com/demo/image/upload/v1571218039/sample.jpg");
	expect_original("https://res.cloudinary.com/demo/image/upload/c_scale,w_500/e_sepia/docs/casual.jpg",
			"https://res.cloudinary.com/demo/image/upload/docs/casual.jpg");
	expect_none("https://res.cloudinary.com/demo/image/upload/v1571218039/sample.jpg");
}
END_TEST

START_TEST(blogger_sizes)
{
	expect_original("https://1.bp.blogspot.com/-AbCdEf/XyZ/AAAAAAAAB/GhIj/s1600/cat.jpg",
			"https://1.bp.blogspot.com/-AbCdEf/XyZ/AAAAAAAAB/GhIj/s0/cat.jpg");
	expect_original("https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsE/w226-h410/photo.png",
			"https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsE/s0/photo.png");
	expect_original("https://lh3.googleusercontent.com/AbCdEfGh=w226-h410-c",
			"https://lh3.googleusercontent.com/AbCdEfGh=s0");
	expect_none("https://1.bp.blogspot.com/-AbCdEf/XyZ/AAAAAAAAB/GhIj/s0/cat.jpg");
	expect_none("https://example.com/s320/cat.jpg?id=1");
}
END_TEST

START_TEST(other_urls_left_alone)
{
	expect_none("https://h.test/images/photo.jpg");
	expect_none("data:image/png;base64,AAAA");
	expect_none("ftp://h.test/a-300x200.jpg");
}
END_TEST

static Suite *original_suite(void)
{
	Suite *s = suite_create("original");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, wordpress_size_suffix);
	tcase_add_test(tc, mediawiki_thumb_path);
	tcase_add_test(tc, query_resizers);
	tcase_add_test(tc, cloudinary_transformations);
	tcase_add_test(tc, blogger_sizes);
	tcase_add_test(tc, other_urls_left_alone);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(original_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

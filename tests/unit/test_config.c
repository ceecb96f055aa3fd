/* Unit tests for reading the configuration file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "config.h"

static char folder[] = "/tmp/imagegather-config-XXXXXX";

/* Writes text to FOLDER/imagegather.conf and reads it. Returns config_read_file's result. */
static int read_text(const char *text, struct config *c, char *err, size_t errlen)
{
	char path[256];
	snprintf(path, sizeof path, "%s/imagegather.conf", folder);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	config_defaults(c);
	return config_read_file(c, path, err, errlen);
}

static void make_folder(void)
{
	ck_assert_ptr_nonnull(mkdtemp(folder));
}

static void remove_folder(void)
{
	char path[256];
	snprintf(path, sizeof path, "%s/imagegather.conf", folder);
	unlink(path);
	rmdir(folder);
	strcpy(folder, "/tmp/imagegather-config-XXXXXX");
}

START_TEST(keys_and_comments_read)
{
	struct config c;
	char err[512];
	ck_assert_int_eq(read_text("# comment\n\ndata_dir = /srv/data\n"
				   "  limit_extract_per_hour=5  \nallow_networks = 127.0.0.0/8 ::1\n",
				   &c, err, sizeof err), 0);
	ck_assert_str_eq(c.data_dir, "/srv/data");
	ck_assert_int_eq(c.limit_extract_per_hour, 5);
	ck_assert_str_eq(c.allow_networks, "127.0.0.0/8 ::1");
	ck_assert_int_eq(c.retention_hours, 24);
}
END_TEST

START_TEST(relative_data_dir_follows_file)
{
	struct config c;
	char err[512], want[300];
	ck_assert_int_eq(read_text("data_dir = data\n", &c, err, sizeof err), 0);
	snprintf(want, sizeof want, "%s/data", folder);
	ck_assert_str_eq(c.data_dir, want);
}
END_TEST

START_TEST(later_key_wins)
{
	struct config c;
	char err[512];
	ck_assert_int_eq(read_text("data_dir = /a\nlimit_export_per_hour = 0\n"
				   "limit_export_per_hour = 7\n", &c, err, sizeof err), 0);
	ck_assert_int_eq(c.limit_export_per_hour, 7);
}
END_TEST

static const struct {
	const char *text;
	const char *message;    /* a part of the expected error */
} bad_cases[] = {
	{ "data_dir = /a\nunknown_key = 1\n", "unknown key \"unknown_key\"" },
	{ "data_dir = /a\nlimit_extract_per_hour = ten\n", "whole number" },
	{ "data_dir = /a\nretention_hours = 0\n", "from 1 to" },
	{ "data_dir = /a\nmax_redirects = 6\n", "from 0 to 5" },
	{ "data_dir = /a\nlimit_preview_per_hour = 99999999999999999999\n", "whole number" },
	{ "data_dir = /a\njust text\n", "line 2" },
	{ "limit_extract_per_hour = 1\n", "data_dir is missing" },
};

START_TEST(bad_files_rejected)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		struct config c;
		char err[512] = "";
		ck_assert_int_eq(read_text(bad_cases[i].text, &c, err, sizeof err), -1);
		ck_assert_msg(strstr(err, bad_cases[i].message) != NULL, "case %zu: %s", i, err);
		ck_assert_msg(strstr(err, folder) != NULL, "case %zu names no file: %s", i, err);
	}
}
END_TEST

START_TEST(environment_names_file)
{
	struct config c;
	char err[512];
	char path[256];
	ck_assert_int_eq(read_text("data_dir = /env\n", &c, err, sizeof err), 0);
	snprintf(path, sizeof path, "%s/imagegather.conf", folder);
	setenv("IMAGEGATHER_CONFIG", path, 1);
	ck_assert_int_eq(config_load(&c, err, sizeof err), 0);
	ck_assert_str_eq(c.data_dir, "/env");
	setenv("IMAGEGATHER_CONFIG", "/nonexistent/imagegather.conf", 1);
	ck_assert_int_eq(config_load(&c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/imagegather.conf"));
	unsetenv("IMAGEGATHER_CONFIG");
}
END_TEST

START_TEST(default_places_named_when_missing)
{
	struct config c;
	char err[1024];
	unsetenv("IMAGEGATHER_CONFIG");
	/* The test program has no imagegather-data folder beside it. */
	ck_assert_int_eq(config_load(&c, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "../imagegather-data/imagegather.conf"));
	ck_assert_ptr_nonnull(strstr(err, "../../imagegather-data/imagegather.conf"));
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("file");
	tcase_add_checked_fixture(tc, make_folder, remove_folder);
	tcase_add_test(tc, keys_and_comments_read);
	tcase_add_test(tc, relative_data_dir_follows_file);
	tcase_add_test(tc, later_key_wins);
	tcase_add_test(tc, bad_files_rejected);
	tcase_add_test(tc, environment_names_file);
	tcase_add_test(tc, default_places_named_when_missing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

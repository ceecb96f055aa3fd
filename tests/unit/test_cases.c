/* Extraction cases from the shared test corpus: each page's expected and forbidden image URLs. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "discover.h"

#define ORIGIN "http://127.0.0.1:8000"
#define DIR_PATH "/cases/"

static const char *shared_dir(void)
{
	const char *dir = getenv("IMAGEGATHER_SHARED");
	return dir && *dir ? dir : "../shared";
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *data = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		rewind(f);
		data = size >= 0 ? malloc((size_t)size + 1) : NULL;
		if (data) {
			*len = fread(data, 1, (size_t)size, f);
			data[*len] = '\0';
		}
	}
	fclose(f);
	return data;
}

/* Replaces {O} and {DIR} in line; the caller frees. */
static char *substitute(const char *line)
{
	size_t cap = strlen(line) * 4 + 64;
	char *out = malloc(cap);
	size_t n = 0;
	for (const char *p = line; *p;) {
		if (strncmp(p, "{O}", 3) == 0) {
			n += (size_t)sprintf(out + n, "%s", ORIGIN);
			p += 3;
		} else if (strncmp(p, "{DIR}", 5) == 0) {
			n += (size_t)sprintf(out + n, "%s", DIR_PATH);
			p += 5;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

static bool reported(const struct image_list *list, const char *url)
{
	for (size_t i = 0; i < list->count; i++) {
		if (strcmp(list->items[i].url, url) == 0)
			return true;
	}
	return false;
}

/* Runs one case; returns the number of failed expectations and prints each. */
static int run_case(const char *dir, const char *number)
{
	char path[4096];
	size_t html_len = 0;
	size_t expected_len = 0;
	snprintf(path, sizeof path, "%s/cases/%s.html", dir, number);
	char *html = read_file(path, &html_len);
	snprintf(path, sizeof path, "%s/cases/%s.expected", dir, number);
	char *expected = read_file(path, &expected_len);
	ck_assert_msg(html && expected, "case %s: page or expected list missing", number);

	char page_url[256];
	snprintf(page_url, sizeof page_url, "%s%s%s.html", ORIGIN, DIR_PATH, number);
	struct image_list list;
	struct page_meta meta;
	char err[256] = "";
	image_list_init(&list, 1000);
	int rc = discover_images(html, html_len, page_url, &list, &meta, err, sizeof err);
	ck_assert_msg(rc == 0, "case %s: discovery failed: %s", number, err);

	int failures = 0;
	for (char *line = strtok(expected, "\n"); line; line = strtok(NULL, "\n")) {
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		bool forbidden = line[0] == '!';
		char *url = substitute(forbidden ? line + 1 : line);
		if (forbidden && reported(&list, url)) {
			printf("case %s: reported %s, which must not be reported\n", number, url);
			failures++;
		} else if (!forbidden && !reported(&list, url)) {
			printf("case %s: missing %s\n", number, url);
			failures++;
		}
		free(url);
	}
	if (failures) {
		for (size_t i = 0; i < list.count; i++)
			printf("case %s: got %s (%s)\n", number, list.items[i].url, list.items[i].kind);
	}
	image_list_free(&list);
	page_meta_free(&meta);
	free(html);
	free(expected);
	return failures;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(shared_cases)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/cases", shared_dir());
	DIR *dir = opendir(path);
	if (!dir) {
		printf("SKIP shared_cases: %s not found (set IMAGEGATHER_SHARED)\n", path);
		return;
	}
	char *names[256];
	size_t count = 0;
	for (struct dirent *e = readdir(dir); e && count < 256; e = readdir(dir)) {
		size_t len = strlen(e->d_name);
		if (len > 9 && strcmp(e->d_name + len - 9, ".expected") == 0)
			names[count++] = strndup(e->d_name, len - 9);
	}
	closedir(dir);
	qsort(names, count, sizeof names[0], compare_names);

	int passed = 0;
	for (size_t i = 0; i < count; i++) {
		if (run_case(shared_dir(), names[i]) == 0)
			passed++;
		free(names[i]);
	}
	printf("extraction cases: %d of %zu pass\n", passed, count);
	ck_assert_uint_gt(count, 0);
	ck_assert_int_eq(passed, (int)count);
}
END_TEST

static Suite *cases_suite(void)
{
	Suite *s = suite_create("cases");
	TCase *tc = tcase_create("shared");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, shared_cases);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cases_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

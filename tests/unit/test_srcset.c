/* Unit tests for srcset parsing, including the web platform tests' srcset cases. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "srcset.h"

START_TEST(commas_inside_urls)
{
	struct srcset set;
	ck_assert_int_eq(srcset_parse(
		"https://i.test/c_fill,w_320/a.jpg 320w,\n  https://i.test/c_fill,w_470/a.jpg 470w, "
		"https://i.test/w=1200,h=620/b.jpg 1200w", 16, &set), 0);
	ck_assert_uint_eq(set.count, 3);
	ck_assert_str_eq(set.items[0].url, "https://i.test/c_fill,w_320/a.jpg");
	ck_assert_str_eq(set.items[0].descriptor, "320w");
	ck_assert_int_eq(set.items[0].width, 320);
	ck_assert_str_eq(set.items[1].url, "https://i.test/c_fill,w_470/a.jpg");
	ck_assert_str_eq(set.items[2].url, "https://i.test/w=1200,h=620/b.jpg");
	ck_assert_str_eq(set.items[2].descriptor, "1200w");
	srcset_free(&set);
}
END_TEST

START_TEST(data_uri_one_candidate)
{
	struct srcset set;
	ck_assert_int_eq(srcset_parse("data:image/png;base64,iVBORw0KGgo=", 16, &set), 0);
	ck_assert_uint_eq(set.count, 1);
	ck_assert_str_eq(set.items[0].url, "data:image/png;base64,iVBORw0KGgo=");
	ck_assert_ptr_null(set.items[0].descriptor);
	ck_assert(set.items[0].density < 0);
	srcset_free(&set);
}
END_TEST

START_TEST(descriptors_normalized)
{
	struct srcset set;
	ck_assert_int_eq(srcset_parse("a.png 1.50x, b.png  2x , c.png 640w 480h,d.png", 16, &set), 0);
	ck_assert_uint_eq(set.count, 4);
	ck_assert_str_eq(set.items[0].descriptor, "1.5x");
	ck_assert_str_eq(set.items[1].descriptor, "2x");
	ck_assert_str_eq(set.items[2].descriptor, "640w 480h");
	ck_assert_int_eq(set.items[2].height, 480);
	ck_assert_ptr_null(set.items[3].descriptor);
	srcset_free(&set);
}
END_TEST

START_TEST(invalid_descriptor_dropped)
{
	struct srcset set;
	ck_assert_int_eq(srcset_parse("a.png 2y, b.png 1x 2x, c.png 0w, d.png 3x", 16, &set), 0);
	ck_assert_uint_eq(set.count, 1);
	ck_assert_str_eq(set.items[0].url, "d.png");
	srcset_free(&set);
}
END_TEST

START_TEST(max_candidates_respected)
{
	struct srcset set;
	ck_assert_int_eq(srcset_parse("a 1x, b 2x, c 3x, d 4x", 2, &set), 0);
	ck_assert_uint_eq(set.count, 2);
	srcset_free(&set);
}
END_TEST

START_TEST(empty_and_commas_only)
{
	struct srcset set;
	ck_assert_int_eq(srcset_parse("", 16, &set), 0);
	ck_assert_uint_eq(set.count, 0);
	ck_assert_int_eq(srcset_parse(" , ,,", 16, &set), 0);
	ck_assert_uint_eq(set.count, 0);
	srcset_free(&set);
}
END_TEST

/* Appends code point cp to out as UTF-8. */
static void put_utf8(char *out, size_t *n, unsigned long cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/*
 * Decodes the character references the test page uses (&#xHH; and &nbsp;)
 * in a quoted attribute value of len bytes; the caller frees.
 */
static char *decode_value(const char *s, size_t len)
{
	char *out = malloc(len * 3 + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (strncmp(s + i, "&#x", 3) == 0) {
			char *end;
			unsigned long cp = strtoul(s + i + 3, &end, 16);
			if (*end == ';') {
				put_utf8(out, &n, cp);
				i = (size_t)(end - s);
				continue;
			}
		}
		if (strncmp(s + i, "&nbsp;", 6) == 0) {
			put_utf8(out, &n, 0xa0);
			i += 5;
			continue;
		}
		out[n++] = s[i];
	}
	out[n] = '\0';
	return out;
}

/* Finds name='value' inside one tag and returns the decoded value, or NULL. */
static char *attribute(const char *tag, size_t tag_len, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, " %s='", name);
	size_t key_len = strlen(key);
	for (size_t i = 0; i + key_len <= tag_len; i++) {
		if (strncmp(tag + i, key, key_len) != 0)
			continue;
		const char *start = tag + i + key_len;
		const char *end = memchr(start, '\'', tag_len - i - key_len);
		return end ? decode_value(start, (size_t)(end - start)) : NULL;
	}
	return NULL;
}

/*
 * Returns the URL a browser at device pixel ratio 1 selects, "" when there
 * is no valid candidate, or NULL when the choice depends on the viewport
 * (several candidates with w descriptors and the default sizes of 100vw).
 * Duplicate densities keep the first candidate; then the smallest density
 * of at least 1 wins, else the largest.
 */
static const char *select_candidate(const struct srcset *set)
{
	if (set->count == 0)
		return "";
	if (set->count == 1)
		return set->items[0].url;
	for (size_t i = 0; i < set->count; i++) {
		if (set->items[i].width >= 0)
			return NULL;
	}
	const struct srcset_candidate *best = NULL;
	double best_density = 0;
	for (size_t i = 0; i < set->count; i++) {
		double d = set->items[i].density < 0 ? 1.0 : set->items[i].density;
		if (!best) {
			best = &set->items[i];
			best_density = d;
			continue;
		}
		bool best_fits = best_density >= 1.0;
		bool fits = d >= 1.0;
		if ((fits && !best_fits) || (fits && d < best_density) ||
		    (!fits && !best_fits && d > best_density)) {
			best = &set->items[i];
			best_density = d;
		}
	}
	return best->url;
}

static const char *shared_dir(void)
{
	const char *dir = getenv("IMAGEGATHER_SHARED");
	return dir && *dir ? dir : "../shared";
}

START_TEST(wpt_parse_srcset)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/corpus/wpt/parse-a-srcset-attribute.html", shared_dir());
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("SKIP wpt_parse_srcset: %s not found (set IMAGEGATHER_SHARED)\n", path);
		return;
	}
	static char page[1 << 20];
	size_t len = fread(page, 1, sizeof page - 1, f);
	fclose(f);
	page[len] = '\0';

	int total = 0;
	int passed = 0;
	int skipped = 0;
	int failed = 0;
	for (const char *p = strstr(page, "<img "); p; p = strstr(p + 1, "<img ")) {
		const char *end = strchr(p, '>');
		ck_assert_ptr_nonnull(end);
		size_t tag_len = (size_t)(end - p);
		char *srcset = attribute(p, tag_len, "srcset");
		char *expect = attribute(p, tag_len, "data-expect");
		if (!srcset || !expect) {
			free(srcset);
			free(expect);
			continue;
		}
		total++;
		struct srcset set;
		ck_assert_int_eq(srcset_parse(srcset, 64, &set), 0);
		const char *chosen = select_candidate(&set);
		if (!chosen) {
			skipped++;
		} else if (strcmp(chosen, expect) == 0) {
			passed++;
		} else {
			failed++;
			printf("FAIL srcset=\"%s\": expected \"%s\", selected \"%s\"\n", srcset,
			       expect, chosen);
		}
		srcset_free(&set);
		free(srcset);
		free(expect);
	}
	printf("srcset cases: %d passed, %d failed, %d skipped of %d "
	       "(skipped: several w candidates, whose choice needs a viewport width)\n",
	       passed, failed, skipped, total);
	ck_assert_int_gt(total, 200);
	ck_assert_int_eq(failed, 0);
}
END_TEST

static Suite *srcset_suite(void)
{
	Suite *s = suite_create("srcset");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, commas_inside_urls);
	tcase_add_test(tc, data_uri_one_candidate);
	tcase_add_test(tc, descriptors_normalized);
	tcase_add_test(tc, invalid_descriptor_dropped);
	tcase_add_test(tc, max_candidates_respected);
	tcase_add_test(tc, empty_and_commas_only);
	tcase_add_test(tc, wpt_parse_srcset);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(srcset_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

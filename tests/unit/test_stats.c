/* Unit tests for reading the statistics: store_read_days and the stats module. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <gdbm.h>

#include "buf.h"
#include "stats.h"
#include "store.h"

/* 2026-12-04T12:00:00Z; the 30 days end with 2026-12-04 and start with 2026-11-05. */
#define NOW ((time_t)1796385600)

static char data_dir[64];
static char err[512];

static void make_data_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(data_dir, sizeof data_dir, "%s/ig-stats-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(data_dir), "mkdtemp %s: %s", data_dir, strerror(errno));
	err[0] = '\0';
}

static void remove_data_dir(void)
{
	char path[128];
	static const char *const names[] = { "imagegather.gdbm", "imagegather.lock", "secret.key" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", data_dir, names[i]);
		unlink(path);
	}
	rmdir(data_dir);
}

/* Writes one raw record, as the store would, without the store's lock. */
static void put(const char *key, const char *value)
{
	char path[128];
	snprintf(path, sizeof path, "%s/imagegather.gdbm", data_dir);
	GDBM_FILE db = gdbm_open(path, 0, GDBM_WRCREAT | GDBM_NOLOCK, 0600, NULL);
	ck_assert_msg(db, "gdbm_open %s: %s", path, gdbm_strerror(gdbm_errno));
	datum k = { (char *)key, (int)strlen(key) };
	datum v = { (char *)value, (int)strlen(value) };
	ck_assert_int_eq(gdbm_store(db, k, v, GDBM_REPLACE), 0);
	gdbm_close(db);
}

static const struct store_day_count *find(const struct store_day_count *items, size_t len,
					  const char *day, const char *event, const char *label)
{
	for (size_t i = 0; i < len; i++)
		if (strcmp(items[i].day, day) == 0 && strcmp(items[i].event, event) == 0 &&
		    strcmp(items[i].label, label) == 0)
			return &items[i];
	return NULL;
}

static int event_column(const struct stats_summary *s, const char *event)
{
	for (size_t i = 0; i < s->event_count; i++)
		if (strcmp(s->events[i], event) == 0)
			return (int)i;
	return -1;
}

START_TEST(read_days_without_database)
{
	make_data_dir();
	struct store_day_count *items = (void *)1;
	size_t len = 99;
	ck_assert_int_eq(store_read_days(data_dir, NOW - 86400, NOW, &items, &len, err, sizeof err), 0);
	ck_assert_ptr_null(items);
	ck_assert_uint_eq(len, 0);
	remove_data_dir();
}
END_TEST

START_TEST(read_days_keeps_range)
{
	make_data_dir();
	put("day:2026-11-04|extract|", "1");
	put("day:2026-11-05|extract|", "2");
	put("day:2026-12-04|preview|news", "3");
	put("day:2026-12-05|extract|", "4");
	put("ip:00ff", "5 1796389200");
	struct store_day_count *items;
	size_t len;
	time_t first = NOW - 29 * 86400;
	ck_assert_int_eq(store_read_days(data_dir, first, NOW, &items, &len, err, sizeof err), 0);
	ck_assert_uint_eq(len, 2);
	const struct store_day_count *a = find(items, len, "2026-11-05", "extract", "");
	const struct store_day_count *b = find(items, len, "2026-12-04", "preview", "news");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(a->count, 2);
	ck_assert_int_eq(b->count, 3);
	free(items);
	remove_data_dir();
}
END_TEST

START_TEST(read_days_skips_invalid_records)
{
	make_data_dir();
	put("day:2026-12-04|extract|", "not a number");
	put("day:2026-12-04|extract", "7");
	put("day:2026-12-04|export|", "8");
	struct store_day_count *items;
	size_t len;
	ck_assert_int_eq(store_read_days(data_dir, NOW, NOW, &items, &len, err, sizeof err), 0);
	ck_assert_uint_eq(len, 1);
	ck_assert_str_eq(items[0].event, "export");
	ck_assert_int_eq(items[0].count, 8);
	free(items);
	remove_data_dir();
}
END_TEST

START_TEST(read_days_counts_from_store)
{
	make_data_dir();
	ck_assert_int_eq(store_count(data_dir, STORE_EVENT_EXPORT, "shop", err, sizeof err), 0);
	ck_assert_int_eq(store_count(data_dir, STORE_EVENT_EXPORT, "shop", err, sizeof err), 0);
	struct store_day_count *items;
	size_t len;
	time_t now = time(NULL);
	ck_assert_int_eq(store_read_days(data_dir, now, now, &items, &len, err, sizeof err), 0);
	ck_assert_uint_eq(len, 1);
	ck_assert_str_eq(items[0].label, "shop");
	ck_assert_int_eq(items[0].count, 2);
	free(items);
	remove_data_dir();
}
END_TEST

START_TEST(summary_adds_labels_per_day)
{
	make_data_dir();
	put("day:2026-12-04|extract|", "3");
	put("day:2026-12-04|extract|news", "2");
	put("day:2026-12-03|preview|", "5");
	put("day:2026-12-03|extract|shop", "1");
	put("day:2026-12-04|custom_event|", "4");
	struct stats_summary s;
	ck_assert_int_eq(stats_read(data_dir, NOW, &s, err, sizeof err), 0);
	ck_assert_str_eq(s.days[0], "2026-11-05");
	ck_assert_str_eq(s.days[STATS_DAYS - 1], "2026-12-04");
	int extract = event_column(&s, "extract");
	int preview = event_column(&s, "preview");
	int custom = event_column(&s, "custom_event");
	ck_assert_int_eq(extract, 0);
	ck_assert_int_eq(custom, 6);
	ck_assert_int_eq(s.daily[STATS_DAYS - 1][extract], 5);
	ck_assert_int_eq(s.daily[STATS_DAYS - 2][extract], 1);
	ck_assert_int_eq(s.daily[STATS_DAYS - 2][preview], 5);
	ck_assert_int_eq(s.totals[extract], 6);
	ck_assert_int_eq(s.totals[custom], 4);
	ck_assert_uint_eq(s.label_count, 2);
	ck_assert_str_eq(s.labels[0].name, "news");
	ck_assert_int_eq(s.labels[0].counts[extract], 2);
	ck_assert_str_eq(s.labels[1].name, "shop");
	ck_assert_uint_eq(s.left_out, 0);
	stats_free(&s);
	remove_data_dir();
}
END_TEST

START_TEST(summary_json_shape)
{
	make_data_dir();
	put("day:2026-12-04|extract|news", "2");
	struct stats_summary s;
	ck_assert_int_eq(stats_read(data_dir, NOW, &s, err, sizeof err), 0);
	struct buf out;
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(stats_json(&s, &out), 0);
	const char *json = buf_cstr(&out);
	ck_assert_ptr_nonnull(strstr(json, "{\"days\":[\"2026-11-05\","));
	ck_assert_ptr_nonnull(strstr(json, "\"totals\":{\"extract\":2,"));
	ck_assert_ptr_nonnull(strstr(json, "\"labels\":[{\"label\":\"news\",\"counts\":{\"extract\":2,"));
	ck_assert_ptr_nonnull(strstr(json, "\"left_out\":0}"));
	buf_free(&out);
	stats_free(&s);
	remove_data_dir();
}
END_TEST

START_TEST(summary_html_has_chart_and_tables)
{
	make_data_dir();
	put("day:2026-12-04|extract|news", "2");
	struct stats_summary s;
	ck_assert_int_eq(stats_read(data_dir, NOW, &s, err, sizeof err), 0);
	struct buf out;
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(stats_html(&s, &out), 0);
	const char *html = buf_cstr(&out);
	ck_assert_ptr_nonnull(strstr(html, "<svg"));
	ck_assert_ptr_nonnull(strstr(html, "<td>news</td>"));
	ck_assert_ptr_nonnull(strstr(html, "<td>2026-12-04</td><td>2</td>"));
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "src="));
	ck_assert_ptr_null(strstr(html, "href="));
	buf_free(&out);
	stats_free(&s);
	remove_data_dir();
}
END_TEST

static Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, read_days_without_database);
	tcase_add_test(tc, read_days_keeps_range);
	tcase_add_test(tc, read_days_skips_invalid_records);
	tcase_add_test(tc, read_days_counts_from_store);
	tcase_add_test(tc, summary_adds_labels_per_day);
	tcase_add_test(tc, summary_json_shape);
	tcase_add_test(tc, summary_html_has_chart_and_tables);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(stats_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? 1 : 0;
}

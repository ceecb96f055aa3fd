/* Unit tests for the GDBM store: counters, rate limits, privacy, pruning, damage. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <gdbm.h>

#include "log.h"
#include "store.h"

enum { CHILDREN = 50, OPS_PER_CHILD = 20 };

static char data_dir[64];
static char err[512];

static void make_data_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(data_dir, sizeof data_dir, "%s/ig-store-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	ck_assert_msg(mkdtemp(data_dir), "mkdtemp %s: %s", data_dir, strerror(errno));
	err[0] = '\0';
}

/* Removes the test's data folder, which holds only plain files. */
static void remove_data_dir(void)
{
	DIR *d = opendir(data_dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(data_dir);
}

static void path_in_data_dir(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", data_dir, name);
}

static long get_count(const char *event, const char *label)
{
	long count = -1;
	int rc = store_get_count(data_dir, time(NULL), event, label, &count, err, sizeof err);
	ck_assert_msg(rc == 0, "store_get_count: %s", err);
	return count;
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[128];
	path_in_data_dir(path, sizeof path, name);
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f, "fopen %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Reads a whole file; the caller frees the result. */
static char *read_file(const char *name, size_t *len)
{
	char path[128];
	path_in_data_dir(path, sizeof path, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "fopen %s: %s", path, strerror(errno));
	char *data = NULL;
	size_t size = 0, cap = 0, n;
	char chunk[4096];
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (size + n > cap) {
			cap = (size + n) * 2;
			data = realloc(data, cap);
			ck_assert_ptr_nonnull(data);
		}
		memcpy(data + size, chunk, n);
		size += n;
	}
	fclose(f);
	*len = size;
	return data;
}

static bool contains_bytes(const char *data, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(data + i, needle, n) == 0)
			return true;
	return false;
}

static GDBM_FILE open_raw(int flags)
{
	char path[128];
	path_in_data_dir(path, sizeof path, "imagegather.gdbm");
	GDBM_FILE db = gdbm_open(path, 0, flags | GDBM_NOLOCK, 0600, NULL);
	ck_assert_msg(db, "gdbm_open %s: %s", path, gdbm_strerror(gdbm_errno));
	return db;
}

/* Counts the records whose key starts with prefix. */
static long count_keys_with_prefix(const char *prefix)
{
	GDBM_FILE db = open_raw(GDBM_READER);
	long n = 0;
	size_t plen = strlen(prefix);
	datum key = gdbm_firstkey(db);
	while (key.dptr) {
		if ((size_t)key.dsize >= plen && memcmp(key.dptr, prefix, plen) == 0)
			n++;
		datum next = gdbm_nextkey(db, key);
		free(key.dptr);
		key = next;
	}
	gdbm_close(db);
	return n;
}

static void put_raw(const char *key, const char *value)
{
	GDBM_FILE db = open_raw(GDBM_WRCREAT);
	datum k = { (char *)key, (int)strlen(key) };
	datum v = { (char *)value, (int)strlen(value) };
	ck_assert_int_eq(gdbm_store(db, k, v, GDBM_REPLACE), 0);
	gdbm_close(db);
}

static int count_damaged_files(void)
{
	DIR *d = opendir(data_dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "imagegather.gdbm.damaged-", 25) == 0)
			n++;
	closedir(d);
	return n;
}

static int hit(const char *ip, const char *event, long limit, long *retry_after)
{
	int rc = store_hit(data_dir, ip, event, limit, NULL, retry_after, err, sizeof err);
	ck_assert_msg(rc >= 0, "store_hit: %s", err);
	return rc;
}

START_TEST(count_adds_per_label)
{
	for (int i = 0; i < 3; i++)
		ck_assert_msg(store_count(data_dir, "export", "gallery-1", err, sizeof err) == 0,
			      "store_count: %s", err);
	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), 0);

	ck_assert_int_eq(get_count("export", "gallery-1"), 3);
	ck_assert_int_eq(get_count("export", NULL), 1);
	ck_assert_int_eq(get_count("export", "other"), 0);
	ck_assert_int_eq(get_count("preview", "gallery-1"), 0);
}
END_TEST

START_TEST(get_count_without_database)
{
	ck_assert_int_eq(get_count("extract", NULL), 0);
	struct stat st;
	char path[128];
	path_in_data_dir(path, sizeof path, "imagegather.gdbm");
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

START_TEST(hit_rate_limit_three)
{
	long retry_after = -1;
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(hit("192.0.2.10", "extract", 3, &retry_after), 0);
	ck_assert_int_eq(retry_after, -1);

	ck_assert_int_eq(hit("192.0.2.10", "extract", 3, &retry_after), 1);
	ck_assert_int_ge(retry_after, 1);
	ck_assert_int_le(retry_after, 3600);

	/* Refused requests are not counted. */
	ck_assert_int_eq(get_count("extract", NULL), 3);
}
END_TEST

START_TEST(hit_limit_separate_per_ip_event)
{
	long retry_after;
	ck_assert_int_eq(hit("192.0.2.10", "extract", 1, &retry_after), 0);
	ck_assert_int_eq(hit("192.0.2.10", "extract", 1, &retry_after), 1);
	ck_assert_int_eq(hit("192.0.2.11", "extract", 1, &retry_after), 0);
	ck_assert_int_eq(hit("192.0.2.10", "preview", 1, &retry_after), 0);
	ck_assert_int_eq(count_keys_with_prefix("ip:"), 3);
}
END_TEST

START_TEST(hit_limit_zero_keeps_no_ip)
{
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(hit("192.0.2.10", "extract", 0, NULL), 0);
	ck_assert_int_eq(get_count("extract", NULL), 5);
	ck_assert_int_eq(count_keys_with_prefix("ip:"), 0);
}
END_TEST

START_TEST(hit_label_counted)
{
	long retry_after;
	int rc = store_hit(data_dir, "192.0.2.10", "extract", 10, "page.example_1",
			   &retry_after, err, sizeof err);
	ck_assert_msg(rc == 0, "store_hit: %s", err);
	ck_assert_int_eq(get_count("extract", "page.example_1"), 1);
	ck_assert_int_eq(get_count("extract", NULL), 0);
}
END_TEST

START_TEST(raw_ip_never_stored)
{
	static const char *const ips[] = {
		"203.0.113.77", "2001:db8::1234:5678", "fe80::1%eth0",
	};
	long retry_after;
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_eq(hit(ips[i], "extract", 10, &retry_after), 0);
		ck_assert_int_eq(hit(ips[i], "preview", 10, &retry_after), 0);
	}

	size_t len;
	char *bytes = read_file("imagegather.gdbm", &len);
	for (size_t i = 0; i < 3; i++)
		ck_assert_msg(!contains_bytes(bytes, len, ips[i]),
			      "database file contains %s", ips[i]);
	free(bytes);

	GDBM_FILE db = open_raw(GDBM_READER);
	datum key = gdbm_firstkey(db);
	int ip_keys = 0;
	while (key.dptr) {
		if (key.dsize > 3 && memcmp(key.dptr, "ip:", 3) == 0) {
			ip_keys++;
			ck_assert_int_eq(key.dsize, 3 + 64);
			for (int j = 3; j < key.dsize; j++)
				ck_assert_msg(strchr("0123456789abcdef", key.dptr[j]),
					      "key byte %d is not lowercase hex", j);
		}
		datum next = gdbm_nextkey(db, key);
		free(key.dptr);
		key = next;
	}
	gdbm_close(db);
	ck_assert_int_eq(ip_keys, 6);
}
END_TEST

START_TEST(secret_created_once)
{
	long retry_after;
	ck_assert_int_eq(hit("192.0.2.10", "extract", 10, &retry_after), 0);

	char path[128];
	path_in_data_dir(path, sizeof path, "secret.key");
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 32);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	size_t len;
	char *before = read_file("secret.key", &len);
	ck_assert_int_eq(hit("192.0.2.10", "extract", 10, &retry_after), 0);
	char *after = read_file("secret.key", &len);
	ck_assert_int_eq(memcmp(before, after, 32), 0);
	free(before);
	free(after);

	/* The same key and hour give the same record, now counting 2. */
	ck_assert_int_eq(count_keys_with_prefix("ip:"), 1);
	ck_assert_int_eq(hit("192.0.2.10", "extract", 2, &retry_after), 1);
}
END_TEST

START_TEST(secret_short_rejected)
{
	write_file("secret.key", "0123456789", 10);
	long retry_after;
	int rc = store_hit(data_dir, "192.0.2.10", "extract", 10, NULL, &retry_after,
			   err, sizeof err);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "secret.key"), "error does not name the file: %s", err);

	size_t len;
	char *data = read_file("secret.key", &len);
	ck_assert_uint_eq(len, 10);
	free(data);
}
END_TEST

START_TEST(secret_long_rejected)
{
	char key[33];
	memset(key, 'k', sizeof key);
	write_file("secret.key", key, sizeof key);
	long retry_after;
	int rc = store_hit(data_dir, "192.0.2.10", "extract", 10, NULL, &retry_after,
			   err, sizeof err);
	ck_assert_int_eq(rc, -1);
}
END_TEST

START_TEST(invalid_names_rejected)
{
	long retry_after;
	char long_label[70];
	memset(long_label, 'a', 65);
	long_label[65] = '\0';

	ck_assert_int_eq(store_count(data_dir, "export", "bad|label", err, sizeof err), -1);
	ck_assert_int_eq(store_count(data_dir, "export", "", err, sizeof err), -1);
	ck_assert_int_eq(store_count(data_dir, "export", long_label, err, sizeof err), -1);
	ck_assert_int_eq(store_count(data_dir, "", NULL, err, sizeof err), -1);
	ck_assert_int_eq(store_count(data_dir, "ex port", NULL, err, sizeof err), -1);
	ck_assert_int_eq(store_hit(data_dir, "1.2.3.4|x", "extract", 1, NULL, &retry_after,
				   err, sizeof err), -1);
	ck_assert_int_eq(store_hit(data_dir, "", "extract", 1, NULL, &retry_after,
				   err, sizeof err), -1);
	ck_assert_int_eq(store_hit(data_dir, "1.2.3.4", "extract", -1, NULL, &retry_after,
				   err, sizeof err), -1);

	long_label[64] = '\0';
	ck_assert_int_eq(store_count(data_dir, "export", long_label, err, sizeof err), 0);
}
END_TEST

START_TEST(missing_data_dir_fails)
{
	char missing[128];
	snprintf(missing, sizeof missing, "%s/missing", data_dir);
	int rc = store_count(missing, "export", NULL, err, sizeof err);
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, missing), "error does not name the folder: %s", err);
}
END_TEST

/* Creates a file outside the data folder with known contents; the caller unlinks it. */
static void make_outside_file(char *path, size_t size, const char *contents)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(path, size, "%s/ig-store-target-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	ck_assert_msg(fd >= 0, "mkstemp %s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, contents, strlen(contents)), (ssize_t)strlen(contents));
	close(fd);
}

/* Asserts that the file at path contains exactly contents. */
static void assert_file_holds(const char *path, const char *contents)
{
	char got[256] = "";
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	size_t n = fread(got, 1, sizeof got - 1, f);
	fclose(f);
	got[n] = '\0';
	ck_assert_str_eq(got, contents);
}

/*
 * A symbolic link in the database's place is rejected by every kind of
 * access, including the writers that repair damage, and its target is
 * neither written nor moved.
 */
START_TEST(symlinked_store_refused)
{
	char target[128], db[128];
	make_outside_file(target, sizeof target, "not a database");
	path_in_data_dir(db, sizeof db, "imagegather.gdbm");
	ck_assert_int_eq(symlink(target, db), 0);

	long retry_after, count;
	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, db), "error does not name the path: %s", err);
	ck_assert_msg(strstr(err, "symbolic link"), "error does not name the cause: %s", err);
	ck_assert_int_eq(store_hit(data_dir, "192.0.2.10", "extract", 5, NULL, &retry_after,
				   err, sizeof err), -1);
	ck_assert_int_eq(store_get_count(data_dir, time(NULL), "export", NULL, &count,
					 err, sizeof err), -1);
	long removed = 0;
	ck_assert_int_eq(store_prune(data_dir, time(NULL), false, &removed, err, sizeof err), -1);

	assert_file_holds(target, "not a database");
	struct stat st;
	ck_assert_int_eq(lstat(db, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(count_damaged_files(), 0);
	unlink(target);
}
END_TEST

/* A dangling link must not make the store create its target. */
START_TEST(dangling_symlink_store_refused)
{
	char target[128], db[128];
	make_outside_file(target, sizeof target, "");
	unlink(target);
	path_in_data_dir(db, sizeof db, "imagegather.gdbm");
	ck_assert_int_eq(symlink(target, db), 0);

	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "symbolic link"), "error does not name the cause: %s", err);
	ck_assert_int_eq(access(target, F_OK), -1);
}
END_TEST

/* A FIFO in the database's place is rejected at once; read-only opens do not block on it. */
START_TEST(fifo_store_refused)
{
	char db[128];
	path_in_data_dir(db, sizeof db, "imagegather.gdbm");
	ck_assert_int_eq(mkfifo(db, 0600), 0);
	long count;
	ck_assert_int_eq(store_get_count(data_dir, time(NULL), "export", NULL, &count,
					 err, sizeof err), -1);
	ck_assert_msg(strstr(err, "not a regular file"), "unexpected error: %s", err);
	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, db), "error does not name the path: %s", err);
}
END_TEST

/* A database owned by another user is rejected; only root can set that up. */
START_TEST(foreign_store_refused)
{
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), 0);
	char db[128];
	path_in_data_dir(db, sizeof db, "imagegather.gdbm");
	ck_assert_int_eq(chown(db, 65534, 65534), 0);
	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "user id 65534"), "error does not name the owner: %s", err);
}
END_TEST

START_TEST(damaged_header_moved_aside)
{
	char garbage[4096];
	for (size_t i = 0; i < sizeof garbage; i++)
		garbage[i] = (char)(i * 7 + 3);
	write_file("imagegather.gdbm", garbage, sizeof garbage);

	long retry_after;
	ck_assert_int_eq(hit("192.0.2.10", "extract", 5, &retry_after), 0);
	ck_assert_int_eq(count_damaged_files(), 1);
	ck_assert_int_eq(get_count("extract", NULL), 1);
	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), 0);
	ck_assert_int_eq(count_damaged_files(), 1);
}
END_TEST

START_TEST(truncated_database_moved_aside)
{
	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), 0);
	char path[128];
	path_in_data_dir(path, sizeof path, "imagegather.gdbm");
	ck_assert_int_eq(truncate(path, 100), 0);

	ck_assert_int_eq(store_count(data_dir, "export", NULL, err, sizeof err), 0);
	ck_assert_int_eq(count_damaged_files(), 1);
	ck_assert_int_eq(get_count("export", NULL), 1);
}
END_TEST

/*
 * Overwrites everything after the file header of a database with many
 * records. Whether GDBM notices at open or on the first read, the next
 * request must succeed.
 */
START_TEST(damaged_body_recovers)
{
	char label[32];
	for (int i = 0; i < 200; i++) {
		snprintf(label, sizeof label, "page-%d", i);
		ck_assert_int_eq(store_count(data_dir, "export", label, err, sizeof err), 0);
	}
	size_t len;
	char *bytes = read_file("imagegather.gdbm", &len);
	ck_assert_uint_gt(len, 1024);
	memset(bytes + 512, 0xff, len - 512);
	write_file("imagegather.gdbm", bytes, len);
	free(bytes);

	long retry_after;
	int rc = store_hit(data_dir, "192.0.2.10", "extract", 5, NULL, &retry_after,
			   err, sizeof err);
	ck_assert_msg(rc == 0, "store_hit on a damaged database: %s", err);
	/* Repaired in place by gdbm_recover (0) or moved aside and started anew (1). */
	ck_assert_int_le(count_damaged_files(), 1);
	ck_assert_int_eq(get_count("extract", NULL), 1);
}
END_TEST

static void remove_damaged_files(void)
{
	DIR *d = opendir(data_dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strncmp(e->d_name, "imagegather.gdbm.damaged-", 25) == 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

/*
 * Overwrites one 1 KiB block at a time of a database with 100 records,
 * then counts every record again. GDBM reports some blocks at open, some
 * only when a read reaches them, and misses others. Every call must still
 * succeed, and at least one block must be recognized as damage: repaired
 * with gdbm_recover or moved aside, either way logged as "was damaged".
 */
START_TEST(damaged_blocks_never_fail)
{
	enum { LABELS = 100, BLOCK = 1024 };
	char label[32];
	for (int i = 0; i < LABELS; i++) {
		snprintf(label, sizeof label, "page-%d", i);
		ck_assert_int_eq(store_count(data_dir, "export", label, err, sizeof err), 0);
	}
	size_t len;
	char *original = read_file("imagegather.gdbm", &len);
	char *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);

	FILE *log = tmpfile();
	ck_assert_ptr_nonnull(log);
	log_set_file(log);
	for (size_t off = BLOCK; off + BLOCK <= len; off += BLOCK) {
		memcpy(copy, original, len);
		memset(copy + off, 0x5a, BLOCK);
		write_file("imagegather.gdbm", copy, len);
		for (int i = 0; i < LABELS; i++) {
			snprintf(label, sizeof label, "page-%d", i);
			int rc = store_count(data_dir, "export", label, err, sizeof err);
			ck_assert_msg(rc == 0, "block at %zu, label %s: %s", off, label, err);
		}
		remove_damaged_files();
	}
	free(original);
	free(copy);
	log_set_file(NULL);

	int recognized = 0;
	char line[4096];
	rewind(log);
	while (fgets(line, sizeof line, log))
		if (strstr(line, " was damaged "))
			recognized++;
	fclose(log);
	ck_assert_int_gt(recognized, 0);
}
END_TEST

START_TEST(prune_removes_expired_only)
{
	long retry_after, removed = -1;
	ck_assert_int_eq(hit("192.0.2.10", "extract", 5, &retry_after), 0);
	ck_assert_int_eq(hit("192.0.2.11", "extract", 5, &retry_after), 0);
	ck_assert_int_eq(hit("192.0.2.12", "preview", 5, &retry_after), 0);
	put_raw("ip:not-a-valid-record", "garbage");
	put_raw("other:key", "kept");
	time_t now = time(NULL);

	ck_assert_msg(store_prune(data_dir, now, false, &removed, err, sizeof err) == 0,
		      "store_prune: %s", err);
	ck_assert_int_eq(removed, 1);
	ck_assert_int_eq(count_keys_with_prefix("ip:"), 3);

	ck_assert_int_eq(store_prune(data_dir, now + 7200, true, &removed, err, sizeof err), 0);
	ck_assert_int_eq(removed, 3);
	ck_assert_int_eq(count_keys_with_prefix("ip:"), 3);

	ck_assert_int_eq(store_prune(data_dir, now + 7200, false, &removed, err, sizeof err), 0);
	ck_assert_int_eq(removed, 3);
	ck_assert_int_eq(count_keys_with_prefix("ip:"), 0);
	ck_assert_int_eq(count_keys_with_prefix("other:"), 1);
	ck_assert_int_eq(get_count("extract", NULL), 2);
	ck_assert_int_eq(get_count("preview", NULL), 1);

	/* gdbm_reorganize replaced the file; it must stay private. */
	char path[128];
	struct stat st;
	path_in_data_dir(path, sizeof path, "imagegather.gdbm");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	ck_assert_int_eq(store_prune(data_dir, now + 7200, false, &removed, err, sizeof err), 0);
	ck_assert_int_eq(removed, 0);
}
END_TEST

START_TEST(prune_hour_end_boundary)
{
	long retry_after, removed = -1;
	ck_assert_int_eq(hit("192.0.2.10", "extract", 5, &retry_after), 0);
	time_t hour_end = (time(NULL) / 3600 + 1) * 3600;

	ck_assert_int_eq(store_prune(data_dir, hour_end - 1, false, &removed, err, sizeof err), 0);
	ck_assert_int_eq(removed, 0);
	ck_assert_int_eq(store_prune(data_dir, hour_end, false, &removed, err, sizeof err), 0);
	ck_assert_int_eq(removed, 1);
}
END_TEST

START_TEST(prune_without_database)
{
	long removed = -1;
	ck_assert_int_eq(store_prune(data_dir, time(NULL), false, &removed, err, sizeof err), 0);
	ck_assert_int_eq(removed, 0);
	ck_assert_int_eq(store_prune(data_dir, time(NULL), true, &removed, err, sizeof err), 0);
	ck_assert_int_eq(removed, 0);

	struct stat st;
	char path[128];
	path_in_data_dir(path, sizeof path, "imagegather.gdbm");
	ck_assert_int_eq(stat(path, &st), -1);
}
END_TEST

START_TEST(prune_damaged_reports_error)
{
	write_file("imagegather.gdbm", "not a database, just text that is long enough", 46);
	long removed;
	ck_assert_int_eq(store_prune(data_dir, time(NULL), false, &removed, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "imagegather.gdbm"), "error does not name the file: %s", err);
	ck_assert_int_eq(count_damaged_files(), 0);
}
END_TEST

START_TEST(lock_wait_times_out)
{
	char path[128];
	path_in_data_dir(path, sizeof path, "imagegather.lock");
	int fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);

	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int rc = store_count(data_dir, "export", NULL, err, sizeof err);
	clock_gettime(CLOCK_MONOTONIC, &end);
	close(fd);

	ck_assert_int_eq(rc, STORE_BUSY);
	ck_assert_msg(strstr(err, "timed out"), "unexpected error: %s", err);
	double seconds = (double)(end.tv_sec - start.tv_sec) +
			 (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	ck_assert_double_ge(seconds, 4.5);
	ck_assert_double_le(seconds, 8.0);
}
END_TEST

/* Runs fn in CHILDREN processes at once; each child exits 0 when all its calls succeeded. */
static void run_children(void (*fn)(int child))
{
	pid_t pids[CHILDREN];
	for (int i = 0; i < CHILDREN; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			fn(i);
			_exit(0);
		}
	}
	int failed = 0;
	for (int i = 0; i < CHILDREN; i++) {
		int status;
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	ck_assert_int_eq(failed, 0);
}

static void hit_or_count(int child)
{
	char message[512];
	for (int i = 0; i < OPS_PER_CHILD; i++) {
		long retry_after;
		int rc;
		if (child % 2)
			rc = store_count(data_dir, "export", "shared", message, sizeof message);
		else
			rc = store_hit(data_dir, "192.0.2.10", "extract", 0, "shared",
				       &retry_after, message, sizeof message);
		if (rc != 0) {
			fprintf(stderr, "child %d call %d: %s\n", child, i, message);
			_exit(1);
		}
	}
}

START_TEST(parallel_increments_exact)
{
	run_children(hit_or_count);
	ck_assert_int_eq(get_count("extract", "shared"), CHILDREN / 2 * OPS_PER_CHILD);
	ck_assert_int_eq(get_count("export", "shared"), CHILDREN / 2 * OPS_PER_CHILD);
}
END_TEST

static void hit_limited(int child)
{
	char message[512];
	for (int i = 0; i < OPS_PER_CHILD; i++) {
		long retry_after;
		int rc = store_hit(data_dir, "198.51.100.5", "preview", 100, NULL,
				   &retry_after, message, sizeof message);
		if (rc < 0) {
			fprintf(stderr, "child %d call %d: %s\n", child, i, message);
			_exit(1);
		}
	}
}

START_TEST(parallel_limit_exact)
{
	run_children(hit_limited);
	ck_assert_int_eq(get_count("preview", NULL), 100);
}
END_TEST

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");
	tcase_add_checked_fixture(tc, make_data_dir, remove_data_dir);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, count_adds_per_label);
	tcase_add_test(tc, get_count_without_database);
	tcase_add_test(tc, hit_rate_limit_three);
	tcase_add_test(tc, hit_limit_separate_per_ip_event);
	tcase_add_test(tc, hit_limit_zero_keeps_no_ip);
	tcase_add_test(tc, hit_label_counted);
	tcase_add_test(tc, raw_ip_never_stored);
	tcase_add_test(tc, secret_created_once);
	tcase_add_test(tc, secret_short_rejected);
	tcase_add_test(tc, secret_long_rejected);
	tcase_add_test(tc, invalid_names_rejected);
	tcase_add_test(tc, missing_data_dir_fails);
	tcase_add_test(tc, symlinked_store_refused);
	tcase_add_test(tc, dangling_symlink_store_refused);
	tcase_add_test(tc, fifo_store_refused);
	tcase_add_test(tc, foreign_store_refused);
	tcase_add_test(tc, damaged_header_moved_aside);
	tcase_add_test(tc, truncated_database_moved_aside);
	tcase_add_test(tc, damaged_body_recovers);
	tcase_add_test(tc, damaged_blocks_never_fail);
	tcase_add_test(tc, prune_removes_expired_only);
	tcase_add_test(tc, prune_hour_end_boundary);
	tcase_add_test(tc, prune_without_database);
	tcase_add_test(tc, prune_damaged_reports_error);
	tcase_add_test(tc, lock_wait_times_out);
	tcase_add_test(tc, parallel_increments_exact);
	tcase_add_test(tc, parallel_limit_exact);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? 1 : 0;
}

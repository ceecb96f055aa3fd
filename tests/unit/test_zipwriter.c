/* Unit tests for the ZIP writer: byte structure and the real readers (unzip, 7z, bsdtar, Python, Java). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "zipname.h"
#include "zipwriter.h"

#define MAX_32 0xFFFFFFFFu
#define COMMAND_OUTPUT_MAX (16u << 20)

static char temp_dir[] = "/tmp/imagegather-zip-XXXXXX";

struct test_entry {
	char name[256];
	unsigned char *data;
	size_t len;
	bool compress;
	time_t mtime;
};

/* ---- helpers: files and commands ---- */

static void temp_path(char *out, size_t outlen, const char *leaf)
{
	int n = snprintf(out, outlen, "%s/%s", temp_dir, leaf);
	ck_assert_int_lt(n, (int)outlen);
}

/* Runs cmd with sh, stores stdout and stderr in *output (the caller frees), returns the exit status. */
static int run_command(const char *cmd, char **output)
{
	FILE *p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "popen %s failed: %s", cmd, strerror(errno));
	char *text = malloc(COMMAND_OUTPUT_MAX + 1);
	ck_assert_ptr_nonnull(text);
	size_t len = fread(text, 1, COMMAND_OUTPUT_MAX, p);
	text[len] = '\0';
	char sink[4096];
	while (fread(sink, 1, sizeof(sink), p) > 0)
		continue;
	int status = pclose(p);
	*output = text;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool contains_fold(const char *text, const char *word)
{
	size_t word_len = strlen(word);
	for (; *text; text++) {
		if (strncasecmp(text, word, word_len) == 0)
			return true;
	}
	return false;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "opening %s failed: %s", path, strerror(errno));
	ck_assert_int_eq(fseeko(f, 0, SEEK_END), 0);
	off_t size = ftello(f);
	ck_assert_int_ge(size, 0);
	rewind(f);
	unsigned char *data = malloc((size_t)size + 1);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return data;
}

/* Pseudo-random bytes that deflate cannot shrink (xorshift, fixed seed). */
static void fill_random(unsigned char *data, size_t len, uint32_t seed)
{
	uint32_t x = seed ? seed : 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (unsigned char)x;
	}
}

static void fill_text(unsigned char *data, size_t len)
{
	static const char line[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect/></svg>\n";
	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)line[i % (sizeof(line) - 1)];
}

static void set_entry(struct test_entry *e, const char *name, size_t len, bool compress)
{
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->data = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(e->data);
	e->len = len;
	e->compress = compress;
	e->mtime = 1715000000;
}

static void free_entries(struct test_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(entries[i].data);
}

static void write_archive(const char *path, const struct test_entry *entries, size_t n)
{
	FILE *out = fopen(path, "wb");
	ck_assert_msg(out != NULL, "creating %s failed: %s", path, strerror(errno));
	struct zip_writer *zw = zip_writer_new(out);
	ck_assert_ptr_nonnull(zw);
	char err[256] = "";
	for (size_t i = 0; i < n; i++) {
		int rc = zip_writer_add(zw, entries[i].name, entries[i].data, entries[i].len,
					entries[i].mtime, entries[i].compress, err, sizeof(err));
		ck_assert_msg(rc == 0, "adding %s failed: %s", entries[i].name, err);
	}
	ck_assert_msg(zip_writer_finish(zw, err, sizeof(err)) == 0, "finish failed: %s", err);
	zip_writer_free(zw);
	ck_assert_int_eq(fclose(out), 0);
}

/* ---- structural checks on the bytes ---- */

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Returns the extra field with id in extra, storing its length, or NULL. Checks the field layout. */
static const unsigned char *find_extra(const unsigned char *extra, size_t len, uint16_t id,
				       size_t *field_len)
{
	const unsigned char *found = NULL;
	size_t pos = 0;
	while (pos < len) {
		ck_assert_uint_le(pos + 4, len);
		uint16_t field_id = get16(extra + pos);
		size_t size = get16(extra + pos + 2);
		ck_assert_uint_le(pos + 4 + size, len);
		ck_assert_msg(field_id != 0x7075, "Info-ZIP Unicode Path field present");
		if (field_id == id) {
			ck_assert_msg(!found, "extra field 0x%04x appears twice", id);
			found = extra + pos + 4;
			*field_len = size;
		}
		pos += 4 + size;
	}
	return found;
}

/* Fields the central directory stores for one entry. */
struct parsed_entry {
	uint16_t method;
	uint16_t dos_date;
	uint16_t dos_time;
	uint32_t unix_time;
	uint32_t crc;
	uint64_t size;
	uint64_t compressed_size;
	uint64_t offset;
};

/* Reads the ZIP64 field of a central header: exactly the values whose 32-bit slot is 0xFFFFFFFF. */
static void read_zip64_field(const unsigned char *extra, size_t extra_len, uint32_t usize32,
			     uint32_t csize32, uint32_t offset32, struct parsed_entry *pe)
{
	size_t wanted = 8 * ((usize32 == MAX_32) + (csize32 == MAX_32) + (offset32 == MAX_32));
	size_t field_len = 0;
	const unsigned char *z = find_extra(extra, extra_len, 0x0001, &field_len);
	if (wanted == 0) {
		ck_assert_msg(!z, "ZIP64 field present although no slot needs it");
		return;
	}
	ck_assert_msg(z != NULL, "ZIP64 field missing");
	ck_assert_uint_eq(field_len, wanted);
	if (usize32 == MAX_32) {
		pe->size = get64(z);
		z += 8;
		ck_assert_uint_ge(pe->size, MAX_32);
	}
	if (csize32 == MAX_32) {
		pe->compressed_size = get64(z);
		z += 8;
	}
	if (offset32 == MAX_32) {
		pe->offset = get64(z);
		ck_assert_uint_ge(pe->offset, MAX_32);
	}
}

/*
 * Checks one local header against its central header: the same version,
 * flags, method, times, CRC, sizes, name and extra fields, except that the
 * central ZIP64 field alone may carry the local header offset. Returns the
 * offset just past the entry's data.
 */
static uint64_t check_local_header(const unsigned char *zip, uint64_t zip_len,
				   const unsigned char *central, const struct parsed_entry *pe)
{
	ck_assert_uint_le(pe->offset + 30, zip_len);
	const unsigned char *local = zip + pe->offset;
	ck_assert_uint_eq(get32(local), 0x04034b50);
	ck_assert_msg(memcmp(local + 4, central + 6, 24) == 0,
		      "local header fields differ from the central header");
	size_t name_len = get16(local + 26);
	size_t extra_len = get16(local + 28);
	size_t central_extra_len = get16(central + 30);
	const unsigned char *central_extra = central + 46 + name_len;
	ck_assert_mem_eq(local + 30, central + 46, name_len);

	unsigned char expected[64];
	size_t expected_len = 0;
	for (size_t pos = 0; pos < central_extra_len;) {
		uint16_t id = get16(central_extra + pos);
		size_t size = get16(central_extra + pos + 2);
		size_t keep = size;
		if (id == 0x0001 && get32(central + 42) == MAX_32)
			keep -= 8;
		if (keep > 0 || id != 0x0001) {
			ck_assert_uint_le(expected_len + 4 + keep, sizeof(expected));
			memcpy(expected + expected_len, central_extra + pos, 4 + keep);
			expected[expected_len + 2] = (unsigned char)keep;
			expected[expected_len + 3] = 0;
			expected_len += 4 + keep;
		}
		pos += 4 + size;
	}
	ck_assert_uint_eq(extra_len, expected_len);
	ck_assert_msg(memcmp(local + 30 + name_len, expected, expected_len) == 0,
		      "local extra fields differ from the central ones");
	return pe->offset + 30 + name_len + extra_len + pe->compressed_size;
}

/* Parses and checks one central header at p; returns its length. */
static size_t check_central_header(const unsigned char *p, struct parsed_entry *pe)
{
	ck_assert_uint_eq(get32(p), 0x02014b50);
	ck_assert_uint_eq(get16(p + 4) >> 8, 3);                /* Unix host */
	uint16_t needed = get16(p + 6);
	ck_assert_uint_eq(get16(p + 8), 0x0800);                 /* only bit 11 */
	pe->method = get16(p + 10);
	ck_assert(pe->method == 0 || pe->method == 8);
	pe->dos_time = get16(p + 12);
	pe->dos_date = get16(p + 14);
	ck_assert_uint_ne(pe->dos_date, 0);
	pe->crc = get32(p + 16);
	uint32_t csize32 = get32(p + 20);
	uint32_t usize32 = get32(p + 24);
	size_t name_len = get16(p + 28);
	size_t extra_len = get16(p + 30);
	ck_assert_uint_eq(get16(p + 32), 0);                     /* comment */
	ck_assert_uint_eq(get32(p + 38), 0100644u << 16);
	uint32_t offset32 = get32(p + 42);
	ck_assert_uint_gt(name_len, 0);
	ck_assert_msg(p[46 + name_len - 1] != '/', "directory entry written");

	const unsigned char *extra = p + 46 + name_len;
	size_t ut_len = 0;
	const unsigned char *ut = find_extra(extra, extra_len, 0x5455, &ut_len);
	ck_assert_msg(ut != NULL, "extended timestamp missing");
	ck_assert_uint_eq(ut_len, 5);
	ck_assert_uint_eq(ut[0], 1);
	pe->unix_time = get32(ut + 1);

	pe->size = usize32;
	pe->compressed_size = csize32;
	pe->offset = offset32;
	read_zip64_field(extra, extra_len, usize32, csize32, offset32, pe);
	bool zip64 = usize32 == MAX_32 || csize32 == MAX_32 || offset32 == MAX_32;
	uint16_t expected_version = pe->method == 8 ? 20 : 10;
	if (zip64)
		expected_version = 45;
	ck_assert_uint_eq(needed, expected_version);
	if (pe->method == 0)
		ck_assert_uint_eq(pe->compressed_size, pe->size);
	else
		ck_assert_uint_lt(pe->compressed_size, pe->size);
	if (pe->size == 0)
		ck_assert_uint_eq(pe->crc, 0);
	return 46 + name_len + extra_len;
}

/* Reads the end records and checks their counts and that nothing follows or sits between them. */
static void read_end_records(const unsigned char *zip, uint64_t zip_len, uint64_t expected_count,
			     uint64_t *cd_offset, uint64_t *cd_size)
{
	ck_assert_uint_ge(zip_len, 22);
	const unsigned char *end = zip + zip_len - 22;
	ck_assert_uint_eq(get32(end), 0x06054b50);
	ck_assert_uint_eq(get16(end + 4), 0);
	ck_assert_uint_eq(get16(end + 6), 0);
	uint16_t count16 = expected_count >= 0xFFFF ? 0xFFFF : (uint16_t)expected_count;
	ck_assert_uint_eq(get16(end + 8), count16);
	ck_assert_uint_eq(get16(end + 10), count16);
	ck_assert_uint_eq(get16(end + 20), 0);
	*cd_size = get32(end + 12);
	*cd_offset = get32(end + 16);
	bool zip64 = count16 == 0xFFFF || *cd_size == MAX_32 || *cd_offset == MAX_32;
	uint64_t cd_end = zip_len - 22;
	if (!zip64) {
		ck_assert_msg(zip_len < 42 || get32(end - 20) != 0x07064b50,
			      "ZIP64 locator written although not needed");
	} else {
		const unsigned char *locator = end - 20;
		ck_assert_uint_eq(get32(locator), 0x07064b50);
		ck_assert_uint_eq(get32(locator + 4), 0);
		ck_assert_uint_eq(get32(locator + 16), 1);       /* total number of disks */
		uint64_t record_offset = get64(locator + 8);
		ck_assert_uint_eq(record_offset, zip_len - 22 - 20 - 56);
		const unsigned char *record = zip + record_offset;
		ck_assert_uint_eq(get32(record), 0x06064b50);
		ck_assert_uint_eq(get64(record + 4), 44);
		ck_assert_uint_eq(get16(record + 12) >> 8, 3);
		ck_assert_uint_eq(get16(record + 14), 45);
		ck_assert_uint_eq(get64(record + 24), expected_count);
		ck_assert_uint_eq(get64(record + 32), expected_count);
		*cd_size = get64(record + 40);
		*cd_offset = get64(record + 48);
		cd_end = record_offset;
	}
	ck_assert_uint_eq(*cd_offset + *cd_size, cd_end);
}

/*
 * Checks the whole archive at path, starting at start (the first local
 * header): entries back to back, central and local headers agreeing, the
 * end records matching. Fills parsed (room for n entries) when not NULL.
 */
static void check_structure(const char *path, uint64_t start, size_t n, struct parsed_entry *parsed)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseeko(f, 0, SEEK_END), 0);
	uint64_t zip_len = (uint64_t)ftello(f);
	void *map = mmap(NULL, zip_len, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	ck_assert_msg(map != MAP_FAILED, "mmap %s failed: %s", path, strerror(errno));
	const unsigned char *zip = map;

	uint64_t cd_offset, cd_size;
	read_end_records(zip, zip_len, n, &cd_offset, &cd_size);
	uint64_t next_local = start;
	const unsigned char *p = zip + cd_offset;
	for (size_t i = 0; i < n; i++) {
		struct parsed_entry pe;
		ck_assert_uint_lt((uint64_t)(p - zip), cd_offset + cd_size);
		size_t header_len = check_central_header(p, &pe);
		ck_assert_uint_eq(pe.offset, next_local);
		next_local = check_local_header(zip, zip_len, p, &pe);
		if (parsed)
			parsed[i] = pe;
		p += header_len;
	}
	ck_assert_uint_eq((uint64_t)(p - zip), cd_offset + cd_size);
	ck_assert_uint_eq(next_local, cd_offset);
	munmap(map, zip_len);
	fclose(f);
}

/* ---- the real readers ---- */

static void check_unzip(const char *path)
{
	char cmd[512], *out;
	snprintf(cmd, sizeof(cmd), "LC_ALL=C.UTF-8 unzip -t '%s' 2>&1", path);
	int rc = run_command(cmd, &out);
	ck_assert_msg(rc == 0, "unzip -t exit %d: %.2000s", rc, out);
	ck_assert_msg(!contains_fold(out, "warning") && !contains_fold(out, "mismatch"),
		      "unzip -t: %.2000s", out);
	ck_assert_msg(strstr(out, "No errors detected") != NULL, "unzip -t: %.2000s", out);
	free(out);
}

static void check_7z(const char *path)
{
	char cmd[512], *out;
	snprintf(cmd, sizeof(cmd), "7z t '%s' 2>&1", path);
	int rc = run_command(cmd, &out);
	ck_assert_msg(rc == 0, "7z t exit %d: %.2000s", rc, out);
	ck_assert_msg(strstr(out, "Everything is Ok") != NULL, "7z t: %.2000s", out);
	ck_assert_msg(!strstr(out, "WARNING") && !strstr(out, "Warnings"), "7z t: %.2000s", out);
	free(out);
}

static void check_bsdtar_list(const char *path, size_t n)
{
	char cmd[512], *out;
	snprintf(cmd, sizeof(cmd), "bsdtar -tf '%s' 2>&1", path);
	int rc = run_command(cmd, &out);
	ck_assert_msg(rc == 0, "bsdtar -tf exit %d: %.2000s", rc, out);
	ck_assert_uint_eq(count_lines(out), n);
	free(out);
}

/* Reads the archive forward only from a pipe and compares the bytes with the entries in order. */
static void check_bsdtar_stream(const char *path, const struct test_entry *entries, size_t n)
{
	char cmd[1024], stream_path[512], *out;
	temp_path(stream_path, sizeof(stream_path), "stream.out");
	snprintf(cmd, sizeof(cmd), "cat '%s' | bsdtar -xOf - > '%s' 2>&1", path, stream_path);
	int rc = run_command(cmd, &out);
	ck_assert_msg(rc == 0, "bsdtar -xOf - exit %d: %.2000s", rc, out);
	free(out);
	size_t len;
	unsigned char *data = read_whole(stream_path, &len);
	size_t pos = 0;
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_le(pos + entries[i].len, len);
		ck_assert_msg(memcmp(data + pos, entries[i].data, entries[i].len) == 0,
			      "bsdtar stream differs in %s", entries[i].name);
		pos += entries[i].len;
	}
	ck_assert_uint_eq(pos, len);
	free(data);
	unlink(stream_path);
}

static void check_python(const char *path, size_t n)
{
	char cmd[1024], *out, expected[64];
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import sys, zipfile\n"
		 "z = zipfile.ZipFile(sys.argv[1])\n"
		 "bad = z.testzip()\n"
		 "print(\"bad %%r\" %% bad if bad is not None else \"entries %%d\" %% len(z.infolist()))' '%s' 2>&1",
		 path);
	int rc = run_command(cmd, &out);
	snprintf(expected, sizeof(expected), "entries %zu\n", n);
	ck_assert_msg(rc == 0 && strcmp(out, expected) == 0, "python zipfile: %.2000s", out);
	free(out);
}

static void check_java(const char *path, size_t n, bool stream)
{
	char cmd[1024], *out, expected[64];
	snprintf(cmd, sizeof(cmd), "java tests/unit/ZipRead.java '%s' %s 2>&1", path,
		 stream ? "" : "--no-stream");
	int rc = run_command(cmd, &out);
	snprintf(expected, sizeof(expected), "entries %zu\n", n);
	ck_assert_msg(rc == 0 && strcmp(out, expected) == 0, "java ZipRead: %.2000s", out);
	free(out);
}

/* Extracts with unzip and compares every file and its mode with the input. */
static void check_extracted(const char *path, const struct test_entry *entries, size_t n)
{
	char dir[512], cmd[2048], *out;
	temp_path(dir, sizeof(dir), "extracted");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && LC_ALL=C.UTF-8 unzip -o -q -d '%s' '%s' 2>&1",
		 dir, dir, path);
	int rc = run_command(cmd, &out);
	ck_assert_msg(rc == 0, "unzip -d exit %d: %.2000s", rc, out);
	free(out);
	for (size_t i = 0; i < n; i++) {
		char file[1024];
		snprintf(file, sizeof(file), "%s/%s", dir, entries[i].name);
		struct stat st;
		ck_assert_msg(stat(file, &st) == 0, "extracted %s missing: %s", entries[i].name,
			      strerror(errno));
		ck_assert_uint_eq(st.st_mode & 07777, 0644);
		size_t len;
		unsigned char *data = read_whole(file, &len);
		ck_assert_uint_eq(len, entries[i].len);
		ck_assert_msg(memcmp(data, entries[i].data, len) == 0, "extracted %s differs",
			      entries[i].name);
		free(data);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void check_all_readers(const char *path, const struct test_entry *entries, size_t n)
{
	check_unzip(path);
	check_7z(path);
	check_bsdtar_list(path, n);
	check_bsdtar_stream(path, entries, n);
	check_python(path, n);
	check_java(path, n, true);
	check_extracted(path, entries, n);
}

/* ---- tests ---- */

START_TEST(zipwriter_mixed_entries)
{
	struct test_entry e[6];
	set_entry(&e[0], "photo.jpg", 70000, false);
	fill_random(e[0].data, e[0].len, 1);
	set_entry(&e[1], "drawing.svg", 50000, true);
	fill_text(e[1].data, e[1].len);
	set_entry(&e[2], "noise.bmp", 100000, true);     /* deflating does not shrink it */
	fill_random(e[2].data, e[2].len, 2);
	set_entry(&e[3], "empty.png", 0, false);
	set_entry(&e[4], "empty.svg", 0, true);
	set_entry(&e[5], "tiny.svg", 1, true);
	e[5].data[0] = 'x';
	char path[512];
	temp_path(path, sizeof(path), "mixed.zip");
	write_archive(path, e, 6);

	struct parsed_entry parsed[6];
	check_structure(path, 0, 6, parsed);
	ck_assert_uint_eq(parsed[0].method, 0);
	ck_assert_uint_eq(parsed[1].method, 8);
	ck_assert_uint_lt(parsed[1].compressed_size, 5000);
	ck_assert_uint_eq(parsed[2].method, 0);
	ck_assert_uint_eq(parsed[3].method, 0);
	ck_assert_uint_eq(parsed[3].crc, 0);
	ck_assert_uint_eq(parsed[4].method, 0);
	ck_assert_uint_eq(parsed[4].compressed_size, 0);
	ck_assert_uint_eq(parsed[5].method, 0);
	check_all_readers(path, e, 6);
	free_entries(e, 6);
}
END_TEST

START_TEST(zipwriter_unicode_names)
{
	static const char *const names[] = {
		"caf\xC3\xA9.png",                      /* NFC */
		"cafe\xCC\x81.png",                     /* NFD */
		"\xE7\x8C\xAB\xE3\x81\xAE\xE5\x86\x99\xE7\x9C\x9F.jpg",
		"\xF0\x9F\x90\x88\xE2\x80\x8D\xE2\xAC\x9B.gif",
		"\xD7\x97\xD7\xAA\xD7\x95\xD7\x9C.webp",
		"\xD9\x82\xD8\xB7\xD8\xA9.avif",
	};
	size_t n = sizeof(names) / sizeof(names[0]);
	struct test_entry e[6];
	for (size_t i = 0; i < n; i++) {
		set_entry(&e[i], names[i], 1000 + i, i % 2 == 0);
		fill_text(e[i].data, e[i].len);
	}
	char path[512];
	temp_path(path, sizeof(path), "unicode.zip");
	write_archive(path, e, n);
	check_structure(path, 0, n, NULL);
	check_all_readers(path, e, n);
	free_entries(e, n);
}
END_TEST

/* Names from hostile URLs, made by zipname_make, survive every reader and extract flat. */
START_TEST(zipwriter_hostile_url_names)
{
	static const char *const urls[] = {
		"https://h.test/..%2Fx.jpg", "https://h.test/%2Fetc%2Fx.jpg",
		"https://h.test/C:%5Cx.jpg", "https://h.test/%5C%5Chost%5Cshare%5Cx.jpg",
		"https://h.test/CON.jpg", "https://h.test/x%3F.jpg", "https://h.test/x.jpg.",
		"https://h.test/a.jpg", "https://h.test/a.jpg", "https://h.test/A.jpg",
		"https://h.test/bad%FF%FE.jpg", "https://h.test/%E2%80%AEgpj.exe",
	};
	size_t n = sizeof(urls) / sizeof(urls[0]);
	struct test_entry e[12];
	struct zipname_set set;
	zipname_set_init(&set);
	for (size_t i = 0; i < n; i++) {
		char *name = zipname_make(&set, urls[i], "jpg");
		ck_assert_ptr_nonnull(name);
		set_entry(&e[i], name, 10 + i, false);
		fill_random(e[i].data, e[i].len, (uint32_t)i + 5);
		free(name);
	}
	zipname_set_free(&set);
	char path[512];
	temp_path(path, sizeof(path), "hostile.zip");
	write_archive(path, e, n);
	check_structure(path, 0, n, NULL);
	check_all_readers(path, e, n);
	free_entries(e, n);
}
END_TEST

/* A 300-byte name is capped at ZIPNAME_MAX bytes and readers extract it. */
START_TEST(zipwriter_long_name)
{
	struct zipname_set set;
	zipname_set_init(&set);
	char url[512] = "https://h.test/";
	size_t len = strlen(url);
	memset(url + len, 'n', 300);
	strcpy(url + len + 300, ".png");
	char *name = zipname_make(&set, url, "png");
	ck_assert_ptr_nonnull(name);
	ck_assert_uint_eq(strlen(name), ZIPNAME_MAX);
	struct test_entry e[1];
	set_entry(&e[0], name, 64, false);
	fill_random(e[0].data, e[0].len, 9);
	free(name);
	zipname_set_free(&set);
	char path[512];
	temp_path(path, sizeof(path), "long.zip");
	write_archive(path, e, 1);
	check_structure(path, 0, 1, NULL);
	check_all_readers(path, e, 1);
	free_entries(e, 1);
}
END_TEST

/* With no entries, finish writes a valid 22-byte empty archive. */
START_TEST(zipwriter_empty_archive)
{
	char path[512], cmd[1024], *out;
	temp_path(path, sizeof(path), "empty.zip");
	write_archive(path, NULL, 0);
	size_t len;
	unsigned char *data = read_whole(path, &len);
	ck_assert_uint_eq(len, 22);
	free(data);
	check_structure(path, 0, 0, NULL);
	check_7z(path);
	check_bsdtar_list(path, 0);
	check_python(path, 0);
	check_java(path, 0, true);
	/* unzip 6.0 reports an empty archive with exit status 1, not as damage. */
	snprintf(cmd, sizeof(cmd), "unzip -t '%s' 2>&1", path);
	int rc = run_command(cmd, &out);
	ck_assert_msg(rc == 1 && strstr(out, "zipfile is empty"), "unzip -t: %d %.2000s", rc, out);
	free(out);
}
END_TEST

/* 65,534 entries fit the classic end record; from 65,535 on the ZIP64 records are needed. */
static const size_t entry_counts[] = { 65534, 65535, 65536 };

START_TEST(zipwriter_entry_counts)
{
	size_t n = entry_counts[_i];
	char path[512];
	temp_path(path, sizeof(path), "many.zip");
	FILE *out = fopen(path, "wb");
	ck_assert_ptr_nonnull(out);
	struct zip_writer *zw = zip_writer_new(out);
	ck_assert_ptr_nonnull(zw);
	char err[256];
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "f%05zu.txt", i);
		unsigned char byte = (unsigned char)i;
		ck_assert_msg(zip_writer_add(zw, name, &byte, 1, 1715000000, i % 2, err, sizeof(err)) == 0,
			      "adding %s failed: %s", name, err);
	}
	ck_assert_msg(zip_writer_finish(zw, err, sizeof(err)) == 0, "finish failed: %s", err);
	zip_writer_free(zw);
	ck_assert_int_eq(fclose(out), 0);

	check_structure(path, 0, n, NULL);
	check_unzip(path);
	check_7z(path);
	check_bsdtar_list(path, n);
	check_python(path, n);
	check_java(path, n, true);
	unlink(path);
}
END_TEST

/*
 * The archive starts just below 4 GiB into a sparse file, so the second
 * entry's local header offset and the central directory need ZIP64 without
 * 4 GiB of memory or disk. ZipInputStream and forward-only bsdtar are left
 * out because a stream that starts with 4 GiB of zeros is not a ZIP stream,
 * and 7z because 7-Zip 26.02 cannot open a ZIP archive behind that much
 * leading data. zipwriter_zip64_sizes runs all of them on real offsets.
 */
START_TEST(zipwriter_zip64_offsets)
{
	/* The second local header starts at exactly 0xFFFFFFFF: 48 header bytes and 100 data bytes come first. */
	uint64_t start = MAX_32 - 148;
	char path[512];
	temp_path(path, sizeof(path), "offset.zip");
	FILE *out = fopen(path, "wb");
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(fseeko(out, (off_t)start, SEEK_SET), 0);
	struct test_entry e[3];
	set_entry(&e[0], "below.jpg", 100, false);
	fill_random(e[0].data, e[0].len, 3);
	set_entry(&e[1], "above.jpg", 3000, false);
	fill_random(e[1].data, e[1].len, 4);
	set_entry(&e[2], "above.svg", 3000, true);
	fill_text(e[2].data, e[2].len);
	struct zip_writer *zw = zip_writer_new_at(out, start);
	ck_assert_ptr_nonnull(zw);
	char err[256];
	for (size_t i = 0; i < 3; i++) {
		ck_assert_msg(zip_writer_add(zw, e[i].name, e[i].data, e[i].len, e[i].mtime,
					     e[i].compress, err, sizeof(err)) == 0, "add: %s", err);
	}
	ck_assert_msg(zip_writer_finish(zw, err, sizeof(err)) == 0, "finish: %s", err);
	zip_writer_free(zw);
	ck_assert_int_eq(fclose(out), 0);

	struct parsed_entry parsed[3];
	check_structure(path, start, 3, parsed);
	ck_assert_uint_lt(parsed[0].offset, MAX_32);
	ck_assert_uint_eq(parsed[1].offset, MAX_32);
	ck_assert_uint_gt(parsed[2].offset, MAX_32);
	ck_assert_uint_eq(parsed[2].method, 8);
	check_unzip(path);
	check_bsdtar_list(path, 3);
	check_python(path, 3);
	check_java(path, 3, false);
	check_extracted(path, e, 3);
	free_entries(e, 3);
	unlink(path);
}
END_TEST

/*
 * Entries of 4 GiB and more, read from an anonymous mapping of zeros so
 * they take no memory; the archive takes about 8 GiB of disk and a few
 * minutes, so this runs only when IMAGEGATHER_LARGE_TESTS=1.
 */
START_TEST(zipwriter_zip64_sizes)
{
	const char *enabled = getenv("IMAGEGATHER_LARGE_TESTS");
	if (!enabled || strcmp(enabled, "1") != 0) {
		printf("zipwriter_zip64_sizes skipped: set IMAGEGATHER_LARGE_TESTS=1 to run it\n");
		return;
	}
	static const size_t sizes[] = { (size_t)MAX_32 - 1, (size_t)MAX_32, ((size_t)1 << 32) + (1 << 20) };
	size_t map_len = sizes[2];
	unsigned char *zeros = mmap(NULL, map_len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ck_assert_msg(zeros != MAP_FAILED, "mmap failed: %s", strerror(errno));
	char path[512];
	temp_path(path, sizeof(path), "large.zip");
	FILE *out = fopen(path, "wb");
	ck_assert_ptr_nonnull(out);
	struct zip_writer *zw = zip_writer_new(out);
	char err[256];
	ck_assert_int_eq(zip_writer_add(zw, "fffffffe.bmp", zeros, sizes[0], 0, false, err, sizeof(err)), 0);
	ck_assert_int_eq(zip_writer_add(zw, "ffffffff.bmp", zeros, sizes[1], 0, true, err, sizeof(err)), 0);
	ck_assert_int_eq(zip_writer_add(zw, "4gib.bmp", zeros, sizes[2], 0, false, err, sizeof(err)), 0);
	ck_assert_int_eq(zip_writer_add(zw, "after.bmp", zeros, 10, 0, false, err, sizeof(err)), 0);
	ck_assert_int_eq(zip_writer_finish(zw, err, sizeof(err)), 0);
	zip_writer_free(zw);
	ck_assert_int_eq(fclose(out), 0);
	munmap(zeros, map_len);

	struct parsed_entry parsed[4];
	check_structure(path, 0, 4, parsed);
	ck_assert_uint_eq(parsed[0].size, sizes[0]);
	ck_assert_uint_eq(parsed[1].size, sizes[1]);
	ck_assert_uint_eq(parsed[1].method, 8);
	ck_assert_uint_eq(parsed[2].size, sizes[2]);
	ck_assert_uint_ge(parsed[3].offset, MAX_32);
	check_unzip(path);
	check_7z(path);
	check_bsdtar_list(path, 4);
	check_python(path, 4);
	check_java(path, 4, true);
	unlink(path);
}
END_TEST

START_TEST(zipwriter_dos_time_clamped)
{
	static const struct {
		time_t mtime;
		uint16_t date;
		uint16_t time;
		uint32_t unix_time;
	} cases[] = {
		{ 1715000000, (44 << 9) | (5 << 5) | 6, (12 << 11) | (53 << 5) | 10, 1715000000 },
		{ 0, (0 << 9) | (1 << 5) | 1, 0, 0 },
		{ -86400, (0 << 9) | (1 << 5) | 1, 0, 0 },
		{ 7258118400, (127 << 9) | (12 << 5) | 31, (23 << 11) | (59 << 5) | 29, 0x7FFFFFFF },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct test_entry e[4];
	for (size_t i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "t%zu.png", i);
		set_entry(&e[i], name, 4, false);
		memcpy(e[i].data, "abcd", 4);
		e[i].mtime = cases[i].mtime;
	}
	char path[512];
	temp_path(path, sizeof(path), "times.zip");
	write_archive(path, e, n);
	struct parsed_entry parsed[4];
	check_structure(path, 0, n, parsed);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(parsed[i].dos_date, cases[i].date);
		ck_assert_uint_eq(parsed[i].dos_time, cases[i].time);
		ck_assert_uint_eq(parsed[i].unix_time, cases[i].unix_time);
	}
	check_unzip(path);
	check_python(path, n);
	free_entries(e, n);
}
END_TEST

START_TEST(zipwriter_rejects_bad_names)
{
	char path[512], err[256];
	temp_path(path, sizeof(path), "names.zip");
	FILE *out = fopen(path, "wb");
	ck_assert_ptr_nonnull(out);
	struct zip_writer *zw = zip_writer_new(out);
	ck_assert_ptr_nonnull(zw);
	ck_assert_int_eq(zip_writer_add(zw, "", "x", 1, 0, false, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "invalid entry name"), "message: %s", err);
	ck_assert_int_eq(zip_writer_add(zw, NULL, "x", 1, 0, false, err, sizeof(err)), -1);
	ck_assert_int_eq(zip_writer_add(zw, "folder/", "", 0, 0, false, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "directory"), "message: %s", err);
	char *huge = malloc(70000);
	ck_assert_ptr_nonnull(huge);
	memset(huge, 'a', 69999);
	huge[69999] = '\0';
	ck_assert_int_eq(zip_writer_add(zw, huge, "x", 1, 0, false, err, sizeof(err)), -1);
	free(huge);
	ck_assert_int_eq(zip_writer_add(zw, "ok.png", NULL, 5, 0, false, err, sizeof(err)), -1);
	ck_assert_int_eq(zip_writer_add(zw, "ok.png", "x", 1, 0, false, err, sizeof(err)), 0);
	ck_assert_int_eq(zip_writer_finish(zw, err, sizeof(err)), 0);
	ck_assert_int_eq(zip_writer_add(zw, "late.png", "x", 1, 0, false, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "already finished"), "message: %s", err);
	zip_writer_free(zw);
	ck_assert_int_eq(fclose(out), 0);
	check_structure(path, 0, 1, NULL);
	check_unzip(path);
}
END_TEST

/* A full disk is reported, and the writer refuses to go on. */
START_TEST(zipwriter_write_error)
{
	FILE *out = fopen("/dev/full", "wb");
	if (!out) {
		printf("zipwriter_write_error skipped: /dev/full is missing\n");
		return;
	}
	struct zip_writer *zw = zip_writer_new(out);
	ck_assert_ptr_nonnull(zw);
	size_t len = 1 << 20;
	unsigned char *data = malloc(len);
	ck_assert_ptr_nonnull(data);
	fill_random(data, len, 7);
	char err[256] = "";
	int rc = zip_writer_add(zw, "a.jpg", data, len, 0, false, err, sizeof(err));
	if (rc == 0)
		rc = zip_writer_finish(zw, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strstr(err, "failed"), "message: %s", err);
	ck_assert_int_eq(zip_writer_finish(zw, err, sizeof(err)), -1);
	zip_writer_free(zw);
	fclose(out);
	free(data);
}
END_TEST

static Suite *zipwriter_suite(void)
{
	Suite *s = suite_create("zipwriter");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, zipwriter_mixed_entries);
	tcase_add_test(tc, zipwriter_unicode_names);
	tcase_add_test(tc, zipwriter_hostile_url_names);
	tcase_add_test(tc, zipwriter_long_name);
	tcase_add_test(tc, zipwriter_empty_archive);
	tcase_add_loop_test(tc, zipwriter_entry_counts, 0, 3);
	tcase_add_test(tc, zipwriter_zip64_offsets);
	tcase_add_test(tc, zipwriter_zip64_sizes);
	tcase_add_test(tc, zipwriter_dos_time_clamped);
	tcase_add_test(tc, zipwriter_rejects_bad_names);
	tcase_add_test(tc, zipwriter_write_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	umask(022);
	if (!mkdtemp(temp_dir)) {
		fprintf(stderr, "creating a temporary folder from %s failed: %s\n", temp_dir,
			strerror(errno));
		return EXIT_FAILURE;
	}
	SRunner *sr = srunner_create(zipwriter_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", temp_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "removing %s failed\n", temp_dir);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

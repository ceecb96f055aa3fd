/* ZIP archive writer (PKWARE APPNOTE.TXT 6.3.x) built on zlib, for files on disk. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <zlib.h>

#include "buf.h"
#include "zipwriter.h"

/* Signatures and sizes of APPNOTE section 4.3. */
#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_ZIP64_END 0x06064b50u
#define SIG_ZIP64_LOCATOR 0x07064b50u
#define LOCAL_HEADER_SIZE 30
#define CENTRAL_HEADER_SIZE 46
#define END_SIZE 22
#define ZIP64_END_SIZE 56
#define ZIP64_LOCATOR_SIZE 20

#define EXTRA_ZIP64 0x0001
#define EXTRA_TIMESTAMP 0x5455  /* Info-ZIP extended timestamp, APPNOTE 4.6.1 */

#define METHOD_STORED 0
#define METHOD_DEFLATED 8
#define FLAG_UTF8 0x0800        /* general purpose bit 11: name is UTF-8 */

/* Version made by: Unix host (APPNOTE 4.4.2) in the high byte, APPNOTE 6.3 in the low. */
#define VERSION_MADE_BY (3u << 8 | 63u)
#define MODE_REGULAR_0644 0100644u

#define MAX_32 0xFFFFFFFFu
#define MAX_16 0xFFFFu

/* The central directory is kept in memory; this caps it at about 4 million entries. */
#define CENTRAL_DIRECTORY_MAX ((size_t)1 << 30)
/* zlib counts input in uInt, so large images are handed over in slices. */
#define DEFLATE_SLICE ((size_t)1 << 30)

struct zip_writer {
	FILE *out;
	uint64_t offset;        /* file position of the next byte written */
	uint64_t count;
	struct buf central;     /* central directory headers, written by finish */
	z_stream zlib;
	bool zlib_ready;
	bool failed;
	bool finished;
	unsigned char chunk[64 * 1024];
};

/* Fields of the local and central header of one entry. */
struct entry {
	const char *name;
	size_t name_len;
	uint32_t crc;
	uint64_t size;          /* uncompressed */
	uint64_t compressed_size;
	uint64_t offset;        /* of the local header */
	uint16_t method;
	uint16_t dos_time;
	uint16_t dos_date;
	uint32_t unix_time;
	bool zip64_sizes;       /* both size slots are 0xFFFFFFFF */
};

static unsigned char *put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}

static unsigned char *put32(unsigned char *p, uint32_t v)
{
	p = put16(p, (uint16_t)v);
	return put16(p, (uint16_t)(v >> 16));
}

static unsigned char *put64(unsigned char *p, uint64_t v)
{
	p = put32(p, (uint32_t)v);
	return put32(p, (uint32_t)(v >> 32));
}

struct zip_writer *zip_writer_new(FILE *out)
{
	return zip_writer_new_at(out, 0);
}

struct zip_writer *zip_writer_new_at(FILE *out, uint64_t offset)
{
	struct zip_writer *zw = calloc(1, sizeof(*zw));
	if (!zw)
		return NULL;
	zw->out = out;
	zw->offset = offset;
	buf_init(&zw->central, CENTRAL_DIRECTORY_MAX);
	return zw;
}

void zip_writer_free(struct zip_writer *zw)
{
	if (!zw)
		return;
	if (zw->zlib_ready)
		deflateEnd(&zw->zlib);
	buf_free(&zw->central);
	free(zw);
}

/*
 * Converts t to an MS-DOS date and time (APPNOTE 4.4.6) in UTC, because
 * the server's zone is not the visitor's. Readers that use the extended
 * timestamp show local time from it. Times outside 1980-01-01 to
 * 2107-12-31 are clamped to those limits, so the date is never zero.
 */
static void dos_date_time(time_t t, uint16_t *date, uint16_t *time_of_day)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || tm.tm_year < 80) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = 80;
		tm.tm_mday = 1;
	} else if (tm.tm_year > 207) {
		tm.tm_year = 207;
		tm.tm_mon = 11;
		tm.tm_mday = 31;
		tm.tm_hour = 23;
		tm.tm_min = 59;
		tm.tm_sec = 59;
	}
	int seconds = tm.tm_sec > 59 ? 59 : tm.tm_sec;
	*date = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	*time_of_day = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | seconds / 2);
}

/*
 * The extended timestamp stores a 32-bit Unix time that readers differ on
 * reading as signed or unsigned, so only 0 to 2^31 - 1 is written.
 * NOTE: times after 2038-01-19 are stored as that date in this field.
 */
static uint32_t unix_time_32(time_t t)
{
	if (t < 0)
		return 0;
	if ((uint64_t)t > INT32_MAX)
		return INT32_MAX;
	return (uint32_t)t;
}

static bool offset_needs_zip64(const struct entry *e)
{
	return e->offset >= MAX_32;
}

/*
 * APPNOTE 4.4.3: 1.0 for stored, 2.0 for deflated, 4.5 when ZIP64 fields
 * are present. Both headers carry the same value.
 */
static uint16_t version_needed(const struct entry *e)
{
	if (e->zip64_sizes || offset_needs_zip64(e))
		return 45;
	return e->method == METHOD_DEFLATED ? 20 : 10;
}

/*
 * Writes the extra fields into p (room for 37 bytes) and returns their
 * length. The ZIP64 field (APPNOTE 4.5.3) contains exactly the values whose
 * 32-bit slot is 0xFFFFFFFF, in the order uncompressed size, compressed
 * size, local header offset; the offset exists only in the central header.
 * So the two headers differ only by that offset, when it is needed.
 */
static size_t build_extra(const struct entry *e, bool central, unsigned char *p)
{
	unsigned char *start = p;
	bool with_offset = central && offset_needs_zip64(e);
	uint16_t zip64_len = (uint16_t)((e->zip64_sizes ? 16 : 0) + (with_offset ? 8 : 0));
	if (zip64_len > 0) {
		p = put16(p, EXTRA_ZIP64);
		p = put16(p, zip64_len);
		if (e->zip64_sizes) {
			p = put64(p, e->size);
			p = put64(p, e->compressed_size);
		}
		if (with_offset)
			p = put64(p, e->offset);
	}
	p = put16(p, EXTRA_TIMESTAMP);
	p = put16(p, 5);
	*p++ = 1;               /* flags: modification time present */
	p = put32(p, e->unix_time);
	return (size_t)(p - start);
}

/* Fills the fields that local (APPNOTE 4.3.7) and central (4.3.12) headers share, from "version needed". */
static unsigned char *put_common(unsigned char *p, const struct entry *e, size_t extra_len)
{
	p = put16(p, version_needed(e));
	p = put16(p, FLAG_UTF8);
	p = put16(p, e->method);
	p = put16(p, e->dos_time);
	p = put16(p, e->dos_date);
	p = put32(p, e->crc);
	p = put32(p, e->zip64_sizes ? MAX_32 : (uint32_t)e->compressed_size);
	p = put32(p, e->zip64_sizes ? MAX_32 : (uint32_t)e->size);
	p = put16(p, (uint16_t)e->name_len);
	return put16(p, (uint16_t)extra_len);
}

static int write_bytes(struct zip_writer *zw, const void *data, size_t len,
		       char *err, size_t errlen)
{
	if (len > 0 && fwrite(data, 1, len, zw->out) != len) {
		snprintf(err, errlen, "writing the archive failed near offset %llu: %s",
			 (unsigned long long)zw->offset, strerror(errno));
		zw->failed = true;
		return -1;
	}
	return 0;
}

static int seek_to(struct zip_writer *zw, uint64_t offset, char *err, size_t errlen)
{
	if (offset > INT64_MAX || fseeko(zw->out, (off_t)offset, SEEK_SET) != 0) {
		snprintf(err, errlen, "seeking to offset %llu in the archive failed: %s",
			 (unsigned long long)offset, strerror(errno));
		zw->failed = true;
		return -1;
	}
	return 0;
}

/* Writes the local header of e at the current position; returns its length or 0 on error. */
static size_t write_local_header(struct zip_writer *zw, const struct entry *e,
				 char *err, size_t errlen)
{
	unsigned char head[LOCAL_HEADER_SIZE];
	unsigned char extra[64];
	size_t extra_len = build_extra(e, false, extra);
	unsigned char *p = put32(head, SIG_LOCAL);
	put_common(p, e, extra_len);
	if (write_bytes(zw, head, sizeof(head), err, errlen) != 0 ||
	    write_bytes(zw, e->name, e->name_len, err, errlen) != 0 ||
	    write_bytes(zw, extra, extra_len, err, errlen) != 0)
		return 0;
	return sizeof(head) + e->name_len + extra_len;
}

static int append_central_header(struct zip_writer *zw, const struct entry *e,
				 char *err, size_t errlen)
{
	unsigned char head[CENTRAL_HEADER_SIZE];
	unsigned char extra[64];
	size_t extra_len = build_extra(e, true, extra);
	unsigned char *p = put32(head, SIG_CENTRAL);
	p = put16(p, VERSION_MADE_BY);
	p = put_common(p, e, extra_len);
	p = put16(p, 0);        /* comment length */
	p = put16(p, 0);        /* disk number start */
	p = put16(p, 0);        /* internal attributes */
	p = put32(p, (uint32_t)MODE_REGULAR_0644 << 16);
	put32(p, offset_needs_zip64(e) ? MAX_32 : (uint32_t)e->offset);
	if (buf_append(&zw->central, head, sizeof(head)) != 0 ||
	    buf_append(&zw->central, e->name, e->name_len) != 0 ||
	    buf_append(&zw->central, extra, extra_len) != 0) {
		snprintf(err, errlen, "the central directory is full or out of memory at entry %llu",
			 (unsigned long long)zw->count + 1);
		zw->failed = true;
		return -1;
	}
	return 0;
}

static int start_deflate(struct zip_writer *zw, char *err, size_t errlen)
{
	int rc;
	if (zw->zlib_ready)
		rc = deflateReset(&zw->zlib);
	else
		rc = deflateInit2(&zw->zlib, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
				  Z_DEFAULT_STRATEGY);
	if (rc != Z_OK) {
		snprintf(err, errlen, "starting deflate failed: zlib error %d", rc);
		return -1;
	}
	zw->zlib_ready = true;
	return 0;
}

/*
 * Writes the raw deflate stream (RFC 1951, windowBits -15 as APPNOTE 4.4.5
 * method 8 needs) of data at the current position. Stops as soon as the
 * output reaches len bytes, before writing that chunk, so the stored data
 * that replaces it covers every byte written. Returns 1 with the size in
 * *compressed when deflating shrank the data, 0 when it did not, -1 on error.
 */
static int write_deflated(struct zip_writer *zw, const unsigned char *data, size_t len,
			  uint64_t *compressed, char *err, size_t errlen)
{
	if (start_deflate(zw, err, errlen) != 0)
		return -1;
	z_stream *z = &zw->zlib;
	size_t remaining = len;
	uint64_t written = 0;
	int rc;
	z->next_in = (Bytef *)data;
	z->avail_in = 0;
	do {
		if (z->avail_in == 0 && remaining > 0) {
			size_t slice = remaining < DEFLATE_SLICE ? remaining : DEFLATE_SLICE;
			z->avail_in = (uInt)slice;
			remaining -= slice;
		}
		z->next_out = zw->chunk;
		z->avail_out = sizeof(zw->chunk);
		rc = deflate(z, remaining == 0 ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR) {
			snprintf(err, errlen, "deflate failed: zlib error %d", rc);
			return -1;
		}
		size_t have = sizeof(zw->chunk) - z->avail_out;
		if (written + have >= len)
			return 0;
		if (write_bytes(zw, zw->chunk, have, err, errlen) != 0)
			return -1;
		written += have;
	} while (rc != Z_STREAM_END);
	*compressed = written;
	return 1;
}

/* Writes the data of e, deflated when asked and smaller, and rewrites its header to match. */
static int write_entry(struct zip_writer *zw, struct entry *e, const unsigned char *data,
		       bool compress, char *err, size_t errlen)
{
	size_t header_len = write_local_header(zw, e, err, errlen);
	if (header_len == 0)
		return -1;
	if (!compress || e->size == 0)
		return write_bytes(zw, data, (size_t)e->size, err, errlen);

	uint64_t compressed = 0;
	int shrank = write_deflated(zw, data, (size_t)e->size, &compressed, err, errlen);
	if (shrank < 0)
		return -1;
	if (shrank == 1) {
		e->compressed_size = compressed;
	} else {
		e->method = METHOD_STORED;
		e->compressed_size = e->size;
	}
	if (seek_to(zw, e->offset, err, errlen) != 0 ||
	    write_local_header(zw, e, err, errlen) == 0)
		return -1;
	if (shrank == 0)
		return write_bytes(zw, data, (size_t)e->size, err, errlen);
	return seek_to(zw, e->offset + header_len + compressed, err, errlen);
}

static int check_name(const char *name, char *err, size_t errlen)
{
	size_t len = name ? strlen(name) : 0;
	if (len == 0 || len > MAX_16) {
		snprintf(err, errlen, "invalid entry name: length %zu is not 1 to 65535 bytes", len);
		return -1;
	}
	if (name[len - 1] == '/') {
		snprintf(err, errlen, "invalid entry name \"%.100s\": directory entries are not written",
			 name);
		return -1;
	}
	return 0;
}

static int check_state(const struct zip_writer *zw, char *err, size_t errlen)
{
	if (zw->failed) {
		snprintf(err, errlen, "the archive is unusable after an earlier write error");
		return -1;
	}
	if (zw->finished) {
		snprintf(err, errlen, "the archive is already finished");
		return -1;
	}
	return 0;
}

int zip_writer_add(struct zip_writer *zw, const char *name, const void *data,
		   size_t len, time_t mtime, bool compress, char *err, size_t errlen)
{
	if (check_state(zw, err, errlen) != 0 || check_name(name, err, errlen) != 0)
		return -1;
	if (!data && len > 0) {
		snprintf(err, errlen, "entry \"%.100s\" has %zu bytes but no data", name, len);
		return -1;
	}

	struct entry e = {
		.name = name,
		.name_len = strlen(name),
		.crc = (uint32_t)crc32_z(0L, Z_NULL, 0),
		.size = len,
		.compressed_size = len,
		.offset = zw->offset,
		.method = compress && len > 0 ? METHOD_DEFLATED : METHOD_STORED,
		.unix_time = unix_time_32(mtime),
		.zip64_sizes = len >= MAX_32,
	};
	if (len > 0)
		e.crc = (uint32_t)crc32_z(e.crc, data, len);
	dos_date_time(mtime, &e.dos_date, &e.dos_time);

	if (write_entry(zw, &e, data, compress, err, errlen) != 0)
		return -1;
	unsigned char extra[64];
	zw->offset = e.offset + LOCAL_HEADER_SIZE + e.name_len +
		     build_extra(&e, false, extra) + e.compressed_size;
	if (append_central_header(zw, &e, err, errlen) != 0)
		return -1;
	zw->count++;
	return 0;
}

/* APPNOTE 4.3.14 and 4.3.15: the ZIP64 end of central directory record and its locator. */
static int write_zip64_end(struct zip_writer *zw, uint64_t cd_offset, uint64_t cd_size,
			   char *err, size_t errlen)
{
	unsigned char rec[ZIP64_END_SIZE + ZIP64_LOCATOR_SIZE];
	unsigned char *p = put32(rec, SIG_ZIP64_END);
	p = put64(p, ZIP64_END_SIZE - 12);      /* size of the rest of the record */
	p = put16(p, VERSION_MADE_BY);
	p = put16(p, 45);
	p = put32(p, 0);                        /* this disk */
	p = put32(p, 0);                        /* disk with the central directory */
	p = put64(p, zw->count);
	p = put64(p, zw->count);
	p = put64(p, cd_size);
	p = put64(p, cd_offset);
	p = put32(p, SIG_ZIP64_LOCATOR);
	p = put32(p, 0);                        /* disk with the ZIP64 end record */
	p = put64(p, zw->offset);
	put32(p, 1);                            /* total number of disks */
	if (write_bytes(zw, rec, sizeof(rec), err, errlen) != 0)
		return -1;
	zw->offset += sizeof(rec);
	return 0;
}

/*
 * APPNOTE 4.3.16. A count of 0xFFFF or an offset or size of 0xFFFFFFFF
 * sends readers to the ZIP64 record, which finish writes in those cases.
 */
static int write_end(struct zip_writer *zw, uint64_t cd_offset, uint64_t cd_size,
		     char *err, size_t errlen)
{
	unsigned char rec[END_SIZE];
	uint16_t count = zw->count >= MAX_16 ? MAX_16 : (uint16_t)zw->count;
	unsigned char *p = put32(rec, SIG_END);
	p = put16(p, 0);                        /* this disk */
	p = put16(p, 0);                        /* disk with the central directory */
	p = put16(p, count);
	p = put16(p, count);
	p = put32(p, cd_size >= MAX_32 ? MAX_32 : (uint32_t)cd_size);
	p = put32(p, cd_offset >= MAX_32 ? MAX_32 : (uint32_t)cd_offset);
	put16(p, 0);                            /* comment length */
	if (write_bytes(zw, rec, sizeof(rec), err, errlen) != 0)
		return -1;
	zw->offset += sizeof(rec);
	return 0;
}

int zip_writer_finish(struct zip_writer *zw, char *err, size_t errlen)
{
	if (check_state(zw, err, errlen) != 0)
		return -1;
	uint64_t cd_offset = zw->offset;
	uint64_t cd_size = zw->central.len;
	if (write_bytes(zw, zw->central.data, zw->central.len, err, errlen) != 0)
		return -1;
	zw->offset += cd_size;
	bool zip64 = zw->count >= MAX_16 || cd_offset >= MAX_32 || cd_size >= MAX_32;
	if (zip64 && write_zip64_end(zw, cd_offset, cd_size, err, errlen) != 0)
		return -1;
	if (write_end(zw, cd_offset, cd_size, err, errlen) != 0)
		return -1;
	if (fflush(zw->out) != 0) {
		snprintf(err, errlen, "flushing the archive failed: %s", strerror(errno));
		zw->failed = true;
		return -1;
	}
	zw->finished = true;
	return 0;
}

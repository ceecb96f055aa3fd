/* ZIP archive writer (PKWARE APPNOTE 6.3) built on zlib, for files on disk. */
#ifndef IG_ZIPWRITER_H
#define IG_ZIPWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct zip_writer;

/*
 * Starts an archive on out, a file opened for writing at offset 0 that
 * stays owned by the caller. Returns NULL when memory runs out.
 */
struct zip_writer *zip_writer_new(FILE *out);

/*
 * Starts an archive on out whose write position is already offset bytes
 * into the file, after data the caller wrote (as in a self-extracting
 * archive). Offsets in the archive count from the start of the file, which
 * is what readers expect. zip_writer_new(out) is zip_writer_new_at(out, 0).
 * Returns NULL when memory runs out.
 */
struct zip_writer *zip_writer_new_at(FILE *out, uint64_t offset);

/*
 * Appends one entry holding the len bytes at data: stored when compress is
 * false, else deflated (stored after all when deflating does not shrink it).
 * Local headers carry the real CRC-32 and sizes, names are UTF-8 with bit 11
 * set, the host is Unix with mode 0644, and each entry has an extended
 * timestamp; ZIP64 fields appear only where a size or offset needs them.
 * name must be valid UTF-8 (zipname_make returns such names), 1 to 65,535
 * bytes, and must not end in '/'. out must be seekable, because a deflated
 * entry's header is rewritten with the compressed size once it is known.
 * Returns 0, or -1 with a message in err; after a failed write every later
 * call fails too, and the caller discards the file.
 */
int zip_writer_add(struct zip_writer *zw, const char *name, const void *data,
		   size_t len, time_t mtime, bool compress, char *err, size_t errlen);

/*
 * Writes the central directory and end records and flushes out. With no
 * entries the result is a valid empty archive (22 bytes). Returns 0, or -1
 * with a message in err.
 */
int zip_writer_finish(struct zip_writer *zw, char *err, size_t errlen);

/* Frees the writer; does not close its file. */
void zip_writer_free(struct zip_writer *zw);

#endif

/* ZIP archive writer (PKWARE APPNOTE 6.3) built on zlib, for files on disk. */
#ifndef IG_ZIPWRITER_H
#define IG_ZIPWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct zip_writer;

/*
 * Starts an archive on out, a file opened for writing at offset 0 that
 * stays owned by the caller. Returns NULL when memory runs out.
 */
struct zip_writer *zip_writer_new(FILE *out);

/*
 * Appends one entry holding the len bytes at data: stored when compress is
 * false, else deflated (stored after all when deflating does not shrink it).
 * Local headers carry the real CRC-32 and sizes, names are UTF-8 with bit 11
 * set, the host is Unix with mode 0644, and each entry has an extended
 * timestamp; ZIP64 fields appear only where a size or offset needs them.
 * Returns 0, or -1 with a message in err.
 */
int zip_writer_add(struct zip_writer *zw, const char *name, const void *data,
		   size_t len, time_t mtime, bool compress, char *err, size_t errlen);

/* Writes the central directory and end records. Returns 0, or -1 with a message in err. */
int zip_writer_finish(struct zip_writer *zw, char *err, size_t errlen);

/* Frees the writer; does not close its file. */
void zip_writer_free(struct zip_writer *zw);

#endif

/* Export limits shared between requests (hourly byte budget, data folder size) and the archive file. */
#ifndef IG_EXPORTCAP_H
#define IG_EXPORTCAP_H

#include <stddef.h>
#include <stdio.h>

#include "cgi.h"
#include "program.h"

/*
 * Sums the sizes of the regular files in data_dir/exports into *bytes,
 * leaving out the file named skip (a base name, may be NULL). A missing
 * folder counts as empty. Returns 0, or -1 with a message in err.
 */
int exports_usage(const char *data_dir, const char *skip, long long *bytes,
		  char *err, size_t errlen);

/*
 * Checks before an export starts that the client has bytes left in its
 * hourly budget (limit_export_bytes_per_hour; 429 with Retry-After when
 * not) and that the archives in the data folder are below max_data_bytes
 * (503 "busy" when not). Returns 0, or -1 with e set.
 */
int export_caps_check_start(struct program *p, struct http_error *e);

/*
 * Admits one image of image_bytes into an archive that already holds
 * archive_bytes, part being the base name of the archive's file: the data
 * folder must stay within max_data_bytes, and the image's bytes are taken
 * from the client's hourly budget. Returns NULL when admitted, else the
 * reason, written into why, to report for this image.
 */
const char *export_caps_admit(struct program *p, const char *part,
			      unsigned long long archive_bytes, size_t image_bytes,
			      char *why, size_t whylen);

/*
 * Creates data_dir/exports (mode 0700) and the archive's part file
 * data_dir/exports/TOKEN.zip.part (mode 0600) with O_CREAT | O_EXCL |
 * O_NOFOLLOW, so two exports can never write one file: a second open of the
 * same token fails with EEXIST and leaves the first file alone. Writes the
 * path into part (size bytes). Returns the stream, or NULL after logging.
 */
FILE *export_open_part(const char *data_dir, const char *token, char *part, size_t size);

#endif

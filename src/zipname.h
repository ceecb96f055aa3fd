/* Safe, unique ZIP entry names derived from image URLs. */
#ifndef IG_ZIPNAME_H
#define IG_ZIPNAME_H

#include <stddef.h>

/* Names already given in one archive, compared case-insensitively. */
struct zipname_set {
	char **names;
	size_t count;
	size_t cap;
};

void zipname_set_init(struct zipname_set *set);
void zipname_set_free(struct zipname_set *set);

/*
 * Returns a new entry name for the image at url with the sniffed extension
 * (without dot): the last path segment, percent-decoded, made valid UTF-8,
 * with no path separators, dot segments, control characters, characters
 * Windows rejects or device names, at most 200 bytes, and numbered " (2)",
 * " (3)" when set already holds it. Adds it to set. The caller frees it.
 * Returns NULL only when memory runs out.
 */
char *zipname_make(struct zipname_set *set, const char *url, const char *extension);

#endif

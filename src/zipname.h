/* Safe, unique ZIP entry names derived from image URLs. */
#ifndef IG_ZIPNAME_H
#define IG_ZIPNAME_H

#include <stddef.h>

/* Maximum length of a name that zipname_make returns, in bytes. */
#define ZIPNAME_MAX 200

/*
 * Names already given in one archive, compared with ASCII case folding.
 * index is a hash table of positions in names plus one (0 marks a free
 * slot), so that tens of thousands of names stay fast to check.
 */
struct zipname_set {
	char **names;
	size_t count;
	size_t cap;
	size_t *index;
	size_t index_cap;       /* a power of two, or 0 before the first name */
};

void zipname_set_init(struct zipname_set *set);
void zipname_set_free(struct zipname_set *set);

/*
 * Returns a new entry name for the image at url with the sniffed extension
 * (without dot): the last path segment, percent-decoded, made valid UTF-8
 * (invalid bytes become U+FFFD), with no path separators, dot segments,
 * drive or UNC prefix, control characters (bidirectional overrides too),
 * characters Windows rejects, leading dots or device names, at most
 * ZIPNAME_MAX bytes cut at a character boundary, and numbered " (2)",
 * " (3)" when set already contains it. A wrong or missing extension is
 * replaced ("jpeg" passes for "jpg", "tif" for "tiff"), and an empty name
 * becomes "image.EXT". Adds it to set. The caller frees it. Returns NULL
 * only when memory runs out.
 *
 * NOTE: duplicates are found with ASCII case folding only, so "É.jpg"
 * and "é.jpg", or one name in NFC and NFD, count as different although
 * NTFS or APFS may treat them as one file.
 */
char *zipname_make(struct zipname_set *set, const char *url, const char *extension);

#endif

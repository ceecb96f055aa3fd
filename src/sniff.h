/* Image type detection from the leading bytes (magic numbers), never from headers. */
#ifndef IG_SNIFF_H
#define IG_SNIFF_H

#include <stddef.h>

struct image_type {
	const char *mime;       /* "image/png" */
	const char *extension;  /* "png", without the dot */
	int compressed;         /* 1 when deflating the bytes gains nothing */
};

/*
 * Returns the type of the image in data, or NULL when the bytes are not a
 * recognised image format (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO, TIFF, SVG).
 */
const struct image_type *sniff_image(const unsigned char *data, size_t len);

#endif

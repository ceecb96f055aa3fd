/* Image type and pixel dimensions from the first bytes of an image file. */
#ifndef IG_IMGSIZE_H
#define IG_IMGSIZE_H

#include <stddef.h>

#include "sniff.h"

/* The largest width or height imgsize_read reports; larger values count as unknown. */
#define IMGSIZE_MAX_DIMENSION 1000000UL

struct image_size {
	const struct image_type *type;  /* from sniff_image, NULL when not an image */
	unsigned long width;            /* pixels; 0 when unknown */
	unsigned long height;
};

/*
 * Reads the type and the pixel dimensions of the image whose first len
 * bytes are data (which may be cut anywhere): PNG IHDR, GIF logical screen,
 * JPEG SOFn frame header, WebP VP8, VP8L and VP8X headers, AVIF ispe
 * property, BMP information header, the largest ICO entry, and SVG width
 * and height (px or unitless) or else viewBox. Every read is bounded by
 * len. Returns 0 when type, width and height are all known, else -1 with
 * the fields that are known set and the others 0 or NULL.
 */
int imgsize_read(const unsigned char *data, size_t len, struct image_size *out);

#endif

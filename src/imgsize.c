/* Image type and pixel dimensions from the first bytes of an image file. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "imgsize.h"

/*
 * Every reader below takes the bytes and their length, checks the length
 * before each read and sets *width and *height only when both are found.
 */

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le24(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static uint32_t le32(const unsigned char *p)
{
	return le24(p) | (uint32_t)p[3] << 24;
}

static bool set_size(unsigned long w, unsigned long h, unsigned long *width, unsigned long *height)
{
	if (w == 0 || h == 0 || w > IMGSIZE_MAX_DIMENSION || h > IMGSIZE_MAX_DIMENSION)
		return false;
	*width = w;
	*height = h;
	return true;
}

/* PNG (ISO/IEC 15948): the IHDR chunk comes first, width and height big-endian. */
static bool png_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	if (len < 24 || memcmp(d + 12, "IHDR", 4) != 0)
		return false;
	return set_size(be32(d + 16), be32(d + 20), w, h);
}

/* GIF87a/89a: the logical screen descriptor follows the 6-byte signature. */
static bool gif_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	if (len < 10)
		return false;
	return set_size(le16(d + 6), le16(d + 8), w, h);
}

/* The start-of-frame markers of ITU T.81 table B.1: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
static bool is_sof_marker(unsigned marker)
{
	return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
	       marker != 0xCC;
}

/*
 * JPEG (ITU T.81 annex B): walks the marker segments (APPn, DQT, DHT...)
 * after SOI up to the first SOFn, whose frame header contains the sample
 * precision, then the number of lines and samples per line. Stops at SOS
 * or EOI, and at a height of 0 (lines defined later by a DNL marker).
 * NOTE: the size is the stored one; an Exif orientation of 5 to 8 makes
 * browsers show the picture with width and height swapped.
 */
static bool jpeg_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	size_t pos = 2;
	while (pos < len) {
		if (d[pos] != 0xFF)
			return false;
		while (pos < len && d[pos] == 0xFF)
			pos++;          /* fill bytes (T.81 B.1.1.2) */
		if (pos >= len)
			return false;
		unsigned marker = d[pos++];
		if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
			continue;       /* TEM and RSTn have no length */
		if (marker == 0xD9 || marker == 0xDA || pos + 2 > len)
			return false;
		size_t segment = be16(d + pos);
		if (segment < 2)
			return false;
		if (is_sof_marker(marker))
			return pos + 7 <= len && set_size(be16(d + pos + 5), be16(d + pos + 3), w, h);
		pos += segment;
	}
	return false;
}

/*
 * WebP (RFC 9649): the first chunk after "RIFF" size "WEBP" is VP8 (lossy,
 * RFC 6386 key frame header), VP8L (lossless, 14-bit sizes minus one) or
 * VP8X (extended, 24-bit canvas sizes minus one).
 */
static bool webp_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	if (len < 30)
		return false;
	const unsigned char *chunk = d + 12;
	const unsigned char *payload = d + 20;
	if (memcmp(chunk, "VP8 ", 4) == 0) {
		if (memcmp(payload + 3, "\x9d\x01\x2a", 3) != 0)
			return false;
		return set_size(le16(payload + 6) & 0x3FFF, le16(payload + 8) & 0x3FFF, w, h);
	}
	if (memcmp(chunk, "VP8L", 4) == 0) {
		if (payload[0] != 0x2F)
			return false;
		uint32_t bits = le32(payload + 1);
		return set_size((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, w, h);
	}
	if (memcmp(chunk, "VP8X", 4) == 0)
		return set_size(le24(payload + 4) + 1UL, le24(payload + 7) + 1UL, w, h);
	return false;
}

/* A box of ISO/IEC 14496-12 within [start, end): its type and its content. */
struct box {
	const unsigned char *type;
	size_t content;         /* offset of the content */
	size_t end;             /* offset after the box, cut to the data present */
};

/*
 * Reads the box at *pos and moves *pos past it. A box that runs past end
 * is cut at end, so that a box of a truncated file can still be searched.
 * Returns false at end or on a malformed size.
 */
static bool next_box(const unsigned char *d, size_t *pos, size_t end, struct box *b)
{
	size_t at = *pos;
	if (at + 8 > end)
		return false;
	uint64_t size = be32(d + at);
	size_t header = 8;
	if (size == 1) {
		if (at + 16 > end)
			return false;
		size = (uint64_t)be32(d + at + 8) << 32 | be32(d + at + 12);
		header = 16;
	} else if (size == 0) {
		size = end - at;        /* the box extends to the end of the file */
	}
	if (size < header)
		return false;
	b->type = d + at + 4;
	b->content = at + header;
	b->end = size > end - at ? end : at + (size_t)size;
	*pos = b->end;
	return true;
}

/* Finds the first child box of type within [start, end). */
static bool find_box(const unsigned char *d, size_t start, size_t end, const char *type,
		     struct box *found)
{
	size_t pos = start;
	while (next_box(d, &pos, end, found))
		if (memcmp(found->type, type, 4) == 0)
			return true;
	return false;
}

/*
 * AVIF (AV1 Image File Format over HEIF, ISO/IEC 23008-12): the image
 * spatial extents ("ispe") properties in meta > iprp > ipco. meta and
 * ispe are full boxes with 4 bytes of version and flags first.
 * NOTE: the largest ispe is taken instead of the primary item's (pitm and
 * ipma are not read). For a grid image that is the whole canvas, but an
 * irot or clap property of the primary item is not applied.
 */
static bool avif_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	struct box meta, iprp, ipco, prop;
	if (!find_box(d, 0, len, "meta", &meta) ||
	    !find_box(d, meta.content + 4, meta.end, "iprp", &iprp) ||
	    !find_box(d, iprp.content, iprp.end, "ipco", &ipco))
		return false;
	unsigned long best_w = 0, best_h = 0;
	size_t pos = ipco.content;
	while (next_box(d, &pos, ipco.end, &prop)) {
		if (memcmp(prop.type, "ispe", 4) != 0 || prop.content + 12 > prop.end)
			continue;
		unsigned long pw = be32(d + prop.content + 4);
		unsigned long ph = be32(d + prop.content + 8);
		if ((double)pw * ph > (double)best_w * best_h) {
			best_w = pw;
			best_h = ph;
		}
	}
	return set_size(best_w, best_h, w, h);
}

/*
 * BMP: the information header at offset 14 starts with its own size. The
 * OS/2 1.x core header (12 bytes) has 16-bit sizes; the others have signed
 * 32-bit ones, where a negative height marks a top-down bitmap.
 */
static bool bmp_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	if (len < 26)
		return false;
	uint32_t header = le32(d + 14);
	if (header == 12)
		return set_size(le16(d + 18), le16(d + 20), w, h);
	if (header < 16)
		return false;
	int64_t width = (int32_t)le32(d + 18);
	int64_t height = (int32_t)le32(d + 22);
	if (width <= 0)
		return false;
	if (height < 0)
		height = -height;
	return set_size((unsigned long)width, (unsigned long)height, w, h);
}

/*
 * ICO and CUR: a directory of 16-byte entries after a 6-byte header; each
 * entry starts with a width and a height byte, where 0 means 256. The
 * largest entry by area wins, as the one a browser shows at full size.
 * A directory cut short gives no size, because a missing entry may be the
 * largest.
 */
static bool ico_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	if (len < 6)
		return false;
	size_t count = le16(d + 4);
	if (6 + 16 * count > len)
		return false;
	unsigned long best_w = 0, best_h = 0;
	for (size_t i = 0; i < count; i++) {
		const unsigned char *entry = d + 6 + 16 * i;
		unsigned long ew = entry[0] ? entry[0] : 256;
		unsigned long eh = entry[1] ? entry[1] : 256;
		if (ew * eh > best_w * best_h) {
			best_w = ew;
			best_h = eh;
		}
	}
	return set_size(best_w, best_h, w, h);
}

static bool is_xml_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end)
{
	while (p < end && is_xml_space(*p))
		p++;
	return p;
}

/*
 * Parses a number (digits, optional fraction and exponent, as SVG's
 * <number>) at *p and moves *p past it. Returns false when none is there.
 */
static bool parse_number(const unsigned char **p, const unsigned char *end, double *value)
{
	const unsigned char *s = *p;
	double sign = 1, number = 0, scale = 1;
	bool digits = false;
	if (s < end && (*s == '+' || *s == '-'))
		sign = *s++ == '-' ? -1 : 1;
	for (; s < end && *s >= '0' && *s <= '9'; s++, digits = true)
		number = number * 10 + (*s - '0');
	if (s < end && *s == '.')
		for (s++; s < end && *s >= '0' && *s <= '9'; s++, digits = true)
			number += (*s - '0') * (scale /= 10);
	if (!digits)
		return false;
	if (s + 1 < end && (*s == 'e' || *s == 'E') &&
	    ((s[1] >= '0' && s[1] <= '9') ||
	     (s + 2 < end && (s[1] == '+' || s[1] == '-') && s[2] >= '0' && s[2] <= '9'))) {
		s++;
		int exp_sign = *s == '-' ? -1 : 1;
		if (*s == '+' || *s == '-')
			s++;
		int exponent = 0;
		for (; s < end && *s >= '0' && *s <= '9'; s++)
			if (exponent < 400)
				exponent = exponent * 10 + (*s - '0');
		/* Beyond 10^400 every double is 0 or infinite, so stop there. */
		for (int i = 0; i < exponent && i < 400; i++)
			number = exp_sign > 0 ? number * 10 : number / 10;
	}
	*value = sign * number;
	*p = s;
	return true;
}

/* Reads a width or height attribute: a positive number without unit or in px. */
static bool parse_length(const unsigned char *p, const unsigned char *end, double *value)
{
	p = skip_space(p, end);
	if (!parse_number(&p, end, value) || !(*value > 0))
		return false;
	if (end - p >= 2 && memcmp(p, "px", 2) == 0)
		p += 2;
	return skip_space(p, end) == end;
}

/* Reads viewBox="min-x min-y width height" (spaces and/or commas between). */
static bool parse_viewbox(const unsigned char *p, const unsigned char *end, double box[4])
{
	for (int i = 0; i < 4; i++) {
		p = skip_space(p, end);
		if (i > 0 && p < end && *p == ',')
			p = skip_space(p + 1, end);
		if (!parse_number(&p, end, &box[i]))
			return false;
	}
	return skip_space(p, end) == end && box[2] > 0 && box[3] > 0;
}

/* The sizing attributes of an <svg> start tag; a field is 0 when absent or unusable. */
struct svg_sizing {
	double width;
	double height;
	double view_width;
	double view_height;
};

/* Reads the attributes of the start tag at p up to its '>'. Returns false when the tag is cut. */
static bool read_svg_attributes(const unsigned char *p, const unsigned char *end,
				struct svg_sizing *s)
{
	for (;;) {
		p = skip_space(p, end);
		if (p >= end)
			return false;
		if (*p == '>' || *p == '/')
			return true;
		const unsigned char *name = p;
		while (p < end && !is_xml_space(*p) && *p != '=' && *p != '>' && *p != '/')
			p++;
		size_t name_len = (size_t)(p - name);
		p = skip_space(p, end);
		if (p >= end || *p != '=')
			return false;
		p = skip_space(p + 1, end);
		if (p >= end || (*p != '"' && *p != '\''))
			return false;
		const unsigned char *value = p + 1;
		const unsigned char *close = memchr(value, *p, (size_t)(end - value));
		if (!close)
			return false;
		double box[4];
		if (name_len == 5 && memcmp(name, "width", 5) == 0 && !parse_length(value, close, &s->width))
			s->width = 0;
		if (name_len == 6 && memcmp(name, "height", 6) == 0 && !parse_length(value, close, &s->height))
			s->height = 0;
		if (name_len == 7 && memcmp(name, "viewBox", 7) == 0 && parse_viewbox(value, close, box)) {
			s->view_width = box[2];
			s->view_height = box[3];
		}
		p = close + 1;
	}
}

/* Finds the first "<svg" followed by a space, '>' or '/'. */
static const unsigned char *find_svg_tag(const unsigned char *d, size_t len)
{
	for (size_t i = 0; i + 5 <= len; i++)
		if (memcmp(d + i, "<svg", 4) == 0 &&
		    (is_xml_space(d[i + 4]) || d[i + 4] == '>' || d[i + 4] == '/'))
			return d + i + 4;
	return NULL;
}

/*
 * SVG: the root element's width and height when both are plain numbers or
 * px; with only one of them, the other follows from the viewBox's aspect
 * ratio; with neither, the viewBox size. Percentages and other units count
 * as absent. Sizes are rounded to whole pixels.
 */
static bool svg_size(const unsigned char *d, size_t len, unsigned long *w, unsigned long *h)
{
	struct svg_sizing s = { 0 };
	const unsigned char *tag = find_svg_tag(d, len);
	if (!tag || !read_svg_attributes(tag, d + len, &s))
		return false;
	double width = s.width, height = s.height;
	bool has_view = s.view_width > 0 && s.view_height > 0;
	if (width > 0 && height <= 0 && has_view)
		height = width * s.view_height / s.view_width;
	else if (height > 0 && width <= 0 && has_view)
		width = height * s.view_width / s.view_height;
	else if (width <= 0 && height <= 0 && has_view) {
		width = s.view_width;
		height = s.view_height;
	}
	if (!(width > 0 && height > 0 && width <= IMGSIZE_MAX_DIMENSION &&
	      height <= IMGSIZE_MAX_DIMENSION))
		return false;
	unsigned long rw = (unsigned long)(width + 0.5);
	unsigned long rh = (unsigned long)(height + 0.5);
	return set_size(rw ? rw : 1, rh ? rh : 1, w, h);
}

int imgsize_read(const unsigned char *data, size_t len, struct image_size *out)
{
	memset(out, 0, sizeof *out);
	out->type = sniff_image(data, len);
	if (!out->type)
		return -1;
	const char *ext = out->type->extension;
	unsigned long *w = &out->width, *h = &out->height;
	bool found = false;
	if (strcmp(ext, "png") == 0)
		found = png_size(data, len, w, h);
	else if (strcmp(ext, "gif") == 0)
		found = gif_size(data, len, w, h);
	else if (strcmp(ext, "jpg") == 0)
		found = jpeg_size(data, len, w, h);
	else if (strcmp(ext, "webp") == 0)
		found = webp_size(data, len, w, h);
	else if (strcmp(ext, "avif") == 0)
		found = avif_size(data, len, w, h);
	else if (strcmp(ext, "bmp") == 0)
		found = bmp_size(data, len, w, h);
	else if (strcmp(ext, "ico") == 0 || strcmp(ext, "cur") == 0)
		found = ico_size(data, len, w, h);
	else if (strcmp(ext, "svg") == 0)
		found = svg_size(data, len, w, h);
	return found ? 0 : -1;
}

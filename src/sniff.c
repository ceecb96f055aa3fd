/* Image type detection from the leading bytes (magic numbers), never from headers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sniff.h"

static const struct image_type type_png = { "image/png", "png", 1 };
static const struct image_type type_jpeg = { "image/jpeg", "jpg", 1 };
static const struct image_type type_gif = { "image/gif", "gif", 1 };
static const struct image_type type_webp = { "image/webp", "webp", 1 };
static const struct image_type type_avif = { "image/avif", "avif", 1 };
static const struct image_type type_bmp = { "image/bmp", "bmp", 0 };
static const struct image_type type_ico = { "image/x-icon", "ico", 0 };
static const struct image_type type_cur = { "image/x-icon", "cur", 0 };
static const struct image_type type_tiff = { "image/tiff", "tiff", 0 };
static const struct image_type type_svg = { "image/svg+xml", "svg", 0 };

static bool has_prefix(const unsigned char *data, size_t len,
		       const char *magic, size_t magic_len)
{
	return len >= magic_len && memcmp(data, magic, magic_len) == 0;
}

static uint32_t read_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint32_t read_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * AVIF (ISO/IEC 14496-12 file type box): the file starts with an "ftyp" box
 * whose major brand or one of whose compatible brands is "avif" (still
 * image) or "avis" (image sequence). Other ftyp files (MP4, HEIC) are not
 * AVIF.
 */
static bool is_avif(const unsigned char *data, size_t len)
{
	if (len < 16 || memcmp(data + 4, "ftyp", 4) != 0)
		return false;
	uint32_t box_size = read_be32(data);
	if (box_size < 16 || box_size % 4 != 0)
		return false;
	size_t end = box_size < len ? box_size : len;
	for (size_t pos = 8; pos + 4 <= end; pos += 4) {
		if (pos == 12)
			continue;       /* minor_version, not a brand */
		if (memcmp(data + pos, "avif", 4) == 0 ||
		    memcmp(data + pos, "avis", 4) == 0)
			return true;
	}
	return false;
}

/*
 * BMP: "BM" alone also starts plain text, so the DIB header size at offset
 * 14 must be one of the sizes Windows and OS/2 defined (12 to 124 bytes).
 */
static bool is_bmp(const unsigned char *data, size_t len)
{
	if (len < 18 || data[0] != 'B' || data[1] != 'M')
		return false;
	switch (read_le32(data + 14)) {
	case 12: case 16: case 40: case 52: case 56: case 64: case 108: case 124:
		return true;
	default:
		return false;
	}
}

/*
 * ICO and CUR: a zero reserved word, type 1 (icon) or 2 (cursor), then an
 * image count of at least 1 and a first directory entry whose reserved byte
 * is zero. The four magic bytes alone match too many binary files.
 */
static const struct image_type *sniff_icon(const unsigned char *data, size_t len)
{
	if (len < 22 || data[0] != 0 || data[1] != 0 || data[3] != 0)
		return NULL;
	if (data[2] != 1 && data[2] != 2)
		return NULL;
	unsigned count = (unsigned)data[4] | (unsigned)data[5] << 8;
	if (count == 0 || data[6 + 3] != 0)
		return NULL;
	return data[2] == 1 ? &type_ico : &type_cur;
}

static bool is_xml_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Returns the position just past the first occurrence of end at or after pos, or len. */
static size_t skip_past(const unsigned char *data, size_t len, size_t pos,
			const char *end)
{
	size_t end_len = strlen(end);
	for (; pos + end_len <= len; pos++) {
		if (memcmp(data + pos, end, end_len) == 0)
			return pos + end_len;
	}
	return len;
}

/* Skips a document type declaration, whose internal subset in [...] may contain '>'. */
static size_t skip_doctype(const unsigned char *data, size_t len, size_t pos)
{
	int depth = 0;
	for (; pos < len; pos++) {
		if (data[pos] == '[')
			depth++;
		else if (data[pos] == ']' && depth > 0)
			depth--;
		else if (data[pos] == '>' && depth == 0)
			return pos + 1;
	}
	return len;
}

/*
 * SVG: after an optional UTF-8 byte order mark, the XML prolog (XML 1.0
 * section 2.8: declaration, comments, processing instructions, a document
 * type declaration and white space) must be followed by an <svg element.
 * Gzip-compressed SVG (.svgz) is not accepted: it would need inflating here
 * and browsers only render it when the server labels the encoding.
 */
static bool is_svg(const unsigned char *data, size_t len)
{
	size_t pos = 0;
	if (has_prefix(data, len, "\xEF\xBB\xBF", 3))
		pos = 3;
	while (pos < len) {
		const unsigned char *rest = data + pos;
		size_t rest_len = len - pos;
		if (is_xml_space(*rest))
			pos++;
		else if (has_prefix(rest, rest_len, "<!--", 4))
			pos = skip_past(data, len, pos + 4, "-->");
		else if (has_prefix(rest, rest_len, "<?", 2))
			pos = skip_past(data, len, pos + 2, "?>");
		else if (has_prefix(rest, rest_len, "<!DOCTYPE", 9))
			pos = skip_doctype(data, len, pos + 9);
		else
			break;
	}
	if (!has_prefix(data + pos, len - pos, "<svg", 4) || len - pos < 5)
		return false;
	unsigned char next = data[pos + 4];
	return is_xml_space(next) || next == '>' || next == '/';
}

const struct image_type *sniff_image(const unsigned char *data, size_t len)
{
	if (!data || len == 0)
		return NULL;
	if (has_prefix(data, len, "\x89PNG\r\n\x1A\n", 8))
		return &type_png;
	if (has_prefix(data, len, "\xFF\xD8\xFF", 3))
		return &type_jpeg;
	if (has_prefix(data, len, "GIF87a", 6) || has_prefix(data, len, "GIF89a", 6))
		return &type_gif;
	if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
		return &type_webp;
	if (is_avif(data, len))
		return &type_avif;
	if (is_bmp(data, len))
		return &type_bmp;
	if (has_prefix(data, len, "II*\0", 4) || has_prefix(data, len, "MM\0*", 4))
		return &type_tiff;
	const struct image_type *icon = sniff_icon(data, len);
	if (icon)
		return icon;
	if (is_svg(data, len))
		return &type_svg;
	return NULL;
}

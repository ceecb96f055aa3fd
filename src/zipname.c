/* Safe, unique ZIP entry names derived from image URLs. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "zipname.h"

/* Bytes of a view into a larger string; not NUL-terminated. */
struct span {
	const char *data;
	size_t len;
};

void zipname_set_init(struct zipname_set *set)
{
	memset(set, 0, sizeof(*set));
}

void zipname_set_free(struct zipname_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->names[i]);
	free(set->names);
	free(set->index);
	zipname_set_init(set);
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool ascii_equal_fold(const char *a, size_t a_len, const char *b, size_t b_len)
{
	if (a_len != b_len)
		return false;
	for (size_t i = 0; i < a_len; i++) {
		if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
			return false;
	}
	return true;
}

/* FNV-1a over the ASCII-folded bytes, so names equal under folding hash alike. */
static size_t hash_fold(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	for (; *s; s++) {
		h ^= ascii_lower((unsigned char)*s);
		h *= 1099511628211ULL;
	}
	return (size_t)h;
}

/* Returns the index slot holding name or, when absent, the free slot for it. */
static size_t set_find_slot(const struct zipname_set *set, const char *name)
{
	size_t mask = set->index_cap - 1;
	size_t slot = hash_fold(name) & mask;
	size_t name_len = strlen(name);
	while (set->index[slot]) {
		const char *other = set->names[set->index[slot] - 1];
		if (ascii_equal_fold(other, strlen(other), name, name_len))
			return slot;
		slot = (slot + 1) & mask;
	}
	return slot;
}

static bool set_contains(const struct zipname_set *set, const char *name)
{
	if (set->index_cap == 0)
		return false;
	return set->index[set_find_slot(set, name)] != 0;
}

/* Doubles the hash index so that it stays at most half full. */
static int set_grow_index(struct zipname_set *set)
{
	size_t cap = set->index_cap ? set->index_cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof(size_t))
		return -1;
	size_t *old = set->index;
	size_t old_cap = set->index_cap;
	set->index = calloc(cap, sizeof(size_t));
	if (!set->index) {
		set->index = old;
		return -1;
	}
	set->index_cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i])
			set->index[set_find_slot(set, set->names[old[i] - 1])] = old[i];
	}
	free(old);
	return 0;
}

/* Adds a copy of name, which set_contains reported absent. */
static int set_add(struct zipname_set *set, const char *name)
{
	if ((set->count + 1) * 2 > set->index_cap && set_grow_index(set) != 0)
		return -1;
	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		char **names = realloc(set->names, cap * sizeof(*names));
		if (!names)
			return -1;
		set->names = names;
		set->cap = cap;
	}
	char *copy = strdup(name);
	if (!copy)
		return -1;
	set->names[set->count++] = copy;
	set->index[set_find_slot(set, copy)] = set->count;
	return 0;
}

/*
 * Returns the raw last path segment of url, without query and fragment.
 * Only a hierarchical URL ("scheme://authority/path") or a bare path has
 * one; "data:" and other opaque URLs return an empty segment.
 */
static struct span last_segment(const char *url)
{
	struct span seg = { url, strcspn(url, "?#") };
	const char *authority = strstr(url, "://");
	if (authority && (size_t)(authority - url) < seg.len) {
		const char *path = authority + 3;
		size_t authority_len = strcspn(path, "/?#");
		seg.len -= (size_t)(path + authority_len - seg.data);
		seg.data = path + authority_len;
	} else if (strcspn(url, ":/?#") < seg.len && url[strcspn(url, ":/?#")] == ':') {
		seg.len = 0;
	}
	for (size_t i = seg.len; i > 0; i--) {
		if (seg.data[i - 1] == '/') {
			seg.data += i;
			seg.len -= i;
			break;
		}
	}
	return seg;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes (RFC 3986 section 2.1) into out; a '%' without two hex digits stays. */
static int percent_decode(struct span in, struct buf *out)
{
	for (size_t i = 0; i < in.len; i++) {
		char c = in.data[i];
		if (c == '%' && i + 2 < in.len) {
			int hi = hex_value(in.data[i + 1]);
			int lo = hex_value(in.data[i + 2]);
			if (hi >= 0 && lo >= 0) {
				c = (char)(hi << 4 | lo);
				i += 2;
			}
		}
		if (buf_append_char(out, c) != 0)
			return -1;
	}
	return 0;
}

/*
 * Returns the length of the valid UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) at s, or 0 when invalid.
 * Stores its code point in *cp.
 */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	size_t n;
	uint32_t min;
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2, min = 0x80, *cp = s[0] & 0x1F;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3, min = 0x800, *cp = s[0] & 0x0F;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4, min = 0x10000, *cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
		return 0;
	return n;
}

/*
 * Control characters (C0, DEL, C1) and the bidirectional embedding,
 * override and isolate controls, which can make "gpj.exe" display as
 * "exe.jpg" (Unicode TR #9).
 */
static bool is_dropped_code_point(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Copies in to out as valid UTF-8: invalid bytes become U+FFFD, controls are dropped. */
static int clean_utf8(const struct buf *in, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)in->data;
	size_t i = 0;
	while (i < in->len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, in->len - i, &cp);
		int rc = 0;
		if (n == 0) {
			rc = buf_append(out, "\xEF\xBF\xBD", 3);
			n = 1;
		} else if (!is_dropped_code_point(cp)) {
			rc = buf_append(out, s + i, n);
		}
		if (rc != 0)
			return -1;
		i += n;
	}
	return 0;
}

static bool is_separator(char c)
{
	return c == '/' || c == '\\';
}

static bool is_drive(const char *s, size_t len)
{
	return len >= 2 && s[1] == ':' &&
	       ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'));
}

/*
 * Joins the components of a decoded name that may still hold '/' or '\'
 * with '_', dropping empty, "." and ".." components, a leading drive letter
 * ("C:") and the server and share of a UNC prefix ("\\server\share\").
 */
static int flatten_path(const struct buf *in, struct buf *out)
{
	const char *s = buf_cstr(in);
	size_t len = in->len;
	size_t pos = 0;
	size_t skip_components = 0;
	if (len >= 2 && is_separator(s[0]) && is_separator(s[1]))
		skip_components = 2;
	bool first = true;
	while (pos <= len) {
		size_t part_len = 0;
		while (pos + part_len < len && !is_separator(s[pos + part_len]))
			part_len++;
		const char *part = s + pos;
		pos += part_len + 1;
		if (part_len == 0)
			continue;
		if (skip_components > 0) {
			skip_components--;
			continue;
		}
		if (first && is_drive(part, part_len)) {
			part += 2;
			part_len -= 2;
		}
		first = false;
		if (part_len == 0 || (part_len == 1 && part[0] == '.') ||
		    (part_len == 2 && part[0] == '.' && part[1] == '.'))
			continue;
		if (out->len > 0 && buf_append_char(out, '_') != 0)
			return -1;
		if (buf_append(out, part, part_len) != 0)
			return -1;
	}
	return 0;
}

/*
 * Replaces the characters Windows rejects in file names (< > : " | ? *) and
 * removes leading dots (hidden files on Unix) and trailing dots and spaces
 * (which Windows silently strips).
 */
static void clean_windows(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++) {
		if (strchr("<>:\"|?*", b->data[i]) && b->data[i] != '\0')
			b->data[i] = '_';
	}
	size_t start = 0;
	while (start < b->len && b->data[start] == '.')
		start++;
	size_t end = b->len;
	while (end > start && (b->data[end - 1] == '.' || b->data[end - 1] == ' '))
		end--;
	if (b->len > 0) {
		memmove(b->data, b->data + start, end - start);
		b->len = end - start;
		b->data[b->len] = '\0';
	}
}

/* JPEG files are named .jpg and .jpeg alike, TIFF files .tif and .tiff. */
static bool extension_matches(struct span ext, const char *wanted)
{
	static const char *const aliases[][2] = {
		{ "jpg", "jpeg" }, { "tiff", "tif" },
	};
	if (ascii_equal_fold(ext.data, ext.len, wanted, strlen(wanted)))
		return true;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		const char *a = aliases[i][0];
		const char *b = aliases[i][1];
		if ((strcmp(wanted, a) == 0 && ascii_equal_fold(ext.data, ext.len, b, strlen(b))) ||
		    (strcmp(wanted, b) == 0 && ascii_equal_fold(ext.data, ext.len, a, strlen(a))))
			return true;
	}
	return false;
}

/* A suffix looks like a file extension when it is 1 to 5 ASCII letters and digits, one a letter. */
static bool looks_like_extension(struct span ext)
{
	bool letter = false;
	if (ext.len == 0 || ext.len > 5)
		return false;
	for (size_t i = 0; i < ext.len; i++) {
		unsigned char c = ascii_lower((unsigned char)ext.data[i]);
		if (c >= 'a' && c <= 'z')
			letter = true;
		else if (c < '0' || c > '9')
			return false;
	}
	return letter;
}

/*
 * Splits name into stem and extension: a matching extension keeps its
 * spelling, a wrong one is replaced with wanted, and wanted is appended when
 * the name has none.
 */
static void split_extension(const struct buf *name, const char *wanted,
			    struct span *stem, struct span *ext)
{
	const char *s = buf_cstr(name);
	const char *dot = NULL;
	for (size_t i = name->len; i > 0 && !dot; i--) {
		if (s[i - 1] == '.')
			dot = s + i - 1;
	}
	stem->data = s;
	stem->len = name->len;
	ext->data = wanted;
	ext->len = strlen(wanted);
	if (!dot || ext->len == 0)
		return;
	struct span found = { dot + 1, name->len - (size_t)(dot + 1 - s) };
	if (extension_matches(found, wanted))
		*ext = found;
	else if (!looks_like_extension(found))
		return;
	stem->len = (size_t)(dot - s);
	while (stem->len > 0 && (s[stem->len - 1] == '.' || s[stem->len - 1] == ' '))
		stem->len--;
}

/*
 * Windows reserves these device names in every folder, with or without an
 * extension and in any case; the superscript digits count as digits there.
 */
static bool is_device_name(struct span stem)
{
	static const char *const devices[] = {
		"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
		"COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"COM\xC2\xB9", "COM\xC2\xB2", "COM\xC2\xB3",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
		"LPT\xC2\xB9", "LPT\xC2\xB2", "LPT\xC2\xB3",
	};
	size_t len = 0;
	while (len < stem.len && stem.data[len] != '.')
		len++;
	while (len > 0 && stem.data[len - 1] == ' ')
		len--;
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		if (ascii_equal_fold(stem.data, len, devices[i], strlen(devices[i])))
			return true;
	}
	return false;
}

/* Returns the largest length up to max that ends on a UTF-8 character boundary of s. */
static size_t utf8_truncate(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/*
 * Returns stem + suffix + "." + ext with the stem shortened to keep the
 * whole at most ZIPNAME_MAX bytes, or "image" when the stem is empty. The
 * caller frees it.
 */
static char *compose_name(struct span stem, bool device, const char *suffix, struct span ext)
{
	struct buf out;
	buf_init(&out, ZIPNAME_MAX);
	size_t fixed = (device ? 1 : 0) + strlen(suffix) + (ext.len ? 1 + ext.len : 0);
	if (stem.len == 0) {
		stem.data = "image";
		stem.len = 5;
	}
	size_t room = fixed < ZIPNAME_MAX ? ZIPNAME_MAX - fixed : 0;
	stem.len = utf8_truncate(stem.data, stem.len, room);
	if ((device && buf_append_char(&out, '_') != 0) ||
	    buf_append(&out, stem.data, stem.len) != 0 ||
	    buf_append_str(&out, suffix) != 0 ||
	    (ext.len && buf_append_char(&out, '.') != 0) ||
	    buf_append(&out, ext.data, ext.len) != 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* Builds the cleaned name of url, without de-duplication, into name. */
static int clean_name(const char *url, struct buf *name)
{
	struct span seg = last_segment(url);
	struct buf decoded, valid;
	size_t max = seg.len <= SIZE_MAX / 4 ? seg.len * 3 + 16 : SIZE_MAX / 4;
	int rc = -1;
	buf_init(&decoded, max);
	buf_init(&valid, max);
	if (percent_decode(seg, &decoded) != 0 || clean_utf8(&decoded, &valid) != 0)
		goto out;
	if (flatten_path(&valid, name) != 0)
		goto out;
	clean_windows(name);
	rc = 0;
out:
	buf_free(&decoded);
	buf_free(&valid);
	return rc;
}

char *zipname_make(struct zipname_set *set, const char *url, const char *extension)
{
	struct buf name;
	char *result = NULL;
	buf_init(&name, SIZE_MAX / 4);
	if (clean_name(url ? url : "", &name) != 0)
		goto out;

	struct span stem, ext;
	split_extension(&name, extension ? extension : "", &stem, &ext);
	bool device = is_device_name(stem);
	char suffix[32] = "";
	/* NOTE: the k-th copy of one name tries k numbers, so n copies cost O(n^2) tries. */
	for (unsigned long n = 2;; n++) {
		result = compose_name(stem, device, suffix, ext);
		if (!result || !set_contains(set, result))
			break;
		free(result);
		result = NULL;
		snprintf(suffix, sizeof(suffix), " (%lu)", n);
	}
	if (result && set_add(set, result) != 0) {
		free(result);
		result = NULL;
	}
out:
	buf_free(&name);
	return result;
}

/* Thumbnail-to-original URL rewriting for WordPress, MediaWiki, Cloudinary, Blogger and query-string resizers. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "original.h"
#include "url.h"

/* The parts of an absolute URL this module rewrites. */
struct url_parts {
	const char *host;       /* after "//" */
	size_t host_len;
	const char *path;       /* from the first "/" after the host */
	size_t path_len;        /* up to "?" or "#" */
	const char *query;      /* after "?", or NULL */
	size_t query_len;       /* up to "#" */
};

static bool split_url(const char *url, struct url_parts *u)
{
	const char *host = strstr(url, "://");
	if (!host || (strncmp(url, "http:", 5) != 0 && strncmp(url, "https:", 6) != 0))
		return false;
	u->host = host + 3;
	u->host_len = strcspn(u->host, "/?#");
	u->path = u->host + u->host_len;
	u->path_len = strcspn(u->path, "?#");
	if (u->path[u->path_len] == '?') {
		u->query = u->path + u->path_len + 1;
		u->query_len = strcspn(u->query, "#");
	} else {
		u->query = NULL;
		u->query_len = 0;
	}
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Returns the number of digits at s (at most max bytes). */
static size_t digits(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && is_digit(s[n]))
		n++;
	return n;
}

/* Builds url with the bytes [cut, cut + cut_len) replaced by insert. The caller frees. */
static char *splice(const char *url, const char *cut, size_t cut_len, const char *insert)
{
	size_t head = (size_t)(cut - url);
	size_t tail = strlen(cut + cut_len);
	size_t ins = strlen(insert);
	char *out = malloc(head + ins + tail + 1);
	if (!out)
		return NULL;
	memcpy(out, url, head);
	memcpy(out + head, insert, ins);
	memcpy(out + head + ins, cut + cut_len, tail + 1);
	return out;
}

/* WordPress: "name-300x200.jpg" in the last path segment becomes "name.jpg". */
static char *wordpress(const char *url, const struct url_parts *u)
{
	const char *end = u->path + u->path_len;
	const char *dot = end;
	while (dot > u->path && dot[-1] != '.' && dot[-1] != '/')
		dot--;
	if (dot == u->path || dot[-1] != '.')
		return NULL;
	dot--;
	/* Walk back over "-WxH" before the dot. */
	const char *p = dot;
	const char *h = p;
	while (h > u->path && is_digit(h[-1]))
		h--;
	if (h == p || h == u->path || h[-1] != 'x')
		return NULL;
	const char *w = h - 1;
	while (w > u->path && is_digit(w[-1]))
		w--;
	if (w == h - 1 || w == u->path || w[-1] != '-')
		return NULL;
	return splice(url, w - 1, (size_t)(dot - (w - 1)), "");
}

/* MediaWiki: "/thumb/a/ab/File.jpg/220px-File.jpg" becomes "/a/ab/File.jpg". */
static char *mediawiki(const char *url, const struct url_parts *u)
{
	const char *thumb = NULL;
	for (const char *p = u->path; p + 7 <= u->path + u->path_len; p++) {
		if (strncmp(p, "/thumb/", 7) == 0) {
			thumb = p;
			break;
		}
	}
	if (!thumb)
		return NULL;
	const char *end = u->path + u->path_len;
	const char *last = end;
	while (last > thumb && last[-1] != '/')
		last--;
	/* The last segment is "NNNpx-" plus the file name, which the segment before repeats. */
	size_t n = digits(last, (size_t)(end - last));
	if (n == 0 || strncmp(last + n, "px-", 3) != 0 || last - 1 <= thumb + 6)
		return NULL;
	struct buf out;
	buf_init(&out, URL_MAX_LEN);
	int rc = buf_append(&out, url, (size_t)(thumb - url));
	rc |= buf_append(&out, thumb + 6, (size_t)(last - 1 - (thumb + 6)));
	rc |= buf_append_str(&out, end);
	if (rc != 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

/* Tells whether a query parameter name sets an output size. */
static bool is_size_parameter(const char *name, size_t len)
{
	static const char *const names[] = {"w", "width", "h", "height", "resize", "fit", "crop"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i]) == len && strncasecmp(name, names[i], len) == 0)
			return true;
	}
	return false;
}

/* Query-string resizers: size parameters removed, others kept in order. */
static char *query_resizer(const char *url, const struct url_parts *u)
{
	if (!u->query)
		return NULL;
	struct buf query;
	buf_init(&query, URL_MAX_LEN);
	bool removed = false;
	int rc = 0;
	for (const char *p = u->query; p < u->query + u->query_len && rc == 0;) {
		size_t len = strcspn(p, "&#");
		if (len > (size_t)(u->query + u->query_len - p))
			len = (size_t)(u->query + u->query_len - p);
		size_t name_len = strcspn(p, "=&#");
		if (name_len > len)
			name_len = len;
		if (is_size_parameter(p, name_len)) {
			removed = true;
		} else if (len > 0) {
			if (query.len > 0)
				rc |= buf_append_char(&query, '&');
			rc |= buf_append(&query, p, len);
		}
		p += len;
		if (p < u->query + u->query_len)
			p++;
	}
	char *out = NULL;
	if (removed && rc == 0) {
		/* Without parameters left, the "?" goes too. */
		struct buf whole;
		buf_init(&whole, URL_MAX_LEN);
		rc = buf_append(&whole, url, (size_t)(u->query - 1 - url));
		if (query.len > 0)
			rc |= buf_append_char(&whole, '?') | buf_append(&whole, query.data, query.len);
		rc |= buf_append_str(&whole, u->query + u->query_len);
		out = rc == 0 ? buf_detach(&whole, NULL) : NULL;
		buf_free(&whole);
	}
	buf_free(&query);
	return out;
}

/* Tells whether a Cloudinary path segment is a transformation list such as "w_320,h_200,c_fill". */
static bool is_transformation(const char *seg, size_t len)
{
	if (len < 3)
		return false;
	for (size_t i = 0; i < len;) {
		size_t n = 0;
		while (i + n < len && seg[i + n] != ',')
			n++;
		const char *underscore = memchr(seg + i, '_', n);
		size_t key = underscore ? (size_t)(underscore - (seg + i)) : 0;
		if (key < 1 || key > 3)
			return false;
		for (size_t k = 0; k < key; k++) {
			char c = seg[i + k];
			if (c < 'a' || c > 'z')
				return false;
		}
		i += n + 1;
	}
	return true;
}

/* Cloudinary: transformation segments right after "/upload/" are removed. */
static char *cloudinary(const char *url, const struct url_parts *u)
{
	const char *end = u->path + u->path_len;
	const char *upload = NULL;
	for (const char *p = u->path; p + 8 <= end; p++) {
		if (strncmp(p, "/upload/", 8) == 0) {
			upload = p + 8;
			break;
		}
	}
	if (!upload)
		return NULL;
	const char *p = upload;
	while (p < end) {
		size_t len = strcspn(p, "/?#");
		if (p + len >= end || !is_transformation(p, len))
			break;
		p += len + 1;
	}
	if (p == upload)
		return NULL;
	return splice(url, upload, (size_t)(p - upload), "");
}

/* Tells whether text (len bytes) is a Google image size such as "s320", "s1600-c" or "w226-h410". */
static bool is_google_size(const char *text, size_t len)
{
	size_t i = 0;
	if (len > 1 && (text[0] == 's' || text[0] == 'w') && is_digit(text[1])) {
		i = 1 + digits(text + 1, len - 1);
	} else {
		return false;
	}
	if (text[0] == 'w') {
		if (i + 2 > len || text[i] != '-' || text[i + 1] != 'h')
			return false;
		size_t n = digits(text + i + 2, len - i - 2);
		if (n == 0)
			return false;
		i += 2 + n;
	}
	/* Options such as "-c" (crop) or "-rw" (WebP) may follow. */
	while (i < len && (text[i] == '-' || (text[i] >= 'a' && text[i] <= 'z') || is_digit(text[i])))
		i++;
	return i == len && !(len == 2 && strncmp(text, "s0", 2) == 0);
}

static bool host_ends_with(const struct url_parts *u, const char *suffix)
{
	size_t n = strlen(suffix);
	return u->host_len >= n && strncasecmp(u->host + u->host_len - n, suffix, n) == 0;
}

/* Blogger and googleusercontent.com: a size segment or "=size" suffix becomes "s0". */
static char *google_photos(const char *url, const struct url_parts *u)
{
	if (!host_ends_with(u, "googleusercontent.com") && !host_ends_with(u, "blogspot.com") &&
	    !host_ends_with(u, "bp.blogspot.com"))
		return NULL;
	const char *end = u->path + u->path_len;
	const char *eq = NULL;
	for (const char *p = end; p > u->path; p--) {
		if (p[-1] == '/')
			break;
		if (p[-1] == '=') {
			eq = p;
			break;
		}
	}
	if (eq && is_google_size(eq, (size_t)(end - eq)))
		return splice(url, eq, (size_t)(end - eq), "s0");
	/* The size is the segment before the file name: ".../s320/photo.jpg". */
	const char *name = end;
	while (name > u->path && name[-1] != '/')
		name--;
	if (name - 1 <= u->path)
		return NULL;
	const char *seg = name - 1;
	while (seg > u->path && seg[-1] != '/')
		seg--;
	size_t len = (size_t)(name - 1 - seg);
	if (!is_google_size(seg, len))
		return NULL;
	return splice(url, seg, len, "s0");
}

char *original_guess(const char *url)
{
	struct url_parts u;
	if (!split_url(url, &u))
		return NULL;
	char *(*const schemes[])(const char *, const struct url_parts *) = {
		mediawiki, cloudinary, google_photos, wordpress, query_resizer,
	};
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		char *guess = schemes[i](url, &u);
		if (guess && strcmp(guess, url) != 0)
			return guess;
		free(guess);
	}
	return NULL;
}

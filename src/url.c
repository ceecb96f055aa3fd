/* URL resolution with libcurl's URL API, corrected where it differs from the WHATWG URL standard. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "buf.h"
#include "charset.h"
#include "url.h"
#include "urlhost.h"

/*
 * Inputs longer than this are rejected before any work. Percent-encoding
 * only grows a URL and dot segments rarely shrink it by much, so anything
 * this long cannot serialise within URL_MAX_LEN in practice.
 */
#define URL_INPUT_MAX (4 * URL_MAX_LEN)

enum scheme { SCHEME_NONE, SCHEME_HTTP, SCHEME_HTTPS, SCHEME_DATA, SCHEME_OTHER };

/* The components a percent-encode set applies to (WHATWG URL, section 1.3). */
enum component { PART_PATH, PART_QUERY, PART_FRAGMENT };

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/*
 * Copies text without leading and trailing C0 controls and spaces and
 * without any ASCII tab or newline, as the URL parser's first steps do.
 * Returns NULL when text is longer than max or memory runs out; the caller
 * frees the result.
 */
static char *clean_input(const char *text, size_t max)
{
	size_t start = 0;
	size_t end = strlen(text);
	while (start < end && (unsigned char)text[start] <= 0x20)
		start++;
	while (end > start && (unsigned char)text[end - 1] <= 0x20)
		end--;
	if (end - start > max)
		return NULL;

	char *out = malloc(end - start + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (size_t i = start; i < end; i++) {
		char c = text[i];
		if (c != '\t' && c != '\n' && c != '\r')
			out[n++] = c;
	}
	out[n] = '\0';
	return out;
}

/* Returns the length of the scheme that text starts with, or 0 when none. */
static size_t scheme_length(const char *text)
{
	if (!is_alpha((unsigned char)text[0]))
		return 0;
	size_t i = 1;
	while (is_alpha((unsigned char)text[i]) || is_digit((unsigned char)text[i]) ||
	       text[i] == '+' || text[i] == '-' || text[i] == '.')
		i++;
	return text[i] == ':' ? i : 0;
}

static enum scheme scheme_of(const char *text, size_t len)
{
	if (len == 0)
		return SCHEME_NONE;
	if (len == 4 && strncasecmp(text, "http", 4) == 0)
		return SCHEME_HTTP;
	if (len == 5 && strncasecmp(text, "https", 5) == 0)
		return SCHEME_HTTPS;
	if (len == 4 && strncasecmp(text, "data", 4) == 0)
		return SCHEME_DATA;
	return SCHEME_OTHER;
}

/*
 * In http and https URLs a backslash before the query or fragment is a
 * path or authority separator like a slash (WHATWG URL, "path state").
 */
static void backslashes_to_slashes(char *text)
{
	for (char *p = text; *p && *p != '?' && *p != '#'; p++) {
		if (*p == '\\')
			*p = '/';
	}
}

/* Tells whether byte c is in the percent-encode set of the component. */
static bool needs_encoding(unsigned char c, enum component part)
{
	if (c < 0x20 || c > 0x7e || c == ' ' || c == '"' || c == '<' || c == '>')
		return true;
	switch (part) {
	case PART_PATH:
		return c == '`' || c == '{' || c == '}';
	case PART_QUERY:
		return c == '\'';
	case PART_FRAGMENT:
		return c == '`';
	}
	return false;
}

/*
 * Tells whether a path segment of len bytes is "." or ".." written with
 * percent-encoded dots, which the standard treats like the plain ones.
 */
static int encoded_dot_segment(const char *seg, size_t len)
{
	if (len == 3 && strncasecmp(seg, "%2e", 3) == 0)
		return 1;
	if (len == 4 && (strncasecmp(seg, ".%2e", 4) == 0))
		return 2;
	if (len == 4 && (strncasecmp(seg, "%2e.", 4) == 0))
		return 2;
	if (len == 6 && strncasecmp(seg, "%2e%2e", 6) == 0)
		return 2;
	return 0;
}

/*
 * Appends the path, query and fragment in text to out, percent-encoding
 * what the standard's sets require and rewriting encoded dot segments.
 * Sets *empty_query or *empty_fragment when text ends a component with a
 * bare "?" or "#", which libcurl would drop but the standard keeps.
 */
static int append_encoded_tail(struct buf *out, const char *text,
			       bool *empty_query, bool *empty_fragment)
{
	enum component part = PART_PATH;
	const char *seg = text;
	const char *run = text;  /* bytes from here on are copied as they are, in one append */
	*empty_query = false;
	*empty_fragment = false;

	for (const char *p = text;; p++) {
		unsigned char c = (unsigned char)*p;
		if (c != '/' && c != '?' && c != '#' && c != '\0' && !needs_encoding(c, part))
			continue;
		if (buf_append(out, run, (size_t)(p - run)) != 0)
			return -1;
		run = p + 1;
		if (part == PART_PATH && (c == '/' || c == '?' || c == '#' || c == '\0')) {
			int dots = encoded_dot_segment(seg, (size_t)(p - seg));
			if (dots) {
				out->len -= (size_t)(p - seg);
				if (buf_append(out, "..", (size_t)dots) != 0)
					return -1;
			}
			seg = p + 1;
		}
		if (c == '\0')
			break;
		if (c == '?' && part == PART_PATH) {
			part = PART_QUERY;
			*empty_query = p[1] == '\0' || p[1] == '#';
		} else if (c == '#' && part != PART_FRAGMENT) {
			part = PART_FRAGMENT;
			*empty_fragment = p[1] == '\0';
		} else if (needs_encoding(c, part)) {
			if (buf_printf(out, "%%%02X", c) != 0)
				return -1;
			continue;
		}
		if (buf_append_char(out, (char)c) != 0)
			return -1;
	}
	return 0;
}

/* Tells whether byte c is in the userinfo percent-encode set. */
static bool needs_userinfo_encoding(unsigned char c)
{
	return needs_encoding(c, PART_PATH) || strchr("#?/:;=@[\\]^|", c);
}

static int append_userinfo_part(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int rc = needs_userinfo_encoding(c) ? buf_printf(out, "%%%02X", c)
						    : buf_append_char(out, (char)c);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/*
 * Appends "user:password@" from the text before the authority's last "@",
 * encoded as the standard does; an empty user and password are left out.
 */
static int append_userinfo(struct buf *out, const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t user_len = colon ? (size_t)(colon - s) : len;
	size_t pass_len = colon ? len - user_len - 1 : 0;
	if (user_len == 0 && pass_len == 0)
		return 0;
	if (append_userinfo_part(out, s, user_len) != 0)
		return -1;
	if (pass_len && (buf_append_char(out, ':') != 0 ||
			 append_userinfo_part(out, colon + 1, pass_len) != 0))
		return -1;
	return buf_append_char(out, '@');
}

/*
 * Builds "scheme://authority/path?query#fragment" from rest, the text after
 * "scheme:", skipping any run of slashes first as the standard's "special
 * authority ignore slashes state" does. Returns -1 when the host is invalid.
 */
static int build_absolute(struct buf *out, const char *scheme, const char *rest,
			  bool *empty_query, bool *empty_fragment)
{
	while (*rest == '/')
		rest++;
	size_t auth_len = strcspn(rest, "/?#");
	if (buf_printf(out, "%s://", scheme) != 0)
		return -1;

	const char *at = NULL;
	for (size_t i = 0; i < auth_len; i++) {
		if (rest[i] == '@')
			at = rest + i;
	}
	size_t host_start = 0;
	if (at) {
		host_start = (size_t)(at - rest) + 1;
		if (append_userinfo(out, rest, host_start - 1) != 0)
			return -1;
	}

	const char *host = rest + host_start;
	size_t host_len = auth_len - host_start;
	const char *port = NULL;
	for (size_t i = host_len; i > 0; i--) {
		if (host[i - 1] == ']')
			break;
		if (host[i - 1] == ':') {
			port = host + i - 1;
			break;
		}
	}
	if (port)
		host_len = (size_t)(port - host);
	if (urlhost_append(out, host, host_len) != 0)
		return -1;
	if (port && buf_append(out, port, (size_t)(rest + auth_len - port)) != 0)
		return -1;
	return append_encoded_tail(out, rest + auth_len, empty_query, empty_fragment);
}

/* Inserts "?" before the fragment, or appends "#", as the flags request. */
static char *restore_empty_parts(char *url, bool empty_query, bool empty_fragment)
{
	struct buf out;
	buf_init(&out, URL_INPUT_MAX * 2);
	size_t frag = strcspn(url, "#");
	bool has_query = memchr(url, '?', frag) != NULL;

	if (buf_append(&out, url, frag) != 0)
		goto fail;
	if (empty_query && !has_query && buf_append_char(&out, '?') != 0)
		goto fail;
	if (buf_append_str(&out, url + frag) != 0)
		goto fail;
	if (empty_fragment && !url[frag] && buf_append_char(&out, '#') != 0)
		goto fail;
	free(url);
	return buf_detach(&out, NULL);
fail:
	buf_free(&out);
	free(url);
	return NULL;
}

/*
 * Copies a URL that libcurl wrote, with a bracketed IPv6 host rewritten in
 * the standard's form: libcurl 7.88 rewrites IPv6 hosts with inet_ntop,
 * which writes "::7f00:1" as "::127.0.0.1". Returns NULL when the host is
 * invalid or memory runs out. The caller frees the result.
 */
static char *copy_with_ipv6_host(const char *url)
{
	const char *authority = strstr(url, "://");
	if (!authority)
		return NULL;
	authority += 3;
	size_t auth_len = strcspn(authority, "/?#");
	const char *host = authority;
	for (size_t i = 0; i < auth_len; i++) {
		if (authority[i] == '@')
			host = authority + i + 1;
	}
	if (host[0] != '[')
		return strdup(url);
	const char *bracket_end = memchr(host, ']', auth_len - (size_t)(host - authority));
	if (!bracket_end)
		return NULL;

	struct buf out;
	buf_init(&out, URL_INPUT_MAX * 3 + 16);
	if (buf_append(&out, url, (size_t)(host - url)) == 0 &&
	    urlhost_append(&out, host, (size_t)(bracket_end + 1 - host)) == 0 &&
	    buf_append_str(&out, bracket_end + 1) == 0)
		return buf_detach(&out, NULL);
	buf_free(&out);
	return NULL;
}

/*
 * Serialises the URL in handle u without default ports. The caller frees
 * the result. urlhost_append() gives libcurl hosts in ASCII, international
 * names already in punycode, so a non-ASCII host here fails the URL. The
 * conversion is not left to libcurl (CURLU_PUNYCODE), which depends on the
 * locale and does not follow UTS #46.
 */
static char *serialise(CURLU *u)
{
	char *host = NULL;
	char *url = NULL;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		return NULL;
	bool upper = false;
	bool ascii = true;
	for (char *p = host; *p; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			*p = to_lower(*p);
			upper = true;
		}
		ascii = ascii && (unsigned char)*p < 0x80;
	}
	CURLUcode rc = CURLUE_OK;
	if (upper && ascii)
		rc = curl_url_set(u, CURLUPART_HOST, host, 0);
	curl_free(host);
	if (rc != CURLUE_OK || !ascii)
		return NULL;
	if (curl_url_get(u, CURLUPART_URL, &url, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
		return NULL;
	char *copy = copy_with_ipv6_host(url);
	curl_free(url);
	return copy;
}

/*
 * Parses an http or https URL that has already been cleaned, so that
 * libcurl receives only text it parses the way the standard does.
 */
static char *parse_absolute(const char *scheme, const char *rest)
{
	struct buf text;
	bool empty_query;
	bool empty_fragment;
	char *result = NULL;
	CURLU *u = NULL;

	buf_init(&text, URL_INPUT_MAX * 3 + 16);
	if (build_absolute(&text, scheme, rest, &empty_query, &empty_fragment) != 0)
		goto done;
	u = curl_url();
	if (!u)
		goto done;
	if (curl_url_set(u, CURLUPART_URL, buf_cstr(&text), 0) != CURLUE_OK)
		goto done;
	result = serialise(u);
	if (result)
		result = restore_empty_parts(result, empty_query, empty_fragment);
done:
	curl_url_cleanup(u);
	buf_free(&text);
	return result;
}

/*
 * Resolves a relative reference (no scheme, not starting with "//") against
 * the normalized absolute URL base.
 */
static char *parse_relative(const char *base, const char *ref)
{
	struct buf text;
	bool empty_query;
	bool empty_fragment;
	char *result = NULL;
	CURLU *u = NULL;

	buf_init(&text, URL_INPUT_MAX * 3 + 16);
	/*
	 * libcurl 7.88 mishandles a reference that is only a fragment, so the
	 * fragment replaces the base's own here (WHATWG URL, "fragment state").
	 */
	if (ref[0] == '#') {
		if (buf_append(&text, base, strcspn(base, "#")) != 0)
			goto done;
		if (append_encoded_tail(&text, ref, &empty_query, &empty_fragment) != 0)
			goto done;
		result = buf_detach(&text, NULL);
		if (result && empty_fragment)
			result = restore_empty_parts(result, false, true);
		goto done;
	}

	/* "./" keeps a first segment holding ":" from being read as a scheme. */
	if (ref[0] != '/' && ref[0] != '?' && buf_append_str(&text, "./") != 0)
		goto done;
	if (append_encoded_tail(&text, ref, &empty_query, &empty_fragment) != 0)
		goto done;
	u = curl_url();
	if (!u)
		goto done;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK)
		goto done;
	if (curl_url_set(u, CURLUPART_URL, buf_cstr(&text), 0) != CURLUE_OK)
		goto done;
	result = serialise(u);
	if (result)
		result = restore_empty_parts(result, empty_query, empty_fragment);
done:
	curl_url_cleanup(u);
	buf_free(&text);
	return result;
}

/*
 * Normalizes a data: URL: the scheme lower-cased and, as for any URL with an
 * opaque path, controls and non-ASCII bytes percent-encoded.
 */
static char *parse_data(const char *rest)
{
	struct buf out;
	buf_init(&out, URL_DATA_MAX_LEN);
	if (buf_append_str(&out, "data:") != 0)
		goto fail;
	for (const char *p = rest; *p;) {
		/* Printable ASCII is copied in runs; other bytes are percent-encoded. */
		const char *run = p;
		while ((unsigned char)*p >= 0x20 && (unsigned char)*p <= 0x7e)
			p++;
		if (buf_append(&out, run, (size_t)(p - run)) != 0)
			goto fail;
		if (*p && buf_printf(&out, "%%%02X", (unsigned char)*p++) != 0)
			goto fail;
	}
	return buf_detach(&out, NULL);
fail:
	buf_free(&out);
	return NULL;
}

/* Returns the scheme of a normalized absolute URL, "http" or "https". */
static const char *web_scheme(const char *url)
{
	return strncmp(url, "https:", 6) == 0 ? "https" : "http";
}

/* Resolves a cleaned reference against a normalized base (or NULL). */
static char *join_clean(const char *base, char *ref)
{
	size_t slen = scheme_length(ref);
	enum scheme scheme = scheme_of(ref, slen);

	if (scheme == SCHEME_OTHER)
		return NULL;
	if (scheme == SCHEME_DATA)
		return parse_data(ref + slen + 1);
	if (scheme == SCHEME_NONE) {
		if (!base)
			return NULL;
		backslashes_to_slashes(ref);
		if (ref[0] == '/' && ref[1] == '/')
			return parse_absolute(web_scheme(base), ref);
		return parse_relative(base, ref);
	}

	const char *name = scheme == SCHEME_HTTPS ? "https" : "http";
	char *rest = ref + slen + 1;
	backslashes_to_slashes(rest);
	/*
	 * "http:foo" against an http base is relative to it (WHATWG URL, "special
	 * relative or authority state"); against another scheme it is absolute.
	 */
	if (base && strcmp(web_scheme(base), name) == 0 &&
	    !(rest[0] == '/' && rest[1] == '/'))
		return rest[0] ? parse_relative(base, rest) : strndup(base, strcspn(base, "#"));
	return parse_absolute(name, rest);
}

/* Returns the length limit for a result: larger for data: URLs. */
static size_t result_limit(const char *url)
{
	return strncmp(url, "data:", 5) == 0 ? URL_DATA_MAX_LEN : URL_MAX_LEN;
}

/*
 * The base URL normalised last, and its input. Discovery resolves every
 * candidate against one base, so the base is parsed once instead of once
 * per candidate. Not thread-safe: the programs resolve URLs on one thread.
 */
static struct {
	char *input;
	char *normalized;
} last_base;

/* Returns base normalised, as url_join(NULL, base) would, in a copy the caller frees. */
static char *normalize_base(const char *base)
{
	if (last_base.input && strcmp(last_base.input, base) == 0)
		return strdup(last_base.normalized);
	char *normalized = url_join(NULL, base);
	char *input = strdup(base);
	char *copy = normalized ? strdup(normalized) : NULL;
	if (input && copy) {
		free(last_base.input);
		free(last_base.normalized);
		last_base.input = input;
		last_base.normalized = copy;
	} else {
		free(input);
		free(copy);
	}
	return normalized;
}

char *url_join(const char *base, const char *ref)
{
	char *clean_base = NULL;
	if (base) {
		clean_base = normalize_base(base);
		if (!clean_base || strncmp(clean_base, "http", 4) != 0) {
			free(clean_base);
			return NULL;
		}
	}

	bool is_data = scheme_of(ref, scheme_length(ref)) == SCHEME_DATA;
	char *clean = clean_input(ref, is_data ? URL_DATA_MAX_LEN : URL_INPUT_MAX);
	char *result = NULL;
	if (!clean)
		goto done;
	if (!clean[0]) {
		if (clean_base)
			result = strndup(clean_base, strcspn(clean_base, "#"));
		goto done;
	}
	result = join_clean(clean_base, clean);
	if (result && strlen(result) > result_limit(result)) {
		free(result);
		result = NULL;
	}
done:
	free(clean);
	free(clean_base);
	return result;
}

char *url_resolve(const char *base, const char *ref)
{
	const char *p = ref;
	while (*p && (unsigned char)*p <= 0x20)
		p++;
	if (!*p)
		return NULL;
	return url_join(base, ref);
}

char *url_resolve_encoded(const char *base, const char *ref, const char *encoding)
{
	const char *query = NULL;
	size_t query_len = 0;
	if (encoding && strcmp(charset_url_encoding(encoding), "UTF-8") != 0 &&
	    scheme_of(ref, scheme_length(ref)) != SCHEME_DATA) {
		size_t before = strcspn(ref, "?#");
		if (ref[before] == '?') {
			query = ref + before;
			query_len = strcspn(query, "#");
		}
	}
	bool non_ascii = false;
	for (size_t i = 0; i < query_len && !non_ascii; i++)
		non_ascii = (unsigned char)query[i] >= 0x80;
	if (!non_ascii)
		return url_resolve(base, ref);

	struct buf text;
	char *result = NULL;
	buf_init(&text, URL_INPUT_MAX * 3 + 16);
	if (buf_append(&text, ref, (size_t)(query - ref)) == 0 &&
	    charset_percent_encode(query, query_len, encoding, &text) == 0 &&
	    buf_append_str(&text, query + query_len) == 0)
		result = url_resolve(base, buf_cstr(&text));
	buf_free(&text);
	return result;
}

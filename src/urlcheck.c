/* Checks on the URLs a visitor requests the server to fetch, stricter than browsers where tricks hide. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "url.h"

/* Maximum length of a host name in a URL: 253 bytes of DNS name plus a trailing dot. */
#define HOST_MAX_LEN 254

/* Maximum length of a DNS label (RFC 1035 section 2.3.4), so also the maximum code points it decodes to. */
#define LABEL_MAX_LEN 63

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
 * Copies text without leading and trailing C0 controls and spaces and without
 * any ASCII tab or newline, as the WHATWG URL parser's first steps do. The
 * caller frees the result; NULL means out of memory.
 */
static char *strip_input(const char *text)
{
	size_t start = 0;
	size_t end = strlen(text);
	while (start < end && (unsigned char)text[start] <= 0x20)
		start++;
	while (end > start && (unsigned char)text[end - 1] <= 0x20)
		end--;
	char *out = malloc(end - start + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	for (size_t i = start; i < end; i++)
		if (text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
			out[n++] = text[i];
	out[n] = '\0';
	return out;
}

/* Returns the length of an http or https scheme that text starts with, or 0. */
static size_t web_scheme_length(const char *text)
{
	size_t i = 0;
	while (is_alpha((unsigned char)text[i]) || is_digit((unsigned char)text[i]) ||
	       text[i] == '+' || text[i] == '-' || text[i] == '.')
		i++;
	if (text[i] != ':')
		return 0;
	if ((i == 4 && strncasecmp(text, "http", 4) == 0) ||
	    (i == 5 && strncasecmp(text, "https", 5) == 0))
		return i;
	return 0;
}

/* The host of a URL as the visitor typed it: a pointer into the text and a length. */
struct raw_host {
	const char *text;
	size_t len;
};

/*
 * Checks the authority of URL text (rest follows "scheme:") before any
 * normalization. It rejects the forms where browsers and libcurl 7.88 read
 * different hosts: slashes other than exactly "//", backslashes (browsers
 * read them as slashes, libcurl as part of the host), user information
 * ("@"), and percent-encoded hosts (both decode them, at different steps).
 * Fills host with the host as typed. Returns 0, or -1 with a sentence in err.
 */
static int check_authority(const char *rest, struct raw_host *host, char *err, size_t errlen)
{
	if (strncmp(rest, "//", 2) != 0 || rest[2] == '/' || rest[2] == '\\') {
		snprintf(err, errlen, "The URL must have exactly \"//\" and a host after http: or https:.");
		return -1;
	}
	const char *authority = rest + 2;
	size_t len = strcspn(authority, "/?#");
	if (memchr(authority, '\\', len)) {
		snprintf(err, errlen, "The URL's host part contains a backslash.");
		return -1;
	}
	if (memchr(authority, '@', len)) {
		snprintf(err, errlen, "The URL must not contain a user name or password.");
		return -1;
	}
	size_t host_len = len;
	for (size_t i = len; i > 0; i--) {
		if (authority[i - 1] == ']')
			break;
		if (authority[i - 1] == ':') {
			host_len = i - 1;
			break;
		}
	}
	if (memchr(authority, '%', host_len)) {
		snprintf(err, errlen, authority[0] == '[' ?
			 "The URL's IPv6 address must not name a network interface (\"%%\")." :
			 "The URL's host is percent-encoded; type it in plain form.");
		return -1;
	}
	host->text = authority;
	host->len = host_len;
	return 0;
}

/* Punycode parameters (RFC 3492 section 5). */
enum { PUNY_BASE = 36, PUNY_TMIN = 1, PUNY_TMAX = 26, PUNY_SKEW = 38, PUNY_DAMP = 700,
       PUNY_INITIAL_BIAS = 72, PUNY_INITIAL_N = 128 };

static uint32_t puny_adapt(uint32_t delta, uint32_t points, bool first)
{
	delta = first ? delta / PUNY_DAMP : delta / 2;
	delta += delta / points;
	uint32_t k = 0;
	while (delta > ((PUNY_BASE - PUNY_TMIN) * PUNY_TMAX) / 2) {
		delta /= PUNY_BASE - PUNY_TMIN;
		k += PUNY_BASE;
	}
	return k + (PUNY_BASE - PUNY_TMIN + 1) * delta / (delta + PUNY_SKEW);
}

static int puny_digit(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	return -1;
}

/*
 * Decodes the Punycode text of an "xn--" label (without the prefix) into at
 * most LABEL_MAX_LEN code points (RFC 3492 section 6.2). Returns the count,
 * or -1 when the text is invalid or would overflow.
 */
static int puny_decode(const char *in, size_t len, uint32_t out[LABEL_MAX_LEN])
{
	size_t basic = 0;
	for (size_t j = 0; j < len; j++)
		if (in[j] == '-')
			basic = j;
	size_t count = 0;
	for (size_t j = 0; j < basic; j++) {
		if ((unsigned char)in[j] >= 0x80 || count == LABEL_MAX_LEN)
			return -1;
		out[count++] = (unsigned char)in[j];
	}
	uint32_t n = PUNY_INITIAL_N, i = 0, bias = PUNY_INITIAL_BIAS;
	for (size_t pos = basic > 0 ? basic + 1 : 0; pos < len;) {
		uint32_t old_i = i, w = 1;
		for (uint32_t k = PUNY_BASE;; k += PUNY_BASE) {
			int digit = pos < len ? puny_digit((unsigned char)in[pos++]) : -1;
			if (digit < 0 || (uint32_t)digit > (UINT32_MAX - i) / w)
				return -1;
			i += (uint32_t)digit * w;
			uint32_t t = k - bias;
			if (k <= bias)
				t = PUNY_TMIN;
			else if (k >= bias + PUNY_TMAX)
				t = PUNY_TMAX;
			if ((uint32_t)digit < t)
				break;
			if (w > UINT32_MAX / (PUNY_BASE - t))
				return -1;
			w *= PUNY_BASE - t;
		}
		if (count == LABEL_MAX_LEN)
			return -1;
		bias = puny_adapt(i - old_i, (uint32_t)count + 1, old_i == 0);
		if (i / (count + 1) > UINT32_MAX - n)
			return -1;
		n += i / (uint32_t)(count + 1);
		i %= (uint32_t)(count + 1);
		memmove(out + i + 1, out + i, (count - i) * sizeof *out);
		out[i++] = n;
		count++;
	}
	return (int)count;
}

/* Appends code point cp as UTF-8. Returns -1 for a value that is not a scalar value. */
static int append_utf8(struct buf *out, uint32_t cp)
{
	if (cp < 0x80)
		return buf_append_char(out, (char)cp);
	if (cp < 0x800)
		return buf_printf(out, "%c%c", 0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	if (cp < 0x10000)
		return buf_printf(out, "%c%c%c", 0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f),
				  0x80 | (cp & 0x3f));
	return buf_printf(out, "%c%c%c%c", 0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f),
			  0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
}

/*
 * Tells whether the label typed by the visitor (raw) is exactly what the
 * normalized host's label (ascii) stands for: the same text with ASCII
 * letters lower-cased, or, for an "xn--" label, the text its Punycode
 * decodes to.
 */
static bool label_matches(const char *raw, size_t raw_len, const char *ascii, size_t ascii_len)
{
	bool non_ascii = false;
	for (size_t i = 0; i < raw_len; i++)
		non_ascii = non_ascii || (unsigned char)raw[i] >= 0x80;
	if (!non_ascii) {
		if (raw_len != ascii_len)
			return false;
		for (size_t i = 0; i < raw_len; i++)
			if (to_lower(raw[i]) != ascii[i])
				return false;
		return true;
	}
	if (ascii_len < 4 || strncmp(ascii, "xn--", 4) != 0)
		return false;
	uint32_t points[LABEL_MAX_LEN];
	int count = puny_decode(ascii + 4, ascii_len - 4, points);
	if (count < 0)
		return false;
	struct buf decoded;
	buf_init(&decoded, 4 * LABEL_MAX_LEN + 1);
	bool same = true;
	for (int i = 0; i < count && same; i++)
		same = append_utf8(&decoded, points[i]) == 0;
	same = same && decoded.len == raw_len;
	for (size_t i = 0; same && i < raw_len; i++)
		same = decoded.data[i] == to_lower(raw[i]);
	buf_free(&decoded);
	return same;
}

/*
 * Checks that an international host name was typed in the form IDNA
 * produces. libcurl 7.88 converts names with libidn2, which maps look-alike
 * characters first: enclosed letters (U+24D0 and up), full-width letters,
 * ligatures and the ideographic full stop U+3002 become plain ASCII, so
 * "http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/" would fetch localhost. Every label of the typed host
 * must match its label in the normalized host. Returns 0, or -1 with err.
 */
static int check_idn(const struct raw_host *raw, const char *ascii_host, char *err, size_t errlen)
{
	bool non_ascii = false;
	for (size_t i = 0; i < raw->len; i++)
		non_ascii = non_ascii || (unsigned char)raw->text[i] >= 0x80;
	if (!non_ascii)
		return 0;
	const char *r = raw->text;
	const char *r_end = raw->text + raw->len;
	const char *a = ascii_host;
	for (;;) {
		const char *r_dot = memchr(r, '.', (size_t)(r_end - r));
		size_t r_len = r_dot ? (size_t)(r_dot - r) : (size_t)(r_end - r);
		size_t a_len = strcspn(a, ".");
		if (!label_matches(r, r_len, a, a_len))
			break;
		if (!r_dot && !a[a_len])
			return 0;
		if (!r_dot || !a[a_len])
			break;
		r = r_dot + 1;
		a += a_len + 1;
	}
	snprintf(err, errlen, "The URL's host contains characters that stand for other ones "
		 "(such as enclosed, full-width or upper-case international letters, or "
		 "a dot other than \".\"); type the host name in its plain form.");
	return -1;
}

/* Tells whether the host of a parsed URL is a bracketed IPv6 address without a zone. */
static bool valid_ipv6_host(const char *host)
{
	size_t len = strlen(host);
	char inner[INET6_ADDRSTRLEN + 1];
	unsigned char addr[16];
	if (len < 3 || host[len - 1] != ']' || len - 2 >= sizeof inner)
		return false;
	memcpy(inner, host + 1, len - 2);
	inner[len - 2] = '\0';
	return inet_pton(AF_INET6, inner, addr) == 1;
}

/*
 * Tells whether a parsed host name holds only the characters a DNS name or
 * an IPv4 address may have (letters, digits, "-", "_" and non-empty labels
 * separated by "."), so that no later decoding can change it.
 */
static bool valid_name_host(const char *host)
{
	size_t len = strlen(host);
	if (len == 0 || len > HOST_MAX_LEN || host[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)host[i];
		if (c == '.' && host[i + 1] == '.')
			return false;
		if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

/* Tells whether part of u is set. libcurl returns an error code for a missing part. */
static bool has_part(CURLU *u, CURLUPart part)
{
	char *value = NULL;
	CURLUcode rc = curl_url_get(u, part, &value, 0);
	curl_free(value);
	return rc == CURLUE_OK;
}

/* Checks the parts of a parsed URL. Returns 0, or -1 with a sentence in err. */
static int check_parts(CURLU *u, char *err, size_t errlen)
{
	char *scheme = NULL;
	char *host = NULL;
	char *port = NULL;
	int rc = -1;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen, "The URL must start with http:// or https://.");
		goto done;
	}
	if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD) ||
	    has_part(u, CURLUPART_OPTIONS)) {
		snprintf(err, errlen, "The URL must not contain a user name or password.");
		goto done;
	}
	if (has_part(u, CURLUPART_ZONEID)) {
		snprintf(err, errlen, "The URL's IPv6 address must not name a network interface.");
		goto done;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    !(host[0] == '[' ? valid_ipv6_host(host) : valid_name_host(host))) {
		snprintf(err, errlen, "The URL's host \"%.100s\" is not a valid host name "
			 "or IP address.", host ? host : "");
		goto done;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && strtol(port, NULL, 10) < 1) {
		snprintf(err, errlen, "The URL's port must be from 1 to 65535.");
		goto done;
	}
	rc = 0;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	return rc;
}

/*
 * Checks the scheme and the authority of URL text before libcurl parses it,
 * because libcurl 7.88 percent-decodes the host while parsing. Fills raw
 * with the host as written. Returns 0, or -1 with a sentence in err.
 */
static int check_text(const char *text, struct raw_host *raw, char *err, size_t errlen)
{
	size_t scheme_len = web_scheme_length(text);
	if (scheme_len == 0) {
		snprintf(err, errlen, "The URL must start with http:// or https://.");
		return -1;
	}
	return check_authority(text + scheme_len + 1, raw, err, errlen);
}

CURLU *url_fetch_handle(const char *url, char *err, size_t errlen)
{
	struct raw_host raw;
	if (check_text(url, &raw, err, errlen) != 0)
		return NULL;
	CURLU *u = curl_url();
	if (!u) {
		snprintf(err, errlen, "The URL could not be checked (out of memory).");
		return NULL;
	}
	/* No CURLU_GUESS_SCHEME or CURLU_DEFAULT_SCHEME: the scheme must be written. */
	CURLUcode rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		snprintf(err, errlen, "The URL is not valid: %s.", curl_url_strerror(rc));
		curl_url_cleanup(u);
		return NULL;
	}
	if (check_parts(u, err, errlen) != 0) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* A special-use domain and why a fetch must not look it up. */
struct special_domain {
	const char *suffix;
	const char *reason;
};

static const struct special_domain special_domains[] = {
	{ "localhost", "names under \"localhost\" mean this machine (RFC 6761)" },
	{ "local", "names under \"local\" belong to multicast DNS on the local network (RFC 6762)" },
	{ "home.arpa", "names under \"home.arpa\" belong to home networks (RFC 8375)" },
	{ "internal", "names under \"internal\" belong to private networks (ICANN private-use domain)" },
	{ "onion", "names under \"onion\" are Tor onion services (RFC 7686)" },
	{ "invalid", "names under \"invalid\" never exist (RFC 6761)" },
	{ "test", "names under \"test\" are reserved for testing (RFC 6761)" },
};

/* Tells whether the first len bytes of name equal domain, or end with "." and domain, in any case. */
static bool in_domain(const char *name, size_t len, const char *domain)
{
	size_t domain_len = strlen(domain);
	if (len == domain_len)
		return strncasecmp(name, domain, len) == 0;
	return len > domain_len && name[len - domain_len - 1] == '.' &&
	       strncasecmp(name + len - domain_len, domain, domain_len) == 0;
}

const char *url_special_host(const char *host)
{
	size_t len = strlen(host);
	if (len > 0 && host[len - 1] == '.')
		len--;
	for (size_t i = 0; i < sizeof special_domains / sizeof special_domains[0]; i++)
		if (in_domain(host, len, special_domains[i].suffix))
			return special_domains[i].reason;
	return NULL;
}

/* Returns the host of a URL that url_fetch_handle accepted; the caller frees it with curl_free. */
static char *handle_host(CURLU *u)
{
	char *host = NULL;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		return NULL;
	return host;
}

/* Checks the normalized URL as fetch_url will parse it, and the typed host against it. */
static int check_normalized(const char *url, const struct raw_host *raw, char *err, size_t errlen)
{
	CURLU *u = url_fetch_handle(url, err, errlen);
	if (!u)
		return -1;
	int rc = -1;
	char *host = handle_host(u);
	if (!host)
		snprintf(err, errlen, "The URL could not be checked (out of memory).");
	else
		rc = check_idn(raw, host, err, errlen);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int url_validate(const char *text, char **out, char *err, size_t errlen)
{
	*out = NULL;
	size_t len = strlen(text);
	if (len > URL_MAX_LEN) {
		snprintf(err, errlen, "The URL is %zu bytes long; the limit is %d.",
			 len, URL_MAX_LEN);
		return -1;
	}
	char *clean = strip_input(text);
	if (!clean) {
		snprintf(err, errlen, "The URL could not be checked (out of memory).");
		return -1;
	}
	char *url = NULL;
	struct raw_host raw;
	if (check_text(clean, &raw, err, errlen) != 0)
		goto fail;

	url = url_join(NULL, clean);
	if (!url) {
		snprintf(err, errlen, "The URL is not valid (no host, or a malformed host, port or path).");
		goto fail;
	}
	if (strlen(url) > URL_MAX_LEN) {
		snprintf(err, errlen, "The URL is longer than %d bytes once normalized.", URL_MAX_LEN);
		goto fail;
	}
	if (check_normalized(url, &raw, err, errlen) != 0)
		goto fail;
	free(clean);
	*out = url;
	return 0;
fail:
	free(url);
	free(clean);
	return -1;
}

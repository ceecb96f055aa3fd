/* URL checks and resolution, following the WHATWG URL standard where browsers and libcurl differ. */
#ifndef IG_URL_H
#define IG_URL_H

#include <stddef.h>

#include <curl/curl.h>

/* Longest URL accepted from a request or from a page, in bytes. */
#define URL_MAX_LEN 2048

/*
 * Maximum length of a data: URL that url_resolve() returns, in bytes.
 * Inline images are larger than page links, but an export or a JSON
 * response must stay bounded.
 */
#define URL_DATA_MAX_LEN (512 * 1024)

/*
 * Checks that text is an absolute http or https URL of at most URL_MAX_LEN
 * bytes that a visitor may ask the server to fetch (src/urlcheck.c): the
 * scheme written out and followed by exactly "//", a host, and no user name
 * or password. Stricter than browsers where tricks hide: rejects
 * backslashes in the host part, percent-encoded hosts, and international
 * host names not typed in the form IDNA produces (enclosed or full-width
 * letters, other dots). IPv4 forms such as 0x7f.1 are read as browsers read
 * them and written as dotted decimal. On success returns 0 and stores the
 * normalized URL in *out, which the caller frees and which
 * url_fetch_handle() accepts. On failure returns -1 and writes a plain
 * sentence naming the fault into err.
 */
int url_validate(const char *text, char **out, char *err, size_t errlen);

/*
 * Parses a normalized URL from url_validate() into the libcurl handle that
 * the fetch hands to libcurl (CURLOPT_CURLU), so that the checks run on the
 * very parts libcurl connects to: an http or https scheme without guessing,
 * no user name, password or zone identifier, and a host of letters, digits,
 * "-", "_" and "." or a bracketed IPv6 address. Returns the handle, which
 * the caller frees with curl_url_cleanup, or NULL with a sentence in err.
 */
CURLU *url_fetch_handle(const char *url, char *err, size_t errlen);

/*
 * Tells whether host is a special-use name that must not be looked up on
 * the public DNS. These are "localhost" and "*.localhost" (RFC 6761), "*.local"
 * (multicast DNS, RFC 6762), "*.home.arpa" (RFC 8375), "*.internal" (the
 * ICANN private-use top-level domain), "*.onion" (RFC 7686), "*.invalid"
 * and "*.test" (RFC 6761), each name itself included. host is a name as
 * libcurl connects to it, international labels in their xn-- form. It is
 * compared in lower case and without one trailing dot. Returns a phrase
 * naming the rule, or NULL for any other name and for IP addresses.
 */
const char *url_special_host(const char *host);

/*
 * Resolves the reference ref (an attribute value, already entity-decoded)
 * against the absolute URL base as a browser does. Leading and trailing
 * spaces and all tabs and newlines are removed, backslashes read as slashes
 * in http and https, dot segments removed, and spaces and non-ASCII
 * percent-encoded. The host is parsed by urlhost_append() (urlhost.h), so
 * international names become punycode whatever the locale.
 * Returns a new absolute http, https or data: URL that the caller frees, or
 * NULL when ref is empty, invalid or of another scheme (javascript:, about:).
 * An http or https result longer than URL_MAX_LEN, or a data: URL longer
 * than URL_DATA_MAX_LEN, is rejected with NULL as well.
 */
char *url_resolve(const char *base, const char *ref);

/*
 * Resolves ref like url_resolve() for a page decoded from encoding (a name
 * from charset.h, or NULL for UTF-8). Non-ASCII characters in the query
 * are percent-encoded in the page's encoding, as browsers do (WHATWG URL,
 * "query state"); the path and fragment always use UTF-8. The caller frees
 * the result.
 */
char *url_resolve_encoded(const char *base, const char *ref, const char *encoding);

/*
 * Resolves ref against base like url_resolve(), except that an empty ref
 * returns base without its fragment, as the WHATWG URL parser does. base may
 * be NULL, in which case ref must be absolute. The caller frees the result.
 */
char *url_join(const char *base, const char *ref);

#endif

/* URL checks and resolution, following the WHATWG URL standard where browsers and libcurl differ. */
#ifndef IG_URL_H
#define IG_URL_H

#include <stddef.h>

/* Longest URL accepted from a request or from a page, in bytes. */
#define URL_MAX_LEN 2048

/*
 * Checks that text is an absolute http or https URL of at most URL_MAX_LEN
 * bytes with a host and no user name or password. On success returns 0 and
 * stores the normalized URL in *out, which the caller frees. On failure
 * returns -1 and writes a plain sentence naming the fault into err.
 */
int url_validate(const char *text, char **out, char *err, size_t errlen);

/*
 * Resolves the reference ref (an attribute value, already entity-decoded)
 * against the absolute URL base as a browser does: leading and trailing
 * spaces and tabs and newlines removed, backslashes read as slashes in http
 * and https, dot segments removed, spaces and non-ASCII percent-encoded.
 * Returns a new absolute http, https or data: URL that the caller frees, or
 * NULL when ref is empty, invalid or of another scheme (javascript:, about:).
 */
char *url_resolve(const char *base, const char *ref);

#endif

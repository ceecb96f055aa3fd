/* Image references in JSON-LD structured data (schema.org image, logo, thumbnailUrl, contentUrl). */
#ifndef IG_JSONLD_H
#define IG_JSONLD_H

#include <stddef.h>

/* Called once per image URL as written; a non-zero return stops the scan. */
typedef int (*jsonld_fn)(void *ctx, const char *url);

/*
 * Parses len bytes of JSON-LD and reports, in document order, the values of
 * image, logo, thumbnailUrl and contentUrl (strings, arrays, nested objects
 * and {"@id": ...} references to nodes elsewhere in the same document, such
 * as inside @graph), and the url and contentUrl of every ImageObject. Node
 * identifiers and @context are never reported. Returns 0, 1 when the text
 * is not valid JSON or exceeds the size limits (nothing reported), -1 when
 * memory runs out, or the callback's non-zero value.
 */
int jsonld_scan(const char *text, size_t len, jsonld_fn fn, void *ctx);

/*
 * Parses len bytes of a web app manifest (W3C Web Application Manifest) and
 * reports the src of every entry of its icons and screenshots arrays, as
 * written. Returns like jsonld_scan().
 */
int jsonld_scan_manifest(const char *text, size_t len, jsonld_fn fn, void *ctx);

#endif

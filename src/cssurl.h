/* Extraction of image references from CSS text: url() and image-set() strings. */
#ifndef IG_CSSURL_H
#define IG_CSSURL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Called once per reference with its unescaped text (not resolved). A
 * non-zero return stops the scan, and cssurl_scan() returns that value.
 */
typedef int (*cssurl_fn)(void *ctx, const char *url);

/*
 * Scans len bytes of CSS (a style sheet or a style attribute) and reports
 * every url(...) token and every string directly inside image-set() or
 * -webkit-image-set(), in order. Comments are skipped and escapes decoded
 * as CSS Syntax Level 3 describes. Returns 0, -1 when memory runs out, or
 * the callback's non-zero value.
 */
int cssurl_scan(const char *css, size_t len, cssurl_fn fn, void *ctx);

/*
 * Works like cssurl_scan(), except that the URL of each @import rule goes
 * to import_fn instead of fn. cssurl_scan() skips @import URLs: they name
 * style sheets, not images.
 */
int cssurl_scan_imports(const char *css, size_t len, cssurl_fn fn, cssurl_fn import_fn,
			void *ctx);

/*
 * Tells whether len bytes of CSS may hold a reference: a "url(" or
 * "image-set(" call or an "@import". Without a backslash these can only be
 * written out, so a search for "(" and "@" settles it; with one, escapes
 * may spell them. The scans above skip CSS for which this is false.
 */
bool cssurl_may_reference(const char *css, size_t len);

#endif

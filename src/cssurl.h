/* Extraction of image references from CSS text: url() and image-set() strings. */
#ifndef IG_CSSURL_H
#define IG_CSSURL_H

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

#endif

/* A linear pass over raw HTML that bounds nesting and fixes what tidy-html5 reads unlike browsers. */
#ifndef IG_HTMLPREP_H
#define IG_HTMLPREP_H

#include <stddef.h>

#include "buf.h"

/*
 * Copies len bytes of html into out, which must be empty, changing only:
 * - the bodies of <script> elements, dropped unless the type is
 *   application/ld+json (structured data is read, code is not);
 * - "&" in attribute values that starts a name followed by "=", written as
 *   "&amp;": browsers leave "&copy=2" alone in attributes (WHATWG HTML,
 *   "named character reference state"), tidy decodes it to "©=2";
 * - <image> outside <svg>, renamed <img> as the HTML parser does;
 * - NUL bytes, dropped.
 * Tracks the open elements approximately as a browser would, with the
 * implied end tags of p, li, td and the like. Fails when more than
 * max_depth are open at once, because tidy recurses once per level and
 * overflows the stack on deep documents.
 * Returns 0, or -1 with a sentence in err (too deep, or out of memory).
 */
int html_prepare(const char *html, size_t len, size_t max_depth, struct buf *out,
		 char *err, size_t errlen);

#endif

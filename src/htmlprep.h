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

/* Bounds on what the pre-pass hands to tidy-html5. */
struct htmlprep_limits {
	size_t max_depth;               /* elements open at once */
	size_t max_elements;            /* start tags in the page */
	size_t max_attributes;          /* attributes in the page */
	size_t max_element_attributes;  /* attributes kept per element; later ones are dropped */
	size_t max_value_bytes;         /* longer attribute values are dropped with their attribute */
};

/* html_prepare_limited()'s result when the page passed a limit. */
#define HTMLPREP_TOO_LARGE (-2)

/*
 * Works like html_prepare() within limits. Returns 0, HTMLPREP_TOO_LARGE
 * with a sentence in err when the page is deeper than max_depth or has
 * more than max_elements start tags or max_attributes attributes, or -1
 * with a sentence in err when memory runs out.
 */
int html_prepare_limited(const char *html, size_t len, const struct htmlprep_limits *limits,
			 struct buf *out, char *err, size_t errlen);

#endif

/* A linear pass over raw HTML that bounds the page, keeps what discovery reads and fixes what tidy-html5 reads unlike browsers. */
#ifndef IG_HTMLPREP_H
#define IG_HTMLPREP_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* One attribute of a start tag as written in the page: not decoded, not NUL-terminated. */
struct htmlprep_attr {
	const char *name;
	size_t name_len;
	const char *value;      /* NULL for an attribute without a value */
	size_t value_len;
};

/* The fate of a start tag, chosen by the filter. */
enum htmlprep_keep {
	HTMLPREP_DROP,          /* left out; the elements inside it are still read */
	HTMLPREP_KEEP,          /* written; its end tag is written where it closes */
	HTMLPREP_ATTRIBUTES,    /* only its attributes matter: written on an empty <span> */
};

/*
 * Decides what becomes of a start tag outside an exported SVG. name is
 * lower case (at most 32 bytes); attrs are those the pass keeps, in page
 * order.
 */
typedef enum htmlprep_keep (*htmlprep_filter)(const char *name,
					       const struct htmlprep_attr *attrs, size_t count);

/*
 * The attribute the pass adds to a <style> or <svg> whose text it set
 * aside, numbering the texts from 0 in the order they were handed over;
 * the page's own attributes of this name are dropped.
 */
#define HTMLPREP_TEXT_ATTR "data-ig-text"

/*
 * Receives a text set aside: the CSS of a <style> outside SVG and MathML,
 * or the standalone document of an inline <svg> (see svgexport.h), empty
 * when it would pass max_svg_bytes. text is valid during the call only.
 * Returns 0, or -1 when memory runs out.
 */
typedef int (*htmlprep_set_aside)(void *ctx, const char *text, size_t len);

/* Bounds on the page, and the callbacks that pick what tidy-html5 gets. All are required. */
struct htmlprep_options {
	size_t max_depth;               /* elements open at once */
	size_t max_elements;            /* start tags in the page */
	size_t max_attributes;          /* attributes in the page */
	size_t max_element_attributes;  /* attributes kept per element (at most 1024); later ones are dropped */
	size_t max_value_bytes;         /* longer attribute values are dropped with their attribute */
	size_t max_svg_bytes;           /* largest SVG document exported */
	htmlprep_filter filter;
	/* Tells whether an attribute of a written element outside SVG is written. */
	bool (*attribute_filter)(const char *name, size_t len);
	htmlprep_set_aside set_aside;
	void *set_aside_ctx;
};

/*
 * Returns whether a script's type attribute value, as written (len bytes,
 * NULL when absent), is application/ld+json, ignoring case and surrounding
 * whitespace.
 */
bool htmlprep_is_json_ld(const char *type, size_t len);

/* html_prepare()'s result when the page passed a limit. */
#define HTMLPREP_TOO_LARGE (-2)

/*
 * Writes into out, which must be empty, the part of len bytes of html that
 * the filter keeps, as markup tidy-html5 reads the way a browser reads the
 * original:
 * - text, comments and processing instructions are left out, except the
 *   text of kept <title> and JSON-LD <script> elements; the bodies of other
 *   scripts are dropped (structured data is read, code is not);
 * - the CSS of a kept <style> and each kept top-level <svg>, as an SVG
 *   document, are set aside (see htmlprep_set_aside); inside such an <svg>
 *   only <image> elements are written;
 * - start tags are written again with the attributes attribute_filter
 *   accepts, with "&" written as "&amp;" where it starts "name=" (browsers
 *   leave "&copy=2" alone in attributes, WHATWG HTML "named character
 *   reference state"; tidy decodes it to "©=2") and '"' as "&quot;";
 * - end tags are written from the pass's own stack of open elements, so
 *   stray ones are left out and implied ones (p, li, td and the like) are
 *   written where a browser infers them;
 * - a start tag that ends SVG or MathML in browsers (img, p, font with
 *   color and the like) ends it here too;
 * - <image> outside <svg> becomes <img> as the HTML parser does, element
 *   names tidy would drop get the prefix "ig-", and NUL bytes are dropped.
 * Returns 0; HTMLPREP_TOO_LARGE with a sentence in err when more than
 * max_depth elements are open at once (tidy recurses once per level and
 * overflows the stack on deep documents) or the page has more than
 * max_elements start tags or max_attributes attributes; or -1 with a
 * sentence in err when memory runs out.
 */
int html_prepare(const char *html, size_t len, const struct htmlprep_options *options,
		 struct buf *out, char *err, size_t errlen);

#endif

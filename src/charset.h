/* Character encodings of fetched pages: detection as browsers do it, conversion to UTF-8 and query encoding. */
#ifndef IG_CHARSET_H
#define IG_CHARSET_H

#include <stddef.h>

#include "buf.h"

/* How many bytes the meta prescan examines (WHATWG HTML, "prescan a byte stream"). */
#define CHARSET_PRESCAN_BYTES 1024

/*
 * Returns the encoding named by label (WHATWG Encoding, "get an encoding":
 * surrounding ASCII whitespace ignored, letters compared without case), as
 * its canonical name ("windows-1252", "Shift_JIS", "UTF-16LE"...), or NULL
 * when the label is unknown. len is the label's length in bytes.
 */
const char *charset_from_label(const char *label, size_t len);

/*
 * Returns the encoding named by the charset parameter of a Content-Type
 * header value, or NULL when the parameter is absent or unknown.
 */
const char *charset_from_content_type(const char *content_type);

/*
 * Returns the encoding a <meta charset> or <meta http-equiv=Content-Type>
 * in the first CHARSET_PRESCAN_BYTES of data declares, following the
 * prescan of WHATWG HTML section 13.2.3.2, or NULL when there is none.
 * A declared UTF-16 reads as UTF-8 and x-user-defined as windows-1252, as
 * the standard requires.
 */
const char *charset_prescan(const char *data, size_t len);

/*
 * Determines the encoding of a page as browsers do: a byte order mark, then
 * the Content-Type charset (content_type may be NULL), then the meta
 * prescan, then windows-1252. Sets *bom_len to the length of the byte order
 * mark to skip, or 0. Returns a canonical name; never NULL.
 */
const char *charset_detect(const char *data, size_t len, const char *content_type,
			   size_t *bom_len);

/*
 * Determines the encoding of a style sheet (CSS Syntax Level 3, "determine
 * the fallback encoding"). The order is a byte order mark, then the
 * Content-Type charset, then an @charset rule at the very start, then
 * fallback, the encoding of the page that links the sheet (NULL means
 * UTF-8). Sets *bom_len as charset_detect() does. Returns a canonical name;
 * never NULL.
 */
const char *charset_detect_css(const char *data, size_t len, const char *content_type,
			       const char *fallback, size_t *bom_len);

/*
 * Converts len bytes of data in encoding (a canonical name) to UTF-8 and
 * appends them to out. Malformed or unmapped input becomes U+FFFD, so the
 * result is always valid UTF-8. The output is at most 3 * len + 3 bytes.
 * Returns 0, or -1 with a sentence in err (out over its max, out of memory,
 * or an encoding the C library cannot convert).
 */
int charset_to_utf8(const char *data, size_t len, const char *encoding, struct buf *out,
		    char *err, size_t errlen);

/*
 * Returns the encoding that URL queries of a page in encoding use (WHATWG
 * Encoding, "get an output encoding"): UTF-8 for UTF-16 and replacement,
 * the encoding itself otherwise.
 */
const char *charset_url_encoding(const char *encoding);

/*
 * Appends the UTF-8 text s (len bytes) to out encoded in encoding, every
 * non-ASCII byte percent-encoded. A character that encoding cannot
 * represent is written as the percent-encoded numeric character reference
 * "%26%23N%3B" (WHATWG URL, "percent-encode after encoding"). ASCII bytes
 * are copied unchanged. Returns 0 or -1 (out over its max, or out of memory).
 */
int charset_percent_encode(const char *s, size_t len, const char *encoding, struct buf *out);

#endif

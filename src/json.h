/* JSON text output (RFC 8259) into a buffer; every string goes through json_string. */
#ifndef IG_JSON_H
#define IG_JSON_H

#include <stddef.h>

#include "buf.h"

/*
 * Appends s as a quoted JSON string. Invalid UTF-8 becomes U+FFFD, control
 * characters and U+2028/U+2029 are escaped, and "<", ">" and "&" are written
 * as \u escapes so the text is also safe inside HTML. A NULL s appends null.
 * Returns 0 or -1 (errno from buf_append).
 */
int json_string(struct buf *out, const char *s);
int json_string_n(struct buf *out, const char *s, size_t len);
/* Appends "name": with name as a JSON string. */
int json_key(struct buf *out, const char *name);
/* Appends n, or null when n is negative. */
int json_number_or_null(struct buf *out, long n);

/*
 * Returns the length of the valid UTF-8 sequence at s (1 to 4 bytes), or 0
 * when the bytes at s do not start one. len is the number of bytes left.
 */
size_t utf8_sequence_length(const unsigned char *s, size_t len);

#endif

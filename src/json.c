/* JSON text output (RFC 8259). */
#include <stdio.h>
#include <string.h>

#include "json.h"

size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	size_t n;
	unsigned min_second = 0x80, max_second = 0xbf;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			min_second = 0xa0;       /* overlong */
		else if (s[0] == 0xed)
			max_second = 0x9f;       /* UTF-16 surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			min_second = 0x90;       /* overlong */
		else if (s[0] == 0xf4)
			max_second = 0x8f;       /* above U+10FFFF */
	} else {
		return 0;
	}
	if (len < n || s[1] < min_second || s[1] > max_second)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static int json_escape_byte(struct buf *out, unsigned char c)
{
	switch (c) {
	case '"':
		return buf_append(out, "\\\"", 2);
	case '\\':
		return buf_append(out, "\\\\", 2);
	case '\n':
		return buf_append(out, "\\n", 2);
	case '\r':
		return buf_append(out, "\\r", 2);
	case '\t':
		return buf_append(out, "\\t", 2);
	default:
		if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&')
			return buf_printf(out, "\\u%04x", c);
		return buf_append_char(out, (char)c);
	}
}

int json_string_n(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	if (buf_append_char(out, '"') != 0)
		return -1;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_sequence_length(p + i, len - i);
		int rc;
		if (n == 0) {
			rc = buf_append_str(out, "\\ufffd");
			n = 1;
		} else if (n == 1) {
			rc = json_escape_byte(out, p[i]);
		} else if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			rc = buf_printf(out, "\\u%04x", p[i + 2] == 0xa8 ? 0x2028 : 0x2029);
		} else {
			rc = buf_append(out, p + i, n);
		}
		if (rc != 0)
			return -1;
		i += n;
	}
	return buf_append_char(out, '"');
}

int json_string(struct buf *out, const char *s)
{
	if (!s)
		return buf_append_str(out, "null");
	return json_string_n(out, s, strlen(s));
}

int json_key(struct buf *out, const char *name)
{
	if (json_string(out, name) != 0)
		return -1;
	return buf_append_char(out, ':');
}

int json_number_or_null(struct buf *out, long n)
{
	if (n < 0)
		return buf_append_str(out, "null");
	return buf_printf(out, "%ld", n);
}

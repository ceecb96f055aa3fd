/* The WHATWG URL host parser and serializer for http and https URLs: IPv4, IPv6 and domains (IDNA). */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

#include "buf.h"
#include "urlhost.h"

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static char to_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Forbidden domain code points (WHATWG URL, section 3.1), ASCII only. */
static bool forbidden_in_host(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || strchr("#%/:<>?@[\\]^|", c);
}

static int hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses one IPv4 part as the standard's "IPv4 number parser" does:
 * decimal, 0x hexadecimal or 0-prefixed octal. Returns -1 when invalid.
 */
static int ipv4_number(const char *s, size_t len, unsigned long long *value)
{
	unsigned base = 10;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		s++;
		len--;
	}
	*value = 0;
	for (size_t i = 0; i < len; i++) {
		int d = hex_value((unsigned char)s[i]);
		if (d < 0 || (unsigned)d >= base)
			return -1;
		if (*value > 0xffffffffffULL)
			return -1;
		*value = *value * base + (unsigned)d;
	}
	return 0;
}

/*
 * Tells whether a host's last label is a number, which makes the whole host
 * an IPv4 address (WHATWG URL, "ends in a number checker").
 */
static bool ends_in_number(const char *host, size_t len)
{
	if (len && host[len - 1] == '.')
		len--;
	size_t start = len;
	while (start > 0 && host[start - 1] != '.')
		start--;
	const char *last = host + start;
	size_t n = len - start;
	if (n == 0)
		return false;
	bool digits = true;
	for (size_t i = 0; i < n; i++)
		digits = digits && is_digit((unsigned char)last[i]);
	if (digits)
		return true;
	unsigned long long ignored;
	return n >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') &&
	       ipv4_number(last, n, &ignored) == 0;
}

/* Appends the IPv4 address in host as dotted decimal, or returns -1 when invalid. */
static int append_ipv4(struct buf *out, const char *host, size_t len)
{
	unsigned long long parts[4];
	size_t count = 0;
	if (len && host[len - 1] == '.')
		len--;
	const char *p = host;
	const char *end = host + len;
	while (p <= end) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		if (!dot)
			dot = end;
		if (count == 4 || dot == p || ipv4_number(p, (size_t)(dot - p), &parts[count]) != 0)
			return -1;
		count++;
		p = dot + 1;
	}
	unsigned long long address = parts[count - 1];
	for (size_t i = 0; i + 1 < count; i++) {
		if (parts[i] > 255)
			return -1;
		address += parts[i] << (8 * (3 - i));
	}
	if (parts[count - 1] >= (1ULL << (8 * (5 - count))))
		return -1;
	return buf_printf(out, "%llu.%llu.%llu.%llu", (address >> 24) & 255,
			  (address >> 16) & 255, (address >> 8) & 255, address & 255);
}

/*
 * Appends the IPv6 address as the standard's IPv6 serializer writes it:
 * lower-case hexadecimal pieces without leading zeros, the first longest
 * run of two or more zero pieces written as "::", and never a dotted IPv4
 * part (WHATWG URL, "IPv6 serializer").
 */
int urlhost_append_ipv6(struct buf *out, const unsigned char addr[16])
{
	unsigned pieces[8];
	for (int i = 0; i < 8; i++)
		pieces[i] = (unsigned)addr[2 * i] << 8 | addr[2 * i + 1];

	int compress = -1;
	int best_len = 1;
	for (int i = 0; i < 8;) {
		int run = 0;
		while (i + run < 8 && pieces[i + run] == 0)
			run++;
		if (run > best_len) {
			compress = i;
			best_len = run;
		}
		i += run ? run : 1;
	}

	for (int i = 0; i < 8; i++) {
		if (i == compress) {
			if (buf_append_str(out, i == 0 ? "::" : ":") != 0)
				return -1;
			i += best_len - 1;
			continue;
		}
		if (buf_printf(out, "%x", pieces[i]) != 0)
			return -1;
		if (i < 7 && buf_append_char(out, ':') != 0)
			return -1;
	}
	return 0;
}

/*
 * Appends a bracketed IPv6 address, rewritten in the standard's form.
 * inet_pton in glibc 2.36 and musl 1.2.3 accepts the syntax of the
 * standard's IPv6 parser: at most four hex digits a piece, one "::", a
 * trailing dotted IPv4 part of four decimal numbers without leading zeros,
 * and no zone identifier.
 */
static int append_ipv6(struct buf *out, const char *host, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	if (len < 3 || host[len - 1] != ']' || len - 2 >= sizeof text)
		return -1;
	memcpy(text, host + 1, len - 2);
	text[len - 2] = '\0';
	if (inet_pton(AF_INET6, text, addr) != 1)
		return -1;
	if (buf_append_char(out, '[') != 0 || urlhost_append_ipv6(out, addr) != 0)
		return -1;
	return buf_append_char(out, ']');
}

/*
 * Tells whether a domain needs UTS #46 processing: it has a non-ASCII byte
 * or a label starting with "xn--". Any other domain only needs ASCII
 * lower-casing, as the standard's "domain to ASCII" notes.
 */
static bool needs_idna(const char *domain)
{
	for (const char *p = domain; *p; p++) {
		if ((unsigned char)*p >= 0x80)
			return true;
	}
	for (const char *label = domain; label; label = strchr(label, '.')) {
		if (*label == '.')
			label++;
		if (strncasecmp(label, "xn--", 4) == 0)
			return true;
	}
	return false;
}

/*
 * Converts a UTF-8 domain to ASCII as the standard's "domain to ASCII"
 * does with beStrict false: UTS #46 ToASCII with non-transitional
 * processing, CheckHyphens and UseSTD3ASCIIRules false, CheckBidi and
 * CheckJoiners true. Returns the ASCII domain, which the caller frees with
 * idn2_free (or free), or NULL when the domain is invalid.
 * NOTE: libidn2 2.3 is stricter than UTS #46 in three ways, which make
 * more hosts invalid but never change a valid one. It rejects code points
 * that IDNA2008 disallows (emoji and other symbols), and it applies
 * CheckHyphens to non-ASCII labels (no "-" at either end, no "--" at the
 * third and fourth positions). It also rejects labels over 63 bytes and
 * domains over 255 code points once mapped.
 */
static char *domain_to_ascii(const char *domain)
{
	if (!needs_idna(domain)) {
		char *copy = strdup(domain);
		for (char *p = copy; p && *p; p++)
			*p = to_lower(*p);
		return copy;
	}
	uint8_t *ascii = NULL;
	int rc = idn2_lookup_u8((const uint8_t *)domain, &ascii,
				IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc != IDN2_OK)
		return NULL;
	if (!ascii[0]) {
		idn2_free(ascii);
		return NULL;
	}
	return (char *)ascii;
}

/*
 * Appends a domain after percent-decoding: converted to ASCII, checked for
 * forbidden code points, and read as an IPv4 address when its last label
 * is a number (WHATWG URL, "host parser" steps 5 to 9).
 */
static int append_domain(struct buf *out, const char *domain, size_t len)
{
	if (len == 0 || memchr(domain, '\0', len))
		return -1;
	char *ascii = domain_to_ascii(domain);
	if (!ascii)
		return -1;
	size_t ascii_len = strlen(ascii);
	int rc = -1;
	for (size_t i = 0; i < ascii_len; i++) {
		if (forbidden_in_host((unsigned char)ascii[i]))
			goto done;
	}
	if (ends_in_number(ascii, ascii_len))
		rc = append_ipv4(out, ascii, ascii_len);
	else
		rc = buf_append(out, ascii, ascii_len);
done:
	idn2_free(ascii);
	return rc;
}

int urlhost_append(struct buf *out, const char *host, size_t len)
{
	if (len && host[0] == '[')
		return append_ipv6(out, host, len);

	char *decoded = malloc(len + 1);
	if (!decoded)
		return -1;
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (host[i] == '%' && i + 2 < len &&
		    hex_value((unsigned char)host[i + 1]) >= 0 &&
		    hex_value((unsigned char)host[i + 2]) >= 0) {
			decoded[n++] = (char)(hex_value((unsigned char)host[i + 1]) * 16 +
					      hex_value((unsigned char)host[i + 2]));
			i += 2;
		} else {
			decoded[n++] = host[i];
		}
	}
	decoded[n] = '\0';
	int rc = append_domain(out, decoded, n);
	free(decoded);
	return rc;
}

/* Character encodings of fetched pages: WHATWG labels, the meta prescan, iconv conversion to UTF-8. */
#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "charset.h"
#include "json.h"

/*
 * One encoding of the WHATWG Encoding standard. decoder and encoder are the
 * glibc iconv names that come closest to the standard's decoder and
 * encoder; NULL means the conversion is done here (UTF-8, replacement,
 * x-user-defined). labels are the standard's labels, separated by spaces.
 */
struct encoding {
	const char *name;
	const char *decoder;
	const char *encoder;
	const char *labels;
};

/*
 * The standard decodes GBK with its gb18030 decoder, Shift_JIS is Microsoft's
 * code page 932, EUC-KR is code page 949 and Big5 includes HKSCS.
 */
static const struct encoding encodings[] = {
	{"UTF-8", NULL, NULL,
	 "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"},
	{"windows-1252", "CP1252", "CP1252",
	 "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 "
	 "iso8859-1 iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252"},
	{"IBM866", "IBM866", "IBM866", "866 cp866 csibm866 ibm866"},
	{"ISO-8859-2", "ISO-8859-2", "ISO-8859-2",
	 "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2"},
	{"ISO-8859-3", "ISO-8859-3", "ISO-8859-3",
	 "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3"},
	{"ISO-8859-4", "ISO-8859-4", "ISO-8859-4",
	 "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4"},
	{"ISO-8859-5", "ISO-8859-5", "ISO-8859-5",
	 "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 "
	 "iso_8859-5:1988"},
	{"ISO-8859-6", "ISO-8859-6", "ISO-8859-6",
	 "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 "
	 "iso-8859-6-e iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987"},
	{"ISO-8859-7", "ISO-8859-7", "ISO-8859-7",
	 "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 "
	 "iso88597 iso_8859-7 iso_8859-7:1987 sun_eu_greek"},
	{"ISO-8859-8", "ISO-8859-8", "ISO-8859-8",
	 "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 "
	 "iso88598 iso_8859-8 iso_8859-8:1988 visual"},
	{"ISO-8859-8-I", "ISO-8859-8", "ISO-8859-8", "csiso88598i iso-8859-8-i logical"},
	{"ISO-8859-10", "ISO-8859-10", "ISO-8859-10",
	 "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6"},
	{"ISO-8859-13", "ISO-8859-13", "ISO-8859-13", "iso-8859-13 iso8859-13 iso885913"},
	{"ISO-8859-14", "ISO-8859-14", "ISO-8859-14", "iso-8859-14 iso8859-14 iso885914"},
	{"ISO-8859-15", "ISO-8859-15", "ISO-8859-15",
	 "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9"},
	{"ISO-8859-16", "ISO-8859-16", "ISO-8859-16", "iso-8859-16"},
	{"KOI8-R", "KOI8-R", "KOI8-R", "cskoi8r koi koi8 koi8-r koi8_r"},
	{"KOI8-U", "KOI8-U", "KOI8-U", "koi8-ru koi8-u"},
	{"macintosh", "MACINTOSH", "MACINTOSH", "csmacintosh mac macintosh x-mac-roman"},
	{"windows-874", "CP874", "CP874",
	 "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"},
	{"windows-1250", "CP1250", "CP1250", "cp1250 windows-1250 x-cp1250"},
	{"windows-1251", "CP1251", "CP1251", "cp1251 windows-1251 x-cp1251"},
	{"windows-1253", "CP1253", "CP1253", "cp1253 windows-1253 x-cp1253"},
	{"windows-1254", "CP1254", "CP1254",
	 "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 "
	 "iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254"},
	{"windows-1255", "CP1255", "CP1255", "cp1255 windows-1255 x-cp1255"},
	{"windows-1256", "CP1256", "CP1256", "cp1256 windows-1256 x-cp1256"},
	{"windows-1257", "CP1257", "CP1257", "cp1257 windows-1257 x-cp1257"},
	{"windows-1258", "CP1258", "CP1258", "cp1258 windows-1258 x-cp1258"},
	{"x-mac-cyrillic", "MAC-CYRILLIC", "MAC-CYRILLIC", "x-mac-cyrillic x-mac-ukrainian"},
	{"GBK", "GB18030", "GBK",
	 "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk"},
	{"gb18030", "GB18030", "GB18030", "gb18030"},
	{"Big5", "BIG5-HKSCS", "BIG5", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"},
	{"EUC-JP", "EUC-JP", "EUC-JP", "cseucpkdfmtjapanese euc-jp x-euc-jp"},
	{"ISO-2022-JP", "ISO-2022-JP", "ISO-2022-JP", "csiso2022jp iso-2022-jp"},
	{"Shift_JIS", "CP932", "CP932",
	 "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"},
	{"EUC-KR", "CP949", "CP949",
	 "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 "
	 "ksc5601 ksc_5601 windows-949"},
	{"replacement", NULL, NULL,
	 "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement"},
	{"UTF-16BE", "UTF-16BE", "UTF-16BE", "unicodefffe utf-16be"},
	{"UTF-16LE", "UTF-16LE", "UTF-16LE",
	 "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le"},
	{"x-user-defined", NULL, NULL, "x-user-defined"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char replacement_utf8[] = "\xef\xbf\xbd";

static bool is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static char ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static const struct encoding *find_encoding(const char *name)
{
	for (size_t i = 0; i < COUNT(encodings); i++) {
		if (strcmp(encodings[i].name, name) == 0)
			return &encodings[i];
	}
	return NULL;
}

/* Tells whether the space-separated list contains word (len bytes, any case). */
static bool list_has(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && strncasecmp(p, word, n) == 0)
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

const char *charset_from_label(const char *label, size_t len)
{
	while (len && is_ascii_space(*label)) {
		label++;
		len--;
	}
	while (len && is_ascii_space(label[len - 1]))
		len--;
	/* The maximum label length is under 24 bytes ("iso-2022-cn-ext" has 15). */
	if (len == 0 || len > 24 || memchr(label, ' ', len))
		return NULL;
	for (size_t i = 0; i < COUNT(encodings); i++) {
		if (list_has(encodings[i].labels, label, len))
			return encodings[i].name;
	}
	return NULL;
}

/*
 * Finds the charset parameter of a MIME type (RFC 9110 section 8.3.1): a
 * token or a quoted string after "charset=" in one of the ";" parameters.
 */
const char *charset_from_content_type(const char *content_type)
{
	if (!content_type)
		return NULL;
	const char *p = strchr(content_type, ';');
	while (p) {
		p++;
		p += strspn(p, " \t");
		if (strncasecmp(p, "charset", 7) == 0) {
			const char *v = p + 7;
			v += strspn(v, " \t");
			if (*v == '=') {
				v++;
				v += strspn(v, " \t");
				size_t n;
				if (*v == '"') {
					v++;
					n = strcspn(v, "\"");
				} else {
					n = strcspn(v, "; \t");
				}
				return charset_from_label(v, n);
			}
		}
		p = strchr(p, ';');
	}
	return NULL;
}

/* The state of one prescan: the bytes left to examine. */
struct prescan {
	const char *p;
	const char *end;
};

/* One attribute as the prescan reads it: name and value lower-cased, cut at 64 bytes. */
struct prescan_attr {
	char name[64];
	char value[64];
	size_t name_len;
	size_t value_len;
};

static void attr_push(char *field, size_t *len, char c)
{
	if (*len + 1 < 64)
		field[(*len)++] = ascii_lower(c);
	field[*len] = '\0';
}

/*
 * Reads the next attribute ("get an attribute"). Returns 1 with *a filled,
 * 0 at the end of the tag, or -1 when the bytes run out first.
 */
static int prescan_attribute(struct prescan *s, struct prescan_attr *a)
{
	a->name_len = a->value_len = 0;
	a->name[0] = a->value[0] = '\0';
	while (s->p < s->end && (is_ascii_space(*s->p) || *s->p == '/'))
		s->p++;
	if (s->p >= s->end)
		return -1;
	if (*s->p == '>')
		return 0;
	for (;; s->p++) {
		if (s->p >= s->end)
			return -1;
		char c = *s->p;
		if (c == '=' && a->name_len > 0)
			break;
		if (is_ascii_space(c)) {
			while (s->p < s->end && is_ascii_space(*s->p))
				s->p++;
			if (s->p >= s->end)
				return -1;
			if (*s->p != '=')
				return 1;
			break;
		}
		if (c == '/' || c == '>')
			return 1;
		attr_push(a->name, &a->name_len, c);
	}
	s->p++;
	while (s->p < s->end && is_ascii_space(*s->p))
		s->p++;
	if (s->p >= s->end)
		return -1;
	char quote = *s->p;
	if (quote == '"' || quote == '\'') {
		for (s->p++; s->p < s->end; s->p++) {
			if (*s->p == quote) {
				s->p++;
				return 1;
			}
			attr_push(a->value, &a->value_len, *s->p);
		}
		return -1;
	}
	if (quote == '>')
		return 1;
	for (; s->p < s->end; s->p++) {
		if (is_ascii_space(*s->p) || *s->p == '>')
			return 1;
		attr_push(a->value, &a->value_len, *s->p);
	}
	return -1;
}

/* Reads the encoding from a content attribute such as "text/html; charset=koi8-r" (WHATWG HTML 2.5.5). */
static const char *encoding_from_meta_content(const char *s)
{
	for (;;) {
		const char *at = strstr(s, "charset");
		if (!at)
			return NULL;
		s = at + 7;
		while (is_ascii_space(*s))
			s++;
		if (*s != '=')
			continue;
		s++;
		while (is_ascii_space(*s))
			s++;
		if (*s == '"' || *s == '\'') {
			const char *close = strchr(s + 1, *s);
			return close ? charset_from_label(s + 1, (size_t)(close - s - 1)) : NULL;
		}
		return charset_from_label(s, strcspn(s, " \t\n\f\r;"));
	}
}

/* Reads the attributes of a <meta> tag. Returns its encoding, NULL when it declares none, or sets *ran_out. */
static const char *prescan_meta(struct prescan *s, bool *ran_out)
{
	bool seen_http_equiv = false, seen_content = false, seen_charset = false;
	bool got_pragma = false;
	int need_pragma = -1;     /* -1 unknown, 0 false, 1 true */
	const char *charset = NULL;
	struct prescan_attr a;
	int rc;
	while ((rc = prescan_attribute(s, &a)) == 1) {
		if (strcmp(a.name, "http-equiv") == 0 && !seen_http_equiv) {
			seen_http_equiv = true;
			got_pragma = strcmp(a.value, "content-type") == 0;
		} else if (strcmp(a.name, "content") == 0 && !seen_content) {
			seen_content = true;
			if (!charset) {
				charset = encoding_from_meta_content(a.value);
				if (charset)
					need_pragma = 1;
			}
		} else if (strcmp(a.name, "charset") == 0 && !seen_charset) {
			seen_charset = true;
			charset = charset_from_label(a.value, a.value_len);
			need_pragma = 0;
		}
	}
	if (rc < 0) {
		*ran_out = true;
		return NULL;
	}
	if (need_pragma == -1 || (need_pragma == 1 && !got_pragma) || !charset)
		return NULL;
	if (strncmp(charset, "UTF-16", 6) == 0)
		return "UTF-8";
	if (strcmp(charset, "x-user-defined") == 0)
		return "windows-1252";
	return charset;
}

static bool starts_with_ci(const struct prescan *s, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(s->end - s->p) >= n && strncasecmp(s->p, word, n) == 0;
}

static bool is_ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

const char *charset_prescan(const char *data, size_t len)
{
	struct prescan s = {data, data + (len < CHARSET_PRESCAN_BYTES ? len : CHARSET_PRESCAN_BYTES)};
	while (s.p < s.end) {
		size_t left = (size_t)(s.end - s.p);
		if (starts_with_ci(&s, "<!--")) {
			/* The "-->" may not share its dashes with "<!--". */
			const char *q = s.p + 4;
			while (q + 3 <= s.end && memcmp(q, "-->", 3) != 0)
				q++;
			s.p = q + 3 <= s.end ? q + 3 : s.end;
			continue;
		}
		if (starts_with_ci(&s, "<meta") && left > 5 &&
		    (is_ascii_space(s.p[5]) || s.p[5] == '/')) {
			bool ran_out = false;
			s.p += 6;
			const char *found = prescan_meta(&s, &ran_out);
			if (found)
				return found;
			if (ran_out)
				return NULL;
			s.p++;
			continue;
		}
		if (*s.p == '<' && left > 2 && ((s.p[1] == '/' && is_ascii_alpha(s.p[2])) ||
						is_ascii_alpha(s.p[1]))) {
			while (s.p < s.end && !is_ascii_space(*s.p) && *s.p != '>')
				s.p++;
			struct prescan_attr a;
			int rc;
			while ((rc = prescan_attribute(&s, &a)) == 1)
				;
			if (rc < 0)
				return NULL;
			s.p++;
			continue;
		}
		if (*s.p == '<' && left > 1 && (s.p[1] == '!' || s.p[1] == '/' || s.p[1] == '?')) {
			const char *gt = memchr(s.p, '>', left);
			if (!gt)
				return NULL;
			s.p = gt + 1;
			continue;
		}
		s.p++;
	}
	return NULL;
}

/* Finds the BOM at the start of data. Returns its encoding and sets *bom_len, or returns NULL. */
static const char *bom_encoding(const char *data, size_t len, size_t *bom_len)
{
	const unsigned char *u = (const unsigned char *)data;
	*bom_len = 0;
	if (len >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) {
		*bom_len = 3;
		return "UTF-8";
	}
	if (len >= 2 && u[0] == 0xfe && u[1] == 0xff) {
		*bom_len = 2;
		return "UTF-16BE";
	}
	if (len >= 2 && u[0] == 0xff && u[1] == 0xfe) {
		*bom_len = 2;
		return "UTF-16LE";
	}
	return NULL;
}

const char *charset_detect(const char *data, size_t len, const char *content_type,
			   size_t *bom_len)
{
	const char *found = bom_encoding(data, len, bom_len);
	if (found)
		return found;
	found = charset_from_content_type(content_type);
	if (!found)
		found = charset_prescan(data, len);
	/*
	 * NOTE: browsers guess from the visitor's locale or the bytes when
	 * nothing is declared; this uses windows-1252, the default of most locales.
	 */
	return found ? found : "windows-1252";
}

const char *charset_detect_css(const char *data, size_t len, const char *content_type,
			       const char *fallback, size_t *bom_len)
{
	const char *found = bom_encoding(data, len, bom_len);
	if (found)
		return found;
	found = charset_from_content_type(content_type);
	if (found)
		return found;
	/* Only the exact bytes '@charset "' count, and the label ends at the next '"' within 1024 bytes. */
	static const char rule[] = "@charset \"";
	size_t rule_len = sizeof rule - 1;
	if (len > rule_len && memcmp(data, rule, rule_len) == 0) {
		size_t limit = len < CHARSET_PRESCAN_BYTES ? len : CHARSET_PRESCAN_BYTES;
		const char *close = memchr(data + rule_len, '"', limit - rule_len);
		if (close && close + 1 < data + len && close[1] == ';') {
			found = charset_from_label(data + rule_len, (size_t)(close - data - rule_len));
			if (found)
				return strncmp(found, "UTF-16", 6) == 0 ? "UTF-8" : found;
		}
	}
	return fallback ? fallback : "UTF-8";
}

const char *charset_url_encoding(const char *encoding)
{
	if (strncmp(encoding, "UTF-16", 6) == 0 || strcmp(encoding, "replacement") == 0)
		return "UTF-8";
	return encoding;
}

/* Appends the UTF-8 form of code point cp (at most U+10FFFF). */
static int append_code_point(struct buf *out, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(out, b, n);
}

/*
 * Returns the length of the maximal subpart at s, the bytes that one U+FFFD
 * replaces (Unicode 15, section 3.9, "U+FFFD Substitution of Maximal
 * Subparts"): a lead byte and the continuation bytes that were still valid
 * for it, or one byte.
 */
static size_t invalid_utf8_length(const unsigned char *s, size_t len)
{
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 1;
	}
	size_t n = 1;
	while (n < need && n < len && s[n] >= lo && s[n] <= hi) {
		n++;
		lo = 0x80;
		hi = 0xbf;
	}
	return n;
}

/* Copies UTF-8 input, replacing each maximal invalid subpart with U+FFFD. */
static int copy_utf8(const unsigned char *s, size_t len, struct buf *out)
{
	size_t i = 0;
	while (i < len) {
		size_t run = i;
		while (run < len && s[run] < 0x80)
			run++;
		size_t n = 0;
		while (run < len && (n = utf8_sequence_length(s + run, len - run)) > 0)
			run += n;
		if (buf_append(out, s + i, run - i) != 0)
			return -1;
		i = run;
		if (i < len) {
			if (buf_append(out, replacement_utf8, 3) != 0)
				return -1;
			i += invalid_utf8_length(s + i, len - i);
		}
	}
	return 0;
}

/*
 * Code points of windows-1252 bytes 0x80 to 0x9F (WHATWG Encoding, index
 * windows-1252); bytes 0xA0 to 0xFF are the Latin-1 code points.
 */
static const uint16_t windows_1252_c1[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

/*
 * Decodes windows-1252 without iconv: it is the default encoding, so it
 * must work even where glibc's gconv modules are missing (a chroot or a
 * static build), and a table is faster.
 */
static int copy_windows_1252(const unsigned char *s, size_t len, struct buf *out)
{
	size_t i = 0;
	while (i < len) {
		size_t run = i;
		while (run < len && s[run] < 0x80)
			run++;
		if (buf_append(out, s + i, run - i) != 0)
			return -1;
		i = run;
		if (i < len) {
			uint32_t cp = s[i] < 0xa0 ? windows_1252_c1[s[i] - 0x80] : s[i];
			if (append_code_point(out, cp) != 0)
				return -1;
			i++;
		}
	}
	return 0;
}

/* Decodes x-user-defined: ASCII as is, bytes 0x80 to 0xFF as U+F780 to U+F7FF. */
static int copy_user_defined(const unsigned char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		uint32_t cp = s[i] < 0x80 ? s[i] : 0xf780u + s[i] - 0x80;
		if (append_code_point(out, cp) != 0)
			return -1;
	}
	return 0;
}

/*
 * Converts with iconv, writing U+FFFD for each malformed unit (one byte,
 * or two in UTF-16) and for a truncated sequence at the end.
 */
/*
 * Names to try when the C library lacks a decoder's glibc name. musl, which
 * the static build uses, has no code page 932, 866 or 874 under these
 * names: it has Shift_JIS without Microsoft's additions, code page 866 as
 * CP866, and TIS-620, which code page 874 extends.
 */
static const char *const decoder_alternates[][2] = {
	{"CP932", "SHIFT_JIS"},
	{"IBM866", "CP866"},
	{"CP874", "TIS-620"},
};

/* Opens a converter from the encoding to UTF-8, trying its alternate name. */
static iconv_t open_decoder(const struct encoding *e)
{
	iconv_t cd = iconv_open("UTF-8", e->decoder);
	for (size_t i = 0; cd == (iconv_t)-1 && i < COUNT(decoder_alternates); i++) {
		if (strcmp(e->decoder, decoder_alternates[i][0]) == 0)
			cd = iconv_open("UTF-8", decoder_alternates[i][1]);
	}
	return cd;
}

static int convert_iconv(const struct encoding *e, const char *data, size_t len,
			 struct buf *out, char *err, size_t errlen)
{
	iconv_t cd = open_decoder(e);
	if (cd == (iconv_t)-1) {
		snprintf(err, errlen, "The C library cannot convert from %s: %s.", e->name,
			 strerror(errno));
		return -1;
	}
	size_t unit = strncmp(e->name, "UTF-16", 6) == 0 ? 2 : 1;
	char chunk[16384];
	char *in = (char *)data;
	size_t in_left = len;
	int rc = 0;
	while (in_left > 0 && rc == 0) {
		char *o = chunk;
		size_t o_left = sizeof chunk;
		size_t r = iconv(cd, &in, &in_left, &o, &o_left);
		int saved = errno;
		rc = buf_append(out, chunk, sizeof chunk - o_left);
		if (r != (size_t)-1 || rc != 0 || saved == E2BIG)
			continue;
		rc = buf_append(out, replacement_utf8, 3);
		size_t skip = saved == EILSEQ && in_left >= unit ? unit : in_left;
		in += skip;
		in_left -= skip;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (rc == 0) {
		/* Flush the shift state of stateful encodings such as ISO-2022-JP. */
		char *o = chunk;
		size_t o_left = sizeof chunk;
		iconv(cd, NULL, NULL, &o, &o_left);
		rc = buf_append(out, chunk, sizeof chunk - o_left);
	}
	iconv_close(cd);
	if (rc != 0)
		snprintf(err, errlen, "The page does not fit in %zu bytes once converted from %s to UTF-8.",
			 out->max, e->name);
	return rc;
}

int charset_to_utf8(const char *data, size_t len, const char *encoding, struct buf *out,
		    char *err, size_t errlen)
{
	const struct encoding *e = find_encoding(encoding);
	if (!e) {
		snprintf(err, errlen, "The encoding %s is not supported.", encoding);
		return -1;
	}
	int rc;
	if (strcmp(e->name, "UTF-8") == 0)
		rc = copy_utf8((const unsigned char *)data, len, out);
	else if (strcmp(e->name, "windows-1252") == 0)
		rc = copy_windows_1252((const unsigned char *)data, len, out);
	else if (strcmp(e->name, "x-user-defined") == 0)
		rc = copy_user_defined((const unsigned char *)data, len, out);
	else if (strcmp(e->name, "replacement") == 0)
		/* The standard decodes the whole input to one U+FFFD: the encodings it stands for are unsafe. */
		rc = len ? buf_append(out, replacement_utf8, 3) : 0;
	else
		return convert_iconv(e, data, len, out, err, errlen);
	if (rc != 0)
		snprintf(err, errlen, "The page does not fit in %zu bytes once converted from %s to UTF-8.",
			 out->max, e->name);
	return rc;
}

/* Decodes the UTF-8 sequence of n bytes at s to its code point. */
static uint32_t code_point(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0];
	uint32_t cp = s[0] & (0xff >> (n + 1));
	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return cp;
}

static int append_percent(struct buf *out, const unsigned char *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf_printf(out, "%%%02X", bytes[i]) != 0)
			return -1;
	}
	return 0;
}

/* Encodes one character (n UTF-8 bytes at s) with cd and appends it percent-encoded. */
static int encode_character(iconv_t cd, const unsigned char *s, size_t n, struct buf *out)
{
	char in_copy[4];
	char encoded[16];
	memcpy(in_copy, s, n);
	char *in = in_copy;
	size_t in_left = n;
	char *o = encoded;
	size_t o_left = sizeof encoded;
	iconv(cd, NULL, NULL, NULL, NULL);
	if (iconv(cd, &in, &in_left, &o, &o_left) == (size_t)-1)
		return buf_printf(out, "%%26%%23%lu%%3B", (unsigned long)code_point(s, n));
	/* Return a stateful encoding to its initial state after each character. */
	iconv(cd, NULL, NULL, &o, &o_left);
	return append_percent(out, (const unsigned char *)encoded, sizeof encoded - o_left);
}

/* Encodes one character (n UTF-8 bytes at s) in windows-1252 and appends it percent-encoded. */
static int encode_windows_1252(const unsigned char *s, size_t n, struct buf *out)
{
	uint32_t cp = code_point(s, n);
	if (cp >= 0xa0 && cp <= 0xff)
		return buf_printf(out, "%%%02X", (unsigned)cp);
	for (unsigned i = 0; i < 32; i++) {
		if (windows_1252_c1[i] == cp)
			return buf_printf(out, "%%%02X", 0x80 + i);
	}
	return buf_printf(out, "%%26%%23%lu%%3B", (unsigned long)cp);
}

int charset_percent_encode(const char *s, size_t len, const char *encoding, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	const struct encoding *e = find_encoding(charset_url_encoding(encoding));
	bool utf8 = !e || !e->encoder;
	bool windows_1252 = e && strcmp(e->name, "windows-1252") == 0;
	iconv_t cd = (iconv_t)-1;
	if (!utf8 && !windows_1252) {
		cd = iconv_open(e->encoder, "UTF-8");
		utf8 = cd == (iconv_t)-1;
	}
	int rc = 0;
	for (size_t i = 0; i < len && rc == 0;) {
		if (u[i] < 0x80) {
			rc = buf_append_char(out, (char)u[i]);
			i++;
			continue;
		}
		size_t n = utf8_sequence_length(u + i, len - i);
		if (n == 0) {
			rc = buf_append_str(out, "%EF%BF%BD");
			i++;
		} else {
			if (windows_1252)
				rc = encode_windows_1252(u + i, n, out);
			else
				rc = utf8 ? append_percent(out, u + i, n) : encode_character(cd, u + i, n, out);
			i += n;
		}
	}
	if (cd != (iconv_t)-1)
		iconv_close(cd);
	return rc;
}

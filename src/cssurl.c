/* Extraction of url() and image-set() references from CSS text, following CSS Syntax Level 3 tokenization. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cssurl.h"
#include "url.h"

/* Nesting of function calls tracked; deeper calls count as plain functions. */
#define MAX_FRAMES 64

/* Kind of function the innermost open parenthesis belongs to. */
enum frame { FRAME_OTHER, FRAME_URL, FRAME_IMAGE_SET };

struct scanner {
	const char *p;
	const char *end;
	enum frame frames[MAX_FRAMES];
	size_t depth;
	struct buf token;
	cssurl_fn fn;
	cssurl_fn import_fn;  /* called for @import URLs; NULL skips them */
	bool in_import;       /* between "@import" and the ";" or block that ends its prelude */
	void *ctx;
};

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* A backslash starts an escape unless a newline follows it. */
static bool valid_escape(const char *p, const char *end)
{
	return p < end && *p == '\\' && (p + 1 >= end || p[1] != '\n');
}

static bool starts_identifier(const char *p, const char *end)
{
	if (p >= end)
		return false;
	if (*p == '-') {
		if (p + 1 < end && (is_name_start((unsigned char)p[1]) || p[1] == '-'))
			return true;
		return valid_escape(p + 1, end);
	}
	return is_name_start((unsigned char)*p) || valid_escape(p, end);
}

static int put_code_point(struct buf *b, uint32_t cp)
{
	char out[4];
	size_t n;
	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(b, out, n);
}

/*
 * Consumes an escape after its backslash ("consume an escaped code point"):
 * up to six hex digits and one following whitespace, or one code point.
 * Zero, surrogates and values beyond U+10FFFF become U+FFFD.
 */
static int consume_escape(struct scanner *s)
{
	if (s->p >= s->end)
		return put_code_point(&s->token, 0xfffd);
	if (hex_digit((unsigned char)*s->p) < 0)
		return buf_append_char(&s->token, *s->p++);
	uint32_t cp = 0;
	for (int i = 0; i < 6 && s->p < s->end && hex_digit((unsigned char)*s->p) >= 0; i++)
		cp = cp * 16 + (uint32_t)hex_digit((unsigned char)*s->p++);
	if (s->p < s->end && is_space((unsigned char)*s->p))
		s->p++;
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	return put_code_point(&s->token, cp);
}

/*
 * Appends to the token, remembering an over-long token as failed instead of
 * stopping the scan: such a reference is dropped, the rest still scanned.
 */
static int token_result(int rc, bool *too_long)
{
	if (rc == 0)
		return 0;
	if (errno == EFBIG) {
		*too_long = true;
		return 0;
	}
	return -1;
}

/* Reports the token to the callback unless it is empty or was too long. */
static int report(struct scanner *s, bool too_long)
{
	int rc = 0;
	cssurl_fn fn = s->in_import ? s->import_fn : s->fn;
	if (!too_long && s->token.len > 0 && fn)
		rc = fn(s->ctx, buf_cstr(&s->token));
	buf_reset(&s->token);
	return rc;
}

/* Skips a string token after its opening quote, up to its closing quote or an unescaped newline. */
static void skip_string(struct scanner *s, char quote)
{
	while (s->p < s->end && *s->p != quote && *s->p != '\n') {
		if (*s->p == '\\' && s->p + 1 < s->end)
			s->p++;
		s->p++;
	}
	if (s->p < s->end && *s->p == quote)
		s->p++;
}

/* Consumes a string token after its opening quote; reports it when wanted. */
static int consume_string(struct scanner *s, char quote, bool wanted)
{
	bool too_long = false;
	bool bad = false;
	if (!wanted) {
		skip_string(s, quote);
		return 0;
	}
	buf_reset(&s->token);
	while (s->p < s->end && *s->p != quote) {
		char c = *s->p++;
		int rc = 0;
		if (c == '\n') {
			/* An unescaped newline makes a bad string, which is not a URL. */
			s->p--;
			bad = true;
			break;
		}
		if (c == '\\') {
			if (s->p < s->end && *s->p == '\n')
				s->p++;
			else if (s->p < s->end)
				rc = consume_escape(s);
		} else {
			rc = buf_append_char(&s->token, c);
		}
		if (token_result(rc, &too_long) != 0)
			return -1;
	}
	if (s->p < s->end && *s->p == quote)
		s->p++;
	if (bad) {
		buf_reset(&s->token);
		return 0;
	}
	return report(s, too_long);
}

/* Skips the rest of a bad url token, up to and including its ")". */
static void consume_bad_url(struct scanner *s)
{
	while (s->p < s->end && *s->p != ')') {
		if (valid_escape(s->p, s->end))
			s->p++;
		s->p++;
	}
	if (s->p < s->end)
		s->p++;
}

/* Consumes an unquoted url( ... ) token after "url(" and leading whitespace. */
static int consume_url(struct scanner *s)
{
	bool too_long = false;
	buf_reset(&s->token);
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;
		int rc = 0;
		if (c == ')') {
			s->p++;
			return report(s, too_long);
		}
		if (is_space(c)) {
			while (s->p < s->end && is_space((unsigned char)*s->p))
				s->p++;
			if (s->p >= s->end || *s->p == ')')
				continue;
			consume_bad_url(s);
			buf_reset(&s->token);
			return 0;
		}
		if (c == '"' || c == '\'' || c == '(' || c < 0x09 || c == 0x0b ||
		    (c >= 0x0e && c < 0x20) || c == 0x7f || (c == '\\' && !valid_escape(s->p, s->end))) {
			consume_bad_url(s);
			buf_reset(&s->token);
			return 0;
		}
		s->p++;
		rc = c == '\\' ? consume_escape(s) : buf_append_char(&s->token, (char)c);
		if (token_result(rc, &too_long) != 0)
			return -1;
	}
	return report(s, too_long);
}

static void push_frame(struct scanner *s, enum frame f)
{
	if (s->depth < MAX_FRAMES)
		s->frames[s->depth] = f;
	s->depth++;
}

static enum frame top_frame(const struct scanner *s)
{
	if (s->depth == 0 || s->depth > MAX_FRAMES)
		return FRAME_OTHER;
	return s->frames[s->depth - 1];
}

/* Tells whether the len bytes at name spell word, ignoring ASCII case. */
static bool name_is(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(name, word, len) == 0;
}

/*
 * Consumes an identifier and, when "(" follows, the function it names.
 * Identifiers without escapes, nearly all of them, are compared where they
 * stand; the token buffer is filled only when an escape needs decoding.
 */
static int consume_ident_like(struct scanner *s)
{
	const char *q = s->p;
	while (q < s->end && is_name_char((unsigned char)*q))
		q++;
	const char *name = s->p;
	size_t len = (size_t)(q - s->p);
	bool escaped = valid_escape(q, s->end);
	if (escaped) {
		bool too_long = false;
		buf_reset(&s->token);
		while (s->p < s->end) {
			int rc;
			if (is_name_char((unsigned char)*s->p)) {
				rc = buf_append_char(&s->token, *s->p++);
			} else if (valid_escape(s->p, s->end)) {
				s->p++;
				rc = consume_escape(s);
			} else {
				break;
			}
			if (token_result(rc, &too_long) != 0)
				return -1;
		}
		name = buf_cstr(&s->token);
		len = s->token.len;
	} else {
		s->p = q;
	}
	if (s->p >= s->end || *s->p != '(')
		return 0;
	s->p++;

	bool is_url = name_is(name, len, "url");
	bool is_set = name_is(name, len, "image-set") || name_is(name, len, "-webkit-image-set");
	if (!is_url) {
		push_frame(s, is_set ? FRAME_IMAGE_SET : FRAME_OTHER);
		return 0;
	}
	while (s->p < s->end && is_space((unsigned char)*s->p))
		s->p++;
	/* url("...") is a function holding a string, not a url token. */
	if (s->p < s->end && (*s->p == '"' || *s->p == '\'')) {
		push_frame(s, FRAME_URL);
		return 0;
	}
	return consume_url(s);
}

int cssurl_scan(const char *css, size_t len, cssurl_fn fn, void *ctx)
{
	return cssurl_scan_imports(css, len, fn, NULL, ctx);
}

/* Returns where a comment whose text starts at p ends: after the star and slash that close it, or at the end. */
static const char *comment_end(const char *p, const char *end)
{
	while (end - p >= 2) {
		const char *star = memchr(p, '*', (size_t)(end - p - 1));
		if (!star)
			break;
		if (star[1] == '/')
			return star + 2;
		p = star + 1;
	}
	return end;
}

/* Tells whether the n bytes before p, within css, spell word ignoring ASCII case. */
static bool preceded_by(const char *css, const char *p, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(p - css) >= n && strncasecmp(p - n, word, n) == 0;
}

bool cssurl_may_reference(const char *css, size_t len)
{
	const char *end = css + len;
	if (memchr(css, '\\', len))
		return true;
	for (const char *p = css; (p = memchr(p, '(', (size_t)(end - p))) != NULL; p++) {
		if (preceded_by(css, p, "url") || preceded_by(css, p, "image-set"))
			return true;
	}
	for (const char *p = css; (p = memchr(p, '@', (size_t)(end - p))) != NULL; p++) {
		if (end - p > 6 && strncasecmp(p + 1, "import", 6) == 0)
			return true;
	}
	return false;
}

int cssurl_scan_imports(const char *css, size_t len, cssurl_fn fn, cssurl_fn import_fn,
			void *ctx)
{
	if (!cssurl_may_reference(css, len))
		return 0;
	struct scanner s = {.p = css, .end = css + len, .depth = 0, .fn = fn,
			    .import_fn = import_fn, .ctx = ctx};
	/* Room for an inline data: image, the largest URL worth reporting. */
	buf_init(&s.token, URL_DATA_MAX_LEN);
	int rc = 0;

	while (rc == 0 && s.p < s.end) {
		char c = *s.p;
		if (c == '/' && s.p + 1 < s.end && s.p[1] == '*') {
			s.p = comment_end(s.p + 2, s.end);
		} else if (c == '"' || c == '\'') {
			s.p++;
			enum frame f = top_frame(&s);
			/* @import takes its URL as url() or as a bare string. */
			bool import_string = s.in_import && s.depth == 0;
			rc = consume_string(&s, c, f == FRAME_URL || f == FRAME_IMAGE_SET || import_string);
		} else if (starts_identifier(s.p, s.end)) {
			rc = consume_ident_like(&s);
		} else if (c == '\\') {
			/* A backslash before a newline or at the end is a lone delimiter. */
			s.p++;
		} else if (c == '(') {
			push_frame(&s, FRAME_OTHER);
			s.p++;
		} else if (c == ')') {
			if (s.depth > 0)
				s.depth--;
			s.p++;
		} else if (c == '@' && s.end - s.p > 7 && strncasecmp(s.p + 1, "import", 6) == 0 &&
			   !is_name_char((unsigned char)s.p[7])) {
			s.in_import = true;
			s.p += 7;
		} else if ((c == ';' || c == '{' || c == '}') && s.depth == 0) {
			s.in_import = false;
			s.p++;
		} else if ((c >= '0' && c <= '9') || c == '-' || c == '#' || c == '@') {
			/* Numbers with units and hash or at-keywords are names, not calls. */
			s.p++;
			while (s.p < s.end && is_name_char((unsigned char)*s.p))
				s.p++;
		} else {
			s.p++;
		}
	}
	buf_free(&s.token);
	return rc;
}

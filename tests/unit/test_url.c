/* Unit tests for URL validation and resolution, including the WHATWG URL test data. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "url.h"

/*
 * Lowest share of the applicable WHATWG test entries, in per cent, that
 * url_join() must get right. All 166 pass in the C locale.
 */
#define WPT_PASS_FLOOR 100.0

struct resolve_case {
	const char *base;
	const char *ref;
	const char *expect;   /* NULL: url_resolve must return NULL */
};

static const struct resolve_case resolve_cases[] = {
	{"http://h.test/a/b/c", "d.jpg", "http://h.test/a/b/d.jpg"},
	{"http://h.test/a/b/c", "/d.jpg", "http://h.test/d.jpg"},
	{"http://h.test/a/b/c", "../d.jpg", "http://h.test/a/d.jpg"},
	{"http://h.test/a/b/c", "../../../../d.jpg", "http://h.test/d.jpg"},
	{"http://h.test/a/b/c", "./x/./y/../d.jpg", "http://h.test/a/b/x/d.jpg"},
	{"https://h.test/a/", "//cdn.test/x.png", "https://cdn.test/x.png"},
	{"http://h.test/a/", "//cdn.test/x.png", "http://cdn.test/x.png"},
	{"http://h.test/a/", "///cdn.test/x.png", "http://cdn.test/x.png"},
	{"http://h.test/a/", "  \t x.png \n ", "http://h.test/a/x.png"},
	{"http://h.test/a/", "x\n.p\tng", "http://h.test/a/x.png"},
	{"http://h.test/a/", "\\img\\x.png", "http://h.test/img/x.png"},
	{"http://h.test/a/", "x.png?a\\b", "http://h.test/a/x.png?a\\b"},
	{"http://h.test/a/", "my photo.jpg", "http://h.test/a/my%20photo.jpg"},
	{"http://h.test/a/", "x.jpg?q=a b", "http://h.test/a/x.jpg?q=a%20b"},
	{"http://h.test/a/", "caf\xc3\xa9.jpg", "http://h.test/a/caf%C3%A9.jpg"},
	{"http://h.test/a/", "x.jpg?\xc3\xa9", "http://h.test/a/x.jpg?%C3%A9"},
	{"http://h.test/a/", "HTTP://CDN.Test:80/X.png", "http://cdn.test/X.png"},
	{"http://h.test/a/", "https://cdn.test:443/x.png", "https://cdn.test/x.png"},
	{"http://h.test/a/", "https://cdn.test:8443/x.png", "https://cdn.test:8443/x.png"},
	{"http://h.test/a/b?q#f", "#top", "http://h.test/a/b?q#top"},
	{"http://h.test/a/b?q#f", "?z", "http://h.test/a/b?z"},
	{"http://h.test/a/b?q#f", "", NULL},
	{"http://h.test/a/b?q#f", "   ", NULL},
	{"http://h.test/a/", "x.jpg#a", "http://h.test/a/x.jpg#a"},
	{"http://h.test/a/", "http:x.jpg", "http://h.test/a/x.jpg"},
	{"http://h.test/a/", "https:cdn.test/x.jpg", "https://cdn.test/x.jpg"},
	{"http://h.test/a/", "/%2e%2E/x/%2e/y.jpg", "http://h.test/x/y.jpg"},
	{"http://h.test/a/", "javascript:alert(1)", NULL},
	{"http://h.test/a/", "about:blank", NULL},
	{"http://h.test/a/", "ftp://h.test/x.png", NULL},
	{"http://h.test/a/", "mailto:a@h.test", NULL},
	{"http://h.test/a/", "data:image/gif;base64,R0lG", "data:image/gif;base64,R0lG"},
	{"http://h.test/a/", "DATA:image/gif,x", "data:image/gif,x"},
	{"http://h.test/a/", "a:b.png", NULL},
	{"http://h.test/a/", "1a:b.png", "http://h.test/a/1a:b.png"},
	{"http://h.test/a/", "http://h.test:99999/x.png", NULL},
	{"http://h.test/a/", "http:///", NULL},
	{"http://h.test/a/", "/x.php?id=5&size=large", "http://h.test/x.php?id=5&size=large"},
	{"http://127.0.0.1:8000/cases/", "p02.jpg", "http://127.0.0.1:8000/cases/p02.jpg"},
};

/* International host names: UTS #46 non-transitional ToASCII, as the URL standard requires. */
static const struct resolve_case idna_cases[] = {
	{"http://h.test/", "http://b\xc3\xbc" "cher.test/x.png", "http://xn--bcher-kva.test/x.png"},
	/* Full-width letters and U+3002 IDEOGRAPHIC FULL STOP, both mapped. */
	{"http://h.test/", "http://\xef\xbc\xa2\xc3\x9c\xef\xbc\xa3\xef\xbc\xa8\xef\xbc\xa5"
	 "\xef\xbc\xb2\xe3\x80\x82\xef\xbd\x94\xef\xbd\x85\xef\xbd\x93\xef\xbd\x94/",
	 "http://xn--bcher-kva.test/"},
	{"http://h.test/", "//b\xc3\xbc" "cher.test/", "http://xn--bcher-kva.test/"},
	{"http://h.test/", "http://b%C3%BC" "cher.test/", "http://xn--bcher-kva.test/"},
	{"http://h.test/", "http://XN--BCHER-KVA.test/", "http://xn--bcher-kva.test/"},
	/* Non-transitional: U+00DF stays a letter and does not become "ss". */
	{"http://h.test/", "http://fa\xc3\x9f.test/", "http://xn--fa-hia.test/"},
	/* Full-width digits and U+FF0E dots make an IPv4 address. */
	{"http://h.test/", "http://\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97\xef\xbc\x8e\xef\xbc\x90"
	 "\xef\xbc\x8e\xef\xbc\x90\xef\xbc\x8e\xef\xbc\x91/", "http://127.0.0.1/"},
	/* CheckHyphens is false, but libidn2 2.3 applies it to non-ASCII labels. */
	{"http://h.test/", "http://-x-.test/", "http://-x-.test/"},
	{"http://h.test/", "http://ab--cd.test/", "http://ab--cd.test/"},
	{"http://h.test/", "http://-\xc3\xbc-.test/", NULL},
	/* U+200D ZERO WIDTH JOINER outside its CONTEXTJ rule fails CheckJoiners. */
	{"http://h.test/", "http://a\xe2\x80\x8d" "b.test/", NULL},
	/* A right-to-left label that contains a left-to-right letter fails CheckBidi. */
	{"http://h.test/", "http://\xd7\x90" "a.test/", NULL},
	/* U+FDD0 is a noncharacter that UTS #46 disallows. */
	{"http://h.test/", "http://\xef\xb7\x90" "zyx.test/", NULL},
	/* U+FF0F FULLWIDTH SOLIDUS maps to "/", a forbidden domain code point. */
	{"http://h.test/", "http://a\xef\xbc\x8f" "b.test/", NULL},
	/* An A-label without punycode data decodes to an empty label. */
	{"http://h.test/", "http://xn--.test/", NULL},
	{"http://h.test/", "http://%ff.test/", NULL},
	/* U+00AD SOFT HYPHEN is ignored, which leaves an empty host. */
	{"http://h.test/", "http://%C2%AD/", NULL},
};

START_TEST(resolve_idna)
{
	const struct resolve_case *c = &idna_cases[_i];
	char *got = url_resolve(c->base, c->ref);
	if (!c->expect)
		ck_assert_msg(!got, "ref \"%s\": expected NULL, got %s", c->ref, got);
	else
		ck_assert_msg(got && strcmp(got, c->expect) == 0, "ref \"%s\": expected %s, got %s",
			      c->ref, c->expect, got ? got : "NULL");
	free(got);
}
END_TEST

/* An ASCII host takes no IDNA step, so its labels may exceed 63 bytes. */
START_TEST(resolve_long_ascii_label)
{
	char ref[128];
	char expect[128];
	char label[71];
	memset(label, 'a', sizeof label - 1);
	label[sizeof label - 1] = '\0';
	snprintf(ref, sizeof ref, "http://%s.TEST/", label);
	snprintf(expect, sizeof expect, "http://%s.test/", label);
	char *got = url_resolve("http://h.test/", ref);
	ck_assert_msg(got != NULL, "%s was rejected", ref);
	ck_assert_str_eq(got, expect);
	free(got);
}
END_TEST

/* IPv6 hosts in the standard's serialisation: hex pieces only, first longest zero run compressed. */
static const struct resolve_case ipv6_cases[] = {
	{"http://h.test/", "http://[::127.0.0.1]/", "http://[::7f00:1]/"},
	{"http://h.test/", "http://[0:0:0:0:0:ffff:1.2.3.4]/", "http://[::ffff:102:304]/"},
	{"http://h.test/", "http://[2001:DB8:0:0:1:0:0:1]/", "http://[2001:db8::1:0:0:1]/"},
	{"http://h.test/", "http://[2001:db8:0:0:0:1:0:0]/", "http://[2001:db8::1:0:0]/"},
	{"http://h.test/", "http://[1:0:2:0:3:0:4:0]/", "http://[1:0:2:0:3:0:4:0]/"},
	{"http://h.test/", "http://[1:2:3:4:5:6:7::]/", "http://[1:2:3:4:5:6:7:0]/"},
	{"http://h.test/", "http://[0000:0000:0000:0000:0000:0000:0000:0001]:8080/x",
	 "http://[::1]:8080/x"},
	{"http://h.test/", "http://[::]/", "http://[::]/"},
	{"http://h.test/", "http://u:p@[::1.2.3.4]:81/", "http://u:p@[::102:304]:81/"},
	{"http://[::ffff:1.2.3.4]/a/", "b.png", "http://[::ffff:102:304]/a/b.png"},
	{"http://[::ffff:1.2.3.4]/a/", "//[::1]/b.png", "http://[::1]/b.png"},
	{"http://h.test/", "http://[::1%25lo]/", NULL},
	{"http://h.test/", "http://[1::2::3]/", NULL},
	{"http://h.test/", "http://[12345::]/", NULL},
	{"http://h.test/", "http://[::1.2.3]/", NULL},
	{"http://h.test/", "http://[::01.2.3.4]/", NULL},
	{"http://h.test/", "http://[g::1]/", NULL},
	{"http://h.test/", "http://[::1]x/", NULL},
	{"http://h.test/", "http://[::1/", NULL},
	{"http://h.test/", "http://[%3A%3A1]/", NULL},
};

START_TEST(resolve_ipv6)
{
	const struct resolve_case *c = &ipv6_cases[_i];
	char *got = url_resolve(c->base, c->ref);
	if (!c->expect)
		ck_assert_msg(!got, "base %s ref \"%s\": expected NULL, got %s", c->base, c->ref, got);
	else
		ck_assert_msg(got && strcmp(got, c->expect) == 0,
			      "base %s ref \"%s\": expected %s, got %s", c->base, c->ref,
			      c->expect, got ? got : "NULL");
	free(got);
}
END_TEST

START_TEST(resolve_table)
{
	const struct resolve_case *c = &resolve_cases[_i];
	char *got = url_resolve(c->base, c->ref);
	if (!c->expect)
		ck_assert_msg(!got, "base %s ref \"%s\": expected NULL, got %s", c->base, c->ref, got);
	else
		ck_assert_msg(got && strcmp(got, c->expect) == 0,
			      "base %s ref \"%s\": expected %s, got %s", c->base, c->ref,
			      c->expect, got ? got : "NULL");
	free(got);
}
END_TEST

START_TEST(resolve_length_limit)
{
	char ref[URL_MAX_LEN + 16];
	memset(ref, 'a', sizeof ref - 1);
	ref[sizeof ref - 1] = '\0';
	char *got = url_resolve("http://h.test/", ref);
	ck_assert_msg(!got, "a %zu-byte reference resolved", strlen(ref));
	free(got);

	ref[URL_MAX_LEN - 40] = '\0';
	got = url_resolve("http://h.test/", ref);
	ck_assert_msg(got != NULL, "a reference within the limit was rejected");
	free(got);
}
END_TEST

START_TEST(resolve_bad_base)
{
	char *got = url_resolve("not a url", "x.png");
	ck_assert_ptr_null(got);
	got = url_resolve("data:text/plain,x", "x.png");
	ck_assert_ptr_null(got);
}
END_TEST

START_TEST(join_empty_ref)
{
	char *got = url_join("http://h.test/a/b?q#f", "");
	ck_assert_str_eq(got, "http://h.test/a/b?q");
	free(got);
}
END_TEST

struct validate_case {
	const char *text;
	const char *expect;   /* NULL: must be rejected */
};

static const struct validate_case validate_cases[] = {
	{"http://example.test/", "http://example.test/"},
	{"https://Example.TEST", "https://example.test/"},
	{"  https://example.test/a b \n", "https://example.test/a%20b"},
	{"https://exa\tmple.test/x", "https://example.test/x"},
	{"http://example.test:80/x/../y", "http://example.test/y"},
	{"HTTPS://example.test:443/", "https://example.test/"},
	{"http://user@example.test/", NULL},
	{"http://user:pw@example.test/", NULL},
	{"http://:pw@example.test/", NULL},
	{"ftp://example.test/", NULL},
	{"file:///etc/passwd", NULL},
	{"javascript:alert(1)", NULL},
	{"example.test/x", NULL},
	{"/x", NULL},
	{"http://", NULL},
	{"http://exa mple.test/", NULL},
	{"http://example.test:0x50/", NULL},
	{"", NULL},
};

START_TEST(validate_table)
{
	const struct validate_case *c = &validate_cases[_i];
	char err[256] = "";
	char *out = NULL;
	int rc = url_validate(c->text, &out, err, sizeof err);
	if (!c->expect) {
		ck_assert_msg(rc == -1, "\"%s\" accepted as %s", c->text, out);
		ck_assert_msg(err[0] != '\0', "\"%s\" rejected without a message", c->text);
		ck_assert_ptr_null(out);
	} else {
		ck_assert_msg(rc == 0, "\"%s\" rejected: %s", c->text, err);
		ck_assert_str_eq(out, c->expect);
	}
	free(out);
}
END_TEST

START_TEST(validate_length)
{
	char text[URL_MAX_LEN + 32];
	strcpy(text, "http://example.test/");
	size_t len = strlen(text);
	memset(text + len, 'a', sizeof text - len - 1);
	text[sizeof text - 1] = '\0';
	char err[256];
	char *out = NULL;
	ck_assert_int_eq(url_validate(text, &out, err, sizeof err), -1);
	ck_assert_ptr_null(out);

	text[URL_MAX_LEN] = '\0';
	ck_assert_int_eq(url_validate(text, &out, err, sizeof err), 0);
	free(out);
}
END_TEST

/* A minimal JSON reader for the WHATWG URL test data: strings, null, booleans, numbers, arrays and objects. */

struct json_reader {
	const char *p;
	const char *end;
	bool failed;
};

static void json_skip_space(struct json_reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
		r->p++;
}

static void append_utf8(char *out, size_t *n, unsigned long cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static unsigned long json_hex4(struct json_reader *r)
{
	if (r->end - r->p < 4) {
		r->failed = true;
		return 0;
	}
	char hex[5] = {r->p[0], r->p[1], r->p[2], r->p[3], '\0'};
	r->p += 4;
	return strtoul(hex, NULL, 16);
}

/*
 * Reads a JSON string at r->p. Returns it as UTF-8 (the caller frees), and
 * sets *has_nul when it contains U+0000, which a C string cannot hold.
 */
static char *json_string(struct json_reader *r, bool *has_nul)
{
	*has_nul = false;
	if (r->p >= r->end || *r->p != '"') {
		r->failed = true;
		return NULL;
	}
	r->p++;
	char *out = malloc((size_t)(r->end - r->p) + 1);
	size_t n = 0;
	while (r->p < r->end && *r->p != '"') {
		char c = *r->p++;
		if (c != '\\') {
			out[n++] = c;
			continue;
		}
		if (r->p >= r->end)
			break;
		c = *r->p++;
		switch (c) {
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'u': {
			unsigned long cp = json_hex4(r);
			if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->p >= 6 &&
			    r->p[0] == '\\' && r->p[1] == 'u') {
				r->p += 2;
				unsigned long low = json_hex4(r);
				cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
			}
			if (cp == 0)
				*has_nul = true;
			append_utf8(out, &n, cp);
			break;
		}
		default: out[n++] = c; break;
		}
	}
	if (r->p >= r->end)
		r->failed = true;
	else
		r->p++;
	out[n] = '\0';
	return out;
}

/* One entry of the test data, with the fields the resolver is tested on. */
struct url_entry {
	char *input;
	char *base;      /* NULL when the entry's base is null */
	char *href;
	bool failure;
	bool has_nul;
};

static void json_skip_value(struct json_reader *r);

static void json_skip_container(struct json_reader *r, char close)
{
	r->p++;
	for (;;) {
		json_skip_space(r);
		if (r->p >= r->end) {
			r->failed = true;
			return;
		}
		if (*r->p == close) {
			r->p++;
			return;
		}
		if (*r->p == ',' || *r->p == ':') {
			r->p++;
			continue;
		}
		json_skip_value(r);
		if (r->failed)
			return;
	}
}

static void json_skip_value(struct json_reader *r)
{
	bool nul;
	json_skip_space(r);
	if (r->p >= r->end) {
		r->failed = true;
		return;
	}
	if (*r->p == '"') {
		free(json_string(r, &nul));
	} else if (*r->p == '{') {
		json_skip_container(r, '}');
	} else if (*r->p == '[') {
		json_skip_container(r, ']');
	} else {
		while (r->p < r->end && *r->p != ',' && *r->p != '}' && *r->p != ']')
			r->p++;
	}
}

/* Reads one object into e; fields other than the four tested are skipped. */
static void json_entry(struct json_reader *r, struct url_entry *e)
{
	memset(e, 0, sizeof *e);
	r->p++;
	for (;;) {
		json_skip_space(r);
		if (r->p >= r->end || r->failed) {
			r->failed = true;
			return;
		}
		if (*r->p == '}') {
			r->p++;
			return;
		}
		if (*r->p == ',') {
			r->p++;
			continue;
		}
		bool nul;
		char *key = json_string(r, &nul);
		json_skip_space(r);
		if (r->failed || r->p >= r->end || *r->p != ':') {
			free(key);
			r->failed = true;
			return;
		}
		r->p++;
		json_skip_space(r);
		char **field = NULL;
		if (strcmp(key, "input") == 0)
			field = &e->input;
		else if (strcmp(key, "base") == 0)
			field = &e->base;
		else if (strcmp(key, "href") == 0)
			field = &e->href;
		if (field && r->p < r->end && *r->p == '"') {
			*field = json_string(r, &nul);
			e->has_nul |= nul;
		} else if (strcmp(key, "failure") == 0 && r->end - r->p >= 4 &&
			   strncmp(r->p, "true", 4) == 0) {
			e->failure = true;
			r->p += 4;
		} else {
			json_skip_value(r);
		}
		free(key);
	}
}

static void entry_free(struct url_entry *e)
{
	free(e->input);
	free(e->base);
	free(e->href);
}

static bool is_web_url(const char *s)
{
	return s && (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *data = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		rewind(f);
		data = size >= 0 ? malloc((size_t)size + 1) : NULL;
		if (data) {
			*len = fread(data, 1, (size_t)size, f);
			data[*len] = '\0';
		}
	}
	fclose(f);
	return data;
}

static const char *shared_dir(void)
{
	const char *dir = getenv("IMAGEGATHER_SHARED");
	return dir && *dir ? dir : "../shared";
}

START_TEST(wpt_url_test_data)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/corpus/wpt/urltestdata.json", shared_dir());
	size_t len = 0;
	char *data = read_file(path, &len);
	if (!data) {
		printf("SKIP wpt_url_test_data: %s not found (set IMAGEGATHER_SHARED)\n", path);
		return;
	}

	struct json_reader r = {data, data + len, false};
	json_skip_space(&r);
	ck_assert_msg(r.p < r.end && *r.p == '[', "%s does not start with a JSON array", path);
	r.p++;
	int run = 0;
	int passed = 0;
	int skipped_nul = 0;
	while (!r.failed) {
		json_skip_space(&r);
		if (r.p >= r.end || *r.p == ']')
			break;
		if (*r.p == ',') {
			r.p++;
			continue;
		}
		if (*r.p != '{') {
			json_skip_value(&r);
			continue;
		}
		struct url_entry e;
		json_entry(&r, &e);
		bool applicable = e.input && is_web_url(e.base) &&
				  (e.failure || is_web_url(e.href));
		if (applicable && e.has_nul) {
			skipped_nul++;
		} else if (applicable) {
			run++;
			char *got = url_join(e.base, e.input);
			bool ok = e.failure ? !got : (got && strcmp(got, e.href) == 0);
			if (ok)
				passed++;
			else if (getenv("URL_TEST_VERBOSE"))
				printf("MISS base=%s input=\"%s\" expected=%s got=%s\n", e.base,
				       e.input, e.failure ? "failure" : e.href, got ? got : "NULL");
			free(got);
		}
		entry_free(&e);
	}
	free(data);
	ck_assert_msg(!r.failed, "%s could not be read as JSON", path);
	ck_assert_msg(run > 0, "no applicable entries in %s", path);

	double rate = 100.0 * passed / run;
	printf("WHATWG URL test data: %d of %d applicable entries pass (%.1f%%); "
	       "%d skipped because the input holds U+0000\n", passed, run, rate, skipped_nul);
	ck_assert_msg(rate >= WPT_PASS_FLOOR, "pass rate %.1f%% fell below the floor of %.1f%%",
		      rate, WPT_PASS_FLOOR);
}
END_TEST

static Suite *url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, resolve_table, 0,
			    (int)(sizeof resolve_cases / sizeof resolve_cases[0]));
	tcase_add_loop_test(tc, resolve_idna, 0, (int)(sizeof idna_cases / sizeof idna_cases[0]));
	tcase_add_test(tc, resolve_long_ascii_label);
	tcase_add_loop_test(tc, resolve_ipv6, 0, (int)(sizeof ipv6_cases / sizeof ipv6_cases[0]));
	tcase_add_test(tc, resolve_length_limit);
	tcase_add_test(tc, resolve_bad_base);
	tcase_add_test(tc, join_empty_ref);
	tcase_add_loop_test(tc, validate_table, 0,
			    (int)(sizeof validate_cases / sizeof validate_cases[0]));
	tcase_add_test(tc, validate_length);
	tcase_add_test(tc, wpt_url_test_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(url_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed > 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

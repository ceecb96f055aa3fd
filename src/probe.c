/* Probing: the real type, pixel size and file size of image candidates from their first bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "imgsize.h"
#include "log.h"
#include "probe.h"

/* The header that requests the first PROBE_MAX_BYTES bytes (RFC 9110 section 14.2). */
#define PROBE_RANGE_HEADER "Range: bytes=0-65535"
#define PROBE_ACCEPT "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"

_Static_assert(PROBE_MAX_BYTES == 65536, "PROBE_RANGE_HEADER names the last byte");

/* Base64 chunk fed to EVP_DecodeUpdate at a time; its output fits the slack of the buffer. */
enum { BASE64_CHUNK = 4096 };

static void read_size(struct probe_result *r, const unsigned char *data, size_t len)
{
	struct image_size size;
	imgsize_read(data, len, &size);
	r->type = size.type;
	r->width = size.width;
	r->height = size.height;
}

static bool is_base64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/*
 * Decodes base64 text (spaces and line breaks allowed, as EVP_DecodeUpdate
 * skips them) until PROBE_MAX_BYTES are out, and sets r->bytes from the
 * number of base64 characters in the whole text. Returns the bytes decoded
 * into out (PROBE_MAX_BYTES + BASE64_CHUNK long), 0 on invalid text.
 */
static size_t decode_base64(const char *text, size_t len, unsigned char *out, struct probe_result *r)
{
	size_t characters = 0;
	for (size_t i = 0; i < len; i++)
		characters += is_base64_char((unsigned char)text[i]);
	r->bytes = (long long)(characters / 4 * 3 + (characters % 4 ? characters % 4 - 1 : 0));

	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	if (!ctx)
		return 0;
	EVP_DecodeInit(ctx);
	size_t decoded = 0;
	bool failed = false;
	for (size_t pos = 0; pos < len && decoded < PROBE_MAX_BYTES && !failed; pos += BASE64_CHUNK) {
		int chunk = (int)(len - pos < BASE64_CHUNK ? len - pos : BASE64_CHUNK);
		int n = 0;
		if (EVP_DecodeUpdate(ctx, out + decoded, &n, (const unsigned char *)text + pos, chunk) < 0)
			failed = true;
		else
			decoded += (size_t)n;
	}
	int n = 0;
	if (!failed && decoded < PROBE_MAX_BYTES && EVP_DecodeFinal(ctx, out + decoded, &n) == 1)
		decoded += (size_t)n;
	EVP_ENCODE_CTX_free(ctx);
	return failed ? 0 : decoded;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes up to PROBE_MAX_BYTES into out and sets r->bytes from the whole text. */
static size_t decode_percent(const char *text, size_t len, unsigned char *out, struct probe_result *r)
{
	size_t decoded = 0;
	long long total = 0;
	for (size_t i = 0; i < len; total++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '%' && i + 2 < len && hex_digit(text[i + 1]) >= 0 &&
		    hex_digit(text[i + 2]) >= 0) {
			c = (unsigned char)(hex_digit(text[i + 1]) << 4 | hex_digit(text[i + 2]));
			i += 3;
		} else {
			i++;
		}
		if (decoded < PROBE_MAX_BYTES)
			out[decoded++] = c;
	}
	r->bytes = total;
	return decoded;
}

void probe_data_url(const char *url, struct probe_result *r)
{
	memset(r, 0, sizeof *r);
	r->probed = true;
	r->bytes = -1;
	const char *comma = strchr(url, ',');
	if (strncasecmp(url, "data:", 5) != 0 || !comma)
		return;
	unsigned char *out = malloc(PROBE_MAX_BYTES + BASE64_CHUNK);
	if (!out) {
		log_error("cannot decode a data: URL of %zu bytes: out of memory", strlen(url));
		return;
	}
	size_t header_len = (size_t)(comma - url);
	const char *text = comma + 1;
	size_t len = strlen(text);
	size_t decoded;
	if (header_len >= 12 && strncasecmp(comma - 7, ";base64", 7) == 0)
		decoded = decode_base64(text, len, out, r);
	else
		decoded = decode_percent(text, len, out, r);
	r->fetched = true;
	read_size(r, out, decoded);
	free(out);
}

/* The state shared with the fetch_many callback. */
struct probe_run {
	struct probe_result *results;
	size_t *candidate;      /* the candidate index of each fetched URL */
};

static int probe_done(size_t index, struct fetch_result *f, void *ctx)
{
	struct probe_run *run = ctx;
	struct probe_result *r = &run->results[run->candidate[index]];
	if (f->status != FETCH_OK)
		return 0;
	r->fetched = true;
	read_size(r, (const unsigned char *)f->body.data, f->body.len);
	if (f->total_bytes >= 0)
		r->bytes = f->total_bytes;
	else if (f->http_status == 200 && !f->truncated)
		r->bytes = (long long)f->body.len;  /* the whole file arrived */
	return 0;
}

static bool is_fetched_url(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

struct probe_result *probe_images(const struct image_list *list,
				  const struct fetch_options *page_opts)
{
	size_t count = list->count;
	struct probe_result *results = calloc(count ? count : 1, sizeof *results);
	char **urls = calloc(count ? count : 1, sizeof *urls);
	size_t *candidate = calloc(count ? count : 1, sizeof *candidate);
	if (!results || !urls || !candidate) {
		log_error("cannot probe %zu candidates: out of memory", count);
		free(urls);
		free(candidate);
		free(results);
		return NULL;
	}
	size_t fetches = 0;
	for (size_t i = 0; i < count; i++) {
		const char *url = list->items[i].url;
		results[i].bytes = -1;
		if (strncasecmp(url, "data:", 5) == 0) {
			probe_data_url(url, &results[i]);
		} else if (is_fetched_url(url) && fetches < PROBE_MAX_FETCHES) {
			results[i].probed = true;
			urls[fetches] = list->items[i].url;
			candidate[fetches++] = i;
		}
	}

	struct fetch_options opts = *page_opts;
	opts.max_bytes = PROBE_MAX_BYTES;
	opts.keep_truncated = true;
	opts.extra_header = PROBE_RANGE_HEADER;
	opts.accept = PROBE_ACCEPT;
	if (opts.timeout_ms > PROBE_TIMEOUT_MS)
		opts.timeout_ms = PROBE_TIMEOUT_MS;
	struct probe_run run = { results, candidate };
	int rc = fetches ? fetch_many(urls, fetches, &opts, PROBE_PARALLEL, PROBE_TIMEOUT_MS,
				      probe_done, &run) : 0;
	free(urls);
	free(candidate);
	if (rc < 0) {
		free(results);
		return NULL;
	}
	return results;
}

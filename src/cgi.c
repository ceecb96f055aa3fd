/* CGI requests and responses (RFC 3875). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cgi.h"
#include "json.h"
#include "log.h"
#include "url.h"

enum { MAX_PARAMS = 10000 };

int http_error_set(struct http_error *e, int status, const char *code,
		   const char *fmt, ...)
{
	va_list ap;
	e->status = status;
	e->code = code;
	e->retry_after = 0;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	va_end(ap);
	return -1;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes one form field in place ("+" is a space); returns the new length. */
static size_t form_decode(char *s, size_t len)
{
	size_t out = 0;
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '+') {
			s[out++] = ' ';
		} else if (s[i] == '%' && i + 2 < len && (hi = hex_value(s[i + 1])) >= 0 &&
			   (lo = hex_value(s[i + 2])) >= 0) {
			s[out++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			s[out++] = s[i];
		}
	}
	s[out] = '\0';
	return out;
}

static int add_param(struct cgi_request *req, const char *field, size_t len,
		     struct http_error *e)
{
	if (req->count >= MAX_PARAMS)
		return http_error_set(e, 400, "invalid_request",
				      "The request has more than %d parameters.", MAX_PARAMS);
	const char *eq = memchr(field, '=', len);
	size_t name_len = eq ? (size_t)(eq - field) : len;
	size_t value_len = eq ? len - name_len - 1 : 0;
	/* Not strndup: a POST body may hold NUL bytes, and form_decode reads name_len bytes. */
	char *name = malloc(name_len + 1);
	char *value = malloc(value_len + 1);
	struct cgi_param *params = realloc(req->params, (req->count + 1) * sizeof *params);
	if (!name || !value || !params) {
		free(name);
		free(value);
		if (params)
			req->params = params;
		return http_error_set(e, 500, "internal_error", "Out of memory while reading the request.");
	}
	req->params = params;
	memcpy(name, field, name_len);
	name[name_len] = '\0';
	if (eq)
		memcpy(value, eq + 1, value_len);
	value[value_len] = '\0';
	form_decode(name, name_len);
	params[req->count].name = name;
	params[req->count].value = value;
	params[req->count].value_len = form_decode(value, value_len);
	req->count++;
	return 0;
}

/* Splits application/x-www-form-urlencoded text at "&" (WHATWG URL standard, section 5.1). */
static int parse_form(struct cgi_request *req, const char *text, size_t len,
		      struct http_error *e)
{
	size_t start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '&')
			continue;
		if (i > start && add_param(req, text + start, i - start, e) != 0)
			return -1;
		start = i + 1;
	}
	return 0;
}

/* Request body bytes read so far, and whether the body needs no more reading. */
static size_t body_bytes_read;
static bool body_finished;

/* A rejected body is read and thrown away up to this size, see discard_unread_body. */
#define DISCARD_MAX_BYTES (8UL * 1024 * 1024)

static int read_body(struct buf *body, size_t max_body, struct http_error *e)
{
	const char *type = getenv("CONTENT_TYPE");
	const char *length = getenv("CONTENT_LENGTH");
	if (!length || !*length)
		return 0;
	char *end;
	errno = 0;
	unsigned long long declared = strtoull(length, &end, 10);
	if (errno || *end || length[0] == '-')
		return http_error_set(e, 400, "invalid_request", "The request's Content-Length \"%.40s\" is invalid.", length);
	if (declared == 0)
		return 0;
	if (!type || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 ||
	    (type[33] != '\0' && type[33] != ';' && type[33] != ' '))
		return http_error_set(e, 415, "invalid_request",
				      "Send parameters as application/x-www-form-urlencoded.");
	if (declared > max_body)
		return http_error_set(e, 413, "too_large",
				      "The request body is larger than %zu bytes; send fewer images.", max_body);
	char chunk[8192];
	size_t left = (size_t)declared;
	while (left > 0) {
		size_t want = left < sizeof chunk ? left : sizeof chunk;
		size_t got = fread(chunk, 1, want, stdin);
		if (got == 0)
			return http_error_set(e, 400, "invalid_request",
					      "The request body ended %zu bytes early.", left);
		body_bytes_read += got;
		if (buf_append(body, chunk, got) != 0)
			return http_error_set(e, 500, "internal_error", "Out of memory while reading the request.");
		left -= got;
	}
	body_finished = true;
	return 0;
}

/*
 * Reads and drops what is left of a POST body before a response starts.
 * A program that answers early (a configuration error, a body over its
 * limit) would otherwise exit while Apache still writes the body to it, and
 * Apache then may drop the connection without sending the response.
 */
static void discard_unread_body(void)
{
	const char *method = getenv("REQUEST_METHOD");
	const char *length = getenv("CONTENT_LENGTH");
	if (body_finished || !method || strcmp(method, "POST") != 0 || !length)
		return;
	body_finished = true;
	char *end;
	errno = 0;
	unsigned long long declared = strtoull(length, &end, 10);
	if (errno || *end || length[0] == '-' || declared <= body_bytes_read)
		return;
	unsigned long long left = declared - body_bytes_read;
	if (left > DISCARD_MAX_BYTES)
		left = DISCARD_MAX_BYTES;
	char chunk[8192];
	while (left > 0) {
		size_t got = fread(chunk, 1, left < sizeof chunk ? (size_t)left : sizeof chunk, stdin);
		if (got == 0)
			break;
		left -= got;
	}
}

int cgi_request_read(struct cgi_request *req, size_t max_body, struct http_error *e)
{
	memset(req, 0, sizeof *req);
	req->method = getenv("REQUEST_METHOD");
	req->remote_addr = getenv("REMOTE_ADDR");
	if (!req->remote_addr)
		req->remote_addr = "";
	if (!req->method)
		return http_error_set(e, 400, "invalid_request", "REQUEST_METHOD is not set; run this program as a CGI program.");
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD") && strcmp(req->method, "POST"))
		return http_error_set(e, 405, "invalid_request", "The method %.20s is not allowed; use GET or POST.", req->method);

	const char *query = getenv("QUERY_STRING");
	if (query && parse_form(req, query, strlen(query), e) != 0)
		return -1;
	if (strcmp(req->method, "POST") != 0)
		return 0;

	struct buf body;
	buf_init(&body, max_body);
	int rc = read_body(&body, max_body, e);
	if (rc == 0)
		rc = parse_form(req, buf_cstr(&body), body.len, e);
	buf_free(&body);
	return rc;
}

int cgi_request_parse(struct cgi_request *req, const char *text, size_t len,
		      struct http_error *e)
{
	memset(req, 0, sizeof *req);
	req->method = "GET";
	req->remote_addr = "";
	return parse_form(req, text, len, e);
}

void cgi_request_free(struct cgi_request *req)
{
	for (size_t i = 0; i < req->count; i++) {
		free(req->params[i].name);
		free(req->params[i].value);
	}
	free(req->params);
	req->params = NULL;
	req->count = 0;
}

const char *cgi_param(const struct cgi_request *req, const char *name)
{
	for (size_t i = 0; i < req->count; i++)
		if (strcmp(req->params[i].name, name) == 0)
			return req->params[i].value;
	return NULL;
}

char *base64url_decode(const char *text, size_t text_len, size_t *len)
{
	while (text_len > 0 && text[text_len - 1] == '=')
		text_len--;
	if (text_len % 4 == 1 || text_len > 64 * 1024)
		return NULL;
	size_t padded = (text_len + 3) / 4 * 4;
	unsigned char *std = malloc(padded + 1);
	unsigned char *out = malloc(padded / 4 * 3 + 1);
	if (!std || !out) {
		free(std);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < padded; i++) {
		char c = i < text_len ? text[i] : '=';
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/')
			c = '!';        /* standard base64 letters are not base64url */
		std[i] = (unsigned char)c;
	}
	int n = padded ? EVP_DecodeBlock(out, std, (int)padded) : 0;
	free(std);
	if (n < 0) {
		free(out);
		return NULL;
	}
	/* EVP_DecodeBlock counts the bytes that padding stands for. */
	size_t pad = padded - text_len;
	*len = (size_t)n - pad;
	out[*len] = '\0';
	return (char *)out;
}

static int append_url(char ***urls, size_t *count, size_t max, const char *text,
		      size_t text_len, struct http_error *e)
{
	if (*count >= max)
		return http_error_set(e, 413, "too_large",
				      "The request holds more than %zu address%s; select fewer images.",
				      max, max == 1 ? "" : "es");
	char why[256];
	char *normalized = NULL;
	if (memchr(text, '\0', text_len) || url_validate(text, &normalized, why, sizeof why) != 0)
		return http_error_set(e, 400, "invalid_url", "Address %zu is not valid: %s",
				      *count + 1, memchr(text, '\0', text_len) ? "it contains a NUL byte." : why);
	char **grown = realloc(*urls, (*count + 1) * sizeof *grown);
	if (!grown) {
		free(normalized);
		return http_error_set(e, 500, "internal_error", "Out of memory while reading the request.");
	}
	*urls = grown;
	grown[(*count)++] = normalized;
	return 0;
}

int cgi_request_urls(const struct cgi_request *req, size_t max, char ***urls,
		     size_t *count, struct http_error *e)
{
	*urls = NULL;
	*count = 0;
	for (size_t i = 0; i < req->count; i++) {
		const struct cgi_param *p = &req->params[i];
		int rc = 0;
		if (strcmp(p->name, "url") == 0) {
			rc = append_url(urls, count, max, p->value, p->value_len, e);
		} else if (strcmp(p->name, "u") == 0) {
			size_t len;
			char *decoded = base64url_decode(p->value, p->value_len, &len);
			if (!decoded)
				rc = http_error_set(e, 400, "invalid_url",
						    "Address %zu is not valid base64url text.", *count + 1);
			else
				rc = append_url(urls, count, max, decoded, len, e);
			free(decoded);
		}
		if (rc != 0) {
			cgi_free_strings(*urls, *count);
			*urls = NULL;
			*count = 0;
			return -1;
		}
	}
	return 0;
}

void cgi_free_strings(char **strings, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(strings[i]);
	free(strings);
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 206: return "Partial Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Status";
	}
}

static volatile sig_atomic_t headers_started;

bool cgi_headers_started(void)
{
	return headers_started != 0;
}

void cgi_begin(int status, const char *content_type)
{
	discard_unread_body();
	headers_started = 1;
	printf("Status: %d %s\r\n", status, status_text(status));
	printf("Content-Type: %s\r\n", content_type);
	printf("X-Content-Type-Options: nosniff\r\n");
	printf("Referrer-Policy: no-referrer\r\n");
}

void cgi_end_headers(void)
{
	printf("\r\n");
}

void cgi_send_error(const struct http_error *e)
{
	struct buf body;
	buf_init(&body, 4096);
	int rc = buf_append_str(&body, "{\"error\":{\"code\":");
	rc |= json_string(&body, e->code);
	rc |= buf_append_str(&body, ",\"message\":");
	rc |= json_string(&body, e->message);
	rc |= buf_append_str(&body, "}}\n");
	if (rc != 0)
		log_error("cannot format the error response for %s", e->code);

	cgi_begin(e->status, "application/json; charset=utf-8");
	printf("Cache-Control: no-store\r\n");
	printf("Content-Length: %zu\r\n", body.len);
	if (e->retry_after > 0)
		printf("Retry-After: %ld\r\n", e->retry_after);
	cgi_end_headers();
	const char *method = getenv("REQUEST_METHOD");
	if (!method || strcmp(method, "HEAD") != 0)
		fwrite(body.data, 1, body.len, stdout);
	fflush(stdout);
	buf_free(&body);
}

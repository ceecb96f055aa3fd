/* CGI requests and responses (RFC 3875) for the three programs. */
#ifndef IG_CGI_H
#define IG_CGI_H

#include <stdbool.h>
#include <stddef.h>

/* An error to send to the client: HTTP status, a stable code and a sentence. */
struct http_error {
	int status;
	const char *code;        /* static string such as "invalid_url" */
	char message[512];
	long retry_after;        /* seconds, sent as Retry-After when positive */
};

/* Fills e and returns -1, so callers can write "return http_error_set(...)". */
int http_error_set(struct http_error *e, int status, const char *code,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

struct cgi_param {
	char *name;
	char *value;             /* percent-decoded; may hold NUL bytes */
	size_t value_len;
};

/* A parsed request; owns its parameters. */
struct cgi_request {
	const char *method;      /* REQUEST_METHOD, points into the environment */
	const char *remote_addr; /* REMOTE_ADDR, "" when absent */
	struct cgi_param *params;
	size_t count;
};

/*
 * Reads the request from the CGI environment and, for POST, from stdin:
 * parameters from the query string and from an
 * application/x-www-form-urlencoded body of at most max_body bytes. Methods
 * other than GET, HEAD and POST, other body types, oversized bodies and
 * more than 10,000 parameters are rejected. Returns 0, or -1 with e set.
 */
int cgi_request_read(struct cgi_request *req, size_t max_body, struct http_error *e);
/*
 * Parses len bytes of application/x-www-form-urlencoded text (need not be
 * NUL-terminated) into req as a GET request with no client address, with
 * the parameter limits of cgi_request_read; for tests and fuzzing. Returns
 * 0, or -1 with e set; either way the caller calls cgi_request_free.
 */
int cgi_request_parse(struct cgi_request *req, const char *text, size_t len,
		      struct http_error *e);
void cgi_request_free(struct cgi_request *req);

/* Returns the first value of name, or NULL. Points into req. */
const char *cgi_param(const struct cgi_request *req, const char *name);

/*
 * Collects the URLs of a request in order: every "url" value and every "u"
 * value decoded from base64url (padding optional). At most max URLs; more
 * is an error. Each URL is checked with url_validate and normalized; the
 * first invalid one is an invalid_url error naming its position. On success
 * returns 0 and *urls holds *count strings that the caller frees with
 * cgi_free_strings.
 */
int cgi_request_urls(const struct cgi_request *req, size_t max, char ***urls,
		     size_t *count, struct http_error *e);
void cgi_free_strings(char **strings, size_t count);

/*
 * Decodes base64url text (RFC 4648 section 5, padding optional). Returns a
 * NUL-terminated copy the caller frees, with the byte count in *len, or NULL
 * when the text is not valid base64url.
 */
char *base64url_decode(const char *text, size_t text_len, size_t *len);

/* Writes the Status line and common headers; the caller adds more, then ends with cgi_end_headers. */
void cgi_begin(int status, const char *content_type);
void cgi_end_headers(void);
/* Tells whether cgi_begin has run, so that a signal handler knows if it may still send a status. */
bool cgi_headers_started(void);
/* Sends e as {"error":{"code":…,"message":…}} with its status. */
void cgi_send_error(const struct http_error *e);

#endif

/* preview.cgi: fetches one image and serves it with a type taken from its bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi.h"
#include "log.h"
#include "program.h"
#include "sniff.h"
#include "store.h"

enum { MAX_REQUEST_BODY = 16 * 1024, CPU_SECONDS = 30 };

/* A week: the bytes behind an image address rarely change, so the browser requests each preview once. */
#define PREVIEW_MAX_AGE 604800

static void send_image(const struct image_type *type, const struct fetch_result *r)
{
	cgi_begin(200, type->mime);
	printf("Content-Length: %zu\r\n", r->body.len);
	printf("Cache-Control: private, max-age=%d, immutable\r\n", PREVIEW_MAX_AGE);
	printf("Content-Disposition: inline\r\n");
	/* An SVG opened on its own must not run script or load anything. */
	printf("Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; sandbox\r\n");
	printf("Cross-Origin-Resource-Policy: same-origin\r\n");
	cgi_end_headers();
	if (strcmp(getenv("REQUEST_METHOD"), "HEAD") != 0)
		fwrite(r->body.data, 1, r->body.len, stdout);
	fflush(stdout);
}

static int run(struct program *p, struct http_error *e)
{
	char **urls = NULL;
	size_t count = 0;
	if (cgi_request_urls(&p->request, 1, &urls, &count, e) != 0)
		return -1;
	int rc = 0;
	if (count == 0)
		rc = http_error_set(e, 400, "invalid_url", "The preview needs the address of an image.");
	if (rc == 0)
		rc = program_rate_limit(p, STORE_EVENT_PREVIEW, p->config.limit_preview_per_hour,
					NULL, e);
	if (rc == 0 && fetch_global_init() != 0)
		rc = http_error_set(e, 500, "internal_error", "The server could not start fetching.");
	if (rc == 0) {
		struct fetch_options opts;
		struct fetch_result r;
		program_fetch_options(p, (size_t)p->config.max_image_bytes,
				      p->config.fetch_timeout_seconds,
				      "image/avif,image/webp,image/svg+xml,image/*;q=0.9,*/*;q=0.5",
				      &opts);
		if (fetch_url(urls[0], &opts, &r) != FETCH_OK) {
			rc = program_fetch_error(&r, e);
		} else {
			const struct image_type *type =
				sniff_image((const unsigned char *)r.body.data, r.body.len);
			if (!type)
				rc = http_error_set(e, 415, "not_image",
						    "The address does not point to an image the "
						    "preview can show.");
			else
				send_image(type, &r);
		}
		fetch_result_free(&r);
		fetch_global_cleanup();
	}
	cgi_free_strings(urls, count);
	return rc;
}

int main(void)
{
	struct program p;
	struct http_error e = { 0 };
	int rc = program_start(&p, "preview.cgi", CPU_SECONDS, MAX_REQUEST_BODY, &e);
	if (rc == 0)
		rc = run(&p, &e);
	if (rc != 0)
		cgi_send_error(&e);
	program_finish(&p);
	return 0;
}

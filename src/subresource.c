/* Fetches a page's style sheets (with their @import rules) and manifest, and lists the images they name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "charset.h"
#include "discover.h"
#include "fetch.h"
#include "log.h"
#include "subresource.h"
#include "url.h"

/* Transfers at once. */
#define PARALLEL 4

/* The state of one page's subresource fetching. */
struct subresources {
	struct page_meta *meta;
	struct image_list *list;
	const char *page_encoding;
	char **urls;            /* the batch being fetched, validated copies */
	size_t manifest_index;  /* index of the manifest in urls, or SIZE_MAX */
	bool nomem;
};

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000L + (now.tv_nsec - start->tv_nsec) / 1000000L;
}

/* Tells whether a Content-Type is text/css, or absent, which browsers accept in quirks mode only. */
static bool is_css_type(const char *type)
{
	if (!type)
		return true;
	type += strspn(type, " \t");
	return strncasecmp(type, "text/css", 8) == 0 &&
	       (type[8] == '\0' || type[8] == ';' || type[8] == ' ' || type[8] == '\t');
}

static void read_stylesheet(struct subresources *s, const char *url, struct fetch_result *r)
{
	if (!is_css_type(r->content_type)) {
		log_msg(LOG_INFO, "skipped style sheet %s: Content-Type is %s", url, r->content_type);
		return;
	}
	const char *body = r->body.data ? r->body.data : "";
	size_t bom_len;
	const char *encoding = charset_detect_css(body, r->body.len, r->content_type,
						  s->page_encoding, &bom_len);
	struct buf text;
	char err[512];
	buf_init(&text, r->body.len * 3 + 4);
	if (charset_to_utf8(body + bom_len, r->body.len - bom_len, encoding, &text, err, sizeof err) != 0) {
		log_msg(LOG_WARN, "cannot decode style sheet %s as %s: %s", url, encoding, err);
	} else if (discover_stylesheet(buf_cstr(&text), text.len, url, s->list, s->meta,
				       err, sizeof err) != 0) {
		log_msg(LOG_ERROR, "cannot read style sheet %s: %s", url, err);
		s->nomem = true;
	}
	buf_free(&text);
}

static int fetched(size_t index, struct fetch_result *r, void *ctx)
{
	struct subresources *s = ctx;
	const char *url = r->final_url ? r->final_url : s->urls[index];
	if (r->status != FETCH_OK) {
		log_msg(LOG_INFO, "skipped %s: %s", s->urls[index], r->error);
		return 0;
	}
	if (index == s->manifest_index) {
		char err[512];
		if (discover_manifest(r->body.data ? r->body.data : "", r->body.len, url, s->list,
				      err, sizeof err) != 0) {
			log_msg(LOG_ERROR, "cannot read manifest %s: %s", url, err);
			s->nomem = true;
		}
	} else {
		read_stylesheet(s, url, r);
	}
	return s->nomem ? 1 : 0;
}

/* Adds a validated copy of url to the batch; an invalid URL is skipped. */
static void batch_add(struct subresources *s, size_t *count, const char *url)
{
	char err[256];
	char *valid = NULL;
	if (url_validate(url, &valid, err, sizeof err) != 0) {
		log_msg(LOG_INFO, "skipped %s: %s", url, err);
		return;
	}
	s->urls[(*count)++] = valid;
}

int subresources_discover(struct page_meta *meta, const char *page_encoding,
			  const struct fetch_options *page_opts, struct image_list *list)
{
	struct subresources s = {.meta = meta, .list = list, .page_encoding = page_encoding};
	char *batch[SUBRESOURCE_MAX_FETCHES];
	struct fetch_options opts = *page_opts;
	struct timespec start;
	size_t next = 0;
	size_t fetches = 0;
	bool manifest_pending = meta->manifest_url != NULL;

	s.urls = batch;
	opts.max_bytes = SUBRESOURCE_MAX_BYTES;
	opts.accept = "text/css,*/*;q=0.1";
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* Each round fetches what the last one found: the page's sheets, then their imports. */
	while (!s.nomem && fetches < SUBRESOURCE_MAX_FETCHES &&
	       (next < meta->stylesheet_count || manifest_pending)) {
		long left = SUBRESOURCE_TIMEOUT_MS - elapsed_ms(&start);
		if (left <= 0)
			break;
		size_t count = 0;
		s.manifest_index = SIZE_MAX;
		if (manifest_pending) {
			batch_add(&s, &count, meta->manifest_url);
			if (count == 1)
				s.manifest_index = 0;
			manifest_pending = false;
		}
		while (next < meta->stylesheet_count && fetches + count < SUBRESOURCE_MAX_FETCHES)
			batch_add(&s, &count, meta->stylesheets[next++]);
		if (opts.timeout_ms <= 0 || opts.timeout_ms > left)
			opts.timeout_ms = left;
		int rc = count ? fetch_many(batch, count, &opts, PARALLEL, left, fetched, &s) : 0;
		if (rc < 0)
			log_msg(LOG_WARN, "fetching %zu style sheets failed as a whole", count);
		for (size_t i = 0; i < count; i++)
			free(batch[i]);
		fetches += count;
		if (rc < 0)
			break;
	}
	if (next < meta->stylesheet_count)
		log_msg(LOG_INFO, "skipped %zu style sheets over the limit of %d fetches or %d ms",
			meta->stylesheet_count - next, SUBRESOURCE_MAX_FETCHES, SUBRESOURCE_TIMEOUT_MS);
	return s.nomem ? -1 : 0;
}

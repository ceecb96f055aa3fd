/* extract.cgi: fetches a page and returns its image candidates as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cgi.h"
#include "charset.h"
#include "discover.h"
#include "htmlview.h"
#include "json.h"
#include "log.h"
#include "probe.h"
#include "program.h"
#include "store.h"
#include "subresource.h"

enum { MAX_REQUEST_BODY = 16 * 1024, CPU_SECONDS = 30 };

static bool is_html(const struct fetch_result *r)
{
	const char *type = r->content_type;
	if (type)
		return strncasecmp(type, "text/html", 9) == 0 ||
		       strncasecmp(type, "application/xhtml+xml", 21) == 0;
	/* No Content-Type: accept what starts like markup, as browsers sniff it. */
	const char *p = buf_cstr(&r->body);
	p += strspn(p, " \t\r\n\xef\xbb\xbf");
	return *p == '<';
}

/* Writes the "probe" object of one candidate, or null when it was not probed. */
static int write_probe(struct buf *out, const struct probe_result *probe)
{
	if (!probe->probed)
		return buf_append_str(out, "null");
	int rc = 0;
	rc |= buf_append_char(out, '{');
	rc |= json_key(out, "fetched");
	rc |= buf_append_str(out, probe->fetched ? "true" : "false");
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "type");
	rc |= json_string(out, probe->type ? probe->type->mime : NULL);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "width");
	rc |= json_number_or_null(out, probe->width ? (long)probe->width : -1);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "height");
	rc |= json_number_or_null(out, probe->height ? (long)probe->height : -1);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "bytes");
	if (probe->bytes >= 0)
		rc |= buf_printf(out, "%lld", probe->bytes);
	else
		rc |= buf_append_str(out, "null");
	rc |= buf_append_char(out, '}');
	return rc ? -1 : 0;
}

/* Writes one candidate; probe is NULL when the request did not ask for probing. */
static int write_image(struct buf *out, const struct image *img,
		       const struct probe_result *probe, bool first)
{
	int rc = 0;
	rc |= buf_append_str(out, first ? "{" : ",{");
	rc |= json_key(out, "url");
	rc |= json_string(out, img->url);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "kind");
	rc |= json_string(out, img->kind);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "alt");
	rc |= json_string(out, img->alt);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "width");
	rc |= json_number_or_null(out, img->width);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "height");
	rc |= json_number_or_null(out, img->height);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "descriptor");
	rc |= json_string(out, img->descriptor);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "group");
	rc |= buf_printf(out, "%zu", img->group);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "best");
	rc |= buf_append_str(out, img->best ? "true" : "false");
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "thumbnail");
	rc |= json_string(out, img->thumbnail);
	if (probe) {
		rc |= buf_append_char(out, ',');
		rc |= json_key(out, "probe");
		rc |= write_probe(out, probe);
	}
	rc |= buf_append_char(out, '}');
	return rc ? -1 : 0;
}

static int write_result(struct buf *out, const char *url, const char *final_url,
			const char *encoding, const struct page_meta *meta,
			const struct image_list *list, const struct probe_result *probes)
{
	int rc = 0;
	rc |= buf_append_str(out, "{\"page\":{");
	rc |= json_key(out, "url");
	rc |= json_string(out, url);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "final_url");
	rc |= json_string(out, final_url);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "title");
	rc |= json_string(out, meta->title);
	rc |= buf_append_char(out, ',');
	rc |= json_key(out, "encoding");
	rc |= json_string(out, encoding);
	rc |= buf_append_str(out, "},\"images\":[");
	for (size_t i = 0; i < list->count && rc == 0; i++)
		rc |= write_image(out, &list->items[i], probes ? &probes[i] : NULL, i == 0);
	rc |= buf_printf(out, "],\"count\":%zu,\"truncated\":%s}\n", list->count,
			 list->truncated ? "true" : "false");
	return rc ? -1 : 0;
}

static void send_json(const struct buf *body)
{
	cgi_begin(200, "application/json; charset=utf-8");
	printf("Cache-Control: no-store\r\n");
	printf("Content-Length: %zu\r\n", body->len);
	cgi_end_headers();
	fwrite(body->data, 1, body->len, stdout);
	fflush(stdout);
}

/*
 * Decodes the page body to UTF-8 in *text as a browser would (charset.h)
 * and sets *encoding. Returns 0, or -1 with e.
 */
static int decode_page(const struct fetch_result *page, struct buf *text,
		       const char **encoding, struct http_error *e)
{
	const char *body = page->body.data ? page->body.data : "";
	size_t bom_len;
	char why[512];
	*encoding = charset_detect(body, page->body.len, page->content_type, &bom_len);
	/* charset_to_utf8 writes at most 3 bytes per input byte plus one U+FFFD. */
	buf_init(text, page->body.len * 3 + 4);
	if (charset_to_utf8(body + bom_len, page->body.len - bom_len, *encoding, text,
			    why, sizeof why) != 0) {
		log_warn("cannot decode a %zu-byte page as %s: %s", page->body.len, *encoding, why);
		return http_error_set(e, 502, "fetch_failed", "The page could not be decoded: %s", why);
	}
	return 0;
}

/*
 * Adds the images of the page's style sheets and manifest, then the likely
 * originals, groups and best marks. Returns 0, or -1 with a sentence in why.
 */
static int add_linked_images(struct program *p, struct page_meta *meta, const char *encoding,
			     struct image_list *list, char *why, size_t whylen)
{
	if (meta->stylesheet_count > 0 || meta->manifest_url) {
		struct fetch_options opts;
		program_fetch_options(p, SUBRESOURCE_MAX_BYTES, p->config.fetch_timeout_seconds,
				      "text/css,*/*;q=0.1", &opts);
		if (subresources_discover(meta, encoding, &opts, list) != 0) {
			snprintf(why, whylen, "Out of memory reading its style sheets");
			return -1;
		}
	}
	if (discover_finish(list) != 0) {
		snprintf(why, whylen, "Out of memory grouping %zu images", list->count);
		return -1;
	}
	return 0;
}

/*
 * Probes the candidates when probe is set, then sends the JSON result.
 * Returns 0, or -1 with e.
 */
static int send_result(struct program *p, const char *url, const char *final_url,
		       const char *encoding, const struct page_meta *meta,
		       const struct image_list *list, bool probe, struct http_error *e)
{
	struct probe_result *probes = NULL;
	if (probe) {
		struct fetch_options opts;
		program_fetch_options(p, PROBE_MAX_BYTES, p->config.fetch_timeout_seconds, NULL, &opts);
		probes = probe_images(list, &opts);
		if (!probes)
			return http_error_set(e, 500, "internal_error",
					      "The server could not probe the %zu images.", list->count);
	}
	struct buf out;
	int rc = 0;
	buf_init(&out, 64 * 1024 * 1024);
	if (write_result(&out, url, final_url, encoding, meta, list, probes) != 0) {
		log_error("cannot format %zu candidates of %s", list->count, final_url);
		rc = http_error_set(e, 500, "internal_error", "The result could not be formatted.");
	} else {
		send_json(&out);
	}
	buf_free(&out);
	free(probes);
	return rc;
}

/* Parses the fetched page and sends the result, probed when probe is set. Returns 0 or -1 with e. */
static int extract_page(struct program *p, const char *url, struct fetch_result *page,
			bool probe, struct http_error *e)
{
	if (!is_html(page))
		return http_error_set(e, 415, "not_html",
				      "The address points to %s, not a web page; enter the address "
				      "of the page that shows the images.",
				      page->content_type ? page->content_type : "a file of unknown type");
	const char *final_url = page->final_url ? page->final_url : url;
	struct image_list list;
	struct page_meta meta = { 0 };
	struct buf text;
	const char *encoding;
	if (decode_page(page, &text, &encoding, e) != 0) {
		buf_free(&text);
		return -1;
	}
	image_list_init(&list, (size_t)p->config.max_candidates);
	char why[512];
	int rc = discover_images_encoded(buf_cstr(&text), text.len, final_url, encoding,
					 &list, &meta, why, sizeof why);
	buf_free(&text);
	if (rc == 0)
		rc = add_linked_images(p, &meta, encoding, &list, why, sizeof why);
	if (rc == DISCOVER_TOO_LARGE) {
		log_warn("rejected %s: %s", final_url, why);
		rc = http_error_set(e, 413, "too_large", "The page is too large to read: %s", why);
	} else if (rc != 0) {
		log_warn("cannot parse %s: %s", final_url, why);
		http_error_set(e, 502, "fetch_failed", "The page could not be read: %s.", why);
	} else if (htmlview_requested(&p->request)) {
		rc = htmlview_send_results(url, final_url, &meta, &list, e);
	} else {
		rc = send_result(p, url, final_url, encoding, &meta, &list, probe, e);
	}
	image_list_free(&list);
	page_meta_free(&meta);
	return rc;
}

/*
 * Reads the optional "probe" parameter: "1" turns probing on, and "0" or no
 * parameter leaves it off. Returns 0, or -1 with e for any other value.
 */
static int read_probe_param(const struct program *p, bool *probe, struct http_error *e)
{
	const char *value = cgi_param(&p->request, "probe");
	*probe = value && strcmp(value, "1") == 0;
	if (value && !*probe && strcmp(value, "0") != 0)
		return http_error_set(e, 400, "invalid_request",
				      "The parameter probe must be 0 or 1, not \"%.40s\".", value);
	return 0;
}

static int run(struct program *p, struct http_error *e)
{
	char **urls = NULL;
	size_t count = 0;
	const char *label = NULL;
	bool probe = false;
	if (cgi_request_urls(&p->request, 1, &urls, &count, e) != 0)
		return -1;
	if (count == 0)
		return http_error_set(e, 400, "invalid_url", "Enter the address of a web page.");
	int rc = program_page_label(p, &label, e);
	if (rc == 0)
		rc = read_probe_param(p, &probe, e);
	if (rc == 0)
		rc = program_rate_limit(p, STORE_EVENT_EXTRACT, p->config.limit_extract_per_hour,
					label, e);
	if (rc == 0 && fetch_global_init() != 0)
		rc = http_error_set(e, 500, "internal_error", "The server could not start fetching.");
	if (rc == 0) {
		struct fetch_options opts;
		struct fetch_result page;
		program_fetch_options(p, (size_t)p->config.max_page_bytes,
				      p->config.fetch_timeout_seconds,
				      "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5", &opts);
		if (fetch_url(urls[0], &opts, &page) != FETCH_OK)
			rc = program_fetch_error(&page, e);
		else
			rc = extract_page(p, urls[0], &page, probe, e);
		fetch_result_free(&page);
		fetch_global_cleanup();
		program_count(p, rc == 0 ? STORE_EVENT_EXTRACT_OK : STORE_EVENT_EXTRACT_ERROR, label);
	}
	cgi_free_strings(urls, count);
	return rc;
}

int main(void)
{
	struct program p;
	struct http_error e = { 0 };
	int rc = program_start(&p, "extract.cgi", CPU_SECONDS, MAX_REQUEST_BODY, &e);
	if (rc == 0)
		rc = run(&p, &e);
	if (rc != 0 && htmlview_requested(&p.request))
		htmlview_send_error(&e);
	else if (rc != 0)
		cgi_send_error(&e);
	program_finish(&p);
	return 0;
}

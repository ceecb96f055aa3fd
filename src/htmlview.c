/* HTML pages for browsers without JavaScript: the extraction result as a form, export progress, errors. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cgi.h"
#include "discover.h"
#include "htmlview.h"
#include "json.h"
#include "log.h"

/*
 * Largest page sent. A card with a 2,048-byte address takes about 10 KiB, so
 * 2,000 cards (the default max_candidates) fit with room for long alt texts.
 * NOTE: a larger page is not sent; the visitor gets a 500 error instead.
 */
enum { MAX_PAGE_BYTES = 32 * 1024 * 1024 };

/* Visitor-facing names of the "kind" values of struct image; public_html/js/model.js has the same list. */
static const struct {
	const char *kind;
	const char *name;
} KIND_NAMES[] = {
	{ "img", "Image" },
	{ "srcset", "Image (srcset size)" },
	{ "source", "Picture source" },
	{ "lazy", "Lazy-loaded image" },
	{ "css", "Background" },
	{ "meta", "Share card" },
	{ "icon", "Icon" },
	{ "link", "Linked image file" },
	{ "poster", "Video poster" },
	{ "input", "Image button" },
	{ "svg", "SVG image" },
	{ "data", "Embedded image" },
	{ "preload", "Preloaded image" },
	{ "embed", "Embedded object" },
	{ "original", "Full-size original (guessed)" },
};

bool htmlview_requested(const struct cgi_request *req)
{
	const char *format = cgi_param(req, "format");
	return format && strcmp(format, "html") == 0;
}

static int escape_byte(struct buf *out, unsigned char c)
{
	switch (c) {
	case '&':
		return buf_append_str(out, "&amp;");
	case '<':
		return buf_append_str(out, "&lt;");
	case '>':
		return buf_append_str(out, "&gt;");
	case '"':
		return buf_append_str(out, "&quot;");
	case '\'':
		return buf_append_str(out, "&#39;");
	default:
		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			return buf_append_str(out, "\xef\xbf\xbd");
		return buf_append_char(out, (char)c);
	}
}

int html_escape(struct buf *out, const char *text)
{
	if (!text)
		return 0;
	const unsigned char *s = (const unsigned char *)text;
	size_t len = strlen(text);
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_sequence_length(s + i, len - i);
		int rc;
		if (n == 0) {
			rc = buf_append_str(out, "\xef\xbf\xbd");
			n = 1;
		} else if (n == 1) {
			rc = escape_byte(out, s[i]);
		} else {
			rc = buf_append(out, s + i, n);
		}
		if (rc != 0)
			return -1;
		i += n;
	}
	return 0;
}

/* Appends text base64url-encoded (RFC 4648 section 5) without padding, the form of the "u" parameter. */
static int append_base64url(struct buf *out, const char *text)
{
	size_t len = strlen(text);
	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		return -1;
	unsigned char *encoded = malloc(len / 3 * 4 + 5);
	if (!encoded)
		return -1;
	int n = EVP_EncodeBlock(encoded, (const unsigned char *)text, (int)len);
	while (n > 0 && encoded[n - 1] == '=')
		n--;
	for (int i = 0; i < n; i++) {
		if (encoded[i] == '+')
			encoded[i] = '-';
		else if (encoded[i] == '/')
			encoded[i] = '_';
	}
	int rc = buf_append(out, encoded, (size_t)n);
	free(encoded);
	return rc;
}

/* Appends text percent-encoded for a query string value (RFC 3986 section 2.1), keeping only unreserved bytes. */
static int append_query_value(struct buf *out, const char *text)
{
	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		int rc;
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    strchr("-._~", *s))
			rc = buf_append_char(out, (char)*s);
		else
			rc = buf_printf(out, "%%%02X", *s);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Appends a byte count for people: "820 bytes", "14.2 kB", "3.1 MB". */
static int append_size(struct buf *out, long long bytes)
{
	if (bytes < 1000)
		return buf_printf(out, "%lld bytes", bytes);
	if (bytes < 1000 * 1000)
		return buf_printf(out, "%.1f kB", (double)bytes / 1000);
	return buf_printf(out, "%.1f MB", (double)bytes / 1000 / 1000);
}

static bool is_web_address(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static const char *kind_name(const char *kind)
{
	for (size_t i = 0; i < sizeof KIND_NAMES / sizeof KIND_NAMES[0]; i++)
		if (kind && strcmp(KIND_NAMES[i].kind, kind) == 0)
			return KIND_NAMES[i].name;
	return "Other";
}

/*
 * Writes the Status line and the headers of an HTML page. The programs live
 * in cgi-bin, where the htaccess file sets no headers, so the page's
 * Content-Security-Policy is sent from here.
 */
static void send_headers(int status, long retry_after, size_t length, bool streamed)
{
	cgi_begin(status, "text/html; charset=utf-8");
	printf("Cache-Control: no-store\r\n");
	printf("Content-Security-Policy: %s\r\n", HTMLVIEW_CSP);
	printf("X-Frame-Options: DENY\r\n");
	if (length > 0)
		printf("Content-Length: %zu\r\n", length);
	if (retry_after > 0)
		printf("Retry-After: %ld\r\n", retry_after);
	/* Asks a buffering proxy (nginx in front of Apache) to pass each part on as it comes. */
	if (streamed)
		printf("X-Accel-Buffering: no\r\n");
	cgi_end_headers();
}

/* Sends a whole page, without its body for HEAD. */
static void send_page(int status, long retry_after, const struct buf *page)
{
	send_headers(status, retry_after, page->len, false);
	const char *method = getenv("REQUEST_METHOD");
	if (!method || strcmp(method, "HEAD") != 0)
		fwrite(page->data, 1, page->len, stdout);
	fflush(stdout);
}

/* Appends everything up to and including <main>. The title is escaped here. */
static int append_top(struct buf *out, const char *title)
{
	int rc = buf_append_str(out,
		"<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<meta name=\"referrer\" content=\"no-referrer\">\n"
		"<meta name=\"color-scheme\" content=\"light dark\">\n<title>");
	rc |= html_escape(out, title);
	rc |= buf_append_str(out,
		" – ImageGather</title>\n<link rel=\"icon\" href=\"data:,\">\n"
		"<link rel=\"stylesheet\" href=\"../style.css\">\n</head>\n<body>\n"
		"<header class=\"site-header\"><p><a href=\"../\">ImageGather</a></p></header>\n"
		"<main id=\"main\" class=\"site-main\">\n");
	return rc ? -1 : 0;
}

/* Appends </main>, the footer with the links to the privacy policy and the terms, and the page end. */
static int append_bottom(struct buf *out)
{
	return buf_append_str(out,
		"</main>\n<footer class=\"site-footer\">\n<p><a href=\"../\">ImageGather</a>\n"
		"<span aria-hidden=\"true\">·</span> <a href=\"../privacy.html\">Privacy</a>\n"
		"<span aria-hidden=\"true\">·</span> <a href=\"../terms.html\">Terms of use</a></p>\n"
		"</footer>\n</body>\n</html>\n");
}

/* Appends one fact of a card as a <div><dt><dd> row of the card's <dl>. */
static int append_fact(struct buf *out, const char *term, const char *value)
{
	int rc = buf_append_str(out, "<div class=\"fact\"><dt>");
	rc |= html_escape(out, term);
	rc |= buf_append_str(out, "</dt><dd>");
	rc |= html_escape(out, value);
	rc |= buf_append_str(out, "</dd></div>\n");
	return rc ? -1 : 0;
}

static int append_declared_size(struct buf *out, const struct image *img)
{
	int rc = buf_append_str(out, "<div class=\"fact\"><dt>Declared size</dt><dd>");
	if (img->width > 0 && img->height > 0)
		rc |= buf_printf(out, "%ld × %ld", img->width, img->height);
	else if (img->width > 0)
		rc |= buf_printf(out, "%ld wide", img->width);
	else if (img->height > 0)
		rc |= buf_printf(out, "%ld high", img->height);
	else if (!img->descriptor)
		rc |= buf_append_str(out, "Not declared");
	if (img->descriptor) {
		rc |= buf_append_str(out, img->width > 0 || img->height > 0 ? " (" : "(");
		rc |= html_escape(out, img->descriptor);
		rc |= buf_append_char(out, ')');
	}
	rc |= buf_append_str(out, "</dd></div>\n");
	return rc ? -1 : 0;
}

/*
 * Appends the card of image number (from 1): a lazily loaded preview
 * through preview.cgi (data: images as they are), the alt text, facts, and
 * the check box. Every value from the page is escaped.
 */
static int append_card(struct buf *out, const struct image *img, size_t number)
{
	int rc = buf_printf(out, "<li class=\"card\" aria-labelledby=\"image-%zu-caption\">\n"
			    "<div class=\"thumb\"><img alt=\"\" loading=\"lazy\" decoding=\"async\" src=\"",
			    number);
	if (strncmp(img->url, "data:", 5) == 0) {
		rc |= html_escape(out, img->url);
	} else {
		rc |= buf_append_str(out, "preview.cgi?u=");
		rc |= append_base64url(out, img->url);
	}
	rc |= buf_printf(out, "\"></div>\n<p class=\"caption\" id=\"image-%zu-caption\">", number);
	if (img->alt && img->alt[strspn(img->alt, " \t\n")])
		rc |= html_escape(out, img->alt);
	else
		rc |= buf_printf(out, "Image %zu (no alt text)", number);
	rc |= buf_append_str(out, "</p>\n<dl class=\"facts\">\n");
	rc |= append_fact(out, "Source", kind_name(img->kind));
	rc |= append_declared_size(out, img);
	if (is_web_address(img->url)) {
		rc |= buf_append_str(out, "<div class=\"fact\"><dt>File</dt><dd><a rel=\"noopener noreferrer\" href=\"");
		rc |= html_escape(out, img->url);
		rc |= buf_append_str(out, "\">Open the image</a></dd></div>\n");
	}
	rc |= buf_append_str(out, "</dl>\n<label class=\"pick\"><input type=\"checkbox\" name=\"u\" value=\"");
	rc |= append_base64url(out, img->url);
	rc |= buf_printf(out, "\"> Select<span class=\"visually-hidden\"> image %zu</span></label>\n</li>\n",
			 number);
	return rc ? -1 : 0;
}

/* Appends the heading, the page's title and address, and the count. */
static int append_summary(struct buf *out, const char *url, const char *final_url,
			  const struct page_meta *meta, const struct image_list *list)
{
	int rc = buf_append_str(out, "<h1>Images found</h1>\n<p class=\"page-info\">");
	if (meta->title && meta->title[0]) {
		rc |= buf_append_str(out, "From <cite>");
		rc |= html_escape(out, meta->title);
		rc |= buf_append_str(out, "</cite><br>");
	}
	rc |= buf_append_str(out, "<span class=\"page-address\">");
	rc |= html_escape(out, final_url ? final_url : url);
	rc |= buf_append_str(out, "</span></p>\n<p class=\"status\" data-state=\"done\">");
	if (list->count == 0)
		rc |= buf_append_str(out, "No images were found on this page. "
				     "Check that it is the page that shows them.");
	else
		rc |= buf_printf(out, "Found %zu image%s. Tick the ones you want, then choose Export.",
				 list->count, list->count == 1 ? "" : "s");
	if (list->truncated)
		rc |= buf_append_str(out, " The page has more images than the server lists at once, "
				     "so only the first ones are shown.");
	rc |= buf_append_str(out, "</p>\n");
	return rc ? -1 : 0;
}

/* Appends the export form: the cards, the ZIP name and the submit button. */
static int append_export_form(struct buf *out, const struct image_list *list)
{
	int rc = buf_append_str(out,
		"<form class=\"results\" method=\"post\" action=\"export.cgi\">\n"
		"<input type=\"hidden\" name=\"format\" value=\"html\">\n"
		"<ol class=\"cards\" aria-label=\"Images\">\n");
	for (size_t i = 0; i < list->count && rc == 0; i++)
		rc |= append_card(out, &list->items[i], i + 1);
	rc |= buf_append_str(out,
		"</ol>\n<div class=\"action-bar\"><div class=\"action-row\">\n"
		"<label for=\"zip-name\">ZIP file name (optional)</label>\n"
		"<input id=\"zip-name\" name=\"name\" type=\"text\" maxlength=\"100\" autocomplete=\"off\" "
		"spellcheck=\"false\">\n"
		"<button type=\"submit\" class=\"primary\">Export selected</button>\n"
		"</div></div>\n</form>\n");
	return rc ? -1 : 0;
}

int htmlview_send_results(const char *url, const char *final_url, const struct page_meta *meta,
			  const struct image_list *list, struct http_error *e)
{
	struct buf page;
	buf_init(&page, MAX_PAGE_BYTES);
	int rc = append_top(&page, meta->title && meta->title[0] ? meta->title : "Images found");
	rc |= append_summary(&page, url, final_url, meta, list);
	if (list->count > 0)
		rc |= append_export_form(&page, list);
	rc |= buf_append_str(&page, "<p><a href=\"../\">Enter another address</a></p>\n");
	rc |= append_bottom(&page);
	if (rc != 0) {
		log_error("cannot format the HTML page of %zu candidates of %s", list->count, url);
		buf_free(&page);
		return http_error_set(e, 500, "internal_error", "The result page could not be formatted.");
	}
	send_page(200, 0, &page);
	buf_free(&page);
	return 0;
}

void htmlview_send_error(const struct http_error *e)
{
	struct buf page;
	buf_init(&page, 16 * 1024);
	int rc = append_top(&page, "Error");
	rc |= buf_printf(&page, "<h1>The request failed</h1>\n<p class=\"status\" data-state=\"error\">");
	rc |= html_escape(&page, e->message);
	if (e->retry_after > 0)
		rc |= buf_printf(&page, " Try again in %ld minutes.", (e->retry_after + 59) / 60);
	rc |= buf_append_str(&page, "</p>\n<p><a href=\"../\">Back to the start page</a></p>\n");
	rc |= append_bottom(&page);
	if (rc != 0) {
		log_error("cannot format the HTML error page for %s; sending JSON", e->code);
		buf_free(&page);
		cgi_send_error(e);
		return;
	}
	send_page(e->status, e->retry_after, &page);
	buf_free(&page);
}

void htmlview_export_headers(void)
{
	send_headers(200, 0, 0, true);
	fflush(stdout);
}

int htmlview_export_begin(struct buf *out, size_t count)
{
	int rc = append_top(out, "Export");
	rc |= buf_printf(out, "<h1>Export</h1>\n<p>Fetching %zu image%s. Each line below is one that "
			 "finished; the link to the ZIP file follows when all are done.</p>\n"
			 "<ol class=\"export-log\">", count, count == 1 ? "" : "s");
	return rc ? -1 : 0;
}

int htmlview_export_image(struct buf *out, const char *url, const char *name, size_t bytes,
			  const char *error)
{
	int rc = buf_append_str(out, "<li>");
	if (error) {
		rc |= html_escape(out, url);
		rc |= buf_append_str(out, ": failed. ");
		rc |= html_escape(out, error);
	} else {
		rc |= html_escape(out, name);
		rc |= buf_append_str(out, ": added, ");
		rc |= append_size(out, (long long)bytes);
		rc |= buf_append_char(out, '.');
	}
	rc |= buf_append_str(out, "</li>");
	return rc ? -1 : 0;
}

int htmlview_export_done(struct buf *out, const char *token, const char *zip_name, size_t count,
			 size_t failed, long long bytes, long retention_hours)
{
	int rc = buf_append_str(out, "</ol>\n");
	if (!token) {
		rc |= buf_append_str(out, "<p class=\"status\" data-state=\"error\">None of the selected "
				     "images could be fetched, so no ZIP file was made. Go back and select "
				     "others.</p>\n");
	} else {
		rc |= buf_printf(out, "<p class=\"status\" data-state=\"done\">Done: %zu image%s in the "
				 "ZIP file (", count, count == 1 ? "" : "s");
		rc |= append_size(out, bytes);
		rc |= buf_append_char(out, ')');
		if (failed > 0)
			rc |= buf_printf(out, ", %zu failed", failed);
		rc |= buf_append_str(out, ".</p>\n<p><a class=\"download\" href=\"export.cgi?token=");
		rc |= buf_append_str(out, token);
		if (zip_name && zip_name[0]) {
			rc |= buf_append_str(out, "&amp;name=");
			rc |= append_query_value(out, zip_name);
		}
		rc |= buf_printf(out, "\">Download the ZIP file</a></p>\n<p>The file is kept for %ld "
				 "hours. Anyone who has this link can download it until then.</p>\n",
				 retention_hours);
	}
	rc |= append_bottom(out);
	return rc ? -1 : 0;
}

int htmlview_export_error(struct buf *out, const char *message)
{
	int rc = buf_append_str(out, "</ol>\n<p class=\"status\" data-state=\"error\">");
	rc |= html_escape(out, message);
	rc |= buf_append_str(out, "</p>\n<p><a href=\"../\">Back to the start page</a></p>\n");
	rc |= append_bottom(out);
	return rc ? -1 : 0;
}

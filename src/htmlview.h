/* HTML pages for browsers without JavaScript: the extraction result as a form, export progress, errors. */
#ifndef IG_HTMLVIEW_H
#define IG_HTMLVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "cgi.h"
#include "discover.h"

/*
 * The Content-Security-Policy of every ImageGather page, the same string
 * that htaccess/public_html.htaccess sets for the static files.
 */
#define HTMLVIEW_CSP "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; " \
	"style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; " \
	"form-action 'self'; object-src 'none'"

/* Tells whether the request has format=html, which asks for these pages instead of JSON. */
bool htmlview_requested(const struct cgi_request *req);

/*
 * Appends text with "&", "<", ">", '"' and "'" written as character
 * references, so the result is safe both as element content and inside a
 * quoted attribute value. Invalid UTF-8 and control characters other than
 * tab and newline become U+FFFD. A NULL text appends nothing. Returns 0, or
 * -1 with errno from buf_append.
 */
int html_escape(struct buf *out, const char *text);

/*
 * Sends the extraction result as a complete page (200 text/html): one
 * check box per image named "u" with its base64url address, inside a form
 * that posts to export.cgi with format=html. Returns 0, or -1 with e set
 * when the page could not be formatted.
 */
int htmlview_send_results(const char *url, const char *final_url, const struct page_meta *meta,
			  const struct image_list *list, struct http_error *e);

/* Sends e as a page with its status (and Retry-After when set): the message and a way back. */
void htmlview_send_error(const struct http_error *e);

/*
 * The export page, streamed while the archive is written: send the
 * headers with htmlview_export_headers, then append each part to a buffer
 * and write it out. Every function that appends returns 0, or -1 with
 * errno from buf_append.
 */
void htmlview_export_headers(void);
int htmlview_export_begin(struct buf *out, size_t count);
/* One finished image: added under name with bytes, or failed with the sentence error. */
int htmlview_export_image(struct buf *out, const char *url, const char *name, size_t bytes,
			  const char *error);
/*
 * Ends the page: a link to export.cgi?token=TOKEN&name=ZIP_NAME when token
 * is not NULL, else the sentence that no archive was made.
 */
int htmlview_export_done(struct buf *out, const char *token, const char *zip_name, size_t count,
			 size_t failed, long long bytes, long retention_hours);
/* Ends the page after the server could not write the archive. */
int htmlview_export_error(struct buf *out, const char *message);

#endif

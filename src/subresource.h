/* The style sheets and web app manifest a page links to, fetched for the images they name. */
#ifndef IG_SUBRESOURCE_H
#define IG_SUBRESOURCE_H

#include "discover.h"
#include "fetch.h"

/* Most style sheets and manifests fetched for one page, @import rules included. */
#define SUBRESOURCE_MAX_FETCHES 10

/* Largest style sheet or manifest read, in bytes; a longer one is skipped. */
#define SUBRESOURCE_MAX_BYTES (1024 * 1024)

/* Time for all of a page's style sheets and manifest together, in milliseconds. */
#define SUBRESOURCE_TIMEOUT_MS 8000

/*
 * Fetches the style sheets in meta->stylesheets, then the ones they import,
 * and meta->manifest_url, at most SUBRESOURCE_MAX_FETCHES in all, with the
 * page's fetch options (address policy, redirects) but at most
 * SUBRESOURCE_MAX_BYTES each and SUBRESOURCE_TIMEOUT_MS for everything.
 * Appends the images they name to list: url() references resolved against
 * the style sheet's own URL (kind css) and the manifest's icons (kind
 * icon). page_encoding is the fallback encoding of style sheets (charset.h
 * names). A style sheet that fails or is not text/css is skipped and
 * logged, as browsers skip it. Returns 0, or -1 when memory ran out.
 */
int subresources_discover(struct page_meta *meta, const char *page_encoding,
			  const struct fetch_options *page_opts, struct image_list *list);

#endif

/* Probing: the real type, pixel size and file size of image candidates from their first bytes. */
#ifndef IG_PROBE_H
#define IG_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "discover.h"
#include "fetch.h"
#include "sniff.h"

enum {
	PROBE_MAX_FETCHES = 200,        /* http and https candidates probed per page, in page order */
	PROBE_MAX_BYTES = 64 * 1024,    /* bytes read of each candidate */
	PROBE_TIMEOUT_MS = 10 * 1000,   /* all probe transfers of one page together */
	PROBE_PARALLEL = 6,             /* transfers at once, as browsers open per host */
};

/* The facts probing found about one candidate. */
struct probe_result {
	bool probed;                    /* false: over PROBE_MAX_FETCHES, not probed */
	bool fetched;                   /* the bytes arrived (a data: URL always counts) */
	const struct image_type *type;  /* sniffed from the bytes; NULL when not an image */
	unsigned long width;            /* pixels; 0 when unknown */
	unsigned long height;
	long long bytes;                /* the whole file's size; -1 when unknown */
};

/*
 * Probes every candidate of list: a data: URL is decoded in place, and the
 * first PROBE_MAX_FETCHES http and https candidates are fetched with
 * "Range: bytes=0-65535" through fetch_many, with page_opts' address
 * policy and limits, at most PROBE_MAX_BYTES each (a longer answer is cut,
 * not failed) and PROBE_TIMEOUT_MS for all of them. Returns an array of
 * list->count results that the caller frees, or NULL when out of memory or
 * when libcurl failed as a whole (logged).
 */
struct probe_result *probe_images(const struct image_list *list,
				  const struct fetch_options *page_opts);

/*
 * Fills r from the data: URL url: decodes at most PROBE_MAX_BYTES of its
 * base64 or percent-encoded data and counts the size of the whole data.
 */
void probe_data_url(const char *url, struct probe_result *r);

#endif

/* Image discovery: every image a page's markup and inline CSS refer to. */
#ifndef IG_DISCOVER_H
#define IG_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One candidate. Every string is owned by the list. kind is a static string:
 * img, srcset, source, lazy, css, meta, icon, link, poster, input, svg or
 * data. width and height are what the markup declares, or -1. alt and
 * descriptor may be NULL.
 */
struct image {
	char *url;
	const char *kind;
	char *alt;
	long width;
	long height;
	char *descriptor;
};

/* Candidates in page order, each absolute URL once. */
struct image_list {
	struct image *items;
	size_t count;
	size_t cap;
	size_t max;       /* more candidates than this are dropped */
	bool truncated;   /* set when a candidate was dropped for max */
};

struct page_meta {
	char *title;      /* the document's title as text, or NULL */
	char *base_url;   /* the URL relative references resolved against */
};

void image_list_init(struct image_list *list, size_t max);
void image_list_free(struct image_list *list);
void page_meta_free(struct page_meta *meta);

/*
 * Parses html (UTF-8, len bytes) as fetched from page_url (the final URL
 * after redirects) and appends every image it refers to. Returns 0, or -1
 * with a message in err when the page could not be parsed at all.
 */
int discover_images(const char *html, size_t len, const char *page_url,
		    struct image_list *list, struct page_meta *meta,
		    char *err, size_t errlen);

#endif

/* Image discovery: every image a page's markup and inline CSS refer to. */
#ifndef IG_DISCOVER_H
#define IG_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One candidate. Every string is owned by the list. kind is a static string:
 * img, srcset, source, lazy, css, meta, icon, link, poster, input, svg,
 * preload, embed, data or original. width and height are what the markup
 * declares, or -1. alt, descriptor and thumbnail may be NULL.
 */
struct image {
	char *url;
	const char *kind;
	char *alt;
	long width;
	long height;
	char *descriptor;
	size_t group;     /* candidates of one picture at different sizes share it; see discover_finish */
	bool best;        /* the largest candidate of its group */
	char *thumbnail;  /* for kind original: the URL it was derived from */
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
	char **stylesheets;       /* absolute URLs of linked and imported style sheets, in order */
	size_t stylesheet_count;
	char *manifest_url;       /* the first link rel=manifest, or NULL */
};

/* Most style sheet URLs page_meta records; later ones are ignored. */
#define DISCOVER_MAX_STYLESHEETS 32

void image_list_init(struct image_list *list, size_t max);
void image_list_free(struct image_list *list);
void page_meta_free(struct page_meta *meta);

/*
 * Appends the images a fetched style sheet names (kind css), resolved
 * against css_url, its own final URL. Its @import rules are added to
 * meta->stylesheets. css is UTF-8. Returns 0, or -1 with a sentence in err
 * when memory runs out.
 */
int discover_stylesheet(const char *css, size_t len, const char *css_url,
			struct image_list *list, struct page_meta *meta, char *err, size_t errlen);

/*
 * Appends the icons and screenshots of a fetched web app manifest (kind
 * icon), resolved against manifest_url. An invalid manifest adds nothing.
 * Returns 0, or -1 with a sentence in err when memory runs out.
 */
int discover_manifest(const char *json, size_t len, const char *manifest_url,
		      struct image_list *list, char *err, size_t errlen);

/*
 * Completes a list once every source was read: adds the likely original
 * of each thumbnail URL (original.h) as a candidate of kind original in the
 * thumbnail's group, numbers the groups 1, 2, ... in order of first
 * appearance, and marks the best candidate of each group. A group contains
 * the candidates of one element (an img with its srcset and lazy-load
 * attributes), of one <picture>, or of an <a href> to an image with the
 * img inside it. The best is the widest by its srcset w descriptor, or by
 * its x descriptor times the declared width, else the highest density;
 * ties go to lazy-load URLs, which replace placeholders, then to the
 * first. Originals are never best, because they are guesses.
 * Returns 0, or -1 when memory ran out.
 */
int discover_finish(struct image_list *list);

/* discover_images()'s result for a page over a structural limit. */
#define DISCOVER_TOO_LARGE (-2)

/*
 * Parses html (UTF-8, len bytes) as fetched from page_url (the final URL
 * after redirects) and appends every image it refers to. Attributes past
 * the 128th of an element and attribute values over 2 MiB are ignored.
 * Returns 0 on success. Returns DISCOVER_TOO_LARGE with a sentence in err
 * when the page nests more than 1,000 elements deep or has more than
 * 400,000 elements or 1,000,000 attributes. Returns -1 with a sentence in
 * err when the page could not be parsed at all.
 */
int discover_images(const char *html, size_t len, const char *page_url,
		    struct image_list *list, struct page_meta *meta,
		    char *err, size_t errlen);

/*
 * Works like discover_images() on a page that was decoded to UTF-8 from
 * encoding (a name from charset.h, or NULL for UTF-8): non-ASCII in the
 * query of an HTML attribute's URL is percent-encoded in that encoding, as
 * browsers do. URLs from CSS and JSON-LD keep UTF-8 queries.
 */
int discover_images_encoded(const char *html, size_t len, const char *page_url,
			    const char *encoding, struct image_list *list,
			    struct page_meta *meta, char *err, size_t errlen);

#endif

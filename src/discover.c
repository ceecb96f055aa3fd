/* Image discovery: walks the tidy-html5 tree of a page and lists every image its markup, CSS and structured data name. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <tidy/tidy.h>
#include <tidy/tidybuffio.h>

#include "buf.h"
#include "cssurl.h"
#include "discover.h"
#include "htmlprep.h"
#include "json.h"
#include "jsonld.h"
#include "original.h"
#include "srcset.h"
#include "url.h"

/*
 * Most elements open at once before a page is rejected. tidy-html5 5.6
 * recurses per level and overflowed a 2 MB stack at 65,536 nested <b>;
 * the pages of the test corpus stay far below this.
 * NOTE: the bound stops stack overflows, not slowness: tidy is slower than
 * linear on some flat markup (stray <li> and <td> mixed), so the program
 * calling discovery must limit CPU time.
 */
#define MAX_DEPTH 1000

/*
 * Maximum start tags in a page. tidy-html5 5.6 keeps about 150 bytes per
 * element (1,000,000 <br> took 153 MB), so this bounds its tree near 60 MB;
 * the largest corpus pages have a few thousand elements.
 */
#define MAX_ELEMENTS 400000

/* Maximum attributes in a page, which bounds tidy's attribute memory likewise. */
#define MAX_ATTRIBUTES 1000000

/*
 * Maximum attributes kept per element. tidy compares each attribute with all
 * earlier ones of its element: 40,000 attributes on one <img> took 4.9 s,
 * and 1,000 elements of 256 attributes each took 0.8 s.
 */
#define MAX_ELEMENT_ATTRIBUTES 128

/*
 * Maximum length of an attribute value kept, in bytes: four times
 * URL_DATA_MAX_LEN, so a srcset or style of several inline images passes.
 */
#define MAX_VALUE_BYTES (4 * URL_DATA_MAX_LEN)

/* Most candidates read from one srcset attribute. */
#define MAX_SRCSET 64

/*
 * data: URLs with fewer payload bytes than this (after the comma) are
 * treated as placeholders and skipped. A 1x1 GIF or PNG in base64 is 60 to
 * 100 bytes and blank SVG spacers are about 100 to 180; real inline images
 * are larger.
 */
#define DATA_MIN_PAYLOAD 200

/* Maximum length of the page title kept, in bytes. */
#define TITLE_MAX 1024

/* Attributes holding one lazily loaded image URL, in the order they are read. */
static const char *const lazy_src_attrs[] = {
	"data-src", "data-original", "data-lazy-src", "data-lazyload", "data-lazy",
	"data-hi-res-src", "data-orig-file", "data-large-file", "data-bg",
	"data-background", "data-background-image", "data-original-src", "data-full-src",
	"data-fullsrc", "data-zoom-image", "data-zoom-src", "data-large_image", "data-large",
	"data-image", "data-img", "data-src-retina", "data-retina", "data-highres",
	"data-hires", "data-echo", "data-lazy-original",
};

/* Attributes holding a lazily loaded srcset. */
static const char *const lazy_srcset_attrs[] = {
	"data-srcset", "data-lazy-srcset", "data-original-set",
};

/* meta property or name values whose content is an image URL. */
static const char *const meta_image_names[] = {
	"og:image", "og:image:url", "og:image:secure_url", "twitter:image",
	"twitter:image:src", "thumbnail", "msapplication-tileimage",
};

/* File extensions that make an <a href> point at an image. */
static const char *const image_extensions[] = {
	"jpg", "jpeg", "png", "gif", "webp", "avif", "svg", "bmp", "ico", "tif", "tiff",
};

/* File extensions of URLs that CSS names but that are not images: fonts, style sheets, behaviors. */
static const char *const non_image_css_extensions[] = {
	"woff", "woff2", "ttf", "otf", "eot", "css", "htc",
};

/* Elements whose lazy-load attributes name media or documents, not images. */
static const char *const non_image_elements[] = {
	"iframe", "script", "video", "audio", "embed", "object", "track", "frame",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A text the pre-pass set aside: the CSS of a <style> or an SVG document. Owned. */
struct set_aside {
	char *text;
	size_t len;
};

/* The state of one discovery run. */
struct discovery {
	TidyDoc doc;
	struct image_list *list;
	struct page_meta *meta;     /* where style sheet and manifest URLs go, or NULL */
	char *base;
	const char *url_encoding;   /* the page's encoding for URL queries, or NULL for UTF-8 */
	size_t *seen;         /* hash table of list indexes plus one; 0 is empty */
	size_t seen_cap;      /* a power of two */
	size_t last_group;    /* the group number given last */
	TidyNode picture;     /* the last <picture> read, and its group */
	size_t picture_group;
	TidyNode anchor;      /* the last <a> read, and its group */
	size_t anchor_group;
	struct set_aside *texts;  /* the <style> and <svg> texts the pre-pass set aside, by number */
	size_t text_count;
	size_t text_cap;
	bool nomem;
};

/* Image facts declared by the element being read. */
struct element_info {
	const char *alt;
	long width;
	long height;
	bool skip_data;       /* a lazy attribute contains the real URL */
	bool utf8_query;      /* the URL comes from CSS or JSON, which use UTF-8 for queries */
	size_t group;         /* the element's group, or 0 for a group of its own */
};

void image_list_init(struct image_list *list, size_t max)
{
	list->items = NULL;
	list->count = 0;
	list->cap = 0;
	list->max = max;
	list->truncated = false;
}

void image_list_free(struct image_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].url);
		free(list->items[i].alt);
		free(list->items[i].descriptor);
		free(list->items[i].thumbnail);
	}
	free(list->items);
	image_list_init(list, list->max);
}

void page_meta_free(struct page_meta *meta)
{
	free(meta->title);
	free(meta->base_url);
	for (size_t i = 0; i < meta->stylesheet_count; i++)
		free(meta->stylesheets[i]);
	free(meta->stylesheets);
	free(meta->manifest_url);
	meta->title = NULL;
	meta->base_url = NULL;
	meta->stylesheets = NULL;
	meta->stylesheet_count = 0;
	meta->manifest_url = NULL;
}

static bool in_names(const char *name, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		if (strcasecmp(name, names[i]) == 0)
			return true;
	}
	return false;
}

static const char *attr_value(TidyNode node, const char *name)
{
	for (TidyAttr a = tidyAttrFirst(node); a; a = tidyAttrNext(a)) {
		const char *n = tidyAttrName(a);
		if (n && strcasecmp(n, name) == 0)
			return tidyAttrValue(a);
	}
	return NULL;
}

/*
 * Parses a width or height attribute by the HTML "rules for parsing
 * non-negative integers": leading whitespace, an optional "+", digits, and
 * anything after them ignored. Returns -1 when absent or invalid.
 */
static long parse_dimension(const char *text)
{
	if (!text)
		return -1;
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r' || *text == '\f')
		text++;
	if (*text == '+')
		text++;
	if (*text < '0' || *text > '9')
		return -1;
	long v = 0;
	for (; *text >= '0' && *text <= '9'; text++) {
		v = v * 10 + (*text - '0');
		if (v > 1000000000L)
			return -1;
	}
	return v;
}

/* Hashes a URL eight bytes at a step: data: URLs run to hundreds of kilobytes. */
static uint64_t hash_text(const char *s)
{
	size_t len = strlen(s);
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	uint64_t tail = 0;
	memcpy(&tail, s + i, len - i);
	h = (h ^ tail) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* Returns the slot for url in the table: its index plus one, or an empty slot. */
static size_t *seen_slot(struct discovery *d, const char *url)
{
	size_t mask = d->seen_cap - 1;
	for (size_t i = (size_t)hash_text(url) & mask;; i = (i + 1) & mask) {
		size_t *slot = &d->seen[i];
		if (*slot == 0 || strcmp(d->list->items[*slot - 1].url, url) == 0)
			return slot;
	}
}

/* Keeps the table at most half full so probes stay short and an empty slot exists. */
static int seen_grow(struct discovery *d)
{
	if (d->seen_cap && (d->list->count + 1) * 2 <= d->seen_cap)
		return 0;
	/* The list may already contain candidates when discovery resumes (style sheets, originals). */
	size_t cap = d->seen_cap ? d->seen_cap * 2 : 64;
	while ((d->list->count + 1) * 2 > cap)
		cap *= 2;
	size_t *table = calloc(cap, sizeof *table);
	if (!table)
		return -1;
	free(d->seen);
	d->seen = table;
	d->seen_cap = cap;
	for (size_t i = 0; i < d->list->count; i++)
		*seen_slot(d, d->list->items[i].url) = i + 1;
	return 0;
}

/*
 * Tells whether a data: URL is an image worth listing: an image/ media type
 * and at least DATA_MIN_PAYLOAD bytes of payload.
 */
static bool wanted_data_url(const char *url)
{
	if (strncasecmp(url, "data:image/", 11) != 0)
		return false;
	const char *comma = strchr(url, ',');
	return comma && strlen(comma + 1) >= DATA_MIN_PAYLOAD;
}

static char *dup_or_null(const char *s, bool *nomem)
{
	if (!s)
		return NULL;
	char *copy = strdup(s);
	if (!copy)
		*nomem = true;
	return copy;
}

/* Fills in what a repeated candidate declares and the first lacked. */
static void merge_candidate(struct discovery *d, struct image *first, const struct element_info *info)
{
	if (first->width < 0 && info->width >= 0)
		first->width = info->width;
	if (first->height < 0 && info->height >= 0)
		first->height = info->height;
	if (!first->alt && info->alt && info->alt[0])
		first->alt = dup_or_null(info->alt, &d->nomem);
}

/*
 * Resolves ref and appends it as a candidate of kind, unless it is invalid,
 * an unwanted data: URL or already listed. A data: URL gets the kind data.
 */
static void add_candidate(struct discovery *d, const char *ref, const char *kind,
			  const struct element_info *info, const char *descriptor)
{
	if (d->nomem || !ref)
		return;
	char *url = url_resolve_encoded(d->base, ref, info->utf8_query ? NULL : d->url_encoding);
	if (!url)
		return;
	if (strncmp(url, "data:", 5) == 0) {
		if (info->skip_data || !wanted_data_url(url)) {
			free(url);
			return;
		}
		/* An inline <svg> is exported as a data: URL and keeps its kind. */
		if (strcmp(kind, "svg") != 0)
			kind = "data";
	}
	if (seen_grow(d) != 0) {
		d->nomem = true;
		free(url);
		return;
	}
	size_t *slot = seen_slot(d, url);
	if (*slot) {
		merge_candidate(d, &d->list->items[*slot - 1], info);
		free(url);
		return;
	}

	struct image_list *list = d->list;
	if (list->count >= list->max) {
		list->truncated = true;
		free(url);
		return;
	}
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 32;
		struct image *items = realloc(list->items, cap * sizeof *items);
		if (!items) {
			d->nomem = true;
			free(url);
			return;
		}
		list->items = items;
		list->cap = cap;
	}
	struct image *img = &list->items[list->count];
	img->url = url;
	img->kind = kind;
	img->alt = info->alt && info->alt[0] ? dup_or_null(info->alt, &d->nomem) : NULL;
	img->width = info->width;
	img->height = info->height;
	img->descriptor = dup_or_null(descriptor, &d->nomem);
	img->group = info->group;
	img->best = false;
	img->thumbnail = NULL;
	list->count++;
	*slot = list->count;
}

/*
 * Adds every candidate of a srcset. The element's declared size is kept
 * only for candidates shown at that size (no descriptor, or 1x).
 */
static void add_srcset(struct discovery *d, const char *text, const char *kind,
		       const struct element_info *info)
{
	struct srcset set;
	if (!text)
		return;
	if (srcset_parse(text, MAX_SRCSET, &set) != 0) {
		d->nomem = true;
		return;
	}
	for (size_t i = 0; i < set.count; i++) {
		const struct srcset_candidate *c = &set.items[i];
		struct element_info ci = *info;
		bool natural = c->width < 0 && (c->density < 0 || c->density == 1.0);
		if (!natural) {
			ci.width = -1;
			ci.height = -1;
		}
		add_candidate(d, c->url, kind, &ci, c->descriptor);
	}
	srcset_free(&set);
}

struct css_target {
	struct discovery *d;
	const struct element_info *info;
	const char *kind;
};

static bool has_extension(const char *ref, const char *const *extensions, size_t count);

static int css_found(void *ctx, const char *url)
{
	struct css_target *t = ctx;
	if (!has_extension(url, non_image_css_extensions, COUNT(non_image_css_extensions)))
		add_candidate(t->d, url, t->kind, t->info, NULL);
	return t->d->nomem ? -1 : 0;
}

/* Records an absolute style sheet URL in meta for fetching, once each, up to DISCOVER_MAX_STYLESHEETS. */
static void add_stylesheet(struct discovery *d, const char *ref)
{
	struct page_meta *meta = d->meta;
	if (!meta || !ref || meta->stylesheet_count >= DISCOVER_MAX_STYLESHEETS)
		return;
	char *url = url_resolve(d->base, ref);
	if (!url || strncmp(url, "http", 4) != 0) {
		free(url);
		return;
	}
	for (size_t i = 0; i < meta->stylesheet_count; i++) {
		if (strcmp(meta->stylesheets[i], url) == 0) {
			free(url);
			return;
		}
	}
	if (!meta->stylesheets) {
		meta->stylesheets = calloc(DISCOVER_MAX_STYLESHEETS, sizeof *meta->stylesheets);
		if (!meta->stylesheets) {
			d->nomem = true;
			free(url);
			return;
		}
	}
	meta->stylesheets[meta->stylesheet_count++] = url;
}

static int css_import_found(void *ctx, const char *url)
{
	struct css_target *t = ctx;
	add_stylesheet(t->d, url);
	return t->d->nomem ? -1 : 0;
}

/* Adds the images CSS text names; its @import rules are recorded as style sheets to fetch. */
static void add_css(struct discovery *d, const char *css, size_t len, const char *kind)
{
	struct element_info info = {.alt = NULL, .width = -1, .height = -1, .utf8_query = true};
	struct css_target t = {d, &info, kind};
	if (css && cssurl_scan_imports(css, len, css_found, css_import_found, &t) == -1)
		d->nomem = true;
}

#define LAZY_COUNT (COUNT(lazy_src_attrs) + COUNT(lazy_srcset_attrs))

/* Returns the name of lazy-load attribute i: those of lazy_src_attrs, then of lazy_srcset_attrs. */
static const char *lazy_name(size_t i)
{
	return i < COUNT(lazy_src_attrs) ? lazy_src_attrs[i] : lazy_srcset_attrs[i - COUNT(lazy_src_attrs)];
}

/* The lazy-load attributes of one element, read in one pass over its attributes. */
struct lazy_attrs {
	const char *value[LAZY_COUNT];  /* by lazy_name() index; NULL when absent */
	bool any;
};

static void read_lazy_attrs(TidyNode node, struct lazy_attrs *lazy)
{
	memset(lazy, 0, sizeof *lazy);
	for (TidyAttr a = tidyAttrFirst(node); a; a = tidyAttrNext(a)) {
		const char *n = tidyAttrName(a);
		if (!n || strncasecmp(n, "data-", 5) != 0)
			continue;
		for (size_t i = 0; i < LAZY_COUNT; i++) {
			if (!lazy->value[i] && strcasecmp(n, lazy_name(i)) == 0) {
				lazy->value[i] = tidyAttrValue(a);
				lazy->any = lazy->any || lazy->value[i];
				break;
			}
		}
	}
}

/* Tells whether the element's lazy-load attributes name a non-data URL. */
static bool has_real_lazy_url(const struct lazy_attrs *lazy)
{
	for (size_t i = 0; lazy->any && i < LAZY_COUNT; i++) {
		const char *v = lazy->value[i];
		if (!v)
			continue;
		v += strspn(v, " \t\n\r\f");
		if (*v && strncasecmp(v, "data:", 5) != 0)
			return true;
	}
	return false;
}

/* Tells whether the path of a URL ends in one of extensions. */
static bool has_extension(const char *ref, const char *const *extensions, size_t count)
{
	size_t end = strcspn(ref, "?#");
	size_t dot = end;
	while (dot > 0 && ref[dot - 1] != '.' && ref[dot - 1] != '/')
		dot--;
	if (dot == 0 || ref[dot - 1] != '.')
		return false;
	size_t len = end - dot;
	for (size_t i = 0; i < count; i++) {
		if (strlen(extensions[i]) == len && strncasecmp(ref + dot, extensions[i], len) == 0)
			return true;
	}
	return false;
}

static bool has_image_extension(const char *ref)
{
	return has_extension(ref, image_extensions, COUNT(image_extensions));
}

/*
 * Adds the element's lazy-load attributes. On <img> and <source> any value
 * counts; elsewhere only values with an image extension or a data: image,
 * because data-src on other elements often names a page or a video.
 * A value written as url(...) is read as CSS.
 */
static void add_lazy(struct discovery *d, const struct lazy_attrs *lazy, const char *tag,
		     const struct element_info *info)
{
	bool image_element = strcasecmp(tag, "img") == 0 || strcasecmp(tag, "source") == 0;
	if (!lazy->any || in_names(tag, non_image_elements, COUNT(non_image_elements)))
		return;
	struct element_info li = *info;
	li.skip_data = false;
	for (size_t i = 0; i < COUNT(lazy_src_attrs); i++) {
		const char *v = lazy->value[i];
		if (!v)
			continue;
		const char *t = v + strspn(v, " \t\n\r\f");
		if (strncasecmp(t, "url(", 4) == 0) {
			add_css(d, t, strlen(t), "lazy");
			continue;
		}
		if (image_element || has_image_extension(t) || strncasecmp(t, "data:image/", 11) == 0)
			add_candidate(d, v, "lazy", &li, NULL);
	}
	for (size_t i = COUNT(lazy_src_attrs); i < LAZY_COUNT; i++)
		add_srcset(d, lazy->value[i], "lazy", &li);
}

/* Finds the alt text of the first <img> inside an element, looking at a bounded number of nodes. */
static const char *inner_img_alt(TidyNode node)
{
	int budget = 64;
	TidyNode n = tidyGetChild(node);
	while (n && budget-- > 0) {
		const char *name = tidyNodeGetName(n);
		if (name && strcasecmp(name, "img") == 0)
			return attr_value(n, "alt");
		TidyNode next = tidyGetChild(n);
		while (!next && n && n != node) {
			next = tidyGetNext(n);
			if (!next)
				n = tidyGetParent(n);
		}
		if (n == node)
			break;
		n = next;
	}
	return NULL;
}

/* Tells whether the whitespace-separated list of tokens contains token, ignoring case. */
static bool has_token(const char *list, const char *token)
{
	size_t len = strlen(token);
	while (list && *list) {
		list += strspn(list, " \t\n\r\f");
		size_t n = strcspn(list, " \t\n\r\f");
		if (n == len && strncasecmp(list, token, n) == 0)
			return true;
		list += n;
	}
	return false;
}

/*
 * Tells whether one of the whitespace-separated rel tokens names an icon:
 * "icon", or a token ending in "-icon" or "-icon-precomposed" such as
 * apple-touch-icon, mask-icon and fluid-icon. Favicon generators also write
 * android-icon and ms-icon, which browsers ignore but which name images.
 */
static bool rel_is_icon(const char *rel)
{
	static const char *const icon_suffixes[] = { "-icon", "-icon-precomposed" };
	while (rel && *rel) {
		rel += strspn(rel, " \t\n\r\f");
		size_t n = strcspn(rel, " \t\n\r\f");
		if (n == 4 && strncasecmp(rel, "icon", 4) == 0)
			return true;
		for (size_t i = 0; i < COUNT(icon_suffixes); i++) {
			size_t len = strlen(icon_suffixes[i]);
			if (n > len && strncasecmp(rel + n - len, icon_suffixes[i], len) == 0)
				return true;
		}
		rel += n;
	}
	return false;
}

/* Reads the first "WxH" of a link's sizes attribute into info. */
static void icon_size(const char *sizes, struct element_info *info)
{
	if (!sizes)
		return;
	long w = parse_dimension(sizes);
	const char *x = strpbrk(sizes, "xX");
	if (w >= 0 && x) {
		info->width = w;
		info->height = parse_dimension(x + 1);
	}
}

/* Tells whether a meta property, name or (when itemprop) itemprop value names an image. */
static bool meta_value_names_image(const char *v, bool itemprop)
{
	v += strspn(v, " \t\n\r\f");
	return in_names(v, meta_image_names, COUNT(meta_image_names)) ||
	       (itemprop && (strcasecmp(v, "image") == 0 || strcasecmp(v, "thumbnailUrl") == 0));
}

static void read_meta(struct discovery *d, TidyNode node, const struct element_info *info)
{
	const char *keys[] = {"property", "name", "itemprop"};
	for (size_t i = 0; i < COUNT(keys); i++) {
		const char *v = attr_value(node, keys[i]);
		if (!v)
			continue;
		if (meta_value_names_image(v, i == 2)) {
			add_candidate(d, attr_value(node, "content"), "meta", info, NULL);
			return;
		}
	}
}

static int jsonld_found(void *ctx, const char *url)
{
	struct discovery *d = ctx;
	struct element_info info = {.alt = NULL, .width = -1, .height = -1, .utf8_query = true};
	add_candidate(d, url, "meta", &info, NULL);
	return d->nomem ? -1 : 0;
}

/* Collects the text of a raw text element (<style> or <script>); the caller frees with tidyBufFree. */
static void node_text(TidyDoc doc, TidyNode node, TidyBuffer *text)
{
	tidyBufInit(text);
	for (TidyNode c = tidyGetChild(node); c; c = tidyGetNext(c)) {
		TidyNodeType t = tidyNodeGetType(c);
		if (t == TidyNode_Text || t == TidyNode_CDATA)
			tidyNodeGetValue(doc, c, text);
	}
}

static void read_script(struct discovery *d, TidyNode node)
{
	const char *type = attr_value(node, "type");
	if (!type)
		return;
	type += strspn(type, " \t\n\r\f");
	if (strncasecmp(type, "application/ld+json", 19) != 0)
		return;
	TidyBuffer text;
	node_text(d->doc, node, &text);
	if (text.size && jsonld_scan((const char *)text.bp, text.size, jsonld_found, d) == -1)
		d->nomem = true;
	tidyBufFree(&text);
}

static void read_img(struct discovery *d, TidyNode node, struct element_info *info)
{
	add_candidate(d, attr_value(node, "src"), "img", info, NULL);
	add_srcset(d, attr_value(node, "srcset"), "srcset", info);
}

/*
 * Reads a <link>: icons, image_src, preloaded images with their
 * imagesrcset, microdata itemprop=image, and the style sheets and manifest
 * to fetch later. Alternate style sheets are not applied, so not fetched.
 */
static void read_link(struct discovery *d, TidyNode node, struct element_info *info)
{
	const char *rel = attr_value(node, "rel");
	const char *href = attr_value(node, "href");
	if (rel_is_icon(rel)) {
		icon_size(attr_value(node, "sizes"), info);
		add_candidate(d, href, "icon", info, NULL);
	} else if (has_token(rel, "image_src")) {
		add_candidate(d, href, "meta", info, NULL);
	} else if (has_token(rel, "preload") && has_token(attr_value(node, "as"), "image")) {
		add_candidate(d, href, "preload", info, NULL);
		add_srcset(d, attr_value(node, "imagesrcset"), "preload", info);
	} else if (has_token(rel, "stylesheet") && !has_token(rel, "alternate")) {
		add_stylesheet(d, href);
	} else if (has_token(rel, "manifest") && d->meta && !d->meta->manifest_url && href) {
		char *url = url_resolve(d->base, href);
		if (url && strncmp(url, "http", 4) == 0)
			d->meta->manifest_url = url;
		else
			free(url);
	}
	if (has_token(attr_value(node, "itemprop"), "image"))
		add_candidate(d, href, "meta", info, NULL);
}

/* Reads <object data> and <embed src> when the type or the file extension names an image. */
static void read_embedded(struct discovery *d, TidyNode node, const char *tag,
			  const struct element_info *info)
{
	const char *ref = attr_value(node, strcasecmp(tag, "object") == 0 ? "data" : "src");
	const char *type = attr_value(node, "type");
	if (!ref)
		return;
	if ((type && strncasecmp(type + strspn(type, " \t\n\r\f"), "image/", 6) == 0) ||
	    has_image_extension(ref))
		add_candidate(d, ref, "embed", info, NULL);
}

/* The prefix of an exported SVG's data: URL. */
#define SVG_DATA_PREFIX "data:image/svg+xml;base64,"

/* The largest SVG document whose data: URL fits URL_DATA_MAX_LEN. */
#define SVG_MAX_BYTES ((URL_DATA_MAX_LEN - (sizeof SVG_DATA_PREFIX - 1)) / 4 * 3)

/* Returns the text the pre-pass set aside for an element, or NULL; *len gets its length. */
static const char *set_aside_text(const struct discovery *d, TidyNode node, size_t *len)
{
	const char *number = attr_value(node, HTMLPREP_TEXT_ATTR);
	if (!number)
		return NULL;
	char *end;
	unsigned long i = strtoul(number, &end, 10);
	if (*end != '\0' || i >= d->text_count)
		return NULL;
	*len = d->texts[i].len;
	return d->texts[i].text;
}

/*
 * Exports an inline <svg> element (not one nested in another) as a
 * standalone image: a base64 data: URL of kind svg, from the document the
 * pre-pass wrote (src/svgexport.c). An empty document was too large.
 */
static void read_inline_svg(struct discovery *d, TidyNode node, const struct element_info *info)
{
	size_t len = 0;
	const char *svg = set_aside_text(d, node, &len);
	if (!svg || len == 0 || len > SVG_MAX_BYTES)
		return;
	size_t prefix = sizeof SVG_DATA_PREFIX - 1;
	char *url = malloc(prefix + 4 * ((len + 2) / 3) + 1);
	if (!url) {
		d->nomem = true;
		return;
	}
	memcpy(url, SVG_DATA_PREFIX, prefix);
	EVP_EncodeBlock((unsigned char *)url + prefix, (const unsigned char *)svg, (int)len);
	add_candidate(d, url, "svg", info, NULL);
	free(url);
}

/* Tells whether ancestor contains node within a few levels. */
static bool contains_near(TidyNode ancestor, TidyNode node)
{
	TidyNode p = tidyGetParent(node);
	for (int level = 0; p && level < 4; level++, p = tidyGetParent(p)) {
		if (p == ancestor)
			return true;
	}
	return false;
}

/*
 * Returns the group of an element's candidates: the group of its <picture>
 * for a source or img in one, the group of the <a> around an img, else a
 * new one.
 */
static size_t element_group(struct discovery *d, TidyNode node, const char *tag)
{
	bool image = strcasecmp(tag, "img") == 0 || strcasecmp(tag, "source") == 0;
	if (image && d->picture && tidyGetParent(node) == d->picture)
		return d->picture_group;
	if (strcasecmp(tag, "img") == 0 && d->anchor && contains_near(d->anchor, node))
		return d->anchor_group;
	size_t group = ++d->last_group;
	if (strcasecmp(tag, "picture") == 0) {
		d->picture = node;
		d->picture_group = group;
	} else if (strcasecmp(tag, "a") == 0) {
		d->anchor = node;
		d->anchor_group = group;
	}
	return group;
}

/* Reads the CSS of a <style>: the text the pre-pass set aside, or the element's own. */
static void read_style(struct discovery *d, TidyNode node)
{
	size_t len = 0;
	const char *css = set_aside_text(d, node, &len);
	if (css) {
		add_css(d, css, len, "css");
		return;
	}
	TidyBuffer text;
	node_text(d->doc, node, &text);
	add_css(d, (const char *)text.bp, text.size, "css");
	tidyBufFree(&text);
}

/* Reads the images one element names; its children are walked by the caller. */
static void read_element(struct discovery *d, TidyNode node, const char *tag)
{
	struct lazy_attrs lazy;
	read_lazy_attrs(node, &lazy);
	struct element_info info = {
		.alt = attr_value(node, "alt"),
		.width = parse_dimension(attr_value(node, "width")),
		.height = parse_dimension(attr_value(node, "height")),
		.skip_data = false,
		.group = element_group(d, node, tag),
	};

	bool image = strcasecmp(tag, "img") == 0 || strcasecmp(tag, "source") == 0;
	/* On img and source, a real lazy URL makes a data: src a placeholder. */
	info.skip_data = image && has_real_lazy_url(&lazy);
	if (strcasecmp(tag, "img") == 0) {
		read_img(d, node, &info);
	} else if (strcasecmp(tag, "source") == 0) {
		TidyNode parent = tidyGetParent(node);
		const char *pname = parent ? tidyNodeGetName(parent) : NULL;
		add_srcset(d, attr_value(node, "srcset"), "source", &info);
		if (pname && strcasecmp(pname, "picture") == 0)
			add_candidate(d, attr_value(node, "src"), "source", &info, NULL);
	} else if (strcasecmp(tag, "meta") == 0) {
		read_meta(d, node, &info);
	} else if (strcasecmp(tag, "link") == 0) {
		read_link(d, node, &info);
	} else if (strcasecmp(tag, "object") == 0 || strcasecmp(tag, "embed") == 0) {
		read_embedded(d, node, tag, &info);
	} else if (strcasecmp(tag, "svg") == 0) {
		read_inline_svg(d, node, &info);
	} else if (strcasecmp(tag, "video") == 0) {
		add_candidate(d, attr_value(node, "poster"), "poster", &info, NULL);
	} else if (strcasecmp(tag, "input") == 0) {
		const char *type = attr_value(node, "type");
		if (type && strcasecmp(type, "image") == 0)
			add_candidate(d, attr_value(node, "src"), "input", &info, NULL);
	} else if (strcasecmp(tag, "image") == 0) {
		add_candidate(d, attr_value(node, "href"), "svg", &info, NULL);
		add_candidate(d, attr_value(node, "xlink:href"), "svg", &info, NULL);
	} else if (strcasecmp(tag, "a") == 0) {
		const char *href = attr_value(node, "href");
		if (href && has_image_extension(href)) {
			info.alt = inner_img_alt(node);
			add_candidate(d, href, "link", &info, NULL);
		}
	} else if (strcasecmp(tag, "style") == 0) {
		read_style(d, node);
	} else if (strcasecmp(tag, "script") == 0) {
		read_script(d, node);
	} else if (in_names(tag, (const char *const[]){"body", "table", "td", "th", "tr"}, 5)) {
		struct element_info plain = {.alt = NULL, .width = -1, .height = -1, .skip_data = false};
		add_candidate(d, attr_value(node, "background"), "css", &plain, NULL);
	}

	add_lazy(d, &lazy, tag, &info);
	const char *style = attr_value(node, "style");
	if (style)
		add_css(d, style, strlen(style), "css");
}

/* Visits every element in document order without recursion: tidy trees can be deep. */
static void walk(struct discovery *d, TidyNode root)
{
	TidyNode n = tidyGetChild(root);
	while (n && !d->nomem) {
		TidyNodeType type = tidyNodeGetType(n);
		const char *name = tidyNodeGetName(n);
		if ((type == TidyNode_Start || type == TidyNode_StartEnd) && name)
			read_element(d, n, name);

		TidyNode next = tidyGetChild(n);
		while (!next && n) {
			next = tidyGetNext(n);
			if (!next) {
				n = tidyGetParent(n);
				if (n == root)
					n = NULL;
			}
		}
		n = next;
	}
}

/* Finds the first element called tag in document order, or NULL. */
static TidyNode find_first(TidyNode root, const char *tag, const char *with_attr)
{
	TidyNode n = tidyGetChild(root);
	while (n) {
		const char *name = tidyNodeGetName(n);
		if (name && strcasecmp(name, tag) == 0 && (!with_attr || attr_value(n, with_attr)))
			return n;
		TidyNode next = tidyGetChild(n);
		while (!next && n) {
			next = tidyGetNext(n);
			if (!next) {
				n = tidyGetParent(n);
				if (n == root)
					n = NULL;
			}
		}
		n = next;
	}
	return NULL;
}

/* Returns the title text with whitespace runs collapsed, or NULL; the caller frees. */
static char *read_title(TidyDoc doc, TidyNode root)
{
	TidyNode title = find_first(root, "title", NULL);
	if (!title)
		return NULL;
	TidyBuffer text;
	node_text(doc, title, &text);
	struct buf out;
	buf_init(&out, TITLE_MAX);
	bool space = false;
	for (uint32_t i = 0; i < text.size; i++) {
		char c = (char)text.bp[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			space = out.len > 0;
			continue;
		}
		if ((space && buf_append_char(&out, ' ') != 0) || buf_append_char(&out, c) != 0)
			break;
		space = false;
	}
	tidyBufFree(&text);
	if (out.len == 0) {
		buf_free(&out);
		return NULL;
	}
	/* A title cut at TITLE_MAX must not end inside a UTF-8 sequence. */
	size_t keep = out.len;
	while (keep > 0 && ((unsigned char)out.data[keep - 1] & 0xc0) == 0x80)
		keep--;
	if (keep > 0 && (unsigned char)out.data[keep - 1] >= 0xc0 &&
	    utf8_sequence_length((const unsigned char *)out.data + keep - 1, out.len - keep + 1) == 0)
		keep--;
	else
		keep = out.len;
	out.data[keep] = '\0';
	out.len = keep;
	return buf_detach(&out, NULL);
}

/* Sets every tidy option discovery relies on. Returns the name of the option that failed, or NULL. */
static const char *configure(TidyDoc doc, TidyBuffer *errors)
{
	if (tidySetErrorBuffer(doc, errors) < 0)
		return "error buffer";
	if (!tidyOptSetBool(doc, TidyDropEmptyElems, no))
		return "drop-empty-elements";
	if (!tidyOptSetBool(doc, TidyDropEmptyParas, no))
		return "drop-empty-paras";
	if (!tidyOptSetInt(doc, TidyUseCustomTags, TidyCustomBlocklevel))
		return "custom-tags";
	if (!tidyOptSetInt(doc, TidyDuplicateAttrs, TidyKeepFirst))
		return "repeated-attributes";
	if (!tidyOptSetBool(doc, TidyFixUri, no))
		return "fix-uri";
	if (!tidyOptSetBool(doc, TidyFixBackslash, no))
		return "fix-backslash";
	if (!tidyOptSetBool(doc, TidyLiteralAttribs, yes))
		return "literal-attributes";
	if (!tidyOptSetBool(doc, TidyCoerceEndTags, no))
		return "coerce-endtags";
	if (!tidyOptSetBool(doc, TidyShowWarnings, no))
		return "show-warnings";
	if (!tidyOptSetInt(doc, TidyShowErrors, 0))
		return "show-errors";
	if (!tidyOptSetBool(doc, TidyQuiet, yes))
		return "quiet";
	/* Inline SVG is serialised with tidyNodeGetText: no line breaks inside attribute values. */
	if (!tidyOptSetInt(doc, TidyWrapLen, 0))
		return "wrap";
	if (!tidyOptSetBool(doc, TidyForceOutput, yes))
		return "force-output";
	if (tidySetInCharEncoding(doc, "utf8") != 0)
		return "input-encoding";
	return NULL;
}

/* Sets d->base and meta->base_url from the page URL and the first <base href>. */
static int choose_base(struct discovery *d, TidyNode root, const char *page,
		       struct page_meta *meta, char *err, size_t errlen)
{
	TidyNode base = find_first(root, "base", "href");
	d->base = base ? url_resolve_encoded(page, attr_value(base, "href"), d->url_encoding) : NULL;
	if (d->base && strncmp(d->base, "data:", 5) == 0) {
		free(d->base);
		d->base = NULL;
	}
	if (!d->base)
		d->base = strdup(page);
	if (!d->base) {
		snprintf(err, errlen, "Out of memory choosing the base URL.");
		return -1;
	}
	meta->base_url = strdup(d->base);
	if (!meta->base_url) {
		snprintf(err, errlen, "Out of memory choosing the base URL.");
		return -1;
	}
	return 0;
}

static int compare_names(const void *key, const void *member)
{
	return strcmp(key, *(const char *const *)member);
}

/* The handling element_matters() gives an element, by name. */
enum element_role {
	ROLE_OTHER,       /* kept for its style or lazy-load attributes only */
	ROLE_STRUCTURAL,  /* read whole: its attributes, what it contains or where it is */
	ROLE_META,
	ROLE_LINK,
	ROLE_SCRIPT,
	ROLE_ANCHOR,
	ROLE_INPUT,
	ROLE_NON_IMAGE,   /* lazy-load attributes name media or documents; style still counts */
};

struct element_role_entry {
	const char *name;
	enum element_role role;
};

/* Elements with a role other than ROLE_OTHER, sorted by name for bsearch. */
static const struct element_role_entry element_roles[] = {
	{"a", ROLE_ANCHOR}, {"audio", ROLE_STRUCTURAL}, {"base", ROLE_STRUCTURAL},
	{"body", ROLE_STRUCTURAL}, {"caption", ROLE_STRUCTURAL}, {"embed", ROLE_STRUCTURAL},
	{"frame", ROLE_NON_IMAGE}, {"head", ROLE_STRUCTURAL}, {"html", ROLE_STRUCTURAL},
	{"iframe", ROLE_NON_IMAGE}, {"img", ROLE_STRUCTURAL}, {"input", ROLE_INPUT},
	{"link", ROLE_LINK}, {"meta", ROLE_META}, {"noscript", ROLE_STRUCTURAL},
	{"object", ROLE_STRUCTURAL}, {"picture", ROLE_STRUCTURAL}, {"script", ROLE_SCRIPT},
	{"source", ROLE_STRUCTURAL}, {"style", ROLE_STRUCTURAL}, {"svg", ROLE_STRUCTURAL},
	{"table", ROLE_STRUCTURAL}, {"tbody", ROLE_STRUCTURAL}, {"td", ROLE_STRUCTURAL},
	{"template", ROLE_STRUCTURAL}, {"tfoot", ROLE_STRUCTURAL}, {"th", ROLE_STRUCTURAL},
	{"thead", ROLE_STRUCTURAL}, {"title", ROLE_STRUCTURAL}, {"tr", ROLE_STRUCTURAL},
	{"track", ROLE_NON_IMAGE}, {"video", ROLE_STRUCTURAL},
};

static int compare_role_names(const void *key, const void *member)
{
	return strcmp(key, ((const struct element_role_entry *)member)->name);
}

static enum element_role role_of(const char *name)
{
	const struct element_role_entry *e = bsearch(name, element_roles, COUNT(element_roles),
						      sizeof element_roles[0], compare_role_names);
	return e ? e->role : ROLE_OTHER;
}


/* Attributes that make any other element worth reading. */
static bool attribute_matters(const struct htmlprep_attr *a)
{
	if (a->name_len == 5 && strncasecmp(a->name, "style", 5) == 0)
		return true;
	if (a->name_len <= 5 || strncasecmp(a->name, "data-", 5) != 0)
		return false;
	for (size_t i = 0; i < LAZY_COUNT; i++) {
		const char *name = lazy_name(i);
		if (strlen(name) == a->name_len && strncasecmp(a->name, name, a->name_len) == 0)
			return true;
	}
	return false;
}

/* Attributes read_element() and the functions it calls read, besides the lazy-load ones; sorted for bsearch. */
static const char *const read_attributes[] = {
	"alt", "as", "background", "content", "data", "height", "href", "imagesrcset",
	"itemprop", "name", "poster", "property", "rel", "sizes", "src", "srcset", "style",
	"type", "width", "xlink:href",
};

/* The pre-pass's attribute_filter: keeps what discovery reads, drops class, id and the like. */
static bool is_read_attribute(const char *name, size_t len)
{
	char lower[16];
	if (len > 5 && strncasecmp(name, "data-", 5) == 0 && len < 32) {
		for (size_t i = 0; i < LAZY_COUNT; i++) {
			if (strlen(lazy_name(i)) == len && strncasecmp(name, lazy_name(i), len) == 0)
				return true;
		}
		return len == sizeof HTMLPREP_TEXT_ATTR - 1 &&
		       strncasecmp(name, HTMLPREP_TEXT_ATTR, len) == 0;
	}
	if (len >= sizeof lower)
		return false;
	for (size_t i = 0; i < len; i++)
		lower[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
	lower[len] = '\0';
	return bsearch(lower, read_attributes, COUNT(read_attributes), sizeof read_attributes[0],
		       compare_names) != NULL;
}

/*
 * Tells whether an attribute, if it is a style, may name an image: a style
 * without "url(" or "image-set(" names none, unless CSS escapes or
 * character references ("url&#40;") hide them.
 */
static bool style_may_reference(const struct htmlprep_attr *a)
{
	if (a->name_len != 5 || strncasecmp(a->name, "style", 5) != 0)
		return true;
	if (!a->value)
		return false;
	return memchr(a->value, '&', a->value_len) || cssurl_may_reference(a->value, a->value_len);
}

/* Returns the value of the attribute called name, or NULL; *len gets its length. */
static const char *prep_attr(const struct htmlprep_attr *attrs, size_t count, const char *name,
			     size_t *len)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < count; i++) {
		if (attrs[i].name_len == n && strncasecmp(attrs[i].name, name, n) == 0 && attrs[i].value) {
			*len = attrs[i].value_len;
			return attrs[i].value;
		}
	}
	return NULL;
}

/* Tells whether a <meta>, as written, names an image the way read_meta() reads it. */
static bool meta_names_image(const struct htmlprep_attr *attrs, size_t count)
{
	static const char *const keys[] = {"property", "name", "itemprop"};
	for (size_t k = 0; k < COUNT(keys); k++) {
		size_t len = 0;
		const char *v = prep_attr(attrs, count, keys[k], &len);
		char copy[64];
		if (!v)
			continue;
		/* Values with character references are rare enough to keep without looking. */
		if (len >= sizeof copy || memchr(v, '&', len))
			return true;
		memcpy(copy, v, len);
		copy[len] = '\0';
		if (meta_value_names_image(copy, k == 2))
			return true;
	}
	return false;
}

/* Tells whether read_link() reads anything of a <link>, as written: its rel or an itemprop. */
static bool link_matters(const struct htmlprep_attr *attrs, size_t count)
{
	static const char *const rels[] = {"image_src", "preload", "stylesheet", "manifest"};
	size_t len = 0;
	char copy[256];
	if (prep_attr(attrs, count, "itemprop", &len))
		return true;
	const char *rel = prep_attr(attrs, count, "rel", &len);
	if (!rel)
		return false;
	if (len >= sizeof copy || memchr(rel, '&', len))
		return true;
	memcpy(copy, rel, len);
	copy[len] = '\0';
	if (rel_is_icon(copy))
		return true;
	for (size_t i = 0; i < COUNT(rels); i++) {
		if (has_token(copy, rels[i]))
			return true;
	}
	return false;
}

/* Tells whether an attribute value, as written, names an image file; long values count. */
static bool value_has_image_extension(const char *value, size_t len)
{
	char copy[2048];
	if (len >= sizeof copy)
		return true;
	memcpy(copy, value, len);
	copy[len] = '\0';
	return has_image_extension(copy);
}

/*
 * The pre-pass filter: hands tidy only the elements read_element() reads
 * and the ones that place them (picture, a, tables, noscript, template).
 * An element that only carries a style or lazy-load attribute is kept as
 * its attributes alone.
 */
static enum htmlprep_keep element_matters(const char *name, const struct htmlprep_attr *attrs,
					  size_t count)
{
	size_t len = 0;
	const char *v;
	enum element_role role = role_of(name);
	switch (role) {
	case ROLE_STRUCTURAL:
		return HTMLPREP_KEEP;
	case ROLE_META:
		return meta_names_image(attrs, count) ? HTMLPREP_KEEP : HTMLPREP_DROP;
	case ROLE_LINK:
		return link_matters(attrs, count) ? HTMLPREP_KEEP : HTMLPREP_DROP;
	case ROLE_SCRIPT:
		v = prep_attr(attrs, count, "type", &len);
		return htmlprep_is_json_ld(v, len) ? HTMLPREP_KEEP : HTMLPREP_DROP;
	case ROLE_ANCHOR:
		v = prep_attr(attrs, count, "href", &len);
		if (v && value_has_image_extension(v, len))
			return HTMLPREP_KEEP;
		break;
	case ROLE_INPUT:
		v = prep_attr(attrs, count, "type", &len);
		if (v && len == 5 && strncasecmp(v, "image", 5) == 0)
			return HTMLPREP_KEEP;
		break;
	case ROLE_NON_IMAGE:
	case ROLE_OTHER:
		break;
	}
	for (size_t i = 0; i < count; i++) {
		if (!attribute_matters(&attrs[i]) || !style_may_reference(&attrs[i]))
			continue;
		/* Lazy-load attributes of media and frames are not read, but their style is. */
		if (role == ROLE_NON_IMAGE)
			return prep_attr(attrs, count, "style", &len) ? HTMLPREP_KEEP : HTMLPREP_DROP;
		return HTMLPREP_ATTRIBUTES;
	}
	return HTMLPREP_DROP;
}

/* The pre-pass's set_aside callback: keeps a copy of the text for read_style() and read_inline_svg(). */
static int keep_set_aside(void *ctx, const char *text, size_t len)
{
	struct discovery *d = ctx;
	if (d->text_count == d->text_cap) {
		size_t cap = d->text_cap ? d->text_cap * 2 : 16;
		struct set_aside *grown = realloc(d->texts, cap * sizeof *grown);
		if (!grown)
			return -1;
		d->texts = grown;
		d->text_cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	d->texts[d->text_count++] = (struct set_aside){.text = copy, .len = len};
	return 0;
}

/* Frees the texts the pre-pass set aside. */
static void free_set_aside(struct discovery *d)
{
	for (size_t i = 0; i < d->text_count; i++)
		free(d->texts[i].text);
	free(d->texts);
}

/* Parses the prepared text with tidy and walks it. */
static int parse_and_walk(struct discovery *d, const char *text, const char *page,
			  struct page_meta *meta, char *err, size_t errlen)
{
	TidyBuffer errors;
	tidyBufInit(&errors);
	d->doc = tidyCreate();
	int rc = -1;
	const char *failed = configure(d->doc, &errors);
	if (failed) {
		snprintf(err, errlen, "Setting the tidy option %s failed.", failed);
		goto done;
	}
	if (tidyParseString(d->doc, text) < 0) {
		snprintf(err, errlen, "tidy could not parse the page.");
		goto done;
	}
	TidyNode root = tidyGetRoot(d->doc);
	if (choose_base(d, root, page, meta, err, errlen) != 0)
		goto done;
	meta->title = read_title(d->doc, root);
	walk(d, root);
	if (d->nomem) {
		snprintf(err, errlen, "Out of memory after %zu images.", d->list->count);
		goto done;
	}
	rc = 0;
done:
	tidyBufFree(&errors);
	tidyRelease(d->doc);
	d->doc = NULL;
	return rc;
}

int discover_images(const char *html, size_t len, const char *page_url,
		    struct image_list *list, struct page_meta *meta,
		    char *err, size_t errlen)
{
	return discover_images_encoded(html, len, page_url, NULL, list, meta, err, errlen);
}

int discover_images_encoded(const char *html, size_t len, const char *page_url,
			    const char *encoding, struct image_list *list,
			    struct page_meta *meta, char *err, size_t errlen)
{
	struct discovery d = {.list = list, .meta = meta, .url_encoding = encoding};
	struct buf text;
	meta->title = NULL;
	meta->base_url = NULL;
	meta->stylesheets = NULL;
	meta->stylesheet_count = 0;
	meta->manifest_url = NULL;
	int rc = -1;

	char *page = url_join(NULL, page_url);
	if (!page || strncmp(page, "http", 4) != 0) {
		snprintf(err, errlen, "The page URL \"%.200s\" is not an absolute http or https URL.", page_url);
		free(page);
		return -1;
	}
	/*
	 * The pre-pass writes at most 6 bytes per input byte ('"' becomes
	 * "&quot;"), plus end tags and <span> wrappers, each shorter than
	 * twice the start tag it follows.
	 */
	buf_init(&text, len > SIZE_MAX / 8 - 64 ? SIZE_MAX : len * 8 + 64);
	const struct htmlprep_options options = {
		.max_depth = MAX_DEPTH,
		.max_elements = MAX_ELEMENTS,
		.max_attributes = MAX_ATTRIBUTES,
		.max_element_attributes = MAX_ELEMENT_ATTRIBUTES,
		.max_value_bytes = MAX_VALUE_BYTES,
		.filter = element_matters,
		.attribute_filter = is_read_attribute,
		.max_svg_bytes = SVG_MAX_BYTES,
		.set_aside = keep_set_aside,
		.set_aside_ctx = &d,
	};
	rc = html_prepare(html, len, &options, &text, err, errlen);
	if (rc != 0) {
		rc = rc == HTMLPREP_TOO_LARGE ? DISCOVER_TOO_LARGE : -1;
		goto done;
	}
	rc = parse_and_walk(&d, buf_cstr(&text), page, meta, err, errlen);
done:
	if (rc != 0)
		page_meta_free(meta);
	buf_free(&text);
	free(d.base);
	free(d.seen);
	free_set_aside(&d);
	free(page);
	return rc;
}

int discover_stylesheet(const char *css, size_t len, const char *css_url,
			struct image_list *list, struct page_meta *meta, char *err, size_t errlen)
{
	struct discovery d = {.list = list, .meta = meta};
	d.base = url_join(NULL, css_url);
	if (!d.base) {
		snprintf(err, errlen, "The style sheet URL \"%.200s\" is invalid.", css_url);
		return -1;
	}
	add_css(&d, css, len, "css");
	free(d.base);
	free(d.seen);
	if (d.nomem) {
		snprintf(err, errlen, "Out of memory reading the style sheet %.200s.", css_url);
		return -1;
	}
	return 0;
}

static int manifest_found(void *ctx, const char *url)
{
	struct discovery *d = ctx;
	struct element_info info = {.alt = NULL, .width = -1, .height = -1, .utf8_query = true};
	add_candidate(d, url, "icon", &info, NULL);
	return d->nomem ? -1 : 0;
}

int discover_manifest(const char *json, size_t len, const char *manifest_url,
		      struct image_list *list, char *err, size_t errlen)
{
	struct discovery d = {.list = list};
	d.base = url_join(NULL, manifest_url);
	if (!d.base) {
		snprintf(err, errlen, "The manifest URL \"%.200s\" is invalid.", manifest_url);
		return -1;
	}
	if (jsonld_scan_manifest(json, len, manifest_found, &d) == -1)
		d.nomem = true;
	free(d.base);
	free(d.seen);
	if (d.nomem) {
		snprintf(err, errlen, "Out of memory reading the manifest %.200s.", manifest_url);
		return -1;
	}
	return 0;
}

/* Reads a srcset descriptor: *w for "640w", *density for "2x"; a missing one means 1x. */
static void read_descriptor(const char *descriptor, long *w, double *density)
{
	*w = -1;
	*density = 1.0;
	if (!descriptor)
		return;
	char *end;
	double v = strtod(descriptor, &end);
	if (end == descriptor || v <= 0)
		return;
	if (*end == 'w')
		*w = (long)v;
	else if (*end == 'x')
		*density = v;
}

/* Compares candidates a and b of one group; positive when a is the better one. */
static int compare_candidates(const struct image *a, const struct image *b, long declared_width)
{
	long aw, bw;
	double ad, bd;
	read_descriptor(a->descriptor, &aw, &ad);
	read_descriptor(b->descriptor, &bw, &bd);
	if (aw < 0 && declared_width >= 0)
		aw = (long)(ad * (double)declared_width);
	if (bw < 0 && declared_width >= 0)
		bw = (long)(bd * (double)declared_width);
	if (aw != bw)
		return aw > bw ? 1 : -1;
	if (ad != bd)
		return ad > bd ? 1 : -1;
	return (strcmp(a->kind, "lazy") == 0) - (strcmp(b->kind, "lazy") == 0);
}

/* A candidate's place in the list, sorted by group to visit each group's members together. */
struct member {
	size_t group;
	size_t index;
};

static int compare_members(const void *x, const void *y)
{
	const struct member *a = x;
	const struct member *b = y;
	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return a->index < b->index ? -1 : (a->index > b->index);
}

/* Marks the best of the group whose members are order[from..to), in list order. */
static void mark_best(struct image *items, const struct member *order, size_t from, size_t to)
{
	long declared_width = -1;
	for (size_t i = from; i < to; i++) {
		if (items[order[i].index].width > declared_width)
			declared_width = items[order[i].index].width;
	}
	struct image *best = NULL;
	for (size_t i = from; i < to; i++) {
		struct image *img = &items[order[i].index];
		if (strcmp(img->kind, "original") == 0)
			continue;
		if (!best || compare_candidates(img, best, declared_width) > 0)
			best = img;
	}
	if (best)
		best->best = true;
}

/* Gives each candidate without a group one of its own, after the largest number in use. */
static void give_own_groups(struct image_list *list)
{
	size_t next = 0;
	for (size_t i = 0; i < list->count; i++) {
		if (list->items[i].group > next)
			next = list->items[i].group;
	}
	for (size_t i = 0; i < list->count; i++) {
		if (list->items[i].group == 0)
			list->items[i].group = ++next;
	}
}

/* Appends the likely original of each candidate so far in the candidate's group. */
static void add_originals(struct discovery *d)
{
	/* Originals are guesses: no room for them loses no image the page names. */
	bool truncated = d->list->truncated;
	size_t count = d->list->count;
	for (size_t i = 0; i < count && !d->nomem; i++) {
		const struct image *thumb = &d->list->items[i];
		char *guess = original_guess(thumb->url);
		if (!guess)
			continue;
		struct element_info info = {
			.alt = thumb->alt, .width = -1, .height = -1, .utf8_query = true, .group = thumb->group,
		};
		size_t before = d->list->count;
		add_candidate(d, guess, "original", &info, NULL);
		free(guess);
		if (d->list->count > before) {
			struct image *added = &d->list->items[before];
			added->thumbnail = dup_or_null(d->list->items[i].url, &d->nomem);
		}
	}
	d->list->truncated = truncated;
}

int discover_finish(struct image_list *list)
{
	struct discovery d = {.list = list};
	give_own_groups(list);
	add_originals(&d);
	free(d.seen);
	if (d.nomem)
		return -1;

	struct member *order = malloc((list->count + 1) * sizeof *order);
	size_t *renumber = NULL;
	size_t max_group = 0;
	for (size_t i = 0; i < list->count; i++) {
		if (list->items[i].group > max_group)
			max_group = list->items[i].group;
	}
	renumber = calloc(max_group + 1, sizeof *renumber);
	if (!order || !renumber) {
		free(order);
		free(renumber);
		return -1;
	}
	for (size_t i = 0; i < list->count; i++) {
		order[i] = (struct member){list->items[i].group, i};
		list->items[i].best = false;
	}
	qsort(order, list->count, sizeof *order, compare_members);
	for (size_t from = 0, to; from < list->count; from = to) {
		to = from + 1;
		while (to < list->count && order[to].group == order[from].group)
			to++;
		mark_best(list->items, order, from, to);
	}
	/* Number groups by first appearance. */
	size_t next = 0;
	for (size_t i = 0; i < list->count; i++) {
		size_t *g = &renumber[list->items[i].group];
		if (*g == 0)
			*g = ++next;
		list->items[i].group = *g;
	}
	free(order);
	free(renumber);
	return 0;
}

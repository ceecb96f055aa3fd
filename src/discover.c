/* Image discovery: walks the tidy-html5 tree of a page and lists every image its markup, CSS and structured data name. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <tidy/tidy.h>
#include <tidy/tidybuffio.h>

#include "buf.h"
#include "cssurl.h"
#include "discover.h"
#include "htmlprep.h"
#include "jsonld.h"
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
	"data-background", "data-background-image",
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

/* Elements whose lazy-load attributes name media or documents, not images. */
static const char *const non_image_elements[] = {
	"iframe", "script", "video", "audio", "embed", "object", "track", "frame",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The state of one discovery run. */
struct discovery {
	TidyDoc doc;
	struct image_list *list;
	char *base;
	size_t *seen;         /* hash table of list indexes plus one; 0 is empty */
	size_t seen_cap;      /* a power of two */
	bool nomem;
};

/* Image facts declared by the element being read. */
struct element_info {
	const char *alt;
	long width;
	long height;
	bool skip_data;       /* a lazy attribute contains the real URL */
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
	}
	free(list->items);
	image_list_init(list, list->max);
}

void page_meta_free(struct page_meta *meta)
{
	free(meta->title);
	free(meta->base_url);
	meta->title = NULL;
	meta->base_url = NULL;
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

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
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
	size_t cap = d->seen_cap ? d->seen_cap * 2 : 64;
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
	char *url = url_resolve(d->base, ref);
	if (!url)
		return;
	if (strncmp(url, "data:", 5) == 0) {
		if (info->skip_data || !wanted_data_url(url)) {
			free(url);
			return;
		}
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

static int css_found(void *ctx, const char *url)
{
	struct css_target *t = ctx;
	add_candidate(t->d, url, t->kind, t->info, NULL);
	return t->d->nomem ? -1 : 0;
}

static void add_css(struct discovery *d, const char *css, size_t len, const char *kind)
{
	struct element_info info = {.alt = NULL, .width = -1, .height = -1, .skip_data = false};
	struct css_target t = {d, &info, kind};
	if (css && cssurl_scan(css, len, css_found, &t) == -1)
		d->nomem = true;
}

/* Tells whether the element's lazy-load attributes name a non-data URL. */
static bool has_real_lazy_url(TidyNode node)
{
	for (size_t i = 0; i < COUNT(lazy_src_attrs) + COUNT(lazy_srcset_attrs); i++) {
		const char *name = i < COUNT(lazy_src_attrs) ? lazy_src_attrs[i]
							     : lazy_srcset_attrs[i - COUNT(lazy_src_attrs)];
		const char *v = attr_value(node, name);
		if (!v)
			continue;
		v += strspn(v, " \t\n\r\f");
		if (*v && strncasecmp(v, "data:", 5) != 0)
			return true;
	}
	return false;
}

/* Tells whether the path of a URL ends in an image file extension. */
static bool has_image_extension(const char *ref)
{
	size_t end = strcspn(ref, "?#");
	size_t dot = end;
	while (dot > 0 && ref[dot - 1] != '.' && ref[dot - 1] != '/')
		dot--;
	if (dot == 0 || ref[dot - 1] != '.')
		return false;
	size_t len = end - dot;
	for (size_t i = 0; i < COUNT(image_extensions); i++) {
		if (strlen(image_extensions[i]) == len && strncasecmp(ref + dot, image_extensions[i], len) == 0)
			return true;
	}
	return false;
}

/*
 * Adds the element's lazy-load attributes. On <img> and <source> any value
 * counts; elsewhere only values with an image extension or a data: image,
 * because data-src on other elements often names a page or a video.
 * A value written as url(...) is read as CSS.
 */
static void add_lazy(struct discovery *d, TidyNode node, const char *tag,
		     const struct element_info *info)
{
	bool image_element = strcasecmp(tag, "img") == 0 || strcasecmp(tag, "source") == 0;
	if (in_names(tag, non_image_elements, COUNT(non_image_elements)))
		return;
	struct element_info li = *info;
	li.skip_data = false;
	for (size_t i = 0; i < COUNT(lazy_src_attrs); i++) {
		const char *v = attr_value(node, lazy_src_attrs[i]);
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
	for (size_t i = 0; i < COUNT(lazy_srcset_attrs); i++)
		add_srcset(d, attr_value(node, lazy_srcset_attrs[i]), "lazy", &li);
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

/* Tells whether one of the whitespace-separated rel tokens names an icon. */
static bool rel_is_icon(const char *rel)
{
	static const char *const icon_rels[] = {
		"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon", "fluid-icon",
	};
	while (rel && *rel) {
		rel += strspn(rel, " \t\n\r\f");
		size_t n = strcspn(rel, " \t\n\r\f");
		for (size_t i = 0; i < COUNT(icon_rels); i++) {
			if (strlen(icon_rels[i]) == n && strncasecmp(rel, icon_rels[i], n) == 0)
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

static void read_meta(struct discovery *d, TidyNode node, const struct element_info *info)
{
	const char *keys[] = {"property", "name", "itemprop"};
	for (size_t i = 0; i < COUNT(keys); i++) {
		const char *v = attr_value(node, keys[i]);
		if (!v)
			continue;
		v += strspn(v, " \t\n\r\f");
		bool wanted = in_names(v, meta_image_names, COUNT(meta_image_names)) ||
			      (i == 2 && (strcasecmp(v, "image") == 0 || strcasecmp(v, "thumbnailUrl") == 0));
		if (wanted) {
			add_candidate(d, attr_value(node, "content"), "meta", info, NULL);
			return;
		}
	}
}

static int jsonld_found(void *ctx, const char *url)
{
	struct discovery *d = ctx;
	struct element_info info = {.alt = NULL, .width = -1, .height = -1, .skip_data = false};
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
	info->skip_data = has_real_lazy_url(node);
	add_candidate(d, attr_value(node, "src"), "img", info, NULL);
	add_srcset(d, attr_value(node, "srcset"), "srcset", info);
}

/* Reads the images one element names; its children are walked by the caller. */
static void read_element(struct discovery *d, TidyNode node, const char *tag)
{
	struct element_info info = {
		.alt = attr_value(node, "alt"),
		.width = parse_dimension(attr_value(node, "width")),
		.height = parse_dimension(attr_value(node, "height")),
		.skip_data = false,
	};

	if (strcasecmp(tag, "img") == 0) {
		read_img(d, node, &info);
	} else if (strcasecmp(tag, "source") == 0) {
		TidyNode parent = tidyGetParent(node);
		const char *pname = parent ? tidyNodeGetName(parent) : NULL;
		info.skip_data = has_real_lazy_url(node);
		add_srcset(d, attr_value(node, "srcset"), "source", &info);
		if (pname && strcasecmp(pname, "picture") == 0)
			add_candidate(d, attr_value(node, "src"), "source", &info, NULL);
	} else if (strcasecmp(tag, "meta") == 0) {
		read_meta(d, node, &info);
	} else if (strcasecmp(tag, "link") == 0) {
		const char *rel = attr_value(node, "rel");
		if (rel_is_icon(rel)) {
			icon_size(attr_value(node, "sizes"), &info);
			add_candidate(d, attr_value(node, "href"), "icon", &info, NULL);
		} else if (rel && strcasecmp(rel, "image_src") == 0) {
			add_candidate(d, attr_value(node, "href"), "meta", &info, NULL);
		}
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
		TidyBuffer text;
		node_text(d->doc, node, &text);
		add_css(d, (const char *)text.bp, text.size, "css");
		tidyBufFree(&text);
	} else if (strcasecmp(tag, "script") == 0) {
		read_script(d, node);
	} else if (in_names(tag, (const char *const[]){"body", "table", "td", "th", "tr"}, 5)) {
		struct element_info plain = {.alt = NULL, .width = -1, .height = -1, .skip_data = false};
		add_candidate(d, attr_value(node, "background"), "css", &plain, NULL);
	}

	add_lazy(d, node, tag, &info);
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
	/* NOTE: a title cut at TITLE_MAX may end inside a UTF-8 sequence. */
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
	d->base = base ? url_resolve(page, attr_value(base, "href")) : NULL;
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
	struct discovery d = {.list = list};
	struct buf text;
	meta->title = NULL;
	meta->base_url = NULL;
	int rc = -1;

	char *page = url_join(NULL, page_url);
	if (!page || strncmp(page, "http", 4) != 0) {
		snprintf(err, errlen, "The page URL \"%.200s\" is not an absolute http or https URL.", page_url);
		free(page);
		return -1;
	}
	/* The pre-pass output grows only by "&amp;" rewrites: at most 5 bytes per input byte. */
	buf_init(&text, len > SIZE_MAX / 5 - 1 ? SIZE_MAX : len * 5 + 1);
	if (html_prepare(html, len, MAX_DEPTH, &text, err, errlen) != 0)
		goto done;
	rc = parse_and_walk(&d, buf_cstr(&text), page, meta, err, errlen);
done:
	if (rc != 0)
		page_meta_free(meta);
	buf_free(&text);
	free(d.base);
	free(d.seen);
	free(page);
	return rc;
}

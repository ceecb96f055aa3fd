/* Linear pre-pass over raw HTML before tidy-html5: page bounds, the filter's choice of elements, browser-like tags. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "htmlprep.h"
#include "svgexport.h"

/*
 * Size of the table of element names, which starts with every name tidy
 * has. Once it is half full, further names share slot 0, which has no
 * name, no rule and no end tag.
 */
#define NAME_SLOTS 1024
#define NAME_MAX_LEN 32

/* Maximum attributes kept per element, whatever the options set. */
#define ATTRS_MAX 1024

/* Facts about an element name. */
enum name_flag {
	NAME_VOID = 1u << 0,        /* no content, no end tag */
	NAME_RAW_TEXT = 1u << 1,    /* content is text up to the matching end tag */
	NAME_FORMATTING = 1u << 2,  /* reopened after an end tag that closes it from outside */
	NAME_FOREIGN = 1u << 3,     /* svg or math: self-closing tags count */
	NAME_SVG = 1u << 4,
	NAME_TIDY_DROPS = 1u << 5,  /* tidy would drop the element with its attributes */
	NAME_INTEGRATION = 1u << 6, /* in SVG or MathML, its content is HTML again */
	NAME_BREAKOUT = 1u << 7,    /* its start tag ends the SVG or MathML it appears in */
};

struct name_slot {
	char name[NAME_MAX_LEN + 1];
	size_t open;        /* how many elements of this name are open */
	unsigned flags;     /* enum name_flag */
	unsigned triggers;  /* implied-close rules a start tag of this name applies */
	unsigned targets;   /* rules that close an element of this name */
	unsigned bounds;    /* rules whose search stops at an element of this name */
	bool used;
};

struct open_element {
	size_t slot;
	bool written;       /* its start tag is in the output, so its end tag must follow */
	bool prefixed;      /* written with UNKNOWN_PREFIX */
	bool exported;      /* part of the SVG being exported, as svg_state records */
	bool export_root;   /* the <svg> whose export ends with it */
	bool foreign;       /* in the SVG or MathML namespace */
	bool integration;   /* foreign, but the HTML parser reads its content as HTML */
	enum svg_start svg_state;
};

struct prep {
	const char *p;
	const char *end;
	struct buf *out;
	const struct htmlprep_options *opt;
	struct open_element *stack;  /* open elements, outermost first */
	size_t depth;
	struct name_slot *slots;
	size_t slot_count;
	size_t foreign;     /* open svg and math elements */
	struct svg_export svg;  /* the inline SVG being exported, while exporting */
	bool exporting;
	size_t set_aside;   /* texts handed to the set_aside callback so far */
	struct htmlprep_attr *attrs;
	size_t max_attrs;
	size_t elements;    /* start tags read so far */
	size_t attributes;  /* attributes read so far, dropped ones included */
	bool too_deep;
	bool too_many_elements;
	bool too_many_attributes;
};

/* One start tag as read from the page; its attributes are in prep.attrs. */
struct tag {
	char name[NAME_MAX_LEN + 1];  /* lower-cased; empty when the name is longer */
	const char *raw;              /* the name as written */
	size_t raw_len;
	size_t attr_count;
	bool self_closing;
	const char *type;             /* value of the type attribute, or NULL */
	size_t type_len;
	bool complete;                /* ends with ">" before the end of the input */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static const char void_elements[] =
	"area base br col embed hr img image input link meta source track wbr "
	"param keygen frame basefont bgsound";
static const char raw_text_elements[] =
	"script style textarea title xmp iframe noembed noframes";
static const char formatting_elements[] =
	"a b big code em font i nobr s small strike strong tt u";
/* WHATWG HTML 13.2.6.5: elements whose content the HTML parser reads as HTML inside SVG or MathML. */
static const char integration_elements[] = "foreignobject desc title mi mo mn ms mtext";
/*
 * WHATWG HTML 13.2.6.5: start tags that end the SVG or MathML they appear
 * in, so "<svg><img>" puts the img after the svg; <font> only with a
 * color, face or size attribute (see breaks_out).
 */
static const char breakout_elements[] =
	"b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i "
	"img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt "
	"u ul var";

#define BLOCK_ELEMENTS \
	"address article aside blockquote details div dl fieldset figcaption " \
	"figure footer form h1 h2 h3 h4 h5 h6 header hr main menu nav ol p pre " \
	"section table ul"

/* Scope boundaries, simplified from the standard's default and button scopes. */
#define DEFAULT_SCOPE "html table td th caption object template marquee applet button"

/*
 * An end tag a start tag implies: a start tag named in triggers closes the
 * innermost open element named in targets, with everything inside it,
 * unless an element named in bounds is open inside it first (WHATWG HTML,
 * "has an element in scope"). Rules apply in this order.
 */
struct implied_close {
	const char *triggers;
	const char *targets;
	const char *bounds;
};

static const struct implied_close implied_close_rules[] = {
	{BLOCK_ELEMENTS " li dt dd", "p", DEFAULT_SCOPE},
	{"li", "li", DEFAULT_SCOPE " ul ol menu"},
	{"dt dd", "dt dd", DEFAULT_SCOPE " dl"},
	{"option", "option", "select datalist optgroup"},
	{"optgroup", "option optgroup", "select datalist"},
	{"tr", "tr", "table thead tbody tfoot"},
	{"td th", "td th", "table tr"},
	{"thead tbody tfoot", "thead tbody tfoot", "table"},
	{"rb rt rp rtc", "rb rt rp", "ruby"},
	/* The adoption agency algorithm ends an open <a> or <nobr> before a new one. */
	{"a", "a", DEFAULT_SCOPE},
	{"nobr", "nobr", DEFAULT_SCOPE},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* How far down the stack an implied end tag is looked for, which keeps the pass linear. */
#define IMPLIED_SEARCH 64

/*
 * Element names tidy-html5 5.6 keeps, sorted for bsearch: the WHATWG HTML
 * elements, obsolete ones and tidy's proprietary ones. tidy drops any other
 * element without a hyphen together with its attributes, where browsers keep
 * it as an unknown element, so the pass renames those (see write_start_tag).
 */
static const char *const known_elements[] = {
	"a", "abbr", "acronym", "address", "applet", "area", "article", "aside",
	"audio", "b", "base", "basefont", "bdi", "bdo", "bgsound", "big", "blink",
	"blockquote", "body", "br", "button", "canvas", "caption", "center", "cite",
	"code", "col", "colgroup", "command", "comment", "data", "datalist", "dd",
	"del", "details", "dfn", "dialog", "dir", "div", "dl", "dt", "em", "embed",
	"fieldset", "figcaption", "figure", "font", "footer", "form", "frame",
	"frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup",
	"hr", "html", "i", "iframe", "ilayer", "image", "img", "input", "ins",
	"isindex", "kbd", "keygen", "label", "layer", "legend", "li", "link",
	"listing", "main", "map", "mark", "marquee", "math", "menu", "menuitem",
	"meta", "meter", "multicol", "nav", "nextid", "nobr", "noembed", "noframes",
	"nolayer", "nosave", "noscript", "object", "ol", "optgroup", "option",
	"output", "p", "param", "picture", "plaintext", "pre", "progress", "q", "rb",
	"rbc", "rp", "rt", "rtc", "ruby", "s", "samp", "script", "search", "section",
	"select", "server", "servlet", "slot", "small", "source", "spacer", "span",
	"strike", "strong", "style", "sub", "summary", "sup", "svg", "table", "tbody",
	"td", "template", "textarea", "tfoot", "th", "thead", "time", "title", "tr",
	"track", "tt", "u", "ul", "var", "video", "wbr", "xmp",
};

static int compare_names(const void *key, const void *member)
{
	return strcmp(key, *(const char *const *)member);
}

/* Prefix given to element names tidy would drop; a hyphen makes them custom elements. */
#define UNKNOWN_PREFIX "ig-"

/* Tells whether tidy drops an element of this lower-cased name outside SVG and MathML. */
static bool dropped_by_tidy(const char *name)
{
	if (strchr(name, '-'))
		return false;
	return !bsearch(name, known_elements, COUNT(known_elements), sizeof known_elements[0],
			compare_names);
}

/* Sets the flags of a name added while reading a page, which is in none of the lists below. */
static void classify(struct name_slot *s)
{
	s->flags = dropped_by_tidy(s->name) ? NAME_TIDY_DROPS : 0;
}

static uint32_t hash_name(const char *name)
{
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/* Returns the slot of name, adding it when there is room; 0 when it is not there. */
static size_t slot_of(struct prep *pr, const char *name, bool add)
{
	if (!*name)
		return 0;
	size_t i = hash_name(name) % NAME_SLOTS;
	for (size_t probes = 0; probes < NAME_SLOTS; probes++) {
		struct name_slot *s = &pr->slots[i];
		if (s->used && strcmp(s->name, name) == 0)
			return i;
		if (!s->used) {
			if (!add || pr->slot_count + 1 >= NAME_SLOTS / 2)
				return 0;
			s->used = true;
			snprintf(s->name, sizeof s->name, "%s", name);
			classify(s);
			pr->slot_count++;
			return i;
		}
		i = (i + 1) % NAME_SLOTS;
	}
	return 0;
}

/* Appends bytes without NULs. */
static int emit(struct prep *pr, const char *from, const char *to)
{
	while (from < to) {
		const char *nul = memchr(from, '\0', (size_t)(to - from));
		const char *stop = nul ? nul : to;
		if (buf_append(pr->out, from, (size_t)(stop - from)) != 0)
			return -1;
		from = nul ? nul + 1 : to;
	}
	return 0;
}

static int emit_end_tag(struct prep *pr, const struct open_element *e)
{
	if (buf_append_str(pr->out, "</") != 0 ||
	    (e->prefixed && buf_append_str(pr->out, UNKNOWN_PREFIX) != 0) ||
	    buf_append_str(pr->out, pr->slots[e->slot].name) != 0)
		return -1;
	return buf_append_char(pr->out, '>');
}

/* Counts an element in or out of the open ones it belongs to. */
static void count_open(struct prep *pr, const struct open_element *e, int delta)
{
	pr->slots[e->slot].open += (size_t)delta;
	if (pr->slots[e->slot].flags & NAME_FOREIGN)
		pr->foreign += (size_t)delta;
}

/* Hands the finished SVG document to the caller: empty when it grew too large. */
static int finish_export(struct prep *pr)
{
	struct svg_export *svg = &pr->svg;
	size_t len = svg->too_large ? 0 : svg->out.len;
	int rc = pr->opt->set_aside(pr->opt->set_aside_ctx, len ? svg->out.data : "", len);
	svg_export_free(svg);
	pr->exporting = false;
	pr->set_aside++;
	return rc;
}

/* Writes what ends an element that leaves the stack: its end tag in the output and in the SVG export. */
static int end_element(struct prep *pr, const struct open_element *e)
{
	if (e->exported && pr->exporting &&
	    svg_export_end(&pr->svg, pr->slots[e->slot].name, e->svg_state) != 0)
		return -1;
	if (e->export_root && pr->exporting && finish_export(pr) != 0)
		return -1;
	return e->written ? emit_end_tag(pr, e) : 0;
}

/* Takes the innermost element off the stack and ends it. */
static int pop(struct prep *pr)
{
	struct open_element *e = &pr->stack[--pr->depth];
	count_open(pr, e, -1);
	return end_element(pr, e);
}

/* Applies rule i of implied_close_rules before a start tag. */
static int apply_implied_close(struct prep *pr, size_t rule)
{
	unsigned bit = 1u << rule;
	for (size_t i = pr->depth, seen = 0; i > 0 && seen < IMPLIED_SEARCH; i--, seen++) {
		const struct name_slot *open = &pr->slots[pr->stack[i - 1].slot];
		if (open->targets & bit) {
			while (pr->depth >= i) {
				if (pop(pr) != 0)
					return -1;
			}
			return 0;
		}
		if (open->bounds & bit)
			return 0;
	}
	return 0;
}

/* Closes what a start tag of this slot implies, before the tag is written. */
static int close_implied(struct prep *pr, size_t slot)
{
	unsigned triggers = pr->slots[slot].triggers;
	for (size_t i = 0; triggers && i < COUNT(implied_close_rules); i++) {
		if ((triggers & (1u << i)) && apply_implied_close(pr, i) != 0)
			return -1;
	}
	return 0;
}

/* Tells whether the current node is an SVG or MathML element whose content is not HTML. */
static bool in_foreign_content(const struct prep *pr)
{
	if (pr->depth == 0)
		return false;
	const struct open_element *top = &pr->stack[pr->depth - 1];
	return top->foreign && !top->integration;
}

/*
 * Ends the open SVG and MathML elements down to the nearest HTML element
 * or integration point, as the HTML parser does before a start tag that
 * breaks out of foreign content, or a </p> or </br> in it.
 */
static int leave_foreign_content(struct prep *pr)
{
	while (in_foreign_content(pr)) {
		if (pop(pr) != 0)
			return -1;
	}
	return 0;
}

/* Pushes an element on the stack with its namespace, or marks the page too deep. */
static void open_element(struct prep *pr, const struct open_element *e)
{
	if (pr->depth == pr->opt->max_depth) {
		pr->too_deep = true;
		return;
	}
	unsigned flags = pr->slots[e->slot].flags;
	bool foreign = (flags & NAME_FOREIGN) || in_foreign_content(pr);
	pr->stack[pr->depth] = *e;
	pr->stack[pr->depth].foreign = foreign;
	pr->stack[pr->depth].integration = foreign && !(flags & NAME_FOREIGN) &&
					   (flags & NAME_INTEGRATION);
	count_open(pr, &pr->stack[pr->depth++], +1);
}

/*
 * Closes the innermost open element of this slot and ends what it closes;
 * ignores a stray end tag. Outside SVG and MathML, formatting elements
 * open inside it stay open: browsers reopen them after the end tag, so
 * "<b><i></b>" repeated nests ever deeper.
 */
static int close_element(struct prep *pr, size_t slot)
{
	if (slot == 0 || pr->slots[slot].open == 0)
		return 0;
	bool reopen = pr->foreign == 0;
	size_t target = pr->depth;
	while (target > 0 && pr->stack[target - 1].slot != slot)
		target--;
	/* stack[target - 1] is the element closed; those above it close too, but for formatting ones. */
	for (size_t i = pr->depth; i >= target; i--) {
		const struct open_element *e = &pr->stack[i - 1];
		bool stays = reopen && i > target && (pr->slots[e->slot].flags & NAME_FORMATTING);
		if (!stays && end_element(pr, e) != 0)
			return -1;
	}
	count_open(pr, &pr->stack[target - 1], -1);
	size_t kept = 0;
	for (size_t i = target; i < pr->depth; i++) {
		struct open_element e = pr->stack[i];
		if (reopen && (pr->slots[e.slot].flags & NAME_FORMATTING))
			pr->stack[target - 1 + kept++] = e;
		else
			count_open(pr, &e, -1);
	}
	pr->depth = target - 1 + kept;
	return 0;
}

/*
 * Appends an attribute value between double quotes, writing '"' as
 * "&quot;" and "&" as "&amp;" where it starts "name=".
 */
static int emit_value(struct prep *pr, const char *from, const char *to)
{
	const char *copied = from;
	for (const char *p = from; p < to; p++) {
		const char *entity = NULL;
		if (*p == '"') {
			entity = "&quot;";
		} else if (*p == '&' && p + 1 < to && is_alpha(p[1])) {
			const char *q = p + 1;
			while (q < to && is_alnum(*q))
				q++;
			if (q < to && *q == '=')
				entity = "&amp;";
		}
		if (!entity)
			continue;
		if (emit(pr, copied, p) != 0 || buf_append_str(pr->out, entity) != 0)
			return -1;
		copied = p + 1;
	}
	return emit(pr, copied, to);
}

/*
 * Reads an element name into name, in lower case. name is "" when the name
 * is longer than NAME_MAX_LEN or has a NUL byte: the HTML tokenizer turns a
 * NUL into U+FFFD, so "<style\0>" matches no known element.
 */
static const char *read_name(const char *p, const char *end, char *name)
{
	size_t n = 0;
	bool fits = true;
	while (p < end && !is_space(*p) && *p != '/' && *p != '>') {
		if (n < NAME_MAX_LEN && *p != '\0')
			name[n++] = lower(*p);
		else
			fits = false;
		p++;
	}
	name[fits ? n : 0] = '\0';
	return p;
}

/* Records an attribute the element keeps. */
static void keep_attribute(struct prep *pr, struct tag *tag, const struct htmlprep_attr *a)
{
	size_t marker = sizeof HTMLPREP_TEXT_ATTR - 1;
	if (a->name_len == marker && strncasecmp(a->name, HTMLPREP_TEXT_ATTR, marker) == 0)
		return;
	if (tag->attr_count < pr->max_attrs)
		pr->attrs[tag->attr_count++] = *a;
	if (a->name_len == 4 && strncasecmp(a->name, "type", 4) == 0 && a->value && !tag->type) {
		tag->type = a->value;
		tag->type_len = a->value_len;
	}
}

/* Reads one attribute value at p (after "=" and spaces); sets its bounds and returns where it ends. */
static const char *read_value(const char *p, const char *end, struct htmlprep_attr *a)
{
	if (p < end && (*p == '"' || *p == '\'')) {
		const char *close = memchr(p + 1, *p, (size_t)(end - p - 1));
		a->value = p + 1;
		a->value_len = (size_t)((close ? close : end) - a->value);
		return close ? close + 1 : end;
	}
	a->value = p;
	while (p < end && !is_space(*p) && *p != '>')
		p++;
	a->value_len = (size_t)(p - a->value);
	return p;
}

/*
 * Reads a start tag at pr->p ("<" and a letter) into tag and pr->attrs and
 * leaves pr->p after it. Attributes past the limit per element, and values
 * longer than the limit, are left out: tidy-html5 compares each attribute
 * with every earlier one of its element (quadratic time), and long values
 * only cost memory.
 */
static void read_start_tag(struct prep *pr, struct tag *tag)
{
	const char *end = pr->end;
	tag->raw = pr->p + 1;
	const char *p = read_name(tag->raw, end, tag->name);
	tag->raw_len = (size_t)(p - tag->raw);
	tag->attr_count = 0;
	tag->self_closing = false;
	tag->type = NULL;
	size_t seen = 0;
	while (p < end && *p != '>') {
		if (is_space(*p) || *p == '/') {
			tag->self_closing = *p == '/' && p + 1 < end && p[1] == '>';
			p++;
			continue;
		}
		struct htmlprep_attr a = {.name = p++};
		pr->attributes++;
		while (p < end && !is_space(*p) && *p != '/' && *p != '>' && *p != '=')
			p++;
		a.name_len = (size_t)(p - a.name);
		while (p < end && is_space(*p))
			p++;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_space(*p))
				p++;
			p = read_value(p, end, &a);
		}
		if (++seen <= pr->opt->max_element_attributes &&
		    (!a.value || a.value_len <= pr->opt->max_value_bytes))
			keep_attribute(pr, tag, &a);
	}
	tag->complete = p < end;
	pr->p = p < end ? p + 1 : end;
}

/*
 * Writes a start tag under the given name (NULL: the name as written, with
 * its prefix if any): the attributes attribute_filter accepts, then extra
 * when not NULL, and " /" when self-closing in SVG or MathML.
 */
static int write_start_tag(struct prep *pr, const struct tag *tag, const char *name, bool prefixed,
			   const char *extra)
{
	int rc = buf_append_char(pr->out, '<');
	if (prefixed)
		rc |= buf_append_str(pr->out, UNKNOWN_PREFIX);
	rc |= name ? buf_append_str(pr->out, name) : emit(pr, tag->raw, tag->raw + tag->raw_len);
	for (size_t i = 0; i < tag->attr_count && rc == 0; i++) {
		const struct htmlprep_attr *a = &pr->attrs[i];
		if (!pr->opt->attribute_filter(a->name, a->name_len))
			continue;
		rc |= buf_append_char(pr->out, ' ');
		rc |= emit(pr, a->name, a->name + a->name_len);
		if (a->value) {
			rc |= buf_append_str(pr->out, "=\"");
			rc |= emit_value(pr, a->value, a->value + a->value_len);
			rc |= buf_append_char(pr->out, '"');
		}
	}
	if (extra)
		rc |= buf_append_str(pr->out, extra);
	if (tag->self_closing && pr->foreign)
		rc |= buf_append_str(pr->out, " /");
	rc |= buf_append_char(pr->out, '>');
	return rc ? -1 : 0;
}

/* Formats the attribute that numbers the next text set aside. */
static const char *aside_marker(const struct prep *pr, char *out, size_t outlen)
{
	snprintf(out, outlen, " " HTMLPREP_TEXT_ATTR "=\"%zu\"", pr->set_aside);
	return out;
}

/* Finds the end tag "</name" that closes a raw text element, or the end of input. */
static const char *find_end_tag(const char *p, const char *end, const char *name)
{
	size_t len = strlen(name);
	while (end - p >= (ptrdiff_t)(2 + len)) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt || end - lt < (ptrdiff_t)(2 + len))
			break;
		const char *after = lt + 2 + len;
		if (lt[1] == '/' && strncasecmp(lt + 2, name, len) == 0 &&
		    (after == end || is_space(*after) || *after == '/' || *after == '>'))
			return lt;
		p = lt + 1;
	}
	return end;
}

bool htmlprep_is_json_ld(const char *type, size_t len)
{
	static const char want[] = "application/ld+json";
	if (!type)
		return false;
	while (len && is_space(*type)) {
		type++;
		len--;
	}
	while (len && is_space(type[len - 1]))
		len--;
	return len == sizeof want - 1 && strncasecmp(type, want, len) == 0;
}

static bool is_json_ld(const struct tag *tag)
{
	return htmlprep_is_json_ld(tag->type, tag->type_len);
}

/*
 * Decides what becomes of a start tag outside an exported SVG. An element
 * whose name has no slot cannot be closed by name, so it is never kept
 * whole.
 */
static enum htmlprep_keep choose(struct prep *pr, const struct tag *tag, size_t slot)
{
	enum htmlprep_keep keep = pr->opt->filter(tag->name, pr->attrs, tag->attr_count);
	return keep == HTMLPREP_KEEP && !slot ? HTMLPREP_ATTRIBUTES : keep;
}

/*
 * Appends the text of a <title> with "<" written as "&lt;": tidy-html5
 * reads tags in a title, browsers read text up to </title>.
 */
static int emit_title_text(struct prep *pr, const char *from, const char *to)
{
	while (from < to) {
		const char *lt = memchr(from, '<', (size_t)(to - from));
		const char *stop = lt ? lt : to;
		if (emit(pr, from, stop) != 0 || (lt && buf_append_str(pr->out, "&lt;") != 0))
			return -1;
		from = lt ? lt + 1 : to;
	}
	return 0;
}

/*
 * Writes a kept raw text element whole: its start tag, its text and its
 * end tag. The CSS of a <style> outside SVG and MathML is set aside, and
 * only <title>, JSON-LD and other <style> text is written: tidy-html5
 * reads tags in the text of an <iframe> or <xmp>, where browsers see none.
 * pr->p is after the start tag; close is where the end tag starts.
 */
static int write_raw_text(struct prep *pr, const struct tag *tag, const char *close, bool prefixed)
{
	char extra[64];
	bool style = strcmp(tag->name, "style") == 0;
	bool aside = !pr->foreign && style;
	bool verbatim = style || (strcmp(tag->name, "script") == 0 && is_json_ld(tag));
	if (write_start_tag(pr, tag, NULL, prefixed, aside ? aside_marker(pr, extra, sizeof extra) : NULL) != 0)
		return -1;
	int rc = 0;
	if (aside) {
		rc = pr->opt->set_aside(pr->opt->set_aside_ctx, pr->p, (size_t)(close - pr->p));
		pr->set_aside++;
	} else if (verbatim) {
		rc = emit(pr, pr->p, close);
	} else if (strcmp(tag->name, "title") == 0) {
		rc = emit_title_text(pr, pr->p, close);
	}
	if (rc != 0)
		return -1;
	return buf_printf(pr->out, "</%s>", tag->name) < 0 ? -1 : 0;
}

/* Writes a raw text element inside an exported SVG into the export only; scripts are left out. */
static int export_raw_text(struct prep *pr, const struct tag *tag, const char *close)
{
	enum svg_start state;
	if (svg_export_start(&pr->svg, tag->raw, tag->raw_len, pr->attrs, tag->attr_count, false,
			     &state) != 0)
		return -1;
	if (state == SVG_WRITTEN && svg_export_text(&pr->svg, pr->p, (size_t)(close - pr->p)) != 0)
		return -1;
	return svg_export_end(&pr->svg, tag->name, state);
}

/* Handles a raw text element, written, exported or neither, and leaves pr->p after its end tag. */
static int handle_raw_text(struct prep *pr, const struct tag *tag, bool written, bool prefixed)
{
	const char *close = find_end_tag(pr->p, pr->end, tag->name);
	if (pr->exporting && export_raw_text(pr, tag, close) != 0)
		return -1;
	if (!pr->exporting && written && write_raw_text(pr, tag, close, prefixed) != 0)
		return -1;
	pr->p = close;
	if (close < pr->end) {
		const char *gt = memchr(close, '>', (size_t)(pr->end - close));
		pr->p = gt ? gt + 1 : pr->end;
	}
	return 0;
}

/* Reads a start tag and counts it against the page's limits. */
static void read_counted_tag(struct prep *pr, struct tag *tag)
{
	read_start_tag(pr, tag);
	if (++pr->elements > pr->opt->max_elements)
		pr->too_many_elements = true;
	if (pr->attributes > pr->opt->max_attributes)
		pr->too_many_attributes = true;
}

/*
 * Returns whether a start tag leaves an element open, to be closed by an
 * end tag. foreign is true for an element in the SVG or MathML namespace,
 * where a self-closing tag counts.
 */
static bool opens_element(const struct tag *tag, unsigned flags, bool foreign)
{
	if (foreign)
		return !tag->self_closing && !(flags & NAME_RAW_TEXT);
	return !(flags & (NAME_VOID | NAME_RAW_TEXT)) && strcmp(tag->name, "plaintext") != 0;
}

/* Tells whether a start tag in foreign content ends it (see breakout_elements). */
static bool breaks_out(const struct prep *pr, const struct tag *tag, unsigned flags)
{
	if (flags & NAME_BREAKOUT)
		return true;
	if (strcmp(tag->name, "font") != 0)
		return false;
	for (size_t i = 0; i < tag->attr_count; i++) {
		const struct htmlprep_attr *a = &pr->attrs[i];
		if ((a->name_len == 5 && strncasecmp(a->name, "color", 5) == 0) ||
		    (a->name_len == 4 && (strncasecmp(a->name, "face", 4) == 0 ||
					  strncasecmp(a->name, "size", 4) == 0)))
			return true;
	}
	return false;
}

/*
 * Handles a start tag inside an exported SVG: it goes to the export, and
 * an <image> also to the output, where discovery reads its address.
 */
static int export_start_tag(struct prep *pr, const struct tag *tag, size_t slot, unsigned flags,
			    bool foreign)
{
	if (flags & NAME_RAW_TEXT)
		return handle_raw_text(pr, tag, false, false);
	struct open_element e = {.slot = slot, .exported = true, .svg_state = SVG_DROPPED};
	if (slot && svg_export_start(&pr->svg, tag->raw, tag->raw_len, pr->attrs, tag->attr_count,
				     false, &e.svg_state) != 0)
		return -1;
	if (strcmp(tag->name, "image") == 0 &&
	    (write_start_tag(pr, tag, NULL, false, NULL) != 0 || buf_append_str(pr->out, "</image>") != 0))
		return -1;
	if (!opens_element(tag, flags, foreign))
		return svg_export_end(&pr->svg, tag->name, e.svg_state);
	open_element(pr, &e);
	return 0;
}

/*
 * Starts exporting an <svg> element: its start tag goes to the output with
 * the number of its document, and the export starts with it.
 */
static int start_export(struct prep *pr, const struct tag *tag, size_t slot)
{
	char extra[64];
	struct open_element e = {.slot = slot, .written = true, .exported = true, .export_root = true};
	svg_export_begin(&pr->svg, pr->opt->max_svg_bytes);
	pr->exporting = true;
	if (write_start_tag(pr, tag, NULL, false, aside_marker(pr, extra, sizeof extra)) != 0 ||
	    svg_export_start(&pr->svg, tag->raw, tag->raw_len, pr->attrs, tag->attr_count, true,
			     &e.svg_state) != 0)
		return -1;
	if (!tag->self_closing) {
		open_element(pr, &e);
		return 0;
	}
	return end_element(pr, &e);
}

/* Returns the flags of a start tag's name; slot is its slot. */
static unsigned tag_flags(const struct prep *pr, const struct tag *tag, size_t slot)
{
	unsigned flags = slot ? pr->slots[slot].flags : 0;
	if (!slot && tag->name[0] && !strchr(tag->name, '-'))
		flags |= NAME_TIDY_DROPS;
	return flags;
}

static int handle_start_tag(struct prep *pr)
{
	struct tag tag;
	read_counted_tag(pr, &tag);
	/* The HTML tokenizer drops a tag that the end of the input cuts off. */
	if (!tag.complete)
		return 0;
	size_t slot = slot_of(pr, tag.name, true);
	unsigned flags = tag_flags(pr, &tag, slot);
	if (in_foreign_content(pr) && breaks_out(pr, &tag, flags) && leave_foreign_content(pr) != 0)
		return -1;
	bool foreign = (flags & NAME_FOREIGN) || in_foreign_content(pr);
	if (in_foreign_content(pr)) {
		/* SVG and MathML have no raw text elements: the tags in an SVG <style> are tags. */
		flags &= ~NAME_RAW_TEXT;
	} else if (strcmp(tag.name, "image") == 0) {
		/* The HTML parser reads <image> outside SVG and MathML as <img>. */
		snprintf(tag.name, sizeof tag.name, "img");
		tag.raw = "img";
		tag.raw_len = 3;
		slot = slot_of(pr, tag.name, true);
		flags = tag_flags(pr, &tag, slot);
	}
	if (pr->exporting)
		return export_start_tag(pr, &tag, slot, flags, foreign);

	bool opens = opens_element(&tag, flags, foreign);
	if (opens && close_implied(pr, slot) != 0)
		return -1;
	enum htmlprep_keep keep = choose(pr, &tag, slot);
	bool written = keep == HTMLPREP_KEEP;
	if (written && (flags & NAME_SVG) && !pr->foreign)
		return start_export(pr, &tag, slot);
	bool prefixed = written && !pr->foreign && (flags & NAME_TIDY_DROPS);
	int rc = 0;
	if (keep == HTMLPREP_ATTRIBUTES)
		rc = write_start_tag(pr, &tag, "span", false, NULL) ||
		     buf_append_str(pr->out, "</span>");
	if (flags & NAME_RAW_TEXT)
		return rc ? -1 : handle_raw_text(pr, &tag, written, prefixed);
	if (written)
		rc = write_start_tag(pr, &tag, NULL, prefixed, NULL);
	if (rc != 0)
		return -1;
	if (strcmp(tag.name, "plaintext") == 0 && !pr->foreign) {
		/* Everything after <plaintext> is text, which is never kept. */
		pr->p = pr->end;
		return 0;
	}
	if (opens)
		open_element(pr, &(struct open_element){.slot = slot, .written = written,
							 .prefixed = prefixed});
	return 0;
}

static int handle_end_tag(struct prep *pr)
{
	char name[NAME_MAX_LEN + 1];
	const char *p = read_name(pr->p + 2, pr->end, name);
	const char *gt = memchr(p, '>', (size_t)(pr->end - p));
	pr->p = gt ? gt + 1 : pr->end;
	if (!gt)
		return 0;
	bool breaks = strcmp(name, "p") == 0 || strcmp(name, "br") == 0;
	if (breaks && in_foreign_content(pr) && leave_foreign_content(pr) != 0)
		return -1;
	return close_element(pr, slot_of(pr, name, false));
}

/* Finds where a comment that starts at p ("<!--") ends, by the rules of the HTML tokenizer. */
static const char *comment_end(const char *p, const char *end)
{
	const char *body = p + 4;
	if (body < end && *body == '>')
		return body + 1;
	if (end - body >= 2 && body[0] == '-' && body[1] == '>')
		return body + 2;
	for (const char *q = body; end - q >= 3;) {
		const char *dash = memchr(q, '-', (size_t)(end - q - 2));
		if (!dash)
			break;
		if (dash[1] == '-' && dash[2] == '>')
			return dash + 3;
		/* "--!>" ends a comment too (WHATWG HTML, "comment end bang state"). */
		if (dash[1] == '-' && dash[2] == '!' && end - dash >= 4 && dash[3] == '>')
			return dash + 4;
		q = dash + 1;
	}
	return end;
}

/* Text is dropped, but for the text of an exported SVG. */
static int handle_text(struct prep *pr, const char *from, const char *to)
{
	return pr->exporting ? svg_export_text(&pr->svg, from, (size_t)(to - from)) : 0;
}

/*
 * Reads a CDATA section at pr->p in SVG or MathML, where it is text up to
 * "]]>" (WHATWG HTML, "CDATA section state"); elsewhere it is a comment.
 */
static int handle_cdata(struct prep *pr)
{
	const char *text = pr->p + 9;
	const char *close = NULL;
	for (const char *q = text; !close && pr->end - q >= 3;) {
		const char *bracket = memchr(q, ']', (size_t)(pr->end - q - 2));
		if (!bracket)
			break;
		if (bracket[1] == ']' && bracket[2] == '>')
			close = bracket;
		q = bracket + 1;
	}
	pr->p = close ? close + 3 : pr->end;
	return handle_text(pr, text, close ? close : pr->end);
}

/* Skips a comment, CDATA section or processing instruction; copies a doctype at the top. */
static int handle_markup_declaration(struct prep *pr)
{
	const char *start = pr->p;
	if (pr->end - start >= 9 && memcmp(start, "<![CDATA[", 9) == 0 && in_foreign_content(pr))
		return handle_cdata(pr);
	if (pr->end - start >= 4 && strncmp(start, "<!--", 4) == 0) {
		pr->p = comment_end(start, pr->end);
	} else {
		const char *gt = memchr(start, '>', (size_t)(pr->end - start));
		pr->p = gt ? gt + 1 : pr->end;
	}
	bool doctype = pr->p - start > 9 && strncasecmp(start, "<!doctype", 9) == 0;
	return doctype && pr->depth == 0 ? emit(pr, start, pr->p) : 0;
}

static int step(struct prep *pr)
{
	const char *lt = memchr(pr->p, '<', (size_t)(pr->end - pr->p));
	const char *text_end = lt ? lt : pr->end;
	if (handle_text(pr, pr->p, text_end) != 0)
		return -1;
	pr->p = text_end;
	if (!lt)
		return 0;
	char next = lt + 1 < pr->end ? lt[1] : '\0';
	if (is_alpha(next))
		return handle_start_tag(pr);
	if (next == '/' && lt + 2 < pr->end && is_alpha(lt[2]))
		return handle_end_tag(pr);
	if (next == '!' || next == '?' || next == '/')
		return handle_markup_declaration(pr);
	pr->p = lt + 1;
	return handle_text(pr, lt, lt + 1);
}

/* Writes the sentence for the limit the page passed into err. */
static void describe_limit(const struct prep *pr, char *err, size_t errlen)
{
	if (pr->too_deep)
		snprintf(err, errlen, "The page nests elements more than %zu deep.",
			 pr->opt->max_depth);
	else if (pr->too_many_elements)
		snprintf(err, errlen, "The page has more than %zu elements.", pr->opt->max_elements);
	else
		snprintf(err, errlen, "The page has more than %zu attributes.",
			 pr->opt->max_attributes);
}

/*
 * The table of names with every name tidy has, built once per process
 * (the programs run discovery on one thread) and copied for each page.
 */
static struct name_slot known_slots[NAME_SLOTS];
static size_t known_count;

/* Sets bits in one field of the slot of every word of list, adding the slots that are missing. */
static void for_each_word(struct prep *pr, const char *list, unsigned *(*field)(struct name_slot *),
			  unsigned bits)
{
	char word[NAME_MAX_LEN + 1];
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n > 0 && n <= NAME_MAX_LEN) {
			memcpy(word, p, n);
			word[n] = '\0';
			size_t slot = slot_of(pr, word, true);
			if (slot)
				*field(&pr->slots[slot]) |= bits;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

static unsigned *flags_of(struct name_slot *s)
{
	return &s->flags;
}

static unsigned *triggers_of(struct name_slot *s)
{
	return &s->triggers;
}

static unsigned *targets_of(struct name_slot *s)
{
	return &s->targets;
}

static unsigned *bounds_of(struct name_slot *s)
{
	return &s->bounds;
}

static void build_known_slots(void)
{
	struct prep pr = {.slots = known_slots};
	/* Slot 0 stands for names that are not in the table; no name probes to it. */
	known_slots[0].used = true;
	for (size_t i = 0; i < COUNT(known_elements); i++)
		slot_of(&pr, known_elements[i], true);
	for_each_word(&pr, void_elements, flags_of, NAME_VOID);
	for_each_word(&pr, raw_text_elements, flags_of, NAME_RAW_TEXT);
	for_each_word(&pr, formatting_elements, flags_of, NAME_FORMATTING);
	for_each_word(&pr, "svg math", flags_of, NAME_FOREIGN);
	for_each_word(&pr, "svg", flags_of, NAME_SVG);
	for_each_word(&pr, integration_elements, flags_of, NAME_INTEGRATION);
	for_each_word(&pr, breakout_elements, flags_of, NAME_BREAKOUT);
	for (size_t i = 0; i < COUNT(implied_close_rules); i++) {
		const struct implied_close *r = &implied_close_rules[i];
		for_each_word(&pr, r->triggers, triggers_of, 1u << i);
		for_each_word(&pr, r->targets, targets_of, 1u << i);
		for_each_word(&pr, r->bounds, bounds_of, 1u << i);
	}
	known_count = pr.slot_count;
}

/* Allocates the pass's tables and enters every name tidy has. Returns 0, or -1 when out of memory. */
static int prep_init(struct prep *pr)
{
	pr->max_attrs = pr->opt->max_element_attributes < ATTRS_MAX ?
			pr->opt->max_element_attributes : ATTRS_MAX;
	pr->stack = calloc(pr->opt->max_depth + 1, sizeof *pr->stack);
	pr->slots = malloc(sizeof known_slots);
	pr->attrs = calloc(pr->max_attrs + 1, sizeof *pr->attrs);
	if (!pr->stack || !pr->slots || !pr->attrs)
		return -1;
	if (known_count == 0)
		build_known_slots();
	memcpy(pr->slots, known_slots, sizeof known_slots);
	pr->slot_count = known_count;
	return 0;
}

/* Reads the whole page. Returns 0, or -1 when memory runs out. */
static int read_page(struct prep *pr)
{
	while (pr->p < pr->end && !pr->too_deep && !pr->too_many_elements && !pr->too_many_attributes) {
		if (step(pr) != 0)
			return -1;
	}
	/* Elements still open end with the page, an exported SVG among them. */
	while (pr->depth > 0) {
		if (pop(pr) != 0)
			return -1;
	}
	return 0;
}

int html_prepare(const char *html, size_t len, const struct htmlprep_options *options,
		 struct buf *out, char *err, size_t errlen)
{
	struct prep pr = {.p = html, .end = html + len, .out = out, .opt = options};
	int rc = -1;
	if (prep_init(&pr) != 0 || read_page(&pr) != 0) {
		snprintf(err, errlen, "Out of memory preparing a %zu-byte page.", len);
		goto done;
	}
	if (pr.too_deep || pr.too_many_elements || pr.too_many_attributes) {
		describe_limit(&pr, err, errlen);
		rc = HTMLPREP_TOO_LARGE;
		goto done;
	}
	rc = 0;
done:
	if (pr.exporting)
		svg_export_free(&pr.svg);
	free(pr.stack);
	free(pr.slots);
	free(pr.attrs);
	return rc;
}

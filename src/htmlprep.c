/* Linear pre-pass over raw HTML before tidy-html5: nesting bound, script bodies dropped, attribute ampersands kept. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "htmlprep.h"

/*
 * Size of the table of element names. Once it is half full, further names
 * share slot 0, which no end tag closes by name.
 */
#define NAME_SLOTS 1024
#define NAME_MAX_LEN 32

struct name_slot {
	char name[NAME_MAX_LEN + 1];
	size_t open;        /* how many elements of this name are open */
	bool used;
};

struct prep {
	const char *p;
	const char *end;
	struct buf *out;
	const struct htmlprep_limits *limits;
	size_t *stack;      /* slot index of each open element, outermost first */
	size_t depth;
	struct name_slot *slots;
	size_t slot_count;
	size_t elements;    /* start tags read so far */
	size_t attributes;  /* attributes read so far, dropped ones included */
	bool too_deep;
	bool too_many_elements;
	bool too_many_attributes;
};

/* One start tag as read from the source. */
struct tag {
	char name[NAME_MAX_LEN + 1];   /* lower-cased, truncated */
	bool self_closing;
	const char *type;              /* value of the type attribute, or NULL */
	size_t type_len;
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

/* Tells whether name is one of the words in list, separated by spaces. */
static bool in_list(const char *name, const char *list)
{
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n == len && strncmp(p, name, n) == 0)
			return true;
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

static const char void_elements[] =
	"area base br col embed hr img image input link meta source track wbr "
	"param keygen frame basefont bgsound";
static const char raw_text_elements[] =
	"script style textarea title xmp iframe noembed noframes";
static const char block_elements[] =
	"address article aside blockquote details div dl fieldset figcaption "
	"figure footer form h1 h2 h3 h4 h5 h6 header hr main menu nav ol p pre "
	"section table ul";

/*
 * Element names tidy-html5 5.6 keeps, sorted for bsearch: the WHATWG HTML
 * elements, obsolete ones and tidy's proprietary ones. tidy drops any other
 * element without a hyphen together with its attributes, where browsers keep
 * it as an unknown element, so the pre-pass renames those (see copy_start_tag).
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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

/*
 * An end tag a start tag implies: the innermost open element named in
 * members is closed with everything inside it, unless an element named in
 * scope is open inside it first (WHATWG HTML, "has an element in scope").
 */
struct implied_close {
	const char *members;
	const char *scope;
};

/* Scope boundaries, simplified from the standard's default and button scopes. */
#define DEFAULT_SCOPE "html table td th caption object template marquee applet button"

/* Fills rules with what name closes and returns how many rules apply. */
static size_t implied_closes(const char *name, struct implied_close rules[2])
{
	size_t n = 0;
	if (in_list(name, block_elements) || in_list(name, "li dt dd"))
		rules[n++] = (struct implied_close){"p", DEFAULT_SCOPE};
	if (strcmp(name, "li") == 0)
		rules[n++] = (struct implied_close){"li", DEFAULT_SCOPE " ul ol menu"};
	else if (strcmp(name, "dt") == 0 || strcmp(name, "dd") == 0)
		rules[n++] = (struct implied_close){"dt dd", DEFAULT_SCOPE " dl"};
	else if (strcmp(name, "option") == 0)
		rules[n++] = (struct implied_close){"option", "select datalist optgroup"};
	else if (strcmp(name, "optgroup") == 0)
		rules[n++] = (struct implied_close){"option optgroup", "select datalist"};
	else if (strcmp(name, "tr") == 0)
		rules[n++] = (struct implied_close){"tr", "table thead tbody tfoot"};
	else if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		rules[n++] = (struct implied_close){"td th", "table tr"};
	else if (in_list(name, "thead tbody tfoot"))
		rules[n++] = (struct implied_close){"thead tbody tfoot", "table"};
	else if (in_list(name, "rb rt rp rtc"))
		rules[n++] = (struct implied_close){"rb rt rp", "ruby"};
	else if (strcmp(name, "a") == 0 || strcmp(name, "nobr") == 0)
		/* The adoption agency algorithm ends an open <a> or <nobr> before a new one. */
		rules[n++] = (struct implied_close){name[0] == 'a' ? "a" : "nobr", DEFAULT_SCOPE};
	return n;
}

/* How far down the stack an implied end tag is looked for, which keeps the pass linear. */
#define IMPLIED_SEARCH 64

static uint32_t hash_name(const char *name)
{
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

/* Returns the slot of name, adding it when there is room; 0 when the table is full. */
static size_t slot_of(struct prep *pr, const char *name, bool add)
{
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
			pr->slot_count++;
			return i;
		}
		i = (i + 1) % NAME_SLOTS;
	}
	return 0;
}

/* Returns how many elements called name are open. */
static size_t open_count(struct prep *pr, const char *name)
{
	size_t slot = slot_of(pr, name, false);
	return slot ? pr->slots[slot].open : 0;
}

static void pop(struct prep *pr)
{
	pr->depth--;
	pr->slots[pr->stack[pr->depth]].open--;
}

static void apply_implied_close(struct prep *pr, const struct implied_close *rule)
{
	for (size_t i = pr->depth, seen = 0; i > 0 && seen < IMPLIED_SEARCH; i--, seen++) {
		const char *open = pr->slots[pr->stack[i - 1]].name;
		if (in_list(open, rule->members)) {
			while (pr->depth >= i)
				pop(pr);
			return;
		}
		if (in_list(open, rule->scope))
			return;
	}
}

static void open_element(struct prep *pr, const char *name)
{
	struct implied_close rules[2];
	size_t count = implied_closes(name, rules);
	for (size_t i = 0; i < count; i++)
		apply_implied_close(pr, &rules[i]);
	if (pr->depth == pr->limits->max_depth) {
		pr->too_deep = true;
		return;
	}
	size_t slot = slot_of(pr, name, true);
	pr->stack[pr->depth++] = slot;
	pr->slots[slot].open++;
}

static const char formatting_elements[] =
	"a b big code em font i nobr s small strike strong tt u";

/*
 * Closes the innermost open element called name; ignores a stray end tag.
 * Formatting elements open inside it stay counted: tidy, like browsers,
 * reopens them after the end tag, so "<b><i></b>" repeated nests ever
 * deeper in its tree.
 */
static void close_element(struct prep *pr, const char *name)
{
	size_t slot = slot_of(pr, name, false);
	if (slot == 0 || pr->slots[slot].open == 0)
		return;
	size_t target = pr->depth;
	while (target > 0 && pr->stack[target - 1] != slot)
		target--;
	size_t kept = 0;
	for (size_t i = target; i < pr->depth; i++) {
		size_t s = pr->stack[i];
		if (in_list(pr->slots[s].name, formatting_elements))
			pr->stack[target - 1 + kept++] = s;
		else
			pr->slots[s].open--;
	}
	pr->slots[slot].open--;
	pr->depth = target - 1 + kept;
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

/* Appends an attribute value, writing "&" as "&amp;" where it starts "name=". */
static int emit_value(struct prep *pr, const char *from, const char *to)
{
	const char *copied = from;
	for (const char *p = from; p < to; p++) {
		if (*p != '&' || p + 1 >= to || !is_alpha(p[1]))
			continue;
		const char *q = p + 1;
		while (q < to && is_alnum(*q))
			q++;
		if (q < to && *q == '=') {
			if (emit(pr, copied, p) != 0 || buf_append_str(pr->out, "&amp;") != 0)
				return -1;
			copied = p + 1;
		}
	}
	return emit(pr, copied, to);
}

static void read_name(const char *p, const char *end, char *name, const char **after)
{
	size_t n = 0;
	while (p < end && !is_space(*p) && *p != '/' && *p != '>') {
		if (n < NAME_MAX_LEN)
			name[n++] = lower(*p);
		p++;
	}
	name[n] = '\0';
	*after = p;
}

/*
 * Copies a start tag (pr->p at "<", a letter next), rewriting attribute
 * values and the name "image" outside SVG. Leaves pr->p after the tag.
 * Attributes past the limit per element, and values longer than the limit,
 * are left out: tidy-html5 compares each attribute with every earlier one
 * of its element (quadratic time), and long values only cost memory.
 */
static int copy_start_tag(struct prep *pr, struct tag *tag)
{
	const char *p;
	read_name(pr->p + 1, pr->end, tag->name, &p);
	tag->self_closing = false;
	tag->type = NULL;
	const char *copied = pr->p;
	bool foreign = open_count(pr, "svg") || open_count(pr, "math");
	if (strcmp(tag->name, "image") == 0 && !foreign) {
		if (buf_append_str(pr->out, "<img") != 0)
			return -1;
		snprintf(tag->name, sizeof tag->name, "img");
		copied = p;
	} else if (!foreign && dropped_by_tidy(tag->name)) {
		/* "<foo" becomes "<ig-foo", which tidy keeps as a custom element. */
		if (buf_append_str(pr->out, "<" UNKNOWN_PREFIX) != 0)
			return -1;
		copied = pr->p + 1;
	}

	size_t attr_count = 0;
	while (p < pr->end && *p != '>') {
		if (is_space(*p) || *p == '/') {
			tag->self_closing = *p == '/' && p + 1 < pr->end && p[1] == '>';
			p++;
			continue;
		}
		const char *attr = p++;
		pr->attributes++;
		bool keep = ++attr_count <= pr->limits->max_element_attributes;
		while (p < pr->end && !is_space(*p) && *p != '/' && *p != '>' && *p != '=')
			p++;
		size_t attr_len = (size_t)(p - attr);
		while (p < pr->end && is_space(*p))
			p++;
		if (p >= pr->end || *p != '=') {
			if (!keep) {
				if (emit(pr, copied, attr) != 0)
					return -1;
				copied = p;
			}
			continue;
		}
		p++;
		while (p < pr->end && is_space(*p))
			p++;
		const char *value = p;
		const char *value_end;
		if (p < pr->end && (*p == '"' || *p == '\'')) {
			const char *close = memchr(p + 1, *p, (size_t)(pr->end - p - 1));
			value = p + 1;
			value_end = close ? close : pr->end;
			p = close ? close + 1 : pr->end;
		} else {
			while (p < pr->end && !is_space(*p) && *p != '>')
				p++;
			value_end = p;
		}
		if (!keep || (size_t)(value_end - value) > pr->limits->max_value_bytes) {
			if (emit(pr, copied, attr) != 0)
				return -1;
			copied = p;
			continue;
		}
		if (attr_len == 4 && strncasecmp(attr, "type", 4) == 0) {
			tag->type = value;
			tag->type_len = (size_t)(value_end - value);
		}
		if (emit(pr, copied, value) != 0 || emit_value(pr, value, value_end) != 0)
			return -1;
		copied = value_end;
	}
	if (p < pr->end)
		p++;
	pr->p = p;
	return emit(pr, copied, p);
}

/* Finds the end tag "</name" that closes a raw text element, or the end of input. */
static const char *find_end_tag(const char *p, const char *end, const char *name)
{
	size_t len = strlen(name);
	for (; p + 2 + len <= end; p++) {
		if (p[0] != '<' || p[1] != '/' || strncasecmp(p + 2, name, len) != 0)
			continue;
		const char *after = p + 2 + len;
		if (after == end || is_space(*after) || *after == '/' || *after == '>')
			return p;
	}
	return end;
}

static bool is_json_ld(const struct tag *tag)
{
	const char *want = "application/ld+json";
	size_t n = strlen(want);
	if (!tag->type)
		return false;
	const char *t = tag->type;
	size_t len = tag->type_len;
	while (len && is_space(*t)) {
		t++;
		len--;
	}
	while (len && is_space(t[len - 1]))
		len--;
	return len == n && strncasecmp(t, want, n) == 0;
}

static int handle_start_tag(struct prep *pr)
{
	struct tag tag;
	if (copy_start_tag(pr, &tag) != 0)
		return -1;
	if (++pr->elements > pr->limits->max_elements)
		pr->too_many_elements = true;
	if (pr->attributes > pr->limits->max_attributes)
		pr->too_many_attributes = true;

	if (in_list(tag.name, raw_text_elements)) {
		const char *close = find_end_tag(pr->p, pr->end, tag.name);
		bool keep = strcmp(tag.name, "script") != 0 || is_json_ld(&tag);
		if (keep && emit(pr, pr->p, close) != 0)
			return -1;
		pr->p = close;
		return 0;
	}
	if (strcmp(tag.name, "plaintext") == 0) {
		int rc = emit(pr, pr->p, pr->end);
		pr->p = pr->end;
		return rc;
	}
	bool foreign = open_count(pr, "svg") || open_count(pr, "math");
	if (in_list(tag.name, void_elements) || (tag.self_closing && foreign))
		return 0;
	open_element(pr, tag.name);
	return 0;
}

static int handle_end_tag(struct prep *pr)
{
	char name[NAME_MAX_LEN + 1];
	const char *p;
	read_name(pr->p + 2, pr->end, name, &p);
	close_element(pr, name);
	const char *gt = memchr(p, '>', (size_t)(pr->end - p));
	const char *stop = gt ? gt + 1 : pr->end;
	const char *copied = pr->p;
	bool foreign = open_count(pr, "svg") || open_count(pr, "math");
	if (!foreign && dropped_by_tidy(name)) {
		if (buf_append_str(pr->out, "</" UNKNOWN_PREFIX) != 0)
			return -1;
		copied = pr->p + 2;
	}
	int rc = emit(pr, copied, stop);
	pr->p = stop;
	return rc;
}

/* Copies a comment, doctype or processing instruction unchanged. */
static int copy_markup_declaration(struct prep *pr)
{
	const char *stop;
	if (pr->end - pr->p >= 4 && strncmp(pr->p, "<!--", 4) == 0) {
		stop = pr->end;
		for (const char *q = pr->p + 4; q + 3 <= pr->end; q++) {
			if (strncmp(q, "-->", 3) == 0) {
				stop = q + 3;
				break;
			}
		}
	} else {
		const char *gt = memchr(pr->p, '>', (size_t)(pr->end - pr->p));
		stop = gt ? gt + 1 : pr->end;
	}
	int rc = emit(pr, pr->p, stop);
	pr->p = stop;
	return rc;
}

static int step(struct prep *pr)
{
	const char *lt = memchr(pr->p, '<', (size_t)(pr->end - pr->p));
	if (!lt) {
		int rc = emit(pr, pr->p, pr->end);
		pr->p = pr->end;
		return rc;
	}
	if (emit(pr, pr->p, lt) != 0)
		return -1;
	pr->p = lt;
	char next = lt + 1 < pr->end ? lt[1] : '\0';
	if (is_alpha(next))
		return handle_start_tag(pr);
	if (next == '/' && lt + 2 < pr->end && is_alpha(lt[2]))
		return handle_end_tag(pr);
	if (next == '!' || next == '?' || next == '/')
		return copy_markup_declaration(pr);
	pr->p = lt + 1;
	return emit(pr, lt, lt + 1);
}

int html_prepare(const char *html, size_t len, size_t max_depth, struct buf *out,
		 char *err, size_t errlen)
{
	struct htmlprep_limits limits = {
		.max_depth = max_depth,
		.max_elements = SIZE_MAX,
		.max_attributes = SIZE_MAX,
		.max_element_attributes = SIZE_MAX,
		.max_value_bytes = SIZE_MAX,
	};
	return html_prepare_limited(html, len, &limits, out, err, errlen) == 0 ? 0 : -1;
}

/* Writes the sentence for the limit the page passed into err. */
static void describe_limit(const struct prep *pr, char *err, size_t errlen)
{
	if (pr->too_deep)
		snprintf(err, errlen, "The page nests elements more than %zu deep.",
			 pr->limits->max_depth);
	else if (pr->too_many_elements)
		snprintf(err, errlen, "The page has more than %zu elements.", pr->limits->max_elements);
	else
		snprintf(err, errlen, "The page has more than %zu attributes.",
			 pr->limits->max_attributes);
}

int html_prepare_limited(const char *html, size_t len, const struct htmlprep_limits *limits,
			 struct buf *out, char *err, size_t errlen)
{
	struct prep pr = {.p = html, .end = html + len, .out = out, .limits = limits};
	size_t max_depth = limits->max_depth;
	pr.stack = calloc(max_depth + 1, sizeof *pr.stack);
	pr.slots = calloc(NAME_SLOTS, sizeof *pr.slots);
	int rc = -1;
	if (!pr.stack || !pr.slots) {
		snprintf(err, errlen, "Out of memory preparing a %zu-byte page.", len);
		goto done;
	}
	/* Slot 0 collects names that do not fit the table; no name probes to it. */
	pr.slots[0].used = true;
	while (pr.p < pr.end && !pr.too_deep && !pr.too_many_elements && !pr.too_many_attributes) {
		if (step(&pr) != 0) {
			snprintf(err, errlen, "Out of memory preparing a %zu-byte page.", len);
			goto done;
		}
	}
	if (pr.too_deep || pr.too_many_elements || pr.too_many_attributes) {
		describe_limit(&pr, err, errlen);
		rc = HTMLPREP_TOO_LARGE;
		goto done;
	}
	rc = 0;
done:
	free(pr.stack);
	free(pr.slots);
	return rc;
}

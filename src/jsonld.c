/* Image references in JSON-LD: a small JSON (RFC 8259) reader and a walk over schema.org image properties. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonld.h"

/* Limits for one script element's JSON: nesting and the number of values. */
#define MAX_NESTING 64
#define MAX_VALUES 200000
/* How many @id references one image property may follow in a chain. */
#define MAX_REFERENCE_HOPS 4
/* How many @id look-ups one document may make; each scans every node. */
#define MAX_LOOKUPS 1000

enum jtype { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

/* One JSON value. Arrays and objects own their children; an object's are key/value pairs. */
struct jvalue {
	enum jtype type;
	char *text;                 /* J_STRING: the decoded string */
	struct jvalue **items;      /* J_ARRAY: values; J_OBJECT: key, value, key, value... */
	size_t count;               /* number of entries in items */
};

struct reader {
	const char *p;
	const char *end;
	size_t values;
	bool nomem;
};

static void jfree(struct jvalue *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->count; i++)
		jfree(v->items[i]);
	free(v->items);
	free(v->text);
	free(v);
}

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex4(const char *p, const char *end, uint32_t *out)
{
	if (end - p < 4)
		return -1;
	*out = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		*out = *out * 16 + d;
	}
	return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Reads a string after its opening quote; U+0000 becomes U+FFFD. Returns NULL when invalid. */
static char *read_string(struct reader *r)
{
	const char *start = r->p;
	const char *close = start;
	while (close < r->end && *close != '"') {
		if (*close == '\\' && r->end - close < 2)
			return NULL;
		close += (*close == '\\') ? 2 : 1;
	}
	if (close >= r->end)
		return NULL;
	/* A \uXXXX escape (6 bytes) yields at most 4 bytes, so the raw length bounds the output. */
	char *out = malloc((size_t)(close - start) + 4);
	if (!out) {
		r->nomem = true;
		return NULL;
	}
	size_t n = 0;
	const char *p = start;
	while (p < close) {
		if (*p != '\\') {
			out[n++] = *p++;
			continue;
		}
		p++;
		char e = *p++;
		uint32_t cp;
		switch (e) {
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case '"': case '\\': case '/': out[n++] = e; break;
		case 'u':
			if (hex4(p, close, &cp) != 0)
				goto invalid;
			p += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && close - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				uint32_t low;
				if (hex4(p + 2, close, &low) == 0 && low >= 0xdc00 && low < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
					p += 6;
				}
			}
			if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
				cp = 0xfffd;
			n += put_utf8(out + n, cp);
			break;
		default:
			goto invalid;
		}
	}
	out[n] = '\0';
	r->p = close + 1;
	return out;
invalid:
	free(out);
	return NULL;
}

static struct jvalue *read_value(struct reader *r, int depth);

static int push_item(struct jvalue *v, struct jvalue *item, size_t *cap)
{
	if (v->count == *cap) {
		size_t grown = *cap ? *cap * 2 : 4;
		struct jvalue **items = realloc(v->items, grown * sizeof *items);
		if (!items)
			return -1;
		v->items = items;
		*cap = grown;
	}
	v->items[v->count++] = item;
	return 0;
}

/* Reads the members of an array or object after its opening bracket. */
static int read_members(struct reader *r, struct jvalue *v, int depth)
{
	char close = v->type == J_ARRAY ? ']' : '}';
	size_t cap = 0;
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		if (v->type == J_OBJECT) {
			skip_space(r);
			if (r->p >= r->end || *r->p != '"')
				return -1;
			r->p++;
			struct jvalue *key = calloc(1, sizeof *key);
			if (!key || !(key->text = read_string(r)) || push_item(v, key, &cap) != 0) {
				r->nomem = r->nomem || !key;
				jfree(key);
				return -1;
			}
			key->type = J_STRING;
			skip_space(r);
			if (r->p >= r->end || *r->p != ':')
				return -1;
			r->p++;
		}
		struct jvalue *item = read_value(r, depth + 1);
		if (!item)
			return -1;
		if (push_item(v, item, &cap) != 0) {
			r->nomem = true;
			jfree(item);
			return -1;
		}
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		return -1;
	}
}

static bool read_literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(r->end - r->p) < n || strncmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

/* Reads one value; returns NULL when the JSON is invalid, too deep, too large or memory runs out. */
static struct jvalue *read_value(struct reader *r, int depth)
{
	skip_space(r);
	if (depth > MAX_NESTING || ++r->values > MAX_VALUES || r->p >= r->end)
		return NULL;
	struct jvalue *v = calloc(1, sizeof *v);
	if (!v) {
		r->nomem = true;
		return NULL;
	}
	char c = *r->p;
	bool ok = true;
	if (c == '{' || c == '[') {
		r->p++;
		v->type = c == '{' ? J_OBJECT : J_ARRAY;
		ok = read_members(r, v, depth) == 0;
	} else if (c == '"') {
		r->p++;
		v->type = J_STRING;
		v->text = read_string(r);
		ok = v->text != NULL;
	} else if (read_literal(r, "true") || read_literal(r, "false")) {
		v->type = J_BOOL;
	} else if (read_literal(r, "null")) {
		v->type = J_NULL;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		v->type = J_NUMBER;
		while (r->p < r->end && strchr("+-.eE0123456789", *r->p))
			r->p++;
	} else {
		ok = false;
	}
	if (!ok) {
		jfree(v);
		return NULL;
	}
	return v;
}

/* Returns the value of key in object v, or NULL. */
static const struct jvalue *member(const struct jvalue *v, const char *key)
{
	if (!v || v->type != J_OBJECT)
		return NULL;
	for (size_t i = 0; i + 1 < v->count; i += 2) {
		if (strcmp(v->items[i]->text, key) == 0)
			return v->items[i + 1];
	}
	return NULL;
}

static const char *member_string(const struct jvalue *v, const char *key)
{
	const struct jvalue *m = member(v, key);
	return m && m->type == J_STRING ? m->text : NULL;
}

/* Tells whether @type is ImageObject, or an array naming it; "schema:" prefixes are accepted. */
static bool is_image_object(const struct jvalue *v)
{
	const struct jvalue *type = member(v, "@type");
	if (!type)
		return false;
	size_t n = type->type == J_ARRAY ? type->count : 1;
	for (size_t i = 0; i < n; i++) {
		const struct jvalue *t = type->type == J_ARRAY ? type->items[i] : type;
		if (t->type != J_STRING)
			continue;
		const char *name = strrchr(t->text, '/');
		name = name ? name + 1 : (strncmp(t->text, "schema:", 7) == 0 ? t->text + 7 : t->text);
		if (strcmp(name, "ImageObject") == 0)
			return true;
	}
	return false;
}

struct walk {
	const struct jvalue **nodes;   /* every object with a string @id */
	size_t node_count;
	size_t node_cap;
	size_t lookups;
	jsonld_fn fn;
	void *ctx;
};

static int index_nodes(struct walk *w, const struct jvalue *v)
{
	if (v->type == J_OBJECT && member_string(v, "@id")) {
		if (w->node_count == w->node_cap) {
			size_t grown = w->node_cap ? w->node_cap * 2 : 16;
			const struct jvalue **nodes = realloc(w->nodes, grown * sizeof *nodes);
			if (!nodes)
				return -1;
			w->nodes = nodes;
			w->node_cap = grown;
		}
		w->nodes[w->node_count++] = v;
	}
	if (v->type == J_OBJECT || v->type == J_ARRAY) {
		for (size_t i = 0; i < v->count; i++) {
			if (index_nodes(w, v->items[i]) != 0)
				return -1;
		}
	}
	return 0;
}

/* Returns the first node other than self with @id equal to id and at least one other property. */
static const struct jvalue *find_node(struct walk *w, const char *id, const struct jvalue *self)
{
	if (++w->lookups > MAX_LOOKUPS)
		return NULL;
	for (size_t i = 0; i < w->node_count; i++) {
		const struct jvalue *n = w->nodes[i];
		if (n != self && n->count > 2 && strcmp(member_string(n, "@id"), id) == 0)
			return n;
	}
	return NULL;
}

static int report_string(struct walk *w, const struct jvalue *v)
{
	if (v && v->type == J_STRING && v->text[0])
		return w->fn(w->ctx, v->text);
	return 0;
}

/*
 * Reports the image(s) one property value names: a URL string, an array of
 * them, an object with contentUrl or url, or a reference by @id to one.
 */
static int report_image_value(struct walk *w, const struct jvalue *v, int hops)
{
	int rc = 0;
	if (v->type == J_STRING)
		return report_string(w, v);
	if (v->type == J_ARRAY) {
		for (size_t i = 0; rc == 0 && i < v->count; i++)
			rc = report_image_value(w, v->items[i], hops);
		return rc;
	}
	if (v->type != J_OBJECT)
		return 0;
	const struct jvalue *content = member(v, "contentUrl");
	const struct jvalue *url = member(v, "url");
	if (content || url) {
		if (content)
			rc = report_image_value(w, content, hops);
		if (rc == 0 && url)
			rc = report_image_value(w, url, hops);
		return rc;
	}
	const char *id = member_string(v, "@id");
	if (id && hops < MAX_REFERENCE_HOPS) {
		const struct jvalue *target = find_node(w, id, v);
		if (target)
			return report_image_value(w, target, hops + 1);
	}
	return 0;
}

static const char *const image_keys[] = {"image", "logo", "thumbnailUrl", "contentUrl", "primaryImageOfPage"};

static int walk_value(struct walk *w, const struct jvalue *v)
{
	int rc = 0;
	if (v->type == J_ARRAY) {
		for (size_t i = 0; rc == 0 && i < v->count; i++)
			rc = walk_value(w, v->items[i]);
		return rc;
	}
	if (v->type != J_OBJECT)
		return 0;
	if (is_image_object(v))
		rc = report_image_value(w, v, 0);
	for (size_t i = 0; rc == 0 && i + 1 < v->count; i += 2) {
		const char *key = v->items[i]->text;
		const struct jvalue *value = v->items[i + 1];
		for (size_t k = 0; rc == 0 && k < sizeof image_keys / sizeof image_keys[0]; k++) {
			if (strcmp(key, image_keys[k]) == 0)
				rc = report_image_value(w, value, 0);
		}
		if (rc == 0 && (value->type == J_OBJECT || value->type == J_ARRAY))
			rc = walk_value(w, value);
	}
	return rc;
}

int jsonld_scan(const char *text, size_t len, jsonld_fn fn, void *ctx)
{
	struct reader r = {.p = text, .end = text + len};
	/* Pages sometimes wrap the JSON in an HTML comment or CDATA section. */
	while (r.p < r.end && *r.p != '{' && *r.p != '[')
		r.p++;
	struct jvalue *root = read_value(&r, 0);
	if (!root)
		return r.nomem ? -1 : 1;

	struct walk w = {.fn = fn, .ctx = ctx};
	int rc = index_nodes(&w, root);
	if (rc == 0)
		rc = walk_value(&w, root);
	free(w.nodes);
	jfree(root);
	return rc;
}

int jsonld_scan_manifest(const char *text, size_t len, jsonld_fn fn, void *ctx)
{
	static const char *const lists[] = {"icons", "screenshots"};
	struct reader r = {.p = text, .end = text + len};
	skip_space(&r);
	struct jvalue *root = read_value(&r, 0);
	if (!root)
		return r.nomem ? -1 : 1;

	struct walk w = {.fn = fn, .ctx = ctx};
	int rc = 0;
	for (size_t l = 0; rc == 0 && l < sizeof lists / sizeof lists[0]; l++) {
		const struct jvalue *items = root->type == J_OBJECT ? member(root, lists[l]) : NULL;
		for (size_t i = 0; rc == 0 && items && items->type == J_ARRAY && i < items->count; i++) {
			if (items->items[i]->type == J_OBJECT)
				rc = report_string(&w, member(items->items[i], "src"));
		}
	}
	jfree(root);
	return rc;
}

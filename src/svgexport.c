/* Inline SVG written out, token by token, as a standalone SVG document for export. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "svgexport.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Maximum length of an element or attribute name written; longer names are left out. */
#define NAME_MAX_LEN 64

/*
 * SVG element and attribute names with capitals. The HTML parser lower-cases
 * names and then restores these spellings (WHATWG HTML 13.2.6.5, "adjust
 * SVG attributes" and the SVG tag name table), and SVG needs them.
 */
static const char *const svg_mixed_case_names[] = {
	"altGlyph", "altGlyphDef", "altGlyphItem", "animateColor", "animateMotion",
	"animateTransform", "clipPath", "feBlend", "feColorMatrix", "feComponentTransfer",
	"feComposite", "feConvolveMatrix", "feDiffuseLighting", "feDisplacementMap",
	"feDistantLight", "feDropShadow", "feFlood", "feFuncA", "feFuncB", "feFuncG",
	"feFuncR", "feGaussianBlur", "feImage", "feMerge", "feMergeNode", "feMorphology",
	"feOffset", "fePointLight", "feSpecularLighting", "feSpotLight", "feTile",
	"feTurbulence", "foreignObject", "glyphRef", "linearGradient", "radialGradient",
	"textPath", "attributeName", "attributeType", "baseFrequency", "baseProfile",
	"calcMode", "clipPathUnits", "diffuseConstant", "edgeMode", "filterUnits",
	"gradientTransform", "gradientUnits", "kernelMatrix", "kernelUnitLength",
	"keyPoints", "keySplines", "keyTimes", "lengthAdjust", "limitingConeAngle",
	"markerHeight", "markerUnits", "markerWidth", "maskContentUnits", "maskUnits",
	"numOctaves", "pathLength", "patternContentUnits", "patternTransform",
	"patternUnits", "pointsAtX", "pointsAtY", "pointsAtZ", "preserveAlpha",
	"preserveAspectRatio", "primitiveUnits", "refX", "refY", "repeatCount",
	"repeatDur", "requiredExtensions", "requiredFeatures", "specularConstant",
	"specularExponent", "spreadMethod", "startOffset", "stdDeviation", "stitchTiles",
	"surfaceScale", "systemLanguage", "tableValues", "targetX", "targetY",
	"textLength", "viewBox", "viewTarget", "xChannelSelector", "yChannelSelector",
	"zoomAndPan",
};

static int compare_ignoring_case(const void *a, const void *b)
{
	return strcasecmp(*(const char *const *)a, *(const char *const *)b);
}

static int compare_key_ignoring_case(const void *key, const void *member)
{
	return strcasecmp(key, *(const char *const *)member);
}

/* Returns the SVG spelling of a lower-case name. */
static const char *svg_spelling(const char *name)
{
	/* Sorted once per process, for bsearch. */
	static const char *sorted[COUNT(svg_mixed_case_names)];
	if (!sorted[0]) {
		memcpy(sorted, svg_mixed_case_names, sizeof sorted);
		qsort(sorted, COUNT(sorted), sizeof sorted[0], compare_ignoring_case);
	}
	const char *const *found = bsearch(name, sorted, COUNT(sorted), sizeof sorted[0],
					   compare_key_ignoring_case);
	return found ? *found : name;
}

/* Name characters kept: ASCII only, because XML refuses some others, such as U+00D7. */
static bool is_name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/*
 * Copies a name into lower, lower-cased, when it is an XML name without a
 * colon (an NCName) and fits. Returns false otherwise.
 */
static bool xml_name(const char *name, size_t len, char lower[NAME_MAX_LEN + 1])
{
	if (len == 0 || len > NAME_MAX_LEN || !is_name_start((unsigned char)name[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!is_name_char(c))
			return false;
		lower[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	lower[len] = '\0';
	return true;
}

/*
 * Copies an attribute name into lower like xml_name(), but for a prefix
 * "xlink:" or "xml:", the only ones the document declares (XML 1.0 binds
 * xml): any other prefix would make the document invalid under Namespaces
 * in XML 1.0.
 */
static bool xml_attribute_name(const char *name, size_t len, char lower[NAME_MAX_LEN + 1])
{
	const char *colon = memchr(name, ':', len);
	if (!colon)
		return xml_name(name, len, lower);
	size_t prefix = (size_t)(colon - name) + 1;
	if (len > NAME_MAX_LEN ||
	    !((prefix == 6 && strncasecmp(name, "xlink:", 6) == 0) ||
	      (prefix == 4 && strncasecmp(name, "xml:", 4) == 0)) ||
	    !xml_name(colon + 1, len - prefix, lower + prefix))
		return false;
	for (size_t i = 0; i < prefix; i++)
		lower[i] = (char)(name[i] | 0x20);
	lower[prefix - 1] = ':';
	return true;
}

/* Tells whether XML 1.0 allows the character code (production Char). */
static bool is_xml_char(unsigned long code)
{
	return code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
	       (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
}

/*
 * Tells whether text at p (an "&") starts a character reference: "&name;",
 * or "&#123;" or "&#x1F;" of a character XML allows.
 */
static bool starts_reference(const char *p, const char *end)
{
	const char *q = p + 1;
	if (q < end && *q == '#') {
		q++;
		bool hex = q < end && (*q == 'x' || *q == 'X');
		const char *digits = hex ? ++q : q;
		unsigned long code = 0;
		for (; q < end; q++) {
			int digit = *q >= '0' && *q <= '9' ? *q - '0' :
				    hex && *q >= 'a' && *q <= 'f' ? *q - 'a' + 10 :
				    hex && *q >= 'A' && *q <= 'F' ? *q - 'A' + 10 : -1;
			if (digit < 0)
				break;
			/* Past 0x10FFFF the value no longer matters, and it must not overflow. */
			code = code > 0x10FFFF ? code : code * (hex ? 16 : 10) + (unsigned long)digit;
		}
		return q > digits && q < end && *q == ';' && is_xml_char(code);
	}
	const char *name = q;
	while (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
		q++;
	return q > name && q < end && *q == ';';
}

/*
 * Appends text as written in the page, escaping what XML needs: "<", ">",
 * '"' and an "&" that starts no character reference. References stay as
 * written. Control characters XML 1.0 refuses are left out, but a form
 * feed becomes a space, and so are U+FFFE and U+FFFF; the page is UTF-8
 * (see charset.h). NOTE: a named reference that XML lacks, such as
 * "&copy;", makes the document invalid; decoding it needs the HTML entity
 * table.
 */
static int append_escaped(struct svg_export *doc, const char *text, size_t len)
{
	const char *end = text + len;
	const char *copied = text;
	int rc = 0;
	for (const char *p = text; p < end && rc == 0; p++) {
		const char *entity = NULL;
		switch (*p) {
		case '<':
			entity = "&lt;";
			break;
		case '>':
			entity = "&gt;";
			break;
		case '"':
			entity = "&quot;";
			break;
		case '&':
			entity = starts_reference(p, end) ? NULL : "&amp;";
			break;
		case '\f':
			entity = " ";
			break;
		case '\t':
		case '\n':
		case '\r':
			break;
		case '\xEF':
			/* U+FFFE and U+FFFF are EF BF BE and EF BF BF. */
			if (end - p >= 3 && p[1] == '\xBF' && (p[2] == '\xBE' || p[2] == '\xBF')) {
				rc |= buf_append(&doc->out, copied, (size_t)(p - copied));
				copied = p + 3;
				p += 2;
			}
			break;
		default:
			if ((unsigned char)*p < 0x20)
				entity = "";
			break;
		}
		if (!entity)
			continue;
		rc |= buf_append(&doc->out, copied, (size_t)(p - copied));
		rc |= buf_append_str(&doc->out, entity);
		copied = p + 1;
	}
	return rc | buf_append(&doc->out, copied, (size_t)(end - copied));
}

/* Turns a failed append into too_large when the document hit its max. Returns 0, or -1 when out of memory. */
static int settle(struct svg_export *doc, int rc)
{
	if (rc == 0)
		return 0;
	doc->too_large = true;
	return errno == EFBIG ? 0 : -1;
}

void svg_export_begin(struct svg_export *doc, size_t max_bytes)
{
	buf_init(&doc->out, max_bytes);
	doc->skipped = 0;
	doc->too_large = false;
}

void svg_export_free(struct svg_export *doc)
{
	buf_free(&doc->out);
}

/* Tells whether attribute i repeats the name of an earlier one, which the HTML parser ignores. */
static bool repeated(const struct htmlprep_attr *attrs, size_t i)
{
	for (size_t j = 0; j < i; j++) {
		if (attrs[j].name_len == attrs[i].name_len &&
		    strncasecmp(attrs[j].name, attrs[i].name, attrs[i].name_len) == 0)
			return true;
	}
	return false;
}

/* Writes one attribute unless it is left out. */
static int write_attribute(struct svg_export *doc, const struct htmlprep_attr *attrs, size_t i)
{
	char lower[NAME_MAX_LEN + 1];
	const struct htmlprep_attr *a = &attrs[i];
	if (!xml_attribute_name(a->name, a->name_len, lower) || strncmp(lower, "on", 2) == 0 ||
	    strncmp(lower, "xmlns", 5) == 0 || repeated(attrs, i))
		return 0;
	int rc = buf_append_char(&doc->out, ' ');
	rc |= buf_append_str(&doc->out, svg_spelling(lower));
	rc |= buf_append_str(&doc->out, "=\"");
	if (a->value)
		rc |= append_escaped(doc, a->value, a->value_len);
	return rc | buf_append_char(&doc->out, '"');
}

int svg_export_start(struct svg_export *doc, const char *name, size_t name_len,
		     const struct htmlprep_attr *attrs, size_t count, bool root, enum svg_start *state)
{
	char lower[NAME_MAX_LEN + 1];
	*state = SVG_DROPPED;
	if (doc->skipped || doc->too_large || !xml_name(name, name_len, lower))
		return 0;
	if (strcmp(lower, "script") == 0 || strcmp(lower, "foreignobject") == 0) {
		doc->skipped++;
		*state = SVG_SKIPPED;
		return 0;
	}
	int rc = buf_append_char(&doc->out, '<');
	rc |= buf_append_str(&doc->out, svg_spelling(lower));
	if (root)
		rc |= buf_append_str(&doc->out, " xmlns=\"http://www.w3.org/2000/svg\" "
				     "xmlns:xlink=\"http://www.w3.org/1999/xlink\"");
	for (size_t i = 0; i < count && rc == 0; i++)
		rc |= write_attribute(doc, attrs, i);
	rc |= buf_append_char(&doc->out, '>');
	*state = SVG_WRITTEN;
	return settle(doc, rc);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/*
 * Text between tags is mostly indentation: whitespace-only text is left
 * out and runs of whitespace become one space, as SVG renders them
 * (xml:space default), so the same icon indented differently exports the
 * same document.
 */
int svg_export_text(struct svg_export *doc, const char *text, size_t len)
{
	if (doc->skipped || doc->too_large)
		return 0;
	const char *end = text + len;
	const char *p = text;
	while (p < end && is_space(*p))
		p++;
	if (p == end)
		return 0;
	int rc = p > text ? buf_append_char(&doc->out, ' ') : 0;
	while (p < end && rc == 0) {
		const char *word = p;
		while (p < end && !is_space(*p))
			p++;
		rc = append_escaped(doc, word, (size_t)(p - word));
		if (p < end && rc == 0)
			rc = buf_append_char(&doc->out, ' ');
		while (p < end && is_space(*p))
			p++;
	}
	return settle(doc, rc);
}

int svg_export_end(struct svg_export *doc, const char *name, enum svg_start state)
{
	if (state == SVG_SKIPPED && doc->skipped > 0)
		doc->skipped--;
	if (state != SVG_WRITTEN || doc->too_large)
		return 0;
	char lower[NAME_MAX_LEN + 1];
	if (!xml_name(name, strlen(name), lower))
		return 0;
	int rc = buf_append_str(&doc->out, "</");
	rc |= buf_append_str(&doc->out, svg_spelling(lower));
	return settle(doc, rc | buf_append_char(&doc->out, '>'));
}

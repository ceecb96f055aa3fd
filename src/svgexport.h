/* Inline SVG written out, token by token, as a standalone SVG document for export. */
#ifndef IG_SVGEXPORT_H
#define IG_SVGEXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "htmlprep.h"

/* One document being written. */
struct svg_export {
	struct buf out;     /* the document; its max bounds its size */
	size_t skipped;     /* open elements whose content is left out */
	bool too_large;     /* out reached its max; the document is abandoned */
};

/* What became of a start tag, which decides what its end tag does. */
enum svg_start {
	SVG_WRITTEN,        /* written; svg_export_end() writes its end tag */
	SVG_SKIPPED,        /* script or foreignObject: left out with everything inside */
	SVG_DROPPED,        /* left out alone: inside a skipped element, or a name XML refuses */
};

/* Starts an empty document of at most max_bytes. */
void svg_export_begin(struct svg_export *doc, size_t max_bytes);

/*
 * Writes a start tag from the page: name and attributes as written. The
 * root gets the SVG and XLink namespace declarations that the HTML parser
 * implies. Event handler attributes, namespace declarations, repeated
 * attributes and names XML rejects are left out. Names get the mixed case
 * of the SVG vocabulary, as the HTML parser gives them. Sets *state.
 * Returns 0, or -1 when memory runs out.
 */
int svg_export_start(struct svg_export *doc, const char *name, size_t name_len,
		     const struct htmlprep_attr *attrs, size_t count, bool root, enum svg_start *state);

/* Writes text as written in the page, with "<", ">" and bare "&" escaped. Returns 0 or -1. */
int svg_export_text(struct svg_export *doc, const char *text, size_t len);

/* Ends an element whose start gave state; name is the lower-case name. Returns 0 or -1. */
int svg_export_end(struct svg_export *doc, const char *name, enum svg_start state);

/* Frees the document. */
void svg_export_free(struct svg_export *doc);

#endif

/* srcset attribute parsing (WHATWG HTML, "parse a srcset attribute"). */
#ifndef IG_SRCSET_H
#define IG_SRCSET_H

#include <stddef.h>

/* One image candidate string, with its URL as written (not resolved). */
struct srcset_candidate {
	char *url;
	char *descriptor;   /* normalized ("640w", "2x", "640w 480h"), or NULL */
	long width;         /* w descriptor, or -1 */
	long height;        /* h descriptor, or -1 */
	double density;     /* x descriptor, or -1 */
};

struct srcset {
	struct srcset_candidate *items;
	size_t count;
};

/*
 * Parses text into the candidates the standard keeps, in order, dropping
 * those with invalid descriptors. Stops after max candidates. Returns 0, or
 * -1 when memory runs out (set is then empty). Free set with srcset_free().
 */
int srcset_parse(const char *text, size_t max, struct srcset *set);
void srcset_free(struct srcset *set);

#endif

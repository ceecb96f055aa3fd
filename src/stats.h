/* The owner's statistics: the last 30 days of aggregate counters as JSON and HTML. */
#ifndef IG_STATS_H
#define IG_STATS_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

enum {
	STATS_DAYS = 30,
	STATS_MAX_EVENTS = 16,      /* more distinct events are left out */
	STATS_MAX_LABELS = 500,     /* more distinct page labels are left out */
};

/* Totals of one page label over the whole period, per event. */
struct stats_label {
	char name[65];
	long counts[STATS_MAX_EVENTS];
	long total;
};

/* Counters per UTC day and event, and per page label and event. */
struct stats_summary {
	char days[STATS_DAYS][11];                  /* "YYYY-MM-DD", oldest first */
	char events[STATS_MAX_EVENTS][65];
	size_t event_count;
	long daily[STATS_DAYS][STATS_MAX_EVENTS];   /* all labels added up */
	long totals[STATS_MAX_EVENTS];
	struct stats_label *labels;                 /* sorted by total, largest first */
	size_t label_count;
	size_t left_out;                            /* records over the event or label maximum */
};

/*
 * Reads the STATS_DAYS UTC days that end with the day containing now from
 * the store in data_dir into s. The known events come first in a fixed
 * order, others follow as found. Free s with stats_free. Returns 0 or -1
 * with err.
 */
int stats_read(const char *data_dir, time_t now, struct stats_summary *s,
	       char *err, size_t errlen);
void stats_free(struct stats_summary *s);

/* Appends s as one JSON object (docs/API.md, "Statistics"). Returns 0 or -1. */
int stats_json(const struct stats_summary *s, struct buf *out);

/*
 * Appends s as a complete HTML document with a table and an inline SVG
 * chart, using no script and no external file. The only style is one
 * <style> element whose text is STATS_STYLE. Returns 0 or -1.
 */
int stats_html(const struct stats_summary *s, struct buf *out);

/* The text of the page's <style> element, for its CSP hash. */
extern const char STATS_STYLE[];

#endif

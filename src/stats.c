/* The owner's statistics: the last 30 days of aggregate counters as JSON and HTML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "stats.h"
#include "store.h"

#define SECONDS_PER_DAY 86400

/* The events the programs count, in the order the page shows them. */
static const char *const known_events[] = {
	STORE_EVENT_EXTRACT, STORE_EVENT_EXTRACT_OK, STORE_EVENT_EXTRACT_ERROR,
	STORE_EVENT_PREVIEW, STORE_EVENT_EXPORT, STORE_EVENT_DOWNLOAD,
};

/* Chart colours, one per event in order; they repeat beyond eight. */
static const char *const colours[] = {
	"#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#7f7f7f",
};

const char STATS_STYLE[] =
	"body{font-family:sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}"
	"th,td{border:1px solid #ccc;padding:.2em .5em;text-align:right}"
	"th:first-child,td:first-child{text-align:left}"
	"svg{max-width:100%;height:auto;border:1px solid #ccc}";

/* Returns the index of event in s, adding it when there is room; -1 when full. */
static int event_index(struct stats_summary *s, const char *event)
{
	for (size_t i = 0; i < s->event_count; i++)
		if (strcmp(s->events[i], event) == 0)
			return (int)i;
	if (s->event_count == STATS_MAX_EVENTS)
		return -1;
	snprintf(s->events[s->event_count], sizeof s->events[0], "%s", event);
	return (int)s->event_count++;
}

static int day_index(const struct stats_summary *s, const char *day)
{
	for (int i = 0; i < STATS_DAYS; i++)
		if (strcmp(s->days[i], day) == 0)
			return i;
	return -1;
}

/* Returns the entry of label, adding it when there is room; NULL when full or out of memory. */
static struct stats_label *label_entry(struct stats_summary *s, const char *label)
{
	for (size_t i = 0; i < s->label_count; i++)
		if (strcmp(s->labels[i].name, label) == 0)
			return &s->labels[i];
	if (s->label_count == STATS_MAX_LABELS)
		return NULL;
	if (!s->labels) {
		s->labels = calloc(STATS_MAX_LABELS, sizeof *s->labels);
		if (!s->labels)
			return NULL;
	}
	struct stats_label *l = &s->labels[s->label_count++];
	snprintf(l->name, sizeof l->name, "%s", label);
	return l;
}

static void add_record(struct stats_summary *s, const struct store_day_count *r)
{
	int day = day_index(s, r->day);
	int event = event_index(s, r->event);
	if (day < 0)
		return;
	if (event < 0) {
		s->left_out++;
		return;
	}
	s->daily[day][event] += r->count;
	s->totals[event] += r->count;
	if (r->label[0] == '\0')
		return;
	struct stats_label *l = label_entry(s, r->label);
	if (!l) {
		s->left_out++;
		return;
	}
	l->counts[event] += r->count;
	l->total += r->count;
}

static int by_total_then_name(const void *a, const void *b)
{
	const struct stats_label *x = a, *y = b;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return strcmp(x->name, y->name);
}

int stats_read(const char *data_dir, time_t now, struct stats_summary *s,
	       char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	time_t first = now - (time_t)(STATS_DAYS - 1) * SECONDS_PER_DAY;
	for (int i = 0; i < STATS_DAYS; i++) {
		time_t t = first + (time_t)i * SECONDS_PER_DAY;
		struct tm tm;
		if (!gmtime_r(&t, &tm) || strftime(s->days[i], sizeof s->days[i], "%Y-%m-%d", &tm) == 0) {
			snprintf(err, errlen, "cannot format the UTC day of time %lld", (long long)t);
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof known_events / sizeof known_events[0]; i++)
		event_index(s, known_events[i]);

	struct store_day_count *records;
	size_t count;
	if (store_read_days(data_dir, first, now, &records, &count, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < count; i++)
		add_record(s, &records[i]);
	free(records);
	if (s->label_count > 1)
		qsort(s->labels, s->label_count, sizeof *s->labels, by_total_then_name);
	return 0;
}

void stats_free(struct stats_summary *s)
{
	free(s->labels);
	s->labels = NULL;
	s->label_count = 0;
}

static int json_counts(struct buf *out, const struct stats_summary *s, const long *counts)
{
	int rc = buf_append_char(out, '{');
	for (size_t e = 0; e < s->event_count; e++) {
		if (e > 0)
			rc |= buf_append_char(out, ',');
		rc |= json_key(out, s->events[e]);
		rc |= buf_printf(out, "%ld", counts[e]);
	}
	rc |= buf_append_char(out, '}');
	return rc;
}

int stats_json(const struct stats_summary *s, struct buf *out)
{
	int rc = buf_append_str(out, "{\"days\":[");
	for (int d = 0; d < STATS_DAYS; d++) {
		if (d > 0)
			rc |= buf_append_char(out, ',');
		rc |= json_string(out, s->days[d]);
	}
	rc |= buf_append_str(out, "],\"daily\":[");
	for (int d = 0; d < STATS_DAYS; d++) {
		if (d > 0)
			rc |= buf_append_char(out, ',');
		rc |= json_counts(out, s, s->daily[d]);
	}
	rc |= buf_append_str(out, "],\"totals\":");
	rc |= json_counts(out, s, s->totals);
	rc |= buf_append_str(out, ",\"labels\":[");
	for (size_t i = 0; i < s->label_count; i++) {
		if (i > 0)
			rc |= buf_append_char(out, ',');
		rc |= buf_append_str(out, "{\"label\":");
		rc |= json_string(out, s->labels[i].name);
		rc |= buf_append_str(out, ",\"counts\":");
		rc |= json_counts(out, s, s->labels[i].counts);
		rc |= buf_append_char(out, '}');
	}
	rc |= buf_printf(out, "],\"left_out\":%zu}\n", s->left_out);
	return rc ? -1 : 0;
}

/* Appends text with &, <, >, " and ' escaped. */
static int html_text(struct buf *out, const char *text)
{
	int rc = 0;
	for (const char *p = text; *p && rc == 0; p++) {
		switch (*p) {
		case '&': rc = buf_append_str(out, "&amp;"); break;
		case '<': rc = buf_append_str(out, "&lt;"); break;
		case '>': rc = buf_append_str(out, "&gt;"); break;
		case '"': rc = buf_append_str(out, "&quot;"); break;
		case '\'': rc = buf_append_str(out, "&#39;"); break;
		default: rc = buf_append_char(out, *p); break;
		}
	}
	return rc;
}

static int html_header_row(struct buf *out, const struct stats_summary *s, const char *first)
{
	int rc = buf_printf(out, "<tr><th>%s</th>", first);
	for (size_t e = 0; e < s->event_count; e++) {
		rc |= buf_append_str(out, "<th>");
		rc |= html_text(out, s->events[e]);
		rc |= buf_append_str(out, "</th>");
	}
	rc |= buf_append_str(out, "</tr>\n");
	return rc;
}

static int html_count_row(struct buf *out, const struct stats_summary *s, const char *name,
			  const long *counts)
{
	int rc = buf_append_str(out, "<tr><td>");
	rc |= html_text(out, name);
	rc |= buf_append_str(out, "</td>");
	for (size_t e = 0; e < s->event_count; e++)
		rc |= buf_printf(out, "<td>%ld</td>", counts[e]);
	rc |= buf_append_str(out, "</tr>\n");
	return rc;
}

enum { CHART_W = 760, CHART_H = 260, CHART_LEFT = 50, CHART_BOTTOM = 30, CHART_TOP = 10 };

/* Appends one polyline per event: days on the x axis, counts on the y axis. */
static int html_chart(struct buf *out, const struct stats_summary *s)
{
	long max = 1;
	for (int d = 0; d < STATS_DAYS; d++)
		for (size_t e = 0; e < s->event_count; e++)
			if (s->daily[d][e] > max)
				max = s->daily[d][e];
	double plot_w = CHART_W - CHART_LEFT - 10, plot_h = CHART_H - CHART_BOTTOM - CHART_TOP;
	double step = plot_w / (STATS_DAYS - 1);
	int rc = buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
			    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
			    "aria-label=\"Daily counts of the last %d days\">\n",
			    CHART_W, CHART_H, CHART_W, CHART_H, STATS_DAYS);
	rc |= buf_printf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
			 CHART_LEFT, CHART_H - CHART_BOTTOM, CHART_W - 10, CHART_H - CHART_BOTTOM);
	rc |= buf_printf(out, "<text x=\"4\" y=\"%d\" font-size=\"11\">%ld</text>\n",
			 CHART_TOP + 10, max);
	rc |= buf_printf(out, "<text x=\"4\" y=\"%d\" font-size=\"11\">0</text>\n",
			 CHART_H - CHART_BOTTOM);
	rc |= buf_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n",
			 CHART_LEFT, CHART_H - 8, s->days[0]);
	rc |= buf_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
			 CHART_W - 10, CHART_H - 8, s->days[STATS_DAYS - 1]);
	for (size_t e = 0; e < s->event_count; e++) {
		const char *colour = colours[e % (sizeof colours / sizeof colours[0])];
		rc |= buf_printf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
				 colour);
		for (int d = 0; d < STATS_DAYS; d++) {
			double x = CHART_LEFT + d * step;
			double y = CHART_TOP + plot_h - plot_h * (double)s->daily[d][e] / (double)max;
			rc |= buf_printf(out, "%s%.1f,%.1f", d ? " " : "", x, y);
		}
		rc |= buf_append_str(out, "\"><title>");
		rc |= html_text(out, s->events[e]);
		rc |= buf_append_str(out, "</title></polyline>\n");
	}
	rc |= buf_append_str(out, "</svg>\n<p>");
	for (size_t e = 0; e < s->event_count; e++) {
		rc |= buf_printf(out, "<svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" "
				 "fill=\"%s\"/></svg> ", colours[e % (sizeof colours / sizeof colours[0])]);
		rc |= html_text(out, s->events[e]);
		rc |= buf_append_str(out, " &nbsp; ");
	}
	rc |= buf_append_str(out, "</p>\n");
	return rc;
}

int stats_html(const struct stats_summary *s, struct buf *out)
{
	int rc = buf_printf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			    "<title>ImageGather statistics</title><style>%s</style></head><body>\n"
			    "<h1>ImageGather statistics</h1>\n<p>UTC days %s to %s. Counts are "
			    "requests per day, added up over all visitors; no visitor address is "
			    "stored.</p>\n", STATS_STYLE, s->days[0], s->days[STATS_DAYS - 1]);
	rc |= html_chart(out, s);

	rc |= buf_append_str(out, "<h2>Per day</h2>\n<table>\n");
	rc |= html_header_row(out, s, "day");
	for (int d = STATS_DAYS - 1; d >= 0; d--)
		rc |= html_count_row(out, s, s->days[d], s->daily[d]);
	rc |= html_count_row(out, s, "total", s->totals);
	rc |= buf_append_str(out, "</table>\n");

	rc |= buf_append_str(out, "<h2>Per page label</h2>\n");
	if (s->label_count == 0) {
		rc |= buf_append_str(out, "<p>No request carried a page label in this period.</p>\n");
	} else {
		rc |= buf_append_str(out, "<table>\n");
		rc |= html_header_row(out, s, "label");
		for (size_t i = 0; i < s->label_count; i++)
			rc |= html_count_row(out, s, s->labels[i].name, s->labels[i].counts);
		rc |= buf_append_str(out, "</table>\n");
	}
	if (s->left_out > 0)
		rc |= buf_printf(out, "<p>%zu records were left out: more than %d events or "
				 "%d page labels.</p>\n", s->left_out, STATS_MAX_EVENTS,
				 STATS_MAX_LABELS);
	rc |= buf_append_str(out, "</body></html>\n");
	return rc ? -1 : 0;
}

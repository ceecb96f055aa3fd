/* The shared GDBM store: per-IP hourly counters and aggregate statistics. */
#ifndef IG_STORE_H
#define IG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Events counted in the aggregate statistics. */
#define STORE_EVENT_EXTRACT "extract"
#define STORE_EVENT_EXTRACT_OK "extract_ok"
#define STORE_EVENT_EXTRACT_ERROR "extract_error"
#define STORE_EVENT_PREVIEW "preview"
#define STORE_EVENT_EXPORT "export"
#define STORE_EVENT_DOWNLOAD "download"
/* The per-IP hourly budget of exported image bytes (store_reserve). */
#define STORE_EVENT_EXPORT_BYTES "export_bytes"

/*
 * Returned instead of -1 when another process kept the store's lock for
 * the whole bounded wait (5 seconds); nothing was read or written, and the
 * request should be answered with 503 and Retry-After.
 */
#define STORE_BUSY (-2)

/*
 * Counts one request of kind event ("extract", "preview", "export") from
 * client address ip against limit per clock hour, and adds one to the
 * aggregate counter for today, page_label (may be NULL) and event, all under
 * one lock. The per-IP key is HMAC-SHA-256(secret, event|ip|hour); the raw
 * address is never stored. The secret is created in data_dir on first use
 * with mode 0600. limit 0 switches the limit off and then no per-IP counter
 * is kept. event and page_label must match [A-Za-z0-9._-]{1,64}. Damage
 * that GDBM reports while the database is in use is repaired with
 * gdbm_recover; a database that cannot be repaired or opened is moved aside
 * (logged as an error) and a new one is started.
 * Returns 0 when allowed, or -1 (STORE_BUSY when the lock was held too
 * long) with a message in err when the store failed. Returns 1 when over
 * the limit: then nothing is counted and *retry_after receives the seconds
 * left in the hour (at least 1).
 */
int store_hit(const char *data_dir, const char *ip, const char *event,
	      long limit, const char *page_label, long *retry_after,
	      char *err, size_t errlen);

/*
 * Adds amount to the per-IP counter of event for the current UTC hour,
 * under the same HMAC-SHA-256 key scheme as store_hit, unless the total
 * would pass limit (at least 1). An amount of 0 only checks that the
 * counter is still below limit. *used (may be NULL) receives the counter
 * after the call. Returns 0 when reserved, 1 when over the limit (nothing
 * added; *retry_after, may be NULL, receives the seconds left in the hour),
 * -1 or STORE_BUSY with a message in err when the store failed.
 */
int store_reserve(const char *data_dir, const char *ip, const char *event,
		  long long amount, long long limit, long long *used, long *retry_after,
		  char *err, size_t errlen);

/*
 * Adds one to the aggregate counter for today, page_label (may be NULL) and
 * event. Returns 0, or -1 or STORE_BUSY with err.
 */
int store_count(const char *data_dir, const char *event, const char *page_label,
		char *err, size_t errlen);

/*
 * Reads the aggregate counter for the UTC day that contains day, for event
 * and page_label (may be NULL) into *count; 0 when there is none or no
 * database yet. Returns 0 or -1 with err.
 */
int store_get_count(const char *data_dir, time_t day, const char *event,
		    const char *page_label, long *count, char *err, size_t errlen);

/* One aggregate counter: a UTC day, an event and a page label. */
struct store_day_count {
	char day[11];               /* "YYYY-MM-DD" */
	char event[65];
	char label[65];             /* empty when the count has no label */
	long count;
};

/*
 * Reads every aggregate counter of the UTC days from the day that contains
 * since up to the day that contains until, both included, in the order GDBM
 * returns them. *out receives an array of *len entries that the caller
 * frees with free(); it is NULL with *len 0 when there are none or no
 * database yet. Per-IP records are skipped. Returns 0 or -1 with err.
 */
int store_read_days(const char *data_dir, time_t since, time_t until,
		    struct store_day_count **out, size_t *len, char *err, size_t errlen);

/*
 * Removes per-IP counters whose hour ended at or before now and, when any
 * were removed, reorganizes the file. Aggregate counters are kept. With
 * dry_run, only counts. A missing database is not an error (nothing to
 * remove); a damaged one is reported, not replaced. *removed receives the
 * number of records removed (or that would be). Returns 0 or -1 with err.
 */
int store_prune(const char *data_dir, time_t now, bool dry_run, long *removed,
		char *err, size_t errlen);

#endif

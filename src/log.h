/* One-line log records on stderr, which Apache writes to its error log. */
#ifndef IG_LOG_H
#define IG_LOG_H

#include <stdio.h>

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO };

/* Sets the program name printed in every record; the string must outlive logging. */
void log_init(const char *program);
/*
 * Writes "PROGRAM TIME LEVEL message" with the time in UTC (ISO 8601).
 * Control characters in the message are escaped as \xHH, so text from a
 * request or a fetched page cannot forge a record.
 */
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Also appends every record to f (any level), in addition to stderr. The
 * caller keeps ownership of f; NULL stops it.
 */
void log_set_file(FILE *f);
/* Writes to stderr only records of level or more severe (default LOG_INFO: all). */
void log_set_stderr_level(enum log_level level);

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

#endif

/* One-line log records on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static const char *log_program = "imagegather";
static FILE *log_file;
static enum log_level stderr_level = LOG_INFO;

void log_set_file(FILE *f)
{
	log_file = f;
}

void log_set_stderr_level(enum log_level level)
{
	stderr_level = level;
}

void log_init(const char *program)
{
	log_program = program;
}

static const char *level_name(enum log_level level)
{
	switch (level) {
	case LOG_ERROR:
		return "error";
	case LOG_WARN:
		return "warning";
	default:
		return "info";
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char message[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);

	char stamp[32] = "";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);

	char line[sizeof message * 4 + 128];
	int n = snprintf(line, sizeof line, "%s %s %s ", log_program, stamp,
			 level_name(level));
	size_t pos = n > 0 ? (size_t)n : 0;
	for (const unsigned char *p = (const unsigned char *)message;
	     *p && pos + 5 < sizeof line; p++) {
		if (*p < 0x20 || *p == 0x7f)
			pos += (size_t)snprintf(line + pos, 5, "\\x%02x", *p);
		else
			line[pos++] = (char)*p;
	}
	line[pos++] = '\n';
	if (level <= stderr_level) {
		fwrite(line, 1, pos, stderr);
		fflush(stderr);
	}
	if (log_file) {
		fwrite(line, 1, pos, log_file);
		fflush(log_file);
	}
}

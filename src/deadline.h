/* A wall-clock deadline for the whole process, enforced with SIGALRM. */
#ifndef IG_DEADLINE_H
#define IG_DEADLINE_H

#include <stddef.h>

/*
 * Arms (or re-arms) a deadline seconds from now. When it passes, the
 * SIGALRM handler removes the file registered with deadline_remove_on_expiry,
 * sends a 504 "timeout" error when no response has begun, writes an error
 * record to stderr in log.h's format and ends the process with _exit(1).
 * Under suEXEC, Apache may not be allowed to signal the CGI process, so the
 * process has to stop itself. program names the program in the record.
 * Also handles SIGTERM, which Apache sends when it ends a request first:
 * the registered file is removed, an info record written, and the process
 * ends with _exit(1). Returns 0, or -1 with a message in err.
 */
int deadline_arm(const char *program, long seconds, char *err, size_t errlen);

/*
 * Registers path (copied) for removal when the deadline passes, replacing
 * any earlier one; NULL clears it. Returns 0, or -1 when path is too long.
 */
int deadline_remove_on_expiry(const char *path);

/*
 * Keeps the handler from writing the 504 response to stdout, for a program
 * that is not a CGI program (the cleanup program run by cron).
 */
void deadline_disable_response(void);

/* Formats time t (Unix seconds) as "YYYY-MM-DDTHH:MM:SSZ" into out[21]; async-signal-safe. */
void deadline_format_utc(long long t, char out[21]);

#endif

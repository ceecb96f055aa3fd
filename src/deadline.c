/* A wall-clock deadline for the whole process, enforced with SIGALRM. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgi.h"
#include "deadline.h"

/*
 * Everything the handler needs is prepared before the alarm is armed,
 * because a signal handler may call only async-signal-safe functions
 * (POSIX.1-2017 XSH 2.4.3): no stdio, no malloc.
 */
static char expiry_path[PATH_MAX];
static volatile sig_atomic_t expiry_path_set;
static char record_head[96];      /* "PROGRAM " */
static char record_tail[160];     /* " error the deadline of N seconds passed; stopping\n" */
static const char term_tail[] =
	" info stopped by SIGTERM: the web server ended the request (the client left or its "
	"time ran out)\n";
static char response[512];        /* a complete 504 CGI response */
static volatile sig_atomic_t response_disabled;

static void write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		data += n;
		len -= (size_t)n;
	}
}

/* Days since 1970-01-01 to a civil date in the proleptic Gregorian calendar. */
static void civil_from_days(long long days, long long *year, int *month, int *day)
{
	days += 719468;                                  /* days from 0000-03-01 */
	long long era = (days >= 0 ? days : days - 146096) / 146097;
	long long doe = days - era * 146097;             /* day of the 400-year era */
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;              /* month counted from March */
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

static void put_digits(char *out, long long value, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

void deadline_format_utc(long long t, char out[21])
{
	long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	long long secs = t - days * 86400;
	long long year;
	int month, day;
	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999)
		year = 0;
	put_digits(out, year, 4);
	out[4] = '-';
	put_digits(out + 5, month, 2);
	out[7] = '-';
	put_digits(out + 8, day, 2);
	out[10] = 'T';
	put_digits(out + 11, secs / 3600, 2);
	out[13] = ':';
	put_digits(out + 14, secs / 60 % 60, 2);
	out[16] = ':';
	put_digits(out + 17, secs % 60, 2);
	out[19] = 'Z';
	out[20] = '\0';
}

/* Writes one log record: the program, the time, then tail. */
static void write_record(const char *tail)
{
	struct timespec now;
	char stamp[21] = "1970-01-01T00:00:00Z";
	if (clock_gettime(CLOCK_REALTIME, &now) == 0)
		deadline_format_utc((long long)now.tv_sec, stamp);
	write_all(STDERR_FILENO, record_head, strlen(record_head));
	write_all(STDERR_FILENO, stamp, strlen(stamp));
	write_all(STDERR_FILENO, tail, strlen(tail));
}

/*
 * Apache's mod_cgid sends SIGTERM when a request ends before its program
 * does, as when the visitor cancels an export: the unfinished file goes,
 * as on the deadline, and the record gives the reason.
 */
static void on_term(int sig)
{
	(void)sig;
	if (expiry_path_set)
		unlink(expiry_path);
	write_record(term_tail);
	_exit(1);
}

static void on_alarm(int sig)
{
	(void)sig;
	if (expiry_path_set)
		unlink(expiry_path);
	if (!response_disabled && !cgi_headers_started())
		write_all(STDOUT_FILENO, response, strlen(response));

	write_record(record_tail);
	_exit(1);
}

static void prepare_messages(const char *program, long seconds)
{
	snprintf(record_head, sizeof record_head, "%s ", program);
	snprintf(record_tail, sizeof record_tail,
		 " error the deadline of %ld seconds passed; stopping\n", seconds);
	const char *body_fmt = "{\"error\":{\"code\":\"timeout\",\"message\":"
			       "\"The server did not finish within %ld seconds; try again "
			       "with fewer or smaller images.\"}}";
	char body[256];
	int len = snprintf(body, sizeof body, body_fmt, seconds);
	snprintf(response, sizeof response,
		 "Status: 504 Gateway Timeout\r\n"
		 "Content-Type: application/json; charset=utf-8\r\n"
		 "Cache-Control: no-store\r\n"
		 "X-Content-Type-Options: nosniff\r\n"
		 "Content-Length: %d\r\n\r\n%s", len, body);
}

int deadline_arm(const char *program, long seconds, char *err, size_t errlen)
{
	if (seconds <= 0 || seconds > 86400) {
		snprintf(err, errlen, "invalid deadline of %ld seconds: expected 1 to 86400",
			 seconds);
		return -1;
	}
	alarm(0);
	prepare_messages(program, seconds);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) != 0) {
		snprintf(err, errlen, "sigaction(SIGALRM) failed: %s", strerror(errno));
		return -1;
	}
	sa.sa_handler = on_term;
	if (sigaction(SIGTERM, &sa, NULL) != 0) {
		snprintf(err, errlen, "sigaction(SIGTERM) failed: %s", strerror(errno));
		return -1;
	}
	alarm((unsigned)seconds);
	return 0;
}

void deadline_disable_response(void)
{
	response_disabled = 1;
}

int deadline_remove_on_expiry(const char *path)
{
	expiry_path_set = 0;
	if (!path)
		return 0;
	if (strlen(path) >= sizeof expiry_path)
		return -1;
	memcpy(expiry_path, path, strlen(path) + 1);
	expiry_path_set = 1;
	return 0;
}

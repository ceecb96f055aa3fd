/* The shared GDBM store: per-IP hourly counters and aggregate statistics. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gdbm.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "log.h"
#include "store.h"

/*
 * Files in data_dir:
 *   imagegather.gdbm  the database, opened with GDBM_NOLOCK
 *   imagegather.lock  the lock file; every access holds an exclusive flock
 *                     on it. It is never renamed or deleted, unlike the
 *                     database, which gdbm_reorganize replaces by rename.
 *   secret.key        SECRET_LEN random bytes, the HMAC key for client
 *                     addresses
 *
 * Records (keys and values are stored without a terminating NUL):
 *   "ip:" HEX -> "COUNT EXPIRES"
 *       HEX is the lowercase hex HMAC-SHA-256 of "EVENT|IP|HOUR" under the
 *       secret, HOUR the UTC hour as "YYYY-MM-DDTHH". COUNT is the number
 *       of requests counted in that hour and EXPIRES the Unix time at which
 *       the hour ends, both decimal, separated by one space.
 *   "day:YYYY-MM-DD|EVENT|LABEL" -> "COUNT"
 *       The aggregate count for a UTC day, event and label (empty when
 *       there is none), decimal.
 */

#define DB_NAME "imagegather.gdbm"
#define LOCK_NAME "imagegather.lock"
#define SECRET_NAME "secret.key"

enum {
	SECRET_LEN = 32,
	NAME_MAX_LEN = 64,          /* events and labels */
	IP_MAX_LEN = 64,            /* longer than any IPv6 text with a zone id */
	RECORD_MAX_LEN = 64,        /* maximum length of a value the store writes */
	LOCK_WAIT_MS = 5000,        /* give up on the lock after this */
	LOCK_POLL_MS = 2,           /* first pause between lock attempts */
	LOCK_POLL_MAX_MS = 20,      /* maximum pause between lock attempts */
};

/* Open modes of the database. */
enum open_mode {
	OPEN_READ,                  /* a missing database reads as empty */
	OPEN_WRITE,                 /* a missing database is left missing */
	OPEN_CREATE,                /* a missing database is created */
};

/* One locked session with the database. db is NULL when the file is missing. */
struct session {
	const char *data_dir;
	int lock_fd;
	GDBM_FILE db;
};

typedef int (*session_op)(struct session *s, void *ctx, char *err, size_t errlen);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int join_path(char *out, size_t size, const char *dir, const char *name,
		     char *err, size_t errlen)
{
	int n = snprintf(out, size, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= size) {
		set_err(err, errlen, "path of %s in data folder %s is too long", name, dir);
		return -1;
	}
	return 0;
}

/* Accepts [A-Za-z0-9._-]{1,64}, the characters allowed in events and labels. */
static bool is_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/*
 * Accepts the characters of IPv4 and IPv6 addresses, with an IPv6 zone id
 * after "%". Rejecting "|" keeps the HMAC input "EVENT|IP|HOUR" unambiguous.
 */
static bool is_valid_ip(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > IP_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == ':' ||
			  c == '%' || c == '_' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

static int check_event_label(const char *event, const char *label,
			     char *err, size_t errlen)
{
	if (!event || !is_valid_name(event)) {
		set_err(err, errlen, "invalid event name \"%.80s\": expected 1 to 64 of "
			"A-Z a-z 0-9 . _ -", event ? event : "(null)");
		return -1;
	}
	if (label && !is_valid_name(label)) {
		set_err(err, errlen, "invalid label \"%.80s\": expected 1 to 64 of "
			"A-Z a-z 0-9 . _ -", label);
		return -1;
	}
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * Opens the lock file and takes an exclusive flock on it, polling for at
 * most LOCK_WAIT_MS. Polling, not a blocking flock, bounds the wait without
 * a signal handler. Returns the descriptor, which the caller closes, -1,
 * or STORE_BUSY when another process kept the lock past LOCK_WAIT_MS.
 */
static int lock_store(const char *data_dir, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (join_path(path, sizeof path, data_dir, LOCK_NAME, err, errlen) != 0)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		set_err(err, errlen, "cannot open lock file %s: %s", path, strerror(errno));
		return -1;
	}

	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	long pause = LOCK_POLL_MS;
	int rc = -1;
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			set_err(err, errlen, "flock on %s failed: %s", path, strerror(errno));
			break;
		}
		if (elapsed_ms(&start) >= LOCK_WAIT_MS) {
			set_err(err, errlen, "timed out after %d ms waiting for the lock on %s; "
				"another process holds it", LOCK_WAIT_MS, path);
			rc = STORE_BUSY;
			break;
		}
		sleep_ms(pause);
		if (pause < LOCK_POLL_MAX_MS)
			pause++;
	}
	close(fd);
	return rc;
}

/* Reads exactly SECRET_LEN bytes from path. Returns 0, 1 when missing, or -1. */
static int read_secret(const char *path, unsigned char *key, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		set_err(err, errlen, "cannot open secret file %s: %s", path, strerror(errno));
		return -1;
	}

	unsigned char extra;
	size_t got = 0;
	int rc = -1;
	while (got < SECRET_LEN) {
		ssize_t n = read(fd, key + got, SECRET_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_err(err, errlen, "cannot read secret file %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got < SECRET_LEN || read(fd, &extra, 1) != 0) {
		set_err(err, errlen, "secret file %s is damaged: expected exactly %d bytes; "
			"delete it to start new hourly counters", path, SECRET_LEN);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Writes key to path, which must not exist, and syncs it. Returns 0 or -1. */
static int write_new_file(const char *path, const unsigned char *key,
			  char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}

	const char *step = NULL;
	ssize_t n = write(fd, key, SECRET_LEN);
	if (n != SECRET_LEN) {
		step = "write";
		if (n >= 0)
			errno = EIO;   /* a short write of 32 bytes to a regular file */
	} else if (fsync(fd) != 0) {
		step = "fsync";
	}
	int saved = errno;
	if (close(fd) != 0 && !step) {
		step = "close";
		saved = errno;
	}
	if (step) {
		set_err(err, errlen, "%s of %s failed: %s", step, path, strerror(saved));
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * Reads the secret, creating it on first use. The new key is written to a
 * temporary file created with O_CREAT|O_EXCL and then linked to its name,
 * so secret.key never exists half-written. link() fails with EEXIST when
 * another process got there first, and then its key is read. A short,
 * long or unreadable secret.key is an error and is never replaced.
 */
static int load_secret(const char *data_dir, unsigned char *key, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (join_path(path, sizeof path, data_dir, SECRET_NAME, err, errlen) != 0)
		return -1;
	int rc = read_secret(path, key, err, errlen);
	if (rc <= 0)
		return rc;

	char tmp[PATH_MAX + 32];
	snprintf(tmp, sizeof tmp, "%s.new-%ld", path, (long)getpid());
	/* A leftover temporary file of this process id is from a crashed run. */
	unlink(tmp);
	if (RAND_bytes(key, SECRET_LEN) != 1) {
		set_err(err, errlen, "RAND_bytes failed to make the secret for %s", path);
		return -1;
	}
	if (write_new_file(tmp, key, err, errlen) != 0)
		return -1;
	int link_errno = link(tmp, path) == 0 ? 0 : errno;
	unlink(tmp);
	if (link_errno == EEXIST)
		return read_secret(path, key, err, errlen) == 0 ? 0 : -1;
	if (link_errno) {
		set_err(err, errlen, "cannot link %s to %s: %s", tmp, path, strerror(link_errno));
		return -1;
	}
	return 0;
}

/* Errors with which gdbm_open reports a file that is not a sound database. */
static bool is_damage_error(gdbm_error e)
{
	switch (e) {
	case GDBM_BLOCK_SIZE_ERROR:
	case GDBM_BAD_MAGIC_NUMBER:
	case GDBM_EMPTY_DATABASE:
	case GDBM_BYTE_SWAPPED:
	case GDBM_BAD_FILE_OFFSET:
	case GDBM_FILE_EOF:
	case GDBM_NEED_RECOVERY:
	case GDBM_DIR_OVERFLOW:
	case GDBM_BAD_BUCKET:
	case GDBM_BAD_HEADER:
	case GDBM_BAD_AVAIL:
	case GDBM_BAD_HASH_TABLE:
	case GDBM_BAD_DIR_ENTRY:
	case GDBM_BUCKET_CACHE_CORRUPTED:
	case GDBM_BAD_HASH_ENTRY:
	case GDBM_MALFORMED_DATA:
		return true;
	default:
		return false;
	}
}

/* Formats a GDBM error, adding errno when the error came from a system call. */
static void describe_gdbm_error(char *out, size_t size, gdbm_error e, int saved_errno)
{
	if (gdbm_check_syserr(e) && saved_errno)
		snprintf(out, size, "%s: %s", gdbm_strerror(e), strerror(saved_errno));
	else
		snprintf(out, size, "%s", gdbm_strerror(e));
}

/*
 * Renames a damaged database to DB_NAME.damaged-YYYYMMDDTHHMMSSZ, adding
 * "-2", "-3" ... when that name is taken, so that a new database can start
 * while the old file stays for inspection. The caller holds the lock.
 */
static int move_damaged(const char *path, const char *reason, char *err, size_t errlen)
{
	char stamp[32] = "unknown";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);

	char aside[PATH_MAX + 64];
	struct stat st;
	for (int i = 1; i <= 100; i++) {
		if (i == 1)
			snprintf(aside, sizeof aside, "%s.damaged-%s", path, stamp);
		else
			snprintf(aside, sizeof aside, "%s.damaged-%s-%d", path, stamp, i);
		if (lstat(aside, &st) != 0 && errno == ENOENT)
			break;
		aside[0] = '\0';
	}
	if (!aside[0]) {
		set_err(err, errlen, "database %s is damaged (%s) and no free name was found "
			"to move it aside", path, reason);
		return -1;
	}
	if (rename(path, aside) != 0) {
		set_err(err, errlen, "database %s is damaged (%s) and renaming it to %s failed: %s",
			path, reason, aside, strerror(errno));
		return -1;
	}
	log_error("database %s was damaged (%s); moved it to %s and started a new one; "
		  "rate limits and statistics start again from zero", path, reason, aside);
	return 0;
}

/*
 * Opens the database file at path with open(2) for mode, without following
 * a symbolic link (O_NOFOLLOW). Checks that it is a regular file owned by
 * the process's effective user, so that a link or file planted in the data
 * folder cannot choose the file the store writes.
 * Returns the descriptor, -2 when the file is missing and mode does not
 * create it, or -1 with a sentence in err.
 */
static int open_db_file(const char *path, enum open_mode mode, char *err, size_t errlen)
{
	/* O_NONBLOCK keeps a FIFO in the file's place from blocking the open. */
	int flags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	if (mode == OPEN_READ)
		flags |= O_RDONLY;
	else if (mode == OPEN_WRITE)
		flags |= O_RDWR;
	else
		flags |= O_RDWR | O_CREAT;
	int fd = open(path, flags, 0600);
	if (fd < 0) {
		if (errno == ENOENT && mode != OPEN_CREATE)
			return -2;
		if (errno == ELOOP)
			set_err(err, errlen, "cannot open database %s: it is a symbolic link; "
				"remove the link, and the next request creates a new database", path);
		else
			set_err(err, errlen, "cannot open database %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		set_err(err, errlen, "cannot stat database %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		set_err(err, errlen, "cannot use database %s: it must be a regular file owned by "
			"user id %ld, but it is %s owned by user id %ld", path, (long)geteuid(),
			S_ISREG(st.st_mode) ? "a file" : "not a regular file", (long)st.st_uid);
		close(fd);
		return -1;
	}
	int status = fcntl(fd, F_GETFL);
	if (status < 0 || fcntl(fd, F_SETFL, status & ~O_NONBLOCK) != 0) {
		set_err(err, errlen, "cannot clear O_NONBLOCK on database %s: %s", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Opens the database of s in the given mode. With repair, a file that
 * GDBM reports as damaged is moved aside and a new database is created.
 * The file is opened by open_db_file and handed to gdbm_fd_open (GDBM
 * 1.21 and later), so GDBM never opens a path itself. Returns 0 (s->db
 * stays NULL when the file is missing in OPEN_READ or OPEN_WRITE mode) or
 * -1.
 */
static int open_db(struct session *s, enum open_mode mode, bool repair,
		   char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (join_path(path, sizeof path, s->data_dir, DB_NAME, err, errlen) != 0)
		return -1;
	/* GDBM_CLOERROR: gdbm_fd_open closes the descriptor when it fails. */
	int flags = GDBM_NOLOCK | GDBM_CLOEXEC | GDBM_CLOERROR | GDBM_XVERIFY;
	if (mode == OPEN_READ)
		flags |= GDBM_READER;
	else if (mode == OPEN_WRITE)
		flags |= GDBM_WRITER;
	else
		flags |= GDBM_WRCREAT;

	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = open_db_file(path, mode, err, errlen);
		if (fd == -2)
			return 0;
		if (fd < 0)
			return -1;
		s->db = gdbm_fd_open(fd, path, 0, flags, NULL);
		if (s->db)
			return 0;
		gdbm_error e = gdbm_errno;
		int saved_errno = errno;
		char reason[256];
		describe_gdbm_error(reason, sizeof reason, e, saved_errno);
		if (!repair || attempt > 0 || !is_damage_error(e)) {
			set_err(err, errlen, "cannot open database %s: %s", path, reason);
			return -1;
		}
		if (move_damaged(path, reason, err, errlen) != 0)
			return -1;
	}
	return -1;
}

static int close_db(struct session *s, char *err, size_t errlen)
{
	if (!s->db)
		return 0;
	int rc = gdbm_close(s->db);
	s->db = NULL;
	if (rc != 0) {
		char reason[256];
		describe_gdbm_error(reason, sizeof reason, gdbm_errno, errno);
		set_err(err, errlen, "closing database in %s failed: %s", s->data_dir, reason);
		return -1;
	}
	return 0;
}

/*
 * Runs op on the database under the lock, and closes the database before
 * releasing the lock. With repair (writers that serve requests), damage
 * that GDBM reports while op runs is first repaired in place with
 * gdbm_recover, which keeps every record it can read; when that fails, or
 * when the damage shows at open, the database is moved aside and replaced.
 * op then runs once more.
 */
static int with_store(const char *data_dir, enum open_mode mode, bool repair,
		      session_op op, void *ctx, char *err, size_t errlen)
{
	struct session s = { data_dir, -1, NULL };
	s.lock_fd = lock_store(data_dir, err, errlen);
	if (s.lock_fd < 0)
		return s.lock_fd == STORE_BUSY ? STORE_BUSY : -1;

	int rc = open_db(&s, mode, repair, err, errlen);
	if (rc == 0)
		rc = op(&s, ctx, err, errlen);
	if (rc != 0 && repair && s.db && gdbm_needs_recovery(s.db)) {
		char reason[256];
		snprintf(reason, sizeof reason, "%s", gdbm_db_strerror(s.db));
		gdbm_recovery stats;
		memset(&stats, 0, sizeof stats);
		if (gdbm_recover(s.db, &stats, 0) == 0) {
			log_error("database in %s was damaged (%s); gdbm_recover kept it, "
				  "losing %zu of its records", data_dir, reason, stats.failed_keys);
			rc = op(&s, ctx, err, errlen);
		}
	}
	if (rc != 0 && repair && s.db && gdbm_needs_recovery(s.db)) {
		char reason[256], path[PATH_MAX];
		snprintf(reason, sizeof reason, "%s", gdbm_db_strerror(s.db));
		gdbm_close(s.db);
		s.db = NULL;
		rc = join_path(path, sizeof path, data_dir, DB_NAME, err, errlen);
		if (rc == 0)
			rc = move_damaged(path, reason, err, errlen);
		if (rc == 0)
			rc = open_db(&s, mode, false, err, errlen);
		if (rc == 0)
			rc = op(&s, ctx, err, errlen);
	}
	if (close_db(&s, rc == 0 ? err : NULL, rc == 0 ? errlen : 0) != 0)
		rc = -1;
	close(s.lock_fd);
	return rc;
}

/*
 * Parses a record value "COUNT" (expires NULL) or "COUNT EXPIRES". Returns
 * false for anything else, including values the store never writes.
 */
static bool parse_record(const datum *value, long *count, long long *expires)
{
	char text[RECORD_MAX_LEN + 1];
	if (value->dsize <= 0 || value->dsize > RECORD_MAX_LEN)
		return false;
	memcpy(text, value->dptr, (size_t)value->dsize);
	text[value->dsize] = '\0';

	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (errno || end == text || n < 0 || text[0] == '-' || text[0] == '+')
		return false;
	if (!expires) {
		if (*end != '\0')
			return false;
		*count = n;
		return true;
	}
	if (*end != ' ')
		return false;
	char *start = end + 1;
	errno = 0;
	long long t = strtoll(start, &end, 10);
	if (errno || end == start || *end || *start == '-' || *start == '+')
		return false;
	*count = n;
	*expires = t;
	return true;
}

/*
 * Fetches the count stored under key, 0 when absent. A value in another
 * format reads as 0 and is logged, so one bad record cannot block counting.
 * Returns 0, or -1 when GDBM failed.
 */
static int fetch_count(GDBM_FILE db, const char *key, bool with_expiry, long *count,
		       char *err, size_t errlen)
{
	datum k = { (char *)key, (int)strlen(key) };
	datum v = gdbm_fetch(db, k);
	*count = 0;
	if (!v.dptr) {
		if (gdbm_last_errno(db) == GDBM_ITEM_NOT_FOUND) {
			gdbm_clear_error(db);
			return 0;
		}
		set_err(err, errlen, "reading %s failed: %s", key, gdbm_db_strerror(db));
		return -1;
	}
	long long expires;
	if (!parse_record(&v, count, with_expiry ? &expires : NULL)) {
		log_warn("record %s contains an invalid value of %d bytes; counting from 0",
			 key, v.dsize);
		*count = 0;
	}
	free(v.dptr);
	return 0;
}

static int store_text(GDBM_FILE db, const char *key, const char *value,
		      char *err, size_t errlen)
{
	datum k = { (char *)key, (int)strlen(key) };
	datum v = { (char *)value, (int)strlen(value) };
	if (gdbm_store(db, k, v, GDBM_REPLACE) != 0) {
		set_err(err, errlen, "writing %s failed: %s", key, gdbm_db_strerror(db));
		return -1;
	}
	return 0;
}

/* Writes "day:YYYY-MM-DD|EVENT|LABEL" for the UTC day of when. */
static int aggregate_key(char *out, size_t size, time_t when, const char *event,
			 const char *label, char *err, size_t errlen)
{
	struct tm tm;
	char day[16];
	if (!gmtime_r(&when, &tm) || strftime(day, sizeof day, "%Y-%m-%d", &tm) == 0) {
		set_err(err, errlen, "cannot convert time %lld to a UTC date", (long long)when);
		return -1;
	}
	snprintf(out, size, "day:%s|%s|%s", day, event, label ? label : "");
	return 0;
}

static int add_to_aggregate(GDBM_FILE db, time_t now, const char *event,
			    const char *label, char *err, size_t errlen)
{
	char key[256];
	if (aggregate_key(key, sizeof key, now, event, label, err, errlen) != 0)
		return -1;
	long count;
	if (fetch_count(db, key, false, &count, err, errlen) != 0)
		return -1;
	char value[RECORD_MAX_LEN];
	snprintf(value, sizeof value, "%ld", count < LONG_MAX ? count + 1 : count);
	return store_text(db, key, value, err, errlen);
}

/* Writes "ip:" and the hex HMAC of "EVENT|IP|HOUR" for the UTC hour of now. */
static int ip_key(char *out, size_t size, const unsigned char *secret, time_t now,
		  const char *event, const char *ip, char *err, size_t errlen)
{
	struct tm tm;
	char hour[32];
	if (!gmtime_r(&now, &tm) || strftime(hour, sizeof hour, "%Y-%m-%dT%H", &tm) == 0) {
		set_err(err, errlen, "cannot convert time %lld to a UTC hour", (long long)now);
		return -1;
	}
	char message[NAME_MAX_LEN + IP_MAX_LEN + sizeof hour + 4];
	int len = snprintf(message, sizeof message, "%s|%s|%s", event, ip, hour);

	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int mac_len = 0;
	if (!HMAC(EVP_sha256(), secret, SECRET_LEN, (const unsigned char *)message,
		  (size_t)len, mac, &mac_len)) {
		set_err(err, errlen, "HMAC-SHA-256 of the client address failed");
		return -1;
	}
	if (size < 3 + 2 * (size_t)mac_len + 1) {
		set_err(err, errlen, "key buffer too small for a %u-byte HMAC", mac_len);
		return -1;
	}
	memcpy(out, "ip:", 3);
	for (unsigned int i = 0; i < mac_len; i++)
		snprintf(out + 3 + 2 * i, 3, "%02x", mac[i]);
	return 0;
}

struct hit_request {
	const char *ip;
	const char *event;
	long limit;
	const char *label;
	time_t now;
	long retry_after;
	bool over_limit;
};

/* Writes the per-client counter key for event in the hour of now; the secret never leaves this function. */
static int client_key(struct session *s, time_t now, const char *event, const char *ip,
		      char *key, size_t keylen, char *err, size_t errlen)
{
	unsigned char secret[SECRET_LEN];
	int rc = load_secret(s->data_dir, secret, err, errlen);
	if (rc == 0)
		rc = ip_key(key, keylen, secret, now, event, ip, err, errlen);
	OPENSSL_cleanse(secret, sizeof secret);
	return rc == 0 ? 0 : -1;
}

static int hit_op(struct session *s, void *ctx, char *err, size_t errlen)
{
	struct hit_request *h = ctx;
	h->over_limit = false;
	if (h->limit > 0) {
		char key[128];
		if (client_key(s, h->now, h->event, h->ip, key, sizeof key, err, errlen) != 0)
			return -1;

		long count;
		if (fetch_count(s->db, key, true, &count, err, errlen) != 0)
			return -1;
		long long hour_end = ((long long)h->now / 3600 + 1) * 3600;
		if (count >= h->limit) {
			long left = (long)(hour_end - h->now);
			h->retry_after = left > 0 ? left : 1;
			h->over_limit = true;
			return 0;
		}
		char value[RECORD_MAX_LEN];
		snprintf(value, sizeof value, "%ld %lld", count + 1, hour_end);
		if (store_text(s->db, key, value, err, errlen) != 0)
			return -1;
	}
	return add_to_aggregate(s->db, h->now, h->event, h->label, err, errlen);
}

int store_hit(const char *data_dir, const char *ip, const char *event,
	      long limit, const char *page_label, long *retry_after,
	      char *err, size_t errlen)
{
	if (check_event_label(event, page_label, err, errlen) != 0)
		return -1;
	if (!ip || !is_valid_ip(ip)) {
		/* The value is left out of the message, which is logged: it may be an address. */
		set_err(err, errlen, "invalid client address of %zu bytes", ip ? strlen(ip) : 0);
		return -1;
	}
	if (limit < 0) {
		set_err(err, errlen, "invalid limit %ld: expected 0 (off) or more", limit);
		return -1;
	}

	struct hit_request h = { ip, event, limit, page_label, time(NULL), 0, false };
	int rc = with_store(data_dir, OPEN_CREATE, true, hit_op, &h, err, errlen);
	if (rc != 0)
		return rc == STORE_BUSY ? STORE_BUSY : -1;
	if (!h.over_limit)
		return 0;
	if (retry_after)
		*retry_after = h.retry_after;
	return 1;
}

struct reserve_request {
	const char *ip;
	const char *event;
	long long amount;
	long long limit;
	time_t now;
	long long used;
	long retry_after;
	bool over_limit;
};

static int reserve_op(struct session *s, void *ctx, char *err, size_t errlen)
{
	struct reserve_request *r = ctx;
	char key[128];
	if (client_key(s, r->now, r->event, r->ip, key, sizeof key, err, errlen) != 0)
		return -1;

	long count;
	if (fetch_count(s->db, key, true, &count, err, errlen) != 0)
		return -1;
	long long hour_end = ((long long)r->now / 3600 + 1) * 3600;
	r->used = count;
	if ((long long)count + r->amount > r->limit || (r->amount == 0 && count >= r->limit)) {
		long left = (long)(hour_end - r->now);
		r->retry_after = left > 0 ? left : 1;
		r->over_limit = true;
		return 0;
	}
	if (r->amount == 0)
		return 0;
	r->used = count + r->amount;
	char value[RECORD_MAX_LEN];
	snprintf(value, sizeof value, "%lld %lld", r->used, hour_end);
	return store_text(s->db, key, value, err, errlen);
}

int store_reserve(const char *data_dir, const char *ip, const char *event,
		  long long amount, long long limit, long long *used, long *retry_after,
		  char *err, size_t errlen)
{
	if (check_event_label(event, NULL, err, errlen) != 0)
		return -1;
	if (!ip || !is_valid_ip(ip)) {
		/* The value is left out of the message, which is logged: it may be an address. */
		set_err(err, errlen, "invalid client address of %zu bytes", ip ? strlen(ip) : 0);
		return -1;
	}
	if (amount < 0 || limit <= 0 || limit > LONG_MAX) {
		set_err(err, errlen, "invalid reservation of %lld against limit %lld", amount, limit);
		return -1;
	}
	struct reserve_request r = { ip, event, amount, limit, time(NULL), 0, 0, false };
	int rc = with_store(data_dir, OPEN_CREATE, true, reserve_op, &r, err, errlen);
	if (rc != 0)
		return rc == STORE_BUSY ? STORE_BUSY : -1;
	if (used)
		*used = r.used;
	if (!r.over_limit)
		return 0;
	if (retry_after)
		*retry_after = r.retry_after;
	return 1;
}

struct count_request {
	const char *event;
	const char *label;
	time_t when;
	long count;
};

static int count_op(struct session *s, void *ctx, char *err, size_t errlen)
{
	struct count_request *c = ctx;
	return add_to_aggregate(s->db, c->when, c->event, c->label, err, errlen);
}

int store_count(const char *data_dir, const char *event, const char *page_label,
		char *err, size_t errlen)
{
	if (check_event_label(event, page_label, err, errlen) != 0)
		return -1;
	struct count_request c = { event, page_label, time(NULL), 0 };
	return with_store(data_dir, OPEN_CREATE, true, count_op, &c, err, errlen);
}

static int get_count_op(struct session *s, void *ctx, char *err, size_t errlen)
{
	struct count_request *c = ctx;
	c->count = 0;
	if (!s->db)
		return 0;
	char key[256];
	if (aggregate_key(key, sizeof key, c->when, c->event, c->label, err, errlen) != 0)
		return -1;
	return fetch_count(s->db, key, false, &c->count, err, errlen);
}

int store_get_count(const char *data_dir, time_t day, const char *event,
		    const char *page_label, long *count, char *err, size_t errlen)
{
	if (check_event_label(event, page_label, err, errlen) != 0)
		return -1;
	struct count_request c = { event, page_label, day, 0 };
	if (with_store(data_dir, OPEN_READ, false, get_count_op, &c, err, errlen) != 0)
		return -1;
	*count = c.count;
	return 0;
}

/* The days and the growing result of store_read_days. */
struct days_request {
	char first[11];
	char last[11];
	struct store_day_count *items;
	size_t len;
	size_t cap;
};

static int format_day(char *out, size_t size, time_t when, char *err, size_t errlen)
{
	struct tm tm;
	if (!gmtime_r(&when, &tm) || strftime(out, size, "%Y-%m-%d", &tm) == 0) {
		set_err(err, errlen, "cannot format the UTC day of time %lld", (long long)when);
		return -1;
	}
	return 0;
}

/*
 * Splits key "day:YYYY-MM-DD|EVENT|LABEL" into item's day, event and label.
 * Returns false for other keys and for parts longer than the store writes.
 */
static bool parse_day_key(datum key, struct store_day_count *item)
{
	char text[256];
	if (key.dsize < 4 || (size_t)key.dsize >= sizeof text || memcmp(key.dptr, "day:", 4) != 0)
		return false;
	memcpy(text, key.dptr, (size_t)key.dsize);
	text[key.dsize] = '\0';
	char *day = text + 4;
	char *event = strchr(day, '|');
	if (!event)
		return false;
	*event++ = '\0';
	char *label = strchr(event, '|');
	if (!label)
		return false;
	*label++ = '\0';
	if (strlen(day) != 10 || strlen(event) == 0 || strlen(event) > NAME_MAX_LEN ||
	    strlen(label) > NAME_MAX_LEN)
		return false;
	memcpy(item->day, day, 11);
	snprintf(item->event, sizeof item->event, "%s", event);
	snprintf(item->label, sizeof item->label, "%s", label);
	return true;
}

static int append_day_count(struct days_request *r, const struct store_day_count *item)
{
	if (r->len == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct store_day_count *items = realloc(r->items, cap * sizeof *items);
		if (!items)
			return -1;
		r->items = items;
		r->cap = cap;
	}
	r->items[r->len++] = *item;
	return 0;
}

/* Adds the record under key to r when it is an aggregate counter of r's days. */
static int read_day_record(GDBM_FILE db, datum key, struct days_request *r,
			   char *err, size_t errlen)
{
	struct store_day_count item;
	if (!parse_day_key(key, &item))
		return 0;
	if (strcmp(item.day, r->first) < 0 || strcmp(item.day, r->last) > 0)
		return 0;
	datum v = gdbm_fetch(db, key);
	if (!v.dptr) {
		set_err(err, errlen, "reading the counter %s|%s|%s failed: %s",
			item.day, item.event, item.label, gdbm_db_strerror(db));
		return -1;
	}
	bool valid = parse_record(&v, &item.count, NULL);
	free(v.dptr);
	if (!valid)
		return 0;
	if (append_day_count(r, &item) != 0) {
		set_err(err, errlen, "out of memory reading the statistics");
		return -1;
	}
	return 0;
}

static int read_days_op(struct session *s, void *ctx, char *err, size_t errlen)
{
	struct days_request *r = ctx;
	if (!s->db)
		return 0;
	datum key = gdbm_firstkey(s->db);
	while (key.dptr) {
		if (read_day_record(s->db, key, r, err, errlen) != 0) {
			free(key.dptr);
			return -1;
		}
		datum next = gdbm_nextkey(s->db, key);
		free(key.dptr);
		key = next;
	}
	if (gdbm_last_errno(s->db) != GDBM_ITEM_NOT_FOUND) {
		set_err(err, errlen, "listing the database failed: %s", gdbm_db_strerror(s->db));
		return -1;
	}
	gdbm_clear_error(s->db);
	return 0;
}

int store_read_days(const char *data_dir, time_t since, time_t until,
		    struct store_day_count **out, size_t *len, char *err, size_t errlen)
{
	struct days_request r = { "", "", NULL, 0, 0 };
	*out = NULL;
	*len = 0;
	if (format_day(r.first, sizeof r.first, since, err, errlen) != 0 ||
	    format_day(r.last, sizeof r.last, until, err, errlen) != 0)
		return -1;
	if (with_store(data_dir, OPEN_READ, false, read_days_op, &r, err, errlen) != 0) {
		free(r.items);
		return -1;
	}
	*out = r.items;
	*len = r.len;
	return 0;
}

/* Keys collected during a scan; GDBM allocated each dptr. */
struct key_list {
	datum *keys;
	size_t len;
	size_t cap;
};

static void key_list_free(struct key_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->keys[i].dptr);
	free(l->keys);
	l->keys = NULL;
	l->len = l->cap = 0;
}

/* Takes ownership of key.dptr, also on failure. */
static int key_list_add(struct key_list *l, datum key)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		datum *keys = realloc(l->keys, cap * sizeof *keys);
		if (!keys) {
			free(key.dptr);
			return -1;
		}
		l->keys = keys;
		l->cap = cap;
	}
	l->keys[l->len++] = key;
	return 0;
}

/*
 * Decides whether the per-IP record under key has expired at now. Records
 * with an unreadable value count as expired, since no request can use them.
 */
static int is_expired_ip_record(GDBM_FILE db, datum key, time_t now, bool *expired,
				char *err, size_t errlen)
{
	*expired = false;
	if (key.dsize < 3 || memcmp(key.dptr, "ip:", 3) != 0)
		return 0;
	datum v = gdbm_fetch(db, key);
	if (!v.dptr) {
		set_err(err, errlen, "reading a per-IP record failed: %s", gdbm_db_strerror(db));
		return -1;
	}
	long count;
	long long expires;
	*expired = !parse_record(&v, &count, &expires) || expires <= (long long)now;
	free(v.dptr);
	return 0;
}

/* Collects the keys of expired per-IP records. The caller frees the list. */
static int collect_expired(GDBM_FILE db, time_t now, struct key_list *out,
			   char *err, size_t errlen)
{
	datum key = gdbm_firstkey(db);
	while (key.dptr) {
		bool expired;
		if (is_expired_ip_record(db, key, now, &expired, err, errlen) != 0) {
			free(key.dptr);
			return -1;
		}
		datum next = gdbm_nextkey(db, key);
		if (!expired)
			free(key.dptr);
		else if (key_list_add(out, key) != 0) {
			free(next.dptr);
			set_err(err, errlen, "out of memory listing expired per-IP records");
			return -1;
		}
		key = next;
	}
	if (gdbm_last_errno(db) != GDBM_ITEM_NOT_FOUND) {
		set_err(err, errlen, "listing the database failed: %s", gdbm_db_strerror(db));
		return -1;
	}
	gdbm_clear_error(db);
	return 0;
}

struct prune_request {
	time_t now;
	bool dry_run;
	long removed;
};

/*
 * Deletes after the scan is complete. gdbm_delete rearranges the hash
 * table, so a gdbm_firstkey/gdbm_nextkey walk that deletes as it goes can
 * miss keys (GDBM manual, "Sequential access to records").
 */
static int prune_op(struct session *s, void *ctx, char *err, size_t errlen)
{
	struct prune_request *p = ctx;
	struct key_list expired = { NULL, 0, 0 };
	p->removed = 0;
	if (!s->db)
		return 0;

	int rc = collect_expired(s->db, p->now, &expired, err, errlen);
	if (rc != 0 || p->dry_run) {
		p->removed = (long)expired.len;
		goto out;
	}
	for (size_t i = 0; i < expired.len; i++) {
		if (gdbm_delete(s->db, expired.keys[i]) != 0) {
			set_err(err, errlen, "deleting a per-IP record failed: %s",
				gdbm_db_strerror(s->db));
			rc = -1;
			goto out;
		}
		p->removed++;
	}
	/* Only a file that lost records has space to give back. */
	if (p->removed > 0 && gdbm_reorganize(s->db) != 0) {
		set_err(err, errlen, "gdbm_reorganize failed after removing %ld records: %s",
			p->removed, gdbm_db_strerror(s->db));
		rc = -1;
	}
out:
	key_list_free(&expired);
	return rc;
}

int store_prune(const char *data_dir, time_t now, bool dry_run, long *removed,
		char *err, size_t errlen)
{
	struct prune_request p = { now, dry_run, 0 };
	enum open_mode mode = dry_run ? OPEN_READ : OPEN_WRITE;
	int rc = with_store(data_dir, mode, false, prune_op, &p, err, errlen);
	if (removed)
		*removed = p.removed;
	return rc;
}

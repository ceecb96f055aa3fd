/* Export limits shared between requests (hourly byte budget, data folder size) and the archive file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exportcap.h"
#include "log.h"
#include "store.h"

int exports_usage(const char *data_dir, const char *skip, long long *bytes,
		  char *err, size_t errlen)
{
	char dir[PATH_MAX + 16];
	*bytes = 0;
	snprintf(dir, sizeof dir, "%s/exports", data_dir);
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	struct dirent *entry;
	while ((entry = readdir(d))) {
		if (skip && strcmp(entry->d_name, skip) == 0)
			continue;
		struct stat st;
		/* A file removed since readdir (cleanup, a finished export) no longer counts. */
		if (fstatat(dirfd(d), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		if (S_ISREG(st.st_mode))
			*bytes += (long long)st.st_size;
	}
	closedir(d);
	return 0;
}

/* Returns 0, 1 when the budget is used up (*retry_after set), -1 or STORE_BUSY with why. */
static int reserve_bytes(struct program *p, long long amount, long long *used,
			 long *retry_after, char *why, size_t whylen)
{
	long long limit = p->config.limit_export_bytes_per_hour;
	return store_reserve(p->config.data_dir, p->client_addr, STORE_EVENT_EXPORT_BYTES,
			     amount, limit, used, retry_after, why, whylen);
}

static int check_budget(struct program *p, struct http_error *e)
{
	if (p->config.limit_export_bytes_per_hour == 0)
		return 0;
	char why[512];
	long long used = 0;
	long retry_after = 0;
	int rc = reserve_bytes(p, 0, &used, &retry_after, why, sizeof why);
	if (rc == STORE_BUSY) {
		log_error("export byte budget store is busy: %s", why);
		return program_busy_error(e);
	}
	if (rc < 0) {
		log_error("export byte budget store failed: %s", why);
		return http_error_set(e, 500, "internal_error",
				      "The server could not record the request; try again in a minute.");
	}
	if (rc == 0)
		return 0;
	long minutes = (retry_after + 59) / 60;
	http_error_set(e, 429, "rate_limited",
		       "You have exported %lld bytes of images this hour, the limit; try again "
		       "in %ld minute%s.", used, minutes, minutes == 1 ? "" : "s");
	e->retry_after = retry_after;
	return -1;
}

static int check_data_folder(struct program *p, struct http_error *e)
{
	if (p->config.max_data_bytes == 0)
		return 0;
	char why[512];
	long long used;
	if (exports_usage(p->config.data_dir, NULL, &used, why, sizeof why) != 0) {
		log_error("cannot measure the archives: %s", why);
		return http_error_set(e, 500, "internal_error",
				      "The server could not check its storage; try again later.");
	}
	if (used < p->config.max_data_bytes)
		return 0;
	log_warn("archives use %lld bytes, max_data_bytes is %ld; rejecting an export",
		 used, p->config.max_data_bytes);
	program_busy_error(e);
	snprintf(e->message, sizeof e->message,
		 "The server's storage for archives is full; try again later.");
	return -1;
}

int export_caps_check_start(struct program *p, struct http_error *e)
{
	if (check_budget(p, e) != 0)
		return -1;
	return check_data_folder(p, e);
}

static const char *admit_data_folder(struct program *p, const char *part,
				     unsigned long long archive_bytes, size_t image_bytes,
				     char *why, size_t whylen)
{
	long long limit = p->config.max_data_bytes;
	if (limit == 0)
		return NULL;
	char err[512];
	long long others;
	if (exports_usage(p->config.data_dir, part, &others, err, sizeof err) != 0) {
		log_error("cannot measure the archives: %s", err);
		snprintf(why, whylen, "The server could not check its storage.");
		return why;
	}
	if ((unsigned long long)others + archive_bytes + image_bytes <= (unsigned long long)limit)
		return NULL;
	snprintf(why, whylen, "The server's storage for archives is full (limit %lld bytes); "
		 "this image was left out.", limit);
	return why;
}

static const char *admit_budget(struct program *p, size_t image_bytes, char *why, size_t whylen)
{
	if (p->config.limit_export_bytes_per_hour == 0)
		return NULL;
	char err[512];
	long long used = 0;
	long retry_after = 0;
	int rc = reserve_bytes(p, (long long)image_bytes, &used, &retry_after, err, sizeof err);
	if (rc == 0)
		return NULL;
	if (rc == 1)
		snprintf(why, whylen, "This image would pass your limit of %ld exported bytes "
			 "per hour (%lld used); try again in %ld minutes.",
			 p->config.limit_export_bytes_per_hour, used, (retry_after + 59) / 60);
	else {
		log_error("export byte budget store failed: %s", err);
		snprintf(why, whylen, "The server could not record the image's size; "
			 "try again later.");
	}
	return why;
}

const char *export_caps_admit(struct program *p, const char *part,
			      unsigned long long archive_bytes, size_t image_bytes,
			      char *why, size_t whylen)
{
	const char *reason = admit_data_folder(p, part, archive_bytes, image_bytes, why, whylen);
	if (reason)
		return reason;
	return admit_budget(p, image_bytes, why, whylen);
}

FILE *export_open_part(const char *data_dir, const char *token, char *part, size_t size)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/exports", data_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		return NULL;
	}
	/* O_NOFOLLOW below covers only the archive's own name, not this folder. */
	struct stat st;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_error("cannot use %s: it must be a folder, not a symbolic link or another "
			  "kind of file", dir);
		return NULL;
	}
	snprintf(part, size, "%s/%s.zip.part", dir, token);
	int fd = open(part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("cannot create %s: %s", part, strerror(errno));
		return NULL;
	}
	FILE *f = fdopen(fd, "wb");
	if (!f) {
		log_error("cannot open a stream on %s: %s", part, strerror(errno));
		close(fd);
	}
	return f;
}

/* Serving a finished archive with single byte ranges. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "download.h"
#include "log.h"

struct byte_range {
	off_t first;
	off_t last;
};

/*
 * Parses "bytes=A-B", "bytes=A-" or "bytes=-N" against size. Returns 1 for a
 * usable range, 0 to send the whole file (no header, or a form this server
 * does not serve, such as several ranges), -1 when unsatisfiable.
 */
static int parse_range(const char *header, off_t size, struct byte_range *r)
{
	if (!header || strncmp(header, "bytes=", 6) != 0 || strchr(header, ','))
		return 0;
	const char *p = header + 6;
	char *end;
	errno = 0;
	if (*p == '-') {
		long long suffix = strtoll(p + 1, &end, 10);
		if (errno || *end || end == p + 1)
			return 0;
		if (suffix <= 0 || size == 0)
			return -1;
		r->first = suffix >= size ? 0 : size - suffix;
		r->last = size - 1;
		return 1;
	}
	long long first = strtoll(p, &end, 10);
	if (errno || end == p || *end != '-' || first < 0)
		return 0;
	p = end + 1;
	long long last = size - 1;
	if (*p) {
		last = strtoll(p, &end, 10);
		if (errno || *end || last < first)
			return 0;
	}
	if (first >= size)
		return -1;
	r->first = first;
	r->last = last >= size ? size - 1 : last;
	return 1;
}

static int copy_bytes(int fd, off_t first, off_t count)
{
	char chunk[65536];
	if (lseek(fd, first, SEEK_SET) < 0)
		return -1;
	while (count > 0) {
		size_t want = count < (off_t)sizeof chunk ? (size_t)count : sizeof chunk;
		ssize_t got = read(fd, chunk, want);
		if (got <= 0)
			return -1;
		if (fwrite(chunk, 1, (size_t)got, stdout) != (size_t)got)
			return -1;      /* the client went away */
		count -= got;
	}
	return fflush(stdout) == 0 ? 0 : -1;
}

int download_send(const char *path, const char *filename, struct http_error *e)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			log_error("cannot open %s: %s", path, strerror(errno));
		return http_error_set(e, 404, "not_found",
				      "This archive does not exist or has expired; export the images again.");
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_error("cannot use %s as an archive", path);
		close(fd);
		return http_error_set(e, 404, "not_found", "This archive does not exist.");
	}
	struct byte_range range = { 0, st.st_size - 1 };
	int partial = parse_range(getenv("HTTP_RANGE"), st.st_size, &range);
	if (partial < 0) {
		close(fd);
		http_error_set(e, 416, "invalid_range", "The requested byte range is outside the archive.");
		printf("Content-Range: bytes */%lld\r\n", (long long)st.st_size);
		return -1;
	}
	off_t count = st.st_size == 0 ? 0 : range.last - range.first + 1;
	cgi_begin(partial ? 206 : 200, "application/zip");
	printf("Content-Disposition: attachment; filename=\"%s\"\r\n", filename);
	printf("Content-Length: %lld\r\n", (long long)count);
	printf("Accept-Ranges: bytes\r\n");
	printf("Cache-Control: private, no-store\r\n");
	if (partial)
		printf("Content-Range: bytes %lld-%lld/%lld\r\n", (long long)range.first,
		       (long long)range.last, (long long)st.st_size);
	cgi_end_headers();
	const char *method = getenv("REQUEST_METHOD");
	int rc = 0;
	if (count > 0 && !(method && strcmp(method, "HEAD") == 0))
		rc = copy_bytes(fd, range.first, count);
	if (rc != 0)
		log_warn("download of %s stopped early: %s", path, strerror(errno));
	close(fd);
	return 0;
}

/* The installation self-check behind "imagegather-cleanup --check". */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "fetch.h"
#include "setupcheck.h"
#include "store.h"

/* The length of secret.key that the store writes. */
#define SECRET_BYTES 32
#define CHECK_TIMEOUT_MS 20000L

/* The report being written and its count of problems. */
struct report {
	FILE *out;
	int problems;
};

static void say(struct report *r, const char *kind, const char *fmt, va_list ap)
{
	fprintf(r->out, "%s: ", kind);
	vfprintf(r->out, fmt, ap);
	fputc('\n', r->out);
}

static void ok(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warning(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ok(struct report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(r, "ok", fmt, ap);
	va_end(ap);
}

static void warning(struct report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(r, "warning", fmt, ap);
	va_end(ap);
}

static void problem(struct report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(r, "problem", fmt, ap);
	va_end(ap);
	r->problems++;
}

/* Replaces path by its absolute form without "." and "..", for the report; keeps it when that fails. */
static void canonicalize(char *path, size_t size)
{
	char *resolved = realpath(path, NULL);
	if (resolved && strlen(resolved) < size)
		memcpy(path, resolved, strlen(resolved) + 1);
	free(resolved);
}

static int load_config(struct report *r, const char *path, struct config *c)
{
	char err[1024];
	int rc;
	if (path) {
		config_defaults(c);
		rc = config_read_file(c, path, err, sizeof err);
	} else {
		rc = config_load(c, err, sizeof err);
	}
	if (rc != 0) {
		problem(r, "the configuration could not be read: %s. Create or fix "
			"imagegather-data/imagegather.conf (the archive has an example); "
			"data_dir is required", err);
		return -1;
	}
	canonicalize(c->path, sizeof c->path);
	canonicalize(c->data_dir, sizeof c->data_dir);
	ok(r, "configuration %s read", c->path);
	return 0;
}

/* Checks that the configuration file is not writable by others. */
static void check_config_file(struct report *r, const struct config *c)
{
	struct stat st;
	if (stat(c->path, &st) != 0) {
		problem(r, "cannot stat %s: %s", c->path, strerror(errno));
		return;
	}
	if (st.st_uid != geteuid())
		problem(r, "%s belongs to user id %ld, not to this account (%ld). "
			"Fix: chown it to the account that runs the programs",
			c->path, (long)st.st_uid, (long)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		problem(r, "%s is writable by group or others (mode %04o). Fix: chmod 600 %s",
			c->path, (unsigned)(st.st_mode & 07777), c->path);
	else if (st.st_mode & (S_IRGRP | S_IROTH))
		warning(r, "%s is readable by group or others (mode %04o); chmod 600 %s "
			"keeps it private", c->path, (unsigned)(st.st_mode & 07777), c->path);
	else
		ok(r, "%s has mode %04o", c->path, (unsigned)(st.st_mode & 07777));
}

/*
 * Tells whether a folder above path has a usual web root name: public_html
 * (cPanel), htdocs, httpdocs (Plesk), html (/var/www/html on Debian) or www.
 * The "www" of /var/www does not count, because hosting panels such as Plesk
 * keep account home folders under it.
 */
static bool looks_inside_web_root(const char *path)
{
	static const char *const names[] = { "public_html", "htdocs", "httpdocs", "html", "www" };
	const char *start = path;
	if (strncmp(path, "/var/www/", 9) == 0)
		start = path + 8;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char part[32];
		snprintf(part, sizeof part, "/%s/", names[i]);
		if (strstr(start, part))
			return true;
	}
	return false;
}

/* Checks owner, type and mode of the data folder and that it lies outside a web root. */
static int check_data_dir(struct report *r, const struct config *c)
{
	struct stat st;
	if (lstat(c->data_dir, &st) != 0) {
		problem(r, "the data folder %s cannot be used: %s. Fix: mkdir -m 700 %s",
			c->data_dir, strerror(errno), c->data_dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		problem(r, "the data folder %s is not a folder%s. Fix: set data_dir to a real "
			"folder", c->data_dir, S_ISLNK(st.st_mode) ? " but a symbolic link" : "");
		return -1;
	}
	int failed = 0;
	if (st.st_uid != geteuid()) {
		problem(r, "the data folder %s belongs to user id %ld, but the programs run as "
			"%ld. Fix: chown -R the folder to this account", c->data_dir,
			(long)st.st_uid, (long)geteuid());
		failed = -1;
	}
	if (st.st_mode & 077) {
		problem(r, "the data folder %s can be used by group or others (mode %04o). "
			"Fix: chmod 700 %s", c->data_dir, (unsigned)(st.st_mode & 07777),
			c->data_dir);
		failed = -1;
	}
	if (access(c->data_dir, R_OK | W_OK | X_OK) != 0) {
		problem(r, "this account cannot read and write the data folder %s: %s. "
			"Fix: chmod 700 %s", c->data_dir, strerror(errno), c->data_dir);
		failed = -1;
	}
	if (looks_inside_web_root(c->data_dir))
		warning(r, "the data folder %s seems to be inside a web root; move it next to "
			"public_html so that no address can reach it", c->data_dir);
	if (failed == 0)
		ok(r, "data folder %s belongs to this account and has mode %04o", c->data_dir,
		   (unsigned)(st.st_mode & 07777));
	return failed;
}

/* Checks DATA_DIR/secret.key; a missing one is made by the first request. */
static void check_secret(struct report *r, const struct config *c)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/secret.key", c->data_dir);
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			ok(r, "no secret yet; the first request creates %s", path);
		else
			problem(r, "cannot stat the secret %s: %s", path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != SECRET_BYTES) {
		problem(r, "the secret %s is not a regular file of %d bytes. Fix: delete it; "
			"the next request creates a new one (today's rate-limit counts restart)",
			path, SECRET_BYTES);
		return;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		problem(r, "the secret %s must belong to this account with mode 0600 (it has "
			"owner %ld, mode %04o). Fix: chmod 600 %s", path, (long)st.st_uid,
			(unsigned)(st.st_mode & 07777), path);
		return;
	}
	ok(r, "secret %s has mode 0600", path);
}

/* Reads every statistics record, which makes GDBM check the file's structure. */
static void check_store(struct report *r, const struct config *c)
{
	struct store_day_count *days = NULL;
	size_t len = 0;
	char err[1024];
	time_t now = time(NULL);
	if (store_read_days(c->data_dir, 0, now, &days, &len, err, sizeof err) != 0) {
		problem(r, "the store in %s cannot be read: %s. Fix: check the folder's "
			"permissions; a damaged imagegather.gdbm can be deleted (the counters "
			"restart)", c->data_dir, err);
		return;
	}
	free(days);
	ok(r, "store in %s readable (%zu statistics records)", c->data_dir, len);
}

static void check_exports(struct report *r, const struct config *c)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/exports", c->data_dir);
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			ok(r, "no exports folder yet; the first export creates %s", path);
		else
			problem(r, "cannot stat %s: %s", path, strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
		problem(r, "%s must be a folder of this account that group and others cannot "
			"write. Fix: chmod 700 %s", path, path);
	else
		ok(r, "exports folder %s", path);
}

static void check_ca_bundle(struct report *r)
{
	bool is_folder;
	const char *bundle = fetch_ca_bundle(&is_folder);
	if (!bundle)
		problem(r, "no CA bundle found, so HTTPS pages cannot be verified. Fix: put "
			"certs/ and ca-certificates.crt from the release archive into "
			"imagegather-data/");
	else
		ok(r, "CA %s %s", is_folder ? "folder" : "bundle", bundle);
}

static size_t discard_body(char *data, size_t size, size_t count, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * count;
}

/*
 * Requests check_url the way transfers do (HTTP and HTTPS only, the same
 * CA bundle, TLS 1.2 or later). The owner sets this address, so the
 * address policy does not apply.
 */
static void check_fetch(struct report *r, const struct config *c)
{
	if (c->check_url[0] == '\0') {
		ok(r, "no check_url set; set it to an https:// address to test TLS");
		return;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		problem(r, "libcurl could not be initialized");
		return;
	}
	CURL *e = curl_easy_init();
	if (!e) {
		problem(r, "curl_easy_init failed");
		curl_global_cleanup();
		return;
	}
	char curl_error[CURL_ERROR_SIZE] = "";
	bool is_folder;
	const char *bundle = fetch_ca_bundle(&is_folder);
	curl_easy_setopt(e, CURLOPT_URL, c->check_url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, CHECK_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, curl_error);
	if (bundle && is_folder) {
		curl_easy_setopt(e, CURLOPT_CAINFO, NULL);
		curl_easy_setopt(e, CURLOPT_CAPATH, bundle);
	} else if (bundle) {
		curl_easy_setopt(e, CURLOPT_CAINFO, bundle);
	}
	CURLcode rc = curl_easy_perform(e);
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		problem(r, "fetching check_url %s failed: %s. %s", c->check_url,
			curl_error[0] ? curl_error : curl_easy_strerror(rc),
			rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ?
			"Fix: install the CA bundle from the release archive" :
			"Fix: check that the host allows outgoing connections");
	else
		ok(r, "fetched check_url %s (HTTP status %ld)", c->check_url, status);
	curl_easy_cleanup(e);
	curl_global_cleanup();
}

int setup_check(const char *config_path, FILE *out)
{
	struct report r = { out, 0 };
	struct config c;
	if (load_config(&r, config_path, &c) == 0) {
		check_config_file(&r, &c);
		if (check_data_dir(&r, &c) == 0) {
			check_secret(&r, &c);
			check_store(&r, &c);
			check_exports(&r, &c);
		}
		check_ca_bundle(&r);
		check_fetch(&r, &c);
	}
	if (r.problems == 0)
		fprintf(out, "All checks passed.\n");
	else
		fprintf(out, "%d problem%s found; fix %s and run --check again.\n", r.problems,
			r.problems == 1 ? "" : "s", r.problems == 1 ? "it" : "them");
	return r.problems;
}

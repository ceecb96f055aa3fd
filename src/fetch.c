/* HTTP and HTTPS fetching with libcurl, locked down as libcurl's security guide advises. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch.h"
#include "log.h"
#include "url.h"

#define USER_AGENT "ImageGather/0.1"

/* CA bundles of Debian-like and RHEL-like systems, tried in order. */
static const char *const ca_bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/ssl/cert.pem",
};

/* One transfer and the state its callbacks share. */
struct transfer {
	CURL *easy;
	size_t index;
	const struct fetch_options *opts;
	struct fetch_result result;
	struct curl_slist *headers;
	CURLU *target;                  /* the checked URL libcurl fetches */
	struct curl_slist *resolve;     /* resolve_overrides as CURLOPT_RESOLVE entries */
	size_t header_bytes;            /* response header bytes so far, all responses */
	bool blocked;
	bool too_large;
	bool headers_too_large;
	bool truncated;                 /* keep_truncated cut the body at max_bytes */
	long long range_total;          /* complete length from the last Content-Range, or -1 */
	char blocked_why[256];
	char curl_error[CURL_ERROR_SIZE];
};

int fetch_global_init(void)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		log_error("curl_global_init failed: %s", curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

void fetch_global_cleanup(void)
{
	curl_global_cleanup();
}

void fetch_result_init(struct fetch_result *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->body, 0);
	r->total_bytes = -1;
}

void fetch_result_free(struct fetch_result *r)
{
	free(r->final_url);
	free(r->content_type);
	buf_free(&r->body);
	r->final_url = NULL;
	r->content_type = NULL;
}

static size_t write_body(char *data, size_t size, size_t count, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * count;
	struct buf *body = &t->result.body;
	if (buf_append(body, data, len) == 0)
		return len;
	if (t->opts->keep_truncated && body->len < body->max &&
	    buf_append(body, data, body->max - body->len) != 0) {
		t->too_large = true;    /* out of memory, not over max */
		return 0;
	}
	if (t->opts->keep_truncated)
		t->truncated = true;
	else
		t->too_large = true;
	return 0;       /* makes libcurl stop with CURLE_WRITE_ERROR */
}

/*
 * Reads the complete length from a header line "Content-Range: bytes
 * FIRST-LAST/COMPLETE" (RFC 9110 section 14.4). Returns -1 when the line
 * is another header or the length is "*" or malformed.
 */
static long long content_range_total(const char *line, size_t len)
{
	static const char name[] = "content-range:";
	char text[128];
	if (len <= sizeof name - 1 || len >= sizeof text ||
	    strncasecmp(line, name, sizeof name - 1) != 0)
		return -1;
	memcpy(text, line, len);
	text[len] = '\0';
	const char *slash = strchr(text, '/');
	if (!slash || !strstr(text, "bytes") || slash[1] < '0' || slash[1] > '9')
		return -1;
	char *end;
	errno = 0;
	long long total = strtoll(slash + 1, &end, 10);
	if (errno || total < 0 || strspn(end, " \t\r\n") != strlen(end))
		return -1;
	return total;
}

static void set_status(struct transfer *t, enum fetch_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_status(struct transfer *t, enum fetch_status status, const char *fmt, ...)
{
	va_list ap;
	t->result.status = status;
	va_start(ap, fmt);
	vsnprintf(t->result.error, sizeof t->result.error, fmt, ap);
	va_end(ap);
}

/* Counts response header bytes of every response (redirects, 1xx) against max_header_bytes. */
static size_t read_header(char *data, size_t size, size_t count, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * count;
	t->header_bytes += len;
	if (t->header_bytes > t->opts->max_header_bytes) {
		t->headers_too_large = true;
		return 0;       /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	/* A status line starts the headers of the next response (a redirect or 1xx before). */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		t->range_total = -1;
	long long total = content_range_total(data, len);
	if (total >= 0)
		t->range_total = total;
	return len;
}

/* Marks t as blocked for why, keeping the first reason. */
static void block(struct transfer *t, const char *why)
{
	if (!t->blocked)
		snprintf(t->blocked_why, sizeof t->blocked_why, "%s", why);
	t->blocked = true;
}

/*
 * Checks the exact address of every connection attempt, for every redirect
 * hop and both address families, so a host name that resolves to a denied
 * address is caught whatever DNS returned.
 */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose,
				 struct curl_sockaddr *address)
{
	struct transfer *t = clientp;
	char why[256];
	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !addr_policy_permits(t->opts->policy, &address->addr, why, sizeof why)) {
		if (purpose != CURLSOCKTYPE_IPCXN)
			snprintf(why, sizeof why, "socket type %d is not allowed", (int)purpose);
		block(t, why);
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype, address->protocol);
}

/*
 * Rejects a special-use host name (url_special_host) before libcurl looks
 * it up, so that no DNS query leaves for it. libcurl 7.88 calls this
 * (CURLOPT_RESOLVER_START_FUNCTION) for the first request and every
 * redirect hop, whenever the name is not in its DNS cache, and before it
 * reads an IP address or "localhost" itself. Names pinned by
 * resolve_overrides are in that cache, so they pass here and their
 * addresses meet the socket check in open_socket. At this point the
 * effective URL is the one being connected to. Returns non-zero to stop
 * the transfer.
 */
static int check_lookup(void *resolver_state, void *reserved, void *userdata)
{
	(void)resolver_state;
	(void)reserved;
	struct transfer *t = userdata;
	char *url = NULL;
	char *host = NULL;
	char why[256];
	CURLU *u = curl_url();
	int rc = 1;
	if (!u || curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || !url ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, CURLU_PUNYCODE) != CURLUE_OK) {
		block(t, "its host name could not be checked before the lookup");
		goto out;
	}
	const char *reason = url_special_host(host);
	if (reason) {
		snprintf(why, sizeof why, "%.100s is a special-use name: %s", host, reason);
		block(t, why);
		goto out;
	}
	rc = 0;
out:
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/*
 * Writes into path the CA certificates that ship with the release archive,
 * found like the configuration relative to the program's folder, and
 * returns whether they are readable. The hashed folder certs/ (one file per
 * certificate, named as "openssl rehash" does) comes first: OpenSSL then
 * reads only the certificate a server's chain needs, where the whole
 * bundle costs about 30 ms per process (docs/PERFORMANCE.md). Sets
 * *is_folder for it. Needs /proc/self/exe.
 */
static bool find_shipped_ca(char *path, size_t size, bool *is_folder)
{
	static const char *const shipped[] = {
		"../imagegather-data/certs",
		"../imagegather-data/ca-certificates.crt",
		"../../imagegather-data/certs",
		"../../imagegather-data/ca-certificates.crt",
	};
	char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n <= 0)
		return false;
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash)
		return false;
	*slash = '\0';
	for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
		int len = snprintf(path, size, "%s/%s", dir, shipped[i]);
		struct stat st;
		if (len <= 0 || (size_t)len >= size || stat(path, &st) != 0 ||
		    access(path, R_OK) != 0)
			continue;
		*is_folder = S_ISDIR(st.st_mode);
		return true;
	}
	return false;
}

/*
 * Returns the CA certificates to trust: the shipped ones, else the first
 * readable system bundle, else NULL (libcurl's built-in default). Sets
 * *is_folder when the result is a hashed folder for CURLOPT_CAPATH.
 * Searched once per process.
 */
static const char *find_ca_bundle(bool *is_folder)
{
	static char shipped[PATH_MAX + 64];
	static const char *found;
	static bool found_folder;
	static bool searched;
	if (!searched) {
		searched = true;
		if (find_shipped_ca(shipped, sizeof shipped, &found_folder)) {
			found = shipped;
		} else {
			for (size_t i = 0; i < sizeof ca_bundles / sizeof ca_bundles[0]; i++)
				if (access(ca_bundles[i], R_OK) == 0) {
					found = ca_bundles[i];
					break;
				}
		}
		if (!found)
			log_warn("no CA bundle found, so HTTPS fetches fail certificate checks; "
				 "put certs/ and ca-certificates.crt from the release archive "
				 "into imagegather-data/");
	}
	*is_folder = found_folder;
	return found;
}

const char *fetch_ca_bundle(bool *is_folder)
{
	return find_ca_bundle(is_folder);
}

/* Tells whether text is an IPv4 address or a bracketed IPv6 address. */
static bool resolve_address(const char *text, size_t len)
{
	char copy[INET6_ADDRSTRLEN + 2];
	unsigned char addr[16];
	if (len < 2 || len >= sizeof copy)
		return false;
	if (text[0] == '[' && text[len - 1] == ']') {
		memcpy(copy, text + 1, len - 2);
		copy[len - 2] = '\0';
		return inet_pton(AF_INET6, copy, addr) == 1;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	return inet_pton(AF_INET, copy, addr) == 1;
}

/* Checks one "HOST:PORT:ADDRESS[,ADDRESS...]" entry of resolve_overrides. */
static bool resolve_entry_valid(const char *entry)
{
	size_t host_len = strcspn(entry, ":");
	/* A leading "-" or "+" would make libcurl remove an entry or add a timeout. */
	if (host_len == 0 || entry[host_len] != ':' || entry[0] == '-' ||
	    strspn(entry, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") !=
	    host_len)
		return false;
	const char *port = entry + host_len + 1;
	char *end;
	errno = 0;
	long number = strtol(port, &end, 10);
	if (errno || end == port || *end != ':' || number < 1 || number > 65535 ||
	    !(port[0] >= '0' && port[0] <= '9'))
		return false;
	for (const char *a = end + 1;;) {
		size_t len = strcspn(a, ",");
		if (!resolve_address(a, len))
			return false;
		if (!a[len])
			return true;
		a += len + 1;
	}
}

/* Builds the CURLOPT_RESOLVE list; *out stays NULL for no entries. Returns 0 or -1 with err. */
static int resolve_list(const char *overrides, struct curl_slist **out, char *err, size_t errlen)
{
	*out = NULL;
	char *copy = strdup(overrides ? overrides : "");
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, " \t", &save); tok && rc == 0;
	     tok = strtok_r(NULL, " \t", &save)) {
		struct curl_slist *grown = NULL;
		if (!resolve_entry_valid(tok)) {
			snprintf(err, errlen, "resolve_overrides: \"%s\" is not HOST:PORT:ADDRESS"
				 "[,ADDRESS...] with IPv6 addresses in brackets", tok);
			rc = -1;
		} else if (!(grown = curl_slist_append(*out, tok))) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		} else {
			*out = grown;
		}
	}
	free(copy);
	if (rc != 0) {
		curl_slist_free_all(*out);
		*out = NULL;
	}
	return rc;
}

int fetch_resolve_check(const char *overrides, char *err, size_t errlen)
{
	struct curl_slist *list;
	if (resolve_list(overrides, &list, err, errlen) != 0)
		return -1;
	curl_slist_free_all(list);
	return 0;
}

#define SETOPT(easy, opt, value) \
	do { if (curl_easy_setopt(easy, opt, value) != CURLE_OK) { failed = #opt; goto out; } } while (0)

/*
 * Sets the bounds of a transfer that libcurl enforces: total time, time
 * without progress, redirects, body size, and the response header size
 * through read_header. Returns NULL, or the option that failed.
 */
static const char *set_bounds(struct transfer *t)
{
	const char *failed = NULL;
	long timeout = t->opts->timeout_ms;
	CURL *e = t->easy;
	SETOPT(e, CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(e, CURLOPT_MAXREDIRS, t->opts->max_redirects);
	SETOPT(e, CURLOPT_TIMEOUT_MS, timeout);
	SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, timeout < 10000 ? timeout : 10000L);
	if (t->opts->stall_seconds > 0) {
		SETOPT(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		SETOPT(e, CURLOPT_LOW_SPEED_TIME, t->opts->stall_seconds);
	}
	/* A truncated body is wanted, so a large Content-Length must not fail the transfer. */
	if (!t->opts->keep_truncated)
		SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)t->opts->max_bytes);
	SETOPT(e, CURLOPT_HEADERFUNCTION, read_header);
	SETOPT(e, CURLOPT_HEADERDATA, t);
out:
	return failed;
}

/*
 * Sets what decides where the transfer connects: the checked URL handle,
 * resolve_overrides, the special-use name check before each lookup, the
 * socket check, no proxy and no DNS over HTTPS.
 * Returns NULL, or the option that failed.
 */
static const char *set_target(struct transfer *t)
{
	const char *failed = NULL;
	CURL *e = t->easy;
	SETOPT(e, CURLOPT_CURLU, t->target);
	SETOPT(e, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (t->resolve)
		SETOPT(e, CURLOPT_RESOLVE, t->resolve);
	SETOPT(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
	SETOPT(e, CURLOPT_OPENSOCKETDATA, t);
	SETOPT(e, CURLOPT_RESOLVER_START_FUNCTION, check_lookup);
	SETOPT(e, CURLOPT_RESOLVER_START_DATA, t);
	SETOPT(e, CURLOPT_PROXY, "");           /* ignore proxy environment variables */
	SETOPT(e, CURLOPT_DOH_URL, (char *)NULL); /* the system resolver only (the default) */
out:
	return failed;
}

/*
 * Creates the easy handle for t. Returns 0, or -1 after logging what
 * failed; a URL that url_fetch_handle rejects also sets t's status to
 * FETCH_BLOCKED.
 */
static int transfer_setup(struct transfer *t, const char *url)
{
	const char *failed = NULL;
	char accept[256];
	char why[512];
	t->target = url_fetch_handle(url, why, sizeof why);
	if (!t->target) {
		set_status(t, FETCH_BLOCKED, "The server does not fetch this address. %s", why);
		return -1;
	}
	if (resolve_list(t->opts->resolve_overrides, &t->resolve, why, sizeof why) != 0) {
		log_error("%s", why);
		return -1;
	}
	t->easy = curl_easy_init();
	if (!t->easy) {
		log_error("curl_easy_init failed for %s", url);
		return -1;
	}
	snprintf(accept, sizeof accept, "Accept: %s", t->opts->accept ? t->opts->accept : "*/*");
	t->headers = curl_slist_append(NULL, accept);
	if (!t->headers) {
		failed = "the Accept header";
		goto out;
	}
	if (t->opts->extra_header) {
		struct curl_slist *grown = curl_slist_append(t->headers, t->opts->extra_header);
		if (!grown) {
			failed = "the extra request header";
			goto out;
		}
		t->headers = grown;
	}
	t->range_total = -1;
	bool ca_is_folder;
	const char *ca = find_ca_bundle(&ca_is_folder);
	CURL *e = t->easy;
	if ((failed = set_target(t)) || (failed = set_bounds(t)))
		goto out;
	SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	SETOPT(e, CURLOPT_ACCEPT_ENCODING, "");  /* the write callback counts decoded bytes */
	SETOPT(e, CURLOPT_WRITEFUNCTION, write_body);
	SETOPT(e, CURLOPT_WRITEDATA, t);
	SETOPT(e, CURLOPT_USERAGENT, USER_AGENT);
	SETOPT(e, CURLOPT_HTTPHEADER, t->headers);
	SETOPT(e, CURLOPT_ERRORBUFFER, t->curl_error);
	SETOPT(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(e, CURLOPT_PRIVATE, t);
	if (ca && ca_is_folder) {
		/* NULL drops the compiled-in bundle, which would be read as well. */
		SETOPT(e, CURLOPT_CAINFO, NULL);
		SETOPT(e, CURLOPT_CAPATH, ca);
	} else if (ca) {
		SETOPT(e, CURLOPT_CAINFO, ca);
	}
	t->result.body.max = t->opts->max_bytes;
	return 0;
out:
	log_error("cannot set %s for %s", failed, url);
	return -1;
}

static void transfer_cleanup(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	curl_slist_free_all(t->resolve);
	curl_url_cleanup(t->target);
	t->easy = NULL;
	t->headers = NULL;
	t->resolve = NULL;
	t->target = NULL;
}

/*
 * Tells whether a timed-out transfer ended by the stall limit rather than
 * the total time: it had connected and ended clearly before timeout_ms.
 */
static bool stalled(struct transfer *t)
{
	curl_off_t connect_us = 0;
	curl_off_t total_us = 0;
	if (t->opts->stall_seconds <= 0 ||
	    curl_easy_getinfo(t->easy, CURLINFO_CONNECT_TIME_T, &connect_us) != CURLE_OK ||
	    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us) != CURLE_OK)
		return false;
	return connect_us > 0 && total_us < (curl_off_t)t->opts->timeout_ms * 1000 - 500000;
}

/* Turns libcurl's result code into the transfer's status and message. */
static void transfer_finish(struct transfer *t, CURLcode code)
{
	struct fetch_result *r = &t->result;
	char *url = NULL;
	if (curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &url) == CURLE_OK && url)
		r->final_url = strdup(url);
	char *type = NULL;
	if (curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
		r->content_type = strdup(type);
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->http_status);
	curl_off_t length = -1;
	if (r->http_status == 206 && t->range_total >= 0)
		r->total_bytes = t->range_total;
	else if (r->http_status != 206 &&
		 curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length) == CURLE_OK &&
		 length >= 0)
		r->total_bytes = (long long)length;
	/* keep_truncated stopped the transfer on purpose, so its write error is success. */
	if (t->truncated && code == CURLE_WRITE_ERROR && !t->too_large && !t->headers_too_large) {
		code = CURLE_OK;
		r->truncated = true;
	}

	if (t->blocked) {
		set_status(t, FETCH_BLOCKED, "The server does not fetch from this address, "
			   "because %s.", t->blocked_why);
	} else if (t->too_large || code == CURLE_FILESIZE_EXCEEDED) {
		set_status(t, FETCH_TOO_LARGE, "The file is larger than the limit of %zu bytes.",
			   t->opts->max_bytes);
	} else if (t->headers_too_large) {
		set_status(t, FETCH_FAILED, "The site sent more than %zu bytes of response headers.",
			   t->opts->max_header_bytes);
	} else if (code == CURLE_OPERATION_TIMEDOUT && stalled(t)) {
		set_status(t, FETCH_TIMEOUT, "The site stopped sending data for %ld seconds.",
			   t->opts->stall_seconds);
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		set_status(t, FETCH_TIMEOUT, "The site did not answer within %ld seconds.",
			   t->opts->timeout_ms / 1000);
	} else if (code == CURLE_TOO_MANY_REDIRECTS) {
		set_status(t, FETCH_FAILED, "The site redirected more than %ld times.",
			   t->opts->max_redirects);
	} else if (code == CURLE_UNSUPPORTED_PROTOCOL) {
		/* Only a redirect can reach this: the first URL was checked to be http or https. */
		set_status(t, FETCH_BLOCKED, "The server does not fetch from this address, because the "
			   "site redirected to an address that is not http or https.");
	} else if (code != CURLE_OK) {
		set_status(t, FETCH_FAILED, "The site could not be reached: %s.",
			   t->curl_error[0] ? t->curl_error : curl_easy_strerror(code));
	} else if (r->http_status < 200 || r->http_status > 299) {
		set_status(t, FETCH_HTTP_ERROR, "The site answered with HTTP status %ld.",
			   r->http_status);
	} else {
		set_status(t, FETCH_OK, "%s", "");
	}
	if (r->status != FETCH_OK)
		buf_free(&r->body);
}

enum fetch_status fetch_url(const char *url, const struct fetch_options *opts,
			    struct fetch_result *r)
{
	struct transfer t;
	memset(&t, 0, sizeof t);
	t.opts = opts;
	fetch_result_init(&t.result);
	if (transfer_setup(&t, url) != 0) {
		if (t.result.status != FETCH_BLOCKED)
			set_status(&t, FETCH_FAILED, "The server could not prepare the request.");
	} else {
		CURLcode code = curl_easy_perform(t.easy);
		transfer_finish(&t, code);
	}
	transfer_cleanup(&t);
	*r = t.result;
	return r->status;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* The state of one fetch_many run. */
struct batch {
	CURLM *multi;
	struct transfer *transfers;
	char *const *urls;
	size_t count;
	size_t next;            /* first URL not started yet */
	size_t running;
	const struct fetch_options *opts;
	fetch_done_fn done;
	void *ctx;
	long quiet_since;       /* when a transfer last ended, or the batch started (ms) */
};

/* Reports a transfer to the callback and frees it. Returns the callback's value. */
static int batch_report(struct batch *b, struct transfer *t)
{
	b->quiet_since = now_ms();
	if (t->easy) {
		curl_multi_remove_handle(b->multi, t->easy);
		b->running--;
	}
	int stop = b->done(t->index, &t->result, b->ctx);
	fetch_result_free(&t->result);
	transfer_cleanup(t);
	return stop;
}

/* Starts transfers until parallel are running. Returns the callback's stop value. */
static int batch_fill(struct batch *b, long parallel)
{
	while (b->next < b->count && (long)b->running < parallel) {
		struct transfer *t = &b->transfers[b->next];
		t->index = b->next;
		t->opts = b->opts;
		fetch_result_init(&t->result);
		const char *url = b->urls[b->next++];
		if (transfer_setup(t, url) != 0 ||
		    curl_multi_add_handle(b->multi, t->easy) != CURLM_OK) {
			transfer_cleanup(t);
			if (t->result.status != FETCH_BLOCKED)
				set_status(t, FETCH_FAILED, "The server could not prepare the request.");
			if (batch_report(b, t) != 0)
				return 1;
			continue;
		}
		b->running++;
	}
	return 0;
}

/* Reports every finished transfer. Returns the callback's stop value. */
static int batch_collect(struct batch *b)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(b->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct transfer *t = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		transfer_finish(t, msg->data.result);
		if (batch_report(b, t) != 0)
			return 1;
	}
	return 0;
}

/* Reports every unfinished URL as timed out, or stops silently when stopping. */
static void batch_abandon(struct batch *b, bool report)
{
	for (size_t i = 0; i < b->count; i++) {
		struct transfer *t = &b->transfers[i];
		bool started = i < b->next;
		if (started && !t->easy)
			continue;       /* already reported */
		if (!started) {
			t->index = i;
			t->opts = b->opts;
			fetch_result_init(&t->result);
		}
		if (report) {
			set_status(t, FETCH_TIMEOUT, "The export ran out of time before this image arrived.");
			if (b->done(i, &t->result, b->ctx) != 0)
				report = false;
		}
		if (t->easy) {
			curl_multi_remove_handle(b->multi, t->easy);
			b->running--;
		}
		fetch_result_free(&t->result);
		transfer_cleanup(t);
	}
	b->next = b->count;
}

/* Calls the idle callback when no transfer ended for idle_ms. Returns its value, or 0. */
static int batch_idle(struct batch *b)
{
	const struct fetch_options *opts = b->opts;
	if (!opts->idle || now_ms() - b->quiet_since < opts->idle_ms)
		return 0;
	b->quiet_since = now_ms();
	return opts->idle(opts->idle_ctx);
}

int fetch_many(char *const *urls, size_t count, const struct fetch_options *opts,
	       long parallel, long total_timeout_ms, fetch_done_fn done, void *ctx)
{
	struct batch b = { .urls = urls, .count = count, .opts = opts, .done = done, .ctx = ctx };
	b.multi = curl_multi_init();
	b.transfers = calloc(count ? count : 1, sizeof *b.transfers);
	if (!b.multi || !b.transfers) {
		log_error("cannot start %zu transfers: out of memory", count);
		free(b.transfers);
		if (b.multi)
			curl_multi_cleanup(b.multi);
		return -1;
	}
	long deadline = now_ms() + total_timeout_ms;
	b.quiet_since = now_ms();
	int rc = 0;
	while (rc == 0 && (b.next < count || b.running > 0)) {
		if (batch_fill(&b, parallel) != 0) {
			rc = 1;
			break;
		}
		if (b.running == 0)
			continue;
		if (now_ms() >= deadline) {
			batch_abandon(&b, true);
			break;
		}
		int still;
		CURLMcode mc = curl_multi_perform(b.multi, &still);
		if (mc == CURLM_OK && batch_collect(&b) != 0) {
			rc = 1;
			break;
		}
		/* Wait only when nothing finished; otherwise start the next transfers first. */
		if (mc == CURLM_OK && (size_t)still == b.running && b.running > 0)
			mc = curl_multi_poll(b.multi, NULL, 0, 200, NULL);
		if (mc != CURLM_OK) {
			log_error("libcurl multi interface failed: %s", curl_multi_strerror(mc));
			rc = -1;
		} else if (batch_idle(&b) != 0) {
			rc = 1;
		}
	}
	if (rc != 0)
		batch_abandon(&b, false);
	curl_multi_cleanup(b.multi);
	free(b.transfers);
	return rc;
}

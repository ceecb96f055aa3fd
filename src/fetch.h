/* HTTP and HTTPS fetching with libcurl, locked down for addresses strangers type. */
#ifndef IG_FETCH_H
#define IG_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "addrpolicy.h"
#include "buf.h"

enum fetch_status {
	FETCH_OK,
	FETCH_BLOCKED,      /* the URL, or a connection attempt, was refused by the address policy */
	FETCH_TOO_LARGE,    /* the body passed max_bytes */
	FETCH_TIMEOUT,      /* timeout_ms passed, or stall_seconds without data */
	FETCH_HTTP_ERROR,   /* the server answered with a status other than 2xx */
	FETCH_FAILED,       /* anything else: DNS, connection, TLS, protocol, header size */
};

struct fetch_options {
	const struct addr_policy *policy;
	size_t max_bytes;
	long timeout_ms;        /* the whole transfer, redirects included */
	long max_redirects;
	const char *accept;     /* Accept header value */
	long stall_seconds;     /* fail when fewer than stall_seconds bytes came in that many seconds; 0: off */
	size_t max_header_bytes; /* response header bytes of all responses of one fetch */
	const char *resolve_overrides; /* checked with fetch_resolve_check; NULL or "": none */
	const char *extra_header;       /* one more request header "Name: value", or NULL */
	/*
	 * true: a body longer than max_bytes ends the transfer with FETCH_OK and
	 * its first max_bytes bytes, and sets truncated; false: FETCH_TOO_LARGE.
	 */
	bool keep_truncated;
	/*
	 * fetch_many only: idle is called when idle_ms pass without a transfer
	 * ending, and again after each further idle_ms. A non-zero return
	 * stops all transfers, as the done callback's does. NULL: none.
	 */
	int (*idle)(void *ctx);
	void *idle_ctx;
	long idle_ms;
};

/* The outcome of one transfer; owns its strings and body. */
struct fetch_result {
	enum fetch_status status;
	long http_status;
	char *final_url;        /* after redirects, or NULL */
	char *content_type;     /* the upstream header, or NULL */
	struct buf body;
	bool truncated;         /* body holds only the first max_bytes (keep_truncated) */
	/*
	 * The size of the whole file: the complete length of a 206 answer's
	 * Content-Range (RFC 9110 section 14.4), else the final answer's
	 * Content-Length; -1 when neither is known.
	 */
	long long total_bytes;
	char error[512];        /* a sentence for the visitor when status is not FETCH_OK */
};

/* Initializes libcurl once per process; call only on paths that fetch. Returns 0 or -1. */
int fetch_global_init(void);
void fetch_global_cleanup(void);

/*
 * Returns the CA certificates that transfers trust: the hashed folder
 * imagegather-data/certs/ or the bundle imagegather-data/ca-certificates.crt
 * shipped next to the programs, else the first readable system bundle,
 * else NULL (libcurl's built-in default). *is_folder tells whether the
 * result is a folder (CURLOPT_CAPATH) or a file (CURLOPT_CAINFO).
 */
const char *fetch_ca_bundle(bool *is_folder);

/*
 * Checks resolve_overrides, space-separated entries "HOST:PORT:ADDRESS[,ADDRESS...]"
 * as for CURLOPT_RESOLVE, with IPv6 addresses in brackets. Returns 0, or -1
 * with a message naming the bad entry in err.
 */
int fetch_resolve_check(const char *overrides, char *err, size_t errlen);

void fetch_result_init(struct fetch_result *r);
void fetch_result_free(struct fetch_result *r);

/*
 * Fetches url (normalized by url_validate) into r: libcurl receives the
 * handle of url_fetch_handle, and every connection attempt, redirects
 * included, must pass the address policy. Returns r->status.
 */
enum fetch_status fetch_url(const char *url, const struct fetch_options *opts,
			    struct fetch_result *r);

/*
 * Called once per URL of fetch_many as each transfer ends, in completion
 * order. The callback may take r's body (buf_detach); fetch_many frees the
 * rest. A non-zero return stops all transfers still running.
 */
typedef int (*fetch_done_fn)(size_t index, struct fetch_result *r, void *ctx);

/*
 * Fetches urls with at most parallel transfers at once (libcurl multi
 * interface) and stops everything after total_timeout_ms. Returns 0 when
 * every URL was reported, 1 when the callback stopped it, or -1 when
 * libcurl failed as a whole (the message goes to the log).
 */
int fetch_many(char *const *urls, size_t count, const struct fetch_options *opts,
	       long parallel, long total_timeout_ms, fetch_done_fn done, void *ctx);

#endif

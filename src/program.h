/* What every CGI program does first and last: configuration, request, limits. */
#ifndef IG_PROGRAM_H
#define IG_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>

#include "addrpolicy.h"
#include "cgi.h"
#include "config.h"
#include "fetch.h"

struct program {
	struct config config;
	struct addr_policy policy;
	struct cgi_request request;
	bool policy_ready;
};

/*
 * Sets up logging, process limits (CPU seconds, address space) and SIGPIPE,
 * loads the configuration and reads the request. Returns 0, or -1 with e
 * set (500 when the installation is broken, 4xx for a bad request).
 */
int program_start(struct program *p, const char *name, long cpu_seconds,
		  size_t max_body, struct http_error *e);
void program_finish(struct program *p);

/* Counts a request against the client's hourly limit. Returns 0, or -1 with e (429 or 500). */
int program_rate_limit(struct program *p, const char *event, long limit,
		       const char *label, struct http_error *e);
/* Adds one to an aggregate counter; failures are logged only. */
void program_count(struct program *p, const char *event, const char *label);

void program_fetch_options(const struct program *p, size_t max_bytes, long timeout_seconds,
			   const char *accept, struct fetch_options *opts);
/* Turns a failed fetch into the error sent to the client. Returns -1. */
int program_fetch_error(const struct fetch_result *r, struct http_error *e);

/* Reads the optional "page" label: 1 to 64 of A-Z a-z 0-9 . _ -. Returns 0 or -1 with e. */
int program_page_label(const struct program *p, const char **label, struct http_error *e);

#endif

/* What every CGI program does first and last: configuration, request, limits. */
#ifndef IG_PROGRAM_H
#define IG_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "addrpolicy.h"
#include "cgi.h"
#include "clientaddr.h"
#include "config.h"
#include "fetch.h"

struct program {
	struct config config;
	struct addr_policy policy;
	struct cgi_request request;
	bool policy_ready;
	const char *name;                       /* the program, for log records */
	char client_addr[CLIENT_ADDR_SIZE];     /* see client_address(); never logged */
};

/*
 * Sets up logging and SIGPIPE, loads the configuration, sets the process
 * limits (RLIMIT_CPU: max_cpu_seconds, or cpu_seconds when that is 0;
 * RLIMIT_AS: max_memory_bytes; no core files) and the wall-clock deadline
 * (request_timeout_seconds, see deadline.h), reads the request, finds the
 * client address (trusted_proxies) and installs the seccomp filter unless
 * "sandbox = off". Returns 0, or -1 with e set (500 when the installation
 * is broken or the filter cannot be installed, 4xx for a bad request).
 */
int program_start(struct program *p, const char *name, long cpu_seconds,
		  size_t max_body, struct http_error *e);
void program_finish(struct program *p);

/*
 * Tells whether the data folder data_dir exists but is unsafe to use: not
 * a folder (a symbolic link to one included), or writable by group or
 * others, so that another account could replace the secret, the store or
 * an archive. Fills *st from lstat when the folder exists. A missing folder
 * returns false; the store reports it.
 */
bool data_dir_is_exposed(const char *data_dir, struct stat *st);

/*
 * Moves the deadline to seconds from now (exports add their own time).
 * Returns 0, or -1 with e set to 500.
 */
int program_extend_deadline(struct program *p, long seconds, struct http_error *e);

/* Sets e to 503 "busy" with a Retry-After, for a store that stayed locked. Returns -1. */
int program_busy_error(struct http_error *e);

/* Counts a request against the client's hourly limit. Returns 0, or -1 with e (429, 500 or 503). */
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

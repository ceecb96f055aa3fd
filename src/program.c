/* What every CGI program does first and last. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deadline.h"
#include "log.h"
#include "program.h"
#include "rlimits.h"
#include "sandbox.h"
#include "store.h"

/* Seconds a client is asked to wait after the store stayed locked. */
#define BUSY_RETRY_SECONDS 30

/*
 * Sets the process limits (see rlimits.h): max_cpu_seconds, or cpu_seconds
 * when that key is 0, and max_memory_bytes. Returns 0, or -1 with e set.
 */
static int set_limits(const struct config *c, long cpu_seconds, struct http_error *e)
{
	if (c->max_cpu_seconds > 0)
		cpu_seconds = c->max_cpu_seconds;
	const char *failed = rlimits_apply(cpu_seconds, c->max_memory_bytes);
	if (!failed)
		return 0;
	/* A hard limit below the wanted value is the usual cause; raising it needs root. */
	log_error("cannot set %s (max_cpu_seconds %ld, max_memory_bytes %ld): %s", failed,
		  cpu_seconds, c->max_memory_bytes, strerror(errno));
	return http_error_set(e, 500, "server_misconfigured",
			      "The server cannot set its process limits (%s); the site owner "
			      "should lower max_cpu_seconds or max_memory_bytes.", failed);
}

static int install_sandbox(struct program *p, struct http_error *e)
{
	if (!p->config.sandbox)
		return 0;
	char why[256];
	if (sandbox_install(rlimits_sanitized_build(), why, sizeof why) == 0)
		return 0;
	log_error("cannot install the seccomp filter: %s", why);
	return http_error_set(e, 500, "server_misconfigured",
			      "The server cannot install its system call filter (%s). On a kernel "
			      "without seccomp, the site owner may set \"sandbox = off\" in the "
			      "configuration, knowing that this removes a defence.", why);
}

/*
 * Rejects a data folder that group or others can write, because another
 * account could then replace the secret, the store or an archive. The owner
 * is not checked here: a folder of another user fails with "Permission
 * denied" when the store opens it. A missing folder is reported by the store.
 */
bool data_dir_is_exposed(const char *data_dir, struct stat *st)
{
	if (lstat(data_dir, st) != 0)
		return false;
	return !S_ISDIR(st->st_mode) || (st->st_mode & (S_IWGRP | S_IWOTH));
}

static int check_data_dir(const struct config *c, struct http_error *e)
{
	struct stat st;
	if (!data_dir_is_exposed(c->data_dir, &st))
		return 0;
	log_error("%s: the data folder %s must be a folder that group and others cannot "
		  "write (it has owner %ld, mode %04o); run imagegather-cleanup --check",
		  c->path, c->data_dir, (long)st.st_uid, (unsigned)(st.st_mode & 07777));
	return http_error_set(e, 500, "server_misconfigured",
			      "The server's data folder is not private to the account that runs "
			      "ImageGather. The site owner should run chmod 700 on it as "
			      "INSTALL.md describes, then run cron/imagegather-cleanup --check.");
}

/* Finds the client address; the raw REMOTE_ADDR is never logged. */
static int find_client(struct program *p, struct http_error *e)
{
	char why[256];
	if (client_address(p->request.remote_addr, getenv("HTTP_X_FORWARDED_FOR"),
			   p->config.trusted_proxies, p->client_addr, why, sizeof why) == 0)
		return 0;
	log_error("%s: %s", p->config.path, why);
	return http_error_set(e, 500, "server_misconfigured",
			      "The server could not determine the client address: %s.", why);
}

int program_start(struct program *p, const char *name, long cpu_seconds,
		  size_t max_body, struct http_error *e)
{
	memset(p, 0, sizeof *p);
	p->name = name;
	log_init(name);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * libcurl converts international host names with libidn2, which reads
	 * them in the locale's encoding; suEXEC clears LANG, so pick UTF-8 here.
	 */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		log_warn("cannot select the C.UTF-8 locale; international host names will fail");

	char why[1024];
	if (config_load(&p->config, why, sizeof why) != 0) {
		log_error("%s", why);
		return http_error_set(e, 500, "server_misconfigured",
				      "ImageGather is not configured on this server: %s. "
				      "The site owner should fix this as INSTALL.md describes and run "
				      "cron/imagegather-cleanup --check.", why);
	}
	if (check_data_dir(&p->config, e) != 0)
		return -1;
	if (addr_policy_init(&p->policy, p->config.allow_networks, p->config.allow_ports,
			     why, sizeof why) != 0) {
		log_error("%s: %s", p->config.path, why);
		return http_error_set(e, 500, "server_misconfigured",
				      "The server's configuration is invalid: %s.", why);
	}
	p->policy_ready = true;
	if (addr_policy_deny_own(&p->policy, getenv("SERVER_ADDR"), why, sizeof why) != 0 ||
	    fetch_resolve_check(p->config.resolve_overrides, why, sizeof why) != 0) {
		log_error("%s: %s", p->config.path, why);
		return http_error_set(e, 500, "server_misconfigured",
				      "The server cannot set up its address checks: %s.", why);
	}
	if (set_limits(&p->config, cpu_seconds, e) != 0 ||
	    program_extend_deadline(p, p->config.request_timeout_seconds, e) != 0)
		return -1;
	if (cgi_request_read(&p->request, max_body, e) != 0)
		return -1;
	if (find_client(p, e) != 0)
		return -1;
	return install_sandbox(p, e);
}

int program_extend_deadline(struct program *p, long seconds, struct http_error *e)
{
	char why[256];
	if (deadline_arm(p->name, seconds, why, sizeof why) == 0)
		return 0;
	log_error("cannot arm the deadline: %s", why);
	return http_error_set(e, 500, "internal_error", "The server could not set its time limit.");
}

int program_busy_error(struct http_error *e)
{
	http_error_set(e, 503, "busy", "The server is busy; try again in %d seconds.",
		       BUSY_RETRY_SECONDS);
	e->retry_after = BUSY_RETRY_SECONDS;
	return -1;
}

void program_finish(struct program *p)
{
	cgi_request_free(&p->request);
	if (p->policy_ready)
		addr_policy_free(&p->policy);
	p->policy_ready = false;
}

int program_rate_limit(struct program *p, const char *event, long limit,
		       const char *label, struct http_error *e)
{
	char why[512];
	long retry_after = 0;
	int rc = store_hit(p->config.data_dir, p->client_addr, event, limit, label,
			   &retry_after, why, sizeof why);
	if (rc == STORE_BUSY) {
		log_error("rate limit store in %s is busy: %s", p->config.data_dir, why);
		return program_busy_error(e);
	}
	if (rc < 0) {
		log_error("rate limit store in %s failed: %s", p->config.data_dir, why);
		return http_error_set(e, 500, "internal_error",
				      "The server could not record the request; try again in a minute.");
	}
	if (rc > 0) {
		long minutes = (retry_after + 59) / 60;
		const char *noun = strcmp(event, STORE_EVENT_EXTRACT) == 0 ? "extraction" :
				   strcmp(event, STORE_EVENT_PREVIEW) == 0 ? "preview" : "export";
		http_error_set(e, 429, "rate_limited",
			       "You have reached %ld %s%s this hour; try again in %ld minute%s.",
			       limit, noun, limit == 1 ? "" : "s", minutes, minutes == 1 ? "" : "s");
		e->retry_after = retry_after;
		return -1;
	}
	return 0;
}

void program_count(struct program *p, const char *event, const char *label)
{
	char why[512];
	if (store_count(p->config.data_dir, event, label, why, sizeof why) != 0)
		log_error("cannot count event %s: %s", event, why);
}

void program_fetch_options(const struct program *p, size_t max_bytes, long timeout_seconds,
			   const char *accept, struct fetch_options *opts)
{
	opts->policy = &p->policy;
	opts->max_bytes = max_bytes;
	opts->timeout_ms = timeout_seconds * 1000;
	opts->max_redirects = p->config.max_redirects;
	opts->accept = accept;
	opts->stall_seconds = p->config.stall_timeout_seconds;
	opts->max_header_bytes = (size_t)p->config.max_header_bytes;
	opts->resolve_overrides = p->config.resolve_overrides;
	opts->extra_header = NULL;
	opts->keep_truncated = false;
	opts->idle = NULL;
	opts->idle_ctx = NULL;
	opts->idle_ms = 0;
}

int program_fetch_error(const struct fetch_result *r, struct http_error *e)
{
	switch (r->status) {
	case FETCH_BLOCKED:
		return http_error_set(e, 403, "blocked_address", "%s", r->error);
	case FETCH_TOO_LARGE:
		return http_error_set(e, 413, "too_large", "%s", r->error);
	case FETCH_TIMEOUT:
		return http_error_set(e, 504, "timeout", "%s", r->error);
	case FETCH_HTTP_ERROR:
		return http_error_set(e, 502, "fetch_failed", "%s", r->error);
	default:
		return http_error_set(e, 502, "fetch_failed", "%s", r->error[0] ? r->error :
				      "The site could not be reached.");
	}
}

int program_page_label(const struct program *p, const char **label, struct http_error *e)
{
	*label = cgi_param(&p->request, "page");
	if (!*label || !**label) {
		*label = NULL;
		return 0;
	}
	size_t n = strspn(*label, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
	if (n > 64 || (*label)[n] != '\0')
		return http_error_set(e, 400, "invalid_request",
				      "The page label may hold 1 to 64 letters, digits, dots, "
				      "underscores and hyphens.");
	return 0;
}

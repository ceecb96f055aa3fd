/* What every CGI program does first and last. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"
#include "program.h"
#include "store.h"

/* Address space cap; sanitizer builds reserve far more and skip it. */
#define ADDRESS_SPACE_BYTES (1024L * 1024 * 1024)

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static void set_limits(long cpu_seconds)
{
	struct rlimit cpu = { (rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 5 };
	if (setrlimit(RLIMIT_CPU, &cpu) != 0)
		log_warn("cannot set RLIMIT_CPU to %ld seconds", cpu_seconds);
#ifndef SANITIZED
	struct rlimit as = { ADDRESS_SPACE_BYTES, ADDRESS_SPACE_BYTES };
	if (setrlimit(RLIMIT_AS, &as) != 0)
		log_warn("cannot set RLIMIT_AS to %ld bytes", ADDRESS_SPACE_BYTES);
#endif
}

int program_start(struct program *p, const char *name, long cpu_seconds,
		  size_t max_body, struct http_error *e)
{
	memset(p, 0, sizeof *p);
	log_init(name);
	signal(SIGPIPE, SIG_IGN);
	set_limits(cpu_seconds);
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
				      "The site owner should create it (see the install guide).", why);
	}
	if (addr_policy_init(&p->policy, p->config.allow_networks, why, sizeof why) != 0) {
		log_error("%s: %s", p->config.path, why);
		return http_error_set(e, 500, "server_misconfigured",
				      "The server's configuration is invalid: %s.", why);
	}
	p->policy_ready = true;
	return cgi_request_read(&p->request, max_body, e);
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
	int rc = store_hit(p->config.data_dir, p->request.remote_addr, event, limit, label,
			   &retry_after, why, sizeof why);
	if (rc < 0) {
		log_error("rate limit store in %s failed: %s", p->config.data_dir, why);
		return http_error_set(e, 500, "internal_error",
				      "The server could not record the request; try again in a minute.");
	}
	if (rc > 0) {
		long minutes = (retry_after + 59) / 60;
		const char *noun = strcmp(event, STORE_EVENT_EXTRACT) == 0 ? "extractions" :
				   strcmp(event, STORE_EVENT_PREVIEW) == 0 ? "previews" : "exports";
		http_error_set(e, 429, "rate_limited",
			       "You have reached %ld %s this hour; try again in %ld minute%s.",
			       limit, noun, minutes, minutes == 1 ? "" : "s");
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

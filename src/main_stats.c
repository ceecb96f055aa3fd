/* stats.cgi: the owner's statistics page, and "stats.cgi --json" from a terminal. */

/*
 * As a CGI program (GATEWAY_INTERFACE set) it serves only requests that
 * the web server has authenticated: without REMOTE_USER and AUTH_TYPE it
 * sends 403 with a page that explains how to switch the protection on. The
 * command line is ignored then, because Apache turns a query string
 * without "=" into arguments (RFC 3875 section 4.4), so a visitor could
 * otherwise pass "--json".
 * GET stats.cgi sends the HTML page, GET stats.cgi?format=json the JSON.
 *
 * From a terminal or cron it prints the JSON of stats_json to stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cgi.h"
#include "config.h"
#include "log.h"
#include "program.h"
#include "stats.h"

enum { CPU_SECONDS = 10, MAX_REQUEST_BODY = 0, MAX_OUTPUT = 4 * 1024 * 1024 };
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

#define PAGE_CSP_FORMAT "default-src 'none'; style-src 'sha256-%s'; frame-ancestors 'none'; " \
	"base-uri 'none'; form-action 'none'"

static const char forbidden_page[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<title>Statistics are not protected</title><style>%s</style></head><body>\n"
	"<h1>The statistics page is switched off</h1>\n"
	"<p>This page shows the site's usage counters, so it is served only for requests that "
	"the web server has checked with a password, and this request had none.</p>\n"
	"<p>To switch it on, as the owner of the site:</p>\n<ol>\n"
	"<li>Create a password file outside public_html, for example with "
	"<code>htpasswd -c ~/.htpasswds/imagegather-stats owner</code> "
	"(or, where htpasswd is missing, "
	"<code>printf 'owner:%%s\\n' \"$(openssl passwd -apr1)\" &gt; "
	"~/.htpasswds/imagegather-stats</code>), then "
	"<code>chmod 644 ~/.htpasswds/imagegather-stats</code>.</li>\n"
	"<li>In <code>public_html/cgi-bin/.htaccess</code>, remove the <code>#</code> in "
	"front of the lines of the <code>&lt;Files \"stats.cgi\"&gt;</code> block and put "
	"the full path of the password file after <code>AuthUserFile</code>.</li>\n"
	"<li>Load this page again; the browser asks for the name and password.</li>\n"
	"</ol>\n<p>INSTALL.md, section \"Statistics\", has the details.</p>\n"
	"</body></html>\n";

/* Writes the base64 SHA-256 of STATS_STYLE into out (at least 45 bytes). */
static int style_hash(char *out)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (EVP_Digest(STATS_STYLE, strlen(STATS_STYLE), digest, &len, EVP_sha256(), NULL) != 1 ||
	    len != 32)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, digest, (int)len);
	return 0;
}

/* Sends an HTML document with the strict CSP that allows only its <style>. */
static void send_html(int status, const struct buf *page)
{
	char hash[64];
	bool hashed = style_hash(hash) == 0;
	cgi_begin(status, "text/html; charset=utf-8");
	printf("Content-Length: %zu\r\n", page->len);
	printf("Cache-Control: no-store\r\n");
	if (hashed)
		printf("Content-Security-Policy: " PAGE_CSP_FORMAT "\r\n", hash);
	else
		printf("Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n");
	printf("X-Frame-Options: DENY\r\n");
	cgi_end_headers();
	const char *method = getenv("REQUEST_METHOD");
	if (!method || strcmp(method, "HEAD") != 0)
		fwrite(page->data, 1, page->len, stdout);
	fflush(stdout);
}

static bool is_set(const char *name)
{
	const char *value = getenv(name);
	return value && *value;
}

static int send_forbidden(void)
{
	struct buf page;
	buf_init(&page, MAX_OUTPUT);
	if (buf_printf(&page, forbidden_page, STATS_STYLE) != 0) {
		buf_free(&page);
		return -1;
	}
	send_html(403, &page);
	buf_free(&page);
	return 0;
}

static int run_cgi(struct program *p, struct http_error *e)
{
	const char *format = cgi_param(&p->request, "format");
	bool json = format && strcmp(format, "json") == 0;
	if (format && !json && strcmp(format, "html") != 0)
		return http_error_set(e, 400, "invalid_request",
				      "format must be \"html\" or \"json\".");

	struct stats_summary s;
	char err[1024];
	if (stats_read(p->config.data_dir, time(NULL), &s, err, sizeof err) != 0) {
		log_error("reading the statistics failed: %s", err);
		return http_error_set(e, 500, "internal_error", "The statistics could not be read.");
	}
	struct buf out;
	buf_init(&out, MAX_OUTPUT);
	int rc = json ? stats_json(&s, &out) : stats_html(&s, &out);
	stats_free(&s);
	if (rc != 0) {
		buf_free(&out);
		log_error("formatting the statistics failed");
		return http_error_set(e, 500, "internal_error", "The statistics could not be shown.");
	}
	if (json) {
		cgi_begin(200, "application/json; charset=utf-8");
		printf("Content-Length: %zu\r\nCache-Control: no-store\r\n", out.len);
		cgi_end_headers();
		fwrite(out.data, 1, out.len, stdout);
		fflush(stdout);
	} else {
		send_html(200, &out);
	}
	buf_free(&out);
	return 0;
}

static int cgi_main(void)
{
	if (!is_set("REMOTE_USER") || !is_set("AUTH_TYPE")) {
		log_init("stats.cgi");
		log_warn("request without HTTP authentication rejected; the stats.cgi block "
			 "in cgi-bin/.htaccess is not enabled");
		return send_forbidden() == 0 ? 0 : 1;
	}
	struct program p;
	struct http_error e = { 0 };
	int rc = program_start(&p, "stats.cgi", CPU_SECONDS, MAX_REQUEST_BODY, &e);
	if (rc == 0)
		rc = run_cgi(&p, &e);
	if (rc != 0)
		cgi_send_error(&e);
	program_finish(&p);
	return 0;
}

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: stats.cgi --json [--config FILE]\n"
		"Prints the counters of the last %d UTC days as JSON: per day and event,\n"
		"and per page label and event.\n"
		"\n"
		"  --json         print JSON (the only output format; the HTML page is\n"
		"                 served over HTTP)\n"
		"  --config FILE  read this configuration file instead of the one named by\n"
		"                 IMAGEGATHER_CONFIG or found next to the program\n"
		"  --help         show this text\n", STATS_DAYS);
}

static int command_main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_path = NULL;
	bool json = false;
	int c;
	opterr = 0;
	log_init("imagegather-stats");
	while ((c = getopt_long(argc, argv, "jc:h", long_options, NULL)) != -1) {
		if (c == 'j') {
			json = true;
		} else if (c == 'c') {
			config_path = optarg;
		} else if (c == 'h') {
			print_usage(stdout);
			return EXIT_OK;
		} else {
			fprintf(stderr, "stats: invalid option or missing value: %s\n", argv[optind - 1]);
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!json || optind < argc) {
		print_usage(stderr);
		return EXIT_USAGE;
	}

	struct config conf;
	char err[1024];
	int rc;
	if (config_path) {
		config_defaults(&conf);
		rc = config_read_file(&conf, config_path, err, sizeof err);
	} else {
		rc = config_load(&conf, err, sizeof err);
	}
	if (rc != 0) {
		log_error("configuration failed: %s", err);
		return EXIT_FAILED;
	}
	struct stats_summary s;
	if (stats_read(conf.data_dir, time(NULL), &s, err, sizeof err) != 0) {
		log_error("reading the statistics failed: %s", err);
		return EXIT_FAILED;
	}
	struct buf out;
	buf_init(&out, MAX_OUTPUT);
	rc = stats_json(&s, &out);
	stats_free(&s);
	if (rc == 0)
		fwrite(out.data, 1, out.len, stdout);
	else
		log_error("formatting the statistics failed");
	buf_free(&out);
	return rc == 0 && fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

int main(int argc, char **argv)
{
	if (getenv("GATEWAY_INTERFACE"))
		return cgi_main();
	return command_main(argc, argv);
}

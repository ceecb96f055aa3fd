/*
 * export.cgi: POST fetches the selected images in parallel into one ZIP and
 * streams progress as NDJSON; GET with a token downloads the finished ZIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cgi.h"
#include "deadline.h"
#include "download.h"
#include "exportcap.h"
#include "htmlview.h"
#include "json.h"
#include "log.h"
#include "program.h"
#include "sniff.h"
#include "store.h"
#include "token.h"
#include "zipname.h"
#include "zipwriter.h"

enum { MAX_REQUEST_BODY = 2 * 1024 * 1024, CPU_SECONDS = 300 };

/* Room for data_dir (under PATH_MAX) plus "/exports/", a token and ".zip.part". */
#define EXPORT_PATH_SIZE (PATH_MAX + 128)

/* Quiet time after which an export sends an empty line, in milliseconds. */
#define KEEP_ALIVE_MS 1000

/* The state shared by the fetch callback while an archive is written. */
struct export {
	struct program *program;
	char *const *urls;
	struct zip_writer *zip;
	struct zipname_set names;
	const char *part_name;        /* base name of the archive's file in exports/ */
	size_t ok;
	size_t failed;
	unsigned long long bytes;     /* image bytes in the archive */
	bool client_gone;
	bool write_failed;
	bool html;                    /* format=html: a page for browsers without JavaScript */
	char write_error[256];
};

/* Sends one NDJSON line. Returns 0, or -1 when the client went away. */
static int send_line(struct export *x, struct buf *line)
{
	if (buf_append_char(line, '\n') != 0 ||
	    fwrite(line->data, 1, line->len, stdout) != line->len || fflush(stdout) != 0) {
		x->client_gone = true;
		return -1;
	}
	return 0;
}

static void send_image_event(struct export *x, size_t index, const char *name,
			     size_t bytes, const char *error)
{
	struct buf line;
	buf_init(&line, 16 * 1024);
	if (x->html) {
		if (htmlview_export_image(&line, x->urls[index], name, bytes, error) == 0)
			send_line(x, &line);
		buf_free(&line);
		return;
	}
	int rc = buf_printf(&line, "{\"event\":\"image\",\"index\":%zu,\"url\":", index);
	rc |= json_string(&line, x->urls[index]);
	rc |= buf_printf(&line, ",\"status\":\"%s\",\"name\":", error ? "failed" : "ok");
	rc |= json_string(&line, name);
	rc |= buf_printf(&line, ",\"bytes\":%zu,\"error\":", bytes);
	rc |= json_string(&line, error);
	rc |= buf_append_char(&line, '}');
	if (rc == 0)
		send_line(x, &line);
	buf_free(&line);
}

/* Adds one fetched image to the archive. Returns NULL, or a sentence saying why not. */
static const char *add_image(struct export *x, size_t index, struct fetch_result *r,
			     char **name)
{
	static char why[300];
	const struct image_type *type = sniff_image((const unsigned char *)r->body.data, r->body.len);
	if (!type)
		return "The address did not return an image.";
	unsigned long long limit = (unsigned long long)x->program->config.max_export_bytes;
	if (x->bytes + r->body.len > limit) {
		snprintf(why, sizeof why, "The archive would pass its limit of %llu bytes.", limit);
		return why;
	}
	const char *refused = export_caps_admit(x->program, x->part_name, x->bytes, r->body.len,
						why, sizeof why);
	if (refused)
		return refused;
	*name = zipname_make(&x->names, x->urls[index], type->extension);
	if (!*name)
		return "The server ran out of memory.";
	char err[256];
	if (zip_writer_add(x->zip, *name, r->body.data, r->body.len, time(NULL),
			   !type->compressed, err, sizeof err) != 0) {
		log_error("cannot add %s to the archive: %s", *name, err);
		snprintf(x->write_error, sizeof x->write_error, "%s", err);
		x->write_failed = true;
		return "The server could not write the archive.";
	}
	x->bytes += r->body.len;
	return NULL;
}

static int on_image(size_t index, struct fetch_result *r, void *ctx)
{
	struct export *x = ctx;
	char *name = NULL;
	const char *error = r->status == FETCH_OK ? add_image(x, index, r, &name) : r->error;
	if (error)
		x->failed++;
	else
		x->ok++;
	send_image_event(x, index, name, error ? 0 : r->body.len, error);
	free(name);
	return x->client_gone || x->write_failed;
}

static void send_done(struct export *x, const char *token, long long size)
{
	struct buf line;
	buf_init(&line, 1024);
	if (x->html) {
		if (htmlview_export_done(&line, token, cgi_param(&x->program->request, "name"), x->ok,
					 x->failed, size, x->program->config.retention_hours) == 0)
			send_line(x, &line);
		buf_free(&line);
		return;
	}
	int rc = buf_append_str(&line, "{\"event\":\"done\",\"token\":");
	rc |= json_string(&line, token);
	rc |= buf_printf(&line, ",\"count\":%zu,\"failed\":%zu,\"bytes\":%lld,\"expires_in\":%ld}",
			 x->ok, x->failed, size, token ? x->program->config.retention_hours * 3600 : 0);
	if (rc == 0)
		send_line(x, &line);
	buf_free(&line);
}

static void send_stream_error(struct export *x, const char *message)
{
	struct buf line;
	buf_init(&line, 1024);
	if (x->html) {
		if (htmlview_export_error(&line, message) == 0)
			send_line(x, &line);
		buf_free(&line);
		return;
	}
	int rc = buf_append_str(&line, "{\"event\":\"error\",\"error\":");
	rc |= json_string(&line, message);
	rc |= buf_append_char(&line, '}');
	if (rc == 0)
		send_line(x, &line);
	buf_free(&line);
}

static void send_ndjson_headers(void)
{
	cgi_begin(200, "application/x-ndjson; charset=utf-8");
	printf("Cache-Control: no-store\r\n");
	printf("X-Accel-Buffering: no\r\n");
	cgi_end_headers();
	fflush(stdout);
}

/* Sends the headers and the top of the HTML export page. */
static void send_html_begin(struct export *x, size_t count)
{
	struct buf top;
	buf_init(&top, 16 * 1024);
	htmlview_export_headers();
	if (htmlview_export_begin(&top, count) == 0)
		send_line(x, &top);
	buf_free(&top);
}

/* Writes the archive and finishes it. Returns the archive's size, or -1. */
/*
 * Sends an empty line while no image has finished for a second; the page
 * skips empty lines. Apache notices a closed connection only when it
 * writes to it, so without these writes a cancelled export would run on
 * until its next image finished.
 */
static int keep_alive(void *ctx)
{
	struct export *x = ctx;
	struct buf line;
	buf_init(&line, 16);
	int rc = send_line(x, &line);
	buf_free(&line);
	return rc;
}

static long long build_archive(struct export *x, FILE *f, size_t count)
{
	const struct config *c = &x->program->config;
	struct fetch_options opts;
	program_fetch_options(x->program, (size_t)c->max_image_bytes, c->fetch_timeout_seconds,
			      "image/avif,image/webp,image/svg+xml,image/*;q=0.9,*/*;q=0.5", &opts);
	opts.idle = keep_alive;
	opts.idle_ctx = x;
	opts.idle_ms = KEEP_ALIVE_MS;
	int rc = fetch_many(x->urls, count, &opts, c->export_parallel,
			    c->export_timeout_seconds * 1000, on_image, x);
	if (rc != 0 || x->client_gone || x->write_failed || x->ok == 0)
		return -1;
	char err[256];
	if (zip_writer_finish(x->zip, err, sizeof err) != 0) {
		log_error("cannot finish the archive: %s", err);
		snprintf(x->write_error, sizeof x->write_error, "%s", err);
		x->write_failed = true;
		return -1;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		log_error("cannot write the archive: %s", strerror(errno));
		x->write_failed = true;
		return -1;
	}
	return (long long)ftello(f);
}

static int export_images(struct program *p, char **urls, size_t count, struct http_error *e)
{
	char token[TOKEN_LENGTH + 1], part[EXPORT_PATH_SIZE], final[EXPORT_PATH_SIZE];
	if (token_new(token) != 0)
		return http_error_set(e, 500, "internal_error", "The server has no source of randomness.");
	FILE *f = export_open_part(p->config.data_dir, token, part, sizeof part);
	if (!f)
		return http_error_set(e, 500, "internal_error", "The server could not create the archive.");
	deadline_remove_on_expiry(part);
	struct export x = { .program = p, .urls = urls, .html = htmlview_requested(&p->request) };
	zipname_set_init(&x.names);
	x.part_name = strrchr(part, '/') + 1;
	x.zip = zip_writer_new(f);
	if (!x.zip) {
		fclose(f);
		unlink(part);
		zipname_set_free(&x.names);
		return http_error_set(e, 500, "internal_error", "The server ran out of memory.");
	}

	if (x.html)
		send_html_begin(&x, count);
	else
		send_ndjson_headers();

	long long size = build_archive(&x, f, count);
	zip_writer_free(x.zip);
	zipname_set_free(&x.names);
	if (fclose(f) != 0)
		size = -1;
	snprintf(final, sizeof final, "%.*s", (int)(strlen(part) - 5), part);
	if (size >= 0 && rename(part, final) != 0) {
		log_error("cannot rename %s: %s", part, strerror(errno));
		x.write_failed = true;
		size = -1;
	}
	if (size < 0)
		unlink(part);
	deadline_remove_on_expiry(NULL);
	if (x.client_gone)
		log_info("client left during an export of %zu images", count);
	else if (x.write_failed)
		send_stream_error(&x, "The server could not write the archive; try again later.");
	else
		send_done(&x, size >= 0 ? token : NULL, size >= 0 ? size : 0);
	return 0;
}

/* Keeps letters, digits, dot, dash, underscore and space; the result always ends in ".zip". */
static void safe_filename(const char *name, char *out, size_t size)
{
	size_t n = 0;
	for (const char *s = name ? name : ""; *s && n + 5 < size && n < 100; s++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._- ", *s) &&
		    !(n == 0 && (*s == '.' || *s == ' ')))
			out[n++] = *s;
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "images");
	size_t len = strlen(out);
	if (len < 4 || strcmp(out + len - 4, ".zip") != 0)
		snprintf(out + len, size - len, ".zip");
}

static int download(struct program *p, const char *token, struct http_error *e)
{
	if (!token_valid(token))
		return http_error_set(e, 404, "not_found", "This archive does not exist or has expired.");
	char path[EXPORT_PATH_SIZE], filename[128];
	snprintf(path, sizeof path, "%s/exports/%s.zip", p->config.data_dir, token);
	safe_filename(cgi_param(&p->request, "name"), filename, sizeof filename);
	/*
	 * A slow visitor may need long for a large archive: allow a transfer
	 * rate as low as 64 KiB/s. A stalled client is cut off by Apache's
	 * Timeout, after which writes fail.
	 */
	long seconds = p->config.request_timeout_seconds + p->config.max_export_bytes / 65536;
	if (program_extend_deadline(p, seconds < 86400 ? seconds : 86400, e) != 0)
		return -1;
	if (download_send(path, filename, e) != 0)
		return -1;
	program_count(p, STORE_EVENT_DOWNLOAD, NULL);
	return 0;
}

static int run(struct program *p, struct http_error *e)
{
	const char *token = cgi_param(&p->request, "token");
	if (token)
		return download(p, token, e);
	if (strcmp(p->request.method, "POST") != 0)
		return http_error_set(e, 405, "invalid_request",
				      "Send the images to export with POST, or a token to download.");
	char **urls = NULL;
	size_t count = 0;
	if (cgi_request_urls(&p->request, (size_t)p->config.max_export_images, &urls, &count, e) != 0)
		return -1;
	int rc = 0;
	if (count == 0)
		rc = http_error_set(e, 400, "invalid_url", "Select at least one image to export.");
	if (rc == 0)
		rc = export_caps_check_start(p, e);
	if (rc == 0)
		rc = program_rate_limit(p, STORE_EVENT_EXPORT, p->config.limit_export_per_hour, NULL, e);
	if (rc == 0)
		rc = program_extend_deadline(p, p->config.export_timeout_seconds +
					     p->config.request_timeout_seconds, e);
	if (rc == 0 && fetch_global_init() != 0)
		rc = http_error_set(e, 500, "internal_error", "The server could not start fetching.");
	if (rc == 0) {
		rc = export_images(p, urls, count, e);
		fetch_global_cleanup();
	}
	cgi_free_strings(urls, count);
	return rc;
}

int main(void)
{
	struct program p;
	struct http_error e = { 0 };
	int rc = program_start(&p, "export.cgi", CPU_SECONDS, MAX_REQUEST_BODY, &e);
	if (rc == 0)
		rc = run(&p, &e);
	if (rc != 0 && htmlview_requested(&p.request))
		htmlview_send_error(&e);
	else if (rc != 0)
		cgi_send_error(&e);
	program_finish(&p);
	return 0;
}

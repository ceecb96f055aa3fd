/* The configuration file. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

enum { MIB = 1024 * 1024 };

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->limit_extract_per_hour = 60;
	c->limit_preview_per_hour = 3000;
	c->limit_export_per_hour = 20;
	c->retention_hours = 24;
	c->max_page_bytes = 5L * MIB;
	c->max_image_bytes = 20L * MIB;
	c->max_candidates = 2000;
	c->max_export_images = 300;
	c->max_export_bytes = 500L * MIB;
	c->fetch_timeout_seconds = 20;
	c->export_timeout_seconds = 240;
	c->max_redirects = 5;
	c->export_parallel = 4;
	strcpy(c->allow_ports, "80 443");
	c->stall_timeout_seconds = 10;
	c->max_header_bytes = 128 * 1024;
	c->limit_export_bytes_per_hour = 2048L * MIB;
	c->max_data_bytes = 4096L * MIB;
	c->max_memory_bytes = 1024L * MIB;
	c->max_cpu_seconds = 0;
	c->request_timeout_seconds = 120;
	c->cleanup_timeout_seconds = 600;
	c->sandbox = true;
}

struct number_key {
	const char *name;
	size_t offset;
	long min;
	long max;
};

#define NUMBER_KEY(field, lo, hi) { #field, offsetof(struct config, field), lo, hi }

static const struct number_key number_keys[] = {
	NUMBER_KEY(limit_extract_per_hour, 0, 1000000),
	NUMBER_KEY(limit_preview_per_hour, 0, 1000000),
	NUMBER_KEY(limit_export_per_hour, 0, 1000000),
	NUMBER_KEY(retention_hours, 1, 24 * 365),
	NUMBER_KEY(max_page_bytes, 1024, 1024L * MIB),
	NUMBER_KEY(max_image_bytes, 1024, 1024L * MIB),
	NUMBER_KEY(max_candidates, 1, 1000000),
	NUMBER_KEY(max_export_images, 1, 100000),
	NUMBER_KEY(max_export_bytes, 1024, 64L * 1024 * MIB),
	NUMBER_KEY(fetch_timeout_seconds, 1, 3600),
	NUMBER_KEY(export_timeout_seconds, 1, 3600),
	NUMBER_KEY(max_redirects, 0, 5),
	NUMBER_KEY(export_parallel, 1, 16),
	NUMBER_KEY(stall_timeout_seconds, 1, 3600),
	NUMBER_KEY(max_header_bytes, 1024, MIB),
	NUMBER_KEY(limit_export_bytes_per_hour, 0, 1024L * 1024 * MIB),
	NUMBER_KEY(max_data_bytes, 0, 1024L * 1024 * MIB),
	NUMBER_KEY(max_memory_bytes, 64L * MIB, 64L * 1024 * MIB),
	NUMBER_KEY(max_cpu_seconds, 0, 3600),
	NUMBER_KEY(request_timeout_seconds, 1, 3600),
	NUMBER_KEY(cleanup_timeout_seconds, 1, 86400),
};

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int set_string(char *dst, size_t size, const char *value, const char *key,
		      char *err, size_t errlen)
{
	if (strlen(value) >= size) {
		snprintf(err, errlen, "value of %s is longer than %zu bytes", key, size - 1);
		return -1;
	}
	strcpy(dst, value);
	return 0;
}

static int set_switch(bool *dst, const char *value, const char *key,
		      char *err, size_t errlen)
{
	if (strcmp(value, "on") == 0)
		*dst = true;
	else if (strcmp(value, "off") == 0)
		*dst = false;
	else {
		snprintf(err, errlen, "%s must be \"on\" or \"off\", not \"%s\"", key, value);
		return -1;
	}
	return 0;
}

static int set_number(struct config *c, const struct number_key *k, const char *value,
		      char *err, size_t errlen)
{
	char *end;
	errno = 0;
	long n = strtol(value, &end, 10);
	if (errno || end == value || *end || n < k->min || n > k->max) {
		snprintf(err, errlen, "%s must be a whole number from %ld to %ld, not \"%s\"",
			 k->name, k->min, k->max, value);
		return -1;
	}
	*(long *)((char *)c + k->offset) = n;
	return 0;
}

static int set_key(struct config *c, const char *key, const char *value,
		   char *err, size_t errlen)
{
	if (strcmp(key, "data_dir") == 0)
		return set_string(c->data_dir, sizeof c->data_dir, value, key, err, errlen);
	if (strcmp(key, "allow_networks") == 0)
		return set_string(c->allow_networks, sizeof c->allow_networks, value,
				  key, err, errlen);
	if (strcmp(key, "allow_ports") == 0)
		return set_string(c->allow_ports, sizeof c->allow_ports, value, key, err, errlen);
	if (strcmp(key, "resolve_overrides") == 0)
		return set_string(c->resolve_overrides, sizeof c->resolve_overrides, value,
				  key, err, errlen);
	if (strcmp(key, "trusted_proxies") == 0)
		return set_string(c->trusted_proxies, sizeof c->trusted_proxies, value,
				  key, err, errlen);
	if (strcmp(key, "check_url") == 0)
		return set_string(c->check_url, sizeof c->check_url, value, key, err, errlen);
	if (strcmp(key, "sandbox") == 0)
		return set_switch(&c->sandbox, value, key, err, errlen);
	for (size_t i = 0; i < sizeof number_keys / sizeof number_keys[0]; i++)
		if (strcmp(key, number_keys[i].name) == 0)
			return set_number(c, &number_keys[i], value, err, errlen);
	snprintf(err, errlen, "unknown key \"%s\"", key);
	return -1;
}

/* Makes a relative data_dir relative to the folder of the configuration file. */
static int resolve_data_dir(struct config *c, char *err, size_t errlen)
{
	if (c->data_dir[0] == '\0') {
		snprintf(err, errlen, "data_dir is missing");
		return -1;
	}
	if (c->data_dir[0] == '/')
		return 0;
	char folder[PATH_MAX];
	snprintf(folder, sizeof folder, "%s", c->path);
	char *slash = strrchr(folder, '/');
	if (!slash)
		strcpy(folder, ".");
	else
		*slash = '\0';
	char joined[PATH_MAX];
	if (snprintf(joined, sizeof joined, "%s/%s", folder, c->data_dir) >= (int)sizeof joined) {
		snprintf(err, errlen, "data_dir is too long");
		return -1;
	}
	strcpy(c->data_dir, joined);
	return 0;
}

int config_read_file(struct config *c, const char *path, char *err, size_t errlen)
{
	char why[512];
	if (set_string(c->path, sizeof c->path, path, "path", why, sizeof why) != 0) {
		snprintf(err, errlen, "configuration path is too long: %s", path);
		return -1;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open configuration file %s: %s", path, strerror(errno));
		return -1;
	}
	char line[2048];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		char *text = trim(line);
		if (*text == '\0' || *text == '#')
			continue;
		char *eq = strchr(text, '=');
		if (!eq) {
			snprintf(why, sizeof why, "expected \"key = value\"");
			rc = -1;
			break;
		}
		*eq = '\0';
		rc = set_key(c, trim(text), trim(eq + 1), why, sizeof why);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(why, sizeof why, "read failed: %s", strerror(errno));
		rc = -1;
	}
	fclose(f);
	if (rc != 0) {
		snprintf(err, errlen, "%s line %d: %s", path, lineno, why);
		return -1;
	}
	if (resolve_data_dir(c, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return 0;
}

/* Writes the folder of the running program into dir. */
static int program_folder(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	if (n <= 0)
		return -1;
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

int config_load(struct config *c, char *err, size_t errlen)
{
	config_defaults(c);
	const char *env = getenv("IMAGEGATHER_CONFIG");
	if (env && *env)
		return config_read_file(c, env, err, errlen);

	char dir[PATH_MAX];
	if (program_folder(dir, sizeof dir) != 0) {
		snprintf(err, errlen, "cannot find the program's folder to look for "
			 "imagegather-data/imagegather.conf: %s", strerror(errno));
		return -1;
	}
	static const char *const candidates[] = {
		"../imagegather-data/imagegather.conf",
		"../../imagegather-data/imagegather.conf",
	};
	char path[PATH_MAX + 64];
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, candidates[i]);
		/*
		 * Only a missing file moves on to the next candidate. A folder this
		 * account cannot search (EACCES) is reported as such by the open.
		 */
		if (access(path, F_OK) == 0 || (errno != ENOENT && errno != ENOTDIR))
			return config_read_file(c, path, err, errlen);
	}
	snprintf(err, errlen, "no configuration file: looked for %s/%s and %s/%s",
		 dir, candidates[0], dir, candidates[1]);
	return -1;
}

/* The configuration file: one "key = value" per line, "#" starts a comment. */
#ifndef IG_CONFIG_H
#define IG_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct config {
	char path[PATH_MAX];            /* the file that was read */
	char data_dir[PATH_MAX];        /* absolute, or relative to the file's folder */
	long limit_extract_per_hour;    /* per client address; 0 switches it off */
	long limit_preview_per_hour;
	long limit_export_per_hour;
	long retention_hours;           /* how long export archives are kept */
	char allow_networks[1024];      /* CIDR ranges exempt from the address block */
	char allow_ports[256];          /* ports fetched outside allow_networks */
	char resolve_overrides[1536];   /* HOST:PORT:ADDRESS[,ADDRESS...] entries for every fetch */
	long stall_timeout_seconds;     /* a fetch without progress for this long fails */
	long max_header_bytes;          /* response header bytes of one fetch, redirects included */
	long max_page_bytes;
	long max_image_bytes;
	long max_candidates;            /* images reported per page */
	long max_export_images;
	long max_export_bytes;          /* all images of one export together */
	long fetch_timeout_seconds;     /* one page or image */
	long export_timeout_seconds;    /* a whole export */
	long max_redirects;
	long export_parallel;           /* transfers at once during an export */
	long limit_export_bytes_per_hour; /* image bytes exported per client address; 0: off */
	long max_data_bytes;            /* all archives in data_dir/exports together; 0: off */
	long max_memory_bytes;          /* RLIMIT_AS of each program */
	long max_cpu_seconds;           /* RLIMIT_CPU; 0: each program's own default */
	long request_timeout_seconds;   /* wall-clock deadline of a request (exports add theirs) */
	long cleanup_timeout_seconds;   /* wall-clock deadline of one imagegather-cleanup run */
	bool sandbox;                   /* the seccomp filter ("sandbox = on" or "off") */
	char trusted_proxies[1024];     /* CIDR ranges whose X-Forwarded-For is believed */
	char check_url[2048];           /* fetched by imagegather-cleanup --check; empty: none */
};

/* Fills c with the defaults. */
void config_defaults(struct config *c);

/*
 * Finds and reads the configuration: the file named by IMAGEGATHER_CONFIG
 * when set, else ../imagegather-data/imagegather.conf and then
 * ../../imagegather-data/imagegather.conf relative to the folder of the
 * running program. Unknown keys, bad numbers and a missing data_dir are
 * errors. Returns 0, or -1 with a message naming the file in err.
 */
int config_load(struct config *c, char *err, size_t errlen);

/* Reads one named file into c (which holds defaults). Returns 0 or -1 with err. */
int config_read_file(struct config *c, const char *path, char *err, size_t errlen);

#endif

/* imagegather-cleanup: the cron program that enforces retention. */

/*
 * Each run:
 *  1. deletes export archives in DATA_DIR/exports whose modification time
 *     is more than retention_hours in the past: finished archives named
 *     TOKEN.zip and unfinished ones named TOKEN.zip.part, where TOKEN is 32
 *     lowercase hex characters. Other names, symbolic links, folders and
 *     anything else that is not a regular file are left alone, and no
 *     symbolic link is followed. A missing exports folder is not an error.
 *  2. removes the per-IP rate-limit records of past hours from the store
 *     (store_prune). Aggregate statistics are kept.
 *  3. logs one info line with the counts.
 *
 * With --check it only runs setup_check (src/setupcheck.h) and prints its
 * report on stdout.
 *
 * Output: nothing on stdout except --help and --check. Every record, the summary
 * included, is appended to DATA_DIR/cleanup.log (moved to cleanup.log.1 when
 * it passes 1 MiB). Errors also go to stderr, and info lines only with
 * --verbose, so cron mails the owner only when something failed.
 * Exit status: 0 on success, 1 when anything failed, 2 on bad usage.
 * With --dry-run nothing is deleted and the counts report what would be.
 * Only the lock files are created when missing.
 * Overlapping runs: a run holds an exclusive flock on DATA_DIR/cleanup.lock.
 * A run that finds it taken exits 0 at once (logging that with --verbose).
 *
 * Like the CGI programs, a run limits itself once it has read its
 * configuration: RLIMIT_CPU (max_cpu_seconds, or CPU_SECONDS when that is
 * 0), RLIMIT_AS (max_memory_bytes) and no core files. A wall-clock deadline
 * of cleanup_timeout_seconds (deadline.h) ends a stuck run: it logs to
 * stderr and exits 1, writing nothing to stdout. Unless "sandbox = off",
 * the seccomp filter (sandbox.h) follows. It is a deny-list, so unlink,
 * rename and the GDBM calls stay allowed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "deadline.h"
#include "log.h"
#include "program.h"
#include "rlimits.h"
#include "sandbox.h"
#include "setupcheck.h"
#include "store.h"
#include "token.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };
/* RLIMIT_CPU of a run when max_cpu_seconds is 0. */
#define CPU_SECONDS 300L
/* The run log passes to cleanup.log.1 beyond this size. */
#define RUN_LOG_MAX_BYTES (1024L * 1024)

struct options {
	bool dry_run;
	bool verbose;
	bool check;                 /* --check: verify the installation, delete nothing */
	const char *config_path;    /* NULL: IMAGEGATHER_CONFIG or the default places */
};

/* Counts of the export sweep, or of what it would do with --dry-run. */
struct export_counts {
	long deleted;               /* TOKEN.zip */
	long deleted_unfinished;    /* TOKEN.zip.part */
	long kept;                  /* archives younger than the retention time */
	long failed;
};

static void print_usage(FILE *out)
{
	fprintf(out,
		"Usage: imagegather-cleanup [--dry-run] [--verbose] [--check] [--config FILE]\n"
		"Deletes export archives older than retention_hours and expired\n"
		"per-IP rate-limit records. Meant to run from cron.\n"
		"\n"
		"  --dry-run      change nothing; with --verbose, report what would be deleted\n"
		"  --verbose      log a summary line to stderr (errors are always logged)\n"
		"  --check        verify the installation (configuration, data folder,\n"
		"                 store, secret, CA bundle, check_url), print what to fix,\n"
		"                 delete nothing; exit status 1 when a problem was found\n"
		"  --config FILE  read this configuration file instead of the one named by\n"
		"                 IMAGEGATHER_CONFIG or found next to the program\n"
		"  --help         show this text\n"
		"\n"
		"Exit status: 0 success, 1 something failed, 2 bad usage.\n");
}

/* Returns -1 to continue, or the exit status for --help and bad usage. */
static int parse_options(int argc, char **argv, struct options *opts)
{
	static const struct option long_options[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check", no_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "nvkc:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'n':
			opts->dry_run = true;
			break;
		case 'v':
			opts->verbose = true;
			break;
		case 'k':
			opts->check = true;
			break;
		case 'c':
			opts->config_path = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "imagegather-cleanup: invalid option or missing value: %s\n",
				argv[optind - 1]);
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "imagegather-cleanup: unexpected argument: %s\n", argv[optind]);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

static int load_config(const struct options *opts, struct config *c)
{
	char err[1024];
	int rc;
	if (opts->config_path) {
		config_defaults(c);
		rc = config_read_file(c, opts->config_path, err, sizeof err);
	} else {
		rc = config_load(c, err, sizeof err);
	}
	if (rc != 0)
		log_error("configuration failed: %s", err);
	return rc;
}

/*
 * Rejects a data folder that the CGI programs also reject
 * (data_dir_is_exposed), before the run writes its log into it or deletes
 * anything there. Returns 0 or -1 after logging the folder and its mode.
 */
static int check_data_dir(const struct config *c)
{
	struct stat st;
	if (!data_dir_is_exposed(c->data_dir, &st))
		return 0;
	const char *kind = "a folder";
	if (S_ISLNK(st.st_mode))
		kind = "a symbolic link";
	else if (!S_ISDIR(st.st_mode))
		kind = "not a folder";
	log_error("%s: the data folder %s must be a folder that group and others cannot write, "
		  "but it is %s with mode %04o (owner %ld); run chmod 700 on it, then "
		  "imagegather-cleanup --check", c->path, c->data_dir, kind,
		  (unsigned)(st.st_mode & 07777), (long)st.st_uid);
	return -1;
}

/* Sets the process limits, the deadline and the seccomp filter. Returns 0 or -1. */
static int protect_run(const struct config *c)
{
	long cpu_seconds = c->max_cpu_seconds > 0 ? c->max_cpu_seconds : CPU_SECONDS;
	const char *failed = rlimits_apply(cpu_seconds, c->max_memory_bytes);
	if (failed) {
		log_error("cannot set %s (max_cpu_seconds %ld, max_memory_bytes %ld): %s; "
			  "lower these keys in %s", failed, cpu_seconds, c->max_memory_bytes,
			  strerror(errno), c->path);
		return -1;
	}

	char why[256];
	deadline_disable_response();
	if (deadline_arm("imagegather-cleanup", c->cleanup_timeout_seconds, why, sizeof why) != 0) {
		log_error("cannot arm the deadline: %s", why);
		return -1;
	}
	if (c->sandbox && sandbox_install(rlimits_sanitized_build(), why, sizeof why) != 0) {
		log_error("cannot install the seccomp filter: %s; on a kernel without seccomp, "
			  "set \"sandbox = off\" in %s", why, c->path);
		return -1;
	}
	return 0;
}

/*
 * Takes the non-blocking run lock. Returns 0 with *fd set (the caller
 * closes it), 1 when another run holds it, or -1.
 */
static int take_run_lock(const char *data_dir, int *fd)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/cleanup.lock", data_dir) >= (int)sizeof path) {
		log_error("path of cleanup.lock in data folder %s is too long", data_dir);
		return -1;
	}
	*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*fd < 0) {
		log_error("cannot open lock file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	int saved = errno;
	close(*fd);
	*fd = -1;
	if (saved == EWOULDBLOCK)
		return 1;
	log_error("flock on %s failed: %s", path, strerror(saved));
	return -1;
}

/*
 * Recognizes TOKEN.zip and TOKEN.zip.part, the names the export program
 * writes. *unfinished is set for TOKEN.zip.part.
 */
static bool is_export_name(const char *name, bool *unfinished)
{
	char token[TOKEN_LENGTH + 1];
	if (strnlen(name, TOKEN_LENGTH) < TOKEN_LENGTH)
		return false;
	memcpy(token, name, TOKEN_LENGTH);
	token[TOKEN_LENGTH] = '\0';
	if (!token_valid(token))
		return false;
	const char *suffix = name + TOKEN_LENGTH;
	*unfinished = strcmp(suffix, ".zip.part") == 0;
	return *unfinished || strcmp(suffix, ".zip") == 0;
}

/* Deletes (or counts) one entry of the exports folder if it is an expired archive. */
static void sweep_entry(int dir_fd, const char *dir, const char *name, time_t cutoff,
			bool dry_run, struct export_counts *counts)
{
	bool unfinished;
	if (!is_export_name(name, &unfinished))
		return;

	struct stat st;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		/* An export finishing renames its .part file away meanwhile. */
		if (errno != ENOENT) {
			log_error("cannot stat %s/%s: %s", dir, name, strerror(errno));
			counts->failed++;
		}
		return;
	}
	if (!S_ISREG(st.st_mode))
		return;
	if (st.st_mtime >= cutoff) {
		counts->kept++;
		return;
	}
	if (!dry_run && unlinkat(dir_fd, name, 0) != 0) {
		if (errno != ENOENT) {
			log_error("cannot delete %s/%s: %s", dir, name, strerror(errno));
			counts->failed++;
		}
		return;
	}
	if (unfinished)
		counts->deleted_unfinished++;
	else
		counts->deleted++;
}

/* Sweeps DATA_DIR/exports. Returns 0, or -1 when anything failed. */
static int sweep_exports(const char *data_dir, long retention_hours, time_t now,
			 bool dry_run, struct export_counts *counts)
{
	char dir[PATH_MAX];
	if (snprintf(dir, sizeof dir, "%s/exports", data_dir) >= (int)sizeof dir) {
		log_error("path of the exports folder in %s is too long", data_dir);
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		log_error("cannot open exports folder %s: %s", dir, strerror(errno));
		return -1;
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		log_error("cannot read exports folder %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}

	time_t cutoff = now - (time_t)retention_hours * 3600;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d))) {
		sweep_entry(fd, dir, e->d_name, cutoff, dry_run, counts);
		errno = 0;
	}
	if (errno) {
		log_error("reading exports folder %s failed: %s", dir, strerror(errno));
		counts->failed++;
	}
	closedir(d);
	return counts->failed ? -1 : 0;
}

static void log_summary(const struct options *opts, const struct export_counts *counts,
			long retention_hours, long pruned)
{
	log_info("%s%s %ld archives and %ld unfinished archives older than %ld hours, "
		 "kept %ld, %s %ld expired rate-limit records",
		 opts->dry_run ? "dry run: " : "",
		 opts->dry_run ? "would delete" : "deleted",
		 counts->deleted, counts->deleted_unfinished, retention_hours, counts->kept,
		 opts->dry_run ? "would remove" : "removed", pruned);
}

/*
 * Opens DATA_DIR/cleanup.log for appending (mode 0600), first moving a file
 * over RUN_LOG_MAX_BYTES to cleanup.log.1. Anything but a regular file is
 * rejected: O_NONBLOCK keeps a FIFO from blocking the open, and O_NOFOLLOW
 * refuses a symbolic link. Returns NULL after logging why.
 */
static FILE *open_run_log(const char *data_dir)
{
	char path[PATH_MAX], old[PATH_MAX + 4];
	if (snprintf(path, sizeof path, "%s/cleanup.log", data_dir) >= (int)sizeof path) {
		log_error("path of the run log in %s is too long", data_dir);
		return NULL;
	}
	struct stat st;
	if (lstat(path, &st) == 0 && st.st_size > RUN_LOG_MAX_BYTES) {
		snprintf(old, sizeof old, "%s.1", path);
		if (rename(path, old) != 0)
			log_warn("cannot move %s to %s: %s", path, old, strerror(errno));
	}
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
		      0600);
	if (fd < 0) {
		log_error("cannot open the run log %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_error("cannot use the run log %s: not a regular file", path);
		close(fd);
		return NULL;
	}
	FILE *f = fdopen(fd, "a");
	if (!f) {
		log_error("cannot open the run log %s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int main(int argc, char **argv)
{
	log_init("imagegather-cleanup");
	struct options opts = { false, false, false, NULL };
	int status = parse_options(argc, argv, &opts);
	if (status >= 0)
		return status;
	if (opts.check)
		return setup_check(opts.config_path, stdout) == 0 ? EXIT_OK : EXIT_FAILED;

	if (!opts.verbose)
		log_set_stderr_level(LOG_WARN);
	struct config c;
	if (load_config(&opts, &c) != 0)
		return EXIT_FAILED;
	if (check_data_dir(&c) != 0)
		return EXIT_FAILED;
	FILE *run_log = open_run_log(c.data_dir);
	if (run_log)
		log_set_file(run_log);
	if (protect_run(&c) != 0)
		return EXIT_FAILED;

	int lock_fd;
	int locked = take_run_lock(c.data_dir, &lock_fd);
	if (locked < 0)
		return EXIT_FAILED;
	if (locked > 0) {
		if (opts.verbose)
			log_info("another cleanup run has the lock on %s/cleanup.lock; skipping this run",
				 c.data_dir);
		return EXIT_OK;
	}

	time_t now = time(NULL);
	status = EXIT_OK;
	struct export_counts counts = { 0, 0, 0, 0 };
	if (sweep_exports(c.data_dir, c.retention_hours, now, opts.dry_run, &counts) != 0)
		status = EXIT_FAILED;

	long pruned = 0;
	char err[1024];
	if (store_prune(c.data_dir, now, opts.dry_run, &pruned, err, sizeof err) != 0) {
		log_error("pruning rate-limit records failed: %s", err);
		status = EXIT_FAILED;
	}

	log_summary(&opts, &counts, c.retention_hours, pruned);
	close(lock_fd);
	if (run_log) {
		log_set_file(NULL);
		fclose(run_log);
	}
	return status;
}

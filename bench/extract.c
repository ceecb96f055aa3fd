/*
 * Extraction benchmark driver. For each HTML file (UTF-8) given, a child
 * process runs discover_images and discover_finish REPEAT times. It prints
 * one line "FILE<TAB>SECONDS<TAB>CANDIDATES<TAB>PEAK_KIB" with the fastest
 * run, the number of candidates and its peak resident memory (getrusage
 * ru_maxrss), which includes the file's own bytes.
 * Usage: extract REPEAT FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "discover.h"

/* The page address the candidates resolve against; no fetch happens. */
#define PAGE_URL "http://bench.test/dir/page.html"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads a whole file; the caller frees. Returns NULL after printing why. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return NULL;
	}
	char *data = NULL;
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
		data = malloc((size_t)size + 1);
	if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
		free(data);
		data = NULL;
	}
	fclose(f);
	if (!data) {
		fprintf(stderr, "%s: cannot read\n", path);
		return NULL;
	}
	data[size] = '\0';
	*len = (size_t)size;
	return data;
}

/* Extracts one page once. Returns the candidate count, or -1 after printing why. */
static long extract_once(const char *html, size_t len, const char *path)
{
	struct image_list list;
	struct page_meta meta = { 0 };
	char why[512];
	image_list_init(&list, SIZE_MAX);
	int rc = discover_images(html, len, PAGE_URL, &list, &meta, why, sizeof why);
	if (rc == 0)
		rc = discover_finish(&list);
	long count = rc == 0 ? (long)list.count : -1;
	if (rc != 0)
		fprintf(stderr, "%s: extraction failed: %s\n", path, why);
	image_list_free(&list);
	page_meta_free(&meta);
	return count;
}

/* Runs in the child: measures one file and prints its line. Returns the exit status. */
static int measure(const char *path, int repeat)
{
	size_t len;
	char *html = read_file(path, &len);
	if (!html)
		return 1;
	double best = -1;
	long count = -1;
	for (int i = 0; i < repeat; i++) {
		double start = now_seconds();
		count = extract_once(html, len, path);
		double elapsed = now_seconds() - start;
		if (count < 0)
			break;
		if (best < 0 || elapsed < best)
			best = elapsed;
	}
	free(html);
	if (count < 0)
		return 1;
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	printf("%s\t%.6f\t%ld\t%ld\n", path, best, count, usage.ru_maxrss);
	/* The child ends with _exit, which does not flush stdio. */
	return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 3 || atoi(argv[1]) < 1) {
		fprintf(stderr, "usage: %s REPEAT FILE...\n", argv[0]);
		return 2;
	}
	int repeat = atoi(argv[1]);
	int failed = 0;
	for (int i = 2; i < argc; i++) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			_exit(measure(argv[i], repeat));
		int status;
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	return failed ? 1 : 0;
}

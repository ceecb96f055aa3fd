/* Starts a program many times and prints the median and 90th percentile wall time in milliseconds. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s RUNS PROGRAM [ARG...]\n", argv[0]);
		return 2;
	}
	int runs = atoi(argv[1]);
	if (runs < 1) {
		fprintf(stderr, "RUNS must be a positive number, not %s\n", argv[1]);
		return 2;
	}
	double *times = calloc((size_t)runs, sizeof *times);
	if (!times)
		return 1;
	for (int i = 0; i < runs; i++) {
		double start = now_ms();
		pid_t pid = fork();
		if (pid == 0) {
			freopen("/dev/null", "w", stdout);
			execv(argv[2], argv + 2);
			_exit(127);
		}
		int status;
		if (pid < 0 || waitpid(pid, &status, 0) < 0) {
			perror("fork");
			return 1;
		}
		times[i] = now_ms() - start;
	}
	qsort(times, (size_t)runs, sizeof *times, compare);
	printf("%.3f %.3f\n", times[runs / 2], times[runs * 9 / 10]);
	free(times);
	return 0;
}

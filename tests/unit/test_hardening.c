/* Unit tests for the seccomp filter, the client address and the deadline's clock. */
/* nftw() is an X/Open System Interfaces function. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <time.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include <check.h>

#include "cgi.h"
#include "clientaddr.h"
#include "deadline.h"
#include "exportcap.h"
#include "sandbox.h"
#include "store.h"

/* Exit statuses of the child in run_sandboxed. */
enum { CHILD_DONE = 0, CHILD_SETUP_FAILED = 3, CHILD_CALL_FAILED = 4 };

typedef int (*child_action)(void);

/*
 * Runs action in a child process after installing the filter, and returns
 * the raw wait status: killed by SIGSYS when the filter caught a call,
 * exit CHILD_DONE when the action finished.
 */
static int run_sandboxed(child_action action)
{
	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char why[256];
		if (sandbox_install(false, why, sizeof why) != 0) {
			fprintf(stderr, "sandbox_install failed: %s\n", why);
			_exit(CHILD_SETUP_FAILED);
		}
		_exit(action());
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		ck_assert_int_eq(errno, EINTR);
	return status;
}

static void assert_killed(int status)
{
	ck_assert_msg(WIFSIGNALED(status), "child was not killed; exit status %d",
		      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	ck_assert_int_eq(WTERMSIG(status), SIGSYS);
}

static void assert_finished(int status)
{
	ck_assert_msg(WIFEXITED(status), "child was killed by signal %d",
		      WIFSIGNALED(status) ? WTERMSIG(status) : -1);
	ck_assert_int_eq(WEXITSTATUS(status), CHILD_DONE);
}

static int call_execve(void)
{
	char *argv[] = { (char *)"/bin/true", NULL };
	char *envp[] = { NULL };
	execve("/bin/true", argv, envp);
	return CHILD_CALL_FAILED;
}

static int call_fork(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	return CHILD_CALL_FAILED;
}

static int call_ptrace(void)
{
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return CHILD_CALL_FAILED;
}

static int open_raw_socket(void)
{
	socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	return CHILD_CALL_FAILED;
}

static int open_packet_socket(void)
{
	socket(AF_PACKET, SOCK_DGRAM, 0);
	return CHILD_CALL_FAILED;
}

static int call_unshare(void)
{
	syscall(SYS_unshare, 0x40000000);   /* CLONE_NEWNET */
	return CHILD_CALL_FAILED;
}

static void *thread_main(void *arg)
{
	return arg;
}

/* What the programs do after the filter is in place: threads and TCP sockets. */
static int start_thread_and_socket(void)
{
	pthread_t thread;
	if (pthread_create(&thread, NULL, thread_main, NULL) != 0)
		return CHILD_CALL_FAILED;
	if (pthread_join(thread, NULL) != 0)
		return CHILD_CALL_FAILED;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return CHILD_CALL_FAILED;
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return CHILD_CALL_FAILED;
	close(fd);
	return CHILD_DONE;
}

/* What the cleanup program does after the filter is in place: rename, flock, unlink. */
static int rename_lock_and_unlink(void)
{
	char path[] = "/tmp/ig-sandbox-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return CHILD_CALL_FAILED;
	char moved[sizeof path + 5];
	snprintf(moved, sizeof moved, "%s.part", path);
	int rc = CHILD_DONE;
	if (rename(path, moved) != 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
		rc = CHILD_CALL_FAILED;
	close(fd);
	if (unlinkat(AT_FDCWD, moved, 0) != 0 && unlink(path) != 0)
		rc = CHILD_CALL_FAILED;
	return rc;
}

START_TEST(sandbox_kills_execve)
{
	assert_killed(run_sandboxed(call_execve));
}
END_TEST

START_TEST(sandbox_kills_fork)
{
	assert_killed(run_sandboxed(call_fork));
}
END_TEST

START_TEST(sandbox_kills_ptrace)
{
	assert_killed(run_sandboxed(call_ptrace));
}
END_TEST

START_TEST(sandbox_kills_raw_socket)
{
	assert_killed(run_sandboxed(open_raw_socket));
}
END_TEST

START_TEST(sandbox_kills_packet_socket)
{
	assert_killed(run_sandboxed(open_packet_socket));
}
END_TEST

START_TEST(sandbox_kills_unshare)
{
	assert_killed(run_sandboxed(call_unshare));
}
END_TEST

START_TEST(sandbox_allows_threads_and_tcp)
{
	assert_finished(run_sandboxed(start_thread_and_socket));
}
END_TEST

START_TEST(sandbox_allows_file_removal)
{
	assert_finished(run_sandboxed(rename_lock_and_unlink));
}
END_TEST

struct client_case {
	const char *remote;
	const char *forwarded;
	const char *trusted;
	const char *expected;
};

static const struct client_case client_cases[] = {
	/* Without trusted proxies the header is ignored. */
	{ "203.0.113.9", "198.51.100.23", "", "203.0.113.9" },
	{ "203.0.113.9", NULL, "", "203.0.113.9" },
	/* A peer outside the trusted ranges cannot choose its address. */
	{ "203.0.113.9", "198.51.100.23", "10.0.0.0/8", "203.0.113.9" },
	/* Behind a trusted proxy, the right-most untrusted address wins. */
	{ "10.0.0.2", "198.51.100.23", "10.0.0.0/8", "198.51.100.23" },
	{ "10.0.0.2", "1.2.3.4, 198.51.100.23, 10.0.0.7", "10.0.0.0/8", "198.51.100.23" },
	{ "10.0.0.2", " 198.51.100.23 ,10.0.0.7 ", "10.0.0.0/8", "198.51.100.23" },
	/* All hops trusted: the left-most is the client. */
	{ "10.0.0.2", "10.0.0.5, 10.0.0.7", "10.0.0.0/8", "10.0.0.5" },
	/* A forged entry stops the walk at the last proxy that appended an address. */
	{ "10.0.0.2", "198.51.100.23, garbage, 10.0.0.7", "10.0.0.0/8", "10.0.0.7" },
	{ "10.0.0.2", "", "10.0.0.0/8", "10.0.0.2" },
	/* IPv4-mapped IPv6 is stored as dotted IPv4, and IPv6 is canonical. */
	{ "::ffff:127.0.0.1", NULL, "", "127.0.0.1" },
	{ "2001:DB8:0:0::1", NULL, "", "2001:db8::" },
	{ "::1", "[2001:db8::7]", "::1", "2001:db8::" },
	/* IPv6 clients are counted by /64: the interface identifier is dropped. */
	{ "2001:db8:7:1:1234:5678:9abc:def0", NULL, "", "2001:db8:7:1::" },
	{ "2001:db8:7:1::a", NULL, "", "2001:db8:7:1::" },
	{ "2001:db8:7:2::a", NULL, "", "2001:db8:7:2::" },
	/* The trust check compares the whole proxy address. */
	{ "2001:db8:7:1::5", "198.51.100.23", "2001:db8:7:1::5/128", "198.51.100.23" },
	{ "2001:db8:7:1::6", "198.51.100.23", "2001:db8:7:1::5/128", "2001:db8:7:1::" },
	{ "::ffff:10.0.0.2", "::ffff:198.51.100.23", "10.0.0.0/8", "198.51.100.23" },
};

START_TEST(client_address_cases)
{
	const struct client_case *c = &client_cases[_i];
	char out[CLIENT_ADDR_SIZE], why[256];
	int rc = client_address(c->remote, c->forwarded, c->trusted, out, why, sizeof why);
	ck_assert_msg(rc == 0, "case %d failed: %s", _i, why);
	ck_assert_str_eq(out, c->expected);
}
END_TEST

START_TEST(client_address_rejects_bad_input)
{
	char out[CLIENT_ADDR_SIZE], why[256];
	ck_assert_int_eq(client_address("", NULL, "", out, why, sizeof why), -1);
	ck_assert_int_eq(client_address(NULL, NULL, "", out, why, sizeof why), -1);
	ck_assert_int_eq(client_address("not-an-ip", NULL, "", out, why, sizeof why), -1);
	ck_assert_int_eq(client_address("10.0.0.2", NULL, "10.0.0.0/33", out, why, sizeof why),
			 -1);
	ck_assert_ptr_nonnull(strstr(why, "trusted_proxies"));
}
END_TEST

START_TEST(deadline_formats_utc)
{
	char out[21];
	deadline_format_utc(0, out);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	deadline_format_utc(951782400, out);          /* a leap day */
	ck_assert_str_eq(out, "2000-02-29T00:00:00Z");
	deadline_format_utc(1798761599, out);
	ck_assert_str_eq(out, "2026-12-31T23:59:59Z");
	deadline_format_utc(4102444800LL, out);
	ck_assert_str_eq(out, "2100-01-01T00:00:00Z");
}
END_TEST

START_TEST(deadline_rejects_bad_seconds)
{
	char why[128];
	ck_assert_int_eq(deadline_arm("test", 0, why, sizeof why), -1);
	ck_assert_int_eq(deadline_arm("test", 86401, why, sizeof why), -1);
}
END_TEST

/* Creates a private temporary folder; the caller removes it with remove_tree. */
static void make_temp_dir(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/imagegather-hardening.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *read_file(const char *path)
{
	static char text[4096];
	text[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return text;
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

START_TEST(deadline_expiry_removes_part_file)
{
	char dir[64], part[128], out[128], err[128];
	make_temp_dir(dir, sizeof dir);
	snprintf(part, sizeof part, "%s/token.zip.part", dir);
	snprintf(out, sizeof out, "%s/stdout", dir);
	snprintf(err, sizeof err, "%s/stderr", dir);
	int fd = open(part, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	fflush(NULL);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char why[128];
		int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (out_fd < 0 || err_fd < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
			_exit(CHILD_SETUP_FAILED);
		if (deadline_remove_on_expiry(part) != 0 ||
		    deadline_arm("export.cgi", 1, why, sizeof why) != 0)
			_exit(CHILD_SETUP_FAILED);
		for (;;)
			pause();
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_int_eq(access(part, F_OK), -1);
	ck_assert_ptr_nonnull(strstr(read_file(out), "Status: 504"));
	ck_assert_ptr_nonnull(strstr(read_file(out), "\"code\":\"timeout\""));
	const char *record = read_file(err);
	ck_assert_msg(strncmp(record, "export.cgi 20", 13) == 0, "record: %s", record);
	ck_assert_ptr_nonnull(strstr(record, " error the deadline of 1 seconds passed"));
	remove_tree(dir);
}
END_TEST

/*
 * A writer killed at a random moment in a store update: every count it
 * reported as committed is there afterwards, and the store still works.
 */
START_TEST(store_survives_sigkill)
{
	char dir[64];
	make_temp_dir(dir, sizeof dir);
	srand((unsigned)time(NULL));
	long total_reported = 0;
	for (int round = 0; round < 8; round++) {
		int fds[2];
		ck_assert_int_eq(pipe(fds), 0);
		fflush(NULL);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(fds[0]);
			char why[256];
			for (;;) {
				if (store_hit(dir, "198.51.100.23", STORE_EVENT_EXTRACT, 1000000, NULL,
					      NULL, why, sizeof why) != 0)
					_exit(CHILD_CALL_FAILED);
				if (write(fds[1], "+", 1) != 1)
					_exit(CHILD_CALL_FAILED);
			}
		}
		close(fds[1]);
		struct timespec pause_ts = { 0, (20 + rand() % 200) * 1000000L };
		nanosleep(&pause_ts, NULL);
		kill(pid, SIGKILL);
		int status;
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status), "writer ended by itself with status %d",
			      WEXITSTATUS(status));
		char buffer[4096];
		ssize_t n;
		while ((n = read(fds[0], buffer, sizeof buffer)) > 0)
			total_reported += n;
		close(fds[0]);

		long count = -1;
		char why[256];
		ck_assert_msg(store_get_count(dir, time(NULL), STORE_EVENT_EXTRACT, NULL, &count,
					      why, sizeof why) == 0, "store_get_count: %s", why);
		/* One update may have been committed but not yet reported. */
		ck_assert_int_ge(count, total_reported);
		ck_assert_int_le(count, total_reported + round + 1);
		total_reported = count;
	}
	ck_assert_int_gt(total_reported, 0);
	remove_tree(dir);
}
END_TEST

START_TEST(export_part_file_is_exclusive)
{
	char dir[64], part[256], again[256];
	make_temp_dir(dir, sizeof dir);
	FILE *first = export_open_part(dir, "sametoken", part, sizeof part);
	ck_assert_ptr_nonnull(first);
	ck_assert_int_eq((int)fwrite("first", 1, 5, first), 5);
	ck_assert_int_eq(fflush(first), 0);
	FILE *second = export_open_part(dir, "sametoken", again, sizeof again);
	ck_assert_ptr_null(second);
	ck_assert_str_eq(part, again);
	fclose(first);
	ck_assert_str_eq(read_file(part), "first");
	remove_tree(dir);
}
END_TEST

/* An exports folder replaced by a symbolic link is not written through. */
START_TEST(export_part_rejects_linked_folder)
{
	char dir[64], elsewhere[64], link_path[128], part[256], target_part[256];
	make_temp_dir(dir, sizeof dir);
	make_temp_dir(elsewhere, sizeof elsewhere);
	snprintf(link_path, sizeof link_path, "%s/exports", dir);
	ck_assert_int_eq(symlink(elsewhere, link_path), 0);

	ck_assert_ptr_null(export_open_part(dir, "linkedtoken", part, sizeof part));
	snprintf(target_part, sizeof target_part, "%s/linkedtoken.zip.part", elsewhere);
	ck_assert_int_eq(access(target_part, F_OK), -1);
	remove_tree(dir);
	remove_tree(elsewhere);
}
END_TEST

START_TEST(cgi_parse_nul_in_name)
{
	static const char form[] = "ur\0l=a&x=%41\0%4";
	struct cgi_request req;
	struct http_error e = { 0 };
	ck_assert_int_eq(cgi_request_parse(&req, form, sizeof form - 1, &e), 0);
	ck_assert_int_eq((int)req.count, 2);
	ck_assert_str_eq(req.params[0].name, "ur");
	ck_assert_str_eq(req.params[1].value, "A");
	ck_assert_int_eq((int)req.params[1].value_len, 4);
	cgi_request_free(&req);
}
END_TEST

static Suite *hardening_suite(void)
{
	Suite *s = suite_create("hardening");
	TCase *tc = tcase_create("sandbox");
	tcase_add_test(tc, sandbox_kills_execve);
	tcase_add_test(tc, sandbox_kills_fork);
	tcase_add_test(tc, sandbox_kills_ptrace);
	tcase_add_test(tc, sandbox_kills_raw_socket);
	tcase_add_test(tc, sandbox_kills_packet_socket);
	tcase_add_test(tc, sandbox_kills_unshare);
	tcase_add_test(tc, sandbox_allows_threads_and_tcp);
	tcase_add_test(tc, sandbox_allows_file_removal);
	suite_add_tcase(s, tc);

	tc = tcase_create("client address");
	tcase_add_loop_test(tc, client_address_cases, 0,
			    (int)(sizeof client_cases / sizeof client_cases[0]));
	tcase_add_test(tc, client_address_rejects_bad_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("deadline");
	tcase_add_test(tc, deadline_formats_utc);
	tcase_add_test(tc, deadline_rejects_bad_seconds);
	tcase_add_test(tc, deadline_expiry_removes_part_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, store_survives_sigkill);
	tcase_add_test(tc, export_part_file_is_exclusive);
	tcase_add_test(tc, export_part_rejects_linked_folder);
	tcase_add_test(tc, cgi_parse_nul_in_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hardening_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* A seccomp filter that kills the process on system calls ImageGather never makes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <linux/sched.h>
#include <seccomp.h>

#include "sandbox.h"

/*
 * Calls no program needs. Names unknown to the installed libseccomp or to
 * this architecture are skipped.
 */
static const char *const forbidden[] = {
	"execveat",
	"process_vm_readv", "process_vm_writev", "kcmp",
	"mount", "umount", "umount2", "pivot_root", "chroot", "move_mount",
	"open_tree", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
	"init_module", "finit_module", "delete_module", "create_module",
	"kexec_load", "kexec_file_load", "reboot",
	"swapon", "swapoff", "acct", "quotactl", "nfsservctl",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
	"sethostname", "setdomainname", "iopl", "ioperm", "vhangup",
	"bpf", "keyctl", "add_key", "request_key",
	"personality", "userfaultfd", "perf_event_open", "lookup_dcookie",
	"unshare", "setns", "open_by_handle_at", "name_to_handle_at",
	"fanotify_init", "syslog", "uselib", "ustat", "sysfs", "_sysctl",
	"pidfd_getfd",
};

/* Calls that sanitizer builds need for their reports and leak checks. */
static const char *const debugging[] = {
	"execve", "fork", "vfork", "ptrace",
};

static int deny(scmp_filter_ctx ctx, const char *name, char *err, size_t errlen)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;
	int rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp_rule_add for %s failed: %s", name, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Denies raw sockets of one address family; the type may carry SOCK_CLOEXEC or SOCK_NONBLOCK. */
static int deny_raw(scmp_filter_ctx ctx, int family)
{
	return seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 2,
				SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)family, 0),
				SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
}

/* Sockets: no packet sockets, and no raw IPv4 or IPv6 sockets. Netlink stays for getaddrinfo. */
static int deny_sockets(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), 1,
				  SCMP_A0(SCMP_CMP_EQ, AF_PACKET, 0));
	if (rc == 0)
		rc = deny_raw(ctx, AF_INET);
	if (rc == 0)
		rc = deny_raw(ctx, AF_INET6);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp_rule_add for socket failed: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Threads come from clone with CLONE_THREAD; anything else would start a
 * process. clone3 returns ENOSYS so that glibc (2.34 and later) retries
 * with clone, whose flags the filter can read.
 */
static int deny_processes(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
				  SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
	if (rc != 0) {
		snprintf(err, errlen, "seccomp_rule_add for clone failed: %s", strerror(-rc));
		return -1;
	}
	int nr = seccomp_syscall_resolve_name("clone3");
	if (nr == __NR_SCMP_ERROR)
		return 0;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp_rule_add for clone3 failed: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, bool allow_debugging, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
		if (deny(ctx, forbidden[i], err, errlen) != 0)
			return -1;
	if (deny_sockets(ctx, err, errlen) != 0)
		return -1;
	if (allow_debugging)
		return 0;
	for (size_t i = 0; i < sizeof debugging / sizeof debugging[0]; i++)
		if (deny(ctx, debugging[i], err, errlen) != 0)
			return -1;
	return deny_processes(ctx, err, errlen);
}

int sandbox_install(bool allow_debugging, char *err, size_t errlen)
{
	/*
	 * The default action allows, so this is a deny-list: libcurl's threaded
	 * resolver, OpenSSL, GDBM and glibc use a broad and version-dependent
	 * set of calls that an allow-list would have to track. Calls from a
	 * foreign architecture (such as int 0x80 on x86-64) are killed by
	 * libseccomp's default bad-architecture action.
	 */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc != 0) {
		snprintf(err, errlen, "seccomp_attr_set(SCMP_FLTATR_CTL_TSYNC) failed: %s",
			 strerror(-rc));
		rc = -1;
	}
	if (rc == 0)
		rc = add_rules(ctx, allow_debugging, err, errlen);
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS) failed: %s", strerror(errno));
		rc = -1;
	}
	if (rc == 0) {
		int load = seccomp_load(ctx);
		if (load != 0) {
			snprintf(err, errlen, "seccomp_load failed: %s (the kernel may lack "
				 "seccomp filters)", strerror(-load));
			rc = -1;
		}
	}
	seccomp_release(ctx);
	return rc;
}

/* A seccomp filter that kills the process on system calls ImageGather never makes. */
#ifndef IG_SANDBOX_H
#define IG_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Installs a deny-list seccomp filter on the calling process (all threads,
 * and inherited by any child). A forbidden call kills the whole process
 * with SIGSYS (SECCOMP_RET_KILL_PROCESS). The filter forbids running
 * programs (execve, execveat) and creating processes (fork, vfork, clone
 * without CLONE_THREAD). It also forbids tracing and reading other
 * processes, mounting, kernel modules, kexec, reboot, swap, clock and host
 * name changes, bpf, keyrings, personality, userfaultfd, perf events,
 * namespaces, file handles, and raw and packet sockets. clone3 fails with
 * ENOSYS, because its flags sit in
 * memory where a filter cannot read them; glibc then falls back to clone.
 * With allow_debugging, execve, fork, vfork, plain clone and ptrace stay
 * allowed, which sanitizer builds need (LeakSanitizer traces the process
 * from a helper process and the symbolizer is a separate program).
 * Sets PR_SET_NO_NEW_PRIVS first. Returns 0, or -1 with a message in err.
 */
int sandbox_install(bool allow_debugging, char *err, size_t errlen);

#endif

/* Resource limits each program sets on itself: CPU time, address space, core files. */
#ifndef IG_RLIMITS_H
#define IG_RLIMITS_H

#include <stdbool.h>

/*
 * Sets RLIMIT_CPU to cpu_seconds (SIGXCPU at the soft limit, SIGKILL 5
 * seconds later), RLIMIT_AS to memory_bytes and RLIMIT_CORE to 0, since a
 * core file would hold request data. Sanitizer builds skip RLIMIT_AS,
 * because their shadow memory reserves terabytes of address space.
 * Returns NULL, or the name of the limit that failed with errno set.
 */
const char *rlimits_apply(long cpu_seconds, long memory_bytes);

/* Returns true in AddressSanitizer builds, which need debugging calls in the sandbox. */
bool rlimits_sanitized_build(void);

#endif

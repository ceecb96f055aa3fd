/* Resource limits each program sets on itself: CPU time, address space, core files. */
#include <stddef.h>
#include <sys/resource.h>

#include "rlimits.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

const char *rlimits_apply(long cpu_seconds, long memory_bytes)
{
	struct rlimit cpu = { (rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 5 };
	struct rlimit core = { 0, 0 };
	if (setrlimit(RLIMIT_CPU, &cpu) != 0)
		return "RLIMIT_CPU";
	if (setrlimit(RLIMIT_CORE, &core) != 0)
		return "RLIMIT_CORE";
#ifndef SANITIZED
	struct rlimit as = { (rlim_t)memory_bytes, (rlim_t)memory_bytes };
	if (setrlimit(RLIMIT_AS, &as) != 0)
		return "RLIMIT_AS";
#else
	(void)memory_bytes;
#endif
	return NULL;
}

bool rlimits_sanitized_build(void)
{
#ifdef SANITIZED
	return true;
#else
	return false;
#endif
}

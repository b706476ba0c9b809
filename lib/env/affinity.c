/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unpinned pthreads: spdk_unaffinitize_thread(), spdk_call_unaffinitized()
 * and spdk_get_tid().
 *
 * "Unaffinitized" means the cpus the process was given when it started, read
 * by a constructor when the library is loaded (before spdk_env_init() pins
 * anything). SPDK's env sets every configured cpu instead, which escapes a
 * `taskset` or `numactl --physcpubind` the user chose; the start-up mask
 * keeps it. When the constructor could not read the mask, every configured
 * cpu is used, as in SPDK.
 *
 * The mask is written once by the constructor, before main() and before any
 * pthread of the program exists, and only read afterwards: no lock.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"

#include <sys/syscall.h>

#include "common/pw_common.h"
#include "env_internal.h"

/* Largest cpu count we size a mask for (the kernel's NR_CPUS is at most 8192). */
#define AFFINITY_MAX_CPUS	(1 << 16)

static cpu_set_t *g_start_mask;
static size_t g_start_mask_size;

/* Read the calling pthread's affinity into a mask sized for the kernel's
 * cpu count. Returns NULL on failure; free with CPU_FREE(). */
static cpu_set_t *
read_affinity(size_t *setsize)
{
	for (int ncpus = CPU_SETSIZE; ncpus <= AFFINITY_MAX_CPUS; ncpus *= 2) {
		cpu_set_t *set = CPU_ALLOC(ncpus);
		size_t size = CPU_ALLOC_SIZE(ncpus);
		int rc;

		if (set == NULL) {
			return NULL;
		}
		rc = pthread_getaffinity_np(pthread_self(), size, set);
		if (rc == 0) {
			*setsize = size;
			return set;
		}
		CPU_FREE(set);
		if (rc != EINVAL) {
			return NULL;
		}
	}
	return NULL;
}

__attribute__((constructor)) static void
record_start_mask(void)
{
	g_start_mask = read_affinity(&g_start_mask_size);
}

__attribute__((destructor)) static void
free_start_mask(void)
{
	CPU_FREE(g_start_mask);
	g_start_mask = NULL;
}

/* The mask to unpin to, freshly allocated (free with CPU_FREE()); NULL when
 * out of memory. */
static cpu_set_t *
unpinned_mask(size_t *setsize)
{
	long conf;
	int ncpus;
	cpu_set_t *set;

	if (g_start_mask != NULL) {
		set = CPU_ALLOC(g_start_mask_size * 8);
		if (set != NULL) {
			memcpy(set, g_start_mask, g_start_mask_size);
			*setsize = g_start_mask_size;
		}
		return set;
	}
	/* No start-up mask: every configured cpu, as SPDK does. */
	conf = sysconf(_SC_NPROCESSORS_CONF);
	ncpus = conf < 1 ? 1 : conf > AFFINITY_MAX_CPUS ? AFFINITY_MAX_CPUS : (int)conf;
	set = CPU_ALLOC(ncpus);
	if (set == NULL) {
		return NULL;
	}
	*setsize = CPU_ALLOC_SIZE(ncpus);
	CPU_ZERO_S(*setsize, set);
	for (int cpu = 0; cpu < ncpus; cpu++) {
		CPU_SET_S(cpu, *setsize, set);
	}
	return set;
}

/* Unpin the calling pthread; 0 or a negative errno (logged). */
static int
unaffinitize(void)
{
	size_t setsize;
	cpu_set_t *set;
	int rc;

	set = unpinned_mask(&setsize);
	if (set == NULL) {
		SPDK_ERRLOG("spdk_unaffinitize_thread: out of memory building the cpu mask; "
			    "the pthread stays pinned\n");
		return -ENOMEM;
	}
	rc = pthread_setaffinity_np(pthread_self(), setsize, set);
	CPU_FREE(set);
	if (rc != 0) {
		SPDK_ERRLOG("spdk_unaffinitize_thread: pthread_setaffinity_np failed: %s; the "
			    "pthread keeps its affinity\n", strerror(rc));
		return -rc;
	}
	return 0;
}

int
pw__unaffinitized_mask(cpu_set_t *set, size_t setsize)
{
	size_t size;
	cpu_set_t *mask = unpinned_mask(&size);

	if (mask == NULL) {
		return -ENOMEM;
	}
	if (size > setsize) {
		CPU_FREE(mask);
		return -ENOSPC;
	}
	memset(set, 0, setsize);
	memcpy(set, mask, size);
	CPU_FREE(mask);
	return 0;
}

PW_EXPORT void
spdk_unaffinitize_thread(void)
{
	unaffinitize();
}

PW_EXPORT void *
spdk_call_unaffinitized(void *cb(void *arg), void *arg)
{
	size_t setsize = 0;
	cpu_set_t *orig;
	void *ret;
	int rc;

	if (cb == NULL) {
		SPDK_ERRLOG("spdk_call_unaffinitized: cb is NULL; nothing called\n");
		return NULL;
	}
	orig = read_affinity(&setsize);
	if (orig == NULL) {
		SPDK_ERRLOG("spdk_call_unaffinitized: cannot read the pthread's affinity; "
			    "calling the function with the affinity unchanged\n");
		return cb(arg);
	}
	if (unaffinitize() != 0) {
		/* Logged; run the function anyway, as pinned as before. */
		CPU_FREE(orig);
		return cb(arg);
	}
	ret = cb(arg);
	rc = pthread_setaffinity_np(pthread_self(), setsize, orig);
	if (rc != 0) {
		SPDK_ERRLOG("spdk_call_unaffinitized: cannot restore the pthread's affinity: "
			    "%s; it stays unpinned\n", strerror(rc));
	}
	CPU_FREE(orig);
	return ret;
}

PW_EXPORT int
spdk_get_tid(void)
{
	return (int)syscall(SYS_gettid);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private interface of the env layer. Other files of lib/env and the tests
 * (which link the static archive) may include it; nothing here leaves the
 * shared library.
 */

#ifndef PW_ENV_INTERNAL_H
#define PW_ENV_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/env.h"

/* ---------------------------------------------------------------------------
 * Core set (env.c)
 * ------------------------------------------------------------------------- */

/* Tests only: let spdk_env_init() accept cores this machine does not have
 * (simulated reactors that are never launched). */
void pw__env_skip_affinity_check(bool skip);

/* True when the environment is initialised and \p core belongs to its set. */
bool pw__env_core_in_set(uint32_t core);

/* ---------------------------------------------------------------------------
 * NUMA topology (numa.c)
 * ------------------------------------------------------------------------- */

/* Tests only: read the NUMA table again from \p node_dir, a directory laid
 * out like /sys/devices/system/node (NULL: the real one). No other pthread
 * may query the topology meanwhile. */
void pw__numa_reload(const char *node_dir);

/* ---------------------------------------------------------------------------
 * Unpinned pthreads (affinity.c)
 * ------------------------------------------------------------------------- */

/* Tests only: copy into \p set (of \p setsize bytes) the mask that
 * spdk_unaffinitize_thread() gives. Returns 0, or -ENOSPC when the mask does
 * not fit in \p setsize. */
int pw__unaffinitized_mask(cpu_set_t *set, size_t setsize);

/* ---------------------------------------------------------------------------
 * Pinned pthreads (thread_launch.c)
 * ------------------------------------------------------------------------- */

/* Set the calling pthread's current core (what spdk_env_get_current_core()
 * returns on it). env.c calls it on the pthread that initialises and
 * finishes the environment. */
void pw__env_set_current_core(uint32_t core);

/* Join the pinned pthreads that have already returned and free their cores.
 * Returns how many pinned pthreads are still running. */
uint32_t pw__env_reap_pinned(void);

/* ---------------------------------------------------------------------------
 * Ticks (ticks.c)
 * ------------------------------------------------------------------------- */

/* What spdk_pause() does, inline for the spin loops of lib/env (ring.c,
 * mempool.c): tell the CPU this is a spin-wait loop. Also a compiler
 * barrier. */
static inline void
pw__pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Test clock. While enabled, spdk_get_ticks() returns a value that only these
 * functions change, spdk_get_ticks_hz() returns \p hz, and spdk_delay_us(us)
 * advances the value by us * hz / 1e6 instead of waiting. Meant for tests
 * that drive time by hand; any pthread may read the clock meanwhile.
 */

/* Switch to the test clock at \p start ticks, \p hz ticks per second (> 0;
 * 0 is refused with a log line and changes nothing). */
void pw__ticks_mock_enable(uint64_t hz, uint64_t start);
/* Set the test clock to \p now (logged and ignored when not enabled). */
void pw__ticks_mock_set(uint64_t now);
/* Move the test clock forward by \p delta (logged and ignored when not enabled). */
void pw__ticks_mock_advance(uint64_t delta);
/* Go back to the real clock. Harmless when the test clock is not enabled. */
void pw__ticks_mock_disable(void);

/* How the real clock was set up: where spdk_get_ticks() reads from
 * ("tsc" or "clock_monotonic"), how its rate was found ("cpuid-0x15",
 * "hypervisor", "measured" or "nominal"), the rate, and the wall time the
 * set-up took in nanoseconds. Sets the clock up first if needed. Any
 * pointer may be NULL. */
void pw__ticks_get_source(const char **source, const char **method, uint64_t *hz,
			  uint64_t *setup_ns);

#endif /* PW_ENV_INTERNAL_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Helpers shared by the stress tests that drive spdk_threads from pthreads of
 * their own (test/thread/stress_*.c): the time budget of a test, a spin
 * backoff, and finishing a thread.
 */

#ifndef PW_UT_STRESS_THREAD_H
#define PW_UT_STRESS_THREAD_H

#include "harness.h"
#include "ut_stress.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"

#include <sched.h>

/* How long a thread may take to get anywhere before the test fails. */
#define STALL_NS	(20ULL * 1000000000ULL)

/* The time budget of one test: PW_STRESS_SECONDS (default 2), in ns. */
static inline uint64_t
budget_ns(void)
{
	return env_u64("PW_STRESS_SECONDS", 2) * 1000000000ULL;
}

/* One step of a wait: spdk_pause(), and every 32nd step sched_yield() (the
 * machine is shared). */
static inline void
backoff(unsigned int *spins)
{
	if (++*spins < 32) {
		spdk_pause();
	} else {
		*spins = 0;
		sched_yield();
	}
}

/* Exit a thread from the pthread that polls it, poll it until EXITED, destroy it. */
static inline void
thread_finish(struct spdk_thread *thread)
{
	uint64_t give_up = now_ns() + STALL_NS;

	spdk_set_thread(thread);
	ASSERT_EQ(spdk_thread_exit(thread), 0);
	while (!spdk_thread_is_exited(thread)) {
		spdk_thread_poll(thread, 0, 0);
		if (now_ns() > give_up) {
			FAIL("thread %s does not reach EXITED", spdk_thread_get_name(thread));
		}
	}
	spdk_thread_destroy(thread);
	spdk_set_thread(NULL);
}

#endif /* PW_UT_STRESS_THREAD_H */

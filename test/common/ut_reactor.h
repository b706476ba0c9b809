/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Helpers shared by the tests that run real reactors on cores 0 and 1:
 * skipping without two cpus, short sleeps, running a function on a thread and
 * waiting for it, creating a thread on a core, and whether a core's reactor
 * sleeps.
 */

#ifndef PW_UT_REACTOR_H
#define PW_UT_REACTOR_H

#include "harness.h"

#include "spdk/cpuset.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "event/event_internal.h"
#include "thread/thread_internal.h"

#include <sched.h>
#include <stdatomic.h>
#include <time.h>

/* Skip the test unless the process may run on cpus 0 and 1. */
static inline void
need_two_cores(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || !CPU_ISSET(0, &set) ||
	    !CPU_ISSET(1, &set)) {
		TEST_SKIP("needs cpus 0 and 1");
	}
}

static inline void
pause_us(unsigned us)
{
	struct timespec ts = { .tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000 };

	nanosleep(&ts, NULL);
}

/* Whether the reactor of core has its sleeping flag up. */
static inline bool
is_sleeping(uint32_t core)
{
	struct spdk_reactor *r = spdk_reactor_get(core);

	ASSERT_NOT_NULL(r);
	ASSERT_NOT_NULL(r->waker);
	/* Pairs with the seq_cst stores of pw_waker_prepare_sleep()/_end_sleep(). */
	return atomic_load(&r->waker->sleeping) != 0;
}

struct ut_call {
	spdk_msg_fn		fn;
	void			*arg;
	_Atomic bool		done;
};

static inline void
ut_call_msg(void *ctx)
{
	struct ut_call *c = ctx;

	c->fn(c->arg);
	/* Pairs with the acquire load in call_on(). */
	atomic_store_explicit(&c->done, true, memory_order_release);
}

/* Run fn(arg) on thread t as a message and wait until it has run. */
static inline void
call_on(struct spdk_thread *t, spdk_msg_fn fn, void *arg)
{
	struct ut_call c = { .fn = fn, .arg = arg, .done = false };

	ASSERT_NOT_NULL(t);
	ASSERT_EQ(spdk_thread_send_msg(t, ut_call_msg, &c), 0);
	while (!atomic_load_explicit(&c.done, memory_order_acquire)) {
		pause_us(50);
	}
}

struct ut_new_thread {
	const char		*name;
	uint32_t		core;
	struct spdk_thread	*thread;
};

static inline void
ut_create_msg(void *ctx)
{
	struct ut_new_thread *nt = ctx;
	struct spdk_cpuset mask;

	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, nt->core, true);
	nt->thread = spdk_thread_create(nt->name, &mask);
	ASSERT_NOT_NULL(nt->thread);
}

/* A thread whose cpumask is just `core`, created by the app thread. */
static inline struct spdk_thread *
new_thread_on(const char *name, uint32_t core)
{
	struct ut_new_thread nt = { .name = name, .core = core };

	call_on(spdk_thread_get_app_thread(), ut_create_msg, &nt);
	return nt.thread;
}

#endif /* PW_UT_REACTOR_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of pinned pthreads: the launched function runs on its core
 * (affinity, current core, thread name), one live pthread per core, errors
 * for every bad call, spdk_env_thread_wait_all() frees the cores, and
 * spdk_env_fini() refuses to run under live pinned pthreads.
 *
 * Launching needs a core besides the main one: on a machine with one usable
 * cpu these tests skip.
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "pinwheel/env.h"

#include "env/env_internal.h"
#include "harness.h"
#include "log_capture.h"

/* Two cpus this process may run on: the main core and the other one. */
static uint32_t g_main;
static uint32_t g_other;

struct seen {
	uint32_t	core;		/* spdk_env_get_current_core() */
	uint32_t	main_core;	/* spdk_env_get_main_core() */
	int		cpu;		/* sched_getcpu() */
	int		ncpus_allowed;	/* cpus in the pthread's affinity */
	bool		allowed_other;	/* the affinity holds g_other */
	char		name[16];	/* pthread_getname_np() */
	int		runs;
};

/* Lets a test keep a pinned pthread alive until it says so. */
static int g_release;
static int g_started;

static void
pick_two_cpus(void)
{
	cpu_set_t set;
	uint32_t found = 0;

	ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
	for (uint32_t cpu = 0; cpu < SPDK_CPUSET_SIZE && found < 2; cpu++) {
		if (CPU_ISSET(cpu, &set)) {
			if (found++ == 0) {
				g_main = cpu;
			} else {
				g_other = cpu;
			}
		}
	}
	if (found < 2) {
		TEST_SKIP("needs two usable cpus");
	}
}

/* Initialise with the two cpus; \p main is the main core. */
static void
init_two(uint32_t main)
{
	struct spdk_env_opts opts;
	char mask[64];

	spdk_env_opts_init(&opts);
	snprintf(mask, sizeof(mask), "[%u,%u]", g_main, g_other);
	opts.core_mask = mask;
	opts.main_core = (int)main;
	ASSERT_EQ(spdk_env_init(&opts), 0);
}

static int
record_where(void *arg)
{
	struct seen *s = arg;
	cpu_set_t set;

	s->core = spdk_env_get_current_core();
	s->main_core = spdk_env_get_main_core();
	s->cpu = sched_getcpu();
	ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof(set), &set), 0);
	s->ncpus_allowed = CPU_COUNT(&set);
	s->allowed_other = CPU_ISSET(s->core, &set);
	ASSERT_EQ(pthread_getname_np(pthread_self(), s->name, sizeof(s->name)), 0);
	/* Pairs with the acquire load in fini_joins_returned_pinned_pthreads. */
	__atomic_add_fetch(&s->runs, 1, __ATOMIC_RELEASE);
	return 0;
}

static int
wait_for_release(void *arg)
{
	__atomic_store_n(&g_started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&g_release, __ATOMIC_ACQUIRE)) {
		usleep(100);
	}
	return 0;
}

static void
wait_started(void)
{
	while (!__atomic_load_n(&g_started, __ATOMIC_ACQUIRE)) {
		usleep(100);
	}
}

static void
expect_ran_on(const struct seen *s, uint32_t core)
{
	char name[16];

	snprintf(name, sizeof(name), "reactor_%u", core);
	ASSERT_EQ(s->runs, 1);
	ASSERT_EQ(s->core, core);
	ASSERT_EQ(s->cpu, (int)core);
	ASSERT_EQ(s->ncpus_allowed, 1);
	ASSERT_TRUE(s->allowed_other);
	ASSERT_STR_EQ(s->name, name);
}

TEST(launched_fn_runs_on_its_core)
{
	struct seen s = { 0 };

	pick_two_cpus();
	init_two(g_main);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &s), 0);
	spdk_env_thread_wait_all();
	expect_ran_on(&s, g_other);
	ASSERT_EQ(s.main_core, g_main);
	/* The launching pthread keeps its own identity. */
	ASSERT_EQ(spdk_env_get_current_core(), g_main);
	spdk_env_fini();
}

TEST(main_core_need_not_be_the_lowest)
{
	struct seen s = { 0 };

	pick_two_cpus();
	init_two(g_other);
	ASSERT_EQ(spdk_env_get_current_core(), g_other);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_main, record_where, &s), 0);
	spdk_env_thread_wait_all();
	expect_ran_on(&s, g_main);
	spdk_env_fini();
}

TEST(second_launch_on_a_busy_core_refused)
{
	struct seen s = { 0 };

	pick_two_cpus();
	init_two(g_main);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, wait_for_release, NULL), 0);
	wait_started();
	log_capture_start();
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &s), -EEXIST);
	ASSERT_TRUE(log_capture_contains("already has a pinned pthread"));
	log_capture_stop();
	__atomic_store_n(&g_release, 1, __ATOMIC_RELEASE);
	spdk_env_thread_wait_all();
	ASSERT_EQ(s.runs, 0);
	spdk_env_fini();
}

TEST(launch_on_main_core_refused)
{
	struct seen s = { 0 };

	pick_two_cpus();
	init_two(g_main);
	log_capture_start();
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_main, record_where, &s), -EEXIST);
	ASSERT_TRUE(log_capture_contains("is the main core"));
	log_capture_stop();
	spdk_env_thread_wait_all();
	ASSERT_EQ(s.runs, 0);
	spdk_env_fini();
}

TEST(launch_bad_arguments_refused)
{
	struct seen s = { 0 };
	uint32_t outside;

	pick_two_cpus();
	outside = g_other + 1;
	init_two(g_main);
	log_capture_start();
	ASSERT_EQ(spdk_env_thread_launch_pinned(outside, record_where, &s), -EINVAL);
	ASSERT_TRUE(log_capture_contains("is not in the environment's core set"));
	ASSERT_EQ(spdk_env_thread_launch_pinned(SPDK_CPUSET_SIZE - 1, record_where, &s), -EINVAL);
	ASSERT_EQ(spdk_env_thread_launch_pinned(SPDK_CPUSET_SIZE, record_where, &s), -EINVAL);
	ASSERT_EQ(spdk_env_thread_launch_pinned(UINT32_MAX, record_where, &s), -EINVAL);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, NULL, &s), -EINVAL);
	ASSERT_TRUE(log_capture_contains("fn is NULL"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 5);
	log_capture_stop();
	spdk_env_thread_wait_all();
	ASSERT_EQ(s.runs, 0);
	spdk_env_fini();
}

/* Needs no second cpu: nothing can be launched before init. */
TEST(launch_before_init_refused)
{
	struct seen s = { 0 };

	log_capture_start();
	ASSERT_EQ(spdk_env_thread_launch_pinned(0, record_where, &s), -EINVAL);
	ASSERT_TRUE(log_capture_contains("not initialised"));
	log_capture_stop();
	spdk_env_thread_wait_all();	/* nothing to wait for: returns at once */
	ASSERT_EQ(s.runs, 0);
}

TEST(relaunch_after_wait_all)
{
	struct seen first = { 0 }, second = { 0 };

	pick_two_cpus();
	init_two(g_main);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &first), 0);
	spdk_env_thread_wait_all();
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &second), 0);
	spdk_env_thread_wait_all();
	expect_ran_on(&first, g_other);
	expect_ran_on(&second, g_other);
	spdk_env_thread_wait_all();	/* nothing left: returns at once */
	spdk_env_fini();
}

/* A pinned pthread that has returned no longer holds its core, even before
 * anyone waited for it. */
TEST(relaunch_after_return_without_wait_all)
{
	struct seen first = { 0 }, second = { 0 };

	pick_two_cpus();
	init_two(g_main);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &first), 0);
	while (pw__env_reap_pinned() != 0) {
		usleep(100);
	}
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &second), 0);
	spdk_env_thread_wait_all();
	expect_ran_on(&first, g_other);
	expect_ran_on(&second, g_other);
	spdk_env_fini();
}

TEST(fini_refused_while_a_pinned_pthread_runs)
{
	pick_two_cpus();
	init_two(g_main);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, wait_for_release, NULL), 0);
	wait_started();
	log_capture_start();
	spdk_env_fini();
	ASSERT_TRUE(log_capture_contains("still running"));
	log_capture_stop();
	ASSERT_EQ(spdk_env_get_core_count(), 2);
	ASSERT_EQ(spdk_env_get_current_core(), g_main);

	__atomic_store_n(&g_release, 1, __ATOMIC_RELEASE);
	spdk_env_thread_wait_all();
	ASSERT_TRUE(pw_env_is_initialized());
	spdk_env_fini();
	ASSERT_FALSE(pw_env_is_initialized());
	ASSERT_EQ(spdk_env_get_current_core(), SPDK_ENV_LCORE_ID_ANY);
}

/* A pthread that returned but was never waited for does not block fini. */
TEST(fini_joins_returned_pinned_pthreads)
{
	struct seen s = { 0 };

	pick_two_cpus();
	init_two(g_main);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &s), 0);
	while (!__atomic_load_n(&s.runs, __ATOMIC_ACQUIRE)) {
		usleep(100);
	}
	/* It may still be between fn's return and its exit: fini must either
	 * join it or refuse; retry until the pthread is done. */
	log_capture_start();
	for (;;) {
		spdk_env_fini();
		if (!pw_env_is_initialized()) {
			break;
		}
		usleep(100);
	}
	log_capture_stop();
	expect_ran_on(&s, g_other);
}

/* The whole cycle again with the roles of the two cores swapped. */
TEST(reinit_with_other_main_core_and_launch)
{
	struct seen a = { 0 }, b = { 0 };

	pick_two_cpus();
	init_two(g_main);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, record_where, &a), 0);
	spdk_env_thread_wait_all();
	spdk_env_fini();

	init_two(g_other);
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_main, record_where, &b), 0);
	spdk_env_thread_wait_all();
	spdk_env_fini();

	expect_ran_on(&a, g_other);
	expect_ran_on(&b, g_main);
	ASSERT_EQ(a.main_core, g_main);
	ASSERT_EQ(b.main_core, g_other);

	/* After fini the old core set is still readable (as with DPDK), but
	 * launching on it is refused: the environment is not initialised. */
	ASSERT_EQ(spdk_env_get_core_count(), 2);
	log_capture_start();
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_main, record_where, &b), -EINVAL);
	ASSERT_TRUE(log_capture_contains("not initialised"));
	log_capture_stop();
}

static int
call_wait_all(void *arg)
{
	/* From the pinned pthread itself: it must not wait for itself. */
	spdk_env_thread_wait_all();
	/* Pairs with the acquire load in the test, which waits for this before
	 * its own wait_all (that would mark this slot as being joined). */
	__atomic_store_n((int *)arg, 1, __ATOMIC_RELEASE);
	return 0;
}

TEST(wait_all_from_a_pinned_pthread_skips_itself)
{
	int done = 0;

	pick_two_cpus();
	init_two(g_main);
	log_capture_start();
	ASSERT_EQ(spdk_env_thread_launch_pinned(g_other, call_wait_all, &done), 0);
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		usleep(100);
	}
	spdk_env_thread_wait_all();
	ASSERT_TRUE(log_capture_contains("cannot wait for itself"));
	log_capture_stop();
	spdk_env_fini();
}

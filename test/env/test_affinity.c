/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk_unaffinitize_thread(), spdk_call_unaffinitized() and
 * spdk_get_tid(): a pinned pthread gets back the mask the process started
 * with (not wider: run under `taskset -c 0` the mask stays {0}), the env's
 * pinning of the main pthread is undone without changing its current core,
 * spdk_call_unaffinitized() restores the pinning after the call and pthreads
 * created inside inherit the wide mask; misuse is logged.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"

#include <sys/syscall.h>

#include "env/env_internal.h"
#include "harness.h"
#include "log_capture.h"

static cpu_set_t g_start;	/* the process's mask when the test begins */

static void
read_start_mask(void)
{
	ASSERT_EQ(sched_getaffinity(0, sizeof(g_start), &g_start), 0);
}

static cpu_set_t
current_mask(void)
{
	cpu_set_t set;

	ASSERT_EQ(pthread_getaffinity_np(pthread_self(), sizeof(set), &set), 0);
	return set;
}

/* Pin the calling pthread to the first cpu of the start mask; skip the test
 * when the process may use only one cpu (pinning would change nothing). */
static int
pin_to_first_cpu(void)
{
	cpu_set_t one;

	read_start_mask();
	if (CPU_COUNT(&g_start) < 2) {
		TEST_SKIP("needs two usable cpus");
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &g_start)) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof(one), &one), 0);
			return cpu;
		}
	}
	FAIL("empty affinity mask");
	return -1;
}

TEST(unaffinitize_mask_is_the_start_mask)
{
	cpu_set_t mask;

	read_start_mask();
	ASSERT_EQ(pw__unaffinitized_mask(&mask, sizeof(mask)), 0);
	ASSERT_TRUE(CPU_EQUAL(&mask, &g_start));
}

TEST(unaffinitize_undoes_a_pinning)
{
	cpu_set_t now;
	int cpu = pin_to_first_cpu();

	now = current_mask();
	ASSERT_EQ(CPU_COUNT(&now), 1);
	ASSERT_TRUE(CPU_ISSET(cpu, &now));
	spdk_unaffinitize_thread();
	now = current_mask();
	ASSERT_TRUE(CPU_EQUAL(&now, &g_start));
	/* Again: harmless. */
	spdk_unaffinitize_thread();
	now = current_mask();
	ASSERT_TRUE(CPU_EQUAL(&now, &g_start));
}

TEST(unaffinitize_the_env_main_pthread_keeps_its_core)
{
	struct spdk_env_opts opts;
	char mask[32];
	cpu_set_t now;
	int cpu;

	read_start_mask();
	if (CPU_COUNT(&g_start) < 2) {
		TEST_SKIP("needs two usable cpus");
	}
	for (cpu = 0; !CPU_ISSET(cpu, &g_start); cpu++) {
	}
	snprintf(mask, sizeof(mask), "[%d]", cpu);
	spdk_env_opts_init(&opts);
	opts.name = "test_affinity";
	opts.core_mask = mask;
	ASSERT_EQ(spdk_env_init(&opts), 0);
	now = current_mask();
	ASSERT_EQ(CPU_COUNT(&now), 1);		/* spdk_env_init() pinned us */

	spdk_unaffinitize_thread();
	now = current_mask();
	ASSERT_TRUE(CPU_EQUAL(&now, &g_start));
	ASSERT_EQ(spdk_env_get_current_core(), (uint32_t)cpu);
	spdk_env_fini();
}

static cpu_set_t g_seen_in_cb;
static cpu_set_t g_seen_in_child;

static void *
child_main(void *arg)
{
	(void)arg;
	g_seen_in_child = current_mask();
	return NULL;
}

static void *
record_mask_cb(void *arg)
{
	pthread_t child;

	g_seen_in_cb = current_mask();
	ASSERT_EQ(pthread_create(&child, NULL, child_main, NULL), 0);
	ASSERT_EQ(pthread_join(child, NULL), 0);
	return arg;
}

TEST(call_unaffinitized_restores_the_pinning)
{
	int token;
	cpu_set_t now;
	int cpu = pin_to_first_cpu();

	ASSERT_PTR_EQ(spdk_call_unaffinitized(record_mask_cb, &token), &token);
	ASSERT_TRUE(CPU_EQUAL(&g_seen_in_cb, &g_start));
	ASSERT_TRUE(CPU_EQUAL(&g_seen_in_child, &g_start));	/* inherited the wide mask */
	now = current_mask();
	ASSERT_EQ(CPU_COUNT(&now), 1);
	ASSERT_TRUE(CPU_ISSET(cpu, &now));
}

TEST(call_unaffinitized_when_already_unpinned)
{
	cpu_set_t now;

	read_start_mask();
	ASSERT_PTR_EQ(spdk_call_unaffinitized(record_mask_cb, NULL), NULL);
	ASSERT_TRUE(CPU_EQUAL(&g_seen_in_cb, &g_start));
	now = current_mask();
	ASSERT_TRUE(CPU_EQUAL(&now, &g_start));
}

TEST(call_unaffinitized_null_cb_is_logged)
{
	log_capture_start();
	ASSERT_NULL(spdk_call_unaffinitized(NULL, NULL));
	ASSERT_TRUE(log_capture_contains("cb is NULL"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1u);
	log_capture_stop();
}

static int g_child_tid;

static void *
tid_main(void *arg)
{
	(void)arg;
	g_child_tid = spdk_get_tid();
	ASSERT_EQ(g_child_tid, (int)syscall(SYS_gettid));
	return NULL;
}

TEST(get_tid_is_the_kernel_thread_id)
{
	pthread_t t;

	ASSERT_EQ(spdk_get_tid(), (int)syscall(SYS_gettid));
	ASSERT_EQ(spdk_get_tid(), (int)getpid());	/* the test body runs on the main pthread */
	ASSERT_EQ(pthread_create(&t, NULL, tid_main, NULL), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_NE(g_child_tid, spdk_get_tid());
	ASSERT_GT(g_child_tid, 0);
}

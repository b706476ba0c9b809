/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/* The thread simulator (see ut_thread.h). */

#include "ut_thread.h"
#include "harness.h"

#include "env/env_internal.h"

#define UT_MAX_THREADS 64
#define UT_HZ 1000000ull
#define UT_POLL_LIMIT 1000000u	/* polls before a "quiescent" loop is declared stuck */

static struct spdk_thread *g_ut_threads[UT_MAX_THREADS];
static uint32_t g_ut_count;
static uint64_t g_ut_now;

static void
create_threads(uint32_t n)
{
	char name[32];

	ASSERT_LE(n, UT_MAX_THREADS);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "ut_thread%u", i);
		g_ut_threads[i] = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(g_ut_threads[i]);
	}
	g_ut_count = n;
	spdk_set_thread(NULL);
}

void
ut_threads_init(uint32_t n)
{
	g_ut_now = 0;
	pw__ticks_mock_enable(UT_HZ, 0);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	create_threads(n);
}

void
ut_threads_init_ext(uint32_t n, size_t msg_mempool_size)
{
	g_ut_now = 0;
	pw__ticks_mock_enable(UT_HZ, 0);
	ASSERT_EQ(spdk_thread_lib_init_ext(NULL, NULL, 0, msg_mempool_size), 0);
	create_threads(n);
}

void
ut_threads_fini(void)
{
	uint32_t polls = 0;
	bool all_exited;

	for (uint32_t i = 0; i < g_ut_count; i++) {
		if (g_ut_threads[i] != NULL && spdk_thread_is_running(g_ut_threads[i])) {
			spdk_set_thread(g_ut_threads[i]);
			spdk_thread_exit(g_ut_threads[i]);
		}
	}
	do {
		all_exited = true;
		for (uint32_t i = 0; i < g_ut_count; i++) {
			if (g_ut_threads[i] == NULL) {
				continue;
			}
			spdk_thread_poll(g_ut_threads[i], 0, 0);
			if (!spdk_thread_is_exited(g_ut_threads[i])) {
				all_exited = false;
			}
		}
		ASSERT_LT(++polls, UT_POLL_LIMIT);
	} while (!all_exited);

	for (uint32_t i = 0; i < g_ut_count; i++) {
		if (g_ut_threads[i] != NULL) {
			spdk_thread_destroy(g_ut_threads[i]);
			g_ut_threads[i] = NULL;
		}
	}
	g_ut_count = 0;
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	pw__ticks_mock_disable();
}

uint32_t
ut_thread_count(void)
{
	return g_ut_count;
}

struct spdk_thread *
ut_thread(uint32_t i)
{
	ASSERT_LT(i, g_ut_count);
	return g_ut_threads[i];
}

void
ut_thread_forget(uint32_t i)
{
	ASSERT_LT(i, g_ut_count);
	g_ut_threads[i] = NULL;
}

void
ut_set_thread(uint32_t i)
{
	spdk_set_thread(i == UT_NONE ? NULL : ut_thread(i));
}

bool
ut_poll_thread(uint32_t i)
{
	struct spdk_thread *orig = spdk_get_thread();
	struct spdk_thread *thread = ut_thread(i);
	uint32_t polls = 0;
	bool busy = false;

	spdk_set_thread(NULL);
	while (spdk_thread_poll(thread, 0, 0) > 0) {
		busy = true;
		ASSERT_LT(++polls, UT_POLL_LIMIT);
	}
	spdk_set_thread(orig);
	return busy;
}

bool
ut_poll_thread_times(uint32_t i, uint32_t n)
{
	struct spdk_thread *orig = spdk_get_thread();
	struct spdk_thread *thread = ut_thread(i);
	bool busy = false;

	spdk_set_thread(NULL);
	for (uint32_t k = 0; k < n; k++) {
		if (spdk_thread_poll(thread, 1, 0) > 0) {
			busy = true;
		}
	}
	spdk_set_thread(orig);
	return busy;
}

void
ut_poll_threads(void)
{
	uint32_t rounds = 0;
	bool busy;

	do {
		busy = false;
		for (uint32_t i = 0; i < g_ut_count; i++) {
			if (g_ut_threads[i] != NULL && ut_poll_thread(i)) {
				busy = true;
			}
		}
		ASSERT_LT(++rounds, UT_POLL_LIMIT);
	} while (busy);
}

void
ut_clock_set(uint64_t ticks)
{
	g_ut_now = ticks;
	pw__ticks_mock_set(ticks);
}

void
ut_delay_us(uint64_t us)
{
	ut_clock_set(g_ut_now + us);
}

uint64_t
ut_now(void)
{
	return g_ut_now;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/* First checks of the thread library core: messages, pollers, exit. */

#include "harness.h"
#include "ut_thread.h"

#include "thread/thread_internal.h"

static int g_count;

static void
count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

TEST(send_msg_runs_on_target_poll_only)
{
	int ran = 0;

	ut_threads_init(2);
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), count_msg, &ran), 0);
	ASSERT_EQ(ran, 0);
	ut_poll_thread(0);
	ASSERT_EQ(ran, 0);
	ut_poll_thread(1);
	ASSERT_EQ(ran, 1);
	ut_threads_fini();
}

TEST(many_messages_cross_segments_in_order)
{
	int next = 0;

	ut_threads_init(1);
	for (int i = 0; i < 2000; i++) {
		ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), count_msg, &next), 0);
	}
	ASSERT_EQ(pw__msgq_count(ut_thread(0)), 2000);
	ut_poll_thread(0);
	ASSERT_EQ(next, 2000);
	ASSERT_EQ(pw__msgq_count(ut_thread(0)), 0);
	ut_threads_fini();
}

static int
count_poller(void *ctx)
{
	g_count++;
	return SPDK_POLLER_BUSY;
}

TEST(timed_poller_waits_for_its_period)
{
	struct spdk_poller *p;

	ut_threads_init(1);
	ut_set_thread(0);
	g_count = 0;
	p = spdk_poller_register(count_poller, NULL, 1000);
	ASSERT_NOT_NULL(p);
	ut_poll_thread(0);
	ASSERT_EQ(g_count, 0);
	ut_delay_us(999);
	ut_poll_thread(0);
	ASSERT_EQ(g_count, 0);
	ut_delay_us(1);
	ut_poll_thread(0);
	ASSERT_EQ(g_count, 1);
	ut_poll_thread(0);
	ASSERT_EQ(g_count, 1);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(g_count, 2);
	spdk_poller_unregister(&p);
	ASSERT_NULL(p);
	ut_threads_fini();
}

TEST(active_poller_runs_each_poll)
{
	struct spdk_poller *p;
	struct spdk_poller_stats st;

	ut_threads_init(1);
	ut_set_thread(0);
	g_count = 0;
	p = spdk_poller_register(count_poller, NULL, 0);
	spdk_thread_poll(ut_thread(0), 0, 0);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(g_count, 2);
	spdk_poller_get_stats(p, &st);
	ASSERT_EQ(st.run_count, 2);
	ASSERT_EQ(st.busy_count, 2);
	spdk_poller_pause(p);
	ASSERT_STR_EQ(spdk_poller_get_state_str(p), "pausing");
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_STR_EQ(spdk_poller_get_state_str(p), "paused");
	ASSERT_EQ(g_count, 2);
	spdk_poller_resume(p);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(g_count, 3);
	spdk_poller_get_stats(p, &st);
	ASSERT_EQ(st.run_count, 3);
	spdk_poller_unregister(&p);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ut_threads_fini();
}

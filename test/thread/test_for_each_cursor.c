/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_for_each_thread()'s cursor (the walk's place in the thread list) when
 * threads are destroyed mid-walk: the thread before the cursor and the ones
 * after it, adjacent to each other, and the cursor's own thread destroyed
 * with the walk's step still queued (forced out of its exit, the step runs
 * while it is destroyed). The walk visits each live thread once, in order,
 * and completes on its origin.
 *
 * It cannot catch a dangling cursor: the step queued at the cursor's thread
 * runs before that thread is freed (and the unlinked thread's link still
 * leads on), so it passes with pw__for_each_thread_unlinking() made a no-op,
 * also under ASan. A cursor left on a freed thread needs the walk to step
 * from elsewhere (the -EIO skip or the -ENOMEM retry paths): not covered.
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"

#define UT_HZ 1000000ull

static struct spdk_thread *g_where[16];
static int g_n, g_cpl;

static void
visit(void *ctx)
{
	ASSERT_LT(g_n, 16);
	g_where[g_n++] = spdk_get_thread();
}

static void
visit_done(void *ctx)
{
	g_cpl++;
}

static void
late_msg(void *ctx)
{
}

static int
idle_poller(void *arg)
{
	return SPDK_POLLER_IDLE;
}

static void
exit_and_destroy(uint32_t i)
{
	struct spdk_thread *t = ut_thread(i);

	ut_set_thread(i);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	ut_poll_thread(i);
	ASSERT_TRUE(spdk_thread_is_exited(t));
	spdk_set_thread(NULL);
	spdk_thread_destroy(t);
	ut_thread_forget(i);
}

TEST(walk_survives_destruction_around_and_at_its_cursor)
{
	struct spdk_thread *t1, *t3, *t6, *t7;
	struct spdk_poller *p;

	ut_threads_init(8);
	t1 = ut_thread(1);
	t3 = ut_thread(3);
	t6 = ut_thread(6);
	t7 = ut_thread(7);
	g_n = g_cpl = 0;
	/* Queued at thread 3 before the walk's step. */
	ASSERT_EQ(spdk_thread_send_msg(t3, late_msg, NULL), 0);
	ut_set_thread(0);
	spdk_for_each_thread(visit, NULL, visit_done);
	spdk_set_thread(NULL);
	ut_poll_thread_times(0, 1);	/* visits 0, step to 1 */
	/* Destroy 2, right after the cursor (1). */
	exit_and_destroy(2);
	ut_poll_thread_times(1, 1);	/* visits 1, step to 3 */
	ASSERT_EQ(g_n, 2);
	/* Destroy the thread before the cursor (1) and two adjacent ones after
	 * it (4, 5). */
	exit_and_destroy(1);
	exit_and_destroy(4);
	exit_and_destroy(5);
	/* Thread 3, the cursor, is forced out of its exit with the step still
	 * queued, then destroyed: the step runs there, the walk goes on from
	 * the thread before it (0). */
	ut_set_thread(3);
	p = spdk_poller_register(idle_poller, NULL, 0);
	ASSERT_EQ(spdk_thread_exit(t3), 0);
	ut_clock_set(ut_now() + 10 * UT_HZ);
	log_capture_start();
	spdk_thread_poll(t3, 1, 0);	/* runs late_msg only, forced EXITED */
	ASSERT_TRUE(spdk_thread_is_exited(t3));
	ASSERT_EQ(g_n, 2);
	spdk_poller_unregister(&p);
	spdk_set_thread(NULL);
	spdk_thread_destroy(t3);
	log_capture_stop();
	ut_thread_forget(3);
	ASSERT_EQ(g_n, 3);		/* the step ran as thread 3 */
	ASSERT_PTR_NE(g_where[2], NULL);
	ut_poll_threads();
	ASSERT_EQ(g_n, 5);
	ASSERT_PTR_EQ(g_where[0], ut_thread(0));
	ASSERT_PTR_EQ(g_where[1], t1);
	ASSERT_PTR_EQ(g_where[3], t6);
	ASSERT_PTR_EQ(g_where[4], t7);
	ASSERT_EQ(g_cpl, 1);
	ut_threads_fini();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The poller block (doc/design.md "Small threads", "The poller block"): what
 * only a thread with pollers, timers, interrupt sources or post-poller
 * handlers needs is allocated on first use; a thread that never had any
 * holds none (thread->pl NULL).
 *
 * - thread_without_pollers_has_no_block: messages, slices, stats, every
 *   poller accessor and iterator, exit and destruction of a thread that never
 *   had a poller, all without a block
 * - untimed_poller_from_a_message_runs_in_the_same_slice: the first poller,
 *   registered by a message, makes the block and runs in that very slice, as
 *   when the block existed already
 * - timed_poller_on_a_fresh_thread: the first timed poller makes the block,
 *   fires on time, the thread exits once it is unregistered
 * - block_stays_until_the_thread_is_freed: unregistering every poller keeps
 *   the block (ids go on); the thread exits and is freed with it
 * - post_poller_handler_on_a_fresh_thread: the first handler, registered by
 *   a message, makes the block and runs after that message
 * - interrupt_source_on_a_fresh_thread: the first interrupt source makes the
 *   block and its fd group; the handler runs
 * - interrupt_fd_on_a_fresh_thread: spdk_thread_get_interrupt_fd() on a
 *   fresh thread makes the block; a message makes the fd readable
 * - misuse_makes_no_block: refused registrations (NULL fn, a negative fd, an
 *   exited thread, no current thread) create no block
 */

#include "harness.h"
#include "ut_thread.h"
#include "thread/thread_internal.h"

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#include <poll.h>
#include <sys/eventfd.h>

static int
count_poller(void *arg)
{
	(*(int *)arg)++;
	return SPDK_POLLER_BUSY;
}

static void
count_msg(void *arg)
{
	(*(int *)arg)++;
}

TEST(thread_without_pollers_has_no_block)
{
	struct spdk_thread *t;
	struct spdk_thread_stats stats;
	int ran = 0;

	ut_threads_init(1);
	t = ut_thread(0);
	ASSERT_NULL(t->pl);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(spdk_thread_send_msg(t, count_msg, &ran), 0);
	}
	ASSERT_TRUE(ut_poll_thread(0));
	ASSERT_EQ(ran, 3);
	ASSERT_FALSE(ut_poll_thread(0));

	ASSERT_FALSE(spdk_thread_has_pollers(t));
	ASSERT_FALSE(spdk_thread_has_active_pollers(t));
	ASSERT_TRUE(spdk_thread_is_idle(t));
	ASSERT_NULL(spdk_thread_get_first_active_poller(t));
	ASSERT_NULL(spdk_thread_get_first_timed_poller(t));
	ASSERT_NULL(spdk_thread_get_first_paused_poller(t));
	ASSERT_EQ(spdk_thread_next_poller_expiration(t), 0);
	ASSERT_NULL(pw__timer_next(t, NULL));
	ASSERT_NULL(pw_thread_get_fd_group(t));
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_get_stats(&stats), 0);
	spdk_set_thread(NULL);
	ASSERT_NULL(t->pl);

	/* Exit and destruction without a block. */
	ut_set_thread(0);
	spdk_thread_exit(t);
	spdk_set_thread(NULL);
	ASSERT_NULL(t->pl);
	ut_threads_fini();
}

static struct spdk_poller *g_poller;
static int g_runs, g_pp_runs, g_msg_runs;

static void
register_untimed_msg(void *arg)
{
	g_poller = spdk_poller_register_named(count_poller, &g_runs, 0, "first");
}

TEST(untimed_poller_from_a_message_runs_in_the_same_slice)
{
	struct spdk_thread *t;
	struct spdk_poller_stats ps;

	g_runs = 0;
	ut_threads_init(1);
	t = ut_thread(0);
	ASSERT_NULL(t->pl);
	ASSERT_EQ(spdk_thread_send_msg(t, register_untimed_msg, NULL), 0);
	/* One slice: the message, then the poller it registered. */
	ASSERT_EQ(spdk_thread_poll(t, 0, 0), 1);
	ASSERT_NOT_NULL(g_poller);
	ASSERT_NOT_NULL(t->pl);
	ASSERT_EQ(g_runs, 1);
	ASSERT_EQ(spdk_thread_poll(t, 0, 0), 1);
	ASSERT_EQ(g_runs, 2);
	ASSERT_TRUE(spdk_thread_has_active_pollers(t));
	ASSERT_PTR_EQ(spdk_thread_get_first_active_poller(t), g_poller);
	spdk_poller_get_stats(g_poller, &ps);
	ASSERT_EQ(ps.run_count, 2);
	ASSERT_EQ(ps.busy_count, 2);

	ut_set_thread(0);
	spdk_poller_unregister(&g_poller);
	spdk_set_thread(NULL);
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_has_pollers(t));
	ASSERT_EQ(g_runs, 2);
	ut_threads_fini();
}

TEST(timed_poller_on_a_fresh_thread)
{
	struct spdk_thread *t;
	struct spdk_poller *p;
	int runs = 0;

	ut_threads_init(1);
	t = ut_thread(0);
	ut_clock_set(1000);
	ut_set_thread(0);
	ASSERT_NULL(t->pl);
	p = spdk_poller_register(count_poller, &runs, 100);
	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(t->pl);
	ASSERT_PTR_EQ(spdk_thread_get_first_timed_poller(t), p);
	ASSERT_EQ(spdk_thread_next_poller_expiration(t), 1100);
	spdk_set_thread(NULL);

	ut_poll_thread(0);
	ASSERT_EQ(runs, 0);
	ut_delay_us(100);
	ut_poll_thread(0);
	ASSERT_EQ(runs, 1);

	/* A live poller holds the exit back; once it is gone the thread exits. */
	ut_set_thread(0);
	spdk_thread_exit(t);
	spdk_set_thread(NULL);
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_is_exited(t));
	ut_set_thread(0);
	spdk_poller_unregister(&p);
	spdk_set_thread(NULL);
	ut_poll_thread(0);
	ASSERT_TRUE(spdk_thread_is_exited(t));
	ut_threads_fini();
}

TEST(block_stays_until_the_thread_is_freed)
{
	struct spdk_thread *t;
	struct spdk_poller *p;
	struct pw_pollers *pl;
	uint64_t id;
	int runs = 0;

	ut_threads_init(1);
	t = ut_thread(0);
	ut_set_thread(0);
	p = spdk_poller_register(count_poller, &runs, 0);
	ASSERT_NOT_NULL(p);
	pl = t->pl;
	ASSERT_NOT_NULL(pl);
	id = spdk_poller_get_id(p);
	ASSERT_EQ(id, 1);
	spdk_poller_unregister(&p);
	spdk_set_thread(NULL);
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_has_pollers(t));
	ASSERT_PTR_EQ(t->pl, pl);

	/* Again: same block, the ids go on, it runs. */
	ut_set_thread(0);
	p = spdk_poller_register(count_poller, &runs, 0);
	ASSERT_NOT_NULL(p);
	ASSERT_PTR_EQ(t->pl, pl);
	ASSERT_EQ(spdk_poller_get_id(p), id + 1);
	spdk_set_thread(NULL);
	ut_poll_thread_times(0, 1);
	ASSERT_EQ(runs, 1);
	/* Paused, then destroyed with it (warned): freed with the thread
	 * (LeakSanitizer, in the sanitizer build, sees a leak otherwise). */
	ut_set_thread(0);
	spdk_poller_pause(p);
	spdk_set_thread(NULL);
	ut_poll_thread(0);
	ASSERT_PTR_EQ(spdk_thread_get_first_paused_poller(t), p);
	ut_set_thread(0);
	spdk_poller_unregister(&p);
	spdk_thread_exit(t);
	spdk_set_thread(NULL);
	ut_threads_fini();
}

static void
pp_handler(void *arg)
{
	g_pp_runs++;
	/* After the message that registered it. */
	ASSERT_EQ(g_msg_runs, 1);
}

static void
register_pp_msg(void *arg)
{
	g_msg_runs++;
	spdk_thread_register_post_poller_handler(pp_handler, NULL);
	ASSERT_EQ(g_pp_runs, 0);
}

TEST(post_poller_handler_on_a_fresh_thread)
{
	struct spdk_thread *t;
	int ran = 0;

	g_pp_runs = 0;
	g_msg_runs = 0;
	ut_threads_init(1);
	t = ut_thread(0);
	ASSERT_NULL(t->pl);
	ASSERT_EQ(spdk_thread_send_msg(t, register_pp_msg, NULL), 0);
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, &ran), 0);
	ASSERT_EQ(spdk_thread_poll(t, 1, 0), 1);
	ASSERT_EQ(g_msg_runs, 1);
	ASSERT_EQ(g_pp_runs, 1);
	ASSERT_EQ(ran, 0);
	ASSERT_NOT_NULL(t->pl);
	ASSERT_EQ(t->num_pp_handlers, 0);
	ut_poll_thread(0);
	ASSERT_EQ(ran, 1);
	ASSERT_EQ(g_pp_runs, 1);
	ut_threads_fini();
}

static int g_intr_calls;

static int
intr_handler(void *arg)
{
	uint64_t v;

	g_intr_calls++;
	ASSERT_EQ(read(*(int *)arg, &v, sizeof(v)), (ssize_t)sizeof(v));
	return 1;
}

TEST(interrupt_source_on_a_fresh_thread)
{
	struct spdk_thread *t;
	struct spdk_interrupt *intr;
	uint64_t one = 1;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_GE(efd, 0);
	g_intr_calls = 0;
	ut_threads_init(1);
	t = ut_thread(0);
	ASSERT_NULL(t->pl);
	ut_set_thread(0);
	intr = spdk_interrupt_register(efd, intr_handler, &efd, "src");
	ASSERT_NOT_NULL(intr);
	ASSERT_NOT_NULL(t->pl);
	ASSERT_NOT_NULL(pw_thread_get_fd_group(t));
	ASSERT_PTR_EQ(spdk_thread_get_interrupt_fd_group(t), pw_thread_get_fd_group(t));
	spdk_set_thread(NULL);

	ASSERT_EQ(write(efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	ASSERT_EQ(spdk_fd_group_wait(pw_thread_get_fd_group(t), 0), 1);
	ASSERT_EQ(g_intr_calls, 1);

	ut_set_thread(0);
	spdk_interrupt_unregister(&intr);
	spdk_set_thread(NULL);
	ut_threads_fini();
	close(efd);
}

TEST(interrupt_fd_on_a_fresh_thread)
{
	struct spdk_thread *t;
	struct pollfd pfd;
	int fd, ran = 0;

	ut_threads_init(1);
	t = ut_thread(0);
	ASSERT_NULL(t->pl);
	fd = spdk_thread_get_interrupt_fd(t);
	ASSERT_GE(fd, 0);
	ASSERT_NOT_NULL(t->pl);
	ASSERT_NOT_NULL(t->pl->own_waker);
	ASSERT_EQ(spdk_thread_get_interrupt_fd(t), fd);

	pfd = (struct pollfd) { .fd = fd, .events = POLLIN };
	ASSERT_EQ(poll(&pfd, 1, 0), 0);
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, &ran), 0);
	ASSERT_EQ(poll(&pfd, 1, 0), 1);
	ASSERT_EQ(spdk_thread_poll(t, 0, 0), 1);
	ASSERT_EQ(ran, 1);
	ASSERT_EQ(poll(&pfd, 1, 0), 0);
	ut_threads_fini();
}

TEST(misuse_makes_no_block)
{
	struct spdk_thread *t;

	ut_threads_init(1);
	t = ut_thread(0);

	/* No current thread. */
	ASSERT_NULL(spdk_poller_register(count_poller, NULL, 0));
	spdk_thread_register_post_poller_handler(pp_handler, NULL);
	ASSERT_EQ(spdk_thread_get_interrupt_fd(NULL), -EINVAL);
	ASSERT_NULL(spdk_thread_get_interrupt_fd_group(NULL));

	ut_set_thread(0);
	ASSERT_NULL(spdk_poller_register(NULL, NULL, 0));
	ASSERT_NULL(spdk_poller_register(NULL, NULL, 100));
	spdk_thread_register_post_poller_handler(NULL, NULL);
	ASSERT_NULL(spdk_interrupt_register(-1, intr_handler, NULL, "bad"));
	ASSERT_NULL(spdk_interrupt_register(0, NULL, NULL, "bad"));
	ASSERT_EQ(t->num_pp_handlers, 0);
	ASSERT_NULL(t->pl);

	/* Exiting: no interrupt source; exited: no poller. */
	spdk_thread_exit(t);
	ASSERT_NULL(spdk_interrupt_register(0, intr_handler, NULL, "late"));
	ASSERT_NULL(t->pl);
	spdk_set_thread(NULL);
	ut_poll_thread(0);
	ASSERT_TRUE(spdk_thread_is_exited(t));
	ut_set_thread(0);
	ASSERT_NULL(spdk_poller_register(count_poller, NULL, 0));
	spdk_set_thread(NULL);
	ASSERT_NULL(t->pl);
	ut_threads_fini();
}

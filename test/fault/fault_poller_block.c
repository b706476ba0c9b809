/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * No memory for a thread's poller block when it is first needed
 * (doc/design.md "Small threads", "The poller block"; fault injection build
 * only): the call that needed it fails as SPDK's does for no memory, the
 * thread is left without a block, and the same call works once memory is
 * back.
 *
 * - poller_register_without_block_memory: spdk_poller_register() (untimed
 *   and timed) returns NULL
 * - interrupt_calls_without_block_memory: spdk_interrupt_register() returns
 *   NULL, spdk_thread_get_interrupt_fd() -ENOMEM,
 *   spdk_thread_get_interrupt_fd_group() NULL
 * - post_poller_handler_without_block_memory: the handler is not registered
 *   (SPDK's call returns nothing) and does not run
 */

#include "harness.h"
#include "ut_thread.h"
#include "thread/thread_internal.h"

#include "spdk/stdinc.h"
#include "spdk/log.h"
#include "spdk/thread.h"

#include "common/pw_fault.h"

#include <sys/eventfd.h>

static int
count_poller(void *arg)
{
	(*(int *)arg)++;
	return SPDK_POLLER_BUSY;
}

/* Fail the next injection point, which must be the block's allocation. */
static void
fail_next(void)
{
	pw__fault_arm(1, false);
}

static void
expect_one_injected(void)
{
	ASSERT_EQ(pw__fault_injected(), 1);
	pw__fault_arm(0, false);
}

TEST(poller_register_without_block_memory)
{
	struct spdk_thread *t;
	struct spdk_poller *p;
	int runs = 0;

	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	ut_threads_init(1);
	t = ut_thread(0);
	ut_set_thread(0);
	for (uint64_t period = 0; period <= 100; period += 100) {
		fail_next();
		ASSERT_NULL(spdk_poller_register(count_poller, &runs, period));
		expect_one_injected();
		ASSERT_NULL(t->pl);
		ASSERT_FALSE(spdk_thread_has_pollers(t));
	}
	/* Memory is back: it works. */
	p = spdk_poller_register(count_poller, &runs, 0);
	ASSERT_NOT_NULL(p);
	ASSERT_NOT_NULL(t->pl);
	spdk_set_thread(NULL);
	ut_poll_thread_times(0, 1);
	ASSERT_EQ(runs, 1);
	ut_set_thread(0);
	spdk_poller_unregister(&p);
	spdk_set_thread(NULL);
	ut_threads_fini();
}

static int
intr_handler(void *arg)
{
	return 0;
}

TEST(interrupt_calls_without_block_memory)
{
	struct spdk_thread *t;
	struct spdk_interrupt *intr;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_GE(efd, 0);
	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	ut_threads_init(1);
	t = ut_thread(0);
	ut_set_thread(0);

	fail_next();
	ASSERT_NULL(spdk_interrupt_register(efd, intr_handler, NULL, "src"));
	expect_one_injected();
	ASSERT_NULL(t->pl);

	fail_next();
	ASSERT_EQ(spdk_thread_get_interrupt_fd(t), -ENOMEM);
	expect_one_injected();
	ASSERT_NULL(t->pl);

	fail_next();
	ASSERT_NULL(spdk_thread_get_interrupt_fd_group(t));
	expect_one_injected();
	ASSERT_NULL(t->pl);

	/* Memory is back: they work. */
	intr = spdk_interrupt_register(efd, intr_handler, NULL, "src");
	ASSERT_NOT_NULL(intr);
	ASSERT_NOT_NULL(t->pl);
	ASSERT_GE(spdk_thread_get_interrupt_fd(t), 0);
	spdk_interrupt_unregister(&intr);
	spdk_set_thread(NULL);
	ut_threads_fini();
	close(efd);
}

static int g_pp_runs;

static void
pp_handler(void *arg)
{
	g_pp_runs++;
}

static void
register_pp_msg(void *arg)
{
	fail_next();
	spdk_thread_register_post_poller_handler(pp_handler, NULL);
	expect_one_injected();
}

TEST(post_poller_handler_without_block_memory)
{
	struct spdk_thread *t;

	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	g_pp_runs = 0;
	ut_threads_init(1);
	t = ut_thread(0);
	ASSERT_EQ(spdk_thread_send_msg(t, register_pp_msg, NULL), 0);
	ut_poll_thread(0);
	ASSERT_EQ(g_pp_runs, 0);
	ASSERT_EQ(t->num_pp_handlers, 0);
	ASSERT_NULL(t->pl);

	/* Memory is back: registered, it runs. */
	ut_set_thread(0);
	spdk_thread_register_post_poller_handler(pp_handler, NULL);
	ASSERT_EQ(t->num_pp_handlers, 1);
	spdk_set_thread(NULL);
	ASSERT_EQ(spdk_thread_send_msg(t, (spdk_msg_fn)pp_handler, &g_pp_runs), 0);
	ut_poll_thread(0);
	ASSERT_EQ(g_pp_runs, 2);
	ASSERT_NOT_NULL(t->pl);
	ut_threads_fini();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Parked threads (doc/design.md "Parked threads") on reactors driven by
 * hand: the test pthread plays each core in turn (pw__reactor_run_once()),
 * the clock is mocked (one tick per microsecond). Each test parks a thread
 * (one iteration with nothing to do), checks that further iterations leave it
 * alone, then wakes it one way and checks that exactly the expected work ran:
 *
 * - parks_when_idle: a thread with nothing to do leaves the active list, a
 *   thread with an untimed poller does not; iterations do not poll a parked one
 * - wakes_on_message_from_other_core / _from_foreign_pthread (a real pthread)
 * - wakes_on_timer: its timed poller runs when due, not before; the reactor's
 *   sleep deadline is that timer's
 * - wakes_on_interrupt: an eventfd source's handler runs and the thread gets
 *   a slice (here it registers a poller, which runs)
 * - wakes_on_poller_registered_from_message: it stays active after it
 * - wakes_on_poller_registered_from_outside: registered, paused, resumed
 *   with the thread current outside a slice (untimed, then timed)
 * - wakes_on_critical_message
 * - stats_exact_across_parking: busy unchanged, idle grown by exactly the
 *   ticks it was parked, read while parked (gather's view) and after
 * - exit_and_move_from_outside: spdk_thread_exit()/set_cpumask() called with
 *   the thread current but outside a slice (as a driver or a test does)
 * - sleeps_with_only_parked_threads: a reactor whose threads are all parked
 *   may sleep; its last look sees a woken one
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#include "event/event_internal.h"
#include "env/env_internal.h"
#include "thread/thread_internal.h"
#include "ut_hand_reactor.h"

#include <stdatomic.h>
#include <sys/eventfd.h>

#define UT_HZ	1000000ull	/* one tick per microsecond */

static void
reactors_up(const char *mask)
{
	hand_reactors_up("test_parked", mask, UT_HZ, 1000);
	/* These tests park at the first idle slice (test_park_delay.c: the delay). */
	pw__reactors_set_park_delay_us(0);
}

static bool
is_active(struct spdk_reactor *r, struct spdk_thread *t)
{
	struct spdk_lw_thread *lw;

	TAILQ_FOREACH(lw, &r->active, active_link) {
		if (lw == spdk_thread_get_ctx(t)) {
			return true;
		}
	}
	return false;
}

static bool
parked(struct spdk_thread *t)
{
	struct spdk_lw_thread *lw = spdk_thread_get_ctx(t);

	return lw->parked;
}

/* A thread on core (its mask), placed and parked by two iterations. */
static struct spdk_thread *
parked_thread_on(const char *name, uint32_t core)
{
	struct spdk_thread *t = hand_thread_on(name, core);

	run_once(core);		/* placed, one idle slice, parked */
	ASSERT_TRUE(parked(t));
	ASSERT_FALSE(is_active(reactor(core), t));
	return t;
}

static uint32_t g_msgs;
static struct spdk_thread *g_msg_thread;

static void
count_msg(void *ctx)
{
	g_msgs++;
	g_msg_thread = spdk_get_thread();
}

static uint32_t g_polls;

static int
count_poll(void *arg)
{
	g_polls++;
	return SPDK_POLLER_IDLE;
}

static struct spdk_poller *g_poller;

static void
register_untimed(void *ctx)
{
	g_poller = SPDK_POLLER_REGISTER(count_poll, NULL, 0);
}

static void
register_timed(void *ctx)
{
	g_poller = SPDK_POLLER_REGISTER(count_poll, NULL, (uint64_t)(uintptr_t)ctx);
}

static void
unregister_msg(void *ctx)
{
	spdk_poller_unregister(&g_poller);
}

TEST(parks_when_idle)
{
	struct spdk_thread *t, *p;
	uint64_t idle_before;

	reactors_up("0x1");
	t = parked_thread_on("idle", 0);
	p = parked_thread_on("poller", 0);
	g_polls = 0;
	ASSERT_EQ(spdk_thread_send_msg(p, register_untimed, NULL), 0);
	run_once(0);
	ASSERT_EQ(g_polls, 1);
	ASSERT_TRUE(is_active(reactor(0), p));
	/* A parked thread gets no slice: its clock does not move. */
	idle_before = spdk_thread_get_last_tsc(t);
	for (int i = 0; i < 5; i++) {
		pw__ticks_mock_advance(10);
		run_once(0);
	}
	ASSERT_EQ(g_polls, 6);
	ASSERT_TRUE(parked(t));
	ASSERT_EQ(spdk_thread_get_last_tsc(t), idle_before);
	ASSERT_EQ(reactor(0)->parked_count, 1);
	ASSERT_EQ(spdk_thread_send_msg(p, unregister_msg, NULL), 0);
	run_once(0);
	run_once(0);
	ASSERT_TRUE(parked(p));
	ASSERT_EQ(reactor(0)->parked_count, 2);
	hand_finish_thread(t, 0);
	hand_finish_thread(p, 0);
	hand_reactors_down();
}

TEST(wakes_on_message_from_other_core)
{
	struct spdk_thread *t, *s;

	reactors_up("0x3");
	t = parked_thread_on("target", 1);
	s = parked_thread_on("sender", 0);
	g_msgs = 0;
	/* The sender, polled on core 0, sends to the parked thread of core 1. */
	pw__env_set_current_core(0);
	spdk_set_thread(s);
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	spdk_set_thread(NULL);
	ASSERT_EQ(pw_thread_is_parked(t), true);	/* woken, not yet taken */
	ASSERT_EQ(g_msgs, 0);
	run_once(1);
	ASSERT_EQ(g_msgs, 1);
	ASSERT_PTR_EQ(g_msg_thread, t);
	/* A busy slice is followed by one more before it parks again. */
	ASSERT_FALSE(parked(t));
	run_once(1);
	ASSERT_TRUE(parked(t));
	ASSERT_EQ(g_msgs, 1);
	hand_finish_thread(t, 1);
	hand_finish_thread(s, 0);
	hand_reactors_down();
}

struct foreign {
	struct spdk_thread	*t;
	uint32_t		n;
};

static void *
foreign_sender(void *arg)
{
	struct foreign *f = arg;

	for (uint32_t i = 0; i < f->n; i++) {
		ASSERT_EQ(spdk_thread_send_msg(f->t, count_msg, NULL), 0);
	}
	return NULL;
}

TEST(wakes_on_message_from_foreign_pthread)
{
	struct foreign f;
	pthread_t pt;

	reactors_up("0x1");
	f.t = parked_thread_on("target", 0);
	f.n = 3;
	g_msgs = 0;
	ASSERT_EQ(pthread_create(&pt, NULL, foreign_sender, &f), 0);
	ASSERT_EQ(pthread_join(pt, NULL), 0);
	ASSERT_EQ(g_msgs, 0);
	run_once(0);
	ASSERT_EQ(g_msgs, 3);
	run_once(0);
	ASSERT_TRUE(parked(f.t));
	hand_finish_thread(f.t, 0);
	hand_reactors_down();
}

TEST(wakes_on_timer)
{
	struct spdk_thread *t;
	uint64_t due;

	reactors_up("0x1");
	t = parked_thread_on("timed", 0);
	g_polls = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, register_timed, (void *)(uintptr_t)100), 0);
	run_once(0);		/* registered: armed at now + 100 us */
	run_once(0);
	ASSERT_TRUE(parked(t));
	due = spdk_thread_next_poller_expiration(t);
	ASSERT_NE(due, 0);
	ASSERT_EQ(pw__reactor_parked_due(reactor(0)), due);
	pw__ticks_mock_set(due - 1);
	run_once(0);
	ASSERT_EQ(g_polls, 0);
	ASSERT_TRUE(parked(t));
	pw__ticks_mock_set(due);
	run_once(0);		/* the heap gives it back, its poller runs */
	ASSERT_EQ(g_polls, 1);
	run_once(0);
	ASSERT_TRUE(parked(t));	/* re-armed, parked until then */
	ASSERT_EQ(pw__reactor_parked_due(reactor(0)), spdk_thread_next_poller_expiration(t));
	ASSERT_GT(spdk_thread_next_poller_expiration(t), due);
	ASSERT_EQ(spdk_thread_send_msg(t, unregister_msg, NULL), 0);
	run_once(0);
	run_once(0);
	ASSERT_EQ(pw__reactor_parked_due(reactor(0)), UINT64_MAX);
	hand_finish_thread(t, 0);
	hand_reactors_down();
}

static int g_efd = -1;
static struct spdk_interrupt *g_intr;
static uint32_t g_intr_runs;

static int
intr_handler(void *arg)
{
	uint64_t v;

	ASSERT_EQ(read(g_efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	g_intr_runs++;
	/* Work for its slices: a poller. */
	g_poller = SPDK_POLLER_REGISTER(count_poll, NULL, 0);
	return 0;
}

static void
register_intr(void *ctx)
{
	g_intr = SPDK_INTERRUPT_REGISTER(g_efd, intr_handler, NULL);
	ASSERT_NOT_NULL(g_intr);
}

static void
unregister_all(void *ctx)
{
	spdk_interrupt_unregister(&g_intr);
	spdk_poller_unregister(&g_poller);
}

TEST(wakes_on_interrupt)
{
	struct spdk_thread *t;
	uint64_t one = 1;

	reactors_up("0x1");
	g_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_GE(g_efd, 0);
	t = parked_thread_on("intr", 0);
	ASSERT_EQ(spdk_thread_send_msg(t, register_intr, NULL), 0);
	run_once(0);
	run_once(0);
	ASSERT_TRUE(parked(t));
	g_polls = 0;
	g_intr_runs = 0;
	ASSERT_EQ(write(g_efd, &one, sizeof(one)), (ssize_t)sizeof(one));
	pw__env_set_current_core(0);
	pw__reactor_check_fds(reactor(0));	/* what the loop or a sleep does */
	ASSERT_EQ(g_intr_runs, 1);
	run_once(0);
	ASSERT_EQ(g_polls, 1);
	ASSERT_TRUE(is_active(reactor(0), t));
	ASSERT_EQ(spdk_thread_send_msg(t, unregister_all, NULL), 0);
	run_once(0);
	hand_finish_thread(t, 0);
	close(g_efd);
	hand_reactors_down();
}

TEST(wakes_on_poller_registered_from_message)
{
	struct spdk_thread *t;

	reactors_up("0x1");
	t = parked_thread_on("late_poller", 0);
	g_polls = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, register_untimed, NULL), 0);
	for (int i = 0; i < 3; i++) {
		run_once(0);
	}
	ASSERT_EQ(g_polls, 3);
	ASSERT_FALSE(parked(t));
	ASSERT_EQ(spdk_thread_send_msg(t, unregister_msg, NULL), 0);
	run_once(0);
	run_once(0);
	ASSERT_TRUE(parked(t));
	hand_finish_thread(t, 0);
	hand_reactors_down();
}

static uint32_t g_critical;

static void
critical_fn(void *ctx)
{
	g_critical++;
}

TEST(wakes_on_critical_message)
{
	struct spdk_thread *t;

	reactors_up("0x1");
	t = parked_thread_on("critical", 0);
	g_critical = 0;
	ASSERT_EQ(spdk_thread_send_critical_msg(t, critical_fn), 0);
	run_once(0);
	ASSERT_EQ(g_critical, 1);
	run_once(0);
	ASSERT_TRUE(parked(t));
	hand_finish_thread(t, 0);
	hand_reactors_down();
}

static struct spdk_thread_stats g_stats;

static void
read_stats(void *ctx)
{
	ASSERT_EQ(spdk_thread_get_stats(&g_stats), 0);
}

TEST(stats_exact_across_parking)
{
	struct spdk_thread *t;
	struct spdk_thread_stats before, during;
	uint64_t parked_at;

	reactors_up("0x1");
	t = parked_thread_on("stats", 0);
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_get_stats(&before), 0);
	spdk_set_thread(NULL);
	parked_at = spdk_thread_get_last_tsc(t);
	/* Read while parked, as the scheduler's gather does: idle up to now. */
	pw__ticks_mock_advance(500);
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_get_stats(&during), 0);
	spdk_set_thread(NULL);
	ASSERT_EQ(during.busy_tsc, before.busy_tsc);
	ASSERT_EQ(during.idle_tsc, before.idle_tsc + (parked_at + 500 - parked_at));
	/* Woken 1000 ticks after it parked: its next slice starts there and
	 * counts those ticks as idle; the message's own slice is busy. */
	pw__ticks_mock_set(parked_at + 1000);
	ASSERT_EQ(spdk_thread_send_msg(t, read_stats, NULL), 0);
	run_once(0);
	ASSERT_EQ(g_stats.busy_tsc, before.busy_tsc);
	ASSERT_EQ(g_stats.idle_tsc, before.idle_tsc + 1000);
	hand_finish_thread(t, 0);
	hand_reactors_down();
}

TEST(exit_and_move_from_outside)
{
	struct spdk_thread *t, *m;
	struct spdk_cpuset set;

	reactors_up("0x3");
	t = parked_thread_on("exiting", 0);
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	spdk_set_thread(NULL);
	run_once(0);
	ASSERT_EQ(reactor(0)->thread_count, 0);

	m = parked_thread_on("mover", 0);
	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, 1, true);
	spdk_set_thread(m);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	spdk_set_thread(NULL);
	run_once(0);
	ASSERT_EQ(reactor(0)->thread_count, 0);
	run_once(1);
	ASSERT_EQ(reactor(1)->thread_count, 1);
	ASSERT_PTR_EQ(TAILQ_FIRST(&reactor(1)->threads), spdk_thread_get_ctx(m));
	hand_finish_thread(m, 1);
	hand_reactors_down();
}

TEST(sleeps_with_only_parked_threads)
{
	struct spdk_thread *t;

	reactors_up("0x1");
	t = parked_thread_on("sleeper", 0);
	ASSERT_TRUE(TAILQ_EMPTY(&reactor(0)->active));
	/* The last look of a reactor about to sleep sees a thread woken after
	 * its flag went up. */
	pw_waker_prepare_sleep(reactor(0)->waker);
	ASSERT_FALSE(pw_park_lot_pending(reactor(0)->lot));
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	ASSERT_TRUE(pw_park_lot_pending(reactor(0)->lot));
	pw_waker_end_sleep(reactor(0)->waker);
	g_msgs = 0;
	run_once(0);
	ASSERT_EQ(g_msgs, 1);
	/* Asleep: with only parked threads, try_sleep sleeps (no timeout) until
	 * a message to one of them writes the reactor's waker. */
	pw_waker_prepare_sleep(reactor(0)->waker);
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	pw_waker_end_sleep(reactor(0)->waker);
	{
		uint64_t v = 0;

		/* The sender saw the flag and wrote the eventfd. */
		ASSERT_EQ(read(pw_waker_get_fd(reactor(0)->waker), &v, sizeof(v)),
			  (ssize_t)sizeof(v));
		ASSERT_GE(v, 1);
	}
	run_once(0);
	ASSERT_EQ(g_msgs, 2);
	hand_finish_thread(t, 0);
	hand_reactors_down();
}

/* A poller registered, or resumed, with the parked thread current but outside
 * a slice (an event handler, a driver, a test doing spdk_set_thread()): the
 * issue's "a poller registration makes it active again". */
TEST(wakes_on_poller_registered_from_outside)
{
	struct spdk_thread *t;
	struct spdk_poller *p;

	reactors_up("0x1");
	t = parked_thread_on("outside_untimed", 0);
	g_polls = 0;
	spdk_set_thread(t);
	g_poller = SPDK_POLLER_REGISTER(count_poll, NULL, 0);
	spdk_set_thread(NULL);
	ASSERT_NOT_NULL(g_poller);
	run_once(0);
	run_once(0);
	ASSERT_EQ(g_polls, 2);
	ASSERT_FALSE(parked(t));
	/* Paused from outside: it parks again; resumed from outside: it runs. */
	p = g_poller;
	spdk_set_thread(t);
	spdk_poller_pause(p);
	spdk_set_thread(NULL);
	run_once(0);
	run_once(0);
	ASSERT_TRUE(parked(t));
	g_polls = 0;
	spdk_set_thread(t);
	spdk_poller_resume(p);
	spdk_set_thread(NULL);
	run_once(0);
	ASSERT_EQ(g_polls, 1);
	ASSERT_EQ(spdk_thread_send_msg(t, unregister_msg, NULL), 0);
	run_once(0);
	run_once(0);
	ASSERT_TRUE(parked(t));

	/* A timed poller registered from outside: the reactor's deadline (its
	 * sleep timeout) is that timer's, and it runs when due. */
	g_polls = 0;
	spdk_set_thread(t);
	g_poller = SPDK_POLLER_REGISTER(count_poll, NULL, 100);
	spdk_set_thread(NULL);
	run_once(0);
	ASSERT_TRUE(parked(t));
	ASSERT_EQ(pw__reactor_parked_due(reactor(0)), spdk_thread_next_poller_expiration(t));
	pw__ticks_mock_set(spdk_thread_next_poller_expiration(t));
	run_once(0);
	ASSERT_EQ(g_polls, 1);
	ASSERT_EQ(spdk_thread_send_msg(t, unregister_msg, NULL), 0);
	run_once(0);
	hand_finish_thread(t, 0);
	hand_reactors_down();
}

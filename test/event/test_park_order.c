/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Where a thread taken back from parking goes in its reactor's iteration
 * (reactor.c activate(), doc/design.md "Parked threads"): at the head of the
 * active list, those of one iteration in their wake order, so that a message
 * to a parked thread runs before the active threads' slices of that
 * iteration; and nothing else changes:
 *
 * - woken_threads_run_first_in_wake_order: two parked threads woken by
 *   messages (in the order C, B) run before an active thread's poller, C
 *   first; then one whose timer came due, after them
 * - woken_every_iteration_starves_nobody: a thread woken by a message in
 *   every iteration and an active thread's untimed poller each get exactly
 *   one slice per iteration
 * - per_thread_order_kept: messages sent to a parked thread by two
 *   senders (the test pthread, and a thread of the same reactor from its
 *   slices), interleaved, run in each sender's order; its timed poller, due
 *   meanwhile, runs once
 *
 * Reactors driven by hand (test/common/ut_hand_reactor.h), the test clock at
 * 1 MHz, parking at the first idle slice.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include "event/event_internal.h"
#include "env/env_internal.h"
#include "ut_hand_reactor.h"

#define UT_HZ	1000000ull

static void
up(void)
{
	hand_reactors_up("test_park_order", "0x1", UT_HZ, 1000);
	pw__reactors_set_park_delay_us(0);
}

static bool
parked(struct spdk_thread *t)
{
	return ((struct spdk_lw_thread *)spdk_thread_get_ctx(t))->parked;
}

static struct spdk_thread *
thread_on0(const char *name)
{
	struct spdk_thread *t;

	pw__env_set_current_core(0);
	t = spdk_thread_create(name, NULL);
	ASSERT_NOT_NULL(t);
	run_once(0);
	return t;
}

/* What ran, in order: one letter per message or poller run. */
static char g_log[256];
static uint32_t g_len;

static void
note(char c)
{
	ASSERT_LT(g_len, sizeof(g_log) - 1);
	g_log[g_len++] = c;
	g_log[g_len] = '\0';
}

static void
log_reset(void)
{
	g_len = 0;
	g_log[0] = '\0';
}

static void
note_msg(void *ctx)
{
	note((char)(uintptr_t)ctx);
}

static int
note_poll(void *ctx)
{
	note((char)(uintptr_t)ctx);
	return SPDK_POLLER_IDLE;
}

static struct spdk_poller *g_pollers[4];

static void
reg_untimed(void *ctx)
{
	g_pollers[0] = spdk_poller_register(note_poll, ctx, 0);
}

static void
reg_timed(void *ctx)
{
	g_pollers[1] = spdk_poller_register(note_poll, ctx, 100);
}

static void
unreg(void *ctx)
{
	spdk_poller_unregister(&g_pollers[(uintptr_t)ctx]);
}

static void
send_mark(struct spdk_thread *t, char c)
{
	ASSERT_EQ(spdk_thread_send_msg(t, note_msg, (void *)(uintptr_t)c), 0);
}

TEST(woken_threads_run_first_in_wake_order)
{
	struct spdk_thread *a, *b, *c, *d;

	up();
	a = thread_on0("a");
	send_mark(a, 'x');
	run_once(0);
	ASSERT_EQ(spdk_thread_send_msg(a, reg_untimed, (void *)(uintptr_t)'A'), 0);
	run_once(0);
	ASSERT_FALSE(parked(a));
	b = thread_on0("b");
	c = thread_on0("c");
	d = thread_on0("d");
	ASSERT_EQ(spdk_thread_send_msg(d, reg_timed, (void *)(uintptr_t)'D'), 0);
	run_once(0);
	run_once(0);
	ASSERT_TRUE(parked(b));
	ASSERT_TRUE(parked(c));
	ASSERT_TRUE(parked(d));
	log_reset();
	run_once(0);
	ASSERT_STR_EQ(g_log, "A");

	/* d's timer comes due (seen by the next iteration: the reactor looks at
	 * its parked threads' deadlines with the clock its last slice ended
	 * at); c then b get a message. */
	pw__ticks_mock_advance(200);
	log_reset();
	run_once(0);
	ASSERT_STR_EQ(g_log, "A");
	send_mark(c, 'C');
	send_mark(b, 'B');
	log_reset();
	run_once(0);
	/* Woken by messages first, in wake order, then the timer's, then the
	 * threads that were active. */
	ASSERT_STR_EQ(g_log, "CBDA");

	ASSERT_EQ(spdk_thread_send_msg(a, unreg, (void *)(uintptr_t)0), 0);
	ASSERT_EQ(spdk_thread_send_msg(d, unreg, (void *)(uintptr_t)1), 0);
	run_once(0);
	hand_finish_thread(a, 0);
	hand_finish_thread(b, 0);
	hand_finish_thread(c, 0);
	hand_finish_thread(d, 0);
	hand_reactors_down();
}

TEST(woken_every_iteration_starves_nobody)
{
	struct spdk_thread *a, *b, *c;
	uint32_t na = 0, nb = 0, nc = 0;

	up();
	a = thread_on0("a");
	ASSERT_EQ(spdk_thread_send_msg(a, reg_untimed, (void *)(uintptr_t)'A'), 0);
	run_once(0);
	b = thread_on0("b");
	c = thread_on0("c");
	run_once(0);
	ASSERT_TRUE(parked(b));
	for (int i = 0; i < 100; i++) {
		log_reset();
		send_mark(b, 'B');		/* b is woken in every iteration */
		if (i % 10 == 0) {
			send_mark(c, 'C');
		}
		run_once(0);
		for (uint32_t k = 0; k < g_len; k++) {
			na += g_log[k] == 'A';
			nb += g_log[k] == 'B';
			nc += g_log[k] == 'C';
		}
		ASSERT_EQ(na, (uint32_t)i + 1);
		ASSERT_EQ(nb, (uint32_t)i + 1);
		ASSERT_EQ(nc, (uint32_t)i / 10 + 1);
	}
	ASSERT_EQ(spdk_thread_send_msg(a, unreg, (void *)(uintptr_t)0), 0);
	run_once(0);
	hand_finish_thread(a, 0);
	hand_finish_thread(b, 0);
	hand_finish_thread(c, 0);
	hand_reactors_down();
}

/* A second sender: a thread on the same reactor, sending from its slice. */
static struct spdk_thread *g_dst;

static void
send_from_slice(void *ctx)
{
	send_mark(g_dst, (char)(uintptr_t)ctx);
}

TEST(per_thread_order_kept)
{
	struct spdk_thread *s, *p;

	up();
	s = thread_on0("sender");
	p = thread_on0("parked");
	g_dst = p;
	ASSERT_EQ(spdk_thread_send_msg(p, reg_timed, (void *)(uintptr_t)'T'), 0);
	run_once(0);
	run_once(0);
	ASSERT_TRUE(parked(p));
	ASSERT_TRUE(parked(s));
	log_reset();
	/* Interleaved: the test pthread sends 1 2 3, the sender thread a b c. */
	send_mark(p, '1');
	ASSERT_EQ(spdk_thread_send_msg(s, send_from_slice, (void *)(uintptr_t)'a'), 0);
	send_mark(p, '2');
	ASSERT_EQ(spdk_thread_send_msg(s, send_from_slice, (void *)(uintptr_t)'b'), 0);
	send_mark(p, '3');
	ASSERT_EQ(spdk_thread_send_msg(s, send_from_slice, (void *)(uintptr_t)'c'), 0);
	pw__ticks_mock_advance(200);
	for (int i = 0; i < 4; i++) {
		run_once(0);
	}
	/* Each sender's order; the timed poller once, after the messages that
	 * were queued when its slice began. */
	{
		char digits[8] = "", letters[8] = "";
		uint32_t nd = 0, nl = 0, nt = 0;

		for (uint32_t k = 0; k < g_len; k++) {
			if (g_log[k] >= '1' && g_log[k] <= '3') {
				digits[nd++] = g_log[k];
			} else if (g_log[k] >= 'a' && g_log[k] <= 'c') {
				letters[nl++] = g_log[k];
			} else if (g_log[k] == 'T') {
				nt++;
			}
		}
		ASSERT_STR_EQ(digits, "123");
		ASSERT_STR_EQ(letters, "abc");
		ASSERT_EQ(nt, 1);
		ASSERT_EQ(g_log[0], '1');
	}
	ASSERT_EQ(spdk_thread_send_msg(p, unreg, (void *)(uintptr_t)1), 0);
	run_once(0);
	hand_finish_thread(s, 0);
	hand_finish_thread(p, 0);
	hand_reactors_down();
}

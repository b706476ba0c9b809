/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The park delay (doc/design.md "Parked threads"): a reactor parks a thread
 * only after an idle slice PW_PARK_DELAY_US (10 us) or more after its last busy
 * one, so that a thread in a request/response exchange stays active between
 * messages (issue 12: parking it at its first idle slice made each message of
 * a cross-core ping-pong a wake-up through the lot). Reactors driven by hand
 * (pw__reactor_run_once()), clock mocked at one tick per microsecond.
 *
 * - new_thread_parks_at_once: a thread never busy parks at its first idle slice
 * - busy_thread_waits_the_delay: after a busy slice it stays active through
 *   idle slices until the delay has passed, then parks; a message within the
 *   delay runs without a wake-up and starts the delay again
 * - delay_zero: pw__reactors_set_park_delay_us(0) parks at the first idle slice
 * - exchange_within_delay_never_parks: two threads on two cores answering each
 *   other within the delay stay active (fails before the delay: parked at
 *   every idle slice)
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#include "event/event_internal.h"
#include "ut_hand_reactor.h"

#define UT_HZ		1000000ull	/* one tick per microsecond */
#define DELAY_US	10u		/* PW_PARK_DELAY_US */

static void
reactors_up(const char *mask)
{
	hand_reactors_up("test_park_delay", mask, UT_HZ, 1000);
}

static void
reactors_down(void)
{
	pw__reactors_set_park_delay_us(DELAY_US);
	hand_reactors_down();
}

static bool
parked(struct spdk_thread *t)
{
	return ((struct spdk_lw_thread *)spdk_thread_get_ctx(t))->parked;
}

static struct spdk_thread *
thread_on(const char *name, uint32_t core)
{
	return hand_thread_on(name, core);
}

static uint32_t g_msgs;

static void
count_msg(void *ctx)
{
	g_msgs++;
}

TEST(new_thread_parks_at_once)
{
	struct spdk_thread *t;

	reactors_up("0x1");
	t = thread_on("idle", 0);
	run_once(0);		/* placed, one idle slice: never busy, parked */
	ASSERT_TRUE(parked(t));
	hand_finish_thread(t, 0);
	reactors_down();
}

TEST(busy_thread_waits_the_delay)
{
	struct spdk_thread *t;

	reactors_up("0x1");
	t = thread_on("busy", 0);
	run_once(0);
	ASSERT_TRUE(parked(t));
	g_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	run_once(0);		/* taken from the lot, busy slice */
	ASSERT_EQ(g_msgs, 1);
	ASSERT_FALSE(parked(t));
	/* Idle slices within the delay: still active. */
	for (uint32_t i = 0; i < DELAY_US - 1; i++) {
		pw__ticks_mock_advance(1);
		run_once(0);
		ASSERT_FALSE(parked(t));
	}
	/* A message within the delay runs at the next slice, no wake-up needed,
	 * and the delay starts again from that busy slice. */
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	ASSERT_FALSE(pw_thread_is_parked(t));
	run_once(0);
	ASSERT_EQ(g_msgs, 2);
	pw__ticks_mock_advance(DELAY_US - 1);
	run_once(0);
	ASSERT_FALSE(parked(t));
	pw__ticks_mock_advance(1);
	run_once(0);		/* idle, DELAY_US after the busy slice: parked */
	ASSERT_TRUE(parked(t));
	hand_finish_thread(t, 0);
	reactors_down();
}

TEST(delay_zero)
{
	struct spdk_thread *t;

	reactors_up("0x1");
	pw__reactors_set_park_delay_us(0);
	t = thread_on("busy", 0);
	run_once(0);
	ASSERT_TRUE(parked(t));
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	run_once(0);
	ASSERT_FALSE(parked(t));
	run_once(0);		/* first idle slice, same tick: parked */
	ASSERT_TRUE(parked(t));
	hand_finish_thread(t, 0);
	reactors_down();
}

static void
send_back_msg(void *ctx)
{
	struct spdk_thread *to = ctx;

	g_msgs++;
	ASSERT_EQ(spdk_thread_send_msg(to, count_msg, NULL), 0);
}

/* Two threads on two cores exchange messages at less than the delay: neither
 * parks, and none of the exchange's messages goes through a lot. */
TEST(exchange_within_delay_never_parks)
{
	struct spdk_thread *a, *b;

	reactors_up("0x3");
	a = thread_on("a", 0);
	b = thread_on("b", 1);
	run_once(0);
	run_once(1);
	ASSERT_TRUE(parked(a));
	ASSERT_TRUE(parked(b));
	g_msgs = 0;
	for (uint32_t i = 0; i < 50; i++) {
		/* a sends to b (from outside a slice), b's handler answers a. */
		spdk_set_thread(a);
		ASSERT_EQ(spdk_thread_send_msg(b, send_back_msg, a), 0);
		spdk_set_thread(NULL);
		run_once(1);
		ASSERT_EQ(g_msgs, 2 * i + 1);
		run_once(0);
		ASSERT_EQ(g_msgs, 2 * i + 2);
		pw__ticks_mock_advance(2);
		run_once(1);	/* idle slices 2 us after their busy ones */
		run_once(0);
		if (i > 0) {
			ASSERT_FALSE(parked(a));
			ASSERT_FALSE(parked(b));
			ASSERT_FALSE(pw_thread_is_parked(a));
			ASSERT_FALSE(pw_thread_is_parked(b));
		}
	}
	hand_finish_thread(a, 0);
	hand_finish_thread(b, 1);
	reactors_down();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Events called from the callbacks of a thread's slice on a reactor (a
 * message handler, a poller) to another core are staged like those of an
 * event batch (doc/design.md "Cross-core batches"): claimed at the call,
 * published when the slice is over. Reactors driven by hand.
 *
 * - from_message_handler_published_at_slice_end: inside the handler the event
 *   is claimed (pending) but not visible; after the iteration it is, and runs
 * - from_poller: the same from an untimed poller
 * - fifo_beyond_stage_and_segments: a handler calling more events than a
 *   stage holds, to five cores, through several segments: FIFO per core
 * - own_core_not_staged: an event to the slice's own core goes to the
 *   reactor's own ring and runs in its next batch, as before
 * - nothing_staged_after_iteration: the stage is empty once the iteration is
 *   over (a reactor never sleeps with anything staged)
 * - driver_of_its_own_publishes_at_once: a slice driven by a pthread that is
 *   no reactor publishes at once
 * - staged_in_slice_left_at_fini_counted_exactly: events a slice staged to a
 *   reactor that never runs again are counted once at spdk_reactors_fini()
 * - null_event_from_slice: spdk_event_call(NULL) in a callback is refused and
 *   logged; the stage is unchanged
 * - thread_created_in_slice_placed_after_it: a handler creates a thread for
 *   the other core and calls an event there after it: the placing event is
 *   staged like any other (the new thread is not on core 1 before the slice is
 *   over), then placement and event arrive in call order
 * - exit_with_events_staged: a handler stages events and exits its thread in
 *   the same callback; the reactor destroys the thread after the slice: every
 *   event is published (the slice is over first) and runs, in order
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include "event/event_internal.h"
#include "env/env_internal.h"
#include "ut_hand_reactor.h"
#include "ut_seq_event.h"

#define NCORES		UT_SEQ_CORES
#define PER_CORE	400	/* more than a segment's 170 slots, several full stages */


static struct spdk_thread *
thread_on(const char *name, uint32_t core)
{
	struct spdk_thread *t = hand_thread_on(name, core);

	run_once(core);		/* placed */
	return t;
}

/* Reactors up on mask, the counters reset, a thread "sender" placed on core 0. */
static struct spdk_thread *
sender_up(const char *mask)
{
	hand_reactors_up("test_event_slice_stage", mask, 0, 0);
	reset();
	return thread_on("sender", 0);
}

/* fn runs in a slice of t (on core 0). */
static void
run_in_slice(struct spdk_thread *t, spdk_msg_fn fn)
{
	ASSERT_EQ(spdk_thread_send_msg(t, fn, NULL), 0);
	run_once(0);
}

/* t exits; no event is left anywhere; reactors down. */
static void
sender_down(struct spdk_thread *t)
{
	hand_finish_thread(t, 0);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

/* Two events to core 1: the first may open its queue's segment (a push at
 * once); the second is staged: claimed (pending), not visible. */
static void
two_to_core1(void)
{
	struct spdk_reactor *r1 = spdk_reactor_get(1);

	call_seq(1, g_next[0]++);
	g_visible_inside = (int)pw_segq_count(&r1->ev_cons, PW_EVENT_WORDS);
	call_seq(1, g_next[0]++);
	g_visible_inside = (int)pw_segq_count(&r1->ev_cons, PW_EVENT_WORDS) - g_visible_inside;
	g_pending_inside = pw__event_queue_pending(r1);
}

static void
two_msg(void *ctx)
{
	two_to_core1();
}

TEST(from_message_handler_published_at_slice_end)
{
	struct spdk_thread *t;

	t = sender_up("0x3");
	run_in_slice(t, two_msg);
	ASSERT_EQ(g_visible_inside, 0);
	ASSERT_EQ(g_pending_inside, 1);
	ASSERT_EQ(pw__event_stage.n, 0);
	ASSERT_EQ(drain(1), 2);
	ASSERT_EQ(g_next[1], 2);
	sender_down(t);
}

static struct spdk_poller *g_poller;

static int
two_poll(void *arg)
{
	two_to_core1();
	spdk_poller_unregister(&g_poller);
	return SPDK_POLLER_BUSY;
}

static void
register_msg(void *ctx)
{
	g_poller = SPDK_POLLER_REGISTER(two_poll, NULL, 0);
}

TEST(from_poller)
{
	struct spdk_thread *t;

	t = sender_up("0x3");
	run_in_slice(t, register_msg);		/* registers; the poller runs in this slice */
	ASSERT_EQ(g_visible_inside, 0);
	ASSERT_EQ(g_pending_inside, 1);
	ASSERT_EQ(drain(1), 2);
	ASSERT_EQ(g_next[1], 2);
	sender_down(t);
}

static void
fan_out_msg(void *ctx)
{
	uint64_t seq[NCORES] = { 0 };

	for (uint32_t i = 0; i < PER_CORE; i++) {
		for (uint32_t core = 1; core < NCORES; core++) {
			call_seq(core, seq[core]++);
		}
	}
}

TEST(fifo_beyond_stage_and_segments)
{
	struct spdk_thread *t;

	t = sender_up("0x3f");
	run_in_slice(t, fan_out_msg);
	for (uint32_t core = 1; core < NCORES; core++) {
		ASSERT_EQ(drain(core), PER_CORE);
		ASSERT_EQ(g_next[core], PER_CORE);
		ASSERT_FALSE(pw__event_queue_pending(spdk_reactor_get(core)));
	}
	ASSERT_EQ(g_ran, (uint64_t)PER_CORE * (NCORES - 1));
	sender_down(t);
}

static void
own_core_msg(void *ctx)
{
	call_seq(0, 0);
	call_seq(0, 1);
	g_visible_inside = (int)(reactor(0)->local.tail - reactor(0)->local.head);
	g_pending_inside = (int)pw__event_stage.n;
}

TEST(own_core_not_staged)
{
	struct spdk_thread *t;

	t = sender_up("0x3");
	run_in_slice(t, own_core_msg);
	ASSERT_EQ(g_visible_inside, 2);	/* in the reactor's own ring at once */
	ASSERT_EQ(g_pending_inside, 0);	/* nothing staged */
	ASSERT_EQ(g_ran, 0);
	ASSERT_EQ(drain(0), 2);
	ASSERT_EQ(g_next[0], 2);
	sender_down(t);
}

static void
three_msg(void *ctx)
{
	for (uint64_t i = 0; i < 3; i++) {
		call_seq(1, g_next[0]++);	/* g_next[0]: the senders' count */
	}
}

/* Core 1's event segment opened (three events from a slice of t, run), the
 * counters reset: what t sends core 1 next is staged. */
static void
open_core1(struct spdk_thread *t)
{
	run_in_slice(t, three_msg);
	ASSERT_EQ(drain(1), 3);
	memset(g_next, 0, sizeof(g_next));
}

TEST(nothing_staged_after_iteration)
{
	struct spdk_thread *a, *b;

	hand_reactors_up("test_event_slice_stage", "0x3", 0, 0);
	reset();
	a = thread_on("a", 0);
	b = thread_on("b", 0);
	/* Two threads of the same reactor stage in one iteration: each slice
	 * publishes its own. */
	ASSERT_EQ(spdk_thread_send_msg(a, three_msg, NULL), 0);
	ASSERT_EQ(spdk_thread_send_msg(b, three_msg, NULL), 0);
	run_once(0);
	ASSERT_EQ(pw__event_stage.n, 0);
	ASSERT_EQ(pw__event_stage.depth, 0);
	ASSERT_EQ(drain(1), 6);
	hand_finish_thread(a, 0);
	hand_finish_thread(b, 0);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

TEST(driver_of_its_own_publishes_at_once)
{
	struct spdk_thread *t;

	hand_reactors_up("test_event_slice_stage", "0x3", 0, 0);
	reset();
	/* A thread of the test's own (never placed: no reactor polls it),
	 * polled by this pthread, which plays no reactor. */
	pw__env_set_current_core(0);
	t = spdk_thread_create("own", NULL);
	ASSERT_NOT_NULL(t);
	/* The reactors' NEW operation placed it: take the placing event. */
	drain(0);
	drain(1);
	ASSERT_EQ(spdk_thread_send_msg(t, two_msg, NULL), 0);
	ASSERT_NULL(pw__tls_reactor);
	spdk_thread_poll(t, 0, 0);
	ASSERT_EQ(g_visible_inside, 1);	/* published at once */
	ASSERT_EQ(drain(1), 2);
	spdk_set_thread(t);
	spdk_thread_exit(t);
	spdk_set_thread(NULL);
	while (!spdk_thread_is_exited(t)) {
		spdk_thread_poll(t, 0, 0);
	}
	hand_reactors_down();
}

TEST(staged_in_slice_left_at_fini_counted_exactly)
{
	struct spdk_thread *t;

	t = sender_up("0x3");
	run_in_slice(t, three_msg);
	hand_finish_thread(t, 0);
	/* Core 1 never runs again: its three events are counted at fini. */
	log_capture_start();
	pw__env_set_current_core(spdk_env_get_main_core());
	spdk_reactors_fini();
	log_capture_stop();
	ASSERT_EQ(g_ran, 0);
	ASSERT_TRUE(log_capture_contains("3 event(s) sent to reactors that had stopped were not run"));
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_env_down();
}

static void
null_event_msg(void *ctx)
{
	call_seq(1, 0);
	spdk_event_call(NULL);
	g_pending_inside = (int)pw__event_stage.n;
}

TEST(null_event_from_slice)
{
	struct spdk_thread *t;

	t = sender_up("0x3");
	open_core1(t);
	log_capture_start();
	run_in_slice(t, null_event_msg);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("spdk_event_call: NULL event"));
	ASSERT_EQ(g_pending_inside, 1);	/* the staged one only */
	ASSERT_EQ(drain(1), 1);
	sender_down(t);
}

static void
three_then_exit_msg(void *ctx)
{
	three_msg(ctx);
	g_pending_inside = (int)pw__event_stage.n;
	spdk_thread_exit(spdk_get_thread());
}

TEST(exit_with_events_staged)
{
	struct spdk_thread *t;

	t = sender_up("0x3");
	open_core1(t);
	ASSERT_EQ(spdk_thread_send_msg(t, three_then_exit_msg, NULL), 0);
	for (int i = 0; i < 4 && reactor(0)->thread_count > 0; i++) {
		run_once(0);
		ASSERT_EQ(pw__event_stage.n, 0);
		ASSERT_EQ(pw__event_stage.depth, 0);
	}
	ASSERT_EQ(reactor(0)->thread_count, 0);
	ASSERT_EQ(g_pending_inside, 3);	/* all three were staged */
	ASSERT_EQ(drain(1), 3);
	ASSERT_EQ(g_next[1], 3);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

static struct spdk_thread *g_created;

static void
create_then_event_msg(void *ctx)
{
	struct spdk_cpuset set;

	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, 1, true);
	g_created = spdk_thread_create("created", &set);
	call_seq(1, 0);
	g_pending_inside = (int)pw__event_stage.n;
	g_visible_inside = (int)reactor(1)->thread_count;
}

static void
check_created_there(void *arg1, void *arg2)
{
	/* Runs after the placing event: the thread is on core 1 by now. */
	g_visible_inside = (int)reactor(1)->thread_count;
}

TEST(thread_created_in_slice_placed_after_it)
{
	struct spdk_thread *t;
	struct spdk_event *ev;

	t = sender_up("0x3");
	open_core1(t);
	run_in_slice(t, create_then_event_msg);
	ASSERT_NOT_NULL(g_created);
	ASSERT_EQ(g_pending_inside, 2);		/* the placing event and ours */
	ASSERT_EQ(g_visible_inside, 0);		/* core 1 has not run yet */
	ev = spdk_event_allocate(1, check_created_there, NULL, NULL);
	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
	ASSERT_EQ(drain(1), 3);
	ASSERT_EQ(g_next[1], 1);
	ASSERT_EQ(g_visible_inside, 1);
	hand_finish_thread(g_created, 1);
	sender_down(t);
}

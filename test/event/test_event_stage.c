/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Staged events (lib/event/event.c, doc/design.md "Cross-core batches"):
 * events that the handlers of a core's batch call to other cores claim their
 * slot at once and are published when the batch is over. Checked with the
 * reactors driven by hand (as test_event.c): nothing is visible to the
 * destination before the batch ends, yet the destination counts as pending
 * (it cannot sleep); FIFO per destination across a full stage (64), more
 * destination cores than the stage holds (4) and segment boundaries (where a
 * send falls back to the immediate push); a foreign pthread's send claimed
 * after staged ones waits behind them; staged events left when the reactors
 * finish are counted once, exactly, and not run.
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk_internal/event.h"

#include "event/event_internal.h"
#include "env/env_internal.h"
#include "ut_hand_reactor.h"
#include "ut_seq_event.h"

#define NCORES		UT_SEQ_CORES
#define PER_CORE	400	/* more than a segment's 170 slots, several full stages */


static void
reactors_up(const char *mask)
{
	hand_reactors_up("test_event_stage", mask, 0, 0);
}

/* A handler on core 0 sending to cores 1..5, round robin. */
static void
fan_out(void *arg1, void *arg2)
{
	struct spdk_reactor *r1 = spdk_reactor_get(1);
	uint64_t seq[NCORES] = { 0 };

	/* Open core 1's queue (its first send may find no segment and push at
	 * once), then look at a staged one: claimed, not yet published. */
	call_seq(1, seq[1]++);
	g_visible_inside = (int)pw_segq_count(&r1->ev_cons, PW_EVENT_WORDS);
	call_seq(1, seq[1]++);
	g_visible_inside = (int)pw_segq_count(&r1->ev_cons, PW_EVENT_WORDS) - g_visible_inside;
	g_pending_inside = pw__event_queue_pending(r1);
	for (uint32_t i = 0; i < PER_CORE; i++) {
		for (uint32_t core = 1; core < NCORES; core++) {
			if (seq[core] < PER_CORE) {
				call_seq(core, seq[core]++);
			}
		}
	}
}

TEST(staged_events_fifo_per_core_beyond_stage_and_segments)
{
	struct spdk_event *ev;

	reactors_up("0x3f");
	reset();
	ev = spdk_event_allocate(0, fan_out, NULL, NULL);
	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
	ASSERT_EQ(run_batch(0), 1);
	ASSERT_EQ(g_visible_inside, 0);
	ASSERT_EQ(g_pending_inside, 1);
	for (uint32_t core = 1; core < NCORES; core++) {
		ASSERT_EQ(drain(core), PER_CORE);
		ASSERT_EQ(g_next[core], PER_CORE);
		ASSERT_FALSE(pw__event_queue_pending(spdk_reactor_get(core)));
	}
	ASSERT_EQ(g_ran, (uint64_t)PER_CORE * (NCORES - 1));
	ASSERT_EQ(pw__events_outstanding(), 0);
	spdk_reactors_fini();
	hand_env_down();
}

/* A foreign pthread's event to core 1, called while core 0's handler has one
 * staged there, runs after it (claim order), even though it is published
 * first. */
static _Atomic int g_foreign_step;

static void *
foreign_send(void *arg)
{
	while (atomic_load(&g_foreign_step) != 1) {
		sched_yield();
	}
	call_seq(1, 1);
	atomic_store(&g_foreign_step, 2);
	return NULL;
}

static int g_foreign_blocked = -1;

static void
stage_then_wait_foreign(void *arg1, void *arg2)
{
	call_seq(1, 0);				/* staged */
	atomic_store(&g_foreign_step, 1);
	while (atomic_load(&g_foreign_step) != 2) {
		sched_yield();
	}
	/* The foreign event is published, but behind the staged claim. */
	g_foreign_blocked = pw_segq_head_empty(&spdk_reactor_get(1)->ev_cons, PW_EVENT_WORDS);
}

TEST(foreign_event_waits_behind_staged_claim)
{
	struct spdk_event *ev;
	pthread_t th;

	reactors_up("0x3");
	reset();
	atomic_store(&g_foreign_step, 0);
	ASSERT_EQ(pthread_create(&th, NULL, foreign_send, NULL), 0);
	ev = spdk_event_allocate(0, stage_then_wait_foreign, NULL, NULL);
	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
	ASSERT_EQ(run_batch(0), 1);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_EQ(g_foreign_blocked, 1);
	ASSERT_EQ(drain(1), 2);
	ASSERT_EQ(g_next[1], 2);
	ASSERT_EQ(pw__events_outstanding(), 0);
	spdk_reactors_fini();
	hand_env_down();
}

/* Staged events left when the reactors finish: published at the end of the
 * batch, then counted once and not run, credits back. */
static void
stage_three(void *arg1, void *arg2)
{
	for (uint64_t i = 0; i < 3; i++) {
		call_seq(1, i);
	}
}

TEST(staged_events_left_at_reactors_fini_counted_exactly)
{
	struct spdk_event *ev;

	reactors_up("0x3");
	reset();
	ev = spdk_event_allocate(0, stage_three, NULL, NULL);
	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
	ASSERT_EQ(run_batch(0), 1);
	log_capture_start();
	pw__env_set_current_core(spdk_env_get_main_core());
	spdk_reactors_fini();
	log_capture_stop();
	ASSERT_EQ(g_ran, 0);
	ASSERT_TRUE(log_capture_contains("3 event(s) sent to reactors that had stopped were not run"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_NOTICE), 1);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_env_down();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * A scheduling round's apply finds each thread to move through the entries
 * its gather kept (scheduler_round.c): what happens to a thread between the
 * gather and the apply, and what a scheduler may do to the thread infos it is
 * given.
 *
 * - reordered_thread_infos_move_the_named_thread: a scheduler that reorders
 *   a core's thread infos (sorts them, here reverses them) before naming a
 *   thread to move: the thread with that id moves, not the one the gather
 *   kept at that position (SPDK's apply looks each one up by id)
 * - thread_info_copied_from_another_core_is_skipped: an info naming a thread
 *   of core 1 written into core 0's array: core 0 cannot move it, and moves
 *   none of its own instead
 * - destroyed_between_gather_and_apply: a thread the plan moves exits and is
 *   destroyed after the gather; the apply skips it (no read of its memory:
 *   ASan), and a thread created in its place is not moved
 * - moved_on_its_own_between_gather_and_apply: a thread that asked to move
 *   (spdk_thread_set_cpumask()) after the gather goes where it asked
 *
 * Reactors driven by hand (test/common/ut_hand_reactor.h), the test clock.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/scheduler.h"
#include "spdk/thread.h"

#include "event/event_internal.h"
#include "ut_hand_reactor.h"

#define UT_HZ		1000000ull

static void
exit_thread(struct spdk_thread *t)
{
	struct spdk_thread *orig = spdk_get_thread();

	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	spdk_set_thread(orig);
}

/* ---------------------------------------------------------------------------
 * The test scheduler: what balance() does is set by each test
 * ------------------------------------------------------------------------- */

enum mischief {
	MISCHIEF_NONE,
	MISCHIEF_REVERSE,	/* reverse each core's thread infos */
	MISCHIEF_COPY,		/* core 1's first info over core 0's first */
};

static enum mischief g_mischief;
static uint64_t g_move_id;		/* the thread to move ... */
static uint32_t g_move_to;		/* ... to this core */
static void (*g_in_balance)(void);	/* then this, on the scheduling reactor */
static int g_balances;

static void
reverse(struct spdk_scheduler_core_info *ci)
{
	for (uint32_t i = 0, j = ci->threads_count; i + 1 < j; i++, j--) {
		struct spdk_scheduler_thread_info t = ci->thread_infos[i];

		ci->thread_infos[i] = ci->thread_infos[j - 1];
		ci->thread_infos[j - 1] = t;
	}
}

static void
keep_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	g_balances++;
	for (uint32_t i = 0; i < count; i++) {
		if (g_mischief == MISCHIEF_REVERSE) {
			reverse(&cores[i]);
		}
	}
	if (g_mischief == MISCHIEF_COPY) {
		ASSERT_GE(count, 2);
		ASSERT_GT(cores[0].threads_count, 0);
		ASSERT_GT(cores[1].threads_count, 0);
		cores[0].thread_infos[0] = cores[1].thread_infos[0];
		cores[0].thread_infos[0].lcore = g_move_to;
		cores[1].threads_count = 0;	/* core 1 lists nothing */
	}
	for (uint32_t i = 0; i < count; i++) {
		for (uint32_t j = 0; j < cores[i].threads_count; j++) {
			if (cores[i].thread_infos[j].thread_id == g_move_id) {
				cores[i].thread_infos[j].lcore = g_move_to;
			}
		}
	}
	if (g_in_balance != NULL) {
		g_in_balance();
	}
}

static struct spdk_scheduler g_keep_sched = {
	.name = "ut_keep",
	.balance = keep_balance,
};
SPDK_SCHEDULER_REGISTER(g_keep_sched);

static void
up(const char *mask, enum mischief m)
{
	hand_reactors_up("test_scheduler_round_keep", mask, UT_HZ, 1000);
	ASSERT_EQ(spdk_scheduler_set("ut_keep"), 0);
	g_mischief = m;
	g_move_id = 0;
	g_move_to = 0;
	g_in_balance = NULL;
	g_balances = 0;
}

static void
down(void)
{
	hand_exit_all();
	hand_reactors_down();
}

/* One round from the scheduling reactor (core 0), driven to its end. */
static void
round_now(void)
{
	uint64_t before = pw__scheduler_rounds_done();

	pw__env_set_current_core(spdk_scheduler_get_scheduling_lcore());
	ASSERT_EQ(pw__scheduler_round_start(reactor(spdk_scheduler_get_scheduling_lcore())), 0);
	hand_settle();
	ASSERT_EQ(pw__scheduler_rounds_done(), before + 1);
}

/* ---------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------- */

TEST(reordered_thread_infos_move_the_named_thread)
{
	struct spdk_thread *a, *b, *c;

	up("0x3", MISCHIEF_REVERSE);
	a = hand_thread_placed("a", 1, NULL);
	b = hand_thread_placed("b", 1, NULL);
	c = hand_thread_placed("c", 1, NULL);
	g_move_id = spdk_thread_get_id(a);
	g_move_to = 0;
	round_now();
	ASSERT_EQ(g_balances, 1);
	/* a, named by its id, moved; c, kept by the gather where the reversed
	 * array now has a's info, stayed. */
	ASSERT_TRUE(hand_holds(reactor(0), a));
	ASSERT_TRUE(hand_holds(reactor(1), b));
	ASSERT_TRUE(hand_holds(reactor(1), c));
	ASSERT_EQ(pw__scheduler_moves_applied(), 1);
	down();
}

TEST(thread_info_copied_from_another_core_is_skipped)
{
	struct spdk_thread *x0, *y1;

	up("0x7", MISCHIEF_COPY);
	x0 = hand_thread_placed("x0", 0, NULL);
	y1 = hand_thread_placed("y1", 1, NULL);
	g_move_to = 2;
	round_now();
	/* Core 0's array names y1 (on core 1) at x0's position: core 0 cannot
	 * move y1, and must not move x0 in its place. */
	ASSERT_TRUE(hand_holds(reactor(0), x0));
	ASSERT_TRUE(hand_holds(reactor(1), y1));
	ASSERT_EQ(pw__scheduler_moves_applied(), 0);
	down();
}

static struct spdk_thread *g_doomed;
static struct spdk_thread *g_other;

/* In balance (core 0): the thread to move exits; core 1's next slice
 * destroys it, before core 1's apply (the apply walk reaches core 0 first). */
static void
doom(void)
{
	exit_thread(g_doomed);
	run_once(1);
	pw__env_set_current_core(0);
	ASSERT_FALSE(hand_holds(reactor(1), g_doomed));
	g_doomed = NULL;
	/* A new thread for core 1 (its lw_thread may be the freed one's
	 * memory), placed there before core 1's apply (the event placing it is
	 * published at the end of this batch, the apply's later): not named by
	 * the plan, it must stay. */
	pw__reactors_set_next_core(1);
	g_other = spdk_thread_create("other", NULL);
	ASSERT_NOT_NULL(g_other);
}

TEST(destroyed_between_gather_and_apply)
{
	struct spdk_thread *keep;

	up("0x3", MISCHIEF_NONE);
	keep = hand_thread_placed("keep", 1, NULL);
	g_doomed = hand_thread_placed("doomed", 1, NULL);
	g_move_id = spdk_thread_get_id(g_doomed);
	g_move_to = 0;
	g_in_balance = doom;
	round_now();
	ASSERT_NULL(g_doomed);
	ASSERT_TRUE(hand_holds(reactor(1), keep));
	ASSERT_TRUE(hand_holds(reactor(1), g_other));
	ASSERT_EQ(reactor(0)->thread_count, 0);
	ASSERT_EQ(pw__scheduler_moves_applied(), 0);
	down();
}

static struct spdk_thread *g_mover;

/* In balance: the thread asks for cores 0 and 2 and is placed on core 2
 * (moved after its next slice): the plan's core 0 is in its new mask, so only
 * the forgotten entry keeps the apply from moving it again. */
static void
ask_to_move(void)
{
	struct spdk_cpuset mask;
	struct spdk_thread *orig = spdk_get_thread();

	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 0, true);
	spdk_cpuset_set_cpu(&mask, 2, true);
	pw__reactors_set_next_core(2);
	spdk_set_thread(g_mover);
	ASSERT_EQ(spdk_thread_set_cpumask(&mask), 0);
	spdk_set_thread(orig);
	run_once(1);
	pw__env_set_current_core(0);
	ASSERT_FALSE(hand_holds(reactor(1), g_mover));
}

TEST(moved_on_its_own_between_gather_and_apply)
{
	up("0x7", MISCHIEF_NONE);
	g_mover = hand_thread_placed("mover", 1, NULL);
	g_move_id = spdk_thread_get_id(g_mover);
	g_move_to = 0;
	g_in_balance = ask_to_move;
	round_now();
	ASSERT_TRUE(hand_holds(reactor(2), g_mover));
	ASSERT_EQ(reactor(0)->thread_count, 0);
	ASSERT_EQ(pw__scheduler_moves_applied(), 0);
	down();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Reactors driven by hand (BEHAVIOURS.md "Reactors, placement, migration,
 * schedulers"): construction and init, event dispatch, placement of new
 * threads by cpumask and round-robin cursor, RESCHED between slices,
 * spdk_for_each_reactor, exact busy/idle accounting and a mixed workload.
 *
 * No reactor pthread is ever launched: the environment is initialised on
 * cores this machine may not have (affinity check skipped), the test pthread
 * plays every core in turn (pw__env_set_current_core) and runs one reactor
 * iteration or one batch of events at a time, and the clock is the settable
 * test clock at 1 MHz, so every tick is accounted for exactly.
 *
 * Not covered here because only the "static" placement exists so far:
 * test_bind_thread, test_scheduler, test_governor and
 * test_scheduler_set_isolated_core_mask (they need the dynamic scheduler,
 * a governor and isolated cores).
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "spdk_internal/event.h"

#include "event/event_internal.h"
#include "env/env_internal.h"
#include "ut_hand_reactor.h"

#define UT_HZ	1000000ull	/* one tick per microsecond */

static void
env_up(const char *mask, uint64_t start)
{
	hand_env_up("test_reactor", mask, UT_HZ, start);
}

static void
reactors_up(const char *mask, uint64_t start)
{
	hand_reactors_up("test_reactor", mask, UT_HZ, start);
}

/* ---------------------------------------------------------------------------
 * Set-up and helpers
 * ------------------------------------------------------------------------- */

/* One reactor iteration of core; returns how many events it ran (events are
 * counted through the process-wide outstanding count, so the slices must not
 * allocate any). Placement is checked both ways: with one batch
 * (pw__event_queue_run_batch(), as the BEHAVIOURS lines say) and with a full
 * reactor iteration. */
static uint32_t
run_events(uint32_t core)
{
	uint64_t before = pw__events_outstanding();

	run_once(core);
	return (uint32_t)(before - pw__events_outstanding());
}

static uint32_t
list_len(struct spdk_reactor *r)
{
	struct spdk_lw_thread *lw;
	uint32_t n = 0;

	TAILQ_FOREACH(lw, &r->threads, link) {
		n++;
	}
	return n;
}

static struct spdk_cpuset
mask_of(uint32_t core)
{
	struct spdk_cpuset set;

	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, core, true);
	return set;
}

/* Exit thread t, which sits on core's reactor with nothing left to do: one
 * iteration of that reactor must remove and destroy it. */
static void
exit_on_reactor(struct spdk_thread *t, uint32_t core)
{
	struct spdk_reactor *r = reactor(core);
	uint32_t before = r->thread_count;

	ASSERT_TRUE(hand_holds(r, t));
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	spdk_set_thread(NULL);
	run_once(core);
	ASSERT_FALSE(hand_holds(r, t));
	ASSERT_EQ(r->thread_count, before - 1);
	ASSERT_EQ(list_len(r), r->thread_count);
}

static bool
alive_summary_says(const char *text)
{
	char buf[128];

	pw__reactors_alive_summary(buf, sizeof(buf));
	return strstr(buf, text) != NULL;
}

/* ---------------------------------------------------------------------------
 * test_create_reactor
 * ------------------------------------------------------------------------- */

TEST(test_create_reactor)
{
	struct spdk_reactor *r;

	env_up("0x1", 1000);
	/* No reactor before they are constructed. */
	ASSERT_NULL(spdk_reactor_get(0));

	ASSERT_EQ(spdk_reactors_init(0), 0);
	r = spdk_reactor_get(0);
	ASSERT_NOT_NULL(r);
	ASSERT_EQ(r->lcore, 0);
	ASSERT_TRUE(TAILQ_EMPTY(&r->threads));
	ASSERT_EQ(r->thread_count, 0);
	ASSERT_EQ(r->busy_tsc, 0);
	ASSERT_EQ(r->idle_tsc, 0);
	ASSERT_EQ(r->tsc_last, 1000);
	ASSERT_FALSE(pw__event_queue_pending(r));
	ASSERT_EQ(pw__event_queue_run_batch(r), 0);
	ASSERT_EQ((uintptr_t)r % SPDK_CACHE_LINE_SIZE, 0);
	/* Only core 0 has one. */
	ASSERT_NULL(spdk_reactor_get(1));
	ASSERT_NULL(spdk_reactor_get(UINT32_MAX));

	/* Torn down, and constructed again: nothing left over. */
	spdk_reactors_fini();
	ASSERT_NULL(spdk_reactor_get(0));
	ASSERT_EQ(spdk_reactors_init(0), 0);
	r = spdk_reactor_get(0);
	ASSERT_NOT_NULL(r);
	ASSERT_EQ(r->lcore, 0);
	ASSERT_TRUE(TAILQ_EMPTY(&r->threads));
	ASSERT_FALSE(pw__event_queue_pending(r));
	hand_reactors_down();
	ASSERT_NULL(spdk_reactor_get(0));
}

TEST(test_create_reactor_sparse_mask)
{
	reactors_up("[0,2,5]", 0);
	ASSERT_EQ(reactor(0)->lcore, 0);
	ASSERT_NULL(spdk_reactor_get(1));
	ASSERT_EQ(reactor(2)->lcore, 2);
	ASSERT_NULL(spdk_reactor_get(3));
	ASSERT_NULL(spdk_reactor_get(4));
	ASSERT_EQ(reactor(5)->lcore, 5);
	ASSERT_NULL(spdk_reactor_get(6));
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * test_init_reactors
 * ------------------------------------------------------------------------- */

TEST(test_init_reactors)
{
	struct spdk_reactor *r[3];

	env_up("0x7", 0);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_UNINITIALIZED);
	ASSERT_EQ(spdk_reactors_init(0), 0);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_INITIALIZED);
	for (uint32_t core = 0; core < 3; core++) {
		r[core] = spdk_reactor_get(core);
		ASSERT_NOT_NULL(r[core]);
		ASSERT_EQ(r[core]->lcore, core);
		ASSERT_EQ(r[core]->thread_count, 0);
	}
	ASSERT_PTR_NE(r[0], r[1]);
	ASSERT_PTR_NE(r[1], r[2]);
	ASSERT_NULL(spdk_reactor_get(3));
	ASSERT_TRUE(alive_summary_says("0 lightweight"));

	spdk_reactors_fini();
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_UNINITIALIZED);
	for (uint32_t core = 0; core < 3; core++) {
		ASSERT_NULL(spdk_reactor_get(core));
	}
	/* The thread library went with them. */
	log_capture_start();
	ASSERT_NULL(spdk_thread_create("late", NULL));
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("not initialised"));
	hand_env_down();
}

TEST(test_init_reactors_twice_is_refused)
{
	struct spdk_reactor *r0;

	reactors_up("0x7", 0);
	r0 = reactor(0);
	log_capture_start();
	ASSERT_EQ(spdk_reactors_init(0), -EALREADY);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("already"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_INITIALIZED);
	ASSERT_PTR_EQ(reactor(0), r0);
	hand_reactors_down();
}

TEST(test_init_reactors_without_env_is_refused)
{
	log_capture_start();
	ASSERT_EQ(spdk_reactors_init(0), -EINVAL);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("not initialised"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_UNINITIALIZED);
	ASSERT_NULL(spdk_reactor_get(0));
	/* Harmless when there is nothing to undo. */
	spdk_reactors_fini();
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_UNINITIALIZED);
}

TEST(test_init_reactors_again_on_another_mask)
{
	reactors_up("0x7", 0);
	spdk_reactors_fini();
	spdk_reactors_fini();	/* twice: harmless */
	hand_env_down();

	reactors_up("0x18", 0);
	ASSERT_NULL(spdk_reactor_get(0));
	ASSERT_NULL(spdk_reactor_get(2));
	ASSERT_EQ(reactor(3)->lcore, 3);
	ASSERT_EQ(reactor(4)->lcore, 4);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * test_event_call
 * ------------------------------------------------------------------------- */

static int g_ev_calls;
static void *g_ev_arg1;
static void *g_ev_arg2;
static struct spdk_thread *g_ev_thread;

static void
record_event(void *arg1, void *arg2)
{
	g_ev_calls++;
	g_ev_arg1 = arg1;
	g_ev_arg2 = arg2;
	g_ev_thread = spdk_get_thread();
}

TEST(test_event_call)
{
	struct spdk_event *ev;
	int a, b;

	reactors_up("0x1", 0);
	ev = spdk_event_allocate(0, record_event, &a, &b);
	ASSERT_NOT_NULL(ev);
	ASSERT_EQ(pw__events_outstanding(), 1);
	/* Allocation alone queues nothing. */
	ASSERT_FALSE(pw__event_queue_pending(reactor(0)));

	spdk_event_call(ev);
	ASSERT_TRUE(pw__event_queue_pending(reactor(0)));
	ASSERT_EQ(g_ev_calls, 0);

	ASSERT_EQ(run_batch(0), 1);
	ASSERT_EQ(g_ev_calls, 1);
	ASSERT_PTR_EQ(g_ev_arg1, &a);
	ASSERT_PTR_EQ(g_ev_arg2, &b);
	ASSERT_NULL(g_ev_thread);
	ASSERT_FALSE(pw__event_queue_pending(reactor(0)));

	/* Exactly once. */
	ASSERT_EQ(run_batch(0), 0);
	ASSERT_EQ(g_ev_calls, 1);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * test_schedule_thread
 * ------------------------------------------------------------------------- */

/* Runs one batch on every core; returns the sum and stores each count. */
static uint32_t
run_all_batches(uint32_t ncores, uint32_t *counts)
{
	uint32_t sum = 0;

	for (uint32_t core = 0; core < ncores; core++) {
		counts[core] = run_events(core);
		sum += counts[core];
	}
	return sum;
}

typedef uint32_t (*batch_fn)(uint32_t core);

static void
schedule_thread_case(batch_fn batch)
{
	struct spdk_cpuset set = mask_of(3);
	struct spdk_thread *t;
	struct spdk_lw_thread *lw;
	struct spdk_reactor *r3;

	reactors_up("0x1f", 0);
	pw__env_set_current_core(3);
	pw__reactors_set_next_core(4);

	t = spdk_thread_create("placed", &set);
	ASSERT_NOT_NULL(t);
	lw = spdk_thread_get_ctx(t);
	ASSERT_NOT_NULL(lw);
	/* Nothing is placed until core 3 runs its events. */
	r3 = reactor(3);
	ASSERT_TRUE(TAILQ_EMPTY(&r3->threads));
	for (uint32_t core = 0; core < 5; core++) {
		ASSERT_EQ(pw__event_queue_pending(reactor(core)), core == 3);
	}

	ASSERT_EQ(batch(3), 1);
	ASSERT_PTR_EQ(TAILQ_FIRST(&r3->threads), lw);
	ASSERT_PTR_EQ(spdk_thread_get_from_ctx(TAILQ_FIRST(&r3->threads)), t);
	ASSERT_EQ(r3->thread_count, 1);
	ASSERT_EQ(lw->lcore, 3);
	for (uint32_t core = 0; core < 5; core++) {
		ASSERT_EQ(batch(core), 0);
		ASSERT_EQ(reactor(core)->thread_count, core == 3 ? 1 : 0);
	}
	ASSERT_TRUE(alive_summary_says("1 lightweight"));

	exit_on_reactor(t, 3);
	ASSERT_TRUE(alive_summary_says("0 lightweight"));
	hand_reactors_down();
}

/* Regression (fixed in 26f51a6): the placement event used to find its reactor
 * through state that only pw__reactor_run_once() set, so run by
 * pw__event_queue_run_batch() alone it dereferenced NULL (SIGSEGV). */
TEST(test_schedule_thread)
{
	schedule_thread_case(run_batch);
}

TEST(test_schedule_thread_via_reactor_iteration)
{
	schedule_thread_case(run_events);
}

/* With no cpumask restriction the cursor walks the cores in order, wrapping. */
TEST(test_schedule_thread_round_robin)
{
	static const uint32_t expect[] = { 4, 0, 1, 2, 3, 4, 0 };
	struct spdk_thread *t[SPDK_COUNTOF(expect)];
	uint32_t counts[5];

	reactors_up("0x1f", 0);
	pw__env_set_current_core(0);
	pw__reactors_set_next_core(4);
	for (size_t i = 0; i < SPDK_COUNTOF(expect); i++) {
		t[i] = spdk_thread_create(NULL, NULL);
		ASSERT_NOT_NULL(t[i]);
		ASSERT_EQ(run_all_batches(5, counts), 1);
		ASSERT_EQ(counts[expect[i]], 1);
		ASSERT_TRUE(hand_holds(reactor(expect[i]), t[i]));
		ASSERT_EQ(((struct spdk_lw_thread *)spdk_thread_get_ctx(t[i]))->lcore, expect[i]);
	}
	ASSERT_EQ(reactor(4)->thread_count, 2);
	ASSERT_EQ(reactor(0)->thread_count, 2);
	ASSERT_EQ(reactor(1)->thread_count, 1);
	/* Appended in arrival order. */
	ASSERT_PTR_EQ(spdk_thread_get_from_ctx(TAILQ_FIRST(&reactor(4)->threads)), t[0]);
	ASSERT_PTR_EQ(spdk_thread_get_from_ctx(TAILQ_NEXT(TAILQ_FIRST(&reactor(4)->threads), link)),
		      t[5]);
	for (size_t i = 0; i < SPDK_COUNTOF(expect); i++) {
		exit_on_reactor(t[i], expect[i]);
	}
	hand_reactors_down();
}

/* A mask of two cores: the first of them at or after the cursor. */
TEST(test_schedule_thread_mask_picks_from_cursor)
{
	struct spdk_cpuset set;
	struct spdk_thread *a, *b, *c;
	uint32_t counts[5];

	reactors_up("0x1f", 0);
	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, 1, true);
	spdk_cpuset_set_cpu(&set, 3, true);

	pw__reactors_set_next_core(2);
	a = spdk_thread_create("a", &set);		/* 2 no, 3 yes */
	ASSERT_EQ(run_all_batches(5, counts), 1);
	ASSERT_TRUE(hand_holds(reactor(3), a));
	b = spdk_thread_create("b", &set);		/* cursor at 4: 4, 0 no, 1 yes */
	ASSERT_EQ(run_all_batches(5, counts), 1);
	ASSERT_TRUE(hand_holds(reactor(1), b));
	c = spdk_thread_create("c", NULL);		/* cursor at 2 */
	ASSERT_EQ(run_all_batches(5, counts), 1);
	ASSERT_TRUE(hand_holds(reactor(2), c));

	exit_on_reactor(a, 3);
	exit_on_reactor(b, 1);
	exit_on_reactor(c, 2);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * test_reschedule_thread
 * ------------------------------------------------------------------------- */

/* Thread on core 1 of three, placed with cursor 0 and mask {1}. */
static struct spdk_thread *
thread_on_core1(batch_fn batch)
{
	struct spdk_cpuset set = mask_of(1);
	struct spdk_thread *t;

	pw__reactors_set_next_core(0);
	pw__env_set_current_core(1);
	t = spdk_thread_create("mover", &set);
	ASSERT_NOT_NULL(t);
	ASSERT_EQ(batch(1), 1);
	ASSERT_PTR_EQ(TAILQ_FIRST(&reactor(1)->threads), spdk_thread_get_ctx(t));
	return t;
}

/* After the move: core 1 empty, core 0 got no event, core 2 got exactly one
 * and holds the thread. */
static void
check_moved_from_1_to_2(struct spdk_thread *t, batch_fn batch)
{
	struct spdk_lw_thread *lw = spdk_thread_get_ctx(t);

	ASSERT_FALSE(lw->resched);
	ASSERT_TRUE(TAILQ_EMPTY(&reactor(1)->threads));
	ASSERT_EQ(reactor(1)->thread_count, 0);
	ASSERT_EQ(batch(0), 0);
	ASSERT_TRUE(TAILQ_EMPTY(&reactor(0)->threads));
	ASSERT_EQ(batch(2), 1);
	ASSERT_PTR_EQ(TAILQ_FIRST(&reactor(2)->threads), lw);
	ASSERT_EQ(reactor(2)->thread_count, 1);
	ASSERT_EQ(lw->lcore, 2);
	ASSERT_EQ(batch(2), 0);
	ASSERT_EQ(batch(1), 0);
	ASSERT_TRUE(spdk_cpuset_get_cpu(spdk_thread_get_cpumask(t), 2));
	ASSERT_EQ(spdk_cpuset_count(spdk_thread_get_cpumask(t)), 1);
}

static void
reschedule_thread_case(batch_fn batch)
{
	struct spdk_cpuset set;
	struct spdk_thread *t;
	struct spdk_lw_thread *lw;

	reactors_up("0x7", 0);
	t = thread_on_core1(batch);
	lw = spdk_thread_get_ctx(t);

	spdk_set_thread(t);
	set = mask_of(0);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	set = mask_of(2);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	spdk_set_thread(NULL);
	ASSERT_TRUE(lw->resched);
	/* Nothing moves before the reactor's next iteration. */
	ASSERT_TRUE(hand_holds(reactor(1), t));
	ASSERT_FALSE(pw__event_queue_pending(reactor(0)));
	ASSERT_FALSE(pw__event_queue_pending(reactor(2)));

	ASSERT_NE(pw__reactors_state(), SPDK_REACTOR_STATE_RUNNING);
	run_once(1);
	check_moved_from_1_to_2(t, batch);

	exit_on_reactor(t, 2);
	hand_reactors_down();
}

/* Same regression as test_schedule_thread, for the event that moves a thread. */
TEST(test_reschedule_thread)
{
	reschedule_thread_case(run_batch);
}

TEST(test_reschedule_thread_via_reactor_iteration)
{
	reschedule_thread_case(run_events);
}

static int g_dummy_msgs;

static void
dummy_msg(void *ctx)
{
	g_dummy_msgs++;
}

/* The same two calls made from a message running in the thread's slice: the
 * thread finishes that slice on core 1 and moves only after it. */
static int g_in_slice_core = -1;
static bool g_in_slice_resched;

static void
set_mask_twice_msg(void *ctx)
{
	struct spdk_thread *t = ctx;
	struct spdk_cpuset set;

	ASSERT_PTR_EQ(spdk_get_thread(), t);
	set = mask_of(0);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	set = mask_of(2);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	g_in_slice_resched = ((struct spdk_lw_thread *)spdk_thread_get_ctx(t))->resched;
	g_in_slice_core = hand_holds(reactor(1), t) ? 1 : -1;
}

TEST(test_reschedule_thread_from_inside_its_slice)
{
	struct spdk_thread *t;

	reactors_up("0x7", 0);
	t = thread_on_core1(run_events);
	ASSERT_EQ(spdk_thread_send_msg(t, set_mask_twice_msg, t), 0);
	run_once(1);
	ASSERT_TRUE(g_in_slice_resched);
	ASSERT_EQ(g_in_slice_core, 1);
	check_moved_from_1_to_2(t, run_events);

	/* On core 2 it runs its slices as before. */
	g_in_slice_core = -1;
	ASSERT_EQ(spdk_thread_send_msg(t, dummy_msg, NULL), 0);
	run_once(2);
	ASSERT_EQ(g_dummy_msgs, 1);
	exit_on_reactor(t, 2);
	hand_reactors_down();
}

/* A bound thread is not moved; as in SPDK (reactor_post_process_lw_thread()
 * moves only when "resched && !bound"), the request is kept and carried out
 * at the first iteration after spdk_thread_bind(t, false).
 * Regression (fixed in 26f51a6): the request used to be dropped, leaving the
 * thread on core 1 for good with lw_thread->lcore SPDK_ENV_LCORE_ID_ANY. */
TEST(test_reschedule_bound_thread_waits_for_unbind)
{
	struct spdk_cpuset set = mask_of(2);
	struct spdk_thread *t;
	struct spdk_lw_thread *lw;

	reactors_up("0x7", 0);
	t = thread_on_core1(run_events);
	lw = spdk_thread_get_ctx(t);
	spdk_set_thread(t);
	spdk_thread_bind(t, true);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	spdk_set_thread(NULL);

	run_once(1);
	ASSERT_TRUE(hand_holds(reactor(1), t));
	ASSERT_EQ(reactor(1)->thread_count, 1);
	ASSERT_EQ(run_events(0), 0);
	ASSERT_EQ(run_events(2), 0);
	ASSERT_TRUE(lw->resched);

	spdk_set_thread(t);
	spdk_thread_bind(t, false);
	spdk_set_thread(NULL);
	run_once(1);
	check_moved_from_1_to_2(t, run_events);
	exit_on_reactor(t, 2);
	hand_reactors_down();
}

/* A thread that asks to move and exits in the same slice is destroyed once,
 * wherever that happens, and never lost. */
static void
move_and_exit_msg(void *ctx)
{
	struct spdk_cpuset set = mask_of(2);

	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

TEST(test_reschedule_and_exit_in_one_slice)
{
	struct spdk_thread *t;

	reactors_up("0x7", 0);
	t = thread_on_core1(run_events);
	ASSERT_EQ(spdk_thread_send_msg(t, move_and_exit_msg, NULL), 0);
	run_once(1);
	ASSERT_TRUE(TAILQ_EMPTY(&reactor(1)->threads));
	run_once(2);
	run_once(2);
	for (uint32_t core = 0; core < 3; core++) {
		ASSERT_TRUE(TAILQ_EMPTY(&reactor(core)->threads));
		ASSERT_EQ(reactor(core)->thread_count, 0);
		ASSERT_FALSE(pw__event_queue_pending(reactor(core)));
	}
	ASSERT_TRUE(alive_summary_says("0 lightweight"));
	hand_reactors_down();
}

/* With the event pool exhausted, placement fails cleanly: a new thread is
 * refused (NULL, logged), a moving thread stays where it is. */
static uint64_t g_fill_runs;

static void
fill_event(void *arg1, void *arg2)
{
	g_fill_runs++;
}

static uint64_t
fill_event_pool(uint32_t core)
{
	struct spdk_event *ev;
	uint64_t n = 0;

	log_capture_start();
	while ((ev = spdk_event_allocate(core, fill_event, NULL, NULL)) != NULL) {
		spdk_event_call(ev);
		n++;
	}
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("exhausted"));
	return n;
}

static void
drain_core(uint32_t core)
{
	while (pw__event_queue_run_batch(reactor(core)) > 0) {
	}
}

TEST_TIMEOUT(test_schedule_thread_with_event_pool_exhausted, 60)
{
	struct spdk_thread *t;
	uint64_t n;

	reactors_up("0x3", 0);
	pw__env_set_current_core(0);
	n = fill_event_pool(0);
	log_capture_start();
	t = spdk_thread_create("unplaceable", NULL);
	log_capture_stop();
	ASSERT_NULL(t);
	ASSERT_TRUE(log_capture_contains("cannot place thread unplaceable"));
	ASSERT_EQ(spdk_thread_get_count(), 0);
	ASSERT_TRUE(alive_summary_says("0 lightweight"));
	ASSERT_FALSE(pw__event_queue_pending(reactor(1)));
	drain_core(0);
	ASSERT_EQ(g_fill_runs, n);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

TEST_TIMEOUT(test_reschedule_thread_with_event_pool_exhausted, 60)
{
	struct spdk_cpuset set = mask_of(2);
	struct spdk_thread *t;
	struct spdk_lw_thread *lw;
	uint64_t n;

	reactors_up("0x7", 0);
	t = thread_on_core1(run_events);
	lw = spdk_thread_get_ctx(t);
	n = fill_event_pool(0);
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
	spdk_set_thread(NULL);
	log_capture_start();
	run_once(1);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("cannot place thread mover"));
	/* Kept on core 1, consistent. */
	ASSERT_TRUE(hand_holds(reactor(1), t));
	ASSERT_EQ(reactor(1)->thread_count, 1);
	ASSERT_EQ(lw->lcore, 1);
	ASSERT_FALSE(lw->resched);
	ASSERT_FALSE(pw__event_queue_pending(reactor(2)));
	drain_core(0);
	ASSERT_EQ(g_fill_runs, n);
	/* It still runs on core 1 and can exit. */
	g_dummy_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, dummy_msg, NULL), 0);
	run_once(1);
	ASSERT_EQ(g_dummy_msgs, 1);
	exit_on_reactor(t, 1);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * spdk_reactors_start / spdk_reactors_stop misuse
 * ------------------------------------------------------------------------- */

TEST(test_reactors_start_without_reactors_is_refused)
{
	log_capture_start();
	spdk_reactors_start();
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("main core"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_UNINITIALIZED);
}

static void *
start_reactors_main(void *arg)
{
	spdk_reactors_start();
	return NULL;
}

TEST(test_reactors_start_from_foreign_pthread_is_refused)
{
	pthread_t th;

	reactors_up("0x1", 0);
	log_capture_start();
	ASSERT_EQ(pthread_create(&th, NULL, start_reactors_main, NULL), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("main core"));
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_INITIALIZED);
	hand_reactors_down();
}

TEST(test_reactors_stop_when_not_running_changes_nothing)
{
	spdk_reactors_stop(NULL);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_UNINITIALIZED);
	reactors_up("0x1", 0);
	spdk_reactors_stop(NULL);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_INITIALIZED);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * test_for_each_reactor
 * ------------------------------------------------------------------------- */

struct walk {
	uint32_t	count;
	bool		done;
	uint32_t	order[8];
	uint32_t	done_core;
};

static void
walk_fn(void *arg1, void *arg2)
{
	struct walk *w = arg1;

	ASSERT_PTR_EQ(arg2, &w->done);
	ASSERT_FALSE(w->done);
	ASSERT_NULL(spdk_get_thread());
	ASSERT_LT(w->count, SPDK_COUNTOF(w->order));
	w->order[w->count++] = spdk_env_get_current_core();
}

static void
walk_done(void *arg1, void *arg2)
{
	struct walk *w = arg1;

	ASSERT_PTR_EQ(arg2, &w->done);
	w->count++;
	w->done = true;
	w->done_core = spdk_env_get_current_core();
}

TEST(test_for_each_reactor)
{
	struct walk w = { 0 };

	reactors_up("0x1f", 0);
	pw__env_set_current_core(0);
	spdk_for_each_reactor(walk_fn, &w, &w.done, walk_done);
	ASSERT_EQ(w.count, 0);

	for (uint32_t core = 0; core < 5; core++) {
		/* Cores further on have nothing yet. */
		for (uint32_t later = core + 1; later < 5; later++) {
			ASSERT_EQ(run_batch(later), 0);
		}
		ASSERT_EQ(run_batch(core), 1);
		ASSERT_EQ(w.count, core + 1);
		ASSERT_EQ(w.order[core], core);
		ASSERT_FALSE(w.done);
	}
	/* The completion, on the origin core, after the last core. */
	for (uint32_t core = 1; core < 5; core++) {
		ASSERT_EQ(run_batch(core), 0);
	}
	ASSERT_FALSE(w.done);
	ASSERT_EQ(run_batch(0), 1);
	ASSERT_EQ(w.count, 6);
	ASSERT_TRUE(w.done);
	ASSERT_EQ(w.done_core, 0);
	for (uint32_t core = 0; core < 5; core++) {
		ASSERT_EQ(run_batch(core), 0);
	}
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

/* Started from core 2 of a sparse mask: visits 0, 2, 4, completes on 2. */
TEST(test_for_each_reactor_completes_on_origin)
{
	struct walk w = { 0 };

	reactors_up("0x15", 0);
	pw__env_set_current_core(2);
	spdk_for_each_reactor(walk_fn, &w, &w.done, walk_done);
	ASSERT_EQ(run_batch(0), 1);
	ASSERT_EQ(run_batch(2), 1);
	ASSERT_EQ(run_batch(4), 1);
	ASSERT_EQ(w.count, 3);
	ASSERT_EQ(w.order[0], 0);
	ASSERT_EQ(w.order[1], 2);
	ASSERT_EQ(w.order[2], 4);
	ASSERT_FALSE(w.done);
	ASSERT_EQ(run_batch(0), 0);
	ASSERT_EQ(run_batch(4), 0);
	ASSERT_EQ(run_batch(2), 1);
	ASSERT_TRUE(w.done);
	ASSERT_EQ(w.done_core, 2);
	ASSERT_EQ(w.count, 4);
	hand_reactors_down();
}

TEST(test_for_each_reactor_misuse)
{
	struct walk w = { 0 };

	reactors_up("0x3", 0);
	log_capture_start();
	spdk_for_each_reactor(NULL, &w, &w.done, walk_done);
	spdk_for_each_reactor(walk_fn, &w, &w.done, NULL);
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("NULL fn"));
	ASSERT_TRUE(log_capture_contains("NULL cpl"));
	ASSERT_EQ(run_batch(0), 0);
	ASSERT_EQ(run_batch(1), 0);
	ASSERT_EQ(w.count, 0);
	ASSERT_EQ(pw__events_outstanding(), 0);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * test_reactor_stats
 * ------------------------------------------------------------------------- */

static int
busy_for(void *ctx)
{
	spdk_delay_us((unsigned int)(uintptr_t)ctx);
	return SPDK_POLLER_BUSY;
}

static int
idle_for(void *ctx)
{
	spdk_delay_us((unsigned int)(uintptr_t)ctx);
	return SPDK_POLLER_IDLE;
}

static void
check_thread(struct spdk_thread *t, uint64_t last, uint64_t busy, uint64_t idle)
{
	struct spdk_thread_stats st;

	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_get_stats(&st), 0);
	spdk_set_thread(NULL);
	ASSERT_EQ(spdk_thread_get_last_tsc(t), last);
	ASSERT_EQ(st.busy_tsc, busy);
	ASSERT_EQ(st.idle_tsc, idle);
}

static struct spdk_poller *
poller_on(struct spdk_thread *t, spdk_poller_fn fn, uint64_t ticks)
{
	struct spdk_poller *p;

	spdk_set_thread(t);
	p = spdk_poller_register(fn, (void *)(uintptr_t)ticks, 0);
	spdk_set_thread(NULL);
	ASSERT_NOT_NULL(p);
	return p;
}

static void
unregister_on(struct spdk_thread *t, struct spdk_poller **p)
{
	spdk_set_thread(t);
	spdk_poller_unregister(p);
	spdk_set_thread(NULL);
	ASSERT_NULL(*p);
}

TEST(test_reactor_stats)
{
	struct spdk_cpuset set = mask_of(0);
	struct spdk_thread *t1, *t2, *t3;
	struct spdk_poller *p1, *p2;
	struct spdk_reactor *r;

	reactors_up("0x1", 100);
	r = reactor(0);
	ASSERT_EQ(r->tsc_last, 100);
	pw__env_set_current_core(0);

	t1 = spdk_thread_create("t1", &set);
	t2 = spdk_thread_create("t2", &set);
	ASSERT_NOT_NULL(t1);
	ASSERT_NOT_NULL(t2);
	p1 = poller_on(t1, busy_for, 100);
	p2 = poller_on(t2, idle_for, 300);

	/* Both arrive, then t1 is busy 100 ticks and t2 idle 300. */
	run_once(0);
	ASSERT_EQ(r->thread_count, 2);
	check_thread(t1, 200, 100, 0);
	check_thread(t2, 500, 0, 300);
	ASSERT_EQ(r->busy_tsc, 100);
	ASSERT_EQ(r->idle_tsc, 300);
	ASSERT_EQ(r->tsc_last, 500);

	/* Swap: t1 idle 200, t2 busy 400. */
	unregister_on(t1, &p1);
	unregister_on(t2, &p2);
	p1 = poller_on(t1, idle_for, 200);
	p2 = poller_on(t2, busy_for, 400);
	run_once(0);
	check_thread(t1, 700, 100, 200);
	check_thread(t2, 1100, 400, 300);
	ASSERT_EQ(r->busy_tsc, 500);
	ASSERT_EQ(r->idle_tsc, 500);
	ASSERT_EQ(r->tsc_last, 1100);

	/* Both exit and are removed; no time passes. */
	unregister_on(t1, &p1);
	unregister_on(t2, &p2);
	spdk_set_thread(t1);
	ASSERT_EQ(spdk_thread_exit(t1), 0);
	spdk_set_thread(t2);
	ASSERT_EQ(spdk_thread_exit(t2), 0);
	spdk_set_thread(NULL);
	run_once(0);
	ASSERT_TRUE(TAILQ_EMPTY(&r->threads));
	ASSERT_EQ(r->thread_count, 0);
	ASSERT_TRUE(alive_summary_says("0 lightweight"));
	ASSERT_EQ(r->busy_tsc, 500);
	ASSERT_EQ(r->idle_tsc, 500);
	ASSERT_EQ(r->tsc_last, 1100);

	/* 900 ticks with no thread: idle. */
	pw__ticks_mock_set(2000);
	run_once(0);
	ASSERT_EQ(r->busy_tsc, 500);
	ASSERT_EQ(r->idle_tsc, 1400);
	ASSERT_EQ(r->tsc_last, 2000);

	/* A thread created at 2000 accrues from 2000. */
	t3 = spdk_thread_create("t3", &set);
	ASSERT_NOT_NULL(t3);
	p1 = poller_on(t3, busy_for, 100);
	run_once(0);
	check_thread(t3, 2100, 100, 0);
	ASSERT_EQ(r->busy_tsc, 600);
	ASSERT_EQ(r->idle_tsc, 1400);
	ASSERT_EQ(r->tsc_last, 2100);

	unregister_on(t3, &p1);
	exit_on_reactor(t3, 0);
	ASSERT_TRUE(TAILQ_EMPTY(&r->threads));
	ASSERT_EQ(r->tsc_last, 2100);
	ASSERT_EQ(r->busy_tsc + r->idle_tsc, 2100 - 100);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * test_mixed_workload
 * ------------------------------------------------------------------------- */

#define PERIOD		1000
#define BUSY_SPAN	200
#define BUSY_COST	10
#define IDLE_COST	1
#define START_TICK	5000

static uint32_t g_busy_calls;
static uint32_t g_idle_calls;

/* Busy (10 ticks) during the first 200 ticks of every 1000, idle (1 tick) after. */
static int
mixed_poller(void *ctx)
{
	uint64_t phase = (spdk_get_ticks() - START_TICK) % PERIOD;

	if (phase < BUSY_SPAN) {
		g_busy_calls++;
		spdk_delay_us(BUSY_COST);
		return SPDK_POLLER_BUSY;
	}
	g_idle_calls++;
	spdk_delay_us(IDLE_COST);
	return SPDK_POLLER_IDLE;
}

TEST(test_mixed_workload)
{
	struct spdk_cpuset set = mask_of(0);
	struct spdk_thread *t;
	struct spdk_poller *p;
	const uint32_t polls = BUSY_SPAN / BUSY_COST + (PERIOD - BUSY_SPAN) / IDLE_COST;

	reactors_up("0x1", START_TICK);
	t = spdk_thread_create("mixed", &set);
	ASSERT_NOT_NULL(t);
	ASSERT_EQ(run_events(0), 1);
	p = poller_on(t, mixed_poller, 0);

	for (uint64_t period = 1; period <= 4; period++) {
		uint32_t busy = 0, idle = 0;

		for (uint32_t i = 0; i < polls; i++) {
			int rc = spdk_thread_poll(t, 0, 0);

			if (rc == SPDK_POLLER_BUSY) {
				busy++;
			} else if (rc == SPDK_POLLER_IDLE) {
				idle++;
			} else {
				FAIL("spdk_thread_poll returned %d", rc);
			}
		}
		ASSERT_EQ(busy, BUSY_SPAN / BUSY_COST);
		ASSERT_EQ(idle, PERIOD - BUSY_SPAN);
		ASSERT_EQ(spdk_thread_get_last_tsc(t), START_TICK + period * PERIOD);
		check_thread(t, START_TICK + period * PERIOD, period * BUSY_SPAN,
			     period * (PERIOD - BUSY_SPAN));
	}
	unregister_on(t, &p);
	/* The reactor saw none of it: its clock starts where it was left. */
	reactor(0)->tsc_last = spdk_get_ticks();
	exit_on_reactor(t, 0);
	hand_reactors_down();
}

/* The same workload driven by the reactor: its busy/idle split is exact too. */
TEST(test_mixed_workload_on_reactor)
{
	struct spdk_cpuset set = mask_of(0);
	struct spdk_thread *t;
	struct spdk_poller *p;
	struct spdk_reactor *r;
	const uint32_t polls = BUSY_SPAN / BUSY_COST + (PERIOD - BUSY_SPAN) / IDLE_COST;

	reactors_up("0x1", START_TICK);
	r = reactor(0);
	t = spdk_thread_create("mixed", &set);
	ASSERT_NOT_NULL(t);
	p = poller_on(t, mixed_poller, 0);

	for (uint64_t period = 1; period <= 3; period++) {
		g_busy_calls = g_idle_calls = 0;
		for (uint32_t i = 0; i < polls; i++) {
			run_once(0);
		}
		ASSERT_EQ(g_busy_calls, BUSY_SPAN / BUSY_COST);
		ASSERT_EQ(g_idle_calls, PERIOD - BUSY_SPAN);
		ASSERT_EQ(r->tsc_last, START_TICK + period * PERIOD);
		ASSERT_EQ(r->busy_tsc, period * BUSY_SPAN);
		ASSERT_EQ(r->idle_tsc, period * (PERIOD - BUSY_SPAN));
		check_thread(t, START_TICK + period * PERIOD, period * BUSY_SPAN,
			     period * (PERIOD - BUSY_SPAN));
	}
	unregister_on(t, &p);
	exit_on_reactor(t, 0);
	hand_reactors_down();
}

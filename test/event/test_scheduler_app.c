/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Scheduling rounds on real reactors (spdk_app_start() on cores 0 and 1,
 * reactors that sleep when idle): no round without a period, rounds once a
 * period is set (the scheduling reactor wakes for them from its sleep),
 * none again after the period goes back to 0; a stop asked for while
 * balance() runs waits for the round's end; thread_set_cpumask keeps working
 * while a scheduler moves threads; a scheduler replaced from the app thread
 * while its balance() runs on core 1 is deinitialised only after it returns.
 *
 * The test's scheduler "ut_swap" moves every thread that may run on both
 * cores to the other core, every round; its balance() can be made to wait
 * until the test lets it go.
 */

#include "harness.h"
#include "ut_reactor.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/scheduler.h"
#include "spdk/thread.h"

#include "event/event_internal.h"

#include <stdatomic.h>

#define WAIT_MS		20000	/* upper bound of any wait (never reached when it works) */

/* ---- the test scheduler --------------------------------------------------- */

static _Atomic uint64_t g_balances;
static _Atomic bool g_hold;		/* balance() waits while set */
static _Atomic bool g_in_balance;
static _Atomic bool g_swap = true;

static void
swap_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	atomic_store(&g_in_balance, true);
	while (atomic_load(&g_hold)) {
		pause_us(100);
	}
	atomic_store(&g_in_balance, false);
	atomic_fetch_add(&g_balances, 1);
	if (!atomic_load(&g_swap) || count < 2) {
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		for (uint32_t j = 0; j < cores[i].threads_count; j++) {
			cores[i].thread_infos[j].lcore = i == 0 ? 1 : 0;
		}
	}
}

static struct spdk_scheduler g_swap_sched = {
	.name = "ut_swap",
	.balance = swap_balance,
};
SPDK_SCHEDULER_REGISTER(g_swap_sched);

/* ---- the application ------------------------------------------------------ */

static void (*g_scenario)(void);
static pthread_t g_driver;
static _Atomic bool g_stop_by_scenario;

static void *
driver_main(void *arg)
{
	g_scenario();
	if (!atomic_load(&g_stop_by_scenario)) {
		spdk_app_stop(0);
	}
	return arg;
}

static void
start_fn(void *ctx)
{
	ASSERT_EQ(pthread_create(&g_driver, NULL, driver_main, NULL), 0);
}

static void
run_app(void (*scenario)(void))
{
	struct spdk_app_opts opts;

	need_two_cores();
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "test_scheduler_app";
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x3";
	opts.print_level = SPDK_LOG_WARN;
	g_scenario = scenario;
	atomic_store(&g_stop_by_scenario, false);
	atomic_store(&g_balances, 0);
	ASSERT_EQ(spdk_app_start(&opts, start_fn, NULL), 0);
	ASSERT_EQ(pthread_join(g_driver, NULL), 0);
	spdk_app_fini();
}

static void
wait_balances(uint64_t n)
{
	for (unsigned i = 0; atomic_load(&g_balances) < n; i++) {
		if (i == WAIT_MS * 10) {
			FAIL("only %" PRIu64 " rounds of %" PRIu64 " came", atomic_load(&g_balances), n);
		}
		pause_us(100);
	}
}

static void
wait_no_round(void)
{
	for (unsigned i = 0; pw__reactors_round_in_progress(); i++) {
		if (i == WAIT_MS * 10) {
			FAIL("the round never ended");
		}
		pause_us(100);
	}
}

static void
set_scheduler_msg(void *ctx)
{
	ASSERT_EQ(spdk_scheduler_set(ctx), 0);
}

/* Select a scheduler on the app thread (the main core: the scheduling one). */
static void
select_scheduler(const char *name)
{
	call_on(spdk_thread_get_app_thread(), set_scheduler_msg, (void *)name);
}

/* ---- no rounds without a period, rounds with one ---------------------------- */

static void
scenario_period(void)
{
	uint64_t n;

	atomic_store(&g_swap, false);
	select_scheduler("ut_swap");
	/* Period 0 (the default): no round, however long we wait. */
	ASSERT_EQ(spdk_scheduler_get_period(), 0);
	pause_us(30000);
	ASSERT_EQ(atomic_load(&g_balances), 0);

	/* A period: rounds come, although the reactors sleep between them. */
	spdk_scheduler_set_period(2000);
	wait_balances(5);

	/* Back to 0: the round under way ends, and no other starts. */
	spdk_scheduler_set_period(0);
	wait_no_round();
	n = atomic_load(&g_balances);
	pause_us(30000);
	ASSERT_EQ(atomic_load(&g_balances), n);
	select_scheduler("static");
}

TEST(test_rounds_only_while_a_period_is_set)
{
	run_app(scenario_period);
}

/* ---- a stop during a round waits for its end ------------------------------ */

static void
scenario_stop_in_round(void)
{
	atomic_store(&g_swap, true);
	atomic_store(&g_hold, true);
	select_scheduler("ut_swap");
	/* Rounds on core 1, so that the app thread (core 0) takes the stop. */
	ASSERT_TRUE(spdk_scheduler_set_scheduling_lcore(1));
	spdk_scheduler_set_period(1000);
	for (unsigned i = 0; !atomic_load(&g_in_balance); i++) {
		if (i == WAIT_MS * 10) {
			FAIL("balance() never ran");
		}
		pause_us(100);
	}
	/* balance() is held: the stop must wait for the round. (The app
	 * thread's scheduler subsystem fini, which unsets the scheduler, waits
	 * for balance() to return: the reactors' stop, deferred while a round
	 * runs, is tested on the simulator in test_scheduler.) */
	atomic_store(&g_stop_by_scenario, true);
	spdk_app_stop(0);
	pause_us(50000);
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_RUNNING);
	ASSERT_EQ(pw__scheduler_rounds_done(), 0);
	atomic_store(&g_hold, false);
}

TEST(test_stop_while_balance_runs_waits_for_the_round)
{
	run_app(scenario_stop_in_round);
	/* The round ended (its moves were handed out) before the reactors
	 * stopped, and no other round started after it. */
	ASSERT_EQ(atomic_load(&g_balances), 1);
	ASSERT_EQ(pw__scheduler_rounds_done(), 1);
}

/* ---- thread_set_cpumask while threads are moved ------------------------------ */

static _Atomic uint32_t g_core_seen;

static void
where_msg(void *ctx)
{
	atomic_store(&g_core_seen, spdk_env_get_current_core());
}

static void
set_mask_msg(void *ctx)
{
	struct spdk_cpuset mask;

	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, (uint32_t)(uintptr_t)ctx, true);
	ASSERT_EQ(spdk_thread_set_cpumask(&mask), 0);
}

static void
create_msg(void *ctx)
{
	struct spdk_thread **t = ctx;

	*t = spdk_thread_create("roamer", NULL);
	ASSERT_NOT_NULL(*t);
}

static void
exit_msg(void *ctx)
{
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void
scenario_set_cpumask(void)
{
	struct spdk_thread *t = NULL;
	uint32_t seen[2] = { 0, 0 };

	atomic_store(&g_swap, true);
	call_on(spdk_thread_get_app_thread(), create_msg, &t);
	select_scheduler("ut_swap");
	spdk_scheduler_set_period(1000);
	/* The rounds move it between both cores. */
	for (unsigned i = 0; seen[0] == 0 || seen[1] == 0; i++) {
		if (i == WAIT_MS) {
			FAIL("the thread never moved (seen on 0: %u, on 1: %u)", seen[0], seen[1]);
		}
		call_on(t, where_msg, NULL);
		seen[atomic_load(&g_core_seen)]++;
		pause_us(1000);
	}
	/* Pinned by its cpumask: it goes to core 1 and no round moves it. */
	call_on(t, set_mask_msg, (void *)(uintptr_t)1);
	wait_balances(atomic_load(&g_balances) + 2);
	for (int i = 0; i < 20; i++) {
		call_on(t, where_msg, NULL);
		if (i >= 2) {
			/* Two rounds after the request it has long moved. */
			ASSERT_EQ(atomic_load(&g_core_seen), 1);
		}
		wait_balances(atomic_load(&g_balances) + 1);
	}
	spdk_scheduler_set_period(0);
	wait_no_round();
	call_on(t, exit_msg, NULL);
	select_scheduler("static");
}

TEST(test_thread_set_cpumask_works_while_rounds_move_threads)
{
	run_app(scenario_set_cpumask);
}

/* ---- a scheduler replaced from the app thread while its balance() runs ------ */

/* "ut_owned" owns state from init() to deinit(), which its balance() uses;
 * the rounds run on core 1 while the app thread (core 0) selects another
 * scheduler, as framework_set_scheduler does after scheduler_set_options
 * moved the scheduling core. */
static _Atomic bool g_owned_in_balance;
static _Atomic int g_owned_deinit_during_balance;
static _Atomic int g_owned_state;	/* 1 between init() and deinit() */
static _Atomic int g_owned_balance_without_state;
static _Atomic bool g_owned_hold;
static _Atomic bool g_set_done;

static int
owned_init(void)
{
	atomic_store(&g_owned_state, 1);
	return 0;
}

static void
owned_deinit(void)
{
	if (atomic_load(&g_owned_in_balance)) {
		atomic_fetch_add(&g_owned_deinit_during_balance, 1);
	}
	atomic_store(&g_owned_state, 0);
}

static void
owned_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	if (atomic_load(&g_owned_state) != 1) {
		atomic_fetch_add(&g_owned_balance_without_state, 1);
	}
	atomic_store(&g_owned_in_balance, true);
	while (atomic_load(&g_owned_hold)) {
		pause_us(100);
	}
	if (atomic_load(&g_owned_state) != 1) {
		atomic_fetch_add(&g_owned_balance_without_state, 1);
	}
	atomic_store(&g_owned_in_balance, false);
	atomic_fetch_add(&g_balances, 1);
}

static struct spdk_scheduler g_owned_sched = {
	.name = "ut_owned",
	.init = owned_init,
	.deinit = owned_deinit,
	.balance = owned_balance,
};
SPDK_SCHEDULER_REGISTER(g_owned_sched);

static void
set_static_async_msg(void *ctx)
{
	ASSERT_EQ(spdk_scheduler_set("static"), 0);
	atomic_store(&g_set_done, true);
}

static void
scenario_replace_in_balance(void)
{
	atomic_store(&g_owned_hold, true);
	atomic_store(&g_set_done, false);
	select_scheduler("ut_owned");
	ASSERT_TRUE(spdk_scheduler_set_scheduling_lcore(1));
	spdk_scheduler_set_period(1000);
	for (unsigned i = 0; !atomic_load(&g_owned_in_balance); i++) {
		if (i == WAIT_MS * 10) {
			FAIL("balance() never ran");
		}
		pause_us(100);
	}
	/* balance() is held on core 1: replace the scheduler from core 0. */
	ASSERT_EQ(spdk_thread_send_msg(spdk_thread_get_app_thread(), set_static_async_msg, NULL),
		  0);
	/* Give the app thread the time to reach deinit() (with the defect it
	 * does at once; now it waits for balance()). */
	pause_us(50000);
	atomic_store(&g_owned_hold, false);
	for (unsigned i = 0; !atomic_load(&g_set_done); i++) {
		if (i == WAIT_MS * 10) {
			FAIL("spdk_scheduler_set() never returned");
		}
		pause_us(100);
	}
	spdk_scheduler_set_period(0);
	wait_no_round();
	ASSERT_TRUE(spdk_scheduler_set_scheduling_lcore(0));
}

TEST(test_scheduler_replaced_during_balance_waits_for_it)
{
	atomic_store(&g_owned_deinit_during_balance, 0);
	atomic_store(&g_owned_balance_without_state, 0);
	run_app(scenario_replace_in_balance);
	ASSERT_EQ(atomic_load(&g_owned_deinit_during_balance), 0);
	ASSERT_EQ(atomic_load(&g_owned_balance_without_state), 0);
}

/* ---- the dynamic scheduler reads cpumasks its threads' reactors may change -- */

/* Idle threads (load below load_limit) on core 1 change their own cpumask
 * again and again (spdk_thread_set_cpumask, allowed on both cores) while
 * rounds of "dynamic" on core 0 consider moving them to the main core, which
 * looks at their cpumask. balance() must use the copy the round gathered on
 * their reactor, not the live mask being written there: under TSan the old
 * code is a data race on the cpuset (and a use after free if the thread is
 * destroyed meanwhile). */
#define MASKERS	4

static _Atomic bool g_maskers_stop;
static _Atomic uint64_t g_mask_sets;

static int
masker_poll(void *ctx)
{
	struct spdk_cpuset mask;

	if (atomic_load(&g_maskers_stop)) {
		return SPDK_POLLER_IDLE;
	}
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 0, true);
	spdk_cpuset_set_cpu(&mask, 1, true);
	if (spdk_thread_set_cpumask(&mask) == 0) {
		atomic_fetch_add(&g_mask_sets, 1);
	}
	return SPDK_POLLER_IDLE;
}

static void
masker_start_msg(void *ctx)
{
	struct spdk_poller **p = ctx;

	*p = spdk_poller_register(masker_poll, NULL, 200);
	ASSERT_NOT_NULL(*p);
}

static void
masker_exit_msg(void *ctx)
{
	struct spdk_poller **p = ctx;

	spdk_poller_unregister(p);
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void
scenario_dynamic_masks(void)
{
	struct spdk_thread *t[MASKERS];
	struct spdk_poller *p[MASKERS];
	struct spdk_cpuset mask;
	uint64_t rounds;

	atomic_store(&g_maskers_stop, false);
	atomic_store(&g_mask_sets, 0);
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 0, true);
	spdk_cpuset_set_cpu(&mask, 1, true);
	for (int i = 0; i < MASKERS; i++) {
		pw__reactors_set_next_core(1);
		call_on(spdk_thread_get_app_thread(), create_msg, &t[i]);
		call_on(t[i], masker_start_msg, &p[i]);
	}
	select_scheduler("dynamic");
	rounds = pw__scheduler_rounds_done();
	spdk_scheduler_set_period(500);
	for (unsigned i = 0; pw__scheduler_rounds_done() < rounds + 200 ||
	     atomic_load(&g_mask_sets) < 1000; i++) {
		if (i == WAIT_MS * 10) {
			FAIL("only %" PRIu64 " rounds and %" PRIu64 " cpumask changes came",
			     pw__scheduler_rounds_done() - rounds, atomic_load(&g_mask_sets));
		}
		pause_us(100);
	}
	atomic_store(&g_maskers_stop, true);
	spdk_scheduler_set_period(0);
	wait_no_round();
	for (int i = 0; i < MASKERS; i++) {
		call_on(t[i], masker_exit_msg, &p[i]);
	}
	select_scheduler("static");
}

TEST(test_dynamic_reads_the_gathered_cpumasks)
{
	run_app(scenario_dynamic_masks);
}

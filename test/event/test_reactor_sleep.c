/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Sleeping reactors (pinwheel/event.h) on real reactors: spdk_app_start() on
 * cores 0 and 1, skipped where the process may not run on both.
 *
 * The reactor under test is core 1's. Each wake-up test first sees it asleep
 * (its waker's sleeping flag up on two looks a millisecond apart, and its
 * `sleeps` count grown since the last probe), then sends it work and checks
 * that the work ran, on core 1, and that the reactor had slept in between.
 * The `sleeps` count is a plain field of the reactor, so it is only ever read
 * on that reactor's own pthread (by an event or a handler running there) and
 * handed over through atomics. If the work happened to reach the reactor in
 * the instant between its flag going up and its last look (it then does not
 * sleep at all), the check is repeated; it must succeed within ATTEMPTS
 * tries. No time is measured: a lost wake-up shows as a hang, which the
 * test's time limit turns into a failure.
 *
 * The scenarios run on a "driver" pthread (no reactor, no spdk_thread) started
 * by the start function; it sends work, waits for it, then stops the app.
 *
 * - wake_by_message_from_other_core / _from_foreign_pthread
 * - wake_by_event_from_other_core / _from_foreign_pthread
 * - wake_by_new_thread: a thread created for core 1 starts there; a message
 *   to it runs; a poller on it runs
 * - wake_by_thread_moved_in: spdk_thread_set_cpumask() moves a thread from
 *   core 0 onto the sleeping core 1, which picks it up
 * - timed_poller_sleeps_between_runs: a 20 ms poller fires repeatedly and the
 *   reactor sleeps between every two runs
 * - wake_by_interrupt_source: an eventfd written by another pthread runs its
 *   handler on its thread
 * - policy_untimed_poller_keeps_reactor_awake, policy_idle_poller_sleep_us,
 *   policy_no_sleep_option, policy_no_sleep_command_line (and its control,
 *   policy_spin_us_command_line_sleeps), policy_interrupt_mode_poller
 * - exiting_thread_forced_out_on_sleeping_reactor (and _polling_reactor):
 *   a thread whose exit cannot finish is still forced out after the thread
 *   library's time limit, although nothing wakes its reactor
 * - opts_misuse, opts_defaults_and_round_trip
 */

#include "harness.h"
#include "ut_reactor.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "pinwheel/event.h"

#include "event/event_internal.h"
#include "thread/thread_internal.h"	/* struct pw_waker: sleeping */

#include <stdatomic.h>
#include <sys/eventfd.h>

#define CORE_T		1	/* the reactor that sleeps */
#define ATTEMPTS	10	/* tries to catch it asleep, per check */
#define ROUNDS		3	/* wake-ups per test */
#define TIMED_RUNS	8
#define WATCH_MS	200	/* how long a policy test watches a reactor stay awake */

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static struct spdk_cpuset
mask_of(uint32_t core)
{
	struct spdk_cpuset set;

	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, core, true);
	return set;
}

/* The calling reactor's sleep count; only on that reactor's pthread. */
static uint64_t
here_sleeps(void)
{
	struct spdk_reactor *r = spdk_reactor_get(spdk_env_get_current_core());

	ASSERT_NOT_NULL(r);
	return r->sleeps;
}

/* Wait until the reactor of core is asleep: its flag up on two looks 1 ms apart. */
static void
wait_asleep(uint32_t core)
{
	for (;;) {
		if (is_sleeping(core)) {
			pause_us(1000);
			if (is_sleeping(core)) {
				return;
			}
		}
		pause_us(100);
	}
}

/* Watch the reactor of core for WATCH_MS: its flag must never be up. */
static void
watch_awake(uint32_t core)
{
	for (unsigned i = 0; i < WATCH_MS * 4; i++) {
		if (is_sleeping(core)) {
			FAIL("reactor %u went to sleep", core);
		}
		pause_us(250);
	}
}

/* ---- running something somewhere and waiting for it ---------------------- */

static _Atomic uint64_t g_probe;
static _Atomic bool g_probe_done;

static void
probe_event(void *arg1, void *arg2)
{
	ASSERT_EQ(spdk_env_get_current_core(), (uint32_t)(uintptr_t)arg1);
	atomic_store(&g_probe, here_sleeps());
	/* Pairs with the acquire load in sleeps_of(). */
	atomic_store_explicit(&g_probe_done, true, memory_order_release);
}

/* The sleep count of core's reactor, read there by an event. */
static uint64_t
sleeps_of(uint32_t core)
{
	struct spdk_event *ev;

	atomic_store(&g_probe_done, false);
	ev = spdk_event_allocate(core, probe_event, (void *)(uintptr_t)core, NULL);
	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
	while (!atomic_load_explicit(&g_probe_done, memory_order_acquire)) {
		pause_us(50);
	}
	return atomic_load(&g_probe);
}

/* What a piece of work saw when it ran. */
struct hit {
	_Atomic uint64_t		runs;
	_Atomic uint64_t		sleeps;	/* its reactor's sleep count */
	_Atomic uint32_t		core;
	_Atomic(struct spdk_thread *)	thread;
};

static void
note_run(struct hit *h)
{
	atomic_store(&h->sleeps, here_sleeps());
	atomic_store(&h->thread, spdk_get_thread());
	atomic_store(&h->core, spdk_env_get_current_core());
	/* Pairs with the acquire loads of the driver. */
	atomic_fetch_add_explicit(&h->runs, 1, memory_order_release);
}

static uint64_t
runs_of(struct hit *h)
{
	return atomic_load_explicit(&h->runs, memory_order_acquire);
}

static void
wait_runs(struct hit *h, uint64_t n)
{
	while (runs_of(h) < n) {
		pause_us(50);
	}
}

static void
hit_msg(void *ctx)
{
	note_run(ctx);
}

static void
hit_event(void *arg1, void *arg2)
{
	note_run(arg1);
}

/*
 * The wake-up check: core CORE_T's reactor is caught asleep, trigger(arg)
 * sends work that reports to h, the work runs exactly once on CORE_T (on
 * thread expect, unless NULL), and the reactor had slept since the probe
 * taken before it was caught. Retried if the work overtook the sleep.
 */
static void
wake_check(void (*trigger)(void *), void *arg, struct hit *h, struct spdk_thread *expect)
{
	for (unsigned attempt = 0;; attempt++) {
		uint64_t base, runs;

		if (attempt == ATTEMPTS) {
			FAIL("reactor %u never slept before the work arrived (%u tries)", CORE_T,
			     ATTEMPTS);
		}
		base = sleeps_of(CORE_T);
		wait_asleep(CORE_T);
		runs = runs_of(h);
		trigger(arg);
		wait_runs(h, runs + 1);
		ASSERT_EQ(atomic_load(&h->core), CORE_T);
		if (expect != NULL) {
			ASSERT_PTR_EQ(atomic_load(&h->thread), expect);
		}
		/* Exactly once: a probe after it has gone through the same reactor. */
		(void)sleeps_of(CORE_T);
		ASSERT_EQ(runs_of(h), runs + 1);
		if (atomic_load(&h->sleeps) > base) {
			return;
		}
	}
}

/* ---- the application ---------------------------------------------------- */

static void (*g_scenario)(void);
static pthread_t g_driver;

static void *
driver_main(void *arg)
{
	g_scenario();
	spdk_app_stop(0);
	return arg;
}

static void
start_fn(void *ctx)
{
	ASSERT_EQ(pthread_create(&g_driver, NULL, driver_main, NULL), 0);
}

static void
app_opts(struct spdk_app_opts *opts)
{
	spdk_app_opts_init(opts, sizeof(*opts));
	opts->name = "test_reactor_sleep";
	/* No RPC server: tests run in parallel and would share its default path. */
	opts->rpc_addr = NULL;
	opts->reactor_mask = "0x3";
	opts->print_level = SPDK_LOG_WARN;
}

static void
set_reactor_opts(bool sleep, uint32_t spin_us, uint32_t idle_poller_sleep_us)
{
	struct pw_reactor_opts ropts;

	pw_reactor_opts_init(&ropts, sizeof(ropts));
	ropts.sleep = sleep;
	ropts.spin_us = spin_us;
	ropts.idle_poller_sleep_us = idle_poller_sleep_us;
	ASSERT_EQ(pw_reactor_set_opts(&ropts), 0);
}

static void
run_app_with(struct spdk_app_opts *opts, void (*scenario)(void))
{
	g_scenario = scenario;
	ASSERT_EQ(spdk_app_start(opts, start_fn, NULL), 0);
	ASSERT_EQ(pthread_join(g_driver, NULL), 0);
	spdk_app_fini();
}

/* Run scenario on the driver pthread of an app on cores 0 and 1. */
static void
run_app(void (*scenario)(void), uint32_t spin_us, uint32_t idle_poller_sleep_us,
	bool interrupt_mode)
{
	struct spdk_app_opts opts;

	need_two_cores();
	set_reactor_opts(true, spin_us, idle_poller_sleep_us);
	app_opts(&opts);
	opts.interrupt_mode = interrupt_mode;
	run_app_with(&opts, scenario);
}

/* ---- threads ------------------------------------------------------------ */

static void
exit_msg(void *ctx)
{
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void
exit_thread(struct spdk_thread *t)
{
	call_on(t, exit_msg, NULL);
}

/* ---------------------------------------------------------------------------
 * Messages and events
 * ------------------------------------------------------------------------- */

static struct spdk_thread *g_target;
static struct hit g_hit;

static void
relay_msg(void *ctx)
{
	/* On the app thread, core 0: the other core sends. */
	ASSERT_EQ(spdk_env_get_current_core(), 0);
	ASSERT_EQ(spdk_thread_send_msg(g_target, hit_msg, &g_hit), 0);
}

static void
msg_from_core0(void *arg)
{
	ASSERT_EQ(spdk_thread_send_msg(spdk_thread_get_app_thread(), relay_msg, NULL), 0);
}

static void
msg_from_here(void *arg)
{
	ASSERT_EQ(spdk_thread_send_msg(g_target, hit_msg, &g_hit), 0);
}

static void
relay_event(void *ctx)
{
	struct spdk_event *ev;

	ASSERT_EQ(spdk_env_get_current_core(), 0);
	ev = spdk_event_allocate(CORE_T, hit_event, &g_hit, NULL);
	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
}

static void
event_from_core0(void *arg)
{
	ASSERT_EQ(spdk_thread_send_msg(spdk_thread_get_app_thread(), relay_event, NULL), 0);
}

static void
event_from_here(void *arg)
{
	struct spdk_event *ev = spdk_event_allocate(CORE_T, hit_event, &g_hit, NULL);

	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
}

static void
scenario_msg_core0(void)
{
	g_target = new_thread_on("target", CORE_T);
	for (int i = 0; i < ROUNDS; i++) {
		wake_check(msg_from_core0, NULL, &g_hit, g_target);
	}
	exit_thread(g_target);
}

static void
scenario_msg_foreign(void)
{
	g_target = new_thread_on("target", CORE_T);
	for (int i = 0; i < ROUNDS; i++) {
		wake_check(msg_from_here, NULL, &g_hit, g_target);
	}
	exit_thread(g_target);
}

static void
scenario_event_core0(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		wake_check(event_from_core0, NULL, &g_hit, NULL);
	}
}

static void
scenario_event_foreign(void)
{
	/* Once with no thread on the reactor, once with one. */
	for (int i = 0; i < ROUNDS; i++) {
		wake_check(event_from_here, NULL, &g_hit, NULL);
	}
	g_target = new_thread_on("target", CORE_T);
	for (int i = 0; i < ROUNDS; i++) {
		wake_check(event_from_here, NULL, &g_hit, NULL);
	}
	exit_thread(g_target);
}

TEST_TIMEOUT(wake_by_message_from_other_core, 60)
{
	run_app(scenario_msg_core0, 10, 0, false);
}

TEST_TIMEOUT(wake_by_message_from_foreign_pthread, 60)
{
	run_app(scenario_msg_foreign, 10, 0, false);
}

TEST_TIMEOUT(wake_by_event_from_other_core, 60)
{
	run_app(scenario_event_core0, 10, 0, false);
}

TEST_TIMEOUT(wake_by_event_from_foreign_pthread, 60)
{
	run_app(scenario_event_foreign, 10, 0, false);
}

/* ---------------------------------------------------------------------------
 * A new thread, a thread moved in
 * ------------------------------------------------------------------------- */

#define MAX_FRESH	ATTEMPTS

static struct spdk_thread *g_fresh[MAX_FRESH];
static unsigned g_nfresh;
static _Atomic uint64_t g_poll_count;
static _Atomic uint64_t g_poll_sleeps;
static _Atomic uint32_t g_poll_core;
static _Atomic int g_poll_rc = SPDK_POLLER_IDLE;
static struct spdk_poller *g_poller;

static void
spawn_msg(void *ctx)
{
	struct spdk_cpuset mask = mask_of(CORE_T);
	struct spdk_thread *t;

	/* Created on core 0 for the sleeping core, then messaged at once (the
	 * message waits in its queue while the thread is being placed). */
	t = spdk_thread_create("fresh", &mask);
	ASSERT_NOT_NULL(t);
	ASSERT_LT(g_nfresh, MAX_FRESH);
	g_fresh[g_nfresh++] = t;
	ASSERT_EQ(spdk_thread_send_msg(t, hit_msg, &g_hit), 0);
}

static void
spawn_trigger(void *arg)
{
	ASSERT_EQ(spdk_thread_send_msg(spdk_thread_get_app_thread(), spawn_msg, NULL), 0);
}

static int
count_poll(void *ctx)
{
	atomic_store(&g_poll_sleeps, here_sleeps());
	atomic_store(&g_poll_core, spdk_env_get_current_core());
	/* Pairs with the acquire loads of the driver. */
	atomic_fetch_add_explicit(&g_poll_count, 1, memory_order_release);
	return atomic_load(&g_poll_rc);
}

static uint64_t
poll_count(void)
{
	return atomic_load_explicit(&g_poll_count, memory_order_acquire);
}

static void
wait_polls(uint64_t n)
{
	while (poll_count() < n) {
		pause_us(50);
	}
}

static void
reg_untimed_msg(void *ctx)
{
	g_poller = spdk_poller_register(count_poll, NULL, 0);
	ASSERT_NOT_NULL(g_poller);
}

static void
reg_timed_msg(void *ctx)
{
	g_poller = spdk_poller_register(count_poll, NULL, (uint64_t)(uintptr_t)ctx);
	ASSERT_NOT_NULL(g_poller);
}

static void
unreg_exit_msg(void *ctx)
{
	spdk_poller_unregister(&g_poller);
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void
scenario_new_thread(void)
{
	struct spdk_thread *last;

	/* Only core 1's placement event and the message wake it. */
	wake_check(spawn_trigger, NULL, &g_hit, NULL);
	ASSERT_GT(g_nfresh, 0);
	last = g_fresh[g_nfresh - 1];
	ASSERT_PTR_EQ(atomic_load(&g_hit.thread), last);
	/* A poller on it runs there too. */
	call_on(last, reg_untimed_msg, NULL);
	wait_polls(3);
	ASSERT_EQ(atomic_load(&g_poll_core), CORE_T);
	call_on(last, unreg_exit_msg, NULL);
	for (unsigned i = 0; i + 1 < g_nfresh; i++) {
		exit_thread(g_fresh[i]);
	}
}

TEST_TIMEOUT(wake_by_new_thread, 60)
{
	run_app(scenario_new_thread, 10, 0, false);
}

static void
set_mask_msg(void *ctx)
{
	struct spdk_cpuset mask = mask_of((uint32_t)(uintptr_t)ctx);

	ASSERT_EQ(spdk_thread_set_cpumask(&mask), 0);
}

static void
wait_poll_core(uint32_t core)
{
	/* The poller records its core before its count (release), so a count
	 * read after seeing the core is from a run there. */
	while (atomic_load(&g_poll_core) != core) {
		pause_us(50);
	}
}

static void
scenario_moved_in(void)
{
	struct spdk_thread *mover = new_thread_on("mover", 0);

	/* A 2 ms poller reports where the mover runs (and keeps core 0 only
	 * lightly busy: it sleeps between runs too). */
	call_on(mover, reg_timed_msg, (void *)(uintptr_t)2000);
	wait_polls(1);
	wait_poll_core(0);
	for (unsigned attempt = 0;; attempt++) {
		uint64_t base;

		ASSERT_LT(attempt, ATTEMPTS);
		base = sleeps_of(CORE_T);
		wait_asleep(CORE_T);
		/* Nothing but the move event wakes core 1: the mover is picked up
		 * and its poller runs there without any message. */
		call_on(mover, set_mask_msg, (void *)(uintptr_t)CORE_T);
		wait_poll_core(CORE_T);
		ASSERT_TRUE(spdk_cpuset_get_cpu(spdk_thread_get_cpumask(mover), CORE_T));
		if (atomic_load(&g_poll_sleeps) > base) {
			break;
		}
		call_on(mover, set_mask_msg, (void *)(uintptr_t)0);
		wait_poll_core(0);
	}
	/* Still there and running, many runs later. */
	wait_polls(poll_count() + 3);
	ASSERT_EQ(atomic_load(&g_poll_core), CORE_T);
	call_on(mover, unreg_exit_msg, NULL);
}

TEST_TIMEOUT(wake_by_thread_moved_in, 60)
{
	run_app(scenario_moved_in, 10, 0, false);
}

/* ---------------------------------------------------------------------------
 * A timed poller
 * ------------------------------------------------------------------------- */

static uint64_t g_timed_sleeps[TIMED_RUNS];
static _Atomic uint32_t g_timed_runs;

static int
timed_poll(void *ctx)
{
	uint32_t n = atomic_load_explicit(&g_timed_runs, memory_order_relaxed);

	ASSERT_EQ(spdk_env_get_current_core(), CORE_T);
	ASSERT_LT(n, TIMED_RUNS);
	g_timed_sleeps[n] = here_sleeps();
	if (n + 1 == TIMED_RUNS) {
		spdk_poller_unregister(&g_poller);
	}
	/* Pairs with the acquire load of the driver. */
	atomic_store_explicit(&g_timed_runs, n + 1, memory_order_release);
	return SPDK_POLLER_BUSY;
}

static void
reg_20ms_msg(void *ctx)
{
	g_poller = spdk_poller_register(timed_poll, NULL, 20000);
	ASSERT_NOT_NULL(g_poller);
}

static void
exit_after_timed_msg(void *ctx)
{
	ASSERT_NULL(g_poller);
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void
scenario_timed(void)
{
	struct spdk_thread *t = new_thread_on("timed", CORE_T);

	call_on(t, reg_20ms_msg, NULL);
	/* Nothing is sent to core 1 from now on: the poller's own deadlines
	 * wake it. */
	while (atomic_load_explicit(&g_timed_runs, memory_order_acquire) < TIMED_RUNS) {
		pause_us(1000);
	}
	for (int i = 1; i < TIMED_RUNS; i++) {
		if (g_timed_sleeps[i] <= g_timed_sleeps[i - 1]) {
			FAIL("no sleep between runs %d and %d of a 20 ms poller (sleeps %" PRIu64
			     " then %" PRIu64 ")", i - 1, i, g_timed_sleeps[i - 1], g_timed_sleeps[i]);
		}
	}
	call_on(t, exit_after_timed_msg, NULL);
}

TEST_TIMEOUT(timed_poller_sleeps_between_runs, 60)
{
	run_app(scenario_timed, 10, 0, false);
}

/* ---------------------------------------------------------------------------
 * An interrupt source
 * ------------------------------------------------------------------------- */

static int g_efd = -1;
static struct spdk_interrupt *g_intr;

static int
efd_handler(void *ctx)
{
	uint64_t v;

	ASSERT_PTR_EQ(ctx, &g_hit);
	ASSERT_EQ(read(g_efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	ASSERT_EQ(v, 1);
	note_run(&g_hit);
	return 1;
}

static void
reg_intr_msg(void *ctx)
{
	g_intr = spdk_interrupt_register(g_efd, efd_handler, &g_hit, "test_efd");
	ASSERT_NOT_NULL(g_intr);
}

static void
unreg_intr_msg(void *ctx)
{
	spdk_interrupt_unregister(&g_intr);
	ASSERT_NULL(g_intr);
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void
write_efd(void *arg)
{
	uint64_t one = 1;

	ASSERT_EQ(write(g_efd, &one, sizeof(one)), (ssize_t)sizeof(one));
}

static void
scenario_interrupt(void)
{
	g_target = new_thread_on("intr", CORE_T);
	call_on(g_target, reg_intr_msg, NULL);
	for (int i = 0; i < ROUNDS; i++) {
		wake_check(write_efd, NULL, &g_hit, g_target);
	}
	call_on(g_target, unreg_intr_msg, NULL);
}

TEST_TIMEOUT(wake_by_interrupt_source, 60)
{
	g_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_GE(g_efd, 0);
	run_app(scenario_interrupt, 10, 0, false);
	close(g_efd);
}

/* ---------------------------------------------------------------------------
 * Policy
 * ------------------------------------------------------------------------- */

static void
scenario_untimed_awake(void)
{
	struct spdk_thread *t = new_thread_on("poller", CORE_T);
	uint64_t before, after, polls;

	call_on(t, reg_untimed_msg, NULL);
	wait_polls(1);
	before = atomic_load(&g_poll_sleeps);
	polls = poll_count();
	/* spin_us is 0 and the poller reports idle: only the poller keeps it up. */
	watch_awake(CORE_T);
	wait_polls(polls + 1);
	after = atomic_load(&g_poll_sleeps);
	ASSERT_EQ(after, before);
	ASSERT_GT(poll_count(), polls);
	/* Control: without the poller the same reactor falls asleep. */
	call_on(t, unreg_exit_msg, NULL);
	wait_asleep(CORE_T);
	ASSERT_GT(sleeps_of(CORE_T), after);
}

TEST_TIMEOUT(policy_untimed_poller_keeps_reactor_awake, 60)
{
	run_app(scenario_untimed_awake, 0, 0, false);
}

static void
scenario_idle_poller_sleep(void)
{
	struct spdk_thread *t = new_thread_on("poller", CORE_T);
	uint64_t s0, polls, busy_sleeps;

	call_on(t, reg_untimed_msg, NULL);
	wait_polls(1);
	s0 = atomic_load(&g_poll_sleeps);
	/* The poller reports idle: the reactor sleeps (at most 2 ms each time)
	 * and wakes by itself to poll again; nothing is sent to it. */
	while (atomic_load(&g_poll_sleeps) < s0 + 5) {
		pause_us(500);
	}
	polls = poll_count();
	wait_polls(polls + 2);
	/* The poller reports work: no more sleeping. */
	atomic_store(&g_poll_rc, SPDK_POLLER_BUSY);
	polls = poll_count();
	wait_polls(polls + 2);	/* one run has returned BUSY by now */
	busy_sleeps = atomic_load(&g_poll_sleeps);
	watch_awake(CORE_T);
	polls = poll_count();
	wait_polls(polls + 1);
	ASSERT_EQ(atomic_load(&g_poll_sleeps), busy_sleeps);
	call_on(t, unreg_exit_msg, NULL);
}

TEST_TIMEOUT(policy_idle_poller_sleep_us, 60)
{
	run_app(scenario_idle_poller_sleep, 10, 2000, false);
}

static void
scenario_never_sleeps(void)
{
	struct spdk_thread *t = new_thread_on("timed", CORE_T);

	/* Idle, then a timed poller, then idle again: nobody ever sleeps. */
	watch_awake(CORE_T);
	ASSERT_FALSE(is_sleeping(0));
	call_on(t, reg_timed_msg, (void *)(uintptr_t)5000);
	wait_polls(5);
	call_on(t, unreg_exit_msg, NULL);
	watch_awake(CORE_T);
	ASSERT_FALSE(is_sleeping(0));
	ASSERT_EQ(sleeps_of(0), 0);
	ASSERT_EQ(sleeps_of(CORE_T), 0);
	ASSERT_EQ(atomic_load(&g_poll_sleeps), 0);
}

TEST_TIMEOUT(policy_no_sleep_option, 60)
{
	struct spdk_app_opts opts;
	struct pw_reactor_opts ropts;

	need_two_cores();
	set_reactor_opts(false, 0, 1000);
	pw_reactor_get_opts(&ropts, sizeof(ropts));
	ASSERT_FALSE(ropts.sleep);
	app_opts(&opts);
	run_app_with(&opts, scenario_never_sleeps);
}

static int
no_app_option(int ch, char *arg)
{
	return -EINVAL;
}

static void
parse_command_line(struct spdk_app_opts *opts, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL) {
		argc++;
	}
	spdk_app_opts_init(opts, sizeof(*opts));
	opts->name = "test_reactor_sleep";
	/* No RPC server: tests run in parallel and would share its default path. */
	opts->rpc_addr = NULL;
	opts->print_level = SPDK_LOG_WARN;
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(argc, argv, opts, "", NULL, no_app_option, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_STR_EQ(opts->reactor_mask, "0x3");
}

TEST_TIMEOUT(policy_no_sleep_command_line, 60)
{
	char *argv[] = { "test_reactor_sleep", "-m", "0x3", "--pw-no-sleep", "--pw-spin-us", "0",
			 NULL
		       };
	struct spdk_app_opts opts;
	struct pw_reactor_opts ropts;

	need_two_cores();
	parse_command_line(&opts, argv);
	pw_reactor_get_opts(&ropts, sizeof(ropts));
	ASSERT_FALSE(ropts.sleep);
	ASSERT_EQ(ropts.spin_us, 0);
	run_app_with(&opts, scenario_never_sleeps);
}

static void
scenario_sleeps(void)
{
	wait_asleep(CORE_T);
	ASSERT_GT(sleeps_of(CORE_T), 0);
	wait_asleep(0);
	ASSERT_GT(sleeps_of(0), 0);
}

/* The control of the test above: the same command line without
 * --pw-no-sleep lets the reactors sleep. */
TEST_TIMEOUT(policy_spin_us_command_line_sleeps, 60)
{
	char *argv[] = { "test_reactor_sleep", "-m", "0x3", "--pw-spin-us", "0", NULL };
	struct spdk_app_opts opts;
	struct pw_reactor_opts ropts;

	need_two_cores();
	parse_command_line(&opts, argv);
	pw_reactor_get_opts(&ropts, sizeof(ropts));
	ASSERT_TRUE(ropts.sleep);
	ASSERT_EQ(ropts.spin_us, 0);
	run_app_with(&opts, scenario_sleeps);
}

static _Atomic int g_intr_cb_calls;
static _Atomic bool g_intr_cb_mode;

static void
intr_mode_cb(struct spdk_poller *poller, void *cb_arg, bool interrupt_mode)
{
	ASSERT_PTR_EQ(poller, g_poller);
	ASSERT_PTR_EQ(cb_arg, &g_hit);
	atomic_store(&g_intr_cb_mode, interrupt_mode);
	atomic_fetch_add(&g_intr_cb_calls, 1);
}

static void
reg_intr_cb_msg(void *ctx)
{
	spdk_poller_register_interrupt(g_poller, intr_mode_cb, &g_hit);
}

static void
scenario_interrupt_mode(void)
{
	struct spdk_thread *t = new_thread_on("intr_poller", CORE_T);
	uint64_t polls, s;

	ASSERT_TRUE(spdk_interrupt_mode_is_enabled());
	/* A plain untimed poller keeps the reactor polling, interrupt mode or not. */
	call_on(t, reg_untimed_msg, NULL);
	wait_polls(1);
	s = atomic_load(&g_poll_sleeps);
	watch_awake(CORE_T);
	polls = poll_count();
	wait_polls(polls + 1);
	ASSERT_EQ(atomic_load(&g_poll_sleeps), s);
	/* Once it can work from interrupts it is told so and no longer polled:
	 * the reactor sleeps. */
	call_on(t, reg_intr_cb_msg, NULL);
	ASSERT_EQ(atomic_load(&g_intr_cb_calls), 1);
	ASSERT_TRUE(atomic_load(&g_intr_cb_mode));
	polls = poll_count();
	wait_asleep(CORE_T);
	ASSERT_GT(sleeps_of(CORE_T), s);
	wait_asleep(CORE_T);
	ASSERT_EQ(poll_count(), polls);
	call_on(t, unreg_exit_msg, NULL);
}

TEST_TIMEOUT(policy_interrupt_mode_poller, 60)
{
	run_app(scenario_interrupt_mode, 0, 0, true);
}

/* ---------------------------------------------------------------------------
 * An exiting thread on a sleeping reactor
 * ------------------------------------------------------------------------- */

static struct spdk_thread *g_stuck;

static void
pause_and_exit_msg(void *ctx)
{
	/* A paused poller the thread forgets: its exit cannot finish, so the
	 * thread library forces it after PW_THREAD_EXIT_TIMEOUT_SEC. */
	g_poller = spdk_poller_register(count_poll, NULL, 1000000);
	ASSERT_NOT_NULL(g_poller);
	spdk_poller_pause(g_poller);
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void
scenario_forced_exit(void)
{
	g_stuck = new_thread_on("stuck", CORE_T);
	call_on(g_stuck, pause_and_exit_msg, NULL);
	/* Nothing is sent to core 1 any more: the forced exit must come from
	 * the reactor itself, asleep or not. */
	while (!log_capture_contains("thread stuck did not finish exiting")) {
		pause_us(10000);
	}
}

TEST_TIMEOUT(exiting_thread_forced_out_on_sleeping_reactor, 60)
{
	log_capture_start();
	run_app(scenario_forced_exit, 10, 0, false);
	ASSERT_EQ(log_capture_count_matching("did not finish exiting"), 1);
	log_capture_stop();
}

/* The same on polling reactors, as in SPDK. */
TEST_TIMEOUT(exiting_thread_forced_out_on_polling_reactor, 60)
{
	struct spdk_app_opts opts;

	need_two_cores();
	set_reactor_opts(false, 10, 0);
	app_opts(&opts);
	log_capture_start();
	run_app_with(&opts, scenario_forced_exit);
	ASSERT_EQ(log_capture_count_matching("did not finish exiting"), 1);
	log_capture_stop();
}

/* ---------------------------------------------------------------------------
 * The options themselves
 * ------------------------------------------------------------------------- */

TEST(opts_misuse)
{
	struct pw_reactor_opts opts, cur;

	log_capture_start();
	pw_reactor_opts_init(NULL, sizeof(opts));
	ASSERT_TRUE(log_capture_contains("pw_reactor_opts_init: NULL opts"));

	memset(&opts, 0xa5, sizeof(opts));
	pw_reactor_opts_init(&opts, 0);
	ASSERT_TRUE(log_capture_contains("pw_reactor_opts_init: opts_size 0"));
	/* Left untouched. */
	ASSERT_EQ(opts.spin_us, 0xa5a5a5a5u);

	ASSERT_EQ(pw_reactor_set_opts(NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("pw_reactor_set_opts: NULL opts"));

	pw_reactor_opts_init(&opts, sizeof(opts));
	opts.spin_us = 777;
	opts.opts_size = 0;
	ASSERT_EQ(pw_reactor_set_opts(&opts), -EINVAL);
	ASSERT_TRUE(log_capture_contains("pw_reactor_set_opts: opts_size 0"));

	pw_reactor_get_opts(NULL, sizeof(opts));
	ASSERT_TRUE(log_capture_contains("pw_reactor_get_opts: NULL opts"));
	memset(&cur, 0x5a, sizeof(cur));
	pw_reactor_get_opts(&cur, 0);
	ASSERT_TRUE(log_capture_contains("pw_reactor_get_opts: opts_size 0"));
	ASSERT_EQ(cur.spin_us, 0x5a5a5a5au);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 6);
	log_capture_stop();

	/* The refused set changed nothing. */
	pw_reactor_get_opts(&cur, sizeof(cur));
	ASSERT_EQ(cur.spin_us, 100);
}

TEST(opts_defaults_and_round_trip)
{
	struct pw_reactor_opts opts, cur;
	size_t upto_spin = offsetof(struct pw_reactor_opts, spin_us) + sizeof(opts.spin_us);

	pw_reactor_opts_init(&opts, sizeof(opts));
	ASSERT_EQ(opts.opts_size, sizeof(opts));
	ASSERT_TRUE(opts.sleep);
	ASSERT_EQ(opts.spin_us, 100);
	ASSERT_EQ(opts.idle_poller_sleep_us, 0);

	opts.sleep = false;
	opts.spin_us = 3;
	opts.idle_poller_sleep_us = 4;
	ASSERT_EQ(pw_reactor_set_opts(&opts), 0);
	pw_reactor_get_opts(&cur, sizeof(cur));
	ASSERT_EQ(cur.opts_size, sizeof(cur));
	ASSERT_FALSE(cur.sleep);
	ASSERT_EQ(cur.spin_us, 3);
	ASSERT_EQ(cur.idle_poller_sleep_us, 4);

	/* An older, shorter struct: only the fields it has are set or read. */
	pw_reactor_opts_init(&opts, sizeof(opts));
	opts.opts_size = upto_spin;
	opts.spin_us = 9;
	opts.idle_poller_sleep_us = 55;	/* beyond its size: ignored */
	ASSERT_EQ(pw_reactor_set_opts(&opts), 0);
	memset(&cur, 0x5a, sizeof(cur));
	pw_reactor_get_opts(&cur, upto_spin);
	ASSERT_EQ(cur.opts_size, upto_spin);
	ASSERT_TRUE(cur.sleep);
	ASSERT_EQ(cur.spin_us, 9);
	ASSERT_EQ(cur.idle_poller_sleep_us, 0x5a5a5a5au);
	pw_reactor_get_opts(&cur, sizeof(cur));
	ASSERT_EQ(cur.idle_poller_sleep_us, 4);
}

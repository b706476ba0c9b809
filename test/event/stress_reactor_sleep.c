/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress of sleeping reactors: lost or duplicated wake-ups under traffic that
 * stops and starts all the time (spdk_app_start() on cores 0 and 1, skipped
 * where the process may not run on both).
 *
 * spin_us is 0, so a reactor tries to sleep on the first iteration that finds
 * nothing to do. The receivers are on core 1: two spdk_threads taking
 * messages, the reactor itself taking events, and the core-1 sender below
 * taking "kicks". The senders:
 *  - a thread on core 0, sending from a 100 us timed poller that skips a
 *    random number of runs between bursts;
 *  - a thread on core 1, sending a burst each time it receives a kick (a
 *    message from another sender, itself a counted item). It has no poller:
 *    a poller's deadline would wake core 1 by itself every few hundred
 *    microseconds and hide a lost wake-up; so nothing on core 1 ever wakes
 *    it but the traffic;
 *  - two foreign pthreads (no reactor, no spdk_thread) that send a burst,
 *    then pause for a random short while (nothing, a yield, or up to 300 us
 *    asleep).
 * Every item carries (sender, sequence number); sequence numbers run per
 * (sender, receiver) pair and a receiver requires exactly the next one, so a
 * lost, duplicated or reordered item fails at once; at the end every pair has
 * received exactly what was sent. A sender keeps at most `window` items owed
 * per pair. In "token" mode only one item from outside core 1 is in flight at
 * any time (senders take turns through a token its receiver hands back): a
 * lost wake-up then leaves core 1 asleep with nobody left to wake it.
 *
 * A watchdog (the driver pthread) fails the test if items are owed and
 * nothing has been delivered for STALL_S seconds.
 *
 * - stress_sleep_bursts: bursts of up to 32 messages, events and kicks, 64
 *   owed per pair.
 * - stress_sleep_single_items: token mode, so almost every item finds core 1
 *   asleep or falling asleep.
 * - stress_sleep_events_no_threads: events only, to a core 1 with no thread
 *   (the reactor's thread-less path), from core 0 and foreign pthreads, in
 *   token mode; and _bursts: the same in bursts.
 *
 * Traffic lasts PW_STRESS_SECONDS (default 2; 1 under ThreadSanitizer) per test.
 */

#include "harness.h"
#include "ut_reactor.h"
#include "ut_stress.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "pinwheel/event.h"

#include "event/event_internal.h"
#include "thread/thread_internal.h"	/* struct pw_waker: sleeping */

#include <stdatomic.h>

#if defined(__SANITIZE_THREAD__)
#define PW_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PW_TEST_TSAN 1
#endif
#endif

#define CORE_T		1	/* the receiving reactor */
#define NRX_THREADS	2	/* message receivers on CORE_T */
#define RX_EVENTS	NRX_THREADS	/* receiver index of CORE_T's events */
#define RX_KICK		(NRX_THREADS + 1)	/* receiver index of the core-1 sender */
#define NRX		(NRX_THREADS + 2)
#define MAX_WORKERS	2	/* sender threads: [0] on core 0, [1] on core 1 */
#define MAX_FOREIGN	2
#define MAX_SENDERS	(MAX_WORKERS + MAX_FOREIGN)
#define SEQ_BITS	56
#define SEQ_MASK	((1ull << SEQ_BITS) - 1)
#define WORKER_PERIOD_US 100
#define MAX_SKIP	8	/* runs a worker may skip between bursts */
#define STALL_S		5

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static uint64_t
budget_ns(void)
{
	const char *s = getenv("PW_STRESS_SECONDS");
	long v = s != NULL ? strtol(s, NULL, 10) : 0;

#ifdef PW_TEST_TSAN
	const long def = 1;
#else
	const long def = 2;
#endif
	return (uint64_t)(v > 0 ? v : def) * 1000000000ull;
}

static void *
encode(uint32_t sender, uint64_t seq)
{
	return (void *)(uintptr_t)(((uint64_t)sender << SEQ_BITS) | seq);
}

static uint32_t
dec_sender(const void *p)
{
	return (uint32_t)((uintptr_t)p >> SEQ_BITS);
}

static uint64_t
dec_seq(const void *p)
{
	return (uint64_t)(uintptr_t)p & SEQ_MASK;
}

/* ---------------------------------------------------------------------------
 * The traffic
 * ------------------------------------------------------------------------- */

/* One (sender, receiver) pair: sent written by the sender only, recv by the
 * receiver only (a thread runs one handler at a time; CORE_T's events run on
 * its reactor only). */
struct chan {
	_Atomic uint64_t	sent;
	_Atomic uint64_t	recv;
} __attribute__((aligned(64)));

struct sender {
	uint32_t		sid;
	uint64_t		rng;
	/* Workers only */
	struct spdk_thread	*thread;
	struct spdk_poller	*poller;
	uint32_t		core;
	uint32_t		skip;
};

struct config {
	uint32_t		nworkers;	/* 1: core 0 only; 2: both cores */
	uint32_t		nforeign;
	bool			msgs;		/* messages to the rx threads (and kicks) */
	bool			events;
	uint32_t		burst;
	uint64_t		window;
	bool			token;		/* one item from outside core 1 at a time */
};

static struct {
	struct config		cfg;
	struct spdk_thread	*rx[NRX_THREADS];
	struct sender		senders[MAX_SENDERS];
	pthread_t		foreign[MAX_FOREIGN];
	pthread_t		driver;
	struct chan		chan[MAX_SENDERS][NRX];
	_Atomic bool		token_held;
	_Atomic bool		stop;
	_Atomic uint64_t	delivered;
	_Atomic uint64_t	sleeps_end;	/* CORE_T's sleep count at the end */
	_Atomic bool		probe_done;
} g;

/* Whether sender sid is the thread on core 1 (senders[1] with two workers). */
static bool
on_core1(uint32_t sid)
{
	return g.cfg.nworkers == 2 && sid == 1;
}

static void
deliver(uint32_t rx, const void *p, const char *what)
{
	uint32_t sid = dec_sender(p);
	struct chan *ch;
	uint64_t expect;

	ASSERT_LT(sid, MAX_SENDERS);
	ch = &g.chan[sid][rx];
	expect = atomic_load_explicit(&ch->recv, memory_order_relaxed);
	if (dec_seq(p) != expect) {
		FAIL("%s from sender %u to receiver %u: seq %" PRIu64 ", expected %" PRIu64
		     " (%s)", what, sid, rx, dec_seq(p), expect,
		     dec_seq(p) < expect ? "duplicate or reordered" : "lost or reordered");
	}
	/* Pairs with the acquire load of the sender's window check. */
	atomic_store_explicit(&ch->recv, expect + 1, memory_order_release);
	atomic_fetch_add_explicit(&g.delivered, 1, memory_order_relaxed);
	if (g.cfg.token && !on_core1(sid)) {
		/* Hand the token back (it went with every item from outside core
		 * 1). Pairs with the compare-exchange in send_one(). */
		ASSERT_TRUE(atomic_exchange(&g.token_held, false));
	}
}

static bool send_burst(struct sender *s);

static void
rx_msg(void *ctx)
{
	struct spdk_thread *t = spdk_get_thread();

	ASSERT_EQ(spdk_env_get_current_core(), CORE_T);
	for (uint32_t r = 0; r < NRX_THREADS; r++) {
		if (g.rx[r] == t) {
			deliver(r, ctx, "message");
			return;
		}
	}
	ASSERT_EQ(g.cfg.nworkers, 2);
	ASSERT_PTR_EQ(t, g.senders[1].thread);
	/* A kick: the core-1 sender sends its burst first and counts the kick
	 * received after, so that nothing is owed only once the burst is
	 * counted too (the driver's drain relies on it). */
	if (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		send_burst(&g.senders[1]);
	}
	deliver(RX_KICK, ctx, "kick");
}

static void
rx_event(void *arg1, void *arg2)
{
	ASSERT_EQ(spdk_env_get_current_core(), CORE_T);
	ASSERT_NULL(spdk_get_thread());
	deliver(RX_EVENTS, arg1, "event");
}

/* A random receiver for sender s. */
static uint32_t
pick_rx(struct sender *s)
{
	uint32_t x = rnd(&s->rng) % 8;

	if (!g.cfg.msgs) {
		return RX_EVENTS;
	}
	if (x == 0 && g.cfg.nworkers == 2 && !on_core1(s->sid)) {
		return RX_KICK;
	}
	if (x < 3 && g.cfg.events) {
		return RX_EVENTS;
	}
	return x % NRX_THREADS;
}

/* One item to a random receiver, unless that pair is at its window (or the
 * token is taken). */
static bool
send_one(struct sender *s)
{
	uint32_t rx = pick_rx(s);
	struct chan *ch = &g.chan[s->sid][rx];
	uint64_t seq = atomic_load_explicit(&ch->sent, memory_order_relaxed);
	bool no = false;
	void *item;

	/* Pairs with the release store in deliver(). */
	if (seq - atomic_load_explicit(&ch->recv, memory_order_acquire) >= g.cfg.window) {
		return false;
	}
	/* Pairs with the exchange in deliver(). */
	if (g.cfg.token && !on_core1(s->sid) &&
	    !atomic_compare_exchange_strong(&g.token_held, &no, true)) {
		return false;
	}
	item = encode(s->sid, seq);
	/* Counted sent before it can arrive (the window and the watchdog read it). */
	atomic_store_explicit(&ch->sent, seq + 1, memory_order_relaxed);
	if (rx == RX_EVENTS) {
		struct spdk_event *ev = spdk_event_allocate(CORE_T, rx_event, item, NULL);

		ASSERT_NOT_NULL(ev);
		spdk_event_call(ev);
	} else if (rx == RX_KICK) {
		ASSERT_EQ(spdk_thread_send_msg(g.senders[1].thread, rx_msg, item), 0);
	} else {
		ASSERT_EQ(spdk_thread_send_msg(g.rx[rx], rx_msg, item), 0);
	}
	return true;
}

/* Up to a random number of items; returns whether any went. */
static bool
send_burst(struct sender *s)
{
	uint32_t want = 1 + rnd(&s->rng) % g.cfg.burst, n = 0;

	for (uint32_t tries = 0; n < want && tries < 2 * want; tries++) {
		n += send_one(s);
	}
	return n > 0;
}

static int
worker_poll(void *ctx)
{
	struct sender *s = ctx;

	ASSERT_EQ(spdk_env_get_current_core(), s->core);
	if (atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		return SPDK_POLLER_IDLE;
	}
	if (s->skip > 0) {
		s->skip--;
		return SPDK_POLLER_IDLE;
	}
	s->skip = rnd(&s->rng) % (MAX_SKIP + 1);
	return send_burst(s) ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void
worker_start(void *ctx)
{
	struct sender *s = ctx;

	s->core = spdk_env_get_current_core();
	s->poller = spdk_poller_register(worker_poll, s, WORKER_PERIOD_US);
	ASSERT_NOT_NULL(s->poller);
}

static void
worker_stop(void *ctx)
{
	struct sender *s = ctx;

	spdk_poller_unregister(&s->poller);
}

static void
exit_msg(void *ctx)
{
	ASSERT_EQ(spdk_thread_exit(spdk_get_thread()), 0);
}

static void *
foreign_main(void *arg)
{
	struct sender *s = arg;

	ASSERT_EQ(spdk_env_get_current_core(), SPDK_ENV_LCORE_ID_ANY);
	while (!atomic_load_explicit(&g.stop, memory_order_relaxed)) {
		send_burst(s);
		switch (rnd(&s->rng) % 4) {
		case 0:
			break;
		case 1:
			sched_yield();
			break;
		default:
			pause_us(rnd(&s->rng) % 300);
			break;
		}
	}
	return NULL;
}

/* ---- the watchdog -------------------------------------------------------- */

struct watch {
	uint64_t	last_delivered;
	uint64_t	last_progress_ns;
};

static uint64_t
owed(void)
{
	uint64_t sent = 0, recv = 0;

	/* recv first: an item counted received was counted sent before it
	 * went (except for the instant between its send and its count). */
	for (uint32_t s = 0; s < MAX_SENDERS; s++) {
		for (uint32_t r = 0; r < NRX; r++) {
			recv += atomic_load(&g.chan[s][r].recv);
		}
	}
	for (uint32_t s = 0; s < MAX_SENDERS; s++) {
		for (uint32_t r = 0; r < NRX; r++) {
			sent += atomic_load(&g.chan[s][r].sent);
		}
	}
	return sent > recv ? sent - recv : 0;
}

static void
stall_report(void)
{
	for (uint32_t s = 0; s < MAX_SENDERS; s++) {
		for (uint32_t r = 0; r < NRX; r++) {
			uint64_t sent = atomic_load(&g.chan[s][r].sent);
			uint64_t recv = atomic_load(&g.chan[s][r].recv);

			if (sent != recv) {
				fprintf(stderr, "  sender %u -> receiver %u: sent %" PRIu64
					", received %" PRIu64 "\n", s, r, sent, recv);
			}
		}
	}
	fprintf(stderr, "  reactor 0 %s, reactor %u %s\n", is_sleeping(0) ? "asleep" : "awake",
		CORE_T, is_sleeping(CORE_T) ? "asleep" : "awake");
}

/* One look: fail if items are owed and nothing arrived for STALL_S seconds. */
static void
watchdog(struct watch *w)
{
	uint64_t now = now_ns();
	uint64_t d = atomic_load_explicit(&g.delivered, memory_order_relaxed);

	if (d != w->last_delivered || owed() == 0) {
		w->last_delivered = d;
		w->last_progress_ns = now;
		return;
	}
	if (now - w->last_progress_ns > STALL_S * 1000000000ull) {
		stall_report();
		FAIL("no item delivered for %d s while %" PRIu64 " are owed (a lost wake-up?)",
		     STALL_S, owed());
	}
}

/* ---- the driver ---------------------------------------------------------- */

static void
probe_event(void *arg1, void *arg2)
{
	struct spdk_reactor *r = spdk_reactor_get(CORE_T);

	ASSERT_EQ(spdk_env_get_current_core(), CORE_T);
	/* The reactor's own counter, read on its own pthread. */
	atomic_store(&g.sleeps_end, r->sleeps);
	/* Pairs with the acquire load of the driver. */
	atomic_store_explicit(&g.probe_done, true, memory_order_release);
}

static void *
driver_main(void *arg)
{
	struct watch w = { 0 };
	uint64_t start;
	struct spdk_event *ev;
	uint32_t nsenders = 0;

	if (g.cfg.msgs) {
		for (uint32_t r = 0; r < NRX_THREADS; r++) {
			g.rx[r] = new_thread_on("rx", CORE_T);
		}
	}
	for (uint32_t i = 0; i < g.cfg.nworkers; i++) {
		struct sender *s = &g.senders[nsenders];

		s->sid = nsenders++;
		s->rng = 0x9e3779b97f4a7c15ull * (s->sid + 1);
		s->thread = new_thread_on("worker", i);
	}
	for (uint32_t i = 0; i < g.cfg.nforeign; i++) {
		struct sender *s = &g.senders[nsenders];

		s->sid = nsenders++;
		s->rng = 0x9e3779b97f4a7c15ull * (s->sid + 1);
	}
	/* Everything senders read is in place: start them. */
	/* The core-1 sender has no poller: kicks drive it. */
	call_on(g.senders[0].thread, worker_start, &g.senders[0]);
	for (uint32_t i = 0; i < g.cfg.nforeign; i++) {
		ASSERT_EQ(pthread_create(&g.foreign[i], NULL, foreign_main,
					 &g.senders[g.cfg.nworkers + i]), 0);
	}

	start = now_ns();
	w.last_progress_ns = start;
	while (now_ns() - start < budget_ns()) {
		watchdog(&w);
		pause_us(10000);
	}

	/* Stop sending, then everything owed must still arrive. */
	atomic_store(&g.stop, true);
	for (uint32_t i = 0; i < g.cfg.nforeign; i++) {
		ASSERT_EQ(pthread_join(g.foreign[i], NULL), 0);
	}
	call_on(g.senders[0].thread, worker_stop, &g.senders[0]);
	w.last_progress_ns = now_ns();
	while (owed() > 0) {
		watchdog(&w);
		pause_us(1000);
	}

	ev = spdk_event_allocate(CORE_T, probe_event, NULL, NULL);
	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
	while (!atomic_load_explicit(&g.probe_done, memory_order_acquire)) {
		pause_us(100);
	}
	for (uint32_t i = 0; i < g.cfg.nworkers; i++) {
		call_on(g.senders[i].thread, exit_msg, NULL);
	}
	for (uint32_t r = 0; g.cfg.msgs && r < NRX_THREADS; r++) {
		call_on(g.rx[r], exit_msg, NULL);
	}
	spdk_app_stop(0);
	return arg;
}

static void
start_fn(void *ctx)
{
	ASSERT_EQ(pthread_create(&g.driver, NULL, driver_main, NULL), 0);
}

static void
run(const struct config *cfg)
{
	struct spdk_app_opts opts;
	struct pw_reactor_opts ropts;
	uint64_t msgs = 0, events = 0, kicks = 0;

	need_two_cores();
	ASSERT_LE(cfg->nworkers, MAX_WORKERS);
	ASSERT_LE(cfg->nforeign, MAX_FOREIGN);
	g.cfg = *cfg;

	pw_reactor_opts_init(&ropts, sizeof(ropts));
	ropts.spin_us = 0;
	ASSERT_EQ(pw_reactor_set_opts(&ropts), 0);
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "stress_reactor_sleep";
	/* No RPC server: tests run in parallel and would share its default path. */
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x3";
	opts.print_level = SPDK_LOG_WARN;
	ASSERT_EQ(spdk_app_start(&opts, start_fn, NULL), 0);
	ASSERT_EQ(pthread_join(g.driver, NULL), 0);
	spdk_app_fini();

	for (uint32_t s = 0; s < MAX_SENDERS; s++) {
		for (uint32_t r = 0; r < NRX; r++) {
			uint64_t sent = atomic_load(&g.chan[s][r].sent);

			ASSERT_EQ(atomic_load(&g.chan[s][r].recv), sent);
			if (r == RX_EVENTS) {
				events += sent;
			} else if (r == RX_KICK) {
				kicks += sent;
			} else {
				msgs += sent;
			}
		}
	}
	ASSERT_EQ(atomic_load(&g.delivered), msgs + events + kicks);
	if (cfg->msgs) {
		ASSERT_GT(msgs, 0);
		ASSERT_GT(kicks, 0);
		/* The core-1 sender sent too. */
		for (uint32_t r = 0; r < NRX_THREADS; r++) {
			ASSERT_GT(atomic_load(&g.chan[1][r].sent), 0);
		}
	}
	ASSERT_FALSE(atomic_load(&g.token_held));
	if (cfg->events) {
		ASSERT_GT(events, 0);
	}
	/* The point of the exercise: the receiving reactor did sleep. */
	ASSERT_GT(atomic_load(&g.sleeps_end), 0);
	printf("  %" PRIu64 " messages, %" PRIu64 " events, %" PRIu64 " kicks, reactor %u slept %"
	       PRIu64 " times\n", msgs, events, kicks, CORE_T, atomic_load(&g.sleeps_end));
}

TEST_TIMEOUT(stress_sleep_bursts, 120)
{
	struct config cfg = {
		.nworkers = 2, .nforeign = 2, .msgs = true, .events = true,
		.burst = 32, .window = 64,
	};

	run(&cfg);
}

TEST_TIMEOUT(stress_sleep_single_items, 120)
{
	struct config cfg = {
		.nworkers = 2, .nforeign = 2, .msgs = true, .events = true,
		.burst = 4, .window = 1, .token = true,
	};

	run(&cfg);
}

TEST_TIMEOUT(stress_sleep_events_no_threads, 120)
{
	struct config cfg = {
		.nworkers = 1, .nforeign = 2, .msgs = false, .events = true,
		.burst = 1, .window = 1, .token = true,
	};

	run(&cfg);
}

TEST_TIMEOUT(stress_sleep_events_no_threads_bursts, 120)
{
	struct config cfg = {
		.nworkers = 1, .nforeign = 2, .msgs = false, .events = true,
		.burst = 16, .window = 32,
	};

	run(&cfg);
}

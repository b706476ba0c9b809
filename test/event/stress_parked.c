/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress of parked threads (doc/design.md "Parked threads") on real reactors
 * (spdk_app_start() on cores 0 and 1, skipped where the process may not run
 * on both), spin_us 0 so that reactors also sleep whenever they can.
 *
 * NTARGETS threads, placed on both cores, receive messages and park whenever
 * they have nothing to do. Every 8th message a target also arms a one-shot
 * timed poller (100 us) that unregisters itself: a parked thread then wakes
 * on its timer too. The senders:
 *  - one thread on each core, sending bursts from a 50 us timed poller to
 *    random targets, skipping a random number of runs between bursts;
 *  - one foreign pthread (no spdk_thread) sending bursts with random pauses.
 * Every message carries (sender, sequence number) per (sender, target) pair
 * and the target requires exactly the next one: a lost, duplicated or
 * reordered message fails at once. A sender keeps at most WINDOW messages
 * owed per pair. At the end every pair has received exactly what was sent;
 * the driver (the foreign pthread's owner) fails the test if messages are
 * owed and none was delivered for STALL_S seconds (a lost wake-up).
 *
 * Traffic lasts PW_STRESS_SECONDS (default 2; 1 under ThreadSanitizer).
 */

#include "harness.h"
#include "ut_reactor.h"
#include "ut_stress.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "pinwheel/event.h"

#include <stdatomic.h>

#define NTARGETS	48
#define NSENDERS	3	/* core 0, core 1, foreign */
#define WINDOW		16
#define BURST		24
#define STALL_S		10

struct chan {
	_Atomic uint64_t	sent;	/* by the sender */
	_Atomic uint64_t	recv;	/* by the target; next expected = recv */
};

struct target {
	struct spdk_thread	*thread;
	struct spdk_poller	*oneshot;	/* its own */
	uint64_t		got;		/* its own */
};

static struct {
	struct chan		chan[NSENDERS][NTARGETS];
	struct target		targets[NTARGETS];
	struct spdk_thread	*senders[2];
	struct spdk_poller	*sender_pollers[2];
	uint64_t		seeds[NSENDERS];
	uint32_t		skip[2];
	_Atomic bool		stop;
	_Atomic uint64_t	delivered;
	_Atomic uint64_t	timer_runs;
	_Atomic uint32_t	exited;
	pthread_t		driver;
} g;

static uint64_t
budget_ns(void)
{
#ifdef PW_TEST_TSAN
	return env_u64("PW_STRESS_SECONDS", 1) * 1000000000ull;
#else
	return env_u64("PW_STRESS_SECONDS", 2) * 1000000000ull;
#endif
}

static int
oneshot_poll(void *arg)
{
	struct target *t = arg;

	atomic_fetch_add_explicit(&g.timer_runs, 1, memory_order_relaxed);
	spdk_poller_unregister(&t->oneshot);
	return SPDK_POLLER_BUSY;
}

/* ctx encodes (sender, target, seq): seq in the high bits. */
static void
recv_msg(void *ctx)
{
	uintptr_t v = (uintptr_t)ctx;
	uint32_t s = v & 0x3, ti = (v >> 2) & 0xff;
	uint64_t seq = v >> 10;
	struct chan *c = &g.chan[s][ti];
	struct target *t = &g.targets[ti];

	ASSERT_PTR_EQ(spdk_get_thread(), t->thread);
	/* Only this target writes recv; the sender reads it (acquire) for its window. */
	ASSERT_EQ(seq, atomic_load_explicit(&c->recv, memory_order_relaxed));
	atomic_store_explicit(&c->recv, seq + 1, memory_order_release);
	atomic_fetch_add_explicit(&g.delivered, 1, memory_order_relaxed);
	if (++t->got % 8 == 0 && t->oneshot == NULL) {
		t->oneshot = spdk_poller_register(oneshot_poll, t, 100);
		ASSERT_NOT_NULL(t->oneshot);
	}
}

/* One burst of sender s to random targets, within the window. */
static void
burst(uint32_t s)
{
	uint32_t n = 1 + (uint32_t)(rnd(&g.seeds[s]) % BURST);

	for (uint32_t i = 0; i < n; i++) {
		uint32_t ti = (uint32_t)(rnd(&g.seeds[s]) % NTARGETS);
		struct chan *c = &g.chan[s][ti];
		uint64_t seq = atomic_load_explicit(&c->sent, memory_order_relaxed);

		/* Pairs with the release store of recv in recv_msg(). */
		if (seq - atomic_load_explicit(&c->recv, memory_order_acquire) >= WINDOW) {
			continue;
		}
		atomic_store_explicit(&c->sent, seq + 1, memory_order_relaxed);
		ASSERT_EQ(spdk_thread_send_msg(g.targets[ti].thread, recv_msg,
					       (void *)(uintptr_t)((seq << 10) | (ti << 2) | s)), 0);
	}
}

static int
sender_poll(void *arg)
{
	uint32_t s = (uint32_t)(uintptr_t)arg;

	if (atomic_load(&g.stop)) {
		return SPDK_POLLER_IDLE;
	}
	if (g.skip[s] > 0) {
		g.skip[s]--;
		return SPDK_POLLER_IDLE;
	}
	burst(s);
	g.skip[s] = (uint32_t)(rnd(&g.seeds[s]) % 8);
	return SPDK_POLLER_BUSY;
}

static void
start_sender(void *arg)
{
	uint32_t s = (uint32_t)(uintptr_t)arg;

	g.sender_pollers[s] = spdk_poller_register(sender_poll, arg, 50);
	ASSERT_NOT_NULL(g.sender_pollers[s]);
}

static void
stop_sender(void *arg)
{
	uint32_t s = (uint32_t)(uintptr_t)arg;

	spdk_poller_unregister(&g.sender_pollers[s]);
	spdk_thread_exit(spdk_get_thread());
	atomic_fetch_add(&g.exited, 1);
}

static void
stop_target(void *arg)
{
	struct target *t = arg;

	spdk_poller_unregister(&t->oneshot);
	spdk_thread_exit(spdk_get_thread());
	atomic_fetch_add(&g.exited, 1);
}

static void
create_all(void *arg)
{
	struct spdk_cpuset both;

	spdk_cpuset_zero(&both);
	spdk_cpuset_set_cpu(&both, 0, true);
	spdk_cpuset_set_cpu(&both, 1, true);
	for (uint32_t i = 0; i < NTARGETS; i++) {
		char name[32];

		snprintf(name, sizeof(name), "target%u", i);
		g.targets[i].thread = spdk_thread_create(name, &both);
		ASSERT_NOT_NULL(g.targets[i].thread);
	}
}

static bool
all_delivered(void)
{
	for (uint32_t s = 0; s < NSENDERS; s++) {
		for (uint32_t t = 0; t < NTARGETS; t++) {
			if (atomic_load(&g.chan[s][t].recv) != atomic_load(&g.chan[s][t].sent)) {
				return false;
			}
		}
	}
	return true;
}

static void *
driver_main(void *arg)
{
	uint64_t end = now_ns() + budget_ns(), last_progress, last_delivered;

	(void)arg;
	call_on(spdk_thread_get_app_thread(), create_all, NULL);
	g.senders[0] = new_thread_on("sender0", 0);
	g.senders[1] = new_thread_on("sender1", 1);
	for (uintptr_t s = 0; s < 2; s++) {
		ASSERT_EQ(spdk_thread_send_msg(g.senders[s], start_sender, (void *)s), 0);
	}
	/* The foreign sender is this pthread. */
	while (now_ns() < end) {
		uint64_t r;

		burst(2);
		r = rnd(&g.seeds[2]) % 4;
		if (r == 1) {
			sched_yield();
		} else if (r >= 2) {
			pause_us((unsigned)(rnd(&g.seeds[2]) % 300));
		}
	}
	atomic_store(&g.stop, true);
	last_delivered = atomic_load(&g.delivered);
	last_progress = now_ns();
	while (!all_delivered()) {
		uint64_t d = atomic_load(&g.delivered);

		if (d != last_delivered) {
			last_delivered = d;
			last_progress = now_ns();
		} else if (now_ns() - last_progress > (uint64_t)STALL_S * 1000000000ull) {
			FAIL("messages owed and none delivered for %d s: a lost wake-up", STALL_S);
		}
		pause_us(200);
	}
	for (uintptr_t s = 0; s < 2; s++) {
		ASSERT_EQ(spdk_thread_send_msg(g.senders[s], stop_sender, (void *)s), 0);
	}
	for (uint32_t i = 0; i < NTARGETS; i++) {
		ASSERT_EQ(spdk_thread_send_msg(g.targets[i].thread, stop_target, &g.targets[i]), 0);
	}
	while (atomic_load(&g.exited) < NTARGETS + 2) {
		pause_us(200);
	}
	spdk_app_stop(0);
	return NULL;
}

static void
start_fn(void *ctx)
{
	ASSERT_EQ(pthread_create(&g.driver, NULL, driver_main, NULL), 0);
}

TEST_TIMEOUT(stress_parked_wakeups, 120)
{
	struct spdk_app_opts opts;
	struct pw_reactor_opts ropts;
	uint64_t total = 0;

	need_two_cores();
	for (uint32_t s = 0; s < NSENDERS; s++) {
		g.seeds[s] = 0x9E3779B97F4A7C15ull * (s + 1);
	}
	pw_reactor_opts_init(&ropts, sizeof(ropts));
	ropts.spin_us = 0;
	ASSERT_EQ(pw_reactor_set_opts(&ropts), 0);
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "stress_parked";
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x3";
	opts.print_level = SPDK_LOG_WARN;
	ASSERT_EQ(spdk_app_start(&opts, start_fn, NULL), 0);
	ASSERT_EQ(pthread_join(g.driver, NULL), 0);
	spdk_app_fini();

	for (uint32_t s = 0; s < NSENDERS; s++) {
		uint64_t per = 0;

		for (uint32_t t = 0; t < NTARGETS; t++) {
			ASSERT_EQ(atomic_load(&g.chan[s][t].recv), atomic_load(&g.chan[s][t].sent));
			per += atomic_load(&g.chan[s][t].sent);
		}
		ASSERT_GT(per, 0);
		total += per;
	}
	ASSERT_EQ(atomic_load(&g.delivered), total);
	ASSERT_GT(atomic_load(&g.timer_runs), 0);
	printf("  %" PRIu64 " messages, %" PRIu64 " one-shot timers\n", total,
	       atomic_load(&g.timer_runs));
}

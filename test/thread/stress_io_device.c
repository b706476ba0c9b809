/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of the io_device lifetime on real pthreads.
 *
 * last_two_puts_at_once_free_the_device_once (issue 8, defect 1): two
 * spdk_threads, each polled by its own pthread, hold the only two channels of
 * a device that the app thread has already unregistered. Both put their
 * channel at the same moment; each channel's destroy callback waits for the
 * other one (a rendezvous, not a sleep), so the two releases always overlap.
 * The device must then be freed exactly once: its unregister callback runs
 * once, on the app thread, and only after both destroy callbacks returned.
 * Before the fix, each release took the device's count down under one lock
 * and decided "last one" under another, later: with the two releases
 * overlapping, both saw 0 and both freed the device (glibc aborts with a
 * double free; ASan reports it; or the callback ran twice).
 *
 * Rounds are bounded by PW_STRESS_SECONDS (default 2) and ROUNDS times
 * PW_STRESS_SCALE.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"

#include "harness.h"
#include "ut_stress.h"

#include "thread/thread_internal.h"

#include <stdatomic.h>

#define NW		2		/* worker threads, one channel each */
#define ROUNDS		2000
#define STALL_NS	(20ULL * 1000000000ULL)

struct worker {
	unsigned int		idx;
	pthread_t		pt;
	struct spdk_thread	*thread;
};

/* Round r's phases: the main pthread sets phase to 2r+1 (get a channel),
 * then 2r+2 (put it). Stores release, loads acquire. */
static struct {
	struct worker		w[NW];
	int			dev;		/* its address is the io_device */
	_Atomic uint64_t	phase;
	_Atomic unsigned int	got;		/* channels got in this round */
	_Atomic unsigned int	in_destroy;	/* destroy callbacks entered, all rounds */
	_Atomic unsigned int	destroyed;	/* destroy callbacks returned, all rounds */
	_Atomic unsigned int	creates;
	_Atomic unsigned int	done;		/* workers whose put finished, this round */
	_Atomic bool		stop;
	unsigned int		unregistered;	/* unregister callbacks (app thread only) */
	unsigned int		destroyed_at_unreg;
} g;

static void
stall_check(uint64_t start, const char *what)
{
	if (now_ns() - start > STALL_NS * pw_test_timeout_scale()) {
		FAIL("stalled waiting for %s", what);
	}
}

static int
ch_create(void *io_device, void *ctx)
{
	atomic_fetch_add(&g.creates, 1);
	return 0;
}

/* Both channels of a round are destroyed at the same time: wait here until
 * the other destroy callback of the round has been entered too. */
static void
ch_destroy(void *io_device, void *ctx)
{
	unsigned int n = atomic_fetch_add(&g.in_destroy, 1) + 1;
	unsigned int target = (n + NW - 1) / NW * NW;
	uint64_t start = now_ns();

	while (atomic_load(&g.in_destroy) < target) {
		stall_check(start, "the other destroy callback");
		sched_yield();
	}
	atomic_fetch_add(&g.destroyed, 1);
}

static void
unreg_cb(void *io_device)
{
	g.unregistered++;
	g.destroyed_at_unreg = atomic_load(&g.destroyed);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t seen = 0;

	spdk_set_thread(w->thread);
	while (!atomic_load_explicit(&g.stop, memory_order_acquire)) {
		uint64_t phase = atomic_load_explicit(&g.phase, memory_order_acquire);
		struct spdk_io_channel *ch;
		uint64_t start;

		if (phase == seen || phase % 2 == 0) {
			spdk_thread_poll(w->thread, 0, 0);
			sched_yield();
			continue;
		}
		seen = phase;
		ch = spdk_get_io_channel(&g.dev);
		ASSERT_NOT_NULL(ch);
		atomic_fetch_add_explicit(&g.got, 1, memory_order_release);
		start = now_ns();
		while (atomic_load_explicit(&g.phase, memory_order_acquire) != seen + 1) {
			stall_check(start, "the put phase");
			sched_yield();
		}
		seen++;
		spdk_put_io_channel(ch);
		/* The channel is released by a message: poll until it ran. */
		while (spdk_thread_get_first_io_channel(w->thread) != NULL) {
			spdk_thread_poll(w->thread, 0, 0);
			stall_check(start, "the channel release");
		}
		spdk_thread_poll(w->thread, 0, 0);
		atomic_fetch_add_explicit(&g.done, 1, memory_order_release);
	}
	/* Exit and destroy the thread from its own pthread. */
	ASSERT_EQ(spdk_thread_exit(w->thread), 0);
	while (!spdk_thread_is_exited(w->thread)) {
		spdk_thread_poll(w->thread, 0, 0);
	}
	spdk_thread_destroy(w->thread);
	spdk_set_thread(NULL);
	return NULL;
}

TEST_TIMEOUT(last_two_puts_at_once_free_the_device_once, 120)
{
	uint64_t budget = env_u64("PW_STRESS_SECONDS", 2) * 1000000000ULL;
	uint64_t rounds = ROUNDS * env_u64("PW_STRESS_SCALE", 1);
	struct spdk_thread *app;
	uint64_t start = now_ns(), r;
	char name[16];

	memset(&g, 0, sizeof(g));
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(app);
	for (unsigned int i = 0; i < NW; i++) {
		g.w[i].idx = i;
		snprintf(name, sizeof(name), "w%u", i);
		g.w[i].thread = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(g.w[i].thread);
	}
	for (unsigned int i = 0; i < NW; i++) {
		ASSERT_EQ(pthread_create(&g.w[i].pt, NULL, worker_main, &g.w[i]), 0);
	}
	spdk_set_thread(app);
	for (r = 0; r < rounds && now_ns() - start < budget; r++) {
		uint64_t t0 = now_ns();

		spdk_io_device_register(&g.dev, ch_create, ch_destroy, 0, "dev");
		atomic_store(&g.got, 0);
		atomic_store(&g.done, 0);
		atomic_store_explicit(&g.phase, 2 * r + 1, memory_order_release);
		while (atomic_load_explicit(&g.got, memory_order_acquire) < NW) {
			stall_check(t0, "the channels");
			sched_yield();
		}
		/* Two channels alive: the device is freed when the last one goes. */
		spdk_io_device_unregister(&g.dev, unreg_cb);
		spdk_thread_poll(app, 0, 0);
		ASSERT_EQ(g.unregistered, r);
		atomic_store_explicit(&g.phase, 2 * r + 2, memory_order_release);
		while (atomic_load_explicit(&g.done, memory_order_acquire) < NW) {
			spdk_thread_poll(app, 0, 0);
			stall_check(t0, "the puts");
			sched_yield();
		}
		while (g.unregistered == r) {
			spdk_thread_poll(app, 0, 0);
			stall_check(t0, "the unregister callback");
		}
		/* A second free would have sent a second callback by now. */
		for (int k = 0; k < 4; k++) {
			spdk_thread_poll(app, 0, 0);
		}
		ASSERT_EQ(g.unregistered, r + 1);
		ASSERT_EQ(g.destroyed_at_unreg, (r + 1) * NW);
		ASSERT_EQ(pw__io_device_count(), 0);
	}
	atomic_store_explicit(&g.stop, true, memory_order_release);
	for (unsigned int i = 0; i < NW; i++) {
		ASSERT_EQ(pthread_join(g.w[i].pt, NULL), 0);
	}
	ASSERT_EQ(atomic_load(&g.creates), r * NW);
	ASSERT_EQ(atomic_load(&g.destroyed), r * NW);
	ASSERT_EQ(spdk_thread_exit(app), 0);
	while (!spdk_thread_is_exited(app)) {
		spdk_thread_poll(app, 0, 0);
	}
	spdk_thread_destroy(app);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	printf("last_two_puts_at_once_free_the_device_once: %" PRIu64 " rounds\n", r);
}

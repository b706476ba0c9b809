/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The subsystem chains with reports from real pthreads (run under TSan in
 * CI): every subsystem's init and fini hand their work to a worker (an
 * spdk_thread polled by its own pthread, or a plain pthread with no
 * spdk_thread), which writes the subsystem's state and reports with
 * spdk_subsystem_init_next() / spdk_subsystem_fini_next(). The app thread,
 * polled by the test's main pthread, must see each write before it goes on
 * (the report travels as a message), run every init and fini exactly once per
 * round, in dependency order and in reverse, and never run two at a time.
 *
 * PW_STRESS_ROUNDS (default 40) init/fini rounds.
 */

#include "harness.h"
#include "ut_stress.h"

#include "init/init_internal.h"
#include "spdk/init.h"
#include "spdk/thread.h"

#include <pthread.h>
#include <stdatomic.h>

#define NSUB	48
#define NWORK	2

enum { S_DOWN = 0, S_UP = 1 };

struct worker {
	pthread_t		tid;
	_Atomic(struct spdk_thread *) thread;	/* published by the worker */
};

static struct worker g_workers[NWORK];
static atomic_bool g_stop;
static struct spdk_thread *g_app;

static struct spdk_subsystem g_subs[NSUB];
static char g_names[NSUB][8];
static struct spdk_subsystem_depend g_deps[3 * NSUB];
static int g_ndeps;

/* Written by the workers, read on the app thread after the report. */
static int g_state[NSUB];
/* App thread only. */
static int g_seq[2 * NSUB];
static int g_nseq;
static pthread_t g_raw[NSUB];	/* plain pthreads of this chain */
static int g_nraw;
static int g_init_rc = 1;
static bool g_init_done, g_fini_done;

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct spdk_thread *t = spdk_thread_create("worker", NULL);

	ASSERT_NOT_NULL(t);
	spdk_set_thread(t);
	/* Pairs with the acquire load in post(). */
	atomic_store_explicit(&w->thread, t, memory_order_release);
	/* Relaxed: the flag only ends the loop; the messages carry the data. */
	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		if (spdk_thread_poll(t, 0, 0) == 0) {
			sched_yield();	/* 2 cpus shared by 3+ spinning pthreads */
		}
	}
	spdk_thread_exit(t);
	while (!spdk_thread_is_exited(t)) {
		spdk_thread_poll(t, 0, 0);
	}
	spdk_thread_destroy(t);
	return NULL;
}

static void
work_done_init(void *ctx)
{
	int i = (int)(intptr_t)ctx;

	ASSERT_EQ(g_state[i], S_DOWN);
	g_state[i] = S_UP;
	spdk_subsystem_init_next(0);
}

static void
work_done_fini(void *ctx)
{
	int i = (int)(intptr_t)ctx;

	ASSERT_EQ(g_state[i], S_UP);
	g_state[i] = S_DOWN;
	spdk_subsystem_fini_next();
}

static void *
raw_init(void *ctx)
{
	work_done_init(ctx);
	return NULL;
}

static void *
raw_fini(void *ctx)
{
	work_done_fini(ctx);
	return NULL;
}

/* Hand subsystem i's work to a worker: every third one to a short-lived
 * plain pthread, the others to worker spdk_threads. */
static void
post(int i, bool init)
{
	void *ctx = (void *)(intptr_t)i;

	if (i % 3 == 2) {
		ASSERT_LT(g_nraw, NSUB);
		ASSERT_EQ(pthread_create(&g_raw[g_nraw++], NULL, init ? raw_init : raw_fini, ctx), 0);
		return;
	}
	/* Pairs with the release store in worker_main(). */
	ASSERT_EQ(spdk_thread_send_msg(atomic_load_explicit(&g_workers[i % NWORK].thread,
			memory_order_acquire), init ? work_done_init : work_done_fini, ctx), 0);
}

static void
record(int i, bool init)
{
	ASSERT_TRUE(spdk_thread_is_app_thread(NULL));
	/* The chain waited for the previous subsystem's report, and what its
	 * worker wrote before reporting is visible here. */
	if (init && i > 0) {
		ASSERT_EQ(g_state[i - 1], S_UP);
	}
	if (!init && i < NSUB - 1) {
		ASSERT_EQ(g_state[i + 1], S_DOWN);
	}
	g_seq[g_nseq++] = i;
	post(i, init);
}

#define FN(i)										\
	static void init_##i(void) { record(i, true); }					\
	static void fini_##i(void) { record(i, false); }
#define FN8(h) FN(h##0) FN(h##1) FN(h##2) FN(h##3) FN(h##4) FN(h##5) FN(h##6) FN(h##7)
FN(0) FN(1) FN(2) FN(3) FN(4) FN(5) FN(6) FN(7) FN(8) FN(9)
FN8(1) FN(18) FN(19) FN8(2) FN(28) FN(29) FN8(3) FN(38) FN(39) FN8(4)

#define FP(i) { init_##i, fini_##i },
#define FP8(h) FP(h##0) FP(h##1) FP(h##2) FP(h##3) FP(h##4) FP(h##5) FP(h##6) FP(h##7)
static const struct {
	void (*init)(void);
	void (*fini)(void);
} g_fns[NSUB] = {
	FP(0) FP(1) FP(2) FP(3) FP(4) FP(5) FP(6) FP(7) FP(8) FP(9)
	FP8(1) FP(18) FP(19) FP8(2) FP(28) FP(29) FP8(3) FP(38) FP(39) FP8(4)
};

static void
init_done(int rc, void *arg)
{
	(void)arg;
	g_init_rc = rc;
	g_init_done = true;
}

static void
fini_done(void *arg)
{
	(void)arg;
	g_fini_done = true;
}

static void
join_raw(void)
{
	for (int k = 0; k < g_nraw; k++) {
		ASSERT_EQ(pthread_join(g_raw[k], NULL), 0);
	}
	g_nraw = 0;
}

static void
poll_app_until(const bool *flag)
{
	while (!*flag) {
		int before = g_nseq;

		spdk_thread_poll(g_app, 0, 0);
		if (g_nseq != before || *flag) {
			continue;
		}
		sched_yield();
	}
}

TEST_TIMEOUT(chains_with_reports_from_other_pthreads, 300)
{
	uint64_t rounds = env_u64("PW_STRESS_ROUNDS", 40);

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	g_app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(g_app);
	spdk_set_thread(g_app);
	for (int w = 0; w < NWORK; w++) {
		ASSERT_EQ(pthread_create(&g_workers[w].tid, NULL, worker_main, &g_workers[w]), 0);
	}
	for (int w = 0; w < NWORK; w++) {
		/* Pairs with the release store in worker_main(). */
		while (atomic_load_explicit(&g_workers[w].thread, memory_order_acquire) == NULL) {
			sched_yield();
		}
	}

	/* Registered backwards; each needs its predecessor (a chain, so the
	 * order is fully determined), some also an earlier one. */
	pw__subsystem_reset_for_tests();
	for (int i = NSUB - 1; i >= 0; i--) {
		snprintf(g_names[i], sizeof(g_names[i]), "s%d", i);
		g_subs[i].name = g_names[i];
		g_subs[i].init = g_fns[i].init;
		g_subs[i].fini = g_fns[i].fini;
		spdk_add_subsystem(&g_subs[i]);
	}
	for (int i = 1; i < NSUB; i++) {
		g_deps[g_ndeps].name = g_names[i];
		g_deps[g_ndeps].depends_on = g_names[i - 1];
		spdk_add_subsystem_depend(&g_deps[g_ndeps++]);
		if (i >= 5) {
			g_deps[g_ndeps].name = g_names[i];
			g_deps[g_ndeps].depends_on = g_names[i / 2];
			spdk_add_subsystem_depend(&g_deps[g_ndeps++]);
		}
	}

	for (uint64_t r = 0; r < rounds; r++) {
		g_nseq = 0;
		g_init_done = false;
		g_fini_done = false;
		spdk_subsystem_init(init_done, NULL);
		poll_app_until(&g_init_done);
		join_raw();
		ASSERT_EQ(g_init_rc, 0);
		ASSERT_EQ(g_nseq, NSUB);
		for (int i = 0; i < NSUB; i++) {
			ASSERT_EQ(g_seq[i], i);
			ASSERT_EQ(g_state[i], S_UP);
		}
		spdk_subsystem_fini(fini_done, NULL);
		poll_app_until(&g_fini_done);
		join_raw();
		ASSERT_EQ(g_nseq, 2 * NSUB);
		for (int i = 0; i < NSUB; i++) {
			ASSERT_EQ(g_seq[NSUB + i], NSUB - 1 - i);
			ASSERT_EQ(g_state[i], S_DOWN);
		}
	}

	/* Relaxed: see worker_main(). */
	atomic_store_explicit(&g_stop, true, memory_order_relaxed);
	for (int w = 0; w < NWORK; w++) {
		ASSERT_EQ(pthread_join(g_workers[w].tid, NULL), 0);
	}
	spdk_thread_exit(g_app);
	while (!spdk_thread_is_exited(g_app)) {
		spdk_thread_poll(g_app, 0, 0);
	}
	spdk_thread_destroy(g_app);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Events called from the callbacks of thread slices on real reactors (staged,
 * published when the slice is over: doc/design.md "Cross-core batches"),
 * under spdk_app_start() on cores 0 and 1 (skipped where the process may not
 * run on both). Meant for ThreadSanitizer (ctest -L stress).
 *
 * - stress_events_from_slices: two threads per core send events with
 *   (sender, sequence) to both cores, from an untimed poller and from a
 *   message handler (the poller messages its own thread, whose handler sends
 *   a burst), while a foreign pthread sends events to both cores too. Each
 *   event's handler requires exactly the next sequence number of its (sender,
 *   core) pair (FIFO per sender, nothing lost or run twice) and counts it;
 *   senders keep at most WINDOW events outstanding per pair; at the end every
 *   pair has run as many events as were sent, and no event is left.
 * - stress_stop_with_events_staged: the same traffic, stopped by
 *   spdk_app_stop() from a message handler right after it called events to
 *   the other core (staged at that moment): spdk_app_start() returns, events
 *   that were run ran in order, and every event is accounted for (run, or
 *   counted at spdk_reactors_fini() as not run).
 *
 * Traffic lasts PW_STRESS_SECONDS (default 2) per test.
 */

#include "harness.h"
#include "log_capture.h"
#include "ut_reactor.h"
#include "ut_tasks.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include <stdatomic.h>

#define NCORES		2
#define NWORKERS	4		/* two per core */
#define FOREIGN		NWORKERS	/* the foreign pthread's sender id */
#define NSENDERS	(NWORKERS + 1)
#define WINDOW		256
#define BURST		16

struct pair {
	_Atomic uint64_t	sent;		/* written by its sender */
	uint64_t		next __attribute__((aligned(64)));	/* its core only */
	_Atomic uint64_t	ran;		/* written by its core */
} __attribute__((aligned(64)));

static struct pair g_pair[NSENDERS][NCORES];
static struct spdk_thread *g_worker[NWORKERS];
static struct spdk_poller *g_poller[NWORKERS];
static _Atomic bool g_stop_sending;
static _Atomic bool g_foreign_done;
static _Atomic uint64_t g_order_errors;
static uint64_t g_deadline_ns;
static bool g_stop_inside;	/* stop from a handler with events staged */
static struct spdk_poller *g_ctl;
static pthread_t g_foreign;
static bool g_foreign_started;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t
budget_ns(void)
{
	const char *s = getenv("PW_STRESS_SECONDS");
	long v = s != NULL ? strtol(s, NULL, 10) : 0;

	return (uint64_t)(v > 0 ? v : 2) * 1000000000ull;
}

/* arg1: sender; arg2: sequence number. */
static void
seq_event(void *arg1, void *arg2)
{
	uint32_t sender = (uint32_t)(uintptr_t)arg1, core = spdk_env_get_current_core();
	struct pair *p = &g_pair[sender][core];

	if ((uint64_t)(uintptr_t)arg2 != p->next) {
		atomic_fetch_add(&g_order_errors, 1);
	}
	p->next = (uint64_t)(uintptr_t)arg2 + 1;
	/* Pairs with the senders' acquire loads (window) and the final check. */
	atomic_fetch_add_explicit(&p->ran, 1, memory_order_release);
}

/* Up to BURST events from sender to core, within the window. */
static uint32_t
send_burst(uint32_t sender, uint32_t core)
{
	struct pair *p = &g_pair[sender][core];
	uint64_t sent = atomic_load_explicit(&p->sent, memory_order_relaxed);
	uint32_t n = 0;

	while (n < BURST && sent - atomic_load_explicit(&p->ran, memory_order_acquire) < WINDOW) {
		struct spdk_event *ev = spdk_event_allocate(core, seq_event,
					(void *)(uintptr_t)sender, (void *)(uintptr_t)sent);

		if (ev == NULL) {
			break;
		}
		spdk_event_call(ev);
		sent++;
		n++;
		atomic_store_explicit(&p->sent, sent, memory_order_relaxed);
	}
	return n;
}

static uint32_t
worker_id(void)
{
	for (uint32_t i = 0; i < NWORKERS; i++) {
		if (g_worker[i] == spdk_get_thread()) {
			return i;
		}
	}
	ASSERT_TRUE(false);
	return 0;
}

static void
burst_msg(void *ctx)
{
	uint32_t id = (uint32_t)(uintptr_t)ctx;

	if (!atomic_load(&g_stop_sending)) {
		send_burst(id, 0);
		send_burst(id, 1);
	}
}

static int
worker_poll(void *arg)
{
	uint32_t id = worker_id(), n = 0;

	if (atomic_load(&g_stop_sending)) {
		return SPDK_POLLER_IDLE;
	}
	/* Half from the poller, half from a message handler of the thread. */
	n += send_burst(id, id % NCORES);
	n += send_burst(id, (id + 1) % NCORES);
	ASSERT_EQ(spdk_thread_send_msg(spdk_get_thread(), burst_msg, (void *)(uintptr_t)id), 0);
	return n > 0 ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void
worker_start(void *ctx)
{
	g_poller[(uintptr_t)ctx] = SPDK_POLLER_REGISTER(worker_poll, NULL, 0);
	ASSERT_NOT_NULL(g_poller[(uintptr_t)ctx]);
}

static void
worker_end(void *ctx)
{
	spdk_poller_unregister(&g_poller[(uintptr_t)ctx]);
	spdk_thread_exit(spdk_get_thread());
}

static void *
foreign_main(void *arg)
{
	unsigned spins = 0;

	while (!atomic_load(&g_stop_sending)) {
		if (send_burst(FOREIGN, 0) + send_burst(FOREIGN, 1) == 0 && ++spins % 64 == 0) {
			sched_yield();
		}
	}
	atomic_store(&g_foreign_done, true);
	return NULL;
}

static bool
all_ran(void)
{
	for (uint32_t s = 0; s < NSENDERS; s++) {
		for (uint32_t c = 0; c < NCORES; c++) {
			if (atomic_load(&g_pair[s][c].ran) != atomic_load(&g_pair[s][c].sent)) {
				return false;
			}
		}
	}
	return true;
}

/* A handler on worker 0 (core 0): the workers told to end, events to core 1,
 * then the stop, while those events are staged (this callback has not
 * returned). */
static void
stop_inside_msg(void *ctx)
{
	struct pair *p = &g_pair[0][1];

	atomic_store(&g_stop_sending, true);
	for (uint32_t i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(spdk_thread_send_msg(g_worker[i], worker_end, (void *)(uintptr_t)i), 0);
	}
	for (uint32_t i = 0; i < 4; i++) {
		uint64_t seq = atomic_load_explicit(&p->sent, memory_order_relaxed);
		struct spdk_event *ev = spdk_event_allocate(1, seq_event, (void *)(uintptr_t)0,
					(void *)(uintptr_t)seq);

		ASSERT_NOT_NULL(ev);
		spdk_event_call(ev);
		atomic_store_explicit(&p->sent, seq + 1, memory_order_relaxed);
	}
	spdk_app_stop(0);
}

static int
controller_poll(void *arg)
{
	if (now_ns() < g_deadline_ns) {
		return SPDK_POLLER_IDLE;
	}
	atomic_store(&g_stop_sending, true);
	/* The foreign pthread calls no more events once the reactors go. */
	if (!atomic_load(&g_foreign_done)) {
		return SPDK_POLLER_IDLE;
	}
	if (g_stop_inside) {
		/* Events of the workers may still be queued or staged. */
		spdk_poller_unregister(&g_ctl);
		ASSERT_EQ(spdk_thread_send_msg(g_worker[0], stop_inside_msg, NULL), 0);
		return SPDK_POLLER_BUSY;
	}
	if (!all_ran()) {
		return SPDK_POLLER_IDLE;
	}
	spdk_poller_unregister(&g_ctl);
	for (uint32_t i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(spdk_thread_send_msg(g_worker[i], worker_end, (void *)(uintptr_t)i), 0);
	}
	spdk_app_stop(0);
	return SPDK_POLLER_BUSY;
}

static void
app_start(void *ctx)
{
	struct spdk_cpuset set;
	char name[16];

	for (uint32_t i = 0; i < NWORKERS; i++) {
		spdk_cpuset_zero(&set);
		spdk_cpuset_set_cpu(&set, i % NCORES, true);
		snprintf(name, sizeof(name), "w%u", i);
		g_worker[i] = spdk_thread_create(name, &set);
		ASSERT_NOT_NULL(g_worker[i]);
	}
	for (uint32_t i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(spdk_thread_send_msg(g_worker[i], worker_start, (void *)(uintptr_t)i), 0);
	}
	/* From here: the reactors exist until the controller stops them. */
	ASSERT_EQ(pthread_create(&g_foreign, NULL, foreign_main, NULL), 0);
	g_foreign_started = true;
	g_ctl = SPDK_POLLER_REGISTER(controller_poll, NULL, 1000);
	ASSERT_NOT_NULL(g_ctl);
}

static void
run(bool stop_inside, uint64_t *ran_total)
{
	struct spdk_app_opts opts;
	uint64_t ran = 0;

	memset(g_pair, 0, sizeof(g_pair));
	atomic_store(&g_stop_sending, false);
	atomic_store(&g_foreign_done, false);
	atomic_store(&g_order_errors, 0);
	g_stop_inside = stop_inside;
	g_deadline_ns = now_ns() + budget_ns();
	g_foreign_started = false;
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "stress_event_slice_stage";
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x3";
	opts.print_level = SPDK_LOG_WARN;
	ASSERT_EQ(spdk_app_start(&opts, app_start, NULL), 0);
	ASSERT_TRUE(g_foreign_started);
	ASSERT_EQ(pthread_join(g_foreign, NULL), 0);
	ASSERT_EQ(atomic_load(&g_order_errors), 0);
	for (uint32_t s = 0; s < NSENDERS; s++) {
		for (uint32_t c = 0; c < NCORES; c++) {
			uint64_t r = atomic_load(&g_pair[s][c].ran);

			ASSERT_TRUE(r <= atomic_load(&g_pair[s][c].sent));
			if (!stop_inside) {
				ASSERT_EQ(r, atomic_load(&g_pair[s][c].sent));
				ASSERT_GT(r, 0);
			}
			ran += r;
		}
	}
	*ran_total = ran;
}

TEST_TIMEOUT(stress_events_from_slices, 60)
{
	unsigned tasks0 = ut_tasks_baseline();
	uint64_t ran;

	need_two_cores();
	log_capture_start();
	run(false, &ran);
	log_capture_stop();
	if (log_capture_count(SPDK_LOG_ERROR) != 0) {
		fprintf(stderr, "%s", log_capture_text());
	}
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	spdk_app_fini();
	ASSERT_EQ(spdk_thread_get_count(), 0);
	ut_tasks_expect(tasks0);
	ASSERT_EQ(pw__events_outstanding(), 0);
	fprintf(stderr, "stress_events_from_slices: %" PRIu64 " events\n", ran);
}

TEST_TIMEOUT(stress_stop_with_events_staged, 60)
{
	unsigned tasks0 = ut_tasks_baseline();
	uint64_t ran;

	need_two_cores();
	log_capture_start();
	run(true, &ran);
	log_capture_stop();
	spdk_app_fini();
	ASSERT_EQ(spdk_thread_get_count(), 0);
	ut_tasks_expect(tasks0);
	/* Every event either ran or was counted as not run at fini. */
	ASSERT_EQ(pw__events_outstanding(), 0);
	fprintf(stderr, "stress_stop_with_events_staged: %" PRIu64 " events\n", ran);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress tests of the event framework on real reactors (spdk_app_start() on
 * cores 0 and 1; skipped where the process may not run on both).
 *
 * Traffic: senders are spdk_threads placed on both cores (sending from a
 * poller) and foreign pthreads (no reactor, no spdk_thread). Every message
 * and event carries (sender, sequence number); sequence numbers run per
 * (sender, receiver) pair and a receiver requires exactly the next one, so a
 * lost, duplicated or reordered delivery fails at once, and at the end every
 * pair must show as many deliveries as accepted sends. A sender keeps at most
 * WINDOW deliveries outstanding per pair.
 *
 * - stress_events_and_messages_across_cores: messages to threads on both
 *   cores and to the app thread, events to both cores; a clean shutdown by the
 *   application.
 * - stress_thread_moved_between_cores: one thread moves between the cores
 *   thousands of times (spdk_thread_set_cpumask() from its own poller and
 *   from a message to itself) while three senders message it. An atomic
 *   "in slice" flag taken by each of its handlers proves it is never run by two
 *   reactors at once; its handlers also check they run on the core the moves
 *   imply; messages stay in order per sender.
 * - stress_sigterm_*: SIGTERM from a foreign pthread during heavy traffic,
 *   handled by the application's shutdown_cb (clean drain, then stop), or by
 *   the framework's default (spdk_app_stop(0): the reactors exit every thread
 *   themselves). Either way spdk_app_start() returns, nothing accepted is
 *   lost, nothing is left.
 * - stress_app_stop_*: spdk_app_stop() from a foreign pthread, from inside a
 *   message and from inside an event, while traffic runs; and two racing stops.
 *
 * Traffic lasts PW_STRESS_SECONDS (default 2) per phase, so that a
 * ThreadSanitizer build stays well under a minute per test.
 */

#include "harness.h"
#include "ut_reactor.h"
#include "ut_stress.h"
#include "ut_tasks.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include "event/event_internal.h"

#include <stdatomic.h>

#define NCORES		2
#define MAX_WORKERS	4
#define MAX_FOREIGN	2
#define MAX_SENDERS	(MAX_WORKERS + MAX_FOREIGN)
#define MAX_RX		(MAX_WORKERS + 2)	/* workers, the app thread, the mover */
#define WINDOW		512
#define BURST		32
#define SEQ_BITS	56
#define SEQ_MASK	((1ull << SEQ_BITS) - 1)
#define MOVES		4000

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static uint64_t
budget_ns(void)
{
	const char *s = getenv("PW_STRESS_SECONDS");
	long v = s != NULL ? strtol(s, NULL, 10) : 0;

	return (uint64_t)(v > 0 ? v : 2) * 1000000000ull;
}


static void
app_opts(struct spdk_app_opts *opts)
{
	spdk_app_opts_init(opts, sizeof(*opts));
	opts->name = "stress_reactor";
	/* No RPC server: tests run in parallel and would share its default path. */
	opts->rpc_addr = NULL;
	opts->reactor_mask = "0x3";
	opts->print_level = SPDK_LOG_WARN;
}

static void
backoff(unsigned *spins)
{
	if (++*spins < 64) {
		spdk_pause();
	} else {
		*spins = 0;
		sched_yield();
	}
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
 * The traffic engine
 * ------------------------------------------------------------------------- */

/* One (sender, receiver) pair: sent is written by the sender only, recv by
 * the receiver only (a receiving thread runs one handler at a time; a core's
 * events run on its reactor only). */
struct chan {
	_Atomic uint64_t	sent;	/* accepted sends */
	_Atomic uint64_t	recv;	/* deliveries, in order */
} __attribute__((aligned(64)));

struct worker {
	struct spdk_thread	*thread;
	struct spdk_poller	*poller;
	uint32_t		sid;
	uint32_t		core;
	bool			counted_done;
};

struct traffic {
	/* Configuration, set before the senders start. */
	uint32_t		nworkers;
	uint32_t		nforeign;
	uint32_t		msg_targets;	/* bit r: send messages to receiver r */
	bool			worker_events;	/* workers send events to both cores */
	bool			foreign_events;	/* foreign pthreads send events too */
	/* Stop when the framework exits my thread / the app thread (shutdown
	 * by the framework rather than by the application). */
	bool			framework_shutdown;
	uint32_t		msg_window;	/* 0: WINDOW */

	struct spdk_thread	*rx[MAX_RX];
	uint32_t		nrx;
	uint32_t		app_rx;		/* index of the app thread in rx[] */
	struct worker		workers[MAX_WORKERS];
	pthread_t		foreign[MAX_FOREIGN];

	struct chan		msg[MAX_SENDERS][MAX_RX];
	struct chan		ev[MAX_SENDERS][NCORES];

	_Atomic bool		go;
	_Atomic bool		stop_sending;
	_Atomic uint32_t	senders_done;
	_Atomic uint32_t	workers_exited;
	_Atomic bool		app_returned;
	_Atomic uint64_t	delivered;	/* all receivers together */
	uint64_t		deadline;
	struct spdk_poller	*controller;
	int			phase;
	uint32_t		extra_exits;	/* threads besides the workers that exit */
	bool			(*ready_to_stop)(void);	/* default: the deadline passed */
};

static struct traffic g_t;

static uint32_t
rx_index(struct spdk_thread *t)
{
	for (uint32_t r = 0; r < g_t.nrx; r++) {
		if (g_t.rx[r] == t) {
			return r;
		}
	}
	FAIL("message ran on thread %s, which receives none",
	     t != NULL ? spdk_thread_get_name(t) : "(none)");
	return 0;
}

static void
deliver(struct chan *ch, const void *p, const char *what)
{
	uint64_t expect = atomic_load_explicit(&ch->recv, memory_order_relaxed);

	if (dec_seq(p) != expect) {
		FAIL("%s from sender %u: got seq %" PRIu64 ", expected %" PRIu64 " (%s)", what,
		     dec_sender(p), dec_seq(p), expect,
		     dec_seq(p) < expect ? "duplicate or reordered" : "lost or reordered");
	}
	/* Pairs with the sender's acquire load in send_burst() (window). */
	atomic_store_explicit(&ch->recv, expect + 1, memory_order_release);
	atomic_fetch_add_explicit(&g_t.delivered, 1, memory_order_relaxed);
}

static void
msg_rx(void *ctx)
{
	uint32_t sid = dec_sender(ctx);

	ASSERT_LT(sid, MAX_SENDERS);
	deliver(&g_t.msg[sid][rx_index(spdk_get_thread())], ctx, "message");
}

static void
ev_rx(void *arg1, void *arg2)
{
	uint32_t sid = dec_sender(arg1);
	uint32_t core = (uint32_t)(uintptr_t)arg2;

	ASSERT_LT(sid, MAX_SENDERS);
	ASSERT_LT(core, NCORES);
	ASSERT_EQ(spdk_env_get_current_core(), core);
	ASSERT_NULL(spdk_get_thread());
	deliver(&g_t.ev[sid][core], arg1, "event");
}

/* The handler used for messages to receiver r (the mover wraps it). */
static spdk_msg_fn g_rx_fn[MAX_RX];

/* Whether sends to receiver r may still go (framework shutdown: not to a
 * receiver that is exiting; its memory stays valid, only the app thread and
 * the senders themselves are ever targeted in that mode). */
static bool
target_open(uint32_t r)
{
	return !g_t.framework_shutdown || spdk_thread_is_running(g_t.rx[r]);
}

/* Up to BURST sends per target; returns how many were accepted. */
static uint32_t
send_burst(uint32_t sid, bool events)
{
	const uint64_t window = g_t.msg_window != 0 ? g_t.msg_window : WINDOW;
	uint32_t n = 0;

	for (uint32_t r = 0; r < g_t.nrx; r++) {
		struct chan *ch = &g_t.msg[sid][r];

		if (!(g_t.msg_targets & (1u << r))) {
			continue;
		}
		for (uint32_t k = 0; k < BURST && target_open(r); k++) {
			uint64_t s = atomic_load_explicit(&ch->sent, memory_order_relaxed);
			int rc;

			/* Pairs with the release store in deliver(). */
			if (s - atomic_load_explicit(&ch->recv, memory_order_acquire) >= window) {
				break;
			}
			rc = spdk_thread_send_msg(g_t.rx[r], g_rx_fn[r], encode(sid, s));
			if (rc != 0) {
				/* Only a receiver that has exited may refuse. */
				ASSERT_TRUE(g_t.framework_shutdown);
				ASSERT_EQ(rc, -EIO);
				break;
			}
			atomic_store_explicit(&ch->sent, s + 1, memory_order_relaxed);
			n++;
		}
	}
	for (uint32_t core = 0; events && core < NCORES; core++) {
		struct chan *ch = &g_t.ev[sid][core];

		for (uint32_t k = 0; k < BURST; k++) {
			uint64_t s = atomic_load_explicit(&ch->sent, memory_order_relaxed);
			struct spdk_event *ev;

			if (s - atomic_load_explicit(&ch->recv, memory_order_acquire) >= WINDOW) {
				break;
			}
			ev = spdk_event_allocate(core, ev_rx, encode(sid, s), (void *)(uintptr_t)core);
			ASSERT_NOT_NULL(ev);
			spdk_event_call(ev);
			atomic_store_explicit(&ch->sent, s + 1, memory_order_relaxed);
			n++;
		}
	}
	return n;
}

static void
sender_finished(bool *counted)
{
	if (!*counted) {
		*counted = true;
		atomic_fetch_add(&g_t.senders_done, 1);
	}
}

static int
worker_poller(void *ctx)
{
	struct worker *w = ctx;

	ASSERT_EQ(spdk_env_get_current_core(), w->core);
	if (!spdk_thread_is_running(w->thread)) {
		/* The framework is exiting us: stop, so that the exit completes. */
		spdk_poller_unregister(&w->poller);
		sender_finished(&w->counted_done);
		return SPDK_POLLER_IDLE;
	}
	if (atomic_load(&g_t.stop_sending) ||
	    (g_t.framework_shutdown && !spdk_thread_is_running(g_t.rx[g_t.app_rx]))) {
		sender_finished(&w->counted_done);
		return SPDK_POLLER_IDLE;
	}
	return send_burst(w->sid, g_t.worker_events) > 0 ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void
worker_start(void *ctx)
{
	struct worker *w = ctx;

	w->core = spdk_env_get_current_core();
	w->poller = spdk_poller_register(worker_poller, w, 0);
	ASSERT_NOT_NULL(w->poller);
}

static void
worker_exit(void *ctx)
{
	struct worker *w = ctx;

	spdk_poller_unregister(&w->poller);
	ASSERT_EQ(spdk_thread_exit(w->thread), 0);
	atomic_fetch_add(&g_t.workers_exited, 1);
}

static void *
foreign_main(void *arg)
{
	uint32_t sid = (uint32_t)(uintptr_t)arg;
	unsigned spins = 0;

	while (!atomic_load(&g_t.go)) {
		sched_yield();
	}
	ASSERT_EQ(spdk_env_get_current_core(), SPDK_ENV_LCORE_ID_ANY);
	while (!atomic_load(&g_t.stop_sending) && !atomic_load(&g_t.app_returned)) {
		if (g_t.framework_shutdown && !spdk_thread_is_running(g_t.rx[g_t.app_rx])) {
			break;
		}
		if (send_burst(sid, g_t.foreign_events) == 0) {
			backoff(&spins);
		}
	}
	atomic_fetch_add(&g_t.senders_done, 1);
	return NULL;
}

static uint32_t
total_senders(void)
{
	return g_t.nworkers + g_t.nforeign;
}

static bool
all_delivered(void)
{
	for (uint32_t s = 0; s < MAX_SENDERS; s++) {
		for (uint32_t r = 0; r < MAX_RX; r++) {
			if (atomic_load(&g_t.msg[s][r].sent) != atomic_load(&g_t.msg[s][r].recv)) {
				return false;
			}
		}
		for (uint32_t c = 0; c < NCORES; c++) {
			if (atomic_load(&g_t.ev[s][c].sent) != atomic_load(&g_t.ev[s][c].recv)) {
				return false;
			}
		}
	}
	return true;
}

/* Sums over all pairs; fails on any pair whose counts differ. With
 * stopped_events, the application was stopped by the framework during event
 * traffic: events still queued then are not run (as SPDK), so a pair may have
 * run fewer than it sent, and the difference over all pairs must be exactly
 * what spdk_app_fini() reported (captured in the log). Messages are never
 * dropped. */
static void
check_delivered(uint64_t *msgs, uint64_t *events, bool stopped_events)
{
	uint64_t not_run = 0;

	*msgs = *events = 0;
	for (uint32_t s = 0; s < MAX_SENDERS; s++) {
		for (uint32_t r = 0; r < MAX_RX; r++) {
			uint64_t sent = atomic_load(&g_t.msg[s][r].sent);
			uint64_t recv = atomic_load(&g_t.msg[s][r].recv);

			if (sent != recv) {
				FAIL("messages from sender %u to receiver %u: %" PRIu64 " accepted, %"
				     PRIu64 " delivered", s, r, sent, recv);
			}
			*msgs += recv;
		}
		for (uint32_t c = 0; c < NCORES; c++) {
			uint64_t sent = atomic_load(&g_t.ev[s][c].sent);
			uint64_t recv = atomic_load(&g_t.ev[s][c].recv);

			if (sent != recv && !(stopped_events && recv < sent)) {
				FAIL("events from sender %u to core %u: %" PRIu64 " sent, %" PRIu64
				     " run", s, c, sent, recv);
			}
			not_run += sent - recv;
			*events += recv;
		}
	}
	if (stopped_events) {
		char line[96];

		snprintf(line, sizeof(line), "%" PRIu64 " event(s) sent to reactors that had "
			 "stopped were not run", not_run);
		if (not_run > 0 && !log_capture_contains(line)) {
			FAIL("%" PRIu64 " events were not run, but the log does not say \"%s\"",
			     not_run, line);
		}
		ASSERT_EQ(log_capture_count_matching("sent to reactors that had stopped"),
			  not_run > 0 ? 1 : 0);
	}
}

static void
check_all_delivered(uint64_t *msgs, uint64_t *events)
{
	check_delivered(msgs, events, false);
}

/* In start_fn (on the app thread): the app thread is receiver app_rx; create
 * the workers (placed round-robin on both cores) and start everyone. */
static void
traffic_start_with(void (*more_receivers)(void))
{
	struct spdk_cpuset set;

	g_t.app_rx = g_t.nrx++;
	g_t.rx[g_t.app_rx] = spdk_get_thread();
	g_rx_fn[g_t.app_rx] = msg_rx;
	for (uint32_t i = 0; i < g_t.nworkers; i++) {
		struct worker *w = &g_t.workers[i];
		char name[32];

		spdk_cpuset_zero(&set);
		spdk_cpuset_set_cpu(&set, i % NCORES, true);
		snprintf(name, sizeof(name), "worker%u", i);
		w->sid = i;
		w->thread = spdk_thread_create(name, &set);
		ASSERT_NOT_NULL(w->thread);
		g_t.rx[g_t.nrx] = w->thread;
		g_rx_fn[g_t.nrx] = msg_rx;
		g_t.nrx++;
	}
	if (more_receivers != NULL) {
		more_receivers();
	}
	for (uint32_t i = 0; i < g_t.nworkers; i++) {
		ASSERT_EQ(spdk_thread_send_msg(g_t.workers[i].thread, worker_start,
					       &g_t.workers[i]), 0);
	}
	/* Pairs with the foreign senders' acquire load of go. */
	atomic_store(&g_t.go, true);
}

static void
traffic_start(void)
{
	traffic_start_with(NULL);
}

static void
traffic_spawn_foreign(void)
{
	for (uint32_t i = 0; i < g_t.nforeign; i++) {
		ASSERT_EQ(pthread_create(&g_t.foreign[i], NULL, foreign_main,
					 (void *)(uintptr_t)(g_t.nworkers + i)), 0);
	}
}

static void
traffic_join_foreign(void)
{
	atomic_store(&g_t.app_returned, true);
	for (uint32_t i = 0; i < g_t.nforeign; i++) {
		ASSERT_EQ(pthread_join(g_t.foreign[i], NULL), 0);
	}
}

/* The application's own clean shutdown, a poller on the app thread:
 * 0 wait for the deadline (or an outside stop_sending), 1 wait until every
 * sender stopped and everything was delivered, 2 ask the workers to exit,
 * 3 once they all did, stop. */
static void (*g_before_stop)(void);

static int
controller_poller(void *ctx)
{
	switch (g_t.phase) {
	case 0:
		if (g_t.ready_to_stop != NULL ? g_t.ready_to_stop() :
		    (g_t.deadline != 0 && now_ns() >= g_t.deadline)) {
			atomic_store(&g_t.stop_sending, true);
		}
		if (atomic_load(&g_t.stop_sending)) {
			g_t.phase = 1;
		}
		return SPDK_POLLER_IDLE;
	case 1:
		if (atomic_load(&g_t.senders_done) < total_senders() || !all_delivered()) {
			return SPDK_POLLER_IDLE;
		}
		if (g_before_stop != NULL) {
			g_before_stop();
		}
		for (uint32_t i = 0; i < g_t.nworkers; i++) {
			ASSERT_EQ(spdk_thread_send_msg(g_t.workers[i].thread, worker_exit,
						       &g_t.workers[i]), 0);
		}
		g_t.phase = 2;
		return SPDK_POLLER_BUSY;
	case 2:
		if (atomic_load(&g_t.workers_exited) < g_t.nworkers + g_t.extra_exits) {
			return SPDK_POLLER_IDLE;
		}
		spdk_poller_unregister(&g_t.controller);
		spdk_app_stop(0);
		g_t.phase = 3;
		return SPDK_POLLER_BUSY;
	default:
		FAIL("controller ran after it stopped the application");
		return SPDK_POLLER_IDLE;
	}
}

static void
start_controller(void)
{
	g_t.controller = spdk_poller_register(controller_poller, NULL, 0);
	ASSERT_NOT_NULL(g_t.controller);
}

/* After spdk_app_start() returned and spdk_app_fini(): nothing left. (The
 * events check, last, caught intermittently the reactor cache that was never
 * flushed at pthread exit, fixed in 26f51a6; test_event.c has the
 * deterministic case.) */
static void
check_nothing_left(unsigned tasks0)
{
	ASSERT_EQ(spdk_thread_get_count(), 0);
	ASSERT_NULL(spdk_thread_get_app_thread());
	ut_tasks_expect(tasks0);
	ASSERT_EQ(pw__events_outstanding(), 0);
}

static void
report(const char *name, uint64_t t0, uint64_t msgs, uint64_t events)
{
	double s = (double)(now_ns() - t0) / 1e9;

	fprintf(stderr, "%s: %" PRIu64 " messages, %" PRIu64 " events delivered in %.2f s\n",
		name, msgs, events, s);
}

/* ---------------------------------------------------------------------------
 * Events and messages across all cores
 * ------------------------------------------------------------------------- */

static void
all_cores_start(void *ctx)
{
	traffic_start();
	start_controller();
}

TEST_TIMEOUT(stress_events_and_messages_across_cores, 60)
{
	struct spdk_app_opts opts;
	unsigned tasks0 = ut_tasks_baseline();
	uint64_t t0 = now_ns(), msgs, events;

	need_two_cores();
	g_t.nworkers = 4;
	g_t.nforeign = 2;
	g_t.msg_targets = 0x1f;		/* the app thread and the 4 workers */
	g_t.worker_events = true;
	g_t.foreign_events = true;
	g_t.deadline = now_ns() + budget_ns();
	traffic_spawn_foreign();

	app_opts(&opts);
	log_capture_start();
	ASSERT_EQ(spdk_app_start(&opts, all_cores_start, NULL), 0);
	log_capture_stop();
	traffic_join_foreign();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	check_all_delivered(&msgs, &events);
	ASSERT_GT(msgs, 0);
	ASSERT_GT(events, 0);
	/* Both kinds from every sender. */
	for (uint32_t s = 0; s < total_senders(); s++) {
		ASSERT_GT(atomic_load(&g_t.msg[s][g_t.app_rx].recv), 0);
		ASSERT_GT(atomic_load(&g_t.ev[s][0].recv) + atomic_load(&g_t.ev[s][1].recv), 0);
	}
	/* Workers really were on both cores. */
	ASSERT_EQ(g_t.workers[0].core, 0);
	ASSERT_EQ(g_t.workers[1].core, 1);
	spdk_app_fini();
	check_nothing_left(tasks0);
	report("stress_events_and_messages_across_cores", t0, msgs, events);
}

/* ---------------------------------------------------------------------------
 * A thread moved between cores
 * ------------------------------------------------------------------------- */

struct mover {
	struct spdk_thread	*thread;
	struct spdk_poller	*poller;
	atomic_int		in_slice;	/* 1 while one of its handlers runs */
	/* Touched only by its handlers (so TSan also sees any overlap). */
	uint32_t		cur_core;	/* where its handlers must run */
	uint32_t		old_core;	/* ... or here, until the move shows */
	bool			move_pending;
	bool			move_msg_queued;
	uint32_t		requested;
	uint32_t		arrivals;
	uint64_t		handlers;
	_Atomic bool		finished;	/* MOVES arrivals */
	/* Read by the controller on another core: arrivals so far and when the
	 * last one was (ns), so that a slow machine is not taken for a stall. */
	atomic_uint		progress;
	_Atomic uint64_t	progress_ns;
	bool			counted_done;
};

static struct mover g_m;

#define MOVER_STALL_S	10

/* Entry of each of the mover's handlers. */
static void
mover_enter(void)
{
	uint32_t core = spdk_env_get_current_core();

	if (atomic_exchange(&g_m.in_slice, 1) != 0) {
		FAIL("the moving thread runs on two reactors at once (core %u)", core);
	}
	ASSERT_PTR_EQ(spdk_get_thread(), g_m.thread);
	if (g_m.move_pending) {
		if (core == g_m.cur_core) {
			/* First handler after the move. */
			g_m.move_pending = false;
			g_m.arrivals++;
			/* Pair with the loads in mover_done_or_late(); only the values matter. */
			atomic_store_explicit(&g_m.progress, g_m.arrivals, memory_order_relaxed);
			atomic_store_explicit(&g_m.progress_ns, now_ns(), memory_order_relaxed);
		} else if (core != g_m.old_core) {
			FAIL("moving thread ran on core %u, expected %u or %u", core, g_m.old_core,
			     g_m.cur_core);
		}
	} else if (core != g_m.cur_core) {
		FAIL("moving thread ran on core %u after it settled on %u", core, g_m.cur_core);
	}
	/* Widen the window in which a second reactor would be caught. */
	for (int i = 0; i < 16; i++) {
		spdk_pause();
	}
	g_m.handlers++;
}

static void
mover_leave(void)
{
	atomic_store(&g_m.in_slice, 0);
}

static void
request_move(void)
{
	struct spdk_cpuset set;
	uint32_t here = spdk_env_get_current_core();

	if (g_m.move_pending || g_m.requested >= MOVES) {
		return;
	}
	g_m.old_core = here;
	g_m.cur_core = here == 0 ? 1 : 0;
	g_m.move_pending = true;
	g_m.requested++;
	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, g_m.cur_core, true);
	ASSERT_EQ(spdk_thread_set_cpumask(&set), 0);
}

static void
mover_move_msg(void *ctx)
{
	mover_enter();
	g_m.move_msg_queued = false;
	request_move();
	mover_leave();
}

static int
mover_poller(void *ctx)
{
	mover_enter();
	if (g_m.arrivals >= MOVES) {
		if (!atomic_load(&g_m.finished)) {
			atomic_store(&g_m.finished, true);
		}
	} else if (!g_m.move_pending) {
		/* Every other move is asked for from a message to itself. */
		if (g_m.requested % 2 == 0) {
			request_move();
		} else if (!g_m.move_msg_queued) {
			g_m.move_msg_queued = true;
			ASSERT_EQ(spdk_thread_send_msg(g_m.thread, mover_move_msg, NULL), 0);
		}
	}
	mover_leave();
	return SPDK_POLLER_BUSY;
}

static void
mover_msg_rx(void *ctx)
{
	mover_enter();
	msg_rx(ctx);
	mover_leave();
}

static void
mover_start(void *ctx)
{
	mover_enter();
	g_m.poller = spdk_poller_register(mover_poller, NULL, 0);
	ASSERT_NOT_NULL(g_m.poller);
	mover_leave();
}

static void
mover_exit(void *ctx)
{
	mover_enter();
	spdk_poller_unregister(&g_m.poller);
	ASSERT_EQ(spdk_thread_exit(g_m.thread), 0);
	atomic_fetch_add(&g_t.workers_exited, 1);
	mover_leave();
}

/* Controller hook: the mover exits with the workers. */
static void
mover_before_stop(void)
{
	ASSERT_EQ(spdk_thread_send_msg(g_m.thread, mover_exit, NULL), 0);
}

static bool
mover_done_or_late(void)
{
	if (atomic_load(&g_m.finished)) {
		return true;
	}
	/* A liveness check, not a speed check: only a move that takes longer than
	 * MOVER_STALL_S (times PW_TEST_TIMEOUT_SCALE) fails, however slow the
	 * machine is overall (TSan with every cpu loaded makes 4000 moves take
	 * minutes); CTest's timeout bounds the whole. */
	uint64_t last = atomic_load_explicit(&g_m.progress_ns, memory_order_relaxed);

	if (last == 0) {
		last = g_t.deadline;	/* set when the mover was added */
	}
	if (now_ns() - last >= (uint64_t)MOVER_STALL_S * pw_test_timeout_scale() * 1000000000ull) {
		FAIL("the moving thread made no move in %u s (%u of %u moves made)",
		     MOVER_STALL_S * pw_test_timeout_scale(),
		     atomic_load_explicit(&g_m.progress, memory_order_relaxed), MOVES);
	}
	return false;
}

static void
add_mover(void)
{
	struct spdk_cpuset set;

	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, 0, true);
	g_m.cur_core = 0;
	g_m.thread = spdk_thread_create("mover", &set);
	ASSERT_NOT_NULL(g_m.thread);
	g_t.rx[g_t.nrx] = g_m.thread;
	g_rx_fn[g_t.nrx] = mover_msg_rx;
	/* Only the mover receives messages. */
	g_t.msg_targets = 1u << g_t.nrx;
	g_t.nrx++;
	ASSERT_EQ(spdk_thread_send_msg(g_m.thread, mover_start, NULL), 0);
}

static void
mover_test_start(void *ctx)
{
	traffic_start_with(add_mover);
	start_controller();
}

TEST_TIMEOUT(stress_thread_moved_between_cores, 60)
{
	struct spdk_app_opts opts;
	unsigned tasks0 = ut_tasks_baseline();
	uint64_t t0 = now_ns(), msgs, events;

	need_two_cores();
	g_t.nworkers = 2;		/* one per core */
	g_t.nforeign = 1;
	/* No events here: a backlog of events delays each move (a reactor runs
	 * 8 events per iteration), and the point is many moves under messages. */
	g_t.worker_events = false;
	/* A short queue: every other move is asked for by a message the mover
	 * sends itself, which waits behind what the senders queued. */
	g_t.msg_window = 64;
	g_t.extra_exits = 1;
	g_t.ready_to_stop = mover_done_or_late;
	g_t.deadline = now_ns();	/* the start of the stall check (mover_done_or_late) */
	g_before_stop = mover_before_stop;
	traffic_spawn_foreign();

	app_opts(&opts);
	log_capture_start();
	ASSERT_EQ(spdk_app_start(&opts, mover_test_start, NULL), 0);
	log_capture_stop();
	traffic_join_foreign();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	check_all_delivered(&msgs, &events);
	ASSERT_EQ(g_m.arrivals, MOVES);
	ASSERT_EQ(g_m.requested, MOVES);
	/* Every sender reached the mover while it moved. */
	for (uint32_t s = 0; s < total_senders(); s++) {
		ASSERT_GT(atomic_load(&g_t.msg[s][g_t.nrx - 1].recv), 0);
	}
	fprintf(stderr, "stress_thread_moved_between_cores: %u moves, %" PRIu64
		" handler runs of the mover\n", g_m.arrivals, g_m.handlers);
	report("stress_thread_moved_between_cores", t0, msgs, events);
	spdk_app_fini();
	check_nothing_left(tasks0);
}

/* ---------------------------------------------------------------------------
 * SIGTERM during heavy traffic
 * ------------------------------------------------------------------------- */

static _Atomic uint32_t g_shutdown_calls;
static _Atomic(struct spdk_thread *) g_shutdown_on;
static pthread_t g_killer;
static bool g_killer_uses_raise;

/* Waits for heavy traffic, then sends SIGTERM to the process (kill) or to
 * itself (raise); either way the handler runs on a pthread that is no reactor
 * or on whichever pthread the kernel picks. */
static void *
killer_main(void *arg)
{
	uint64_t until = now_ns() + budget_ns() / 2;

	/* Half the budget of full traffic (and a fair amount delivered). */
	while (atomic_load(&g_t.delivered) < 100000 || now_ns() < until) {
		usleep(1000);
	}
	if (g_killer_uses_raise) {
		ASSERT_EQ(raise(SIGTERM), 0);
	} else {
		ASSERT_EQ(kill(getpid(), SIGTERM), 0);
	}
	return NULL;
}

static void
sigterm_shutdown_cb(void)
{
	atomic_fetch_add(&g_shutdown_calls, 1);
	atomic_store(&g_shutdown_on, spdk_get_thread());
	/* The application drains its traffic, then stops (controller). */
	atomic_store(&g_t.stop_sending, true);
}

static void
sigterm_cb_start(void *ctx)
{
	traffic_start();
	start_controller();
	ASSERT_EQ(pthread_create(&g_killer, NULL, killer_main, NULL), 0);
}

TEST_TIMEOUT(stress_sigterm_during_traffic_with_shutdown_cb, 60)
{
	struct spdk_app_opts opts;
	unsigned tasks0 = ut_tasks_baseline();
	uint64_t t0 = now_ns(), msgs, events;
	struct sigaction sa;

	need_two_cores();
	g_t.nworkers = 4;
	g_t.nforeign = 2;
	g_t.msg_targets = 0x1f;
	g_t.worker_events = true;
	g_t.foreign_events = true;
	g_t.deadline = 0;		/* only the signal stops the traffic */
	traffic_spawn_foreign();

	app_opts(&opts);
	opts.shutdown_cb = sigterm_shutdown_cb;
	log_capture_start();
	ASSERT_EQ(spdk_app_start(&opts, sigterm_cb_start, NULL), 0);
	log_capture_stop();
	ASSERT_EQ(pthread_join(g_killer, NULL), 0);
	traffic_join_foreign();
	ASSERT_EQ(atomic_load(&g_shutdown_calls), 1);
	ASSERT_NOT_NULL(atomic_load(&g_shutdown_on));
	ASSERT_PTR_EQ(atomic_load(&g_shutdown_on), spdk_thread_get_app_thread());
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	check_all_delivered(&msgs, &events);
	ASSERT_GT(msgs, 0);
	spdk_app_fini();
	check_nothing_left(tasks0);
	/* The handler is gone with the framework. */
	ASSERT_EQ(sigaction(SIGTERM, NULL, &sa), 0);
	ASSERT_PTR_EQ((void *)sa.sa_handler, (void *)SIG_DFL);
	report("stress_sigterm_during_traffic_with_shutdown_cb", t0, msgs, events);
}

/* No shutdown_cb: the signal stops the framework at once (spdk_app_stop(0)).
 * The workers are exited by the reactors (each logged once as forgotten);
 * their pollers see it and stop. They message only the app thread and send
 * events to both cores; the foreign pthreads message the app thread until it
 * stops running. Every accepted message still runs; events queued when the
 * reactors stopped do not, and are counted. */
static void
sigterm_default_start(void *ctx)
{
	traffic_start();
	ASSERT_EQ(pthread_create(&g_killer, NULL, killer_main, NULL), 0);
}

static void
framework_shutdown_config(void)
{
	g_t.nworkers = 4;
	g_t.nforeign = 2;
	g_t.msg_targets = 0x1;		/* the app thread (receiver 0) only */
	g_t.worker_events = true;
	g_t.foreign_events = false;
	g_t.framework_shutdown = true;
}

static void
check_framework_shutdown(uint64_t *msgs, uint64_t *events)
{
	ASSERT_EQ(log_capture_count_matching("spdk_thread_exit() was not called"), g_t.nworkers);
	for (uint32_t i = 0; i < g_t.nworkers; i++) {
		char needle[64];

		snprintf(needle, sizeof(needle), "thread 'worker%u'", i);
		ASSERT_EQ(log_capture_count_matching(needle), 1);
	}
	ASSERT_EQ(log_capture_count_matching("app_thread' before"), 0);
	check_delivered(msgs, events, true);
}

static void
sigterm_default_case(bool use_raise)
{
	struct spdk_app_opts opts;
	unsigned tasks0 = ut_tasks_baseline();
	uint64_t t0 = now_ns(), msgs, events;

	need_two_cores();
	framework_shutdown_config();
	g_killer_uses_raise = use_raise;
	traffic_spawn_foreign();

	app_opts(&opts);
	log_capture_start();
	ASSERT_EQ(spdk_app_start(&opts, sigterm_default_start, NULL), 0);
	ASSERT_EQ(pthread_join(g_killer, NULL), 0);
	traffic_join_foreign();
	spdk_app_fini();
	log_capture_stop();
	check_framework_shutdown(&msgs, &events);
	ASSERT_GT(msgs, 0);
	check_nothing_left(tasks0);
	report(use_raise ? "stress_sigterm_raised_by_foreign_pthread_default_shutdown" :
	       "stress_sigterm_killed_default_shutdown", t0, msgs, events);
}

TEST_TIMEOUT(stress_sigterm_raised_by_foreign_pthread_default_shutdown, 60)
{
	sigterm_default_case(true);
}

TEST_TIMEOUT(stress_sigterm_killed_default_shutdown, 60)
{
	sigterm_default_case(false);
}

/* ---------------------------------------------------------------------------
 * spdk_app_stop from a foreign pthread, a message, an event
 * ------------------------------------------------------------------------- */

static int g_stop_rc;
static uint64_t g_stop_delay_us;

static void *
stopper_main(void *arg)
{
	while (!atomic_load(&g_t.go)) {
		sched_yield();
	}
	usleep((useconds_t)g_stop_delay_us);
	spdk_app_stop(g_stop_rc);
	return NULL;
}

static void
stop_foreign_start(void *ctx)
{
	traffic_start();
}

static void
reset_traffic(void)
{
	memset(&g_t, 0, sizeof(g_t));
	memset(g_rx_fn, 0, sizeof(g_rx_fn));
}

/* Several runs, the stop coming at a different point of the traffic each time. */
TEST_TIMEOUT(stress_app_stop_from_foreign_pthread, 60)
{
	struct spdk_app_opts opts;
	unsigned tasks0 = ut_tasks_baseline();
	uint64_t t0 = now_ns(), msgs, events, all_msgs = 0, all_events = 0;
	pthread_t stopper;

	need_two_cores();
	for (int run = 0; run < 8; run++) {
		reset_traffic();
		framework_shutdown_config();
		g_stop_rc = 7 + run;
		g_stop_delay_us = (uint64_t)run * run * 2000;
		traffic_spawn_foreign();
		ASSERT_EQ(pthread_create(&stopper, NULL, stopper_main, NULL), 0);

		app_opts(&opts);
		log_capture_start();
		ASSERT_EQ(spdk_app_start(&opts, stop_foreign_start, NULL), 7 + run);
		ASSERT_EQ(pthread_join(stopper, NULL), 0);
		traffic_join_foreign();
		spdk_app_fini();
		log_capture_stop();
		check_framework_shutdown(&msgs, &events);
		all_msgs += msgs;
		all_events += events;
		check_nothing_left(tasks0);
	}
	report("stress_app_stop_from_foreign_pthread", t0, all_msgs, all_events);
}

/* From inside a message on a worker of core 1, after some traffic. */
static struct spdk_poller *g_trigger;
static uint64_t g_trigger_after;	/* ns */
/* 0: message to a worker on core 1, 1: event to core 1, 2: message to the app
 * thread racing a stop from a foreign pthread (only the app thread is sure
 * to outlive the racing stop: the workers may already be destroyed). */
static int g_trigger_kind;

static void
stop_in_msg(void *ctx)
{
	ASSERT_PTR_EQ(spdk_get_thread(), ctx);
	ASSERT_EQ(spdk_env_get_current_core(), 1);
	spdk_app_stop(g_stop_rc);
}

static void
stop_in_app_msg(void *ctx)
{
	ASSERT_TRUE(spdk_thread_is_app_thread(NULL));
	spdk_app_stop(g_stop_rc);
}

static void
stop_in_event(void *arg1, void *arg2)
{
	ASSERT_NULL(spdk_get_thread());
	ASSERT_EQ(spdk_env_get_current_core(), 1);
	spdk_app_stop(g_stop_rc);
}

static int
trigger_poller(void *ctx)
{
	struct spdk_event *ev;

	if (atomic_load(&g_t.delivered) < 20000 || now_ns() < g_trigger_after) {
		return SPDK_POLLER_IDLE;
	}
	spdk_poller_unregister(&g_trigger);
	if (g_trigger_kind == 1) {
		ev = spdk_event_allocate(1, stop_in_event, NULL, NULL);
		ASSERT_NOT_NULL(ev);
		spdk_event_call(ev);
	} else if (g_trigger_kind == 2) {
		/* Accepted while the app thread runs or exits. */
		ASSERT_EQ(spdk_thread_send_msg(spdk_get_thread(), stop_in_app_msg, NULL), 0);
	} else {
		/* worker1 is on core 1. */
		ASSERT_EQ(spdk_thread_send_msg(g_t.workers[1].thread, stop_in_msg,
					       g_t.workers[1].thread), 0);
	}
	return SPDK_POLLER_BUSY;
}

static void
stop_inside_start(void *ctx)
{
	traffic_start();
	g_trigger_after = now_ns() + budget_ns() / 8;
	g_trigger = spdk_poller_register(trigger_poller, NULL, 0);
	ASSERT_NOT_NULL(g_trigger);
}

static void *racing_stopper_main(void *arg);

static int
stop_inside_case(int kind, int rc, bool race)
{
	struct spdk_app_opts opts;
	uint64_t msgs, events;
	pthread_t racer;
	int ret;

	reset_traffic();
	framework_shutdown_config();
	g_trigger_kind = kind;
	g_stop_rc = rc;
	traffic_spawn_foreign();
	if (race) {
		ASSERT_EQ(pthread_create(&racer, NULL, racing_stopper_main, NULL), 0);
	}
	app_opts(&opts);
	log_capture_start();
	ret = spdk_app_start(&opts, stop_inside_start, NULL);
	if (race) {
		ASSERT_EQ(pthread_join(racer, NULL), 0);
	}
	traffic_join_foreign();
	spdk_app_fini();
	log_capture_stop();
	check_framework_shutdown(&msgs, &events);
	ASSERT_GT(msgs, 0);
	return ret;
}

TEST_TIMEOUT(stress_app_stop_from_inside_a_message, 60)
{
	unsigned tasks0 = ut_tasks_baseline();

	need_two_cores();
	ASSERT_EQ(stop_inside_case(0, 9, false), 9);
	check_nothing_left(tasks0);
}

TEST_TIMEOUT(stress_app_stop_from_inside_an_event, 60)
{
	unsigned tasks0 = ut_tasks_baseline();

	need_two_cores();
	ASSERT_EQ(stop_inside_case(1, 11, false), 11);
	check_nothing_left(tasks0);
}

/* A stop from a message (rc 4) races one from a foreign pthread (rc 3): the
 * application returns one of them, whichever was given first. */
static void *
racing_stopper_main(void *arg)
{
	while (!atomic_load(&g_t.go)) {
		sched_yield();
	}
	while (atomic_load(&g_t.delivered) < 20000) {
		spdk_pause();
	}
	spdk_app_stop(3);
	return NULL;
}

TEST_TIMEOUT(stress_app_stop_racing_stops, 60)
{
	unsigned tasks0 = ut_tasks_baseline();

	need_two_cores();
	for (int run = 0; run < 4; run++) {
		int rc = stop_inside_case(2, 4, true);

		if (rc != 3 && rc != 4) {
			FAIL("racing stops with rc 3 and 4 returned %d", rc);
		}
		check_nothing_left(tasks0);
	}
}

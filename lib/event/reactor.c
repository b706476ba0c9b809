/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Reactors: one per core, each the driver of the lightweight threads placed
 * on it.
 *
 * One iteration: run a batch of the core's events, then give every thread
 * on the reactor one slice, chaining a single timestamp through them (each
 * slice starts where the previous one ended, so busy + idle of the reactor is
 * exactly the wall time), then move or destroy threads that asked for it.
 * Threads are placed through the thread library's NEW operation by cpumask,
 * round-robin among matching cores, and moved (RESCHED) only between slices.
 *
 * Shutdown: every reactor leaves its loop, exits its threads (logging those
 * the application forgot), and keeps running events and slices until no
 * thread is left anywhere, so a thread moving between reactors meanwhile is
 * not lost.
 */

#include "event/event_internal.h"
#include "event/reactor_trace.h"

#include "spdk/log.h"
#include "spdk/string.h"
#include "pinwheel/env.h"

#include <sys/prctl.h>
#include <sys/syscall.h>

#define FD_CHECK_US	50	/* a busy reactor looks at its interrupt sources this often */
/* A thread idle for this long since its last busy slice is parked (doc/design.md
 * "Parked threads"): parking at the first idle slice costs every message of a
 * request/response exchange a wake-up through the lot (issue 12). */
#define PW_PARK_DELAY_US	10
static uint64_t g_park_delay_us = PW_PARK_DELAY_US;

/* Read by every event sender (spdk_reactor_get()), written only by init and
 * fini: a line of its own, apart from the written globals below. */
static struct __attribute__((aligned(SPDK_CACHE_LINE_SIZE))) {
	struct spdk_reactor	*reactors;	/* indexed by core */
	uint32_t		count;		/* size of reactors: last core + 1 */
} g_rt;
static _Atomic int g_reactor_state = SPDK_REACTOR_STATE_UNINITIALIZED;
static pthread_mutex_t g_sched_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t g_next_core;			/* round-robin cursor */
static _Atomic uint64_t g_live_threads;	/* placed and not yet destroyed */
/* Set by the walk that stops the reactors (spdk_reactors_stop()): later walks
 * are refused, as in SPDK. */
static pthread_mutex_t g_stop_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_stopping;
/* Under g_stop_lock: a scheduling round runs (scheduler_round.c), and a stop
 * asked for meanwhile waits for its end (as SPDK delays its shutdown). */
static bool g_round_in_progress;
static bool g_stop_deferred;
/* The last spdk_reactors_start() could not start a reactor: its error
 * (main core's pthread only). */
static int g_start_error;
/* Events that reached a reactor after it left its loop: not run (as SPDK),
 * counted, and reported once by spdk_reactors_fini(). */
static _Atomic uint64_t g_dropped_events;
/* The reactor of the pthread in spdk_reactors_start(), and whether some
 * reactors have no pthread (it failed to start): then the main one drives
 * their shutdown. Written before the other reactors start. */
static struct spdk_reactor *g_main_reactor;
static bool g_orphans;

#define t_reactor pw__tls_reactor	/* reactor of this pthread (event.c) */

/* ---------------------------------------------------------------------------
 * Placement
 * ------------------------------------------------------------------------- */

static void schedule_thread_event(void *arg1, void *arg2);

static uint32_t
next_core_wrap(uint32_t core)
{
	core = spdk_env_get_next_core(core);
	return core == UINT32_MAX ? spdk_env_get_first_core() : core;
}

/* The reactor a thread should go to: the first core, from the round-robin
 * cursor on, that its cpumask allows; if it allows none, the cursor's core
 * (the mask is a hint, as in SPDK). Called with g_sched_lock held. */
static uint32_t
pick_core(const struct spdk_cpuset *cpumask)
{
	uint32_t start = g_next_core, core;

	if (spdk_reactor_get(start) == NULL) {
		start = next_core_wrap(start);
	}
	core = start;
	do {
		if (spdk_cpuset_get_cpu(cpumask, core)) {
			g_next_core = next_core_wrap(core);
			return core;
		}
		core = next_core_wrap(core);
	} while (core != start);

	SPDK_INFOLOG(reactor, "thread cpumask matches no reactor; placing it on core %u\n", start);
	g_next_core = next_core_wrap(start);
	return start;
}

static int
schedule_thread(struct spdk_lw_thread *lw_thread)
{
	struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);
	struct spdk_event *ev;
	uint32_t core;

	pthread_mutex_lock(&g_sched_lock);
	core = lw_thread->lcore;
	if (core == SPDK_ENV_LCORE_ID_ANY || spdk_reactor_get(core) == NULL) {
		core = pick_core(pw_thread_get_cpumask(thread));
	}
	pthread_mutex_unlock(&g_sched_lock);
	if (PW_TP_ON()) pw__tp_thread_place(lw_thread, core);

	ev = spdk_event_allocate(core, schedule_thread_event, lw_thread, (void *)(uintptr_t)core);
	if (ev == NULL) {
		SPDK_ERRLOG("cannot place thread %s on core %u\n", spdk_thread_get_name(thread), core);
		return -ENOMEM;
	}
	lw_thread->tsc_start = spdk_get_ticks();
	spdk_event_call(ev);
	return 0;
}

/* Keep the thread's interrupt sources nested in the reactor's fd group (a
 * thread creates its group on first use, so this is checked after slices). */
static void
sync_thread_fgrp(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread,
		 struct spdk_fd_group *want)
{
	int rc;

	if (lw_thread->nested_fgrp == want || reactor->fgrp == NULL) {
		return;
	}
	if (lw_thread->nested_fgrp != NULL) {
		spdk_fd_group_unnest(reactor->fgrp, lw_thread->nested_fgrp);
		lw_thread->nested_fgrp = NULL;
		reactor->nested_fgrps--;
	}
	if (want != NULL) {
		rc = spdk_fd_group_nest(reactor->fgrp, want);
		if (rc != 0) {
			SPDK_ERRLOG("reactor %u: cannot watch the interrupt sources of thread %s: %s\n",
				    reactor->lcore, spdk_thread_get_name(spdk_thread_get_from_ctx(lw_thread)),
				    spdk_strerror(-rc));
			return;
		}
		lw_thread->nested_fgrp = want;
		reactor->nested_fgrps++;
	}
}

/* Runs on the chosen reactor (arg2 is its core): the thread joins its list. */
static void
schedule_thread_event(void *arg1, void *arg2)
{
	struct spdk_lw_thread *lw_thread = arg1;
	struct spdk_reactor *reactor = spdk_reactor_get((uint32_t)(uintptr_t)arg2);
	struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);

	assert(reactor != NULL);
	spdk_set_thread(thread);
	spdk_thread_get_stats(&lw_thread->current_stats);
	spdk_set_thread(NULL);
	lw_thread->lcore = reactor->lcore;
	if (lw_thread->initial_lcore == SPDK_ENV_LCORE_ID_ANY) {
		lw_thread->initial_lcore = reactor->lcore;
	}
	TAILQ_INSERT_TAIL(&reactor->threads, lw_thread, link);
	TAILQ_INSERT_TAIL(&reactor->active, lw_thread, active_link);
	lw_thread->parked = false;
	lw_thread->heap_idx = UINT32_MAX;
	lw_thread->last_busy_tsc = 0;
	reactor->thread_count++;
	/* Messages sent to it from now on wake this reactor when it sleeps. */
	pw_thread_set_waker(thread, reactor->waker);
	sync_thread_fgrp(reactor, lw_thread, pw_thread_get_fd_group(thread));
}

static void
remove_lw_thread(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	sync_thread_fgrp(reactor, lw_thread, NULL);
	assert(!lw_thread->parked);
	pw__scheduler_round_forget(reactor, lw_thread);
	TAILQ_REMOVE(&reactor->threads, lw_thread, link);
	TAILQ_REMOVE(&reactor->active, lw_thread, active_link);
	assert(reactor->thread_count > 0);
	reactor->thread_count--;
}

static bool
thread_op_supported(enum spdk_thread_op op)
{
	return op == SPDK_THREAD_OP_NEW || op == SPDK_THREAD_OP_RESCHED;
}

static int
thread_op(struct spdk_thread *thread, enum spdk_thread_op op)
{
	struct spdk_lw_thread *lw_thread = spdk_thread_get_ctx(thread);
	int rc;

	switch (op) {
	case SPDK_THREAD_OP_NEW:
		lw_thread->lcore = SPDK_ENV_LCORE_ID_ANY;
		lw_thread->initial_lcore = SPDK_ENV_LCORE_ID_ANY;
		memset(&lw_thread->round_stats, 0, sizeof(lw_thread->round_stats));
		/* Counted before it is sent: a reactor that sees the count at 0
		 * (and leaves for good) cannot be the one it was sent to, unless
		 * the count was raised after that reactor looked, and then the
		 * main reactor, still waiting for the count, steps it (see
		 * reactor_shutdown()). Sequentially consistent, as the loads. */
		atomic_fetch_add(&g_live_threads, 1);
		rc = schedule_thread(lw_thread);
		if (rc != 0) {
			atomic_fetch_sub(&g_live_threads, 1);
		}
		return rc;
	case SPDK_THREAD_OP_RESCHED:
		/* Moved by its reactor right after the current slice. */
		lw_thread->resched = true;
		lw_thread->lcore = SPDK_ENV_LCORE_ID_ANY;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* After a slice: destroy an exited thread, or move one that asked to. While
 * shutting down, an exited thread goes even if not idle (it was forced out
 * with a poller still registered, which its destruction logs), and a thread
 * is no longer moved: it exits where it is, as in SPDK. */
static bool
post_process(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread, bool shutdown)
{
	struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);
	bool shutting_down = shutdown ||
			     atomic_load_explicit(&g_reactor_state, memory_order_relaxed) !=
			     SPDK_REACTOR_STATE_RUNNING;

	if (spdk_unlikely(pw_thread_get_fd_group(thread) != lw_thread->nested_fgrp)) {
		sync_thread_fgrp(reactor, lw_thread, pw_thread_get_fd_group(thread));
	}
	if (spdk_unlikely(spdk_thread_is_exited(thread) &&
			  (shutting_down || spdk_thread_is_idle(thread)))) {
		remove_lw_thread(reactor, lw_thread);
		spdk_thread_destroy(thread);
		atomic_fetch_sub(&g_live_threads, 1);
		return false;
	}
	/* A bound thread keeps its request until it is unbound, as in SPDK. */
	if (spdk_unlikely(lw_thread->resched) && !shutdown && !spdk_thread_is_bound(thread)) {
		lw_thread->resched = false;
		remove_lw_thread(reactor, lw_thread);
		if (schedule_thread(lw_thread) == 0) {
			return false;
		}
		{
			/* Keep it here rather than lose it. */
			lw_thread->lcore = reactor->lcore;
			TAILQ_INSERT_TAIL(&reactor->threads, lw_thread, link);
			TAILQ_INSERT_TAIL(&reactor->active, lw_thread, active_link);
			reactor->thread_count++;
			sync_thread_fgrp(reactor, lw_thread, pw_thread_get_fd_group(thread));
		}
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Parked threads (doc/design.md "Parked threads")
 *
 * A thread that has nothing to do after its slice is parked: it leaves the
 * active list, which the loop walks, and comes back through the reactor's
 * lot when a message, a critical message or one of its interrupt handlers
 * wakes it, or through the deadline heap when its next timed poller is due.
 * ------------------------------------------------------------------------- */

static void
heap_swap(struct spdk_lw_thread **h, uint32_t i, uint32_t j)
{
	struct spdk_lw_thread *t = h[i];

	h[i] = h[j];
	h[j] = t;
	h[i]->heap_idx = i;
	h[j]->heap_idx = j;
}

static void
heap_up(struct spdk_reactor *reactor, uint32_t i)
{
	struct spdk_lw_thread **h = reactor->heap;

	while (i > 0 && h[(i - 1) / 2]->deadline > h[i]->deadline) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct spdk_reactor *reactor, uint32_t i)
{
	struct spdk_lw_thread **h = reactor->heap;

	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < reactor->heap_len && h[l]->deadline < h[m]->deadline) {
			m = l;
		}
		if (r < reactor->heap_len && h[r]->deadline < h[m]->deadline) {
			m = r;
		}
		if (m == i) {
			return;
		}
		heap_swap(h, i, m);
		i = m;
	}
}

/* False without memory for the heap (the thread then stays active). */
static bool
heap_add(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	if (reactor->heap_len == reactor->heap_cap) {
		uint32_t cap = reactor->heap_cap ? reactor->heap_cap * 2 : 64;
		void *h = realloc(reactor->heap, cap * sizeof(*reactor->heap));

		if (h == NULL) {
			return false;
		}
		reactor->heap = h;
		reactor->heap_cap = cap;
	}
	lw_thread->heap_idx = reactor->heap_len;
	reactor->heap[reactor->heap_len++] = lw_thread;
	heap_up(reactor, lw_thread->heap_idx);
	return true;
}

static void
heap_remove(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	uint32_t i = lw_thread->heap_idx, last = reactor->heap_len - 1;

	if (i == UINT32_MAX) {
		return;
	}
	lw_thread->heap_idx = UINT32_MAX;
	reactor->heap_len--;
	if (i != last) {
		reactor->heap[i] = reactor->heap[last];
		reactor->heap[i]->heap_idx = i;
		heap_down(reactor, i);
		heap_up(reactor, i);
	}
}

/* A parked thread is active again: back on the list the loop walks, near
 * its head (after \p after, the one activated before it in this iteration,
 * to keep their wake order; NULL: first), so that its slice comes early in
 * the iteration. At the tail, a message to a parked thread waited for every
 * active thread's slice, and a chain of such messages (a
 * spdk_for_each_thread() walk) about 1.5 iterations per step instead of 0.5.
 * Never called during slice_threads(). Returns lw_thread. */
static struct spdk_lw_thread *
activate(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread,
	 struct spdk_lw_thread *after)
{
	assert(lw_thread->parked);
	heap_remove(reactor, lw_thread);
	lw_thread->parked = false;
	reactor->parked_count--;
	if (after != NULL) {
		TAILQ_INSERT_AFTER(&reactor->active, after, lw_thread, active_link);
	} else {
		TAILQ_INSERT_HEAD(&reactor->active, lw_thread, active_link);
	}
	return lw_thread;
}

/* After its slice: park the thread if it has nothing to do. */
static void
try_park(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);
	uint64_t deadline;

	/* A move waiting for the thread to be unbound waits in its slices. */
	if (reactor->lot == NULL || lw_thread->resched || !pw_thread_park(thread, reactor->lot)) {
		return;
	}
	deadline = spdk_thread_next_poller_expiration(thread);
	lw_thread->deadline = deadline;
	if (deadline != 0 && !heap_add(reactor, lw_thread)) {
		/* No memory to watch its timer: keep polling it. If a waker took
		 * it meanwhile it comes back through the lot anyway. */
		if (pw_thread_unpark(thread)) {
			return;
		}
	}
	TAILQ_REMOVE(&reactor->active, lw_thread, active_link);
	lw_thread->parked = true;
	reactor->parked_count++;
}

/* Take back the threads woken since the last iteration, those whose timed
 * poller is due, and, after a critical message anywhere, those it is for. */
static void
unpark_woken(struct spdk_reactor *reactor, uint64_t now)
{
	struct spdk_lw_thread *lw_thread, *last = NULL;
	struct spdk_thread *thread;

	while ((thread = pw_park_lot_take(reactor->lot)) != NULL) {
		last = activate(reactor, spdk_thread_get_ctx(thread), last);
	}
	while (reactor->heap_len > 0 && reactor->heap[0]->deadline <= now) {
		lw_thread = reactor->heap[0];
		heap_remove(reactor, lw_thread);
		/* false: a waker took it first; it comes through the lot. */
		if (pw_thread_unpark(spdk_thread_get_from_ctx(lw_thread))) {
			last = activate(reactor, lw_thread, last);
		}
	}
	if (spdk_unlikely(pw_park_lot_check_critical(reactor->lot))) {
		TAILQ_FOREACH(lw_thread, &reactor->threads, link) {
			thread = spdk_thread_get_from_ctx(lw_thread);
			if (lw_thread->parked && pw_thread_has_pending_messages(thread) &&
			    pw_thread_unpark(thread)) {
				last = activate(reactor, lw_thread, last);
			}
		}
		/* Those a waker took meanwhile. */
		while ((thread = pw_park_lot_take(reactor->lot)) != NULL) {
			last = activate(reactor, spdk_thread_get_ctx(thread), last);
		}
	}
}

void
pw__reactor_thread_unpark(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	if (lw_thread->parked && pw_thread_unpark(spdk_thread_get_from_ctx(lw_thread))) {
		activate(reactor, lw_thread, NULL);
	}
}

/* Shutdown: every thread active, none parked from now on. */
static void
unpark_all(struct spdk_reactor *reactor)
{
	struct spdk_lw_thread *lw_thread;
	struct spdk_thread *thread;

	if (reactor->parked_count == 0) {
		return;
	}
	TAILQ_FOREACH(lw_thread, &reactor->threads, link) {
		pw__reactor_thread_unpark(reactor, lw_thread);
	}
	/* The others were taken by wakers: they are on the lot's list (their
	 * push is complete once their state is WOKEN... or about to be). */
	while (reactor->parked_count > 0) {
		thread = pw_park_lot_take(reactor->lot);
		if (thread != NULL) {
			activate(reactor, spdk_thread_get_ctx(thread), NULL);
		} else {
			spdk_pause();
		}
	}
}

/* ---------------------------------------------------------------------------
 * The loop
 * ------------------------------------------------------------------------- */

/* One slice for every active thread of the reactor, chaining the clock
 * through them; those left with nothing to do are parked (not while shutting
 * down). Returns whether one did work. */
static bool
slice_threads(struct spdk_reactor *reactor, bool shutdown)
{
	struct spdk_lw_thread *lw_thread, *tmp;
	bool busy = false;
	uint64_t now;
	int rc;

	TAILQ_FOREACH_SAFE(lw_thread, &reactor->active, active_link, tmp) {
		struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);

		/* Events its callbacks call to other cores are staged until the
		 * slice is over (event.c). */
		pw__event_stage_enter(&pw__event_stage);
		rc = spdk_thread_poll(thread, 0, reactor->tsc_last);
		pw__event_stage_leave(&pw__event_stage);
		now = spdk_thread_get_last_tsc(thread);
		if (rc == 0) {
			reactor->idle_tsc += now - reactor->tsc_last;
		} else if (rc > 0) {
			reactor->busy_tsc += now - reactor->tsc_last;
			lw_thread->last_busy_tsc = now;
			busy = true;
		}
		reactor->tsc_last = now;
		if (post_process(reactor, lw_thread, shutdown) && rc == 0 && !shutdown &&
		    now - lw_thread->last_busy_tsc >= reactor->park_delay_ticks) {
			try_park(reactor, lw_thread);
		}
	}
	return busy;
}

bool
pw__reactor_run_once(struct spdk_reactor *reactor)
{
	struct spdk_reactor *orig = t_reactor;
	bool busy;
	uint64_t now;

	t_reactor = reactor;
	busy = pw__event_queue_run_batch(reactor) > 0;
	if (reactor->lot != NULL) {
		if (spdk_unlikely(TAILQ_EMPTY(&reactor->active) && reactor->parked_count > 0)) {
			/* Without active threads the clock is not chained through
			 * slices (nor read while events keep the reactor busy):
			 * read it for the parked threads' timers, and so that a
			 * woken thread's slice starts now, not at an old reading
			 * (its idle time runs up to its slice). As below, the time
			 * since the last reading is the reactor's idle time. */
			now = spdk_get_ticks();
			reactor->idle_tsc += now - reactor->tsc_last;
			reactor->tsc_last = now;
			if (reactor->clock_stale) {
				reactor->clock_stale = false;
				reactor->last_work_tsc = now;
			}
		}
		unpark_woken(reactor, reactor->tsc_last);
	}

	if (spdk_unlikely(TAILQ_EMPTY(&reactor->active))) {
		/* (Threads may be parked here: none is polled.) */
		/* Without threads all time is idle. The clock is read only when
		 * an iteration found nothing to do: a reactor busy with events
		 * then pays no clock read per batch, and the idle time is the same
		 * sum, counted later. Work seen since the last read is taken to
		 * end at this read (for the spin window). */
		if (busy) {
			reactor->clock_stale = true;
		} else {
			now = spdk_get_ticks();
			reactor->idle_tsc += now - reactor->tsc_last;
			reactor->tsc_last = now;
			if (reactor->clock_stale) {
				reactor->clock_stale = false;
				reactor->last_work_tsc = now;
			}
		}
		t_reactor = orig;
		return busy;
	}
	if (spdk_unlikely(reactor->clock_stale)) {
		/* Threads arrived: bring the clock up to date before slices chain it. */
		now = spdk_get_ticks();
		reactor->idle_tsc += now - reactor->tsc_last;
		reactor->tsc_last = now;
		reactor->last_work_tsc = now;
		reactor->clock_stale = false;
	}
	busy |= slice_threads(reactor, false);
	t_reactor = orig;
	return busy;
}

static bool walk_drop(spdk_event_fn fn, void *arg1);

/* Events reaching a reactor that left its loop: as in SPDK they are not run,
 * except those carrying a thread to it (a thread is never lost, and must be
 * there to be exited); the others are counted. Returns how many were taken. */
static uint32_t
drain_events_after_stop(struct spdk_reactor *reactor)
{
	void *batch[PW_EVENT_BATCH_SIZE * PW_EVENT_WORDS];
	uint32_t n, dropped = 0;

	n = pw__event_queue_take(reactor, batch);
	for (uint32_t i = 0; i < n; i++) {
		spdk_event_fn fn = (spdk_event_fn)batch[i * PW_EVENT_WORDS];

		if (fn == schedule_thread_event) {
			spdk_set_thread(NULL);
			fn(batch[i * PW_EVENT_WORDS + 1], batch[i * PW_EVENT_WORDS + 2]);
			continue;
		}
		walk_drop(fn, batch[i * PW_EVENT_WORDS + 1]);
		dropped++;
	}
	if (dropped > 0) {
		atomic_fetch_add_explicit(&g_dropped_events, dropped, memory_order_relaxed);
	}
	return n;
}

/* One step of a reactor that left its loop: exit the threads still running
 * here, take the events that arrived, give every thread a slice. */
static void
shutdown_step(struct spdk_reactor *reactor)
{
	struct spdk_lw_thread *lw_thread;
	struct spdk_reactor *orig = t_reactor;
	uint64_t now;

	t_reactor = reactor;
	unpark_all(reactor);
	TAILQ_FOREACH(lw_thread, &reactor->threads, link) {
		struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);

		if (spdk_thread_is_running(thread)) {
			if (!spdk_thread_is_app_thread(thread)) {
				SPDK_ERRLOG("spdk_thread_exit() was not called on thread '%s' "
					    "before the framework stopped; exiting it now\n",
					    spdk_thread_get_name(thread));
			}
			spdk_set_thread(thread);
			spdk_thread_exit(thread);
			spdk_set_thread(NULL);
		}
	}
	while (drain_events_after_stop(reactor) > 0) {
	}
	/* The time since the last slice (or since the loop) is the reactor's. */
	now = spdk_get_ticks();
	reactor->idle_tsc += now - reactor->tsc_last;
	reactor->tsc_last = now;
	slice_threads(reactor, true);
	t_reactor = orig;
}

/* Leave the loop: exit every thread still running here, then keep going
 * until no thread is left in the whole process (a thread on its way here
 * must arrive to be exited). Events are no longer run. */
static void
reactor_shutdown(struct spdk_reactor *reactor)
{
	uint32_t core;

	while (atomic_load(&g_live_threads) > 0) {
		shutdown_step(reactor);
		if (reactor == g_main_reactor) {
			/* Reactors whose pthread could not start, and reactors
			 * that saw no thread left and ended: a thread created
			 * after that and sent there must still be exited. */
			SPDK_ENV_FOREACH_CORE(core) {
				struct spdk_reactor *r = &g_rt.reactors[core];

				/* Acquire: pairs with the release store below, by
				 * the pthread of r once it no longer touches r. */
				if (r != reactor && (r->orphan ||
						     atomic_load_explicit(&r->finished,
								     memory_order_acquire))) {
					shutdown_step(r);
				}
			}
		}
		if (TAILQ_EMPTY(&reactor->threads)) {
			spdk_pause();
		}
	}
	if (reactor != g_main_reactor) {
		/* Pairs with the acquire load above: from now on r is the main
		 * reactor's to step. */
		atomic_store_explicit(&reactor->finished, true, memory_order_release);
	}
}

static int
reactor_run(void *arg)
{
	struct spdk_reactor *reactor = arg;

	uint64_t fd_check_ticks = spdk_get_ticks_hz() * FD_CHECK_US / SPDK_SEC_TO_USEC;

	t_reactor = reactor;
	/* Read by framework_get_reactors on this reactor only. */
	reactor->tid = (uint64_t)syscall(SYS_gettid);
	SPDK_DEBUGLOG(reactor, "reactor on core %u starts\n", reactor->lcore);
	/* Wake from a timed sleep on time, not up to 50 us late. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	reactor->tsc_last = spdk_get_ticks();
	reactor->last_work_tsc = reactor->tsc_last;
	reactor->last_fd_check_tsc = reactor->tsc_last;
	while (atomic_load_explicit(&g_reactor_state, memory_order_relaxed) ==
	       SPDK_REACTOR_STATE_RUNNING) {
		uint64_t period_tsc = pw__scheduler_period_tsc();

		if (spdk_unlikely(period_tsc != 0)) {
			/* Scheduling rounds (scheduler_round.c). */
			pw__scheduler_round_check(reactor, period_tsc);
		}
		if (pw__reactor_run_once(reactor)) {
			reactor->last_work_tsc = reactor->tsc_last;
		} else if (pw__reactor_sleep_due(reactor) && pw__reactor_try_sleep(reactor)) {
			/* It slept and ran what woke it. */
			continue;
		}
		/* Busy, or idle but kept awake (an untimed poller): its interrupt
		 * sources are looked at here. */
		if (spdk_unlikely(reactor->nested_fgrps > 0 &&
				  reactor->tsc_last - reactor->last_fd_check_tsc >= fd_check_ticks)) {
			reactor->last_fd_check_tsc = reactor->tsc_last;
			pw__reactor_check_fds(reactor);
		}
	}
	reactor_shutdown(reactor);
	t_reactor = NULL;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Lifecycle
 * ------------------------------------------------------------------------- */

PW_EXPORT struct spdk_reactor *
spdk_reactor_get(uint32_t lcore)
{
	struct spdk_reactor *reactors = g_rt.reactors;

	if (reactors == NULL || lcore >= g_rt.count || reactors[lcore].lcore != lcore) {
		return NULL;
	}
	return &reactors[lcore];
}

static void stop_now(void *arg1, void *arg2);

/* Free what init gave the reactors, also when it stopped half-way (a reactor
 * whose queues or waker were never made has NULL there). */
static void
reactors_free(struct spdk_reactor *reactors, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		if (reactors[i].lcore == i) {
			pw__reactor_sleep_fini(&reactors[i]);
			pw__event_queue_fini(&reactors[i]);
			pw_park_lot_destroy(reactors[i].lot);
			free(reactors[i].heap);
		}
	}
	free(reactors);
}

PW_EXPORT int
spdk_reactors_init(size_t msg_mempool_size)
{
	struct spdk_reactor *reactors;
	uint32_t last, core;
	int rc;

	if (atomic_load(&g_reactor_state) != SPDK_REACTOR_STATE_UNINITIALIZED) {
		SPDK_ERRLOG("the reactors are already initialised\n");
		return -EALREADY;
	}
	/* Not the core set: it stays readable after spdk_env_fini(). */
	if (!pw_env_is_initialized()) {
		SPDK_ERRLOG("spdk_reactors_init: the environment is not initialised\n");
		return -EINVAL;
	}
	last = spdk_env_get_last_core();
	if (posix_memalign((void **)&reactors, SPDK_CACHE_LINE_SIZE,
			   (size_t)(last + 1) * sizeof(*reactors)) != 0) {
		SPDK_ERRLOG("no memory for %u reactors\n", last + 1);
		return -ENOMEM;
	}
	memset(reactors, 0, (size_t)(last + 1) * sizeof(*reactors));
	for (uint32_t i = 0; i <= last; i++) {
		reactors[i].lcore = UINT32_MAX;	/* no reactor on this index */
	}
	SPDK_ENV_FOREACH_CORE(core) {
		struct spdk_reactor *r = &reactors[core];

		r->lcore = core;
		TAILQ_INIT(&r->threads);
		TAILQ_INIT(&r->active);
		if (pw_park_lot_create(&r->lot) != 0) {
			SPDK_WARNLOG("reactor %u cannot park idle threads (no memory); it polls "
				     "them all\n", core);
			r->lot = NULL;
		}
		if (pw__event_queue_init(r) != 0) {
			SPDK_ERRLOG("no memory for the event queues of reactor %u\n", core);
			reactors_free(reactors, last + 1);
			return -ENOMEM;
		}
		r->tsc_last = spdk_get_ticks();
		r->park_delay_ticks = spdk_get_ticks_hz() * g_park_delay_us / SPDK_SEC_TO_USEC;
		if (pw__reactor_sleep_init(r) != 0) {
			SPDK_WARNLOG("reactor %u cannot sleep (no eventfd/epoll); it will poll\n", core);
		}
	}
	if (pw__scheduler_round_init(last + 1) != 0) {
		SPDK_ERRLOG("no memory for the scheduling records of %u cores\n", last + 1);
		reactors_free(reactors, last + 1);
		return -ENOMEM;
	}
	pw__events_init();
	/* Turn the sleeping options into ticks now that the clock is known. */
	pw__reactor_opts_refresh();
	g_rt.count = last + 1;
	g_rt.reactors = reactors;
	g_next_core = spdk_env_get_first_core();
	atomic_store(&g_live_threads, 0);
	atomic_store(&g_dropped_events, 0);
	pthread_mutex_lock(&g_stop_lock);
	g_stopping = false;
	pthread_mutex_unlock(&g_stop_lock);

	rc = spdk_thread_lib_init_ext(thread_op, thread_op_supported,
				      sizeof(struct spdk_lw_thread), msg_mempool_size);
	if (rc != 0) {
		SPDK_ERRLOG("cannot initialise the thread library: %s\n", spdk_strerror(-rc));
		g_rt.reactors = NULL;
		g_rt.count = 0;
		reactors_free(reactors, last + 1);
		pw__scheduler_round_fini();
		return rc;
	}
	pthread_mutex_lock(&g_stop_lock);
	g_round_in_progress = false;
	g_stop_deferred = false;
	pthread_mutex_unlock(&g_stop_lock);
	pw__scheduler_framework_init();
	atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_INITIALIZED);
	return 0;
}

/* What is left when the reactors go away: threads that were sent to a reactor
 * after it finished (their placement event is still queued) are placed,
 * exited and destroyed here, so that none is lost; every other event is not
 * run, as in SPDK, and counted. Then the count is reported, once. */
static void
finish_leftovers(void)
{
	uint64_t dropped;
	uint32_t core;
	bool pending;

	do {
		pending = false;
		SPDK_ENV_FOREACH_CORE(core) {
			struct spdk_reactor *reactor = spdk_reactor_get(core);

			if (reactor != NULL && (pw__event_queue_pending(reactor) ||
						!TAILQ_EMPTY(&reactor->threads))) {
				shutdown_step(reactor);
				pending = true;
			}
		}
	} while (pending || atomic_load(&g_live_threads) > 0);

	dropped = atomic_exchange(&g_dropped_events, 0);
	if (dropped > 0) {
		SPDK_NOTICELOG("%" PRIu64 " event(s) sent to reactors that had stopped were not run "
			       "(as in SPDK, events are not run once the reactors stop)\n", dropped);
	}
}

PW_EXPORT void
spdk_reactors_fini(void)
{
	struct spdk_reactor *reactors = g_rt.reactors;
	int state = atomic_load(&g_reactor_state);
	uint32_t count;

	if (state == SPDK_REACTOR_STATE_UNINITIALIZED) {
		return;
	}
	if (state == SPDK_REACTOR_STATE_RUNNING || state == SPDK_REACTOR_STATE_EXITING) {
		SPDK_ERRLOG("spdk_reactors_fini: the reactors are still running; call it after "
			    "spdk_reactors_start() returned\n");
		return;
	}
	finish_leftovers();
	pw__scheduler_framework_fini();
	spdk_thread_lib_fini();
	count = g_rt.count;
	g_rt.reactors = NULL;
	g_rt.count = 0;
	/* The count from init, not from the env: the env may have been
	 * finished already. */
	reactors_free(reactors, count);
	pw__scheduler_round_fini();
	pw__events_fini();
	atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_UNINITIALIZED);
}

PW_EXPORT void
spdk_reactors_start(void)
{
	uint32_t core, main_core = spdk_env_get_current_core();
	int state = SPDK_REACTOR_STATE_INITIALIZED;
	int rc;

	if (spdk_reactor_get(main_core) == NULL) {
		SPDK_ERRLOG("spdk_reactors_start: call it on the main core's pthread (the one that "
			    "initialised the environment)\n");
		return;
	}
	/* A stop that could not walk the reactors before they started has already
	 * set EXITING: then they start only to shut down. */
	if (!atomic_compare_exchange_strong(&g_reactor_state, &state, SPDK_REACTOR_STATE_RUNNING) &&
	    state != SPDK_REACTOR_STATE_EXITING) {
		SPDK_ERRLOG("spdk_reactors_start: the reactors are %s\n",
			    state == SPDK_REACTOR_STATE_RUNNING ? "already running" :
			    "stopped (call spdk_reactors_fini() and spdk_reactors_init() first)");
		return;
	}
	g_main_reactor = &g_rt.reactors[main_core];
	g_orphans = false;
	g_start_error = 0;
	SPDK_ENV_FOREACH_CORE(core) {
		if (core == main_core) {
			continue;
		}
		if (!g_orphans) {
			rc = spdk_env_thread_launch_pinned(core, reactor_run, &g_rt.reactors[core]);
			if (rc == 0) {
				continue;
			}
			SPDK_ERRLOG("cannot start the reactor of core %u: %s; stopping\n", core,
				    spdk_strerror(-rc));
			g_start_error = rc;
			/* Stopping, as after spdk_reactors_stop(): later stops and
			 * walks are refused, not started and then dropped. */
			pthread_mutex_lock(&g_stop_lock);
			g_stopping = true;
			pthread_mutex_unlock(&g_stop_lock);
			stop_now(NULL, NULL);
			g_orphans = true;
		}
		g_rt.reactors[core].orphan = true;
	}
	reactor_run(&g_rt.reactors[main_core]);
	spdk_env_thread_wait_all();
	atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_SHUTDOWN);
}

int
pw__reactors_start_error(void)
{
	return g_start_error;
}

enum spdk_reactor_state
pw__reactors_state(void)
{
	return atomic_load(&g_reactor_state);
}

void
pw__reactors_set_next_core(uint32_t core)
{
	pthread_mutex_lock(&g_sched_lock);
	g_next_core = core;
	pthread_mutex_unlock(&g_sched_lock);
}

void
pw__reactors_set_park_delay_us(uint64_t us)
{
	uint32_t core;

	g_park_delay_us = us;
	if (g_rt.reactors == NULL) {
		return;
	}
	SPDK_ENV_FOREACH_CORE(core) {
		g_rt.reactors[core].park_delay_ticks = spdk_get_ticks_hz() * us / SPDK_SEC_TO_USEC;
	}
}

size_t
pw__reactors_alive_summary(char *buf, size_t len)
{
	uint64_t live = atomic_load(&g_live_threads);

	return (size_t)snprintf(buf, len, "%" PRIu64 " lightweight thread(s) still alive", live);
}

/* ---------------------------------------------------------------------------
 * spdk_for_each_reactor and the stop
 * ------------------------------------------------------------------------- */

/* A walk holds every event it needs from the start (one per core, then the
 * completion's), so that it cannot stop half-way for want of one. */
struct call_reactor {
	spdk_event_fn		fn;
	void			*arg1;
	void			*arg2;
	spdk_event_fn		cpl;
	uint32_t		next;		/* index in evs of the next event to call */
	uint32_t		count;		/* events in evs: cores + 1 */
	struct spdk_event	*evs[];
};

static void
on_reactor(void *arg1, void *arg2)
{
	struct call_reactor *cr = arg1;

	cr->fn(cr->arg1, cr->arg2);
	spdk_event_call(cr->evs[cr->next++]);
}

static void
end_walk(void *arg1, void *arg2)
{
	struct call_reactor *cr = arg1;

	cr->cpl(cr->arg1, cr->arg2);
	free(cr);
}

/* A walk whose next event reached a reactor that had stopped: it will not go
 * on; give back the events it still holds. */
static bool
walk_drop(spdk_event_fn fn, void *arg1)
{
	struct call_reactor *cr = arg1;

	if (fn != on_reactor && fn != end_walk) {
		return false;
	}
	while (cr->next < cr->count) {
		pw__event_free(cr->evs[cr->next++]);
	}
	free(cr);
	return true;
}

/* Start a walk; false (logged) when it cannot, with nothing started. */
static bool
walk_start(spdk_event_fn fn, void *arg1, void *arg2, spdk_event_fn cpl)
{
	uint32_t core, orig_core, n = 0, cores = spdk_env_get_core_count();
	struct call_reactor *cr;

	cr = calloc(1, sizeof(*cr) + (cores + 1) * sizeof(cr->evs[0]));
	if (cr == NULL) {
		SPDK_ERRLOG("spdk_for_each_reactor: no memory for the walk\n");
		return false;
	}
	cr->fn = fn;
	cr->arg1 = arg1;
	cr->arg2 = arg2;
	cr->cpl = cpl;
	orig_core = t_reactor != NULL ? t_reactor->lcore : spdk_env_get_current_core();
	if (spdk_reactor_get(orig_core) == NULL) {
		orig_core = spdk_env_get_main_core();
	}
	SPDK_ENV_FOREACH_CORE(core) {
		if ((cr->evs[n] = spdk_event_allocate(core, on_reactor, cr, NULL)) == NULL) {
			break;
		}
		n++;
	}
	if (n == cores && (cr->evs[n] = spdk_event_allocate(orig_core, end_walk, cr, NULL)) != NULL) {
		cr->count = n + 1;
		cr->next = 1;
		/* Walks start under g_stop_lock: their first events must reach
		 * the first core in that order, whoever sends them. */
		pw__event_call_in_order(cr->evs[0]);
		return true;
	}
	SPDK_ERRLOG("spdk_for_each_reactor: no event for the walk (the event pool is exhausted, "
		    "or the reactors are gone)\n");
	while (n > 0) {
		pw__event_free(cr->evs[--n]);
	}
	free(cr);
	return false;
}

PW_EXPORT void
spdk_for_each_reactor(spdk_event_fn fn, void *arg1, void *arg2, spdk_event_fn cpl)
{
	bool stopping, started;

	if (fn == NULL || cpl == NULL) {
		SPDK_ERRLOG("spdk_for_each_reactor: NULL %s\n", fn == NULL ? "fn" : "cpl");
		return;
	}
	/* The lock orders this walk's first event before the stop's (or the
	 * stop before this check): the walk then visits every reactor before
	 * the stop's walk does. Its completion goes back to its own core and,
	 * as in SPDK, runs there only if that reactor has not yet left its loop
	 * (always so when the walk and the stop start on the same core). */
	pthread_mutex_lock(&g_stop_lock);
	stopping = g_stopping;
	started = !stopping && walk_start(fn, arg1, arg2, cpl);
	pthread_mutex_unlock(&g_stop_lock);
	if (stopping) {
		/* As in SPDK: the stop has flushed the walks begun before it; one
		 * begun now could not finish. */
		SPDK_WARNLOG("spdk_for_each_reactor: the reactors are stopping; the walk is not "
			     "started and its completion will not run\n");
		return;
	}
	if (!started) {
		/* As SPDK does when it cannot walk: complete at once. */
		cpl(arg1, arg2);
	}
}

/* The stop itself: every loop ends at its next turn. */
static void
stop_now(void *arg1, void *arg2)
{
	int state = atomic_load(&g_reactor_state);
	uint32_t core;

	while ((state == SPDK_REACTOR_STATE_RUNNING || state == SPDK_REACTOR_STATE_INITIALIZED) &&
	       !atomic_compare_exchange_weak(&g_reactor_state, &state, SPDK_REACTOR_STATE_EXITING)) {
	}
	/* Reactors asleep must see the state change. */
	SPDK_ENV_FOREACH_CORE(core) {
		struct spdk_reactor *reactor = spdk_reactor_get(core);

		if (reactor != NULL && reactor->waker != NULL) {
			pw_waker_wake(reactor->waker);
		}
	}
}

static void
walk_nop(void *arg1, void *arg2)
{
}

PW_EXPORT void
spdk_reactors_stop(void *arg1)
{
	bool first, started, deferred;

	if (g_rt.reactors == NULL) {
		SPDK_ERRLOG("spdk_reactors_stop: the reactors are not initialised\n");
		return;
	}
	/* As SPDK: a walk through every reactor whose completion stops them, so
	 * that events queued to a reactor before the stop still run there. */
	pthread_mutex_lock(&g_stop_lock);
	first = !g_stopping;
	g_stopping = true;
	deferred = first && g_round_in_progress;
	g_stop_deferred |= deferred;
	started = first && !deferred && walk_start(walk_nop, NULL, NULL, stop_now);
	pthread_mutex_unlock(&g_stop_lock);
	if (!first) {
		SPDK_INFOLOG(reactor, "spdk_reactors_stop: already stopping\n");
	} else if (deferred) {
		SPDK_INFOLOG(reactor, "spdk_reactors_stop: waiting for the scheduling round\n");
	} else if (!started) {
		stop_now(NULL, NULL);
	}
}

int
pw__reactors_round_walk(spdk_event_fn fn, spdk_event_fn cpl, void *arg, bool begin)
{
	int rc = 0;

	pthread_mutex_lock(&g_stop_lock);
	if (begin && g_stopping) {
		rc = -ESHUTDOWN;
	} else if (begin && g_round_in_progress) {
		rc = -EBUSY;
	} else if (!walk_start(fn, arg, NULL, cpl)) {
		rc = -ENOMEM;
	} else if (begin) {
		g_round_in_progress = true;
	}
	pthread_mutex_unlock(&g_stop_lock);
	return rc;
}

void
pw__reactors_round_end(void)
{
	bool deferred, started = false;

	pthread_mutex_lock(&g_stop_lock);
	g_round_in_progress = false;
	deferred = g_stop_deferred;
	g_stop_deferred = false;
	if (deferred) {
		started = walk_start(walk_nop, NULL, NULL, stop_now);
	}
	pthread_mutex_unlock(&g_stop_lock);
	if (deferred && !started) {
		stop_now(NULL, NULL);
	}
}

bool
pw__reactors_stop_waits_for_round(void)
{
	bool r;

	pthread_mutex_lock(&g_stop_lock);
	r = g_stop_deferred;
	pthread_mutex_unlock(&g_stop_lock);
	return r;
}

bool
pw__reactors_round_in_progress(void)
{
	bool r;

	pthread_mutex_lock(&g_stop_lock);
	r = g_round_in_progress;
	pthread_mutex_unlock(&g_stop_lock);
	return r;
}

SPDK_LOG_REGISTER_COMPONENT(reactor)

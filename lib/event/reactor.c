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

#include "spdk/log.h"
#include "spdk/string.h"

#include <sys/prctl.h>

#define FD_CHECK_US	50	/* a busy reactor looks at its interrupt sources this often */

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
		core = pick_core(spdk_thread_get_cpumask(thread));
	}
	pthread_mutex_unlock(&g_sched_lock);

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
	TAILQ_INSERT_TAIL(&reactor->threads, lw_thread, link);
	reactor->thread_count++;
	/* Messages sent to it from now on wake this reactor when it sleeps. */
	pw_thread_set_waker(thread, reactor->waker);
	sync_thread_fgrp(reactor, lw_thread, pw_thread_get_fd_group(thread));
}

static void
remove_lw_thread(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	sync_thread_fgrp(reactor, lw_thread, NULL);
	TAILQ_REMOVE(&reactor->threads, lw_thread, link);
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
		rc = schedule_thread(lw_thread);
		if (rc == 0) {
			atomic_fetch_add(&g_live_threads, 1);
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
 * with a poller still registered, which its destruction logs). */
static void
post_process(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);
	bool shutting_down = atomic_load_explicit(&g_reactor_state, memory_order_relaxed) !=
			     SPDK_REACTOR_STATE_RUNNING;

	if (spdk_unlikely(pw_thread_get_fd_group(thread) != lw_thread->nested_fgrp)) {
		sync_thread_fgrp(reactor, lw_thread, pw_thread_get_fd_group(thread));
	}
	if (spdk_unlikely(spdk_thread_is_exited(thread) &&
			  (shutting_down || spdk_thread_is_idle(thread)))) {
		remove_lw_thread(reactor, lw_thread);
		spdk_thread_destroy(thread);
		atomic_fetch_sub(&g_live_threads, 1);
		return;
	}
	/* A bound thread keeps its request until it is unbound, as in SPDK. */
	if (spdk_unlikely(lw_thread->resched) && !spdk_thread_is_bound(thread)) {
		lw_thread->resched = false;
		remove_lw_thread(reactor, lw_thread);
		if (schedule_thread(lw_thread) != 0) {
			/* Keep it here rather than lose it. */
			lw_thread->lcore = reactor->lcore;
			TAILQ_INSERT_TAIL(&reactor->threads, lw_thread, link);
			reactor->thread_count++;
			sync_thread_fgrp(reactor, lw_thread, pw_thread_get_fd_group(thread));
		}
	}
}

/* ---------------------------------------------------------------------------
 * The loop
 * ------------------------------------------------------------------------- */

bool
pw__reactor_run_once(struct spdk_reactor *reactor)
{
	struct spdk_lw_thread *lw_thread, *tmp;
	struct spdk_reactor *orig = t_reactor;
	bool busy;
	uint64_t now;
	int rc;

	t_reactor = reactor;
	busy = pw__event_queue_run_batch(reactor) > 0;

	if (spdk_unlikely(TAILQ_EMPTY(&reactor->threads))) {
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
	TAILQ_FOREACH_SAFE(lw_thread, &reactor->threads, link, tmp) {
		struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);

		rc = spdk_thread_poll(thread, 0, reactor->tsc_last);
		now = spdk_thread_get_last_tsc(thread);
		if (rc == 0) {
			reactor->idle_tsc += now - reactor->tsc_last;
		} else if (rc > 0) {
			reactor->busy_tsc += now - reactor->tsc_last;
			busy = true;
		}
		reactor->tsc_last = now;
		post_process(reactor, lw_thread);
	}
	t_reactor = orig;
	return busy;
}

/* Leave the loop: exit every thread still running here, then keep going
 * until no thread is left in the whole process. */
static void
reactor_shutdown(struct spdk_reactor *reactor)
{
	struct spdk_lw_thread *lw_thread;

	while (atomic_load(&g_live_threads) > 0 || pw__event_queue_pending(reactor)) {
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
		pw__reactor_run_once(reactor);
		if (TAILQ_EMPTY(&reactor->threads)) {
			spdk_pause();
		}
	}
}

static int
reactor_run(void *arg)
{
	struct spdk_reactor *reactor = arg;

	uint64_t fd_check_ticks = spdk_get_ticks_hz() * FD_CHECK_US / SPDK_SEC_TO_USEC;

	t_reactor = reactor;
	SPDK_DEBUGLOG(reactor, "reactor on core %u starts\n", reactor->lcore);
	/* Wake from a timed sleep on time, not up to 50 us late. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	reactor->tsc_last = spdk_get_ticks();
	reactor->last_work_tsc = reactor->tsc_last;
	reactor->last_fd_check_tsc = reactor->tsc_last;
	while (atomic_load_explicit(&g_reactor_state, memory_order_relaxed) ==
	       SPDK_REACTOR_STATE_RUNNING) {
		if (pw__reactor_run_once(reactor)) {
			reactor->last_work_tsc = reactor->tsc_last;
		} else if (pw__reactor_sleep_due(reactor)) {
			pw__reactor_try_sleep(reactor);
			continue;
		}
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
	last = spdk_env_get_last_core();
	if (last == UINT32_MAX) {
		SPDK_ERRLOG("spdk_reactors_init: the environment is not initialised\n");
		return -EINVAL;
	}
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
		if (pw__event_queue_init(r) != 0) {
			SPDK_ERRLOG("no memory for the event queues of reactor %u\n", core);
			SPDK_ENV_FOREACH_CORE(core) {
				pw__event_queue_fini(&reactors[core]);
			}
			free(reactors);
			return -ENOMEM;
		}
		r->tsc_last = spdk_get_ticks();
		if (pw__reactor_sleep_init(r) != 0) {
			SPDK_WARNLOG("reactor %u cannot sleep (no eventfd/epoll); it will poll\n", core);
		}
	}
	pw__events_init();
	/* Turn the sleeping options into ticks now that the clock is known. */
	pw__reactor_opts_refresh();
	g_rt.count = last + 1;
	g_rt.reactors = reactors;
	g_next_core = spdk_env_get_first_core();
	atomic_store(&g_live_threads, 0);

	rc = spdk_thread_lib_init_ext(thread_op, thread_op_supported,
				      sizeof(struct spdk_lw_thread), msg_mempool_size);
	if (rc != 0) {
		SPDK_ERRLOG("cannot initialise the thread library: %s\n", spdk_strerror(-rc));
		SPDK_ENV_FOREACH_CORE(core) {
			pw__reactor_sleep_fini(&reactors[core]);
			pw__event_queue_fini(&reactors[core]);
		}
		g_rt.reactors = NULL;
		g_rt.count = 0;
		free(reactors);
		return rc;
	}
	atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_INITIALIZED);
	return 0;
}

/* Events still queued when the reactors go away run now, on the finishing
 * pthread, rather than vanish with their queues (DESIGN.md: an allocated event
 * is always delivered). */
static void
run_leftover_events(void)
{
	uint32_t core, ran, total = 0;

	SPDK_ENV_FOREACH_CORE(core) {
		struct spdk_reactor *reactor = spdk_reactor_get(core);

		if (reactor == NULL) {
			continue;
		}
		t_reactor = reactor;
		do {
			ran = pw__event_queue_run_batch(reactor);
			total += ran;
		} while (ran > 0 || pw__event_queue_pending(reactor));
		t_reactor = NULL;
	}
	if (total > 0) {
		SPDK_WARNLOG("%u event(s) were still queued when the reactors finished; ran them "
			     "on the finishing pthread\n", total);
	}
}

PW_EXPORT void
spdk_reactors_fini(void)
{
	struct spdk_reactor *reactors = g_rt.reactors;

	if (atomic_load(&g_reactor_state) == SPDK_REACTOR_STATE_UNINITIALIZED) {
		return;
	}
	uint32_t core;

	run_leftover_events();
	spdk_thread_lib_fini();
	SPDK_ENV_FOREACH_CORE(core) {
		if (spdk_reactor_get(core) != NULL) {
			pw__reactor_sleep_fini(&reactors[core]);
			pw__event_queue_fini(&reactors[core]);
		}
	}
	g_rt.reactors = NULL;
	g_rt.count = 0;
	free(reactors);
	pw__events_fini();
	atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_UNINITIALIZED);
}

PW_EXPORT void
spdk_reactors_start(void)
{
	uint32_t core, main_core = spdk_env_get_current_core();
	int rc;

	if (spdk_reactor_get(main_core) == NULL) {
		SPDK_ERRLOG("spdk_reactors_start: call it on the main core's pthread (the one that "
			    "initialised the environment)\n");
		return;
	}
	atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_RUNNING);
	SPDK_ENV_FOREACH_CORE(core) {
		if (core == main_core) {
			continue;
		}
		rc = spdk_env_thread_launch_pinned(core, reactor_run, &g_rt.reactors[core]);
		if (rc != 0) {
			SPDK_ERRLOG("cannot start the reactor of core %u: %s; stopping\n", core,
				    spdk_strerror(-rc));
			atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_EXITING);
			break;
		}
	}
	reactor_run(&g_rt.reactors[main_core]);
	spdk_env_thread_wait_all();
	atomic_store(&g_reactor_state, SPDK_REACTOR_STATE_SHUTDOWN);
}

PW_EXPORT void
spdk_reactors_stop(void *arg1)
{
	int running = SPDK_REACTOR_STATE_RUNNING;
	uint32_t core;

	if (!atomic_compare_exchange_strong(&g_reactor_state, &running,
					    SPDK_REACTOR_STATE_EXITING)) {
		return;
	}
	/* Reactors asleep must see the state change. */
	SPDK_ENV_FOREACH_CORE(core) {
		struct spdk_reactor *reactor = spdk_reactor_get(core);

		if (reactor != NULL && reactor->waker != NULL) {
			pw_waker_wake(reactor->waker);
		}
	}
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

size_t
pw__reactors_alive_summary(char *buf, size_t len)
{
	uint64_t live = atomic_load(&g_live_threads);

	return (size_t)snprintf(buf, len, "%" PRIu64 " lightweight thread(s) still alive", live);
}

/* ---------------------------------------------------------------------------
 * spdk_for_each_reactor
 * ------------------------------------------------------------------------- */

struct call_reactor {
	spdk_event_fn	fn;
	void		*arg1;
	void		*arg2;
	spdk_event_fn	cpl;
	uint32_t	cur_core;
	uint32_t	orig_core;
};

static void
on_reactor(void *arg1, void *arg2)
{
	struct call_reactor *cr = arg1;
	struct spdk_event *ev;

	cr->fn(cr->arg1, cr->arg2);
	cr->cur_core = spdk_env_get_next_core(cr->cur_core);
	if (cr->cur_core == UINT32_MAX) {
		ev = spdk_event_allocate(cr->orig_core, cr->cpl, cr->arg1, cr->arg2);
		free(cr);
	} else {
		ev = spdk_event_allocate(cr->cur_core, on_reactor, cr, NULL);
	}
	if (ev == NULL) {
		SPDK_ERRLOG("spdk_for_each_reactor: no event left; the walk stops here\n");
		return;
	}
	spdk_event_call(ev);
}

PW_EXPORT void
spdk_for_each_reactor(spdk_event_fn fn, void *arg1, void *arg2, spdk_event_fn cpl)
{
	struct call_reactor *cr;
	struct spdk_event *ev;

	if (fn == NULL || cpl == NULL) {
		SPDK_ERRLOG("spdk_for_each_reactor: NULL %s\n", fn == NULL ? "fn" : "cpl");
		return;
	}
	cr = calloc(1, sizeof(*cr));
	if (cr == NULL) {
		SPDK_ERRLOG("spdk_for_each_reactor: no memory\n");
		cpl(arg1, arg2);
		return;
	}
	cr->fn = fn;
	cr->arg1 = arg1;
	cr->arg2 = arg2;
	cr->cpl = cpl;
	cr->orig_core = t_reactor != NULL ? t_reactor->lcore : spdk_env_get_current_core();
	if (spdk_reactor_get(cr->orig_core) == NULL) {
		cr->orig_core = spdk_env_get_main_core();
	}
	cr->cur_core = spdk_env_get_first_core();
	ev = spdk_event_allocate(cr->cur_core, on_reactor, cr, NULL);
	if (ev == NULL) {
		free(cr);
		cpl(arg1, arg2);
		return;
	}
	spdk_event_call(ev);
}

SPDK_LOG_REGISTER_COMPONENT(reactor)

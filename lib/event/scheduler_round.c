/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Scheduling rounds, as SPDK runs them.
 *
 * When a period is set, the scheduling reactor starts a round once per
 * period (pw__scheduler_round_check(), from its loop). A round is two walks
 * through the reactors with events (reactor.c's walks, which hold every event
 * they need from the start):
 *
 *  1. gather: on every reactor, its busy/idle ticks and those of each of its
 *     threads, in total and since the last round, into g_cores[core] (each
 *     reactor writes only its own entry and reads only its own threads);
 *     then, back on the scheduling reactor, the scheduler's balance() on the
 *     whole array, and the history record;
 *  2. apply: on every reactor, each of its threads whose target changed gets
 *     its target core and the RESCHED flag, exactly as spdk_thread_set_cpumask
 *     does (reactor.c moves it right after its next slice and hands it to the
 *     target reactor with an event, which also points the thread's wake-ups at
 *     the new reactor: the sleeping protocol is the one every move already
 *     uses, see doc/design.md). A move is refused, and counted, when the
 *     thread is bound (spdk_thread_bind(), or a cpumask of a single core), its
 *     cpumask forbids the target, the source or the target core is isolated,
 *     or the target has no reactor; a thread that exited or already has a
 *     move pending since the gather is left alone.
 *
 * Cost: the gather is O(threads) (one visit per thread), balance is the
 * scheduler's (dynamic: O(threads x cores)), apply is O(threads) to read the
 * thread infos plus O(1) per move: the gather keeps each thread's lw_thread
 * next to its thread info, and a thread that leaves its reactor before the
 * apply (destroyed, moved) clears its entry (pw__scheduler_round_forget(),
 * from reactor.c), so the apply never searches the reactor's list. The
 * entry is matched by the thread id it kept: a scheduler that reorders the
 * thread infos (or copies one to another core's array) still moves the thread
 * each one names, after a search of the entries, O(threads) per move.
 *
 * The events between the phases order everything: g_cores is written by the
 * reactors in phase 1, read by the scheduling reactor (balance), then read by
 * the reactors in phase 2, each step after the event that started it.
 *
 * Shutdown: a round holds off spdk_reactors_stop() until it ends (reactor.c),
 * so both walks always complete. Cores whose index has no reactor appear in
 * the array as isolated and empty.
 */

#include "event/event_internal.h"
#include "event/scheduler_dynamic_internal.h"

#include "spdk/log.h"

struct round_core {
	uint32_t		cap;		/* room in info.thread_infos and the arrays below */
	uint32_t		*initial;	/* initial_lcore of each thread_info */
	struct spdk_cpuset	*masks;		/* cpumask of each thread_info */
	/* Each thread_info's thread as gathered: its id, and its lw_thread
	 * while it stays on this reactor (NULL once it left:
	 * pw__scheduler_round_forget()), so that apply finds a thread to move in
	 * O(1). Written and read by this core's reactor only; lw_count: entries
	 * valid since its last gather. */
	struct round_kept {
		struct spdk_lw_thread	*lw;
		uint64_t		id;
	}			*lw;
	uint32_t		lw_count;
};

static struct spdk_scheduler_core_info *g_cores;	/* indexed by core */
static struct round_core *g_rcores;
static uint32_t g_count;
/* Set by scheduler_set_options (the app thread), read by the rounds on every
 * reactor: under g_isolated_lock, copied once per gather/apply. */
static pthread_mutex_t g_isolated_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spdk_cpuset g_isolated;
/* The scheduling reactor's: when the last round started (relaxed atomic, as
 * the scheduling core may change between rounds). */
static _Atomic uint64_t g_last_round_tsc;
/* A round runs: the scheduling reactor then needs no timed wake-up for the
 * next one (relaxed: a hint; reactor.c's g_round_in_progress decides). */
static _Atomic bool g_round_running;
static uint64_t g_round_period_tsc;	/* the period the stats of this round cover */
/* Counters for tests (relaxed: nothing is published with them). */
static _Atomic uint64_t g_rounds_done;
static _Atomic uint64_t g_moves_applied;
static _Atomic uint64_t g_moves_refused;
/* What the phases of the round under way cost, in ticks summed over the
 * reactors (relaxed adds: counters), and those of the last completed round
 * (published by round_done()'s release increment of g_rounds_done). */
static _Atomic uint64_t g_gather_tsc, g_balance_tsc, g_apply_tsc;
static _Atomic uint64_t g_last_gather_tsc, g_last_balance_tsc, g_last_apply_tsc;

int
pw__scheduler_round_init(uint32_t count)
{
	g_cores = calloc(count, sizeof(*g_cores));
	g_rcores = calloc(count, sizeof(*g_rcores));
	if (g_cores == NULL || g_rcores == NULL) {
		free(g_cores);
		free(g_rcores);
		g_cores = NULL;
		g_rcores = NULL;
		return -ENOMEM;
	}
	g_count = count;
	for (uint32_t i = 0; i < count; i++) {
		g_cores[i].lcore = i;
		g_cores[i].isolated = spdk_reactor_get(i) == NULL;
	}
	pthread_mutex_lock(&g_isolated_lock);
	spdk_cpuset_zero(&g_isolated);
	pthread_mutex_unlock(&g_isolated_lock);
	atomic_store_explicit(&g_last_round_tsc, 0, memory_order_relaxed);
	atomic_store_explicit(&g_rounds_done, 0, memory_order_relaxed);
	atomic_store_explicit(&g_moves_applied, 0, memory_order_relaxed);
	atomic_store_explicit(&g_moves_refused, 0, memory_order_relaxed);
	return 0;
}

void
pw__scheduler_round_fini(void)
{
	for (uint32_t i = 0; i < g_count; i++) {
		free(g_cores[i].thread_infos);
		free(g_rcores[i].initial);
		free(g_rcores[i].masks);
		free(g_rcores[i].lw);
	}
	free(g_cores);
	free(g_rcores);
	g_cores = NULL;
	g_rcores = NULL;
	g_count = 0;
}

void
pw__scheduler_set_isolated_cores(const struct spdk_cpuset *cores)
{
	pthread_mutex_lock(&g_isolated_lock);
	if (cores == NULL) {
		spdk_cpuset_zero(&g_isolated);
	} else {
		spdk_cpuset_copy(&g_isolated, cores);
	}
	pthread_mutex_unlock(&g_isolated_lock);
}

void
pw__scheduler_get_isolated_cores(struct spdk_cpuset *cores)
{
	pthread_mutex_lock(&g_isolated_lock);
	spdk_cpuset_copy(cores, &g_isolated);
	pthread_mutex_unlock(&g_isolated_lock);
}

uint64_t
pw__scheduler_rounds_done(void)
{
	/* Acquire: pairs with the release increment in round_done() (the costs
	 * of that round are visible). */
	return atomic_load_explicit(&g_rounds_done, memory_order_acquire);
}

void
pw__scheduler_round_costs(uint64_t *gather_tsc, uint64_t *balance_tsc, uint64_t *apply_tsc)
{
	*gather_tsc = atomic_load_explicit(&g_last_gather_tsc, memory_order_relaxed);
	*balance_tsc = atomic_load_explicit(&g_last_balance_tsc, memory_order_relaxed);
	*apply_tsc = atomic_load_explicit(&g_last_apply_tsc, memory_order_relaxed);
}

void
pw__scheduler_round_forget(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread)
{
	struct round_core *rc;
	uint32_t idx = lw_thread->round_idx;

	if (g_rcores == NULL || reactor->lcore >= g_count) {
		return;
	}
	rc = &g_rcores[reactor->lcore];
	/* round_idx may be stale (another core's gather, an older round): the
	 * entry is cleared only if it is this thread's. */
	if (idx < rc->lw_count && rc->lw[idx].lw == lw_thread) {
		rc->lw[idx].lw = NULL;
	}
}

uint64_t
pw__scheduler_moves_applied(void)
{
	return atomic_load_explicit(&g_moves_applied, memory_order_relaxed);
}

uint64_t
pw__scheduler_moves_refused(void)
{
	return atomic_load_explicit(&g_moves_refused, memory_order_relaxed);
}

uint32_t
pw__scheduler_thread_initial_lcore(uint32_t core, uint32_t idx)
{
	if (core >= g_count || idx >= g_cores[core].threads_count) {
		return UINT32_MAX;
	}
	return g_rcores[core].initial[idx];
}

const struct spdk_scheduler_core_info *
pw__scheduler_round_cores(void)
{
	return g_cores;
}

const struct spdk_cpuset *
pw__scheduler_thread_cpumask(uint32_t core, uint32_t idx)
{
	if (core >= g_count || idx >= g_cores[core].threads_count) {
		return NULL;
	}
	return &g_rcores[core].masks[idx];
}

static bool
core_isolated(uint32_t core, const struct spdk_cpuset *isolated)
{
	return spdk_reactor_get(core) == NULL || spdk_cpuset_get_cpu(isolated, core);
}

/* ---------------------------------------------------------------------------
 * Phase 1: gather, then balance
 * ------------------------------------------------------------------------- */

static void
stats_diff(struct spdk_thread_stats *out, const struct spdk_thread_stats *now,
	   const struct spdk_thread_stats *before)
{
	out->busy_tsc = now->busy_tsc - before->busy_tsc;
	out->idle_tsc = now->idle_tsc - before->idle_tsc;
}

/* On every reactor: its entry of g_cores. Room for the thread infos is grown
 * here, by the reactor that owns the entry; without memory the entry lists no
 * thread (they stay where they are this round). */
static void
gather(void *arg1, void *arg2)
{
	struct spdk_reactor *reactor = spdk_reactor_get(spdk_env_get_current_core());
	struct spdk_scheduler_core_info *ci;
	struct round_core *rc;
	struct spdk_lw_thread *lw_thread;
	struct spdk_thread *orig = spdk_get_thread();
	struct spdk_cpuset isolated;
	uint64_t t0 = spdk_get_ticks();
	uint32_t i = 0;

	assert(reactor != NULL);
	pw__scheduler_get_isolated_cores(&isolated);
	ci = &g_cores[reactor->lcore];
	rc = &g_rcores[reactor->lcore];
	ci->lcore = reactor->lcore;
	ci->current_idle_tsc = reactor->idle_tsc - ci->total_idle_tsc;
	ci->current_busy_tsc = reactor->busy_tsc - ci->total_busy_tsc;
	ci->total_idle_tsc = reactor->idle_tsc;
	ci->total_busy_tsc = reactor->busy_tsc;
	ci->interrupt_mode = false;
	ci->isolated = core_isolated(reactor->lcore, &isolated);
	ci->threads_count = 0;
	rc->lw_count = 0;

	if (reactor->thread_count > rc->cap) {
		uint32_t cap = spdk_max(reactor->thread_count, rc->cap * 2);
		void *ti = realloc(ci->thread_infos, cap * sizeof(*ci->thread_infos));

		if (ti != NULL) {
			ci->thread_infos = ti;
			ti = realloc(rc->initial, cap * sizeof(*rc->initial));
			if (ti != NULL) {
				rc->initial = ti;
				ti = realloc(rc->masks, cap * sizeof(*rc->masks));
				if (ti != NULL) {
					rc->masks = ti;
					ti = realloc(rc->lw, cap * sizeof(*rc->lw));
					if (ti != NULL) {
						rc->lw = ti;
						rc->cap = cap;
					}
				}
			}
		}
		if (rc->cap < reactor->thread_count) {
			SPDK_ERRLOG("scheduling round: no memory for the %u threads of core %u; "
				    "they stay where they are this round\n", reactor->thread_count,
				    reactor->lcore);
			atomic_fetch_add_explicit(&g_gather_tsc, spdk_get_ticks() - t0,
						  memory_order_relaxed);
			return;
		}
	}
	TAILQ_FOREACH(lw_thread, &reactor->threads, link) {
		struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);
		struct spdk_scheduler_thread_info *ti = &ci->thread_infos[i];
		struct spdk_thread_stats total;

		spdk_set_thread(thread);
		spdk_thread_get_stats(&total);
		spdk_set_thread(orig);
		ti->lcore = reactor->lcore;
		ti->thread_id = spdk_thread_get_id(thread);
		ti->total_stats = total;
		stats_diff(&ti->current_stats, &total, &lw_thread->round_stats);
		lw_thread->round_stats = total;
		rc->initial[i] = lw_thread->initial_lcore;
		/* A copy: the thread may change its mask before balance() runs. */
		spdk_cpuset_copy(&rc->masks[i], pw_thread_get_cpumask(thread));
		rc->lw[i].lw = lw_thread;
		rc->lw[i].id = ti->thread_id;
		lw_thread->round_idx = i;
		i++;
	}
	ci->threads_count = i;
	rc->lw_count = i;
	atomic_fetch_add_explicit(&g_gather_tsc, spdk_get_ticks() - t0, memory_order_relaxed);
}

static void apply(void *arg1, void *arg2);
static void round_done(void *arg1, void *arg2);

static void
round_cancel(const char *why)
{
	for (uint32_t i = 0; i < g_count; i++) {
		g_cores[i].threads_count = 0;
	}
	SPDK_INFOLOG(reactor, "scheduling round cancelled: %s\n", why);
	atomic_store_explicit(&g_gather_tsc, 0, memory_order_relaxed);
	atomic_store_explicit(&g_balance_tsc, 0, memory_order_relaxed);
	atomic_store_explicit(&g_apply_tsc, 0, memory_order_relaxed);
	atomic_store_explicit(&g_round_running, false, memory_order_relaxed);
	pw__reactors_round_end();
}

/* Back on the scheduling reactor with every core's entry. */
static void
balance(void *arg1, void *arg2)
{
	enum spdk_reactor_state state = pw__reactors_state();
	uint64_t t0 = spdk_get_ticks();

	if (state == SPDK_REACTOR_STATE_EXITING || state == SPDK_REACTOR_STATE_SHUTDOWN) {
		round_cancel("the reactors stop");
		return;
	}
	/* Not spdk_scheduler_get() then ->balance(): the app thread may replace
	 * (deinit) it meanwhile. */
	if (!pw__scheduler_balance(g_cores, g_count)) {
		round_cancel("no scheduler");
		return;
	}
	pw__scheduler_history_record(g_cores, g_count, g_round_period_tsc);
	atomic_fetch_add_explicit(&g_balance_tsc, spdk_get_ticks() - t0, memory_order_relaxed);
	if (pw__reactors_round_walk(apply, round_done, NULL, false) != 0) {
		round_cancel("no event for the moves");
	}
}

/* ---------------------------------------------------------------------------
 * Phase 2: apply the moves
 * ------------------------------------------------------------------------- */

static const char *
refuse_reason(struct spdk_thread *thread, uint32_t from, uint32_t to,
	      const struct spdk_cpuset *isolated)
{
	const struct spdk_cpuset *mask = pw_thread_get_cpumask(thread);

	if (to >= g_count || spdk_reactor_get(to) == NULL) {
		return "no reactor on the target core";
	}
	if (spdk_cpuset_get_cpu(isolated, from)) {
		return "its core is isolated";
	}
	if (spdk_cpuset_get_cpu(isolated, to)) {
		return "the target core is isolated";
	}
	if (spdk_thread_is_bound(thread) || spdk_cpuset_count(mask) == 1) {
		return "it is bound to its core";
	}
	if (!spdk_cpuset_get_cpu(mask, to)) {
		return "its cpumask forbids the target core";
	}
	return NULL;
}

/*
 * The thread of this reactor that thread info \p i names (by \p id), as the
 * gather kept it, or NULL if it left the reactor since or was never here.
 * The entry at the same index is that thread's unless balance() reordered
 * the thread infos or wrote another core's info there (spdk/scheduler.h does
 * not forbid it; SPDK's apply looks every thread up by id): then the entries
 * are searched by id, O(threads), for such a scheduler only.
 */
static struct spdk_lw_thread *
kept_thread(const struct round_core *rc, uint32_t i, uint64_t id)
{
	if (spdk_likely(i < rc->lw_count && rc->lw[i].id == id)) {
		return rc->lw[i].lw;
	}
	for (uint32_t k = 0; k < rc->lw_count; k++) {
		if (rc->lw[k].id == id) {
			return rc->lw[k].lw;
		}
	}
	return NULL;
}

static void
apply(void *arg1, void *arg2)
{
	struct spdk_reactor *reactor = spdk_reactor_get(spdk_env_get_current_core());
	struct spdk_scheduler_core_info *ci;
	struct round_core *rc;
	struct spdk_lw_thread *lw_thread;
	uint64_t applied = 0, refused = 0, t0 = spdk_get_ticks();
	struct spdk_cpuset isolated;

	assert(reactor != NULL);
	pw__scheduler_get_isolated_cores(&isolated);
	ci = &g_cores[reactor->lcore];
	rc = &g_rcores[reactor->lcore];
	for (uint32_t i = 0; i < ci->threads_count; i++) {
		struct spdk_scheduler_thread_info *ti = &ci->thread_infos[i];
		struct spdk_thread *thread;
		const char *why;

		if (ti->lcore == reactor->lcore) {
			continue;
		}
		/* Still here? (It may have been destroyed, or moved on its own:
		 * then its entry was cleared when it left.) */
		lw_thread = kept_thread(rc, i, ti->thread_id);
		if (lw_thread == NULL || lw_thread->resched) {
			continue;
		}
		thread = spdk_thread_get_from_ctx(lw_thread);
		/* The history names the thread: only its reactor may read it. */
		pw__scheduler_history_name(ti->thread_id, spdk_thread_get_name(thread));
		if (spdk_thread_is_exited(thread)) {
			continue;
		}
		why = refuse_reason(thread, reactor->lcore, ti->lcore, &isolated);
		if (why != NULL) {
			SPDK_DEBUGLOG(reactor, "scheduling round: thread %s stays on core %u "
				      "(asked for core %u): %s\n", spdk_thread_get_name(thread),
				      reactor->lcore, ti->lcore, why);
			refused++;
			continue;
		}
		/* As spdk_thread_set_cpumask's RESCHED: moved after its next slice. */
		lw_thread->lcore = ti->lcore;
		lw_thread->resched = true;
		/* It moves after its next slice: a parked thread gets one now. */
		pw__reactor_thread_unpark(reactor, lw_thread);
		applied++;
	}
	ci->threads_count = 0;
	rc->lw_count = 0;
	if (applied > 0) {
		atomic_fetch_add_explicit(&g_moves_applied, applied, memory_order_relaxed);
	}
	if (refused > 0) {
		atomic_fetch_add_explicit(&g_moves_refused, refused, memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&g_apply_tsc, spdk_get_ticks() - t0, memory_order_relaxed);
}

static void
round_done(void *arg1, void *arg2)
{
	/* The walks' events order every phase's add before this; the next
	 * round starts from 0. */
	atomic_store_explicit(&g_last_gather_tsc, atomic_exchange_explicit(&g_gather_tsc, 0,
			      memory_order_relaxed), memory_order_relaxed);
	atomic_store_explicit(&g_last_balance_tsc, atomic_exchange_explicit(&g_balance_tsc, 0,
			      memory_order_relaxed), memory_order_relaxed);
	atomic_store_explicit(&g_last_apply_tsc, atomic_exchange_explicit(&g_apply_tsc, 0,
			      memory_order_relaxed), memory_order_relaxed);
	/* Release: pairs with the acquire load in pw__scheduler_rounds_done(). */
	atomic_fetch_add_explicit(&g_rounds_done, 1, memory_order_release);
	atomic_store_explicit(&g_round_running, false, memory_order_relaxed);
	pw__reactors_round_end();
}

/* ---------------------------------------------------------------------------
 * When rounds start
 * ------------------------------------------------------------------------- */

int
pw__scheduler_round_start(struct spdk_reactor *reactor)
{
	uint64_t now = reactor->tsc_last, last;
	int rc;

	/* Relaxed: the scheduling reactor's own value (see g_last_round_tsc). */
	last = atomic_load_explicit(&g_last_round_tsc, memory_order_relaxed);
	atomic_store_explicit(&g_round_running, true, memory_order_relaxed);
	rc = pw__reactors_round_walk(gather, balance, NULL, true);
	if (rc != 0) {
		/* -EBUSY: the running round clears it at its end. */
		if (rc != -EBUSY) {
			atomic_store_explicit(&g_round_running, false, memory_order_relaxed);
		}
		return rc;
	}
	/* Read by balance(), on this reactor, after the walk's events. */
	g_round_period_tsc = last != 0 && now > last ? now - last : 0;
	atomic_store_explicit(&g_last_round_tsc, now, memory_order_relaxed);
	return 0;
}

void
pw__scheduler_round_check(struct spdk_reactor *reactor, uint64_t period_tsc)
{
	if (reactor->lcore != spdk_scheduler_get_scheduling_lcore() ||
	    atomic_load_explicit(&g_round_running, memory_order_relaxed) ||
	    reactor->tsc_last - atomic_load_explicit(&g_last_round_tsc, memory_order_relaxed) <
	    period_tsc) {
		return;
	}
	if (pw__scheduler_round_start(reactor) == -ENOMEM) {
		/* Logged by the walk; try again next period rather than at once. */
		atomic_store_explicit(&g_last_round_tsc, reactor->tsc_last, memory_order_relaxed);
	}
}

uint64_t
pw__scheduler_round_due(const struct spdk_reactor *reactor)
{
	uint64_t period_tsc = pw__scheduler_period_tsc();

	if (period_tsc == 0 || reactor->lcore != spdk_scheduler_get_scheduling_lcore() ||
	    atomic_load_explicit(&g_round_running, memory_order_relaxed)) {
		return UINT64_MAX;
	}
	return atomic_load_explicit(&g_last_round_tsc, memory_order_relaxed) + period_tsc;
}

void
pw__scheduler_round_kick(void)
{
	struct spdk_reactor *reactor = spdk_reactor_get(spdk_scheduler_get_scheduling_lcore());

	if (reactor != NULL && reactor->waker != NULL) {
		pw_waker_wake(reactor->waker);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The "dynamic" scheduler: SPDK's options (load_limit, core_limit, core_busy)
 * and its two passes (idle threads to the main core; active threads to a core
 * that can take them), with the defects SPDK's users reported mended:
 *
 * - A thread's load is its busy time over its *core's* period (busy + idle
 *   of the core), not over the time the thread itself was polled (SPDK
 *   #2080): a thread polled rarely, because it shares a core or because the
 *   core sleeps, no longer looks busier than it is.
 * - What a thread would take elsewhere (its demand) is not what it got on a
 *   saturated core: a thread that was busy in nearly every slice it had
 *   there may want a whole core, so it counts as one. Several such threads
 *   on one core therefore spread one by one, each to a core where it fits,
 *   or, when none fits, to a less loaded core when that lowers the peak
 *   (SPDK #2070: SPDK moved two of three saturated threads onto the same
 *   core in its first round).
 * - Hysteresis: a thread moves onto a core only if that core then stays
 *   `hysteresis` points below core_limit, while a core must exceed core_limit
 *   before threads leave it; a spreading move must lower the peak by the same
 *   margin. A steady load therefore settles and stays (SPDK moves threads back
 *   and forth when a pair of loads sums close to core_limit).
 * - Idle threads go to the main core only while it has room for them (SPDK
 *   moves them there whatever its load), and an active thread consolidates
 *   only onto a core that already runs threads (moving it onto an empty core
 *   saves nothing).
 *
 * balance() works only on the core_info array it is given (and on the
 * environment's core set, and the threads' cpumasks), so tests and
 * benchmarks drive it with arrays of their own. Every move is logged under
 * `-L scheduler` and noted, with the loads that decided it, in the round
 * history (scheduler_history.c, RPC pw_scheduler_get_history).
 *
 * Loads are per mille of a core: 1000 is one core busy for the whole period.
 */

#include "event/scheduler_dynamic_internal.h"

#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/json.h"
#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include <stdatomic.h>

SPDK_LOG_REGISTER_COMPONENT(scheduler)

#define PM			1000u	/* a whole core */
#define DEFAULT_LOAD_LIMIT	20
#define DEFAULT_CORE_LIMIT	80
#define DEFAULT_CORE_BUSY	95
#define DEFAULT_HYSTERESIS	10

/* A core as the round sees it, updated as threads are given to it. */
struct dyn_core {
	uint32_t	demand_pm;	/* what its threads (and its own overhead) would take */
	uint32_t	busy_pm;	/* measured in the last period */
	uint32_t	threads;
	bool		usable;		/* in the set, described by the array, not isolated */
	bool		saturated;	/* busy_pm >= core_busy */
};

/*
 * The options. set_opts() may run on another pthread than balance() (the
 * RPC's thread vs the scheduling reactor): each is a relaxed atomic, stored
 * by set_opts() and read by the relaxed loads at the start of balance() and
 * in get_opts(). Nothing else is published with them, so no ordering is
 * needed: a round uses either the old or the new value of each.
 */
static _Atomic uint8_t g_load_limit = DEFAULT_LOAD_LIMIT;
static _Atomic uint8_t g_core_limit = DEFAULT_CORE_LIMIT;
static _Atomic uint8_t g_core_busy = DEFAULT_CORE_BUSY;
static _Atomic uint8_t g_hysteresis = DEFAULT_HYSTERESIS;

/* Scheduling reactor only (init, balance, deinit). */
static struct dyn_core *g_cores;
static uint32_t g_cores_len;
static uint64_t g_round;

/* The options of one round, in per mille. */
struct round_limits {
	uint32_t	load;		/* below it a thread is idle */
	uint32_t	core;		/* above it a core is over its limit */
	uint32_t	busy;		/* at or above it a core is saturated */
	uint32_t	margin;		/* hysteresis */
};

/* part / whole in per mille, without overflow. */
static uint32_t
per_mille(uint64_t part, uint64_t whole)
{
	uint64_t v;

	if (whole == 0) {
		return 0;
	}
	v = (part / whole) * PM + (part % whole) * PM / whole;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The period a core measured; a thread's load is counted against it. */
static uint64_t
core_window(const struct spdk_scheduler_core_info *core)
{
	return core->current_busy_tsc + core->current_idle_tsc;
}

/* The thread's load: its busy time over its core's period. A core that
 * measured nothing (no stats) leaves only the thread's own polled time. */
static uint32_t
thread_load(const struct spdk_scheduler_core_info *core,
	    const struct spdk_scheduler_thread_info *t)
{
	uint64_t window = core_window(core);

	if (window == 0) {
		window = t->current_stats.busy_tsc + t->current_stats.idle_tsc;
	}
	return per_mille(t->current_stats.busy_tsc, spdk_max(window, t->current_stats.busy_tsc));
}

/* What the thread would take on a core of its own: its load, or a whole core
 * when its core was saturated and it was busy in nearly all of its slices
 * (what it got there says nothing of what it wants). */
static uint32_t
thread_demand(const struct dyn_core *src, const struct spdk_scheduler_core_info *core,
	      const struct spdk_scheduler_thread_info *t, const struct round_limits *lim)
{
	uint32_t load = thread_load(core, t);
	uint32_t own = per_mille(t->current_stats.busy_tsc,
				 t->current_stats.busy_tsc + t->current_stats.idle_tsc);

	if (src->saturated && own >= lim->busy) {
		return spdk_max(load, PM);
	}
	return load;
}

/* Whether the thread may run on \p lcore (NULL thread: it exited, leave it). */
static bool
thread_allows(const struct spdk_thread *thread, uint32_t lcore)
{
	return thread != NULL &&
	       spdk_cpuset_get_cpu(spdk_thread_get_cpumask((struct spdk_thread *)thread), lcore);
}

/* Whether \p demand fits on core \p d and leaves it the hysteresis margin
 * below core_limit. An empty, unloaded core takes anything. */
static bool
fits(uint32_t d, uint32_t demand, const struct round_limits *lim)
{
	const struct dyn_core *dst = &g_cores[d];

	if (dst->threads == 0 && dst->demand_pm == 0) {
		return true;
	}
	return (uint64_t)dst->demand_pm + demand + lim->margin <= lim->core;
}

static void
move_thread(struct spdk_scheduler_thread_info *t, uint32_t from, uint32_t to,
	    uint32_t load, uint32_t demand, enum pw_sched_reason reason)
{
	struct dyn_core *src = &g_cores[from], *dst = &g_cores[to];
	const struct spdk_thread *thread = spdk_thread_get_by_id(t->thread_id);

	SPDK_INFOLOG(scheduler, "round %" PRIu64 ": thread %s (id %" PRIu64 ") core %u -> %u, %s: "
		     "thread load %u.%u%% (demand %u.%u%%), core %u at %u.%u%%, core %u at %u.%u%%\n",
		     g_round, thread ? spdk_thread_get_name((struct spdk_thread *)thread) : "?",
		     t->thread_id, from, to, pw__sched_reason_name(reason),
		     load / 10, load % 10, demand / 10, demand % 10,
		     from, src->demand_pm / 10, src->demand_pm % 10,
		     to, dst->demand_pm / 10, dst->demand_pm % 10);
	pw__scheduler_history_note(t->thread_id, from, to, reason, load, src->demand_pm,
				   dst->demand_pm);
	src->demand_pm -= spdk_min(src->demand_pm, demand);
	src->threads--;
	dst->demand_pm += demand;
	dst->threads++;
	t->lcore = to;
}

/* Fill g_cores from the array; false when nothing can be decided. */
static bool
gather(const struct spdk_scheduler_core_info *cores, uint32_t count,
       const struct round_limits *lim)
{
	uint32_t i, j;

	memset(g_cores, 0, sizeof(*g_cores) * g_cores_len);
	SPDK_ENV_FOREACH_CORE(i) {
		const struct spdk_scheduler_core_info *core;
		struct dyn_core *c;
		uint32_t sum_load = 0, sum_demand = 0;

		if (i >= count || i >= g_cores_len) {
			break;
		}
		core = &cores[i];
		c = &g_cores[i];
		c->usable = !core->isolated;
		c->threads = core->threads_count;
		c->busy_pm = per_mille(core->current_busy_tsc, core_window(core));
		c->saturated = c->busy_pm >= lim->busy;
		for (j = 0; j < core->threads_count; j++) {
			sum_load += thread_load(core, &core->thread_infos[j]);
			sum_demand += thread_demand(c, core, &core->thread_infos[j], lim);
		}
		/* What the core spent outside its threads' slices (events, its own
		 * loop) stays with it; each thread's demand goes where it goes. */
		c->demand_pm = (c->busy_pm > sum_load ? c->busy_pm - sum_load : 0) + sum_demand;
	}
	return true;
}

/* Pass 1: an idle thread goes to the main core if the main core has room. */
static void
balance_idle(struct spdk_scheduler_core_info *cores, uint32_t count, uint32_t main_lcore,
	     const struct round_limits *lim)
{
	uint32_t i, j;

	if (main_lcore >= count || !g_cores[main_lcore].usable) {
		return;
	}
	SPDK_ENV_FOREACH_CORE(i) {
		if (i >= count || i >= g_cores_len) {
			break;
		}
		if (i == main_lcore || !g_cores[i].usable) {
			continue;
		}
		for (j = 0; j < cores[i].threads_count; j++) {
			struct spdk_scheduler_thread_info *t = &cores[i].thread_infos[j];
			uint32_t load = thread_load(&cores[i], t);
			uint32_t demand;

			if (t->lcore != i || load >= lim->load) {
				continue;
			}
			demand = thread_demand(&g_cores[i], &cores[i], t, lim);
			if (!fits(main_lcore, demand, lim) ||
			    !thread_allows(spdk_thread_get_by_id(t->thread_id), main_lcore)) {
				continue;
			}
			move_thread(t, i, main_lcore, load, demand, PW_SCHED_REASON_IDLE);
		}
	}
}

/* Where a thread of an over-limit core \p i goes: the main core, else the
 * lowest core where it fits; else the least loaded core if that lowers the
 * peak by the margin. UINT32_MAX: it stays. */
static uint32_t
find_relief(const struct spdk_thread *thread, uint32_t i, uint32_t demand, uint32_t count,
	    uint32_t main_lcore, const struct round_limits *lim, enum pw_sched_reason *reason)
{
	uint32_t d, least = UINT32_MAX;

	*reason = PW_SCHED_REASON_FIT;
	if (main_lcore != i && main_lcore < count && g_cores[main_lcore].usable &&
	    thread_allows(thread, main_lcore) && fits(main_lcore, demand, lim)) {
		return main_lcore;
	}
	SPDK_ENV_FOREACH_CORE(d) {
		if (d >= count || d >= g_cores_len) {
			break;
		}
		if (d == i || !g_cores[d].usable || !thread_allows(thread, d)) {
			continue;
		}
		if (fits(d, demand, lim)) {
			return d;
		}
		if (least == UINT32_MAX || g_cores[d].demand_pm < g_cores[least].demand_pm) {
			least = d;
		}
	}
	*reason = PW_SCHED_REASON_SPREAD;
	if (least != UINT32_MAX &&
	    (uint64_t)g_cores[least].demand_pm + demand + lim->margin <= g_cores[i].demand_pm) {
		return least;
	}
	return UINT32_MAX;
}

/* Where a thread of a core within its limit consolidates: the main core, else
 * a lower core that already runs threads, where it fits with the margin. */
static uint32_t
find_consolidation(const struct spdk_thread *thread, uint32_t i, uint32_t demand,
		   uint32_t count, uint32_t main_lcore, const struct round_limits *lim)
{
	uint32_t d;

	if (i == main_lcore) {
		return UINT32_MAX;
	}
	if (main_lcore < count && g_cores[main_lcore].usable && thread_allows(thread, main_lcore) &&
	    fits(main_lcore, demand, lim)) {
		return main_lcore;
	}
	SPDK_ENV_FOREACH_CORE(d) {
		if (d >= i || d >= count || d >= g_cores_len) {
			break;
		}
		if (d == main_lcore || !g_cores[d].usable || g_cores[d].threads == 0 ||
		    !thread_allows(thread, d)) {
			continue;
		}
		if (fits(d, demand, lim)) {
			return d;
		}
	}
	return UINT32_MAX;
}

/* Pass 2: the threads pass 1 left where they are. */
static void
balance_active(struct spdk_scheduler_core_info *cores, uint32_t count, uint32_t main_lcore,
	       const struct round_limits *lim)
{
	uint32_t i, j;

	SPDK_ENV_FOREACH_CORE(i) {
		if (i >= count || i >= g_cores_len) {
			break;
		}
		if (!g_cores[i].usable) {
			continue;
		}
		for (j = 0; j < cores[i].threads_count; j++) {
			struct spdk_scheduler_thread_info *t = &cores[i].thread_infos[j];
			const struct spdk_thread *thread;
			enum pw_sched_reason reason = PW_SCHED_REASON_CONSOLIDATE;
			uint32_t load, demand, to;

			if (t->lcore != i) {
				continue;	/* moved by pass 1 */
			}
			load = thread_load(&cores[i], t);
			if (load < lim->load && i == main_lcore) {
				continue;	/* idle, at home */
			}
			demand = thread_demand(&g_cores[i], &cores[i], t, lim);
			thread = spdk_thread_get_by_id(t->thread_id);
			if (thread == NULL) {
				continue;
			}
			if (g_cores[i].threads > 1 && g_cores[i].demand_pm > lim->core) {
				to = find_relief(thread, i, demand, count, main_lcore, lim, &reason);
			} else {
				to = find_consolidation(thread, i, demand, count, main_lcore, lim);
			}
			if (to != UINT32_MAX) {
				move_thread(t, i, to, load, demand, reason);
			}
		}
	}
}

/* Core modes and frequencies, as SPDK sets them: a core left without threads
 * may sleep at its lowest frequency; a core with threads polls. */
static void
set_core_modes(struct spdk_scheduler_core_info *cores, uint32_t count, uint32_t main_lcore)
{
	struct spdk_governor *governor = spdk_governor_get();
	bool busy_elsewhere = false;
	uint32_t i;
	int rc;

	SPDK_ENV_FOREACH_CORE(i) {
		if (i >= count || i >= g_cores_len) {
			break;
		}
		if (!g_cores[i].usable) {
			continue;
		}
		cores[i].interrupt_mode = g_cores[i].threads == 0;
		if (governor == NULL || i == main_lcore) {
			busy_elsewhere |= g_cores[i].threads != 0 && i != main_lcore;
			continue;
		}
		if (g_cores[i].threads == 0) {
			rc = governor->set_core_freq_min ? governor->set_core_freq_min(i) : 0;
		} else {
			busy_elsewhere = true;
			rc = governor->set_core_freq_max ? governor->set_core_freq_max(i) : 0;
		}
		if (rc < 0) {
			SPDK_ERRLOG("governor %s could not set the frequency of core %u: %s\n",
				    governor->name, i, spdk_strerror(-rc));
		}
	}
	if (governor == NULL || main_lcore >= count || !g_cores[main_lcore].usable) {
		return;
	}
	if (busy_elsewhere) {
		rc = governor->set_core_freq_max ? governor->set_core_freq_max(main_lcore) : 0;
	} else if (g_cores[main_lcore].busy_pm > PM / 2) {
		rc = governor->core_freq_up ? governor->core_freq_up(main_lcore) : 0;
	} else {
		rc = governor->core_freq_down ? governor->core_freq_down(main_lcore) : 0;
	}
	if (rc < 0) {
		SPDK_ERRLOG("governor %s could not change the frequency of main core %u: %s\n",
			    governor->name, main_lcore, spdk_strerror(-rc));
	}
}

static int
dynamic_init(void)
{
	uint32_t last = spdk_env_get_last_core();

	if (last == UINT32_MAX) {
		SPDK_ERRLOG("the dynamic scheduler needs the environment (spdk_env_init) first\n");
		return -EINVAL;
	}
	free(g_cores);
	g_cores = calloc(last + 1, sizeof(*g_cores));
	if (g_cores == NULL) {
		g_cores_len = 0;
		SPDK_ERRLOG("no memory for the dynamic scheduler's %u cores\n", last + 1);
		return -ENOMEM;
	}
	g_cores_len = last + 1;
	g_round = 0;
	return 0;
}

static void
dynamic_deinit(void)
{
	free(g_cores);
	g_cores = NULL;
	g_cores_len = 0;
}

static void
dynamic_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	struct round_limits lim;
	uint32_t main_lcore = spdk_scheduler_get_scheduling_lcore();

	g_round++;
	pw__scheduler_history_begin();
	if (g_cores == NULL || cores == NULL || count == 0) {
		return;
	}
	/* Relaxed loads: pair with the relaxed stores of set_opts(). */
	lim.load = atomic_load_explicit(&g_load_limit, memory_order_relaxed) * 10u;
	lim.core = atomic_load_explicit(&g_core_limit, memory_order_relaxed) * 10u;
	lim.busy = atomic_load_explicit(&g_core_busy, memory_order_relaxed) * 10u;
	lim.margin = atomic_load_explicit(&g_hysteresis, memory_order_relaxed) * 10u;

	if (!gather(cores, count, &lim)) {
		return;
	}
	balance_idle(cores, count, main_lcore, &lim);
	balance_active(cores, count, main_lcore, &lim);
	set_core_modes(cores, count, main_lcore);
}

struct dyn_opts {
	uint8_t load_limit;
	uint8_t core_limit;
	uint8_t core_busy;
	uint8_t hysteresis;
};

static const struct spdk_json_object_decoder g_opts_decoders[] = {
	{"load_limit", offsetof(struct dyn_opts, load_limit), spdk_json_decode_uint8, true},
	{"core_limit", offsetof(struct dyn_opts, core_limit), spdk_json_decode_uint8, true},
	{"core_busy", offsetof(struct dyn_opts, core_busy), spdk_json_decode_uint8, true},
	{"hysteresis", offsetof(struct dyn_opts, hysteresis), spdk_json_decode_uint8, true},
};

/* Options as SPDK's: the object of framework_set_scheduler's params (other
 * keys, such as "name" and "period", are ignored). Percentages 0..100;
 * hysteresis below core_limit. */
static int
dynamic_set_opts(const struct spdk_json_val *opts)
{
	struct dyn_opts o = {
		/* Relaxed loads: pair with the relaxed stores below (earlier calls). */
		.load_limit = atomic_load_explicit(&g_load_limit, memory_order_relaxed),
		.core_limit = atomic_load_explicit(&g_core_limit, memory_order_relaxed),
		.core_busy = atomic_load_explicit(&g_core_busy, memory_order_relaxed),
		.hysteresis = atomic_load_explicit(&g_hysteresis, memory_order_relaxed),
	};

	if (opts != NULL &&
	    spdk_json_decode_object_relaxed(opts, g_opts_decoders, SPDK_COUNTOF(g_opts_decoders),
					    &o) != 0) {
		SPDK_ERRLOG("dynamic scheduler: load_limit, core_limit, core_busy and hysteresis "
			    "must be integers 0..255\n");
		return -EINVAL;
	}
	if (o.load_limit > 100 || o.core_limit > 100 || o.core_busy > 100) {
		SPDK_ERRLOG("dynamic scheduler: load_limit (%u), core_limit (%u) and core_busy (%u) "
			    "are percentages, 0..100\n", o.load_limit, o.core_limit, o.core_busy);
		return -EINVAL;
	}
	if (o.hysteresis >= o.core_limit && o.core_limit > 0) {
		SPDK_ERRLOG("dynamic scheduler: hysteresis (%u) must be below core_limit (%u)\n",
			    o.hysteresis, o.core_limit);
		return -EINVAL;
	}
	SPDK_NOTICELOG("dynamic scheduler: load_limit %u%%, core_limit %u%%, core_busy %u%%, "
		       "hysteresis %u points\n", o.load_limit, o.core_limit, o.core_busy,
		       o.hysteresis);
	/* Relaxed stores: pair with the relaxed loads of balance() and get_opts(). */
	atomic_store_explicit(&g_load_limit, o.load_limit, memory_order_relaxed);
	atomic_store_explicit(&g_core_limit, o.core_limit, memory_order_relaxed);
	atomic_store_explicit(&g_core_busy, o.core_busy, memory_order_relaxed);
	atomic_store_explicit(&g_hysteresis, o.hysteresis, memory_order_relaxed);
	return 0;
}

static void
dynamic_get_opts(struct spdk_json_write_ctx *w)
{
	/* Relaxed loads: pair with the relaxed stores of set_opts(). */
	spdk_json_write_named_uint8(w, "load_limit",
				    atomic_load_explicit(&g_load_limit, memory_order_relaxed));
	spdk_json_write_named_uint8(w, "core_limit",
				    atomic_load_explicit(&g_core_limit, memory_order_relaxed));
	spdk_json_write_named_uint8(w, "core_busy",
				    atomic_load_explicit(&g_core_busy, memory_order_relaxed));
	spdk_json_write_named_uint8(w, "hysteresis",
				    atomic_load_explicit(&g_hysteresis, memory_order_relaxed));
}

static struct spdk_scheduler g_scheduler_dynamic = {
	.name = "dynamic",
	.init = dynamic_init,
	.deinit = dynamic_deinit,
	.balance = dynamic_balance,
	.set_opts = dynamic_set_opts,
	.get_opts = dynamic_get_opts,
};

SPDK_SCHEDULER_REGISTER(g_scheduler_dynamic);

struct spdk_scheduler *
pw__scheduler_dynamic(void)
{
	pw__scheduler_history_rpc_link();
	return &g_scheduler_dynamic;
}

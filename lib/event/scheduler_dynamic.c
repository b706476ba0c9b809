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
 *   saturated core: the threads that got the most there (within 10% of the
 *   busiest) may want more, so each counts as a whole core. Several such threads
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
 *   moves them there whatever its load). A core within its limit is emptied
 *   onto the main core and lower cores that already run threads only if all
 *   its threads fit there (SPDK moves threads to lower cores one by one: on
 *   many cores they shuffle down and no core ever empties).
 *
 * balance() works only on the core_info array it is given (and on the
 * environment's core set, and the threads' cpumasks), so tests and
 * benchmarks drive it with arrays of their own. Every move is logged under
 * `-L scheduler` and noted, with the loads that decided it, in the round
 * history (scheduler_history.c, RPC pw_scheduler_get_history).
 *
 * Loads are per mille of a core: 1000 is one core busy for the whole period.
 */

#include "event/event_internal.h"
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
	uint32_t	max_load_pm;	/* its busiest thread's load */
	uint32_t	threads;
	bool		usable;		/* not isolated */
	bool		saturated;	/* busy_pm >= core_busy */
};

/* The options of one round, in per mille. */
struct round_limits {
	uint32_t	load;		/* below it a thread is idle */
	uint32_t	core;		/* above it a core is over its limit */
	uint32_t	busy;		/* at or above it a core is saturated */
	uint32_t	margin;		/* hysteresis */
	uint32_t	main_lcore;
	uint32_t	count;		/* entries of the core_info array */
};

/* A thread the round considers. Its cpumask is looked up only once a core is
 * worth checking: in a round, the copy the round gathered on the thread's own
 * reactor; on another array (tests), the spdk_thread's, by id (a walk of
 * every thread). */
struct cand {
	struct spdk_scheduler_thread_info	*t;
	const struct spdk_cpuset		*mask;
	bool					looked_up;
	uint32_t				from;
	uint32_t				load;
	uint32_t				demand;
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
static uint32_t *g_list;	/* the round's cores: in the set and in the array, ascending */
static uint32_t g_nlist;
static uint32_t g_cores_len;
static uint64_t g_round;
/* The array balance() works on, when it is the scheduling round's own: its
 * threads' cpumasks are then the round's copies. NULL otherwise. */
static struct spdk_scheduler_core_info *g_round_cores;

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
 * when its core was saturated and it was among the busiest threads there
 * (within 10% of the busiest). On a saturated core the threads that wanted
 * more than their share all got about the same, the most any thread got:
 * what they got says nothing of what they want. The others got all they
 * asked for. */
static uint32_t
thread_demand(const struct dyn_core *src, uint32_t load)
{
	if (src->saturated && (uint64_t)load * 10 >= (uint64_t)src->max_load_pm * 9) {
		return spdk_max(load, PM);
	}
	return load;
}

static bool
thread_allows(struct cand *c, uint32_t lcore)
{
	if (!c->looked_up) {
		c->looked_up = true;
		if (g_round_cores != NULL) {
			/* Not the spdk_thread's own: its reactor may change it (or
			 * destroy the thread) while balance() runs here. */
			uint32_t idx = (uint32_t)(c->t - g_round_cores[c->from].thread_infos);

			c->mask = pw__scheduler_thread_cpumask(c->from, idx);
		} else {
			struct spdk_thread *thread = spdk_thread_get_by_id(c->t->thread_id);

			c->mask = thread != NULL ? pw_thread_get_cpumask(thread) : NULL;
		}
	}
	return c->mask != NULL && spdk_cpuset_get_cpu(c->mask, lcore);
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

/* Log the move and note it in the round's history, with the loads before it. */
static void
explain_move(const struct cand *c, uint32_t to, enum pw_sched_reason reason, uint32_t src_pm,
	     uint32_t dst_pm)
{
	/* By id only: the thread belongs to another reactor, which may destroy
	 * it while balance() runs. */
	SPDK_INFOLOG(scheduler, "round %" PRIu64 ": thread id %" PRIu64 " core %u -> %u, %s: "
		     "thread load %u.%u%% (demand %u.%u%%), core %u at %u.%u%%, core %u at %u.%u%%\n",
		     g_round, c->t->thread_id, c->from, to, pw__sched_reason_name(reason),
		     c->load / 10, c->load % 10, c->demand / 10, c->demand % 10,
		     c->from, src_pm / 10, src_pm % 10, to, dst_pm / 10, dst_pm % 10);
	pw__scheduler_history_note(c->t->thread_id, c->from, to, reason, c->load, src_pm, dst_pm);
}

/* Give the thread to core \p to in the round's accounts. */
static void
account_move(const struct cand *c, uint32_t to)
{
	struct dyn_core *src = &g_cores[c->from], *dst = &g_cores[to];

	src->demand_pm -= spdk_min(src->demand_pm, c->demand);
	src->threads--;
	dst->demand_pm += c->demand;
	dst->threads++;
	c->t->lcore = to;
}

static void
move_thread(const struct cand *c, uint32_t to, enum pw_sched_reason reason)
{
	explain_move(c, to, reason, g_cores[c->from].demand_pm, g_cores[to].demand_pm);
	account_move(c, to);
}

/* Fill g_cores and g_list from the array. */
static void
gather(const struct spdk_scheduler_core_info *cores, const struct round_limits *lim)
{
	uint32_t i, j;

	g_nlist = 0;
	SPDK_ENV_FOREACH_CORE(i) {
		const struct spdk_scheduler_core_info *core;
		struct dyn_core *c;
		uint32_t sum_load = 0, sum_demand = 0;

		if (i >= lim->count || i >= g_cores_len) {
			break;
		}
		g_list[g_nlist++] = i;
		core = &cores[i];
		c = &g_cores[i];
		memset(c, 0, sizeof(*c));
		c->usable = !core->isolated;
		c->threads = core->threads_count;
		c->busy_pm = per_mille(core->current_busy_tsc, core_window(core));
		c->saturated = c->busy_pm >= lim->busy;
		for (j = 0; j < core->threads_count; j++) {
			c->max_load_pm = spdk_max(c->max_load_pm,
						  thread_load(core, &core->thread_infos[j]));
		}
		for (j = 0; j < core->threads_count; j++) {
			uint32_t load = thread_load(core, &core->thread_infos[j]);

			sum_load += load;
			sum_demand += thread_demand(c, load);
		}
		/* What the core spent outside its threads' slices (events, its own
		 * loop) stays with it; each thread's demand goes where it goes. */
		c->demand_pm = (c->busy_pm > sum_load ? c->busy_pm - sum_load : 0) + sum_demand;
	}
}

/* Whether the main core is one the round may use. */
static bool
main_usable(const struct round_limits *lim)
{
	return lim->main_lcore < lim->count && lim->main_lcore < g_cores_len &&
	       g_cores[lim->main_lcore].usable;
}

/* Where a thread of an over-limit core goes: the main core, else the lowest
 * core where it fits; else the least loaded core if that lowers the peak by
 * the margin. UINT32_MAX: it stays. */
static uint32_t
find_relief(struct cand *c, const struct round_limits *lim, enum pw_sched_reason *reason)
{
	uint32_t k, d, least = UINT32_MAX, least_any = UINT32_MAX;

	*reason = PW_SCHED_REASON_FIT;
	if (lim->main_lcore != c->from && main_usable(lim) && fits(lim->main_lcore, c->demand, lim) &&
	    thread_allows(c, lim->main_lcore)) {
		return lim->main_lcore;
	}
	for (k = 0; k < g_nlist; k++) {
		d = g_list[k];
		if (d == c->from || !g_cores[d].usable) {
			continue;
		}
		if (fits(d, c->demand, lim) && thread_allows(c, d)) {
			return d;
		}
		if (least_any == UINT32_MAX || g_cores[d].demand_pm < g_cores[least_any].demand_pm) {
			least_any = d;
		}
	}
	/* Spreading must lower the peak by the margin: the thread must be worth
	 * the margin, and the core that takes it must stay below its source.
	 * If the least loaded core of all is not low enough, none the thread
	 * may use is (and its cpumask need not be looked at). */
	*reason = PW_SCHED_REASON_SPREAD;
	if (least_any == UINT32_MAX || c->demand < lim->margin ||
	    (uint64_t)g_cores[least_any].demand_pm + c->demand + lim->margin >
	    g_cores[c->from].demand_pm) {
		return UINT32_MAX;
	}
	for (k = 0; k < g_nlist; k++) {
		d = g_list[k];
		if (d == c->from || !g_cores[d].usable) {
			continue;
		}
		if ((least == UINT32_MAX || g_cores[d].demand_pm < g_cores[least].demand_pm) &&
		    thread_allows(c, d)) {
			least = d;
		}
	}
	if (least != UINT32_MAX &&
	    (uint64_t)g_cores[least].demand_pm + c->demand + lim->margin <=
	    g_cores[c->from].demand_pm) {
		return least;
	}
	return UINT32_MAX;
}

/* Where a thread of a core within its limit consolidates: the main core, else
 * a lower core that already runs threads, where it fits with the margin. */
static uint32_t
find_consolidation(struct cand *c, const struct round_limits *lim)
{
	uint32_t k, d;

	if (c->from == lim->main_lcore) {
		return UINT32_MAX;
	}
	if (main_usable(lim) && fits(lim->main_lcore, c->demand, lim) &&
	    thread_allows(c, lim->main_lcore)) {
		return lim->main_lcore;
	}
	for (k = 0; k < g_nlist && g_list[k] < c->from; k++) {
		d = g_list[k];
		if (d == lim->main_lcore || !g_cores[d].usable || g_cores[d].threads == 0) {
			continue;
		}
		if (fits(d, c->demand, lim) && thread_allows(c, d)) {
			return d;
		}
	}
	return UINT32_MAX;
}

/* Pass 1: an idle thread goes to the main core if the main core has room. */
static void
balance_idle(struct spdk_scheduler_core_info *cores, const struct round_limits *lim)
{
	uint32_t k, i, j;

	if (!main_usable(lim)) {
		return;
	}
	for (k = 0; k < g_nlist; k++) {
		i = g_list[k];
		if (i == lim->main_lcore || !g_cores[i].usable) {
			continue;
		}
		for (j = 0; j < cores[i].threads_count; j++) {
			struct cand c = { .t = &cores[i].thread_infos[j], .from = i };

			if (c.t->lcore != i) {
				continue;
			}
			c.load = thread_load(&cores[i], c.t);
			if (c.load >= lim->load) {
				continue;
			}
			c.demand = thread_demand(&g_cores[i], c.load);
			if (fits(lim->main_lcore, c.demand, lim) && thread_allows(&c, lim->main_lcore)) {
				move_thread(&c, lim->main_lcore, PW_SCHED_REASON_IDLE);
			}
		}
	}
}

/* A move of an evacuation, kept until the whole core is known to empty. */
struct plan {
	struct cand	c;
	uint32_t	to;
	uint32_t	src_pm;		/* loads before the move */
	uint32_t	dst_pm;
};

static struct plan *g_plan;
static uint32_t g_plan_cap;

/* Empty core \p i (within its limit, not the main core) onto the main core
 * and lower cores that already run threads, if every one of its threads
 * fits there with the margin; else leave it as it is. Moving only some of
 * them would save nothing: the core would still run. */
static void
evacuate(struct spdk_scheduler_core_info *cores, uint32_t i, const struct round_limits *lim)
{
	uint32_t j, n = 0, left = g_cores[i].threads;

	if (left == 0) {
		return;
	}
	if (g_plan_cap < left) {
		struct plan *p = realloc(g_plan, left * sizeof(*p));

		if (p == NULL) {
			return;		/* no move is a correct round */
		}
		g_plan = p;
		g_plan_cap = left;
	}
	for (j = 0; j < cores[i].threads_count; j++) {
		struct plan *p;

		if (cores[i].thread_infos[j].lcore != i) {
			/* Moved by pass 1. (Checked before taking a plan entry:
			 * the plan has room for the threads left only.) */
			continue;
		}
		assert(n < g_plan_cap);
		p = &g_plan[n];
		p->c = (struct cand) { .t = &cores[i].thread_infos[j], .from = i };
		p->c.load = thread_load(&cores[i], p->c.t);
		p->c.demand = thread_demand(&g_cores[i], p->c.load);
		p->to = find_consolidation(&p->c, lim);
		if (p->to == UINT32_MAX) {
			break;
		}
		p->src_pm = g_cores[i].demand_pm;
		p->dst_pm = g_cores[p->to].demand_pm;
		account_move(&p->c, p->to);
		n++;
	}
	if (n == left) {
		for (j = 0; j < n; j++) {
			explain_move(&g_plan[j].c, g_plan[j].to, PW_SCHED_REASON_CONSOLIDATE,
				     g_plan[j].src_pm, g_plan[j].dst_pm);
		}
		return;
	}
	while (n-- > 0) {	/* undo, last move first */
		struct plan *p = &g_plan[n];

		g_cores[i].demand_pm = p->src_pm;
		g_cores[i].threads++;
		g_cores[p->to].demand_pm = p->dst_pm;
		g_cores[p->to].threads--;
		p->c.t->lcore = i;
	}
}

/* Pass 2: relieve the cores over core_limit, thread by thread; empty the
 * others onto the main and lower cores where they fit. */
static void
balance_active(struct spdk_scheduler_core_info *cores, const struct round_limits *lim)
{
	uint32_t k, i, j;

	for (k = 0; k < g_nlist; k++) {
		i = g_list[k];
		if (!g_cores[i].usable) {
			continue;
		}
		if (g_cores[i].threads <= 1 || g_cores[i].demand_pm <= lim->core) {
			if (i != lim->main_lcore) {
				evacuate(cores, i, lim);
			}
			continue;
		}
		for (j = 0; j < cores[i].threads_count; j++) {
			struct cand c = { .t = &cores[i].thread_infos[j], .from = i };
			enum pw_sched_reason reason;
			uint32_t to;

			if (c.t->lcore != i) {
				continue;	/* moved by pass 1 */
			}
			if (g_cores[i].threads <= 1 || g_cores[i].demand_pm <= lim->core) {
				break;		/* relieved */
			}
			c.load = thread_load(&cores[i], c.t);
			if (c.load < lim->load && i == lim->main_lcore) {
				continue;	/* idle threads stay on the main core */
			}
			c.demand = thread_demand(&g_cores[i], c.load);
			to = find_relief(&c, lim, &reason);
			if (to != UINT32_MAX) {
				move_thread(&c, to, reason);
			}
		}
	}
}

/* Core modes and frequencies, as SPDK sets them: a core left without threads
 * may sleep at its lowest frequency; a core with threads polls. */
static void
set_core_modes(struct spdk_scheduler_core_info *cores, const struct round_limits *lim)
{
	struct spdk_governor *governor = spdk_governor_get();
	uint32_t k, i, main_lcore = lim->main_lcore;
	bool busy_elsewhere = false;
	int rc = 0;

	for (k = 0; k < g_nlist; k++) {
		i = g_list[k];
		if (!g_cores[i].usable) {
			continue;
		}
		cores[i].interrupt_mode = g_cores[i].threads == 0;
		if (i == main_lcore) {
			continue;
		}
		busy_elsewhere |= g_cores[i].threads != 0;
		if (governor == NULL) {
			continue;
		}
		if (g_cores[i].threads == 0) {
			rc = governor->set_core_freq_min ? governor->set_core_freq_min(i) : 0;
		} else {
			rc = governor->set_core_freq_max ? governor->set_core_freq_max(i) : 0;
		}
		if (rc < 0) {
			SPDK_ERRLOG("governor %s could not set the frequency of core %u: %s\n",
				    governor->name, i, spdk_strerror(-rc));
		}
	}
	if (governor == NULL || !main_usable(lim)) {
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

static void
dynamic_deinit(void)
{
	free(g_cores);
	free(g_list);
	free(g_plan);
	g_cores = NULL;
	g_list = NULL;
	g_plan = NULL;
	g_plan_cap = 0;
	g_cores_len = 0;
	g_nlist = 0;
}

static int
dynamic_init(void)
{
	uint32_t last = spdk_env_get_last_core();

	if (last == UINT32_MAX) {
		SPDK_ERRLOG("the dynamic scheduler needs the environment (spdk_env_init) first\n");
		return -EINVAL;
	}
	dynamic_deinit();
	g_cores = calloc(last + 1, sizeof(*g_cores));
	g_list = calloc(last + 1, sizeof(*g_list));
	if (g_cores == NULL || g_list == NULL) {
		dynamic_deinit();
		SPDK_ERRLOG("no memory for the dynamic scheduler's %u cores\n", last + 1);
		return -ENOMEM;
	}
	g_cores_len = last + 1;
	g_round = 0;
	return 0;
}

static void
dynamic_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	struct round_limits lim;

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
	lim.main_lcore = spdk_scheduler_get_scheduling_lcore();
	lim.count = count;

	g_round_cores = pw__scheduler_round_cores() == cores ? cores : NULL;
	gather(cores, &lim);
	balance_idle(cores, &lim);
	balance_active(cores, &lim);
	set_core_modes(cores, &lim);
	g_round_cores = NULL;
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

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The dynamic scheduler's balance() on core_info arrays, round after round,
 * without reactors: a small world model turns each thread's demand (the
 * share of a core it would use alone) and its placement into the stats a
 * round gathers, balance() picks each thread's lcore, the world applies it
 * and builds the next round's input.
 *
 * The world polls as SPDK's reactors do: a core's idle time is spent polling
 * each of its threads in turn, so it is split evenly among their idle_tsc. A
 * saturated core gives each thread what it wants up to an equal level (the
 * threads that want more get that level and no idle time; the others a few
 * idle polls). The threads are real spdk_threads (their cpumasks are what
 * balance() obeys) created without reactors; the environment names cores
 * that need not exist.
 *
 * Each defect SPDK's users reported is shown twice: with spdk_model(), the
 * rule of SPDK's dynamic scheduler as we understand it (written here, in our
 * words, from its documented behaviour: a thread's load over its own polled
 * time; idle threads to the main core whatever its load; an active thread
 * leaves a core at core_limit for the main core, a lower core or any core it
 * fits on, else the least busy core; the source of a move from a core at
 * core_busy is taken to stay at core_limit), where the test's condition
 * fails, and with the dynamic scheduler, where it holds.
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/json.h"
#include "spdk/log.h"
#include "spdk/scheduler.h"
#include "spdk/thread.h"

#include "env/env_internal.h"
#include "event/scheduler_dynamic_internal.h"

#define MAX_CORES	8
#define MAX_THREADS	16
#define PERIOD		1000000ull	/* ticks per round */

/* ---------------------------------------------------------------------------
 * The world
 * ------------------------------------------------------------------------- */

struct sim_thread {
	struct spdk_thread	*thread;
	uint32_t		core;
	uint32_t		demand;		/* per mille of a core */
	uint32_t		jitter;		/* +- per mille, drawn each round */
};

struct world {
	uint32_t		ncores;
	uint32_t		nthreads;
	struct sim_thread	t[MAX_THREADS];
	struct spdk_scheduler_core_info	cores[MAX_CORES];
	struct spdk_scheduler_thread_info infos[MAX_CORES][MAX_THREADS];
	uint32_t		owner[MAX_CORES][MAX_THREADS];	/* world index of each info */
	uint64_t		rng;
	uint32_t		moves;		/* applied since the start */
};

static int set_opts_text(const char *text);

typedef void (*balance_fn)(struct spdk_scheduler_core_info *cores, uint32_t count);

static void
world_up(struct world *w, uint32_t ncores)
{
	struct spdk_env_opts opts;
	char mask[16];

	memset(w, 0, sizeof(*w));
	w->ncores = ncores;
	w->rng = 0x9e3779b97f4a7c15ull;
	snprintf(mask, sizeof(mask), "0x%x", (1u << ncores) - 1);
	pw__env_skip_affinity_check(true);
	spdk_env_opts_init(&opts);
	opts.name = "test_scheduler_dynamic";
	opts.core_mask = mask;
	ASSERT_EQ(spdk_env_init(&opts), 0);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	ASSERT_EQ(pw__scheduler_dynamic()->init(), 0);
	pw__scheduler_history_clear();
}

static void
world_down(struct world *w)
{
	uint32_t i;

	pw__scheduler_dynamic()->deinit();
	for (i = 0; i < w->nthreads; i++) {
		struct spdk_thread *thread = w->t[i].thread;

		spdk_set_thread(thread);
		spdk_thread_exit(thread);
		while (!spdk_thread_is_exited(thread)) {
			spdk_thread_poll(thread, 0, 0);
		}
		spdk_thread_destroy(thread);
	}
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	pw__env_set_current_core(spdk_env_get_main_core());
	spdk_env_fini();
	pw__env_skip_affinity_check(false);
	pw__scheduler_history_clear();
}

/* A thread on \p core wanting \p demand per mille; \p allowed a core mask
 * (0: every core). Returns its index. */
static uint32_t
world_thread(struct world *w, uint32_t core, uint32_t demand, uint32_t allowed)
{
	struct spdk_cpuset mask;
	char name[32];
	uint32_t i = w->nthreads++, c;

	ASSERT_LT(i, MAX_THREADS);
	spdk_cpuset_zero(&mask);
	for (c = 0; c < w->ncores; c++) {
		if (allowed == 0 || (allowed & (1u << c))) {
			spdk_cpuset_set_cpu(&mask, c, true);
		}
	}
	snprintf(name, sizeof(name), "sim%u", i);
	w->t[i].thread = spdk_thread_create(name, &mask);
	ASSERT_NOT_NULL(w->t[i].thread);
	w->t[i].core = core;
	w->t[i].demand = demand;
	return i;
}

static uint32_t
draw(struct world *w, uint32_t jitter)
{
	if (jitter == 0) {
		return 0;
	}
	w->rng = w->rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)((w->rng >> 33) % (2 * jitter + 1));
}

/* Max-min share of a saturated core: the level L such that the threads
 * wanting less get what they want and the others L each (sum = 1000). */
static uint32_t
fair_level(const uint32_t *demand, const uint32_t *idx, uint32_t n)
{
	uint32_t left = 1000, open = n, level = 0, i;
	bool done[MAX_THREADS] = { false };
	bool changed = true;

	while (changed && open > 0) {
		changed = false;
		level = left / open;
		for (i = 0; i < n; i++) {
			if (!done[i] && demand[idx[i]] <= level) {
				done[i] = true;
				left -= demand[idx[i]];
				open--;
				changed = true;
			}
		}
	}
	return open > 0 ? left / open : level;
}

/* Build the arrays of one round from the placement. */
static void
world_gather(struct world *w)
{
	uint32_t demand[MAX_THREADS];
	uint32_t c, i;

	for (i = 0; i < w->nthreads; i++) {
		demand[i] = w->t[i].demand + draw(w, w->t[i].jitter) - w->t[i].jitter;
	}
	for (c = 0; c < w->ncores; c++) {
		struct spdk_scheduler_core_info *core = &w->cores[c];
		uint64_t sum = 0, busy;
		uint32_t n = 0, level = 1000;

		memset(core, 0, sizeof(*core));
		core->lcore = c;
		core->thread_infos = w->infos[c];
		for (i = 0; i < w->nthreads; i++) {
			if (w->t[i].core == c) {
				sum += demand[i];
				w->owner[c][n++] = i;
			}
		}
		if (sum >= 1000) {
			level = fair_level(demand, w->owner[c], n);
		}
		busy = sum >= 1000 ? PERIOD : sum * PERIOD / 1000;
		core->current_busy_tsc = busy;
		core->current_idle_tsc = PERIOD - busy;
		core->threads_count = n;
		for (i = 0; i < n; i++) {
			struct spdk_scheduler_thread_info *t = &w->infos[c][i];
			uint32_t k = w->owner[c][i];

			memset(t, 0, sizeof(*t));
			t->lcore = c;
			t->thread_id = spdk_thread_get_id(w->t[k].thread);
			if (sum < 1000) {
				/* polled: the idle time is spread over the threads */
				t->current_stats.busy_tsc = demand[k] * PERIOD / 1000;
				t->current_stats.idle_tsc = (PERIOD - busy) / n;
			} else if (demand[k] < level) {
				/* saturated, but it got all it wanted: a few idle polls */
				t->current_stats.busy_tsc = demand[k] * PERIOD / 1000;
				t->current_stats.idle_tsc = PERIOD / 1000;
			} else {
				t->current_stats.busy_tsc = level * PERIOD / 1000;
			}
			t->total_stats = t->current_stats;
		}
	}
}

/* Apply balance()'s choice; every move must be one the thread's mask allows. */
static uint32_t
world_apply(struct world *w)
{
	uint32_t c, i, moves = 0;

	for (c = 0; c < w->ncores; c++) {
		for (i = 0; i < w->cores[c].threads_count; i++) {
			struct spdk_scheduler_thread_info *t = &w->infos[c][i];
			struct sim_thread *s = &w->t[w->owner[c][i]];

			if (t->lcore == c) {
				continue;
			}
			ASSERT_LT(t->lcore, w->ncores);
			ASSERT_TRUE(spdk_cpuset_get_cpu(spdk_thread_get_cpumask(s->thread), t->lcore));
			s->core = t->lcore;
			moves++;
		}
	}
	w->moves += moves;
	return moves;
}

/* One round with \p fn; returns the moves. */
static uint32_t
world_round(struct world *w, balance_fn fn)
{
	world_gather(w);
	fn(w->cores, w->ncores);
	pw__scheduler_history_record(w->cores, w->ncores, PERIOD);
	return world_apply(w);
}

static void
dynamic(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	pw__scheduler_dynamic()->balance(cores, count);
}

static uint32_t
threads_on(const struct world *w, uint32_t core)
{
	uint32_t i, n = 0;

	for (i = 0; i < w->nthreads; i++) {
		n += w->t[i].core == core;
	}
	return n;
}

/* ---------------------------------------------------------------------------
 * SPDK's rule, as a model (see the top of the file)
 * ------------------------------------------------------------------------- */

struct model_core {
	uint64_t busy;
	uint64_t idle;
	uint32_t threads;
};

static struct model_core g_model[MAX_CORES];

static uint32_t
model_pct(uint64_t busy, uint64_t idle)
{
	return busy + idle == 0 ? 0 : (uint32_t)(busy * 100 / (busy + idle));
}

static void
model_move(struct spdk_scheduler_thread_info *t, uint32_t to)
{
	struct model_core *src = &g_model[t->lcore], *dst = &g_model[to];
	uint64_t b = t->current_stats.busy_tsc;
	uint32_t was = model_pct(src->busy, src->idle);

	if (src == dst) {
		return;
	}
	dst->busy += b;
	dst->idle -= spdk_min(dst->idle, b);
	dst->threads++;
	src->busy -= spdk_min(src->busy, b);
	src->idle += b;
	if (was >= 95 && model_pct(src->busy, src->idle) < 80) {
		uint64_t all = src->busy + src->idle;

		src->busy = all * 80 / 100;
		src->idle = all - src->busy;
	}
	src->threads--;
	t->lcore = to;
}

static bool
model_fits(const struct spdk_scheduler_thread_info *t, uint32_t d)
{
	const struct model_core *dst = &g_model[d];
	uint64_t b = t->current_stats.busy_tsc;

	if (t->lcore == d || dst->busy + dst->idle == 0 || dst->threads == 0) {
		return true;
	}
	if (dst->idle < b) {
		return false;
	}
	return model_pct(dst->busy + b, dst->idle - b) < 80;
}

static uint32_t
model_target(const struct spdk_scheduler_thread_info *t, uint32_t count)
{
	const struct spdk_cpuset *mask = spdk_thread_get_cpumask(spdk_thread_get_by_id(t->thread_id));
	uint32_t cur = t->lcore, least = t->lcore, d;
	const struct model_core *c = &g_model[cur];
	bool at_limit = c->threads > 1 && c->busy > 0 && model_pct(c->busy, c->idle) >= 80;

	for (d = 0; d < count; d++) {
		if (!spdk_cpuset_get_cpu(mask, d)) {
			continue;
		}
		if (g_model[d].busy < g_model[least].busy) {
			least = d;
		}
		if (d == cur || !model_fits(t, d)) {
			continue;
		}
		if (d == 0 || (d < cur && cur != 0) || at_limit) {
			return d;
		}
	}
	return at_limit ? least : cur;
}

static uint32_t
model_load(const struct spdk_scheduler_thread_info *t)
{
	return model_pct(t->current_stats.busy_tsc, t->current_stats.idle_tsc);
}

/* Main core 0, SPDK's default limits (load 20, core 80, busy 95). */
static void
spdk_model(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	uint32_t c, i;

	for (c = 0; c < count; c++) {
		g_model[c].busy = cores[c].current_busy_tsc;
		g_model[c].idle = cores[c].current_idle_tsc;
		g_model[c].threads = cores[c].threads_count;
	}
	for (c = 0; c < count; c++) {
		for (i = 0; i < cores[c].threads_count; i++) {
			struct spdk_scheduler_thread_info *t = &cores[c].thread_infos[i];
			const struct spdk_cpuset *mask =
				spdk_thread_get_cpumask(spdk_thread_get_by_id(t->thread_id));

			/* (the round never moves a thread against its mask) */
			if (model_load(t) < 20 && spdk_cpuset_get_cpu(mask, 0)) {
				model_move(t, 0);
			}
		}
	}
	for (c = 0; c < count; c++) {
		for (i = 0; i < cores[c].threads_count; i++) {
			struct spdk_scheduler_thread_info *t = &cores[c].thread_infos[i];

			if (model_load(t) >= 20) {
				model_move(t, model_target(t, count));
			}
		}
	}
}

/* ---------------------------------------------------------------------------
 * SPDK's own cases
 * ------------------------------------------------------------------------- */

/* Three idle threads on cores 0-2 consolidate on core 0 in one round; the one
 * bound to core 2 stays; cores left empty may sleep. */
TEST(idle_threads_consolidate_on_main_core)
{
	struct world w;
	uint32_t a, b, bound;

	world_up(&w, 3);
	a = world_thread(&w, 0, 5, 0);
	b = world_thread(&w, 1, 5, 0);
	bound = world_thread(&w, 2, 5, 1u << 2);
	ASSERT_EQ(world_round(&w, dynamic), 1);
	ASSERT_EQ(w.t[a].core, 0);
	ASSERT_EQ(w.t[b].core, 0);
	ASSERT_EQ(w.t[bound].core, 2);
	ASSERT_TRUE(w.cores[1].interrupt_mode);
	ASSERT_FALSE(w.cores[0].interrupt_mode);
	ASSERT_FALSE(w.cores[2].interrupt_mode);
	ASSERT_EQ(world_round(&w, dynamic), 0);
	world_down(&w);
}

/* Core 1 runs a 30% thread, then a 5% one. Pass 1 takes the idle one to the
 * main core; the evacuation of core 1 then plans one move for its one thread
 * left, and must not write a plan entry for the thread pass 1 already moved
 * (it did, one past the plan array of one entry: under ASan a
 * heap-buffer-overflow in evacuate(), elsewhere a corrupt heap, seen as
 * "realloc(): invalid pointer" in test_scheduler_app). */
TEST(evacuation_after_the_idle_pass_stays_in_its_plan)
{
	struct world w;
	uint32_t busy, idle;

	world_up(&w, 2);
	busy = world_thread(&w, 1, 300, 0);
	idle = world_thread(&w, 1, 50, 0);
	ASSERT_EQ(world_round(&w, dynamic), 2);
	ASSERT_EQ(w.t[busy].core, 0);
	ASSERT_EQ(w.t[idle].core, 0);
	ASSERT_TRUE(w.cores[1].interrupt_mode);
	world_down(&w);
}

/* Three busy threads on core 0 spread so that every core has one, in one
 * round, and stay. */
TEST(busy_threads_spread_one_per_core)
{
	struct world w;
	uint32_t r;

	world_up(&w, 3);
	world_thread(&w, 0, 1000, 0);
	world_thread(&w, 0, 1000, 0);
	world_thread(&w, 0, 1000, 0);
	ASSERT_EQ(world_round(&w, dynamic), 2);
	ASSERT_EQ(threads_on(&w, 0), 1);
	ASSERT_EQ(threads_on(&w, 1), 1);
	ASSERT_EQ(threads_on(&w, 2), 1);
	for (r = 0; r < 20; r++) {
		ASSERT_EQ(world_round(&w, dynamic), 0);
	}
	world_down(&w);
}

/* ---------------------------------------------------------------------------
 * SPDK #2070: several 100% threads on one core
 * ------------------------------------------------------------------------- */

/* Three saturated threads on core 1 of 4, main core 0 empty. SPDK's rule
 * counts each at the third of a core it got, so the main core "fits" two of
 * them: they land together (two 100% threads on core 0) and one must move
 * again next round. The dynamic scheduler counts each as a whole core and
 * spreads them in one round, with two moves. */
static bool
two_busy_on_a_core(const struct world *w)
{
	uint32_t c;

	for (c = 0; c < w->ncores; c++) {
		if (threads_on(w, c) > 1) {
			return true;
		}
	}
	return false;
}

static void
three_saturated(struct world *w)
{
	world_up(w, 4);
	world_thread(w, 1, 1000, 0);
	world_thread(w, 1, 1000, 0);
	world_thread(w, 1, 1000, 0);
}

TEST(issue_2070_spdk_rule_piles_busy_threads)
{
	struct world w;
	uint32_t r;

	three_saturated(&w);
	world_round(&w, spdk_model);
	ASSERT_TRUE(two_busy_on_a_core(&w));
	ASSERT_EQ(threads_on(&w, 0), 2);
	for (r = 0; r < 5; r++) {
		world_round(&w, spdk_model);
	}
	ASSERT_FALSE(two_busy_on_a_core(&w));
	ASSERT_EQ(w.moves, 3);
	world_down(&w);
}

TEST(issue_2070_busy_threads_spread_at_once)
{
	struct world w;
	uint32_t r;

	three_saturated(&w);
	ASSERT_EQ(world_round(&w, dynamic), 2);
	ASSERT_FALSE(two_busy_on_a_core(&w));
	for (r = 0; r < 20; r++) {
		ASSERT_EQ(world_round(&w, dynamic), 0);
	}
	world_down(&w);
}

/* Two saturated threads allowed on cores {0, 2} only and one free thread, all
 * on core 0 of 3: the bound ones spread to 0 and 2 (their masks allow it),
 * the free one goes to core 1. */
TEST(busy_threads_spread_within_their_masks)
{
	struct world w;
	uint32_t a, b, c;

	world_up(&w, 3);
	a = world_thread(&w, 0, 1000, 0x5);
	b = world_thread(&w, 0, 1000, 0x5);
	c = world_thread(&w, 0, 1000, 0);
	world_round(&w, dynamic);
	world_round(&w, dynamic);
	ASSERT_NE(w.t[a].core, w.t[b].core);
	ASSERT_NE(w.t[a].core, 1);
	ASSERT_NE(w.t[b].core, 1);
	ASSERT_EQ(w.t[c].core, 1);
	ASSERT_EQ(world_round(&w, dynamic), 0);
	world_down(&w);
}

/* ---------------------------------------------------------------------------
 * SPDK #2080: a thread's load over its own polled time
 * ------------------------------------------------------------------------- */

/* Core 0 (main) runs a 70% thread bound to it, a 15% thread and two idle
 * ones. Over its own polled time the 15% thread reads 80% on core 0 (the
 * idle time is shared four ways) and 15% alone on core 1: SPDK's rule sends
 * it to core 1 as a busy thread of a core at its limit, then back as idle,
 * every round. Over its core's time it is 15% wherever it is: it stays. */
static uint32_t
issue_2080(balance_fn fn)
{
	struct world w;
	uint32_t r, moves;

	world_up(&w, 2);
	world_thread(&w, 0, 700, 0x1);
	world_thread(&w, 0, 150, 0);
	world_thread(&w, 0, 0, 0);
	world_thread(&w, 0, 0, 0);
	for (r = 0; r < 50; r++) {
		world_round(&w, fn);
	}
	moves = w.moves;
	world_down(&w);
	return moves;
}

TEST(issue_2080_spdk_rule_flaps)
{
	ASSERT_EQ(issue_2080(spdk_model), 50);
}

TEST(issue_2080_load_over_core_time_stays)
{
	ASSERT_EQ(issue_2080(dynamic), 0);
}

/* Two steady 30% threads, one per core: they settle on the main core and no
 * thread moves in the next 100 rounds, with each load drifting by +-3 points
 * every round. */
TEST(issue_2080_steady_30_30_never_flaps)
{
	struct world w;
	uint32_t r, a, b;

	world_up(&w, 2);
	a = world_thread(&w, 0, 300, 0);
	b = world_thread(&w, 1, 300, 0);
	w.t[a].jitter = 30;
	w.t[b].jitter = 30;
	ASSERT_EQ(world_round(&w, dynamic), 1);
	ASSERT_EQ(threads_on(&w, 0), 2);
	for (r = 0; r < 100; r++) {
		ASSERT_EQ(world_round(&w, dynamic), 0);
	}
	world_down(&w);
}

/* Hysteresis: two 40% threads, one per core, drifting by +-4 points: their
 * sum is core_limit give or take a little. SPDK's rule joins them when the
 * sum is below 80% and splits them when it reaches it: they flap. The
 * dynamic scheduler joins them only with 10 points to spare: over 100 rounds
 * nothing moves. */
static uint32_t
near_the_limit(balance_fn fn, const char *opts)
{
	struct world w;
	uint32_t r, a, b, moves;

	world_up(&w, 2);
	if (opts != NULL) {
		ASSERT_EQ(set_opts_text(opts), 0);
	}
	a = world_thread(&w, 0, 400, 0);
	b = world_thread(&w, 1, 400, 0);
	w.t[a].jitter = 40;
	w.t[b].jitter = 40;
	for (r = 0; r < 100; r++) {
		world_round(&w, fn);
	}
	moves = w.moves;
	world_down(&w);
	return moves;
}

TEST(hysteresis_spdk_rule_flaps_near_core_limit)
{
	ASSERT_GT(near_the_limit(spdk_model, NULL), 20);
}

TEST(hysteresis_no_move_after_settling)
{
	ASSERT_EQ(near_the_limit(dynamic, NULL), 0);
}

/* The margin is what holds them: without it they flap as with SPDK's rule. */
TEST(hysteresis_zero_flaps)
{
	ASSERT_GT(near_the_limit(dynamic, "{\"hysteresis\":0}"), 20);
}

/* ---------------------------------------------------------------------------
 * Limits the round must respect
 * ------------------------------------------------------------------------- */

/* SPDK sends idle threads to the main core whatever its load; the dynamic
 * scheduler leaves them where they are when the main core has no room. */
TEST(idle_threads_wait_when_main_core_is_full)
{
	struct world w;
	uint32_t idle;

	world_up(&w, 2);
	world_thread(&w, 0, 750, 0x1);
	idle = world_thread(&w, 1, 150, 0);
	ASSERT_EQ(world_round(&w, dynamic), 0);
	ASSERT_EQ(w.t[idle].core, 1);
	world_down(&w);
}

/* Isolated cores: their threads stay, and no thread is sent to them. */
TEST(isolated_cores_are_left_alone)
{
	struct world w;
	uint32_t r, i;

	world_up(&w, 3);
	world_thread(&w, 0, 1000, 0);
	world_thread(&w, 0, 1000, 0);
	world_thread(&w, 2, 10, 0);
	for (r = 0; r < 3; r++) {
		world_gather(&w);
		w.cores[1].isolated = true;
		w.cores[2].isolated = true;
		dynamic(w.cores, w.ncores);
		ASSERT_EQ(world_apply(&w), 0);
	}
	for (i = 0; i < w.nthreads; i++) {
		ASSERT_NE(w.t[i].core, 1);
	}
	ASSERT_EQ(threads_on(&w, 2), 1);
	world_down(&w);
}

/* A thread that exited since the stats were taken is left where it was. */
TEST(unknown_thread_is_not_moved)
{
	struct world w;

	world_up(&w, 2);
	world_thread(&w, 1, 300, 0);
	world_gather(&w);
	w.infos[1][0].thread_id = 999999;
	log_capture_start();
	dynamic(w.cores, w.ncores);
	log_capture_stop();
	ASSERT_EQ(w.infos[1][0].lcore, 1);
	world_down(&w);
}

/* ---------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------- */

static int
write_to_buf(void *ctx, const void *data, size_t size)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	ASSERT_LT(len + size, 4096);
	memcpy(buf + len, data, size);
	buf[len + size] = '\0';
	return 0;
}

static int
set_opts_text(const char *text)
{
	struct spdk_json_val values[32];
	char buf[512];
	ssize_t n;

	snprintf(buf, sizeof(buf), "%s", text);
	n = spdk_json_parse(buf, strlen(buf), values, SPDK_COUNTOF(values), NULL,
			    SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	ASSERT_GT(n, 0);
	return pw__scheduler_dynamic()->set_opts(values);
}

static void
get_opts_text(char *buf)
{
	struct spdk_json_write_ctx *jw;

	buf[0] = '\0';
	jw = spdk_json_write_begin(write_to_buf, buf, 0);
	spdk_json_write_object_begin(jw);
	pw__scheduler_dynamic()->get_opts(jw);
	spdk_json_write_object_end(jw);
	ASSERT_EQ(spdk_json_write_end(jw), 0);
}

TEST(opts_defaults_set_and_refused)
{
	struct world w;
	char buf[4096];

	world_up(&w, 2);
	get_opts_text(buf);
	ASSERT_STR_EQ(buf, "{\"load_limit\":20,\"core_limit\":80,\"core_busy\":95,"
		      "\"hysteresis\":10}");
	/* framework_set_scheduler passes its whole params object */
	ASSERT_EQ(set_opts_text("{\"name\":\"dynamic\",\"period\":1000,\"load_limit\":10,"
				"\"core_limit\":70}"), 0);
	get_opts_text(buf);
	ASSERT_STR_EQ(buf, "{\"load_limit\":10,\"core_limit\":70,\"core_busy\":95,"
		      "\"hysteresis\":10}");
	log_capture_start();
	ASSERT_EQ(set_opts_text("{\"core_busy\":101}"), -EINVAL);
	ASSERT_STR_CONTAINS(log_capture_text(), "percentages");
	ASSERT_EQ(set_opts_text("{\"load_limit\":-1}"), -EINVAL);
	ASSERT_EQ(set_opts_text("{\"core_limit\":\"x\"}"), -EINVAL);
	ASSERT_EQ(set_opts_text("{\"hysteresis\":70}"), -EINVAL);
	ASSERT_STR_CONTAINS(log_capture_text(), "below core_limit");
	log_capture_stop();
	get_opts_text(buf);
	ASSERT_STR_EQ(buf, "{\"load_limit\":10,\"core_limit\":70,\"core_busy\":95,"
		      "\"hysteresis\":10}");
	ASSERT_EQ(pw__scheduler_dynamic()->set_opts(NULL), 0);
	world_down(&w);
}

/* A higher load_limit makes a 30% thread idle: it joins the main core. */
TEST(opts_change_the_decisions)
{
	struct world w;
	uint32_t t;

	world_up(&w, 2);
	world_thread(&w, 0, 600, 0x1);
	t = world_thread(&w, 1, 300, 0);
	ASSERT_EQ(world_round(&w, dynamic), 0);
	ASSERT_EQ(set_opts_text("{\"load_limit\":40,\"core_limit\":95,\"hysteresis\":5}"), 0);
	ASSERT_EQ(world_round(&w, dynamic), 1);
	ASSERT_EQ(w.t[t].core, 0);
	world_down(&w);
}

/* ---------------------------------------------------------------------------
 * Explanations: -L scheduler and the history
 * ------------------------------------------------------------------------- */

TEST(moves_are_logged_and_kept_in_the_history)
{
	struct world w;
	char buf[4096];
	struct spdk_json_write_ctx *jw;
	uint32_t r;

	world_up(&w, 3);
	world_thread(&w, 1, 1000, 0);
	world_thread(&w, 1, 1000, 0);
	world_thread(&w, 2, 50, 0);
	ASSERT_EQ(spdk_log_set_flag("scheduler"), 0);
	spdk_log_set_print_level(SPDK_LOG_INFO);
	log_capture_start();
	ASSERT_EQ(world_round(&w, dynamic), 2);
	ASSERT_STR_CONTAINS(log_capture_text(), " core 2 -> 0, idle: thread load 5.0% "
			    "(demand 5.0%), core 2 at 5.0%, core 0 at 0.0%");
	ASSERT_STR_CONTAINS(log_capture_text(), "core 1 -> 2, core over limit, fits: thread "
			    "load 50.0% (demand 100.0%), core 1 at 200.0%, core 2 at 0.0%");
	log_capture_stop();
	for (r = 0; r < 5; r++) {
		ASSERT_EQ(world_round(&w, dynamic), 0);
	}
	/* the quiet rounds share one entry */
	ASSERT_EQ(pw__scheduler_history_rounds(), 2);
	ASSERT_EQ(pw__scheduler_history_total_moves(), 2);

	buf[0] = '\0';
	jw = spdk_json_write_begin(write_to_buf, buf, 0);
	pw__scheduler_history_write(jw, 0);
	ASSERT_EQ(spdk_json_write_end(jw), 0);
	ASSERT_STR_CONTAINS(buf, "\"round\":1,\"rounds\":1,");
	ASSERT_STR_CONTAINS(buf, "\"thread_name\":\"sim2\",\"from_lcore\":2,\"to_lcore\":0,"
			    "\"reason\":\"idle\",\"thread_load\":5.0,\"from_core_load\":5.0,"
			    "\"to_core_load\":0.0}");
	ASSERT_STR_CONTAINS(buf, "\"from_lcore\":1,\"to_lcore\":2,\"reason\":\"core over limit, "
			    "fits\",\"thread_load\":50.0,\"from_core_load\":200.0,\"to_core_load\":0.0}");
	ASSERT_STR_CONTAINS(buf, "\"round\":2,\"rounds\":5,");
	world_down(&w);
}

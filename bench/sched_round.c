/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * What a scheduling round costs on many cores: the dynamic scheduler's
 * balance() on 64 and 256 simulated cores with 1,000 threads of mixed load.
 *
 *   sched_round [--smoke] [--runs N] [--rounds R]
 *
 * The cores are simulated (the environment is told they need not exist) and
 * never run: the benchmark builds each round's core_info arrays from a load
 * model, calls balance() on this pthread as the scheduling reactor would,
 * applies the lcore it chose to each thread and starts the next round. The
 * threads are real spdk_threads (balance() reads their cpumasks); 1 in 10 is
 * bound to a quarter of the cores.
 *
 * Load model: 60% of the threads idle (0-5% of a core), 30% moderate
 * (10-50%), 10% busy (100%); about 205 cores of demand in all, so 64 cores
 * are overloaded and 256 are not. Every round 1% of the threads draw a new
 * load (bursts come and go). A core that is not saturated gives each thread
 * what it wants and splits its idle time among their idle_tsc, as a polling
 * reactor does; a saturated one gives each what it wants up to an equal
 * level (max-min). The threads start round-robin over the cores.
 *
 * Lines ("name value unit"), medians over the runs:
 *   c<N>_us_per_round        wall time of one balance() on N cores
 *   c<N>_record_us_per_round the round history's record of the same round
 *   c<N>_moves_first_round   moves of the first round (from round-robin)
 *   c<N>_moves_per_round     mean moves per round after the first ten
 *   c<N>_busy_cores_end      cores with threads after the last round
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/scheduler.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include "env/env_internal.h"
#include "event/scheduler_dynamic_internal.h"

#include "bench_util.h"

#define NTHREADS	1000
#define MAX_RUNS	31
#define PERIOD		1000000ull

struct sim {
	struct spdk_thread	*thread;
	uint64_t		id;
	uint32_t		core;
	uint32_t		load;	/* per mille */
};

static struct sim g_t[NTHREADS];
static uint64_t g_rng = 88172645463325252ull;

static uint32_t
rnd(uint32_t n)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint32_t)(g_rng % n);
}

static uint32_t
draw_load(void)
{
	uint32_t k = rnd(100);

	if (k < 60) {
		return rnd(51);
	} else if (k < 90) {
		return 100 + rnd(401);
	}
	return 1000;
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

struct arrays {
	struct spdk_scheduler_core_info	*cores;
	struct spdk_scheduler_thread_info *infos;	/* NTHREADS, grouped by core */
	uint32_t			*owner;		/* sim index of each info */
	uint32_t			*count;		/* per core */
};

/* Max-min share of a saturated core (sum of loads >= 1000): the level L
 * such that threads wanting less get what they want, the others L each. */
static uint32_t
fair_level(const uint32_t *loads, uint32_t n)
{
	uint32_t left = 1000, open = n, level = 0, i, prev;

	/* loads sorted ascending: take the small ones while they are below the level */
	for (i = 0; i < n; i++) {
		level = left / open;
		if (loads[i] > level) {
			return level;
		}
		prev = loads[i];
		left -= prev;
		open--;
	}
	return level;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
gather(struct arrays *a, uint32_t ncores)
{
	uint32_t c, i, off = 0;
	uint64_t *sum = calloc(ncores, sizeof(*sum));
	uint32_t *level = calloc(ncores, sizeof(*level));
	uint32_t *loads = calloc(NTHREADS, sizeof(*loads));

	if (sum == NULL || level == NULL || loads == NULL) {
		fprintf(stderr, "sched_round: out of memory\n");
		exit(1);
	}
	memset(a->count, 0, ncores * sizeof(*a->count));
	for (i = 0; i < NTHREADS; i++) {
		a->count[g_t[i].core]++;
		sum[g_t[i].core] += g_t[i].load;
	}
	for (c = 0; c < ncores; c++) {
		struct spdk_scheduler_core_info *core = &a->cores[c];
		uint64_t busy = sum[c] >= 1000 ? PERIOD : sum[c] * PERIOD / 1000;

		memset(core, 0, sizeof(*core));
		core->lcore = c;
		core->thread_infos = &a->infos[off];
		core->current_busy_tsc = busy;
		core->current_idle_tsc = PERIOD - busy;
		level[c] = 1000;
		if (sum[c] >= 1000) {
			uint32_t n = 0;

			for (i = 0; i < NTHREADS; i++) {
				if (g_t[i].core == c) {
					loads[n++] = g_t[i].load;
				}
			}
			qsort(loads, n, sizeof(*loads), cmp_u32);
			level[c] = fair_level(loads, n);
		}
		off += a->count[c];
	}
	for (i = 0; i < NTHREADS; i++) {
		uint32_t c0 = g_t[i].core;
		struct spdk_scheduler_core_info *core = &a->cores[c0];
		struct spdk_scheduler_thread_info *t = &core->thread_infos[core->threads_count];

		a->owner[t - a->infos] = i;
		memset(t, 0, sizeof(*t));
		t->lcore = c0;
		t->thread_id = g_t[i].id;
		if (sum[c0] < 1000) {
			t->current_stats.busy_tsc = g_t[i].load * PERIOD / 1000;
			t->current_stats.idle_tsc = core->current_idle_tsc / a->count[c0];
		} else if (g_t[i].load < level[c0]) {
			t->current_stats.busy_tsc = g_t[i].load * PERIOD / 1000;
			t->current_stats.idle_tsc = PERIOD / 1000;
		} else {
			t->current_stats.busy_tsc = level[c0] * PERIOD / 1000;
		}
		core->threads_count++;
	}
	free(sum);
	free(level);
	free(loads);
}

static uint32_t
apply(struct arrays *a)
{
	uint32_t i, moves = 0;

	for (i = 0; i < NTHREADS; i++) {
		struct sim *s = &g_t[a->owner[i]];

		if (a->infos[i].lcore != s->core) {
			s->core = a->infos[i].lcore;
			moves++;
		}
	}
	return moves;
}

/* One run on ncores: returns its figures. */
static void
run(uint32_t ncores, uint32_t rounds, double *us, double *rec_us, double *first,
    double *steady, double *busy_end)
{
	struct spdk_scheduler *dyn = pw__scheduler_dynamic();
	struct arrays a;
	double *t_bal = calloc(rounds, sizeof(double)), *t_rec = calloc(rounds, sizeof(double));
	uint64_t moves_after = 0;
	uint32_t r, i, c, busy = 0;

	a.cores = calloc(ncores, sizeof(*a.cores));
	a.infos = calloc(NTHREADS, sizeof(*a.infos));
	a.owner = calloc(NTHREADS, sizeof(*a.owner));
	a.count = calloc(ncores, sizeof(*a.count));
	if (!a.cores || !a.infos || !a.owner || !a.count || !t_bal || !t_rec) {
		fprintf(stderr, "sched_round: out of memory\n");
		exit(1);
	}
	for (i = 0; i < NTHREADS; i++) {
		g_t[i].core = i % ncores;
		g_t[i].load = draw_load();
	}
	if (dyn->init() != 0) {
		exit(1);
	}
	for (r = 0; r < rounds; r++) {
		double t0, t1, t2;
		uint32_t moved;

		for (i = 0; i < NTHREADS / 100; i++) {
			g_t[rnd(NTHREADS)].load = draw_load();
		}
		gather(&a, ncores);
		t0 = now_us();
		dyn->balance(a.cores, ncores);
		t1 = now_us();
		pw__scheduler_history_record(a.cores, ncores, PERIOD);
		t2 = now_us();
		t_bal[r] = t1 - t0;
		t_rec[r] = t2 - t1;
		moved = apply(&a);
		if (r == 0) {
			*first = moved;
		} else if (r >= 10) {
			moves_after += moved;
		}
	}
	dyn->deinit();
	for (c = 0; c < ncores; c++) {
		busy += a.count[c] != 0;
	}
	*us = bench_median_sort(t_bal, rounds);
	*rec_us = bench_median_sort(t_rec, rounds);
	*steady = rounds > 10 ? (double)moves_after / (rounds - 10) : 0;
	*busy_end = busy;
	free(t_bal);
	free(t_rec);
	free(a.cores);
	free(a.infos);
	free(a.owner);
	free(a.count);
}

int
main(int argc, char **argv)
{
	static const uint32_t sizes[] = {64, 256};
	struct spdk_env_opts opts;
	uint32_t runs = 5, rounds = 200, i, k, s;

	for (i = 1; i < (uint32_t)argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			runs = 1;
			rounds = 20;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < (uint32_t)argc) {
			runs = (uint32_t)atoi(argv[++i]);
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < (uint32_t)argc) {
			rounds = (uint32_t)atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--runs N (1..%d)] [--rounds R (>10)]\n",
				argv[0], MAX_RUNS);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || rounds < 11) {
		fprintf(stderr, "sched_round: --runs 1..%d, --rounds at least 11\n", MAX_RUNS);
		return 2;
	}

	pw__env_skip_affinity_check(true);
	spdk_env_opts_init(&opts);
	opts.name = "sched_round";
	opts.core_mask = "[0-255]";
	if (spdk_env_init(&opts) != 0 || spdk_thread_lib_init(NULL, 0) != 0) {
		fprintf(stderr, "sched_round: environment or thread library did not start\n");
		return 1;
	}
	spdk_log_set_print_level(SPDK_LOG_WARN);
	if (getenv("SCHED_ROUND_LOG") != NULL) {	/* every move, as -L scheduler shows it */
		spdk_log_set_flag("scheduler");
		spdk_log_set_print_level(SPDK_LOG_INFO);
	}

	for (s = 0; s < SPDK_COUNTOF(sizes); s++) {
		uint32_t ncores = sizes[s];
		double us[MAX_RUNS], rec[MAX_RUNS], first[MAX_RUNS], steady[MAX_RUNS], busy[MAX_RUNS];

		/* Threads bound to a quarter of this size's cores (1 in 10), free otherwise. */
		for (i = 0; i < NTHREADS; i++) {
			struct spdk_cpuset mask;
			char name[32];

			spdk_cpuset_zero(&mask);
			for (k = 0; k < ncores; k++) {
				if (i % 10 != 0 || k % 4 == (i / 10) % 4) {
					spdk_cpuset_set_cpu(&mask, k, true);
				}
			}
			snprintf(name, sizeof(name), "t%u", i);
			g_t[i].thread = spdk_thread_create(name, &mask);
			if (g_t[i].thread == NULL) {
				fprintf(stderr, "sched_round: spdk_thread_create failed\n");
				return 1;
			}
			g_t[i].id = spdk_thread_get_id(g_t[i].thread);
		}
		for (k = 0; k < runs; k++) {
			run(ncores, rounds, &us[k], &rec[k], &first[k], &steady[k], &busy[k]);
			printf("# c%u run %u: %.1f us/round, record %.1f us, %.0f moves in round 1, "
			       "%.2f moves/round after, %.0f cores busy at the end\n", ncores, k + 1,
			       us[k], rec[k], first[k], steady[k], busy[k]);
		}
		printf("c%u_us_per_round %.1f us\n", ncores, bench_median_sort(us, runs));
		printf("c%u_record_us_per_round %.1f us\n", ncores, bench_median_sort(rec, runs));
		printf("c%u_moves_first_round %.0f moves\n", ncores, bench_median_sort(first, runs));
		printf("c%u_moves_per_round %.2f moves\n", ncores, bench_median_sort(steady, runs));
		printf("c%u_busy_cores_end %.0f cores\n", ncores, bench_median_sort(busy, runs));
		fflush(stdout);

		for (i = 0; i < NTHREADS; i++) {
			spdk_set_thread(g_t[i].thread);
			spdk_thread_exit(g_t[i].thread);
			while (!spdk_thread_is_exited(g_t[i].thread)) {
				spdk_thread_poll(g_t[i].thread, 0, 0);
			}
			spdk_thread_destroy(g_t[i].thread);
		}
		spdk_set_thread(NULL);
	}
	spdk_thread_lib_fini();
	spdk_env_fini();
	pw__scheduler_history_clear();
	return 0;
}

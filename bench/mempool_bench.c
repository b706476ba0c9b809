/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_mempool cost, next to references measured in the same run.
 *
 *   mempool_bench [--smoke] [--runs N]
 *
 * Prints "name value unit" lines; every value is the median of several runs.
 *
 *   get_put_cached_ns        one get + one put, one pthread, per-pthread cache
 *   get_put_nocache_ns       the same on a pool with cache_size 0 (shared store)
 *   bulk32_cached_ns         get_bulk(32) + put_bulk(32), cache on
 *   bulk32_nocache_ns        the same, cache off
 *   contended_cached_ns      two pthreads on two cpus, each doing get + put on
 *                            one pool; wall time per pair per pthread
 *   contended_nocache_ns     the same with cache_size 0 (both on the store)
 *   handoff_cached_ns        element taken on cpu 0, passed through an SPSC
 *                            ring, put on cpu 1 (caches drain and refill)
 *   ref_malloc_free_ns       malloc + free of the element size
 *   ref_malloc_contended_ns  malloc + free on two cpus at once
 *   ref_tls_freelist_ns      pop + push on a bare thread-local free list: the floor
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/util.h"

#include "common/pw_common.h"

#include "bench_util.h"

#define ELE_SIZE	64
#define POOL_COUNT	8192
#define BULK		32

static unsigned g_runs = 7;
static double g_target_s = 0.15;	/* length of one run */

/* Median over the runs of the time per iteration, in ns; the iteration count
 * is calibrated so that one run lasts about g_target_s. */
static double
measure(bench_loop_fn *fn, void *ctx)
{
	return bench_measure_ns(fn, ctx, g_target_s, g_runs);
}

/* ---- single pthread ------------------------------------------------------- */

static void
loop_get_put(void *ctx, uint64_t iters)
{
	struct spdk_mempool *mp = ctx;
	uint64_t i;

	for (i = 0; i < iters; i++) {
		void *e = spdk_mempool_get(mp);

		bench_opaque(e);
		spdk_mempool_put(mp, e);
	}
}

static void
loop_bulk(void *ctx, uint64_t iters)
{
	struct spdk_mempool *mp = ctx;
	void *e[BULK];
	uint64_t i;

	for (i = 0; i < iters; i++) {
		if (spdk_mempool_get_bulk(mp, e, BULK) != 0) {
			abort();
		}
		bench_opaque(e);
		spdk_mempool_put_bulk(mp, e, BULK);
	}
}

static void
loop_malloc(void *ctx, uint64_t iters)
{
	uint64_t i;

	for (i = 0; i < iters; i++) {
		void *e = malloc(ELE_SIZE);

		bench_opaque(e);
		free(e);
	}
}

struct node {
	struct node *next;
};

static __thread struct node *t_free_list;

static void
loop_tls_freelist(void *ctx, uint64_t iters)
{
	uint64_t i;

	for (i = 0; i < iters; i++) {
		struct node *n = t_free_list;

		t_free_list = n->next;
		bench_opaque(n);
		n->next = t_free_list;
		t_free_list = n;
	}
}

/* ---- two pthreads on two cpus ---------------------------------------------- */

struct duo;

typedef void duo_side_fn(struct duo *d, unsigned side, uint64_t iters);

struct duo {
	duo_side_fn		*side_fn;
	struct spdk_mempool	*mp;
	uint64_t		iters;
	pthread_barrier_t	start, end;
	bool			quit;
	/* hand-off ring: single producer (side 0), single consumer (side 1) */
	void			*ring[1024];
	uint64_t		head PW_CACHE_ALIGNED;
	uint64_t		tail PW_CACHE_ALIGNED;
};

static void
side_get_put(struct duo *d, unsigned side, uint64_t iters)
{
	loop_get_put(d->mp, iters);
}

static void
side_malloc(struct duo *d, unsigned side, uint64_t iters)
{
	loop_malloc(NULL, iters);
}

static void
side_handoff(struct duo *d, unsigned side, uint64_t iters)
{
	uint64_t i, pos;

	if (side == 0) {
		for (i = 0; i < iters; i++) {
			void *e;

			/* Never NULL: the ring and side 1's cache hold less than the pool. */
			e = spdk_mempool_get(d->mp);
			/* Pairs with the release store of tail by side 1. */
			while (i - __atomic_load_n(&d->tail, __ATOMIC_ACQUIRE) >= 1024) {
				bench_spin_wait();
			}
			d->ring[i % 1024] = e;
			/* Pairs with the acquire load of head by side 1. */
			__atomic_store_n(&d->head, i + 1, __ATOMIC_RELEASE);
		}
	} else {
		for (pos = __atomic_load_n(&d->tail, __ATOMIC_RELAXED); pos < iters; pos++) {
			void *e;

			/* Pairs with the release store of head by side 0. */
			while (__atomic_load_n(&d->head, __ATOMIC_ACQUIRE) <= pos) {
				bench_spin_wait();
			}
			e = d->ring[pos % 1024];
			__atomic_store_n(&d->tail, pos + 1, __ATOMIC_RELEASE);
			spdk_mempool_put(d->mp, e);
		}
	}
}

static void *
duo_thread(void *arg)
{
	struct duo *d = arg;

	bench_pin(1);
	for (;;) {
		pthread_barrier_wait(&d->start);
		if (d->quit) {
			break;
		}
		d->side_fn(d, 1, d->iters);
		pthread_barrier_wait(&d->end);
	}
	return NULL;
}

static void
duo_loop(void *ctx, uint64_t iters)
{
	struct duo *d = ctx;

	d->iters = iters;
	d->head = 0;
	d->tail = 0;
	pthread_barrier_wait(&d->start);
	d->side_fn(d, 0, iters);
	pthread_barrier_wait(&d->end);
}

/* ns per iteration and per pthread, both sides running side_fn at once. */
static double
measure_duo(duo_side_fn *fn, struct spdk_mempool *mp)
{
	struct duo *d = NULL;
	pthread_t t;
	double ns;

	if (posix_memalign((void **)&d, 64, sizeof(*d)) != 0) {
		abort();
	}
	memset(d, 0, sizeof(*d));
	d->side_fn = fn;
	d->mp = mp;
	pthread_barrier_init(&d->start, NULL, 2);
	pthread_barrier_init(&d->end, NULL, 2);
	if (pthread_create(&t, NULL, duo_thread, d) != 0) {
		abort();
	}
	ns = measure(duo_loop, d);
	d->quit = true;
	pthread_barrier_wait(&d->start);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&d->start);
	pthread_barrier_destroy(&d->end);
	free(d);
	return ns;
}

int
main(int argc, char **argv)
{
	bool smoke = false;
	struct spdk_mempool *cached, *nocache;
	struct node *nodes;
	cpu_set_t allowed;
	bool two_cpus;
	int i;

	if (bench_parse_smoke_runs(argc, argv, &smoke, &g_runs, &g_target_s) != 0) {
		return 2;
	}
	two_cpus = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) >= 2;

	cached = spdk_mempool_create("bench_cached", POOL_COUNT, ELE_SIZE,
				     SPDK_MEMPOOL_DEFAULT_CACHE_SIZE, SPDK_ENV_NUMA_ID_ANY);
	nocache = spdk_mempool_create("bench_nocache", POOL_COUNT, ELE_SIZE, 0,
				      SPDK_ENV_NUMA_ID_ANY);
	nodes = calloc(64, sizeof(*nodes) * 8);
	if (cached == NULL || nocache == NULL || nodes == NULL) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	for (i = 0; i < 64; i++) {
		nodes[i * 8].next = t_free_list;
		t_free_list = &nodes[i * 8];
	}
	bench_pin(0);

	bench_report("mempool_get_put_cached_ns", measure(loop_get_put, cached), "ns");
	bench_report("mempool_get_put_nocache_ns", measure(loop_get_put, nocache), "ns");
	bench_report("mempool_bulk32_cached_ns", measure(loop_bulk, cached), "ns");
	bench_report("mempool_bulk32_nocache_ns", measure(loop_bulk, nocache), "ns");
	bench_report("ref_malloc_free_ns", measure(loop_malloc, NULL), "ns");
	bench_report("ref_tls_freelist_ns", measure(loop_tls_freelist, NULL), "ns");
	if (two_cpus) {
		bench_report("mempool_contended_cached_ns", measure_duo(side_get_put, cached), "ns");
		bench_report("mempool_contended_nocache_ns", measure_duo(side_get_put, nocache), "ns");
		bench_report("mempool_handoff_cached_ns", measure_duo(side_handoff, cached), "ns");
		bench_report("mempool_handoff_nocache_ns", measure_duo(side_handoff, nocache), "ns");
		bench_report("ref_malloc_contended_ns", measure_duo(side_malloc, NULL), "ns");
	} else {
		fprintf(stderr, "one usable cpu: two-pthread figures skipped\n");
	}

	if (spdk_mempool_count(cached) != POOL_COUNT || spdk_mempool_count(nocache) != POOL_COUNT) {
		fprintf(stderr, "elements lost: %zu, %zu\n", spdk_mempool_count(cached),
			spdk_mempool_count(nocache));
		return 1;
	}
	spdk_mempool_free(cached);
	spdk_mempool_free(nocache);
	free(nodes);
	return 0;
}

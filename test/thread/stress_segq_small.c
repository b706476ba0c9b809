/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of small first segments (lib/common/pw_segq.h, doc/design.md
 * "Small threads") on real pthreads, run under ThreadSanitizer in CI.
 *
 * small_first_segments_race: 48 lazy queues share one pool; three producer
 * pthreads send short bursts (1 to 40 entries: some fit a small segment,
 * some grow into full ones) to queues picked at random, some as batches
 * claimed with pw_segq_try_claim() and published later; two consumer
 * pthreads own 24 queues each, pop, and give a queue's segment back
 * whenever they find it drained. So producers race each other opening a
 * queue's small first segment over PW_SEGQ_NONE (the losers' blocks go back
 * to their page), opening a full one over a full small one, and the
 * consumers' give-backs; and the blocks of one page belong to several
 * queues at once; with 48 queues more than a page of blocks is held at
 * times, so pages fill, empty, go back to the pool and come back as full
 * segments or new pages of blocks while producers race on them. Every
 * entry must arrive exactly once and in each
 * producer's order per queue; at the end no segment is held, and the pool
 * unmaps everything once drained. The consumers count pops made in small and
 * in full segments: both must occur, and at some point two pages of
 * blocks must be in use, or the test did not test.
 *
 * Bounded by PW_STRESS_SECONDS (default 2).
 */

#include "spdk/stdinc.h"

#include "harness.h"
#include "ut_stress.h"
#include "common/pw_segq.h"

#include <stdatomic.h>

#define NPROD	3
#define NCONS	2
#define NQ	48	/* queue q belongs to consumer q % NCONS */
#define W	2u
#define BATCH	8

struct queue {
	struct pw_segq_prod	prod PW_CACHE_ALIGNED;
	struct pw_segq_cons	cons PW_CACHE_ALIGNED;
};

static struct pw_segq_pool g_pool = PW_SEGQ_POOL_INITIALIZER;
static struct queue g_q[NQ];
static _Atomic bool g_stop;
static _Atomic int g_producers_done;
/* Entries sent by producer p to queue q (final once the producer is done). */
static _Atomic uint64_t g_sent[NPROD][NQ];
static _Atomic uint64_t g_in_small, g_in_full, g_give_backs;
/* The most pages of small blocks seen at once. */
static _Atomic size_t g_max_pages;

static void *
producer(void *arg)
{
	uintptr_t p = (uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (p + 1), seq[NQ] = { 0 };

	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		int q = (int)(rnd(&seed) % NQ);
		int burst = 1 + (int)(rnd(&seed) % 40);
		struct pw_segq_prod *prod = &g_q[q].prod;

		for (int k = 0; k < burst;) {
			if (rnd(&seed) % 4 == 0) {
				/* A batch: claim now, publish later (in reverse). */
				_Atomic(void *) *slots[BATCH];
				uint64_t first = seq[q];
				int n = 0;

				while (n < BATCH && k + n < burst &&
				       (slots[n] = pw_segq_try_claim(prod, W)) != NULL) {
					n++;
				}
				for (int i = n; i-- > 0;) {
					void *const vals[W] = { (void *)(p + 1),
								(void *)(uintptr_t)(first + i) };

					pw_segq_publish(slots[i], W, vals);
				}
				seq[q] += n;
				k += n;
				if (n > 0) {
					continue;
				}
			}
			{
				void *const vals[W] = { (void *)(p + 1), (void *)(uintptr_t)seq[q] };

				ASSERT_EQ(pw_segq_push(prod, &g_pool, W, vals), 0);
				seq[q]++;
				k++;
			}
		}
		if (rnd(&seed) % 8 == 0) {
			/* Let the consumers drain and give back now and then. */
			usleep(rnd(&seed) % 30);
		}
	}
	for (int q = 0; q < NQ; q++) {
		atomic_store(&g_sent[p][q], seq[q]);
	}
	atomic_fetch_add(&g_producers_done, 1);
	return NULL;
}

static void *
consumer(void *arg)
{
	uintptr_t c = (uintptr_t)arg;
	uint64_t expect[NQ][NPROD] = { { 0 } };
	void *out[16 * W];
	bool done = false;

	while (!done) {
		bool idle = true;

		for (int q = (int)c; q < NQ; q += NCONS) {
			struct queue *qu = &g_q[q];
			uint32_t n = pw_segq_pop(&qu->prod, &qu->cons, &g_pool, W, out, 16);

			if (n > 0) {
				idle = false;
				/* Where the consumer stands now: a small or a full segment. */
				atomic_fetch_add_explicit(pw_segq_is_small(qu->cons.seg) ? &g_in_small :
							  &g_in_full, 1, memory_order_relaxed);
			}
			for (uint32_t i = 0; i < n; i++) {
				uintptr_t p = (uintptr_t)out[i * W] - 1;

				ASSERT_LT(p, NPROD);
				ASSERT_EQ((uint64_t)(uintptr_t)out[i * W + 1], expect[q][p]);
				expect[q][p]++;
			}
			if (n == 0 && pw_segq_give_back(&qu->prod, &qu->cons, &g_pool, W)) {
				size_t pages = pw_segq_pool_small_pages(&g_pool);
				size_t max = atomic_load(&g_max_pages);

				atomic_fetch_add_explicit(&g_give_backs, 1, memory_order_relaxed);
				while (pages > max && !atomic_compare_exchange_weak(&g_max_pages, &max, pages)) {
				}
			}
		}
		if (idle && atomic_load(&g_producers_done) == NPROD) {
			done = true;
			for (int q = (int)c; q < NQ; q += NCONS) {
				for (int p = 0; p < NPROD; p++) {
					if (expect[q][p] != atomic_load(&g_sent[p][q])) {
						done = false;
					}
				}
			}
		}
	}
	/* Everything in: each queue gives back its last segment. */
	for (int q = (int)c; q < NQ; q += NCONS) {
		ASSERT_FALSE(pw_segq_pending(&g_q[q].prod, &g_q[q].cons));
		pw_segq_give_back(&g_q[q].prod, &g_q[q].cons, &g_pool, W);
		ASSERT_EQ(atomic_load(&g_q[q].prod.tail), PW_SEGQ_NONE);
	}
	return NULL;
}

TEST_TIMEOUT(small_first_segments_race, 300)
{
	uint64_t secs = env_u64("PW_STRESS_SECONDS", 2);
	pthread_t pt[NPROD], ct[NCONS];

	for (int q = 0; q < NQ; q++) {
		pw_segq_init_lazy(&g_q[q].prod, &g_q[q].cons, &g_pool);
	}
	for (uintptr_t c = 0; c < NCONS; c++) {
		ASSERT_EQ(pthread_create(&ct[c], NULL, consumer, (void *)c), 0);
	}
	for (uintptr_t p = 0; p < NPROD; p++) {
		ASSERT_EQ(pthread_create(&pt[p], NULL, producer, (void *)p), 0);
	}
	usleep((useconds_t)(secs * 1000000));
	atomic_store(&g_stop, true);
	for (int p = 0; p < NPROD; p++) {
		ASSERT_EQ(pthread_join(pt[p], NULL), 0);
	}
	for (int c = 0; c < NCONS; c++) {
		ASSERT_EQ(pthread_join(ct[c], NULL), 0);
	}
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_small_held(&g_pool), 0);
	for (int q = 0; q < NQ; q++) {
		pw_segq_fini(&g_q[q].prod, &g_q[q].cons, &g_pool);
	}
	ASSERT_EQ(pw_segq_pool_reserved(&g_pool), 0);
	pw_segq_pool_drain(&g_pool);
	ASSERT_EQ(pw_segq_pool_small_pages(&g_pool), 0);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
	printf("# pops in small segments %" PRIu64 ", in full ones %" PRIu64 ", %" PRIu64
	       " give-backs\n", atomic_load(&g_in_small), atomic_load(&g_in_full),
	       atomic_load(&g_give_backs));
	ASSERT_GT(atomic_load(&g_in_small), 0);
	ASSERT_GT(atomic_load(&g_in_full), 0);
	ASSERT_GT(atomic_load(&g_give_backs), 0);
	ASSERT_GT(atomic_load(&g_max_pages), 1);
}

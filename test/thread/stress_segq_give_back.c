/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of a lazy queue's give-back (doc/design.md "Small threads") on
 * real pthreads, run under ThreadSanitizer in CI.
 *
 * give_back_races_producers: three producer pthreads push numbered entries
 * into one queue (most one at a time, some as batches claimed with
 * pw_segq_try_claim() and published later, as staged sends are); the
 * consumer pthread pops, and whenever it finds the queue empty it tries
 * pw_segq_give_back(), so the segment goes back to the pool and the tail word
 * to PW_SEGQ_NONE while producers are claiming, opening the first segment
 * over PW_SEGQ_NONE, or opening the next one over a full segment. Every
 * entry must arrive exactly once and in each producer's order; when
 * everything is in, a last give-back leaves no segment held. A give-back
 * that freed a segment a producer still writes, or a first segment the
 * consumer missed, shows as a lost, duplicated or reordered entry, a hang
 * (the harness's limit), an ASan report, or a TSan report.
 *
 * Bounded by PW_STRESS_SECONDS (default 2) or by the entry count.
 */

#include "spdk/stdinc.h"

#include "harness.h"
#include "ut_stress.h"
#include "common/pw_segq.h"

#include <stdatomic.h>

#define NPROD	3
#define W	2u
#define BATCH	8

static struct pw_segq_pool g_pool = PW_SEGQ_POOL_INITIALIZER;
static struct pw_segq_prod g_prod PW_CACHE_ALIGNED;
static struct pw_segq_cons g_cons PW_CACHE_ALIGNED;
static _Atomic bool g_stop;
static _Atomic uint64_t g_sent[NPROD];

static void *
producer(void *arg)
{
	uintptr_t p = (uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (p + 1), seq = 0;

	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		if (rnd(&seed) % 4 == 0) {
			/* A batch: claim now, publish later (in reverse). */
			_Atomic(void *) *slots[BATCH];
			uint64_t first = seq;
			int n = 0;

			while (n < BATCH && (slots[n] = pw_segq_try_claim(&g_prod, W)) != NULL) {
				n++;
				seq++;
			}
			for (int i = n; i-- > 0;) {
				void *const vals[W] = { (void *)(p + 1), (void *)(uintptr_t)(first + i) };

				pw_segq_publish(slots[i], W, vals);
			}
			if (n == BATCH) {
				continue;
			}
		}
		{
			void *const vals[W] = { (void *)(p + 1), (void *)(uintptr_t)seq };

			ASSERT_EQ(pw_segq_push(&g_prod, &g_pool, W, vals), 0);
			seq++;
		}
		if (rnd(&seed) % 64 == 0) {
			/* Let the consumer drain and give back now and then. */
			usleep(rnd(&seed) % 50);
		}
	}
	atomic_store(&g_sent[p], seq);
	return NULL;
}

TEST_TIMEOUT(give_back_races_producers, 300)
{
	uint64_t secs = env_u64("PW_STRESS_SECONDS", 2);
	uint64_t expect[NPROD] = { 0 }, total = 0, give_backs = 0, end;
	pthread_t th[NPROD];
	void *out[32 * W];
	bool done = false;

	pw_segq_init_lazy(&g_prod, &g_cons, &g_pool);
	for (uintptr_t p = 0; p < NPROD; p++) {
		ASSERT_EQ(pthread_create(&th[p], NULL, producer, (void *)p), 0);
	}
	end = now_ns() + secs * 1000000000ull;
	while (!done) {
		uint32_t n = pw_segq_pop(&g_prod, &g_cons, &g_pool, W, out, 32);

		for (uint32_t i = 0; i < n; i++) {
			uintptr_t p = (uintptr_t)out[i * W] - 1;

			ASSERT_LT(p, NPROD);
			ASSERT_EQ((uint64_t)(uintptr_t)out[i * W + 1], expect[p]);
			expect[p]++;
			total++;
		}
		/* The deadline is checked after every pop, not only when the
		 * queue is found empty: producers that keep it from ever
		 * emptying (a loaded machine, a slow consumer under TSan) must
		 * not keep the test running until its timeout. */
		if (!atomic_load(&g_stop) && now_ns() >= end) {
			atomic_store(&g_stop, true);
			for (int p = 0; p < NPROD; p++) {
				ASSERT_EQ(pthread_join(th[p], NULL), 0);
			}
		}
		if (n > 0) {
			continue;
		}
		if (pw_segq_give_back(&g_prod, &g_cons, &g_pool, W)) {
			give_backs++;
		}
		if (atomic_load(&g_stop)) {
			done = true;
			for (int p = 0; p < NPROD; p++) {
				if (expect[p] != atomic_load(&g_sent[p])) {
					done = false;
				}
			}
		}
	}
	/* Everything in: the queue gives back its last segment. */
	ASSERT_FALSE(pw_segq_pending(&g_prod, &g_cons));
	pw_segq_give_back(&g_prod, &g_cons, &g_pool, W);
	ASSERT_EQ(atomic_load(&g_prod.tail), PW_SEGQ_NONE);
	ASSERT_EQ(pw_segq_pool_held(&g_pool), 0);
	pw_segq_fini(&g_prod, &g_cons, &g_pool);
	pw_segq_pool_drain(&g_pool);
	ASSERT_EQ(pw_segq_pool_chunks(&g_pool), 0);
	printf("# %" PRIu64 " entries, %" PRIu64 " give-backs\n", total, give_backs);
	ASSERT_GT(total, 0);
}

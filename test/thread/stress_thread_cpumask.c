/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of shared cpumasks (lib/thread/cpumask_pool.c) on real
 * pthreads.
 *
 * create_destroy_race_get_cpumask: NCREATORS pthreads each keep NSLOTS slots
 * filled with threads they create with one of NMASKS masks (interned,
 * shared: the table's references go up and down, entries are freed and made
 * again), and replace them at random (exit, poll, destroy: the reference is
 * dropped, the private copy freed). NREADERS other pthreads meanwhile take
 * the live threads out of the slots and call spdk_thread_get_cpumask() on
 * them (two readers at once on one thread: one private copy must be
 * installed, both get it), check it is the mask the thread was created with
 * and what pw_thread_get_cpumask() now returns, and spdk_cpuset_fmt() it
 * (each thread by one reader only: fmt writes the set's text, as in SPDK).
 * A wrong mask, two private copies, a leak (ASan) or a data race (TSan:
 * the copy's bytes against the exchange that installs it, the table against
 * its lock) fails. At the end the table is empty.
 *
 * A slot is handed over with a count of users: a reader adds itself, then
 * loads the slot; a creator empties the slot, then waits for its users to
 * leave (both sequentially consistent) before destroying the thread.
 *
 * Bounded by PW_STRESS_SECONDS (default 2).
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#include "harness.h"
#include "ut_stress.h"
#include "ut_stress_thread.h"

#include "thread/thread_internal.h"

#include <stdatomic.h>

#define NCREATORS	2
#define NREADERS	2
#define NSLOTS		8
#define NMASKS		4

struct slot {
	_Atomic(struct spdk_thread *)	thread;
	_Atomic uint32_t		users;
	uint32_t			mask_idx;	/* written before thread is published */
};

static struct slot g_slots[NCREATORS][NSLOTS];
static struct spdk_cpuset g_masks[NMASKS];
static char g_mask_str[NMASKS][SPDK_CPUSET_SIZE / 4 + 1];
static _Atomic bool g_stop;
static _Atomic uint64_t g_created, g_checked, g_fmts;

static void
fill(struct slot *s, uint64_t *seed)
{
	uint32_t m = (uint32_t)(rnd(seed) % NMASKS);
	struct spdk_thread *t = spdk_thread_create(NULL, &g_masks[m]);

	ASSERT_NOT_NULL(t);
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(t), &g_masks[m]));
	s->mask_idx = m;
	/* Pairs with the readers' seq_cst load of the slot (mask_idx before). */
	atomic_store_explicit(&s->thread, t, memory_order_seq_cst);
	atomic_fetch_add_explicit(&g_created, 1, memory_order_relaxed);
}

static void
empty(struct slot *s)
{
	/* Relaxed: only this creator writes the slot. */
	struct spdk_thread *t = atomic_load_explicit(&s->thread, memory_order_relaxed);

	/* Pairs with the readers' seq_cst increment of users then load of the
	 * slot: either they see NULL, or this sees their count. */
	atomic_store_explicit(&s->thread, NULL, memory_order_seq_cst);
	while (atomic_load_explicit(&s->users, memory_order_seq_cst) != 0) {
		sched_yield();
	}
	/* Still the mask it was created with: readers only read it. */
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(t), &g_masks[s->mask_idx]));
	thread_finish(t);
}

static void *
creator(void *arg)
{
	uint32_t c = (uint32_t)(uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (c + 1);

	for (uint32_t k = 0; k < NSLOTS; k++) {
		fill(&g_slots[c][k], &seed);
	}
	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		struct slot *s = &g_slots[c][rnd(&seed) % NSLOTS];

		empty(s);
		fill(s, &seed);
	}
	for (uint32_t k = 0; k < NSLOTS; k++) {
		empty(&g_slots[c][k]);
	}
	return NULL;
}

static void *
reader(void *arg)
{
	uint32_t r = (uint32_t)(uintptr_t)arg;

	while (!atomic_load_explicit(&g_stop, memory_order_relaxed)) {
		for (uint32_t c = 0; c < NCREATORS; c++) {
			for (uint32_t k = 0; k < NSLOTS; k++) {
				struct slot *s = &g_slots[c][k];
				struct spdk_thread *t;
				struct spdk_cpuset *m;

				/* Pairs with empty()'s store then load (see there). */
				atomic_fetch_add_explicit(&s->users, 1, memory_order_seq_cst);
				t = atomic_load_explicit(&s->thread, memory_order_seq_cst);
				if (t != NULL) {
					const struct spdk_cpuset *want = &g_masks[s->mask_idx];

					m = spdk_thread_get_cpumask(t);
					ASSERT_NOT_NULL(m);
					ASSERT_PTR_EQ(pw_thread_get_cpumask(t), m);
					ASSERT_PTR_EQ(spdk_thread_get_cpumask(t), m);
					ASSERT_TRUE(spdk_cpuset_equal(m, want));
					if ((c * NSLOTS + k) % NREADERS == r) {
						ASSERT_STR_EQ(spdk_cpuset_fmt(m),
							      g_mask_str[s->mask_idx]);
						atomic_fetch_add_explicit(&g_fmts, 1,
									  memory_order_relaxed);
					}
					atomic_fetch_add_explicit(&g_checked, 1, memory_order_relaxed);
				}
				/* Pairs with empty()'s seq_cst load of users. */
				atomic_fetch_sub_explicit(&s->users, 1, memory_order_seq_cst);
			}
		}
	}
	return NULL;
}

TEST_TIMEOUT(create_destroy_race_get_cpumask, 120)
{
	uint64_t seconds = env_u64("PW_STRESS_SECONDS", 2);
	pthread_t cr[NCREATORS], rd[NREADERS];
	struct spdk_thread *app;

	for (uint32_t m = 0; m < NMASKS; m++) {
		spdk_cpuset_zero(&g_masks[m]);
		spdk_cpuset_set_cpu(&g_masks[m], m, true);
		spdk_cpuset_set_cpu(&g_masks[m], 8 + m * 3, true);
		snprintf(g_mask_str[m], sizeof(g_mask_str[m]), "%x",
			 (1u << m) | (1u << (8 + m * 3)));
	}
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(app);

	for (uint32_t i = 0; i < NCREATORS; i++) {
		ASSERT_EQ(pthread_create(&cr[i], NULL, creator, (void *)(uintptr_t)i), 0);
	}
	for (uint32_t i = 0; i < NREADERS; i++) {
		ASSERT_EQ(pthread_create(&rd[i], NULL, reader, (void *)(uintptr_t)i), 0);
	}
	/* At least a little of everything, however slow the machine. */
	for (uint64_t end = now_ns() + seconds * 1000000000ull;
	     now_ns() < end || atomic_load(&g_fmts) < 100 || atomic_load(&g_created) < 200;) {
		usleep(10000);
	}
	atomic_store(&g_stop, true);
	for (uint32_t i = 0; i < NCREATORS; i++) {
		pthread_join(cr[i], NULL);
	}
	for (uint32_t i = 0; i < NREADERS; i++) {
		pthread_join(rd[i], NULL);
	}
	printf("%" PRIu64 " threads created, %" PRIu64 " masks checked, %" PRIu64 " formatted\n",
	       atomic_load(&g_created), atomic_load(&g_checked), atomic_load(&g_fmts));
	ASSERT_EQ(pw__cpumask_pool_count(), 0);
	thread_finish(app);
	spdk_thread_lib_fini();
}

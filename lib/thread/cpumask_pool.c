/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Threads' cpumasks (doc/design.md "Small threads", "Shared cpumasks").
 *
 * A struct spdk_cpuset is 385 bytes, and an application has a handful of
 * distinct thread masks, so a thread does not carry one: it holds a pointer
 * to an immutable, reference-counted copy shared by every thread with the
 * same mask (interned here at creation, released when the thread is freed),
 * and a private copy only once spdk_thread_get_cpumask() hands one out or
 * spdk_thread_set_cpumask() changes it (thread_info.c, thread_lib.c).
 *
 * The mask of every core (spdk_thread_create(name, NULL), the usual case) is
 * a static entry: no lock, no count. The others sit in a chained hash table
 * under a mutex, grown by doubling once it holds as many masks as buckets, and
 * freed once empty. An entry is freed when its last thread is freed: it is
 * read only through a live thread that holds a reference to it, so no reader
 * can still be reading it.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"

#define MASK_WORDS	(sizeof(((struct spdk_cpuset *)0)->cpus) / sizeof(uint64_t))
#define MIN_BUCKETS	16u

struct mask_ent {
	struct spdk_cpuset	set;	/* first: the pointer threads hold */
	struct mask_ent		*next;	/* in its bucket */
	uint64_t		hash;
	uint64_t		refs;	/* threads holding it */
};

/* Every core: what a thread created with a NULL mask holds. Never freed. */
static struct mask_ent g_all = {
	.set = { .cpus = { [0 ... sizeof(g_all.set.cpus) - 1] = 0xff } },
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mask_ent **g_buckets;	/* NULL while no entry */
static uint32_t g_nbuckets;		/* a power of two, or 0 */
static uint32_t g_count;		/* entries in the table */

static uint64_t
mask_hash(const struct spdk_cpuset *set, bool *all)
{
	uint64_t h = 0x9e3779b97f4a7c15ull, w, and = ~0ull;

	for (size_t i = 0; i < MASK_WORDS; i++) {
		memcpy(&w, &set->cpus[i * sizeof(w)], sizeof(w));
		and &= w;
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	*all = and == ~0ull;
	return h;
}

/* Double the table (or make the first one). On failure the table stays as it
 * is: chains get longer, nothing breaks. Called with g_lock held. */
static int
grow(void)
{
	uint32_t n = g_nbuckets == 0 ? MIN_BUCKETS : g_nbuckets * 2;
	struct mask_ent **b = calloc(n, sizeof(*b));

	if (b == NULL) {
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < g_nbuckets; i++) {
		struct mask_ent *e = g_buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(g_buckets);
	g_buckets = b;
	g_nbuckets = n;
	return 0;
}

const struct spdk_cpuset *
pw__cpumask_intern(const struct spdk_cpuset *mask)
{
	struct mask_ent *e;
	uint64_t h;
	bool all;

	if (mask == NULL) {
		return &g_all.set;
	}
	h = mask_hash(mask, &all);
	if (all) {
		return &g_all.set;
	}
	pthread_mutex_lock(&g_lock);
	if (g_nbuckets > 0) {
		for (e = g_buckets[h & (g_nbuckets - 1)]; e != NULL; e = e->next) {
			if (e->hash == h && memcmp(e->set.cpus, mask->cpus, sizeof(e->set.cpus)) == 0) {
				e->refs++;
				pthread_mutex_unlock(&g_lock);
				return &e->set;
			}
		}
	}
	if (g_count >= g_nbuckets && grow() != 0 && g_nbuckets == 0) {
		pthread_mutex_unlock(&g_lock);
		SPDK_ERRLOG("no memory for the table of thread cpumasks\n");
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		if (g_count == 0) {
			free(g_buckets);
			g_buckets = NULL;
			g_nbuckets = 0;
		}
		pthread_mutex_unlock(&g_lock);
		SPDK_ERRLOG("no memory for a thread cpumask\n");
		return NULL;
	}
	memcpy(e->set.cpus, mask->cpus, sizeof(e->set.cpus));
	e->hash = h;
	e->refs = 1;
	e->next = g_buckets[h & (g_nbuckets - 1)];
	g_buckets[h & (g_nbuckets - 1)] = e;
	g_count++;
	pthread_mutex_unlock(&g_lock);
	return &e->set;
}

void
pw__cpumask_release(const struct spdk_cpuset *shared)
{
	struct mask_ent *e, **link;

	if (shared == NULL || shared == &g_all.set) {
		return;
	}
	e = SPDK_CONTAINEROF(shared, struct mask_ent, set);
	pthread_mutex_lock(&g_lock);
	assert(e->refs > 0);
	if (--e->refs > 0) {
		pthread_mutex_unlock(&g_lock);
		return;
	}
	for (link = &g_buckets[e->hash & (g_nbuckets - 1)]; *link != e; link = &(*link)->next) {
	}
	*link = e->next;
	if (--g_count == 0) {
		free(g_buckets);
		g_buckets = NULL;
		g_nbuckets = 0;
	}
	pthread_mutex_unlock(&g_lock);
	free(e);
}

uint32_t
pw__cpumask_pool_count(void)
{
	uint32_t n;

	pthread_mutex_lock(&g_lock);
	n = g_count;
	pthread_mutex_unlock(&g_lock);
	return n;
}

/* ---------------------------------------------------------------------------
 * A thread's masks
 * ------------------------------------------------------------------------- */

struct spdk_cpuset *
pw__thread_own_cpumask(struct spdk_thread *thread)
{
	struct spdk_cpuset *own, *expected = NULL;

	/* Pairs with the release of the exchange below (by any pthread): the
	 * copy's bytes are seen filled in. */
	own = atomic_load_explicit(&thread->cpumask_own, memory_order_acquire);
	if (own != NULL) {
		return own;
	}
	own = calloc(1, sizeof(*own));
	if (own == NULL) {
		return NULL;
	}
	spdk_cpuset_copy(own, thread->cpumask_shared);
	/* Release pairs with the acquire load above and in
	 * pw_thread_get_cpumask(); the acquire on failure pairs with the winner's
	 * release, whose copy is then ours. */
	if (!atomic_compare_exchange_strong_explicit(&thread->cpumask_own, &expected, own,
			memory_order_acq_rel, memory_order_acquire)) {
		free(own);
		own = expected;
	}
	return own;
}

void
pw__thread_cpumask_fini(struct spdk_thread *thread)
{
	/* Relaxed: the thread is being freed, no other pthread reads it. */
	free(atomic_load_explicit(&thread->cpumask_own, memory_order_relaxed));
	atomic_store_explicit(&thread->cpumask_own, NULL, memory_order_relaxed);
	pw__cpumask_release(thread->cpumask_shared);
	thread->cpumask_shared = NULL;
}

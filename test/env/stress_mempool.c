/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress of spdk_mempool on real pthreads (run under ThreadSanitizer in CI).
 *
 * Several workers get and put elements, singly and in bulk, and hand
 * elements to one another through inboxes (get on one pthread, put on
 * another). Every element carries an owner stamp: a get must find it 0 and
 * sets it to the taker's id (with a CAS, so two owners at once are caught);
 * a hand-over rewrites it to the receiver's id; a put checks and clears it.
 * At the end every element must be home exactly once: count() equals the
 * pool size, one bulk get returns every element, each once, all unstamped.
 *
 * Other tests race pthread exit (whose key destructor flushes caches)
 * against ongoing traffic and against spdk_mempool_free() of the pool.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/util.h"
#include "env/mempool_internal.h"

#include "harness.h"
#include "log_capture.h"

#if defined(__SANITIZE_THREAD__)
#define PW_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PW_UNDER_TSAN 1
#endif
#endif
#ifndef PW_UNDER_TSAN
#define PW_UNDER_TSAN 0
#endif

#define NWORKERS	4
#define MAX_HELD	256
#define INBOX_SIZE	MAX_HELD
#define MAX_BULK	40

struct elem {
	uint32_t	owner;		/* 0: in the pool; else the holder's id */
	uint32_t	handoffs;
	uint64_t	uses;
};

struct inbox {
	pthread_mutex_t	lock;
	void		*objs[INBOX_SIZE];
	size_t		head, len;
};

struct worker {
	unsigned		id;		/* 1..NWORKERS */
	struct spdk_mempool	*mp;
	struct inbox		inbox;
	struct worker		*all;
	pthread_barrier_t	*bar;
	uint64_t		ops;
	size_t			max_held;	/* also the inbox capacity */
	uint64_t		rnd;
	void			*held[MAX_HELD];
	size_t			nheld;
	uint64_t		gets, puts, sent, received, empty;
};

static uint64_t
ops_per_worker(uint64_t normal)
{
	const char *s = getenv("PW_STRESS_OPS");

	if (s != NULL && strtoull(s, NULL, 10) > 0) {
		return strtoull(s, NULL, 10);
	}
	return PW_UNDER_TSAN ? normal / 5 : normal;
}

static uint64_t
next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
stamp(struct elem *e, uint32_t from, uint32_t to)
{
	uint32_t expect = from;

	/* Relaxed CAS: the pool's own synchronisation orders the hand-out;
	 * the CAS only has to be atomic to catch two owners. */
	if (!__atomic_compare_exchange_n(&e->owner, &expect, to, false, __ATOMIC_RELAXED,
					 __ATOMIC_RELAXED)) {
		FAIL("element %p: owner %u, expected %u (about to become %u)", (void *)e,
		     expect, from, to);
	}
}

static void
take(struct worker *w, void *obj)
{
	struct elem *e = obj;

	stamp(e, 0, w->id);
	e->uses++;	/* plain write: TSan reports it if two pthreads own e */
	ASSERT_LT(w->nheld, w->max_held);
	w->held[w->nheld++] = obj;
	w->gets++;
}

static void *
drop_one(struct worker *w, size_t i)
{
	void *obj = w->held[i];

	w->held[i] = w->held[--w->nheld];
	stamp(obj, w->id, 0);
	w->puts++;
	return obj;
}

static void
inbox_drain(struct worker *w)
{
	struct inbox *in = &w->inbox;

	pthread_mutex_lock(&in->lock);
	while (in->len > 0 && w->nheld < w->max_held) {
		struct elem *e = in->objs[in->head];

		in->head = (in->head + 1) % INBOX_SIZE;
		in->len--;
		/* The sender stamped it with our id before handing it over. */
		ASSERT_EQ(__atomic_load_n(&e->owner, __ATOMIC_RELAXED), w->id);
		e->handoffs++;
		w->held[w->nheld++] = e;
		w->received++;
	}
	pthread_mutex_unlock(&in->lock);
}

static size_t
inbox_len(struct worker *w)
{
	size_t len;

	pthread_mutex_lock(&w->inbox.lock);
	len = w->inbox.len;
	pthread_mutex_unlock(&w->inbox.lock);
	return len;
}

static bool
send_one(struct worker *w, struct worker *to)
{
	struct inbox *in = &to->inbox;
	void *obj;
	bool ok = false;

	if (w->nheld == 0) {
		return false;
	}
	obj = w->held[w->nheld - 1];
	pthread_mutex_lock(&in->lock);
	if (in->len < to->max_held) {
		stamp(obj, w->id, to->id);
		in->objs[(in->head + in->len) % INBOX_SIZE] = obj;
		in->len++;
		w->nheld--;
		w->sent++;
		ok = true;
	}
	pthread_mutex_unlock(&in->lock);
	return ok;
}

static void
put_all(struct worker *w)
{
	void *batch[MAX_HELD];
	size_t n = 0;

	while (w->nheld > 0) {
		batch[n++] = drop_one(w, w->nheld - 1);
	}
	spdk_mempool_put_bulk(w->mp, batch, n);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	void *batch[MAX_BULK];
	uint64_t op;
	size_t i, k;

	for (op = 0; op < w->ops; op++) {
		uint64_t r = next_rand(&w->rnd);

		switch (r % 8) {
		case 0:
		case 1: {
			void *obj = spdk_mempool_get(w->mp);

			if (obj != NULL) {
				if (w->nheld == w->max_held) {
					spdk_mempool_put(w->mp, drop_one(w, 0));
				}
				take(w, obj);
			} else {
				w->empty++;
			}
			break;
		}
		case 2:
			k = 1 + (size_t)((r >> 8) % spdk_min((size_t)MAX_BULK, w->max_held));
			if (w->nheld + k > w->max_held) {
				break;
			}
			if (spdk_mempool_get_bulk(w->mp, batch, k) == 0) {
				for (i = 0; i < k; i++) {
					take(w, batch[i]);
				}
			} else {
				w->empty++;
			}
			break;
		case 3:
		case 4:
			if (w->nheld > 0) {
				spdk_mempool_put(w->mp, drop_one(w, (size_t)(r >> 8) % w->nheld));
			}
			break;
		case 5:
			k = spdk_min(w->nheld, 1 + (size_t)((r >> 8) % MAX_BULK));
			for (i = 0; i < k; i++) {
				batch[i] = drop_one(w, w->nheld - 1);
			}
			spdk_mempool_put_bulk(w->mp, batch, k);
			break;
		case 6:
			send_one(w, &w->all[(r >> 8) % NWORKERS]);
			break;
		default:
			inbox_drain(w);
			if ((r >> 8) % 64 == 0) {
				/* A snapshot while others work: never above the size. */
				ASSERT_LE(spdk_mempool_count(w->mp), w->mp->count);
			}
			/* The store's own count, enq - deq, may exceed the size
			 * (others get and put between its two loads) but must
			 * not wrap, as it would if enq were read older than deq. */
			ASSERT_LT(pw__mempool_store_count(w->mp), SIZE_MAX / 2);
			break;
		}
	}
	/* No more sending after this point: drain what others sent, put all. */
	pthread_barrier_wait(w->bar);
	do {
		inbox_drain(w);
		put_all(w);
	} while (inbox_len(w) > 0);
	return NULL;
}

static void
count_unstamped(struct spdk_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct elem *e = obj;

	ASSERT_EQ(__atomic_load_n(&e->owner, __ATOMIC_RELAXED), 0);
	(*(size_t *)arg)++;
}

/* Every element home exactly once, and the pool still fully usable. */
static void
check_all_home(struct spdk_mempool *mp)
{
	size_t n = mp->count, seen = 0, i;
	void **all = calloc(n, sizeof(void *));
	char *mark = calloc(n, 1);

	ASSERT_NOT_NULL(all);
	ASSERT_NOT_NULL(mark);
	ASSERT_EQ(spdk_mempool_count(mp), n);
	ASSERT_EQ(pw__mempool_store_count(mp) + pw__mempool_cached_count(mp), n);
	ASSERT_EQ(spdk_mempool_obj_iter(mp, count_unstamped, &seen), n);
	ASSERT_EQ(seen, n);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, all, n), 0);
	ASSERT_NULL(spdk_mempool_get(mp));
	for (i = 0; i < n; i++) {
		size_t idx = ((uintptr_t)all[i] - (uintptr_t)mp->base) / mp->stride;

		ASSERT_LT(idx, n);
		ASSERT_EQ((uintptr_t)all[i], (uintptr_t)mp->base + idx * mp->stride);
		ASSERT_EQ(mark[idx], 0);
		mark[idx] = 1;
	}
	spdk_mempool_put_bulk(mp, all, n);
	ASSERT_EQ(spdk_mempool_count(mp), n);
	free(all);
	free(mark);
}

/* Each worker holds (and receives into its inbox) at most count / hold_div
 * elements. */
static void
run_workers(const char *name, size_t count, size_t cache, uint64_t ops, size_t hold_div)
{
	struct worker *w = calloc(NWORKERS, sizeof(*w));
	pthread_t t[NWORKERS];
	pthread_barrier_t bar;
	struct spdk_mempool *mp;
	uint64_t gets = 0, puts = 0, sent = 0, received = 0;
	unsigned i;

	log_capture_start();
	mp = spdk_mempool_create(name, count, sizeof(struct elem), cache, SPDK_ENV_NUMA_ID_ANY);
	ASSERT_NOT_NULL(w);
	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, NWORKERS), 0);
	for (i = 0; i < NWORKERS; i++) {
		w[i].id = i + 1;
		w[i].mp = mp;
		w[i].all = w;
		w[i].bar = &bar;
		w[i].ops = ops;
		w[i].max_held = spdk_min((size_t)MAX_HELD, count / hold_div);
		w[i].rnd = 0x9e3779b97f4a7c15ULL * (i + 1);
		pthread_mutex_init(&w[i].inbox.lock, NULL);
	}
	for (i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
	}
	for (i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(w[i].nheld, 0);
		ASSERT_EQ(w[i].inbox.len, 0);
		gets += w[i].gets;
		puts += w[i].puts;
		sent += w[i].sent;
		received += w[i].received;
	}
	/* Every hand-over arrived; every element taken was put back once. */
	ASSERT_EQ(sent, received);
	ASSERT_EQ(gets, puts);
	ASSERT_GT(gets, 0);
	/* The exiting workers' key destructors emptied their caches. */
	ASSERT_EQ(pw__mempool_cached_count(mp), 0);
	check_all_home(mp);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	printf("%s: %" PRIu64 " gets, %" PRIu64 " hand-overs, %" PRIu64 " empty\n", name, gets,
	       sent, w[0].empty + w[1].empty + w[2].empty + w[3].empty);
	spdk_mempool_free(mp);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	pthread_barrier_destroy(&bar);
	free(w);
}

TEST_TIMEOUT(cached_pool_many_workers, 600)
{
	/* Held plus inbox elements stay under half the pool, so the pool
	 * itself (store and caches) keeps circulating. */
	run_workers("stress_cached", 4096, 32, ops_per_worker(2000000), 4 * NWORKERS);
}

TEST_TIMEOUT(uncached_pool_many_workers, 600)
{
	run_workers("stress_uncached", 2048, 0, ops_per_worker(1000000), 4 * NWORKERS);
}

/* More demand than elements: gets fail often, caches drain and refill, and
 * the store runs empty and full. */
TEST_TIMEOUT(tiny_pool_contended, 600)
{
	run_workers("stress_tiny", 64, SPDK_MEMPOOL_DEFAULT_CACHE_SIZE, ops_per_worker(1000000),
		    NWORKERS);
}

/*
 * The shared store alone (cache_size 0), so that every get and put claims
 * positions on the two indices, with a pool whose size is a power of two:
 * the store has no spare cell. Four workers hold at most 2 elements and
 * receive at most 2 more each, 16 in all, so the store runs exactly empty
 * and exactly full. A put checked against a deq older than the gets before
 * it would be refused as a double put (logged and its element dropped: both
 * caught at the end), and a get that read an enq older than deq would wrap
 * the store's count (caught by the workers' snapshot check) and claim cells
 * nobody fills (a hang: caught by the timeout). x86 does not reorder the
 * loads that allow either (test/env/model/ shows both under the C11 model),
 * so on x86 this checks the protocol end to end and, under TSan, that the
 * store orders each element's data between its owners.
 */
TEST_TIMEOUT(store_only_exact_fit, 600)
{
	run_workers("stress_store_exact", 16, 0, ops_per_worker(200000), 8);
}

/* The same with bulk claims of up to 16 positions on a pool of 64 that the
 * workers' holds can empty: all or nothing under contention. */
TEST_TIMEOUT(store_only_bulk_claims, 600)
{
	run_workers("stress_store_bulk", 64, 0, ops_per_worker(200000), 4);
}

/* ---- pthread exit racing with traffic and with free ----------------------- */

struct churn {
	struct spdk_mempool	*shared;	/* used by everyone, lives on */
	/* created per round, freed by the creator */
	struct spdk_mempool	*own;
	uint32_t		done_with_own;	/* set by the short-lived pthread */
};

static void *
short_lived(void *arg)
{
	struct churn *c = arg;
	void *a[8];
	int i;

	for (i = 0; i < 20; i++) {
		if (spdk_mempool_get_bulk(c->own, a, 8) == 0) {
			spdk_mempool_put_bulk(c->own, a, 8);
		}
		a[0] = spdk_mempool_get(c->shared);
		if (a[0] != NULL) {
			spdk_mempool_put(c->shared, a[0]);
		}
	}
	/* Pairs with the acquire load in churn_main(): our use of own is
	 * over, the creator may free it while we still hold a cache of it. */
	__atomic_store_n(&c->done_with_own, 1, __ATOMIC_RELEASE);
	/* Keep using the shared pool, then exit: the key destructor flushes
	 * the shared pool's cache and must not touch own, freed or not. */
	for (i = 0; i < 50; i++) {
		a[0] = spdk_mempool_get(c->shared);
		if (a[0] != NULL) {
			spdk_mempool_put(c->shared, a[0]);
		}
	}
	return NULL;
}

struct churner {
	struct spdk_mempool	*shared;
	unsigned		id;
	unsigned		rounds;
};

static void *
churn_main(void *arg)
{
	struct churner *ch = arg;
	char name[SPDK_MAX_MEMPOOL_NAME_LEN + 1];
	unsigned r;

	for (r = 0; r < ch->rounds; r++) {
		struct churn c = { .shared = ch->shared };
		pthread_t t;

		snprintf(name, sizeof(name), "own_%u_%u", ch->id, r);
		c.own = spdk_mempool_create(name, 256, 32, 16, 0);
		ASSERT_NOT_NULL(c.own);
		ASSERT_EQ(pthread_create(&t, NULL, short_lived, &c), 0);
		/* Pairs with the release store in short_lived(). */
		while (__atomic_load_n(&c.done_with_own, __ATOMIC_ACQUIRE) == 0) {
			sched_yield();
		}
		/* Elements in the short-lived pthread's cache count as home. */
		ASSERT_EQ(spdk_mempool_count(c.own), 256);
		spdk_mempool_free(c.own);
		ASSERT_EQ(pthread_join(t, NULL), 0);
	}
	return NULL;
}

TEST_TIMEOUT(pthread_exit_races_traffic_and_free, 600)
{
	struct spdk_mempool *shared;
	struct churner ch[2];
	pthread_t t[2];
	unsigned rounds = PW_UNDER_TSAN ? 500 : 2000, i;

	log_capture_start();
	shared = spdk_mempool_create("churn_shared", 64, 16, 8, 0);
	ASSERT_NOT_NULL(shared);
	for (i = 0; i < 2; i++) {
		ch[i].shared = shared;
		ch[i].id = i;
		ch[i].rounds = rounds;
		ASSERT_EQ(pthread_create(&t[i], NULL, churn_main, &ch[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
	}
	ASSERT_EQ(pw__mempool_cached_count(shared), 0);
	ASSERT_EQ(spdk_mempool_count(shared), 64);
	ASSERT_EQ(pw__mempool_store_count(shared), 64);
	/* No pool was freed with elements out, nothing overflowed. */
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	spdk_mempool_free(shared);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
}

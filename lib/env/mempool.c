/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Memory pools: fixed-size elements, taken and returned by any pthread.
 *
 * Layout. One allocation holds every element, each starting on a cache line
 * (the stride is the element size rounded up to 64 bytes); element i is at
 * base + i * stride, which is also the index the constructor sees.
 *
 * Shared store. The free elements that no pthread caches sit in a bounded
 * multi-producer multi-consumer array of pointers whose length is the next
 * power of two >= count, so it can never be full in correct use. Every cell
 * carries a sequence number: cell (p mod size) may be written by the
 * producer of position p once its number is p, and read by the consumer of
 * position p once it is p + 1; the consumer then sets it to p + size for the
 * next lap. A getter or putter claims a run of positions with one CAS on the
 * consumer or producer index (each alone on its cache line), then waits on
 * each cell until the thread that claimed the cell on the other side has
 * finished with it - a window of a few instructions. That makes bulk
 * operations all or nothing for free (the CAS claims all n positions or
 * none) and costs one CAS per batch.
 *   Ordering (C11, not only x86): the cells' sequence numbers order the
 * elements (release store by one side, acquire wait by the other). The two
 * indices only have to be fresh enough for their checks. The CAS on each
 * index is a release, and a side reads its own index (deq for getters, enq
 * for putters, also as the reload of a failed CAS) with an acquire and the
 * other side's relaxed: a getter that reads deq then sees an enq at least
 * as new as the one that deq's writer saw (enq >= deq: no wrap, no wait for
 * cells nobody fills), and a putter that reads enq sees the deq of every
 * get that preceded the puts behind that enq (no false double put). No
 * store-load order is needed, hence no seq_cst. doc/design.md gives the
 * interleavings that relaxed loads allowed.
 *   Why not a mutex-protected stack: with caching disabled (cache_size 0)
 * every get and put reaches the store, and two pthreads contending on a
 * mutex end up in futex syscalls. Why not a lock-free LIFO list: it needs ABA
 * protection (a double-width CAS or tagged pointers) and a bulk get from it is
 * not atomic. The FIFO order of the array is harmless: the per-pthread caches
 * are LIFO, so hot elements are reused while they are still in cache.
 *
 * Per-pthread caches (see mempool_cache.c for slots). A get pops from the
 * calling pthread's cache; an empty cache is refilled with up to batch + the
 * shortfall elements in one claim. A put pushes onto it; a full cache first
 * moves its newest elements down to batch below capacity. batch is half the
 * capacity, so alternating gets and puts at either edge do not bounce.
 * Requests larger than the capacity bypass the cache. As in DPDK, elements in
 * another pthread's cache cannot be had by get, but spdk_mempool_count()
 * includes them.
 *
 * Cache size rule. cache = min(asked, count / 2 / usable CPUs, 512), where
 * SPDK_MEMPOOL_DEFAULT_CACHE_SIZE asks for the most: with one busy pthread per
 * usable CPU, at most half the pool sits in caches, so a pool of 16 elements
 * on 2 CPUs caches at most 4 elements per pthread and other pthreads still
 * find 8 in the store. SPDK's rule is the same with env cores in place of
 * CPUs; an explicit size is clamped too. A pool too small for the rule (say
 * 3 elements on 2 CPUs) does not cache at all.
 *
 * Contract checks. put verifies that the pointer is one of the pool's
 * elements (a range check and an exact-division test by multiplication, no
 * divide) and logs and ignores it otherwise. A double put is noticed only
 * when the store would overflow, and then logged.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/likely.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "env/env_internal.h"
#include "env/mempool_internal.h"

/* Spins on a cell before yielding the CPU: the thread we wait for is inside a
 * few-instruction window unless it was preempted. */
#define CELL_SPINS_BEFORE_YIELD	1024

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdk_mempool) g_pools = TAILQ_HEAD_INITIALIZER(g_pools);

void
pw__mempool_lock(void)
{
	pthread_mutex_lock(&g_lock);
}

void
pw__mempool_unlock(void)
{
	pthread_mutex_unlock(&g_lock);
}

/* Wait until a cell's sequence number reaches want. The acquire load pairs
 * with the release store of the thread on the other side of the cell (the
 * publishing store in store_put() or the freeing store in
 * pw__mempool_store_get()). */
static inline void
cell_wait(struct pw_mempool_cell *cell, uint64_t want)
{
	unsigned spins = 0;

	while (__atomic_load_n(&cell->seq, __ATOMIC_ACQUIRE) != want) {
		if (++spins < CELL_SPINS_BEFORE_YIELD) {
			pw__pause();
		} else {
			sched_yield();
			spins = 0;
		}
	}
}

/* Take at least min and at most n elements from the shared store into objs.
 * Returns how many were taken: 0 when fewer than min were there. */
size_t
pw__mempool_store_get(struct spdk_mempool *mp, void **objs, size_t n, size_t min)
{
	uint64_t pos, avail;
	size_t k, i;

	/* Acquire: pairs with the release CAS on deq below by the getter that
	 * wrote this value (and, deq being written by RMWs only, by every
	 * getter before it). Each of them read enq >= the deq it wrote before
	 * its CAS, so that read happens-before our read of enq, which cannot
	 * return an older value (read-read coherence): enq >= pos. A relaxed
	 * load here lets enq come back older than pos (see doc/design.md). */
	pos = __atomic_load_n(&mp->deq, __ATOMIC_ACQUIRE);
	do {
		/* Relaxed: the acquire on deq above (or the CAS failure below)
		 * already bounds it from below by pos, so this cannot wrap.
		 * Positions below enq have a producer that claimed them and
		 * will publish; the cells order the data. */
		avail = __atomic_load_n(&mp->enq, __ATOMIC_RELAXED) - pos;
		if (avail < min) {
			return 0;
		}
		k = avail < n ? (size_t)avail : n;
		/* Success is a release that pairs with the acquire load of deq
		 * (or the acquire failure of this CAS) in later getters and in
		 * pw__mempool_store_count(): it publishes our read of enq. Failure
		 * is an acquire reload of pos, for the same reason as the load
		 * above. */
	} while (!__atomic_compare_exchange_n(&mp->deq, &pos, pos + k, true,
					      __ATOMIC_RELEASE, __ATOMIC_ACQUIRE));

	for (i = 0; i < k; i++) {
		struct pw_mempool_cell *cell = &mp->cells[(pos + i) & mp->mask];

		cell_wait(cell, pos + i + 1);
		objs[i] = cell->obj;
		/* Pairs with the acquire in cell_wait() of the producer that
		 * next claims this cell (store_put()): our read of obj happens
		 * before its write. */
		__atomic_store_n(&cell->seq, pos + i + mp->mask + 1, __ATOMIC_RELEASE);
	}
	return k;
}

/* Put n elements into the shared store, all or nothing. False only when the
 * store would hold more elements than the pool has (an element put twice). */
static bool
store_put(struct spdk_mempool *mp, void *const *objs, size_t n)
{
	uint64_t pos, deq, size = mp->mask + 1;
	size_t i;

	/* Acquire: pairs with the release CAS on enq below by the putter that
	 * wrote this value (and, enq being written by RMWs only, by every
	 * putter before it). Each element they put, and each of ours, was
	 * taken by a get whose CAS on deq happens-before that put, so those
	 * CASes happen-before our read of deq below, which therefore sees
	 * deq >= pos + n - count (write-read coherence) and the check passes
	 * for every correct put. A relaxed load here lets deq come back older
	 * and a correct put look like a double put (see doc/design.md). */
	pos = __atomic_load_n(&mp->enq, __ATOMIC_ACQUIRE);
	do {
		/* Relaxed: bounded from below by the acquire above. A deq
		 * older than the truth can only make the store look fuller,
		 * never emptier, so an overflow is never let through; when pos
		 * is stale the difference may even be negative, and then the
		 * CAS fails. */
		deq = __atomic_load_n(&mp->deq, __ATOMIC_RELAXED);
		if ((int64_t)(pos + n - deq) > (int64_t)size) {
			return false;
		}
		/* Success is a release that pairs with the acquire load of enq
		 * (or the acquire failure of this CAS) in later putters: it
		 * publishes the gets that preceded our put. Failure is an
		 * acquire reload of pos, as above. */
	} while (!__atomic_compare_exchange_n(&mp->enq, &pos, pos + n, true,
					      __ATOMIC_RELEASE, __ATOMIC_ACQUIRE));

	for (i = 0; i < n; i++) {
		struct pw_mempool_cell *cell = &mp->cells[(pos + i) & mp->mask];

		/* The consumer of the previous lap may still be reading it. */
		cell_wait(cell, pos + i);
		cell->obj = objs[i];
		/* Pairs with the acquire in cell_wait() of the consumer of
		 * this position (pw__mempool_store_get()). */
		__atomic_store_n(&cell->seq, pos + i + 1, __ATOMIC_RELEASE);
	}
	return true;
}

/* store_put(), and when the store is full (an element was put twice), as
 * many as still fit, one by one. Returns how many were dropped. */
static size_t
store_put_or_drop(struct spdk_mempool *mp, void *const *objs, size_t n)
{
	size_t i, dropped = 0;

	if (spdk_likely(store_put(mp, objs, n))) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!store_put(mp, &objs[i], 1)) {
			dropped++;
		}
	}
	return dropped;
}

void
pw__mempool_store_put_logged(struct spdk_mempool *mp, void *const *objs, size_t n)
{
	size_t dropped = store_put_or_drop(mp, objs, n);

	if (spdk_unlikely(dropped > 0)) {
		SPDK_ERRLOG_RATELIMIT("mempool %s: %zu element(s) returned beyond the %zu it "
				      "holds (one put twice?); dropped\n", mp->name, dropped,
				      mp->count);
	}
}

/* The calling pthread's cache of mp, or NULL when mp does not cache or the
 * pthread has no slot (or no memory for a cache). */
static inline struct pw_mempool_cache *
my_cache(struct spdk_mempool *mp)
{
	unsigned t = pw__mempool_tslot;
	struct pw_mempool_cache *c;

	if (mp->cache_size == 0) {
		return NULL;
	}
	/* Both UNSET (0) and NONE (UINT_MAX) fall out of range here. */
	if (spdk_unlikely(t - 1 >= PW_MEMPOOL_MAX_SLOTS)) {
		if (t != PW_MEMPOOL_TSLOT_UNSET) {
			return NULL;
		}
		t = pw__mempool_slot_acquire();
		if (t == PW_MEMPOOL_TSLOT_NONE) {
			return NULL;
		}
	}
	/* Relaxed: this pthread is the only writer of its slot's entry (a
	 * previous owner of the slot handed it over under the pool lock). */
	c = __atomic_load_n(&mp->caches[t - 1], __ATOMIC_RELAXED);
	if (spdk_unlikely(c == NULL)) {
		c = pw__mempool_cache_create(mp, t - 1);
	}
	return c;
}

static inline bool
is_element(const struct spdk_mempool *mp, const void *ele)
{
	uint64_t off = (uint64_t)((uintptr_t)ele - (uintptr_t)mp->base);

	if (spdk_unlikely(off >= mp->span)) {
		return false;
	}
	if (spdk_unlikely((off & ((UINT64_C(1) << mp->stride_shift) - 1)) != 0)) {
		return false;
	}
	return spdk_likely((off >> mp->stride_shift) * mp->stride_inv <= mp->stride_lim);
}

static void
log_not_element(const struct spdk_mempool *mp, const void *ele)
{
	SPDK_ERRLOG_RATELIMIT("mempool %s: %p is not one of its elements; put ignored\n",
			      mp->name, ele);
}

size_t
pw__mempool_store_count(const struct spdk_mempool *mp)
{
	/* Acquire: pairs with the release CAS on deq in
	 * pw__mempool_store_get(), whose writer had read enq >= that deq; our
	 * read of enq, after it, cannot be older (read-read coherence), so the
	 * difference cannot wrap. It can exceed the pool's size, since others
	 * may get and put between the two loads: callers clamp. */
	uint64_t deq = __atomic_load_n(&mp->deq, __ATOMIC_ACQUIRE);
	/* Relaxed: bounded from below by the acquire above. */
	uint64_t enq = __atomic_load_n(&mp->enq, __ATOMIC_RELAXED);

	return (size_t)(enq - deq);
}

size_t
pw__mempool_flush_slot_locked(unsigned slot)
{
	struct spdk_mempool *mp;
	size_t dropped = 0;

	TAILQ_FOREACH(mp, &g_pools, link) {
		/* Relaxed: the caller owns the slot and wrote the entry. */
		struct pw_mempool_cache *c = __atomic_load_n(&mp->caches[slot], __ATOMIC_RELAXED);
		size_t len;

		if (c == NULL || (len = pw__mempool_cache_len(c)) == 0) {
			continue;
		}
		pw__mempool_cache_set_len(c, 0);
		dropped += store_put_or_drop(mp, c->objs, len);
	}
	return dropped;
}

static struct spdk_mempool *
find_locked(const char *name)
{
	struct spdk_mempool *mp;

	TAILQ_FOREACH(mp, &g_pools, link) {
		if (strcmp(mp->name, name) == 0) {
			return mp;
		}
	}
	return NULL;
}

static void
destroy(struct spdk_mempool *mp)
{
	unsigned s;

	for (s = 0; s < PW_MEMPOOL_MAX_SLOTS; s++) {
		free(mp->caches[s]);
	}
	free(mp->cells);
	free(mp->base);
	free(mp);
}

/* Precompute the membership test of is_element(). */
static void
set_stride(struct spdk_mempool *mp, size_t stride)
{
	uint64_t odd, inv;
	int i;

	mp->stride = stride;
	mp->stride_shift = (unsigned)__builtin_ctzll(stride);
	odd = stride >> mp->stride_shift;
	/* Newton's iteration for the inverse of odd modulo 2^64: each step
	 * doubles the correct low bits, starting from 3 (odd * odd = 1 mod 8). */
	inv = odd;
	for (i = 0; i < 5; i++) {
		inv *= 2 - odd * inv;
	}
	mp->stride_inv = inv;
	mp->stride_lim = UINT64_MAX / odd;
}

PW_EXPORT struct spdk_mempool *
spdk_mempool_create_ctor(const char *name, size_t count, size_t ele_size, size_t cache_size,
			 int numa_id, spdk_mempool_obj_cb_t *obj_init, void *obj_init_arg)
{
	struct spdk_mempool *mp = NULL;
	size_t stride, cells, i;
	bool dup;

	if (name == NULL) {
		SPDK_ERRLOG("mempool: the name is NULL\n");
		return NULL;
	}
	if (strnlen(name, SPDK_MAX_MEMPOOL_NAME_LEN + 1) > SPDK_MAX_MEMPOOL_NAME_LEN) {
		SPDK_ERRLOG("mempool: name \"%s\" is longer than %d characters\n", name,
			    SPDK_MAX_MEMPOOL_NAME_LEN);
		return NULL;
	}
	if (count == 0) {
		SPDK_ERRLOG("mempool %s: element count is 0\n", name);
		return NULL;
	}
	if (ele_size == 0) {
		SPDK_ERRLOG("mempool %s: element size is 0\n", name);
		return NULL;
	}
	/* Indices reach the constructor as unsigned and obj_iter counts in 32 bits. */
	if (count > UINT32_MAX || ele_size > SIZE_MAX / 2 ||
	    count > SIZE_MAX / SPDK_ALIGN_CEIL(ele_size, (size_t)SPDK_CACHE_LINE_SIZE)) {
		SPDK_ERRLOG("mempool %s: %zu elements of %zu bytes is too large\n", name, count,
			    ele_size);
		return NULL;
	}
	stride = SPDK_ALIGN_CEIL(ele_size, (size_t)SPDK_CACHE_LINE_SIZE);
	cells = (size_t)1 << (count == 1 ? 0 : 64 - __builtin_clzll(count - 1));

	pw__mempool_lock();
	dup = find_locked(name) != NULL;
	pw__mempool_unlock();
	if (dup) {
		SPDK_ERRLOG("mempool: a pool named \"%s\" already exists\n", name);
		return NULL;
	}

	if (posix_memalign((void **)&mp, SPDK_CACHE_LINE_SIZE, sizeof(*mp)) != 0) {
		mp = NULL;
		goto nomem;
	}
	memset(mp, 0, sizeof(*mp));
	if (posix_memalign((void **)&mp->base, SPDK_CACHE_LINE_SIZE, count * stride) != 0) {
		mp->base = NULL;
		goto nomem;
	}
	if (posix_memalign((void **)&mp->cells, SPDK_CACHE_LINE_SIZE,
			   cells * sizeof(*mp->cells)) != 0) {
		mp->cells = NULL;
		goto nomem;
	}
	/* DPDK hands out zeroed memory; programs may rely on that. */
	memset(mp->base, 0, count * stride);

	snprintf(mp->name, sizeof(mp->name), "%s", name);
	mp->count = count;
	mp->ele_size = ele_size;
	mp->span = count * stride;
	set_stride(mp, stride);
	mp->cache_size = pw__mempool_cache_size_for(count, cache_size);
	mp->batch = (mp->cache_size + 1) / 2;
	mp->mask = cells - 1;
	for (i = 0; i < cells; i++) {
		mp->cells[i].seq = i < count ? i + 1 : i;
		mp->cells[i].obj = i < count ? mp->base + i * stride : NULL;
	}
	mp->deq = 0;
	mp->enq = count;

	if (obj_init != NULL) {
		for (i = 0; i < count; i++) {
			obj_init(mp, obj_init_arg, mp->base + i * stride, (unsigned)i);
		}
	}

	/* Checked again: another pthread may have created the name meanwhile. */
	pw__mempool_lock();
	dup = find_locked(name) != NULL;
	if (!dup) {
		TAILQ_INSERT_TAIL(&g_pools, mp, link);
	}
	pw__mempool_unlock();
	if (dup) {
		SPDK_ERRLOG("mempool: a pool named \"%s\" already exists\n", name);
		destroy(mp);
		return NULL;
	}
	return mp;

nomem:
	SPDK_ERRLOG("mempool %s: out of memory for %zu elements of %zu bytes\n", name, count,
		    ele_size);
	if (mp != NULL) {
		destroy(mp);
	}
	return NULL;
}

PW_EXPORT struct spdk_mempool *
spdk_mempool_create(const char *name, size_t count, size_t ele_size, size_t cache_size,
		    int numa_id)
{
	return spdk_mempool_create_ctor(name, count, ele_size, cache_size, numa_id, NULL, NULL);
}

PW_EXPORT char *
spdk_mempool_get_name(struct spdk_mempool *mp)
{
	if (mp == NULL) {
		SPDK_ERRLOG("mempool: get_name of a NULL pool\n");
		return NULL;
	}
	return mp->name;
}

PW_EXPORT void
spdk_mempool_free(struct spdk_mempool *mp)
{
	struct spdk_mempool *it;
	size_t avail;

	if (mp == NULL) {
		return;
	}
	pw__mempool_lock();
	TAILQ_FOREACH(it, &g_pools, link) {
		if (it == mp) {
			break;
		}
	}
	if (it == NULL) {
		pw__mempool_unlock();
		SPDK_ERRLOG("mempool: %p is not a live pool (freed twice?); ignored\n", (void *)mp);
		return;
	}
	TAILQ_REMOVE(&g_pools, mp, link);
	/* Under the lock: a pthread exiting now flushes its cache under it. */
	avail = pw__mempool_store_count(mp) + pw__mempool_cached_count(mp);
	pw__mempool_unlock();

	if (avail < mp->count) {
		SPDK_ERRLOG("mempool %s: freed with %zu of its %zu elements still taken; "
			    "their memory is released\n", mp->name, mp->count - avail, mp->count);
	}
	destroy(mp);
}

/* The out-of-line part of spdk_mempool_get(), so that the hit path needs no
 * stack frame. */
static __attribute__((noinline)) void *
get_slow(struct spdk_mempool *mp, struct pw_mempool_cache *c)
{
	void *obj;

	if (mp == NULL) {
		SPDK_ERRLOG_RATELIMIT("mempool: get from a NULL pool\n");
		return NULL;
	}
	if (c != NULL) {
		return pw__mempool_cache_get(mp, c, &obj, 1) == 0 ? obj : NULL;
	}
	return pw__mempool_store_get(mp, &obj, 1, 1) == 1 ? obj : NULL;
}

PW_EXPORT void *
spdk_mempool_get(struct spdk_mempool *mp)
{
	struct pw_mempool_cache *c = NULL;
	size_t len;

	if (spdk_likely(mp != NULL)) {
		c = my_cache(mp);
		if (spdk_likely(c != NULL)) {
			len = pw__mempool_cache_len(c);
			if (spdk_likely(len > 0)) {
				pw__mempool_cache_set_len(c, len - 1);
				return c->objs[len - 1];
			}
		}
	}
	return get_slow(mp, c);
}

PW_EXPORT int
spdk_mempool_get_bulk(struct spdk_mempool *mp, void **ele_arr, size_t count)
{
	struct pw_mempool_cache *c;

	if (spdk_unlikely(mp == NULL || (ele_arr == NULL && count > 0))) {
		SPDK_ERRLOG_RATELIMIT("mempool: get_bulk with a NULL %s\n",
				      mp == NULL ? "pool" : "array");
		return -EINVAL;
	}
	if (count == 0) {
		return 0;
	}
	if (count > mp->count) {
		return -ENOENT;
	}
	c = my_cache(mp);
	if (c != NULL) {
		return pw__mempool_cache_get(mp, c, ele_arr, count);
	}
	return pw__mempool_store_get(mp, ele_arr, count, count) == count ? 0 : -ENOENT;
}

/* The out-of-line part of spdk_mempool_put(). */
static __attribute__((noinline)) void
put_slow(struct spdk_mempool *mp, void *ele)
{
	struct pw_mempool_cache *c;

	if (mp == NULL) {
		SPDK_ERRLOG_RATELIMIT("mempool: put %p into a NULL pool; ignored\n", ele);
		return;
	}
	if (!is_element(mp, ele)) {
		log_not_element(mp, ele);
		return;
	}
	c = my_cache(mp);
	if (c != NULL) {
		pw__mempool_cache_put(mp, c, &ele, 1);
	} else {
		pw__mempool_store_put_logged(mp, &ele, 1);
	}
}

PW_EXPORT void
spdk_mempool_put(struct spdk_mempool *mp, void *ele)
{
	struct pw_mempool_cache *c;
	size_t len;

	if (spdk_likely(mp != NULL && is_element(mp, ele))) {
		c = my_cache(mp);
		if (spdk_likely(c != NULL)) {
			len = pw__mempool_cache_len(c);
			if (spdk_likely(len < mp->cache_size)) {
				c->objs[len] = ele;
				pw__mempool_cache_set_len(c, len + 1);
				return;
			}
		}
	}
	put_slow(mp, ele);
}

PW_EXPORT void
spdk_mempool_put_bulk(struct spdk_mempool *mp, void **ele_arr, size_t count)
{
	struct pw_mempool_cache *c;
	size_t i;

	if (count == 0) {
		return;
	}
	if (spdk_unlikely(mp == NULL || ele_arr == NULL)) {
		SPDK_ERRLOG_RATELIMIT("mempool: put_bulk with a NULL %s; %zu element(s) ignored\n",
				      mp == NULL ? "pool" : "array", count);
		return;
	}
	for (i = 0; i < count; i++) {
		if (spdk_unlikely(!is_element(mp, ele_arr[i]))) {
			/* Rare: return the good ones one by one, log the rest. */
			for (i = 0; i < count; i++) {
				spdk_mempool_put(mp, ele_arr[i]);
			}
			return;
		}
	}
	c = my_cache(mp);
	if (c != NULL) {
		pw__mempool_cache_put(mp, c, ele_arr, count);
	} else {
		pw__mempool_store_put_logged(mp, ele_arr, count);
	}
}

PW_EXPORT size_t
spdk_mempool_count(const struct spdk_mempool *pool)
{
	size_t n;

	if (pool == NULL) {
		SPDK_ERRLOG("mempool: count of a NULL pool\n");
		return 0;
	}
	/* Under the lock so that a pthread exiting meanwhile, whose key
	 * destructor moves its cache to the store under the same lock, is
	 * seen before or after the move, never halfway: an exiting pthread
	 * does not count as one using the pool. */
	pw__mempool_lock();
	n = pw__mempool_store_count(pool) + pw__mempool_cached_count(pool);
	pw__mempool_unlock();
	/* While the pool is in use elements move between caches and the
	 * store and a snapshot may see some twice: never report more than
	 * the pool has. */
	return n < pool->count ? n : pool->count;
}

PW_EXPORT uint32_t
spdk_mempool_obj_iter(struct spdk_mempool *mp, spdk_mempool_obj_cb_t obj_cb, void *obj_cb_arg)
{
	size_t i;

	if (mp == NULL || obj_cb == NULL) {
		SPDK_ERRLOG("mempool: obj_iter with a NULL %s\n", mp == NULL ? "pool" : "callback");
		return 0;
	}
	for (i = 0; i < mp->count; i++) {
		obj_cb(mp, obj_cb_arg, mp->base + i * mp->stride, (unsigned)i);
	}
	return (uint32_t)mp->count;
}

PW_EXPORT uint32_t
spdk_mempool_mem_iter(struct spdk_mempool *mp, spdk_mempool_mem_cb_t mem_cb, void *mem_cb_arg)
{
	if (mp == NULL || mem_cb == NULL) {
		SPDK_ERRLOG("mempool: mem_iter with a NULL %s\n", mp == NULL ? "pool" : "callback");
		return 0;
	}
	/* Every element lies in the one block at base (see the file comment);
	 * there is no IOVA, so the address stands for it (DPDK's IOVA-as-VA). */
	mem_cb(mp, mem_cb_arg, mp->base, (uint64_t)(uintptr_t)mp->base, mp->span, 0);
	return 1;
}

PW_EXPORT struct spdk_mempool *
spdk_mempool_lookup(const char *name)
{
	struct spdk_mempool *mp;

	if (name == NULL) {
		SPDK_ERRLOG("mempool: lookup of a NULL name\n");
		return NULL;
	}
	pw__mempool_lock();
	mp = find_locked(name);
	pw__mempool_unlock();
	return mp;
}

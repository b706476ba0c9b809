/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Per-pthread caches of the memory pools: slots, the cache size rule, and
 * the refill and flush paths (the hit paths are inline in mempool.c).
 *
 * Any pthread may use a pool, so caches cannot be indexed by env core. A
 * pthread instead takes a small slot number the first time it gets or puts
 * on a pool that caches, and keeps it in a thread-local variable; every pool
 * has one cache pointer per slot, filled in lazily by the slot's owner. A
 * pthread key whose destructor runs when the pthread exits hands every
 * element that pthread cached back to each pool's shared store, then frees
 * the slot for the next pthread. Slot handling runs under the pool lock,
 * which spdk_mempool_free() also takes, so a pool cannot vanish while an
 * exiting pthread is flushing into it.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "env/mempool_internal.h"

__thread unsigned pw__mempool_tslot __attribute__((tls_model("initial-exec")));

static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_slot_key;
static bool g_slot_key_ok;

/* Under the pool lock. */
static bool g_slot_used[PW_MEMPOOL_MAX_SLOTS];
/* Written under the pool lock, read without it. */
static unsigned g_slot_high;

static void
slot_release(void *arg)
{
	unsigned slot = (unsigned)(uintptr_t)arg - 1;
	size_t dropped;

	if (slot >= PW_MEMPOOL_MAX_SLOTS) {
		return;
	}
	pw__mempool_lock();
	dropped = pw__mempool_flush_slot_locked(slot);
	g_slot_used[slot] = false;
	pw__mempool_unlock();
	/* Logged outside the lock: a log sink may call back into the pools. */
	if (dropped > 0) {
		SPDK_ERRLOG("mempool: an exiting pthread's cache held %zu element(s) beyond "
			    "its pool's size (one put twice?); dropped\n", dropped);
	}
	/* Should another key's destructor use a pool after this one ran, the
	 * pthread takes a slot again and the key runs this once more. */
	pw__mempool_tslot = PW_MEMPOOL_TSLOT_UNSET;
}

static void
slot_key_create(void)
{
	int rc = pthread_key_create(&g_slot_key, slot_release);

	if (rc != 0) {
		SPDK_ERRLOG("mempool: pthread_key_create failed (%s); "
			    "per-pthread caches are disabled\n", strerror(rc));
		return;
	}
	g_slot_key_ok = true;
}

unsigned
pw__mempool_slot_acquire(void)
{
	unsigned slot;

	pthread_once(&g_key_once, slot_key_create);
	if (!g_slot_key_ok) {
		pw__mempool_tslot = PW_MEMPOOL_TSLOT_NONE;
		return PW_MEMPOOL_TSLOT_NONE;
	}

	pw__mempool_lock();
	for (slot = 0; slot < PW_MEMPOOL_MAX_SLOTS; slot++) {
		if (!g_slot_used[slot]) {
			break;
		}
	}
	if (slot == PW_MEMPOOL_MAX_SLOTS) {
		pw__mempool_unlock();
		/* Not an error: this pthread works on the shared stores, which
		 * is correct, only slower. It does not ask again. */
		pw__mempool_tslot = PW_MEMPOOL_TSLOT_NONE;
		return PW_MEMPOOL_TSLOT_NONE;
	}
	g_slot_used[slot] = true;
	if (slot + 1 > g_slot_high) {
		/* Pairs with the acquire load in pw__mempool_slot_high(). */
		__atomic_store_n(&g_slot_high, slot + 1, __ATOMIC_RELEASE);
	}
	pw__mempool_unlock();

	if (pthread_setspecific(g_slot_key, (void *)(uintptr_t)(slot + 1)) != 0) {
		/* Without the key the slot would never come back: return it. */
		pw__mempool_lock();
		g_slot_used[slot] = false;
		pw__mempool_unlock();
		pw__mempool_tslot = PW_MEMPOOL_TSLOT_NONE;
		return PW_MEMPOOL_TSLOT_NONE;
	}
	pw__mempool_tslot = slot + 1;
	return slot + 1;
}

unsigned
pw__mempool_slot_high(void)
{
	/* Pairs with the release store in pw__mempool_slot_acquire(). */
	return __atomic_load_n(&g_slot_high, __ATOMIC_ACQUIRE);
}

struct pw_mempool_cache *
pw__mempool_cache_create(struct spdk_mempool *mp, unsigned slot)
{
	struct pw_mempool_cache *c = NULL;
	/* Whole cache lines, so that no other allocation shares the last one. */
	size_t size = SPDK_ALIGN_CEIL(sizeof(*c) + mp->cache_size * sizeof(void *),
				      (size_t)SPDK_CACHE_LINE_SIZE);

	if (posix_memalign((void **)&c, SPDK_CACHE_LINE_SIZE, size) != 0) {
		SPDK_ERRLOG_RATELIMIT("mempool %s: no memory for a per-pthread cache; "
				      "using the shared store\n", mp->name);
		return NULL;
	}
	c->len = 0;
	/* Pairs with the acquire loads in pw__mempool_cached_count() and
	 * spdk_mempool_free(): the zeroed length is seen before the pointer. */
	__atomic_store_n(&mp->caches[slot], c, __ATOMIC_RELEASE);
	return c;
}

static unsigned
usable_cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
		return (unsigned)CPU_COUNT(&set);
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

size_t
pw__mempool_cache_size_for(size_t count, size_t requested)
{
	/* At most half the pool may sit in caches while one pthread per
	 * usable CPU holds a full cache, and no cache exceeds
	 * PW_MEMPOOL_CACHE_MAX. Both the default and an explicit size obey
	 * this, as in SPDK, whose rule counts env cores instead of CPUs. */
	size_t limit = count / 2 / usable_cpus();

	if (requested > limit) {
		requested = limit;
	}
	if (requested > PW_MEMPOOL_CACHE_MAX) {
		requested = PW_MEMPOOL_CACHE_MAX;
	}
	return requested;
}

size_t
pw__mempool_cached_count(const struct spdk_mempool *mp)
{
	unsigned high = pw__mempool_slot_high();
	size_t sum = 0;
	unsigned s;

	for (s = 0; s < high; s++) {
		/* Pairs with the release store in pw__mempool_cache_create(). */
		struct pw_mempool_cache *c = __atomic_load_n(&mp->caches[s], __ATOMIC_ACQUIRE);

		if (c != NULL) {
			sum += pw__mempool_cache_len(c);
		}
	}
	return sum;
}

/* Get n elements through cache c, all or nothing. */
int
pw__mempool_cache_get(struct spdk_mempool *mp, struct pw_mempool_cache *c, void **objs,
		      size_t n)
{
	size_t len = pw__mempool_cache_len(c);
	size_t need, want, got, i;

	if (n <= len) {
		for (i = 0; i < n; i++) {
			objs[i] = c->objs[--len];
		}
		pw__mempool_cache_set_len(c, len);
		return 0;
	}

	need = n - len;
	if (n <= mp->cache_size) {
		/* Refill: the shortfall plus a batch, as far as the cache has room. */
		want = need + mp->batch;
		if (want > mp->cache_size - len) {
			want = mp->cache_size - len;
		}
		got = pw__mempool_store_get(mp, &c->objs[len], want, need);
		if (got == 0) {
			return -ENOENT;
		}
		len += got;
		for (i = 0; i < n; i++) {
			objs[i] = c->objs[--len];
		}
		pw__mempool_cache_set_len(c, len);
		return 0;
	}

	/* More than a cache holds: the shortfall from the store, then the
	 * whole cache. */
	if (pw__mempool_store_get(mp, objs, need, need) == 0) {
		return -ENOENT;
	}
	for (i = need; i < n; i++) {
		objs[i] = c->objs[--len];
	}
	pw__mempool_cache_set_len(c, 0);
	return 0;
}

/* Put n elements through cache c. */
void
pw__mempool_cache_put(struct spdk_mempool *mp, struct pw_mempool_cache *c, void *const *objs,
		      size_t n)
{
	size_t len = pw__mempool_cache_len(c);
	size_t flush, i;

	if (len + n > mp->cache_size) {
		if (n >= mp->cache_size) {
			pw__mempool_store_put_logged(mp, objs, n);
			return;
		}
		/* Leave batch free slots after the new elements are in. */
		flush = len + n - mp->cache_size + mp->batch;
		if (flush > len) {
			flush = len;
		}
		len -= flush;
		pw__mempool_cache_set_len(c, len);
		pw__mempool_store_put_logged(mp, &c->objs[len], flush);
	}
	for (i = 0; i < n; i++) {
		c->objs[len++] = objs[i];
	}
	pw__mempool_cache_set_len(c, len);
}

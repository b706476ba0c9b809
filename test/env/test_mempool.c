/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk_mempool: every call's normal use and misuse (with its
 * log line), constructor indices and element layout, exact counts with
 * per-pthread caches, bulk all-or-nothing, the cache size rule, and the
 * pthread-exit path that hands cached elements back. Concurrency under load
 * is covered by stress_mempool.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/util.h"
#include "log/log_internal.h"
#include "env/mempool_internal.h"

#include "harness.h"
#include "log_capture.h"

/* ---- helpers --------------------------------------------------------------- */

static uint64_t g_fake_ns;

/* Ten seconds per reading: rate-limited errors are never squashed. */
static uint64_t
fake_clock(void)
{
	g_fake_ns += 10ULL * 1000 * 1000 * 1000;
	return g_fake_ns;
}

static void
capture(void)
{
	pw__log_set_clock(fake_clock);
	log_capture_start();
}

static size_t
errors(void)
{
	return log_capture_count(SPDK_LOG_ERROR);
}

static unsigned
usable_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
		return (unsigned)CPU_COUNT(&set);
	}
	return 1;
}

static size_t
expected_cache(size_t count, size_t asked)
{
	size_t limit = count / 2 / usable_cpus();

	return spdk_min(spdk_min(asked, limit), (size_t)PW_MEMPOOL_CACHE_MAX);
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/* All n pointers distinct. */
static void
assert_distinct(void **objs, size_t n)
{
	void **copy = malloc(n * sizeof(*copy));
	size_t i;

	ASSERT_NOT_NULL(copy);
	memcpy(copy, objs, n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), cmp_ptr);
	for (i = 1; i < n; i++) {
		ASSERT_PTR_NE(copy[i - 1], copy[i]);
	}
	free(copy);
}

static void
assert_all_home(struct spdk_mempool *mp)
{
	ASSERT_EQ(spdk_mempool_count(mp), mp->count);
	ASSERT_EQ(pw__mempool_store_count(mp) + pw__mempool_cached_count(mp), mp->count);
}

/* ---- creation, names, lookup ----------------------------------------------- */

TEST(create_name_lookup_free)
{
	struct spdk_mempool *mp;

	capture();
	mp = spdk_mempool_create("pool_a", 100, 24, 0, SPDK_ENV_NUMA_ID_ANY);
	ASSERT_NOT_NULL(mp);
	ASSERT_STR_EQ(spdk_mempool_get_name(mp), "pool_a");
	ASSERT_EQ(spdk_mempool_count(mp), 100);
	ASSERT_PTR_EQ(spdk_mempool_lookup("pool_a"), mp);
	ASSERT_NULL(spdk_mempool_lookup("pool_b"));
	ASSERT_NULL(spdk_mempool_lookup("pool_"));
	spdk_mempool_free(mp);
	ASSERT_NULL(spdk_mempool_lookup("pool_a"));
	ASSERT_EQ(errors(), 0);

	/* The name is free again once the pool is gone. */
	mp = spdk_mempool_create("pool_a", 1, 1, 0, 0);
	ASSERT_NOT_NULL(mp);
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 0);
}

TEST(create_bad_arguments)
{
	char name30[31], name29[30];
	struct spdk_mempool *mp, *dup;

	memset(name30, 'x', 30);
	name30[30] = '\0';
	memset(name29, 'y', 29);
	name29[29] = '\0';
	capture();

	ASSERT_NULL(spdk_mempool_create(NULL, 10, 8, 0, 0));
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("name is NULL"));

	ASSERT_NULL(spdk_mempool_create(name30, 10, 8, 0, 0));
	ASSERT_EQ(errors(), 2);
	ASSERT_TRUE(log_capture_contains("longer than 29 characters"));
	ASSERT_NULL(spdk_mempool_lookup(name30));

	ASSERT_NULL(spdk_mempool_create("zero_count", 0, 8, 0, 0));
	ASSERT_EQ(errors(), 3);
	ASSERT_TRUE(log_capture_contains("zero_count: element count is 0"));

	ASSERT_NULL(spdk_mempool_create("zero_size", 10, 0, 0, 0));
	ASSERT_EQ(errors(), 4);
	ASSERT_TRUE(log_capture_contains("zero_size: element size is 0"));

	ASSERT_NULL(spdk_mempool_create("huge", (size_t)1 << 33, 8, 0, 0));
	ASSERT_EQ(errors(), 5);
	ASSERT_TRUE(log_capture_contains("huge: 8589934592 elements of 8 bytes is too large"));
	ASSERT_NULL(spdk_mempool_create("huge2", 1 << 20, SIZE_MAX / 4, 0, 0));
	ASSERT_EQ(errors(), 6);
	ASSERT_NULL(spdk_mempool_create("huge3", 4, SIZE_MAX - 10, 0, 0));
	ASSERT_EQ(errors(), 7);

	/* Exactly the limit is fine. */
	mp = spdk_mempool_create(name29, 10, 8, 0, 0);
	ASSERT_NOT_NULL(mp);
	ASSERT_PTR_EQ(spdk_mempool_lookup(name29), mp);
	ASSERT_EQ(errors(), 7);

	dup = spdk_mempool_create(name29, 5, 8, 0, 0);
	ASSERT_NULL(dup);
	ASSERT_EQ(errors(), 8);
	ASSERT_TRUE(log_capture_contains("already exists"));
	/* The original is untouched. */
	ASSERT_PTR_EQ(spdk_mempool_lookup(name29), mp);
	ASSERT_EQ(spdk_mempool_count(mp), 10);
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 8);
}

TEST(null_pool_and_null_name_calls)
{
	void *arr[2];

	capture();
	ASSERT_NULL(spdk_mempool_get_name(NULL));
	ASSERT_EQ(errors(), 1);
	ASSERT_NULL(spdk_mempool_get(NULL));
	ASSERT_EQ(errors(), 2);
	ASSERT_EQ(spdk_mempool_get_bulk(NULL, arr, 2), -EINVAL);
	ASSERT_EQ(errors(), 3);
	spdk_mempool_put(NULL, arr);
	ASSERT_EQ(errors(), 4);
	spdk_mempool_put_bulk(NULL, arr, 2);
	ASSERT_EQ(errors(), 5);
	ASSERT_EQ(spdk_mempool_count(NULL), 0);
	ASSERT_EQ(errors(), 6);
	ASSERT_NULL(spdk_mempool_lookup(NULL));
	ASSERT_EQ(errors(), 7);
	ASSERT_TRUE(log_capture_contains("lookup of a NULL name"));
	spdk_mempool_free(NULL);	/* a no-op, not an error */
	ASSERT_EQ(errors(), 7);
	ASSERT_TRUE(log_capture_contains("NULL pool"));
}

/* ---- layout and constructor ------------------------------------------------ */

struct ctor_log {
	struct spdk_mempool *mp;
	size_t calls;
	void *ptr[300];
	unsigned idx[300];
	bool zeroed;
};

static void
record_ctor(struct spdk_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct ctor_log *log = arg;
	const unsigned char *b = obj;
	size_t i;

	ASSERT_PTR_EQ(mp, log->mp != NULL ? log->mp : mp);
	log->mp = mp;
	ASSERT_LT(log->calls, SPDK_COUNTOF(log->ptr));
	for (i = 0; i < 100; i++) {
		if (b[i] != 0) {
			log->zeroed = false;
		}
	}
	log->ptr[log->calls] = obj;
	log->idx[log->calls] = idx;
	log->calls++;
	memset(obj, 0xa5, 100);	/* every pool using this ctor has 100-byte elements */
}

TEST(ctor_called_once_per_element_with_index)
{
	struct ctor_log *log = calloc(1, sizeof(*log));
	struct spdk_mempool *mp;
	size_t i;

	ASSERT_NOT_NULL(log);
	log->zeroed = true;
	mp = spdk_mempool_create_ctor("ctor", 300, 100, 0, 0, record_ctor, log);
	ASSERT_NOT_NULL(mp);
	ASSERT_PTR_EQ(log->mp, mp);
	ASSERT_EQ(log->calls, 300);
	ASSERT_TRUE(log->zeroed);
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(log->idx[i], i);
		/* Cache-line aligned, contiguous, 128 bytes apart (100 rounded up). */
		ASSERT_EQ((uintptr_t)log->ptr[i] % SPDK_CACHE_LINE_SIZE, 0);
		ASSERT_EQ((uintptr_t)log->ptr[i] - (uintptr_t)log->ptr[0], i * 128);
	}
	spdk_mempool_free(mp);
	free(log);

	/* A NULL constructor is allowed. */
	mp = spdk_mempool_create_ctor("noctor", 3, 1, 0, 0, NULL, NULL);
	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(spdk_mempool_count(mp), 3);
	spdk_mempool_free(mp);
}

TEST(elements_distinct_aligned_and_writable)
{
	const size_t sizes[] = { 1, 63, 64, 65, 200, 4096 };
	size_t s, i;

	for (s = 0; s < SPDK_COUNTOF(sizes); s++) {
		struct spdk_mempool *mp = spdk_mempool_create("layout", 37, sizes[s], 0, 0);
		void *objs[37];

		ASSERT_NOT_NULL(mp);
		for (i = 0; i < 37; i++) {
			objs[i] = spdk_mempool_get(mp);
			ASSERT_NOT_NULL(objs[i]);
			ASSERT_EQ((uintptr_t)objs[i] % SPDK_CACHE_LINE_SIZE, 0);
			/* ASan checks the element really has ele_size bytes. */
			memset(objs[i], (int)i, sizes[s]);
		}
		ASSERT_NULL(spdk_mempool_get(mp));
		assert_distinct(objs, 37);
		qsort(objs, 37, sizeof(objs[0]), cmp_ptr);
		for (i = 1; i < 37; i++) {
			ASSERT_EQ((uintptr_t)objs[i] - (uintptr_t)objs[i - 1],
				  SPDK_ALIGN_CEIL(sizes[s], (size_t)64));
		}
		spdk_mempool_put_bulk(mp, objs, 37);
		assert_all_home(mp);
		spdk_mempool_free(mp);
	}
}

/* ---- obj_iter ---------------------------------------------------------------- */

struct iter_log {
	size_t calls;
	void *ptr[64];
	unsigned idx[64];
};

static void
record_iter(struct spdk_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct iter_log *log = arg;

	ASSERT_LT(log->calls, SPDK_COUNTOF(log->ptr));
	log->ptr[log->calls] = obj;
	log->idx[log->calls] = idx;
	log->calls++;
}

TEST(obj_iter_visits_every_element_taken_or_not)
{
	struct ctor_log *clog = calloc(1, sizeof(*clog));
	struct iter_log ilog = { 0 };
	struct spdk_mempool *mp;
	void *taken[5];
	size_t i;

	ASSERT_NOT_NULL(clog);
	mp = spdk_mempool_create_ctor("iter", 50, 100, SPDK_MEMPOOL_DEFAULT_CACHE_SIZE, 0,
				      record_ctor, clog);
	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, taken, 5), 0);
	ASSERT_EQ(spdk_mempool_obj_iter(mp, record_iter, &ilog), 50);
	ASSERT_EQ(ilog.calls, 50);
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(ilog.idx[i], i);
		ASSERT_PTR_EQ(ilog.ptr[i], clog->ptr[i]);
	}
	/* Iterating takes nothing. */
	ASSERT_EQ(spdk_mempool_count(mp), 45);

	capture();
	ASSERT_EQ(spdk_mempool_obj_iter(mp, NULL, NULL), 0);
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("NULL callback"));
	ASSERT_EQ(spdk_mempool_obj_iter(NULL, record_iter, &ilog), 0);
	ASSERT_EQ(errors(), 2);
	ASSERT_EQ(ilog.calls, 50);

	spdk_mempool_put_bulk(mp, taken, 5);
	assert_all_home(mp);
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 2);
	free(clog);
}

/* ---- mem_iter ---------------------------------------------------------------- */

struct mem_log {
	unsigned calls;
	struct spdk_mempool *mp;
	void *addr;
	uint64_t iova;
	size_t len;
	unsigned idx;
};

static void
record_mem(struct spdk_mempool *mp, void *arg, void *addr, uint64_t iova, size_t len,
	   unsigned idx)
{
	struct mem_log *log = arg;

	log->calls++;
	log->mp = mp;
	log->addr = addr;
	log->iova = iova;
	log->len = len;
	log->idx = idx;
}

TEST(mem_iter_reports_the_block_holding_every_element)
{
	struct ctor_log *clog = calloc(1, sizeof(*clog));
	struct mem_log mlog = { 0 };
	struct spdk_mempool *mp;
	uintptr_t lo, hi;
	size_t i;

	ASSERT_NOT_NULL(clog);
	/* 100-byte elements: each rounded up to 128, so the block is 50 * 128. */
	mp = spdk_mempool_create_ctor("memiter", 50, 100, 0, SPDK_ENV_NUMA_ID_ANY,
				      record_ctor, clog);
	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(spdk_mempool_mem_iter(mp, record_mem, &mlog), 1u);
	ASSERT_EQ(mlog.calls, 1u);
	ASSERT_PTR_EQ(mlog.mp, mp);
	ASSERT_EQ(mlog.idx, 0u);
	ASSERT_EQ(mlog.len, 50u * 128u);
	ASSERT_EQ(mlog.iova, (uint64_t)(uintptr_t)mlog.addr);
	lo = (uintptr_t)mlog.addr;
	hi = lo + mlog.len;
	for (i = 0; i < 50; i++) {
		ASSERT_GE((uintptr_t)clog->ptr[i], lo);
		ASSERT_LE((uintptr_t)clog->ptr[i] + 100, hi);
	}
	ASSERT_PTR_EQ(clog->ptr[0], mlog.addr);

	capture();
	ASSERT_EQ(spdk_mempool_mem_iter(mp, NULL, NULL), 0u);
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("mem_iter with a NULL callback"));
	ASSERT_EQ(spdk_mempool_mem_iter(NULL, record_mem, &mlog), 0u);
	ASSERT_EQ(errors(), 2);
	ASSERT_TRUE(log_capture_contains("mem_iter with a NULL pool"));
	ASSERT_EQ(mlog.calls, 1u);

	spdk_mempool_free(mp);
	free(clog);
}

/* ---- get / put without a cache ------------------------------------------------ */

TEST(get_put_without_cache)
{
	struct spdk_mempool *mp;
	void *objs[20];
	size_t i, s;

	capture();
	mp = spdk_mempool_create("nocache", 20, 16, 0, 0);
	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(mp->cache_size, 0);
	for (i = 0; i < 20; i++) {
		objs[i] = spdk_mempool_get(mp);
		ASSERT_NOT_NULL(objs[i]);
		ASSERT_EQ(spdk_mempool_count(mp), 20 - i - 1);
	}
	/* Empty: NULL, and that is not an error. */
	ASSERT_NULL(spdk_mempool_get(mp));
	ASSERT_EQ(errors(), 0);
	assert_distinct(objs, 20);
	for (i = 0; i < 20; i++) {
		spdk_mempool_put(mp, objs[i]);
		ASSERT_EQ(spdk_mempool_count(mp), i + 1);
	}
	/* No pthread ever got a cache of this pool. */
	for (s = 0; s < PW_MEMPOOL_MAX_SLOTS; s++) {
		ASSERT_NULL(mp->caches[s]);
	}
	ASSERT_EQ(pw__mempool_store_count(mp), 20);
	/* The store wraps many times over. */
	for (i = 0; i < 1000; i++) {
		void *a = spdk_mempool_get(mp), *b = spdk_mempool_get(mp);

		ASSERT_NOT_NULL(a);
		ASSERT_NOT_NULL(b);
		ASSERT_PTR_NE(a, b);
		spdk_mempool_put(mp, b);
		spdk_mempool_put(mp, a);
	}
	assert_all_home(mp);
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 0);
}

TEST(get_bulk_all_or_nothing_without_cache)
{
	struct spdk_mempool *mp = spdk_mempool_create("bulk0", 10, 8, 0, 0);
	void *a[11], *b[11];

	ASSERT_NOT_NULL(mp);
	capture();
	a[0] = b[0] = NULL;
	ASSERT_EQ(spdk_mempool_get_bulk(mp, a, 11), -ENOENT);
	ASSERT_EQ(spdk_mempool_count(mp), 10);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, a, 7), 0);
	ASSERT_EQ(spdk_mempool_count(mp), 3);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, b, 4), -ENOENT);
	ASSERT_NULL(b[0]);
	ASSERT_EQ(spdk_mempool_count(mp), 3);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, a + 7, 3), 0);
	ASSERT_EQ(spdk_mempool_count(mp), 0);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, b, 1), -ENOENT);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, b, 0), 0);
	assert_distinct(a, 10);
	spdk_mempool_put_bulk(mp, a, 10);
	ASSERT_EQ(spdk_mempool_count(mp), 10);
	/* An empty failed request is not an error worth logging. */
	ASSERT_EQ(errors(), 0);

	ASSERT_EQ(spdk_mempool_get_bulk(mp, NULL, 2), -EINVAL);
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("NULL array"));
	spdk_mempool_put_bulk(mp, NULL, 2);
	ASSERT_EQ(errors(), 2);
	spdk_mempool_put_bulk(mp, NULL, 0);	/* nothing to do */
	ASSERT_EQ(errors(), 2);
	assert_all_home(mp);
	spdk_mempool_free(mp);
}

/* ---- the cache size rule ------------------------------------------------------- */

TEST(cache_size_rule)
{
	const size_t counts[] = { 1, 3, 16, 100, 4096, 100000 };
	const size_t asks[] = { 0, 1, 4, 8, 32, 600, SPDK_MEMPOOL_DEFAULT_CACHE_SIZE };
	size_t c, a;

	for (c = 0; c < SPDK_COUNTOF(counts); c++) {
		for (a = 0; a < SPDK_COUNTOF(asks); a++) {
			struct spdk_mempool *mp;
			size_t want = expected_cache(counts[c], asks[a]);

			mp = spdk_mempool_create("rule", counts[c], 8, asks[a], 0);
			ASSERT_NOT_NULL(mp);
			ASSERT_EQ(mp->cache_size, want);
			ASSERT_EQ(pw__mempool_cache_size_for(counts[c], asks[a]), want);
			/* A full cache on every usable cpu holds at most half the pool. */
			ASSERT_LE(mp->cache_size * usable_cpus(), counts[c] / 2);
			ASSERT_LE(mp->cache_size, PW_MEMPOOL_CACHE_MAX);
			ASSERT_EQ(mp->batch, (mp->cache_size + 1) / 2);
			spdk_mempool_free(mp);
		}
	}
}

/* ---- get / put with a cache, on one pthread ---------------------------------- */

TEST(count_exact_with_cache)
{
	struct spdk_mempool *mp = spdk_mempool_create("cached", 4096, 32, 64, 0);
	void **held = calloc(4096, sizeof(void *));
	size_t nheld = 0, step;
	uint64_t rnd = 12345;

	ASSERT_NOT_NULL(mp);
	ASSERT_NOT_NULL(held);
	if (mp->cache_size == 0) {
		TEST_SKIP("too many cpus for this pool to cache");
	}
	ASSERT_EQ(mp->cache_size, expected_cache(4096, 64));

	held[nheld++] = spdk_mempool_get(mp);
	ASSERT_NOT_NULL(held[0]);
	/* The first get moved a batch into this pthread's cache. */
	ASSERT_GT(pw__mempool_cached_count(mp), 0);
	ASSERT_EQ(spdk_mempool_count(mp), 4095);

	/* A random walk of single and bulk gets and puts: count is exact
	 * after every step, whatever the cache holds. */
	for (step = 0; step < 20000; step++) {
		size_t n;

		rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
		n = 1 + (size_t)((rnd >> 33) % 100);
		switch ((rnd >> 20) % 4) {
		case 0:
			if (nheld < 4096) {
				held[nheld] = spdk_mempool_get(mp);
				ASSERT_NOT_NULL(held[nheld]);
				nheld++;
			}
			break;
		case 1:
			if (nheld > 0) {
				spdk_mempool_put(mp, held[--nheld]);
			}
			break;
		case 2:
			if (nheld + n <= 4096) {
				ASSERT_EQ(spdk_mempool_get_bulk(mp, &held[nheld], n), 0);
				nheld += n;
			} else {
				ASSERT_EQ(spdk_mempool_get_bulk(mp, &held[nheld], n), -ENOENT);
			}
			break;
		default:
			n = spdk_min(n, nheld);
			nheld -= n;
			spdk_mempool_put_bulk(mp, &held[nheld], n);
			break;
		}
		ASSERT_EQ(spdk_mempool_count(mp), 4096 - nheld);
		ASSERT_LE(pw__mempool_cached_count(mp), mp->cache_size);
	}
	assert_distinct(held, nheld);
	spdk_mempool_put_bulk(mp, held, nheld);
	assert_all_home(mp);
	free(held);
	spdk_mempool_free(mp);
}

TEST(get_bulk_all_or_nothing_with_cache)
{
	struct spdk_mempool *mp = spdk_mempool_create("bulkc", 1000, 8, 64, 0);
	void **held = calloc(1000, sizeof(void *));
	void *extra[200];
	size_t cs, nheld = 0, cached, i;
	size_t sizes[6];

	ASSERT_NOT_NULL(mp);
	ASSERT_NOT_NULL(held);
	cs = mp->cache_size;
	if (cs < 2) {
		TEST_SKIP("too many cpus for this pool to cache");
	}
	sizes[0] = 1;
	sizes[1] = cs - 1;
	sizes[2] = cs;
	sizes[3] = cs + 1;
	sizes[4] = 3 * cs;
	sizes[5] = 200;
	for (i = 0; i < SPDK_COUNTOF(sizes); i++) {
		ASSERT_EQ(spdk_mempool_get_bulk(mp, &held[nheld], sizes[i]), 0);
		nheld += sizes[i];
		ASSERT_EQ(spdk_mempool_count(mp), 1000 - nheld);
	}
	/* Take all but 50, one by one (some come from the cache). */
	while (nheld < 950) {
		held[nheld] = spdk_mempool_get(mp);
		ASSERT_NOT_NULL(held[nheld]);
		nheld++;
	}
	/* 50 left, split between the store and this pthread's cache: asking
	 * for 51 (or far more than a cache) takes nothing from either. */
	cached = pw__mempool_cached_count(mp);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, extra, 51), -ENOENT);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, extra, 200), -ENOENT);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, extra, 1001), -ENOENT);
	ASSERT_EQ(spdk_mempool_count(mp), 50);
	ASSERT_EQ(pw__mempool_cached_count(mp), cached);
	/* Exactly 50 works: store and cache together. */
	ASSERT_EQ(spdk_mempool_get_bulk(mp, extra, 50), 0);
	ASSERT_EQ(spdk_mempool_count(mp), 0);
	ASSERT_NULL(spdk_mempool_get(mp));
	memcpy(&held[nheld], extra, 50 * sizeof(void *));
	nheld += 50;
	assert_distinct(held, nheld);

	/* Put back in bulks of every shape. */
	spdk_mempool_put_bulk(mp, held, 1);
	spdk_mempool_put_bulk(mp, held + 1, cs);
	spdk_mempool_put_bulk(mp, held + 1 + cs, 3 * cs);
	ASSERT_EQ(spdk_mempool_count(mp), 1 + 4 * cs);
	spdk_mempool_put_bulk(mp, held + 1 + 4 * cs, 1000 - 1 - 4 * cs);
	assert_all_home(mp);
	ASSERT_LE(pw__mempool_cached_count(mp), cs);
	free(held);
	spdk_mempool_free(mp);
}

/* ---- misuse of put --------------------------------------------------------------- */

TEST(put_of_foreign_pointers_is_refused)
{
	struct spdk_mempool *mp = spdk_mempool_create("foreign", 16, 100, 0, 0);
	struct spdk_mempool *other = spdk_mempool_create("other", 16, 100, 0, 0);
	void *a, *b, *c, *o, *arr[4];
	char local;

	ASSERT_NOT_NULL(mp);
	ASSERT_NOT_NULL(other);
	a = spdk_mempool_get(mp);
	b = spdk_mempool_get(mp);
	c = spdk_mempool_get(mp);
	o = spdk_mempool_get(other);
	ASSERT_EQ(spdk_mempool_count(mp), 13);
	/* The store hands elements out in order: a is the first element. */
	ASSERT_PTR_EQ(a, mp->base);
	capture();

	spdk_mempool_put(mp, &local);
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("foreign: "));
	ASSERT_TRUE(log_capture_contains("is not one of its elements"));
	spdk_mempool_put(mp, (char *)a + 1);		/* inside an element */
	ASSERT_EQ(errors(), 2);
	spdk_mempool_put(mp, (char *)a + 128 * 16);	/* one past the last */
	ASSERT_EQ(errors(), 3);
	spdk_mempool_put(mp, (char *)a - 128);		/* just before the first */
	spdk_mempool_put(mp, (char *)a - 128 * 64);	/* far before it */
	spdk_mempool_put(mp, NULL);
	spdk_mempool_put(mp, o);			/* another pool's element */
	ASSERT_EQ(errors(), 7);
	ASSERT_EQ(spdk_mempool_count(mp), 13);

	/* A bad element in a bulk: the good ones still go home. */
	arr[0] = a;
	arr[1] = b;
	arr[2] = o;
	arr[3] = c;
	spdk_mempool_put_bulk(mp, arr, 4);
	ASSERT_EQ(errors(), 8);
	ASSERT_EQ(spdk_mempool_count(mp), 16);
	spdk_mempool_put(other, o);
	ASSERT_EQ(errors(), 8);
	spdk_mempool_free(mp);
	spdk_mempool_free(other);
	ASSERT_EQ(errors(), 8);
}

TEST(double_put_is_logged_not_stored)
{
	struct spdk_mempool *mp = spdk_mempool_create("twice", 16, 8, 0, 0);
	void *a;

	ASSERT_NOT_NULL(mp);
	capture();
	a = spdk_mempool_get(mp);
	spdk_mempool_put(mp, a);
	ASSERT_EQ(errors(), 0);
	/* The store (16 cells for 16 elements) is full: a 17th is refused. */
	spdk_mempool_put(mp, a);
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("twice: 1 element(s) returned beyond the 16"));
	ASSERT_EQ(spdk_mempool_count(mp), 16);
	assert_all_home(mp);
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 1);
}

static void *
double_put_then_exit(void *arg)
{
	struct spdk_mempool *mp = arg;
	void *a = spdk_mempool_get(mp);

	ASSERT_NOT_NULL(a);
	spdk_mempool_put(mp, a);
	spdk_mempool_put(mp, a);	/* lands in the cache: not noticed yet */
	return NULL;
}

TEST(double_put_into_a_cache_is_logged_at_pthread_exit)
{
	struct spdk_mempool *mp = spdk_mempool_create("twice_cached", 64, 8, 8, 0);
	pthread_t t;

	ASSERT_NOT_NULL(mp);
	if (mp->cache_size < 3) {
		TEST_SKIP("too many cpus for this pool to cache");
	}
	capture();
	ASSERT_EQ(pthread_create(&t, NULL, double_put_then_exit, mp), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	/* The exiting pthread's flush found one element too many. */
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("held 1 element(s) beyond its pool's size"));
	ASSERT_EQ(pw__mempool_cached_count(mp), 0);
	ASSERT_EQ(pw__mempool_store_count(mp), 64);
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 1);
}

/* ---- free --------------------------------------------------------------------- */

TEST(free_with_elements_out_is_logged)
{
	struct spdk_mempool *mp = spdk_mempool_create("leaky", 10, 8, 0, 0);
	struct spdk_mempool fake;
	void *a[3];

	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(spdk_mempool_get_bulk(mp, a, 3), 0);
	capture();
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 1);
	ASSERT_TRUE(log_capture_contains("leaky: freed with 3 of its 10 elements still taken"));
	ASSERT_NULL(spdk_mempool_lookup("leaky"));

	/* Not a pool at all (or one freed already): refused, never touched. */
	memset(&fake, 0, sizeof(fake));
	spdk_mempool_free(&fake);
	ASSERT_EQ(errors(), 2);
	ASSERT_TRUE(log_capture_contains("is not a live pool"));
}

TEST(free_after_cached_use_is_clean)
{
	struct spdk_mempool *mp = spdk_mempool_create("clean", 512, 8, 16, 0);
	void *a[40];
	int i;

	ASSERT_NOT_NULL(mp);
	capture();
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(spdk_mempool_get_bulk(mp, a, 40), 0);
		spdk_mempool_put_bulk(mp, a, 40);
		a[0] = spdk_mempool_get(mp);
		spdk_mempool_put(mp, a[0]);
	}
	assert_all_home(mp);
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 0);
}

/* ---- other pthreads --------------------------------------------------------------- */

struct peer {
	struct spdk_mempool *mp;
	struct spdk_mempool *mp2;
	pthread_barrier_t *bar;
	size_t take;		/* elements to get then put back */
	size_t keep;		/* elements to get and hand to main */
	void *kept[16];
	size_t got_all;		/* elements a "get until NULL" obtained */
};

static void *
peer_cache_then_wait(void *arg)
{
	struct peer *p = arg;
	void *objs[64];
	size_t i;

	ASSERT_LE(p->take, SPDK_COUNTOF(objs));
	for (i = 0; i < p->take; i++) {
		objs[i] = spdk_mempool_get(p->mp);
		ASSERT_NOT_NULL(objs[i]);
	}
	for (i = 0; i < p->take; i++) {
		spdk_mempool_put(p->mp, objs[i]);
	}
	for (i = 0; i < p->keep; i++) {
		p->kept[i] = spdk_mempool_get(p->mp);
		ASSERT_NOT_NULL(p->kept[i]);
	}
	if (p->mp2 != NULL) {
		objs[0] = spdk_mempool_get(p->mp2);
		ASSERT_NOT_NULL(objs[0]);
		spdk_mempool_put(p->mp2, objs[0]);
	}
	pthread_barrier_wait(p->bar);	/* main looks at the pool */
	pthread_barrier_wait(p->bar);	/* main is done: exit */
	return NULL;
}

TEST(exiting_pthread_returns_its_cache)
{
	struct spdk_mempool *mp = spdk_mempool_create("exit", 1024, 8, 32, 0);
	pthread_barrier_t bar;
	struct peer p = { .mp = mp, .bar = &bar, .take = 20 };
	pthread_t t;

	ASSERT_NOT_NULL(mp);
	if (mp->cache_size == 0) {
		TEST_SKIP("too many cpus for this pool to cache");
	}
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, 2), 0);
	ASSERT_EQ(pthread_create(&t, NULL, peer_cache_then_wait, &p), 0);
	pthread_barrier_wait(&bar);
	/* The peer holds nothing, but its cache does: counted as available. */
	ASSERT_GT(pw__mempool_cached_count(mp), 0);
	ASSERT_LE(pw__mempool_cached_count(mp), mp->cache_size);
	ASSERT_LT(pw__mempool_store_count(mp), 1024);
	ASSERT_EQ(spdk_mempool_count(mp), 1024);
	pthread_barrier_wait(&bar);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	/* Its key destructor flushed the cache into the store. */
	ASSERT_EQ(pw__mempool_cached_count(mp), 0);
	ASSERT_EQ(pw__mempool_store_count(mp), 1024);
	ASSERT_EQ(spdk_mempool_count(mp), 1024);
	pthread_barrier_destroy(&bar);
	spdk_mempool_free(mp);
}

TEST(exiting_pthread_keeps_what_it_took)
{
	struct spdk_mempool *mp = spdk_mempool_create("exit2", 1024, 8, 32, 0);
	pthread_barrier_t bar;
	struct peer p = { .mp = mp, .bar = &bar, .take = 10, .keep = 5 };
	pthread_t t;

	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, 2), 0);
	ASSERT_EQ(pthread_create(&t, NULL, peer_cache_then_wait, &p), 0);
	pthread_barrier_wait(&bar);
	ASSERT_EQ(spdk_mempool_count(mp), 1019);
	pthread_barrier_wait(&bar);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_EQ(spdk_mempool_count(mp), 1019);
	ASSERT_EQ(pw__mempool_cached_count(mp), 0);
	/* Elements move freely between pthreads: main returns them. */
	spdk_mempool_put_bulk(mp, p.kept, 5);
	ASSERT_EQ(spdk_mempool_count(mp), 1024);
	pthread_barrier_destroy(&bar);
	spdk_mempool_free(mp);
}

static void *
peer_get_until_empty(void *arg)
{
	struct peer *p = arg;
	void *objs[16];
	size_t n = 0;

	while (n < 16 && (objs[n] = spdk_mempool_get(p->mp)) != NULL) {
		n++;
	}
	p->got_all = n;
	spdk_mempool_put_bulk(p->mp, objs, n);
	return NULL;
}

TEST(small_pool_elements_cached_elsewhere_are_counted_not_given)
{
	struct spdk_mempool *mp = spdk_mempool_create("small", 16, 8,
			      SPDK_MEMPOOL_DEFAULT_CACHE_SIZE, 0);
	pthread_barrier_t bar;
	struct peer p = { .mp = mp, .bar = &bar };
	pthread_t t;
	size_t cached;

	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(mp->cache_size, expected_cache(16, SPDK_MEMPOOL_DEFAULT_CACHE_SIZE));
	ASSERT_LE(mp->cache_size, 4);
	p.take = mp->cache_size;
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, 2), 0);
	ASSERT_EQ(pthread_create(&t, NULL, peer_cache_then_wait, &p), 0);
	pthread_barrier_wait(&bar);
	cached = pw__mempool_cached_count(mp);
	ASSERT_LE(cached, mp->cache_size);
	ASSERT_EQ(spdk_mempool_count(mp), 16);

	/* A third pthread gets everything except what the peer caches. */
	{
		struct peer q = { .mp = mp };
		pthread_t u;

		ASSERT_EQ(pthread_create(&u, NULL, peer_get_until_empty, &q), 0);
		ASSERT_EQ(pthread_join(u, NULL), 0);
		ASSERT_EQ(q.got_all, 16 - cached);
		ASSERT_GE(q.got_all, 8);
	}
	ASSERT_EQ(spdk_mempool_count(mp), 16);
	pthread_barrier_wait(&bar);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	assert_all_home(mp);
	ASSERT_EQ(pw__mempool_cached_count(mp), 0);
	pthread_barrier_destroy(&bar);
	spdk_mempool_free(mp);
}

TEST(pool_freed_while_another_pthread_caches_it)
{
	struct spdk_mempool *mp = spdk_mempool_create("gone", 256, 8, 16, 0);
	struct spdk_mempool *stay = spdk_mempool_create("stay", 256, 8, 16, 0);
	pthread_barrier_t bar;
	struct peer p = { .mp = mp, .mp2 = stay, .bar = &bar, .take = 10 };
	pthread_t t;

	ASSERT_NOT_NULL(mp);
	ASSERT_NOT_NULL(stay);
	ASSERT_EQ(pthread_barrier_init(&bar, NULL, 2), 0);
	ASSERT_EQ(pthread_create(&t, NULL, peer_cache_then_wait, &p), 0);
	pthread_barrier_wait(&bar);
	capture();
	/* Elements in the peer's cache are not "still taken". */
	spdk_mempool_free(mp);
	ASSERT_EQ(errors(), 0);
	/* The peer exits: its destructor must skip the freed pool (ASan would
	 * catch a touch) and flush the live one. */
	pthread_barrier_wait(&bar);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_EQ(pw__mempool_cached_count(stay), 0);
	assert_all_home(stay);
	spdk_mempool_free(stay);
	ASSERT_EQ(errors(), 0);
	pthread_barrier_destroy(&bar);
}

static void *
peer_get_put_once(void *arg)
{
	struct spdk_mempool *mp = arg;
	void *a = spdk_mempool_get(mp), *b = spdk_mempool_get(mp);

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	spdk_mempool_put(mp, a);
	spdk_mempool_put(mp, b);
	return NULL;
}

TEST(slots_are_recycled_across_many_pthreads)
{
	struct spdk_mempool *mp = spdk_mempool_create("recycle", 256, 8, 8, 0);
	int i;

	ASSERT_NOT_NULL(mp);
	/* Three times as many pthreads as slots, one after the other. */
	for (i = 0; i < 3 * PW_MEMPOOL_MAX_SLOTS; i++) {
		pthread_t t;

		ASSERT_EQ(pthread_create(&t, NULL, peer_get_put_once, mp), 0);
		ASSERT_EQ(pthread_join(t, NULL), 0);
		ASSERT_EQ(spdk_mempool_count(mp), 256);
	}
	/* One pthread at a time used a slot: slot 0 served them all. */
	ASSERT_LE(pw__mempool_slot_high(), 1);
	assert_all_home(mp);
	ASSERT_EQ(pw__mempool_cached_count(mp), 0);
	spdk_mempool_free(mp);
}

#define CROWD (PW_MEMPOOL_MAX_SLOTS + 40)

struct crowd {
	struct spdk_mempool *mp;
	pthread_barrier_t bar;
	unsigned no_slot;
	pthread_mutex_t lock;
};

static void *
crowd_member(void *arg)
{
	struct crowd *c = arg;
	void *a = spdk_mempool_get(c->mp);

	ASSERT_NOT_NULL(a);
	pthread_mutex_lock(&c->lock);
	if (pw__mempool_tslot == PW_MEMPOOL_TSLOT_NONE) {
		c->no_slot++;
	}
	pthread_mutex_unlock(&c->lock);
	/* Everyone alive at once, holding an element. */
	pthread_barrier_wait(&c->bar);
	spdk_mempool_put(c->mp, a);
	return NULL;
}

TEST_TIMEOUT(more_pthreads_than_slots_fall_back_to_the_store, 120)
{
	struct crowd c = { 0 };
	pthread_t *t = calloc(CROWD, sizeof(*t));
	pthread_attr_t attr;
	int i;

	ASSERT_NOT_NULL(t);
	c.mp = spdk_mempool_create("crowd", 16384, 8, 8, 0);
	ASSERT_NOT_NULL(c.mp);
	if (c.mp->cache_size == 0) {
		TEST_SKIP("too many cpus for this pool to cache");
	}
	pthread_mutex_init(&c.lock, NULL);
	ASSERT_EQ(pthread_barrier_init(&c.bar, NULL, CROWD), 0);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (i = 0; i < CROWD; i++) {
		ASSERT_EQ(pthread_create(&t[i], &attr, crowd_member, &c), 0);
	}
	for (i = 0; i < CROWD; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
	}
	/* Main never used the pool: every slot went to the crowd. */
	ASSERT_EQ(c.no_slot, CROWD - PW_MEMPOOL_MAX_SLOTS);
	ASSERT_EQ(pw__mempool_cached_count(c.mp), 0);
	assert_all_home(c.mp);
	spdk_mempool_free(c.mp);
	pthread_barrier_destroy(&c.bar);
	pthread_attr_destroy(&attr);
	free(t);
}

static void *
peer_nocache(void *arg)
{
	struct spdk_mempool *mp = arg;
	void *a[8];
	int i;

	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(spdk_mempool_get_bulk(mp, a, 8), 0);
		spdk_mempool_put_bulk(mp, a, 8);
	}
	return NULL;
}

TEST(cache_size_zero_never_caches_on_any_pthread)
{
	struct spdk_mempool *mp = spdk_mempool_create("zero", 64, 8, 0, 0);
	pthread_t t[2];
	unsigned s;

	ASSERT_NOT_NULL(mp);
	ASSERT_EQ(pthread_create(&t[0], NULL, peer_nocache, mp), 0);
	ASSERT_EQ(pthread_create(&t[1], NULL, peer_nocache, mp), 0);
	ASSERT_EQ(pthread_join(t[0], NULL), 0);
	ASSERT_EQ(pthread_join(t[1], NULL), 0);
	for (s = 0; s < PW_MEMPOOL_MAX_SLOTS; s++) {
		ASSERT_NULL(mp->caches[s]);
	}
	assert_all_home(mp);
	spdk_mempool_free(mp);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the spdk_malloc family: alignment (always at least a cache
 * line), zeroing, realloc keeping contents and alignment, and every refused
 * argument (logged, NULL returned, the caller's buffer untouched).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "harness.h"
#include "log_capture.h"

#define ANY	SPDK_ENV_NUMA_ID_ANY
#define DMA	SPDK_MALLOC_DMA

/* Under ASan/TSan an impossible allocation aborts by default; the tests of
 * exhausted memory need it to fail with NULL as the C library does. */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

const char *
__tsan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static bool
aligned_to(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

static void
fill(void *buf, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++) {
		((uint8_t *)buf)[i] = (uint8_t)(seed + i * 7);
	}
}

static void
expect_filled(const void *buf, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++) {
		ASSERT_EQ(((const uint8_t *)buf)[i], (uint8_t)(seed + i * 7));
	}
}

TEST(malloc_aligns_to_at_least_a_cache_line)
{
	static const size_t aligns[] = { 0, 1, 2, 8, 16, 32, 64, 128, 4096, 65536, 1 << 21 };
	static const size_t sizes[] = { 1, 63, 64, 65, 4096, 100000 };

	for (size_t a = 0; a < SPDK_COUNTOF(aligns); a++) {
		for (size_t s = 0; s < SPDK_COUNTOF(sizes); s++) {
			void *buf = spdk_malloc(sizes[s], aligns[a], NULL, ANY, DMA);

			ASSERT_NOT_NULL(buf);
			ASSERT_TRUE(aligned_to(buf, 64));
			ASSERT_TRUE(aligned_to(buf, aligns[a] ? aligns[a] : 1));
			fill(buf, sizes[s], 3);	/* the whole size is usable */
			expect_filled(buf, sizes[s], 3);
			spdk_free(buf);
		}
	}
}

TEST(malloc_flags_and_numa_hints)
{
	void *a = spdk_malloc(100, 0, NULL, 0, SPDK_MALLOC_SHARE);
	void *b = spdk_malloc(100, 0, NULL, 7, DMA | SPDK_MALLOC_SHARE);

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	spdk_free(a);
	spdk_free(b);
}

TEST(zmalloc_zeroes)
{
	/* Dirty the heap first so that zeroed memory is not zero by luck. */
	for (int round = 0; round < 4; round++) {
		uint8_t *dirty = malloc(8192);
		uint8_t *buf;

		ASSERT_NOT_NULL(dirty);
		memset(dirty, 0xee, 8192);
		free(dirty);
		buf = spdk_zmalloc(8000, 256, NULL, ANY, DMA);
		ASSERT_NOT_NULL(buf);
		ASSERT_TRUE(aligned_to(buf, 256));
		for (size_t i = 0; i < 8000; i++) {
			ASSERT_EQ(buf[i], 0);
		}
		spdk_free(buf);
	}
}

TEST(malloc_bad_arguments_refused)
{
	uint64_t phys = 0;

	log_capture_start();
	ASSERT_NULL(spdk_malloc(64, 3, NULL, ANY, DMA));
	ASSERT_TRUE(log_capture_contains("alignment 3 is not a power of two"));
	ASSERT_NULL(spdk_malloc(64, 48, NULL, ANY, DMA));
	ASSERT_NULL(spdk_zmalloc(64, 100, NULL, ANY, DMA));
	ASSERT_NULL(spdk_malloc(64, 0, &phys, ANY, DMA));
	ASSERT_TRUE(log_capture_contains("physical-address argument must be NULL"));
	ASSERT_NULL(spdk_zmalloc(64, 0, &phys, ANY, DMA));
	ASSERT_NULL(spdk_malloc(0, 0, NULL, ANY, DMA));
	ASSERT_TRUE(log_capture_contains("size 0"));
	ASSERT_NULL(spdk_zmalloc(0, 64, NULL, ANY, DMA));
	ASSERT_NULL(spdk_malloc(64, 0, NULL, ANY, 0));
	ASSERT_TRUE(log_capture_contains("flags must include"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 8);
	log_capture_stop();
	ASSERT_EQ(phys, 0);
}

TEST(malloc_impossible_size_refused)
{
	log_capture_start();
	ASSERT_NULL(spdk_malloc(SIZE_MAX - 4096, 0, NULL, ANY, DMA));
	ASSERT_NULL(spdk_zmalloc((size_t)-64, 0, NULL, ANY, DMA));
	ASSERT_NULL(spdk_realloc(NULL, (size_t)PTRDIFF_MAX + 1, 0));
	ASSERT_EQ(log_capture_count_matching("larger than any object can be"), 3);
	log_capture_stop();
}

TEST(malloc_out_of_memory_returns_null)
{
	/* Valid but impossible requests: NULL, not logged, no crash. */
	log_capture_start();
	ASSERT_NULL(spdk_zmalloc(PTRDIFF_MAX, 64, NULL, ANY, DMA));
	ASSERT_NULL(spdk_malloc((size_t)1 << 60, 0, NULL, ANY, DMA));
	ASSERT_NULL(spdk_malloc(64, (size_t)1 << 62, NULL, ANY, DMA));
	ASSERT_EQ(log_capture_total(), 0);
	log_capture_stop();
}

TEST(realloc_keeps_contents_and_alignment)
{
	uint8_t *buf = spdk_malloc(100, 0, NULL, ANY, DMA);

	ASSERT_NOT_NULL(buf);
	fill(buf, 100, 9);

	buf = spdk_realloc(buf, 100000, 0);	/* grow */
	ASSERT_NOT_NULL(buf);
	ASSERT_TRUE(aligned_to(buf, 64));
	expect_filled(buf, 100, 9);
	fill(buf, 100000, 11);

	buf = spdk_realloc(buf, 90000, 0);	/* small shrink: may stay */
	ASSERT_NOT_NULL(buf);
	expect_filled(buf, 90000, 11);

	buf = spdk_realloc(buf, 50, 0);		/* large shrink */
	ASSERT_NOT_NULL(buf);
	ASSERT_TRUE(aligned_to(buf, 64));
	expect_filled(buf, 50, 11);

	buf = spdk_realloc(buf, 5000, 4096);	/* a stricter alignment */
	ASSERT_NOT_NULL(buf);
	ASSERT_TRUE(aligned_to(buf, 4096));
	expect_filled(buf, 50, 11);

	buf = spdk_realloc(buf, 5000, 1 << 16);	/* same size, stricter still */
	ASSERT_NOT_NULL(buf);
	ASSERT_TRUE(aligned_to(buf, 1 << 16));
	expect_filled(buf, 50, 11);
	spdk_free(buf);
}

TEST(realloc_of_null_allocates)
{
	uint8_t *buf = spdk_realloc(NULL, 300, 128);

	ASSERT_NOT_NULL(buf);
	ASSERT_TRUE(aligned_to(buf, 128));
	fill(buf, 300, 1);
	expect_filled(buf, 300, 1);
	spdk_free(buf);
}

TEST(realloc_failure_leaves_buffer_untouched)
{
	uint8_t *buf = spdk_malloc(256, 0, NULL, ANY, DMA);

	ASSERT_NOT_NULL(buf);
	fill(buf, 256, 5);
	log_capture_start();
	ASSERT_NULL(spdk_realloc(buf, 0, 0));
	ASSERT_TRUE(log_capture_contains("size 0"));
	ASSERT_NULL(spdk_realloc(buf, 512, 96));
	ASSERT_TRUE(log_capture_contains("not a power of two"));
	ASSERT_NULL(spdk_dma_realloc(buf, 512, 0, (uint64_t *)buf));
	ASSERT_TRUE(log_capture_contains("physical-address argument must be NULL"));
	log_capture_stop();
	ASSERT_NULL(spdk_realloc(buf, (size_t)1 << 60, 0));	/* out of memory */
	expect_filled(buf, 256, 5);	/* still ours, still intact */
	spdk_free(buf);
}

TEST(free_null_is_a_no_op)
{
	spdk_free(NULL);
	spdk_dma_free(NULL);
}

TEST(dma_variants)
{
	uint64_t phys = 0;
	uint8_t *a = spdk_dma_malloc(1000, 512, NULL);
	uint8_t *b = spdk_dma_malloc_socket(1000, 0, NULL, ANY);
	uint8_t *c = spdk_dma_zmalloc(1000, 4096, NULL);
	uint8_t *d = spdk_dma_zmalloc_socket(1000, 0, NULL, 0);

	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_NOT_NULL(c);
	ASSERT_NOT_NULL(d);
	ASSERT_TRUE(aligned_to(a, 512));
	ASSERT_TRUE(aligned_to(b, 64));
	ASSERT_TRUE(aligned_to(c, 4096));
	ASSERT_TRUE(aligned_to(d, 64));
	for (int i = 0; i < 1000; i++) {
		ASSERT_EQ(c[i], 0);
		ASSERT_EQ(d[i], 0);
	}
	fill(a, 1000, 2);
	a = spdk_dma_realloc(a, 3000, 1024, NULL);
	ASSERT_NOT_NULL(a);
	ASSERT_TRUE(aligned_to(a, 1024));
	expect_filled(a, 1000, 2);

	log_capture_start();
	ASSERT_NULL(spdk_dma_malloc(10, 0, &phys));
	ASSERT_NULL(spdk_dma_malloc_socket(10, 0, &phys, 0));
	ASSERT_NULL(spdk_dma_zmalloc(10, 0, &phys));
	ASSERT_NULL(spdk_dma_zmalloc_socket(10, 0, &phys, 0));
	ASSERT_NULL(spdk_dma_malloc(0, 0, NULL));
	ASSERT_NULL(spdk_dma_zmalloc(10, 24, NULL));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 6);
	log_capture_stop();
	ASSERT_EQ(phys, 0);

	spdk_dma_free(a);
	spdk_dma_free(b);
	spdk_free(c);		/* the families mix */
	spdk_dma_free(d);
}

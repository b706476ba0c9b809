/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The spdk_malloc family on the ordinary heap: posix_memalign with at least
 * cache-line alignment. There are no hugepages and no physical addresses, so
 * the "unused" physical-address pointer must be NULL, as SPDK requires.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include <malloc.h>

#include "common/pw_common.h"

/* Check the arguments every allocation shares; log and return false if bad. */
static bool
alloc_args_ok(const char *fn, size_t size, size_t align, const uint64_t *unused)
{
	if (unused != NULL) {
		SPDK_ERRLOG("%s: the physical-address argument must be NULL "
			    "(Pinwheel memory has no physical address)\n", fn);
		return false;
	}
	if (size == 0) {
		SPDK_ERRLOG("%s: size 0 requested\n", fn);
		return false;
	}
	if (size > PTRDIFF_MAX) {
		/* No object may be that large; most likely a negative size. */
		SPDK_ERRLOG("%s: size %zu is larger than any object can be\n", fn, size);
		return false;
	}
	if (align != 0 && !spdk_u64_is_pow2(align)) {
		SPDK_ERRLOG("%s: alignment %zu is not a power of two\n", fn, align);
		return false;
	}
	return true;
}

static void *
aligned_alloc_checked(size_t size, size_t align)
{
	void *buf = NULL;

	if (posix_memalign(&buf, spdk_max(align, (size_t)SPDK_CACHE_LINE_SIZE), size) != 0) {
		return NULL;
	}
	return buf;
}

static void *
env_malloc(const char *fn, size_t size, size_t align, uint64_t *unused, uint32_t flags)
{
	if (!alloc_args_ok(fn, size, align, unused)) {
		return NULL;
	}
	/* SPDK refuses flags == 0 too; keeping that makes a program that runs
	 * here also run on SPDK. */
	if (flags == 0) {
		SPDK_ERRLOG("%s: flags must include SPDK_MALLOC_DMA and/or SPDK_MALLOC_SHARE\n", fn);
		return NULL;
	}
	return aligned_alloc_checked(size, align);
}

PW_EXPORT void *
spdk_malloc(size_t size, size_t align, uint64_t *unused, int numa_id, uint32_t flags)
{
	return env_malloc(__func__, size, align, unused, flags);
}

PW_EXPORT void *
spdk_zmalloc(size_t size, size_t align, uint64_t *unused, int numa_id, uint32_t flags)
{
	void *buf = env_malloc(__func__, size, align, unused, flags);

	if (buf != NULL) {
		memset(buf, 0, size);
	}
	return buf;
}

static void *
env_realloc(const char *fn, void *buf, size_t size, size_t align)
{
	size_t usable;
	void *new_buf;

	if (!alloc_args_ok(fn, size, align, NULL)) {
		return NULL;
	}
	align = spdk_max(align, (size_t)SPDK_CACHE_LINE_SIZE);
	if (buf == NULL) {
		return aligned_alloc_checked(size, align);
	}

	/* Keep the buffer when it already fits and is aligned, unless most of
	 * it would be wasted. realloc() itself cannot be used: it may move the
	 * data to a block aligned to only 16 bytes, and by then the old block
	 * is gone, so a failure to re-align could not leave \p buf untouched. */
	usable = malloc_usable_size(buf);
	if (size <= usable && size >= usable / 2 && ((uintptr_t)buf & (align - 1)) == 0) {
		return buf;
	}

	new_buf = aligned_alloc_checked(size, align);
	if (new_buf == NULL) {
		return NULL;
	}
	memcpy(new_buf, buf, spdk_min(size, usable));
	free(buf);
	return new_buf;
}

PW_EXPORT void *
spdk_realloc(void *buf, size_t size, size_t align)
{
	return env_realloc(__func__, buf, size, align);
}

PW_EXPORT void
spdk_free(void *buf)
{
	free(buf);
}

PW_EXPORT void *
spdk_dma_malloc(size_t size, size_t align, uint64_t *unused)
{
	return env_malloc(__func__, size, align, unused, SPDK_MALLOC_DMA);
}

PW_EXPORT void *
spdk_dma_malloc_socket(size_t size, size_t align, uint64_t *unused, int numa_id)
{
	return env_malloc(__func__, size, align, unused, SPDK_MALLOC_DMA);
}

PW_EXPORT void *
spdk_dma_zmalloc(size_t size, size_t align, uint64_t *unused)
{
	void *buf = env_malloc(__func__, size, align, unused, SPDK_MALLOC_DMA);

	if (buf != NULL) {
		memset(buf, 0, size);
	}
	return buf;
}

PW_EXPORT void *
spdk_dma_zmalloc_socket(size_t size, size_t align, uint64_t *unused, int numa_id)
{
	void *buf = env_malloc(__func__, size, align, unused, SPDK_MALLOC_DMA);

	if (buf != NULL) {
		memset(buf, 0, size);
	}
	return buf;
}

PW_EXPORT void *
spdk_dma_realloc(void *buf, size_t size, size_t align, uint64_t *unused)
{
	if (unused != NULL) {
		SPDK_ERRLOG("%s: the physical-address argument must be NULL "
			    "(Pinwheel memory has no physical address)\n", __func__);
		return NULL;
	}
	return env_realloc(__func__, buf, size, align);
}

PW_EXPORT void
spdk_dma_free(void *buf)
{
	free(buf);
}

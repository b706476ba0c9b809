/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Memory zones over ordinary memory: a process-wide registry of named,
 * zeroed, aligned heap blocks.
 *
 * With DPDK a memzone lives in shared hugepage memory so that secondary
 * processes find it by name. Pinwheel has neither, so a zone is a
 * posix_memalign() block and a registry entry. Programs reserve a handful of
 * zones (SPDK's NVMe driver reserves one), so the registry is a list under
 * one mutex; every function takes it for its whole work, which makes
 * "lookup, then reserve if absent" races resolve to exactly one winner (the
 * others get a refused duplicate). A new zone is allocated and zeroed
 * before the lock is taken, and freed after it is released.
 *
 * Argument checks follow DPDK's rte_memzone_reserve_aligned(), which SPDK
 * calls: name length, duplicate name, power-of-two alignment raised to a
 * cache line, length rounded up to cache lines, numa id either "any" (-1) or
 * a node number. Where DPDK has no equivalent here (len 0 = the largest free
 * block) the request is refused, with the reason logged.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/queue.h"
#include "spdk/util.h"

#include "common/pw_common.h"
#include "env_internal.h"

#define MEMZONE_KNOWN_FLAGS	SPDK_MEMZONE_NO_IOVA_CONTIG

struct memzone {
	TAILQ_ENTRY(memzone)	link;
	void			*addr;
	size_t			len;		/* cache-line rounded, as DPDK reports it */
	unsigned		align;
	int			numa_id;
	unsigned		flags;
	char			name[SPDK_MAX_MEMZONE_NAME_LEN];
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, memzone) g_zones = TAILQ_HEAD_INITIALIZER(g_zones);

static struct memzone *
find_locked(const char *name)
{
	struct memzone *mz;

	TAILQ_FOREACH(mz, &g_zones, link) {
		if (strcmp(mz->name, name) == 0) {
			return mz;
		}
	}
	return NULL;
}

/* Check what can be checked without the registry; 0 or -EINVAL (logged). */
static int
check_args(const char *name, size_t len, int numa_id, unsigned flags, unsigned align)
{
	if (name == NULL) {
		SPDK_ERRLOG("memzone: reserve with a NULL name\n");
		return -EINVAL;
	}
	if (strnlen(name, SPDK_MAX_MEMZONE_NAME_LEN) >= SPDK_MAX_MEMZONE_NAME_LEN) {
		SPDK_ERRLOG("memzone: name \"%.*s...\" is too long (at most %d characters)\n",
			    SPDK_MAX_MEMZONE_NAME_LEN - 1, name, SPDK_MAX_MEMZONE_NAME_LEN - 1);
		return -EINVAL;
	}
	if (len == 0) {
		SPDK_ERRLOG("memzone \"%s\": len is 0 (Pinwheel has no fixed memory from which "
			    "to take \"the largest free block\" as DPDK does); give a size\n",
			    name);
		return -EINVAL;
	}
	if (len > SIZE_MAX / 2) {
		SPDK_ERRLOG("memzone \"%s\": len %zu is too large\n", name, len);
		return -EINVAL;
	}
	if (numa_id < SPDK_ENV_NUMA_ID_ANY) {
		SPDK_ERRLOG("memzone \"%s\": numa_id %d is neither SPDK_ENV_NUMA_ID_ANY (-1) "
			    "nor a node number\n", name, numa_id);
		return -EINVAL;
	}
	if ((flags & ~(unsigned)MEMZONE_KNOWN_FLAGS) != 0) {
		SPDK_ERRLOG("memzone \"%s\": unknown flags 0x%x (the only memzone flag is "
			    "SPDK_MEMZONE_NO_IOVA_CONTIG, 0x%x)\n", name,
			    flags & ~(unsigned)MEMZONE_KNOWN_FLAGS, MEMZONE_KNOWN_FLAGS);
		return -EINVAL;
	}
	if (align != 0 && (align & (align - 1)) != 0) {
		SPDK_ERRLOG("memzone \"%s\": align %u is not a power of two\n", name, align);
		return -EINVAL;
	}
	return 0;
}

PW_EXPORT void *
spdk_memzone_reserve_aligned(const char *name, size_t len, int numa_id, unsigned flags,
			     unsigned align)
{
	struct memzone *mz;

	if (check_args(name, len, numa_id, flags, align) != 0) {
		return NULL;
	}
	if (align < SPDK_CACHE_LINE_SIZE) {
		align = SPDK_CACHE_LINE_SIZE;
	}

	mz = calloc(1, sizeof(*mz));
	if (mz == NULL) {
		SPDK_ERRLOG("memzone \"%s\": out of memory\n", name);
		return NULL;
	}
	mz->len = SPDK_ALIGN_CEIL(len, (size_t)SPDK_CACHE_LINE_SIZE);
	mz->align = align;
	mz->numa_id = numa_id;
	mz->flags = flags;
	snprintf(mz->name, sizeof(mz->name), "%s", name);
	if (posix_memalign(&mz->addr, align, mz->len) != 0) {
		SPDK_ERRLOG("memzone \"%s\": out of memory (%zu bytes aligned to %u)\n", name,
			    mz->len, align);
		free(mz);
		return NULL;
	}
	memset(mz->addr, 0, mz->len);

	pthread_mutex_lock(&g_lock);
	if (find_locked(name) != NULL) {
		pthread_mutex_unlock(&g_lock);
		SPDK_ERRLOG("memzone \"%s\" already exists; spdk_memzone_lookup() finds it\n",
			    name);
		free(mz->addr);
		free(mz);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&g_zones, mz, link);
	pthread_mutex_unlock(&g_lock);
	return mz->addr;
}

PW_EXPORT void *
spdk_memzone_reserve(const char *name, size_t len, int numa_id, unsigned flags)
{
	return spdk_memzone_reserve_aligned(name, len, numa_id, flags, 0);
}

PW_EXPORT void *
spdk_memzone_lookup(const char *name)
{
	struct memzone *mz;
	void *addr;

	if (name == NULL) {
		SPDK_ERRLOG("memzone: lookup of a NULL name\n");
		return NULL;
	}
	pthread_mutex_lock(&g_lock);
	mz = find_locked(name);
	addr = mz != NULL ? mz->addr : NULL;
	pthread_mutex_unlock(&g_lock);
	return addr;
}

PW_EXPORT int
spdk_memzone_free(const char *name)
{
	struct memzone *mz;

	if (name == NULL) {
		SPDK_ERRLOG("memzone: free of a NULL name\n");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_lock);
	mz = find_locked(name);
	if (mz != NULL) {
		TAILQ_REMOVE(&g_zones, mz, link);
	}
	pthread_mutex_unlock(&g_lock);
	if (mz == NULL) {
		return -ENOENT;
	}
	free(mz->addr);
	free(mz);
	return 0;
}

PW_EXPORT void
spdk_memzone_dump(FILE *f)
{
	struct memzone *mz;
	unsigned count = 0, i = 0;

	if (f == NULL) {
		SPDK_ERRLOG("memzone: dump to a NULL FILE\n");
		return;
	}
	pthread_mutex_lock(&g_lock);
	TAILQ_FOREACH(mz, &g_zones, link) {
		count++;
	}
	fprintf(f, "No DPDK memzones: Pinwheel runs without DPDK or hugepages. "
		"Pinwheel memzones (ordinary heap memory, this process only): %u\n", count);
	TAILQ_FOREACH(mz, &g_zones, link) {
		fprintf(f, "Zone %u: name:<%s>, len:0x%zx, virt:%p, numa_id:%d, align:%u, "
			"flags:0x%x\n", i++, mz->name, mz->len, mz->addr, mz->numa_id, mz->align,
			mz->flags);
	}
	pthread_mutex_unlock(&g_lock);
}

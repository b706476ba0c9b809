/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of the memzone registry on real pthreads: several pthreads
 * reserve, look up, dump and free zones drawn from a small set of shared
 * names, so that most reserves race with another pthread's reserve or free
 * of the same name.
 *
 * Exactly one pthread may hold a name at a time. A pthread whose reserve
 * succeeds increments the name's holder count (atomic) and must see 0 before
 * its increment: a 1 means the registry handed the same name to two
 * pthreads. It then fills the zone with its own pattern (plain stores). While
 * it holds the zone, a lookup of the name must return its pointer, and just
 * before freeing it checks that its pattern is intact (a zone given to
 * someone else or freed behind its back would be overwritten); it decrements
 * the holder count before the free, so a reserve that follows the free never
 * sees a stale count. Frees of names nobody reserves must answer -ENOENT.
 * At the end no zone may remain.
 *
 * Under ThreadSanitizer the plain writes of one holder and the plain reads
 * of the next holder of the same memory check that the registry's lock
 * orders them.
 *
 * Bounded by PW_STRESS_OBJECTS operations per pthread (default 200000) and
 * PW_STRESS_SECONDS (default 3 s), whichever ends first.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"

#include "harness.h"
#include "ut_stress.h"

#define NTHREADS	4
#define NNAMES		8
#define ZONE_LEN	256

struct held {
	unsigned char	*addr;
	bool		held;
};

static uint32_t g_holders[NNAMES];	/* atomic */
static uint64_t g_stop_ns;
static uint64_t g_max_ops;

static uint64_t g_reserved;		/* atomic, statistics */
static uint64_t g_refused;		/* atomic, statistics */

static void
zone_name(char *buf, size_t len, unsigned k)
{
	snprintf(buf, len, "stress_mz_%u", k);
}

static void
release(struct held *h, unsigned k, unsigned char pattern)
{
	char name[SPDK_MAX_MEMZONE_NAME_LEN];

	for (size_t i = 0; i < ZONE_LEN; i++) {
		if (h->addr[i] != pattern) {
			FAIL("zone %u byte %zu is 0x%02x, its holder wrote 0x%02x", k, i,
			     h->addr[i], pattern);
		}
	}
	/* Pairs with the fetch_add in worker() of the next holder: the count
	 * drops before the name becomes free, so that holder sees 0. */
	ASSERT_EQ(__atomic_sub_fetch(&g_holders[k], 1, __ATOMIC_ACQ_REL), 0u);
	zone_name(name, sizeof(name), k);
	ASSERT_EQ(spdk_memzone_free(name), 0);
	h->held = false;
	h->addr = NULL;
}

static void *
worker(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	unsigned char pattern = (unsigned char)(0x11 * (id + 1));
	struct held held[NNAMES] = {};
	char name[SPDK_MAX_MEMZONE_NAME_LEN];
	uint64_t seed = 0x9e3779b97f4a7c15ull * (id + 1);
	FILE *devnull = fopen("/dev/null", "w");

	ASSERT_NOT_NULL(devnull);
	for (uint64_t op = 0; op < g_max_ops; op++) {
		uint64_t r = rnd(&seed);
		unsigned k = (unsigned)(r % NNAMES);
		struct held *h = &held[k];
		void *p;

		if ((op & 255) == 0 && now_ns() >= g_stop_ns) {
			break;
		}
		zone_name(name, sizeof(name), k);
		switch ((r >> 8) % 8) {
		case 0:
		case 1:
		case 2:
			if (h->held) {
				release(h, k, pattern);
				break;
			}
			p = spdk_memzone_reserve(name, ZONE_LEN, SPDK_ENV_NUMA_ID_ANY, 0);
			if (p == NULL) {
				__atomic_add_fetch(&g_refused, 1, __ATOMIC_RELAXED);
				break;
			}
			/* Pairs with the sub_fetch in release() of the previous holder. */
			ASSERT_EQ(__atomic_fetch_add(&g_holders[k], 1, __ATOMIC_ACQ_REL), 0u);
			__atomic_add_fetch(&g_reserved, 1, __ATOMIC_RELAXED);
			h->addr = p;
			h->held = true;
			for (size_t i = 0; i < ZONE_LEN; i++) {
				ASSERT_EQ(h->addr[i], 0);	/* a new zone is zeroed */
			}
			memset(h->addr, pattern, ZONE_LEN);
			break;
		case 3:
		case 4:
		case 5:
			p = spdk_memzone_lookup(name);
			if (h->held) {
				ASSERT_PTR_EQ(p, h->addr);
			}
			break;
		case 6:
			snprintf(name, sizeof(name), "stress_mz_none_%u", k);
			ASSERT_EQ(spdk_memzone_free(name), -ENOENT);
			break;
		default:
			if ((r >> 16) % 64 == 0) {
				spdk_memzone_dump(devnull);
			}
			break;
		}
	}
	for (unsigned k = 0; k < NNAMES; k++) {
		if (held[k].held) {
			release(&held[k], k, pattern);
		}
	}
	fclose(devnull);
	return NULL;
}

TEST_TIMEOUT(memzone_registry_under_contention, 300)
{
	pthread_t threads[NTHREADS];
	char name[SPDK_MAX_MEMZONE_NAME_LEN];
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	g_max_ops = env_u64("PW_STRESS_OBJECTS", 200000);
	g_stop_ns = now_ns() + env_u64("PW_STRESS_SECONDS", 3) * 1000000000ull;
	/* Refused duplicates are part of the test; keep their log lines out. */
	spdk_log_set_print_level(SPDK_LOG_DISABLED);

	for (unsigned i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(pthread_create(&threads[i], NULL, worker, (void *)(uintptr_t)i), 0);
	}
	for (unsigned i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(pthread_join(threads[i], NULL), 0);
	}

	for (unsigned k = 0; k < NNAMES; k++) {
		zone_name(name, sizeof(name), k);
		ASSERT_NULL(spdk_memzone_lookup(name));
		ASSERT_EQ(__atomic_load_n(&g_holders[k], __ATOMIC_RELAXED), 0u);
	}
	f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	spdk_memzone_dump(f);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_STR_CONTAINS(text, "this process only): 0\n");
	free(text);

	printf("reserved %" PRIu64 " zones, %" PRIu64 " reserves refused as duplicates\n",
	       __atomic_load_n(&g_reserved, __ATOMIC_RELAXED),
	       __atomic_load_n(&g_refused, __ATOMIC_RELAXED));
	/* Contention happened: some reserves met a name held by another pthread. */
	ASSERT_GT(__atomic_load_n(&g_reserved, __ATOMIC_RELAXED), 0u);
}

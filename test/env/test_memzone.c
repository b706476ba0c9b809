/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the memzone registry: reserve / lookup / free in normal use
 * (zeroed, aligned, usable memory; names reusable after free), SPDK's
 * argument checks (each refused with a logged reason and without a zone
 * left behind), and the text of spdk_memzone_dump(). Every test frees what it
 * reserved, so LSan sees no leak.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "harness.h"
#include "log_capture.h"

#define ANY SPDK_ENV_NUMA_ID_ANY

static bool
all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++) {
		if (c[i] != 0) {
			return false;
		}
	}
	return true;
}

/* What spdk_memzone_dump() writes, in a buffer the caller frees. */
static char *
dump_text(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_NOT_NULL(f);
	spdk_memzone_dump(f);
	ASSERT_EQ(fclose(f), 0);
	ASSERT_NOT_NULL(buf);
	return buf;
}

TEST(memzone_reserve_lookup_free)
{
	char *p = spdk_memzone_reserve("mz_basic", 1000, ANY, 0);

	ASSERT_NOT_NULL(p);
	ASSERT_EQ((uintptr_t)p % 64, 0);
	ASSERT_TRUE(all_zero(p, 1000));
	memset(p, 0xab, 1000);		/* the whole length is usable */
	ASSERT_PTR_EQ(spdk_memzone_lookup("mz_basic"), p);
	ASSERT_NULL(spdk_memzone_lookup("mz_other"));
	ASSERT_EQ(spdk_memzone_free("mz_basic"), 0);
	ASSERT_NULL(spdk_memzone_lookup("mz_basic"));
	ASSERT_EQ(spdk_memzone_free("mz_basic"), -ENOENT);

	/* The name can be reserved again, and the new zone is zeroed. */
	p = spdk_memzone_reserve("mz_basic", 1000, 0, SPDK_MEMZONE_NO_IOVA_CONTIG);
	ASSERT_NOT_NULL(p);
	ASSERT_TRUE(all_zero(p, 1000));
	ASSERT_EQ(spdk_memzone_free("mz_basic"), 0);
}

TEST(memzone_alignment)
{
	static const unsigned aligns[] = { 0, 1, 2, 32, 64, 128, 4096, 1u << 21 };

	for (size_t i = 0; i < SPDK_COUNTOF(aligns); i++) {
		unsigned want = aligns[i] < 64 ? 64 : aligns[i];
		void *p = spdk_memzone_reserve_aligned("mz_align", 100, ANY, 0, aligns[i]);

		ASSERT_NOT_NULL(p);
		ASSERT_EQ((uintptr_t)p % want, 0);
		ASSERT_EQ(spdk_memzone_free("mz_align"), 0);
	}
}

TEST(memzone_several_zones_are_distinct)
{
	char name[SPDK_MAX_MEMZONE_NAME_LEN];
	char *zones[16];

	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "mz_many_%d", i);
		zones[i] = spdk_memzone_reserve(name, 256, ANY, 0);
		ASSERT_NOT_NULL(zones[i]);
		memset(zones[i], i, 256);
	}
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "mz_many_%d", i);
		ASSERT_PTR_EQ(spdk_memzone_lookup(name), zones[i]);
		ASSERT_EQ(zones[i][0], i);
		ASSERT_EQ(zones[i][255], i);
	}
	/* Free in another order than reserved. */
	for (int i = 15; i >= 0; i -= 2) {
		snprintf(name, sizeof(name), "mz_many_%d", i);
		ASSERT_EQ(spdk_memzone_free(name), 0);
	}
	for (int i = 0; i < 16; i += 2) {
		snprintf(name, sizeof(name), "mz_many_%d", i);
		ASSERT_PTR_EQ(spdk_memzone_lookup(name), zones[i]);
		ASSERT_EQ(spdk_memzone_free(name), 0);
	}
}

TEST(memzone_name_length_limit)
{
	char name[SPDK_MAX_MEMZONE_NAME_LEN + 1];

	/* 31 characters: the longest name. */
	memset(name, 'n', SPDK_MAX_MEMZONE_NAME_LEN - 1);
	name[SPDK_MAX_MEMZONE_NAME_LEN - 1] = '\0';
	ASSERT_NOT_NULL(spdk_memzone_reserve(name, 64, ANY, 0));
	ASSERT_NOT_NULL(spdk_memzone_lookup(name));
	ASSERT_EQ(spdk_memzone_free(name), 0);

	/* 32 characters: refused. */
	memset(name, 'n', SPDK_MAX_MEMZONE_NAME_LEN);
	name[SPDK_MAX_MEMZONE_NAME_LEN] = '\0';
	log_capture_start();
	ASSERT_NULL(spdk_memzone_reserve(name, 64, ANY, 0));
	ASSERT_TRUE(log_capture_contains("is too long (at most 31 characters)"));
	log_capture_stop();
	ASSERT_NULL(spdk_memzone_lookup(name));
}

TEST(memzone_duplicate_name_refused)
{
	void *p = spdk_memzone_reserve("mz_dup", 128, ANY, 0);

	ASSERT_NOT_NULL(p);
	log_capture_start();
	ASSERT_NULL(spdk_memzone_reserve("mz_dup", 128, ANY, 0));
	ASSERT_NULL(spdk_memzone_reserve_aligned("mz_dup", 4096, 0, 0, 4096));
	ASSERT_EQ(log_capture_count_matching("memzone \"mz_dup\" already exists"), 2);
	log_capture_stop();
	/* The first zone is untouched. */
	ASSERT_PTR_EQ(spdk_memzone_lookup("mz_dup"), p);
	ASSERT_EQ(spdk_memzone_free("mz_dup"), 0);
}

TEST(memzone_bad_arguments_refused)
{
	log_capture_start();
	ASSERT_NULL(spdk_memzone_reserve(NULL, 64, ANY, 0));
	ASSERT_TRUE(log_capture_contains("reserve with a NULL name"));
	ASSERT_NULL(spdk_memzone_reserve("mz_bad", 0, ANY, 0));
	ASSERT_TRUE(log_capture_contains("len is 0"));
	ASSERT_NULL(spdk_memzone_reserve("mz_bad", SIZE_MAX, ANY, 0));
	ASSERT_TRUE(log_capture_contains("is too large"));
	ASSERT_NULL(spdk_memzone_reserve("mz_bad", 64, -2, 0));
	ASSERT_TRUE(log_capture_contains("numa_id -2 is neither"));
	ASSERT_NULL(spdk_memzone_reserve("mz_bad", 64, ANY, 0x1));
	ASSERT_TRUE(log_capture_contains("unknown flags 0x1"));
	ASSERT_NULL(spdk_memzone_reserve("mz_bad", 64, ANY, SPDK_MEMZONE_NO_IOVA_CONTIG | 0x80));
	ASSERT_TRUE(log_capture_contains("unknown flags 0x80"));
	ASSERT_NULL(spdk_memzone_reserve_aligned("mz_bad", 64, ANY, 0, 96));
	ASSERT_TRUE(log_capture_contains("align 96 is not a power of two"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 7);

	/* None of them left a zone behind. */
	ASSERT_NULL(spdk_memzone_lookup("mz_bad"));
	ASSERT_EQ(spdk_memzone_free("mz_bad"), -ENOENT);

	log_capture_reset();
	ASSERT_NULL(spdk_memzone_lookup(NULL));
	ASSERT_EQ(spdk_memzone_free(NULL), -EINVAL);
	spdk_memzone_dump(NULL);
	ASSERT_TRUE(log_capture_contains("lookup of a NULL name"));
	ASSERT_TRUE(log_capture_contains("free of a NULL name"));
	ASSERT_TRUE(log_capture_contains("dump to a NULL FILE"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	log_capture_stop();
}

TEST(memzone_numa_ids_accepted)
{
	/* Any node number is a hint, as SPDK falls back to any node. */
	static const int ids[] = { SPDK_ENV_NUMA_ID_ANY, 0, 1, 7, 1000 };

	for (size_t i = 0; i < SPDK_COUNTOF(ids); i++) {
		ASSERT_NOT_NULL(spdk_memzone_reserve("mz_numa", 64, ids[i], 0));
		ASSERT_EQ(spdk_memzone_free("mz_numa"), 0);
	}
}

TEST(memzone_dump_says_no_dpdk_and_lists_zones)
{
	char *text = dump_text();
	char line[256];
	void *a, *b;

	ASSERT_STR_CONTAINS(text, "No DPDK memzones");
	ASSERT_STR_CONTAINS(text, "this process only): 0\n");
	ASSERT_TRUE(strstr(text, "Zone ") == NULL);
	free(text);

	a = spdk_memzone_reserve("mz_dump_a", 100, ANY, 0);
	b = spdk_memzone_reserve_aligned("mz_dump_b", 4096, 1, SPDK_MEMZONE_NO_IOVA_CONTIG, 4096);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	text = dump_text();
	ASSERT_STR_CONTAINS(text, "No DPDK memzones");
	ASSERT_STR_CONTAINS(text, "this process only): 2\n");
	/* Oldest first, the length rounded up to cache lines as DPDK reports it. */
	snprintf(line, sizeof(line), "Zone 0: name:<mz_dump_a>, len:0x80, virt:%p, numa_id:-1, "
		 "align:64, flags:0x0\n", a);
	ASSERT_STR_CONTAINS(text, line);
	snprintf(line, sizeof(line), "Zone 1: name:<mz_dump_b>, len:0x1000, virt:%p, numa_id:1, "
		 "align:4096, flags:0x100000\n", b);
	ASSERT_STR_CONTAINS(text, line);
	free(text);

	ASSERT_EQ(spdk_memzone_free("mz_dump_a"), 0);
	text = dump_text();
	ASSERT_STR_CONTAINS(text, "this process only): 1\n");
	ASSERT_STR_CONTAINS(text, "Zone 0: name:<mz_dump_b>");
	ASSERT_TRUE(strstr(text, "mz_dump_a") == NULL);
	free(text);
	ASSERT_EQ(spdk_memzone_free("mz_dump_b"), 0);
}

TEST(memzone_usable_with_the_environment_up)
{
	struct spdk_env_opts opts;
	void *p;

	spdk_env_opts_init(&opts);
	opts.name = "test_memzone";
	p = spdk_memzone_reserve("mz_env", 64, ANY, 0);
	ASSERT_NOT_NULL(p);
	if (spdk_env_init(&opts) != 0) {
		spdk_memzone_free("mz_env");
		TEST_SKIP("cannot initialise the environment on core 0 here");
	}
	/* A zone outlives init and fini: it is not tied to the core set. */
	ASSERT_PTR_EQ(spdk_memzone_lookup("mz_env"), p);
	spdk_env_fini();
	ASSERT_PTR_EQ(spdk_memzone_lookup("mz_env"), p);
	ASSERT_EQ(spdk_memzone_free("mz_env"), 0);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * DPDK's rte_ring behind the four calls bench/ring_bench.c makes, used the
 * way SPDK's env_dpdk uses it for spdk_ring: an exact-size ring
 * (RING_F_EXACT_SZ) with single-producer/single-consumer flags chosen from
 * the ring type, rte_ring_enqueue_bulk() (all or nothing) and
 * rte_ring_dequeue_burst() (up to n), each called through one out-of-line
 * function, as spdk_ring_enqueue()/spdk_ring_dequeue() are in SPDK.
 *
 * Not part of the CMake build: bench/dpdk/run.sh compiles this file with
 * `pkg-config --cflags libdpdk` and links it with ring_bench.c built with
 * -DPW_RING_BENCH_DPDK. rte_ring_init() works on memory we allocate, so no
 * EAL, hugepages or PCI access is needed.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

/* Keep in step with enum bench_type in bench/ring_bench.c. */
enum {
	BT_SP_SC,
	BT_MP_SC,
	BT_MP_MC,
};

void *pw_bench_dpdk_create(int type, size_t capacity);
void pw_bench_dpdk_destroy(void *ring);
size_t pw_bench_dpdk_enqueue(void *ring, void **objs, size_t n);
size_t pw_bench_dpdk_dequeue(void *ring, void **objs, size_t n);

void *
pw_bench_dpdk_create(int type, size_t capacity)
{
	static unsigned int seq;
	unsigned int flags = RING_F_EXACT_SZ;
	char name[RTE_RING_NAMESIZE];
	ssize_t bytes;
	void *mem = NULL;
	int rc;

	switch (type) {
	case BT_SP_SC:
		flags |= RING_F_SP_ENQ | RING_F_SC_DEQ;
		break;
	case BT_MP_SC:
		flags |= RING_F_SC_DEQ;
		break;
	case BT_MP_MC:
		break;
	default:
		return NULL;
	}

	/* An exact-size ring of 'capacity' uses the next power of two above it. */
	bytes = rte_ring_get_memsize((unsigned int)rte_align32pow2((uint32_t)capacity + 1));
	if (bytes < 0) {
		fprintf(stderr, "rte_ring_get_memsize: %s\n", strerror((int)-bytes));
		return NULL;
	}
	if (posix_memalign(&mem, 128, (size_t)bytes) != 0) {
		return NULL;
	}
	memset(mem, 0, (size_t)bytes);
	snprintf(name, sizeof(name), "pwbench_%u", seq++);
	rc = rte_ring_init(mem, name, (unsigned int)capacity, flags);
	if (rc != 0) {
		fprintf(stderr, "rte_ring_init: %s\n", strerror(-rc));
		free(mem);
		return NULL;
	}
	return mem;
}

void
pw_bench_dpdk_destroy(void *ring)
{
	free(ring);
}

size_t
pw_bench_dpdk_enqueue(void *ring, void **objs, size_t n)
{
	return rte_ring_enqueue_bulk(ring, objs, (unsigned int)n, NULL);
}

size_t
pw_bench_dpdk_dequeue(void *ring, void **objs, size_t n)
{
	return rte_ring_dequeue_burst(ring, objs, (unsigned int)n, NULL);
}

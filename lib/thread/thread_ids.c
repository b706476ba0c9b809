/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The live threads by id: spdk_thread_get_by_id() and the library's sends by
 * id (the completion of spdk_for_each_thread() and spdk_for_each_channel(),
 * an io_device's unregistration) find a thread in O(1) instead of walking the
 * list of every thread (a walk of 100,000 threads per lookup).
 *
 * An open-addressing table of (id, thread) pairs, linear probing, a
 * multiplicative (Fibonacci) hash of the id: ids are given out in order, so
 * the live ones are a subset of a contiguous range, which that hash spreads
 * evenly whatever its stride. Removal shifts the entries after the hole back
 * (no tombstones), so a lookup never walks past entries of threads long gone.
 * The table doubles above 3/4 full and halves below 1/8 (never below
 * MIN_SLOTS); it is freed when the last thread goes. A resize rehashes the
 * pairs only (it reads no thread), O(live threads), once per doubling or
 * halving of the count: creation and destruction cost O(1) amortized.
 *
 * Everything here runs with the thread list lock held (thread.c), as SPDK
 * looks a thread up under its list lock: any pthread may look up.
 */

#include "thread/thread_internal.h"

#define MIN_SLOTS	64u

struct id_slot {
	uint64_t		id;	/* 0: empty (ids start at 1) */
	struct spdk_thread	*thread;
};

static struct id_slot *g_slots;
static uint32_t g_bits;		/* g_slots has 1 << g_bits entries (0: no table) */
static uint32_t g_used;

static inline uint32_t
home_of(uint64_t id, uint32_t bits)
{
	return (uint32_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
}

static void
put(struct id_slot *slots, uint32_t bits, uint64_t id, struct spdk_thread *thread)
{
	uint32_t mask = (1u << bits) - 1, i = home_of(id, bits);

	while (slots[i].id != 0) {
		i = (i + 1) & mask;
	}
	slots[i].id = id;
	slots[i].thread = thread;
}

/* Rehash into 1 << bits slots. False (nothing changed) without memory. */
static bool
resize(uint32_t bits)
{
	struct id_slot *slots = calloc((size_t)1 << bits, sizeof(*slots));
	uint32_t old = g_bits != 0 ? 1u << g_bits : 0;

	if (slots == NULL) {
		return false;
	}
	for (uint32_t i = 0; i < old; i++) {
		if (g_slots[i].id != 0) {
			put(slots, bits, g_slots[i].id, g_slots[i].thread);
		}
	}
	free(g_slots);
	g_slots = slots;
	g_bits = bits;
	return true;
}

int
pw__thread_ids_insert(struct spdk_thread *thread)
{
	uint32_t cap = g_bits != 0 ? 1u << g_bits : 0;

	assert(thread->id != 0);
	if ((uint64_t)(g_used + 1) * 4 > (uint64_t)cap * 3) {
		uint32_t bits = g_bits != 0 ? g_bits + 1 : __builtin_ctz(MIN_SLOTS);

		/* Without memory for a larger table, a full one refuses: the
		 * caller refuses the thread (-ENOMEM). */
		if (bits > 31 || !resize(bits)) {
			if (g_used + 1 >= cap) {
				return -ENOMEM;
			}
		}
	}
	put(g_slots, g_bits, thread->id, thread);
	g_used++;
	return 0;
}

void
pw__thread_ids_remove(struct spdk_thread *thread)
{
	uint32_t mask, i, j;

	if (g_bits == 0) {
		assert(false);
		return;
	}
	mask = (1u << g_bits) - 1;
	for (i = home_of(thread->id, g_bits); g_slots[i].id != thread->id; i = (i + 1) & mask) {
		if (g_slots[i].id == 0) {
			assert(false);	/* not indexed: never happens */
			return;
		}
	}
	/* Backward shift: move each later entry of the run into the hole when
	 * its home is not between the hole and itself (cyclically). */
	for (j = (i + 1) & mask; g_slots[j].id != 0; j = (j + 1) & mask) {
		uint32_t h = home_of(g_slots[j].id, g_bits);

		if (((j - h) & mask) >= ((j - i) & mask)) {
			g_slots[i] = g_slots[j];
			i = j;
		}
	}
	g_slots[i].id = 0;
	g_slots[i].thread = NULL;
	g_used--;
	if (g_used == 0) {
		free(g_slots);
		g_slots = NULL;
		g_bits = 0;
	} else if (g_bits > __builtin_ctz(MIN_SLOTS) && (uint64_t)g_used * 8 < (1u << g_bits)) {
		/* Without memory the table stays as large as it is. */
		(void)resize(g_bits - 1);
	}
}

struct spdk_thread *
pw__thread_ids_find(uint64_t id)
{
	uint32_t mask, i;

	if (g_bits == 0 || id == 0) {
		return NULL;
	}
	mask = (1u << g_bits) - 1;
	for (i = home_of(id, g_bits); g_slots[i].id != 0; i = (i + 1) & mask) {
		if (g_slots[i].id == id) {
			return g_slots[i].thread;
		}
	}
	return NULL;
}

size_t
pw__thread_ids_slots(void)
{
	return g_bits != 0 ? (size_t)1 << g_bits : 0;
}

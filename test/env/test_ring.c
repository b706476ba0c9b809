/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk_ring on one pthread: exact capacity, all-or-nothing
 * enqueue, burst dequeue, FIFO order across the wrap of the slot array,
 * free_space and count values, and refusal of bad input (with a log line).
 * Concurrency is covered by stress_ring.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "log/log_internal.h"

#include "harness.h"
#include "log_capture.h"

static const enum spdk_ring_type g_types[] = {
	SPDK_RING_TYPE_SP_SC, SPDK_RING_TYPE_MP_SC, SPDK_RING_TYPE_MP_MC,
};
#define NUM_TYPES (sizeof(g_types) / sizeof(g_types[0]))

/* ---- log capture (test/common/log_capture.h) ---------------------------------- */

static uint64_t g_fake_ns;

/* Each reading is 10 s after the previous one, so rate-limited errors are
 * never squashed and every bad call shows up in the log. */
static uint64_t
fake_clock(void)
{
	g_fake_ns += 10ULL * 1000 * 1000 * 1000;
	return g_fake_ns;
}

static void
capture_every_error(void)
{
	pw__log_set_clock(fake_clock);
	log_capture_start();
}

/* ---- helpers --------------------------------------------------------------- */

/* Distinct non-NULL pointer values that encode a sequence number. */
static void *
obj(uintptr_t seq)
{
	return (void *)((seq << 4) | 0x8);
}

static uintptr_t
seq_of(void *p)
{
	return (uintptr_t)p >> 4;
}

static struct spdk_ring *
make_ring(enum spdk_ring_type type, size_t count)
{
	struct spdk_ring *ring = spdk_ring_create(type, count, SPDK_ENV_NUMA_ID_ANY);

	ASSERT_NOT_NULL(ring);
	ASSERT_EQ(spdk_ring_count(ring), 0);
	return ring;
}

/* ---- capacity ---------------------------------------------------------------- */

static void
check_capacity(enum spdk_ring_type type, size_t count)
{
	struct spdk_ring *ring = make_ring(type, count);
	size_t i, free_space = 12345;
	void *p;

	for (i = 0; i < count; i++) {
		p = obj(i);
		ASSERT_EQ(spdk_ring_enqueue(ring, &p, 1, &free_space), 1);
		ASSERT_EQ(free_space, count - i - 1);
		ASSERT_EQ(spdk_ring_count(ring), i + 1);
	}
	/* Full: one more does not fit, and nothing changes. */
	p = obj(count);
	ASSERT_EQ(spdk_ring_enqueue(ring, &p, 1, &free_space), 0);
	ASSERT_EQ(free_space, 0);
	ASSERT_EQ(spdk_ring_enqueue(ring, &p, 1, NULL), 0);
	ASSERT_EQ(spdk_ring_count(ring), count);

	/* One out makes room for exactly one in. */
	ASSERT_EQ(spdk_ring_dequeue(ring, &p, 1), 1);
	ASSERT_EQ(seq_of(p), 0);
	p = obj(count);
	ASSERT_EQ(spdk_ring_enqueue(ring, &p, 1, &free_space), 1);
	ASSERT_EQ(free_space, 0);
	ASSERT_EQ(spdk_ring_enqueue(ring, &p, 1, &free_space), 0);

	for (i = 1; i <= count; i++) {
		ASSERT_EQ(spdk_ring_dequeue(ring, &p, 1), 1);
		ASSERT_EQ(seq_of(p), i);
	}
	ASSERT_EQ(spdk_ring_dequeue(ring, &p, 1), 0);
	ASSERT_EQ(spdk_ring_count(ring), 0);
	spdk_ring_free(ring);
}

TEST(capacity_is_exact)
{
	static const size_t counts[] = { 1, 2, 3, 5, 7, 64, 1000, 1023, 1024, 1025, 4096 };
	size_t t, c;

	for (t = 0; t < NUM_TYPES; t++) {
		for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			check_capacity(g_types[t], counts[c]);
		}
	}
}

/* A burst of exactly the capacity fits at once; capacity + 1 never does. */
TEST(capacity_in_one_burst)
{
	static const size_t counts[] = { 1, 3, 1000, 1024 };
	void *in[1025], *out[1025];
	size_t t, c, i, n, free_space;

	capture_every_error();
	for (i = 0; i < 1025; i++) {
		in[i] = obj(i);
	}
	for (t = 0; t < NUM_TYPES; t++) {
		for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			struct spdk_ring *ring = make_ring(g_types[t], counts[c]);

			n = counts[c];
			/* One more than the capacity can never fit (and says so). */
			log_capture_reset();
			ASSERT_EQ(spdk_ring_enqueue(ring, in, n + 1, &free_space), 0);
			ASSERT_EQ(free_space, n);
			ASSERT_TRUE(log_capture_contains("can never fit"));
			ASSERT_EQ(spdk_ring_count(ring), 0);
			ASSERT_EQ(spdk_ring_enqueue(ring, in, n, &free_space), n);
			ASSERT_EQ(free_space, 0);
			ASSERT_EQ(spdk_ring_count(ring), n);
			memset(out, 0, sizeof(out));
			ASSERT_EQ(spdk_ring_dequeue(ring, out, 1025), n);
			for (i = 0; i < n; i++) {
				ASSERT_PTR_EQ(out[i], in[i]);
			}
			ASSERT_NULL(out[n]);
			spdk_ring_free(ring);
		}
	}
}

TEST(large_ring)
{
	/* Not a power of two, bigger than any cache: every slot still usable. */
	size_t count = 300000, i, free_space;
	void **buf = calloc(count, sizeof(void *));
	size_t t;

	ASSERT_NOT_NULL(buf);
	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], count);

		for (i = 0; i < count; i++) {
			buf[i] = obj(i);
		}
		ASSERT_EQ(spdk_ring_enqueue(ring, buf, count, &free_space), count);
		ASSERT_EQ(free_space, 0);
		ASSERT_EQ(spdk_ring_enqueue(ring, buf, 1, NULL), 0);
		memset(buf, 0, count * sizeof(void *));
		ASSERT_EQ(spdk_ring_dequeue(ring, buf, count), count);
		for (i = 0; i < count; i++) {
			ASSERT_EQ(seq_of(buf[i]), i);
		}
		spdk_ring_free(ring);
	}
	free(buf);
}

/* ---- all or nothing, free_space ------------------------------------------------ */

TEST(enqueue_is_all_or_nothing)
{
	void *in[8], *out[8];
	size_t t, i, free_space;

	for (i = 0; i < 8; i++) {
		in[i] = obj(100 + i);
	}
	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], 5);

		ASSERT_EQ(spdk_ring_enqueue(ring, in, 3, &free_space), 3);
		ASSERT_EQ(free_space, 2);
		/* 3 more do not fit in the 2 left: none is taken. */
		free_space = 999;
		ASSERT_EQ(spdk_ring_enqueue(ring, in + 3, 3, &free_space), 0);
		ASSERT_EQ(free_space, 2);
		ASSERT_EQ(spdk_ring_count(ring), 3);
		/* 2 do. */
		ASSERT_EQ(spdk_ring_enqueue(ring, in + 3, 2, &free_space), 2);
		ASSERT_EQ(free_space, 0);
		ASSERT_EQ(spdk_ring_count(ring), 5);

		memset(out, 0, sizeof(out));
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 8), 5);
		for (i = 0; i < 5; i++) {
			ASSERT_PTR_EQ(out[i], in[i]);
		}
		ASSERT_NULL(out[5]);
		spdk_ring_free(ring);
	}
}

TEST(free_space_values)
{
	void *in[10], *out[10];
	size_t t, i, free_space;

	for (i = 0; i < 10; i++) {
		in[i] = obj(i);
	}
	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], 10);

		/* Enqueues without free_space, then dequeues: a later request for
		 * free_space must see the room those dequeues made. */
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 4, NULL), 4);
		ASSERT_EQ(spdk_ring_enqueue(ring, in + 4, 4, NULL), 4);
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 6), 6);
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 1, &free_space), 1);
		ASSERT_EQ(free_space, 10 - 3);
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 7, &free_space), 7);
		ASSERT_EQ(free_space, 0);
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 1, &free_space), 0);
		ASSERT_EQ(free_space, 0);
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 3), 3);
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 4, &free_space), 0);
		ASSERT_EQ(free_space, 3);
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 3, &free_space), 3);
		ASSERT_EQ(free_space, 0);
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 10), 10);
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 10, &free_space), 10);
		ASSERT_EQ(free_space, 0);
		spdk_ring_free(ring);
	}
}

/* ---- dequeue is a burst; count -------------------------------------------------- */

TEST(dequeue_is_a_burst)
{
	void *in[6], *out[16];
	size_t t, i;

	for (i = 0; i < 6; i++) {
		in[i] = obj(i);
	}
	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], 16);

		ASSERT_EQ(spdk_ring_dequeue(ring, out, 16), 0);
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 6, NULL), 6);
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 2), 2);
		ASSERT_EQ(spdk_ring_count(ring), 4);
		memset(out, 0, sizeof(out));
		/* Asking for more than is queued returns what is there. */
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 16), 4);
		for (i = 0; i < 4; i++) {
			ASSERT_PTR_EQ(out[i], in[2 + i]);
		}
		ASSERT_NULL(out[4]);
		ASSERT_EQ(spdk_ring_count(ring), 0);
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 16), 0);
		/* A new entry after the ring ran dry is seen at once. */
		ASSERT_EQ(spdk_ring_enqueue(ring, in, 1, NULL), 1);
		ASSERT_EQ(spdk_ring_count(ring), 1);
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 16), 1);
		ASSERT_PTR_EQ(out[0], in[0]);
		spdk_ring_free(ring);
	}
}

TEST(count_tracks_contents)
{
	void *buf[7];
	size_t t, i, expect;

	for (i = 0; i < 7; i++) {
		buf[i] = obj(i);
	}
	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], 7);

		expect = 0;
		for (i = 0; i < 200; i++) {
			size_t n = (i * 5 + 3) % 4 + 1;

			if (i % 3 != 2) {
				if (spdk_ring_enqueue(ring, buf, n, NULL) == n) {
					expect += n;
				} else {
					ASSERT_GT(expect + n, 7);
				}
			} else {
				expect -= spdk_ring_dequeue(ring, buf, n);
			}
			ASSERT_EQ(spdk_ring_count(ring), expect);
		}
		spdk_ring_free(ring);
	}
}

/* ---- FIFO order and wrap-around --------------------------------------------------- */

/* Moves 'total' objects through a ring of 'cap' with bursts of varying
 * sizes on both sides, so bursts straddle the end of the slot array in every
 * position; checks strict FIFO order and exact counts. */
static void
check_fifo(enum spdk_ring_type type, size_t cap, size_t total)
{
	struct spdk_ring *ring = make_ring(type, cap);
	void *in[64], *out[64];
	size_t next_in = 0, next_out = 0, step = 0, i, n, got, queued = 0;

	while (next_out < total) {
		step++;
		n = (step * 7) % (cap < 64 ? cap : 64) + 1;
		if (n > total - next_in) {
			n = total - next_in;
		}
		if (n > 0) {
			for (i = 0; i < n; i++) {
				in[i] = obj(next_in + i);
			}
			if (spdk_ring_enqueue(ring, in, n, NULL) == n) {
				next_in += n;
				queued += n;
			} else {
				ASSERT_GT(queued + n, cap);
			}
		}
		n = (step * 5) % 64 + 1;
		got = spdk_ring_dequeue(ring, out, n);
		ASSERT_LE(got, n);
		ASSERT_LE(got, queued);
		if (queued > 0) {
			/* A single-threaded burst takes everything available. */
			ASSERT_EQ(got, n < queued ? n : queued);
		}
		for (i = 0; i < got; i++) {
			ASSERT_EQ(seq_of(out[i]), next_out + i);
		}
		next_out += got;
		queued -= got;
		ASSERT_EQ(spdk_ring_count(ring), queued);
	}
	ASSERT_EQ(next_in, total);
	ASSERT_EQ(spdk_ring_dequeue(ring, out, 1), 0);
	spdk_ring_free(ring);
}

TEST(fifo_order_across_wrap)
{
	static const size_t caps[] = { 1, 3, 4, 5, 31, 32, 33, 100, 1000 };
	size_t t, c;

	for (t = 0; t < NUM_TYPES; t++) {
		for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
			check_fifo(g_types[t], caps[c], 20000);
		}
	}
}

TEST(burst_straddles_end_of_slots)
{
	void *in[8], *out[8];
	size_t t, i, start;

	for (t = 0; t < NUM_TYPES; t++) {
		/* 8 slots; for every start position, a full-capacity burst wraps. */
		struct spdk_ring *ring = make_ring(g_types[t], 8);

		for (start = 0; start < 8; start++) {
			for (i = 0; i < 8; i++) {
				in[i] = obj(start * 8 + i);
			}
			ASSERT_EQ(spdk_ring_enqueue(ring, in, 8, NULL), 8);
			memset(out, 0, sizeof(out));
			ASSERT_EQ(spdk_ring_dequeue(ring, out, 8), 8);
			for (i = 0; i < 8; i++) {
				ASSERT_PTR_EQ(out[i], in[i]);
			}
			/* Shift the start by one for the next round. */
			ASSERT_EQ(spdk_ring_enqueue(ring, in, 1, NULL), 1);
			ASSERT_EQ(spdk_ring_dequeue(ring, out, 1), 1);
		}
		spdk_ring_free(ring);
	}
}

/* The same entry may be queued several times; the ring stores values only. */
TEST(pointer_values_are_opaque)
{
	void *in[4] = { NULL, (void *)(uintptr_t)1, NULL, (void *)UINTPTR_MAX };
	void *out[4];
	size_t t, i;

	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], 4);

		ASSERT_EQ(spdk_ring_enqueue(ring, in, 4, NULL), 4);
		ASSERT_EQ(spdk_ring_dequeue(ring, out, 4), 4);
		for (i = 0; i < 4; i++) {
			ASSERT_PTR_EQ(out[i], in[i]);
		}
		spdk_ring_free(ring);
	}
}

/* Entries still queued at free time belong to the caller: freeing the ring
 * does not touch them (ASan would report a use of the pointer values). */
TEST(free_with_entries_queued)
{
	void *p = malloc(16);
	size_t t;

	ASSERT_NOT_NULL(p);
	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], 4);

		ASSERT_EQ(spdk_ring_enqueue(ring, &p, 1, NULL), 1);
		spdk_ring_free(ring);
	}
	free(p);
	spdk_ring_free(NULL);
}

/* ---- bad input ------------------------------------------------------------------------ */

TEST(create_rejects_bad_input)
{
	capture_every_error();

	ASSERT_NULL(spdk_ring_create((enum spdk_ring_type)3, 16, SPDK_ENV_NUMA_ID_ANY));
	ASSERT_TRUE(log_capture_contains("unknown ring type 3"));
	log_capture_reset();
	ASSERT_NULL(spdk_ring_create((enum spdk_ring_type) - 1, 16, SPDK_ENV_NUMA_ID_ANY));
	ASSERT_TRUE(log_capture_contains("unknown ring type -1"));
	log_capture_reset();

	ASSERT_NULL(spdk_ring_create(SPDK_RING_TYPE_MP_SC, 0, SPDK_ENV_NUMA_ID_ANY));
	ASSERT_TRUE(log_capture_contains("count is 0"));
	log_capture_reset();

	ASSERT_NULL(spdk_ring_create(SPDK_RING_TYPE_SP_SC, (size_t)1 << 30, 0));
	ASSERT_TRUE(log_capture_contains("too large"));
	log_capture_reset();
	ASSERT_NULL(spdk_ring_create(SPDK_RING_TYPE_MP_MC, SIZE_MAX, 0));
	ASSERT_TRUE(log_capture_contains("too large"));
	log_capture_reset();

	/* Any NUMA id is accepted (a hint). */
	for (size_t t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = spdk_ring_create(g_types[t], 2, 5);

		ASSERT_NOT_NULL(ring);
		spdk_ring_free(ring);
	}
	ASSERT_EQ(log_capture_total(), 0);
}

TEST(operations_reject_bad_input)
{
	void *buf[4] = { obj(1), obj(2), obj(3), obj(4) };
	size_t free_space, t;

	capture_every_error();

	free_space = 77;
	ASSERT_EQ(spdk_ring_enqueue(NULL, buf, 1, &free_space), 0);
	ASSERT_EQ(free_space, 0);
	ASSERT_TRUE(log_capture_contains("spdk_ring_enqueue: the ring is NULL"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_reset();
	ASSERT_EQ(spdk_ring_dequeue(NULL, buf, 1), 0);
	ASSERT_TRUE(log_capture_contains("spdk_ring_dequeue: the ring is NULL"));
	log_capture_reset();
	ASSERT_EQ(spdk_ring_count(NULL), 0);
	ASSERT_TRUE(log_capture_contains("spdk_ring_count: the ring is NULL"));
	log_capture_reset();

	for (t = 0; t < NUM_TYPES; t++) {
		struct spdk_ring *ring = make_ring(g_types[t], 3);

		ASSERT_EQ(spdk_ring_enqueue(ring, buf, 1, NULL), 1);

		/* NULL objs with a count. */
		free_space = 77;
		ASSERT_EQ(spdk_ring_enqueue(ring, NULL, 1, &free_space), 0);
		ASSERT_EQ(free_space, 2);
		ASSERT_TRUE(log_capture_contains("objs is NULL with count 1"));
		log_capture_reset();
		ASSERT_EQ(spdk_ring_dequeue(ring, NULL, 2), 0);
		ASSERT_TRUE(log_capture_contains("objs is NULL with count 2"));
		log_capture_reset();
		ASSERT_EQ(spdk_ring_count(ring), 1);

		/* More than the capacity can never fit: refused and logged,
		 * free_space still reported. */
		free_space = 77;
		ASSERT_EQ(spdk_ring_enqueue(ring, buf, 4, &free_space), 0);
		ASSERT_EQ(free_space, 2);
		ASSERT_TRUE(log_capture_contains("4 entries can never fit in a ring of capacity 3"));
		log_capture_reset();

		/* Zero entries: nothing to do, not an error. */
		free_space = 77;
		ASSERT_EQ(spdk_ring_enqueue(ring, buf, 0, &free_space), 0);
		ASSERT_EQ(free_space, 2);
		ASSERT_EQ(spdk_ring_enqueue(ring, NULL, 0, NULL), 0);
		ASSERT_EQ(spdk_ring_dequeue(ring, buf, 0), 0);
		ASSERT_EQ(spdk_ring_dequeue(ring, NULL, 0), 0);
		ASSERT_EQ(log_capture_total(), 0);

		/* The ring is unharmed. */
		ASSERT_EQ(spdk_ring_count(ring), 1);
		ASSERT_EQ(spdk_ring_dequeue(ring, buf + 3, 1), 1);
		ASSERT_PTR_EQ(buf[3], obj(1));
		buf[3] = obj(4);
		spdk_ring_free(ring);
	}
}

/* Without a fake clock a burst of identical errors is squashed, not lost. */
TEST(bad_input_errors_are_rate_limited)
{
	struct spdk_ring *ring = make_ring(SPDK_RING_TYPE_MP_SC, 2);
	void *buf[3] = { obj(1), obj(2), obj(3) };
	int i;

	pw__log_set_clock(NULL);
	log_capture_start();
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(spdk_ring_enqueue(ring, buf, 3, NULL), 0);
	}
	ASSERT_TRUE(log_capture_contains("can never fit"));
	/* A few lines at most for 1000 calls (one per second at most). */
	ASSERT_LT(log_capture_count_matching("can never fit"), 10);
	spdk_ring_free(ring);
}

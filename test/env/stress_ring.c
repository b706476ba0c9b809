/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of spdk_ring on real pthreads, for every ring type with as
 * many producers and consumers as the type allows (1P1C for SP_SC, NP1C for
 * MP_SC, NPMC for MP_MC), with bursts of random sizes on both sides and
 * rings small enough that they are often full and empty.
 *
 * Every object is a struct elem owned by one producer and recycled. The
 * producer writes its id, a sequence number and a check word derived from
 * both (plain stores); the consumer verifies them and clears them before
 * giving the element back. A state word (atomic) moves FREE -> PRODUCING ->
 * QUEUED -> CONSUMING -> FREE; any other transition means an object was
 * handed to two owners at once. A per-producer bitmap of sequence numbers
 * catches duplicates, and at the end every produced sequence must have been
 * seen (nothing lost). A single consumer must see each producer's sequence
 * exactly in order; with several consumers each one must see each producer's
 * sequence strictly increasing.
 *
 * Since the payload is plain memory, ThreadSanitizer also checks that the
 * ring orders the producer's writes before the consumer's reads (and the
 * consumer's before the producer's reuse).
 *
 * Work is bounded twice: a number of objects (PW_STRESS_OBJECTS, default 8
 * million per case) and a time budget (PW_STRESS_SECONDS, default 4 s per
 * case), whichever ends first, so that a slow sanitizer build on two cores
 * still finishes in well under a minute.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"

#include "harness.h"
#include "ut_stress.h"

#define MAX_THREADS	8
#define MAX_BURST	32

enum {
	ELEM_FREE = 0,
	ELEM_PRODUCING,
	ELEM_QUEUED,
	ELEM_CONSUMING,
};

#define CLEARED_PRODUCER	UINT32_MAX
#define CLEARED_SEQ		UINT64_MAX
#define CHECK_MAGIC		0x5ca1ab1e0ddba11ULL

struct elem {
	uint32_t	state;		/* atomic: ELEM_* */
	uint32_t	producer;	/* plain payload from here on */
	uint64_t	seq;
	uint64_t	check;
};

struct stress {
	enum spdk_ring_type	type;
	size_t			capacity;
	unsigned int		nprod;
	unsigned int		ncons;

	struct spdk_ring	*ring;
	struct elem		*pool[MAX_THREADS];	/* per producer */
	size_t			pool_size;
	uint64_t		*seen[MAX_THREADS];	/* per producer bitmap, atomic words */
	uint64_t		max_per_prod;
	uint64_t		stop_ns;	/* producers stop producing at this time */
	uint64_t		give_up_ns;	/* consumers declare a stall at this time */

	uint64_t		produced[MAX_THREADS];	/* written once by each producer */
	uint32_t		prod_done;		/* atomic */
	uint64_t		consumed;		/* atomic */
	uint64_t		full_retries;		/* atomic, statistics */
	uint64_t		empty_polls;		/* atomic, statistics */
};

struct worker {
	struct stress	*st;
	unsigned int	id;
	uint64_t	rng;
};

static uint64_t
check_word(uint32_t producer, uint64_t seq)
{
	return (seq * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)producer << 56) ^ CHECK_MAGIC;
}

static void
backoff(unsigned int *spins)
{
	if (++*spins < 64) {
		spdk_pause();
	} else {
		*spins = 0;
		sched_yield();
	}
}

/* ---- producer ------------------------------------------------------------ */

static struct elem *
claim_elem(struct stress *st, unsigned int p, uint64_t seq)
{
	struct elem *e = &st->pool[p][seq % st->pool_size];
	uint32_t expect;
	unsigned int spins = 0;

	for (;;) {
		expect = ELEM_FREE;
		/* Acquire pairs with the consumer's release store of ELEM_FREE
		 * after it cleared the payload. */
		if (__atomic_compare_exchange_n(&e->state, &expect, ELEM_PRODUCING, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			break;
		}
		if (expect != ELEM_QUEUED && expect != ELEM_CONSUMING) {
			FAIL("producer %u: element for seq %" PRIu64 " in state %u", p, seq,
			     expect);
		}
		/* The element of sequence seq - pool_size is still in flight. */
		backoff(&spins);
	}
	/* A consumer that gave the element back must have cleared it. */
	ASSERT_EQ(e->producer, CLEARED_PRODUCER);
	ASSERT_EQ(e->seq, CLEARED_SEQ);
	ASSERT_EQ(e->check, 0);
	return e;
}

static void *
producer_main(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	unsigned int p = w->id;
	size_t max_burst = st->capacity < MAX_BURST ? st->capacity : MAX_BURST;
	void *objs[MAX_BURST];
	uint64_t seq = 0, retries = 0;
	unsigned int round = 0, spins;
	size_t burst, i;

	while (seq < st->max_per_prod) {
		if ((++round & 63) == 0 && now_ns() >= st->stop_ns) {
			break;
		}
		burst = (size_t)(rnd(&w->rng) % max_burst) + 1;
		if (burst > st->max_per_prod - seq) {
			burst = (size_t)(st->max_per_prod - seq);
		}
		for (i = 0; i < burst; i++) {
			struct elem *e = claim_elem(st, p, seq + i);

			e->producer = p;
			e->seq = seq + i;
			e->check = check_word(p, seq + i);
			/* Relaxed: the consumer reads it after the ring's
			 * release/acquire pair (enqueue -> dequeue). */
			__atomic_store_n(&e->state, ELEM_QUEUED, __ATOMIC_RELAXED);
			objs[i] = e;
		}
		spins = 0;
		for (;;) {
			/* Now and then ask for free_space: a snapshot, but one
			 * consistent with the outcome. */
			bool ask = (rnd(&w->rng) & 3) == 0;
			size_t free_space = SIZE_MAX;
			size_t got = spdk_ring_enqueue(st->ring, objs, burst,
						       ask ? &free_space : NULL);

			if (got == burst) {
				if (ask) {
					ASSERT_LE(free_space, st->capacity - burst);
				}
				break;
			}
			ASSERT_EQ(got, 0);
			if (ask) {
				ASSERT_LT(free_space, burst);
			}
			retries++;
			backoff(&spins);
		}
		seq += burst;
	}

	__atomic_fetch_add(&st->full_retries, retries, __ATOMIC_RELAXED);
	st->produced[p] = seq;
	/* Release pairs with the consumers' acquire load of prod_done: the
	 * final count above is visible to whoever sees us as done. */
	__atomic_fetch_add(&st->prod_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---- consumer ------------------------------------------------------------ */

static bool
all_consumed(struct stress *st)
{
	uint64_t total = 0;
	unsigned int p;

	/* Acquire pairs with the producers' release increment of prod_done. */
	if (__atomic_load_n(&st->prod_done, __ATOMIC_ACQUIRE) != st->nprod) {
		return false;
	}
	for (p = 0; p < st->nprod; p++) {
		total += st->produced[p];
	}
	return __atomic_load_n(&st->consumed, __ATOMIC_RELAXED) == total;
}

static void *
consumer_main(void *arg)
{
	struct worker *w = arg;
	struct stress *st = w->st;
	int64_t last[MAX_THREADS];
	void *objs[MAX_BURST];
	bool single = st->ncons == 1;
	uint64_t polls = 0, bursts = 0;
	unsigned int p, spins = 0;
	size_t n, i;

	for (p = 0; p < MAX_THREADS; p++) {
		last[p] = -1;
	}

	for (;;) {
		n = spdk_ring_dequeue(st->ring, objs, (size_t)(rnd(&w->rng) % MAX_BURST) + 1);
		if (n == 0) {
			if (all_consumed(st)) {
				break;
			}
			if ((++polls & 1023) == 0 && now_ns() > st->give_up_ns) {
				FAIL("consumer %u: stalled with %" PRIu64 " objects consumed, "
				     "%u of %u producers done, %zu in the ring", w->id,
				     __atomic_load_n(&st->consumed, __ATOMIC_RELAXED),
				     __atomic_load_n(&st->prod_done, __ATOMIC_RELAXED), st->nprod,
				     spdk_ring_count(st->ring));
			}
			backoff(&spins);
			continue;
		}
		ASSERT_LE(n, MAX_BURST);
		if ((++bursts & 63) == 0) {
			ASSERT_LE(spdk_ring_count(st->ring), st->capacity);
		}
		for (i = 0; i < n; i++) {
			struct elem *e = objs[i];
			uint32_t expect = ELEM_QUEUED;
			uint64_t seq, bit, old;

			ASSERT_NOT_NULL(e);
			if (!__atomic_compare_exchange_n(&e->state, &expect, ELEM_CONSUMING, false,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
				FAIL("consumer %u: dequeued an element in state %u (two owners)",
				     w->id, expect);
			}
			p = e->producer;
			seq = e->seq;
			ASSERT_LT(p, st->nprod);
			ASSERT_LT(seq, st->max_per_prod);
			ASSERT_EQ(e->check, check_word(p, seq));
			ASSERT_PTR_EQ(e, &st->pool[p][seq % st->pool_size]);

			bit = 1ULL << (seq % 64);
			old = __atomic_fetch_or(&st->seen[p][seq / 64], bit, __ATOMIC_RELAXED);
			if (old & bit) {
				FAIL("consumer %u: producer %u seq %" PRIu64 " dequeued twice",
				     w->id, p, seq);
			}
			if (single) {
				/* One consumer: each producer's objects arrive in
				 * exactly the order they were enqueued. */
				ASSERT_EQ(seq, (uint64_t)(last[p] + 1));
			} else {
				ASSERT_GT((int64_t)seq, last[p]);
			}
			last[p] = (int64_t)seq;

			e->producer = CLEARED_PRODUCER;
			e->seq = CLEARED_SEQ;
			e->check = 0;
			/* Release pairs with the producer's acquire CAS in
			 * claim_elem: our reads and clears happen before reuse. */
			__atomic_store_n(&e->state, ELEM_FREE, __ATOMIC_RELEASE);
		}
		__atomic_fetch_add(&st->consumed, n, __ATOMIC_RELAXED);
	}
	__atomic_fetch_add(&st->empty_polls, polls, __ATOMIC_RELAXED);
	return NULL;
}

/* ---- driver -------------------------------------------------------------- */

static void
run_stress(const char *name, enum spdk_ring_type type, size_t capacity,
	   unsigned int nprod, unsigned int ncons)
{
	struct stress st;
	struct worker workers[2 * MAX_THREADS];
	pthread_t tids[2 * MAX_THREADS];
	uint64_t objects = env_u64("PW_STRESS_OBJECTS", 8000000);
	uint64_t seconds = env_u64("PW_STRESS_SECONDS", 4);
	uint64_t start, elapsed, total = 0, words, j;
	unsigned int p, i, nthreads = nprod + ncons;
	size_t k;

	ASSERT_LE(nprod, MAX_THREADS);
	ASSERT_LE(ncons, MAX_THREADS);

	memset(&st, 0, sizeof(st));
	st.type = type;
	st.capacity = capacity;
	st.nprod = nprod;
	st.ncons = ncons;
	st.max_per_prod = objects / nprod;
	/* Enough elements that a producer rarely waits for one to come back. */
	st.pool_size = capacity + (size_t)(ncons + 1) * MAX_BURST + 64;
	st.ring = spdk_ring_create(type, capacity, SPDK_ENV_NUMA_ID_ANY);
	ASSERT_NOT_NULL(st.ring);

	words = (st.max_per_prod + 63) / 64;
	for (p = 0; p < nprod; p++) {
		st.pool[p] = calloc(st.pool_size, sizeof(struct elem));
		st.seen[p] = calloc(words, sizeof(uint64_t));
		ASSERT_NOT_NULL(st.pool[p]);
		ASSERT_NOT_NULL(st.seen[p]);
		for (k = 0; k < st.pool_size; k++) {
			st.pool[p][k].state = ELEM_FREE;
			st.pool[p][k].producer = CLEARED_PRODUCER;
			st.pool[p][k].seq = CLEARED_SEQ;
			st.pool[p][k].check = 0;
		}
	}

	start = now_ns();
	st.stop_ns = start + seconds * 1000000000ULL;
	st.give_up_ns = st.stop_ns + 60ULL * pw_test_timeout_scale() * 1000000000ULL;

	for (i = 0; i < nthreads; i++) {
		workers[i].st = &st;
		workers[i].id = i < nprod ? i : i - nprod;
		workers[i].rng = 0x9E3779B97F4A7C15ULL * (i + 1) ^ now_ns();
		if (workers[i].rng == 0) {
			workers[i].rng = 1;
		}
		ASSERT_EQ(pthread_create(&tids[i], NULL, i < nprod ? producer_main : consumer_main,
					 &workers[i]), 0);
	}
	for (i = 0; i < nthreads; i++) {
		ASSERT_EQ(pthread_join(tids[i], NULL), 0);
	}
	elapsed = now_ns() - start;

	/* Nothing lost or duplicated: every produced sequence was seen once
	 * (duplicates already failed in the consumers). */
	for (p = 0; p < nprod; p++) {
		uint64_t n = st.produced[p];

		ASSERT_GT(n, 0);
		total += n;
		for (j = 0; j < n; j++) {
			if ((st.seen[p][j / 64] & (1ULL << (j % 64))) == 0) {
				FAIL("%s: producer %u seq %" PRIu64 " was never dequeued", name, p, j);
			}
		}
		for (; j < words * 64; j++) {
			ASSERT_EQ(st.seen[p][j / 64] & (1ULL << (j % 64)), 0);
		}
		for (k = 0; k < st.pool_size; k++) {
			ASSERT_EQ(st.pool[p][k].state, ELEM_FREE);
			ASSERT_EQ(st.pool[p][k].check, 0);
		}
	}
	ASSERT_EQ(st.consumed, total);
	ASSERT_EQ(spdk_ring_count(st.ring), 0);

	printf("%s: %uP%uC capacity %zu: moved %" PRIu64 " objects in %.2f s "
	       "(%" PRIu64 " full retries, %" PRIu64 " empty polls)\n",
	       name, nprod, ncons, capacity, total, (double)elapsed / 1e9,
	       st.full_retries, st.empty_polls);
	fflush(stdout);

	for (p = 0; p < nprod; p++) {
		free(st.pool[p]);
		free(st.seen[p]);
	}
	spdk_ring_free(st.ring);
}

TEST_TIMEOUT(sp_sc_1p1c, 120)
{
	run_stress("sp_sc", SPDK_RING_TYPE_SP_SC, 100, 1, 1);
}

TEST_TIMEOUT(sp_sc_1p1c_tiny, 120)
{
	run_stress("sp_sc_tiny", SPDK_RING_TYPE_SP_SC, 3, 1, 1);
}

TEST_TIMEOUT(mp_sc_3p1c, 120)
{
	run_stress("mp_sc", SPDK_RING_TYPE_MP_SC, 100, 3, 1);
}

TEST_TIMEOUT(mp_sc_4p1c_tiny, 120)
{
	run_stress("mp_sc_tiny", SPDK_RING_TYPE_MP_SC, 5, 4, 1);
}

TEST_TIMEOUT(mp_mc_2p2c, 120)
{
	run_stress("mp_mc", SPDK_RING_TYPE_MP_MC, 100, 2, 2);
}

TEST_TIMEOUT(mp_mc_3p3c_tiny, 120)
{
	run_stress("mp_mc_tiny", SPDK_RING_TYPE_MP_MC, 5, 3, 3);
}

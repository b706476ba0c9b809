/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_ring: a bounded FIFO of pointers without locks.
 *
 * Layout. The slots are a power-of-two array indexed by free-running
 * counters (masked on access); the capacity the caller asked for is a separate
 * limit, so a ring of 1000 holds exactly 1000 entries in 1024 slots. Each side
 * (producers, consumers) owns one block of counters:
 *
 *   head        next index to hand out (multi-producer/consumer: claimed by CAS)
 *   peer_tail   the last value this side read of the *other* side's tail
 *   tail        every index below it is finished (written, resp. read)
 *
 * head and peer_tail are touched by this side only; tail is also read by the
 * other side, so it sits on a cache line of its own. That keeps a lone
 * producer's CAS on prod.head on a line it holds exclusively (a locked
 * instruction on a line the consumer just read would stall for a full
 * cross-core round trip, where a plain store of the tail just drains from the
 * store buffer). DPDK keeps head and tail on one line and pays that stall.
 *
 * Enqueue reserves [head, head + n), copies the pointers in, then moves
 * prod.tail to head + n with a release store; dequeue does the mirror image.
 * With several producers, each waits until prod.tail reaches the start of its
 * own reservation before publishing, so the tail only ever covers fully
 * written slots (same for consumers). Hence, as in DPDK, a producer that is
 * preempted between its reservation and its publication holds up the
 * publication (not the reservation) of the producers behind it; they spin,
 * then yield the cpu. Single-producer and single-consumer sides never wait.
 *
 * peer_tail is a cache: a producer checks room against it and reads the
 * consumers' cache line only when the cached value says there is not enough
 * room (or the caller asked for an exact free_space). In the common case an
 * enqueue then touches only the producer block and the slots, and a dequeue
 * only the consumer block and the slots: one cache-line transfer less per
 * operation than the classic head/tail ring when both sides are busy. With
 * several producers the cache can go backwards (two producers store what they
 * read in either order); a stale value only ever understates the room, and
 * an impossible one (more than the capacity in use) forces a fresh read.
 *
 * Why the counters are never inconsistent: every head value was written by a
 * CAS with release order by a thread that had acquired a peer tail T with
 * head <= T + capacity; our acquire load of head then makes that read happen
 * before our own read of the peer tail, which therefore returns T or later.
 *
 * Counters are size_t: on LP64 they never wrap in practice; on ILP32 the
 * modular arithmetic stays right because the capacity is below 2^30.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/likely.h"
#include "spdk/log.h"
#include "common/pw_common.h"
#include "env_internal.h"

/* Same ceiling as SPDK's DPDK-backed ring (an exact-size rte_ring needs a
 * power of two above count, and DPDK caps the slot array at 2^30). */
#define RING_MAX_COUNT		(((size_t)1 << 30) - 1)

/* Keep each side's counters 128 bytes away from anything else: x86 cores
 * fetch cache lines in adjacent pairs, so 64-byte separation still lets the
 * producer and consumer blocks disturb each other. */
#define RING_ALIGN		128

/* Spins before yielding the cpu while waiting for an earlier producer (or
 * consumer) to publish. Only reached when that thread was preempted between
 * its reservation and its publication. */
#define RING_SPINS_BEFORE_YIELD	1024

struct ring_side {
	size_t		head;
	size_t		peer_tail;
	size_t		tail __attribute__((aligned(RING_ALIGN)));
} __attribute__((aligned(RING_ALIGN)));

struct spdk_ring {
	/* Read-only after spdk_ring_create(). */
	size_t			mask;
	size_t			capacity;
	bool			multi_prod;
	bool			multi_cons;

	struct ring_side	prod;
	struct ring_side	cons;

	void			*slots[] __attribute__((aligned(RING_ALIGN)));
};

/* Slow half of ring_wait_turn, kept out of line so that the fast paths
 * need no call-preserved registers. */
static __attribute__((noinline, cold)) void
ring_wait_turn_slow(size_t *tail, size_t start)
{
	unsigned int spins = 0;

	/* Acquire: same pairing as in ring_wait_turn. */
	while (__atomic_load_n(tail, __ATOMIC_ACQUIRE) != start) {
		if (++spins < RING_SPINS_BEFORE_YIELD) {
			pw__pause();
		} else {
			spins = 0;
			sched_yield();
		}
	}
}

/* Wait until an earlier reserver on the same side has published up to
 * \p start. The acquire load pairs with that reserver's release store of the
 * same tail (at the end of ring_enqueue_mp / ring_dequeue_mc): what it did
 * to its slots then happens before our own release store, so whoever
 * acquires our tail value sees its work too (a plain store does not extend
 * the earlier thread's release sequence). */
static inline void
ring_wait_turn(size_t *tail, size_t start)
{
	if (spdk_unlikely(__atomic_load_n(tail, __ATOMIC_ACQUIRE) != start)) {
		ring_wait_turn_slow(tail, start);
	}
}

/* Unrolled by four so the compiler can move pairs of pointers at once.
 * (Single entries never come here: see ring_copy_in/ring_copy_out.) */
static inline void
copy_ptrs(void **restrict dst, void *const *restrict src, size_t n)
{
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		dst[i] = src[i];
		dst[i + 1] = src[i + 1];
		dst[i + 2] = src[i + 2];
		dst[i + 3] = src[i + 3];
	}
	for (; i < n; i++) {
		dst[i] = src[i];
	}
}

static inline void
ring_copy_in(struct spdk_ring *ring, size_t head, void **objs, size_t n)
{
	size_t idx = head & ring->mask;
	size_t until_end = ring->mask + 1 - idx;

	if (n == 1) {
		ring->slots[idx] = objs[0];
	} else if (spdk_likely(n <= until_end)) {
		copy_ptrs(&ring->slots[idx], objs, n);
	} else {
		copy_ptrs(&ring->slots[idx], objs, until_end);
		copy_ptrs(&ring->slots[0], objs + until_end, n - until_end);
	}
}

static inline void
ring_copy_out(struct spdk_ring *ring, size_t head, void **objs, size_t n)
{
	size_t idx = head & ring->mask;
	size_t until_end = ring->mask + 1 - idx;

	if (n == 1) {
		objs[0] = ring->slots[idx];
	} else if (spdk_likely(n <= until_end)) {
		copy_ptrs(objs, &ring->slots[idx], n);
	} else {
		copy_ptrs(objs, &ring->slots[idx], until_end);
		copy_ptrs(objs + until_end, &ring->slots[0], n - until_end);
	}
}

/* ---------------------------------------------------------------------------
 * Enqueue
 * ------------------------------------------------------------------------- */

/* Read the consumers' tail and remember it for the next enqueues. */
static inline size_t
prod_refresh_peer(struct spdk_ring *ring)
{
	/* Acquire pairs with the release store of cons.tail at the end of a
	 * dequeue: the consumer's reads of the slots we may now reuse happen
	 * before our writes to them. */
	size_t seen = __atomic_load_n(&ring->cons.tail, __ATOMIC_ACQUIRE);

	/* Release pairs with the acquire load of prod.peer_tail in
	 * ring_enqueue_mp, passing the guarantee above on to other producers. */
	__atomic_store_n(&ring->prod.peer_tail, seen, __ATOMIC_RELEASE);
	return seen;
}

static size_t
ring_enqueue_sp(struct spdk_ring *ring, void **objs, size_t n, size_t *free_space)
{
	size_t cap = ring->capacity;
	/* Only this producer writes prod.tail: relaxed reads our own last store. */
	size_t head = __atomic_load_n(&ring->prod.tail, __ATOMIC_RELAXED);
	/* Relaxed: only this producer writes prod.peer_tail in an SP ring; the
	 * consumer's slot reads were ordered by the acquire in prod_refresh_peer. */
	size_t seen = __atomic_load_n(&ring->prod.peer_tail, __ATOMIC_RELAXED);

	if (spdk_unlikely(cap - (head - seen) < n || free_space != NULL)) {
		seen = prod_refresh_peer(ring);
		if (cap - (head - seen) < n) {
			if (free_space != NULL) {
				*free_space = cap - (head - seen);
			}
			return 0;
		}
	}

	ring_copy_in(ring, head, objs, n);
	/* Release pairs with the acquire load of prod.tail in the dequeue
	 * functions and spdk_ring_count(): the slot writes above become visible
	 * to the consumer together with the new tail. */
	__atomic_store_n(&ring->prod.tail, head + n, __ATOMIC_RELEASE);

	if (free_space != NULL) {
		*free_space = cap - (head + n - seen);
	}
	return n;
}

static size_t
ring_enqueue_mp(struct spdk_ring *ring, void **objs, size_t n, size_t *free_space)
{
	size_t cap = ring->capacity;
	size_t head, seen, used;

	/* Acquire pairs with the release (acq_rel) CAS of prod.head below, done
	 * by whichever producer moved it last: the peer tail it checked against
	 * happens before our own read of the peer tail (see the file comment). */
	head = __atomic_load_n(&ring->prod.head, __ATOMIC_ACQUIRE);
	if (free_space != NULL) {
		/* The caller wants an exact figure: start from a fresh read. */
		seen = prod_refresh_peer(ring);
	} else {
		/* Acquire pairs with the release store in prod_refresh_peer. */
		seen = __atomic_load_n(&ring->prod.peer_tail, __ATOMIC_ACQUIRE);
	}
	for (;;) {
		/* A value of seen older than head (after a failed CAS, or from
		 * another producer's cache) shows as too little room or as more
		 * than the capacity in use: either way, read the real tail. */
		used = head - seen;
		if (spdk_unlikely(used > cap || cap - used < n)) {
			seen = prod_refresh_peer(ring);
			used = head - seen;
			if (spdk_unlikely(used > cap)) {
				/* Cannot happen by the argument in the file comment;
				 * re-read head rather than trust it. */
				head = __atomic_load_n(&ring->prod.head, __ATOMIC_ACQUIRE);
				continue;
			}
			if (cap - used < n) {
				if (free_space != NULL) {
					*free_space = cap - used;
				}
				return 0;
			}
		}
		/* Success is acq_rel: the release half pairs with the acquire
		 * loads of prod.head above (by other producers); the failure
		 * load is acquire for the same reason as the first load. */
		if (__atomic_compare_exchange_n(&ring->prod.head, &head, head + n, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			break;
		}
	}

	ring_copy_in(ring, head, objs, n);
	ring_wait_turn(&ring->prod.tail, head);
	/* Release pairs with the acquire load of prod.tail in the dequeue
	 * functions, spdk_ring_count() and ring_wait_turn (next producer). */
	__atomic_store_n(&ring->prod.tail, head + n, __ATOMIC_RELEASE);

	if (free_space != NULL) {
		*free_space = cap - (head + n - seen);
	}
	return n;
}

/* ---------------------------------------------------------------------------
 * Dequeue
 * ------------------------------------------------------------------------- */

/* Read the producers' tail and remember it for the next dequeues. */
static inline size_t
cons_refresh_peer(struct spdk_ring *ring)
{
	/* Acquire pairs with the release store of prod.tail at the end of an
	 * enqueue: the slot contents up to that tail are visible to us. */
	size_t seen = __atomic_load_n(&ring->prod.tail, __ATOMIC_ACQUIRE);

	/* Release pairs with the acquire load of cons.peer_tail in
	 * ring_dequeue_mc, passing that visibility on to other consumers. */
	__atomic_store_n(&ring->cons.peer_tail, seen, __ATOMIC_RELEASE);
	return seen;
}

static size_t
ring_dequeue_sc(struct spdk_ring *ring, void **objs, size_t n)
{
	/* Only this consumer writes cons.tail and cons.peer_tail in an SC ring:
	 * relaxed loads read our own last stores. */
	size_t head = __atomic_load_n(&ring->cons.tail, __ATOMIC_RELAXED);
	size_t seen = __atomic_load_n(&ring->cons.peer_tail, __ATOMIC_RELAXED);
	size_t avail = seen - head;

	if (avail < n) {
		seen = cons_refresh_peer(ring);
		avail = seen - head;
		if (avail == 0) {
			return 0;
		}
		if (n > avail) {
			n = avail;
		}
	}

	ring_copy_out(ring, head, objs, n);
	/* Release pairs with the acquire load of cons.tail in prod_refresh_peer
	 * and spdk_ring_count(): our slot reads finish before a producer reuses
	 * those slots. */
	__atomic_store_n(&ring->cons.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

static size_t
ring_dequeue_mc(struct spdk_ring *ring, void **objs, size_t want)
{
	size_t cap = ring->capacity;
	size_t head, seen, avail, n;

	/* Acquire pairs with the acq_rel CAS of cons.head below by other
	 * consumers (same argument as prod.head in ring_enqueue_mp). */
	head = __atomic_load_n(&ring->cons.head, __ATOMIC_ACQUIRE);
	/* Acquire pairs with the release store in cons_refresh_peer. */
	seen = __atomic_load_n(&ring->cons.peer_tail, __ATOMIC_ACQUIRE);
	for (;;) {
		/* As in ring_enqueue_mp: a stale seen shows as too few entries
		 * or more than the capacity, and we read the real tail. */
		avail = seen - head;
		n = want;
		if (avail > cap || avail < n) {
			seen = cons_refresh_peer(ring);
			avail = seen - head;
			if (spdk_unlikely(avail > cap)) {
				head = __atomic_load_n(&ring->cons.head, __ATOMIC_ACQUIRE);
				continue;
			}
			if (avail == 0) {
				return 0;
			}
			if (n > avail) {
				n = avail;
			}
		}
		/* acq_rel on success: release pairs with the acquire loads of
		 * cons.head by other consumers; acquire on failure as above. */
		if (__atomic_compare_exchange_n(&ring->cons.head, &head, head + n, false,
						__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			break;
		}
	}

	ring_copy_out(ring, head, objs, n);
	ring_wait_turn(&ring->cons.tail, head);
	/* Release pairs with the acquire load of cons.tail in prod_refresh_peer,
	 * spdk_ring_count() and ring_wait_turn (next consumer). */
	__atomic_store_n(&ring->cons.tail, head + n, __ATOMIC_RELEASE);
	return n;
}

/* ---------------------------------------------------------------------------
 * Public functions
 * ------------------------------------------------------------------------- */

PW_EXPORT struct spdk_ring *
spdk_ring_create(enum spdk_ring_type type, size_t count, int numa_id)
{
	struct spdk_ring *ring;
	size_t slots, bytes;
	void *mem = NULL;
	bool multi_prod, multi_cons;
	int rc;

	(void)numa_id;

	switch (type) {
	case SPDK_RING_TYPE_SP_SC:
		multi_prod = false;
		multi_cons = false;
		break;
	case SPDK_RING_TYPE_MP_SC:
		multi_prod = true;
		multi_cons = false;
		break;
	case SPDK_RING_TYPE_MP_MC:
		multi_prod = true;
		multi_cons = true;
		break;
	default:
		SPDK_ERRLOG("unknown ring type %d (expected SP_SC %d, MP_SC %d or MP_MC %d)\n",
			    (int)type, SPDK_RING_TYPE_SP_SC, SPDK_RING_TYPE_MP_SC,
			    SPDK_RING_TYPE_MP_MC);
		return NULL;
	}

	if (count == 0) {
		SPDK_ERRLOG("a ring must hold at least one entry (count is 0)\n");
		return NULL;
	}
	if (count > RING_MAX_COUNT) {
		SPDK_ERRLOG("ring count %zu is too large (at most %zu)\n", count, RING_MAX_COUNT);
		return NULL;
	}

	slots = 1;
	while (slots < count) {
		slots <<= 1;
	}
	bytes = sizeof(*ring) + slots * sizeof(void *);

	rc = posix_memalign(&mem, RING_ALIGN, bytes);
	if (rc != 0 || mem == NULL) {
		SPDK_ERRLOG("cannot allocate a ring of %zu entries (%zu bytes)\n", count, bytes);
		return NULL;
	}

	ring = mem;
	memset(ring, 0, sizeof(*ring));
	ring->mask = slots - 1;
	ring->capacity = count;
	ring->multi_prod = multi_prod;
	ring->multi_cons = multi_cons;
	return ring;
}

PW_EXPORT void
spdk_ring_free(struct spdk_ring *ring)
{
	free(ring);
}

PW_EXPORT size_t
spdk_ring_count(struct spdk_ring *ring)
{
	size_t ct, pt, n;

	if (spdk_unlikely(ring == NULL)) {
		SPDK_ERRLOG_RATELIMIT("spdk_ring_count: the ring is NULL\n");
		return 0;
	}

	/* Consumers' tail first: the acquire pairs with its release store at
	 * the end of a dequeue, whose thread had already acquired a producer
	 * tail at least as large, so the read of prod.tail below (acquire,
	 * pairing with the release store at the end of an enqueue) cannot
	 * return less than ct. Both move meanwhile: clamp to the capacity. */
	ct = __atomic_load_n(&ring->cons.tail, __ATOMIC_ACQUIRE);
	pt = __atomic_load_n(&ring->prod.tail, __ATOMIC_ACQUIRE);
	n = pt - ct;
	return n > ring->capacity ? ring->capacity : n;
}

/* Everything spdk_ring_enqueue() refuses or has nothing to do for: a NULL
 * ring or objs, zero entries, more entries than the capacity. Out of line
 * (and cold) to keep the fast path free of the logging calls. */
static __attribute__((noinline, cold)) size_t
ring_enqueue_refused(struct spdk_ring *ring, void **objs, size_t count, size_t *free_space)
{
	if (ring == NULL) {
		SPDK_ERRLOG_RATELIMIT("spdk_ring_enqueue: the ring is NULL\n");
		if (free_space != NULL) {
			*free_space = 0;
		}
		return 0;
	}
	if (count > ring->capacity) {
		SPDK_ERRLOG_RATELIMIT("spdk_ring_enqueue: %zu entries can never fit in a ring "
				      "of capacity %zu\n", count, ring->capacity);
	} else if (count > 0 && objs == NULL) {
		SPDK_ERRLOG_RATELIMIT("spdk_ring_enqueue: objs is NULL with count %zu\n", count);
	}
	if (free_space != NULL) {
		*free_space = ring->capacity - spdk_ring_count(ring);
	}
	return 0;
}

static __attribute__((noinline, cold)) size_t
ring_dequeue_refused(struct spdk_ring *ring, void **objs, size_t count)
{
	if (ring == NULL) {
		SPDK_ERRLOG_RATELIMIT("spdk_ring_dequeue: the ring is NULL\n");
	} else if (count > 0 && objs == NULL) {
		SPDK_ERRLOG_RATELIMIT("spdk_ring_dequeue: objs is NULL with count %zu\n", count);
	}
	return 0;
}

PW_EXPORT size_t
spdk_ring_enqueue(struct spdk_ring *ring, void **objs, size_t count, size_t *free_space)
{
	if (spdk_unlikely(ring == NULL || objs == NULL || count == 0 ||
			  count > ring->capacity)) {
		return ring_enqueue_refused(ring, objs, count, free_space);
	}

	if (ring->multi_prod) {
		return ring_enqueue_mp(ring, objs, count, free_space);
	}
	return ring_enqueue_sp(ring, objs, count, free_space);
}

PW_EXPORT size_t
spdk_ring_dequeue(struct spdk_ring *ring, void **objs, size_t count)
{
	if (spdk_unlikely(ring == NULL || objs == NULL || count == 0)) {
		return ring_dequeue_refused(ring, objs, count);
	}

	if (ring->multi_cons) {
		return ring_dequeue_mc(ring, objs, count);
	}
	return ring_dequeue_sc(ring, objs, count);
}

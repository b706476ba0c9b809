/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * An unbounded multi-producer single-consumer queue of small fixed-size
 * entries (2 or 3 pointer-sized words), stored inline in 4 KiB segments.
 * Private to the library: thread messages (2 words: fn, ctx) and reactor
 * events (3 words: fn, arg1, arg2) both use it.
 *
 * - The producers' tail is one word, "segment address | next slot index"
 *   (segment addresses are 256-byte aligned, and the index, at most 255,
 *   fits in the low 8 bits). A
 *   producer claims a slot with one compare-and-swap on it, writes the other
 *   words, then publishes word 0 (never NULL) with a release store.
 * - The producer that finds the tail segment full opens a new one (the
 *   queue's spare, else the pool), zeroes it, swings the tail to it claiming
 *   its slot 0, then links it from the old one.
 * - The consumer reads slots in order and stops at the first word 0 still
 *   NULL; it never writes a slot, so it never pulls a line back from the
 *   producers. It retires a segment (as the queue's spare) once every slot
 *   was taken and the next one is linked.
 * - A segment is "reserved" while linked in a queue. Each queue's first full
 *   one (and a small one before it, below) is free of charge; the others
 *   count against the pool's limit, which
 *   turns exhaustion into -ENOMEM at push time. One counter, `extra`, holds
 *   exactly those (plus segments being opened) and is the only input of the
 *   limit check: a queue coming or going never changes it, so the check
 *   never sees a half-updated state (see pw_segq.c).
 *
 * No segment (lazy queues, pw_segq_init_lazy(); doc/design.md "Small
 * threads"). A queue may hold no segment at all: then the tail word is
 * PW_SEGQ_NONE, a NULL segment with the index PW_SEGQ_IDX_MASK (255), which
 * no segment's free slot has (slots <= PW_SEGQ_IDX_MASK), so every claim's
 * "is there room" test fails on it exactly as on a full segment: a batch claim
 * (pw_segq_try_claim()) returns NULL and the push goes to its slow path. The
 * slow path opens a segment (free of charge, as a queue's first), swings
 * the tail from PW_SEGQ_NONE to it with the same sequentially consistent CAS
 * claiming slot 0, writes the entry, then links the segment from the
 * producers' `first` word (release), where the consumer, which holds no
 * segment, looks (acquire). The consumer's side then reads "seg NULL, idx
 * PW_SEGQ_IDX_MASK", so that "seg | idx" equals the tail word exactly when
 * nothing is claimed (pw_segq_pending()).
 *
 * Giving back (pw_segq_give_back(), consumer only): when everything claimed
 * was consumed (tail == head), the consumer CASes the tail from its head to
 * PW_SEGQ_NONE. If the CAS succeeds no producer holds a slot of the segment:
 * every claim precedes it in the tail word's modification order and was
 * consumed (its publication was the producer's last access of the segment),
 * and a producer that read the old tail fails its CAS; the segment is the
 * queue's last, with no `next` yet (a producer links one only after moving
 * the tail away from it). If it fails, a producer claimed: nothing changes.
 *
 * Small first segments. The segment a producer opens over PW_SEGQ_NONE is
 * a small one (entries of 2 or 3 words; pw_segq_small_ok()): a 256-byte
 * block, its 16-byte header then pw_segq_small_slots(words) slots (15 of 2
 * words, 10 of 3), so that a burst of first messages to many queues touches
 * a sixteenth of the memory full segments would (16 blocks to a page, the
 * last one the page's bookkeeping). The next segment after a full small one
 * is a full one, and so on until the queue is given back. The fast path does
 * not change: the queue sees a small segment through a base PW_SEGQ_SMALL_OFF
 * (3840) bytes before its block, and its slots through the indexes
 * pw_segq_small_start(words) (240 of 2 words, 160 of 3) to
 * pw_segq_slots(words), so that `&base->words[idx * words]` is the block's
 * slot and the room test `idx < pw_segq_slots(words)` stops at the block's
 * end, as at a full segment's. The base is 256-byte aligned (3840 is a
 * multiple of 256; hence the 8-bit index) and never page aligned (no block
 * starts at a page's offset 3840, that is the bookkeeping), which is how
 * pw_segq_is_small() tells the two sizes apart. Nothing is ever read or
 * written at the base itself, which lies in another block or page: the
 * header is the block's (pw_segq_real()), read only on the slow paths
 * (opening, retiring, giving back). Accounting: a small segment is free of
 * charge, and so is the full one opened after it (charged are the full
 * segments of a chain but its first full one), so a queue takes 15 entries
 * more than before the limit counts it, never fewer. A small segment goes
 * back to its page when the consumer leaves it (never to the spare, which
 * serves the next full segment) and when it is given back; a page whose
 * blocks are all free goes back to the pool as a full segment, except the
 * pool's last page of small ones.
 *
 * The tail word can see the same segment come back (ABA) after it was
 * retired and reused by this queue; that is harmless because the word
 * describes the whole state: a CAS that succeeds claims exactly the slot the
 * queue would hand out next. The same holds for a small segment's base: a
 * base names one block, and only this queue's reopening of that block can
 * bring the word back to a value it had.
 *
 * The functions take the entry size in words as a constant argument: they
 * are inline, and each caller's constant folds the arithmetic away.
 */

#ifndef PW_SEGQ_H
#define PW_SEGQ_H

#include "spdk/stdinc.h"
#include "spdk/likely.h"
#include "common/pw_common.h"

#include <stdatomic.h>

#define PW_SEGQ_SEG_BYTES	4096u
#define PW_SEGQ_WORDS		((PW_SEGQ_SEG_BYTES - 2 * sizeof(void *)) / sizeof(void *))
/* The index part of a tail word: 8 bits, enough for the slots of a segment
 * (255 of 2 words, 170 of 3) and for the full index; segments (and the
 * bases of small ones, below) are 256-byte aligned. */
#define PW_SEGQ_IDX_MASK	((uintptr_t)0xff)

/* The tail word of a queue without a segment (see above). */
#define PW_SEGQ_NONE		PW_SEGQ_IDX_MASK

/*
 * Small segments (see "Small first segments" above): 256-byte blocks, 16 of
 * them carved from one pool page (the last one holds the page's
 * bookkeeping). The queue sees a small segment through its base, the block's
 * address minus PW_SEGQ_SMALL_OFF, and slot indexes from
 * pw_segq_small_start(words) up to pw_segq_slots(words).
 */
#define PW_SEGQ_SMALL_BYTES	256u
#define PW_SEGQ_SMALL_OFF	3840u
#define PW_SEGQ_SMALL_PER_PAGE	(PW_SEGQ_SEG_BYTES / PW_SEGQ_SMALL_BYTES - 1)

struct pw_segq_seg {
	/* Linked by the producer that opened the next one; the pool's link
	 * while the segment is free. */
	_Atomic(struct pw_segq_seg *)	next;
	/* Words from the start that may be non-zero (the rest are zero): what
	 * the next opening must clear. */
	uint32_t			dirty;
	uint32_t			chunk;		/* its chunk in the pool (pw_segq.c) */
	_Atomic(void *)			words[PW_SEGQ_WORDS];
};

/* Free segments a pool keeps for reuse; beyond that they go back to their
 * chunk, and a chunk whose segments are all free is unmapped (pw_segq.c). */
#define PW_SEGQ_POOL_CACHE	32

struct pw_segq_chunk;
struct pw_segq_spage;

/* A pool of segments shared by every queue of one kind. */
struct pw_segq_pool {
	pthread_mutex_t			lock;
	struct pw_segq_seg		*free;		/* the cache (lock) */
	size_t				nfree;		/* segments in the cache (lock) */
	struct pw_segq_chunk		**chunks;	/* mapped chunks by index (lock) */
	uint32_t			nchunks;
	uint32_t			chunks_cap;
	uint32_t			chunk_hint;	/* where to look for a free index */
	struct pw_segq_chunk		*partial;	/* chunks with a free segment (lock) */
	_Atomic size_t			extra;		/* reserved beyond each queue's first */
	_Atomic size_t			queues;		/* live queues (reporting only) */
	_Atomic size_t			held;		/* segments held by queues, first ones included
							 * (a small one counts one) */
	_Atomic size_t			small_held;	/* small segments among them */
	struct pw_segq_spage		*spartial;	/* pages of small segments with a free one (lock) */
	size_t				spages;		/* pages of small segments (lock) */
	size_t				limit;		/* bound of extra */
	bool				kept;		/* a chunk is kept mapped (lock) */
};

#define PW_SEGQ_POOL_INITIALIZER { .lock = PTHREAD_MUTEX_INITIALIZER, .limit = SIZE_MAX }

/* The producers' side: put it on a cache line the consumer does not read
 * (it reads `first` only while it holds no segment). */
struct pw_segq_prod {
	_Atomic uintptr_t		tail;		/* segment | next slot, or PW_SEGQ_NONE */
	_Atomic(struct pw_segq_seg *)	spare;		/* a free segment handed back by the consumer */
	_Atomic(struct pw_segq_seg *)	first;		/* opened over PW_SEGQ_NONE, not yet taken */
};

/* The consumer's side (seg NULL, idx PW_SEGQ_IDX_MASK: no segment). */
struct pw_segq_cons {
	struct pw_segq_seg		*seg;
	uint32_t			idx;
};

static inline uint32_t
pw_segq_slots(const unsigned words)
{
	return (uint32_t)(PW_SEGQ_WORDS / words);
}

/* Slots of a small segment: what fits after its 16-byte header. */
static inline uint32_t
pw_segq_small_slots(const unsigned words)
{
	return (uint32_t)((PW_SEGQ_SMALL_BYTES - 2 * sizeof(void *)) / (sizeof(void *) * words));
}

/* The index of a small segment's first slot. */
static inline uint32_t
pw_segq_small_start(const unsigned words)
{
	return pw_segq_slots(words) - pw_segq_small_slots(words);
}

/* Whether queues of entries of `words` words open small first segments
 * (their base lands PW_SEGQ_SMALL_OFF before the block). */
static inline bool
pw_segq_small_ok(const unsigned words)
{
	return (size_t)pw_segq_small_start(words) * words * sizeof(void *) == PW_SEGQ_SMALL_OFF;
}

/* Whether a segment (as the queue sees it: a tail word's segment part) is a
 * small one: only their bases are not page aligned. */
static inline bool
pw_segq_is_small(const struct pw_segq_seg *seg)
{
	return ((uintptr_t)seg & (PW_SEGQ_SEG_BYTES - 1)) != 0;
}

/* The memory of a segment: its header (next, dirty, chunk) and, from
 * words[0], the slots it really has. The segment itself when it is a full
 * one; a small one's block. */
static inline struct pw_segq_seg *
pw_segq_real(struct pw_segq_seg *seg)
{
	return pw_segq_is_small(seg) ? (struct pw_segq_seg *)((uintptr_t)seg + PW_SEGQ_SMALL_OFF) : seg;
}

/* The index of a segment's first slot. */
static inline uint32_t
pw_segq_seg_start(const struct pw_segq_seg *seg, const unsigned words)
{
	return pw_segq_is_small(seg) ? pw_segq_small_start(words) : 0;
}

/* Set up an empty queue with its first segment; -ENOMEM without memory. */
int pw_segq_init(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool);
/* Set up an empty queue holding no segment (the first push opens one).
 * Cannot fail. */
void pw_segq_init_lazy(struct pw_segq_prod *prod, struct pw_segq_cons *cons,
		       struct pw_segq_pool *pool);
/*
 * Consumer only: if every entry claimed was consumed, give the queue's
 * segment (and its spare) back to the pool and return true; the queue then
 * holds no segment. False if an entry is queued or being queued, or the
 * queue holds no segment already.
 */
bool pw_segq_give_back(struct pw_segq_prod *prod, struct pw_segq_cons *cons,
		       struct pw_segq_pool *pool, unsigned words);
/* Give every segment of a drained queue back to the pool. */
void pw_segq_fini(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool);
/* Free the pool's unused segments (and its kept chunk, if all free). */
void pw_segq_pool_drain(struct pw_segq_pool *pool);
/*
 * Map one chunk (32 segments, 128 KiB, not touched until used) that
 * stays mapped until pw_segq_pool_drain(), so that while it has a free
 * segment opening one needs no allocation: queues without a segment can
 * still take messages when memory runs out. Once per pool until drained.
 * 0, or -ENOMEM.
 */
int pw_segq_pool_keep_chunk(struct pw_segq_pool *pool);
/* Segments reserved in queues of this pool (tests; not a snapshot while
 * queues come and go). */
size_t pw_segq_pool_reserved(struct pw_segq_pool *pool);
/* Segments held by the queues of this pool (linked or spare) / kept free
 * by the pool / chunks mapped (tests, reports). */
size_t pw_segq_pool_held(struct pw_segq_pool *pool);
size_t pw_segq_pool_cached(struct pw_segq_pool *pool);
size_t pw_segq_pool_chunks(struct pw_segq_pool *pool);
/* Small segments held by queues / pool pages carved into small segments. */
size_t pw_segq_pool_small_held(struct pw_segq_pool *pool);
size_t pw_segq_pool_small_pages(struct pw_segq_pool *pool);

/*
 * Called by a producer once its slot is claimed and before its entry can be
 * seen by the consumer. While it runs, the consumer cannot have taken the
 * entry, so whatever owns the queue is still alive (a thread that would exit
 * and be freed because of this very entry cannot have run it yet).
 */
typedef void (*pw_segq_claimed_fn)(void *arg);

/* Out-of-line parts of push and pop (once per segment). */
int pw_segq_push_slow(struct pw_segq_prod *prod, struct pw_segq_pool *pool, unsigned words,
		      uintptr_t tail, void *const *vals, pw_segq_claimed_fn claimed, void *arg);
void pw_segq_retire(struct pw_segq_prod *prod, struct pw_segq_pool *pool, struct pw_segq_seg *seg,
		    unsigned words);

/*
 * Queue one entry of `words` words (vals[0] must not be NULL). Any pthread.
 * Returns 0, or -ENOMEM when the pool's limit is reached or memory is out.
 * The claim is sequentially consistent: it is ordered before any load that
 * follows (a driver's sleeping flag, see pinwheel/thread.h). `claimed`, if
 * not NULL, runs between the claim and the publication (see above); it is
 * not called when the push fails.
 */
static inline int
pw_segq_push_claimed(struct pw_segq_prod *prod, struct pw_segq_pool *pool, const unsigned words,
		     void *const *vals, pw_segq_claimed_fn claimed, void *arg)
{
	uintptr_t tail = atomic_load_explicit(&prod->tail, memory_order_relaxed);

	while (spdk_likely((tail & PW_SEGQ_IDX_MASK) < pw_segq_slots(words))) {
		struct pw_segq_seg *seg = (struct pw_segq_seg *)(tail & ~PW_SEGQ_IDX_MASK);
		_Atomic(void *) *slot = &seg->words[(tail & PW_SEGQ_IDX_MASK) * words];

		/* Acquire pairs with the release of the producer that opened the
		 * segment (its zeroing is visible); a failed CAS reloads tail. */
		if (atomic_compare_exchange_weak_explicit(&prod->tail, &tail, tail + 1,
				memory_order_seq_cst, memory_order_relaxed)) {
			for (unsigned k = 1; k < words; k++) {
				atomic_store_explicit(&slot[k], vals[k], memory_order_relaxed);
			}
			if (claimed != NULL) {
				claimed(arg);
			}
			/* Pairs with the consumer's acquire load of word 0. */
			atomic_store_explicit(&slot[0], vals[0], memory_order_release);
			return 0;
		}
	}
	return pw_segq_push_slow(prod, pool, words, tail, vals, claimed, arg);
}

/* pw_segq_push_claimed() without a callback. */
static inline int
pw_segq_push(struct pw_segq_prod *prod, struct pw_segq_pool *pool, const unsigned words,
	     void *const *vals)
{
	return pw_segq_push_claimed(prod, pool, words, vals, NULL, NULL);
}

/*
 * Batches (issue 12): a producer may claim a slot now and publish it later,
 * so that the lines it fills cross to the consumer once per batch rather than
 * once per entry.
 *
 * pw_segq_try_claim() claims the next slot of the tail segment, with the same
 * sequentially consistent CAS as pw_segq_push(), and returns it; it never
 * opens a segment: when the tail segment is full (or the queue has none), it
 * returns NULL and the caller pushes that entry through pw_segq_push_claimed()
 * instead (which opens segments and reports -ENOMEM). pw_segq_publish() then
 * writes the entry and publishes word 0 with a release store.
 *
 * Until a claimed slot is published the consumer stops there (it stops at
 * the first word 0 still NULL), so entries claimed after it, by anyone, wait
 * behind it: FIFO is the claim order whatever the order of publication, and
 * whatever owns the queue (and the segment of the slot) stays alive. A
 * producer must therefore publish every slot it claimed, soon, and must not
 * wait for the consumer in between.
 */
static inline _Atomic(void *) *
pw_segq_try_claim(struct pw_segq_prod *prod, const unsigned words)
{
	uintptr_t tail = atomic_load_explicit(&prod->tail, memory_order_relaxed);

	while (spdk_likely((tail & PW_SEGQ_IDX_MASK) < pw_segq_slots(words))) {
		struct pw_segq_seg *seg = (struct pw_segq_seg *)(tail & ~PW_SEGQ_IDX_MASK);

		/* As in pw_segq_push_claimed(): seq_cst, ordered before the
		 * producer's later load of a sleeping flag. */
		if (atomic_compare_exchange_weak_explicit(&prod->tail, &tail, tail + 1,
				memory_order_seq_cst, memory_order_relaxed)) {
			return &seg->words[(tail & PW_SEGQ_IDX_MASK) * words];
		}
	}
	return NULL;
}

/* Write and publish an entry in a slot from pw_segq_try_claim(). */
static inline void
pw_segq_publish(_Atomic(void *) *slot, const unsigned words, void *const *vals)
{
	for (unsigned k = 1; k < words; k++) {
		atomic_store_explicit(&slot[k], vals[k], memory_order_relaxed);
	}
	/* Pairs with the consumer's acquire load of word 0 in pw_segq_pop(). */
	atomic_store_explicit(&slot[0], vals[0], memory_order_release);
}

/* Whether the consumer's next slot is still empty (cheap, consumer only). */
static inline bool
pw_segq_head_empty(const struct pw_segq_cons *cons, const unsigned words)
{
	return cons->idx < pw_segq_slots(words) &&
	       atomic_load_explicit(&cons->seg->words[cons->idx * words], memory_order_acquire) == NULL;
}

/*
 * pw_segq_head_empty() for a queue that may hold no segment (lazy): with no
 * segment, empty until a producer has linked one (`first`).
 */
static inline bool
pw_segq_empty(const struct pw_segq_prod *prod, const struct pw_segq_cons *cons,
	      const unsigned words)
{
	if (spdk_likely(cons->idx < pw_segq_slots(words))) {
		/* Pairs with the release store of word 0 by the producer. */
		return atomic_load_explicit(&cons->seg->words[cons->idx * words],
					    memory_order_acquire) == NULL;
	}
	/* Pairs with the release store of first in pw_segq_push_slow(). */
	return cons->seg == NULL &&
	       atomic_load_explicit(&prod->first, memory_order_acquire) == NULL;
}

/*
 * Take up to max entries into out (max * words pointers), in FIFO order.
 * Consumer only. Returns how many were taken.
 */
static inline uint32_t
pw_segq_pop(struct pw_segq_prod *prod, struct pw_segq_cons *cons, struct pw_segq_pool *pool,
	    const unsigned words, void **out, uint32_t max)
{
	struct pw_segq_seg *seg = cons->seg;
	uint32_t idx = cons->idx, n = 0;

	while (n < max) {
		_Atomic(void *) *slot;
		void *w0;

		if (spdk_unlikely(idx >= pw_segq_slots(words))) {
			struct pw_segq_seg *next;

			if (seg == NULL) {
				/* No segment (lazy queue): the one a producer opened
				 * over PW_SEGQ_NONE. Pairs with the release store of
				 * first in pw_segq_push_slow(). */
				next = atomic_load_explicit(&prod->first, memory_order_acquire);
				if (next == NULL) {
					break;
				}
				/* Only that producer stores first, once per opening
				 * over PW_SEGQ_NONE, which follows our give-back. */
				atomic_store_explicit(&prod->first, NULL, memory_order_relaxed);
			} else {
				/* Pairs with the release store of next in pw_segq_push_slow(). */
				next = atomic_load_explicit(&pw_segq_real(seg)->next,
							    memory_order_acquire);
				if (next == NULL) {
					break;
				}
				pw_segq_retire(prod, pool, seg, words);
			}
			seg = next;
			idx = pw_segq_seg_start(next, words);
		}
		slot = &seg->words[idx * words];
		/* Pairs with the release store of word 0 in pw_segq_push(). */
		w0 = atomic_load_explicit(&slot[0], memory_order_acquire);
		if (w0 == NULL) {
			break;
		}
		out[n * words] = w0;
		for (unsigned k = 1; k < words; k++) {
			out[n * words + k] = atomic_load_explicit(&slot[k], memory_order_relaxed);
		}
		idx++;
		n++;
	}
	cons->seg = seg;
	cons->idx = idx;
	return n;
}

/*
 * Whether an entry is queued or being queued (a producer claimed a slot).
 * Consumer only; sequentially consistent, to pair with pw_segq_push() in a
 * sleeping driver's last look.
 */
static inline bool
pw_segq_pending(const struct pw_segq_prod *prod, const struct pw_segq_cons *cons)
{
	uintptr_t head = (uintptr_t)cons->seg | cons->idx;

	return atomic_load_explicit(&prod->tail, memory_order_seq_cst) != head;
}

/* Entries queued (walks the segments; for tests and logs). Consumer only. */
size_t pw_segq_count(const struct pw_segq_cons *cons, unsigned words);

#endif /* PW_SEGQ_H */

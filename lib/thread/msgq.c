/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Message queues: one unbounded multi-producer, single-consumer queue per
 * thread, holding (fn, ctx) pairs inline.
 *
 * A queue is a chain of 4 KiB segments of 255 slots. The producers' tail is a
 * single word, "segment address | next slot index" (segments are page aligned,
 * so the index fits in the low 12 bits); a producer claims a slot with one
 * compare-and-swap on that word, writes ctx, then publishes fn with a release
 * store. The producer that finds the tail segment full opens a new one: it
 * swings the tail to the new segment (claiming its slot 0) and then links it
 * from the old one. The consumer walks slots in order, stops at the first slot
 * whose fn is still NULL, and retires a segment once all of its slots are
 * consumed and its successor is linked. The consumer never writes a slot: the
 * sender that opens a segment zeroes it before publishing it.
 *
 * Why this shape:
 * - no message object to allocate or free, no per-message cache: a message is
 *   16 bytes written once by the sender and read once by the receiver, four to
 *   a cache line, in an array the CPU can prefetch (a linked list would cost a
 *   dependent cache miss per message);
 * - the consumer never reads the producers' line on its fast path, so an idle
 *   receiver does not disturb a busy sender;
 * - unbounded per thread, bounded for the process by msg_mempool_size
 *   (rounded up to whole segments): exhaustion is -ENOMEM, never an abort;
 * - FIFO for all producers together, hence per sender.
 *
 * The tail word can see the same segment come back (ABA) after it was
 * retired and reused by this same queue; that is harmless because the word
 * describes the whole state: a CAS that succeeds claims exactly the slot the
 * queue would hand out next.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"

/* ---------------------------------------------------------------------------
 * Segment pool, shared by every queue of the process. Taken once per 255
 * messages at most, so a mutex is cheap enough for the free list.
 *
 * Accounting: a segment is "reserved" while it is linked in a queue (it holds
 * or may hold messages). Each queue's first segment is free of charge; the
 * others count against the limit derived from msg_mempool_size. A queue's
 * spare and the free list are not reserved.
 * ------------------------------------------------------------------------- */

static pthread_mutex_t g_seg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pw_msg_seg *g_seg_free;
static _Atomic size_t g_seg_reserved;	/* linked in queues */
static _Atomic size_t g_seg_queues;	/* live queues: one free segment each */
static size_t g_seg_allocated;		/* from the system, for tests */
static size_t g_seg_limit;		/* reserved segments allowed beyond one per queue */

/* A segment from the free list or the system; NULL only when out of memory. */
static struct pw_msg_seg *
seg_alloc(void)
{
	struct pw_msg_seg *seg;

	pthread_mutex_lock(&g_seg_lock);
	seg = g_seg_free;
	if (seg != NULL) {
		g_seg_free = seg->free_next;
	}
	pthread_mutex_unlock(&g_seg_lock);

	if (seg == NULL) {
		seg = aligned_alloc(PW_MSGQ_SEG_BYTES, PW_MSGQ_SEG_BYTES);
		if (seg == NULL) {
			return NULL;
		}
		memset(seg, 0, sizeof(*seg));
		pthread_mutex_lock(&g_seg_lock);
		g_seg_allocated++;
		pthread_mutex_unlock(&g_seg_lock);
	}
	seg->free_next = NULL;
	return seg;
}

/* Make a segment empty before a queue publishes it: every fn NULL, no next.
 * Done by whoever opens it (its lines are about to be written by the senders
 * anyway), so the consumer never writes to a slot and never pulls a line
 * back from the senders. */
static void
seg_reset(struct pw_msg_seg *seg)
{
	memset(seg->slots, 0, sizeof(seg->slots));
	atomic_store_explicit(&seg->next, NULL, memory_order_relaxed);
}

static void
seg_free(struct pw_msg_seg *seg)
{
	pthread_mutex_lock(&g_seg_lock);
	seg->free_next = g_seg_free;
	g_seg_free = seg;
	pthread_mutex_unlock(&g_seg_lock);
}

/* Reserve room for one more segment in some queue; false at the limit. */
static bool
seg_reserve(void)
{
	size_t reserved = atomic_fetch_add_explicit(&g_seg_reserved, 1, memory_order_relaxed);

	if (reserved - atomic_load_explicit(&g_seg_queues, memory_order_relaxed) >= g_seg_limit) {
		atomic_fetch_sub_explicit(&g_seg_reserved, 1, memory_order_relaxed);
		return false;
	}
	return true;
}

static void
seg_unreserve(void)
{
	atomic_fetch_sub_explicit(&g_seg_reserved, 1, memory_order_relaxed);
}

int
pw__msgq_lib_init(size_t msg_limit)
{
	if (msg_limit == 0) {
		msg_limit = SPDK_DEFAULT_MSG_MEMPOOL_SIZE;
	}
	g_seg_limit = (msg_limit + PW_MSGQ_SEG_SLOTS - 1) / PW_MSGQ_SEG_SLOTS;
	return 0;
}

void
pw__msgq_lib_fini(void)
{
	struct pw_msg_seg *seg;

	pthread_mutex_lock(&g_seg_lock);
	while ((seg = g_seg_free) != NULL) {
		g_seg_free = seg->free_next;
		free(seg);
		g_seg_allocated--;
	}
	pthread_mutex_unlock(&g_seg_lock);
}

size_t
pw__msgq_segments_in_use(void)
{
	return atomic_load(&g_seg_reserved);
}

size_t
pw__msgq_segment_limit(void)
{
	return g_seg_limit;
}

/* ---------------------------------------------------------------------------
 * One queue
 * ------------------------------------------------------------------------- */

int
pw__msgq_init(struct spdk_thread *thread)
{
	struct pw_msg_seg *seg = seg_alloc();

	if (seg == NULL) {
		return -ENOMEM;
	}
	atomic_fetch_add(&g_seg_queues, 1);
	atomic_fetch_add(&g_seg_reserved, 1);
	seg_reset(seg);
	thread->mq_head_seg = seg;
	thread->mq_head_idx = 0;
	atomic_init(&thread->mq_tail, (uintptr_t)seg);
	atomic_init(&thread->mq_spare, NULL);
	return 0;
}

void
pw__msgq_fini(struct spdk_thread *thread)
{
	struct pw_msg_seg *seg = thread->mq_head_seg, *next;
	struct pw_msg_seg *spare;

	/* The caller drained the queue; whatever segments remain go back. */
	while (seg != NULL) {
		next = atomic_load_explicit(&seg->next, memory_order_acquire);
		seg_free(seg);
		seg_unreserve();
		seg = next;
	}
	atomic_fetch_sub(&g_seg_queues, 1);
	spare = atomic_exchange_explicit(&thread->mq_spare, NULL, memory_order_acquire);
	if (spare != NULL) {
		seg_free(spare);
	}
	thread->mq_head_seg = NULL;
}

/* A producer needs a fresh segment (reserved): the queue's spare first, else
 * the pool. NULL at the limit or out of memory. */
static struct pw_msg_seg *
msgq_fresh_segment(struct spdk_thread *thread)
{
	struct pw_msg_seg *seg;

	if (!seg_reserve()) {
		return NULL;
	}
	/* Pairs with the release in msgq_retire(): the consumer is done
	 * reading the segment before we zero and reuse it. */
	seg = atomic_exchange_explicit(&thread->mq_spare, NULL, memory_order_acquire);
	if (seg == NULL) {
		seg = seg_alloc();
		if (seg == NULL) {
			seg_unreserve();
			return NULL;
		}
	}
	seg_reset(seg);
	return seg;
}

/* A reserved segment is no longer linked (consumed, or opened for nothing):
 * keep it as the queue's spare, or pool it. */
static void
msgq_retire(struct spdk_thread *thread, struct pw_msg_seg *seg)
{
	struct pw_msg_seg *old;

	seg_unreserve();
	/* Pairs with the acquire in msgq_fresh_segment(). */
	old = atomic_exchange_explicit(&thread->mq_spare, seg, memory_order_acq_rel);
	if (old != NULL) {
		seg_free(old);
	}
}

/* The tail segment is full (or the fast path lost a race at its end): open a
 * new segment, claiming its slot 0, or claim a slot in the one another
 * sender just opened. Out of line: taken once per 255 messages. */
static __attribute__((noinline)) int
msgq_push_slow(struct spdk_thread *thread, uintptr_t tail, spdk_msg_fn fn, void *ctx)
{
	struct pw_msg_seg *fresh = NULL;

	for (;;) {
		struct pw_msg_seg *seg = (struct pw_msg_seg *)(tail & ~(uintptr_t)PW_MSGQ_IDX_MASK);
		uint32_t idx = (uint32_t)(tail & PW_MSGQ_IDX_MASK);

		if (idx < PW_MSGQ_SEG_SLOTS) {
			if (atomic_compare_exchange_weak_explicit(&thread->mq_tail, &tail, tail + 1,
					memory_order_seq_cst, memory_order_acquire)) {
				seg->slots[idx].ctx = ctx;
				atomic_store_explicit(&seg->slots[idx].fn, fn, memory_order_release);
				if (fresh != NULL) {
					/* Someone else opened the segment: ours goes back. */
					msgq_retire(thread, fresh);
				}
				return 0;
			}
			continue;
		}
		if (fresh == NULL) {
			fresh = msgq_fresh_segment(thread);
			if (fresh == NULL) {
				return -ENOMEM;
			}
		}
		if (atomic_compare_exchange_weak_explicit(&thread->mq_tail, &tail,
				(uintptr_t)fresh | 1u, memory_order_seq_cst, memory_order_acquire)) {
			fresh->slots[0].ctx = ctx;
			atomic_store_explicit(&fresh->slots[0].fn, fn, memory_order_release);
			/* Pairs with the consumer's acquire load of next. */
			atomic_store_explicit(&seg->next, fresh, memory_order_release);
			return 0;
		}
	}
}

static inline int
msgq_push(struct spdk_thread *thread, spdk_msg_fn fn, void *ctx)
{
	uintptr_t tail = atomic_load_explicit(&thread->mq_tail, memory_order_relaxed);

	while (spdk_likely((tail & PW_MSGQ_IDX_MASK) < PW_MSGQ_SEG_SLOTS)) {
		struct pw_msg_seg *seg = (struct pw_msg_seg *)(tail & ~(uintptr_t)PW_MSGQ_IDX_MASK);
		uint32_t idx = (uint32_t)(tail & PW_MSGQ_IDX_MASK);

		/* Claim slot idx. Acquire pairs with the release of the sender
		 * that opened this segment (its zeroed slots are visible to us);
		 * seq_cst orders the claim before the sleeping-flag load in
		 * pw__thread_notify(). A failed CAS reloads tail: try again. */
		if (atomic_compare_exchange_weak_explicit(&thread->mq_tail, &tail, tail + 1,
				memory_order_seq_cst, memory_order_relaxed)) {
			seg->slots[idx].ctx = ctx;
			/* Pairs with the consumer's acquire load of fn. */
			atomic_store_explicit(&seg->slots[idx].fn, fn, memory_order_release);
			return 0;
		}
	}
	return msgq_push_slow(thread, tail, fn, ctx);
}

uint32_t
pw__msgq_run_batch(struct spdk_thread *thread, uint32_t max)
{
	struct { spdk_msg_fn fn; void *ctx; } batch[PW_MSG_BATCH_DEFAULT];
	struct pw_msg_seg *seg = thread->mq_head_seg;
	uint32_t idx = thread->mq_head_idx;
	uint32_t n = 0;

	if (max == 0 || max > PW_MSG_BATCH_DEFAULT) {
		max = PW_MSG_BATCH_DEFAULT;
	}

	/* Take a batch first, then run it, as SPDK does: a message that sends
	 * to its own thread is not run again within the same slice. */
	while (n < max) {
		struct pw_msg_slot *slot;
		spdk_msg_fn fn;

		if (spdk_unlikely(idx == PW_MSGQ_SEG_SLOTS)) {
			/* Pairs with the release store of next in msgq_push(). */
			struct pw_msg_seg *next = atomic_load_explicit(&seg->next,
						  memory_order_acquire);

			if (next == NULL) {
				break;
			}
			msgq_retire(thread, seg);
			seg = next;
			idx = 0;
		}
		slot = &seg->slots[idx];
		/* Pairs with the release store of fn in msgq_push(). */
		fn = atomic_load_explicit(&slot->fn, memory_order_acquire);
		if (fn == NULL) {
			break;
		}
		batch[n].fn = fn;
		batch[n].ctx = slot->ctx;
		idx++;
		n++;
	}
	thread->mq_head_seg = seg;
	thread->mq_head_idx = idx;

	for (uint32_t i = 0; i < n; i++) {
		batch[i].fn(batch[i].ctx);
		if (spdk_unlikely(thread->attention != 0)) {
			if (thread->lock_count != 0) {
				pw__spin_check_switch(thread);
			}
			if (thread->num_pp_handlers != 0) {
				pw__thread_run_pp_handlers(thread);
			}
		}
	}
	return n;
}

bool
pw__msgq_pending(struct spdk_thread *thread)
{
	uintptr_t head = (uintptr_t)thread->mq_head_seg | thread->mq_head_idx;

	/* seq_cst: a sleeping driver's last look, paired with the senders'
	 * claim (see pw__thread_notify()). */
	return atomic_load_explicit(&thread->mq_tail, memory_order_seq_cst) != head;
}

size_t
pw__msgq_count(struct spdk_thread *thread)
{
	struct pw_msg_seg *seg = thread->mq_head_seg;
	uint32_t idx = thread->mq_head_idx;
	size_t count = 0;

	while (seg != NULL) {
		for (; idx < PW_MSGQ_SEG_SLOTS; idx++) {
			if (atomic_load_explicit(&seg->slots[idx].fn, memory_order_acquire) == NULL) {
				return count;
			}
			count++;
		}
		seg = atomic_load_explicit(&seg->next, memory_order_acquire);
		idx = 0;
	}
	return count;
}

/* ---------------------------------------------------------------------------
 * Public sending functions
 * ------------------------------------------------------------------------- */

/* Out of line, so that the sending fast path saves no register for them. */
static __attribute__((noinline, cold)) int
send_refused(const struct spdk_thread *thread, spdk_msg_fn fn, int rc)
{
	switch (rc) {
	case -EINVAL:
		SPDK_ERRLOG("spdk_thread_send_msg: %s is NULL\n", thread == NULL ? "thread" : "fn");
		break;
	case -EIO:
		SPDK_ERRLOG_RATELIMIT("Thread %s has exited: message %p not sent\n", thread->name,
				      (void *)fn);
		break;
	default:
		SPDK_ERRLOG_RATELIMIT("No room for a message to thread %s: %zu messages in flight "
				      "(msg_mempool_size); retry once they drain\n", thread->name,
				      g_seg_limit * PW_MSGQ_SEG_SLOTS);
		break;
	}
	return rc;
}

PW_EXPORT int
spdk_thread_send_msg(const struct spdk_thread *cthread, spdk_msg_fn fn, void *ctx)
{
	struct spdk_thread *thread = (struct spdk_thread *)cthread;
	int rc;

	if (spdk_unlikely(thread == NULL || fn == NULL)) {
		return send_refused(thread, fn, -EINVAL);
	}
	if (spdk_unlikely(atomic_load_explicit(&thread->shared_state, memory_order_acquire) ==
			  PW_THREAD_EXITED)) {
		return send_refused(thread, fn, -EIO);
	}
	rc = msgq_push(thread, fn, ctx);
	if (spdk_unlikely(rc != 0)) {
		return send_refused(thread, fn, rc);
	}
	pw__thread_notify(thread);
	return 0;
}

PW_EXPORT int
spdk_thread_send_critical_msg(struct spdk_thread *thread, spdk_msg_fn fn)
{
	spdk_msg_fn expected = NULL;

	/* No logging here: this must stay async-signal-safe. */
	if (thread == NULL || fn == NULL) {
		return -EINVAL;
	}
	/* Pairs with the release store of the state: an exited thread never runs
	 * it (one that exits right after we pass this check runs it when it is
	 * destroyed). */
	if (atomic_load_explicit(&thread->shared_state, memory_order_acquire) == PW_THREAD_EXITED) {
		return -EIO;
	}
	/* Pairs with the acquire exchange in the slice (thread.c). */
	if (!atomic_compare_exchange_strong_explicit(&thread->critical_msg, &expected, fn,
			memory_order_seq_cst, memory_order_relaxed)) {
		return -EIO;
	}
	pw__thread_notify(thread);
	return 0;
}

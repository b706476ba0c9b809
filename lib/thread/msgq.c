/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Message queues: one unbounded multi-producer, single-consumer queue per
 * thread (common/pw_segq.h), holding (fn, ctx) pairs inline, 255 to a 4 KiB
 * segment.
 *
 * Why this shape:
 * - no message object to allocate or free, no per-message cache: a message is
 *   16 bytes written once by the sender and read once by the receiver, four to
 *   a cache line, in an array the CPU can prefetch (a linked list would cost a
 *   dependent cache miss per message);
 * - the receiver never writes a slot and never reads the senders' line on its
 *   fast path, so an idle receiver does not disturb a busy sender;
 * - unbounded per thread, bounded for the process by msg_mempool_size
 *   (rounded up to whole segments): exhaustion is -ENOMEM, never an abort;
 * - FIFO for all senders together, hence per sender.
 *
 * Cross-core batches (doc/design.md): a send made inside spdk_thread_poll()
 * (a message handler, a poller, an interrupt handler) to another thread
 * claims its slot at once, so that FIFO, -EIO and -ENOMEM are decided at send
 * time as before, but writes and publishes it only when the callback returns
 * (pw__msgq_flush()): a batch of sends then fills whole lines the receiver
 * has not looked at yet and publishes them last to first, so that the
 * receiver, stopped at the first one, takes the batch with one transfer per
 * line; one waker check per destination per batch.
 */

#include "thread/thread_internal.h"
#include "thread/thread_trace.h"

#include "spdk/log.h"

static struct pw_segq_pool g_msg_pool = PW_SEGQ_POOL_INITIALIZER;

/* Senders read shared_state and a driver reads it after every slice
 * (spdk_thread_is_exited()): on the producers' line (the tail every send
 * CASes), that read took the line away from the senders once per slice, a
 * cache-line transfer per message of a cross-core ping-pong (issue 12). */
_Static_assert(offsetof(struct spdk_thread, shared_state) / SPDK_CACHE_LINE_SIZE !=
	       offsetof(struct spdk_thread, mq_prod) / SPDK_CACHE_LINE_SIZE,
	       "shared_state must not share the producers' cache line");

__thread struct pw_msg_stage pw__msg_stage;
_Atomic uint64_t pw__g_critical_gen;

int
pw__msgq_lib_init(size_t msg_limit)
{
	if (msg_limit == 0) {
		msg_limit = SPDK_DEFAULT_MSG_MEMPOOL_SIZE;
	}
	g_msg_pool.limit = (msg_limit + PW_MSGQ_SEG_SLOTS - 1) / PW_MSGQ_SEG_SLOTS;
	/* Threads open their message segment at their first message (doc/design.md,
	 * "Small threads"): a chunk kept mapped lets the first 32 of them open
	 * one without allocating, so the library's own messages (a channel's
	 * release, an io_device's unregistration) still go through when
	 * memory has run out, as they did when every thread got its segment
	 * at creation. */
	if (pw_segq_pool_keep_chunk(&g_msg_pool) != 0) {
		SPDK_ERRLOG("no memory for the message queues' first segments\n");
		return -ENOMEM;
	}
	return 0;
}

void
pw__msgq_lib_fini(void)
{
	pw_segq_pool_drain(&g_msg_pool);
}

size_t
pw__msgq_segments_in_use(void)
{
	return pw_segq_pool_reserved(&g_msg_pool);
}

size_t
pw__msgq_segment_limit(void)
{
	return g_msg_pool.limit;
}

size_t
pw__msgq_segments_held(void)
{
	return pw_segq_pool_held(&g_msg_pool);
}

size_t
pw__msgq_chunks_mapped(void)
{
	return pw_segq_pool_chunks(&g_msg_pool);
}

size_t
pw__msgq_segments_cached(void)
{
	return pw_segq_pool_cached(&g_msg_pool);
}

void
pw__msgq_init(struct spdk_thread *thread)
{
	/* No segment until the first message (doc/design.md "Small threads"). */
	pw_segq_init_lazy(&thread->mq_prod, &thread->mq_cons, &g_msg_pool);
}

bool
pw__msgq_give_back(struct spdk_thread *thread)
{
	return pw_segq_give_back(&thread->mq_prod, &thread->mq_cons, &g_msg_pool, PW_MSG_WORDS);
}

bool
pw__msgq_has_segment(const struct spdk_thread *thread)
{
	return thread->mq_cons.seg != NULL;
}

void
pw__msgq_fini(struct spdk_thread *thread)
{
	pw_segq_fini(&thread->mq_prod, &thread->mq_cons, &g_msg_pool);
}

uint32_t
pw__msgq_run_batch(struct spdk_thread *thread, uint32_t max)
{
	void *batch[PW_MSG_BATCH_DEFAULT * PW_MSG_WORDS];
	uint32_t n;

	if (max == 0 || max > PW_MSG_BATCH_DEFAULT) {
		max = PW_MSG_BATCH_DEFAULT;
	}
	/* Take a batch first, then run it, as SPDK does: a message that sends
	 * to its own thread is not run again within the same slice. */
	n = pw_segq_pop(&thread->mq_prod, &thread->mq_cons, &g_msg_pool, PW_MSG_WORDS, batch, max);
	if (PW_TP_ON()) return pw__tp_msgq_run_batch(thread, batch, n);
	for (uint32_t i = 0; i < n; i++) {
		spdk_msg_fn fn = (spdk_msg_fn)batch[i * PW_MSG_WORDS];

		fn(batch[i * PW_MSG_WORDS + 1]);
		pw__thread_after_callback(thread);
	}
	return n;
}

bool
pw__msgq_pending(struct spdk_thread *thread)
{
	/* seq_cst: a sleeping driver's last look, paired with the senders'
	 * claim (see pw__thread_waker_asleep()). */
	return pw_segq_pending(&thread->mq_prod, &thread->mq_cons);
}

size_t
pw__msgq_count(struct spdk_thread *thread)
{
	struct pw_segq_cons cons = thread->mq_cons;

	if (cons.seg == NULL) {
		/* No segment taken yet: the one a sender opened, if any. Pairs
		 * with the release store of first in pw_segq_push_slow(). */
		cons.seg = atomic_load_explicit(&thread->mq_prod.first, memory_order_acquire);
		cons.idx = cons.seg != NULL ? pw_segq_seg_start(cons.seg, PW_MSG_WORDS) : 0;
	}
	return pw_segq_count(&cons, PW_MSG_WORDS);
}

/* ---------------------------------------------------------------------------
 * Public sending functions
 * ------------------------------------------------------------------------- */

struct waker_note {
	struct spdk_thread	*thread;
	struct pw_waker		*waker;
};

/* Runs between the claim of a message slot and its publication. */
static inline void
note_waker(void *arg)
{
	struct waker_note *note = arg;

	note->waker = pw__thread_waker_asleep(note->thread);
}

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
				      g_msg_pool.limit * PW_MSGQ_SEG_SLOTS);
		break;
	}
	return rc;
}

void
pw__msgq_flush(void)
{
	struct pw_msg_stage *st = &pw__msg_stage;
	struct pw_waker *w[PW_MSG_STAGE_DESTS];
	uint32_t n = st->n, nd = st->ndest;

	if (n == 0) {
		return;
	}
	/* Every slot of the stage is claimed and none is published: the
	 * destinations cannot have run these messages, so they are alive. The
	 * waker loads follow the claims (seq_cst RMWs), as in a single send
	 * (pw__thread_waker_asleep()). */
	for (uint32_t d = 0; d < nd; d++) {
		w[d] = pw__thread_waker_asleep(st->dest[d]);
	}
	/* Last to first: a receiver stopped at the first slot of the batch sees
	 * it complete when it moves on. After the first entry of a destination
	 * is published that destination may run everything and be freed: only
	 * the wakers are used below. */
	for (uint32_t i = n; i-- > 0;) {
		void *const msg[PW_MSG_WORDS] = { st->ent[i].fn, st->ent[i].ctx };

		pw_segq_publish(st->ent[i].slot, PW_MSG_WORDS, msg);
	}
	st->n = 0;
	st->ndest = 0;
	for (uint32_t d = 0; d < nd; d++) {
		if (w[d] != NULL && (d == 0 || w[d] != w[d - 1])) {
			pw_waker_wake(w[d]);
		}
	}
}

/* Claim a slot for a message to `thread` and stage it; false when the
 * destination's segment is full or the stage cannot take it (the caller then
 * sends at once). */
static inline bool
stage_msg(struct pw_msg_stage *st, struct spdk_thread *thread, spdk_msg_fn fn, void *ctx)
{
	_Atomic(void *) *slot;
	uint32_t d;

	for (d = 0; d < st->ndest && st->dest[d] != thread; d++) {
	}
	if (spdk_unlikely(st->n == PW_MSG_STAGE_MAX ||
			  (d == st->ndest && d == PW_MSG_STAGE_DESTS))) {
		pw__msgq_flush();
		d = 0;
	}
	slot = pw_segq_try_claim(&thread->mq_prod, PW_MSG_WORDS);
	if (spdk_unlikely(slot == NULL)) {
		return false;
	}
	if (d == st->ndest) {
		st->dest[st->ndest++] = thread;
	}
	st->ent[st->n].slot = slot;
	st->ent[st->n].fn = (void *)fn;
	st->ent[st->n].ctx = ctx;
	st->n++;
	return true;
}

void
pw__msgq_callback_done(void)
{
	struct pw_msg_stage *st = &pw__msg_stage;

	/* A callback that sent one message alone predicts the next one does:
	 * that one's first send is published at once (spdk_thread_send_msg()). */
	st->lone = st->sends == 1;
	st->sends = 0;
	pw__msgq_flush();
}

PW_EXPORT int
spdk_thread_send_msg(const struct spdk_thread *cthread, spdk_msg_fn fn, void *ctx)
{
	struct pw_msg_stage *st = &pw__msg_stage;
	struct spdk_thread *cur;
	struct spdk_thread *thread = (struct spdk_thread *)cthread;
	void *const msg[PW_MSG_WORDS] = { (void *)fn, ctx };
	struct waker_note note;
	int rc;

	if (spdk_unlikely(thread == NULL || fn == NULL)) {
		return send_refused(thread, fn, -EINVAL);
	}
	if (spdk_unlikely(atomic_load_explicit(&thread->shared_state, memory_order_acquire) ==
			  PW_THREAD_EXITED)) {
		return send_refused(thread, fn, -EIO);
	}
	if (PW_TP_ON()) pw__tp_msg_send(thread, fn, ctx);
	/* Inside a callback of spdk_thread_poll(), to another thread: staged.
	 * To its own thread a message goes at once (SPDK's order: it runs in a
	 * later batch of the same thread). Only while the polled thread is the
	 * current one: a callback that made another thread current
	 * (spdk_set_thread()) sends at once, for the flag that flushes after
	 * the callback is the polled thread's (and the other thread may be
	 * driven by another pthread).
	 * Except the first send of a callback when the last callback that sent
	 * anything sent one message alone: a lone message fills no line with
	 * others, so staging it buys nothing and would only delay it (the
	 * latency of one message in flight); published at once, as from a
	 * foreign pthread. The sends after it in the same callback are staged. */
	cur = st->polled;
	if (cur != NULL && cur == pw__tls_thread && cur != thread) {
		/* Counted, and what is staged published, when the callback
		 * returns (pw__thread_attend(), pw__msgq_callback_done()). */
		cur->msgs_staged = 1;
		if ((st->sends++ != 0 || !st->lone) && stage_msg(st, thread, fn, ctx)) {
			return 0;
		}
	}
	note.thread = thread;
	note.waker = NULL;
	rc = pw_segq_push_claimed(&thread->mq_prod, &g_msg_pool, PW_MSG_WORDS, msg, note_waker,
				  &note);
	if (spdk_unlikely(rc != 0)) {
		return send_refused(thread, fn, rc);
	}
	/* The thread may be gone by now: only the waker is used. */
	if (note.waker != NULL) {
		pw_waker_wake(note.waker);
	}
	return 0;
}

PW_EXPORT int
spdk_thread_send_critical_msg(struct spdk_thread *thread, spdk_msg_fn fn)
{
	spdk_msg_fn expected = NULL;
	struct pw_waker *w;

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
	/* The waker is read before the message is visible: once it is, the
	 * thread may run it, exit and be freed. (A thread that moves to another
	 * driver right now gets this wake-up on the old one; its new driver runs
	 * the message when it next wakes up.) */
	w = atomic_load_explicit(&thread->waker, memory_order_seq_cst);
	/* Pairs with the acquire exchange in the slice (thread.c). */
	if (!atomic_compare_exchange_strong_explicit(&thread->critical_msg, &expected, fn,
			memory_order_seq_cst, memory_order_relaxed)) {
		return -EIO;
	}
	/* The thread may be parked (pinwheel/thread.h): its driver looks at its
	 * parked threads once it sees this. seq_cst after the CAS, paired with
	 * pw_thread_park()'s store of PARKED followed by its look at critical_msg,
	 * and with a sleeping driver's last look (pw_park_lot_pending()). The
	 * thread is not read after the CAS. */
	atomic_fetch_add_explicit(&pw__g_critical_gen, 1, memory_order_seq_cst);
	/* seq_cst after the CAS, paired with the driver's last look at
	 * critical_msg (pw_thread_has_pending_messages()). */
	if (w != NULL && atomic_load_explicit(&w->sleeping, memory_order_seq_cst) != 0) {
		pw_waker_wake(w);
	}
	return 0;
}

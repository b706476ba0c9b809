/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The timed pollers of one thread, ordered by (next_run_tick, arming sequence).
 *
 * SPDK keeps them in a red-black tree: every expiry costs a removal and an
 * insertion, O(log n) with pointer chasing. Here pollers are grouped by
 * period. A poller is armed at now + period, and `now` almost never goes
 * backwards, so appending to its period's list keeps that list sorted: the
 * common re-arm is O(1). The lists ("buckets") sit in a binary min-heap keyed
 * by their head, so finding the earliest poller is O(1) and fixing the heap
 * after a change is O(log k), k being the number of distinct periods (a
 * handful in practice).
 *
 * When `now` does go backwards (SPDK's reactor passes the end of the previous
 * slice while registrations read the clock), the insertion walks back from
 * the tail over the few pollers armed later than the new tick; the same walk
 * puts a poller back in its old place when it resumes right after a pause.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"

/* Ties are broken by arming order; the 32-bit sequence numbers are compared
 * as serial numbers, exact while the two were armed less than 2^31 armings
 * apart. */
static bool
before(const struct spdk_poller *a, const struct spdk_poller *b)
{
	return a->next_run_tick < b->next_run_tick ||
	       (a->next_run_tick == b->next_run_tick && (int32_t)(a->seq - b->seq) < 0);
}

static bool
bucket_before(const struct pw_timer_bucket *a, const struct pw_timer_bucket *b)
{
	return before(a->head, b->head);
}

static void
heap_set(struct pw_timer *timer, uint32_t idx, struct pw_timer_bucket *b)
{
	timer->heap[idx] = b;
	b->heap_idx = idx;
}

static void
heap_up(struct pw_timer *timer, uint32_t idx)
{
	struct pw_timer_bucket *b = timer->heap[idx];

	while (idx > 0) {
		uint32_t parent = (idx - 1) / 2;

		if (!bucket_before(b, timer->heap[parent])) {
			break;
		}
		heap_set(timer, idx, timer->heap[parent]);
		idx = parent;
	}
	heap_set(timer, idx, b);
}

static void
heap_down(struct pw_timer *timer, uint32_t idx)
{
	struct pw_timer_bucket *b = timer->heap[idx];

	for (;;) {
		uint32_t child = 2 * idx + 1;

		if (child >= timer->heap_len) {
			break;
		}
		if (child + 1 < timer->heap_len &&
		    bucket_before(timer->heap[child + 1], timer->heap[child])) {
			child++;
		}
		if (!bucket_before(timer->heap[child], b)) {
			break;
		}
		heap_set(timer, idx, timer->heap[child]);
		idx = child;
	}
	heap_set(timer, idx, b);
}

/* Whether bucket b, whose head moved later, still comes before its children
 * (then the heap needs no change: the usual case, checked without a call). */
static inline bool
heap_in_place(const struct pw_timer *timer, const struct pw_timer_bucket *b)
{
	uint32_t child = 2 * b->heap_idx + 1;

	return child >= timer->heap_len ||
	       (bucket_before(b, timer->heap[child]) &&
		(child + 1 >= timer->heap_len || bucket_before(b, timer->heap[child + 1])));
}

/* The head of bucket b changed (b non-empty and in the heap). With a single
 * period (the common case) there is nothing to reorder. */
static inline void
heap_fix(struct pw_timer *timer, struct pw_timer_bucket *b)
{
	if (timer->heap_len > 1) {
		heap_up(timer, b->heap_idx);
		heap_down(timer, b->heap_idx);
	}
}

static void
heap_remove(struct pw_timer *timer, struct pw_timer_bucket *b)
{
	uint32_t idx = b->heap_idx;
	struct pw_timer_bucket *last = timer->heap[--timer->heap_len];

	b->heap_idx = UINT32_MAX;
	if (last != b) {
		heap_set(timer, idx, last);
		heap_fix(timer, last);
	}
}

/* Capacity is reserved when a bucket is created, so inserting never fails. */
static void
heap_insert(struct pw_timer *timer, struct pw_timer_bucket *b)
{
	assert(timer->heap_len < timer->heap_cap);
	heap_set(timer, timer->heap_len++, b);
	heap_up(timer, b->heap_idx);
}

static void
update_earliest(struct pw_pollers *pl)
{
	struct pw_timer *timer = &pl->timer;

	pl->first_timed_poller = timer->heap_len > 0 ? timer->heap[0]->head : NULL;
}

void
pw__timer_init(struct pw_timer *timer)
{
	memset(timer, 0, sizeof(*timer));
	TAILQ_INIT(&timer->buckets);
}

void
pw__timer_fini(struct pw_timer *timer)
{
	struct pw_timer_bucket *b;

	while ((b = TAILQ_FIRST(&timer->buckets)) != NULL) {
		TAILQ_REMOVE(&timer->buckets, b, link);
		free(b);
	}
	timer->nbuckets = 0;
	free(timer->heap);
	timer->heap = NULL;
	timer->heap_len = timer->heap_cap = 0;
}

int
pw__timer_attach(struct spdk_thread *thread, struct spdk_poller *poller)
{
	struct pw_timer *timer = &thread->pl->timer;
	struct pw_timer_bucket *b;

	TAILQ_FOREACH(b, &timer->buckets, link) {
		if (b->period == poller->period_ticks) {
			b->refs++;
			poller->bucket = b;
			return 0;
		}
	}

	/* Every bucket may be in the heap at once: reserve its place now, so
	 * that arming never has to allocate. */
	if (timer->nbuckets == timer->heap_cap) {
		uint32_t cap = timer->heap_cap ? timer->heap_cap * 2 : 4;
		struct pw_timer_bucket **heap = realloc(timer->heap, cap * sizeof(*heap));

		if (heap == NULL) {
			return -ENOMEM;
		}
		timer->heap = heap;
		timer->heap_cap = cap;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		return -ENOMEM;
	}
	b->period = poller->period_ticks;
	b->heap_idx = UINT32_MAX;
	b->refs = 1;
	TAILQ_INSERT_TAIL(&timer->buckets, b, link);
	timer->nbuckets++;
	poller->bucket = b;
	return 0;
}

void
pw__timer_detach(struct spdk_thread *thread, struct spdk_poller *poller)
{
	struct pw_timer_bucket *b = poller->bucket;

	assert(!poller->armed);
	if (b == NULL) {
		return;
	}
	poller->bucket = NULL;
	if (--b->refs == 0) {
		assert(b->head == NULL);
		TAILQ_REMOVE(&thread->pl->timer.buckets, b, link);
		thread->pl->timer.nbuckets--;
		free(b);
	}
}

/* Link poller into its bucket at the place its (tick, seq) calls for. The
 * thread's poller block is passed in, loaded once: the stores below could
 * alias thread->pl for the compiler, which would load it again each time. */
static void
bucket_insert(struct pw_pollers *pl, struct spdk_poller *poller)
{
	struct pw_timer_bucket *b = poller->bucket;
	struct spdk_poller *after = b->tail;
	bool was_empty = b->head == NULL;

	while (after != NULL && before(poller, after)) {
		after = after->tprev;
	}
	poller->tprev = after;
	if (after == NULL) {
		poller->tnext = b->head;
		b->head = poller;
	} else {
		poller->tnext = after->tnext;
		after->tnext = poller;
	}
	if (poller->tnext != NULL) {
		poller->tnext->tprev = poller;
	} else {
		b->tail = poller;
	}
	poller->armed = true;
	pl->timer.count++;

	if (was_empty) {
		heap_insert(&pl->timer, b);
	} else if (b->head == poller) {
		heap_fix(&pl->timer, b);
	}
	update_earliest(pl);
}

void
pw__timer_arm(struct spdk_thread *thread, struct spdk_poller *poller, uint64_t now)
{
	struct pw_pollers *pl = thread->pl;

	assert(!poller->armed && poller->bucket != NULL);
	/* The bucket's period: the same value, on a line already in cache. */
	poller->next_run_tick = now + poller->bucket->period;
	poller->seq = ++pl->timer.seq;
	bucket_insert(pl, poller);
}

void
pw__timer_rearm_in_place(struct spdk_thread *thread, struct spdk_poller *poller)
{
	assert(!poller->armed && poller->bucket != NULL);
	bucket_insert(thread->pl, poller);
}

void
pw__timer_disarm(struct spdk_thread *thread, struct spdk_poller *poller)
{
	struct pw_pollers *pl = thread->pl;
	struct pw_timer_bucket *b = poller->bucket;
	bool was_head = b->head == poller;

	assert(poller->armed);
	if (poller->tprev != NULL) {
		poller->tprev->tnext = poller->tnext;
	} else {
		b->head = poller->tnext;
	}
	if (poller->tnext != NULL) {
		poller->tnext->tprev = poller->tprev;
	} else {
		b->tail = poller->tprev;
	}
	poller->tnext = poller->tprev = NULL;
	poller->armed = false;
	pl->timer.count--;

	if (was_head) {
		if (b->head == NULL) {
			heap_remove(&pl->timer, b);
		} else if (!heap_in_place(&pl->timer, b)) {
			heap_down(&pl->timer, b->heap_idx);
		}
		update_earliest(pl);
	}
}

struct spdk_poller *
pw__timer_next(const struct spdk_thread *thread, const struct spdk_poller *prev)
{
	const struct pw_timer *timer;
	struct spdk_poller *best = NULL;
	struct pw_timer_bucket *b;

	if (prev == NULL) {
		return thread->pl != NULL ? thread->pl->first_timed_poller : NULL;
	}
	if (!prev->armed) {
		return NULL;
	}
	timer = &thread->pl->timer;
	/* Introspection only: look at each bucket's first poller after prev. */
	TAILQ_FOREACH(b, &timer->buckets, link) {
		struct spdk_poller *p;

		if (b == prev->bucket) {
			p = prev->tnext;
		} else {
			for (p = b->head; p != NULL && !before(prev, p); p = p->tnext) {
			}
		}
		if (p != NULL && (best == NULL || before(p, best))) {
			best = p;
		}
	}
	return best;
}

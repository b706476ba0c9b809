/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_for_each_thread(), and sending a library message again later when the
 * message pool is exhausted.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

/* ---------------------------------------------------------------------------
 * Sending again later
 * ------------------------------------------------------------------------- */

struct retry_send {
	struct spdk_poller	*poller;
	void			(*again)(void *arg);
	void			*arg;
};

static int
retry_poller(void *ctx)
{
	struct retry_send *r = ctx;
	void (*again)(void *arg) = r->again;
	void *arg = r->arg;

	spdk_poller_unregister(&r->poller);
	free(r);
	again(arg);
	/* Waiting for room is not work: a driver polling until idle must not
	 * spin on it. */
	return SPDK_POLLER_IDLE;
}

bool
pw__retry_later(void (*again)(void *arg), void *arg)
{
	struct retry_send *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		return false;
	}
	r->again = again;
	r->arg = arg;
	r->poller = spdk_poller_register_named(retry_poller, r, 0, "pw_retry_send");
	if (r->poller == NULL) {
		free(r);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * spdk_for_each_thread
 *
 * The walk follows thread ids (creation order) rather than list links, and
 * every send happens under the thread list lock: a thread destroyed meanwhile
 * is unlinked under that lock before it drains its queue, so the walk never
 * touches freed memory and never loses its place.
 * ------------------------------------------------------------------------- */

struct for_each_thread {
	spdk_msg_fn		fn;
	void			*ctx;
	spdk_msg_fn		cpl;
	struct spdk_thread	*orig;
	uint64_t		orig_id;
	uint64_t		cur_id;		/* last thread visited (0: none yet) */
	/* Under the thread list lock: the walk's place in the list (the last
	 * thread visited, or the live thread before it if that one was
	 * destroyed; NULL: the start), so that each step costs O(1) and not a
	 * scan from the start (quadratic with 100,000 threads). */
	struct spdk_thread	*cursor;
	TAILQ_ENTRY(for_each_thread) link;	/* in g_walks */
	bool			first;		/* the first thread is visited even if exiting */
};

/* Walks in progress, under the thread list lock. */
static TAILQ_HEAD(, for_each_thread) g_walks = TAILQ_HEAD_INITIALIZER(g_walks);

void
pw__for_each_thread_unlinking(struct spdk_thread *thread)
{
	struct for_each_thread *ft;

	TAILQ_FOREACH(ft, &g_walks, link) {
		if (ft->cursor == thread) {
			ft->cursor = pw__thread_prev(thread);
		}
	}
}

static void for_each_thread_step(void *arg);
static void for_each_thread_complete(void *arg);

/* With the thread list lock held: the next thread the walk should visit. */
static struct spdk_thread *
walk_next_locked(struct spdk_thread *cursor, uint64_t after, bool first)
{
	struct spdk_thread *thread;

	for (thread = cursor != NULL ? pw__thread_next(cursor) : pw__thread_first(); thread != NULL;
	     thread = pw__thread_next(thread)) {
		uint32_t state;

		if (thread->id <= after) {
			continue;
		}
		/* Pairs with the release store in set_state(). */
		state = atomic_load_explicit(&thread->shared_state, memory_order_acquire);
		if (state == PW_THREAD_RUNNING || (first && state == PW_THREAD_EXITING)) {
			return thread;
		}
		first = false;
	}
	return NULL;
}

static void
for_each_thread_advance(void *arg)
{
	struct for_each_thread *ft = arg;
	struct spdk_thread *next;
	struct spdk_thread *prev_cursor;
	uint64_t prev_id, next_id;
	bool prev_first;
	int rc;

	for (;;) {
		pw__threads_lock();
		prev_id = ft->cur_id;
		prev_first = ft->first;
		prev_cursor = ft->cursor;
		next = walk_next_locked(ft->cursor, ft->cur_id, ft->first);
		if (next == NULL) {
			TAILQ_REMOVE(&g_walks, ft, link);
			pw__threads_unlock();
			break;
		}
		/* Once sent, ft belongs to the next thread: update it before. */
		next_id = next->id;
		ft->cur_id = next_id;
		ft->cursor = next;
		ft->first = false;
		rc = spdk_thread_send_msg(next, for_each_thread_step, ft);
		if (rc == -ENOMEM) {
			ft->cursor = prev_cursor;
		}
		pw__threads_unlock();
		if (rc == 0) {
			return;
		}
		if (rc == -ENOMEM) {
			ft->cur_id = prev_id;
			ft->first = prev_first;
			if (pw__retry_later(for_each_thread_advance, ft)) {
				return;
			}
			/* Skip it: the scan from the cursor passes ids up to cur_id. */
			ft->cur_id = next_id;
			ft->first = false;
		}
		SPDK_ERRLOG("spdk_for_each_thread: cannot reach thread %" PRIu64 " (%s); skipping it\n",
			    next_id, spdk_strerror(-rc));
	}
	for_each_thread_complete(ft);
}

static void
for_each_thread_done(void *arg)
{
	struct for_each_thread *ft = arg;

	assert(ft->orig->for_each_count > 0);
	ft->orig->for_each_count--;
	ft->cpl(ft->ctx);
	free(ft);
}

static void
for_each_thread_complete(void *arg)
{
	struct for_each_thread *ft = arg;
	int rc = pw__send_to_thread_id(ft->orig_id, for_each_thread_done, ft);

	if (rc == -ENOMEM && pw__retry_later(for_each_thread_complete, ft)) {
		return;
	}
	if (rc != 0) {
		SPDK_ERRLOG("spdk_for_each_thread: the originating thread (id %" PRIu64 ") cannot "
			    "be reached (%s); its completion is lost\n", ft->orig_id,
			    spdk_strerror(-rc));
		free(ft);
	}
}

static void
for_each_thread_step(void *arg)
{
	struct for_each_thread *ft = arg;

	ft->fn(ft->ctx);
	for_each_thread_advance(ft);
}

PW_EXPORT void
spdk_for_each_thread(spdk_msg_fn fn, void *ctx, spdk_msg_fn cpl)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct for_each_thread *ft;

	if (fn == NULL || cpl == NULL) {
		SPDK_ERRLOG("spdk_for_each_thread: NULL %s\n", fn == NULL ? "fn" : "cpl");
		if (cpl != NULL) {
			cpl(ctx);
		}
		return;
	}
	if (thread == NULL) {
		SPDK_ERRLOG("spdk_for_each_thread: called with no current spdk_thread\n");
		cpl(ctx);
		return;
	}
	ft = calloc(1, sizeof(*ft));
	if (ft == NULL) {
		SPDK_ERRLOG("spdk_for_each_thread: no memory\n");
		cpl(ctx);
		return;
	}
	ft->fn = fn;
	ft->ctx = ctx;
	ft->cpl = cpl;
	ft->orig = thread;
	ft->orig_id = thread->id;
	ft->first = true;
	thread->for_each_count++;
	pw__threads_lock();
	TAILQ_INSERT_TAIL(&g_walks, ft, link);
	pw__threads_unlock();
	for_each_thread_advance(ft);
}


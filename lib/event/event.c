/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Events: a function and two arguments aimed at a core.
 *
 * Each reactor has two queues. Events from other pthreads go to a segmented
 * MPSC queue of inline 3-word entries (common/pw_segq.h): one compare-and-swap to
 * send, whole cache lines of events read by the reactor without a pointer
 * chase, and the reactor never writes to the senders' lines. Events a reactor
 * sends to its own core go to a plain ring with no atomic operation. Neither
 * queue has a size limit, so spdk_event_call() can never fail or drop;
 * exhaustion is reported by spdk_event_allocate() instead: the process may
 * hold PW_EVENT_POOL_SIZE events allocated and not yet run, counted with
 * per-pthread batches of credits so that the count costs no shared write per
 * event.
 *
 * Event objects only live from allocate to call (the call copies them into
 * the queue); they are cached per pthread.
 *
 * Cross-core batches (doc/design.md): events called to another core by the
 * handlers of a reactor's event batch, or by the callbacks of a slice the
 * reactor gives a thread, claim their slot at once and are written and
 * published when the batch or the slice is over, last to first, with one
 * wake-up check per destination core (pw__event_stage, event_internal.h).
 */

#include "event/event_internal.h"
#include "event/reactor_trace.h"

#include "spdk/log.h"

#define CACHE_MAX	128u	/* event objects a pthread keeps */
#define CREDIT_BATCH	64u	/* credits moved between a pthread and the pool at once */

struct event_tls {
	struct spdk_event	*free;		/* recycled event objects */
	uint32_t		nfree;
	uint32_t		credits;	/* events this pthread may still allocate */
	uint32_t		returned;	/* credits of events this pthread ran */
	bool			registered;	/* thread-exit flush installed */
};

__thread struct spdk_reactor *pw__tls_reactor;

static _Atomic uint64_t g_credits = PW_EVENT_POOL_SIZE;
static struct pw_segq_pool g_event_pool = PW_SEGQ_POOL_INITIALIZER;
static pthread_key_t g_tls_key;
static pthread_once_t g_tls_key_once = PTHREAD_ONCE_INIT;

static __thread struct event_tls t_ev;

__thread struct pw_event_stage pw__event_stage;
#define t_stage pw__event_stage

/* ---------------------------------------------------------------------------
 * Credits and event objects
 * ------------------------------------------------------------------------- */

static void
tls_flush(struct event_tls *tls)
{
	struct spdk_event *ev;

	atomic_fetch_add(&g_credits, (uint64_t)tls->credits + tls->returned);
	tls->credits = 0;
	tls->returned = 0;
	while ((ev = tls->free) != NULL) {
		tls->free = ev->free_next;
		free(ev);
	}
	tls->nfree = 0;
}

static void
tls_thread_exit(void *arg)
{
	tls_flush(arg);
}

static void
tls_key_create(void)
{
	if (pthread_key_create(&g_tls_key, tls_thread_exit) != 0) {
		SPDK_ERRLOG("cannot create the event cache key: pthreads that exit keep their "
			    "event credits\n");
	}
}

/* Credits and cached objects go back when the pthread exits (also for
 * pthreads that only run events, such as a reactor receiving them). */
static void
tls_register(struct event_tls *tls)
{
	pthread_once(&g_tls_key_once, tls_key_create);
	pthread_setspecific(g_tls_key, tls);
	tls->registered = true;
}

/* Take up to a batch of credits from the pool; false when it is empty. */
static bool
credits_refill(struct event_tls *tls)
{
	uint64_t avail = atomic_load_explicit(&g_credits, memory_order_relaxed);
	uint64_t take;

	if (!tls->registered) {
		tls_register(tls);
	}
	if (tls->returned > 0) {
		/* Events this pthread ran gave their credits back here first. */
		tls->credits += tls->returned;
		tls->returned = 0;
		return true;
	}
	do {
		if (avail == 0) {
			return false;
		}
		take = spdk_min(avail, (uint64_t)CREDIT_BATCH);
	} while (!atomic_compare_exchange_weak_explicit(&g_credits, &avail, avail - take,
			memory_order_relaxed, memory_order_relaxed));
	tls->credits += (uint32_t)take;
	return true;
}

static inline void
credits_return(struct event_tls *tls, uint32_t n)
{
	if (spdk_unlikely(!tls->registered)) {
		tls_register(tls);
	}
	tls->returned += n;
	if (spdk_unlikely(tls->returned >= CREDIT_BATCH)) {
		atomic_fetch_add_explicit(&g_credits, tls->returned, memory_order_relaxed);
		tls->returned = 0;
	}
}

static inline struct spdk_event *
event_get(struct event_tls *tls)
{
	struct spdk_event *ev = tls->free;

	if (spdk_likely(ev != NULL)) {
		tls->free = ev->free_next;
		tls->nfree--;
		return ev;
	}
	return malloc(sizeof(*ev));
}

static inline void
event_put(struct event_tls *tls, struct spdk_event *ev)
{
	if (spdk_unlikely(tls->nfree >= CACHE_MAX)) {
		free(ev);
		return;
	}
	if (spdk_unlikely(!tls->registered)) {
		tls_register(tls);
	}
	ev->free_next = tls->free;
	tls->free = ev;
	tls->nfree++;
}

int
pw__events_init(void)
{
	pthread_once(&g_tls_key_once, tls_key_create);
	return 0;
}

void
pw__events_fini(void)
{
	tls_flush(&t_ev);
	pw_segq_pool_drain(&g_event_pool);
}

uint64_t
pw__events_outstanding(void)
{
	tls_flush(&t_ev);
	return PW_EVENT_POOL_SIZE - atomic_load(&g_credits);
}

/* ---------------------------------------------------------------------------
 * The queues of a reactor
 * ------------------------------------------------------------------------- */

int
pw__event_queue_init(struct spdk_reactor *reactor)
{
	reactor->local.cap = 64;
	reactor->local.head = reactor->local.tail = 0;
	reactor->local.slots = calloc(reactor->local.cap, PW_EVENT_WORDS * sizeof(void *));
	if (reactor->local.slots == NULL) {
		return -ENOMEM;
	}
	if (pw_segq_init(&reactor->ev_prod, &reactor->ev_cons, &g_event_pool) != 0) {
		free(reactor->local.slots);
		reactor->local.slots = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
pw__event_queue_fini(struct spdk_reactor *reactor)
{
	if (reactor->local.slots == NULL) {
		return;
	}
	pw_segq_fini(&reactor->ev_prod, &reactor->ev_cons, &g_event_pool);
	free(reactor->local.slots);
	reactor->local.slots = NULL;
}

static bool
local_push(struct pw_local_events *q, const struct spdk_event *ev)
{
	void **slot;

	if (spdk_unlikely(q->tail - q->head == q->cap)) {
		/* Full: double the ring, keeping the order. */
		uint32_t cap = q->cap * 2;
		void **slots = malloc((size_t)cap * PW_EVENT_WORDS * sizeof(void *));

		if (slots == NULL) {
			return false;
		}
		for (uint32_t i = 0; i < q->cap; i++) {
			memcpy(&slots[i * PW_EVENT_WORDS],
			       &q->slots[((q->head + i) & (q->cap - 1)) * PW_EVENT_WORDS],
			       PW_EVENT_WORDS * sizeof(void *));
		}
		free(q->slots);
		q->slots = slots;
		q->tail = q->cap;
		q->head = 0;
		q->cap = cap;
	}
	slot = &q->slots[(q->tail & (q->cap - 1)) * PW_EVENT_WORDS];
	slot[0] = (void *)ev->fn;
	slot[1] = ev->arg1;
	slot[2] = ev->arg2;
	q->tail++;
	return true;
}

bool
pw__event_queue_pending(struct spdk_reactor *reactor)
{
	/* seq_cst inside: a sleeping reactor's last look, paired with the
	 * senders' claim and their load of its sleeping flag. */
	return reactor->local.tail != reactor->local.head ||
	       pw_segq_pending(&reactor->ev_prod, &reactor->ev_cons);
}

uint32_t
pw__event_queue_take(struct spdk_reactor *reactor, void **batch)
{
	struct pw_local_events *local = &reactor->local;
	uint32_t n = 0;

	/* Other pthreads' events first, then the reactor's own. */
	if (!pw_segq_head_empty(&reactor->ev_cons, PW_EVENT_WORDS)) {
		n = pw_segq_pop(&reactor->ev_prod, &reactor->ev_cons, &g_event_pool, PW_EVENT_WORDS,
				batch, PW_EVENT_BATCH_SIZE);
	}
	while (n < PW_EVENT_BATCH_SIZE && local->head != local->tail) {
		memcpy(&batch[n * PW_EVENT_WORDS],
		       &local->slots[(local->head & (local->cap - 1)) * PW_EVENT_WORDS],
		       PW_EVENT_WORDS * sizeof(void *));
		local->head++;
		n++;
	}
	if (n > 0) {
		credits_return(&t_ev, n);
	}
	return n;
}

/* Publish the staged events, then wake the cores that sleep. */
void
pw__event_stage_flush(struct pw_event_stage *st)
{
	uint32_t n = st->n, nd = st->ndest;

	/* Last to first: the receiver, stopped at the first slot, sees the
	 * batch complete when it moves on. */
	for (uint32_t i = n; i-- > 0;) {
		pw_segq_publish(st->ent[i].slot, PW_EVENT_WORDS, st->ent[i].words);
	}
	st->n = 0;
	st->ndest = 0;
	for (uint32_t d = 0; d < nd; d++) {
		/* Reactors live until spdk_reactors_fini(). The claims (seq_cst
		 * RMWs) came first: either this load sees the reactor asleep, or
		 * its last look (pw__event_queue_pending()) saw them. */
		if (spdk_likely(st->dest[d]->waker != NULL)) {
			pw_waker_notify(st->dest[d]->waker);
		}
	}
}

/* Claim a slot in reactor's queue and stage the event; false when the
 * segment is full (the caller then pushes it at once). */
static inline bool
stage_event(struct pw_event_stage *st, struct spdk_reactor *reactor, const struct spdk_event *ev)
{
	_Atomic(void *) *slot;
	uint32_t d;

	for (d = 0; d < st->ndest && st->dest[d] != reactor; d++) {
	}
	if (spdk_unlikely(st->n == PW_EVENT_STAGE_MAX ||
			  (d == st->ndest && d == PW_EVENT_STAGE_DESTS))) {
		pw__event_stage_flush(st);
		d = 0;
	}
	slot = pw_segq_try_claim(&reactor->ev_prod, PW_EVENT_WORDS);
	if (spdk_unlikely(slot == NULL)) {
		return false;
	}
	if (d == st->ndest) {
		st->dest[st->ndest++] = reactor;
	}
	st->ent[st->n].slot = slot;
	st->ent[st->n].words[0] = (void *)ev->fn;
	st->ent[st->n].words[1] = ev->arg1;
	st->ent[st->n].words[2] = ev->arg2;
	st->n++;
	return true;
}

uint32_t
pw__event_queue_run_batch(struct spdk_reactor *reactor)
{
	struct pw_event_stage *st = &t_stage;
	void *batch[PW_EVENT_BATCH_SIZE * PW_EVENT_WORDS];
	uint32_t n;

	/* Take the batch first, then run it (as SPDK does): an event posted by
	 * a handler to its own core waits for the next batch. */
	n = pw__event_queue_take(reactor, batch);
	if (n == 0) {
		return 0;
	}
	spdk_set_thread(NULL);
	/* Events the handlers send to other cores are staged until the batch
	 * is over (at most PW_EVENT_BATCH_SIZE handlers). */
	pw__event_stage_enter(st);
	if (PW_TP_ON()) {
		pw__tp_event_run_batch(batch, n);
	} else {
		for (uint32_t i = 0; i < n; i++) {
			spdk_event_fn fn = (spdk_event_fn)batch[i * PW_EVENT_WORDS];

			fn(batch[i * PW_EVENT_WORDS + 1], batch[i * PW_EVENT_WORDS + 2]);
		}
	}
	pw__event_stage_leave(st);
	return n;
}

/* ---------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------- */

static __attribute__((noinline, cold)) struct spdk_event *
allocate_refused(uint32_t lcore, spdk_event_fn fn, bool exhausted)
{
	if (fn == NULL) {
		SPDK_ERRLOG_RATELIMIT("spdk_event_allocate: NULL fn\n");
	} else if (exhausted) {
		SPDK_ERRLOG_RATELIMIT("spdk_event_allocate: the event pool is exhausted (%u "
				      "events allocated and not yet run)\n", PW_EVENT_POOL_SIZE);
	} else {
		SPDK_ERRLOG_RATELIMIT("spdk_event_allocate: no reactor on that core (%u): not in "
				      "the app's core mask, or the framework is not running\n", lcore);
	}
	return NULL;
}

/* Whether lcore is the calling reactor's own core: read from the reactor's
 * own lines, without the table other senders look at. */
static inline bool
own_core(uint32_t lcore)
{
	return pw__tls_reactor != NULL && pw__tls_reactor->lcore == lcore;
}

PW_EXPORT struct spdk_event *
spdk_event_allocate(uint32_t lcore, spdk_event_fn fn, void *arg1, void *arg2)
{
	struct event_tls *tls = &t_ev;
	struct spdk_event *ev;

	if (spdk_unlikely(fn == NULL || (!own_core(lcore) && spdk_reactor_get(lcore) == NULL))) {
		return allocate_refused(lcore, fn, false);
	}
	if (spdk_unlikely(tls->credits == 0) && !credits_refill(tls)) {
		return allocate_refused(lcore, fn, true);
	}
	ev = event_get(tls);
	if (spdk_unlikely(ev == NULL)) {
		return allocate_refused(lcore, fn, true);
	}
	tls->credits--;
	ev->fn = fn;
	ev->arg1 = arg1;
	ev->arg2 = arg2;
	ev->lcore = lcore;
	return ev;
}

static __attribute__((noinline, cold)) void
call_without_reactor(struct spdk_event *ev)
{
	/* The framework stopped between allocate and call: the event cannot run
	 * where it was sent, and running it on this pthread instead would break
	 * what its function may assume (its core, its reactor). As after a
	 * stop, it is not run: said here, since the count at
	 * spdk_reactors_fini() has already been reported. */
	SPDK_ERRLOG_RATELIMIT("spdk_event_call: core %u has no reactor any more (the framework "
			      "has stopped); the event is not run\n", ev->lcore);
	pw__event_free(ev);
}

void
pw__event_free(struct spdk_event *event)
{
	struct event_tls *tls = &t_ev;

	event_put(tls, event);
	credits_return(tls, 1);
}

static void event_call(struct spdk_event *event, bool may_go_local);

PW_EXPORT void
spdk_event_call(struct spdk_event *event)
{
	event_call(event, true);
}

void
pw__event_call_in_order(struct spdk_event *event)
{
	event_call(event, false);
}

static void
event_call(struct spdk_event *event, bool may_go_local)
{
	struct event_tls *tls = &t_ev;
	struct spdk_reactor *reactor;

	if (spdk_unlikely(event == NULL)) {
		SPDK_ERRLOG_RATELIMIT("spdk_event_call: NULL event\n");
		return;
	}
	if (PW_TP_ON()) pw__tp_event_call(event);
	reactor = own_core(event->lcore) ? pw__tls_reactor : spdk_reactor_get(event->lcore);
	if (spdk_unlikely(reactor == NULL)) {
		call_without_reactor(event);
		return;
	}
	if (may_go_local && reactor == pw__tls_reactor && local_push(&reactor->local, event)) {
		/* Its own core: no atomic, no wake-up needed. */
		event_put(tls, event);
		return;
	}
	if (t_stage.depth != 0 && reactor != pw__tls_reactor && stage_event(&t_stage, reactor, event)) {
		/* Another core, from a handler of this core's batch or a
		 * callback of a slice on this reactor: published when the batch
		 * or the slice is over. */
		event_put(tls, event);
		return;
	}
	{
		void *const words[PW_EVENT_WORDS] = { (void *)event->fn, event->arg1, event->arg2 };

		/* The pool has no limit (credits bound it), so this only fails
		 * without memory; then wait for some rather than drop the event. */
		while (spdk_unlikely(pw_segq_push(&reactor->ev_prod, &g_event_pool, PW_EVENT_WORDS,
						  words) != 0)) {
			SPDK_ERRLOG_RATELIMIT("spdk_event_call: out of memory queueing an event for "
					      "core %u; retrying\n", event->lcore);
			sched_yield();
		}
	}
	event_put(tls, event);
	if (spdk_likely(reactor->waker != NULL)) {
		/* A system call only when that reactor sleeps. */
		pw_waker_notify(reactor->waker);
	}
}

PW_EXPORT void
spdk_framework_enable_context_switch_monitor(bool enabled)
{
}

PW_EXPORT bool
spdk_framework_context_switch_monitor_enabled(void)
{
	return false;
}

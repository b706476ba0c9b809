/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Events: a function and two arguments aimed at a core.
 *
 * Each reactor has an intrusive multi-producer single-consumer queue (one
 * exchange to enqueue, no size limit), so spdk_event_call() can never fail or
 * drop: exhaustion is reported by spdk_event_allocate() instead, when the
 * process already holds PW_EVENT_POOL_SIZE events.
 *
 * Event objects are cached per pthread (any pthread: reactors, or the
 * application's own), refilled from and flushed to a shared pool in batches,
 * and never returned to the system: a reactor that frees the event it runs
 * and allocates the next one usually gets the same, still cached, object.
 */

#include "event/event_internal.h"

#include "spdk/log.h"

#define CACHE_BATCH	32u	/* events moved between a pthread cache and the pool */
#define CACHE_MAX	(4 * CACHE_BATCH)
#define CHUNK_EVENTS	256u	/* events per allocation from the system */

struct event_cache {
	struct spdk_event	*head;
	uint32_t		count;
	bool			registered;	/* thread-exit flush installed */
};

static pthread_mutex_t g_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spdk_event *g_pool_free;
static uint64_t g_pool_free_count;
static uint64_t g_pool_created;
static pthread_key_t g_cache_key;
static pthread_once_t g_cache_key_once = PTHREAD_ONCE_INIT;

static __thread struct event_cache t_cache;

/* ---------------------------------------------------------------------------
 * The pool and the per-pthread caches
 * ------------------------------------------------------------------------- */

static void
cache_flush(struct event_cache *cache, uint32_t keep)
{
	struct spdk_event *first, *last;
	uint32_t n = 0;

	if (cache->count <= keep) {
		return;
	}
	first = last = cache->head;
	while (++n < cache->count - keep) {
		last = last->free_next;
	}
	cache->head = last->free_next;
	cache->count = keep;

	pthread_mutex_lock(&g_pool_lock);
	last->free_next = g_pool_free;
	g_pool_free = first;
	g_pool_free_count += n;
	pthread_mutex_unlock(&g_pool_lock);
}

static void
cache_thread_exit(void *arg)
{
	cache_flush(arg, 0);
}

static void
cache_key_create(void)
{
	if (pthread_key_create(&g_cache_key, cache_thread_exit) != 0) {
		SPDK_ERRLOG("cannot create the event cache key: pthreads that exit keep their "
			    "cached events\n");
	}
}

/* Make sure the pthread's cache goes back to the pool when the pthread exits
 * (also for pthreads that only ever free events, such as a reactor receiving
 * events allocated elsewhere). */
static void
cache_register(struct event_cache *cache)
{
	pthread_once(&g_cache_key_once, cache_key_create);
	pthread_setspecific(g_cache_key, cache);
	cache->registered = true;
}

/* Refill the calling pthread's cache; false when the pool is exhausted. */
static bool
cache_refill(struct event_cache *cache)
{
	struct spdk_event *chunk;
	uint32_t moved = 0, take;

	if (!cache->registered) {
		cache_register(cache);
	}

	pthread_mutex_lock(&g_pool_lock);
	while (g_pool_free != NULL && moved < CACHE_BATCH) {
		struct spdk_event *ev = g_pool_free;

		g_pool_free = ev->free_next;
		ev->free_next = cache->head;
		cache->head = ev;
		moved++;
	}
	g_pool_free_count -= moved;
	if (moved > 0 || g_pool_created >= PW_EVENT_POOL_SIZE) {
		pthread_mutex_unlock(&g_pool_lock);
		cache->count += moved;
		return moved > 0;
	}
	/* Reserve the chunk's events before allocating outside the lock; the
	 * last chunk is cut to land exactly on the pool size. */
	take = (uint32_t)spdk_min((uint64_t)CHUNK_EVENTS, PW_EVENT_POOL_SIZE - g_pool_created);
	g_pool_created += take;
	pthread_mutex_unlock(&g_pool_lock);

	chunk = calloc(take, sizeof(*chunk));
	if (chunk == NULL) {
		pthread_mutex_lock(&g_pool_lock);
		g_pool_created -= take;
		pthread_mutex_unlock(&g_pool_lock);
		return false;
	}
	/* Chunks live as long as the process: cached pointers may outlive a
	 * framework restart. */
	for (uint32_t i = 0; i < take; i++) {
		chunk[i].free_next = cache->head;
		cache->head = &chunk[i];
	}
	cache->count += take;
	return true;
}

static struct spdk_event *
event_get(void)
{
	struct event_cache *cache = &t_cache;
	struct spdk_event *ev;

	if (spdk_unlikely(cache->head == NULL) && !cache_refill(cache)) {
		return NULL;
	}
	ev = cache->head;
	cache->head = ev->free_next;
	cache->count--;
	return ev;
}

static void
event_put(struct spdk_event *ev)
{
	struct event_cache *cache = &t_cache;

	if (spdk_unlikely(!cache->registered)) {
		cache_register(cache);
	}
	ev->free_next = cache->head;
	cache->head = ev;
	if (spdk_unlikely(++cache->count > CACHE_MAX)) {
		cache_flush(cache, CACHE_MAX - CACHE_BATCH);
	}
}

int
pw__events_init(void)
{
	pthread_once(&g_cache_key_once, cache_key_create);
	return 0;
}

void
pw__events_fini(void)
{
	cache_flush(&t_cache, 0);
}

uint64_t
pw__events_outstanding(void)
{
	uint64_t n;

	cache_flush(&t_cache, 0);
	pthread_mutex_lock(&g_pool_lock);
	n = g_pool_created - g_pool_free_count;
	pthread_mutex_unlock(&g_pool_lock);
	return n;
}

/* ---------------------------------------------------------------------------
 * The per-reactor queue (intrusive MPSC list with a stub node)
 * ------------------------------------------------------------------------- */

void
pw__event_queue_init(struct pw_event_queue *q)
{
	atomic_store_explicit(&q->stub.next, NULL, memory_order_relaxed);
	q->head = &q->stub;
	atomic_store_explicit(&q->tail, &q->stub, memory_order_release);
}

static void
queue_push(struct pw_event_queue *q, struct spdk_event *ev)
{
	struct spdk_event *prev;

	atomic_store_explicit(&ev->next, NULL, memory_order_relaxed);
	/* Orders our node after every earlier push; pairs with the consumer's
	 * acquire load of tail in queue_pop(). seq_cst also orders it before the
	 * sleeping-flag load in spdk_event_call() (see doc/design.md). */
	prev = atomic_exchange_explicit(&q->tail, ev, memory_order_seq_cst);
	/* Pairs with the consumer's acquire load of next. */
	atomic_store_explicit(&prev->next, ev, memory_order_release);
}

/* NULL when empty, or when a producer is between its exchange and its link
 * (the event is then taken on a later call). Consumer only. */
static struct spdk_event *
queue_pop(struct pw_event_queue *q)
{
	struct spdk_event *head = q->head;
	struct spdk_event *next = atomic_load_explicit(&head->next, memory_order_acquire);
	struct spdk_event *tail;

	if (head == &q->stub) {
		if (next == NULL) {
			return NULL;
		}
		q->head = next;
		head = next;
		next = atomic_load_explicit(&next->next, memory_order_acquire);
	}
	if (next != NULL) {
		q->head = next;
		return head;
	}
	tail = atomic_load_explicit(&q->tail, memory_order_acquire);
	if (tail != head) {
		return NULL;
	}
	/* head is the last node: put the stub behind it so it can be taken. */
	queue_push(q, &q->stub);
	next = atomic_load_explicit(&head->next, memory_order_acquire);
	if (next != NULL) {
		q->head = next;
		return head;
	}
	return NULL;
}

bool
pw__event_queue_pending(struct spdk_reactor *reactor)
{
	struct pw_event_queue *q = &reactor->events;

	/* seq_cst: a sleeping reactor's last look, paired with the senders'
	 * exchange and their load of its sleeping flag. */
	return q->head != &q->stub ||
	       atomic_load_explicit(&q->tail, memory_order_seq_cst) != &q->stub;
}

uint32_t
pw__event_queue_run_batch(struct spdk_reactor *reactor)
{
	struct spdk_event *batch[PW_EVENT_BATCH_SIZE];
	uint32_t n = 0;

	/* Take the batch first, then run it (as SPDK does): an event posted by
	 * a handler to its own core waits for the next batch. */
	while (n < PW_EVENT_BATCH_SIZE && (batch[n] = queue_pop(&reactor->events)) != NULL) {
		n++;
	}
	spdk_set_thread(NULL);
	for (uint32_t i = 0; i < n; i++) {
		struct spdk_event *ev = batch[i];
		spdk_event_fn fn = ev->fn;
		void *arg1 = ev->arg1, *arg2 = ev->arg2;

		/* Freed first: the handler's next allocation reuses this object. */
		event_put(ev);
		fn(arg1, arg2);
	}
	return n;
}

/* ---------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------- */

PW_EXPORT struct spdk_event *
spdk_event_allocate(uint32_t lcore, spdk_event_fn fn, void *arg1, void *arg2)
{
	struct spdk_event *ev;

	if (spdk_unlikely(fn == NULL || spdk_reactor_get(lcore) == NULL)) {
		SPDK_ERRLOG_RATELIMIT("spdk_event_allocate: %s\n", fn == NULL ? "NULL fn" :
				      "no reactor on that core (not in the app's core mask, or "
				      "the framework is not running)");
		return NULL;
	}
	ev = event_get();
	if (spdk_unlikely(ev == NULL)) {
		SPDK_ERRLOG_RATELIMIT("spdk_event_allocate: the event pool is exhausted (%u "
				      "events allocated and not yet run)\n", PW_EVENT_POOL_SIZE);
		return NULL;
	}
	ev->fn = fn;
	ev->arg1 = arg1;
	ev->arg2 = arg2;
	ev->lcore = lcore;
	return ev;
}

PW_EXPORT void
spdk_event_call(struct spdk_event *event)
{
	struct spdk_reactor *reactor;

	if (spdk_unlikely(event == NULL)) {
		SPDK_ERRLOG_RATELIMIT("spdk_event_call: NULL event\n");
		return;
	}
	reactor = spdk_reactor_get(event->lcore);
	if (spdk_unlikely(reactor == NULL)) {
		/* The framework stopped between allocate and call: run it here
		 * rather than lose it. */
		SPDK_ERRLOG("spdk_event_call: core %u has no reactor any more; running the "
			    "event on the calling pthread\n", event->lcore);
		spdk_event_fn fn = event->fn;
		void *arg1 = event->arg1, *arg2 = event->arg2;

		event_put(event);
		fn(arg1, arg2);
		return;
	}
	queue_push(&reactor->events, event);
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

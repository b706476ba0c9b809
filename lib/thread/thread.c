/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Lightweight threads: the list of live threads, creation, the exit
 * protocol and destruction. The library's set-up is in thread_lib.c, one
 * slice (spdk_thread_poll) in thread_poll.c, accessors in thread_info.c,
 * spdk_for_each_thread in for_each_thread.c; messages are in msgq.c, pollers
 * in poller.c and timer.c, channels in io_channel.c, spinlocks in spinlock.c.
 */

#include "thread/thread_internal.h"
#include "thread/thread_trace.h"

#include "spdk/log.h"

__thread struct spdk_thread *pw__tls_thread;

static pthread_mutex_t g_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(pw_thread_list, spdk_thread) g_threads = TAILQ_HEAD_INITIALIZER(g_threads);
static uint32_t g_thread_count;
static uint64_t g_next_thread_id = 1;

/* ---------------------------------------------------------------------------
 * The list of threads
 * ------------------------------------------------------------------------- */

void
pw__threads_lock(void)
{
	pthread_mutex_lock(&g_threads_lock);
}

void
pw__threads_unlock(void)
{
	pthread_mutex_unlock(&g_threads_lock);
}

struct spdk_thread *
pw__thread_first(void)
{
	return TAILQ_FIRST(&g_threads);
}

struct spdk_thread *
pw__thread_next(struct spdk_thread *thread)
{
	return TAILQ_NEXT(thread, tailq);
}

struct spdk_thread *
pw__thread_prev(struct spdk_thread *thread)
{
	return TAILQ_PREV(thread, pw_thread_list, tailq);
}

struct spdk_thread *
pw__thread_find_locked(uint64_t id)
{
	return pw__thread_ids_find(id);
}

int
pw__send_to_thread_id(uint64_t id, spdk_msg_fn fn, void *ctx)
{
	struct spdk_thread *thread;
	int rc = -EIO;

	pthread_mutex_lock(&g_threads_lock);
	thread = pw__thread_find_locked(id);
	if (thread != NULL) {
		rc = spdk_thread_send_msg(thread, fn, ctx);
	}
	pthread_mutex_unlock(&g_threads_lock);
	return rc;
}

PW_EXPORT uint32_t
spdk_thread_get_count(void)
{
	uint32_t count;

	pthread_mutex_lock(&g_threads_lock);
	count = g_thread_count;
	pthread_mutex_unlock(&g_threads_lock);
	return count;
}

PW_EXPORT struct spdk_thread *
spdk_thread_get_by_id(uint64_t id)
{
	struct spdk_thread *thread;

	pthread_mutex_lock(&g_threads_lock);
	if (id == 0 || id >= g_next_thread_id) {
		pthread_mutex_unlock(&g_threads_lock);
		SPDK_ERRLOG("invalid thread id: %" PRIu64 "\n", id);
		return NULL;
	}
	thread = pw__thread_find_locked(id);
	pthread_mutex_unlock(&g_threads_lock);
	return thread;
}

void
pw__wrong_thread(const char *func, const char *what, struct spdk_thread *owner,
		 struct spdk_thread *current)
{
	if (current == NULL) {
		SPDK_ERRLOG("%s(%s) called from a pthread with no current spdk_thread "
			    "(it belongs to thread %s)\n", func, what, owner ? owner->name : "?");
		return;
	}
	SPDK_ERRLOG("%s(%s) called from thread %s (id %" PRIu64 "); it belongs to thread "
		    "%s (id %" PRIu64 ")\n", func, what, current->name, current->id,
		    owner ? owner->name : "?", owner ? owner->id : 0);
}

static void
set_state(struct spdk_thread *thread, enum pw_thread_state state)
{
	thread->state = state;
	/* Pairs with the acquire load in spdk_thread_send_msg(). */
	atomic_store_explicit(&thread->shared_state, state, memory_order_release);
}

/* ---------------------------------------------------------------------------
 * Creation and destruction
 * ------------------------------------------------------------------------- */

static void drain_late_messages(struct spdk_thread *thread);

/*
 * A thread's memory: malloc() and align by hand rather than posix_memalign(),
 * whose split chunks fragment glibc's heap and make each allocation walk the
 * fragments (at 100,000 threads creation cost ~25 us a thread in malloc and
 * page faults). Costs at most a cache line of slack.
 */
static struct spdk_thread *
thread_alloc(size_t size)
{
	void *raw = malloc(size + SPDK_CACHE_LINE_SIZE);
	struct spdk_thread *thread;

	if (raw == NULL) {
		return NULL;
	}
	thread = (struct spdk_thread *)(((uintptr_t)raw + SPDK_CACHE_LINE_SIZE) &
					~(uintptr_t)(SPDK_CACHE_LINE_SIZE - 1));
	memset(thread, 0, size);
	thread->alloc_base = raw;
	return thread;
}

static void
thread_release(struct spdk_thread *thread)
{
	pw__thread_cpumask_fini(thread);
	free(thread->alloc_base);
}

/* Unlink first (no walk or sender can find the thread any more), then run
 * what was sent before that, then free. */
void
pw__thread_free(struct spdk_thread *thread)
{
	const char *ch = pw__channels_any(thread);

	if (ch != NULL) {
		SPDK_ERRLOG("thread %s destroyed while holding a channel for io_device %s\n",
			    thread->name, ch);
	}
	pthread_mutex_lock(&g_threads_lock);
	pw__for_each_thread_unlinking(thread);
	TAILQ_REMOVE(&g_threads, thread, tailq);
	pw__thread_ids_remove(thread);
	g_thread_count--;
	pthread_mutex_unlock(&g_threads_lock);
	pw__channels_fini(thread);

	drain_late_messages(thread);

	pw__pollers_free_all(thread);
	pw__interrupts_fini(thread);
	pw__thread_pollers_free(thread);
	pw__msgq_fini(thread);
	if (pw__tls_thread == thread) {
		pw__tls_thread = NULL;
	}
	thread_release(thread);
}

PW_EXPORT struct spdk_thread *
spdk_thread_create(const char *name, const struct spdk_cpuset *cpumask)
{
	struct spdk_thread *thread;
	size_t ctx_sz = pw__thread_ctx_size();
	size_t name_len;
	int rc;

	if (!pw__thread_lib_initialized()) {
		SPDK_ERRLOG("spdk_thread_create: the thread library is not initialised\n");
		return NULL;
	}
	/* The name is kept after the driver's context, sized to fit. */
	if (name != NULL) {
		name_len = strnlen(name, SPDK_MAX_THREAD_NAME_LEN);
	} else {
		name_len = 2 + 2 * sizeof(void *);	/* "%p" */
	}
	/* Not sizeof: the tail padding of the struct (to its 64-byte
	 * alignment) holds the context and the name. */
	thread = thread_alloc(offsetof(struct spdk_thread, ctx) + ctx_sz + name_len + 1);
	if (thread == NULL) {
		SPDK_ERRLOG("no memory for thread %s\n", name ? name : "");
		return NULL;
	}
	thread->name = (char *)thread->ctx + ctx_sz;

	/* Shared with the threads of the same mask (cpumask_pool.c). */
	thread->cpumask_shared = pw__cpumask_intern(cpumask);
	if (thread->cpumask_shared == NULL) {
		SPDK_ERRLOG("no memory for the cpumask of thread %s\n", name ? name : "");
		thread_release(thread);
		return NULL;
	}
	atomic_init(&thread->cpumask_own, NULL);
	/* No poller block (pl) until the first poller, interrupt source or
	 * post-poller handler (pw__thread_pollers()). */
	thread->tsc_last = spdk_get_ticks();
	atomic_init(&thread->waker, NULL);
	atomic_init(&thread->park_state, PW_PARK_ACTIVE);
	thread->in_interrupt = spdk_interrupt_mode_is_enabled();
	atomic_init(&thread->critical_msg, NULL);
	atomic_init(&thread->shared_state, PW_THREAD_RUNNING);
	if (name != NULL) {
		memcpy(thread->name, name, name_len);
		thread->name[name_len] = '\0';
	} else {
		snprintf(thread->name, name_len + 1, "%p", (void *)thread);
	}

	pw__msgq_init(thread);
	if (pw__channels_init(thread) != 0) {
		SPDK_ERRLOG("no memory for thread %s\n", thread->name);
		pw__msgq_fini(thread);
		thread_release(thread);
		return NULL;
	}

	pthread_mutex_lock(&g_threads_lock);
	if (g_next_thread_id == 0) {
		pthread_mutex_unlock(&g_threads_lock);
		SPDK_ERRLOG("thread ids are exhausted; restart the application\n");
		pw__channels_fini(thread);
		pw__msgq_fini(thread);
		thread_release(thread);
		return NULL;
	}
	thread->id = g_next_thread_id;
	if (pw__thread_ids_insert(thread) != 0) {
		pthread_mutex_unlock(&g_threads_lock);
		SPDK_ERRLOG("no memory to index thread %s by its id\n", thread->name);
		pw__channels_fini(thread);
		pw__msgq_fini(thread);
		thread_release(thread);
		return NULL;
	}
	g_next_thread_id++;
	TAILQ_INSERT_TAIL(&g_threads, thread, tailq);
	g_thread_count++;
	pthread_mutex_unlock(&g_threads_lock);

	SPDK_DEBUGLOG(thread, "created thread %s (id %" PRIu64 ")\n", thread->name, thread->id);
	if (PW_TP_ON()) pw__tp_thread(PW_TP_THREAD_CREATE, thread);

	rc = pw__thread_new_hook(thread);
	if (rc != 0) {
		SPDK_ERRLOG("thread %s was refused by the new-thread hook (rc %d)\n",
			    thread->name, rc);
		pw__thread_free(thread);
		return NULL;
	}
	pw__thread_app_candidate(thread);
	return thread;
}

/* Run whatever still sits in the queue of a thread being destroyed, the
 * critical message included: every accepted message runs (DESIGN.md: never
 * drop). */
static void
drain_late_messages(struct spdk_thread *thread)
{
	struct spdk_thread *orig = pw__tls_thread;
	spdk_msg_fn critical;
	uint32_t ran, total = 0;

	/* Sends this pthread staged may be what the loop below waits for. */
	pw__msgq_flush();
	pw__tls_thread = thread;
	for (;;) {
		critical = atomic_exchange_explicit(&thread->critical_msg, NULL,
						    memory_order_acquire);
		if (critical != NULL) {
			critical(NULL);
			total++;
		}
		if (!pw__msgq_pending(thread)) {
			break;
		}
		ran = pw__msgq_run(thread, 0);
		total += ran;
		if (ran == 0) {
			/* A sender claimed a slot and has not written it yet. */
			spdk_pause();
		}
	}
	pw__tls_thread = orig;
	if (total > 0) {
		SPDK_WARNLOG("thread %s: %u message(s) arrived after it exited; ran them while "
			     "destroying it\n", thread->name, total);
	}
}

PW_EXPORT void
spdk_thread_destroy(struct spdk_thread *thread)
{
	if (thread == NULL) {
		SPDK_ERRLOG("spdk_thread_destroy: NULL thread\n");
		return;
	}
	if (thread->state != PW_THREAD_EXITED) {
		SPDK_ERRLOG("thread %s cannot be destroyed: it has not exited (call "
			    "spdk_thread_exit() and poll it until spdk_thread_is_exited())\n",
			    thread->name);
		return;
	}
	/* Relaxed: its driver's own view (a thread leaves a lot through it). */
	if (spdk_unlikely(atomic_load_explicit(&thread->park_state, memory_order_relaxed) !=
			  PW_PARK_ACTIVE)) {
		SPDK_ERRLOG("thread %s cannot be destroyed: it is parked (take it back with "
			    "pw_park_lot_take() or pw_thread_unpark() first)\n", thread->name);
		return;
	}
	SPDK_DEBUGLOG(thread, "destroying thread %s\n", thread->name);
	if (PW_TP_ON()) pw__tp_thread(PW_TP_THREAD_DESTROY, thread);
	if (pw__tls_thread == thread) {
		pw__tls_thread = NULL;
	}
	/* As in SPDK, the app thread lives until spdk_thread_lib_fini(). */
	if (thread != spdk_thread_get_app_thread()) {
		pw__thread_free(thread);
	} else {
		drain_late_messages(thread);
	}
}

/* ---------------------------------------------------------------------------
 * Exit
 * ------------------------------------------------------------------------- */

static void
log_forced_exit(struct spdk_thread *thread)
{
	struct spdk_poller *poller = pw__pollers_any_live(thread);
	const char *ch = pw__channels_any(thread);

	SPDK_ERRLOG("thread %s did not finish exiting within %d s and is forced to EXITED; "
		    "still left: %zu message(s), %u for-each walk(s), %d device "
		    "unregistration(s), poller %s, channel %s\n", thread->name,
		    PW_THREAD_EXIT_TIMEOUT_SEC, pw__msgq_count(thread), thread->for_each_count,
		    thread->pending_unregister_count, poller ? poller->name : "none",
		    ch ? ch : "none");
}

void
pw__thread_exit_check(struct spdk_thread *thread, uint64_t now)
{
	struct spdk_poller *poller;
	const char *ch;

	if (now >= thread->exit_timeout_tsc) {
		log_forced_exit(thread);
		set_state(thread, PW_THREAD_EXITED);
		return;
	}
	if (pw__msgq_pending(thread) ||
	    atomic_load_explicit(&thread->critical_msg, memory_order_relaxed) != NULL) {
		SPDK_INFOLOG(thread, "thread %s still has messages\n", thread->name);
		return;
	}
	if (thread->for_each_count > 0) {
		SPDK_INFOLOG(thread, "thread %s still has %u for-each walk(s) outstanding\n",
			     thread->name, thread->for_each_count);
		return;
	}
	poller = pw__pollers_any_live(thread);
	if (poller != NULL) {
		SPDK_INFOLOG(thread, "thread %s still has poller %s\n", thread->name, poller->name);
		return;
	}
	ch = pw__channels_any(thread);
	if (ch != NULL) {
		SPDK_INFOLOG(thread, "thread %s still has a channel for io_device %s\n",
			     thread->name, ch);
		return;
	}
	if (thread->pending_unregister_count > 0) {
		SPDK_INFOLOG(thread, "thread %s is still unregistering io_devices\n", thread->name);
		return;
	}
	set_state(thread, PW_THREAD_EXITED);
}

PW_EXPORT int
spdk_thread_exit(struct spdk_thread *thread)
{
	if (thread == NULL || thread != pw__tls_thread) {
		pw__wrong_thread(__func__, thread ? thread->name : "NULL", thread, pw__tls_thread);
		return -EINVAL;
	}
	if (thread->state != PW_THREAD_RUNNING) {
		SPDK_INFOLOG(thread, "thread %s is already exiting\n", thread->name);
		return 0;
	}
	SPDK_DEBUGLOG(thread, "exiting thread %s\n", thread->name);
	thread->exit_timeout_tsc = spdk_get_ticks() + spdk_get_ticks_hz() * PW_THREAD_EXIT_TIMEOUT_SEC;
	set_state(thread, PW_THREAD_EXITING);
	if (PW_TP_ON()) pw__tp_thread(PW_TP_THREAD_EXIT, thread);
	/* Called outside a slice of a parked thread (its driver set it current):
	 * its exit needs slices. */
	pw__thread_kick(thread);
	return 0;
}

PW_EXPORT bool
spdk_thread_is_exited(struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, false);
	return atomic_load_explicit(&thread->shared_state, memory_order_acquire) == PW_THREAD_EXITED;
}

PW_EXPORT bool
spdk_thread_is_running(struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, false);
	return atomic_load_explicit(&thread->shared_state, memory_order_acquire) == PW_THREAD_RUNNING;
}


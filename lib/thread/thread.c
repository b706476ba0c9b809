/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Lightweight threads: the library, creation and destruction, the exit
 * protocol, one slice (spdk_thread_poll), accessors, spdk_for_each_thread and
 * post-poller handlers. Messages are in msgq.c, pollers in poller.c and
 * timer.c, channels in io_channel.c, spinlocks in spinlock.c.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

SPDK_LOG_REGISTER_COMPONENT(thread)

__thread struct spdk_thread *pw__tls_thread;

static pthread_mutex_t g_threads_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdk_thread) g_threads = TAILQ_HEAD_INITIALIZER(g_threads);
static uint32_t g_thread_count;
static uint64_t g_next_thread_id = 1;

static bool g_lib_initialized;
static size_t g_ctx_sz;
static spdk_new_thread_fn g_new_thread_fn;
static spdk_thread_op_fn g_thread_op_fn;
static spdk_thread_op_supported_fn g_thread_op_supported_fn;
static _Atomic(struct spdk_thread *) g_app_thread;

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

/* Accessors log a NULL thread instead of crashing. */
#define THREAD_OR_RETURN(thread, ret)						\
	do {									\
		if (spdk_unlikely((thread) == NULL)) {				\
			SPDK_ERRLOG("%s: NULL thread\n", __func__);		\
			return ret;						\
		}								\
	} while (0)

static void
set_state(struct spdk_thread *thread, enum pw_thread_state state)
{
	thread->state = state;
	/* Pairs with the acquire load in spdk_thread_send_msg(). */
	atomic_store_explicit(&thread->shared_state, state, memory_order_release);
}

/* ---------------------------------------------------------------------------
 * The library
 * ------------------------------------------------------------------------- */

static int
lib_init(size_t ctx_sz, size_t msg_mempool_size)
{
	if (g_lib_initialized) {
		SPDK_ERRLOG("the thread library is already initialised; call "
			    "spdk_thread_lib_fini() first\n");
		return -EALREADY;
	}
	pw__msgq_lib_init(msg_mempool_size);
	g_ctx_sz = ctx_sz;
	g_lib_initialized = true;
	return 0;
}

PW_EXPORT int
spdk_thread_lib_init(spdk_new_thread_fn new_thread_fn, size_t ctx_sz)
{
	int rc = lib_init(ctx_sz, SPDK_DEFAULT_MSG_MEMPOOL_SIZE);

	if (rc == 0) {
		g_new_thread_fn = new_thread_fn;
	}
	return rc;
}

PW_EXPORT int
spdk_thread_lib_init_ext(spdk_thread_op_fn thread_op_fn,
			 spdk_thread_op_supported_fn thread_op_supported_fn,
			 size_t ctx_sz, size_t msg_mempool_size)
{
	int rc;

	if ((thread_op_fn == NULL) != (thread_op_supported_fn == NULL)) {
		SPDK_ERRLOG("spdk_thread_lib_init_ext: thread_op_fn and thread_op_supported_fn "
			    "must both be given or both be NULL\n");
		return -EINVAL;
	}
	rc = lib_init(ctx_sz, msg_mempool_size);
	if (rc == 0) {
		g_thread_op_fn = thread_op_fn;
		g_thread_op_supported_fn = thread_op_supported_fn;
	}
	return rc;
}

static void free_thread(struct spdk_thread *thread);

PW_EXPORT void
spdk_thread_lib_fini(void)
{
	struct spdk_thread *thread;

	if (!g_lib_initialized) {
		return;
	}
	pw__io_devices_check_empty();

	thread = atomic_exchange(&g_app_thread, NULL);
	if (thread != NULL) {
		free_thread(thread);
	}
	pthread_mutex_lock(&g_threads_lock);
	TAILQ_FOREACH(thread, &g_threads, tailq) {
		SPDK_ERRLOG("thread %s (id %" PRIu64 ") was never destroyed\n", thread->name,
			    thread->id);
	}
	pthread_mutex_unlock(&g_threads_lock);

	pw__msgq_lib_fini();
	pw__interrupts_lib_fini();
	g_new_thread_fn = NULL;
	g_thread_op_fn = NULL;
	g_thread_op_supported_fn = NULL;
	g_ctx_sz = 0;
	g_lib_initialized = false;
}

bool
pw__thread_lib_initialized(void)
{
	return g_lib_initialized;
}

/* ---------------------------------------------------------------------------
 * Creation and destruction
 * ------------------------------------------------------------------------- */

static void drain_late_messages(struct spdk_thread *thread);

/* Unlink first (no walk or sender can find the thread any more), then run
 * what was sent before that, then free. */
static void
free_thread(struct spdk_thread *thread)
{
	const char *ch = pw__channels_any(thread);

	if (ch != NULL) {
		SPDK_ERRLOG("thread %s destroyed while holding a channel for io_device %s\n",
			    thread->name, ch);
	}
	pthread_mutex_lock(&g_threads_lock);
	TAILQ_REMOVE(&g_threads, thread, tailq);
	g_thread_count--;
	pthread_mutex_unlock(&g_threads_lock);
	pw__channels_fini(thread);

	drain_late_messages(thread);

	pw__pollers_free_all(thread);
	pw__interrupts_fini(thread);
	pw__timer_fini(&thread->timer);
	pw__msgq_fini(thread);
	if (pw__tls_thread == thread) {
		pw__tls_thread = NULL;
	}
	free(thread);
}

PW_EXPORT struct spdk_thread *
spdk_thread_create(const char *name, const struct spdk_cpuset *cpumask)
{
	struct spdk_thread *thread, *expected = NULL;
	int rc = 0;

	if (!g_lib_initialized) {
		SPDK_ERRLOG("spdk_thread_create: the thread library is not initialised\n");
		return NULL;
	}
	if (posix_memalign((void **)&thread, SPDK_CACHE_LINE_SIZE, sizeof(*thread) + g_ctx_sz) != 0) {
		SPDK_ERRLOG("no memory for thread %s\n", name ? name : "");
		return NULL;
	}
	memset(thread, 0, sizeof(*thread) + g_ctx_sz);

	if (cpumask != NULL) {
		spdk_cpuset_copy(&thread->cpumask, cpumask);
	} else {
		spdk_cpuset_zero(&thread->cpumask);
		spdk_cpuset_negate(&thread->cpumask);
	}
	thread->dispatch_idx = -1;
	thread->next_poller_id = 1;
	thread->tsc_last = spdk_get_ticks();
	pw__timer_init(&thread->timer);
	TAILQ_INIT(&thread->pausing_pollers);
	TAILQ_INIT(&thread->paused_pollers);
	TAILQ_INIT(&thread->zombie_pollers);
	TAILQ_INIT(&thread->parked_pollers);
	TAILQ_INIT(&thread->interrupts);
	atomic_init(&thread->waker, NULL);
	thread->in_interrupt = spdk_interrupt_mode_is_enabled();
	atomic_init(&thread->critical_msg, NULL);
	atomic_init(&thread->shared_state, PW_THREAD_RUNNING);
	if (name != NULL) {
		snprintf(thread->name, sizeof(thread->name), "%s", name);
	} else {
		snprintf(thread->name, sizeof(thread->name), "%p", (void *)thread);
	}

	if (pw__msgq_init(thread) != 0 || pw__channels_init(thread) != 0) {
		SPDK_ERRLOG("no memory for thread %s\n", thread->name);
		pw__channels_fini(thread);
		if (thread->mq_cons.seg != NULL) {
			pw__msgq_fini(thread);
		}
		free(thread);
		return NULL;
	}

	pthread_mutex_lock(&g_threads_lock);
	if (g_next_thread_id == 0) {
		pthread_mutex_unlock(&g_threads_lock);
		SPDK_ERRLOG("thread ids are exhausted; restart the application\n");
		pw__channels_fini(thread);
		pw__msgq_fini(thread);
		free(thread);
		return NULL;
	}
	thread->id = g_next_thread_id++;
	TAILQ_INSERT_TAIL(&g_threads, thread, tailq);
	g_thread_count++;
	pthread_mutex_unlock(&g_threads_lock);

	SPDK_DEBUGLOG(thread, "created thread %s (id %" PRIu64 ")\n", thread->name, thread->id);

	if (g_new_thread_fn != NULL) {
		rc = g_new_thread_fn(thread);
	} else if (g_thread_op_supported_fn != NULL &&
		   g_thread_op_supported_fn(SPDK_THREAD_OP_NEW)) {
		rc = g_thread_op_fn(thread, SPDK_THREAD_OP_NEW);
	}
	if (rc != 0) {
		SPDK_ERRLOG("thread %s was refused by the new-thread hook (rc %d)\n",
			    thread->name, rc);
		free_thread(thread);
		return NULL;
	}

	/* The first thread becomes the app thread, even if threads are created
	 * concurrently. */
	atomic_compare_exchange_strong(&g_app_thread, &expected, thread);
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
	SPDK_DEBUGLOG(thread, "destroying thread %s\n", thread->name);
	if (pw__tls_thread == thread) {
		pw__tls_thread = NULL;
	}
	/* As in SPDK, the app thread lives until spdk_thread_lib_fini(). */
	if (thread != atomic_load(&g_app_thread)) {
		free_thread(thread);
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

static void
exit_check(struct spdk_thread *thread, uint64_t now)
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
	return 0;
}

PW_EXPORT bool
spdk_thread_is_exited(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, false);
	return atomic_load_explicit(&thread->shared_state, memory_order_acquire) == PW_THREAD_EXITED;
}

PW_EXPORT bool
spdk_thread_is_running(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, false);
	return atomic_load_explicit(&thread->shared_state, memory_order_acquire) == PW_THREAD_RUNNING;
}

/* ---------------------------------------------------------------------------
 * One slice
 * ------------------------------------------------------------------------- */

PW_EXPORT int
spdk_thread_poll(struct spdk_thread *thread, uint32_t max_msgs, uint64_t now)
{
	struct spdk_thread *orig = pw__tls_thread;
	spdk_msg_fn critical;
	uint64_t end;
	int rc = 0, prc;

	THREAD_OR_RETURN(thread, 0);
	pw__tls_thread = thread;
	if (now == 0) {
		now = spdk_get_ticks();
	}
	thread->tsc_last = now;

	critical = atomic_load_explicit(&thread->critical_msg, memory_order_relaxed);
	if (spdk_unlikely(critical != NULL)) {
		/* Pairs with the release CAS in spdk_thread_send_critical_msg(). */
		critical = atomic_exchange_explicit(&thread->critical_msg, NULL,
						    memory_order_acquire);
		critical(NULL);
		rc = 1;
	}
	if (spdk_unlikely(thread->own_waker != NULL) && pw__interrupts_run_own(thread) > 0) {
		rc = 1;
	}
	if (pw__msgq_run(thread, max_msgs) > 0) {
		rc = 1;
	}
	if (pw__pollers_due(thread, now)) {
		prc = pw__pollers_run(thread, now);
		if (prc > rc) {
			rc = prc;
		}
	}
	if (spdk_unlikely(pw__pollers_unsettled(thread))) {
		pw__pollers_settle(thread);
	}
	if (thread->num_pp_handlers != 0) {
		pw__thread_run_pp_handlers(thread);
	}
	if (spdk_unlikely(thread->state == PW_THREAD_EXITING)) {
		exit_check(thread, now);
	}

	end = spdk_get_ticks();
	if (rc == 0) {
		thread->stats.idle_tsc += end - now;
	} else if (rc > 0) {
		thread->stats.busy_tsc += end - now;
	}
	thread->tsc_last = end;

	pw__tls_thread = orig;
	return rc;
}

/* ---------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------- */

PW_EXPORT struct spdk_thread *
spdk_thread_get_app_thread(void)
{
	return atomic_load(&g_app_thread);
}

PW_EXPORT bool
spdk_thread_is_app_thread(struct spdk_thread *thread)
{
	if (thread == NULL) {
		thread = pw__tls_thread;
	}
	return thread != NULL && thread == spdk_thread_get_app_thread();
}

PW_EXPORT void
spdk_set_thread(struct spdk_thread *thread)
{
	pw__tls_thread = thread;
}

PW_EXPORT struct spdk_thread *
spdk_get_thread(void)
{
	return pw__tls_thread;
}

PW_EXPORT void
spdk_thread_bind(struct spdk_thread *thread, bool bind)
{
	THREAD_OR_RETURN(thread, );
	thread->is_bound = bind;
}

PW_EXPORT bool
spdk_thread_is_bound(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, false);
	return thread->is_bound;
}

PW_EXPORT void *
spdk_thread_get_ctx(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, NULL);
	return g_ctx_sz > 0 ? thread->ctx : NULL;
}

PW_EXPORT struct spdk_thread *
spdk_thread_get_from_ctx(void *ctx)
{
	if (ctx == NULL || g_ctx_sz == 0) {
		SPDK_ERRLOG("spdk_thread_get_from_ctx: %s\n",
			    ctx == NULL ? "NULL context" : "threads have no context (ctx_sz 0)");
		return NULL;
	}
	return SPDK_CONTAINEROF(ctx, struct spdk_thread, ctx);
}

PW_EXPORT struct spdk_cpuset *
spdk_thread_get_cpumask(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, NULL);
	return &thread->cpumask;
}

PW_EXPORT int
spdk_thread_set_cpumask(struct spdk_cpuset *cpumask)
{
	struct spdk_thread *thread = pw__tls_thread;

	if (g_thread_op_supported_fn == NULL || !g_thread_op_supported_fn(SPDK_THREAD_OP_RESCHED)) {
		SPDK_ERRLOG("spdk_thread_set_cpumask: the thread driver cannot move threads "
			    "(no SPDK_THREAD_OP_RESCHED)\n");
		return -ENOTSUP;
	}
	if (thread == NULL || cpumask == NULL) {
		SPDK_ERRLOG("spdk_thread_set_cpumask: %s\n",
			    thread == NULL ? "called with no current spdk_thread" : "NULL cpumask");
		return -EINVAL;
	}
	spdk_cpuset_copy(&thread->cpumask, cpumask);
	/* The driver moves the thread after the slice; if called again within
	 * the same slice, the last mask wins. */
	g_thread_op_fn(thread, SPDK_THREAD_OP_RESCHED);
	return 0;
}

PW_EXPORT uint64_t
spdk_thread_next_poller_expiration(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, 0);
	return thread->first_timed_poller ? thread->first_timed_poller->next_run_tick : 0;
}

PW_EXPORT int
spdk_thread_has_active_pollers(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, 0);
	return pw__pollers_active_count(thread) > 0;
}

PW_EXPORT bool
spdk_thread_has_pollers(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, false);
	return pw__pollers_any_live(thread) != NULL;
}

PW_EXPORT bool
spdk_thread_is_idle(struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, false);
	return !pw__msgq_pending(thread) && pw__pollers_active_count(thread) == 0 &&
	       thread->first_timed_poller == NULL &&
	       atomic_load_explicit(&thread->critical_msg, memory_order_relaxed) == NULL;
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

PW_EXPORT const char *
spdk_thread_get_name(const struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, NULL);
	return thread->name;
}

PW_EXPORT uint64_t
spdk_thread_get_id(const struct spdk_thread *thread)
{
	THREAD_OR_RETURN(thread, 0);
	return thread->id;
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
	TAILQ_FOREACH(thread, &g_threads, tailq) {
		if (thread->id == id) {
			break;
		}
	}
	pthread_mutex_unlock(&g_threads_lock);
	return thread;
}

PW_EXPORT int
spdk_thread_get_stats(struct spdk_thread_stats *stats)
{
	struct spdk_thread *thread = pw__tls_thread;

	if (thread == NULL || stats == NULL) {
		SPDK_ERRLOG("spdk_thread_get_stats: %s\n",
			    thread == NULL ? "no current spdk_thread" : "NULL stats");
		return -EINVAL;
	}
	*stats = thread->stats;
	return 0;
}

PW_EXPORT uint64_t
spdk_thread_get_last_tsc(struct spdk_thread *thread)
{
	if (thread == NULL) {
		thread = pw__tls_thread;
	}
	return thread != NULL ? thread->tsc_last : 0;
}

PW_EXPORT uint16_t
spdk_thread_get_trace_id(struct spdk_thread *thread)
{
	return 0;
}

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
	bool			first;		/* the first thread is visited even if exiting */
};

static void for_each_thread_step(void *arg);
static void for_each_thread_complete(void *arg);

/* With g_threads_lock held. */
static struct spdk_thread *
find_by_id_locked(uint64_t id)
{
	struct spdk_thread *thread;

	TAILQ_FOREACH(thread, &g_threads, tailq) {
		if (thread->id == id) {
			return thread;
		}
	}
	return NULL;
}

/* With g_threads_lock held: the next thread the walk should visit. */
static struct spdk_thread *
walk_next_locked(uint64_t after, bool first)
{
	struct spdk_thread *thread;

	TAILQ_FOREACH(thread, &g_threads, tailq) {
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
	uint64_t prev_id, next_id;
	bool prev_first;
	int rc;

	for (;;) {
		prev_id = ft->cur_id;
		prev_first = ft->first;
		pthread_mutex_lock(&g_threads_lock);
		next = walk_next_locked(ft->cur_id, ft->first);
		if (next == NULL) {
			pthread_mutex_unlock(&g_threads_lock);
			break;
		}
		/* Once sent, ft belongs to the next thread: update it before. */
		next_id = next->id;
		ft->cur_id = next_id;
		ft->first = false;
		rc = spdk_thread_send_msg(next, for_each_thread_step, ft);
		pthread_mutex_unlock(&g_threads_lock);
		if (rc == 0) {
			return;
		}
		if (rc == -ENOMEM) {
			ft->cur_id = prev_id;
			ft->first = prev_first;
			if (pw__retry_later(for_each_thread_advance, ft)) {
				return;
			}
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

int
pw__send_to_thread_id(uint64_t id, spdk_msg_fn fn, void *ctx)
{
	struct spdk_thread *thread;
	int rc = -EIO;

	pthread_mutex_lock(&g_threads_lock);
	thread = find_by_id_locked(id);
	if (thread != NULL) {
		rc = spdk_thread_send_msg(thread, fn, ctx);
	}
	pthread_mutex_unlock(&g_threads_lock);
	return rc;
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
	for_each_thread_advance(ft);
}

/* ---------------------------------------------------------------------------
 * Post-poller handlers
 * ------------------------------------------------------------------------- */

PW_EXPORT void
spdk_thread_register_post_poller_handler(spdk_post_poller_fn fn, void *fn_arg)
{
	struct spdk_thread *thread = pw__tls_thread;

	if (thread == NULL || fn == NULL) {
		SPDK_ERRLOG("spdk_thread_register_post_poller_handler: %s\n",
			    thread == NULL ? "no current spdk_thread" : "NULL fn");
		return;
	}
	if (thread->num_pp_handlers >= PW_MAX_PP_HANDLERS) {
		SPDK_ERRLOG("thread %s: already %d post-poller handlers pending; handler %p "
			    "not registered\n", thread->name, PW_MAX_PP_HANDLERS, (void *)fn);
		return;
	}
	thread->pp_handlers[thread->num_pp_handlers].fn = fn;
	thread->pp_handlers[thread->num_pp_handlers].arg = fn_arg;
	thread->num_pp_handlers++;
}

void
pw__thread_run_pp_handlers(struct spdk_thread *thread)
{
	struct pw_pp_handler handlers[PW_MAX_PP_HANDLERS];
	uint32_t n = thread->num_pp_handlers;

	/* Handlers may register new ones: those run after the next callback. */
	memcpy(handlers, thread->pp_handlers, n * sizeof(handlers[0]));
	thread->num_pp_handlers = 0;
	for (uint32_t i = 0; i < n; i++) {
		handlers[i].fn(handlers[i].arg);
	}
}

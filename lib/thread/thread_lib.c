/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The thread library as a whole: initialisation and teardown, the driver's
 * hooks (new thread, thread operations), the per-thread context size and the
 * app thread. Threads themselves are in thread.c.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"

SPDK_LOG_REGISTER_COMPONENT(thread)

static bool g_lib_initialized;
static size_t g_ctx_sz;
static spdk_new_thread_fn g_new_thread_fn;
static spdk_thread_op_fn g_thread_op_fn;
static spdk_thread_op_supported_fn g_thread_op_supported_fn;
static _Atomic(struct spdk_thread *) g_app_thread;

/* ---------------------------------------------------------------------------
 * Initialisation and teardown
 * ------------------------------------------------------------------------- */

static int
lib_init(size_t ctx_sz, size_t msg_mempool_size)
{
	int rc;

	if (g_lib_initialized) {
		SPDK_ERRLOG("the thread library is already initialised; call "
			    "spdk_thread_lib_fini() first\n");
		return -EALREADY;
	}
	rc = pw__msgq_lib_init(msg_mempool_size);
	if (rc != 0) {
		return rc;
	}
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
		pw__thread_free(thread);
	}
	pw__threads_lock();
	for (thread = pw__thread_first(); thread != NULL; thread = pw__thread_next(thread)) {
		SPDK_ERRLOG("thread %s (id %" PRIu64 ") was never destroyed\n", thread->name,
			    thread->id);
	}
	pw__threads_unlock();

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
 * What threads get from the library
 * ------------------------------------------------------------------------- */

size_t
pw__thread_ctx_size(void)
{
	return g_ctx_sz;
}

int
pw__thread_new_hook(struct spdk_thread *thread)
{
	if (g_new_thread_fn != NULL) {
		return g_new_thread_fn(thread);
	}
	if (g_thread_op_supported_fn != NULL && g_thread_op_supported_fn(SPDK_THREAD_OP_NEW)) {
		return g_thread_op_fn(thread, SPDK_THREAD_OP_NEW);
	}
	return 0;
}

void
pw__thread_app_candidate(struct spdk_thread *thread)
{
	struct spdk_thread *expected = NULL;

	/* The first thread becomes the app thread, even if threads are created
	 * concurrently. */
	atomic_compare_exchange_strong(&g_app_thread, &expected, thread);
}

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

PW_EXPORT void *
spdk_thread_get_ctx(struct spdk_thread *thread)
{
	if (thread == NULL) {
		SPDK_ERRLOG("spdk_thread_get_ctx: NULL thread\n");
		return NULL;
	}
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
	/* Into its private copy, made now unless the mask does not change (the
	 * shared one is immutable: other pthreads may be reading it). */
	/* Relaxed: only whether to look; pw__thread_own_cpumask() loads it again
	 * with acquire (pairing with its own release exchange). */
	if (atomic_load_explicit(&thread->cpumask_own, memory_order_relaxed) != NULL ||
	    !spdk_cpuset_equal(thread->cpumask_shared, cpumask)) {
		struct spdk_cpuset *own = pw__thread_own_cpumask(thread);

		if (own == NULL) {
			SPDK_ERRLOG("spdk_thread_set_cpumask: no memory for the cpumask of "
				    "thread %s; it is unchanged\n", thread->name);
			return -ENOMEM;
		}
		spdk_cpuset_copy(own, cpumask);
	}
	/* The driver moves the thread after the slice; if called again within
	 * the same slice, the last mask wins. */
	g_thread_op_fn(thread, SPDK_THREAD_OP_RESCHED);
	/* Called outside a slice of a parked thread: it needs one to move. */
	pw__thread_kick(thread);
	return 0;
}

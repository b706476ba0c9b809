/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Accessors and introspection of threads: the current thread, names, ids,
 * masks, binding, pollers left, statistics.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"

/* ---------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------- */

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
	PW_THREAD_OR_RETURN(thread, );
	thread->is_bound = bind;
}

PW_EXPORT bool
spdk_thread_is_bound(struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, false);
	return thread->is_bound;
}

/* Where spdk_thread_get_cpumask() writes when no private copy can be made:
 * a set per pthread, refilled by each such call (what is written to it is
 * lost). */
static __thread struct spdk_cpuset g_mask_fallback;

PW_EXPORT struct spdk_cpuset *
spdk_thread_get_cpumask(struct spdk_thread *thread)
{
	struct spdk_cpuset *own;

	PW_THREAD_OR_RETURN(thread, NULL);
	own = pw__thread_own_cpumask(thread);
	if (spdk_likely(own != NULL)) {
		return own;
	}
	SPDK_ERRLOG("no memory for a private cpumask of thread %s: returning a copy whose "
		    "changes are lost (use spdk_thread_set_cpumask() to change it)\n",
		    thread->name);
	spdk_cpuset_copy(&g_mask_fallback, pw_thread_get_cpumask(thread));
	return &g_mask_fallback;
}

PW_EXPORT const struct spdk_cpuset *
pw_thread_get_cpumask(const struct spdk_thread *thread)
{
	const struct spdk_cpuset *own;

	PW_THREAD_OR_RETURN(thread, NULL);
	/* Pairs with the release exchange in pw__thread_own_cpumask(): a copy
	 * seen installed is seen filled in. */
	own = atomic_load_explicit(&((struct spdk_thread *)thread)->cpumask_own,
				   memory_order_acquire);
	return own != NULL ? own : thread->cpumask_shared;
}

PW_EXPORT uint64_t
spdk_thread_next_poller_expiration(struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, 0);
	if (thread->pl == NULL || thread->pl->first_timed_poller == NULL) {
		return 0;
	}
	return thread->pl->first_timed_poller->next_run_tick;
}

PW_EXPORT int
spdk_thread_has_active_pollers(struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, 0);
	return pw__pollers_active_count(thread) > 0;
}

PW_EXPORT bool
spdk_thread_has_pollers(struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, false);
	return pw__pollers_any_live(thread) != NULL;
}

PW_EXPORT bool
spdk_thread_is_idle(struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, false);
	return !pw__msgq_pending(thread) && pw__pollers_active_count(thread) == 0 &&
	       (thread->pl == NULL || thread->pl->first_timed_poller == NULL) &&
	       atomic_load_explicit(&thread->critical_msg, memory_order_relaxed) == NULL;
}

PW_EXPORT const char *
spdk_thread_get_name(const struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, NULL);
	return thread->name;
}

PW_EXPORT uint64_t
spdk_thread_get_id(const struct spdk_thread *thread)
{
	PW_THREAD_OR_RETURN(thread, 0);
	return thread->id;
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
	if (spdk_unlikely(thread->park_accrue)) {
		/* Parked (a driver reads its stats): idle since its last slice. */
		uint64_t now = spdk_get_ticks();

		if (now > thread->tsc_last) {
			stats->idle_tsc += now - thread->tsc_last;
		}
	}
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


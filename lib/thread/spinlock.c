/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_spinlock: a pthread spinlock plus the checks SPDK makes on how it is
 * used. A lock may only be taken on an spdk_thread, and must be released
 * before the message or poller that took it returns (the thread may then move
 * to another pthread, or another thread of the same pthread may want it).
 * Every violation is logged and handed to one replaceable hook.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"

static const char *const g_spin_error_strings[] = {
	[PW_SPIN_ERR_NONE]		= "No error",
	[PW_SPIN_ERR_NOT_SPDK_THREAD]	= "Not an SPDK thread",
	[PW_SPIN_ERR_DEADLOCK]		= "Deadlock detected",
	[PW_SPIN_ERR_WRONG_THREAD]	= "Unlock on wrong SPDK thread",
	[PW_SPIN_ERR_PTHREAD]		= "Error from pthread_spinlock",
	[PW_SPIN_ERR_LOCK_HELD]		= "Destroying a held spinlock",
	[PW_SPIN_ERR_LOCK_COUNT]	= "Lock count is invalid",
	[PW_SPIN_ERR_HOLD_DURING_SWITCH] = "Lock(s) held while SPDK thread going off CPU",
	[PW_SPIN_ERR_DESTROYED]		= "Lock has been destroyed",
	[PW_SPIN_ERR_NOT_INITIALIZED]	= "Lock has not been initialized",
};

static void
default_abort(enum pw_spin_error err)
{
	abort();
}

static _Atomic(pw_spin_abort_fn) g_spin_abort_fn = default_abort;

PW_EXPORT const char *
pw_spin_error_str(enum pw_spin_error err)
{
	if ((unsigned)err >= SPDK_COUNTOF(g_spin_error_strings)) {
		return "Unknown error";
	}
	return g_spin_error_strings[err];
}

PW_EXPORT pw_spin_abort_fn
pw_spin_set_abort_fn(pw_spin_abort_fn fn)
{
	return atomic_exchange(&g_spin_abort_fn, fn != NULL ? fn : default_abort);
}

/* Log and report a violation; returns true so callers can write
 * `if (violated(...)) return;`. */
static bool
report(enum pw_spin_error err, const struct spdk_spinlock *sspin, const char *what)
{
	struct spdk_thread *thread = pw__tls_thread;

	SPDK_ERRLOG("spinlock %p: %s (%s) on thread %s\n", (const void *)sspin,
		    pw_spin_error_str(err), what, thread ? thread->name : "none");
	atomic_load(&g_spin_abort_fn)(err);
	return true;
}

#define SPIN_CHECK(cond, err, sspin) \
	(spdk_unlikely(!(cond)) && report(err, sspin, #cond))

static bool
spin_null(const char *func, const struct spdk_spinlock *sspin)
{
	if (spdk_unlikely(sspin == NULL)) {
		SPDK_ERRLOG("%s: NULL spinlock\n", func);
		return true;
	}
	return false;
}

void
pw__spin_check_switch(struct spdk_thread *thread)
{
	if (thread->lock_count != 0) {
		SPDK_ERRLOG("thread %s: a message or poller returned holding %d spinlock(s)\n",
			    thread->name, thread->lock_count);
		atomic_load(&g_spin_abort_fn)(PW_SPIN_ERR_HOLD_DURING_SWITCH);
	}
}

PW_EXPORT void
spdk_spin_init(struct spdk_spinlock *sspin)
{
	int rc;

	if (spin_null(__func__, sspin)) {
		return;
	}
	memset(sspin, 0, sizeof(*sspin));
	rc = pthread_spin_init(&sspin->spinlock, PTHREAD_PROCESS_PRIVATE);
	if (SPIN_CHECK(rc == 0, PW_SPIN_ERR_PTHREAD, sspin)) {
		return;
	}
	sspin->initialized = true;
}

PW_EXPORT void
spdk_spin_destroy(struct spdk_spinlock *sspin)
{
	int rc;

	if (spin_null(__func__, sspin)) {
		return;
	}
	if (SPIN_CHECK(!sspin->destroyed, PW_SPIN_ERR_DESTROYED, sspin) ||
	    SPIN_CHECK(sspin->initialized, PW_SPIN_ERR_NOT_INITIALIZED, sspin) ||
	    SPIN_CHECK(sspin->thread == NULL, PW_SPIN_ERR_LOCK_HELD, sspin)) {
		return;
	}
	rc = pthread_spin_destroy(&sspin->spinlock);
	if (SPIN_CHECK(rc == 0, PW_SPIN_ERR_PTHREAD, sspin)) {
		return;
	}
	sspin->initialized = false;
	sspin->destroyed = true;
}

PW_EXPORT void
spdk_spin_lock(struct spdk_spinlock *sspin)
{
	struct spdk_thread *thread = pw__tls_thread;
	int rc;

	if (spin_null(__func__, sspin)) {
		return;
	}
	if (SPIN_CHECK(!sspin->destroyed, PW_SPIN_ERR_DESTROYED, sspin) ||
	    SPIN_CHECK(sspin->initialized, PW_SPIN_ERR_NOT_INITIALIZED, sspin) ||
	    SPIN_CHECK(thread != NULL, PW_SPIN_ERR_NOT_SPDK_THREAD, sspin) ||
	    SPIN_CHECK(thread != __atomic_load_n(&sspin->thread, __ATOMIC_RELAXED),
		       PW_SPIN_ERR_DEADLOCK, sspin)) {
		return;
	}
	rc = pthread_spin_lock(&sspin->spinlock);
	if (SPIN_CHECK(rc == 0, PW_SPIN_ERR_PTHREAD, sspin)) {
		return;
	}
	/* Relaxed: readers of ->thread on other pthreads only compare it with
	 * their own thread, which it can never wrongly equal. */
	__atomic_store_n(&sspin->thread, thread, __ATOMIC_RELAXED);
	thread->lock_count++;
}

PW_EXPORT void
spdk_spin_unlock(struct spdk_spinlock *sspin)
{
	struct spdk_thread *thread = pw__tls_thread;
	int rc;

	if (spin_null(__func__, sspin)) {
		return;
	}
	if (SPIN_CHECK(!sspin->destroyed, PW_SPIN_ERR_DESTROYED, sspin) ||
	    SPIN_CHECK(sspin->initialized, PW_SPIN_ERR_NOT_INITIALIZED, sspin) ||
	    SPIN_CHECK(thread != NULL, PW_SPIN_ERR_NOT_SPDK_THREAD, sspin) ||
	    SPIN_CHECK(thread == __atomic_load_n(&sspin->thread, __ATOMIC_RELAXED),
		       PW_SPIN_ERR_WRONG_THREAD, sspin) ||
	    SPIN_CHECK(thread->lock_count > 0, PW_SPIN_ERR_LOCK_COUNT, sspin)) {
		return;
	}
	thread->lock_count--;
	__atomic_store_n(&sspin->thread, NULL, __ATOMIC_RELAXED);
	rc = pthread_spin_unlock(&sspin->spinlock);
	(void)SPIN_CHECK(rc == 0, PW_SPIN_ERR_PTHREAD, sspin);
}

PW_EXPORT bool
spdk_spin_held(struct spdk_spinlock *sspin)
{
	struct spdk_thread *thread = pw__tls_thread;

	if (spin_null(__func__, sspin)) {
		return false;
	}
	if (SPIN_CHECK(thread != NULL, PW_SPIN_ERR_NOT_SPDK_THREAD, sspin)) {
		return false;
	}
	return __atomic_load_n(&sspin->thread, __ATOMIC_RELAXED) == thread;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * One slice of a thread (spdk_thread_poll()) and the post-poller handlers
 * that run after a message or a poller.
 */

#include "thread/thread_internal.h"
#include "thread/thread_trace.h"

#include "spdk/log.h"

/* ---------------------------------------------------------------------------
 * One slice
 * ------------------------------------------------------------------------- */

PW_EXPORT int
spdk_thread_poll(struct spdk_thread *thread, uint32_t max_msgs, uint64_t now)
{
	struct spdk_thread *orig = pw__tls_thread;
	struct spdk_thread *outer;
	struct pw_pollers *pl;
	spdk_msg_fn critical;
	uint64_t end;
	int rc = 0, prc;
	bool own;

	PW_THREAD_OR_RETURN(thread, 0);
	pw__tls_thread = thread;
	if (PW_TP_ON()) pw__tp_slice_begin(thread);
	/* Sends to other threads from here on are staged (msgq.c). */
	pw__msg_stage.depth++;
	outer = pw__msg_stage.polled;
	pw__msg_stage.polled = thread;
	if (now == 0) {
		now = spdk_get_ticks();
	}
	if (spdk_unlikely(thread->park_accrue)) {
		/* Parked since tsc_last: that time was idle. */
		thread->park_accrue = false;
		if (now > thread->tsc_last) {
			thread->stats.idle_tsc += now - thread->tsc_last;
		}
	}
	thread->tsc_last = now;

	/* Driven through spdk_thread_get_interrupt_fd() by a loop of the user's:
	 * its fd is cleared before the critical slot and the queue are looked
	 * at, so that whatever is sent after the look writes it again. A thread
	 * that never had pollers, interrupt sources or post-poller handlers has
	 * no poller block (pl NULL) and skips all of that. */
	pl = thread->pl;
	own = pl != NULL && pl->own_waker != NULL;
	if (spdk_unlikely(own) && pw__interrupts_run_own(thread) > 0) {
		rc = 1;
	}
	critical = atomic_load_explicit(&thread->critical_msg, memory_order_relaxed);
	if (spdk_unlikely(critical != NULL)) {
		/* Pairs with the release CAS in spdk_thread_send_critical_msg(). */
		critical = atomic_exchange_explicit(&thread->critical_msg, NULL,
						    memory_order_acquire);
		critical(NULL);
		rc = 1;
	}
	if (pw__msgq_run(thread, max_msgs) > 0) {
		rc = 1;
		/* Its fd was cleared above: keep it readable while messages remain
		 * beyond this batch, or a loop waiting on it would stall. */
		if (spdk_unlikely(own)) {
			pw__interrupts_rearm_own(thread);
		}
	}
	/* A message may have registered the first poller: load pl again. */
	pl = thread->pl;
	if (pl != NULL) {
		if (pw__pollers_due(pl, now)) {
			prc = pw__pollers_run(thread, pl, now);
			if (prc > rc) {
				rc = prc;
			}
		}
		if (spdk_unlikely(pw__pollers_unsettled(pl))) {
			pw__pollers_settle(thread);
		}
	}
	if (thread->num_pp_handlers != 0) {
		pw__thread_run_pp_handlers(thread);
	}
	if (spdk_unlikely(thread->state == PW_THREAD_EXITING)) {
		pw__thread_exit_check(thread, now);
	}

	end = spdk_get_ticks();
	if (rc == 0) {
		thread->stats.idle_tsc += end - now;
	} else if (rc > 0) {
		thread->stats.busy_tsc += end - now;
	}
	thread->tsc_last = end;

	/* Nothing stays staged beyond the slice (a driver may sleep next). */
	if (spdk_unlikely(pw__msg_stage.n != 0)) {
		pw__msgq_flush();
	}
	pw__msg_stage.polled = outer;
	pw__msg_stage.depth--;
	if (PW_TP_ON()) pw__tp_slice_end(thread, rc);
	pw__tls_thread = orig;
	return rc;
}

/* ---------------------------------------------------------------------------
 * Post-poller handlers
 * ------------------------------------------------------------------------- */

PW_EXPORT void
spdk_thread_register_post_poller_handler(spdk_post_poller_fn fn, void *fn_arg)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct pw_pollers *pl;

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
	/* The handlers live in the poller block: without memory for it the
	 * handler is not registered, logged (SPDK's call returns nothing). */
	pl = pw__thread_pollers(thread, "post-poller handler");
	if (pl == NULL) {
		return;
	}
	pl->pp_handlers[thread->num_pp_handlers].fn = fn;
	pl->pp_handlers[thread->num_pp_handlers].arg = fn_arg;
	thread->num_pp_handlers++;
}

__attribute__((noinline, cold)) void
pw__thread_attend(struct spdk_thread *thread)
{
	if (thread->msgs_staged != 0) {
		/* The callback that sent them has returned: publish. */
		thread->msgs_staged = 0;
		pw__msgq_callback_done();
	}
	if (thread->lock_count != 0) {
		pw__spin_check_switch(thread);
	}
	if (thread->num_pp_handlers != 0) {
		pw__thread_run_pp_handlers(thread);
	}
}

void
pw__thread_run_pp_handlers(struct spdk_thread *thread)
{
	struct pw_pp_handler handlers[PW_MAX_PP_HANDLERS];
	uint32_t n = thread->num_pp_handlers;

	/* Handlers may register new ones: those run after the next callback.
	 * num_pp_handlers is non-zero only once the poller block exists. */
	memcpy(handlers, thread->pl->pp_handlers, n * sizeof(handlers[0]));
	thread->num_pp_handlers = 0;
	for (uint32_t i = 0; i < n; i++) {
		handlers[i].fn(handlers[i].arg);
	}
}

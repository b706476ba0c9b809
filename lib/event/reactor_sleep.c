/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * When and how a reactor sleeps (Pinwheel's addition; pinwheel/event.h).
 *
 * Each reactor owns a waker (an eventfd senders write only while it sleeps)
 * and an fd group holding the waker and, nested, the fd groups of its
 * threads' interrupt sources. A reactor idle for spin_us takes a last look at
 * its queues with its sleeping flag up, then sleeps in ppoll on the fd group
 * until a message, an event, an interrupt source or its earliest timed poller
 * is due. The protocol and its memory ordering are in doc/design.md,
 * "Sleeping and wake-ups".
 */

#include "event/event_internal.h"
#include "event/reactor_trace.h"

#include "spdk/log.h"

#include <poll.h>

/* A sleeping reactor with an exiting thread polls it at least this often: the
 * thread library forces a thread out when its exit has not finished in time,
 * and only a slice can notice that the time has come. */
#define EXITING_CHECK_US	10000

static pthread_mutex_t g_opts_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pw_reactor_opts g_opts = {
	.opts_size = sizeof(struct pw_reactor_opts),
	.sleep = true,
	.spin_us = 100,
	.idle_poller_sleep_us = 0,
};
/* The options in ticks, read by every idle reactor iteration. */
static _Atomic bool g_sleep_enabled = true;
static _Atomic uint64_t g_spin_ticks;
static _Atomic uint64_t g_idle_poller_sleep_ticks;

/* ---------------------------------------------------------------------------
 * The waker and the fd group of a reactor
 * ------------------------------------------------------------------------- */

static int
waker_handler(void *ctx)
{
	/* The fd group cleared the eventfd; the loop does the rest. */
	return 0;
}

int
pw__reactor_sleep_init(struct spdk_reactor *reactor)
{
	struct spdk_event_handler_opts opts;
	int rc;

	rc = pw_waker_create(&reactor->waker);
	if (rc != 0) {
		return rc;
	}
	rc = spdk_fd_group_create(&reactor->fgrp);
	if (rc != 0) {
		pw_waker_destroy(reactor->waker);
		reactor->waker = NULL;
		return rc;
	}
	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	opts.fd_type = SPDK_FD_TYPE_EVENTFD;
	rc = spdk_fd_group_add_ext(reactor->fgrp, pw_waker_get_fd(reactor->waker), waker_handler,
				   reactor, "reactor_wakeup", &opts);
	if (rc != 0) {
		spdk_fd_group_destroy(reactor->fgrp);
		pw_waker_destroy(reactor->waker);
		reactor->fgrp = NULL;
		reactor->waker = NULL;
	}
	return rc;
}

void
pw__reactor_sleep_fini(struct spdk_reactor *reactor)
{
	if (reactor->fgrp != NULL) {
		spdk_fd_group_remove(reactor->fgrp, pw_waker_get_fd(reactor->waker));
		spdk_fd_group_destroy(reactor->fgrp);
		reactor->fgrp = NULL;
	}
	pw_waker_destroy(reactor->waker);
	reactor->waker = NULL;
}

void
pw__reactor_check_fds(struct spdk_reactor *reactor)
{
	if (reactor->nested_fgrps > 0) {
		spdk_fd_group_wait(reactor->fgrp, 0);
	}
}

/* ---------------------------------------------------------------------------
 * Sleeping
 * ------------------------------------------------------------------------- */

static uint64_t
ticks_to_ns(uint64_t ticks)
{
	uint64_t hz = spdk_get_ticks_hz();

	return ticks / hz * SPDK_SEC_TO_NSEC + ticks % hz * SPDK_SEC_TO_NSEC / hz;
}

bool
pw__reactor_sleep_due(const struct spdk_reactor *reactor)
{
	return atomic_load_explicit(&g_sleep_enabled, memory_order_relaxed) &&
	       reactor->tsc_last - reactor->last_work_tsc >=
	       atomic_load_explicit(&g_spin_ticks, memory_order_relaxed);
}

bool
pw__reactor_try_sleep(struct spdk_reactor *reactor)
{
	struct spdk_lw_thread *lw_thread;
	uint64_t now, due = UINT64_MAX, idle_cap;
	struct timespec ts, *timeout = NULL;
	struct pollfd pfd;
	bool polled = false, exiting = false;

	if (reactor->waker == NULL) {
		return false;
	}
	/* Parked threads are not looked at: the heap gives their earliest
	 * timer, the lot those woken (doc/design.md "Parked threads"). */
	due = pw__reactor_parked_due(reactor);
	TAILQ_FOREACH(lw_thread, &reactor->active, active_link) {
		struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);
		uint64_t expiry = spdk_thread_next_poller_expiration(thread);

		if (spdk_thread_has_active_pollers(thread)) {
			polled = true;
		}
		if (expiry != 0 && expiry < due) {
			due = expiry;
		}
		if (spdk_unlikely(!spdk_thread_is_running(thread) && !spdk_thread_is_exited(thread))) {
			exiting = true;
		}
	}
	/* The scheduling reactor wakes for its next round (no-op without a period). */
	due = spdk_min(due, pw__scheduler_round_due(reactor));
	now = spdk_get_ticks();
	if (spdk_unlikely(exiting)) {
		due = spdk_min(due, now + spdk_get_ticks_hz() * EXITING_CHECK_US / SPDK_SEC_TO_USEC);
	}
	if (polled) {
		/* Untimed pollers keep the reactor polling, unless the user chose a
		 * bounded sleep. */
		idle_cap = atomic_load_explicit(&g_idle_poller_sleep_ticks, memory_order_relaxed);
		if (idle_cap == 0) {
			return false;
		}
		due = spdk_min(due, now + idle_cap);
	}

	pw_waker_prepare_sleep(reactor->waker);
	/* The last look, after the flag is up (see doc/design.md): anything
	 * queued before this was seen here; anything after wakes us. */
	if (pw__event_queue_pending(reactor) || pw_park_lot_pending(reactor->lot)) {
		pw_waker_end_sleep(reactor->waker);
		return false;
	}
	TAILQ_FOREACH(lw_thread, &reactor->active, active_link) {
		if (pw_thread_has_pending_messages(spdk_thread_get_from_ctx(lw_thread))) {
			pw_waker_end_sleep(reactor->waker);
			return false;
		}
	}
	if (pw__reactors_state() != SPDK_REACTOR_STATE_RUNNING) {
		pw_waker_end_sleep(reactor->waker);
		return false;
	}
	if (due != UINT64_MAX) {
		uint64_t ns = due > now ? ticks_to_ns(due - now) : 0;

		ts.tv_sec = (time_t)(ns / SPDK_SEC_TO_NSEC);
		ts.tv_nsec = (long)(ns % SPDK_SEC_TO_NSEC);
		timeout = &ts;
	}
	pfd.fd = spdk_fd_group_get_fd(reactor->fgrp);
	pfd.events = POLLIN;
	pfd.revents = 0;
	reactor->sleeps++;
	if (PW_TP_ON()) pw__tp_reactor_sleep(reactor);
	if (ppoll(&pfd, 1, timeout, NULL) > 0) {
		/* Clears the wake-up eventfd and runs ready interrupt handlers. */
		spdk_fd_group_wait(reactor->fgrp, 0);
	}
	pw_waker_end_sleep(reactor->waker);
	if (PW_TP_ON()) pw__tp_reactor_wake(reactor, pfd.revents != 0);

	/* The time asleep is idle time of the reactor, not of its threads. */
	now = spdk_get_ticks();
	reactor->idle_tsc += now - reactor->tsc_last;
	reactor->tsc_last = now;
	reactor->last_fd_check_tsc = now;
	return true;
}

/* ---------------------------------------------------------------------------
 * Options (pinwheel/event.h)
 * ------------------------------------------------------------------------- */

#define OPT_FITS(size, field) \
	(offsetof(struct pw_reactor_opts, field) + sizeof(((struct pw_reactor_opts *)0)->field) <= (size))

PW_EXPORT void
pw_reactor_opts_init(struct pw_reactor_opts *opts, size_t opts_size)
{
	struct pw_reactor_opts def = {
		.opts_size = sizeof(def),
		.sleep = true,
		.spin_us = 100,
		.idle_poller_sleep_us = 0,
	};

	if (opts == NULL || opts_size == 0) {
		SPDK_ERRLOG("pw_reactor_opts_init: %s\n", opts == NULL ? "NULL opts" : "opts_size 0");
		return;
	}
	def.opts_size = opts_size;
	memcpy(opts, &def, spdk_min(opts_size, sizeof(def)));
}

/* Store the options and their tick values (with g_opts_lock held). */
static void
opts_apply(const struct pw_reactor_opts *cur)
{
	uint64_t hz = spdk_get_ticks_hz();

	g_opts = *cur;
	atomic_store(&g_sleep_enabled, cur->sleep);
	atomic_store(&g_spin_ticks, hz * cur->spin_us / SPDK_SEC_TO_USEC);
	atomic_store(&g_idle_poller_sleep_ticks, hz * cur->idle_poller_sleep_us / SPDK_SEC_TO_USEC);
}

PW_EXPORT int
pw_reactor_set_opts(const struct pw_reactor_opts *opts)
{
	struct pw_reactor_opts cur;

	if (opts == NULL || opts->opts_size == 0) {
		SPDK_ERRLOG("pw_reactor_set_opts: %s\n", opts == NULL ? "NULL opts" :
			    "opts_size 0 (use pw_reactor_opts_init)");
		return -EINVAL;
	}
	pthread_mutex_lock(&g_opts_lock);
	cur = g_opts;
	if (OPT_FITS(opts->opts_size, sleep)) {
		cur.sleep = opts->sleep;
	}
	if (OPT_FITS(opts->opts_size, spin_us)) {
		cur.spin_us = opts->spin_us;
	}
	if (OPT_FITS(opts->opts_size, idle_poller_sleep_us)) {
		cur.idle_poller_sleep_us = opts->idle_poller_sleep_us;
	}
	opts_apply(&cur);
	pthread_mutex_unlock(&g_opts_lock);
	return 0;
}

PW_EXPORT void
pw_reactor_get_opts(struct pw_reactor_opts *opts, size_t opts_size)
{
	struct pw_reactor_opts cur;

	if (opts == NULL || opts_size == 0) {
		SPDK_ERRLOG("pw_reactor_get_opts: %s\n", opts == NULL ? "NULL opts" : "opts_size 0");
		return;
	}
	pthread_mutex_lock(&g_opts_lock);
	cur = g_opts;
	pthread_mutex_unlock(&g_opts_lock);
	cur.opts_size = opts_size;
	memcpy(opts, &cur, spdk_min(opts_size, sizeof(cur)));
}

void
pw__reactor_opts_refresh(void)
{
	pthread_mutex_lock(&g_opts_lock);
	opts_apply(&g_opts);
	pthread_mutex_unlock(&g_opts_lock);
}

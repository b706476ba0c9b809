/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Sleeping drivers: what a loop that polls lightweight threads needs in order
 * to sleep when they have nothing to do, and to be woken, at the cost of a
 * system call only when it actually sleeps.
 *
 * The protocol, for a driver that polls a set of threads:
 *  1. once, attach one waker to each thread it polls: pw_thread_set_waker();
 *  2. when it wants to sleep: pw_waker_prepare_sleep(), then look once more
 *     for work (pw_thread_has_pending_messages() on each thread, and its own
 *     queues); if there is none, wait on pw_waker_get_fd() (with a timeout
 *     for the next timed poller: spdk_thread_next_poller_expiration()); then
 *     pw_waker_end_sleep().
 * A sender that queues a message for one of the threads after step 2 began
 * sees the sleeping flag and writes the waker's eventfd; one that queued it
 * before is seen by the driver's last look. The orderings are in
 * doc/design.md ("Wake-ups").
 */

#ifndef PINWHEEL_THREAD_H
#define PINWHEEL_THREAD_H

#include "spdk/stdinc.h"
#include "spdk/thread.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A wake-up handle: a sleeping flag and an eventfd (opaque). */
struct pw_waker;

/**
 * Create a waker. Any pthread.
 *
 * \return 0 with *\p waker set; -ENOMEM or the eventfd error (logged).
 */
int pw_waker_create(struct pw_waker **waker);

/**
 * Destroy a waker. NULL is a no-op. A sender reads a thread's waker before
 * its message becomes visible and writes it after, so destroy a waker only
 * once no thread uses it and no sender can still be sending to one that did
 * (for a reactor-like driver: after its threads are destroyed and the
 * pthreads that message them have stopped).
 */
void pw_waker_destroy(struct pw_waker *waker);

/** The eventfd that becomes readable when the waker is woken (owned by the waker). */
int pw_waker_get_fd(const struct pw_waker *waker);

/** Wake the waker's driver now (any pthread; async-signal-safe; NULL is a no-op). */
void pw_waker_wake(struct pw_waker *waker);

/**
 * Work was just queued for the waker's driver (with a sequentially consistent
 * atomic operation): wake it if, and only if, it sleeps. Any pthread;
 * async-signal-safe; NULL is a no-op. For a driver's own queues; spdk_thread_send_msg() does
 * the same check between claiming its slot and publishing the message.
 */
void pw_waker_notify(struct pw_waker *waker);

/**
 * Announce that the driver is about to sleep. From now on senders wake it.
 * Call from the driver, then look for work once more before waiting. NULL is
 * logged and ignored (as for pw_waker_end_sleep() and pw_waker_drain()).
 */
void pw_waker_prepare_sleep(struct pw_waker *waker);

/** The driver is awake again (or decided not to sleep): senders stop waking it. */
void pw_waker_end_sleep(struct pw_waker *waker);

/** Read and clear the eventfd (for drivers that do not wait through an fd group). */
void pw_waker_drain(struct pw_waker *waker);

/**
 * Attach \p waker to \p thread (NULL detaches): senders of messages to the
 * thread wake it while it sleeps. Call from the pthread that polls the thread,
 * between its slices.
 */
void pw_thread_set_waker(struct spdk_thread *thread, struct pw_waker *waker);

/** The waker attached to \p thread, or NULL. */
struct pw_waker *pw_thread_get_waker(struct spdk_thread *thread);

/**
 * Whether a message (or the critical message) is queued for \p thread or being
 * queued. Call from the pthread that polls it.
 */
bool pw_thread_has_pending_messages(struct spdk_thread *thread);

/**
 * The fd group of \p thread's interrupt sources if it has one, else NULL
 * (never creates one, unlike spdk_thread_get_interrupt_fd_group()).
 */
struct spdk_fd_group *pw_thread_get_fd_group(struct spdk_thread *thread);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_THREAD_H */

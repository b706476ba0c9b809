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
 *
 * A parked thread (pw_thread_park(), including one woken and not yet taken
 * from its lot) keeps its waker: a change is refused (logged, the waker stays
 * as it was; pw_thread_get_waker() tells), because its senders would then
 * lose its wake-up (no waker: they would not put it on its lot; another one:
 * they would wake a driver that does not hold its lot). Take it back first
 * (pw_park_lot_take() or pw_thread_unpark()). Setting the waker it already
 * has is accepted. NULL \p thread is logged and ignored.
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

/**
 * \p thread's cpumask, read-only, without making the private copy that
 * spdk_thread_get_cpumask() makes (doc/design.md "Shared cpumasks"): what a
 * driver or a scheduler reads when it places threads. Any pthread, while
 * \p thread is alive; the set may be shared with other threads and must not
 * be written (cast away const at your peril).
 *
 * The pointer stays valid until \p thread is destroyed. It is the
 * authoritative mask until the first spdk_thread_get_cpumask() or
 * spdk_thread_set_cpumask() of \p thread; from then on it may be stale, so
 * call this again rather than keep it across those. Reading it while the
 * thread's owner changes the mask is a data race, as in SPDK.
 *
 * \return never NULL for a valid thread; NULL (logged) for a NULL \p thread.
 */
const struct spdk_cpuset *pw_thread_get_cpumask(const struct spdk_thread *thread);

/**
 * \defgroup pw_park Parked threads
 *
 * A driver that polls many threads can leave out those with nothing to do:
 * it parks a thread after a slice (pw_thread_park()), stops polling it, and
 * polls it again once a waker put it back (pw_park_lot_take()): a message from
 * any pthread, a critical message (pw_park_lot_check_critical()), or the
 * handler of one of its interrupt sources. Its timed pollers are the driver's
 * to watch: spdk_thread_next_poller_expiration() does not change while it is
 * parked; when it is due the driver takes it back with pw_thread_unpark().
 * A parked thread's idle time keeps accruing: its next slice, or
 * spdk_thread_get_stats() read with it current, adds the time since its last
 * slice. Parking is optional: a driver that never calls pw_thread_park() polls
 * every thread as before (the reactors of the event framework park).
 *
 * Sleeping with parked threads: after pw_waker_prepare_sleep(), the driver's
 * last look includes pw_park_lot_pending(); a waker of a parked thread wakes
 * the thread's waker (pw_thread_set_waker(), which a driver that parks must
 * attach: its own) when it sleeps. The argument is in doc/design.md
 * ("Parked threads").
 * @{
 */

/** A driver's parking lot: the list of its parked threads woken since it last looked (opaque). */
struct pw_park_lot;

/**
 * Create a parking lot. Any pthread.
 *
 * \return 0 with *\p lot set; -EINVAL (NULL \p lot) or -ENOMEM (logged).
 */
int pw_park_lot_create(struct pw_park_lot **lot);

/**
 * Destroy a lot. NULL is a no-op. Call once no thread is parked in it and
 * every woken thread was taken, and after the pthreads that message its
 * threads stopped (as for pw_waker_destroy()). Woken threads not taken are
 * made active (logged); while a thread is still parked in it the lot is not
 * freed (logged: a waker would use it), so unpark those first.
 */
void pw_park_lot_destroy(struct pw_park_lot *lot);

/**
 * After a slice of \p thread: park it in \p lot if it has nothing to do (no
 * message queued or being queued, no untimed poller, no timed poller due, no
 * post-poller handler, no pending housekeeping, no exit in progress, a waker
 * attached (pw_thread_set_waker()), and not driven through
 * spdk_thread_get_interrupt_fd()). From the pthread that polls
 * it, between its slices, with the thread not parked.
 *
 * \return true: parked, do not poll it until pw_park_lot_take() returns it
 * or pw_thread_unpark() returns true for it; false: it stays active (also
 * logged for a NULL argument or a thread already parked).
 */
bool pw_thread_park(struct spdk_thread *thread, struct pw_park_lot *lot);

/**
 * Take \p thread back from parking without a waker (its timed poller is due,
 * the driver must move or exit it). From the pthread that polls it.
 *
 * \return true: it was parked and is active again (poll it); false: a waker
 * already put it on its lot's list, and pw_park_lot_take() returns it, or it
 * was not parked (logged), or \p thread is NULL (logged).
 */
bool pw_thread_unpark(struct spdk_thread *thread);

/** Whether \p thread is parked or woken but not yet taken (its driver's view; NULL: false). */
bool pw_thread_is_parked(struct spdk_thread *thread);

/**
 * The next thread of \p lot woken since it was parked, now active again (in
 * the order they were woken), or NULL (also for a NULL \p lot, logged). The
 * lot's driver only.
 */
struct spdk_thread *pw_park_lot_take(struct pw_park_lot *lot);

/**
 * Whether a critical message was sent (to any thread) since the last call
 * for \p lot: then take back with pw_thread_unpark() each thread parked in it
 * for which pw_thread_has_pending_messages() is true. The lot's driver only;
 * NULL: false.
 */
bool pw_park_lot_check_critical(struct pw_park_lot *lot);

/**
 * The last look of a driver about to sleep (after pw_waker_prepare_sleep()):
 * whether a thread of \p lot was woken and not yet taken, or a critical
 * message was sent since pw_park_lot_check_critical() last looked. The lot's
 * driver only; NULL: false.
 */
bool pw_park_lot_pending(struct pw_park_lot *lot);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_THREAD_H */

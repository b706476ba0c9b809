/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Lightweight threads, messages, pollers, I/O devices and channels, spinlocks.
 *
 * An spdk_thread is not a pthread: it is a queue of messages plus a set of
 * pollers, run one time slice at a time by whoever calls spdk_thread_poll() on
 * it (a reactor of the event framework, or any loop of your own). The library
 * itself never creates a pthread.
 *
 * Vocabulary used below:
 * - "the current thread" is the spdk_thread whose slice is running on the
 *   calling pthread (spdk_get_thread()), or the one set by spdk_set_thread();
 * - "on the thread" means: called from that thread's messages, pollers or
 *   channel callbacks, or with it set current;
 * - "any pthread" includes pthreads that host no spdk_thread at all.
 *
 * Where Pinwheel differs from SPDK on purpose the function says so; README.md
 * lists every difference.
 */

#ifndef SPDK_THREAD_H_
#define SPDK_THREAD_H_

#include "spdk/stdinc.h"
#include "spdk/assert.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/fd_group.h"
#include "spdk/likely.h"
#include "spdk/queue.h"
#include "spdk/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a poller returns: whether it found work. */
enum spdk_thread_poller_rc {
	SPDK_POLLER_IDLE,	/**< nothing to do this time */
	SPDK_POLLER_BUSY,	/**< did some work */
};

/** A lightweight thread (opaque). */
struct spdk_thread;

/** A function called repeatedly on one spdk_thread (opaque). */
struct spdk_poller;

/** State of a spdk_for_each_channel() walk (opaque). */
struct spdk_io_channel_iter;

/**
 * Called by spdk_thread_create() for every new thread when the library was
 * initialised with spdk_thread_lib_init(). The callee must arrange for the
 * thread to be polled (spdk_thread_poll()) from now on.
 *
 * \return 0 to accept the thread; anything else makes spdk_thread_create() fail.
 */
typedef int (*spdk_new_thread_fn)(struct spdk_thread *thread);

/** Operations the thread library asks of the code that drives threads. */
enum spdk_thread_op {
	/** A thread was created: start polling it (return 0) or refuse it. */
	SPDK_THREAD_OP_NEW,
	/** The thread's cpumask changed (spdk_thread_set_cpumask()): move it between slices. */
	SPDK_THREAD_OP_RESCHED,
};

/** Performs \p op for \p thread; returns 0 on success or a negative errno. */
typedef int (*spdk_thread_op_fn)(struct spdk_thread *thread, enum spdk_thread_op op);

/** Tells whether the driver supports \p op. */
typedef bool (*spdk_thread_op_supported_fn)(enum spdk_thread_op op);

/** A message: runs on the target thread with the context given at send time. */
typedef void (*spdk_msg_fn)(void *ctx);

/** Unused by Pinwheel; kept because SPDK's header declares it. */
typedef void (*spdk_thread_pass_msg)(spdk_msg_fn fn, void *ctx, void *thread_ctx);

/**
 * A poller: called on its thread, as often as possible (period 0) or once per
 * period.
 *
 * \return SPDK_POLLER_BUSY (positive) if it did work, SPDK_POLLER_IDLE (0) if
 * not, or a negative value if it cannot tell (counted as neither busy nor
 * idle for the poller, and as idle for the thread).
 */
typedef int (*spdk_poller_fn)(void *ctx);

/** Switches \p poller to interrupt mode (true) or back to polling (false). */
typedef void (*spdk_poller_set_interrupt_mode_cb)(struct spdk_poller *poller, void *cb_arg,
		bool interrupt_mode);

/** Creates the per-thread context of a channel in \p ctx_buf; returns 0 or a negative errno. */
typedef int (*spdk_io_channel_create_cb)(void *io_device, void *ctx_buf);

/** Releases what spdk_io_channel_create_cb set up in \p ctx_buf. */
typedef void (*spdk_io_channel_destroy_cb)(void *io_device, void *ctx_buf);

/** Called once an unregistered device has no channel left. */
typedef void (*spdk_io_device_unregister_cb)(void *io_device);

/** Called on each thread that has a channel, during spdk_for_each_channel(). */
typedef void (*spdk_channel_msg)(struct spdk_io_channel_iter *i);

/** Completion of spdk_for_each_channel(); \p status is 0 or the first non-zero status. */
typedef void (*spdk_channel_for_each_cpl)(struct spdk_io_channel_iter *i, int status);

/** Size of the channel header; a channel's context starts this many bytes after it. */
#define SPDK_IO_CHANNEL_STRUCT_SIZE	96

/** Per-thread cache size SPDK uses for message objects (kept for source compatibility). */
#define SPDK_MSG_MEMPOOL_CACHE_SIZE	1024
/** Default bound on messages in flight in the whole process. */
#define SPDK_DEFAULT_MSG_MEMPOOL_SIZE	(262144 - 1)

/**
 * Initialise the thread library with a new-thread hook.
 *
 * Call once, from any pthread, before creating threads; may be called again
 * after spdk_thread_lib_fini().
 *
 * \param new_thread_fn Called for each new thread (may be NULL: threads are then
 * polled by whoever created them).
 * \param ctx_sz Bytes of per-thread context for the driver (spdk_thread_get_ctx()).
 * \return 0; -EALREADY if already initialised; -ENOMEM.
 */
int spdk_thread_lib_init(spdk_new_thread_fn new_thread_fn, size_t ctx_sz);

/**
 * Initialise the thread library with an operation hook (NEW and RESCHED).
 *
 * \param thread_op_fn Performs operations; must be given together with
 * \p thread_op_supported_fn, or both NULL.
 * \param thread_op_supported_fn Tells which operations \p thread_op_fn supports.
 * \param ctx_sz Bytes of per-thread context for the driver.
 * \param msg_mempool_size Bound on messages in flight in the process (0 means
 * \ref SPDK_DEFAULT_MSG_MEMPOOL_SIZE). Pinwheel keeps messages in per-thread
 * queues of 255-message segments; this bounds the number of segments, so the
 * effective bound is rounded up to a multiple of 255.
 * \return 0; -EINVAL if only one of the two functions is given; -EALREADY if
 * already initialised; -ENOMEM.
 */
int spdk_thread_lib_init_ext(spdk_thread_op_fn thread_op_fn,
			     spdk_thread_op_supported_fn thread_op_supported_fn,
			     size_t ctx_sz, size_t msg_mempool_size);

/**
 * Release the library. Every thread should have been destroyed; leftovers
 * (threads, devices) are logged. The app thread, kept alive by
 * spdk_thread_destroy(), is freed here.
 */
void spdk_thread_lib_fini(void);

/**
 * Create a thread.
 *
 * The first thread created becomes the app thread. The new-thread hook (or the
 * NEW operation) is called before this returns.
 *
 * \param name Name (copied; truncated to 256 characters); NULL gives a generated name.
 * \param cpumask Cores the thread may run on (copied); NULL means every core.
 * A hint for the driver.
 * \return the thread, or NULL if the library is not initialised, memory is
 * exhausted or the hook refused it (logged).
 */
struct spdk_thread *spdk_thread_create(const char *name, const struct spdk_cpuset *cpumask);

/** The app thread (the first thread created), or NULL. Any pthread. */
struct spdk_thread *spdk_thread_get_app_thread(void);

/** Whether \p thread (NULL: the current thread) is the app thread. Any pthread. */
bool spdk_thread_is_app_thread(struct spdk_thread *thread);

/**
 * Make \p thread the current thread of the calling pthread (NULL: none).
 * Used by drivers and tests; spdk_thread_poll() sets and restores it itself.
 */
void spdk_set_thread(struct spdk_thread *thread);

/**
 * Bind (true) or unbind \p thread to the core it runs on: a bound thread is
 * never moved by a scheduler. Call on the thread.
 */
void spdk_thread_bind(struct spdk_thread *thread, bool bind);

/** Whether \p thread is bound. Any pthread. */
bool spdk_thread_is_bound(struct spdk_thread *thread);

/**
 * Start exiting the current thread. Call on \p thread (from one of its
 * messages or pollers).
 *
 * The thread becomes EXITING: messages still arrive and run, pollers still
 * run, channels can still be obtained. It becomes EXITED at the end of a poll
 * once its queue is empty, no poller, channel, for-each walk or device
 * unregistration of its own is left; or 5 seconds (in ticks) after this call,
 * forcefully, with an error naming what was left.
 *
 * \return 0 (also when already exiting); -EINVAL (logged) if \p thread is not
 * the current thread.
 */
int spdk_thread_exit(struct spdk_thread *thread);

/** Whether \p thread is EXITED (ready for spdk_thread_destroy()). Any pthread. */
bool spdk_thread_is_exited(struct spdk_thread *thread);

/** Whether \p thread is RUNNING (spdk_thread_exit() not called yet). Any pthread. */
bool spdk_thread_is_running(struct spdk_thread *thread);

/**
 * Free an EXITED thread. Call from the pthread that polls it, not from inside
 * its own slice. The app thread is kept until spdk_thread_lib_fini().
 * Destroying a thread that is not EXITED, or that is parked (pinwheel/thread.h:
 * still in a parking lot), is refused with an error log.
 */
void spdk_thread_destroy(struct spdk_thread *thread);

/** The driver's per-thread context (ctx_sz bytes), or NULL if ctx_sz was 0. */
void *spdk_thread_get_ctx(struct spdk_thread *thread);

/**
 * The thread's cpumask (owned by the thread, valid until it is destroyed):
 * writable, and what the thread library and its driver then use. Any
 * pthread. The first call makes the thread's private copy (threads share
 * equal masks until then); if that copy cannot be allocated, the call logs
 * an error and returns a copy private to the calling pthread whose changes
 * are lost: refilled by the next such call on that pthread (for any thread)
 * and valid only until that pthread exits, so use it at once and do not
 * keep it (spdk_thread_set_cpumask() changes the mask, or returns -ENOMEM
 * while the copy still cannot be made). NULL (logged) only for a NULL
 * \p thread. Readers that do not write it:
 * pw_thread_get_cpumask() (pinwheel/thread.h), which makes no copy.
 */
struct spdk_cpuset *spdk_thread_get_cpumask(struct spdk_thread *thread);

/**
 * Change the current thread's cpumask and ask the driver to move it
 * (SPDK_THREAD_OP_RESCHED). The move happens between slices, never during one;
 * if called several times in one slice, the last mask wins.
 *
 * \return 0; -ENOTSUP if the driver has no RESCHED operation; -EINVAL if there
 * is no current thread or \p cpumask is NULL; -ENOMEM if the thread's private
 * copy of its mask (see spdk_thread_get_cpumask()) cannot be allocated, the
 * mask unchanged. Logged.
 */
int spdk_thread_set_cpumask(struct spdk_cpuset *cpumask);

/** The thread that owns driver context \p ctx (from spdk_thread_get_ctx()). */
struct spdk_thread *spdk_thread_get_from_ctx(void *ctx);

/**
 * Run one slice of \p thread on the calling pthread: the critical message,
 * then up to \p max_msgs messages, then every untimed poller, then every timed
 * poller whose time has come. The thread is current during the slice.
 *
 * A thread must never be polled by two pthreads at the same time.
 *
 * \param max_msgs Most messages to run (0: the default, 8).
 * \param now Current tick count; 0 makes the call read it. The slice is
 * accounted from \p now to the tick read at its end.
 * \return 1 (or a poller's larger value) if any work was done, 0 if none.
 */
int spdk_thread_poll(struct spdk_thread *thread, uint32_t max_msgs, uint64_t now);

/** Tick at which the earliest timed poller is due, or 0 if there is none. */
uint64_t spdk_thread_next_poller_expiration(struct spdk_thread *thread);

/** 1 if the thread has an untimed poller (paused ones excluded), 0 otherwise. */
int spdk_thread_has_active_pollers(struct spdk_thread *thread);

/** Whether the thread has any poller at all, paused ones included. */
bool spdk_thread_has_pollers(struct spdk_thread *thread);

/** Whether the thread has no queued message and no unpaused poller. */
bool spdk_thread_is_idle(struct spdk_thread *thread);

/** Number of threads in existence (created and not yet destroyed). Any pthread. */
uint32_t spdk_thread_get_count(void);

/** The current thread of the calling pthread, or NULL. */
struct spdk_thread *spdk_get_thread(void);

/** The thread's name (owned by the thread). */
const char *spdk_thread_get_name(const struct spdk_thread *thread);

/** The thread's id: unique, starting at 1, increasing in creation order. */
uint64_t spdk_thread_get_id(const struct spdk_thread *thread);

/** The live thread with id \p id, or NULL (an invalid id is logged). Any pthread. */
struct spdk_thread *spdk_thread_get_by_id(uint64_t id);

/** Time a thread spent in slices that did work (busy) and in slices that did not (idle). */
struct spdk_thread_stats {
	uint64_t busy_tsc;	/**< ticks in busy slices */
	uint64_t idle_tsc;	/**< ticks in idle slices */
};

/**
 * Copy the current thread's statistics into \p stats.
 *
 * \return 0; -EINVAL if there is no current thread or \p stats is NULL.
 */
int spdk_thread_get_stats(struct spdk_thread_stats *stats);

/** Tick at which the thread's last slice ended (NULL: the current thread). */
uint64_t spdk_thread_get_last_tsc(struct spdk_thread *thread);

/**
 * Send a message: \p fn(\p ctx) will run on \p thread, after this call
 * returns, in the order sent by this sender (FIFO per sending thread or
 * pthread). Any pthread may send, including from a message or poller of the
 * target itself.
 *
 * Cost: no allocation, no lock and no system call in the steady state.
 *
 * \return 0; -EINVAL (logged) for a NULL \p thread or \p fn; -EIO (logged,
 * rate-limited) if \p thread has exited; -ENOMEM (logged, rate-limited) if the
 * process already has msg_mempool_size messages in flight — send again once
 * they drain. Nothing is ever dropped after a 0 return. (SPDK aborts in
 * several of these cases; Pinwheel returns the error.)
 */
int spdk_thread_send_msg(const struct spdk_thread *thread, spdk_msg_fn fn, void *ctx);

/**
 * Send the one critical message a thread may have outstanding: \p fn(NULL)
 * runs at the start of the thread's next slice, before other messages.
 * Async-signal-safe: meant for signal handlers.
 *
 * \return 0; -EIO if a critical message is already outstanding; -EINVAL for
 * NULL arguments.
 */
int spdk_thread_send_critical_msg(struct spdk_thread *thread, spdk_msg_fn fn);

/**
 * Run \p fn(\p ctx) now if \p thread is the current thread, otherwise send it
 * as a message. Returns what spdk_thread_send_msg() returns, or 0.
 */
static inline int
spdk_thread_exec_msg(const struct spdk_thread *thread, spdk_msg_fn fn, void *ctx)
{
	assert(thread != NULL);

	if (spdk_get_thread() == thread) {
		fn(ctx);
		return 0;
	}

	return spdk_thread_send_msg(thread, fn, ctx);
}

/**
 * Run \p fn(\p ctx) on every thread, one after the other in creation order,
 * then \p cpl(\p ctx) on the calling thread. Nothing runs before this returns.
 * Threads that are exiting are skipped, except the first one. Call on a
 * thread; the caller cannot become EXITED before \p cpl has run.
 *
 * On failure to start (no current thread, no memory) \p cpl runs at once,
 * with the error logged.
 */
void spdk_for_each_thread(spdk_msg_fn fn, void *ctx, spdk_msg_fn cpl);

/** Function called once after the current poller returns. */
typedef void (*spdk_post_poller_fn)(void *fn_arg);

/**
 * Call \p fn(\p fn_arg) once, right after the poller that is running now
 * returns (or, outside a poller, after the current message or at the end of
 * the slice). At most 4 may be pending; more are refused with an error log
 * and the caller must fall back. The first one of a thread that has no poller,
 * interrupt source or post-poller handler yet needs memory (the thread's
 * poller block): without it the handler is refused the same way (logged; as
 * in SPDK the call returns nothing). Call on the thread.
 */
void spdk_thread_register_post_poller_handler(spdk_post_poller_fn fn, void *fn_arg);

/** Not used by Pinwheel's tracing; returns 0. */
uint16_t spdk_thread_get_trace_id(struct spdk_thread *thread);

/**
 * Register a poller on the current thread.
 *
 * \param fn Called every \p period_microseconds (0: on every slice).
 * \param arg Passed to \p fn (borrowed).
 * \param period_microseconds Period; 0 for an untimed (active) poller.
 * \return the poller, or NULL (logged) with no current thread, a NULL \p fn,
 * an exited thread or no memory.
 */
struct spdk_poller *spdk_poller_register(spdk_poller_fn fn, void *arg,
		uint64_t period_microseconds);

/**
 * spdk_poller_register() with a name (copied, truncated to 256 characters);
 * NULL names it after the address of \p fn.
 */
struct spdk_poller *spdk_poller_register_named(spdk_poller_fn fn, void *arg,
		uint64_t period_microseconds, const char *name);

/** Register a poller named after its function. */
#define SPDK_POLLER_REGISTER(fn, arg, period_microseconds)	\
	spdk_poller_register_named(fn, arg, period_microseconds, #fn)

/**
 * Unregister a poller and write NULL to \p *ppoller. Call on the poller's
 * thread, from anywhere, including the poller itself. The poller never runs
 * again. NULL or a pointer to NULL is a no-op. A timed poller leaves the timer
 * structure at once (SPDK waits for its next expiry).
 */
void spdk_poller_unregister(struct spdk_poller **ppoller);

/**
 * Pause a poller: it does not run until resumed. Call on its thread,
 * including from the poller itself. Pausing a paused poller is a no-op.
 */
void spdk_poller_pause(struct spdk_poller *poller);

/**
 * Resume a paused poller. A timed poller runs again one period after the
 * resume. Resuming a running poller is a no-op. Call on its thread.
 */
void spdk_poller_resume(struct spdk_poller *poller);

/**
 * Mark an untimed poller as able to work from interrupts: \p cb_fn (may be
 * NULL) is called with true when its thread enters interrupt mode and false
 * when it leaves; while its thread is in interrupt mode the poller is not run
 * on every slice (its interrupt sources, registered with
 * spdk_interrupt_register(), drive the work), so the thread's reactor may
 * sleep. If the thread is already in interrupt mode, \p cb_fn is called at
 * once. Call on the poller's thread.
 */
void spdk_poller_register_interrupt(struct spdk_poller *poller,
				    spdk_poller_set_interrupt_mode_cb cb_fn, void *cb_arg);

/**
 * Register \p io_device (any unique pointer) as an I/O device. Any thread may
 * then get a channel for it with spdk_get_io_channel(). Call on a thread.
 *
 * \param create_cb Creates a channel's context (must not be NULL).
 * \param destroy_cb Destroys a channel's context (must not be NULL).
 * \param ctx_size Bytes of context per channel.
 * \param name Name for logs (copied); NULL uses the address.
 *
 * Registering the same pointer twice keeps the first registration (logged).
 */
void spdk_io_device_register(void *io_device, spdk_io_channel_create_cb create_cb,
			     spdk_io_channel_destroy_cb destroy_cb, uint32_t ctx_size,
			     const char *name);

/**
 * Unregister an I/O device. No new channel can be obtained; \p unregister_cb
 * (may be NULL) runs on the calling thread once the last channel is gone and
 * no spdk_for_each_channel() walk is outstanding. The calling thread cannot
 * become EXITED before that. Call on a thread.
 */
void spdk_io_device_unregister(void *io_device, spdk_io_device_unregister_cb unregister_cb);

/**
 * Get the current thread's channel for \p io_device, creating it (create_cb)
 * on first use; later calls on the same thread return the same channel with
 * one more reference.
 *
 * \return the channel, or NULL (logged) for an unknown device, no current
 * thread, an exited thread, no memory or a failing create_cb.
 */
struct spdk_io_channel *spdk_get_io_channel(void *io_device);

/**
 * Drop a reference to a channel. When the last one is dropped, the channel is
 * destroyed (destroy_cb) by a message on its thread, unless a new reference is
 * taken before that message runs. Call on the channel's thread.
 */
void spdk_put_io_channel(struct spdk_io_channel *ch);

/** The channel's context (ctx_size bytes after the channel header). */
static inline void *
spdk_io_channel_get_ctx(struct spdk_io_channel *ch)
{
	if (spdk_unlikely(!ch)) {
		assert(false);
		return NULL;
	}

	return (uint8_t *)ch + SPDK_IO_CHANNEL_STRUCT_SIZE;
}

/** The channel whose context is \p ctx (inverse of spdk_io_channel_get_ctx()). */
struct spdk_io_channel *spdk_io_channel_from_ctx(void *ctx);

/** The thread that owns the channel. */
struct spdk_thread *spdk_io_channel_get_thread(struct spdk_io_channel *ch);

/** The device pointer the channel belongs to. */
void *spdk_io_channel_get_io_device(struct spdk_io_channel *ch);

/**
 * Take one more reference to a channel (released with spdk_put_io_channel()).
 * Call on the channel's thread. Returns \p ch.
 */
struct spdk_io_channel *spdk_io_channel_ref(struct spdk_io_channel *ch);

/**
 * Call \p fn on every thread that has a channel for \p io_device, one at a
 * time in ascending thread id, each time on that thread; \p fn must call
 * spdk_for_each_channel_continue() (now or later, on that thread). A non-zero
 * status stops the walk. Then \p cpl runs on the calling thread. Nothing runs
 * before this returns. Call on a thread.
 *
 * An unknown device or one being unregistered completes at once with -ENODEV.
 */
void spdk_for_each_channel(void *io_device, spdk_channel_msg fn, void *ctx,
			   spdk_channel_for_each_cpl cpl);

/** Device of the walk. */
void *spdk_io_channel_iter_get_io_device(struct spdk_io_channel_iter *i);

/** Channel being visited (NULL in the completion). */
struct spdk_io_channel *spdk_io_channel_iter_get_channel(struct spdk_io_channel_iter *i);

/** Context given to spdk_for_each_channel(). */
void *spdk_io_channel_iter_get_ctx(struct spdk_io_channel_iter *i);

/** Continue a walk from the visited thread; a non-zero \p status ends it. */
void spdk_for_each_channel_continue(struct spdk_io_channel_iter *i, int status);

/** An interrupt source registered on a thread (opaque). */
struct spdk_interrupt;

/**
 * Handler of an interrupt source; runs on its thread (current thread set).
 *
 * \return 0 if nothing was found, positive if work was done, negative if unknown.
 */
typedef int (*spdk_interrupt_fn)(void *ctx);

/** Event types an interrupt source can wait for. */
enum spdk_interrupt_event_types {
	SPDK_INTERRUPT_EVENT_IN = EPOLLIN,	/**< readable */
	SPDK_INTERRUPT_EVENT_OUT = EPOLLOUT,	/**< writable */
	SPDK_INTERRUPT_EVENT_ET = EPOLLET	/**< edge-triggered */
};

/**
 * Register \p efd as an interrupt source of the current thread: \p fn(\p arg)
 * runs on the thread whenever \p efd is readable. The thread's sources form
 * its fd group (spdk_thread_get_interrupt_fd_group()); a reactor waits on them
 * while it sleeps.
 *
 * Unlike SPDK, this works whether or not interrupt mode is enabled.
 *
 * \param efd File descriptor (borrowed; the caller closes it after unregistering).
 * \param fn Handler, not NULL.
 * \param arg Passed to \p fn (borrowed).
 * \param name Name for logs (copied); NULL uses the address of \p fn.
 * \return the source, or NULL (logged) with no current thread, an exited
 * thread, a bad fd, an fd already registered, or no memory.
 */
struct spdk_interrupt *spdk_interrupt_register(int efd, spdk_interrupt_fn fn, void *arg,
		const char *name);

/** spdk_interrupt_register() waiting for \p events (a mask of spdk_interrupt_event_types). */
struct spdk_interrupt *spdk_interrupt_register_for_events(int efd, uint32_t events,
		spdk_interrupt_fn fn, void *arg, const char *name);

/** spdk_interrupt_register() with event types and fd type from \p opts (may be NULL). */
struct spdk_interrupt *spdk_interrupt_register_ext(int efd, spdk_interrupt_fn fn, void *arg,
		const char *name, struct spdk_event_handler_opts *opts);

/** Register an interrupt source named after its function. */
#define SPDK_INTERRUPT_REGISTER(efd, fn, arg) \
	spdk_interrupt_register(efd, fn, arg, #fn)

/** spdk_interrupt_register_for_events() named after its function. */
#define SPDK_INTERRUPT_REGISTER_FOR_EVENTS(efd, events, fn, arg) \
	spdk_interrupt_register_for_events(efd, events, fn, arg, #fn)

/** spdk_interrupt_register_ext() named after its function. */
#define SPDK_INTERRUPT_REGISTER_EXT(efd, fn, arg, opts) \
	spdk_interrupt_register_ext(efd, fn, arg, #fn, opts)

/**
 * Unregister an interrupt source and write NULL to \p *pintr. Call on its
 * thread, also from inside its own handler. NULL or a pointer to NULL is a no-op.
 */
void spdk_interrupt_unregister(struct spdk_interrupt **pintr);

/**
 * Change the event types of an interrupt source. Call on its thread.
 *
 * \return 0, or a negative errno (logged): -EINVAL for NULL or the wrong thread.
 */
int spdk_interrupt_set_event_types(struct spdk_interrupt *intr,
				   enum spdk_interrupt_event_types event_types);

/**
 * A file descriptor that becomes readable when \p thread has something to do:
 * an interrupt source is ready, or (when no driver such as a reactor looks
 * after the thread's wake-ups) a message arrived. A foreign event loop (libuv,
 * an epoll loop) can wait on it, then call spdk_thread_poll(): that slice
 * clears the fd and runs the thread's ready interrupt sources. Creates the
 * thread's fd group on first use. Call from the pthread that polls the thread
 * (or before anyone polls it): the first call changes the thread's wake-up
 * set-up without a lock.
 *
 * \return the fd, or a negative errno (logged).
 */
int spdk_thread_get_interrupt_fd(struct spdk_thread *thread);

/**
 * The fd group of \p thread's interrupt sources (created on first use), or
 * NULL (logged). Owned by the thread. Call from the pthread that polls the
 * thread, or before anyone polls it. A thread destroyed while its group is
 * still nested in a group of yours cannot free it: unnest first.
 */
struct spdk_fd_group *spdk_thread_get_interrupt_fd_group(struct spdk_thread *thread);

/**
 * Enable interrupt mode for threads created from now on (they start in
 * interrupt mode). Call before spdk_thread_lib_init(); --interrupt-mode does.
 *
 * \return 0; -EBUSY (logged) if the thread library is already initialised.
 */
int spdk_interrupt_mode_enable(void);

/** Whether interrupt mode is enabled. */
bool spdk_interrupt_mode_is_enabled(void);

/**
 * Switch the current thread to interrupt mode (true) or back to polling.
 * Pollers registered with spdk_poller_register_interrupt() are told and, in
 * interrupt mode, no longer run on every slice. Interrupt mode must be
 * enabled (logged otherwise).
 */
void spdk_thread_set_interrupt_mode(bool enable_interrupt);

/**
 * A spinlock that checks how SPDK code uses it: only on an spdk_thread, never
 * re-locked by its holder, unlocked only by its holder, never held when a
 * message or poller returns, never destroyed while held. A violation is
 * logged and passed to the abort hook (see pinwheel/spinlock.h; by default it
 * aborts, as SPDK does).
 */
struct spdk_spinlock {
	pthread_spinlock_t spinlock;		/**< the lock itself */
	struct spdk_thread *thread;		/**< holder, or NULL */
	struct spdk_spinlock_internal *internal;	/**< debug data (unused) */
	bool initialized;			/**< spdk_spin_init() was called */
	bool destroyed;				/**< spdk_spin_destroy() was called */
};

/** Initialise a spinlock; any pthread. */
void spdk_spin_init(struct spdk_spinlock *sspin);

/** Destroy a spinlock that is not held; any pthread. */
void spdk_spin_destroy(struct spdk_spinlock *sspin);

/** Lock; must be on an spdk_thread that does not hold it already. */
void spdk_spin_lock(struct spdk_spinlock *sspin);

/** Unlock; must be on the spdk_thread that holds it. */
void spdk_spin_unlock(struct spdk_spinlock *sspin);

/** Whether the current spdk_thread holds the lock (misuse if there is none). */
bool spdk_spin_held(struct spdk_spinlock *sspin);

/* ---------------------------------------------------------------------------
 * iobuf: shared pools of data buffers with per-channel caches
 * ------------------------------------------------------------------------- */

/*
 * Two pools of buffers, small and large, shared by the whole process, from
 * which modules (bdev, NVMe-oF, accel, ... in SPDK) take their I/O buffers.
 * A module registers its name, then opens one spdk_iobuf_channel per thread
 * it runs on; the channel keeps a cache of buffers of each size, filled from
 * and returned to the shared pool in batches, so a get and a put on one
 * thread that hit the cache touch only the channel and the buffer. A get that
 * finds neither the cache nor the pool with a buffer can queue an entry: the
 * thread's wait queue of that size, shared by every module on the thread, is
 * served first come first served by the next puts on that thread.
 *
 * The buffers are ordinary memory (no hugepages), reserved by mmap at
 * spdk_iobuf_initialize() and only backed by RAM once touched, so pools a
 * program never uses cost address space but no resident memory. Every buffer
 * is aligned on 4 KiB and its size is a multiple of 4 KiB.
 */

/** Pool sizes, given to spdk_iobuf_set_opts() before spdk_iobuf_initialize(). */
struct spdk_iobuf_opts {
	/** Number of small buffers (at least 64; default 8192). */
	uint64_t small_pool_count;
	/** Number of large buffers (at least 8; default 1024). */
	uint64_t large_pool_count;
	/** Bytes of a small buffer (at least 4096, rounded up to 4 KiB; default 8 KiB). */
	uint32_t small_bufsize;
	/** Bytes of a large buffer (at least 8192, rounded up to 4 KiB; default 132 KiB). */
	uint32_t large_bufsize;
	/**
	 * sizeof(struct spdk_iobuf_opts) as the caller knows it: fields that end
	 * beyond it are neither read nor written (ABI compatibility).
	 */
	size_t opts_size;
	/** Per-NUMA-node pools (accepted; Pinwheel keeps one pool per size). */
	uint8_t enable_numa;
};

/** Counters of one pool (small or large) for one module. */
struct spdk_iobuf_pool_stats {
	/** Buffers the module's channels may cache (sum of their cache sizes). */
	uint32_t cache_size;
	/** Gets served from a channel's cache. */
	uint64_t cache;
	/** Gets served from the shared pool (one per batch taken). */
	uint64_t main;
	/** Gets that found no buffer (the entry, if any, was queued). */
	uint64_t retry;
};

/** Statistics of one registered module, as given by spdk_iobuf_get_stats(). */
struct spdk_iobuf_module_stats {
	struct spdk_iobuf_pool_stats small_pool;	/**< small buffers */
	struct spdk_iobuf_pool_stats large_pool;	/**< large buffers */
	const char *module;				/**< module name (borrowed) */
};

struct spdk_iobuf_entry;

/** A queued get is served: \p buf (the caller now owns it) for \p entry. */
typedef void (*spdk_iobuf_get_cb)(struct spdk_iobuf_entry *entry, void *buf);

/**
 * A wait-queue entry, owned by the caller (usually embedded in its request);
 * spdk_iobuf_get() fills it when it queues it. It must stay valid until its
 * callback runs or it is aborted.
 */
struct spdk_iobuf_entry {
	spdk_iobuf_get_cb cb_fn;		/**< set by spdk_iobuf_get() */
	const void *module;			/**< module of the queuing channel */
	STAILQ_ENTRY(spdk_iobuf_entry) stailq;	/**< wait-queue link */
};

/** The head of a buffer while it is free (a cache link); the caller owns the rest. */
struct spdk_iobuf_buffer {
	STAILQ_ENTRY(spdk_iobuf_buffer) stailq;	/**< cache link */
};

/** A wait queue. */
typedef STAILQ_HEAD(, spdk_iobuf_entry) spdk_iobuf_entry_stailq_t;
/** A channel's cache of free buffers. */
typedef STAILQ_HEAD(, spdk_iobuf_buffer) spdk_iobuf_buffer_stailq_t;

/** One size of a channel: its cache, the shared pool and the thread's wait queue. */
struct spdk_iobuf_pool_cache {
	struct spdk_ring *pool;			/**< the shared pool */
	spdk_iobuf_buffer_stailq_t cache;	/**< free buffers of this channel */
	uint32_t cache_count;			/**< buffers in \ref cache */
	uint32_t cache_size;			/**< buffers the channel keeps */
	spdk_iobuf_entry_stailq_t *queue;	/**< the thread's wait queue (shared by modules) */
	uint32_t bufsize;			/**< bytes per buffer */
	struct spdk_iobuf_pool_stats stats;	/**< this channel's counters */
};

/** Both sizes of a channel for one NUMA node. */
struct spdk_iobuf_node_cache {
	struct spdk_iobuf_pool_cache small;	/**< small buffers */
	struct spdk_iobuf_pool_cache large;	/**< large buffers */
};

#ifndef SPDK_CONFIG_MAX_NUMA_NODES
/** NUMA nodes a channel has caches for (Pinwheel: one). */
#define SPDK_CONFIG_MAX_NUMA_NODES 1
#endif

/**
 * A module's channel on one thread, owned by the caller (usually inside its
 * own per-thread channel context); set up by spdk_iobuf_channel_init(). Its
 * fields are the library's.
 */
struct spdk_iobuf_channel {
	const void *module;			/**< registered module */
	struct spdk_io_channel *parent;		/**< the thread's iobuf io_channel */
	struct spdk_iobuf_node_cache cache[SPDK_CONFIG_MAX_NUMA_NODES];	/**< caches */
};

/**
 * Reserve the pools with the options set by spdk_iobuf_set_opts() (sizes are
 * rounded up to 4 KiB then). Call once, on an spdk_thread (an I/O device is
 * registered), before any channel is opened. The pools belong to the library
 * until spdk_iobuf_finish().
 *
 * \return 0; -EALREADY (logged) if already initialised, or while a
 * spdk_iobuf_finish() is in progress; -ENOMEM (logged) if the address space
 * or the pools' rings cannot be had, a count is above 2^30 - 1, or count *
 * size overflows; -EINVAL (logged) with no current thread.
 */
int spdk_iobuf_initialize(void);

/** Completion of spdk_iobuf_finish(). */
typedef void (*spdk_iobuf_finish_cb)(void *cb_arg);

/**
 * Release the pools once every channel is closed: from this call on, no
 * channel can be opened (-ENODEV); when the last open one is closed the pools
 * are released and \p cb_fn (may be NULL) runs on the calling thread.
 * Registered modules are forgotten. Buffers still held by the application at
 * that moment are reported (one log line per size) and their memory is kept
 * mapped, so a late access does not crash; otherwise the memory is returned.
 * Call on an spdk_thread (usually the one that called
 * spdk_iobuf_initialize()).
 *
 * If iobuf is not initialised (never, or already finished, or being finished
 * by an earlier call), \p cb_fn runs at once, inside this call. Called with
 * no current spdk_thread while iobuf is initialised, it logs and does
 * nothing: \p cb_fn never runs.
 */
void spdk_iobuf_finish(spdk_iobuf_finish_cb cb_fn, void *cb_arg);

/**
 * Set the options used by the next spdk_iobuf_initialize(); \p opts is copied
 * (the fields within opts->opts_size). While iobuf is initialised the pools
 * keep their sizes, and spdk_iobuf_get_opts() shows the new options (as in
 * SPDK; the iobuf_set_options RPC method is refused then, being a STARTUP
 * method). Any pthread.
 *
 * \return 0; -EINVAL (logged) for NULL, an opts_size of 0, a count or size
 * below SPDK's minimum (64 small / 8 large buffers, 4096 / 8192 bytes), or a
 * size above 4294963200 (UINT32_MAX rounded down to 4 KiB; SPDK takes it and
 * its rounding wraps to 0). The count and size fields are checked whatever
 * opts_size says, as in SPDK; enable_numa is accepted (Pinwheel sees one
 * NUMA node) and changes nothing.
 */
int spdk_iobuf_set_opts(const struct spdk_iobuf_opts *opts);

/**
 * Copy the current options into \p opts, the fields within \p opts_size,
 * and set opts->opts_size. NULL or a size of 0 is logged and ignored.
 * Any pthread.
 */
void spdk_iobuf_get_opts(struct spdk_iobuf_opts *opts, size_t opts_size);

/**
 * Register a module by name (copied): only registered modules open channels.
 * Any pthread; usually before spdk_iobuf_initialize().
 *
 * \return 0; -EEXIST if the name is registered; -EINVAL (logged) for NULL;
 * -ENOMEM.
 */
int spdk_iobuf_register_module(const char *name);

/**
 * Forget a module. Any pthread.
 *
 * \return 0; -ENOENT if no module has that name; -EBUSY (logged) while a
 * channel of the module is open (SPDK frees it under the channel);
 * -EINVAL (logged) for NULL.
 */
int spdk_iobuf_unregister_module(const char *name);

/**
 * Open \p ch for module \p name on the current thread and fill its caches
 * with \p small_cache_size / \p large_cache_size buffers from the pools.
 * Call on an spdk_thread; \p ch is then used on that thread only. \p ch is
 * the caller's memory, written here; \p name is not kept.
 *
 * \return 0; -ENODEV (logged) for an unknown module or iobuf not
 * initialised (or being finished); -EINVAL (logged) for NULL arguments or no
 * current thread; -EBUSY (logged) if \p ch is already open on this thread
 * (it is left as it was); -ENOMEM (logged) if the thread has 64 channels
 * open already, its io_channel cannot be had, or the pools cannot fill the
 * caches (nothing is kept then).
 */
int spdk_iobuf_channel_init(struct spdk_iobuf_channel *ch, const char *name,
			    uint32_t small_cache_size, uint32_t large_cache_size);

/**
 * Close \p ch, returning its cached buffers to the pools; \p ch may then be
 * opened again or freed. Entries of its module still waiting on the thread
 * while no other channel of that module is open there are taken off the
 * queue and reported (SPDK asserts instead): their callbacks never run, and
 * their owners have them back. Buffers got through \p ch and not yet put
 * stay the caller's (put them through another channel, or they are reported
 * by spdk_iobuf_finish()). Call on the channel's thread; a call elsewhere or
 * on a channel not open is logged and does nothing.
 */
void spdk_iobuf_channel_fini(struct spdk_iobuf_channel *ch);

/** Called by spdk_iobuf_for_each_entry(); non-zero stops the walk. */
typedef int (*spdk_iobuf_for_each_entry_fn)(struct spdk_iobuf_channel *ch,
		struct spdk_iobuf_entry *entry, void *ctx);

/**
 * Call \p cb_fn on each entry queued by \p ch's module on this thread, small
 * queue first, each in queue order; \p cb_fn may abort the entry it is given.
 * Call on the channel's thread.
 *
 * \return 0, or the first non-zero value \p cb_fn returned; -EINVAL
 * (logged) for a channel not open, used off its thread, or a NULL \p cb_fn.
 */
int spdk_iobuf_for_each_entry(struct spdk_iobuf_channel *ch,
			      spdk_iobuf_for_each_entry_fn cb_fn, void *cb_ctx);

/**
 * Take \p entry off the wait queue of \p len's size (the len given to
 * spdk_iobuf_get()); its callback will not run, and the caller owns the
 * entry again. An entry not queued is ignored. An entry queued for the other
 * size (a \p len that does not match the get's, or one above large_bufsize)
 * is taken off as well, with a log line (SPDK leaves it queued). Call on the
 * channel's thread; a call elsewhere, on a channel not open, or with a NULL
 * \p entry is logged and does nothing.
 */
void spdk_iobuf_entry_abort(struct spdk_iobuf_channel *ch, struct spdk_iobuf_entry *entry,
			    uint64_t len);

/**
 * Get a buffer of at least \p len bytes (small if len <= small_bufsize, 0
 * included, else large). Call on the channel's thread.
 *
 * \param entry NULL, or an entry to queue when no buffer is free: \p cb_fn
 * then runs with a buffer on this thread, in spdk_iobuf_put() of a later put
 * on this thread, after the entries queued before it (whatever their module).
 * \return a buffer (the caller owns it until spdk_iobuf_put()), or NULL when
 * none is free (entry queued), or NULL (logged, nothing queued) for \p len
 * above large_bufsize, a channel not open, an entry without callback, or a
 * call from another thread.
 */
void *spdk_iobuf_get(struct spdk_iobuf_channel *ch, uint64_t len, struct spdk_iobuf_entry *entry,
		     spdk_iobuf_get_cb cb_fn);

/**
 * Give a buffer back: to the first entry waiting on this thread for that
 * size (its callback runs now, inside this call), else to the channel's
 * cache, which returns a batch to the pool when it holds a batch above its
 * size. \p len must be the one given to spdk_iobuf_get(). Call on the
 * channel's thread; the buffer may have been got on another thread.
 *
 * A pointer that is not a buffer of that size's pool, and a buffer already
 * free (put twice, without being got again in between) are refused with a
 * log line and left alone, and so are a put on a channel not open, from
 * another thread, or with \p len above large_bufsize: the caller keeps the
 * buffer then.
 *
 * The second check reads the buffer's second word, which the library sets
 * when the buffer becomes free (its address xor a random key drawn at each
 * spdk_iobuf_initialize(), never shown) and clears when it hands it out. It
 * does not see a second put of a buffer the first put handed to a waiting
 * entry, nor a put of a buffer of the pool that was never handed out since
 * initialisation (untouched buffers carry no tag, so that they cost no
 * memory). Conversely a held buffer whose owner happened to write that exact
 * value into its second word would be refused as free: data not derived from
 * the key does so with a chance of 2^-63.
 */
void spdk_iobuf_put(struct spdk_iobuf_channel *ch, void *buf, uint64_t len);

/** Completion of spdk_iobuf_get_stats(): \p modules are borrowed for the call. */
typedef void (*spdk_iobuf_get_stats_cb)(struct spdk_iobuf_module_stats *modules,
					uint32_t num_modules, void *cb_arg);

/**
 * Sum the counters of every channel, per module (in registration order),
 * visiting each thread that has one; \p cb_fn then runs on the calling
 * thread with an array the library owns and frees when \p cb_fn returns.
 * Every channel of a module counts (SPDK counts the first of each module on
 * each thread). Call on an spdk_thread.
 *
 * \return 0 (\p cb_fn will run); -ENODEV (logged) if iobuf is not
 * initialised; -EINVAL (logged) for a NULL callback or no current thread;
 * -ENOMEM (\p cb_fn will not run).
 */
int spdk_iobuf_get_stats(spdk_iobuf_get_stats_cb cb_fn, void *cb_arg);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_THREAD_H_ */

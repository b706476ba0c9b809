/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * How misuse of struct spdk_spinlock is reported.
 *
 * Every violation is logged with SPDK_ERRLOG, then passed to one hook. The
 * default hook aborts, as SPDK does; a program (or a test) may install its own
 * hook to record or count violations instead. When the hook returns, the
 * offending call returns without touching the lock.
 */

#ifndef PINWHEEL_SPINLOCK_H
#define PINWHEEL_SPINLOCK_H

#ifdef __cplusplus
extern "C" {
#endif

/** What went wrong with a spinlock. */
enum pw_spin_error {
	PW_SPIN_ERR_NONE,		/**< no error */
	PW_SPIN_ERR_NOT_SPDK_THREAD,	/**< used with no current spdk_thread */
	PW_SPIN_ERR_DEADLOCK,		/**< locked again by its holder */
	PW_SPIN_ERR_WRONG_THREAD,	/**< unlocked by a thread that does not hold it */
	PW_SPIN_ERR_PTHREAD,		/**< the underlying pthread spinlock failed */
	PW_SPIN_ERR_LOCK_HELD,		/**< destroyed while held */
	PW_SPIN_ERR_LOCK_COUNT,		/**< the thread's lock count went wrong */
	PW_SPIN_ERR_HOLD_DURING_SWITCH,	/**< held when a message or poller returned */
	PW_SPIN_ERR_DESTROYED,		/**< used after spdk_spin_destroy() */
	PW_SPIN_ERR_NOT_INITIALIZED,	/**< used before spdk_spin_init() */
};

/** A hook receiving each violation. */
typedef void (*pw_spin_abort_fn)(enum pw_spin_error err);

/**
 * Install \p fn as the violation hook (NULL restores the default, abort()).
 * Any pthread; not meant to race with spinlock use.
 *
 * \return the previous hook.
 */
pw_spin_abort_fn pw_spin_set_abort_fn(pw_spin_abort_fn fn);

/** Text of an error ("Deadlock detected", ...), never NULL. */
const char *pw_spin_error_str(enum pw_spin_error err);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_SPINLOCK_H */

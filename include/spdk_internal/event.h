/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Reactors, as SPDK's framework code and tools use them (SPDK keeps these in
 * spdk_internal/event.h; so does Pinwheel, so that such code compiles).
 */

#ifndef SPDK_INTERNAL_EVENT_H
#define SPDK_INTERNAL_EVENT_H

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Lifecycle of the reactors. */
enum spdk_reactor_state {
	SPDK_REACTOR_STATE_UNINITIALIZED = 0,
	SPDK_REACTOR_STATE_INITIALIZED = 1,
	SPDK_REACTOR_STATE_RUNNING = 2,
	SPDK_REACTOR_STATE_EXITING = 3,
	SPDK_REACTOR_STATE_SHUTDOWN = 4,
};

/** One core's reactor (opaque). */
struct spdk_reactor;

/** A thread's placement data, kept in its driver context (opaque). */
struct spdk_lw_thread;

/**
 * Create a reactor for every core of the environment and initialise the
 * thread library with the reactors as its driver. The environment must be
 * initialised. Main core's pthread only.
 *
 * \param msg_mempool_size Bound on messages in flight (0: the default).
 * \return 0; -EALREADY; -ENOMEM; or the thread library's error.
 */
int spdk_reactors_init(size_t msg_mempool_size);

/** Undo spdk_reactors_init() after the reactors stopped. */
void spdk_reactors_fini(void);

/**
 * Run the reactors: pinned pthreads for every other core, and the calling
 * pthread as the main core's reactor. Returns when they all stopped.
 */
void spdk_reactors_start(void);

/** Ask every reactor to stop (any pthread). \p arg1 is unused. */
void spdk_reactors_stop(void *arg1);

/** The reactor of core \p lcore, or NULL. */
struct spdk_reactor *spdk_reactor_get(uint32_t lcore);

/**
 * Run \p fn(\p arg1, \p arg2) on every reactor in core order, one after the
 * other, then \p cpl(\p arg1, \p arg2) on the calling core. Call from a reactor.
 */
void spdk_for_each_reactor(spdk_event_fn fn, void *arg1, void *arg2, spdk_event_fn cpl);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_INTERNAL_EVENT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Introspection of threads, pollers and channels, as SPDK's tools use it
 * (SPDK keeps these in spdk_internal/thread.h; so does Pinwheel, so that such
 * code compiles unchanged).
 *
 * Every function here reads state owned by one thread: call it on that thread
 * (or while nobody polls it).
 */

#ifndef SPDK_INTERNAL_THREAD_H_
#define SPDK_INTERNAL_THREAD_H_

#include "spdk/stdinc.h"
#include "spdk/thread.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SPDK_MAX_POLLER_NAME_LEN	256	/**< longest poller name kept */
#define SPDK_MAX_THREAD_NAME_LEN	256	/**< longest thread name kept */

/** Counters of one poller. */
struct spdk_poller_stats {
	uint64_t	run_count;	/**< times it ran */
	uint64_t	busy_count;	/**< times it returned a positive value */
};

struct io_device;

/** The poller's name (owned by the poller). */
const char *spdk_poller_get_name(struct spdk_poller *poller);

/** The poller's id: per thread, from 1, in registration order. */
uint64_t spdk_poller_get_id(struct spdk_poller *poller);

/** "waiting", "running", "unregistered", "pausing" or "paused". */
const char *spdk_poller_get_state_str(struct spdk_poller *poller);

/** Period in ticks (0 for an untimed poller). */
uint64_t spdk_poller_get_period_ticks(struct spdk_poller *poller);

/** Copy the poller's counters into \p stats. */
void spdk_poller_get_stats(struct spdk_poller *poller, struct spdk_poller_stats *stats);

/** Name of the channel's device. */
const char *spdk_io_channel_get_io_device_name(struct spdk_io_channel *ch);

/** References held on the channel. */
int spdk_io_channel_get_ref_count(struct spdk_io_channel *ch);

/** Name of a device. */
const char *spdk_io_device_get_name(struct io_device *dev);

/** Untimed pollers in registration order (paused ones excluded); NULL at the end. */
struct spdk_poller *spdk_thread_get_first_active_poller(struct spdk_thread *thread);
/** Next untimed poller after \p prev, or NULL. */
struct spdk_poller *spdk_thread_get_next_active_poller(struct spdk_poller *prev);

/** Timed pollers in expiry order (ties in arming order); NULL at the end. */
struct spdk_poller *spdk_thread_get_first_timed_poller(struct spdk_thread *thread);
/** Next timed poller after \p prev, or NULL. */
struct spdk_poller *spdk_thread_get_next_timed_poller(struct spdk_poller *prev);

/** Paused pollers in the order they were paused; NULL at the end. */
struct spdk_poller *spdk_thread_get_first_paused_poller(struct spdk_thread *thread);
/** Next paused poller after \p prev, or NULL. */
struct spdk_poller *spdk_thread_get_next_paused_poller(struct spdk_poller *prev);

/** The thread's channels in ascending device order; NULL at the end. */
struct spdk_io_channel *spdk_thread_get_first_io_channel(struct spdk_thread *thread);
/** Next channel after \p prev, or NULL. */
struct spdk_io_channel *spdk_thread_get_next_io_channel(struct spdk_io_channel *prev);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_INTERNAL_THREAD_H_ */

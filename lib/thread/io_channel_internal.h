/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private to the I/O device modules of the thread library:
 *
 *   io_device.c         the device registry: register, unregister, lookup,
 *                       and when an unregistered device is freed;
 *   io_channel.c        channels: get, put, ref, destroy, introspection;
 *   for_each_channel.c  spdk_for_each_channel() and its iterator.
 *
 * Three sorted arrays, all searched with pw__lower_bound(): the registry (by
 * device pointer), each thread's channels (by device) and each device's
 * threads (by thread id). They change under the thread list lock
 * (pw__threads_lock()), because walks on other threads read them.
 */

#ifndef PW_IO_CHANNEL_INTERNAL_H
#define PW_IO_CHANNEL_INTERNAL_H

#include "thread/thread_internal.h"

#define PW_MAX_DEVICE_NAME_LEN 256

/* A thread holding a channel of a device, in the device's list. */
struct dev_thread {
	uint64_t		id;
	struct spdk_thread	*thread;
};

struct io_device {
	void				*io_device;
	char				name[PW_MAX_DEVICE_NAME_LEN + 1];
	spdk_io_channel_create_cb	create_cb;
	spdk_io_channel_destroy_cb	destroy_cb;
	spdk_io_device_unregister_cb	unregister_cb;
	struct spdk_thread		*unregister_thread;
	uint64_t			unregister_thread_id;
	uint32_t			ctx_size;
	uint32_t			for_each_count;
	/* Channels alive: counted from their creation until their destroy
	 * callback has returned, so the device outlives every callback. */
	uint32_t			refcnt;
	bool				pending_unregister;	/* waits for walks to end */
	bool				unregistered;	/* out of the registry */
	bool				freed;		/* free_now() said yes (io_device.c) */
	struct dev_thread		*threads;	/* threads with a channel, by id */
	uint32_t			nthreads;
	uint32_t			threads_cap;
};

struct spdk_io_channel {
	struct spdk_thread		*thread;
	struct io_device		*dev;
	uint32_t			ref;
	uint32_t			destroy_ref;	/* destroy messages in flight */
	spdk_io_channel_destroy_cb	destroy_cb;
	bool				linked;		/* in its thread's map and its device's list */
	uint8_t				pad_[SPDK_IO_CHANNEL_STRUCT_SIZE - 2 * sizeof(void *) -
					     2 * sizeof(uint32_t) - sizeof(void *) - sizeof(bool)];
};

SPDK_STATIC_ASSERT(sizeof(struct spdk_io_channel) == SPDK_IO_CHANNEL_STRUCT_SIZE,
		   "the channel header size is part of the API");

/* A thread's channels, sorted by device (see io_channel.c). */
struct io_channel_map {
	struct spdk_io_channel	**chs;
	uint32_t		len;
	uint32_t		cap;
};

/*
 * The first index in [0, n) of a sorted array whose element is not before
 * key. `before(elem, key)` says whether the element sorts before the key.
 * Inline with a constant `before`, so each caller gets its own plain loop.
 */
static inline uint32_t
pw__lower_bound(const void *base, uint32_t n, size_t size, const void *key,
		bool (*before)(const void *elem, const void *key))
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (before((const uint8_t *)base + (size_t)mid * size, key)) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* Make room for one more element in a growable array (doubling). 0 or -ENOMEM. */
static inline int
pw__array_grow(void **arr, uint32_t *cap, uint32_t len, size_t elem)
{
	void *n;
	uint32_t ncap;

	if (len < *cap) {
		return 0;
	}
	ncap = *cap ? *cap * 2 : 8;
	n = realloc(*arr, ncap * elem);
	if (n == NULL) {
		return -ENOMEM;
	}
	*arr = n;
	*cap = ncap;
	return 0;
}

static inline bool
dev_thread_before(const void *elem, const void *key)
{
	return ((const struct dev_thread *)elem)->id < *(const uint64_t *)key;
}

/* Index of the first thread of dev whose id is >= id (lock held). */
static inline uint32_t
pw__dev_thread_pos(const struct io_device *dev, uint64_t id)
{
	return pw__lower_bound(dev->threads, dev->nthreads, sizeof(dev->threads[0]), &id,
			       dev_thread_before);
}

/* ---- io_device.c (thread list lock held unless said otherwise) ---- */
/* The registered device for this pointer, or NULL. */
struct io_device *pw__io_device_find(void *io_device);
/* A channel of dev is gone (its destroy callback has returned, or it never
 * got one): count it down and, if it was the last one of an unregistered
 * device, free the device. The count and the decision are taken in one
 * critical section (see free_now() in io_device.c). Lock not held. */
void pw__io_device_release(struct io_device *dev);
/* A spdk_for_each_channel() walk over dev has ended. If it was the last one
 * and an unregistration waits for it, the device is unregistered now, in the
 * same critical section; returns true if the caller must then free it with
 * pw__io_device_free() (after dropping the lock). */
bool pw__io_device_walk_ended_locked(struct io_device *dev);
/* Free a device pw__io_device_walk_ended_locked() gave up. Lock not held. */
void pw__io_device_free(struct io_device *dev);

/* ---- io_channel.c (thread list lock held) ---- */
/* The thread's channel for dev, or NULL. */
struct spdk_io_channel *pw__channel_find(const struct spdk_thread *thread,
		const struct io_device *dev);

#endif /* PW_IO_CHANNEL_INTERNAL_H */

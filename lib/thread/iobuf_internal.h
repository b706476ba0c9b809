/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private structures of iobuf (spdk_iobuf_*), shared by its two modules:
 *
 *   iobuf.c           options, the pools (mmap'd memory + a ring of free
 *                     buffers each), initialize/finish, modules, statistics
 *   iobuf_channel.c   channels: caches, get/put, wait queues, abort, walks
 *
 * Who touches what on the hot path (get/put on one thread):
 * - the caller's struct spdk_iobuf_channel (its caches and counters);
 * - the thread's struct pw_iobuf_thread_ch (wait queues, owner thread), one
 *   per spdk_thread, the context of the thread's io_channel of the device;
 * - the buffer itself (its first 16 bytes: cache link and free tag);
 * - g_pw_iobuf_pools, written only by spdk_iobuf_initialize() before any
 *   channel exists, then only read: its line stays shared in every cache.
 * The shared rings are touched once per batch (PW_IOBUF_BATCH buffers).
 */

#ifndef PW_IOBUF_INTERNAL_H
#define PW_IOBUF_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "common/pw_common.h"

#define PW_IOBUF_ALIGN		4096u	/* buffer alignment; sizes are rounded to it */
#define PW_IOBUF_BATCH		32u	/* buffers moved between a cache and a ring at once */
#define PW_IOBUF_FILL_BATCH	64u	/* buffers moved at channel init / fini at once */
#define PW_IOBUF_MAX_CHANNELS	64u	/* iobuf channels open on one thread */

/* One pool (small or large): read-only while iobuf is initialised. */
struct pw_iobuf_pool {
	struct spdk_ring	*ring;		/* free buffers not in any cache */
	uintptr_t		base;		/* first buffer (mmap'd, page aligned) */
	uint64_t		span;		/* count * bufsize */
	uint64_t		count;		/* buffers in the pool */
	uint32_t		bufsize;	/* multiple of PW_IOBUF_ALIGN */
	/* Divisibility by bufsize without a division: bufsize = odd << shift,
	 * and x is a multiple of odd iff x * odd_inverse (mod 2^64) <= odd_limit. */
	uint32_t		shift;
	uint64_t		odd_inverse;
	uint64_t		odd_limit;
	const char		*name;		/* "small" / "large", for logs */
};

struct pw_iobuf_pools {
	struct pw_iobuf_pool	small;
	struct pw_iobuf_pool	large;
	/* A free buffer's second word holds its address xor this key (see
	 * pw__iobuf_tag_free()); random per initialisation so that data the
	 * application wrote cannot look free by accident. */
	uintptr_t		free_key;
} PW_CACHE_ALIGNED;

/* Address of this object is the io_device of every thread's iobuf channel. */
extern struct pw_iobuf_pools g_pw_iobuf_pools;

/* A registered module. Open channels keep a pointer to it (ch->module). */
struct pw_iobuf_module {
	char				*name;
	uint32_t			channels;	/* open channels (under the lock) */
	TAILQ_ENTRY(pw_iobuf_module)	link;
};

/* Per spdk_thread: the context of its io_channel for the iobuf device. */
struct pw_iobuf_thread_ch {
	spdk_iobuf_entry_stailq_t	small_queue;	/* waiting gets, every module */
	spdk_iobuf_entry_stailq_t	large_queue;
	struct spdk_thread		*thread;	/* owner, checked by get/put */
	struct spdk_iobuf_channel	*channels[PW_IOBUF_MAX_CHANNELS];
};

/* The word of a free buffer that tells it is free. */
static inline uintptr_t *
pw__iobuf_tag_word(void *buf)
{
	return (uintptr_t *)buf + 1;
}

static inline void
pw__iobuf_tag_free(void *buf)
{
	*pw__iobuf_tag_word(buf) = (uintptr_t)buf ^ g_pw_iobuf_pools.free_key;
}

static inline bool
pw__iobuf_is_tagged_free(void *buf)
{
	return *pw__iobuf_tag_word(buf) == ((uintptr_t)buf ^ g_pw_iobuf_pools.free_key);
}

static inline void
pw__iobuf_untag(void *buf)
{
	*pw__iobuf_tag_word(buf) = 0;
}

/* iobuf.c: the lock of the module list and of the initialised state (cold paths). */
void pw__iobuf_lock(void);
void pw__iobuf_unlock(void);
/* Under the lock: whether iobuf is initialised; the module named name or NULL. */
bool pw__iobuf_is_initialized(void);
struct pw_iobuf_module *pw__iobuf_module_find(const char *name);

/* iobuf_channel.c: io_device callbacks of a thread's iobuf channel. */
int pw__iobuf_thread_ch_create(void *io_device, void *ctx);
void pw__iobuf_thread_ch_destroy(void *io_device, void *ctx);

#endif /* PW_IOBUF_INTERNAL_H */

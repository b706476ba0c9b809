/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * I/O devices and channels.
 *
 * A device is any unique pointer registered with create/destroy callbacks; a
 * channel is one thread's per-device context, reference counted and destroyed
 * by a message on its thread (so that a get right after the last put revives
 * it instead). spdk_for_each_channel() walks the threads that hold a channel,
 * in ascending thread id, one message at a time.
 *
 * Three sorted arrays, searched by binary search with full-width comparisons:
 * the device registry (by device pointer), each thread's channels (by device)
 * and each device's threads (by thread id). They change under the thread
 * list lock, because walks on other threads read them.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

#define MAX_DEVICE_NAME_LEN 256

struct dev_thread {
	uint64_t		id;
	struct spdk_thread	*thread;
};

struct io_device {
	void				*io_device;
	char				name[MAX_DEVICE_NAME_LEN + 1];
	spdk_io_channel_create_cb	create_cb;
	spdk_io_channel_destroy_cb	destroy_cb;
	spdk_io_device_unregister_cb	unregister_cb;
	struct spdk_thread		*unregister_thread;
	uint64_t			unregister_thread_id;
	uint32_t			ctx_size;
	uint32_t			for_each_count;
	uint32_t			refcnt;		/* channels alive */
	bool				pending_unregister;
	bool				unregistered;
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

struct io_channel_map {
	struct spdk_io_channel	**chs;		/* by device pointer */
	uint32_t		len;
	uint32_t		cap;
};

struct spdk_io_channel_iter {
	void				*io_device;
	struct io_device		*dev;
	spdk_channel_msg		fn;
	int				status;
	void				*ctx;
	struct spdk_io_channel		*ch;
	struct spdk_thread		*cur_thread;
	struct spdk_thread		*orig_thread;
	uint64_t			orig_id;
	spdk_channel_for_each_cpl	cpl;
	bool				done;		/* completion queued */
};

static struct io_device **g_devs;	/* by io_device pointer */
static uint32_t g_ndevs;
static uint32_t g_devs_cap;

/* ---------------------------------------------------------------------------
 * Sorted arrays
 * ------------------------------------------------------------------------- */

/* Generic "grow by doubling" for the three arrays. */
static int
grow(void **arr, uint32_t *cap, uint32_t len, size_t elem)
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

/* First index whose device pointer is >= key. */
static uint32_t
devs_lower_bound(uintptr_t key)
{
	uint32_t lo = 0, hi = g_ndevs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)g_devs[mid]->io_device < key) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static struct io_device *
dev_find(void *io_device)
{
	uint32_t i = devs_lower_bound((uintptr_t)io_device);

	return i < g_ndevs && g_devs[i]->io_device == io_device ? g_devs[i] : NULL;
}

static void
dev_remove(struct io_device *dev)
{
	uint32_t i = devs_lower_bound((uintptr_t)dev->io_device);

	assert(i < g_ndevs && g_devs[i] == dev);
	memmove(&g_devs[i], &g_devs[i + 1], (g_ndevs - i - 1) * sizeof(g_devs[0]));
	g_ndevs--;
}

/* A thread's channels are ordered by the user's device pointer; the internal
 * record breaks the tie between a device being unregistered and the same
 * pointer registered again. */
static bool
dev_before(const struct io_device *a, const struct io_device *b)
{
	if (a->io_device != b->io_device) {
		return (uintptr_t)a->io_device < (uintptr_t)b->io_device;
	}
	return (uintptr_t)a < (uintptr_t)b;
}

static uint32_t
map_lower_bound(const struct io_channel_map *map, const struct io_device *dev)
{
	uint32_t lo = 0, hi = map->len;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (dev_before(map->chs[mid]->dev, dev)) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static struct spdk_io_channel *
map_find(const struct spdk_thread *thread, const struct io_device *dev)
{
	const struct io_channel_map *map = thread->channels;
	uint32_t i;

	if (map == NULL) {
		/* The thread is being destroyed: it has no channel any more. */
		return NULL;
	}
	i = map_lower_bound(map, dev);

	return i < map->len && map->chs[i]->dev == dev ? map->chs[i] : NULL;
}

static uint32_t
threads_lower_bound(const struct io_device *dev, uint64_t id)
{
	uint32_t lo = 0, hi = dev->nthreads;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (dev->threads[mid].id < id) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* Record a new channel in its thread's map and its device's thread list. */
static int
channel_link(struct spdk_io_channel *ch)
{
	struct io_channel_map *map = ch->thread->channels;
	struct io_device *dev = ch->dev;
	uint32_t i, j;

	if (grow((void **)&map->chs, &map->cap, map->len, sizeof(map->chs[0])) != 0 ||
	    grow((void **)&dev->threads, &dev->threads_cap, dev->nthreads,
		 sizeof(dev->threads[0])) != 0) {
		return -ENOMEM;
	}
	i = map_lower_bound(map, dev);
	memmove(&map->chs[i + 1], &map->chs[i], (map->len - i) * sizeof(map->chs[0]));
	map->chs[i] = ch;
	map->len++;

	j = threads_lower_bound(dev, ch->thread->id);
	memmove(&dev->threads[j + 1], &dev->threads[j], (dev->nthreads - j) * sizeof(dev->threads[0]));
	dev->threads[j].id = ch->thread->id;
	dev->threads[j].thread = ch->thread;
	dev->nthreads++;
	dev->refcnt++;
	ch->linked = true;
	return 0;
}

static void
channel_unlink(struct spdk_io_channel *ch)
{
	struct io_channel_map *map = ch->thread->channels;
	struct io_device *dev = ch->dev;
	uint32_t i, j;

	if (!ch->linked) {
		/* Already dropped when its thread was destroyed holding it. */
		return;
	}
	ch->linked = false;
	i = map_lower_bound(map, dev);
	j = threads_lower_bound(dev, ch->thread->id);

	assert(i < map->len && map->chs[i] == ch);
	memmove(&map->chs[i], &map->chs[i + 1], (map->len - i - 1) * sizeof(map->chs[0]));
	map->len--;

	assert(j < dev->nthreads && dev->threads[j].thread == ch->thread);
	memmove(&dev->threads[j], &dev->threads[j + 1],
		(dev->nthreads - j - 1) * sizeof(dev->threads[0]));
	dev->nthreads--;
	dev->refcnt--;
}

/* ---------------------------------------------------------------------------
 * Per-thread hooks (thread.c)
 * ------------------------------------------------------------------------- */

int
pw__channels_init(struct spdk_thread *thread)
{
	thread->channels = calloc(1, sizeof(*thread->channels));
	return thread->channels != NULL ? 0 : -ENOMEM;
}

const char *
pw__channels_any(struct spdk_thread *thread)
{
	struct io_channel_map *map = thread->channels;

	return map != NULL && map->len > 0 ? map->chs[0]->dev->name : NULL;
}

void
pw__channels_fini(struct spdk_thread *thread)
{
	struct io_channel_map *map = thread->channels;

	if (map == NULL) {
		return;
	}
	/* Channels still held are leaked on purpose: their devices may still
	 * reference them (the error was logged by the caller). */
	pw__threads_lock();
	while (map->len > 0) {
		struct spdk_io_channel *ch = map->chs[map->len - 1];

		channel_unlink(ch);
	}
	pw__threads_unlock();
	free(map->chs);
	free(map);
	thread->channels = NULL;
}

void
pw__io_devices_check_empty(void)
{
	pw__threads_lock();
	for (uint32_t i = 0; i < g_ndevs; i++) {
		SPDK_ERRLOG("io_device %s (%p) was never unregistered\n", g_devs[i]->name,
			    g_devs[i]->io_device);
	}
	pw__threads_unlock();
}

size_t
pw__io_device_count(void)
{
	size_t n;

	pw__threads_lock();
	n = g_ndevs;
	pw__threads_unlock();
	return n;
}

/* ---------------------------------------------------------------------------
 * Devices
 * ------------------------------------------------------------------------- */

PW_EXPORT void
spdk_io_device_register(void *io_device, spdk_io_channel_create_cb create_cb,
			spdk_io_channel_destroy_cb destroy_cb, uint32_t ctx_size,
			const char *name)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct io_device *dev, *old;
	uint32_t i;

	if (io_device == NULL || create_cb == NULL || destroy_cb == NULL) {
		SPDK_ERRLOG("spdk_io_device_register(%s): NULL %s\n", name ? name : "",
			    io_device == NULL ? "io_device" : create_cb == NULL ? "create_cb" :
			    "destroy_cb");
		return;
	}
	if (thread == NULL) {
		SPDK_ERRLOG("spdk_io_device_register(%s): no current spdk_thread\n",
			    name ? name : "");
		return;
	}
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		SPDK_ERRLOG("no memory for io_device %s\n", name ? name : "");
		return;
	}
	dev->io_device = io_device;
	if (name != NULL) {
		snprintf(dev->name, sizeof(dev->name), "%s", name);
	} else {
		snprintf(dev->name, sizeof(dev->name), "%p", (void *)dev);
	}
	dev->create_cb = create_cb;
	dev->destroy_cb = destroy_cb;
	dev->ctx_size = ctx_size;

	pw__threads_lock();
	old = dev_find(io_device);
	if (old != NULL) {
		pw__threads_unlock();
		SPDK_ERRLOG("io_device %p already registered (old: %s, new: %s)\n", io_device,
			    old->name, dev->name);
		free(dev);
		return;
	}
	if (grow((void **)&g_devs, &g_devs_cap, g_ndevs, sizeof(g_devs[0])) != 0) {
		pw__threads_unlock();
		SPDK_ERRLOG("no memory to register io_device %s\n", dev->name);
		free(dev);
		return;
	}
	i = devs_lower_bound((uintptr_t)io_device);
	memmove(&g_devs[i + 1], &g_devs[i], (g_ndevs - i) * sizeof(g_devs[0]));
	g_devs[i] = dev;
	g_ndevs++;
	pw__threads_unlock();
	SPDK_DEBUGLOG(thread, "registered io_device %s (%p) on thread %s\n", dev->name,
		      io_device, thread->name);
}

static void
finish_unregister(void *arg)
{
	struct io_device *dev = arg;
	struct spdk_thread *thread = pw__tls_thread;

	assert(thread == dev->unregister_thread);
	thread->pending_unregister_count--;
	dev->unregister_cb(dev->io_device);
	free(dev->threads);
	free(dev);
}

static void
send_finish_unregister(void *arg)
{
	struct io_device *dev = arg;
	int rc = pw__send_to_thread_id(dev->unregister_thread_id, finish_unregister, dev);

	if (rc == -ENOMEM && pw__retry_later(send_finish_unregister, dev)) {
		return;
	}
	if (rc != 0) {
		SPDK_ERRLOG("io_device %s: the unregistering thread (id %" PRIu64 ") cannot be "
			    "reached (%s); its unregister callback is lost\n", dev->name,
			    dev->unregister_thread_id, spdk_strerror(-rc));
	}
}

/* The device is unregistered and has no channel left: free it, on the
 * unregistering thread if it asked for a callback. */
static void
dev_free(struct io_device *dev)
{
	if (dev->unregister_cb == NULL) {
		free(dev->threads);
		free(dev);
		return;
	}
	send_finish_unregister(dev);
}

PW_EXPORT void
spdk_io_device_unregister(void *io_device, spdk_io_device_unregister_cb unregister_cb)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct io_device *dev;
	uint32_t refcnt;

	if (thread == NULL) {
		SPDK_ERRLOG("spdk_io_device_unregister(%p): no current spdk_thread\n", io_device);
		return;
	}
	pw__threads_lock();
	dev = dev_find(io_device);
	if (dev == NULL) {
		pw__threads_unlock();
		SPDK_ERRLOG("io_device %p is not registered\n", io_device);
		return;
	}
	/* A second unregister while the first waits for walks to finish. */
	if (dev->pending_unregister && dev->for_each_count > 0) {
		pw__threads_unlock();
		SPDK_ERRLOG("io_device %s already has an unregistration pending\n", dev->name);
		return;
	}
	dev->unregister_cb = unregister_cb;
	dev->unregister_thread = thread;
	dev->unregister_thread_id = thread->id;
	if (dev->for_each_count > 0) {
		SPDK_WARNLOG("io_device %s has %u spdk_for_each_channel walk(s) outstanding; "
			     "unregistering when they end\n", dev->name, dev->for_each_count);
		if (!dev->pending_unregister && unregister_cb != NULL) {
			thread->pending_unregister_count++;
		}
		dev->pending_unregister = true;
		pw__threads_unlock();
		return;
	}
	dev->unregistered = true;
	dev_remove(dev);
	refcnt = dev->refcnt;
	pw__threads_unlock();

	if (unregister_cb != NULL && !dev->pending_unregister) {
		thread->pending_unregister_count++;
	}
	if (refcnt == 0) {
		dev_free(dev);
	}
}

PW_EXPORT const char *
spdk_io_device_get_name(struct io_device *dev)
{
	if (dev == NULL) {
		SPDK_ERRLOG("spdk_io_device_get_name: NULL device\n");
		return NULL;
	}
	return dev->name;
}

/* ---------------------------------------------------------------------------
 * Channels
 * ------------------------------------------------------------------------- */

PW_EXPORT struct spdk_io_channel *
spdk_get_io_channel(void *io_device)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct spdk_io_channel *ch;
	struct io_device *dev;
	bool free_dev;
	int rc;

	if (thread == NULL) {
		SPDK_ERRLOG("spdk_get_io_channel(%p): no current spdk_thread\n", io_device);
		return NULL;
	}
	if (thread->state == PW_THREAD_EXITED) {
		SPDK_ERRLOG("spdk_get_io_channel(%p): thread %s has exited\n", io_device,
			    thread->name);
		return NULL;
	}
	pw__threads_lock();
	dev = dev_find(io_device);
	if (dev == NULL) {
		pw__threads_unlock();
		SPDK_ERRLOG("spdk_get_io_channel: io_device %p is not registered\n", io_device);
		return NULL;
	}
	ch = map_find(thread, dev);
	if (ch != NULL) {
		/* Also revives a channel whose destruction is queued. */
		ch->ref++;
		pw__threads_unlock();
		return ch;
	}
	ch = calloc(1, sizeof(*ch) + dev->ctx_size);
	if (ch == NULL) {
		pw__threads_unlock();
		SPDK_ERRLOG("no memory for a channel of io_device %s\n", dev->name);
		return NULL;
	}
	ch->thread = thread;
	ch->dev = dev;
	ch->ref = 1;
	ch->destroy_cb = dev->destroy_cb;
	if (channel_link(ch) != 0) {
		pw__threads_unlock();
		SPDK_ERRLOG("no memory for a channel of io_device %s\n", dev->name);
		free(ch);
		return NULL;
	}
	pw__threads_unlock();

	/* Not under the lock: the callback may get other channels. */
	rc = dev->create_cb(io_device, spdk_io_channel_get_ctx(ch));
	if (rc != 0) {
		pw__threads_lock();
		channel_unlink(ch);
		free_dev = dev->unregistered && dev->refcnt == 0;
		pw__threads_unlock();
		SPDK_ERRLOG("could not create a channel for io_device %s (%p): %s (rc %d)\n",
			    dev->name, io_device, spdk_strerror(rc < 0 ? -rc : rc), rc);
		free(ch);
		/* The callback may have unregistered the device meanwhile. */
		if (free_dev) {
			dev_free(dev);
		}
		return NULL;
	}
	return ch;
}

static void
put_channel_msg(void *arg)
{
	struct spdk_io_channel *ch = arg;
	struct io_device *dev = ch->dev;
	bool free_dev;

	ch->destroy_ref--;
	if (ch->ref > 0 || ch->destroy_ref > 0) {
		/* Taken again after the put, or another put's message follows. */
		return;
	}
	if (!ch->linked) {
		/* Its thread was destroyed holding it (logged then); the device may
		 * be gone, so leave the channel alone. */
		return;
	}
	/* Unlink first: a walk that reaches this thread now skips it. */
	pw__threads_lock();
	channel_unlink(ch);
	pw__threads_unlock();

	ch->destroy_cb(dev->io_device, spdk_io_channel_get_ctx(ch));

	pw__threads_lock();
	free_dev = dev->unregistered && dev->refcnt == 0;
	pw__threads_unlock();
	if (free_dev) {
		dev_free(dev);
	}
	free(ch);
}

static bool
channel_here(const char *func, struct spdk_io_channel *ch)
{
	if (ch == NULL) {
		SPDK_ERRLOG("%s: NULL channel\n", func);
		return false;
	}
	if (ch->thread != pw__tls_thread) {
		pw__wrong_thread(func, ch->dev->name, ch->thread, pw__tls_thread);
		return false;
	}
	return true;
}

PW_EXPORT void
spdk_put_io_channel(struct spdk_io_channel *ch)
{
	if (!channel_here(__func__, ch)) {
		return;
	}
	if (ch->ref == 0) {
		SPDK_ERRLOG("spdk_put_io_channel: channel of io_device %s has no reference "
			    "left\n", ch->dev->name);
		return;
	}
	if (--ch->ref == 0) {
		ch->destroy_ref++;
		if (spdk_thread_send_msg(ch->thread, put_channel_msg, ch) != 0) {
			/* The thread cannot take messages: release now instead. */
			put_channel_msg(ch);
		}
	}
}

PW_EXPORT struct spdk_io_channel *
spdk_io_channel_ref(struct spdk_io_channel *ch)
{
	if (!channel_here(__func__, ch)) {
		return ch;
	}
	ch->ref++;
	return ch;
}

PW_EXPORT struct spdk_io_channel *
spdk_io_channel_from_ctx(void *ctx)
{
	if (ctx == NULL) {
		SPDK_ERRLOG("spdk_io_channel_from_ctx: NULL context\n");
		return NULL;
	}
	return (struct spdk_io_channel *)((uint8_t *)ctx - SPDK_IO_CHANNEL_STRUCT_SIZE);
}

static bool
channel_null(const char *func, const struct spdk_io_channel *ch)
{
	if (ch == NULL) {
		SPDK_ERRLOG("%s: NULL channel\n", func);
		return true;
	}
	return false;
}

PW_EXPORT struct spdk_thread *
spdk_io_channel_get_thread(struct spdk_io_channel *ch)
{
	return channel_null(__func__, ch) ? NULL : ch->thread;
}

PW_EXPORT void *
spdk_io_channel_get_io_device(struct spdk_io_channel *ch)
{
	return channel_null(__func__, ch) ? NULL : ch->dev->io_device;
}

PW_EXPORT const char *
spdk_io_channel_get_io_device_name(struct spdk_io_channel *ch)
{
	return channel_null(__func__, ch) ? NULL : ch->dev->name;
}

PW_EXPORT int
spdk_io_channel_get_ref_count(struct spdk_io_channel *ch)
{
	return channel_null(__func__, ch) ? 0 : (int)ch->ref;
}

PW_EXPORT struct spdk_io_channel *
spdk_thread_get_first_io_channel(struct spdk_thread *thread)
{
	struct io_channel_map *map;

	if (thread == NULL) {
		SPDK_ERRLOG("spdk_thread_get_first_io_channel: NULL thread\n");
		return NULL;
	}
	map = thread->channels;
	return map->len > 0 ? map->chs[0] : NULL;
}

PW_EXPORT struct spdk_io_channel *
spdk_thread_get_next_io_channel(struct spdk_io_channel *prev)
{
	struct io_channel_map *map;

	if (channel_null(__func__, prev)) {
		return NULL;
	}
	map = prev->thread->channels;
	uint32_t i = map_lower_bound(map, prev->dev);

	return i + 1 < map->len ? map->chs[i + 1] : NULL;
}

/* ---------------------------------------------------------------------------
 * spdk_for_each_channel
 * ------------------------------------------------------------------------- */

static bool
iter_null(const char *func, const struct spdk_io_channel_iter *i)
{
	if (i == NULL) {
		SPDK_ERRLOG("%s: NULL iterator\n", func);
		return true;
	}
	return false;
}

PW_EXPORT void *
spdk_io_channel_iter_get_io_device(struct spdk_io_channel_iter *i)
{
	return iter_null(__func__, i) ? NULL : i->io_device;
}

PW_EXPORT struct spdk_io_channel *
spdk_io_channel_iter_get_channel(struct spdk_io_channel_iter *i)
{
	return iter_null(__func__, i) ? NULL : i->ch;
}

PW_EXPORT void *
spdk_io_channel_iter_get_ctx(struct spdk_io_channel_iter *i)
{
	return iter_null(__func__, i) ? NULL : i->ctx;
}

static void
call_completion(void *arg)
{
	struct spdk_io_channel_iter *i = arg;

	assert(i->orig_thread->for_each_count > 0);
	i->orig_thread->for_each_count--;
	if (i->cpl != NULL) {
		i->cpl(i, i->status);
	}
	free(i);
}

static void
call_channel(void *arg)
{
	struct spdk_io_channel_iter *i = arg;
	struct spdk_io_channel *ch;

	/* The channel may have been released since the walk was sent here. */
	pw__threads_lock();
	ch = map_find(i->cur_thread, i->dev);
	pw__threads_unlock();
	if (ch != NULL) {
		i->ch = ch;
		i->fn(i);
	} else {
		spdk_for_each_channel_continue(i, 0);
	}
}

static void finish_pending_unregister(struct io_device *dev);

static void
send_completion(void *arg)
{
	struct spdk_io_channel_iter *i = arg;
	int rc = pw__send_to_thread_id(i->orig_id, call_completion, i);

	if (rc == -ENOMEM && pw__retry_later(send_completion, i)) {
		return;
	}
	if (rc != 0) {
		SPDK_ERRLOG("spdk_for_each_channel: the originating thread (id %" PRIu64 ") cannot "
			    "be reached (%s); its completion is lost\n", i->orig_id, spdk_strerror(-rc));
		free(i);
	}
}

static void
complete_walk(struct spdk_io_channel_iter *i)
{
	struct io_device *dev = i->dev;
	bool unregister_now = false;

	i->done = true;
	pw__threads_lock();
	if (dev != NULL) {
		dev->for_each_count--;
		unregister_now = dev->pending_unregister && dev->for_each_count == 0;
	}
	i->ch = NULL;
	pw__threads_unlock();

	send_completion(i);
	if (unregister_now) {
		finish_pending_unregister(dev);
	}
}

/* Send the walk to the first thread with a channel whose id is >= min_id. */
static void
walk_from(struct spdk_io_channel_iter *i, uint64_t min_id)
{
	for (;;) {
		struct io_device *dev = i->dev;
		struct spdk_thread *thread = NULL;
		uint64_t id = 0;
		uint32_t j;

		int rc = 0;

		/* Sent under the lock: a thread being destroyed drops its channels
		 * under it first, so it cannot vanish while we send. */
		pw__threads_lock();
		j = threads_lower_bound(dev, min_id);
		if (j < dev->nthreads) {
			thread = dev->threads[j].thread;
			id = dev->threads[j].id;
			i->cur_thread = thread;
			i->ch = map_find(thread, dev);
			rc = spdk_thread_send_msg(thread, call_channel, i);
		}
		pw__threads_unlock();
		if (thread == NULL) {
			complete_walk(i);
			return;
		}
		if (rc == 0) {
			return;
		}
		/* Unreachable thread (exited): skip it. */
		SPDK_ERRLOG("spdk_for_each_channel: cannot reach thread %" PRIu64 " (%s); "
			    "skipping it\n", id, spdk_strerror(-rc));
		min_id = id + 1;
	}
}

PW_EXPORT void
spdk_for_each_channel(void *io_device, spdk_channel_msg fn, void *ctx,
		      spdk_channel_for_each_cpl cpl)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct spdk_io_channel_iter *i;

	if (thread == NULL || fn == NULL) {
		SPDK_ERRLOG("spdk_for_each_channel(%p): %s\n", io_device,
			    thread == NULL ? "no current spdk_thread" : "NULL fn");
		return;
	}
	i = calloc(1, sizeof(*i));
	if (i == NULL) {
		SPDK_ERRLOG("spdk_for_each_channel(%p): no memory\n", io_device);
		return;
	}
	i->io_device = io_device;
	i->fn = fn;
	i->ctx = ctx;
	i->cpl = cpl;
	i->orig_thread = thread;
	i->orig_id = thread->id;
	thread->for_each_count++;

	pw__threads_lock();
	i->dev = dev_find(io_device);
	if (i->dev == NULL || i->dev->pending_unregister) {
		SPDK_ERRLOG("spdk_for_each_channel: io_device %p %s\n", io_device,
			    i->dev == NULL ? "is not registered" : "is being unregistered");
		i->dev = NULL;
		i->status = -ENODEV;
		pw__threads_unlock();
		complete_walk(i);
		return;
	}
	i->dev->for_each_count++;
	pw__threads_unlock();
	walk_from(i, 0);
}

PW_EXPORT void
spdk_for_each_channel_continue(struct spdk_io_channel_iter *i, int status)
{
	if (iter_null(__func__, i)) {
		return;
	}
	if (i->done) {
		SPDK_ERRLOG("spdk_for_each_channel_continue: the walk over io_device %s has already "
			    "ended; call ignored\n", i->dev ? i->dev->name : "?");
		return;
	}
	if (i->cur_thread != pw__tls_thread) {
		pw__wrong_thread(__func__, i->dev ? i->dev->name : "?", i->cur_thread,
				 pw__tls_thread);
		return;
	}
	i->status = status;
	if (status != 0) {
		complete_walk(i);
		return;
	}
	walk_from(i, i->cur_thread->id + 1);
}

/* The last walk of a device whose unregistration was deferred has ended:
 * unregister it now, from whichever thread ended the walk. The callback, if
 * any, still runs on the unregistering thread (dev_free()). */
static void
finish_pending_unregister(struct io_device *dev)
{
	uint32_t refcnt;

	pw__threads_lock();
	assert(dev->pending_unregister && dev->for_each_count == 0);
	dev->unregistered = true;
	dev_remove(dev);
	refcnt = dev->refcnt;
	pw__threads_unlock();
	if (refcnt == 0) {
		dev_free(dev);
	}
}

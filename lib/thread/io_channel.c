/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * I/O channels: one thread's per-device context, reference counted and
 * destroyed by a message on its thread (so that a get right after the last
 * put revives it instead).
 *
 * A live channel is recorded twice, under the thread list lock: in its
 * thread's map (sorted by device) and in its device's thread list (sorted by
 * thread id), which spdk_for_each_channel() walks (for_each_channel.c).
 */

#include "thread/io_channel_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

/* ---------------------------------------------------------------------------
 * A thread's map and the device's thread list
 * ------------------------------------------------------------------------- */

/* A thread's channels are ordered by the user's device pointer; the internal
 * record breaks the tie between a device being unregistered and the same
 * pointer registered again. */
static bool
ch_before(const void *elem, const void *key)
{
	const struct io_device *a = (*(struct spdk_io_channel *const *)elem)->dev;
	const struct io_device *b = key;

	if (a->io_device != b->io_device) {
		return (uintptr_t)a->io_device < (uintptr_t)b->io_device;
	}
	return (uintptr_t)a < (uintptr_t)b;
}

static uint32_t
map_lower_bound(const struct io_channel_map *map, const struct io_device *dev)
{
	return pw__lower_bound(map->chs, map->len, sizeof(map->chs[0]), dev, ch_before);
}

struct spdk_io_channel *
pw__channel_find(const struct spdk_thread *thread, const struct io_device *dev)
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

/* Record a new channel in its thread's map and its device's thread list. */
static int
channel_link(struct spdk_io_channel *ch)
{
	struct io_channel_map *map = ch->thread->channels;
	struct io_device *dev = ch->dev;
	uint32_t i, j;

	if (pw__array_grow((void **)&map->chs, &map->cap, map->len, sizeof(map->chs[0])) != 0 ||
	    pw__array_grow((void **)&dev->threads, &dev->threads_cap, dev->nthreads,
			   sizeof(dev->threads[0])) != 0) {
		return -ENOMEM;
	}
	i = map_lower_bound(map, dev);
	memmove(&map->chs[i + 1], &map->chs[i], (map->len - i) * sizeof(map->chs[0]));
	map->chs[i] = ch;
	map->len++;

	j = pw__dev_thread_pos(dev, ch->thread->id);
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
	j = pw__dev_thread_pos(dev, ch->thread->id);

	assert(i < map->len && map->chs[i] == ch);
	memmove(&map->chs[i], &map->chs[i + 1], (map->len - i - 1) * sizeof(map->chs[0]));
	map->len--;

	assert(j < dev->nthreads && dev->threads[j].thread == ch->thread);
	memmove(&dev->threads[j], &dev->threads[j + 1],
		(dev->nthreads - j - 1) * sizeof(dev->threads[0]));
	dev->nthreads--;
	/* dev->refcnt still counts the channel: pw__io_device_release() drops it. */
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
	while (map->len > 0) {
		struct spdk_io_channel *ch = map->chs[map->len - 1];

		pw__threads_lock();
		channel_unlink(ch);
		pw__threads_unlock();
		/* The device no longer counts it (it may be freed now). */
		pw__io_device_release(ch->dev);
	}
	free(map->chs);
	free(map);
	thread->channels = NULL;
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
	dev = pw__io_device_find(io_device);
	if (dev == NULL) {
		pw__threads_unlock();
		SPDK_ERRLOG("spdk_get_io_channel: io_device %p is not registered\n", io_device);
		return NULL;
	}
	ch = pw__channel_find(thread, dev);
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
		pw__threads_unlock();
		SPDK_ERRLOG("could not create a channel for io_device %s (%p): %s (rc %d)\n",
			    dev->name, io_device, spdk_strerror(rc < 0 ? -rc : rc), rc);
		free(ch);
		/* The callback may have unregistered the device meanwhile. */
		pw__io_device_release(dev);
		return NULL;
	}
	return ch;
}

static void
put_channel_msg(void *arg)
{
	struct spdk_io_channel *ch = arg;
	struct io_device *dev = ch->dev;

	ch->destroy_ref--;
	if (ch->ref > 0 || ch->destroy_ref > 0) {
		/* Taken again after the put, or another put's message follows. */
		return;
	}
	if (!ch->linked) {
		/* Its thread was destroyed holding it (logged then) and gave it
		 * back to the device: the device may be gone, so no destroy
		 * callback; only the channel's own memory is freed. */
		free(ch);
		return;
	}
	/* Unlink first: a walk that reaches this thread now skips it. */
	pw__threads_lock();
	channel_unlink(ch);
	pw__threads_unlock();

	/* The device still counts the channel: it cannot be freed meanwhile. */
	ch->destroy_cb(dev->io_device, spdk_io_channel_get_ctx(ch));
	free(ch);
	/* Count down and decide in one critical section: of two channels
	 * released at once on two pthreads, only the last frees the device. */
	pw__io_device_release(dev);
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
	/* NULL map: the thread is being destroyed and its channels are gone
	 * (a message run while it is destroyed can still ask). */
	return map != NULL && map->len > 0 ? map->chs[0] : NULL;
}

PW_EXPORT struct spdk_io_channel *
spdk_thread_get_next_io_channel(struct spdk_io_channel *prev)
{
	struct io_channel_map *map;

	if (channel_null(__func__, prev)) {
		return NULL;
	}
	map = prev->thread->channels;
	if (map == NULL || !prev->linked) {
		/* Its thread's channels are gone, or prev was released. */
		return NULL;
	}
	uint32_t i = map_lower_bound(map, prev->dev);

	return i + 1 < map->len ? map->chs[i + 1] : NULL;
}

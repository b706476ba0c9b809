/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The io_device registry.
 *
 * A device is any unique pointer registered with create/destroy callbacks.
 * The registry is an array of devices sorted by that pointer, changed under
 * the thread list lock. An unregistered device leaves the registry at once
 * (the same pointer may be registered again) but lives on until its last
 * channel is released; then it is freed, and its unregister callback, if
 * any, runs on the thread that unregistered it. An unregistration asked for
 * while spdk_for_each_channel() walks are outstanding waits for them to end
 * (as SPDK's does).
 */

#include "thread/io_channel_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

static struct io_device **g_devs;	/* by io_device pointer */
static uint32_t g_ndevs;
static uint32_t g_devs_cap;

/* ---------------------------------------------------------------------------
 * The sorted registry
 * ------------------------------------------------------------------------- */

static bool
dev_ptr_before(const void *elem, const void *key)
{
	return (uintptr_t)(*(struct io_device *const *)elem)->io_device < (uintptr_t)key;
}

/* First index whose device pointer is >= key. */
static uint32_t
devs_lower_bound(void *key)
{
	return pw__lower_bound(g_devs, g_ndevs, sizeof(g_devs[0]), key, dev_ptr_before);
}

struct io_device *
pw__io_device_find(void *io_device)
{
	uint32_t i = devs_lower_bound(io_device);

	return i < g_ndevs && g_devs[i]->io_device == io_device ? g_devs[i] : NULL;
}

static void
dev_remove(struct io_device *dev)
{
	uint32_t i = devs_lower_bound(dev->io_device);

	assert(i < g_ndevs && g_devs[i] == dev);
	memmove(&g_devs[i], &g_devs[i + 1], (g_ndevs - i - 1) * sizeof(g_devs[0]));
	g_ndevs--;
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
 * Registration
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
	old = pw__io_device_find(io_device);
	if (old != NULL) {
		pw__threads_unlock();
		SPDK_ERRLOG("io_device %p already registered (old: %s, new: %s)\n", io_device,
			    old->name, dev->name);
		free(dev);
		return;
	}
	if (pw__array_grow((void **)&g_devs, &g_devs_cap, g_ndevs, sizeof(g_devs[0])) != 0) {
		pw__threads_unlock();
		SPDK_ERRLOG("no memory to register io_device %s\n", dev->name);
		free(dev);
		return;
	}
	i = devs_lower_bound(io_device);
	memmove(&g_devs[i + 1], &g_devs[i], (g_ndevs - i) * sizeof(g_devs[0]));
	g_devs[i] = dev;
	g_ndevs++;
	pw__threads_unlock();
	SPDK_DEBUGLOG(thread, "registered io_device %s (%p) on thread %s\n", dev->name,
		      io_device, thread->name);
}

/* ---------------------------------------------------------------------------
 * Unregistration
 * ------------------------------------------------------------------------- */

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

/* Free an unregistered device that has no channel left, on the unregistering
 * thread if it asked for a callback. Only after free_now() said so. */
void
pw__io_device_free(struct io_device *dev)
{
	if (dev->unregister_cb == NULL) {
		free(dev->threads);
		free(dev);
		return;
	}
	send_finish_unregister(dev);
}

/*
 * The one place that decides "free the device now", lock held, in the same
 * critical section as the change that can make it true (the last channel
 * released, or the unregistration itself): an unregistered device with no
 * channel left. It answers true once per device, so two releases that end
 * at the same time on two pthreads cannot both free it.
 */
static bool
free_now(struct io_device *dev)
{
	if (!dev->unregistered || dev->refcnt > 0 || dev->freed) {
		return false;
	}
	dev->freed = true;
	return true;
}

/* Unregister now (lock held): out of the registry, and whether to free it. */
static bool
unregister_locked(struct io_device *dev)
{
	dev->unregistered = true;
	dev->pending_unregister = false;
	dev_remove(dev);
	return free_now(dev);
}

void
pw__io_device_release(struct io_device *dev)
{
	bool free_dev;

	pw__threads_lock();
	assert(dev->refcnt > 0);
	dev->refcnt--;
	free_dev = free_now(dev);
	pw__threads_unlock();
	if (free_dev) {
		pw__io_device_free(dev);
	}
}

PW_EXPORT void
spdk_io_device_unregister(void *io_device, spdk_io_device_unregister_cb unregister_cb)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct io_device *dev;
	bool free_dev;

	if (thread == NULL) {
		SPDK_ERRLOG("spdk_io_device_unregister(%p): no current spdk_thread\n", io_device);
		return;
	}
	pw__threads_lock();
	dev = pw__io_device_find(io_device);
	if (dev == NULL) {
		pw__threads_unlock();
		SPDK_ERRLOG("io_device %p is not registered\n", io_device);
		return;
	}
	/* A second unregister while the first waits for walks to finish. */
	if (dev->pending_unregister) {
		pw__threads_unlock();
		SPDK_ERRLOG("io_device %s already has an unregistration pending\n", dev->name);
		return;
	}
	dev->unregister_cb = unregister_cb;
	dev->unregister_thread = thread;
	dev->unregister_thread_id = thread->id;
	/* Counted before the device can be freed (and the callback sent to this
	 * thread, which decrements it). */
	if (unregister_cb != NULL) {
		thread->pending_unregister_count++;
	}
	if (dev->for_each_count > 0) {
		SPDK_WARNLOG("io_device %s has %u spdk_for_each_channel walk(s) outstanding; "
			     "unregistering when they end\n", dev->name, dev->for_each_count);
		dev->pending_unregister = true;
		pw__threads_unlock();
		return;
	}
	/* From here on another pthread may free dev as soon as the lock drops. */
	free_dev = unregister_locked(dev);
	pw__threads_unlock();
	if (free_dev) {
		pw__io_device_free(dev);
	}
}

bool
pw__io_device_walk_ended_locked(struct io_device *dev)
{
	assert(dev->for_each_count > 0);
	dev->for_each_count--;
	if (!dev->pending_unregister || dev->for_each_count > 0) {
		return false;
	}
	return unregister_locked(dev);
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

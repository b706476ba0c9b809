/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_for_each_channel(): walk the threads that hold a channel of a device,
 * in ascending thread id, one message at a time, then complete on the
 * originating thread. The walk finds its next thread in the device's thread
 * list (io_channel_internal.h) under the thread list lock, so a thread that
 * releases its channel or is destroyed meanwhile is skipped, never visited
 * after it is gone.
 */

#include "thread/io_channel_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

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
	uint64_t			retry_min_id;	/* walk_again() goes on from here */
};

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
	ch = pw__channel_find(i->cur_thread, i->dev);
	pw__threads_unlock();
	if (ch != NULL) {
		i->ch = ch;
		i->fn(i);
	} else {
		spdk_for_each_channel_continue(i, 0);
	}
}

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
	bool free_dev = false;

	i->done = true;
	pw__threads_lock();
	if (dev != NULL) {
		/* A deferred unregistration happens here, in the same critical
		 * section: no other call can slip in between. */
		free_dev = pw__io_device_walk_ended_locked(dev);
	}
	i->ch = NULL;
	pw__threads_unlock();

	/* After this the completion may run on another pthread and free i. */
	send_completion(i);
	if (free_dev) {
		pw__io_device_free(dev);
	}
}

static void walk_from(struct spdk_io_channel_iter *i, uint64_t min_id);

/* The message queues were full: try the same thread again (a poller's call). */
static void
walk_again(void *arg)
{
	struct spdk_io_channel_iter *i = arg;

	walk_from(i, i->retry_min_id);
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
		j = pw__dev_thread_pos(dev, min_id);
		if (j < dev->nthreads) {
			thread = dev->threads[j].thread;
			id = dev->threads[j].id;
			i->cur_thread = thread;
			i->ch = pw__channel_find(thread, dev);
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
		/* No message to be had: not a reason to skip a channel (as
		 * spdk_for_each_thread() does); try again a little later. */
		if (rc == -ENOMEM) {
			i->retry_min_id = id;
			if (pw__retry_later(walk_again, i)) {
				return;
			}
		}
		/* Unreachable thread (exited), or no way to retry: skip it. */
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
	i->dev = pw__io_device_find(io_device);
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
	struct spdk_thread *cur;

	if (iter_null(__func__, i)) {
		return;
	}
	if (i->done) {
		/* The walk's end may have freed the device (a deferred
		 * unregistration): name it by the user's pointer only. */
		SPDK_ERRLOG("spdk_for_each_channel_continue: the walk over io_device %p has already "
			    "ended; call ignored\n", i->io_device);
		return;
	}
	cur = i->cur_thread;
	if (cur != pw__tls_thread) {
		pw__wrong_thread(__func__, i->dev ? i->dev->name : "?", cur, pw__tls_thread);
		return;
	}
	/* Everything is read before the walk moves on: once it is sent to the
	 * next thread or its completion is sent, i may be freed on another
	 * pthread at any time. */
	i->status = status;
	if (status != 0) {
		complete_walk(i);
		return;
	}
	walk_from(i, cur->id + 1);
}


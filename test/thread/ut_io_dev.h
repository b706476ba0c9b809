/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * A test device shared by test_io_channel.c and test_io_device.c: counters
 * for create/destroy/unregister callbacks, a context that proves a channel
 * is alive, and helpers that count channels through the public lists.
 */

#ifndef PW_TEST_UT_IO_DEV_H
#define PW_TEST_UT_IO_DEV_H

#include "harness.h"
#include "ut_thread.h"

#include "spdk/thread.h"
#include "spdk_internal/thread.h"

#define CTX_MAGIC 0x5eed5eed0000ull

/* A device: the test's counters, its address is the io_device pointer. */
struct ut_dev {
	uint64_t		magic;		/* written into every ctx by create */
	int			creates;
	int			destroys;
	int			unregs;
	int			fail_creates;	/* create fails while this is > 0 */
	bool			unreg_in_create;
	int			live_at_unreg;	/* creates - destroys when unreg_cb ran */
	struct spdk_thread	*unreg_thread;	/* where unreg_cb ran */
};

struct ut_ctx {
	uint64_t		magic;
	struct spdk_thread	*thread;	/* current thread seen by create */
	void			*io_device;
};

static inline void dev_unreg_cb(void *io_device);

static inline int
dev_create(void *io_device, void *buf)
{
	struct ut_dev *dev = io_device;
	struct ut_ctx *ctx = buf;

	ASSERT_EQ(ctx->magic, 0);	/* a fresh, zeroed context */
	dev->creates++;
	if (dev->unreg_in_create) {
		spdk_io_device_unregister(io_device, dev_unreg_cb);
	}
	if (dev->fail_creates > 0) {
		dev->fail_creates--;
		return -ENOMEM;
	}
	ctx->magic = dev->magic;
	ctx->thread = spdk_get_thread();
	ctx->io_device = io_device;
	return 0;
}

static inline void
dev_destroy(void *io_device, void *buf)
{
	struct ut_dev *dev = io_device;
	struct ut_ctx *ctx = buf;

	/* Destroyed exactly once, on the thread that created it. */
	ASSERT_EQ(ctx->magic, dev->magic);
	ASSERT_PTR_EQ(ctx->thread, spdk_get_thread());
	ctx->magic = 0;
	dev->destroys++;
}

static inline void
dev_unreg_cb(void *io_device)
{
	struct ut_dev *dev = io_device;

	dev->unregs++;
	dev->live_at_unreg = dev->creates - dev->destroys;
	dev->unreg_thread = spdk_get_thread();
}

static inline void
reg(struct ut_dev *dev, uint64_t magic, const char *name)
{
	dev->magic = magic;
	spdk_io_device_register(dev, dev_create, dev_destroy, sizeof(struct ut_ctx), name);
}

static inline struct ut_ctx *
ctx_of(struct spdk_io_channel *ch)
{
	return spdk_io_channel_get_ctx(ch);
}

/* Channels alive for io_device across the simulator's threads (what the
 * device's private refcount counts). */
static inline int
dev_channels(void *io_device)
{
	int n = 0;

	for (uint32_t t = 0; t < ut_thread_count(); t++) {
		struct spdk_thread *thread = ut_thread(t);
		struct spdk_io_channel *ch;

		if (thread == NULL) {
			continue;
		}
		for (ch = spdk_thread_get_first_io_channel(thread); ch != NULL;
		     ch = spdk_thread_get_next_io_channel(ch)) {
			if (spdk_io_channel_get_io_device(ch) == io_device) {
				n++;
			}
		}
	}
	return n;
}

static inline int
thread_channels(uint32_t t)
{
	int n = 0;

	for (struct spdk_io_channel *ch = spdk_thread_get_first_io_channel(ut_thread(t));
	     ch != NULL; ch = spdk_thread_get_next_io_channel(ch)) {
		n++;
	}
	return n;
}

#endif /* PW_TEST_UT_IO_DEV_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * A device and a recording spdk_for_each_channel() walk shared by
 * test_for_each_channel.c and test_for_each_channel_unreg.c: the walk's fn
 * checks the iterator and that the visited channel is alive, records where
 * it ran, and continues at once, later, with a status, or not at all.
 */

#ifndef PW_TEST_UT_WALK_H
#define PW_TEST_UT_WALK_H

#include "harness.h"
#include "ut_thread.h"

#include "spdk/thread.h"
#include "thread/thread_internal.h"

#define FE_MAGIC	0xfeedf00dull
#define FE_MAX		16

struct fe_dev {
	int			live;		/* creates - destroys */
	int			creates;
	int			unregs;
	struct spdk_thread	*unreg_thread;
};

struct fe_ctx {
	uint64_t	magic;
};

/* One walk: what it saw, and how its fn behaves. */
struct walk {
	void			*io_device;
	int			visits;
	struct spdk_thread	*visited[FE_MAX];
	struct spdk_io_channel	*chs[FE_MAX];
	int			cpl_calls;
	int			status;
	struct spdk_thread	*cpl_thread;
	struct spdk_io_channel	*cpl_ch;
	int			fail_at;	/* 1-based visit that returns fail_status */
	int			fail_status;
	bool			defer;		/* continue from a later message */
	bool			hold;		/* do not continue; keep the iterator */
	struct spdk_io_channel_iter *held;
	struct spdk_thread	*ref_on;	/* take a reference on this thread's channel */
};

static inline int
fe_create(void *io_device, void *buf)
{
	struct fe_dev *dev = io_device;
	struct fe_ctx *ctx = buf;

	ASSERT_EQ(ctx->magic, 0);
	ctx->magic = FE_MAGIC;
	dev->live++;
	dev->creates++;
	return 0;
}

static inline void
fe_destroy(void *io_device, void *buf)
{
	struct fe_dev *dev = io_device;
	struct fe_ctx *ctx = buf;

	ASSERT_EQ(ctx->magic, FE_MAGIC);
	ctx->magic = 0;
	dev->live--;
}

static inline void
fe_unreg_cb(void *io_device)
{
	struct fe_dev *dev = io_device;

	dev->unregs++;
	dev->unreg_thread = spdk_get_thread();
}

static inline void
continue_msg(void *arg)
{
	spdk_for_each_channel_continue(arg, 0);
}

static inline void
walk_fn(struct spdk_io_channel_iter *i)
{
	struct walk *w = spdk_io_channel_iter_get_ctx(i);
	struct spdk_io_channel *ch = spdk_io_channel_iter_get_channel(i);
	int status;

	ASSERT_NOT_NULL(spdk_get_thread());
	ASSERT_NOT_NULL(ch);
	ASSERT_PTR_EQ(spdk_io_channel_get_thread(ch), spdk_get_thread());
	ASSERT_PTR_EQ(spdk_io_channel_iter_get_io_device(i), w->io_device);
	ASSERT_PTR_EQ(spdk_io_channel_get_io_device(ch), w->io_device);
	/* The channel handed over is alive (not a released one). */
	ASSERT_EQ(((struct fe_ctx *)spdk_io_channel_get_ctx(ch))->magic, FE_MAGIC);
	ASSERT_LT(w->visits, FE_MAX);
	w->visited[w->visits] = spdk_get_thread();
	w->chs[w->visits] = ch;
	w->visits++;
	if (w->ref_on == spdk_get_thread()) {
		spdk_io_channel_ref(ch);
	}
	if (w->hold) {
		w->held = i;
		return;
	}
	if (w->defer) {
		ASSERT_EQ(spdk_thread_send_msg(spdk_get_thread(), continue_msg, i), 0);
		return;
	}
	status = w->visits == w->fail_at ? w->fail_status : 0;
	spdk_for_each_channel_continue(i, status);
}

static inline void
walk_cpl(struct spdk_io_channel_iter *i, int status)
{
	struct walk *w = spdk_io_channel_iter_get_ctx(i);

	ASSERT_PTR_EQ(spdk_io_channel_iter_get_io_device(i), w->io_device);
	w->cpl_calls++;
	w->status = status;
	w->cpl_thread = spdk_get_thread();
	w->cpl_ch = spdk_io_channel_iter_get_channel(i);
}

/* n threads, a device registered on thread 0, a channel on each thread
 * listed in with_ch (all when NULL). Returns with no current thread. */
static inline void
fe_setup(uint32_t n, struct fe_dev *dev, struct spdk_io_channel **chs, const bool *with_ch)
{
	ut_threads_init(n);
	ut_set_thread(0);
	spdk_io_device_register(dev, fe_create, fe_destroy, sizeof(struct fe_ctx), "fe_dev");
	for (uint32_t t = 0; t < n; t++) {
		chs[t] = NULL;
		if (with_ch == NULL || with_ch[t]) {
			ut_set_thread(t);
			chs[t] = spdk_get_io_channel(dev);
			ASSERT_NOT_NULL(chs[t]);
		}
	}
	ut_set_thread(UT_NONE);
}

static inline void
walk_start(uint32_t origin, struct fe_dev *dev, struct walk *w)
{
	w->io_device = dev;
	ut_set_thread(origin);
	spdk_for_each_channel(dev, walk_fn, w, walk_cpl);
	ut_set_thread(UT_NONE);
}

static inline void
put_on(uint32_t t, struct spdk_io_channel *ch)
{
	ut_set_thread(t);
	spdk_put_io_channel(ch);
	ut_set_thread(UT_NONE);
}

static inline void
fe_unregister(struct fe_dev *dev)
{
	ut_set_thread(0);
	spdk_io_device_unregister(dev, NULL);
	ut_set_thread(UT_NONE);
	ASSERT_EQ(pw__io_device_count(), 0);
}

#endif /* PW_TEST_UT_WALK_H */

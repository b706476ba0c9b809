/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * pw_thread_set_waker() and parked threads (pinwheel/thread.h), with a
 * driver of its own (this test pthread, polling by hand):
 *
 * - set_waker_active: on an active thread the waker may be set, changed and
 *   detached (normal use)
 * - set_waker_null_refused_while_parked: detaching the waker of a parked
 *   thread is refused (logged), so a message sent to it still puts it on
 *   its lot (before the refusal the message sat unseen: the sender did not
 *   look at the parking state of a thread without a waker)
 * - set_waker_other_refused_while_parked: another waker is refused too, so a
 *   message sent to the parked thread while its driver sleeps still wakes
 *   that driver's waker; also while woken and not yet taken
 * - set_waker_same_and_after_unpark: the waker it already has is accepted
 *   while parked; once taken back, any change is accepted
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#include <poll.h>

static int g_msgs;

static void
count_msg(void *ctx)
{
	g_msgs++;
}

struct driver {
	struct pw_waker		*waker;
	struct pw_park_lot	*lot;
};

static void
driver_up(struct driver *d)
{
	ut_threads_init(1);
	ASSERT_EQ(pw_waker_create(&d->waker), 0);
	ASSERT_EQ(pw_park_lot_create(&d->lot), 0);
	pw_thread_set_waker(ut_thread(0), d->waker);
	ASSERT_PTR_EQ(pw_thread_get_waker(ut_thread(0)), d->waker);
}

static void
driver_down(struct driver *d)
{
	ASSERT_FALSE(pw_thread_is_parked(ut_thread(0)));
	pw_thread_set_waker(ut_thread(0), NULL);
	ASSERT_NULL(pw_thread_get_waker(ut_thread(0)));
	ut_threads_fini();
	pw_park_lot_destroy(d->lot);
	pw_waker_destroy(d->waker);
}

/* Whether the waker's eventfd is readable now (then drained). */
static bool
waker_written(struct pw_waker *w)
{
	struct pollfd p = { .fd = pw_waker_get_fd(w), .events = POLLIN };

	if (poll(&p, 1, 0) != 1) {
		return false;
	}
	pw_waker_drain(w);
	return true;
}

TEST(set_waker_active)
{
	struct driver d;
	struct pw_waker *w2;
	struct spdk_thread *t;

	driver_up(&d);
	t = ut_thread(0);
	ASSERT_EQ(pw_waker_create(&w2), 0);
	log_capture_start();
	pw_thread_set_waker(t, w2);
	ASSERT_PTR_EQ(pw_thread_get_waker(t), w2);
	pw_thread_set_waker(t, NULL);
	ASSERT_NULL(pw_thread_get_waker(t));
	pw_thread_set_waker(t, d.waker);
	ASSERT_PTR_EQ(pw_thread_get_waker(t), d.waker);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	/* NULL thread: logged, nothing else. */
	pw_thread_set_waker(NULL, d.waker);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	/* Its sends wake the driver when it sleeps. */
	pw_waker_prepare_sleep(d.waker);
	g_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	pw_waker_end_sleep(d.waker);
	ASSERT_TRUE(waker_written(d.waker));
	ut_poll_thread(0);
	ASSERT_EQ(g_msgs, 1);
	pw_waker_destroy(w2);
	driver_down(&d);
}

TEST(set_waker_null_refused_while_parked)
{
	struct driver d;
	struct spdk_thread *t;

	driver_up(&d);
	t = ut_thread(0);
	ut_poll_thread(0);
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	log_capture_start();
	pw_thread_set_waker(t, NULL);
	/* The message still brings it back through the lot (checked first:
	 * this is what was lost). */
	g_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	ASSERT_TRUE(pw_park_lot_pending(d.lot));
	ASSERT_PTR_EQ(pw_park_lot_take(d.lot), t);
	ut_poll_thread(0);
	ASSERT_EQ(g_msgs, 1);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_TRUE(log_capture_contains("is parked"));
	log_capture_stop();
	ASSERT_PTR_EQ(pw_thread_get_waker(t), d.waker);
	driver_down(&d);
}

TEST(set_waker_other_refused_while_parked)
{
	struct driver d;
	struct pw_waker *w2;
	struct spdk_thread *t;

	driver_up(&d);
	t = ut_thread(0);
	ASSERT_EQ(pw_waker_create(&w2), 0);
	ut_poll_thread(0);
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	log_capture_start();
	pw_thread_set_waker(t, w2);
	/* The driver sleeps: the message wakes its waker, not w2 (checked
	 * first: this is what was lost). */
	pw_waker_prepare_sleep(d.waker);
	pw_waker_prepare_sleep(w2);
	g_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	pw_waker_end_sleep(d.waker);
	pw_waker_end_sleep(w2);
	ASSERT_TRUE(waker_written(d.waker));
	ASSERT_FALSE(waker_written(w2));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_PTR_EQ(pw_thread_get_waker(t), d.waker);
	/* Woken, not yet taken: still refused. */
	ASSERT_TRUE(pw_thread_is_parked(t));
	pw_thread_set_waker(t, NULL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();
	ASSERT_PTR_EQ(pw_thread_get_waker(t), d.waker);
	ASSERT_PTR_EQ(pw_park_lot_take(d.lot), t);
	ut_poll_thread(0);
	ASSERT_EQ(g_msgs, 1);
	pw_waker_destroy(w2);
	driver_down(&d);
}

TEST(set_waker_same_and_after_unpark)
{
	struct driver d;
	struct pw_waker *w2;
	struct spdk_thread *t;

	driver_up(&d);
	t = ut_thread(0);
	ASSERT_EQ(pw_waker_create(&w2), 0);
	ut_poll_thread(0);
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	log_capture_start();
	pw_thread_set_waker(t, d.waker);	/* the one it has: fine */
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	ASSERT_TRUE(pw_thread_unpark(t));
	pw_thread_set_waker(t, w2);		/* taken back: any change */
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	log_capture_stop();
	ASSERT_PTR_EQ(pw_thread_get_waker(t), w2);
	pw_waker_prepare_sleep(w2);
	g_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	pw_waker_end_sleep(w2);
	ASSERT_TRUE(waker_written(w2));
	ut_poll_thread(0);
	ASSERT_EQ(g_msgs, 1);
	pw_thread_set_waker(t, d.waker);
	pw_waker_destroy(w2);
	driver_down(&d);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The parking API of pinwheel/thread.h (pw_park_lot_*, pw_thread_park,
 * pw_thread_unpark, pw_thread_is_parked) used by a driver of its own (this
 * test pthread, polling threads by hand), without the event framework:
 *
 * - park_take_poll: an idle thread parks; a message wakes it onto the lot
 *   (the lot's last look sees it), the driver takes it and its slice runs the
 *   message; the driver's waker is woken only when it sleeps
 * - park_refused: a thread with work (a message, an untimed poller, an exit
 *   in progress) or without a waker stays active
 * - unpark_and_critical: pw_thread_unpark() takes back a parked thread (a
 *   due timer); a critical message is seen through
 *   pw_park_lot_check_critical()
 * - misuse: NULL arguments, a double park, an unpark of an active thread, a
 *   NULL lot to take from, destroying a lot with a woken thread, destroying a
 *   thread that is still on a lot: each logs a clear error and returns an
 *   error, nothing crashes or is freed twice
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

static int g_msgs;

static void
count_msg(void *ctx)
{
	g_msgs++;
}

static void
exit_msg(void *ctx)
{
	spdk_thread_exit(spdk_get_thread());
}

static int
idle_poll(void *arg)
{
	return SPDK_POLLER_IDLE;
}

struct driver {
	struct pw_waker		*waker;
	struct pw_park_lot	*lot;
};

static void
driver_up(struct driver *d, uint32_t nthreads)
{
	ut_threads_init(nthreads);
	ASSERT_EQ(pw_waker_create(&d->waker), 0);
	ASSERT_EQ(pw_park_lot_create(&d->lot), 0);
	for (uint32_t i = 0; i < nthreads; i++) {
		pw_thread_set_waker(ut_thread(i), d->waker);
	}
}

static void
driver_down(struct driver *d)
{
	for (uint32_t i = 0; i < ut_thread_count(); i++) {
		if (ut_thread(i) != NULL) {
			ASSERT_FALSE(pw_thread_is_parked(ut_thread(i)));
			pw_thread_set_waker(ut_thread(i), NULL);
		}
	}
	ut_threads_fini();
	pw_park_lot_destroy(d->lot);
	pw_waker_destroy(d->waker);
}

TEST(park_take_poll)
{
	struct driver d;
	struct spdk_thread *t;

	driver_up(&d, 2);
	t = ut_thread(0);
	ut_poll_thread(0);
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	ASSERT_TRUE(pw_thread_is_parked(t));
	ASSERT_NULL(pw_park_lot_take(d.lot));
	ASSERT_FALSE(pw_park_lot_pending(d.lot));

	/* Woken while the driver is awake: on the lot, the waker not written. */
	g_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	ASSERT_TRUE(pw_thread_is_parked(t));	/* woken, not yet taken */
	ASSERT_TRUE(pw_park_lot_pending(d.lot));
	ASSERT_PTR_EQ(pw_park_lot_take(d.lot), t);
	ASSERT_FALSE(pw_thread_is_parked(t));
	ASSERT_NULL(pw_park_lot_take(d.lot));
	ut_poll_thread(0);
	ASSERT_EQ(g_msgs, 1);

	/* Woken while the driver sleeps: its waker is written. */
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	pw_waker_prepare_sleep(d.waker);
	ASSERT_FALSE(pw_park_lot_pending(d.lot));
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	ASSERT_TRUE(pw_park_lot_pending(d.lot));
	pw_waker_end_sleep(d.waker);
	{
		uint64_t v = 0;

		ASSERT_EQ(read(pw_waker_get_fd(d.waker), &v, sizeof(v)), (ssize_t)sizeof(v));
		ASSERT_GE(v, 1);
	}
	ASSERT_PTR_EQ(pw_park_lot_take(d.lot), t);
	ut_poll_thread(0);
	ASSERT_EQ(g_msgs, 2);

	/* Two woken: taken in the order they were woken. */
	ut_poll_thread(1);
	ASSERT_TRUE(pw_thread_park(ut_thread(1), d.lot));
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), count_msg, NULL), 0);
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	ASSERT_PTR_EQ(pw_park_lot_take(d.lot), ut_thread(1));
	ASSERT_PTR_EQ(pw_park_lot_take(d.lot), t);
	ASSERT_NULL(pw_park_lot_take(d.lot));
	ut_poll_threads();
	ASSERT_EQ(g_msgs, 4);
	driver_down(&d);
}

static struct spdk_poller *g_poller;

static void
register_untimed(void *ctx)
{
	g_poller = spdk_poller_register(idle_poll, NULL, 0);
}

static void
unregister_msg(void *ctx)
{
	spdk_poller_unregister(&g_poller);
}

TEST(park_refused)
{
	struct driver d;
	struct spdk_thread *t;

	driver_up(&d, 1);
	t = ut_thread(0);
	/* A message queued. */
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	ASSERT_FALSE(pw_thread_park(t, d.lot));
	ASSERT_FALSE(pw_thread_is_parked(t));
	ut_poll_thread(0);
	/* An untimed poller. */
	ASSERT_EQ(spdk_thread_send_msg(t, register_untimed, NULL), 0);
	ut_poll_thread_times(0, 1);
	ASSERT_FALSE(pw_thread_park(t, d.lot));
	ASSERT_EQ(spdk_thread_send_msg(t, unregister_msg, NULL), 0);
	ut_poll_thread_times(0, 2);
	/* No waker: its senders would not look at its parking state. */
	pw_thread_set_waker(t, NULL);
	ASSERT_FALSE(pw_thread_park(t, d.lot));
	pw_thread_set_waker(t, d.waker);
	/* An exit in progress. */
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	ASSERT_TRUE(pw_thread_unpark(t));
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	spdk_set_thread(NULL);
	ASSERT_FALSE(pw_thread_park(t, d.lot));
	driver_down(&d);
}

static int g_critical;

static void
critical_fn(void *ctx)
{
	g_critical++;
}

TEST(unpark_and_critical)
{
	struct driver d;
	struct spdk_thread *t;

	driver_up(&d, 1);
	t = ut_thread(0);
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	ASSERT_TRUE(pw_thread_unpark(t));
	ASSERT_FALSE(pw_thread_is_parked(t));
	ASSERT_NULL(pw_park_lot_take(d.lot));

	ASSERT_TRUE(pw_thread_park(t, d.lot));
	ASSERT_FALSE(pw_park_lot_check_critical(d.lot));
	g_critical = 0;
	ASSERT_EQ(spdk_thread_send_critical_msg(t, critical_fn), 0);
	ASSERT_TRUE(pw_park_lot_pending(d.lot));
	ASSERT_TRUE(pw_park_lot_check_critical(d.lot));
	ASSERT_FALSE(pw_park_lot_check_critical(d.lot));	/* seen once */
	ASSERT_TRUE(pw_thread_has_pending_messages(t));
	ASSERT_TRUE(pw_thread_unpark(t));
	ut_poll_thread(0);
	ASSERT_EQ(g_critical, 1);
	ASSERT_FALSE(pw_park_lot_pending(d.lot));
	driver_down(&d);
}

TEST(misuse)
{
	struct driver d;
	struct spdk_thread *t;
	struct pw_park_lot *other;

	driver_up(&d, 1);
	t = ut_thread(0);
	log_capture_start();
	ASSERT_EQ(pw_park_lot_create(NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("pw_park_lot_create: NULL lot"));
	pw_park_lot_destroy(NULL);

	log_capture_reset();
	ASSERT_FALSE(pw_thread_park(NULL, d.lot));
	ASSERT_TRUE(log_capture_contains("pw_thread_park: NULL thread"));
	ASSERT_FALSE(pw_thread_park(t, NULL));
	ASSERT_TRUE(log_capture_contains("pw_thread_park: NULL lot"));
	ASSERT_FALSE(pw_thread_is_parked(t));

	/* Double park, also in another lot. */
	log_capture_reset();
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	ASSERT_FALSE(pw_thread_park(t, d.lot));
	ASSERT_TRUE(log_capture_contains("is already parked"));
	ASSERT_EQ(pw_park_lot_create(&other), 0);
	ASSERT_FALSE(pw_thread_park(t, other));
	ASSERT_EQ(log_capture_count_matching("is already parked"), 2);
	pw_park_lot_destroy(other);
	ASSERT_TRUE(pw_thread_unpark(t));

	/* Unpark of a thread that is not parked, or NULL. */
	log_capture_reset();
	ASSERT_FALSE(pw_thread_unpark(t));
	ASSERT_TRUE(log_capture_contains("is not parked"));
	ASSERT_FALSE(pw_thread_unpark(NULL));
	ASSERT_TRUE(log_capture_contains("pw_thread_unpark: NULL thread"));
	ASSERT_FALSE(pw_thread_is_parked(NULL));

	/* NULL lots for the driver's loop. */
	log_capture_reset();
	ASSERT_NULL(pw_park_lot_take(NULL));
	ASSERT_TRUE(log_capture_contains("pw_park_lot_take: NULL lot"));
	ASSERT_FALSE(pw_park_lot_pending(NULL));
	ASSERT_FALSE(pw_park_lot_check_critical(NULL));

	/* A thread woken onto the lot and polled without being taken (the
	 * driver's mistake) exits: it cannot be destroyed while on the lot. */
	log_capture_reset();
	ASSERT_TRUE(pw_thread_park(t, d.lot));
	ASSERT_EQ(spdk_thread_send_msg(t, exit_msg, NULL), 0);
	ut_poll_thread(0);
	ASSERT_TRUE(spdk_thread_is_exited(t));
	spdk_thread_destroy(t);
	ASSERT_TRUE(log_capture_contains("cannot be destroyed: it is parked"));
	ASSERT_PTR_EQ(pw_park_lot_take(d.lot), t);
	spdk_thread_destroy(t);
	ut_thread_forget(0);
	log_capture_stop();
	driver_down(&d);
}

TEST(lot_destroyed_with_threads_in_it)
{
	struct driver d;
	struct spdk_thread *t;
	struct pw_park_lot *lot;

	driver_up(&d, 1);
	t = ut_thread(0);
	ASSERT_EQ(pw_park_lot_create(&lot), 0);
	log_capture_start();
	/* Parked, not woken: a later waker would push it on the freed lot, so
	 * the lot is kept (logged). */
	ASSERT_TRUE(pw_thread_park(t, lot));
	pw_park_lot_destroy(lot);
	ASSERT_TRUE(log_capture_contains("1 thread(s) still parked in it"));
	ASSERT_TRUE(pw_thread_unpark(t));
	pw_park_lot_destroy(lot);	/* (second call: freed now, or leaked above) */

	/* Woken, not taken: given back active, then the lot is freed. */
	ASSERT_EQ(pw_park_lot_create(&lot), 0);
	ASSERT_TRUE(pw_thread_park(t, lot));
	g_msgs = 0;
	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, NULL), 0);
	log_capture_reset();
	pw_park_lot_destroy(lot);
	ASSERT_TRUE(log_capture_contains("woken threads were not taken (1)"));
	log_capture_stop();
	ASSERT_FALSE(pw_thread_is_parked(t));
	ut_poll_thread(0);
	ASSERT_EQ(g_msgs, 1);
	ASSERT_TRUE(pw_thread_park(t, d.lot));	/* parkable again */
	ASSERT_TRUE(pw_thread_unpark(t));
	driver_down(&d);
}

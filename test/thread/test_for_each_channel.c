/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_for_each_channel() on the simulator: visiting order, status, the
 * iterator, channels released or re-created while a walk is under way,
 * devices that cannot be walked, and the originating thread exiting.
 * Unregistration during a walk and misuse are in
 * test_for_each_channel_unreg.c.
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"
#include "ut_walk.h"

#include "thread/thread_internal.h"

/* ---------------------------------------------------------------------------
 * for_each_channel_remove
 * ------------------------------------------------------------------------- */

TEST(for_each_channel_remove_put_before_walk_visits_remaining_two)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	put_on(0, chs[0]);
	ASSERT_EQ(dev.live, 3);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 2);
	walk_start(0, &dev, &w);
	ASSERT_EQ(w.visits + w.cpl_calls, 0);
	ut_poll_threads();
	ASSERT_EQ(w.visits, 2);
	ASSERT_PTR_EQ(w.visited[0], ut_thread(1));
	ASSERT_PTR_EQ(w.visited[1], ut_thread(2));
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, 0);
	put_on(1, chs[1]);
	put_on(2, chs[2]);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_remove_put_after_walk_started_channel_still_visited)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	walk_start(0, &dev, &w);
	put_on(0, chs[0]);	/* its release is queued behind the walk */
	ASSERT_EQ(dev.live, 3);
	ut_poll_thread(0);
	ASSERT_EQ(w.visits, 1);
	ASSERT_PTR_EQ(w.visited[0], ut_thread(0));
	ASSERT_PTR_EQ(w.chs[0], chs[0]);
	ASSERT_EQ(dev.live, 2);
	ut_poll_threads();
	ASSERT_EQ(w.visits + w.cpl_calls, 4);
	ASSERT_EQ(dev.live, 2);
	put_on(1, chs[1]);
	put_on(2, chs[2]);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_remove_put_then_walk_then_poll_skips_released)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	put_on(0, chs[0]);	/* released before the walk reaches thread 0 */
	walk_start(0, &dev, &w);
	ut_poll_threads();
	ASSERT_EQ(w.visits, 2);
	ASSERT_PTR_EQ(w.visited[0], ut_thread(1));
	ASSERT_PTR_EQ(w.visited[1], ut_thread(2));
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, 0);
	ASSERT_EQ(dev.live, 2);
	put_on(1, chs[1]);
	put_on(2, chs[2]);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

struct regain {
	struct fe_dev		*dev;
	struct spdk_io_channel	*ch;
};

static void
regain_msg(void *arg)
{
	struct regain *r = arg;

	r->ch = spdk_get_io_channel(r->dev);
}

TEST(for_each_channel_remove_recreated_channel_visited_two_puts_release_it)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3], *fresh;
	struct regain r = {0};
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	/* Release, re-create by a queued message, then start the walk: thread 0
	 * runs the release, the re-creation, then the visit. */
	put_on(0, chs[0]);
	r.dev = &dev;
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), regain_msg, &r), 0);
	w.ref_on = ut_thread(0);
	walk_start(0, &dev, &w);
	ut_poll_thread(0);
	ASSERT_EQ(dev.creates, 4);
	ASSERT_EQ(dev.live, 3);
	fresh = r.ch;
	ASSERT_NOT_NULL(fresh);
	ASSERT_EQ(w.visits, 1);
	ASSERT_PTR_EQ(w.chs[0], fresh);	/* the new channel, checked alive by walk_fn */
	ut_poll_threads();
	ASSERT_EQ(w.visits + w.cpl_calls, 4);
	/* One reference from the re-creation, one taken by the walk. */
	ASSERT_EQ(spdk_io_channel_get_ref_count(fresh), 2);
	put_on(0, fresh);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 3);
	put_on(0, fresh);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 2);
	put_on(1, chs[1]);
	put_on(2, chs[2]);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_remove_balance_returns_to_zero_then_unregister)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w1 = {0}, w2 = {0};

	fe_setup(3, &dev, chs, NULL);
	put_on(0, chs[0]);
	ut_poll_threads();
	walk_start(0, &dev, &w1);
	ut_poll_threads();
	ASSERT_EQ(w1.visits + w1.cpl_calls, 3);
	ut_set_thread(0);
	chs[0] = spdk_get_io_channel(&dev);
	ut_set_thread(UT_NONE);
	walk_start(0, &dev, &w2);
	put_on(0, chs[0]);
	ut_poll_threads();
	ASSERT_EQ(w2.visits + w2.cpl_calls, 4);
	ASSERT_EQ(dev.live, 2);
	put_on(1, chs[1]);
	put_on(2, chs[2]);
	ASSERT_EQ(dev.live, 2);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	ASSERT_EQ(dev.creates, 4);
	ut_set_thread(0);
	spdk_io_device_unregister(&dev, NULL);
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * Order, iterator, status
 * ------------------------------------------------------------------------- */

TEST(for_each_channel_visits_ascending_thread_ids_whatever_the_poll_order)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[4];
	struct walk w = {0};
	const uint32_t get_order[4] = {3, 1, 0, 2};
	uint32_t rounds = 0;

	ut_threads_init(4);
	for (uint32_t t = 1; t < 4; t++) {
		ASSERT_GT(spdk_thread_get_id(ut_thread(t)), spdk_thread_get_id(ut_thread(t - 1)));
	}
	ut_set_thread(0);
	spdk_io_device_register(&dev, fe_create, fe_destroy, sizeof(struct fe_ctx), "order");
	for (uint32_t k = 0; k < 4; k++) {
		ut_set_thread(get_order[k]);
		chs[get_order[k]] = spdk_get_io_channel(&dev);
	}
	walk_start(2, &dev, &w);
	ASSERT_EQ(w.visits + w.cpl_calls, 0);
	while (w.cpl_calls == 0) {
		for (int t = 3; t >= 0; t--) {
			ut_poll_thread((uint32_t)t);
		}
		ASSERT_LT(++rounds, 100);
	}
	ASSERT_EQ(w.visits, 4);
	for (uint32_t t = 0; t < 4; t++) {
		ASSERT_PTR_EQ(w.visited[t], ut_thread(t));
		ASSERT_PTR_EQ(w.chs[t], chs[t]);
	}
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, 0);
	ASSERT_PTR_EQ(w.cpl_thread, ut_thread(2));
	ASSERT_NULL(w.cpl_ch);
	for (uint32_t t = 0; t < 4; t++) {
		put_on(t, chs[t]);
	}
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_one_visit_per_poll_completion_at_origin_poll)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	walk_start(1, &dev, &w);
	ut_poll_thread(1);		/* not its turn yet: thread 0 comes first */
	ASSERT_EQ(w.visits, 0);
	ut_poll_thread(0);
	ASSERT_EQ(w.visits, 1);
	ut_poll_thread(0);
	ASSERT_EQ(w.visits, 1);
	ut_poll_thread(1);
	ASSERT_EQ(w.visits, 2);
	ut_poll_thread(2);
	ASSERT_EQ(w.visits, 3);
	ASSERT_EQ(w.cpl_calls, 0);
	ut_poll_thread(2);
	ut_poll_thread(0);
	ASSERT_EQ(w.cpl_calls, 0);
	ut_poll_thread(1);
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_PTR_EQ(w.cpl_thread, ut_thread(1));
	for (uint32_t t = 0; t < 3; t++) {
		put_on(t, chs[t]);
	}
	ut_poll_threads();
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_nonzero_status_stops_walk_and_reaches_completion)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	w.fail_at = 2;
	w.fail_status = -EAGAIN;
	walk_start(0, &dev, &w);
	ut_poll_threads();
	ASSERT_EQ(w.visits, 2);
	ASSERT_PTR_EQ(w.visited[1], ut_thread(1));
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, -EAGAIN);
	ASSERT_PTR_EQ(w.cpl_thread, ut_thread(0));
	ASSERT_EQ(ut_thread(0)->for_each_count, 0);
	/* The device's walk count dropped too: unregistration is not deferred. */
	ut_set_thread(0);
	spdk_io_device_unregister(&dev, NULL);
	ASSERT_EQ(pw__io_device_count(), 0);
	for (uint32_t t = 0; t < 3; t++) {
		put_on(t, chs[t]);
	}
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	ut_threads_fini();
}

TEST(for_each_channel_positive_status_also_stops)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[2];
	struct walk w = {0};

	fe_setup(2, &dev, chs, NULL);
	w.fail_at = 1;
	w.fail_status = 7;
	walk_start(1, &dev, &w);
	ut_poll_threads();
	ASSERT_EQ(w.visits, 1);
	ASSERT_PTR_EQ(w.visited[0], ut_thread(0));
	ASSERT_EQ(w.status, 7);
	ASSERT_EQ(w.cpl_calls, 1);
	put_on(0, chs[0]);
	put_on(1, chs[1]);
	ut_poll_threads();
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_continue_later_from_a_message)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	w.defer = true;
	walk_start(0, &dev, &w);
	ut_poll_threads();
	ASSERT_EQ(w.visits, 3);
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, 0);
	for (uint32_t t = 0; t < 3; t++) {
		put_on(t, chs[t]);
	}
	ut_poll_threads();
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_two_walks_interleaved_both_complete)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk a = {0}, b = {0};

	fe_setup(3, &dev, chs, NULL);
	walk_start(0, &dev, &a);
	walk_start(2, &dev, &b);
	ut_poll_threads();
	ASSERT_EQ(a.visits, 3);
	ASSERT_EQ(b.visits, 3);
	ASSERT_EQ(a.cpl_calls, 1);
	ASSERT_EQ(b.cpl_calls, 1);
	ASSERT_PTR_EQ(a.cpl_thread, ut_thread(0));
	ASSERT_PTR_EQ(b.cpl_thread, ut_thread(2));
	ut_set_thread(1);
	spdk_io_device_unregister(&dev, NULL);
	ASSERT_EQ(pw__io_device_count(), 0);
	for (uint32_t t = 0; t < 3; t++) {
		put_on(t, chs[t]);
	}
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	ut_threads_fini();
}

/* A walk, and the channels a message creates on the thread it runs on. */
struct grow_ctx {
	struct walk		w;
	struct fe_dev		*dev;
	struct spdk_io_channel	*made[4];
};

static void
make_channel_msg(void *arg)
{
	struct grow_ctx *g = arg;
	uint32_t t;

	for (t = 0; t < ut_thread_count(); t++) {
		if (ut_thread(t) == spdk_get_thread()) {
			break;
		}
	}
	g->made[t] = spdk_get_io_channel(g->dev);
}

TEST(for_each_channel_sees_channels_created_ahead_not_behind)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[4];
	const bool with[4] = {false, true, false, false};
	struct grow_ctx g = {0};

	fe_setup(4, &dev, chs, with);
	g.dev = &dev;
	g.w.hold = true;
	walk_start(1, &dev, &g.w);
	ut_poll_thread(1);
	ASSERT_EQ(g.w.visits, 1);
	ASSERT_NOT_NULL(g.w.held);
	/* While the walk stands on thread 1, channels appear on thread 0
	 * (behind it) and on thread 3 (ahead of it). */
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), make_channel_msg, &g), 0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(3), make_channel_msg, &g), 0);
	ut_poll_thread(0);
	ut_poll_thread(3);
	ASSERT_NOT_NULL(g.made[0]);
	ASSERT_NOT_NULL(g.made[3]);
	g.w.hold = false;
	ut_set_thread(1);
	spdk_for_each_channel_continue(g.w.held, 0);
	ut_set_thread(UT_NONE);
	ut_poll_threads();
	ASSERT_EQ(g.w.visits, 2);
	ASSERT_PTR_EQ(g.w.visited[0], ut_thread(1));
	ASSERT_PTR_EQ(g.w.visited[1], ut_thread(3));
	ASSERT_EQ(g.w.cpl_calls, 1);
	put_on(1, chs[1]);
	put_on(0, g.made[0]);
	put_on(3, g.made[3]);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

TEST(for_each_channel_reregistered_pointer_walks_new_registration_only)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3], *fresh;
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	/* Old registration: channels on all three threads, kept alive. */
	ut_set_thread(0);
	spdk_io_device_unregister(&dev, NULL);
	spdk_io_device_register(&dev, fe_create, fe_destroy, sizeof(struct fe_ctx), "again");
	ut_set_thread(2);
	fresh = spdk_get_io_channel(&dev);
	ASSERT_PTR_NE(fresh, chs[2]);
	walk_start(0, &dev, &w);
	ut_poll_threads();
	ASSERT_EQ(w.visits, 1);
	ASSERT_PTR_EQ(w.visited[0], ut_thread(2));
	ASSERT_PTR_EQ(w.chs[0], fresh);
	ASSERT_EQ(w.cpl_calls, 1);
	for (uint32_t t = 0; t < 3; t++) {
		put_on(t, chs[t]);
	}
	put_on(2, fresh);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * Devices that cannot be walked
 * ------------------------------------------------------------------------- */

TEST(for_each_channel_unknown_device_completes_with_enodev)
{
	struct walk w = {0};
	uint64_t unknown;

	ut_threads_init(2);
	w.io_device = &unknown;
	ut_set_thread(1);
	log_capture_start();
	spdk_for_each_channel(&unknown, walk_fn, &w, walk_cpl);
	ASSERT_TRUE(log_capture_contains("is not registered"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	ASSERT_EQ(w.cpl_calls, 0);		/* not at call time */
	ASSERT_EQ(ut_thread(1)->for_each_count, 1);
	ut_poll_thread(0);
	ASSERT_EQ(w.cpl_calls, 0);
	ut_poll_thread(1);
	ASSERT_EQ(w.visits, 0);
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, -ENODEV);
	ASSERT_PTR_EQ(w.cpl_thread, ut_thread(1));
	ASSERT_EQ(ut_thread(1)->for_each_count, 0);
	ut_threads_fini();
}

TEST(for_each_channel_device_being_unregistered_completes_with_enodev)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[2];
	struct walk first = {0}, late = {0};

	fe_setup(2, &dev, chs, NULL);
	walk_start(0, &dev, &first);
	ut_set_thread(0);
	spdk_io_device_unregister(&dev, NULL);
	log_capture_start();
	walk_start(1, &dev, &late);
	ASSERT_TRUE(log_capture_contains("is being unregistered"));
	log_capture_stop();
	ut_poll_threads();
	ASSERT_EQ(first.visits, 2);
	ASSERT_EQ(first.status, 0);
	ASSERT_EQ(late.visits, 0);
	ASSERT_EQ(late.cpl_calls, 1);
	ASSERT_EQ(late.status, -ENODEV);
	ASSERT_EQ(pw__io_device_count(), 0);
	put_on(0, chs[0]);
	put_on(1, chs[1]);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	ut_threads_fini();
}

TEST(for_each_channel_device_without_channels_completes_with_zero)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[2];
	const bool none[2] = {false, false};
	struct walk w = {0};

	fe_setup(2, &dev, chs, none);
	walk_start(1, &dev, &w);
	ASSERT_EQ(w.cpl_calls, 0);
	ut_poll_threads();
	ASSERT_EQ(w.visits, 0);
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, 0);
	ASSERT_PTR_EQ(w.cpl_thread, ut_thread(1));
	ut_set_thread(0);
	spdk_io_device_unregister(&dev, NULL);
	ut_threads_fini();
}

TEST(for_each_channel_skips_a_thread_forced_to_exited)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};

	fe_setup(3, &dev, chs, NULL);
	ut_set_thread(1);
	spdk_thread_exit(ut_thread(1));
	ut_poll_thread(1);
	ut_delay_us(PW_THREAD_EXIT_TIMEOUT_SEC * 1000000ull);
	log_capture_start();
	ut_poll_thread(1);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(1)));
	walk_start(0, &dev, &w);
	ut_poll_threads();
	log_capture_stop();
	ASSERT_EQ(w.visits, 2);
	ASSERT_PTR_EQ(w.visited[0], ut_thread(0));
	ASSERT_PTR_EQ(w.visited[1], ut_thread(2));
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, 0);
	for (uint32_t t = 0; t < 3; t++) {
		put_on(t, chs[t]);	/* thread 1's is released at once */
	}
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * for_each_channel_and_thread_exit_race
 * ------------------------------------------------------------------------- */

TEST(for_each_channel_and_thread_exit_race_origin_exits_after_completion)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	const bool with[3] = {false, true, true};
	struct walk w = {0};
	struct spdk_thread *origin;

	fe_setup(3, &dev, chs, with);
	origin = ut_thread(0);
	walk_start(0, &dev, &w);
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_exit(origin), 0);
	ut_poll_thread(0);
	ASSERT_EQ(origin->state, PW_THREAD_EXITING);
	ASSERT_EQ(origin->for_each_count, 1);
	ASSERT_FALSE(spdk_thread_is_exited(origin));
	ut_poll_thread(1);
	ut_poll_thread(2);
	ASSERT_EQ(w.visits, 2);
	ASSERT_PTR_EQ(w.visited[0], ut_thread(1));
	ASSERT_PTR_EQ(w.visited[1], ut_thread(2));
	ASSERT_EQ(w.cpl_calls, 0);
	ASSERT_FALSE(spdk_thread_is_exited(origin));
	ut_poll_thread(0);
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_PTR_EQ(w.cpl_thread, origin);
	ASSERT_EQ(origin->for_each_count, 0);
	ASSERT_TRUE(spdk_thread_is_exited(origin));
	put_on(1, chs[1]);
	put_on(2, chs[2]);
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	ut_set_thread(1);
	spdk_io_device_unregister(&dev, NULL);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * A full message pool is not a reason to skip a channel
 * ------------------------------------------------------------------------- */

static void
count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

/* The walk cannot send to thread 1 while the process's messages are all
 * queued there (-ENOMEM): it retries from a poller, as spdk_for_each_thread()
 * does, instead of skipping thread 1's channel and completing with 0 (which
 * it did before: 2 visits, and the log "cannot reach thread 2 (Cannot
 * allocate memory); skipping it"). */
TEST(for_each_channel_visits_a_channel_whose_thread_queue_was_full)
{
	struct fe_dev dev = {0};
	struct spdk_io_channel *chs[3];
	struct walk w = {0};
	int n = 0;

	ut_threads_init_ext(3, 255);
	ut_set_thread(0);
	spdk_io_device_register(&dev, fe_create, fe_destroy, sizeof(struct fe_ctx), "fe_dev");
	for (uint32_t t = 0; t < 3; t++) {
		ut_set_thread(t);
		chs[t] = spdk_get_io_channel(&dev);
		ASSERT_NOT_NULL(chs[t]);
	}
	ut_set_thread(2);
	while (spdk_thread_send_msg(ut_thread(1), count_msg, &n) == 0) {
	}
	walk_start(0, &dev, &w);
	log_capture_start();
	ut_poll_thread(0);		/* visits 0; no message to be had for 1 */
	log_capture_stop();
	ASSERT_EQ(w.visits, 1);
	ASSERT_EQ(w.cpl_calls, 0);
	ut_poll_threads();		/* thread 1 drains; the walk goes on */
	ASSERT_GT(n, 0);
	ASSERT_EQ(w.visits, 3);
	ASSERT_PTR_EQ(w.visited[1], ut_thread(1));
	ASSERT_EQ(w.cpl_calls, 1);
	ASSERT_EQ(w.status, 0);
	for (uint32_t t = 0; t < 3; t++) {
		put_on(t, chs[t]);
	}
	ut_poll_threads();
	ASSERT_EQ(dev.live, 0);
	fe_unregister(&dev);
	ut_threads_fini();
}

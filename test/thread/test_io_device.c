/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * I/O devices on the simulator: registration and unregistration (with and
 * without a callback, misuse), nested channels torn down while the thread
 * exits, unregistration racing with thread exit, full-width device keys and
 * a failing create callback.
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"
#include "ut_io_dev.h"

#include "thread/thread_internal.h"

/* A second create callback, to tell which registration a channel came from. */
static int g_other_creates;

static int
other_create(void *io_device, void *buf)
{
	g_other_creates++;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Devices: registration, unregistration
 * ------------------------------------------------------------------------- */

TEST(io_device_register_twice_keeps_first_registration)
{
	struct ut_dev d = {0};
	struct spdk_io_channel *ch;

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC, "first");
	log_capture_start();
	spdk_io_device_register(&d, other_create, dev_destroy, 8, "second");
	ASSERT_TRUE(log_capture_contains("already registered"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	ASSERT_EQ(pw__io_device_count(), 1);
	ch = spdk_get_io_channel(&d);
	ASSERT_EQ(d.creates, 1);
	ASSERT_EQ(g_other_creates, 0);
	ASSERT_STR_EQ(spdk_io_channel_get_io_device_name(ch), "first");
	spdk_put_io_channel(ch);
	ut_poll_thread(0);
	spdk_io_device_unregister(&d, NULL);
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

TEST(io_device_register_bad_arguments_logged)
{
	struct ut_dev d = {0};

	ut_threads_init(1);
	log_capture_start();
	ut_set_thread(0);
	spdk_io_device_register(NULL, dev_create, dev_destroy, 8, "null_dev");
	spdk_io_device_register(&d, NULL, dev_destroy, 8, "null_create");
	spdk_io_device_register(&d, dev_create, NULL, 8, "null_destroy");
	ut_set_thread(UT_NONE);
	spdk_io_device_register(&d, dev_create, dev_destroy, 8, "no_thread");
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 4);
	ASSERT_TRUE(log_capture_contains("NULL io_device"));
	ASSERT_TRUE(log_capture_contains("NULL create_cb"));
	ASSERT_TRUE(log_capture_contains("NULL destroy_cb"));
	ASSERT_TRUE(log_capture_contains("no current spdk_thread"));
	log_capture_stop();
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

TEST(io_device_unregister_unknown_or_twice_logged)
{
	struct ut_dev d = {0};
	uint64_t unknown;

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC, "d");
	log_capture_start();
	spdk_io_device_unregister(&unknown, dev_unreg_cb);
	ASSERT_EQ(log_capture_count_matching("is not registered"), 1);
	ASSERT_EQ(pw__io_device_count(), 1);
	spdk_io_device_unregister(&d, dev_unreg_cb);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	spdk_io_device_unregister(&d, dev_unreg_cb);
	ASSERT_EQ(log_capture_count_matching("is not registered"), 2);
	ut_set_thread(UT_NONE);
	spdk_io_device_unregister(&d, NULL);
	ASSERT_TRUE(log_capture_contains("no current spdk_thread"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	log_capture_stop();
	ut_poll_thread(0);
	ASSERT_EQ(d.unregs, 1);
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

TEST(io_device_unregister_cb_waits_for_last_channel_on_unregistering_thread)
{
	struct ut_dev d = {0};
	struct spdk_io_channel *c0, *c1;

	ut_threads_init(3);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC, "d");
	c0 = spdk_get_io_channel(&d);
	ut_set_thread(1);
	c1 = spdk_get_io_channel(&d);

	ut_set_thread(2);
	spdk_io_device_unregister(&d, dev_unreg_cb);
	ASSERT_EQ(pw__io_device_count(), 0);	/* no new channel from now on */
	ut_set_thread(0);
	log_capture_start();
	ASSERT_NULL(spdk_get_io_channel(&d));
	ASSERT_EQ(log_capture_count_matching("is not registered"), 1);
	log_capture_stop();
	/* Existing channels stay usable. */
	ASSERT_PTR_EQ(spdk_io_channel_ref(c0), c0);
	spdk_put_io_channel(c0);
	ut_poll_threads();
	ASSERT_EQ(d.unregs, 0);
	spdk_put_io_channel(c0);
	ut_poll_threads();
	ASSERT_EQ(d.unregs, 0);
	ut_set_thread(1);
	spdk_put_io_channel(c1);
	ut_poll_thread(1);
	ASSERT_EQ(d.destroys, 2);
	ASSERT_EQ(d.unregs, 0);		/* runs on thread 2, at its next poll */
	ut_poll_thread(2);
	ASSERT_EQ(d.unregs, 1);
	ASSERT_PTR_EQ(d.unreg_thread, ut_thread(2));
	ASSERT_EQ(d.live_at_unreg, 0);
	ut_poll_threads();
	ASSERT_EQ(d.unregs, 1);
	ut_threads_fini();
}

static int g_second_creates;
static int g_second_destroys;

static int
second_create(void *io_device, void *buf)
{
	((struct ut_ctx *)buf)->magic = CTX_MAGIC | 0xbb;
	g_second_creates++;
	return 0;
}

static void
second_destroy(void *io_device, void *buf)
{
	ASSERT_EQ(((struct ut_ctx *)buf)->magic, CTX_MAGIC | 0xbb);
	g_second_destroys++;
}

TEST(io_device_reregistered_pointer_gets_new_channel_while_old_lives)
{
	struct ut_dev d = {0};
	struct spdk_io_channel *old_ch, *new_ch, *it;
	int n;

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC | 0xaa, "old");
	old_ch = spdk_get_io_channel(&d);
	spdk_io_device_unregister(&d, dev_unreg_cb);	/* waits for old_ch */
	spdk_io_device_register(&d, second_create, second_destroy, sizeof(struct ut_ctx),
				"new");
	ASSERT_EQ(pw__io_device_count(), 1);
	new_ch = spdk_get_io_channel(&d);
	ASSERT_NOT_NULL(new_ch);
	ASSERT_PTR_NE(new_ch, old_ch);
	ASSERT_EQ(g_second_creates, 1);
	ASSERT_EQ(d.creates, 1);
	ASSERT_STR_EQ(spdk_io_channel_get_io_device_name(new_ch), "new");
	ASSERT_STR_EQ(spdk_io_channel_get_io_device_name(old_ch), "old");
	ASSERT_EQ(ctx_of(old_ch)->magic, CTX_MAGIC | 0xaa);
	/* Both are on the thread's list, once each. */
	n = 0;
	for (it = spdk_thread_get_first_io_channel(ut_thread(0)); it != NULL;
	     it = spdk_thread_get_next_io_channel(it)) {
		ASSERT_TRUE(it == old_ch || it == new_ch);
		n++;
	}
	ASSERT_EQ(n, 2);
	/* A get goes to the live registration. */
	ASSERT_PTR_EQ(spdk_get_io_channel(&d), new_ch);
	spdk_put_io_channel(new_ch);

	spdk_put_io_channel(old_ch);
	ut_poll_thread(0);
	ASSERT_EQ(d.destroys, 1);
	ASSERT_EQ(d.unregs, 1);
	ASSERT_EQ(g_second_destroys, 0);
	ASSERT_PTR_EQ(spdk_thread_get_first_io_channel(ut_thread(0)), new_ch);
	ASSERT_EQ(pw__io_device_count(), 1);
	spdk_put_io_channel(new_ch);
	ut_poll_thread(0);
	ASSERT_EQ(g_second_destroys, 1);
	spdk_io_device_unregister(&d, NULL);
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * nested_channel
 * ------------------------------------------------------------------------- */

struct nest_dev {
	struct nest_dev *child;
};

struct nest_ctx {
	struct spdk_io_channel	*child;
	struct spdk_poller	*poller;
};

static int
nest_idle_poll(void *arg)
{
	return SPDK_POLLER_IDLE;
}

static int
nest_create(void *io_device, void *buf)
{
	struct nest_dev *dev = io_device;
	struct nest_ctx *ctx = buf;

	ctx->child = NULL;
	if (dev->child != NULL) {
		ctx->child = spdk_get_io_channel(dev->child);
		ASSERT_NOT_NULL(ctx->child);
	}
	ctx->poller = spdk_poller_register(nest_idle_poll, NULL, 0);
	ASSERT_NOT_NULL(ctx->poller);
	return 0;
}

static void
nest_destroy(void *io_device, void *buf)
{
	struct nest_ctx *ctx = buf;

	if (ctx->child != NULL) {
		spdk_put_io_channel(ctx->child);
	}
	spdk_poller_unregister(&ctx->poller);
}

struct nest {
	struct nest_dev		d[3];
	struct spdk_io_channel	*ch[3];
};

static void
nest_setup(struct nest *n)
{
	n->d[0].child = &n->d[1];
	n->d[1].child = &n->d[2];
	n->d[2].child = NULL;
	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "nest%d", i);
		spdk_io_device_register(&n->d[i], nest_create, nest_destroy,
					sizeof(struct nest_ctx), name);
	}
	n->ch[0] = spdk_get_io_channel(&n->d[0]);
	ASSERT_NOT_NULL(n->ch[0]);
	n->ch[1] = ((struct nest_ctx *)spdk_io_channel_get_ctx(n->ch[0]))->child;
	n->ch[2] = ((struct nest_ctx *)spdk_io_channel_get_ctx(n->ch[1]))->child;
	ASSERT_NOT_NULL(n->ch[1]);
	ASSERT_NOT_NULL(n->ch[2]);
	ASSERT_NULL(((struct nest_ctx *)spdk_io_channel_get_ctx(n->ch[2]))->child);
}

TEST(nested_channel_create_chain_one_ref_per_level)
{
	struct nest n;

	ut_threads_init(1);
	ut_set_thread(0);
	nest_setup(&n);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(spdk_io_channel_get_ref_count(n.ch[i]), 1);
		ASSERT_PTR_EQ(spdk_io_channel_get_io_device(n.ch[i]), &n.d[i]);
		ASSERT_EQ(dev_channels(&n.d[i]), 1);
		ASSERT_NOT_NULL(((struct nest_ctx *)spdk_io_channel_get_ctx(n.ch[i]))->poller);
	}
	ASSERT_EQ(pw__pollers_active_count(ut_thread(0)), 3);
	ASSERT_EQ(thread_channels(0), 3);

	/* One put releases the whole chain. */
	spdk_put_io_channel(n.ch[0]);
	ut_poll_thread(0);
	ASSERT_EQ(thread_channels(0), 0);
	ASSERT_EQ(pw__pollers_active_count(ut_thread(0)), 0);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	for (int i = 0; i < 3; i++) {
		spdk_io_device_unregister(&n.d[i], NULL);
	}
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

TEST(nested_channel_teardown_while_exiting_one_level_per_poll)
{
	struct spdk_thread *t;
	struct spdk_poller *p;
	struct nest n;

	ut_threads_init(1);
	ut_set_thread(0);
	t = ut_thread(0);
	nest_setup(&n);
	p = spdk_poller_register(nest_idle_poll, NULL, 0);
	ASSERT_NOT_NULL(p);
	spdk_poller_unregister(&p);
	ut_poll_thread_times(0, 1);

	spdk_put_io_channel(n.ch[0]);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	for (int i = 0; i < 3; i++) {
		/* Before: released but not destroyed, one release message queued. */
		ASSERT_EQ(spdk_io_channel_get_ref_count(n.ch[i]), 0);
		ASSERT_EQ(pw__msgq_count(t), 1);
		ASSERT_EQ(dev_channels(&n.d[i]), 1);
		ut_poll_thread_times(0, 1);
		/* After: this level is gone, the next one is queued. */
		ASSERT_EQ(dev_channels(&n.d[i]), 0);
		ASSERT_EQ(thread_channels(0), 2 - i);
		if (i < 2) {
			ASSERT_FALSE(spdk_thread_is_exited(t));
		}
	}
	ASSERT_TRUE(spdk_thread_is_exited(t));
	ASSERT_FALSE(spdk_thread_has_pollers(t));
	for (int i = 0; i < 3; i++) {
		spdk_io_device_unregister(&n.d[i], NULL);
	}
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * device_unregister_and_thread_exit_race
 * ------------------------------------------------------------------------- */

TEST(device_unregister_and_thread_exit_race_last_exits_after_unregister_cb)
{
	struct ut_dev d = {0};
	struct spdk_io_channel *ca, *cb;
	struct spdk_thread *a, *b;

	ut_threads_init(2);
	a = ut_thread(0);
	b = ut_thread(1);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC, "race");
	ca = spdk_get_io_channel(&d);
	ut_set_thread(1);
	cb = spdk_get_io_channel(&d);

	ut_set_thread(0);
	spdk_thread_exit(a);
	ut_poll_thread(0);
	spdk_put_io_channel(ca);
	spdk_io_device_unregister(&d, dev_unreg_cb);
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_is_exited(a));	/* its unregistration is pending */
	ASSERT_EQ(d.destroys, 1);

	ut_set_thread(1);
	spdk_thread_exit(b);
	ut_poll_thread(1);
	ASSERT_FALSE(spdk_thread_is_exited(b));	/* holds a channel */
	spdk_put_io_channel(cb);
	ut_poll_thread(1);
	ASSERT_TRUE(spdk_thread_is_exited(b));
	ASSERT_FALSE(spdk_thread_is_exited(a));
	ASSERT_EQ(d.unregs, 0);

	ut_poll_thread(0);
	ASSERT_EQ(d.unregs, 1);
	ASSERT_PTR_EQ(d.unreg_thread, a);
	ASSERT_EQ(d.live_at_unreg, 0);	/* creates and destroys balanced */
	ASSERT_TRUE(spdk_thread_is_exited(a));
	ut_threads_fini();
}

TEST(device_unregister_and_thread_exit_race_without_cb_exits_at_once)
{
	struct ut_dev d = {0};
	struct spdk_io_channel *ca, *cb;

	ut_threads_init(2);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC, "race");
	ca = spdk_get_io_channel(&d);
	ut_set_thread(1);
	cb = spdk_get_io_channel(&d);
	ut_set_thread(0);
	spdk_thread_exit(ut_thread(0));
	spdk_put_io_channel(ca);
	spdk_io_device_unregister(&d, NULL);
	ut_poll_thread(0);
	/* No callback to wait for: only its own channel held thread 0. */
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(0)));
	ASSERT_EQ(pw__io_device_count(), 0);
	ASSERT_EQ(d.live_at_unreg + d.unregs, 0);
	ut_set_thread(1);
	spdk_put_io_channel(cb);
	ut_poll_thread(1);
	ASSERT_EQ(d.creates, 2);
	ASSERT_EQ(d.destroys, 2);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * io_device_lookup
 * ------------------------------------------------------------------------- */

static int
key_create(void *io_device, void *buf)
{
	*(void **)buf = io_device;
	return 0;
}

static int g_key_destroys;

static void
key_destroy(void *io_device, void *buf)
{
	ASSERT_PTR_EQ(*(void **)buf, io_device);
	g_key_destroys++;
}

/* Ascending order; registered in another order below. */
static const uintptr_t g_keys[] = {
	0x7FFFFFFFull, 0x80000000ull, 0x100000000ull, 0x8000000000000000ull,
	0x8000000100000000ull, UINTPTR_MAX,
};
#define NKEYS SPDK_COUNTOF(g_keys)

TEST(io_device_lookup_full_width_keys_ordered_and_exact)
{
	const unsigned reg_order[NKEYS] = {4, 0, 5, 2, 3, 1};
	struct spdk_io_channel *chs[NKEYS], *it;
	const char *text, *prev;
	unsigned k;

	ut_threads_init(1);
	ut_set_thread(0);
	for (unsigned i = 0; i < NKEYS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "<k%u>", reg_order[i]);
		spdk_io_device_register((void *)g_keys[reg_order[i]], key_create, key_destroy,
					sizeof(void *), name);
		ASSERT_EQ(pw__io_device_count(), i + 1);
	}
	for (unsigned i = 0; i < NKEYS; i++) {
		char name[16];

		chs[i] = spdk_get_io_channel((void *)g_keys[i]);
		ASSERT_NOT_NULL(chs[i]);
		ASSERT_PTR_EQ(spdk_io_channel_get_io_device(chs[i]), (void *)g_keys[i]);
		ASSERT_PTR_EQ(*(void **)spdk_io_channel_get_ctx(chs[i]), (void *)g_keys[i]);
		snprintf(name, sizeof(name), "<k%u>", i);
		ASSERT_STR_EQ(spdk_io_channel_get_io_device_name(chs[i]), name);
		for (unsigned j = 0; j < i; j++) {
			ASSERT_PTR_NE(chs[i], chs[j]);
		}
	}
	/* A second get finds the same channel, never a neighbour's. */
	for (unsigned i = 0; i < NKEYS; i++) {
		ASSERT_PTR_EQ(spdk_get_io_channel((void *)g_keys[i]), chs[i]);
		spdk_put_io_channel(chs[i]);
	}
	k = 0;
	for (it = spdk_thread_get_first_io_channel(ut_thread(0)); it != NULL;
	     it = spdk_thread_get_next_io_channel(it)) {
		k++;
	}
	ASSERT_EQ(k, NKEYS);
	for (unsigned i = 0; i < NKEYS; i++) {
		spdk_put_io_channel(chs[i]);
	}
	ut_poll_thread(0);
	ASSERT_EQ(g_key_destroys, NKEYS);
	ASSERT_EQ(pw__io_device_count(), NKEYS);

	/* The registry's own order is visible in the report lib fini makes of
	 * devices left registered: it must list the keys in ascending order.
	 * (The records are left behind on purpose; the test process ends.) */
	log_capture_start();
	ut_threads_fini();
	ASSERT_EQ(log_capture_count_matching("was never unregistered"), NKEYS);
	text = log_capture_text();
	prev = text;
	for (unsigned i = 0; i < NKEYS; i++) {
		char name[16];
		const char *at;

		snprintf(name, sizeof(name), "<k%u>", i);
		at = strstr(text, name);
		ASSERT_NOT_NULL(at);
		ASSERT_TRUE(at >= prev);
		prev = at;
	}
	log_capture_stop();
}

TEST(io_device_lookup_unregister_in_any_order)
{
	ut_threads_init(1);
	ut_set_thread(0);
	for (unsigned i = 0; i < NKEYS; i++) {
		spdk_io_device_register((void *)g_keys[i], key_create, key_destroy,
					sizeof(void *), NULL);
	}
	for (unsigned i = 0; i < NKEYS; i++) {
		void *key = (void *)g_keys[(i * 5) % NKEYS];
		struct spdk_io_channel *ch;

		spdk_io_device_unregister(key, NULL);
		ASSERT_EQ(pw__io_device_count(), NKEYS - 1 - i);
		log_capture_start();
		ASSERT_NULL(spdk_get_io_channel(key));
		log_capture_stop();
		/* The others are still found exactly. */
		for (unsigned j = i + 1; j < NKEYS; j++) {
			void *other = (void *)g_keys[(j * 5) % NKEYS];

			ch = spdk_get_io_channel(other);
			ASSERT_NOT_NULL(ch);
			ASSERT_PTR_EQ(spdk_io_channel_get_io_device(ch), other);
			spdk_put_io_channel(ch);
		}
		ut_poll_thread(0);
	}
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

TEST(io_device_lookup_near_keys_are_not_found)
{
	/* Equal to a registered key in the low 32 bits, off by one, or NULL. */
	const uintptr_t near[] = {
		0x17FFFFFFFull, 0x180000000ull, 0xFFFFFFFFull, 0x8000000000000001ull,
		0x7FFFFFFFFFFFFFFFull, UINTPTR_MAX - 1, 0x80000001ull, 0x1ull, 0x0ull,
	};

	ut_threads_init(1);
	ut_set_thread(0);
	for (unsigned i = 0; i < NKEYS; i++) {
		spdk_io_device_register((void *)g_keys[i], key_create, key_destroy,
					sizeof(void *), NULL);
	}
	log_capture_start();
	for (unsigned i = 0; i < SPDK_COUNTOF(near); i++) {
		ASSERT_NULL(spdk_get_io_channel((void *)near[i]));
		spdk_io_device_unregister((void *)near[i], NULL);
	}
	ASSERT_EQ(log_capture_count_matching("is not registered"), 2 * SPDK_COUNTOF(near));
	log_capture_stop();
	ASSERT_NULL(spdk_thread_get_first_io_channel(ut_thread(0)));
	ASSERT_EQ(pw__io_device_count(), NKEYS);
	for (unsigned i = 0; i < NKEYS; i++) {
		spdk_io_device_unregister((void *)g_keys[i], NULL);
	}
	ASSERT_EQ(pw__io_device_count(), 0);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * channel_create_cb_failed
 * ------------------------------------------------------------------------- */

TEST(channel_create_cb_failed_and_unregistered_device_is_gone_after_poll)
{
	struct ut_dev d = {0};

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC, "failing");
	d.fail_creates = 1;
	d.unreg_in_create = true;
	log_capture_start();
	ASSERT_NULL(spdk_get_io_channel(&d));
	ASSERT_TRUE(log_capture_contains("could not create a channel"));
	log_capture_stop();
	ASSERT_EQ(d.creates, 1);
	ASSERT_EQ(d.destroys, 0);
	ASSERT_EQ(pw__io_device_count(), 0);
	ASSERT_NULL(spdk_thread_get_first_io_channel(ut_thread(0)));
	ASSERT_EQ(d.unregs, 0);		/* on a message */
	ut_poll_thread(0);
	ASSERT_EQ(d.unregs, 1);
	ASSERT_PTR_EQ(d.unreg_thread, ut_thread(0));
	/* The thread can exit: nothing is left pending. */
	spdk_thread_exit(ut_thread(0));
	ut_poll_thread(0);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(0)));
	ut_threads_fini();
}

TEST(channel_create_cb_failed_device_stays_registered_and_usable)
{
	struct ut_dev d = {0};
	struct spdk_io_channel *ch;

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&d, CTX_MAGIC, "flaky");
	d.fail_creates = 1;
	log_capture_start();
	ASSERT_NULL(spdk_get_io_channel(&d));
	ASSERT_EQ(log_capture_count_matching("could not create a channel"), 1);
	log_capture_stop();
	ASSERT_EQ(pw__io_device_count(), 1);
	ASSERT_NULL(spdk_thread_get_first_io_channel(ut_thread(0)));
	ch = spdk_get_io_channel(&d);
	ASSERT_NOT_NULL(ch);
	ASSERT_EQ(d.creates, 2);
	ASSERT_EQ(spdk_io_channel_get_ref_count(ch), 1);
	ASSERT_EQ(ctx_of(ch)->magic, CTX_MAGIC);
	spdk_put_io_channel(ch);
	ut_poll_thread(0);
	ASSERT_EQ(d.destroys, 1);
	spdk_io_device_unregister(&d, NULL);
	ut_threads_fini();
}

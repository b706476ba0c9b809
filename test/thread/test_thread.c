/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Thread lifecycle: library init/fini, creation hooks, names, messages,
 * spdk_thread_exec_msg, the exit protocol and its timeout, busy/idle
 * accounting, and misuse of these functions (BEHAVIOURS.md "Thread library":
 * thread_alloc, thread_send_msg, thread_name, thread_exit_test,
 * thread_update_stats_test).
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"
#include "env/env_internal.h"

#define UT_HZ 1000000ull

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static int g_hook_rc;
static int g_hook_calls;
static struct spdk_thread *g_hook_last;
static int g_op_calls[2];

static int
new_thread_hook(struct spdk_thread *thread)
{
	g_hook_calls++;
	g_hook_last = thread;
	return g_hook_rc;
}

static bool
op_supported_new_only(enum spdk_thread_op op)
{
	return op == SPDK_THREAD_OP_NEW;
}

static bool
op_supported_none(enum spdk_thread_op op)
{
	return false;
}

static int
thread_op(struct spdk_thread *thread, enum spdk_thread_op op)
{
	ASSERT_LT((int)op, 2);
	g_op_calls[op]++;
	g_hook_last = thread;
	return op == SPDK_THREAD_OP_NEW ? g_hook_rc : -ENOTSUP;
}

/* Exit thread t (made current for the call), poll it until it is exited
 * (it must take exactly one poll: nothing is left on it) and destroy it. */
static void
exit_poll_destroy(struct spdk_thread *t)
{
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	ASSERT_FALSE(spdk_thread_is_exited(t));
	spdk_thread_poll(t, 0, 0);
	ASSERT_TRUE(spdk_thread_is_exited(t));
	spdk_thread_destroy(t);
	spdk_set_thread(NULL);
}

static void
set_flag(void *ctx)
{
	*(bool *)ctx = true;
}

static void
count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

/* ---------------------------------------------------------------------------
 * thread_alloc
 * ------------------------------------------------------------------------- */

TEST(thread_alloc_no_hook_create_exit_destroy)
{
	struct spdk_thread *t;

	pw__ticks_mock_enable(UT_HZ, 0);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	t = spdk_thread_create(NULL, NULL);
	ASSERT_NOT_NULL(t);
	ASSERT_TRUE(spdk_thread_is_running(t));
	ASSERT_FALSE(spdk_thread_is_exited(t));
	ASSERT_EQ(spdk_thread_get_count(), 1);
	exit_poll_destroy(t);
	/* The first thread is the app thread: as in SPDK it is kept (and
	 * counted) until spdk_thread_lib_fini(). */
	ASSERT_PTR_EQ(spdk_thread_get_app_thread(), t);
	ASSERT_EQ(spdk_thread_get_count(), 1);
	spdk_thread_lib_fini();
	ASSERT_EQ(spdk_thread_get_count(), 0);
	ASSERT_NULL(spdk_thread_get_app_thread());
	pw__ticks_mock_disable();
}

TEST(thread_alloc_hook_accepts_then_refuses)
{
	struct spdk_thread *t, *app;
	uint32_t count;

	pw__ticks_mock_enable(UT_HZ, 0);
	ASSERT_EQ(spdk_thread_lib_init(new_thread_hook, 0), 0);

	g_hook_rc = 0;
	g_hook_calls = 0;
	app = spdk_thread_create("accepted", NULL);
	ASSERT_NOT_NULL(app);
	ASSERT_EQ(g_hook_calls, 1);
	ASSERT_PTR_EQ(g_hook_last, app);
	count = spdk_thread_get_count();
	ASSERT_EQ(count, 1);

	g_hook_rc = -1;
	log_capture_start();
	t = spdk_thread_create("refused", NULL);
	log_capture_stop();
	ASSERT_NULL(t);
	ASSERT_EQ(g_hook_calls, 2);
	ASSERT_TRUE(log_capture_contains("refused"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	/* The refused thread left no trace. */
	ASSERT_EQ(spdk_thread_get_count(), count);
	ASSERT_PTR_EQ(spdk_thread_get_app_thread(), app);

	/* Accepted again once the hook agrees. */
	g_hook_rc = 0;
	t = spdk_thread_create(NULL, NULL);
	ASSERT_NOT_NULL(t);
	ASSERT_EQ(g_hook_calls, 3);
	exit_poll_destroy(t);
	exit_poll_destroy(app);
	spdk_thread_lib_fini();
	pw__ticks_mock_disable();
}

TEST(thread_alloc_hook_refusing_first_thread_leaves_no_app_thread)
{
	struct spdk_thread *t;

	pw__ticks_mock_enable(UT_HZ, 0);
	ASSERT_EQ(spdk_thread_lib_init(new_thread_hook, 0), 0);
	g_hook_rc = -EPERM;
	log_capture_start();
	ASSERT_NULL(spdk_thread_create("first", NULL));
	log_capture_stop();
	ASSERT_NULL(spdk_thread_get_app_thread());
	ASSERT_EQ(spdk_thread_get_count(), 0);
	g_hook_rc = 0;
	t = spdk_thread_create("second", NULL);
	ASSERT_NOT_NULL(t);
	ASSERT_PTR_EQ(spdk_thread_get_app_thread(), t);
	exit_poll_destroy(t);
	spdk_thread_lib_fini();
	pw__ticks_mock_disable();
}

TEST(thread_alloc_init_ext_op_new_accepts_then_refuses)
{
	struct spdk_thread *t;

	pw__ticks_mock_enable(UT_HZ, 0);
	ASSERT_EQ(spdk_thread_lib_init_ext(thread_op, op_supported_new_only, 0,
					   SPDK_DEFAULT_MSG_MEMPOOL_SIZE), 0);
	memset(g_op_calls, 0, sizeof(g_op_calls));

	g_hook_rc = 0;
	t = spdk_thread_create(NULL, NULL);
	ASSERT_NOT_NULL(t);
	ASSERT_EQ(g_op_calls[SPDK_THREAD_OP_NEW], 1);
	ASSERT_PTR_EQ(g_hook_last, t);
	exit_poll_destroy(t);

	g_hook_rc = -1;
	log_capture_start();
	ASSERT_NULL(spdk_thread_create(NULL, NULL));
	log_capture_stop();
	ASSERT_EQ(g_op_calls[SPDK_THREAD_OP_NEW], 2);
	ASSERT_EQ(g_op_calls[SPDK_THREAD_OP_RESCHED], 0);
	ASSERT_TRUE(log_capture_contains("refused"));
	spdk_thread_lib_fini();
	pw__ticks_mock_disable();
}

TEST(thread_alloc_init_ext_new_unsupported_never_calls_op)
{
	struct spdk_thread *t;

	pw__ticks_mock_enable(UT_HZ, 0);
	ASSERT_EQ(spdk_thread_lib_init_ext(thread_op, op_supported_none, 0, 0), 0);
	memset(g_op_calls, 0, sizeof(g_op_calls));
	g_hook_rc = -1;	/* would refuse, but must not be asked */
	t = spdk_thread_create(NULL, NULL);
	ASSERT_NOT_NULL(t);
	ASSERT_EQ(g_op_calls[SPDK_THREAD_OP_NEW], 0);
	exit_poll_destroy(t);
	spdk_thread_lib_fini();
	pw__ticks_mock_disable();
}

TEST(thread_alloc_lib_init_fini_repeat)
{
	pw__ticks_mock_enable(UT_HZ, 0);
	for (int round = 0; round < 4; round++) {
		struct spdk_thread *t, *u;
		bool ran = false;

		if (round % 2 == 0) {
			ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
		} else {
			ASSERT_EQ(spdk_thread_lib_init_ext(NULL, NULL, 0, 0), 0);
		}
		t = spdk_thread_create("app", NULL);
		u = spdk_thread_create("other", NULL);
		ASSERT_NOT_NULL(t);
		ASSERT_NOT_NULL(u);
		/* Each cycle has its own app thread. */
		ASSERT_PTR_EQ(spdk_thread_get_app_thread(), t);
		ASSERT_EQ(spdk_thread_get_count(), 2);
		ASSERT_EQ(spdk_thread_send_msg(u, set_flag, &ran), 0);
		spdk_thread_poll(u, 0, 0);
		ASSERT_TRUE(ran);
		exit_poll_destroy(u);
		exit_poll_destroy(t);
		spdk_thread_lib_fini();
		ASSERT_NULL(spdk_thread_get_app_thread());
		ASSERT_EQ(spdk_thread_get_count(), 0);
	}
	pw__ticks_mock_disable();
}

TEST(thread_alloc_lib_init_twice_is_ealready)
{
	log_capture_start();
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), -EALREADY);
	ASSERT_EQ(spdk_thread_lib_init_ext(NULL, NULL, 0, 0), -EALREADY);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("already initialised"));
	log_capture_stop();
	spdk_thread_lib_fini();
	/* After fini, init works again. */
	ASSERT_EQ(spdk_thread_lib_init_ext(NULL, NULL, 0, 0), 0);
	spdk_thread_lib_fini();
}

TEST(thread_alloc_init_ext_one_function_is_einval)
{
	log_capture_start();
	ASSERT_EQ(spdk_thread_lib_init_ext(thread_op, NULL, 0, 0), -EINVAL);
	ASSERT_EQ(spdk_thread_lib_init_ext(NULL, op_supported_new_only, 0, 0), -EINVAL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("both"));
	/* A refused init leaves the library uninitialised. */
	log_capture_reset();
	ASSERT_NULL(spdk_thread_create("x", NULL));
	ASSERT_TRUE(log_capture_contains("not initialised"));
	log_capture_stop();
	ASSERT_EQ(spdk_thread_lib_init_ext(NULL, NULL, 0, 0), 0);
	spdk_thread_lib_fini();
}

TEST(thread_alloc_create_without_init_fails_logged)
{
	log_capture_start();
	ASSERT_NULL(spdk_thread_create("early", NULL));
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_TRUE(log_capture_contains("spdk_thread_create"));
	/* fini without init is harmless */
	spdk_thread_lib_fini();
}

TEST(thread_alloc_cpumask_copied_or_full)
{
	struct spdk_cpuset mask;
	struct spdk_thread *a, *b;

	ut_threads_init(0);
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 3, true);
	a = spdk_thread_create("masked", &mask);
	ASSERT_NOT_NULL(a);
	/* Copied: changing ours does not change the thread's. */
	spdk_cpuset_set_cpu(&mask, 4, true);
	ASSERT_EQ(spdk_cpuset_count(spdk_thread_get_cpumask(a)), 1);
	ASSERT_TRUE(spdk_cpuset_get_cpu(spdk_thread_get_cpumask(a), 3));
	b = spdk_thread_create("any", NULL);
	ASSERT_NOT_NULL(b);
	ASSERT_EQ(spdk_cpuset_count(spdk_thread_get_cpumask(b)), SPDK_CPUSET_SIZE);
	exit_poll_destroy(b);
	exit_poll_destroy(a);
	ut_threads_fini();
}

TEST(thread_bind_and_is_bound)
{
	ut_threads_init(2);
	ASSERT_FALSE(spdk_thread_is_bound(ut_thread(0)));
	ut_set_thread(0);
	spdk_thread_bind(ut_thread(0), true);
	ASSERT_TRUE(spdk_thread_is_bound(ut_thread(0)));
	ASSERT_FALSE(spdk_thread_is_bound(ut_thread(1)));
	spdk_thread_bind(ut_thread(0), false);
	ASSERT_FALSE(spdk_thread_is_bound(ut_thread(0)));
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * thread_send_msg
 * ------------------------------------------------------------------------- */

TEST(thread_send_msg_runs_only_when_target_polled)
{
	bool done = false;

	ut_threads_init(2);
	ut_set_thread(1);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), set_flag, &done), 0);
	ASSERT_FALSE(done);		/* not at send time */
	ut_poll_thread(1);
	ASSERT_FALSE(done);		/* not when another thread is polled */
	ut_poll_thread(0);
	ASSERT_TRUE(done);		/* when the target is polled */
	ut_threads_fini();
}

struct order_log {
	int seen[64];
	int n;
};

struct order_item {
	struct order_log *log;
	int value;
};

static void
record_order(void *ctx)
{
	struct order_item *it = ctx;

	ASSERT_LT(it->log->n, 64);
	it->log->seen[it->log->n++] = it->value;
}

TEST(thread_send_msg_fifo_and_batched_by_max_msgs)
{
	struct order_log log = { .n = 0 };
	struct order_item items[20];

	ut_threads_init(2);
	ut_set_thread(1);
	for (int i = 0; i < 20; i++) {
		items[i].log = &log;
		items[i].value = i;
		ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), record_order, &items[i]), 0);
	}
	ASSERT_EQ(pw__msgq_count(ut_thread(0)), 20);
	/* max_msgs 3: three per slice. */
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 3, 0), 1);
	ASSERT_EQ(log.n, 3);
	/* max_msgs 0 and anything above 8 both mean 8. */
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 1);
	ASSERT_EQ(log.n, 11);
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 1000, 0), 1);
	ASSERT_EQ(log.n, 19);
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 1);
	ASSERT_EQ(log.n, 20);
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 0);
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(log.seen[i], i);
	}
	ut_threads_fini();
}

static struct spdk_thread *g_seen_thread;
static int g_self_sends;

static void
resend_to_self(void *ctx)
{
	int *runs = ctx;

	g_seen_thread = spdk_get_thread();
	(*runs)++;
	if (*runs < 3) {
		ASSERT_EQ(spdk_thread_send_msg(spdk_get_thread(), resend_to_self, ctx), 0);
		g_self_sends++;
	}
}

TEST(thread_send_msg_to_self_runs_in_next_slice)
{
	int runs = 0;

	ut_threads_init(1);
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), resend_to_self, &runs), 0);
	ut_set_thread(UT_NONE);
	/* A message sent from a message is not run in the same slice. */
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 1);
	ASSERT_EQ(runs, 1);
	ASSERT_PTR_EQ(g_seen_thread, ut_thread(0));
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 1);
	ASSERT_EQ(runs, 2);
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 1);
	ASSERT_EQ(runs, 3);
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 0);
	ASSERT_EQ(g_self_sends, 2);
	/* The poll restored "no current thread". */
	ASSERT_NULL(spdk_get_thread());
	ut_threads_fini();
}

TEST(thread_send_msg_null_arguments_einval_logged)
{
	int n = 0;

	ut_threads_init(1);
	log_capture_start();
	ASSERT_EQ(spdk_thread_send_msg(NULL, count_msg, &n), -EINVAL);
	ASSERT_TRUE(log_capture_contains("thread is NULL"));
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), NULL, &n), -EINVAL);
	ASSERT_TRUE(log_capture_contains("fn is NULL"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();
	ASSERT_EQ(pw__msgq_count(ut_thread(0)), 0);
	ut_poll_thread(0);
	ASSERT_EQ(n, 0);
	ut_threads_fini();
}

TEST(thread_send_msg_to_exited_thread_is_eio)
{
	int n = 0;

	ut_threads_init(2);
	ut_set_thread(1);
	ASSERT_EQ(spdk_thread_exit(ut_thread(1)), 0);
	ut_poll_thread(1);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(1)));
	ut_set_thread(0);
	log_capture_start();
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), count_msg, &n), -EIO);
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_TRUE(log_capture_contains("ut_thread1 has exited"));
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 0);
	ut_threads_fini();
	ASSERT_EQ(n, 0);
}

TEST(thread_msgq_default_and_rounded_limits)
{
	ut_threads_init_ext(1, 0);
	ASSERT_EQ(pw__msgq_segment_limit(), (SPDK_DEFAULT_MSG_MEMPOOL_SIZE + 254) / 255);
	ut_threads_fini();
	ut_threads_init_ext(1, 256);
	ASSERT_EQ(pw__msgq_segment_limit(), 2);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * spdk_thread_exec_msg
 * ------------------------------------------------------------------------- */

TEST(exec_msg_runs_inline_on_current_thread_else_sends)
{
	int n = 0;

	ut_threads_init(2);
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_exec_msg(ut_thread(0), count_msg, &n), 0);
	ASSERT_EQ(n, 1);		/* synchronously */
	ASSERT_EQ(pw__msgq_count(ut_thread(0)), 0);
	ASSERT_EQ(spdk_thread_exec_msg(ut_thread(1), count_msg, &n), 0);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(pw__msgq_count(ut_thread(1)), 1);
	ut_poll_thread(1);
	ASSERT_EQ(n, 2);
	/* To an exited thread: the send error comes back. */
	ut_set_thread(1);
	ASSERT_EQ(spdk_thread_exit(ut_thread(1)), 0);
	ut_poll_thread(1);
	ASSERT_TRUE(spdk_thread_is_exited(ut_thread(1)));
	ut_set_thread(0);
	log_capture_start();
	ASSERT_EQ(spdk_thread_exec_msg(ut_thread(1), count_msg, &n), -EIO);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("has exited"));
	ASSERT_EQ(n, 2);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * thread_name
 * ------------------------------------------------------------------------- */

TEST(thread_name_generated_or_exact)
{
	struct spdk_thread *a, *b, *c;
	char longname[400];

	ut_threads_init(0);
	a = spdk_thread_create(NULL, NULL);
	b = spdk_thread_create(NULL, NULL);
	c = spdk_thread_create("test_thread", NULL);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_NOT_NULL(c);
	ASSERT_NOT_NULL(spdk_thread_get_name(a));
	ASSERT_GT(strlen(spdk_thread_get_name(a)), 0);
	/* Generated names tell threads apart. */
	ASSERT_NE(strcmp(spdk_thread_get_name(a), spdk_thread_get_name(b)), 0);
	ASSERT_STR_EQ(spdk_thread_get_name(c), "test_thread");
	exit_poll_destroy(c);
	exit_poll_destroy(b);

	/* A name is copied and cut to SPDK_MAX_THREAD_NAME_LEN characters. */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	c = spdk_thread_create(longname, NULL);
	ASSERT_NOT_NULL(c);
	longname[0] = 'X';
	ASSERT_EQ(strlen(spdk_thread_get_name(c)), SPDK_MAX_THREAD_NAME_LEN);
	ASSERT_EQ(spdk_thread_get_name(c)[0], 'n');
	exit_poll_destroy(c);
	exit_poll_destroy(a);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * thread_exit_test (clock at tick 10, 1 tick per second: the exit timeout is
 * 5 ticks after the spdk_thread_exit() call)
 * ------------------------------------------------------------------------- */

static void
exit_clock(uint32_t nthreads)
{
	ut_threads_init(nthreads);
	pw__ticks_mock_enable(1, 10);
	ut_clock_set(10);
}

TEST(thread_exit_test_runs_messages_sent_before_and_after_exit)
{
	bool done1 = false, done2 = false;
	struct spdk_thread *t;

	exit_clock(1);
	t = ut_thread(0);
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_send_msg(t, set_flag, &done1), 0);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	ASSERT_FALSE(spdk_thread_is_exited(t));
	ASSERT_FALSE(spdk_thread_is_running(t));
	ASSERT_EQ(spdk_thread_send_msg(t, set_flag, &done2), 0);
	ASSERT_FALSE(done1);
	ASSERT_FALSE(done2);
	/* A second exit call is harmless. */
	ASSERT_EQ(spdk_thread_exit(t), 0);
	ut_set_thread(UT_NONE);
	spdk_thread_poll(t, 0, 0);
	ASSERT_TRUE(done1);
	ASSERT_TRUE(done2);
	ASSERT_TRUE(spdk_thread_is_exited(t));
	ut_threads_fini();
}

static int g_create_calls, g_destroy_calls;
static int g_exit_dev;

static int
exit_ch_create(void *dev, void *buf)
{
	ASSERT_PTR_EQ(dev, &g_exit_dev);
	*(uint64_t *)buf = 0x1111;
	g_create_calls++;
	return 0;
}

static void
exit_ch_destroy(void *dev, void *buf)
{
	ASSERT_PTR_EQ(dev, &g_exit_dev);
	ASSERT_EQ(*(uint64_t *)buf, 0x1111);
	g_destroy_calls++;
}

TEST(thread_exit_test_waits_for_channel_release)
{
	struct spdk_io_channel *ch, *ch2;
	struct spdk_thread *t;

	exit_clock(2);
	t = ut_thread(1);
	ut_set_thread(0);
	spdk_io_device_register(&g_exit_dev, exit_ch_create, exit_ch_destroy, sizeof(uint64_t),
				"exit_dev");

	ut_set_thread(1);
	ch = spdk_get_io_channel(&g_exit_dev);
	ASSERT_NOT_NULL(ch);
	ASSERT_EQ(g_create_calls, 1);
	ASSERT_EQ(*(uint64_t *)spdk_io_channel_get_ctx(ch), 0x1111);
	spdk_put_io_channel(ch);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	ASSERT_FALSE(spdk_thread_is_exited(t));

	/* While exiting, the same channel can still be obtained, without create. */
	ch2 = spdk_get_io_channel(&g_exit_dev);
	ASSERT_PTR_EQ(ch2, ch);
	ASSERT_EQ(g_create_calls, 1);
	ASSERT_EQ(*(uint64_t *)spdk_io_channel_get_ctx(ch2), 0x1111);
	spdk_put_io_channel(ch2);
	ASSERT_EQ(g_destroy_calls, 0);

	ut_poll_thread(1);
	ASSERT_EQ(g_destroy_calls, 1);
	ASSERT_TRUE(spdk_thread_is_exited(t));

	ut_set_thread(0);
	spdk_io_device_unregister(&g_exit_dev, NULL);
	ut_poll_threads();
	ASSERT_EQ(pw__io_device_count(), 0);
	ASSERT_EQ(g_create_calls, 1);
	ASSERT_EQ(g_destroy_calls, 1);
	ut_threads_fini();
}

static int
flag_poller(void *ctx)
{
	*(bool *)ctx = true;
	return SPDK_POLLER_IDLE;
}

TEST(thread_exit_test_waits_for_pollers)
{
	bool run1 = false, run2 = false;
	struct spdk_poller *p1, *p2;
	struct spdk_thread *t;

	exit_clock(1);
	t = ut_thread(0);
	ut_set_thread(0);
	p1 = spdk_poller_register(flag_poller, &run1, 0);
	ASSERT_NOT_NULL(p1);
	spdk_poller_unregister(&p1);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	/* Registering on an exiting thread still works. */
	p2 = spdk_poller_register(flag_poller, &run2, 0);
	ASSERT_NOT_NULL(p2);
	ut_poll_thread(0);
	ASSERT_FALSE(run1);
	ASSERT_TRUE(run2);
	ASSERT_FALSE(spdk_thread_is_exited(t));
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_is_exited(t));

	spdk_poller_unregister(&p2);
	ASSERT_NULL(p2);
	ut_poll_thread(0);
	ASSERT_TRUE(spdk_thread_is_exited(t));
	ut_threads_fini();
}

TEST(thread_exit_test_forced_after_timeout)
{
	bool run = false;
	struct spdk_poller *p;
	struct spdk_thread *t;

	exit_clock(1);
	t = ut_thread(0);
	ut_set_thread(0);
	p = spdk_poller_register_named(flag_poller, &run, 0, "keeps_alive");
	ASSERT_NOT_NULL(p);
	ASSERT_EQ(spdk_thread_exit(t), 0);	/* at tick 10: deadline 15 */
	ASSERT_FALSE(spdk_thread_is_exited(t));

	ut_clock_set(11);
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_is_exited(t));
	ut_clock_set(14);
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_is_exited(t));

	log_capture_start();
	ut_clock_set(15);
	ut_poll_thread(0);
	log_capture_stop();
	ASSERT_TRUE(spdk_thread_is_exited(t));
	/* The error says what was left. */
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_TRUE(log_capture_contains("forced to EXITED"));
	ASSERT_TRUE(log_capture_contains("keeps_alive"));

	/* An exited thread refuses new messages and pollers. */
	log_capture_start();
	ASSERT_EQ(spdk_thread_send_msg(t, set_flag, &run), -EIO);
	ASSERT_NULL(spdk_poller_register(flag_poller, &run, 0));
	ASSERT_TRUE(log_capture_contains("has exited"));
	log_capture_stop();

	spdk_poller_unregister(&p);
	ut_poll_thread(0);
	ut_threads_fini();
}

TEST(thread_exit_misuse_wrong_thread_null_and_destroy_running)
{
	bool ran = false;

	ut_threads_init(2);
	log_capture_start();
	/* Not the current thread. */
	ut_set_thread(1);
	ASSERT_EQ(spdk_thread_exit(ut_thread(0)), -EINVAL);
	ASSERT_TRUE(log_capture_contains("ut_thread0"));
	/* No current thread at all. */
	ut_set_thread(UT_NONE);
	ASSERT_EQ(spdk_thread_exit(ut_thread(0)), -EINVAL);
	ASSERT_EQ(spdk_thread_exit(NULL), -EINVAL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	ASSERT_TRUE(spdk_thread_is_running(ut_thread(0)));

	/* Destroying a thread that has not exited is refused; it keeps working. */
	log_capture_reset();
	spdk_thread_destroy(ut_thread(0));
	spdk_thread_destroy(NULL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("has not exited"));
	log_capture_stop();
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), set_flag, &ran), 0);
	ut_poll_thread(0);
	ASSERT_TRUE(ran);
	ASSERT_EQ(spdk_thread_get_count(), 2);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * thread_update_stats_test (clock from tick 10, 1 tick per microsecond)
 * ------------------------------------------------------------------------- */

static int
delay_idle_poller(void *ctx)
{
	ut_delay_us((uint64_t)(uintptr_t)ctx);
	return SPDK_POLLER_IDLE;
}

static int
delay_busy_poller(void *ctx)
{
	ut_delay_us((uint64_t)(uintptr_t)ctx);
	return SPDK_POLLER_BUSY;
}

static int
delay_negative_poller(void *ctx)
{
	ut_delay_us((uint64_t)(uintptr_t)ctx);
	return -1;
}

static struct spdk_poller *g_stats_poller;

/* A thread created at tick 10, with an untimed poller fn(arg) if fn is set. */
static struct spdk_thread *
stats_thread(spdk_poller_fn fn, uint64_t arg)
{
	struct spdk_thread *t;

	ut_threads_init(0);
	ut_clock_set(10);
	t = spdk_thread_create("stats", NULL);
	ASSERT_NOT_NULL(t);
	if (fn != NULL) {
		spdk_set_thread(t);
		g_stats_poller = spdk_poller_register(fn, (void *)(uintptr_t)arg, 0);
		ASSERT_NOT_NULL(g_stats_poller);
		spdk_set_thread(NULL);
	}
	return t;
}

static void
stats_done(struct spdk_thread *t)
{
	spdk_set_thread(t);
	spdk_poller_unregister(&g_stats_poller);
	exit_poll_destroy(t);
	ut_threads_fini();
}

static void
check_stats(struct spdk_thread *t, uint64_t last, uint64_t busy, uint64_t idle)
{
	struct spdk_thread_stats st;

	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_get_stats(&st), 0);
	spdk_set_thread(NULL);
	ASSERT_EQ(spdk_thread_get_last_tsc(t), last);
	ASSERT_EQ(st.busy_tsc, busy);
	ASSERT_EQ(st.idle_tsc, idle);
}

TEST(thread_update_stats_test_new_thread)
{
	struct spdk_thread *t = stats_thread(NULL, 0);

	check_stats(t, 10, 0, 0);
	/* NULL means the current thread. */
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_get_last_tsc(NULL), 10);
	spdk_set_thread(NULL);
	stats_done(t);
}

TEST(thread_update_stats_test_idle_poller)
{
	struct spdk_thread *t = stats_thread(delay_idle_poller, 1000);

	ut_delay_us(100);			/* gap before the poll: not counted */
	ASSERT_EQ(spdk_thread_poll(t, 1, 0), 0);
	check_stats(t, 1110, 0, 1000);
	ut_delay_us(100);
	ASSERT_EQ(spdk_thread_poll(t, 1, 0), 0);
	check_stats(t, 2210, 0, 2000);

	stats_done(t);
}

TEST(thread_update_stats_test_busy_poller)
{
	struct spdk_thread *t = stats_thread(delay_busy_poller, 100000);

	ut_delay_us(10000);
	ASSERT_EQ(spdk_thread_poll(t, 1, 0), 1);
	check_stats(t, 110010, 100000, 0);
	ut_delay_us(10000);
	ASSERT_EQ(spdk_thread_poll(t, 1, 0), 1);
	check_stats(t, 220010, 200000, 0);

	stats_done(t);
}

TEST(thread_update_stats_test_negative_poller_counts_as_idle)
{
	struct spdk_thread *t = stats_thread(delay_negative_poller, 50);

	ASSERT_EQ(spdk_thread_poll(t, 0, 0), 0);
	check_stats(t, 60, 0, 50);
	stats_done(t);
}

TEST(thread_update_stats_test_chained_now_counts_the_gap)
{
	struct spdk_thread *t = stats_thread(delay_idle_poller, 100);
	uint64_t last;

	/* A driver that passes the previous slice's end as `now` has the gap
	 * between slices accounted to the next slice. */
	last = spdk_thread_get_last_tsc(t);
	ut_delay_us(500);
	ASSERT_EQ(spdk_thread_poll(t, 0, last), 0);
	check_stats(t, 610, 0, 600);
	stats_done(t);
}

TEST(thread_update_stats_test_messages_are_busy)
{
	struct spdk_thread *t = stats_thread(NULL, 0);
	int n = 0;

	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, &n), 0);
	ut_delay_us(5);
	ASSERT_EQ(spdk_thread_poll(t, 0, 0), 1);
	ASSERT_EQ(n, 1);
	/* The slice took no simulated time: busy by 0 ticks, last_tsc moved. */
	check_stats(t, 15, 0, 0);
	stats_done(t);
}

TEST(thread_update_stats_test_get_stats_misuse)
{
	struct spdk_thread_stats st;

	ut_threads_init(1);
	log_capture_start();
	ut_set_thread(UT_NONE);
	ASSERT_EQ(spdk_thread_get_stats(&st), -EINVAL);
	ut_set_thread(0);
	ASSERT_EQ(spdk_thread_get_stats(NULL), -EINVAL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("spdk_thread_get_stats"));
	log_capture_stop();
	ut_threads_fini();
}

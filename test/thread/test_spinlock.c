/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * struct spdk_spinlock: correct use on spdk_threads, every misuse reported
 * through the pw_spin_set_abort_fn() hook (a recorder here) and logged, the
 * default hook aborting, locks held when a message or poller returns, and
 * mutual exclusion between real pthreads.
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"
#include "pinwheel/spinlock.h"

#include <pthread.h>

#define REC_MAX 64

static enum pw_spin_error g_errs[REC_MAX];
static _Atomic int g_nerr;

static void
recorder(enum pw_spin_error err)
{
	int n = atomic_fetch_add(&g_nerr, 1);

	if (n < REC_MAX) {
		g_errs[n] = err;
	}
}

static void
other_hook(enum pw_spin_error err)
{
}

/* Record violations instead of aborting, and capture the log: every
 * violation must be reported once and logged once. */
static void
rec_install(void)
{
	atomic_store(&g_nerr, 0);
	pw_spin_set_abort_fn(recorder);
	log_capture_start();
}

/* Exactly n violations (and n error lines) so far, the last one being err. */
#define ASSERT_REPORTED(n, err)						\
	do {								\
		ASSERT_EQ(atomic_load(&g_nerr), (n));			\
		ASSERT_EQ(g_errs[(n) - 1], (err));			\
		ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), (n));	\
	} while (0)

#define ASSERT_NO_REPORT_SINCE(n)					\
	do {								\
		ASSERT_EQ(atomic_load(&g_nerr), (n));			\
		ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), (n));	\
	} while (0)

/* ---------------------------------------------------------------------------
 * spdk_spin: use without an spdk_thread
 * ------------------------------------------------------------------------- */

TEST(spdk_spin_init_destroy_allowed_without_thread)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	ut_set_thread(UT_NONE);
	spdk_spin_init(&s);
	ASSERT_TRUE(s.initialized);
	ASSERT_FALSE(s.destroyed);
	ASSERT_NULL(s.thread);
	spdk_spin_destroy(&s);
	ASSERT_FALSE(s.initialized);
	ASSERT_TRUE(s.destroyed);
	ASSERT_NO_REPORT_SINCE(0);
	ut_threads_fini();
}

TEST(spdk_spin_lock_and_held_without_thread_report_not_spdk_thread)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	spdk_spin_init(&s);
	ut_set_thread(UT_NONE);
	spdk_spin_lock(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_NOT_SPDK_THREAD);
	ASSERT_TRUE(log_capture_contains("Not an SPDK thread"));
	ASSERT_FALSE(spdk_spin_held(&s));
	ASSERT_REPORTED(2, PW_SPIN_ERR_NOT_SPDK_THREAD);
	spdk_spin_unlock(&s);
	ASSERT_REPORTED(3, PW_SPIN_ERR_NOT_SPDK_THREAD);
	ASSERT_EQ(log_capture_count_matching("Not an SPDK thread"), 3);
	/* The failed lock did not take it: a thread can now (would hang otherwise). */
	ut_set_thread(0);
	spdk_spin_lock(&s);
	ASSERT_TRUE(spdk_spin_held(&s));
	spdk_spin_unlock(&s);
	spdk_spin_destroy(&s);
	ASSERT_NO_REPORT_SINCE(3);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * spdk_spin: on threads
 * ------------------------------------------------------------------------- */

TEST(spdk_spin_lock_unlock_held_only_on_holder)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(2);
	ut_set_thread(0);
	spdk_spin_init(&s);
	ASSERT_FALSE(spdk_spin_held(&s));
	spdk_spin_lock(&s);
	ASSERT_TRUE(spdk_spin_held(&s));
	ASSERT_PTR_EQ(s.thread, ut_thread(0));
	ASSERT_EQ(ut_thread(0)->lock_count, 1);
	ut_set_thread(1);
	ASSERT_FALSE(spdk_spin_held(&s));
	ut_set_thread(0);
	spdk_spin_unlock(&s);
	ASSERT_FALSE(spdk_spin_held(&s));
	ASSERT_NULL(s.thread);
	ASSERT_EQ(ut_thread(0)->lock_count, 0);
	/* Free again: the other thread takes it. */
	ut_set_thread(1);
	spdk_spin_lock(&s);
	ASSERT_TRUE(spdk_spin_held(&s));
	spdk_spin_unlock(&s);
	spdk_spin_destroy(&s);
	ASSERT_NO_REPORT_SINCE(0);
	ut_threads_fini();
}

TEST(spdk_spin_relock_by_holder_reports_deadlock)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_lock(&s);
	spdk_spin_lock(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_DEADLOCK);
	ASSERT_TRUE(log_capture_contains("Deadlock detected"));
	ASSERT_TRUE(log_capture_contains("ut_thread0"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_EQ(ut_thread(0)->lock_count, 1);	/* not counted twice */
	ASSERT_TRUE(spdk_spin_held(&s));
	spdk_spin_unlock(&s);
	ASSERT_FALSE(spdk_spin_held(&s));
	spdk_spin_destroy(&s);
	ASSERT_NO_REPORT_SINCE(1);
	ut_threads_fini();
}

TEST(spdk_spin_unlock_from_other_thread_reports_wrong_thread)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(2);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_lock(&s);
	ut_set_thread(1);
	spdk_spin_unlock(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_WRONG_THREAD);
	ASSERT_TRUE(log_capture_contains("Unlock on wrong SPDK thread"));
	ASSERT_EQ(ut_thread(1)->lock_count, 0);
	ut_set_thread(0);
	ASSERT_TRUE(spdk_spin_held(&s));	/* still the holder's */
	ASSERT_EQ(ut_thread(0)->lock_count, 1);
	spdk_spin_unlock(&s);
	spdk_spin_destroy(&s);
	ASSERT_NO_REPORT_SINCE(1);
	ut_threads_fini();
}

TEST(spdk_spin_second_unlock_reports_wrong_thread)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_lock(&s);
	spdk_spin_unlock(&s);
	spdk_spin_unlock(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_WRONG_THREAD);
	ASSERT_EQ(ut_thread(0)->lock_count, 0);
	/* The lock is still usable (the bad unlock touched nothing). */
	spdk_spin_lock(&s);
	ASSERT_TRUE(spdk_spin_held(&s));
	spdk_spin_unlock(&s);
	spdk_spin_destroy(&s);
	ASSERT_NO_REPORT_SINCE(1);
	ut_threads_fini();
}

TEST(spdk_spin_destroy_while_held_reports_lock_held_clean_destroy_silent)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_lock(&s);
	spdk_spin_destroy(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_LOCK_HELD);
	ASSERT_TRUE(s.initialized);
	ASSERT_FALSE(s.destroyed);
	ASSERT_TRUE(spdk_spin_held(&s));
	spdk_spin_unlock(&s);
	spdk_spin_destroy(&s);		/* clean: no report, no log */
	ASSERT_TRUE(s.destroyed);
	ASSERT_NO_REPORT_SINCE(1);
	ut_threads_fini();
}

TEST(spdk_spin_use_after_destroy_reports_destroyed)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_destroy(&s);
	spdk_spin_lock(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_DESTROYED);
	ASSERT_EQ(ut_thread(0)->lock_count, 0);
	spdk_spin_unlock(&s);
	ASSERT_REPORTED(2, PW_SPIN_ERR_DESTROYED);
	spdk_spin_destroy(&s);
	ASSERT_REPORTED(3, PW_SPIN_ERR_DESTROYED);
	ut_threads_fini();
}

TEST(spdk_spin_uninitialized_reports_not_initialized)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	ut_set_thread(0);
	memset(&s, 0, sizeof(s));
	spdk_spin_lock(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_NOT_INITIALIZED);
	ASSERT_EQ(ut_thread(0)->lock_count, 0);
	spdk_spin_unlock(&s);
	ASSERT_REPORTED(2, PW_SPIN_ERR_NOT_INITIALIZED);
	spdk_spin_destroy(&s);
	ASSERT_REPORTED(3, PW_SPIN_ERR_NOT_INITIALIZED);
	ASSERT_FALSE(spdk_spin_held(&s));
	ut_threads_fini();
}

TEST(spdk_spin_unlock_with_bad_lock_count_reports_lock_count)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(1);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_lock(&s);
	ut_thread(0)->lock_count = 0;		/* corrupt the thread's count */
	spdk_spin_unlock(&s);
	ASSERT_REPORTED(1, PW_SPIN_ERR_LOCK_COUNT);
	ASSERT_TRUE(spdk_spin_held(&s));
	ut_thread(0)->lock_count = 1;
	spdk_spin_unlock(&s);
	spdk_spin_destroy(&s);
	ASSERT_NO_REPORT_SINCE(1);
	ut_threads_fini();
}

/* Regression (bug in c0333a5, fixed in 10bbf0a): every spdk_spin_*
 * function dereferenced a NULL lock (SIGSEGV). The project's rule is a
 * logged error and a harmless return for bad input. */
TEST(spdk_spin_null_lock_logged_not_crash)
{
	rec_install();
	ut_threads_init(1);
	ut_set_thread(0);
	spdk_spin_init(NULL);
	spdk_spin_lock(NULL);
	spdk_spin_unlock(NULL);
	ASSERT_FALSE(spdk_spin_held(NULL));
	spdk_spin_destroy(NULL);
	ASSERT_GE(log_capture_count(SPDK_LOG_ERROR), 5);
	ASSERT_EQ(ut_thread(0)->lock_count, 0);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * Locks held when a callback returns
 * ------------------------------------------------------------------------- */

static struct spdk_spinlock g_lock;

static void
lock_msg(void *arg)
{
	spdk_spin_lock(&g_lock);
}

static void
unlock_msg(void *arg)
{
	spdk_spin_unlock(&g_lock);
}

static void
lock_unlock_msg(void *arg)
{
	spdk_spin_lock(&g_lock);
	ASSERT_TRUE(spdk_spin_held(&g_lock));
	spdk_spin_unlock(&g_lock);
}

TEST(spdk_spin_held_when_message_returns_reports_hold_during_switch)
{
	rec_install();
	ut_threads_init(1);
	spdk_spin_init(&g_lock);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), lock_msg, NULL), 0);
	ut_poll_thread(0);
	ASSERT_REPORTED(1, PW_SPIN_ERR_HOLD_DURING_SWITCH);
	ASSERT_TRUE(log_capture_contains("returned holding 1 spinlock"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	/* Released from outside any callback; later messages are clean. */
	ut_set_thread(0);
	spdk_spin_unlock(&g_lock);
	ut_set_thread(UT_NONE);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), lock_unlock_msg, NULL), 0);
	ut_poll_thread(0);
	ASSERT_NO_REPORT_SINCE(1);
	spdk_spin_destroy(&g_lock);
	ut_threads_fini();
}

TEST(spdk_spin_held_across_two_messages_reported_once)
{
	rec_install();
	ut_threads_init(1);
	spdk_spin_init(&g_lock);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), lock_msg, NULL), 0);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), unlock_msg, NULL), 0);
	ut_poll_thread(0);
	ASSERT_REPORTED(1, PW_SPIN_ERR_HOLD_DURING_SWITCH);
	ASSERT_EQ(ut_thread(0)->lock_count, 0);
	ut_set_thread(0);
	ASSERT_FALSE(spdk_spin_held(&g_lock));
	spdk_spin_destroy(&g_lock);
	ASSERT_NO_REPORT_SINCE(1);
	ut_threads_fini();
}

TEST(spdk_spin_released_within_message_no_report)
{
	rec_install();
	ut_threads_init(1);
	spdk_spin_init(&g_lock);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), lock_unlock_msg, NULL), 0);
	}
	ut_poll_thread(0);
	ASSERT_NO_REPORT_SINCE(0);
	spdk_spin_destroy(&g_lock);
	ut_threads_fini();
}

/* Locks on its first run, unlocks on its second. */
static int
lock_then_unlock_poller(void *arg)
{
	int *runs = arg;

	(*runs)++;
	if (*runs == 1) {
		spdk_spin_lock(&g_lock);
	} else if (*runs == 2) {
		spdk_spin_unlock(&g_lock);
	}
	return SPDK_POLLER_IDLE;
}

TEST(spdk_spin_held_when_active_poller_returns_reports_hold_during_switch)
{
	struct spdk_poller *p;
	int runs = 0;

	rec_install();
	ut_threads_init(1);
	spdk_spin_init(&g_lock);
	ut_set_thread(0);
	p = spdk_poller_register(lock_then_unlock_poller, &runs, 0);
	ut_set_thread(UT_NONE);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(runs, 1);
	ASSERT_REPORTED(1, PW_SPIN_ERR_HOLD_DURING_SWITCH);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(runs, 2);
	ASSERT_NO_REPORT_SINCE(1);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_NO_REPORT_SINCE(1);
	ut_set_thread(0);
	spdk_poller_unregister(&p);
	spdk_spin_destroy(&g_lock);
	ASSERT_NO_REPORT_SINCE(1);
	ut_threads_fini();
}

TEST(spdk_spin_held_when_timed_poller_returns_reports_hold_during_switch)
{
	struct spdk_poller *p;
	int runs = 0;

	rec_install();
	ut_threads_init(1);
	spdk_spin_init(&g_lock);
	ut_set_thread(0);
	p = spdk_poller_register(lock_then_unlock_poller, &runs, 100);
	ut_set_thread(UT_NONE);
	ut_poll_thread(0);
	ASSERT_EQ(runs, 0);
	ASSERT_NO_REPORT_SINCE(0);
	ut_delay_us(100);
	ut_poll_thread(0);
	ASSERT_EQ(runs, 1);
	ASSERT_REPORTED(1, PW_SPIN_ERR_HOLD_DURING_SWITCH);
	ut_delay_us(100);
	ut_poll_thread(0);
	ASSERT_EQ(runs, 2);
	ASSERT_NO_REPORT_SINCE(1);
	ut_set_thread(0);
	ASSERT_FALSE(spdk_spin_held(&g_lock));
	spdk_poller_unregister(&p);
	spdk_spin_destroy(&g_lock);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * The hook
 * ------------------------------------------------------------------------- */

TEST_SIGNAL(spdk_spin_default_hook_aborts_on_deadlock, SIGABRT)
{
	struct spdk_spinlock s;

	ut_threads_init(1);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_lock(&s);
	spdk_spin_lock(&s);
	FAIL("the default hook returned");
}

TEST_SIGNAL(spdk_spin_default_hook_aborts_on_hold_during_switch, SIGABRT)
{
	ut_threads_init(1);
	spdk_spin_init(&g_lock);
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), lock_msg, NULL), 0);
	ut_poll_thread(0);
	FAIL("the default hook returned");
}

TEST_SIGNAL(spdk_spin_null_hook_restores_default_abort, SIGABRT)
{
	struct spdk_spinlock s;

	rec_install();
	ASSERT_TRUE(pw_spin_set_abort_fn(NULL) == recorder);
	ut_threads_init(1);
	spdk_spin_init(&s);
	ut_set_thread(UT_NONE);
	spdk_spin_lock(&s);	/* not an SPDK thread */
	FAIL("the default hook returned");
}

TEST(spdk_spin_set_abort_fn_returns_previous_hook)
{
	pw_spin_abort_fn def;

	def = pw_spin_set_abort_fn(recorder);
	ASSERT_NOT_NULL(def);
	ASSERT_TRUE(def != recorder);
	ASSERT_TRUE(pw_spin_set_abort_fn(other_hook) == recorder);
	ASSERT_TRUE(pw_spin_set_abort_fn(NULL) == other_hook);
	ASSERT_TRUE(pw_spin_set_abort_fn(recorder) == def);
	ASSERT_TRUE(pw_spin_set_abort_fn(def) == recorder);
}

TEST(spdk_spin_error_strings_distinct_and_unknown_for_out_of_range)
{
	ASSERT_STR_EQ(pw_spin_error_str(PW_SPIN_ERR_NONE), "No error");
	ASSERT_STR_EQ(pw_spin_error_str(PW_SPIN_ERR_NOT_SPDK_THREAD), "Not an SPDK thread");
	ASSERT_STR_EQ(pw_spin_error_str(PW_SPIN_ERR_DEADLOCK), "Deadlock detected");
	ASSERT_STR_EQ(pw_spin_error_str(PW_SPIN_ERR_WRONG_THREAD), "Unlock on wrong SPDK thread");
	ASSERT_STR_EQ(pw_spin_error_str(PW_SPIN_ERR_LOCK_HELD), "Destroying a held spinlock");
	ASSERT_STR_EQ(pw_spin_error_str(PW_SPIN_ERR_HOLD_DURING_SWITCH),
		      "Lock(s) held while SPDK thread going off CPU");
	for (int a = PW_SPIN_ERR_NONE; a <= PW_SPIN_ERR_NOT_INITIALIZED; a++) {
		const char *sa = pw_spin_error_str((enum pw_spin_error)a);

		ASSERT_NOT_NULL(sa);
		ASSERT_GT(strlen(sa), 0);
		ASSERT_TRUE(strcmp(sa, "Unknown error") != 0);
		for (int b = PW_SPIN_ERR_NONE; b < a; b++) {
			ASSERT_TRUE(strcmp(sa, pw_spin_error_str((enum pw_spin_error)b)) != 0);
		}
	}
	ASSERT_STR_EQ(pw_spin_error_str((enum pw_spin_error)(PW_SPIN_ERR_NOT_INITIALIZED + 1)),
		      "Unknown error");
	ASSERT_STR_EQ(pw_spin_error_str((enum pw_spin_error) - 1), "Unknown error");
}

TEST(spdk_spin_each_violation_logged_once)
{
	struct spdk_spinlock s;

	rec_install();
	ut_threads_init(2);
	ut_set_thread(0);
	spdk_spin_init(&s);
	spdk_spin_lock(&s);
	spdk_spin_lock(&s);		/* deadlock */
	ut_set_thread(1);
	spdk_spin_unlock(&s);		/* wrong thread */
	spdk_spin_destroy(&s);		/* held */
	ut_set_thread(0);
	spdk_spin_unlock(&s);
	ASSERT_NO_REPORT_SINCE(3);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	ASSERT_EQ(log_capture_count_matching("Deadlock detected"), 1);
	ASSERT_EQ(log_capture_count_matching("Unlock on wrong SPDK thread"), 1);
	ASSERT_EQ(log_capture_count_matching("Destroying a held spinlock"), 1);
	spdk_spin_destroy(&s);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * Real pthreads
 * ------------------------------------------------------------------------- */

#define SPIN_ITERS 100000

struct spin_worker {
	struct spdk_spinlock	*lock;
	struct spdk_thread	*thread;
	uint64_t		*counter;
};

static void *
spin_worker_main(void *arg)
{
	struct spin_worker *w = arg;

	spdk_set_thread(w->thread);
	for (int i = 0; i < SPIN_ITERS; i++) {
		spdk_spin_lock(w->lock);
		if ((i & 1023) == 0) {
			ASSERT_TRUE(spdk_spin_held(w->lock));
		}
		(*w->counter)++;
		spdk_spin_unlock(w->lock);
	}
	ASSERT_FALSE(spdk_spin_held(w->lock));
	spdk_set_thread(NULL);
	return NULL;
}

TEST_TIMEOUT(spdk_spin_mutual_exclusion_between_pthreads, 120)
{
	struct spdk_spinlock s;
	struct spin_worker w[2];
	pthread_t tid[2];
	uint64_t counter = 0;

	rec_install();
	ut_threads_init(2);
	spdk_spin_init(&s);
	for (int i = 0; i < 2; i++) {
		w[i].lock = &s;
		w[i].thread = ut_thread((uint32_t)i);
		w[i].counter = &counter;
		ASSERT_EQ(pthread_create(&tid[i], NULL, spin_worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(tid[i], NULL), 0);
	}
	ASSERT_EQ(counter, 2 * SPIN_ITERS);
	ASSERT_NO_REPORT_SINCE(0);
	ASSERT_EQ(ut_thread(0)->lock_count, 0);
	ASSERT_EQ(ut_thread(1)->lock_count, 0);
	spdk_spin_destroy(&s);
	ASSERT_NO_REPORT_SINCE(0);
	ut_threads_fini();
}

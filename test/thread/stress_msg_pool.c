/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of the process-wide message limit on real pthreads.
 *
 * no_enomem_while_threads_come_and_go (issue 8, defect 5): one pthread keeps
 * sending to an spdk_thread that it polls itself, a batch at a time, so its
 * queue never holds more than one batch: the pool (the default
 * msg_mempool_size, about a thousand segments) is never close to
 * exhausted. Every 255th send opens a segment and checks the pool's limit.
 * Meanwhile another pthread creates, exits and destroys threads without
 * pause; each one adds a queue to the pool and takes it away. Every send
 * must return 0.
 *
 * Before the fix the limit check read two counters, segments reserved and
 * queues, which creation and destruction update one after the other: in
 * between, "reserved - queues" was one below its true value, and with no
 * other segment in use it wrapped to SIZE_MAX, so the send failed with
 * -ENOMEM. On a 2-cpu x86 machine this showed in a fraction of a second.
 * Now one counter (segments beyond each queue's first) is the only input of
 * the check, so nothing can be seen half-updated.
 *
 * Bounded by PW_STRESS_SECONDS (default 2).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"

#include "harness.h"
#include "ut_stress.h"
#include "log_capture.h"

#include <stdatomic.h>

#define BATCH	200

static _Atomic bool g_stop;
static _Atomic uint64_t g_churned;

static void
count_msg(void *arg)
{
	(*(uint64_t *)arg)++;
}

static void *
churn_main(void *arg)
{
	char name[32];

	while (!atomic_load_explicit(&g_stop, memory_order_acquire)) {
		struct spdk_thread *t;
		uint64_t n = atomic_load_explicit(&g_churned, memory_order_relaxed);

		snprintf(name, sizeof(name), "churn%" PRIu64, n);
		t = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(t);
		spdk_set_thread(t);
		ASSERT_EQ(spdk_thread_exit(t), 0);
		while (!spdk_thread_is_exited(t)) {
			spdk_thread_poll(t, 0, 0);
		}
		spdk_thread_destroy(t);
		spdk_set_thread(NULL);
		atomic_store_explicit(&g_churned, n + 1, memory_order_relaxed);
	}
	return NULL;
}

TEST_TIMEOUT(no_enomem_while_threads_come_and_go, 120)
{
	uint64_t budget = env_u64("PW_STRESS_SECONDS", 2) * 1000000000ULL;
	uint64_t start, sent = 0, ran = 0;
	struct spdk_thread *app, *rx;
	pthread_t churn;
	int rc;

	atomic_init(&g_stop, false);
	atomic_init(&g_churned, 0);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	app = spdk_thread_create("app", NULL);
	rx = spdk_thread_create("rx", NULL);
	ASSERT_NOT_NULL(app);
	ASSERT_NOT_NULL(rx);
	ASSERT_EQ(pthread_create(&churn, NULL, churn_main, NULL), 0);

	spdk_set_thread(rx);
	start = now_ns();
	while (now_ns() - start < budget) {
		for (int k = 0; k < BATCH; k++) {
			rc = spdk_thread_send_msg(rx, count_msg, &ran);
			if (rc != 0) {
				atomic_store(&g_stop, true);
				FAIL("send %" PRIu64 " returned %d with at most %d messages queued "
				     "(%" PRIu64 " threads created and destroyed meanwhile)", sent, rc,
				     BATCH, atomic_load(&g_churned));
			}
			sent++;
		}
		while (ran < sent) {
			spdk_thread_poll(rx, 0, 0);
		}
	}
	atomic_store_explicit(&g_stop, true, memory_order_release);
	ASSERT_EQ(pthread_join(churn, NULL), 0);
	ASSERT_EQ(ran, sent);
	ASSERT_GT(atomic_load(&g_churned), 0);
	printf("no_enomem_while_threads_come_and_go: %" PRIu64 " sends, %" PRIu64
	       " threads created and destroyed\n", sent, atomic_load(&g_churned));

	ASSERT_EQ(spdk_thread_exit(rx), 0);
	while (!spdk_thread_is_exited(rx)) {
		spdk_thread_poll(rx, 0, 0);
	}
	spdk_thread_destroy(rx);
	spdk_set_thread(app);
	ASSERT_EQ(spdk_thread_exit(app), 0);
	while (!spdk_thread_is_exited(app)) {
		spdk_thread_poll(app, 0, 0);
	}
	spdk_thread_destroy(app);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
}

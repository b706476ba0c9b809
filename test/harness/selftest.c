/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/* Tests of the harness itself. selftest.sh runs each one by name and checks
 * the verdict: the "bad_" ones must be reported as failures. */

#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

TEST(good_pass)
{
	ASSERT_EQ(UINT64_MAX, UINT64_MAX);
	ASSERT_LT(-1, 1);
	ASSERT_GT((uint64_t)1 << 63, INT64_MAX);
	ASSERT_STR_EQ("abc", "abc");
}

TEST_SIGNAL(good_expected_abort, SIGABRT)
{
	abort();
}

TEST_EXIT(good_expected_exit, 3)
{
	exit(3);
}

TEST(good_skip)
{
	TEST_SKIP("skipping on purpose");
}

TEST(bad_assert)
{
	ASSERT_EQ(1, 2);
}

static void *
failing_worker(void *arg)
{
	ASSERT_EQ((uintptr_t)arg, 0);
	return NULL;
}

TEST(bad_assert_on_worker)
{
	pthread_t t;

	pthread_create(&t, NULL, failing_worker, (void *)1);
	pthread_join(t, NULL);
	/* Never reached: the worker's failure ends the test. */
	for (;;) {
		pause();
	}
}

TEST(bad_crash)
{
	raise(SIGSEGV);
}

TEST_SIGNAL(bad_missing_signal, SIGABRT)
{
}

TEST_TIMEOUT(bad_hang, 1)
{
	for (;;) {
		pause();
	}
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Shared cpumasks (lib/thread/cpumask_pool.c; doc/design.md "Shared
 * cpumasks"): threads with equal masks share one immutable copy; the first
 * spdk_thread_get_cpumask() makes a private one, which is then the thread's
 * mask.
 *
 * - equal_masks_share_different_do_not: threads created with equal masks
 *   (also NULL and an explicit every-core mask) read the same set through
 *   pw_thread_get_cpumask(), different masks different sets; the table counts
 *   distinct masks and forgets one once its last thread is gone
 * - many_distinct_masks: 600 distinct masks (the table grows), each read back
 *   exactly, all released
 * - get_cpumask_is_private_and_authoritative: spdk_thread_get_cpumask()
 *   returns the same writable set on every call, not the sibling's; what is
 *   written there is what pw_thread_get_cpumask() reads, the sibling keeps
 *   the shared mask; spdk_cpuset_fmt() works on it
 * - set_cpumask_stores_into_private_copy: set_cpumask changes the thread's
 *   mask and what an earlier spdk_thread_get_cpumask() returned (as in
 *   SPDK), not the siblings'; setting the mask it already has makes no copy
 * - misuse_null_thread_and_mask: NULL thread to both getters, NULL mask and
 *   no current thread to the setter: logged, NULL or -EINVAL, nothing changed
 */

#include "harness.h"
#include "log_capture.h"
#include "thread/thread_internal.h"

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

static uint32_t g_resched_calls;
static struct spdk_thread *g_app;	/* the first thread: kept until lib fini */

static bool
ops_all(enum spdk_thread_op op)
{
	return true;
}

static int
ops_fn(struct spdk_thread *thread, enum spdk_thread_op op)
{
	if (op == SPDK_THREAD_OP_RESCHED) {
		g_resched_calls++;
	}
	return 0;
}

static struct spdk_cpuset
mask_of2(int a, int b)
{
	struct spdk_cpuset set;

	spdk_cpuset_zero(&set);
	if (a >= 0) {
		spdk_cpuset_set_cpu(&set, (uint32_t)a, true);
	}
	if (b >= 0) {
		spdk_cpuset_set_cpu(&set, (uint32_t)b, true);
	}
	return set;
}

static void
lib_up(void)
{
	g_resched_calls = 0;
	ASSERT_EQ(spdk_thread_lib_init_ext(ops_fn, ops_all, 0, 0), 0);
	g_app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(g_app);
}

static void end(struct spdk_thread *t);

static void
lib_down(void)
{
	end(g_app);
	spdk_thread_lib_fini();
	ASSERT_EQ(pw__cpumask_pool_count(), 0);
}

static void
end(struct spdk_thread *t)
{
	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	while (!spdk_thread_is_exited(t)) {
		spdk_thread_poll(t, 0, 0);
	}
	spdk_set_thread(NULL);
	spdk_thread_destroy(t);
}

TEST(equal_masks_share_different_do_not)
{
	struct spdk_cpuset m13 = mask_of2(1, 3), m13b = mask_of2(3, 1), m2 = mask_of2(2, -1);
	struct spdk_cpuset all;
	struct spdk_thread *a, *b, *c, *d, *e;

	spdk_cpuset_zero(&all);
	spdk_cpuset_negate(&all);
	lib_up();
	a = spdk_thread_create("a", &m13);
	b = spdk_thread_create("b", &m13b);
	c = spdk_thread_create("c", &m2);
	d = spdk_thread_create("d", NULL);
	e = spdk_thread_create("e", &all);
	ASSERT(a && b && c && d && e);
	ASSERT_PTR_EQ(pw_thread_get_cpumask(a), pw_thread_get_cpumask(b));
	ASSERT_PTR_NE(pw_thread_get_cpumask(a), pw_thread_get_cpumask(c));
	ASSERT_PTR_EQ(pw_thread_get_cpumask(d), pw_thread_get_cpumask(e));
	ASSERT_PTR_NE(pw_thread_get_cpumask(a), pw_thread_get_cpumask(d));
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(a), &m13));
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(c), &m2));
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(d), &all));
	/* {1,3} and {2}; every core is not in the table. */
	ASSERT_EQ(pw__cpumask_pool_count(), 2);

	end(a);
	ASSERT_EQ(pw__cpumask_pool_count(), 2);
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(b), &m13));
	end(b);
	ASSERT_EQ(pw__cpumask_pool_count(), 1);
	/* Made again from scratch, and shared again. */
	a = spdk_thread_create("a2", &m13);
	b = spdk_thread_create("b2", &m13);
	ASSERT(a && b);
	ASSERT_EQ(pw__cpumask_pool_count(), 2);
	ASSERT_PTR_EQ(pw_thread_get_cpumask(a), pw_thread_get_cpumask(b));
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(a), &m13));
	end(a);
	end(b);
	end(c);
	end(d);
	end(e);
	ASSERT_EQ(pw__cpumask_pool_count(), 0);
	lib_down();
}

#define DISTINCT	600

TEST(many_distinct_masks)
{
	static struct spdk_thread *t[DISTINCT];
	struct spdk_cpuset m;

	lib_up();
	for (int i = 0; i < DISTINCT; i++) {
		/* {i % 1024} alone, or with core 1023 */
		m = mask_of2(i / 2, i % 2 ? SPDK_CPUSET_SIZE - 1 : -1);
		t[i] = spdk_thread_create(NULL, &m);
		ASSERT_NOT_NULL(t[i]);
	}
	ASSERT_EQ(pw__cpumask_pool_count(), DISTINCT);
	for (int i = 0; i < DISTINCT; i++) {
		m = mask_of2(i / 2, i % 2 ? SPDK_CPUSET_SIZE - 1 : -1);
		ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(t[i]), &m));
	}
	/* Half of them gone, then the rest, in another order. */
	for (int i = 0; i < DISTINCT; i += 2) {
		end(t[i]);
	}
	ASSERT_EQ(pw__cpumask_pool_count(), DISTINCT / 2);
	for (int i = DISTINCT - 1; i > 0; i -= 2) {
		m = mask_of2(i / 2, SPDK_CPUSET_SIZE - 1);
		ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(t[i]), &m));
		end(t[i]);
	}
	ASSERT_EQ(pw__cpumask_pool_count(), 0);
	lib_down();
}

TEST(get_cpumask_is_private_and_authoritative)
{
	struct spdk_cpuset m13 = mask_of2(1, 3), m135 = mask_of2(1, 3);
	struct spdk_thread *a, *b;
	const struct spdk_cpuset *shared;
	struct spdk_cpuset *own;

	spdk_cpuset_set_cpu(&m135, 5, true);
	lib_up();
	a = spdk_thread_create("a", &m13);
	b = spdk_thread_create("b", &m13);
	ASSERT(a && b);
	shared = pw_thread_get_cpumask(a);
	ASSERT_PTR_EQ(shared, pw_thread_get_cpumask(b));

	own = spdk_thread_get_cpumask(a);
	ASSERT_NOT_NULL(own);
	ASSERT_PTR_NE(own, shared);
	ASSERT_PTR_EQ(spdk_thread_get_cpumask(a), own);
	ASSERT_PTR_EQ(pw_thread_get_cpumask(a), own);
	ASSERT_TRUE(spdk_cpuset_equal(own, &m13));
	ASSERT_STR_EQ(spdk_cpuset_fmt(own), "a");

	spdk_cpuset_set_cpu(own, 5, true);
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(a), &m135));
	ASSERT_STR_EQ(spdk_cpuset_fmt(own), "2a");
	/* The sibling, and the shared copy, are untouched. */
	ASSERT_PTR_EQ(pw_thread_get_cpumask(b), shared);
	ASSERT_TRUE(spdk_cpuset_equal(shared, &m13));
	ASSERT_PTR_NE(spdk_thread_get_cpumask(b), own);
	ASSERT_TRUE(spdk_cpuset_equal(spdk_thread_get_cpumask(b), &m13));
	/* Both have private copies now; the shared one stays theirs until freed. */
	ASSERT_EQ(pw__cpumask_pool_count(), 1);
	end(a);
	end(b);
	ASSERT_EQ(pw__cpumask_pool_count(), 0);
	lib_down();
}

TEST(set_cpumask_stores_into_private_copy)
{
	struct spdk_cpuset m13 = mask_of2(1, 3), m2 = mask_of2(2, -1);
	struct spdk_thread *a, *b;
	const struct spdk_cpuset *shared;
	struct spdk_cpuset *own;

	lib_up();
	a = spdk_thread_create("a", &m13);
	b = spdk_thread_create("b", &m13);
	ASSERT(a && b);
	shared = pw_thread_get_cpumask(a);

	/* The mask it has: RESCHED, no copy made. */
	spdk_set_thread(a);
	ASSERT_EQ(spdk_thread_set_cpumask(&m13), 0);
	ASSERT_EQ(g_resched_calls, 1);
	ASSERT_PTR_EQ(pw_thread_get_cpumask(a), shared);

	/* Another one: into a private copy. */
	ASSERT_EQ(spdk_thread_set_cpumask(&m2), 0);
	ASSERT_EQ(g_resched_calls, 2);
	ASSERT_PTR_NE(pw_thread_get_cpumask(a), shared);
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(a), &m2));
	ASSERT_TRUE(spdk_cpuset_equal(shared, &m13));
	ASSERT_PTR_EQ(pw_thread_get_cpumask(b), shared);
	own = spdk_thread_get_cpumask(a);
	ASSERT_PTR_EQ(own, pw_thread_get_cpumask(a));

	/* What an earlier get_cpumask returned follows, as in SPDK; also a set
	 * back to the shared mask goes into the private copy. */
	ASSERT_EQ(spdk_thread_set_cpumask(&m13), 0);
	ASSERT_TRUE(spdk_cpuset_equal(own, &m13));
	ASSERT_PTR_EQ(pw_thread_get_cpumask(a), own);
	/* Set from the thread's own set (SPDK's examples do). */
	spdk_cpuset_set_cpu(own, 7, true);
	ASSERT_EQ(spdk_thread_set_cpumask(own), 0);
	ASSERT_EQ(spdk_cpuset_count(pw_thread_get_cpumask(a)), 3);
	spdk_set_thread(NULL);

	end(a);
	end(b);
	ASSERT_EQ(pw__cpumask_pool_count(), 0);
	lib_down();
}

TEST(misuse_null_thread_and_mask)
{
	struct spdk_cpuset m2 = mask_of2(2, -1);
	struct spdk_thread *a;

	lib_up();
	a = spdk_thread_create("a", NULL);
	ASSERT_NOT_NULL(a);
	log_capture_start();
	ASSERT_NULL(spdk_thread_get_cpumask(NULL));
	ASSERT_NULL(pw_thread_get_cpumask(NULL));
	ASSERT_EQ(log_capture_count_matching("NULL thread"), 2);
	log_capture_reset();

	ASSERT_EQ(spdk_thread_set_cpumask(&m2), -EINVAL);
	ASSERT_TRUE(log_capture_contains("no current spdk_thread"));
	spdk_set_thread(a);
	ASSERT_EQ(spdk_thread_set_cpumask(NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("NULL cpumask"));
	spdk_set_thread(NULL);
	log_capture_stop();
	ASSERT_EQ(g_resched_calls, 0);
	ASSERT_EQ(spdk_cpuset_count(pw_thread_get_cpumask(a)), SPDK_CPUSET_SIZE);
	end(a);
	lib_down();
}

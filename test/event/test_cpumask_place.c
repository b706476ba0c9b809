/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The event framework places threads by the mask the thread has now, also
 * when it was written through spdk_thread_get_cpumask() (a private copy: the
 * thread shared its mask with another until then; doc/design.md "Shared
 * cpumasks"). Reactors driven by hand (ut_hand_reactor.h).
 *
 * - written_mask_places_thread: two threads created with mask {1,2} share it
 *   and are placed on cores 1 and 2; a foreign pthread (the test) writes
 *   {2} into the first one's spdk_thread_get_cpumask(), and a reschedule
 *   (what RESCHED sets, and a message, no spdk_thread_set_cpumask()) moves it
 *   to core 2; the
 *   second one's mask is still {1,2}. Then, from the thread, the mask it got
 *   is rewritten to {0} and passed to spdk_thread_set_cpumask() (as SPDK's
 *   examples do): it moves to core 0.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "spdk_internal/event.h"
#include "pinwheel/thread.h"

#include "event/event_internal.h"
#include "env/env_internal.h"
#include "ut_hand_reactor.h"

static bool
holds(struct spdk_reactor *r, struct spdk_thread *t)
{
	struct spdk_lw_thread *lw;

	TAILQ_FOREACH(lw, &r->threads, link) {
		if (spdk_thread_get_from_ctx(lw) == t) {
			return true;
		}
	}
	return false;
}

static void
nop_msg(void *ctx)
{
}

TEST(written_mask_places_thread)
{
	struct spdk_cpuset m12, m2;
	struct spdk_thread *a, *b;
	struct spdk_lw_thread *lw;
	struct spdk_cpuset *own;

	spdk_cpuset_zero(&m12);
	spdk_cpuset_set_cpu(&m12, 1, true);
	spdk_cpuset_set_cpu(&m12, 2, true);
	spdk_cpuset_zero(&m2);
	spdk_cpuset_set_cpu(&m2, 2, true);

	hand_reactors_up("test_cpumask_place", "0x7", 1000000, 0);
	pw__reactors_set_next_core(0);
	pw__env_set_current_core(1);
	a = spdk_thread_create("a", &m12);
	b = spdk_thread_create("b", &m12);
	ASSERT(a && b);
	ASSERT_PTR_EQ(pw_thread_get_cpumask(a), pw_thread_get_cpumask(b));
	drain(1);
	drain(2);
	ASSERT_TRUE(holds(reactor(1), a));
	ASSERT_TRUE(holds(reactor(2), b));

	/* Written from another pthread, as SPDK lets it. */
	own = spdk_thread_get_cpumask(a);
	spdk_cpuset_set_cpu(own, 1, false);
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(a), &m2));
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(b), &m12));

	/* A move asked for without a new mask (the flag RESCHED sets); a
	 * message wakes the thread (parked while idle) for the slice after which
	 * it moves. */
	lw = spdk_thread_get_ctx(a);
	lw->resched = true;
	lw->lcore = SPDK_ENV_LCORE_ID_ANY;
	ASSERT_EQ(spdk_thread_send_msg(a, nop_msg, NULL), 0);
	run_once(1);
	ASSERT_FALSE(holds(reactor(1), a));
	ASSERT_EQ(drain(2), 1);
	ASSERT_TRUE(holds(reactor(2), a));
	ASSERT_EQ(lw->lcore, 2);
	ASSERT_TRUE(holds(reactor(2), b));

	/* From the thread: its own set, rewritten, given to set_cpumask. */
	spdk_set_thread(a);
	own = spdk_thread_get_cpumask(a);
	spdk_cpuset_zero(own);
	spdk_cpuset_set_cpu(own, 0, true);
	ASSERT_EQ(spdk_thread_set_cpumask(own), 0);
	spdk_set_thread(NULL);
	run_once(2);
	ASSERT_EQ(drain(0), 1);
	ASSERT_TRUE(holds(reactor(0), a));
	ASSERT_TRUE(spdk_cpuset_equal(pw_thread_get_cpumask(b), &m12));

	hand_finish_thread(a, 0);
	hand_finish_thread(b, 2);
	hand_reactors_down();
}

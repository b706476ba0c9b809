/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Reactors driven by hand: no reactor pthread; the environment names cores
 * that need not exist and the test pthread plays each core in turn, running
 * one batch of its events (run_batch(), drain()) or one whole reactor
 * iteration (run_once()). The clock may be the settable test clock.
 *
 * (ut_reactor.h is the other kind: real reactors on cores 0 and 1.)
 */

#ifndef PW_UT_HAND_REACTOR_H
#define PW_UT_HAND_REACTOR_H

#include "harness.h"

#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include "event/event_internal.h"
#include "env/env_internal.h"

/* The environment named name on mask (its cores need not exist). With
 * mock_hz > 0 the clock is the test clock, mock_hz ticks per second, at
 * mock_start; with 0 it is the real one. */
static inline void
hand_env_up(const char *name, const char *mask, uint64_t mock_hz, uint64_t mock_start)
{
	struct spdk_env_opts opts;

	pw__env_skip_affinity_check(true);
	spdk_env_opts_init(&opts);
	opts.name = name;
	opts.core_mask = mask;
	ASSERT_EQ(spdk_env_init(&opts), 0);
	if (mock_hz > 0) {
		pw__ticks_mock_enable(mock_hz, mock_start);
	}
}

/* hand_env_up(), then the reactors (spdk_reactors_init(0)). */
static inline void
hand_reactors_up(const char *name, const char *mask, uint64_t mock_hz, uint64_t mock_start)
{
	hand_env_up(name, mask, mock_hz, mock_start);
	ASSERT_EQ(spdk_reactors_init(0), 0);
}

/* The environment down, from the main core; the real clock again (which is
 * nothing to undo when the test clock was never on). */
static inline void
hand_env_down(void)
{
	pw__env_set_current_core(spdk_env_get_main_core());
	spdk_env_fini();
	pw__ticks_mock_disable();
	pw__env_skip_affinity_check(false);
}

/* No current thread, the reactors finished (and known to be), then
 * hand_env_down(). */
static inline void
hand_reactors_down(void)
{
	spdk_set_thread(NULL);
	spdk_reactors_fini();
	ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_UNINITIALIZED);
	hand_env_down();
}

/* The reactor of core; fails the test when it has none. */
static inline struct spdk_reactor *
reactor(uint32_t core)
{
	struct spdk_reactor *r = spdk_reactor_get(core);

	ASSERT_NOT_NULL(r);
	return r;
}

/* One batch of core's events, with the test pthread playing that core;
 * returns how many ran. */
static inline uint32_t
run_batch(uint32_t core)
{
	pw__env_set_current_core(core);
	return pw__event_queue_run_batch(reactor(core));
}

/* core's batches until one is empty; returns how many events ran. */
static inline uint64_t
drain(uint32_t core)
{
	uint64_t n, total = 0;

	while ((n = run_batch(core)) > 0) {
		total += n;
	}
	return total;
}

/* One reactor iteration of core, with the test pthread playing that core. */
static inline void
run_once(uint32_t core)
{
	pw__env_set_current_core(core);
	pw__reactor_run_once(reactor(core));
}

static inline void
hand_exit_msg(void *ctx)
{
	spdk_thread_exit(spdk_get_thread());
}

/* Send thread t, which sits on core's reactor, a message that exits it, and
 * iterate that reactor (at most 4 times) until t is gone. */
static inline void
hand_finish_thread(struct spdk_thread *t, uint32_t core)
{
	uint32_t before = reactor(core)->thread_count;

	ASSERT_EQ(spdk_thread_send_msg(t, hand_exit_msg, NULL), 0);
	for (int i = 0; i < 4 && reactor(core)->thread_count == before; i++) {
		run_once(core);
	}
	ASSERT_EQ(reactor(core)->thread_count, before - 1);
}

/* A thread created with core \p core alone in its mask, from that core (not
 * placed yet: the reactor places it at its next iteration). */
static inline struct spdk_thread *
hand_thread_on(const char *name, uint32_t core)
{
	struct spdk_cpuset set;
	struct spdk_thread *t;

	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, core, true);
	pw__env_set_current_core(core);
	t = spdk_thread_create(name, &set);
	ASSERT_NOT_NULL(t);
	return t;
}

/* Whether core's reactor holds thread t. */
static inline bool
hand_holds(struct spdk_reactor *r, struct spdk_thread *t)
{
	struct spdk_lw_thread *lw;

	TAILQ_FOREACH(lw, &r->threads, link) {
		if (spdk_thread_get_from_ctx(lw) == t) {
			return true;
		}
	}
	return false;
}

/* Iterate every reactor until no event is queued anywhere and no scheduling
 * round runs (fails the test after 1000 passes). */
static inline void
hand_settle(void)
{
	uint32_t core;

	for (int i = 0; i < 1000; i++) {
		bool pending = pw__reactors_round_in_progress();

		SPDK_ENV_FOREACH_CORE(core) {
			pending |= pw__event_queue_pending(reactor(core));
			run_once(core);
		}
		if (!pending) {
			return;
		}
	}
	FAIL("the reactors never settled");
}

/* A thread with cpumask mask (NULL: every core), created from the main core
 * with the round-robin cursor on core, settled: it sits on core. */
static inline struct spdk_thread *
hand_thread_placed(const char *name, uint32_t core, const struct spdk_cpuset *mask)
{
	struct spdk_thread *t;

	ASSERT_TRUE(mask == NULL || spdk_cpuset_get_cpu(mask, core));
	pw__reactors_set_next_core(core);
	pw__env_set_current_core(spdk_env_get_main_core());
	t = spdk_thread_create(name, mask);
	ASSERT_NOT_NULL(t);
	hand_settle();
	ASSERT_TRUE(hand_holds(reactor(core), t));
	return t;
}

/* Exit every thread still running on any reactor, then settle. */
static inline void
hand_exit_all(void)
{
	uint32_t core;
	struct spdk_lw_thread *lw;

	SPDK_ENV_FOREACH_CORE(core) {
		TAILQ_FOREACH(lw, &reactor(core)->threads, link) {
			struct spdk_thread *t = spdk_thread_get_from_ctx(lw);

			if (!spdk_thread_is_exited(t)) {
				spdk_set_thread(t);
				ASSERT_EQ(spdk_thread_exit(t), 0);
				spdk_set_thread(NULL);
			}
		}
	}
	hand_settle();
}

#endif /* PW_UT_HAND_REACTOR_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Rings taken over while walked: every ring is in use (SPDK_TRACE_MAX_LCORE
 * of them), short-lived pthreads keep coming, each taking over the ring of
 * one that exited and recording its own Linux tid, while another pthread
 * walks. Every record the walker sees must be attributed to the pthread that
 * made it (its tid argument equals the ring's tid), whole (its two copies of
 * the tid agree), and the records of a ring in the order written.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#include <sys/syscall.h>

#define G		9
#define TP_TID		SPDK_TPOINT_ID(G, 0)
#define RING		16
#define PER_PTHREAD	3	/* 1 to 3 records: the old owner's stay in the ring */
#define NEWCOMERS	300

static void
g_trace(void)
{
	struct spdk_trace_tpoint_opts opts[] = {
		{
			"TID", TP_TID, 0, 0, 0, {
				{ "tid", SPDK_TRACE_ARG_TYPE_INT, 8 },
				{ "seq", SPDK_TRACE_ARG_TYPE_INT, 8 },
				{ "tid2", SPDK_TRACE_ARG_TYPE_INT, 8 },
			}
		},
	};

	spdk_trace_register_description_ext(opts, SPDK_COUNTOF(opts));
}
SPDK_TRACE_REGISTER_FN(g_trace, "ttakeover", G)

static bool g_stop;

static void *
record_tid(void *arg)
{
	uint64_t tid = (uint64_t)syscall(SYS_gettid);
	uint64_t n = (uint64_t)(uintptr_t)arg;

	for (uint64_t i = 1; i <= n; i++) {
		spdk_trace_record(TP_TID, 0, 0, 0, tid, i, tid);
	}
	return NULL;
}

static void
run_pthread(uint64_t n)
{
	pthread_t t;

	ASSERT_EQ(pthread_create(&t, NULL, record_tid, (void *)(uintptr_t)n), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
}

struct check {
	uint32_t	tid;
	uint32_t	index;
	uint64_t	seq;
	uint64_t	records;
};

static int
check_entry(const struct pw_trace_ring_info *ring, const struct pw_trace_entry *e, void *ctx)
{
	struct check *c = ctx;

	if (e->args[0].integer != e->args[2].integer) {
		FAIL("a torn record: tid %" PRIu64 " and %" PRIu64, e->args[0].integer,
		     e->args[2].integer);
	}
	if (e->args[0].integer != ring->tid) {
		FAIL("a record of tid %" PRIu64 " reported in the ring of tid %u (ring %u)",
		     e->args[0].integer, ring->tid, ring->index);
	}
	if (c->tid == ring->tid && c->index == ring->index && e->args[1].integer <= c->seq) {
		FAIL("ring %u: seq %" PRIu64 " after %" PRIu64, ring->index, e->args[1].integer,
		     c->seq);
	}
	c->tid = ring->tid;
	c->index = ring->index;
	c->seq = e->args[1].integer;
	c->records++;
	return 0;
}

static void *
walk_loop(void *arg)
{
	uint64_t *walks = arg;

	/* At least one walk, however late this pthread runs. */
	do {
		struct check c = { 0 };

		ASSERT_EQ(pw_trace_foreach_entry(check_entry, &c), 0);
		(*walks)++;
	} while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE));
	return NULL;
}

TEST_TIMEOUT(takeover_while_walked, 600)
{
	struct pw_trace_stats st;
	pthread_t walker;
	uint64_t walks = 0;

	ASSERT_EQ(spdk_trace_init("takeover", RING, 0), 0);
	spdk_trace_set_tpoints(G, UINT64_MAX);
	for (int i = 0; i < SPDK_TRACE_MAX_LCORE; i++) {
		run_pthread(1);
	}
	ASSERT_EQ(pthread_create(&walker, NULL, walk_loop, &walks), 0);
	for (int i = 0; i < NEWCOMERS; i++) {
		run_pthread(1 + i % PER_PTHREAD);
	}
	/* Release: pairs with the walker's acquire load of g_stop. */
	__atomic_store_n(&g_stop, true, __ATOMIC_RELEASE);
	ASSERT_EQ(pthread_join(walker, NULL), 0);
	ASSERT_TRUE(walks > 0);
	/* And once more, exact now. */
	walks = 0;
	__atomic_store_n(&g_stop, true, __ATOMIC_RELEASE);
	walk_loop(&walks);
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.rings, SPDK_TRACE_MAX_LCORE);
	ASSERT_EQ(st.dropped, 0);
	spdk_trace_cleanup();
}

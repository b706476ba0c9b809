/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Recording on real pthreads: several pthreads record multi-entry records
 * into small rings (so they wrap all the time) while another pthread walks
 * them (pw_trace_foreach_entry() as a live snapshot) and a third flips the
 * mask. Every record the walker sees must be whole (its arguments agree with
 * each other) and, per ring, in the order written; after the recorders
 * stopped, each ring holds exactly its last records. Under ThreadSanitizer
 * this also checks that the record path and the walk do not race.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#define G		6
#define TP_REC		SPDK_TPOINT_ID(G, 0)
#define RECORDERS	3
#define RING		64
#define PER_PTHREAD	200000

static void
stress_trace(void)
{
	struct spdk_trace_tpoint_opts opts[] = {
		{
			"REC", TP_REC, 0, 0, 0, {
				{ "seq", SPDK_TRACE_ARG_TYPE_INT, 8 },
				{ "neg", SPDK_TRACE_ARG_TYPE_INT, 8 },
				{ "who", SPDK_TRACE_ARG_TYPE_INT, 4 },
				{ "s", SPDK_TRACE_ARG_TYPE_STR, 12 },
				{ "x3", SPDK_TRACE_ARG_TYPE_INT, 8 },
			}
		},
	};

	spdk_trace_register_description_ext(opts, SPDK_COUNTOF(opts));
}
SPDK_TRACE_REGISTER_FN(stress_trace, "stress", G)

static bool g_stop;
static uint64_t g_walks;

static void *
record_loop(void *arg)
{
	uint32_t who = (uint32_t)(uintptr_t)arg;
	char s[12];
	uint64_t i;

	for (i = 1; i <= PER_PTHREAD; i++) {
		snprintf(s, sizeof(s), "%" PRIu64, i % 100000);
		/* Direct call: the mask flipper must not make records vanish. */
		_spdk_trace_record(i, TP_REC, 0, who, i, 5, i, ~i, who, s, i * 3);
	}
	return NULL;
}

struct check {
	uint64_t last[RECORDERS + 1];
	uint32_t ring_of[RECORDERS + 1];
	uint64_t n;
	bool final;
};

static int
check_record(const struct pw_trace_ring_info *ring, const struct pw_trace_entry *e, void *ctx)
{
	struct check *c = ctx;
	uint64_t seq = e->args[0].integer;
	uint32_t who = (uint32_t)e->args[2].integer;
	char s[12];

	ASSERT_EQ(e->tpoint_id, TP_REC);
	ASSERT_EQ(e->num_args, 5);
	ASSERT_EQ(e->tsc, seq);
	ASSERT_EQ(e->object_id, seq);
	ASSERT_EQ(e->args[1].integer, ~seq);
	ASSERT_EQ(e->args[4].integer, seq * 3);
	ASSERT_EQ(e->size, who);
	ASSERT_GE(who, 1);
	ASSERT_LE(who, RECORDERS);
	snprintf(s, sizeof(s), "%" PRIu64, seq % 100000);
	ASSERT_STR_EQ(e->args[3].string, s);
	/* One pthread per ring, records in order. */
	if (c->ring_of[who] == 0) {
		c->ring_of[who] = ring->index + 1;
	}
	ASSERT_EQ(c->ring_of[who], ring->index + 1);
	ASSERT_GT(seq, c->last[who]);
	c->last[who] = seq;
	c->n++;
	return 0;
}

static void *
walk_loop(void *arg)
{
	struct check c;

	/* Relaxed: a stop flag; pairs with the store in the test. */
	while (!__atomic_load_n(&g_stop, __ATOMIC_RELAXED)) {
		memset(&c, 0, sizeof(c));
		ASSERT_EQ(pw_trace_foreach_entry(check_record, &c), 0);
		__atomic_fetch_add(&g_walks, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *
flip_loop(void *arg)
{
	while (!__atomic_load_n(&g_stop, __ATOMIC_RELAXED)) {
		spdk_trace_set_tpoints(G, 1);
		spdk_trace_clear_tpoints(G, 1);
	}
	return NULL;
}

TEST_TIMEOUT(concurrent_record_and_walk, 600)
{
	pthread_t rec[RECORDERS], walker, flipper;
	struct pw_trace_stats st;
	struct check c;
	int i;

	ASSERT_EQ(spdk_trace_init("/stress", RING, 0), 0);
	ASSERT_EQ(pthread_create(&walker, NULL, walk_loop, NULL), 0);
	ASSERT_EQ(pthread_create(&flipper, NULL, flip_loop, NULL), 0);
	for (i = 0; i < RECORDERS; i++) {
		ASSERT_EQ(pthread_create(&rec[i], NULL, record_loop, (void *)(uintptr_t)(i + 1)), 0);
	}
	for (i = 0; i < RECORDERS; i++) {
		ASSERT_EQ(pthread_join(rec[i], NULL), 0);
	}
	__atomic_store_n(&g_stop, true, __ATOMIC_RELAXED);
	ASSERT_EQ(pthread_join(walker, NULL), 0);
	ASSERT_EQ(pthread_join(flipper, NULL), 0);
	ASSERT_GT(__atomic_load_n(&g_walks, __ATOMIC_RELAXED), 0);

	/* Stopped: every ring holds exactly its newest whole records. A record
	 * takes 1 + ceil((8+8+4+12+8 - 8) / 22) = 3 entries: 64 entries hold
	 * 21 whole records, the oldest slot a continuation. */
	memset(&c, 0, sizeof(c));
	ASSERT_EQ(pw_trace_foreach_entry(check_record, &c), 0);
	ASSERT_EQ(c.n, RECORDERS * 21);
	for (i = 1; i <= RECORDERS; i++) {
		ASSERT_EQ(c.last[i], PER_PTHREAD);
	}
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.rings, RECORDERS);
	ASSERT_EQ(st.written, (uint64_t)RECORDERS * PER_PTHREAD * 3);
	ASSERT_EQ(st.dropped, 0);
	spdk_trace_cleanup();
}

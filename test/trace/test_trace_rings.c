/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Rings of pthreads that exited: they stay (with their records) for the
 * exporter, but once SPDK_TRACE_MAX_LCORE rings exist a new pthread takes
 * over the ring of the oldest exited one instead of losing every record it
 * makes. A ring whose pthread still lives is never taken.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#include "trace/trace_internal.h"

#define G	7
#define TP_WHO	SPDK_TPOINT_ID(G, 0)
#define RING	16

static void
g_trace(void)
{
	spdk_trace_register_description("WHO", TP_WHO, 0, 0, 0, SPDK_TRACE_ARG_TYPE_INT, "who");
}
SPDK_TRACE_REGISTER_FN(g_trace, "trings", G)

struct seen {
	uint64_t	records;
	uint32_t	rings;
	uint64_t	max_who;
	bool		has_last;
	uint64_t	last;
};

static int
count_entry(const struct pw_trace_ring_info *ring, const struct pw_trace_entry *e, void *ctx)
{
	struct seen *s = ctx;

	(void)ring;
	s->records++;
	s->max_who = spdk_max(s->max_who, e->args[0].integer);
	s->has_last |= e->args[0].integer == s->last;
	return 0;
}

static void *
record_once(void *arg)
{
	spdk_trace_record(TP_WHO, 0, 0, 0, (uint64_t)(uintptr_t)arg);
	return NULL;
}

static void
run_pthread(uint64_t who)
{
	pthread_t t;

	ASSERT_EQ(pthread_create(&t, NULL, record_once, (void *)(uintptr_t)who), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
}

/* More short-lived pthreads than rings: the last one's record is kept. */
TEST(short_lived_pthreads_keep_recording)
{
	struct pw_trace_stats st;
	struct seen s = { 0 };
	uint64_t n = SPDK_TRACE_MAX_LCORE + 100;

	ASSERT_EQ(spdk_trace_init("rings", RING, 0), 0);
	spdk_trace_set_tpoints(G, UINT64_MAX);
	for (uint64_t who = 1; who <= n; who++) {
		run_pthread(who);
	}
	s.last = n;
	ASSERT_EQ(pw_trace_foreach_entry(count_entry, &s), 0);
	if (!s.has_last) {
		FAIL("the record of pthread %" PRIu64 " is lost (%" PRIu64 " records kept, the "
		     "newest from pthread %" PRIu64 ")", n, s.records, s.max_who);
	}
	ASSERT_EQ(s.records, SPDK_TRACE_MAX_LCORE);
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.rings, SPDK_TRACE_MAX_LCORE);
	ASSERT_EQ(st.dropped, 0);
	spdk_trace_cleanup();
}

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static bool g_go;

static void *
record_and_wait(void *arg)
{
	spdk_trace_record(TP_WHO, 0, 0, 0, (uint64_t)(uintptr_t)arg);
	pthread_mutex_lock(&g_lock);
	while (!g_go) {
		pthread_cond_wait(&g_cond, &g_lock);
	}
	pthread_mutex_unlock(&g_lock);
	spdk_trace_record(TP_WHO, 0, 0, 0, (uint64_t)(uintptr_t)arg + 1000000);
	return NULL;
}

/* Every ring held by a live pthread: a new pthread's record is dropped
 * (counted), the live ones keep theirs. */
TEST(live_rings_are_never_taken)
{
	pthread_t t[8];
	struct pw_trace_stats st;
	struct seen s = { 0 };
	uint32_t live = 8, i;

	ASSERT_EQ(spdk_trace_init("rings", RING, 0), 0);
	spdk_trace_set_tpoints(G, UINT64_MAX);
	for (i = 0; i < live; i++) {
		ASSERT_EQ(pthread_create(&t[i], NULL, record_and_wait, (void *)(uintptr_t)(i + 1)),
			  0);
	}
	/* The other rings: exited pthreads, then this pthread's own. */
	for (uint64_t who = 100; who < 100 + SPDK_TRACE_MAX_LCORE - live - 1; who++) {
		run_pthread(who);
	}
	spdk_trace_record(TP_WHO, 0, 0, 0, 99);
	/* Wait until the live pthreads' rings exist (they recorded once). */
	do {
		ASSERT_EQ(pw_trace_get_stats(&st), 0);
	} while (st.rings < SPDK_TRACE_MAX_LCORE);
	/* Full now: this one takes an exited pthread's ring. */
	run_pthread(5000);
	pthread_mutex_lock(&g_lock);
	g_go = true;
	pthread_cond_broadcast(&g_cond);
	pthread_mutex_unlock(&g_lock);
	for (i = 0; i < live; i++) {
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
	}
	s.last = 1000000 + live;
	ASSERT_EQ(pw_trace_foreach_entry(count_entry, &s), 0);
	ASSERT_TRUE(s.has_last);
	s.last = 5000;
	s.has_last = false;
	ASSERT_EQ(pw_trace_foreach_entry(count_entry, &s), 0);
	ASSERT_TRUE(s.has_last);
	spdk_trace_cleanup();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of recording: spdk_trace_record()/_tsc() with SPDK's argument
 * rules (INT/PTR of 4 and 8 bytes, strings cut to their size, records that
 * take several entries), per-pthread rings (one per recording pthread, named
 * by tid and name), a full ring overwriting its oldest records and counting
 * them, pw_trace_foreach_entry() (order, stop, clear), and misuse: a
 * disabled, unregistered or out-of-range tracepoint, a wrong argument count,
 * a record bigger than the ring, a record after the cleanup.
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#include "trace/trace_internal.h"

#define G		4
#define TP_ONE		SPDK_TPOINT_ID(G, 0)	/* one 8-byte int */
#define TP_NONE		SPDK_TPOINT_ID(G, 1)	/* no argument */
#define TP_MIX		SPDK_TPOINT_ID(G, 2)	/* int4, ptr8, str20, int8 */
#define TP_FOUR		SPDK_TPOINT_ID(G, 3)	/* four 8-byte ints: 3 entries */
#define TP_BIG		SPDK_TPOINT_ID(G, 4)	/* a 255-byte string: 12 entries */
#define TP_UNREG	SPDK_TPOINT_ID(G, 9)

static void
g_trace(void)
{
	struct spdk_trace_tpoint_opts opts[] = {
		{ "ONE", TP_ONE, 0, 0, 0, {{ "v", SPDK_TRACE_ARG_TYPE_INT, 8 }} },
		{ "NONE", TP_NONE, 0, 0, 0, {{ NULL, 0, 0 }} },
		{
			"MIX", TP_MIX, 0, 0, 0, {
				{ "i4", SPDK_TRACE_ARG_TYPE_INT, 4 },
				{ "p", SPDK_TRACE_ARG_TYPE_PTR, 8 },
				{ "s", SPDK_TRACE_ARG_TYPE_STR, 20 },
				{ "i8", SPDK_TRACE_ARG_TYPE_INT, 8 },
			}
		},
		{
			"FOUR", TP_FOUR, 0, 0, 0, {
				{ "a", SPDK_TRACE_ARG_TYPE_INT, 8 }, { "b", SPDK_TRACE_ARG_TYPE_INT, 8 },
				{ "c", SPDK_TRACE_ARG_TYPE_PTR, 8 }, { "d", SPDK_TRACE_ARG_TYPE_INT, 8 },
			}
		},
		{ "BIG", TP_BIG, 0, 0, 0, {{ "s", SPDK_TRACE_ARG_TYPE_STR, 255 }} },
	};

	spdk_trace_register_description_ext(opts, SPDK_COUNTOF(opts));
}
SPDK_TRACE_REGISTER_FN(g_trace, "trec", G)

#define MAX_SEEN 4096

struct seen {
	int n;
	uint32_t ring_index[MAX_SEEN];
	uint32_t tid[MAX_SEEN];
	uint64_t lost[MAX_SEEN];
	struct pw_trace_entry e[MAX_SEEN];
	char str[MAX_SEEN][256];
	int stop_after;
};

static int
collect(const struct pw_trace_ring_info *ring, const struct pw_trace_entry *e, void *ctx)
{
	struct seen *s = ctx;

	if (s->n >= MAX_SEEN) {
		return -1;
	}
	s->ring_index[s->n] = ring->index;
	s->tid[s->n] = ring->tid;
	s->lost[s->n] = ring->lost;
	s->e[s->n] = *e;
	s->str[s->n][0] = '\0';
	for (int i = 0; i < e->num_args; i++) {
		if (e->tpoint->args[i].type == SPDK_TRACE_ARG_TYPE_STR) {
			snprintf(s->str[s->n], sizeof(s->str[0]), "%s", e->args[i].string);
		}
	}
	s->n++;
	return s->stop_after != 0 && s->n == s->stop_after ? 42 : 0;
}

static struct seen *
walk(void)
{
	static struct seen s;

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(pw_trace_foreach_entry(collect, &s), 0);
	return &s;
}

static void
init(uint64_t entries)
{
	ASSERT_EQ(spdk_trace_init("/t", entries, 0), 0);
	spdk_trace_set_tpoints(G, UINT64_MAX);
}

TEST(record_fields_and_args)
{
	struct seen *s;

	init(64);
	spdk_trace_record_tsc(1000, TP_ONE, 300, 4096, 77, 0xdeadbeefcafeULL);
	spdk_trace_record_tsc(1001, TP_NONE, 0, 0, 0);
	spdk_trace_record_tsc(1002, TP_MIX, 1, 2, 3, (uint32_t)0xfffffffe, (uint64_t)(uintptr_t)&s,
			      "hello", (uint64_t)UINT64_MAX);
	spdk_trace_record_tsc(1003, TP_MIX, 1, 2, 3, 7u, 0ULL, "a string longer than 20", 9ULL);
	spdk_trace_record_tsc(1004, TP_FOUR, 0, 0, 0, 1ULL, 2ULL, 3ULL, 4ULL);
	s = walk();
	ASSERT_EQ(s->n, 5);
	ASSERT_EQ(s->e[0].tsc, 1000);
	ASSERT_EQ(s->e[0].tpoint_id, TP_ONE);
	ASSERT_EQ(s->e[0].owner_id, 300);
	ASSERT_EQ(s->e[0].size, 4096);
	ASSERT_EQ(s->e[0].object_id, 77);
	ASSERT_EQ(s->e[0].num_args, 1);
	ASSERT_EQ(s->e[0].args[0].integer, 0xdeadbeefcafeULL);
	ASSERT_STR_EQ(s->e[0].tpoint->name, "ONE");
	ASSERT_EQ(s->e[1].num_args, 0);
	ASSERT_EQ(s->e[1].tsc, 1001);
	ASSERT_EQ(s->e[2].args[0].integer, 0xfffffffeULL);
	ASSERT_EQ(s->e[2].args[1].integer, (uint64_t)(uintptr_t)&s);
	ASSERT_STR_EQ(s->str[2], "hello");
	ASSERT_EQ(s->e[2].args[3].integer, UINT64_MAX);
	/* A string is cut to its size, NUL included. */
	ASSERT_STR_EQ(s->str[3], "a string longer tha");
	ASSERT_EQ(s->e[3].args[3].integer, 9);
	ASSERT_EQ(s->e[4].args[0].integer, 1);
	ASSERT_EQ(s->e[4].args[3].integer, 4);
	/* One ring, of the main pthread. */
	ASSERT_EQ(s->ring_index[0], 0);
	ASSERT_EQ(s->tid[0], (uint32_t)gettid());
	spdk_trace_cleanup();
}

TEST(layout_is_spdks)
{
	struct pw_trace_stats st;

	init(64);
	/* MIX: 4 + 8 + 20 + 8 = 40 bytes of arguments: 8 in the head, 22 + 10
	 * in continuations: 3 entries. FOUR: 32 bytes: 8 + 22 + 2, 3 entries. BIG: 255: 1 +
	 * ceil(247 / 22) = 13 entries. */
	ASSERT_EQ(g_pw__trace_descs[TP_MIX].entries, 3);
	ASSERT_EQ(g_pw__trace_descs[TP_FOUR].entries, 3);
	ASSERT_EQ(g_pw__trace_descs[TP_BIG].entries, 13);
	ASSERT_EQ(g_pw__trace_descs[TP_NONE].entries, 1);
	spdk_trace_record(TP_MIX, 0, 0, 0, 1u, 2ULL, "s", 3ULL);
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.written, 3);
	ASSERT_EQ(st.rings, 1);
	ASSERT_EQ(st.lost, 0);
	ASSERT_EQ(pw_trace_get_stats(NULL), -EINVAL);
	spdk_trace_cleanup();
}

TEST(tsc_zero_reads_the_clock)
{
	uint64_t before, after;
	struct seen *s;

	init(64);
	before = spdk_get_ticks();
	spdk_trace_record(TP_ONE, 0, 0, 0, 5ULL);
	after = spdk_get_ticks();
	s = walk();
	ASSERT_EQ(s->n, 1);
	ASSERT_GE(s->e[0].tsc, before);
	ASSERT_LE(s->e[0].tsc, after);
	ASSERT_EQ(pw_trace_ticks_hz(), spdk_get_ticks_hz());
	spdk_trace_cleanup();
}

TEST(disabled_tracepoints_do_not_record)
{
	struct seen *s;

	ASSERT_EQ(spdk_trace_init("/t", 64, 0), 0);
	spdk_trace_record(TP_ONE, 0, 0, 0, 1ULL);
	spdk_trace_set_tpoints(G, SPDK_BIT(1));
	spdk_trace_record(TP_ONE, 0, 0, 0, 1ULL);
	spdk_trace_record(TP_NONE, 0, 0, 0);
	spdk_trace_clear_tpoints(G, SPDK_BIT(1));
	spdk_trace_record(TP_NONE, 0, 0, 0);
	s = walk();
	ASSERT_EQ(s->n, 1);
	ASSERT_EQ(s->e[0].tpoint_id, TP_NONE);
	spdk_trace_cleanup();
}

TEST(full_ring_overwrites_oldest)
{
	struct pw_trace_stats st;
	struct seen *s;
	uint64_t i;

	init(16);
	for (i = 0; i < 100; i++) {
		spdk_trace_record_tsc(i + 1, TP_ONE, 0, 0, 0, i);
	}
	s = walk();
	ASSERT_EQ(s->n, 16);
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(s->e[i].args[0].integer, 84 + i);
		ASSERT_EQ(s->lost[i], 84);
	}
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.lost, 84);
	ASSERT_EQ(st.written, 100);
	spdk_trace_cleanup();
}

TEST(overwritten_heads_skip_their_continuations)
{
	struct seen *s;
	int i;

	init(16);
	/* 3-entry records: 16 entries hold 5 whole ones plus a tail whose head
	 * is gone after 7 records (21 entries, the oldest live index is 5, in
	 * the middle of record 1). */
	for (i = 0; i < 7; i++) {
		spdk_trace_record_tsc(10 + i, TP_MIX, 0, 0, 0, (uint32_t)i, 0ULL, "x", 0ULL);
	}
	s = walk();
	ASSERT_EQ(s->n, 5);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(s->e[i].args[0].integer, 2 + i);
		ASSERT_STR_EQ(s->str[i], "x");
	}
	spdk_trace_cleanup();
}

TEST(big_string_records)
{
	char big[300];
	struct seen *s;

	init(16);
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	spdk_trace_record(TP_BIG, 0, 0, 0, big);
	spdk_trace_record(TP_BIG, 0, 0, 0, (const char *)NULL);	/* "" */
	s = walk();
	/* 13 + 13 > 16: the first was overwritten by the second. */
	ASSERT_EQ(s->n, 1);
	ASSERT_STR_EQ(s->str[0], "");
	spdk_trace_cleanup();

	init(64);
	spdk_trace_record(TP_BIG, 0, 0, 0, big);
	s = walk();
	ASSERT_EQ(s->n, 1);
	ASSERT_EQ(strlen(s->str[0]), 254);
	spdk_trace_cleanup();
}

TEST(record_bigger_than_ring_is_dropped)
{
	struct pw_trace_stats st;

	log_capture_start();
	init(8);
	spdk_trace_record(TP_BIG, 0, 0, 0, "x");
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.written, 0);
	ASSERT_EQ(st.dropped, 1);
	ASSERT_TRUE(log_capture_contains("tracepoint 'BIG' takes 13 entries, the ring has 8"));
	log_capture_stop();
	spdk_trace_cleanup();
}

TEST(misuse_is_dropped_and_logged_once)
{
	struct pw_trace_stats st;

	log_capture_start();
	init(64);
	spdk_trace_set_tpoints(G, UINT64_MAX);
	/* Unregistered, even though its bit is set. */
	spdk_trace_record(TP_UNREG, 0, 0, 0, 1ULL);
	spdk_trace_record(TP_UNREG, 0, 0, 0, 1ULL);
	/* Wrong argument counts. */
	spdk_trace_record(TP_ONE, 0, 0, 0);
	spdk_trace_record(TP_ONE, 0, 0, 0, 1ULL, 2ULL);
	/* Out of range, called directly (the macro tests the range). */
	_spdk_trace_record(0, SPDK_TRACE_MAX_TPOINT_ID, 0, 0, 0, 0);
	_spdk_trace_record(0, UINT16_MAX, 0, 0, 0, 0);
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.dropped, 6);
	ASSERT_EQ(st.written, 0);
	ASSERT_EQ(log_capture_count_matching("tracepoint 265 (group 4, tracepoint 9) is not registered"), 1);
	ASSERT_EQ(log_capture_count_matching("tracepoint 'ONE' takes 1 arguments, 0 given"), 1);
	ASSERT_EQ(log_capture_count_matching("tracepoint id 1280 is not below 1280"), 1);
	/* A good record still goes through. */
	spdk_trace_record(TP_ONE, 0, 0, 0, 1ULL);
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.written, 1);
	log_capture_stop();
	spdk_trace_cleanup();
}

TEST(record_after_cleanup_is_dropped)
{
	struct pw_trace_stats st;

	init(64);
	spdk_trace_record(TP_ONE, 0, 0, 0, 1ULL);
	spdk_trace_cleanup();
	/* The macro sees the mask off; a direct call sees the ring stale. */
	spdk_trace_record(TP_ONE, 0, 0, 0, 2ULL);
	_spdk_trace_record(0, TP_ONE, 0, 0, 0, 1, 3ULL);
	ASSERT_EQ(pw_trace_foreach_entry(collect, NULL), -ENOENT);
	/* Before any init at all, too. */
	init(64);
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.written, 0);	/* a new generation: a new ring */
	spdk_trace_record(TP_ONE, 0, 0, 0, 4ULL);
	ASSERT_EQ(walk()->e[0].args[0].integer, 4);
	ASSERT_EQ(walk()->n, 1);
	spdk_trace_cleanup();
}

TEST(record_before_init_is_dropped)
{
	_spdk_trace_record(0, TP_ONE, 0, 0, 0, 1, 3ULL);
	init(64);
	ASSERT_EQ(walk()->n, 0);
	spdk_trace_cleanup();
}

TEST(walk_stops_and_clear_skips)
{
	struct seen s;

	ASSERT_EQ(pw_trace_foreach_entry(NULL, NULL), -EINVAL);
	init(64);
	spdk_trace_record_tsc(1, TP_ONE, 0, 0, 0, 1ULL);
	spdk_trace_record_tsc(2, TP_ONE, 0, 0, 0, 2ULL);
	spdk_trace_record_tsc(3, TP_ONE, 0, 0, 0, 3ULL);
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	ASSERT_EQ(pw_trace_foreach_entry(collect, &s), 42);
	ASSERT_EQ(s.n, 2);
	spdk_trace_clear();
	spdk_trace_record(TP_ONE, 0, 0, 0, 4ULL);
	ASSERT_EQ(walk()->n, 1);
	ASSERT_EQ(walk()->e[0].args[0].integer, 4);
	spdk_trace_cleanup();
	log_capture_start();
	spdk_trace_clear();
	ASSERT_TRUE(log_capture_contains("trace is not initialized"));
	log_capture_stop();
}

static void *
recorder(void *arg)
{
	uint64_t v = (uint64_t)(uintptr_t)arg;

	pthread_setname_np(pthread_self(), "recorder");
	spdk_trace_record_tsc(v, TP_ONE, 0, 0, 0, v);
	spdk_trace_record_tsc(v + 1, TP_ONE, 0, 0, 0, v);
	return NULL;
}

TEST(one_ring_per_pthread)
{
	pthread_t t[3];
	struct seen *s;
	int i, per_ring[4] = {0};

	init(64);
	spdk_trace_record_tsc(1, TP_ONE, 0, 0, 0, 0ULL);
	for (i = 0; i < 3; i++) {
		/* One at a time, so the rings' order is known. */
		ASSERT_EQ(pthread_create(&t[i], NULL, recorder, (void *)(uintptr_t)(10 * (i + 1))), 0);
		ASSERT_EQ(pthread_join(t[i], NULL), 0);
	}
	/* Rings outlive their pthreads until the cleanup. */
	s = walk();
	ASSERT_EQ(s->n, 7);
	for (i = 0; i < s->n; i++) {
		per_ring[s->ring_index[i]]++;
		if (s->ring_index[i] > 0) {
			ASSERT_EQ(s->e[i].args[0].integer, 10 * s->ring_index[i]);
			ASSERT_NE(s->tid[i], (uint32_t)gettid());
		}
	}
	ASSERT_EQ(per_ring[0], 1);
	ASSERT_EQ(per_ring[1], 2);
	ASSERT_EQ(per_ring[3], 2);
	spdk_trace_cleanup();
}

static int
ring_names(const struct pw_trace_ring_info *ring, const struct pw_trace_entry *e, void *ctx)
{
	if (ring->index == 1) {
		snprintf(ctx, SPDK_TRACE_THREAD_NAME_LEN, "%s", ring->name);
		ASSERT_EQ(ring->lcore, UINT32_MAX);
		ASSERT_EQ(ring->num_entries, 64);
		ASSERT_EQ(ring->written, 2);
	}
	return 0;
}

TEST(ring_names_its_pthread)
{
	char name[SPDK_TRACE_THREAD_NAME_LEN] = "";
	pthread_t t;

	init(64);
	spdk_trace_record(TP_NONE, 0, 0, 0);
	ASSERT_EQ(pthread_create(&t, NULL, recorder, (void *)(uintptr_t)5), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	ASSERT_EQ(pw_trace_foreach_entry(ring_names, name), 0);
	ASSERT_STR_EQ(name, "recorder");
	spdk_trace_cleanup();
}

TEST(user_threads)
{
	struct pw_trace_stats st;

	log_capture_start();
	ASSERT_EQ(spdk_trace_register_user_thread(), -ENOMEM);
	ASSERT_EQ(spdk_trace_unregister_user_thread(), -ENOMEM);
	ASSERT_EQ(log_capture_count_matching("trace is not initialized"), 2);
	log_capture_stop();
	init(64);
	ASSERT_EQ(spdk_trace_register_user_thread(), 0);
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.rings, 1);
	ASSERT_EQ(spdk_trace_register_user_thread(), 0);	/* the same ring */
	ASSERT_EQ(pw_trace_get_stats(&st), 0);
	ASSERT_EQ(st.rings, 1);
	ASSERT_EQ(spdk_trace_unregister_user_thread(), 0);
	spdk_trace_record(TP_NONE, 0, 0, 0);
	ASSERT_EQ(walk()->n, 1);
	spdk_trace_cleanup();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the tick counter: the test clock (exact), and correctness
 * checks of the real clock: monotonic on one pthread and across cpus, its
 * rate within 1% of CLOCK_MONOTONIC over 100 ms, spdk_delay_us() waiting at
 * least as long as asked. These are lower bounds and tolerances far wider
 * than the calibration error, not timing measurements.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"

#include "env/env_internal.h"
#include "harness.h"
#include "ut_stress.h"
#include "log_capture.h"

/* ---- test clock ------------------------------------------------------------ */

TEST(mock_clock_set_advance_delay)
{
	pw__ticks_mock_enable(1000000, 5);
	ASSERT_EQ(spdk_get_ticks(), 5);
	ASSERT_EQ(spdk_get_ticks(), 5);
	ASSERT_EQ(spdk_get_ticks_hz(), 1000000);
	pw__ticks_mock_advance(10);
	ASSERT_EQ(spdk_get_ticks(), 15);
	pw__ticks_mock_set(100);
	ASSERT_EQ(spdk_get_ticks(), 100);
	pw__ticks_mock_set(50);		/* setting backwards is allowed */
	ASSERT_EQ(spdk_get_ticks(), 50);
	spdk_delay_us(7);		/* 1 tick per us */
	ASSERT_EQ(spdk_get_ticks(), 57);
	spdk_delay_us(0);
	ASSERT_EQ(spdk_get_ticks(), 57);
	pw__ticks_mock_disable();
}

TEST(mock_delay_scales_with_rate)
{
	pw__ticks_mock_enable(3000000000ULL, 0);
	spdk_delay_us(2);
	ASSERT_EQ(spdk_get_ticks(), 6000);
	spdk_delay_us(UINT32_MAX);	/* no overflow in us * hz */
	ASSERT_EQ(spdk_get_ticks(), 6000 + (uint64_t)UINT32_MAX * 3000);

	/* A slow clock: 999 us at 1 kHz is 0.999 ticks, rounded down. */
	pw__ticks_mock_enable(1000, 0);
	ASSERT_EQ(spdk_get_ticks_hz(), 1000);
	spdk_delay_us(999);
	ASSERT_EQ(spdk_get_ticks(), 0);
	spdk_delay_us(1000);
	ASSERT_EQ(spdk_get_ticks(), 1);
	pw__ticks_mock_disable();
}

TEST(mock_advance_wraps_like_a_counter)
{
	pw__ticks_mock_enable(1000000, UINT64_MAX - 1);
	pw__ticks_mock_advance(3);
	ASSERT_EQ(spdk_get_ticks(), 1);
	pw__ticks_mock_disable();
}

TEST(mock_enable_with_zero_rate_refused)
{
	uint64_t hz;

	log_capture_start();
	pw__ticks_mock_enable(0, 123);
	ASSERT_TRUE(log_capture_contains("rate of 0"));
	log_capture_stop();
	hz = spdk_get_ticks_hz();
	ASSERT_GT(hz, 1000000);		/* still the real clock */
}

TEST(mock_set_and_advance_refused_when_disabled)
{
	uint64_t before;

	log_capture_start();
	pw__ticks_mock_set(42);
	pw__ticks_mock_advance(42);
	ASSERT_EQ(log_capture_count_matching("test clock is not enabled"), 2);
	log_capture_stop();
	before = spdk_get_ticks();
	ASSERT_GT(before, 42);		/* the real clock runs since boot */

	/* Disabling when not enabled is harmless. */
	pw__ticks_mock_disable();
	ASSERT_GE(spdk_get_ticks(), before);
}

/* The test clock before the real one was ever set up: disabling it must
 * then set the real clock up on first use. */
TEST(mock_first_then_real_clock)
{
	uint64_t a, b;

	pw__ticks_mock_enable(1000, 7);
	ASSERT_EQ(spdk_get_ticks(), 7);
	pw__ticks_mock_disable();
	a = spdk_get_ticks();
	b = spdk_get_ticks();
	ASSERT_GT(a, 7);
	ASSERT_GE(b, a);
	ASSERT_GT(spdk_get_ticks_hz(), 1000000);
}

/* Real clock first, then the test clock, then back. */
TEST(real_then_mock_then_real)
{
	uint64_t real_hz = spdk_get_ticks_hz();
	uint64_t before = spdk_get_ticks();

	pw__ticks_mock_enable(100, 1);
	ASSERT_EQ(spdk_get_ticks(), 1);
	ASSERT_EQ(spdk_get_ticks_hz(), 100);
	pw__ticks_mock_disable();
	ASSERT_EQ(spdk_get_ticks_hz(), real_hz);
	ASSERT_GE(spdk_get_ticks(), before);
}

struct mock_reader {
	uint64_t	want;
	int		ok;
};

static void *
read_mock(void *arg)
{
	struct mock_reader *r = arg;

	r->ok = spdk_get_ticks() == r->want && spdk_get_ticks_hz() == 777;
	return NULL;
}

TEST(mock_clock_seen_by_other_pthreads)
{
	struct mock_reader r = { .want = 31337 };
	pthread_t tid;

	pw__ticks_mock_enable(777, 0);
	pw__ticks_mock_set(31337);
	ASSERT_EQ(pthread_create(&tid, NULL, read_mock, &r), 0);
	ASSERT_EQ(pthread_join(tid, NULL), 0);
	ASSERT_EQ(r.ok, 1);
	pw__ticks_mock_disable();
}

/* ---- real clock ------------------------------------------------------------ */

TEST(real_clock_source_is_consistent)
{
	const char *source, *method;
	uint64_t hz, setup_ns;

	pw__ticks_get_source(&source, &method, &hz, &setup_ns);
	ASSERT_EQ(hz, spdk_get_ticks_hz());
	if (strcmp(source, "tsc") == 0) {
		ASSERT_GE(hz, 10000000ULL);
		ASSERT_LE(hz, 100000000000ULL);
	} else {
		ASSERT_STR_EQ(source, "clock_monotonic");
		ASSERT_EQ(hz, 1000000000ULL);
		ASSERT_STR_EQ(method, "nominal");
	}
	pw__ticks_get_source(NULL, NULL, NULL, NULL);
	printf("ticks: source %s, rate %" PRIu64 " Hz (%s), set up in %" PRIu64 " us\n",
	       source, hz, method, setup_ns / 1000);
}

TEST(real_clock_monotonic_on_one_pthread)
{
	uint64_t prev = spdk_get_ticks();

	for (int i = 0; i < 1000000; i++) {
		uint64_t now = spdk_get_ticks();

		ASSERT_GE(now, prev);
		prev = now;
	}
}

/*
 * Two pthreads on two cpus pass a baton back and forth; each reads the clock
 * after it received the baton and hands its reading over with the baton.
 *
 * With an ordering barrier before the read (lfence on x86), every reading
 * must be at least the previous one taken on the other cpu: the clocks of
 * the cpus agree. Without it (spdk_get_ticks() is a bare rdtsc, for speed)
 * the CPU may execute the read a little before the load that received the
 * baton, so a reading may trail the other cpu's by the out-of-order window
 * (~100 ns); it must never trail by more than 10 us.
 */
#define BATON_ROUNDS 20000

struct baton {
	int		cpu[2];
	bool		fenced;
	uint64_t	last;		/* reading that went with the baton */
	int		turn;		/* 0 or 1: whose turn */
	uint64_t	backwards;	/* readings smaller than the previous one */
	uint64_t	max_back;	/* largest step back, in ticks */
};

struct baton_side {
	struct baton	*b;
	int		me;
};

static void *
baton_run(void *arg)
{
	struct baton_side *side = arg;
	struct baton *b = side->b;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(b->cpu[side->me], &set);
	ASSERT_EQ(pthread_setaffinity_np(pthread_self(), sizeof(set), &set), 0);
	for (int i = 0; i < BATON_ROUNDS; i++) {
		uint64_t now;

		while (__atomic_load_n(&b->turn, __ATOMIC_ACQUIRE) != side->me) {
			spdk_pause();
		}
#if defined(__x86_64__) || defined(__i386__)
		if (b->fenced) {
			__asm__ volatile("lfence" ::: "memory");
		}
#endif
		now = spdk_get_ticks();
		if (now < b->last) {
			b->backwards++;
			if (b->last - now > b->max_back) {
				b->max_back = b->last - now;
			}
		}
		b->last = now;
		/* Pairs with the acquire load of the other side. */
		__atomic_store_n(&b->turn, 1 - side->me, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void
run_baton(struct baton *b)
{
	struct baton_side sides[2] = { { b, 0 }, { b, 1 } };
	pthread_t tids[2];
	cpu_set_t set;
	int found = 0;

	ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
		if (CPU_ISSET(cpu, &set)) {
			b->cpu[found++] = cpu;
		}
	}
	if (found < 2) {
		TEST_SKIP("needs two usable cpus");
	}
	spdk_get_ticks_hz();	/* set the clock up before the race starts */
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_create(&tids[i], NULL, baton_run, &sides[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(tids[i], NULL), 0);
	}
}

TEST_TIMEOUT(real_clock_monotonic_across_cpus, 120)
{
	struct baton b = { .fenced = true };

	run_baton(&b);
	ASSERT_EQ(b.backwards, 0);
}

TEST_TIMEOUT(real_clock_unordered_reads_close_across_cpus, 120)
{
	struct baton b = { .fenced = false };

	run_baton(&b);
	printf("ticks: unordered reads stepped back %" PRIu64 " times in %d, at most %"
	       PRIu64 " ticks\n", b.backwards, 2 * BATON_ROUNDS, b.max_back);
	ASSERT_LT(b.max_back, spdk_get_ticks_hz() / 100000);
}

TEST(real_rate_matches_clock_monotonic)
{
	uint64_t hz = spdk_get_ticks_hz();
	uint64_t t0, t1, n0, n1;
	double measured, error;

	n0 = now_ns();
	t0 = spdk_get_ticks();
	while (now_ns() - n0 < 100000000ULL) {
		spdk_pause();
	}
	t1 = spdk_get_ticks();
	n1 = now_ns();
	measured = (double)(t1 - t0) * 1e9 / (double)(n1 - n0);
	error = (measured - (double)hz) / (double)hz;
	printf("ticks: rate %" PRIu64 " Hz, measured over 100 ms %.0f Hz (%+.1f ppm)\n",
	       hz, measured, error * 1e6);
	/* In parts per million, as integers for the assert. */
	ASSERT_LT((int64_t)(error < 0 ? -error * 1e6 : error * 1e6), 10000);
}

TEST(delay_us_waits_at_least_that_long)
{
	static const unsigned int delays[] = { 0, 1, 10, 100, 1000, 20000 };
	uint64_t hz = spdk_get_ticks_hz();

	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		uint64_t n0 = now_ns();
		uint64_t t0 = spdk_get_ticks();

		spdk_delay_us(delays[i]);
		ASSERT_GE(spdk_get_ticks() - t0, (uint64_t)delays[i] * hz / 1000000);
		ASSERT_GE(now_ns() - n0, (uint64_t)delays[i] * 1000);
	}
}

TEST(pause_returns)
{
	for (int i = 0; i < 1000; i++) {
		spdk_pause();
	}
}

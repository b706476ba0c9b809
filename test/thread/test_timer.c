/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Timed pollers: expiry, the cached earliest poller, ordering of equal
 * expiries, prompt removal of unregistered and paused pollers, iteration in
 * expiry order, period conversion, and a randomised check of the whole
 * structure against a reference model, the thread's poller predicates
 * (BEHAVIOURS.md "Thread library":
 * thread_poller, poller_pause (timed), cache_closest_timed_poller,
 * multi_timed_pollers_have_same_expiration, poller_get_period_ticks /
 * get_stats).
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"
#include "env/env_internal.h"

struct tp {
	struct spdk_poller	*p;
	int			runs;
	int			rc;
	bool			pause_self;
	bool			resume_after_pause;
	bool			pause_again;
	int			idx;
	int			*log;		/* run order, by idx */
	int			*log_n;
};

static int
timed_fn(void *arg)
{
	struct tp *t = arg;

	t->runs++;
	if (t->log != NULL) {
		t->log[(*t->log_n)++] = t->idx;
	}
	if (t->pause_self) {
		spdk_poller_pause(t->p);
		if (t->resume_after_pause) {
			spdk_poller_resume(t->p);
			if (t->pause_again) {
				spdk_poller_pause(t->p);
			}
		}
	}
	return t->rc;
}

static void
treg(struct tp *t, uint64_t period_us)
{
	t->p = spdk_poller_register(timed_fn, t, period_us);
	ASSERT_NOT_NULL(t->p);
}

static struct spdk_poller *
cached(void)
{
	struct pw_pollers *pl = ut_thread(0)->pl;

	return pl != NULL ? pl->first_timed_poller : NULL;
}

/* The timed pollers of thread 0 in walking order must be exactly `want`
 * (n of them); the cache is the first; the walk through the public
 * iteration functions and through pw__timer_next() agree. */
static void
check_order(struct tp **want, int n)
{
	struct spdk_thread *th = ut_thread(0);
	struct spdk_poller *it = spdk_thread_get_first_timed_poller(th);
	struct spdk_poller *raw = pw__timer_next(th, NULL);

	for (int i = 0; i < n; i++) {
		ASSERT_PTR_EQ(it, want[i]->p);
		ASSERT_PTR_EQ(raw, it);
		if (i > 0) {
			ASSERT_GE(want[i]->p->next_run_tick, want[i - 1]->p->next_run_tick);
		}
		it = spdk_thread_get_next_timed_poller(it);
		raw = pw__timer_next(th, raw);
	}
	ASSERT_NULL(it);
	ASSERT_NULL(raw);
	ASSERT_EQ(th->pl != NULL ? th->pl->timer.count : 0, (uint32_t)n);
	ASSERT_PTR_EQ(cached(), n > 0 ? want[0]->p : NULL);
	ASSERT_EQ(spdk_thread_next_poller_expiration(th), n > 0 ? want[0]->p->next_run_tick : 0);
}

/* ---------------------------------------------------------------------------
 * thread_poller (timed), poller_pause (timed), period and counters
 * ------------------------------------------------------------------------- */

TEST(thread_poller_timed_runs_once_per_period)
{
	struct tp t = { .rc = SPDK_POLLER_BUSY };

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&t, 1000);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 0);
	ut_delay_us(999);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 0);
	ut_delay_us(1);
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), SPDK_POLLER_BUSY);
	ASSERT_EQ(t.runs, 1);
	ASSERT_EQ(spdk_thread_poll(ut_thread(0), 0, 0), 0);	/* immediate re-poll */
	ASSERT_EQ(t.runs, 1);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 2);
	/* A late poll runs it once and re-arms it from the poll's start. */
	ut_delay_us(5500);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 3);
	ASSERT_EQ(spdk_thread_next_poller_expiration(ut_thread(0)), 7500 + 1000);
	spdk_poller_unregister(&t.p);
	ASSERT_NULL(t.p);
	ut_delay_us(10000);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 3);
	ut_threads_fini();
}

TEST(thread_poller_timed_uses_the_now_passed_to_poll)
{
	struct tp t = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&t, 100);
	ut_set_thread(UT_NONE);
	/* The clock says 0, the driver says 100: due. */
	spdk_thread_poll(ut_thread(0), 0, 100);
	ASSERT_EQ(t.runs, 1);
	ASSERT_EQ(spdk_thread_next_poller_expiration(ut_thread(0)), 200);
	spdk_thread_poll(ut_thread(0), 0, 199);
	ASSERT_EQ(t.runs, 1);
	spdk_thread_poll(ut_thread(0), 0, 200);
	ASSERT_EQ(t.runs, 2);
	ut_set_thread(0);
	spdk_poller_unregister(&t.p);
	ut_threads_fini();
}

/* KNOWN BUG (lib/thread/timer.c, pw__timer_arm): a re-arm is clamped to the
 * last tick of its period's bucket so that the bucket stays sorted, which
 * assumes `now` never goes backwards. But registrations and resumes arm from
 * the clock while re-arms use the slice's `now`, and a driver may pass an
 * older `now` (SPDK's reactor passes the previous slice's end). Here A
 * (100 us, armed at 0) runs in a slice with now = 100 while B of the same
 * period was registered at clock 150 (tick 250): A is re-armed at 250, not
 * at now + period = 200 as in SPDK, and misses its run at 200. */
TEST(thread_poller_timed_rearm_with_older_now_is_now_plus_period)
{
	struct tp a = { 0 }, b = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&a, 100);
	ut_clock_set(150);
	treg(&b, 100);
	ut_set_thread(UT_NONE);
	spdk_thread_poll(ut_thread(0), 0, 100);
	ASSERT_EQ(a.runs, 1);
	ASSERT_EQ(a.p->next_run_tick, 200);
	spdk_thread_poll(ut_thread(0), 0, 200);
	ASSERT_EQ(a.runs, 2);
	ASSERT_EQ(b.runs, 0);
	ut_set_thread(0);
	spdk_poller_unregister(&a.p);
	spdk_poller_unregister(&b.p);
	ut_threads_fini();
}

static void
timed_self_pause(bool resume, bool again)
{
	struct tp t = { .pause_self = true, .resume_after_pause = resume, .pause_again = again };

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&t, 1000);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 1);
	ASSERT_STR_EQ(spdk_poller_get_state_str(t.p), "paused");
	ASSERT_EQ(spdk_thread_next_poller_expiration(ut_thread(0)), 0);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ut_delay_us(5000);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 1);

	/* Resumed at 7000: not run by the resume, due at 8000. */
	spdk_poller_resume(t.p);
	ASSERT_EQ(t.runs, 1);
	ASSERT_EQ(spdk_thread_next_poller_expiration(ut_thread(0)), ut_now() + 1000);
	ut_poll_thread(0);
	ut_delay_us(999);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 1);
	ut_delay_us(1);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 2);
	ASSERT_STR_EQ(spdk_poller_get_state_str(t.p), "paused");	/* paused itself again */
	spdk_poller_unregister(&t.p);
	ut_threads_fini();
}

TEST(poller_pause_timed_self_pause)
{
	timed_self_pause(false, false);
}

TEST(poller_pause_timed_self_pause_resume_pause)
{
	timed_self_pause(true, true);
}

TEST(poller_pause_timed_self_pause_resume_stays_armed)
{
	struct tp t = { .pause_self = true, .resume_after_pause = true };

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&t, 1000);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 1);
	ASSERT_STR_EQ(spdk_poller_get_state_str(t.p), "waiting");
	ASSERT_EQ(spdk_thread_next_poller_expiration(ut_thread(0)), 2000);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(t.runs, 2);
	spdk_poller_unregister(&t.p);
	ut_threads_fini();
}

TEST(poller_pause_timed_resume_before_poll_keeps_its_place)
{
	struct tp a = { .idx = 0 }, b = { .idx = 1 }, c = { .idx = 2 };
	int log[8], n = 0;
	struct tp *order[3];

	ut_threads_init(1);
	ut_set_thread(0);
	a.log = b.log = c.log = log;
	a.log_n = b.log_n = c.log_n = &n;
	treg(&a, 100);
	treg(&b, 100);
	treg(&c, 100);
	/* Paused and resumed before a slice settles it: back at its old
	 * place (tick 100, between a and c), not re-armed from now. */
	ut_delay_us(50);
	spdk_poller_pause(b.p);
	order[0] = &a;
	order[1] = &c;
	check_order(order, 2);
	spdk_poller_resume(b.p);
	order[0] = &a;
	order[1] = &b;
	order[2] = &c;
	check_order(order, 3);
	ASSERT_EQ(b.p->next_run_tick, 100);
	ut_delay_us(50);
	ut_poll_thread(0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(log[0], 0);
	ASSERT_EQ(log[1], 1);
	ASSERT_EQ(log[2], 2);
	spdk_poller_unregister(&a.p);
	spdk_poller_unregister(&b.p);
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

static int
idle_fn(void *arg)
{
	return SPDK_POLLER_IDLE;
}

static void
count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

TEST(poller_get_period_ticks_follows_hz)
{
	struct spdk_poller *p[5];

	ut_threads_init(1);
	ut_set_thread(0);
	p[0] = spdk_poller_register(idle_fn, NULL, 0);
	p[1] = spdk_poller_register(idle_fn, NULL, 1000);
	ASSERT_EQ(spdk_poller_get_period_ticks(p[0]), 0);
	ASSERT_EQ(spdk_poller_get_period_ticks(p[1]), 1000);	/* 1 MHz: ticks == us */

	/* A 2.5 GHz clock: period us * hz / 1e6, without overflow. */
	pw__ticks_mock_enable(2500000000ull, 0);
	p[2] = spdk_poller_register(idle_fn, NULL, 1000);
	p[3] = spdk_poller_register(idle_fn, NULL, 1500000);
	p[4] = spdk_poller_register(idle_fn, NULL, 3600ull * 1000000ull * 24 * 365);
	ASSERT_EQ(spdk_poller_get_period_ticks(p[2]), 2500000);
	ASSERT_EQ(spdk_poller_get_period_ticks(p[3]), 3750000000ull);
	ASSERT_EQ(spdk_poller_get_period_ticks(p[4]), 2500000000ull * 3600 * 24 * 365);
	ASSERT_EQ(spdk_thread_next_poller_expiration(ut_thread(0)), 1000);	/* p[1], armed at 1 MHz */
	for (int i = 0; i < 5; i++) {
		spdk_poller_unregister(&p[i]);
	}
	ut_threads_fini();
}

TEST(poller_get_stats_busy_and_idle_timed)
{
	struct tp busy = { .rc = SPDK_POLLER_BUSY }, idle = { .rc = SPDK_POLLER_IDLE };
	struct spdk_poller_stats st;

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&busy, 100);
	treg(&idle, 100);
	spdk_poller_get_stats(busy.p, &st);
	ASSERT_EQ(st.run_count, 0);
	ASSERT_EQ(st.busy_count, 0);
	ut_delay_us(100);
	ut_poll_thread(0);
	spdk_poller_get_stats(busy.p, &st);
	ASSERT_EQ(st.run_count, 1);
	ASSERT_EQ(st.busy_count, 1);
	spdk_poller_get_stats(idle.p, &st);
	ASSERT_EQ(st.run_count, 1);
	ASSERT_EQ(st.busy_count, 0);
	ut_delay_us(100);
	ut_poll_thread(0);
	spdk_poller_get_stats(busy.p, &st);
	ASSERT_EQ(st.run_count, 2);
	ASSERT_EQ(st.busy_count, 2);
	spdk_poller_unregister(&busy.p);
	spdk_poller_unregister(&idle.p);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * cache_closest_timed_poller (pollers at 1000, 1500 and 1800 us)
 * ------------------------------------------------------------------------- */

TEST(cache_closest_timed_poller)
{
	struct tp p1 = { 0 }, p2 = { 0 }, p3 = { 0 };
	struct tp *order[3];
	struct spdk_poller *gone;

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&p1, 1000);
	treg(&p2, 1500);
	treg(&p3, 1800);
	ut_poll_thread(0);
	order[0] = &p1;
	order[1] = &p2;
	order[2] = &p3;
	check_order(order, 3);

	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(p1.runs, 1);
	order[0] = &p2;
	order[1] = &p3;
	order[2] = &p1;
	check_order(order, 3);

	/* [Pinwheel differs] Unregistering the earliest poller while it waits
	 * takes it out of the timer structure at once: the cache moves to the
	 * next poller now, not at the unregistered one's expiry (SPDK). */
	gone = p2.p;
	spdk_poller_unregister(&p2.p);
	ASSERT_NULL(p2.p);
	ASSERT_PTR_NE(cached(), gone);
	order[0] = &p3;
	order[1] = &p1;
	check_order(order, 2);
	ut_delay_us(499);
	ut_poll_thread(0);
	check_order(order, 2);
	ut_delay_us(1);
	ut_poll_thread(0);		/* 1500: the old expiry of p2, nothing runs */
	ASSERT_EQ(p2.runs, 0);
	check_order(order, 2);

	/* [Pinwheel differs] Pausing the earliest poller: same, at once. */
	spdk_poller_pause(p3.p);
	order[0] = &p1;
	check_order(order, 1);
	ut_delay_us(299);
	ut_poll_thread(0);
	check_order(order, 1);
	ut_delay_us(1);
	ut_poll_thread(0);		/* 1800 */
	ASSERT_EQ(p3.runs, 0);
	ASSERT_STR_EQ(spdk_poller_get_state_str(p3.p), "paused");
	check_order(order, 1);

	spdk_poller_unregister(&p1.p);
	spdk_poller_unregister(&p3.p);
	check_order(order, 0);
	ASSERT_EQ(ut_thread(0)->pl->timer.heap_len, 0);
	ut_delay_us(200);
	ut_poll_thread(0);
	check_order(order, 0);
	ASSERT_EQ(p1.runs, 1);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * multi_timed_pollers_have_same_expiration
 * ------------------------------------------------------------------------- */

TEST(multi_timed_pollers_have_same_expiration_ties_and_rearm)
{
	struct tp p[4];
	int log[32], n = 0;
	struct tp *order[4];
	uint64_t s;

	ut_threads_init(1);
	ut_set_thread(0);
	ut_delay_us(77);
	s = ut_now();
	for (int i = 0; i < 4; i++) {
		p[i] = (struct tp) { .idx = i, .log = log, .log_n = &n };
	}
	treg(&p[0], 500);
	treg(&p[1], 500);
	treg(&p[2], 1000);
	treg(&p[3], 1500);
	/* Equal expiries: the earlier registered is first. */
	ASSERT_EQ(p[0].p->next_run_tick, s + 500);
	ASSERT_EQ(p[1].p->next_run_tick, s + 500);
	ASSERT_EQ(p[2].p->next_run_tick, s + 1000);
	ASSERT_EQ(p[3].p->next_run_tick, s + 1500);
	order[0] = &p[0];
	order[1] = &p[1];
	order[2] = &p[2];
	order[3] = &p[3];
	check_order(order, 4);

	/* Round 1 at s+500: p0, p1 run and are re-armed at s+1000, after p2
	 * which already had that expiry. */
	ut_delay_us(500);
	ut_poll_thread(0);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(log[0], 0);
	ASSERT_EQ(log[1], 1);
	ASSERT_EQ(p[0].p->next_run_tick, s + 1000);
	ASSERT_EQ(p[1].p->next_run_tick, s + 1000);
	ASSERT_EQ(p[2].p->next_run_tick, s + 1000);
	ASSERT_EQ(p[3].p->next_run_tick, s + 1500);
	order[0] = &p[2];
	order[1] = &p[0];
	order[2] = &p[1];
	order[3] = &p[3];
	check_order(order, 4);

	/* Round 2 at s+1000: p2, p0, p1 in that order. */
	ut_delay_us(500);
	ut_poll_thread(0);
	ASSERT_EQ(n, 5);
	ASSERT_EQ(log[2], 2);
	ASSERT_EQ(log[3], 0);
	ASSERT_EQ(log[4], 1);
	ASSERT_EQ(p[0].p->next_run_tick, s + 1500);
	ASSERT_EQ(p[1].p->next_run_tick, s + 1500);
	ASSERT_EQ(p[2].p->next_run_tick, s + 2000);
	ASSERT_EQ(p[3].p->next_run_tick, s + 1500);
	order[0] = &p[3];
	order[1] = &p[0];
	order[2] = &p[1];
	order[3] = &p[2];
	check_order(order, 4);

	/* Round 3 at s+1500: p3, p0, p1; then p2 (armed at s+1000) leads the
	 * s+2000 group. */
	ut_delay_us(500);
	ut_poll_thread(0);
	ASSERT_EQ(n, 8);
	ASSERT_EQ(log[5], 3);
	ASSERT_EQ(log[6], 0);
	ASSERT_EQ(log[7], 1);
	ASSERT_EQ(p[0].p->next_run_tick, s + 2000);
	ASSERT_EQ(p[1].p->next_run_tick, s + 2000);
	ASSERT_EQ(p[2].p->next_run_tick, s + 2000);
	ASSERT_EQ(p[3].p->next_run_tick, s + 3000);
	order[0] = &p[2];
	order[1] = &p[0];
	order[2] = &p[1];
	order[3] = &p[3];
	check_order(order, 4);

	/* Unregistered timed pollers leave at once. */
	for (int i = 0; i < 4; i++) {
		spdk_poller_unregister(&p[i].p);
	}
	check_order(order, 0);
	ut_delay_us(1500);
	ut_poll_thread(0);
	ASSERT_EQ(n, 8);
	check_order(order, 0);
	ut_threads_fini();
}

TEST(multi_timed_pollers_have_same_expiration_unregister_non_earliest)
{
	struct tp p1 = { 0 }, p2 = { 0 }, p3 = { 0 };
	struct tp *order[3];
	uint64_t s;

	ut_threads_init(1);
	ut_set_thread(0);
	s = ut_now();
	treg(&p1, 500);
	order[0] = &p1;
	check_order(order, 1);
	ASSERT_EQ(p1.p->next_run_tick, s + 500);

	ut_delay_us(250);
	treg(&p2, 500);
	treg(&p3, 750);
	ASSERT_EQ(p2.p->next_run_tick, s + 750);
	ASSERT_EQ(p3.p->next_run_tick, s + 1000);
	order[0] = &p1;
	order[1] = &p2;
	order[2] = &p3;
	check_order(order, 3);

	/* [Pinwheel differs] p2 is not the earliest; unregistered, it leaves
	 * the structure at once and never becomes the cached earliest (in
	 * SPDK it stays until its expiry at s+750 and is cached after p1 ran). */
	spdk_poller_unregister(&p2.p);
	order[0] = &p1;
	order[1] = &p3;
	check_order(order, 2);

	ut_delay_us(250);		/* s+500: p1 runs, re-armed at s+1000 after p3 */
	ut_poll_thread(0);
	ASSERT_EQ(p1.runs, 1);
	ASSERT_EQ(p1.p->next_run_tick, s + 1000);
	order[0] = &p3;
	order[1] = &p1;
	check_order(order, 2);

	ut_delay_us(250);		/* s+750: nothing due */
	ut_poll_thread(0);
	ASSERT_EQ(p2.runs, 0);
	check_order(order, 2);

	spdk_poller_unregister(&p3.p);
	order[0] = &p1;
	check_order(order, 1);
	ut_delay_us(250);		/* s+1000 */
	ut_poll_thread(0);
	ASSERT_EQ(p1.runs, 2);
	ASSERT_EQ(p3.runs, 0);
	ASSERT_EQ(p1.p->next_run_tick, s + 1500);
	check_order(order, 1);

	spdk_poller_unregister(&p1.p);
	ut_delay_us(500);
	ut_poll_thread(0);
	check_order(order, 0);
	ASSERT_EQ(ut_thread(0)->pl->timer.heap_len, 0);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * The whole structure against a reference model: random periods, delays,
 * registrations, unregistrations, pauses and resumes. After every step the
 * walk through the timed pollers, the cache and the next expiry must match
 * the model, and each slice must run exactly the due pollers in
 * (expiry, arming order) order.
 * ------------------------------------------------------------------------- */

#define MODEL_SLOTS 24

enum mstate { M_FREE, M_ARMED, M_PAUSING, M_PAUSED };

struct mslot {
	struct tp	tp;
	enum mstate	st;
	uint64_t	period;
	uint64_t	tick;
	uint64_t	seq;
};

static struct mslot g_m[MODEL_SLOTS];
static uint64_t g_mseq;
static uint64_t g_rng;

static uint32_t
rnd(uint32_t n)
{
	g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(g_rng >> 33) % n;
}

static bool
m_before(const struct mslot *a, const struct mslot *b)
{
	return a->tick < b->tick || (a->tick == b->tick && a->seq < b->seq);
}

/* Armed slots sorted by (tick, seq); returns how many. */
static int
m_sorted(int *out)
{
	int n = 0;

	for (int i = 0; i < MODEL_SLOTS; i++) {
		if (g_m[i].st != M_ARMED) {
			continue;
		}
		int j = n++;

		while (j > 0 && m_before(&g_m[i], &g_m[out[j - 1]])) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = i;
	}
	return n;
}

static void
m_check(void)
{
	struct tp *want[MODEL_SLOTS];
	int idx[MODEL_SLOTS];
	int n = m_sorted(idx);

	for (int i = 0; i < n; i++) {
		want[i] = &g_m[idx[i]].tp;
		ASSERT_EQ(g_m[idx[i]].tp.p->next_run_tick, g_m[idx[i]].tick);
	}
	check_order(want, n);
}

static void
m_poll(uint64_t now)
{
	int log[MODEL_SLOTS], n = 0, due[MODEL_SLOTS], ndue = 0, idx[MODEL_SLOTS];
	int k = m_sorted(idx);

	for (int i = 0; i < MODEL_SLOTS; i++) {
		g_m[i].tp.log = log;
		g_m[i].tp.log_n = &n;
	}
	for (int i = 0; i < k && g_m[idx[i]].tick <= now; i++) {
		due[ndue++] = idx[i];
	}
	ut_poll_thread(0);
	ASSERT_EQ(n, ndue);
	for (int i = 0; i < ndue; i++) {
		struct mslot *m = &g_m[due[i]];

		ASSERT_EQ(log[i], due[i]);
		m->tick = now + m->period;
		m->seq = ++g_mseq;
	}
	for (int i = 0; i < MODEL_SLOTS; i++) {
		if (g_m[i].st == M_PAUSING) {
			g_m[i].st = M_PAUSED;
		}
		g_m[i].tp.log = NULL;
	}
}

static void
model_run(uint64_t seed, int steps, const uint64_t *periods, uint32_t nperiods)
{
	g_rng = seed;
	g_mseq = 0;
	memset(g_m, 0, sizeof(g_m));
	ut_threads_init(1);
	ut_set_thread(0);
	for (int i = 0; i < MODEL_SLOTS; i++) {
		g_m[i].tp.idx = i;
	}
	for (int step = 0; step < steps; step++) {
		struct mslot *m = &g_m[rnd(MODEL_SLOTS)];
		uint32_t op = rnd(10);

		if (op < 3) {
			ut_delay_us(rnd(250));
			m_poll(ut_now());
		} else if (m->st == M_FREE) {
			m->period = periods[rnd(nperiods)];
			treg(&m->tp, m->period);
			m->st = M_ARMED;
			m->tick = ut_now() + m->period;
			m->seq = ++g_mseq;
		} else if (op < 5) {
			spdk_poller_unregister(&m->tp.p);
			m->st = M_FREE;
		} else if (op < 7) {
			spdk_poller_pause(m->tp.p);
			if (m->st == M_ARMED) {
				m->st = M_PAUSING;
			}
		} else {
			spdk_poller_resume(m->tp.p);
			if (m->st == M_PAUSING) {
				m->st = M_ARMED;	/* same tick and place */
			} else if (m->st == M_PAUSED) {
				m->st = M_ARMED;
				m->tick = ut_now() + m->period;
				m->seq = ++g_mseq;
			}
		}
		m_check();
	}
	for (int i = 0; i < MODEL_SLOTS; i++) {
		spdk_poller_unregister(&g_m[i].tp.p);
	}
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ASSERT_EQ(ut_thread(0)->pl->timer.heap_len, 0);
	ut_threads_fini();
}

/* At most 4 distinct periods at a time. */
TEST(timed_pollers_match_reference_model)
{
	static const uint64_t periods[] = { 50, 100, 100, 300, 7 };

	for (uint64_t seed = 1; seed <= 8; seed++) {
		model_run(seed, 4000, periods, SPDK_COUNTOF(periods));
	}
}

/* Up to 9 distinct periods: more buckets than the first heap allocation
 * (regression check for the heap-capacity bug below). */
TEST(timed_pollers_match_reference_model_many_periods)
{
	static const uint64_t periods[] = { 50, 100, 150, 200, 300, 1000, 7, 13, 400 };

	for (uint64_t seed = 1; seed <= 8; seed++) {
		model_run(seed, 4000, periods, SPDK_COUNTOF(periods));
	}
}

/* ---------------------------------------------------------------------------
 * Iteration details and misuse
 * ------------------------------------------------------------------------- */

TEST(timed_iteration_excludes_paused_and_ends_at_unarmed)
{
	struct tp a = { 0 }, b = { 0 };
	struct tp *order[2];

	ut_threads_init(1);
	ut_set_thread(0);
	treg(&a, 10);
	treg(&b, 20);
	spdk_poller_pause(a.p);
	ut_poll_thread(0);
	order[0] = &b;
	check_order(order, 1);
	/* A paused poller is in the paused walk, and a walk from it in the timed
	 * order ends at once. */
	ASSERT_PTR_EQ(spdk_thread_get_first_paused_poller(ut_thread(0)), a.p);
	ASSERT_NULL(spdk_thread_get_next_timed_poller(a.p));
	spdk_poller_unregister(&a.p);
	spdk_poller_unregister(&b.p);
	ut_threads_fini();
}

TEST(timed_poller_many_periods_keep_buckets_balanced)
{
	struct tp t[40];
	struct tp *order[40];

	ut_threads_init(1);
	ut_set_thread(0);
	/* 40 distinct periods registered in decreasing order: the earliest is
	 * always the last one registered. */
	for (int i = 0; i < 40; i++) {
		t[i] = (struct tp) { 0 };
		treg(&t[i], 4000 - (uint64_t)i * 100);
		ASSERT_PTR_EQ(cached(), t[i].p);
	}
	for (int i = 0; i < 40; i++) {
		order[i] = &t[39 - i];
	}
	check_order(order, 40);
	ut_delay_us(4000);
	ut_poll_thread(0);
	for (int i = 0; i < 40; i++) {
		ASSERT_EQ(t[i].runs, 1);
		ASSERT_EQ(t[i].p->next_run_tick, 4000 + 4000 - (uint64_t)i * 100);
	}
	/* Unregister every other one; the rest stay ordered. */
	for (int i = 0; i < 40; i += 2) {
		spdk_poller_unregister(&t[i].p);
	}
	for (int i = 0; i < 20; i++) {
		order[i] = &t[39 - 2 * i];
	}
	check_order(order, 20);
	for (int i = 1; i < 40; i += 2) {
		spdk_poller_unregister(&t[i].p);
	}
	check_order(order, 0);
	ASSERT_EQ(ut_thread(0)->pl->timer.heap_len, 0);
	ut_threads_fini();
}

/* Regression test (found by these tests; fixed in lib/thread 10bbf0a): the
 * heap of period buckets used to grow only when heap_len == heap_cap, but
 * heap_len counts the non-empty buckets while every attached bucket (one
 * whose pollers are all paused is out of the heap) may be inserted later.
 * With 4 slots: periods 10, 20, 30, 40; pause the 40 us poller (heap_len 3);
 * register a 50 us poller (a 5th bucket, no growth since 3 != 4); resume the
 * 40 us poller: heap_insert() wrote heap[4] past the 4-slot allocation. */
TEST(timed_poller_resume_with_more_periods_than_heap_slots)
{
	struct tp t[5];
	struct tp *order[5];

	ut_threads_init(1);
	ut_set_thread(0);
	for (int i = 0; i < 4; i++) {
		t[i] = (struct tp) { 0 };
		treg(&t[i], 10 * ((uint64_t)i + 1));
	}
	ASSERT_EQ(ut_thread(0)->pl->timer.heap_cap, 4);
	spdk_poller_pause(t[3].p);
	t[4] = (struct tp) { 0 };
	treg(&t[4], 50);
	spdk_poller_resume(t[3].p);
	ASSERT_LE(ut_thread(0)->pl->timer.heap_len, ut_thread(0)->pl->timer.heap_cap);
	for (int i = 0; i < 5; i++) {
		order[i] = &t[i];
	}
	check_order(order, 5);
	ut_delay_us(50);
	ut_poll_thread(0);
	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(t[i].runs, 1);
		spdk_poller_unregister(&t[i].p);
	}
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * The thread's poller predicates
 * ------------------------------------------------------------------------- */

TEST(thread_poller_predicates)
{
	struct spdk_thread *t;
	struct spdk_poller *a, *b;
	int n = 0;

	ut_threads_init(1);
	t = ut_thread(0);
	ASSERT_EQ(spdk_thread_has_active_pollers(t), 0);
	ASSERT_FALSE(spdk_thread_has_pollers(t));
	ASSERT_TRUE(spdk_thread_is_idle(t));
	ASSERT_EQ(spdk_thread_next_poller_expiration(t), 0);

	ut_set_thread(0);
	a = spdk_poller_register(idle_fn, NULL, 0);
	ASSERT_EQ(spdk_thread_has_active_pollers(t), 1);
	ASSERT_TRUE(spdk_thread_has_pollers(t));
	ASSERT_FALSE(spdk_thread_is_idle(t));
	spdk_poller_pause(a);
	ut_poll_thread(0);
	/* Paused pollers count as pollers but not as work. */
	ASSERT_EQ(spdk_thread_has_active_pollers(t), 0);
	ASSERT_TRUE(spdk_thread_has_pollers(t));
	ASSERT_TRUE(spdk_thread_is_idle(t));

	ut_delay_us(3);
	b = spdk_poller_register(idle_fn, NULL, 250);
	ASSERT_EQ(spdk_thread_has_active_pollers(t), 0);
	ASSERT_FALSE(spdk_thread_is_idle(t));
	ASSERT_EQ(spdk_thread_next_poller_expiration(t), 253);
	spdk_poller_unregister(&b);
	ASSERT_EQ(spdk_thread_next_poller_expiration(t), 0);
	ASSERT_TRUE(spdk_thread_is_idle(t));

	ASSERT_EQ(spdk_thread_send_msg(t, count_msg, &n), 0);
	ASSERT_FALSE(spdk_thread_is_idle(t));
	ut_poll_thread(0);
	ASSERT_EQ(n, 1);
	ASSERT_TRUE(spdk_thread_is_idle(t));
	spdk_poller_unregister(&a);
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_has_pollers(t));
	ut_threads_fini();
}

/* Arming numbers are 32 bits and wrap: equal expiries still keep the order
 * of arming across the wrap, in one bucket and across buckets. */
TEST(timed_pollers_same_expiry_keep_arming_order_across_seq_wrap)
{
	struct tp p[4];
	int log[8], n = 0;
	struct tp *order[4];

	ut_threads_init(1);
	ut_set_thread(0);
	/* The poller block, made before the first poller to set its counter. */
	ASSERT_NOT_NULL(pw__thread_pollers(ut_thread(0), "test"));
	ut_thread(0)->pl->timer.seq = UINT32_MAX - 1;
	for (int i = 0; i < 4; i++) {
		p[i] = (struct tp) { .idx = i, .log = log, .log_n = &n };
	}
	/* p0 at UINT32_MAX, p1 at 0, p2 at 1: three pollers due at the same tick,
	 * two of them in another period's bucket (armed 500 us later). */
	treg(&p[0], 1000);
	treg(&p[1], 1000);
	ut_delay_us(500);
	treg(&p[2], 500);
	treg(&p[3], 500);
	ASSERT_EQ(p[0].p->seq, UINT32_MAX);
	ASSERT_EQ(p[1].p->seq, 0);
	ASSERT_EQ(p[2].p->next_run_tick, p[0].p->next_run_tick);
	for (int i = 0; i < 4; i++) {
		order[i] = &p[i];
	}
	check_order(order, 4);
	ut_delay_us(500);
	ut_poll_thread(0);
	ASSERT_EQ(n, 4);
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(log[i], i);
	}
	for (int i = 0; i < 4; i++) {
		spdk_poller_unregister(&p[i].p);
	}
	ut_threads_fini();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Pollers: registration and dispatch, pause/resume, unregistration from
 * anywhere, introspection (name, id, state, period, counters, iteration of
 * active and paused pollers), the thread's poller predicates, and misuse
 * (BEHAVIOURS.md "Thread library": thread_poller, poller_pause,
 * poller_get_name / get_id / get_state_str / get_period_ticks / get_stats).
 */

#include "harness.h"
#include "ut_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"
#include "env/env_internal.h"

/* What a test poller does when it runs. */
enum act {
	ACT_NONE,
	ACT_PAUSE,			/* pause itself */
	ACT_PAUSE_RESUME_PAUSE,		/* pause, resume, pause itself */
	ACT_PAUSE_RESUME,		/* pause then resume itself */
	ACT_UNREGISTER,			/* unregister itself */
	ACT_PAUSE_OTHER,		/* pause ctx->other */
	ACT_PAUSE_RESUME_OTHER,		/* pause then resume ctx->other */
	ACT_UNREGISTER_OTHER,		/* unregister ctx->other */
};

struct pctx {
	struct spdk_poller	*p;
	int			runs;
	int			rc;		/* what it returns */
	enum act		act;
	struct pctx		*other;
	char			state_inside[16];
	int			*order;		/* shared run-order log */
	int			*order_n;
	int			tag;
};

static int
test_poller(void *arg)
{
	struct pctx *c = arg;

	c->runs++;
	snprintf(c->state_inside, sizeof(c->state_inside), "%s", spdk_poller_get_state_str(c->p));
	if (c->order != NULL) {
		c->order[(*c->order_n)++] = c->tag;
	}
	switch (c->act) {
	case ACT_NONE:
		break;
	case ACT_PAUSE:
		spdk_poller_pause(c->p);
		break;
	case ACT_PAUSE_RESUME_PAUSE:
		spdk_poller_pause(c->p);
		spdk_poller_resume(c->p);
		spdk_poller_pause(c->p);
		break;
	case ACT_PAUSE_RESUME:
		spdk_poller_pause(c->p);
		spdk_poller_resume(c->p);
		break;
	case ACT_UNREGISTER:
		spdk_poller_unregister(&c->p);
		ASSERT_NULL(c->p);
		break;
	case ACT_PAUSE_OTHER:
		spdk_poller_pause(c->other->p);
		break;
	case ACT_PAUSE_RESUME_OTHER:
		spdk_poller_pause(c->other->p);
		spdk_poller_resume(c->other->p);
		break;
	case ACT_UNREGISTER_OTHER:
		spdk_poller_unregister(&c->other->p);
		break;
	}
	return c->rc;
}

static void
reg(struct pctx *c, uint64_t period_us)
{
	c->p = spdk_poller_register(test_poller, c, period_us);
	ASSERT_NOT_NULL(c->p);
}

static void
pause_msg(void *arg)
{
	spdk_poller_pause(((struct pctx *)arg)->p);
}

static void
resume_msg(void *arg)
{
	spdk_poller_resume(((struct pctx *)arg)->p);
}

static uint64_t
run_count(struct spdk_poller *p)
{
	struct spdk_poller_stats st;

	spdk_poller_get_stats(p, &st);
	return st.run_count;
}

/* ---------------------------------------------------------------------------
 * thread_poller
 * ------------------------------------------------------------------------- */

TEST(thread_poller_period0_runs_next_poll_and_unregister_nulls)
{
	struct pctx c = { .rc = SPDK_POLLER_IDLE };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	ASSERT_EQ(c.runs, 0);		/* not at registration */
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);
	spdk_poller_unregister(&c.p);
	ASSERT_NULL(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);
	ut_threads_fini();
}

TEST(thread_poller_active_run_newest_first)
{
	int order[8], n = 0;
	struct pctx c[3];

	ut_threads_init(1);
	ut_set_thread(0);
	for (int i = 0; i < 3; i++) {
		c[i] = (struct pctx) { .order = order, .order_n = &n, .tag = i };
		reg(&c[i], 0);
	}
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(order[0], 2);
	ASSERT_EQ(order[1], 1);
	ASSERT_EQ(order[2], 0);
	for (int i = 0; i < 3; i++) {
		spdk_poller_unregister(&c[i].p);
	}
	ut_threads_fini();
}

/* A poller that registers many more while it runs: the dispatch array grows
 * under the running loop. The new ones run from the next slice on. */
static struct pctx g_spawned[40];

static int
spawning_poller(void *arg)
{
	int *runs = arg;

	if ((*runs)++ == 0) {
		for (int i = 0; i < 40; i++) {
			g_spawned[i] = (struct pctx) { .rc = SPDK_POLLER_BUSY };
			reg(&g_spawned[i], 0);
		}
	}
	return SPDK_POLLER_BUSY;
}

TEST(thread_poller_registered_during_dispatch_run_from_next_slice)
{
	struct spdk_poller *p;
	int runs = 0;

	ut_threads_init(1);
	ut_set_thread(0);
	p = spdk_poller_register(spawning_poller, &runs, 0);
	ASSERT_NOT_NULL(p);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(runs, 1);
	for (int i = 0; i < 40; i++) {
		ASSERT_EQ(g_spawned[i].runs, 0);
		ASSERT_EQ(run_count(g_spawned[i].p), 0);
	}
	ASSERT_EQ(run_count(p), 1);
	spdk_thread_poll(ut_thread(0), 0, 0);
	for (int i = 0; i < 40; i++) {
		ASSERT_EQ(g_spawned[i].runs, 1);
		ASSERT_EQ(run_count(g_spawned[i].p), 1);
	}
	ASSERT_EQ(run_count(p), 2);
	ASSERT_EQ(pw__pollers_active_count(ut_thread(0)), 41);
	for (int i = 0; i < 40; i++) {
		spdk_poller_unregister(&g_spawned[i].p);
	}
	spdk_poller_unregister(&p);
	ut_poll_thread(0);
	ASSERT_EQ(pw__pollers_active_count(ut_thread(0)), 0);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ut_threads_fini();
}

TEST(thread_poller_unregister_self_active_and_timed)
{
	struct pctx a = { .act = ACT_UNREGISTER }, t = { .act = ACT_UNREGISTER };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&a, 0);
	reg(&t, 100);
	ut_delay_us(100);
	ut_poll_thread(0);
	ASSERT_EQ(a.runs, 1);
	ASSERT_EQ(t.runs, 1);
	ASSERT_STR_EQ(a.state_inside, "running");
	ASSERT_STR_EQ(t.state_inside, "running");
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(a.runs, 1);
	ASSERT_EQ(t.runs, 1);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ASSERT_EQ(spdk_thread_next_poller_expiration(ut_thread(0)), 0);
	ut_threads_fini();
}

TEST(thread_poller_unregister_other_not_yet_run_this_round)
{
	struct pctx older = { 0 }, newer = { .act = ACT_UNREGISTER_OTHER };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&older, 0);		/* runs after newer in a round */
	reg(&newer, 0);
	newer.other = &older;
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(newer.runs, 1);
	ASSERT_EQ(older.runs, 0);
	ASSERT_NULL(older.p);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(older.runs, 0);
	ASSERT_EQ(pw__pollers_active_count(ut_thread(0)), 1);
	newer.act = ACT_NONE;
	spdk_poller_unregister(&newer.p);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * poller_pause
 * ------------------------------------------------------------------------- */

TEST(poller_pause_self_runs_once)
{
	struct pctx c = { .act = ACT_PAUSE };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "paused");
	for (int i = 0; i < 5; i++) {
		ut_poll_thread(0);
	}
	ASSERT_EQ(c.runs, 1);
	ASSERT_EQ(run_count(c.p), 1);
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_pause_resume_pause_in_one_call_ends_paused)
{
	struct pctx c = { .act = ACT_PAUSE_RESUME_PAUSE };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	ut_poll_thread(0);
	ut_poll_thread(0);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "paused");
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_pause_resume_of_running_poller_is_noop)
{
	struct pctx c = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	spdk_poller_resume(c.p);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "waiting");
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	spdk_poller_resume(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_pause_twice_then_one_resume)
{
	struct pctx c = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	spdk_poller_pause(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	spdk_poller_pause(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "paused");
	spdk_poller_resume(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);
	/* Pausing twice before a poll is harmless too. */
	spdk_poller_pause(c.p);
	spdk_poller_pause(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);
	spdk_poller_resume(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 3);
	ASSERT_EQ(run_count(c.p), 3);
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_pause_then_resume_before_poll_keeps_running)
{
	struct pctx c = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	ut_poll_thread(0);
	spdk_poller_pause(c.p);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "pausing");
	spdk_poller_resume(c.p);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "waiting");
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);
	ASSERT_EQ(run_count(c.p), 2);
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_pause_unregister_then_poll_leaves_no_pollers)
{
	struct pctx c = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	ut_poll_thread(0);
	ASSERT_TRUE(spdk_thread_has_pollers(ut_thread(0)));
	spdk_poller_unregister(&c.p);
	ASSERT_NULL(c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ut_threads_fini();
}

TEST(poller_pause_paused_poller_can_be_unregistered)
{
	struct pctx c = { 0 }, t = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	reg(&t, 1000);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_EQ(t.runs, 1);
	spdk_poller_pause(c.p);
	spdk_poller_pause(t.p);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_EQ(t.runs, 1);
	spdk_poller_unregister(&c.p);
	spdk_poller_unregister(&t.p);
	ut_delay_us(1000);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_EQ(t.runs, 1);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ASSERT_NULL(spdk_thread_get_first_paused_poller(ut_thread(0)));
	ut_threads_fini();
}

TEST(poller_pause_unregister_while_pausing)
{
	struct pctx c = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	spdk_poller_pause(c.p);
	spdk_poller_unregister(&c.p);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 0);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ut_threads_fini();
}

/* For an active and a 1000 us poller: runs, pause stops it, resume restarts
 * it; pause and resume sent as messages to its own thread do the same. */
static void
pause_resume_cycle(uint64_t period)
{
	struct pctx c = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, period);

	ut_delay_us(period);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);

	spdk_poller_pause(c.p);
	ut_delay_us(period);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);

	spdk_poller_resume(c.p);
	ASSERT_EQ(c.runs, 1);		/* resume never runs it synchronously */
	if (period > 0) {
		ut_poll_thread(0);
		ASSERT_EQ(c.runs, 1);	/* due one period after the resume */
	}
	ut_delay_us(period);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);

	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), pause_msg, &c), 0);
	ut_delay_us(period);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 2);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "paused");

	ASSERT_EQ(spdk_thread_send_msg(ut_thread(0), resume_msg, &c), 0);
	/* One slice: the message resumes it, then the untimed pollers run. */
	spdk_thread_poll(ut_thread(0), 0, 0);
	if (period > 0) {
		ASSERT_EQ(c.runs, 2);
		ut_delay_us(period);
		ut_poll_thread(0);
	}
	ASSERT_EQ(c.runs, 3);
	ASSERT_EQ(run_count(c.p), 3);
	spdk_poller_unregister(&c.p);
	ASSERT_NULL(c.p);
	ut_threads_fini();
}

TEST(poller_pause_resume_active)
{
	pause_resume_cycle(0);
}

TEST(poller_pause_resume_timed_1000us)
{
	pause_resume_cycle(1000);
}

TEST(poller_pause_active_self_pause_resume_keeps_running)
{
	struct pctx c = { .act = ACT_PAUSE_RESUME };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, 0);
	for (int i = 1; i <= 4; i++) {
		spdk_thread_poll(ut_thread(0), 0, 0);
		ASSERT_EQ(c.runs, i);
		ASSERT_EQ(run_count(c.p), (uint64_t)i);
	}
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_pause_other_not_yet_run_skips_it_this_round)
{
	struct pctx older = { 0 }, newer = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&older, 0);
	reg(&newer, 0);
	newer.other = &older;
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(older.runs, 1);

	/* newer runs first and pauses older: older does not run this round. */
	newer.act = ACT_PAUSE_OTHER;
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(newer.runs, 2);
	ASSERT_EQ(older.runs, 1);
	ASSERT_EQ(run_count(older.p), 1);
	ASSERT_STR_EQ(spdk_poller_get_state_str(older.p), "paused");

	/* Resumed, older now runs before newer; newer pausing and resuming it
	 * after it ran changes nothing. */
	newer.act = ACT_PAUSE_RESUME_OTHER;
	spdk_poller_resume(older.p);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(older.runs, 2);
	ASSERT_EQ(run_count(older.p), 2);
	spdk_thread_poll(ut_thread(0), 0, 0);
	ASSERT_EQ(older.runs, 3);
	ASSERT_EQ(run_count(older.p), 3);
	ASSERT_EQ(run_count(newer.p), 4);
	newer.act = ACT_NONE;
	spdk_poller_unregister(&older.p);
	spdk_poller_unregister(&newer.p);
	ut_threads_fini();
}

TEST(poller_pause_resume_other_not_yet_run_still_runs_this_round)
{
	struct pctx older = { 0 }, newer = { .act = ACT_PAUSE_RESUME_OTHER };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&older, 0);
	reg(&newer, 0);
	newer.other = &older;
	for (int i = 1; i <= 3; i++) {
		spdk_thread_poll(ut_thread(0), 0, 0);
		ASSERT_EQ(newer.runs, i);
		ASSERT_EQ(older.runs, i);
		ASSERT_EQ(run_count(older.p), (uint64_t)i);
		ASSERT_STR_EQ(spdk_poller_get_state_str(older.p), "waiting");
	}
	newer.act = ACT_NONE;
	spdk_poller_unregister(&older.p);
	spdk_poller_unregister(&newer.p);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * poller_get_name / get_id / get_state_str / get_period_ticks / get_stats
 * ------------------------------------------------------------------------- */

static int
idle_fn(void *arg)
{
	return SPDK_POLLER_IDLE;
}

TEST(poller_get_name_named_unnamed_and_macro)
{
	struct spdk_poller *a, *b, *c, *d;
	char expect[64], longname[300];

	ut_threads_init(1);
	ut_set_thread(0);
	a = spdk_poller_register_named(idle_fn, NULL, 0, "my_poller");
	b = spdk_poller_register(idle_fn, NULL, 0);
	c = SPDK_POLLER_REGISTER(idle_fn, NULL, 10);
	memset(longname, 'p', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	d = spdk_poller_register_named(idle_fn, NULL, 0, longname);
	ASSERT_NOT_NULL(a);
	ASSERT_NOT_NULL(b);
	ASSERT_NOT_NULL(c);
	ASSERT_NOT_NULL(d);
	ASSERT_STR_EQ(spdk_poller_get_name(a), "my_poller");
	snprintf(expect, sizeof(expect), "%p", (void *)idle_fn);
	ASSERT_STR_EQ(spdk_poller_get_name(b), expect);
	ASSERT_STR_EQ(spdk_poller_get_name(c), "idle_fn");
	ASSERT_EQ(strlen(spdk_poller_get_name(d)), SPDK_MAX_POLLER_NAME_LEN);
	spdk_poller_unregister(&a);
	spdk_poller_unregister(&b);
	spdk_poller_unregister(&c);
	spdk_poller_unregister(&d);
	ut_threads_fini();
}

TEST(poller_get_id_per_thread_from_1)
{
	struct spdk_poller *p[4], *q;

	ut_threads_init(2);
	ut_set_thread(0);
	p[0] = spdk_poller_register(idle_fn, NULL, 0);
	p[1] = spdk_poller_register(idle_fn, NULL, 500);
	p[2] = spdk_poller_register(idle_fn, NULL, 0);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(spdk_poller_get_id(p[i]), (uint64_t)i + 1);
	}
	/* Ids are not reused after an unregister. */
	spdk_poller_unregister(&p[2]);
	p[3] = spdk_poller_register(idle_fn, NULL, 0);
	ASSERT_EQ(spdk_poller_get_id(p[3]), 4);
	/* Another thread counts on its own. */
	ut_set_thread(1);
	q = spdk_poller_register(idle_fn, NULL, 0);
	ASSERT_EQ(spdk_poller_get_id(q), 1);
	spdk_poller_unregister(&q);
	ut_set_thread(0);
	spdk_poller_unregister(&p[0]);
	spdk_poller_unregister(&p[1]);
	spdk_poller_unregister(&p[3]);
	ut_threads_fini();
}

static void
state_cycle(uint64_t period)
{
	struct pctx c = { 0 };

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&c, period);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "waiting");
	ut_delay_us(period);
	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_STR_EQ(c.state_inside, "running");
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "waiting");
	spdk_poller_pause(c.p);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "pausing");
	ut_poll_thread(0);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "paused");
	ut_delay_us(period);
	ut_poll_thread(0);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "paused");
	spdk_poller_resume(c.p);
	ASSERT_STR_EQ(spdk_poller_get_state_str(c.p), "waiting");
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_get_state_str_active)
{
	state_cycle(0);
}

TEST(poller_get_state_str_timed)
{
	state_cycle(700);
}

static char g_state_after_unreg[16];

static int
unreg_then_read_state(void *arg)
{
	struct spdk_poller **pp = arg;
	struct spdk_poller *self = *pp;

	spdk_poller_unregister(pp);
	/* Still valid while its callback runs. */
	snprintf(g_state_after_unreg, sizeof(g_state_after_unreg), "%s",
		 spdk_poller_get_state_str(self));
	return SPDK_POLLER_IDLE;
}

TEST(poller_get_state_str_unregistered_inside_own_callback)
{
	struct spdk_poller *p, *t;

	ut_threads_init(1);
	ut_set_thread(0);
	p = spdk_poller_register(unreg_then_read_state, &p, 0);
	ASSERT_NOT_NULL(p);
	ut_poll_thread(0);
	ASSERT_STR_EQ(g_state_after_unreg, "unregistered");
	memset(g_state_after_unreg, 0, sizeof(g_state_after_unreg));
	t = spdk_poller_register(unreg_then_read_state, &t, 10);
	ASSERT_NOT_NULL(t);
	ut_delay_us(10);
	ut_poll_thread(0);
	ASSERT_STR_EQ(g_state_after_unreg, "unregistered");
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ut_threads_fini();
}

TEST(poller_get_stats_active_across_pause_and_negative_rc)
{
	struct pctx busy = { .rc = SPDK_POLLER_BUSY }, neg = { .rc = -1 };
	struct spdk_poller_stats st;

	ut_threads_init(1);
	ut_set_thread(0);
	reg(&busy, 0);
	reg(&neg, 0);
	for (int i = 0; i < 3; i++) {
		spdk_thread_poll(ut_thread(0), 0, 0);
	}
	spdk_poller_pause(busy.p);
	spdk_thread_poll(ut_thread(0), 0, 0);
	spdk_thread_poll(ut_thread(0), 0, 0);
	spdk_poller_get_stats(busy.p, &st);
	ASSERT_EQ(st.run_count, 3);
	ASSERT_EQ(st.busy_count, 3);
	spdk_poller_resume(busy.p);
	spdk_thread_poll(ut_thread(0), 0, 0);
	spdk_thread_poll(ut_thread(0), 0, 0);
	spdk_poller_get_stats(busy.p, &st);
	ASSERT_EQ(st.run_count, 5);
	ASSERT_EQ(st.busy_count, 5);
	ASSERT_EQ(busy.runs, 5);
	/* A negative result is neither busy nor idle for the poller's busy count. */
	spdk_poller_get_stats(neg.p, &st);
	ASSERT_EQ(st.run_count, 7);
	ASSERT_EQ(st.busy_count, 0);
	ASSERT_EQ(neg.runs, 7);
	spdk_poller_unregister(&busy.p);
	spdk_poller_unregister(&neg.p);
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * Iteration of active and paused pollers
 * ------------------------------------------------------------------------- */

TEST(poller_iterate_active_and_paused)
{
	struct spdk_thread *t;
	struct spdk_poller *p[4], *it;

	ut_threads_init(1);
	t = ut_thread(0);
	ut_set_thread(0);
	ASSERT_NULL(spdk_thread_get_first_active_poller(t));
	ASSERT_NULL(spdk_thread_get_first_paused_poller(t));
	for (int i = 0; i < 4; i++) {
		p[i] = spdk_poller_register(idle_fn, NULL, 0);
	}
	/* Registration order. */
	it = spdk_thread_get_first_active_poller(t);
	for (int i = 0; i < 4; i++) {
		ASSERT_PTR_EQ(it, p[i]);
		it = spdk_thread_get_next_active_poller(it);
	}
	ASSERT_NULL(it);

	/* Pause 2 then 0 then 3: the paused list is in pause order. */
	spdk_poller_pause(p[2]);
	spdk_poller_pause(p[0]);
	ut_poll_thread(0);
	spdk_poller_pause(p[3]);
	ut_poll_thread(0);
	ASSERT_PTR_EQ(spdk_thread_get_first_active_poller(t), p[1]);
	ASSERT_NULL(spdk_thread_get_next_active_poller(p[1]));
	it = spdk_thread_get_first_paused_poller(t);
	ASSERT_PTR_EQ(it, p[2]);
	it = spdk_thread_get_next_paused_poller(it);
	ASSERT_PTR_EQ(it, p[0]);
	it = spdk_thread_get_next_paused_poller(it);
	ASSERT_PTR_EQ(it, p[3]);
	ASSERT_NULL(spdk_thread_get_next_paused_poller(it));

	/* An unregistered poller drops out of the active walk at once. */
	spdk_poller_resume(p[0]);
	spdk_poller_unregister(&p[1]);
	ASSERT_PTR_EQ(spdk_thread_get_first_active_poller(t), p[0]);
	ASSERT_NULL(spdk_thread_get_next_active_poller(p[0]));
	ASSERT_PTR_EQ(spdk_thread_get_first_paused_poller(t), p[2]);
	ASSERT_PTR_EQ(spdk_thread_get_next_paused_poller(p[2]), p[3]);
	ut_poll_thread(0);
	ASSERT_PTR_EQ(spdk_thread_get_first_active_poller(t), p[0]);
	spdk_poller_unregister(&p[0]);
	spdk_poller_unregister(&p[2]);
	spdk_poller_unregister(&p[3]);
	ut_poll_thread(0);
	ASSERT_NULL(spdk_thread_get_first_active_poller(t));
	ASSERT_NULL(spdk_thread_get_first_paused_poller(t));
	ut_threads_fini();
}

/* ---------------------------------------------------------------------------
 * Misuse
 * ------------------------------------------------------------------------- */

TEST(poller_misuse_register_without_thread_or_fn)
{
	ut_threads_init(1);
	log_capture_start();
	ut_set_thread(UT_NONE);
	ASSERT_NULL(spdk_poller_register(idle_fn, NULL, 0));
	ASSERT_TRUE(log_capture_contains("no current spdk_thread"));
	ut_set_thread(0);
	ASSERT_NULL(spdk_poller_register_named(NULL, NULL, 10, "nofn"));
	ASSERT_TRUE(log_capture_contains("NULL function"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ut_threads_fini();
}

TEST(poller_misuse_wrong_thread_leaves_poller_running)
{
	struct pctx c = { 0 };
	struct spdk_poller *copy, *pp;

	ut_threads_init(2);
	ut_set_thread(0);
	reg(&c, 0);
	copy = c.p;
	ut_set_thread(1);
	log_capture_start();
	spdk_poller_pause(c.p);
	spdk_poller_resume(c.p);
	spdk_poller_register_interrupt(c.p, NULL, NULL);
	ut_set_thread(UT_NONE);
	spdk_poller_pause(c.p);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 4);
	ASSERT_TRUE(log_capture_contains("spdk_poller_pause"));
	ASSERT_TRUE(log_capture_contains("ut_thread1"));

	/* As in SPDK, a refused unregister still clears the caller's pointer. */
	ut_set_thread(1);
	log_capture_reset();
	pp = c.p;
	spdk_poller_unregister(&pp);
	ASSERT_NULL(pp);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();

	ut_poll_thread(0);
	ASSERT_EQ(c.runs, 1);
	ASSERT_STR_EQ(spdk_poller_get_state_str(copy), "waiting");
	ut_set_thread(0);
	spdk_poller_unregister(&c.p);
	ut_threads_fini();
}

TEST(poller_misuse_null_and_double_unregister)
{
	struct spdk_poller *p = NULL, *copy;

	ut_threads_init(1);
	ut_set_thread(0);
	log_capture_start();
	spdk_poller_unregister(NULL);
	spdk_poller_unregister(&p);
	ASSERT_EQ(log_capture_total(), 0);	/* both no-ops, as documented */
	spdk_poller_pause(NULL);
	spdk_poller_resume(NULL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_TRUE(log_capture_contains("NULL poller"));

	/* A second unregister through a copy, before the slice that frees it. */
	log_capture_reset();
	p = spdk_poller_register(idle_fn, NULL, 0);
	copy = p;
	spdk_poller_unregister(&p);
	spdk_poller_unregister(&copy);
	ASSERT_NULL(copy);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_TRUE(log_capture_contains("unregistered twice"));
	log_capture_stop();
	ut_poll_thread(0);
	ASSERT_FALSE(spdk_thread_has_pollers(ut_thread(0)));
	ut_threads_fini();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk/scheduler.h on reactors driven by hand: the registries (misuse,
 * rollback of a failing init), the period and the scheduling core, rounds
 * moving threads as a test scheduler's balance() says, what a round must
 * never move (bound threads, cpumask, isolated cores), a stop asked for
 * during a round, the static scheduler (sending threads home, mappings) and
 * the cpufreq governor on a fake sysfs tree.
 *
 * As test_reactor.c: no reactor pthread; the test pthread plays every core in
 * turn, the clock is the settable test clock at 1 MHz. A round is started
 * with pw__scheduler_round_start() and driven by running the reactors'
 * iterations until nothing is left to do.
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/json.h"
#include "spdk/scheduler.h"
#include "spdk/thread.h"
#include "spdk_internal/event.h"

#include "event/event_internal.h"
#include "env/env_internal.h"
#include "ut_hand_reactor.h"

#include <sys/stat.h>

#define UT_HZ		1000000ull
#define MAX_PLAN	16

/* ---------------------------------------------------------------------------
 * Set-up and helpers (the rest in test/common/ut_hand_reactor.h)
 * ------------------------------------------------------------------------- */

static void
reactors_up(const char *mask)
{
	hand_reactors_up("test_scheduler", mask, UT_HZ, 1000);
}

static struct spdk_cpuset
mask_of2(uint32_t a, uint32_t b)
{
	struct spdk_cpuset set;

	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, a, true);
	spdk_cpuset_set_cpu(&set, b, true);
	return set;
}

/* One round from the scheduling reactor (core 0), driven to its end. */
static void
round_now(void)
{
	uint64_t before = pw__scheduler_rounds_done();

	pw__env_set_current_core(spdk_scheduler_get_scheduling_lcore());
	ASSERT_EQ(pw__scheduler_round_start(reactor(spdk_scheduler_get_scheduling_lcore())), 0);
	hand_settle();
	ASSERT_EQ(pw__scheduler_rounds_done(), before + 1);
}

/* ---------------------------------------------------------------------------
 * Test schedulers
 * ------------------------------------------------------------------------- */

/* "plan": moves thread ids to the cores the test wrote in g_plan. */
static struct {
	uint64_t	id;
	uint32_t	lcore;
	bool		mask_allows;	/* the gathered cpumask allows lcore */
} g_plan[MAX_PLAN];
static uint32_t g_plan_count;
static int g_balances, g_plan_inits, g_plan_deinits;
static uint32_t g_seen_threads;		/* threads balance() saw in the last round */
static uint32_t g_seen_count;		/* count balance() was given */
static bool g_seen_isolated[8];

static void
plan(struct spdk_thread *t, uint32_t lcore)
{
	ASSERT_LT(g_plan_count, MAX_PLAN);
	g_plan[g_plan_count].id = spdk_thread_get_id(t);
	g_plan[g_plan_count].lcore = lcore;
	g_plan_count++;
}

static int
plan_init(void)
{
	g_plan_inits++;
	return 0;
}

static void
plan_deinit(void)
{
	g_plan_deinits++;
}

static void
plan_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	g_balances++;
	g_seen_threads = 0;
	g_seen_count = count;
	for (uint32_t i = 0; i < count; i++) {
		ASSERT_EQ(cores[i].lcore, i);
		if (i < SPDK_COUNTOF(g_seen_isolated)) {
			g_seen_isolated[i] = cores[i].isolated;
		}
		for (uint32_t j = 0; j < cores[i].threads_count; j++) {
			struct spdk_scheduler_thread_info *ti = &cores[i].thread_infos[j];

			ASSERT_EQ(ti->lcore, i);
			g_seen_threads++;
			for (uint32_t k = 0; k < g_plan_count; k++) {
				if (g_plan[k].id == ti->thread_id) {
					const struct spdk_cpuset *m = pw__scheduler_thread_cpumask(i, j);

					ASSERT_NOT_NULL(m);
					g_plan[k].mask_allows = spdk_cpuset_get_cpu(m, g_plan[k].lcore);
					ti->lcore = g_plan[k].lcore;
				}
			}
		}
	}
}

static struct spdk_scheduler g_plan_sched = {
	.name = "ut_plan",
	.init = plan_init,
	.deinit = plan_deinit,
	.balance = plan_balance,
};
SPDK_SCHEDULER_REGISTER(g_plan_sched);

/* "failing": init fails. */
static int g_fail_inits;

static int
fail_init(void)
{
	g_fail_inits++;
	return -EIO;
}

static struct spdk_scheduler g_fail_sched = {
	.name = "ut_failing",
	.init = fail_init,
	.balance = plan_balance,
};
SPDK_SCHEDULER_REGISTER(g_fail_sched);

static void
plan_reset(void)
{
	g_plan_count = 0;
	g_balances = 0;
	g_plan_inits = 0;
	g_plan_deinits = 0;
	g_fail_inits = 0;
}

/* ---------------------------------------------------------------------------
 * Registry
 * ------------------------------------------------------------------------- */

static struct spdk_scheduler g_noname = { .balance = plan_balance };
static struct spdk_scheduler g_nobalance = { .name = "ut_nobalance" };
static struct spdk_scheduler g_dup = { .name = "ut_plan", .balance = plan_balance };

TEST(test_scheduler_register_misuse_is_refused)
{
	reactors_up("0x1");
	log_capture_start();
	spdk_scheduler_register(NULL);
	spdk_scheduler_register(&g_noname);
	spdk_scheduler_register(&g_nobalance);
	spdk_scheduler_register(&g_dup);
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 4);
	ASSERT_TRUE(log_capture_contains("already registered"));
	/* Not registered: cannot be selected. */
	ASSERT_EQ(spdk_scheduler_set("ut_nobalance"), -EINVAL);
	hand_reactors_down();
}

TEST(test_scheduler_default_is_static_and_unknown_name_is_einval)
{
	reactors_up("0x3");
	ASSERT_NOT_NULL(spdk_scheduler_get());
	ASSERT_STR_EQ(spdk_scheduler_get()->name, "static");
	ASSERT_EQ(spdk_scheduler_get_period(), 0);
	log_capture_start();
	ASSERT_EQ(spdk_scheduler_set("no_such_scheduler"), -EINVAL);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("no_such_scheduler"));
	ASSERT_STR_EQ(spdk_scheduler_get()->name, "static");

	/* NULL unsets; the framework puts static back at the next init. */
	ASSERT_EQ(spdk_scheduler_set(NULL), 0);
	ASSERT_NULL(spdk_scheduler_get());
	hand_reactors_down();
	ASSERT_NULL(spdk_scheduler_get());
	reactors_up("0x3");
	ASSERT_STR_EQ(spdk_scheduler_get()->name, "static");
	ASSERT_EQ(spdk_scheduler_get_period(), 0);
	hand_reactors_down();
}

TEST(test_scheduler_failing_init_restores_the_previous_one)
{
	reactors_up("0x3");
	plan_reset();
	ASSERT_EQ(spdk_scheduler_set("ut_plan"), 0);
	ASSERT_EQ(g_plan_inits, 1);
	/* The same one again: nothing happens. */
	ASSERT_EQ(spdk_scheduler_set("ut_plan"), 0);
	ASSERT_EQ(g_plan_inits, 1);
	ASSERT_EQ(g_plan_deinits, 0);

	log_capture_start();
	ASSERT_EQ(spdk_scheduler_set("ut_failing"), -EIO);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("ut_failing"));
	ASSERT_EQ(g_fail_inits, 1);
	ASSERT_PTR_EQ(spdk_scheduler_get(), &g_plan_sched);
	/* Deinitialised for the attempt, initialised again after it. */
	ASSERT_EQ(g_plan_deinits, 1);
	ASSERT_EQ(g_plan_inits, 2);
	hand_reactors_down();
	ASSERT_EQ(g_plan_deinits, 2);
}

TEST(test_scheduler_period_and_scheduling_core)
{
	reactors_up("0x5");
	spdk_scheduler_set_period(1500);
	ASSERT_EQ(spdk_scheduler_get_period(), 1500);
	ASSERT_EQ(pw__scheduler_period_tsc(), 1500);	/* 1 MHz clock */
	spdk_scheduler_set_period(0);
	ASSERT_EQ(spdk_scheduler_get_period(), 0);
	ASSERT_EQ(pw__scheduler_period_tsc(), 0);
	ASSERT_EQ(pw__scheduler_round_due(reactor(0)), UINT64_MAX);

	ASSERT_EQ(spdk_scheduler_get_scheduling_lcore(), 0);
	log_capture_start();
	ASSERT_FALSE(spdk_scheduler_set_scheduling_lcore(1));	/* not in the mask */
	ASSERT_FALSE(spdk_scheduler_set_scheduling_lcore(4096));
	log_capture_stop();
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	ASSERT_EQ(spdk_scheduler_get_scheduling_lcore(), 0);
	ASSERT_TRUE(spdk_scheduler_set_scheduling_lcore(2));
	ASSERT_EQ(spdk_scheduler_get_scheduling_lcore(), 2);
	spdk_scheduler_set_period(10);
	ASSERT_EQ(pw__scheduler_round_due(reactor(0)), UINT64_MAX);
	ASSERT_NE(pw__scheduler_round_due(reactor(2)), UINT64_MAX);
	hand_reactors_down();
	/* Back to the defaults. */
	ASSERT_EQ(spdk_scheduler_get_period(), 0);
}

/* ---------------------------------------------------------------------------
 * Rounds
 * ------------------------------------------------------------------------- */

TEST(test_round_moves_threads_as_balance_says)
{
	struct spdk_thread *a, *b, *c;

	reactors_up("0x7");
	plan_reset();
	ASSERT_EQ(spdk_scheduler_set("ut_plan"), 0);
	a = hand_thread_placed("a", 0, NULL);
	b = hand_thread_placed("b", 1, NULL);
	c = hand_thread_placed("c", 2, NULL);

	/* Nothing planned: nothing moves. */
	round_now();
	ASSERT_EQ(g_balances, 1);
	ASSERT_EQ(g_seen_threads, 3);
	ASSERT_EQ(g_seen_count, 3);
	ASSERT_TRUE(hand_holds(reactor(0), a) && hand_holds(reactor(1), b) && hand_holds(reactor(2), c));

	/* Consolidate on core 0, and a to core 2. */
	plan(b, 0);
	plan(c, 0);
	plan(a, 2);
	round_now();
	ASSERT_EQ(g_balances, 2);
	ASSERT_TRUE(hand_holds(reactor(0), b));
	ASSERT_TRUE(hand_holds(reactor(0), c));
	ASSERT_TRUE(hand_holds(reactor(2), a));
	ASSERT_EQ(reactor(1)->thread_count, 0);
	ASSERT_EQ(pw__scheduler_moves_applied(), 3);
	ASSERT_EQ(pw__scheduler_moves_refused(), 0);
	ASSERT_EQ(((struct spdk_lw_thread *)spdk_thread_get_ctx(b))->lcore, 0);

	/* Messages still reach a moved thread. */
	hand_exit_all();
	hand_reactors_down();
}

TEST(test_round_leaves_bound_threads_cpumask_and_isolated_cores_alone)
{
	struct spdk_cpuset one, two, iso;
	struct spdk_thread *pinned, *bound, *narrow, *on_iso, *free_t;

	reactors_up("0x7");
	plan_reset();
	ASSERT_EQ(spdk_scheduler_set("ut_plan"), 0);
	spdk_cpuset_zero(&one);
	spdk_cpuset_set_cpu(&one, 1, true);
	two = mask_of2(0, 1);
	pinned = hand_thread_placed("pinned", 1, &one);		/* cpumask of one core */
	bound = hand_thread_placed("bound", 1, NULL);		/* spdk_thread_bind() */
	spdk_set_thread(bound);
	spdk_thread_bind(bound, true);
	spdk_set_thread(NULL);
	narrow = hand_thread_placed("narrow", 1, &two);		/* may not go to core 2 */
	on_iso = hand_thread_placed("on_iso", 2, NULL);		/* on the isolated core */
	free_t = hand_thread_placed("free", 1, NULL);		/* may go anywhere but core 2 */

	spdk_cpuset_zero(&iso);
	spdk_cpuset_set_cpu(&iso, 2, true);
	pw__scheduler_set_isolated_cores(&iso);

	plan(pinned, 0);
	plan(bound, 0);
	plan(narrow, 2);
	plan(on_iso, 0);
	plan(free_t, 2);
	round_now();
	/* balance() saw each thread's cpumask as gathered. */
	ASSERT_FALSE(g_plan[0].mask_allows);	/* pinned to 1 */
	ASSERT_TRUE(g_plan[1].mask_allows);	/* bound, but any mask */
	ASSERT_FALSE(g_plan[2].mask_allows);	/* narrow: 0-1 */
	ASSERT_TRUE(g_plan[4].mask_allows);
	ASSERT_NULL(pw__scheduler_thread_cpumask(0, 1000));
	ASSERT_TRUE(g_seen_isolated[2]);
	ASSERT_FALSE(g_seen_isolated[0]);
	ASSERT_TRUE(hand_holds(reactor(1), pinned));
	ASSERT_TRUE(hand_holds(reactor(1), bound));
	ASSERT_TRUE(hand_holds(reactor(1), narrow));
	ASSERT_TRUE(hand_holds(reactor(2), on_iso));
	ASSERT_TRUE(hand_holds(reactor(1), free_t));
	ASSERT_EQ(pw__scheduler_moves_applied(), 0);
	ASSERT_EQ(pw__scheduler_moves_refused(), 5);

	/* The same thread may move where it is allowed to. */
	g_plan_count = 0;
	plan(free_t, 0);
	round_now();
	ASSERT_TRUE(hand_holds(reactor(0), free_t));
	ASSERT_EQ(pw__scheduler_moves_applied(), 1);

	pw__scheduler_set_isolated_cores(NULL);
	spdk_set_thread(bound);
	spdk_thread_bind(bound, false);
	spdk_set_thread(NULL);
	hand_exit_all();
	hand_reactors_down();
}

TEST(test_round_reports_each_threads_last_period)
{
	struct spdk_thread *a;
	struct spdk_thread_stats st;

	reactors_up("0x3");
	plan_reset();
	ASSERT_EQ(spdk_scheduler_set("ut_plan"), 0);
	a = hand_thread_placed("a", 1, NULL);
	round_now();
	/* The totals so far are the round's baseline: the next round's
	 * current_stats count only what came after. */
	spdk_set_thread(a);
	ASSERT_EQ(spdk_thread_get_stats(&st), 0);
	spdk_set_thread(NULL);
	ASSERT_EQ(((struct spdk_lw_thread *)spdk_thread_get_ctx(a))->round_stats.idle_tsc,
		  st.idle_tsc);
	hand_exit_all();
	hand_reactors_down();
}

/* A stop asked for while a round runs waits for the round's end: the moves
 * are applied, and only then does the stop's walk start. */
TEST(test_stop_during_a_round_waits_for_its_end)
{
	struct spdk_thread *a;

	reactors_up("0x3");
	plan_reset();
	ASSERT_EQ(spdk_scheduler_set("ut_plan"), 0);
	a = hand_thread_placed("a", 1, NULL);
	plan(a, 0);

	pw__env_set_current_core(0);
	ASSERT_EQ(pw__scheduler_round_start(reactor(0)), 0);
	ASSERT_TRUE(pw__reactors_round_in_progress());
	/* A second round cannot start meanwhile. */
	ASSERT_EQ(pw__scheduler_round_start(reactor(0)), -EBUSY);
	run_once(0);		/* gather on core 0 */
	spdk_reactors_stop(NULL);
	/* The round goes on to its end; the stop does not happen meanwhile. */
	for (int i = 0; pw__reactors_round_in_progress(); i++) {
		ASSERT_LT(i, 100);
		ASSERT_EQ(pw__reactors_state(), SPDK_REACTOR_STATE_INITIALIZED);
		run_once(i % 2);
	}
	ASSERT_EQ(g_balances, 1);
	ASSERT_EQ(pw__scheduler_rounds_done(), 1);
	ASSERT_EQ(pw__scheduler_moves_applied(), 1);
	/* No round may start once stopping. */
	pw__env_set_current_core(0);
	ASSERT_EQ(pw__scheduler_round_start(reactor(0)), -ESHUTDOWN);
	/* Then the stop: its walk (not run to its end here: the reactors never
	 * ran, fini drops it) was started by the round's end. */
	for (int i = 0; !hand_holds(reactor(0), a); i++) {
		ASSERT_LT(i, 100);
		run_once(1);
		run_once(0);
	}
	spdk_set_thread(a);
	spdk_thread_exit(a);
	spdk_set_thread(NULL);
	run_once(0);
	ASSERT_EQ(reactor(0)->thread_count, 0);
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * The static scheduler
 * ------------------------------------------------------------------------- */

TEST(test_static_sends_threads_home_when_selected_again)
{
	struct spdk_thread *a, *b;

	reactors_up("0x7");
	plan_reset();
	a = hand_thread_placed("a", 1, NULL);
	b = hand_thread_placed("b", 2, NULL);
	ASSERT_EQ(spdk_scheduler_set("ut_plan"), 0);
	plan(a, 0);
	plan(b, 0);
	round_now();
	ASSERT_TRUE(hand_holds(reactor(0), a) && hand_holds(reactor(0), b));

	/* Static again: it asks for one round, which sends them home and
	 * stops the rounds. */
	ASSERT_EQ(spdk_scheduler_set("static"), 0);
	ASSERT_NE(spdk_scheduler_get_period(), 0);
	round_now();
	ASSERT_TRUE(hand_holds(reactor(1), a));
	ASSERT_TRUE(hand_holds(reactor(2), b));
	ASSERT_EQ(spdk_scheduler_get_period(), 0);
	hand_exit_all();
	hand_reactors_down();
}

static int static_set_mappings(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
static_set_mappings(const char *fmt, ...)
{
	char json[256];
	struct spdk_json_val vals[16];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(json, sizeof(json), fmt, ap);
	va_end(ap);
	n = spdk_json_parse(json, strlen(json), vals, SPDK_COUNTOF(vals), NULL, 0);
	ASSERT_GT(n, 0);
	return spdk_scheduler_get()->set_opts(vals);
}

TEST(test_static_mappings_move_threads_and_bad_ones_are_refused)
{
	struct spdk_cpuset two = mask_of2(0, 1);
	struct spdk_thread *a, *narrow;

	reactors_up("0x7");
	a = hand_thread_placed("a", 1, NULL);
	narrow = hand_thread_placed("narrow", 1, &two);
	ASSERT_STR_EQ(spdk_scheduler_get()->name, "static");

	log_capture_start();
	ASSERT_EQ(static_set_mappings("{\"mappings\": \"%" PRIu64 ",9\"}", spdk_thread_get_id(a)),
		  -EINVAL);
	ASSERT_EQ(static_set_mappings("{\"mappings\": \"%" PRIu64 ",2\"}",
				      spdk_thread_get_id(narrow)), -EINVAL);
	ASSERT_EQ(static_set_mappings("{\"mappings\": \"999999,0\"}"), -EINVAL);
	ASSERT_EQ(static_set_mappings("{\"mappings\": \"garbage\"}"), -EINVAL);
	ASSERT_EQ(static_set_mappings("{\"mappings\": 5}"), -EINVAL);
	log_capture_stop();
	/* Each said what was wrong. */
	ASSERT_TRUE(log_capture_contains("core 9 has no reactor"));
	ASSERT_TRUE(log_capture_contains("not in the cpumask"));
	ASSERT_TRUE(log_capture_contains("no thread with id 999999"));
	ASSERT_TRUE(log_capture_contains("bad mappings"));
	ASSERT_TRUE(log_capture_contains("must be a string"));
	ASSERT_EQ(spdk_scheduler_get_period(), 0);

	ASSERT_EQ(static_set_mappings("{\"mappings\": \"%" PRIu64 ",2:%" PRIu64 ",0\"}",
				      spdk_thread_get_id(a), spdk_thread_get_id(narrow)), 0);
	ASSERT_NE(spdk_scheduler_get_period(), 0);
	round_now();
	ASSERT_TRUE(hand_holds(reactor(2), a));
	ASSERT_TRUE(hand_holds(reactor(0), narrow));
	ASSERT_EQ(spdk_scheduler_get_period(), 0);
	hand_exit_all();
	hand_reactors_down();
}

/* ---------------------------------------------------------------------------
 * Governors
 * ------------------------------------------------------------------------- */

static char g_root[128];

static void
put(const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpu0/cpufreq/%s", g_root, file);
	f = fopen(path, "w");
	ASSERT_NOT_NULL(f);
	fputs(text, f);
	fclose(f);
}

static void
get(const char *file, char *buf, size_t len)
{
	char path[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/cpu0/cpufreq/%s", g_root, file);
	f = fopen(path, "r");
	ASSERT_NOT_NULL(f);
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n') {
		buf[n - 1] = '\0';
	}
}

static void
fake_sysfs(void)
{
	char path[256];

	snprintf(g_root, sizeof(g_root), "/tmp/pw_test_governor.%d", (int)getpid());
	snprintf(path, sizeof(path), "%s/cpu0/cpufreq", g_root);
	mkdir(g_root, 0700);
	snprintf(path, sizeof(path), "%s/cpu0", g_root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/cpu0/cpufreq", g_root);
	mkdir(path, 0700);
	put("scaling_available_frequencies", "2000000 1000000 1500000\n");
	put("scaling_cur_freq", "2000000\n");
	put("scaling_governor", "performance\n");
	put("scaling_setspeed", "<unsupported>\n");
	put("scaling_driver", "acpi-cpufreq\n");
}

static void
fake_sysfs_remove(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_root);
	ASSERT_EQ(system(cmd), 0);
}

TEST(test_governor_cpufreq_on_a_fake_sysfs)
{
	struct spdk_governor *g;
	uint32_t freqs[SPDK_MAX_LCORE_FREQS];
	char buf[64];

	reactors_up("0x1");
	fake_sysfs();
	pw__governor_set_sysfs_root(g_root);
	ASSERT_NULL(spdk_governor_get());
	log_capture_start();
	ASSERT_EQ(spdk_governor_set("no_such_governor"), -EINVAL);
	log_capture_stop();
	ASSERT_EQ(spdk_governor_set("cpufreq"), 0);
	g = spdk_governor_get();
	ASSERT_NOT_NULL(g);
	get("scaling_governor", buf, sizeof(buf));
	ASSERT_STR_EQ(buf, "userspace");

	ASSERT_EQ(g->get_core_avail_freqs(0, freqs, SPDK_COUNTOF(freqs)), 3);
	ASSERT_EQ(freqs[0], 2000000);
	ASSERT_EQ(freqs[2], 1000000);
	ASSERT_EQ(g->get_core_avail_freqs(0, freqs, 2), 0);	/* too small */
	ASSERT_EQ(g->get_core_curr_freq(0), 2000000);
	ASSERT_EQ(g->core_freq_up(0), 0);			/* already at max */
	ASSERT_EQ(g->core_freq_down(0), 1);
	get("scaling_setspeed", buf, sizeof(buf));
	ASSERT_STR_EQ(buf, "1500000");
	put("scaling_cur_freq", "1500000\n");
	ASSERT_EQ(g->set_core_freq_min(0), 1);
	get("scaling_setspeed", buf, sizeof(buf));
	ASSERT_STR_EQ(buf, "1000000");
	put("scaling_cur_freq", "1000000\n");
	ASSERT_EQ(g->set_core_freq_min(0), 0);
	ASSERT_EQ(g->set_core_freq_max(0), 1);
	get("scaling_setspeed", buf, sizeof(buf));
	ASSERT_STR_EQ(buf, "2000000");

	/* Unset: the saved cpufreq governor is back. */
	ASSERT_EQ(spdk_governor_set(NULL), 0);
	get("scaling_governor", buf, sizeof(buf));
	ASSERT_STR_EQ(buf, "performance");
	fake_sysfs_remove();

	/* No cpufreq at all (a VM): refused, and said so. */
	log_capture_start();
	ASSERT_EQ(spdk_governor_set("cpufreq"), -ENOTSUP);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("no cpufreq"));
	ASSERT_NULL(spdk_governor_get());
	pw__governor_set_sysfs_root(NULL);
	hand_reactors_down();
}

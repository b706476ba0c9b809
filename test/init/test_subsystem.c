/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The subsystem registry and its chains (lib/init/subsystem.c): dependency
 * order (chains, diamonds, SPDK's pass order, 200 subsystems on random
 * DAGs), reverse teardown, failing inits, reports from another spdk_thread,
 * fini during init, restarts, and every refusal with its message.
 *
 * Each test starts from an empty registry (pw__subsystem_reset_for_tests())
 * and registers its own subsystems from a pool of 256, each with its own
 * init/fini functions (they take no argument, so identity needs one function
 * per subsystem) that record the call and then act as g_mode[i] says.
 * Threads: the simulator of test/common/ut_thread.h; thread 0 is the app
 * thread, thread 1 another spdk_thread.
 */

#include "harness.h"
#include "log_capture.h"
#include "ut_thread.h"

#include "init/init_internal.h"
#include "spdk/init.h"

#define POOL	256

enum mode {
	M_SYNC = 0,	/* report 0 from inside the call */
	M_FAIL,		/* report g_fail_rc from inside the call */
	M_DEFER,	/* report later: the test calls *_next itself */
	M_TWICE,	/* report 0 twice from inside the call (misuse) */
};

struct event {
	bool	init;	/* init (true) or fini */
	int	idx;
};

static struct spdk_subsystem g_subs[POOL];
static char g_names[POOL][16];
static enum mode g_mode[POOL];
static int g_fail_rc = -EIO;
static struct event g_ev[4 * POOL];
static int g_nev;
static int g_init_rc;
static int g_init_calls;
static int g_fini_calls;
static uintptr_t g_stack_lo = UINTPTR_MAX;
static uintptr_t g_stack_hi;

static void
record(int idx, bool init)
{
	volatile char here;
	uintptr_t sp = (uintptr_t)&here;

	ASSERT_LT(g_nev, (int)SPDK_COUNTOF(g_ev));
	g_ev[g_nev].init = init;
	g_ev[g_nev].idx = idx;
	g_nev++;
	if (sp < g_stack_lo) {
		g_stack_lo = sp;
	}
	if (sp > g_stack_hi) {
		g_stack_hi = sp;
	}
	switch (g_mode[idx]) {
	case M_SYNC:
		break;
	case M_FAIL:
		if (init) {
			spdk_subsystem_init_next(g_fail_rc);
			return;
		}
		break;
	case M_DEFER:
		return;
	case M_TWICE:
		if (init) {
			spdk_subsystem_init_next(0);
		} else {
			spdk_subsystem_fini_next();
		}
		break;
	}
	if (init) {
		spdk_subsystem_init_next(0);
	} else {
		spdk_subsystem_fini_next();
	}
}

#define FN(i)									\
	static void init_##i(void) { record(0x##i, true); }			\
	static void fini_##i(void) { record(0x##i, false); }
#define FN16(h) FN(h##0) FN(h##1) FN(h##2) FN(h##3) FN(h##4) FN(h##5) FN(h##6) FN(h##7) \
	FN(h##8) FN(h##9) FN(h##a) FN(h##b) FN(h##c) FN(h##d) FN(h##e) FN(h##f)
FN16(0) FN16(1) FN16(2) FN16(3) FN16(4) FN16(5) FN16(6) FN16(7)
FN16(8) FN16(9) FN16(a) FN16(b) FN16(c) FN16(d) FN16(e) FN16(f)

#define FP(i) { init_##i, fini_##i },
#define FP16(h) FP(h##0) FP(h##1) FP(h##2) FP(h##3) FP(h##4) FP(h##5) FP(h##6) FP(h##7) \
	FP(h##8) FP(h##9) FP(h##a) FP(h##b) FP(h##c) FP(h##d) FP(h##e) FP(h##f)
static const struct {
	void (*init)(void);
	void (*fini)(void);
} g_fns[POOL] = {
	FP16(0) FP16(1) FP16(2) FP16(3) FP16(4) FP16(5) FP16(6) FP16(7)
	FP16(8) FP16(9) FP16(a) FP16(b) FP16(c) FP16(d) FP16(e) FP16(f)
};

static struct spdk_subsystem_depend g_deps[8 * POOL];
static int g_ndeps;

static void
setup(uint32_t threads)
{
	ut_threads_init(threads);
	ut_set_thread(0);
	pw__subsystem_reset_for_tests();
	memset(g_subs, 0, sizeof(g_subs));
	memset(g_mode, 0, sizeof(g_mode));
	g_nev = 0;
	g_ndeps = 0;
	g_init_rc = 1;
	g_init_calls = 0;
	g_fini_calls = 0;
	for (int i = 0; i < POOL; i++) {
		snprintf(g_names[i], sizeof(g_names[i]), "s%d", i);
	}
}

static void
teardown(void)
{
	ut_threads_fini();
}

/* Register pool subsystem i, named g_names[i] (tests may rename it first). */
static void
reg(int i)
{
	g_subs[i].name = g_names[i];
	g_subs[i].init = g_fns[i].init;
	g_subs[i].fini = g_fns[i].fini;
	spdk_add_subsystem(&g_subs[i]);
}

/* "Subsystem a needs subsystem b." */
static void
dep(int a, int b)
{
	struct spdk_subsystem_depend *d = &g_deps[g_ndeps++];

	d->name = g_names[a];
	d->depends_on = g_names[b];
	spdk_add_subsystem_depend(d);
}

static void
dep_names(const char *a, const char *b)
{
	struct spdk_subsystem_depend *d = &g_deps[g_ndeps++];

	d->name = a;
	d->depends_on = b;
	spdk_add_subsystem_depend(d);
}

static void
on_init_done(int rc, void *arg)
{
	ASSERT_PTR_EQ(arg, &g_init_rc);
	ASSERT_TRUE(spdk_thread_is_app_thread(NULL));
	g_init_rc = rc;
	g_init_calls++;
}

static void
on_fini_done(void *arg)
{
	ASSERT_PTR_EQ(arg, &g_fini_calls);
	ASSERT_TRUE(spdk_thread_is_app_thread(NULL));
	g_fini_calls++;
}

static void
start(void)
{
	spdk_subsystem_init(on_init_done, &g_init_rc);
}

static void
stop(void)
{
	spdk_subsystem_fini(on_fini_done, &g_fini_calls);
}

/* The events since index from must be exactly: kind, then the n indices. */
static void
expect_events(int from, bool init, const int *idx, int n)
{
	ASSERT_EQ(g_nev - from, n);
	for (int i = 0; i < n; i++) {
		ASSERT_EQ(g_ev[from + i].init, init);
		ASSERT_EQ(g_ev[from + i].idx, idx[i]);
	}
}

/* The registry's order must be exactly the n indices. */
static void
expect_order(const int *idx, int n)
{
	struct spdk_subsystem *s = pw__subsystem_get_first();

	for (int i = 0; i < n; i++) {
		ASSERT_NOT_NULL(s);
		ASSERT_PTR_EQ(s, &g_subs[idx[i]]);
		s = pw__subsystem_get_next(s);
	}
	ASSERT_NULL(s);
}

/* ---------------------------------------------------------------------------
 * Order
 * ------------------------------------------------------------------------- */

TEST(chain_registered_backwards_inits_forwards_and_finishes_backwards)
{
	const int fwd[] = {0, 1, 2}, back[] = {2, 1, 0};

	setup(1);
	reg(2);
	reg(1);
	reg(0);
	dep(2, 1);
	dep(1, 0);
	start();
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, 0);
	expect_events(0, true, fwd, 3);
	expect_order(fwd, 3);
	stop();
	ASSERT_EQ(g_fini_calls, 1);
	expect_events(3, false, back, 3);
	teardown();
}

TEST(diamond_follows_spdk_pass_order)
{
	/* 3 needs 1 and 2, both need 0; registered 3, 2, 1, 0. SPDK's passes:
	 * first 0; then 2 and 1 (list order); then 3. */
	const int want[] = {0, 2, 1, 3}, back[] = {3, 1, 2, 0};

	setup(1);
	reg(3);
	reg(2);
	reg(1);
	reg(0);
	dep(3, 1);
	dep(3, 2);
	dep(1, 0);
	dep(2, 0);
	start();
	ASSERT_EQ(g_init_rc, 0);
	expect_events(0, true, want, 4);
	stop();
	expect_events(4, false, back, 4);
	teardown();
}

TEST(independent_subsystems_keep_registration_order)
{
	const int want[] = {5, 3, 9, 1};

	setup(1);
	for (int i = 0; i < 4; i++) {
		reg(want[i]);
	}
	start();
	ASSERT_EQ(g_init_rc, 0);
	expect_events(0, true, want, 4);
	teardown();
}

TEST(pass_order_is_spdk_not_smallest_first)
{
	/* Registered 0 (needs 2), 1, 2, 3 (needs 1). One pass places 1, 2 and
	 * 3; 0 waits for the next pass: 1 2 3 0 (a "smallest ready first"
	 * sort would give 1 2 0 3). */
	const int want[] = {1, 2, 3, 0};

	setup(1);
	for (int i = 0; i < 4; i++) {
		reg(i);
	}
	dep(0, 2);
	dep(3, 1);
	start();
	ASSERT_EQ(g_init_rc, 0);
	expect_events(0, true, want, 4);
	expect_order(want, 4);
	/* Sorting again (a second start) keeps the order. */
	stop();
	g_nev = 0;
	start();
	expect_events(0, true, want, 4);
	teardown();
}

static uint64_t g_rand;

static uint32_t
rnd(uint32_t n)
{
	g_rand = g_rand * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(g_rand >> 33) % n;
}

TEST(two_hundred_subsystems_on_random_dags)
{
	enum { N = 200 };
	int rank_of[N], pos[N], perm[N];

	setup(1);
	for (uint64_t seed = 1; seed <= 25; seed++) {
		int edges = 0;

		pw__subsystem_reset_for_tests();
		g_ndeps = 0;
		g_nev = 0;
		g_init_calls = 0;
		g_fini_calls = 0;
		g_rand = seed;
		/* A random rank per subsystem; dependencies only on lower ranks
		 * (acyclic); registration in another random order. */
		for (int i = 0; i < N; i++) {
			perm[i] = i;
		}
		for (int i = N - 1; i > 0; i--) {
			int j = (int)rnd((uint32_t)i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (int i = 0; i < N; i++) {
			rank_of[perm[i]] = i;
		}
		for (int i = N - 1; i > 0; i--) {
			int j = (int)rnd((uint32_t)i + 1), t = perm[i];

			perm[i] = perm[j];
			perm[j] = t;
		}
		for (int i = 0; i < N; i++) {
			reg(perm[i]);
		}
		for (int a = 0; a < N; a++) {
			int k = (int)rnd(10);

			for (int e = 0; e < k && g_ndeps < (int)SPDK_COUNTOF(g_deps); e++) {
				int b = (int)rnd(N);

				if (rank_of[b] < rank_of[a]) {
					dep(a, b);
					edges++;
				}
			}
		}
		ASSERT_GT(edges, N);	/* about 2.25 per subsystem */
		start();
		ASSERT_EQ(g_init_calls, 1);
		ASSERT_EQ(g_init_rc, 0);
		ASSERT_EQ(g_nev, N);
		for (int i = 0; i < N; i++) {
			pos[i] = -1;
		}
		for (int i = 0; i < N; i++) {
			ASSERT_TRUE(g_ev[i].init);
			ASSERT_EQ(pos[g_ev[i].idx], -1);	/* once each */
			pos[g_ev[i].idx] = i;
		}
		for (int k = 0; k < g_ndeps; k++) {
			int a = atoi(g_deps[k].name + 1), b = atoi(g_deps[k].depends_on + 1);

			ASSERT_LT(pos[b], pos[a]);
		}
		stop();
		ASSERT_EQ(g_fini_calls, 1);
		ASSERT_EQ(g_nev, 2 * N);
		for (int i = 0; i < N; i++) {
			ASSERT_FALSE(g_ev[N + i].init);
			ASSERT_EQ(g_ev[N + i].idx, g_ev[N - 1 - i].idx);
		}
	}
	teardown();
}

TEST(long_synchronous_chain_does_not_recurse)
{
	/* 256 subsystems in a chain, each reporting from inside its init: the
	 * loop takes each report, so every init runs at the same stack depth
	 * (a recursive chain would go deeper by a frame or more per subsystem). */
	setup(1);
	for (int i = POOL - 1; i >= 0; i--) {
		reg(i);
	}
	for (int i = 1; i < POOL; i++) {
		dep(i, i - 1);
	}
	g_stack_lo = UINTPTR_MAX;
	g_stack_hi = 0;
	start();
	ASSERT_EQ(g_init_rc, 0);
	ASSERT_EQ(g_nev, POOL);
	ASSERT_LT(g_stack_hi - g_stack_lo, 512);
	stop();
	ASSERT_EQ(g_nev, 2 * POOL);
	ASSERT_LT(g_stack_hi - g_stack_lo, 512);
	teardown();
}

TEST(subsystems_without_init_or_fini_count_as_done)
{
	const int inits[] = {0, 2}, finis[] = {1, 0};

	setup(1);
	reg(0);
	reg(1);
	reg(2);
	g_subs[1].init = NULL;	/* still finished */
	g_subs[2].fini = NULL;	/* still initialised, skipped at fini */
	start();
	ASSERT_EQ(g_init_rc, 0);
	expect_events(0, true, inits, 2);
	stop();
	ASSERT_EQ(g_fini_calls, 1);
	expect_events(2, false, finis, 2);
	teardown();
}

TEST(no_subsystems_completes_at_once)
{
	setup(1);
	start();
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, 0);
	stop();
	ASSERT_EQ(g_fini_calls, 1);
	ASSERT_EQ(g_nev, 0);
	teardown();
}

/* ---------------------------------------------------------------------------
 * Failures
 * ------------------------------------------------------------------------- */

TEST(failing_init_stops_chain_and_fini_finishes_exactly_the_initialised)
{
	const int inits[] = {0, 1, 2}, finis[] = {1, 0};

	setup(1);
	for (int i = 0; i < 4; i++) {
		reg(i);
	}
	g_mode[2] = M_FAIL;
	g_fail_rc = -EIO;
	log_capture_start();
	start();
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, -EIO);
	expect_events(0, true, inits, 3);	/* 3 never initialised */
	ASSERT_TRUE(log_capture_contains("Init subsystem s2 failed"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	/* A second start is refused until the teardown. */
	start();
	ASSERT_EQ(g_init_rc, -EBUSY);
	ASSERT_TRUE(log_capture_contains("subsystems are initialised (call spdk_subsystem_fini "
					 "first); refused"));
	log_capture_stop();
	stop();
	ASSERT_EQ(g_fini_calls, 1);
	expect_events(3, false, finis, 2);	/* not 2 (failed), not 3 */
	teardown();
}

TEST(first_init_failing_finishes_nothing)
{
	setup(1);
	reg(0);
	reg(1);
	g_mode[0] = M_FAIL;
	g_fail_rc = -ENODEV;
	log_capture_start();
	start();
	ASSERT_EQ(g_init_rc, -ENODEV);
	ASSERT_TRUE(log_capture_contains("Init subsystem s0 failed: No such device (-19)"));
	log_capture_stop();
	stop();
	ASSERT_EQ(g_fini_calls, 1);
	ASSERT_EQ(g_nev, 1);
	/* Nothing initialised: a new start is allowed at once. */
	g_mode[0] = M_SYNC;
	start();
	ASSERT_EQ(g_init_rc, 0);
	teardown();
}

/* ---------------------------------------------------------------------------
 * Reports from another spdk_thread, later
 * ------------------------------------------------------------------------- */

TEST(init_and_fini_completed_later_from_another_thread)
{
	const int inits[] = {0, 1, 2}, finis[] = {2, 1, 0};

	setup(2);
	reg(0);
	reg(1);
	reg(2);
	g_mode[1] = M_DEFER;
	start();
	ASSERT_EQ(g_nev, 2);
	ASSERT_EQ(g_init_calls, 0);
	/* Thread 1 reports: a message to the app thread, nothing runs here. */
	ut_set_thread(1);
	spdk_subsystem_init_next(0);
	ASSERT_EQ(g_nev, 2);
	ut_poll_thread(1);
	ASSERT_EQ(g_nev, 2);
	ut_poll_thread(0);
	ut_set_thread(0);
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, 0);
	expect_events(0, true, inits, 3);

	stop();
	ASSERT_EQ(g_nev, 5);	/* 2 then 1, which waits */
	ASSERT_EQ(g_fini_calls, 0);
	ut_set_thread(1);
	spdk_subsystem_fini_next();
	ut_poll_thread(0);
	ut_set_thread(0);
	ASSERT_EQ(g_fini_calls, 1);
	expect_events(3, false, finis, 3);
	teardown();
}

TEST(init_failure_reported_from_another_thread)
{
	const int finis[] = {0};

	setup(2);
	reg(0);
	reg(1);
	reg(2);
	g_mode[1] = M_DEFER;
	start();
	log_capture_start();
	ut_set_thread(1);
	spdk_subsystem_init_next(-ETIMEDOUT);
	ut_poll_thread(0);
	ut_set_thread(0);
	ASSERT_EQ(g_init_rc, -ETIMEDOUT);
	ASSERT_TRUE(log_capture_contains("Init subsystem s1 failed"));
	log_capture_stop();
	ASSERT_EQ(g_nev, 2);
	stop();
	expect_events(2, false, finis, 1);
	teardown();
}

TEST(fini_during_init_waits_for_the_running_init)
{
	const int finis[] = {1, 0};

	setup(1);
	reg(0);
	reg(1);
	reg(2);
	g_mode[1] = M_DEFER;
	start();
	stop();				/* 1 is still initialising */
	ASSERT_EQ(g_nev, 2);
	ASSERT_EQ(g_fini_calls, 0);
	g_mode[1] = M_SYNC;		/* its fini reports at once */
	spdk_subsystem_init_next(0);	/* 1 succeeded: it is finished too */
	ASSERT_EQ(g_init_calls, 0);	/* as SPDK: no init callback */
	ASSERT_EQ(g_fini_calls, 1);
	expect_events(2, false, finis, 2);	/* 2 never initialised */
	/* Everything is back to the start: a new start works. */
	start();
	ASSERT_EQ(g_init_rc, 0);
	teardown();
}

TEST(fini_during_init_then_the_running_init_fails)
{
	const int finis[] = {0};

	setup(1);
	reg(0);
	reg(1);
	reg(2);
	g_mode[1] = M_DEFER;
	start();
	stop();
	log_capture_start();
	spdk_subsystem_init_next(-EIO);
	ASSERT_TRUE(log_capture_contains("Init subsystem s1 failed"));
	log_capture_stop();
	ASSERT_EQ(g_init_calls, 0);
	ASSERT_EQ(g_fini_calls, 1);
	expect_events(2, false, finis, 1);
	teardown();
}

TEST(restart_after_fini_runs_the_chain_again)
{
	setup(1);
	reg(0);
	reg(1);
	dep(0, 1);
	for (int round = 0; round < 3; round++) {
		const int inits[] = {1, 0}, finis[] = {0, 1};

		g_nev = 0;
		start();
		ASSERT_EQ(g_init_calls, round + 1);
		ASSERT_EQ(g_init_rc, 0);
		expect_events(0, true, inits, 2);
		stop();
		ASSERT_EQ(g_fini_calls, round + 1);
		expect_events(2, false, finis, 2);
	}
	teardown();
}

/* ---------------------------------------------------------------------------
 * Dependency errors
 * ------------------------------------------------------------------------- */

TEST(cycle_is_refused_with_its_members_named)
{
	const int reg_order[] = {3, 0, 1, 2};

	setup(1);
	reg(3);			/* independent, registered first */
	reg(0);
	reg(1);
	reg(2);
	dep(0, 1);
	dep(1, 2);
	dep(2, 0);
	log_capture_start();
	start();
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, -EINVAL);
	ASSERT_EQ(g_nev, 0);	/* nothing initialised */
	ASSERT_TRUE(log_capture_contains("cycle: s0 -> s1 -> s2 -> s0"));
	ASSERT_TRUE(log_capture_contains("3 subsystems cannot be ordered"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	expect_order(reg_order, 4);	/* the registry is unchanged */
	stop();				/* nothing to finish */
	ASSERT_EQ(g_fini_calls, 1);
	ASSERT_EQ(g_nev, 0);
	teardown();
}

TEST(cycle_reached_through_a_dependent_and_self_dependency)
{
	setup(1);
	reg(0);
	reg(1);
	reg(2);
	dep(0, 1);		/* 0 only waits for the cycle 1 <-> 2 */
	dep(1, 2);
	dep(2, 1);
	log_capture_start();
	start();
	ASSERT_EQ(g_init_rc, -EINVAL);
	ASSERT_TRUE(log_capture_contains("cycle: s1 -> s2 -> s1 ("));
	log_capture_stop();

	pw__subsystem_reset_for_tests();
	g_ndeps = 0;
	reg(4);
	dep(4, 4);
	log_capture_start();
	start();
	ASSERT_EQ(g_init_rc, -EINVAL);
	ASSERT_TRUE(log_capture_contains("cycle: s4 -> s4 ("));
	log_capture_stop();
	ASSERT_EQ(g_nev, 0);
	teardown();
}

TEST(missing_dependencies_are_refused_with_both_names)
{
	setup(1);
	reg(0);
	reg(1);
	dep_names("s0", "nvmf");
	dep_names("bdev", "s1");
	log_capture_start();
	start();
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, -EINVAL);
	ASSERT_EQ(g_nev, 0);
	ASSERT_TRUE(log_capture_contains("'s0' depends on 'nvmf', which is not registered"));
	ASSERT_TRUE(log_capture_contains("subsystem 'bdev' is not registered, but a "
					 "dependency of it on 's1' is"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();
	teardown();
}

/* ---------------------------------------------------------------------------
 * Misuse
 * ------------------------------------------------------------------------- */

TEST(registration_misuse_is_refused_and_fails_the_start)
{
	static struct spdk_subsystem unnamed, empty = { .name = "" };
	static struct spdk_subsystem_depend half = { .name = "s0" };
	struct spdk_subsystem *s;

	setup(1);
	log_capture_start();
	spdk_add_subsystem(NULL);
	ASSERT_TRUE(log_capture_contains("NULL subsystem refused"));
	spdk_add_subsystem(&unnamed);
	spdk_add_subsystem(&empty);
	ASSERT_EQ(log_capture_count_matching("subsystem without a name refused"), 2);
	reg(0);
	spdk_add_subsystem(&g_subs[0]);
	ASSERT_TRUE(log_capture_contains("subsystem 's0' registered twice"));
	snprintf(g_names[1], sizeof(g_names[1]), "s0");
	g_subs[1].name = g_names[1];
	spdk_add_subsystem(&g_subs[1]);
	ASSERT_TRUE(log_capture_contains("two subsystems are named 's0'"));
	spdk_add_subsystem_depend(NULL);
	ASSERT_TRUE(log_capture_contains("NULL dependency refused"));
	spdk_add_subsystem_depend(&half);
	ASSERT_TRUE(log_capture_contains("dependency with a NULL name refused ('s0' on '(null)')"));
	dep(0, 0);
	spdk_add_subsystem_depend(&g_deps[0]);
	ASSERT_TRUE(log_capture_contains("dependency of 's0' on 's0' registered twice"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 8);

	/* The registry holds s0 once and nothing else; the list is intact. */
	s = pw__subsystem_get_first();
	ASSERT_PTR_EQ(s, &g_subs[0]);
	ASSERT_NULL(pw__subsystem_get_next(s));
	ASSERT_PTR_EQ(pw__subsystem_get_first_depend(), &g_deps[0]);
	ASSERT_NULL(pw__subsystem_get_next_depend(&g_deps[0]));

	start();
	ASSERT_EQ(g_init_rc, -EINVAL);
	ASSERT_TRUE(log_capture_contains("8 subsystem registration(s) were refused "
					 "(the first: spdk_add_subsystem: NULL subsystem refused)"));
	ASSERT_EQ(g_nev, 0);
	log_capture_stop();
	teardown();
}

TEST(registration_while_initialised_is_refused_without_failing_next_start)
{
	setup(1);
	reg(0);
	start();
	ASSERT_EQ(g_init_rc, 0);
	log_capture_start();
	reg(1);
	dep(1, 0);
	ASSERT_TRUE(log_capture_contains("subsystem 's1' registered while subsystems are "
					 "initialised; refused"));
	ASSERT_TRUE(log_capture_contains("dependency of 's1' on 's0' registered while"));
	log_capture_stop();
	ASSERT_NULL(pw__subsystem_get_next(pw__subsystem_get_first()));
	ASSERT_NULL(pw__subsystem_get_first_depend());
	stop();
	start();
	ASSERT_EQ(g_init_rc, 0);
	teardown();
}

TEST(chain_calls_out_of_turn_are_ignored_with_a_message)
{
	const int inits[] = {0, 1};

	setup(2);
	log_capture_start();
	spdk_subsystem_init_next(0);
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_init_next(0) while no subsystem "
					 "init is waiting for it; ignored"));
	spdk_subsystem_fini_next();
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_fini_next() while no subsystem "
					 "fini is waiting"));

	/* A subsystem reporting twice: the second report is refused, the chain
	 * goes on once. */
	reg(0);
	reg(1);
	g_mode[0] = M_TWICE;
	log_capture_reset();
	start();
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, 0);
	expect_events(0, true, inits, 2);
	ASSERT_EQ(log_capture_count_matching("init_next(0) while no subsystem init is waiting"), 1);

	/* Same for fini. */
	log_capture_reset();
	stop();
	ASSERT_EQ(g_fini_calls, 1);
	ASSERT_EQ(g_nev, 4);
	ASSERT_EQ(log_capture_count_matching("fini_next() while no subsystem fini"), 1);

	/* A report from another thread with no chain: the message arrives and
	 * is refused on the app thread. */
	log_capture_reset();
	ut_set_thread(1);
	spdk_subsystem_init_next(-1);
	ut_poll_threads();
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_init_next(-1) while no subsystem"));
	ASSERT_EQ(g_init_calls, 1);
	log_capture_stop();
	teardown();
}

static void
any_thread_cb(int rc, void *arg)
{
	*(int *)arg = rc;
}

TEST(wrong_thread_and_null_callbacks_are_refused)
{
	int rc = 1;

	setup(2);
	reg(0);
	log_capture_start();
	ut_set_thread(1);
	spdk_subsystem_init(any_thread_cb, &rc);
	ASSERT_EQ(rc, -EINVAL);
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_init must be called on the app thread"));
	ASSERT_FALSE(spdk_subsystem_exists("s0"));
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_exists must be called on the app thread"));
	stop();
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_fini must be called on the app thread"));
	ASSERT_EQ(g_fini_calls, 0);
	ut_set_thread(UT_NONE);
	spdk_subsystem_init(any_thread_cb, &rc);
	ASSERT_EQ(log_capture_count_matching("must be called on the app thread"), 4);

	ut_set_thread(0);
	log_capture_reset();
	spdk_subsystem_init(NULL, NULL);
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_init: NULL callback refused"));
	spdk_subsystem_fini(NULL, NULL);
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_fini: NULL callback refused"));
	ASSERT_EQ(g_nev, 0);
	log_capture_stop();
	/* None of it changed anything. */
	start();
	ASSERT_EQ(g_init_rc, 0);
	ASSERT_EQ(g_nev, 1);
	teardown();
}

TEST(second_fini_during_teardown_is_refused)
{
	setup(1);
	reg(0);
	reg(1);
	start();
	g_mode[0] = M_DEFER;	/* its fini waits */
	stop();
	ASSERT_EQ(g_nev, 4);
	log_capture_start();
	stop();
	ASSERT_TRUE(log_capture_contains("a teardown is already running; refused"));
	log_capture_stop();
	spdk_subsystem_fini_next();
	ASSERT_EQ(g_fini_calls, 1);
	ASSERT_EQ(g_nev, 4);
	teardown();
}

TEST(init_while_initialising_is_refused)
{
	setup(1);
	reg(0);
	g_mode[0] = M_DEFER;
	start();
	log_capture_start();
	{
		int rc = 1;

		spdk_subsystem_init(any_thread_cb, &rc);
		ASSERT_EQ(rc, -EBUSY);
	}
	ASSERT_TRUE(log_capture_contains("subsystems are being initialised; refused"));
	log_capture_stop();
	spdk_subsystem_init_next(0);
	ASSERT_EQ(g_init_calls, 1);
	ASSERT_EQ(g_init_rc, 0);
	teardown();
}

TEST(exists_and_find)
{
	setup(1);
	reg(0);
	reg(1);
	ASSERT_TRUE(spdk_subsystem_exists("s0"));
	ASSERT_TRUE(spdk_subsystem_exists("s1"));
	ASSERT_FALSE(spdk_subsystem_exists("s2"));
	ASSERT_FALSE(spdk_subsystem_exists(""));
	ASSERT_FALSE(spdk_subsystem_exists(NULL));
	ASSERT_PTR_EQ(pw__subsystem_find("s1"), &g_subs[1]);
	ASSERT_NULL(pw__subsystem_find("s"));
	ASSERT_NULL(pw__subsystem_find(NULL));
	ASSERT_NULL(pw__subsystem_get_next(NULL));
	ASSERT_NULL(pw__subsystem_get_next_depend(NULL));
	teardown();
}

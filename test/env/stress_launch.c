/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress of the env core on real pthreads (run under ThreadSanitizer in CI):
 *
 *  - init / launch / wait_all / fini cycles with the main core alternating,
 *    while a foreign pthread keeps querying the core set: every answer must
 *    be one of the states the environment can be in;
 *  - two foreign pthreads racing to launch on the same core: at least one
 *    launch per round succeeds (both only when the first pthread had already
 *    returned), every other attempt gets -EEXIST, and the function runs
 *    exactly once per successful launch.
 *
 * Each test runs for a bounded time and needs two usable cpus.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "pinwheel/env.h"

#include "env/env_internal.h"
#include "harness.h"
#include "ut_stress.h"
#include "log_capture.h"

#define RUN_NS		(1500ULL * 1000 * 1000)
#define MAX_CYCLES	2000

static uint32_t g_cpu[2];

static void
pick_two_cpus(void)
{
	cpu_set_t set;
	int found = 0;

	ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
	for (uint32_t cpu = 0; cpu < 1024 && found < 2; cpu++) {
		if (CPU_ISSET(cpu, &set)) {
			g_cpu[found++] = cpu;
		}
	}
	if (found < 2) {
		TEST_SKIP("needs two usable cpus");
	}
}

static void
init_main(uint32_t main)
{
	struct spdk_env_opts opts;
	char mask[64];

	spdk_env_opts_init(&opts);
	snprintf(mask, sizeof(mask), "[%u,%u]", g_cpu[0], g_cpu[1]);
	opts.core_mask = mask;
	opts.main_core = (int)main;
	ASSERT_EQ(spdk_env_init(&opts), 0);
}

/* ---- init/fini cycles under concurrent queries ------------------------------- */

static int g_stop;

static bool
is_core_or_none(uint32_t v)
{
	return v == g_cpu[0] || v == g_cpu[1] || v == UINT32_MAX;
}

static void *
query_loop(void *arg)
{
	uint64_t *queries = arg;

	while (!__atomic_load_n(&g_stop, __ATOMIC_ACQUIRE)) {
		uint32_t count = spdk_env_get_core_count();
		uint32_t core, visited = 0;

		ASSERT_LE(count, 2);
		ASSERT_TRUE(is_core_or_none(spdk_env_get_main_core()));
		ASSERT_TRUE(is_core_or_none(spdk_env_get_first_core()));
		ASSERT_TRUE(is_core_or_none(spdk_env_get_last_core()));
		SPDK_ENV_FOREACH_CORE(core) {
			ASSERT_TRUE(is_core_or_none(core));
			ASSERT_LT(visited++, 2);
		}
		ASSERT_EQ(spdk_env_get_current_core(), SPDK_ENV_LCORE_ID_ANY);
		(*queries)++;
	}
	return NULL;
}

struct cycle_check {
	uint32_t	want_core;
	uint32_t	want_main;
	int		ok;
};

static int
check_where(void *arg)
{
	struct cycle_check *c = arg;

	c->ok = spdk_env_get_current_core() == c->want_core &&
		sched_getcpu() == (int)c->want_core &&
		spdk_env_get_main_core() == c->want_main &&
		spdk_env_get_core_count() == 2 &&
		spdk_get_ticks() > 0;
	return 0;
}

TEST_TIMEOUT(init_fini_cycles_with_concurrent_queries, 300)
{
	uint64_t deadline, queries = 0;
	pthread_t tid;
	int cycles = 0;

	pick_two_cpus();
	ASSERT_EQ(pthread_create(&tid, NULL, query_loop, &queries), 0);
	deadline = now_ns() + RUN_NS;
	while (cycles < MAX_CYCLES && (cycles < 20 || now_ns() < deadline)) {
		uint32_t main = g_cpu[cycles & 1], other = g_cpu[1 - (cycles & 1)];
		struct cycle_check c = { .want_core = other, .want_main = main };

		init_main(main);
		ASSERT_EQ(spdk_env_get_current_core(), main);
		ASSERT_EQ(spdk_env_thread_launch_pinned(other, check_where, &c), 0);
		spdk_env_thread_wait_all();
		ASSERT_EQ(c.ok, 1);
		spdk_env_fini();
		ASSERT_EQ(spdk_env_get_current_core(), SPDK_ENV_LCORE_ID_ANY);
		cycles++;
	}
	__atomic_store_n(&g_stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(pthread_join(tid, NULL), 0);
	printf("%d init/fini cycles, %" PRIu64 " concurrent queries\n", cycles, queries);
	ASSERT_GT(queries, 0);
}

/* ---- racing launches on one core ------------------------------------------- */

struct racer {
	pthread_barrier_t	*start;
	uint32_t		core;
	int			rounds;
	int			won;
	int			refused;
};

static int g_runs;

static int
count_run(void *arg)
{
	__atomic_add_fetch(&g_runs, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *
race_launch(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < r->rounds; i++) {
		int rc;

		pthread_barrier_wait(r->start);		/* everyone launches at once */
		rc = spdk_env_thread_launch_pinned(r->core, count_run, NULL);
		if (rc == 0) {
			r->won++;
		} else {
			ASSERT_EQ(rc, -EEXIST);
			r->refused++;
		}
		pthread_barrier_wait(r->start);		/* main: wait_all */
		pthread_barrier_wait(r->start);		/* round over */
	}
	return NULL;
}

TEST_TIMEOUT(racing_launches_on_one_core, 300)
{
	enum { ROUNDS = 500 };
	pthread_barrier_t start;
	struct racer racers[2];
	pthread_t tids[2];
	int won = 0, refused = 0;

	pick_two_cpus();
	init_main(g_cpu[0]);
	ASSERT_EQ(pthread_barrier_init(&start, NULL, 3), 0);
	for (int i = 0; i < 2; i++) {
		racers[i] = (struct racer) { .start = &start, .core = g_cpu[1], .rounds = ROUNDS };
		ASSERT_EQ(pthread_create(&tids[i], NULL, race_launch, &racers[i]), 0);
	}
	/* The refused launches log an error each: keep them out of the output. */
	log_capture_start();
	for (int i = 0; i < ROUNDS; i++) {
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&start);
		/* The winner's pthread may still be running, or may be done, in which
		 * case the loser's launch may legitimately have succeeded too. */
		spdk_env_thread_wait_all();
		pthread_barrier_wait(&start);
	}
	log_capture_stop();
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(tids[i], NULL), 0);
		won += racers[i].won;
		refused += racers[i].refused;
	}
	pthread_barrier_destroy(&start);
	printf("%d rounds: %d launches succeeded, %d refused\n", ROUNDS, won, refused);
	ASSERT_EQ(won + refused, 2 * ROUNDS);
	ASSERT_GE(won, ROUNDS);			/* at least one launch per round */
	ASSERT_EQ(__atomic_load_n(&g_runs, __ATOMIC_RELAXED), won);	/* each ran once */
	spdk_env_fini();
	ASSERT_FALSE(pw_env_is_initialized());
}

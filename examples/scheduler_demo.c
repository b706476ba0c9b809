/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * scheduler_demo: threads whose load changes over time, moved by a scheduler.
 *
 *   scheduler_demo [-m MASK] [-t SECONDS] [-S static|dynamic] [-P PERIOD_US] [-L scheduler]
 *
 * Six threads, created on the main core with every core in their mask:
 *   idle0, idle1   an untimed poller that never finds work (a core that hosts one polls)
 *   steady30a/b    work in 100 us units at 30% of a core
 *   full           work all the time (100%)
 *   burst          80% for 2 s, then idle for 3 s, again and again
 * Every second it prints one line per core: the core, how busy its threads
 * kept it over that second (from each thread's busy time, spdk_thread_get_stats)
 * and which threads ran there, e.g.
 *   t=3s core 0: 61% idle0 idle1 steady30a steady30b
 *   t=3s core 1: 100% full burst
 * (and "t=1s not started yet: <name>" for a thread that has not run yet).
 * With -L scheduler every move is logged with its reason and the loads that
 * decided it. Ends with "scheduler_demo: done".
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/log.h"
#include "spdk/scheduler.h"
#include "spdk/string.h"
#include "spdk/thread.h"

#include <stdatomic.h>

#define NTHREADS		6
#define MAX_CORES		64
#define UNIT_US			100
#define DEFAULT_SECONDS		10
#define MAX_SECONDS		3600

enum kind { IDLE, STEADY30, FULL, BURST };

struct demo_thread {
	const char		*name;
	enum kind		kind;
	struct spdk_thread	*thread;
	struct spdk_poller	*poller;
	uint64_t		next_tsc;	/* next work unit due (thread's own) */
	/* Written by the thread, read by the printer on the app thread: relaxed
	 * stores here pair with the relaxed loads in print_second(); a line is
	 * a snapshot, nothing else depends on their order. */
	_Atomic uint32_t	core;
	_Atomic uint64_t	busy_tsc;
	uint64_t		busy_seen;	/* app thread only */
};

static struct demo_thread g_t[NTHREADS] = {
	{ .name = "idle0", .kind = IDLE }, { .name = "idle1", .kind = IDLE },
	{ .name = "steady30a", .kind = STEADY30 }, { .name = "steady30b", .kind = STEADY30 },
	{ .name = "full", .kind = FULL }, { .name = "burst", .kind = BURST },
};

static const char *g_sched = "dynamic";
static uint64_t g_period_us = 200000;
static long g_seconds = DEFAULT_SECONDS;
static long g_elapsed;
static uint64_t g_start_tsc;
static struct spdk_poller *g_printer;

static void
spin_for(uint64_t ticks)
{
	uint64_t end = spdk_get_ticks() + ticks;

	while (spdk_get_ticks() < end) {
		spdk_pause();
	}
}

/* The load of a thread at this moment, in % of a core. */
static uint32_t
load_now(const struct demo_thread *t, uint64_t now)
{
	uint64_t hz = spdk_get_ticks_hz();

	switch (t->kind) {
	case STEADY30:
		return 30;
	case FULL:
		return 100;
	case BURST:
		return ((now - g_start_tsc) / hz) % 5 < 2 ? 80 : 0;
	case IDLE:
	default:
		return 0;
	}
}

static int
work(void *arg)
{
	struct demo_thread *t = arg;
	uint64_t hz = spdk_get_ticks_hz(), unit = hz * UNIT_US / 1000000, now = spdk_get_ticks();
	uint32_t load = load_now(t, now);
	struct spdk_thread_stats stats;
	int did = 0;

	/* relaxed: see struct demo_thread */
	atomic_store_explicit(&t->core, spdk_env_get_current_core(), memory_order_relaxed);
	if (spdk_thread_get_stats(&stats) == 0) {
		atomic_store_explicit(&t->busy_tsc, stats.busy_tsc, memory_order_relaxed);
	}
	if (load == 0) {
		t->next_tsc = now;
		return SPDK_POLLER_IDLE;
	}
	if (load >= 100) {
		spin_for(unit);
		return SPDK_POLLER_BUSY;
	}
	while (now >= t->next_tsc && did < 4) {
		spin_for(unit);
		t->next_tsc += unit * 100 / load;
		now = spdk_get_ticks();
		did++;
	}
	if (now > t->next_tsc + 2 * unit * 100 / load) {
		t->next_tsc = now;	/* fell behind (the cpu was taken): do not catch up */
	}
	return did ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void
thread_start(void *arg)
{
	struct demo_thread *t = arg;

	t->next_tsc = spdk_get_ticks();
	t->poller = SPDK_POLLER_REGISTER(work, t, 0);
	if (t->poller == NULL) {
		fprintf(stderr, "scheduler_demo: cannot register the poller of %s\n", t->name);
	}
}

static void
thread_stop(void *arg)
{
	struct demo_thread *t = arg;

	spdk_poller_unregister(&t->poller);
	spdk_thread_exit(spdk_get_thread());
}

static void
print_second(void)
{
	uint64_t hz = spdk_get_ticks_hz();
	uint64_t core_busy[MAX_CORES] = { 0 };
	uint32_t core_of[NTHREADS];
	uint32_t core, i;

	for (i = 0; i < NTHREADS; i++) {
		uint64_t busy = atomic_load_explicit(&g_t[i].busy_tsc, memory_order_relaxed);

		core_of[i] = atomic_load_explicit(&g_t[i].core, memory_order_relaxed);
		if (core_of[i] < MAX_CORES) {
			core_busy[core_of[i]] += busy - g_t[i].busy_seen;
		}
		g_t[i].busy_seen = busy;
	}
	SPDK_ENV_FOREACH_CORE(core) {
		char names[256] = "";
		size_t len = 0;

		if (core >= MAX_CORES) {
			break;
		}
		for (i = 0; i < NTHREADS; i++) {
			if (core_of[i] == core) {
				len += (size_t)snprintf(names + len, sizeof(names) - len, " %s",
							g_t[i].name);
			}
		}
		printf("t=%lds core %u: %3.0f%%%s\n", g_elapsed, core,
		       spdk_min(100.0, core_busy[core] * 100.0 / hz), names);
	}
	for (i = 0; i < NTHREADS; i++) {
		if (core_of[i] >= MAX_CORES) {
			printf("t=%lds not started yet: %s\n", g_elapsed, g_t[i].name);
		}
	}
	fflush(stdout);
}

static int
printer(void *arg)
{
	uint32_t i;

	(void)arg;
	g_elapsed++;
	print_second();
	if (g_elapsed < g_seconds) {
		return SPDK_POLLER_BUSY;
	}
	spdk_poller_unregister(&g_printer);
	for (i = 0; i < NTHREADS; i++) {
		spdk_thread_send_msg(g_t[i].thread, thread_stop, &g_t[i]);
	}
	spdk_app_stop(0);
	return SPDK_POLLER_BUSY;
}

static void
demo_start(void *arg)
{
	struct spdk_cpuset all;
	uint32_t core, i;
	int rc;

	(void)arg;
	rc = spdk_scheduler_set(g_sched);
	if (rc != 0) {
		fprintf(stderr, "scheduler_demo: cannot select scheduler '%s': %s\n", g_sched,
			spdk_strerror(-rc));
		spdk_app_stop(1);
		return;
	}
	if (strcmp(g_sched, "static") != 0) {
		spdk_scheduler_set_period(g_period_us);
	}
	printf("scheduler_demo: scheduler %s, period %" PRIu64 " us, %ld s\n", g_sched,
	       spdk_scheduler_get_period(), g_seconds);
	g_start_tsc = spdk_get_ticks();
	spdk_cpuset_zero(&all);
	SPDK_ENV_FOREACH_CORE(core) {
		spdk_cpuset_set_cpu(&all, core, true);
	}
	for (i = 0; i < NTHREADS; i++) {
		atomic_store_explicit(&g_t[i].core, UINT32_MAX, memory_order_relaxed);
		g_t[i].thread = spdk_thread_create(g_t[i].name, &all);
		if (g_t[i].thread == NULL ||
		    spdk_thread_send_msg(g_t[i].thread, thread_start, &g_t[i]) != 0) {
			fprintf(stderr, "scheduler_demo: cannot start thread %s\n", g_t[i].name);
			spdk_app_stop(1);
			return;
		}
	}
	g_printer = SPDK_POLLER_REGISTER(printer, NULL, SPDK_SEC_TO_USEC);
	if (g_printer == NULL) {
		fprintf(stderr, "scheduler_demo: cannot register the printer\n");
		spdk_app_stop(1);
	}
}

static int
parse_arg(int ch, char *arg)
{
	long v;

	switch (ch) {
	case 't':
		v = spdk_strtol(arg, 10);
		if (v < 1 || v > MAX_SECONDS) {
			fprintf(stderr, "scheduler_demo: -t wants whole seconds from 1 to %d, not '%s'\n",
				MAX_SECONDS, arg);
			return -EINVAL;
		}
		g_seconds = v;
		return 0;
	case 'S':
		if (strcmp(arg, "static") != 0 && strcmp(arg, "dynamic") != 0) {
			fprintf(stderr, "scheduler_demo: -S wants static or dynamic, not '%s'\n", arg);
			return -EINVAL;
		}
		g_sched = arg;
		return 0;
	case 'P':
		v = spdk_strtol(arg, 10);
		if (v < 1000 || v > 10000000) {
			fprintf(stderr, "scheduler_demo: -P wants a period in us from 1000 to 10000000, "
				"not '%s'\n", arg);
			return -EINVAL;
		}
		g_period_us = (uint64_t)v;
		return 0;
	default:
		return -EINVAL;
	}
}

static void
app_usage(void)
{
	printf(" -t <seconds>                run time, 1 to %d (default %d)\n", MAX_SECONDS,
	       DEFAULT_SECONDS);
	printf(" -S <scheduler>              static or dynamic (default dynamic)\n");
	printf(" -P <us>                     scheduling period of dynamic, 1000 to 10000000 "
	       "(default 200000)\n");
	printf("                             (-L scheduler logs every move and why)\n");
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	int rc;

	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "scheduler_demo";
	opts.reactor_mask = "0x3";
	opts.rpc_addr = NULL;

	switch (spdk_app_parse_args(argc, argv, &opts, "t:S:P:", NULL, parse_arg, app_usage)) {
	case SPDK_APP_PARSE_ARGS_SUCCESS:
		break;
	case SPDK_APP_PARSE_ARGS_HELP:
		return 0;
	default:
		return 1;
	}
	if (optind != argc) {
		fprintf(stderr, "scheduler_demo: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	rc = spdk_app_start(&opts, demo_start, NULL);
	spdk_app_fini();
	printf("scheduler_demo: done\n");
	return rc;
}

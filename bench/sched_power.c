/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * What the dynamic scheduler saves on the real 2-core machine: N idle
 * threads and one working thread on spdk_app_start -m 0x3, under "static"
 * and under "dynamic", process cpu and the working thread's throughput.
 *
 *   sched_power [--smoke] [--runs N] [--idle N] [--load PCT] [--period-us US]
 *               [--settle S] [--window S]
 *
 * Each idle thread has an untimed poller that finds nothing to do (as an
 * SPDK poll group with no I/O): a core that hosts one keeps polling. The
 * working thread has an untimed poller that runs work units of 20 us at a
 * fixed rate, LOAD% of a core (default 50): its throughput is the units it
 * completes per second, which equals the offered rate as long as it gets the
 * cpu it needs. The threads are created on the app thread (core 0) with the
 * full mask, so the framework places them over both cores in turn.
 *
 * Each run forks one app per scheduler, static then dynamic (period
 * --period-us, default 20,000); after --settle seconds (default 1.5) the app
 * reads its cpu time from /proc/self/task/<tid>/schedstat (all its pthreads,
 * ns) and /proc/self/stat (utime + stime), --window seconds later (default
 * 3) again, with the units completed meanwhile. Lines ("name value unit"),
 * medians over the runs:
 *   <sched>_cpu_pct          process cpu over the window, % of one core (schedstat)
 *   <sched>_cpu_stat_pct     the same from /proc/self/stat (1/CLK_TCK resolution)
 *   <sched>_units_per_s      the working thread's throughput
 *   offered_units_per_s      the rate it was asked for
 *   dynamic_vs_static_cpu    dynamic's cpu / static's
 *   dynamic_vs_static_units  dynamic's throughput / static's
 * Comment lines (#) give each run and the moves the dynamic scheduler made.
 *
 * Exit 77 when cpus 0 and 1 are not both usable.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/scheduler.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include "event/scheduler_dynamic_internal.h"

#include <dirent.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "bench_util.h"

#define MAX_RUNS	31
#define MAX_IDLE	64
#define UNIT_US		20

struct result {
	double	cpu_pct;
	double	cpu_stat_pct;
	double	units_per_s;
	double	moves;
};

static const char *g_sched;
static uint32_t g_idle = 8;
static uint32_t g_load = 50;
static uint64_t g_period_us = 20000;
static double g_settle_s = 1.5;
static double g_window_s = 3.0;

/* App state (one app per process). */
static struct spdk_thread *g_threads[MAX_IDLE + 1];
static struct spdk_poller *g_pollers[MAX_IDLE + 1];
static struct spdk_poller *g_measure;
static _Atomic uint64_t g_units;	/* relaxed: a counter read once at each end of the window */
static uint64_t g_next_unit_tsc;
static uint64_t g_unit_interval_tsc;
static uint64_t g_unit_work_tsc;
static int g_out_fd = -1;
static uint32_t g_stage;
static uint64_t g_cpu0_ns, g_stat0, g_units0;
static double g_t0;

/* Run time of every pthread of this process, ns (schedstat's first field). */
static uint64_t
process_run_ns(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	uint64_t sum = 0;

	if (d == NULL) {
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		char dir[300];

		if (e->d_name[0] == '.') {
			continue;
		}
		snprintf(dir, sizeof(dir), "/proc/self/task/%s", e->d_name);
		sum += bench_task_run_ns(dir);
	}
	closedir(d);
	return sum;
}

/* utime + stime of the process, clock ticks (fields 14 and 15 of stat). */
static uint64_t
process_stat_ticks(void)
{
	uint64_t ticks;

	return bench_stat_ticks("/proc/self", &ticks) ? ticks : 0;
}

static int
idle_poll(void *arg)
{
	(void)arg;
	return SPDK_POLLER_IDLE;
}

/* Work units at a fixed rate: each is UNIT_US of spinning. */
static int
work_poll(void *arg)
{
	uint64_t now = spdk_get_ticks(), end;
	int did = 0;

	(void)arg;
	while (now >= g_next_unit_tsc && did < 4) {
		end = now + g_unit_work_tsc;
		while (spdk_get_ticks() < end) {
			spdk_pause();
		}
		g_next_unit_tsc += g_unit_interval_tsc;
		atomic_fetch_add_explicit(&g_units, 1, memory_order_relaxed);
		now = spdk_get_ticks();
		did++;
	}
	if (now > g_next_unit_tsc + 2 * g_unit_interval_tsc) {
		g_next_unit_tsc = now;	/* fell behind (the cpu was taken): do not catch up */
	}
	return did ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void
start_poller(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	g_pollers[i] = i == 0 ? SPDK_POLLER_REGISTER(work_poll, NULL, 0) :
		       SPDK_POLLER_REGISTER(idle_poll, NULL, 0);
}

static void
stop_poller(void *arg)
{
	uintptr_t i = (uintptr_t)arg;

	spdk_poller_unregister(&g_pollers[i]);
	spdk_thread_exit(spdk_get_thread());
}

static int
measure(void *arg)
{
	double t = bench_now_s();

	(void)arg;
	if (g_stage == 0 && t - g_t0 >= g_settle_s) {
		g_stage = 1;
		g_t0 = t;
		g_cpu0_ns = process_run_ns();
		g_stat0 = process_stat_ticks();
		g_units0 = atomic_load_explicit(&g_units, memory_order_relaxed);
	} else if (g_stage == 1 && t - g_t0 >= g_window_s) {
		double secs = t - g_t0;
		uint64_t cpu_ns = process_run_ns() - g_cpu0_ns;
		uint64_t ticks = process_stat_ticks() - g_stat0;
		uint64_t units = atomic_load_explicit(&g_units, memory_order_relaxed) - g_units0;
		char line[256];
		uint32_t i;
		int len;

		len = snprintf(line, sizeof(line), "%f %f %f %" PRIu64 "\n",
			       cpu_ns / 1e9 / secs * 100, ticks / (double)sysconf(_SC_CLK_TCK) / secs * 100,
			       units / secs, pw__scheduler_history_total_moves());
		if (write(g_out_fd, line, (size_t)len) != len) {
			fprintf(stderr, "sched_power: could not report\n");
		}
		g_stage = 2;
		spdk_poller_unregister(&g_measure);
		for (i = 0; i <= g_idle; i++) {
			spdk_thread_send_msg(g_threads[i], stop_poller, (void *)(uintptr_t)i);
		}
		spdk_app_stop(0);
	}
	return SPDK_POLLER_BUSY;
}

static void
app_start(void *arg)
{
	struct spdk_cpuset all;
	uint64_t hz = spdk_get_ticks_hz();
	uint32_t i;

	(void)arg;
	if (spdk_scheduler_set(g_sched) != 0) {
		fprintf(stderr, "sched_power: no scheduler %s\n", g_sched);
		spdk_app_stop(1);
		return;
	}
	if (strcmp(g_sched, "static") != 0) {
		spdk_scheduler_set_period(g_period_us);
	}
	g_unit_work_tsc = hz * UNIT_US / 1000000;
	g_unit_interval_tsc = g_unit_work_tsc * 100 / g_load;
	g_next_unit_tsc = spdk_get_ticks();
	spdk_cpuset_zero(&all);
	spdk_cpuset_set_cpu(&all, 0, true);
	spdk_cpuset_set_cpu(&all, 1, true);
	for (i = 0; i <= g_idle; i++) {
		char name[32];

		snprintf(name, sizeof(name), i == 0 ? "worker" : "idle%u", i);
		g_threads[i] = spdk_thread_create(name, &all);
		if (g_threads[i] == NULL) {
			fprintf(stderr, "sched_power: spdk_thread_create failed\n");
			spdk_app_stop(1);
			return;
		}
		spdk_thread_send_msg(g_threads[i], start_poller, (void *)(uintptr_t)i);
	}
	g_t0 = bench_now_s();
	g_measure = SPDK_POLLER_REGISTER(measure, NULL, 50000);
}

/* One app under \p sched in a child process; false when it failed. */
static bool
run_app(const char *sched, struct result *r)
{
	char buf[256];
	unsigned long long moves;
	ssize_t n, got = 0;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0) {
		perror("sched_power: pipe");
		return false;
	}
	pid = fork();
	if (pid < 0) {
		perror("sched_power: fork");
		return false;
	}
	if (pid == 0) {
		struct spdk_app_opts opts;
		int rc;

		close(fds[0]);
		g_out_fd = fds[1];
		g_sched = sched;
		spdk_app_opts_init(&opts, sizeof(opts));
		opts.name = "sched_power";
		opts.reactor_mask = "0x3";
		opts.rpc_addr = NULL;
		opts.print_level = SPDK_LOG_WARN;
		rc = spdk_app_start(&opts, app_start, NULL);
		spdk_app_fini();
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0) {
		got += n;
	}
	close(fds[0]);
	buf[got] = '\0';
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    sscanf(buf, "%lf %lf %lf %llu", &r->cpu_pct, &r->cpu_stat_pct, &r->units_per_s,
		   &moves) != 4) {
		fprintf(stderr, "sched_power: the %s app failed (status %d, said \"%s\")\n", sched,
			status, buf);
		return false;
	}
	r->moves = (double)moves;
	return true;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--smoke] [--runs N (1..%d)] [--idle N (0..%d)] "
		"[--load PCT (1..100)] [--period-us US] [--settle S] [--window S]\n",
		prog, MAX_RUNS, MAX_IDLE);
}

int
main(int argc, char **argv)
{
	static const char *scheds[] = {"static", "dynamic"};
	double cpu[2][MAX_RUNS], stat[2][MAX_RUNS], units[2][MAX_RUNS];
	uint32_t runs = 3, i, k, s;
	cpu_set_t set;

	for (i = 1; i < (uint32_t)argc; i++) {
		const char *a = argv[i], *v = i + 1 < (uint32_t)argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--smoke") == 0) {
			runs = 1;
			g_settle_s = 0.4;
			g_window_s = 0.3;
			continue;
		}
		if (v == NULL) {
			usage(argv[0]);
			return 2;
		}
		i++;
		if (strcmp(a, "--runs") == 0) {
			runs = (uint32_t)atoi(v);
		} else if (strcmp(a, "--idle") == 0) {
			g_idle = (uint32_t)atoi(v);
		} else if (strcmp(a, "--load") == 0) {
			g_load = (uint32_t)atoi(v);
		} else if (strcmp(a, "--period-us") == 0) {
			g_period_us = strtoull(v, NULL, 10);
		} else if (strcmp(a, "--settle") == 0) {
			g_settle_s = atof(v);
		} else if (strcmp(a, "--window") == 0) {
			g_window_s = atof(v);
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || g_idle > MAX_IDLE || g_load < 1 || g_load > 100 ||
	    g_period_us == 0 || g_settle_s < 0 || g_window_s <= 0) {
		usage(argv[0]);
		return 2;
	}
	if (sched_getaffinity(0, sizeof(set), &set) != 0 || !CPU_ISSET(0, &set) ||
	    !CPU_ISSET(1, &set)) {
		printf("# cpus 0 and 1 are not both usable: skipped\n");
		return 77;
	}
	printf("# %u idle threads (untimed idle pollers) + 1 worker at %u%% of a core "
	       "(%d us units), -m 0x3, dynamic period %" PRIu64 " us, settle %.1f s, window %.1f s\n",
	       g_idle, g_load, UNIT_US, g_period_us, g_settle_s, g_window_s);
	for (k = 0; k < runs; k++) {
		for (s = 0; s < 2; s++) {
			struct result r;

			if (!run_app(scheds[s], &r)) {
				return 1;
			}
			cpu[s][k] = r.cpu_pct;
			stat[s][k] = r.cpu_stat_pct;
			units[s][k] = r.units_per_s;
			printf("# run %u %s: cpu %.1f%% (stat %.1f%%), %.0f units/s, %.0f moves\n",
			       k + 1, scheds[s], r.cpu_pct, r.cpu_stat_pct, r.units_per_s, r.moves);
			fflush(stdout);
		}
	}
	for (s = 0; s < 2; s++) {
		printf("%s_cpu_pct %.1f %%\n", scheds[s], bench_median(cpu[s], runs));
		printf("%s_cpu_stat_pct %.1f %%\n", scheds[s], bench_median(stat[s], runs));
		printf("%s_units_per_s %.0f units/s\n", scheds[s], bench_median(units[s], runs));
	}
	printf("offered_units_per_s %.0f units/s\n", 1e6 / UNIT_US * g_load / 100);
	printf("dynamic_vs_static_cpu %.3f ratio\n",
	       bench_median(cpu[1], runs) / bench_median(cpu[0], runs));
	printf("dynamic_vs_static_units %.3f ratio\n",
	       bench_median(units[1], runs) / bench_median(units[0], runs));
	return 0;
}

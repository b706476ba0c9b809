/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * poller_perf -b POLLERS -l PERIOD_US -t SECONDS [SPDK options]: the cost of
 * running one poller, with the options and the stdout of SPDK's
 * test/thread/poller_perf.
 *
 * The start callback registers POLLERS pollers on the app thread, each
 * counting its runs and reporting itself busy, with PERIOD_US as their period
 * (0: untimed, run on every slice), takes the thread's statistics, and
 * registers a timed poller that ends the run after SECONDS. At the end it
 * prints the thread's busy ticks since the start, the total run count, the
 * tick rate, and the cost of one poller run: busy ticks / run count, in
 * ticks ("cyc") and in nanoseconds, both rounded down as SPDK's tool does.
 * SIGINT/SIGTERM end the run early with the same report.
 *
 * The standard SPDK options (-m, -L, ...) are parsed by spdk_app_parse_args().
 * PW_PERF_REPORT=1 adds, on stderr, the poller cost to a hundredth of a
 * nanosecond, a reference floor measured just before and just after the run
 * (see measure_floor_ns()), and start-up, shutdown and memory figures (see
 * perf_report.h). The start-up figure from main() then includes the first
 * floor measurement (a quarter of a second); the one from spdk_app_start()
 * does not.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/string.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include "example_rpc.h"
#include "perf_report.h"

#define MAX_POLLERS	1000

static int g_seconds;
static int g_period_us;
static int g_num_pollers;

static struct spdk_poller *g_end_poller;
static struct spdk_poller *g_pollers[MAX_POLLERS];
static uint64_t g_runs;			/* app thread only */
static struct spdk_thread_stats g_stats_at_start;
static bool g_ended;
static double g_cost_ns_exact = -1.0;

static int
count_run(void *arg)
{
	g_runs++;
	return SPDK_POLLER_BUSY;
}

static void
finish(void)
{
	struct spdk_thread_stats now;
	uint64_t hz, busy, cost_cyc = 0, cost_ns = 0;

	if (g_ended) {
		return;
	}
	g_ended = true;

	if (spdk_thread_get_stats(&now) != 0) {
		fprintf(stderr, "poller_perf: cannot read the thread's statistics\n");
		now = g_stats_at_start;
	}
	busy = now.busy_tsc - g_stats_at_start.busy_tsc;
	hz = spdk_get_ticks_hz();

	printf("\r ======================================\n");
	printf("\r busy:%" PRIu64 " (cyc)\n", busy);
	printf("\r total_run_count: %" PRIu64 "\n", g_runs);
	printf("\r tsc_hz: %" PRIu64 " (cyc)\n", hz);
	printf("\r ======================================\n");
	if (g_runs > 0) {
		cost_cyc = busy / g_runs;
		cost_ns = cost_cyc * SPDK_SEC_TO_NSEC / hz;
		g_cost_ns_exact = (double)busy * 1e9 / (double)hz / (double)g_runs;
	}
	printf("\r poller_cost: %" PRIu64 " (cyc), %" PRIu64 " (nsec)\n", cost_cyc, cost_ns);

	spdk_poller_unregister(&g_end_poller);
	for (int i = 0; i < g_num_pollers; i++) {
		spdk_poller_unregister(&g_pollers[i]);
	}
	perf_app_stop(0);
}

static int
end_poller(void *arg)
{
	finish();
	return SPDK_POLLER_BUSY;
}

static void
on_shutdown_signal(void)
{
	finish();
}

static void
poller_perf_start(void *ctx)
{
	perf_mark(PERF_FIRST_CB);
	printf("Running %d pollers for %d seconds with %d microseconds period.\n",
	       g_num_pollers, g_seconds, g_period_us);
	fflush(stdout);

	for (int i = 0; i < g_num_pollers; i++) {
		g_pollers[i] = SPDK_POLLER_REGISTER(count_run, NULL, (uint64_t)g_period_us);
		if (g_pollers[i] == NULL) {
			fprintf(stderr, "poller_perf: cannot register poller %d\n", i);
			for (int j = 0; j < i; j++) {
				spdk_poller_unregister(&g_pollers[j]);
			}
			g_ended = true;
			perf_app_stop(1);
			return;
		}
	}
	spdk_thread_get_stats(&g_stats_at_start);
	g_end_poller = SPDK_POLLER_REGISTER(end_poller, NULL, (uint64_t)g_seconds * SPDK_SEC_TO_USEC);
	if (g_end_poller == NULL) {
		fprintf(stderr, "poller_perf: cannot register the end poller\n");
		finish();
	}
}

/* ---- reference floor (PW_PERF_REPORT only) ---------------------------------
 * The least a dispatcher can spend per poller run on this machine, measured
 * in the same process just before and just after the run: a plain array of POLLERS
 * {function, argument, deadline} entries walked over and over, calling the
 * same count_run() through its pointer; with a period, each entry's deadline
 * is also checked against a clock read once per walk, and re-armed. */

struct floor_ent {
	spdk_poller_fn	fn;
	void		*arg;
	uint64_t	deadline;
};

static double
measure_floor_ns(int n, uint64_t period_ns)
{
	struct floor_ent *tab = calloc((size_t)n, sizeof(*tab));
	uint64_t start, now, calls, runs_before = g_runs;

	if (tab == NULL) {
		return -1.0;
	}
	for (int i = 0; i < n; i++) {
		tab[i].fn = count_run;
	}
	/* Keep the compiler from calling count_run() directly. */
	__asm__ volatile("" : : "r"(tab) : "memory");
	/* CLOCK_MONOTONIC, not spdk_get_ticks(): the first tick read calibrates
	 * the clock (about 1 ms), which belongs to the start-up being measured. */
	start = now = perf_now_ns();
	do {
		for (int i = n - 1; i >= 0; i--) {
			if (period_ns != 0) {
				if (tab[i].deadline > now) {
					continue;
				}
				tab[i].deadline = now + period_ns;
			}
			tab[i].fn(tab[i].arg);
		}
		now = perf_now_ns();
	} while (now - start < 250000000u);
	calls = g_runs - runs_before;
	g_runs = runs_before;
	free(tab);
	return calls == 0 ? -1.0 : (double)(now - start) / (double)calls;
}

static int
parse_arg(int ch, char *arg)
{
	long val = spdk_strtol(arg, 10);

	if (val < 0 || val > INT_MAX) {
		fprintf(stderr, "Parse failed for the option %c: '%s' is not a whole number.\n", ch, arg);
		return -EINVAL;
	}
	switch (ch) {
	case 'b':
		g_num_pollers = (int)val;
		break;
	case 'l':
		g_period_us = (int)val;
		break;
	case 't':
		g_seconds = (int)val;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static void
usage(void)
{
	printf(" -b <number>            number of pollers (1 to %d)\n", MAX_POLLERS);
	printf(" -l <period>            period of every poller in microseconds (0: untimed)\n");
	printf(" -t <time>              run time in seconds\n");
}

static int
check_params(void)
{
	if (g_num_pollers <= 0 || g_num_pollers > MAX_POLLERS) {
		fprintf(stderr, "number of pollers (-b) must be between 1 and %d\n", MAX_POLLERS);
		return -EINVAL;
	}
	if (g_seconds <= 0) {
		fprintf(stderr, "run time (-t) must be positive\n");
		return -EINVAL;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	double floor_before = -1.0;
	int rc;

	perf_mark(PERF_MAIN);
	spdk_app_opts_init(&opts, sizeof(opts));
	example_rpc_addr_from_env(&opts);
	opts.name = "poller_perf";
	opts.shutdown_cb = on_shutdown_signal;

	rc = spdk_app_parse_args(argc, argv, &opts, "b:l:t:", NULL, parse_arg, usage);
	if (rc != SPDK_APP_PARSE_ARGS_SUCCESS) {
		return rc;
	}
	if (check_params() != 0) {
		return 1;
	}

	/* The machine's speed drifts: the floor is taken on both sides of the run. */
	if (perf_report_wanted()) {
		floor_before = measure_floor_ns(g_num_pollers,
						(uint64_t)g_period_us * SPDK_USEC_TO_NSEC);
	}

	perf_mark(PERF_APP_START);
	rc = spdk_app_start(&opts, poller_perf_start, NULL);
	perf_app_returned();
	spdk_app_fini();
	perf_mark(PERF_FINI_DONE);

	if (perf_report_wanted() && g_cost_ns_exact >= 0) {
		fprintf(stderr, "poller_cost_exact %.2f ns\n", g_cost_ns_exact);
		fprintf(stderr, "poller_floor_before %.2f ns\n", floor_before);
		fprintf(stderr, "poller_floor_after %.2f ns\n", measure_floor_ns(g_num_pollers,
				(uint64_t)g_period_us * SPDK_USEC_TO_NSEC));
	}
	perf_report();
	return rc;
}

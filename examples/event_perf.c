/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * event_perf -m MASK -t SECONDS: the event rate between reactors, with the
 * options and the stdout of SPDK's test/event/event_perf so that figures can
 * be compared directly.
 *
 * Every core of the mask starts four events; each event, when it runs, sends
 * a new one to the next core of the mask (wrapping to the first), so with
 * -m 0x3 events bounce between cores 0 and 1 and with -m 0x1 core 0 sends to
 * itself. The sender counts each event it sends in a per-core counter of
 * the target. After SECONDS the first event to see the deadline stops the
 * application; the others end without a successor. Each event reads the
 * clock once, as in SPDK's tool.
 *
 * Output: "lcore  N: <events sent to core N per second>" for every core.
 *
 * The counters are adjacent 64-bit words, as in SPDK's tool, so with two
 * cores each core keeps writing a cache line the other also writes (false
 * sharing); the tool's own overhead is then the same as SPDK's. Setting
 * PW_EVENT_PERF_PAD=1 gives each counter its own cache line, to see how much
 * of the cross-core cost that sharing is. PW_PERF_REPORT=1 adds start-up,
 * shutdown and memory figures on stderr (see perf_report.h).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/string.h"

#include <stdatomic.h>

#include "example_rpc.h"
#include "perf_report.h"

#define EVENTS_PER_CORE	4
#define PAD_STRIDE	(SPDK_CACHE_LINE_SIZE / sizeof(uint64_t))

static int g_seconds;
static uint64_t g_end_tick;
static uint64_t *g_counts;	/* events sent to each core, indexed by core * g_stride */
static size_t g_stride = 1;
/* The cores of the run, kept for the report: the environment's core queries
 * return nothing once spdk_app_fini() released it (DPDK keeps answering). */
static struct spdk_cpuset g_cores;
static atomic_bool g_stopping;

/* The core this reactor forwards to; found on the first event it runs. */
static __thread uint32_t t_next_core = UINT32_MAX;

static void
stop_once(int rc)
{
	bool expected = false;

	if (atomic_compare_exchange_strong(&g_stopping, &expected, true)) {
		perf_app_stop(rc);
	}
}

static void
forward_event(void *arg1, void *arg2)
{
	struct spdk_event *ev;

	if (spdk_get_ticks() > g_end_tick) {
		stop_once(0);
		return;
	}
	if (spdk_unlikely(t_next_core == UINT32_MAX)) {
		t_next_core = spdk_env_get_next_core(spdk_env_get_current_core());
		if (t_next_core == UINT32_MAX) {
			t_next_core = spdk_env_get_first_core();
		}
	}
	/* Only this reactor writes the next core's counter: no atomics needed. */
	g_counts[t_next_core * g_stride]++;
	ev = spdk_event_allocate(t_next_core, forward_event, NULL, NULL);
	if (spdk_unlikely(ev == NULL)) {
		fprintf(stderr, "event_perf: cannot allocate an event for core %u\n", t_next_core);
		stop_once(1);
		return;
	}
	spdk_event_call(ev);
}

static void
start_chains(void *arg1, void *arg2)
{
	for (int i = 0; i < EVENTS_PER_CORE; i++) {
		forward_event(NULL, NULL);
	}
}

static void
event_perf_start(void *ctx)
{
	struct spdk_event *ev;
	uint32_t core;
	const char *pad = getenv("PW_EVENT_PERF_PAD");
	size_t size;

	perf_mark(PERF_FIRST_CB);
	if (pad != NULL && strcmp(pad, "1") == 0) {
		g_stride = PAD_STRIDE;
	}
	/* Whole cache lines, so that only the counters share them. */
	size = SPDK_ALIGN_CEIL((spdk_env_get_last_core() + 1) * g_stride * sizeof(uint64_t),
			       SPDK_CACHE_LINE_SIZE);
	g_counts = aligned_alloc(SPDK_CACHE_LINE_SIZE, size);
	if (g_counts == NULL) {
		fprintf(stderr, "event_perf: no memory for the counters\n");
		stop_once(1);
		return;
	}
	memset(g_counts, 0, size);
	spdk_env_get_cpuset(&g_cores);
	g_end_tick = spdk_get_ticks() + (uint64_t)g_seconds * spdk_get_ticks_hz();

	printf("Running I/O for %d seconds...", g_seconds);
	fflush(stdout);

	SPDK_ENV_FOREACH_CORE(core) {
		ev = spdk_event_allocate(core, start_chains, NULL, NULL);
		if (ev == NULL) {
			fprintf(stderr, "event_perf: cannot start the events of core %u\n", core);
			stop_once(1);
			return;
		}
		spdk_event_call(ev);
	}
}

static void
print_results(void)
{
	uint32_t core;

	if (g_counts == NULL) {
		return;
	}
	printf("\n");
	for (core = 0; core < SPDK_CPUSET_SIZE; core++) {
		if (!spdk_cpuset_get_cpu(&g_cores, core)) {
			continue;
		}
		printf("lcore %2u: %8" PRIu64 "\n", core, g_counts[core * g_stride] / (uint64_t)g_seconds);
	}
	fflush(stdout);
	free(g_counts);
	g_counts = NULL;
}

/* Reference floor (PW_PERF_REPORT only): what one spdk_get_ticks() costs
 * here, since every event of this tool reads the clock once. */
static double
clock_read_ns(void)
{
	uint64_t t0 = perf_now_ns(), sink = 0, n = 2000000;

	for (uint64_t i = 0; i < n; i++) {
		sink += spdk_get_ticks();
	}
	__asm__ volatile("" : : "r"(sink));
	return (double)(perf_now_ns() - t0) / (double)n;
}

static void
usage(const char *prog)
{
	printf("%s options\n", prog);
	printf("\t[-m core mask over which the events circulate\n");
	printf("\t\t(default: 0x1, core 0 alone)]\n");
	printf("\t[-t run time in seconds]\n");
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	long val;
	int op, rc;

	perf_mark(PERF_MAIN);
	spdk_app_opts_init(&opts, sizeof(opts));
	example_rpc_addr_from_env(&opts);
	opts.name = "event_perf";

	while ((op = getopt(argc, argv, "m:t:")) != -1) {
		switch (op) {
		case 'm':
			opts.reactor_mask = optarg;
			break;
		case 't':
			val = spdk_strtol(optarg, 10);
			if (val < 0 || val > INT_MAX) {
				fprintf(stderr, "Invalid run time '%s': give whole seconds\n", optarg);
				return 1;
			}
			g_seconds = (int)val;
			break;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "event_perf: unexpected argument '%s'\n", argv[optind]);
		usage(argv[0]);
		return 1;
	}
	if (g_seconds == 0) {
		usage(argv[0]);
		return 1;
	}

	printf("Running I/O for %d seconds...", g_seconds);
	fflush(stdout);

	perf_mark(PERF_APP_START);
	perf_trace_opts(&opts);
	rc = spdk_app_start(&opts, event_perf_start, NULL);
	perf_app_returned();
	spdk_app_fini();
	perf_mark(PERF_FINI_DONE);

	print_results();
	printf("done.\n");
	if (perf_report_wanted()) {
		fprintf(stderr, "clock_read %.2f ns\n", clock_read_ns());
	}
	perf_report();
	return rc;
}

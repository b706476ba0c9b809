/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * reactor_perf -t SECONDS [-q DEPTH]: the event rate of one reactor sending
 * events to itself, with the options and the stdout of SPDK's
 * test/event/reactor_perf.
 *
 * The start callback (on the app thread, main core) sends DEPTH events
 * (default 1) to its own core; each event, when it runs, counts itself and
 * sends a successor, so DEPTH events are always queued. A timed poller on the
 * app thread ends the run after SECONDS ("test_end"); SIGINT/SIGTERM end it
 * early ("test_abort"). Output: "Performance: <events per second> events per
 * second", the count divided by SECONDS.
 *
 * As in SPDK's tool, the chains never end by themselves: the reactors stop
 * after spdk_app_stop() and leave the last event of each chain unrun
 * (spdk_app_fini() says how many).
 *
 * PW_PERF_REPORT=1 adds start-up, shutdown and memory figures on stderr
 * (see perf_report.h).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/string.h"
#include "spdk/thread.h"

#include "example_rpc.h"
#include "perf_report.h"

static int g_seconds;
static int g_depth = 1;
static struct spdk_poller *g_end_poller;
/* Touched only on the main core's reactor (its events and its app thread). */
static uint64_t g_events_run;

static void
chain_event(void *arg1, void *arg2)
{
	struct spdk_event *ev;

	g_events_run++;
	ev = spdk_event_allocate(spdk_env_get_current_core(), chain_event, NULL, NULL);
	if (spdk_unlikely(ev == NULL)) {
		fprintf(stderr, "reactor_perf: cannot allocate an event\n");
		return;
	}
	spdk_event_call(ev);
}

static void
end_run(int rc)
{
	spdk_poller_unregister(&g_end_poller);
	perf_app_stop(rc);
}

static int
test_end(void *arg)
{
	printf("test_end\n");
	end_run(0);
	return SPDK_POLLER_BUSY;
}

static void
test_abort(void)
{
	printf("test_abort\n");
	end_run(0);
}

static void
test_start(void *ctx)
{
	perf_mark(PERF_FIRST_CB);
	printf("test_start\n");

	g_end_poller = SPDK_POLLER_REGISTER(test_end, NULL, (uint64_t)g_seconds * SPDK_SEC_TO_USEC);
	if (g_end_poller == NULL) {
		fprintf(stderr, "reactor_perf: cannot register the end poller\n");
		end_run(1);
		return;
	}
	for (int i = 0; i < g_depth; i++) {
		chain_event(NULL, NULL);
	}
}

static void
usage(const char *prog)
{
	printf("%s options\n", prog);
	printf("\t[-q events kept in flight (default: 1)]\n");
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
	opts.name = "reactor_perf";
	opts.shutdown_cb = test_abort;

	while ((op = getopt(argc, argv, "q:t:")) != -1) {
		if (op != 'q' && op != 't') {
			usage(argv[0]);
			return 1;
		}
		val = spdk_strtol(optarg, 10);
		if (val < 0 || val > INT_MAX) {
			fprintf(stderr, "Converting a string to integer failed: -%c '%s'\n", op, optarg);
			return 1;
		}
		if (op == 'q') {
			g_depth = (int)val;
		} else {
			g_seconds = (int)val;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "reactor_perf: unexpected argument '%s'\n", argv[optind]);
		usage(argv[0]);
		return 1;
	}
	if (g_seconds == 0) {
		usage(argv[0]);
		return 1;
	}

	perf_mark(PERF_APP_START);
	perf_trace_opts(&opts);
	rc = spdk_app_start(&opts, test_start, NULL);
	perf_app_returned();
	spdk_app_fini();
	perf_mark(PERF_FINI_DONE);

	printf("Performance: %8" PRIu64 " events per second\n", g_events_run / (uint64_t)g_seconds);
	perf_report();
	return rc;
}

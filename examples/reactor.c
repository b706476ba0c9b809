/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * reactor -t SECONDS: timed and untimed pollers on the app thread, with the
 * options and the stdout of SPDK's test/event/reactor.
 *
 * On start it prints "test_start" and registers on the app thread:
 *   - a poller that ends the test after SECONDS ("test_end", then stop);
 *   - three timed pollers printing "tick 100", "tick 250" and "tick 500"
 *     every 100, 250 and 500 ms;
 *   - an untimed poller that prints "oneshot" and unregisters itself;
 *   - an untimed poller unregistered before it ever runs (never prints).
 * The end poller was registered first, so when a tick falls due at the same
 * time as the end, the end comes first: "-t 1" prints 9, 3 and 1 ticks.
 *
 * PW_PERF_REPORT=1 adds start-up, shutdown and memory figures on stderr
 * (see perf_report.h).
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/string.h"
#include "spdk/thread.h"

#include "example_rpc.h"
#include "perf_report.h"

static int g_seconds;
static struct spdk_poller *g_end_poller;
static struct spdk_poller *g_tick_pollers[3];
static struct spdk_poller *g_oneshot_poller;
static struct spdk_poller *g_never_poller;

static int
test_end(void *arg)
{
	printf("test_end\n");
	spdk_poller_unregister(&g_end_poller);
	for (size_t i = 0; i < SPDK_COUNTOF(g_tick_pollers); i++) {
		spdk_poller_unregister(&g_tick_pollers[i]);
	}
	perf_app_stop(0);
	return SPDK_POLLER_BUSY;
}

static int
tick(void *arg)
{
	printf("tick %" PRIu64 "\n", (uint64_t)(uintptr_t)arg);
	return SPDK_POLLER_BUSY;
}

static int
oneshot(void *arg)
{
	printf("oneshot\n");
	spdk_poller_unregister(&g_oneshot_poller);
	return SPDK_POLLER_BUSY;
}

static int
never(void *arg)
{
	printf("never: this poller was unregistered before it could run\n");
	return SPDK_POLLER_BUSY;
}

static void
test_start(void *ctx)
{
	static const uintptr_t periods_ms[] = { 100, 250, 500 };

	perf_mark(PERF_FIRST_CB);
	printf("test_start\n");

	g_end_poller = SPDK_POLLER_REGISTER(test_end, NULL, (uint64_t)g_seconds * SPDK_SEC_TO_USEC);
	for (size_t i = 0; i < SPDK_COUNTOF(periods_ms); i++) {
		g_tick_pollers[i] = SPDK_POLLER_REGISTER(tick, (void *)periods_ms[i],
				    periods_ms[i] * SPDK_MSEC_TO_USEC);
	}
	g_oneshot_poller = SPDK_POLLER_REGISTER(oneshot, NULL, 0);
	g_never_poller = SPDK_POLLER_REGISTER(never, NULL, 0);
	spdk_poller_unregister(&g_never_poller);

	if (g_end_poller == NULL || g_oneshot_poller == NULL || g_tick_pollers[0] == NULL ||
	    g_tick_pollers[1] == NULL || g_tick_pollers[2] == NULL) {
		fprintf(stderr, "reactor: cannot register the pollers\n");
		spdk_poller_unregister(&g_end_poller);
		spdk_poller_unregister(&g_oneshot_poller);
		for (size_t i = 0; i < SPDK_COUNTOF(g_tick_pollers); i++) {
			spdk_poller_unregister(&g_tick_pollers[i]);
		}
		perf_app_stop(1);
	}
}

static void
usage(const char *prog)
{
	printf("%s options\n", prog);
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
	opts.name = "reactor";

	while ((op = getopt(argc, argv, "t:")) != -1) {
		switch (op) {
		case 't':
			val = spdk_strtol(optarg, 10);
			g_seconds = val > INT_MAX ? -1 : (int)val;
			break;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "reactor: unexpected argument '%s'\n", argv[optind]);
		usage(argv[0]);
		return 1;
	}
	if (g_seconds <= 0) {
		usage(argv[0]);
		return 1;
	}

	perf_mark(PERF_APP_START);
	rc = spdk_app_start(&opts, test_start, NULL);
	perf_app_returned();
	spdk_app_fini();
	perf_mark(PERF_FINI_DONE);
	perf_report();
	return rc;
}

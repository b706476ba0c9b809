/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * hello_event [SPDK options] [-t SECONDS]: the story of poller_test, told
 * through the event framework instead of reactors of our own.
 *
 * The start callback runs on the app thread (main core). It sends one event
 * to every core of the mask ("hello event (core N)"), creates
 * "first_reader_thread" on the last core and sends it hello_reader, which
 * says "hello reader" and registers a poller saying "hello poller" every
 * 500 ms. After SECONDS (or on SIGINT/SIGTERM, through the shutdown
 * callback) the app thread asks the reader to stop; the reader unregisters
 * its poller, exits and tells the app thread, which stops the framework.
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/string.h"
#include "spdk/thread.h"

#include <stdatomic.h>

#include "example_rpc.h"

#define DEFAULT_SECONDS		3
#define MAX_SECONDS		3600
#define HELLO_PERIOD_US		(500 * SPDK_MSEC_TO_USEC)

static long g_seconds = DEFAULT_SECONDS;
static atomic_bool g_failed;

/* App thread only. */
static struct spdk_thread *g_reader_thread;
static struct spdk_poller *g_stop_poller;
static bool g_stopping;

/* Reader thread only. */
static struct spdk_poller *g_hello_poller;

static void
fail(const char *what)
{
	fprintf(stderr, "hello_event: %s\n", what);
	atomic_store(&g_failed, true);
}

/* An event, on the reactor of the core it was aimed at (arg1). */
static void
hello_event(void *arg1, void *arg2)
{
	uint32_t want = (uint32_t)(uintptr_t)arg1;
	uint32_t core = spdk_env_get_current_core();

	printf("hello event (core %u)\n", core);
	fflush(stdout);
	if (core != want) {
		fail("an event ran on another core than the one it was sent to");
	}
}

static int
hello_poller(void *ctx)
{
	printf("hello poller (core %u)\n", spdk_env_get_current_core());
	fflush(stdout);
	return SPDK_POLLER_BUSY;
}

/* On the reader thread. */
static void
hello_reader(void *ctx)
{
	printf("hello reader (thread %s on core %u)\n", spdk_thread_get_name(spdk_get_thread()),
	       spdk_env_get_current_core());
	fflush(stdout);
	g_hello_poller = SPDK_POLLER_REGISTER(hello_poller, NULL, HELLO_PERIOD_US);
	if (g_hello_poller == NULL) {
		fail("cannot register hello_poller");
	}
}

/* On the app thread: the reader is gone, so nothing is left to stop. */
static void
reader_gone(void *ctx)
{
	g_reader_thread = NULL;
	spdk_app_stop(0);
}

/* On the reader thread. */
static void
reader_stop(void *ctx)
{
	spdk_poller_unregister(&g_hello_poller);
	spdk_thread_exit(spdk_get_thread());
	/* An exited thread may still send; the app thread stops the app once
	 * the reader will not run anything else. */
	if (spdk_thread_send_msg(spdk_thread_get_app_thread(), reader_gone, NULL) != 0) {
		fail("cannot tell the app thread that the reader stopped");
		spdk_app_stop(1);
	}
}

/* On the app thread: the orderly stop, from the timer or from a signal. */
static void
begin_stop(void)
{
	if (g_stopping) {
		return;
	}
	g_stopping = true;
	spdk_poller_unregister(&g_stop_poller);
	if (g_reader_thread == NULL) {
		/* Never started (a signal came first) or failed to: g_failed says which. */
		spdk_app_stop(0);
	} else if (spdk_thread_send_msg(g_reader_thread, reader_stop, NULL) != 0) {
		fail("cannot send the stop message to the reader thread");
		spdk_app_stop(1);
	}
}

static int
stop_poller(void *ctx)
{
	begin_stop();
	return SPDK_POLLER_BUSY;
}

/* SIGINT/SIGTERM: the framework runs this on the app thread. */
static void
shutdown_cb(void)
{
	begin_stop();
}

/* The start callback, on the app thread. */
static void
hello_start(void *ctx)
{
	struct spdk_event *event;
	struct spdk_cpuset mask;
	uint32_t core;

	if (g_stopping) {
		/* A signal's shutdown callback ran before us: nothing to start. */
		return;
	}
	SPDK_ENV_FOREACH_CORE(core) {
		event = spdk_event_allocate(core, hello_event, (void *)(uintptr_t)core, NULL);
		if (event == NULL) {
			fail("cannot allocate an event");
			continue;
		}
		spdk_event_call(event);
	}

	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, spdk_env_get_last_core(), true);
	g_reader_thread = spdk_thread_create("first_reader_thread", &mask);
	if (g_reader_thread == NULL) {
		fail("cannot create first_reader_thread");
	} else if (spdk_thread_send_msg(g_reader_thread, hello_reader, NULL) != 0) {
		fail("cannot send hello_reader to first_reader_thread");
	}

	g_stop_poller = SPDK_POLLER_REGISTER(stop_poller, NULL,
					     (uint64_t)g_seconds * SPDK_SEC_TO_USEC);
	if (g_stop_poller == NULL || g_reader_thread == NULL) {
		if (g_stop_poller == NULL) {
			fail("cannot register stop_poller");
		}
		begin_stop();
	}
}

static int
parse_arg(int ch, char *arg)
{
	long v;

	if (ch != 't') {
		return -EINVAL;
	}
	v = spdk_strtol(arg, 10);
	if (v < 1 || v > MAX_SECONDS) {
		fprintf(stderr, "hello_event: -t wants a whole number of seconds from 1 to %d, "
			"not '%s'\n", MAX_SECONDS, arg);
		return -EINVAL;
	}
	g_seconds = v;
	return 0;
}

static void
app_usage(void)
{
	printf(" -t <seconds>                run time, 1 to %d (default %d)\n", MAX_SECONDS,
	       DEFAULT_SECONDS);
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	int rc;

	spdk_app_opts_init(&opts, sizeof(opts));
	example_rpc_addr_from_env(&opts);
	opts.name = "hello_event";
	opts.shutdown_cb = shutdown_cb;

	switch (spdk_app_parse_args(argc, argv, &opts, "t:", NULL, parse_arg, app_usage)) {
	case SPDK_APP_PARSE_ARGS_SUCCESS:
		break;
	case SPDK_APP_PARSE_ARGS_HELP:
		return 0;
	default:
		return 1;
	}
	if (optind != argc) {
		fprintf(stderr, "hello_event: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}

	rc = spdk_app_start(&opts, hello_start, NULL);
	spdk_app_fini();
	if (rc == 0 && atomic_load(&g_failed)) {
		rc = 1;
	}
	printf("hello_event: done\n");
	return rc;
}

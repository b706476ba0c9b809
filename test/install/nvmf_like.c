/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * An application in the shape of SPDK's app/nvmf_tgt/nvmf_main.c, built by
 * test/install/run.sh against the installed library: main() only parses the
 * standard options and calls spdk_app_start(); the work lives in a
 * subsystem ("install_demo", SPDK_SUBSYSTEM_REGISTER) that the framework
 * initialises before the start function and finishes after spdk_app_stop().
 * The subsystem reserves a memzone; the memzones are dumped at start when
 * MEMZONE_DUMP is set (as nvmf_tgt does) and whenever SIGUSR1 arrives.
 * SIGINT / SIGTERM stop the application.
 *
 * Each step prints one line on stdout ("install_demo: init", "nvmf_like:
 * started", "install_demo: fini"), which run.sh checks.
 */

#include "spdk/stdinc.h"

#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/init.h"
#include "spdk/thread.h"

#define DEMO_ZONE	"install_demo"

static volatile sig_atomic_t g_dump_requested;
static struct spdk_poller *g_dump_poller;
static bool g_demo_ready;

static void
usr1_handler(int signo)
{
	(void)signo;
	/* Only a flag: spdk_memzone_dump() takes a lock and uses stdio. */
	g_dump_requested = 1;
}

static int
dump_poll(void *arg)
{
	(void)arg;
	if (!g_dump_requested) {
		return SPDK_POLLER_IDLE;
	}
	g_dump_requested = 0;
	spdk_memzone_dump(stdout);
	fflush(stdout);
	return SPDK_POLLER_BUSY;
}

static void
demo_init(void)
{
	struct sigaction sa = { .sa_handler = usr1_handler };

	if (spdk_memzone_reserve(DEMO_ZONE, 4096, SPDK_ENV_NUMA_ID_ANY, 0) == NULL) {
		spdk_subsystem_init_next(-ENOMEM);
		return;
	}
	g_dump_poller = SPDK_POLLER_REGISTER(dump_poll, NULL, 10 * 1000);
	sigemptyset(&sa.sa_mask);
	if (g_dump_poller == NULL || sigaction(SIGUSR1, &sa, NULL) != 0) {
		spdk_poller_unregister(&g_dump_poller);
		spdk_memzone_free(DEMO_ZONE);
		spdk_subsystem_init_next(-ENOMEM);
		return;
	}
	g_demo_ready = true;
	printf("install_demo: init\n");
	fflush(stdout);
	spdk_subsystem_init_next(0);
}

static void
demo_fini(void)
{
	signal(SIGUSR1, SIG_IGN);
	spdk_poller_unregister(&g_dump_poller);
	if (spdk_memzone_free(DEMO_ZONE) == 0) {
		printf("install_demo: fini\n");
		fflush(stdout);
	}
	spdk_subsystem_fini_next();
}

static struct spdk_subsystem g_demo_subsystem = {
	.name = "install_demo",
	.init = demo_init,
	.fini = demo_fini,
};

SPDK_SUBSYSTEM_REGISTER(g_demo_subsystem);

static void
nvmf_like_usage(void)
{
}

static int
nvmf_like_parse_arg(int ch, char *arg)
{
	(void)ch;
	(void)arg;
	return 0;
}

static void
nvmf_like_started(void *arg1)
{
	(void)arg1;
	if (!g_demo_ready || spdk_memzone_lookup(DEMO_ZONE) == NULL) {
		fprintf(stderr, "nvmf_like: the install_demo subsystem was not initialised "
			"before the start function\n");
		spdk_app_stop(-1);
		return;
	}
	printf("nvmf_like: started\n");
	if (getenv("MEMZONE_DUMP") != NULL) {
		spdk_memzone_dump(stdout);
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	int rc;
	struct spdk_app_opts opts = {};

	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "nvmf_like";
	if ((rc = spdk_app_parse_args(argc, argv, &opts, "", NULL, nvmf_like_parse_arg,
				      nvmf_like_usage)) != SPDK_APP_PARSE_ARGS_SUCCESS) {
		exit(rc);
	}

	/* Blocks until the application is exiting. */
	rc = spdk_app_start(&opts, nvmf_like_started, NULL);
	spdk_app_fini();
	return rc;
}

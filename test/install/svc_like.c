/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * An application in the shape of SPDK's test/app/bdev_svc/bdev_svc.c, built
 * by test/install/run.sh against the installed library: a default core mask
 * that, when the user leaves it alone, makes the start function unpin the
 * main pthread with spdk_unaffinitize_thread(); a sentinel file created at
 * start and removed by the shutdown callback, which then stops the app.
 *
 * The sentinel is <dir>/pw_svc_like<shm_id>, with dir from
 * PW_SVC_SENTINEL_DIR (default /tmp). It prints "svc_like: started, cpus
 * <before> -> <after>" (the main pthread's cpu count before and after the
 * unpinning) and "svc_like: shutdown".
 */

#include "spdk/stdinc.h"

#include "spdk/env.h"
#include "spdk/event.h"

static char g_path[PATH_MAX];
static bool g_unaffinitize_thread = false;

static void
svc_like_usage(void)
{
}

static int
svc_like_parse_arg(int ch, char *arg)
{
	(void)ch;
	(void)arg;
	return 0;
}

static int
cpu_count(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		return -1;
	}
	return CPU_COUNT(&set);
}

static void
svc_like_start(void *arg1)
{
	int shm_id = (int)(intptr_t)arg1;
	const char *dir = getenv("PW_SVC_SENTINEL_DIR");
	int before = cpu_count();
	int fd;

	if (g_unaffinitize_thread) {
		spdk_unaffinitize_thread();
	}
	snprintf(g_path, sizeof(g_path), "%s/pw_svc_like%d", dir != NULL ? dir : "/tmp", shm_id);
	fd = open(g_path, O_CREAT | O_EXCL | O_RDWR, S_IRUSR | S_IWUSR);
	if (fd < 0) {
		fprintf(stderr, "could not create sentinel file %s\n", g_path);
		exit(1);
	}
	close(fd);
	printf("svc_like: started, cpus %d -> %d, tid %d\n", before, cpu_count(), spdk_get_tid());
	fflush(stdout);
}

static void
svc_like_shutdown(void)
{
	unlink(g_path);
	printf("svc_like: shutdown\n");
	fflush(stdout);
	spdk_app_stop(0);
}

int
main(int argc, char **argv)
{
	int rc;
	struct spdk_app_opts opts = {};
	const char *reactor_mask = "0x1";

	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "svc_like";
	opts.reactor_mask = reactor_mask;
	opts.shutdown_cb = svc_like_shutdown;

	if ((rc = spdk_app_parse_args(argc, argv, &opts, "", NULL, svc_like_parse_arg,
				      svc_like_usage)) != SPDK_APP_PARSE_ARGS_SUCCESS) {
		exit(rc);
	}

	/* No -m given: unpin in the start function, as bdev_svc does. */
	if (opts.reactor_mask == reactor_mask) {
		g_unaffinitize_thread = true;
	}

	rc = spdk_app_start(&opts, svc_like_start, (void *)(intptr_t)opts.shm_id);
	spdk_app_fini();
	return rc;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/* A program of a Pinwheel user, built by test/install/cmake_consumer
 * (find_package) and by test/install/consumers.sh (pkg-config, shared and
 * -static): one lightweight thread, one message and one poller, driven by this
 * pthread; it prints the library's version and checks it against the headers'
 * and the CMake package's. */

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "pinwheel/version.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#define HEADER_VERSION STR(PW_VERSION_MAJOR) "." STR(PW_VERSION_MINOR) "." STR(PW_VERSION_PATCH)

static void
count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

static int
count_poll(void *ctx)
{
	(*(int *)ctx)++;
	return SPDK_POLLER_BUSY;
}

int
main(void)
{
	struct spdk_thread *thread;
	struct spdk_poller *poller;
	char expect[64];
	int msgs = 0, polls = 0, i;

	snprintf(expect, sizeof(expect), "Pinwheel v%s", HEADER_VERSION);
	if (strcmp(pw_version_string(), expect) != 0) {
		fprintf(stderr, "library says '%s', headers '%s'\n", pw_version_string(), expect);
		return 1;
	}
#ifdef PW_PACKAGE_VERSION
	if (strcmp(PW_PACKAGE_VERSION, HEADER_VERSION) != 0) {
		fprintf(stderr, "CMake package says %s, headers %s\n", PW_PACKAGE_VERSION,
			HEADER_VERSION);
		return 1;
	}
#endif
	if (spdk_thread_lib_init(NULL, 0) != 0) {
		fprintf(stderr, "spdk_thread_lib_init failed\n");
		return 1;
	}
	thread = spdk_thread_create("consumer", NULL);
	if (thread == NULL) {
		fprintf(stderr, "spdk_thread_create failed\n");
		return 1;
	}
	spdk_set_thread(thread);
	poller = spdk_poller_register(count_poll, &polls, 0);
	if (poller == NULL || spdk_thread_send_msg(thread, count_msg, &msgs) != 0) {
		fprintf(stderr, "no poller or message\n");
		return 1;
	}
	for (i = 0; i < 3; i++) {
		spdk_thread_poll(thread, 0, 0);
	}
	spdk_poller_unregister(&poller);
	spdk_thread_exit(thread);
	for (i = 0; i < 100 && !spdk_thread_is_exited(thread); i++) {
		spdk_thread_poll(thread, 0, 0);
	}
	if (!spdk_thread_is_exited(thread)) {
		fprintf(stderr, "the thread did not exit\n");
		return 1;
	}
	spdk_thread_destroy(thread);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	if (msgs != 1 || polls != 3) {
		fprintf(stderr, "%d message(s) run (want 1), %d poll(s) (want 3)\n", msgs, polls);
		return 1;
	}
	printf("%s: 1 message, 3 polls\n", pw_version_string());
	return 0;
}

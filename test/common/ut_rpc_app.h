/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Run an app with its RPC server on a private socket and talk to it from a
 * client pthread (header-only, for test/event/test_app_rpc*.c).
 *
 *   ut_rpc_app_run(&opts, scenario): spdk_app_start() with opts->rpc_addr set
 *   to <private dir>/spdk.sock; once the app thread ran start_fn, a client
 *   pthread connects and runs scenario(fd); then the app stops (unless the
 *   scenario stopped it itself). Returns spdk_app_start()'s rc.
 */

#ifndef UT_RPC_APP_H
#define UT_RPC_APP_H

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include "harness.h"
#include "ut_rpc_client.h"

struct ut_rpc_app {
	char		dir[64];
	char		sock[96];
	void		(*scenario)(int fd);
	void		(*setup)(void);		/* on the app thread, before the client */
	bool		stop_after;		/* stop the app when the scenario ends */
	pthread_t	client;
	bool		client_started;
};

static struct ut_rpc_app g_ut_app;

static inline void
ut_rpc_app_dir(void)
{
	if (g_ut_app.dir[0] != '\0') {
		return;
	}
	snprintf(g_ut_app.dir, sizeof(g_ut_app.dir), "/tmp/pw_app_rpc.XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(g_ut_app.dir));
	snprintf(g_ut_app.sock, sizeof(g_ut_app.sock), "%s/spdk.sock", g_ut_app.dir);
}

static void *
ut_rpc_client_main(void *arg)
{
	int fd = ut_rpc_connect(g_ut_app.sock);

	g_ut_app.scenario(fd);
	close(fd);
	if (g_ut_app.stop_after) {
		spdk_app_stop(0);
	}
	return NULL;
}

static inline void
ut_rpc_start_client(void)
{
	ASSERT_EQ(pthread_create(&g_ut_app.client, NULL, ut_rpc_client_main, NULL), 0);
	g_ut_app.client_started = true;
}

static void
ut_rpc_app_start_fn(void *ctx)
{
	if (g_ut_app.setup != NULL) {
		g_ut_app.setup();
	}
	ut_rpc_start_client();
}

/* Remove what a server left behind (it should leave nothing), then the folder. */
static inline void
ut_rpc_app_cleanup(void)
{
	char lock[128];

	snprintf(lock, sizeof(lock), "%s.lock", g_ut_app.sock);
	unlink(g_ut_app.sock);
	unlink(lock);
	rmdir(g_ut_app.dir);
}

static inline void
ut_rpc_app_opts(struct spdk_app_opts *opts, const char *mask)
{
	ut_rpc_app_dir();
	spdk_app_opts_init(opts, sizeof(*opts));
	opts->name = "test_app_rpc";
	opts->reactor_mask = mask;
	opts->print_level = SPDK_LOG_WARN;
	opts->rpc_addr = g_ut_app.sock;
}

static inline int
ut_rpc_app_run(struct spdk_app_opts *opts, void (*setup)(void), void (*scenario)(int fd))
{
	int rc;

	g_ut_app.setup = setup;
	g_ut_app.scenario = scenario;
	g_ut_app.stop_after = true;
	rc = spdk_app_start(opts, ut_rpc_app_start_fn, NULL);
	if (g_ut_app.client_started) {
		ASSERT_EQ(pthread_join(g_ut_app.client, NULL), 0);
		g_ut_app.client_started = false;
	}
	spdk_app_fini();
	return rc;
}

/* An answer that must be an error with \p code; returns it for more checks. */
static inline struct ut_rpc_resp *
ut_rpc_expect_error(int fd, const char *method, const char *params, int64_t code)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, method, params);

	if (r->result != NULL || r->error_code != code) {
		FAIL("%s %s: expected error %" PRId64 ", got %s", method,
		     params != NULL ? params : "(no params)", code, r->text);
	}
	return r;
}

/* An answer that must be the result `true`. */
static inline void
ut_rpc_expect_true(int fd, const char *method, const char *params)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, method, params);

	if (r->result == NULL || r->result->type != SPDK_JSON_VAL_TRUE) {
		FAIL("%s %s: expected true, got %s", method, params != NULL ? params : "", r->text);
	}
	ut_rpc_resp_free(r);
}

#endif /* UT_RPC_APP_H */

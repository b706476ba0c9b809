/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The "iobuf" subsystem in a running app: registered in every app; its init
 * reserves the pools with the options set before, its configuration is the
 * iobuf_set_options call that sets them again (framework_get_config), its
 * fini releases the pools.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/init.h"
#include "spdk/jsonrpc.h"
#include "spdk/thread.h"

#include <stdatomic.h>

#include "harness.h"
#include "ut_rpc_app.h"

static _Atomic int g_init_rc = 1;	/* 1: not yet */
static _Atomic bool g_fini_done;
static bool g_we_init;

static void
init_done(int rc, void *arg)
{
	(void)arg;
	atomic_store(&g_init_rc, rc);
}

static void
probe_stats(struct spdk_iobuf_module_stats *modules, uint32_t n, void *arg)
{
	(void)modules;
	(void)n;
	(void)arg;
}

/* On the app thread. */
static void
setup(void)
{
	struct spdk_iobuf_opts opts;

	ASSERT_TRUE(spdk_subsystem_exists("iobuf"));
	/* An app framework that already initialised its subsystems has done
	 * iobuf's too; otherwise run the chain here. */
	if (spdk_iobuf_get_stats(probe_stats, NULL) == 0) {
		atomic_store(&g_init_rc, 0);
		return;
	}
	spdk_iobuf_get_opts(&opts, sizeof(opts));
	opts.small_pool_count = 128;
	opts.large_bufsize = 65536;
	ASSERT_EQ(spdk_iobuf_set_opts(&opts), 0);
	g_we_init = true;
	spdk_subsystem_init(init_done, NULL);
}

static void
fini_done(void *arg)
{
	(void)arg;
	atomic_store(&g_fini_done, true);
}

static void
do_fini(void *arg)
{
	(void)arg;
	spdk_subsystem_fini(fini_done, NULL);
}

static void
scenario(int fd)
{
	struct spdk_json_val *call, *params;
	struct ut_rpc_resp *r;
	char *method;

	for (int i = 0; i < 3000 && atomic_load(&g_init_rc) == 1; i++) {
		usleep(10 * 1000);
	}
	ASSERT_EQ(atomic_load(&g_init_rc), 0);

	r = ut_rpc_call(fd, "framework_get_config", "{\"name\": \"iobuf\"}");
	ASSERT_NOT_NULL(r->result);
	ASSERT_EQ(ut_json_count(r->result), 1);
	call = ut_json_elem(r->result, 0);
	method = ut_json_str(ut_json_member(call, "method"));
	ASSERT_STR_EQ(method, "iobuf_set_options");
	free(method);
	params = ut_json_member(call, "params");
	ASSERT_NOT_NULL(params);
	if (g_we_init) {
		ASSERT_EQ(ut_json_u64(ut_json_member(params, "small_pool_count")), 128);
		ASSERT_EQ(ut_json_u64(ut_json_member(params, "large_bufsize")), 65536);
	}
	ASSERT_EQ(ut_json_u64(ut_json_member(params, "large_pool_count")), 1024);
	ASSERT_EQ(ut_json_u64(ut_json_member(params, "small_bufsize")), 8192);
	ASSERT_FALSE(ut_json_bool(ut_json_member(params, "enable_numa")));
	ut_rpc_resp_free(r);

	/* Initialised: the stats answer. */
	r = ut_rpc_call(fd, "iobuf_get_stats", NULL);
	ASSERT_NOT_NULL(r->result);
	ut_rpc_resp_free(r);

	if (g_we_init) {
		ASSERT_EQ(spdk_thread_send_msg(spdk_thread_get_app_thread(), do_fini, NULL), 0);
		for (int i = 0; i < 3000 && !atomic_load(&g_fini_done); i++) {
			usleep(10 * 1000);
		}
		ASSERT_TRUE(atomic_load(&g_fini_done));
		ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_get_stats", NULL, -ENODEV));
	}
}

TEST(iobuf_subsystem_inits_writes_its_config_and_finishes)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, setup, scenario), 0);
	ut_rpc_app_cleanup();
}

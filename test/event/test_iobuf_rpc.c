/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * iobuf's RPC methods in a running app, over its RPC socket:
 * - iobuf_set_options answers during --wait-for-rpc (STARTUP) only, keeps the
 *   fields not given, refuses what spdk_iobuf_set_opts() refuses with SPDK's
 *   code (-errno) and bad params with -32602;
 * - iobuf_get_stats (RUNTIME) answers SPDK's keys with each module's
 *   counters, and -ENODEV once iobuf is finished.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/jsonrpc.h"
#include "spdk/thread.h"

#include <stdatomic.h>

#include "harness.h"
#include "ut_rpc_app.h"

static _Atomic bool g_start_fn_ran;

static void
record_start(void *ctx)
{
	(void)ctx;
	atomic_store(&g_start_fn_ran, true);
}

static void *
set_options_client(void *arg)
{
	int fd = ut_rpc_connect(g_ut_app.sock);
	struct spdk_iobuf_opts opts;
	struct ut_rpc_resp *r;

	(void)arg;
	ut_rpc_expect_true(fd, "iobuf_set_options",
			   "{\"small_pool_count\": 100, \"large_bufsize\": 65536}");
	spdk_iobuf_get_opts(&opts, sizeof(opts));
	ASSERT_EQ(opts.small_pool_count, 100);
	ASSERT_EQ(opts.large_bufsize, 65536);
	ASSERT_EQ(opts.large_pool_count, 1024);		/* not given: kept */
	ASSERT_EQ(opts.small_bufsize, 8192);
	ut_rpc_expect_true(fd, "iobuf_set_options", "{\"enable_numa\": true}");
	spdk_iobuf_get_opts(&opts, sizeof(opts));
	ASSERT_EQ(opts.enable_numa, 1);
	ASSERT_EQ(opts.small_pool_count, 100);

	/* Refused by spdk_iobuf_set_opts(): SPDK answers -errno, strerror. */
	r = ut_rpc_expect_error(fd, "iobuf_set_options", "{\"small_pool_count\": 10}", -EINVAL);
	ASSERT_STR_EQ(r->error_message, "Invalid argument");
	ut_rpc_resp_free(r);
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_set_options", "{\"large_bufsize\": 4096}",
					     -EINVAL));
	spdk_iobuf_get_opts(&opts, sizeof(opts));
	ASSERT_EQ(opts.small_pool_count, 100);
	ASSERT_EQ(opts.large_bufsize, 65536);
	/* Bad params. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_set_options", "{\"small_pool_count\": \"x\"}",
					     SPDK_JSONRPC_ERROR_INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_set_options", "{\"nope\": 1}",
					     SPDK_JSONRPC_ERROR_INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_set_options", "{\"small_bufsize\": -1}",
					     SPDK_JSONRPC_ERROR_INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_set_options", NULL,
					     SPDK_JSONRPC_ERROR_INVALID_PARAMS));
	/* A RUNTIME method is refused before the framework starts. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_get_stats", NULL,
					     SPDK_JSONRPC_ERROR_INVALID_STATE));

	ut_rpc_expect_true(fd, "framework_start_init", NULL);
	for (int i = 0; i < 3000 && !atomic_load(&g_start_fn_ran); i++) {
		usleep(10 * 1000);
	}
	ASSERT_TRUE(atomic_load(&g_start_fn_ran));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_set_options", "{\"small_pool_count\": 200}",
					     SPDK_JSONRPC_ERROR_INVALID_STATE));
	spdk_iobuf_get_opts(&opts, sizeof(opts));
	ASSERT_EQ(opts.small_pool_count, 100);
	close(fd);
	spdk_app_stop(0);
	return NULL;
}

TEST(iobuf_set_options_at_startup_only)
{
	struct spdk_app_opts opts;
	pthread_t client;

	ut_rpc_app_opts(&opts, "0x1");
	opts.delay_subsystem_init = true;
	ASSERT_EQ(pthread_create(&client, NULL, set_options_client, NULL), 0);
	ASSERT_EQ(spdk_app_start(&opts, record_start, NULL), 0);
	ASSERT_EQ(pthread_join(client, NULL), 0);
	spdk_app_fini();
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * iobuf_get_stats
 * ------------------------------------------------------------------------- */

static struct spdk_iobuf_channel g_ch;
static _Atomic bool g_cleaned;

/* On the app thread: the pools the iobuf subsystem reserved, two modules, a
 * channel of mod_x with known counters: small 1 cache hit; large 1 hit and 1
 * from the pool. */
static void
stats_setup(void)
{
	void *s, *l1, *l2;

	/* The app's iobuf subsystem initialised iobuf before start_fn. */
	ASSERT_EQ(spdk_iobuf_initialize(), -EALREADY);
	ASSERT_EQ(spdk_iobuf_register_module("mod_x"), 0);
	ASSERT_EQ(spdk_iobuf_register_module("mod_y"), 0);
	ASSERT_EQ(spdk_iobuf_channel_init(&g_ch, "mod_x", 2, 1), 0);
	s = spdk_iobuf_get(&g_ch, 512, NULL, NULL);
	spdk_iobuf_put(&g_ch, s, 512);
	l1 = spdk_iobuf_get(&g_ch, 100000, NULL, NULL);
	l2 = spdk_iobuf_get(&g_ch, 100000, NULL, NULL);
	ASSERT_NOT_NULL(l1);
	ASSERT_NOT_NULL(l2);
	spdk_iobuf_put(&g_ch, l1, 100000);
	spdk_iobuf_put(&g_ch, l2, 100000);
}

static void
cleaned(void *arg)
{
	(void)arg;
	atomic_store(&g_cleaned, true);
}

static void
stats_cleanup(void *arg)
{
	(void)arg;
	spdk_iobuf_channel_fini(&g_ch);
	ASSERT_EQ(spdk_iobuf_unregister_module("mod_x"), 0);
	ASSERT_EQ(spdk_iobuf_unregister_module("mod_y"), 0);
	/* Finished before the subsystem's fini, whose spdk_iobuf_finish() then
	 * calls back at once. */
	spdk_iobuf_finish(cleaned, NULL);
}

static void
check_pool(struct spdk_json_val *mod, const char *name, uint64_t cache, uint64_t main_,
	   uint64_t retry, uint64_t cache_size)
{
	static const struct ut_json_key keys[] = {
		{"cache", UT_U64}, {"main", UT_U64}, {"retry", UT_U64}, {"cache_size", UT_U32},
	};
	struct spdk_json_val *pool = ut_json_member(mod, name);

	ASSERT_NOT_NULL(pool);
	ut_json_check_keys(pool, keys, SPDK_COUNTOF(keys), name);
	ASSERT_EQ(ut_json_u64(ut_json_member(pool, "cache")), cache);
	ASSERT_EQ(ut_json_u64(ut_json_member(pool, "main")), main_);
	ASSERT_EQ(ut_json_u64(ut_json_member(pool, "retry")), retry);
	ASSERT_EQ(ut_json_u64(ut_json_member(pool, "cache_size")), cache_size);
}

static void
stats_scenario(int fd)
{
	static const struct ut_json_key keys[] = {
		{"module", UT_STR}, {"small_pool", UT_OBJ}, {"large_pool", UT_OBJ},
	};
	struct ut_rpc_resp *r = ut_rpc_call(fd, "iobuf_get_stats", NULL);
	bool seen_x = false, seen_y = false;

	ASSERT_NOT_NULL(r->result);
	ASSERT_EQ(r->result->type, SPDK_JSON_VAL_ARRAY_BEGIN);
	for (size_t i = 0; i < ut_json_count(r->result); i++) {
		struct spdk_json_val *mod = ut_json_elem(r->result, i);
		char *name;

		ut_json_check_keys(mod, keys, SPDK_COUNTOF(keys), "iobuf_get_stats module");
		name = ut_json_str(ut_json_member(mod, "module"));
		if (strcmp(name, "mod_x") == 0) {
			seen_x = true;
			check_pool(mod, "small_pool", 1, 0, 0, 2);
			check_pool(mod, "large_pool", 1, 1, 0, 1);
		} else if (strcmp(name, "mod_y") == 0) {
			seen_y = true;
			check_pool(mod, "small_pool", 0, 0, 0, 0);
			check_pool(mod, "large_pool", 0, 0, 0, 0);
		}
		free(name);
	}
	ASSERT_TRUE(seen_x);
	ASSERT_TRUE(seen_y);
	ut_rpc_resp_free(r);

	/* Params are ignored, as SPDK. */
	r = ut_rpc_call(fd, "iobuf_get_stats", "{\"x\": 1}");
	ASSERT_NOT_NULL(r->result);
	ut_rpc_resp_free(r);

	ASSERT_EQ(spdk_thread_send_msg(spdk_thread_get_app_thread(), stats_cleanup, NULL), 0);
	for (int i = 0; i < 3000 && !atomic_load(&g_cleaned); i++) {
		usleep(10 * 1000);
	}
	ASSERT_TRUE(atomic_load(&g_cleaned));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "iobuf_get_stats", NULL, -ENODEV));
}

TEST(iobuf_get_stats_has_spdks_keys_and_counts)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, stats_setup, stats_scenario), 0);
	ut_rpc_app_cleanup();
}

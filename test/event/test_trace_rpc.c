/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The trace's RPC methods in a running app, over its RPC socket, with SPDK's
 * params and answers: trace_enable/disable_tpoint_group (names and "all"),
 * trace_set/clear_tpoint_mask, trace_get_tpoint_group_mask (per group:
 * enabled, mask, tpoint_mask, the tracepoints), trace_get_info, trace_clear;
 * bad params (missing, wrong type, unknown group, "all" for a mask, params
 * where none are taken) get -32602 and change nothing. With no trace
 * (--num-trace-entries 0) the changes are refused and the queries answer 0.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/jsonrpc.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#include <stdatomic.h>

#include "harness.h"
#include "ut_rpc_app.h"

#define GA	2
#define GB	5

static void
ga_trace(void)
{
	spdk_trace_register_description("X_POINT", SPDK_TPOINT_ID(GA, 0), 0, 0, 0,
					SPDK_TRACE_ARG_TYPE_INT, "v");
	spdk_trace_register_description("Y_POINT", SPDK_TPOINT_ID(GA, 3), 0, 0, 0,
					SPDK_TRACE_ARG_TYPE_INT, "v");
}
SPDK_TRACE_REGISTER_FN(ga_trace, "rga", GA)

static void
gb_trace(void)
{
}
SPDK_TRACE_REGISTER_FN(gb_trace, "rgb", GB)

static char *
member_str(struct spdk_json_val *obj, const char *name)
{
	struct spdk_json_val *v = ut_json_member(obj, name);

	ASSERT_NOT_NULL(v);
	return ut_json_str(v);
}

static void
expect_str(struct spdk_json_val *obj, const char *name, const char *want)
{
	char *s = member_str(obj, name);

	if (strcmp(s, want) != 0) {
		FAIL("%s: expected '%s', got '%s'", name, want, s);
	}
	free(s);
}

static void
expect_invalid(int fd, const char *method, const char *params)
{
	struct ut_rpc_resp *r = ut_rpc_expect_error(fd, method, params,
				SPDK_JSONRPC_ERROR_INVALID_PARAMS);

	ut_rpc_resp_free(r);
}

static void
methods(int fd)
{
	struct ut_rpc_resp *r;
	struct spdk_json_val *g, *tps, *tp;

	ut_rpc_expect_true(fd, "trace_enable_tpoint_group", "{\"name\": \"rgb\"}");
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GB), UINT64_MAX);
	ut_rpc_expect_true(fd, "trace_disable_tpoint_group", "{\"name\": \"rgb\"}");
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GB), 0);
	ut_rpc_expect_true(fd, "trace_enable_tpoint_group", "{\"name\": \"all\"}");
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GA), UINT64_MAX);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GB), UINT64_MAX);
	ut_rpc_expect_true(fd, "trace_disable_tpoint_group", "{\"name\": \"all\"}");
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), 0);

	ut_rpc_expect_true(fd, "trace_set_tpoint_mask", "{\"name\": \"rga\", \"tpoint_mask\": 9}");
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GA), 9);
	ut_rpc_expect_true(fd, "trace_clear_tpoint_mask", "{\"name\": \"rga\", \"tpoint_mask\": 1}");
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GA), 8);

	r = ut_rpc_call(fd, "trace_get_tpoint_group_mask", NULL);
	ASSERT_NOT_NULL(r->result);
	expect_str(r->result, "tpoint_group_mask", "0x4");
	g = ut_json_member(r->result, "rga");
	ASSERT_NOT_NULL(g);
	ASSERT_TRUE(ut_json_bool(ut_json_member(g, "enabled")));
	expect_str(g, "mask", "0x4");
	expect_str(g, "tpoint_mask", "0x8");
	tps = ut_json_member(g, "tpoints");
	ASSERT_EQ(ut_json_count(tps), 2);
	tp = ut_json_elem(tps, 0);
	expect_str(tp, "name", "X_POINT");
	ASSERT_EQ(ut_json_u64(ut_json_member(tp, "tpoint_id")), 0);
	ASSERT_FALSE(ut_json_bool(ut_json_member(tp, "enabled")));
	tp = ut_json_elem(tps, 1);
	expect_str(tp, "name", "Y_POINT");
	ASSERT_EQ(ut_json_u64(ut_json_member(tp, "tpoint_id")), 3);
	ASSERT_TRUE(ut_json_bool(ut_json_member(tp, "enabled")));
	g = ut_json_member(r->result, "rgb");
	ASSERT_FALSE(ut_json_bool(ut_json_member(g, "enabled")));
	expect_str(g, "mask", "0x20");
	ASSERT_EQ(ut_json_count(ut_json_member(g, "tpoints")), 0);
	ut_rpc_resp_free(r);

	r = ut_rpc_call(fd, "trace_get_info", NULL);
	ASSERT_NOT_NULL(r->result);
	char want[96];
	snprintf(want, sizeof(want), "/dev/shm/test_app_rpc_trace.pid%d", (int)getpid());
	expect_str(r->result, "tpoint_shm_path", want);
	expect_str(r->result, "tpoint_group_mask", "0x4");
	expect_str(ut_json_member(r->result, "rga"), "tpoint_mask", "0x8");
	expect_str(ut_json_member(r->result, "rga"), "mask", "0x4");
	expect_str(ut_json_member(r->result, "rgb"), "tpoint_mask", "0x0");
	ASSERT_TRUE(ut_json_bool(ut_json_member(r->result, "pw_in_process_memory")));
	ut_rpc_resp_free(r);

	ut_rpc_expect_true(fd, "trace_clear", NULL);

	/* Refusals change nothing. */
	expect_invalid(fd, "trace_enable_tpoint_group", "{\"name\": \"nope\"}");
	expect_invalid(fd, "trace_enable_tpoint_group", "{\"name\": 3}");
	expect_invalid(fd, "trace_enable_tpoint_group", "{}");
	expect_invalid(fd, "trace_enable_tpoint_group", NULL);
	expect_invalid(fd, "trace_disable_tpoint_group", "{\"name\": \"nope\"}");
	expect_invalid(fd, "trace_set_tpoint_mask", "{\"name\": \"rga\"}");
	expect_invalid(fd, "trace_set_tpoint_mask", "{\"name\": \"rga\", \"tpoint_mask\": -1}");
	expect_invalid(fd, "trace_set_tpoint_mask", "{\"name\": \"rga\", \"tpoint_mask\": \"0x1\"}");
	expect_invalid(fd, "trace_set_tpoint_mask", "{\"name\": \"all\", \"tpoint_mask\": 1}");
	expect_invalid(fd, "trace_set_tpoint_mask", "{\"name\": \"nope\", \"tpoint_mask\": 1}");
	expect_invalid(fd, "trace_clear_tpoint_mask", "{\"name\": \"rga\", \"tpoint_mask\": 8, \"x\": 1}");
	expect_invalid(fd, "trace_get_tpoint_group_mask", "{}");
	expect_invalid(fd, "trace_get_info", "[]");
	expect_invalid(fd, "trace_clear", "{}");
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GA));
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GA), 8);
}

TEST(trace_methods)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, NULL, methods), 0);
	ut_rpc_app_cleanup();
}

static void
no_trace(int fd)
{
	struct ut_rpc_resp *r;

	expect_invalid(fd, "trace_enable_tpoint_group", "{\"name\": \"rga\"}");
	expect_invalid(fd, "trace_set_tpoint_mask", "{\"name\": \"rga\", \"tpoint_mask\": 1}");
	r = ut_rpc_call(fd, "trace_get_info", NULL);
	ASSERT_NOT_NULL(r->result);
	expect_str(r->result, "tpoint_group_mask", "0x0");
	expect_str(r->result, "tpoint_shm_path", "/dev/shm");
	ut_rpc_resp_free(r);
	r = ut_rpc_call(fd, "trace_get_tpoint_group_mask", NULL);
	ASSERT_NOT_NULL(r->result);
	ASSERT_EQ(ut_json_count(ut_json_member(ut_json_member(r->result, "rga"), "tpoints")), 0);
	ut_rpc_resp_free(r);
}

TEST(trace_methods_without_trace)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	opts.num_entries = 0;
	ASSERT_EQ(ut_rpc_app_run(&opts, NULL, no_trace), 0);
	ut_rpc_app_cleanup();
}

static _Atomic bool g_started;

static void
mark_started(void *ctx)
{
	atomic_store(&g_started, true);
}

static void *
startup_client(void *arg)
{
	int fd = ut_rpc_connect(g_ut_app.sock);

	ut_rpc_expect_true(fd, "trace_enable_tpoint_group", "{\"name\": \"rga\"}");
	ut_rpc_expect_true(fd, "trace_set_tpoint_mask", "{\"name\": \"rgb\", \"tpoint_mask\": 1}");
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), SPDK_BIT(GA) | SPDK_BIT(GB));
	/* RUNTIME only, as SPDK. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "trace_clear", NULL,
					     SPDK_JSONRPC_ERROR_INVALID_STATE));
	ut_rpc_expect_true(fd, "framework_start_init", NULL);
	for (int i = 0; i < 3000 && !atomic_load(&g_started); i++) {
		usleep(10 * 1000);
	}
	ASSERT_TRUE(atomic_load(&g_started));
	ut_rpc_expect_true(fd, "trace_clear", NULL);
	close(fd);
	spdk_app_stop(0);
	return NULL;
}

TEST(trace_methods_at_startup)
{
	struct spdk_app_opts opts;
	pthread_t client;

	ut_rpc_app_opts(&opts, "0x1");
	opts.delay_subsystem_init = true;
	ASSERT_EQ(pthread_create(&client, NULL, startup_client, NULL), 0);
	ASSERT_EQ(spdk_app_start(&opts, mark_started, NULL), 0);
	ASSERT_EQ(pthread_join(client, NULL), 0);
	spdk_app_fini();
	ut_rpc_app_cleanup();
}

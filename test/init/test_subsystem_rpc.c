/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * framework_get_subsystems and framework_get_config (lib/init/subsystem_rpc.c)
 * through a real RPC server on a private socket, driven by hand
 * (test/rpc/ut_rpc.h), with the test's own subsystems: SPDK's result keys,
 * the initialisation order once sorted, each subsystem's write_config_json
 * output or null, and SPDK's errors.
 */

#include "harness.h"
#include "../rpc/ut_rpc.h"

#include "init/init_internal.h"
#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/rpc.h"

static void
write_cfg(struct spdk_json_write_ctx *w)
{
	spdk_json_write_array_begin(w);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "method", "ut_set_size");
	spdk_json_write_named_object_begin(w, "params");
	spdk_json_write_named_uint32(w, "size", 42);
	spdk_json_write_object_end(w);
	spdk_json_write_object_end(w);
	spdk_json_write_array_end(w);
}

static void
write_empty(struct spdk_json_write_ctx *w)
{
	spdk_json_write_array_begin(w);
	spdk_json_write_array_end(w);
}

/* Registered backwards: "top" needs "mid" and "base", "mid" needs "base". */
static struct spdk_subsystem g_top = { .name = "top" };
static struct spdk_subsystem g_mid = { .name = "mid", .write_config_json = write_cfg };
static struct spdk_subsystem g_base = { .name = "base", .write_config_json = write_empty };
static struct spdk_subsystem_depend g_top_mid = { .name = "top", .depends_on = "mid" };
static struct spdk_subsystem_depend g_top_base = { .name = "top", .depends_on = "base" };
static struct spdk_subsystem_depend g_mid_base = { .name = "mid", .depends_on = "base" };

static char g_sock[128];
static int g_init_rc = 1;

static struct ut_cli *
start(void)
{
	ut_srv_init();
	pw__subsystem_reset_for_tests();
	spdk_add_subsystem(&g_top);
	spdk_add_subsystem(&g_mid);
	spdk_add_subsystem(&g_base);
	spdk_add_subsystem_depend(&g_top_mid);
	spdk_add_subsystem_depend(&g_top_base);
	spdk_add_subsystem_depend(&g_mid_base);
	ut_tmpdir();
	ut_path(g_sock, sizeof(g_sock), "s.sock");
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	return ut_cli_connect(g_sock);
}

static void
stop(struct ut_cli *c)
{
	ut_cli_close(c);
	spdk_rpc_finish();
	ut_srv_idle(4);
	ut_srv_fini();
	ut_rmtree();
	ut_leak_check();
}

static void
expect(struct ut_cli *c, const char *request, const char *response)
{
	char *line;

	ut_cli_send(c, request);
	line = ut_cli_line(c);
	ASSERT_NOT_NULL(line);
	ASSERT_STR_EQ(line, response);
	free(line);
}

static void
init_done(int rc, void *arg)
{
	*(int *)arg = rc;
}

static void
fini_done(void *arg)
{
	*(bool *)arg = true;
}

#define RESULT(x) "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" x "}"
#define ERROR(code, msg) "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":" code \
	",\"message\":\"" msg "\"}}"

TEST(get_subsystems_lists_names_and_dependencies_in_init_order)
{
	struct ut_cli *c = start();
	bool finished = false;

	/* Before the start: registration order. */
	expect(c, "{\"method\":\"framework_get_subsystems\",\"id\":1}",
	       RESULT("[{\"subsystem\":\"top\",\"depends_on\":[\"mid\",\"base\"]},"
		      "{\"subsystem\":\"mid\",\"depends_on\":[\"base\"]},"
		      "{\"subsystem\":\"base\",\"depends_on\":[]}]"));
	spdk_subsystem_init(init_done, &g_init_rc);
	ASSERT_EQ(g_init_rc, 0);
	/* Once sorted: the initialisation order. */
	expect(c, "{\"method\":\"framework_get_subsystems\",\"id\":1}",
	       RESULT("[{\"subsystem\":\"base\",\"depends_on\":[]},"
		      "{\"subsystem\":\"mid\",\"depends_on\":[\"base\"]},"
		      "{\"subsystem\":\"top\",\"depends_on\":[\"mid\",\"base\"]}]"));
	spdk_subsystem_fini(fini_done, &finished);
	ASSERT_TRUE(finished);
	stop(c);
}

TEST(get_subsystems_with_none_registered_is_an_empty_array)
{
	struct ut_cli *c = start();

	pw__subsystem_reset_for_tests();
	expect(c, "{\"method\":\"framework_get_subsystems\",\"id\":1}", RESULT("[]"));
	stop(c);
}

TEST(get_config_writes_the_subsystems_config_or_null)
{
	struct ut_cli *c = start();

	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,\"params\":{\"name\":\"mid\"}}",
	       RESULT("[{\"method\":\"ut_set_size\",\"params\":{\"size\":42}}]"));
	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,\"params\":{\"name\":\"base\"}}",
	       RESULT("[]"));
	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,\"params\":{\"name\":\"top\"}}",
	       RESULT("null"));
	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,"
	       "\"params\":{\"name\":\"mid\",\"with_batches\":true}}",
	       RESULT("[{\"method\":\"ut_set_size\",\"params\":{\"size\":42}}]"));
	stop(c);
}

TEST(bad_params_and_unknown_names_get_spdks_errors)
{
	struct ut_cli *c = start();

	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,\"params\":{\"name\":\"bdev\"}}",
	       ERROR("-32602", "Subsystem 'bdev' not found"));
	expect(c, "{\"method\":\"framework_get_config\",\"id\":1}",
	       ERROR("-32602", "framework_get_config wants {\\\"name\\\": <subsystem>} "
		     "and optionally \\\"with_batches\\\": <bool>"));
	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,\"params\":{\"name\":7}}",
	       ERROR("-32602", "framework_get_config wants {\\\"name\\\": <subsystem>} "
		     "and optionally \\\"with_batches\\\": <bool>"));
	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,"
	       "\"params\":{\"name\":\"mid\",\"x\":1}}",
	       ERROR("-32602", "framework_get_config wants {\\\"name\\\": <subsystem>} "
		     "and optionally \\\"with_batches\\\": <bool>"));
	expect(c, "{\"method\":\"framework_get_subsystems\",\"id\":1,\"params\":{\"x\":1}}",
	       ERROR("-32602", "framework_get_subsystems requires no parameters"));
	/* RUNTIME only, as SPDK. */
	spdk_rpc_set_state(SPDK_RPC_STARTUP);
	expect(c, "{\"method\":\"framework_get_subsystems\",\"id\":1}",
	       ERROR("-1", "Method may only be called after framework is initialized using "
		     "framework_start_init RPC."));
	expect(c, "{\"method\":\"framework_get_config\",\"id\":1,\"params\":{\"name\":\"mid\"}}",
	       ERROR("-1", "Method may only be called after framework is initialized using "
		     "framework_start_init RPC."));
	stop(c);
}

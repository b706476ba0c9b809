/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The RPC method registry (lib/rpc/rpc.c) through spdk_rpc_initialize() and
 * a raw client: SPDK_RPC_REGISTER and deprecated aliases, state masks and
 * SPDK's -1 answers, the allowlist, unknown methods, duplicate registrations,
 * and the methods rpc_get_methods and spdk_get_version.
 */

#include "harness.h"
#include "log_capture.h"
#include "ut_rpc.h"

#include "spdk/init.h"
#include "spdk/rpc.h"
#include "pinwheel/version.h"

static void
ut_hello(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;

	(void)params;
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_string(w, "hello");
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("ut_hello", ut_hello, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)
SPDK_RPC_REGISTER_ALIAS_DEPRECATED(ut_hello, ut_hello_old)

static void
ut_runtime_only(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("ut_runtime_only", ut_runtime_only, SPDK_RPC_RUNTIME)

static void
ut_startup_only(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("ut_startup_only", ut_startup_only, SPDK_RPC_STARTUP)

static char g_sock[128];

static struct ut_cli *
start(void)
{
	ut_srv_init();
	ut_tmpdir();
	ut_path(g_sock, sizeof(g_sock), "r.sock");
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), 0);
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
}

/* Send one request and return its response line (malloc'd). */
static char *
call(struct ut_cli *c, const char *request)
{
	char *line;

	ut_cli_send(c, request);
	line = ut_cli_line(c);
	ASSERT_NOT_NULL(line);
	return line;
}

static void
expect(struct ut_cli *c, const char *request, const char *response)
{
	char *line = call(c, request);

	ASSERT_STR_EQ(line, response);
	free(line);
}

#define STARTUP_ERR "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,\"message\":" \
	"\"Method may only be called after framework is initialized using framework_start_init RPC.\"}}"
#define RUNTIME_ERR "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-1,\"message\":" \
	"\"Method may only be called before framework is initialized. Use --wait-for-rpc command " \
	"line parameter and then issue this RPC before the framework_start_init RPC.\"}}"
#define NOT_FOUND "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601," \
	"\"message\":\"Method not found\"}}"

TEST(registered_method_and_deprecated_alias)
{
	struct ut_cli *c = start();

	ASSERT_TRUE(spdk_rpc_verify_methods());
	expect(c, "{\"method\":\"ut_hello\",\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}");
	log_capture_start();
	expect(c, "{\"method\":\"ut_hello_old\",\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}");
	expect(c, "{\"method\":\"ut_hello_old\",\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}");
	/* Logged once. */
	ASSERT_EQ(log_capture_count_matching("RPC method ut_hello_old is deprecated.  Use ut_hello instead."),
		  1);
	log_capture_stop();
	stop(c);
}

TEST(unknown_method)
{
	struct ut_cli *c = start();

	expect(c, "{\"method\":\"no_such_method\",\"id\":1}", NOT_FOUND);
	ASSERT_EQ(spdk_rpc_is_method_allowed("no_such_method", SPDK_RPC_RUNTIME), -ENOENT);
	stop(c);
}

TEST(state_masks)
{
	struct ut_cli *c = start();
	uint32_t mask = 0;

	ASSERT_EQ(spdk_rpc_get_state(), SPDK_RPC_STARTUP);
	expect(c, "{\"method\":\"ut_runtime_only\",\"id\":1}", STARTUP_ERR);
	expect(c, "{\"method\":\"ut_startup_only\",\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	ASSERT_EQ(spdk_rpc_get_state(), SPDK_RPC_RUNTIME);
	expect(c, "{\"method\":\"ut_runtime_only\",\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	expect(c, "{\"method\":\"ut_startup_only\",\"id\":1}", RUNTIME_ERR);

	ASSERT_EQ(spdk_rpc_is_method_allowed("ut_runtime_only", SPDK_RPC_RUNTIME), 0);
	ASSERT_EQ(spdk_rpc_is_method_allowed("ut_runtime_only", SPDK_RPC_STARTUP), -EPERM);
	ASSERT_EQ(spdk_rpc_is_method_allowed("ut_hello", SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME), 0);
	ASSERT_EQ(spdk_rpc_get_method_state_mask("ut_startup_only", &mask), 0);
	ASSERT_EQ(mask, SPDK_RPC_STARTUP);
	ASSERT_EQ(spdk_rpc_get_method_state_mask("ut_hello_old", &mask), 0);
	ASSERT_EQ(mask, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME);
	ASSERT_EQ(spdk_rpc_get_method_state_mask("nope", &mask), -ENOENT);
	stop(c);
}

TEST(allowlist)
{
	const char *list[] = { "ut_hello", "rpc_get_methods", NULL };
	struct ut_cli *c;
	char *line;

	spdk_rpc_set_allowlist(list);
	c = start();
	expect(c, "{\"method\":\"ut_hello\",\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}");
	/* Left out: "Method not found", as SPDK; the alias too (its own name is not listed). */
	expect(c, "{\"method\":\"spdk_get_version\",\"id\":1}", NOT_FOUND);
	expect(c, "{\"method\":\"ut_hello_old\",\"id\":1}", NOT_FOUND);
	line = call(c, "{\"method\":\"rpc_get_methods\",\"id\":1,\"params\":{\"include_aliases\":true}}");
	/* In registration order, which depends on the order of constructors. */
	if (strcmp(line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[\"ut_hello\",\"rpc_get_methods\"]}") != 0) {
		ASSERT_STR_EQ(line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[\"rpc_get_methods\",\"ut_hello\"]}");
	}
	free(line);
	ASSERT_EQ(spdk_rpc_is_method_allowed("spdk_get_version", SPDK_RPC_STARTUP), -ENOENT);
	ASSERT_EQ(spdk_rpc_is_method_allowed("ut_hello", SPDK_RPC_STARTUP), 0);
	/* NULL allows everything again. */
	spdk_rpc_set_allowlist(NULL);
	expect(c, "{\"method\":\"ut_hello_old\",\"id\":1}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}");
	stop(c);
}

TEST(rpc_get_methods)
{
	struct ut_cli *c = start();
	char *line;

	line = call(c, "{\"method\":\"rpc_get_methods\",\"id\":1}");
	ASSERT_STR_CONTAINS(line, "\"rpc_get_methods\"");
	ASSERT_STR_CONTAINS(line, "\"spdk_get_version\"");
	ASSERT_STR_CONTAINS(line, "\"ut_hello\"");
	ASSERT_STR_CONTAINS(line, "\"ut_runtime_only\"");
	ASSERT_NULL(strstr(line, "ut_hello_old"));
	free(line);
	/* current: only what the STARTUP state allows. */
	line = call(c, "{\"method\":\"rpc_get_methods\",\"id\":1,\"params\":{\"current\":true,"
		    "\"include_aliases\":true}}");
	ASSERT_STR_CONTAINS(line, "\"ut_startup_only\"");
	ASSERT_STR_CONTAINS(line, "\"ut_hello_old\"");
	ASSERT_NULL(strstr(line, "ut_runtime_only"));
	free(line);
	expect(c, "{\"method\":\"rpc_get_methods\",\"id\":1,\"params\":{\"current\":1}}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"Invalid parameters\"}}");
	expect(c, "{\"method\":\"rpc_get_methods\",\"id\":1,\"params\":{\"bogus\":true}}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":\"Invalid parameters\"}}");
	stop(c);
}

TEST(spdk_get_version)
{
	struct ut_cli *c = start();
	char want[256];

	snprintf(want, sizeof(want), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"version\":\"%s\","
		 "\"fields\":{\"major\":%d,\"minor\":%d,\"patch\":%d,\"suffix\":\"\"}}}",
		 pw_version_string(), PW_VERSION_MAJOR, PW_VERSION_MINOR, PW_VERSION_PATCH);
	ASSERT_EQ(strncmp(pw_version_string(), "Pinwheel v", 10), 0);
	expect(c, "{\"method\":\"spdk_get_version\",\"id\":1}", want);
	expect(c, "{\"method\":\"spdk_get_version\",\"id\":1,\"params\":{}}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,"
	       "\"message\":\"spdk_get_version method requires no parameters\"}}");
	stop(c);
}

TEST(duplicate_registration_refused_and_init_fails)
{
	log_capture_start();
	spdk_rpc_register_method("ut_hello", ut_startup_only, SPDK_RPC_RUNTIME);
	ASSERT_TRUE(log_capture_contains("RPC method ut_hello registered twice"));
	ASSERT_FALSE(spdk_rpc_verify_methods());
	ut_srv_init();
	ut_tmpdir();
	ut_path(g_sock, sizeof(g_sock), "r.sock");
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EINVAL);
	log_capture_stop();
	ut_srv_fini();
	ut_rmtree();
}

TEST(bad_aliases_refused)
{
	log_capture_start();
	spdk_rpc_register_alias_deprecated("no_such_method", "ut_alias1");
	ASSERT_TRUE(log_capture_contains("RPC alias ut_alias1 of method no_such_method: no such method"));
	spdk_rpc_register_alias_deprecated("ut_hello_old", "ut_alias2");
	ASSERT_TRUE(log_capture_contains("ut_hello_old is itself an alias"));
	spdk_rpc_register_alias_deprecated("ut_hello", "ut_runtime_only");
	ASSERT_TRUE(log_capture_contains("the name is registered already"));
	spdk_rpc_register_method(NULL, ut_hello, 0);
	spdk_rpc_register_method("x", NULL, 0);
	log_capture_stop();
	ASSERT_FALSE(spdk_rpc_verify_methods());
	ASSERT_EQ(spdk_rpc_is_method_allowed("ut_alias1", SPDK_RPC_STARTUP), -ENOENT);
	ASSERT_EQ(spdk_rpc_is_method_allowed("x", SPDK_RPC_STARTUP), -ENOENT);
}

TEST(batch_through_the_registry)
{
	struct ut_cli *c = start();

	expect(c, "[{\"method\":\"ut_hello\",\"id\":1},{\"method\":\"nope\",\"id\":2}]",
	       "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"},"
	       "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32601,\"message\":\"Method not found\"}}]");
	stop(c);
}

TEST(initialize_options_and_misuse)
{
	struct spdk_rpc_opts opts = { .size = 0 };
	char other[128];

	log_capture_start();
	/* Not on an spdk_thread. */
	ASSERT_EQ(spdk_rpc_initialize("/tmp/x.sock", NULL), -EINVAL);
	ut_srv_init();
	ut_tmpdir();
	ut_path(g_sock, sizeof(g_sock), "r.sock");
	ut_path(other, sizeof(other), "o.sock");
	ASSERT_EQ(spdk_rpc_initialize(NULL, NULL), -EINVAL);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, &opts), -EINVAL);
	opts.size = sizeof(opts);
	opts.log_level = SPDK_LOG_NOTICE;
	ASSERT_EQ(spdk_rpc_initialize(g_sock, &opts), 0);
	ASSERT_EQ(spdk_rpc_initialize(g_sock, NULL), -EADDRINUSE);
	/* A second address. */
	ASSERT_EQ(spdk_rpc_initialize(other, NULL), 0);
	spdk_rpc_server_pause(other);
	spdk_rpc_server_resume(other);
	spdk_rpc_server_pause("/nowhere");
	ASSERT_TRUE(log_capture_contains("no server listening on /nowhere"));
	spdk_rpc_server_finish(other);
	ASSERT_EQ(access(other, F_OK), -1);
	spdk_rpc_server_finish(other);
	ASSERT_TRUE(log_capture_contains("No server listening on provided address"));
	spdk_rpc_finish();
	ASSERT_EQ(access(g_sock, F_OK), -1);
	log_capture_stop();
	ut_srv_fini();
	ut_rmtree();
}

TEST(requests_are_logged_when_asked)
{
	struct spdk_rpc_opts opts = { .size = sizeof(opts), .log_level = SPDK_LOG_NOTICE };
	struct ut_cli *c;

	ut_srv_init();
	ut_tmpdir();
	ut_path(g_sock, sizeof(g_sock), "r.sock");
	ASSERT_EQ(spdk_rpc_initialize(g_sock, &opts), 0);
	c = ut_cli_connect(g_sock);
	log_capture_start();
	expect(c, "{\n \"method\": \"ut_hello\",\n \"id\": 1\n}",
	       "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}");
	ASSERT_TRUE(log_capture_contains("request: { \"method\": \"ut_hello\", \"id\": 1}"));
	ASSERT_TRUE(log_capture_contains("response: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}"));
	log_capture_stop();
	spdk_jsonrpc_set_log_level(SPDK_LOG_DISABLED);
	stop(c);
}

TEST(pause_stops_reading_until_resume)
{
	struct ut_cli *c = start();

	spdk_rpc_server_pause(g_sock);
	ut_cli_send(c, "{\"method\":\"ut_hello\",\"id\":1}");
	ut_srv_idle(10);
	ut_cli_pump(c);
	ASSERT_EQ(c->len, 0);
	spdk_rpc_server_resume(g_sock);
	expect(c, "", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"hello\"}");
	stop(c);
}

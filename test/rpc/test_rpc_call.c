/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * pw_rpc_call(): a registered method called in-process, with the server's
 * checks (unknown method, --rpcs-allowed list, state mask, aliases, params
 * that are not an object or array), results and errors handed back parsed,
 * the callback never inside the call and always on the caller's thread, an
 * answer that comes later from another spdk_thread, and misuse.
 */

#include "harness.h"
#include "log_capture.h"
#include "ut_rpc.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "pinwheel/rpc.h"

/* What the callback saw. */
struct seen {
	int		calls;
	struct spdk_thread *thread;
	bool		ok;
	int32_t		code;
	char		message[256];
	char		result[256];	/* the result written back as JSON */
	bool		error_obj;
};

static int
buf_write(void *ctx, const void *data, size_t size)
{
	char *buf = ctx;
	size_t len = strlen(buf);

	ASSERT_LT(len + size, 256);
	memcpy(buf + len, data, size);
	buf[len + size] = '\0';
	return 0;
}

static void
seen_cb(void *arg, const struct pw_rpc_response *rsp)
{
	struct seen *s = arg;
	struct spdk_json_write_ctx *w;

	s->calls++;
	s->thread = spdk_get_thread();
	s->ok = rsp->result != NULL;
	s->code = rsp->error_code;
	s->error_obj = rsp->error != NULL;
	if (rsp->error_message != NULL) {
		snprintf(s->message, sizeof(s->message), "%s", rsp->error_message);
	}
	if (rsp->result != NULL) {
		s->result[0] = '\0';
		w = spdk_json_write_begin(buf_write, s->result, 0);
		ASSERT_NOT_NULL(w);
		ASSERT_EQ(spdk_json_write_val(w, rsp->result), 0);
		ASSERT_EQ(spdk_json_write_end(w), 0);
	}
}

/* Parse text into a static array of values (for params). */
static struct spdk_json_val g_vals[64];
static char g_text[512];

static const struct spdk_json_val *
params_of(const char *text)
{
	ssize_t n;

	snprintf(g_text, sizeof(g_text), "%s", text);
	n = spdk_json_parse(g_text, strlen(g_text), g_vals, SPDK_COUNTOF(g_vals), NULL,
			    SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	ASSERT_GT(n, 0);
	return g_vals;
}

/* ---- methods ---- */

/* Answers its params back as its result (or true without params). */
static void
ut_echo(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;

	w = spdk_jsonrpc_begin_result(request);
	if (params == NULL) {
		spdk_json_write_bool(w, true);
	} else {
		spdk_json_write_val(w, params);
	}
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("ut_echo", ut_echo, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)
SPDK_RPC_REGISTER_ALIAS_DEPRECATED(ut_echo, ut_echo_old)

static void
ut_fail(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	spdk_jsonrpc_send_error_response_fmt(request, -EEXIST, "already there: %s", "x");
}
SPDK_RPC_REGISTER("ut_fail", ut_fail, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
ut_runtime(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("ut_runtime", ut_runtime, SPDK_RPC_RUNTIME)

/* Keeps the request; the test answers it later, from wherever it likes. */
static struct spdk_jsonrpc_request *g_held;
static bool g_held_conn_null;

static void
ut_hold(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	g_held = request;
	g_held_conn_null = spdk_jsonrpc_get_conn(request) == NULL;
}
SPDK_RPC_REGISTER("ut_hold", ut_hold, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
answer_held(void *arg)
{
	struct spdk_json_write_ctx *w;

	(void)arg;
	w = spdk_jsonrpc_begin_result(g_held);
	spdk_json_write_string(w, "later");
	spdk_jsonrpc_end_result(g_held, w);
	g_held = NULL;
}

/* ---- helpers ---- */

static void
start(void)
{
	ut_srv_init();
	spdk_rpc_set_state(SPDK_RPC_STARTUP);
	spdk_rpc_set_allowlist(NULL);
}

static void
stop(void)
{
	spdk_rpc_set_allowlist(NULL);
	ut_srv_fini();
	ut_leak_check();
}

/* Poll the app thread (and the worker) until the callback ran. */
static void
wait_seen(struct seen *s)
{
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;

	while (s->calls == 0) {
		ASSERT_LT(ut_ms_now(), deadline);
		ut_worker_poll();
		ut_srv_poll(1);
	}
}

/* ---- tests ---- */

TEST(result_without_params)
{
	struct seen s = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_echo", NULL, seen_cb, &s), 0);
	ASSERT_EQ(s.calls, 0);		/* never inside the call */
	wait_seen(&s);
	ASSERT_EQ(s.calls, 1);
	ASSERT_PTR_EQ(s.thread, g_ut_app);
	ASSERT_TRUE(s.ok);
	ASSERT_EQ(s.code, 0);
	ASSERT_FALSE(s.error_obj);
	ASSERT_STR_EQ(s.result, "true");
	ut_srv_poll(0);
	ASSERT_EQ(s.calls, 1);
	stop();
}

TEST(params_reach_the_handler_and_result_comes_back)
{
	struct seen s = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_echo", params_of("{\"a\": 5, \"s\": \"q\\\"\\u00e9\", "
					       "\"l\": [1, null, {\"x\": false}]}"), seen_cb, &s), 0);
	/* The params were copied: the caller may reuse its buffer at once. */
	memset(g_text, 'Z', sizeof(g_text) - 1);
	memset(g_vals, 0, sizeof(g_vals));
	wait_seen(&s);
	ASSERT_TRUE(s.ok);
	ASSERT_STR_EQ(s.result, "{\"a\":5,\"s\":\"q\\\"\\u00E9\",\"l\":[1,null,{\"x\":false}]}");
	stop();
}

TEST(array_params_are_passed)
{
	struct seen s = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_echo", params_of("[1, \"two\"]"), seen_cb, &s), 0);
	wait_seen(&s);
	ASSERT_TRUE(s.ok);
	ASSERT_STR_EQ(s.result, "[1,\"two\"]");
	stop();
}

TEST(scalar_params_are_an_invalid_request)
{
	struct seen s = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_echo", params_of("42"), seen_cb, &s), 0);
	wait_seen(&s);
	ASSERT_FALSE(s.ok);
	ASSERT_EQ(s.code, SPDK_JSONRPC_ERROR_INVALID_REQUEST);
	ASSERT_STR_EQ(s.message, "Invalid request");
	stop();
}

TEST(error_response_is_parsed)
{
	struct seen s = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_fail", NULL, seen_cb, &s), 0);
	wait_seen(&s);
	ASSERT_EQ(s.calls, 1);
	ASSERT_FALSE(s.ok);
	ASSERT_TRUE(s.error_obj);
	ASSERT_EQ(s.code, -EEXIST);
	ASSERT_STR_EQ(s.message, "already there: x");
	stop();
}

TEST(unknown_method_is_method_not_found)
{
	struct seen s = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_no_such_method", NULL, seen_cb, &s), 0);
	wait_seen(&s);
	ASSERT_FALSE(s.ok);
	ASSERT_EQ(s.code, SPDK_JSONRPC_ERROR_METHOD_NOT_FOUND);
	ASSERT_STR_EQ(s.message, "Method not found");
	stop();
}

TEST(allowlist_is_honoured)
{
	const char *allow[] = { "ut_fail", NULL };
	struct seen s1 = {}, s2 = {};

	start();
	spdk_rpc_set_allowlist(allow);
	ASSERT_EQ(pw_rpc_call("ut_echo", NULL, seen_cb, &s1), 0);
	ASSERT_EQ(pw_rpc_call("ut_fail", NULL, seen_cb, &s2), 0);
	wait_seen(&s1);
	wait_seen(&s2);
	ASSERT_EQ(s1.code, SPDK_JSONRPC_ERROR_METHOD_NOT_FOUND);
	ASSERT_EQ(s2.code, -EEXIST);	/* it was called */
	stop();
}

TEST(state_mask_is_honoured)
{
	struct seen s1 = {}, s2 = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_runtime", NULL, seen_cb, &s1), 0);
	wait_seen(&s1);
	ASSERT_FALSE(s1.ok);
	ASSERT_EQ(s1.code, SPDK_JSONRPC_ERROR_INVALID_STATE);
	ASSERT_STR_CONTAINS(s1.message, "after framework is initialized");
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	ASSERT_EQ(pw_rpc_call("ut_runtime", NULL, seen_cb, &s2), 0);
	wait_seen(&s2);
	ASSERT_TRUE(s2.ok);
	ASSERT_STR_EQ(s2.result, "true");
	stop();
}

TEST(deprecated_alias_calls_the_method)
{
	struct seen s = {};

	start();
	log_capture_start();
	ASSERT_EQ(pw_rpc_call("ut_echo_old", params_of("{\"k\": 1}"), seen_cb, &s), 0);
	wait_seen(&s);
	ASSERT_TRUE(s.ok);
	ASSERT_STR_EQ(s.result, "{\"k\":1}");
	ASSERT_TRUE(log_capture_contains("ut_echo_old is deprecated"));
	log_capture_stop();
	stop();
}

TEST(answer_later_from_another_thread)
{
	struct seen s = {};

	start();
	ASSERT_EQ(pw_rpc_call("ut_hold", NULL, seen_cb, &s), 0);
	ASSERT_NOT_NULL(g_held);
	ASSERT_TRUE(g_held_conn_null);
	ut_srv_poll(0);
	ASSERT_EQ(s.calls, 0);
	ASSERT_EQ(spdk_thread_send_msg(g_ut_worker, answer_held, NULL), 0);
	ut_srv_poll(0);
	ASSERT_EQ(s.calls, 0);		/* not answered yet: the worker has not run */
	wait_seen(&s);
	ASSERT_NULL(g_held);
	ASSERT_EQ(s.calls, 1);
	ASSERT_PTR_EQ(s.thread, g_ut_app);	/* delivered on the caller's thread */
	ASSERT_STR_EQ(s.result, "\"later\"");
	stop();
}

TEST(call_from_a_non_app_thread_is_answered_there)
{
	struct seen s = {};

	start();
	spdk_set_thread(g_ut_worker);
	ASSERT_EQ(pw_rpc_call("ut_echo", NULL, seen_cb, &s), 0);
	spdk_set_thread(g_ut_app);
	wait_seen(&s);
	ASSERT_PTR_EQ(s.thread, g_ut_worker);
	ASSERT_TRUE(s.ok);
	stop();
}

TEST(answering_twice_is_refused)
{
	struct seen s = {};
	struct spdk_jsonrpc_request *req;

	start();
	ASSERT_EQ(pw_rpc_call("ut_hold", NULL, seen_cb, &s), 0);
	req = g_held;
	answer_held(NULL);
	log_capture_start();
	spdk_jsonrpc_send_error_response(req, -1, "again");
	ASSERT_TRUE(log_capture_contains("request already answered"));
	log_capture_stop();
	wait_seen(&s);
	ASSERT_EQ(s.calls, 1);
	ASSERT_STR_EQ(s.result, "\"later\"");
	stop();
}

TEST(misuse_is_refused)
{
	struct seen s = {};

	start();
	log_capture_start();
	ASSERT_EQ(pw_rpc_call(NULL, NULL, seen_cb, &s), -EINVAL);
	ASSERT_TRUE(log_capture_contains("pw_rpc_call: NULL method"));
	ASSERT_EQ(pw_rpc_call("ut_echo", NULL, NULL, &s), -EINVAL);
	ASSERT_TRUE(log_capture_contains("pw_rpc_call: NULL callback"));
	spdk_set_thread(NULL);
	ASSERT_EQ(pw_rpc_call("ut_echo", NULL, seen_cb, &s), -EINVAL);
	ASSERT_TRUE(log_capture_contains("pw_rpc_call(ut_echo): not called on an spdk_thread"));
	spdk_set_thread(g_ut_app);
	log_capture_stop();
	ut_srv_poll(0);
	ut_worker_poll();
	ASSERT_EQ(s.calls, 0);
	stop();
}

TEST(answer_to_an_exited_caller_is_dropped)
{
	struct seen s = {};
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;

	start();
	/* The worker calls, then exits before the answer comes. */
	spdk_set_thread(g_ut_worker);
	ASSERT_EQ(pw_rpc_call("ut_hold", NULL, seen_cb, &s), 0);
	spdk_thread_exit(g_ut_worker);
	while (!spdk_thread_is_exited(g_ut_worker)) {
		ASSERT_LT(ut_ms_now(), deadline);
		spdk_thread_poll(g_ut_worker, 0, 0);
	}
	spdk_set_thread(g_ut_app);
	log_capture_start();
	answer_held(NULL);
	ASSERT_TRUE(log_capture_contains("the response of an in-process call is dropped"));
	log_capture_stop();
	ASSERT_EQ(s.calls, 0);
	stop();		/* no leak: the request was freed */
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The JSON-RPC server (lib/rpc/jsonrpc_*.c) through spdk_jsonrpc_server_listen()
 * with a handler of the test's, and raw client sockets with rpc.py's wire
 * habits: pretty-printed requests without a newline, one request split byte
 * by byte, several in one write, batches, notifications; parse errors and
 * oversized requests close the connection; 64 connections at most; answers
 * later and from another spdk_thread; a peer that leaves with a request
 * outstanding; responses far larger than the socket buffer and beyond 32 MiB.
 */

#include "harness.h"
#include "log_capture.h"
#include "ut_rpc.h"

#include "spdk/jsonrpc.h"

#include <netinet/in.h>

/* Requests the "defer" method keeps for the test to answer. */
#define MAX_DEFERRED 8
static struct spdk_jsonrpc_request *g_deferred[MAX_DEFERRED];
static int g_deferred_count;
static int g_close_cb_calls;

/*
 * The test's methods:
 *   echo    result: params, or true without params
 *   defer   kept in g_deferred, answered by the test
 *   big     result: a string of params[0] bytes of 'x'
 *   fail    error 1234 "failed <params[0]>" after a result was begun
 *   closecb registers a close callback on its connection, result true
 */
static void
handle(struct spdk_jsonrpc_request *request, const struct spdk_json_val *method,
       const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;
	uint64_t n = 0;

	if (spdk_json_strequal(method, "echo")) {
		w = spdk_jsonrpc_begin_result(request);
		if (params != NULL) {
			spdk_json_write_val(w, params);
		} else {
			spdk_json_write_bool(w, true);
		}
		spdk_jsonrpc_end_result(request, w);
	} else if (spdk_json_strequal(method, "defer")) {
		ASSERT_LT(g_deferred_count, MAX_DEFERRED);
		g_deferred[g_deferred_count++] = request;
	} else if (spdk_json_strequal(method, "big")) {
		char *s;

		ASSERT_NOT_NULL(params);
		ASSERT_EQ(spdk_json_number_to_uint64(&params[1], &n), 0);
		s = malloc(n + 1);
		ASSERT_NOT_NULL(s);
		memset(s, 'x', n);
		s[n] = '\0';
		w = spdk_jsonrpc_begin_result(request);
		spdk_json_write_string(w, s);
		spdk_jsonrpc_end_result(request, w);
		free(s);
	} else if (spdk_json_strequal(method, "fail")) {
		w = spdk_jsonrpc_begin_result(request);
		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "half", "written");
		spdk_jsonrpc_send_error_response_fmt(request, 1234, "failed %d", 7);
	} else if (spdk_json_strequal(method, "closecb")) {
		struct spdk_jsonrpc_server_conn *conn = spdk_jsonrpc_get_conn(request);

		ASSERT_NOT_NULL(conn);
		ASSERT_EQ(spdk_jsonrpc_conn_add_close_cb(conn, (spdk_jsonrpc_conn_closed_fn)(void *)NULL,
				NULL), -EINVAL);
		spdk_jsonrpc_send_bool_response(request, true);
	} else {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_METHOD_NOT_FOUND,
						 "Method not found");
	}
}

static void
on_close(struct spdk_jsonrpc_server_conn *conn, void *ctx)
{
	(void)conn;
	ASSERT_PTR_EQ(ctx, &g_close_cb_calls);
	g_close_cb_calls++;
}

static char g_sock[128];

static struct spdk_jsonrpc_server *
start(void)
{
	struct sockaddr_un sa;
	struct spdk_jsonrpc_server *server;

	ut_srv_init();
	ut_tmpdir();
	ut_path(g_sock, sizeof(g_sock), "s.sock");
	ut_sockaddr(&sa, g_sock);
	server = spdk_jsonrpc_server_listen(AF_UNIX, 0, (struct sockaddr *)&sa, sizeof(sa), handle);
	ASSERT_NOT_NULL(server);
	return server;
}

static void
stop(struct spdk_jsonrpc_server *server)
{
	spdk_jsonrpc_server_shutdown(server);
	ut_srv_idle(4);
	ut_srv_fini();
	ut_rmtree();
	ut_leak_check();
}

static void
expect_line(struct ut_cli *c, const char *want)
{
	char *line = ut_cli_line(c);

	ASSERT_NOT_NULL(line);
	ASSERT_STR_EQ(line, want);
	free(line);
}

/* ---------------------------------------------------------------------------
 * Framing
 * ------------------------------------------------------------------------- */

TEST(pretty_printed_request_without_newline)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	ut_cli_send(c, "{\n  \"jsonrpc\": \"2.0\",\n  \"method\": \"echo\",\n  \"id\": 1,\n"
		    "  \"params\": {\n    \"a\": [1, 2, {\"b\": null}]\n  }\n}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"a\":[1,2,{\"b\":null}]}}");
	ut_cli_close(c);
	stop(server);
}

TEST(request_split_byte_by_byte)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	const char *req = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":\"s\\u00e9\",\"params\":[12345]}";
	size_t i;

	for (i = 0; req[i] != '\0'; i++) {
		ut_cli_write(c, &req[i], 1);
		ut_srv_poll(0);
		ut_cli_pump(c);
		/* Nothing comes back before the last byte. */
		if (req[i + 1] != '\0') {
			ASSERT_EQ(c->len, 0);
		}
	}
	/* Non-ASCII goes out escaped, as SPDK's writer does. */
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":\"s\\u00E9\",\"result\":[12345]}");
	ut_cli_close(c);
	stop(server);
}

TEST(several_requests_in_one_write_answered_in_order)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	ut_cli_send(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":2}\n\n  "
		    "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":3,\"params\":[\"x\"]} "
		    "{\"jsonrpc\":\"2.0\",\"method\":\"ec");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":[\"x\"]}");
	ut_cli_send(c, "ho\",\"id\":4}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":true}");
	ut_cli_close(c);
	stop(server);
}

TEST(notification_gets_no_result_but_errors_are_sent)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	/* No "id", and "id": null: no result (as SPDK). */
	ut_cli_send(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":null}"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":7}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":true}");
	/* An error is sent even to a notification, with "id": null (as SPDK). */
	ut_cli_send(c, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32601,"
		    "\"message\":\"Method not found\"}}");
	ut_cli_close(c);
	stop(server);
}

TEST(batch)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	ut_cli_send(c, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1},"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},"
		    " 5, {\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":2,\"params\":{\"k\":1}}]");
	expect_line(c, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true},"
		    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":\"Invalid request\"}},"
		    "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"k\":1}}]");
	/* Only notifications: nothing at all; the next answer is the next request's. */
	ut_cli_send(c, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},{\"jsonrpc\":\"2.0\",\"method\":\"echo\"}]");
	/* An empty batch is one invalid request. */
	ut_cli_send(c, "[]");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
		    "\"message\":\"Invalid request\"}}");
	ut_cli_close(c);
	stop(server);
}

TEST(batch_answered_later_from_another_thread)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	ut_cli_send(c, "[{\"jsonrpc\":\"2.0\",\"method\":\"defer\",\"id\":1},"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":2},"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"defer\",\"id\":3}]");
	while (g_deferred_count < 2) {
		ut_srv_poll(10);
	}
	ut_srv_idle(3);
	ut_cli_pump(c);
	ASSERT_EQ(c->len, 0);
	/* Answer the last first, from the worker thread. */
	spdk_set_thread(g_ut_worker);
	spdk_jsonrpc_send_bool_response(g_deferred[1], false);
	spdk_jsonrpc_send_error_response(g_deferred[0], -5, "later");
	spdk_set_thread(g_ut_app);
	expect_line(c, "[{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true},"
		    "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":false},"
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-5,\"message\":\"later\"}}]");
	ut_cli_close(c);
	stop(server);
}

/* ---------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------- */

TEST(invalid_requests)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	static const char *const bad_no_id[] = {
		"{\"jsonrpc\":\"2.0\",\"id\":1}",				/* no method */
		"{\"jsonrpc\":\"2.0\",\"method\":5,\"id\":1}",			/* method not a string */
		"{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":1}",		/* wrong version */
		"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":{}}",		/* id an object */
		"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1,\"x\":1}",	/* unknown key */
		"{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"method\":\"echo\"}",	/* duplicate key */
		"42",
		"\"str\"",
	};
	size_t i;

	for (i = 0; i < SPDK_COUNTOF(bad_no_id); i++) {
		ut_cli_send(c, bad_no_id[i]);
		/* A number at the end of the stream is incomplete until something follows it. */
		ut_cli_send(c, " ");
		expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
			    "\"message\":\"Invalid request\"}}");
	}
	/* params neither object nor array: the id is known by then (as SPDK). */
	ut_cli_send(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":9,\"params\":3}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":9,\"error\":{\"code\":-32600,"
		    "\"message\":\"Invalid request\"}}");
	/* params null is no params; no "jsonrpc" key is accepted (as SPDK). */
	ut_cli_send(c, "{\"method\":\"echo\",\"id\":10,\"params\":null}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":10,\"result\":true}");
	/* A handler that began a result and then sends an error. */
	ut_cli_send(c, "{\"method\":\"fail\",\"id\":11}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":11,\"error\":{\"code\":1234,"
		    "\"message\":\"failed 7\"}}");
	ut_cli_close(c);
	stop(server);
}

TEST(parse_error_answers_and_closes)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	struct ut_cli *other = ut_cli_connect(g_sock);

	ut_cli_send(c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1}{\"method\" 1}"
		    "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":2}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		    "\"message\":\"Parse error\"}}");
	ASSERT_TRUE(ut_cli_eof(c));
	ASSERT_EQ(c->len, 0);
	/* Invalid UTF-8 is a parse error too; other connections are unaffected. */
	ut_cli_send(other, "{\"method\":\"echo\",\"id\":\"\xff\"}");
	expect_line(other, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		    "\"message\":\"Parse error\"}}");
	ASSERT_TRUE(ut_cli_eof(other));
	ut_cli_close(other);
	other = ut_cli_connect(g_sock);
	ut_cli_send(other, "{\"method\":\"echo\",\"id\":3}");
	expect_line(other, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":true}");
	ut_cli_close(other);
	ut_cli_close(c);
	stop(server);
}

TEST(nesting_deeper_than_the_parser_allows_closes)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	char req[512];
	int i, n = 0;

	n += snprintf(req + n, sizeof(req) - (size_t)n, "{\"method\":\"echo\",\"id\":1,\"params\":");
	for (i = 0; i < 100; i++) {
		req[n++] = '[';
	}
	for (i = 0; i < 100; i++) {
		req[n++] = ']';
	}
	req[n++] = '}';
	req[n] = '\0';
	ut_cli_send(c, req);
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		    "\"message\":\"Parse error\"}}");
	ASSERT_TRUE(ut_cli_eof(c));
	ut_cli_close(c);
	stop(server);
}

TEST(oversized_request_answers_and_closes)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	size_t size = 300 * 1024;
	char *req = malloc(size);
	char *line;

	ASSERT_NOT_NULL(req);
	memset(req, ' ', size);
	const char *head = "{\"method\":\"echo\",\"id\":1,\"params\":[\"";

	memcpy(req, head, strlen(head));
	memset(req + strlen(head), 'a', size - strlen(head));
	log_capture_start();
	/* The server stops reading after the error: write without insisting. */
	ut_cli_write(c, req, 256 * 1024);
	line = ut_cli_line(c);
	ASSERT_NOT_NULL(line);
	ASSERT_STR_EQ(line, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
		      "\"message\":\"Request too large\"}}");
	free(line);
	ASSERT_TRUE(ut_cli_eof(c));
	ASSERT_TRUE(log_capture_contains("larger than 262144 bytes"));
	log_capture_stop();
	free(req);
	ut_cli_close(c);
	stop(server);
}

TEST(at_most_64_connections)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c[65];
	int i;

	log_capture_start();
	for (i = 0; i < 64; i++) {
		c[i] = ut_cli_connect(g_sock);
		/* Let the server accept it before the next one. */
		ut_cli_send(c[i], "{\"method\":\"echo\",\"id\":1}");
		expect_line(c[i], "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	}
	c[64] = ut_cli_connect(g_sock);
	ASSERT_TRUE(ut_cli_eof(c[64]));
	ASSERT_TRUE(log_capture_contains("64 connections are open already"));
	/* The others still work; once one leaves, a new one is accepted. */
	ut_cli_send(c[63], "{\"method\":\"echo\",\"id\":2}");
	expect_line(c[63], "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true}");
	ut_cli_close(c[64]);
	ut_cli_close(c[0]);
	ut_srv_idle(8);
	c[0] = ut_cli_connect(g_sock);
	ut_cli_send(c[0], "{\"method\":\"echo\",\"id\":3}");
	expect_line(c[0], "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":true}");
	log_capture_stop();
	for (i = 0; i < 64; i++) {
		ut_cli_close(c[i]);
	}
	stop(server);
}

/* ---------------------------------------------------------------------------
 * Later answers, closed peers, large responses
 * ------------------------------------------------------------------------- */

static void
answer_on_worker(void *ctx)
{
	ASSERT_PTR_EQ(spdk_get_thread(), g_ut_worker);
	spdk_jsonrpc_send_bool_response(ctx, true);
}

TEST(answer_from_another_thread_wakes_the_server)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	struct pollfd p = { .fd = g_ut_app_fd, .events = POLLIN };

	ut_cli_send(c, "{\"method\":\"defer\",\"id\":5}");
	while (g_deferred_count < 1) {
		ut_srv_poll(10);
	}
	ut_srv_idle(3);
	/* The server's thread has nothing to do now: its fd is quiet. */
	ASSERT_EQ(poll(&p, 1, 0), 0);
	ASSERT_EQ(spdk_thread_send_msg(g_ut_worker, answer_on_worker, g_deferred[0]), 0);
	ut_worker_poll();
	/* The response is a message to the server's thread: its fd is readable. */
	ASSERT_EQ(poll(&p, 1, UT_WAIT_MS), 1);
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":true}");
	ut_cli_close(c);
	stop(server);
}

TEST(peer_leaves_with_a_request_outstanding)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	ut_cli_send(c, "{\"method\":\"closecb\",\"id\":1}{\"method\":\"defer\",\"id\":2}"
		    "{\"method\":\"defer\",\"id\":3}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	while (g_deferred_count < 2) {
		ut_srv_poll(10);
	}
	ASSERT_EQ(spdk_jsonrpc_conn_add_close_cb(spdk_jsonrpc_get_conn(g_deferred[0]), on_close,
			&g_close_cb_calls), 0);
	ASSERT_EQ(spdk_jsonrpc_conn_add_close_cb(spdk_jsonrpc_get_conn(g_deferred[0]), on_close,
			&g_close_cb_calls), -EEXIST);
	ASSERT_EQ(spdk_jsonrpc_conn_add_close_cb(spdk_jsonrpc_get_conn(g_deferred[0]), on_close,
			NULL), -ENOSPC);
	ut_cli_close(c);
	ut_srv_idle(8);
	/* The connection waits for its requests. */
	ASSERT_EQ(g_close_cb_calls, 0);
	/* One answered from the worker, the connection still waits for the other. */
	spdk_set_thread(g_ut_worker);
	spdk_jsonrpc_send_bool_response(g_deferred[0], true);
	spdk_set_thread(g_ut_app);
	ut_srv_idle(8);
	/* The response cannot be written: the peer is gone, the connection closes. */
	ASSERT_EQ(g_close_cb_calls, 1);
	/* The last one completes into nothing (ASan checks that nothing leaks or is freed twice). */
	spdk_jsonrpc_send_error_response(g_deferred[1], -1, "nobody listens");
	ut_srv_idle(8);
	ASSERT_EQ(g_close_cb_calls, 1);
	stop(server);
}

TEST(shutdown_with_requests_outstanding)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	struct spdk_json_write_ctx *w;

	ut_cli_send(c, "{\"method\":\"defer\",\"id\":1}{\"method\":\"defer\",\"id\":2}");
	while (g_deferred_count < 2) {
		ut_srv_poll(10);
	}
	spdk_jsonrpc_server_shutdown(server);
	ASSERT_TRUE(ut_cli_eof(c));
	/* Answers after the shutdown are dropped; one from the worker, one here. */
	spdk_set_thread(g_ut_worker);
	w = spdk_jsonrpc_begin_result(g_deferred[0]);
	ASSERT_NOT_NULL(w);
	spdk_json_write_string(w, "late");
	spdk_jsonrpc_end_result(g_deferred[0], w);
	spdk_set_thread(g_ut_app);
	spdk_jsonrpc_send_bool_response(g_deferred[1], true);
	ut_srv_idle(4);
	ut_cli_close(c);
	ut_srv_fini();
	ut_rmtree();
	ut_leak_check();
}

TEST(response_larger_than_the_socket_buffer)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	size_t n = 5 * 1024 * 1024, i;
	char *line;

	ut_cli_send(c, "{\"method\":\"big\",\"id\":1,\"params\":[5242880]}"
		    "{\"method\":\"echo\",\"id\":2}");
	line = ut_cli_line(c);
	ASSERT_NOT_NULL(line);
	ASSERT_EQ(strlen(line), n + strlen("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\"}"));
	ASSERT_EQ(strncmp(line, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"xxx", 36), 0);
	for (i = 0; i < n; i++) {
		ASSERT_EQ(line[34 + i], 'x');
	}
	free(line);
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true}");
	ut_cli_close(c);
	stop(server);
}

TEST_TIMEOUT(response_beyond_32_mib_is_an_internal_error, 120)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	log_capture_start();
	ut_cli_send(c, "{\"method\":\"big\",\"id\":1,\"params\":[33554432]}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,"
		    "\"message\":\"Internal error\"}}");
	ASSERT_TRUE(log_capture_contains("response larger than 32 MiB"));
	log_capture_stop();
	/* Just under the limit passes. */
	ut_cli_send(c, "{\"method\":\"big\",\"id\":2,\"params\":[33554000]}");
	free(ut_cli_line(c));
	ut_cli_send(c, "{\"method\":\"echo\",\"id\":3}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":true}");
	ut_cli_close(c);
	stop(server);
}

TEST(listen_refuses_bad_arguments)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	log_capture_start();
	/* No spdk_thread. */
	ASSERT_NULL(spdk_jsonrpc_server_listen(AF_UNIX, 0, (struct sockaddr *)&sa, sizeof(sa), handle));
	ut_srv_init();
	ASSERT_NULL(spdk_jsonrpc_server_listen(AF_INET, 0, (struct sockaddr *)&sin, sizeof(sin), handle));
	ASSERT_TRUE(log_capture_contains("never TCP"));
	ASSERT_NULL(spdk_jsonrpc_server_listen(AF_UNIX, 0, (struct sockaddr *)&sa, sizeof(sa), NULL));
	ASSERT_EQ(spdk_jsonrpc_server_poll(NULL), -EINVAL);
	spdk_jsonrpc_server_shutdown(NULL);
	log_capture_stop();
	ut_srv_fini();
}

TEST(poll_does_one_round)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;

	ut_cli_send(c, "{\"method\":\"echo\",\"id\":1}");
	/* Without the thread's slices: spdk_jsonrpc_server_poll() alone. */
	for (;;) {
		ASSERT_EQ(spdk_jsonrpc_server_poll(server), 0);
		ut_cli_pump(c);
		if (c->len > 0 && memchr(c->buf, '\n', c->len) != NULL) {
			break;
		}
		ASSERT_LT(ut_ms_now(), deadline);
		usleep(1000);
	}
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	/* On another thread: refused. */
	log_capture_start();
	spdk_set_thread(g_ut_worker);
	ASSERT_EQ(spdk_jsonrpc_server_poll(server), -EINVAL);
	spdk_set_thread(g_ut_app);
	log_capture_stop();
	ut_cli_close(c);
	stop(server);
}

TEST(answers_after_the_server_thread_exited_are_freed)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;

	ut_cli_send(c, "{\"method\":\"defer\",\"id\":1}"
		    "[{\"method\":\"defer\",\"id\":2},{\"method\":\"echo\",\"id\":3},{\"method\":\"defer\",\"id\":4}]");
	while (g_deferred_count < 3) {
		ut_srv_poll(10);
	}
	spdk_jsonrpc_server_shutdown(server);
	spdk_thread_exit(g_ut_app);
	while (!spdk_thread_is_exited(g_ut_app)) {
		ASSERT_LT(ut_ms_now(), deadline);
		spdk_thread_poll(g_ut_app, 0, 0);
	}
	/* The messages cannot be sent: each answering pthread frees its request,
	 * and the last of the batch frees the batch (ASan checks for leaks). */
	log_capture_start();
	spdk_set_thread(g_ut_worker);
	spdk_jsonrpc_send_bool_response(g_deferred[0], true);
	spdk_jsonrpc_send_bool_response(g_deferred[2], true);
	spdk_set_thread(NULL);
	spdk_jsonrpc_send_error_response(g_deferred[1], 1, "late");
	ASSERT_EQ(log_capture_count_matching("a response is dropped"), 3);
	log_capture_stop();
	ut_cli_close(c);
	ut_thread_exit_destroy(g_ut_worker);
	spdk_thread_destroy(g_ut_app);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	ut_rmtree();
	ut_leak_check();
}

/* ---------------------------------------------------------------------------
 * A peer that stopped sending (half-closed) is closed once it has its answers
 * ------------------------------------------------------------------------- */

TEST(half_closed_peer_closed_after_a_late_batch_answer)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	ut_cli_send(c, "[{\"method\":\"defer\",\"id\":1},{\"method\":\"echo\",\"id\":2}]");
	ASSERT_EQ(shutdown(c->fd, SHUT_WR), 0);
	while (g_deferred_count < 1) {
		ut_srv_poll(10);
	}
	/* The server reads the EOF and waits for the deferred answer. */
	ut_srv_idle(4);
	spdk_set_thread(g_ut_worker);
	spdk_jsonrpc_send_bool_response(g_deferred[0], false);
	spdk_set_thread(g_ut_app);
	expect_line(c, "[{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true},"
		    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":false}]");
	/* Nothing more will come or go: the server closes the connection. */
	ASSERT_TRUE(ut_cli_eof(c));
	ut_cli_close(c);
	stop(server);
}

TEST(half_closed_peer_closed_by_server_poll)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;

	ut_cli_send(c, "{\"method\":\"echo\",\"id\":1}");
	ASSERT_EQ(shutdown(c->fd, SHUT_WR), 0);
	/* Without the thread's slices: spdk_jsonrpc_server_poll() alone, as an
	 * application that calls spdk_rpc_server_accept() from its poller. */
	for (;;) {
		ASSERT_EQ(spdk_jsonrpc_server_poll(server), 0);
		ut_cli_pump(c);
		if (c->eof) {
			break;
		}
		ASSERT_LT(ut_ms_now(), deadline);
		usleep(1000);
	}
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	ut_cli_close(c);
	stop(server);
}

TEST(parse_error_answer_waits_for_a_full_socket)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	char *line;

	/* A response far larger than the socket buffer, then a value that is not
	 * JSON, in one write: both answers are queued while the client reads nothing. */
	ut_cli_send(c, "{\"method\":\"big\",\"id\":1,\"params\":[4194304]}{\"method\" 1}");
	ut_srv_idle(8);
	line = ut_cli_line(c);
	ASSERT_NOT_NULL(line);
	ASSERT_EQ(strlen(line), 4194304 + strlen("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\"}"));
	free(line);
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
		    "\"message\":\"Parse error\"}}");
	ASSERT_TRUE(ut_cli_eof(c));
	ut_cli_close(c);
	stop(server);
}

TEST(request_of_exactly_the_receive_buffer_is_served)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	const char *head = "{\"method\":\"echo\",\"id\":1,\"params\":[\"";
	const char *tail = "\"]}";
	size_t size = 256 * 1024, hl = strlen(head), tl = strlen(tail);
	char *req = malloc(size + 1);
	char *line;

	ASSERT_NOT_NULL(req);
	memcpy(req, head, hl);
	memset(req + hl, 'a', size - hl - tl);
	memcpy(req + size - tl, tail, tl + 1);
	ASSERT_EQ(strlen(req), size);
	ut_cli_write(c, req, size);
	line = ut_cli_line(c);
	ASSERT_NOT_NULL(line);
	ASSERT_EQ(strlen(line), strlen("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[\"\"]}") +
		  size - hl - tl);
	free(line);
	/* And the connection goes on. */
	ut_cli_send(c, "{\"method\":\"echo\",\"id\":2}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true}");
	free(req);
	ut_cli_close(c);
	stop(server);
}

TEST(close_callbacks_only_on_the_server_thread)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	struct spdk_jsonrpc_server_conn *conn;

	ut_cli_send(c, "{\"method\":\"defer\",\"id\":1}");
	while (g_deferred_count < 1) {
		ut_srv_poll(10);
	}
	conn = spdk_jsonrpc_get_conn(g_deferred[0]);
	/* The callback is read and cleared by the server's thread when the
	 * connection closes, without a lock: another thread is refused. */
	log_capture_start();
	spdk_set_thread(g_ut_worker);
	ASSERT_EQ(spdk_jsonrpc_conn_add_close_cb(conn, on_close, &g_close_cb_calls), -EINVAL);
	spdk_set_thread(NULL);
	ASSERT_EQ(spdk_jsonrpc_conn_add_close_cb(conn, on_close, &g_close_cb_calls), -EINVAL);
	spdk_set_thread(g_ut_app);
	ASSERT_TRUE(log_capture_contains("server's thread"));
	ASSERT_EQ(spdk_jsonrpc_conn_add_close_cb(conn, on_close, &g_close_cb_calls), 0);
	spdk_set_thread(g_ut_worker);
	ASSERT_EQ(spdk_jsonrpc_conn_del_close_cb(conn, on_close, &g_close_cb_calls), -EINVAL);
	spdk_set_thread(g_ut_app);
	log_capture_stop();
	spdk_jsonrpc_send_bool_response(g_deferred[0], true);
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	ut_cli_close(c);
	ut_srv_idle(8);
	ASSERT_EQ(g_close_cb_calls, 1);
	stop(server);
}

TEST(second_answer_from_another_thread_is_refused)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);

	ut_cli_send(c, "{\"method\":\"defer\",\"id\":1}");
	while (g_deferred_count < 1) {
		ut_srv_poll(10);
	}
	/* On the worker, the request lives until the server's thread takes the
	 * answer: a second answer meanwhile is a caller's bug, logged, not a crash. */
	log_capture_start();
	spdk_set_thread(g_ut_worker);
	spdk_jsonrpc_send_bool_response(g_deferred[0], true);
	spdk_jsonrpc_send_bool_response(g_deferred[0], false);
	ASSERT_NULL(spdk_jsonrpc_begin_result(g_deferred[0]));
	spdk_set_thread(g_ut_app);
	ASSERT_TRUE(log_capture_contains("already answered"));
	log_capture_stop();
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	ut_cli_send(c, "{\"method\":\"echo\",\"id\":2}");
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":true}");
	ut_cli_close(c);
	stop(server);
}

static void *
answer_on_pthread(void *arg)
{
	spdk_jsonrpc_send_bool_response(arg, true);
	return NULL;
}

TEST(log_settings_change_while_a_pthread_answers)
{
	struct spdk_jsonrpc_server *server = start();
	struct ut_cli *c = ut_cli_connect(g_sock);
	pthread_t t;

	ut_cli_send(c, "{\"method\":\"defer\",\"id\":1}");
	while (g_deferred_count < 1) {
		ut_srv_poll(10);
	}
	/* The answering pthread reads the log settings (to log the response)
	 * while the server's thread sets them (spdk_rpc_initialize() of another
	 * server does): a data race unless they are atomic (TSan reports it). */
	spdk_set_thread(NULL);
	ASSERT_EQ(pthread_create(&t, NULL, answer_on_pthread, g_deferred[0]), 0);
	spdk_set_thread(g_ut_app);
	spdk_jsonrpc_set_log_file(NULL);
	spdk_jsonrpc_set_log_level(SPDK_LOG_DISABLED);
	ASSERT_EQ(pthread_join(t, NULL), 0);
	expect_line(c, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":true}");
	ut_cli_close(c);
	stop(server);
}

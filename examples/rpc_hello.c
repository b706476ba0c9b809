/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * rpc_hello [SPDK options]: an application's own JSON-RPC method.
 *
 * The app registers "hello_threads" with SPDK_RPC_REGISTER and runs until
 * SIGINT/SIGTERM or spdk_kill_instance. Its start callback creates
 * "hello_worker" on the last core of the mask. A hello_threads request
 * arrives on the app thread (where the RPC server runs); the handler hands
 * it to the worker, which walks every spdk_thread with spdk_for_each_thread,
 * collecting each thread's name from that thread itself, and answers when
 * the walk is back, from the worker, not from the server's thread:
 *
 *   {"threads": ["app_thread", "hello_worker", ...], "answered_by": "hello_worker"}
 *
 * ("truncated": true is added if a name could not be kept.)
 *
 * The worker also carries a timed poller (hello_tick, every 100 ms) and a
 * paused one (hello_paused), so that thread_get_pollers and pinwheel-top
 * have something to show. The method takes no params (params given: -32602). It may be called in
 * the RUNTIME state only, so with --wait-for-rpc it answers -1 until
 * framework_start_init. Try it:
 *
 *   build/examples/rpc_hello -m 0x3 -r /tmp/hello.sock &
 *   scripts/pinwheel-rpc -s /tmp/hello.sock hello_threads
 *   scripts/pinwheel-rpc -s /tmp/hello.sock spdk_kill_instance --sig_name SIGINT
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/thread.h"

#define MAX_NAMES	1024

/* One hello_threads request, owned by whichever thread holds it: the app
 * thread, then the worker, then each thread of the walk in turn (the walk's
 * messages order these), then the worker again, which answers and frees it. */
struct hello_request {
	struct spdk_jsonrpc_request	*request;
	char				*names[MAX_NAMES];
	uint32_t			count;
	bool				truncated;
};

#define TICK_PERIOD_US	(100 * SPDK_MSEC_TO_USEC)

/* App thread only. */
static struct spdk_thread *g_worker;
static bool g_stopping;

/* Worker only. */
static struct spdk_poller *g_tick_poller;
static struct spdk_poller *g_paused_poller;

/* The walk's last step, on the worker (the thread that started the walk). */
static void
hello_walk_done(void *arg)
{
	struct hello_request *req = arg;
	struct spdk_json_write_ctx *w;
	uint32_t i;

	w = spdk_jsonrpc_begin_result(req->request);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_array_begin(w, "threads");
	for (i = 0; i < req->count; i++) {
		spdk_json_write_string(w, req->names[i]);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_named_string(w, "answered_by", spdk_thread_get_name(spdk_get_thread()));
	if (req->truncated) {
		spdk_json_write_named_bool(w, "truncated", true);
	}
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(req->request, w);
	for (i = 0; i < req->count; i++) {
		free(req->names[i]);
	}
	free(req);
}

/* On each spdk_thread in turn: a copy of its name, since a thread (and its
 * name) may be gone by the time the answer is written. */
static void
hello_collect_name(void *arg)
{
	struct hello_request *req = arg;
	char *name;

	if (req->count == MAX_NAMES) {
		req->truncated = true;
		return;
	}
	name = strdup(spdk_thread_get_name(spdk_get_thread()));
	if (name == NULL) {
		req->truncated = true;
		return;
	}
	req->names[req->count++] = name;
}

/* On the worker. */
static void
hello_on_worker(void *arg)
{
	spdk_for_each_thread(hello_collect_name, arg, hello_walk_done);
}

/* The handler, on the app thread (the RPC server's thread). */
static void
rpc_hello_threads(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct hello_request *req;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "hello_threads takes no params");
		return;
	}
	if (g_worker == NULL || g_stopping) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "the worker thread is not running");
		return;
	}
	req = calloc(1, sizeof(*req));
	if (req == NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "out of memory");
		return;
	}
	req->request = request;
	if (spdk_thread_send_msg(g_worker, hello_on_worker, req) != 0) {
		free(req);
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "cannot reach the worker thread");
	}
}
SPDK_RPC_REGISTER("hello_threads", rpc_hello_threads, SPDK_RPC_RUNTIME)

static int
hello_tick(void *arg)
{
	return SPDK_POLLER_IDLE;
}

static int
hello_never(void *arg)
{
	return SPDK_POLLER_IDLE;
}

/* On the worker, first thing: a timed poller and a paused one, so that the
 * worker shows up in thread_get_pollers' lists (and in pinwheel-top). */
static void
worker_start(void *arg)
{
	g_tick_poller = spdk_poller_register_named(hello_tick, NULL, TICK_PERIOD_US, "hello_tick");
	g_paused_poller = spdk_poller_register_named(hello_never, NULL, 0, "hello_paused");
	if (g_tick_poller == NULL || g_paused_poller == NULL) {
		fprintf(stderr, "rpc_hello: cannot register the worker's pollers\n");
		return;
	}
	spdk_poller_pause(g_paused_poller);
}

/* On the worker: leave; messages already queued to it still run first. */
static void
worker_exit(void *arg)
{
	spdk_poller_unregister(&g_tick_poller);
	spdk_poller_unregister(&g_paused_poller);
	spdk_thread_exit(spdk_get_thread());
}

/* SIGINT/SIGTERM or spdk_kill_instance: the framework runs this on the app thread. */
static void
hello_shutdown(void)
{
	if (g_stopping) {
		return;
	}
	g_stopping = true;
	if (g_worker != NULL && spdk_thread_send_msg(g_worker, worker_exit, NULL) != 0) {
		fprintf(stderr, "rpc_hello: cannot ask the worker thread to exit\n");
	}
	g_worker = NULL;
	spdk_app_stop(0);
}

/* The start callback, on the app thread. */
static void
hello_start(void *ctx)
{
	struct spdk_cpuset mask;

	if (g_stopping) {
		return;
	}
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, spdk_env_get_last_core(), true);
	g_worker = spdk_thread_create("hello_worker", &mask);
	if (g_worker == NULL) {
		fprintf(stderr, "rpc_hello: cannot create the worker thread\n");
		spdk_app_stop(1);
		return;
	}
	if (spdk_thread_send_msg(g_worker, worker_start, NULL) != 0) {
		fprintf(stderr, "rpc_hello: cannot start the worker thread\n");
	}
	printf("rpc_hello: ready\n");
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	int rc;

	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "rpc_hello";
	opts.shutdown_cb = hello_shutdown;

	switch (spdk_app_parse_args(argc, argv, &opts, NULL, NULL, NULL, NULL)) {
	case SPDK_APP_PARSE_ARGS_SUCCESS:
		break;
	case SPDK_APP_PARSE_ARGS_HELP:
		return 0;
	default:
		return 1;
	}
	if (optind != argc) {
		fprintf(stderr, "rpc_hello: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}

	rc = spdk_app_start(&opts, hello_start, NULL);
	spdk_app_fini();
	printf("rpc_hello: done (%d)\n", rc);
	return rc;
}

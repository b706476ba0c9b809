/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The threads' RPC methods: thread_get_stats, thread_get_pollers,
 * thread_get_io_channels and thread_set_cpumask, with SPDK's names, params
 * and result keys (spdk_top decodes the first two strictly).
 *
 * A gathering method visits every thread on that thread (spdk_for_each_thread),
 * writing its object into the one answer as the walk goes: the walk is one
 * message after the other, so the writer is never used by two pthreads at
 * once. The answer goes when the walk is back on the thread that was asked.
 */

#include "event/event_internal.h"


#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/util.h"
#include "spdk_internal/thread.h"

void
pw__thread_rpc_link(void)
{
}

struct walk_ctx {
	struct spdk_jsonrpc_request	*request;
	struct spdk_json_write_ctx	*w;
};

static void
walk_done(void *arg)
{
	struct walk_ctx *ctx = arg;

	spdk_json_write_array_end(ctx->w);
	spdk_json_write_object_end(ctx->w);
	spdk_jsonrpc_end_result(ctx->request, ctx->w);
	free(ctx);
}

/* Answer {"tick_rate": ..., "threads": [fn's object for every thread]}. */
static void
walk_threads(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params,
	     const char *method, spdk_msg_fn fn)
{
	struct walk_ctx *ctx;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "%s requires no parameters", method);
		return;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "no memory for the request");
		return;
	}
	ctx->request = request;
	ctx->w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(ctx->w);
	spdk_json_write_named_uint64(ctx->w, "tick_rate", spdk_get_ticks_hz());
	spdk_json_write_named_array_begin(ctx->w, "threads");
	spdk_for_each_thread(fn, ctx, walk_done);
}

/* The thread's cpumask within the app's cores, as SPDK shows it. */
static void
write_cpumask(struct spdk_json_write_ctx *w, struct spdk_thread *thread)
{
	struct spdk_cpuset mask;

	spdk_cpuset_copy(&mask, pw__app_core_mask());
	spdk_cpuset_and(&mask, pw_thread_get_cpumask(thread));
	spdk_json_write_named_string(w, "cpumask", spdk_cpuset_fmt(&mask));
}

/* ---------------------------------------------------------------------------
 * thread_get_stats
 * ------------------------------------------------------------------------- */

static void
write_thread_stats(void *arg)
{
	struct walk_ctx *ctx = arg;
	struct spdk_thread *thread = spdk_get_thread();
	struct spdk_thread_stats stats;
	struct spdk_poller *p;
	uint64_t active = 0, timed = 0, paused = 0;

	if (spdk_thread_get_stats(&stats) != 0) {
		return;
	}
	for (p = spdk_thread_get_first_active_poller(thread); p != NULL;
	     p = spdk_thread_get_next_active_poller(p)) {
		active++;
	}
	for (p = spdk_thread_get_first_timed_poller(thread); p != NULL;
	     p = spdk_thread_get_next_timed_poller(p)) {
		timed++;
	}
	for (p = spdk_thread_get_first_paused_poller(thread); p != NULL;
	     p = spdk_thread_get_next_paused_poller(p)) {
		paused++;
	}
	spdk_json_write_object_begin(ctx->w);
	spdk_json_write_named_string(ctx->w, "name", spdk_thread_get_name(thread));
	spdk_json_write_named_uint64(ctx->w, "id", spdk_thread_get_id(thread));
	write_cpumask(ctx->w, thread);
	spdk_json_write_named_uint64(ctx->w, "busy", stats.busy_tsc);
	spdk_json_write_named_uint64(ctx->w, "idle", stats.idle_tsc);
	spdk_json_write_named_uint64(ctx->w, "active_pollers_count", active);
	spdk_json_write_named_uint64(ctx->w, "timed_pollers_count", timed);
	spdk_json_write_named_uint64(ctx->w, "paused_pollers_count", paused);
	spdk_json_write_object_end(ctx->w);
}

static void
rpc_thread_get_stats(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	walk_threads(request, params, "thread_get_stats", write_thread_stats);
}
SPDK_RPC_REGISTER("thread_get_stats", rpc_thread_get_stats, SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * thread_get_pollers
 * ------------------------------------------------------------------------- */

static void
write_poller(struct spdk_json_write_ctx *w, struct spdk_poller *poller)
{
	struct spdk_poller_stats stats;
	uint64_t period = spdk_poller_get_period_ticks(poller);

	spdk_poller_get_stats(poller, &stats);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "name", spdk_poller_get_name(poller));
	spdk_json_write_named_uint64(w, "id", spdk_poller_get_id(poller));
	spdk_json_write_named_string(w, "state", spdk_poller_get_state_str(poller));
	spdk_json_write_named_uint64(w, "run_count", stats.run_count);
	spdk_json_write_named_uint64(w, "busy_count", stats.busy_count);
	/* Only timed pollers have a period, as in SPDK. */
	if (period != 0) {
		spdk_json_write_named_uint64(w, "period_ticks", period);
	}
	spdk_json_write_object_end(w);
}

static void
write_thread_pollers(void *arg)
{
	struct walk_ctx *ctx = arg;
	struct spdk_json_write_ctx *w = ctx->w;
	struct spdk_thread *thread = spdk_get_thread();
	struct spdk_poller *p;

	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "name", spdk_thread_get_name(thread));
	spdk_json_write_named_uint64(w, "id", spdk_thread_get_id(thread));
	spdk_json_write_named_array_begin(w, "active_pollers");
	for (p = spdk_thread_get_first_active_poller(thread); p != NULL;
	     p = spdk_thread_get_next_active_poller(p)) {
		write_poller(w, p);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_named_array_begin(w, "timed_pollers");
	for (p = spdk_thread_get_first_timed_poller(thread); p != NULL;
	     p = spdk_thread_get_next_timed_poller(p)) {
		write_poller(w, p);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_named_array_begin(w, "paused_pollers");
	for (p = spdk_thread_get_first_paused_poller(thread); p != NULL;
	     p = spdk_thread_get_next_paused_poller(p)) {
		write_poller(w, p);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);
}

static void
rpc_thread_get_pollers(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	walk_threads(request, params, "thread_get_pollers", write_thread_pollers);
}
SPDK_RPC_REGISTER("thread_get_pollers", rpc_thread_get_pollers, SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * thread_get_io_channels
 * ------------------------------------------------------------------------- */

static void
write_thread_channels(void *arg)
{
	struct walk_ctx *ctx = arg;
	struct spdk_json_write_ctx *w = ctx->w;
	struct spdk_thread *thread = spdk_get_thread();
	struct spdk_io_channel *ch;

	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "name", spdk_thread_get_name(thread));
	spdk_json_write_named_array_begin(w, "io_channels");
	for (ch = spdk_thread_get_first_io_channel(thread); ch != NULL;
	     ch = spdk_thread_get_next_io_channel(ch)) {
		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "name", spdk_io_channel_get_io_device_name(ch));
		spdk_json_write_named_uint32(w, "ref", (uint32_t)spdk_io_channel_get_ref_count(ch));
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);
}

static void
rpc_thread_get_io_channels(struct spdk_jsonrpc_request *request,
			   const struct spdk_json_val *params)
{
	walk_threads(request, params, "thread_get_io_channels", write_thread_channels);
}
SPDK_RPC_REGISTER("thread_get_io_channels", rpc_thread_get_io_channels, SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * thread_set_cpumask
 * ------------------------------------------------------------------------- */

struct set_cpumask_req {
	uint64_t	id;
	char		*cpumask;
};

static const struct spdk_json_object_decoder g_set_cpumask_decoders[] = {
	{"id", offsetof(struct set_cpumask_req, id), spdk_json_decode_uint64, false},
	{"cpumask", offsetof(struct set_cpumask_req, cpumask), spdk_json_decode_string, false},
};

struct set_cpumask_ctx {
	struct spdk_jsonrpc_request	*request;
	struct spdk_thread		*origin;
	struct spdk_cpuset		cpumask;
	int				rc;
};

static void
set_cpumask_answer(void *arg)
{
	struct set_cpumask_ctx *ctx = arg;

	if (ctx->rc == 0) {
		spdk_jsonrpc_send_bool_response(ctx->request, true);
	} else {
		spdk_jsonrpc_send_error_response_fmt(ctx->request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						     "cannot move the thread: %s",
						     spdk_strerror(-ctx->rc));
	}
	free(ctx);
}

/* On the thread to move: its reactor moves it after this slice. */
static void
set_cpumask_on_thread(void *arg)
{
	struct set_cpumask_ctx *ctx = arg;

	ctx->rc = spdk_thread_set_cpumask(&ctx->cpumask);
	if (spdk_thread_send_msg(ctx->origin, set_cpumask_answer, ctx) != 0) {
		/* The asking thread is gone, and the server with it: answer from
		 * here (a response may be sent from any thread), which frees the
		 * request, its connection and its text with it. */
		set_cpumask_answer(ctx);
	}
}

static void
rpc_thread_set_cpumask(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct set_cpumask_req req = { 0 };
	struct set_cpumask_ctx *ctx = NULL;
	struct spdk_cpuset app_mask;
	struct spdk_thread *thread;

	if (params == NULL || spdk_json_decode_object(params, g_set_cpumask_decoders,
			SPDK_COUNTOF(g_set_cpumask_decoders), &req) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "thread_set_cpumask wants {\"id\": <thread id>, "
						 "\"cpumask\": <mask>}");
		goto out;
	}
	thread = spdk_thread_get_by_id(req.id);
	if (thread == NULL) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "Thread %" PRIu64 " does not exist", req.id);
		goto out;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "no memory for the request");
		goto out;
	}
	spdk_cpuset_copy(&app_mask, pw__app_core_mask());
	/* Malformed, or cores the app does not run on (logged there too). */
	if (spdk_app_parse_core_mask(req.cpumask, &ctx->cpumask) != 0) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "Invalid cpumask %s: expected a hex mask or a "
						     "[list] of the application's cores %s",
						     req.cpumask, spdk_cpuset_fmt(&app_mask));
		goto out;
	}
	if (spdk_cpuset_count(&ctx->cpumask) == 0) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "No CPU is selected from reactor mask %s",
						     spdk_cpuset_fmt(&app_mask));
		goto out;
	}
	ctx->request = request;
	ctx->origin = spdk_get_thread();
	if (spdk_thread_send_msg(thread, set_cpumask_on_thread, ctx) != 0) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "Thread %" PRIu64 " is exiting", req.id);
		goto out;
	}
	ctx = NULL;
out:
	free(ctx);
	free(req.cpumask);
}
SPDK_RPC_REGISTER("thread_set_cpumask", rpc_thread_set_cpumask, SPDK_RPC_RUNTIME)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * iobuf's RPC methods, with SPDK's names, params, state masks, result keys
 * and error codes:
 *
 *   iobuf_set_options  (STARTUP) optional small_pool_count, large_pool_count
 *                      (uint64), small_bufsize, large_bufsize (uint32),
 *                      enable_numa (bool); fields not given keep their
 *                      value; answers true, or a refusal of
 *                      spdk_iobuf_set_opts() as its errno (code -errno,
 *                      message strerror), as SPDK;
 *   iobuf_get_stats    (RUNTIME) one object per registered module:
 *                      {"module", "small_pool": {"cache", "main", "retry",
 *                      "cache_size"}, "large_pool": {...}}.
 */

#include "event/event_internal.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/thread.h"
#include "spdk/util.h"

void
pw__iobuf_rpc_link(void)
{
	/* The subsystem comes with its methods, as in SPDK's event_iobuf. */
	pw__iobuf_subsystem_link();
}

struct set_options_req {
	uint64_t	small_pool_count;
	uint64_t	large_pool_count;
	uint32_t	small_bufsize;
	uint32_t	large_bufsize;
	bool		enable_numa;
};

static const struct spdk_json_object_decoder g_set_options_decoders[] = {
	{"small_pool_count", offsetof(struct set_options_req, small_pool_count), spdk_json_decode_uint64, true},
	{"large_pool_count", offsetof(struct set_options_req, large_pool_count), spdk_json_decode_uint64, true},
	{"small_bufsize", offsetof(struct set_options_req, small_bufsize), spdk_json_decode_uint32, true},
	{"large_bufsize", offsetof(struct set_options_req, large_bufsize), spdk_json_decode_uint32, true},
	{"enable_numa", offsetof(struct set_options_req, enable_numa), spdk_json_decode_bool, true},
};

static void
rpc_iobuf_set_options(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_iobuf_opts opts;
	struct set_options_req req;
	int rc;

	spdk_iobuf_get_opts(&opts, sizeof(opts));
	req.small_pool_count = opts.small_pool_count;
	req.large_pool_count = opts.large_pool_count;
	req.small_bufsize = opts.small_bufsize;
	req.large_bufsize = opts.large_bufsize;
	req.enable_numa = opts.enable_numa != 0;
	if (params == NULL || spdk_json_decode_object(params, g_set_options_decoders,
			SPDK_COUNTOF(g_set_options_decoders), &req) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "iobuf_set_options wants an object of small_pool_count, "
						 "large_pool_count, small_bufsize, large_bufsize (numbers) "
						 "and enable_numa (bool), each optional");
		return;
	}
	opts.small_pool_count = req.small_pool_count;
	opts.large_pool_count = req.large_pool_count;
	opts.small_bufsize = req.small_bufsize;
	opts.large_bufsize = req.large_bufsize;
	opts.enable_numa = req.enable_numa;

	rc = spdk_iobuf_set_opts(&opts);
	if (rc != 0) {
		spdk_jsonrpc_send_error_response(request, rc, spdk_strerror(-rc));
		return;
	}
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("iobuf_set_options", rpc_iobuf_set_options, SPDK_RPC_STARTUP)

static void
write_pool(struct spdk_json_write_ctx *w, const char *name, const struct spdk_iobuf_pool_stats *s)
{
	spdk_json_write_named_object_begin(w, name);
	spdk_json_write_named_uint64(w, "cache", s->cache);
	spdk_json_write_named_uint64(w, "main", s->main);
	spdk_json_write_named_uint64(w, "retry", s->retry);
	spdk_json_write_named_uint32(w, "cache_size", s->cache_size);
	spdk_json_write_object_end(w);
}

static void
get_stats_done(struct spdk_iobuf_module_stats *modules, uint32_t num_modules, void *cb_arg)
{
	struct spdk_jsonrpc_request *request = cb_arg;
	struct spdk_json_write_ctx *w = spdk_jsonrpc_begin_result(request);

	spdk_json_write_array_begin(w);
	for (uint32_t i = 0; i < num_modules; i++) {
		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "module", modules[i].module);
		write_pool(w, "small_pool", &modules[i].small_pool);
		write_pool(w, "large_pool", &modules[i].large_pool);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
	spdk_jsonrpc_end_result(request, w);
}

static void
rpc_iobuf_get_stats(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	int rc;

	/* SPDK ignores params. */
	(void)params;
	rc = spdk_iobuf_get_stats(get_stats_done, request);
	if (rc != 0) {
		spdk_jsonrpc_send_error_response(request, rc, spdk_strerror(-rc));
	}
}
SPDK_RPC_REGISTER("iobuf_get_stats", rpc_iobuf_get_stats, SPDK_RPC_RUNTIME)

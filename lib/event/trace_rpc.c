/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The trace's RPC methods, with SPDK's names, params, states and answers (so
 * that SPDK's `rpc.py trace_*` works), STARTUP and RUNTIME unless said:
 *
 *   trace_enable_tpoint_group    {"name": group or "all"} -> true
 *   trace_disable_tpoint_group   {"name": group or "all"} -> true
 *   trace_set_tpoint_mask        {"name": group, "tpoint_mask": uint64} -> true
 *   trace_clear_tpoint_mask      {"name": group, "tpoint_mask": uint64} -> true
 *   trace_get_tpoint_group_mask  no params -> {"tpoint_group_mask": "0x..",
 *                                <group>: {"enabled", "mask", "tpoint_mask",
 *                                "tpoints": [{"name", "tpoint_id", "enabled"}]}}
 *   trace_get_info               no params -> {"tpoint_shm_path",
 *                                "tpoint_group_mask", <group>: {"mask",
 *                                "tpoint_mask"}}
 *   trace_clear                  (RUNTIME) no params -> true
 *
 * Bad params (missing, of the wrong type, an unknown group, trace not set up)
 * get -32602 "Invalid parameters", as SPDK. Where we differ: *_tpoint_mask
 * refuse "all" (SPDK applies the mask to the highest registered group), and
 * trace_get_info's tpoint_shm_path names no file (records stay in process
 * memory): its answer adds "pw_in_process_memory": true.
 */

#include "event/event_internal.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

void
pw__trace_rpc_link(void)
{
}

struct group_req {
	char		*name;
	uint64_t	tpoint_mask;
};

static const struct spdk_json_object_decoder g_group_decoders[] = {
	{"name", offsetof(struct group_req, name), spdk_json_decode_string, false},
};

static const struct spdk_json_object_decoder g_mask_decoders[] = {
	{"name", offsetof(struct group_req, name), spdk_json_decode_string, false},
	{"tpoint_mask", offsetof(struct group_req, tpoint_mask), spdk_json_decode_uint64, false},
};

static void
invalid(struct spdk_jsonrpc_request *request)
{
	spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
					 "Invalid parameters");
}

/* What one of the four group/mask methods does with its params. */
enum group_op {
	GROUP_ENABLE,	/* trace_enable_tpoint_group */
	GROUP_DISABLE,	/* trace_disable_tpoint_group */
	MASK_SET,	/* trace_set_tpoint_mask */
	MASK_CLEAR,	/* trace_clear_tpoint_mask */
};

/* Applies op to the decoded req; 0, or -1 for an unknown group. */
static int
apply_group_op(enum group_op op, const struct group_req *req)
{
	uint64_t group;

	switch (op) {
	case GROUP_ENABLE:
		return spdk_trace_enable_tpoint_group(req->name);
	case GROUP_DISABLE:
		return spdk_trace_disable_tpoint_group(req->name);
	case MASK_SET:
	case MASK_CLEAR:
		break;
	}
	group = spdk_trace_create_tpoint_group_mask(req->name);
	if (group == 0) {
		return -1;
	}
	if (op == MASK_SET) {
		spdk_trace_set_tpoints(spdk_u64log2(group), req->tpoint_mask);
	} else {
		spdk_trace_clear_tpoints(spdk_u64log2(group), req->tpoint_mask);
	}
	return 0;
}

/* The four group/mask methods: decode {"name"} (and "tpoint_mask" for a
 * mask), apply, answer true; -32602 for bad params, an unknown group, and for
 * a mask also "all" or the trace not set up. */
static void
group_method(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params,
	     enum group_op op)
{
	bool mask = op == MASK_SET || op == MASK_CLEAR;
	const struct spdk_json_object_decoder *dec = mask ? g_mask_decoders : g_group_decoders;
	size_t ndec = mask ? SPDK_COUNTOF(g_mask_decoders) : SPDK_COUNTOF(g_group_decoders);
	struct group_req req = {};
	int rc;

	if (params == NULL || spdk_json_decode_object(params, dec, ndec, &req) != 0 ||
	    (mask && (!pw_trace_is_initialized() || strcmp(req.name, "all") == 0))) {
		invalid(request);
		free(req.name);
		return;
	}
	rc = apply_group_op(op, &req);
	free(req.name);
	if (rc != 0) {
		invalid(request);
		return;
	}
	spdk_jsonrpc_send_bool_response(request, true);
}

static void
rpc_trace_enable_tpoint_group(struct spdk_jsonrpc_request *request,
			      const struct spdk_json_val *params)
{
	group_method(request, params, GROUP_ENABLE);
}
SPDK_RPC_REGISTER("trace_enable_tpoint_group", rpc_trace_enable_tpoint_group,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_trace_disable_tpoint_group(struct spdk_jsonrpc_request *request,
			       const struct spdk_json_val *params)
{
	group_method(request, params, GROUP_DISABLE);
}
SPDK_RPC_REGISTER("trace_disable_tpoint_group", rpc_trace_disable_tpoint_group,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_trace_set_tpoint_mask(struct spdk_jsonrpc_request *request,
			  const struct spdk_json_val *params)
{
	group_method(request, params, MASK_SET);
}
SPDK_RPC_REGISTER("trace_set_tpoint_mask", rpc_trace_set_tpoint_mask,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_trace_clear_tpoint_mask(struct spdk_jsonrpc_request *request,
			    const struct spdk_json_val *params)
{
	group_method(request, params, MASK_CLEAR);
}
SPDK_RPC_REGISTER("trace_clear_tpoint_mask", rpc_trace_clear_tpoint_mask,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
write_hex(struct spdk_json_write_ctx *w, const char *name, uint64_t v)
{
	char text[24];

	snprintf(text, sizeof(text), "0x%" PRIx64, v);
	spdk_json_write_named_string(w, name, text);
}

static void
write_tpoints(struct spdk_json_write_ctx *w, uint32_t group_id, uint64_t tpoint_mask)
{
	const struct spdk_trace_tpoint *tp;
	uint32_t n;
	uint64_t bit;

	spdk_json_write_named_array_begin(w, "tpoints");
	for (n = 0; n < 64; n++) {
		tp = pw_trace_get_tpoint((uint16_t)SPDK_TPOINT_ID(group_id, n));
		if (tp == NULL) {
			continue;
		}
		bit = SPDK_BIT(n);
		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "name", tp->name);
		spdk_json_write_named_uint32(w, "tpoint_id", n);
		spdk_json_write_named_bool(w, "enabled", (tpoint_mask & bit) != 0);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
}

static void
rpc_trace_get_tpoint_group_mask(struct spdk_jsonrpc_request *request,
				const struct spdk_json_val *params)
{
	struct spdk_trace_register_fn *r;
	struct spdk_json_write_ctx *w;
	uint64_t mask;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "trace_get_tpoint_group_mask requires no parameters");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	write_hex(w, "tpoint_group_mask", spdk_trace_get_tpoint_group_mask());
	for (r = spdk_trace_get_first_register_fn(); r != NULL; r = r->next) {
		mask = spdk_trace_get_tpoint_mask(r->tgroup_id);
		spdk_json_write_named_object_begin(w, r->name);
		spdk_json_write_named_bool(w, "enabled", mask != 0);
		write_hex(w, "mask", SPDK_BIT(r->tgroup_id));
		write_hex(w, "tpoint_mask", mask);
		write_tpoints(w, r->tgroup_id, mask);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("trace_get_tpoint_group_mask", rpc_trace_get_tpoint_group_mask,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_trace_get_info(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_trace_register_fn *r;
	struct spdk_json_write_ctx *w;
	const char *name = pw_trace_get_name();
	char path[128];

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "trace_get_info requires no parameters");
		return;
	}
	snprintf(path, sizeof(path), "/dev/shm%s", name ? name : "");
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "tpoint_shm_path", path);
	write_hex(w, "tpoint_group_mask", spdk_trace_get_tpoint_group_mask());
	for (r = spdk_trace_get_first_register_fn(); r != NULL; r = r->next) {
		spdk_json_write_named_object_begin(w, r->name);
		write_hex(w, "mask", SPDK_BIT(r->tgroup_id));
		write_hex(w, "tpoint_mask", spdk_trace_get_tpoint_mask(r->tgroup_id));
		spdk_json_write_object_end(w);
	}
	spdk_json_write_named_bool(w, "pw_in_process_memory", true);
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("trace_get_info", rpc_trace_get_info, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_trace_clear(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "trace_clear requires no parameters");
		return;
	}
	spdk_trace_clear();
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("trace_clear", rpc_trace_clear, SPDK_RPC_RUNTIME)

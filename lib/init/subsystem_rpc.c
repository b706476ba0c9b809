/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The RPC methods that describe the subsystems, with SPDK's names, params,
 * result keys and state masks:
 *
 *   framework_get_subsystems   no params; [{"subsystem": NAME, "depends_on":
 *                              [NAME, ...]}, ...], in initialisation order once
 *                              spdk_subsystem_init() has sorted them
 *   framework_get_config       {"name": NAME, "with_batches": BOOL (optional)};
 *                              that subsystem's write_config_json output, or
 *                              null if it writes none
 *
 * rpc.py save_config calls the first, then the second for every subsystem.
 */

#include "init/init_internal.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/util.h"

void
pw__subsystem_rpc_link(void)
{
}

static void
rpc_framework_get_subsystems(struct spdk_jsonrpc_request *request,
			     const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;
	struct spdk_subsystem *s;
	struct spdk_subsystem_depend *d;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "framework_get_subsystems requires no parameters");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_array_begin(w);
	for (s = pw__subsystem_get_first(); s != NULL; s = pw__subsystem_get_next(s)) {
		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "subsystem", s->name);
		spdk_json_write_named_array_begin(w, "depends_on");
		for (d = pw__subsystem_get_first_depend(); d != NULL;
		     d = pw__subsystem_get_next_depend(d)) {
			if (strcmp(d->name, s->name) == 0) {
				spdk_json_write_string(w, d->depends_on);
			}
		}
		spdk_json_write_array_end(w);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("framework_get_subsystems", rpc_framework_get_subsystems, SPDK_RPC_RUNTIME)

struct get_config_req {
	char	*name;
	bool	with_batches;
};

static const struct spdk_json_object_decoder g_get_config_decoders[] = {
	{"name", offsetof(struct get_config_req, name), spdk_json_decode_string, false},
	{"with_batches", offsetof(struct get_config_req, with_batches), spdk_json_decode_bool, true},
};

static void
rpc_framework_get_config(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct get_config_req req = { 0 };
	struct spdk_json_write_ctx *w;
	struct spdk_subsystem *s;

	if (params == NULL || spdk_json_decode_object(params, g_get_config_decoders,
			SPDK_COUNTOF(g_get_config_decoders), &req) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "framework_get_config wants {\"name\": <subsystem>} "
						 "and optionally \"with_batches\": <bool>");
		free(req.name);
		return;
	}
	s = pw__subsystem_find(req.name);
	if (s == NULL) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "Subsystem '%s' not found", req.name);
		free(req.name);
		return;
	}
	free(req.name);
	w = spdk_jsonrpc_begin_result(request);
	/* As SPDK: batched calls are written one by one unless asked for. */
	spdk_json_write_add_flags(w, req.with_batches ? 0 : SPDK_JSON_WRITE_FLAG_FLATTEN_BATCHES);
	pw__subsystem_config_json(w, s);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("framework_get_config", rpc_framework_get_config, SPDK_RPC_RUNTIME)

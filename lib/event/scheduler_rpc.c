/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The scheduler's RPC methods, with SPDK's names, params, state masks and
 * result keys: framework_set_scheduler, framework_get_scheduler,
 * framework_get_governor and scheduler_set_options.
 *
 * They run on the app thread, which is on the main core: the default
 * scheduling core, but not always (scheduler_set_options' scheduling_core);
 * spdk_scheduler_set() waits for a balance() running on another core.
 */

#include "event/event_internal.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/util.h"

void
pw__scheduler_rpc_link(void)
{
}

/* ---------------------------------------------------------------------------
 * framework_set_scheduler
 * ------------------------------------------------------------------------- */

struct set_scheduler_req {
	char		*name;
	uint64_t	period;
	/* The options of SPDK's schedulers: only checked for presence here (a
	 * scheduler without set_opts() accepts none); the scheduler's set_opts()
	 * reads them from the params itself. */
	uint8_t		load_limit;
	uint8_t		core_limit;
	uint8_t		core_busy;
	char		*mappings;
};

static const struct spdk_json_object_decoder g_set_scheduler_decoders[] = {
	{"name", offsetof(struct set_scheduler_req, name), spdk_json_decode_string, false},
	{"period", offsetof(struct set_scheduler_req, period), spdk_json_decode_uint64, true},
	{"load_limit", offsetof(struct set_scheduler_req, load_limit), spdk_json_decode_uint8, true},
	{"core_limit", offsetof(struct set_scheduler_req, core_limit), spdk_json_decode_uint8, true},
	{"core_busy", offsetof(struct set_scheduler_req, core_busy), spdk_json_decode_uint8, true},
	{"mappings", offsetof(struct set_scheduler_req, mappings), spdk_json_decode_string, true},
};

static void
rpc_framework_set_scheduler(struct spdk_jsonrpc_request *request,
			    const struct spdk_json_val *params)
{
	struct set_scheduler_req req = {};
	struct spdk_scheduler *scheduler;
	bool custom;
	int rc = 0;

	if (params == NULL || spdk_json_decode_object_relaxed(params, g_set_scheduler_decoders,
			SPDK_COUNTOF(g_set_scheduler_decoders), &req) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid parameters");
		goto out;
	}
	custom = req.load_limit != 0 || req.core_limit != 0 || req.core_busy != 0 ||
		 req.mappings != NULL;

	/* As SPDK: the period first (1 s when none was ever set), then the
	 * scheduler, whose init() may change it (static sets 0). */
	if (req.period != 0) {
		spdk_scheduler_set_period(req.period);
	} else if (spdk_scheduler_get_period() == 0) {
		spdk_scheduler_set_period(SPDK_SEC_TO_USEC);
	}
	rc = spdk_scheduler_set(req.name);
	if (rc != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 spdk_strerror(-rc));
		goto out;
	}
	scheduler = spdk_scheduler_get();
	if (scheduler != NULL && scheduler->set_opts != NULL) {
		rc = scheduler->set_opts(params);
	} else if (custom) {
		SPDK_ERRLOG("framework_set_scheduler: scheduler '%s' takes no options\n", req.name);
		rc = -EINVAL;
	}
	if (rc != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 spdk_strerror(abs(rc)));
		goto out;
	}
	spdk_jsonrpc_send_bool_response(request, true);
out:
	free(req.name);
	free(req.mappings);
}
SPDK_RPC_REGISTER("framework_set_scheduler", rpc_framework_set_scheduler,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * framework_get_scheduler
 * ------------------------------------------------------------------------- */

static void
rpc_framework_get_scheduler(struct spdk_jsonrpc_request *request,
			    const struct spdk_json_val *params)
{
	struct spdk_scheduler *scheduler = spdk_scheduler_get();
	struct spdk_governor *governor = spdk_governor_get();
	struct spdk_json_write_ctx *w;
	struct spdk_cpuset isolated;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "framework_get_scheduler requires no parameters");
		return;
	}
	pw__scheduler_get_isolated_cores(&isolated);
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	if (scheduler != NULL) {
		spdk_json_write_named_string(w, "scheduler_name", scheduler->name);
	}
	spdk_json_write_named_uint64(w, "scheduler_period", spdk_scheduler_get_period());
	spdk_json_write_named_string(w, "isolated_core_mask", spdk_cpuset_fmt(&isolated));
	spdk_json_write_named_uint32(w, "scheduling_core", spdk_scheduler_get_scheduling_lcore());
	if (governor != NULL) {
		spdk_json_write_named_string(w, "governor_name", governor->name);
	}
	if (scheduler != NULL && scheduler->get_opts != NULL) {
		scheduler->get_opts(w);
	}
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("framework_get_scheduler", rpc_framework_get_scheduler,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * framework_get_governor
 * ------------------------------------------------------------------------- */

static void
rpc_framework_get_governor(struct spdk_jsonrpc_request *request,
			   const struct spdk_json_val *params)
{
	struct spdk_governor *governor = spdk_governor_get();
	struct spdk_json_write_ctx *w;
	uint32_t core, n, freqs[SPDK_MAX_LCORE_FREQS];

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "framework_get_governor requires no parameters");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	if (governor != NULL) {
		spdk_json_write_named_string(w, "governor_name", governor->name);
		spdk_json_write_named_object_begin(w, "module_specific");
		if (governor->dump_info_json != NULL) {
			governor->dump_info_json(w);
		}
		spdk_json_write_object_end(w);
		spdk_json_write_named_array_begin(w, "cores");
		SPDK_ENV_FOREACH_CORE(core) {
			n = governor->get_core_avail_freqs != NULL ?
			    governor->get_core_avail_freqs(core, freqs, SPDK_COUNTOF(freqs)) : 0;
			spdk_json_write_object_begin(w);
			spdk_json_write_named_uint32(w, "lcore_id", core);
			spdk_json_write_named_array_begin(w, "available_frequencies");
			for (uint32_t i = 0; i < n; i++) {
				spdk_json_write_uint32(w, freqs[i]);
			}
			spdk_json_write_array_end(w);
			spdk_json_write_named_uint32(w, "current_frequency",
						     governor->get_core_curr_freq != NULL ?
						     governor->get_core_curr_freq(core) : 0);
			spdk_json_write_object_end(w);
		}
		spdk_json_write_array_end(w);
	}
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("framework_get_governor", rpc_framework_get_governor, SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * scheduler_set_options
 * ------------------------------------------------------------------------- */

struct set_options_req {
	char		*isolated_core_mask;
	uint32_t	scheduling_core;
};

static const struct spdk_json_object_decoder g_set_options_decoders[] = {
	{"isolated_core_mask", offsetof(struct set_options_req, isolated_core_mask),
	 spdk_json_decode_string, true},
	{"scheduling_core", offsetof(struct set_options_req, scheduling_core),
	 spdk_json_decode_uint32, true},
};

static void
rpc_scheduler_set_options(struct spdk_jsonrpc_request *request,
			  const struct spdk_json_val *params)
{
	struct set_options_req req = { .scheduling_core = spdk_scheduler_get_scheduling_lcore() };
	struct spdk_cpuset mask, outside;
	uint32_t core;

	if (params != NULL && spdk_json_decode_object(params, g_set_options_decoders,
			SPDK_COUNTOF(g_set_options_decoders), &req) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid parameters");
		goto out;
	}
	if (spdk_reactor_get(req.scheduling_core) == NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid scheduling core");
		goto out;
	}
	if (req.isolated_core_mask != NULL) {
		if (spdk_cpuset_parse(&mask, req.isolated_core_mask) != 0) {
			spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
							 "Invalid isolated core mask");
			goto out;
		}
		if (spdk_cpuset_get_cpu(&mask, req.scheduling_core)) {
			spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
							 "Scheduling core cannot be included in isolated core mask");
			goto out;
		}
		/* Every isolated core must be one the app runs on. */
		spdk_cpuset_copy(&outside, &mask);
		SPDK_ENV_FOREACH_CORE(core) {
			spdk_cpuset_set_cpu(&outside, core, false);
		}
		if (spdk_cpuset_count(&outside) != 0) {
			spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
							 "Invalid isolated core mask");
			goto out;
		}
		pw__scheduler_set_isolated_cores(&mask);
	}
	spdk_scheduler_set_scheduling_lcore(req.scheduling_core);
	spdk_jsonrpc_send_bool_response(request, true);
out:
	free(req.isolated_core_mask);
}
SPDK_RPC_REGISTER("scheduler_set_options", rpc_scheduler_set_options, SPDK_RPC_STARTUP)

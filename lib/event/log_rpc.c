/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The log's RPC methods: log_set_flag, log_clear_flag, log_get_flags,
 * log_set_level, log_get_level, log_set_print_level, log_get_print_level and
 * log_enable_timestamps, with SPDK's names, params, level names and state
 * masks. Parameters that do not decode are -32602 (SPDK answers -32603 for
 * some of them).
 */

#include "event/event_internal.h"


#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/util.h"

void
pw__log_rpc_link(void)
{
}

static const struct {
	const char		*name;
	enum spdk_log_level	level;
} g_levels[] = {
	{"ERROR", SPDK_LOG_ERROR}, {"WARNING", SPDK_LOG_WARN}, {"NOTICE", SPDK_LOG_NOTICE},
	{"INFO", SPDK_LOG_INFO}, {"DEBUG", SPDK_LOG_DEBUG},
};

#define LEVEL_NAMES "ERROR, WARNING, NOTICE, INFO or DEBUG"

static const char *
level_name(enum spdk_log_level level)
{
	for (size_t i = 0; i < SPDK_COUNTOF(g_levels); i++) {
		if (g_levels[i].level == level) {
			return g_levels[i].name;
		}
	}
	return NULL;
}

/* A decoder for "level": one of SPDK's names. */
static int
decode_level(const struct spdk_json_val *val, void *out)
{
	enum spdk_log_level *level = out;

	for (size_t i = 0; i < SPDK_COUNTOF(g_levels); i++) {
		if (spdk_json_strequal(val, g_levels[i].name)) {
			*level = g_levels[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

static const struct spdk_json_object_decoder g_level_decoders[] = {
	{"level", 0, decode_level, false},
};

/* Decode {"level": <name>}; answers the error itself. */
static bool
get_level_param(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params,
		const char *method, enum spdk_log_level *level)
{
	if (params == NULL || spdk_json_decode_object(params, g_level_decoders,
			SPDK_COUNTOF(g_level_decoders), level) != 0) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "%s wants {\"level\": <level>}, one of "
						     LEVEL_NAMES, method);
		return false;
	}
	return true;
}

static void
answer_level(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params,
	     const char *method, enum spdk_log_level level)
{
	struct spdk_json_write_ctx *w;
	const char *name = level_name(level);

	if (params != NULL) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "%s requires no parameters", method);
		return;
	}
	if (name == NULL) {
		/* SPDK_LOG_DISABLED has no name in SPDK's RPC either. */
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "invalid log level");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_string(w, name);
	spdk_jsonrpc_end_result(request, w);
}

static void
rpc_log_set_print_level(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	enum spdk_log_level level;

	if (get_level_param(request, params, "log_set_print_level", &level)) {
		spdk_log_set_print_level(level);
		spdk_jsonrpc_send_bool_response(request, true);
	}
}
SPDK_RPC_REGISTER("log_set_print_level", rpc_log_set_print_level,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_log_get_print_level(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	answer_level(request, params, "log_get_print_level", spdk_log_get_print_level());
}
SPDK_RPC_REGISTER("log_get_print_level", rpc_log_get_print_level,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_log_set_level(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	enum spdk_log_level level;

	if (get_level_param(request, params, "log_set_level", &level)) {
		spdk_log_set_level(level);
		spdk_jsonrpc_send_bool_response(request, true);
	}
}
SPDK_RPC_REGISTER("log_set_level", rpc_log_set_level, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_log_get_level(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	answer_level(request, params, "log_get_level", spdk_log_get_level());
}
SPDK_RPC_REGISTER("log_get_level", rpc_log_get_level, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static const struct spdk_json_object_decoder g_flag_decoders[] = {
	{"flag", 0, spdk_json_decode_string, false},
};

/* log_set_flag and log_clear_flag: {"flag": <name>}, "all" for every flag. */
static void
change_flag(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params,
	    const char *method, int (*change)(const char *flag))
{
	char *flag = NULL;

	if (params == NULL || spdk_json_decode_object(params, g_flag_decoders,
			SPDK_COUNTOF(g_flag_decoders), &flag) != 0) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "%s wants {\"flag\": <log flag>}", method);
	} else if (change(flag) != 0) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "invalid log flag '%s' (log_get_flags lists "
						     "them)", flag);
	} else {
		spdk_jsonrpc_send_bool_response(request, true);
	}
	free(flag);
}

static void
rpc_log_set_flag(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	change_flag(request, params, "log_set_flag", spdk_log_set_flag);
}
SPDK_RPC_REGISTER("log_set_flag", rpc_log_set_flag, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_log_clear_flag(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	change_flag(request, params, "log_clear_flag", spdk_log_clear_flag);
}
SPDK_RPC_REGISTER("log_clear_flag", rpc_log_clear_flag, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_log_get_flags(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;
	struct spdk_log_flag *flag;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "log_get_flags requires no parameters");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	for (flag = spdk_log_get_first_flag(); flag != NULL; flag = spdk_log_get_next_flag(flag)) {
		spdk_json_write_named_bool(w, flag->name, spdk_log_get_flag(flag->name));
	}
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("log_get_flags", rpc_log_get_flags, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static const struct spdk_json_object_decoder g_timestamps_decoders[] = {
	{"enabled", 0, spdk_json_decode_bool, false},
};

static void
rpc_log_enable_timestamps(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	bool enabled = false;

	if (params == NULL || spdk_json_decode_object(params, g_timestamps_decoders,
			SPDK_COUNTOF(g_timestamps_decoders), &enabled) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "log_enable_timestamps wants {\"enabled\": <bool>}");
		return;
	}
	spdk_log_enable_timestamps(enabled);
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("log_enable_timestamps", rpc_log_enable_timestamps, SPDK_RPC_RUNTIME)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The trace as a file: --pw-trace-file FILE writes the trace at the end of
 * spdk_app_start() (the reactors have stopped: nothing records any more), and
 * the RPC method pw_trace_write {"file": PATH} writes it on demand, as Chrome
 * trace JSON (pw_trace_write_chrome(), lib/trace/trace_chrome.c).
 *
 * --pw-trace-file implies -e pinwheel when no tracepoint group was enabled,
 * and starts tracing if -e did not (with the app's num_entries).
 */

#include "event/event_internal.h"
#include "event/reactor_trace.h"

#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#define DEFAULT_TRACE_ENTRIES	(32 * 1024)	/* per pthread, as spdk_app_opts's default */

/* Set by a successful spdk_app_parse_args(); read by spdk_app_start() on
 * the same pthread. */
static char *g_trace_file;

int
pw__app_set_trace_file(const char *path)
{
	char *copy;

	if (path == NULL || path[0] == '\0') {
		SPDK_ERRLOG("--pw-trace-file wants a file name\n");
		return -EINVAL;
	}
	copy = strdup(path);
	if (copy == NULL) {
		SPDK_ERRLOG("--pw-trace-file: no memory\n");
		return -ENOMEM;
	}
	free(g_trace_file);
	g_trace_file = copy;
	return 0;
}

void
pw__app_trace_file_start(const struct spdk_app_opts *opts)
{
	uint64_t entries = opts->num_entries != 0 ? opts->num_entries : DEFAULT_TRACE_ENTRIES;

	if (g_trace_file == NULL) {
		return;
	}
	if (!pw_trace_is_initialized() && spdk_trace_init(opts->name, entries, 0) != 0) {
		SPDK_ERRLOG("--pw-trace-file %s: cannot start tracing; no trace will be written\n",
			    g_trace_file);
		return;
	}
	if (spdk_trace_get_tpoint_group_mask() == 0 &&
	    spdk_trace_enable_tpoint_group("pinwheel") != 0) {
		SPDK_ERRLOG("--pw-trace-file %s: cannot enable the tracepoint group pinwheel\n",
			    g_trace_file);
	}
}

void
pw__app_trace_file_write(void)
{
	int rc;

	if (g_trace_file == NULL || !pw_trace_is_initialized()) {
		return;
	}
	rc = pw_trace_write_chrome(g_trace_file);
	if (rc == 0) {
		SPDK_NOTICELOG("trace written to %s\n", g_trace_file);
	}
	/* A failure was logged by pw_trace_write_chrome(). */
}

/* ---------------------------------------------------------------------------
 * RPC: pw_trace_write {"file": PATH}
 * ------------------------------------------------------------------------- */

void
pw__app_trace_rpc_link(void)
{
}

struct trace_write_req {
	char	*file;
};

static const struct spdk_json_object_decoder g_trace_write_decoders[] = {
	{"file", offsetof(struct trace_write_req, file), spdk_json_decode_string, false},
};

static void
rpc_pw_trace_write(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct trace_write_req req = { NULL };
	struct spdk_json_write_ctx *w;
	int rc;

	if (params == NULL || spdk_json_decode_object(params, g_trace_write_decoders,
			SPDK_COUNTOF(g_trace_write_decoders), &req) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "pw_trace_write wants {\"file\": path}");
		free(req.file);
		return;
	}
	if (!pw_trace_is_initialized()) {
		spdk_jsonrpc_send_error_response(request, -ENOENT,
						 "tracing is not on (start the app with -e GROUPS "
						 "or --pw-trace-file)");
		free(req.file);
		return;
	}
	/* On this reactor, between its callbacks' records: a snapshot (the
	 * slice running this is closed in the file, marked "cut"). */
	rc = pw_trace_write_chrome(req.file);
	if (rc != 0) {
		spdk_jsonrpc_send_error_response_fmt(request, rc, "cannot write %s: %s", req.file,
						     spdk_strerror(-rc));
		free(req.file);
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "file", req.file);
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
	free(req.file);
}
SPDK_RPC_REGISTER("pw_trace_write", rpc_pw_trace_write, SPDK_RPC_RUNTIME)

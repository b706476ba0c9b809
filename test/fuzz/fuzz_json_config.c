/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * libFuzzer target: spdk_subsystem_load_config() on the input, with a few
 * registered methods (one per state, one in both, one that fails, one that
 * answers later from another spdk_thread) and one registered subsystem.
 *
 * Input: the first byte chooses options (bit 0: RUNTIME state instead of
 * STARTUP; bit 1: stop_on_error); the rest is the configuration text.
 *
 * Checked against:
 * - the callback runs exactly once, on the app thread, never inside the call
 *   (except for an empty text, refused at once as documented), and the load
 *   ends (bounded polling);
 * - text that spdk_json_parse() (with comments) does not take as one complete
 *   value is refused with -EINVAL and an error message;
 * - any non-zero rc comes with at least one error message, from the set of
 *   codes the loader documents;
 * - no method of the other state is called; without stop_on_error a failing
 *   call does not end the load;
 * - ASan/LSan: no bad access, nothing leaked (the copies of the text, the
 *   requests, the answers).
 */

#include "fuzz_common.h"

#include <errno.h>
#include <stdbool.h>

#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/thread.h"

static struct spdk_thread *g_app;
static struct spdk_thread *g_worker;
static unsigned int g_wrong_state_calls;
static unsigned int g_calls;

static void
count_call(uint32_t mask)
{
	uint32_t state = spdk_rpc_get_state();

	g_calls++;
	if ((mask & state) != state) {
		g_wrong_state_calls++;
	}
}

static void
fz_startup(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	count_call(SPDK_RPC_STARTUP);
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("fz_startup", fz_startup, SPDK_RPC_STARTUP)

static void
fz_runtime(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	count_call(SPDK_RPC_RUNTIME);
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("fz_runtime", fz_runtime, SPDK_RPC_RUNTIME)

/* Answers its params back (exercises copying them). */
static void
fz_echo(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;

	count_call(SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME);
	w = spdk_jsonrpc_begin_result(request);
	if (params != NULL) {
		spdk_json_write_val(w, params);
	} else {
		spdk_json_write_null(w);
	}
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("fz_echo", fz_echo, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
fz_fail(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	count_call(SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME);
	spdk_jsonrpc_send_error_response(request, -EEXIST, "fz_fail always fails");
}
SPDK_RPC_REGISTER("fz_fail", fz_fail, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
answer_later(void *arg)
{
	spdk_jsonrpc_send_bool_response(arg, true);
}

static void
fz_later(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	count_call(SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME);
	FUZZ_CHECK(spdk_thread_send_msg(g_worker, answer_later, request) == 0, "send to worker");
}
SPDK_RPC_REGISTER("fz_later", fz_later, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static struct spdk_subsystem g_fz_subsystem = { .name = "fz" };
SPDK_SUBSYSTEM_REGISTER(g_fz_subsystem)

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	if (spdk_thread_lib_init(NULL, 0) != 0) {
		abort();
	}
	g_app = spdk_thread_create("app", NULL);
	g_worker = spdk_thread_create("worker", NULL);
	if (g_app == NULL || g_worker == NULL) {
		abort();
	}
	spdk_set_thread(g_app);
	return 0;
}

struct done {
	unsigned int	calls;
	int		rc;
	bool		returned;
	bool		empty;		/* no text: refused at once, as documented */
};

static void
done_cb(int rc, void *arg)
{
	struct done *d = arg;

	FUZZ_CHECK(d->returned || d->empty, "callback inside spdk_subsystem_load_config()");
	FUZZ_CHECK(spdk_get_thread() == g_app, "callback not on the app thread");
	d->calls++;
	d->rc = rc;
}

static bool
known_rc(int rc)
{
	return rc == 0 || rc == -EINVAL || rc == -ENOENT || rc == -EEXIST || rc == -ENOMEM ||
	       rc == -EPERM;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct done d = {};
	bool runtime, stop_on_error, parses;
	uint8_t *buf;
	void *end = NULL;
	ssize_t count;
	size_t polls;

	if (size == 0) {
		return 0;
	}
	fuzz_quiet_log();
	runtime = (data[0] & 1) != 0;
	stop_on_error = (data[0] & 2) != 0;
	data++;
	size--;

	/* Does the text parse as one complete JSON value? (A scratch copy: the
	 * loader gets its own exact-size one, so that ASan sees any read past it.) */
	buf = malloc(size ? size : 1);
	FUZZ_CHECK(buf != NULL, "malloc");
	memcpy(buf, data, size);
	count = spdk_json_parse(buf, size, NULL, 0, &end, SPDK_JSON_PARSE_FLAG_ALLOW_COMMENTS);
	parses = count > 0;
	memcpy(buf, data, size);

	spdk_set_thread(g_app);
	spdk_rpc_set_state(runtime ? SPDK_RPC_RUNTIME : SPDK_RPC_STARTUP);
	d.empty = size == 0;
	g_fuzz_errors = 0;
	g_calls = 0;
	g_wrong_state_calls = 0;
	spdk_subsystem_load_config(buf, (ssize_t)size, done_cb, &d, stop_on_error);
	d.returned = true;
	/* Destroy the caller's copy at once: the loader must have its own. */
	memset(buf, 0xa5, size);
	free(buf);

	/* Every entry costs a few messages; the text bounds the entries. */
	for (polls = 0; d.calls == 0; polls++) {
		FUZZ_CHECK(polls < 16 * size + 64, "the load does not end");
		spdk_thread_poll(g_app, 0, 0);
		spdk_thread_poll(g_worker, 0, 0);
		spdk_set_thread(g_app);
	}
	spdk_thread_poll(g_app, 0, 0);
	spdk_thread_poll(g_worker, 0, 0);
	spdk_set_thread(g_app);

	FUZZ_CHECK(d.calls == 1, "callback ran %u times", d.calls);
	FUZZ_CHECK(known_rc(d.rc), "rc %d", d.rc);
	FUZZ_CHECK(d.rc == 0 || g_fuzz_errors > 0, "rc %d without an error message", d.rc);
	FUZZ_CHECK(parses || d.rc == -EINVAL, "text that is not JSON loaded with rc %d", d.rc);
	FUZZ_CHECK(parses || g_calls == 0, "text that is not JSON called %u methods", g_calls);
	FUZZ_CHECK(g_wrong_state_calls == 0, "%u calls in the wrong state", g_wrong_state_calls);
	FUZZ_CHECK(stop_on_error || d.rc != -EEXIST, "a failing call ended the load without "
		   "stop_on_error");
	FUZZ_CHECK(d.rc != 0 || !stop_on_error || g_fuzz_errors == 0,
		   "rc 0 with stop_on_error but %u errors logged", g_fuzz_errors);
	return 0;
}

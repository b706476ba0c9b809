/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_subsystem_load_config(): entries called in order, STARTUP ones in the
 * STARTUP state and RUNTIME ones in the RUNTIME state (those allowed in both
 * only in the first), a call answered later from another spdk_thread holding
 * back the next one, stop_on_error true and false, the --rpcs-allowed list,
 * SPDK's rules for unknown methods and subsystems, and every malformed
 * configuration refused with a message naming the line and column, the
 * subsystem and the method. Threads are driven by hand (test/common/ut_thread.h):
 * thread 0 is the app thread, thread 1 a worker.
 */

#include "harness.h"
#include "log_capture.h"
#include "ut_thread.h"

#include "init/init_internal.h"
#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"

/* What the methods were called with, in order: "name(v);" each. */
static char g_calls[1024];

static void
record(const char *name, const struct spdk_json_val *params)
{
	struct spdk_json_val *v = NULL;
	size_t len = strlen(g_calls);
	int32_t n = -1;

	if (params != NULL &&
	    spdk_json_find((struct spdk_json_val *)params, "v", NULL, &v, SPDK_JSON_VAL_NUMBER) == 0) {
		ASSERT_EQ(spdk_json_decode_int32(v, &n), 0);
	}
	snprintf(g_calls + len, sizeof(g_calls) - len, "%s(%lld);", name, (long long)n);
}

static void
ut_startup(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record("startup", params);
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("ut_startup", ut_startup, SPDK_RPC_STARTUP)

static void
ut_runtime(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record("runtime", params);
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("ut_runtime", ut_runtime, SPDK_RPC_RUNTIME)

static void
ut_both(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record("both", params);
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("ut_both", ut_both, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
ut_fail(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record("fail", params);
	spdk_jsonrpc_send_error_response(request, -EEXIST, "it exists already");
}
SPDK_RPC_REGISTER("ut_fail", ut_fail, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

/* Answers from the worker thread, when the test polls it. */
static struct spdk_jsonrpc_request *g_held;

static void
answer_later(void *arg)
{
	struct spdk_jsonrpc_request *request = arg;

	record("answered", NULL);
	g_held = NULL;
	spdk_jsonrpc_send_bool_response(request, true);
}

static void
ut_later(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record("later", params);
	g_held = request;
	ASSERT_EQ(spdk_thread_send_msg(ut_thread(1), answer_later, request), 0);
}
SPDK_RPC_REGISTER("ut_later", ut_later, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static struct spdk_subsystem g_sub_a = { .name = "ut_a" };
static struct spdk_subsystem g_sub_b = { .name = "ut_b" };

struct done {
	int	calls;
	int	rc;
};

static void
done_cb(int rc, void *arg)
{
	struct done *d = arg;

	ASSERT_TRUE(spdk_thread_is_app_thread(NULL));
	d->calls++;
	d->rc = rc;
}

static void
start(void)
{
	ut_threads_init(2);
	ut_set_thread(0);
	pw__subsystem_reset_for_tests();
	spdk_add_subsystem(&g_sub_a);
	spdk_add_subsystem(&g_sub_b);
	spdk_rpc_set_state(SPDK_RPC_STARTUP);
	spdk_rpc_set_allowlist(NULL);
	g_calls[0] = '\0';
	log_capture_start();
}

static void
stop(void)
{
	log_capture_stop();
	spdk_rpc_set_allowlist(NULL);
	ut_threads_fini();
}

/* Load text (its strlen) and run the threads until the load ends; returns rc. */
static int
load(const char *text, bool stop_on_error)
{
	struct done d = {};
	char *copy = strdup(text);

	ASSERT_NOT_NULL(copy);
	ut_set_thread(0);
	spdk_subsystem_load_config(copy, (ssize_t)strlen(copy), done_cb, &d, stop_on_error);
	/* The text was copied: the caller's buffer may go at once. */
	memset(copy, '#', strlen(copy));
	free(copy);
	ASSERT_EQ(d.calls, 0);		/* never inside the call */
	ut_poll_threads();
	ASSERT_EQ(d.calls, 1);
	return d.rc;
}

#define SUB(name, config) "{\"subsystem\": \"" name "\", \"config\": " config "}"
#define CALL(m, v) "{\"method\": \"" m "\", \"params\": {\"v\": " #v "}}"

static const char *g_full =
	"{\"subsystems\": [\n"
	SUB("ut_a", "[" CALL("ut_startup", 1) ", " CALL("ut_runtime", 2) ", " CALL("ut_both", 3) "]")
	",\n"
	SUB("ut_b", "null") ",\n"
	SUB("ut_b", "[]") ",\n"
	SUB("ut_b", "[" CALL("ut_runtime", 4) ", {\"method\": \"ut_startup\"}]")
	"\n]}\n";

TEST(startup_entries_then_runtime_entries)
{
	start();
	ASSERT_EQ(load(g_full, true), 0);
	ASSERT_STR_EQ(g_calls, "startup(1);both(3);startup(-1);");
	g_calls[0] = '\0';
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	ASSERT_EQ(load(g_full, true), 0);
	/* ut_both ran in STARTUP already: not twice. */
	ASSERT_STR_EQ(g_calls, "runtime(2);runtime(4);");
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	stop();
}

TEST(later_answer_from_another_thread_holds_back_the_next_call)
{
	struct done d = {};
	const char *text = "{\"subsystems\": [" SUB("ut_a", "[" CALL("ut_later", 1) ", "
				   CALL("ut_both", 2) "]") "]}";

	start();
	spdk_subsystem_load_config((void *)text, (ssize_t)strlen(text), done_cb, &d, true);
	ut_poll_thread(0);
	ASSERT_NOT_NULL(g_held);
	ASSERT_STR_EQ(g_calls, "later(1);");
	ut_poll_thread(0);
	ASSERT_STR_EQ(g_calls, "later(1);");	/* waits for the answer */
	ASSERT_EQ(d.calls, 0);
	ut_poll_thread(1);			/* the worker answers */
	ASSERT_STR_EQ(g_calls, "later(1);answered(-1);");
	ut_poll_thread(0);
	ASSERT_STR_EQ(g_calls, "later(1);answered(-1);both(2);");
	ASSERT_EQ(d.calls, 1);
	ASSERT_EQ(d.rc, 0);
	stop();
}

static const char *g_failing =
	"{\"subsystems\": [\n"
	"  " SUB("ut_a", "[" CALL("ut_both", 1) ",\n"
		 "    " CALL("ut_fail", 2) ",\n"
		 "    " CALL("ut_both", 3) "]")
	"\n]}";

TEST(stop_on_error_ends_at_a_failing_call)
{
	start();
	ASSERT_EQ(load(g_failing, true), -EEXIST);
	ASSERT_STR_EQ(g_calls, "both(1);fail(2);");
	ASSERT_TRUE(log_capture_contains("JSON configuration, line 3, column 5, subsystem \"ut_a\", "
					 "method \"ut_fail\": the call failed with error -17: "
					 "it exists already\n"));
	stop();
}

TEST(without_stop_on_error_a_failing_call_is_logged_and_skipped)
{
	start();
	ASSERT_EQ(load(g_failing, false), 0);
	ASSERT_STR_EQ(g_calls, "both(1);fail(2);both(3);");
	ASSERT_TRUE(log_capture_contains("line 3, column 5, subsystem \"ut_a\", method \"ut_fail\": "
					 "the call failed with error -17: it exists already "
					 "(going on: errors are ignored)"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	stop();
}

TEST(a_method_outside_the_allowlist_fails_as_over_the_socket)
{
	const char *allow[] = { "ut_startup", NULL };

	start();
	spdk_rpc_set_allowlist(allow);
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[" CALL("ut_startup", 1) ", "
					      CALL("ut_both", 2) "]") "]}", true), -ENOENT);
	ASSERT_STR_EQ(g_calls, "startup(1);");
	ASSERT_TRUE(log_capture_contains("method \"ut_both\": the call failed with error -32601: "
					 "Method not found"));
	stop();
}

TEST(params_the_handler_refuses_fail_the_call)
{
	start();
	/* ut_both records and answers true; rpc_get_methods refuses an unknown param. */
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[{\"method\": \"rpc_get_methods\", "
					      "\"params\": {\"bogus\": 1}}]") "]}", true), -EINVAL);
	ASSERT_TRUE(log_capture_contains("method \"rpc_get_methods\": the call failed with error "
					 "-32602: Invalid parameters"));
	stop();
}

TEST(unknown_method_of_a_linked_subsystem)
{
	const char *text = "{\"subsystems\": [" SUB("ut_a", "[{\"method\": \"ut_nope\"}, "
			   CALL("ut_both", 1) "]") "]}";

	start();
	ASSERT_EQ(load(text, true), -ENOENT);
	ASSERT_STR_EQ(g_calls, "");
	ASSERT_TRUE(log_capture_contains("JSON configuration, line 1, column 50, subsystem \"ut_a\", "
					 "method \"ut_nope\": no such method"));
	g_calls[0] = '\0';
	log_capture_reset();
	ASSERT_EQ(load(text, false), 0);
	ASSERT_STR_EQ(g_calls, "both(1);");
	ASSERT_TRUE(log_capture_contains("method \"ut_nope\": no such method: skipped (errors are ignored)"));
	stop();
}

TEST(unknown_subsystem_as_spdk_skips_its_unknown_methods)
{
	start();
	ASSERT_EQ(load("{\"subsystems\": [" SUB("nvmf", "[{\"method\": \"nvmf_create_target\"}, "
					      CALL("ut_both", 1) "]") "]}", true), 0);
	/* SPDK: the unknown method is skipped, the known one is called. */
	ASSERT_STR_EQ(g_calls, "both(1);");
	ASSERT_TRUE(log_capture_contains("subsystem \"nvmf\", method \"nvmf_create_target\": "
					 "skipped: the subsystem is not linked into this application"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	stop();
}

/* Batches: arrays of calls, run in the state all their methods share. */
static const char *g_batches =
	"{\"subsystems\": [" SUB("ut_a", "["
	"[" CALL("ut_startup", 1) ", " CALL("ut_both", 2) "],\n"
	"[" CALL("ut_runtime", 3) ", " CALL("ut_both", 4) "],\n"
	"[], "
	"[" CALL("ut_later", 5) ", " CALL("ut_both", 6) "]]") "]}";

TEST(batches_run_in_the_state_their_methods_share)
{
	start();
	ASSERT_EQ(load(g_batches, true), 0);
	/* The third batch is allowed in both states: it runs in STARTUP only. */
	ASSERT_STR_EQ(g_calls, "startup(1);both(2);later(5);answered(-1);both(6);");
	g_calls[0] = '\0';
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	ASSERT_EQ(load(g_batches, true), 0);
	ASSERT_STR_EQ(g_calls, "runtime(3);both(4);");
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	stop();
}

TEST(batch_errors_as_spdk)
{
	start();
	/* No state in common. */
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[[" CALL("ut_startup", 1) ", "
					      CALL("ut_runtime", 2) "]]") "]}", true), -EINVAL);
	ASSERT_TRUE(log_capture_contains("line 1, column 50, subsystem \"ut_a\": a batch whose "
					 "methods have no RPC state in common"));
	ASSERT_STR_EQ(g_calls, "");
	/* A bad element: an error with stop_on_error, skipped without. */
	log_capture_reset();
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[[7, " CALL("ut_both", 1) "]]") "]}",
		       true), -EINVAL);
	ASSERT_TRUE(log_capture_contains("a batch element must be an object"));
	ASSERT_STR_EQ(g_calls, "");
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[[7, " CALL("ut_both", 1) "]]") "]}",
		       false), 0);
	ASSERT_STR_EQ(g_calls, "both(1);");
	/* Only unknown methods of an unlinked subsystem: nothing left to call. */
	log_capture_reset();
	g_calls[0] = '\0';
	ASSERT_EQ(load("{\"subsystems\": [" SUB("nvmf", "[[{\"method\": \"nvmf_x\"}]]") "]}",
		       true), -EINVAL);
	ASSERT_TRUE(log_capture_contains("method \"nvmf_x\": skipped: the subsystem is not linked"));
	/* Positions: the element, then back to its batch. */
	ASSERT_TRUE(log_capture_contains("line 1, column 51, subsystem \"nvmf\", "
					 "method \"nvmf_x\": skipped"));
	ASSERT_TRUE(log_capture_contains("line 1, column 50, subsystem \"nvmf\": "
					 "a batch with no call to make"));
	/* A failing call inside a batch ends the load with stop_on_error. */
	log_capture_reset();
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[[" CALL("ut_fail", 1) ", "
					      CALL("ut_both", 2) "]]") "]}", true), -EEXIST);
	ASSERT_STR_EQ(g_calls, "fail(1);");
	ASSERT_TRUE(log_capture_contains("method \"ut_fail\": the call failed with error -17"));
	g_calls[0] = '\0';
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[[" CALL("ut_fail", 1) ", "
					      CALL("ut_both", 2) "]]") "]}", false), 0);
	ASSERT_STR_EQ(g_calls, "fail(1);both(2);");
	stop();
}

TEST(missing_subsystems_key_is_a_warning)
{
	start();
	ASSERT_EQ(load("{\"other\": 1}", true), 0);
	ASSERT_TRUE(log_capture_contains("JSON configuration, line 1, column 1: no \"subsystems\" "
					 "key: nothing to load"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_WARN), 1);
	ASSERT_EQ(load("{\"subsystems\": []}", true), 0);
	ASSERT_TRUE(log_capture_contains("\"subsystems\" is empty"));
	stop();
}

TEST(comments_and_trailing_space_are_accepted)
{
	start();
	ASSERT_EQ(load("// saved by hand\n{\"subsystems\": [ /* one */ " SUB("ut_a", "["
			       CALL("ut_both", 7) "]") "]}\n  // end\n", true), 0);
	ASSERT_STR_EQ(g_calls, "both(7);");
	stop();
}

/* Each malformed configuration: its rc and a piece of its message. */
struct bad_case {
	const char	*text;
	int		rc;
	const char	*message;
};

static const struct bad_case g_bad[] = {
	{ "{\"subsystems\": [}", -EINVAL, "JSON configuration, line 1, column 17: not valid JSON (unexpected '}')" },
	{ "{\"subsystems\": [\n  {\"subsystem\": \"ut_a\",", -EINVAL, "line 2, column 24: the text is truncated" },
	{ "{\"subsystems\": []} x", -EINVAL, "line 1, column 20: unexpected text after the configuration" },
	{ "{\"subsystems\": []} /* open", -EINVAL, "line 1, column 20: unexpected text after" },
	{ "[]", -EINVAL, "line 1, column 1: the configuration must be an object {\"subsystems\": [...]}, not an array" },
	{ "\"x\"", -EINVAL, "must be an object {\"subsystems\": [...]}, not a string" },
	{ "{\"subsystems\": {}}", -EINVAL, "line 1, column 16: \"subsystems\" must be an array, not an object" },
	{ "{\"subsystems\": [], \"subsystems\": []}", -EINVAL, "\"subsystems\" appears more than once" },
	{ "{\"subsystems\": [\n1]}", -EINVAL, "line 2, column 1: subsystem #0 of \"subsystems\" must be an object" },
	{ "{\"subsystems\": [" SUB("ut_a", "[]") ", 2]}", -EINVAL, "subsystem #1 of \"subsystems\" must be an object" },
	{ "{\"subsystems\": [{\"config\": []}]}", -EINVAL, "line 1, column 17: subsystem #0: no \"subsystem\" key" },
	{ "{\"subsystems\": [{\"subsystem\": 5, \"config\": []}]}", -EINVAL, "column 31: subsystem #0: \"subsystem\" must be a string" },
	{ "{\"subsystems\": [{\"subsystem\": \"ut_a\"}]}", -EINVAL, "subsystem \"ut_a\": no \"config\" key" },
	{ "{\"subsystems\": [{\"subsystem\": \"ut_a\", \"config\": {}}]}", -EINVAL, "column 49, subsystem \"ut_a\": \"config\" must be an array of calls or null" },
	{ "{\"subsystems\": [{\"subsystem\": \"ut_a\", \"config\": [], \"x\": 1}]}", -EINVAL, "column 53: unknown key \"x\" in a subsystem" },
	{ "{\"subsystems\": [{\"subsystem\": \"ut_a\", \"subsystem\": \"ut_b\", \"config\": []}]}", -EINVAL, "key \"subsystem\" appears twice in a subsystem" },
	{ "{\"subsystems\": [" SUB("ut_a", "[3]") "]}", -EINVAL, "subsystem \"ut_a\": a \"config\" entry must be an object" },
	{ "{\"subsystems\": [" SUB("ut_a", "[{}]") "]}", -EINVAL, "subsystem \"ut_a\": a \"config\" entry has no \"method\" key" },
	{ "{\"subsystems\": [" SUB("ut_a", "[{\"method\": true}]") "]}", -EINVAL, "\"method\" must be a string" },
	{ "{\"subsystems\": [" SUB("ut_a", "[{\"method\": \"ut_both\", \"params\": [1]}]") "]}", -EINVAL, "method \"ut_both\": \"params\" must be an object, not an array" },
	{ "{\"subsystems\": [" SUB("ut_a", "[{\"method\": \"ut_both\", \"parms\": {}}]") "]}", -EINVAL, "unknown key \"parms\" in a \"config\" entry" },
};

TEST(malformed_configurations_are_refused_with_a_clear_message)
{
	size_t i;

	start();
	for (i = 0; i < SPDK_COUNTOF(g_bad); i++) {
		log_capture_reset();
		g_calls[0] = '\0';
		if (load(g_bad[i].text, false) != g_bad[i].rc ||
		    !log_capture_contains(g_bad[i].message)) {
			FAIL("case %zu: %s\nexpected rc %d and \"%s\", got:\n%s", i, g_bad[i].text,
			     g_bad[i].rc, g_bad[i].message, log_capture_text());
		}
		ASSERT_STR_EQ(g_calls, "");
	}
	stop();
}

TEST(an_error_after_good_entries_keeps_what_was_called)
{
	start();
	ASSERT_EQ(load("{\"subsystems\": [" SUB("ut_a", "[" CALL("ut_both", 1) "]") ", "
		       SUB("ut_b", "[" CALL("ut_both", 2) ", 7]") "]}", false), -EINVAL);
	ASSERT_STR_EQ(g_calls, "both(1);both(2);");
	ASSERT_TRUE(log_capture_contains("subsystem \"ut_b\": a \"config\" entry must be an object"));
	stop();
}

TEST(empty_and_misuse)
{
	struct done d = {};

	start();
	spdk_subsystem_load_config(NULL, 0, done_cb, &d, true);
	ASSERT_EQ(d.calls, 1);
	ASSERT_EQ(d.rc, -EINVAL);
	ASSERT_TRUE(log_capture_contains("JSON configuration is empty"));
	d.calls = 0;
	spdk_subsystem_load_config((void *)"{}", -1, done_cb, &d, true);
	ASSERT_EQ(d.rc, -EINVAL);
	ASSERT_EQ(d.calls, 1);
	spdk_subsystem_load_config((void *)"{}", 2, NULL, NULL, true);
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_load_config: NULL callback"));
	ut_poll_threads();
	stop();
}

static int g_wrong_thread_rc = 1;

static void
wrong_thread_cb(int rc, void *arg)
{
	(void)arg;
	g_wrong_thread_rc = rc;
}

TEST(not_on_the_app_thread_is_refused)
{
	start();
	ut_set_thread(1);
	spdk_subsystem_load_config((void *)"{}", 2, wrong_thread_cb, NULL, true);
	ASSERT_EQ(g_wrong_thread_rc, -EINVAL);
	ASSERT_TRUE(log_capture_contains("spdk_subsystem_load_config: not called on the app thread"));
	ut_set_thread(0);
	stop();
}

TEST(a_nul_terminated_buffer_is_accepted)
{
	const char text[] = "{\"subsystems\": [" SUB("ut_a", "[" CALL("ut_both", 5) "]") "]}";
	struct done d = {};

	start();
	/* sizeof: the NUL is part of the size, as a caller passing a C string may do. */
	spdk_subsystem_load_config((void *)text, (ssize_t)sizeof(text), done_cb, &d, true);
	ut_poll_threads();
	ASSERT_EQ(d.calls, 1);
	ASSERT_EQ(d.rc, 0);
	ASSERT_STR_EQ(g_calls, "both(5);");
	stop();
}

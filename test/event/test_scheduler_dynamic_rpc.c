/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The dynamic scheduler in a real app, through RPC: framework_set_scheduler
 * with its options (and a bad one refused), framework_get_scheduler showing
 * them, pw_scheduler_get_history's shape and params, and, on two cores, an
 * idle thread of core 1 moved to the main core by a round, found in the
 * history with its reason and loads.
 *
 * Waits are bounded liveness waits (rounds every 10 ms, the history asked
 * every 100 ms for up to 30 s x PW_TEST_TIMEOUT_SCALE), never timing
 * assertions.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/jsonrpc.h"
#include "spdk/thread.h"

#include "event/event_internal.h"

#include "harness.h"
#include "ut_rpc_app.h"

#define INVALID_PARAMS	SPDK_JSONRPC_ERROR_INVALID_PARAMS

static bool
have_two_cores(void)
{
	static int two = -1;
	cpu_set_t set;

	if (two < 0) {
		two = sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(0, &set) &&
		      CPU_ISSET(1, &set);
	}
	return two == 1;
}

static struct spdk_thread *g_idle;
static struct spdk_poller *g_idle_poller;

static int
idle_poll(void *arg)
{
	(void)arg;
	return SPDK_POLLER_IDLE;
}

/* On the idle thread (core 1): a poller that never finds work. */
static void
idle_setup(void *arg)
{
	(void)arg;
	g_idle_poller = SPDK_POLLER_REGISTER(idle_poll, NULL, 0);
	ASSERT_NOT_NULL(g_idle_poller);
}

static void
idle_teardown(void *arg)
{
	(void)arg;
	spdk_poller_unregister(&g_idle_poller);
	spdk_thread_exit(spdk_get_thread());
}

/* A thread allowed on both cores, placed on core 1. */
static void
setup_idle_on_core1(void)
{
	struct spdk_cpuset both;

	spdk_cpuset_zero(&both);
	spdk_cpuset_set_cpu(&both, 0, true);
	spdk_cpuset_set_cpu(&both, 1, true);
	pw__reactors_set_next_core(1);
	g_idle = spdk_thread_create("rpc_idle", &both);
	ASSERT_NOT_NULL(g_idle);
	ASSERT_EQ(spdk_thread_send_msg(g_idle, idle_setup, NULL), 0);
}

static void
expect_error(int fd, const char *method, const char *params, int64_t code)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, method, params);

	ASSERT_NULL(r->result);
	ASSERT_EQ(r->error_code, code);
	ut_rpc_resp_free(r);
}

static void
expect_true(int fd, const char *method, const char *params)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, method, params);

	ASSERT_NOT_NULL(r->result);
	ASSERT_TRUE(ut_json_bool(r->result));
	ut_rpc_resp_free(r);
}

/* The history's moves as text, once rounds_total reached \p rounds and (if
 * \p needle) the text contains it; NULL after ~30 s x scale. */
static char *
wait_history(int fd, uint64_t rounds, const char *needle)
{
	const char *scale_env = getenv("PW_TEST_TIMEOUT_SCALE");
	long scale = scale_env ? strtol(scale_env, NULL, 10) : 1;
	int i;

	for (i = 0; i < 300 * (scale > 0 ? scale : 1); i++) {
		struct ut_rpc_resp *r = ut_rpc_call(fd, "pw_scheduler_get_history", NULL);
		char *text;

		ASSERT_NOT_NULL(r->result);
		if (ut_json_u64(ut_json_member(r->result, "rounds_total")) >= rounds &&
		    (needle == NULL || strstr(r->text, needle) != NULL)) {
			text = strdup(r->text);
			ut_rpc_resp_free(r);
			return text;
		}
		if (i + 1 == 300 * (scale > 0 ? scale : 1)) {
			fprintf(stderr, "history never showed %s: %s\n", needle ? needle : "a round",
				r->text);
		}
		ut_rpc_resp_free(r);
		usleep(100000);
	}
	return NULL;
}

static void
history_scenario(int fd)
{
	static const struct ut_json_key top[] = {
		{"tick_rate", UT_U64}, {"rounds_total", UT_U64}, {"moves_total", UT_U64},
		{"rounds", UT_ARR},
	};
	static const struct ut_json_key round[] = {
		{"round", UT_U64}, {"rounds", UT_U64}, {"tsc", UT_U64}, {"period_us", UT_U64},
		{"scheduler", UT_STR}, {"cores", UT_U32}, {"threads", UT_U32},
		{"moves_total", UT_U32}, {"moves", UT_ARR},
	};
	struct ut_rpc_resp *r;
	struct spdk_json_val *sched;
	char *text, *name;

	expect_true(fd, "framework_set_scheduler", "{\"name\": \"dynamic\", \"period\": 10000, "
		    "\"load_limit\": 30, \"hysteresis\": 15}");
	r = ut_rpc_call(fd, "framework_get_scheduler", NULL);
	ASSERT_NOT_NULL(r->result);
	name = ut_json_str(ut_json_member(r->result, "scheduler_name"));
	ASSERT_STR_EQ(name, "dynamic");
	free(name);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "load_limit")), 30);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "core_limit")), 80);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "core_busy")), 95);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "hysteresis")), 15);
	ut_rpc_resp_free(r);
	/* A bad option is refused and the others stay. */
	expect_error(fd, "framework_set_scheduler", "{\"name\": \"dynamic\", \"core_busy\": 101}",
		     SPDK_JSONRPC_ERROR_INTERNAL_ERROR);
	r = ut_rpc_call(fd, "framework_get_scheduler", NULL);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "core_busy")), 95);
	ut_rpc_resp_free(r);

	text = wait_history(fd, 2, NULL);
	ASSERT_NOT_NULL(text);
	free(text);
	r = ut_rpc_call(fd, "pw_scheduler_get_history", "{\"count\": 1}");
	ASSERT_NOT_NULL(r->result);
	ut_json_check_keys(r->result, top, SPDK_COUNTOF(top), "history");
	ASSERT_EQ(ut_json_count(ut_json_member(r->result, "rounds")), 1);
	sched = ut_json_elem(ut_json_member(r->result, "rounds"), 0);
	ut_json_check_keys(sched, round, SPDK_COUNTOF(round), "round");
	name = ut_json_str(ut_json_member(sched, "scheduler"));
	ASSERT_STR_EQ(name, "dynamic");
	free(name);
	/* the span the round's stats covered (the first round has none) */
	ASSERT_GT(ut_json_u64(ut_json_member(sched, "period_us")), 0);
	ut_rpc_resp_free(r);
	expect_error(fd, "pw_scheduler_get_history", "{\"count\": \"x\"}", INVALID_PARAMS);
	expect_error(fd, "pw_scheduler_get_history", "{\"rounds\": 1}", INVALID_PARAMS);

	if (g_idle != NULL) {
		/* The idle thread of core 1 goes to the main core, explained. With
		 * room on the main core whatever the machine's load (this client's
		 * requests and other processes make the main core look busy). */
		expect_true(fd, "framework_set_scheduler", "{\"name\": \"dynamic\", "
			    "\"core_limit\": 100, \"core_busy\": 100, \"hysteresis\": 0}");
		text = wait_history(fd, 1, "\"thread_name\":\"rpc_idle\",\"from_lcore\":1,"
				    "\"to_lcore\":0,\"reason\":\"");
		ASSERT_NOT_NULL(text);
		/* Reason idle: the thread's load was under load_limit; or, when
		 * other processes take the cpus and its measured load is inflated
		 * by preemption (30% seen with two `yes` beside it), consolidate:
		 * core 1, within its limits, is emptied whole. Either way the move
		 * is explained with the loads. */
		ASSERT_TRUE(strstr(text, "\"to_lcore\":0,\"reason\":\"idle\",\"thread_load\":")
			    != NULL ||
			    strstr(text, "\"to_lcore\":0,\"reason\":\"consolidate\","
				   "\"thread_load\":") != NULL);
		free(text);
		ASSERT_EQ(spdk_thread_send_msg(g_idle, idle_teardown, NULL), 0);
	}
	expect_true(fd, "framework_set_scheduler", "{\"name\": \"static\"}");
}

TEST_TIMEOUT(dynamic_scheduler_through_rpc, 120)
{
	struct spdk_app_opts opts;
	bool two = have_two_cores();

	ut_rpc_app_opts(&opts, two ? "0x3" : "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, two ? setup_idle_on_core1 : NULL, history_scenario), 0);
	ut_rpc_app_cleanup();
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The scheduler's RPC methods over a real socket: framework_set_scheduler
 * (SPDK's params; the period; unknown name and options a scheduler does not
 * take refused, the previous scheduler kept), framework_get_scheduler's keys
 * (including the scheduler's get_opts keys), framework_get_governor without
 * a governor, scheduler_set_options, and the scheduler subsystem's
 * configuration following the current scheduler.
 */

#include "harness.h"
#include "ut_rpc_app.h"

#include "spdk/stdinc.h"
#include "spdk/jsonrpc.h"
#include "spdk/scheduler.h"

#include "event/event_internal.h"

#define INVALID_PARAMS	SPDK_JSONRPC_ERROR_INVALID_PARAMS
#define INTERNAL_ERROR	SPDK_JSONRPC_ERROR_INTERNAL_ERROR

/* A scheduler with options of its own, and one without set_opts. */
static uint32_t g_knob = 7;

static void
knob_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
}

static const struct spdk_json_object_decoder g_knob_decoders[] = {
	{"load_limit", 0, spdk_json_decode_uint32, true},
};

static int
knob_set_opts(const struct spdk_json_val *opts)
{
	return spdk_json_decode_object_relaxed(opts, g_knob_decoders, 1, &g_knob) == 0 ? 0 : -EINVAL;
}

static void
knob_get_opts(struct spdk_json_write_ctx *w)
{
	spdk_json_write_named_uint32(w, "load_limit", g_knob);
}

static struct spdk_scheduler g_knob_sched = {
	.name = "ut_knob",
	.balance = knob_balance,
	.set_opts = knob_set_opts,
	.get_opts = knob_get_opts,
};
SPDK_SCHEDULER_REGISTER(g_knob_sched);

static struct spdk_scheduler g_plain_sched = {
	.name = "ut_plain",
	.balance = knob_balance,
};
SPDK_SCHEDULER_REGISTER(g_plain_sched);

static char *
get_str(struct spdk_json_val *obj, const char *key)
{
	struct spdk_json_val *v = ut_json_member(obj, key);

	ASSERT_NOT_NULL(v);
	return ut_json_str(v);
}

static void
expect_scheduler(int fd, const char *name, uint64_t period)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, "framework_get_scheduler", NULL);
	char *s = get_str(r->result, "scheduler_name");

	ASSERT_STR_EQ(s, name);
	free(s);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "scheduler_period")), period);
	ut_rpc_resp_free(r);
}

static void
scenario(int fd)
{
	struct ut_rpc_resp *r;
	char *s;

	expect_scheduler(fd, "static", 0);

	/* Without a period, as SPDK: 1 s. */
	ut_rpc_expect_true(fd, "framework_set_scheduler", "{\"name\":\"ut_knob\"}");
	expect_scheduler(fd, "ut_knob", 1000000);
	ut_rpc_expect_true(fd, "framework_set_scheduler",
			   "{\"name\":\"ut_knob\",\"period\":5000,\"load_limit\":42}");
	expect_scheduler(fd, "ut_knob", 5000);
	r = ut_rpc_call(fd, "framework_get_scheduler", NULL);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "load_limit")), 42);
	ut_rpc_resp_free(r);

	/* The subsystem's configuration selects it again, with its options. */
	r = ut_rpc_call(fd, "framework_get_config", "{\"name\":\"scheduler\"}");
	s = get_str(ut_json_member(ut_json_elem(r->result, 0), "params"), "name");
	ASSERT_STR_EQ(s, "ut_knob");
	free(s);
	ASSERT_EQ(ut_json_u64(ut_json_member(ut_json_member(ut_json_elem(r->result, 0), "params"),
					     "period")), 5000);
	ASSERT_EQ(ut_json_u64(ut_json_member(ut_json_member(ut_json_elem(r->result, 0), "params"),
					     "load_limit")), 42);
	ut_rpc_resp_free(r);

	/* Refused: no name, unknown name, options for a scheduler without
	 * set_opts; the scheduler stays. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_set_scheduler", "{}", INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_set_scheduler",
					     "{\"name\":\"nope\"}", INTERNAL_ERROR));
	expect_scheduler(fd, "ut_knob", 5000);
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_set_scheduler",
					     "{\"name\":\"ut_plain\",\"core_busy\":50}",
					     INTERNAL_ERROR));

	/* Static again: it asks for one round, which stops the rounds. */
	ut_rpc_expect_true(fd, "framework_set_scheduler", "{\"name\":\"static\"}");
	for (int i = 0; spdk_scheduler_get_period() != 0; i++) {
		ASSERT_LT(i, 200000);
		usleep(100);
	}
	expect_scheduler(fd, "static", 0);

	/* No governor: an empty object. */
	r = ut_rpc_call(fd, "framework_get_governor", NULL);
	ASSERT_EQ(r->result->type, SPDK_JSON_VAL_OBJECT_BEGIN);
	ASSERT_EQ(r->result[1].type, SPDK_JSON_VAL_OBJECT_END);
	ut_rpc_resp_free(r);

	/* scheduler_set_options is for STARTUP only, as SPDK. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "scheduler_set_options",
					     "{\"scheduling_core\":0}",
					     SPDK_JSONRPC_ERROR_INVALID_STATE));
}

TEST(scheduler_methods_answer_as_spdk)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, NULL, scenario), 0);
	ut_rpc_app_cleanup();
}

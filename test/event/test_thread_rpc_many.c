/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The threads' RPC methods with thousands of threads, through the app's RPC
 * server and a client pthread:
 *
 * - stats_of_thousands: thread_get_stats lists every thread exactly once, in
 *   creation order (ids ascending, as SPDK's walk of its list), each created
 *   one by its name, with its counters; the answer (hundreds of KB) comes
 *   whole through the server's send buffer
 * - set_cpumask_by_id_among_thousands: thread_set_cpumask finds a thread by
 *   id among them (the id index) and moves it; an id never given out and the
 *   id of a destroyed thread are refused with SPDK's error
 */

#include "harness.h"
#include "ut_rpc_app.h"

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/json.h"
#include "spdk/thread.h"
#include "spdk/jsonrpc.h"

#include <stdatomic.h>

#define NTHREADS	3000

static struct spdk_thread *g_threads[NTHREADS];
static uint64_t g_first_id;
static _Atomic uint32_t g_count_at_setup;

static void
create_many(void)
{
	char name[32];

	for (uint32_t i = 0; i < NTHREADS; i++) {
		snprintf(name, sizeof(name), "many%u", i);
		g_threads[i] = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(g_threads[i]);
	}
	g_first_id = spdk_thread_get_id(g_threads[0]);
	atomic_store(&g_count_at_setup, spdk_thread_get_count());
}

static void exit_msg(void *ctx);

/* From the client: exit our threads (from thread \p from on) and wait until
 * the reactor destroyed them, so that the app stops without complaints. */
static void
exit_many(uint32_t from)
{
	for (uint32_t i = from; i < NTHREADS; i++) {
		ASSERT_EQ(spdk_thread_send_msg(g_threads[i], exit_msg, NULL), 0);
	}
	while (spdk_thread_get_count() > atomic_load(&g_count_at_setup) - NTHREADS) {
		usleep(1000);
	}
}

static bool
str_is(const struct spdk_json_val *v, const char *s)
{
	return v != NULL && v->type == SPDK_JSON_VAL_STRING && v->len == strlen(s) &&
	       memcmp(v->start, s, v->len) == 0;
}

static uint64_t
u64_of(struct spdk_json_val *v)
{
	uint64_t x = 0;

	ASSERT_NOT_NULL(v);
	ASSERT_EQ(spdk_json_number_to_uint64(v, &x), 0);
	return x;
}

static void
stats_scenario(int fd)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, "thread_get_stats", NULL);
	struct spdk_json_val *arr;
	uint64_t prev = 0, seen_created = 0;
	size_t n;
	char name[32];

	ASSERT_NOT_NULL(r->result);
	arr = ut_json_member(r->result, "threads");
	ASSERT_NOT_NULL(arr);
	n = ut_json_count(arr);
	/* Nothing is created or destroyed meanwhile. */
	ASSERT_EQ(n, atomic_load(&g_count_at_setup));
	ASSERT_GT(strlen(r->text), (size_t)NTHREADS * 100);
	for (size_t i = 0; i < n; i++) {
		struct spdk_json_val *t = ut_json_elem(arr, i);
		uint64_t id = u64_of(ut_json_member(t, "id"));

		ASSERT_GT(id, prev);		/* creation order, each once */
		prev = id;
		(void)u64_of(ut_json_member(t, "busy"));
		(void)u64_of(ut_json_member(t, "idle"));
		ASSERT_EQ(u64_of(ut_json_member(t, "active_pollers_count")), 0);
		if (id >= g_first_id && id < g_first_id + NTHREADS) {
			snprintf(name, sizeof(name), "many%" PRIu64, id - g_first_id);
			ASSERT_TRUE(str_is(ut_json_member(t, "name"), name));
			seen_created++;
		}
	}
	ASSERT_EQ(seen_created, NTHREADS);
	ut_rpc_resp_free(r);
	exit_many(0);
}

TEST_TIMEOUT(stats_of_thousands, 120)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, create_many, stats_scenario), 0);
	ut_rpc_app_cleanup();
}

static void
exit_msg(void *ctx)
{
	spdk_thread_exit(spdk_get_thread());
}

/* Exit thread 0 of ours before the client starts: its id is known but gone. */
static void
create_many_and_exit_one(void)
{
	create_many();
	ASSERT_EQ(spdk_thread_send_msg(g_threads[0], exit_msg, NULL), 0);
}

static void
cpumask_scenario(int fd)
{
	char params[128];
	struct ut_rpc_resp *r;
	uint64_t id = g_first_id + NTHREADS / 2;

	/* Wait until the reactor destroyed the exited one (the count drops). */
	while (spdk_thread_get_count() >= (uint32_t)atomic_load(&g_count_at_setup)) {
		usleep(1000);
	}
	snprintf(params, sizeof(params), "{\"id\": %" PRIu64 ", \"cpumask\": \"0x1\"}", id);
	ut_rpc_expect_true(fd, "thread_set_cpumask", params);

	snprintf(params, sizeof(params), "{\"id\": %" PRIu64 ", \"cpumask\": \"0x1\"}",
		 g_first_id + NTHREADS + 100);
	r = ut_rpc_expect_error(fd, "thread_set_cpumask", params, SPDK_JSONRPC_ERROR_INVALID_PARAMS);
	ASSERT_STR_CONTAINS(r->error_message, "does not exist");
	ut_rpc_resp_free(r);

	snprintf(params, sizeof(params), "{\"id\": %" PRIu64 ", \"cpumask\": \"0x1\"}", g_first_id);
	r = ut_rpc_expect_error(fd, "thread_set_cpumask", params, SPDK_JSONRPC_ERROR_INVALID_PARAMS);
	ASSERT_STR_CONTAINS(r->error_message, "does not exist");
	ut_rpc_resp_free(r);
	exit_many(1);
}

TEST_TIMEOUT(set_cpumask_by_id_among_thousands, 120)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, create_many_and_exit_one, cpumask_scenario), 0);
	ut_rpc_app_cleanup();
}

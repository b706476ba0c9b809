/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * pw_rpc_call() under real pthreads (run under TSan in CI): the app
 * spdk_thread on the test's pthread keeps a window of calls in flight; the
 * handler answers some at once and hands the others to one of two worker
 * spdk_threads, each on its own pthread, or to the app thread, which answer
 * from there. A share of
 * the calls is made by worker 1 itself (asked by a message), so answers also
 * travel from the app thread and worker 0 back to worker 1. Every call's
 * callback runs exactly once, on the thread that called, with its own result;
 * at the end nothing is left (ASan/LSan check the memory).
 */

#include "harness.h"
#include "ut_stress.h"

#include "spdk/stdinc.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/thread.h"
#include "pinwheel/rpc.h"

#include <poll.h>
#include <stdatomic.h>

/* LeakSanitizer's, present only in sanitizer builds. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

#define N_WORKERS	2
#define WINDOW		32

struct worker {
	struct spdk_thread	*thread;
	pthread_t		pthread;
	int			fd;
};

static struct spdk_thread *g_app;
static struct worker g_workers[N_WORKERS];
static atomic_bool g_stop;
/* Per call: how many times its callback ran (pairs: relaxed counts, read
 * after the joins / after g_done's acquire). */
static atomic_uint *g_seen;
static uint64_t g_total;
/* Calls completed: incremented on the callers' threads (release), read by
 * the app thread (acquire), which then reads g_seen. */
static atomic_uint_fast64_t g_done;

struct answer {
	struct spdk_jsonrpc_request	*request;
	uint64_t			id;
};

static void
answer(struct spdk_jsonrpc_request *request, uint64_t id)
{
	struct spdk_json_write_ctx *w;

	w = spdk_jsonrpc_begin_result(request);
	ASSERT_NOT_NULL(w);
	spdk_json_write_uint64(w, id);
	spdk_jsonrpc_end_result(request, w);
}

static void
answer_msg(void *arg)
{
	struct answer *a = arg;

	answer(a->request, a->id);
	free(a);
}

static void
st_call(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_val *v = NULL;
	struct answer *a;
	uint64_t id;

	ASSERT_EQ(spdk_json_find((struct spdk_json_val *)params, "id", NULL, &v,
				 SPDK_JSON_VAL_NUMBER), 0);
	ASSERT_EQ(spdk_json_number_to_uint64(v, &id), 0);
	if (id % 3 == 0) {
		answer(request, id);	/* at once, on the caller's thread */
		return;
	}
	a = malloc(sizeof(*a));
	ASSERT_NOT_NULL(a);
	a->request = request;
	a->id = id;
	/* Answered by worker 0, worker 1 or the app thread, whoever called. */
	switch ((id >> 2) % 3) {
	case 0:
		ASSERT_EQ(spdk_thread_send_msg(g_workers[0].thread, answer_msg, a), 0);
		break;
	case 1:
		ASSERT_EQ(spdk_thread_send_msg(g_workers[1].thread, answer_msg, a), 0);
		break;
	default:
		ASSERT_EQ(spdk_thread_send_msg(g_app, answer_msg, a), 0);
		break;
	}
}
SPDK_RPC_REGISTER("st_call", st_call, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

struct call {
	uint64_t		id;
	struct spdk_thread	*caller;
};

static void
call_done(void *arg, const struct pw_rpc_response *rsp)
{
	struct call *c = arg;
	uint64_t got = UINT64_MAX;

	ASSERT_PTR_EQ(spdk_get_thread(), c->caller);
	ASSERT_NOT_NULL(rsp->result);
	ASSERT_EQ(spdk_json_number_to_uint64(rsp->result, &got), 0);
	ASSERT_EQ(got, c->id);
	atomic_fetch_add_explicit(&g_seen[c->id], 1, memory_order_relaxed);
	/* Release: pairs with the acquire load of the app thread's loop. */
	atomic_fetch_add_explicit(&g_done, 1, memory_order_release);
	free(c);
}

static void
make_call(uint64_t id)
{
	char text[64];
	struct spdk_json_val vals[8];
	struct call *c = malloc(sizeof(*c));

	ASSERT_NOT_NULL(c);
	c->id = id;
	c->caller = spdk_get_thread();
	snprintf(text, sizeof(text), "{\"id\": %" PRIu64 "}", id);
	ASSERT_EQ(spdk_json_parse(text, strlen(text), vals, SPDK_COUNTOF(vals), NULL,
				  SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE), 4);
	ASSERT_EQ(pw_rpc_call("st_call", vals, call_done, c), 0);
}

static void
call_msg(void *arg)
{
	make_call((uint64_t)(uintptr_t)arg);
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	spdk_set_thread(w->thread);
	/* Acquire: pairs with the release store of the test's end. */
	while (!atomic_load_explicit(&g_stop, memory_order_acquire)) {
		ASSERT_GE(poll(&p, 1, 5), 0);
		spdk_thread_poll(w->thread, 0, 0);
	}
	spdk_set_thread(NULL);
	return NULL;
}

static void
thread_end(struct spdk_thread *t)
{
	spdk_set_thread(t);
	spdk_thread_exit(t);
	while (!spdk_thread_is_exited(t)) {
		spdk_thread_poll(t, 0, 0);
	}
	spdk_thread_destroy(t);
}

TEST_TIMEOUT(calls_answered_from_everywhere_come_back_once, 600)
{
	struct pollfd p;
	uint64_t next = 0, i;
	char name[16];
	int fd;

	g_total = env_u64("PW_STRESS_RPC_CALLS", 20000);
	g_seen = calloc(g_total, sizeof(*g_seen));
	ASSERT_NOT_NULL(g_seen);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	g_app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(g_app);
	fd = spdk_thread_get_interrupt_fd(g_app);
	ASSERT_GE(fd, 0);
	for (i = 0; i < N_WORKERS; i++) {
		snprintf(name, sizeof(name), "w%" PRIu64, i);
		g_workers[i].thread = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(g_workers[i].thread);
		g_workers[i].fd = spdk_thread_get_interrupt_fd(g_workers[i].thread);
		ASSERT_GE(g_workers[i].fd, 0);
	}
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	for (i = 0; i < N_WORKERS; i++) {
		ASSERT_EQ(pthread_create(&g_workers[i].pthread, NULL, worker_main, &g_workers[i]), 0);
	}
	spdk_set_thread(g_app);
	p = (struct pollfd) { .fd = fd, .events = POLLIN };
	/* Acquire: pairs with the release increments of call_done(). */
	while (atomic_load_explicit(&g_done, memory_order_acquire) < g_total) {
		while (next < g_total &&
		       next - atomic_load_explicit(&g_done, memory_order_acquire) < WINDOW) {
			if (next % 4 == 1) {
				ASSERT_EQ(spdk_thread_send_msg(g_workers[1].thread, call_msg,
							       (void *)(uintptr_t)next), 0);
			} else {
				make_call(next);
			}
			next++;
		}
		ASSERT_GE(poll(&p, 1, 5), 0);
		spdk_thread_poll(g_app, 0, 0);
	}
	/* Release: pairs with the acquire loads of worker_main(). */
	atomic_store_explicit(&g_stop, true, memory_order_release);
	for (i = 0; i < N_WORKERS; i++) {
		ASSERT_EQ(pthread_join(g_workers[i].pthread, NULL), 0);
	}
	spdk_thread_poll(g_app, 0, 0);
	ASSERT_EQ(atomic_load(&g_done), g_total);
	for (i = 0; i < g_total; i++) {
		if (atomic_load_explicit(&g_seen[i], memory_order_relaxed) != 1) {
			FAIL("call %" PRIu64 ": callback ran %u times", i,
			     atomic_load_explicit(&g_seen[i], memory_order_relaxed));
		}
	}
	for (i = 0; i < N_WORKERS; i++) {
		thread_end(g_workers[i].thread);
	}
	thread_end(g_app);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	free(g_seen);
	if (__lsan_do_recoverable_leak_check != NULL) {
		ASSERT_EQ(__lsan_do_recoverable_leak_check(), 0);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Scheduling rounds under traffic, on real reactors (cores 0 and 1) that
 * sleep when idle: a round every millisecond, with a test scheduler
 * ("ut_random") that sends every thread to a random core, while
 *
 *  - sender spdk_threads (moved too, so they send from both cores) and a
 *    foreign pthread send numbered messages to receiver spdk_threads, at most
 *    WINDOW outstanding per sender;
 *  - the driver pthread keeps creating short-lived threads that exit at
 *    once (created and exiting during rounds);
 *  - one receiver and one sender are pinned by their cpumask to one core.
 *
 * Checked: every message is delivered exactly once and in its sender's order
 * (each receiver expects, per sender, the next number); pinned threads only
 * ever run on their core; traffic never stalls for STALL_S (a lost wake-up
 * would: nothing polls a sleeping reactor); every short-lived thread exits;
 * and the app shuts down cleanly with rounds still running. Under TSan the
 * hand-over of each moved thread between reactors is checked as well.
 *
 * PW_STRESS_MSGS: messages per sender (default 100000).
 */

#include "harness.h"
#include "ut_reactor.h"
#include "ut_stress.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/scheduler.h"
#include "spdk/thread.h"

#include "event/event_internal.h"

#include <stdatomic.h>

#define NRX		3	/* receivers: 0 and 1 free, 2 pinned to core 1 */
#define NTX_THREADS	2	/* sender spdk_threads: 0 free, 1 pinned to core 0 */
#define NTX		(NTX_THREADS + 1)	/* + the foreign pthread */
#define WINDOW		256
#define BURST		16
#define STALL_S		10
#define SEQ_BITS	48

/* ---- the test scheduler --------------------------------------------------- */

static uint64_t g_rnd_state = 0x9e3779b97f4a7c15ull;	/* scheduling reactor only */
static _Atomic uint64_t g_balances;

static void
random_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	uint32_t core, n = 0, list[8];

	SPDK_ENV_FOREACH_CORE(core) {
		if (n < SPDK_COUNTOF(list)) {
			list[n++] = core;
		}
	}
	for (uint32_t i = 0; i < count; i++) {
		for (uint32_t j = 0; j < cores[i].threads_count; j++) {
			/* The framework refuses targets a cpumask forbids. */
			cores[i].thread_infos[j].lcore = list[rnd(&g_rnd_state) % n];
		}
	}
	atomic_fetch_add_explicit(&g_balances, 1, memory_order_relaxed);
}

static struct spdk_scheduler g_random_sched = {
	.name = "ut_random",
	.balance = random_balance,
};
SPDK_SCHEDULER_REGISTER(g_random_sched);

/* ---- receivers and senders ------------------------------------------------ */

struct rx {
	struct spdk_thread	*thread;
	uint32_t		pinned;		/* core, or UINT32_MAX */
	uint64_t		next[NTX];	/* receiver's thread only */
	_Atomic bool		bad;
};

struct tx {
	struct spdk_thread	*thread;	/* NULL: the foreign pthread */
	struct spdk_poller	*poller;
	uint32_t		pinned;
	uint32_t		id;
	uint64_t		sent[NRX];	/* the sender's only, read at the end */
	uint64_t		total;
	uint64_t		rnd;
	_Atomic uint64_t	delivered;	/* by the receivers */
	_Atomic bool		done;
};

static struct rx g_rx[NRX];
static struct tx g_tx[NTX];
static uint64_t g_quota;
static _Atomic uint64_t g_delivered_all;
static _Atomic bool g_wrong_core;

static void
check_core(uint32_t pinned)
{
	if (pinned != UINT32_MAX && spdk_env_get_current_core() != pinned) {
		atomic_store(&g_wrong_core, true);
	}
}

static void
rx_msg(void *ctx)
{
	uintptr_t v = (uintptr_t)ctx;
	uint32_t r = (uint32_t)(v >> 56) & 0xf, s = (uint32_t)(v >> 52) & 0xf;
	uint64_t seq = v & ((1ull << SEQ_BITS) - 1);
	struct rx *rx = &g_rx[r];

	check_core(rx->pinned);
	if (spdk_get_thread() != rx->thread || seq != rx->next[s]) {
		atomic_store(&rx->bad, true);
	}
	rx->next[s] = seq + 1;
	/* Release: pairs with the acquire loads of the sender's window and the
	 * final check. */
	atomic_fetch_add_explicit(&g_tx[s].delivered, 1, memory_order_release);
	atomic_fetch_add_explicit(&g_delivered_all, 1, memory_order_release);
}

/* Send up to BURST messages within the window; returns how many. */
static int
tx_burst(struct tx *tx)
{
	int n = 0;

	while (n < BURST && tx->total < g_quota &&
	       tx->total - atomic_load_explicit(&tx->delivered, memory_order_acquire) < WINDOW) {
		uint32_t r = (uint32_t)(rnd(&tx->rnd) % NRX);
		uintptr_t v = ((uintptr_t)r << 56) | ((uintptr_t)tx->id << 52) | tx->sent[r];

		if (spdk_thread_send_msg(g_rx[r].thread, rx_msg, (void *)v) != 0) {
			break;	/* no message object right now: later */
		}
		tx->sent[r]++;
		tx->total++;
		n++;
	}
	if (tx->total == g_quota) {
		atomic_store(&tx->done, true);
	}
	return n;
}

static int
tx_poll(void *ctx)
{
	struct tx *tx = ctx;

	check_core(tx->pinned);
	return tx_burst(tx) > 0 ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void
tx_start_msg(void *ctx)
{
	struct tx *tx = ctx;

	tx->poller = spdk_poller_register(tx_poll, tx, 0);
	ASSERT_NOT_NULL(tx->poller);
}

static void
stop_and_exit_msg(void *ctx)
{
	struct tx *tx = ctx;

	if (tx != NULL) {
		spdk_poller_unregister(&tx->poller);
	}
	spdk_thread_exit(spdk_get_thread());
}

static void *
foreign_main(void *arg)
{
	struct tx *tx = arg;

	while (!atomic_load(&tx->done)) {
		if (tx_burst(tx) == 0) {
			pause_us(20);
		}
	}
	return NULL;
}

/* ---- creating threads ------------------------------------------------------ */

struct create_req {
	const char		*name;
	uint32_t		pinned;
	struct spdk_thread	*thread;
};

static void
create_msg(void *ctx)
{
	struct create_req *req = ctx;
	struct spdk_cpuset mask;

	spdk_cpuset_zero(&mask);
	if (req->pinned == UINT32_MAX) {
		spdk_cpuset_set_cpu(&mask, 0, true);
		spdk_cpuset_set_cpu(&mask, 1, true);
	} else {
		spdk_cpuset_set_cpu(&mask, req->pinned, true);
	}
	req->thread = spdk_thread_create(req->name, &mask);
	ASSERT_NOT_NULL(req->thread);
}

static struct spdk_thread *
create(const char *name, uint32_t pinned)
{
	struct create_req req = { .name = name, .pinned = pinned };

	call_on(spdk_thread_get_app_thread(), create_msg, &req);
	return req.thread;
}

static _Atomic uint64_t g_churn_exited;

static void
churn_exit_msg(void *ctx)
{
	spdk_thread_exit(spdk_get_thread());
	atomic_fetch_add(&g_churn_exited, 1);
}

/* ---- the scenario ----------------------------------------------------------- */

static void
set_scheduler_msg(void *ctx)
{
	ASSERT_EQ(spdk_scheduler_set(ctx), 0);
}

struct read_next {
	struct rx	*rx;
	uint64_t	next[NTX];
};

static void
read_next_msg(void *ctx)
{
	struct read_next *rn = ctx;

	memcpy(rn->next, rn->rx->next, sizeof(rn->next));
}

static pthread_t g_driver;

static uint64_t
total_sent(void)
{
	uint64_t n = 0;

	for (int s = 0; s < NTX; s++) {
		n += g_tx[s].total;
	}
	return n;
}

static void
scenario(void)
{
	pthread_t foreign;
	uint64_t churn = 0, last = 0, last_ns = now_ns();
	bool all_done = false;

	g_quota = env_u64("PW_STRESS_MSGS", 100000);
	for (int r = 0; r < NRX; r++) {
		g_rx[r].pinned = r == 2 ? 1 : UINT32_MAX;
		g_rx[r].thread = create("rx", g_rx[r].pinned);
	}
	for (int s = 0; s < NTX; s++) {
		g_tx[s].id = (uint32_t)s;
		g_tx[s].rnd = 0x1234567ull * (uint64_t)(s + 1);
		g_tx[s].pinned = s == 1 ? 0 : UINT32_MAX;
	}

	/* Rounds every millisecond, then the traffic. */
	call_on(spdk_thread_get_app_thread(), set_scheduler_msg, (void *)"ut_random");
	ASSERT_STR_EQ(spdk_scheduler_get()->name, "ut_random");
	spdk_scheduler_set_period(1000);
	for (int s = 0; s < NTX_THREADS; s++) {
		g_tx[s].thread = create("tx", g_tx[s].pinned);
		ASSERT_EQ(spdk_thread_send_msg(g_tx[s].thread, tx_start_msg, &g_tx[s]), 0);
	}
	ASSERT_EQ(pthread_create(&foreign, NULL, foreign_main, &g_tx[NTX_THREADS]), 0);

	/* Churn until every message has been delivered; stalls fail. */
	while (!all_done || atomic_load(&g_delivered_all) < total_sent()) {
		struct spdk_thread *t = create("churn", UINT32_MAX);
		uint64_t d;

		ASSERT_EQ(spdk_thread_send_msg(t, churn_exit_msg, NULL), 0);
		churn++;
		pause_us(500);
		all_done = true;
		for (int s = 0; s < NTX; s++) {
			all_done &= atomic_load(&g_tx[s].done);
		}
		d = atomic_load(&g_delivered_all);
		if (d != last) {
			last = d;
			last_ns = now_ns();
		} else if (now_ns() - last_ns > (uint64_t)STALL_S * 1000000000ull) {
			FAIL("no message delivered for %d s (%" PRIu64 " of %" PRIu64 "): lost wake-up?",
			     STALL_S, d, total_sent());
		}
	}
	ASSERT_EQ(pthread_join(foreign, NULL), 0);
	while (atomic_load(&g_churn_exited) < churn) {
		pause_us(200);
	}

	/* Exactly once, in order: each receiver expects the count sent to it. */
	for (int r = 0; r < NRX; r++) {
		ASSERT_FALSE(atomic_load(&g_rx[r].bad));
	}
	for (int s = 0; s < NTX; s++) {
		ASSERT_EQ(g_tx[s].total, g_quota);
		ASSERT_EQ(atomic_load_explicit(&g_tx[s].delivered, memory_order_acquire), g_quota);
	}
	for (int r = 0; r < NRX; r++) {
		struct read_next rn = { .rx = &g_rx[r] };

		/* Read on the receiver's own thread. */
		call_on(g_rx[r].thread, read_next_msg, &rn);
		for (int s = 0; s < NTX; s++) {
			ASSERT_EQ(rn.next[s], g_tx[s].sent[r]);
		}
	}
	ASSERT_FALSE(atomic_load(&g_wrong_core));
	ASSERT_GT(atomic_load(&g_balances), 0);
	ASSERT_GT(pw__scheduler_moves_applied(), 0);
	printf("# %" PRIu64 " messages, %" PRIu64 " rounds, %" PRIu64 " moves, %" PRIu64
	       " refused, %" PRIu64 " short-lived threads\n", atomic_load(&g_delivered_all),
	       atomic_load(&g_balances), pw__scheduler_moves_applied(),
	       pw__scheduler_moves_refused(), churn);

	/* Shut down with the rounds still running. */
	for (int s = 0; s < NTX_THREADS; s++) {
		ASSERT_EQ(spdk_thread_send_msg(g_tx[s].thread, stop_and_exit_msg, &g_tx[s]), 0);
	}
	for (int r = 0; r < NRX; r++) {
		ASSERT_EQ(spdk_thread_send_msg(g_rx[r].thread, stop_and_exit_msg, NULL), 0);
	}
}

static void *
driver_main(void *arg)
{
	scenario();
	spdk_app_stop(0);
	return arg;
}

static void
start_fn(void *ctx)
{
	ASSERT_EQ(pthread_create(&g_driver, NULL, driver_main, NULL), 0);
}

TEST_TIMEOUT(stress_rounds_move_threads_under_traffic, 120)
{
	struct spdk_app_opts opts;

	need_two_cores();
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "stress_scheduler";
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x3";
	opts.print_level = SPDK_LOG_WARN;
	ASSERT_EQ(spdk_app_start(&opts, start_fn, NULL), 0);
	ASSERT_EQ(pthread_join(g_driver, NULL), 0);
	spdk_app_fini();
	ASSERT_EQ(pw__events_outstanding(), 0);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of staged sends (msgq.c, doc/design.md "Cross-core batches") on
 * real pthreads, with sleeping drivers (run under ThreadSanitizer in CI).
 *
 * Two driver pthreads each drive two spdk_threads, with one waker for both,
 * as a reactor does: a round polls both; after an idle round the driver
 * prepares to sleep, takes its last look (pw_thread_has_pending_messages() on
 * both) and sleeps on the waker's fd with a generous timeout. Senders:
 * - an untimed poller on every spdk_thread sends bursts of 1..48 messages to
 *   a random thread (its own included: those are not staged), so that bursts
 *   are staged and flushed after the poller returns, mixed with other
 *   destinations in one callback;
 * - every 5th message's handler sends one more message to a random thread
 *   from inside the handler (staged in a message handler);
 * - two foreign pthreads (no spdk_thread: immediate sends).
 * Each message carries (sender, destination, sequence number per pair); the
 * handler requires exactly the next number: a lost, duplicated or reordered
 * message fails at once. Every pair keeps at most WINDOW messages unacked.
 * A driver's sleep that times out while a message is queued is a lost
 * wake-up. At the end every pair ran exactly what was sent.
 *
 * pingpong_between_sleeping_drivers: the same drivers, no other traffic: one
 * message goes back and forth between a thread of each driver, each sent
 * from the previous one's handler after a random spin of 0 to a few
 * microseconds, so that the publication and its waker check land, again and
 * again, where the other driver prepares to sleep. Nothing else wakes a
 * driver: a lost wake-up stalls the exchange and the driver's timeout
 * reports it. A ping sent alone after a lone one is published at once (the
 * lone-after-lone rule, doc/design.md); pingpong_staged_between_sleeping_drivers
 * adds one message to the sender's own driver per handler, so that every ping
 * goes through the stage and its flush instead.
 */

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#include "harness.h"
#include "ut_stress.h"

#include <poll.h>
#include <stdatomic.h>

#define NT		4		/* spdk_threads, two per driver */
#define NFOREIGN	2
#define NS		(NT + NFOREIGN)	/* senders */
#define WINDOW		200
#define MAX_BURST	48

static struct spdk_thread *g_t[NT];
static bool g_no_pollers;
static struct spdk_poller *g_poller[NT];

/* Written by the sender only (a thread's callbacks run on one driver). */
static uint64_t g_sent[NS][NT];
static uint64_t g_rng[NS];
/* Written by the destination's handler only. */
static uint64_t g_expected[NS][NT];
static _Atomic uint64_t g_acked[NS][NT];

static _Atomic uint64_t g_total_sent, g_total_acked;
static _Atomic bool g_stop;		/* no new sends */
static _Atomic bool g_finish;		/* drivers leave once everything ran */
static _Atomic int g_saw_stop;		/* drivers that polled a round after g_stop */

/* A sleep that times out with a message queued is a lost wake-up: a
 * message claimed while the driver prepared to sleep is published and its
 * waker checked by the end of its sender's callback, so only a sender
 * descheduled for this long inside one callback could also explain it. Below
 * the test's length, so that a lost wake-up in the ping-pong (nothing else
 * wakes the drivers) is seen before the end wakes them. */
static int
sleep_limit_ms(void)
{
	return 1000 * (int)pw_test_timeout_scale();
}

static uint32_t
index_of(struct spdk_thread *t)
{
	for (uint32_t i = 0; i < NT; i++) {
		if (g_t[i] == t) {
			return i;
		}
	}
	FAIL("unknown thread");
}

static void msg_fn(void *ctx);

/* Send the next message of pair (s, d) if the window allows; false if not. */
static bool
send_one(uint32_t s, uint32_t d)
{
	uint64_t seq = g_sent[s][d];
	int rc;

	if (seq - atomic_load_explicit(&g_acked[s][d], memory_order_acquire) >= WINDOW) {
		return false;
	}
	/* Counted first: the drivers leave only once acked reaches it. */
	atomic_fetch_add_explicit(&g_total_sent, 1, memory_order_relaxed);
	rc = spdk_thread_send_msg(g_t[d], msg_fn, (void *)(uintptr_t)(seq << 16 | s << 8 | d));
	if (rc != 0) {
		FAIL("send %u -> %u: %d", s, d, rc);
	}
	g_sent[s][d] = seq + 1;
	return true;
}

static void
msg_fn(void *ctx)
{
	uintptr_t v = (uintptr_t)ctx;
	uint32_t s = (v >> 8) & 0xff, d = v & 0xff;
	uint64_t seq = v >> 16;
	uint32_t me = index_of(spdk_get_thread());

	ASSERT_EQ(d, me);
	ASSERT_LT(s, NS);
	if (seq != g_expected[s][d]) {
		FAIL("pair %u -> %u: got %" PRIu64 ", expected %" PRIu64, s, d, seq,
		     g_expected[s][d]);
	}
	g_expected[s][d] = seq + 1;
	/* Pairs with the acquire load in send_one(). */
	atomic_fetch_add_explicit(&g_acked[s][d], 1, memory_order_release);
	atomic_fetch_add_explicit(&g_total_acked, 1, memory_order_relaxed);
	if (seq % 5 == 0 && !g_no_pollers && !atomic_load_explicit(&g_stop, memory_order_acquire)) {
		/* From inside a handler: staged. */
		send_one(me, (uint32_t)(rnd(&g_rng[me]) % NT));
	}
}

static int
sender_poller(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;
	uint32_t n, d = 0;

	if (atomic_load_explicit(&g_stop, memory_order_acquire)) {
		return SPDK_POLLER_IDLE;
	}
	n = 1 + (uint32_t)(rnd(&g_rng[me]) % MAX_BURST);
	for (uint32_t i = 0; i < n; i++) {
		/* Runs of up to 8 to one destination, then another. */
		if (i % 8 == 0) {
			d = (uint32_t)(rnd(&g_rng[me]) % NT);
		}
		if (!send_one(me, d)) {
			break;
		}
	}
	/* Idle now and then, so that the drivers sleep. */
	return rnd(&g_rng[me]) % 4 == 0 ? SPDK_POLLER_IDLE : SPDK_POLLER_BUSY;
}

struct driver {
	pthread_t		tid;
	uint32_t		first;		/* drives g_t[first], g_t[first + 1] */
	struct pw_waker		*w;
	uint64_t		sleeps, woken;
};

static bool
pending(struct driver *dr)
{
	return pw_thread_has_pending_messages(g_t[dr->first]) ||
	       pw_thread_has_pending_messages(g_t[dr->first + 1]);
}

static bool
all_done(void)
{
	return atomic_load(&g_finish) &&
	       atomic_load(&g_total_acked) == atomic_load(&g_total_sent);
}

static void *
driver_main(void *arg)
{
	struct driver *dr = arg;
	struct pollfd pfd = { .fd = pw_waker_get_fd(dr->w), .events = POLLIN };
	bool saw = false;
	int rc;

	pw_thread_set_waker(g_t[dr->first], dr->w);
	pw_thread_set_waker(g_t[dr->first + 1], dr->w);
	for (;;) {
		bool stop = atomic_load(&g_stop);
		int busy = 0;

		busy |= spdk_thread_poll(g_t[dr->first], 0, 0) > 0;
		busy |= spdk_thread_poll(g_t[dr->first + 1], 0, 0) > 0;
		if (stop && !saw) {
			/* Every callback of this driver from now on sees g_stop. */
			saw = true;
			atomic_fetch_add(&g_saw_stop, 1);
		}
		if (all_done()) {
			break;
		}
		if (busy) {
			continue;
		}
		pw_waker_prepare_sleep(dr->w);
		if (pending(dr) || all_done() || (stop && !atomic_load(&g_finish))) {
			pw_waker_end_sleep(dr->w);
			continue;
		}
		dr->sleeps++;
		do {
			rc = poll(&pfd, 1, sleep_limit_ms());
		} while (rc < 0 && errno == EINTR);
		pw_waker_end_sleep(dr->w);
		ASSERT_GE(rc, 0);
		if (rc == 0 && pending(dr)) {
			FAIL("lost wake-up: driver %u slept %d ms with a message queued", dr->first / 2,
			     sleep_limit_ms());
		}
		if (rc > 0) {
			dr->woken++;
			pw_waker_drain(dr->w);
		}
	}
	pw_thread_set_waker(g_t[dr->first], NULL);
	pw_thread_set_waker(g_t[dr->first + 1], NULL);
	return NULL;
}

static void *
foreign_main(void *arg)
{
	uint32_t me = (uint32_t)(uintptr_t)arg;

	while (!atomic_load_explicit(&g_stop, memory_order_acquire)) {
		uint32_t d = (uint32_t)(rnd(&g_rng[me]) % NT);
		uint32_t n = 1 + (uint32_t)(rnd(&g_rng[me]) % 16);

		for (uint32_t i = 0; i < n && send_one(me, d); i++) {
		}
		if (rnd(&g_rng[me]) % 8 == 0) {
			usleep(50);
		}
	}
	return NULL;
}

static void
run(uint32_t nforeign, void (*first)(void))
{
	struct driver dr[2] = { { .first = 0 }, { .first = 2 } };
	pthread_t foreign[NFOREIGN];
	uint64_t seconds = env_u64("PW_STRESS_SECONDS", 2), total = 0;
	uint64_t seed = env_u64("PW_STRESS_SEED", (uint64_t)now_ns() | 1);

	printf("seed %" PRIu64 "\n", seed);
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	{
		/* The app thread (the first) lives until lib fini: out of the way. */
		struct spdk_thread *app = spdk_thread_create("app", NULL);

		ASSERT_NOT_NULL(app);
		spdk_set_thread(app);
		spdk_thread_exit(app);
		while (!spdk_thread_is_exited(app)) {
			spdk_thread_poll(app, 0, 0);
		}
		spdk_thread_destroy(app);
	}
	for (uint32_t s = 0; s < NS; s++) {
		g_rng[s] = seed * (s + 7) | 1;
	}
	for (uint32_t i = 0; i < NT; i++) {
		char name[16];

		snprintf(name, sizeof(name), "st%u", i);
		g_t[i] = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(g_t[i]);
		if (g_no_pollers) {
			continue;
		}
		spdk_set_thread(g_t[i]);
		g_poller[i] = spdk_poller_register(sender_poller, (void *)(uintptr_t)i, 0);
		ASSERT_NOT_NULL(g_poller[i]);
	}
	spdk_set_thread(NULL);
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(pw_waker_create(&dr[k].w), 0);
		ASSERT_EQ(pthread_create(&dr[k].tid, NULL, driver_main, &dr[k]), 0);
	}
	for (uint32_t f = 0; f < nforeign; f++) {
		ASSERT_EQ(pthread_create(&foreign[f], NULL, foreign_main,
					 (void *)(uintptr_t)(NT + f)), 0);
	}
	if (first != NULL) {
		first();
	}
	usleep((useconds_t)(seconds * 1000000));
	atomic_store(&g_stop, true);
	for (uint32_t f = 0; f < nforeign; f++) {
		pthread_join(foreign[f], NULL);
	}
	for (int k = 0; k < 2; k++) {
		pw_waker_wake(dr[k].w);
	}
	while (atomic_load(&g_saw_stop) < 2) {
		usleep(100);
	}
	atomic_store(&g_finish, true);
	for (int k = 0; k < 2; k++) {
		pw_waker_wake(dr[k].w);
		pthread_join(dr[k].tid, NULL);
		pw_waker_destroy(dr[k].w);
	}
	for (uint32_t s = 0; s < NS; s++) {
		for (uint32_t d = 0; d < NT; d++) {
			ASSERT_EQ(g_expected[s][d], g_sent[s][d]);
			total += g_sent[s][d];
		}
	}
	printf("%" PRIu64 " messages; sleeps %" PRIu64 "/%" PRIu64 ", woken %" PRIu64 "/%" PRIu64
	       "\n", total, dr[0].sleeps, dr[1].sleeps, dr[0].woken, dr[1].woken);
	ASSERT_GT(total, 0);
	for (uint32_t i = 0; i < NT; i++) {
		spdk_set_thread(g_t[i]);
		if (g_poller[i] != NULL) {
			spdk_poller_unregister(&g_poller[i]);
		}
		spdk_thread_exit(g_t[i]);
		while (!spdk_thread_is_exited(g_t[i])) {
			spdk_thread_poll(g_t[i], 0, 0);
		}
		spdk_thread_destroy(g_t[i]);
	}
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
}

TEST(staged_sends_exactly_once_fifo_no_lost_wakeup)
{
	run(NFOREIGN, NULL);
}

/* Between thread 0 (driver 0) and thread 2 (driver 1); the sender index is
 * the sending thread, so the pairs 0 -> 2 and 2 -> 0 check order.
 * pingpong_between_sleeping_drivers: each handler sends the ping alone, so
 * after the first it is published at once (single push and its waker check).
 * pingpong_staged_between_sleeping_drivers: each handler also sends one
 * message to the other thread of its own driver, so the ping is staged and
 * published by the flush after the handler (the flush's waker check). */
static bool g_pp_staged;

static void
pp_fn(void *ctx)
{
	uint32_t me = index_of(spdk_get_thread());
	uint64_t spin;

	msg_fn(ctx);
	if (atomic_load_explicit(&g_stop, memory_order_acquire)) {
		return;
	}
	spin = rnd(&g_rng[me]) % 4000;
	for (uint64_t t0 = now_ns(); now_ns() - t0 < spin;) {
	}
	if (g_pp_staged) {
		/* One more, to the sibling thread of this driver (no wake-up of
		 * the other driver): a callback that sends two makes the next one
		 * stage, so the ping below goes through the stage and its flush
		 * rather than published at once (the lone-after-lone rule). */
		atomic_fetch_add_explicit(&g_total_sent, 1, memory_order_relaxed);
		ASSERT_EQ(spdk_thread_send_msg(g_t[me + 1], msg_fn, (void *)(uintptr_t)(
				g_sent[me][me + 1] << 16 | me << 8 | (me + 1))), 0);
		g_sent[me][me + 1]++;
	}
	/* Counted first, as in send_one(). */
	atomic_fetch_add_explicit(&g_total_sent, 1, memory_order_relaxed);
	ASSERT_EQ(spdk_thread_send_msg(g_t[2 - me], pp_fn, (void *)(uintptr_t)(
			g_sent[me][2 - me] << 16 | me << 8 | (2 - me))), 0);
	g_sent[me][2 - me]++;
}

static void
pp_first(void)
{
	/* From the main pthread (foreign): sender 4, to thread 0. */
	atomic_fetch_add_explicit(&g_total_sent, 1, memory_order_relaxed);
	g_sent[NT][0]++;
	ASSERT_EQ(spdk_thread_send_msg(g_t[0], pp_fn, (void *)(uintptr_t)(NT << 8 | 0)), 0);
}

TEST(pingpong_between_sleeping_drivers)
{
	g_no_pollers = true;
	run(0, pp_first);
}

TEST(pingpong_staged_between_sleeping_drivers)
{
	g_no_pollers = true;
	g_pp_staged = true;
	run(0, pp_first);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of pollers changing on a thread while other pthreads send it
 * messages: the message path and the poller path of one thread interleaved.
 *
 * The target thread is polled by its own pthread. A "churn" poller on it
 * (the oldest untimed poller, hence the last to run in each round) and the
 * handlers of the messages that foreign pthreads and an spdk_thread keep
 * sending to it register, unregister, pause and resume child pollers at
 * random (untimed and timed, with several periods). Children sometimes pause
 * or unregister themselves from their own callback.
 *
 * What is checked, on the target's pthread:
 * - a child never runs while paused or after it was unregistered, runs at
 *   most once per slice, and only on the target thread with its own arg;
 * - an untimed child that was active when a slice's dispatch round began
 *   ran in that round (the churn poller checks, running last);
 * - spdk_poller_get_stats() agrees with the child's own count of runs and
 *   busy runs, through pauses and resumes;
 * - messages still arrive exactly once each, in order per sender.
 *
 * Work is bounded by PW_STRESS_SECONDS (default 2) and a message count
 * scaled by PW_STRESS_SCALE.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"

#include "harness.h"
#include "ut_stress.h"
#include "ut_stress_thread.h"

#include "spdk_internal/thread.h"

#include <stdatomic.h>

#define NFOREIGN	2
#define NTX		(NFOREIGN + 1)	/* the last sender is an spdk_thread */
#define MAX_CHILDREN	48
#define SEQ_BITS	40
#define SEQ_MASK	((1ULL << SEQ_BITS) - 1)
#define WINDOW		2048
#define ACK_EVERY	32
#define BURST		32

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------
 * The target thread and its children (all touched by its pthread only)
 * ------------------------------------------------------------------------- */

enum child_state {
	CHILD_FREE,
	CHILD_ACTIVE,
	CHILD_PAUSED,
};

struct child {
	unsigned int		idx;
	enum child_state	state;
	struct spdk_poller	*poller;
	bool			timed;
	uint64_t		eligible_from;	/* untimed: must run in every slice from here */
	uint64_t		last_run;	/* slice of the last run; UINT64_MAX: none */
	uint64_t		runs;		/* since registration */
	uint64_t		busy;
};

struct target {
	struct spdk_thread	*thread;
	pthread_t		pt;
	struct spdk_poller	*churn;
	struct child		children[MAX_CHILDREN];
	uint64_t		rng;
	uint64_t		slice;		/* churn poller runs so far */
	bool			in_messages;	/* ops now come from a message */
	/* Statistics. */
	uint64_t		registers, unregisters, pauses, resumes, self_ops;
	uint64_t		untimed_checks, stats_checks, child_runs;
	/* Messages. */
	uint64_t		next_seq[NTX];
	uint64_t		received;
	uint64_t		msg_ops;
	_Atomic uint64_t	received_pub;
	_Atomic uint64_t	ack[NTX] __attribute__((aligned(64)));
};

struct ptx {
	unsigned int		id;
	pthread_t		pt;
	struct spdk_thread	*thread;	/* NULL: foreign */
	struct spdk_poller	*poller;
	uint64_t		seq;
	uint64_t		acked;
	uint64_t		quota;
	bool			done;
	_Atomic bool		done_pub;
} __attribute__((aligned(64)));

struct pm {
	struct target		t;
	struct ptx		tx[NTX];
	uint64_t		deadline_ns;
	_Atomic bool		stop;
};

static struct pm g_pm;

static int child_fn(void *arg);

static bool
from_message(void)
{
	return g_pm.t.in_messages;
}

/* The slice from which a child activated now runs in every slice: the
 * current one if the round has not started (we are in a message), else the
 * next one. */
static uint64_t
activation_slice(void)
{
	return from_message() ? g_pm.t.slice : g_pm.t.slice + 1;
}

static void
child_register(struct child *c)
{
	struct target *t = &g_pm.t;
	static const uint64_t periods[] = { 1, 3, 10, 50, 200 };
	char name[32];

	c->timed = rnd(&t->rng) % 3 == 0;
	snprintf(name, sizeof(name), "child%u", c->idx);
	c->poller = spdk_poller_register_named(child_fn, c,
					       c->timed ? periods[rnd(&t->rng) % 5] : 0, name);
	ASSERT_NOT_NULL(c->poller);
	c->state = CHILD_ACTIVE;
	c->eligible_from = activation_slice();
	c->last_run = UINT64_MAX;
	c->runs = 0;
	c->busy = 0;
	t->registers++;
}

static void
child_check_stats(struct child *c)
{
	struct target *t = &g_pm.t;
	struct spdk_poller_stats stats;

	spdk_poller_get_stats(c->poller, &stats);
	if (stats.run_count != c->runs || stats.busy_count != c->busy) {
		FAIL("%s (%s, %s): stats say %" PRIu64 " runs / %" PRIu64 " busy, the poller "
		     "counted %" PRIu64 " / %" PRIu64, spdk_poller_get_name(c->poller),
		     c->timed ? "timed" : "untimed", spdk_poller_get_state_str(c->poller),
		     stats.run_count, stats.busy_count, c->runs, c->busy);
	}
	t->stats_checks++;
}

static void
child_unregister(struct child *c)
{
	struct target *t = &g_pm.t;

	child_check_stats(c);
	spdk_poller_unregister(&c->poller);
	ASSERT_NULL(c->poller);
	c->state = CHILD_FREE;
	t->unregisters++;
}

static void
child_pause(struct child *c)
{
	spdk_poller_pause(c->poller);
	c->state = CHILD_PAUSED;
	g_pm.t.pauses++;
}

static void
child_resume(struct child *c)
{
	spdk_poller_resume(c->poller);
	c->state = CHILD_ACTIVE;
	c->eligible_from = activation_slice();
	g_pm.t.resumes++;
}

/* One random operation on a random child slot. */
static void
random_op(void)
{
	struct target *t = &g_pm.t;
	struct child *c = &t->children[rnd(&t->rng) % MAX_CHILDREN];
	unsigned int r = (unsigned int)(rnd(&t->rng) % 8);

	switch (c->state) {
	case CHILD_FREE:
		child_register(c);
		if (r == 0) {
			/* Gone again before it ever ran. */
			child_unregister(c);
		}
		break;
	case CHILD_ACTIVE:
		if (r < 3) {
			child_pause(c);
			if (r == 0) {
				/* Resumed within the same slice (still PAUSING). */
				child_resume(c);
			}
		} else if (r < 5) {
			child_unregister(c);
		} else {
			child_check_stats(c);
		}
		break;
	case CHILD_PAUSED:
		if (r < 4) {
			child_resume(c);
		} else if (r < 6) {
			child_unregister(c);
		} else {
			child_check_stats(c);
		}
		break;
	}
}

static int
child_fn(void *arg)
{
	struct child *c = arg;
	struct target *t = &g_pm.t;
	uint64_t now = t->slice;
	int rc;

	ASSERT_PTR_EQ(spdk_get_thread(), t->thread);
	ASSERT_LT(c->idx, MAX_CHILDREN);
	ASSERT_PTR_EQ(&t->children[c->idx], c);
	if (c->state != CHILD_ACTIVE) {
		FAIL("child%u (%s) ran while %s", c->idx, c->timed ? "timed" : "untimed",
		     c->state == CHILD_PAUSED ? "paused" : "unregistered");
	}
	if (c->last_run == now) {
		FAIL("child%u (%s) ran twice in slice %" PRIu64, c->idx,
		     c->timed ? "timed" : "untimed", now);
	}
	c->last_run = now;
	c->runs++;
	t->child_runs++;
	rc = (c->runs & 1) ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
	if (rc == SPDK_POLLER_BUSY) {
		c->busy++;
	}
	switch (rnd(&t->rng) % 64) {
	case 0:
		/* Pause itself; the stats must count this run. */
		spdk_poller_pause(c->poller);
		c->state = CHILD_PAUSED;
		t->self_ops++;
		break;
	case 1:
		spdk_poller_unregister(&c->poller);
		c->state = CHILD_FREE;
		t->self_ops++;
		break;
	default:
		break;
	}
	return rc;
}

/* The oldest untimed poller: runs last in every round. */
static int
churn_fn(void *arg)
{
	struct target *t = &g_pm.t;
	unsigned int ops = (unsigned int)(rnd(&t->rng) % 4);

	ASSERT_FALSE(t->in_messages);
	/* Every untimed child active since before this round ran in it. */
	for (unsigned int i = 0; i < MAX_CHILDREN; i++) {
		struct child *c = &t->children[i];

		if (c->state == CHILD_ACTIVE && !c->timed && c->eligible_from <= t->slice) {
			if (c->last_run != t->slice) {
				FAIL("untimed child%u, active since slice %" PRIu64 ", did not run "
				     "in slice %" PRIu64 " (last run %" PRIu64 ")", i,
				     c->eligible_from, t->slice, c->last_run);
			}
			t->untimed_checks++;
		}
	}
	for (unsigned int k = 0; k < ops; k++) {
		random_op();
	}
	t->slice++;
	return SPDK_POLLER_BUSY;
}

static void
target_msg(void *ctx)
{
	struct target *t = &g_pm.t;
	unsigned int s = (unsigned int)((uint64_t)(uintptr_t)ctx >> SEQ_BITS);
	uint64_t seq = (uint64_t)(uintptr_t)ctx & SEQ_MASK;

	ASSERT_PTR_EQ(spdk_get_thread(), t->thread);
	ASSERT_LT(s, NTX);
	if (seq != t->next_seq[s]) {
		FAIL("from sender %u got #%" PRIu64 ", expected #%" PRIu64, s, seq,
		     t->next_seq[s]);
	}
	t->next_seq[s] = seq + 1;
	t->received++;
	if ((seq + 1) % ACK_EVERY == 0) {
		/* Pairs with the acquire load in ptx_step(). */
		atomic_store_explicit(&t->ack[s], seq + 1, memory_order_release);
	}
	if (rnd(&t->rng) % 8 == 0) {
		t->in_messages = true;
		random_op();
		t->in_messages = false;
		t->msg_ops++;
	}
}

static void *
target_main(void *arg)
{
	struct pm *pm = &g_pm;
	struct target *t = &pm->t;
	unsigned int spins = 0;

	spdk_set_thread(t->thread);
	t->churn = spdk_poller_register_named(churn_fn, NULL, 0, "churn");
	ASSERT_NOT_NULL(t->churn);
	spdk_set_thread(NULL);
	while (!atomic_load_explicit(&pm->stop, memory_order_acquire)) {
		if (spdk_thread_poll(t->thread, 0, 0) == 0) {
			backoff(&spins);
		}
		atomic_store_explicit(&t->received_pub, t->received, memory_order_relaxed);
	}
	spdk_set_thread(t->thread);
	for (unsigned int i = 0; i < MAX_CHILDREN; i++) {
		if (t->children[i].state != CHILD_FREE) {
			child_unregister(&t->children[i]);
		}
	}
	spdk_poller_unregister(&t->churn);
	thread_finish(t->thread);
	return NULL;
}

static void
ptx_set_done(struct ptx *tx)
{
	tx->done = true;
	/* Pairs with the acquire load in the test's main pthread. */
	atomic_store_explicit(&tx->done_pub, true, memory_order_release);
}

static unsigned int
ptx_step(struct ptx *tx)
{
	struct pm *pm = &g_pm;
	unsigned int n = 0;

	if (tx->done) {
		return 0;
	}
	if (tx->seq >= tx->quota || now_ns() >= pm->deadline_ns) {
		ptx_set_done(tx);
		return 0;
	}
	while (n < BURST && tx->seq < tx->quota) {
		int rc;

		if (tx->seq - tx->acked >= WINDOW) {
			/* Pairs with the release store in target_msg(). */
			tx->acked = atomic_load_explicit(&pm->t.ack[tx->id], memory_order_acquire);
			if (tx->seq - tx->acked >= WINDOW) {
				break;
			}
		}
		rc = spdk_thread_send_msg(pm->t.thread, target_msg,
					  (void *)(uintptr_t)(((uint64_t)tx->id << SEQ_BITS) | tx->seq));
		if (rc == -ENOMEM) {
			break;
		}
		ASSERT_EQ(rc, 0);
		tx->seq++;
		n++;
	}
	return n;
}

static int
ptx_poller(void *arg)
{
	return ptx_step(arg) > 0 ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void *
ptx_main(void *arg)
{
	struct pm *pm = &g_pm;
	struct ptx *tx = arg;
	unsigned int spins = 0;

	if (tx->thread != NULL) {
		spdk_set_thread(tx->thread);
		tx->poller = spdk_poller_register(ptx_poller, tx, 0);
		ASSERT_NOT_NULL(tx->poller);
		spdk_set_thread(NULL);
		while (!atomic_load_explicit(&pm->stop, memory_order_acquire)) {
			if (spdk_thread_poll(tx->thread, 0, 0) == 0) {
				backoff(&spins);
			}
		}
		spdk_set_thread(tx->thread);
		spdk_poller_unregister(&tx->poller);
		thread_finish(tx->thread);
		return NULL;
	}
	while (!tx->done) {
		if (ptx_step(tx) == 0) {
			backoff(&spins);
		}
	}
	return NULL;
}

TEST_TIMEOUT(pollers_change_while_messages_arrive, 60)
{
	struct pm *pm = &g_pm;
	struct target *t = &pm->t;
	uint64_t start, end, sent = 0, got, last = 0, last_change;

	memset(pm, 0, sizeof(*pm));
	atomic_init(&pm->stop, false);
	t->rng = 0x9E3779B97F4A7C15ULL;
	for (unsigned int i = 0; i < MAX_CHILDREN; i++) {
		t->children[i].idx = i;
		t->children[i].state = CHILD_FREE;
	}
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	t->thread = spdk_thread_create("target", NULL);
	ASSERT_NOT_NULL(t->thread);
	for (unsigned int s = 0; s < NTX; s++) {
		pm->tx[s].id = s;
		pm->tx[s].quota = 4000000 * env_u64("PW_STRESS_SCALE", 1);
		if (s == NTX - 1) {
			pm->tx[s].thread = spdk_thread_create("sender", NULL);
			ASSERT_NOT_NULL(pm->tx[s].thread);
		}
	}

	start = now_ns();
	pm->deadline_ns = start + env_u64("PW_STRESS_SECONDS", 2) * 1000000000ULL;
	ASSERT_EQ(pthread_create(&t->pt, NULL, target_main, NULL), 0);
	for (unsigned int s = 0; s < NTX; s++) {
		ASSERT_EQ(pthread_create(&pm->tx[s].pt, NULL, ptx_main, &pm->tx[s]), 0);
	}
	for (unsigned int s = 0; s < NTX; s++) {
		while (!atomic_load_explicit(&pm->tx[s].done_pub, memory_order_acquire)) {
			usleep(1000);
		}
		sent += pm->tx[s].seq;
	}
	last_change = now_ns();
	while ((got = atomic_load_explicit(&t->received_pub, memory_order_relaxed)) < sent) {
		if (got != last) {
			last = got;
			last_change = now_ns();
		} else if (now_ns() - last_change > STALL_NS) {
			FAIL("target stalled at %" PRIu64 " of %" PRIu64 " messages", got, sent);
		}
		usleep(200);
	}
	end = now_ns();
	atomic_store_explicit(&pm->stop, true, memory_order_release);
	ASSERT_EQ(pthread_join(t->pt, NULL), 0);
	for (unsigned int s = 0; s < NTX; s++) {
		ASSERT_EQ(pthread_join(pm->tx[s].pt, NULL), 0);
		ASSERT_EQ(t->next_seq[s], pm->tx[s].seq);
		ASSERT_GT(pm->tx[s].seq, 0);
	}
	ASSERT_EQ(t->received, sent);
	ASSERT_GT(t->msg_ops, 0);
	ASSERT_GT(t->untimed_checks, 0);
	ASSERT_GT(t->pauses, 0);
	ASSERT_GT(t->resumes, 0);
	spdk_thread_lib_fini();
	printf("pollers_change_while_messages_arrive: %" PRIu64 " messages (%" PRIu64 " did a "
	       "poller op) and %" PRIu64 " slices in %.3f s; %" PRIu64 " registers, %" PRIu64
	       " unregisters, %" PRIu64 " pauses, %" PRIu64 " resumes, %" PRIu64 " self ops; %"
	       PRIu64 " child runs, %" PRIu64 " run-in-round checks, %" PRIu64 " stats checks\n",
	       sent, t->msg_ops, t->slice, (double)(end - start) / 1e9, t->registers,
	       t->unregisters, t->pauses, t->resumes, t->self_ops, t->child_runs,
	       t->untimed_checks, t->stats_checks);
}

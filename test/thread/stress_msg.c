/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of message passing on real pthreads.
 *
 * - fifo_*: N senders -> M receivers. Every receiver is an spdk_thread polled
 *   by its own pthread. Senders are spdk_threads sending from a poller (several
 *   per polling pthread) and/or foreign pthreads that host no spdk_thread.
 *   A message carries (sender id, sequence number) in its ctx; each sender
 *   numbers its messages per receiver from 0, and the handler is one of two
 *   functions chosen by the parity of that number, so a slot whose fn and
 *   ctx came from different sends is caught too. A receiver requires exactly
 *   the next number from each sender: a lost, duplicated or reordered message
 *   fails at once; at the end every receiver must have seen exactly what each
 *   sender sent it. Senders keep at most WINDOW messages unacknowledged per
 *   receiver, so that the queues stay long (many segments) without running
 *   into the process-wide message limit.
 * - pool_*: a process limit of 1000 messages. Senders fill a receiver that is
 *   not polled until each of them sees -ENOMEM; the receiver drains; every
 *   sender succeeds again; then a slow receiver polled concurrently. Every
 *   0 return runs exactly once, in order.
 * - critical_*: several pthreads call spdk_thread_send_critical_msg() at once.
 *
 * Work is bounded by a time budget per test (PW_STRESS_SECONDS, default 2)
 * and by a message count (PW_STRESS_MSGS per test, default 32 million, times
 * PW_STRESS_SCALE), whichever comes first, so that a ThreadSanitizer build on
 * two cores ends in well under a minute while a normal build moves millions
 * of messages.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"

#include "harness.h"
#include "ut_stress.h"
#include "ut_stress_thread.h"
#include "log_capture.h"

#include "thread/thread_internal.h"

#include <stdatomic.h>

#define MAX_RX		4
#define MAX_TX		8
#define SEQ_BITS	40
#define SEQ_MASK	((1ULL << SEQ_BITS) - 1)
#define WINDOW		4096	/* unacknowledged messages per (sender, receiver) */
#define ACK_EVERY	64	/* a receiver publishes its progress this often */
#define BURST		64	/* sends per poller call / per foreign step */

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static uint64_t
msg_quota(void)
{
	return env_u64("PW_STRESS_MSGS", 32000000) * env_u64("PW_STRESS_SCALE", 1);
}

static void *
encode(unsigned int sender, uint64_t seq)
{
	return (void *)(uintptr_t)(((uint64_t)sender << SEQ_BITS) | seq);
}

static unsigned int
decode_sender(void *ctx)
{
	return (unsigned int)((uint64_t)(uintptr_t)ctx >> SEQ_BITS);
}

static uint64_t
decode_seq(void *ctx)
{
	return (uint64_t)(uintptr_t)ctx & SEQ_MASK;
}

/* ---------------------------------------------------------------------------
 * N senders -> M receivers, FIFO per sender
 * ------------------------------------------------------------------------- */

struct fifo;

struct rx {
	struct fifo		*f;
	unsigned int		id;
	struct spdk_thread	*thread;
	pthread_t		pt;
	/* Receiver pthread only. */
	uint64_t		next_seq[MAX_TX];
	uint64_t		total;
	uint64_t		polls;
	/* Read by the main pthread to see progress. */
	_Atomic uint64_t	total_pub;
	/* Read by the senders: messages of sender s run so far (at least). */
	_Atomic uint64_t	ack[MAX_TX] __attribute__((aligned(64)));
} __attribute__((aligned(64)));

struct tx {
	struct fifo		*f;
	unsigned int		id;
	struct spdk_thread	*thread;	/* NULL: a foreign pthread */
	struct spdk_poller	*poller;
	pthread_t		pt;		/* foreign senders */
	/* Owned by the sending pthread. */
	uint64_t		seq[MAX_RX];	/* next number to each receiver == sent to it */
	uint64_t		acked[MAX_RX];	/* last ack read from each receiver */
	uint64_t		sent;
	uint64_t		enomem;
	uint64_t		window_full;
	uint64_t		rng;
	bool			done;
	/* Pairs with the acquire load in the main pthread: sent and seq[] are final. */
	_Atomic bool		done_pub;
} __attribute__((aligned(64)));

/* A pthread polling one or more sending spdk_threads. */
struct host {
	struct fifo		*f;
	pthread_t		pt;
	struct tx		*tx[MAX_TX];
	unsigned int		ntx;
};

struct fifo {
	unsigned int		nrx;
	unsigned int		ntx;
	unsigned int		nhosts;
	uint64_t		quota_per_tx;
	uint64_t		deadline_ns;
	struct rx		rx[MAX_RX];
	struct tx		tx[MAX_TX];
	struct host		hosts[MAX_TX];
	_Atomic bool		stop;		/* pollers: finish your threads and leave */
};

static struct fifo g_fifo;

static struct rx *
current_rx(void)
{
	struct spdk_thread *thread = spdk_get_thread();
	struct rx *rx;

	ASSERT_NOT_NULL(thread);
	rx = *(struct rx **)spdk_thread_get_ctx(thread);
	ASSERT_NOT_NULL(rx);
	ASSERT_PTR_EQ(rx->thread, thread);
	return rx;
}

static void
fifo_receive(void *ctx, uint64_t parity)
{
	struct rx *rx = current_rx();
	unsigned int s = decode_sender(ctx);
	uint64_t seq = decode_seq(ctx);

	ASSERT_LT(s, rx->f->ntx);
	ASSERT_EQ(seq & 1, parity);
	if (seq != rx->next_seq[s]) {
		FAIL("receiver %u: from sender %u got #%" PRIu64 ", expected #%" PRIu64
		     " (%s)", rx->id, s, seq, rx->next_seq[s],
		     seq < rx->next_seq[s] ? "duplicate or reordered" : "lost or reordered");
	}
	rx->next_seq[s] = seq + 1;
	rx->total++;
	if ((seq + 1) % ACK_EVERY == 0) {
		/* Pairs with the acquire load in tx_pick(). */
		atomic_store_explicit(&rx->ack[s], seq + 1, memory_order_release);
	}
}

static void
fifo_msg_even(void *ctx)
{
	fifo_receive(ctx, 0);
}

static void
fifo_msg_odd(void *ctx)
{
	fifo_receive(ctx, 1);
}

/* A receiver whose window for this sender is open, or -1. */
static int
tx_pick(struct tx *tx)
{
	struct fifo *f = tx->f;
	unsigned int r = (unsigned int)(rnd(&tx->rng) % f->nrx);

	for (unsigned int tries = 0; tries < f->nrx; tries++, r = (r + 1) % f->nrx) {
		if (tx->seq[r] - tx->acked[r] < WINDOW) {
			return (int)r;
		}
		/* Pairs with the release store in fifo_receive(). */
		tx->acked[r] = atomic_load_explicit(&f->rx[r].ack[tx->id], memory_order_acquire);
		if (tx->seq[r] - tx->acked[r] < WINDOW) {
			return (int)r;
		}
	}
	return -1;
}

static void
tx_set_done(struct tx *tx)
{
	tx->done = true;
	/* Pairs with the acquire load in fifo_run(). */
	atomic_store_explicit(&tx->done_pub, true, memory_order_release);
}

/* Send up to BURST messages; returns how many were sent. */
static unsigned int
tx_step(struct tx *tx)
{
	struct fifo *f = tx->f;
	unsigned int n = 0;

	if (tx->done) {
		return 0;
	}
	if (tx->sent >= f->quota_per_tx || now_ns() >= f->deadline_ns) {
		tx_set_done(tx);
		return 0;
	}
	while (n < BURST && tx->sent < f->quota_per_tx) {
		int r = tx_pick(tx);
		uint64_t seq;
		int rc;

		if (r < 0) {
			tx->window_full++;
			break;
		}
		seq = tx->seq[r];
		rc = spdk_thread_send_msg(f->rx[r].thread, (seq & 1) ? fifo_msg_odd : fifo_msg_even,
					  encode(tx->id, seq));
		if (rc == -ENOMEM) {
			tx->enomem++;
			break;
		}
		ASSERT_EQ(rc, 0);
		tx->seq[r] = seq + 1;
		tx->sent++;
		n++;
	}
	return n;
}

static int
tx_poller(void *arg)
{
	return tx_step(arg) > 0 ? SPDK_POLLER_BUSY : SPDK_POLLER_IDLE;
}

static void *
rx_main(void *arg)
{
	struct rx *rx = arg;
	unsigned int spins = 0;

	while (!atomic_load_explicit(&rx->f->stop, memory_order_acquire)) {
		rx->polls++;
		if (spdk_thread_poll(rx->thread, 0, 0) == 0) {
			backoff(&spins);
		}
		atomic_store_explicit(&rx->total_pub, rx->total, memory_order_relaxed);
	}
	thread_finish(rx->thread);
	return NULL;
}

static void *
host_main(void *arg)
{
	struct host *h = arg;
	unsigned int spins = 0;

	for (unsigned int i = 0; i < h->ntx; i++) {
		struct tx *tx = h->tx[i];

		spdk_set_thread(tx->thread);
		tx->poller = spdk_poller_register_named(tx_poller, tx, 0, "tx");
		ASSERT_NOT_NULL(tx->poller);
		spdk_set_thread(NULL);
	}
	while (!atomic_load_explicit(&h->f->stop, memory_order_acquire)) {
		int busy = 0;

		for (unsigned int i = 0; i < h->ntx; i++) {
			busy |= spdk_thread_poll(h->tx[i]->thread, 0, 0);
		}
		if (!busy) {
			backoff(&spins);
		}
	}
	for (unsigned int i = 0; i < h->ntx; i++) {
		struct tx *tx = h->tx[i];

		spdk_set_thread(tx->thread);
		spdk_poller_unregister(&tx->poller);
		thread_finish(tx->thread);
	}
	return NULL;
}

static void *
foreign_main(void *arg)
{
	struct tx *tx = arg;
	unsigned int spins = 0;

	ASSERT_NULL(spdk_get_thread());
	while (!tx->done) {
		if (tx_step(tx) == 0) {
			backoff(&spins);
		}
	}
	return NULL;
}

/* nhosts pthreads each polling per_host sending spdk_threads, plus nforeign
 * foreign sending pthreads, towards nrx receivers. */
static void
fifo_run(const char *label, unsigned int nrx, unsigned int nhosts, unsigned int per_host,
	 unsigned int nforeign)
{
	struct fifo *f = &g_fifo;
	uint64_t start, end, sent = 0, received, last = 0, last_change, enomem = 0;
	uint64_t window_full = 0;
	char name[32];

	memset(f, 0, sizeof(*f));
	f->nrx = nrx;
	f->nhosts = nhosts;
	f->ntx = nhosts * per_host + nforeign;
	ASSERT_LE(nrx, MAX_RX);
	ASSERT_LE(f->ntx, MAX_TX);
	f->quota_per_tx = msg_quota() / f->ntx;
	atomic_init(&f->stop, false);

	ASSERT_EQ(spdk_thread_lib_init(NULL, sizeof(void *)), 0);
	for (unsigned int r = 0; r < nrx; r++) {
		struct rx *rx = &f->rx[r];

		rx->f = f;
		rx->id = r;
		snprintf(name, sizeof(name), "rx%u", r);
		rx->thread = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(rx->thread);
		*(struct rx **)spdk_thread_get_ctx(rx->thread) = rx;
	}
	for (unsigned int s = 0; s < f->ntx; s++) {
		struct tx *tx = &f->tx[s];

		tx->f = f;
		tx->id = s;
		tx->rng = 0x9E3779B97F4A7C15ULL * (s + 1);
		if (s < nhosts * per_host) {
			struct host *h = &f->hosts[s / per_host];

			snprintf(name, sizeof(name), "tx%u", s);
			tx->thread = spdk_thread_create(name, NULL);
			ASSERT_NOT_NULL(tx->thread);
			h->f = f;
			h->tx[h->ntx++] = tx;
		}
	}

	start = now_ns();
	f->deadline_ns = start + budget_ns();
	for (unsigned int r = 0; r < nrx; r++) {
		ASSERT_EQ(pthread_create(&f->rx[r].pt, NULL, rx_main, &f->rx[r]), 0);
	}
	for (unsigned int h = 0; h < nhosts; h++) {
		ASSERT_EQ(pthread_create(&f->hosts[h].pt, NULL, host_main, &f->hosts[h]), 0);
	}
	for (unsigned int s = nhosts * per_host; s < f->ntx; s++) {
		ASSERT_EQ(pthread_create(&f->tx[s].pt, NULL, foreign_main, &f->tx[s]), 0);
	}

	/* Wait for every sender to finish, then for every message to run. */
	for (unsigned int s = 0; s < f->ntx; s++) {
		while (!atomic_load_explicit(&f->tx[s].done_pub, memory_order_acquire)) {
			usleep(1000);
		}
		sent += f->tx[s].sent;
		enomem += f->tx[s].enomem;
		window_full += f->tx[s].window_full;
	}
	last_change = now_ns();
	for (;;) {
		received = 0;
		for (unsigned int r = 0; r < nrx; r++) {
			received += atomic_load_explicit(&f->rx[r].total_pub, memory_order_relaxed);
		}
		if (received >= sent) {
			break;
		}
		if (received != last) {
			last = received;
			last_change = now_ns();
		} else if (now_ns() - last_change > STALL_NS) {
			FAIL("%s: receivers stalled at %" PRIu64 " of %" PRIu64 " messages",
			     label, received, sent);
		}
		usleep(200);
	}
	end = now_ns();
	atomic_store_explicit(&f->stop, true, memory_order_release);
	for (unsigned int r = 0; r < nrx; r++) {
		ASSERT_EQ(pthread_join(f->rx[r].pt, NULL), 0);
	}
	for (unsigned int h = 0; h < nhosts; h++) {
		ASSERT_EQ(pthread_join(f->hosts[h].pt, NULL), 0);
	}
	for (unsigned int s = nhosts * per_host; s < f->ntx; s++) {
		ASSERT_EQ(pthread_join(f->tx[s].pt, NULL), 0);
	}

	/* Exactly what was sent arrived, per (sender, receiver) pair. */
	received = 0;
	for (unsigned int r = 0; r < nrx; r++) {
		for (unsigned int s = 0; s < f->ntx; s++) {
			ASSERT_EQ(f->rx[r].next_seq[s], f->tx[s].seq[r]);
		}
		received += f->rx[r].total;
	}
	ASSERT_EQ(received, sent);
	ASSERT_GT(sent, 0);
	for (unsigned int s = 0; s < f->ntx; s++) {
		/* Every sender made progress (none starved to zero). */
		ASSERT_GT(f->tx[s].sent, 0);
	}
	/* The app thread (the first one created) lives until lib fini. */
	ASSERT_EQ(spdk_thread_get_count(), 1);
	spdk_thread_lib_fini();

	printf("%s: %u receivers, %u spdk senders on %u pthreads, %u foreign senders: "
	       "%" PRIu64 " messages in %.3f s = %.2f M msg/s (enomem %" PRIu64
	       ", window full %" PRIu64 ")\n", label, nrx, nhosts * per_host, nhosts, nforeign,
	       sent, (double)(end - start) / 1e9, (double)sent * 1e3 / (double)(end - start),
	       enomem, window_full);
}

TEST_TIMEOUT(fifo_spdk_senders, 60)
{
	/* Two pthreads, each polling two sending threads, to two receivers. */
	fifo_run("fifo_spdk_senders", 2, 2, 2, 0);
}

TEST_TIMEOUT(fifo_foreign_senders, 60)
{
	fifo_run("fifo_foreign_senders", 2, 0, 0, 4);
}

TEST_TIMEOUT(fifo_mixed_senders, 60)
{
	/* One pthread polling three sending threads, three foreign pthreads,
	 * three receivers. */
	fifo_run("fifo_mixed_senders", 3, 1, 3, 3);
}

TEST_TIMEOUT(fifo_one_receiver_many_senders, 60)
{
	fifo_run("fifo_one_receiver_many_senders", 1, 2, 2, 4);
}

/* ---------------------------------------------------------------------------
 * Message pool exhaustion
 * ------------------------------------------------------------------------- */

#define POOL_LIMIT	1000
#define POOL_NFOREIGN	3
#define POOL_NTX	(POOL_NFOREIGN + 1)	/* the last one is an spdk_thread */

enum pool_mode {
	POOL_IDLE,
	POOL_UNTIL_ENOMEM,	/* send until this sender gets -ENOMEM */
	POOL_ONE,		/* send one message, which must be accepted */
	POOL_QUOTA,		/* send quota messages, retrying on -ENOMEM */
};

struct pool_tx {
	unsigned int		id;
	struct spdk_thread	*thread;	/* NULL: foreign */
	pthread_t		pt;
	/* Owned by the sending pthread; read by main after a barrier. */
	enum pool_mode		mode;
	bool			mode_done;
	uint64_t		seq;		/* accepted so far == next number */
	uint64_t		phase_ok;	/* accepted in the current phase */
	uint64_t		enomem;
	uint64_t		quota;
	_Atomic bool		quota_done;	/* the slow phase is over for this sender */
} __attribute__((aligned(64)));

struct pool {
	struct spdk_thread	*rx;		/* polled by the main pthread */
	struct pool_tx		tx[POOL_NTX];
	pthread_barrier_t	bar;
	unsigned int		slow_spin;	/* busy work per message in the slow phase */
	/* Main pthread only (the receiver's handler runs there). */
	uint64_t		next_seq[POOL_NTX];
	uint64_t		executed;
	/* Written by main before a barrier, read by senders after it. */
	int			cycles;
	uint64_t		deadline_ns;
};

static struct pool g_pool;

static void
pool_msg(void *ctx)
{
	struct pool *p = &g_pool;
	unsigned int s = decode_sender(ctx);
	uint64_t seq = decode_seq(ctx);
	volatile unsigned int sink = 0;

	ASSERT_PTR_EQ(spdk_get_thread(), p->rx);
	ASSERT_LT(s, POOL_NTX);
	ASSERT_EQ(seq, p->next_seq[s]);
	p->next_seq[s] = seq + 1;
	p->executed++;
	for (unsigned int i = 0; i < p->slow_spin; i++) {
		sink += i;
	}
	(void)sink;
}

/* One step of a sender in its current mode; returns true when the mode is done. */
static bool
pool_step(struct pool_tx *tx)
{
	struct pool *p = &g_pool;
	int rc;

	switch (tx->mode) {
	case POOL_IDLE:
		return true;
	case POOL_UNTIL_ENOMEM:
		for (unsigned int i = 0; i < BURST; i++) {
			rc = spdk_thread_send_msg(p->rx, pool_msg, encode(tx->id, tx->seq));
			if (rc == -ENOMEM) {
				tx->enomem++;
				return true;
			}
			ASSERT_EQ(rc, 0);
			tx->seq++;
			tx->phase_ok++;
		}
		return false;
	case POOL_ONE:
		rc = spdk_thread_send_msg(p->rx, pool_msg, encode(tx->id, tx->seq));
		ASSERT_EQ(rc, 0);
		tx->seq++;
		tx->phase_ok++;
		return true;
	case POOL_QUOTA:
		for (unsigned int i = 0; i < BURST && tx->phase_ok < tx->quota; i++) {
			rc = spdk_thread_send_msg(p->rx, pool_msg, encode(tx->id, tx->seq));
			if (rc == -ENOMEM) {
				tx->enomem++;
				return false;
			}
			ASSERT_EQ(rc, 0);
			tx->seq++;
			tx->phase_ok++;
		}
		return tx->phase_ok >= tx->quota || now_ns() >= p->deadline_ns;
	}
	return true;
}

static int
pool_poller(void *arg)
{
	struct pool_tx *tx = arg;

	if (!tx->mode_done) {
		tx->mode_done = pool_step(tx);
		return SPDK_POLLER_BUSY;
	}
	return SPDK_POLLER_IDLE;
}

/* Run one phase in the given mode on the calling sender pthread. */
static void
pool_phase(struct pool_tx *tx, enum pool_mode mode)
{
	unsigned int spins = 0;

	tx->mode = mode;
	tx->mode_done = false;
	tx->phase_ok = 0;
	while (!tx->mode_done) {
		if (tx->thread != NULL) {
			spdk_thread_poll(tx->thread, 0, 0);
		} else {
			tx->mode_done = pool_step(tx);
		}
		if (!tx->mode_done && mode == POOL_QUOTA) {
			backoff(&spins);
		}
	}
	tx->mode = POOL_IDLE;
}

static void *
pool_tx_main(void *arg)
{
	struct pool_tx *tx = arg;
	struct pool *p = &g_pool;
	struct spdk_poller *poller = NULL;

	if (tx->thread != NULL) {
		spdk_set_thread(tx->thread);
		poller = spdk_poller_register(pool_poller, tx, 0);
		ASSERT_NOT_NULL(poller);
		spdk_set_thread(NULL);
	}
	for (int c = 0; c < p->cycles; c++) {
		pthread_barrier_wait(&p->bar);	/* start: receiver is not polled */
		pool_phase(tx, POOL_UNTIL_ENOMEM);
		pthread_barrier_wait(&p->bar);	/* full: main checks and drains */
		pthread_barrier_wait(&p->bar);	/* drained */
		pool_phase(tx, POOL_ONE);
		pthread_barrier_wait(&p->bar);	/* end of cycle */
	}
	/* Slow receiver, polled concurrently. */
	pthread_barrier_wait(&p->bar);
	pool_phase(tx, POOL_QUOTA);
	/* Pairs with the acquire load in the main pthread's polling loop. */
	atomic_store_explicit(&tx->quota_done, true, memory_order_release);
	pthread_barrier_wait(&p->bar);

	if (tx->thread != NULL) {
		spdk_set_thread(tx->thread);
		spdk_poller_unregister(&poller);
		thread_finish(tx->thread);
	}
	return NULL;
}

/* Poll the receiver until it has run `target` messages in total. */
static void
pool_drain(uint64_t target)
{
	struct pool *p = &g_pool;
	uint64_t give_up = now_ns() + STALL_NS;

	while (p->executed < target) {
		spdk_thread_poll(p->rx, 0, 0);
		if (now_ns() > give_up) {
			FAIL("receiver stalled at %" PRIu64 " of %" PRIu64 " messages", p->executed,
			     target);
		}
	}
	/* Nothing more than what was accepted may run. */
	for (int i = 0; i < 4; i++) {
		spdk_thread_poll(p->rx, 0, 0);
	}
	ASSERT_EQ(p->executed, target);
}

static uint64_t
pool_accepted(void)
{
	uint64_t total = 0;

	for (unsigned int s = 0; s < POOL_NTX; s++) {
		total += g_pool.tx[s].seq;
	}
	return total;
}

TEST_TIMEOUT(pool_exhaustion_enomem_then_recovery, 60)
{
	struct pool *p = &g_pool;
	uint64_t slow_start, slow_end, slow_before, give_up, enomem_slow = 0;
	uint64_t min_full = UINT64_MAX, max_full = 0;
	const uint64_t slots = PW_MSGQ_SEG_SLOTS;
	int c;

	memset(p, 0, sizeof(*p));
	p->cycles = (int)env_u64("PW_STRESS_POOL_CYCLES", 40);
	ASSERT_EQ(spdk_thread_lib_init_ext(NULL, NULL, 0, POOL_LIMIT), 0);
	/* The ENOMEM errors are expected: keep them out of the test output, and
	 * check below that they were logged. */
	log_capture_start();
	p->rx = spdk_thread_create("slow_rx", NULL);
	ASSERT_NOT_NULL(p->rx);
	ASSERT_EQ(pthread_barrier_init(&p->bar, NULL, POOL_NTX + 1), 0);
	for (unsigned int s = 0; s < POOL_NTX; s++) {
		p->tx[s].id = s;
		p->tx[s].quota = 100000 * env_u64("PW_STRESS_SCALE", 1);
		if (s == POOL_NTX - 1) {
			p->tx[s].thread = spdk_thread_create("pool_tx", NULL);
			ASSERT_NOT_NULL(p->tx[s].thread);
		}
	}
	for (unsigned int s = 0; s < POOL_NTX; s++) {
		ASSERT_EQ(pthread_create(&p->tx[s].pt, NULL, pool_tx_main, &p->tx[s]), 0);
	}

	for (c = 0; c < p->cycles; c++) {
		uint64_t before = pool_accepted(), in_flight;

		pthread_barrier_wait(&p->bar);	/* start */
		pthread_barrier_wait(&p->bar);	/* full */
		/* Every sender has seen -ENOMEM; the queue was empty when the
		 * phase started, so everything accepted is in flight now. */
		in_flight = pool_accepted() - before;
		for (unsigned int s = 0; s < POOL_NTX; s++) {
			ASSERT_GE(p->tx[s].enomem, (uint64_t)c + 1);
		}
		/* At least the documented limit is accepted; at most the limit
		 * rounded up to whole segments plus the queue's own segments
		 * (a small first one and a full one, both free of charge). */
		ASSERT_GE(in_flight, POOL_LIMIT);
		ASSERT_LE(in_flight, (POOL_LIMIT + slots - 1) / slots * slots + slots +
			  pw_segq_small_slots(PW_MSG_WORDS));
		if (in_flight < min_full) {
			min_full = in_flight;
		}
		if (in_flight > max_full) {
			max_full = in_flight;
		}
		pool_drain(pool_accepted());
		pthread_barrier_wait(&p->bar);	/* drained */
		pthread_barrier_wait(&p->bar);	/* every sender got one more in */
		pool_drain(pool_accepted());
	}
	ASSERT_GE(log_capture_count(SPDK_LOG_ERROR), 1);

	/* Slow receiver polled while the senders push, retrying on -ENOMEM. */
	p->slow_spin = 200;
	p->deadline_ns = now_ns() + budget_ns();
	slow_before = p->executed;
	slow_start = now_ns();
	pthread_barrier_wait(&p->bar);
	give_up = now_ns() + STALL_NS + budget_ns();
	for (unsigned int s = 0; s < POOL_NTX; s++) {
		/* Pairs with the release store at the end of the sender's phase. */
		while (!atomic_load_explicit(&p->tx[s].quota_done, memory_order_acquire)) {
			spdk_thread_poll(p->rx, 0, 0);
			if (now_ns() > give_up) {
				FAIL("slow phase: sender %u does not finish", s);
			}
		}
	}
	pthread_barrier_wait(&p->bar);
	pool_drain(pool_accepted());
	slow_end = now_ns();
	for (unsigned int s = 0; s < POOL_NTX; s++) {
		ASSERT_EQ(pthread_join(p->tx[s].pt, NULL), 0);
		ASSERT_EQ(p->next_seq[s], p->tx[s].seq);
		enomem_slow += p->tx[s].enomem;
	}
	enomem_slow -= (uint64_t)p->cycles * POOL_NTX;
	ASSERT_EQ(p->executed, pool_accepted());

	thread_finish(p->rx);
	log_capture_stop();
	/* The app thread (the first one created) lives until lib fini. */
	ASSERT_EQ(spdk_thread_get_count(), 1);
	spdk_thread_lib_fini();
	pthread_barrier_destroy(&p->bar);
	printf("pool_exhaustion: %d fill/drain cycles, %" PRIu64 "..%" PRIu64 " messages in "
	       "flight at -ENOMEM (limit %d); slow phase %" PRIu64 " messages in %.3f s, "
	       "%" PRIu64 " -ENOMEM retries; %" PRIu64 " messages in all\n", p->cycles, min_full,
	       max_full, POOL_LIMIT, p->executed - slow_before, (double)(slow_end - slow_start) / 1e9,
	       enomem_slow, p->executed);
}

/* ---------------------------------------------------------------------------
 * Critical messages from several pthreads at once
 * ------------------------------------------------------------------------- */

#define CRIT_NTX	4
#define CRIT_GATED_TRIES 4	/* attempts per sender while the target is not polled */
#define CRIT_FREE_TRIES	64	/* attempts per sender while the target is polled */

struct crit {
	struct spdk_thread	*thread;	/* polled by the main pthread */
	pthread_t		pt[CRIT_NTX];
	pthread_barrier_t	bar;
	/* Written by main before the start barrier. */
	bool			gated;
	bool			stop;
	/* Written by sender i, read by main after the end barrier. */
	uint64_t		succ[CRIT_NTX];
	uint64_t		eio[CRIT_NTX];
	_Atomic unsigned int	senders_done;	/* free rounds: senders finished */
	/* Main pthread only (the handlers run there). */
	uint64_t		runs[CRIT_NTX];
	uint64_t		normal_run;
	uint64_t		normal_before_crit;	/* normal messages run before the critical one */
};

static struct crit g_crit;

static void
crit_ran(unsigned int i, void *ctx)
{
	struct crit *c = &g_crit;

	ASSERT_NULL(ctx);
	ASSERT_PTR_EQ(spdk_get_thread(), c->thread);
	c->runs[i]++;
	c->normal_before_crit = c->normal_run;
}

/* One function per sender, so that a run tells whose message it was. */
static void crit_fn0(void *ctx) { crit_ran(0, ctx); }
static void crit_fn1(void *ctx) { crit_ran(1, ctx); }
static void crit_fn2(void *ctx) { crit_ran(2, ctx); }
static void crit_fn3(void *ctx) { crit_ran(3, ctx); }
static const spdk_msg_fn g_crit_fns[CRIT_NTX] = { crit_fn0, crit_fn1, crit_fn2, crit_fn3 };

static void
crit_normal_msg(void *ctx)
{
	g_crit.normal_run++;
}

static void
crit_try(struct crit *c, unsigned int i)
{
	int rc = spdk_thread_send_critical_msg(c->thread, g_crit_fns[i]);

	if (rc == 0) {
		c->succ[i]++;
	} else {
		ASSERT_EQ(rc, -EIO);
		c->eio[i]++;
	}
}

static void *
crit_main(void *arg)
{
	struct crit *c = &g_crit;
	unsigned int i = (unsigned int)(uintptr_t)arg;

	for (;;) {
		pthread_barrier_wait(&c->bar);	/* start */
		if (c->stop) {
			break;
		}
		if (c->gated) {
			/* A normal message first: the critical one must overtake it. */
			ASSERT_EQ(spdk_thread_send_msg(c->thread, crit_normal_msg, NULL), 0);
			for (unsigned int k = 0; k < CRIT_GATED_TRIES; k++) {
				crit_try(c, i);
			}
		} else {
			for (unsigned int k = 0; k < CRIT_FREE_TRIES; k++) {
				crit_try(c, i);
				for (unsigned int d = 0; d < (k & 7); d++) {
					spdk_pause();
				}
			}
			/* Pairs with the acquire load in the main pthread's polling loop. */
			atomic_fetch_add_explicit(&c->senders_done, 1, memory_order_release);
		}
		pthread_barrier_wait(&c->bar);	/* end */
	}
	return NULL;
}

static uint64_t
crit_sum(const uint64_t *v)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < CRIT_NTX; i++) {
		sum += v[i];
	}
	return sum;
}

TEST_TIMEOUT(critical_msg_concurrent_senders, 60)
{
	struct crit *c = &g_crit;
	uint64_t deadline, succ_before, runs_before, gated_rounds = 0, free_rounds = 0;
	uint64_t max_rounds = 20000 * env_u64("PW_STRESS_SCALE", 1);

	memset(c, 0, sizeof(*c));
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	c->thread = spdk_thread_create("crit_rx", NULL);
	ASSERT_NOT_NULL(c->thread);
	ASSERT_EQ(pthread_barrier_init(&c->bar, NULL, CRIT_NTX + 1), 0);
	for (unsigned int i = 0; i < CRIT_NTX; i++) {
		ASSERT_EQ(pthread_create(&c->pt[i], NULL, crit_main, (void *)(uintptr_t)i), 0);
	}

	deadline = now_ns() + budget_ns();
	for (uint64_t round = 0;; round++) {
		c->gated = (round % 2) == 0;
		c->stop = round >= max_rounds || now_ns() >= deadline;
		atomic_store_explicit(&c->senders_done, 0, memory_order_relaxed);
		succ_before = crit_sum(c->succ);
		runs_before = crit_sum(c->runs);
		ASSERT_EQ(succ_before, runs_before);
		pthread_barrier_wait(&c->bar);	/* start */
		if (c->stop) {
			break;
		}
		if (c->gated) {
			pthread_barrier_wait(&c->bar);	/* end: nothing was polled */
			/* Of all the concurrent attempts exactly one got in. */
			ASSERT_EQ(crit_sum(c->succ) - succ_before, 1);
			c->normal_run = 0;
			c->normal_before_crit = UINT64_MAX;
			spdk_thread_poll(c->thread, 0, 0);
			/* It ran once, first in the slice, then the normal messages. */
			ASSERT_EQ(crit_sum(c->runs) - runs_before, 1);
			ASSERT_EQ(c->normal_before_crit, 0);
			ASSERT_EQ(c->normal_run, CRIT_NTX);
			for (int k = 0; k < 3; k++) {
				spdk_thread_poll(c->thread, 0, 0);
			}
			ASSERT_EQ(crit_sum(c->runs) - runs_before, 1);
			gated_rounds++;
		} else {
			/* Pairs with the senders' release increments. */
			while (atomic_load_explicit(&c->senders_done, memory_order_acquire) < CRIT_NTX) {
				spdk_thread_poll(c->thread, 0, 0);
			}
			pthread_barrier_wait(&c->bar);	/* end */
			spdk_thread_poll(c->thread, 0, 0);
			/* The first attempt of the round found no critical message
			 * outstanding, so at least one got in. */
			ASSERT_GE(crit_sum(c->succ) - succ_before, 1);
			free_rounds++;
		}
		/* Every accepted critical message ran exactly once. */
		for (unsigned int i = 0; i < CRIT_NTX; i++) {
			ASSERT_EQ(c->runs[i], c->succ[i]);
		}
	}
	for (unsigned int i = 0; i < CRIT_NTX; i++) {
		ASSERT_EQ(pthread_join(c->pt[i], NULL), 0);
	}
	ASSERT_GT(gated_rounds, 0);
	printf("critical_msg: %" PRIu64 " gated and %" PRIu64 " free rounds, %" PRIu64
	       " critical messages run, %" PRIu64 " refused with -EIO\n", gated_rounds,
	       free_rounds, crit_sum(c->runs), crit_sum(c->eio));
	thread_finish(c->thread);
	spdk_thread_lib_fini();
	pthread_barrier_destroy(&c->bar);
}

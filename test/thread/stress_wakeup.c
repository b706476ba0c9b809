/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of the wake-up protocol of pinwheel/thread.h on real pthreads
 * (run under ThreadSanitizer and AddressSanitizer in CI).
 *
 * senders_vs_sleeping_driver: a driver pthread polls one thread and follows
 * the protocol exactly: a waker attached to the thread; after a poll that did
 * nothing, pw_waker_prepare_sleep(), one more look
 * (pw_thread_has_pending_messages()), then poll(2) on the waker's fd with a
 * generous timeout; pw_waker_end_sleep() and a drain after it. So it falls
 * asleep as often as it can. Sender pthreads (one per core plus one) send
 * numbered messages in bursts separated by random short pauses, so the
 * driver sleeps between bursts; one of them also sends critical messages.
 * Each message checks its sender's FIFO order; at the end every message and
 * every accepted critical message ran exactly once. A poll(2) timeout while a
 * message is queued is a lost wake-up; one while nothing is queued but
 * senders still owe messages is a stall: both fail the test.
 *
 * one_sender_lockstep: the same driver and one sender that sends a message
 * (every other one critical) as soon as the previous one ran, after a random
 * spin of 0 to a few microseconds: so its send lands, again and again, right
 * where the driver prepares to sleep and takes its last look. With several
 * senders a lost wake-up only delays a message until another sender's wakes
 * the driver; with one, nothing else wakes it and the driver's timeout
 * reports the loss.
 *
 * critical_msgs_to_a_foreign_loop: see its section below.
 *
 * exit_from_message_then_destroy: the driver creates a thread, attaches its
 * waker and hands the thread to sender pthreads; one of them sends it a
 * message (or, every other time, a critical message) whose handler calls
 * spdk_thread_exit(). The driver, asleep most of the time, destroys the thread
 * in the very slice that saw it exit, while the sender may still be inside
 * the send call: a sender that read the thread after publishing its message
 * would touch freed memory (caught by ASan and TSan).
 *
 * Quotas: 1,000,000 messages per sender, 300,000 lockstep rounds and 50,000
 * create/exit/destroy cycles
 * in a normal build, half that or less under ThreadSanitizer; PW_STRESS_SCALE
 * multiplies them. A time budget (PW_STRESS_SECONDS, default 60) stops the
 * senders early on a slow machine; the exactly-once checks still apply.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"
#include "pinwheel/thread.h"

#include "harness.h"
#include "ut_stress.h"

#include <poll.h>
#include <stdatomic.h>

/* ThreadSanitizer slows every atomic operation down: smaller quotas there. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PW_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define PW_TSAN 1
#endif

#if defined(PW_TSAN)
#define MSGS_PER_SENDER		500000ull
#define LOCKSTEP_ROUNDS		100000ull
#define EXIT_CYCLES		20000ull
#else
#define MSGS_PER_SENDER		1000000ull
#define LOCKSTEP_ROUNDS		300000ull
#define EXIT_CYCLES		50000ull
#endif

#define MAX_SENDERS	16
#define SEQ_BITS	40
#define SEQ_MASK	((1ull << SEQ_BITS) - 1)
#define WINDOW		2048	/* unacknowledged messages per sender */
#define MAX_BURST	64
#define CRITICAL_EVERY	8	/* bursts between critical messages (sender 0) */
#define SLEEP_MS	5000	/* driver's poll(2) limit, times PW_TEST_TIMEOUT_SCALE */

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------- */

static uint64_t
deadline_ns(void)
{
	return now_ns() + env_u64("PW_STRESS_SECONDS", 60) * 1000000000ull;
}

static int
sleep_limit_ms(void)
{
	return SLEEP_MS * (int)pw_test_timeout_scale();
}

/* A short random pause: nothing, a yield, or a sleep of a few microseconds,
 * long enough for the driver to fall asleep. */
static void
random_pause(uint64_t *rng)
{
	uint64_t r = rnd(rng);
	struct timespec ts;

	switch (r % 8) {
	case 0:
	case 1:
	case 2:
		break;
	case 3:
	case 4:
		sched_yield();
		break;
	default:
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(1000 + (r >> 8) % 50000);
		nanosleep(&ts, NULL);
		break;
	}
}

static unsigned int
sender_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1) {
		n = 1;
	}
	if (n + 1 > MAX_SENDERS) {
		n = MAX_SENDERS - 1;
	}
	return (unsigned int)n + 1;
}

/* Exit a thread from the pthread that polls it, poll until EXITED, destroy. */
static void
thread_finish(struct spdk_thread *t)
{
	uint64_t give_up = now_ns() + 20ull * 1000000000ull;

	spdk_set_thread(t);
	ASSERT_EQ(spdk_thread_exit(t), 0);
	while (!spdk_thread_is_exited(t)) {
		spdk_thread_poll(t, 0, 0);
		if (now_ns() > give_up) {
			FAIL("thread %s does not reach EXITED", spdk_thread_get_name(t));
		}
	}
	spdk_thread_destroy(t);
	spdk_set_thread(NULL);
}

/* Driver statistics, printed at the end. */
struct dstats {
	uint64_t	polls;
	uint64_t	sleeps;		/* poll(2) calls */
	uint64_t	woken;		/* poll(2) saw the fd readable */
	uint64_t	last_look;	/* prepared to sleep, but found work */
};

/* What an idle step of the driver ended with. */
enum idle_end {
	IDLE_LAST_LOOK = 1,	/* the last look found work (or stop) */
	IDLE_SLEPT = 2,		/* slept, then woken */
};

/*
 * One idle step of a driver polling thread t with waker w: prepare to sleep,
 * look again, sleep on the fd. Returns after a wake-up or a last look that
 * found work. owed() says whether work is still owed (for the timeout
 * diagnosis); stop() lets the driver leave.
 */
static enum idle_end
driver_idle(struct spdk_thread *t, struct pw_waker *w, struct dstats *st,
	    bool (*stop)(void *), bool (*owed)(void *), void *arg)
{
	struct pollfd pfd = { .fd = pw_waker_get_fd(w), .events = POLLIN };
	int rc;

	pw_waker_prepare_sleep(w);
	if (pw_thread_has_pending_messages(t) || stop(arg)) {
		pw_waker_end_sleep(w);
		st->last_look++;
		return IDLE_LAST_LOOK;
	}
	st->sleeps++;
	do {
		rc = poll(&pfd, 1, sleep_limit_ms());
	} while (rc < 0 && errno == EINTR);
	pw_waker_end_sleep(w);
	ASSERT_GE(rc, 0);
	if (rc == 0) {
		if (pw_thread_has_pending_messages(t)) {
			FAIL("lost wake-up: the driver slept %d ms with a message queued for %s",
			     sleep_limit_ms(), spdk_thread_get_name(t));
		}
		if (owed(arg)) {
			FAIL("stall: no message for %s in %d ms while senders still owe some",
			     spdk_thread_get_name(t), sleep_limit_ms());
		}
		return IDLE_SLEPT;
	}
	st->woken++;
	pw_waker_drain(w);
	return IDLE_SLEPT;
}

static void
print_stats(const char *what, const struct dstats *st)
{
	printf("%s: %" PRIu64 " polls, %" PRIu64 " sleeps, %" PRIu64 " wake-ups, %" PRIu64
	       " last looks that found work\n", what, st->polls, st->sleeps, st->woken,
	       st->last_look);
}

/* ---------------------------------------------------------------------------
 * Senders on all cores against a sleeping driver
 * ------------------------------------------------------------------------- */

struct wtx {
	unsigned int		id;
	pthread_t		pt;
	uint64_t		rng;
	uint64_t		quota;
	uint64_t		sent;		/* final once done is set */
	uint64_t		enomem;
	uint64_t		critical_sent;	/* accepted critical messages */
	uint64_t		critical_busy;	/* -EIO: one was still pending */
	_Atomic bool		done;
	/* Written by the driver (the messages' thread): messages run so far.
	 * Pairs with the acquire load in the sender's window check. */
	_Atomic uint64_t	acked __attribute__((aligned(64)));
} __attribute__((aligned(64)));

struct wrun {
	struct spdk_thread	*t;
	struct pw_waker		*w;
	unsigned int		ntx;
	struct wtx		tx[MAX_SENDERS];
	uint64_t		deadline;
	_Atomic bool		attached;
	_Atomic bool		stop;
	_Atomic bool		time_up;
	/* Driver pthread only. */
	uint64_t		next_seq[MAX_SENDERS];
	uint64_t		ran;
	uint64_t		critical_ran;
	struct dstats		st;
};

static struct wrun g_w;

static void
wmsg(void *ctx)
{
	uint64_t v = (uint64_t)(uintptr_t)ctx;
	unsigned int s = (unsigned int)(v >> SEQ_BITS);
	uint64_t seq = v & SEQ_MASK;

	ASSERT_PTR_EQ(spdk_get_thread(), g_w.t);
	ASSERT_LT(s, g_w.ntx);
	if (seq != g_w.next_seq[s]) {
		FAIL("sender %u: message #%" PRIu64 " arrived, expected #%" PRIu64, s, seq,
		     g_w.next_seq[s]);
	}
	g_w.next_seq[s] = seq + 1;
	g_w.ran++;
	/* Pairs with the acquire load in wtx_main(). */
	atomic_store_explicit(&g_w.tx[s].acked, seq + 1, memory_order_release);
}

static void
wcritical(void *ctx)
{
	ASSERT_NULL(ctx);
	ASSERT_PTR_EQ(spdk_get_thread(), g_w.t);
	g_w.critical_ran++;
}

static bool
wstop(void *arg)
{
	(void)arg;
	return atomic_load(&g_w.stop);
}

static bool
wowed(void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < g_w.ntx; i++) {
		if (!atomic_load(&g_w.tx[i].done)) {
			return true;
		}
	}
	return false;
}

static void *
wdriver_main(void *arg)
{
	struct wrun *r = arg;

	/* Attach from the polling pthread, before the first slice. */
	pw_thread_set_waker(r->t, r->w);
	atomic_store(&r->attached, true);
	for (;;) {
		r->st.polls++;
		if (spdk_thread_poll(r->t, 0, 0) > 0) {
			continue;
		}
		if (atomic_load(&r->stop) && !pw_thread_has_pending_messages(r->t)) {
			break;
		}
		driver_idle(r->t, r->w, &r->st, wstop, wowed, r);
	}
	thread_finish(r->t);
	return NULL;
}

static void *
wtx_main(void *arg)
{
	struct wtx *tx = arg;
	uint64_t seq = 0, bursts = 0;
	unsigned int spins;
	int rc;

	while (seq < tx->quota) {
		uint64_t burst = 1 + rnd(&tx->rng) % MAX_BURST;

		for (uint64_t i = 0; i < burst && seq < tx->quota; i++) {
			spins = 0;
			/* Pairs with the release store in wmsg(). */
			while (seq - atomic_load_explicit(&tx->acked, memory_order_acquire) >= WINDOW) {
				if (++spins % 64 == 0) {
					sched_yield();
				}
			}
			for (;;) {
				rc = spdk_thread_send_msg(g_w.t, wmsg, (void *)(uintptr_t)
							  (((uint64_t)tx->id << SEQ_BITS) | seq));
				if (rc != -ENOMEM) {
					break;
				}
				/* The process-wide bound: wait for the driver to drain. */
				tx->enomem++;
				sched_yield();
			}
			ASSERT_EQ(rc, 0);
			seq++;
		}
		bursts++;
		if (tx->id == 0 && bursts % CRITICAL_EVERY == 0) {
			rc = spdk_thread_send_critical_msg(g_w.t, wcritical);
			if (rc == 0) {
				tx->critical_sent++;
			} else {
				ASSERT_EQ(rc, -EIO);
				tx->critical_busy++;
			}
		}
		if (bursts % 16 == 0 && now_ns() > g_w.deadline) {
			atomic_store(&g_w.time_up, true);
			break;
		}
		random_pause(&tx->rng);
	}
	tx->sent = seq;
	atomic_store(&tx->done, true);
	return NULL;
}

TEST_TIMEOUT(senders_vs_sleeping_driver, 600)
{
	struct wrun *r = &g_w;
	struct spdk_thread *app;
	pthread_t driver;
	uint64_t sent = 0, critical_sent = 0, scale = env_u64("PW_STRESS_SCALE", 1);
	uint64_t t0;

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	/* The first thread is the app thread (kept until lib fini): not ours. */
	app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(app);
	memset(r, 0, sizeof(*r));
	r->t = spdk_thread_create("sleepy", NULL);
	ASSERT_NOT_NULL(r->t);
	ASSERT_EQ(pw_waker_create(&r->w), 0);
	r->ntx = sender_count();
	r->deadline = deadline_ns();

	t0 = now_ns();
	ASSERT_EQ(pthread_create(&driver, NULL, wdriver_main, r), 0);
	while (!atomic_load(&r->attached)) {
		sched_yield();
	}
	for (unsigned int i = 0; i < r->ntx; i++) {
		struct wtx *tx = &r->tx[i];

		tx->id = i;
		tx->rng = 0x9E3779B97F4A7C15ull * (i + 1) ^ (uint64_t)time(NULL);
		tx->quota = MSGS_PER_SENDER * scale;
		ASSERT_EQ(pthread_create(&tx->pt, NULL, wtx_main, tx), 0);
	}
	for (unsigned int i = 0; i < r->ntx; i++) {
		ASSERT_EQ(pthread_join(r->tx[i].pt, NULL), 0);
		sent += r->tx[i].sent;
		critical_sent += r->tx[i].critical_sent;
	}
	atomic_store(&r->stop, true);
	pw_waker_wake(r->w);
	ASSERT_EQ(pthread_join(driver, NULL), 0);

	/* Exactly once, in order: the driver's counts are final after the join. */
	for (unsigned int i = 0; i < r->ntx; i++) {
		ASSERT_EQ(r->next_seq[i], r->tx[i].sent);
		if (!atomic_load(&r->time_up)) {
			ASSERT_EQ(r->tx[i].sent, r->tx[i].quota);
		}
	}
	ASSERT_EQ(r->ran, sent);
	ASSERT_EQ(r->critical_ran, critical_sent);
	ASSERT_GT(critical_sent, 0);
	/* The test is pointless unless the driver really slept. */
	ASSERT_GT(r->st.sleeps, 0);
	ASSERT_GT(r->st.woken, 0);

	printf("%u senders, %" PRIu64 " messages and %" PRIu64 " critical messages (%" PRIu64
	       " refused while one was pending) in %.2f s%s\n", r->ntx, sent, critical_sent,
	       r->tx[0].critical_busy, (double)(now_ns() - t0) / 1e9,
	       atomic_load(&r->time_up) ? " (time budget reached)" : "");
	print_stats("driver", &r->st);

	thread_finish(app);
	spdk_thread_lib_fini();
	pw_waker_destroy(r->w);
}

/* ---------------------------------------------------------------------------
 * One sender in lockstep with the sleeping driver
 * ------------------------------------------------------------------------- */

struct lrun {
	struct spdk_thread	*t;
	struct pw_waker		*w;
	uint64_t		rounds;
	_Atomic bool		attached;
	_Atomic bool		stop;
	_Atomic bool		done;
	/* Driver only: how the driver reached the message it runs now (0: its
	 * poll found it, else enum idle_end of the idle step before). */
	uint32_t		phase;
	uint64_t		phases[3];
	uint64_t		rng;
	/* Written by the driver: messages run, and the phase of the last one
	 * (published by the release store of ran). */
	_Atomic uint64_t	ran __attribute__((aligned(64)));
	_Atomic uint32_t	last_phase;
	struct dstats		st;
};

static struct lrun g_l;

/* The sender sees a message has run a cache-line transfer after the driver
 * ran it, by when the driver is usually asleep already: linger a random
 * moment after the acknowledgement, so that the next send often arrives
 * while the driver is on its way to sleep. */
static void
lockstep_linger(void)
{
	uint64_t spins = rnd(&g_l.rng) % 48;

	for (uint64_t i = 0; i < spins; i++) {
		spdk_pause();
	}
}

static void
lmsg(void *ctx)
{
	uint64_t seq = (uint64_t)(uintptr_t)ctx;
	uint64_t ran = atomic_load_explicit(&g_l.ran, memory_order_relaxed);

	if (seq != ran) {
		FAIL("lockstep: message #%" PRIu64 " arrived, expected #%" PRIu64, seq, ran);
	}
	g_l.phases[g_l.phase]++;
	atomic_store_explicit(&g_l.last_phase, g_l.phase, memory_order_relaxed);
	/* Pairs with the acquire load in ltx_main(). */
	atomic_store_explicit(&g_l.ran, ran + 1, memory_order_release);
	lockstep_linger();
}

static void
lcritical(void *ctx)
{
	uint64_t ran = atomic_load_explicit(&g_l.ran, memory_order_relaxed);

	ASSERT_NULL(ctx);
	g_l.phases[g_l.phase]++;
	atomic_store_explicit(&g_l.last_phase, g_l.phase, memory_order_relaxed);
	/* Pairs with the acquire load in ltx_main(). */
	atomic_store_explicit(&g_l.ran, ran + 1, memory_order_release);
	lockstep_linger();
}

static bool
lstop(void *arg)
{
	(void)arg;
	return atomic_load(&g_l.stop);
}

static bool
lowed(void *arg)
{
	(void)arg;
	return !atomic_load(&g_l.done);
}

static void *
ldriver_main(void *arg)
{
	struct lrun *l = arg;

	pw_thread_set_waker(l->t, l->w);
	atomic_store(&l->attached, true);
	for (;;) {
		l->st.polls++;
		if (spdk_thread_poll(l->t, 0, 0) > 0) {
			l->phase = 0;
			continue;
		}
		if (atomic_load(&l->stop) && !pw_thread_has_pending_messages(l->t)) {
			break;
		}
		l->phase = driver_idle(l->t, l->w, &l->st, lstop, lowed, l);
	}
	thread_finish(l->t);
	return NULL;
}

static void *
ltx_main(void *arg)
{
	struct lrun *l = arg;
	uint64_t rng = 0xA0761D6478BD642Full ^ (uint64_t)time(NULL);
	uint64_t deadline = deadline_ns();
	unsigned int aim = 0;
	uint64_t r;

	for (r = 0; r < l->rounds; r++) {
		unsigned int spins;

		/* Pairs with the release store in lmsg()/lcritical(). The driver
		 * reports a lost wake-up itself (nothing else would wake it). */
		while (atomic_load_explicit(&l->ran, memory_order_acquire) != r) {
			spdk_pause();
		}
		/* Aim at the driver's way to sleep: wait longer after a message
		 * its poll found, shorter after one it had to be woken for, so
		 * that sends keep landing around its last look. */
		if (r > 0) {
			switch (atomic_load_explicit(&l->last_phase, memory_order_relaxed)) {
			case 0:
				aim++;
				break;
			case IDLE_SLEPT:
				aim = aim > 0 ? aim - 1 : 0;
				break;
			default:
				break;
			}
			if (aim > 4096) {
				aim = 4096;
			}
		}
		spins = aim + (unsigned int)(rnd(&rng) % 4);
		for (unsigned int i = 0; i < spins; i++) {
			spdk_pause();
		}
		if (r % 2 == 0) {
			ASSERT_EQ(spdk_thread_send_msg(l->t, lmsg, (void *)(uintptr_t)r), 0);
		} else {
			ASSERT_EQ(spdk_thread_send_critical_msg(l->t, lcritical), 0);
		}
		if (r % 1024 == 0 && now_ns() > deadline) {
			r++;
			break;
		}
	}
	while (atomic_load_explicit(&l->ran, memory_order_acquire) != r) {
		spdk_pause();
	}
	l->rounds = r;
	atomic_store(&l->done, true);
	return NULL;
}

TEST_TIMEOUT(one_sender_lockstep, 600)
{
	struct lrun *l = &g_l;
	struct spdk_thread *app;
	pthread_t driver, tx;
	uint64_t t0;

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(app);
	memset(l, 0, sizeof(*l));
	l->t = spdk_thread_create("lockstep", NULL);
	ASSERT_NOT_NULL(l->t);
	ASSERT_EQ(pw_waker_create(&l->w), 0);
	l->rounds = LOCKSTEP_ROUNDS * env_u64("PW_STRESS_SCALE", 1);
	l->rng = 0x8EBC6AF09C88C6E3ull ^ (uint64_t)time(NULL);

	t0 = now_ns();
	ASSERT_EQ(pthread_create(&driver, NULL, ldriver_main, l), 0);
	while (!atomic_load(&l->attached)) {
		sched_yield();
	}
	ASSERT_EQ(pthread_create(&tx, NULL, ltx_main, l), 0);
	ASSERT_EQ(pthread_join(tx, NULL), 0);
	atomic_store(&l->stop, true);
	pw_waker_wake(l->w);
	ASSERT_EQ(pthread_join(driver, NULL), 0);

	ASSERT_EQ(atomic_load(&l->ran), l->rounds);
	ASSERT_GT(l->st.sleeps, 0);
	printf("%" PRIu64 " lockstep rounds (half of them critical messages) in %.2f s; the "
	       "driver found %" PRIu64 " by polling, %" PRIu64 " by its last look, %" PRIu64
	       " after sleeping\n", l->rounds, (double)(now_ns() - t0) / 1e9, l->phases[0],
	       l->phases[IDLE_LAST_LOOK], l->phases[IDLE_SLEPT]);
	print_stats("driver", &l->st);

	thread_finish(app);
	spdk_thread_lib_fini();
	pw_waker_destroy(l->w);
}

/* ---------------------------------------------------------------------------
 * A thread exits from a message and is destroyed at once
 * ------------------------------------------------------------------------- */

#define XSENDERS 2

struct xrun {
	struct pw_waker			*w;
	uint64_t			cycles;
	/* Handed from the driver to whichever sender takes it first. */
	_Atomic(struct spdk_thread *)	target;
	_Atomic uint64_t		handed;		/* threads handed out */
	_Atomic bool			stop;
	_Atomic uint64_t		sends[XSENDERS];
	_Atomic uint64_t		criticals[XSENDERS];
	/* Driver pthread only. */
	uint64_t			exits_run;
	uint64_t			destroyed;
	struct spdk_thread		*current;	/* being driven */
	struct dstats			st;
};

static struct xrun g_x;

static void
xexit_msg(void *ctx)
{
	struct spdk_thread *t = spdk_get_thread();

	ASSERT_PTR_EQ(t, g_x.current);
	ASSERT_PTR_EQ(ctx, t);
	g_x.exits_run++;
	ASSERT_EQ(spdk_thread_exit(t), 0);
}

static void
xexit_critical(void *ctx)
{
	struct spdk_thread *t = spdk_get_thread();

	ASSERT_NULL(ctx);
	ASSERT_PTR_EQ(t, g_x.current);
	g_x.exits_run++;
	ASSERT_EQ(spdk_thread_exit(t), 0);
}

static bool
xstop(void *arg)
{
	(void)arg;
	return false;
}

static bool
xowed(void *arg)
{
	(void)arg;
	/* The current thread was handed out and must get its exit message. */
	return true;
}

static void *
xdriver_main(void *arg)
{
	struct xrun *x = arg;
	char name[32];

	for (uint64_t c = 0; c < x->cycles; c++) {
		struct spdk_thread *t;

		snprintf(name, sizeof(name), "x%" PRIu64, c);
		t = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(t);
		pw_thread_set_waker(t, x->w);
		x->current = t;
		/* Pairs with the acquire exchange in xtx_main(). */
		atomic_store_explicit(&x->target, t, memory_order_release);
		atomic_fetch_add(&x->handed, 1);
		for (;;) {
			int rc;

			x->st.polls++;
			rc = spdk_thread_poll(t, 0, 0);
			if (spdk_thread_is_exited(t)) {
				break;
			}
			if (rc == 0) {
				driver_idle(t, x->w, &x->st, xstop, xowed, x);
			}
		}
		/* At once: the sender may still be inside its send call. */
		spdk_thread_destroy(t);
		x->current = NULL;
		x->destroyed++;
	}
	atomic_store(&x->stop, true);
	return NULL;
}

static void *
xtx_main(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	uint64_t rng = 0xD1B54A32D192ED03ull * (id + 1) ^ (uint64_t)time(NULL);
	uint64_t n = 0;
	unsigned int spins = 0;

	while (!atomic_load(&g_x.stop)) {
		/* Pairs with the release store in xdriver_main(). */
		struct spdk_thread *t = atomic_exchange_explicit(&g_x.target, NULL,
					memory_order_acquire);
		int rc;

		if (t == NULL) {
			if (++spins % 64 == 0) {
				sched_yield();
			}
			continue;
		}
		spins = 0;
		/* Often late enough for the driver to be asleep. */
		random_pause(&rng);
		if (n++ % 2 == 0) {
			rc = spdk_thread_send_msg(t, xexit_msg, t);
			atomic_fetch_add(&g_x.sends[id], 1);
		} else {
			rc = spdk_thread_send_critical_msg(t, xexit_critical);
			atomic_fetch_add(&g_x.criticals[id], 1);
		}
		/* t may be freed from here on: not touched again. */
		ASSERT_EQ(rc, 0);
	}
	return NULL;
}

TEST_TIMEOUT(exit_from_message_then_destroy, 600)
{
	struct xrun *x = &g_x;
	struct spdk_thread *app;
	pthread_t driver, tx[XSENDERS];
	uint64_t sends = 0, criticals = 0, t0;

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(app);
	memset(x, 0, sizeof(*x));
	ASSERT_EQ(pw_waker_create(&x->w), 0);
	x->cycles = EXIT_CYCLES * env_u64("PW_STRESS_SCALE", 1);

	t0 = now_ns();
	for (unsigned int i = 0; i < XSENDERS; i++) {
		ASSERT_EQ(pthread_create(&tx[i], NULL, xtx_main, (void *)(uintptr_t)i), 0);
	}
	ASSERT_EQ(pthread_create(&driver, NULL, xdriver_main, x), 0);
	ASSERT_EQ(pthread_join(driver, NULL), 0);
	for (unsigned int i = 0; i < XSENDERS; i++) {
		ASSERT_EQ(pthread_join(tx[i], NULL), 0);
		sends += atomic_load(&x->sends[i]);
		criticals += atomic_load(&x->criticals[i]);
	}

	ASSERT_EQ(x->destroyed, x->cycles);
	ASSERT_EQ(x->exits_run, x->cycles);
	ASSERT_EQ(sends + criticals, x->cycles);
	ASSERT_NULL(atomic_load(&x->target));
	ASSERT_GT(x->st.sleeps, 0);
	printf("%" PRIu64 " threads created, exited from a message (%" PRIu64 ") or a critical "
	       "message (%" PRIu64 ") and destroyed at once, in %.2f s\n", x->cycles, sends,
	       criticals, (double)(now_ns() - t0) / 1e9);
	print_stats("driver", &x->st);

	thread_finish(app);
	spdk_thread_lib_fini();
	pw_waker_destroy(x->w);
}

/* ---------------------------------------------------------------------------
 * A foreign loop on spdk_thread_get_interrupt_fd(), critical messages
 * ------------------------------------------------------------------------- */

/*
 * critical_msgs_to_a_foreign_loop: the driver is a loop of the user's: it
 * polls the thread and, when a poll did nothing, waits in poll(2) on the fd of
 * spdk_thread_get_interrupt_fd(). One sender sends critical messages in
 * lockstep (the next as soon as the last ran, after a random spin), so they
 * land around the driver's poll. spdk_thread_poll() once looked at the
 * critical slot before clearing that fd: a critical message set in between
 * had its wake-up cleared and the loop slept with it pending (the driver's
 * time limit reports it). The window is a few instructions wide, so this is
 * a net for the protocol rather than a reproducer of that one interleaving.
 */
struct frun {
	struct spdk_thread	*t;
	uint64_t		rounds;
	_Atomic bool		stop;
	_Atomic uint64_t	ran __attribute__((aligned(64)));
	uint64_t		sleeps;		/* driver only */
};

static struct frun g_f;

static void
fcritical(void *ctx)
{
	/* Pairs with the acquire loads in ftx_main(). */
	atomic_store_explicit(&g_f.ran, atomic_load_explicit(&g_f.ran, memory_order_relaxed) + 1,
			      memory_order_release);
}

static void
fnop(void *ctx)
{
}

static void *
fdriver_main(void *arg)
{
	struct frun *f = arg;
	struct pollfd p = { .fd = spdk_thread_get_interrupt_fd(f->t), .events = POLLIN };

	ASSERT_GE(p.fd, 0);
	for (;;) {
		if (spdk_thread_poll(f->t, 0, 0) > 0) {
			continue;
		}
		if (atomic_load(&f->stop)) {
			break;
		}
		f->sleeps++;
		if (poll(&p, 1, sleep_limit_ms()) == 0 && !atomic_load(&f->stop)) {
			FAIL("lost wake-up: the interrupt fd stayed quiet %d ms with %s", sleep_limit_ms(),
			     pw_thread_has_pending_messages(f->t) ? "a message pending" :
			     "nothing pending (a stall)");
		}
	}
	thread_finish(f->t);
	return NULL;
}

static void *
ftx_main(void *arg)
{
	struct frun *f = arg;
	uint64_t rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)time(NULL);
	uint64_t deadline = deadline_ns();
	uint64_t r;

	for (r = 0; r < f->rounds; r++) {
		unsigned int spins = (unsigned int)(rnd(&rng) % 256);

		/* Pairs with the release store in fcritical(). */
		while (atomic_load_explicit(&f->ran, memory_order_acquire) != r) {
			spdk_pause();
		}
		for (unsigned int i = 0; i < spins; i++) {
			spdk_pause();
		}
		ASSERT_EQ(spdk_thread_send_critical_msg(f->t, fcritical), 0);
		if (r % 1024 == 0 && now_ns() > deadline) {
			r++;
			break;
		}
	}
	while (atomic_load_explicit(&f->ran, memory_order_acquire) != r) {
		spdk_pause();
	}
	f->rounds = r;
	return NULL;
}

TEST_TIMEOUT(critical_msgs_to_a_foreign_loop, 600)
{
	struct frun *f = &g_f;
	pthread_t driver, tx;

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	memset(f, 0, sizeof(*f));
	f->t = spdk_thread_create("foreign_loop", NULL);
	ASSERT_NOT_NULL(f->t);
	f->rounds = LOCKSTEP_ROUNDS * env_u64("PW_STRESS_SCALE", 1);
	ASSERT_EQ(pthread_create(&driver, NULL, fdriver_main, f), 0);
	ASSERT_EQ(pthread_create(&tx, NULL, ftx_main, f), 0);
	ASSERT_EQ(pthread_join(tx, NULL), 0);
	atomic_store(&f->stop, true);
	ASSERT_EQ(spdk_thread_send_msg(f->t, fnop, NULL), 0);	/* wakes the driver */
	ASSERT_EQ(pthread_join(driver, NULL), 0);
	ASSERT_EQ(atomic_load(&f->ran), f->rounds);
	ASSERT_GT(f->sleeps, 0);
	printf("%" PRIu64 " critical messages to a foreign loop, which slept %" PRIu64 " times\n",
	       f->rounds, f->sleeps);
	spdk_thread_lib_fini();
}

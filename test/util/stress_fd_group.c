/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of spdk/fd_group.h on real pthreads: several writer pthreads
 * make fds ready while one pthread waits on the group, which is how a
 * sleeping reactor is woken.
 *
 *  - ping_pong_no_lost_wakeup: each writer publishes a sequence number,
 *    writes its fd, and waits until the waiter's handler has seen that
 *    number. Writers use every kind of source (eventfd of the EVENTFD type,
 *    eventfd drained by its handler, edge-triggered eventfd, pipe), half of
 *    them in a nested group. A lost wake-up leaves a writer without its ack
 *    and fails the test when its deadline passes.
 *  - counts_exact_under_churn: writers add to eventfd counters as fast as
 *    they can while the waiter drains them, and between waits removes and
 *    re-adds fds, nests and unnests the child group, and lets handlers
 *    remove their own fd; at the end the sum drained must equal the sum
 *    written exactly (nothing lost, nothing counted twice).
 *
 * Each case is bounded by an amount of work and by a time budget
 * (PW_STRESS_SECONDS, default 3 s), whichever ends first, so that a TSan
 * build on two cores stays well under 30 s in total.
 */

#include "spdk/stdinc.h"
#include "spdk/fd_group.h"

#include "harness.h"
#include "ut_stress.h"

#define NUM_WRITERS	4
#define PING_ROUNDS	20000
#define COUNT_WRITES	500000
#define HANDLER_WORK_NS	5000

enum src_kind {
	SRC_EVENTFD_TYPE,	/* the group clears the counter */
	SRC_DRAINED,		/* DEFAULT type, handler reads */
	SRC_EDGE,		/* DEFAULT type, EPOLLET, handler reads until empty */
	SRC_PIPE,		/* pipe read end, handler reads every byte */
};

struct writer {
	int		idx;
	enum src_kind	kind;
	int		rfd;		/* watched by the group */
	int		wfd;		/* written by the writer */
	struct spdk_fd_group *owner;
	/* ping-pong */
	uint64_t	sent;		/* atomic */
	uint64_t	acked;		/* atomic */
	/* counting */
	uint64_t	written;	/* atomic, published when the writer ends */
	uint64_t	drained;	/* waiter only */
	bool		registered;	/* waiter only */
	bool		remove_self;	/* waiter only: handler removes its fd */
	uint64_t	handler_calls;	/* waiter only */
	uint64_t	deadline_ns;
	int		failed;		/* atomic */
};

struct ctx {
	struct spdk_fd_group	*root;
	struct spdk_fd_group	*child;
	struct writer		w[NUM_WRITERS];
	int			writers_done;	/* atomic */
	uint64_t		budget_end_ns;
};

static uint64_t
budget_ns(void)
{
	const char *s = getenv("PW_STRESS_SECONDS");
	long v = s ? strtol(s, NULL, 10) : 3;

	if (v <= 0) {
		v = 3;
	}
	return (uint64_t)v * 1000000000ull;
}

/* ---- sources ----------------------------------------------------------------- */

static void
source_open(struct writer *w, int idx)
{
	int fds[2];

	w->idx = idx;
	w->kind = (enum src_kind)(idx % 4);
	if (w->kind == SRC_PIPE) {
		ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
		w->rfd = fds[0];
		w->wfd = fds[1];
	} else {
		w->rfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ASSERT_GE(w->rfd, 0);
		w->wfd = w->rfd;
	}
}

static void
source_close(struct writer *w)
{
	close(w->rfd);
	if (w->wfd != w->rfd) {
		close(w->wfd);
	}
}

static void
source_signal(struct writer *w, uint64_t v)
{
	ssize_t n;

	if (w->kind == SRC_PIPE) {
		char b = 'x';

		n = write(w->wfd, &b, 1);
		ASSERT_EQ(n, 1);
	} else {
		n = write(w->wfd, &v, sizeof(v));
		ASSERT_EQ(n, (ssize_t)sizeof(v));
	}
}

/* Everything readable now; for a pipe, the number of bytes. */
static uint64_t
source_drain(struct writer *w)
{
	uint64_t total = 0, v;
	char buf[256];
	ssize_t n;

	if (w->kind == SRC_PIPE) {
		while ((n = read(w->rfd, buf, sizeof(buf))) > 0) {
			total += (uint64_t)n;
		}
	} else {
		while ((n = read(w->rfd, &v, sizeof(v))) == (ssize_t)sizeof(v)) {
			total += v;
			if (w->kind != SRC_EDGE) {
				break;	/* one read empties an eventfd anyway */
			}
		}
	}
	if (n < 0) {
		ASSERT_EQ(errno, EAGAIN);
	}
	return total;
}

static int
ping_handler(void *arg)
{
	struct writer *w = arg;
	uint64_t until;

	w->handler_calls++;
	if (w->kind != SRC_EVENTFD_TYPE) {
		source_drain(w);
	}
	/* Pairs with the release store of sent in ping_writer(): the event
	 * we handle was made after that store, so we see it (or a later one). */
	__atomic_store_n(&w->acked, __atomic_load_n(&w->sent, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	/* Go on working for a few microseconds after taking the state, as a
	 * real handler does: the writer's next write then lands while this
	 * handler still runs, which is where a group that cleared the eventfd
	 * after (instead of before) the handler would lose the wake-up. */
	until = now_ns() + HANDLER_WORK_NS;
	while (now_ns() < until) {
	}
	return 1;
}

static int
count_handler(void *arg)
{
	struct writer *w = arg;

	w->handler_calls++;
	w->drained += source_drain(w);
	if (w->remove_self) {
		spdk_fd_group_remove(w->owner, w->rfd);
		w->registered = false;
		w->remove_self = false;
	}
	return 1;
}

static void
source_register(struct writer *w, struct spdk_fd_group *g, spdk_fd_fn fn)
{
	struct spdk_event_handler_opts opts;

	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	if (w->kind == SRC_EVENTFD_TYPE && fn == ping_handler) {
		opts.fd_type = SPDK_FD_TYPE_EVENTFD;
	}
	if (w->kind == SRC_EDGE) {
		opts.events = EPOLLIN | EPOLLET;
	}
	ASSERT_EQ(spdk_fd_group_add_ext(g, w->rfd, fn, w, "stress", &opts), 0);
	w->owner = g;
	w->registered = true;
}

static void
setup(struct ctx *c, spdk_fd_fn fn)
{
	int i;

	memset(c, 0, sizeof(*c));
	ASSERT_EQ(spdk_fd_group_create(&c->root), 0);
	ASSERT_EQ(spdk_fd_group_create(&c->child), 0);
	for (i = 0; i < NUM_WRITERS; i++) {
		source_open(&c->w[i], i);
		/* Odd writers live in the child, nested in the root. */
		source_register(&c->w[i], i % 2 ? c->child : c->root, fn);
	}
	ASSERT_EQ(spdk_fd_group_nest(c->root, c->child), 0);
	c->budget_end_ns = now_ns() + budget_ns();
}

static void
teardown(struct ctx *c)
{
	int i;

	for (i = 0; i < NUM_WRITERS; i++) {
		if (c->w[i].registered) {
			spdk_fd_group_remove(c->w[i].owner, c->w[i].rfd);
		}
		source_close(&c->w[i]);
	}
	if (c->child) {
		ASSERT_EQ(spdk_fd_group_unnest(c->root, c->child), 0);
	}
	spdk_fd_group_destroy(c->child);
	spdk_fd_group_destroy(c->root);
}

/* ---- ping-pong: no lost wake-up ------------------------------------------------ */

struct writer_arg {
	struct ctx	*c;
	struct writer	*w;
};

static void *
ping_writer(void *arg)
{
	struct writer_arg *a = arg;
	struct writer *w = a->w;
	/* A wake-up is late, not lost, for this long (sanitizers, a noisy VM). */
	uint64_t patience = 10ull * 1000000000ull * pw_test_timeout_scale();
	uint64_t k, start;

	for (k = 1; k <= PING_ROUNDS && now_ns() < a->c->budget_end_ns; k++) {
		/* Pairs with the acquire load in ping_handler(). */
		__atomic_store_n(&w->sent, k, __ATOMIC_RELEASE);
		source_signal(w, 1);
		start = now_ns();
		/* Pairs with the release store in ping_handler(). */
		while (__atomic_load_n(&w->acked, __ATOMIC_ACQUIRE) < k) {
			if (now_ns() - start > patience) {
				FAIL("writer %d (kind %d): no handler call for write %" PRIu64
				     " after %" PRIu64 " ms: lost wake-up", w->idx, (int)w->kind, k,
				     patience / 1000000);
			}
			sched_yield();
		}
	}
	/* Pairs with the acquire load in the waiter's loop. */
	__atomic_store_n(&w->written, k - 1, __ATOMIC_RELEASE);
	__atomic_fetch_add(&a->c->writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

TEST_TIMEOUT(ping_pong_no_lost_wakeup, 120)
{
	struct ctx c;
	struct writer_arg args[NUM_WRITERS];
	pthread_t t[NUM_WRITERS];
	uint64_t rounds = 0;
	int i, rc;

	setup(&c, ping_handler);
	for (i = 0; i < NUM_WRITERS; i++) {
		args[i].c = &c;
		args[i].w = &c.w[i];
		ASSERT_EQ(pthread_create(&t[i], NULL, ping_writer, &args[i]), 0);
	}
	/* Sleep in the wait (as a reactor would), never busy-poll. */
	while (__atomic_load_n(&c.writers_done, __ATOMIC_ACQUIRE) < NUM_WRITERS) {
		rc = spdk_fd_group_wait(c.root, 100);
		ASSERT_GE(rc, 0);
		ASSERT_LE(rc, NUM_WRITERS);
	}
	for (i = 0; i < NUM_WRITERS; i++) {
		pthread_join(t[i], NULL);
		rounds += c.w[i].written;
		/* Every round needed at least one handler call of its own. */
		ASSERT_GE(c.w[i].handler_calls, c.w[i].written);
		ASSERT_GT(c.w[i].written, 0);
	}
	printf("ping-pong rounds: %" PRIu64 "\n", rounds);
	teardown(&c);
}

/* ---- exact counts while the waiter churns the group -------------------------- */

static void *
count_writer(void *arg)
{
	struct writer_arg *a = arg;
	struct writer *w = a->w;
	uint64_t k, v, sum = 0;

	for (k = 0; k < COUNT_WRITES; k++) {
		if ((k & 255) == 0 && now_ns() >= a->c->budget_end_ns) {
			break;
		}
		v = w->kind == SRC_PIPE ? 1 : (k % 7) + 1;
		source_signal(w, v);
		sum += v;
		if ((k & 63) == 0) {
			sched_yield();
		}
	}
	/* Pairs with the acquire loads in the waiter. */
	__atomic_store_n(&w->written, sum, __ATOMIC_RELEASE);
	__atomic_fetch_add(&a->c->writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t
total_drained(struct ctx *c)
{
	uint64_t s = 0;
	int i;

	for (i = 0; i < NUM_WRITERS; i++) {
		s += c->w[i].drained;
	}
	return s;
}

/* Between two waits: change the group's shape while writers keep writing. */
static void
churn(struct ctx *c, uint64_t round)
{
	struct writer *w = &c->w[round % NUM_WRITERS];

	switch (round % 5) {
	case 0:
		/* Remove and re-add one source: its pending count stays in
		 * the fd, so nothing may be lost. */
		if (w->registered) {
			spdk_fd_group_remove(w->owner, w->rfd);
			w->registered = false;
		}
		source_register(w, w->idx % 2 ? c->child : c->root, count_handler);
		break;
	case 1:
		if (c->child) {
			ASSERT_EQ(spdk_fd_group_unnest(c->root, c->child), 0);
			/* Alone now: its own wait sees its fds. */
			ASSERT_GE(spdk_fd_group_wait(c->child, 0), 0);
			ASSERT_EQ(spdk_fd_group_nest(c->root, c->child), 0);
		}
		break;
	case 2:
		/* The handler removes its own fd on its next call. */
		if (w->registered) {
			w->remove_self = true;
		}
		break;
	default:
		break;
	}
	/* Whatever a handler removed comes back. */
	for (int i = 0; i < NUM_WRITERS; i++) {
		if (!c->w[i].registered) {
			c->w[i].remove_self = false;
			source_register(&c->w[i], i % 2 ? c->child : c->root, count_handler);
		}
	}
}

TEST_TIMEOUT(counts_exact_under_churn, 120)
{
	struct ctx c;
	struct writer_arg args[NUM_WRITERS];
	pthread_t t[NUM_WRITERS];
	uint64_t expected = 0, round = 0, start;
	uint64_t patience = 10ull * 1000000000ull * pw_test_timeout_scale();
	int i, rc;

	setup(&c, count_handler);
	for (i = 0; i < NUM_WRITERS; i++) {
		args[i].c = &c;
		args[i].w = &c.w[i];
		ASSERT_EQ(pthread_create(&t[i], NULL, count_writer, &args[i]), 0);
	}
	while (__atomic_load_n(&c.writers_done, __ATOMIC_ACQUIRE) < NUM_WRITERS) {
		rc = spdk_fd_group_wait(c.root, 50);
		ASSERT_GE(rc, 0);
		churn(&c, round++);
	}
	for (i = 0; i < NUM_WRITERS; i++) {
		pthread_join(t[i], NULL);
		expected += __atomic_load_n(&c.w[i].written, __ATOMIC_ACQUIRE);
	}
	/* Everything written is readable now: waits must collect all of it,
	 * each one reporting something until the sum is reached. */
	start = now_ns();
	while (total_drained(&c) < expected) {
		rc = spdk_fd_group_wait(c.root, 1000);
		ASSERT_GE(rc, 0);
		if (rc == 0 || now_ns() - start > patience) {
			FAIL("drained %" PRIu64 " of %" PRIu64 " and the group reports nothing more",
			     total_drained(&c), expected);
		}
	}
	ASSERT_EQ(total_drained(&c), expected);
	/* And nothing more appears. */
	ASSERT_EQ(spdk_fd_group_wait(c.root, 0), 0);
	for (i = 0; i < NUM_WRITERS; i++) {
		ASSERT_GT(c.w[i].handler_calls, 0);
	}
	printf("counted %" PRIu64 " in %" PRIu64 " churn rounds\n", expected, round);
	teardown(&c);
}

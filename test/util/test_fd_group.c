/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk/fd_group.h on one pthread, with real eventfds and pipes:
 * handlers and their args, the count a wait returns, timeouts, the eventfd fd
 * type, level/edge/one-shot event types, event_modify, removal from inside a
 * handler (self, another fd, remove and re-add, destroy of the whole group),
 * nesting over several levels, wrappers, the epoll event seen by a handler,
 * re-entrant waits, groups of more than 64 fds, and every misuse (each must
 * log a clear error and leave the group usable). Concurrent writers are
 * covered by stress_fd_group.
 */

#include "spdk/stdinc.h"
#include "spdk/fd_group.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "harness.h"
#include "log_capture.h"

/* ---- helpers --------------------------------------------------------------- */

struct counter {
	int	calls;
	void	*last_arg;
};

static struct spdk_fd_group *
new_group(void)
{
	struct spdk_fd_group *fgrp = NULL;

	ASSERT_EQ(spdk_fd_group_create(&fgrp), 0);
	ASSERT_NOT_NULL(fgrp);
	return fgrp;
}

static int
new_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	ASSERT_GE(fd, 0);
	return fd;
}

static void
efd_write(int fd, uint64_t v)
{
	ASSERT_EQ(write(fd, &v, sizeof(v)), (ssize_t)sizeof(v));
}

/* The counter of a non-blocking eventfd, cleared by the read; 0 when empty. */
static uint64_t
efd_take(int fd)
{
	uint64_t v = 0;
	ssize_t n = read(fd, &v, sizeof(v));

	if (n < 0) {
		ASSERT_EQ(errno, EAGAIN);
		return 0;
	}
	ASSERT_EQ(n, (ssize_t)sizeof(v));
	return v;
}

/* Counts its calls and remembers its arg. */
static int
count_cb(void *ctx)
{
	struct counter *c = ctx;

	c->calls++;
	c->last_arg = ctx;
	return 1;
}

/* Like count_cb, and empties the eventfd stored after the counter. */
struct drain_ctx {
	struct counter	c;
	int		fd;
	uint64_t	total;
};

static int
drain_cb(void *ctx)
{
	struct drain_ctx *d = ctx;

	d->c.calls++;
	d->total += efd_take(d->fd);
	return 1;
}

static void
add_or_die(struct spdk_fd_group *fgrp, int fd, struct counter *c)
{
	ASSERT_EQ(spdk_fd_group_add(fgrp, fd, count_cb, c, "count_cb"), 0);
}

static void
add_eventfd_type(struct spdk_fd_group *fgrp, int fd, uint32_t events, spdk_fd_fn fn, void *arg)
{
	struct spdk_event_handler_opts opts;

	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	opts.events = events;
	opts.fd_type = SPDK_FD_TYPE_EVENTFD;
	ASSERT_EQ(spdk_fd_group_add_ext(fgrp, fd, fn, arg, "efd", &opts), 0);
}

/* ---- create, destroy, get_fd ---------------------------------------------------- */

TEST(create_gives_an_epoll_fd_and_destroys)
{
	struct spdk_fd_group *a = new_group(), *b = new_group();
	struct epoll_event ev = { .events = EPOLLIN };
	int efd = new_eventfd();
	int epfd = spdk_fd_group_get_fd(a);

	ASSERT_GE(epfd, 0);
	ASSERT_NE(epfd, spdk_fd_group_get_fd(b));
	/* It is a real epoll instance, close-on-exec. */
	ASSERT_EQ(epoll_ctl(epfd, EPOLL_CTL_ADD, efd, &ev), 0);
	ASSERT_EQ(epoll_ctl(epfd, EPOLL_CTL_DEL, efd, NULL), 0);
	ASSERT_TRUE(fcntl(epfd, F_GETFD) & FD_CLOEXEC);

	spdk_fd_group_destroy(a);
	spdk_fd_group_destroy(b);
	/* The epoll fd was closed. */
	ASSERT_EQ(fcntl(epfd, F_GETFD), -1);
	close(efd);
}

TEST(create_and_get_fd_misuse)
{
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_create(NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("spdk_fd_group_create: the result pointer is NULL"));
	ASSERT_EQ(spdk_fd_group_get_fd(NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("spdk_fd_group_get_fd: the fd group is NULL"));
	spdk_fd_group_destroy(NULL);
	ASSERT_TRUE(log_capture_contains("spdk_fd_group_destroy: the fd group is NULL"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	log_capture_stop();
}

TEST(destroy_refuses_group_with_fds)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c = {0};
	int efd = new_eventfd();

	ASSERT_EQ(spdk_fd_group_add(fgrp, efd, count_cb, &c, "my_source"), 0);
	log_capture_start();
	spdk_fd_group_destroy(fgrp);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	ASSERT_TRUE(log_capture_contains("1 fds are still in it"));
	ASSERT_TRUE(log_capture_contains("my_source"));
	log_capture_stop();

	/* Still fully usable. */
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 1);
	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(efd);
}

TEST(destroy_refuses_nested_group_and_parent)
{
	struct spdk_fd_group *parent = new_group(), *child = new_group();
	struct counter c = {0};
	int efd = new_eventfd();

	ASSERT_EQ(spdk_fd_group_nest(parent, child), 0);
	log_capture_start();
	spdk_fd_group_destroy(child);
	ASSERT_TRUE(log_capture_contains("it is nested in fd group"));
	spdk_fd_group_destroy(parent);
	ASSERT_TRUE(log_capture_contains("is nested in it; unnest it first"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();

	/* Both still work: an fd added to the child fires through the parent. */
	add_or_die(child, efd, &c);
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 1);
	ASSERT_EQ(c.calls, 1);
	spdk_fd_group_remove(child, efd);
	ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);
	spdk_fd_group_destroy(child);
	spdk_fd_group_destroy(parent);
	close(efd);
}

/* ---- add and wait ------------------------------------------------------------------ */

TEST(wait_calls_handler_with_its_arg)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c1 = {0}, c2 = {0};
	int e1 = new_eventfd(), e2 = new_eventfd();

	add_or_die(fgrp, e1, &c1);
	ASSERT_EQ(SPDK_FD_GROUP_ADD(fgrp, e2, count_cb, &c2), 0);

	efd_write(e2, 7);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c1.calls, 0);
	ASSERT_EQ(c2.calls, 1);
	ASSERT_PTR_EQ(c2.last_arg, &c2);

	/* A DEFAULT fd is not read by the group: still ready (level-triggered). */
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c2.calls, 2);
	ASSERT_EQ(efd_take(e2), 7);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(c2.calls, 2);

	spdk_fd_group_remove(fgrp, e1);
	spdk_fd_group_remove(fgrp, e2);
	spdk_fd_group_destroy(fgrp);
	close(e1);
	close(e2);
}

TEST(wait_returns_number_of_ready_fds)
{
	struct spdk_fd_group *fgrp = new_group();
	struct drain_ctx d[5];
	int i;

	for (i = 0; i < 5; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		d[i].fd = new_eventfd();
		ASSERT_EQ(spdk_fd_group_add(fgrp, d[i].fd, drain_cb, &d[i], "drain"), 0);
	}
	efd_write(d[0].fd, 1);
	efd_write(d[2].fd, 2);
	efd_write(d[4].fd, 3);
	efd_write(d[4].fd, 4);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 3);
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(d[i].c.calls, (i % 2 == 0) ? 1 : 0);
	}
	ASSERT_EQ(d[0].total, 1);
	ASSERT_EQ(d[2].total, 2);
	ASSERT_EQ(d[4].total, 7);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);

	for (i = 0; i < 5; i++) {
		spdk_fd_group_remove(fgrp, d[i].fd);
		close(d[i].fd);
	}
	spdk_fd_group_destroy(fgrp);
}

TEST(wait_timeout_zero_returns_at_once)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c = {0};
	struct timespec t0, t1;
	int efd = new_eventfd();

	/* Empty group: 0 at once, and a short timeout just sleeps. */
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 5), 0);

	add_or_die(fgrp, efd, &c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(c.calls, 0);
	/* Not a timing assertion: "at once" means it did not block for a
	 * whole second, which only a broken timeout would do. */
	ASSERT_LT(t1.tv_sec - t0.tv_sec, 2);
	/* A positive timeout with nothing ready also returns 0. */
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 10), 0);
	ASSERT_EQ(c.calls, 0);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(efd);
}

TEST(wait_forever_on_empty_group_refused)
{
	struct spdk_fd_group *fgrp = new_group();

	log_capture_start();
	ASSERT_EQ(spdk_fd_group_wait(fgrp, -1), -EINVAL);
	ASSERT_TRUE(log_capture_contains("holds no fd"));
	ASSERT_EQ(spdk_fd_group_wait(NULL, 0), -EINVAL);
	ASSERT_TRUE(log_capture_contains("spdk_fd_group_wait: the fd group is NULL"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();
	spdk_fd_group_destroy(fgrp);
}

static void *
write_42_later(void *arg)
{
	int fd = *(int *)arg;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	efd_write(fd, 42);
	return NULL;
}

TEST(wait_blocks_until_another_thread_writes)
{
	struct spdk_fd_group *fgrp = new_group();
	struct drain_ctx d = {0};
	pthread_t t;

	d.fd = new_eventfd();
	ASSERT_EQ(spdk_fd_group_add(fgrp, d.fd, drain_cb, &d, "drain"), 0);
	/* The writer sleeps a little so the wait is likely asleep; either way
	 * the wait must return exactly this event. */
	ASSERT_EQ(pthread_create(&t, NULL, write_42_later, &d.fd), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, -1), 1);
	ASSERT_EQ(d.c.calls, 1);
	ASSERT_EQ(d.total, 42);
	pthread_join(t, NULL);

	spdk_fd_group_remove(fgrp, d.fd);
	spdk_fd_group_destroy(fgrp);
	close(d.fd);
}

static void
on_sigusr1(int sig)
{
	(void)sig;
}

static pthread_t g_main_thread;
static int g_stop_signals;

/* Signals the main thread until it says its wait returned, so that a
 * signal that lands before epoll_wait() starts cannot leave it blocked. */
static void *
signal_main_thread(void *arg)
{
	struct timespec ts = { 0, 30 * 1000 * 1000 };

	(void)arg;
	/* Pairs with the release store in the test once the wait returned. */
	while (!__atomic_load_n(&g_stop_signals, __ATOMIC_ACQUIRE)) {
		nanosleep(&ts, NULL);
		pthread_kill(g_main_thread, SIGUSR1);
	}
	return NULL;
}

TEST(wait_interrupted_by_signal_returns_eintr_quietly)
{
	struct spdk_fd_group *fgrp = new_group();
	struct sigaction sa;
	struct counter c = {0};
	pthread_t t;
	int efd = new_eventfd();

	g_main_thread = pthread_self();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;	/* no SA_RESTART; epoll_wait never restarts anyway */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	add_or_die(fgrp, efd, &c);

	log_capture_start();
	ASSERT_EQ(pthread_create(&t, NULL, signal_main_thread, NULL), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, -1), -EINTR);
	/* Pairs with the acquire load in signal_main_thread(). */
	__atomic_store_n(&g_stop_signals, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ASSERT_EQ(log_capture_total(), 0);
	log_capture_stop();
	ASSERT_EQ(c.calls, 0);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(efd);
}

/* ---- pipes and epoll events ------------------------------------------------------- */

struct pipe_ctx {
	int		rfd;
	int		calls;
	uint32_t	seen;
	char		buf[16];
	ssize_t		got;
	int		get_rc;
};

static int
pipe_cb(void *ctx)
{
	struct pipe_ctx *p = ctx;
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	p->calls++;
	p->get_rc = spdk_fd_group_get_epoll_event(&ev);
	p->seen = ev.events;
	if (ev.events & EPOLLIN) {
		p->got = read(p->rfd, p->buf, sizeof(p->buf));
	}
	return 1;
}

TEST(pipe_read_end_reports_in_then_hup)
{
	struct spdk_fd_group *fgrp = new_group();
	struct pipe_ctx p = {0};
	int fds[2];

	ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	p.rfd = fds[0];
	ASSERT_EQ(spdk_fd_group_add(fgrp, fds[0], pipe_cb, &p, "pipe_cb"), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);

	ASSERT_EQ(write(fds[1], "abc", 3), 3);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(p.calls, 1);
	ASSERT_EQ(p.get_rc, 0);
	ASSERT_EQ(p.seen, EPOLLIN);
	ASSERT_EQ(p.got, 3);
	ASSERT_EQ(memcmp(p.buf, "abc", 3), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);

	/* Closing the write end reports a hang-up. */
	close(fds[1]);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(p.calls, 2);
	ASSERT_TRUE(p.seen & EPOLLHUP);

	spdk_fd_group_remove(fgrp, fds[0]);
	spdk_fd_group_destroy(fgrp);
	close(fds[0]);
}

TEST(get_epoll_event_outside_handler_refused)
{
	struct epoll_event ev;

	log_capture_start();
	ASSERT_EQ(spdk_fd_group_get_epoll_event(&ev), -EINVAL);
	ASSERT_TRUE(log_capture_contains("no fd group handler is running"));
	ASSERT_EQ(spdk_fd_group_get_epoll_event(NULL), -EINVAL);
	ASSERT_TRUE(log_capture_contains("event is NULL"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();
}

/* ---- the eventfd fd type -------------------------------------------------------- */

TEST(eventfd_type_clears_counter_before_handler)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c = {0};
	int efd = eventfd(0, EFD_CLOEXEC);	/* blocking on purpose */
	uint64_t v;

	ASSERT_GE(efd, 0);
	add_eventfd_type(fgrp, efd, EPOLLIN, count_cb, &c);
	/* The group made it non-blocking so that clearing can never block. */
	ASSERT_TRUE(fcntl(efd, F_GETFL) & O_NONBLOCK);

	efd_write(efd, 5);
	efd_write(efd, 6);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 1);
	ASSERT_EQ(read(efd, &v, sizeof(v)), -1);
	ASSERT_EQ(errno, EAGAIN);
	/* Cleared, so level-triggered epoll has nothing more to say. */
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(c.calls, 1);

	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 2);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(efd);
}

/* Reads the eventfd of another source before that source's turn. */
struct stealer {
	struct counter	c;
	int		victim_fd;
	struct counter	*victim;
	uint64_t	stolen;
	bool		victim_ran_first;
};

static int
steal_cb(void *ctx)
{
	struct stealer *s = ctx;

	s->c.calls++;
	s->victim_ran_first = s->victim->calls > 0;
	s->stolen = efd_take(s->victim_fd);
	return 1;
}

TEST(eventfd_type_already_cleared_skips_handler)
{
	struct spdk_fd_group *fgrp = new_group();
	struct stealer s = {0};
	struct counter victim = {0};
	int efd = new_eventfd(), trigger = new_eventfd();

	s.victim_fd = efd;
	s.victim = &victim;
	ASSERT_EQ(spdk_fd_group_add(fgrp, trigger, steal_cb, &s, "steal_cb"), 0);
	add_eventfd_type(fgrp, efd, EPOLLIN, count_cb, &victim);

	/* epoll reports fds in the order they became ready. */
	efd_write(trigger, 1);
	efd_write(efd, 9);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 2);
	ASSERT_EQ(s.c.calls, 1);
	ASSERT_FALSE(s.victim_ran_first);
	ASSERT_EQ(s.stolen, 9);
	/* Its counter was already 0 on its turn: no call, no error. */
	ASSERT_EQ(victim.calls, 0);

	spdk_fd_group_remove(fgrp, trigger);
	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(trigger);
	close(efd);
}

TEST(eventfd_type_read_failure_still_runs_batch)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter bad = {0}, good = {0};
	int fds[2], efd = new_eventfd();

	ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	/* A pipe's write end labelled as an eventfd: always writable, and
	 * reading it fails with EBADF. */
	add_eventfd_type(fgrp, fds[1], EPOLLOUT, count_cb, &bad);
	add_or_die(fgrp, efd, &good);
	efd_write(efd, 1);

	log_capture_start();
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), -EBADF);
	ASSERT_TRUE(log_capture_contains("cannot clear eventfd"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	ASSERT_EQ(bad.calls, 0);
	ASSERT_EQ(good.calls, 1);

	/* A short read (a pipe read end labelled as an eventfd) is refused too. */
	spdk_fd_group_remove(fgrp, fds[1]);
	spdk_fd_group_remove(fgrp, efd);
	add_eventfd_type(fgrp, fds[0], EPOLLIN, count_cb, &bad);
	ASSERT_EQ(write(fds[1], "xyz", 3), 3);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), -EINVAL);
	ASSERT_TRUE(log_capture_contains("is it really an eventfd?"));
	log_capture_stop();
	ASSERT_EQ(bad.calls, 0);

	spdk_fd_group_remove(fgrp, fds[0]);
	spdk_fd_group_destroy(fgrp);
	close(fds[0]);
	close(fds[1]);
	close(efd);
}

/* ---- event types ------------------------------------------------------------------ */

TEST(edge_triggered_reports_each_new_write_once)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c = {0}, ce = {0};
	int efd = new_eventfd(), efd2 = new_eventfd();

	/* DEFAULT type, handler does not read: edge-triggered reports only
	 * new writes, level-triggered would report every wait. */
	ASSERT_EQ(spdk_fd_group_add_for_events(fgrp, efd, EPOLLIN | EPOLLET, count_cb, &c, "et"),
		  0);
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(c.calls, 1);
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 2);
	ASSERT_EQ(efd_take(efd), 2);

	/* EVENTFD type with EPOLLET: cleared and reported once per write burst. */
	add_eventfd_type(fgrp, efd2, EPOLLIN | EPOLLET, count_cb, &ce);
	efd_write(efd2, 3);
	efd_write(efd2, 4);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(ce.calls, 1);
	ASSERT_EQ(efd_take(efd2), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_remove(fgrp, efd2);
	spdk_fd_group_destroy(fgrp);
	close(efd);
	close(efd2);
}

TEST(oneshot_rearmed_by_event_modify)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c = {0};
	int efd = new_eventfd();

	ASSERT_EQ(spdk_fd_group_add_for_events(fgrp, efd, EPOLLIN | EPOLLONESHOT, count_cb, &c,
					       "oneshot"), 0);
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(c.calls, 1);
	ASSERT_EQ(spdk_fd_group_event_modify(fgrp, efd, EPOLLIN | EPOLLONESHOT), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 2);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(efd);
}

TEST(event_modify_to_epollout_and_back)
{
	struct spdk_fd_group *fgrp = new_group();
	struct pipe_ctx p = {0};
	int fds[2];

	ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	/* The write end is never readable, but writable at once. */
	ASSERT_EQ(spdk_fd_group_add(fgrp, fds[1], pipe_cb, &p, "writer"), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);

	ASSERT_EQ(spdk_fd_group_event_modify(fgrp, fds[1], EPOLLOUT), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(p.calls, 1);
	ASSERT_EQ(p.seen, EPOLLOUT);

	ASSERT_EQ(spdk_fd_group_event_modify(fgrp, fds[1], EPOLLIN), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(p.calls, 1);

	/* Added for EPOLLOUT directly. */
	spdk_fd_group_remove(fgrp, fds[1]);
	ASSERT_EQ(spdk_fd_group_add_for_events(fgrp, fds[1], EPOLLOUT, pipe_cb, &p, "w"), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(p.calls, 2);

	spdk_fd_group_remove(fgrp, fds[1]);
	spdk_fd_group_destroy(fgrp);
	close(fds[0]);
	close(fds[1]);
}

TEST(event_modify_misuse)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c = {0};
	int efd = new_eventfd(), other = new_eventfd();

	add_or_die(fgrp, efd, &c);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_event_modify(NULL, efd, EPOLLIN), -EINVAL);
	ASSERT_TRUE(log_capture_contains("spdk_fd_group_event_modify: the fd group is NULL"));
	ASSERT_EQ(spdk_fd_group_event_modify(fgrp, -3, EPOLLIN), -EINVAL);
	ASSERT_TRUE(log_capture_contains("cannot modify fd -3: negative fd"));
	ASSERT_EQ(spdk_fd_group_event_modify(fgrp, other, EPOLLIN), -EINVAL);
	ASSERT_TRUE(log_capture_contains("it is not in this group"));
	/* The kernel refuses EPOLLEXCLUSIVE on a modification: -EINVAL, and
	 * the old event types stay in force. */
	ASSERT_EQ(spdk_fd_group_event_modify(fgrp, efd, EPOLLOUT | EPOLLEXCLUSIVE), -EINVAL);
	ASSERT_TRUE(log_capture_contains("cannot set events"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 4);
	log_capture_stop();

	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);	/* EPOLLOUT was not applied */
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 1);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(efd);
	close(other);
}

/* ---- options --------------------------------------------------------------------- */

TEST(default_opts_respect_opts_size)
{
	struct spdk_event_handler_opts opts;

	memset(&opts, 0xa5, sizeof(opts));
	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	ASSERT_EQ(opts.opts_size, sizeof(opts));
	ASSERT_EQ(opts.events, EPOLLIN);
	ASSERT_EQ(opts.fd_type, SPDK_FD_TYPE_DEFAULT);

	/* An older caller that knows only opts_size and events. */
	memset(&opts, 0xa5, sizeof(opts));
	spdk_fd_group_get_default_event_handler_opts(&opts, offsetof(struct spdk_event_handler_opts,
			fd_type));
	ASSERT_EQ(opts.opts_size, offsetof(struct spdk_event_handler_opts, fd_type));
	ASSERT_EQ(opts.events, EPOLLIN);
	ASSERT_EQ(opts.fd_type, 0xa5a5a5a5u);

	log_capture_start();
	spdk_fd_group_get_default_event_handler_opts(NULL, sizeof(opts));
	ASSERT_TRUE(log_capture_contains("opts is NULL"));
	memset(&opts, 0xa5, sizeof(opts));
	spdk_fd_group_get_default_event_handler_opts(&opts, 0);
	ASSERT_TRUE(log_capture_contains("opts_size is 0"));
	ASSERT_EQ(opts.events, 0xa5a5a5a5u);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 2);
	log_capture_stop();
}

TEST(add_ext_null_or_old_opts_take_defaults)
{
	struct spdk_fd_group *fgrp = new_group();
	struct spdk_event_handler_opts opts;
	struct counter c1 = {0}, c2 = {0};
	int e1 = new_eventfd(), e2 = new_eventfd();

	/* NULL opts: EPOLLIN, DEFAULT (the group does not clear the counter). */
	ASSERT_EQ(SPDK_FD_GROUP_ADD_EXT(fgrp, e1, count_cb, &c1, NULL), 0);
	/* An old caller's opts end before fd_type: the garbage there is ignored. */
	memset(&opts, 0, sizeof(opts));
	opts.opts_size = offsetof(struct spdk_event_handler_opts, fd_type);
	opts.events = EPOLLIN;
	opts.fd_type = 0x77;
	ASSERT_EQ(spdk_fd_group_add_ext(fgrp, e2, count_cb, &c2, "old", &opts), 0);

	efd_write(e1, 3);
	efd_write(e2, 4);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 2);
	ASSERT_EQ(c1.calls, 1);
	ASSERT_EQ(c2.calls, 1);
	ASSERT_EQ(efd_take(e1), 3);
	ASSERT_EQ(efd_take(e2), 4);

	spdk_fd_group_remove(fgrp, e1);
	spdk_fd_group_remove(fgrp, e2);
	spdk_fd_group_destroy(fgrp);
	close(e1);
	close(e2);
}

/* ---- add misuse ---------------------------------------------------------------- */

TEST(add_misuse_logged_and_refused)
{
	struct spdk_fd_group *fgrp = new_group();
	struct spdk_event_handler_opts opts;
	struct counter c = {0};
	int efd = new_eventfd(), closed = new_eventfd(), file_fd;
	char path[] = "/tmp/pw_fd_group_XXXXXX";

	file_fd = mkstemp(path);
	ASSERT_GE(file_fd, 0);
	unlink(path);
	close(closed);

	log_capture_start();
	ASSERT_EQ(spdk_fd_group_add(NULL, efd, count_cb, &c, "x"), -EINVAL);
	ASSERT_TRUE(log_capture_contains("spdk_fd_group_add_ext: the fd group is NULL"));
	ASSERT_EQ(spdk_fd_group_add(fgrp, -1, count_cb, &c, "neg"), -EINVAL);
	ASSERT_TRUE(log_capture_contains("cannot add fd -1 (neg): negative fd"));
	ASSERT_EQ(spdk_fd_group_add(fgrp, efd, NULL, &c, "nofn"), -EINVAL);
	ASSERT_TRUE(log_capture_contains("the handler function is NULL"));
	ASSERT_EQ(spdk_fd_group_add(fgrp, closed, count_cb, &c, "closed"), -EBADF);
	ASSERT_TRUE(log_capture_contains("cannot add fd"));
	ASSERT_EQ(spdk_fd_group_add(fgrp, file_fd, count_cb, &c, "file"), -EPERM);
	/* Its own epoll fd cannot watch itself. */
	ASSERT_EQ(spdk_fd_group_add(fgrp, spdk_fd_group_get_fd(fgrp), count_cb, &c, "self"),
		  -EINVAL);

	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	opts.opts_size = 0;
	ASSERT_EQ(spdk_fd_group_add_ext(fgrp, efd, count_cb, &c, "sz0", &opts), -EINVAL);
	ASSERT_TRUE(log_capture_contains("opts->opts_size is 0"));
	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	opts.fd_type = 7;
	ASSERT_EQ(spdk_fd_group_add_ext(fgrp, efd, count_cb, &c, "t7", &opts), -EINVAL);
	ASSERT_TRUE(log_capture_contains("unknown fd_type 7"));
	opts.fd_type = SPDK_FD_TYPE_EVENTFD;
	ASSERT_EQ(spdk_fd_group_add_ext(fgrp, closed, count_cb, &c, "ecl", &opts), -EBADF);
	ASSERT_TRUE(log_capture_contains("cannot add eventfd"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 9);
	log_capture_stop();

	/* None of that left anything behind: the group is empty. */
	spdk_fd_group_destroy(fgrp);
	fgrp = new_group();
	ASSERT_EQ(spdk_fd_group_add(fgrp, efd, count_cb, &c, "first"), 0);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_add(fgrp, file_fd, count_cb, &c, "file"), -EPERM);
	ASSERT_TRUE(log_capture_contains("cannot add fd"));
	log_capture_stop();
	/* The failed add did not disturb the fd already there. */
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 1);
	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(efd);
	close(file_fd);
}

TEST(add_duplicate_fd_refused_and_named)
{
	struct spdk_fd_group *fgrp = new_group(), *other = new_group();
	struct counter c1 = {0}, c2 = {0}, c3 = {0};
	char long_name[300];
	int efd = new_eventfd(), e2 = new_eventfd();

	ASSERT_EQ(SPDK_FD_GROUP_ADD(fgrp, efd, count_cb, &c1), 0);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_add(fgrp, efd, count_cb, &c2, "second"), -EEXIST);
	/* The message names the handler already there (the macro's name). */
	ASSERT_TRUE(log_capture_contains("is already in the group (handler count_cb)"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();

	/* The same fd in another, unrelated group is fine (two epoll sets). */
	add_or_die(other, efd, &c3);
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(spdk_fd_group_wait(other, 0), 1);
	ASSERT_EQ(c1.calls, 1);
	ASSERT_EQ(c2.calls, 0);
	ASSERT_EQ(c3.calls, 1);

	/* Names longer than 256 characters are cut at 256; NULL is allowed. */
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	ASSERT_EQ(spdk_fd_group_add(fgrp, e2, count_cb, &c2, long_name), 0);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_add(fgrp, e2, count_cb, &c2, NULL), -EEXIST);
	long_name[256] = '\0';
	ASSERT_TRUE(log_capture_contains(long_name));
	long_name[256] = 'n';
	long_name[257] = '\0';
	ASSERT_FALSE(log_capture_contains(long_name));
	log_capture_stop();
	spdk_fd_group_remove(fgrp, e2);
	ASSERT_EQ(spdk_fd_group_add(fgrp, e2, count_cb, &c2, NULL), 0);

	spdk_fd_group_remove(fgrp, e2);
	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_remove(other, efd);
	spdk_fd_group_destroy(fgrp);
	spdk_fd_group_destroy(other);
	close(efd);
	close(e2);
}

/* ---- remove -------------------------------------------------------------------------- */

TEST(remove_stops_calls_and_misuse_is_logged)
{
	struct spdk_fd_group *fgrp = new_group(), *other = new_group();
	struct counter c = {0};
	int efd = new_eventfd(), stranger = new_eventfd();

	add_or_die(fgrp, efd, &c);
	efd_write(efd, 1);
	spdk_fd_group_remove(fgrp, efd);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(c.calls, 0);

	log_capture_start();
	spdk_fd_group_remove(fgrp, efd);	/* twice */
	ASSERT_TRUE(log_capture_contains("cannot remove fd"));
	ASSERT_TRUE(log_capture_contains("it is not in this group"));
	spdk_fd_group_remove(fgrp, stranger);
	spdk_fd_group_remove(NULL, efd);
	ASSERT_TRUE(log_capture_contains("spdk_fd_group_remove: the fd group is NULL"));
	spdk_fd_group_remove(fgrp, -1);
	ASSERT_TRUE(log_capture_contains("cannot remove fd -1: negative fd"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 4);
	log_capture_stop();

	/* Removing through the wrong group leaves the real owner's fd alone. */
	add_or_die(fgrp, efd, &c);
	log_capture_start();
	spdk_fd_group_remove(other, efd);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 1);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	spdk_fd_group_destroy(other);
	close(efd);
	close(stranger);
}

TEST(remove_fd_closed_first_still_drops_handler)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c1 = {0}, c2 = {0};
	int e1 = new_eventfd(), e2 = new_eventfd(), dup2fd;

	add_or_die(fgrp, e1, &c1);
	add_or_die(fgrp, e2, &c2);
	/* e2: closed while a dup keeps the eventfd open, so epoll still holds
	 * the registration and reports it. e1: closed with no other
	 * descriptor, so epoll forgot it. (dup first, so that it cannot take
	 * e1's number.) */
	dup2fd = dup(e2);
	ASSERT_GE(dup2fd, 0);
	close(e1);
	close(e2);

	log_capture_start();
	spdk_fd_group_remove(fgrp, e1);
	spdk_fd_group_remove(fgrp, e2);
	ASSERT_EQ(log_capture_count_matching("was closed before being removed"), 2);
	log_capture_stop();

	/* The stale registration fires but the dropped handler is not called. */
	efd_write(dup2fd, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c2.calls, 0);
	/* The group is empty, so it can be destroyed (ASan: nothing leaks). */
	spdk_fd_group_destroy(fgrp);
	close(dup2fd);
	ASSERT_EQ(c1.calls, 0);
}

TEST(remove_fd_number_reused_before_removal)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter c = {0}, c2 = {0};
	int efd = new_eventfd(), reused;

	add_or_die(fgrp, efd, &c);
	/* Closed, and its number handed out again to another eventfd. */
	close(efd);
	reused = new_eventfd();
	ASSERT_EQ(reused, efd);

	log_capture_start();
	spdk_fd_group_remove(fgrp, efd);
	ASSERT_TRUE(log_capture_contains("was no longer registered in epoll"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();

	/* The handler is gone: the new eventfd can be added under that number. */
	add_or_die(fgrp, reused, &c2);
	efd_write(reused, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(c.calls, 0);
	ASSERT_EQ(c2.calls, 1);
	spdk_fd_group_remove(fgrp, reused);
	spdk_fd_group_destroy(fgrp);
	close(reused);
}

/* A handler that removes fds (its own and/or others) while the wait runs. */
struct remover {
	struct spdk_fd_group	*fgrp;
	int			self_fd;
	int			other_fd;
	bool			remove_self;
	bool			remove_other;
	bool			close_other;
	int			calls;
	int			*shared_calls;
};

static int
remover_cb(void *ctx)
{
	struct remover *r = ctx;

	r->calls++;
	if (r->shared_calls) {
		(*r->shared_calls)++;
	}
	if (r->remove_other) {
		spdk_fd_group_remove(r->fgrp, r->other_fd);
		if (r->close_other) {
			close(r->other_fd);
		}
		r->remove_other = false;
	}
	if (r->remove_self) {
		spdk_fd_group_remove(r->fgrp, r->self_fd);
		r->remove_self = false;
	}
	return 1;
}

TEST(remove_self_inside_handler)
{
	struct spdk_fd_group *fgrp = new_group();
	struct remover r = {0};
	int efd = new_eventfd();

	r.fgrp = fgrp;
	r.self_fd = efd;
	r.remove_self = true;
	ASSERT_EQ(spdk_fd_group_add(fgrp, efd, remover_cb, &r, "remover"), 0);
	efd_write(efd, 1);
	/* ASan would flag a use of the handler after it was freed. */
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);
	ASSERT_EQ(r.calls, 1);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(r.calls, 1);
	spdk_fd_group_destroy(fgrp);	/* empty now: no error */
	close(efd);
}

TEST(remove_other_inside_handler_skips_it)
{
	struct spdk_fd_group *fgrp = new_group();
	struct remover a = {0}, b = {0};
	int shared = 0;
	int ea = new_eventfd(), eb = new_eventfd();

	/* Whichever runs first removes (and closes) the other, so exactly one
	 * handler runs although the kernel reported both. */
	a.fgrp = b.fgrp = fgrp;
	a.self_fd = b.other_fd = ea;
	a.other_fd = b.self_fd = eb;
	a.remove_other = b.remove_other = true;
	a.close_other = b.close_other = true;
	a.shared_calls = b.shared_calls = &shared;
	ASSERT_EQ(spdk_fd_group_add(fgrp, ea, remover_cb, &a, "a"), 0);
	add_eventfd_type(fgrp, eb, EPOLLIN, remover_cb, &b);
	efd_write(ea, 1);
	efd_write(eb, 1);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 2);
	/* Nothing tried to read the closed eventfd. */
	ASSERT_EQ(log_capture_total(), 0);
	log_capture_stop();
	ASSERT_EQ(shared, 1);
	ASSERT_EQ(a.calls + b.calls, 1);

	if (a.calls == 1) {
		spdk_fd_group_remove(fgrp, ea);
		close(ea);
	} else {
		spdk_fd_group_remove(fgrp, eb);
		close(eb);
	}
	spdk_fd_group_destroy(fgrp);
}

/* Removes another fd and adds it back with a new handler, mid-wait. */
struct readder {
	struct spdk_fd_group	*fgrp;
	int			fd;
	struct counter		*fresh;
	int			calls;
};

static int
readd_cb(void *ctx)
{
	struct readder *r = ctx;

	r->calls++;
	spdk_fd_group_remove(r->fgrp, r->fd);
	ASSERT_EQ(spdk_fd_group_add(r->fgrp, r->fd, count_cb, r->fresh, "fresh"), 0);
	return 1;
}

TEST(remove_and_readd_inside_handler)
{
	struct spdk_fd_group *fgrp = new_group();
	struct counter old = {0}, fresh = {0};
	struct readder r = {0};
	int trigger = new_eventfd(), efd = new_eventfd();

	r.fgrp = fgrp;
	r.fd = efd;
	r.fresh = &fresh;
	ASSERT_EQ(spdk_fd_group_add(fgrp, trigger, readd_cb, &r, "readd"), 0);
	add_or_die(fgrp, efd, &old);
	efd_write(trigger, 1);
	efd_write(efd, 1);
	/* trigger is reported first (it became ready first). */
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 2);
	ASSERT_EQ(r.calls, 1);
	ASSERT_EQ(old.calls, 0);	/* its event was in the batch, but it was removed */
	ASSERT_EQ(fresh.calls, 0);	/* added after the kernel's report */
	ASSERT_EQ(efd_take(trigger), 1);
	spdk_fd_group_remove(fgrp, trigger);

	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 1);	/* level-triggered: still ready */
	ASSERT_EQ(fresh.calls, 1);
	ASSERT_EQ(old.calls, 0);

	spdk_fd_group_remove(fgrp, efd);
	spdk_fd_group_destroy(fgrp);
	close(trigger);
	close(efd);
}

/* Empties the whole group and destroys it from inside its own wait. */
struct destroyer {
	struct spdk_fd_group	*fgrp;
	int			fds[3];
	int			calls;
};

static int
destroy_cb(void *ctx)
{
	struct destroyer *d = ctx;
	int i;

	d->calls++;
	for (i = 0; i < 3; i++) {
		spdk_fd_group_remove(d->fgrp, d->fds[i]);
	}
	spdk_fd_group_destroy(d->fgrp);
	d->fgrp = NULL;
	return 1;
}

TEST(destroy_group_inside_its_own_wait)
{
	struct destroyer d = {0};
	struct spdk_fd_group *fgrp = new_group();
	int i;

	d.fgrp = fgrp;
	for (i = 0; i < 3; i++) {
		d.fds[i] = new_eventfd();
		ASSERT_EQ(spdk_fd_group_add(fgrp, d.fds[i], destroy_cb, &d, "destroy_cb"), 0);
		efd_write(d.fds[i], 1);
	}
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 3);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	log_capture_stop();
	ASSERT_EQ(d.calls, 1);
	ASSERT_NULL(d.fgrp);
	for (i = 0; i < 3; i++) {
		close(d.fds[i]);
	}
}

/* ---- nesting -------------------------------------------------------------------- */

TEST(nest_child_handlers_run_on_parent_wait)
{
	struct spdk_fd_group *parent = new_group(), *child = new_group();
	struct counter cp = {0}, cc = {0}, cc2 = {0};
	int ep = new_eventfd(), ec = new_eventfd(), ec2 = new_eventfd();
	struct epoll_event ev;

	add_or_die(parent, ep, &cp);
	add_or_die(child, ec, &cc);
	ASSERT_EQ(spdk_fd_group_nest(parent, child), 0);

	efd_write(ec, 1);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 1);
	ASSERT_EQ(cc.calls, 1);
	ASSERT_EQ(cp.calls, 0);
	/* The child's own epoll instance holds nothing while nested. */
	ASSERT_EQ(epoll_wait(spdk_fd_group_get_fd(child), &ev, 1, 0), 0);

	/* An fd added to the nested child goes to the parent's instance. */
	add_or_die(child, ec2, &cc2);
	efd_write(ec2, 1);
	efd_write(ep, 1);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 3);
	ASSERT_EQ(cc.calls, 2);
	ASSERT_EQ(cc2.calls, 1);
	ASSERT_EQ(cp.calls, 1);

	/* Waiting on the nested child finds nothing, with a warning; an
	 * endless wait on it is refused. */
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_wait(child, 0), 0);
	ASSERT_EQ(log_capture_count(SPDK_LOG_WARN), 1);
	ASSERT_TRUE(log_capture_contains("reported by the root's wait only"));
	ASSERT_EQ(spdk_fd_group_wait(child, -1), -EINVAL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	ASSERT_EQ(cc.calls, 2);

	/* Unnest: the child's fds are back in its own instance only. */
	ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 1);
	ASSERT_EQ(cp.calls, 2);
	ASSERT_EQ(cc.calls, 2);
	ASSERT_EQ(spdk_fd_group_wait(child, 0), 2);
	ASSERT_EQ(cc.calls, 3);
	ASSERT_EQ(cc2.calls, 2);

	/* Removing from the nested child while nested, then after. */
	ASSERT_EQ(spdk_fd_group_nest(parent, child), 0);
	spdk_fd_group_remove(child, ec2);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 2);
	ASSERT_EQ(cc2.calls, 2);
	ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);
	spdk_fd_group_remove(child, ec);
	spdk_fd_group_remove(parent, ep);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 0);
	ASSERT_EQ(spdk_fd_group_wait(child, 0), 0);

	spdk_fd_group_destroy(child);
	spdk_fd_group_destroy(parent);
	close(ep);
	close(ec);
	close(ec2);
}

TEST(nest_event_modify_and_eventfd_type_on_nested_child)
{
	struct spdk_fd_group *parent = new_group(), *child = new_group();
	struct pipe_ctx p = {0};
	struct counter ce = {0};
	int fds[2], efd = new_eventfd();

	ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	ASSERT_EQ(spdk_fd_group_add(child, fds[1], pipe_cb, &p, "writer"), 0);
	add_eventfd_type(child, efd, EPOLLIN, count_cb, &ce);
	ASSERT_EQ(spdk_fd_group_nest(parent, child), 0);

	ASSERT_EQ(spdk_fd_group_event_modify(child, fds[1], EPOLLOUT), 0);
	efd_write(efd, 2);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 2);
	ASSERT_EQ(p.calls, 1);
	ASSERT_EQ(p.seen, EPOLLOUT);
	ASSERT_EQ(ce.calls, 1);
	ASSERT_EQ(efd_take(efd), 0);	/* cleared by the parent's wait */

	/* The modified event types move back with the child. */
	ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);
	ASSERT_EQ(spdk_fd_group_wait(child, 0), 1);
	ASSERT_EQ(p.calls, 2);

	spdk_fd_group_remove(child, fds[1]);
	spdk_fd_group_remove(child, efd);
	spdk_fd_group_destroy(child);
	spdk_fd_group_destroy(parent);
	close(fds[0]);
	close(fds[1]);
	close(efd);
}

struct tree {
	struct spdk_fd_group	*g[4];
	int			fds[4][4];
	int			nfds[4];
	struct counter		c[4][4];
};

static void
tree_setup(struct tree *t)
{
	static const int nfds[4] = { 1, 2, 2, 3 };
	int i, j;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < 4; i++) {
		t->g[i] = new_group();
		t->nfds[i] = nfds[i];
		for (j = 0; j < nfds[i]; j++) {
			t->fds[i][j] = new_eventfd();
			add_or_die(t->g[i], t->fds[i][j], &t->c[i][j]);
		}
	}
}

/* Handlers never read, so every written fd stays ready (level-triggered). */
static void
tree_write_all(struct tree *t)
{
	int i, j;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < t->nfds[i]; j++) {
			efd_write(t->fds[i][j], 1);
		}
	}
}

/* Calls of every handler of group i since the last call; each handler must
 * have run at most once. */
static int
tree_calls(struct tree *t, int i)
{
	int j, n = 0;

	for (j = 0; j < t->nfds[i]; j++) {
		ASSERT_LE(t->c[i][j].calls, 1);
		n += t->c[i][j].calls;
		t->c[i][j].calls = 0;
	}
	return n;
}

static void
tree_teardown(struct tree *t)
{
	int i, j;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < t->nfds[i]; j++) {
			spdk_fd_group_remove(t->g[i], t->fds[i][j]);
			close(t->fds[i][j]);
		}
		spdk_fd_group_destroy(t->g[i]);
	}
}

TEST(nest_three_levels_moves_whole_subtrees)
{
	struct tree t;

	/*        g0 (1 fd)
	 *       /        \
	 *  g1 (2 fds)   g2 (2 fds)
	 *      |
	 *  g3 (3 fds)
	 * g3 is nested in g1 before g1 is nested in g0. */
	tree_setup(&t);
	ASSERT_EQ(spdk_fd_group_nest(t.g[1], t.g[3]), 0);
	ASSERT_EQ(spdk_fd_group_nest(t.g[0], t.g[2]), 0);
	ASSERT_EQ(spdk_fd_group_nest(t.g[0], t.g[1]), 0);

	/* Every fd ready: one wait on the root handles all 8, each once. */
	tree_write_all(&t);
	ASSERT_EQ(spdk_fd_group_wait(t.g[0], 0), 8);
	ASSERT_EQ(tree_calls(&t, 0), 1);
	ASSERT_EQ(tree_calls(&t, 1), 2);
	ASSERT_EQ(tree_calls(&t, 2), 2);
	ASSERT_EQ(tree_calls(&t, 3), 3);

	/* Unnest the middle: g1 takes g3 with it. */
	ASSERT_EQ(spdk_fd_group_unnest(t.g[0], t.g[1]), 0);
	ASSERT_EQ(spdk_fd_group_wait(t.g[0], 0), 3);
	ASSERT_EQ(tree_calls(&t, 0), 1);
	ASSERT_EQ(tree_calls(&t, 2), 2);
	ASSERT_EQ(tree_calls(&t, 1) + tree_calls(&t, 3), 0);
	ASSERT_EQ(spdk_fd_group_wait(t.g[1], 0), 5);
	ASSERT_EQ(tree_calls(&t, 1), 2);
	ASSERT_EQ(tree_calls(&t, 3), 3);

	/* Nest again; an fd added at the bottom, two levels deep, reaches the
	 * root. */
	ASSERT_EQ(spdk_fd_group_nest(t.g[0], t.g[1]), 0);
	t.fds[3][3] = new_eventfd();
	add_or_die(t.g[3], t.fds[3][3], &t.c[3][3]);
	t.nfds[3] = 4;
	efd_write(t.fds[3][3], 1);
	/* The nested middle group's own wait sees nothing (with a warning). */
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_wait(t.g[1], 0), 0);
	ASSERT_EQ(log_capture_count(SPDK_LOG_WARN), 1);
	log_capture_stop();
	ASSERT_EQ(spdk_fd_group_wait(t.g[0], 0), 9);
	ASSERT_EQ(tree_calls(&t, 3), 4);
	ASSERT_EQ(tree_calls(&t, 0) + tree_calls(&t, 1) + tree_calls(&t, 2), 5);

	/* Unnest the bottom from a parent that is itself nested. */
	ASSERT_EQ(spdk_fd_group_unnest(t.g[1], t.g[3]), 0);
	ASSERT_EQ(spdk_fd_group_wait(t.g[0], 0), 5);
	ASSERT_EQ(tree_calls(&t, 3), 0);
	ASSERT_EQ(tree_calls(&t, 0) + tree_calls(&t, 1) + tree_calls(&t, 2), 5);
	ASSERT_EQ(spdk_fd_group_wait(t.g[3], 0), 4);
	ASSERT_EQ(tree_calls(&t, 3), 4);

	/* Nest it under the nested g1 directly: its fds go to the root g0. */
	ASSERT_EQ(spdk_fd_group_nest(t.g[1], t.g[3]), 0);
	ASSERT_EQ(spdk_fd_group_wait(t.g[0], 0), 9);
	ASSERT_EQ(tree_calls(&t, 3), 4);
	ASSERT_EQ(tree_calls(&t, 0) + tree_calls(&t, 1) + tree_calls(&t, 2), 5);

	ASSERT_EQ(spdk_fd_group_unnest(t.g[1], t.g[3]), 0);
	ASSERT_EQ(spdk_fd_group_unnest(t.g[0], t.g[1]), 0);
	ASSERT_EQ(spdk_fd_group_unnest(t.g[0], t.g[2]), 0);
	ASSERT_EQ(spdk_fd_group_wait(t.g[0], 0), 1);
	ASSERT_EQ(spdk_fd_group_wait(t.g[1], 0), 2);
	ASSERT_EQ(spdk_fd_group_wait(t.g[2], 0), 2);
	ASSERT_EQ(spdk_fd_group_wait(t.g[3], 0), 4);
	ASSERT_EQ(tree_calls(&t, 0) + tree_calls(&t, 1) + tree_calls(&t, 2), 5);
	ASSERT_EQ(tree_calls(&t, 3), 4);
	tree_teardown(&t);
}

TEST(nest_misuse_refused_without_change)
{
	struct tree t;

	tree_setup(&t);
	ASSERT_EQ(spdk_fd_group_nest(t.g[0], t.g[1]), 0);
	ASSERT_EQ(spdk_fd_group_nest(t.g[1], t.g[2]), 0);

	log_capture_start();
	ASSERT_EQ(spdk_fd_group_nest(NULL, t.g[3]), -EINVAL);
	ASSERT_EQ(spdk_fd_group_nest(t.g[3], NULL), -EINVAL);
	ASSERT_EQ(log_capture_count_matching("the fd group is NULL"), 2);
	ASSERT_EQ(spdk_fd_group_nest(t.g[3], t.g[3]), -EINVAL);
	ASSERT_TRUE(log_capture_contains("a group cannot nest in itself"));
	ASSERT_EQ(spdk_fd_group_nest(t.g[3], t.g[1]), -EINVAL);
	ASSERT_TRUE(log_capture_contains("it is already nested in"));
	/* g0 is the root above g2: nesting g0 under g2 would be a cycle. */
	ASSERT_EQ(spdk_fd_group_nest(t.g[2], t.g[0]), -EINVAL);
	ASSERT_TRUE(log_capture_contains("cycle"));
	ASSERT_EQ(spdk_fd_group_unnest(t.g[0], t.g[2]), -EINVAL);
	ASSERT_TRUE(log_capture_contains("nested in another group"));
	ASSERT_EQ(spdk_fd_group_unnest(t.g[0], t.g[3]), -EINVAL);
	ASSERT_TRUE(log_capture_contains("it is not nested"));
	ASSERT_EQ(spdk_fd_group_unnest(NULL, t.g[1]), -EINVAL);
	ASSERT_EQ(spdk_fd_group_unnest(t.g[0], NULL), -EINVAL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 9);
	log_capture_stop();

	/* Nothing moved: g0 handles g0+g1+g2, g3 its own. */
	tree_write_all(&t);
	ASSERT_EQ(spdk_fd_group_wait(t.g[0], 0), 5);
	ASSERT_EQ(spdk_fd_group_wait(t.g[3], 0), 3);

	ASSERT_EQ(spdk_fd_group_unnest(t.g[1], t.g[2]), 0);
	ASSERT_EQ(spdk_fd_group_unnest(t.g[0], t.g[1]), 0);
	tree_teardown(&t);
}

TEST(nest_same_fd_in_both_trees_refused_and_rolled_back)
{
	struct spdk_fd_group *parent = new_group(), *child = new_group();
	struct counter cp = {0}, c1 = {0}, c2 = {0}, c3 = {0};
	int shared = new_eventfd(), e1 = new_eventfd(), e3 = new_eventfd();

	add_or_die(parent, shared, &cp);
	/* The child's first fd moves fine, the second collides, so the first
	 * must be taken back out of the parent's instance. */
	add_or_die(child, e1, &c1);
	add_or_die(child, shared, &c2);
	add_or_die(child, e3, &c3);

	log_capture_start();
	ASSERT_EQ(spdk_fd_group_nest(parent, child), -EEXIST);
	ASSERT_TRUE(log_capture_contains("cannot register fd"));
	log_capture_stop();

	efd_write(shared, 1);
	efd_write(e1, 1);
	efd_write(e3, 1);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 1);
	ASSERT_EQ(cp.calls, 1);
	ASSERT_EQ(c1.calls, 0);
	ASSERT_EQ(spdk_fd_group_wait(child, 0), 3);
	ASSERT_EQ(c1.calls, 1);
	ASSERT_EQ(c2.calls, 1);
	ASSERT_EQ(c3.calls, 1);
	/* The child is not nested: it can be destroyed once emptied. */
	spdk_fd_group_remove(child, shared);

	/* Without the duplicate, nesting works; then adding the parent's fd to
	 * the nested child collides in the shared epoll instance. */
	ASSERT_EQ(spdk_fd_group_nest(parent, child), 0);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_add(child, shared, count_cb, &c2, "dup"), -EEXIST);
	ASSERT_TRUE(log_capture_contains("already in a group of the same tree"));
	log_capture_stop();
	ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);

	spdk_fd_group_remove(child, e1);
	spdk_fd_group_remove(child, e3);
	spdk_fd_group_remove(parent, shared);
	spdk_fd_group_destroy(child);
	spdk_fd_group_destroy(parent);
	close(shared);
	close(e1);
	close(e3);
}

TEST(nest_child_with_closed_fd_refused)
{
	struct spdk_fd_group *parent = new_group(), *child = new_group();
	struct counter c1 = {0}, c2 = {0};
	int e1 = new_eventfd(), e2 = new_eventfd();

	add_or_die(child, e1, &c1);
	add_or_die(child, e2, &c2);
	close(e2);	/* misuse: closed while still in the group */

	log_capture_start();
	ASSERT_EQ(spdk_fd_group_nest(parent, child), -EBADF);
	ASSERT_GE(log_capture_count(SPDK_LOG_ERROR), 1);
	log_capture_stop();
	/* Still unnested and working. */
	efd_write(e1, 1);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 0);
	ASSERT_EQ(spdk_fd_group_wait(child, 0), 1);
	ASSERT_EQ(c1.calls, 1);

	log_capture_start();
	spdk_fd_group_remove(child, e2);
	log_capture_stop();
	ASSERT_EQ(spdk_fd_group_nest(parent, child), 0);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 1);
	ASSERT_EQ(c1.calls, 2);
	ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);
	spdk_fd_group_remove(child, e1);
	spdk_fd_group_destroy(child);
	spdk_fd_group_destroy(parent);
	close(e1);
}

/* ---- wrappers ------------------------------------------------------------------------ */

struct wrap_ctx {
	int		calls;
	spdk_fd_fn	last_fn;
	void		*last_arg;
	bool		in_wrapper;
};

static struct wrap_ctx *g_active_wrapper;

static int
wrapper(void *wrapper_ctx, spdk_fd_fn fn, void *arg)
{
	struct wrap_ctx *w = wrapper_ctx;

	w->calls++;
	w->last_fn = fn;
	w->last_arg = arg;
	g_active_wrapper = w;
	fn(arg);
	g_active_wrapper = NULL;
	return 0;
}

static int
wrapped_cb(void *ctx)
{
	struct counter *c = ctx;

	/* Remember which wrapper (if any) is around this call. */
	c->last_arg = g_active_wrapper;
	c->calls++;
	return 0;
}

TEST(wrapper_runs_handlers_of_its_group)
{
	struct spdk_fd_group *parent = new_group(), *child = new_group();
	struct wrap_ctx w = {0};
	struct counter cp = {0}, cc = {0};
	int ep = new_eventfd(), ec = new_eventfd();

	ASSERT_EQ(spdk_fd_group_add(parent, ep, wrapped_cb, &cp, "p"), 0);
	ASSERT_EQ(spdk_fd_group_add(child, ec, wrapped_cb, &cc, "c"), 0);
	ASSERT_EQ(spdk_fd_group_set_wrapper(child, wrapper, &w), 0);

	efd_write(ec, 1);
	ASSERT_EQ(spdk_fd_group_wait(child, 0), 1);
	ASSERT_EQ(w.calls, 1);
	ASSERT_PTR_EQ(w.last_fn, wrapped_cb);
	ASSERT_PTR_EQ(w.last_arg, &cc);
	ASSERT_PTR_EQ(cc.last_arg, &w);

	/* Nested: the child's handler still goes through the child's wrapper,
	 * the parent's own handler does not. */
	ASSERT_EQ(spdk_fd_group_nest(parent, child), 0);
	efd_write(ep, 1);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 2);
	ASSERT_EQ(w.calls, 2);
	ASSERT_EQ(cc.calls, 2);
	ASSERT_EQ(cp.calls, 1);
	ASSERT_NULL(cp.last_arg);

	log_capture_start();
	/* A parent of nested groups cannot take a wrapper... */
	ASSERT_EQ(spdk_fd_group_set_wrapper(parent, wrapper, &w), -EINVAL);
	ASSERT_TRUE(log_capture_contains("cannot have a wrapper"));
	/* ...a second wrapper is refused, NULL clears... */
	ASSERT_EQ(spdk_fd_group_set_wrapper(child, wrapper, &w), -EEXIST);
	ASSERT_TRUE(log_capture_contains("already has a wrapper"));
	ASSERT_EQ(spdk_fd_group_set_wrapper(NULL, wrapper, &w), -EINVAL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
	log_capture_stop();
	ASSERT_EQ(spdk_fd_group_set_wrapper(child, NULL, NULL), 0);
	ASSERT_EQ(spdk_fd_group_wait(parent, 0), 2);
	ASSERT_EQ(w.calls, 2);
	ASSERT_EQ(cc.calls, 3);
	ASSERT_NULL(cc.last_arg);

	/* ...and a group with a wrapper cannot become a parent. */
	ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);
	ASSERT_EQ(spdk_fd_group_set_wrapper(parent, wrapper, &w), 0);
	log_capture_start();
	ASSERT_EQ(spdk_fd_group_nest(parent, child), -EINVAL);
	ASSERT_TRUE(log_capture_contains("a group with a wrapper cannot have nested groups"));
	log_capture_stop();

	spdk_fd_group_remove(parent, ep);
	spdk_fd_group_remove(child, ec);
	spdk_fd_group_destroy(child);
	spdk_fd_group_destroy(parent);
	close(ep);
	close(ec);
}

/* ---- re-entrant waits ------------------------------------------------------------ */

struct reenter {
	struct spdk_fd_group	*fgrp;
	struct spdk_fd_group	*inner;
	int			calls;
	int			inner_rc;
	uint32_t		before, after;
	int			get_rc_after;
};

static int
reenter_cb(void *ctx)
{
	struct reenter *r = ctx;
	struct epoll_event ev;

	r->calls++;
	if (r->calls > 1) {
		return 0;
	}
	memset(&ev, 0, sizeof(ev));
	ASSERT_EQ(spdk_fd_group_get_epoll_event(&ev), 0);
	r->before = ev.events;
	r->inner_rc = spdk_fd_group_wait(r->inner, 0);
	memset(&ev, 0, sizeof(ev));
	r->get_rc_after = spdk_fd_group_get_epoll_event(&ev);
	r->after = ev.events;
	return 1;
}

TEST(wait_reentered_from_handler)
{
	struct spdk_fd_group *outer = new_group(), *inner = new_group();
	struct pipe_ctx p = {0};
	struct reenter r = {0};
	struct counter c = {0};
	int trigger = new_eventfd(), efd = new_eventfd(), fds[2];

	ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	/* A wait on another group from a handler: the inner handler sees its
	 * own event (EPOLLOUT), the outer one its own again afterwards. */
	r.fgrp = outer;
	r.inner = inner;
	ASSERT_EQ(spdk_fd_group_add(outer, trigger, reenter_cb, &r, "reenter"), 0);
	ASSERT_EQ(spdk_fd_group_add_for_events(inner, fds[1], EPOLLOUT, pipe_cb, &p, "w"), 0);
	efd_write(trigger, 1);
	ASSERT_EQ(spdk_fd_group_wait(outer, 0), 1);
	ASSERT_EQ(r.calls, 1);
	ASSERT_EQ(r.inner_rc, 1);
	ASSERT_EQ(p.calls, 1);
	ASSERT_EQ(p.seen, EPOLLOUT);
	ASSERT_EQ(r.before, EPOLLIN);
	ASSERT_EQ(r.get_rc_after, 0);
	ASSERT_EQ(r.after, EPOLLIN);

	/* The same group from its own handler: the trigger (level, not read)
	 * and efd are reported again by the inner wait; every handler object
	 * stays valid for the outer batch. */
	r.calls = 0;
	r.inner = outer;
	add_or_die(outer, efd, &c);
	efd_write(efd, 1);
	ASSERT_EQ(spdk_fd_group_wait(outer, 0), 2);
	ASSERT_EQ(r.inner_rc, 2);
	ASSERT_EQ(r.calls, 2);	/* outer, then inner (returns early) */
	ASSERT_EQ(c.calls, 2);	/* inner, then outer */
	ASSERT_EQ(r.after, EPOLLIN);

	spdk_fd_group_remove(outer, trigger);
	spdk_fd_group_remove(outer, efd);
	spdk_fd_group_remove(inner, fds[1]);
	spdk_fd_group_destroy(outer);
	spdk_fd_group_destroy(inner);
	close(trigger);
	close(efd);
	close(fds[0]);
	close(fds[1]);
}

/* ---- large groups ----------------------------------------------------------------- */

#define MANY 150

TEST(wait_handles_more_than_64_fds_in_one_call)
{
	struct spdk_fd_group *fgrp = new_group(), *child = new_group();
	static struct counter c[MANY];
	int fds[MANY], i;

	memset(c, 0, sizeof(c));
	for (i = 0; i < MANY; i++) {
		fds[i] = new_eventfd();
		/* Half in a nested child, so the root's count covers both. */
		add_eventfd_type(i % 2 ? child : fgrp, fds[i], EPOLLIN, count_cb, &c[i]);
		efd_write(fds[i], 1);
	}
	ASSERT_EQ(spdk_fd_group_nest(fgrp, child), 0);
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), MANY);
	for (i = 0; i < MANY; i++) {
		ASSERT_EQ(c[i].calls, 1);
	}
	ASSERT_EQ(spdk_fd_group_wait(fgrp, 0), 0);
	ASSERT_EQ(spdk_fd_group_unnest(fgrp, child), 0);
	for (i = 0; i < MANY; i++) {
		spdk_fd_group_remove(i % 2 ? child : fgrp, fds[i]);
		close(fds[i]);
	}
	spdk_fd_group_destroy(child);
	spdk_fd_group_destroy(fgrp);
}

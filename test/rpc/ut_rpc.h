/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Helpers of the RPC server tests: the server's spdk_thread driven by hand
 * from the test's pthread through spdk_thread_get_interrupt_fd() (so the
 * server runs exactly as it would from fd readiness), a private temporary
 * folder for sockets, and a client that writes raw bytes and reads response
 * lines while it keeps the server going.
 *
 *   ut_srv_init();                 thread library + the "app" thread, current
 *   ut_srv_poll(ms);               wait up to ms for the thread's fd, then one slice
 *   ut_tmpdir() / ut_rmtree();     a private folder under /tmp and its removal
 *   c = ut_cli_connect(path);      a client (blocking connect, non-blocking reads)
 *   ut_cli_send(c, text);          write all of text
 *   line = ut_cli_line(c);         next response line (malloc'd, without "\n")
 *   ut_cli_eof(c);                 true once the server closed the connection
 *   ut_srv_fini();                 exit and destroy the threads, library fini
 *
 * Waits that depend on the server give up after UT_WAIT_MS (a failure, never
 * reached when all is well); nothing here asserts on time.
 */

#ifndef PW_TEST_UT_RPC_H
#define PW_TEST_UT_RPC_H

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/thread.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#define UT_WAIT_MS	(10000 * (int)pw_test_timeout_scale())

static struct spdk_thread *g_ut_app;
static struct spdk_thread *g_ut_worker;
static int g_ut_app_fd = -1;
static char g_ut_dir[64];

static inline uint64_t
ut_ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline void
ut_srv_init(void)
{
	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	g_ut_app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(g_ut_app);
	g_ut_worker = spdk_thread_create("worker", NULL);
	ASSERT_NOT_NULL(g_ut_worker);
	g_ut_app_fd = spdk_thread_get_interrupt_fd(g_ut_app);
	ASSERT_GE(g_ut_app_fd, 0);
	spdk_set_thread(g_ut_app);
}

/* Wait up to ms for the app thread's fd, then run one slice of it (and of the worker). */
static inline int
ut_srv_poll(int ms)
{
	struct pollfd p = { .fd = g_ut_app_fd, .events = POLLIN };
	int rc;

	rc = poll(&p, 1, ms);
	ASSERT_GE(rc, 0);
	rc = spdk_thread_poll(g_ut_app, 0, 0);
	spdk_set_thread(g_ut_app);
	return rc;
}

static inline void
ut_worker_poll(void)
{
	spdk_thread_poll(g_ut_worker, 0, 0);
	spdk_set_thread(g_ut_app);
}

static inline void
ut_thread_exit_destroy(struct spdk_thread *t)
{
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;

	spdk_set_thread(t);
	spdk_thread_exit(t);
	while (!spdk_thread_is_exited(t)) {
		ASSERT_LT(ut_ms_now(), deadline);
		spdk_thread_poll(t, 0, 0);
	}
	spdk_thread_destroy(t);
}

static inline void
ut_srv_fini(void)
{
	ut_thread_exit_destroy(g_ut_worker);
	ut_thread_exit_destroy(g_ut_app);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
}

static inline const char *
ut_tmpdir(void)
{
	snprintf(g_ut_dir, sizeof(g_ut_dir), "/tmp/pw_rpc_XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(g_ut_dir));
	return g_ut_dir;
}

static inline void
ut_rmtree(void)
{
	char cmd[128];

	if (g_ut_dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_ut_dir);
		ASSERT_EQ(system(cmd), 0);
		g_ut_dir[0] = '\0';
	}
}

static inline void
ut_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", g_ut_dir, name);

	ASSERT_LT((size_t)n, size);
}

struct ut_cli {
	int	fd;
	char	*buf;
	size_t	len;
	size_t	cap;
	bool	eof;
};

static inline void
ut_sockaddr(struct sockaddr_un *sa, const char *path)
{
	size_t n = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	ASSERT_LT(n, sizeof(sa->sun_path));
	memcpy(sa->sun_path, path, n + 1);
}

/* Connect without the server's help (the listen backlog takes it). -errno on failure. */
static inline int
ut_connect_fd(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	ut_sockaddr(&sa, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_GE(fd, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static inline struct ut_cli *
ut_cli_connect(const char *path)
{
	struct ut_cli *c = calloc(1, sizeof(*c));

	ASSERT_NOT_NULL(c);
	c->fd = ut_connect_fd(path);
	ASSERT_GE(c->fd, 0);
	return c;
}

static inline void
ut_cli_close(struct ut_cli *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
}

/* Read what is there without waiting. */
static inline void
ut_cli_pump(struct ut_cli *c)
{
	ssize_t n;

	for (;;) {
		if (c->cap - c->len < 65536) {
			c->cap = c->cap * 2 + 65536;
			c->buf = realloc(c->buf, c->cap);
			ASSERT_NOT_NULL(c->buf);
		}
		n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, MSG_DONTWAIT);
		if (n > 0) {
			c->len += (size_t)n;
			continue;
		}
		if (n == 0) {
			c->eof = true;
		} else {
			ASSERT(errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNRESET);
			if (errno == ECONNRESET) {
				c->eof = true;
			}
		}
		return;
	}
}

/* Write all of [data, data + len), running the server while the socket is full. */
static inline void
ut_cli_write(struct ut_cli *c, const void *data, size_t len)
{
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(c->fd, (const char *)data + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			FAIL("send: %s (%zu of %zu bytes written)", strerror(errno), off, len);
		}
		ASSERT_LT(ut_ms_now(), deadline);
		ut_srv_poll(1);
		ut_cli_pump(c);
	}
}

static inline void
ut_cli_send(struct ut_cli *c, const char *text)
{
	ut_cli_write(c, text, strlen(text));
}

/* The next line the server sent (malloc'd, without its "\n"), or NULL at EOF. */
static inline char *
ut_cli_line(struct ut_cli *c)
{
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;
	char *nl, *line;
	size_t n;

	for (;;) {
		ut_cli_pump(c);
		nl = c->len > 0 ? memchr(c->buf, '\n', c->len) : NULL;
		if (nl != NULL) {
			n = (size_t)(nl - c->buf);
			line = malloc(n + 1);
			ASSERT_NOT_NULL(line);
			memcpy(line, c->buf, n);
			line[n] = '\0';
			memmove(c->buf, nl + 1, c->len - n - 1);
			c->len -= n + 1;
			return line;
		}
		if (c->eof) {
			return NULL;
		}
		ASSERT_LT(ut_ms_now(), deadline);
		ut_srv_poll(10);
	}
}

/* Whether the server has closed the connection (after draining what it sent). */
static inline bool
ut_cli_eof(struct ut_cli *c)
{
	uint64_t deadline = ut_ms_now() + UT_WAIT_MS;

	for (;;) {
		ut_cli_pump(c);
		if (c->eof) {
			return true;
		}
		if (ut_ms_now() >= deadline) {
			return false;
		}
		ut_srv_poll(10);
	}
}

/* Run the server a few rounds without waiting for anything in particular. */
static inline void
ut_srv_idle(int rounds)
{
	int i;

	for (i = 0; i < rounds; i++) {
		ut_srv_poll(0);
		ut_worker_poll();
	}
}

#endif /* PW_TEST_UT_RPC_H */

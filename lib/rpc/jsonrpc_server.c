/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The JSON-RPC server's sockets: listening, accepting, reading, writing and
 * closing, driven by fd readiness.
 *
 * The listening socket and each connection are interrupt sources of the
 * server's spdk_thread (spdk_interrupt_register_for_events()). A reactor
 * waits on them while it sleeps and looks at them every 50 us while busy, so
 * an idle server costs no cpu and no timer, and a request wakes the reactor.
 * (SPDK instead polls every server from a 4 ms poller, which would wake a
 * sleeping reactor 250 times a second.) The sources are level-triggered: a
 * connection waits for EPOLLIN while it may read, for EPOLLOUT while
 * responses are queued that the socket did not take, and for nothing (its
 * source is unregistered) otherwise, so a peer that hung up cannot make the
 * thread spin.
 *
 * A connection whose peer stopped sending (EOF) stays open until the requests
 * it sent are answered and their responses written (or the write fails), then
 * closes. A connection that sent a value that is not JSON, or too large a
 * request, is answered, and closed once the answer is written.
 */

#include "rpc/jsonrpc_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

/* ---------------------------------------------------------------------------
 * Connections
 * ------------------------------------------------------------------------- */

static int conn_event(void *arg);

static void
conn_ref(struct spdk_jsonrpc_server_conn *conn)
{
	/* The caller holds a reference already; pw__jsonrpc_conn_unref() pairs. */
	atomic_fetch_add_explicit(&conn->refs, 1, memory_order_relaxed);
}

void
pw__jsonrpc_conn_unref(struct spdk_jsonrpc_server_conn *conn)
{
	/* Pairs with the other decrements: the last one sees every access made
	 * by the holders of the other references before it frees. */
	if (atomic_fetch_sub_explicit(&conn->refs, 1, memory_order_acq_rel) == 1) {
		assert(conn->fd < 0 && STAILQ_EMPTY(&conn->send_queue));
		free(conn->recv_buf);
		free(conn);
	}
}

/* Wait for what the connection can use next: EPOLLIN while it reads, EPOLLOUT while
 * output waits, nothing (no source) otherwise. */
static int
conn_update_events(struct spdk_jsonrpc_server_conn *conn)
{
	uint32_t want = 0;

	if (conn->fd < 0) {
		return 0;
	}
	if (!conn->eof && !conn->close_when_sent && conn->server != NULL && !conn->server->paused) {
		want |= SPDK_INTERRUPT_EVENT_IN;
	}
	if (!STAILQ_EMPTY(&conn->send_queue)) {
		want |= SPDK_INTERRUPT_EVENT_OUT;
	}
	if (want == 0) {
		spdk_interrupt_unregister(&conn->intr);
	} else if (conn->intr == NULL) {
		conn->intr = spdk_interrupt_register_for_events(conn->fd, want, conn_event, conn,
				"jsonrpc_conn");
		if (conn->intr == NULL) {
			SPDK_ERRLOG("JSON-RPC: cannot watch a connection's socket: closing it\n");
			return -ENOMEM;
		}
	} else if (want != conn->events) {
		if (spdk_interrupt_set_event_types(conn->intr, want) != 0) {
			return -EIO;
		}
	}
	conn->events = want;
	return 0;
}

static void
conn_close(struct spdk_jsonrpc_server_conn *conn)
{
	struct spdk_jsonrpc_server *server = conn->server;
	struct spdk_jsonrpc_request *request;
	spdk_jsonrpc_conn_closed_fn cb;

	if (conn->fd < 0) {
		return;
	}
	spdk_interrupt_unregister(&conn->intr);
	close(conn->fd);
	conn->fd = -1;
	/* Responses not yet written are dropped; the socket's reference keeps
	 * the connection alive through these frees. */
	while ((request = STAILQ_FIRST(&conn->send_queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&conn->send_queue, link);
		pw__jsonrpc_request_free(request);
	}
	conn->send_off = 0;
	if (server != NULL) {
		TAILQ_REMOVE(&server->conns, conn, link);
		server->conn_count--;
		conn->server = NULL;
	}
	cb = conn->close_cb;
	conn->close_cb = NULL;
	if (cb != NULL) {
		cb(conn, conn->close_cb_ctx);
	}
	pw__jsonrpc_conn_unref(conn);
}

/* Write queued responses until the socket is full. 0, or a negative errno: close. */
static int
conn_flush(struct spdk_jsonrpc_server_conn *conn)
{
	struct spdk_jsonrpc_request *request;
	ssize_t n;

	while ((request = STAILQ_FIRST(&conn->send_queue)) != NULL) {
		n = send(conn->fd, request->send_buf + conn->send_off,
			 request->send_len - conn->send_off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* The rest when the socket is writable (EPOLLOUT), also
				 * for a connection to close once its answers are out. */
				return 0;
			}
			return -errno;
		}
		conn->send_off += (size_t)n;
		if (conn->send_off == request->send_len) {
			STAILQ_REMOVE_HEAD(&conn->send_queue, link);
			conn->send_off = 0;
			pw__jsonrpc_request_free(request);
		}
	}
	return 0;
}

/*
 * After anything happened to the connection (its thread, not inside its
 * reads; the caller holds one reference besides the socket's): write, close
 * if it is done, wait for what comes next.
 */
static void
conn_settle(struct spdk_jsonrpc_server_conn *conn)
{
	if (conn->fd < 0) {
		return;
	}
	if (conn_flush(conn) != 0) {
		conn_close(conn);
		return;
	}
	if (STAILQ_EMPTY(&conn->send_queue)) {
		/* Pairs with the release decrement of pw__jsonrpc_request_free().
		 * (Not the reference count: the callers' own references vary.) */
		if (conn->close_when_sent ||
		    (conn->eof && atomic_load_explicit(&conn->requests, memory_order_acquire) == 0)) {
			conn_close(conn);
			return;
		}
	}
	if (conn_update_events(conn) != 0) {
		conn_close(conn);
	}
}

void
pw__jsonrpc_conn_queue_response(struct spdk_jsonrpc_request *request)
{
	struct spdk_jsonrpc_server_conn *conn = request->conn;

	conn_ref(conn);
	if (!request->send || conn->fd < 0) {
		pw__jsonrpc_request_free(request);
	} else {
		STAILQ_INSERT_TAIL(&conn->send_queue, request, link);
	}
	/* Inside the connection's reads, conn_event() settles it at the end. */
	if (conn->busy == 0) {
		conn_settle(conn);
	}
	pw__jsonrpc_conn_unref(conn);
}

/* Readiness of a connection's socket (its thread). */
static int
conn_event(void *arg)
{
	struct spdk_jsonrpc_server_conn *conn = arg;
	bool failed = false;
	int work = 0, i, rc;
	ssize_t n;

	conn_ref(conn);
	conn->busy++;
	for (i = 0; i < PW_JSONRPC_READS_PER_EVENT; i++) {
		if (conn->fd < 0 || conn->eof || conn->close_when_sent || conn->server == NULL ||
		    conn->server->paused) {
			break;
		}
		n = recv(conn->fd, conn->recv_buf + conn->recv_len,
			 PW_JSONRPC_RECV_BUF_SIZE - conn->recv_len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				failed = true;
			}
			break;
		}
		if (n == 0) {
			conn->eof = true;
			break;
		}
		work++;
		conn->recv_len += (size_t)n;
		rc = pw__jsonrpc_conn_parse(conn);
		if (rc != 0) {
			/* The answer, if any, is queued: send it and close. */
			conn->close_when_sent = true;
			if (rc != -EINVAL && rc != -EMSGSIZE) {
				failed = true;
			}
			break;
		}
	}
	conn->busy--;
	if (failed) {
		conn_close(conn);
	} else {
		conn_settle(conn);
	}
	pw__jsonrpc_conn_unref(conn);
	return work > 0 ? 1 : 0;
}

static void
conn_new(struct spdk_jsonrpc_server *server, int fd)
{
	struct spdk_jsonrpc_server_conn *conn;

	conn = calloc(1, sizeof(*conn));
	if (conn != NULL) {
		conn->recv_buf = malloc(PW_JSONRPC_RECV_BUF_SIZE);
	}
	if (conn == NULL || conn->recv_buf == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for a connection: closing it\n");
		free(conn);
		close(fd);
		return;
	}
	conn->server = server;
	conn->thread = server->thread;
	conn->fd = fd;
	atomic_init(&conn->refs, 1);
	atomic_init(&conn->requests, 0);
	STAILQ_INIT(&conn->send_queue);
	TAILQ_INSERT_TAIL(&server->conns, conn, link);
	server->conn_count++;
	if (conn_update_events(conn) != 0) {
		conn_close(conn);
	}
}

/* ---------------------------------------------------------------------------
 * The listening socket
 * ------------------------------------------------------------------------- */

static int server_watch(struct spdk_jsonrpc_server *server);

/* Timed poller: the listening socket is watched again after a lack of fds. */
static int
server_rewatch(void *arg)
{
	struct spdk_jsonrpc_server *server = arg;

	spdk_poller_unregister(&server->rewatch);
	if (server_watch(server) != 0) {
		SPDK_ERRLOG("JSON-RPC: cannot watch the listening socket: no new connections\n");
	}
	return SPDK_POLLER_BUSY;
}

static int
server_accept(void *arg)
{
	struct spdk_jsonrpc_server *server = arg;
	int fd, i, work = 0;

	for (i = 0; i < PW_JSONRPC_ACCEPTS_PER_EVENT && !server->paused; i++) {
		fd = accept4(server->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED) {
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				break;
			}
			SPDK_ERRLOG_RATELIMIT("JSON-RPC: accept: %s\n", spdk_strerror(errno));
			if (server->rewatch == NULL) {
				/* No fd or memory left: the socket stays readable, so stop
				 * watching it for 100 ms rather than spin on it. */
				server->rewatch = spdk_poller_register(server_rewatch, server, 100000);
				if (server->rewatch != NULL) {
					spdk_interrupt_unregister(&server->intr);
				}
			}
			break;
		}
		work++;
		if (server->conn_count >= PW_JSONRPC_MAX_CONNS) {
			server->refused_count++;
			SPDK_ERRLOG_RATELIMIT("JSON-RPC: %u connections are open already: closing a new one"
					      " (%" PRIu64 " refused so far)\n",
					      (unsigned)PW_JSONRPC_MAX_CONNS, server->refused_count);
			close(fd);
			continue;
		}
		conn_new(server, fd);
	}
	return work > 0 ? 1 : 0;
}

static int
server_watch(struct spdk_jsonrpc_server *server)
{
	if (server->paused || server->intr != NULL || server->rewatch != NULL) {
		return 0;
	}
	server->intr = spdk_interrupt_register_for_events(server->fd, SPDK_INTERRUPT_EVENT_IN,
			server_accept, server, "jsonrpc_listen");
	return server->intr != NULL ? 0 : -ENOMEM;
}

static bool
on_server_thread(const struct spdk_jsonrpc_server *server, const char *func)
{
	if (spdk_get_thread() != server->thread) {
		SPDK_ERRLOG("%s: call on the server's thread %s (called on %s)\n", func,
			    spdk_thread_get_name(server->thread),
			    spdk_get_thread() != NULL ? spdk_thread_get_name(spdk_get_thread()) :
			    "no spdk_thread");
		return false;
	}
	return true;
}

PW_EXPORT struct spdk_jsonrpc_server *
spdk_jsonrpc_server_listen(int domain, int protocol, struct sockaddr *listen_addr,
			   socklen_t addrlen, spdk_jsonrpc_handle_request_fn handle_request)
{
	return pw__jsonrpc_server_listen_mode(domain, protocol, listen_addr, addrlen,
					      handle_request, 0);
}

struct spdk_jsonrpc_server *
pw__jsonrpc_server_listen_mode(int domain, int protocol, struct sockaddr *listen_addr,
			       socklen_t addrlen, spdk_jsonrpc_handle_request_fn handle_request,
			       mode_t mode)
{
	struct spdk_jsonrpc_server *server;
	struct spdk_thread *thread = spdk_get_thread();

	if (thread == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_server_listen: call on an spdk_thread\n");
		return NULL;
	}
	if (domain != AF_UNIX || protocol != 0) {
		SPDK_ERRLOG("spdk_jsonrpc_server_listen: only Unix stream sockets (AF_UNIX, protocol 0)"
			    " are served, never TCP\n");
		return NULL;
	}
	if (listen_addr == NULL || listen_addr->sa_family != AF_UNIX || handle_request == NULL ||
	    addrlen <= offsetof(struct sockaddr_un, sun_path)) {
		SPDK_ERRLOG("spdk_jsonrpc_server_listen: %s\n", handle_request == NULL ?
			    "NULL request handler" : "not a Unix socket address");
		return NULL;
	}
	server = calloc(1, sizeof(*server));
	if (server == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_server_listen: no memory\n");
		return NULL;
	}
	server->thread = thread;
	server->handle_request = handle_request;
	TAILQ_INIT(&server->conns);
	server->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (server->fd < 0) {
		SPDK_ERRLOG("JSON-RPC: socket: %s\n", spdk_strerror(errno));
		free(server);
		return NULL;
	}
	/* Linux creates the socket file with the socket inode's mode, less the
	 * umask: set the mode here rather than change the process-wide umask,
	 * which other pthreads (or another server started at the same time)
	 * would see. */
	if (mode != 0 && fchmod(server->fd, mode) != 0) {
		SPDK_ERRLOG("JSON-RPC: fchmod of the socket: %s\n", spdk_strerror(errno));
		goto fail;
	}
	if (bind(server->fd, listen_addr, addrlen) != 0) {
		SPDK_ERRLOG("JSON-RPC: cannot bind %s: %s\n",
			    ((struct sockaddr_un *)listen_addr)->sun_path, spdk_strerror(errno));
		goto fail;
	}
	if (listen(server->fd, 512) != 0) {
		SPDK_ERRLOG("JSON-RPC: listen: %s\n", spdk_strerror(errno));
		goto fail;
	}
	if (server_watch(server) != 0) {
		SPDK_ERRLOG("JSON-RPC: cannot watch the listening socket\n");
		goto fail;
	}
	return server;
fail:
	close(server->fd);
	free(server);
	return NULL;
}

PW_EXPORT int
spdk_jsonrpc_server_poll(struct spdk_jsonrpc_server *server)
{
	struct spdk_jsonrpc_server_conn *conns[PW_JSONRPC_MAX_CONNS], *conn;
	uint32_t i, n = 0;

	if (server == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_server_poll: NULL server\n");
		return -EINVAL;
	}
	if (!on_server_thread(server, __func__)) {
		return -EINVAL;
	}
	server_accept(server);
	/* A handler may shut the server down: from here on, touch only
	 * connections this function holds a reference of. */
	TAILQ_FOREACH(conn, &server->conns, link) {
		if (n == PW_JSONRPC_MAX_CONNS) {
			break;
		}
		conn_ref(conn);
		conns[n++] = conn;
	}
	for (i = 0; i < n; i++) {
		conn_event(conns[i]);
		pw__jsonrpc_conn_unref(conns[i]);
	}
	return 0;
}

PW_EXPORT void
spdk_jsonrpc_server_shutdown(struct spdk_jsonrpc_server *server)
{
	struct spdk_jsonrpc_server_conn *conn;

	if (server == NULL) {
		return;
	}
	if (!on_server_thread(server, __func__)) {
		return;
	}
	spdk_interrupt_unregister(&server->intr);
	spdk_poller_unregister(&server->rewatch);
	close(server->fd);
	while ((conn = TAILQ_FIRST(&server->conns)) != NULL) {
		conn_close(conn);
	}
	free(server);
}

void
pw__jsonrpc_server_set_paused(struct spdk_jsonrpc_server *server, bool paused)
{
	struct spdk_jsonrpc_server_conn *conn, *tmp;

	if (server->paused == paused) {
		return;
	}
	server->paused = paused;
	if (paused) {
		spdk_interrupt_unregister(&server->intr);
	} else if (server_watch(server) != 0) {
		SPDK_ERRLOG("JSON-RPC: cannot watch the listening socket: no new connections\n");
	}
	TAILQ_FOREACH_SAFE(conn, &server->conns, link, tmp) {
		if (conn_update_events(conn) != 0) {
			conn_close(conn);
		}
	}
}

/* The close callback is read and cleared by conn_close() without a lock. */
static bool
on_conn_thread(const struct spdk_jsonrpc_server_conn *conn, const char *func)
{
	if (spdk_get_thread() != conn->thread) {
		SPDK_ERRLOG("%s: call on the server's thread %s (called on %s)\n", func,
			    spdk_thread_get_name(conn->thread),
			    spdk_get_thread() != NULL ? spdk_thread_get_name(spdk_get_thread()) :
			    "no spdk_thread");
		return false;
	}
	return true;
}

PW_EXPORT int
spdk_jsonrpc_conn_add_close_cb(struct spdk_jsonrpc_server_conn *conn,
			       spdk_jsonrpc_conn_closed_fn cb, void *ctx)
{
	if (conn == NULL || cb == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_conn_add_close_cb: NULL %s\n", conn == NULL ? "conn" : "cb");
		return -EINVAL;
	}
	if (!on_conn_thread(conn, __func__)) {
		return -EINVAL;
	}
	if (conn->fd < 0) {
		return -ENOTCONN;
	}
	if (conn->close_cb != NULL) {
		return conn->close_cb == cb && conn->close_cb_ctx == ctx ? -EEXIST : -ENOSPC;
	}
	conn->close_cb = cb;
	conn->close_cb_ctx = ctx;
	return 0;
}

PW_EXPORT int
spdk_jsonrpc_conn_del_close_cb(struct spdk_jsonrpc_server_conn *conn,
			       spdk_jsonrpc_conn_closed_fn cb, void *ctx)
{
	if (conn == NULL || cb == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_conn_del_close_cb: NULL %s\n", conn == NULL ? "conn" : "cb");
		return -EINVAL;
	}
	if (!on_conn_thread(conn, __func__)) {
		return -EINVAL;
	}
	if (conn->close_cb != cb || conn->close_cb_ctx != ctx) {
		return -ENOENT;
	}
	conn->close_cb = NULL;
	return 0;
}

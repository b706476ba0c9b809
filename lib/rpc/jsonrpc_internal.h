/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The JSON-RPC server's private structures, shared by jsonrpc_server.c (sockets,
 * connections, interrupt sources), jsonrpc_request.c (framing, requests,
 * responses, batches, in-process requests), jsonrpc_log.c and rpc*.c (the
 * registry, the listening address, in-process calls).
 *
 * Ownership and threads. A server and its connections belong to the
 * spdk_thread that created the server: every field of them is read and
 * written there only, except a connection's reference count. A request is
 * created there, handed to the handler, and may be answered on any pthread;
 * the answering pthread builds the response text in the request, then hands
 * the request back to the connection's thread by a message
 * (pw__jsonrpc_conn_queue_response() runs there), where it is written out or dropped.
 *
 * A connection counts one reference for its open socket and one per request
 * not yet freed. Closing the socket (peer gone, error, shutdown) drops the
 * first; answering a request after that only frees the request; the last
 * reference frees the connection. Nothing is freed twice and nothing waits.
 */

#ifndef PW_RPC_JSONRPC_INTERNAL_H
#define PW_RPC_JSONRPC_INTERNAL_H

#include "spdk/stdinc.h"

#include <stdatomic.h>

#include "common/pw_common.h"
#include "spdk/jsonrpc.h"
#include "spdk/queue.h"
#include "spdk/thread.h"

/* SPDK's bounds. */
#define PW_JSONRPC_MAX_CONNS		64
#define PW_JSONRPC_RECV_BUF_SIZE	(256 * 1024)
#define PW_JSONRPC_SEND_BUF_MAX		(32 * 1024 * 1024)
/* Work done per readiness callback before letting others run (level-triggered: the rest follows). */
#define PW_JSONRPC_READS_PER_EVENT	16
#define PW_JSONRPC_ACCEPTS_PER_EVENT	16

/* One received JSON value (a request or a batch) and its parsed values, shared
 * by the requests made from it; freed with the last of them (any thread). */
struct pw_jsonrpc_text {
	/* Pairs with itself: acq_rel decrements in pw__jsonrpc_request_free(). */
	atomic_uint			refs;
	size_t				values_cnt;
	struct spdk_json_val		*values;
	size_t				len;
	char				buf[];
};

/* The responses of one batch, gathered on the connection's thread. */
struct pw_jsonrpc_batch {
	/* Requests not yet answered, +1 while dispatching. Counted down on the
	 * connection's thread, or by an answering pthread whose message could not
	 * be sent; pairs with itself (acq_rel): the last one frees the batch. */
	atomic_uint			pending;
	uint32_t			responses;
	uint8_t				*buf;
	size_t				len;
	size_t				size;
	bool				failed;		/* no memory for a response: the batch answers nothing */
	struct spdk_jsonrpc_request	*carrier;	/* made with the batch; sends its array */
};

/* The end of an in-process request (pw__jsonrpc_local_request()), on the
 * thread that made it: the response text is request->send_buf[0, send_len)
 * (nothing when !request->send); the callee frees the request with
 * pw__jsonrpc_request_free(). */
typedef void (*pw__jsonrpc_local_done_fn)(struct spdk_jsonrpc_request *request, void *ctx);

struct spdk_jsonrpc_request {
	struct spdk_jsonrpc_server_conn	*conn;		/* NULL: an in-process request */
	struct pw_jsonrpc_text		*text;
	const struct spdk_json_val	*id;		/* NULL: no "id" key */
	struct pw_jsonrpc_batch		*batch;		/* NULL: not part of a batch */
	struct spdk_json_write_ctx	*w;		/* the response writer until it is ended */
	bool				answered;	/* the handler sent its response */
	bool				send;		/* false: a notification's result, not sent */
	bool				too_big;	/* the response outgrew PW_JSONRPC_SEND_BUF_MAX */
	uint8_t				*send_buf;
	size_t				send_len;
	size_t				send_size;
	/* In-process requests only: where and to whom the response goes. */
	struct spdk_thread		*local_thread;
	pw__jsonrpc_local_done_fn	local_done;
	void				*local_ctx;
	STAILQ_ENTRY(spdk_jsonrpc_request) link;
};

struct spdk_jsonrpc_server_conn {
	struct spdk_jsonrpc_server	*server;	/* NULL once closed */
	struct spdk_thread		*thread;
	int				fd;		/* -1 once closed */
	struct spdk_interrupt		*intr;		/* NULL while nothing is awaited */
	uint32_t			events;		/* what intr waits for */
	/* Pairs with itself: acq_rel decrements by the server's thread and, once
	 * that thread has exited, by answering pthreads (pw__jsonrpc_conn_unref()). */
	atomic_uint			refs;
	/* Requests made on it and not yet freed (a batch's carrier included):
	 * incremented on the connection's thread, decremented where a request is
	 * freed (pw__jsonrpc_request_free(), any thread) before its reference is
	 * dropped; pairs with the acquire load of conn_settle(). Zero: nothing
	 * more will be sent, so a peer at EOF can be closed. */
	atomic_uint			requests;
	uint32_t			busy;		/* > 0 while the thread is inside its reads */
	bool				eof;		/* the peer will send nothing more */
	bool				close_when_sent;/* after a parse error: flush then close */
	size_t				recv_len;
	uint8_t				*recv_buf;
	STAILQ_HEAD(, spdk_jsonrpc_request) send_queue;
	size_t				send_off;	/* bytes of the queue's head already sent */
	spdk_jsonrpc_conn_closed_fn	close_cb;
	void				*close_cb_ctx;
	TAILQ_ENTRY(spdk_jsonrpc_server_conn) link;
};

struct spdk_jsonrpc_server {
	struct spdk_thread		*thread;
	int				fd;
	struct spdk_interrupt		*intr;
	struct spdk_poller		*rewatch;	/* accept failed for lack of fds: retry later */
	spdk_jsonrpc_handle_request_fn	handle_request;
	bool				paused;
	uint32_t			conn_count;
	uint64_t			refused_count;
	TAILQ_HEAD(, spdk_jsonrpc_server_conn) conns;
};

/* jsonrpc_request.c */
/* Parse and dispatch every complete value at the start of conn's receive
 * buffer; returns 0, or a negative errno after which reading stops (the error
 * response, if any, is queued). */
int pw__jsonrpc_conn_parse(struct spdk_jsonrpc_server_conn *conn);
/* Free a request (after its response was sent or dropped); any thread. */
void pw__jsonrpc_request_free(struct spdk_jsonrpc_request *request);
/* Make a request from \p text, one complete JSON-RPC request object (copied),
 * with no connection, and hand it to \p handle on the current spdk_thread with
 * the checks a connection makes (an invalid object is answered -32600 without
 * calling \p handle). Its response, built on whatever pthread answers, comes
 * back by a message to the current thread, where \p done runs (never before
 * this returns). \p ctx must come from malloc(): when the response cannot reach
 * that thread (it has exited), the request and \p ctx are freed here instead.
 * Returns 0, -EINVAL (not on an spdk_thread, or \p text not one
 * JSON value) or -ENOMEM. */
int pw__jsonrpc_local_request(const void *text, size_t len, spdk_jsonrpc_handle_request_fn handle,
			      pw__jsonrpc_local_done_fn done, void *ctx);

/* jsonrpc_log.c */
/* Log a request or response text at the level set by spdk_jsonrpc_set_log_level(). */
void pw__jsonrpc_log(const char *prefix, const void *text, size_t len);

/* jsonrpc_server.c */
/* A finished response for conn, on conn's thread: queue it (or drop it when
 * the connection is closed) and write what the socket takes. */
void pw__jsonrpc_conn_queue_response(struct spdk_jsonrpc_request *request);
/* Drop one reference of conn; the last one frees it (any thread). */
void pw__jsonrpc_conn_unref(struct spdk_jsonrpc_server_conn *conn);
/* spdk_jsonrpc_server_listen() whose socket file is created with at most
 * \p mode (less the umask; 0: the umask alone decides, as SPDK). */
struct spdk_jsonrpc_server *pw__jsonrpc_server_listen_mode(int domain, int protocol,
		struct sockaddr *listen_addr, socklen_t addrlen,
		spdk_jsonrpc_handle_request_fn handle_request, mode_t mode);
/* Stop (true) or resume (false) accepting and reading (server's thread). */
void pw__jsonrpc_server_set_paused(struct spdk_jsonrpc_server *server, bool paused);

#endif /* PW_RPC_JSONRPC_INTERNAL_H */

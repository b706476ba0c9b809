/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * JSON-RPC 2.0 server over a Unix stream socket (SPDK's `spdk/jsonrpc.h`,
 * server side).
 *
 * Wire format, as SPDK's: a connection carries a stream of JSON values with
 * no delimiter between them (a request may be pretty-printed, split across
 * many reads, or share a read with others); a value is a request object or a
 * batch array of them. Each response is written compact, followed by "\n"
 * (a batch's responses as one array). A request without "id", or with
 * "id": null, is a notification: its result is not sent; an error is (with
 * "id": null), as SPDK does. A value that does not parse is answered -32700
 * ("Parse error") and the connection is closed once the answer is written.
 *
 * Threads: a server belongs to the spdk_thread that created it
 * (spdk_jsonrpc_server_listen()); its sockets are interrupt sources of that
 * thread, so an idle server costs nothing and a request wakes a sleeping
 * reactor. The request handler runs on that thread. A request may be
 * answered later, from any spdk_thread (spdk_jsonrpc_begin_result() /
 * spdk_jsonrpc_end_result(), spdk_jsonrpc_send_*_response()); the response
 * is handed to the server's thread by a message.
 *
 * Bounds: 64 connections (more are accepted and closed at once, logged);
 * a request larger than 256 KiB is answered -32600 ("Request too large") and
 * its connection closed; nesting deeper than the parser allows (64) is a
 * parse error; a response may grow to 32 MiB (beyond, -32603 "Internal
 * error" is sent instead, logged).
 *
 * Not implemented: the client side of SPDK's header
 * (`spdk_jsonrpc_client_*`, `spdk_jsonrpc_begin_request()`, batches built
 * by a client). Pinwheel's clients are `scripts/pinwheel-rpc` and SPDK's own
 * rpc.py.
 */

#ifndef SPDK_JSONRPC_H_
#define SPDK_JSONRPC_H_

#include "spdk/stdinc.h"
#include "spdk/json.h"

#include <sys/socket.h>
#include <sys/un.h>
#include "spdk/log.h"

#ifdef __cplusplus
extern "C" {
#endif

/** @name Error codes of JSON-RPC 2.0, as sent in the "code" of an error response. */
/** @{ */
#define SPDK_JSONRPC_ERROR_PARSE_ERROR		-32700	/**< not JSON; the connection is closed */
#define SPDK_JSONRPC_ERROR_INVALID_REQUEST	-32600	/**< JSON, but not a request object */
#define SPDK_JSONRPC_ERROR_METHOD_NOT_FOUND	-32601	/**< no such method */
#define SPDK_JSONRPC_ERROR_INVALID_PARAMS	-32602	/**< the method refused its params */
#define SPDK_JSONRPC_ERROR_INTERNAL_ERROR	-32603	/**< the server failed */
/** SPDK's own code: the method exists but is not allowed in the current state. */
#define SPDK_JSONRPC_ERROR_INVALID_STATE	-1
/** @} */

/** A JSON-RPC server (opaque). */
struct spdk_jsonrpc_server;
/** One request being handled (opaque); lives until it is answered. */
struct spdk_jsonrpc_request;
/** One client connection of a server (opaque). */
struct spdk_jsonrpc_server_conn;

/**
 * Handler of every request a server receives, on the server's thread.
 * \p method is the request's "method" string value, \p params its "params"
 * value (object or array) or NULL (absent or null). Both stay valid until
 * the request is answered. The handler must answer \p request exactly once,
 * now or later (then from any spdk_thread or other pthread).
 */
typedef void (*spdk_jsonrpc_handle_request_fn)(struct spdk_jsonrpc_request *request,
		const struct spdk_json_val *method,
		const struct spdk_json_val *params);

/** Called once when \p conn closes (server's thread). */
typedef void (*spdk_jsonrpc_conn_closed_fn)(struct spdk_jsonrpc_server_conn *conn, void *arg);

/**
 * Create a server listening on \p listen_addr, owned by the current
 * spdk_thread (call on an spdk_thread). Only AF_UNIX stream sockets are
 * accepted (Pinwheel never listens on TCP; see README); \p protocol must be 0.
 * The address must be free (the caller removes a stale socket). The socket's
 * fds become interrupt sources of the current thread.
 *
 * \return the server, or NULL (logged): not on an spdk_thread, a non-Unix
 * family, bind/listen failure, no memory.
 */
struct spdk_jsonrpc_server *spdk_jsonrpc_server_listen(int domain, int protocol,
		struct sockaddr *listen_addr, socklen_t addrlen,
		spdk_jsonrpc_handle_request_fn handle_request);

/**
 * One round of the server without waiting: accept pending connections, read
 * and handle what arrived, write queued responses, free closed connections.
 * The server normally runs from fd readiness alone; this is for drivers that
 * want to poll. Call on the server's thread.
 *
 * \return 0, or -EINVAL for a NULL server or a call on another thread (logged).
 */
int spdk_jsonrpc_server_poll(struct spdk_jsonrpc_server *server);

/**
 * Close the listening socket and every connection and free the server (its
 * thread). Requests still being handled complete into nothing: their
 * responses are dropped and their memory freed when they are answered.
 * NULL is a no-op.
 */
void spdk_jsonrpc_server_shutdown(struct spdk_jsonrpc_server *server);

/** The connection \p request came from (any thread that holds the request). */
struct spdk_jsonrpc_server_conn *spdk_jsonrpc_get_conn(struct spdk_jsonrpc_request *request);

/**
 * Call \p cb(\p conn, \p ctx) once when \p conn closes (server's thread).
 * One callback per connection, as in SPDK.
 *
 * \return 0; -EINVAL (NULL argument, or a call on another thread: logged),
 * -EEXIST (this pair is already registered), -ENOTCONN (the connection is
 * already closed), -ENOSPC (a callback is already registered).
 */
int spdk_jsonrpc_conn_add_close_cb(struct spdk_jsonrpc_server_conn *conn,
				   spdk_jsonrpc_conn_closed_fn cb, void *ctx);

/**
 * Remove a callback added with spdk_jsonrpc_conn_add_close_cb() (server's thread).
 *
 * \return 0; -EINVAL (NULL argument, or a call on another thread: logged),
 * -ENOENT (not registered).
 */
int spdk_jsonrpc_conn_del_close_cb(struct spdk_jsonrpc_server_conn *conn,
				   spdk_jsonrpc_conn_closed_fn cb, void *ctx);

/**
 * Begin the successful response to \p request: returns the request's writer,
 * in which the caller writes exactly one JSON value (the "result"), then
 * calls spdk_jsonrpc_end_result(). Any spdk_thread (or any pthread); one
 * thread at a time per request.
 *
 * Never NULL for a valid request (the writer is made with the request), also
 * for a notification, whose result is then dropped. NULL for a NULL
 * request, or one already answered whose answer is still on its way to the
 * server's thread (logged; the answer is not touched).
 */
struct spdk_json_write_ctx *spdk_jsonrpc_begin_result(struct spdk_jsonrpc_request *request);

/**
 * Finish the response begun with spdk_jsonrpc_begin_result() and send it;
 * the request belongs to the server again (do not use it any more). Any
 * thread: the response is handed to the server's thread by a message (or
 * queued directly on that thread), which writes it to the socket or drops it
 * if the connection has closed. A response larger than 32 MiB, or one the
 * writer failed on, is replaced by -32603 "Internal error" (logged).
 */
void spdk_jsonrpc_end_result(struct spdk_jsonrpc_request *request, struct spdk_json_write_ctx *w);

/** Answer \p request with the result \p value (any thread), as begin + end result. */
void spdk_jsonrpc_send_bool_response(struct spdk_jsonrpc_request *request, bool value);

/**
 * Answer \p request with an error object {"code": \p error_code,
 * "message": \p msg} (any thread), also after spdk_jsonrpc_begin_result()
 * (what was written is dropped). Sent even to a notification, as in SPDK.
 * \p msg NULL sends an empty message.
 */
void spdk_jsonrpc_send_error_response(struct spdk_jsonrpc_request *request,
				      int error_code, const char *msg);

/** spdk_jsonrpc_send_error_response() with a printf-style message. */
void spdk_jsonrpc_send_error_response_fmt(struct spdk_jsonrpc_request *request,
		int error_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * Log every request and response at \p level (SPDK's; call before the server
 * starts). The default, SPDK_LOG_DISABLED, logs nothing.
 */
void spdk_jsonrpc_set_log_level(enum spdk_log_level level);

/** Write the request/response log to \p file instead of the log (before the server starts). */
void spdk_jsonrpc_set_log_file(FILE *file);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_JSONRPC_H_ */

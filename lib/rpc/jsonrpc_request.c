/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * JSON-RPC requests: framing of the byte stream into JSON values, requests
 * and batches, and the response API handlers call (on any pthread).
 *
 * Framing. A connection's receive buffer holds the bytes read so far. The
 * parser, run without storing values, tells where the first complete value
 * ends (or that it is still incomplete); that value is copied into a
 * pw_jsonrpc_text, parsed again there with its strings decoded in place,
 * and dispatched. A value that is not JSON is answered -32700 and the
 * connection is closed once the answer is out (there is no point at which a
 * stream of JSON could be picked up again). A value still incomplete when the
 * buffer is full is too large: answered -32600 and closed the same way.
 *
 * Responses. Each request owns a JSON writer from its creation, so
 * spdk_jsonrpc_begin_result() never fails. The writer appends to the
 * request's growing send buffer, up to 32 MiB; a larger response is replaced
 * by an internal error. The pthread that ends the response hands the request
 * to the connection's spdk_thread (a message, or a direct call when it is
 * that thread), which sends it, adds it to its batch, or drops it.
 *
 * In-process requests (pw_rpc_call(), rpc_call.c) are the same requests
 * without a connection: made from a request text on the caller's thread, their
 * response goes back by a message to that thread's callback instead.
 */

#include "rpc/jsonrpc_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/util.h"

#define SEND_BUF_INIT	1024

/* ---------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------- */

static void
text_unref(struct pw_jsonrpc_text *text)
{
	if (text == NULL) {
		return;
	}
	/* Pairs with the other requests' decrements of the same text: the last
	 * one sees every earlier reader's accesses done before it frees. */
	if (atomic_fetch_sub_explicit(&text->refs, 1, memory_order_acq_rel) == 1) {
		free(text->values);
		free(text);
	}
}

static int
response_write_cb(void *ctx, const void *data, size_t size)
{
	struct spdk_jsonrpc_request *request = ctx;
	size_t need, new_size;
	uint8_t *buf;

	if (request->too_big) {
		return -1;
	}
	/* Two spare bytes: the "\n" after a response, or "]\n" after a batch. */
	need = request->send_len + size + 2;
	if (need > PW_JSONRPC_SEND_BUF_MAX) {
		request->too_big = true;
		return -1;
	}
	if (need > request->send_size) {
		new_size = request->send_size != 0 ? request->send_size : SEND_BUF_INIT;
		while (new_size < need) {
			new_size *= 2;
		}
		if (new_size > PW_JSONRPC_SEND_BUF_MAX) {
			new_size = PW_JSONRPC_SEND_BUF_MAX;
		}
		buf = realloc(request->send_buf, new_size);
		if (buf == NULL) {
			SPDK_ERRLOG("JSON-RPC: no memory for a response of %zu bytes\n", new_size);
			return -1;
		}
		request->send_buf = buf;
		request->send_size = new_size;
	}
	memcpy(request->send_buf + request->send_len, data, size);
	request->send_len += size;
	return 0;
}

static struct spdk_jsonrpc_request *
request_new(struct spdk_jsonrpc_server_conn *conn, struct pw_jsonrpc_text *text,
	    struct pw_jsonrpc_batch *batch)
{
	struct spdk_jsonrpc_request *request;

	request = calloc(1, sizeof(*request));
	if (request == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for a request\n");
		return NULL;
	}
	request->w = spdk_json_write_begin(response_write_cb, request, 0);
	if (request->w == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for a response writer\n");
		free(request);
		return NULL;
	}
	request->conn = conn;
	request->batch = batch;
	request->send = true;
	if (conn != NULL) {
		/* The caller holds a reference of both (pw__jsonrpc_conn_unref() pairs). */
		atomic_fetch_add_explicit(&conn->refs, 1, memory_order_relaxed);
		/* Pairs with the release decrement of pw__jsonrpc_request_free(); on the
		 * connection's thread, which alone reads it (conn_settle()). */
		atomic_fetch_add_explicit(&conn->requests, 1, memory_order_relaxed);
	}
	if (text != NULL) {
		/* The caller holds a reference (text_unref() pairs). */
		atomic_fetch_add_explicit(&text->refs, 1, memory_order_relaxed);
		request->text = text;
	}
	return request;
}

void
pw__jsonrpc_request_free(struct spdk_jsonrpc_request *request)
{
	struct spdk_jsonrpc_server_conn *conn = request->conn;

	if (request->w != NULL) {
		spdk_json_write_end(request->w);
	}
	text_unref(request->text);
	free(request->send_buf);
	free(request);
	if (conn == NULL) {
		return;		/* in-process: no connection to count down */
	}
	/* Pairs with the acquire load of conn_settle(); before the unref, which
	 * may free the connection. */
	atomic_fetch_sub_explicit(&conn->requests, 1, memory_order_release);
	pw__jsonrpc_conn_unref(conn);
}

/* ---------------------------------------------------------------------------
 * Building responses (any pthread)
 * ------------------------------------------------------------------------- */

static void
begin_response(struct spdk_jsonrpc_request *request)
{
	struct spdk_json_write_ctx *w = request->w;

	/* A handler that began a result and then sends an error: start over. */
	if (request->send_len != 0 || request->answered) {
		spdk_json_write_reset(w);
		request->send_len = 0;
	}
	request->answered = true;
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "jsonrpc", "2.0");
	spdk_json_write_name(w, "id");
	if (request->id != NULL) {
		spdk_json_write_val(w, request->id);
	} else {
		spdk_json_write_null(w);
	}
}

static struct spdk_jsonrpc_request *batch_done(struct pw_jsonrpc_batch *batch,
		struct spdk_jsonrpc_request *request);

/* A response is complete, on the connection's thread. */
static void
deliver(struct spdk_jsonrpc_request *request)
{
	struct pw_jsonrpc_batch *batch = request->batch;
	struct spdk_jsonrpc_request *carrier;

	if (batch != NULL) {
		carrier = batch_done(batch, request);
		/* Freed before the batch's answer is queued, so that the connection
		 * sees no request left once that answer is out. */
		pw__jsonrpc_request_free(request);
		if (carrier != NULL) {
			pw__jsonrpc_conn_queue_response(carrier);
		}
		return;
	}
	pw__jsonrpc_conn_queue_response(request);
}

static void
deliver_msg(void *ctx)
{
	deliver(ctx);
}

/*
 * The response cannot reach the connection's thread: it has exited (or the
 * message could not be queued). Nobody will write it: free it here. Only
 * atomic counts are shared with that thread (the request's references, the
 * batch's pending count), so this is safe on any pthread; a batch counted down
 * to zero here answers nothing.
 */
static void
orphan(struct spdk_jsonrpc_request *request, int rc)
{
	struct pw_jsonrpc_batch *batch = request->batch;

	SPDK_ERRLOG("JSON-RPC: a response is dropped: it cannot be handed to the server's thread: %s\n",
		    spdk_strerror(-rc));
	/* Pairs with the acq_rel decrements of batch_done(): the last one frees. */
	if (batch != NULL && atomic_fetch_sub_explicit(&batch->pending, 1, memory_order_acq_rel) == 1) {
		pw__jsonrpc_request_free(batch->carrier);
		free(batch->buf);
		free(batch);
	}
	pw__jsonrpc_request_free(request);
}

static void
local_deliver_msg(void *ctx)
{
	struct spdk_jsonrpc_request *request = ctx;

	request->local_done(request, request->local_ctx);
}

/* An in-process request's response: always by a message, even on the caller's
 * own thread, so that its callback never runs inside the call that made it. */
static void
hand_over_local(struct spdk_jsonrpc_request *request)
{
	struct spdk_thread *thread = request->local_thread;
	int rc;

	rc = spdk_thread_send_msg(thread, local_deliver_msg, request);
	if (rc == 0) {
		return;
	}
	if (spdk_get_thread() == thread) {
		/* No memory for the message, but this is the caller's thread. */
		local_deliver_msg(request);
		return;
	}
	SPDK_ERRLOG("RPC: the response of an in-process call is dropped: it cannot be handed to "
		    "the caller's thread %s: %s\n", spdk_thread_get_name(thread), spdk_strerror(-rc));
	free(request->local_ctx);
	pw__jsonrpc_request_free(request);
}

static void
hand_over(struct spdk_jsonrpc_request *request)
{
	struct spdk_thread *thread;
	int rc;

	if (request->conn == NULL) {
		hand_over_local(request);
		return;
	}
	thread = request->conn->thread;
	if (spdk_get_thread() == thread) {
		deliver(request);
		return;
	}
	rc = spdk_thread_send_msg(thread, deliver_msg, request);
	if (rc != 0) {
		orphan(request, rc);
	}
}

static void
internal_error(struct spdk_jsonrpc_request *request, const char *why)
{
	struct spdk_json_write_ctx *w;

	SPDK_ERRLOG("JSON-RPC: %s: answering with an internal error\n", why);
	request->send_len = 0;
	request->too_big = false;
	w = spdk_json_write_begin(response_write_cb, request, 0);
	if (w == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for an error response: none is sent\n");
		request->send = false;
		return;
	}
	request->w = w;
	begin_response(request);
	spdk_json_write_named_object_begin(w, "error");
	spdk_json_write_named_int32(w, "code", SPDK_JSONRPC_ERROR_INTERNAL_ERROR);
	spdk_json_write_named_string(w, "message", "Internal error");
	spdk_json_write_object_end(w);
	spdk_json_write_object_end(w);
	request->w = NULL;
	if (spdk_json_write_end(w) != 0) {
		SPDK_ERRLOG("JSON-RPC: cannot write an error response: none is sent\n");
		request->send = false;
	}
}

/* The response object is complete in the writer: finish it and hand it over. */
static void
end_response(struct spdk_jsonrpc_request *request, bool send)
{
	struct spdk_json_write_ctx *w = request->w;
	bool too_big;

	spdk_json_write_object_end(w);
	request->w = NULL;
	too_big = request->too_big;
	if (spdk_json_write_end(w) != 0) {
		internal_error(request, too_big ? "response larger than 32 MiB" :
			       "response could not be written");
	}
	request->send = send && request->send;
	if (request->send) {
		pw__jsonrpc_log("response: ", request->send_buf, request->send_len);
		if (request->batch == NULL) {
			/* response_write_cb() kept room for it. */
			request->send_buf[request->send_len++] = '\n';
		}
	}
	hand_over(request);
}

PW_EXPORT struct spdk_json_write_ctx *
spdk_jsonrpc_begin_result(struct spdk_jsonrpc_request *request)
{
	if (request == NULL || request->w == NULL) {
		/* An answered request belongs to the server's thread (and is freed
		 * there): touching it would empty the response on its way. */
		SPDK_ERRLOG("spdk_jsonrpc_begin_result: %s\n", request == NULL ? "NULL request" :
			    "request already answered");
		return NULL;
	}
	begin_response(request);
	spdk_json_write_name(request->w, "result");
	return request->w;
}

PW_EXPORT void
spdk_jsonrpc_end_result(struct spdk_jsonrpc_request *request, struct spdk_json_write_ctx *w)
{
	if (request == NULL || request->w == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_end_result: %s\n", request == NULL ? "NULL request" :
			    "request already answered");
		return;
	}
	if (w != request->w) {
		SPDK_ERRLOG("spdk_jsonrpc_end_result: not the writer of this request (ignored)\n");
	}
	/* As SPDK: a result is sent only to a request with a non-null "id". */
	end_response(request, request->id != NULL && request->id->type != SPDK_JSON_VAL_NULL);
}

PW_EXPORT void
spdk_jsonrpc_send_bool_response(struct spdk_jsonrpc_request *request, bool value)
{
	struct spdk_json_write_ctx *w;

	w = spdk_jsonrpc_begin_result(request);
	if (w == NULL) {
		return;
	}
	spdk_json_write_bool(w, value);
	spdk_jsonrpc_end_result(request, w);
}

static void __attribute__((format(printf, 3, 0)))
send_error_v(struct spdk_jsonrpc_request *request, int error_code, const char *fmt, va_list ap)
{
	struct spdk_json_write_ctx *w = request->w;

	begin_response(request);
	spdk_json_write_named_object_begin(w, "error");
	spdk_json_write_named_int32(w, "code", error_code);
	spdk_json_write_named_string_fmt_v(w, "message", fmt, ap);
	spdk_json_write_object_end(w);
	/* As SPDK: errors are sent whatever the "id". */
	end_response(request, true);
}

static void __attribute__((format(printf, 3, 4)))
send_error(struct spdk_jsonrpc_request *request, int error_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_error_v(request, error_code, fmt, ap);
	va_end(ap);
}

PW_EXPORT void
spdk_jsonrpc_send_error_response(struct spdk_jsonrpc_request *request, int error_code,
				 const char *msg)
{
	if (request == NULL || request->w == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_send_error_response: %s\n",
			    request == NULL ? "NULL request" : "request already answered");
		return;
	}
	send_error(request, error_code, "%s", msg != NULL ? msg : "");
}

PW_EXPORT void
spdk_jsonrpc_send_error_response_fmt(struct spdk_jsonrpc_request *request, int error_code,
				     const char *fmt, ...)
{
	va_list ap;

	if (request == NULL || request->w == NULL || fmt == NULL) {
		SPDK_ERRLOG("spdk_jsonrpc_send_error_response_fmt: %s\n",
			    request == NULL ? "NULL request" :
			    fmt == NULL ? "NULL format" : "request already answered");
		return;
	}
	va_start(ap, fmt);
	send_error_v(request, error_code, fmt, ap);
	va_end(ap);
}

PW_EXPORT struct spdk_jsonrpc_server_conn *
spdk_jsonrpc_get_conn(struct spdk_jsonrpc_request *request)
{
	return request != NULL ? request->conn : NULL;
}

/* ---------------------------------------------------------------------------
 * Batches (connection's thread)
 * ------------------------------------------------------------------------- */

static bool
batch_reserve(struct pw_jsonrpc_batch *batch, size_t more)
{
	size_t need = batch->len + more + 2, new_size;
	uint8_t *buf;

	if (need > PW_JSONRPC_SEND_BUF_MAX) {
		SPDK_ERRLOG("JSON-RPC: batch response larger than 32 MiB: the batch gets no response\n");
		return false;
	}
	if (need <= batch->size) {
		return true;
	}
	new_size = batch->size != 0 ? batch->size : SEND_BUF_INIT;
	while (new_size < need) {
		new_size *= 2;
	}
	if (new_size > PW_JSONRPC_SEND_BUF_MAX) {
		new_size = PW_JSONRPC_SEND_BUF_MAX;
	}
	buf = realloc(batch->buf, new_size);
	if (buf == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for a batch response: the batch gets no response\n");
		return false;
	}
	batch->buf = buf;
	batch->size = new_size;
	return true;
}

/*
 * One request of the batch is answered (or the dispatch loop is done, with
 * \p request NULL). The last one returns the batch's carrier, a request made
 * for it that holds the batch's array (or nothing to send), for the caller to
 * queue; the others return NULL.
 */
static struct spdk_jsonrpc_request *
batch_done(struct pw_jsonrpc_batch *batch, struct spdk_jsonrpc_request *request)
{
	struct spdk_jsonrpc_request *carrier;

	if (request != NULL && request->send && !batch->failed) {
		if (!batch_reserve(batch, request->send_len + 1)) {
			batch->failed = true;
		} else {
			batch->buf[batch->len++] = batch->responses == 0 ? '[' : ',';
			memcpy(batch->buf + batch->len, request->send_buf, request->send_len);
			batch->len += request->send_len;
			batch->responses++;
		}
	}
	/* Pairs with the other acq_rel decrements (here and in orphan()): the
	 * last one sees every append to the batch. */
	if (atomic_fetch_sub_explicit(&batch->pending, 1, memory_order_acq_rel) != 1) {
		return NULL;
	}
	carrier = batch->carrier;
	if (batch->responses > 0 && !batch->failed) {
		/* batch_reserve() kept room for both. */
		batch->buf[batch->len++] = ']';
		batch->buf[batch->len++] = '\n';
		pw__jsonrpc_log("batch response: ", batch->buf, batch->len);
		carrier->send_buf = batch->buf;
		carrier->send_len = batch->len;
		carrier->send_size = batch->size;
		batch->buf = NULL;
	} else {
		/* Only notifications (or no memory): nothing is sent, as in SPDK. */
		carrier->send = false;
	}
	free(batch->buf);
	free(batch);
	return carrier;
}

/* ---------------------------------------------------------------------------
 * Parsing one request object
 * ------------------------------------------------------------------------- */

static const struct spdk_json_val *
value_next(const struct spdk_json_val *v)
{
	if (v->type == SPDK_JSON_VAL_OBJECT_BEGIN || v->type == SPDK_JSON_VAL_ARRAY_BEGIN) {
		return v + v->len + 2;
	}
	return v + 1;
}

/* SPDK's checks of a request object; anything wrong is -32600. \p handle:
 * the server's handler, or NULL when the server is gone. */
static void
handle_object(struct spdk_jsonrpc_request *request, const struct spdk_json_val *obj,
	      spdk_jsonrpc_handle_request_fn handle)
{
	const struct spdk_json_val *version = NULL, *method = NULL, *params = NULL, *id = NULL;
	const struct spdk_json_val *name, *val, **slot;

	for (name = obj + 1; name->type == SPDK_JSON_VAL_NAME; name = value_next(val)) {
		val = name + 1;
		if (spdk_json_strequal(name, "jsonrpc")) {
			slot = &version;
		} else if (spdk_json_strequal(name, "method")) {
			slot = &method;
		} else if (spdk_json_strequal(name, "params")) {
			slot = &params;
		} else if (spdk_json_strequal(name, "id")) {
			slot = &id;
		} else {
			goto invalid;	/* unknown key */
		}
		if (*slot != NULL) {
			goto invalid;	/* duplicate key */
		}
		*slot = val;
	}
	if (version != NULL && (version->type != SPDK_JSON_VAL_STRING ||
				!spdk_json_strequal(version, "2.0"))) {
		goto invalid;
	}
	if (method == NULL || method->type != SPDK_JSON_VAL_STRING) {
		goto invalid;
	}
	if (id != NULL) {
		if (id->type != SPDK_JSON_VAL_STRING && id->type != SPDK_JSON_VAL_NUMBER &&
		    id->type != SPDK_JSON_VAL_NULL) {
			goto invalid;
		}
		request->id = id;
	}
	if (params != NULL) {
		if (params->type == SPDK_JSON_VAL_NULL) {
			params = NULL;	/* as no params */
		} else if (params->type != SPDK_JSON_VAL_OBJECT_BEGIN &&
			   params->type != SPDK_JSON_VAL_ARRAY_BEGIN) {
			goto invalid;
		}
	}
	if (handle == NULL) {
		/* An earlier request of the batch shut the server down. */
		send_error(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR, "Internal error");
		return;
	}
	handle(request, method, params);
	return;
invalid:
	send_error(request, SPDK_JSONRPC_ERROR_INVALID_REQUEST, "Invalid request");
}

/* ---------------------------------------------------------------------------
 * Dispatching received values (connection's thread)
 * ------------------------------------------------------------------------- */

/* A request with no text, answered at once with an error (parse error, too large). */
static int
answer_stream_error(struct spdk_jsonrpc_server_conn *conn, int code, const char *msg)
{
	struct spdk_jsonrpc_request *request;

	request = request_new(conn, NULL, NULL);
	if (request == NULL) {
		return -ENOMEM;
	}
	send_error(request, code, "%s", msg);
	return 0;
}

static spdk_jsonrpc_handle_request_fn
conn_handler(struct spdk_jsonrpc_server_conn *conn)
{
	return conn->server != NULL ? conn->server->handle_request : NULL;
}

static int
dispatch_batch(struct spdk_jsonrpc_server_conn *conn, struct pw_jsonrpc_text *text)
{
	const struct spdk_json_val *v = text->values, *elem;
	struct spdk_jsonrpc_request *request;
	struct pw_jsonrpc_batch *batch;
	uint32_t count = 0;
	int rc = 0;

	for (elem = v + 1; elem->type != SPDK_JSON_VAL_ARRAY_END; elem = value_next(elem)) {
		count++;
	}
	if (count == 0) {
		/* An empty batch is one invalid request (JSON-RPC 2.0, and SPDK). */
		request = request_new(conn, text, NULL);
		if (request == NULL) {
			return -ENOMEM;
		}
		send_error(request, SPDK_JSONRPC_ERROR_INVALID_REQUEST, "Invalid request");
		return 0;
	}
	batch = calloc(1, sizeof(*batch));
	if (batch == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for a batch\n");
		return -ENOMEM;
	}
	batch->carrier = request_new(conn, text, NULL);
	if (batch->carrier == NULL) {
		free(batch);
		return -ENOMEM;
	}
	/* One per request, plus one held by this loop so that requests answered
	 * during it cannot finish the batch before the last one is made. */
	atomic_init(&batch->pending, count + 1);
	for (elem = v + 1; elem->type != SPDK_JSON_VAL_ARRAY_END; elem = value_next(elem)) {
		request = request_new(conn, text, batch);
		if (request == NULL) {
			/* This one gets no answer; the others still do. Stop reading.
			 * Pairs with nothing: the loop's own +1 keeps the count above 0. */
			atomic_fetch_sub_explicit(&batch->pending, 1, memory_order_relaxed);
			rc = -ENOMEM;
			continue;
		}
		if (elem->type == SPDK_JSON_VAL_OBJECT_BEGIN) {
			handle_object(request, elem, conn_handler(conn));
		} else {
			send_error(request, SPDK_JSONRPC_ERROR_INVALID_REQUEST, "Invalid request");
		}
	}
	request = batch_done(batch, NULL);
	if (request != NULL) {
		pw__jsonrpc_conn_queue_response(request);
	}
	return rc;
}

static int
dispatch(struct spdk_jsonrpc_server_conn *conn, struct pw_jsonrpc_text *text)
{
	struct spdk_jsonrpc_request *request;

	if (text->values[0].type == SPDK_JSON_VAL_ARRAY_BEGIN) {
		return dispatch_batch(conn, text);
	}
	request = request_new(conn, text, NULL);
	if (request == NULL) {
		return -ENOMEM;
	}
	if (text->values[0].type == SPDK_JSON_VAL_OBJECT_BEGIN) {
		handle_object(request, text->values, conn_handler(conn));
	} else {
		send_error(request, SPDK_JSONRPC_ERROR_INVALID_REQUEST, "Invalid request");
	}
	return 0;
}

/* Copy the value [start, start + len) holding \p count values and parse it for good. */
static struct pw_jsonrpc_text *
text_new(const uint8_t *start, size_t len, size_t count)
{
	struct pw_jsonrpc_text *text;
	ssize_t rc;

	text = malloc(sizeof(*text) + len + 1);
	if (text == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for a request of %zu bytes\n", len);
		return NULL;
	}
	text->values = calloc(count, sizeof(*text->values));
	if (text->values == NULL) {
		SPDK_ERRLOG("JSON-RPC: no memory for the %zu values of a request\n", count);
		free(text);
		return NULL;
	}
	atomic_init(&text->refs, 1);
	text->values_cnt = count;
	text->len = len;
	memcpy(text->buf, start, len);
	text->buf[len] = '\0';
	pw__jsonrpc_log("request: ", text->buf, len);
	rc = spdk_json_parse(text->buf, len, text->values, count, NULL,
			     SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE);
	if (rc != (ssize_t)count) {
		/* The first pass saw the same bytes: this would be a parser bug. */
		SPDK_ERRLOG("JSON-RPC: request parsed differently the second time (%zd, %zu)\n",
			    rc, count);
		text_unref(text);
		return NULL;
	}
	return text;
}

int
pw__jsonrpc_conn_parse(struct spdk_jsonrpc_server_conn *conn)
{
	struct pw_jsonrpc_text *text;
	size_t off = 0, len;
	ssize_t rc = SPDK_JSON_PARSE_INCOMPLETE;
	void *end;
	int ret = 0;

	while (off < conn->recv_len) {
		end = NULL;
		rc = spdk_json_parse(conn->recv_buf + off, conn->recv_len - off, NULL, 0, &end, 0);
		if (rc == SPDK_JSON_PARSE_INCOMPLETE) {
			break;
		}
		if (rc <= 0 || end == NULL) {
			SPDK_ERRLOG("JSON-RPC: %s from a client: closing its connection\n",
				    rc == SPDK_JSON_PARSE_MAX_DEPTH_EXCEEDED ?
				    "a request nested too deeply" : "invalid JSON");
			ret = answer_stream_error(conn, SPDK_JSONRPC_ERROR_PARSE_ERROR,
						  "Parse error");
			return ret != 0 ? ret : -EINVAL;
		}
		len = (size_t)((uint8_t *)end - (conn->recv_buf + off));
		text = text_new(conn->recv_buf + off, len, (size_t)rc);
		if (text == NULL) {
			return -ENOMEM;
		}
		off += len;
		ret = dispatch(conn, text);
		text_unref(text);
		if (ret != 0) {
			return ret;
		}
		if (conn->fd < 0) {
			/* A handler shut the server down. */
			return -ECONNABORTED;
		}
	}
	if (off > 0) {
		memmove(conn->recv_buf, conn->recv_buf + off, conn->recv_len - off);
		conn->recv_len -= off;
	}
	if (rc == SPDK_JSON_PARSE_INCOMPLETE && conn->recv_len == PW_JSONRPC_RECV_BUF_SIZE) {
		SPDK_ERRLOG("JSON-RPC: a request larger than %u bytes: closing its connection\n",
			    PW_JSONRPC_RECV_BUF_SIZE);
		ret = answer_stream_error(conn, SPDK_JSONRPC_ERROR_INVALID_REQUEST,
					  "Request too large");
		return ret != 0 ? ret : -EMSGSIZE;
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * In-process requests (pw_rpc_call())
 * ------------------------------------------------------------------------- */

int
pw__jsonrpc_local_request(const void *text, size_t len, spdk_jsonrpc_handle_request_fn handle,
			  pw__jsonrpc_local_done_fn done, void *ctx)
{
	struct spdk_jsonrpc_request *request;
	struct spdk_thread *thread = spdk_get_thread();
	struct pw_jsonrpc_text *t;
	void *end = NULL;
	ssize_t count;

	if (thread == NULL) {
		SPDK_ERRLOG("RPC: an in-process call must be made on an spdk_thread\n");
		return -EINVAL;
	}
	count = spdk_json_parse((void *)(uintptr_t)text, len, NULL, 0, &end, 0);
	if (count <= 0 || (const uint8_t *)end != (const uint8_t *)text + len) {
		SPDK_ERRLOG("RPC: an in-process request is not one JSON value\n");
		return -EINVAL;
	}
	t = text_new(text, len, (size_t)count);
	if (t == NULL) {
		return -ENOMEM;
	}
	request = request_new(NULL, t, NULL);
	text_unref(t);
	if (request == NULL) {
		return -ENOMEM;
	}
	request->local_thread = thread;
	request->local_done = done;
	request->local_ctx = ctx;
	if (t->values[0].type == SPDK_JSON_VAL_OBJECT_BEGIN) {
		handle_object(request, t->values, handle);
	} else {
		send_error(request, SPDK_JSONRPC_ERROR_INVALID_REQUEST, "Invalid request");
	}
	return 0;
}

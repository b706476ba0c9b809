/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 *
 * In-process RPC calls (pw_rpc_call()): a registered method called without a
 * socket, for the JSON configuration loader and for applications.
 *
 * The call is written as the request text a client would send and goes
 * through the server's own machinery: pw__jsonrpc_local_request() makes a
 * request without a connection from it, checks it as a connection does and
 * hands it to pw__rpc_handle_request() (lookup, allowlist, state mask); the
 * handler answers through the usual spdk_jsonrpc_* calls, from any pthread,
 * and the response text comes back by a message to the caller's thread, where
 * it is parsed and given to the caller's callback.
 */

#include "rpc/rpc_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/util.h"
#include "pinwheel/rpc.h"

#define REQ_BUF_INIT	256

struct rpc_call {
	pw_rpc_call_cb	cb_fn;
	void		*cb_arg;
};

struct req_buf {
	char	*buf;
	size_t	len;
	size_t	size;
	bool	failed;
};

static int
req_write_cb(void *ctx, const void *data, size_t size)
{
	struct req_buf *b = ctx;
	size_t new_size;
	char *buf;

	if (b->len + size > b->size) {
		new_size = b->size != 0 ? b->size : REQ_BUF_INIT;
		while (new_size < b->len + size) {
			new_size *= 2;
		}
		buf = realloc(b->buf, new_size);
		if (buf == NULL) {
			b->failed = true;
			return -1;
		}
		b->buf = buf;
		b->size = new_size;
	}
	memcpy(b->buf + b->len, data, size);
	b->len += size;
	return 0;
}

/* The request text: {"jsonrpc":"2.0","method":M,"id":1[,"params":P]}. */
static int
build_request(struct req_buf *b, const char *method, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;

	w = spdk_json_write_begin(req_write_cb, b, 0);
	if (w == NULL) {
		return -ENOMEM;
	}
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "jsonrpc", "2.0");
	spdk_json_write_named_string(w, "method", method);
	spdk_json_write_named_uint32(w, "id", 1);
	if (params != NULL) {
		spdk_json_write_name(w, "params");
		spdk_json_write_val(w, params);
	}
	spdk_json_write_object_end(w);
	if (spdk_json_write_end(w) != 0 || b->failed) {
		return b->failed ? -ENOMEM : -EINVAL;
	}
	return 0;
}

static void
deliver(struct rpc_call *call, const struct pw_rpc_response *rsp)
{
	call->cb_fn(call->cb_arg, rsp);
}

static void
deliver_error(struct rpc_call *call, int32_t code, const char *msg)
{
	struct pw_rpc_response rsp = { .error_code = code, .error_message = msg };

	deliver(call, &rsp);
}

/* Parse the response text (in place) and hand it to the caller. */
static void
deliver_text(struct rpc_call *call, char *text, size_t len)
{
	struct pw_rpc_response rsp = {};
	struct spdk_json_val *values = NULL, *result = NULL, *error = NULL, *v;
	char *message = NULL;
	ssize_t count;

	count = spdk_json_parse(text, len, NULL, 0, NULL, 0);
	if (count <= 0) {
		goto bad;
	}
	values = calloc((size_t)count, sizeof(*values));
	if (values == NULL) {
		SPDK_ERRLOG("RPC: no memory to parse the response of an in-process call\n");
		deliver_error(call, SPDK_JSONRPC_ERROR_INTERNAL_ERROR, "Internal error");
		return;
	}
	if (spdk_json_parse(text, len, values, (size_t)count, NULL,
			    SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE) != count ||
	    values[0].type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		goto bad;
	}
	spdk_json_find(values, "result", NULL, &result, SPDK_JSON_VAL_ANY);
	spdk_json_find(values, "error", NULL, &error, SPDK_JSON_VAL_OBJECT_BEGIN);
	if (result != NULL) {
		rsp.result = result;
	} else if (error != NULL) {
		rsp.error = error;
		rsp.error_code = SPDK_JSONRPC_ERROR_INTERNAL_ERROR;
		if (spdk_json_find(error, "code", NULL, &v, SPDK_JSON_VAL_NUMBER) == 0) {
			spdk_json_decode_int32(v, &rsp.error_code);
		}
		if (spdk_json_find(error, "message", NULL, &v, SPDK_JSON_VAL_STRING) == 0) {
			message = spdk_json_strdup(v);
		}
		rsp.error_message = message != NULL ? message : "";
	} else {
		goto bad;
	}
	deliver(call, &rsp);
	free(message);
	free(values);
	return;
bad:
	/* The library wrote this text itself: this would be a bug. */
	SPDK_ERRLOG("RPC: the response of an in-process call cannot be parsed\n");
	free(values);
	deliver_error(call, SPDK_JSONRPC_ERROR_INTERNAL_ERROR, "Internal error");
}

static void
call_done(struct spdk_jsonrpc_request *request, void *ctx)
{
	struct rpc_call *call = ctx;

	if (!request->send || request->send_len == 0) {
		/* end_response() found no memory even for an error answer. */
		deliver_error(call, SPDK_JSONRPC_ERROR_INTERNAL_ERROR, "Internal error");
	} else {
		deliver_text(call, (char *)request->send_buf, request->send_len);
	}
	pw__jsonrpc_request_free(request);
	free(call);
}

PW_EXPORT int
pw_rpc_call(const char *method, const struct spdk_json_val *params, pw_rpc_call_cb cb_fn,
	    void *cb_arg)
{
	struct req_buf b = {};
	struct rpc_call *call;
	int rc;

	if (method == NULL || cb_fn == NULL) {
		SPDK_ERRLOG("pw_rpc_call: NULL %s\n", method == NULL ? "method" : "callback");
		return -EINVAL;
	}
	if (spdk_get_thread() == NULL) {
		SPDK_ERRLOG("pw_rpc_call(%s): not called on an spdk_thread\n", method);
		return -EINVAL;
	}
	rc = build_request(&b, method, params);
	if (rc != 0) {
		SPDK_ERRLOG("pw_rpc_call(%s): cannot write the request: %s\n", method,
			    spdk_strerror(-rc));
		free(b.buf);
		return rc;
	}
	call = calloc(1, sizeof(*call));
	if (call == NULL) {
		SPDK_ERRLOG("pw_rpc_call(%s): no memory for the call\n", method);
		free(b.buf);
		return -ENOMEM;
	}
	call->cb_fn = cb_fn;
	call->cb_arg = cb_arg;
	rc = pw__jsonrpc_local_request(b.buf, b.len, pw__rpc_handle_request, call_done, call);
	free(b.buf);
	if (rc != 0) {
		free(call);
	}
	return rc;
}

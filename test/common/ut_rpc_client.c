/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * A small JSON-RPC client for tests (see ut_rpc_client.h). The server answers
 * each request with one compact JSON value followed by '\n', so a response
 * is read up to the first newline.
 */

#include "spdk/stdinc.h"
#include "spdk/json.h"

#include <poll.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "harness.h"
#include "ut_rpc_client.h"

static _Atomic uint64_t g_next_id = 1;

int
ut_rpc_connect(const char *path)
{
	struct sockaddr_un addr;

	ASSERT_LT(strlen(path), sizeof(addr.sun_path));
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < 1000 * (int)pw_test_timeout_scale(); i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		ASSERT_GE(fd, 0);
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
			return fd;
		}
		close(fd);
		usleep(10 * 1000);
	}
	FAIL("cannot connect to %s: %s", path, strerror(errno));
}

static void
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		ASSERT_GT(n, 0);
		buf += n;
		len -= (size_t)n;
	}
}

/* One line (without its '\n'), malloc'ed. */
static char *
read_line(int fd, const char *what)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int waited_ms = 0, limit_ms = 30000 * (int)pw_test_timeout_scale();

	ASSERT_NOT_NULL(buf);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char c;

		/* Byte by byte: nothing of the next answer is taken. */
		if (poll(&pfd, 1, 100) == 0) {
			waited_ms += 100;
			if (waited_ms >= limit_ms) {
				FAIL("%s: no answer within %d ms (got %zu bytes)", what, limit_ms, len);
			}
			continue;
		}
		n = recv(fd, &c, 1, 0);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			FAIL("%s: the connection closed before an answer ended (%zu bytes: %.*s)", what,
			     len, (int)len, buf);
		}
		if (c == '\n') {
			buf[len] = '\0';
			return buf;
		}
		if (len + 2 > cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ASSERT_NOT_NULL(buf);
		}
		buf[len++] = c;
	}
}

static bool
name_is(const struct spdk_json_val *v, const char *name)
{
	return v->type == SPDK_JSON_VAL_NAME && v->len == strlen(name) &&
	       memcmp(v->start, name, v->len) == 0;
}

struct spdk_json_val *
ut_json_member(struct spdk_json_val *obj, const char *name)
{
	struct spdk_json_val *v, *end;

	ASSERT_EQ(obj->type, SPDK_JSON_VAL_OBJECT_BEGIN);
	end = obj + obj->len + 1;
	for (v = obj + 1; v < end; v += 1 + spdk_json_val_len(v + 1)) {
		if (name_is(v, name)) {
			return v + 1;
		}
	}
	return NULL;
}

struct spdk_json_val *
ut_json_elem(struct spdk_json_val *arr, size_t i)
{
	struct spdk_json_val *v, *end;

	ASSERT_EQ(arr->type, SPDK_JSON_VAL_ARRAY_BEGIN);
	end = arr + arr->len + 1;
	for (v = arr + 1; v < end; v += spdk_json_val_len(v)) {
		if (i-- == 0) {
			return v;
		}
	}
	return NULL;
}

size_t
ut_json_count(const struct spdk_json_val *arr)
{
	const struct spdk_json_val *v, *end;
	size_t n = 0;

	ASSERT_EQ(arr->type, SPDK_JSON_VAL_ARRAY_BEGIN);
	end = arr + arr->len + 1;
	for (v = arr + 1; v < end; v += spdk_json_val_len(v)) {
		n++;
	}
	return n;
}

uint64_t
ut_json_u64(const struct spdk_json_val *v)
{
	uint64_t x;

	ASSERT_EQ(v->type, SPDK_JSON_VAL_NUMBER);
	ASSERT_EQ(spdk_json_number_to_uint64(v, &x), 0);
	return x;
}

int32_t
ut_json_i32(const struct spdk_json_val *v)
{
	int32_t x;

	ASSERT_EQ(v->type, SPDK_JSON_VAL_NUMBER);
	ASSERT_EQ(spdk_json_number_to_int32(v, &x), 0);
	return x;
}

bool
ut_json_bool(const struct spdk_json_val *v)
{
	ASSERT(v->type == SPDK_JSON_VAL_TRUE || v->type == SPDK_JSON_VAL_FALSE);
	return v->type == SPDK_JSON_VAL_TRUE;
}

char *
ut_json_str(const struct spdk_json_val *v)
{
	char *s;

	ASSERT_EQ(v->type, SPDK_JSON_VAL_STRING);
	s = malloc(v->len + 1);
	ASSERT_NOT_NULL(s);
	memcpy(s, v->start, v->len);
	s[v->len] = '\0';
	return s;
}

static bool
kind_ok(const struct spdk_json_val *v, enum ut_json_kind kind)
{
	uint64_t u64;
	uint32_t u32;
	int32_t i32;

	switch (kind) {
	case UT_U32:
		return v->type == SPDK_JSON_VAL_NUMBER && spdk_json_number_to_uint32(v, &u32) == 0;
	case UT_U64:
		return v->type == SPDK_JSON_VAL_NUMBER && spdk_json_number_to_uint64(v, &u64) == 0;
	case UT_I32:
		return v->type == SPDK_JSON_VAL_NUMBER && spdk_json_number_to_int32(v, &i32) == 0;
	case UT_BOOL:
		return v->type == SPDK_JSON_VAL_TRUE || v->type == SPDK_JSON_VAL_FALSE;
	case UT_STR:
		return v->type == SPDK_JSON_VAL_STRING;
	case UT_ARR:
		return v->type == SPDK_JSON_VAL_ARRAY_BEGIN;
	case UT_OBJ:
		return v->type == SPDK_JSON_VAL_OBJECT_BEGIN;
	}
	return false;
}

void
ut_json_check_keys(struct spdk_json_val *obj, const struct ut_json_key *keys, size_t n,
		   const char *what)
{
	struct spdk_json_val *v, *end;
	size_t seen = 0;

	if (obj->type != SPDK_JSON_VAL_OBJECT_BEGIN) {
		FAIL("%s: not an object", what);
	}
	end = obj + obj->len + 1;
	for (v = obj + 1; v < end; v += 1 + spdk_json_val_len(v + 1)) {
		size_t i;

		for (i = 0; i < n; i++) {
			if (name_is(v, keys[i].name)) {
				break;
			}
		}
		if (i == n) {
			FAIL("%s: unexpected key '%.*s'", what, (int)v->len, (char *)v->start);
		}
		if (!kind_ok(v + 1, keys[i].kind)) {
			FAIL("%s: key '%s' has the wrong type", what, keys[i].name);
		}
		seen++;
	}
	for (size_t i = 0; i < n; i++) {
		if (ut_json_member(obj, keys[i].name) == NULL) {
			FAIL("%s: key '%s' is missing", what, keys[i].name);
		}
	}
	/* Every expected key found, and as many keys as expected: none twice. */
	if (seen != n) {
		FAIL("%s: %zu keys, expected %zu (a key appears twice)", what, seen, n);
	}
}

struct ut_rpc_resp *
ut_rpc_call(int fd, const char *method, const char *params_json)
{
	struct ut_rpc_resp *r = calloc(1, sizeof(*r));
	uint64_t id = atomic_fetch_add(&g_next_id, 1);
	struct spdk_json_val *err, *code, *msg, *rid;
	char *req;
	ssize_t n;
	int len;

	ASSERT_NOT_NULL(r);
	len = asprintf(&req, "{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"id\":%" PRIu64 "%s%s}",
		       method, id, params_json != NULL ? ",\"params\":" : "",
		       params_json != NULL ? params_json : "");
	ASSERT_GT(len, 0);
	send_all(fd, req, (size_t)len);
	r->text = read_line(fd, req);
	free(req);
	r->buf = strdup(r->text);
	ASSERT_NOT_NULL(r->buf);
	n = spdk_json_parse(r->buf, strlen(r->buf), NULL, 0, NULL, 0);
	if (n <= 0) {
		FAIL("%s: the answer is not JSON (%zd): %s", method, n, r->text);
	}
	r->count = (size_t)n;
	r->values = calloc(r->count, sizeof(*r->values));
	ASSERT_NOT_NULL(r->values);
	ASSERT_EQ(spdk_json_parse(r->buf, strlen(r->buf), r->values, r->count, NULL,
				  SPDK_JSON_PARSE_FLAG_DECODE_IN_PLACE), n);
	rid = ut_json_member(&r->values[0], "id");
	ASSERT_NOT_NULL(rid);
	ASSERT_EQ(ut_json_u64(rid), id);
	r->result = ut_json_member(&r->values[0], "result");
	err = ut_json_member(&r->values[0], "error");
	ASSERT((r->result == NULL) != (err == NULL));
	if (err != NULL) {
		code = ut_json_member(err, "code");
		msg = ut_json_member(err, "message");
		ASSERT_NOT_NULL(code);
		ASSERT_NOT_NULL(msg);
		r->error_code = ut_json_i32(code);
		r->error_message = ut_json_str(msg);
		ASSERT_NE(r->error_code, 0);
	}
	return r;
}

void
ut_rpc_resp_free(struct ut_rpc_resp *r)
{
	if (r == NULL) {
		return;
	}
	free(r->text);
	free(r->buf);
	free(r->values);
	free(r->error_message);
	free(r);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * A small JSON-RPC client for tests: connect to an app's Unix socket, send
 * one request, read its one-line answer, and look into it with the parsed
 * value array of spdk/json.h. Every function ASSERTs on failure (any thread).
 */

#ifndef UT_RPC_CLIENT_H
#define UT_RPC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spdk/json.h"

struct ut_rpc_resp {
	char			*text;		/* the line as received (NUL-terminated copy) */
	char			*buf;		/* parsed in place */
	struct spdk_json_val	*values;
	size_t			count;
	struct spdk_json_val	*result;	/* NULL for an error response */
	int64_t			error_code;	/* 0 unless an error response */
	char			*error_message;	/* NULL unless an error response */
};

/* Connect to \p path, retrying for up to 10 s while it does not exist yet. */
int ut_rpc_connect(const char *path);

/* Send {"jsonrpc":"2.0","method":method,"id":N[,"params":params_json]} and
 * wait (up to 30 s) for the answer. \p params_json may be NULL. */
struct ut_rpc_resp *ut_rpc_call(int fd, const char *method, const char *params_json);

void ut_rpc_resp_free(struct ut_rpc_resp *resp);

/* The member \p name of object \p obj, or NULL. */
struct spdk_json_val *ut_json_member(struct spdk_json_val *obj, const char *name);

/* The \p i-th element of array \p arr, or NULL. */
struct spdk_json_val *ut_json_elem(struct spdk_json_val *arr, size_t i);

/* Elements in array \p arr. */
size_t ut_json_count(const struct spdk_json_val *arr);

/* What a key must hold. */
enum ut_json_kind {
	UT_U32, UT_U64, UT_I32, UT_BOOL, UT_STR, UT_ARR, UT_OBJ,
};

struct ut_json_key {
	const char		*name;
	enum ut_json_kind	kind;
};

/* ASSERT that object \p obj has exactly the keys of \p keys (n of them), each
 * of its kind (numbers must fit the type), no other and none twice. \p what
 * names the object in messages. */
void ut_json_check_keys(struct spdk_json_val *obj, const struct ut_json_key *keys, size_t n,
			const char *what);

/* The number / string / bool at \p v (ASSERTs its kind). */
uint64_t ut_json_u64(const struct spdk_json_val *v);
int32_t ut_json_i32(const struct spdk_json_val *v);
bool ut_json_bool(const struct spdk_json_val *v);
/* A NUL-terminated copy (free() it). */
char *ut_json_str(const struct spdk_json_val *v);

#endif /* UT_RPC_CLIENT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Shared between the registry (rpc.c) and the listening addresses
 * (rpc_listen.c).
 */

#ifndef PW_RPC_RPC_INTERNAL_H
#define PW_RPC_RPC_INTERNAL_H

#include "rpc/jsonrpc_internal.h"
#include "spdk/rpc.h"

/* The request handler of every RPC server: looks the method up, checks the
 * allowlist and the state, and calls it (server's thread). */
void pw__rpc_handle_request(struct spdk_jsonrpc_request *request,
			    const struct spdk_json_val *method,
			    const struct spdk_json_val *params);

/* spdk_rpc_server_listen() with the reason of a failure: 0 and *server set,
 * or a negative errno (logged). */
int pw__rpc_server_listen(const char *path, struct spdk_rpc_server **server);

#endif /* PW_RPC_RPC_INTERNAL_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Where the examples put their RPC server. Like SPDK's programs they serve on
 * SPDK's default path (/var/tmp/spdk.sock) unless told otherwise;
 * PW_RPC_SOCKET=<path> moves the socket elsewhere and PW_RPC_SOCKET= (empty)
 * starts none. SPDK's tools keep their own command line (event_perf, reactor,
 * reactor_perf; and poll_groups), which has no -r: their tests and the benches
 * set this instead, so that programs run in parallel never share the default
 * path. In the examples that use spdk_app_parse_args(), -r and
 * --no-rpc-server given on the command line win over it.
 */

#ifndef EXAMPLE_RPC_H
#define EXAMPLE_RPC_H

#include "spdk/stdinc.h"
#include "spdk/event.h"

static inline void
example_rpc_addr_from_env(struct spdk_app_opts *opts)
{
	const char *addr = getenv("PW_RPC_SOCKET");

	if (addr != NULL) {
		opts->rpc_addr = addr[0] != '\0' ? addr : NULL;
	}
}

#endif /* EXAMPLE_RPC_H */

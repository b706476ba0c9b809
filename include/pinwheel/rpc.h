/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Pinwheel's own settings of the RPC server (not in SPDK).
 */

#ifndef PINWHEEL_RPC_H
#define PINWHEEL_RPC_H

#include "spdk/stdinc.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Open the RPC sockets created from now on to group \p gid: the socket and
 * its lock file get that group and mode 0660 instead of 0600. Pass
 * (gid_t)-1 to go back to 0600 (the default). The process must be allowed
 * to chown to \p gid (be a member, or root). Call before spdk_rpc_initialize()
 * (any thread).
 */
void pw_rpc_set_socket_group(gid_t gid);

/** The group set by pw_rpc_set_socket_group(), or (gid_t)-1 (any thread). */
gid_t pw_rpc_get_socket_group(void);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_RPC_H */

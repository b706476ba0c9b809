/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * The RPC server part of SPDK's `spdk/init.h`: starting and stopping the
 * JSON-RPC servers of an application. Include `spdk/init.h`, which includes
 * this header; it is separate only because the rpc layer implements it, below
 * the subsystems of the init layer that the rest of `spdk/init.h` declares.
 *
 * Who may connect: the socket and its lock file are created with mode 0600,
 * owned by the app's user (pw_rpc_set_socket_group() in `pinwheel/rpc.h`
 * opens them to a group). The path is checked before use: a socket, lock
 * file or symlink planted there by another user, or a file of the wrong
 * type, is refused with a message; a symlink is never followed. Only Unix
 * socket paths are accepted, never a TCP address.
 */

#ifndef PINWHEEL_RPC_INIT_H
#define PINWHEEL_RPC_INIT_H

#include "spdk/stdinc.h"
#include "spdk/assert.h"
#include "spdk/log.h"

#ifdef __cplusplus
extern "C" {
#endif

/** SPDK's default socket path (spdk_app_opts.rpc_addr). */
#define SPDK_DEFAULT_RPC_ADDR "/var/tmp/spdk.sock"

/** Options of spdk_rpc_initialize(). */
struct spdk_rpc_opts {
	/** sizeof(struct spdk_rpc_opts) as the caller knows it. */
	size_t size;
	/** Where requests and responses are logged (NULL: the log). */
	FILE *log_file;
	/** Level at which requests and responses are logged (default SPDK_LOG_DISABLED: not at all). */
	enum spdk_log_level log_level;
};
SPDK_STATIC_ASSERT(sizeof(struct spdk_rpc_opts) == 24, "Incorrect size");

/**
 * Start the JSON-RPC server on the Unix socket \p listen_addr, run by the
 * current spdk_thread (the app thread). Takes `<listen_addr>.lock` with
 * flock(); a stale socket (lock not held) is replaced. \p opts may be NULL
 * (defaults). Calling it again with another address adds a second server.
 *
 * \return 0; -EINVAL (NULL, empty, abstract or TCP-like address, not on an
 * spdk_thread, opts->size 0, or a method registration failed:
 * spdk_rpc_verify_methods()), -ENAMETOOLONG (longer than a Unix socket path),
 * -EADDRINUSE (another process holds `<listen_addr>.lock`, logged with both
 * paths; or this process listens there already), -EPERM (the socket or lock
 * path holds a symlink, a file of the wrong type, or a file of another user:
 * logged), -EIO (bind/listen failed, logged), or another negative errno of a
 * failing system call (logged).
 */
int spdk_rpc_initialize(const char *listen_addr, const struct spdk_rpc_opts *opts);

/** Stop every server, remove their sockets and lock files. App thread. */
void spdk_rpc_finish(void);

/** Stop the server listening on \p listen_addr (its files are removed). App thread. */
void spdk_rpc_server_finish(const char *listen_addr);

/**
 * Stop serving on \p listen_addr without closing it: requests wait in the
 * socket until spdk_rpc_server_resume(). App thread.
 */
void spdk_rpc_server_pause(const char *listen_addr);

/** Serve on \p listen_addr again after spdk_rpc_server_pause(). App thread. */
void spdk_rpc_server_resume(const char *listen_addr);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_RPC_INIT_H */

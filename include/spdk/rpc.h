/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * The RPC method registry and server (SPDK's `spdk/rpc.h`).
 *
 * Methods are registered by name, usually before main() with
 * SPDK_RPC_REGISTER(); each carries a state mask (SPDK_RPC_STARTUP,
 * SPDK_RPC_RUNTIME) saying in which server states it may run. A request for
 * an unknown method is answered -32601 ("Method not found"), one for a method
 * not allowed in the current state -1 (SPDK_JSONRPC_ERROR_INVALID_STATE).
 *
 * Threads: as in SPDK, call these on the app thread (the thread that runs
 * the server), except the registration functions, which may also run from
 * constructors before main() (before any thread exists).
 */

#ifndef SPDK_RPC_CONFIG_H_
#define SPDK_RPC_CONFIG_H_

#include "spdk/stdinc.h"
#include "spdk/jsonrpc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A listening RPC server (opaque). */
struct spdk_rpc_server;

/**
 * Check the registrations: no name registered twice, every alias names a
 * method that exists and is not itself an alias. Each problem is logged.
 *
 * \return true if all registrations are correct.
 */
bool spdk_rpc_verify_methods(void);

/**
 * Listen for RPC connections on the Unix socket path \p listen_addr, with
 * the checks of spdk_rpc_initialize() (lock file, owner, type, mode 0600).
 * Call on the spdk_thread that will run the server.
 *
 * \return the server, or NULL (logged).
 */
struct spdk_rpc_server *spdk_rpc_server_listen(const char *listen_addr);

/**
 * One round of \p server (accept, read, handle, write) without waiting. Not
 * needed: the server runs from fd readiness. Server's thread.
 */
void spdk_rpc_server_accept(struct spdk_rpc_server *server);

/**
 * Stop \p server, remove its socket and lock file, and free it. Server's
 * thread. NULL is a no-op.
 */
void spdk_rpc_server_close(struct spdk_rpc_server *server);

/**
 * Handler of one method: runs on the server's thread with \p params the
 * request's "params" (NULL if absent), valid only during the call. It must
 * answer \p request exactly once, now or later, from any spdk_thread.
 */
typedef void (*spdk_rpc_method_handler)(struct spdk_jsonrpc_request *request,
					const struct spdk_json_val *params);

/**
 * Register \p method (the name is copied) handled by \p func and allowed in
 * the states of \p state_mask. May run before main(). A name registered twice,
 * a NULL argument, or no memory is logged and the registration ignored; then
 * spdk_rpc_verify_methods() returns false and spdk_rpc_initialize() refuses
 * to start (as in SPDK). Never aborts.
 */
void spdk_rpc_register_method(const char *method, spdk_rpc_method_handler func,
			      uint32_t state_mask);

/**
 * Register \p alias as a deprecated second name of \p method; the first use
 * of the alias logs a deprecation warning. May run before main(). The method
 * must be registered already and not be an alias itself, and the alias name
 * must be free; otherwise the alias is refused (logged) and
 * spdk_rpc_verify_methods() returns false from then on.
 */
void spdk_rpc_register_alias_deprecated(const char *method, const char *alias);

/**
 * Whether \p method may run in \p state_mask.
 *
 * \return 0 if allowed, -EPERM if it exists but not for \p state_mask,
 * -ENOENT if there is no such method or the allowlist leaves it out (as SPDK).
 */
int spdk_rpc_is_method_allowed(const char *method, uint32_t state_mask);

/**
 * The state mask \p method was registered with, in \p *state_mask.
 *
 * \return 0, or -ENOENT if there is no such method (or a NULL argument).
 */
int spdk_rpc_get_method_state_mask(const char *method, uint32_t *state_mask);

#define SPDK_RPC_STARTUP	0x1	/**< before the framework is initialized (--wait-for-rpc) */
#define SPDK_RPC_RUNTIME	0x2	/**< once the application runs */

/**
 * Register \p func as method \p method (a string) from a constructor, before
 * main(). Constructors of methods run before those of aliases (priorities
 * 1000 and 1001, as in SPDK).
 */
#define SPDK_RPC_REGISTER(method, func, state_mask) \
static void __attribute__((constructor(1000))) rpc_register_##func(void) \
{ \
	spdk_rpc_register_method(method, func, state_mask); \
}

/** Register the deprecated alias \p alias (an identifier) of \p method (an identifier). */
#define SPDK_RPC_REGISTER_ALIAS_DEPRECATED(method, alias) \
static void __attribute__((constructor(1001))) rpc_register_##alias(void) \
{ \
	spdk_rpc_register_alias_deprecated(#method, #alias); \
}

/** Set the server's state (SPDK_RPC_STARTUP or SPDK_RPC_RUNTIME). App thread. */
void spdk_rpc_set_state(uint32_t state_mask);

/** The server's state (SPDK_RPC_STARTUP until spdk_rpc_set_state()). */
uint32_t spdk_rpc_get_state(void);

/**
 * Allow only the methods named in \p rpc_allowlist (a NULL-terminated array;
 * the names are copied); the others are answered -32601 "Method not found"
 * and left out of rpc_get_methods, as in SPDK. NULL allows every method
 * again. If the copy fails (no memory, logged), every method is refused.
 * Call before the server starts (--rpcs-allowed).
 */
void spdk_rpc_set_allowlist(const char **rpc_allowlist);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_RPC_CONFIG_H_ */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Pinwheel's own additions to the RPC layer (not in SPDK): settings of the
 * RPC server, and calling a registered method in-process, without a socket.
 */

#ifndef PINWHEEL_RPC_H
#define PINWHEEL_RPC_H

#include "spdk/stdinc.h"

struct spdk_json_val;

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

/** The answer to an in-process call (pw_rpc_call()). */
struct pw_rpc_response {
	/**
	 * The call's result (its first value; a container spans the entries
	 * up to its _END), or NULL when the call failed. Strings are decoded.
	 */
	const struct spdk_json_val *result;
	/**
	 * When the call failed: the JSON-RPC error code the handler sent
	 * (SPDK_JSONRPC_ERROR_METHOD_NOT_FOUND for a method that is not
	 * registered or not in the --rpcs-allowed list,
	 * SPDK_JSONRPC_ERROR_INVALID_STATE for one not allowed in the current
	 * RPC state, SPDK_JSONRPC_ERROR_INTERNAL_ERROR when no response could be
	 * built, ...). 0 when \ref result is set.
	 */
	int32_t error_code;
	/** When the call failed: the error's "message" (NUL-terminated); else NULL. */
	const char *error_message;
	/** When the call failed: the whole "error" object (code, message, data); else NULL. */
	const struct spdk_json_val *error;
};

/**
 * The end of an in-process call. Runs on the spdk_thread that called
 * pw_rpc_call(), never inside pw_rpc_call() itself.
 *
 * \param cb_arg pw_rpc_call()'s \p cb_arg.
 * \param response The answer; it and every value and string it points to
 * are owned by the library and valid only until the callback returns (copy
 * what must outlive it).
 */
typedef void (*pw_rpc_call_cb)(void *cb_arg, const struct pw_rpc_response *response);

/**
 * Call the registered RPC method \p method in-process, as if a client had
 * sent `{"jsonrpc": "2.0", "method": method, "id": 1, "params": params}` to
 * the RPC server: the same lookup and checks (the --rpcs-allowed list of
 * spdk_rpc_set_allowlist(), the method's state mask against
 * spdk_rpc_get_state(), deprecated aliases), with the same error answers,
 * then the handler runs on the current spdk_thread before this returns. No
 * server or socket is needed. spdk_jsonrpc_get_conn() returns NULL for such a
 * request (there is no connection to watch).
 *
 * The handler may answer at once or later, from any pthread (as for a
 * socket request); the answer is handed back by a message to the calling
 * spdk_thread, where \p cb_fn runs exactly once, never before this returns
 * (except when the answer is given on the calling thread itself and no
 * message can be allocated for it: \p cb_fn then runs at once, inside the
 * answering call, rather than the answer being lost).
 * A handler that never answers means \p cb_fn never runs, as a socket client
 * would wait forever. If the calling thread has exited (spdk_thread_exit())
 * when the answer comes, the answer is dropped with an error message; the
 * calling thread must not be destroyed (spdk_thread_destroy(), which a
 * reactor does to an exited thread) while a call is outstanding: the answer
 * would be sent to freed memory.
 *
 * Thread: any spdk_thread (the current one is where the handler runs and
 * \p cb_fn is called). Like the RPC server, it reads the method registry and
 * the RPC state without a lock: call it on the thread that registers methods
 * and sets the state (the app thread), or while neither changes.
 *
 * \param method Name of the method; copied.
 * \param params The call's parameters: an object or an array (with its
 * entries up to the _END, as spdk_json_parse() makes them), or NULL for no
 * params. Copied: the caller's values may be freed when this returns. A
 * parameter of another type is answered SPDK_JSONRPC_ERROR_INVALID_REQUEST,
 * as the server answers it.
 * \param cb_fn Receives the answer. Not NULL.
 * \param cb_arg Passed to \p cb_fn.
 * \return 0: the handler was called (or the call was answered with a JSON-RPC
 * error), \p cb_fn will run; -EINVAL: \p method or \p cb_fn NULL, or not
 * called on an spdk_thread (logged; \p cb_fn will not run); -ENOMEM: no memory
 * for the request (logged; \p cb_fn will not run).
 */
int pw_rpc_call(const char *method, const struct spdk_json_val *params, pw_rpc_call_cb cb_fn,
		void *cb_arg);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_RPC_H */

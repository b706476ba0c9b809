/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 *
 * The RPC method registry (SPDK's lib/rpc/rpc.c): registration, deprecated
 * aliases, the server state and its masks, the allowlist, the request
 * handler every server uses, and the two methods that belong here,
 * rpc_get_methods and spdk_get_version.
 *
 * Threads: registration runs from constructors before main() or on the app
 * thread; everything else runs on the app thread (as in SPDK), so the
 * registry takes no lock.
 */

#include "rpc/rpc_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"
#include "spdk/util.h"
#include "pinwheel/version.h"

struct rpc_method {
	char			*name;
	spdk_rpc_method_handler	func;
	uint32_t		state_mask;
	struct rpc_method	*alias_of;	/* NULL: a method, not an alias */
	bool			warned;		/* deprecation logged once */
	TAILQ_ENTRY(rpc_method)	link;
};

static TAILQ_HEAD(, rpc_method) g_methods = TAILQ_HEAD_INITIALIZER(g_methods);
static uint32_t g_state = SPDK_RPC_STARTUP;
static bool g_registrations_ok = true;
/* NULL: every method allowed. Otherwise a NULL-terminated array of names;
 * g_allow_none when copying the caller's list failed (deny rather than allow). */
static char **g_allowlist;
static bool g_allow_none;

/* ---------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------- */

static bool
allowed_by_list(const char *name)
{
	size_t i;

	if (g_allow_none) {
		return false;
	}
	if (g_allowlist == NULL) {
		return true;
	}
	for (i = 0; g_allowlist[i] != NULL; i++) {
		if (strcmp(g_allowlist[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static struct rpc_method *
find_method(const char *name)
{
	struct rpc_method *m;

	TAILQ_FOREACH(m, &g_methods, link) {
		if (strcmp(m->name, name) == 0) {
			return m;
		}
	}
	return NULL;
}

static struct rpc_method *
find_method_val(const struct spdk_json_val *name)
{
	struct rpc_method *m;

	TAILQ_FOREACH(m, &g_methods, link) {
		if (spdk_json_strequal(name, m->name)) {
			return m;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Registration (constructors or the app thread)
 * ------------------------------------------------------------------------- */

static struct rpc_method *
method_new(const char *name)
{
	struct rpc_method *m;

	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return NULL;
	}
	m->name = strdup(name);
	if (m->name == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

PW_EXPORT void
spdk_rpc_register_method(const char *method, spdk_rpc_method_handler func, uint32_t state_mask)
{
	struct rpc_method *m;

	if (method == NULL || func == NULL) {
		SPDK_ERRLOG("spdk_rpc_register_method: NULL %s\n", method == NULL ? "name" : "handler");
		g_registrations_ok = false;
		return;
	}
	if (find_method(method) != NULL) {
		SPDK_ERRLOG("RPC method %s registered twice: the second registration is ignored\n",
			    method);
		g_registrations_ok = false;
		return;
	}
	m = method_new(method);
	if (m == NULL) {
		SPDK_ERRLOG("RPC method %s: no memory to register it\n", method);
		g_registrations_ok = false;
		return;
	}
	m->func = func;
	m->state_mask = state_mask;
	TAILQ_INSERT_TAIL(&g_methods, m, link);
}

PW_EXPORT void
spdk_rpc_register_alias_deprecated(const char *method, const char *alias)
{
	struct rpc_method *base, *m;

	if (method == NULL || alias == NULL) {
		SPDK_ERRLOG("spdk_rpc_register_alias_deprecated: NULL %s\n",
			    method == NULL ? "method" : "alias");
		g_registrations_ok = false;
		return;
	}
	base = find_method(method);
	if (base == NULL) {
		SPDK_ERRLOG("RPC alias %s of method %s: no such method\n", alias, method);
		g_registrations_ok = false;
		return;
	}
	if (base->alias_of != NULL) {
		SPDK_ERRLOG("RPC alias %s: %s is itself an alias\n", alias, method);
		g_registrations_ok = false;
		return;
	}
	if (find_method(alias) != NULL) {
		SPDK_ERRLOG("RPC alias %s: the name is registered already\n", alias);
		g_registrations_ok = false;
		return;
	}
	m = method_new(alias);
	if (m == NULL) {
		SPDK_ERRLOG("RPC alias %s: no memory to register it\n", alias);
		g_registrations_ok = false;
		return;
	}
	m->alias_of = base;
	m->state_mask = base->state_mask;
	TAILQ_INSERT_TAIL(&g_methods, m, link);
}

PW_EXPORT bool
spdk_rpc_verify_methods(void)
{
	return g_registrations_ok;
}

PW_EXPORT int
spdk_rpc_is_method_allowed(const char *method, uint32_t state_mask)
{
	struct rpc_method *m;

	if (method == NULL) {
		SPDK_ERRLOG("spdk_rpc_is_method_allowed: NULL method\n");
		return -ENOENT;
	}
	if (!allowed_by_list(method)) {
		return -ENOENT;
	}
	m = find_method(method);
	if (m == NULL) {
		return -ENOENT;
	}
	return (m->state_mask & state_mask) == state_mask ? 0 : -EPERM;
}

PW_EXPORT int
spdk_rpc_get_method_state_mask(const char *method, uint32_t *state_mask)
{
	struct rpc_method *m;

	if (method == NULL || state_mask == NULL) {
		SPDK_ERRLOG("spdk_rpc_get_method_state_mask: NULL %s\n",
			    method == NULL ? "method" : "state_mask");
		return -ENOENT;
	}
	m = find_method(method);
	if (m == NULL) {
		return -ENOENT;
	}
	*state_mask = m->state_mask;
	return 0;
}

PW_EXPORT void
spdk_rpc_set_state(uint32_t state_mask)
{
	g_state = state_mask;
}

PW_EXPORT uint32_t
spdk_rpc_get_state(void)
{
	return g_state;
}

static void
free_allowlist(void)
{
	size_t i;

	if (g_allowlist != NULL) {
		for (i = 0; g_allowlist[i] != NULL; i++) {
			free(g_allowlist[i]);
		}
		free(g_allowlist);
	}
	g_allowlist = NULL;
	g_allow_none = false;
}

PW_EXPORT void
spdk_rpc_set_allowlist(const char **rpc_allowlist)
{
	size_t n, i;

	free_allowlist();
	if (rpc_allowlist == NULL) {
		return;
	}
	for (n = 0; rpc_allowlist[n] != NULL; n++) {
	}
	g_allowlist = calloc(n + 1, sizeof(*g_allowlist));
	if (g_allowlist == NULL) {
		goto nomem;
	}
	for (i = 0; i < n; i++) {
		g_allowlist[i] = strdup(rpc_allowlist[i]);
		if (g_allowlist[i] == NULL) {
			goto nomem;
		}
	}
	return;
nomem:
	free_allowlist();
	SPDK_ERRLOG("spdk_rpc_set_allowlist: no memory: every method is refused\n");
	g_allow_none = true;
}

/* ---------------------------------------------------------------------------
 * The request handler of every RPC server (server's thread)
 * ------------------------------------------------------------------------- */

void
pw__rpc_handle_request(struct spdk_jsonrpc_request *request, const struct spdk_json_val *method,
		       const struct spdk_json_val *params)
{
	struct rpc_method *m;

	m = find_method_val(method);
	if (m == NULL || !allowed_by_list(m->name)) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_METHOD_NOT_FOUND,
						 "Method not found");
		return;
	}
	if (m->alias_of != NULL) {
		if (!m->warned) {
			SPDK_WARNLOG("RPC method %s is deprecated.  Use %s instead.\n", m->name,
				     m->alias_of->name);
			m->warned = true;
		}
		m = m->alias_of;
	}
	if ((m->state_mask & g_state) != g_state) {
		/* SPDK's messages, word for word: clients match them. */
		if (g_state == SPDK_RPC_STARTUP) {
			spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_STATE,
							 "Method may only be called after framework is initialized "
							 "using framework_start_init RPC.");
		} else {
			spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_STATE,
							 "Method may only be called before framework is initialized. "
							 "Use --wait-for-rpc command line parameter and then issue "
							 "this RPC before the framework_start_init RPC.");
		}
		return;
	}
	m->func(request, params);
}

/* ---------------------------------------------------------------------------
 * rpc_get_methods, spdk_get_version
 * ------------------------------------------------------------------------- */

struct get_methods_params {
	bool current;
	bool include_aliases;
};

static const struct spdk_json_object_decoder g_get_methods_decoders[] = {
	{"current", offsetof(struct get_methods_params, current), spdk_json_decode_bool, true},
	{"include_aliases", offsetof(struct get_methods_params, include_aliases), spdk_json_decode_bool, true},
};

static void
rpc_get_methods(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct get_methods_params p = {};
	struct spdk_json_write_ctx *w;
	struct rpc_method *m;

	if (params != NULL && spdk_json_decode_object(params, g_get_methods_decoders,
			SPDK_COUNTOF(g_get_methods_decoders), &p) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "Invalid parameters");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_array_begin(w);
	TAILQ_FOREACH(m, &g_methods, link) {
		if (!allowed_by_list(m->name)) {
			continue;
		}
		if (m->alias_of != NULL && !p.include_aliases) {
			continue;
		}
		if (p.current && (m->state_mask & g_state) != g_state) {
			continue;
		}
		spdk_json_write_string(w, m->name);
	}
	spdk_json_write_array_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("rpc_get_methods", rpc_get_methods, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_spdk_get_version(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "spdk_get_version method requires no parameters");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "version", pw_version_string());
	spdk_json_write_named_object_begin(w, "fields");
	spdk_json_write_named_uint32(w, "major", PW_VERSION_MAJOR);
	spdk_json_write_named_uint32(w, "minor", PW_VERSION_MINOR);
	spdk_json_write_named_uint32(w, "patch", PW_VERSION_PATCH);
	spdk_json_write_named_string(w, "suffix", "");
	spdk_json_write_object_end(w);
	spdk_json_write_object_end(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("spdk_get_version", rpc_spdk_get_version, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Logging of JSON-RPC requests and responses (spdk_jsonrpc_set_log_level(),
 * spdk_jsonrpc_set_log_file()), for the server's connections and for
 * in-process calls alike. Split out of jsonrpc_request.c.
 */

#include "rpc/jsonrpc_internal.h"

#include "spdk/log.h"

/* Set on the server's thread, read by every pthread that answers (relaxed for
 * the level: a plain setting; release/acquire for the file, whose FILE the
 * caller made before passing it). */
static atomic_int g_log_level = SPDK_LOG_DISABLED;
static _Atomic(FILE *) g_log_file;

/* ---------------------------------------------------------------------------
 * Logging of requests and responses
 * ------------------------------------------------------------------------- */

PW_EXPORT void
spdk_jsonrpc_set_log_level(enum spdk_log_level level)
{
	if (level < SPDK_LOG_DISABLED || level > SPDK_LOG_DEBUG) {
		SPDK_ERRLOG("spdk_jsonrpc_set_log_level: level %d out of range\n", (int)level);
		return;
	}
	/* Relaxed: pairs with the relaxed loads of pw__jsonrpc_log(). */
	atomic_store_explicit(&g_log_level, (int)level, memory_order_relaxed);
}

PW_EXPORT void
spdk_jsonrpc_set_log_file(FILE *file)
{
	/* Release: pairs with the acquire load of pw__jsonrpc_log(). */
	atomic_store_explicit(&g_log_file, file, memory_order_release);
}

void
pw__jsonrpc_log(const char *prefix, const void *text, size_t len)
{
	/* Relaxed / acquire: pair with the stores of spdk_jsonrpc_set_log_level()/_file(). */
	int level = atomic_load_explicit(&g_log_level, memory_order_relaxed);
	FILE *file = atomic_load_explicit(&g_log_file, memory_order_acquire);
	char *line;
	size_t i, j;

	if (level == SPDK_LOG_DISABLED && file == NULL) {
		return;
	}
	/* One line per request: drop the newlines of pretty-printed text. */
	line = malloc(len + 1);
	if (line == NULL) {
		return;
	}
	for (i = 0, j = 0; i < len; i++) {
		char c = ((const char *)text)[i];

		if (c != '\n' && c != '\r') {
			line[j++] = c;
		}
	}
	line[j] = '\0';
	if (level != SPDK_LOG_DISABLED) {
		spdk_log((enum spdk_log_level)level, NULL, -1, NULL, "%s%s\n", prefix, line);
	}
	if (file != NULL) {
		spdk_flog(file, NULL, -1, NULL, "%s%s\n", prefix, line);
	}
	free(line);
}

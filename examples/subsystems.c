/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * subsystems: an application structured in subsystems, as SPDK's are.
 *
 * Two subsystems, each registered with SPDK_SUBSYSTEM_REGISTER:
 * - "pool": a fixed number of slots, allocated by its init and freed by its
 *   fini. Its size is set by the STARTUP-state method pool_set_options, so
 *   it can only come from the configuration (or from an RPC client while the
 *   app waits with --wait-for-rpc), before the pool exists.
 * - "greeter": names kept in the pool's slots; it needs the pool
 *   (SPDK_SUBSYSTEM_DEPEND), so it is initialised after it and finished
 *   before it. RUNTIME-state methods: greeter_add, greeter_remove,
 *   greeter_get.
 *
 * The framework initialises both before start_fn, configured from a JSON file
 * (--json FILE; without it, subsystems.json next to the executable, which
 * the build copies there), and finishes them in reverse at the stop. Each
 * subsystem writes its configuration back (write_config_json), so that
 * `pinwheel-rpc save_config` (or SPDK's `rpc.py save_config`) writes a file
 * that --json loads back to the same state.
 *
 *   build/examples/subsystems -r /tmp/sub.sock &
 *   scripts/pinwheel-rpc -s /tmp/sub.sock greeter_add --name carol
 *   scripts/pinwheel-rpc -s /tmp/sub.sock greeter_get
 *   scripts/pinwheel-rpc -s /tmp/sub.sock save_config > /tmp/saved.json
 *   kill %1; build/examples/subsystems -r /tmp/sub.sock --json /tmp/saved.json
 *
 * Every RPC method runs on the app thread, as do the subsystems' init and fini.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/util.h"

#define POOL_DEFAULT_SIZE	4
#define POOL_MAX_SIZE		1024
#define NAME_MAX_LEN		64

/* ---------------------------------------------------------------------------
 * The "pool" subsystem
 * ------------------------------------------------------------------------- */

static uint32_t g_pool_size = POOL_DEFAULT_SIZE;	/* pool_set_options */
static char **g_slots;					/* g_pool_size slots, NULL = free */

static void
pool_init(void)
{
	g_slots = calloc(g_pool_size, sizeof(*g_slots));
	if (g_slots == NULL) {
		fprintf(stderr, "subsystems: no memory for a pool of %" PRIu32 " slots\n",
			g_pool_size);
		spdk_subsystem_init_next(-ENOMEM);
		return;
	}
	printf("subsystems: pool: %" PRIu32 " slots\n", g_pool_size);
	spdk_subsystem_init_next(0);
}

static void
pool_fini(void)
{
	/* The greeter, which needs the pool, was finished before. */
	free(g_slots);
	g_slots = NULL;
	printf("subsystems: pool: finished\n");
	spdk_subsystem_fini_next();
}

static void
pool_write_config(struct spdk_json_write_ctx *w)
{
	spdk_json_write_array_begin(w);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_string(w, "method", "pool_set_options");
	spdk_json_write_named_object_begin(w, "params");
	spdk_json_write_named_uint32(w, "size", g_pool_size);
	spdk_json_write_object_end(w);
	spdk_json_write_object_end(w);
	spdk_json_write_array_end(w);
}

static struct spdk_subsystem g_pool = {
	.name = "pool",
	.init = pool_init,
	.fini = pool_fini,
	.write_config_json = pool_write_config,
};
SPDK_SUBSYSTEM_REGISTER(g_pool)

struct pool_options {
	uint32_t size;
};

static const struct spdk_json_object_decoder g_pool_options_decoders[] = {
	{"size", offsetof(struct pool_options, size), spdk_json_decode_uint32, false},
};

/* Only in the STARTUP state: the pool does not exist yet. */
static void
rpc_pool_set_options(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct pool_options opts = { 0 };

	if (params == NULL || spdk_json_decode_object(params, g_pool_options_decoders,
			SPDK_COUNTOF(g_pool_options_decoders), &opts) != 0 ||
	    opts.size == 0 || opts.size > POOL_MAX_SIZE) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "pool_set_options wants {\"size\": 1 to %d}",
						     POOL_MAX_SIZE);
		return;
	}
	g_pool_size = opts.size;
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("pool_set_options", rpc_pool_set_options, SPDK_RPC_STARTUP)

/* ---------------------------------------------------------------------------
 * The "greeter" subsystem: names in the pool's slots
 * ------------------------------------------------------------------------- */

static void
greeter_init(void)
{
	/* The pool exists: the dependency ordered it first. */
	printf("subsystems: greeter: ready\n");
	spdk_subsystem_init_next(0);
}

static void
greeter_fini(void)
{
	for (uint32_t i = 0; i < g_pool_size && g_slots != NULL; i++) {
		free(g_slots[i]);
		g_slots[i] = NULL;
	}
	printf("subsystems: greeter: finished\n");
	spdk_subsystem_fini_next();
}

/* One greeter_add per name: loading it recreates the same names. */
static void
greeter_write_config(struct spdk_json_write_ctx *w)
{
	spdk_json_write_array_begin(w);
	for (uint32_t i = 0; i < g_pool_size && g_slots != NULL; i++) {
		if (g_slots[i] == NULL) {
			continue;
		}
		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "method", "greeter_add");
		spdk_json_write_named_object_begin(w, "params");
		spdk_json_write_named_string(w, "name", g_slots[i]);
		spdk_json_write_object_end(w);
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
}

static struct spdk_subsystem g_greeter = {
	.name = "greeter",
	.init = greeter_init,
	.fini = greeter_fini,
	.write_config_json = greeter_write_config,
};
SPDK_SUBSYSTEM_REGISTER(g_greeter)
SPDK_SUBSYSTEM_DEPEND(greeter, pool)

static int
find_name(const char *name)
{
	for (uint32_t i = 0; i < g_pool_size; i++) {
		if (g_slots[i] != NULL && strcmp(g_slots[i], name) == 0) {
			return (int)i;
		}
	}
	return -1;
}

struct greeter_name {
	char *name;
};

static const struct spdk_json_object_decoder g_name_decoders[] = {
	{"name", offsetof(struct greeter_name, name), spdk_json_decode_string, false},
};

/* Decode {"name": ...}; NULL after answering the request with an error. */
static char *
decode_name(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params,
	    const char *method)
{
	struct greeter_name p = { 0 };

	if (params == NULL || spdk_json_decode_object(params, g_name_decoders,
			SPDK_COUNTOF(g_name_decoders), &p) != 0 ||
	    p.name[0] == '\0' || strlen(p.name) > NAME_MAX_LEN) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "%s wants {\"name\": 1 to %d characters}",
						     method, NAME_MAX_LEN);
		free(p.name);
		return NULL;
	}
	return p.name;
}

static void
rpc_greeter_add(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	char *name = decode_name(request, params, "greeter_add");
	int free_slot;

	if (name == NULL) {
		return;
	}
	if (find_name(name) >= 0) {
		spdk_jsonrpc_send_error_response_fmt(request, -EEXIST, "'%s' is there already",
						     name);
		free(name);
		return;
	}
	for (free_slot = 0; free_slot < (int)g_pool_size && g_slots[free_slot] != NULL;
	     free_slot++) {
	}
	if (free_slot == (int)g_pool_size) {
		spdk_jsonrpc_send_error_response_fmt(request, -ENOSPC, "the pool's %" PRIu32
						     " slots are taken", g_pool_size);
		free(name);
		return;
	}
	g_slots[free_slot] = name;
	spdk_jsonrpc_send_bool_response(request, true);
}
SPDK_RPC_REGISTER("greeter_add", rpc_greeter_add, SPDK_RPC_RUNTIME)

static void
rpc_greeter_remove(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	char *name = decode_name(request, params, "greeter_remove");
	int slot;

	if (name == NULL) {
		return;
	}
	slot = find_name(name);
	if (slot < 0) {
		spdk_jsonrpc_send_error_response_fmt(request, -ENOENT, "no '%s'", name);
	} else {
		free(g_slots[slot]);
		g_slots[slot] = NULL;
		spdk_jsonrpc_send_bool_response(request, true);
	}
	free(name);
}
SPDK_RPC_REGISTER("greeter_remove", rpc_greeter_remove, SPDK_RPC_RUNTIME)

static void
write_state(struct spdk_json_write_ctx *w)
{
	spdk_json_write_object_begin(w);
	spdk_json_write_named_uint32(w, "pool_size", g_pool_size);
	spdk_json_write_named_array_begin(w, "names");
	for (uint32_t i = 0; i < g_pool_size; i++) {
		if (g_slots[i] != NULL) {
			spdk_json_write_string(w, g_slots[i]);
		}
	}
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);
}

static void
rpc_greeter_get(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "greeter_get requires no parameters");
		return;
	}
	w = spdk_jsonrpc_begin_result(request);
	write_state(w);
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("greeter_get", rpc_greeter_get, SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * The application
 * ------------------------------------------------------------------------- */

/* Both subsystems are initialised and configured when this runs. */
static void
start(void *ctx)
{
	printf("subsystems: greetings:");
	for (uint32_t i = 0; i < g_pool_size; i++) {
		if (g_slots[i] != NULL) {
			printf(" hello, %s!", g_slots[i]);
		}
	}
	printf("\nsubsystems: ready\n");
	fflush(stdout);
}

/* subsystems.json next to the executable, if it is there. */
static char *
default_config(void)
{
	char exe[PATH_MAX], *slash, *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		return NULL;
	}
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash == NULL) {
		return NULL;
	}
	*slash = '\0';
	path = spdk_sprintf_alloc("%s/subsystems.json", exe);
	if (path != NULL && access(path, R_OK) != 0) {
		free(path);
		path = NULL;
	}
	return path;
}

static void
usage(void)
{
	printf(" without --json, subsystems.json next to the executable configures the "
	       "subsystems\n");
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts;
	char *config = NULL;
	int rc;

	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "subsystems";
	rc = spdk_app_parse_args(argc, argv, &opts, NULL, NULL, NULL, usage);
	if (rc != SPDK_APP_PARSE_ARGS_SUCCESS) {
		return rc == SPDK_APP_PARSE_ARGS_HELP ? 0 : 1;
	}
	if (optind < argc) {
		fprintf(stderr, "subsystems: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	if (opts.json_config_file == NULL) {
		config = default_config();
		opts.json_config_file = config;
	}
	printf("subsystems: configuration %s\n",
	       opts.json_config_file != NULL ? opts.json_config_file : "(none)");
	rc = spdk_app_start(&opts, start, NULL);
	spdk_app_fini();
	free(config);
	printf("subsystems: done (%d)\n", rc);
	return rc == 0 ? 0 : 1;
}

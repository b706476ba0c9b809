/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Fault injection in the app's start sequence with subsystems (built only with
 * -DPW_FAULT_INJECTION=ON; see fault_scenarios.c for the method, which this
 * file's driver repeats): spdk_app_start() on one core with a JSON
 * configuration in opts->json_data (a STARTUP entry and a RUNTIME entry, run
 * in-process) and two subsystems, fs_b needing fs_a; fs_a's init reports
 * from a poller, fs_b's init and fini from messages. start_fn checks that
 * everything was configured and stops the app.
 *
 * Whatever fails, the run must end (no hang), spdk_app_start() must return 0
 * only if start_fn ran with everything configured, every subsystem whose init
 * succeeded must be finished exactly once and none other (fs_a's allocation,
 * freed by its fini, makes a missing fini a leak for LeakSanitizer), and the
 * library must still work: a clean run afterwards passes.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/thread.h"

#include "common/pw_fault.h"

/* The leak check of LeakSanitizer, when the build has it (weak: absent otherwise). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* What one run did (app thread only). */
static struct {
	int		a_inits, a_finis, b_inits, b_finis;
	int		startup_v, runtime_v;
	bool		started;
	void		*a_memory;
	struct spdk_poller *a_poller;
} g_run;

static int
a_init_poll(void *arg)
{
	spdk_poller_unregister(&g_run.a_poller);
	g_run.a_memory = malloc(64);
	if (g_run.a_memory == NULL) {
		spdk_subsystem_init_next(-ENOMEM);
		return SPDK_POLLER_BUSY;
	}
	g_run.a_inits++;
	spdk_subsystem_init_next(0);
	return SPDK_POLLER_BUSY;
}

static void
a_init(void)
{
	g_run.a_poller = spdk_poller_register(a_init_poll, NULL, 0);
	if (g_run.a_poller == NULL) {
		spdk_subsystem_init_next(-ENOMEM);
	}
}

static void
a_fini(void)
{
	g_run.a_finis++;
	free(g_run.a_memory);
	g_run.a_memory = NULL;
	spdk_subsystem_fini_next();
}

static void
b_init_done(void *arg)
{
	g_run.b_inits++;
	spdk_subsystem_init_next(0);
}

static void
b_init(void)
{
	int rc = spdk_thread_send_msg(spdk_get_thread(), b_init_done, NULL);

	if (rc != 0) {
		spdk_subsystem_init_next(rc);
	}
}

static void
b_fini_done(void *arg)
{
	g_run.b_finis++;
	spdk_subsystem_fini_next();
}

static void
b_fini(void)
{
	if (spdk_thread_send_msg(spdk_get_thread(), b_fini_done, NULL) != 0) {
		b_fini_done(NULL);
	}
}

static struct spdk_subsystem g_fs_a = { .name = "fs_a", .init = a_init, .fini = a_fini };
static struct spdk_subsystem g_fs_b = { .name = "fs_b", .init = b_init, .fini = b_fini };
SPDK_SUBSYSTEM_REGISTER(g_fs_a)
SPDK_SUBSYSTEM_REGISTER(g_fs_b)
SPDK_SUBSYSTEM_DEPEND(fs_b, fs_a)

struct set_params {
	int32_t v;
};

static const struct spdk_json_object_decoder g_set_decoders[] = {
	{"v", offsetof(struct set_params, v), spdk_json_decode_int32, false},
};

static void
set_value(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params, int *dst)
{
	struct set_params p = { 0 };

	if (params == NULL || spdk_json_decode_object(params, g_set_decoders,
			SPDK_COUNTOF(g_set_decoders), &p) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "wants {\"v\": <int>}");
		return;
	}
	*dst = p.v;
	spdk_jsonrpc_send_bool_response(request, true);
}

static void
rpc_fs_startup(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	set_value(request, params, &g_run.startup_v);
}
SPDK_RPC_REGISTER("fs_startup", rpc_fs_startup, SPDK_RPC_STARTUP)

static void
rpc_fs_runtime(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	set_value(request, params, &g_run.runtime_v);
}
SPDK_RPC_REGISTER("fs_runtime", rpc_fs_runtime, SPDK_RPC_RUNTIME)

static const char g_config[] =
	"{\"subsystems\": [\n"
	"  {\"subsystem\": \"fs_a\", \"config\": [{\"method\": \"fs_startup\", \"params\": {\"v\": 1}}]},\n"
	"  {\"subsystem\": \"fs_b\", \"config\": [{\"method\": \"fs_runtime\", \"params\": {\"v\": 2}}]}\n"
	"]}\n";

static void
start_fn(void *ctx)
{
	g_run.started = true;
	spdk_app_stop(g_run.startup_v == 1 && g_run.runtime_v == 2 && g_run.a_inits == 1 &&
		      g_run.b_inits == 1 ? 0 : -EIO);
}

static int
scenario_app_subsystems(void)
{
	struct spdk_app_opts opts;
	int rc;

	memset(&g_run, 0, sizeof(g_run));
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "fault_subsystems";
	/* No RPC server: tests run in parallel and would share its default path. */
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x1";
	/* Quiet: the library logs every refusal; the test reads return codes. */
	opts.print_level = SPDK_LOG_DISABLED;
	opts.json_data = (void *)g_config;
	opts.json_data_size = sizeof(g_config) - 1;
	rc = spdk_app_start(&opts, start_fn, NULL);
	spdk_app_fini();
	if (rc == 0 && !g_run.started) {
		FAIL("spdk_app_start returned 0 but start_fn never ran");
	}
	if (g_run.a_finis != g_run.a_inits || g_run.b_finis != g_run.b_inits) {
		FAIL("inits and finis do not match: fs_a %d/%d, fs_b %d/%d (rc %d)",
		     g_run.a_inits, g_run.a_finis, g_run.b_inits, g_run.b_finis, rc);
	}
	if (g_run.b_inits > g_run.a_inits) {
		FAIL("fs_b initialised without fs_a");
	}
	return rc;
}

/* ---------------------------------------------------------------------------
 * The driver (as fault_scenarios.c's)
 * ------------------------------------------------------------------------- */

static void
check_leaks(uint64_t n)
{
	if (__lsan_do_recoverable_leak_check != NULL && __lsan_do_recoverable_leak_check() != 0) {
		FAIL("leak after failing injection point %" PRIu64, n);
	}
}

static void
drive(bool sticky)
{
	uint64_t n, clean_points, errors = 0;
	cpu_set_t affinity;
	int rc;

	ASSERT_EQ(sched_getaffinity(0, sizeof(affinity), &affinity), 0);
	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	pw__fault_arm(0, false);
	rc = scenario_app_subsystems();
	clean_points = pw__fault_points();
	if (rc != 0) {
		FAIL("fails with nothing injected: %d", rc);
	}
	for (n = 1;; n++) {
		pw__fault_arm(n, sticky);
		rc = scenario_app_subsystems();
		if (pw__fault_injected() == 0) {
			pw__fault_arm(0, false);
			if (rc != 0) {
				FAIL("fails with nothing injected: %d", rc);
			}
			break;
		}
		pw__fault_arm(0, false);
		if (rc != 0) {
			errors++;
		}
		/* The one thing the library cannot undo when the system refuses:
		 * giving the pthread it pinned its cpu mask back (logged). */
		ASSERT_EQ(sched_setaffinity(0, sizeof(affinity), &affinity), 0);
		check_leaks(n);
		rc = scenario_app_subsystems();
		if (rc != 0) {
			FAIL("after failing point %" PRIu64 ", a clean run fails: %d", n, rc);
		}
		if (n > 100000) {
			FAIL("the scenario never runs out of injection points");
		}
	}
	check_leaks(n);
	printf("fault %-18s %-7s %4" PRIu64 " injection points in a clean run, %4" PRIu64
	       " runs with a failure, %4" PRIu64 " of them returned an error\n",
	       "app_subsystems", sticky ? "sticky" : "single", clean_points, n - 1, errors);
	fflush(stdout);
}

TEST_TIMEOUT(app_subsystems_single, 600)
{
	drive(false);
}

TEST_TIMEOUT(app_subsystems_sticky, 600)
{
	drive(true);
}

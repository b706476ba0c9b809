/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The framework's RPC methods: framework_start_init, framework_wait_init,
 * framework_get_reactors and spdk_kill_instance, with SPDK's names, params,
 * state masks and result keys; and the shape of the reactor objects for older
 * spdk_top releases (pinwheel/event.h). The thread_* methods are in
 * thread_rpc.c, the log_* ones in log_rpc.c, the scheduler's in
 * scheduler_rpc.c, framework_get_subsystems and framework_get_config in
 * lib/init/subsystem_rpc.c.
 *
 * spdk_top decodes framework_get_reactors strictly, so the keys of a reactor
 * object are exactly those of the release asked for (--pw-rpc-compat), and
 * anything Pinwheel adds goes into methods of its own, never into these.
 */

#include "event/event_internal.h"


#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/string.h"
#include "spdk/util.h"

#include <dirent.h>

/* ---------------------------------------------------------------------------
 * Compatibility with older spdk_top releases
 * ------------------------------------------------------------------------- */

static _Atomic int g_rpc_compat = PW_RPC_COMPAT_LATEST;

PW_EXPORT int
pw_app_set_rpc_compat(enum pw_rpc_compat compat)
{
	if ((int)compat < PW_RPC_COMPAT_LATEST || compat > PW_RPC_COMPAT_V24_09) {
		SPDK_ERRLOG("pw_app_set_rpc_compat: %d is not an enum pw_rpc_compat\n", (int)compat);
		return -EINVAL;
	}
	/* Relaxed: a lone setting, read on its own by the next request. */
	atomic_store_explicit(&g_rpc_compat, (int)compat, memory_order_relaxed);
	return 0;
}

PW_EXPORT enum pw_rpc_compat
pw_app_get_rpc_compat(void)
{
	/* Relaxed: pairs with the relaxed store above (nothing else rides on it). */
	return (enum pw_rpc_compat)atomic_load_explicit(&g_rpc_compat, memory_order_relaxed);
}

#define COMPAT_FORMS "'latest', or an spdk_top release as [v]YY.MM: v24.01 or older (no " \
	"irq/sys/usr/tid/numa_id), v24.05 (+ irq/sys/usr), v24.09 to v26.01 (+ tid), " \
	"later (+ numa_id, the same as 'latest')"

PW_EXPORT int
pw_app_parse_rpc_compat(const char *text, enum pw_rpc_compat *compat)
{
	unsigned int yy, mm;
	int end = 0;
	const char *p;

	if (text == NULL || compat == NULL) {
		SPDK_ERRLOG("pw_app_parse_rpc_compat: NULL %s\n", text == NULL ? "text" : "compat");
		return -EINVAL;
	}
	if (strcmp(text, "latest") == 0) {
		*compat = PW_RPC_COMPAT_LATEST;
		return 0;
	}
	p = text[0] == 'v' ? text + 1 : text;
	if (!isdigit((unsigned char)p[0]) || sscanf(p, "%2u.%2u%n", &yy, &mm, &end) != 2 ||
	    p[end] != '\0' || end != 5 || mm < 1 || mm > 12) {
		SPDK_ERRLOG("invalid RPC compatibility setting '%s': expected %s\n", text,
			    COMPAT_FORMS);
		return -EINVAL;
	}
	if (yy * 100 + mm <= 2401) {
		*compat = PW_RPC_COMPAT_V24_01;
	} else if (yy * 100 + mm < 2409) {
		*compat = PW_RPC_COMPAT_V24_05;
	} else if (yy * 100 + mm <= 2601) {
		*compat = PW_RPC_COMPAT_V24_09;
	} else {
		*compat = PW_RPC_COMPAT_LATEST;
	}
	return 0;
}

/* ---------------------------------------------------------------------------
 * Per-cpu figures: /proc/stat jiffies since the app started, NUMA node
 * ------------------------------------------------------------------------- */

struct cpu_stat {
	uint64_t	usr;
	uint64_t	sys;
	uint64_t	irq;	/* irq + softirq, as SPDK counts it */
};

/* Written by spdk_app_start() before the reactors run, then only read. */
static struct cpu_stat g_stat_base[SPDK_CPUSET_SIZE];

/* The jiffies of cpu \p core so far; -1 when /proc/stat has no line for it. */
static int
read_cpu_stat(uint32_t core, struct cpu_stat *st)
{
	char line[512];
	FILE *f = fopen("/proc/stat", "re");
	int rc = -1;

	if (f == NULL) {
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned int cpu;
		uint64_t user, nice, system, idle, iowait, irq, softirq;

		/* cpuN user nice system idle iowait irq softirq steal ... */
		if (sscanf(line, "cpu%u %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
			   " %" SCNu64 " %" SCNu64, &cpu, &user, &nice, &system, &idle, &iowait,
			   &irq, &softirq) == 8 && cpu == core) {
			st->usr = user;
			st->sys = system;
			st->irq = irq + softirq;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

void
pw__app_rpc_stat_baseline(void)
{
	uint32_t core;

	memset(g_stat_base, 0, sizeof(g_stat_base));
	SPDK_ENV_FOREACH_CORE(core) {
		if (core < SPDK_CPUSET_SIZE) {
			read_cpu_stat(core, &g_stat_base[core]);
		}
	}
}

static uint64_t
delta(uint64_t now, uint64_t then)
{
	return now >= then ? now - then : 0;
}

/* The NUMA node of cpu \p core, from sysfs; 0 where the system shows none
 * (one node), as DPDK answers there. */
static int32_t
cpu_numa_id(uint32_t core)
{
	char path[64];
	struct dirent *e;
	DIR *d;
	int32_t node = 0;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%u", core);
	d = opendir(path);
	if (d == NULL) {
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		unsigned int n;
		int end = 0;

		if (sscanf(e->d_name, "node%u%n", &n, &end) == 1 && e->d_name[end] == '\0' &&
		    n <= INT32_MAX) {
			node = (int32_t)n;
			break;
		}
	}
	closedir(d);
	return node;
}

/* ---------------------------------------------------------------------------
 * framework_start_init, framework_wait_init
 * ------------------------------------------------------------------------- */

/* framework_wait_init requests that came before the initialisation completed
 * (app thread only). They wait without a poller: app.c tells us when. */
struct init_waiter {
	struct spdk_jsonrpc_request	*request;
	TAILQ_ENTRY(init_waiter)	link;
};
static TAILQ_HEAD(, init_waiter) g_init_waiters = TAILQ_HEAD_INITIALIZER(g_init_waiters);

static void
answer_waiters(bool ok)
{
	struct init_waiter *w;

	while ((w = TAILQ_FIRST(&g_init_waiters)) != NULL) {
		TAILQ_REMOVE(&g_init_waiters, w, link);
		if (ok) {
			spdk_jsonrpc_send_bool_response(w->request, true);
		} else {
			spdk_jsonrpc_send_error_response(w->request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
							 "the application stopped before its "
							 "initialisation completed");
		}
		free(w);
	}
}

void
pw__app_rpc_init_done(void)
{
	answer_waiters(true);
}

void
pw__app_rpc_stop(void)
{
	answer_waiters(false);
}

/* The initialisation that framework_start_init asked for is done, or failed
 * (the app then stops). */
static void
start_init_done(int rc, void *ctx)
{
	struct spdk_jsonrpc_request *request = ctx;

	if (rc == 0) {
		spdk_jsonrpc_send_bool_response(request, true);
		return;
	}
	spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
					     "framework_initialization failed: %s",
					     rc == -ECANCELED ? "the application is stopping" :
					     spdk_strerror(rc < 0 ? -rc : rc));
}

static void
rpc_framework_start_init(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	int rc;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "framework_start_init requires no parameters");
		return;
	}
	/* Answered once the subsystems and the RUNTIME entries are done. */
	rc = pw__app_start_init(start_init_done, request);
	if (rc != 0) {
		/* Only allowed in the STARTUP state, so only a second request
		 * racing the first, or one during a stop, can see this. */
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 rc == -ECANCELED ? "the application is stopping" :
						 "the framework is initialised already, or its "
						 "initialisation is under way");
		return;
	}
}
SPDK_RPC_REGISTER("framework_start_init", rpc_framework_start_init, SPDK_RPC_STARTUP)

static void
rpc_framework_wait_init(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct init_waiter *w;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "framework_wait_init requires no parameters");
		return;
	}
	if (pw__app_init_done()) {
		spdk_jsonrpc_send_bool_response(request, true);
		return;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "no memory for the request");
		return;
	}
	w->request = request;
	TAILQ_INSERT_TAIL(&g_init_waiters, w, link);
}
SPDK_RPC_REGISTER("framework_wait_init", rpc_framework_wait_init,
		  SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

/* framework_get_subsystems and framework_get_config are registered by
 * lib/init/subsystem_rpc.c, which a static link pulls in with the subsystem
 * registry; this reference keeps the registry in every app, also one that
 * never calls spdk_subsystem_init(). */
static void (*const g_subsystem_link)(spdk_subsystem_init_fn, void *) __attribute__((used)) =
	spdk_subsystem_init;

/* ---------------------------------------------------------------------------
 * framework_get_reactors
 * ------------------------------------------------------------------------- */

struct reactors_ctx {
	struct spdk_jsonrpc_request	*request;
	struct spdk_json_write_ctx	*w;
	struct spdk_thread		*origin;	/* answers from here */
	uint64_t			now;		/* ticks when asked */
	enum pw_rpc_compat		compat;
};

/* Runs on each reactor in turn (no current spdk_thread): what it owns is
 * read by its own pthread. */
static void
write_reactor(void *arg1, void *arg2)
{
	struct reactors_ctx *ctx = arg1;
	struct spdk_json_write_ctx *w = ctx->w;
	struct spdk_reactor *reactor = pw__tls_reactor;
	struct spdk_lw_thread *lw_thread;
	struct spdk_cpuset mask;
	struct cpu_stat st = { 0 }, *base;
	bool with_stat = ctx->compat != PW_RPC_COMPAT_V24_01;

	assert(reactor != NULL);
	spdk_json_write_object_begin(w);
	spdk_json_write_named_uint32(w, "lcore", reactor->lcore);
	if (ctx->compat == PW_RPC_COMPAT_LATEST) {
		spdk_json_write_named_int32(w, "numa_id", cpu_numa_id(reactor->lcore));
	}
	if (ctx->compat == PW_RPC_COMPAT_LATEST || ctx->compat == PW_RPC_COMPAT_V24_09) {
		spdk_json_write_named_uint64(w, "tid", reactor->tid);
	}
	spdk_json_write_named_uint64(w, "busy", reactor->busy_tsc);
	spdk_json_write_named_uint64(w, "idle", reactor->idle_tsc);
	/* Reactors follow the process-wide interrupt mode (no scheduler
	 * switches them one by one). */
	spdk_json_write_named_bool(w, "in_interrupt", spdk_interrupt_mode_is_enabled());
	if (with_stat) {
		if (reactor->lcore < SPDK_CPUSET_SIZE && read_cpu_stat(reactor->lcore, &st) == 0) {
			base = &g_stat_base[reactor->lcore];
			st.irq = delta(st.irq, base->irq);
			st.sys = delta(st.sys, base->sys);
			st.usr = delta(st.usr, base->usr);
		} else {
			memset(&st, 0, sizeof(st));
		}
		spdk_json_write_named_uint64(w, "irq", st.irq);
		spdk_json_write_named_uint64(w, "sys", st.sys);
		spdk_json_write_named_uint64(w, "usr", st.usr);
	}
	spdk_json_write_named_array_begin(w, "lw_threads");
	TAILQ_FOREACH(lw_thread, &reactor->threads, link) {
		struct spdk_thread *thread = spdk_thread_get_from_ctx(lw_thread);

		spdk_json_write_object_begin(w);
		spdk_json_write_named_string(w, "name", spdk_thread_get_name(thread));
		spdk_json_write_named_uint64(w, "id", spdk_thread_get_id(thread));
		spdk_cpuset_copy(&mask, pw__app_core_mask());
		spdk_cpuset_and(&mask, pw_thread_get_cpumask(thread));
		spdk_json_write_named_string(w, "cpumask", spdk_cpuset_fmt(&mask));
		spdk_json_write_named_uint64(w, "elapsed", delta(ctx->now, lw_thread->tsc_start));
		spdk_json_write_object_end(w);
	}
	spdk_json_write_array_end(w);
	spdk_json_write_object_end(w);
}

static void
reactors_answer(void *arg)
{
	struct reactors_ctx *ctx = arg;

	spdk_json_write_array_end(ctx->w);
	spdk_json_write_object_end(ctx->w);
	spdk_jsonrpc_end_result(ctx->request, ctx->w);
	free(ctx);
}

/* The walk's end runs as an event: answer from the thread that was asked. */
static void
reactors_walked(void *arg1, void *arg2)
{
	struct reactors_ctx *ctx = arg1;

	if (spdk_thread_send_msg(ctx->origin, reactors_answer, ctx) != 0) {
		/* The app thread is gone: the server with it. */
		reactors_answer(ctx);
	}
}

static void
rpc_framework_get_reactors(struct spdk_jsonrpc_request *request,
			   const struct spdk_json_val *params)
{
	struct reactors_ctx *ctx;

	if (params != NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "framework_get_reactors requires no parameters");
		return;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INTERNAL_ERROR,
						 "no memory for the request");
		return;
	}
	ctx->request = request;
	ctx->origin = spdk_get_thread();
	ctx->now = spdk_get_ticks();
	ctx->compat = pw_app_get_rpc_compat();
	ctx->w = spdk_jsonrpc_begin_result(request);
	spdk_json_write_object_begin(ctx->w);
	spdk_json_write_named_uint64(ctx->w, "tick_rate", spdk_get_ticks_hz());
	spdk_json_write_named_uint64(ctx->w, "pid", (uint64_t)getpid());
	spdk_json_write_named_array_begin(ctx->w, "reactors");
	spdk_for_each_reactor(write_reactor, ctx, NULL, reactors_walked);
}
SPDK_RPC_REGISTER("framework_get_reactors", rpc_framework_get_reactors, SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * spdk_kill_instance
 * ------------------------------------------------------------------------- */

static const struct {
	const char	*name;
	int		signo;
} g_kill_signals[] = {
	{"SIGINT", SIGINT}, {"SIGTERM", SIGTERM}, {"SIGQUIT", SIGQUIT},
	{"SIGHUP", SIGHUP}, {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},
};

/* The signal named (or numbered, in decimal) by \p text, or 0. */
static int
kill_signal(const char *text)
{
	long n = spdk_strtol(text, 10);

	for (size_t i = 0; i < SPDK_COUNTOF(g_kill_signals); i++) {
		if (strcmp(text, g_kill_signals[i].name) == 0 || n == g_kill_signals[i].signo) {
			return g_kill_signals[i].signo;
		}
	}
	return 0;
}

struct kill_req {
	char	*sig_name;
};

static const struct spdk_json_object_decoder g_kill_decoders[] = {
	{"sig_name", offsetof(struct kill_req, sig_name), spdk_json_decode_string, false},
};

static void
rpc_spdk_kill_instance(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct kill_req req = { 0 };
	int signo;

	if (params == NULL || spdk_json_decode_object(params, g_kill_decoders,
			SPDK_COUNTOF(g_kill_decoders), &req) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "spdk_kill_instance wants {\"sig_name\": <signal>}");
		free(req.sig_name);
		return;
	}
	signo = kill_signal(req.sig_name);
	if (signo == 0) {
		spdk_jsonrpc_send_error_response_fmt(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						     "unknown sig_name '%s': expected SIGINT, SIGTERM, "
						     "SIGQUIT, SIGHUP, SIGKILL or SIGUSR1 (or its "
						     "number)", req.sig_name);
		free(req.sig_name);
		return;
	}
	free(req.sig_name);
	/* The answer first, so that the client has it before the signal
	 * stops the app (SPDK signals first). */
	spdk_jsonrpc_send_bool_response(request, true);
	SPDK_NOTICELOG("spdk_kill_instance: sending signal %d to the process\n", signo);
	kill(getpid(), signo);
}
SPDK_RPC_REGISTER("spdk_kill_instance", rpc_spdk_kill_instance, SPDK_RPC_RUNTIME)

SPDK_LOG_REGISTER_COMPONENT(app_rpc)

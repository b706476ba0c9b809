/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The application lifecycle: options, spdk_app_start() / spdk_app_stop() /
 * spdk_app_fini(), shutdown on SIGINT/SIGTERM, and the app's core mask.
 * Command line parsing is in app_args.c.
 *
 * Start: log, environment (core mask), reactors and thread library, the app
 * thread on the main core, signal handlers, the RPC server on the app thread
 * (state STARTUP); then, as a message on the app thread while the calling
 * pthread becomes the main reactor, the initialisation completes (state
 * RUNTIME) and start_fn runs -- or, with --wait-for-rpc, the app waits for
 * the framework_start_init RPC to do so (app_rpc.c).
 * Stop: a message to the app thread finishes the RPC server and stops the
 * reactors; each exits and destroys its threads; spdk_app_start() returns the
 * first non-zero rc.
 */

#include "event/event_internal.h"


#include "spdk/init.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/string.h"

#include <sys/resource.h>

#define DEFAULT_CORE_MASK	"0x1"

struct app_state {
	struct spdk_app_opts	opts;		/* caller's options, completed with defaults */
	bool			log_opened;	/* spdk_log_open() done by spdk_app_start() */
	struct spdk_cpuset	cpumask;
	struct spdk_thread	*app_thread;
	spdk_msg_fn		start_fn;
	void			*start_ctx;
	_Atomic int		rc;		/* first non-zero rc given to spdk_app_stop() */
	_Atomic bool		stopping;
	/* A shutdown request is on its way to the app thread: another one
	 * meanwhile is the same request (SPDK: its critical slot refuses it). */
	_Atomic bool		shutdown_queued;
	bool			started;	/* between a successful start and fini */
	bool			rpc_started;	/* the RPC server runs (app thread) */
	bool			init_done;	/* RUNTIME, start_fn called (app thread) */
	spdk_app_shutdown_cb	shutdown_cb;
	bool			signals_installed;
	struct sigaction	old_sigint;
	struct sigaction	old_sigterm;
	struct sigaction	old_sigpipe;
};

static struct app_state g_app;
static _Atomic int g_signals_received;
static _Atomic(struct spdk_thread *) g_signal_target;

/* ---------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------- */

#define FIELD_FITS(opts_size, field) \
	(offsetof(struct spdk_app_opts, field) + sizeof(((struct spdk_app_opts *)0)->field) <= (opts_size))

PW_EXPORT void
spdk_app_opts_init(struct spdk_app_opts *opts, size_t opts_size)
{
	struct spdk_app_opts defaults;

	if (opts == NULL || opts_size == 0) {
		SPDK_ERRLOG("spdk_app_opts_init: %s\n", opts == NULL ? "NULL opts" :
			    "opts_size is 0 (pass sizeof(struct spdk_app_opts))");
		return;
	}
	memset(&defaults, 0, sizeof(defaults));
	defaults.enable_coredump = true;
	defaults.shm_id = -1;
	defaults.mem_size = -1;
	defaults.main_core = -1;
	defaults.mem_channel = -1;
	defaults.base_virtaddr = 0x200000000000ULL;
	defaults.print_level = SPDK_LOG_INFO;
	defaults.rpc_addr = SPDK_DEFAULT_RPC_ADDR;
	defaults.num_entries = 32 * 1024;
	defaults.msg_mempool_size = SPDK_DEFAULT_MSG_MEMPOOL_SIZE;
	defaults.rpc_log_level = SPDK_LOG_DISABLED;
	defaults.opts_size = opts_size < sizeof(defaults) ? opts_size : sizeof(defaults);

	/* A caller compiled against an older, smaller struct gets only the
	 * fields it knows about. */
	memcpy(opts, &defaults, defaults.opts_size);
	if (FIELD_FITS(opts_size, opts_size)) {
		opts->opts_size = opts_size;
	}
}

/* Copy the caller's options over the defaults, as far as its struct goes. */
static int
app_copy_opts(struct spdk_app_opts *dst, const struct spdk_app_opts *user)
{
	size_t size;

	if (!FIELD_FITS(sizeof(*user), opts_size) || user->opts_size == 0) {
		SPDK_ERRLOG("spdk_app_start: opts->opts_size is 0; fill the options with "
			    "spdk_app_opts_init(&opts, sizeof(opts))\n");
		return -EINVAL;
	}
	spdk_app_opts_init(dst, sizeof(*dst));
	size = user->opts_size < sizeof(*dst) ? user->opts_size : sizeof(*dst);
	memcpy(dst, user, size);
	dst->opts_size = sizeof(*dst);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Stop and shutdown
 * ------------------------------------------------------------------------- */

/* Finish the RPC server where it lives, as SPDK does when the app stops:
 * requests still waiting for the initialisation get an error first. */
static void
app_rpc_finish(void)
{
	if (!g_app.rpc_started) {
		return;
	}
	g_app.rpc_started = false;
	pw__app_rpc_stop();
	spdk_rpc_finish();
}

static void
app_stop_on_app_thread(void *arg)
{
	bool expected = false;

	if (atomic_compare_exchange_strong(&g_app.stopping, &expected, true)) {
		if (spdk_get_thread() == g_app.app_thread) {
			app_rpc_finish();
		}
		SPDK_INFOLOG(app, "stopping the reactors\n");
		spdk_reactors_stop(NULL);
	}
}

PW_EXPORT void
spdk_app_stop(int rc)
{
	int expected = 0;
	struct spdk_thread *app_thread = spdk_thread_get_app_thread();

	if (rc != 0) {
		SPDK_WARNLOG("spdk_app_stop'd on non-zero rc %d\n", rc);
		atomic_compare_exchange_strong(&g_app.rc, &expected, rc);
	}
	if (app_thread == NULL || spdk_thread_send_msg(app_thread, app_stop_on_app_thread,
			NULL) != 0) {
		/* No app thread to carry the stop: stop the reactors from here. */
		app_stop_on_app_thread(NULL);
	}
}

static void
shutdown_on_app_thread(void *arg)
{
	spdk_app_shutdown_cb cb = g_app.shutdown_cb;

	/* Requests from now on are new ones. */
	atomic_store(&g_app.shutdown_queued, false);
	/* The application's callback runs once; a second request stops. */
	g_app.shutdown_cb = NULL;
	if (cb != NULL) {
		cb();
	} else {
		spdk_app_stop(0);
	}
}

PW_EXPORT void
spdk_app_start_shutdown(void)
{
	struct spdk_thread *app_thread = spdk_thread_get_app_thread();

	if (app_thread == NULL) {
		SPDK_ERRLOG("spdk_app_start_shutdown: the framework is not running\n");
		return;
	}
	/* As SPDK: through the app thread's critical message, also when called
	 * on the app thread (the callback runs at its next slice, not inside the
	 * caller). When the slot is taken (another critical message is
	 * outstanding), an ordinary message carries the request instead of
	 * losing it; when that fails too, the app thread has exited: the
	 * framework is stopping already. */
	if (atomic_exchange(&g_app.shutdown_queued, true)) {
		SPDK_INFOLOG(app, "spdk_app_start_shutdown: a shutdown request is already on its "
			     "way\n");
		return;
	}
	if (spdk_thread_send_critical_msg(app_thread, shutdown_on_app_thread) != 0 &&
	    spdk_thread_send_msg(app_thread, shutdown_on_app_thread, NULL) != 0) {
		atomic_store(&g_app.shutdown_queued, false);
		SPDK_INFOLOG(app, "spdk_app_start_shutdown: the app thread has exited; the "
			     "framework is stopping already\n");
	}
}

/* ---------------------------------------------------------------------------
 * Signals
 * ------------------------------------------------------------------------- */

/* Async-signal-safe string output. */
static void
write_str(const char *s)
{
	ssize_t rc = write(STDERR_FILENO, s, strlen(s));

	(void)rc;
}

static void
shutdown_signal(int signo)
{
	char summary[512];
	struct spdk_thread *target;

	if (atomic_fetch_add(&g_signals_received, 1) == 0) {
		target = atomic_load(&g_signal_target);
		/* Lock-free exchange and compare-and-swap: safe in a signal
		 * handler. A request already on its way is this one. */
		if (target != NULL && !atomic_exchange(&g_app.shutdown_queued, true) &&
		    spdk_thread_send_critical_msg(target, shutdown_on_app_thread) != 0) {
			atomic_store(&g_app.shutdown_queued, false);
		}
		return;
	}
	/* A second signal: the shutdown is stuck or too slow for the user
	 * (SPDK ignores it). Say what is still alive and leave. */
	pw__reactors_alive_summary(summary, sizeof(summary));
	write_str("\nsecond signal during shutdown: exiting now; still alive: ");
	write_str(summary);
	write_str("\n");
	_exit(128 + signo);
}

static int
install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = shutdown_signal;
	if (sigaction(SIGINT, &sa, &g_app.old_sigint) != 0 ||
	    sigaction(SIGTERM, &sa, &g_app.old_sigterm) != 0) {
		SPDK_ERRLOG("cannot install the SIGINT/SIGTERM handlers: %s\n",
			    spdk_strerror(errno));
		return -errno;
	}
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &g_app.old_sigpipe);
	g_app.signals_installed = true;
	return 0;
}

static void
restore_signal_handlers(void)
{
	if (!g_app.signals_installed) {
		return;
	}
	sigaction(SIGINT, &g_app.old_sigint, NULL);
	sigaction(SIGTERM, &g_app.old_sigterm, NULL);
	sigaction(SIGPIPE, &g_app.old_sigpipe, NULL);
	g_app.signals_installed = false;
}

/* ---------------------------------------------------------------------------
 * Start and finish
 * ------------------------------------------------------------------------- */

static void
app_run_start_fn(void *arg)
{
	g_app.start_fn(g_app.start_ctx);
}

/* The framework is initialised (Pinwheel has no subsystems to start): RPC
 * state RUNTIME, the waiting framework_wait_init requests answered, start_fn
 * queued behind them. */
static void
app_init_complete(void)
{
	g_app.init_done = true;
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	pw__app_rpc_init_done();
	if (spdk_thread_send_msg(g_app.app_thread, app_run_start_fn, NULL) != 0) {
		SPDK_ERRLOG("Unable to start the application on the app thread\n");
		spdk_app_stop(1);
	}
}

/* First message on the app thread. */
static void
app_bootstrap(void *arg)
{
	if (g_app.opts.delay_subsystem_init) {
		SPDK_NOTICELOG("Waiting for the framework_start_init RPC on %s (--wait-for-rpc)\n",
			       g_app.opts.rpc_addr);
		return;
	}
	app_init_complete();
}

bool
pw__app_init_done(void)
{
	return g_app.init_done;
}

int
pw__app_start_init(void)
{
	if (g_app.init_done) {
		return -EALREADY;
	}
	app_init_complete();
	return 0;
}

/* The RPC server on the app thread, before anything of the app runs (the
 * app thread is not polled yet: this pthread becomes its reactor later). */
static int
app_start_rpc(const struct spdk_app_opts *opts)
{
	struct spdk_rpc_opts rpc_opts;
	int rc;

	spdk_rpc_set_allowlist(opts->rpc_allowlist);
	spdk_rpc_set_state(SPDK_RPC_STARTUP);
	if (opts->rpc_addr == NULL) {
		return 0;
	}
	memset(&rpc_opts, 0, sizeof(rpc_opts));
	rpc_opts.size = sizeof(rpc_opts);
	rpc_opts.log_file = opts->rpc_log_file;
	rpc_opts.log_level = opts->rpc_log_level;
	spdk_set_thread(g_app.app_thread);
	rc = spdk_rpc_initialize(opts->rpc_addr, &rpc_opts);
	spdk_set_thread(NULL);
	if (rc != 0) {
		SPDK_ERRLOG("Unable to start the RPC server on %s: %s (another application may be "
			    "using it: give another path with -r, or --no-rpc-server)\n",
			    opts->rpc_addr, spdk_strerror(-rc));
		return rc;
	}
	g_app.rpc_started = true;
	return 0;
}

static int
app_setup_env(const struct spdk_app_opts *opts)
{
	struct spdk_env_opts env_opts;
	int rc;

	spdk_env_opts_init(&env_opts);
	env_opts.name = opts->name != NULL ? opts->name : "spdk";
	env_opts.core_mask = opts->reactor_mask != NULL ? opts->reactor_mask : DEFAULT_CORE_MASK;
	env_opts.main_core = opts->main_core;
	env_opts.shm_id = opts->shm_id;
	env_opts.mem_size = opts->mem_size;
	env_opts.mem_channel = opts->mem_channel;
	env_opts.no_pci = opts->no_pci;
	env_opts.no_huge = opts->no_huge;
	rc = spdk_env_init(&env_opts);
	if (rc != 0) {
		SPDK_ERRLOG("Unable to initialize the environment with core mask '%s': %s\n",
			    env_opts.core_mask, spdk_strerror(-rc));
	}
	return rc;
}

static void
app_undo_start(bool reactors, bool env)
{
	atomic_store(&g_signal_target, NULL);
	restore_signal_handlers();
	if (reactors) {
		spdk_reactors_fini();
	}
	if (env) {
		spdk_env_fini();
	}
	if (g_app.log_opened) {
		spdk_log_close();
		g_app.log_opened = false;
	}
}

PW_EXPORT int
spdk_app_start(struct spdk_app_opts *opts_user, spdk_msg_fn start_fn, void *ctx)
{
	struct spdk_app_opts *opts = &g_app.opts;
	struct spdk_cpuset main_mask;
	struct rlimit core_limit;

	if (opts_user == NULL || start_fn == NULL) {
		SPDK_ERRLOG("spdk_app_start: %s is NULL\n", opts_user == NULL ? "opts" : "start_fn");
		return 1;
	}
	if (g_app.started) {
		SPDK_ERRLOG("spdk_app_start: the framework is already running (or spdk_app_fini() "
			    "was not called after the previous run)\n");
		return 1;
	}
	if (app_copy_opts(opts, opts_user) != 0) {
		return 1;
	}
	if (opts->delay_subsystem_init && opts->rpc_addr == NULL) {
		/* As SPDK: nothing could ever end the wait. */
		SPDK_ERRLOG("Cannot use '--wait-for-rpc' if no RPC server is going to be started "
			    "(it waits for the framework_start_init RPC)\n");
		return 1;
	}

	/* The application's sink, for this run only: closed again by
	 * spdk_app_fini() or a failed start. Without one, logging stays as the
	 * process set it up (SPDK would switch to its default sink here). */
	if (opts->log != NULL) {
		spdk_log_open(opts->log);
		g_app.log_opened = true;
	}
	spdk_log_set_print_level(opts->print_level);
	if (opts->enable_coredump && getrlimit(RLIMIT_CORE, &core_limit) == 0) {
		core_limit.rlim_cur = core_limit.rlim_max;
		setrlimit(RLIMIT_CORE, &core_limit);
	}
	/* Before the thread library starts (spdk_reactors_init()): it decides
	 * once, as in SPDK. spdk_app_fini() turns it off again. */
	if (opts->interrupt_mode && !spdk_interrupt_mode_is_enabled() &&
	    spdk_interrupt_mode_enable() != 0) {
		app_undo_start(false, false);
		return 1;
	}

	if (app_setup_env(opts) != 0) {
		app_undo_start(false, false);
		return 1;
	}
	SPDK_NOTICELOG("Total cores available: %u\n", spdk_env_get_core_count());
	spdk_env_get_cpuset(&g_app.cpumask);

	if (spdk_reactors_init(opts->msg_mempool_size) != 0) {
		SPDK_ERRLOG("Unable to initialize the reactors\n");
		app_undo_start(false, true);
		return 1;
	}

	spdk_cpuset_zero(&main_mask);
	spdk_cpuset_set_cpu(&main_mask, spdk_env_get_main_core(), true);
	g_app.app_thread = spdk_thread_create("app_thread", &main_mask);
	if (g_app.app_thread == NULL) {
		SPDK_ERRLOG("Unable to create the app thread\n");
		app_undo_start(true, true);
		return 1;
	}

	g_app.start_fn = start_fn;
	g_app.start_ctx = ctx;
	g_app.shutdown_cb = opts->shutdown_cb;
	g_app.init_done = false;
	g_app.rpc_started = false;
	/* Keeps the RPC method files in a static link (their methods register
	 * from constructors, which nothing else would pull in). */
	pw__thread_rpc_link();
	pw__log_rpc_link();
	pw__iobuf_rpc_link();
	atomic_store(&g_app.rc, 0);
	atomic_store(&g_app.stopping, false);
	atomic_store(&g_app.shutdown_queued, false);
	atomic_store(&g_signals_received, 0);
	atomic_store(&g_signal_target, g_app.app_thread);
	if (!opts->disable_signal_handlers && install_signal_handlers() != 0) {
		app_undo_start(true, true);
		return 1;
	}
	pw__app_rpc_stat_baseline();
	if (app_start_rpc(opts) != 0) {
		app_undo_start(true, true);
		return 1;
	}
	if (spdk_thread_send_msg(g_app.app_thread, app_bootstrap, NULL) != 0) {
		SPDK_ERRLOG("Unable to start the application on the app thread\n");
		spdk_set_thread(g_app.app_thread);
		app_rpc_finish();
		spdk_set_thread(NULL);
		app_undo_start(true, true);
		return 1;
	}
	g_app.started = true;

	/* Blocks until spdk_app_stop() and the end of every reactor. */
	spdk_reactors_start();

	atomic_store(&g_signal_target, NULL);
	/* Stopped without the app thread's stop (a reactor failed to start):
	 * the server's thread has exited; finish what is left of it as that
	 * thread (kept until spdk_thread_lib_fini()), the only one
	 * spdk_rpc_finish() accepts. */
	if (g_app.rpc_started) {
		spdk_set_thread(g_app.app_thread);
		app_rpc_finish();
	}
	spdk_set_thread(NULL);
	if (pw__reactors_start_error() != 0) {
		/* Logged by the reactors; the app stopped before it really ran. */
		return 1;
	}
	return atomic_load(&g_app.rc);
}

PW_EXPORT void
spdk_app_fini(void)
{
	if (!g_app.started) {
		return;
	}
	app_undo_start(true, true);
	g_app.app_thread = NULL;
	g_app.started = false;
	spdk_cpuset_zero(&g_app.cpumask);
}

/* ---------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------- */

PW_EXPORT int
spdk_app_get_shm_id(void)
{
	return g_app.opts.shm_id;
}

PW_EXPORT const struct spdk_cpuset *
spdk_app_get_core_mask(void)
{
	return &g_app.cpumask;
}

const struct spdk_cpuset *
pw__app_core_mask(void)
{
	return &g_app.cpumask;
}

PW_EXPORT int
spdk_app_parse_core_mask(const char *mask, struct spdk_cpuset *cpumask)
{
	struct spdk_cpuset valid;

	if (mask == NULL || cpumask == NULL) {
		SPDK_ERRLOG("spdk_app_parse_core_mask: NULL %s\n", mask == NULL ? "mask" : "cpumask");
		return -1;
	}
	if (spdk_cpuset_parse(cpumask, mask) != 0) {
		return -1;
	}
	spdk_cpuset_copy(&valid, &g_app.cpumask);
	spdk_cpuset_and(&valid, cpumask);
	if (!spdk_cpuset_equal(&valid, cpumask)) {
		SPDK_ERRLOG("core mask %s names cores outside the application's mask %s\n", mask,
			    spdk_cpuset_fmt(&g_app.cpumask));
		return -1;
	}
	return 0;
}

SPDK_LOG_REGISTER_COMPONENT(app)

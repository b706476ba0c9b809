/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The application lifecycle: options, spdk_app_start() / spdk_app_stop() /
 * spdk_app_fini(), shutdown on SIGINT/SIGTERM, and the app's core mask.
 * Command line parsing is in app_args.c, its usage text in app_usage.c,
 * shutdown requests and signals in app_signal.c.
 *
 * Start (SPDK's order): the JSON configuration is read (--json or
 * opts->json_data); log, environment (core mask), reactors and thread
 * library, the app thread on the main core, signal handlers, the RPC server
 * on the app thread (state STARTUP). Then, as messages on the app thread
 * while the calling pthread becomes the main reactor, one step after the
 * other (enum app_phase): the configuration's STARTUP entries; with
 * --wait-for-rpc, a wait for the framework_start_init RPC (app_rpc.c); the
 * subsystems (spdk_subsystem_init()); state RUNTIME and the configuration's
 * RUNTIME entries; then the framework_wait_init requests are answered and
 * start_fn runs. The server reads no request while a step runs (it is
 * paused, as SPDK's), except during the wait for framework_start_init.
 * A step that fails stops the app with its rc.
 * Stop: a message to the app thread; if a step of the start is running, the
 * stop waits for it to report (a step cannot be cancelled). Then the
 * subsystems are finished in reverse order (spdk_subsystem_fini()), and
 * only then the RPC server is finished and the reactors stop; each exits
 * and destroys its threads; spdk_app_start() returns the first non-zero rc.
 * A second stop, or a signal, meanwhile changes nothing.
 */

#include "event/event_internal.h"
#include "event/reactor_trace.h"


#include "spdk/init.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/string.h"

#include <sys/resource.h>

#define DEFAULT_CORE_MASK	"0x1"

/* Where the start sequence is (app thread). */
enum app_phase {
	APP_PHASE_BOOT,			/* the first message has not run yet */
	APP_PHASE_STARTUP_CONFIG,	/* the STARTUP entries are being applied */
	APP_PHASE_WAIT_RPC,		/* --wait-for-rpc: waiting for framework_start_init */
	APP_PHASE_SUBSYSTEMS,		/* spdk_subsystem_init() is running */
	APP_PHASE_RUNTIME_CONFIG,	/* the RUNTIME entries are being applied */
	APP_PHASE_START_FN,		/* initialised; start_fn's message is queued */
	APP_PHASE_RUNNING,		/* start_fn called */
	APP_PHASE_FAILED,		/* a step failed: the app stops */
};

struct app_state {
	struct spdk_app_opts	opts;		/* caller's options, completed with defaults */
	bool			log_opened;	/* spdk_log_open() done by spdk_app_start() */
	struct spdk_cpuset	cpumask;
	struct spdk_thread	*app_thread;
	spdk_msg_fn		start_fn;
	void			*start_ctx;
	_Atomic int		rc;		/* first non-zero rc given to spdk_app_stop() */
	_Atomic bool		stopping;
	bool			started;	/* between a successful start and fini */
	bool			rpc_started;	/* the RPC server runs (app thread) */
	bool			init_done;	/* RUNTIME, start_fn called (app thread) */
	enum app_phase		phase;		/* app thread */
	bool			stop_asked;	/* the stop reached the app thread */
	bool			fini_begun;	/* spdk_subsystem_fini() called */
	/* The JSON configuration (a copy, owned) and what it came from. */
	char			*json_data;
	size_t			json_data_size;
	const char		*json_source;
	/* framework_start_init's completion (app_rpc.c), while it waits. */
	void			(*start_init_cb)(int rc, void *ctx);
	void			*start_init_ctx;
};

static struct app_state g_app;

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
app_free_json(void)
{
	free(g_app.json_data);
	g_app.json_data = NULL;
	g_app.json_data_size = 0;
}

/* Stop the reactors (once): they exit their threads and return. */
static void
app_stop_reactors(void)
{
	bool expected = false;

	if (atomic_compare_exchange_strong(&g_app.stopping, &expected, true)) {
		SPDK_INFOLOG(app, "stopping the reactors\n");
		spdk_reactors_stop(NULL);
	}
}

/* framework_start_init's request is answered (rc 0: initialised). */
static void
app_answer_start_init(int rc)
{
	void (*cb)(int rc, void *ctx) = g_app.start_init_cb;

	g_app.start_init_cb = NULL;
	if (cb != NULL) {
		cb(rc, g_app.start_init_ctx);
	}
}

static void
app_fini_done(void *arg)
{
	SPDK_INFOLOG(app, "subsystems finished\n");
	app_free_json();
	app_rpc_finish();
	app_stop_reactors();
}

/* The stop proper, once no step of the start is running: the subsystems
 * first (those initialised; none before spdk_subsystem_init()), then the
 * RPC server and the reactors. App thread, once. */
static void
app_begin_fini(void)
{
	if (g_app.fini_begun) {
		return;
	}
	g_app.fini_begun = true;
	app_answer_start_init(-ECANCELED);
	spdk_subsystem_fini(app_fini_done, NULL);
}

static void
app_begin_fini_msg(void *arg)
{
	app_begin_fini();
}

/* The stop after a step of the start, as a message: the step may have
 * reported from inside an RPC handler (framework_start_init, a configuration
 * entry), whose answer is written when the handler returns, before the
 * server is finished. */
static void
app_begin_fini_later(void)
{
	if (spdk_thread_send_msg(g_app.app_thread, app_begin_fini_msg, NULL) != 0) {
		app_begin_fini();
	}
}

/* A configuration being applied cannot be interrupted: the stop waits for
 * it. The subsystems' initialisation can: spdk_subsystem_fini() waits for the
 * subsystem being initialised, then tears down (SPDK interrupts it too). Once
 * initialised, start_fn runs before a stop that came meanwhile is carried out
 * (SPDK calls start_fn at once, before any message), never after the
 * teardown. */
static bool
app_step_running(void)
{
	return g_app.phase == APP_PHASE_STARTUP_CONFIG || g_app.phase == APP_PHASE_RUNTIME_CONFIG ||
	       g_app.phase == APP_PHASE_START_FN;
}

static void
app_stop_on_app_thread(void *arg)
{
	if (g_app.stop_asked) {
		SPDK_NOTICELOG("spdk_app_stop called twice: the stop is under way\n");
		return;
	}
	g_app.stop_asked = true;
	if (app_step_running()) {
		/* Its completion begins the stop (app_step_ok()). */
		SPDK_NOTICELOG("stopping once the start-up step under way reports\n");
		return;
	}
	app_begin_fini();
}

PW_EXPORT void
spdk_app_stop(int rc)
{
	int expected = 0;
	struct spdk_thread *app_thread = spdk_thread_get_app_thread();

	if (PW_TP_ON()) pw__tp_app(PW_TP_APP_STOP, rc);
	if (rc != 0) {
		SPDK_WARNLOG("spdk_app_stop'd on non-zero rc %d\n", rc);
		atomic_compare_exchange_strong(&g_app.rc, &expected, rc);
	}
	if (app_thread == NULL || spdk_thread_send_msg(app_thread, app_stop_on_app_thread,
			NULL) != 0) {
		/* No app thread to carry the stop: stop the reactors from here. */
		app_stop_reactors();
	}
}

/* ---------------------------------------------------------------------------
 * Start and finish
 * ------------------------------------------------------------------------- */

static void
app_run_start_fn(void *arg)
{
	g_app.phase = APP_PHASE_RUNNING;
	g_app.start_fn(g_app.start_ctx);
	if (g_app.stop_asked) {
		/* A stop reached the app thread while start_fn's message was
		 * queued: it waited for start_fn. */
		app_begin_fini();
	}
}

static void
app_pause_rpc(bool paused)
{
	if (!g_app.rpc_started) {
		return;
	}
	if (paused) {
		spdk_rpc_server_pause(g_app.opts.rpc_addr);
	} else {
		spdk_rpc_server_resume(g_app.opts.rpc_addr);
	}
}

/* A step of the start reported \p rc: whether to go on. A failure stops the
 * app with it; a stop that came while the step ran begins now. \p source
 * names the configuration the step applied (NULL: none). */
static bool
app_step_ok(int rc, const char *step, const char *source)
{
	int expected = 0;

	if (g_app.fini_begun) {
		/* The stop interrupted the step: nothing more to do. */
		return false;
	}
	if (rc != 0) {
		SPDK_ERRLOG("%s%s%s failed: %s (rc %d); stopping the application\n", step,
			    source != NULL ? " of " : "", source != NULL ? source : "",
			    spdk_strerror(rc < 0 ? -rc : rc), rc);
		atomic_compare_exchange_strong(&g_app.rc, &expected, rc);
		g_app.phase = APP_PHASE_FAILED;
		g_app.stop_asked = true;
		app_answer_start_init(rc);
		app_begin_fini_later();
		return false;
	}
	if (g_app.stop_asked) {
		g_app.phase = APP_PHASE_FAILED;
		app_begin_fini_later();
		return false;
	}
	return true;
}

/* The RUNTIME entries are applied: the framework is initialised (state
 * RUNTIME), the waiting framework_wait_init requests and framework_start_init
 * are answered, start_fn queued behind them. */
static void
app_runtime_config_done(int rc, void *ctx)
{
	app_free_json();
	if (!app_step_ok(rc, "Applying the RUNTIME entries", g_app.json_source)) {
		return;
	}
	g_app.phase = APP_PHASE_START_FN;
	g_app.init_done = true;
	app_pause_rpc(false);
	pw__app_rpc_init_done();
	app_answer_start_init(0);
	if (spdk_thread_send_msg(g_app.app_thread, app_run_start_fn, NULL) != 0) {
		SPDK_ERRLOG("Unable to start the application on the app thread\n");
		g_app.phase = APP_PHASE_RUNNING;	/* no start_fn for the stop to wait for */
		spdk_app_stop(1);
	}
}

static void
app_subsystems_done(int rc, void *ctx)
{
	if (!app_step_ok(rc, "Subsystem initialization", NULL)) {
		return;
	}
	spdk_rpc_set_state(SPDK_RPC_RUNTIME);
	g_app.phase = APP_PHASE_RUNTIME_CONFIG;
	if (g_app.json_data != NULL) {
		SPDK_INFOLOG(app, "applying the RUNTIME entries of %s\n", g_app.json_source);
		spdk_subsystem_load_config(g_app.json_data, (ssize_t)g_app.json_data_size,
					   app_runtime_config_done, NULL,
					   !g_app.opts.json_config_ignore_errors);
	} else {
		app_runtime_config_done(0, NULL);
	}
}

static void
app_init_subsystems(void)
{
	g_app.phase = APP_PHASE_SUBSYSTEMS;
	app_pause_rpc(true);
	spdk_subsystem_init(app_subsystems_done, NULL);
}

static void
app_startup_config_done(int rc, void *ctx)
{
	if (!app_step_ok(rc, "Applying the STARTUP entries", g_app.json_source)) {
		return;
	}
	if (g_app.opts.delay_subsystem_init) {
		g_app.phase = APP_PHASE_WAIT_RPC;
		app_pause_rpc(false);
		SPDK_NOTICELOG("Waiting for the framework_start_init RPC on %s (--wait-for-rpc)\n",
			       g_app.opts.rpc_addr);
		return;
	}
	app_init_subsystems();
}

/* First message on the app thread. */
static void
app_bootstrap(void *arg)
{
	if (!spdk_thread_is_running(g_app.app_thread) || g_app.stop_asked) {
		/* The reactors stopped before they started (one could not):
		 * nothing of the app is started. */
		return;
	}
	/* No request is read while a step runs (SPDK starts its server only
	 * after the STARTUP entries). */
	app_pause_rpc(true);
	g_app.phase = APP_PHASE_STARTUP_CONFIG;
	if (g_app.json_data != NULL) {
		SPDK_INFOLOG(app, "applying the STARTUP entries of %s\n", g_app.json_source);
		spdk_subsystem_load_config(g_app.json_data, (ssize_t)g_app.json_data_size,
					   app_startup_config_done, NULL,
					   !g_app.opts.json_config_ignore_errors);
	} else {
		app_startup_config_done(0, NULL);
	}
}

bool
pw__app_init_done(void)
{
	return g_app.init_done;
}

int
pw__app_start_init(void (*cb)(int rc, void *ctx), void *ctx)
{
	if (g_app.stop_asked) {
		return -ECANCELED;
	}
	if (g_app.phase != APP_PHASE_WAIT_RPC) {
		return g_app.phase < APP_PHASE_WAIT_RPC ? -EAGAIN : -EALREADY;
	}
	g_app.start_init_cb = cb;
	g_app.start_init_ctx = ctx;
	app_init_subsystems();
	return 0;
}

/* Read the JSON configuration of the options into g_app (a copy). */
static int
app_read_json(const struct spdk_app_opts *opts)
{
	FILE *f;
	size_t cap = 0, len = 0;
	char *buf = NULL, *grown;
	int err = 0;

	if (opts->json_config_file != NULL && opts->json_data != NULL) {
		SPDK_ERRLOG("spdk_app_start: json_config_file and json_data cannot be used at the "
			    "same time\n");
		return -EINVAL;
	}
	if (opts->json_data != NULL) {
		if (opts->json_data_size == 0) {
			SPDK_ERRLOG("spdk_app_start: json_data is set but json_data_size is 0\n");
			return -EINVAL;
		}
		g_app.json_data = malloc(opts->json_data_size);
		if (g_app.json_data == NULL) {
			SPDK_ERRLOG("spdk_app_start: no memory for a copy of json_data\n");
			return -ENOMEM;
		}
		memcpy(g_app.json_data, opts->json_data, opts->json_data_size);
		g_app.json_data_size = opts->json_data_size;
		g_app.json_source = "the JSON configuration (opts->json_data)";
		return 0;
	}
	if (opts->json_config_file == NULL) {
		return 0;
	}
	f = fopen(opts->json_config_file, "re");
	if (f == NULL) {
		err = errno;
	}
	while (err == 0) {
		size_t n;

		if (len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				err = ENOMEM;
				break;
			}
			buf = grown;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				err = errno != 0 ? errno : EIO;
			}
			break;
		}
	}
	if (f != NULL) {
		fclose(f);
	}
	if (err != 0) {
		SPDK_ERRLOG("Unable to read the JSON configuration file '%s': %s\n",
			    opts->json_config_file, spdk_strerror(err));
		free(buf);
		return -err;
	}
	g_app.json_data = buf;
	g_app.json_data_size = len;
	g_app.json_source = opts->json_config_file;
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
	pw__app_signals_disarm();
	pw__app_signals_restore();
	app_free_json();
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
	if (app_read_json(opts) != 0) {
		app_undo_start(false, false);
		return 1;
	}
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
	g_app.init_done = false;
	g_app.rpc_started = false;
	g_app.phase = APP_PHASE_BOOT;
	g_app.stop_asked = false;
	g_app.fini_begun = false;
	g_app.start_init_cb = NULL;
	/* Keeps the RPC method files in a static link (their methods register
	 * from constructors, which nothing else would pull in). */
	pw__thread_rpc_link();
	pw__log_rpc_link();
	pw__iobuf_rpc_link();
	pw__app_trace_rpc_link();
	atomic_store(&g_app.rc, 0);
	atomic_store(&g_app.stopping, false);
	pw__app_signals_arm(g_app.app_thread, opts->shutdown_cb);
	if (!opts->disable_signal_handlers && pw__app_signals_install() != 0) {
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
	pw__app_trace_file_start(opts);
	if (PW_TP_ON()) pw__tp_app(PW_TP_APP_START, 0);
	spdk_reactors_start();
	pw__app_trace_file_write();

	pw__app_signals_disarm();
	app_free_json();
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

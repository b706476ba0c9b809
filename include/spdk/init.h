/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Subsystems and JSON configuration (SPDK's `spdk/init.h`).
 *
 * An application is made of subsystems: each registers itself from a
 * constructor with SPDK_SUBSYSTEM_REGISTER() and names the subsystems it
 * needs with SPDK_SUBSYSTEM_DEPEND(). spdk_subsystem_init() initialises every
 * registered subsystem, each after the ones it depends on (a topological
 * order; among independent subsystems, the order of registration), and
 * spdk_subsystem_fini() tears them down in the reverse order. The app
 * framework (`spdk/event.h`) calls both around the application's start_fn.
 *
 * A JSON configuration (`--json FILE`, what `rpc.py save_config` writes) is a
 * list of subsystems, each with a list of RPC calls; spdk_subsystem_load_config()
 * runs those calls that are allowed in the current RPC state
 * (spdk_rpc_set_state()).
 *
 * Every function of this header is called on the app thread
 * (spdk_thread_get_app_thread()), except the registration functions, which
 * run from constructors before main().
 *
 * The RPC server part of SPDK's header (spdk_rpc_initialize(), ...) is
 * declared in `pinwheel/rpc_init.h`, included here.
 */

#ifndef SPDK_INIT_H
#define SPDK_INIT_H

#include "spdk/stdinc.h"
#include "spdk/queue.h"
#include "pinwheel/rpc_init.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Completion of spdk_subsystem_init() and spdk_subsystem_load_config().
 *
 * \param rc 0, or the negative errno that stopped the process (the failing
 * subsystem or RPC call is logged).
 * \param ctx The caller's argument.
 */
typedef void (*spdk_subsystem_init_fn)(int rc, void *ctx);

/**
 * Initialise every registered subsystem, in dependency order. App thread.
 *
 * Each subsystem's `init` runs in turn and reports with
 * spdk_subsystem_init_next(), possibly later and from another spdk_thread;
 * a subsystem without `init` counts as initialised. The dependencies are
 * checked first: a dependency naming a subsystem that is not registered, or
 * a cycle, fails the start with a message naming the subsystems (SPDK
 * asserts instead).
 *
 * The order is SPDK's: repeated passes over the subsystems not yet placed,
 * in registration order, each pass placing every subsystem whose dependencies
 * are all placed. framework_get_subsystems lists them in that order once
 * sorted.
 *
 * \param cb_fn Called on the app thread when all are initialised (rc 0) or
 * when one fails: rc is then that subsystem's negative errno, and the
 * subsystems already initialised stay so (the caller tears them down with
 * spdk_subsystem_fini(), as the app framework does). Called at once (before
 * this returns) with -EINVAL for a dependency error or a refused
 * registration, -ENOMEM if the order cannot be computed, -EBUSY if
 * subsystems are already initialised or being initialised or finished (a
 * second start needs spdk_subsystem_fini() first), -EINVAL if called from
 * another thread than the app thread; in all these cases nothing was
 * initialised. Not called at all if spdk_subsystem_fini() is called before
 * the chain ends (as SPDK). Not NULL (a NULL \p cb_fn is refused with a
 * message).
 * \param cb_arg Passed to \p cb_fn.
 */
void spdk_subsystem_init(spdk_subsystem_init_fn cb_fn, void *cb_arg);

/**
 * Apply a JSON configuration: for every subsystem of \p json, call in
 * order each of its RPC calls whose method is allowed in the current RPC
 * state (spdk_rpc_get_state()); calls of the other state are skipped (the app
 * framework loads the same configuration once in SPDK_RPC_STARTUP and once in
 * SPDK_RPC_RUNTIME). App thread.
 *
 * The configuration is `{"subsystems": [{"subsystem": NAME, "config":
 * [{"method": M, "params": P}, ...] or null}, ...]}`. \p json is copied: the
 * caller's buffer is not modified and may be freed when this returns. The
 * calls go directly to the registered method handlers, without a socket
 * (SPDK starts a temporary server and connects to it); a handler may answer
 * later, from any spdk_thread, and the next call waits for its answer.
 *
 * \param json The configuration text (need not be NUL-terminated).
 * \param json_size Its length in bytes.
 * \param cb_fn Called on the app thread at the end: rc 0, or -EINVAL for
 * malformed JSON, a malformed configuration or a subsystem that is not
 * registered, or the error of a failing call (mapped to a negative errno),
 * each logged with the file position, the subsystem and the method. Not NULL.
 * \param cb_arg Passed to \p cb_fn.
 * \param stop_on_error true: the first failing call ends the load with its
 * error; false: failing calls are logged and the load goes on (rc 0).
 */
void spdk_subsystem_load_config(void *json, ssize_t json_size, spdk_subsystem_init_fn cb_fn,
				void *cb_arg, bool stop_on_error);

/**
 * Completion of spdk_subsystem_fini().
 *
 * \param ctx The caller's argument.
 */
typedef void (*spdk_subsystem_fini_fn)(void *ctx);

/**
 * Tear down the initialised subsystems, in the reverse of their
 * initialisation order. App thread.
 *
 * Each subsystem's `fini` runs in turn and reports with
 * spdk_subsystem_fini_next() (possibly later, from another spdk_thread);
 * subsystems without `fini`, and those never initialised, are skipped. Called
 * while spdk_subsystem_init() is still running, the teardown starts when the
 * subsystem being initialised reports (it is torn down too if its init
 * succeeded), and spdk_subsystem_init()'s callback is not called. With
 * nothing initialised (no spdk_subsystem_init(), or it failed at once),
 * \p cb_fn is called before this returns. Once the teardown ends,
 * spdk_subsystem_init() may run again (an application started twice in a
 * process).
 *
 * A NULL \p cb_fn, a call from another thread than the app thread, or a
 * call while a teardown is already running is refused with a message
 * (\p cb_fn is then not called; the running teardown goes on).
 *
 * \param cb_fn Called on the app thread when all are finished.
 * \param cb_arg Passed to \p cb_fn.
 */
void spdk_subsystem_fini(spdk_subsystem_fini_fn cb_fn, void *cb_arg);

/**
 * Whether a subsystem named \p name is registered. App thread.
 *
 * \return true if it is; false if not, if \p name is NULL, or if called from
 * another thread (refused with a message).
 */
bool spdk_subsystem_exists(const char *name);

struct spdk_json_write_ctx;

/** A subsystem. Registered with SPDK_SUBSYSTEM_REGISTER(); static lifetime. */
struct spdk_subsystem {
	/** Unique name, also its name in the JSON configuration. */
	const char *name;

	/**
	 * Optional: initialise the subsystem, then call spdk_subsystem_init_next()
	 * with 0 or a negative errno (possibly later, from any spdk_thread).
	 * NULL: nothing to initialise.
	 */
	void (*init)(void);

	/**
	 * Optional: tear the subsystem down, then call spdk_subsystem_fini_next()
	 * (possibly later, from any spdk_thread). NULL: skipped at teardown.
	 */
	void (*fini)(void);

	/**
	 * Optional: write the subsystem's configuration as a JSON array of RPC
	 * calls (`{"method": ..., "params": ...}`) that recreate its state when
	 * loaded. NULL: its configuration is written as `null`. Runs on the app
	 * thread.
	 *
	 * \param w Where to write; the array itself is written by the callee.
	 */
	void (*write_config_json)(struct spdk_json_write_ctx *w);

	/** Registry link; owned by the library. */
	TAILQ_ENTRY(spdk_subsystem) tailq;
};

/** "Subsystem \p name needs \p depends_on": the latter initialises first. */
struct spdk_subsystem_depend {
	/** The dependent subsystem. */
	const char *name;
	/** The subsystem it needs. */
	const char *depends_on;
	/** Registry link; owned by the library. */
	TAILQ_ENTRY(spdk_subsystem_depend) tailq;
};

/**
 * Register \p subsystem (usually through SPDK_SUBSYSTEM_REGISTER(), from a
 * constructor). A NULL subsystem or name, or a name already registered, is
 * refused with a message and the start of the application fails at
 * spdk_subsystem_init() (SPDK asserts). Registering while subsystems are
 * initialised (between spdk_subsystem_init() and the end of
 * spdk_subsystem_fini()) is refused with a message and does not fail the
 * next start.
 *
 * \param subsystem Static lifetime; the library links it into its list.
 */
void spdk_add_subsystem(struct spdk_subsystem *subsystem);

/**
 * Record a dependency (usually through SPDK_SUBSYSTEM_DEPEND(), from a
 * constructor). Checked at spdk_subsystem_init(): both names must be
 * registered subsystems by then. A NULL \p depend or name, or the same
 * object twice, is refused with a message and fails the next
 * spdk_subsystem_init(); registering while subsystems are initialised is
 * refused as for spdk_add_subsystem().
 *
 * \param depend Static lifetime; the library links it into its list.
 */
void spdk_add_subsystem_depend(struct spdk_subsystem_depend *depend);

/**
 * Report the end of the current subsystem's `init` and go on with the next
 * one. Any spdk_thread (the chain continues on the app thread: from another
 * thread this sends it a message); once per `init`. A call when no init is
 * waiting for one (a second report, or no chain running) is ignored with a
 * message.
 *
 * \param rc 0 on success; a negative errno stops the chain: the failure is
 * logged naming the subsystem, and spdk_subsystem_init()'s callback gets
 * \p rc.
 */
void spdk_subsystem_init_next(int rc);

/**
 * Report the end of the current subsystem's `fini` and go on with the
 * previous one. Any spdk_thread (the chain continues on the app thread: from
 * another thread this sends it a message); once per `fini`. A call when no
 * fini is waiting for one is ignored with a message.
 */
void spdk_subsystem_fini_next(void);

/** Register the `struct spdk_subsystem` variable \p _name from a constructor. */
#define SPDK_SUBSYSTEM_REGISTER(_name)						\
	__attribute__((constructor)) static void _name ## _register(void)	\
	{									\
		spdk_add_subsystem(&_name);					\
	}

/**
 * Declare, from a constructor, that subsystem \p _name (its name string,
 * written without quotes) needs subsystem \p _depends_on.
 */
#define SPDK_SUBSYSTEM_DEPEND(_name, _depends_on)						\
	static struct spdk_subsystem_depend __subsystem_ ## _name ## _depend_on ## _depends_on = {	\
		.name = #_name,									\
		.depends_on = #_depends_on,							\
	};											\
	__attribute__((constructor)) static void _name ## _depend_on ## _depends_on(void)	\
	{											\
		spdk_add_subsystem_depend(&__subsystem_ ## _name ## _depend_on ## _depends_on);	\
	}

#ifdef __cplusplus
}
#endif

#endif /* SPDK_INIT_H */

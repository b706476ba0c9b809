/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * The event framework: one reactor per core, events aimed at cores, and the
 * application lifecycle (start, stop, finish) with SPDK's command line.
 *
 * A reactor is a pinned pthread that loops: run a batch of its core's events,
 * then give each lightweight thread placed on it one slice
 * (spdk_thread_poll()). spdk_app_start() turns the calling pthread into the
 * main core's reactor and returns when the application stops.
 *
 * Options that only make sense with DPDK (hugepages, PCI lists, memory size,
 * IOVA mode...) are accepted for compatibility and have no effect.
 */

#ifndef SPDK_EVENT_H
#define SPDK_EVENT_H

#include "spdk/stdinc.h"
#include "spdk/assert.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/queue.h"
#include "spdk/thread.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Function run by an event on its core, with the event's two arguments. */
typedef void (*spdk_event_fn)(void *arg1, void *arg2);

/** An event: a function and two arguments aimed at a core (opaque). */
struct spdk_event;

/** Replaces the default shutdown (spdk_app_stop(0)) on SIGINT/SIGTERM. */
typedef void (*spdk_app_shutdown_cb)(void);

/** A signal handler. */
typedef void (*spdk_sighandler_t)(int signal);

/** Default path of the RPC server's Unix socket (also in spdk/init.h). */
#define SPDK_DEFAULT_RPC_ADDR "/var/tmp/spdk.sock"

/**
 * Application options. Fill with spdk_app_opts_init(), change what you need,
 * pass to spdk_app_start(). Field names are SPDK's; fields marked "ignored"
 * are accepted and have no effect in Pinwheel.
 */
struct spdk_app_opts {
	const char		*name;			/**< application name (log lines) */
	/**
	 * JSON configuration file (--json, what `rpc.py save_config` writes), read by
	 * spdk_app_start(): its entries are applied in the STARTUP state before the
	 * subsystems are initialised and in the RUNTIME state after (see
	 * spdk_subsystem_load_config()). NULL: none. Cannot be used with json_data.
	 */
	const char		*json_config_file;
	/** --json-ignore-init-errors: a failing configuration entry is logged and the start goes on. */
	bool			json_config_ignore_errors;
	/** Unix socket path of the RPC server (default SPDK_DEFAULT_RPC_ADDR); NULL: no server. */
	const char		*rpc_addr;
	const char		*reactor_mask;		/**< core mask, hex or [list]; NULL = core 0 */
	/** -e: tracepoint groups/masks to enable (see spdk_app_setup_trace()); NULL: none. */
	const char		*tpoint_group_mask;
	int			shm_id;			/**< ignored */
	spdk_app_shutdown_cb	shutdown_cb;		/**< called on SIGINT/SIGTERM instead of spdk_app_stop(0) */
	bool			enable_coredump;	/**< raise RLIMIT_CORE to the hard limit */
	int			mem_channel;		/**< ignored */
	int			main_core;		/**< main core, -1 = first core of the mask */
	int			mem_size;		/**< ignored */
	bool			no_pci;			/**< ignored */
	bool			hugepage_single_segments; /**< ignored */
	bool			unlink_hugepage;	/**< ignored */
	bool			no_huge;		/**< ignored: hugepages are never used */
	const char		*hugedir;		/**< ignored */
	enum spdk_log_level	print_level;		/**< stderr threshold (default INFO, as SPDK) */
	size_t			num_pci_addr;		/**< ignored */
	struct spdk_pci_addr	*pci_blocked;		/**< ignored */
	struct spdk_pci_addr	*pci_allowed;		/**< ignored */
	const char		*iova_mode;		/**< ignored */
	/**
	 * --wait-for-rpc: after the STARTUP entries of the configuration, wait for
	 * the framework_start_init RPC before initialising the subsystems and running
	 * start_fn (needs rpc_addr).
	 */
	bool			delay_subsystem_init;
	/** Entries of each recording pthread's trace ring, a power of 2; 0: no trace. */
	uint64_t		num_entries;
	void			*env_context;		/**< ignored */
	spdk_log_cb		*log;			/**< user log sink (spdk_log_open()) or NULL */
	uint64_t		base_virtaddr;		/**< ignored */
	/** sizeof(struct spdk_app_opts) as the caller knows it; set by spdk_app_opts_init(). */
	size_t			opts_size;
	bool			disable_signal_handlers; /**< do not install SIGINT/SIGTERM handlers */
	bool			interrupt_mode;		/**< SPDK's interrupt mode (see README) */
	bool			enforce_numa;		/**< ignored */
	size_t			msg_mempool_size;	/**< bound on messages in flight */
	/** NULL-terminated list of the RPC methods allowed (NULL: all); borrowed until start returns. */
	const char		**rpc_allowlist;
	const char		*vf_token;		/**< ignored */
	const char		*lcore_map;		/**< ignored */
	enum spdk_log_level	rpc_log_level;		/**< level of the RPC request/response log lines */
	FILE			*rpc_log_file;		/**< where those go (NULL: the log) */
	/**
	 * A JSON configuration in memory, used as json_config_file's content (which
	 * must then be NULL); copied by spdk_app_start(). NULL: none.
	 */
	void			*json_data;
	size_t			json_data_size;		/**< bytes of json_data (not 0 when it is set) */
	bool			disable_cpumask_locks;	/**< ignored: cores are not locked */
	/** SPDK's trace histories for user threads; Pinwheel gives every recording
	 * pthread a ring, so it is only checked (below SPDK_TRACE_MAX_LCORE). */
	uint32_t		num_trace_threads;
};

/**
 * Fill \p opts with the defaults. \p opts_size must be sizeof(*opts) as the
 * caller was compiled with; a NULL \p opts or a zero size is logged and ignored.
 */
void spdk_app_opts_init(struct spdk_app_opts *opts, size_t opts_size);

/**
 * Start the framework and block until it stops.
 *
 * Reads the JSON configuration (opts->json_config_file or json_data),
 * initialises the environment on the core mask, the reactors and the thread
 * library, creates the app thread on the main core, starts the RPC server on
 * it (opts->rpc_addr, unless NULL; state SPDK_RPC_STARTUP), and turns the
 * calling pthread into the main core's reactor (the other cores get pinned
 * pthreads). On the app thread, in order: the configuration's STARTUP
 * entries are applied; with opts->delay_subsystem_init, the app waits for
 * the framework_start_init RPC; the subsystems are initialised
 * (spdk_subsystem_init(), `spdk/init.h`); the state becomes SPDK_RPC_RUNTIME
 * and the configuration's RUNTIME entries are applied; then \p start_fn(\p
 * ctx) runs. A step that fails (an entry, unless
 * opts->json_config_ignore_errors, or a subsystem) is logged and stops the
 * app with its rc, after finishing the subsystems initialised so far.
 * Returns once spdk_app_stop() was called, the subsystems were finished
 * (spdk_subsystem_fini()), the RPC server too, and every reactor has exited
 * and destroyed its threads.
 *
 * May be called again after spdk_app_fini(), with another core mask.
 *
 * \return the first non-zero rc given to spdk_app_stop() (0 if none), or the
 * negative errno of the step of the start that failed (a configuration entry,
 * a subsystem's init); 1 for a start-up error (bad options, bad core mask,
 * already running, the configuration file cannot be read, json_config_file
 * and json_data both set, the RPC server cannot listen on rpc_addr,
 * delay_subsystem_init without rpc_addr...), with a message saying what was
 * wrong.
 */
int spdk_app_start(struct spdk_app_opts *opts, spdk_msg_fn start_fn, void *ctx);

/** Release what spdk_app_start() set up. Call after it returned. */
void spdk_app_fini(void);

/**
 * Begin a shutdown as a signal would: run opts->shutdown_cb on the app thread,
 * or spdk_app_stop(0) if there is none. Any pthread; idempotent.
 */
void spdk_app_start_shutdown(void);

/**
 * Stop the framework: on the app thread, once the step of the start under way
 * (if any) has reported, the subsystems are finished in reverse order
 * (spdk_subsystem_fini()), then the RPC server; then every reactor exits its
 * threads (logging those the application forgot to exit), destroys them and
 * returns; spdk_app_start() then returns. Any pthread, any context; only the
 * first non-zero \p rc is kept; a second call, or a signal, while stopping
 * only logs (the subsystems are finished once).
 */
void spdk_app_stop(int rc);

/**
 * Set up the app's tracing: spdk_trace_init() with opts->num_entries entries
 * per recording pthread (0: no trace, and -e is ignored with a warning), then
 * enable what opts->tpoint_group_mask (-e) names, SPDK's syntax:
 * comma-separated items, each a group name ("pinwheel", ...), "all" or a hex
 * group mask, optionally followed by ":" and a hex tracepoint mask or
 * tracepoint names joined by '+'. The whole text is checked before anything is
 * enabled. spdk_app_start() calls it (before creating the app thread) and
 * spdk_app_fini() ends the trace (spdk_trace_cleanup()); call it yourself only
 * when not using spdk_app_start(). One pthread, before others record.
 *
 * \param opts The options (name, shm_id, num_entries, num_trace_threads,
 * tpoint_group_mask are read).
 * eturn 0 on success; -EINVAL for a NULL \p opts or a bad -e (logged, and
 * the trace is ended again); spdk_trace_init()'s error (-EINVAL, -EBUSY,
 * -ENOMEM).
 */
int spdk_app_setup_trace(struct spdk_app_opts *opts);

/** The shm id from the options (unused by Pinwheel). */
int spdk_app_get_shm_id(void);

/**
 * Parse a core mask ("0x3", "[0-1,3]") into \p cpumask, checking that every
 * core is one the application runs on.
 *
 * \return 0, or -1 (logged) for a malformed mask or a core outside the app's mask.
 */
int spdk_app_parse_core_mask(const char *mask, struct spdk_cpuset *cpumask);

/** The cores of the running application (valid between start and fini). */
const struct spdk_cpuset *spdk_app_get_core_mask(void);

/** SPDK's own short options; an application's getopt string must not reuse these letters. */
#define SPDK_APP_GETOPT_STRING "c:de:ghi:m:n:p:r:s:uvA:B:L:RW:"

/** What spdk_app_parse_args() found. */
enum spdk_app_parse_args_rvals {
	SPDK_APP_PARSE_ARGS_HELP = 0,		/**< -h: usage was printed */
	SPDK_APP_PARSE_ARGS_SUCCESS = 1,	/**< options parsed into opts */
	SPDK_APP_PARSE_ARGS_FAIL = 2		/**< bad option (message printed) */
};
/** Same as enum spdk_app_parse_args_rvals. */
typedef enum spdk_app_parse_args_rvals spdk_app_parse_args_rvals_t;

/**
 * Parse SPDK's standard command line options into \p opts, passing the
 * application's own options (\p getopt_str, \p app_long_opts) to \p parse.
 *
 * \param getopt_str The application's short options (may be NULL); must not
 * reuse SPDK's letters.
 * \param app_long_opts The application's long options (may be NULL).
 * \param parse Called for each application option; non-zero fails the parse.
 * \param usage Prints the application's part of the usage (may be NULL).
 * \return SPDK_APP_PARSE_ARGS_SUCCESS, _HELP or _FAIL. Uses getopt: reset
 * optind before calling it again.
 */
spdk_app_parse_args_rvals_t spdk_app_parse_args(int argc, char **argv,
		struct spdk_app_opts *opts, const char *getopt_str,
		const struct option *app_long_opts, int (*parse)(int ch, char *arg),
		void (*usage)(void));

/** Print the usage of SPDK's standard options (after spdk_app_parse_args()). */
void spdk_app_usage(void);

/**
 * Allocate an event that will run \p fn(\p arg1, \p arg2) on core \p lcore.
 * Any pthread. The event must then be passed to spdk_event_call() (exactly once).
 *
 * \return the event, or NULL (logged, rate-limited) when \p lcore has no
 * reactor, \p fn is NULL or the event pool is exhausted.
 */
struct spdk_event *spdk_event_allocate(uint32_t lcore, spdk_event_fn fn,
				       void *arg1, void *arg2);

/**
 * Queue an allocated event on its core. Any pthread. The event runs exactly
 * once, on that core's reactor, with no current spdk_thread; events from one
 * sender to one core run in the order they were called. Never dropped (SPDK
 * drops events silently when its ring is full).
 */
void spdk_event_call(struct spdk_event *event);

/** Accepted for compatibility; Pinwheel does not monitor context switches. */
void spdk_framework_enable_context_switch_monitor(bool enabled);

/** Always false. */
bool spdk_framework_context_switch_monitor_enabled(void);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_EVENT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Thread schedulers and core-frequency governors (SPDK's API).
 *
 * A scheduler decides, once per scheduling period, on which core each
 * lightweight thread runs. The framework runs a *round*: it collects every
 * core's and every thread's busy/idle ticks of the last period (walking the
 * reactors with events), hands them to the scheduler's balance() on the
 * scheduling reactor, then moves each thread whose target core changed. A
 * thread only moves between two of its slices; a thread bound to one core
 * (cpumask of a single core) and the threads of an isolated core are never
 * moved, and a thread never goes to a core its cpumask forbids.
 *
 * Rounds only run while a period is set (spdk_scheduler_set_period(), 0 =
 * none, the default). The default scheduler is "static", which places
 * threads once and never moves them in a round.
 *
 * A governor changes core frequencies; schedulers call it from the
 * scheduling reactor.
 */

#ifndef SPDK_SCHEDULER_H
#define SPDK_SCHEDULER_H

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/json.h"
#include "spdk/queue.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most frequencies a governor reports for one core (as DPDK's limit). */
#define SPDK_MAX_LCORE_FREQS	64

/** What a governor knows about a core beyond its frequencies. */
struct spdk_governor_capabilities {
	bool priority;	/**< the core has a higher base frequency than others */
};

/**
 * A core-frequency governor. Schedulers call its functions from balance(),
 * on the scheduling reactor; framework_get_governor calls
 * get_core_avail_freqs() and get_core_curr_freq() on the app thread, which
 * may be another pthread at the same time. init() and deinit() run on the
 * thread that calls spdk_governor_set(), never during a round's balance().
 * Frequencies are in kHz (as cpufreq's sysfs files).
 */
struct spdk_governor {
	/** Name, as given to spdk_governor_set(). */
	const char *name;

	/**
	 * Fill \p freqs (room for \p num) with the frequencies core \p lcore_id
	 * may run at. Returns how many were written; 0 on error or when \p num
	 * is too small to hold them all.
	 */
	uint32_t (*get_core_avail_freqs)(uint32_t lcore_id, uint32_t *freqs, uint32_t num);

	/** The current frequency of core \p lcore_id (0 if unknown). */
	uint32_t (*get_core_curr_freq)(uint32_t lcore_id);

	/** One step up. 1: changed, 0: already at the highest, negative errno on error. */
	int (*core_freq_up)(uint32_t lcore_id);

	/** One step down. 1: changed, 0: already at the lowest, negative errno on error. */
	int (*core_freq_down)(uint32_t lcore_id);

	/** To the highest frequency. 1: changed, 0: already there, negative errno on error. */
	int (*set_core_freq_max)(uint32_t lcore_id);

	/** To the lowest frequency. 1: changed, 0: already there, negative errno on error. */
	int (*set_core_freq_min)(uint32_t lcore_id);

	/** Fill \p capabilities for core \p lcore_id. 0, or a negative errno. */
	int (*get_core_capabilities)(uint32_t lcore_id,
				     struct spdk_governor_capabilities *capabilities);

	/**
	 * Write the governor's own information into \p w, which is inside an
	 * open object: write a name, then its value. 0, or a negative errno.
	 */
	int (*dump_info_json)(struct spdk_json_write_ctx *w);

	/** Prepare the governor (spdk_governor_set()). 0, or a negative errno. */
	int (*init)(void);

	/** Undo init() (the governor is replaced or unset). */
	void (*deinit)(void);

	/** Registry link (the framework's). */
	TAILQ_ENTRY(spdk_governor) link;
};

/**
 * Make governor \p name the current one: the new one's init() runs, and only
 * if it succeeds is the previous one deinitialised and replaced. Selecting the
 * current governor again does nothing. NULL deinitialises and unsets the
 * governor. Any thread may call it; if a round's balance() runs meanwhile
 * (and may use the governor), the call waits for it to return. Not from a
 * scheduler's or governor's own callbacks.
 *
 * \return 0; -EINVAL if no governor of that name is registered; or the
 * negative errno of the new governor's init(). On error the current governor
 * stays.
 */
int spdk_governor_set(const char *name);

/** The current governor, or NULL if none is set. Any thread. */
struct spdk_governor *spdk_governor_get(void);

/**
 * Add \p governor to the registry (use SPDK_GOVERNOR_REGISTER). A NULL
 * governor, one without a name, or a second one with the same name is
 * refused with an error log. The registry keeps the pointer: the structure
 * must outlive the process's use of it. Any thread (usually a constructor),
 * but not a scheduler's or governor's callbacks.
 */
void spdk_governor_register(struct spdk_governor *governor);

/** Register \p governor (a static struct spdk_governor) at program load. */
#define SPDK_GOVERNOR_REGISTER(governor) \
	static void __attribute__((constructor)) _spdk_governor_register_ ## governor(void) \
	{ \
		spdk_governor_register(&governor); \
	}

/** A thread as balance() sees it. */
struct spdk_scheduler_thread_info {
	/** Core the thread is on; balance() writes the core it should go to. */
	uint32_t lcore;
	/** spdk_thread_get_id() of the thread. */
	uint64_t thread_id;
	/** Busy/idle ticks over the thread's whole life. */
	struct spdk_thread_stats total_stats;
	/** Busy/idle ticks during the last scheduling period. */
	struct spdk_thread_stats current_stats;
};

/** A core and the threads on it, as balance() sees them. */
struct spdk_scheduler_core_info {
	/** Idle ticks of the core's reactor over its whole life. */
	uint64_t total_idle_tsc;
	/** Busy ticks of the core's reactor over its whole life. */
	uint64_t total_busy_tsc;
	/** Idle ticks during the last scheduling period. */
	uint64_t current_idle_tsc;
	/** Busy ticks during the last scheduling period. */
	uint64_t current_busy_tsc;

	/** The core's number. */
	uint32_t lcore;
	/** Number of entries in thread_infos. */
	uint32_t threads_count;
	/**
	 * Whether the reactor runs in interrupt mode; balance() may change it.
	 * Pinwheel's reactors always sleep when idle, so the framework reports
	 * false and ignores what balance() writes.
	 */
	bool interrupt_mode;
	/** The threads on this core (owned by the framework, valid during balance()). */
	struct spdk_scheduler_thread_info *thread_infos;
	/** The core is isolated: its threads stay and no thread is moved to it. */
	bool isolated;
};

/**
 * A thread scheduler. balance() is called on the scheduling reactor; init()
 * and deinit() on the thread that calls spdk_scheduler_set() (the app thread
 * for framework_set_scheduler), never while balance() runs: the framework
 * holds its registry lock around each, so none of them may call
 * spdk_scheduler_set(), spdk_scheduler_register(), spdk_governor_set() or
 * spdk_governor_register(). set_opts() and get_opts() run on the app thread
 * (the RPC methods), possibly while balance() runs.
 */
struct spdk_scheduler {
	/** Name, as given to spdk_scheduler_set(). */
	const char *name;

	/** Prepare the scheduler (spdk_scheduler_set()). 0, or a negative errno. */
	int (*init)(void);

	/** Undo init() (the scheduler is replaced, or the framework stops). */
	void (*deinit)(void);

	/**
	 * Decide placement: for each thread of \p core_info (\p count cores),
	 * write into its lcore field the core it should run on. The framework
	 * ignores targets the thread's cpumask forbids, moves of bound threads,
	 * and moves from or to isolated cores.
	 */
	void (*balance)(struct spdk_scheduler_core_info *core_info, uint32_t count);

	/**
	 * Apply options from \p opts (a JSON object: framework_set_scheduler's
	 * params, including "name", "period" and the scheduler's own keys).
	 * 0, or a negative errno. May be NULL (no options).
	 */
	int (*set_opts)(const struct spdk_json_val *opts);

	/**
	 * Write the scheduler's options as name/value pairs into \p ctx, which
	 * is inside an open object. May be NULL.
	 */
	void (*get_opts)(struct spdk_json_write_ctx *ctx);

	/** Registry link (the framework's). */
	TAILQ_ENTRY(spdk_scheduler) link;
};

/**
 * Make scheduler \p name the current one. The previous one is deinitialised,
 * then the new one's init() runs; if that fails, the previous one is
 * initialised again and stays current. Selecting the current scheduler again
 * does nothing. NULL deinitialises and unsets the scheduler (no rounds run
 * then). The framework selects "static" when the reactors are initialised if
 * none is set. Any thread may call it; if a round's balance() runs
 * meanwhile on the scheduling reactor, the call waits for it to return
 * before it deinitialises the current scheduler. Not from a scheduler's own
 * callbacks (see struct spdk_scheduler).
 *
 * \return 0; -EINVAL if no scheduler of that name is registered (nothing
 * changes); or the negative errno of the new scheduler's init() (the previous
 * scheduler is back).
 */
int spdk_scheduler_set(const char *name);

/** The current scheduler, or NULL if none is set. Any thread. */
struct spdk_scheduler *spdk_scheduler_get(void);

/**
 * Set the scheduling period to \p period microseconds; 0 stops rounds (a
 * round already running completes). Any thread may call it; the reactors see
 * the new period at their next check.
 */
void spdk_scheduler_set_period(uint64_t period);

/** The scheduling period in microseconds (0: no rounds). Any thread. */
uint64_t spdk_scheduler_get_period(void);

/**
 * Add \p scheduler to the registry (use SPDK_SCHEDULER_REGISTER). A NULL
 * scheduler, one without a name or without balance(), or a second one with
 * the same name is refused with an error log. The registry keeps the
 * pointer: the structure must outlive the process's use of it. Any thread
 * (usually a constructor), but not a scheduler's or governor's callbacks.
 */
void spdk_scheduler_register(struct spdk_scheduler *scheduler);

/**
 * The core whose reactor runs the rounds (calls balance()). Defaults to the
 * main core. Any thread.
 */
uint32_t spdk_scheduler_get_scheduling_lcore(void);

/**
 * Run the rounds on core \p lcore's reactor from the next round on (a round
 * under way ends on the core that started it). Any thread, once the reactors
 * are initialised.
 *
 * \return true; false (error logged, nothing changes) if \p lcore is not a
 * core the application runs on.
 */
bool spdk_scheduler_set_scheduling_lcore(uint32_t lcore);

/** Register \p scheduler (a static struct spdk_scheduler) at program load. */
#define SPDK_SCHEDULER_REGISTER(scheduler) \
	static void __attribute__((constructor)) _spdk_scheduler_register_ ## scheduler(void) \
	{ \
		spdk_scheduler_register(&scheduler); \
	}

#ifdef __cplusplus
}
#endif

#endif /* SPDK_SCHEDULER_H */

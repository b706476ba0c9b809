/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private structures of the event framework (reactor.c, reactor_sleep.c,
 * event.c, app.c, app_args.c, app_usage.c, app_signal.c) and the hooks its tests
 * use.
 */

#ifndef PW_EVENT_INTERNAL_H
#define PW_EVENT_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk_internal/event.h"
#include "pinwheel/event.h"
#include "pinwheel/thread.h"
#include "spdk/fd_group.h"
#include "spdk/scheduler.h"
#include "spdk/trace.h"
#include "common/pw_common.h"
#include "common/pw_segq.h"

#include <stdatomic.h>

#define PW_EVENT_BATCH_SIZE	8		/* events run per reactor iteration */
#define PW_EVENT_POOL_SIZE	(262144 - 1)	/* events allocated at once, process-wide */

/* An event between spdk_event_allocate() and spdk_event_call(): the call
 * copies it into its core's queue and recycles the object at once. */
struct spdk_event {
	spdk_event_fn			fn;
	void				*arg1;
	void				*arg2;
	uint32_t			lcore;
	struct spdk_event		*free_next;	/* per-pthread free list */
};

#define PW_EVENT_WORDS	3u	/* fn, arg1, arg2 in a queue slot */

/* Events a reactor sends to its own core: a plain ring, no atomic. */
struct pw_local_events {
	void				**slots;	/* cap * PW_EVENT_WORDS */
	uint32_t			cap;		/* power of two */
	uint32_t			head;
	uint32_t			tail;
};

/* Per-thread placement data, the thread library's driver context. */
struct spdk_lw_thread {
	TAILQ_ENTRY(spdk_lw_thread)	link;
	uint64_t			tsc_start;
	uint32_t			lcore;		/* reactor it is on */
	bool				resched;	/* move after this slice */
	struct spdk_fd_group		*nested_fgrp;	/* its fd group, nested in the reactor's */
	struct spdk_thread_stats	current_stats;
	struct spdk_thread_stats	last_stats;
	/* Scheduling rounds (scheduler_round.c), touched by its reactor only. */
	struct spdk_thread_stats	round_stats;	/* its totals at the last round */
	uint32_t			initial_lcore;	/* first core it ran on */
	uint32_t			round_idx;	/* its entry in the last gather (scheduler_round.c) */
	/* Parking (reactor.c): on its reactor's active list unless parked; a
	 * parked thread with a timed poller sits in the reactor's deadline heap. */
	TAILQ_ENTRY(spdk_lw_thread)	active_link;
	uint64_t			deadline;	/* its next timed poller (in the heap) */
	uint32_t			heap_idx;	/* UINT32_MAX: not in the heap */
	bool				parked;
	/* End of its last busy slice (0: none since it was placed): it parks
	 * only after an idle slice PW_PARK_DELAY_US or more after that. */
	uint64_t			last_busy_tsc;
};

struct spdk_reactor {
	/* Events from other pthreads (common/pw_segq.h); senders write this line. */
	struct pw_segq_prod		ev_prod PW_CACHE_ALIGNED;
	/* Set at init, then only read (by senders too): a line nobody writes. */
	uint32_t			lcore PW_CACHE_ALIGNED;
	struct pw_waker			*waker;
	/* Read by the reactor only. */
	struct pw_segq_cons		ev_cons PW_CACHE_ALIGNED;
	struct pw_local_events		local;

	TAILQ_HEAD(, spdk_lw_thread)	threads PW_CACHE_ALIGNED;
	uint32_t			thread_count;
	/* The threads it polls; the others are parked (doc/design.md "Parked
	 * threads"): woken ones come back through the lot, those whose timed
	 * poller is due through the heap (a min-heap by deadline). */
	TAILQ_HEAD(, spdk_lw_thread)	active;
	struct pw_park_lot		*lot;		/* NULL: it parks no thread */
	struct spdk_lw_thread		**heap;
	uint32_t			heap_len;
	uint32_t			heap_cap;
	uint32_t			parked_count;
	uint64_t			park_delay_ticks;	/* PW_PARK_DELAY_US in ticks */
	uint64_t			tsc_last;
	uint64_t			busy_tsc;
	uint64_t			idle_tsc;
	struct spdk_cpuset		notify_cpuset;
	bool				orphan;		/* its pthread failed to start */
	uint64_t			tid;		/* Linux tid of its pthread (0 before it ran) */
	_Atomic bool			finished;	/* its pthread left for good */

	/* Sleeping (see reactor_sleep.c) */
	struct spdk_fd_group		*fgrp;		/* waker + nested thread fd groups */
	uint32_t			nested_fgrps;
	uint64_t			last_work_tsc;
	bool				clock_stale;	/* tsc_last not read since work was done */
	uint64_t			last_fd_check_tsc;
	uint64_t			sleeps;		/* times it slept (tests, benches) */
} __attribute__((aligned(SPDK_CACHE_LINE_SIZE)));

/* ---- event.c ---- */
/* The reactor the calling pthread runs (NULL elsewhere). */
extern __thread struct spdk_reactor *pw__tls_reactor;

#define PW_EVENT_STAGE_MAX	64u	/* staged events; a full stage is published */
#define PW_EVENT_STAGE_DESTS	4u	/* destination cores; a fifth publishes the stage */

/* Events called to another core while this pthread's reactor runs an event
 * batch or gives a thread a slice (depth > 0): their slots are claimed at the
 * call and written and published when the batch or slice is over
 * (doc/design.md "Cross-core batches"). Empty whenever depth is 0. */
struct pw_event_stage {
	uint32_t		depth;		/* event batches and slices under way */
	uint32_t		n;
	uint32_t		ndest;
	struct spdk_reactor	*dest[PW_EVENT_STAGE_DESTS];
	struct {
		_Atomic(void *)	*slot;
		void		*words[PW_EVENT_WORDS];
	} ent[PW_EVENT_STAGE_MAX];
};
extern __thread struct pw_event_stage pw__event_stage;
/* Publish the staged events, then wake the destination cores that sleep. */
void pw__event_stage_flush(struct pw_event_stage *st);

static inline void
pw__event_stage_enter(struct pw_event_stage *st)
{
	st->depth++;
}

/* The batch or slice is over: publish what it staged (nothing stays staged
 * once depth is back to 0: the reactor may sleep next). */
static inline void
pw__event_stage_leave(struct pw_event_stage *st)
{
	if (--st->depth == 0 && spdk_unlikely(st->n != 0)) {
		pw__event_stage_flush(st);
	}
}
int pw__events_init(void);
void pw__events_fini(void);
int pw__event_queue_init(struct spdk_reactor *reactor);
void pw__event_queue_fini(struct spdk_reactor *reactor);
/* Run up to PW_EVENT_BATCH_SIZE events of the reactor; returns how many ran. */
uint32_t pw__event_queue_run_batch(struct spdk_reactor *reactor);
/* Take up to PW_EVENT_BATCH_SIZE events of the reactor off its queues without
 * running them: (fn, arg1, arg2) into batch (PW_EVENT_BATCH_SIZE *
 * PW_EVENT_WORDS words); their credits go back. Returns how many. Called by
 * the pthread that runs the reactor (or finishes it). */
uint32_t pw__event_queue_take(struct spdk_reactor *reactor, void **batch);
/* Give back an allocated event that will not be called (its credit too). */
void pw__event_free(struct spdk_event *event);
/* spdk_event_call() through the queue every pthread uses, never the
 * reactor's own ring (which is taken after it): events called in order from
 * different pthreads then run in that order on their core (walk starts). */
void pw__event_call_in_order(struct spdk_event *event);
/* Whether events are queued for the reactor. */
bool pw__event_queue_pending(struct spdk_reactor *reactor);
/* Events allocated and not yet run, process-wide (tests, leak checks). */
uint64_t pw__events_outstanding(void);

/* ---- reactor.c ---- */
/* One iteration of a reactor: a batch of events, then a slice per thread.
 * Returns whether any work was done. */
bool pw__reactor_run_once(struct spdk_reactor *reactor);
enum spdk_reactor_state pw__reactors_state(void);
/* 0, or the negative errno with which the last spdk_reactors_start() failed
 * to start a core's reactor (it then stopped at once). Main core's pthread. */
int pw__reactors_start_error(void);
/* Ask the NEW/RESCHED placement to start its round-robin at this core (tests). */
void pw__reactors_set_next_core(uint32_t core);
/* How long a thread stays active after its last busy slice before an idle
 * slice parks it (default PW_PARK_DELAY_US, 10 us; 0: at its first idle slice).
 * Applies to the reactors of spdk_reactors_init() calls made after it, and to
 * those already set up. Tests only; call it while the reactors do not run. */
void pw__reactors_set_park_delay_us(uint64_t us);
/* A thread of this reactor must get a slice (a move was set on it by a
 * scheduling round): take it back if it is parked. Its reactor only. */
void pw__reactor_thread_unpark(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread);
/* The earliest deadline of the reactor's parked threads (UINT64_MAX: none). */
static inline uint64_t
pw__reactor_parked_due(const struct spdk_reactor *reactor)
{
	return reactor->heap_len > 0 ? reactor->heap[0]->deadline : UINT64_MAX;
}
/* Names of the threads still alive, for the second-signal message (app.c). */
size_t pw__reactors_alive_summary(char *buf, size_t len);
/* Scheduling rounds (scheduler_round.c). Start a walk of the round from the
 * calling reactor: fn on every reactor, then cpl on the calling one. With
 * begin, the round's first walk: refused while the reactors stop
 * (-ESHUTDOWN) or a round runs (-EBUSY), and from then on a stop waits for
 * pw__reactors_round_end(). -ENOMEM (logged): no event for the walk. On error
 * nothing was started. */
int pw__reactors_round_walk(spdk_event_fn fn, spdk_event_fn cpl, void *arg, bool begin);
/* The round is over: a stop asked for meanwhile starts now. */
void pw__reactors_round_end(void);
/* Whether a round runs (tests). */
bool pw__reactors_round_in_progress(void);
/* Whether a stop was asked for and waits for the round's end (tests). */
bool pw__reactors_stop_waits_for_round(void);

/* ---- reactor_sleep.c ---- */
/* The reactor's waker and fd group; without them (an error, logged by the
 * caller) the reactor only polls. */
int pw__reactor_sleep_init(struct spdk_reactor *reactor);
void pw__reactor_sleep_fini(struct spdk_reactor *reactor);
/* Whether the reactor has been idle for the spin window (and may sleep). */
bool pw__reactor_sleep_due(const struct spdk_reactor *reactor);
/* Sleep if nothing is due (the reactor loop calls it when idle long enough);
 * returns whether it slept. */
bool pw__reactor_try_sleep(struct spdk_reactor *reactor);
/* Run the interrupt handlers of the reactor's threads that are ready, without
 * waiting (a busy reactor calls it every FD_CHECK_US). */
void pw__reactor_check_fds(struct spdk_reactor *reactor);
/* Recompute the options' tick values (once the tick rate is known). */
void pw__reactor_opts_refresh(void);

/* ---- app.c ---- */
/* The core mask the app runs on (spdk_app_parse_core_mask checks against it). */
const struct spdk_cpuset *pw__app_core_mask(void);
/* The framework's initialisation is complete (RPC state RUNTIME, start_fn
 * called). App thread. */
bool pw__app_init_done(void);
/* framework_start_init: initialise the subsystems, apply the RUNTIME entries
 * of the JSON configuration, then run start_fn (as a message); \p cb(rc, ctx)
 * is called on the app thread when that is done (rc 0) or failed (the
 * failure's rc; -ECANCELED when the app stopped first) and the app stops.
 * App thread. 0 (cb will be called), -EALREADY (initialised or under way),
 * -EAGAIN (the STARTUP entries are still being applied) or -ECANCELED (the app
 * is stopping); cb is then not called. */
int pw__app_start_init(void (*cb)(int rc, void *ctx), void *ctx);

/* ---- app_trace.c ---- */
/* Parse -e text into one tracepoint mask per group (all zero on error).
 * 0, -EINVAL (logged, saying what was wrong) or -ENOMEM. Needs the trace
 * initialised for tracepoint names. */
int pw__app_trace_parse(const char *spec, uint64_t masks[SPDK_TRACE_MAX_GROUP_ID]);

/* ---- app_signal.c ---- */
/* Before a run: shutdown requests and signals go to \p app_thread and run
 * \p shutdown_cb (NULL: spdk_app_stop(0)) once. */
void pw__app_signals_arm(struct spdk_thread *app_thread, spdk_app_shutdown_cb shutdown_cb);
/* After a run: signals no longer reach a thread. */
void pw__app_signals_disarm(void);
/* SIGINT/SIGTERM handlers, SIGPIPE ignored. 0, or a negative errno (logged). */
int pw__app_signals_install(void);
/* Put back what pw__app_signals_install() replaced (nothing if it did not). */
void pw__app_signals_restore(void);

/* ---- app_usage.c ---- */
/* Print the usage text of SPDK's options, then the application's part
 * (\p app_usage, may be NULL). */
void pw__app_usage(void (*app_usage)(void));
/* What the usage text shows: the options the parse started from (their
 * defaults) and argv[0] (borrowed). */
void pw__app_usage_set_defaults(const struct spdk_app_opts *defaults);
void pw__app_usage_set_name(const char *executable_name);

/* ---- thread_rpc.c, log_rpc.c, iobuf_rpc.c ---- */
/* Empty: spdk_app_start() calls them so that a static link keeps these files
 * (their methods register from constructors). */
void pw__thread_rpc_link(void);
void pw__log_rpc_link(void);
void pw__iobuf_rpc_link(void);
void pw__trace_rpc_link(void);
/* iobuf_subsystem.c: the same for the "iobuf" subsystem (iobuf_rpc.c calls it). */
void pw__iobuf_subsystem_link(void);

/* ---- app_rpc.c ---- */
/* Take the /proc/stat figures of every core the app runs on, from which
 * framework_get_reactors counts (spdk_app_start()). */
void pw__app_rpc_stat_baseline(void);
/* The initialisation completed: answer the framework_wait_init requests that
 * were waiting. App thread. */
void pw__app_rpc_init_done(void);
/* The app stops before it was initialised: answer those requests with an
 * error (before spdk_rpc_finish()). App thread. */
void pw__app_rpc_stop(void);

/* ---- scheduler.c ---- */
/* The scheduling period in ticks (0: no rounds). Any thread. */
extern _Atomic uint64_t pw__g_scheduler_period_tsc;
static inline uint64_t
pw__scheduler_period_tsc(void)
{
	/* Relaxed: pairs with the relaxed store of spdk_scheduler_set_period(). */
	return atomic_load_explicit(&pw__g_scheduler_period_tsc, memory_order_relaxed);
}
/* spdk_reactors_init(): select "static" if no scheduler is set.
 * spdk_reactors_fini(): unset scheduler and governor, period 0, scheduling
 * core back to the main core. */
void pw__scheduler_framework_init(void);
/* The current scheduler's balance() on \p cores, under the registry lock (a
 * scheduler or governor being replaced waits for it to return); false when
 * no scheduler is set. The scheduling reactor, during a round. */
bool pw__scheduler_balance(struct spdk_scheduler_core_info *cores, uint32_t count);
void pw__scheduler_framework_fini(void);

/* ---- scheduler_static.c ---- */
/* Forget the mappings and that static was ever replaced (framework fini);
 * also keeps the file in a static link. */
void pw__scheduler_static_reset(void);

/* ---- scheduler_round.c ---- */
/* The round's per-core records, for cores 0..count-1. 0 or -ENOMEM. */
int pw__scheduler_round_init(uint32_t count);
void pw__scheduler_round_fini(void);
/* The reactor loop, after an iteration, when a period is set: start a round
 * if this is the scheduling reactor and the period has elapsed. */
void pw__scheduler_round_check(struct spdk_reactor *reactor, uint64_t period_tsc);
/* Start a round now from the calling reactor (which must be the scheduling
 * one). 0; -EBUSY (a round runs); -ESHUTDOWN (stopping); -ENOMEM. */
int pw__scheduler_round_start(struct spdk_reactor *reactor);
/* When the scheduling reactor must wake for its next round (UINT64_MAX: not
 * the scheduling reactor, or no period). */
uint64_t pw__scheduler_round_due(const struct spdk_reactor *reactor);
/* Wake the scheduling reactor (the period changed). */
void pw__scheduler_round_kick(void);
/* Rounds completed since the reactors were initialised (tests). */
uint64_t pw__scheduler_rounds_done(void);
/* What the last completed round's phases cost, in ticks summed over the
 * reactors: gather (every thread's stats), balance (the scheduler and the
 * history, on the scheduling reactor), apply (the moves). Benches. */
void pw__scheduler_round_costs(uint64_t *gather_tsc, uint64_t *balance_tsc, uint64_t *apply_tsc);
/* A thread leaves the reactor's list (destroyed or moved): a round between
 * its gather and its apply must not find it there. Its reactor only. */
void pw__scheduler_round_forget(struct spdk_reactor *reactor, struct spdk_lw_thread *lw_thread);
/* Moves the rounds asked the reactors to make, and those they refused
 * (bound thread, cpumask, isolated core, no such core) (tests). */
uint64_t pw__scheduler_moves_applied(void);
uint64_t pw__scheduler_moves_refused(void);
/* The core a thread of the current round first ran on: thread idx of core
 * (valid during balance()). UINT32_MAX if out of range. */
uint32_t pw__scheduler_thread_initial_lcore(uint32_t core, uint32_t idx);
/* The cpumask thread idx of core had when the round gathered it (valid
 * during balance(); a scheduler reads it there instead of the thread's own,
 * which belongs to the thread's reactor). NULL if out of range. */
const struct spdk_cpuset *pw__scheduler_thread_cpumask(uint32_t core, uint32_t idx);
/* The rounds' core_info array (what balance() gets from a round), or NULL
 * before spdk_reactors_init(). */
const struct spdk_scheduler_core_info *pw__scheduler_round_cores(void);
/* Isolated cores: rounds neither move their threads nor move threads to
 * them. Before or between rounds. */
void pw__scheduler_set_isolated_cores(const struct spdk_cpuset *cores);
void pw__scheduler_get_isolated_cores(struct spdk_cpuset *cores);

/* ---- scheduler_rpc.c, governor.c, scheduler_subsystem.c ---- */
/* Empty: called at reactors init so that a static link keeps these files. */
void pw__scheduler_rpc_link(void);
void pw__governor_link(void);
void pw__scheduler_subsystem_link(void);
/* Where the cpufreq governor looks for cpuN/cpufreq/ (NULL: the real
 * /sys/devices/system/cpu). Tests. */
void pw__governor_set_sysfs_root(const char *root);

/* ---- scheduler_history.c ---- */
/* A round's decisions: the core_info array as balance() left it (each
 * thread's lcore is its target), before the moves are applied; period_tsc is
 * the length of the period the stats cover. Scheduling reactor. */
void pw__scheduler_history_record(const struct spdk_scheduler_core_info *cores, uint32_t count,
				  uint64_t period_tsc);

#endif /* PW_EVENT_INTERNAL_H */

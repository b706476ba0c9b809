/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private structures of the thread library, shared by its modules and by the
 * tests, which observe a few internals through the pw__ accessors below:
 *
 *   thread_lib.c        library init/fini, the driver's hooks, the app thread
 *   thread.c            the thread list, creation, exit, destruction
 *   thread_ids.c        the live threads by id (spdk_thread_get_by_id)
 *   thread_poll.c       one slice (spdk_thread_poll), post-poller handlers
 *   thread_info.c       accessors and introspection
 *   for_each_thread.c   spdk_for_each_thread, sending again later
 *   msgq.c              message queues, spdk_thread_send_msg
 *   poller.c, timer.c   pollers; timed pollers by period
 *   interrupt.c         interrupt sources, interrupt mode, wakers
 *   io_device.c, io_channel.c, for_each_channel.c   see io_channel_internal.h
 *   spinlock.c          spdk_spinlock
 */

#ifndef PW_THREAD_INTERNAL_H
#define PW_THREAD_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/thread.h"
#include "spdk_internal/thread.h"
#include "pinwheel/spinlock.h"
#include "pinwheel/thread.h"
#include "common/pw_common.h"
#include "common/pw_segq.h"
#include "spdk/log.h"

#include <stdatomic.h>

#define PW_MSG_BATCH_DEFAULT		8	/* messages per slice when max_msgs is 0 */
#define PW_THREAD_EXIT_TIMEOUT_SEC	5	/* forced EXITED after this long */
#define PW_MAX_PP_HANDLERS		4	/* post-poller handlers pending at once */
/* A thread parking on a lot that holds at least this many parked threads
 * gives its message segment back (doc/design.md "Small threads"): below it
 * the segments are few, and a thread in a ping-pong parks between messages. */
#define PW_GIVE_BACK_PARKED		16

/* ---------------------------------------------------------------------------
 * Message queue: one common/pw_segq.h queue per thread, of 2-word entries
 * (fn, ctx), 255 to a 4 KiB segment (see msgq.c).
 * ------------------------------------------------------------------------- */

#define PW_MSG_WORDS		2u
#define PW_MSGQ_SEG_SLOTS	(PW_SEGQ_WORDS / PW_MSG_WORDS)

/* ---------------------------------------------------------------------------
 * Pollers
 * ------------------------------------------------------------------------- */

enum pw_poller_state {
	PW_POLLER_WAITING,	/* registered, armed (or in the active array) */
	PW_POLLER_UNREGISTERED,	/* unregistered while running; freed when it returns */
	PW_POLLER_PAUSING,	/* paused, becomes PAUSED at the end of the next slice */
	PW_POLLER_PAUSED,	/* on the paused list */
};

struct pw_timer_bucket;

struct spdk_poller {
	/* What running a timed poller touches, on one cache line (the struct is
	 * allocated aligned): a thread with many timed pollers walks one line per
	 * poller. */
	spdk_poller_fn			fn;
	void				*arg;
	uint64_t			next_run_tick;
	struct spdk_poller		*tnext;		/* position in its period bucket */
	struct spdk_poller		*tprev;
	struct pw_timer_bucket		*bucket;	/* its period's bucket (timed pollers) */
	uint64_t			run_count;	/* see the counters below */
	uint32_t			seq;		/* arming order, breaks ties (wraps) */
	uint8_t				state;		/* enum pw_poller_state */
	bool				running;	/* inside its own callback */
	bool				armed;		/* linked in its bucket */
	bool				parked;		/* not polled: its thread is in interrupt mode */

	struct spdk_thread		*thread;
	uint64_t			period_ticks;
	/* Untimed pollers: index of the entry in thread->active (UINT32_MAX: none). */
	uint32_t			active_idx;
	bool				intr_capable;	/* spdk_poller_register_interrupt() */

	/* Counters. For an untimed poller in the active array, runs are derived
	 * from the thread's dispatch rounds (see poller.c) and busy counts live in
	 * its array entry; both are folded in here when it leaves the array. */
	uint64_t			busy_count;
	uint64_t			round_base;

	uint64_t			id;
	TAILQ_ENTRY(spdk_poller)	plink;		/* pausing, paused or parked list */

	spdk_poller_set_interrupt_mode_cb intr_cb;
	void				*intr_cb_arg;

	char				name[];		/* at most SPDK_MAX_POLLER_NAME_LEN */
};
_Static_assert(offsetof(struct spdk_poller, thread) == SPDK_CACHE_LINE_SIZE,
	       "a timed poller's run must touch one cache line");

/* One entry of the untimed dispatch array: what the hot loop touches. */
struct pw_active_ent {
	spdk_poller_fn		fn;
	void			*arg;
	uint64_t		busy;
	struct spdk_poller	*poller;
};

/* Timed pollers with the same period are re-armed with now + period, so a
 * bucket per period stays sorted by construction (append at the tail); the
 * buckets sit in a small min-heap keyed by their head (see timer.c). */
struct pw_timer_bucket {
	uint64_t			period;
	struct spdk_poller		*head;
	struct spdk_poller		*tail;
	uint32_t			heap_idx;	/* UINT32_MAX while empty (not in the heap) */
	uint32_t			refs;		/* timed pollers of this period */
	TAILQ_ENTRY(pw_timer_bucket)	link;
};

struct pw_timer {
	struct pw_timer_bucket		**heap;
	uint32_t			heap_len;
	uint32_t			heap_cap;
	uint32_t			count;		/* armed pollers */
	uint32_t			nbuckets;	/* heap capacity is kept >= this */
	uint32_t			seq;		/* last arming number (wraps) */
	TAILQ_HEAD(, pw_timer_bucket)	buckets;	/* all buckets, for lookup by period */
};

/* ---------------------------------------------------------------------------
 * Threads
 * ------------------------------------------------------------------------- */

enum pw_thread_state {
	PW_THREAD_RUNNING,
	PW_THREAD_EXITING,
	PW_THREAD_EXITED,
};

struct pw_pp_handler {
	spdk_post_poller_fn	fn;
	void			*arg;
};

struct io_channel_map;

/*
 * What only a thread that has had a poller, a timer, an interrupt source or
 * a post-poller handler needs, allocated on first use (pw__thread_pollers())
 * and freed with the thread: a thread that never had any holds none
 * (thread->pl is NULL; doc/design.md "Small threads", "The poller block").
 * Only its thread's pthread touches it. The first line (the block is 64-byte
 * aligned) is what a slice of a thread with pollers reads.
 */
struct pw_pollers {
	struct pw_active_ent		*active;
	uint32_t			active_count;
	uint32_t			active_dead;	/* tombstones in the active array */
	uint64_t			active_round;	/* untimed dispatch rounds so far */
	int64_t				dispatch_idx;	/* entry being run, -1 outside dispatch */
	struct spdk_poller		*first_timed_poller;	/* cached earliest */
	struct pw_waker			*own_waker;	/* for spdk_thread_get_interrupt_fd() users */
	TAILQ_HEAD(, spdk_poller)	pausing_pollers;

	TAILQ_HEAD(, spdk_poller)	zombie_pollers;	/* unregistered, freed at the end of the slice */
	TAILQ_HEAD(, spdk_poller)	parked_pollers;	/* untimed, driven by interrupts */
	TAILQ_HEAD(, spdk_poller)	paused_pollers;
	TAILQ_HEAD(, spdk_interrupt)	interrupts;
	struct spdk_fd_group		*fgrp;		/* interrupt sources, created on first use */
	uint64_t			next_poller_id;
	uint32_t			active_cap;
	struct pw_timer			timer;
	struct pw_pp_handler		pp_handlers[PW_MAX_PP_HANDLERS];
};
_Static_assert(offsetof(struct pw_pollers, zombie_pollers) == SPDK_CACHE_LINE_SIZE,
	       "what a slice reads of the poller block fits one cache line");

struct spdk_thread {
	/* ---- consumer side: one line, touched by every slice, only by the
	 * polling pthread ---- */
	struct pw_segq_cons		mq_cons;
	uint32_t			state;		/* enum pw_thread_state, owner's copy */
	/* Parked (pw_thread_park()) since tsc_last: the time until its next slice
	 * is idle time, added by that slice (or by a read of its stats). */
	bool				park_accrue;
	/* Cold, in what would be a hole. */
	bool				is_bound;
	bool				in_interrupt;

	/* Checked after every message and poller: non-zero means slow path. */
	union {
		uint64_t		attention;
		struct {
			int32_t		lock_count;	/* spinlocks held */
			uint16_t	num_pp_handlers;	/* non-zero only with pl */
			uint8_t		msgs_staged;	/* its callback sent to another thread (msgq.c) */
			uint8_t		attention_pad;
		};
	};
	/* Pollers, timers, interrupt sources, post-poller handlers: NULL until
	 * the first one (a slice of a thread without any tests this only). */
	struct pw_pollers		*pl;
	uint64_t			tsc_last;
	struct spdk_thread_stats	stats;

	/* ---- cold, in what would be padding before the producers' line ---- */
	uint32_t			for_each_count;
	int32_t				pending_unregister_count;
	uint64_t			id;
	uint64_t			exit_timeout_tsc;
	void				*alloc_base;	/* what malloc() returned (thread.c) */
	struct io_channel_map		*channels;	/* owned by io_channel.c */
	/* In the list of all threads (written by the creator or destroyer of a
	 * neighbour, under the thread list lock: no hot field shares the line). */
	TAILQ_ENTRY(spdk_thread)	tailq;
	/* At most SPDK_MAX_THREAD_NAME_LEN bytes, stored after ctx (sized to
	 * fit: an idle thread's memory, doc/design.md "Small threads"). */
	char				*name;

	/* ---- producer side: one line written by senders ---- */
	struct pw_segq_prod		mq_prod PW_CACHE_ALIGNED;
	_Atomic(struct pw_waker *)	waker;		/* woken after a send while its driver sleeps */
	/* Parking (see pinwheel/thread.h and doc/design.md "Parked threads"):
	 * enum pw_park_state; the lot it was parked in (written by its driver
	 * before the seq_cst store of PARKED, read by a waker after its seq_cst
	 * load of PARKED); its link in the lot's list of woken threads (written
	 * by the waker that won the PARKED -> WOKEN exchange). */
	_Atomic uint32_t		park_state;
	struct pw_park_lot		*park_lot;
	struct spdk_thread		*park_next;

	/* ---- read by every slice and every sender, written rarely: by the
	 * critical sender, and by a change of state ---- */
	_Atomic(spdk_msg_fn)		critical_msg PW_CACHE_ALIGNED;
	/* Copy of state that senders (and spdk_thread_is_exited(), called by a
	 * driver after every slice) read: not on the senders' line, which a
	 * read here after every slice would take away from them (issue 12). */
	_Atomic uint32_t		shared_state;

	/* ---- read-mostly ---- */
	/* Its cpumask (cpumask_pool.c): the interned copy shared by the threads
	 * with the same mask at creation (held until the thread is freed), and
	 * its private copy, made by the first spdk_thread_get_cpumask() or
	 * spdk_thread_set_cpumask() (installed once, by an exchange; then the
	 * authoritative one). */
	const struct spdk_cpuset	*cpumask_shared;
	_Atomic(struct spdk_cpuset *)	cpumask_own;

	/* Driver context (ctx_sz bytes), then the name */
	uint8_t				ctx[] __attribute__((aligned(8)));
};
_Static_assert(offsetof(struct spdk_thread, for_each_count) == SPDK_CACHE_LINE_SIZE,
	       "the consumer's hot fields fit one cache line");
_Static_assert(offsetof(struct spdk_thread, name) + sizeof(char *) <=
	       offsetof(struct spdk_thread, mq_prod),
	       "the cold fields fit before the producers' line");

/* Current thread of this pthread (thread.c). */
extern __thread struct spdk_thread *pw__tls_thread;

/* Accessors log a NULL thread instead of crashing. */
#define PW_THREAD_OR_RETURN(thread, ret)					\
	do {									\
		if (spdk_unlikely((thread) == NULL)) {				\
			SPDK_ERRLOG("%s: NULL thread\n", __func__);		\
			return ret;						\
		}								\
	} while (0)

/* ---- cpumask_pool.c ---- */
/* The shared copy of mask (NULL: every core), with a reference taken; NULL
 * (logged) when out of memory. */
const struct spdk_cpuset *pw__cpumask_intern(const struct spdk_cpuset *mask);
/* Drop a reference pw__cpumask_intern() gave (NULL: no-op). */
void pw__cpumask_release(const struct spdk_cpuset *shared);
/* Distinct masks interned now, the every-core one not counted (tests). */
uint32_t pw__cpumask_pool_count(void);
/* The thread's private copy, made and installed on first use (any pthread;
 * two at once install one); NULL (not logged) when out of memory. */
struct spdk_cpuset *pw__thread_own_cpumask(struct spdk_thread *thread);
/* Free the private copy, release the shared one (the thread is being freed). */
void pw__thread_cpumask_fini(struct spdk_thread *thread);

/* ---- thread_lib.c ---- */
bool pw__thread_lib_initialized(void);
/* Bytes of driver context at the end of each thread (spdk_thread_lib_init()). */
size_t pw__thread_ctx_size(void);
/* Run the driver's new-thread hook, if any: 0 or its error. */
int pw__thread_new_hook(struct spdk_thread *thread);
/* A thread was created: the first one becomes the app thread. */
void pw__thread_app_candidate(struct spdk_thread *thread);

/* ---- thread.c ---- */
/* Global thread list lock; also protects the io_device registry. */
void pw__threads_lock(void);
void pw__threads_unlock(void);
/* First thread in creation order / next one (call with the lock held). */
struct spdk_thread *pw__thread_first(void);
struct spdk_thread *pw__thread_next(struct spdk_thread *thread);
struct spdk_thread *pw__thread_prev(struct spdk_thread *thread);
/* The live thread with this id, or NULL (call with the lock held); O(1). */
struct spdk_thread *pw__thread_find_locked(uint64_t id);
/* Send to the live thread with this id (-EIO if it is gone), under the
 * thread list lock so that it cannot be freed meanwhile. */
int pw__send_to_thread_id(uint64_t id, spdk_msg_fn fn, void *ctx);
/* ---- thread_ids.c (all with the thread list lock held) ---- */
/* Index a thread by its id (set). 0 or -ENOMEM. */
int pw__thread_ids_insert(struct spdk_thread *thread);
/* Forget an indexed thread. */
void pw__thread_ids_remove(struct spdk_thread *thread);
/* The indexed thread with this id, or NULL. O(1). */
struct spdk_thread *pw__thread_ids_find(uint64_t id);
/* Slots of the index (0: no table); for tests. */
size_t pw__thread_ids_slots(void);

/* Log (rate-limited) a call made from the wrong spdk_thread. */
void pw__wrong_thread(const char *func, const char *what, struct spdk_thread *owner,
		      struct spdk_thread *current);
/* An EXITING thread: become EXITED if nothing is left (end of a slice). */
void pw__thread_exit_check(struct spdk_thread *thread, uint64_t now);
/* Unlink, drain and free a thread (destroy, lib fini, refused creation). */
void pw__thread_free(struct spdk_thread *thread);

/* ---- thread_poll.c ---- */
/* Run and clear pending post-poller handlers. */
void pw__thread_run_pp_handlers(struct spdk_thread *thread);
/* The slow path of pw__thread_after_callback(): publish what the callback
 * sent to other threads (pw__msgq_callback_done()), report a spinlock still
 * held, run pending post-poller handlers. */
void pw__thread_attend(struct spdk_thread *thread);

/*
 * After every message, poller and interrupt handler: one word of the thread
 * (`attention`) says whether anything needs doing; the work is out of line.
 */
static inline void
pw__thread_after_callback(struct spdk_thread *thread)
{
	if (spdk_unlikely(thread->attention != 0)) {
		pw__thread_attend(thread);
	}
}

/* ---- for_each_thread.c ---- */
/* The thread is being unlinked from the thread list (lock held): walks whose
 * place is that thread step back to the one before it. */
void pw__for_each_thread_unlinking(struct spdk_thread *thread);
/* The message queues are full (-ENOMEM): call again(arg) from a poller of the
 * current thread a little later instead of giving up. False if that is not
 * possible either (no current thread, no memory). */
bool pw__retry_later(void (*again)(void *arg), void *arg);

/* ---- spinlock.c ---- */
/* Report a spinlock still held after a callback returned. */
void pw__spin_check_switch(struct spdk_thread *thread);

/* ---- msgq.c ---- */
/*
 * Sends staged by this pthread (see msgq.c and doc/design.md, "Cross-core
 * batches"): only inside spdk_thread_poll() (depth > 0); each entry's slot is
 * claimed at send time and published by pw__msgq_flush(), which runs after
 * every callback (through the current thread's `msgs_staged` attention flag)
 * and at the end of every spdk_thread_poll().
 */
#define PW_MSG_STAGE_MAX	64	/* staged messages; a full stage is flushed */
#define PW_MSG_STAGE_DESTS	4	/* destination threads; a fifth flushes */

struct pw_staged_msg {
	_Atomic(void *)		*slot;
	void			*fn;
	void			*ctx;
};

struct pw_msg_stage {
	uint32_t		depth;		/* spdk_thread_poll() calls under way */
	uint32_t		n;
	struct spdk_thread	*polled;	/* thread of the innermost spdk_thread_poll() */
	uint32_t		ndest;
	uint32_t		sends;		/* cross-thread sends of the current callback */
	bool			lone;		/* the last callback that sent sent one message */
	struct spdk_thread	*dest[PW_MSG_STAGE_DESTS];
	struct pw_staged_msg	ent[PW_MSG_STAGE_MAX];
};

extern __thread struct pw_msg_stage pw__msg_stage;
/* Publish everything this pthread staged (and wake sleeping receivers). */
void pw__msgq_flush(void);
/* A callback that sent to other threads returned: note whether it sent one
 * message alone (that predicts the next one does), then pw__msgq_flush(). */
void pw__msgq_callback_done(void);
/* Whether this pthread has staged sends (tests). */
static inline bool
pw__msgq_staged(void)
{
	return pw__msg_stage.n != 0;
}

int pw__msgq_lib_init(size_t msg_limit);
void pw__msgq_lib_fini(void);
/* A new thread's queue holds no segment (cannot fail). */
void pw__msgq_init(struct spdk_thread *thread);
void pw__msgq_fini(struct spdk_thread *thread);
/* Consumer only: give the queue's segment back if everything sent was run
 * (doc/design.md "Small threads"); true if it did. */
bool pw__msgq_give_back(struct spdk_thread *thread);
/* Whether the queue holds a segment (tests). Consumer only. */
bool pw__msgq_has_segment(const struct spdk_thread *thread);
/* Run up to max messages; returns how many ran. Consumer only. */
uint32_t pw__msgq_run_batch(struct spdk_thread *thread, uint32_t max);
static inline uint32_t pw__msgq_run(struct spdk_thread *thread, uint32_t max);
/* Whether a message is queued or being queued (reads the producer side). */
bool pw__msgq_pending(struct spdk_thread *thread);
/* Messages queued, walking the segments; for tests and exit logs. Consumer only. */
size_t pw__msgq_count(struct spdk_thread *thread);
/* Segments currently allocated in the process / the limit; for tests. */
size_t pw__msgq_segments_in_use(void);
size_t pw__msgq_segment_limit(void);
/* Segments held by message queues (linked or spare) / kept free by their
 * pool; for tests. */
size_t pw__msgq_segments_held(void);
size_t pw__msgq_segments_cached(void);
/* Chunks the message pool has mapped (reports). */
size_t pw__msgq_chunks_mapped(void);

/* ---- timer.c ---- */
void pw__timer_init(struct pw_timer *timer);
void pw__timer_fini(struct pw_timer *timer);
/* Attach a new timed poller to the bucket of its period. 0 or -ENOMEM. */
int pw__timer_attach(struct spdk_thread *thread, struct spdk_poller *poller);
/* Drop the poller's bucket reference (it must be disarmed). */
void pw__timer_detach(struct spdk_thread *thread, struct spdk_poller *poller);
/* Arm at now + period, with a new arming sequence number. */
void pw__timer_arm(struct spdk_thread *thread, struct spdk_poller *poller, uint64_t now);
/* Put a poller back exactly where it was (its old tick and sequence number). */
void pw__timer_rearm_in_place(struct spdk_thread *thread, struct spdk_poller *poller);
/* Unlink an armed poller. */
void pw__timer_disarm(struct spdk_thread *thread, struct spdk_poller *poller);
/* Next timed poller after prev in (tick, sequence) order; NULL prev gives the first. */
struct spdk_poller *pw__timer_next(const struct spdk_thread *thread, const struct spdk_poller *prev);

/* ---- poller.c ---- */
/* The thread's poller block, allocated on first use; NULL (logged, naming
 * what) when there is no memory for it. Its thread's pthread only. */
struct pw_pollers *pw__thread_pollers(struct spdk_thread *thread, const char *what);
/* Free the block (after pw__pollers_free_all() and pw__interrupts_fini()). */
void pw__thread_pollers_free(struct spdk_thread *thread);
/* Run untimed then due timed pollers; returns the highest poller result (>= 0). */
int pw__pollers_run(struct spdk_thread *thread, struct pw_pollers *pl, uint64_t now);
/* End-of-slice housekeeping: compact the active array, PAUSING -> PAUSED. */
void pw__pollers_settle(struct spdk_thread *thread);
/* Whether the slice has poller work to do / housekeeping to settle, for a
 * thread with a poller block (inline: a slice costs no call). */
static inline bool
pw__pollers_due(const struct pw_pollers *pl, uint64_t now)
{
	return pl->active_count > 0 ||
	       (pl->first_timed_poller != NULL && pl->first_timed_poller->next_run_tick <= now);
}
static inline bool
pw__pollers_unsettled(const struct pw_pollers *pl)
{
	return pl->active_dead != 0 || !TAILQ_EMPTY(&pl->pausing_pollers) ||
	       !TAILQ_EMPTY(&pl->zombie_pollers);
}
/* Whether anything but unregistered pollers is left (for exit). */
struct spdk_poller *pw__pollers_any_live(struct spdk_thread *thread);
/* Free every poller at thread destruction, warning about live ones. */
void pw__pollers_free_all(struct spdk_thread *thread);
/* Number of untimed pollers in the dispatch array (tombstones excluded). */
uint32_t pw__pollers_active_count(struct spdk_thread *thread);

/* The common case, an empty queue, without a call. */
static inline uint32_t
pw__msgq_run(struct spdk_thread *thread, uint32_t max)
{
	if (pw_segq_empty(&thread->mq_prod, &thread->mq_cons, PW_MSG_WORDS)) {
		return 0;
	}
	return pw__msgq_run_batch(thread, max);
}

/* ---- interrupt.c ---- */
enum pw_park_state {
	PW_PARK_ACTIVE,		/* polled by its driver */
	PW_PARK_PARKED,		/* not polled; the first waker takes it to WOKEN */
	PW_PARK_WOKEN,		/* on its lot's list of woken threads, or being put there */
};

/* A driver's parking lot (pinwheel/thread.h): the threads woken since it
 * last looked, a lock-free stack (pushed by wakers, taken whole by the
 * driver). */
struct pw_park_lot {
	_Atomic(struct spdk_thread *)	woken PW_CACHE_ALIGNED;
	/* The driver's own, below. */
	struct spdk_thread		*taken PW_CACHE_ALIGNED;	/* taken from woken, FIFO */
	uint64_t			critical_gen;	/* pw__g_critical_gen last seen */
	uint64_t			parked;		/* parked or woken, not taken back */
};

/* Bumped after each critical message is published (see
 * spdk_thread_send_critical_msg()): drivers then look at their parked threads. */
extern _Atomic uint64_t pw__g_critical_gen;

/* A waker found `thread` parked: put it on its lot's list (once). Called
 * between the claim of a message slot and its publication, or by the
 * driver itself. */
void pw__thread_wake_parked(struct spdk_thread *thread);
/* The current thread changed its state outside a slice (exit, move): if it
 * is parked, wake it, and its driver if that sleeps. */
void pw__thread_kick(struct spdk_thread *thread);

struct pw_waker {
	_Atomic uint32_t	sleeping PW_CACHE_ALIGNED;
	int			efd;
	bool			always;		/* wake on every send (no sleeping driver) */
	struct pw_waker		*spare_next;	/* recycled wakers (interrupt.c) */
};
/*
 * The waker to write after queueing to `thread`, or NULL if its driver is
 * awake. Called between the claim of a slot and its publication
 * (pw_segq_push_claimed()): the thread cannot have run the message yet, so
 * it cannot have exited and been freed because of it; after the publication
 * the sender reads nothing from the thread any more.
 *
 * seq_cst loads, ordered after the claim (a seq_cst RMW) and paired with a
 * driver's seq_cst stores of the waker and of its sleeping flag followed by
 * its last look at the queue's tail (pw_segq_pending()): either the driver's
 * last look sees the claim, or these loads see the driver's waker asleep.
 */
static inline struct pw_waker *
pw__thread_waker_asleep(struct spdk_thread *thread)
{
	struct pw_waker *w = atomic_load_explicit(&thread->waker, memory_order_seq_cst);

	/* A parked thread: seq_cst load after the claim, paired with the
	 * driver's seq_cst store of PARKED followed by its last look at the
	 * queue (pw_thread_park()): either that look sees the claim, or this
	 * load sees PARKED and the thread goes on its lot's list, before the
	 * load of the driver's sleeping flag below (see doc/design.md, "Parked
	 * threads"). */
	if (w == NULL) {
		/* No driver's waker: never parked (pw_thread_park() refuses). */
		return NULL;
	}
	if (spdk_unlikely(atomic_load_explicit(&thread->park_state, memory_order_seq_cst) ==
			  PW_PARK_PARKED)) {
		pw__thread_wake_parked(thread);
	}
	if (atomic_load_explicit(&w->sleeping, memory_order_seq_cst) != 0) {
		return w;
	}
	return NULL;
}
void pw__interrupts_fini(struct spdk_thread *thread);
/* For a thread driven through spdk_thread_get_interrupt_fd() (no driver's
 * waker attached): clear its fd and run its ready interrupt sources, without
 * waiting. Returns how many fds were handled. */
int pw__interrupts_run_own(struct spdk_thread *thread);
/* The same thread after a batch of messages: if more are queued, make its
 * fd readable again (the slice cleared it and the senders of those messages
 * wrote it before that). */
void pw__interrupts_rearm_own(struct spdk_thread *thread);
/* At spdk_thread_lib_fini(): interrupt mode has no "disable" in SPDK, so it is
 * reset here for a restarted framework to choose again; recycled wakers are
 * freed. */
void pw__interrupts_lib_fini(void);

/* ---- poller.c (interrupt mode) ---- */
void pw__pollers_set_interrupt_mode(struct spdk_thread *thread, bool interrupt_mode);

/* ---- io_channel.c ---- */
int pw__channels_init(struct spdk_thread *thread);
/* Name of one channel still held (for exit logs), or NULL if none. */
const char *pw__channels_any(struct spdk_thread *thread);
void pw__channels_fini(struct spdk_thread *thread);

/* ---- io_device.c ---- */
/* Log devices still registered at lib fini. */
void pw__io_devices_check_empty(void);
/* For tests: number of registered devices. */
size_t pw__io_device_count(void);

#endif /* PW_THREAD_INTERNAL_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private structures of the event framework (reactor.c, event.c, app.c,
 * app_args.c, scheduler.c) and the hooks its tests use.
 */

#ifndef PW_EVENT_INTERNAL_H
#define PW_EVENT_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk_internal/event.h"
#include "pinwheel/event.h"
#include "pinwheel/thread.h"
#include "spdk/fd_group.h"
#include "common/pw_common.h"

#include <stdatomic.h>

#define PW_EVENT_BATCH_SIZE	8		/* events run per reactor iteration */
#define PW_EVENT_POOL_SIZE	(262144 - 1)	/* events allocated at once, process-wide */

/* An event doubles as the node of its core's queue (an intrusive
 * multi-producer single-consumer list), so enqueueing can never fail. */
struct spdk_event {
	_Atomic(struct spdk_event *)	next;
	spdk_event_fn			fn;
	void				*arg1;
	void				*arg2;
	uint32_t			lcore;
	struct spdk_event		*free_next;	/* per-pthread free list */
};

struct pw_event_queue {
	_Atomic(struct spdk_event *)	tail PW_CACHE_ALIGNED;	/* producers */
	struct spdk_event		*head PW_CACHE_ALIGNED;	/* consumer */
	struct spdk_event		stub;
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
};

struct spdk_reactor {
	struct pw_event_queue		events;

	TAILQ_HEAD(, spdk_lw_thread)	threads PW_CACHE_ALIGNED;
	uint32_t			thread_count;
	uint32_t			lcore;
	uint64_t			tsc_last;
	uint64_t			busy_tsc;
	uint64_t			idle_tsc;
	struct spdk_cpuset		notify_cpuset;

	/* Sleeping (see reactor.c) */
	struct pw_waker			*waker;
	struct spdk_fd_group		*fgrp;		/* waker + nested thread fd groups */
	uint32_t			nested_fgrps;
	uint64_t			last_work_tsc;
	uint64_t			last_fd_check_tsc;
	uint64_t			sleeps;		/* times it slept (tests, benches) */
} __attribute__((aligned(SPDK_CACHE_LINE_SIZE)));

/* ---- event.c ---- */
int pw__events_init(void);
void pw__events_fini(void);
void pw__event_queue_init(struct pw_event_queue *q);
/* Run up to PW_EVENT_BATCH_SIZE events of the reactor; returns how many ran. */
uint32_t pw__event_queue_run_batch(struct spdk_reactor *reactor);
/* Whether events are queued for the reactor. */
bool pw__event_queue_pending(struct spdk_reactor *reactor);
/* Events allocated and not yet run, process-wide (tests, leak checks). */
uint64_t pw__events_outstanding(void);

/* ---- reactor.c ---- */
/* One iteration of a reactor: a batch of events, then a slice per thread.
 * Returns whether any work was done. */
bool pw__reactor_run_once(struct spdk_reactor *reactor);
/* Sleep if nothing is due (the reactor loop calls it when idle long enough);
 * returns whether it slept. */
bool pw__reactor_try_sleep(struct spdk_reactor *reactor);
enum spdk_reactor_state pw__reactors_state(void);
/* Ask the NEW/RESCHED placement to start its round-robin at this core (tests). */
void pw__reactors_set_next_core(uint32_t core);
/* Names of the threads still alive, for the second-signal message (app.c). */
size_t pw__reactors_alive_summary(char *buf, size_t len);

/* ---- app.c ---- */
/* The core mask the app runs on (spdk_app_parse_core_mask checks against it). */
const struct spdk_cpuset *pw__app_core_mask(void);

#endif /* PW_EVENT_INTERNAL_H */

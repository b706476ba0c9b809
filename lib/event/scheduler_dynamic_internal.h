/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private interface of the dynamic scheduler (scheduler_dynamic.c) and of the
 * round history that explains its moves (scheduler_history.c). Tests and
 * benchmarks link the static archive and use it to drive balance() on
 * core_info arrays of their own, without reactors.
 */

#ifndef PW_SCHEDULER_DYNAMIC_INTERNAL_H
#define PW_SCHEDULER_DYNAMIC_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/scheduler.h"
#include "spdk/json.h"

/* ---- scheduler_dynamic.c ---- */

/* The "dynamic" scheduler's descriptor (also registered by name). Calling it
 * keeps scheduler_dynamic.c in a static link. */
struct spdk_scheduler *pw__scheduler_dynamic(void);

/* ---- scheduler_history.c ---- */

/* Why a thread moved (the dynamic scheduler's passes). */
enum pw_sched_reason {
	PW_SCHED_REASON_OTHER = 0,	/* a scheduler that does not say */
	PW_SCHED_REASON_IDLE,		/* below load_limit: to the main core */
	PW_SCHED_REASON_CONSOLIDATE,	/* fits on the main or a lower core */
	PW_SCHED_REASON_FIT,		/* its core was over core_limit; fits elsewhere */
	PW_SCHED_REASON_SPREAD,		/* its core was over core_limit; nothing fits, a
					 * less loaded core takes it */
};

/* The name of a reason as the log and the RPC show it. */
const char *pw__sched_reason_name(enum pw_sched_reason reason);

/* A scheduler starts deciding a round: forget the notes of a round that was
 * never recorded. Scheduling reactor. */
void pw__scheduler_history_begin(void);

/* Note why thread \p thread_id goes from core \p from to core \p to in the
 * round being decided, with the loads (per mille of a core's period) that
 * decided it: the thread's, and the source's and destination's demand before
 * the move. Scheduling reactor, inside balance(). */
void pw__scheduler_history_note(uint64_t thread_id, uint32_t from, uint32_t to,
				enum pw_sched_reason reason, uint32_t thread_pm,
				uint32_t src_pm, uint32_t dst_pm);

/* The round's decisions are final (after balance(), before the moves): keep
 * the round in the history, each move with its note (or the loads from
 * \p cores when the scheduler left none). \p cores[i] describes core i; a
 * thread in it whose lcore differs from i moves. Scheduling reactor. */
void pw__scheduler_history_record(const struct spdk_scheduler_core_info *cores, uint32_t count,
				  uint64_t period_tsc);

/* The name of a thread the last recorded round moves, given by the thread's
 * own reactor (during the round's apply walk), which alone may read it. */
void pw__scheduler_history_name(uint64_t thread_id, const char *name);

/* Write the last \p max_rounds rounds (0: all kept) as a JSON array, oldest
 * first. Any thread. */
void pw__scheduler_history_write(struct spdk_json_write_ctx *w, uint32_t max_rounds);

/* Rounds kept, moves recorded since the start (tests). */
uint32_t pw__scheduler_history_rounds(void);
uint64_t pw__scheduler_history_total_moves(void);

/* Forget every round (tests, restart). */
void pw__scheduler_history_clear(void);

/* Keep the RPC method's file in a static link. */
void pw__scheduler_history_rpc_link(void);

#endif /* PW_SCHEDULER_DYNAMIC_INTERNAL_H */

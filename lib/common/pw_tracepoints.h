/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Pinwheel's own tracepoints (group "pinwheel", PW_TRACE_GROUP_PINWHEEL of
 * pinwheel/trace.h): their ids and argument layout, shared by the layers that
 * record them (thread, event) and by the trace layer, which registers their
 * descriptions (lib/trace/trace_pinwheel.c) and exports them
 * (lib/trace/trace_chrome.c). Never installed.
 *
 * Every record is spdk_trace_record(id, 0, 0, object_id, args...): the object
 * id and the arguments of each tracepoint are listed next to it. Thread ids are
 * spdk_thread_get_id() (never 0); names travel through pw_trace_name(), never
 * in records.
 */

#ifndef PW_TRACEPOINTS_H
#define PW_TRACEPOINTS_H

#include "spdk/stdinc.h"

/* The group number (the same value as PW_TRACE_GROUP_PINWHEEL). */
#define PW_TP_GROUP			0x13u
#define PW_TP(n)			((uint16_t)(PW_TP_GROUP * 64u + (n)))

/* object: thread id; no argument. */
#define PW_TP_THREAD_CREATE		PW_TP(0)
#define PW_TP_THREAD_EXIT		PW_TP(1)
#define PW_TP_THREAD_DESTROY		PW_TP(2)
/* One slice (spdk_thread_poll). object: thread id; end: busy (1) or idle (0). */
#define PW_TP_SLICE_BEGIN		PW_TP(3)
#define PW_TP_SLICE_END			PW_TP(4)
/* A message queued. object: destination thread id; fn, ctx, sender thread id
 * (0: sent from a pthread with no current spdk_thread). */
#define PW_TP_MSG_SEND			PW_TP(5)
/* A message run. object: thread id; fn, ctx (the end repeats fn). */
#define PW_TP_MSG_RUN_BEGIN		PW_TP(6)
#define PW_TP_MSG_RUN_END		PW_TP(7)
/* A poller run. object: poller key (PW_TP_POLLER_KEY); begin: fn; end: rc. */
#define PW_TP_POLLER_RUN_BEGIN		PW_TP(8)
#define PW_TP_POLLER_RUN_END		PW_TP(9)
/* An event. call: object dest lcore; fn, arg1. run: object fn; arg1. */
#define PW_TP_EVENT_CALL		PW_TP(10)
#define PW_TP_EVENT_RUN_BEGIN		PW_TP(11)
#define PW_TP_EVENT_RUN_END		PW_TP(12)
/* Placement of a new thread / a move. object: thread id; from lcore
 * (UINT32_MAX: none), to lcore, reason (enum pw_tp_reason). */
#define PW_TP_THREAD_PLACE		PW_TP(13)
#define PW_TP_THREAD_MOVE		PW_TP(14)
/* A reactor goes to sleep / wakes up. object: lcore; wake: 1 if something
 * (a message, an event, an fd) woke it, 0 on timeout. */
#define PW_TP_REACTOR_SLEEP		PW_TP(15)
#define PW_TP_REACTOR_WAKE		PW_TP(16)
/* The app framework started / is stopping. object: 0; rc for the stop. */
#define PW_TP_APP_START			PW_TP(17)
#define PW_TP_APP_STOP			PW_TP(18)
#define PW_TP_COUNT			19u

/* Why a thread went where it went (THREAD_PLACE / THREAD_MOVE). */
enum pw_tp_reason {
	PW_TP_REASON_ROUND_ROBIN = 0,	/* new, any reactor allowed: the next one in turn */
	PW_TP_REASON_CPUMASK = 1,	/* its cpumask chose among the reactors */
	PW_TP_REASON_SCHEDULER = 2,	/* a scheduling round moved it */
	PW_TP_REASON_REQUEST = 3,	/* it asked (SPDK_THREAD_OP_RESCHED, set_cpumask) */
};

/* Kinds of names given to pw_trace_name(). */
enum pw_tp_name_kind {
	PW_TP_NAME_THREAD = 1,		/* id: thread id */
	PW_TP_NAME_POLLER = 2,		/* id: poller key */
};

/* Poller ids are per thread: the key names one poller in the process. */
#define PW_TP_POLLER_KEY(thread_id, poller_id) (((uint64_t)(thread_id) << 32) | \
						 ((uint64_t)(poller_id) & 0xffffffffu))

#endif /* PW_TRACEPOINTS_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The thread library's own tracepoints (common/pw_tracepoints.h): each call
 * site is one line,
 *
 *	if (PW_TP_ON()) pw__tp_xxx(...);
 *
 * so that with the group off a hot path pays one relaxed load and a branch
 * predicted not taken; the record itself is out of line and cold
 * (thread_trace.c), keeping the hot path's registers and code layout as they
 * were.
 */

#ifndef PW_THREAD_TRACE_H
#define PW_THREAD_TRACE_H

#include "spdk/stdinc.h"
#include "spdk/likely.h"
#include "spdk/thread.h"
#include "pinwheel/trace.h"
#include "common/pw_tracepoints.h"

#define PW_TP_ON()	spdk_unlikely(pw_trace_group_on(PW_TRACE_GROUP_PINWHEEL))

#define PW_TP_COLD	__attribute__((noinline, cold))

struct spdk_poller;

PW_TP_COLD void pw__tp_thread(uint16_t tpoint, struct spdk_thread *thread);
PW_TP_COLD void pw__tp_slice_begin(struct spdk_thread *thread);
PW_TP_COLD void pw__tp_slice_end(struct spdk_thread *thread, int rc);
PW_TP_COLD void pw__tp_msg_send(const struct spdk_thread *dest, spdk_msg_fn fn, void *ctx);
/* Run a batch of n messages popped by pw__msgq_run_batch() (PW_MSG_WORDS words
 * each), recording each run: the traced copy of its loop (keep the two alike),
 * so that with tracing off the loop pays one test per batch, not two per
 * message. Returns n. */
PW_TP_COLD uint32_t pw__tp_msgq_run_batch(struct spdk_thread *thread, void **batch, uint32_t n);
PW_TP_COLD void pw__tp_poller_begin(struct spdk_thread *thread, struct spdk_poller *poller);
PW_TP_COLD void pw__tp_poller_end(struct spdk_thread *thread, struct spdk_poller *poller, int rc);

#endif /* PW_THREAD_TRACE_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The event framework's own tracepoints (common/pw_tracepoints.h): one-line
 * call sites `if (PW_TP_ON()) pw__tp_xxx(...);`, the records out of line and
 * cold (reactor_trace.c), as in lib/thread/thread_trace.h.
 */

#ifndef PW_REACTOR_TRACE_H
#define PW_REACTOR_TRACE_H

#include "spdk/stdinc.h"
#include "spdk/likely.h"
#include "spdk/event.h"
#include "pinwheel/trace.h"
#include "common/pw_tracepoints.h"

#ifndef PW_TP_ON
#define PW_TP_ON()	spdk_unlikely(pw_trace_group_on(PW_TRACE_GROUP_PINWHEEL))
#endif

struct spdk_reactor;
struct spdk_lw_thread;

__attribute__((noinline, cold)) void pw__tp_event_call(const struct spdk_event *event);
/* Run a batch of n events taken by pw__event_queue_run_batch() (PW_EVENT_WORDS
 * words each), recording each run: the traced copy of its loop, so that with
 * tracing off the loop pays one test per batch, not two per event. Returns n. */
__attribute__((noinline, cold)) uint32_t pw__tp_event_run_batch(void **batch, uint32_t n);
/* A thread is sent to core `to` (reactor.c schedule_thread()): a placement
 * if it was never placed, else a move, with its reason. */
__attribute__((noinline, cold)) void pw__tp_thread_place(const struct spdk_lw_thread *lw_thread,
		uint32_t to);
__attribute__((noinline, cold)) void pw__tp_reactor_sleep(const struct spdk_reactor *reactor);
__attribute__((noinline, cold)) void pw__tp_reactor_wake(const struct spdk_reactor *reactor,
		bool woken);
__attribute__((noinline, cold)) void pw__tp_app(uint16_t tpoint, int rc);

/* ---- app_trace_file.c: --pw-trace-file and the RPC method pw_trace_write ---- */
struct spdk_app_opts;
/* --pw-trace-file PATH (copied): 0, -EINVAL (empty), -ENOMEM; logged. */
int pw__app_set_trace_file(const char *path);
/* In spdk_app_start(), before the reactors start: with a trace file, make sure
 * tracing is on (-e pinwheel when no group is). */
void pw__app_trace_file_start(const struct spdk_app_opts *opts);
/* In spdk_app_start(), once the reactors have stopped: write the file. */
void pw__app_trace_file_write(void);
/* Keeps the RPC method in a static link. */
void pw__app_trace_rpc_link(void);

#endif /* PW_REACTOR_TRACE_H */

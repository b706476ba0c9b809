/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Records of the event framework's tracepoints (see reactor_trace.h): called
 * only while the group "pinwheel" is on.
 */

#include "event/event_internal.h"
#include "event/reactor_trace.h"

#include "spdk/env.h"
#include "spdk/thread.h"
#include "spdk/trace.h"

void
pw__tp_event_call(const struct spdk_event *event)
{
	spdk_trace_record(PW_TP_EVENT_CALL, 0, 0, event->lcore, (uint64_t)(uintptr_t)event->fn,
			  (uint64_t)(uintptr_t)event->arg1);
}

uint32_t
pw__tp_event_run_batch(void **batch, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		spdk_event_fn fn = (spdk_event_fn)batch[i * PW_EVENT_WORDS];
		uint64_t arg1 = (uint64_t)(uintptr_t)batch[i * PW_EVENT_WORDS + 1];

		spdk_trace_record(PW_TP_EVENT_RUN_BEGIN, 0, 0, (uint64_t)(uintptr_t)fn, arg1);
		fn(batch[i * PW_EVENT_WORDS + 1], batch[i * PW_EVENT_WORDS + 2]);
		spdk_trace_record(PW_TP_EVENT_RUN_END, 0, 0, (uint64_t)(uintptr_t)fn, arg1);
	}
	return n;
}

void
pw__tp_thread_place(const struct spdk_lw_thread *lw_thread, uint32_t to)
{
	struct spdk_thread *thread = spdk_thread_get_from_ctx((struct spdk_lw_thread *)lw_thread);
	const struct spdk_cpuset *mask = pw_thread_get_cpumask(thread);
	uint64_t id = spdk_thread_get_id(thread);
	uint32_t from, reason;

	pw_trace_name(PW_TP_NAME_THREAD, id, spdk_thread_get_name(thread));
	if (lw_thread->initial_lcore == SPDK_ENV_LCORE_ID_ANY) {
		/* New: placed by the round-robin cursor, within its cpumask. */
		reason = spdk_cpuset_count(mask) >= spdk_env_get_core_count() ?
			 PW_TP_REASON_ROUND_ROBIN : PW_TP_REASON_CPUMASK;
		spdk_trace_record(PW_TP_THREAD_PLACE, 0, 0, id, (uint64_t)UINT32_MAX, (uint64_t)to,
				  (uint64_t)reason);
		return;
	}
	/* A move, decided after a slice on its reactor (this pthread): a
	 * scheduling round set its target core, a request left it to the cursor. */
	from = pw__tls_reactor != NULL ? pw__tls_reactor->lcore : UINT32_MAX;
	reason = lw_thread->lcore == to ? PW_TP_REASON_SCHEDULER : PW_TP_REASON_REQUEST;
	spdk_trace_record(PW_TP_THREAD_MOVE, 0, 0, id, (uint64_t)from, (uint64_t)to,
			  (uint64_t)reason);
}

void
pw__tp_reactor_sleep(const struct spdk_reactor *reactor)
{
	spdk_trace_record(PW_TP_REACTOR_SLEEP, 0, 0, reactor->lcore);
}

void
pw__tp_reactor_wake(const struct spdk_reactor *reactor, bool woken)
{
	spdk_trace_record(PW_TP_REACTOR_WAKE, 0, 0, reactor->lcore, (uint64_t)woken);
}

void
pw__tp_app(uint16_t tpoint, int rc)
{
	if (tpoint == PW_TP_APP_STOP) {
		spdk_trace_record(tpoint, 0, 0, 0, (uint64_t)(int64_t)rc);
	} else {
		spdk_trace_record(tpoint, 0, 0, 0);
	}
}

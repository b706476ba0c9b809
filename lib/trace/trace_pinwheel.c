/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The descriptions of Pinwheel's own tracepoints (common/pw_tracepoints.h),
 * group "pinwheel": registered as SPDK's libraries register theirs, so that
 * spdk_trace_init() knows their arguments and trace_get_info lists them.
 */

#include "spdk/stdinc.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"
#include "common/pw_tracepoints.h"

#define INT8(n)	{ (n), SPDK_TRACE_ARG_TYPE_INT, 8 }
#define PTR8(n)	{ (n), SPDK_TRACE_ARG_TYPE_PTR, 8 }

static void
register_pinwheel_tpoints(void)
{
	static const struct spdk_trace_tpoint_opts opts[] = {
		{ "PW_THREAD_CREATE", PW_TP_THREAD_CREATE, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_THREAD_EXIT", PW_TP_THREAD_EXIT, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_THREAD_DESTROY", PW_TP_THREAD_DESTROY, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_SLICE_BEGIN", PW_TP_SLICE_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_SLICE_END", PW_TP_SLICE_END, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("busy") } },
		{
			"PW_MSG_SEND", PW_TP_MSG_SEND, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn"), PTR8("ctx"), INT8("sender") }
		},
		{
			"PW_MSG_RUN_BEGIN", PW_TP_MSG_RUN_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn"), PTR8("ctx") }
		},
		{ "PW_MSG_RUN_END", PW_TP_MSG_RUN_END, OWNER_TYPE_NONE, OBJECT_NONE, 0, { PTR8("fn") } },
		{
			"PW_POLLER_RUN_BEGIN", PW_TP_POLLER_RUN_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn") }
		},
		{ "PW_POLLER_RUN_END", PW_TP_POLLER_RUN_END, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("rc") } },
		{
			"PW_EVENT_CALL", PW_TP_EVENT_CALL, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn"), PTR8("arg1") }
		},
		{
			"PW_EVENT_RUN_BEGIN", PW_TP_EVENT_RUN_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("arg1") }
		},
		{
			"PW_EVENT_RUN_END", PW_TP_EVENT_RUN_END, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("arg1") }
		},
		{
			"PW_THREAD_PLACE", PW_TP_THREAD_PLACE, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ INT8("from"), INT8("to"), INT8("reason") }
		},
		{
			"PW_THREAD_MOVE", PW_TP_THREAD_MOVE, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ INT8("from"), INT8("to"), INT8("reason") }
		},
		{ "PW_REACTOR_SLEEP", PW_TP_REACTOR_SLEEP, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_REACTOR_WAKE", PW_TP_REACTOR_WAKE, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("woken") } },
		{ "PW_APP_START", PW_TP_APP_START, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_APP_STOP", PW_TP_APP_STOP, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("rc") } },
	};

	_Static_assert(SPDK_COUNTOF(opts) == PW_TP_COUNT, "one description per tracepoint");
	_Static_assert(PW_TP_GROUP == PW_TRACE_GROUP_PINWHEEL, "the group of pinwheel/trace.h");
	spdk_trace_register_description_ext(opts, SPDK_COUNTOF(opts));
}

SPDK_TRACE_REGISTER_FN(register_pinwheel_tpoints, "pinwheel", PW_TRACE_GROUP_PINWHEEL)

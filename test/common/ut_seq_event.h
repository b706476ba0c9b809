/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Numbered events for the event-staging tests: call_seq(core, n) sends core
 * an event that checks it runs on that core and is the next one expected
 * there (per-core FIFO, exactly once). Up to UT_SEQ_CORES cores.
 */

#ifndef PW_UT_SEQ_EVENT_H
#define PW_UT_SEQ_EVENT_H

#include "harness.h"

#include "spdk/env.h"
#include "spdk/event.h"

#define UT_SEQ_CORES	6

static uint64_t g_next[UT_SEQ_CORES];	/* the next number each core expects */
static uint64_t g_ran;			/* numbered events run, all cores */
/* What a test's handler saw inside its callback (-1: not set). */
static int g_visible_inside = -1;
static int g_pending_inside = -1;

static inline void
reset(void)
{
	memset(g_next, 0, sizeof(g_next));
	g_ran = 0;
	g_visible_inside = -1;
	g_pending_inside = -1;
}

/* arg1: sequence number for its core; arg2: the core. */
static inline void
seq_event(void *arg1, void *arg2)
{
	uint32_t core = (uint32_t)(uintptr_t)arg2;

	ASSERT_EQ(spdk_env_get_current_core(), core);
	ASSERT_EQ((uint64_t)(uintptr_t)arg1, g_next[core]);
	g_next[core]++;
	g_ran++;
}

static inline void
call_seq(uint32_t core, uint64_t seq)
{
	struct spdk_event *ev = spdk_event_allocate(core, seq_event, (void *)(uintptr_t)seq,
				(void *)(uintptr_t)core);

	ASSERT_NOT_NULL(ev);
	spdk_event_call(ev);
}

#endif /* PW_UT_SEQ_EVENT_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The record of the scheduling rounds (pw_scheduler_get_history). A no-op
 * stub until the history lands: the round calls it after balance().
 */

#include "event_internal.h"

void
pw__scheduler_history_record(const struct spdk_scheduler_core_info *cores, uint32_t count,
			     uint64_t period_tsc)
{
	(void)cores;
	(void)count;
	(void)period_tsc;
}

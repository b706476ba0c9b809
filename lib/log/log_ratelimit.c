/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Rate limiting for SPDK_ERRLOG_RATELIMIT() and deprecation notices.
 *
 * SPDK's macro keeps two plain statics per call site and reads the env
 * layer's tick counter; concurrent callers race on both. Here the state is
 * two 64-bit words updated with atomics, the clock is the kernel's coarse
 * monotonic clock (a vDSO read, no syscall), and the log layer needs
 * nothing from the layers above it.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include "common/pw_common.h"
#include "log/log_internal.h"

#define NSEC_PER_SEC	1000000000ULL

static uint64_t
default_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Swapped only by tests, before the pthreads they start. */
static pw__log_clock_fn *g_clock = default_clock;

void
pw__log_set_clock(pw__log_clock_fn *fn)
{
	__atomic_store_n(&g_clock, fn != NULL ? fn : default_clock, __ATOMIC_RELAXED);
}

uint64_t
pw__log_now_ns(void)
{
	return __atomic_load_n(&g_clock, __ATOMIC_RELAXED)();
}

bool
pw__log_ratelimit_check_interval(struct pw_log_ratelimit *rl, uint64_t interval_ns,
				 uint64_t *squashed)
{
	/* 0 in last_ns means "never let through", so stamps are shifted by one. */
	uint64_t stamp = pw__log_now_ns() + 1;
	uint64_t last = __atomic_load_n(&rl->last_ns, __ATOMIC_RELAXED);

	if (interval_ns == 0) {
		*squashed = __atomic_exchange_n(&rl->squashed, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&rl->last_ns, stamp, __ATOMIC_RELAXED);
		return true;
	}
	*squashed = 0;
	/* Signed: a pthread that read the clock before another one won the
	 * window sees a stamp older than last_ns, which is inside the window
	 * too (unsigned, it would wrap and win a second time). */
	if (last != 0 && (int64_t)(stamp - last) < (int64_t)interval_ns) {
		/* Collected by the exchange below in the next winner. */
		__atomic_fetch_add(&rl->squashed, 1, __ATOMIC_RELAXED);
		return false;
	}
	/* Exactly one of the callers that saw the same expired stamp wins the
	 * window; the others count as squashed. */
	if (!__atomic_compare_exchange_n(&rl->last_ns, &last, stamp, false,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		__atomic_fetch_add(&rl->squashed, 1, __ATOMIC_RELAXED);
		return false;
	}
	/* Takes every increment made before it (the fetch_adds above); later
	 * ones are reported by the next winner, so no count is lost. */
	*squashed = __atomic_exchange_n(&rl->squashed, 0, __ATOMIC_RELAXED);
	return true;
}

PW_EXPORT bool
pw_log_ratelimit_check(struct pw_log_ratelimit *rl, uint64_t *squashed)
{
	uint64_t dummy;

	if (rl == NULL) {
		SPDK_ERRLOG("pw_log_ratelimit_check: rl is NULL\n");
		if (squashed != NULL) {
			*squashed = 0;
		}
		return true;
	}
	return pw__log_ratelimit_check_interval(rl, NSEC_PER_SEC,
						squashed != NULL ? squashed : &dummy);
}

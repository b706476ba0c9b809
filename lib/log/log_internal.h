/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private interface of the log layer (tests may include it).
 */

#ifndef PW_LOG_INTERNAL_H
#define PW_LOG_INTERNAL_H

#include "spdk/log.h"

/* Clock used by pw_log_ratelimit_check() and deprecation rate limits, in
 * nanoseconds. The default reads CLOCK_MONOTONIC_COARSE. */
typedef uint64_t pw__log_clock_fn(void);

/* Replace the clock (NULL restores the default). For tests: lets them drive
 * rate limits by advancing time instead of sleeping. Not thread-safe with
 * respect to concurrent rate-limited logging from other pthreads. */
void pw__log_set_clock(pw__log_clock_fn *fn);

/* Read the current log clock (nanoseconds). */
uint64_t pw__log_now_ns(void);

/* pw_log_ratelimit_check() with a chosen interval; 0 lets every call through
 * (still reporting the count held back before). */
bool pw__log_ratelimit_check_interval(struct pw_log_ratelimit *rl, uint64_t interval_ns,
				      uint64_t *squashed);

/* Allocator of the log layer's own buffers (long lines, large dumps); tests
 * replace it to walk the out-of-memory paths. NULL restores malloc. */
typedef void *pw__log_malloc_fn(size_t size);
void pw__log_set_malloc(pw__log_malloc_fn *fn);
void *pw__log_malloc(size_t size);

/* Printable name of a level ("ERROR", "WARNING", ...), "UNKNOWN" if out of range. */
const char *pw__log_level_name(int level);

#endif /* PW_LOG_INTERNAL_H */

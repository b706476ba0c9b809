/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Log capture for tests: check that a call logged a clear error.
 *
 *   log_capture_start();
 *   ASSERT_EQ(spdk_ring_create(99, 0, 0), NULL);
 *   ASSERT_TRUE(log_capture_contains("bad ring type"));
 *   ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 1);
 *   log_capture_stop();
 *
 * log_capture_start() installs a sink with spdk_log_open(): from then on
 * every message of the process, whatever its level and the print level, is
 * formatted and appended to a buffer instead of being written to stderr.
 * Each message is recorded as the stderr line would read without its
 * timestamp:
 *
 *   "<file>:<line>:<func>: *<LEVEL>*: <message>"   (SPDK_ERRLOG and friends)
 *   "<message>"                                    (SPDK_PRINTF, file NULL)
 *
 * The buffer and the per-level counters are guarded by a mutex, so messages
 * may come from any pthread. Stop the capture (or let the test process end)
 * when done: log_capture_stop() calls spdk_log_close(), which puts back the
 * default output (stderr, filtered by the print level).
 *
 * With PW_LOG_CAPTURE_ECHO=1 in the environment, captured messages are also
 * written to stderr, for debugging a failing test.
 *
 * These helpers are linked into every test executable (test/common/).
 */

#ifndef PW_TEST_LOG_CAPTURE_H
#define PW_TEST_LOG_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "spdk/log.h"

/* Empty the buffer and counters and install the capturing sink. Calling it
 * again while capturing just empties the buffer. */
void log_capture_start(void);

/* Remove the sink (spdk_log_close()); what was captured stays readable until
 * the next start or reset. */
void log_capture_stop(void);

/* Whether the capturing sink is installed. */
bool log_capture_active(void);

/* Forget everything captured so far (the capture keeps running). */
void log_capture_reset(void);

/* All captured messages, concatenated, as a NUL-terminated string (never
 * NULL). The pointer stays valid until the next log_capture_text(), reset,
 * start or stop; it is a snapshot, so logging from other pthreads after the
 * call does not change it. */
const char *log_capture_text(void);

/* Whether the captured text contains needle. */
bool log_capture_contains(const char *needle);

/* How many captured messages contain needle. */
size_t log_capture_count_matching(const char *needle);

/* Number of messages captured at exactly this level (SPDK_LOG_DISABLED ..
 * SPDK_LOG_DEBUG; any other value counts the messages with an out-of-range
 * level). */
size_t log_capture_count(enum spdk_log_level level);

/* Number of messages captured, all levels together. */
size_t log_capture_total(void);

#endif /* PW_TEST_LOG_CAPTURE_H */

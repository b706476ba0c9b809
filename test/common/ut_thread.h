/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The deterministic simulator for thread-library tests: N spdk_threads driven
 * by hand from the test's single pthread, and a settable clock at 1 MHz (one
 * tick per microsecond) so timed behaviour is checked by advancing time,
 * never by sleeping.
 *
 *   ut_threads_init(3);           lib init (no new-thread hook), clock at 0, threads 0..2
 *   ut_set_thread(1);             make thread 1 current (UT_NONE: no thread)
 *   ut_poll_thread(1);            poll thread 1 until it reports no work
 *   ut_poll_thread_times(1, 2);   poll it exactly twice, one message at most each
 *   ut_poll_threads();            poll every thread until the whole system is quiet
 *   ut_delay_us(1000);            advance the clock
 *   ut_threads_fini();            exit, poll and destroy every thread; lib fini
 */

#ifndef PW_UT_THREAD_H
#define PW_UT_THREAD_H

#include "spdk/stdinc.h"
#include "spdk/thread.h"

#define UT_NONE UINT32_MAX

/* Initialise the library with no hook and create n threads ("ut_thread<i>"). */
void ut_threads_init(uint32_t n);
/* Same with spdk_thread_lib_init_ext() and a message bound. */
void ut_threads_init_ext(uint32_t n, size_t msg_mempool_size);
/* Exit every remaining thread, poll until all exited, destroy them, lib fini,
 * back to the real clock. */
void ut_threads_fini(void);

uint32_t ut_thread_count(void);
struct spdk_thread *ut_thread(uint32_t i);
/* Forget thread i (the test destroyed it itself). */
void ut_thread_forget(uint32_t i);

void ut_set_thread(uint32_t i);
/* Poll thread i until a poll reports no work; returns whether any did.
 * The caller's current thread is restored afterwards. */
bool ut_poll_thread(uint32_t i);
/* Poll thread i exactly n times with max_msgs 1; returns whether any poll did work. */
bool ut_poll_thread_times(uint32_t i, uint32_t n);
/* Poll all threads round-robin until none has work. */
void ut_poll_threads(void);

/* The clock (ticks == microseconds). */
void ut_clock_set(uint64_t ticks);
void ut_delay_us(uint64_t us);
uint64_t ut_now(void);

#endif /* PW_UT_THREAD_H */

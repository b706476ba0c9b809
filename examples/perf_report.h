/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Extra figures for the perf tools (event_perf, reactor, reactor_perf,
 * poller_perf), printed on stderr only when the environment variable
 * PW_PERF_REPORT is set to something other than "" or "0", so that stdout
 * stays line for line what SPDK's tools print.
 *
 * Each tool marks: main() entered, spdk_app_start() called, its start
 * callback entered, spdk_app_stop() called (first time), spdk_app_start()
 * returned, spdk_app_fini() returned; and reads VmRSS/VmHWM from
 * /proc/self/status right after spdk_app_start() returned. perf_report()
 * prints "name value unit" lines, like the benchmarks in bench/:
 *
 *   startup_main_to_first_cb       main() to the first line of the start callback
 *   startup_app_start_to_first_cb  spdk_app_start() call to the same point
 *   shutdown_stop_to_return        spdk_app_stop() call to spdk_app_start()'s return
 *   shutdown_fini                  time spent in spdk_app_fini()
 *   vm_rss, vm_hwm                 resident memory now / at its peak
 *
 * Only the stop mark may be taken on any pthread (event_perf stops from a
 * reactor's event); the other marks are taken on the main pthread.
 */

#ifndef PW_EXAMPLES_PERF_REPORT_H
#define PW_EXAMPLES_PERF_REPORT_H

#include "spdk/stdinc.h"
#include "spdk/event.h"

#include <stdatomic.h>

enum perf_mark {
	PERF_MAIN,
	PERF_APP_START,
	PERF_FIRST_CB,
	PERF_STOP,
	PERF_RETURNED,
	PERF_FINI_DONE,
	PERF_MARK_COUNT
};

struct perf_marks {
	_Atomic uint64_t	ns[PERF_MARK_COUNT];	/* 0: not taken yet */
	long			rss_kb;			/* -1: unknown */
	long			hwm_kb;
};

static struct perf_marks g_perf_marks;

static inline uint64_t
perf_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Take a mark; only the first one of each kind counts. */
static inline void
perf_mark(enum perf_mark which)
{
	uint64_t unset = 0;

	/* Relaxed: the reader (perf_report) runs after the reactors were joined,
	 * which orders every mark before it. */
	atomic_compare_exchange_strong_explicit(&g_perf_marks.ns[which], &unset, perf_now_ns(),
						memory_order_relaxed, memory_order_relaxed);
}

/* spdk_app_stop() with the stop mark taken first. */
static inline void
perf_app_stop(int rc)
{
	perf_mark(PERF_STOP);
	spdk_app_stop(rc);
}

/* The "Name:   1234 kB" value of /proc/self/status, or -1. */
static inline long
perf_status_kb(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	if (p == NULL) {
		return -1;
	}
	return strtol(p + strlen(name), NULL, 10);
}

/* Call right after spdk_app_start() returned: takes that mark and reads memory. */
static inline void
perf_app_returned(void)
{
	char buf[4096];
	size_t n = 0;
	FILE *f;

	perf_mark(PERF_RETURNED);
	g_perf_marks.rss_kb = -1;
	g_perf_marks.hwm_kb = -1;
	f = fopen("/proc/self/status", "r");
	if (f == NULL) {
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	g_perf_marks.rss_kb = perf_status_kb(buf, "\nVmRSS:");
	g_perf_marks.hwm_kb = perf_status_kb(buf, "\nVmHWM:");
}

static inline double
perf_span_us(enum perf_mark from, enum perf_mark to)
{
	uint64_t a = atomic_load_explicit(&g_perf_marks.ns[from], memory_order_relaxed);
	uint64_t b = atomic_load_explicit(&g_perf_marks.ns[to], memory_order_relaxed);

	if (a == 0 || b == 0 || b < a) {
		return -1.0;
	}
	return (double)(b - a) / 1000.0;
}

static inline bool
perf_report_wanted(void)
{
	const char *v = getenv("PW_PERF_REPORT");

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* PW_PERF_TRACE=GROUPS (e.g. "pinwheel"): trace these tracepoint groups, as
 * -e GROUPS does for apps that parse SPDK's options (these tools keep SPDK's
 * own command line); bench/report.py's traced variants use it. */
static inline void
perf_trace_opts(struct spdk_app_opts *opts)
{
	const char *groups = getenv("PW_PERF_TRACE");

	if (groups != NULL && groups[0] != '\0') {
		opts->tpoint_group_mask = groups;
	}
}

/* Print the figures on stderr if PW_PERF_REPORT asks for them (-1: not measured). */
static inline void
perf_report(void)
{
	if (!perf_report_wanted()) {
		return;
	}
	fprintf(stderr, "startup_main_to_first_cb %.1f us\n", perf_span_us(PERF_MAIN, PERF_FIRST_CB));
	fprintf(stderr, "startup_app_start_to_first_cb %.1f us\n",
		perf_span_us(PERF_APP_START, PERF_FIRST_CB));
	fprintf(stderr, "shutdown_stop_to_return %.1f us\n", perf_span_us(PERF_STOP, PERF_RETURNED));
	fprintf(stderr, "shutdown_fini %.1f us\n", perf_span_us(PERF_RETURNED, PERF_FINI_DONE));
	fprintf(stderr, "vm_rss %ld kB\n", g_perf_marks.rss_kb);
	fprintf(stderr, "vm_hwm %ld kB\n", g_perf_marks.hwm_kb);
}

#endif /* PW_EXAMPLES_PERF_REPORT_H */

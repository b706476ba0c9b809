/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Helpers shared by the benchmark programs of bench/: clocks, medians, the
 * "name value unit" output line that bench/report.py parses, pinning,
 * calibrated timing loops, and what /proc says about memory and cpu time.
 *
 * Header only: every helper is static inline, so a program pays only for what
 * it calls. Nothing here prints except bench_report() (and bench_median() on
 * a caller's bug).
 */

#ifndef PW_BENCH_UTIL_H
#define PW_BENCH_UTIL_H

#include "spdk/stdinc.h"
#include "spdk/env.h"

/* The most samples bench_median() takes (it copies them). */
#define BENCH_MAX_SAMPLES	128

/* ---- clocks --------------------------------------------------------------- */

/* Wall-clock time (CLOCK_MONOTONIC), in seconds. */
static inline double
bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Wall-clock time (CLOCK_MONOTONIC), in nanoseconds. */
static inline uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling pthread, in seconds. */
static inline double
bench_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- medians -------------------------------------------------------------- */

/* qsort() comparison of two doubles, ascending. */
static inline int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of v[0..n), n >= 1, sorting v in place (any n). */
static inline double
bench_median_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of v[0..n), 1 <= n <= BENCH_MAX_SAMPLES, leaving v as it is. */
static inline double
bench_median(const double *v, size_t n)
{
	double s[BENCH_MAX_SAMPLES];

	if (n == 0 || n > BENCH_MAX_SAMPLES) {
		fprintf(stderr, "bench_median: %zu samples (1..%d)\n", n, BENCH_MAX_SAMPLES);
		abort();
	}
	memcpy(s, v, n * sizeof(*v));
	return bench_median_sort(s, n);
}

/* ---- output --------------------------------------------------------------- */

/* One "name value unit" line (value with two decimals), flushed at once so that
 * a run killed later still leaves it. */
static inline void
bench_report(const char *name, double value, const char *unit)
{
	printf("%s %.2f %s\n", name, value, unit);
	fflush(stdout);
}

/* ---- cpus ----------------------------------------------------------------- */

/* Bind the calling pthread to the cpu_index-th cpu (0 first) this process may
 * use. False if there is no such cpu or the binding failed. */
static inline bool
bench_pin(unsigned cpu_index)
{
	cpu_set_t allowed, one;
	unsigned seen = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		return false;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &allowed) && seen++ == cpu_index) {
			CPU_ZERO(&one);
			CPU_SET(cpu, &one);
			return pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0;
		}
	}
	return false;
}

/* One step of a wait for another pthread. The machine is shared: every 256th
 * step yields, so that a descheduled peer runs rather than this pthread
 * spinning out a whole time slice. */
static inline void
bench_spin_wait(void)
{
	static __thread unsigned spins;

	if (++spins % 256 == 0) {
		sched_yield();
	} else {
		spdk_pause();
	}
}

/* ---- timed loops ---------------------------------------------------------- */

/* Keep the compiler from dropping or merging pointer traffic. */
static inline void
bench_opaque(void *p)
{
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* The same for a value. */
static inline void
bench_opaque_u64(uint64_t v)
{
	__asm__ __volatile__("" : : "r"(v) : "memory");
}

/* A measured loop: iters iterations of what is timed. */
typedef void bench_loop_fn(void *ctx, uint64_t iters);

/* Iterations of fn for one run of about target_s seconds: from 1000, times 4
 * until a run lasts more than target_s / 4, then scaled. */
static inline uint64_t
bench_calibrate(bench_loop_fn *fn, void *ctx, double target_s)
{
	uint64_t iters = 1000;
	double t;

	for (;;) {
		t = bench_now_s();
		fn(ctx, iters);
		t = bench_now_s() - t;
		if (t > target_s / 4 || iters > (UINT64_C(1) << 34)) {
			break;
		}
		iters *= 4;
	}
	return (uint64_t)((double)iters * target_s / (t > 0 ? t : 1e-9)) + 1;
}

/* Median over runs (1..BENCH_MAX_SAMPLES) runs of the time per iteration of
 * fn, in ns; the iteration count is calibrated so that one run lasts about
 * target_s. */
static inline double
bench_measure_ns(bench_loop_fn *fn, void *ctx, double target_s, unsigned runs)
{
	double v[BENCH_MAX_SAMPLES], t;
	uint64_t iters = bench_calibrate(fn, ctx, target_s);

	for (unsigned r = 0; r < runs && r < BENCH_MAX_SAMPLES; r++) {
		t = bench_now_s();
		fn(ctx, iters);
		v[r] = (bench_now_s() - t) * 1e9 / (double)iters;
	}
	return bench_median(v, runs);
}

/* ---- options ------------------------------------------------------------- */

/* The options of a program timed with bench_measure_ns(): [--smoke] [--runs N].
 * --smoke (about one second in all) makes it 3 runs of 0.02 s; N must be
 * 1..64. Returns 0, or 2 (the exit status) after saying what was wrong on
 * stderr. */
static inline int
bench_parse_smoke_runs(int argc, char **argv, bool *smoke, unsigned *runs, double *target_s)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			*smoke = true;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			*runs = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--runs N]\n", argv[0]);
			return 2;
		}
	}
	if (*smoke) {
		*runs = 3;
		*target_s = 0.02;
	}
	if (*runs < 1 || *runs > 64) {
		fprintf(stderr, "--runs must be 1..64\n");
		return 2;
	}
	return 0;
}

/* ---- /proc ---------------------------------------------------------------- */

/* Size and resident set of this process (the first two fields of
 * /proc/self/statm), in bytes. False if it cannot be read. */
static inline bool
bench_statm(uint64_t *vm_bytes, uint64_t *rss_bytes)
{
	unsigned long v[2] = {0, 0};
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (f == NULL) {
		return false;
	}
	n = fscanf(f, "%lu %lu", &v[0], &v[1]);
	fclose(f);
	if (n != 2) {
		return false;
	}
	*vm_bytes = (uint64_t)v[0] * (uint64_t)sysconf(_SC_PAGESIZE);
	*rss_bytes = (uint64_t)v[1] * (uint64_t)sysconf(_SC_PAGESIZE);
	return true;
}

/* Time a task has run, in ns: the first field of <dir>/schedstat, where dir is
 * a /proc task folder ("/proc/self/task/<tid>", "/proc/<pid>/task/<tid>").
 * 0 if it cannot be read. */
static inline uint64_t
bench_task_run_ns(const char *dir)
{
	char path[PATH_MAX + 16];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/schedstat", dir);
	f = fopen(path, "r");
	if (f == NULL) {
		return 0;
	}
	if (fscanf(f, "%llu", &ns) != 1) {
		ns = 0;
	}
	fclose(f);
	return ns;
}

/* utime + stime in clock ticks (fields 14 and 15 of <dir>/stat), where dir is
 * a /proc process or task folder ("/proc/self", "/proc/<pid>/task/<tid>").
 * False if it cannot be read. */
static inline bool
bench_stat_ticks(const char *dir, uint64_t *ticks)
{
	char path[PATH_MAX + 16], buf[1024], *p;
	unsigned long long ut, st;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stat", dir);
	f = fopen(path, "r");
	if (f == NULL) {
		return false;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* Counted after the ")" that ends the command name (which may hold
	 * spaces): state (3), then fields 4..13, then utime (14) and stime (15). */
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu %llu",
				&ut, &st) != 2) {
		return false;
	}
	*ticks = ut + st;
	return true;
}

#endif /* PW_BENCH_UTIL_H */

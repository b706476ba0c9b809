/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The cost of a tracepoint, next to floors measured in the same run.
 *
 *   trace_bench [--smoke] [--runs N]
 *
 * Tracing initialised with rings of 4096 entries (128 KiB per pthread), so
 * every run wraps its ring many times. Prints
 * "name value unit" lines; times are the median of several runs:
 *
 *   floor_loop_ns          the empty measuring loop
 *   off_ns                 spdk_trace_record() of a disabled tracepoint (the
 *                          mask test: one load and a branch)
 *   group_off_ns           if (pw_trace_group_on(G)) {...} with the group off
 *   floor_ticks_ns         spdk_get_ticks() alone (what tsc 0 costs)
 *   floor_store_ns         32 bytes stored into a private ring slot and its
 *                          index advanced: the least a record can cost
 *   record_tsc_ns          spdk_trace_record_tsc() of an enabled tracepoint
 *                          with one 8-byte argument, tsc given (1 entry)
 *   record_ns              the same through spdk_trace_record() (tsc 0: the
 *                          clock is read)
 *   record_4args_ns        four 8-byte arguments, clock read (3 entries: the
 *                          shape of a message send)
 *   records_per_s          one pthread, 1e9 / record_ns
 *   par_pthreads           pthreads recording at once (one per usable cpu, at
 *                          most 4), each on its own cpu and ring
 *   par_record_ns          record_ns on each of them while all record
 *   par_records_per_s      their records per second together
 *
 * --smoke: about one second in all.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#define G		7
#define TP_ONE		SPDK_TPOINT_ID(G, 0)
#define TP_FOUR		SPDK_TPOINT_ID(G, 1)
#define TP_OFF		SPDK_TPOINT_ID(G, 2)
#define G_OFF		8
#define RING_ENTRIES	4096u
#define MAX_PAR		4

static bool g_smoke;
static unsigned g_runs = 7;
static double g_target_s = 0.15;	/* length of one run */

static void
bench_trace(void)
{
	struct spdk_trace_tpoint_opts opts[] = {
		{ "BENCH_ONE", TP_ONE, 0, 0, 0, {{ "v", SPDK_TRACE_ARG_TYPE_INT, 8 }} },
		{
			"BENCH_FOUR", TP_FOUR, 0, 0, 0, {
				{ "a", SPDK_TRACE_ARG_TYPE_INT, 8 }, { "b", SPDK_TRACE_ARG_TYPE_PTR, 8 },
				{ "c", SPDK_TRACE_ARG_TYPE_PTR, 8 }, { "d", SPDK_TRACE_ARG_TYPE_INT, 8 },
			}
		},
		{ "BENCH_OFF", TP_OFF, 0, 0, 0, {{ "v", SPDK_TRACE_ARG_TYPE_INT, 8 }} },
	};

	spdk_trace_register_description_ext(opts, SPDK_COUNTOF(opts));
}
SPDK_TRACE_REGISTER_FN(bench_trace, "bench", G)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void
opaque_u64(uint64_t v)
{
	__asm__ __volatile__("" : : "r"(v) : "memory");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

typedef void bench_loop_fn(uint64_t iters);

/* Iterations for one run of about g_target_s. */
static uint64_t
calibrate(bench_loop_fn *fn)
{
	uint64_t iters = 1000;
	double t;

	for (;;) {
		t = now_s();
		fn(iters);
		t = now_s() - t;
		if (t > g_target_s / 4 || iters > (UINT64_C(1) << 34)) {
			break;
		}
		iters *= 4;
	}
	return (uint64_t)((double)iters * g_target_s / (t > 0 ? t : 1e-9)) + 1;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median over the runs of the time per iteration, in ns. */
static double
measure(bench_loop_fn *fn)
{
	double v[64], t;
	uint64_t iters = calibrate(fn);

	for (unsigned r = 0; r < g_runs; r++) {
		t = now_s();
		fn(iters);
		v[r] = (now_s() - t) * 1e9 / (double)iters;
	}
	return median(v, g_runs);
}

static void
report(const char *name, double value, const char *unit)
{
	printf("%s %.2f %s\n", name, value, unit);
	fflush(stdout);
}

static bool
pin(unsigned cpu_index)
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

/* ---- the loops ----------------------------------------------------------- */

static void
loop_floor(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		opaque_u64(i);
	}
}

static void
loop_off(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		spdk_trace_record(TP_OFF, 0, 0, 0, i);
		opaque_u64(i);
	}
}

static void __attribute__((noinline))
cold_record(uint64_t i)
{
	spdk_trace_record_tsc(i, TP_OFF, 0, 0, 0, i);
}

static void
loop_group_off(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		if (spdk_unlikely(pw_trace_group_on(G_OFF))) {
			cold_record(i);
		}
		opaque_u64(i);
	}
}

static void
loop_ticks(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		opaque_u64(spdk_get_ticks());
	}
}

/* The floor: what a record must do at least (32 bytes into a private ring
 * slot, the index advanced). */
static uint64_t g_floor_ring[RING_ENTRIES * 4] __attribute__((aligned(64)));
static uint64_t g_floor_next;

static void
loop_store(uint64_t iters)
{
	uint64_t next = g_floor_next;

	for (uint64_t i = 0; i < iters; i++) {
		uint64_t *slot = &g_floor_ring[(next & (RING_ENTRIES - 1)) * 4];

		slot[0] = i;
		slot[1] = TP_ONE;
		slot[2] = 0;
		slot[3] = i;
		next++;
		opaque_u64((uint64_t)(uintptr_t)slot);
	}
	g_floor_next = next;
}

static void
loop_record_tsc(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		spdk_trace_record_tsc(i + 1, TP_ONE, 0, 0, 0, i);
	}
}

static void
loop_record(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		spdk_trace_record(TP_ONE, 0, 0, 0, i);
	}
}

static void
loop_record_four(uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		spdk_trace_record(TP_FOUR, 0, 0, 0, i, (uint64_t)0x1000, i * 2, (uint64_t)7);
	}
}

/* ---- several pthreads at once ---------------------------------------------- */

struct par {
	pthread_t	thread;
	unsigned	cpu;
	uint64_t	iters;
	double		start, end;	/* its own timing window */
};

static pthread_barrier_t g_barrier;

static void *
par_main(void *arg)
{
	struct par *p = arg;

	pin(p->cpu);
	loop_record(1000);	/* the ring is made here, not in the timing */
	pthread_barrier_wait(&g_barrier);
	p->start = now_s();
	loop_record(p->iters);
	p->end = now_s();
	return NULL;
}

static void
measure_parallel(unsigned n)
{
	struct par p[MAX_PAR];
	double per[64], total[64], first, last;
	uint64_t iters = calibrate(loop_record);

	for (unsigned r = 0; r < g_runs; r++) {
		/* The pthreads start together; the time is from the first start to
		 * the last end, taken by themselves (this pthread may not run then). */
		pthread_barrier_init(&g_barrier, NULL, n);
		for (unsigned i = 0; i < n; i++) {
			p[i].cpu = i;
			p[i].iters = iters;
			if (pthread_create(&p[i].thread, NULL, par_main, &p[i]) != 0) {
				fprintf(stderr, "pthread_create failed\n");
				exit(1);
			}
		}
		per[r] = 0;
		first = 1e300;
		last = 0;
		for (unsigned i = 0; i < n; i++) {
			pthread_join(p[i].thread, NULL);
			per[r] += (p[i].end - p[i].start) * 1e9 / (double)iters / n;
			first = spdk_min(first, p[i].start);
			last = spdk_max(last, p[i].end);
		}
		total[r] = (double)n * (double)iters / (last - first);
		pthread_barrier_destroy(&g_barrier);
	}
	report("par_pthreads", n, "pthreads");
	report("par_record_ns", median(per, g_runs), "ns");
	report("par_records_per_s", median(total, g_runs), "records/s");
}

int
main(int argc, char **argv)
{
	struct pw_trace_stats st;
	cpu_set_t allowed;
	unsigned ncpu;
	double rec;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_smoke = true;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			g_runs = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--runs N]\n", argv[0]);
			return 2;
		}
	}
	if (g_smoke) {
		g_runs = 3;
		g_target_s = 0.02;
	}
	if (g_runs < 1 || g_runs > 64) {
		fprintf(stderr, "--runs must be 1..64\n");
		return 2;
	}
	ncpu = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 ? (unsigned)CPU_COUNT(&allowed) : 1;
	pin(0);
	if (spdk_trace_init("/trace_bench", RING_ENTRIES, 0) != 0) {
		fprintf(stderr, "spdk_trace_init failed\n");
		return 1;
	}
	spdk_trace_set_tpoints(G, SPDK_BIT(0) | SPDK_BIT(1));
	spdk_get_ticks();	/* calibrate the clock outside the timings */
	loop_record(RING_ENTRIES);	/* this pthread's ring, made and wrapped once */

	report("floor_loop_ns", measure(loop_floor), "ns");
	report("off_ns", measure(loop_off), "ns");
	report("group_off_ns", measure(loop_group_off), "ns");
	report("floor_ticks_ns", measure(loop_ticks), "ns");
	report("floor_store_ns", measure(loop_store), "ns");
	report("record_tsc_ns", measure(loop_record_tsc), "ns");
	rec = measure(loop_record);
	report("record_ns", rec, "ns");
	report("record_4args_ns", measure(loop_record_four), "ns");
	report("records_per_s", 1e9 / rec, "records/s");
	measure_parallel(spdk_min(spdk_max(ncpu, 1u), (unsigned)MAX_PAR));

	if (pw_trace_get_stats(&st) != 0 || st.dropped != 0 || st.lost == 0) {
		fprintf(stderr, "unexpected trace stats: dropped %" PRIu64 ", lost %" PRIu64 "\n",
			st.dropped, st.lost);
		return 1;
	}
	spdk_trace_cleanup();
	return 0;
}

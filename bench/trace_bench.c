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

#include "bench_util.h"

#define G		7
#define TP_ONE		SPDK_TPOINT_ID(G, 0)
#define TP_FOUR		SPDK_TPOINT_ID(G, 1)
#define TP_OFF		SPDK_TPOINT_ID(G, 2)
#define G_OFF		8
#define RING_ENTRIES	4096u
#define MAX_PAR		4

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

/* Median over the runs of the time per iteration, in ns. */
static double
measure(bench_loop_fn *fn)
{
	return bench_measure_ns(fn, NULL, g_target_s, g_runs);
}

/* ---- the loops ----------------------------------------------------------- */

static void
loop_floor(void *ctx, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		bench_opaque_u64(i);
	}
}

static void
loop_off(void *ctx, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		spdk_trace_record(TP_OFF, 0, 0, 0, i);
		bench_opaque_u64(i);
	}
}

static void __attribute__((noinline))
cold_record(uint64_t i)
{
	spdk_trace_record_tsc(i, TP_OFF, 0, 0, 0, i);
}

static void
loop_group_off(void *ctx, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		if (spdk_unlikely(pw_trace_group_on(G_OFF))) {
			cold_record(i);
		}
		bench_opaque_u64(i);
	}
}

static void
loop_ticks(void *ctx, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		bench_opaque_u64(spdk_get_ticks());
	}
}

/* The floor: what a record must do at least (32 bytes into a private ring
 * slot, the index advanced). */
static uint64_t g_floor_ring[RING_ENTRIES * 4] __attribute__((aligned(64)));
static uint64_t g_floor_next;

static void
loop_store(void *ctx, uint64_t iters)
{
	uint64_t next = g_floor_next;

	for (uint64_t i = 0; i < iters; i++) {
		uint64_t *slot = &g_floor_ring[(next & (RING_ENTRIES - 1)) * 4];

		slot[0] = i;
		slot[1] = TP_ONE;
		slot[2] = 0;
		slot[3] = i;
		next++;
		bench_opaque_u64((uint64_t)(uintptr_t)slot);
	}
	g_floor_next = next;
}

static void
loop_record_tsc(void *ctx, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		spdk_trace_record_tsc(i + 1, TP_ONE, 0, 0, 0, i);
	}
}

static void
loop_record(void *ctx, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		spdk_trace_record(TP_ONE, 0, 0, 0, i);
	}
}

static void
loop_record_four(void *ctx, uint64_t iters)
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

	bench_pin(p->cpu);
	loop_record(NULL, 1000);	/* the ring is made here, not in the timing */
	pthread_barrier_wait(&g_barrier);
	p->start = bench_now_s();
	loop_record(NULL, p->iters);
	p->end = bench_now_s();
	return NULL;
}

static void
measure_parallel(unsigned n)
{
	struct par p[MAX_PAR];
	double per[64], total[64], first, last;
	uint64_t iters = bench_calibrate(loop_record, NULL, g_target_s);

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
	bench_report("par_pthreads", n, "pthreads");
	bench_report("par_record_ns", bench_median(per, g_runs), "ns");
	bench_report("par_records_per_s", bench_median(total, g_runs), "records/s");
}

int
main(int argc, char **argv)
{
	bool smoke = false;
	struct pw_trace_stats st;
	cpu_set_t allowed;
	unsigned ncpu;
	double rec;

	if (bench_parse_smoke_runs(argc, argv, &smoke, &g_runs, &g_target_s) != 0) {
		return 2;
	}
	ncpu = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 ? (unsigned)CPU_COUNT(&allowed) : 1;
	bench_pin(0);
	if (spdk_trace_init("/trace_bench", RING_ENTRIES, 0) != 0) {
		fprintf(stderr, "spdk_trace_init failed\n");
		return 1;
	}
	spdk_trace_set_tpoints(G, SPDK_BIT(0) | SPDK_BIT(1));
	spdk_get_ticks();	/* calibrate the clock outside the timings */
	loop_record(NULL, RING_ENTRIES);	/* this pthread's ring, made and wrapped once */

	bench_report("floor_loop_ns", measure(loop_floor), "ns");
	bench_report("off_ns", measure(loop_off), "ns");
	bench_report("group_off_ns", measure(loop_group_off), "ns");
	bench_report("floor_ticks_ns", measure(loop_ticks), "ns");
	bench_report("floor_store_ns", measure(loop_store), "ns");
	bench_report("record_tsc_ns", measure(loop_record_tsc), "ns");
	rec = measure(loop_record);
	bench_report("record_ns", rec, "ns");
	bench_report("record_4args_ns", measure(loop_record_four), "ns");
	bench_report("records_per_s", 1e9 / rec, "records/s");
	measure_parallel(spdk_min(spdk_max(ncpu, 1u), (unsigned)MAX_PAR));

	if (pw_trace_get_stats(&st) != 0 || st.dropped != 0 || st.lost == 0) {
		fprintf(stderr, "unexpected trace stats: dropped %" PRIu64 ", lost %" PRIu64 "\n",
			st.dropped, st.lost);
		return 1;
	}
	spdk_trace_cleanup();
	return 0;
}

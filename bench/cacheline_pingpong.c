/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * cacheline_pingpong [--smoke] [--cpus A,B] [--rounds N] [--runs R]: the round
 * trip of one cache line between two cpus, the reference floor for every
 * cross-core figure (event_perf -m 0x3, ring and message benchmarks).
 *
 * Two pthreads pinned on cpus A and B (default 0 and 1) take turns writing a
 * counter on one shared cache line: A writes an odd value and spins until it
 * sees B's following even value, B spins for the odd one and answers. One
 * round is two cache-line transfers (A to B and back), i.e. the least any
 * cross-core request/response can cost. Each run times N rounds (20000 by
 * default) with CLOCK_MONOTONIC; the figure is the median of R runs (7).
 *
 * The development VM alternates between a "near" state (~120-190 ns per
 * round) and a "far" one (~460-540 ns); run this right before a cross-core
 * measurement to know which state that measurement saw.
 *
 * Output ("name value unit"): pingpong_rtt (median), pingpong_rtt_min,
 * pingpong_rtt_max, in ns per round trip. Exits 77 (skip) when two distinct
 * usable cpus are not available.
 */

#include "spdk/stdinc.h"

#include <stdatomic.h>

#include "bench_util.h"

#define LINE		128	/* two lines: keeps the adjacent-line prefetcher out */
#define MAX_RUNS	101

struct shared {
	_Atomic uint64_t	turn __attribute__((aligned(LINE)));
	_Atomic uint32_t	ready __attribute__((aligned(LINE)));
	_Atomic uint64_t	rounds;		/* read after ready reached 2 */
	uint64_t		elapsed_ns;
};

struct side {
	struct shared	*sh;
	int		cpu;
	bool		initiator;
	int		pin_rc;
};

static inline void
relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

static void *
side_main(void *arg)
{
	struct side *s = arg;
	struct shared *sh = s->sh;
	cpu_set_t set;
	uint64_t i, n, t0 = 0;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	s->pin_rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* Both sides are on their cpus before the clock starts (release pairs
	 * with the other side's acquire load of ready). */
	atomic_fetch_add_explicit(&sh->ready, 1, memory_order_acq_rel);
	while (atomic_load_explicit(&sh->ready, memory_order_acquire) < 2) {
		relax();
	}
	n = atomic_load_explicit(&sh->rounds, memory_order_relaxed);
	if (s->initiator) {
		t0 = bench_now_ns();
	}
	for (i = 0; i < n; i++) {
		if (s->initiator) {
			/* Release pairs with the answerer's acquire load of turn. */
			atomic_store_explicit(&sh->turn, 2 * i + 1, memory_order_release);
			/* Acquire pairs with the answerer's release store. */
			while (atomic_load_explicit(&sh->turn, memory_order_acquire) != 2 * i + 2) {
				relax();
			}
		} else {
			/* Acquire pairs with the initiator's release store. */
			while (atomic_load_explicit(&sh->turn, memory_order_acquire) != 2 * i + 1) {
				relax();
			}
			/* Release pairs with the initiator's acquire load. */
			atomic_store_explicit(&sh->turn, 2 * i + 2, memory_order_release);
		}
	}
	if (s->initiator) {
		sh->elapsed_ns = bench_now_ns() - t0;
	}
	return NULL;
}

/* One timed run; returns ns per round trip, or a negative value on error. */
static double
one_run(int cpu_a, int cpu_b, uint64_t rounds)
{
	struct shared *sh;
	struct side a, b;
	pthread_t ta, tb;
	double rtt;

	sh = aligned_alloc(LINE, sizeof(*sh));
	if (sh == NULL) {
		return -1.0;
	}
	memset(sh, 0, sizeof(*sh));
	atomic_store_explicit(&sh->rounds, rounds, memory_order_relaxed);
	a = (struct side) { .sh = sh, .cpu = cpu_a, .initiator = true };
	b = (struct side) { .sh = sh, .cpu = cpu_b, .initiator = false };
	if (pthread_create(&tb, NULL, side_main, &b) != 0) {
		free(sh);
		return -1.0;
	}
	if (pthread_create(&ta, NULL, side_main, &a) != 0) {
		/* Release the answerer with nothing to do: it reads rounds only
		 * after ready reaches 2 (this release pairs with its acquire). */
		atomic_store_explicit(&sh->rounds, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&sh->ready, 1, memory_order_release);
		pthread_join(tb, NULL);
		free(sh);
		return -1.0;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	rtt = (a.pin_rc != 0 || b.pin_rc != 0) ? -2.0 : (double)sh->elapsed_ns / (double)rounds;
	free(sh);
	return rtt;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: cacheline_pingpong [--smoke] [--cpus A,B] [--rounds N] [--runs R]\n"
		"  one cache line bounced between cpus A and B (default 0,1): ns per round trip,\n"
		"  median of R runs (default 7) of N rounds (default 20000)\n");
}

int
main(int argc, char **argv)
{
	int cpu_a = 0, cpu_b = 1, runs = 7;
	uint64_t rounds = 20000;
	double v[MAX_RUNS];
	cpu_set_t allowed;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (strcmp(argv[i], "--smoke") == 0) {
			rounds = 2000;
			runs = 3;
		} else if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc) {
			i++;
			if (sscanf(argv[i], "%d,%d", &cpu_a, &cpu_b) != 2 || cpu_a < 0 || cpu_b < 0 ||
			    cpu_a >= CPU_SETSIZE || cpu_b >= CPU_SETSIZE || cpu_a == cpu_b) {
				fprintf(stderr, "cacheline_pingpong: --cpus wants two distinct cpu "
					"numbers, as in 0,1 (got '%s')\n", argv[i]);
				return 1;
			}
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			unsigned long long n = strtoull(argv[++i], &end, 10);

			if (*end != '\0' || n == 0 || n > (1ull << 40)) {
				fprintf(stderr, "cacheline_pingpong: --rounds wants a positive number\n");
				return 1;
			}
			rounds = n;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			long n = strtol(argv[++i], &end, 10);

			if (*end != '\0' || n < 1 || n > MAX_RUNS) {
				fprintf(stderr, "cacheline_pingpong: --runs wants 1 to %d\n", MAX_RUNS);
				return 1;
			}
			runs = (int)n;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "cacheline_pingpong: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 1;
		}
	}

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0 ||
	    !CPU_ISSET(cpu_a, &allowed) || !CPU_ISSET(cpu_b, &allowed)) {
		printf("# cpus %d and %d are not both usable here: skipped\n", cpu_a, cpu_b);
		return 77;
	}

	for (int r = 0; r < runs; r++) {
		v[r] = one_run(cpu_a, cpu_b, rounds);
		if (v[r] < 0) {
			fprintf(stderr, "cacheline_pingpong: cannot %s\n", v[r] < -1.5 ?
				"pin the pthreads" : "start the pthreads");
			return 1;
		}
	}
	qsort(v, (size_t)runs, sizeof(v[0]), bench_cmp_double);
	printf("# cache-line round trip between cpus %d and %d, %d runs of %" PRIu64 " rounds\n",
	       cpu_a, cpu_b, runs, rounds);
	printf("pingpong_rtt %.1f ns\n", v[runs / 2]);
	printf("pingpong_rtt_min %.1f ns\n", v[0]);
	printf("pingpong_rtt_max %.1f ns\n", v[runs - 1]);
	return 0;
}

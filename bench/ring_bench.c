/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_ring benchmark.
 *
 * Cross-core cases: a producer pinned on one cpu (0 by default) and a
 * consumer pinned on another (1) move N pointers through a ring of 1024
 * entries; enqueue is all-or-nothing with 1 or 32 objects, dequeue a burst of
 * up to 1 or 32. Each ring type of spdk_ring runs next to a minimal SPSC
 * queue written below (the floor: what moving a pointer between two cores
 * costs with no concurrency contract at all), and, when this file is built
 * by bench/dpdk/run.sh, next to DPDK's rte_ring used the way SPDK uses it.
 * The implementations take turns run by run, so all see the same machine.
 *
 * The VM this was written on switches between a "near" state (a cache-line
 * round trip between the two vCPUs takes ~150 ns) and a "far" one (~500 ns);
 * every group of cases is preceded by a cache-line ping-pong so that its
 * figures can be read against the state it ran in.
 *
 * Local cases: one pthread enqueues and dequeues (no sharing): the
 * instruction cost of the operations.
 *
 * Output: "name value unit" lines (comments start with '#'); every value is
 * the median of several runs. A run during which a thread got less than 95%
 * of the cpu (other load on the machine) is done again, up to three times,
 * and a '#' line counts those. "<case>_vs_ref" lines give spdk_ring's time
 * per object over the reference queue's. --smoke: about one second in all.
 * With a single usable cpu only the local cases run; exit status 77 when no
 * cpu can be used at all (e.g. --cpus names cpus outside the affinity mask).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"

#include "bench_util.h"

#define BENCH_ALIGN	128
#define MAX_BURST	32

enum bench_type {
	BT_SP_SC,
	BT_MP_SC,
	BT_MP_MC,
	BT_COUNT,
};

static const char *g_type_names[BT_COUNT] = { "sp_sc", "mp_sc", "mp_mc" };

static const enum spdk_ring_type g_spdk_types[BT_COUNT] = {
	SPDK_RING_TYPE_SP_SC, SPDK_RING_TYPE_MP_SC, SPDK_RING_TYPE_MP_MC,
};

/* One ring implementation, behind plain function pointers so that every
 * implementation pays the same call overhead. */
struct impl {
	const char	*name;
	bool		only_spsc;
	void		*(*create)(enum bench_type type, size_t capacity);
	void		(*destroy)(void *ring);
	size_t		(*enqueue)(void *ring, void **objs, size_t n);
	size_t		(*dequeue)(void *ring, void **objs, size_t n);
};

struct pattern {
	size_t	enq;
	size_t	deq;
};

static const struct pattern g_patterns[] = { { 1, 1 }, { 1, 32 }, { 32, 32 } };
#define NUM_PATTERNS (sizeof(g_patterns) / sizeof(g_patterns[0]))

static struct {
	bool	smoke;
	int	runs;
	double	run_seconds;
	size_t	capacity;
	int	cpu_prod;
	int	cpu_cons;
	bool	cross_ok;
	const char *filter;
	int	errors;
} g_opt;

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* CPU time of the calling thread: compared with the wall-clock time of a
 * run, it tells whether the thread was preempted (by other load on the
 * machine) during it. */
static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Start a pthread already bound to \p cpu (so it never has to wait for a
 * time slice on its creator's cpu). */
static int
start_pinned(pthread_t *tid, int cpu, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_attr_init(&attr);
	rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (rc == 0) {
		rc = pthread_create(tid, &attr, fn, arg);
	}
	pthread_attr_destroy(&attr);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The reference queue: single producer, single consumer, nothing else. Each
 * side keeps its own index and a cached copy of the other's, on its own
 * cache lines; a power-of-two capacity; all-or-nothing enqueue and burst
 * dequeue like spdk_ring.
 * ------------------------------------------------------------------------- */

struct ref_queue {
	size_t		mask;
	void		**slots;
	struct {
		size_t	head;		/* written by the producer only */
		size_t	tail_seen;	/* producer's copy of cons.tail */
	} prod __attribute__((aligned(BENCH_ALIGN)));
	struct {
		size_t	tail;		/* written by the consumer only */
		size_t	head_seen;	/* consumer's copy of prod.head */
	} cons __attribute__((aligned(BENCH_ALIGN)));
};

static void *
ref_create(enum bench_type type, size_t capacity)
{
	struct ref_queue *q;
	size_t size = 1;
	void *mem;

	(void)type;
	while (size < capacity) {
		size <<= 1;
	}
	if (posix_memalign(&mem, BENCH_ALIGN, sizeof(*q)) != 0) {
		return NULL;
	}
	q = mem;
	memset(q, 0, sizeof(*q));
	if (posix_memalign(&mem, BENCH_ALIGN, size * sizeof(void *)) != 0) {
		free(q);
		return NULL;
	}
	q->slots = mem;
	q->mask = size - 1;
	return q;
}

static void
ref_destroy(void *ring)
{
	struct ref_queue *q = ring;

	free(q->slots);
	free(q);
}

static size_t
ref_enqueue(void *ring, void **objs, size_t n)
{
	struct ref_queue *q = ring;
	size_t head = q->prod.head, i;

	if (q->mask + 1 - (head - q->prod.tail_seen) < n) {
		/* Acquire pairs with the consumer's release store of cons.tail. */
		q->prod.tail_seen = __atomic_load_n(&q->cons.tail, __ATOMIC_ACQUIRE);
		if (q->mask + 1 - (head - q->prod.tail_seen) < n) {
			return 0;
		}
	}
	for (i = 0; i < n; i++) {
		q->slots[(head + i) & q->mask] = objs[i];
	}
	/* Release pairs with the consumer's acquire load of prod.head. */
	__atomic_store_n(&q->prod.head, head + n, __ATOMIC_RELEASE);
	return n;
}

static size_t
ref_dequeue(void *ring, void **objs, size_t n)
{
	struct ref_queue *q = ring;
	size_t tail = q->cons.tail, avail = q->cons.head_seen - tail, i;

	if (avail < n) {
		/* Acquire pairs with the producer's release store of prod.head. */
		q->cons.head_seen = __atomic_load_n(&q->prod.head, __ATOMIC_ACQUIRE);
		avail = q->cons.head_seen - tail;
		if (avail < n) {
			n = avail;
		}
	}
	for (i = 0; i < n; i++) {
		objs[i] = q->slots[(tail + i) & q->mask];
	}
	/* Release pairs with the producer's acquire load of cons.tail. */
	__atomic_store_n(&q->cons.tail, tail + n, __ATOMIC_RELEASE);
	return n;
}

/* ---------------------------------------------------------------------------
 * spdk_ring
 * ------------------------------------------------------------------------- */

static void *
pw_create(enum bench_type type, size_t capacity)
{
	return spdk_ring_create(g_spdk_types[type], capacity, SPDK_ENV_NUMA_ID_ANY);
}

static void
pw_destroy(void *ring)
{
	spdk_ring_free(ring);
}

static size_t
pw_enqueue(void *ring, void **objs, size_t n)
{
	return spdk_ring_enqueue(ring, objs, n, NULL);
}

static size_t
pw_dequeue(void *ring, void **objs, size_t n)
{
	return spdk_ring_dequeue(ring, objs, n);
}

#ifdef PW_RING_BENCH_DPDK
/* bench/dpdk/ring_dpdk.c: rte_ring behind the calls SPDK's env_dpdk makes. */
void *pw_bench_dpdk_create(int type, size_t capacity);
void pw_bench_dpdk_destroy(void *ring);
size_t pw_bench_dpdk_enqueue(void *ring, void **objs, size_t n);
size_t pw_bench_dpdk_dequeue(void *ring, void **objs, size_t n);

static void *
dpdk_create(enum bench_type type, size_t capacity)
{
	return pw_bench_dpdk_create((int)type, capacity);
}
#endif

static const struct impl g_impls[] = {
	{ "ref", true, ref_create, ref_destroy, ref_enqueue, ref_dequeue },
	{ "pw", false, pw_create, pw_destroy, pw_enqueue, pw_dequeue },
#ifdef PW_RING_BENCH_DPDK
	{ "dpdk", false, dpdk_create, pw_bench_dpdk_destroy, pw_bench_dpdk_enqueue,
	  pw_bench_dpdk_dequeue },
#endif
};
#define NUM_IMPLS (sizeof(g_impls) / sizeof(g_impls[0]))

/* ---------------------------------------------------------------------------
 * Cache-line ping-pong between the two cpus
 * ------------------------------------------------------------------------- */

struct pingpong {
	uint64_t	line __attribute__((aligned(BENCH_ALIGN)));
	uint32_t	ready __attribute__((aligned(BENCH_ALIGN)));
	uint64_t	rounds;
	uint64_t	elapsed_ns;
};

static void *
pingpong_echo(void *arg)
{
	struct pingpong *pp = arg;
	uint64_t i;

	__atomic_fetch_add(&pp->ready, 1, __ATOMIC_RELEASE);
	for (i = 0; i < pp->rounds; i++) {
		/* Acquire pairs with the initiator's release store of an odd value. */
		while (__atomic_load_n(&pp->line, __ATOMIC_ACQUIRE) != 2 * i + 1) {
			cpu_relax();
		}
		/* Release pairs with the initiator's acquire load below. */
		__atomic_store_n(&pp->line, 2 * i + 2, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *
pingpong_initiator(void *arg)
{
	struct pingpong *pp = arg;
	uint64_t i, t0;

	/* Both threads are on their cpus before the clock starts. */
	__atomic_fetch_add(&pp->ready, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&pp->ready, __ATOMIC_ACQUIRE) != 2) {
		cpu_relax();
	}
	t0 = bench_now_ns();
	for (i = 0; i < pp->rounds; i++) {
		/* Release pairs with the echo's acquire load. */
		__atomic_store_n(&pp->line, 2 * i + 1, __ATOMIC_RELEASE);
		/* Acquire pairs with the echo's release store. */
		while (__atomic_load_n(&pp->line, __ATOMIC_ACQUIRE) != 2 * i + 2) {
			cpu_relax();
		}
	}
	pp->elapsed_ns = bench_now_ns() - t0;
	return NULL;
}

/* Round trip of one cache line between the producer's and consumer's cpus,
 * in ns (median of a few short runs). */
static double
measure_pingpong(void)
{
	double v[5];
	int r, nruns = 5;
	uint64_t rounds = g_opt.smoke ? 2000 : 20000;

	for (r = 0; r < nruns; r++) {
		struct pingpong *pp;
		pthread_t echo, init;
		void *mem;

		if (posix_memalign(&mem, BENCH_ALIGN, sizeof(*pp)) != 0) {
			return -1;
		}
		pp = mem;
		memset(pp, 0, sizeof(*pp));
		pp->rounds = rounds;
		if (start_pinned(&echo, g_opt.cpu_cons, pingpong_echo, pp) != 0 ||
		    start_pinned(&init, g_opt.cpu_prod, pingpong_initiator, pp) != 0) {
			fprintf(stderr, "cannot start pinned threads on cpus %d and %d\n",
				g_opt.cpu_prod, g_opt.cpu_cons);
			exit(1);
		}
		pthread_join(init, NULL);
		pthread_join(echo, NULL);
		v[r] = (double)pp->elapsed_ns / (double)rounds;
		free(pp);
	}
	return bench_median_sort(v, nruns);
}

/* ---------------------------------------------------------------------------
 * Cross-core run
 * ------------------------------------------------------------------------- */

struct xrun {
	const struct impl	*impl;
	void			*ring;
	struct pattern		pat;
	uint64_t		nobjs;
	uint32_t		ready;		/* atomic: threads pinned and waiting */
	uint32_t		go;		/* atomic */
	uint64_t		t_start;
	uint64_t		t_end;
	uint64_t		prod_wall;	/* producer's wall and cpu time */
	uint64_t		prod_cpu;
	uint64_t		cons_cpu;	/* consumer's cpu time */
	uint64_t		bad;		/* objects out of order */
};

static void *
xrun_producer(void *arg)
{
	struct xrun *x = arg;
	const struct impl *im = x->impl;
	void *objs[MAX_BURST];
	size_t burst = x->pat.enq, i;
	uint64_t next = 1;

	__atomic_fetch_add(&x->ready, 1, __ATOMIC_RELEASE);
	uint64_t wall0, cpu0;

	while (!__atomic_load_n(&x->go, __ATOMIC_ACQUIRE)) {
		cpu_relax();
	}
	wall0 = bench_now_ns();
	cpu0 = thread_cpu_ns();
	while (next <= x->nobjs) {
		for (i = 0; i < burst; i++) {
			objs[i] = (void *)(uintptr_t)(next + i);
		}
		while (im->enqueue(x->ring, objs, burst) != burst) {
			cpu_relax();
		}
		next += burst;
	}
	x->prod_cpu = thread_cpu_ns() - cpu0;
	x->prod_wall = bench_now_ns() - wall0;
	return NULL;
}

static void *
xrun_consumer(void *arg)
{
	struct xrun *x = arg;
	const struct impl *im = x->impl;
	void *objs[MAX_BURST];
	size_t burst = x->pat.deq, n, i;
	uint64_t expect = 1, bad = 0;

	__atomic_fetch_add(&x->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&x->go, __ATOMIC_ACQUIRE)) {
		cpu_relax();
	}
	uint64_t cpu0;

	x->t_start = bench_now_ns();
	cpu0 = thread_cpu_ns();
	while (expect <= x->nobjs) {
		n = im->dequeue(x->ring, objs, burst);
		if (n == 0) {
			cpu_relax();
			continue;
		}
		for (i = 0; i < n; i++) {
			bad += (uintptr_t)objs[i] != expect + i;
		}
		expect += n;
	}
	x->t_end = bench_now_ns();
	x->cons_cpu = thread_cpu_ns() - cpu0;
	x->bad = bad;
	return NULL;
}

/* One run; returns ns per object, or -1 on failure. *preempted (if not
 * NULL) tells whether either thread lost more than 5% of the run to other
 * load. */
static double
cross_run(const struct impl *im, enum bench_type type, struct pattern pat, uint64_t nobjs,
	  bool *preempted)
{
	struct xrun *x;
	pthread_t prod, cons;
	double ns;
	void *mem;

	/* The producer sends whole bursts. */
	nobjs -= nobjs % pat.enq;
	if (posix_memalign(&mem, BENCH_ALIGN, sizeof(*x)) != 0) {
		return -1;
	}
	x = mem;
	memset(x, 0, sizeof(*x));
	x->impl = im;
	x->pat = pat;
	x->nobjs = nobjs;
	x->ring = im->create(type, g_opt.capacity);
	if (x->ring == NULL) {
		fprintf(stderr, "cannot create a %s %s ring\n", im->name, g_type_names[type]);
		free(x);
		return -1;
	}
	if (start_pinned(&cons, g_opt.cpu_cons, xrun_consumer, x) != 0 ||
	    start_pinned(&prod, g_opt.cpu_prod, xrun_producer, x) != 0) {
		fprintf(stderr, "cannot start pinned threads on cpus %d and %d\n",
			g_opt.cpu_prod, g_opt.cpu_cons);
		exit(1);
	}
	/* This pthread is not pinned: let the two workers have the cpus. */
	while (__atomic_load_n(&x->ready, __ATOMIC_ACQUIRE) != 2) {
		sched_yield();
	}
	__atomic_store_n(&x->go, 1, __ATOMIC_RELEASE);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);

	if (x->bad != 0) {
		fprintf(stderr, "%s %s: %" PRIu64 " objects out of order\n", im->name,
			g_type_names[type], x->bad);
		g_opt.errors++;
	}
	ns = (double)(x->t_end - x->t_start) / (double)nobjs;
	if (preempted != NULL) {
		*preempted = (double)x->cons_cpu < 0.95 * (double)(x->t_end - x->t_start) ||
			     (double)x->prod_cpu < 0.95 * (double)x->prod_wall;
	}
	im->destroy(x->ring);
	free(x);
	return ns;
}

/* ---------------------------------------------------------------------------
 * Local run: one pthread, enqueue then dequeue
 * ------------------------------------------------------------------------- */

static double
local_run(const struct impl *im, enum bench_type type, struct pattern pat, uint64_t nobjs,
	  bool *preempted)
{
	void *in[MAX_BURST], *out[MAX_BURST];
	void *ring = im->create(type, g_opt.capacity);
	uint64_t i, t0, t1, cpu0, moved = 0;
	size_t burst = pat.enq, k;

	if (ring == NULL) {
		return -1;
	}
	for (k = 0; k < MAX_BURST; k++) {
		in[k] = (void *)(uintptr_t)(k + 1);
	}
	t0 = bench_now_ns();
	cpu0 = thread_cpu_ns();
	for (i = 0; i < nobjs; i += burst) {
		if (im->enqueue(ring, in, burst) != burst) {
			g_opt.errors++;
			break;
		}
		moved += im->dequeue(ring, out, burst);
	}
	t1 = bench_now_ns();
	if (preempted != NULL) {
		*preempted = (double)(thread_cpu_ns() - cpu0) < 0.95 * (double)(t1 - t0);
	}
	if (moved != i || out[0] != in[0]) {
		fprintf(stderr, "%s %s local: moved %" PRIu64 " of %" PRIu64 "\n", im->name,
			g_type_names[type], moved, i);
		g_opt.errors++;
	}
	im->destroy(ring);
	return (double)(t1 - t0) / (double)nobjs;
}

/* Pick a number of objects that makes one run last about run_seconds. */
static uint64_t
calibrate(const struct impl *im, enum bench_type type, struct pattern pat, bool cross)
{
	uint64_t n = g_opt.smoke ? 20000 : 200000;
	double ns;

	for (;;) {
		ns = cross ? cross_run(im, type, pat, n, NULL) : local_run(im, type, pat, n, NULL);
		if (ns <= 0) {
			return n;
		}
		if (ns * (double)n > g_opt.run_seconds * 1e9 / 4 || n >= (1ULL << 32)) {
			break;
		}
		n *= 4;
	}
	n = (uint64_t)(g_opt.run_seconds * 1e9 / ns);
	return n < MAX_BURST ? MAX_BURST : n;
}

/* ---------------------------------------------------------------------------
 * Driver
 * ------------------------------------------------------------------------- */

static bool
impl_has_type(const struct impl *im, enum bench_type type)
{
	return !im->only_spsc || type == BT_SP_SC;
}

/* Median ns/object of the reference queue per pattern, for the ratios. */
static double g_ref_ns[2][NUM_PATTERNS];		/* [cross?][pattern] */

static void
run_group(enum bench_type type, size_t p, bool cross)
{
	struct pattern pat = g_patterns[p];
	double vals[NUM_IMPLS][16], med[NUM_IMPLS];
	uint64_t nobjs[NUM_IMPLS];
	char name[128], group[64];
	bool preempted;
	int r, k, redone = 0, unclean = 0;
	size_t i;

	snprintf(group, sizeof(group), "%s_%s_enq%zu_deq%zu", cross ? "xcore" : "local",
		 g_type_names[type], pat.enq, pat.deq);
	if (g_opt.filter != NULL && strstr(group, g_opt.filter) == NULL) {
		return;
	}
	for (i = 0; i < NUM_IMPLS; i++) {
		if (impl_has_type(&g_impls[i], type)) {
			nobjs[i] = calibrate(&g_impls[i], type, pat, cross);
		}
	}
	if (cross) {
		snprintf(name, sizeof(name), "xcore_%s_enq%zu_deq%zu_rtt", g_type_names[type],
			 pat.enq, pat.deq);
		bench_report(name, measure_pingpong(), "ns");
	}
	/* Implementations take turns, run by run. */
	for (r = 0; r < g_opt.runs; r++) {
		for (i = 0; i < NUM_IMPLS; i++) {
			if (!impl_has_type(&g_impls[i], type)) {
				continue;
			}
			/* A run whose threads were preempted measures the other
			 * load, not the ring: do it again (a few times at most). */
			for (k = 0; k < 4; k++) {
				vals[i][r] = cross ?
					     cross_run(&g_impls[i], type, pat, nobjs[i], &preempted) :
					     local_run(&g_impls[i], type, pat, nobjs[i], &preempted);
				if (!preempted) {
					break;
				}
				redone++;
			}
			unclean += preempted;
		}
	}
	if (redone > 0) {
		printf("# %s: %d runs redone after their threads were preempted, "
		       "%d still preempted\n", group, redone, unclean);
	}
	for (i = 0; i < NUM_IMPLS; i++) {
		const char *prefix = cross ? "xcore" : "local";

		if (!impl_has_type(&g_impls[i], type)) {
			continue;
		}
		med[i] = bench_median_sort(vals[i], g_opt.runs);
		if (strcmp(g_impls[i].name, "ref") == 0) {
			g_ref_ns[cross][p] = med[i];
		}
		snprintf(name, sizeof(name), "%s_%s_%s_enq%zu_deq%zu", prefix, g_impls[i].name,
			 g_type_names[type], pat.enq, pat.deq);
		bench_report(name, med[i], "ns/obj");
		if (cross) {
			snprintf(name, sizeof(name), "%s_%s_%s_enq%zu_deq%zu_rate", prefix,
				 g_impls[i].name, g_type_names[type], pat.enq, pat.deq);
			bench_report(name, 1000.0 / med[i], "Mobj/s");
		}
	}
	/* Ratios (time per object): spdk_ring over the floor, and over DPDK. */
	for (i = 0; i < NUM_IMPLS; i++) {
		const char *prefix = cross ? "xcore" : "local";

		if (strcmp(g_impls[i].name, "pw") != 0) {
			continue;
		}
		if (g_ref_ns[cross][p] > 0) {
			snprintf(name, sizeof(name), "%s_pw_%s_enq%zu_deq%zu_vs_ref", prefix,
				 g_type_names[type], pat.enq, pat.deq);
			bench_report(name, med[i] / g_ref_ns[cross][p], "x");
		}
#ifdef PW_RING_BENCH_DPDK
		size_t d;

		for (d = 0; d < NUM_IMPLS; d++) {
			if (strcmp(g_impls[d].name, "dpdk") == 0) {
				snprintf(name, sizeof(name), "%s_pw_%s_enq%zu_deq%zu_vs_dpdk", prefix,
					 g_type_names[type], pat.enq, pat.deq);
				bench_report(name, med[i] / med[d], "x");
			}
		}
#endif
	}
}

static int
pick_cpus(void)
{
	cpu_set_t set;
	int cpus[2], n = 0, c;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		return -1;
	}
	if (g_opt.cpu_prod >= 0 || g_opt.cpu_cons >= 0) {
		/* --cpus: the producer's cpu must be usable; cross-core cases
		 * also need a different, usable consumer cpu. */
		if (g_opt.cpu_prod < 0 || g_opt.cpu_prod >= CPU_SETSIZE ||
		    !CPU_ISSET(g_opt.cpu_prod, &set)) {
			return 0;
		}
		if (g_opt.cpu_cons < 0 || g_opt.cpu_cons >= CPU_SETSIZE ||
		    !CPU_ISSET(g_opt.cpu_cons, &set) || g_opt.cpu_cons == g_opt.cpu_prod) {
			g_opt.cpu_cons = g_opt.cpu_prod;
			return 1;
		}
		return 2;
	}
	for (c = 0; c < CPU_SETSIZE && n < 2; c++) {
		if (CPU_ISSET(c, &set)) {
			cpus[n++] = c;
		}
	}
	if (n == 2) {
		g_opt.cpu_prod = cpus[0];
		g_opt.cpu_cons = cpus[1];
	} else if (n == 1) {
		g_opt.cpu_prod = cpus[0];
		g_opt.cpu_cons = cpus[0];
	}
	return n;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--smoke] [--runs N] [--seconds S] [--capacity C] "
		"[--cpus P,C] [--filter STR]\n"
		"  --smoke       about one second in all\n"
		"  --runs N      runs per case, median printed (default 5; 3 with --smoke)\n"
		"  --seconds S   length of one run (default 0.3; 0.004 with --smoke)\n"
		"  --capacity C  ring capacity (default 1024)\n"
		"  --cpus P,C    producer and consumer cpus (default: the first two usable)\n"
		"  --filter STR  only the cases whose group name contains STR, e.g.\n"
		"                xcore_mp_sc (groups: xcore|local _ sp_sc|mp_sc|mp_mc _ enqN_deqM)\n",
		prog);
}

int
main(int argc, char **argv)
{
	enum bench_type t;
	size_t p;
	int i, ncpus;

	g_opt.runs = 0;
	g_opt.run_seconds = 0;
	g_opt.capacity = 1024;
	g_opt.cpu_prod = -1;
	g_opt.cpu_cons = -1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_opt.smoke = true;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			g_opt.runs = atoi(argv[++i]);
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			g_opt.run_seconds = atof(argv[++i]);
		} else if (strcmp(argv[i], "--capacity") == 0 && i + 1 < argc) {
			g_opt.capacity = (size_t)strtoull(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) {
			g_opt.filter = argv[++i];
		} else if (strcmp(argv[i], "--cpus") == 0 && i + 1 < argc &&
			   sscanf(argv[i + 1], "%d,%d", &g_opt.cpu_prod, &g_opt.cpu_cons) == 2) {
			i++;
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	if (g_opt.runs <= 0) {
		g_opt.runs = g_opt.smoke ? 3 : 5;
	}
	if (g_opt.runs > 15) {
		g_opt.runs = 15;
	}
	if (g_opt.run_seconds <= 0) {
		g_opt.run_seconds = g_opt.smoke ? 0.004 : 0.3;
	}
	if (g_opt.capacity < MAX_BURST) {
		fprintf(stderr, "capacity must be at least %d\n", MAX_BURST);
		return 2;
	}

	ncpus = pick_cpus();
	if (ncpus < 1) {
		printf("# no usable cpu: nothing to run\n");
		return 77;
	}
	g_opt.cross_ok = ncpus >= 2;

	printf("# spdk_ring benchmark: capacity %zu, %d runs per case, median shown\n",
	       g_opt.capacity, g_opt.runs);
	if (g_opt.cross_ok) {
		printf("# producer on cpu %d, consumer on cpu %d\n", g_opt.cpu_prod,
		       g_opt.cpu_cons);
		bench_report("pingpong_rtt_start", measure_pingpong(), "ns");
		for (t = 0; t < BT_COUNT; t++) {
			for (p = 0; p < NUM_PATTERNS; p++) {
				run_group(t, p, true);
			}
		}
		bench_report("pingpong_rtt_end", measure_pingpong(), "ns");
	} else {
		printf("# only one usable cpu (cpu %d): cross-core cases skipped\n",
		       g_opt.cpu_prod);
	}

	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(g_opt.cpu_prod, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	for (t = 0; t < BT_COUNT; t++) {
		for (p = 0; p < NUM_PATTERNS; p++) {
			if (g_patterns[p].enq == g_patterns[p].deq) {
				run_group(t, p, false);
			}
		}
	}

	if (g_opt.errors != 0) {
		fprintf(stderr, "%d errors\n", g_opt.errors);
		return 1;
	}
	return 0;
}

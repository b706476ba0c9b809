/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Message passing between spdk_threads, next to floors measured in the same run.
 *
 *   msg_bench [--smoke] [--runs N] [--only PATTERN]
 *
 * Cases: samecore, pingpong, xcore_poller_w128, xcore_foreign_w128,
 * xcore_poller_w1, xcore_foreign_w1; --only takes a shell pattern of case
 * names (fnmatch), e.g. 'xcore_*'.
 *
 * Cross-core cases use two pthreads pinned (pthread_setaffinity_np) to the
 * first two usable cpus, "cpu0" and "cpu1". The receiving spdk_thread is
 * polled on cpu1 by `while (!stop) spdk_thread_poll(t, 0, 0);`, the sending
 * side runs on the main pthread, pinned to cpu0.
 *
 *   pingpong        A (cpu0) sends to B (cpu1); B's handler sends back to A,
 *                   whose handler sends again: ns per round trip.
 *                   Floor: two pinned pthreads take turns writing a counter
 *                   on one cache line (the cache-line round trip). Also shown:
 *                   the same with two lines, each written by one side.
 *   xcore_<s>_w<W>  one-way throughput cpu0 -> cpu1 with at most W messages
 *                   outstanding (sent - completed; the receiver's handler
 *                   bumps `completed`, alone on its cache line, which the
 *                   sender reads). The sender <s> is an untimed poller of an
 *                   spdk_thread polled on cpu0 ("poller") or a pthread with no
 *                   spdk_thread ("foreign"). Floors: a minimal batched SPSC
 *                   ring of 16-byte items cpu0 -> cpu1, and the cache-line
 *                   round trip (which also tells the machine's state).
 *   samecore_<t>    one pthread: thread A sends a batch of 64 messages to
 *                   itself ("self") or to thread B on the same pthread
 *                   ("other"), then polls the target until they have run.
 *                   Floor: the handler called through a function pointer.
 *
 * Every figure and its floors are sampled in turns (figure, floor, figure,
 * ...) so that they see the same machine state; each value printed is the
 * median over the runs, and "_ratio" lines are the medians of the per-run
 * ratios. Lines are "name value unit"; lines starting with '#' are comments.
 *
 * The development VM flips between a "near" state (cache-line round trip
 * ~120-190 ns) and a "far" one (~460-540 ns); "_target" lines give the
 * project's goal for the state the case ran in (see doc/bench.md).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include <fnmatch.h>

#include "common/pw_common.h"

#include <stdatomic.h>

#define MAX_RUNS		32
#define SPSC_SLOTS		1024u		/* 16 KiB of 16-byte items */
#define SPSC_BATCH		32u
#define SAMECORE_BATCH		64u
#define NEAR_RTT_LIMIT_NS	320.0		/* below: "near" state */

static bool g_smoke;
static const char *g_only;	/* --only: run the cases whose name matches it */
static unsigned g_runs = 7;
static unsigned g_max_retries = 2;	/* per sample, after a preemption (0 with --smoke) */
static double g_target_s = 0.2;		/* length of one sample of a figure */

/* ---------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------- */

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort();							\
	}									\
} while (0)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling pthread, in seconds. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A pthread that spun for `wall` seconds but ran for less than this share of
 * it was preempted (other load on the machine, or the hypervisor). */
#define MIN_CPU_SHARE	0.95

/* Timing of the measured part of a sample on the main pthread. */
static bool g_preempted;	/* the last sample's pthreads were preempted */
static double g_sw_cpu;
static double g_sw_start;

static void
sw_begin(void)
{
	g_sw_cpu = cpu_s();
	g_sw_start = now_s();
}

static double
sw_end(void)
{
	double t = now_s() - g_sw_start;

	if (cpu_s() - g_sw_cpu < MIN_CPU_SHARE * t) {
		g_preempted = true;
	}
	return t;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(const double *v, unsigned n)
{
	double s[MAX_RUNS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static bool
wanted(const char *case_name)
{
	return g_only == NULL || fnmatch(g_only, case_name, 0) == 0;
}

static void
report(const char *name, double value, const char *unit)
{
	printf("%s %.2f %s\n", name, value, unit);
	fflush(stdout);
}

static void
reportf(double value, const char *unit, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
reportf(double value, const char *unit, const char *fmt, ...)
{
	char name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	report(name, value, unit);
}

/* Cpus this process may use, in order; the first two are "cpu0" and "cpu1". */
static int g_cpus[2] = { -1, -1 };

static unsigned
find_cpus(void)
{
	cpu_set_t allowed;
	unsigned n = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		return 0;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++) {
		if (CPU_ISSET(cpu, &allowed)) {
			g_cpus[n++] = cpu;
		}
	}
	return n;
}

static void
pin_self(unsigned which)
{
	cpu_set_t one;

	if (g_cpus[which] < 0) {
		return;
	}
	CPU_ZERO(&one);
	CPU_SET(g_cpus[which], &one);
	CHECK(pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0);
}

/* ---------------------------------------------------------------------------
 * Series: one quantity sampled g_runs times, in turns with the others of
 * its case.
 * ------------------------------------------------------------------------- */

/* Do n units of work; return the seconds they took (setup excluded). */
typedef double run_fn(void *ctx, uint64_t n);

struct series {
	run_fn		*fn;
	void		*ctx;
	double		share;		/* of g_target_s for one sample */
	uint64_t	n;
	double		ns[MAX_RUNS];	/* ns per unit, one per run */
};

static void
calibrate(struct series *s)
{
	double target = g_target_s * s->share, t;
	uint64_t n = 16;

	for (;;) {
		t = s->fn(s->ctx, n);
		if (t > target / 8 || n > (UINT64_C(1) << 36)) {
			break;
		}
		n *= t > 0 && target / 8 / t < 16 ? 4 : 16;
	}
	s->n = (uint64_t)((double)n * target / (t > 0 ? t : 1e-9)) + 1;
}

static long worker_preemptions(void);

/* Calibrate every series, then sample them in turns. A sample during which
 * one of our pthreads was preempted (other load on the machine) measures the
 * scheduler, not us: it is taken again, up to g_max_retries times. */
static void
run_case(const char *name, struct series *s, unsigned count)
{
	unsigned redone = 0, unclean = 0;

	for (unsigned i = 0; i < count; i++) {
		calibrate(&s[i]);
	}
	for (unsigned r = 0; r < g_runs; r++) {
		for (unsigned i = 0; i < count; i++) {
			for (unsigned attempt = 0;; attempt++) {
				long w = worker_preemptions();

				g_preempted = false;
				s[i].ns[r] = s[i].fn(s[i].ctx, s[i].n) * 1e9 / (double)s[i].n;
				if (worker_preemptions() != w) {
					g_preempted = true;
				}
				if (!g_preempted) {
					break;
				}
				if (attempt == g_max_retries) {
					unclean++;
					break;
				}
				redone++;
			}
		}
	}
	if (redone > 0 || unclean > 0) {
		printf("# %s: %u sample(s) redone after a preemption, %u of %u still preempted\n",
		       name, redone, unclean, g_runs * count);
	}
}

static double
series_median(const struct series *s)
{
	return median(s->ns, g_runs);
}

/* Median over the runs of a->ns[r] / b->ns[r]. */
static double
series_ratio(const struct series *a, const struct series *b)
{
	double v[MAX_RUNS];

	for (unsigned r = 0; r < g_runs; r++) {
		v[r] = a->ns[r] / b->ns[r];
	}
	return median(v, g_runs);
}

/* ---------------------------------------------------------------------------
 * The worker: a pthread pinned to cpu1 running one job at a time until it is
 * told to stop.
 * ------------------------------------------------------------------------- */

typedef void job_fn(void *arg);

static struct {
	pthread_t		tid;
	pthread_mutex_t		lock;
	pthread_cond_t		cond;
	job_fn			*job;
	void			*arg;
	bool			busy;
	bool			quit;
	long			preemptions;	/* jobs that were preempted */
	_Atomic bool		running PW_CACHE_ALIGNED;
	/* Read by the jobs' spin loops; alone on its line so that it stays
	 * shared-clean until main writes it. */
	_Atomic bool		stop PW_CACHE_ALIGNED;
} g_worker = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static inline bool
job_stopped(void)
{
	/* Pairs with the release store in worker_stop(). */
	return atomic_load_explicit(&g_worker.stop, memory_order_acquire);
}

static void *
worker_main(void *unused)
{
	pin_self(1);
	pthread_mutex_lock(&g_worker.lock);
	for (;;) {
		job_fn *job;
		void *arg;
		double wall, cpu;

		while (g_worker.job == NULL && !g_worker.quit) {
			pthread_cond_wait(&g_worker.cond, &g_worker.lock);
		}
		if (g_worker.job == NULL) {
			break;
		}
		job = g_worker.job;
		arg = g_worker.arg;
		pthread_mutex_unlock(&g_worker.lock);

		/* Pairs with the acquire load in worker_start(). */
		wall = now_s();
		cpu = cpu_s();
		atomic_store_explicit(&g_worker.running, true, memory_order_release);
		job(arg);
		wall = now_s() - wall;
		cpu = cpu_s() - cpu;

		pthread_mutex_lock(&g_worker.lock);
		if (cpu < MIN_CPU_SHARE * wall) {
			g_worker.preemptions++;
		}
		g_worker.job = NULL;
		g_worker.busy = false;
		pthread_cond_broadcast(&g_worker.cond);
	}
	pthread_mutex_unlock(&g_worker.lock);
	return NULL;
}

static long
worker_preemptions(void)
{
	long n;

	pthread_mutex_lock(&g_worker.lock);
	n = g_worker.preemptions;
	pthread_mutex_unlock(&g_worker.lock);
	return n;
}

static void
worker_init(void)
{
	CHECK(pthread_create(&g_worker.tid, NULL, worker_main, NULL) == 0);
}

static void
worker_fini(void)
{
	pthread_mutex_lock(&g_worker.lock);
	g_worker.quit = true;
	pthread_cond_broadcast(&g_worker.cond);
	pthread_mutex_unlock(&g_worker.lock);
	pthread_join(g_worker.tid, NULL);
}

/* Start job(arg) on cpu1 and return once it is running. */
static void
worker_start(job_fn *job, void *arg)
{
	atomic_store_explicit(&g_worker.running, false, memory_order_relaxed);
	pthread_mutex_lock(&g_worker.lock);
	g_worker.job = job;
	g_worker.arg = arg;
	g_worker.busy = true;
	pthread_cond_broadcast(&g_worker.cond);
	pthread_mutex_unlock(&g_worker.lock);
	/* Pairs with the release store in worker_main(). */
	while (!atomic_load_explicit(&g_worker.running, memory_order_acquire)) {
		spdk_pause();
	}
}

/* Ask the job to return and wait until it has. */
static void
worker_stop(void)
{
	/* Pairs with the acquire load in job_stopped(). */
	atomic_store_explicit(&g_worker.stop, true, memory_order_release);
	pthread_mutex_lock(&g_worker.lock);
	while (g_worker.busy) {
		pthread_cond_wait(&g_worker.cond, &g_worker.lock);
	}
	pthread_mutex_unlock(&g_worker.lock);
	atomic_store_explicit(&g_worker.stop, false, memory_order_relaxed);
}

/* The receivers' loop, as a reactor runs it. */
static void
poll_job(void *arg)
{
	struct spdk_thread *thread = arg;

	while (!job_stopped()) {
		spdk_thread_poll(thread, 0, 0);
	}
}

/* ---------------------------------------------------------------------------
 * Floors: cache-line round trips
 * ------------------------------------------------------------------------- */

/* One line both sides write: cpu0 stores an odd value, cpu1 answers with the
 * next even one. Two transfers of one line per round trip: the least any
 * cross-core request/response can cost. */
static struct {
	_Atomic uint64_t	turn PW_CACHE_ALIGNED;
	uint8_t			pad[SPDK_CACHE_LINE_SIZE];	/* keep the adjacent-line prefetcher out */
} g_line;

/* Two lines, each written by one side only (as a message and its reply are). */
static struct {
	_Atomic uint64_t	ping PW_CACHE_ALIGNED;	/* written by cpu0 */
	uint8_t			pad0[SPDK_CACHE_LINE_SIZE];
	_Atomic uint64_t	pong PW_CACHE_ALIGNED;	/* written by cpu1 */
	uint8_t			pad1[SPDK_CACHE_LINE_SIZE];
} g_flags;

static void
line_echo_job(void *unused)
{
	for (;;) {
		/* Pairs with the release store of an odd value in rtt_run(). */
		uint64_t v = atomic_load_explicit(&g_line.turn, memory_order_acquire);

		if (v & 1) {
			/* Pairs with the acquire load in rtt_run(). */
			atomic_store_explicit(&g_line.turn, v + 1, memory_order_release);
		} else if (job_stopped()) {
			return;
		}
	}
}

/* ns per round trip of one line; the line is even whenever no round is on. */
static double
rtt_run(void *unused, uint64_t n)
{
	uint64_t base = atomic_load_explicit(&g_line.turn, memory_order_relaxed);
	double t;

	worker_start(line_echo_job, NULL);
	sw_begin();
	for (uint64_t i = 0; i < n; i++) {
		/* Pairs with the acquire load in line_echo_job(). */
		atomic_store_explicit(&g_line.turn, base + 2 * i + 1, memory_order_release);
		/* Pairs with the release store in line_echo_job(). */
		while (atomic_load_explicit(&g_line.turn, memory_order_acquire) != base + 2 * i + 2) {
		}
	}
	t = sw_end();
	worker_stop();
	return t;
}

static void
flag_echo_job(void *unused)
{
	/* Only this job writes pong, so our copy of it is exact. */
	uint64_t mine = atomic_load_explicit(&g_flags.pong, memory_order_relaxed);

	for (;;) {
		/* Pairs with the release store of ping in rtt2_run(). */
		uint64_t v = atomic_load_explicit(&g_flags.ping, memory_order_acquire);

		if (v != mine) {
			/* Pairs with the acquire load of pong in rtt2_run(). */
			atomic_store_explicit(&g_flags.pong, v, memory_order_release);
			mine = v;
		} else if (job_stopped()) {
			return;
		}
	}
}

static double
rtt2_run(void *unused, uint64_t n)
{
	uint64_t base = atomic_load_explicit(&g_flags.ping, memory_order_relaxed);
	double t;

	worker_start(flag_echo_job, NULL);
	sw_begin();
	for (uint64_t i = 1; i <= n; i++) {
		/* Pairs with the acquire load of ping in flag_echo_job(). */
		atomic_store_explicit(&g_flags.ping, base + i, memory_order_release);
		/* Pairs with the release store of pong in flag_echo_job(). */
		while (atomic_load_explicit(&g_flags.pong, memory_order_acquire) != base + i) {
		}
	}
	t = sw_end();
	worker_stop();
	return t;
}

/* ---------------------------------------------------------------------------
 * Floor: a minimal batched SPSC ring of 16-byte items, cpu0 -> cpu1
 * ------------------------------------------------------------------------- */

struct spsc_item {
	uint64_t	a;
	uint64_t	b;
};

static struct {
	struct spsc_item	slots[SPSC_SLOTS] PW_CACHE_ALIGNED;
	_Atomic uint64_t	head PW_CACHE_ALIGNED;	/* items published by cpu0 */
	_Atomic uint64_t	tail PW_CACHE_ALIGNED;	/* items consumed by cpu1 */
	uint64_t		sink;
} g_spsc;

static void
spsc_consumer_job(void *unused)
{
	uint64_t t = atomic_load_explicit(&g_spsc.tail, memory_order_relaxed);
	uint64_t sum = 0;

	for (;;) {
		/* Pairs with the release store of head in spsc_run(). */
		uint64_t h = atomic_load_explicit(&g_spsc.head, memory_order_acquire);

		if (h == t) {
			if (job_stopped()) {
				break;
			}
			continue;
		}
		for (; t != h; t++) {
			const struct spsc_item *it = &g_spsc.slots[t % SPSC_SLOTS];

			sum += it->a ^ it->b;
		}
		/* Pairs with the acquire loads of tail in spsc_run(). */
		atomic_store_explicit(&g_spsc.tail, t, memory_order_release);
	}
	g_spsc.sink = sum;
}

static double
spsc_run(void *unused, uint64_t n)
{
	uint64_t h = atomic_load_explicit(&g_spsc.head, memory_order_relaxed);
	uint64_t t_seen = atomic_load_explicit(&g_spsc.tail, memory_order_relaxed);
	uint64_t end = h + n;
	double t;

	worker_start(spsc_consumer_job, NULL);
	sw_begin();
	while (h != end) {
		uint64_t room = SPSC_SLOTS - (h - t_seen), k;

		if (room == 0) {
			/* Pairs with the release store of tail by the consumer:
			 * the slots it read may be overwritten. */
			t_seen = atomic_load_explicit(&g_spsc.tail, memory_order_acquire);
			continue;
		}
		k = spdk_min(spdk_min(room, (uint64_t)SPSC_BATCH), end - h);
		for (uint64_t j = 0; j < k; j++) {
			struct spsc_item *it = &g_spsc.slots[(h + j) % SPSC_SLOTS];

			it->a = h + j;
			it->b = ~(h + j);
		}
		h += k;
		/* Pairs with the acquire load of head by the consumer. */
		atomic_store_explicit(&g_spsc.head, h, memory_order_release);
	}
	while (atomic_load_explicit(&g_spsc.tail, memory_order_acquire) != end) {
	}
	t = sw_end();
	worker_stop();
	return t;
}

/* ---------------------------------------------------------------------------
 * Figure: ping-pong between two spdk_threads on two cpus
 * ------------------------------------------------------------------------- */

struct pingpong {
	struct spdk_thread	*a;	/* polled by main, cpu0 */
	struct spdk_thread	*b;	/* polled by the worker, cpu1 */
	uint64_t		count;	/* round trips done; touched on a only */
	uint64_t		target;
};

static void pp_on_b(void *arg);

static void
pp_on_a(void *arg)
{
	struct pingpong *pp = arg;

	if (++pp->count < pp->target) {
		CHECK(spdk_thread_send_msg(pp->b, pp_on_b, pp) == 0);
	}
}

static void
pp_on_b(void *arg)
{
	struct pingpong *pp = arg;

	CHECK(spdk_thread_send_msg(pp->a, pp_on_a, pp) == 0);
}

static double
pingpong_run(void *ctx, uint64_t n)
{
	struct pingpong *pp = ctx;
	double t;

	pp->count = 0;
	pp->target = n;
	worker_start(poll_job, pp->b);
	sw_begin();
	CHECK(spdk_thread_send_msg(pp->b, pp_on_b, pp) == 0);
	while (pp->count < n) {
		spdk_thread_poll(pp->a, 0, 0);
	}
	t = sw_end();
	worker_stop();
	return t;
}

/* ---------------------------------------------------------------------------
 * Figure: one-way cross-core throughput with a window
 * ------------------------------------------------------------------------- */

struct oneway {
	/* sender side: main pthread only */
	struct spdk_thread	*receiver;
	struct spdk_thread	*sender;	/* for the poller variant */
	uint64_t		window;
	uint64_t		sent;
	uint64_t		target;
	bool			finished;

	/* written by the receiver's handler only, read by the sender */
	_Atomic uint64_t	completed PW_CACHE_ALIGNED;
};

static void
oneway_handler(void *arg)
{
	struct oneway *ow = arg;
	uint64_t c = atomic_load_explicit(&ow->completed, memory_order_relaxed);

	/* Pairs with the acquire loads of completed by the sender. */
	atomic_store_explicit(&ow->completed, c + 1, memory_order_release);
}

/* The sender as an untimed poller: fill the window once per call. */
static int
oneway_poller(void *arg)
{
	struct oneway *ow = arg;
	uint64_t done;

	if (ow->finished) {
		return SPDK_POLLER_IDLE;
	}
	/* Pairs with the release store in oneway_handler(). */
	done = atomic_load_explicit(&ow->completed, memory_order_acquire);
	if (done == ow->target) {
		ow->finished = true;
		return SPDK_POLLER_BUSY;
	}
	while (ow->sent < ow->target && ow->sent - done < ow->window) {
		CHECK(spdk_thread_send_msg(ow->receiver, oneway_handler, ow) == 0);
		ow->sent++;
	}
	return SPDK_POLLER_BUSY;
}

static double
oneway_poller_run(void *ctx, uint64_t n)
{
	struct oneway *ow = ctx;
	double t;

	ow->target = ow->sent + n;
	ow->finished = false;
	worker_start(poll_job, ow->receiver);
	sw_begin();
	while (!ow->finished) {
		spdk_thread_poll(ow->sender, 0, 0);
	}
	t = sw_end();
	worker_stop();
	return t;
}

/* The sender as a pthread with no spdk_thread of its own. */
static double
oneway_foreign_run(void *ctx, uint64_t n)
{
	struct oneway *ow = ctx;
	uint64_t sent = ow->sent, end = sent + n, done = sent;
	double t;

	CHECK(spdk_get_thread() == NULL);
	worker_start(poll_job, ow->receiver);
	sw_begin();
	while (sent < end) {
		if (sent - done >= ow->window) {
			/* Pairs with the release store in oneway_handler(). */
			done = atomic_load_explicit(&ow->completed, memory_order_acquire);
			continue;
		}
		CHECK(spdk_thread_send_msg(ow->receiver, oneway_handler, ow) == 0);
		sent++;
	}
	while (atomic_load_explicit(&ow->completed, memory_order_acquire) != end) {
	}
	t = sw_end();
	worker_stop();
	ow->sent = sent;
	return t;
}

/* ---------------------------------------------------------------------------
 * Figure: same-pthread throughput
 * ------------------------------------------------------------------------- */

struct samecore {
	struct spdk_thread	*from;
	struct spdk_thread	*to;
	uint64_t		count;
};

static void
samecore_handler(void *arg)
{
	(*(uint64_t *)arg)++;
}

static double
samecore_run(void *ctx, uint64_t n)
{
	struct samecore *sc = ctx;
	struct spdk_thread *orig = spdk_get_thread();
	uint64_t done = 0;
	double t;

	sc->count = 0;
	spdk_set_thread(sc->from);
	sw_begin();
	while (done < n) {
		uint64_t k = spdk_min((uint64_t)SAMECORE_BATCH, n - done);

		for (uint64_t j = 0; j < k; j++) {
			CHECK(spdk_thread_send_msg(sc->to, samecore_handler, &sc->count) == 0);
		}
		done += k;
		while (sc->count < done) {
			spdk_thread_poll(sc->to, 0, 0);
		}
	}
	t = sw_end();
	spdk_set_thread(orig);
	return t;
}

static double
indirect_call_run(void *unused, uint64_t n)
{
	spdk_msg_fn fn = samecore_handler;
	uint64_t count = 0;
	double t;

	/* Hide the target so that the call stays indirect. */
	__asm__ __volatile__("" : "+r"(fn));
	sw_begin();
	for (uint64_t i = 0; i < n; i++) {
		fn(&count);
	}
	t = sw_end();
	CHECK(count == n);
	return t;
}

/* ---------------------------------------------------------------------------
 * Cases
 * ------------------------------------------------------------------------- */

static struct spdk_thread *
make_thread(const char *name)
{
	struct spdk_thread *thread = spdk_thread_create(name, NULL);

	CHECK(thread != NULL);
	return thread;
}

static void
destroy_thread(struct spdk_thread *thread)
{
	struct spdk_thread *orig = spdk_get_thread();

	spdk_set_thread(thread);
	CHECK(spdk_thread_exit(thread) == 0);
	while (!spdk_thread_is_exited(thread)) {
		spdk_thread_poll(thread, 0, 0);
	}
	spdk_thread_destroy(thread);
	spdk_set_thread(orig);
}

static bool
state_is_near(double rtt_ns)
{
	return rtt_ns < NEAR_RTT_LIMIT_NS;
}

static void
case_pingpong(void)
{
	struct pingpong pp = { .a = make_thread("pp_a"), .b = make_thread("pp_b") };
	struct series s[3] = {
		{ .fn = pingpong_run, .ctx = &pp, .share = 1.0 },
		{ .fn = rtt_run, .share = 0.5 },
		{ .fn = rtt2_run, .share = 0.5 },
	};
	double ratio;

	run_case("pingpong", s, 3);
	ratio = series_ratio(&s[0], &s[1]);
	report("msg_pingpong_rtt_ns", series_median(&s[0]), "ns");
	report("msg_pingpong_floor_cacheline_rtt_ns", series_median(&s[1]), "ns");
	report("msg_pingpong_floor_twoline_rtt_ns", series_median(&s[2]), "ns");
	report("msg_pingpong_ratio", ratio, "x");
	report("msg_pingpong_ratio_twoline", series_ratio(&s[0], &s[2]), "x");
	report("msg_pingpong_ratio_target", 1.5, "x");
	report("msg_pingpong_ratio_twoline_target", 1.5, "x");
	printf("# pingpong: %s state, %.2fx the cache-line round trip, %.2fx the two-line one "
	       "(targets <= 1.5x)\n", state_is_near(series_median(&s[1])) ? "near" : "far", ratio,
	       series_ratio(&s[0], &s[2]));
	destroy_thread(pp.a);
	destroy_thread(pp.b);
}

static void
case_oneway(bool foreign, uint64_t window)
{
	struct oneway *ow;
	struct spdk_poller *poller = NULL;
	struct series s[3] = {
		{ .fn = foreign ? oneway_foreign_run : oneway_poller_run, .share = 1.0 },
		{ .fn = spsc_run, .share = 0.5 },
		{ .fn = rtt_run, .share = 0.25 },
	};
	const char *who = foreign ? "foreign" : "poller";
	double figure, spsc, rtt, target;
	char name[64];
	bool near;

	CHECK(posix_memalign((void **)&ow, SPDK_CACHE_LINE_SIZE, sizeof(*ow)) == 0);
	memset(ow, 0, sizeof(*ow));
	atomic_init(&ow->completed, 0);
	ow->receiver = make_thread("ow_recv");
	ow->window = window;
	if (!foreign) {
		ow->sender = make_thread("ow_send");
		spdk_set_thread(ow->sender);
		poller = spdk_poller_register(oneway_poller, ow, 0);
		CHECK(poller != NULL);
		spdk_set_thread(NULL);
	}
	s[0].ctx = ow;

	snprintf(name, sizeof(name), "xcore_%s_w%" PRIu64, who, window);
	run_case(name, s, 3);
	figure = series_median(&s[0]);
	spsc = series_median(&s[1]);
	rtt = series_median(&s[2]);
	near = state_is_near(rtt);

	reportf(1e3 / figure, "Mmsg/s", "msg_xcore_%s_w%" PRIu64 "_mmsgs", who, window);
	reportf(figure, "ns/msg", "msg_xcore_%s_w%" PRIu64 "_ns", who, window);
	reportf(1e3 / spsc, "Mitem/s", "msg_xcore_%s_w%" PRIu64 "_floor_spsc_mitems", who, window);
	reportf(rtt, "ns", "msg_xcore_%s_w%" PRIu64 "_floor_cacheline_rtt_ns", who, window);
	if (window > 1) {
		target = near ? 35.0 : 10.0;
		reportf(series_ratio(&s[0], &s[1]), "x", "msg_xcore_%s_w%" PRIu64 "_ratio_spsc",
			who, window);
		reportf(target, "Mmsg/s", "msg_xcore_%s_w%" PRIu64 "_target_mmsgs", who, window);
		printf("# xcore %s w%" PRIu64 ": %s state, %.2f M msg/s, %.0f%% of the %.0f M "
		       "target\n", who, window, near ? "near" : "far", 1e3 / figure,
		       100.0 * (1e3 / figure) / target, target);
	} else {
		/* One message in flight: each message costs a round trip. */
		reportf(series_ratio(&s[0], &s[2]), "x", "msg_xcore_%s_w%" PRIu64 "_ratio_rtt",
			who, window);
	}

	if (!foreign) {
		spdk_set_thread(ow->sender);
		spdk_poller_unregister(&poller);
		spdk_set_thread(NULL);
		destroy_thread(ow->sender);
	}
	destroy_thread(ow->receiver);
	free(ow);
}

static void
case_samecore(void)
{
	struct spdk_thread *a = make_thread("sc_a"), *b = make_thread("sc_b");
	struct samecore self = { .from = a, .to = a }, other = { .from = a, .to = b };
	struct series s[3] = {
		{ .fn = samecore_run, .ctx = &self, .share = 1.0 },
		{ .fn = samecore_run, .ctx = &other, .share = 1.0 },
		{ .fn = indirect_call_run, .share = 0.25 },
	};

	run_case("samecore", s, 3);
	report("msg_samecore_self_mmsgs", 1e3 / series_median(&s[0]), "Mmsg/s");
	report("msg_samecore_self_ns", series_median(&s[0]), "ns/msg");
	report("msg_samecore_other_mmsgs", 1e3 / series_median(&s[1]), "Mmsg/s");
	report("msg_samecore_other_ns", series_median(&s[1]), "ns/msg");
	report("msg_samecore_floor_indirect_call_mcalls", 1e3 / series_median(&s[2]), "Mcall/s");
	report("msg_samecore_floor_indirect_call_ns", series_median(&s[2]), "ns");
	report("msg_samecore_self_ratio", series_ratio(&s[0], &s[2]), "x");
	report("msg_samecore_other_ratio", series_ratio(&s[1], &s[2]), "x");
	report("msg_samecore_target_mmsgs", 31.0, "Mmsg/s");
	destroy_thread(a);
	destroy_thread(b);
}

int
main(int argc, char **argv)
{
	unsigned ncpus;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_smoke = true;
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			g_runs = (unsigned)atoi(argv[++i]);
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			g_only = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--runs N] [--only PATTERN]\n", argv[0]);
			return 2;
		}
	}
	if (g_smoke) {
		g_runs = 3;
		g_max_retries = 0;
		g_target_s = 0.01;
	}
	if (g_runs < 1 || g_runs > MAX_RUNS) {
		fprintf(stderr, "--runs must be 1..%d\n", MAX_RUNS);
		return 2;
	}

	ncpus = find_cpus();
	pin_self(0);
	if (spdk_thread_lib_init(NULL, 0) != 0) {
		fprintf(stderr, "spdk_thread_lib_init failed\n");
		return 1;
	}
	/* The first thread created becomes the app thread and lives until
	 * spdk_thread_lib_fini(): keep it out of the way. */
	destroy_thread(make_thread("app"));

	printf("# cpu0 = %d, cpu1 = %d, %u run(s) per figure, tick rate %" PRIu64 " Hz\n",
	       g_cpus[0], g_cpus[1], g_runs, spdk_get_ticks_hz());
	if (wanted("samecore")) {
		case_samecore();
	}
	if (ncpus >= 2) {
		worker_init();
		if (wanted("pingpong")) {
			case_pingpong();
		}
		if (wanted("xcore_poller_w128")) {
			case_oneway(false, 128);
		}
		if (wanted("xcore_foreign_w128")) {
			case_oneway(true, 128);
		}
		if (wanted("xcore_poller_w1")) {
			case_oneway(false, 1);
		}
		if (wanted("xcore_foreign_w1")) {
			case_oneway(true, 1);
		}
		worker_fini();
	} else {
		printf("# one usable cpu: cross-core cases skipped\n");
	}
	spdk_thread_lib_fini();
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Poller dispatch cost and timed-poller lateness, next to floors measured in
 * the same run. One spdk_thread, polled by the main pthread (pinned to the
 * first usable cpu).
 *
 *   poller_bench [--smoke] [--runs N] [--only PATTERN]
 *
 * Cases: dispatch (untimed, timed and the floor), idle_slice, lateness;
 * --only takes a shell pattern of case names (fnmatch).
 *
 *   poller_untimed_1000   1,000 untimed pollers, each increments one shared
 *                         run counter and returns SPDK_POLLER_BUSY (the
 *                         pollers of SPDK's test/event/poller_perf)
 *   poller_timed_1000     1,000 timed pollers of period 1 us doing the same
 *                         (a slice lasts longer than 1 us, so every slice
 *                         runs all of them)
 *   poller_floor_indirect the same 1,000 functions called from an array of
 *                         function pointers: the bare indirect-call cost
 *
 * Cost per poller call is measured as SPDK's poller_perf does it: the
 * thread's busy ticks (spdk_thread_get_stats(), accumulated by
 * spdk_thread_poll) divided by the poller runs in the same interval. Ticks
 * are the TSC here, reported as "cycles", and converted to ns with
 * spdk_get_ticks_hz().
 *
 *   poller_idle_slice     one spdk_thread_poll() of a thread with nothing to
 *                         do (wall time per call); floor: one
 *                         spdk_get_ticks() (a slice reads the clock twice)
 *
 *   poller_lateness       one 100 us timed poller on a thread polled in a
 *                         tight loop; each run records (tick at the start of
 *                         the callback - tick it was scheduled for); p50 and
 *                         p99 in ns
 *   poller_lateness_floor a bare loop spinning on spdk_get_ticks() until a
 *                         deadline 100 us away, recording the same difference
 *
 * Figures and floors are sampled in turns; each value printed is the median
 * over the runs. Lines are "name value unit"; '#' lines are comments.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include <fnmatch.h>

/* The lateness figure reads the scheduled tick of the poller being run. */
#include "thread/thread_internal.h"

#include "bench_util.h"

#define MAX_RUNS		32
#define NPOLLERS		1000
#define LATENESS_PERIOD_US	100

static bool g_smoke;
static const char *g_only;	/* --only: run the cases whose name matches it */
static unsigned g_runs = 7;
static unsigned g_max_retries = 2;	/* per sample, after a preemption (0 with --smoke) */
static double g_target_s = 0.3;		/* length of one dispatch sample */
static uint64_t g_lateness_samples = 5000;	/* timed-poller runs per lateness sample */
static double g_ticks_per_ns;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort();							\
	}									\
} while (0)

/* A sample whose pthread ran for less than this share of its wall time was
 * preempted (other load on the machine, or the hypervisor). */
#define MIN_CPU_SHARE	0.95

struct clean_check {
	double	wall;
	double	cpu;
};

static void
clean_begin(struct clean_check *c)
{
	c->cpu = bench_cpu_s();
	c->wall = bench_now_s();
}

static bool
clean_end(const struct clean_check *c)
{
	double wall = bench_now_s() - c->wall;

	return bench_cpu_s() - c->cpu >= MIN_CPU_SHARE * wall;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Percentile p (0..100) of v[0..n), sorting v. */
static double
percentile(uint64_t *v, uint64_t n, double p)
{
	uint64_t idx = (uint64_t)((double)(n - 1) * p / 100.0 + 0.5);

	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[idx];
}

static bool
wanted(const char *case_name)
{
	return g_only == NULL || fnmatch(g_only, case_name, 0) == 0;
}

/* ---------------------------------------------------------------------------
 * Pollers and the floor
 * ------------------------------------------------------------------------- */

/* As in SPDK's poller_perf, every poller bumps one shared run counter. */
static uint64_t g_run_count;

static int
count_poller(void *arg)
{
	g_run_count++;
	return SPDK_POLLER_BUSY;
}

struct dispatch {
	struct spdk_thread	*thread;
	struct spdk_poller	*pollers[NPOLLERS];
	uint64_t		polls;		/* spdk_thread_poll calls per sample */
	double			ticks[MAX_RUNS];	/* busy ticks per poller run */
};

/* One sample: `polls` slices; busy ticks over poller runs. */
static double
dispatch_sample(struct dispatch *d)
{
	struct spdk_thread_stats before, after;
	uint64_t runs;

	spdk_set_thread(d->thread);
	CHECK(spdk_thread_get_stats(&before) == 0);
	runs = g_run_count;
	for (uint64_t i = 0; i < d->polls; i++) {
		spdk_thread_poll(d->thread, 0, 0);
	}
	CHECK(spdk_thread_get_stats(&after) == 0);
	runs = g_run_count - runs;
	spdk_set_thread(NULL);
	CHECK(runs > 0);
	return (double)(after.busy_tsc - before.busy_tsc) / (double)runs;
}

static void
dispatch_setup(struct dispatch *d, const char *name, uint64_t period_us)
{
	memset(d, 0, sizeof(*d));
	d->thread = spdk_thread_create(name, NULL);
	CHECK(d->thread != NULL);
	spdk_set_thread(d->thread);
	for (unsigned i = 0; i < NPOLLERS; i++) {
		d->pollers[i] = spdk_poller_register(count_poller, d, period_us);
		CHECK(d->pollers[i] != NULL);
	}
	spdk_set_thread(NULL);
}

static void
dispatch_teardown(struct dispatch *d)
{
	spdk_set_thread(d->thread);
	for (unsigned i = 0; i < NPOLLERS; i++) {
		spdk_poller_unregister(&d->pollers[i]);
	}
	CHECK(spdk_thread_exit(d->thread) == 0);
	while (!spdk_thread_is_exited(d->thread)) {
		spdk_thread_poll(d->thread, 0, 0);
	}
	spdk_thread_destroy(d->thread);
	spdk_set_thread(NULL);
}

/* Pick the slice count of a sample so that it lasts about g_target_s. */
static void
dispatch_calibrate(struct dispatch *d)
{
	uint64_t t0, t1;

	d->polls = 16;
	for (;;) {
		t0 = spdk_get_ticks();
		dispatch_sample(d);
		t1 = spdk_get_ticks();
		if ((double)(t1 - t0) / g_ticks_per_ns > g_target_s * 1e9 / 8 ||
		    d->polls > (UINT64_C(1) << 30)) {
			break;
		}
		d->polls *= 4;
	}
	d->polls = (uint64_t)((double)d->polls * g_target_s * 1e9 * g_ticks_per_ns /
			      (double)(t1 - t0)) + 1;
}

struct floor_calls {
	spdk_poller_fn		fns[NPOLLERS];
	void			*args[NPOLLERS];
	uint64_t		rounds;
	double			ticks[MAX_RUNS];
};

/* One sample: `rounds` passes over the array; ticks per call. */
static double
floor_sample(struct floor_calls *f)
{
	spdk_poller_fn *fns = f->fns;
	void **args = f->args;
	uint64_t t0, t1;
	int busy = 0;

	/* The compiler must not assume it knows what the array holds. */
	__asm__ __volatile__("" : "+r"(fns), "+r"(args) : : "memory");
	t0 = spdk_get_ticks();
	for (uint64_t r = 0; r < f->rounds; r++) {
		for (unsigned i = 0; i < NPOLLERS; i++) {
			busy += fns[i](args[i]) > 0;
		}
	}
	t1 = spdk_get_ticks();
	CHECK(busy == (int)(f->rounds * NPOLLERS));
	return (double)(t1 - t0) / ((double)f->rounds * NPOLLERS);
}

static void
floor_calibrate(struct floor_calls *f)
{
	double ticks;

	f->rounds = 1;
	for (;;) {
		ticks = floor_sample(f) * (double)f->rounds * NPOLLERS;
		if (ticks / g_ticks_per_ns > g_target_s * 1e9 / 16 || f->rounds > (1u << 24)) {
			break;
		}
		f->rounds *= 4;
	}
	f->rounds = (uint64_t)((double)f->rounds * g_target_s * 0.5 * 1e9 * g_ticks_per_ns /
			       ticks) + 1;
}

static void
case_dispatch(void)
{
	struct dispatch *untimed, *timed;
	struct floor_calls *f;
	double u[MAX_RUNS], t[MAX_RUNS], fl[MAX_RUNS];
	double um, tm, fm;
	unsigned redone = 0, unclean = 0;

	untimed = calloc(1, sizeof(*untimed));
	timed = calloc(1, sizeof(*timed));
	f = calloc(1, sizeof(*f));
	CHECK(untimed != NULL && timed != NULL && f != NULL);
	dispatch_setup(untimed, "untimed", 0);
	dispatch_setup(timed, "timed", 1);
	for (unsigned i = 0; i < NPOLLERS; i++) {
		f->fns[i] = count_poller;
		f->args[i] = f;
	}

	dispatch_calibrate(untimed);
	dispatch_calibrate(timed);
	floor_calibrate(f);
	/* A preempted sample is taken again, up to g_max_retries times. */
	for (unsigned r = 0; r < g_runs; r++) {
		for (unsigned which = 0; which < 3; which++) {
			for (unsigned attempt = 0;; attempt++) {
				struct clean_check c;

				clean_begin(&c);
				switch (which) {
				case 0:
					u[r] = dispatch_sample(untimed);
					break;
				case 1:
					t[r] = dispatch_sample(timed);
					break;
				default:
					fl[r] = floor_sample(f);
					break;
				}
				if (clean_end(&c)) {
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
		printf("# dispatch: %u sample(s) redone after a preemption, %u of %u still "
		       "preempted\n", redone, unclean, 3 * g_runs);
	}
	um = bench_median(u, g_runs);
	tm = bench_median(t, g_runs);
	fm = bench_median(fl, g_runs);

	bench_report("poller_untimed_1000_cycles", um, "cycles");
	bench_report("poller_untimed_1000_ns", um / g_ticks_per_ns, "ns");
	bench_report("poller_timed_1000_cycles", tm, "cycles");
	bench_report("poller_timed_1000_ns", tm / g_ticks_per_ns, "ns");
	bench_report("poller_floor_indirect_call_cycles", fm, "cycles");
	bench_report("poller_floor_indirect_call_ns", fm / g_ticks_per_ns, "ns");
	bench_report("poller_untimed_target_ns", 2.5, "ns");
	bench_report("poller_timed_target_ns", 8.0, "ns");
	printf("# untimed %.2f ns (%.2fx the indirect call, target 2.5 ns); timed %.2f ns "
	       "(target 8 ns)\n", um / g_ticks_per_ns, um / fm, tm / g_ticks_per_ns);

	dispatch_teardown(untimed);
	dispatch_teardown(timed);
	free(untimed);
	free(timed);
	free(f);
}

/* ---------------------------------------------------------------------------
 * The cost of an idle slice
 * ------------------------------------------------------------------------- */

/* ns per spdk_thread_poll() of a thread with nothing to do. */
static double
idle_slice_sample(struct spdk_thread *thread, uint64_t n)
{
	uint64_t t0 = spdk_get_ticks();

	for (uint64_t i = 0; i < n; i++) {
		spdk_thread_poll(thread, 0, 0);
	}
	return (double)(spdk_get_ticks() - t0) / g_ticks_per_ns / (double)n;
}

/* ns per spdk_get_ticks(): a slice reads the clock twice. */
static double
get_ticks_sample(uint64_t n)
{
	uint64_t t0 = spdk_get_ticks(), sink = 0;

	for (uint64_t i = 0; i < n; i++) {
		sink += spdk_get_ticks();
	}
	__asm__ __volatile__("" : : "r"(sink));
	return (double)(spdk_get_ticks() - t0) / g_ticks_per_ns / (double)n;
}

static void
case_idle_slice(void)
{
	struct spdk_thread *thread = spdk_thread_create("idle", NULL);
	double s[MAX_RUNS], g[MAX_RUNS];
	uint64_t n = g_smoke ? 100000 : 2000000;
	unsigned redone = 0, unclean = 0;

	CHECK(thread != NULL);
	for (unsigned r = 0; r < g_runs; r++) {
		for (unsigned which = 0; which < 2; which++) {
			for (unsigned attempt = 0;; attempt++) {
				struct clean_check c;

				clean_begin(&c);
				if (which == 0) {
					s[r] = idle_slice_sample(thread, n);
				} else {
					g[r] = get_ticks_sample(n);
				}
				if (clean_end(&c)) {
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
		printf("# idle_slice: %u sample(s) redone after a preemption, %u of %u still "
		       "preempted\n", redone, unclean, 2 * g_runs);
	}
	bench_report("poller_idle_slice_ns", bench_median(s, g_runs), "ns");
	bench_report("poller_floor_get_ticks_ns", bench_median(g, g_runs), "ns");

	spdk_set_thread(thread);
	CHECK(spdk_thread_exit(thread) == 0);
	while (!spdk_thread_is_exited(thread)) {
		spdk_thread_poll(thread, 0, 0);
	}
	spdk_thread_destroy(thread);
	spdk_set_thread(NULL);
}

/* ---------------------------------------------------------------------------
 * Timed-poller lateness
 * ------------------------------------------------------------------------- */

struct lateness {
	struct spdk_poller	*poller;
	uint64_t		*samples;
	uint64_t		n;
	uint64_t		want;
};

static int
lateness_poller(void *arg)
{
	struct lateness *l = arg;
	uint64_t now = spdk_get_ticks();

	if (l->n < l->want) {
		/* run_timed() leaves next_run_tick alone while the poller runs. */
		l->samples[l->n++] = now - l->poller->next_run_tick;
	}
	return SPDK_POLLER_BUSY;
}

/* p50 and p99 of one sample of `want` runs, in ns. */
static void
lateness_sample(struct spdk_thread *thread, struct lateness *l, double *p50, double *p99)
{
	l->n = 0;
	while (l->n < l->want) {
		spdk_thread_poll(thread, 0, 0);
	}
	*p50 = percentile(l->samples, l->n, 50) / g_ticks_per_ns;
	*p99 = percentile(l->samples, l->n, 99) / g_ticks_per_ns;
}

/* The same measurement with no thread library: spin on the clock. */
static void
lateness_floor_sample(uint64_t *samples, uint64_t want, double *p50, double *p99)
{
	uint64_t period = spdk_get_ticks_hz() * LATENESS_PERIOD_US / SPDK_SEC_TO_USEC;
	uint64_t deadline = spdk_get_ticks() + period;

	for (uint64_t i = 0; i < want; i++) {
		uint64_t now;

		while ((now = spdk_get_ticks()) < deadline) {
		}
		samples[i] = spdk_get_ticks() - deadline;
		deadline = now + period;
	}
	*p50 = percentile(samples, want, 50) / g_ticks_per_ns;
	*p99 = percentile(samples, want, 99) / g_ticks_per_ns;
}

static void
case_lateness(void)
{
	struct spdk_thread *thread = spdk_thread_create("lateness", NULL);
	struct lateness l = { .want = g_lateness_samples };
	double p50[MAX_RUNS], p99[MAX_RUNS], f50[MAX_RUNS], f99[MAX_RUNS];
	uint64_t *floor_samples;
	unsigned unclean = 0, floor_unclean = 0;

	CHECK(thread != NULL);
	l.samples = calloc(l.want, sizeof(*l.samples));
	floor_samples = calloc(l.want, sizeof(*floor_samples));
	CHECK(l.samples != NULL && floor_samples != NULL);
	spdk_set_thread(thread);
	l.poller = spdk_poller_register(lateness_poller, &l, LATENESS_PERIOD_US);
	CHECK(l.poller != NULL);
	spdk_set_thread(NULL);

	/* Preemptions are what p99 is about: no sample is retaken, but the
	 * comment line says how disturbed the run was. */
	for (unsigned r = 0; r < g_runs; r++) {
		struct clean_check c;

		clean_begin(&c);
		lateness_sample(thread, &l, &p50[r], &p99[r]);
		unclean += !clean_end(&c);
		clean_begin(&c);
		lateness_floor_sample(floor_samples, l.want / 4, &f50[r], &f99[r]);
		floor_unclean += !clean_end(&c);
	}
	if (unclean > 0 || floor_unclean > 0) {
		printf("# lateness: %u of %u figure samples and %u of %u floor samples ran on a "
		       "preempted pthread\n", unclean, g_runs, floor_unclean, g_runs);
	}
	bench_report("poller_lateness_p50_ns", bench_median(p50, g_runs), "ns");
	bench_report("poller_lateness_p99_ns", bench_median(p99, g_runs), "ns");
	bench_report("poller_lateness_floor_p50_ns", bench_median(f50, g_runs), "ns");
	bench_report("poller_lateness_floor_p99_ns", bench_median(f99, g_runs), "ns");

	spdk_set_thread(thread);
	spdk_poller_unregister(&l.poller);
	CHECK(spdk_thread_exit(thread) == 0);
	while (!spdk_thread_is_exited(thread)) {
		spdk_thread_poll(thread, 0, 0);
	}
	spdk_thread_destroy(thread);
	spdk_set_thread(NULL);
	free(l.samples);
	free(floor_samples);
}

int
main(int argc, char **argv)
{
	struct spdk_thread *app;

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
		g_target_s = 0.03;
		g_lateness_samples = 1000;
	}
	if (g_runs < 1 || g_runs > MAX_RUNS) {
		fprintf(stderr, "--runs must be 1..%d\n", MAX_RUNS);
		return 2;
	}

	CHECK(bench_pin(0));
	g_ticks_per_ns = (double)spdk_get_ticks_hz() / 1e9;
	if (spdk_thread_lib_init(NULL, 0) != 0) {
		fprintf(stderr, "spdk_thread_lib_init failed\n");
		return 1;
	}
	/* The first thread becomes the app thread, which lives until
	 * spdk_thread_lib_fini(): keep it out of the measured ones. */
	app = spdk_thread_create("app", NULL);
	CHECK(app != NULL);
	spdk_set_thread(app);
	CHECK(spdk_thread_exit(app) == 0);
	while (!spdk_thread_is_exited(app)) {
		spdk_thread_poll(app, 0, 0);
	}
	spdk_thread_destroy(app);
	spdk_set_thread(NULL);

	printf("# %u run(s) per figure, tick rate %" PRIu64 " Hz\n", g_runs, spdk_get_ticks_hz());
	if (wanted("dispatch")) {
		case_dispatch();
	}
	if (wanted("idle_slice")) {
		case_idle_slice();
	}
	if (wanted("lateness")) {
		case_lateness();
	}
	spdk_thread_lib_fini();
	return 0;
}

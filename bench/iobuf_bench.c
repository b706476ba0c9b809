/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * spdk_iobuf cost, next to floors measured in the same run.
 *
 *   iobuf_bench [--smoke] [--runs N]
 *
 * Pools with SPDK's default options (8192 x 8 KiB small, 1024 x 132 KiB
 * large). Prints "name value unit" lines; times are the median of several
 * runs:
 *
 *   app_rss_kib               resident memory of an idle app (spdk_app_start on
 *                             one core, no RPC server) once its subsystems are
 *                             initialised: the "iobuf" one reserved SPDK's
 *                             default pools
 *   init_rss_kib              resident memory added by spdk_iobuf_initialize()
 *                             (what an app that never takes a buffer pays)
 *   init_vm_mib               address space it reserves
 *   first_touch_us            a get of a small buffer never used before: the
 *                             page fault of its first write (every buffer is
 *                             touched once before the figures below)
 *   cache_hit_ns              spdk_iobuf_get + spdk_iobuf_put of a small buffer
 *                             on one thread, channel cache of 128: both hit
 *   floor_tls_freelist_ns     pop + push on a bare per-thread free list
 *   cross_core_ns             a buffer got on cpu 0, passed through an SPSC
 *                             ring, put on cpu 1 by another channel (cpu 1's
 *                             cache returns batches to the pool, cpu 0's
 *                             takes batches from it); per buffer
 *   floor_cross_core_ns       the same SPSC pass of a pointer, no allocator
 *   exhausted_wait_ns         pool empty: a get that queues its entry, then a
 *                             put on the same thread that hands the buffer to
 *                             it (its callback runs); per pair
 *   floor_queue_call_ns       a FIFO insert + remove + indirect call on a
 *                             local list: the bookkeeping a waiter needs
 *
 * --smoke: about one second in all.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/init.h"
#include "spdk/log.h"
#include "spdk/thread.h"
#include "spdk/util.h"

#include <sys/wait.h>

#include "common/pw_common.h"

#include "bench_util.h"

#define SMALL_LEN	4096u
#define CACHE		128u
#define RING_SLOTS	1024u

static unsigned g_runs = 7;
static double g_target_s = 0.15;	/* length of one run */

/* Median over the runs of the time per iteration, in ns; the iteration count
 * is calibrated so that one run lasts about g_target_s. */
static double
measure(bench_loop_fn *fn, void *ctx)
{
	return bench_measure_ns(fn, ctx, g_target_s, g_runs);
}

/* Field i of /proc/self/statm (0 size, 1 resident), in bytes; exits if it
 * cannot be read. */
static uint64_t
statm_field(int i)
{
	uint64_t v[2];

	if (!bench_statm(&v[0], &v[1])) {
		fprintf(stderr, "cannot read /proc/self/statm\n");
		exit(1);
	}
	return v[i];
}

/* ---- one thread ------------------------------------------------------------------------- */

static struct spdk_iobuf_channel g_ch0;

static void
loop_cache_hit(void *ctx, uint64_t iters)
{
	(void)ctx;
	for (uint64_t i = 0; i < iters; i++) {
		void *buf = spdk_iobuf_get(&g_ch0, SMALL_LEN, NULL, NULL);

		bench_opaque(buf);
		spdk_iobuf_put(&g_ch0, buf, SMALL_LEN);
	}
}

struct node {
	struct node *next;
};

static __thread struct node *t_free_list;

static void
loop_tls_freelist(void *ctx, uint64_t iters)
{
	(void)ctx;
	for (uint64_t i = 0; i < iters; i++) {
		struct node *n = t_free_list;

		t_free_list = n->next;
		bench_opaque(n);
		n->next = t_free_list;
		t_free_list = n;
	}
}

/* ---- two cpus ---------------------------------------------------------------------------- */

struct duo {
	pthread_barrier_t	start, end;
	bool			quit;
	bool			floor;		/* pass pointers only, no allocator */
	uint64_t		iters;
	struct spdk_thread	*thread1;
	struct spdk_iobuf_channel ch1;
	void			*ring[RING_SLOTS];
	uint64_t		head PW_CACHE_ALIGNED;
	uint64_t		tail PW_CACHE_ALIGNED;
};

static void
duo_side0(struct duo *d, uint64_t iters)
{
	for (uint64_t i = 0; i < iters; i++) {
		void *buf = d->floor ? (void *)(uintptr_t)(i + 1) :
			    spdk_iobuf_get(&g_ch0, SMALL_LEN, NULL, NULL);

		if (buf == NULL) {
			fprintf(stderr, "cross_core: pool empty\n");
			exit(1);
		}
		/* Pairs with the release store of tail by side 1. */
		while (i - __atomic_load_n(&d->tail, __ATOMIC_ACQUIRE) >= RING_SLOTS) {
			bench_spin_wait();
		}
		d->ring[i % RING_SLOTS] = buf;
		/* Pairs with the acquire load of head by side 1. */
		__atomic_store_n(&d->head, i + 1, __ATOMIC_RELEASE);
	}
}

static void
duo_side1(struct duo *d, uint64_t iters)
{
	for (uint64_t pos = 0; pos < iters; pos++) {
		void *buf;

		/* Pairs with the release store of head by side 0. */
		while (__atomic_load_n(&d->head, __ATOMIC_ACQUIRE) <= pos) {
			bench_spin_wait();
		}
		buf = d->ring[pos % RING_SLOTS];
		/* Pairs with the acquire load of tail by side 0. */
		__atomic_store_n(&d->tail, pos + 1, __ATOMIC_RELEASE);
		if (d->floor) {
			bench_opaque(buf);
		} else {
			spdk_iobuf_put(&d->ch1, buf, SMALL_LEN);
		}
	}
}

static void *
duo_thread(void *arg)
{
	struct duo *d = arg;

	bench_pin(1);
	spdk_set_thread(d->thread1);
	if (spdk_iobuf_channel_init(&d->ch1, "bench", CACHE, 0) != 0) {
		exit(1);
	}
	pthread_barrier_wait(&d->end);
	for (;;) {
		pthread_barrier_wait(&d->start);
		if (d->quit) {
			break;
		}
		duo_side1(d, d->iters);
		pthread_barrier_wait(&d->end);
	}
	spdk_iobuf_channel_fini(&d->ch1);
	spdk_set_thread(NULL);
	return NULL;
}

static void
duo_loop(void *ctx, uint64_t iters)
{
	struct duo *d = ctx;

	d->iters = iters;
	d->head = 0;
	d->tail = 0;
	pthread_barrier_wait(&d->start);
	duo_side0(d, iters);
	pthread_barrier_wait(&d->end);
}

/* ---- exhaustion -------------------------------------------------------------------------- */

struct waiter {
	struct spdk_iobuf_entry	entry;
	void			*buf;
};

static struct spdk_iobuf_channel g_ch_ex;
static void **g_held;
static uint64_t g_nheld;

static void
waiter_cb(struct spdk_iobuf_entry *entry, void *buf)
{
	SPDK_CONTAINEROF(entry, struct waiter, entry)->buf = buf;
}

static void
loop_exhausted(void *ctx, uint64_t iters)
{
	struct waiter w;

	(void)ctx;
	for (uint64_t i = 0; i < iters; i++) {
		uint64_t k = i % g_nheld;

		w.buf = NULL;
		if (spdk_iobuf_get(&g_ch_ex, SMALL_LEN, &w.entry, waiter_cb) != NULL) {
			fprintf(stderr, "exhausted_wait: the pool was not empty\n");
			exit(1);
		}
		spdk_iobuf_put(&g_ch_ex, g_held[k], SMALL_LEN);
		if (w.buf != g_held[k]) {
			fprintf(stderr, "exhausted_wait: the waiter was not served\n");
			exit(1);
		}
	}
}

struct qentry {
	void (*fn)(struct qentry *e, void *buf);
	void *buf;
	STAILQ_ENTRY(qentry) link;
};

static STAILQ_HEAD(, qentry) g_q = STAILQ_HEAD_INITIALIZER(g_q);

static void
qentry_cb(struct qentry *e, void *buf)
{
	e->buf = buf;
}

static void
loop_queue_call(void *ctx, uint64_t iters)
{
	struct qentry e, *first;

	e.fn = qentry_cb;
	bench_opaque(&e);
	for (uint64_t i = 0; i < iters; i++) {
		STAILQ_INSERT_TAIL(&g_q, &e, link);
		bench_opaque(&g_q);
		first = STAILQ_FIRST(&g_q);
		STAILQ_REMOVE_HEAD(&g_q, link);
		first->fn(first, (void *)(uintptr_t)i);
	}
}

/* ---- an idle app, with and without the iobuf subsystem --------------------------------- */

static int g_app_pipe = -1;
static uint64_t g_app_rss;

/* spdk_app_start() initialised the subsystems (iobuf among them) before
 * start_fn: the idle app's RSS as every app has it. */
static void
app_start(void *arg)
{
	(void)arg;
	g_app_rss = statm_field(1);
	if (write(g_app_pipe, &g_app_rss, sizeof(g_app_rss)) != (ssize_t)sizeof(g_app_rss)) {
		exit(1);
	}
	spdk_app_stop(0);
}

/* In a child process: an app that does nothing; its RSS once its subsystems
 * are initialised. Returns false if it could not be measured. */
static bool
measure_app_rss(uint64_t *out)
{
	struct spdk_app_opts opts;
	uint64_t rss = 0;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) != 0) {
		return false;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		g_app_pipe = fds[1];
		spdk_app_opts_init(&opts, sizeof(opts));
		opts.name = "iobuf_bench_app";
		opts.reactor_mask = "0x1";
		opts.rpc_addr = NULL;
		opts.print_level = SPDK_LOG_ERROR;
		if (spdk_app_start(&opts, app_start, NULL) != 0) {
			_exit(1);
		}
		spdk_app_fini();
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &rss, sizeof(rss)) != (ssize_t)sizeof(rss)) {
		rss = 0;
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    rss == 0) {
		return false;
	}
	*out = rss;
	return true;
}

static void
finish_done(void *arg)
{
	*(bool *)arg = true;
}

int
main(int argc, char **argv)
{
	bool smoke = false;
	bool finished = false;
	struct spdk_thread *t0;
	struct spdk_iobuf_opts opts;
	struct duo *d = NULL;
	struct node nodes[64];
	uint64_t rss, vm;
	double ft;
	pthread_t t;
	cpu_set_t allowed;
	bool two_cpus;

	if (bench_parse_smoke_runs(argc, argv, &smoke, &g_runs, &g_target_s) != 0) {
		return 2;
	}
	two_cpus = sched_getaffinity(0, sizeof(allowed), &allowed) == 0 && CPU_COUNT(&allowed) >= 2;

	/* Before anything else: the child must not inherit this process's state. */
	if (measure_app_rss(&rss)) {
		bench_report("app_rss_kib", (double)rss / 1024, "KiB");
	} else {
		fprintf(stderr, "idle app: RSS not measured\n");
	}
	bench_pin(0);

	if (spdk_thread_lib_init(NULL, 0) != 0 || (t0 = spdk_thread_create("bench0", NULL)) == NULL) {
		fprintf(stderr, "thread library setup failed\n");
		return 1;
	}
	spdk_set_thread(t0);

	spdk_iobuf_get_opts(&opts, sizeof(opts));
	rss = statm_field(1);
	vm = statm_field(0);
	if (spdk_iobuf_initialize() != 0 || spdk_iobuf_register_module("bench") != 0) {
		fprintf(stderr, "iobuf setup failed\n");
		return 1;
	}
	bench_report("init_rss_kib", (double)(statm_field(1) - rss) / 1024, "KiB");
	bench_report("init_vm_mib", (double)(statm_field(0) - vm) / (1024 * 1024), "MiB");

	/* Every buffer once, so that no figure below includes the first touch
	 * of a page (a page fault each, one time per buffer; see first_touch_us). */
	if (spdk_iobuf_channel_init(&g_ch_ex, "bench", 0, 0) != 0) {
		return 1;
	}
	/* One more: the loops below store the NULL that ends them. */
	g_held = calloc(opts.small_pool_count + 1, sizeof(*g_held));
	if (g_held == NULL) {
		return 1;
	}
	ft = bench_now_s();
	while ((g_held[g_nheld] = spdk_iobuf_get(&g_ch_ex, SMALL_LEN, NULL, NULL)) != NULL) {
		g_nheld++;
	}
	ft = bench_now_s() - ft;
	for (uint64_t i = 0; i < g_nheld; i++) {
		spdk_iobuf_put(&g_ch_ex, g_held[i], SMALL_LEN);
	}
	bench_report("first_touch_us", ft * 1e6 / (double)g_nheld, "us");
	g_nheld = 0;

	if (spdk_iobuf_channel_init(&g_ch0, "bench", CACHE, 0) != 0) {
		return 1;
	}
	for (int i = 0; i < 64; i++) {
		nodes[i].next = t_free_list;
		t_free_list = &nodes[i];
	}
	bench_report("cache_hit_ns", measure(loop_cache_hit, NULL), "ns");
	bench_report("floor_tls_freelist_ns", measure(loop_tls_freelist, NULL), "ns");

	if (two_cpus) {
		if (posix_memalign((void **)&d, 64, sizeof(*d)) != 0) {
			return 1;
		}
		memset(d, 0, sizeof(*d));
		pthread_barrier_init(&d->start, NULL, 2);
		pthread_barrier_init(&d->end, NULL, 2);
		d->thread1 = spdk_thread_create("bench1", NULL);
		if (d->thread1 == NULL || pthread_create(&t, NULL, duo_thread, d) != 0) {
			return 1;
		}
		pthread_barrier_wait(&d->end);	/* its channel is open */
		bench_report("cross_core_ns", measure(duo_loop, d), "ns");
		d->floor = true;
		bench_report("floor_cross_core_ns", measure(duo_loop, d), "ns");
		d->quit = true;
		pthread_barrier_wait(&d->start);
		pthread_join(t, NULL);
	} else {
		fprintf(stderr, "one usable cpu: cross-core figures skipped\n");
	}

	/* Empty the small pool through the channel without cache. */
	while ((g_held[g_nheld] = spdk_iobuf_get(&g_ch_ex, SMALL_LEN, NULL, NULL)) != NULL) {
		g_nheld++;
	}
	bench_report("exhausted_wait_ns", measure(loop_exhausted, NULL), "ns");
	bench_report("floor_queue_call_ns", measure(loop_queue_call, NULL), "ns");
	for (uint64_t i = 0; i < g_nheld; i++) {
		spdk_iobuf_put(&g_ch_ex, g_held[i], SMALL_LEN);
	}
	free(g_held);

	spdk_iobuf_channel_fini(&g_ch_ex);
	spdk_iobuf_channel_fini(&g_ch0);
	if (d != NULL) {
		/* Its channel's release is a message on its thread. */
		spdk_set_thread(d->thread1);
		while (spdk_thread_poll(d->thread1, 0, 0) > 0) {
		}
		spdk_set_thread(t0);
	}
	spdk_iobuf_finish(finish_done, &finished);
	while (!finished) {
		spdk_thread_poll(t0, 0, 0);
	}
	spdk_thread_exit(t0);
	while (!spdk_thread_is_exited(t0)) {
		spdk_thread_poll(t0, 0, 0);
	}
	spdk_thread_destroy(t0);
	if (d != NULL) {
		spdk_set_thread(d->thread1);
		spdk_thread_exit(d->thread1);
		while (!spdk_thread_is_exited(d->thread1)) {
			spdk_thread_poll(d->thread1, 0, 0);
		}
		spdk_thread_destroy(d->thread1);
		pthread_barrier_destroy(&d->start);
		pthread_barrier_destroy(&d->end);
		free(d);
	}
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
	return 0;
}

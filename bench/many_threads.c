/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Many lightweight threads through the event framework (spdk_app_start,
 * -m 0x3): what N threads cost when 1% of them are busy and the rest idle.
 *
 *   many_threads [--smoke] [--runs R] [--big-runs R2] [--counts N1,N2,...] [--window S]
 *                [--mem-only]
 *
 * For each N (default 1000, 10000, 100000) each run forks one app (N >=
 * 100000: only the first R2 runs, default 1: its figures are the slowest to
 * get and the steadiest), which on its app thread:
 *  1. creates B = max(2, N/100) busy threads, in pairs (one pinned to core 0,
 *     one to core 1): each pair keeps 8 messages bouncing between its two
 *     threads (a message stream across the cores), and the core-0 thread of
 *     each pair has an untimed poller that counts its runs (one run per
 *     reactor iteration);
 *  2. the floor: over --window seconds (default 0.5), the busy threads'
 *     message rate and core 0's iteration time (window / poller runs), with
 *     only the busy threads alive;
 *  3. creates N - B idle threads (full mask: placed on both cores in turn),
 *     timing the spdk_thread_create() calls; sends each one message and waits
 *     until every one ran; then waits until the reactors have parked the idle
 *     threads again and given their message segments back (the message
 *     pool's segments held by queues no more than the busy threads', the
 *     app thread's and the 16 a reactor's lot keeps, 2 + 2 x B + 2 x 16; at
 *     most 5 s, after which it reads anyway and says so on stderr): the
 *     resident memory grown since before the creation (/proc/self/statm),
 *     per idle thread, is read then -- an idle thread's steady state, not
 *     the moment right after its message, which is reported apart;
 *  4. the same window as 2 with the idle threads beside the busy ones;
 *  5. a walk as the thread_get_stats RPC makes it (spdk_for_each_thread,
 *     spdk_thread_get_stats and the poller counts of every thread written as
 *     JSON into memory), timed, with the busy threads' message rate during it;
 *  6. one scheduling round with the dynamic scheduler (the idle threads of
 *     core 1 go to core 0): what its gather, balance and apply cost;
 *  7. sends every idle thread spdk_thread_exit() and times until the thread
 *     count is back where it was (the reactors destroy them).
 * Lines ("name value unit"), medians over the runs, per N:
 *   n<N>_create_us        spdk_thread_create() per idle thread
 *   n<N>_destroy_us       exit + destruction per idle thread (wall / count)
 *   n<N>_rss_per_idle_b   resident bytes per idle thread, read in the steady
 *                         state of step 3 (idle threads parked, segments given back)
 *   n<N>_iter_ns          core 0's reactor iteration with the idle threads
 *   n<N>_floor_iter_ns    the same with only the busy threads
 *   n<N>_msg_mmsgs        busy threads' messages per second (millions)
 *   n<N>_floor_msg_mmsgs  the same with only the busy threads
 *   n<N>_for_each_us      spdk_for_each_thread() over all threads, per thread
 *                         (started on the app thread after step 3)
 *   n<N>_stats_us         the thread_get_stats walk, per thread
 *   n<N>_stats_json_b     its JSON answer, bytes per thread
 *   n<N>_stats_msg_ratio  busy threads' message rate during that walk / floor
 *   n<N>_gather_ns        a scheduling round's gather, per thread (both reactors)
 *   n<N>_balance_ns       its balance (dynamic scheduler + history), per thread
 *   n<N>_apply_ns         its apply, per thread
 *   n<N>_moves            threads that round moved
 *   n<N>_rss_ran_per_idle_b  the same read as soon as every idle thread ran
 *                         its message (segments not yet given back)
 *   n<N>_segs_ran         message segments held by queues at that moment
 *   n<N>_segs_settled     ... when rss_per_idle_b is read
 *   n<N>_heap_per_idle_b  malloc's bytes in use (mallinfo2: arena + mmap'd
 *                         blocks) grown over the same span, per idle thread:
 *                         the thread structures and the id index; the rest
 *                         of rss_per_idle_b is segments, pages malloc keeps
 *                         and the reactors' arrays
 *   n<N>_chunks_before    the message pool's chunks (128 KiB mappings) mapped
 *                         before the idle threads are created
 *   n<N>_chunks_settled   ... when rss_per_idle_b is read
 *   n<N>_msg_ratio        msg / floor, per run (goal >= 0.8)
 *   n<N>_iter_ratio       iter / floor_iter, per run
 * --mem-only skips steps 4 to 6 (their fields read 0): creation, memory and
 * destruction only, a 100,000-thread run in seconds instead of minutes.
 * Comment lines (#) give each run. Exit 77 when cpus 0 and 1 are not both
 * usable.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "spdk/util.h"
#include "spdk/json.h"
#include "spdk/scheduler.h"
#include "spdk_internal/thread.h"
#include "pinwheel/thread.h"

#include "event/event_internal.h"
#include "bench_util.h"

#include <malloc.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define MAX_RUNS	15
#define MAX_COUNTS	8
#define INFLIGHT	8	/* messages per busy pair */
#define NFIELDS		21
#define PW_ALIGN	__attribute__((aligned(64)))

struct pair {
	struct spdk_thread	*a;		/* core 0 */
	struct spdk_thread	*b;		/* core 1 */
	struct spdk_poller	*poller;	/* a's counting poller */
	/* Written by a's / b's reactor only, read by the app thread at the ends
	 * of a window (relaxed: counters). */
	_Atomic uint64_t	a_msgs PW_ALIGN;
	_Atomic uint64_t	iters;
	_Atomic uint64_t	b_msgs PW_ALIGN;
};


static uint32_t g_n;
static uint32_t g_busy;
static uint32_t g_idle;
static double g_window_s = 0.5;
static bool g_mem_only;
static int g_out_fd = -1;

static struct pair *g_pairs;
static struct spdk_thread **g_idle_threads;
static struct spdk_poller *g_stage_poller;
static _Atomic bool g_stop;
static _Atomic uint64_t g_inflight;	/* messages of the pairs still bouncing */
static _Atomic uint64_t g_idle_ran;	/* idle threads that ran their message */
static uint32_t g_stage;
static double g_t0;
static uint32_t g_base_count;
static uint64_t g_msgs0, g_iters0;
/* create_us destroy_us rss iter floor_iter msg floor_msg for_each_us stats_us stats_json_b
 * stats_msg gather_ns balance_ns apply_ns moves */
static double g_res[NFIELDS];
static uint64_t g_json_bytes;
static struct spdk_json_write_ctx *g_json;
static uint64_t g_rounds0, g_moves0;
static _Atomic bool g_walk_done;
static double g_walk_t0;
static long g_rss0;
static size_t g_heap0;

/* The thread library's message pool (lib/thread, linked statically). */
size_t pw__msgq_segments_held(void);
size_t pw__msgq_chunks_mapped(void);

/* Bytes malloc has handed out and not got back. */
static size_t
heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* Resident bytes (/proc/self/statm), 0 if unknown. */
static long
rss_bytes(void)
{
	uint64_t vm, rss;

	return bench_statm(&vm, &rss) ? (long)rss : 0;
}

static void ping_b(void *arg);

static void
pong_a(void *arg)
{
	struct pair *p = arg;

	atomic_fetch_add_explicit(&p->a_msgs, 1, memory_order_relaxed);
	if (atomic_load_explicit(&g_stop, memory_order_relaxed) ||
	    spdk_thread_send_msg(p->b, ping_b, p) != 0) {
		atomic_fetch_sub(&g_inflight, 1);
	}
}

static void
ping_b(void *arg)
{
	struct pair *p = arg;

	atomic_fetch_add_explicit(&p->b_msgs, 1, memory_order_relaxed);
	if (atomic_load_explicit(&g_stop, memory_order_relaxed) ||
	    spdk_thread_send_msg(p->a, pong_a, p) != 0) {
		atomic_fetch_sub(&g_inflight, 1);
	}
}

static int
count_poll(void *arg)
{
	struct pair *p = arg;

	atomic_fetch_add_explicit(&p->iters, 1, memory_order_relaxed);
	return SPDK_POLLER_IDLE;
}

static void
start_pair(void *arg)
{
	struct pair *p = arg;

	p->poller = SPDK_POLLER_REGISTER(count_poll, p, 0);
	for (int i = 0; i < INFLIGHT; i++) {
		atomic_fetch_add(&g_inflight, 1);
		if (spdk_thread_send_msg(p->b, ping_b, p) != 0) {
			atomic_fetch_sub(&g_inflight, 1);
		}
	}
}

static void
exit_a(void *arg)
{
	struct pair *p = arg;

	spdk_poller_unregister(&p->poller);
	spdk_thread_exit(spdk_get_thread());
}

static void
exit_self(void *arg)
{
	(void)arg;
	spdk_thread_exit(spdk_get_thread());
}

static void
idle_msg(void *arg)
{
	(void)arg;
	atomic_fetch_add_explicit(&g_idle_ran, 1, memory_order_relaxed);
}

static void
walk_nop(void *ctx)
{
	(void)ctx;
}

static void
walk_done(void *ctx)
{
	(void)ctx;
	g_res[7] = (bench_now_s() - g_walk_t0) * 1e6 / (g_n > 0 ? g_n : 1);
	atomic_store(&g_walk_done, true);
}

/* The thread_get_stats RPC's work on each thread (lib/event/thread_rpc.c). */
static int
json_sink(void *ctx, const void *data, size_t size)
{
	(void)ctx;
	(void)data;
	g_json_bytes += size;
	return 0;
}

static void
stats_visit(void *ctx)
{
	struct spdk_thread *thread = spdk_get_thread();
	struct spdk_thread_stats st;
	struct spdk_cpuset mask;
	struct spdk_poller *p;
	uint64_t active = 0, timed = 0, paused = 0;

	(void)ctx;
	if (spdk_thread_get_stats(&st) != 0) {
		return;
	}
	for (p = spdk_thread_get_first_active_poller(thread); p; p = spdk_thread_get_next_active_poller(p)) {
		active++;
	}
	for (p = spdk_thread_get_first_timed_poller(thread); p; p = spdk_thread_get_next_timed_poller(p)) {
		timed++;
	}
	for (p = spdk_thread_get_first_paused_poller(thread); p; p = spdk_thread_get_next_paused_poller(p)) {
		paused++;
	}
	spdk_json_write_object_begin(g_json);
	spdk_json_write_named_string(g_json, "name", spdk_thread_get_name(thread));
	spdk_json_write_named_uint64(g_json, "id", spdk_thread_get_id(thread));
	/* As thread_rpc.c: the shared mask read, copied, formatted (no
	 * private copy per thread). */
	spdk_cpuset_copy(&mask, pw_thread_get_cpumask(thread));
	spdk_json_write_named_string(g_json, "cpumask", spdk_cpuset_fmt(&mask));
	spdk_json_write_named_uint64(g_json, "busy", st.busy_tsc);
	spdk_json_write_named_uint64(g_json, "idle", st.idle_tsc);
	spdk_json_write_named_uint64(g_json, "active_pollers_count", active);
	spdk_json_write_named_uint64(g_json, "timed_pollers_count", timed);
	spdk_json_write_named_uint64(g_json, "paused_pollers_count", paused);
	spdk_json_write_object_end(g_json);
}

static void
stats_done(void *ctx)
{
	(void)ctx;
	spdk_json_write_array_end(g_json);
	spdk_json_write_object_end(g_json);
	spdk_json_write_end(g_json);
	g_json = NULL;
	g_res[8] = (bench_now_s() - g_walk_t0) * 1e6 / (g_n > 0 ? g_n : 1);
	g_res[9] = (double)g_json_bytes / (g_n > 0 ? g_n : 1);
	atomic_store(&g_walk_done, true);
}

static uint64_t
sum_msgs(void)
{
	uint64_t s = 0;

	for (uint32_t i = 0; i < g_busy / 2; i++) {
		s += atomic_load_explicit(&g_pairs[i].a_msgs, memory_order_relaxed) +
		     atomic_load_explicit(&g_pairs[i].b_msgs, memory_order_relaxed);
	}
	return s;
}

static uint64_t
sum_iters(void)
{
	uint64_t s = 0;

	for (uint32_t i = 0; i < g_busy / 2; i++) {
		s += atomic_load_explicit(&g_pairs[i].iters, memory_order_relaxed);
	}
	return s / (g_busy / 2);	/* every pair's poller runs once per iteration of core 0 */
}

static void
fail(const char *what)
{
	fprintf(stderr, "many_threads: %s\n", what);
	spdk_poller_unregister(&g_stage_poller);
	spdk_app_stop(1);
}

static void
window_start(void)
{
	g_t0 = bench_now_s();
	g_msgs0 = sum_msgs();
	g_iters0 = sum_iters();
}

/* End of a window: its message rate and iteration time into g_res. */
static void
window_end(int msg_field, int iter_field)
{
	double secs = bench_now_s() - g_t0;
	uint64_t iters = sum_iters() - g_iters0;

	g_res[msg_field] = (double)(sum_msgs() - g_msgs0) / secs / 1e6;
	g_res[iter_field] = iters > 0 ? secs * 1e9 / (double)iters : secs * 1e9;
}

static void
create_idle(void)
{
	struct spdk_cpuset all;
	double t;
	uint32_t i;

	spdk_cpuset_zero(&all);
	spdk_cpuset_set_cpu(&all, 0, true);
	spdk_cpuset_set_cpu(&all, 1, true);
	g_base_count = spdk_thread_get_count();
	g_rss0 = rss_bytes();
	g_heap0 = heap_bytes();
	g_res[19] = (double)pw__msgq_chunks_mapped();
	t = bench_now_s();
	for (i = 0; i < g_idle; i++) {
		char name[32];

		snprintf(name, sizeof(name), "idle%u", i);
		g_idle_threads[i] = spdk_thread_create(name, &all);
		if (g_idle_threads[i] == NULL) {
			fail("spdk_thread_create failed");
			return;
		}
	}
	g_res[0] = g_idle > 0 ? (bench_now_s() - t) * 1e6 / g_idle : 0;
	for (i = 0; i < g_idle; i++) {
		if (spdk_thread_send_msg(g_idle_threads[i], idle_msg, NULL) != 0) {
			fail("spdk_thread_send_msg to an idle thread failed");
			return;
		}
	}
}

static int
stage_poll(void *arg)
{
	double t = bench_now_s();
	uint32_t i;

	(void)arg;
	switch (g_stage) {
	case 0:		/* settle with the busy threads */
		if (t - g_t0 >= 0.2) {
			window_start();
			g_stage = 1;
		}
		break;
	case 1:		/* the floor */
		if (t - g_t0 >= g_window_s) {
			window_end(6, 4);
			create_idle();
			g_stage = 2;
		}
		break;
	case 2:		/* every idle thread ran its message */
		if (atomic_load(&g_idle_ran) == g_idle) {
			g_res[15] = g_idle > 0 ? (double)(rss_bytes() - g_rss0) / g_idle : 0;
			g_res[16] = (double)pw__msgq_segments_held();
			g_t0 = t;
			g_stage = 11;
		}
		break;
	case 11:	/* the idle threads parked again, their segments given back */
		if (pw__msgq_segments_held() <= 2 + 2 * (size_t)g_busy + 2 * 16 || t - g_t0 >= 5) {
			if (t - g_t0 >= 5) {
				fprintf(stderr, "many_threads: N=%u: %zu segments still held after 5 s\n",
					g_n, pw__msgq_segments_held());
			}
			g_res[2] = g_idle > 0 ? (double)(rss_bytes() - g_rss0) / g_idle : 0;
			g_res[17] = (double)pw__msgq_segments_held();
			g_res[18] = g_idle > 0 ? ((double)heap_bytes() - (double)g_heap0) / g_idle : 0;
			g_res[20] = (double)pw__msgq_chunks_mapped();
			g_t0 = t;
			g_stage = g_mem_only ? 10 : 3;
		}
		break;
	case 3:		/* settle; spdk_for_each_thread over every thread */
		if (t - g_t0 >= 0.2) {
			g_walk_t0 = bench_now_s();
			spdk_for_each_thread(walk_nop, NULL, walk_done);
			g_stage = 7;
		}
		break;
	case 7:		/* then the window with the idle threads */
		if (atomic_load(&g_walk_done)) {
			window_start();
			g_stage = 4;
		}
		break;
	case 4:
		if (t - g_t0 >= g_window_s) {
			window_end(5, 3);
			/* The thread_get_stats walk, the busy threads running. */
			g_json_bytes = 0;
			g_json = spdk_json_write_begin(json_sink, NULL, 0);
			if (g_json == NULL) {
				fail("no JSON writer");
				return SPDK_POLLER_BUSY;
			}
			spdk_json_write_object_begin(g_json);
			spdk_json_write_named_uint64(g_json, "tick_rate", spdk_get_ticks_hz());
			spdk_json_write_named_array_begin(g_json, "threads");
			atomic_store(&g_walk_done, false);
			window_start();
			g_walk_t0 = g_t0;
			spdk_for_each_thread(stats_visit, NULL, stats_done);
			g_stage = 8;
		}
		break;
	case 8:		/* the walk is back: the rate during it; then a round */
		if (atomic_load(&g_walk_done)) {
			/* Fields 10 and 11 as scratch: 11 is set by the round. */
			window_end(10, 11);
			g_res[10] = g_res[6] > 0 ? g_res[10] / g_res[6] : 0;
			if (spdk_scheduler_set("dynamic") != 0) {
				fail("cannot select the dynamic scheduler");
				return SPDK_POLLER_BUSY;
			}
			g_rounds0 = pw__scheduler_rounds_done();
			g_moves0 = pw__scheduler_moves_applied();
			if (pw__scheduler_round_start(spdk_reactor_get(
							      spdk_scheduler_get_scheduling_lcore())) != 0) {
				fail("cannot start a scheduling round");
				return SPDK_POLLER_BUSY;
			}
			g_stage = 9;
		}
		break;
	case 9:		/* the round is over */
		if (pw__scheduler_rounds_done() > g_rounds0) {
			uint64_t gt, bt, at;
			double per = spdk_get_ticks_hz() / 1e9 * (g_n > 0 ? g_n : 1);

			pw__scheduler_round_costs(&gt, &bt, &at);
			g_res[11] = gt / per;
			g_res[12] = bt / per;
			g_res[13] = at / per;
			g_res[14] = (double)(pw__scheduler_moves_applied() - g_moves0);
			/* No more rounds, the moves settle. */
			spdk_scheduler_set("static");
			g_t0 = bench_now_s();
			g_stage = 10;
		}
		break;
	case 10:
		if (t - g_t0 >= 0.2) {
			g_t0 = bench_now_s();
			for (i = 0; i < g_idle; i++) {
				if (spdk_thread_send_msg(g_idle_threads[i], exit_self, NULL) != 0) {
					fail("cannot send exit to an idle thread");
					return SPDK_POLLER_BUSY;
				}
			}
			g_stage = 5;
		}
		break;
	case 5:		/* the idle threads are destroyed */
		if (spdk_thread_get_count() <= g_base_count) {
			char line[1024];
			int len;

			g_res[1] = g_idle > 0 ? (bench_now_s() - g_t0) * 1e6 / g_idle : 0;
			len = 0;
			for (i = 0; i < NFIELDS; i++) {
				len += snprintf(line + len, sizeof(line) - (size_t)len, "%f ", g_res[i]);
			}
			line[len - 1] = '\n';
			if (write(g_out_fd, line, (size_t)len) != len) {
				fprintf(stderr, "many_threads: could not report\n");
			}
			atomic_store(&g_stop, true);
			g_stage = 6;
		}
		break;
	case 6:		/* the pairs' messages have stopped bouncing */
		if (atomic_load(&g_inflight) == 0) {
			for (i = 0; i < g_busy / 2; i++) {
				spdk_thread_send_msg(g_pairs[i].a, exit_a, &g_pairs[i]);
				spdk_thread_send_msg(g_pairs[i].b, exit_self, NULL);
			}
			spdk_poller_unregister(&g_stage_poller);
			spdk_app_stop(0);
		}
		break;
	}
	return SPDK_POLLER_BUSY;
}

static void
app_start(void *arg)
{
	struct spdk_cpuset c0, c1;

	(void)arg;
	spdk_cpuset_zero(&c0);
	spdk_cpuset_set_cpu(&c0, 0, true);
	spdk_cpuset_zero(&c1);
	spdk_cpuset_set_cpu(&c1, 1, true);
	for (uint32_t i = 0; i < g_busy / 2; i++) {
		struct pair *p = &g_pairs[i];
		char name[32];

		snprintf(name, sizeof(name), "busy%ua", i);
		p->a = spdk_thread_create(name, &c0);
		snprintf(name, sizeof(name), "busy%ub", i);
		p->b = spdk_thread_create(name, &c1);
		if (p->a == NULL || p->b == NULL) {
			fail("cannot create the busy threads");
			return;
		}
		spdk_thread_send_msg(p->a, start_pair, p);
	}
	g_t0 = bench_now_s();
	g_stage_poller = SPDK_POLLER_REGISTER(stage_poll, NULL, 1000);
}

/* One app for N threads in a child process; false when it failed. */
static bool
run_app(uint32_t n, double *res)
{
	char buf[1024];
	ssize_t r, got = 0;
	int fds[2], status;
	uint32_t parsed;
	pid_t pid;

	if (pipe(fds) != 0) {
		perror("many_threads: pipe");
		return false;
	}
	pid = fork();
	if (pid < 0) {
		perror("many_threads: fork");
		return false;
	}
	if (pid == 0) {
		struct spdk_app_opts opts;
		int rc;

		close(fds[0]);
		g_out_fd = fds[1];
		g_n = n;
		g_busy = spdk_max(2u, n / 100) & ~1u;
		g_idle = n - g_busy;
		g_pairs = calloc(g_busy / 2, sizeof(*g_pairs));
		g_idle_threads = calloc(g_idle + 1, sizeof(*g_idle_threads));
		if (g_pairs == NULL || g_idle_threads == NULL) {
			_exit(1);
		}
		spdk_app_opts_init(&opts, sizeof(opts));
		opts.name = "many_threads";
		opts.reactor_mask = "0x3";
		opts.rpc_addr = NULL;
		opts.print_level = SPDK_LOG_WARN;
		rc = spdk_app_start(&opts, app_start, NULL);
		spdk_app_fini();
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	while ((r = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0) {
		got += r;
	}
	close(fds[0]);
	buf[got] = '\0';
	{
		char *p = buf, *end;

		for (parsed = 0; parsed < NFIELDS; parsed++) {
			res[parsed] = strtod(p, &end);
			if (end == p) {
				break;
			}
			p = end;
		}
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    parsed != NFIELDS) {
		fprintf(stderr, "many_threads: the app for N=%u failed (status %d, said \"%s\")\n",
			n, status, buf);
		return false;
	}
	return true;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--smoke] [--runs R (1..%d)] [--big-runs R2 (runs for N >= 100000, "
		"default 1)] [--counts N1,N2,... (2..10000000, at most %d)] [--window S] "
		"[--mem-only]\n", prog,
		MAX_RUNS, MAX_COUNTS);
}

int
main(int argc, char **argv)
{
	uint32_t counts[MAX_COUNTS] = {1000, 10000, 100000}, ncounts = 3, runs = 3, big_runs = 1;
	uint32_t done[MAX_COUNTS] = { 0 };
	double v[MAX_COUNTS][NFIELDS + 2][MAX_RUNS];
	static const char *names[NFIELDS + 2] = {
		"create_us", "destroy_us", "rss_per_idle_b", "iter_ns", "floor_iter_ns",
		"msg_mmsgs", "floor_msg_mmsgs", "for_each_us", "stats_us", "stats_json_b",
		"stats_msg_ratio", "gather_ns", "balance_ns", "apply_ns", "moves",
		"rss_ran_per_idle_b", "segs_ran", "segs_settled", "heap_per_idle_b",
		"chunks_before", "chunks_settled",
		"msg_ratio", "iter_ratio"
	};
	static const char *units[NFIELDS + 2] = {
		"us", "us", "B", "ns", "ns", "Mmsgs/s", "Mmsgs/s", "us", "us", "B", "x", "ns", "ns",
		"ns", "threads", "B", "segments", "segments", "B", "chunks", "chunks", "x", "x"
	};
	/* Decimals: sizes and times in ns need none. */
	static const int decimals[NFIELDS + 2] = { 3, 3, 0, 0, 0, 3, 3, 3, 3, 0, 3, 1, 1, 1, 0, 0, 0, 0,
						    0, 0, 0, 3, 3 };
	cpu_set_t set;
	uint32_t i, k, c;

	for (i = 1; i < (uint32_t)argc; i++) {
		const char *a = argv[i], *val = i + 1 < (uint32_t)argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--mem-only") == 0) {
			g_mem_only = true;
			continue;
		}
		if (strcmp(a, "--smoke") == 0) {
			runs = 1;
			counts[0] = 200;
			ncounts = 1;
			g_window_s = 0.1;
			continue;
		}
		if (val == NULL) {
			usage(argv[0]);
			return 2;
		}
		i++;
		if (strcmp(a, "--runs") == 0) {
			runs = (uint32_t)atoi(val);
		} else if (strcmp(a, "--big-runs") == 0) {
			big_runs = (uint32_t)atoi(val);
		} else if (strcmp(a, "--window") == 0) {
			g_window_s = atof(val);
		} else if (strcmp(a, "--counts") == 0) {
			char *dup = strdup(val), *tok, *save = NULL;

			ncounts = 0;
			for (tok = strtok_r(dup, ",", &save); tok != NULL && ncounts < MAX_COUNTS;
			     tok = strtok_r(NULL, ",", &save)) {
				counts[ncounts++] = (uint32_t)strtoul(tok, NULL, 10);
			}
			free(dup);
		} else {
			usage(argv[0]);
			return 2;
		}
	}
	for (c = 0; c < ncounts; c++) {
		if (counts[c] < 2 || counts[c] > 10000000) {
			usage(argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS || big_runs < 1 || ncounts == 0 || g_window_s <= 0) {
		usage(argv[0]);
		return 2;
	}
	if (sched_getaffinity(0, sizeof(set), &set) != 0 || !CPU_ISSET(0, &set) ||
	    !CPU_ISSET(1, &set)) {
		printf("# cpus 0 and 1 are not both usable: skipped\n");
		return 77;
	}
	printf("# -m 0x3; 1%% busy (pairs across the cores, %d messages bouncing each), the rest "
	       "idle (one message each); window %.2f s\n", INFLIGHT, g_window_s);
	/* Runs outermost: a change of the machine's state spreads over every N. */
	for (k = 0; k < runs; k++) {
		for (c = 0; c < ncounts; c++) {
			double res[NFIELDS];
			uint32_t d = done[c];

			if (counts[c] >= 100000 && k >= big_runs) {
				continue;
			}
			if (!run_app(counts[c], res)) {
				return 1;
			}
			for (i = 0; i < NFIELDS; i++) {
				v[c][i][d] = res[i];
			}
			v[c][NFIELDS][d] = res[6] > 0 ? res[5] / res[6] : 0;
			v[c][NFIELDS + 1][d] = res[4] > 0 ? res[3] / res[4] : 0;
			done[c]++;
			printf("# run %u N=%u: create %.2f us, destroy %.2f us, %.0f B/idle thread, "
			       "iteration %.0f ns (floor %.0f), busy %.3f Mmsgs/s (floor %.3f), "
			       "for_each %.3f us/thread, thread_get_stats walk %.3f us/thread (%.0f B "
			       "of JSON each, busy rate %.2f of the floor meanwhile), round: gather "
			       "%.1f ns/thread, balance %.1f, apply %.1f (%.0f moves); RSS %.0f B/idle "
			       "thread as soon as all ran (%.0f segments held, %.0f once settled), "
			       "malloc %.0f B/idle thread; message pool chunks %.0f before, %.0f "
			       "settled\n", k + 1,
			       counts[c], res[0], res[1], res[2], res[3], res[4], res[5], res[6], res[7],
			       res[8], res[9], res[10], res[11], res[12], res[13], res[14], res[15],
			       res[16], res[17], res[18], res[19], res[20]);
			fflush(stdout);
		}
	}
	for (c = 0; c < ncounts; c++) {
		for (i = 0; i < NFIELDS + 2; i++) {
			printf("n%u_%s %.*f %s\n", counts[c], names[i], decimals[i],
			       bench_median(v[c][i], done[c]), units[i]);
		}
	}
	return 0;
}

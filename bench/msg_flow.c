/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * msg_flow [--smoke] [-N RUNS] [-T MS] [SPDK app options, e.g. -m 0x3]: cross-core
 * messages the way request/response traffic paces them, under spdk_app_start()
 * on two cores, next to the cache-line floors of the same run.
 *
 * Written against SPDK's public API only (spdk/event.h, spdk/thread.h,
 * spdk/env.h), so that the same source builds on SPDK for a side-by-side
 * comparison (bench/report.py does so when given SPDK's env.sh).
 *
 * The app runs on -m 0x3 (the default mask here). The app thread and a sender
 * spdk_thread are on core 0, a receiver spdk_thread on core 1 (placed by
 * their cpumasks). Each run takes, in turns (so that they see the same state
 * of the machine):
 *
 *   floor_twoline   the app thread's handler (core 0) and an event that spins
 *                   on core 1 echo a counter through two cache lines, each
 *                   written by one side only (the shape of a message and its
 *                   reply): ns per round trip (bench/cacheline_pingpong's
 *                   method, with two lines).
 *   floor_cacheline the same with one line both sides write.
 *   flow            the sender keeps 128 messages in flight to the receiver;
 *                   the receiver answers with one credit message per 32
 *                   received; the sender, inside that credit message's
 *                   handler, sends the next 32. For MS milliseconds, then
 *                   the window drains. Throughput in messages per second,
 *                   and the sender's cost of one spdk_thread_send_msg()
 *                   (ticks around each burst of 32 sends / 32).
 *   pingpong        the sender sends one message to the receiver, whose
 *                   handler sends one back, whose handler sends again: ns
 *                   per round trip.
 *
 * --pingpong-only runs the ping-pong alone (to profile it).
 *
 * Each value printed is the median over the runs; "_ratio" lines are medians
 * of the per-run ratios. Lines are "name value unit"; '#' lines are comments.
 * Exits 77 when two cpus are not available.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"

#include <stdatomic.h>

#define WINDOW		128u
#define CREDIT_EVERY	32u
#define MAX_RUNS	32
#define LINE		128	/* a line and its adjacent-line prefetch partner */

static unsigned g_runs = 7;
static unsigned g_ms = 200;
static bool g_smoke;
static bool g_pp_only;	/* --pingpong-only: for profiling the ping-pong path */
static int g_rc;

static struct spdk_thread *g_app, *g_sender, *g_receiver;
static uint64_t g_hz;
static unsigned g_run;	/* current run */

static double g_flow_ns[MAX_RUNS], g_send_ns[MAX_RUNS], g_pp_ns[MAX_RUNS];
static double g_two_ns[MAX_RUNS], g_one_ns[MAX_RUNS];

/* Under load (other processes on the cpus), a whole sample includes the
 * times either side was descheduled. Each sample is also cut into windows of
 * WIN_ROUNDS round trips: the 10th percentile over the windows of all runs
 * is printed as a comment, for comparisons made on a loaded machine. */
#define WIN_ROUNDS	64u
#define MAX_WINS	(1u << 16)
static double g_pp_win[MAX_WINS], g_two_win[MAX_WINS];
static unsigned g_pp_nwin, g_two_nwin;

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort();							\
	}									\
} while (0)

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

static double
median_ratio(const double *a, const double *b, unsigned n)
{
	double v[MAX_RUNS];

	for (unsigned i = 0; i < n; i++) {
		v[i] = a[i] / b[i];
	}
	return median(v, n);
}

static double
percentile(double *v, unsigned n, double p)
{
	if (n == 0) {
		return 0;
	}
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(unsigned)(p * (n - 1))];
}

static double
ticks_ns(uint64_t ticks)
{
	return (double)ticks * 1e9 / (double)g_hz;
}

static void next_step(void *arg);

/* ---------------------------------------------------------------------------
 * Floors: one event spinning on core 1, the app thread's handler on core 0
 * ------------------------------------------------------------------------- */

static struct {
	_Atomic uint64_t	ping __attribute__((aligned(LINE)));	/* written by core 0 */
	_Atomic uint64_t	pong __attribute__((aligned(LINE)));	/* written by core 1 */
	_Atomic uint64_t	turn __attribute__((aligned(LINE)));	/* written by both */
	_Atomic int		mode __attribute__((aligned(LINE)));	/* 0 idle, 1 two lines, 2 one line, 3 stop */
	_Atomic bool		echoing;
} g_fl;

/* Runs on core 1 until told to stop; blocks its reactor meanwhile. */
static void
echo_event(void *arg1, void *arg2)
{
	uint64_t mine = atomic_load_explicit(&g_fl.pong, memory_order_relaxed);
	int mode;

	/* Pairs with the acquire load in floor_measure(). */
	atomic_store_explicit(&g_fl.echoing, true, memory_order_release);
	while ((mode = atomic_load_explicit(&g_fl.mode, memory_order_acquire)) != 3) {
		if (mode == 1) {
			/* Pairs with the release store of ping in floor_measure(). */
			uint64_t v = atomic_load_explicit(&g_fl.ping, memory_order_acquire);

			if (v != mine) {
				/* Pairs with the acquire load of pong in floor_measure(). */
				atomic_store_explicit(&g_fl.pong, v, memory_order_release);
				mine = v;
			}
		} else if (mode == 2) {
			/* Pairs with the release store of an odd value in floor_measure(). */
			uint64_t v = atomic_load_explicit(&g_fl.turn, memory_order_acquire);

			if (v & 1) {
				atomic_store_explicit(&g_fl.turn, v + 1, memory_order_release);
			}
		}
	}
	atomic_store_explicit(&g_fl.echoing, false, memory_order_release);
}

static double
floor_rounds(int mode, uint64_t n, bool record)
{
	uint64_t t0, base;

	/* Pairs with the acquire load of mode in echo_event(). */
	atomic_store_explicit(&g_fl.mode, mode, memory_order_release);
	t0 = spdk_get_ticks();
	if (mode == 1) {
		uint64_t tw = t0, now;

		base = atomic_load_explicit(&g_fl.ping, memory_order_relaxed);
		for (uint64_t i = 1; i <= n; i++) {
			atomic_store_explicit(&g_fl.ping, base + i, memory_order_release);
			while (atomic_load_explicit(&g_fl.pong, memory_order_acquire) != base + i) {
			}
			if (record && i % WIN_ROUNDS == 0 && g_two_nwin < MAX_WINS) {
				now = spdk_get_ticks();
				g_two_win[g_two_nwin++] = ticks_ns(now - tw) / WIN_ROUNDS;
				tw = now;
			}
		}
	} else {
		base = atomic_load_explicit(&g_fl.turn, memory_order_relaxed);
		for (uint64_t i = 0; i < n; i++) {
			atomic_store_explicit(&g_fl.turn, base + 2 * i + 1, memory_order_release);
			while (atomic_load_explicit(&g_fl.turn, memory_order_acquire) != base + 2 * i + 2) {
			}
		}
	}
	return ticks_ns(spdk_get_ticks() - t0) / (double)n;
}

/* On the app thread (core 0), once the echo event runs: the floors. A
 * message of its own, not floor_measure() itself: an event called from a
 * callback may be published only when the callback (or its slice) is over
 * (Pinwheel stages it), so a callback must not wait for it. */
static void
floor_run(void *arg)
{
	uint64_t n = g_smoke ? 2000 : 20000;

	/* Pairs with the release store in echo_event(). */
	while (!atomic_load_explicit(&g_fl.echoing, memory_order_acquire)) {
	}
	floor_rounds(1, n / 10, false);	/* warm up */
	g_two_ns[g_run] = floor_rounds(1, n, true);
	g_one_ns[g_run] = floor_rounds(2, n, false);
	atomic_store_explicit(&g_fl.mode, 3, memory_order_release);
	while (atomic_load_explicit(&g_fl.echoing, memory_order_acquire)) {
	}
	next_step(NULL);
}

/* On the app thread (core 0). */
static void
floor_measure(void *arg)
{
	struct spdk_event *ev = spdk_event_allocate(1, echo_event, NULL, NULL);

	CHECK(ev != NULL);
	atomic_store_explicit(&g_fl.mode, 0, memory_order_relaxed);
	spdk_event_call(ev);
	CHECK(spdk_thread_send_msg(g_app, floor_run, NULL) == 0);
}

/* ---------------------------------------------------------------------------
 * Flow-controlled one-way traffic
 * ------------------------------------------------------------------------- */

static struct {
	/* sender (core 0) */
	uint64_t	sent;
	uint64_t	credits;	/* credit messages received */
	uint64_t	start, deadline, end;
	uint64_t	send_ticks;	/* inside the bursts of sends */
	bool		stopping;
	/* receiver (core 1), on its own line */
	uint64_t	received __attribute__((aligned(LINE)));
} g_flow;

static void flow_credit(void *arg);

static void
flow_msg(void *arg)
{
	if (++g_flow.received % CREDIT_EVERY == 0) {
		CHECK(spdk_thread_send_msg(g_sender, flow_credit, NULL) == 0);
	}
}

static void
send_burst(void)
{
	uint64_t t0 = spdk_get_ticks();

	for (unsigned i = 0; i < CREDIT_EVERY; i++) {
		CHECK(spdk_thread_send_msg(g_receiver, flow_msg, NULL) == 0);
	}
	g_flow.send_ticks += spdk_get_ticks() - t0;
	g_flow.sent += CREDIT_EVERY;
}

static void
flow_credit(void *arg)
{
	uint64_t now;

	g_flow.credits++;
	if (!g_flow.stopping) {
		now = spdk_get_ticks();
		if (now >= g_flow.deadline) {
			g_flow.stopping = true;
		} else {
			send_burst();
			return;
		}
	}
	if (g_flow.credits * CREDIT_EVERY == g_flow.sent) {
		g_flow.end = spdk_get_ticks();
		g_flow_ns[g_run] = ticks_ns(g_flow.end - g_flow.start) / (double)g_flow.sent;
		g_send_ns[g_run] = ticks_ns(g_flow.send_ticks) / (double)g_flow.sent;
		CHECK(spdk_thread_send_msg(g_app, next_step, NULL) == 0);
	}
}

/* On the sender. */
static void
flow_start(void *arg)
{
	g_flow.sent = 0;
	g_flow.credits = 0;
	g_flow.send_ticks = 0;
	g_flow.stopping = false;
	g_flow.start = spdk_get_ticks();
	g_flow.deadline = g_flow.start + g_hz * g_ms / 1000;
	for (unsigned i = 0; i < WINDOW / CREDIT_EVERY; i++) {
		send_burst();
	}
}

/* ---------------------------------------------------------------------------
 * Ping-pong
 * ------------------------------------------------------------------------- */

static struct {
	uint64_t	count, start, deadline, win;
} g_pp;

static void pp_on_receiver(void *arg);

static void
pp_on_sender(void *arg)
{
	uint64_t now;

	g_pp.count++;
	if ((g_pp.count & (WIN_ROUNDS - 1)) == 0) {
		now = spdk_get_ticks();
		if (g_pp_nwin < MAX_WINS) {
			g_pp_win[g_pp_nwin++] = ticks_ns(now - g_pp.win) / WIN_ROUNDS;
		}
		g_pp.win = now;
		if (now >= g_pp.deadline) {
			g_pp_ns[g_run] = ticks_ns(now - g_pp.start) / (double)g_pp.count;
			CHECK(spdk_thread_send_msg(g_app, next_step, NULL) == 0);
			return;
		}
	}
	CHECK(spdk_thread_send_msg(g_receiver, pp_on_receiver, NULL) == 0);
}

static void
pp_on_receiver(void *arg)
{
	CHECK(spdk_thread_send_msg(g_sender, pp_on_sender, NULL) == 0);
}

/* On the sender. */
static void
pp_start(void *arg)
{
	g_pp.count = 0;
	g_pp.start = spdk_get_ticks();
	g_pp.win = g_pp.start;
	g_pp.deadline = g_pp.start + g_hz * g_ms / 2000;
	CHECK(spdk_thread_send_msg(g_receiver, pp_on_receiver, NULL) == 0);
}

/* ---------------------------------------------------------------------------
 * The sequence, driven from the app thread
 * ------------------------------------------------------------------------- */

static unsigned g_step;	/* within a run: 0 floors, 1 flow, 2 pingpong */

static void
thread_exit_msg(void *arg)
{
	spdk_thread_exit(spdk_get_thread());
}

static void
report(void)
{
	double flow = median(g_flow_ns, g_runs), two = median(g_two_ns, g_runs);
	double pp = median(g_pp_ns, g_runs);

	printf("# %u run(s) of %u ms, window %u, one credit per %u, tick rate %" PRIu64 " Hz\n",
	       g_runs, g_ms, WINDOW, CREDIT_EVERY, g_hz);
	printf("msg_flow_mmsgs %.2f Mmsg/s\n", 1e3 / flow);
	printf("msg_flow_ns %.2f ns/msg\n", flow);
	printf("msg_flow_send_ns %.2f ns\n", median(g_send_ns, g_runs));
	printf("msg_flow_floor_twoline_rtt_ns %.2f ns\n", two);
	printf("msg_flow_floor_cacheline_rtt_ns %.2f ns\n", median(g_one_ns, g_runs));
	/* Messages per two-line round trip: how many a cache-line exchange carries. */
	printf("msg_flow_per_twoline_rtt %.2f msg\n", median_ratio(g_two_ns, g_flow_ns, g_runs));
	printf("msg_flow_pingpong_rtt_ns %.2f ns\n", pp);
	printf("msg_flow_pingpong_ratio_twoline %.2f x\n", median_ratio(g_pp_ns, g_two_ns, g_runs));
	printf("msg_flow_pingpong_ratio_twoline_target 1.50 x\n");
	{
		double pw = percentile(g_pp_win, g_pp_nwin, 0.1);
		double tw = percentile(g_two_win, g_two_nwin, 0.1);

		printf("# 10th percentile of %u-round-trip windows (for a loaded machine): "
		       "ping-pong %.1f ns, two-line floor %.1f ns, ratio %.2f\n", WIN_ROUNDS, pw, tw,
		       tw > 0 ? pw / tw : 0);
	}
	fflush(stdout);
}

static void
next_step(void *arg)
{
	if (g_pp_only && g_step < 2) {
		g_step = 2;
	}
	switch (g_step++) {
	case 0:
		floor_measure(NULL);
		return;
	case 1:
		CHECK(spdk_thread_send_msg(g_sender, flow_start, NULL) == 0);
		return;
	case 2:
		CHECK(spdk_thread_send_msg(g_sender, pp_start, NULL) == 0);
		return;
	default:
		break;
	}
	g_step = 0;
	if (++g_run < g_runs) {
		next_step(NULL);
		return;
	}
	if (!g_pp_only) {
		report();
	} else {
		printf("msg_flow_pingpong_rtt_ns %.2f ns\n", median(g_pp_ns, g_runs));
	}
	CHECK(spdk_thread_send_msg(g_sender, thread_exit_msg, NULL) == 0);
	CHECK(spdk_thread_send_msg(g_receiver, thread_exit_msg, NULL) == 0);
	spdk_app_stop(g_rc);
}

static void
start_fn(void *arg)
{
	struct spdk_cpuset mask;

	g_hz = spdk_get_ticks_hz();
	g_app = spdk_get_thread();
	if (spdk_env_get_core_count() < 2 || spdk_env_get_first_core() != 0 ||
	    spdk_env_get_next_core(0) != 1) {
		fprintf(stderr, "msg_flow: needs cores 0 and 1 (-m 0x3)\n");
		g_rc = 77;
		spdk_app_stop(77);
		return;
	}
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 0, true);
	g_sender = spdk_thread_create("flow_sender", &mask);
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 1, true);
	g_receiver = spdk_thread_create("flow_receiver", &mask);
	CHECK(g_sender != NULL && g_receiver != NULL);
	/* Placement is asynchronous: start once both are on their cores. */
	next_step(NULL);
}

static int
parse_arg(int ch, char *arg)
{
	switch (ch) {
	case 'N':
		g_runs = (unsigned)atoi(arg);
		return g_runs >= 1 && g_runs <= MAX_RUNS ? 0 : -EINVAL;
	case 'T':
		g_ms = (unsigned)atoi(arg);
		return g_ms >= 1 ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

static void
usage(void)
{
	printf(" -N RUNS   runs (default 7)\n -T MS     length of a flow sample (default 200)\n"
	       " --smoke   3 short runs\n"
	       " --pingpong-only   the ping-pong alone (for profiling; no floors, no report)\n");
}

int
main(int argc, char **argv)
{
	struct spdk_app_opts opts = {};
	cpu_set_t allowed;
	char *args[64];
	int n = 0, rc;
	bool mask_given = false;

	for (int i = 0; i < argc && n < 60; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_smoke = true;
			continue;
		}
		if (strcmp(argv[i], "--pingpong-only") == 0) {
			g_pp_only = true;
			continue;
		}
		if (strcmp(argv[i], "-m") == 0 || strncmp(argv[i], "--cpumask", 9) == 0) {
			mask_given = true;
		}
		args[n++] = argv[i];
	}
	if (!mask_given) {
		args[n++] = "-m";
		args[n++] = "0x3";
	}
	args[n] = NULL;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0 || !CPU_ISSET(0, &allowed) ||
	    !CPU_ISSET(1, &allowed)) {
		printf("# cpus 0 and 1 are not both usable: skipped\n");
		return 77;
	}
	if (g_smoke) {
		g_runs = 3;
		g_ms = 20;
	}
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "msg_flow";
	opts.rpc_addr = NULL;
	rc = spdk_app_parse_args(n, args, &opts, "N:T:", NULL, parse_arg, usage);
	if (rc != SPDK_APP_PARSE_ARGS_SUCCESS) {
		return rc == SPDK_APP_PARSE_ARGS_HELP ? 0 : 2;
	}
	rc = spdk_app_start(&opts, start_fn, NULL);
	spdk_app_fini();
	return rc;
}

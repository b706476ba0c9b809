/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * How long a sleeping reactor takes to wake, next to the kernel's floor.
 *
 *   wakeup_latency [--smoke] [--rounds N] [--samples N] [--late-seconds S]
 *                  [--load-seconds L]
 *
 * Every round runs two apps (spdk_app_start() on cores 0 and 1, -m 0x3), then
 * a timer floor:
 *   msg_sleeping   reactors sleep (the default). The app thread (core 0) sends
 *                  a message stamped with spdk_get_ticks() to a thread on
 *                  core 1; its handler records now - stamp. A sample is sent
 *                  only when core 1's reactor is asleep (its waker's sleeping
 *                  flag is up) and the previous one has run; a timed poller
 *                  on the app thread (the pacer) tries every GAP_US. The
 *                  handler also checks that the reactor slept since the
 *                  previous sample.
 *   floor_eventfd_epoll  in the same app, sample for sample in turns with
 *                  msg_sleeping (the VM's wake-up cost changes from one
 *                  second to the next): a pthread pinned to cpu 1, not a
 *                  reactor, blocked in epoll_wait() on an eventfd; the same
 *                  pacer stamps the time and writes the eventfd; the waiter
 *                  records when epoll_wait() returned - stamp.
 *   late_1ms,      then, in the same app: a thread on core 1 with a timed
 *   late_10ms      poller of period 1 ms and one of 10 ms, for S seconds.
 *                  Lateness = when the callback runs - when it was due (the
 *                  previous run's slice time + period, as the library re-arms).
 *   load           then, still in the same app: pingpong: the app thread and
 *                  the core-1 thread send a message back and forth (ns per
 *                  round trip); stream: an untimed poller on the app thread
 *                  keeps 128 messages in flight to the core-1 thread (M
 *                  messages/s). Each runs L seconds with sleeping allowed and
 *                  L seconds with reactors that never sleep
 *                  (pw_reactor_opts.sleep = false, as --pw-no-sleep), the
 *                  mode flipping every LOAD_SLICE_MS so that both modes see
 *                  the same machine. Under load a reactor must lose nothing
 *                  to sleeping: "_vs_polling" is the median over rounds of
 *                  each round's ratio.
 *   msg_polling    the second app: the same messages as msg_sleeping with
 *                  reactors that never sleep.
 *   floor_timer_1ms  no Pinwheel: a pthread pinned to cpu 1 (timer slack 1 ns,
 *                  as reactors set it) sleeps in ppoll() with a 1 ms timeout
 *                  computed from ticks as a reactor does, for S seconds;
 *                  lateness = when ppoll() returned - when it was due.
 * Percentiles are over the samples of all rounds; "# round" lines give each
 * round's medians so drift shows, and "_by_round" lines compare the sleeping
 * reactor with its floor round by round (median over rounds of the
 * difference or ratio of the two round medians). Lines are "name value unit".
 *
 * Exit 77 when cpus 0 and 1 are not both usable.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/thread.h"
#include "pinwheel/event.h"
#include "pinwheel/thread.h"

#include "event/event_internal.h"	/* struct spdk_reactor: sleeps */
#include "thread/thread_internal.h"	/* struct pw_waker: sleeping */

#include <poll.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/eventfd.h>

#define GAP_US		2000	/* between samples: far longer than the 100 us spin window */
#define MAX_ROUNDS	16

/* Samples in ticks, appended by one pthread, read after it has stopped. */
struct series {
	const char	*name;
	uint64_t	*v;
	uint32_t	n;
	uint32_t	cap;
	uint32_t	round_start;
	double		round_p50_ns[MAX_ROUNDS];
};

/* One timed poller of the lateness phase (target thread only). */
struct late_poller {
	uint64_t		period_us;
	uint64_t		period_ticks;
	struct spdk_poller	*poller;
	uint64_t		due;		/* 0 until it has run once */
	struct series		*out;
	uint64_t		last_sleeps;
	uint32_t		slept[3];	/* fires after 0, 1, more reactor sleeps */
};

static uint32_t g_rounds = 3;
static uint32_t g_samples = 500;
static double g_late_s = 2.0;
static double g_load_s = 1.0;
static uint64_t g_hz;

static struct series g_floor = { .name = "floor_eventfd_epoll" };
static struct series g_msg_sleep = { .name = "msg_sleeping" };
static struct series g_msg_poll = { .name = "msg_polling" };
static struct series g_late1 = { .name = "late_1ms" };
static struct series g_late10 = { .name = "late_10ms" };
static struct series g_floor_timer = { .name = "floor_timer_1ms" };

#define STREAM_WINDOW	128
#define LOAD_SLICE_MS	50	/* under load, sleeping and polling take turns this long */

enum phase {
	PHASE_LATENCY,		/* stamped messages to a sleeping (or polling) reactor */
	PHASE_LATE,		/* timed pollers on core 1 (sleeping runs only) */
	PHASE_PINGPONG,
	PHASE_STREAM,
	PHASE_STOPPING,
};

/* Per-round figures under load: [0] sleeping, [1] polling. */
static double g_pingpong_ns[2][MAX_ROUNDS];
static double g_stream_mps[2][MAX_ROUNDS];

/* One app run. */
static struct {
	bool			sleeping;	/* reactors may sleep; then also the lateness phase */
	struct series		*out;
	uint32_t		round;
	/* app thread only */
	struct spdk_thread	*target;	/* on core 1 */
	struct spdk_poller	*pacer;
	struct spdk_poller	*streamer;
	enum phase		phase;
	bool			phase_busy;	/* the phase's work is under way */
	uint32_t		sent;
	uint64_t		awake_ticks;	/* pacer ticks that found core 1 awake */
	uint64_t		start;		/* ticks: phase start */
	uint64_t		end;		/* ticks: phase deadline */
	uint64_t		count;
	/* under load (app thread only): [0] sleeping allowed, [1] polling */
	int			mode;
	uint32_t		slices_left;
	uint64_t		slice_start;
	uint64_t		slice_end;
	uint64_t		slice_count;	/* count when the slice began */
	uint64_t		mode_ticks[2];
	uint64_t		mode_count[2];
	/* target thread only */
	uint64_t		last_sleeps;
	uint32_t		slept_before;	/* samples whose reactor had slept since the last */
	struct late_poller	late[2];
	uint64_t		late_sleeps;	/* times core 1 slept in the lateness phase */
	/* target -> app thread */
	_Atomic uint32_t	done;
	_Atomic uint64_t	stream_done PW_CACHE_ALIGNED;
} g_run;

static void
series_init(struct series *s, uint32_t cap)
{
	s->v = calloc(cap, sizeof(*s->v));
	s->cap = cap;
	if (s->v == NULL) {
		fprintf(stderr, "wakeup_latency: out of memory\n");
		exit(1);
	}
}

static void
series_add(struct series *s, uint64_t now, uint64_t then)
{
	if (s->n < s->cap) {
		s->v[s->n++] = now > then ? now - then : 0;
	}
}

static double
ticks_ns(uint64_t t)
{
	return (double)t * 1e9 / (double)g_hz;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of v[0..n) (sorts it). */
static double
pct_ns(uint64_t *v, uint32_t n, double q)
{
	if (n == 0) {
		return 0;
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	return ticks_ns(v[(uint32_t)((double)(n - 1) * q + 0.5)]);
}

/* The median of the samples added since the round began, kept for the report. */
static void
series_end_round(struct series *s, uint32_t round)
{
	uint32_t n = s->n - s->round_start;
	uint64_t *copy = malloc((n + 1) * sizeof(*copy));

	if (copy != NULL) {
		memcpy(copy, s->v + s->round_start, n * sizeof(*copy));
		s->round_p50_ns[round] = pct_ns(copy, n, 0.5);
		free(copy);
	}
	s->round_start = s->n;
}

/* ---------------------------------------------------------------------------
 * The floor: an eventfd written to a pthread blocked in epoll_wait()
 * ------------------------------------------------------------------------- */

static struct {
	int		efd;
	int		ep;
	_Atomic uint64_t	stamp;
	_Atomic uint32_t	done;
	_Atomic bool		stop;
	pthread_t		waiter;
	uint32_t		sent;		/* app thread only */
} g_floor_ctx;

static void
pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
		fprintf(stderr, "wakeup_latency: cannot pin to cpu %d\n", cpu);
		exit(1);
	}
}

static void *
floor_waiter(void *arg)
{
	struct epoll_event ev;
	uint64_t now, value;

	pin_self(1);
	for (;;) {
		if (epoll_wait(g_floor_ctx.ep, &ev, 1, -1) != 1) {
			continue;
		}
		now = spdk_get_ticks();
		if (read(g_floor_ctx.efd, &value, sizeof(value)) < 0) {
			continue;
		}
		if (atomic_load(&g_floor_ctx.stop)) {
			return NULL;
		}
		series_add(&g_floor, now, atomic_load(&g_floor_ctx.stamp));
		/* Pairs with the acquire load in pacer(). */
		atomic_fetch_add_explicit(&g_floor_ctx.done, 1, memory_order_release);
	}
}

static void
floor_write(void)
{
	uint64_t one = 1;

	if (write(g_floor_ctx.efd, &one, sizeof(one)) != sizeof(one)) {
		fprintf(stderr, "wakeup_latency: eventfd write failed\n");
		exit(1);
	}
}

/* Start the waiter on cpu 1; the pacer (app thread, core 0) writes. */
static void
floor_start(void)
{
	struct epoll_event ev = { .events = EPOLLIN };

	g_floor_ctx.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g_floor_ctx.ep = epoll_create1(EPOLL_CLOEXEC);
	if (g_floor_ctx.efd < 0 || g_floor_ctx.ep < 0 ||
	    epoll_ctl(g_floor_ctx.ep, EPOLL_CTL_ADD, g_floor_ctx.efd, &ev) != 0) {
		fprintf(stderr, "wakeup_latency: eventfd/epoll: %s\n", strerror(errno));
		exit(1);
	}
	atomic_store(&g_floor_ctx.done, 0);
	atomic_store(&g_floor_ctx.stop, false);
	if (pthread_create(&g_floor_ctx.waiter, NULL, floor_waiter, NULL) != 0) {
		fprintf(stderr, "wakeup_latency: cannot start the floor's waiter\n");
		exit(1);
	}
}

static void
floor_stop(void)
{
	atomic_store(&g_floor_ctx.stop, true);
	floor_write();
	pthread_join(g_floor_ctx.waiter, NULL);
	close(g_floor_ctx.ep);
	close(g_floor_ctx.efd);
}

/* ---------------------------------------------------------------------------
 * On the target thread (core 1)
 * ------------------------------------------------------------------------- */

static uint64_t
my_reactor_sleeps(void)
{
	/* The reactor's own counter, read on its own pthread. */
	return spdk_reactor_get(spdk_env_get_current_core())->sleeps;
}

static void
stamped_msg(void *ctx)
{
	uint64_t now = spdk_get_ticks();
	uint64_t sleeps = my_reactor_sleeps();

	series_add(g_run.out, now, (uint64_t)(uintptr_t)ctx);
	if (sleeps != g_run.last_sleeps) {
		g_run.slept_before++;
	}
	g_run.last_sleeps = sleeps;
	/* Pairs with the acquire load in pacer(). */
	atomic_fetch_add_explicit(&g_run.done, 1, memory_order_release);
}

static int
late_fn(void *arg)
{
	struct late_poller *lp = arg;
	uint64_t now = spdk_get_ticks();

	if (lp->due != 0) {
		uint64_t sleeps = my_reactor_sleeps() - lp->last_sleeps;

		series_add(lp->out, now, lp->due);
		lp->slept[sleeps < 2 ? sleeps : 2]++;
	}
	lp->last_sleeps = my_reactor_sleeps();
	/* The library re-arms from the slice's time: that is when it is due next. */
	lp->due = spdk_thread_get_last_tsc(NULL) + lp->period_ticks;
	return SPDK_POLLER_BUSY;
}

static void
late_start(void *ctx)
{
	g_run.late_sleeps = my_reactor_sleeps();
	for (int i = 0; i < 2; i++) {
		struct late_poller *lp = &g_run.late[i];

		lp->poller = spdk_poller_register_named(late_fn, lp, lp->period_us,
							i == 0 ? "late_1ms" : "late_10ms");
		if (lp->poller == NULL) {
			fprintf(stderr, "wakeup_latency: cannot register a timed poller\n");
			exit(1);
		}
	}
}

static void
target_gone(void *ctx)
{
	spdk_poller_unregister(&g_run.pacer);
	spdk_app_stop(0);
}

static void
late_stop(void *ctx)
{
	g_run.late_sleeps = my_reactor_sleeps() - g_run.late_sleeps;
	spdk_poller_unregister(&g_run.late[0].poller);
	spdk_poller_unregister(&g_run.late[1].poller);
}

static void
target_stop(void *ctx)
{
	spdk_thread_exit(spdk_get_thread());
	if (spdk_thread_send_msg(spdk_thread_get_app_thread(), target_gone, NULL) != 0) {
		fprintf(stderr, "wakeup_latency: cannot reach the app thread\n");
		exit(1);
	}
}

static void pong(void *ctx);

static void
ping(void *ctx)
{
	if (spdk_thread_send_msg(spdk_thread_get_app_thread(), pong, NULL) != 0) {
		fprintf(stderr, "wakeup_latency: cannot reach the app thread\n");
		exit(1);
	}
}

static void
stream_msg(void *ctx)
{
	/* Pairs with the acquire load in streamer(). */
	atomic_fetch_add_explicit(&g_run.stream_done, 1, memory_order_release);
}

/* ---------------------------------------------------------------------------
 * On the app thread (core 0)
 * ------------------------------------------------------------------------- */

static bool
target_asleep(void)
{
	struct pw_waker *w = pw_thread_get_waker(g_run.target);

	return w != NULL && atomic_load_explicit(&w->sleeping, memory_order_relaxed) != 0;
}

static void
send_or_die(spdk_msg_fn fn, void *ctx)
{
	if (spdk_thread_send_msg(g_run.target, fn, ctx) != 0) {
		fprintf(stderr, "wakeup_latency: cannot send to the target thread\n");
		exit(1);
	}
}

static void
set_sleep(bool sleep)
{
	struct pw_reactor_opts opts;

	pw_reactor_opts_init(&opts, sizeof(opts));
	opts.sleep = sleep;
	pw_reactor_set_opts(&opts);
}

static void
load_begin(uint64_t now)
{
	uint32_t per_mode = (uint32_t)(g_load_s * 1000 / LOAD_SLICE_MS + 0.999);

	g_run.mode = 0;
	set_sleep(true);
	g_run.slices_left = 2 * (per_mode > 0 ? per_mode : 1);
	g_run.slice_start = now;
	g_run.slice_end = now + g_hz * LOAD_SLICE_MS / 1000;
	g_run.slice_count = 0;
	memset(g_run.mode_ticks, 0, sizeof(g_run.mode_ticks));
	memset(g_run.mode_count, 0, sizeof(g_run.mode_count));
}

/* Account the slice that ends now, if it does, and flip the mode; returns
 * whether the load phase is over (\p count: what has been done so far). */
static bool
load_tick(uint64_t now, uint64_t count)
{
	if (now < g_run.slice_end) {
		return false;
	}
	g_run.mode_ticks[g_run.mode] += now - g_run.slice_start;
	g_run.mode_count[g_run.mode] += count - g_run.slice_count;
	g_run.mode ^= 1;
	set_sleep(g_run.mode == 0);
	g_run.slice_start = now;
	g_run.slice_end = now + g_hz * LOAD_SLICE_MS / 1000;
	g_run.slice_count = count;
	if (--g_run.slices_left == 0) {
		set_sleep(true);
		return true;
	}
	return false;
}

static void
pong(void *ctx)
{
	g_run.count++;
	if (!load_tick(spdk_get_ticks(), g_run.count)) {
		send_or_die(ping, NULL);
		return;
	}
	for (int m = 0; m < 2; m++) {
		g_pingpong_ns[m][g_run.round] = ticks_ns(g_run.mode_ticks[m]) /
						(double)g_run.mode_count[m];
	}
	g_run.phase_busy = false;	/* the pacer moves on */
}

static int
streamer(void *ctx)
{
	/* Pairs with the release add in stream_msg(). */
	uint64_t done = atomic_load_explicit(&g_run.stream_done, memory_order_acquire);
	uint64_t now;

	if (g_run.end == 0) {
		/* Past the deadline: wait for the last messages to run. */
		if (done == g_run.count) {
			spdk_poller_unregister(&g_run.streamer);
			g_run.phase_busy = false;
		}
		return SPDK_POLLER_BUSY;
	}
	while (g_run.count - done < STREAM_WINDOW) {
		send_or_die(stream_msg, NULL);
		g_run.count++;
	}
	now = spdk_get_ticks();
	if (load_tick(now, done)) {
		for (int m = 0; m < 2; m++) {
			g_stream_mps[m][g_run.round] = (double)g_run.mode_count[m] /
						       (ticks_ns(g_run.mode_ticks[m]) / 1e3);
		}
		g_run.end = 0;
	}
	return SPDK_POLLER_BUSY;
}

/* The next phase of the run, and its start. */
static void
next_phase(void)
{
	uint64_t now = spdk_get_ticks();

	if (g_run.phase == PHASE_LATE) {
		send_or_die(late_stop, NULL);
	}
	g_run.phase++;
	if (g_run.phase == PHASE_LATE && (!g_run.sleeping || g_late_s <= 0)) {
		g_run.phase++;
	}
	if ((g_load_s <= 0 || !g_run.sleeping) &&
	    (g_run.phase == PHASE_PINGPONG || g_run.phase == PHASE_STREAM)) {
		g_run.phase = PHASE_STOPPING;
	}
	g_run.phase_busy = true;
	g_run.start = now;
	g_run.count = 0;
	switch (g_run.phase) {
	case PHASE_LATE:
		g_run.end = now + (uint64_t)(g_late_s * (double)g_hz);
		send_or_die(late_start, NULL);
		break;
	case PHASE_PINGPONG:
		load_begin(now);
		send_or_die(ping, NULL);
		break;
	case PHASE_STREAM:
		load_begin(now);
		g_run.end = UINT64_MAX;	/* 0 once the load phase is over */
		g_run.streamer = SPDK_POLLER_REGISTER(streamer, NULL, 0);
		if (g_run.streamer == NULL) {
			fprintf(stderr, "wakeup_latency: cannot register the streamer\n");
			exit(1);
		}
		break;
	default:
		send_or_die(target_stop, NULL);
		break;
	}
}

/* Every GAP_US on the app thread: sends the latency samples, then walks
 * through the phases. */
static int
pacer(void *ctx)
{
	uint64_t now;

	switch (g_run.phase) {
	case PHASE_LATENCY:
		break;
	case PHASE_LATE:
		if (spdk_get_ticks() >= g_run.end) {
			next_phase();
		}
		return SPDK_POLLER_IDLE;
	case PHASE_STOPPING:
		return SPDK_POLLER_IDLE;
	default:
		if (!g_run.phase_busy) {
			next_phase();
		}
		return SPDK_POLLER_IDLE;
	}

	/* Pairs with the release adds in stamped_msg() and floor_waiter(). */
	if (atomic_load_explicit(&g_run.done, memory_order_acquire) < g_run.sent ||
	    atomic_load_explicit(&g_floor_ctx.done, memory_order_acquire) < g_floor_ctx.sent) {
		return SPDK_POLLER_IDLE;	/* the previous sample has not arrived yet */
	}
	if (g_run.sleeping && g_floor_ctx.sent < g_samples &&
	    (g_floor_ctx.sent < g_run.sent || g_run.sent == g_samples)) {
		/* Every other sample is the floor's, so both see the same machine. */
		g_floor_ctx.sent++;
		atomic_store(&g_floor_ctx.stamp, spdk_get_ticks());
		floor_write();
		return SPDK_POLLER_BUSY;
	}
	if (g_run.sent == g_samples) {
		next_phase();
		return SPDK_POLLER_BUSY;
	}
	if (g_run.sleeping && !target_asleep()) {
		g_run.awake_ticks++;
		return SPDK_POLLER_IDLE;
	}
	g_run.sent++;
	now = spdk_get_ticks();
	send_or_die(stamped_msg, (void *)(uintptr_t)now);
	return SPDK_POLLER_BUSY;
}

static void
app_start(void *ctx)
{
	struct spdk_cpuset mask;

	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 1, true);
	g_run.target = spdk_thread_create("wakeup_target", &mask);
	g_run.pacer = SPDK_POLLER_REGISTER(pacer, NULL, GAP_US);
	if (g_run.target == NULL || g_run.pacer == NULL) {
		fprintf(stderr, "wakeup_latency: cannot create the target thread or the pacer\n");
		exit(1);
	}
}

static void
app_run(bool sleeping, struct series *out, uint32_t round)
{
	struct spdk_app_opts opts;
	struct pw_reactor_opts ropts;
	uint32_t before = out->n;
	int rc;

	memset(&g_run, 0, sizeof(g_run));
	g_run.sleeping = sleeping;
	g_run.out = out;
	g_run.round = round;
	for (int i = 0; i < 2; i++) {
		g_run.late[i].period_us = i == 0 ? 1000 : 10000;
		g_run.late[i].period_ticks = (uint64_t)((unsigned __int128)g_run.late[i].period_us *
							g_hz / SPDK_SEC_TO_USEC);
		g_run.late[i].out = i == 0 ? &g_late1 : &g_late10;
	}

	pw_reactor_opts_init(&ropts, sizeof(ropts));
	ropts.sleep = sleeping;
	pw_reactor_set_opts(&ropts);

	g_floor_ctx.sent = 0;
	if (sleeping) {
		floor_start();
	}
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "wakeup_latency";
	/* No RPC server: tests run in parallel and would share its default path. */
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x3";
	opts.print_level = SPDK_LOG_WARN;
	rc = spdk_app_start(&opts, app_start, NULL);
	spdk_app_fini();
	if (sleeping) {
		floor_stop();
	}
	if (rc != 0) {
		fprintf(stderr, "wakeup_latency: spdk_app_start on 0x3 failed: %d\n", rc);
		exit(1);
	}
	printf("# round %u %s: %u sample(s)", round + 1, out->name, out->n - before);
	if (sleeping) {
		printf(" and %u of the floor", g_floor_ctx.sent);
		printf(", core 1's reactor had slept before %u of them, found awake on %" PRIu64
		       " pacer tick(s); it slept %" PRIu64 " times while the timed pollers ran"
		       " (1 ms poller runs after 0/1/more sleeps: %u/%u/%u)",
		       g_run.slept_before, g_run.awake_ticks, g_run.late_sleeps,
		       g_run.late[0].slept[0], g_run.late[0].slept[1], g_run.late[0].slept[2]);
	}
	if (g_load_s > 0 && sleeping) {
		printf("; sleeping/polling: pingpong %.0f/%.0f ns per round trip, stream "
		       "%.2f/%.2f M msg/s", g_pingpong_ns[0][round], g_pingpong_ns[1][round],
		       g_stream_mps[0][round], g_stream_mps[1][round]);
	}
	printf("\n");
}

/* A reactor's way of sleeping until a tick: ppoll() with the rest rounded up. */
static void *
timer_floor(void *arg)
{
	uint64_t period = g_hz / 1000, end, due, now, left;
	struct timespec ts;

	pin_self(1);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	end = spdk_get_ticks() + (uint64_t)(g_late_s * (double)g_hz);
	do {
		now = spdk_get_ticks();
		due = now + period;
		left = due - now;
		ts.tv_sec = (time_t)(left / g_hz);
		ts.tv_nsec = (long)(((left % g_hz) * SPDK_SEC_TO_NSEC + g_hz - 1) / g_hz);
		ppoll(NULL, 0, &ts, NULL);
		now = spdk_get_ticks();
		series_add(&g_floor_timer, now, due);
	} while (now < end);
	return NULL;
}

static void
timer_floor_run(uint32_t round)
{
	uint32_t before = g_floor_timer.n;
	pthread_t t;

	if (g_late_s <= 0) {
		return;
	}
	if (pthread_create(&t, NULL, timer_floor, NULL) != 0) {
		fprintf(stderr, "wakeup_latency: cannot start the timer floor's pthread\n");
		exit(1);
	}
	pthread_join(t, NULL);
	printf("# round %u %s: %u sample(s)\n", round + 1, g_floor_timer.name,
	       g_floor_timer.n - before);
}

/* ---------------------------------------------------------------------------
 * Report
 * ------------------------------------------------------------------------- */

static void
report(struct series *s, bool us)
{
	double div = us ? 1000.0 : 1.0;
	const char *unit = us ? "us" : "ns";
	double p50 = pct_ns(s->v, s->n, 0.5);

	printf("# %s: %u sample(s); round medians", s->name, s->n);
	for (uint32_t r = 0; r < g_rounds; r++) {
		printf(" %.0f", s->round_p50_ns[r] / div);
	}
	printf(" %s\n", unit);
	printf("%s_p50 %.*f %s\n", s->name, us ? 1 : 0, p50 / div, unit);
	printf("%s_p99 %.*f %s\n", s->name, us ? 1 : 0, pct_ns(s->v, s->n, 0.99) / div, unit);
	if (us) {
		printf("%s_max %.1f %s\n", s->name, pct_ns(s->v, s->n, 1.0) / div, unit);
	}
}

static double
median_d(const double *v, uint32_t n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*s));
	for (uint32_t i = 1; i < n; i++) {
		for (uint32_t j = i; j > 0 && s[j - 1] > s[j]; j--) {
			double t = s[j];

			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	}
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Under load: medians over the rounds, sleeping next to polling. */
static void
report_load(void)
{
	double pp_ratio[MAX_ROUNDS], st_ratio[MAX_ROUNDS];

	for (uint32_t r = 0; r < g_rounds; r++) {
		/* Throughput ratios, sleeping / polling: round trips per second. */
		pp_ratio[r] = g_pingpong_ns[0][r] > 0 ? g_pingpong_ns[1][r] / g_pingpong_ns[0][r] : 0;
		st_ratio[r] = g_stream_mps[1][r] > 0 ? g_stream_mps[0][r] / g_stream_mps[1][r] : 0;
	}
	printf("pingpong_sleeping_rtt %.0f ns\n", median_d(g_pingpong_ns[0], g_rounds));
	printf("pingpong_polling_rtt %.0f ns\n", median_d(g_pingpong_ns[1], g_rounds));
	printf("pingpong_sleeping_vs_polling %.3f ratio\n", median_d(pp_ratio, g_rounds));
	printf("stream_w%d_sleeping %.2f Mmsg/s\n", STREAM_WINDOW,
	       median_d(g_stream_mps[0], g_rounds));
	printf("stream_w%d_polling %.2f Mmsg/s\n", STREAM_WINDOW,
	       median_d(g_stream_mps[1], g_rounds));
	printf("stream_w%d_sleeping_vs_polling %.3f ratio\n", STREAM_WINDOW,
	       median_d(st_ratio, g_rounds));
}

static bool
cpus_usable(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		return false;
	}
	return CPU_ISSET(0, &set) && CPU_ISSET(1, &set) && sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

int
main(int argc, char **argv)
{
	double floor50, sleep50, poll50, diff[MAX_ROUNDS], ratio[MAX_ROUNDS];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			g_rounds = 1;
			g_samples = 30;
			g_late_s = 0.2;
			g_load_s = 0.1;
		} else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
			g_rounds = (uint32_t)atoi(argv[++i]);
		} else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
			g_samples = (uint32_t)atoi(argv[++i]);
		} else if (strcmp(argv[i], "--late-seconds") == 0 && i + 1 < argc) {
			g_late_s = atof(argv[++i]);
		} else if (strcmp(argv[i], "--load-seconds") == 0 && i + 1 < argc) {
			g_load_s = atof(argv[++i]);
		} else {
			fprintf(stderr, "usage: %s [--smoke] [--rounds N] [--samples N] "
				"[--late-seconds S] [--load-seconds L]\n", argv[0]);
			return 1;
		}
	}
	if (g_rounds < 1 || g_rounds > MAX_ROUNDS || g_samples < 1 || g_samples > 1000000 ||
	    g_late_s < 0 || g_late_s > 3600 || g_load_s < 0 || g_load_s > 3600) {
		fprintf(stderr, "wakeup_latency: --rounds 1..%d, --samples 1..1000000, "
			"--late-seconds 0..3600, --load-seconds 0..3600\n", MAX_ROUNDS);
		return 1;
	}
	if (!cpus_usable()) {
		printf("# cpus 0 and 1 are not both usable: skipped\n");
		return 77;
	}
	g_hz = spdk_get_ticks_hz();

	series_init(&g_floor, g_rounds * g_samples);
	series_init(&g_msg_sleep, g_rounds * g_samples);
	series_init(&g_msg_poll, g_rounds * g_samples);
	/* A timed poller may fire a little more often than its nominal rate says. */
	series_init(&g_late1, (uint32_t)(g_rounds * (g_late_s * 1000 + 16)));
	series_init(&g_late10, (uint32_t)(g_rounds * (g_late_s * 100 + 16)));
	series_init(&g_floor_timer, (uint32_t)(g_rounds * (g_late_s * 1000 + 16)));

	printf("# wakeup_latency: %u round(s) of %u sample(s), %u us apart; timed pollers for "
	       "%.1f s per round; tick rate %" PRIu64 " Hz\n", g_rounds, g_samples, GAP_US,
	       g_late_s, g_hz);
	for (uint32_t r = 0; r < g_rounds; r++) {
		app_run(true, &g_msg_sleep, r);
		app_run(false, &g_msg_poll, r);
		timer_floor_run(r);
		series_end_round(&g_msg_sleep, r);
		series_end_round(&g_msg_poll, r);
		series_end_round(&g_floor, r);
		series_end_round(&g_late1, r);
		series_end_round(&g_late10, r);
		series_end_round(&g_floor_timer, r);
	}

	report(&g_floor, false);
	report(&g_msg_sleep, false);
	report(&g_msg_poll, false);
	report(&g_late1, true);
	report(&g_late10, true);
	report(&g_floor_timer, true);
	floor50 = pct_ns(g_floor.v, g_floor.n, 0.5);
	sleep50 = pct_ns(g_msg_sleep.v, g_msg_sleep.n, 0.5);
	poll50 = pct_ns(g_msg_poll.v, g_msg_poll.n, 0.5);
	printf("msg_sleeping_vs_floor_p50 %.2f ratio\n", floor50 > 0 ? sleep50 / floor50 : 0);
	printf("msg_sleeping_minus_floor_p50 %.0f ns\n", sleep50 - floor50);
	printf("msg_sleeping_vs_polling_p50 %.1f ratio\n", poll50 > 0 ? sleep50 / poll50 : 0);
	/* The wake-up cost of this VM flips between states for seconds at a
	 * time: compare each round's medians, then take the median over rounds. */
	for (uint32_t r = 0; r < g_rounds; r++) {
		diff[r] = g_msg_sleep.round_p50_ns[r] - g_floor.round_p50_ns[r];
		ratio[r] = g_floor.round_p50_ns[r] > 0 ?
			   g_msg_sleep.round_p50_ns[r] / g_floor.round_p50_ns[r] : 0;
	}
	printf("msg_sleeping_minus_floor_by_round %.0f ns\n", median_d(diff, g_rounds));
	printf("msg_sleeping_vs_floor_by_round %.2f ratio\n", median_d(ratio, g_rounds));
	if (g_load_s > 0) {
		report_load();
	}
	return 0;
}

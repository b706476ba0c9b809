/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * poller_test [-m MASK] [-t SECONDS] [-p PERIOD_US] [-r] [-b] [-e GROUPS]
 * [--pw-trace-file FILE]: reactors of your
 * own on the thread library, no event framework. Each core of the mask gets a
 * reactor (the main pthread on the main core, a pinned pthread elsewhere)
 * that takes lightweight threads off its ring, polls each for one slice and
 * puts it back. A reactor whose threads had nothing to do for SPIN_US sleeps
 * in ppoll(2) on its waker (pinwheel/thread.h) until a message, a thread or
 * the next timed poller is due; with -b it polls all the time, as SPDK's
 * reactors do. The library reports new threads (SPDK_THREAD_OP_NEW) and
 * changed cpumasks (SPDK_THREAD_OP_RESCHED); we place threads on a reactor
 * whose core is in their mask. The first thread starts a reader thread on
 * the last core, which says "hello reader", then "hello poller" every
 * PERIOD_US (with -r it hops to the next core each time); after SECONDS a
 * timed poller stops both threads, and once no thread is left the reactors
 * return.
 *
 * With -e (tracepoint groups, e.g. "pinwheel") and/or --pw-trace-file, the run
 * is traced: the thread library's own tracepoints record what these reactors
 * make it do, and the trace is written as Chrome trace JSON at the end.
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/string.h"
#include "spdk/thread.h"
#include "spdk/trace.h"
#include "pinwheel/thread.h"
#include "pinwheel/trace.h"

#include <getopt.h>
#include <poll.h>
#include <stdatomic.h>

#define DEFAULT_CORE_MASK	"0x1"
#define DEFAULT_SECONDS		3
#define MAX_SECONDS		3600
#define DEFAULT_PERIOD_US	500000
#define MAX_PERIOD_US		60000000
/* Each reactor's ring can hold every live thread, so putting a thread on a
 * ring never fails; thread creation is refused beyond this count. */
#define MAX_THREADS		64
/* Keep polling this long after the last work before going to sleep. */
#define SPIN_US			100
/* Trace entries per pthread (SPDK's default). */
#define TRACE_ENTRIES		32768

struct reactor;

/* The driver's part of each spdk_thread (spdk_thread_get_ctx()). */
struct lw_thread {
	bool		resched;	/* set by OP_RESCHED in a slice, read after it */
	struct reactor	*reactor;	/* whose waker the thread carries */
};

struct reactor {
	uint32_t		core;
	struct spdk_ring	*threads;	/* MP_SC: anyone adds, the reactor takes */
	struct pw_waker		*waker;		/* wakes the reactor from its sleep */
	atomic_uint		pushes;		/* threads put on the ring by others */
};

static struct reactor g_reactors[SPDK_CPUSET_SIZE];
static uint32_t g_reactor_count;
static struct reactor *g_main_reactor;
static atomic_uint g_next_reactor;	/* round-robin cursor for placement */
static atomic_uint g_live_threads;	/* accepted by NEW and not yet destroyed */
static atomic_bool g_reactors_stop;
static atomic_bool g_failed;

static long g_seconds = DEFAULT_SECONDS;
static long g_period_us = DEFAULT_PERIOD_US;
static bool g_hop;
static bool g_busy_poll;
static const char *g_tpoint_groups;	/* -e */
static const char *g_trace_file;	/* --pw-trace-file */

static struct spdk_thread *g_reader_thread;	/* used on the first thread only */
static struct spdk_poller *g_stop_poller;	/* first thread */
static struct spdk_poller *g_hello_poller;	/* reader thread */

static void
fail(const char *what)
{
	fprintf(stderr, "poller_test: %s\n", what);
	atomic_store(&g_failed, true);
}

/* Put a thread on a reactor whose core its cpumask contains, taking the
 * reactors in turn; a mask that matches no reactor gets the main one. */
static int
schedule_thread(struct spdk_thread *thread)
{
	const struct spdk_cpuset *mask = spdk_thread_get_cpumask(thread);
	struct lw_thread *lw = spdk_thread_get_ctx(thread);
	struct reactor *target = g_main_reactor;
	uint32_t start, i;

	start = atomic_fetch_add_explicit(&g_next_reactor, 1, memory_order_relaxed);
	for (i = 0; i < g_reactor_count; i++) {
		struct reactor *r = &g_reactors[(start + i) % g_reactor_count];

		if (spdk_cpuset_get_cpu(mask, r->core)) {
			target = r;
			break;
		}
	}
	if (spdk_ring_enqueue(target->threads, (void **)&lw, 1, NULL) != 1) {
		fprintf(stderr, "poller_test: the ring of core %u is full\n", target->core);
		return -ENOSPC;
	}
	/* Wake the target if it sleeps. This seq_cst add pairs with the load in
	 * reactor_sleep(): either its last look finds the thread in the ring, or
	 * pw_waker_notify() sees its sleeping flag. */
	atomic_fetch_add(&target->pushes, 1);
	pw_waker_notify(target->waker);
	return 0;
}

/* Stop every reactor, asleep or not. */
static void
stop_reactors(void)
{
	atomic_store(&g_reactors_stop, true);
	for (uint32_t i = 0; i < g_reactor_count; i++) {
		pw_waker_wake(g_reactors[i].waker);
	}
}

static int
reactor_thread_op(struct spdk_thread *thread, enum spdk_thread_op op)
{
	struct lw_thread *lw = spdk_thread_get_ctx(thread);
	int rc;

	switch (op) {
	case SPDK_THREAD_OP_NEW:
		if (atomic_fetch_add(&g_live_threads, 1) >= MAX_THREADS) {
			atomic_fetch_sub(&g_live_threads, 1);
			fprintf(stderr, "poller_test: more than %d threads\n", MAX_THREADS);
			return -ENOMEM;
		}
		rc = schedule_thread(thread);
		if (rc != 0) {
			atomic_fetch_sub(&g_live_threads, 1);
		}
		return rc;
	case SPDK_THREAD_OP_RESCHED:
		/* We are inside the thread's slice: move it once the slice ends. */
		lw->resched = true;
		return 0;
	default:
		return -ENOTSUP;
	}
}

static bool
reactor_thread_op_supported(enum spdk_thread_op op)
{
	return op == SPDK_THREAD_OP_NEW || op == SPDK_THREAD_OP_RESCHED;
}

/* A thread just taken off the reactor's ring: if it is new here, messages
 * sent to it must wake this reactor from now on. */
static void
adopt(struct reactor *reactor, struct lw_thread *lw)
{
	if (lw->reactor != reactor) {
		lw->reactor = reactor;
		pw_thread_set_waker(spdk_thread_get_from_ctx(lw), reactor->waker);
	}
}

/* One slice of one thread, then back on the ring (or elsewhere, or gone).
 * Returns whether it did any work. */
static bool
run_slice(struct reactor *reactor, struct lw_thread *lw)
{
	struct spdk_thread *thread = spdk_thread_get_from_ctx(lw);
	bool busy;

	adopt(reactor, lw);
	busy = spdk_thread_poll(thread, 0, 0) > 0;

	if (spdk_unlikely(spdk_thread_is_exited(thread))) {
		spdk_thread_destroy(thread);
		/* The last thread gone stops every reactor. */
		if (atomic_fetch_sub(&g_live_threads, 1) == 1) {
			stop_reactors();
		}
		return true;
	}
	if (spdk_unlikely(lw->resched)) {
		lw->resched = false;
		if (!spdk_cpuset_get_cpu(spdk_thread_get_cpumask(thread), reactor->core) &&
		    schedule_thread(thread) == 0) {
			return true;
		}
	}
	/* Cannot fail: this ring has room for every live thread. */
	spdk_ring_enqueue(reactor->threads, (void **)&lw, 1, NULL);
	return busy;
}

/* Sleep until a message, a new thread or the next timed poller is due: the
 * waker protocol of pinwheel/thread.h. */
static void
reactor_sleep(struct reactor *reactor)
{
	struct lw_thread *lws[MAX_THREADS];
	struct pollfd pfd = { .fd = pw_waker_get_fd(reactor->waker), .events = POLLIN };
	struct timespec ts, *timeout = NULL;
	uint64_t due = UINT64_MAX, now, ticks, hz = spdk_get_ticks_hz();
	bool work = atomic_load(&g_reactors_stop);
	uint32_t n, i;

	pw_waker_prepare_sleep(reactor->waker);
	/* Pairs with the add in schedule_thread(); only the ordering matters. */
	(void)atomic_load(&reactor->pushes);

	/* The last look: our threads, and any that just arrived, are all in the ring. */
	n = spdk_ring_dequeue(reactor->threads, (void **)lws, MAX_THREADS);
	for (i = 0; i < n; i++) {
		struct spdk_thread *thread = spdk_thread_get_from_ctx(lws[i]);
		uint64_t expiry = spdk_thread_next_poller_expiration(thread);

		adopt(reactor, lws[i]);
		/* Untimed pollers and exiting threads keep the reactor polling. */
		if (pw_thread_has_pending_messages(thread) || spdk_thread_has_active_pollers(thread) ||
		    !spdk_thread_is_running(thread)) {
			work = true;
		} else if (expiry != 0 && expiry < due) {
			due = expiry;
		}
	}
	spdk_ring_enqueue(reactor->threads, (void **)lws, n, NULL);

	if (!work) {
		if (due != UINT64_MAX) {
			/* Ticks to a timespec, rounded up so as not to wake early. */
			now = spdk_get_ticks();
			ticks = due > now ? due - now : 0;
			ts.tv_sec = (time_t)(ticks / hz);
			ts.tv_nsec = (long)(((ticks % hz) * SPDK_SEC_TO_NSEC + hz - 1) / hz);
			timeout = &ts;
		}
		if (ppoll(&pfd, 1, timeout, NULL) > 0) {
			pw_waker_drain(reactor->waker);
		}
	}
	pw_waker_end_sleep(reactor->waker);
}

/* The loop of every reactor: one slice per thread, in ring order; a pass
 * with no work for SPIN_US puts it to sleep (unless -b). */
static int
reactor_run(void *arg)
{
	struct reactor *reactor = arg;
	struct lw_thread *lws[MAX_THREADS];
	uint64_t spin_ticks = spdk_get_ticks_hz() * SPIN_US / SPDK_SEC_TO_USEC;
	uint64_t last_work = spdk_get_ticks();
	bool busy;
	uint32_t n, i;

	while (!atomic_load(&g_reactors_stop)) {
		n = spdk_ring_dequeue(reactor->threads, (void **)lws, MAX_THREADS);
		busy = false;
		for (i = 0; i < n; i++) {
			busy |= run_slice(reactor, lws[i]);
		}
		if (busy) {
			last_work = spdk_get_ticks();
		} else if (!g_busy_poll && spdk_get_ticks() - last_work >= spin_ticks) {
			reactor_sleep(reactor);
		} else if (n == 0) {
			spdk_pause();
		}
	}
	return 0;
}

static int
hello_poller(void *ctx)
{
	uint32_t core = spdk_env_get_current_core();
	struct spdk_cpuset mask;

	printf("hello poller (core %u)\n", core);
	fflush(stdout);
	if (g_hop) {
		/* Ask to move: the reactor hands the thread over after this slice. */
		core = spdk_env_get_next_core(core);
		spdk_cpuset_zero(&mask);
		spdk_cpuset_set_cpu(&mask, core != UINT32_MAX ? core : spdk_env_get_first_core(), true);
		if (spdk_thread_set_cpumask(&mask) != 0) {
			fail("cannot change the cpumask of first_reader_thread");
		}
	}
	return SPDK_POLLER_BUSY;
}

/* On the reader thread. */
static void
hello_reader(void *ctx)
{
	printf("hello reader (thread %s on core %u)\n", spdk_thread_get_name(spdk_get_thread()),
	       spdk_env_get_current_core());
	fflush(stdout);
	g_hello_poller = SPDK_POLLER_REGISTER(hello_poller, NULL, (uint64_t)g_period_us);
	if (g_hello_poller == NULL) {
		fail("cannot register hello_poller");
	}
}

/* On the reader thread. */
static void
reader_stop(void *ctx)
{
	spdk_poller_unregister(&g_hello_poller);
	spdk_thread_exit(spdk_get_thread());
}

/* On the first thread: ask the reader to stop, then stop this thread. */
static int
stop_poller(void *ctx)
{
	spdk_poller_unregister(&g_stop_poller);
	if (g_reader_thread != NULL &&
	    spdk_thread_send_msg(g_reader_thread, reader_stop, NULL) != 0) {
		fail("cannot send the stop message to the reader thread");
	}
	spdk_thread_exit(spdk_get_thread());
	return SPDK_POLLER_BUSY;
}

/* On the first thread, the first message it runs. */
static void
hello_start(void *ctx)
{
	struct spdk_cpuset mask;

	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, spdk_env_get_last_core(), true);
	g_reader_thread = spdk_thread_create("first_reader_thread", &mask);
	if (g_reader_thread == NULL) {
		fail("cannot create first_reader_thread");
	} else if (spdk_thread_send_msg(g_reader_thread, hello_reader, NULL) != 0) {
		fail("cannot send hello_reader to first_reader_thread");
	}

	g_stop_poller = SPDK_POLLER_REGISTER(stop_poller, NULL,
					     (uint64_t)g_seconds * SPDK_SEC_TO_USEC);
	if (g_stop_poller == NULL) {
		fail("cannot register stop_poller");
		stop_poller(NULL);
	}
}

/* One reactor and its ring per core; main() runs the main core's reactor. */
static int
reactors_init(void)
{
	uint32_t core;

	SPDK_ENV_FOREACH_CORE(core) {
		struct reactor *r = &g_reactors[g_reactor_count++];

		r->core = core;
		r->threads = spdk_ring_create(SPDK_RING_TYPE_MP_SC, MAX_THREADS, SPDK_ENV_NUMA_ID_ANY);
		if (r->threads == NULL || pw_waker_create(&r->waker) != 0) {
			return -ENOMEM;
		}
		if (core == spdk_env_get_main_core()) {
			g_main_reactor = r;
		}
	}
	return 0;
}

static void
reactors_fini(void)
{
	for (uint32_t i = 0; i < g_reactor_count; i++) {
		spdk_ring_free(g_reactors[i].threads);
		pw_waker_destroy(g_reactors[i].waker);
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: poller_test [-m MASK] [-t SECONDS] [-p PERIOD_US] [-r] [-b] [-e GROUPS]\n"
		"                   [--pw-trace-file FILE]\n"
		"  -m MASK       reactor cores: hex mask (0x3) or list ([0-1]); default %s\n"
		"  -t SECONDS    run time, 1 to %d (default %d)\n"
		"  -p PERIOD_US  hello poller period in microseconds, 1 to %d (default %d)\n"
		"  -r            move the reader thread to the next core after each hello\n"
		"  -b            busy-poll: never sleep when idle (as SPDK's reactors)\n"
		"  -e GROUPS     trace these tracepoint groups: names or masks, comma-separated,\n"
		"                'all' or GROUP:TPOINT_MASK (e.g. -e pinwheel)\n"
		"  --pw-trace-file FILE\n"
		"                write the trace there at the end, as Chrome trace JSON (Perfetto,\n"
		"                chrome://tracing, scripts/pinwheel-trace); implies -e pinwheel\n"
		"                when -e is not given\n"
		"  -h            show this help\n",
		DEFAULT_CORE_MASK, MAX_SECONDS, DEFAULT_SECONDS, MAX_PERIOD_US, DEFAULT_PERIOD_US);
}

static bool
parse_number(const char *opt, const char *text, long max, long *value)
{
	long v = spdk_strtol(text, 10);

	if (v < 1 || v > max) {
		fprintf(stderr, "poller_test: %s wants a whole number from 1 to %ld, not '%s'\n",
			opt, max, text);
		return false;
	}
	*value = v;
	return true;
}

/* -e: "name", "0xMASK" (groups), "name:0xMASK" or "N:0xMASK" (tracepoints of
 * one group), "all"; comma-separated. */
static int
enable_tpoints(const char *spec)
{
	char *copy = strdup(spec), *item, *save = NULL;
	int rc = 0;

	if (copy == NULL) {
		return -ENOMEM;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL && rc == 0;
	     item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':'), *end;
		uint64_t group_mask, tpoint_mask;

		if (colon != NULL) {
			*colon = '\0';
			tpoint_mask = strtoull(colon + 1, &end, 16);
			group_mask = spdk_trace_create_tpoint_group_mask(item);
			if (*end != '\0' || colon[1] == '\0' || group_mask == 0 ||
			    (group_mask & (group_mask - 1)) != 0) {
				rc = -EINVAL;
				break;
			}
			spdk_trace_set_tpoints((uint32_t)__builtin_ctzll(group_mask), tpoint_mask);
		} else if (isdigit((unsigned char)item[0])) {
			group_mask = strtoull(item, &end, 16);
			if (*end != '\0') {
				rc = -EINVAL;
				break;
			}
			spdk_trace_set_tpoint_group_mask(group_mask);
		} else if (spdk_trace_enable_tpoint_group(item) != 0) {
			rc = -EINVAL;
		}
	}
	if (rc != 0) {
		fprintf(stderr, "poller_test: -e: no tracepoint group '%s'\n", item);
	}
	free(copy);
	return rc;
}

static int
trace_start(void)
{
	if (g_tpoint_groups == NULL && g_trace_file == NULL) {
		return 0;
	}
	if (spdk_trace_init("poller_test", TRACE_ENTRIES, 0) != 0) {
		fprintf(stderr, "poller_test: cannot initialise tracing\n");
		return -1;
	}
	if (enable_tpoints(g_tpoint_groups != NULL ? g_tpoint_groups : "pinwheel") != 0) {
		spdk_trace_cleanup();
		return -1;
	}
	return 0;
}

/* After every reactor returned: nothing records any more. */
static void
trace_finish(void)
{
	int rc;

	if (g_tpoint_groups == NULL && g_trace_file == NULL) {
		return;
	}
	if (g_trace_file != NULL) {
		rc = pw_trace_write_chrome(g_trace_file);
		if (rc != 0) {
			fprintf(stderr, "poller_test: cannot write the trace to %s: %s\n", g_trace_file,
				spdk_strerror(-rc));
			atomic_store(&g_failed, true);
		} else {
			printf("poller_test: trace written to %s\n", g_trace_file);
		}
	}
	spdk_trace_cleanup();
}

int
main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "pw-trace-file", required_argument, NULL, 'F' },
		{ "tpoint-group", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct spdk_env_opts opts;
	struct spdk_thread *first;
	struct spdk_cpuset mask;
	const char *core_mask = DEFAULT_CORE_MASK;
	uint32_t core;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "m:t:p:rbe:h", long_opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			core_mask = optarg;
			break;
		case 't':
			if (!parse_number("-t", optarg, MAX_SECONDS, &g_seconds)) {
				return 1;
			}
			break;
		case 'p':
			if (!parse_number("-p", optarg, MAX_PERIOD_US, &g_period_us)) {
				return 1;
			}
			break;
		case 'r':
			g_hop = true;
			break;
		case 'b':
			g_busy_poll = true;
			break;
		case 'e':
			g_tpoint_groups = optarg;
			break;
		case 'F':
			g_trace_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "poller_test: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}

	spdk_env_opts_init(&opts);
	opts.name = "poller_test";
	opts.core_mask = core_mask;
	rc = spdk_env_init(&opts);
	if (rc != 0) {
		fprintf(stderr, "poller_test: cannot initialise the environment with core mask "
			"'%s': %s\n", core_mask, spdk_strerror(-rc));
		return 1;
	}

	if (trace_start() != 0) {
		spdk_env_fini();
		return 1;
	}
	rc = reactors_init();
	if (rc == 0) {
		rc = spdk_thread_lib_init_ext(reactor_thread_op, reactor_thread_op_supported,
					      sizeof(struct lw_thread), SPDK_DEFAULT_MSG_MEMPOOL_SIZE);
	}
	if (rc != 0) {
		fprintf(stderr, "poller_test: cannot set up the reactors: %s\n", spdk_strerror(-rc));
		trace_finish();
		reactors_fini();
		spdk_env_fini();
		return 1;
	}
	printf("poller_test: %u reactor(s), core mask %s, main core %u, stopping after %ld s\n",
	       g_reactor_count, core_mask, spdk_env_get_main_core(), g_seconds);

	for (uint32_t i = 0; i < g_reactor_count; i++) {
		core = g_reactors[i].core;
		if (core != spdk_env_get_main_core() &&
		    spdk_env_thread_launch_pinned(core, reactor_run, &g_reactors[i]) != 0) {
			fail("cannot launch a reactor");
			stop_reactors();
			break;
		}
	}

	if (!atomic_load(&g_reactors_stop)) {
		/* The first thread lives on the main core; it is the app thread. */
		spdk_cpuset_zero(&mask);
		spdk_cpuset_set_cpu(&mask, spdk_env_get_main_core(), true);
		first = spdk_thread_create("poller_test_main", &mask);
		if (first == NULL || spdk_thread_send_msg(first, hello_start, NULL) != 0) {
			/* A thread that got no message never exits: stop at once. */
			fail("cannot start the first thread");
			stop_reactors();
		}
	}

	reactor_run(g_main_reactor);
	spdk_env_thread_wait_all();

	spdk_thread_lib_fini();
	trace_finish();
	reactors_fini();
	spdk_env_fini();
	printf("poller_test: done\n");
	return atomic_load(&g_failed) ? 1 : 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Fault injection (built only with -DPW_FAULT_INJECTION=ON; lib/common/pw_fault.h).
 *
 * Each scenario uses a part of the library the way an application does and
 * checks every return code; on an error it undoes what it did and returns the
 * error. The driver runs it with the Nth injection point failing, for
 * N = 1, 2, ... until a run crosses fewer than N points (nothing was
 * injected, the scenario passed untouched). After every faulty run it checks
 * that nothing leaked (LeakSanitizer, when the build has it) and that the
 * library still works: the same scenario, run again with nothing injected,
 * must succeed. A crash, a hang (the harness's time limit), a leak, or a
 * library left unusable fails the test. Each scenario is driven twice: the
 * Nth point fails alone, and the Nth and every later point fail (the error
 * paths of the error paths).
 *
 * It prints, per scenario, how many injection points a clean run crosses and
 * how many faulty runs ended in an error return.
 *
 * Scenarios (issue 8, item 5):
 *   thread_lifecycle   thread lib init, thread create, send, poll, exit, destroy
 *   thread_ids         60 threads created (the index by id grows), each
 *                      found by id and sent a message by id, destroyed (it
 *                      shrinks), the others still found
 *   cpumask            threads with shared masks (equal ones share); one
 *                      gets its private copy and writes it (or, without
 *                      memory, a copy whose changes are lost), another sets
 *                      its mask (or gets -ENOMEM, its mask unchanged); the
 *                      table of masks is empty at the end
 *   io_device          register, channels on two threads, for_each_channel, unregister
 *   pollers            timed and untimed pollers; interrupt-registered ones in
 *                      interrupt mode
 *   first_use          on fresh threads (no poller block yet), each first
 *                      use that makes the block: a post-poller handler from
 *                      a message, an interrupt source, the interrupt fd
 *                      (then a message through it), a poller
 *   fd_group           create, add, wait, remove, nest, destroy
 *   json_config        spdk_subsystem_load_config() of a configuration with
 *                      plain entries, a batch and a failing call (errors
 *                      ignored), each called in-process (pw_rpc_call()) and
 *                      answered on the app thread
 *   env                env init on 2 cores, ring, mempool, fini
 *   iobuf              pools (mmap, rings), two modules, channels on two
 *                      threads, a buffer crossing threads, a waiter served,
 *                      statistics (a walk), channels closed, finish
 *   app                spdk_app_start on 2 cores, a thread moved between them, stop
 *   rpc                spdk_app_start on 1 core with its RPC server on a private
 *                      socket; a client pthread sends a request and a batch
 *                      (thread statistics and pollers, gathered on every
 *                      thread), reads both answers, then stops the app. Not
 *                      framework_get_reactors: when every allocation fails
 *                      from some point on, its walk over the reactors can end
 *                      only after the client gave up and stopped the app, and
 *                      a walk's completion due after the stop is not run (as
 *                      in SPDK; counted at spdk_app_fini), so its request
 *                      stays allocated.
 */

#include "harness.h"

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/event.h"
#include "spdk/fd_group.h"
#include "spdk/init.h"
#include "spdk/jsonrpc.h"
#include "spdk/rpc.h"
#include "spdk/log.h"
#include "spdk/thread.h"

#include "common/pw_fault.h"
#include "thread/io_channel_internal.h"
#include "thread/thread_internal.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

/* The leak check of LeakSanitizer, when the build has it (weak: absent otherwise). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

/* Scenarios give up waiting for progress after this long (a refused timer
 * never fires: that is an error return, not a hang). */
#define PROGRESS_MS	300

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------------
 * Helpers for the scenarios that drive threads by hand
 * ------------------------------------------------------------------------- */

static void
count_msg(void *ctx)
{
	(*(int *)ctx)++;
}

/* Exit thread t (made current for the call), poll it until it has exited,
 * destroy it. Bounded: an exit that never completes is a failure. */
static int
end_thread(struct spdk_thread *t)
{
	uint64_t deadline = now_ms() + 5000;
	int rc = 0;

	spdk_set_thread(t);
	spdk_thread_exit(t);
	while (!spdk_thread_is_exited(t)) {
		spdk_thread_poll(t, 0, 0);
		if (now_ms() > deadline) {
			FAIL("thread %s did not exit", spdk_thread_get_name(t));
		}
	}
	spdk_set_thread(NULL);
	spdk_thread_destroy(t);
	return rc;
}

/* ---------------------------------------------------------------------------
 * thread_lifecycle
 * ------------------------------------------------------------------------- */

static int
scenario_thread_lifecycle(void)
{
	struct spdk_thread *t;
	int ran = 0, sent = 0, rc;
	uint64_t deadline;

	rc = spdk_thread_lib_init(NULL, 0);
	if (rc != 0) {
		return rc;
	}
	t = spdk_thread_create("fault_t", NULL);
	if (t == NULL) {
		spdk_thread_lib_fini();
		return -ENOMEM;
	}
	spdk_set_thread(t);
	/* Enough messages to cross several queue segments. */
	for (int i = 0; i < 600; i++) {
		rc = spdk_thread_send_msg(t, count_msg, &ran);
		if (rc != 0) {
			break;
		}
		sent++;
	}
	deadline = now_ms() + PROGRESS_MS;
	while (ran < sent && now_ms() < deadline) {
		spdk_thread_poll(t, 0, 0);
	}
	if (ran != sent) {
		FAIL("%d of %d accepted messages ran", ran, sent);
	}
	end_thread(t);
	spdk_thread_lib_fini();
	return rc;
}

/* ---------------------------------------------------------------------------
 * thread_ids: the index of threads by id grows and shrinks (thread_ids.c)
 * ------------------------------------------------------------------------- */

#define IDS_THREADS	60

static int
scenario_thread_ids(void)
{
	struct spdk_thread *t[IDS_THREADS] = { NULL }, *app;
	uint64_t id[IDS_THREADS];
	int ran = 0, sent = 0, n, rc = 0;

	rc = spdk_thread_lib_init(NULL, 0);
	if (rc != 0) {
		return rc;
	}
	/* The app thread (the first one) is freed by spdk_thread_lib_fini(). */
	app = spdk_thread_create("app", NULL);
	if (app == NULL) {
		spdk_thread_lib_fini();
		return -ENOMEM;
	}
	for (n = 0; n < IDS_THREADS; n++) {
		t[n] = spdk_thread_create(NULL, NULL);
		if (t[n] == NULL) {
			rc = -ENOMEM;
			break;
		}
		id[n] = spdk_thread_get_id(t[n]);
	}
	for (int i = 0; i < n; i++) {
		if (spdk_thread_get_by_id(id[i]) != t[i]) {
			FAIL("thread %d of %d not found by its id", i, n);
		}
		if (pw__send_to_thread_id(id[i], count_msg, &ran) == 0) {
			sent++;
		} else {
			rc = -ENOMEM;
		}
		spdk_thread_poll(t[i], 0, 0);
	}
	if (ran != sent) {
		FAIL("%d of %d messages sent by id ran", ran, sent);
	}
	/* Destroyed in creation order: the table shrinks (or, without memory
	 * for a smaller one, stays as it is); the others are still found. */
	for (int i = 0; i < n; i++) {
		end_thread(t[i]);
		if (spdk_thread_get_by_id(id[i]) != NULL) {
			FAIL("destroyed thread %d still found by its id", i);
		}
		for (int k = i + 1; k < n; k += 17) {
			if (spdk_thread_get_by_id(id[k]) != t[k]) {
				FAIL("thread %d not found after %d were destroyed", k, i + 1);
			}
		}
	}
	end_thread(app);
	spdk_thread_lib_fini();
	return rc;
}

/* ---------------------------------------------------------------------------
 * cpumask: shared masks, private copies (cpumask_pool.c)
 * ------------------------------------------------------------------------- */

static bool
cm_supported(enum spdk_thread_op op)
{
	return true;
}

static int
cm_op(struct spdk_thread *thread, enum spdk_thread_op op)
{
	return 0;
}

static struct spdk_cpuset
cm_mask(int a, int b)
{
	struct spdk_cpuset set;

	spdk_cpuset_zero(&set);
	spdk_cpuset_set_cpu(&set, (uint32_t)a, true);
	if (b >= 0) {
		spdk_cpuset_set_cpu(&set, (uint32_t)b, true);
	}
	return set;
}

static int
scenario_cpumask(void)
{
	struct spdk_cpuset m01 = cm_mask(0, 1), m1 = cm_mask(1, -1), m0 = cm_mask(0, -1);
	struct spdk_cpuset m015 = cm_mask(0, 1);
	struct spdk_thread *t[4] = { NULL };
	const struct spdk_cpuset *masks[4] = { NULL, &m01, &m01, &m1 };
	struct spdk_cpuset *own;
	int n, rc;

	spdk_cpuset_set_cpu(&m015, 5, true);
	rc = spdk_thread_lib_init_ext(cm_op, cm_supported, 0, 0);
	if (rc != 0) {
		return rc;
	}
	for (n = 0; n < 4; n++) {
		t[n] = spdk_thread_create(NULL, masks[n]);
		if (t[n] == NULL) {
			rc = -ENOMEM;
			break;
		}
	}
	if (n < 4) {
		goto out;
	}
	if (pw_thread_get_cpumask(t[1]) != pw_thread_get_cpumask(t[2])) {
		FAIL("threads with equal masks do not share them");
	}
	/* Never NULL; without memory a copy whose changes are lost. */
	own = spdk_thread_get_cpumask(t[1]);
	if (own == NULL) {
		FAIL("spdk_thread_get_cpumask() returned NULL");
	}
	spdk_cpuset_set_cpu(own, 5, true);
	if (own == pw_thread_get_cpumask(t[1])) {
		if (!spdk_cpuset_equal(pw_thread_get_cpumask(t[1]), &m015)) {
			FAIL("a write through spdk_thread_get_cpumask() is not the thread's mask");
		}
	} else {
		if (pw__fault_injected() == 0) {
			FAIL("spdk_thread_get_cpumask() fell back with nothing injected");
		}
		if (!spdk_cpuset_equal(pw_thread_get_cpumask(t[1]), &m01)) {
			FAIL("the fallback copy changed the thread's mask");
		}
		rc = -ENOMEM;
	}
	if (!spdk_cpuset_equal(pw_thread_get_cpumask(t[2]), &m01)) {
		FAIL("a write through one thread's mask reached another's");
	}
	spdk_set_thread(t[3]);
	switch (spdk_thread_set_cpumask(&m0)) {
	case 0:
		if (!spdk_cpuset_equal(pw_thread_get_cpumask(t[3]), &m0)) {
			FAIL("spdk_thread_set_cpumask() did not change the mask");
		}
		break;
	case -ENOMEM:
		if (!spdk_cpuset_equal(pw_thread_get_cpumask(t[3]), &m1)) {
			FAIL("a refused spdk_thread_set_cpumask() changed the mask");
		}
		rc = -ENOMEM;
		break;
	default:
		FAIL("spdk_thread_set_cpumask() failed other than -ENOMEM");
	}
	spdk_set_thread(NULL);
out:
	/* The app thread (the first one) is freed by spdk_thread_lib_fini(). */
	for (int i = n - 1; i >= 0; i--) {
		end_thread(t[i]);
	}
	spdk_thread_lib_fini();
	if (pw__cpumask_pool_count() != 0) {
		FAIL("%u masks left in the table", pw__cpumask_pool_count());
	}
	return rc;
}

/* ---------------------------------------------------------------------------
 * io_device
 * ------------------------------------------------------------------------- */

static int g_dev;	/* its address is the io_device */
static int g_channels_created, g_channels_destroyed;
static bool g_unregistered;

static int
dev_create(void *io_device, void *ctx_buf)
{
	g_channels_created++;
	return 0;
}

static void
dev_destroy(void *io_device, void *ctx_buf)
{
	g_channels_destroyed++;
}

static void
dev_unregistered(void *io_device)
{
	g_unregistered = true;
}

static void
visit_channel(struct spdk_io_channel_iter *i)
{
	int *visited = spdk_io_channel_iter_get_ctx(i);

	(*visited)++;
	spdk_for_each_channel_continue(i, 0);
}

static void
walk_done(struct spdk_io_channel_iter *i, int status)
{
	int *visited = spdk_io_channel_iter_get_ctx(i);

	*visited += 1000;
}

/* Poll every thread once; whether any did work. */
static bool
poll_all(struct spdk_thread **t, int n)
{
	bool busy = false;

	for (int i = 0; i < n; i++) {
		if (t[i] != NULL && spdk_thread_poll(t[i], 0, 0) > 0) {
			busy = true;
		}
	}
	return busy;
}

static void
poll_until(struct spdk_thread **t, int n, const int *value, int want)
{
	uint64_t deadline = now_ms() + PROGRESS_MS;

	while (*value < want && now_ms() < deadline) {
		poll_all(t, n);
	}
}

/* Whether spdk_io_device_register() accepted the device (it returns nothing;
 * a refusal is logged). */
static bool
registered(void *io_device)
{
	bool found;

	pw__threads_lock();
	found = pw__io_device_find(io_device) != NULL;
	pw__threads_unlock();
	return found;
}

static int
scenario_io_device(void)
{
	struct spdk_thread *t[2] = { NULL, NULL };
	struct spdk_io_channel *ch[2] = { NULL, NULL };
	int rc, visited = 0, nch = 0, i;
	uint64_t deadline;

	g_channels_created = g_channels_destroyed = 0;
	g_unregistered = false;
	rc = spdk_thread_lib_init(NULL, 0);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < 2; i++) {
		t[i] = spdk_thread_create(i == 0 ? "fault_d0" : "fault_d1", NULL);
		if (t[i] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	spdk_set_thread(t[0]);
	spdk_io_device_register(&g_dev, dev_create, dev_destroy, 16, "fault_dev");
	if (!registered(&g_dev)) {
		/* Registration refused (logged): nothing to undo. */
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		spdk_set_thread(t[i]);
		ch[i] = spdk_get_io_channel(&g_dev);
		if (ch[i] == NULL) {
			rc = -ENOMEM;
		} else {
			nch++;
		}
	}
	spdk_set_thread(t[0]);
	spdk_for_each_channel(&g_dev, visit_channel, &visited, walk_done);
	/* The walk either visits every channel and completes, or (its
	 * allocation refused) completes at once with an error or not at all;
	 * it never stops half-way without its completion. */
	poll_until(t, 2, &visited, 1000);
	if (visited >= 1000 && visited != 1000 + nch) {
		FAIL("the walk visited %d of %d channels", visited - 1000, nch);
	}
	if (visited < 1000) {
		rc = -ENOMEM;
	}
	for (i = 0; i < 2; i++) {
		if (ch[i] != NULL) {
			spdk_set_thread(t[i]);
			spdk_put_io_channel(ch[i]);
		}
	}
	spdk_set_thread(t[0]);
	spdk_io_device_unregister(&g_dev, dev_unregistered);
	deadline = now_ms() + 5000;
	while (!g_unregistered) {
		poll_all(t, 2);
		if (now_ms() > deadline) {
			FAIL("the unregister callback never ran");
		}
	}
	if (g_channels_created != g_channels_destroyed) {
		FAIL("%d channels created, %d destroyed", g_channels_created,
		     g_channels_destroyed);
	}
out:
	for (i = 0; i < 2; i++) {
		if (t[i] != NULL) {
			end_thread(t[i]);
		}
	}
	spdk_thread_lib_fini();
	return rc;
}

/* ---------------------------------------------------------------------------
 * iobuf
 * ------------------------------------------------------------------------- */

struct fault_waiter {
	struct spdk_iobuf_entry	entry;
	void			*buf;
};

static void
fault_waiter_cb(struct spdk_iobuf_entry *entry, void *buf)
{
	SPDK_CONTAINEROF(entry, struct fault_waiter, entry)->buf = buf;
}

static int g_iobuf_stats_done, g_iobuf_finished;

static void
fault_iobuf_stats(struct spdk_iobuf_module_stats *modules, uint32_t n, void *arg)
{
	(void)arg;
	if (n != 2 || strcmp(modules[0].module, "fault_a") != 0 ||
	    modules[0].small_pool.cache == 0) {
		FAIL("iobuf stats: %u modules, first %s", n, n > 0 ? modules[0].module : "-");
	}
	g_iobuf_stats_done = 1;
}

static void
fault_iobuf_finished(void *arg)
{
	(void)arg;
	g_iobuf_finished = 1;
}

/* Pools, two modules, a channel on each of two threads, gets and puts with a
 * buffer crossing threads and a waiter served, statistics, then everything
 * closed and finished. */
static int
scenario_iobuf(void)
{
	struct spdk_iobuf_opts opts = {
		.small_pool_count = 64, .large_pool_count = 8,
		.small_bufsize = 4096, .large_bufsize = 8192, .opts_size = sizeof(opts),
	};
	struct spdk_thread *t[2] = { NULL, NULL };
	struct spdk_iobuf_channel ch[2];
	bool open[2] = { false, false };
	struct fault_waiter w = { .buf = NULL };
	void *large[8], *small;
	int rc, i, nlarge = 0;
	uint64_t deadline;

	rc = spdk_thread_lib_init(NULL, 0);
	if (rc != 0) {
		return rc;
	}
	for (i = 0; i < 2; i++) {
		t[i] = spdk_thread_create(i == 0 ? "fault_i0" : "fault_i1", NULL);
		if (t[i] == NULL) {
			rc = -ENOMEM;
			goto out_threads;
		}
	}
	spdk_set_thread(t[0]);
	if (spdk_iobuf_set_opts(&opts) != 0) {
		FAIL("iobuf options refused");
	}
	rc = spdk_iobuf_initialize();
	if (rc != 0) {
		goto out_threads;
	}
	rc = spdk_iobuf_register_module("fault_a");
	if (rc == 0) {
		rc = spdk_iobuf_register_module("fault_b");
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		spdk_set_thread(t[i]);
		rc = spdk_iobuf_channel_init(&ch[i], i == 0 ? "fault_a" : "fault_b", 4, 1);
		open[i] = rc == 0;
	}
	if (rc != 0) {
		goto out_iobuf;
	}

	/* A small buffer got on thread 0, put on thread 1. */
	spdk_set_thread(t[0]);
	small = spdk_iobuf_get(&ch[0], 100, NULL, NULL);
	if (small == NULL) {
		FAIL("no small buffer from a full pool");
	}
	spdk_set_thread(t[1]);
	spdk_iobuf_put(&ch[1], small, 100);
	/* Every large buffer on thread 0, then a waiter served by a put. */
	spdk_set_thread(t[0]);
	while (nlarge < 8 && (large[nlarge] = spdk_iobuf_get(&ch[0], 8192, NULL, NULL)) != NULL) {
		nlarge++;
	}
	if (spdk_iobuf_get(&ch[0], 8192, &w.entry, fault_waiter_cb) != NULL) {
		FAIL("a large buffer left after %d taken", nlarge);
	}
	spdk_iobuf_put(&ch[0], large[--nlarge], 8192);
	if (w.buf == NULL) {
		FAIL("the waiter was not served");
	}
	large[nlarge++] = w.buf;
	while (nlarge > 0) {
		spdk_iobuf_put(&ch[0], large[--nlarge], 8192);
	}

	g_iobuf_stats_done = 0;
	rc = spdk_iobuf_get_stats(fault_iobuf_stats, NULL);
	if (rc == 0) {
		poll_until(t, 2, &g_iobuf_stats_done, 1);
		if (!g_iobuf_stats_done) {
			/* The walk was refused on the way: its completion never came. */
			rc = -ENOMEM;
		}
	}

out_iobuf:
	for (i = 0; i < 2; i++) {
		if (open[i]) {
			spdk_set_thread(t[i]);
			spdk_iobuf_channel_fini(&ch[i]);
		}
	}
	spdk_set_thread(t[0]);
	g_iobuf_finished = 0;
	spdk_iobuf_finish(fault_iobuf_finished, NULL);
	deadline = now_ms() + 5000;
	while (!g_iobuf_finished) {
		poll_all(t, 2);
		if (now_ms() > deadline) {
			FAIL("spdk_iobuf_finish never completed");
		}
	}
out_threads:
	for (i = 0; i < 2; i++) {
		if (t[i] != NULL) {
			end_thread(t[i]);
		}
	}
	spdk_thread_lib_fini();
	return rc;
}

/* ---------------------------------------------------------------------------
 * pollers (poll mode, then interrupt mode)
 * ------------------------------------------------------------------------- */

static int
count_poller(void *ctx)
{
	(*(int *)ctx)++;
	return SPDK_POLLER_BUSY;
}

static void
mode_changed(struct spdk_poller *poller, void *cb_arg, bool interrupt_mode)
{
	(*(int *)cb_arg)++;
}

static int
run_pollers(bool interrupt_mode)
{
	struct spdk_thread *t;
	struct spdk_poller *timed = NULL, *untimed = NULL, *parked = NULL;
	int n_timed = 0, n_untimed = 0, n_parked = 0, modes = 0, rc;
	uint64_t deadline;

	if (interrupt_mode) {
		rc = spdk_interrupt_mode_enable();
		if (rc != 0) {
			FAIL("spdk_interrupt_mode_enable: %d", rc);
		}
	}
	rc = spdk_thread_lib_init(NULL, 0);
	if (rc != 0) {
		return rc;
	}
	t = spdk_thread_create("fault_p", NULL);
	if (t == NULL) {
		spdk_thread_lib_fini();
		return -ENOMEM;
	}
	spdk_set_thread(t);
	timed = spdk_poller_register(count_poller, &n_timed, 100);
	untimed = spdk_poller_register(count_poller, &n_untimed, 0);
	parked = spdk_poller_register(count_poller, &n_parked, 0);
	if (timed == NULL || untimed == NULL || parked == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (interrupt_mode) {
		spdk_poller_register_interrupt(parked, mode_changed, &modes);
		if (modes != 1) {
			FAIL("the mode callback ran %d times, want 1", modes);
		}
	}
	deadline = now_ms() + PROGRESS_MS;
	while ((n_timed < 3 || (!interrupt_mode && n_untimed < 3)) && now_ms() < deadline) {
		spdk_thread_poll(t, 0, 0);
	}
	if (n_timed < 3) {
		/* A timer refused in interrupt mode (timerfd) is logged and
		 * the poller does not run: an error, seen here. */
		rc = -EIO;
	}
	if (interrupt_mode && n_parked != 0) {
		FAIL("a poller parked by interrupt mode ran %d times", n_parked);
	}
	spdk_poller_pause(parked);
	spdk_poller_resume(parked);
out:
	spdk_poller_unregister(&timed);
	spdk_poller_unregister(&untimed);
	spdk_poller_unregister(&parked);
	end_thread(t);
	spdk_thread_lib_fini();
	return rc;
}

/* ---------------------------------------------------------------------------
 * first_use: what makes a thread's poller block, on fresh threads
 * ------------------------------------------------------------------------- */

static int g_first_pp_runs;

static void
first_pp_handler(void *ctx)
{
	g_first_pp_runs++;
}

static void
first_pp_msg(void *ctx)
{
	spdk_thread_register_post_poller_handler(first_pp_handler, NULL);
}

static int
first_intr_handler(void *ctx)
{
	uint64_t v;

	return read(*(int *)ctx, &v, sizeof(v)) == (ssize_t)sizeof(v) ? 1 : 0;
}

static int
scenario_first_use(void)
{
	struct spdk_thread *t[4] = { NULL };
	struct spdk_interrupt *intr = NULL;
	struct spdk_poller *poller = NULL;
	struct pollfd pfd;
	uint64_t one = 1;
	int efd, fd, ran = 0, runs = 0, rc;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (efd < 0) {
		FAIL("eventfd: %s", strerror(errno));
	}
	rc = spdk_thread_lib_init(NULL, 0);
	if (rc != 0) {
		close(efd);
		return rc;
	}
	for (int i = 0; i < 4; i++) {
		t[i] = spdk_thread_create("fault_first", NULL);
		if (t[i] == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	/* A post-poller handler registered by a message: it runs after it,
	 * or (no memory) is not registered and does not. */
	g_first_pp_runs = 0;
	rc = spdk_thread_send_msg(t[0], first_pp_msg, NULL);
	if (rc != 0) {
		goto out;
	}
	spdk_thread_poll(t[0], 0, 0);
	if (g_first_pp_runs != 1) {
		rc = -ENOMEM;
		goto out;
	}
	/* An interrupt source. */
	spdk_set_thread(t[1]);
	intr = spdk_interrupt_register(efd, first_intr_handler, &efd, "first");
	if (intr == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (write(efd, &one, sizeof(one)) != (ssize_t)sizeof(one)) {
		FAIL("write: %s", strerror(errno));
	}
	rc = spdk_fd_group_wait(spdk_thread_get_interrupt_fd_group(t[1]), 0);
	if (rc != 1) {
		rc = rc < 0 ? rc : -EIO;
		goto out;
	}
	/* The interrupt fd: a message makes it readable. */
	spdk_set_thread(NULL);
	fd = spdk_thread_get_interrupt_fd(t[2]);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	rc = spdk_thread_send_msg(t[2], count_msg, &ran);
	if (rc != 0) {
		goto out;
	}
	pfd = (struct pollfd) { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, PROGRESS_MS) != 1) {
		FAIL("a message did not make the interrupt fd readable");
	}
	spdk_thread_poll(t[2], 0, 0);
	if (ran != 1) {
		FAIL("the message ran %d times", ran);
	}
	/* A poller. */
	spdk_set_thread(t[3]);
	poller = spdk_poller_register(count_poller, &runs, 0);
	if (poller == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	spdk_thread_poll(t[3], 0, 0);
	if (runs != 1) {
		FAIL("the poller ran %d times", runs);
	}
	rc = 0;
out:
	if (intr != NULL) {
		spdk_set_thread(t[1]);
		spdk_interrupt_unregister(&intr);
	}
	if (poller != NULL) {
		spdk_set_thread(t[3]);
		spdk_poller_unregister(&poller);
	}
	spdk_set_thread(NULL);
	for (int i = 0; i < 4; i++) {
		if (t[i] != NULL) {
			end_thread(t[i]);
		}
	}
	spdk_thread_lib_fini();
	close(efd);
	return rc;
}

static int
scenario_pollers(void)
{
	return run_pollers(false);
}

static int
scenario_pollers_interrupt(void)
{
	return run_pollers(true);
}

/* ---------------------------------------------------------------------------
 * json_config
 * ------------------------------------------------------------------------- */

static int g_json_calls;

static void
fault_json_method(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w;

	g_json_calls++;
	w = spdk_jsonrpc_begin_result(request);
	if (w == NULL) {
		return;
	}
	if (params != NULL) {
		spdk_json_write_val(w, params);
	} else {
		spdk_json_write_null(w);
	}
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("fault_json_method", fault_json_method, SPDK_RPC_STARTUP)

static void
fault_json_fail(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	(void)params;
	g_json_calls++;
	spdk_jsonrpc_send_error_response(request, -EEXIST, "fails on purpose");
}
SPDK_RPC_REGISTER("fault_json_fail", fault_json_fail, SPDK_RPC_STARTUP)

static void
json_done(int rc, void *ctx)
{
	int *out = ctx;

	out[0] = 1;
	out[1] = rc;
}

static int
scenario_json_config(void)
{
	static const char text[] =
		"{\"subsystems\": [{\"subsystem\": \"fault\", \"config\": [\n"
		"  {\"method\": \"fault_json_method\", \"params\": {\"a\": [1, \"x\"]}},\n"
		"  [{\"method\": \"fault_json_method\"}, {\"method\": \"fault_json_method\"}],\n"
		"  {\"method\": \"fault_json_fail\"},\n"
		"  {\"method\": \"fault_json_method\", \"params\": {\"s\": \"\\u00e9\"}}]},\n"
		" {\"subsystem\": \"other\", \"config\": null}]}";
	struct spdk_thread *t;
	int done[2] = { 0, 0 }, rc;
	uint64_t deadline;

	rc = spdk_thread_lib_init(NULL, 0);
	if (rc != 0) {
		return rc;
	}
	t = spdk_thread_create("fault_app", NULL);
	if (t == NULL) {
		spdk_thread_lib_fini();
		return -ENOMEM;
	}
	spdk_set_thread(t);
	spdk_rpc_set_state(SPDK_RPC_STARTUP);
	g_json_calls = 0;
	spdk_subsystem_load_config((void *)text, (ssize_t)strlen(text), json_done, done, false);
	deadline = now_ms() + PROGRESS_MS;
	while (!done[0] && now_ms() < deadline) {
		spdk_thread_poll(t, 0, 0);
	}
	if (!done[0]) {
		FAIL("json_config: the load did not end");
	}
	rc = done[1];
	if (rc == 0 && g_json_calls != 5) {
		/* A call that could not be made is an error, never a silent skip. */
		FAIL("json_config: rc 0 after %d calls of 5", g_json_calls);
	}
	end_thread(t);
	spdk_thread_lib_fini();
	return rc;
}

/* ---------------------------------------------------------------------------
 * fd_group
 * ------------------------------------------------------------------------- */

static int
efd_handler(void *ctx)
{
	int *fd = ctx;
	uint64_t v;

	if (read(fd[0], &v, sizeof(v)) == sizeof(v)) {
		fd[1]++;
	}
	return 0;
}

static int
scenario_fd_group(void)
{
	struct spdk_fd_group *parent = NULL, *child = NULL;
	int a[2] = { -1, 0 }, b[2] = { -1, 0 };	/* fd, times its handler read it */
	uint64_t one = 1;
	bool a_added = false, b_added = false, nested = false;
	int rc, n;

	a[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	b[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_GE(a[0], 0);
	ASSERT_GE(b[0], 0);
	rc = spdk_fd_group_create(&parent);
	if (rc != 0) {
		goto out;
	}
	rc = spdk_fd_group_create(&child);
	if (rc != 0) {
		goto out;
	}
	rc = SPDK_FD_GROUP_ADD(parent, a[0], efd_handler, a);
	if (rc != 0) {
		goto out;
	}
	a_added = true;
	rc = SPDK_FD_GROUP_ADD(child, b[0], efd_handler, b);
	if (rc != 0) {
		goto out;
	}
	b_added = true;
	rc = spdk_fd_group_nest(parent, child);
	if (rc != 0) {
		goto out;
	}
	nested = true;
	ASSERT_EQ(write(a[0], &one, sizeof(one)), (ssize_t)sizeof(one));
	ASSERT_EQ(write(b[0], &one, sizeof(one)), (ssize_t)sizeof(one));
	n = spdk_fd_group_wait(parent, 0);
	if (n < 0) {
		rc = n;
		goto out;
	}
	/* A refused wait leaves the events pending: a second wait runs them. */
	if (a[1] + b[1] < 2) {
		n = spdk_fd_group_wait(parent, 0);
		if (n < 0) {
			rc = n;
			goto out;
		}
	}
	if (a[1] != 1 || b[1] != 1) {
		FAIL("handlers ran %d and %d times, want 1 and 1", a[1], b[1]);
	}
out:
	if (nested) {
		n = spdk_fd_group_unnest(parent, child);
		if (n != 0) {
			/* Refused with nothing changed (it must re-register the
			 * child's fds): an application retries later. */
			rc = rc != 0 ? rc : n;
			pw__fault_suspend(true);
			ASSERT_EQ(spdk_fd_group_unnest(parent, child), 0);
			pw__fault_suspend(false);
		}
	}
	if (b_added) {
		spdk_fd_group_remove(child, b[0]);
	}
	if (a_added) {
		spdk_fd_group_remove(parent, a[0]);
	}
	if (child != NULL) {
		spdk_fd_group_destroy(child);
	}
	if (parent != NULL) {
		spdk_fd_group_destroy(parent);
	}
	close(a[0]);
	close(b[0]);
	return rc;
}

/* ---------------------------------------------------------------------------
 * env
 * ------------------------------------------------------------------------- */

static int
scenario_env(void)
{
	struct spdk_env_opts opts;
	struct spdk_ring *ring = NULL;
	struct spdk_mempool *mp = NULL;
	void *objs[8], *out[8];
	uint32_t core, cores = 0;
	int rc;

	spdk_env_opts_init(&opts);
	opts.name = "fault_env";
	opts.core_mask = "0x3";
	rc = spdk_env_init(&opts);
	if (rc != 0) {
		return rc;
	}
	SPDK_ENV_FOREACH_CORE(core) {
		cores++;
	}
	if (cores != 2) {
		FAIL("env init on 0x3 gave %u cores", cores);
	}
	ring = spdk_ring_create(SPDK_RING_TYPE_MP_MC, 64, SPDK_ENV_NUMA_ID_ANY);
	mp = spdk_mempool_create("fault_mp", 64, 32, 8, SPDK_ENV_NUMA_ID_ANY);
	if (ring == NULL || mp == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < 8; i++) {
		objs[i] = spdk_mempool_get(mp);
		if (objs[i] == NULL) {
			FAIL("a fresh pool of 64 gave no element %d", i);
		}
	}
	if (spdk_ring_enqueue(ring, objs, 8, NULL) != 8) {
		FAIL("a fresh ring of 64 refused 8 elements");
	}
	if (spdk_ring_dequeue(ring, out, 8) != 8) {
		FAIL("the ring did not give back its 8 elements");
	}
	for (int i = 0; i < 8; i++) {
		if (out[i] != objs[i]) {
			FAIL("the ring reordered element %d", i);
		}
		spdk_mempool_put(mp, out[i]);
	}
	if (spdk_mempool_count(mp) != 64) {
		FAIL("the pool holds %zu of 64 elements", spdk_mempool_count(mp));
	}
out:
	spdk_mempool_free(mp);
	spdk_ring_free(ring);
	spdk_env_fini();
	return rc;
}

/* ---------------------------------------------------------------------------
 * app: 2 cores, a thread moved from core 1 to core 0, stop
 * ------------------------------------------------------------------------- */

struct app_run {
	struct spdk_thread	*app_thread;
	struct spdk_poller	*watchdog;
	uint64_t		deadline;
	int			result;		/* -EINPROGRESS until the chain ends */
	uint32_t		first_core, moved_core;
};

static struct app_run g_run;

static void
app_done(void *ctx)
{
	int rc = (int)(intptr_t)ctx;

	spdk_poller_unregister(&g_run.watchdog);
	g_run.result = rc;
	spdk_app_stop(rc);
}

/* From the moving thread: report rc to the app thread and exit. If the
 * report cannot be sent, the watchdog stops the app. */
static void
mover_finish(int rc)
{
	spdk_thread_send_msg(g_run.app_thread, app_done, (void *)(intptr_t)rc);
	spdk_thread_exit(spdk_get_thread());
}

static void
mover_moved(void *ctx)
{
	g_run.moved_core = spdk_env_get_current_core();
	mover_finish(g_run.moved_core == 0 ? 0 : -EIO);
}

static void
mover_start(void *ctx)
{
	struct spdk_cpuset mask;
	int rc;

	g_run.first_core = spdk_env_get_current_core();
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 0, true);
	rc = spdk_thread_set_cpumask(&mask);
	if (rc != 0) {
		mover_finish(rc);
		return;
	}
	/* Runs after the move (between slices), on the new core. */
	rc = spdk_thread_send_msg(spdk_get_thread(), mover_moved, NULL);
	if (rc != 0) {
		mover_finish(rc);
	}
}

static int
watchdog(void *ctx)
{
	if (now_ms() < g_run.deadline) {
		return SPDK_POLLER_IDLE;
	}
	spdk_poller_unregister(&g_run.watchdog);
	g_run.result = -ETIMEDOUT;
	spdk_app_stop(-ETIMEDOUT);
	return SPDK_POLLER_BUSY;
}

static void
app_start_fn(void *ctx)
{
	struct spdk_cpuset mask;
	struct spdk_thread *mover;

	g_run.app_thread = spdk_get_thread();
	g_run.deadline = now_ms() + 2000;
	g_run.watchdog = spdk_poller_register(watchdog, NULL, 1000);
	if (g_run.watchdog == NULL) {
		g_run.result = -ENOMEM;
		spdk_app_stop(-ENOMEM);
		return;
	}
	spdk_cpuset_zero(&mask);
	spdk_cpuset_set_cpu(&mask, 1, true);
	mover = spdk_thread_create("fault_mover", &mask);
	if (mover == NULL) {
		app_done((void *)(intptr_t)-ENOMEM);
		return;
	}
	if (spdk_thread_send_msg(mover, mover_start, NULL) != 0) {
		/* The thread lives on until the reactors end it at stop. */
		app_done((void *)(intptr_t)-ENOMEM);
	}
}

static int
scenario_app(void)
{
	struct spdk_app_opts opts;
	int rc;

	memset(&g_run, 0, sizeof(g_run));
	g_run.result = -EINPROGRESS;
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "fault_app";
	/* No RPC server: tests run in parallel and would share its default path. */
	opts.rpc_addr = NULL;
	opts.reactor_mask = "0x3";
	rc = spdk_app_start(&opts, app_start_fn, NULL);
	spdk_app_fini();
	if (rc == 0 && g_run.result != 0) {
		FAIL("spdk_app_start returned 0 but the run ended with %d", g_run.result);
	}
	if (rc == 0 && (g_run.first_core != 1 || g_run.moved_core != 0)) {
		FAIL("the thread ran on core %u then %u, want 1 then 0", g_run.first_core,
		     g_run.moved_core);
	}
	return rc;
}

/* ---------------------------------------------------------------------------
 * Scenario: the RPC server in an app
 * ------------------------------------------------------------------------- */

static struct {
	char		dir[64];
	char		sock[96];
	pthread_t	client;
	bool		client_started;
	int		result;		/* the client's: 0 when both answers came whole */
} g_rpc;

/* One request, and its answer up to the "\n" that ends it, which must hold
 * \p want; -EIO when the server refused, closed, or was silent for
 * PROGRESS_MS (an injected failure may cost a request its answer). */
static int
rpc_call(int fd, const char *req, const char *want)
{
	char buf[16384];
	size_t len = 0, n = strlen(req);

	while (n > 0) {
		ssize_t w = send(fd, req, n, MSG_NOSIGNAL);

		if (w <= 0) {
			return -EIO;
		}
		req += w;
		n -= (size_t)w;
	}
	while (len < sizeof(buf) - 1) {
		ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (r <= 0) {
			return -EIO;	/* closed, or SO_RCVTIMEO passed */
		}
		len += (size_t)r;
		buf[len] = '\0';
		if (memchr(buf, '\n', len) != NULL) {
			return strstr(buf, want) != NULL ? 0 : -EIO;
		}
	}
	return -EIO;
}

static void *
rpc_client(void *arg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 0, .tv_usec = PROGRESS_MS * 1000 };
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", g_rpc.sock);
	g_rpc.result = -EIO;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    rpc_call(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"spdk_get_version\",\"id\":1}",
		     "\"version\"") == 0 &&
	    rpc_call(fd, "[{\"jsonrpc\":\"2.0\",\"method\":\"thread_get_stats\",\"id\":2},"
		     "{\"jsonrpc\":\"2.0\",\"method\":\"thread_get_pollers\",\"id\":3}]",
		     "\"active_pollers\"") == 0) {
		g_rpc.result = 0;
	}
	if (fd >= 0) {
		close(fd);
	}
	spdk_app_stop(0);
	return NULL;
}

static void
rpc_start_fn(void *ctx)
{
	if (pthread_create(&g_rpc.client, NULL, rpc_client, NULL) != 0) {
		FAIL("cannot start the client pthread");
	}
	g_rpc.client_started = true;
}

static int
scenario_rpc(void)
{
	struct spdk_app_opts opts;
	int rc;

	if (g_rpc.dir[0] == '\0') {
		snprintf(g_rpc.dir, sizeof(g_rpc.dir), "/tmp/pw_fault_rpc.XXXXXX");
		if (mkdtemp(g_rpc.dir) == NULL) {
			FAIL("mkdtemp: %s", strerror(errno));
		}
		snprintf(g_rpc.sock, sizeof(g_rpc.sock), "%s/rpc.sock", g_rpc.dir);
	}
	g_rpc.client_started = false;
	g_rpc.result = -EINPROGRESS;
	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "fault_rpc";
	opts.rpc_addr = g_rpc.sock;
	opts.reactor_mask = "0x1";
	rc = spdk_app_start(&opts, rpc_start_fn, NULL);
	if (g_rpc.client_started) {
		pthread_join(g_rpc.client, NULL);
	}
	spdk_app_fini();
	if (rc == 0 && g_rpc.client_started && g_rpc.result != 0) {
		rc = g_rpc.result;
	}
	return rc;
}

/* ---------------------------------------------------------------------------
 * The driver
 * ------------------------------------------------------------------------- */

static void
check_leaks(const char *name, uint64_t n)
{
	if (__lsan_do_recoverable_leak_check != NULL && __lsan_do_recoverable_leak_check() != 0) {
		FAIL("%s: leak after failing injection point %" PRIu64, name, n);
	}
}

static void
drive(const char *name, int (*scenario)(void), bool sticky)
{
	uint64_t n, clean_points, errors = 0;
	cpu_set_t affinity;
	int rc;

	ASSERT_EQ(sched_getaffinity(0, sizeof(affinity), &affinity), 0);
	/* Quiet: the library logs every refusal; the test reads return codes. */
	spdk_log_set_print_level(SPDK_LOG_DISABLED);
	pw__fault_arm(0, false);
	rc = scenario();
	clean_points = pw__fault_points();
	if (rc != 0) {
		FAIL("%s: fails with nothing injected: %d", name, rc);
	}
	for (n = 1;; n++) {
		pw__fault_arm(n, sticky);
		rc = scenario();
		if (pw__fault_injected() == 0) {
			pw__fault_arm(0, false);
			if (rc != 0) {
				FAIL("%s: fails with nothing injected: %d", name, rc);
			}
			break;
		}
		pw__fault_arm(0, false);
		if (rc != 0) {
			errors++;
		}
		/* The one thing the library cannot undo when the system refuses:
		 * giving the pthread it pinned its cpu mask back (logged). */
		ASSERT_EQ(sched_setaffinity(0, sizeof(affinity), &affinity), 0);
		check_leaks(name, n);
		/* The library must still work. */
		rc = scenario();
		if (rc != 0) {
			FAIL("%s: after failing point %" PRIu64 ", a clean run fails: %d", name, n,
			     rc);
		}
		if (n > 100000) {
			FAIL("%s: the scenario never runs out of injection points", name);
		}
	}
	check_leaks(name, n);
	printf("fault %-18s %-7s %4" PRIu64 " injection points in a clean run, %4" PRIu64
	       " runs with a failure, %4" PRIu64 " of them returned an error\n", name,
	       sticky ? "sticky" : "single", clean_points, n - 1, errors);
	fflush(stdout);
}

#define FAULT_TEST(scn, seconds)						\
	TEST_TIMEOUT(scn##_single, seconds)					\
	{									\
		drive(#scn, scenario_##scn, false);				\
	}									\
	TEST_TIMEOUT(scn##_sticky, seconds)					\
	{									\
		drive(#scn, scenario_##scn, true);				\
	}

FAULT_TEST(thread_lifecycle, 300)
FAULT_TEST(thread_ids, 300)
FAULT_TEST(cpumask, 300)
FAULT_TEST(io_device, 300)
FAULT_TEST(pollers, 300)
FAULT_TEST(pollers_interrupt, 300)
FAULT_TEST(first_use, 300)
FAULT_TEST(fd_group, 300)
FAULT_TEST(json_config, 300)
FAULT_TEST(env, 300)
FAULT_TEST(iobuf, 300)

static void
need_two_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || !CPU_ISSET(0, &set) ||
	    !CPU_ISSET(1, &set)) {
		TEST_SKIP("needs cpus 0 and 1");
	}
}

TEST_TIMEOUT(app_single, 600)
{
	need_two_cpus();
	drive("app", scenario_app, false);
}

TEST_TIMEOUT(app_sticky, 600)
{
	need_two_cpus();
	drive("app", scenario_app, true);
}

FAULT_TEST(rpc, 600)

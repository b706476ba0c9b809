/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The app framework drives the subsystems (lib/event/app.c, spdk/init.h):
 * - they are initialised in dependency order before start_fn, and finished in
 *   reverse after spdk_app_stop(), on the app thread, while the reactors still
 *   run; again the same way when the app is started a second time;
 * - an init that fails: spdk_app_start() returns its rc, start_fn never runs,
 *   the subsystems initialised before it are finished (what they allocated
 *   is freed: the ASan build's LeakSanitizer checks it);
 * - an init and a fini that report later, from another spdk_thread;
 * - a stop during the initialisation: the subsystem being initialised reports,
 *   then the teardown runs; the rest is never initialised, start_fn never runs;
 * - a second spdk_app_stop() and a SIGINT during the teardown: each subsystem
 *   is finished once;
 * - a stop that reaches the app thread after the last init reported but
 *   before start_fn ran: start_fn runs first, then the teardown (as SPDK,
 *   which calls start_fn at once), never start_fn after the teardown.
 *
 * Three subsystems, registered in the opposite of their order: ut_c needs
 * ut_b, which needs ut_a. Other subsystems of the library (if any) are not
 * recorded.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/init.h"
#include "spdk/log.h"
#include "spdk/thread.h"
#include "event/event_internal.h"

#include "harness.h"
#include "log_capture.h"

/* ---------------------------------------------------------------------------
 * What happened, in order
 * ------------------------------------------------------------------------- */

static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_log[1024];

/* Record \p what; a '!' is added when it did not run on the app thread with
 * the reactors running (a teardown after the reactors stopped, for one). */
static void
note(const char *what)
{
	struct spdk_thread *app = spdk_thread_get_app_thread();
	bool proper = app != NULL && spdk_get_thread() == app &&
		      pw__reactors_state() == SPDK_REACTOR_STATE_RUNNING;

	pthread_mutex_lock(&g_log_lock);
	snprintf(g_log + strlen(g_log), sizeof(g_log) - strlen(g_log), "%s%s%s",
		 g_log[0] != '\0' ? " " : "", what, proper ? "" : "!");
	pthread_mutex_unlock(&g_log_lock);
}

static const char *
log_text(void)
{
	return g_log;
}

/* ---------------------------------------------------------------------------
 * The subsystems
 * ------------------------------------------------------------------------- */

enum b_mode {
	B_NOW,		/* init and fini report at once */
	B_LATER,	/* both report later, from a worker spdk_thread */
	B_FAIL,		/* init fails with -ENODEV */
	B_STOP,		/* init calls spdk_app_stop(0), then reports later */
};

static enum b_mode g_b_mode;
static bool g_c_stops;			/* ut_c's init: spdk_app_stop(0), then reports at once */
static void *g_a_memory;		/* ut_a's allocation, freed by its fini */
static struct spdk_thread *g_worker;
static bool g_a_slow_fini;		/* ut_a's fini: stop twice, SIGINT, report later */
static struct spdk_poller *g_a_poller;
static int g_a_poller_runs;

static void
a_init(void)
{
	note("init:a");
	g_a_memory = malloc(4096);
	spdk_subsystem_init_next(g_a_memory != NULL ? 0 : -ENOMEM);
}

static int
a_fini_poll(void *arg)
{
	/* The stop and the signal above were handled by now (messages run
	 * before pollers); a few more rounds do no harm. */
	if (++g_a_poller_runs < 3) {
		return SPDK_POLLER_BUSY;
	}
	spdk_poller_unregister(&g_a_poller);
	note("fini:a");
	free(g_a_memory);
	g_a_memory = NULL;
	spdk_subsystem_fini_next();
	return SPDK_POLLER_BUSY;
}

static void
a_fini(void)
{
	if (!g_a_slow_fini) {
		note("fini:a");
		free(g_a_memory);
		g_a_memory = NULL;
		spdk_subsystem_fini_next();
		return;
	}
	spdk_app_stop(0);
	spdk_app_stop(-1);	/* only the first non-zero rc counts: this one */
	ASSERT_EQ(pthread_kill(pthread_self(), SIGINT), 0);
	g_a_poller = SPDK_POLLER_REGISTER(a_fini_poll, NULL, 0);
	ASSERT_NOT_NULL(g_a_poller);
}

static struct spdk_subsystem g_ut_a = {
	.name = "ut_a",
	.init = a_init,
	.fini = a_fini,
};

static void
worker_init_done(void *arg)
{
	spdk_subsystem_init_next(0);
}

static void
worker_fini_done(void *arg)
{
	spdk_subsystem_fini_next();
	spdk_thread_exit(g_worker);
}

static void
b_init(void)
{
	struct spdk_cpuset mask;

	note("init:b");
	switch (g_b_mode) {
	case B_NOW:
		spdk_subsystem_init_next(0);
		return;
	case B_FAIL:
		spdk_subsystem_init_next(-ENODEV);
		return;
	case B_STOP:
		spdk_app_stop(0);
	/* fallthrough */
	case B_LATER:
		spdk_cpuset_zero(&mask);
		spdk_cpuset_set_cpu(&mask, spdk_env_get_main_core(), true);
		g_worker = spdk_thread_create("ut_worker", &mask);
		ASSERT_NOT_NULL(g_worker);
		ASSERT_EQ(spdk_thread_send_msg(g_worker, worker_init_done, NULL), 0);
		return;
	}
}

static void
b_fini(void)
{
	note("fini:b");
	if (g_worker != NULL) {
		ASSERT_EQ(spdk_thread_send_msg(g_worker, worker_fini_done, NULL), 0);
		return;
	}
	spdk_subsystem_fini_next();
}

static struct spdk_subsystem g_ut_b = {
	.name = "ut_b",
	.init = b_init,
	.fini = b_fini,
};

static void
c_init(void)
{
	note("init:c");
	if (g_c_stops) {
		/* The stop's message is queued before anything the end of the
		 * initialisation queues. */
		spdk_app_stop(0);
	}
	spdk_subsystem_init_next(0);
}

static void
c_fini(void)
{
	note("fini:c");
	spdk_subsystem_fini_next();
}

static struct spdk_subsystem g_ut_c = {
	.name = "ut_c",
	.init = c_init,
	.fini = c_fini,
};

/* Registered c, b, a: the order comes from the dependencies. */
SPDK_SUBSYSTEM_REGISTER(g_ut_c)
SPDK_SUBSYSTEM_REGISTER(g_ut_b)
SPDK_SUBSYSTEM_REGISTER(g_ut_a)
SPDK_SUBSYSTEM_DEPEND(ut_c, ut_b)
SPDK_SUBSYSTEM_DEPEND(ut_b, ut_a)

/* ---------------------------------------------------------------------------
 * Running the app
 * ------------------------------------------------------------------------- */

static void
start_and_stop(void *ctx)
{
	note("start");
	spdk_app_stop(0);
}

static void
start_only(void *ctx)
{
	note("start");
}

static void
must_not_run(void *ctx)
{
	FAIL("start_fn ran; log: %s", log_text());
}

static int
run_app(spdk_msg_fn start_fn)
{
	struct spdk_app_opts opts;
	int rc;

	spdk_app_opts_init(&opts, sizeof(opts));
	opts.name = "test_app_subsystems";
	opts.reactor_mask = "0x1";
	opts.rpc_addr = NULL;
	opts.print_level = SPDK_LOG_WARN;
	rc = spdk_app_start(&opts, start_fn, NULL);
	spdk_app_fini();
	return rc;
}

#define FULL_RUN "init:a init:b init:c start fini:c fini:b fini:a"

TEST(subsystems_start_before_start_fn_and_finish_in_reverse_after_stop)
{
	ASSERT_EQ(run_app(start_and_stop), 0);
	ASSERT_STR_EQ(log_text(), FULL_RUN);
	ASSERT_NULL(g_a_memory);
}

TEST(a_second_start_initialises_and_finishes_them_again)
{
	ASSERT_EQ(run_app(start_and_stop), 0);
	ASSERT_EQ(run_app(start_and_stop), 0);
	ASSERT_STR_EQ(log_text(), FULL_RUN " " FULL_RUN);
}

TEST(a_failing_init_fails_the_start_and_finishes_the_initialised_ones)
{
	int rc;

	g_b_mode = B_FAIL;
	log_capture_start();
	rc = run_app(must_not_run);
	log_capture_stop();
	ASSERT_EQ(rc, -ENODEV);
	/* ut_c never initialised, ut_a finished (its memory freed). */
	ASSERT_STR_EQ(log_text(), "init:a init:b fini:a");
	ASSERT_NULL(g_a_memory);
	ASSERT_TRUE(log_capture_contains("ut_b"));
	ASSERT_TRUE(log_capture_contains("Subsystem initialization failed"));
}

TEST(init_and_fini_reporting_later_from_another_thread)
{
	g_b_mode = B_LATER;
	ASSERT_EQ(run_app(start_and_stop), 0);
	ASSERT_STR_EQ(log_text(), FULL_RUN);
}

TEST(a_stop_during_the_initialisation_finishes_what_was_initialised)
{
	g_b_mode = B_STOP;
	ASSERT_EQ(run_app(must_not_run), 0);
	/* ut_b's init reported success after the stop: it is finished too. */
	ASSERT_STR_EQ(log_text(), "init:a init:b fini:b fini:a");
	ASSERT_NULL(g_a_memory);
}

TEST(a_second_stop_and_a_signal_during_the_teardown_finish_once)
{
	int rc;

	g_a_slow_fini = true;
	log_capture_start();
	rc = run_app(start_and_stop);
	log_capture_stop();
	ASSERT_EQ(rc, -1);
	ASSERT_STR_EQ(log_text(), FULL_RUN);
	ASSERT_TRUE(log_capture_contains("spdk_app_stop called twice"));
	ASSERT_NULL(g_a_memory);
}

TEST(a_stop_queued_before_start_fn_runs_it_before_the_teardown)
{
	g_c_stops = true;
	ASSERT_EQ(run_app(start_only), 0);
	ASSERT_STR_EQ(log_text(), FULL_RUN);
	ASSERT_NULL(g_a_memory);
}

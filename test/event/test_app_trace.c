/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The app's tracing: the -e parse (SPDK's syntax: group names, "all", hex
 * group masks, group:hex-mask, group:name+name, comma lists; every bad text
 * refused with a message naming what was wrong and nothing enabled),
 * spdk_app_setup_trace() (num_entries 0 = no trace), spdk_app_start() with
 * -e (the masks are set when start_fn runs; a bad -e: rc 1, the app does not
 * start, no trace left), --num-trace-entries sizing the rings, and the trace
 * ended by spdk_app_fini().
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/trace.h"
#include "spdk/util.h"
#include "pinwheel/trace.h"

#include "event/event_internal.h"

#define GA	2
#define GB	5
#define TA_X	SPDK_TPOINT_ID(GA, 0)
#define TA_Y	SPDK_TPOINT_ID(GA, 3)

static void
ga_trace(void)
{
	spdk_trace_register_description("X_POINT", TA_X, 0, 0, 0, SPDK_TRACE_ARG_TYPE_INT, "v");
	spdk_trace_register_description("Y_POINT", TA_Y, 0, 0, 0, SPDK_TRACE_ARG_TYPE_INT, "v");
}
SPDK_TRACE_REGISTER_FN(ga_trace, "tga", GA)

static void
gb_trace(void)
{
}
SPDK_TRACE_REGISTER_FN(gb_trace, "tgb", GB)

static uint64_t g_m[SPDK_TRACE_MAX_GROUP_ID];

static void
parse_ok(const char *spec)
{
	int rc = pw__app_trace_parse(spec, g_m);

	if (rc != 0) {
		FAIL("-e '%s' refused (%d)", spec, rc);
	}
}

static void
parse_fails(const char *spec, const char *message)
{
	log_capture_start();
	int rc = pw__app_trace_parse(spec, g_m);
	if (rc != -EINVAL) {
		FAIL("-e '%s': expected -EINVAL, got %d", spec, rc);
	}
	if (!log_capture_contains(message)) {
		FAIL("-e '%s': expected a message with '%s', got '%s'", spec, message,
		     log_capture_text());
	}
	log_capture_stop();
	for (int g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
		ASSERT_EQ(g_m[g], 0);
	}
}

static uint64_t
all_groups(void)
{
	uint64_t all = 0;

	for (struct spdk_trace_register_fn *r = spdk_trace_get_first_register_fn(); r; r = r->next) {
		all |= SPDK_BIT(r->tgroup_id);
	}
	return all;
}

TEST(parse_groups)
{
	ASSERT_EQ(spdk_trace_init("/t", 64, 0), 0);
	parse_ok("tga");
	ASSERT_EQ(g_m[GA], UINT64_MAX);
	ASSERT_EQ(g_m[GB], 0);
	parse_ok("tga,tgb");
	ASSERT_EQ(g_m[GA], UINT64_MAX);
	ASSERT_EQ(g_m[GB], UINT64_MAX);
	/* A hex group mask: bit g is group g, registered or not (as SPDK). */
	parse_ok("0x24");
	ASSERT_EQ(g_m[GA], UINT64_MAX);
	ASSERT_EQ(g_m[GB], UINT64_MAX);
	parse_ok("24");
	ASSERT_EQ(g_m[GB], UINT64_MAX);
	parse_ok("0x80000");
	ASSERT_EQ(g_m[19], UINT64_MAX);
	parse_ok("all");
	for (int g = 0; g < SPDK_TRACE_MAX_GROUP_ID; g++) {
		ASSERT_EQ(g_m[g], (all_groups() & SPDK_BIT(g)) ? UINT64_MAX : 0);
	}
	spdk_trace_cleanup();
}

TEST(parse_tracepoints)
{
	ASSERT_EQ(spdk_trace_init("/t", 64, 0), 0);
	parse_ok("tga:0x9");
	ASSERT_EQ(g_m[GA], 0x9);
	parse_ok("tga:9");
	ASSERT_EQ(g_m[GA], 0x9);
	parse_ok("0x4:0x1");
	ASSERT_EQ(g_m[GA], 0x1);
	parse_ok("tga:y_point");
	ASSERT_EQ(g_m[GA], SPDK_BIT(3));
	parse_ok("tga:X_POINT+Y_POINT");
	ASSERT_EQ(g_m[GA], SPDK_BIT(0) | SPDK_BIT(3));
	/* Items combine. */
	parse_ok("tga:0x1,tgb,tga:0x2");
	ASSERT_EQ(g_m[GA], 0x3);
	ASSERT_EQ(g_m[GB], UINT64_MAX);
	parse_ok("tga:0xffffffffffffffff");
	ASSERT_EQ(g_m[GA], UINT64_MAX);
	spdk_trace_cleanup();
}

TEST(parse_refusals)
{
	ASSERT_EQ(spdk_trace_init("/t", 64, 0), 0);
	parse_fails("nope", "no tracepoint group named 'nope'");
	parse_fails("tga,nope", "no tracepoint group named 'nope'");
	parse_fails("", "no tracepoint group given");
	parse_fails("tga,,tgb", "an empty item");
	parse_fails("tga,", "an empty item");
	parse_fails("0x0", "group mask 0x0 must name groups 0 to 19");
	parse_fails("0x100000", "must name groups 0 to 19");
	parse_fails("0x10000000000000000", "no tracepoint group named");
	parse_fails("all:0x1", "'all' names several groups");
	parse_fails("0x24:0x1", "'0x24' names several groups");
	parse_fails("tga:", "no tracepoint '' in group 2");
	parse_fails("tga:0", "the tracepoint mask is 0");
	parse_fails("tga:NOPE", "no tracepoint 'NOPE' in group 2");
	parse_fails("tga:X_POINT+", "no tracepoint '' in group 2");
	parse_fails("tga:X_POINT+NOPE", "no tracepoint 'NOPE' in group 2");
	parse_fails("nope:0x1", "no tracepoint group named 'nope'");
	parse_fails("-1", "no tracepoint group named '-1'");
	log_capture_start();
	ASSERT_EQ(pw__app_trace_parse(NULL, g_m), -EINVAL);
	log_capture_stop();
	spdk_trace_cleanup();
}

TEST(setup_trace)
{
	struct spdk_app_opts opts;

	spdk_app_opts_init(&opts, sizeof(opts));
	ASSERT_EQ(opts.num_entries, SPDK_DEFAULT_NUM_TRACE_ENTRIES);
	ASSERT_EQ(opts.num_trace_threads, 0);
	opts.name = "tapp";
	opts.tpoint_group_mask = "tga:0x1,tgb";
	ASSERT_EQ(spdk_app_setup_trace(&opts), 0);
	ASSERT_TRUE(pw_trace_is_initialized());
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GA), 0x1);
	ASSERT_EQ(spdk_trace_get_tpoint_mask(GB), UINT64_MAX);
	char want[64];
	snprintf(want, sizeof(want), "/tapp_trace.pid%d", (int)getpid());
	ASSERT_STR_EQ(pw_trace_get_name(), want);
	/* Twice: refused by spdk_trace_init(). */
	log_capture_start();
	ASSERT_EQ(spdk_app_setup_trace(&opts), -EBUSY);
	log_capture_stop();
	spdk_trace_cleanup();

	opts.shm_id = 3;
	opts.tpoint_group_mask = NULL;
	ASSERT_EQ(spdk_app_setup_trace(&opts), 0);
	ASSERT_STR_EQ(pw_trace_get_name(), "/tapp_trace.3");
	ASSERT_EQ(spdk_trace_get_tpoint_group_mask(), 0);
	spdk_trace_cleanup();

	/* A bad -e: refused, and the trace is ended again. */
	opts.tpoint_group_mask = "tga:NOPE";
	log_capture_start();
	ASSERT_EQ(spdk_app_setup_trace(&opts), -EINVAL);
	ASSERT_TRUE(log_capture_contains("no tracepoint 'NOPE' in group 2"));
	log_capture_stop();
	ASSERT_FALSE(pw_trace_is_initialized());

	/* num_entries 0: no trace, -e warned about. */
	opts.num_entries = 0;
	opts.tpoint_group_mask = "tga";
	log_capture_start();
	ASSERT_EQ(spdk_app_setup_trace(&opts), 0);
	ASSERT_TRUE(log_capture_contains("-e 'tga' has no effect: --num-trace-entries is 0"));
	log_capture_stop();
	ASSERT_FALSE(pw_trace_is_initialized());

	opts.num_entries = 100;
	log_capture_start();
	ASSERT_EQ(spdk_app_setup_trace(&opts), -EINVAL);
	ASSERT_TRUE(log_capture_contains("must be a power of 2"));
	log_capture_stop();
	ASSERT_EQ(spdk_app_setup_trace(NULL), -EINVAL);
}

static uint64_t g_seen_mask;
static bool g_seen_init;
static struct pw_trace_stats g_seen_stats;

static void
check_and_stop(void *ctx)
{
	g_seen_init = pw_trace_is_initialized();
	g_seen_mask = spdk_trace_get_tpoint_mask(GA);
	spdk_trace_record(TA_Y, 0, 0, 0, 7ULL);
	spdk_trace_record(TA_X, 0, 0, 0, 7ULL);	/* not enabled */
	pw_trace_get_stats(&g_seen_stats);
	spdk_app_stop(0);
}

static void
app_opts(struct spdk_app_opts *opts)
{
	spdk_app_opts_init(opts, sizeof(*opts));
	opts->name = "test_app_trace";
	opts->reactor_mask = "0x1";
	opts->rpc_addr = NULL;
	opts->print_level = SPDK_LOG_WARN;
}

TEST(app_start_with_e)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.tpoint_group_mask = "tga:Y_POINT";
	opts.num_entries = 1024;
	ASSERT_EQ(spdk_app_start(&opts, check_and_stop, NULL), 0);
	ASSERT_TRUE(g_seen_init);
	ASSERT_EQ(g_seen_mask, SPDK_BIT(3));
	ASSERT_EQ(g_seen_stats.written, 1);
	ASSERT_EQ(g_seen_stats.rings, 1);
	/* Still readable between the return and spdk_app_fini(). */
	ASSERT_TRUE(pw_trace_is_initialized());
	spdk_app_fini();
	ASSERT_FALSE(pw_trace_is_initialized());
	ASSERT_EQ(pw_trace_g_masks.tpoint_mask[GA], 0);

	/* Restartable, with another -e. */
	app_opts(&opts);
	opts.tpoint_group_mask = "tgb";
	ASSERT_EQ(spdk_app_start(&opts, check_and_stop, NULL), 0);
	ASSERT_EQ(g_seen_mask, 0);
	ASSERT_EQ(g_seen_stats.written, 0);
	spdk_app_fini();
}

TEST(app_start_without_trace)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.num_entries = 0;
	ASSERT_EQ(spdk_app_start(&opts, check_and_stop, NULL), 0);
	ASSERT_FALSE(g_seen_init);
	spdk_app_fini();
}

static void
must_not_run(void *ctx)
{
	FAIL("start_fn ran with a bad -e");
}

TEST(app_refuses_bad_e)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.tpoint_group_mask = "tga,nope";
	log_capture_start();
	ASSERT_EQ(spdk_app_start(&opts, must_not_run, NULL), 1);
	ASSERT_TRUE(log_capture_contains("-e 'nope': no tracepoint group named 'nope'"));
	log_capture_stop();
	ASSERT_FALSE(pw_trace_is_initialized());
	spdk_app_fini();
	/* The app can start again afterwards. */
	app_opts(&opts);
	opts.tpoint_group_mask = "tga";
	ASSERT_EQ(spdk_app_start(&opts, check_and_stop, NULL), 0);
	ASSERT_EQ(g_seen_mask, UINT64_MAX);
	spdk_app_fini();
}

static uint64_t g_ring_entries;

static int
ring_size(const struct pw_trace_ring_info *ring, const struct pw_trace_entry *e, void *ctx)
{
	g_ring_entries = ring->num_entries;
	return 0;
}

static void
record_and_stop(void *ctx)
{
	spdk_trace_record(TA_X, 0, 0, 0, 1ULL);
	pw_trace_foreach_entry(ring_size, NULL);
	spdk_app_stop(0);
}

TEST(num_trace_entries_sizes_the_rings)
{
	struct spdk_app_opts opts;
	char *argv[] = { "app", "--num-trace-entries", "256", "-e", "tga", NULL };

	app_opts(&opts);
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(5, argv, &opts, "", NULL, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(opts.num_entries, 256);
	ASSERT_EQ(spdk_app_start(&opts, record_and_stop, NULL), 0);
	ASSERT_EQ(g_ring_entries, 256);
	spdk_app_fini();
}

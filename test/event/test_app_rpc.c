/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The framework's RPC methods (lib/event/app_rpc.c, thread_rpc.c,
 * log_rpc.c), against an app started in this process with its server on a
 * private socket, talked to by a small client over the socket:
 * - the exact key sets and types spdk_top decodes (framework_get_reactors for
 *   every --pw-rpc-compat setting, thread_get_stats, thread_get_pollers),
 *   and those of the other methods;
 * - the figures mean what they say (tid, lcore, cpumask, pollers' states and
 *   periods, channels);
 * - the error cases: params where none are taken, missing or wrong params,
 *   unknown thread, bad masks, bad signal names, bad levels and flags;
 * - thread_set_cpumask moves a thread; spdk_kill_instance stops the app.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/thread.h"
#include "pinwheel/event.h"

#include <sys/syscall.h>

#include "harness.h"
#include "ut_rpc_app.h"

#define INVALID_PARAMS	SPDK_JSONRPC_ERROR_INVALID_PARAMS

/* Asked once, before the app pins this pthread to core 0. */
static bool
have_two_cores(void)
{
	static int two = -1;
	cpu_set_t set;

	if (two < 0) {
		two = sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_ISSET(0, &set) &&
		      CPU_ISSET(1, &set);
	}
	return two == 1;
}

/* ---------------------------------------------------------------------------
 * A worker thread with one poller of each kind and one channel
 * ------------------------------------------------------------------------- */

static struct spdk_thread *g_worker;
static struct spdk_poller *g_active, *g_timed, *g_paused;
static struct spdk_io_channel *g_channel;
static uint64_t g_worker_id;
static char g_device;
static uint64_t g_main_tid;

static int
idle_poller(void *arg)
{
	return SPDK_POLLER_IDLE;
}

static int
channel_create(void *io_device, void *ctx_buf)
{
	return 0;
}

static void
channel_destroy(void *io_device, void *ctx_buf)
{
}

static void
worker_setup(void *arg)
{
	g_active = spdk_poller_register_named(idle_poller, NULL, 0, "rpc_active");
	g_timed = spdk_poller_register_named(idle_poller, NULL, 1000 * 1000, "rpc_timed");
	g_paused = spdk_poller_register_named(idle_poller, NULL, 0, "rpc_paused");
	ASSERT_NOT_NULL(g_active);
	ASSERT_NOT_NULL(g_timed);
	ASSERT_NOT_NULL(g_paused);
	spdk_poller_pause(g_paused);
	g_channel = spdk_get_io_channel(&g_device);
	ASSERT_NOT_NULL(g_channel);
}

static void
setup_worker(void)
{
	spdk_io_device_register(&g_device, channel_create, channel_destroy, 0, "rpc_device");
	g_worker = spdk_thread_create("rpc_worker", NULL);
	ASSERT_NOT_NULL(g_worker);
	g_worker_id = spdk_thread_get_id(g_worker);
	ASSERT_EQ(spdk_thread_send_msg(g_worker, worker_setup, NULL), 0);
}

static void
unregister_device(void *arg)
{
	spdk_io_device_unregister(&g_device, NULL);
}

static void
worker_teardown(void *arg)
{
	spdk_poller_unregister(&g_active);
	spdk_poller_unregister(&g_timed);
	spdk_poller_unregister(&g_paused);
	spdk_put_io_channel(g_channel);
	spdk_thread_exit(spdk_get_thread());
	spdk_thread_send_msg(spdk_thread_get_app_thread(), unregister_device, NULL);
}

/* From the client: the worker goes away before the app stops. */
static void
teardown_worker(void)
{
	ASSERT_EQ(spdk_thread_send_msg(g_worker, worker_teardown, NULL), 0);
}

/* The worker's pollers are registered once thread_get_pollers shows them. */
static struct ut_rpc_resp *
wait_for_worker_pollers(int fd)
{
	for (int i = 0; i < 3000; i++) {
		struct ut_rpc_resp *r = ut_rpc_call(fd, "thread_get_pollers", NULL);
		struct spdk_json_val *threads = ut_json_member(r->result, "threads");

		for (size_t t = 0; t < ut_json_count(threads); t++) {
			struct spdk_json_val *th = ut_json_elem(threads, t);

			if (ut_json_u64(ut_json_member(th, "id")) == g_worker_id &&
			    ut_json_count(ut_json_member(th, "paused_pollers")) == 1) {
				return r;
			}
		}
		ut_rpc_resp_free(r);
		usleep(10 * 1000);
	}
	FAIL("the worker's pollers never showed up");
}

/* ---------------------------------------------------------------------------
 * framework_get_reactors, for every compatibility setting
 * ------------------------------------------------------------------------- */

static const struct ut_json_key g_lw_thread_keys[] = {
	{"name", UT_STR}, {"id", UT_U64}, {"cpumask", UT_STR}, {"elapsed", UT_U64},
};

static void
check_reactors(int fd, enum pw_rpc_compat compat, const struct ut_json_key *keys, size_t n)
{
	static const struct ut_json_key top[] = {
		{"tick_rate", UT_U64}, {"pid", UT_U64}, {"reactors", UT_ARR},
	};
	struct ut_rpc_resp *r;
	struct spdk_json_val *reactors;
	bool saw_worker = false, saw_app = false;

	ASSERT_EQ(pw_app_set_rpc_compat(compat), 0);
	r = ut_rpc_call(fd, "framework_get_reactors", NULL);
	ASSERT_NOT_NULL(r->result);
	ut_json_check_keys(r->result, top, SPDK_COUNTOF(top), "framework_get_reactors");
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "pid")), (uint64_t)getpid());
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "tick_rate")), spdk_get_ticks_hz());
	reactors = ut_json_member(r->result, "reactors");
	ASSERT_EQ(ut_json_count(reactors), spdk_env_get_core_count());
	for (size_t i = 0; i < ut_json_count(reactors); i++) {
		struct spdk_json_val *re = ut_json_elem(reactors, i);
		struct spdk_json_val *lw = ut_json_member(re, "lw_threads"), *tid;
		uint32_t lcore = (uint32_t)ut_json_u64(ut_json_member(re, "lcore"));

		ut_json_check_keys(re, keys, n, "reactor");
		ASSERT_TRUE(spdk_cpuset_get_cpu(spdk_app_get_core_mask(), lcore));
		ASSERT_FALSE(ut_json_bool(ut_json_member(re, "in_interrupt")));
		tid = ut_json_member(re, "tid");
		if (tid != NULL && lcore == spdk_env_get_main_core()) {
			/* This test's main pthread is the main core's reactor. */
			ASSERT_EQ(ut_json_u64(tid), g_main_tid);
		} else if (tid != NULL) {
			ASSERT_NE(ut_json_u64(tid), 0);
			ASSERT_NE(ut_json_u64(tid), g_main_tid);
		}
		if (ut_json_member(re, "numa_id") != NULL) {
			ASSERT_GE(ut_json_i32(ut_json_member(re, "numa_id")), 0);
		}
		for (size_t t = 0; t < ut_json_count(lw); t++) {
			struct spdk_json_val *th = ut_json_elem(lw, t);
			char *name, *mask;

			ut_json_check_keys(th, g_lw_thread_keys, SPDK_COUNTOF(g_lw_thread_keys),
					   "lw_thread");
			name = ut_json_str(ut_json_member(th, "name"));
			mask = ut_json_str(ut_json_member(th, "cpumask"));
			/* Hex without 0x, within the app's cores. */
			ASSERT_EQ(strspn(mask, "0123456789abcdef"), strlen(mask));
			if (strcmp(name, "rpc_worker") == 0) {
				saw_worker = true;
				ASSERT_EQ(ut_json_u64(ut_json_member(th, "id")), g_worker_id);
			}
			if (strcmp(name, "app_thread") == 0) {
				saw_app = true;
				ASSERT_EQ(lcore, spdk_env_get_main_core());
				ASSERT_GT(ut_json_u64(ut_json_member(th, "elapsed")), 0);
			}
			free(name);
			free(mask);
		}
	}
	ASSERT_TRUE(saw_worker);
	ASSERT_TRUE(saw_app);
	ut_rpc_resp_free(r);
}

static void
reactors_scenario(int fd)
{
	static const struct ut_json_key v24_01[] = {
		{"lcore", UT_U32}, {"busy", UT_U64}, {"idle", UT_U64}, {"in_interrupt", UT_BOOL},
		{"lw_threads", UT_ARR},
	};
	static const struct ut_json_key v24_05[] = {
		{"lcore", UT_U32}, {"busy", UT_U64}, {"idle", UT_U64}, {"in_interrupt", UT_BOOL},
		{"lw_threads", UT_ARR}, {"irq", UT_U64}, {"sys", UT_U64}, {"usr", UT_U64},
	};
	static const struct ut_json_key v24_09[] = {
		{"lcore", UT_U32}, {"busy", UT_U64}, {"idle", UT_U64}, {"in_interrupt", UT_BOOL},
		{"lw_threads", UT_ARR}, {"irq", UT_U64}, {"sys", UT_U64}, {"usr", UT_U64},
		{"tid", UT_U64},
	};
	static const struct ut_json_key latest[] = {
		{"lcore", UT_U32}, {"busy", UT_U64}, {"idle", UT_U64}, {"in_interrupt", UT_BOOL},
		{"lw_threads", UT_ARR}, {"irq", UT_U64}, {"sys", UT_U64}, {"usr", UT_U64},
		{"tid", UT_U64}, {"numa_id", UT_I32},
	};

	ut_rpc_resp_free(wait_for_worker_pollers(fd));
	/* The default is the newest shape. */
	ASSERT_EQ(pw_app_get_rpc_compat(), PW_RPC_COMPAT_LATEST);
	check_reactors(fd, PW_RPC_COMPAT_LATEST, latest, SPDK_COUNTOF(latest));
	check_reactors(fd, PW_RPC_COMPAT_V24_09, v24_09, SPDK_COUNTOF(v24_09));
	check_reactors(fd, PW_RPC_COMPAT_V24_05, v24_05, SPDK_COUNTOF(v24_05));
	check_reactors(fd, PW_RPC_COMPAT_V24_01, v24_01, SPDK_COUNTOF(v24_01));
	ASSERT_EQ(pw_app_set_rpc_compat(PW_RPC_COMPAT_LATEST), 0);
	/* Not an enum value: refused, the setting kept. */
	ASSERT_EQ(pw_app_set_rpc_compat((enum pw_rpc_compat)17), -EINVAL);
	ASSERT_EQ(pw_app_get_rpc_compat(), PW_RPC_COMPAT_LATEST);
	teardown_worker();
}

TEST(reactor_objects_have_exactly_spdk_tops_keys_for_every_compat_setting)
{
	struct spdk_app_opts opts;

	g_main_tid = (uint64_t)syscall(SYS_gettid);
	ut_rpc_app_opts(&opts, have_two_cores() ? "0x3" : "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, setup_worker, reactors_scenario), 0);
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * thread_get_stats, thread_get_pollers, thread_get_io_channels
 * ------------------------------------------------------------------------- */

static struct spdk_json_val *
find_thread(struct spdk_json_val *threads, uint64_t id)
{
	for (size_t t = 0; t < ut_json_count(threads); t++) {
		struct spdk_json_val *th = ut_json_elem(threads, t);
		struct spdk_json_val *vid = ut_json_member(th, "id");

		if (vid != NULL && ut_json_u64(vid) == id) {
			return th;
		}
	}
	return NULL;
}

static void
check_pollers(struct spdk_json_val *arr, const char *name, bool timed, const char *states)
{
	static const struct ut_json_key untimed_keys[] = {
		{"name", UT_STR}, {"state", UT_STR}, {"id", UT_U64}, {"run_count", UT_U64},
		{"busy_count", UT_U64},
	};
	static const struct ut_json_key timed_keys[] = {
		{"name", UT_STR}, {"state", UT_STR}, {"id", UT_U64}, {"run_count", UT_U64},
		{"busy_count", UT_U64}, {"period_ticks", UT_U64},
	};
	struct spdk_json_val *p;
	char *pname, *state;

	ASSERT_EQ(ut_json_count(arr), 1);
	p = ut_json_elem(arr, 0);
	if (timed) {
		ut_json_check_keys(p, timed_keys, SPDK_COUNTOF(timed_keys), "timed poller");
		/* 1 s in ticks. */
		ASSERT_EQ(ut_json_u64(ut_json_member(p, "period_ticks")), spdk_get_ticks_hz());
	} else {
		ut_json_check_keys(p, untimed_keys, SPDK_COUNTOF(untimed_keys), "poller");
	}
	pname = ut_json_str(ut_json_member(p, "name"));
	state = ut_json_str(ut_json_member(p, "state"));
	ASSERT_STR_EQ(pname, name);
	ASSERT_STR_CONTAINS(states, state);
	ASSERT_EQ(ut_json_u64(ut_json_member(p, "busy_count")), 0);
	free(pname);
	free(state);
}

static void
thread_methods_scenario(int fd)
{
	static const struct ut_json_key stats_keys[] = {
		{"name", UT_STR}, {"id", UT_U64}, {"cpumask", UT_STR}, {"busy", UT_U64},
		{"idle", UT_U64}, {"active_pollers_count", UT_U64},
		{"timed_pollers_count", UT_U64}, {"paused_pollers_count", UT_U64},
	};
	static const struct ut_json_key pollers_keys[] = {
		{"name", UT_STR}, {"id", UT_U64}, {"active_pollers", UT_ARR},
		{"timed_pollers", UT_ARR}, {"paused_pollers", UT_ARR},
	};
	static const struct ut_json_key top[] = { {"tick_rate", UT_U64}, {"threads", UT_ARR} };
	static const struct ut_json_key channels_keys[] = {
		{"name", UT_STR}, {"io_channels", UT_ARR},
	};
	static const struct ut_json_key channel_keys[] = { {"name", UT_STR}, {"ref", UT_U32} };
	struct ut_rpc_resp *r;
	struct spdk_json_val *threads, *th, *chs;
	char *s;

	/* thread_get_pollers */
	r = wait_for_worker_pollers(fd);
	ut_json_check_keys(r->result, top, SPDK_COUNTOF(top), "thread_get_pollers");
	threads = ut_json_member(r->result, "threads");
	ASSERT_EQ(ut_json_count(threads), 2);	/* app_thread and rpc_worker */
	for (size_t t = 0; t < 2; t++) {
		ut_json_check_keys(ut_json_elem(threads, t), pollers_keys,
				   SPDK_COUNTOF(pollers_keys), "thread_get_pollers thread");
	}
	th = find_thread(threads, g_worker_id);
	ASSERT_NOT_NULL(th);
	check_pollers(ut_json_member(th, "active_pollers"), "rpc_active", false,
		      "waiting|running");
	check_pollers(ut_json_member(th, "timed_pollers"), "rpc_timed", true, "waiting|running");
	check_pollers(ut_json_member(th, "paused_pollers"), "rpc_paused", false, "pausing|paused");
	ut_rpc_resp_free(r);

	/* thread_get_stats */
	r = ut_rpc_call(fd, "thread_get_stats", NULL);
	ut_json_check_keys(r->result, top, SPDK_COUNTOF(top), "thread_get_stats");
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "tick_rate")), spdk_get_ticks_hz());
	threads = ut_json_member(r->result, "threads");
	ASSERT_EQ(ut_json_count(threads), 2);
	for (size_t t = 0; t < 2; t++) {
		ut_json_check_keys(ut_json_elem(threads, t), stats_keys, SPDK_COUNTOF(stats_keys),
				   "thread_get_stats thread");
	}
	th = find_thread(threads, g_worker_id);
	ASSERT_NOT_NULL(th);
	s = ut_json_str(ut_json_member(th, "name"));
	ASSERT_STR_EQ(s, "rpc_worker");
	free(s);
	/* A NULL cpumask at creation: every core, shown within the app's. */
	s = ut_json_str(ut_json_member(th, "cpumask"));
	ASSERT_STR_EQ(s, have_two_cores() ? "3" : "1");
	free(s);
	ASSERT_EQ(ut_json_u64(ut_json_member(th, "active_pollers_count")), 1);
	ASSERT_EQ(ut_json_u64(ut_json_member(th, "timed_pollers_count")), 1);
	ASSERT_EQ(ut_json_u64(ut_json_member(th, "paused_pollers_count")), 1);
	ut_rpc_resp_free(r);

	/* thread_get_io_channels */
	r = ut_rpc_call(fd, "thread_get_io_channels", NULL);
	ut_json_check_keys(r->result, top, SPDK_COUNTOF(top), "thread_get_io_channels");
	threads = ut_json_member(r->result, "threads");
	ASSERT_EQ(ut_json_count(threads), 2);
	for (size_t t = 0; t < 2; t++) {
		th = ut_json_elem(threads, t);
		ut_json_check_keys(th, channels_keys, SPDK_COUNTOF(channels_keys), "channels thread");
		s = ut_json_str(ut_json_member(th, "name"));
		chs = ut_json_member(th, "io_channels");
		if (strcmp(s, "rpc_worker") == 0) {
			char *dev;

			ASSERT_EQ(ut_json_count(chs), 1);
			ut_json_check_keys(ut_json_elem(chs, 0), channel_keys,
					   SPDK_COUNTOF(channel_keys), "channel");
			dev = ut_json_str(ut_json_member(ut_json_elem(chs, 0), "name"));
			ASSERT_STR_EQ(dev, "rpc_device");
			ASSERT_EQ(ut_json_u64(ut_json_member(ut_json_elem(chs, 0), "ref")), 1);
			free(dev);
		} else {
			ASSERT_EQ(ut_json_count(chs), 0);
		}
		free(s);
	}
	ut_rpc_resp_free(r);
	teardown_worker();
}

TEST(thread_methods_have_spdk_keys_and_the_right_figures)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, have_two_cores() ? "0x3" : "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, setup_worker, thread_methods_scenario), 0);
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * The other methods
 * ------------------------------------------------------------------------- */

static void
expect_string_result(int fd, const char *method, const char *want)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, method, NULL);
	char *s;

	ASSERT_NOT_NULL(r->result);
	s = ut_json_str(r->result);
	ASSERT_STR_EQ(s, want);
	free(s);
	ut_rpc_resp_free(r);
}

static void
other_methods_scenario(int fd)
{
	static const struct ut_json_key sched_keys[] = {
		{"scheduler_name", UT_STR}, {"scheduler_period", UT_U64},
		{"isolated_core_mask", UT_STR}, {"scheduling_core", UT_U32},
	};
	struct ut_rpc_resp *r;
	struct spdk_json_val *v;
	char *s, *s2;

	r = ut_rpc_call(fd, "framework_get_scheduler", NULL);
	ut_json_check_keys(r->result, sched_keys, SPDK_COUNTOF(sched_keys),
			   "framework_get_scheduler");
	s = ut_json_str(ut_json_member(r->result, "scheduler_name"));
	ASSERT_STR_EQ(s, "static");
	free(s);
	ASSERT_EQ(ut_json_u64(ut_json_member(r->result, "scheduling_core")),
		  spdk_env_get_main_core());
	ut_rpc_resp_free(r);

	/* The framework's two subsystems, in registration order (link order):
	 * iobuf (iobuf_subsystem.c) and the scheduler's (scheduler_subsystem.c). */
	r = ut_rpc_call(fd, "framework_get_subsystems", NULL);
	ASSERT_EQ(r->result->type, SPDK_JSON_VAL_ARRAY_BEGIN);
	ASSERT_EQ(ut_json_count(r->result), 2);
	s = ut_json_str(ut_json_member(ut_json_elem(r->result, 0), "subsystem"));
	s2 = ut_json_str(ut_json_member(ut_json_elem(r->result, 1), "subsystem"));
	ASSERT_TRUE((strcmp(s, "iobuf") == 0 && strcmp(s2, "scheduler") == 0) ||
		    (strcmp(s, "scheduler") == 0 && strcmp(s2, "iobuf") == 0));
	free(s);
	free(s2);
	ut_rpc_resp_free(r);

	/* The scheduler's configuration selects the current scheduler again. */
	r = ut_rpc_call(fd, "framework_get_config", "{\"name\":\"scheduler\"}");
	ASSERT_EQ(ut_json_count(r->result), 1);
	s = ut_json_str(ut_json_member(ut_json_elem(r->result, 0), "method"));
	ASSERT_STR_EQ(s, "framework_set_scheduler");
	free(s);
	s = ut_json_str(ut_json_member(ut_json_member(ut_json_elem(r->result, 0), "params"),
				       "name"));
	ASSERT_STR_EQ(s, "static");
	free(s);
	ut_rpc_resp_free(r);

	/* Any other name is unknown, as SPDK answers for one. */
	r = ut_rpc_expect_error(fd, "framework_get_config", "{\"name\":\"bdev\"}", INVALID_PARAMS);
	ASSERT_STR_CONTAINS(r->error_message, "'bdev' not found");
	ut_rpc_resp_free(r);

	ut_rpc_expect_true(fd, "framework_wait_init", NULL);

	/* Levels: SPDK's names, set and read back. */
	ut_rpc_expect_true(fd, "log_set_print_level", "{\"level\":\"DEBUG\"}");
	expect_string_result(fd, "log_get_print_level", "DEBUG");
	ut_rpc_expect_true(fd, "log_set_print_level", "{\"level\":\"WARNING\"}");
	expect_string_result(fd, "log_get_print_level", "WARNING");
	ASSERT_EQ(spdk_log_get_print_level(), SPDK_LOG_WARN);
	ut_rpc_expect_true(fd, "log_set_level", "{\"level\":\"ERROR\"}");
	expect_string_result(fd, "log_get_level", "ERROR");
	ASSERT_EQ(spdk_log_get_level(), SPDK_LOG_ERROR);
	ut_rpc_expect_true(fd, "log_set_level", "{\"level\":\"NOTICE\"}");
	expect_string_result(fd, "log_get_level", "NOTICE");

	/* Flags: every registered flag, a bool each; set and clear one. */
	ut_rpc_expect_true(fd, "log_set_flag", "{\"flag\":\"app_rpc\"}");
	r = ut_rpc_call(fd, "log_get_flags", NULL);
	ASSERT_EQ(r->result->type, SPDK_JSON_VAL_OBJECT_BEGIN);
	v = ut_json_member(r->result, "app_rpc");
	ASSERT_NOT_NULL(v);
	ASSERT_TRUE(ut_json_bool(v));
	ASSERT_NOT_NULL(ut_json_member(r->result, "reactor"));
	for (struct spdk_log_flag *f = spdk_log_get_first_flag(); f != NULL;
	     f = spdk_log_get_next_flag(f)) {
		ASSERT_NOT_NULL(ut_json_member(r->result, f->name));
	}
	ut_rpc_resp_free(r);
	ut_rpc_expect_true(fd, "log_clear_flag", "{\"flag\":\"app_rpc\"}");
	ASSERT_FALSE(spdk_log_get_flag("app_rpc"));

	ut_rpc_expect_true(fd, "log_enable_timestamps", "{\"enabled\":false}");
	ut_rpc_expect_true(fd, "log_enable_timestamps", "{\"enabled\":true}");
}

TEST(framework_and_log_methods_answer_as_spdk)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, NULL, other_methods_scenario), 0);
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------- */

static void
errors_scenario(int fd)
{
	static const char *const no_params[] = {
		"framework_get_reactors", "thread_get_stats", "thread_get_pollers",
		"thread_get_io_channels", "framework_get_scheduler", "framework_get_subsystems",
		"framework_wait_init", "log_get_flags", "log_get_level", "log_get_print_level",
	};
	static const char *const bad_masks[] = {
		"\"0xzz\"", "\"0x0\"", "\"[]\"", "\"0x80\"", "\"[7]\"", "\"\"",
	};
	struct ut_rpc_resp *r;
	char params[256];

	for (size_t i = 0; i < SPDK_COUNTOF(no_params); i++) {
		ut_rpc_resp_free(ut_rpc_expect_error(fd, no_params[i], "{\"x\":1}", INVALID_PARAMS));
		ut_rpc_resp_free(ut_rpc_expect_error(fd, no_params[i], "[]", INVALID_PARAMS));
	}

	/* thread_set_cpumask: params missing, wrong, unknown thread, bad masks. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "thread_set_cpumask", NULL, INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "thread_set_cpumask", "{\"id\":1}",
					     INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "thread_set_cpumask",
					     "{\"id\":\"1\",\"cpumask\":\"0x1\"}", INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "thread_set_cpumask",
					     "{\"id\":1,\"cpumask\":\"0x1\",\"x\":0}",
					     INVALID_PARAMS));
	r = ut_rpc_expect_error(fd, "thread_set_cpumask", "{\"id\":987654,\"cpumask\":\"0x1\"}",
				INVALID_PARAMS);
	ASSERT_STR_CONTAINS(r->error_message, "987654 does not exist");
	ut_rpc_resp_free(r);
	for (size_t i = 0; i < SPDK_COUNTOF(bad_masks); i++) {
		snprintf(params, sizeof(params), "{\"id\":%" PRIu64 ",\"cpumask\":%s}", g_worker_id,
			 bad_masks[i]);
		r = ut_rpc_expect_error(fd, "thread_set_cpumask", params, INVALID_PARAMS);
		ASSERT_STR_CONTAINS(r->error_message, "mask");
		ut_rpc_resp_free(r);
	}

	/* spdk_kill_instance: nothing is sent for a bad name. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "spdk_kill_instance", NULL, INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "spdk_kill_instance", "{\"sig_name\":2}",
					     INVALID_PARAMS));
	r = ut_rpc_expect_error(fd, "spdk_kill_instance", "{\"sig_name\":\"SIGSEGV\"}",
				INVALID_PARAMS);
	ASSERT_STR_CONTAINS(r->error_message, "SIGSEGV");
	ut_rpc_resp_free(r);
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "spdk_kill_instance", "{\"sig_name\":\"11\"}",
					     INVALID_PARAMS));

	/* Logs. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "log_set_level", "{\"level\":\"LOUD\"}",
					     INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "log_set_level", "{\"level\":3}",
					     INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "log_set_print_level", NULL, INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "log_set_flag", "{\"flag\":\"no_such_flag\"}",
					     INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "log_clear_flag", "{}", INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "log_enable_timestamps",
					     "{\"enabled\":\"yes\"}", INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_get_config", NULL, INVALID_PARAMS));
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_get_config", "{\"nam\":\"x\"}",
					     INVALID_PARAMS));

	/* framework_start_init is for the STARTUP state only. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_start_init", NULL,
					     SPDK_JSONRPC_ERROR_INVALID_STATE));

	/* Still answering after all that, nothing changed. */
	ASSERT_EQ(spdk_log_get_level(), SPDK_LOG_NOTICE);
	ut_rpc_expect_true(fd, "framework_wait_init", NULL);
	teardown_worker();
}

TEST(bad_params_unknown_threads_bad_masks_and_signals_are_refused)
{
	struct spdk_app_opts opts;

	spdk_log_set_level(SPDK_LOG_NOTICE);
	ut_rpc_app_opts(&opts, "0x1");
	opts.print_level = SPDK_LOG_DISABLED;	/* the refusals are logged too */
	ASSERT_EQ(ut_rpc_app_run(&opts, setup_worker, errors_scenario), 0);
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * thread_set_cpumask moves the thread
 * ------------------------------------------------------------------------- */

/* The core whose reactor holds the worker, from framework_get_reactors. */
static int64_t
worker_core(int fd)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, "framework_get_reactors", NULL);
	struct spdk_json_val *reactors = ut_json_member(r->result, "reactors");
	int64_t core = -1;

	for (size_t i = 0; i < ut_json_count(reactors); i++) {
		struct spdk_json_val *re = ut_json_elem(reactors, i);
		struct spdk_json_val *lw = ut_json_member(re, "lw_threads");

		if (find_thread(lw, g_worker_id) != NULL) {
			core = (int64_t)ut_json_u64(ut_json_member(re, "lcore"));
		}
	}
	ut_rpc_resp_free(r);
	return core;
}

static void
move_to(int fd, const char *mask, int64_t core)
{
	char params[128];

	snprintf(params, sizeof(params), "{\"id\":%" PRIu64 ",\"cpumask\":\"%s\"}", g_worker_id,
		 mask);
	ut_rpc_expect_true(fd, "thread_set_cpumask", params);
	for (int i = 0; i < 3000 && worker_core(fd) != core; i++) {
		usleep(10 * 1000);
	}
	ASSERT_EQ(worker_core(fd), core);
}

static void
set_cpumask_scenario(int fd)
{
	struct ut_rpc_resp *r;
	struct spdk_json_val *th;
	char *mask;

	ut_rpc_resp_free(wait_for_worker_pollers(fd));
	move_to(fd, "0x2", 1);
	r = ut_rpc_call(fd, "thread_get_stats", NULL);
	th = find_thread(ut_json_member(r->result, "threads"), g_worker_id);
	mask = ut_json_str(ut_json_member(th, "cpumask"));
	ASSERT_STR_EQ(mask, "2");
	free(mask);
	ut_rpc_resp_free(r);
	move_to(fd, "[0]", 0);
	move_to(fd, "[1]", 1);
	teardown_worker();
}

TEST(thread_set_cpumask_moves_the_thread)
{
	struct spdk_app_opts opts;

	if (!have_two_cores()) {
		TEST_SKIP("needs cpus 0 and 1");
	}
	ut_rpc_app_opts(&opts, "0x3");
	ASSERT_EQ(ut_rpc_app_run(&opts, setup_worker, set_cpumask_scenario), 0);
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * spdk_kill_instance
 * ------------------------------------------------------------------------- */

static const char *g_kill_sig;

static void
kill_scenario(int fd)
{
	char params[64];

	snprintf(params, sizeof(params), "{\"sig_name\":\"%s\"}", g_kill_sig);
	/* Answered before the signal stops the app. */
	ut_rpc_expect_true(fd, "spdk_kill_instance", params);
}

TEST(spdk_kill_instance_sigterm_stops_the_app)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	g_kill_sig = "SIGTERM";
	g_ut_app.stop_after = false;
	g_ut_app.setup = NULL;
	g_ut_app.scenario = kill_scenario;
	/* The app stops through its SIGTERM handler: spdk_app_stop(0). */
	ASSERT_EQ(spdk_app_start(&opts, ut_rpc_app_start_fn, NULL), 0);
	ASSERT_EQ(pthread_join(g_ut_app.client, NULL), 0);
	spdk_app_fini();

	/* By number, SIGINT. */
	g_kill_sig = "2";
	ASSERT_EQ(spdk_app_start(&opts, ut_rpc_app_start_fn, NULL), 0);
	ASSERT_EQ(pthread_join(g_ut_app.client, NULL), 0);
	spdk_app_fini();
	ut_rpc_app_cleanup();
}

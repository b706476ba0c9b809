/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The app framework applies a JSON configuration (lib/event/app.c):
 * - its STARTUP-state entries before the subsystems are initialised, its
 *   RUNTIME-state entries after (state RUNTIME), then start_fn; an entry
 *   allowed in both states runs once, in STARTUP; from opts->json_data,
 *   opts->json_config_file, --json and -c;
 * - --wait-for-rpc: the STARTUP entries, then nothing until the
 *   framework_start_init RPC, which is answered once the subsystems and the
 *   RUNTIME entries are done; a failing init makes it answer an error;
 * - malformed configurations, failing entries, unreadable files: a message
 *   naming what is wrong and a non-zero rc, start_fn never runs, the
 *   subsystems initialised are finished;
 * - --json-ignore-init-errors / json_config_ignore_errors: failing entries are
 *   logged and the start goes on;
 * - json_config_file with json_data, or json_data of size 0: refused.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/init.h"
#include "spdk/json.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/rpc.h"
#include "spdk/thread.h"

#include <stdatomic.h>

#include "harness.h"
#include "log_capture.h"
#include "ut_rpc_app.h"

/* ---------------------------------------------------------------------------
 * What happened, in order
 * ------------------------------------------------------------------------- */

static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char g_log[2048];
static _Atomic int g_inits;
static _Atomic bool g_started;

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
note(const char *fmt, ...)
{
	va_list ap;
	size_t len;

	pthread_mutex_lock(&g_log_lock);
	len = strlen(g_log);
	if (len > 0 && len < sizeof(g_log) - 1) {
		g_log[len++] = ' ';
		g_log[len] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(g_log + len, sizeof(g_log) - len, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&g_log_lock);
}

/* A copy of the log (the client pthread reads it while the app runs). */
static char *
log_copy(void)
{
	char *s;

	pthread_mutex_lock(&g_log_lock);
	s = strdup(g_log);
	pthread_mutex_unlock(&g_log_lock);
	ASSERT_NOT_NULL(s);
	return s;
}

/* ---------------------------------------------------------------------------
 * Two subsystems and their RPC methods
 * ------------------------------------------------------------------------- */

static int g_b_init_rc;		/* what cfg_b's init reports */

static void
a_init(void)
{
	note("init:a");
	atomic_fetch_add(&g_inits, 1);
	spdk_subsystem_init_next(0);
}

static void
a_fini(void)
{
	note("fini:a");
	spdk_subsystem_fini_next();
}

static void
b_init(void)
{
	note("init:b");
	if (g_b_init_rc == 0) {
		atomic_fetch_add(&g_inits, 1);
	}
	spdk_subsystem_init_next(g_b_init_rc);
}

static void
b_fini(void)
{
	note("fini:b");
	spdk_subsystem_fini_next();
}

static struct spdk_subsystem g_cfg_a = { .name = "cfg_a", .init = a_init, .fini = a_fini };
static struct spdk_subsystem g_cfg_b = { .name = "cfg_b", .init = b_init, .fini = b_fini };
SPDK_SUBSYSTEM_REGISTER(g_cfg_a)
SPDK_SUBSYSTEM_REGISTER(g_cfg_b)
SPDK_SUBSYSTEM_DEPEND(cfg_b, cfg_a)

struct set_params {
	int32_t v;
};

static const struct spdk_json_object_decoder g_set_decoders[] = {
	{"v", offsetof(struct set_params, v), spdk_json_decode_int32, false},
};

/* Record "<name>:<v>@<S|R>" (the RPC state it ran in) and answer true. */
static void
record_call(const char *name, struct spdk_jsonrpc_request *request,
	    const struct spdk_json_val *params)
{
	struct set_params p = { 0 };

	if (params == NULL || spdk_json_decode_object(params, g_set_decoders,
			SPDK_COUNTOF(g_set_decoders), &p) != 0) {
		spdk_jsonrpc_send_error_response(request, SPDK_JSONRPC_ERROR_INVALID_PARAMS,
						 "wants {\"v\": <int>}");
		return;
	}
	note("%s:%d@%c", name, p.v, spdk_rpc_get_state() == SPDK_RPC_STARTUP ? 'S' : 'R');
	spdk_jsonrpc_send_bool_response(request, true);
}

static void
rpc_ut_startup(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record_call("startup", request, params);
}
SPDK_RPC_REGISTER("ut_cfg_startup", rpc_ut_startup, SPDK_RPC_STARTUP)

static void
rpc_ut_runtime(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record_call("runtime", request, params);
}
SPDK_RPC_REGISTER("ut_cfg_runtime", rpc_ut_runtime, SPDK_RPC_RUNTIME)

static void
rpc_ut_both(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	record_call("both", request, params);
}
SPDK_RPC_REGISTER("ut_cfg_both", rpc_ut_both, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

static void
rpc_ut_fail(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	note("fail");
	spdk_jsonrpc_send_error_response(request, -EPERM, "ut_cfg_fail always fails");
}
SPDK_RPC_REGISTER("ut_cfg_fail", rpc_ut_fail, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

/* How many of the two subsystems are initialised (for the client). */
static void
rpc_ut_inits(struct spdk_jsonrpc_request *request, const struct spdk_json_val *params)
{
	struct spdk_json_write_ctx *w = spdk_jsonrpc_begin_result(request);

	spdk_json_write_int32(w, atomic_load(&g_inits));
	spdk_jsonrpc_end_result(request, w);
}
SPDK_RPC_REGISTER("ut_cfg_inits", rpc_ut_inits, SPDK_RPC_STARTUP | SPDK_RPC_RUNTIME)

/* ---------------------------------------------------------------------------
 * Running the app
 * ------------------------------------------------------------------------- */

static void
start_and_stop(void *ctx)
{
	note("start");
	atomic_store(&g_started, true);
	spdk_app_stop(0);
}

static void
must_not_run(void *ctx)
{
	FAIL("start_fn ran; log: %s", g_log);
}

static void
app_opts(struct spdk_app_opts *opts)
{
	spdk_app_opts_init(opts, sizeof(*opts));
	opts->name = "test_app_subsystems_config";
	opts->reactor_mask = "0x1";
	opts->rpc_addr = NULL;
	opts->print_level = SPDK_LOG_WARN;
}

static int
run_app(struct spdk_app_opts *opts, spdk_msg_fn start_fn)
{
	int rc = spdk_app_start(opts, start_fn, NULL);

	spdk_app_fini();
	return rc;
}

/* A configuration in a private temporary file; the name is static. */
static char g_file[64];

static const char *
write_config(const char *text)
{
	int fd;

	snprintf(g_file, sizeof(g_file), "/tmp/pw_app_config.XXXXXX");
	fd = mkstemp(g_file);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return g_file;
}

static const char g_good_config[] =
	"{\"subsystems\": [\n"
	"  {\"subsystem\": \"cfg_a\", \"config\": [\n"
	"    {\"method\": \"ut_cfg_startup\", \"params\": {\"v\": 1}},\n"
	"    {\"method\": \"ut_cfg_runtime\", \"params\": {\"v\": 2}},\n"
	"    {\"method\": \"ut_cfg_both\", \"params\": {\"v\": 3}}\n"
	"  ]},\n"
	"  {\"subsystem\": \"cfg_b\", \"config\": null}\n"
	"]}\n";

#define GOOD_RUN "startup:1@S both:3@S init:a init:b runtime:2@R start fini:b fini:a"

/* ---------------------------------------------------------------------------
 * STARTUP and RUNTIME entries, from each source
 * ------------------------------------------------------------------------- */

TEST(json_data_startup_entries_before_init_runtime_entries_after)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.json_data = (void *)g_good_config;
	opts.json_data_size = strlen(g_good_config);
	ASSERT_EQ(run_app(&opts, start_and_stop), 0);
	ASSERT_STR_EQ(g_log, GOOD_RUN);
}

TEST(json_config_file_is_read_and_applied)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.json_config_file = write_config(g_good_config);
	ASSERT_EQ(run_app(&opts, start_and_stop), 0);
	unlink(g_file);
	ASSERT_STR_EQ(g_log, GOOD_RUN);
}

/* --json FILE and -c FILE through spdk_app_parse_args(). */
static void
parse_and_run(const char *option)
{
	struct spdk_app_opts opts;
	char *argv[] = { "test", (char *)option, (char *)write_config(g_good_config), NULL };

	app_opts(&opts);
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(3, argv, &opts, NULL, NULL, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_STR_EQ(opts.json_config_file, g_file);
	ASSERT_FALSE(opts.json_config_ignore_errors);
	ASSERT_EQ(run_app(&opts, start_and_stop), 0);
	unlink(g_file);
	ASSERT_STR_EQ(g_log, GOOD_RUN);
}

TEST(json_option_applies_the_file)
{
	parse_and_run("--json");
}

TEST(c_option_applies_the_file)
{
	parse_and_run("-c");
}

TEST(config_option_applies_the_file)
{
	parse_and_run("--config");
}

/* ---------------------------------------------------------------------------
 * Malformed configurations and failing entries
 * ------------------------------------------------------------------------- */

struct bad_config {
	const char	*text;
	const char	*log;		/* the log, in order */
	const char	*message;	/* must be in the error output */
};

static void
expect_refused(const struct bad_config *bad)
{
	struct spdk_app_opts opts;
	int rc;

	app_opts(&opts);
	opts.json_config_file = write_config(bad->text);
	log_capture_start();
	rc = run_app(&opts, must_not_run);
	log_capture_stop();
	unlink(g_file);
	if (rc == 0 || strcmp(g_log, bad->log) != 0 || !log_capture_contains(bad->message) ||
	    !log_capture_contains(g_file)) {
		FAIL("config %s: rc %d, log '%s' (expected '%s'), messages:\n%s", bad->text, rc,
		     g_log, bad->log, log_capture_text());
	}
}

TEST(malformed_json_is_refused_with_its_position)
{
	static const struct bad_config bad = {
		"{\"subsystems\": [\n  {\"subsystem\": \"cfg_a\", \"config\": [}\n]}\n", "", "line 2",
	};

	expect_refused(&bad);
}

TEST(a_configuration_that_is_not_an_object_is_refused)
{
	static const struct bad_config bad = { "[1, 2]\n", "", "must be an object" };

	expect_refused(&bad);
}

TEST(an_entry_without_a_method_is_refused)
{
	static const struct bad_config bad = {
		"{\"subsystems\": [{\"subsystem\": \"cfg_a\", \"config\": [{\"params\": {}}]}]}",
		"", "has no \"method\"",
	};

	expect_refused(&bad);
}

TEST(an_unregistered_method_of_a_registered_subsystem_is_refused)
{
	static const struct bad_config bad = {
		"{\"subsystems\": [{\"subsystem\": \"cfg_a\", \"config\": ["
		"{\"method\": \"ut_cfg_no_such_method\", \"params\": {}}]}]}",
		"", "ut_cfg_no_such_method",
	};

	expect_refused(&bad);
}

TEST(a_failing_startup_entry_stops_before_the_subsystems)
{
	static const struct bad_config bad = {
		"{\"subsystems\": [{\"subsystem\": \"cfg_a\", \"config\": ["
		"{\"method\": \"ut_cfg_fail\"}, "
		"{\"method\": \"ut_cfg_startup\", \"params\": {\"v\": 9}}]}]}",
		"fail", "ut_cfg_fail",
	};

	expect_refused(&bad);
}

TEST(a_failing_runtime_entry_finishes_the_subsystems)
{
	static const struct bad_config bad = {
		"{\"subsystems\": [{\"subsystem\": \"cfg_b\", \"config\": ["
		"{\"method\": \"ut_cfg_runtime\", \"params\": {\"v\": \"not a number\"}}]}]}",
		"init:a init:b fini:b fini:a", "Applying the RUNTIME entries",
	};

	expect_refused(&bad);
}

TEST(an_unreadable_file_is_refused_with_its_path_and_errno)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.json_config_file = "/nonexistent/pw_config.json";
	log_capture_start();
	ASSERT_EQ(run_app(&opts, must_not_run), 1);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("'/nonexistent/pw_config.json'"));
	ASSERT_TRUE(log_capture_contains("No such file or directory"));
	ASSERT_STR_EQ(g_log, "");
}

TEST(a_directory_is_refused_with_its_path_and_errno)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.json_config_file = "/tmp";
	log_capture_start();
	ASSERT_EQ(run_app(&opts, must_not_run), 1);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("'/tmp'"));
	ASSERT_TRUE(log_capture_contains("Is a directory"));
}

TEST(an_empty_file_is_refused)
{
	static const struct bad_config bad = { "", "", "empty" };

	expect_refused(&bad);
}

TEST(json_config_file_and_json_data_together_are_refused)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.json_config_file = "/nonexistent/pw_config.json";
	opts.json_data = (void *)g_good_config;
	opts.json_data_size = strlen(g_good_config);
	log_capture_start();
	ASSERT_EQ(run_app(&opts, must_not_run), 1);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("json_config_file and json_data"));
	ASSERT_STR_EQ(g_log, "");
}

TEST(json_data_of_size_0_is_refused)
{
	struct spdk_app_opts opts;

	app_opts(&opts);
	opts.json_data = (void *)g_good_config;
	opts.json_data_size = 0;
	log_capture_start();
	ASSERT_EQ(run_app(&opts, must_not_run), 1);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("json_data_size is 0"));
}

/* ---------------------------------------------------------------------------
 * --json-ignore-init-errors
 * ------------------------------------------------------------------------- */

static const char g_failing_config[] =
	"{\"subsystems\": [{\"subsystem\": \"cfg_a\", \"config\": [\n"
	"  {\"method\": \"ut_cfg_fail\"},\n"
	"  {\"method\": \"ut_cfg_startup\", \"params\": {\"v\": 4}},\n"
	"  {\"method\": \"ut_cfg_runtime\", \"params\": {\"v\": \"bad\"}},\n"
	"  {\"method\": \"ut_cfg_runtime\", \"params\": {\"v\": 5}}\n"
	"]}]}\n";

TEST(json_ignore_init_errors_logs_failing_entries_and_goes_on)
{
	struct spdk_app_opts opts;
	char *argv[] = { "test", "--json-ignore-init-errors", "--json",
			 (char *)write_config(g_failing_config), NULL
		       };
	int rc;

	app_opts(&opts);
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(4, argv, &opts, NULL, NULL, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_TRUE(opts.json_config_ignore_errors);
	log_capture_start();
	rc = run_app(&opts, start_and_stop);
	log_capture_stop();
	unlink(g_file);
	ASSERT_EQ(rc, 0);
	ASSERT_STR_EQ(g_log, "fail startup:4@S init:a init:b runtime:5@R start fini:b fini:a");
	ASSERT_TRUE(log_capture_contains("ut_cfg_fail"));
}

/* ---------------------------------------------------------------------------
 * --wait-for-rpc, then framework_start_init
 * ------------------------------------------------------------------------- */

static int32_t
inits_over_rpc(int fd)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, "ut_cfg_inits", NULL);
	int32_t n;

	ASSERT_NOT_NULL(r->result);
	n = ut_json_i32(r->result);
	ut_rpc_resp_free(r);
	return n;
}

static void *
wait_for_rpc_client(void *arg)
{
	int fd = ut_rpc_connect(g_ut_app.sock);
	char *log;

	/* The STARTUP entries are applied, the subsystems wait. The server
	 * reads nothing while the entries are applied: the first answer
	 * comes after them. */
	ASSERT_EQ(inits_over_rpc(fd), 0);
	log = log_copy();
	ASSERT_STR_EQ(log, "startup:1@S both:3@S");
	free(log);
	ASSERT_FALSE(atomic_load(&g_started));

	/* Answered once the subsystems and the RUNTIME entries are done. */
	ut_rpc_expect_true(fd, "framework_start_init", NULL);
	log = log_copy();
	ASSERT_STR_CONTAINS(log, "startup:1@S both:3@S init:a init:b runtime:2@R");
	free(log);
	ASSERT_EQ(inits_over_rpc(fd), 2);
	ut_rpc_expect_true(fd, "framework_wait_init", NULL);
	close(fd);
	for (int i = 0; i < 3000 && !atomic_load(&g_started); i++) {
		usleep(10 * 1000);
	}
	ASSERT_TRUE(atomic_load(&g_started));
	spdk_app_stop(0);
	return NULL;
}

static void
record_start(void *ctx)
{
	note("start");
	atomic_store(&g_started, true);
}

TEST(wait_for_rpc_applies_startup_entries_then_waits_for_framework_start_init)
{
	struct spdk_app_opts opts;
	pthread_t client;

	ut_rpc_app_opts(&opts, "0x1");
	opts.delay_subsystem_init = true;
	opts.json_data = (void *)g_good_config;
	opts.json_data_size = strlen(g_good_config);
	ASSERT_EQ(pthread_create(&client, NULL, wait_for_rpc_client, NULL), 0);
	ASSERT_EQ(spdk_app_start(&opts, record_start, NULL), 0);
	ASSERT_EQ(pthread_join(client, NULL), 0);
	spdk_app_fini();
	ut_rpc_app_cleanup();
	ASSERT_STR_EQ(g_log, GOOD_RUN);
}

static void *
failing_start_init_client(void *arg)
{
	int fd = ut_rpc_connect(g_ut_app.sock);
	struct ut_rpc_resp *r;

	ASSERT_EQ(inits_over_rpc(fd), 0);
	r = ut_rpc_expect_error(fd, "framework_start_init", NULL,
				SPDK_JSONRPC_ERROR_INTERNAL_ERROR);
	ASSERT_STR_CONTAINS(r->error_message, "framework_initialization failed");
	ut_rpc_resp_free(r);
	close(fd);
	return NULL;
}

TEST(wait_for_rpc_a_failing_init_answers_framework_start_init_with_an_error)
{
	struct spdk_app_opts opts;
	pthread_t client;

	g_b_init_rc = -EIO;
	ut_rpc_app_opts(&opts, "0x1");
	opts.delay_subsystem_init = true;
	ASSERT_EQ(pthread_create(&client, NULL, failing_start_init_client, NULL), 0);
	ASSERT_EQ(spdk_app_start(&opts, must_not_run, NULL), -EIO);
	ASSERT_EQ(pthread_join(client, NULL), 0);
	spdk_app_fini();
	ut_rpc_app_cleanup();
	ASSERT_STR_EQ(g_log, "init:a init:b fini:a");
}

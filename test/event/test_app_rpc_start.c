/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The RPC server's place in the app (lib/event/app.c, app_args.c):
 * - --wait-for-rpc: start_fn waits for framework_start_init; meanwhile only
 *   STARTUP methods answer, and framework_wait_init waits too;
 * - --rpcs-allowed: the other methods are refused; a malformed list is;
 * - a second app on the same socket refuses to start, with a message;
 * - rpc_addr = NULL / --no-rpc-server start no server, and --wait-for-rpc
 *   then is an error;
 * - --pw-rpc-compat: accepted versions, refused ones.
 */

#include "spdk/stdinc.h"
#include "spdk/event.h"
#include "spdk/jsonrpc.h"
#include "spdk/log.h"
#include "spdk/thread.h"
#include "pinwheel/event.h"

#include <stdatomic.h>
#include <sys/wait.h>

#include "harness.h"
#include "log_capture.h"
#include "ut_rpc_app.h"

/* ---------------------------------------------------------------------------
 * --wait-for-rpc
 * ------------------------------------------------------------------------- */

static _Atomic bool g_start_fn_ran;
static _Atomic bool g_start_init_sent;
static int g_waiter_fd;

static void
record_start(void *ctx)
{
	atomic_store(&g_start_fn_ran, true);
}

/* A second connection asks framework_wait_init first: its answer comes
 * only after framework_start_init. */
static void *
early_waiter(void *arg)
{
	ut_rpc_expect_true(g_waiter_fd, "framework_wait_init", NULL);
	/* Not before framework_start_init was asked for. */
	ASSERT_TRUE(atomic_load(&g_start_init_sent));
	return NULL;
}

static void *
wait_for_rpc_client(void *arg)
{
	int fd = ut_rpc_connect(g_ut_app.sock);
	struct ut_rpc_resp *r;
	pthread_t waiter;

	g_waiter_fd = ut_rpc_connect(g_ut_app.sock);
	ASSERT_EQ(pthread_create(&waiter, NULL, early_waiter, NULL), 0);

	/* STARTUP: runtime methods are refused, startup ones answer. */
	r = ut_rpc_expect_error(fd, "thread_get_stats", NULL, SPDK_JSONRPC_ERROR_INVALID_STATE);
	ut_rpc_resp_free(r);
	r = ut_rpc_call(fd, "framework_get_scheduler", NULL);
	ASSERT_NOT_NULL(r->result);
	ut_rpc_resp_free(r);
	ut_rpc_expect_true(fd, "log_set_print_level", "{\"level\":\"WARNING\"}");
	/* Wrong params are refused without starting anything. */
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_start_init", "{\"x\":1}",
					     SPDK_JSONRPC_ERROR_INVALID_PARAMS));
	/* Give the waiter time to be queued: it must still be waiting, and
	 * start_fn must not have run. (Not a timing assertion: if the waiter
	 * was slower, the check below still holds.) */
	usleep(100 * 1000);
	ASSERT_FALSE(atomic_load(&g_start_fn_ran));

	atomic_store(&g_start_init_sent, true);
	ut_rpc_expect_true(fd, "framework_start_init", NULL);
	ASSERT_EQ(pthread_join(waiter, NULL), 0);
	close(g_waiter_fd);
	for (int i = 0; i < 3000 && !atomic_load(&g_start_fn_ran); i++) {
		usleep(10 * 1000);
	}
	ASSERT_TRUE(atomic_load(&g_start_fn_ran));

	/* RUNTIME now: the runtime methods answer, start_init no longer. */
	r = ut_rpc_call(fd, "thread_get_stats", NULL);
	ASSERT_NOT_NULL(r->result);
	ut_rpc_resp_free(r);
	ut_rpc_expect_true(fd, "framework_wait_init", NULL);
	ut_rpc_resp_free(ut_rpc_expect_error(fd, "framework_start_init", NULL,
					     SPDK_JSONRPC_ERROR_INVALID_STATE));
	close(fd);
	spdk_app_stop(0);
	return NULL;
}

TEST(wait_for_rpc_runs_start_fn_after_framework_start_init)
{
	struct spdk_app_opts opts;
	pthread_t client;

	ut_rpc_app_opts(&opts, "0x1");
	opts.delay_subsystem_init = true;
	ASSERT_EQ(pthread_create(&client, NULL, wait_for_rpc_client, NULL), 0);
	ASSERT_EQ(spdk_app_start(&opts, record_start, NULL), 0);
	ASSERT_EQ(pthread_join(client, NULL), 0);
	spdk_app_fini();
	ASSERT_TRUE(atomic_load(&g_start_fn_ran));
	ut_rpc_app_cleanup();
}

/* Stopped while waiting: a framework_wait_init request gets an error, the
 * app stops, start_fn never runs. */
static void *
stop_while_waiting_client(void *arg)
{
	static const char req[] = "{\"jsonrpc\":\"2.0\",\"method\":\"framework_wait_init\",\"id\":1}";
	int fd = ut_rpc_connect(g_ut_app.sock), other = ut_rpc_connect(g_ut_app.sock);
	char buf[4096];
	size_t len = 0;

	ASSERT_EQ(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
	/* Another request on another connection, then the stop. */
	ut_rpc_expect_true(other, "log_set_print_level", "{\"level\":\"WARNING\"}");
	close(other);
	spdk_app_stop(0);
	/* The waiting request gets an error, or its connection closes: it
	 * never hangs, and is never answered true. */
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break;
		}
		len += (size_t)n;
		if (memchr(buf, '\n', len) != NULL || len == sizeof(buf) - 1) {
			break;
		}
	}
	buf[len] = '\0';
	if (len > 0) {
		ASSERT_STR_CONTAINS(buf, "\"error\"");
	}
	close(fd);
	return NULL;
}

static void
must_not_run(void *ctx)
{
	FAIL("start_fn ran without framework_start_init");
}

TEST(wait_for_rpc_app_stopped_before_init_never_runs_start_fn)
{
	struct spdk_app_opts opts;
	pthread_t client;

	ut_rpc_app_opts(&opts, "0x1");
	opts.delay_subsystem_init = true;
	ASSERT_EQ(pthread_create(&client, NULL, stop_while_waiting_client, NULL), 0);
	ASSERT_EQ(spdk_app_start(&opts, must_not_run, NULL), 0);
	ASSERT_EQ(pthread_join(client, NULL), 0);
	spdk_app_fini();
	ut_rpc_app_cleanup();
}

TEST(wait_for_rpc_without_a_server_is_refused)
{
	struct spdk_app_opts opts;

	ut_rpc_app_opts(&opts, "0x1");
	opts.rpc_addr = NULL;
	opts.delay_subsystem_init = true;
	log_capture_start();
	ASSERT_EQ(spdk_app_start(&opts, must_not_run, NULL), 1);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("--wait-for-rpc"));
	spdk_app_fini();
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * --rpcs-allowed
 * ------------------------------------------------------------------------- */

static void
allowlist_scenario(int fd)
{
	struct ut_rpc_resp *r;

	r = ut_rpc_call(fd, "framework_get_reactors", NULL);
	ASSERT_NOT_NULL(r->result);
	ut_rpc_resp_free(r);
	ut_rpc_expect_true(fd, "log_set_print_level", "{\"level\":\"WARNING\"}");
	/* Not in the list: refused, whatever its state mask. */
	r = ut_rpc_call(fd, "thread_get_stats", NULL);
	ASSERT_NULL(r->result);
	ut_rpc_resp_free(r);
	r = ut_rpc_call(fd, "log_get_flags", NULL);
	ASSERT_NULL(r->result);
	ut_rpc_resp_free(r);
}

static void
all_allowed_scenario(int fd)
{
	struct ut_rpc_resp *r = ut_rpc_call(fd, "thread_get_stats", NULL);

	ASSERT_NOT_NULL(r->result);
	ut_rpc_resp_free(r);
}

static int
no_app_option(int ch, char *arg)
{
	return -1;
}

TEST(rpcs_allowed_refuses_the_other_methods)
{
	struct spdk_app_opts opts;
	char sock_arg[128];
	char *argv[] = { "test", "-r", sock_arg, "--rpcs-allowed",
			 "framework_get_reactors,log_set_print_level", NULL
		       };

	ut_rpc_app_opts(&opts, "0x1");
	snprintf(sock_arg, sizeof(sock_arg), "%s", g_ut_app.sock);
	opts.rpc_addr = NULL;
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(5, argv, &opts, "", NULL, no_app_option, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_STR_EQ(opts.rpc_addr, g_ut_app.sock);
	ASSERT_NOT_NULL(opts.rpc_allowlist);
	ASSERT_STR_EQ(opts.rpc_allowlist[0], "framework_get_reactors");
	ASSERT_STR_EQ(opts.rpc_allowlist[1], "log_set_print_level");
	ASSERT_NULL(opts.rpc_allowlist[2]);
	ASSERT_EQ(ut_rpc_app_run(&opts, NULL, allowlist_scenario), 0);

	/* The next app, without a list, allows everything again. */
	opts.rpc_allowlist = NULL;
	ASSERT_EQ(ut_rpc_app_run(&opts, NULL, all_allowed_scenario), 0);
	ut_rpc_app_cleanup();
}

TEST(rpcs_allowed_malformed_lists_are_refused)
{
	static const char *const bad[] = { "", ",a", "a,", "a,,b", "a b", "a;b", "thread_get_stats\n" };
	struct spdk_app_opts opts;

	for (size_t i = 0; i < SPDK_COUNTOF(bad); i++) {
		char *argv[] = { "test", "--rpcs-allowed", (char *)bad[i], NULL };

		spdk_app_opts_init(&opts, sizeof(opts));
		optind = 1;
		log_capture_start();
		ASSERT_EQ(spdk_app_parse_args(3, argv, &opts, "", NULL, no_app_option, NULL),
			  SPDK_APP_PARSE_ARGS_FAIL);
		log_capture_stop();
		ASSERT_TRUE(log_capture_contains("invalid --rpcs-allowed"));
		ASSERT_NULL(opts.rpc_allowlist);
		log_capture_reset();
	}
}

/* ---------------------------------------------------------------------------
 * One socket, one app
 * ------------------------------------------------------------------------- */

static int g_go[2], g_done[2];

/* The second app, in a process of its own (forked before the first started):
 * exits with spdk_app_start()'s rc once the first one serves. */
static void
second_app(void)
{
	struct spdk_app_opts opts;
	char c;
	int rc;

	ASSERT_EQ(read(g_go[0], &c, 1), 1);
	ut_rpc_app_opts(&opts, "0x1");
	log_capture_start();
	rc = spdk_app_start(&opts, must_not_run, NULL);
	log_capture_stop();
	if (rc == 1 && !log_capture_contains(g_ut_app.sock)) {
		rc = 2;	/* refused without naming the path */
	}
	spdk_app_fini();
	_exit(rc);
}

static void
second_app_scenario(int fd)
{
	int status;
	pid_t pid;

	/* Serving: let the second app try, and wait for its verdict. */
	ut_rpc_expect_true(fd, "framework_wait_init", NULL);
	ASSERT_EQ(write(g_go[1], "x", 1), 1);
	ASSERT_EQ(read(g_done[0], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 1);
	/* The first app still serves. */
	ut_rpc_expect_true(fd, "framework_wait_init", NULL);
}

TEST(a_second_app_on_the_same_socket_refuses_to_start)
{
	struct spdk_app_opts opts;
	pid_t pid;

	ut_rpc_app_dir();
	ASSERT_EQ(pipe(g_go), 0);
	ASSERT_EQ(pipe(g_done), 0);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		second_app();
	}
	ASSERT_EQ(write(g_done[1], &pid, sizeof(pid)), (ssize_t)sizeof(pid));
	ut_rpc_app_opts(&opts, "0x1");
	ASSERT_EQ(ut_rpc_app_run(&opts, NULL, second_app_scenario), 0);
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * No server
 * ------------------------------------------------------------------------- */

static char g_expect_absent[128];

static void
check_no_socket_and_stop(void *ctx)
{
	struct stat st;

	ASSERT_NE(stat(g_expect_absent, &st), 0);
	spdk_app_stop(0);
}

TEST(no_rpc_server_starts_none)
{
	struct spdk_app_opts opts;
	char *argv[] = { "test", "-r", g_expect_absent, "--no-rpc-server", NULL };

	ut_rpc_app_opts(&opts, "0x1");
	snprintf(g_expect_absent, sizeof(g_expect_absent), "%s", g_ut_app.sock);
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(4, argv, &opts, "", NULL, no_app_option, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_NULL(opts.rpc_addr);
	ASSERT_EQ(spdk_app_start(&opts, check_no_socket_and_stop, NULL), 0);
	spdk_app_fini();
	ut_rpc_app_cleanup();
}

/* ---------------------------------------------------------------------------
 * --pw-rpc-compat
 * ------------------------------------------------------------------------- */

TEST(pw_rpc_compat_versions)
{
	static const struct {
		const char		*text;
		enum pw_rpc_compat	want;
	} good[] = {
		{"latest", PW_RPC_COMPAT_LATEST}, {"v23.09", PW_RPC_COMPAT_V24_01},
		{"v24.01", PW_RPC_COMPAT_V24_01}, {"24.01", PW_RPC_COMPAT_V24_01},
		{"v24.05", PW_RPC_COMPAT_V24_05}, {"v24.09", PW_RPC_COMPAT_V24_09},
		{"v25.05", PW_RPC_COMPAT_V24_09}, {"v26.01", PW_RPC_COMPAT_V24_09},
		{"v26.05", PW_RPC_COMPAT_LATEST}, {"v26.09", PW_RPC_COMPAT_LATEST},
	};
	static const char *const bad[] = {
		"", "v", "24", "v24", "v24.1", "v24.013", "v24.00", "v24.13", "V24.01", "newest",
		"v24.01x", "-24.01", " v24.01",
	};
	enum pw_rpc_compat c;

	for (size_t i = 0; i < SPDK_COUNTOF(good); i++) {
		c = (enum pw_rpc_compat)99;
		if (pw_app_parse_rpc_compat(good[i].text, &c) != 0 || c != good[i].want) {
			FAIL("'%s': got %d, want %d", good[i].text, (int)c, (int)good[i].want);
		}
	}
	for (size_t i = 0; i < SPDK_COUNTOF(bad); i++) {
		c = (enum pw_rpc_compat)99;
		log_capture_start();
		ASSERT_EQ(pw_app_parse_rpc_compat(bad[i], &c), -EINVAL);
		log_capture_stop();
		ASSERT_EQ((int)c, 99);
		/* The message lists the accepted forms. */
		ASSERT_TRUE(log_capture_contains("latest"));
		ASSERT_TRUE(log_capture_contains("v24.05"));
		log_capture_reset();
	}
	ASSERT_EQ(pw_app_parse_rpc_compat(NULL, &c), -EINVAL);
	ASSERT_EQ(pw_app_parse_rpc_compat("latest", NULL), -EINVAL);
}

TEST(pw_rpc_compat_command_line_option)
{
	struct spdk_app_opts opts;
	char *ok[] = { "test", "--pw-rpc-compat", "v24.05", NULL };
	char *bad[] = { "test", "--pw-rpc-compat", "v24.05", "--pw-rpc-compat", "24", NULL };
	char *later_bad[] = { "test", "--pw-rpc-compat", "v24.01", "-z", NULL };

	spdk_app_opts_init(&opts, sizeof(opts));
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(3, ok, &opts, "", NULL, no_app_option, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(pw_app_get_rpc_compat(), PW_RPC_COMPAT_V24_05);

	/* A bad value fails the parse; a command line that fails changes nothing. */
	optind = 1;
	log_capture_start();
	ASSERT_EQ(spdk_app_parse_args(5, bad, &opts, "", NULL, no_app_option, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(4, later_bad, &opts, "", NULL, no_app_option, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	log_capture_stop();
	ASSERT_TRUE(log_capture_contains("invalid RPC compatibility setting '24'"));
	ASSERT_EQ(pw_app_get_rpc_compat(), PW_RPC_COMPAT_V24_05);
	ASSERT_EQ(pw_app_set_rpc_compat(PW_RPC_COMPAT_LATEST), 0);
}

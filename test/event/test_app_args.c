/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk_app_parse_args() and spdk_app_usage(): the cases of
 * SPDK's own unit test (BEHAVIOURS.md, "spdk_app_parse_args"), the effect of
 * every standard option on the options struct, every refused value (each
 * must say what was wrong), the usage and version output, the application's
 * own short and long options, and defaults that must survive a parse.
 *
 * Each test runs in its own process; each parse resets optind to 1 first.
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/event.h"
#include "spdk/log.h"
#include "pinwheel/event.h"
#include "pinwheel/version.h"

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

SPDK_LOG_REGISTER_COMPONENT(appargs_test)

/* stdout goes to a temporary file between begin and end. */
static char g_out[128 * 1024];
static int g_saved_stdout = -1;
static FILE *g_out_file;

static void
stdout_capture_begin(void)
{
	fflush(stdout);
	g_out_file = tmpfile();
	ASSERT_NOT_NULL(g_out_file);
	g_saved_stdout = dup(STDOUT_FILENO);
	ASSERT_GE(g_saved_stdout, 0);
	ASSERT_GE(dup2(fileno(g_out_file), STDOUT_FILENO), 0);
}

static const char *
stdout_capture_end(void)
{
	ssize_t n;

	fflush(stdout);
	ASSERT_GE(dup2(g_saved_stdout, STDOUT_FILENO), 0);
	close(g_saved_stdout);
	ASSERT_EQ(lseek(fileno(g_out_file), 0, SEEK_SET), 0);
	n = read(fileno(g_out_file), g_out, sizeof(g_out) - 1);
	ASSERT_GE(n, 0);
	g_out[n] = '\0';
	fclose(g_out_file);
	return g_out;
}

/* A NULL-terminated argv starting with "app_ut". */
#define ARGV(...) ((char *[]){ "app_ut", __VA_ARGS__, NULL })

/* ---- helpers ---------------------------------------------------------------- */

static int g_cb_calls;
static int g_cb_ch;
static const char *g_cb_arg;
static int g_cb_rc;
static int g_usage_calls;

static int
app_parse_cb(int ch, char *arg)
{
	g_cb_calls++;
	g_cb_ch = ch;
	g_cb_arg = arg;
	return g_cb_rc;
}

static void
app_usage_cb(void)
{
	g_usage_calls++;
	printf("  -z   the test application's own option\n");
}

static void
init_opts(struct spdk_app_opts *opts)
{
	spdk_app_opts_init(opts, sizeof(*opts));
	opts->name = "app_ut";
}

static spdk_app_parse_args_rvals_t
parse_full(struct spdk_app_opts *opts, char **argv, const char *getopt_str,
	   const struct option *long_opts, int (*cb)(int, char *), void (*usage_fn)(void))
{
	int argc = 0;

	spdk_app_parse_args_rvals_t rc;

	while (argv[argc] != NULL) {
		argc++;
	}
	/* What the parse prints (usage, version) lands in g_out. */
	stdout_capture_begin();
	optind = 1;
	rc = spdk_app_parse_args(argc, argv, opts, getopt_str, long_opts, cb, usage_fn);
	stdout_capture_end();
	return rc;
}

/* SPDK's options only, with a parse callback and no app usage. */
static spdk_app_parse_args_rvals_t
parse(struct spdk_app_opts *opts, char **argv)
{
	return parse_full(opts, argv, "", NULL, app_parse_cb, NULL);
}

/* Fresh defaults, then parse: the result must be SUCCESS. */
static void
parse_ok(struct spdk_app_opts *opts, char **argv)
{
	spdk_app_parse_args_rvals_t rc;

	init_opts(opts);
	log_capture_start();
	rc = parse(opts, argv);
	if (rc != SPDK_APP_PARSE_ARGS_SUCCESS) {
		FAIL("parse of '%s' returned %d; log: %s", argv[1], (int)rc, log_capture_text());
	}
	log_capture_stop();
}

/* Fresh defaults, then parse: must FAIL and log an error containing needle. */
static void
parse_fails(char **argv, const char *needle)
{
	struct spdk_app_opts opts;
	spdk_app_parse_args_rvals_t rc;

	init_opts(&opts);
	log_capture_start();
	rc = parse(&opts, argv);
	if (rc != SPDK_APP_PARSE_ARGS_FAIL) {
		FAIL("parse of '%s %s' returned %d, expected FAIL", argv[1],
		     argv[2] != NULL ? argv[2] : "", (int)rc);
	}
	if (log_capture_count(SPDK_LOG_ERROR) == 0 || !log_capture_contains(needle)) {
		FAIL("parse of '%s' failed without an error naming \"%s\"; log: %s", argv[1],
		     needle, log_capture_text());
	}
	log_capture_stop();
}

/* ---- BEHAVIOURS.md: spdk_app_parse_args (7 cases) ------------------------- */

TEST(behaviour_valid_standard_options_succeed)
{
	struct spdk_app_opts opts;
	char **argv = ARGV("--single-file-segments", "-d", "-p0", "-B", "0000:81:00.0");

	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, argv, "", NULL, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_TRUE(opts.hugepage_single_segments);
	ASSERT_FALSE(opts.enable_coredump);
	ASSERT_EQ(opts.main_core, 0);
	ASSERT_EQ(g_cb_calls, 0);
	/* The PCI list is validated, not stored: nothing for the caller to free. */
	ASSERT_NULL(opts.pci_blocked);
	free(opts.pci_blocked);
	free(opts.pci_allowed);

	/* An empty app getopt string needs no callback (SPDK insists on one). */
	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, argv, "", NULL, NULL, NULL), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(parse_full(&opts, argv, NULL, NULL, NULL, NULL), SPDK_APP_PARSE_ARGS_SUCCESS);
}

TEST(behaviour_unknown_short_option_fails_unless_app_has_it)
{
	struct spdk_app_opts opts;
	char **argv = ARGV("-z", "-d", "--wait-for-rpc", "-p0", "-cspdk.conf");

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, argv, "", NULL, app_parse_cb, NULL), SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("unknown option '-z'"));
	ASSERT_EQ(g_cb_calls, 0);

	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, argv, "z", NULL, app_parse_cb, app_usage_cb),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(g_cb_calls, 1);
	ASSERT_EQ(g_cb_ch, 'z');
	ASSERT_NULL(g_cb_arg);
	ASSERT_FALSE(opts.enable_coredump);
	ASSERT_TRUE(opts.delay_subsystem_init);
	ASSERT_EQ(opts.main_core, 0);
	ASSERT_STR_EQ(opts.json_config_file, "spdk.conf");
	ASSERT_EQ(g_usage_calls, 0);
}

TEST(behaviour_unknown_long_option_fails_unless_app_has_it)
{
	struct spdk_app_opts opts;
	struct option my_options[2] = {};
	char **argv = ARGV("-cspdk.conf", "-d", "-r/var/tmp/spdk.sock", "--test-long-opt",
			   "--wait-for-rpc");

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, argv, "", NULL, app_parse_cb, NULL), SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("'--test-long-opt'"));

	my_options[0].name = "test-long-opt";
	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, argv, "", my_options, app_parse_cb, app_usage_cb),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(g_cb_calls, 1);
	ASSERT_EQ(g_cb_ch, 0);
	/* The attached-argument forms. */
	ASSERT_STR_EQ(opts.json_config_file, "spdk.conf");
	ASSERT_STR_EQ(opts.rpc_addr, "/var/tmp/spdk.sock");
	ASSERT_FALSE(opts.enable_coredump);
	ASSERT_TRUE(opts.delay_subsystem_init);
}

TEST(behaviour_app_getopt_overlapping_spdk_letters_fails)
{
	struct spdk_app_opts opts;
	char **argv = ARGV("--single-file-segments", "-d", "-p0", "-B", "0000:81:00.0");

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, argv, SPDK_APP_GETOPT_STRING, NULL, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("'-c' is also an SPDK option"));
	/* Nothing was parsed. */
	ASSERT_FALSE(opts.hugepage_single_segments);
	ASSERT_TRUE(opts.enable_coredump);

	/* One shared letter among others is enough; getopt's ':' and '+' are not letters. */
	log_capture_reset();
	ASSERT_EQ(parse_full(&opts, argv, "+:xy:m", NULL, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("'-m' is also an SPDK option"));
	ASSERT_EQ(parse_full(&opts, argv, "+:xy:", NULL, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
}

TEST(behaviour_pci_blocked_and_allowed_together_fail)
{
	parse_fails(ARGV("-B", "0000:81:00.0", "-A", "0000:82:00.0", "-cspdk.conf"),
		    "-B and -A cannot be used at the same time");
	parse_fails(ARGV("--pci-allowed", "0000:82:00.0", "--pci-blocked=0000:81:00.0"),
		    "-B and -A cannot be used at the same time");
	/* SPDK's original case used -W, the old name of -A. */
	parse_fails(ARGV("-B", "0000:81:00.0", "-W", "0000:82:00.0", "-cspdk.conf"),
		    "-B and -A cannot be used at the same time");
}

TEST(behaviour_main_core_swallowing_next_option_fails)
{
	parse_fails(ARGV("-d", "-p", "--single-file-segments", "--silence-noticelog", "-R"),
		    "invalid main core '-p --single-file-segments'");
}

/* ---- defaults and repeated parsing ----------------------------------------- */

TEST(defaults_not_given_are_kept)
{
	struct spdk_app_opts opts, expected;
	char **argv = ARGV("-m", "0x3");

	init_opts(&expected);
	init_opts(&opts);
	ASSERT_EQ(parse(&opts, argv), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_STR_EQ(opts.reactor_mask, "0x3");
	expected.reactor_mask = opts.reactor_mask;
	ASSERT_EQ(memcmp(&opts, &expected, sizeof(opts)), 0);

	/* No option at all changes nothing. */
	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV(NULL)), SPDK_APP_PARSE_ARGS_SUCCESS);
	init_opts(&expected);
	ASSERT_EQ(memcmp(&opts, &expected, sizeof(opts)), 0);
}

TEST(parse_twice_with_optind_reset)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("-m", "0x1", "-d")), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(parse(&opts, ARGV("-m", "0x2", "--interrupt-mode")), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_STR_EQ(opts.reactor_mask, "0x2");
	ASSERT_FALSE(opts.enable_coredump);
	ASSERT_TRUE(opts.interrupt_mode);
}

/* A parse that stops inside a group of short options ("-hd": -h ends it)
 * leaves getopt pointing at the "d" of that command line. Resetting optind
 * to 1, as the documentation says, must start the next parse afresh; it used
 * to apply the old "d" (reading the old argv, which a real program may have
 * freed). Found by test/fuzz/fuzz_app_parse_args. */
TEST(parse_after_one_stopped_inside_an_option_group)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("-hd")), SPDK_APP_PARSE_ARGS_HELP);
	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("-m", "0x3")), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_TRUE(opts.enable_coredump);
	ASSERT_STR_EQ(opts.reactor_mask, "0x3");

	/* The same after an unknown letter inside a group. */
	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("-Qd")), SPDK_APP_PARSE_ARGS_FAIL);
	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV(NULL)), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_TRUE(opts.enable_coredump);
}

TEST(opts_size_limits_what_is_written)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	/* As if the caller's struct ended before disable_cpumask_locks. */
	opts.opts_size = offsetof(struct spdk_app_opts, disable_cpumask_locks);
	ASSERT_EQ(parse(&opts, ARGV("-d", "--disable-cpumask-locks")),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_FALSE(opts.enable_coredump);
	ASSERT_FALSE(opts.disable_cpumask_locks);

	/* A zeroed struct (opts_size 0), as SPDK's own test passes, is taken whole. */
	memset(&opts, 0, sizeof(opts));
	ASSERT_EQ(parse(&opts, ARGV("--disable-cpumask-locks")), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_TRUE(opts.disable_cpumask_locks);
}

/* ---- each standard option ---------------------------------------------------- */

TEST(cpumask_option)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-m", "0xF"));
	ASSERT_STR_EQ(opts.reactor_mask, "0xF");
	parse_ok(&opts, ARGV("--cpumask=[0,2-3]"));
	ASSERT_STR_EQ(opts.reactor_mask, "[0,2-3]");
	/* Unique prefixes of long names are accepted, as with any getopt_long. */
	parse_ok(&opts, ARGV("--cpum", "0x1"));
	ASSERT_STR_EQ(opts.reactor_mask, "0x1");
}

TEST(main_core_option)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-p", "1"));
	ASSERT_EQ(opts.main_core, 1);
	parse_ok(&opts, ARGV("--main-core=0x3"));
	ASSERT_EQ(opts.main_core, 3);
	parse_ok(&opts, ARGV("-p0"));
	ASSERT_EQ(opts.main_core, 0);
}

TEST(main_core_bad_numbers_fail)
{
	parse_fails(ARGV("-p", "abc"), "invalid main core '-p abc'");
	parse_fails(ARGV("-p", "-1"), "invalid main core '-p -1'");
	parse_fails(ARGV("-p", "1x"), "invalid main core '-p 1x'");
	parse_fails(ARGV("-p", ""), "invalid main core '-p '");
	parse_fails(ARGV("--main-core", "4294967296"), "invalid main core '-p 4294967296'");
}

TEST(logflag_option)
{
	struct spdk_app_opts opts;

	ASSERT_FALSE(spdk_log_get_flag("appargs_test"));
	parse_ok(&opts, ARGV("-L", "appargs_test"));
	ASSERT_TRUE(spdk_log_get_flag("appargs_test"));
	ASSERT_EQ(spdk_log_clear_flag("appargs_test"), 0);
	parse_ok(&opts, ARGV("--logflag=appargs_test"));
	ASSERT_TRUE(spdk_log_get_flag("appargs_test"));
}

TEST(logflag_unknown_fails_with_usage)
{
	struct spdk_app_opts opts;
	const char *out;

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse(&opts, ARGV("-L", "no_such_flag")), SPDK_APP_PARSE_ARGS_FAIL);
	out = g_out;
	ASSERT_TRUE(log_capture_contains("unknown log flag '-L no_such_flag'"));
	ASSERT_STR_CONTAINS(out, "app_ut [options]");
}

TEST(print_level_and_mode_options)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("--silence-noticelog"));
	ASSERT_EQ(opts.print_level, SPDK_LOG_WARN);
	ASSERT_FALSE(opts.interrupt_mode);
	parse_ok(&opts, ARGV("--interrupt-mode"));
	ASSERT_TRUE(opts.interrupt_mode);
	ASSERT_EQ(opts.print_level, SPDK_LOG_INFO);
}

TEST(rpc_options)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV(NULL));
	ASSERT_STR_EQ(opts.rpc_addr, SPDK_DEFAULT_RPC_ADDR);
	parse_ok(&opts, ARGV("-r", "/tmp/x.sock"));
	ASSERT_STR_EQ(opts.rpc_addr, "/tmp/x.sock");
	parse_ok(&opts, ARGV("--rpc-socket", "/tmp/y.sock", "--no-rpc-server"));
	ASSERT_NULL(opts.rpc_addr);
	/* The last one given wins, as in SPDK. */
	parse_ok(&opts, ARGV("--no-rpc-server", "-r", "/tmp/z.sock"));
	ASSERT_STR_EQ(opts.rpc_addr, "/tmp/z.sock");
	parse_ok(&opts, ARGV("--wait-for-rpc", "--rpcs-allowed", "spdk_get_version,bdev_get_bdevs"));
	ASSERT_TRUE(opts.delay_subsystem_init);
	/* Stored as SPDK stores it: a NULL-terminated list of the names. */
	ASSERT_NOT_NULL(opts.rpc_allowlist);
	ASSERT_STR_EQ(opts.rpc_allowlist[0], "spdk_get_version");
	ASSERT_STR_EQ(opts.rpc_allowlist[1], "bdev_get_bdevs");
	ASSERT_NULL(opts.rpc_allowlist[2]);
}

TEST(msg_mempool_size_option)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("--msg-mempool-size", "1024"));
	ASSERT_EQ(opts.msg_mempool_size, 1024);
	parse_fails(ARGV("--msg-mempool-size", "0"), "invalid --msg-mempool-size '0'");
	parse_fails(ARGV("--msg-mempool-size", "-5"), "invalid --msg-mempool-size '-5'");
	parse_fails(ARGV("--msg-mempool-size", "many"), "invalid --msg-mempool-size 'many'");
	/* Decimal only, as in SPDK. */
	parse_fails(ARGV("--msg-mempool-size=0x10"), "invalid --msg-mempool-size '0x10'");
}

TEST(config_and_trace_options)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-c", "a.json"));
	ASSERT_STR_EQ(opts.json_config_file, "a.json");
	parse_ok(&opts, ARGV("--config", "b.json"));
	ASSERT_STR_EQ(opts.json_config_file, "b.json");
	parse_ok(&opts, ARGV("--json", "c.json", "--json-ignore-init-errors"));
	ASSERT_STR_EQ(opts.json_config_file, "c.json");
	ASSERT_TRUE(opts.json_config_ignore_errors);
	parse_ok(&opts, ARGV("-e", "0xF"));
	ASSERT_STR_EQ(opts.tpoint_group_mask, "0xF");
	parse_ok(&opts, ARGV("--tpoint-group", "bdev:0x1"));
	ASSERT_STR_EQ(opts.tpoint_group_mask, "bdev:0x1");
	parse_ok(&opts, ARGV("--num-trace-entries", "1024"));
	ASSERT_EQ(opts.num_entries, 1024);
	parse_ok(&opts, ARGV("--num-trace-entries", "0"));
	ASSERT_EQ(opts.num_entries, 0);
	parse_fails(ARGV("--num-trace-entries", "1000"), "must be a power of 2");
	parse_fails(ARGV("--num-trace-entries", "-1"), "invalid --num-trace-entries '-1'");
	parse_fails(ARGV("--num-trace-entries", "x"), "invalid --num-trace-entries 'x'");
}

TEST(preset_unreadable_config_is_dropped)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	opts.json_config_file = "/nonexistent/pinwheel/app.json";
	log_capture_start();
	ASSERT_EQ(parse(&opts, ARGV(NULL)), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_NULL(opts.json_config_file);
	ASSERT_TRUE(log_capture_contains("/nonexistent/pinwheel/app.json"));

	init_opts(&opts);
	opts.json_config_file = "/dev/null";
	ASSERT_EQ(parse(&opts, ARGV(NULL)), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_STR_EQ(opts.json_config_file, "/dev/null");
}

TEST(shm_id_option)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-i", "5"));
	ASSERT_EQ(opts.shm_id, 5);
	parse_ok(&opts, ARGV("-i", "-3"));
	ASSERT_EQ(opts.shm_id, -3);
	parse_ok(&opts, ARGV("--shm-id=0x10"));
	ASSERT_EQ(opts.shm_id, 16);
	parse_fails(ARGV("-i", "abc"), "invalid shared memory id '-i abc'");
	parse_fails(ARGV("-i", "-"), "invalid shared memory id '-i -'");
	parse_fails(ARGV("-i", "--5"), "invalid shared memory id '-i --5'");
}

TEST(mem_size_option)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-s", "512"));
	ASSERT_EQ(opts.mem_size, 512);
	parse_ok(&opts, ARGV("-s", "512M"));
	ASSERT_EQ(opts.mem_size, 512);
	parse_ok(&opts, ARGV("--mem-size", "2G"));
	ASSERT_EQ(opts.mem_size, 2048);
	parse_ok(&opts, ARGV("-s", "4096k"));
	ASSERT_EQ(opts.mem_size, 4);
	parse_fails(ARGV("-s", "lots"), "invalid memory size '-s lots'");
	parse_fails(ARGV("-s", "12X"), "invalid memory size '-s 12X'");
	parse_fails(ARGV("-s", "4294967296"), "invalid memory size '-s 4294967296'");
}

TEST(mem_channels_option)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-n", "4"));
	ASSERT_EQ(opts.mem_channel, 4);
	parse_ok(&opts, ARGV("--mem-channels", "0"));
	ASSERT_EQ(opts.mem_channel, 0);
	parse_fails(ARGV("-n", "four"), "invalid memory channel count '-n four'");
	parse_fails(ARGV("-n", "-2"), "invalid memory channel count '-n -2'");
}

TEST(dpdk_only_options_are_stored_and_ignored)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-R", "-g", "-u", "--no-huge", "--huge-dir", "/mnt/huge",
			     "--iova-mode", "va", "--base-virtaddr", "0x1000",
			     "--disable-cpumask-locks", "--vfio-vf-token", "tok",
			     "--env-context", "--x=y", "--enforce-numa", "--limit-coredump"));
	ASSERT_TRUE(opts.unlink_hugepage);
	ASSERT_TRUE(opts.hugepage_single_segments);
	ASSERT_TRUE(opts.no_pci);
	ASSERT_TRUE(opts.no_huge);
	ASSERT_STR_EQ(opts.hugedir, "/mnt/huge");
	ASSERT_STR_EQ(opts.iova_mode, "va");
	ASSERT_EQ(opts.base_virtaddr, 0x1000);
	ASSERT_TRUE(opts.disable_cpumask_locks);
	ASSERT_STR_EQ(opts.vf_token, "tok");
	ASSERT_STR_EQ((const char *)opts.env_context, "--x=y");
	ASSERT_TRUE(opts.enforce_numa);
	ASSERT_FALSE(opts.enable_coredump);

	parse_ok(&opts, ARGV("--no-pci", "--huge-unlink", "--single-file-segments"));
	ASSERT_TRUE(opts.no_pci);
	ASSERT_TRUE(opts.unlink_hugepage);
	ASSERT_TRUE(opts.hugepage_single_segments);

	parse_fails(ARGV("--base-virtaddr", "0"), "invalid --base-virtaddr '0'");
	parse_fails(ARGV("--base-virtaddr", "nowhere"), "invalid --base-virtaddr 'nowhere'");
}

TEST(lcores_and_cpumask_exclude_each_other)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("--lcores", "(0-1)@(0-1)"));
	ASSERT_STR_EQ(opts.lcore_map, "(0-1)@(0-1)");
	ASSERT_NULL(opts.reactor_mask);
	parse_fails(ARGV("-m", "0x1", "--lcores", "0"), "cannot be used at the same time");
	parse_fails(ARGV("--lcores", "0", "-m", "0x1"), "cannot be used at the same time");
}

TEST(pci_addresses_are_validated)
{
	struct spdk_app_opts opts;

	parse_ok(&opts, ARGV("-B", "0000:81:00.0", "-B", "81:00.1", "--pci-blocked", "0.81.1f.7",
			     "-B", "81:1f"));
	ASSERT_NULL(opts.pci_blocked);
	ASSERT_EQ(opts.num_pci_addr, 0);
	parse_ok(&opts, ARGV("-A", "0001:02:03.4", "--pci-allowed=02.03.4"));
	ASSERT_NULL(opts.pci_allowed);
	parse_fails(ARGV("-B", "garbage"), "invalid PCI address 'garbage'");
	parse_fails(ARGV("-B", "0000:81:00.0x"), "invalid PCI address '0000:81:00.0x'");
	parse_fails(ARGV("-A", "0000:81:20.0"), "invalid PCI address '0000:81:20.0'");
	parse_fails(ARGV("-A", "0000:100:00.0"), "invalid PCI address '0000:100:00.0'");
	parse_fails(ARGV("-A", "0000:81:00.8"), "invalid PCI address '0000:81:00.8'");
	parse_fails(ARGV("-A", "0000:81:00:0"), "invalid PCI address '0000:81:00:0'");
	parse_fails(ARGV("-A", "81"), "invalid PCI address '81'");
	parse_fails(ARGV("-A", ""), "invalid PCI address ''");
}

TEST(old_w_option_is_deprecated_alias_of_a)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse(&opts, ARGV("-W", "0000:82:00.0")), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_TRUE(log_capture_contains("-W is deprecated"));
	ASSERT_EQ(log_capture_count(SPDK_LOG_WARN), 1);
	parse_fails(ARGV("-W", "0000:82:00.0", "-B", "0000:81:00.0"),
		    "-B and -A cannot be used at the same time");
}

/* ---- help, version, usage -------------------------------------------------------- */

TEST(help_prints_usage_and_app_usage)
{
	struct spdk_app_opts opts;
	const char *out;

	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, ARGV("-d", "-h", "-m", "0x3"), "z", NULL, app_parse_cb,
			     app_usage_cb), SPDK_APP_PARSE_ARGS_HELP);
	out = g_out;
	ASSERT_STR_CONTAINS(out, "app_ut [options]");
	ASSERT_STR_CONTAINS(out, "--cpumask");
	ASSERT_STR_CONTAINS(out, "--msg-mempool-size");
	ASSERT_STR_CONTAINS(out, "--silence-noticelog");
	ASSERT_STR_CONTAINS(out, "--pw-rpc-compat");
	ASSERT_STR_CONTAINS(out, "[no effect]");
	ASSERT_STR_CONTAINS(out, "appargs_test");	/* spdk_log_usage()'s flag list */
	ASSERT_STR_CONTAINS(out, SPDK_DEFAULT_RPC_ADDR);
	ASSERT_STR_CONTAINS(out, "Application specific:");
	ASSERT_STR_CONTAINS(out, "the test application's own option");
	ASSERT_EQ(g_usage_calls, 1);
	/* Parsing stopped at -h. */
	ASSERT_NULL(opts.reactor_mask);

	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("--help")), SPDK_APP_PARSE_ARGS_HELP);
	out = g_out;
	ASSERT_STR_CONTAINS(out, "--no-rpc-server");
	ASSERT_TRUE(strstr(out, "Application specific:") == NULL);
}

TEST(version_prints_version)
{
	struct spdk_app_opts opts;
	const char *out;

	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("-v")), SPDK_APP_PARSE_ARGS_HELP);
	out = g_out;
	ASSERT_STR_CONTAINS(out, pw_version_string());

	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("--version")), SPDK_APP_PARSE_ARGS_HELP);
	out = g_out;
	ASSERT_STR_CONTAINS(out, pw_version_string());
	ASSERT_TRUE(strstr(out, "[options]") == NULL);
}

TEST(app_usage_needs_a_parse_first)
{
	struct spdk_app_opts opts;
	const char *out;

	log_capture_start();
	stdout_capture_begin();
	spdk_app_usage();
	out = stdout_capture_end();
	ASSERT_STR_EQ(out, "");
	ASSERT_TRUE(log_capture_contains("call spdk_app_parse_args() first"));
	log_capture_stop();

	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, ARGV("-d"), "z", NULL, app_parse_cb, app_usage_cb),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	stdout_capture_begin();
	spdk_app_usage();
	out = stdout_capture_end();
	ASSERT_STR_CONTAINS(out, "app_ut [options]");
	ASSERT_STR_CONTAINS(out, "--interrupt-mode");
	/* Only SPDK's part: the app's usage callback is not called. */
	ASSERT_EQ(g_usage_calls, 0);
}

/* ---- getopt errors ------------------------------------------------------------- */

TEST(unknown_option_prints_usage)
{
	struct spdk_app_opts opts;
	const char *out;

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse(&opts, ARGV("-d", "-q")), SPDK_APP_PARSE_ARGS_FAIL);
	out = g_out;
	ASSERT_TRUE(log_capture_contains("unknown option '-q'"));
	ASSERT_STR_CONTAINS(out, "app_ut [options]");
}

TEST(missing_or_extra_argument_fails)
{
	parse_fails(ARGV("-d", "-p"), "option '-p/--main-core' requires an argument");
	parse_fails(ARGV("--cpumask"), "option '-m/--cpumask' requires an argument");
	parse_fails(ARGV("--json"), "option '--json' requires an argument");
	parse_fails(ARGV("--no-pci=1"), "option '-u/--no-pci' does not take an argument");
	parse_fails(ARGV("--mem", "1"), "unknown or ambiguous option '--mem'");
}

TEST(opterr_is_restored)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	opterr = 1;
	log_capture_start();
	ASSERT_EQ(parse(&opts, ARGV("-q")), SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_EQ(opterr, 1);
	opterr = 0;
	ASSERT_EQ(parse(&opts, ARGV("-d")), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(opterr, 0);
}

TEST(bad_arguments_fail)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	log_capture_start();
	optind = 1;
	ASSERT_EQ(spdk_app_parse_args(1, ARGV(NULL), NULL, "", NULL, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("opts is NULL"));
	ASSERT_EQ(spdk_app_parse_args(1, NULL, &opts, "", NULL, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_EQ(spdk_app_parse_args(0, ARGV(NULL), &opts, "", NULL, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 3);
}

/* ---- application options ------------------------------------------------------- */

TEST(app_short_option_with_argument)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, ARGV("-zvalue", "-d", "-x"), "xz:", NULL, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(g_cb_calls, 2);
	ASSERT_EQ(g_cb_ch, 'x');
	ASSERT_FALSE(opts.enable_coredump);

	/* An app string starting with ':' makes getopt answer ':' for a missing argument. */
	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, ARGV("-z"), ":z:", NULL, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("'-z' requires an argument"));
}

TEST(app_short_option_needs_a_callback)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, ARGV("-d"), "z", NULL, NULL, NULL), SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("without a parse callback"));
}

TEST(app_callback_error_fails)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	g_cb_rc = -22;
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, ARGV("-z", "bad", "-d"), "z:", NULL, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("refused option '-z' with argument bad (rc -22)"));
	ASSERT_EQ(g_cb_calls, 1);
	ASSERT_TRUE(opts.enable_coredump);
}

TEST(app_long_options)
{
	struct spdk_app_opts opts;
	int flag = 0;
	struct option longs[] = {
		{"name", required_argument, NULL, 'N'},
		{"set-flag", no_argument, &flag, 7},
		/* Same value as --silence-noticelog: still the application's. */
		{"mine", no_argument, NULL, 257},
		{NULL, 0, NULL, 0},
	};

	init_opts(&opts);
	ASSERT_EQ(parse_full(&opts, ARGV("--name=foo"), "", longs, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(g_cb_ch, 'N');
	ASSERT_STR_EQ(g_cb_arg, "foo");

	ASSERT_EQ(parse_full(&opts, ARGV("--mine"), "", longs, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(g_cb_ch, 257);
	ASSERT_EQ(opts.print_level, SPDK_LOG_INFO);
	ASSERT_EQ(g_cb_calls, 2);

	/* A flag option is complete without any callback. */
	ASSERT_EQ(parse_full(&opts, ARGV("--set-flag"), NULL, longs, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_EQ(flag, 7);
	ASSERT_EQ(g_cb_calls, 2);

	/* Without a callback, an app option that needs one fails. */
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, ARGV("--name", "x"), NULL, longs, NULL, NULL),
		  SPDK_APP_PARSE_ARGS_FAIL);
	ASSERT_TRUE(log_capture_contains("'--name' given, but the application passed no parse"));
}

TEST(app_long_option_hidden_by_spdk_name_warns)
{
	struct spdk_app_opts opts;
	struct option longs[] = {
		{"cpumask", required_argument, NULL, 'M'},
		{NULL, 0, NULL, 0},
	};

	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse_full(&opts, ARGV("--cpumask", "0x1"), "", longs, app_parse_cb, NULL),
		  SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_TRUE(log_capture_contains("'--cpumask' has the name of an SPDK option"));
	ASSERT_STR_EQ(opts.reactor_mask, "0x1");
	ASSERT_EQ(g_cb_calls, 0);
}

TEST(positional_arguments_are_left_for_the_app)
{
	struct spdk_app_opts opts;
	char **argv = ARGV("file1", "-d", "file2");

	init_opts(&opts);
	ASSERT_EQ(parse(&opts, argv), SPDK_APP_PARSE_ARGS_SUCCESS);
	ASSERT_FALSE(opts.enable_coredump);
	/* getopt moved the operands after the options. */
	ASSERT_EQ(optind, 2);
	ASSERT_STR_EQ(argv[2], "file1");
	ASSERT_STR_EQ(argv[3], "file2");
}

/* ---- Pinwheel's reactor sleeping options ----------------------------------- */

TEST(pw_sleep_options_set_reactor_opts_on_success_only)
{
	struct spdk_app_opts opts;
	struct pw_reactor_opts r;

	pw_reactor_get_opts(&r, sizeof(r));
	ASSERT_TRUE(r.sleep);
	ASSERT_EQ(r.spin_us, 100);
	ASSERT_EQ(r.idle_poller_sleep_us, 0);

	/* A command line that fails changes nothing. */
	init_opts(&opts);
	log_capture_start();
	ASSERT_EQ(parse(&opts, ARGV("--pw-no-sleep", "--pw-spin-us", "7", "--no-such-option")),
		  SPDK_APP_PARSE_ARGS_FAIL);
	log_capture_stop();
	pw_reactor_get_opts(&r, sizeof(r));
	ASSERT_TRUE(r.sleep);
	ASSERT_EQ(r.spin_us, 100);

	parse_ok(&opts, ARGV("--pw-spin-us", "250", "--pw-idle-poller-sleep-us", "1000"));
	pw_reactor_get_opts(&r, sizeof(r));
	ASSERT_TRUE(r.sleep);
	ASSERT_EQ(r.spin_us, 250);
	ASSERT_EQ(r.idle_poller_sleep_us, 1000);

	parse_ok(&opts, ARGV("--pw-no-sleep"));
	pw_reactor_get_opts(&r, sizeof(r));
	ASSERT_FALSE(r.sleep);
	ASSERT_EQ(r.spin_us, 250);
}

TEST(pw_sleep_options_bad_values_fail)
{
	parse_fails(ARGV("--pw-spin-us", "-1"), "invalid --pw-spin-us '-1'");
	parse_fails(ARGV("--pw-spin-us", "lots"), "invalid --pw-spin-us 'lots'");
	parse_fails(ARGV("--pw-spin-us", "10000001"), "invalid --pw-spin-us '10000001'");
	parse_fails(ARGV("--pw-idle-poller-sleep-us", "1e3"),
		    "invalid --pw-idle-poller-sleep-us '1e3'");
	parse_fails(ARGV("--pw-no-sleep=1"), "--pw-no-sleep");
}

TEST(pw_sleep_options_are_in_the_usage)
{
	struct spdk_app_opts opts;

	init_opts(&opts);
	ASSERT_EQ(parse(&opts, ARGV("-h")), SPDK_APP_PARSE_ARGS_HELP);
	ASSERT_NOT_NULL(strstr(g_out, "--pw-no-sleep"));
	ASSERT_NOT_NULL(strstr(g_out, "--pw-spin-us"));
	ASSERT_NOT_NULL(strstr(g_out, "--pw-idle-poller-sleep-us"));
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * pw_trace_write_chrome() on paths it cannot write: an empty name, a missing
 * directory, a directory, and a disk that fills up (RLIMIT_FSIZE: write()
 * fails with EFBIG). Each is an error return with a message, no file at the
 * path, and no .tmp left behind.
 */

#include "harness.h"
#include "log_capture.h"

#include "spdk/stdinc.h"
#include "spdk/trace.h"
#include "pinwheel/trace.h"

#include <sys/resource.h>
#include <sys/stat.h>

#define G	8
#define TP_V	SPDK_TPOINT_ID(G, 0)

static void
g_trace(void)
{
	spdk_trace_register_description("V", TP_V, 0, 0, 0, SPDK_TRACE_ARG_TYPE_INT, "v");
}
SPDK_TRACE_REGISTER_FN(g_trace, "twrite", G)

static char g_dir[64];

static void
setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/pw_trace_write_%d", (int)getpid());
	ASSERT_EQ(mkdir(g_dir, 0700), 0);
	ASSERT_EQ(spdk_trace_init("write", 1024, 0), 0);
	spdk_trace_set_tpoints(G, UINT64_MAX);
	for (uint64_t i = 0; i < 1000; i++) {
		spdk_trace_record(TP_V, 0, 0, 0, i);
	}
}

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static void
refused(const char *path, int want)
{
	char tmp[256];
	int rc;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	log_capture_start();
	rc = pw_trace_write_chrome(path);
	if (rc != want) {
		FAIL("pw_trace_write_chrome('%s') = %d, expected %d", path, rc, want);
	}
	if (!log_capture_contains("pw_trace_write_chrome")) {
		FAIL("'%s' refused without a message: '%s'", path, log_capture_text());
	}
	log_capture_stop();
	if (exists(tmp)) {
		FAIL("%s left behind", tmp);
	}
}

TEST(bad_paths)
{
	char path[128];
	struct stat st;

	setup();
	refused("", -EINVAL);
	snprintf(path, sizeof(path), "%s/no/such/dir/x.json", g_dir);
	refused(path, -ENOENT);
	/* A directory: the .tmp is made beside it, the rename fails. */
	snprintf(path, sizeof(path), "%s/adir", g_dir);
	ASSERT_EQ(mkdir(path, 0700), 0);
	refused(path, -EISDIR);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	ASSERT_EQ(rmdir(path), 0);
	/* It works where it can. */
	snprintf(path, sizeof(path), "%s/ok.json", g_dir);
	ASSERT_EQ(pw_trace_write_chrome(path), 0);
	ASSERT_EQ(unlink(path), 0);
	spdk_trace_cleanup();
	ASSERT_EQ(rmdir(g_dir), 0);
}

TEST(disk_full)
{
	struct rlimit lim = { 512, 512 };
	char path[128];

	setup();
	/* Past 512 bytes write() fails with EFBIG (SIGXFSZ ignored), as on a full disk. */
	ASSERT_TRUE(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
	snprintf(path, sizeof(path), "%s/full.json", g_dir);
	refused(path, -EIO);
	ASSERT_TRUE(!exists(path));
	spdk_trace_cleanup();
	ASSERT_EQ(rmdir(g_dir), 0);
}

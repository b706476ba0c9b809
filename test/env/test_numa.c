/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the NUMA queries: the node list (first / next / last and
 * SPDK_ENV_FOREACH_NUMA_ID) and the node of a cpu, on this machine's sysfs
 * and on fake sysfs trees (several nodes with gaps, a memory-only node, junk
 * entries, no tree at all) built in a temporary directory and loaded with
 * pw__numa_reload().
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"

#include "env/env_internal.h"
#include "harness.h"

static char g_root[64];

static void
write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g_root, rel);
	f = fopen(path, "w");
	ASSERT_NOT_NULL(f);
	fputs(text, f);
	ASSERT_EQ(fclose(f), 0);
}

static void
make_dir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", g_root, rel);
	ASSERT_EQ(mkdir(path, 0700), 0);
}

static void
make_root(void)
{
	snprintf(g_root, sizeof(g_root), "/tmp/pw_numa_XXXXXX");
	ASSERT_NOT_NULL(mkdtemp(g_root));
}

static void
remove_root(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_root);
	ASSERT_EQ(system(cmd), 0);
}

/* Collect the node list through SPDK_ENV_FOREACH_NUMA_ID. */
static unsigned
foreach_nodes(int32_t *out, unsigned max)
{
	unsigned n = 0;
	int32_t i;

	SPDK_ENV_FOREACH_NUMA_ID(i) {
		ASSERT_LT(n, max);
		out[n++] = i;
	}
	return n;
}

TEST(numa_fake_tree_with_gaps_and_memory_only_node)
{
	int32_t nodes[8];

	make_root();
	make_dir("node0");
	write_file("node0/cpulist", "0-1\n");
	make_dir("node1");
	write_file("node1/cpulist", "\n");		/* memory only: not listed */
	make_dir("node3");
	write_file("node3/cpulist", "2-3,8\n");
	make_dir("node4");				/* no cpulist file: not listed */
	make_dir("nodeX");				/* not a node */
	write_file("possible", "0-4\n");		/* sysfs has such files too */
	pw__numa_reload(g_root);

	ASSERT_EQ(spdk_env_get_first_numa_id(), 0);
	ASSERT_EQ(spdk_env_get_last_numa_id(), 3);
	ASSERT_EQ(spdk_env_get_next_numa_id(0), 3);
	ASSERT_EQ(spdk_env_get_next_numa_id(3), INT32_MAX);
	/* Not a node of the machine: INT32_MAX, as in SPDK. */
	ASSERT_EQ(spdk_env_get_next_numa_id(1), INT32_MAX);
	ASSERT_EQ(spdk_env_get_next_numa_id(-1), INT32_MAX);
	ASSERT_EQ(spdk_env_get_next_numa_id(INT32_MAX), INT32_MAX);
	ASSERT_EQ(foreach_nodes(nodes, 8), 2u);
	ASSERT_EQ(nodes[0], 0);
	ASSERT_EQ(nodes[1], 3);

	ASSERT_EQ(spdk_env_get_numa_id(0), 0);
	ASSERT_EQ(spdk_env_get_numa_id(1), 0);
	ASSERT_EQ(spdk_env_get_numa_id(2), 3);
	ASSERT_EQ(spdk_env_get_numa_id(8), 3);
	ASSERT_EQ(spdk_env_get_socket_id(3), 3u);
	ASSERT_EQ(spdk_env_get_numa_id(5), 0);		/* listed nowhere */
	ASSERT_EQ(spdk_env_get_numa_id(SPDK_CPUSET_SIZE), SPDK_ENV_NUMA_ID_ANY);

	remove_root();
	pw__numa_reload(NULL);
}

TEST(numa_without_sysfs_is_one_node_zero)
{
	int32_t nodes[4];

	make_root();
	pw__numa_reload("/nonexistent/pinwheel/node");
	ASSERT_EQ(spdk_env_get_first_numa_id(), 0);
	ASSERT_EQ(spdk_env_get_last_numa_id(), 0);
	ASSERT_EQ(spdk_env_get_next_numa_id(0), INT32_MAX);
	ASSERT_EQ(foreach_nodes(nodes, 4), 1u);
	ASSERT_EQ(nodes[0], 0);
	ASSERT_EQ(spdk_env_get_numa_id(0), 0);
	ASSERT_EQ(spdk_env_get_numa_id(SPDK_CPUSET_SIZE - 1), 0);

	/* A tree whose nodes list no cpu at all counts as no information. */
	make_dir("node2");
	write_file("node2/cpulist", "\n");
	pw__numa_reload(g_root);
	ASSERT_EQ(spdk_env_get_first_numa_id(), 0);
	ASSERT_EQ(spdk_env_get_last_numa_id(), 0);
	ASSERT_EQ(foreach_nodes(nodes, 4), 1u);

	remove_root();
	pw__numa_reload(NULL);
}

TEST(numa_single_node_not_zero)
{
	make_root();
	make_dir("node1");
	write_file("node1/cpulist", "0-3");		/* no newline: still read */
	pw__numa_reload(g_root);
	ASSERT_EQ(spdk_env_get_first_numa_id(), 1);
	ASSERT_EQ(spdk_env_get_last_numa_id(), 1);
	ASSERT_EQ(spdk_env_get_next_numa_id(1), INT32_MAX);
	ASSERT_EQ(spdk_env_get_next_numa_id(0), INT32_MAX);
	ASSERT_EQ(spdk_env_get_numa_id(3), 1);
	remove_root();
	pw__numa_reload(NULL);
}

/* This machine: the node list agrees with the node of every cpu we can use,
 * whatever sysfs holds here. */
TEST(numa_this_machine_is_consistent)
{
	int32_t nodes[1024];
	unsigned n = foreach_nodes(nodes, 1024);
	cpu_set_t set;

	ASSERT_GE(n, 1u);
	ASSERT_EQ(nodes[0], spdk_env_get_first_numa_id());
	ASSERT_EQ(nodes[n - 1], spdk_env_get_last_numa_id());
	for (unsigned i = 1; i < n; i++) {
		ASSERT_GT(nodes[i], nodes[i - 1]);
	}
	ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
	for (uint32_t cpu = 0; cpu < CPU_SETSIZE && cpu < SPDK_CPUSET_SIZE; cpu++) {
		bool found = false;

		if (!CPU_ISSET(cpu, &set)) {
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			found = found || nodes[i] == spdk_env_get_numa_id(cpu);
		}
		ASSERT_TRUE(found);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * NUMA topology from sysfs: the node of every cpu and the list of nodes.
 *
 * Each /sys/devices/system/node/node<N>/cpulist names the cpus of node N. As
 * with DPDK, whose socket list comes from its lcores, a node counts only if
 * it holds a cpu: memory-only nodes (CXL memory, some NVDIMM set-ups) have an
 * empty cpulist and are left out. Without that directory (no sysfs, a kernel
 * built without NUMA, some containers) the machine is one node, 0, holding
 * every cpu: that is what DPDK reports on such a machine too.
 *
 * The table is read once, on first use, then only read: queries load
 * g_loaded with acquire (pairing with the release store in table_load())
 * and read the plain table. Tests may reload it from a fake tree
 * (pw__numa_reload()), never while other pthreads query.
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/log.h"

#include <dirent.h>

#include "common/pw_common.h"
#include "env_internal.h"

#define SYSFS_NODE_DIR		"/sys/devices/system/node"

/* Node numbers at or above this are ignored (Linux's MAX_NUMNODES is at most
 * 1024). */
#define NUMA_MAX_NODES		1024

static pthread_mutex_t g_load_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_loaded;

/* Written only by table_load() before the release store of g_loaded. */
static int16_t g_node_of_cpu[SPDK_CPUSET_SIZE];
static int32_t g_nodes[NUMA_MAX_NODES];		/* ascending */
static uint32_t g_node_count;			/* >= 1 once loaded */

/* Read node_dir/<entry>/cpulist into \p cpus. False when it cannot be read
 * or names no cpu. */
static bool
read_node_cpus(const char *node_dir, const char *entry, struct spdk_cpuset *cpus)
{
	char path[PATH_MAX], list[4096], mask[4096 + 3];
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/cpulist", node_dir, entry);
	f = fopen(path, "r");
	if (f == NULL) {
		return false;
	}
	if (fgets(list, sizeof(list), f) != NULL) {
		list[strcspn(list, "\n")] = '\0';
		/* A memory-only node has an empty list. */
		snprintf(mask, sizeof(mask), "[%s]", list);
		ok = list[0] != '\0' && spdk_cpuset_parse(cpus, mask) == 0 &&
		     spdk_cpuset_count(cpus) > 0;
	}
	fclose(f);
	return ok;
}

/* Fill the table from \p node_dir; called with g_load_lock held. */
static void
table_fill(const char *node_dir)
{
	static bool has_cpu[NUMA_MAX_NODES];
	struct dirent *entry;
	DIR *dir;

	memset(g_node_of_cpu, 0, sizeof(g_node_of_cpu));
	memset(has_cpu, 0, sizeof(has_cpu));
	g_node_count = 0;

	dir = opendir(node_dir);
	if (dir != NULL) {
		while ((entry = readdir(dir)) != NULL) {
			struct spdk_cpuset cpus;
			unsigned long node;
			char *end;

			if (strncmp(entry->d_name, "node", 4) != 0) {
				continue;
			}
			node = strtoul(entry->d_name + 4, &end, 10);
			if (end == entry->d_name + 4 || *end != '\0' || node >= NUMA_MAX_NODES) {
				continue;
			}
			if (!read_node_cpus(node_dir, entry->d_name, &cpus)) {
				continue;
			}
			has_cpu[node] = true;
			for (uint32_t cpu = 0; cpu < SPDK_CPUSET_SIZE; cpu++) {
				if (spdk_cpuset_get_cpu(&cpus, cpu)) {
					g_node_of_cpu[cpu] = (int16_t)node;
				}
			}
		}
		closedir(dir);
	}
	for (int32_t node = 0; node < NUMA_MAX_NODES; node++) {
		if (has_cpu[node]) {
			g_nodes[g_node_count++] = node;
		}
	}
	if (g_node_count == 0) {
		/* No usable NUMA information: one node, 0, holding every cpu. */
		memset(g_node_of_cpu, 0, sizeof(g_node_of_cpu));
		g_nodes[g_node_count++] = 0;
	}
}

static void
table_load(const char *node_dir, bool force)
{
	pthread_mutex_lock(&g_load_lock);
	if (force || !__atomic_load_n(&g_loaded, __ATOMIC_RELAXED)) {
		table_fill(node_dir);
		/* Release: pairs with the acquire load in table(); publishes
		 * the table filled above. */
		__atomic_store_n(&g_loaded, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&g_load_lock);
}

/* Make sure the table is loaded. */
static void
table(void)
{
	/* Acquire: pairs with the release store in table_load(). */
	if (!__atomic_load_n(&g_loaded, __ATOMIC_ACQUIRE)) {
		table_load(SYSFS_NODE_DIR, false);
	}
}

void
pw__numa_reload(const char *node_dir)
{
	table_load(node_dir != NULL ? node_dir : SYSFS_NODE_DIR, true);
}

PW_EXPORT int32_t
spdk_env_get_numa_id(uint32_t core)
{
	if (core >= SPDK_CPUSET_SIZE) {
		return SPDK_ENV_NUMA_ID_ANY;
	}
	table();
	return g_node_of_cpu[core];
}

PW_EXPORT uint32_t
spdk_env_get_socket_id(uint32_t core)
{
	return (uint32_t)spdk_env_get_numa_id(core);
}

PW_EXPORT int32_t
spdk_env_get_first_numa_id(void)
{
	table();
	return g_nodes[0];
}

PW_EXPORT int32_t
spdk_env_get_last_numa_id(void)
{
	table();
	return g_nodes[g_node_count - 1];
}

PW_EXPORT int32_t
spdk_env_get_next_numa_id(int32_t prev_numa_id)
{
	table();
	for (uint32_t i = 0; i + 1 < g_node_count; i++) {
		if (g_nodes[i] == prev_numa_id) {
			return g_nodes[i + 1];
		}
	}
	return INT32_MAX;
}

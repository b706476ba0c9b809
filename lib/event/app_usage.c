/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The usage text of SPDK's standard command line (spdk_app_usage(), and -h
 * or a bad option in spdk_app_parse_args(), app_args.c). Options that only
 * mean something to DPDK, PCI or tracing are listed as SPDK lists them and
 * marked [no effect].
 */

#include "event/event_internal.h"

#include "spdk/log.h"

/* argv[0] of the last parse (borrowed from the caller's argv) and the
 * defaults it was called with, shown by the usage text. */
static const char *g_executable_name;
static struct spdk_app_opts g_usage_defaults;

void
pw__app_usage_set_defaults(const struct spdk_app_opts *defaults)
{
	g_usage_defaults = *defaults;
}

void
pw__app_usage_set_name(const char *executable_name)
{
	g_executable_name = executable_name;
}

void
pw__app_usage(void (*app_usage)(void))
{
	const struct spdk_app_opts *d = &g_usage_defaults;

	printf("%s [options]\n\n", g_executable_name);
	printf("Pinwheel runs SPDK's threading model without DPDK, hugepages, PCI access\n"
	       "or tracing: options marked [no effect] are accepted (and checked as SPDK\n"
	       "checks them) for compatibility, and change nothing.\n");

	printf("\nCPU options:\n");
	printf(" -m, --cpumask <mask|list>   cores to run reactors on: a hex mask (0xF) or a\n"
	       "                             list in brackets ([0,2-3]); default core 0\n");
	printf("     --lcores <map>          DPDK lcore to CPU map, like \"(5-7)@(10-12)\";\n"
	       "                             cannot be used with -m [no effect]\n");
	printf(" -p, --main-core <id>        core of the app thread (default: first core of the mask)\n");
	printf("     --interrupt-mode        SPDK's interrupt mode: pollers that can work from\n"
	       "                             interrupts stop being polled, so reactors sleep\n");
	printf("     --disable-cpumask-locks do not lock the cores with lock files\n"
	       "                             [no effect: Pinwheel never locks cores]\n");

	printf("\nConfiguration options:\n");
	printf(" -c, --config, --json <file> JSON configuration of the subsystems: the RPC\n"
	       "                             calls of each, applied at start-up\n");
	printf("     --json-ignore-init-errors  log a failing configuration entry and go on\n"
	       "                             (default: the start fails)\n");
	printf(" -r, --rpc-socket <path>     RPC server's Unix socket (default %s)\n",
	       d->rpc_addr != NULL ? d->rpc_addr : "none");
	printf("     --no-rpc-server         start no RPC server; overrides -r\n");
	printf("     --wait-for-rpc          wait for the framework_start_init RPC before\n"
	       "                             initialising the subsystems and the application\n");
	printf("     --rpcs-allowed <list>   comma-separated RPC methods allowed; others are refused\n");
	printf("     --pw-rpc-compat <ver>   shape framework_get_reactors for an older spdk_top:\n"
	       "                             v24.01, v24.05, v24.09 (to v26.01) or latest (default)\n");

	printf("\nMemory options:\n");
	printf("     --msg-mempool-size <n>  bound on messages in flight (default %zu)\n",
	       d->msg_mempool_size);
	printf(" -s, --mem-size <size>       DPDK memory in MB, or with a k/m/g suffix [no effect]\n");
	printf(" -n, --mem-channels <num>    memory channels for DPDK [no effect]\n");
	printf(" -i, --shm-id <id>           shared memory id; negative disables sharing [no effect]\n");
	printf("     --huge-dir <path>       hugetlbfs mount to use [no effect]\n");
	printf(" -R, --huge-unlink           unlink hugepage files after init [no effect]\n");
	printf(" -g, --single-file-segments  one hugetlbfs file per segment list [no effect]\n");
	printf("     --no-huge               run without hugepages [no effect: never used]\n");
	printf("     --iova-mode <pa|va>     DPDK IOVA mode [no effect]\n");
	printf("     --base-virtaddr <addr>  DPDK base virtual address (default 0x%" PRIx64
	       ") [no effect]\n", d->base_virtaddr);
	printf("     --enforce-numa          allocate only from the given NUMA node [no effect]\n");

	printf("\nPCI options (Pinwheel has no PCI access; all [no effect]):\n");
	printf(" -A, --pci-allowed <bdf>     PCI address to allow; -A and -B exclude each other\n");
	printf(" -B, --pci-blocked <bdf>     PCI address to block (may be repeated)\n");
	printf(" -W <bdf>                    old name of -A (deprecated)\n");
	printf(" -u, --no-pci                disable PCI access\n");
	printf("     --vfio-vf-token <uuid>  VF token shared by SR-IOV PF and VFs\n");

	printf("\nLog options:\n");
	fflush(stdout);
	spdk_log_usage(stdout, "-L");
	printf("     --silence-noticelog     print only warnings and errors to stderr\n");

	printf("\nTrace options (Pinwheel has no tracing; all [no effect]):\n");
	printf(" -e, --tpoint-group <group> tracepoint groups to enable\n");
	printf("     --num-trace-entries <n> trace entries per core, a power of 2 or 0\n"
	       "                             (default %" PRIu64 ")\n", d->num_entries);
	printf("     --pw-trace-file <file>  write the trace there at exit, as Chrome trace JSON\n"
	       "                             (Perfetto, chrome://tracing, pinwheel-trace);\n"
	       "                             implies -e pinwheel when no group is enabled\n");

	printf("\nReactor sleeping (Pinwheel's own options):\n");
	printf("     --pw-no-sleep           reactors never sleep: they poll, as in SPDK\n");
	printf("     --pw-spin-us <us>       poll this long after the last work before sleeping\n"
	       "                             (default 100)\n");
	printf("     --pw-idle-poller-sleep-us <us>  with untimed pollers all idle, sleep at most\n"
	       "                             this long between polls (default 0: keep polling)\n");

	printf("\nOther options:\n");
	printf(" -h, --help                  show this usage\n");
	printf(" -v, --version               print the version\n");
	printf(" -d, --limit-coredump        do not raise the core dump size limit\n");
	printf("     --env-context <text>    opaque text for the env layer [no effect]\n");

	if (app_usage != NULL) {
		printf("\nApplication specific:\n");
		fflush(stdout);
		app_usage();
	}
	fflush(stdout);
}

PW_EXPORT void
spdk_app_usage(void)
{
	if (g_executable_name == NULL) {
		SPDK_ERRLOG("spdk_app_usage: call spdk_app_parse_args() first\n");
		return;
	}
	pw__app_usage(NULL);
}

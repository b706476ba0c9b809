/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The environment's core set: options, init/fini, core queries, and the
 * SMT siblings read from sysfs (NUMA nodes are in numa.c).
 *
 * spdk_env_init() and spdk_env_fini() run on one pthread; queries may come
 * from any pthread. The core set is therefore published with atomics: every
 * field is written before g_core_set_valid is set (release) and queries load
 * g_core_set_valid with acquire before reading the fields. Fields are read
 * and written with relaxed atomics so that even a misuse (a query racing with
 * init) is not undefined behaviour.
 *
 * As with DPDK, whose lcore configuration outlives rte_eal_cleanup(), the core
 * set stays readable after spdk_env_fini() until the next spdk_env_init()
 * replaces it: SPDK's programs walk SPDK_ENV_FOREACH_CORE after
 * spdk_app_fini() (event_perf prints its per-core counts there). Whether the
 * environment is up is g_initialized (pw_env_is_initialized()), not a
 * non-empty set.
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include "pinwheel/env.h"

#include "common/pw_common.h"
#include "env_internal.h"

#define ENV_DEFAULT_NAME	"spdk"
#define ENV_DEFAULT_CORE_MASK	"0x1"
#define ENV_DEFAULT_MAIN_CORE	(-1)
#define ENV_DEFAULT_SHM_ID	(-1)
#define ENV_DEFAULT_MEM_SIZE	(-1)
#define ENV_DEFAULT_MEM_CHANNEL	(-1)

#define CORE_WORDS		(SPDK_CPUSET_SIZE / 64)
#define SYSFS_CPU_DIR		"/sys/devices/system/cpu"

/* The options Pinwheel uses, owned by the library: the caller's strings are
 * only borrowed during spdk_env_init(). */
struct env_config {
	char	*name;
	char	*core_mask;
	int	main_core;
};

/* Published core set (see the file comment for the ordering rules).
 * g_initialized: between a successful init and the fini that finishes it.
 * g_core_set_valid: the fields below hold the set of the latest successful
 * init (cleared while an init rewrites them, never by fini). */
static bool g_initialized;
static bool g_core_set_valid;
static uint64_t g_core_bits[CORE_WORDS];
static uint32_t g_core_count;
static uint32_t g_main_core = UINT32_MAX;
static uint32_t g_first_core = UINT32_MAX;
static uint32_t g_last_core = UINT32_MAX;

/* Only touched by spdk_env_init()/spdk_env_fini(), on one pthread. */
static struct env_config g_config;	/* options of the last successful init */
static bool g_config_valid;
static pthread_t g_init_thread;
static bool g_skip_affinity_check;	/* tests: cores that need not exist */
static cpu_set_t g_init_affinity;	/* the initialising pthread's mask before pinning */
static bool g_init_pinned;

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static bool
env_ready(void)
{
	/* Pairs with the release store in spdk_env_init(). */
	return __atomic_load_n(&g_initialized, __ATOMIC_ACQUIRE);
}

/* The core set may be read: an init has published it (it may have been
 * finished since). */
static bool
core_set_readable(void)
{
	/* Pairs with the release store of true in spdk_env_init(). */
	return __atomic_load_n(&g_core_set_valid, __ATOMIC_ACQUIRE);
}

static bool
core_bit(uint32_t core)
{
	return (LOAD(g_core_bits[core / 64]) >> (core % 64)) & 1;
}

/* Write the cpus of \p set as a list ("0-3,8") into \p buf. */
static void
format_cpu_list(const cpu_set_t *set, size_t setsize, char *buf, size_t len)
{
	size_t used = 0;
	int ncpus = (int)(setsize * 8);

	buf[0] = '\0';
	for (int cpu = 0; cpu < ncpus; cpu++) {
		int end = cpu;
		int n;

		if (!CPU_ISSET_S(cpu, setsize, set)) {
			continue;
		}
		while (end + 1 < ncpus && CPU_ISSET_S(end + 1, setsize, set)) {
			end++;
		}
		n = end == cpu ?
		    snprintf(buf + used, len - used, "%s%d", used ? "," : "", cpu) :
		    snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", cpu, end);
		if (n < 0 || (size_t)n >= len - used) {
			/* Too long to show whole: end with an ellipsis. */
			if (len >= 4) {
				strcpy(buf + len - 4, "...");
			}
			return;
		}
		used += (size_t)n;
		cpu = end;
	}
}

/* Write the cores of \p cores as a list ("0-3,8") into \p buf. */
static void
format_core_list(const struct spdk_cpuset *cores, char *buf, size_t len)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	for (uint32_t cpu = 0; cpu < SPDK_CPUSET_SIZE && cpu < CPU_SETSIZE; cpu++) {
		if (spdk_cpuset_get_cpu(cores, cpu)) {
			CPU_SET(cpu, &set);
		}
	}
	format_cpu_list(&set, sizeof(set), buf, len);
}

/* The calling pthread's affinity mask, which new pthreads inherit, sized
 * for however many cpus the kernel knows. Returns NULL (logged) on failure;
 * free with CPU_FREE(). */
static cpu_set_t *
get_allowed_cpus(size_t *setsize)
{
	for (int ncpus = SPDK_CPUSET_SIZE; ncpus <= (1 << 20); ncpus *= 2) {
		cpu_set_t *set = CPU_ALLOC(ncpus);
		size_t size = CPU_ALLOC_SIZE(ncpus);

		if (set == NULL) {
			SPDK_ERRLOG("spdk_env_init: out of memory reading the cpu affinity\n");
			return NULL;
		}
		if (sched_getaffinity(0, size, set) == 0) {
			*setsize = size;
			return set;
		}
		CPU_FREE(set);
		if (errno != EINVAL) {
			SPDK_ERRLOG("spdk_env_init: sched_getaffinity failed: %s\n", strerror(errno));
			return NULL;
		}
	}
	SPDK_ERRLOG("spdk_env_init: sched_getaffinity failed: too many cpus\n");
	return NULL;
}

/* Refuse a core set naming a cpu this process may not run on. */
static int
check_cores_allowed(const struct spdk_cpuset *cores, const char *mask)
{
	char allowed_list[256];
	size_t setsize;
	cpu_set_t *allowed;
	int rc = 0;

	allowed = get_allowed_cpus(&setsize);
	if (allowed == NULL) {
		return -EINVAL;
	}
	for (uint32_t cpu = 0; cpu < SPDK_CPUSET_SIZE; cpu++) {
		if (!spdk_cpuset_get_cpu(cores, cpu) || CPU_ISSET_S(cpu, setsize, allowed)) {
			continue;
		}
		format_cpu_list(allowed, setsize, allowed_list, sizeof(allowed_list));
		SPDK_ERRLOG("spdk_env_init: core mask '%s' selects cpu %" PRIu32 ", but this "
			    "process may only run on cpus [%s] (sched_getaffinity)\n",
			    mask, cpu, allowed_list);
		rc = -EINVAL;
		break;
	}
	CPU_FREE(allowed);
	return rc;
}

/* Copy into \p cfg the options Pinwheel uses, taking only the fields that
 * lie within the caller's opts_size; the others keep their defaults. The
 * strings stay borrowed until env_config_own(). */
static int
env_config_from_opts(struct env_config *cfg, const struct spdk_env_opts *opts)
{
	size_t size = opts->opts_size;

	if (size == 0) {
		SPDK_ERRLOG("spdk_env_init: opts->opts_size is 0; fill the options with "
			    "spdk_env_opts_init() before changing them\n");
		return -EINVAL;
	}

#define FIELD_FITS(field) \
	(offsetof(struct spdk_env_opts, field) + sizeof(opts->field) <= size)

	cfg->name = FIELD_FITS(name) && opts->name != NULL ?
		    (char *)opts->name : (char *)ENV_DEFAULT_NAME;
	cfg->core_mask = FIELD_FITS(core_mask) && opts->core_mask != NULL ?
			 (char *)opts->core_mask : (char *)ENV_DEFAULT_CORE_MASK;
	cfg->main_core = FIELD_FITS(main_core) ? opts->main_core : ENV_DEFAULT_MAIN_CORE;

#undef FIELD_FITS
	return 0;
}

/* Remember \p cfg (copying its strings) as the options for a later
 * spdk_env_init(NULL). */
static int
env_config_save(const struct env_config *cfg)
{
	char *name, *mask;

	if (cfg->name == g_config.name) {
		/* Re-initialised from the saved options: nothing to copy. */
		return 0;
	}
	name = strdup(cfg->name);
	mask = strdup(cfg->core_mask);
	if (name == NULL || mask == NULL) {
		free(name);
		free(mask);
		SPDK_ERRLOG("spdk_env_init: out of memory copying the options\n");
		return -ENOMEM;
	}
	free(g_config.name);
	free(g_config.core_mask);
	g_config.name = name;
	g_config.core_mask = mask;
	g_config.main_core = cfg->main_core;
	g_config_valid = true;
	return 0;
}

/* Add the SMT siblings of \p core (sysfs thread_siblings_list) to \p set. */
static bool
add_smt_siblings(struct spdk_cpuset *set, uint32_t core)
{
	char path[PATH_MAX], list[4096], mask[4096 + 3];
	struct spdk_cpuset siblings;
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_CPU_DIR "/cpu%" PRIu32 "/topology/thread_siblings_list",
		 core);
	f = fopen(path, "r");
	if (f == NULL) {
		return false;
	}
	if (fgets(list, sizeof(list), f) != NULL) {
		list[strcspn(list, "\n")] = '\0';
		snprintf(mask, sizeof(mask), "[%s]", list);
		if (list[0] != '\0' && spdk_cpuset_parse(&siblings, mask) == 0) {
			spdk_cpuset_or(set, &siblings);
			ok = true;
		}
	}
	fclose(f);
	return ok;
}

/* As with DPDK's main lcore, the pthread that initialises the environment
 * runs the main core from then on: pin it there, and give it back its
 * original mask at spdk_env_fini(). */
static void
pin_init_thread(uint32_t main_core)
{
	cpu_set_t one;

	g_init_pinned = false;
	if (g_skip_affinity_check || main_core >= CPU_SETSIZE) {
		return;
	}
	if (pthread_getaffinity_np(pthread_self(), sizeof(g_init_affinity), &g_init_affinity) != 0) {
		SPDK_WARNLOG("cannot read the main pthread's cpu affinity; it is not pinned\n");
		return;
	}
	CPU_ZERO(&one);
	CPU_SET(main_core, &one);
	if (pthread_setaffinity_np(pthread_self(), sizeof(one), &one) != 0) {
		SPDK_WARNLOG("cannot pin the main pthread to core %u; it runs unpinned\n", main_core);
		return;
	}
	g_init_pinned = true;
}

static void
unpin_init_thread(void)
{
	if (g_init_pinned) {
		if (pthread_setaffinity_np(pthread_self(), sizeof(g_init_affinity),
					   &g_init_affinity) != 0) {
			SPDK_WARNLOG("cannot give the main pthread back its cpu affinity; it "
				     "stays pinned to one core\n");
		}
		g_init_pinned = false;
	}
}

void
pw__env_skip_affinity_check(bool skip)
{
	g_skip_affinity_check = skip;
}

bool
pw__env_core_in_set(uint32_t core)
{
	return env_ready() && core < SPDK_CPUSET_SIZE && core_bit(core);
}

PW_EXPORT bool
pw_env_is_initialized(void)
{
	return env_ready();
}

PW_EXPORT void
spdk_env_opts_init(struct spdk_env_opts *opts)
{
	if (opts == NULL) {
		return;
	}
	memset(opts, 0, sizeof(*opts));
	opts->name = ENV_DEFAULT_NAME;
	opts->core_mask = ENV_DEFAULT_CORE_MASK;
	opts->shm_id = ENV_DEFAULT_SHM_ID;
	opts->mem_size = ENV_DEFAULT_MEM_SIZE;
	opts->main_core = ENV_DEFAULT_MAIN_CORE;
	opts->mem_channel = ENV_DEFAULT_MEM_CHANNEL;
	opts->opts_size = sizeof(*opts);
}

PW_EXPORT int
spdk_env_init(const struct spdk_env_opts *opts)
{
	struct spdk_cpuset cores;
	struct env_config cfg;
	uint32_t main_core, first = UINT32_MAX, last = 0, count;
	int rc;

	if (env_ready()) {
		SPDK_ERRLOG("the environment is already initialised; "
			    "call spdk_env_fini() first\n");
		return -EALREADY;
	}
	if (opts == NULL) {
		if (!g_config_valid) {
			SPDK_ERRLOG("opts is NULL, and there are no previous options "
				    "to reuse; pass options filled by spdk_env_opts_init()\n");
			return -EINVAL;
		}
		cfg = g_config;
	} else {
		rc = env_config_from_opts(&cfg, opts);
		if (rc != 0) {
			return rc;
		}
	}

	if (spdk_cpuset_parse(&cores, cfg.core_mask) != 0) {
		SPDK_ERRLOG("core mask '%s' is malformed: expected a hex mask "
			    "such as 0x3 or a list such as [0,2-3]\n", cfg.core_mask);
		return -EINVAL;
	}
	count = spdk_cpuset_count(&cores);
	if (count == 0) {
		SPDK_ERRLOG("core mask '%s' selects no core\n", cfg.core_mask);
		return -EINVAL;
	}
	rc = g_skip_affinity_check ? 0 : check_cores_allowed(&cores, cfg.core_mask);
	if (rc != 0) {
		return rc;
	}
	for (uint32_t cpu = 0; cpu < SPDK_CPUSET_SIZE; cpu++) {
		if (spdk_cpuset_get_cpu(&cores, cpu)) {
			first = spdk_min(first, cpu);
			last = cpu;
		}
	}

	if (cfg.main_core == -1) {
		main_core = first;
	} else if (cfg.main_core < 0 || cfg.main_core >= SPDK_CPUSET_SIZE ||
		   !spdk_cpuset_get_cpu(&cores, (uint32_t)cfg.main_core)) {
		char list[256];

		format_core_list(&cores, list, sizeof(list));
		SPDK_ERRLOG("main core %d is not in core mask '%s' (cores [%s]); "
			    "use -1 for the first core of the mask\n",
			    cfg.main_core, cfg.core_mask, list);
		return -EINVAL;
	} else {
		main_core = (uint32_t)cfg.main_core;
	}

	rc = env_config_save(&cfg);
	if (rc != 0) {
		return rc;
	}

	/* Calibrate now rather than on some reactor's first poll. */
	spdk_get_ticks_hz();

	/* The previous set (readable since its fini) is being replaced. A
	 * query racing with init is a misuse; it may see either set or a mix
	 * of both (relaxed atomics: no undefined behaviour). Relaxed: pairs
	 * with nothing; the release store below publishes the new set. */
	__atomic_store_n(&g_core_set_valid, false, __ATOMIC_RELAXED);
	for (uint32_t w = 0; w < CORE_WORDS; w++) {
		uint64_t word = 0;

		for (uint32_t b = 0; b < 64; b++) {
			if (spdk_cpuset_get_cpu(&cores, w * 64 + b)) {
				word |= 1ULL << b;
			}
		}
		STORE(g_core_bits[w], word);
	}
	STORE(g_core_count, count);
	STORE(g_first_core, first);
	STORE(g_last_core, last);
	STORE(g_main_core, main_core);
	g_init_thread = pthread_self();
	pw__env_set_current_core(main_core);
	pin_init_thread(main_core);
	/* Pairs with the acquire load in core_set_readable(): publishes the
	 * fields above. */
	__atomic_store_n(&g_core_set_valid, true, __ATOMIC_RELEASE);
	/* Pairs with the acquire load in env_ready(): publishes the fields above. */
	__atomic_store_n(&g_initialized, true, __ATOMIC_RELEASE);
	return 0;
}

PW_EXPORT void
spdk_env_fini(void)
{
	uint32_t running;

	if (!env_ready()) {
		return;
	}
	if (!pthread_equal(pthread_self(), g_init_thread)) {
		SPDK_ERRLOG("called from a pthread other than the one that "
			    "called spdk_env_init()\n");
		assert(false);
	}
	running = pw__env_reap_pinned();
	if (running > 0) {
		SPDK_ERRLOG("%" PRIu32 " pinned pthread(s) are still running; "
			    "call spdk_env_thread_wait_all() first. The environment stays "
			    "initialised\n", running);
		return;
	}

	/* Release: pairs with the acquire load in env_ready(), like the store
	 * of true in spdk_env_init(). The core set itself stays readable until
	 * the next init (see the file comment). */
	__atomic_store_n(&g_initialized, false, __ATOMIC_RELEASE);
	pw__env_set_current_core(SPDK_ENV_LCORE_ID_ANY);
	unpin_init_thread();
}

PW_EXPORT uint32_t
spdk_env_get_core_count(void)
{
	return core_set_readable() ? LOAD(g_core_count) : 0;
}

PW_EXPORT uint32_t
spdk_env_get_main_core(void)
{
	return core_set_readable() ? LOAD(g_main_core) : UINT32_MAX;
}

PW_EXPORT uint32_t
spdk_env_get_first_core(void)
{
	return core_set_readable() ? LOAD(g_first_core) : UINT32_MAX;
}

PW_EXPORT uint32_t
spdk_env_get_last_core(void)
{
	return core_set_readable() ? LOAD(g_last_core) : UINT32_MAX;
}

PW_EXPORT uint32_t
spdk_env_get_next_core(uint32_t prev_core)
{
	uint32_t last, core, w;
	uint64_t word;

	if (!core_set_readable()) {
		return UINT32_MAX;
	}
	last = LOAD(g_last_core);
	/* As in SPDK, UINT32_MAX wraps to the first core. */
	core = prev_core + 1;
	if (core > last) {
		return UINT32_MAX;
	}
	w = core / 64;
	word = LOAD(g_core_bits[w]) & (~0ULL << (core % 64));
	while (word == 0) {
		if (++w == CORE_WORDS) {
			return UINT32_MAX;
		}
		word = LOAD(g_core_bits[w]);
	}
	return w * 64 + (uint32_t)__builtin_ctzll(word);
}

PW_EXPORT void
spdk_env_get_cpuset(struct spdk_cpuset *cpuset)
{
	uint32_t core;

	if (cpuset == NULL) {
		SPDK_ERRLOG("cpuset is NULL\n");
		return;
	}
	spdk_cpuset_zero(cpuset);
	SPDK_ENV_FOREACH_CORE(core) {
		spdk_cpuset_set_cpu(cpuset, core, true);
	}
}

PW_EXPORT bool
spdk_env_core_get_smt_cpuset(struct spdk_cpuset *cpuset, uint32_t core)
{
	uint32_t i;

	if (cpuset == NULL) {
		SPDK_ERRLOG("cpuset is NULL\n");
		return false;
	}
	spdk_cpuset_zero(cpuset);
	if (core != UINT32_MAX) {
		if (core >= SPDK_CPUSET_SIZE) {
			SPDK_ERRLOG("core %" PRIu32 " is out of range "
				    "(0-%d)\n", core, SPDK_CPUSET_SIZE - 1);
			return false;
		}
		return add_smt_siblings(cpuset, core);
	}
	SPDK_ENV_FOREACH_CORE(i) {
		if (!add_smt_siblings(cpuset, i)) {
			return false;
		}
	}
	return true;
}

PW_EXPORT bool
spdk_process_is_primary(void)
{
	return true;
}

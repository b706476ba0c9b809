/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The "cpufreq" governor: core frequencies through Linux's cpufreq sysfs
 * files (SPDK's governor goes through DPDK's power library, which does the
 * same underneath).
 *
 * init() needs, for every core the application runs on,
 * <root>/cpuN/cpufreq/ with a list of frequencies (scaling_available_
 * frequencies, or cpuinfo_min_freq and cpuinfo_max_freq), and the
 * "userspace" cpufreq governor with a writable scaling_setspeed: it saves
 * each core's scaling_governor, switches it to userspace, and deinit() puts
 * the saved one back. Where any of this is missing (a VM without a cpufreq
 * driver, no permission), init() fails with -ENOTSUP and says which file is
 * missing or not writable; nothing is changed then.
 *
 * Frequencies are in kHz, as in sysfs. The root is /sys/devices/system/cpu;
 * tests point it at a directory of their own (pw__governor_set_sysfs_root).
 */

#include "event/event_internal.h"

#include "spdk/json.h"
#include "spdk/log.h"
#include "spdk/string.h"

#define ROOT_DEFAULT	"/sys/devices/system/cpu"

struct core_freqs {
	bool		active;
	uint32_t	count;
	uint32_t	freqs[SPDK_MAX_LCORE_FREQS];	/* ascending */
	char		saved_governor[32];
};

static char g_root[256] = ROOT_DEFAULT;
static struct core_freqs *g_cores;
static uint32_t g_count;

void
pw__governor_link(void)
{
}

void
pw__governor_set_sysfs_root(const char *root)
{
	snprintf(g_root, sizeof(g_root), "%s", root != NULL ? root : ROOT_DEFAULT);
}

static void
core_path(char *buf, size_t len, uint32_t core, const char *file)
{
	snprintf(buf, len, "%s/cpu%u/cpufreq/%s", g_root, core, file);
}

/* Read a sysfs file of core into buf (newline removed). 0 or -errno. */
static int
read_file(uint32_t core, const char *file, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	core_path(path, sizeof(path), core, file);
	f = fopen(path, "r");
	if (f == NULL) {
		return -errno;
	}
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) {
		buf[--n] = '\0';
	}
	return 0;
}

static int
write_file(uint32_t core, const char *file, const char *text)
{
	char path[512];
	FILE *f;
	int rc = 0;

	core_path(path, sizeof(path), core, file);
	f = fopen(path, "w");
	if (f == NULL) {
		return -errno;
	}
	if (fputs(text, f) < 0) {
		rc = -EIO;
	}
	if (fclose(f) != 0 && rc == 0) {
		rc = -errno;
	}
	return rc;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The frequencies core may run at, ascending. 0 or -errno. */
static int
load_freqs(uint32_t core, struct core_freqs *cf)
{
	char buf[1024], *p, *end;
	unsigned long v;

	cf->count = 0;
	if (read_file(core, "scaling_available_frequencies", buf, sizeof(buf)) == 0) {
		for (p = buf; *p != '\0' && cf->count < SPDK_MAX_LCORE_FREQS; p = end) {
			v = strtoul(p, &end, 10);
			if (end == p) {
				break;
			}
			cf->freqs[cf->count++] = (uint32_t)v;
		}
	} else {
		if (read_file(core, "cpuinfo_min_freq", buf, sizeof(buf)) != 0) {
			return -ENOENT;
		}
		cf->freqs[cf->count++] = (uint32_t)strtoul(buf, NULL, 10);
		if (read_file(core, "cpuinfo_max_freq", buf, sizeof(buf)) != 0) {
			return -ENOENT;
		}
		cf->freqs[cf->count++] = (uint32_t)strtoul(buf, NULL, 10);
	}
	if (cf->count == 0) {
		return -ENOENT;
	}
	qsort(cf->freqs, cf->count, sizeof(cf->freqs[0]), cmp_u32);
	return 0;
}

static struct core_freqs *
core_of(uint32_t core)
{
	if (g_cores == NULL || core >= g_count || !g_cores[core].active) {
		SPDK_ERRLOG("cpufreq governor: core %u is not managed\n", core);
		return NULL;
	}
	return &g_cores[core];
}

static uint32_t
get_core_curr_freq(uint32_t core)
{
	char buf[64];

	if (core_of(core) == NULL || read_file(core, "scaling_cur_freq", buf, sizeof(buf)) != 0) {
		return 0;
	}
	return (uint32_t)strtoul(buf, NULL, 10);
}

static uint32_t
get_core_avail_freqs(uint32_t core, uint32_t *freqs, uint32_t num)
{
	struct core_freqs *cf = core_of(core);

	if (cf == NULL || freqs == NULL || num < cf->count) {
		return 0;
	}
	/* Highest first, as SPDK's governor reports them. */
	for (uint32_t i = 0; i < cf->count; i++) {
		freqs[i] = cf->freqs[cf->count - 1 - i];
	}
	return cf->count;
}

/* Index of the listed frequency nearest to the current one. */
static int
current_index(uint32_t core, struct core_freqs *cf, uint32_t *idx)
{
	uint32_t cur = get_core_curr_freq(core), best = 0;

	if (cur == 0) {
		return -EIO;
	}
	for (uint32_t i = 1; i < cf->count; i++) {
		if ((cf->freqs[i] > cur ? cf->freqs[i] - cur : cur - cf->freqs[i]) <
		    (cf->freqs[best] > cur ? cf->freqs[best] - cur : cur - cf->freqs[best])) {
			best = i;
		}
	}
	*idx = best;
	return 0;
}

/* Set core to listed frequency idx: 1 changed, 0 already there, -errno. */
static int
set_index(uint32_t core, struct core_freqs *cf, uint32_t idx, uint32_t cur_idx)
{
	char buf[32];
	int rc;

	if (idx == cur_idx) {
		return 0;
	}
	snprintf(buf, sizeof(buf), "%u", cf->freqs[idx]);
	rc = write_file(core, "scaling_setspeed", buf);
	if (rc != 0) {
		SPDK_ERRLOG("cpufreq governor: core %u: cannot write scaling_setspeed: %s\n", core,
			    spdk_strerror(-rc));
		return rc;
	}
	return 1;
}

static int
step(uint32_t core, int dir, bool to_end)
{
	struct core_freqs *cf = core_of(core);
	uint32_t cur, want;
	int rc;

	if (cf == NULL) {
		return -EINVAL;
	}
	rc = current_index(core, cf, &cur);
	if (rc != 0) {
		return rc;
	}
	if (dir > 0) {
		want = to_end ? cf->count - 1 : spdk_min(cur + 1, cf->count - 1);
	} else {
		want = to_end ? 0 : (cur > 0 ? cur - 1 : 0);
	}
	return set_index(core, cf, want, cur);
}

static int
core_freq_up(uint32_t core)
{
	return step(core, 1, false);
}

static int
core_freq_down(uint32_t core)
{
	return step(core, -1, false);
}

static int
set_core_freq_max(uint32_t core)
{
	return step(core, 1, true);
}

static int
set_core_freq_min(uint32_t core)
{
	return step(core, -1, true);
}

static int
get_core_capabilities(uint32_t core, struct spdk_governor_capabilities *cap)
{
	if (core_of(core) == NULL || cap == NULL) {
		return -EINVAL;
	}
	/* cpufreq does not say which cores have a higher base frequency. */
	cap->priority = false;
	return 0;
}

static int
dump_info_json(struct spdk_json_write_ctx *w)
{
	char driver[64] = "";

	if (read_file(spdk_env_get_first_core(), "scaling_driver", driver, sizeof(driver)) != 0) {
		snprintf(driver, sizeof(driver), "unknown");
	}
	spdk_json_write_named_string(w, "driver", driver);
	spdk_json_write_named_string(w, "sysfs", g_root);
	return 0;
}

static void
restore(void)
{
	for (uint32_t i = 0; i < g_count; i++) {
		if (g_cores[i].active && g_cores[i].saved_governor[0] != '\0') {
			write_file(i, "scaling_governor", g_cores[i].saved_governor);
		}
	}
	free(g_cores);
	g_cores = NULL;
	g_count = 0;
}

static int
init(void)
{
	char path[512], buf[64];
	uint32_t core;
	int rc;

	g_count = spdk_env_get_last_core() + 1;
	g_cores = calloc(g_count, sizeof(*g_cores));
	if (g_cores == NULL) {
		g_count = 0;
		return -ENOMEM;
	}
	SPDK_ENV_FOREACH_CORE(core) {
		struct core_freqs *cf = &g_cores[core];

		if (load_freqs(core, cf) != 0) {
			core_path(path, sizeof(path), core, "");
			SPDK_ERRLOG("cpufreq governor: core %u has no cpufreq frequencies (%s missing: "
				    "no cpufreq driver, as usual in a VM); core frequencies cannot be "
				    "read or set here\n", core, path);
			rc = -ENOTSUP;
			goto fail;
		}
		rc = read_file(core, "scaling_governor", cf->saved_governor,
			       sizeof(cf->saved_governor));
		if (rc == 0) {
			rc = write_file(core, "scaling_governor", "userspace");
		}
		if (rc == 0) {
			cf->active = true;
			core_path(path, sizeof(path), core, "scaling_setspeed");
			rc = access(path, W_OK) == 0 ? 0 : -errno;
		}
		if (rc != 0) {
			core_path(path, sizeof(path), core, "scaling_governor");
			SPDK_ERRLOG("cpufreq governor: core %u: cannot switch %s to \"userspace\" with a "
				    "writable scaling_setspeed (%s); core frequencies cannot be set "
				    "here\n", core, path, spdk_strerror(-rc));
			rc = -ENOTSUP;
			goto fail;
		}
		cf->active = true;
		if (read_file(core, "scaling_cur_freq", buf, sizeof(buf)) == 0) {
			SPDK_INFOLOG(reactor, "cpufreq governor: core %u at %s kHz\n", core, buf);
		}
	}
	return 0;
fail:
	restore();
	return rc;
}

static void
deinit(void)
{
	restore();
}

static struct spdk_governor g_cpufreq = {
	.name = "cpufreq",
	.get_core_avail_freqs = get_core_avail_freqs,
	.get_core_curr_freq = get_core_curr_freq,
	.core_freq_up = core_freq_up,
	.core_freq_down = core_freq_down,
	.set_core_freq_max = set_core_freq_max,
	.set_core_freq_min = set_core_freq_min,
	.get_core_capabilities = get_core_capabilities,
	.dump_info_json = dump_info_json,
	.init = init,
	.deinit = deinit,
};
SPDK_GOVERNOR_REGISTER(g_cpufreq);

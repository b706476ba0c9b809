/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The "static" scheduler: threads stay where they were first placed.
 *
 * Selected at start-up it asks for no round at all. Selected again after
 * another scheduler moved threads, it asks for one round (period 1 us, as
 * SPDK) whose balance() sends every thread back to the core it first ran on,
 * then sets the period back to 0. Its "mappings" option ("id,core:id,core",
 * as SPDK's) changes a thread's home core and asks for that round too. The
 * mappings are kept here (under g_lock) rather than in the threads, which
 * belong to their reactors.
 */

#include "event/event_internal.h"

#include "spdk/json.h"
#include "spdk/log.h"
#include "spdk/string.h"

struct mapping {
	uint64_t		thread_id;
	uint32_t		lcore;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_replaced;			/* deinit ran since the framework started */
static struct mapping *g_maps;
static uint32_t g_map_count;

static int
init_static(void)
{
	/* Relaxed enough: init/deinit run under scheduler.c's registry lock. */
	if (g_replaced) {
		/* Another scheduler may have moved threads: one round sends them
		 * back. */
		spdk_scheduler_set_period(1);
	} else {
		spdk_scheduler_set_period(0);
	}
	return 0;
}

static void
deinit_static(void)
{
	g_replaced = true;
}

void
pw__scheduler_static_reset(void)
{
	pthread_mutex_lock(&g_lock);
	g_replaced = false;
	free(g_maps);
	g_maps = NULL;
	g_map_count = 0;
	pthread_mutex_unlock(&g_lock);
}

static uint32_t
home_of(uint64_t thread_id, uint32_t initial)
{
	uint32_t lcore = initial;

	pthread_mutex_lock(&g_lock);
	for (uint32_t i = 0; i < g_map_count; i++) {
		if (g_maps[i].thread_id == thread_id) {
			lcore = g_maps[i].lcore;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return lcore;
}

static void
balance_static(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		struct spdk_scheduler_core_info *ci = &cores[i];

		ci->interrupt_mode = false;
		for (uint32_t j = 0; j < ci->threads_count; j++) {
			uint32_t home = home_of(ci->thread_infos[j].thread_id,
						pw__scheduler_thread_initial_lcore(i, j));

			if (home < count) {
				ci->thread_infos[j].lcore = home;
			}
		}
	}
	/* Back where they belong: no more rounds. */
	spdk_scheduler_set_period(0);
}

/* Parse "id,core:id,core" into maps; -EINVAL (logged) when malformed, when a
 * thread does not exist, the core has no reactor, or the thread's cpumask
 * forbids it. */
static int
parse_mappings(const char *text, struct mapping **out, uint32_t *out_count)
{
	struct mapping *maps = NULL;
	uint32_t n = 0;
	const char *p = text;

	while (*p != '\0') {
		char *end;
		unsigned long long id, core;
		struct spdk_thread *thread;
		struct mapping *tmp;

		errno = 0;
		id = strtoull(p, &end, 10);
		if (end == p || *end != ',' || errno != 0 || id == 0) {
			SPDK_ERRLOG("static scheduler: bad mappings '%s' (expected "
				    "thread_id,core[:thread_id,core...])\n", text);
			goto err;
		}
		p = end + 1;
		core = strtoull(p, &end, 10);
		if (end == p || (*end != ':' && *end != '\0') || errno != 0) {
			SPDK_ERRLOG("static scheduler: bad core in mappings '%s'\n", text);
			goto err;
		}
		p = *end == ':' ? end + 1 : end;
		thread = spdk_thread_get_by_id(id);
		if (thread == NULL) {
			SPDK_ERRLOG("static scheduler: no thread with id %llu (mappings '%s')\n", id, text);
			goto err;
		}
		if (core >= UINT32_MAX || spdk_reactor_get((uint32_t)core) == NULL) {
			SPDK_ERRLOG("static scheduler: core %llu has no reactor (mappings '%s')\n", core,
				    text);
			goto err;
		}
		if (!spdk_cpuset_get_cpu(pw_thread_get_cpumask(thread), (uint32_t)core)) {
			SPDK_ERRLOG("static scheduler: core %llu is not in the cpumask of thread %llu\n",
				    core, id);
			goto err;
		}
		tmp = realloc(maps, (n + 1) * sizeof(*maps));
		if (tmp == NULL) {
			free(maps);
			return -ENOMEM;
		}
		maps = tmp;
		maps[n].thread_id = id;
		maps[n].lcore = (uint32_t)core;
		n++;
	}
	*out = maps;
	*out_count = n;
	return 0;
err:
	free(maps);
	return -EINVAL;
}

static const struct spdk_json_object_decoder g_static_decoders[] = {
	{"mappings", 0, spdk_json_decode_string, true},
};

static int
set_opts_static(const struct spdk_json_val *opts)
{
	char *text = NULL;
	struct mapping *maps, *all;
	uint32_t n;
	int rc;

	if (opts != NULL && spdk_json_decode_object_relaxed(opts, g_static_decoders,
			SPDK_COUNTOF(g_static_decoders), &text) != 0) {
		SPDK_ERRLOG("static scheduler: 'mappings' must be a string\n");
		free(text);
		return -EINVAL;
	}
	if (text == NULL) {
		return 0;
	}
	rc = parse_mappings(text, &maps, &n);
	free(text);
	if (rc != 0) {
		return rc;
	}
	pthread_mutex_lock(&g_lock);
	all = realloc(g_maps, (g_map_count + n) * sizeof(*g_maps) + 1);
	if (all == NULL) {
		pthread_mutex_unlock(&g_lock);
		free(maps);
		return -ENOMEM;
	}
	if (n > 0) {
		memcpy(&all[g_map_count], maps, n * sizeof(*maps));
	}
	g_maps = all;
	g_map_count += n;
	pthread_mutex_unlock(&g_lock);
	free(maps);
	/* One round puts the new homes into effect. */
	spdk_scheduler_set_period(1);
	return 0;
}

static struct spdk_scheduler g_static = {
	.name = "static",
	.init = init_static,
	.deinit = deinit_static,
	.balance = balance_static,
	.set_opts = set_opts_static,
};
SPDK_SCHEDULER_REGISTER(g_static);

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The trace's life: spdk_trace_init() / spdk_trace_cleanup(), user threads,
 * spdk_trace_clear(), and the figures of pinwheel/trace.h.
 *
 * Rings retired by a cleanup are freed by the next spdk_trace_init() (or at
 * process exit), not by the cleanup itself: a record racing with the cleanup
 * (a foreign pthread the app did not stop) may still be writing into its
 * ring, and that must not be a use after free. Nothing reads a retired ring.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/trace.h"

#include "common/pw_common.h"
#include "trace_internal.h"

pthread_mutex_t g_pw__trace_lock = PTHREAD_MUTEX_INITIALIZER;
struct pw__trace_ring_list g_pw__trace_rings = TAILQ_HEAD_INITIALIZER(g_pw__trace_rings);
uint64_t g_pw__trace_num_entries;
/* Own line: read by every record, written by init and cleanup only. */
uint64_t g_pw__trace_gen __attribute__((aligned(64)));

/* Under g_pw__trace_lock. */
static struct pw__trace_ring_list g_retired = TAILQ_HEAD_INITIALIZER(g_retired);
static char g_name[64];

/* Atomics: written by spdk_trace_clear() / slow paths, read by anyone. */
static uint64_t g_clear_tsc;
static uint64_t g_dropped;

static void
free_rings(struct pw__trace_ring_list *list)
{
	struct pw__trace_ring *r;

	while ((r = TAILQ_FIRST(list)) != NULL) {
		TAILQ_REMOVE(list, r, link);
		free(r->words);
		free(r);
	}
}

static void __attribute__((destructor))
trace_at_exit(void)
{
	pthread_mutex_lock(&g_pw__trace_lock);
	free_rings(&g_retired);
	pthread_mutex_unlock(&g_pw__trace_lock);
}

void
pw__trace_count_dropped(void)
{
	/* Relaxed: a statistic; pairs with the load of pw_trace_get_stats(). */
	__atomic_fetch_add(&g_dropped, 1, __ATOMIC_RELAXED);
}

uint64_t
pw__trace_clear_tsc(void)
{
	/* Relaxed: pairs with the store of spdk_trace_clear(). */
	return __atomic_load_n(&g_clear_tsc, __ATOMIC_RELAXED);
}

PW_EXPORT int
spdk_trace_init(const char *shm_name, uint64_t num_entries, uint32_t num_threads)
{
	int rc;

	if (num_entries == 0) {
		/* SPDK's way of saying "no trace". */
		return 0;
	}
	if ((num_entries & (num_entries - 1)) != 0 || num_entries > (UINT64_MAX >> 6)) {
		SPDK_ERRLOG("trace: %" PRIu64 " entries per ring: must be a power of 2\n",
			    num_entries);
		return -EINVAL;
	}
	if (num_threads >= SPDK_TRACE_MAX_LCORE) {
		SPDK_ERRLOG("trace: %u user threads: at most %d\n", num_threads,
			    SPDK_TRACE_MAX_LCORE - 1);
		return -EINVAL;
	}
	pthread_mutex_lock(&g_pw__trace_lock);
	if (g_pw__trace_gen & 1) {
		pthread_mutex_unlock(&g_pw__trace_lock);
		SPDK_ERRLOG("trace: initialized already (spdk_trace_cleanup() first)\n");
		return -EBUSY;
	}
	free_rings(&g_retired);
	pthread_mutex_unlock(&g_pw__trace_lock);

	rc = pw__trace_owner_init();
	if (rc != 0) {
		return rc;
	}
	pw__trace_register_reset();
	pw__trace_mask_reset();
	snprintf(g_name, sizeof(g_name), "%s", shm_name ? shm_name : "");
	g_pw__trace_num_entries = num_entries;
	/* Relaxed: published by the release store of the generation below. */
	__atomic_store_n(&g_clear_tsc, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&g_dropped, 0, __ATOMIC_RELAXED);

	pthread_mutex_lock(&g_pw__trace_lock);
	/* Release: pairs with the acquire loads of pw__trace_on() and of the
	 * ring slow path, which then see the set-up above. */
	__atomic_store_n(&g_pw__trace_gen, g_pw__trace_gen + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g_pw__trace_lock);

	pw__trace_register_run();
	return 0;
}

PW_EXPORT void
spdk_trace_cleanup(void)
{
	if (!pw__trace_on()) {
		return;
	}
	/* First nothing records through the macros, then nothing at all. */
	pw__trace_mask_reset();
	pthread_mutex_lock(&g_pw__trace_lock);
	/* Release: pairs with the loads of the record path, which from now on
	 * sees its ring as stale and drops. */
	__atomic_store_n(&g_pw__trace_gen, g_pw__trace_gen + 1, __ATOMIC_RELEASE);
	TAILQ_CONCAT(&g_retired, &g_pw__trace_rings, link);
	pthread_mutex_unlock(&g_pw__trace_lock);

	pw__trace_owner_fini();
	pw__trace_name_fini();
	pw__trace_register_reset();
	g_name[0] = '\0';
}

PW_EXPORT int
spdk_trace_register_user_thread(void)
{
	if (!pw__trace_on()) {
		SPDK_ERRLOG("trace is not initialized: user thread not registered\n");
		return -ENOMEM;
	}
	if (spdk_env_get_current_core() != SPDK_ENV_LCORE_ID_ANY) {
		SPDK_ERRLOG("cannot register a user thread from the pthread of core %u\n",
			    spdk_env_get_current_core());
		return -EINVAL;
	}
	return pw__trace_ring_get();
}

PW_EXPORT int
spdk_trace_unregister_user_thread(void)
{
	if (!pw__trace_on()) {
		SPDK_ERRLOG("trace is not initialized: user thread not unregistered\n");
		return -ENOMEM;
	}
	if (spdk_env_get_current_core() != SPDK_ENV_LCORE_ID_ANY) {
		SPDK_ERRLOG("cannot unregister a user thread from the pthread of core %u\n",
			    spdk_env_get_current_core());
		return -EINVAL;
	}
	/* Its ring and records stay until the cleanup (an exporter wants them). */
	return 0;
}

PW_EXPORT void
spdk_trace_clear(void)
{
	if (!pw__trace_on()) {
		SPDK_ERRLOG("trace is not initialized\n");
		return;
	}
	/* Relaxed: pairs with the load of pw__trace_clear_tsc(). */
	__atomic_store_n(&g_clear_tsc, spdk_get_ticks(), __ATOMIC_RELAXED);
}

PW_EXPORT bool
pw_trace_is_initialized(void)
{
	return pw__trace_on();
}

PW_EXPORT const char *
pw_trace_get_name(void)
{
	return pw__trace_on() ? g_name : NULL;
}

PW_EXPORT uint64_t
pw_trace_ticks_hz(void)
{
	return spdk_get_ticks_hz();
}

PW_EXPORT int
pw_trace_get_stats(struct pw_trace_stats *stats)
{
	struct pw__trace_ring *r;
	uint64_t next;

	if (stats == NULL) {
		SPDK_ERRLOG("pw_trace_get_stats: NULL stats\n");
		return -EINVAL;
	}
	memset(stats, 0, sizeof(*stats));
	pthread_mutex_lock(&g_pw__trace_lock);
	TAILQ_FOREACH(r, &g_pw__trace_rings, link) {
		/* Acquire: pairs with the release store of the record path. */
		next = __atomic_load_n(&r->next, __ATOMIC_ACQUIRE);
		stats->rings++;
		stats->written += next;
		stats->lost += next > r->mask + 1 ? next - (r->mask + 1) : 0;
	}
	pthread_mutex_unlock(&g_pw__trace_lock);
	/* Relaxed: pairs with pw__trace_count_dropped(). */
	stats->dropped = __atomic_load_n(&g_dropped, __ATOMIC_RELAXED);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Pinned pthreads: one per core at most, started with their affinity already
 * set to that single cpu, named "reactor_<core>", and joined by
 * spdk_env_thread_wait_all(). Also the calling pthread's current core.
 *
 * Each core has a slot. A slot is FREE, RUNNING (a pthread was started and
 * not yet joined) or JOINING (some pthread is joining it). Slot states are
 * guarded by g_slots_lock; pthread_join() runs outside the lock so that a
 * pinned pthread may still launch others while spdk_env_thread_wait_all()
 * waits.
 */

#include "spdk/stdinc.h"
#include "spdk/cpuset.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "pinwheel/env.h"

#include "common/pw_common.h"
#include "env_internal.h"

/* pthread names hold at most 15 characters: "reactor_1023" fits. */
#define THREAD_NAME_LEN	16

enum slot_state {
	SLOT_FREE = 0,
	SLOT_RUNNING,
	SLOT_JOINING,
};

struct pinned_slot {
	pthread_t	tid;
	thread_start_fn	fn;
	void		*arg;
	uint32_t	core;
	int		state;	/* enum slot_state, under g_slots_lock */
	bool		done;	/* set by the pinned pthread once fn returned */
};

static pthread_mutex_t g_slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pinned_slot g_slots[SPDK_CPUSET_SIZE];

static __thread uint32_t t_current_core = SPDK_ENV_LCORE_ID_ANY;

static void *
pinned_main(void *ctx)
{
	struct pinned_slot *slot = ctx;
	char name[THREAD_NAME_LEN];

	/* The slot's fields were written before pthread_create(), which orders
	 * them before this pthread starts. */
	t_current_core = slot->core;
	snprintf(name, sizeof(name), "reactor_%" PRIu32, slot->core);
	pthread_setname_np(pthread_self(), name);

	slot->fn(slot->arg);

	t_current_core = SPDK_ENV_LCORE_ID_ANY;
	/* Pairs with the acquire load in reap_if_done(). */
	__atomic_store_n(&slot->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Join the slot's pthread if it has returned. Called with g_slots_lock held;
 * the join is immediate (the pthread is past its last line of work). */
static bool
reap_if_done(struct pinned_slot *slot)
{
	if (slot->state != SLOT_RUNNING || !__atomic_load_n(&slot->done, __ATOMIC_ACQUIRE)) {
		return false;
	}
	pthread_join(slot->tid, NULL);
	slot->state = SLOT_FREE;
	return true;
}

void
pw__env_set_current_core(uint32_t core)
{
	t_current_core = core;
}

uint32_t
pw__env_reap_pinned(void)
{
	uint32_t running = 0;

	pthread_mutex_lock(&g_slots_lock);
	for (uint32_t core = 0; core < SPDK_CPUSET_SIZE; core++) {
		struct pinned_slot *slot = &g_slots[core];

		if (slot->state != SLOT_FREE && !reap_if_done(slot)) {
			running++;
		}
	}
	pthread_mutex_unlock(&g_slots_lock);
	return running;
}

PW_EXPORT uint32_t
spdk_env_get_current_core(void)
{
	return t_current_core;
}

PW_EXPORT int
spdk_env_thread_launch_pinned(uint32_t core, thread_start_fn fn, void *arg)
{
	struct pinned_slot *slot;
	pthread_attr_t attr;
	cpu_set_t cpus;
	int rc;

	if (fn == NULL) {
		SPDK_ERRLOG("fn is NULL\n");
		return -EINVAL;
	}
	if (!pw_env_is_initialized()) {
		SPDK_ERRLOG("the environment is not initialised; "
			    "call spdk_env_init() first\n");
		return -EINVAL;
	}
	if (!pw__env_core_in_set(core)) {
		SPDK_ERRLOG("core %" PRIu32 " is not in the "
			    "environment's core set\n", core);
		return -EINVAL;
	}
	if (core == spdk_env_get_main_core()) {
		SPDK_ERRLOG("core %" PRIu32 " is the main core, "
			    "served by the pthread that called spdk_env_init()\n", core);
		return -EEXIST;
	}

	pthread_mutex_lock(&g_slots_lock);
	slot = &g_slots[core];
	reap_if_done(slot);
	if (slot->state != SLOT_FREE) {
		pthread_mutex_unlock(&g_slots_lock);
		SPDK_ERRLOG("core %" PRIu32 " already has a "
			    "pinned pthread\n", core);
		return -EEXIST;
	}

	slot->fn = fn;
	slot->arg = arg;
	slot->core = core;
	slot->done = false;

	CPU_ZERO(&cpus);
	CPU_SET(core, &cpus);
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		/* The affinity is part of the creation: fn never runs elsewhere. */
		rc = pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
		if (rc == 0) {
			rc = pthread_create(&slot->tid, &attr, pinned_main, slot);
		}
		pthread_attr_destroy(&attr);
	}
	if (rc != 0) {
		pthread_mutex_unlock(&g_slots_lock);
		SPDK_ERRLOG("cannot start a pthread on core %"
			    PRIu32 ": %s\n", core, strerror(rc));
		return rc == ENOMEM ? -ENOMEM : rc == EAGAIN ? -EAGAIN : -rc;
	}
	slot->state = SLOT_RUNNING;
	pthread_mutex_unlock(&g_slots_lock);
	return 0;
}

PW_EXPORT void
spdk_env_thread_wait_all(void)
{
	pthread_t self = pthread_self();
	bool joined_any;

	/* Repeat until a pass finds nothing: a pinned pthread may launch another
	 * while this one waits. */
	do {
		joined_any = false;
		for (uint32_t core = 0; core < SPDK_CPUSET_SIZE; core++) {
			struct pinned_slot *slot = &g_slots[core];
			pthread_t tid;

			pthread_mutex_lock(&g_slots_lock);
			if (slot->state != SLOT_RUNNING) {
				pthread_mutex_unlock(&g_slots_lock);
				continue;
			}
			if (pthread_equal(slot->tid, self)) {
				pthread_mutex_unlock(&g_slots_lock);
				SPDK_ERRLOG("called from the pinned pthread "
					    "of core %" PRIu32 ", which cannot wait for itself; "
					    "skipping it\n", core);
				continue;
			}
			slot->state = SLOT_JOINING;
			tid = slot->tid;
			pthread_mutex_unlock(&g_slots_lock);

			pthread_join(tid, NULL);

			pthread_mutex_lock(&g_slots_lock);
			slot->state = SLOT_FREE;
			pthread_mutex_unlock(&g_slots_lock);
			joined_any = true;
		}
	} while (joined_any);
}

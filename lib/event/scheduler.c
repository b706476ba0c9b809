/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The registries of schedulers and governors (spdk/scheduler.h), the current
 * ones, the scheduling period and the scheduling core.
 *
 * Registration runs from constructors; selection on any thread (the app
 * thread for framework_set_scheduler). Both take g_reg_lock, so a scheduler
 * registered late (a test, a plug-in loaded later) is safe too, and so does
 * a round's balance() (pw__scheduler_balance()): a scheduler or governor is
 * never deinitialised while balance() uses it. The period
 * and the scheduling core are atomics: the scheduling reactor reads them at
 * every loop turn (scheduler_round.c).
 */

#include "event/event_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

static pthread_mutex_t g_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdk_scheduler) g_schedulers = TAILQ_HEAD_INITIALIZER(g_schedulers);
static TAILQ_HEAD(, spdk_governor) g_governors = TAILQ_HEAD_INITIALIZER(g_governors);
/* Written under g_reg_lock; read without it by spdk_scheduler_get() (release
 * store / acquire load: a reader sees the scheduler's fields). */
static _Atomic(struct spdk_scheduler *) g_scheduler;
static _Atomic(struct spdk_governor *) g_governor;

/* Relaxed: stand-alone values, no data published with them. */
static _Atomic uint64_t g_period_us;
/* Read every iteration by every reactor: through the inline
 * pw__scheduler_period_tsc() of event_internal.h, no call. */
_Atomic uint64_t pw__g_scheduler_period_tsc;
static _Atomic uint32_t g_scheduling_lcore = UINT32_MAX;	/* UINT32_MAX: the main core */

/* ---------------------------------------------------------------------------
 * Schedulers
 * ------------------------------------------------------------------------- */

static struct spdk_scheduler *
scheduler_find(const char *name)
{
	struct spdk_scheduler *s;

	TAILQ_FOREACH(s, &g_schedulers, link) {
		if (strcmp(s->name, name) == 0) {
			return s;
		}
	}
	return NULL;
}

PW_EXPORT void
spdk_scheduler_register(struct spdk_scheduler *scheduler)
{
	if (scheduler == NULL || scheduler->name == NULL || scheduler->balance == NULL) {
		SPDK_ERRLOG("spdk_scheduler_register: %s\n", scheduler == NULL ? "NULL scheduler" :
			    scheduler->name == NULL ? "scheduler without a name" :
			    "scheduler without balance()");
		return;
	}
	pthread_mutex_lock(&g_reg_lock);
	if (scheduler_find(scheduler->name) != NULL) {
		pthread_mutex_unlock(&g_reg_lock);
		SPDK_ERRLOG("spdk_scheduler_register: a scheduler named '%s' is already registered\n",
			    scheduler->name);
		return;
	}
	TAILQ_INSERT_TAIL(&g_schedulers, scheduler, link);
	pthread_mutex_unlock(&g_reg_lock);
}

PW_EXPORT int
spdk_scheduler_set(const char *name)
{
	struct spdk_scheduler *cur, *want;
	int rc = 0, rc2;

	pthread_mutex_lock(&g_reg_lock);
	cur = atomic_load_explicit(&g_scheduler, memory_order_relaxed);
	if (name == NULL) {
		if (cur != NULL && cur->deinit != NULL) {
			cur->deinit();
		}
		/* Pairs with the acquire load of spdk_scheduler_get(). */
		atomic_store_explicit(&g_scheduler, NULL, memory_order_release);
		pthread_mutex_unlock(&g_reg_lock);
		return 0;
	}
	want = scheduler_find(name);
	if (want == NULL) {
		pthread_mutex_unlock(&g_reg_lock);
		SPDK_ERRLOG("spdk_scheduler_set: no scheduler named '%s'\n", name);
		return -EINVAL;
	}
	if (want == cur) {
		pthread_mutex_unlock(&g_reg_lock);
		return 0;
	}
	if (cur != NULL && cur->deinit != NULL) {
		cur->deinit();
	}
	if (want->init != NULL) {
		rc = want->init();
	}
	if (rc == 0) {
		/* Pairs with the acquire load of spdk_scheduler_get(). */
		atomic_store_explicit(&g_scheduler, want, memory_order_release);
		pthread_mutex_unlock(&g_reg_lock);
		SPDK_INFOLOG(reactor, "scheduler '%s' selected\n", name);
		return 0;
	}
	if (rc > 0) {
		rc = -rc;
	}
	SPDK_ERRLOG("spdk_scheduler_set: scheduler '%s' failed to initialise: %s; keeping '%s'\n",
		    name, spdk_strerror(-rc), cur != NULL ? cur->name : "(none)");
	if (cur != NULL && cur->init != NULL) {
		rc2 = cur->init();
		if (rc2 != 0) {
			SPDK_ERRLOG("spdk_scheduler_set: scheduler '%s' failed to initialise again: "
				    "%s; no scheduler is set\n", cur->name, spdk_strerror(abs(rc2)));
			/* Pairs with the acquire load of spdk_scheduler_get(). */
			atomic_store_explicit(&g_scheduler, NULL, memory_order_release);
		}
	}
	pthread_mutex_unlock(&g_reg_lock);
	return rc;
}

/* The round's balance() under the registry lock: spdk_scheduler_set() and
 * spdk_governor_set() (framework_set_scheduler runs on the app thread, which
 * is not the scheduling reactor when scheduling_core moved it) then wait for
 * balance() to return before they deinitialise the scheduler or the governor
 * it uses, and balance() never runs on a deinitialised one. */
bool
pw__scheduler_balance(struct spdk_scheduler_core_info *cores, uint32_t count)
{
	struct spdk_scheduler *cur;

	pthread_mutex_lock(&g_reg_lock);
	/* Relaxed: under the lock that orders its stores. */
	cur = atomic_load_explicit(&g_scheduler, memory_order_relaxed);
	if (cur != NULL) {
		cur->balance(cores, count);
	}
	pthread_mutex_unlock(&g_reg_lock);
	return cur != NULL;
}

PW_EXPORT struct spdk_scheduler *
spdk_scheduler_get(void)
{
	/* Pairs with the release stores of spdk_scheduler_set(). */
	return atomic_load_explicit(&g_scheduler, memory_order_acquire);
}

PW_EXPORT void
spdk_scheduler_set_period(uint64_t period)
{
	uint64_t hz = spdk_get_ticks_hz();
	uint64_t tsc = period / SPDK_SEC_TO_USEC * hz + period % SPDK_SEC_TO_USEC * hz / SPDK_SEC_TO_USEC;

	if (period != 0 && tsc == 0) {
		tsc = 1;
	}
	/* Relaxed: read alone by the scheduling reactor (pw__scheduler_period_tsc). */
	atomic_store_explicit(&g_period_us, period, memory_order_relaxed);
	atomic_store_explicit(&pw__g_scheduler_period_tsc, tsc, memory_order_relaxed);
	/* A sleeping scheduling reactor sees the new period now. */
	pw__scheduler_round_kick();
	SPDK_DEBUGLOG(reactor, "scheduling period %" PRIu64 " us\n", period);
}

PW_EXPORT uint64_t
spdk_scheduler_get_period(void)
{
	/* Relaxed: pairs with the relaxed store of spdk_scheduler_set_period(). */
	return atomic_load_explicit(&g_period_us, memory_order_relaxed);
}

PW_EXPORT uint32_t
spdk_scheduler_get_scheduling_lcore(void)
{
	/* Relaxed: pairs with the relaxed store of spdk_scheduler_set_scheduling_lcore(). */
	uint32_t lcore = atomic_load_explicit(&g_scheduling_lcore, memory_order_relaxed);

	return lcore != UINT32_MAX ? lcore : spdk_env_get_main_core();
}

PW_EXPORT bool
spdk_scheduler_set_scheduling_lcore(uint32_t lcore)
{
	if (spdk_reactor_get(lcore) == NULL) {
		SPDK_ERRLOG("spdk_scheduler_set_scheduling_lcore: core %u has no reactor\n", lcore);
		return false;
	}
	/* Relaxed: pairs with the relaxed load of spdk_scheduler_get_scheduling_lcore(). */
	atomic_store_explicit(&g_scheduling_lcore, lcore, memory_order_relaxed);
	return true;
}

/* ---------------------------------------------------------------------------
 * Governors
 * ------------------------------------------------------------------------- */

static struct spdk_governor *
governor_find(const char *name)
{
	struct spdk_governor *g;

	TAILQ_FOREACH(g, &g_governors, link) {
		if (strcmp(g->name, name) == 0) {
			return g;
		}
	}
	return NULL;
}

PW_EXPORT void
spdk_governor_register(struct spdk_governor *governor)
{
	if (governor == NULL || governor->name == NULL) {
		SPDK_ERRLOG("spdk_governor_register: %s\n", governor == NULL ? "NULL governor" :
			    "governor without a name");
		return;
	}
	pthread_mutex_lock(&g_reg_lock);
	if (governor_find(governor->name) != NULL) {
		pthread_mutex_unlock(&g_reg_lock);
		SPDK_ERRLOG("spdk_governor_register: a governor named '%s' is already registered\n",
			    governor->name);
		return;
	}
	TAILQ_INSERT_TAIL(&g_governors, governor, link);
	pthread_mutex_unlock(&g_reg_lock);
}

PW_EXPORT int
spdk_governor_set(const char *name)
{
	struct spdk_governor *cur, *want;
	int rc = 0;

	pthread_mutex_lock(&g_reg_lock);
	cur = atomic_load_explicit(&g_governor, memory_order_relaxed);
	if (name == NULL) {
		if (cur != NULL && cur->deinit != NULL) {
			cur->deinit();
		}
		/* Pairs with the acquire load of spdk_governor_get(). */
		atomic_store_explicit(&g_governor, NULL, memory_order_release);
		pthread_mutex_unlock(&g_reg_lock);
		return 0;
	}
	want = governor_find(name);
	if (want == NULL) {
		pthread_mutex_unlock(&g_reg_lock);
		SPDK_ERRLOG("spdk_governor_set: no governor named '%s'\n", name);
		return -EINVAL;
	}
	if (want == cur) {
		pthread_mutex_unlock(&g_reg_lock);
		return 0;
	}
	if (want->init != NULL) {
		rc = want->init();
	}
	if (rc != 0) {
		pthread_mutex_unlock(&g_reg_lock);
		rc = rc > 0 ? -rc : rc;
		SPDK_ERRLOG("spdk_governor_set: governor '%s' failed to initialise: %s; keeping '%s'\n",
			    name, spdk_strerror(-rc), cur != NULL ? cur->name : "(none)");
		return rc;
	}
	if (cur != NULL && cur->deinit != NULL) {
		cur->deinit();
	}
	/* Pairs with the acquire load of spdk_governor_get(). */
	atomic_store_explicit(&g_governor, want, memory_order_release);
	pthread_mutex_unlock(&g_reg_lock);
	return 0;
}

PW_EXPORT struct spdk_governor *
spdk_governor_get(void)
{
	/* Pairs with the release stores of spdk_governor_set(). */
	return atomic_load_explicit(&g_governor, memory_order_acquire);
}

/* ---------------------------------------------------------------------------
 * Framework start and end
 * ------------------------------------------------------------------------- */

void
pw__scheduler_framework_init(void)
{
	pw__scheduler_rpc_link();
	pw__governor_link();
	pw__scheduler_subsystem_link();
	if (spdk_scheduler_get() == NULL && spdk_scheduler_set("static") != 0) {
		SPDK_ERRLOG("cannot select the static scheduler; threads will not be rescheduled\n");
	}
}

void
pw__scheduler_framework_fini(void)
{
	spdk_scheduler_set(NULL);
	pw__scheduler_static_reset();
	spdk_governor_set(NULL);
	spdk_scheduler_set_period(0);
	/* Relaxed: as in spdk_scheduler_set_scheduling_lcore(). */
	atomic_store_explicit(&g_scheduling_lcore, UINT32_MAX, memory_order_relaxed);
}

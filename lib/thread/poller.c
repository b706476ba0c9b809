/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Pollers: registration, pause/resume/unregister, dispatch, introspection.
 *
 * Untimed pollers live in a dense array of {fn, arg, busy, poller} entries,
 * run from the newest to the oldest, as SPDK runs its list. The dispatch loop
 * does nothing per poller but call it, count a busy result and check one word
 * of the thread for pending work (post-poller handlers, a spinlock left held):
 * - a poller that is paused or unregistered has its entry's fn replaced by a
 *   no-op ("tombstone"), so the loop needs no state check; the array is
 *   compacted at the end of the slice;
 * - run counts are derived: the thread counts dispatch rounds, and a poller
 *   that sits in the array from round r0 to round r1 ran r1 - r0 times.
 *
 * Timed pollers are in timer.c's structure; an unregistered or paused timed
 * poller leaves it at once (SPDK leaves it there until its next expiry), so a
 * thread with nothing else left can exit at once.
 *
 * States follow SPDK's: a paused poller is PAUSING until the end of the next
 * slice, then PAUSED; a resume before that puts it back where it was.
 */

#include "thread/thread_internal.h"
#include "thread/thread_trace.h"

#include "spdk/log.h"

/* Introspection logs a NULL argument instead of crashing. */
#define ARG_OR_RETURN(arg, ret)							\
	do {									\
		if (spdk_unlikely((arg) == NULL)) {				\
			SPDK_ERRLOG("%s: NULL %s\n", __func__, #arg);		\
			return ret;						\
		}								\
	} while (0)

static int
tombstone_fn(void *arg)
{
	return 0;
}

static uint64_t
us_to_ticks(uint64_t us)
{
	uint64_t hz = spdk_get_ticks_hz();

	return hz * (us / SPDK_SEC_TO_USEC) + hz * (us % SPDK_SEC_TO_USEC) / SPDK_SEC_TO_USEC;
}

/* ---------------------------------------------------------------------------
 * The poller block (doc/design.md "Small threads", "The poller block")
 * ------------------------------------------------------------------------- */

struct pw_pollers *
pw__thread_pollers(struct spdk_thread *thread, const char *what)
{
	struct pw_pollers *pl = thread->pl;
	size_t sz = SPDK_ALIGN_CEIL(sizeof(*pl), SPDK_CACHE_LINE_SIZE);

	if (spdk_likely(pl != NULL)) {
		return pl;
	}
	/* Aligned: a slice reads its first line only. */
	pl = aligned_alloc(SPDK_CACHE_LINE_SIZE, sz);
	if (pl == NULL) {
		SPDK_ERRLOG("thread %s: no memory for its pollers (%s)\n", thread->name, what);
		return NULL;
	}
	memset(pl, 0, sizeof(*pl));
	pl->dispatch_idx = -1;
	pl->next_poller_id = 1;
	TAILQ_INIT(&pl->pausing_pollers);
	TAILQ_INIT(&pl->zombie_pollers);
	TAILQ_INIT(&pl->parked_pollers);
	TAILQ_INIT(&pl->paused_pollers);
	TAILQ_INIT(&pl->interrupts);
	pw__timer_init(&pl->timer);
	thread->pl = pl;
	return pl;
}

void
pw__thread_pollers_free(struct spdk_thread *thread)
{
	struct pw_pollers *pl = thread->pl;

	if (pl == NULL) {
		return;
	}
	assert(pl->active_count == 0 && pl->first_timed_poller == NULL &&
	       TAILQ_EMPTY(&pl->interrupts) && pl->fgrp == NULL);
	pw__timer_fini(&pl->timer);
	free(pl->active);
	free(pl);
	thread->pl = NULL;
}

/* ---------------------------------------------------------------------------
 * The untimed dispatch array
 * ------------------------------------------------------------------------- */

static bool
in_array(const struct spdk_poller *poller)
{
	return poller->active_idx != UINT32_MAX;
}

/* Has the entry at idx already been run in the round in progress? Entries run
 * from the top index down, so only those below the running one have not. */
static bool
pending_this_round(const struct spdk_thread *thread, uint32_t idx)
{
	return thread->pl->dispatch_idx >= 0 && (int64_t)idx < thread->pl->dispatch_idx;
}

/* Runs of an untimed poller since it entered the array (not yet folded). */
static uint64_t
derived_runs(const struct spdk_poller *poller)
{
	const struct spdk_thread *thread = poller->thread;
	uint64_t runs = thread->pl->active_round - poller->round_base;

	if (runs > 0 && pending_this_round(thread, poller->active_idx)) {
		runs--;
	}
	return runs;
}

static int
active_add(struct spdk_thread *thread, struct spdk_poller *poller)
{
	struct pw_active_ent *ent;

	if (thread->pl->active_count == thread->pl->active_cap) {
		uint32_t cap = thread->pl->active_cap ? thread->pl->active_cap * 2 : 16;
		struct pw_active_ent *arr = realloc(thread->pl->active, cap * sizeof(*arr));

		if (arr == NULL) {
			return -ENOMEM;
		}
		thread->pl->active = arr;
		thread->pl->active_cap = cap;
	}
	ent = &thread->pl->active[thread->pl->active_count];
	ent->fn = poller->fn;
	ent->arg = poller->arg;
	ent->busy = 0;
	ent->poller = poller;
	poller->active_idx = thread->pl->active_count++;
	/* Added now, it runs from the next round on (a round in progress only
	 * visits entries that existed when it started). */
	poller->round_base = thread->pl->active_round;
	return 0;
}

/* Stop running an untimed poller; its entry stays until the slice ends. */
static void
active_tombstone(struct spdk_thread *thread, struct spdk_poller *poller)
{
	struct pw_active_ent *ent = &thread->pl->active[poller->active_idx];

	assert(ent->fn != tombstone_fn);
	poller->run_count += derived_runs(poller);
	ent->fn = tombstone_fn;
	thread->pl->active_dead++;
}

/* Undo active_tombstone() before the array was compacted. */
static void
active_restore(struct spdk_thread *thread, struct spdk_poller *poller)
{
	struct pw_active_ent *ent = &thread->pl->active[poller->active_idx];

	assert(ent->fn == tombstone_fn);
	ent->fn = poller->fn;
	thread->pl->active_dead--;
	poller->round_base = thread->pl->active_round;
	if (pending_this_round(thread, poller->active_idx)) {
		/* It will still run in this round: count that run. */
		poller->round_base--;
	}
}

static void
active_compact(struct spdk_thread *thread)
{
	uint32_t out = 0;

	for (uint32_t i = 0; i < thread->pl->active_count; i++) {
		struct pw_active_ent *ent = &thread->pl->active[i];
		struct spdk_poller *poller = ent->poller;

		if (ent->fn == tombstone_fn) {
			poller->busy_count += ent->busy;
			if (poller->active_idx == i) {
				poller->active_idx = UINT32_MAX;
			}
			continue;
		}
		if (out != i) {
			thread->pl->active[out] = *ent;
			poller->active_idx = out;
		}
		out++;
	}
	thread->pl->active_count = out;
	thread->pl->active_dead = 0;
}

/* ---------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------- */

static int
run_active(struct spdk_thread *thread, struct pw_pollers *pl)
{
	int64_t i = (int64_t)pl->active_count - 1;
	int rc = 0;

	if (i < 0) {
		return 0;
	}
	pl->active_round++;
	for (; i >= 0; i--) {
		struct pw_active_ent *ent = &pl->active[i];
		int r;

		pl->dispatch_idx = i;
		if (PW_TP_ON()) pw__tp_poller_begin(thread, ent->poller);
		r = ent->fn(ent->arg);
		if (PW_TP_ON()) pw__tp_poller_end(thread, pl->active[i].poller, r);
		if (r > 0) {
			/* The array may have moved while the poller ran (the
			 * block itself stays until the thread is freed). */
			pl->active[i].busy++;
			if (r > rc) {
				rc = r;
			}
		}
		pw__thread_after_callback(thread);
	}
	pl->dispatch_idx = -1;
	return rc;
}

static void
poller_free(struct spdk_poller *poller)
{
	if (poller->bucket != NULL) {
		pw__timer_detach(poller->thread, poller);
	}
	free(poller);
}

static int
run_timed(struct spdk_thread *thread, struct pw_pollers *pl, uint64_t now)
{
	struct spdk_poller *poller;
	int rc = 0;

	while ((poller = pl->first_timed_poller) != NULL && poller->next_run_tick <= now) {
		int r;

		/* Out of the structure while it runs, back in afterwards unless it
		 * paused or unregistered itself (as SPDK does). */
		pw__timer_disarm(thread, poller);
		poller->running = true;
		if (PW_TP_ON()) pw__tp_poller_begin(thread, poller);
		r = poller->fn(poller->arg);
		if (PW_TP_ON()) pw__tp_poller_end(thread, poller, r);
		poller->running = false;
		poller->run_count++;
		if (r > 0) {
			poller->busy_count++;
			if (r > rc) {
				rc = r;
			}
		}
		pw__thread_after_callback(thread);
		switch (poller->state) {
		case PW_POLLER_WAITING:
			pw__timer_arm(thread, poller, now);
			break;
		case PW_POLLER_UNREGISTERED:
			poller_free(poller);
			break;
		default:
			/* PAUSING: already on the pausing list. */
			break;
		}
	}
	return rc;
}

int
pw__pollers_run(struct spdk_thread *thread, struct pw_pollers *pl, uint64_t now)
{
	int rc = run_active(thread, pl);
	int timed_rc = 0;

	if (pl->first_timed_poller != NULL && pl->first_timed_poller->next_run_tick <= now) {
		timed_rc = run_timed(thread, pl, now);
	}
	return timed_rc > rc ? timed_rc : rc;
}

void
pw__pollers_settle(struct spdk_thread *thread)
{
	struct spdk_poller *poller;

	if (thread->pl->active_dead != 0) {
		active_compact(thread);
	}
	while ((poller = TAILQ_FIRST(&thread->pl->pausing_pollers)) != NULL) {
		TAILQ_REMOVE(&thread->pl->pausing_pollers, poller, plink);
		poller->state = PW_POLLER_PAUSED;
		TAILQ_INSERT_TAIL(&thread->pl->paused_pollers, poller, plink);
	}
	while ((poller = TAILQ_FIRST(&thread->pl->zombie_pollers)) != NULL) {
		TAILQ_REMOVE(&thread->pl->zombie_pollers, poller, plink);
		poller_free(poller);
	}
}

struct spdk_poller *
pw__pollers_any_live(struct spdk_thread *thread)
{
	if (thread->pl == NULL) {
		return NULL;
	}
	if (thread->pl->active_count > thread->pl->active_dead) {
		for (uint32_t i = 0; i < thread->pl->active_count; i++) {
			if (thread->pl->active[i].fn != tombstone_fn) {
				return thread->pl->active[i].poller;
			}
		}
	}
	if (thread->pl->first_timed_poller != NULL) {
		return thread->pl->first_timed_poller;
	}
	if (!TAILQ_EMPTY(&thread->pl->parked_pollers)) {
		return TAILQ_FIRST(&thread->pl->parked_pollers);
	}
	if (!TAILQ_EMPTY(&thread->pl->pausing_pollers)) {
		return TAILQ_FIRST(&thread->pl->pausing_pollers);
	}
	return TAILQ_FIRST(&thread->pl->paused_pollers);
}

void
pw__pollers_free_all(struct spdk_thread *thread)
{
	struct spdk_poller *poller;

	if (thread->pl == NULL) {
		return;
	}
	pw__pollers_settle(thread);
	while (thread->pl->active_count > 0) {
		poller = thread->pl->active[--thread->pl->active_count].poller;
		SPDK_WARNLOG("active poller %s still registered when thread %s was destroyed\n",
			     poller->name, thread->name);
		poller->active_idx = UINT32_MAX;
		poller_free(poller);
	}
	while ((poller = thread->pl->first_timed_poller) != NULL) {
		SPDK_WARNLOG("timed poller %s still registered when thread %s was destroyed\n",
			     poller->name, thread->name);
		pw__timer_disarm(thread, poller);
		poller_free(poller);
	}
	while ((poller = TAILQ_FIRST(&thread->pl->paused_pollers)) != NULL) {
		SPDK_WARNLOG("paused poller %s still registered when thread %s was destroyed\n",
			     poller->name, thread->name);
		TAILQ_REMOVE(&thread->pl->paused_pollers, poller, plink);
		poller_free(poller);
	}
	while ((poller = TAILQ_FIRST(&thread->pl->parked_pollers)) != NULL) {
		SPDK_WARNLOG("poller %s still registered when thread %s was destroyed\n",
			     poller->name, thread->name);
		TAILQ_REMOVE(&thread->pl->parked_pollers, poller, plink);
		poller_free(poller);
	}
}

uint32_t
pw__pollers_active_count(struct spdk_thread *thread)
{
	if (thread->pl == NULL) {
		return 0;
	}
	return thread->pl->active_count - thread->pl->active_dead;
}

/* ---------------------------------------------------------------------------
 * Interrupt mode: pollers that can work from interrupts are "parked" (kept
 * registered, not polled) while their thread is in interrupt mode.
 * ------------------------------------------------------------------------- */

static bool
wants_park(const struct spdk_poller *poller)
{
	return poller->period_ticks == 0 && poller->intr_capable && poller->thread->in_interrupt;
}

/* In the array and not a tombstone: it is polled. */
static bool
entry_live(const struct spdk_thread *thread, const struct spdk_poller *poller)
{
	return in_array(poller) && thread->pl->active[poller->active_idx].fn != tombstone_fn;
}

static void
park(struct spdk_thread *thread, struct spdk_poller *poller)
{
	/* A poller paused (or parked) earlier in this slice still has its entry,
	 * already a tombstone: mark it once only. */
	if (entry_live(thread, poller)) {
		active_tombstone(thread, poller);
	}
	poller->parked = true;
	TAILQ_INSERT_TAIL(&thread->pl->parked_pollers, poller, plink);
}

/* Back into the dispatch array: in place if its entry is still there. */
static int
unpark_into_array(struct spdk_thread *thread, struct spdk_poller *poller)
{
	if (in_array(poller)) {
		active_restore(thread, poller);
		return 0;
	}
	return active_add(thread, poller);
}

static void
notify_intr(struct spdk_poller *poller, bool interrupt_mode)
{
	if (poller->intr_capable && poller->intr_cb != NULL) {
		poller->intr_cb(poller, poller->intr_cb_arg, interrupt_mode);
	}
}

void
pw__pollers_set_interrupt_mode(struct spdk_thread *thread, bool interrupt_mode)
{
	struct spdk_poller *poller, *tmp;

	if (thread->pl == NULL) {
		/* Never had a poller: nobody to tell. */
		return;
	}
	if (interrupt_mode) {
		for (uint32_t i = 0; i < thread->pl->active_count; i++) {
			struct pw_active_ent *ent = &thread->pl->active[i];

			if (ent->fn != tombstone_fn && ent->poller->intr_capable) {
				poller = ent->poller;
				notify_intr(poller, true);
				/* The callback may have paused or unregistered it. */
				if (poller->state == PW_POLLER_WAITING && !poller->parked &&
				    in_array(poller)) {
					park(thread, poller);
				}
			}
		}
	} else {
		TAILQ_FOREACH_SAFE(poller, &thread->pl->parked_pollers, plink, tmp) {
			TAILQ_REMOVE(&thread->pl->parked_pollers, poller, plink);
			poller->parked = false;
			if (unpark_into_array(thread, poller) != 0) {
				SPDK_ERRLOG("no memory to poll %s again; it stays parked\n", poller->name);
				poller->parked = true;
				TAILQ_INSERT_TAIL(&thread->pl->parked_pollers, poller, plink);
				continue;
			}
			notify_intr(poller, false);
		}
	}
	/* Timed and paused pollers keep their place; they are only told. */
	for (poller = thread->pl->first_timed_poller; poller != NULL;
	     poller = pw__timer_next(thread, poller)) {
		notify_intr(poller, interrupt_mode);
	}
	TAILQ_FOREACH(poller, &thread->pl->pausing_pollers, plink) {
		notify_intr(poller, interrupt_mode);
	}
	TAILQ_FOREACH(poller, &thread->pl->paused_pollers, plink) {
		notify_intr(poller, interrupt_mode);
	}
}

/* ---------------------------------------------------------------------------
 * Registration and control
 * ------------------------------------------------------------------------- */

/* A zeroed poller with its name (truncated to SPDK_MAX_POLLER_NAME_LEN, as
 * SPDK does; the function's address when NULL) stored right after it. */
static struct spdk_poller *
poller_alloc(spdk_poller_fn fn, const char *name)
{
	char buf[32];
	struct spdk_poller *poller;
	size_t len;

	if (name != NULL) {
		len = strnlen(name, SPDK_MAX_POLLER_NAME_LEN);
	} else {
		len = (size_t)snprintf(buf, sizeof(buf), "%p", (void *)fn);
		name = buf;
	}
	if (posix_memalign((void **)&poller, SPDK_CACHE_LINE_SIZE,
			   sizeof(*poller) + len + 1) != 0) {
		return NULL;
	}
	memset(poller, 0, sizeof(*poller));
	memcpy(poller->name, name, len);
	poller->name[len] = '\0';
	return poller;
}

static struct spdk_poller *
poller_register(spdk_poller_fn fn, void *arg, uint64_t period_us, const char *name)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct spdk_poller *poller;

	if (thread == NULL) {
		SPDK_ERRLOG("poller %s: registered from a pthread with no current spdk_thread\n",
			    name ? name : "(unnamed)");
		return NULL;
	}
	if (fn == NULL) {
		SPDK_ERRLOG("poller %s: NULL function\n", name ? name : "(unnamed)");
		return NULL;
	}
	if (thread->state == PW_THREAD_EXITED) {
		SPDK_ERRLOG("thread %s has exited: poller %s not registered\n", thread->name,
			    name ? name : "(unnamed)");
		return NULL;
	}

	if (pw__thread_pollers(thread, name ? name : "poller") == NULL) {
		return NULL;
	}
	poller = poller_alloc(fn, name);
	if (poller == NULL) {
		SPDK_ERRLOG("no memory for poller %s\n", name ? name : "(unnamed)");
		return NULL;
	}
	poller->fn = fn;
	poller->arg = arg;
	poller->thread = thread;
	poller->state = PW_POLLER_WAITING;
	poller->active_idx = UINT32_MAX;
	if (thread->pl->next_poller_id == 0) {
		SPDK_WARNLOG("poller ids of thread %s wrapped around\n", thread->name);
		thread->pl->next_poller_id = 1;
	}
	poller->id = thread->pl->next_poller_id++;
	poller->period_ticks = us_to_ticks(period_us);

	if (poller->period_ticks != 0) {
		if (pw__timer_attach(thread, poller) != 0) {
			SPDK_ERRLOG("no memory for poller %s\n", poller->name);
			free(poller);
			return NULL;
		}
		pw__timer_arm(thread, poller, spdk_get_ticks());
	} else if (active_add(thread, poller) != 0) {
		SPDK_ERRLOG("no memory for poller %s\n", poller->name);
		free(poller);
		return NULL;
	}
	/* Registered outside a slice of a parked thread (its driver or an event
	 * handler set it current): it needs slices (pinwheel/thread.h). */
	pw__thread_kick(thread);
	return poller;
}

PW_EXPORT struct spdk_poller *
spdk_poller_register(spdk_poller_fn fn, void *arg, uint64_t period_microseconds)
{
	return poller_register(fn, arg, period_microseconds, NULL);
}

PW_EXPORT struct spdk_poller *
spdk_poller_register_named(spdk_poller_fn fn, void *arg, uint64_t period_microseconds,
			   const char *name)
{
	return poller_register(fn, arg, period_microseconds, name);
}

/* The poller belongs to the current thread; log misuse otherwise. */
static bool
owned_here(const char *func, struct spdk_poller *poller)
{
	struct spdk_thread *thread = pw__tls_thread;

	if (poller == NULL) {
		SPDK_ERRLOG("%s: NULL poller\n", func);
		return false;
	}
	if (thread != poller->thread) {
		pw__wrong_thread(func, poller->name, poller->thread, thread);
		return false;
	}
	return true;
}

static bool
is_running(const struct spdk_poller *poller)
{
	return poller->running ||
	       (in_array(poller) && poller->thread->pl->dispatch_idx == (int64_t)poller->active_idx);
}

PW_EXPORT void
spdk_poller_unregister(struct spdk_poller **ppoller)
{
	struct spdk_thread *thread;
	struct spdk_poller *poller;

	if (ppoller == NULL || *ppoller == NULL) {
		return;
	}
	poller = *ppoller;
	*ppoller = NULL;
	if (!owned_here(__func__, poller)) {
		return;
	}
	thread = poller->thread;

	switch (poller->state) {
	case PW_POLLER_UNREGISTERED:
		SPDK_ERRLOG("poller %s unregistered twice\n", poller->name);
		return;
	case PW_POLLER_PAUSED:
		TAILQ_REMOVE(&thread->pl->paused_pollers, poller, plink);
		break;
	case PW_POLLER_PAUSING:
		TAILQ_REMOVE(&thread->pl->pausing_pollers, poller, plink);
		break;
	case PW_POLLER_WAITING:
		if (poller->parked) {
			TAILQ_REMOVE(&thread->pl->parked_pollers, poller, plink);
			poller->parked = false;
		} else if (in_array(poller)) {
			active_tombstone(thread, poller);
		} else if (poller->armed) {
			pw__timer_disarm(thread, poller);
		}
		break;
	}

	poller->state = PW_POLLER_UNREGISTERED;
	if (in_array(poller)) {
		/* Its (tombstoned) entry goes when the array is compacted. */
		TAILQ_INSERT_TAIL(&thread->pl->zombie_pollers, poller, plink);
	} else if (!poller->running) {
		poller_free(poller);
	}
	/* else: a timed poller unregistering itself; run_timed() frees it. */
}

PW_EXPORT void
spdk_poller_pause(struct spdk_poller *poller)
{
	struct spdk_thread *thread;

	if (!owned_here(__func__, poller)) {
		return;
	}
	thread = poller->thread;
	if (poller->state != PW_POLLER_WAITING) {
		/* Already pausing or paused (or unregistered: nothing to do). */
		return;
	}
	if (poller->parked) {
		TAILQ_REMOVE(&thread->pl->parked_pollers, poller, plink);
		poller->parked = false;
	} else if (in_array(poller)) {
		active_tombstone(thread, poller);
	} else if (poller->armed) {
		pw__timer_disarm(thread, poller);
	}
	poller->state = PW_POLLER_PAUSING;
	TAILQ_INSERT_TAIL(&thread->pl->pausing_pollers, poller, plink);
}

PW_EXPORT void
spdk_poller_resume(struct spdk_poller *poller)
{
	struct spdk_thread *thread;

	if (!owned_here(__func__, poller)) {
		return;
	}
	thread = poller->thread;

	switch (poller->state) {
	case PW_POLLER_PAUSING:
		/* Not settled yet: back exactly where it was. */
		TAILQ_REMOVE(&thread->pl->pausing_pollers, poller, plink);
		poller->state = PW_POLLER_WAITING;
		if (wants_park(poller)) {
			park(thread, poller);
		} else if (poller->period_ticks == 0) {
			if (unpark_into_array(thread, poller) != 0) {
				SPDK_ERRLOG("no memory to resume poller %s; it stays paused\n",
					    poller->name);
				poller->state = PW_POLLER_PAUSED;
				TAILQ_INSERT_TAIL(&thread->pl->paused_pollers, poller, plink);
			}
		} else if (!is_running(poller)) {
			pw__timer_rearm_in_place(thread, poller);
		}
		/* A running timed poller is re-armed by run_timed() when it returns. */
		break;
	case PW_POLLER_PAUSED:
		TAILQ_REMOVE(&thread->pl->paused_pollers, poller, plink);
		poller->state = PW_POLLER_WAITING;
		if (wants_park(poller)) {
			park(thread, poller);
		} else if (poller->period_ticks == 0) {
			if (active_add(thread, poller) != 0) {
				SPDK_ERRLOG("no memory to resume poller %s; it stays paused\n",
					    poller->name);
				poller->state = PW_POLLER_PAUSED;
				TAILQ_INSERT_TAIL(&thread->pl->paused_pollers, poller, plink);
			}
		} else {
			pw__timer_arm(thread, poller, spdk_get_ticks());
		}
		break;
	default:
		return;
	}
	/* Resumed outside a slice of a parked thread: as a registration. */
	pw__thread_kick(thread);
}

PW_EXPORT void
spdk_poller_register_interrupt(struct spdk_poller *poller,
			       spdk_poller_set_interrupt_mode_cb cb_fn, void *cb_arg)
{
	if (!owned_here(__func__, poller)) {
		return;
	}
	poller->intr_capable = true;
	poller->intr_cb = cb_fn;
	poller->intr_cb_arg = cb_arg;
	if (poller->thread->in_interrupt) {
		notify_intr(poller, true);
		if (wants_park(poller) && poller->state == PW_POLLER_WAITING && !poller->parked) {
			park(poller->thread, poller);
		}
	}
}

/* ---------------------------------------------------------------------------
 * Introspection (spdk_internal/thread.h)
 * ------------------------------------------------------------------------- */

PW_EXPORT const char *
spdk_poller_get_name(struct spdk_poller *poller)
{
	ARG_OR_RETURN(poller, NULL);
	return poller->name;
}

PW_EXPORT uint64_t
spdk_poller_get_id(struct spdk_poller *poller)
{
	ARG_OR_RETURN(poller, 0);
	return poller->id;
}

PW_EXPORT const char *
spdk_poller_get_state_str(struct spdk_poller *poller)
{
	ARG_OR_RETURN(poller, NULL);
	switch (poller->state) {
	case PW_POLLER_WAITING:
		return is_running(poller) ? "running" : "waiting";
	case PW_POLLER_UNREGISTERED:
		return "unregistered";
	case PW_POLLER_PAUSING:
		return "pausing";
	case PW_POLLER_PAUSED:
		return "paused";
	}
	return "unknown";
}

PW_EXPORT uint64_t
spdk_poller_get_period_ticks(struct spdk_poller *poller)
{
	ARG_OR_RETURN(poller, 0);
	return poller->period_ticks;
}

PW_EXPORT void
spdk_poller_get_stats(struct spdk_poller *poller, struct spdk_poller_stats *stats)
{
	ARG_OR_RETURN(poller, );
	ARG_OR_RETURN(stats, );
	stats->run_count = poller->run_count;
	stats->busy_count = poller->busy_count;
	if (in_array(poller)) {
		struct pw_active_ent *ent = &poller->thread->pl->active[poller->active_idx];

		stats->busy_count += ent->busy;
		if (ent->fn != tombstone_fn) {
			stats->run_count += derived_runs(poller);
		}
	}
}

static struct spdk_poller *
active_from(struct spdk_thread *thread, uint32_t idx)
{
	if (thread->pl == NULL) {
		return NULL;
	}
	for (; idx < thread->pl->active_count; idx++) {
		if (thread->pl->active[idx].fn != tombstone_fn) {
			return thread->pl->active[idx].poller;
		}
	}
	return NULL;
}

PW_EXPORT struct spdk_poller *
spdk_thread_get_first_active_poller(struct spdk_thread *thread)
{
	ARG_OR_RETURN(thread, NULL);
	return active_from(thread, 0);
}

PW_EXPORT struct spdk_poller *
spdk_thread_get_next_active_poller(struct spdk_poller *prev)
{
	ARG_OR_RETURN(prev, NULL);
	if (!in_array(prev)) {
		return NULL;
	}
	return active_from(prev->thread, prev->active_idx + 1);
}

PW_EXPORT struct spdk_poller *
spdk_thread_get_first_timed_poller(struct spdk_thread *thread)
{
	ARG_OR_RETURN(thread, NULL);
	return thread->pl != NULL ? thread->pl->first_timed_poller : NULL;
}

PW_EXPORT struct spdk_poller *
spdk_thread_get_next_timed_poller(struct spdk_poller *prev)
{
	ARG_OR_RETURN(prev, NULL);
	return pw__timer_next(prev->thread, prev);
}

PW_EXPORT struct spdk_poller *
spdk_thread_get_first_paused_poller(struct spdk_thread *thread)
{
	ARG_OR_RETURN(thread, NULL);
	return thread->pl != NULL ? TAILQ_FIRST(&thread->pl->paused_pollers) : NULL;
}

PW_EXPORT struct spdk_poller *
spdk_thread_get_next_paused_poller(struct spdk_poller *prev)
{
	ARG_OR_RETURN(prev, NULL);
	return prev->state == PW_POLLER_PAUSED ? TAILQ_NEXT(prev, plink) : NULL;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Interrupt sources, interrupt mode, and the wakers that let a driver sleep.
 *
 * A thread's interrupt sources live in its own fd group, created on first
 * use; their handlers run with the thread current. A reactor nests that group
 * in its own and waits on it while it sleeps.
 *
 * A waker is a sleeping flag plus an eventfd. Senders check the flag after
 * claiming a slot (pw__thread_waker_asleep()) and write the eventfd only
 * when the driver sleeps, so a busy driver costs senders no system call. Interrupt mode
 * (SPDK's) is a per-thread switch: pollers that said they can work from
 * interrupts stop being polled, so the thread's reactor can sleep.
 */

#include "thread/thread_internal.h"

#include "spdk/log.h"
#include "spdk/string.h"

#define MAX_INTERRUPT_NAME_LEN 256

struct spdk_interrupt {
	int				efd;
	struct spdk_thread		*thread;
	spdk_interrupt_fn		fn;
	void				*arg;
	TAILQ_ENTRY(spdk_interrupt)	link;
	char				name[MAX_INTERRUPT_NAME_LEN + 1];
};

static _Atomic bool g_interrupt_mode;

/*
 * Wakers made for spdk_thread_get_interrupt_fd() are recycled, not freed,
 * while the library lives: a sender that saw the thread's waker before
 * queueing writes it after, when the thread may be gone. The write then is a
 * spurious wake-up for the waker's next user, never a write to a closed (or
 * reused) descriptor.
 */
static pthread_mutex_t g_spare_wakers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pw_waker *g_spare_wakers;

/* ---------------------------------------------------------------------------
 * Wakers
 * ------------------------------------------------------------------------- */

PW_EXPORT int
pw_waker_create(struct pw_waker **waker)
{
	struct pw_waker *w;

	if (waker == NULL) {
		SPDK_ERRLOG("pw_waker_create: NULL waker\n");
		return -EINVAL;
	}
	if (posix_memalign((void **)&w, SPDK_CACHE_LINE_SIZE, sizeof(*w)) != 0) {
		SPDK_ERRLOG("pw_waker_create: no memory\n");
		return -ENOMEM;
	}
	memset(w, 0, sizeof(*w));
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0) {
		int rc = -errno;

		SPDK_ERRLOG("pw_waker_create: eventfd: %s\n", spdk_strerror(-rc));
		free(w);
		return rc;
	}
	atomic_init(&w->sleeping, 0);
	*waker = w;
	return 0;
}

PW_EXPORT void
pw_waker_destroy(struct pw_waker *waker)
{
	if (waker == NULL) {
		return;
	}
	close(waker->efd);
	free(waker);
}

PW_EXPORT int
pw_waker_get_fd(const struct pw_waker *waker)
{
	return waker != NULL ? waker->efd : -EINVAL;
}

PW_EXPORT void
pw_waker_wake(struct pw_waker *waker)
{
	uint64_t one = 1;
	ssize_t rc;

	/* Async-signal-safe, so a NULL waker cannot be logged: ignored. */
	if (spdk_unlikely(waker == NULL)) {
		return;
	}
	/* write(2) is async-signal-safe; EAGAIN means the counter is already
	 * huge, i.e. a wake-up is pending anyway. */
	rc = write(waker->efd, &one, sizeof(one));
	(void)rc;
}

PW_EXPORT void
pw_waker_notify(struct pw_waker *waker)
{
	/* Async-signal-safe, so a NULL waker cannot be logged: ignored. */
	if (spdk_unlikely(waker == NULL)) {
		return;
	}
	/* Pairs with the seq_cst store in pw_waker_prepare_sleep(). */
	if (atomic_load_explicit(&waker->sleeping, memory_order_seq_cst) != 0) {
		pw_waker_wake(waker);
	}
}

PW_EXPORT void
pw_waker_prepare_sleep(struct pw_waker *waker)
{
	if (waker == NULL) {
		SPDK_ERRLOG("pw_waker_prepare_sleep: NULL waker\n");
		return;
	}
	/* Pairs with the seq_cst load in pw__thread_waker_asleep(). */
	atomic_store_explicit(&waker->sleeping, 1, memory_order_seq_cst);
}

PW_EXPORT void
pw_waker_end_sleep(struct pw_waker *waker)
{
	if (waker == NULL) {
		SPDK_ERRLOG("pw_waker_end_sleep: NULL waker\n");
		return;
	}
	if (!waker->always) {
		atomic_store_explicit(&waker->sleeping, 0, memory_order_relaxed);
	}
}

PW_EXPORT void
pw_waker_drain(struct pw_waker *waker)
{
	uint64_t value;
	ssize_t rc;

	if (waker == NULL) {
		SPDK_ERRLOG("pw_waker_drain: NULL waker\n");
		return;
	}
	rc = read(waker->efd, &value, sizeof(value));
	(void)rc;
}

PW_EXPORT void
pw_thread_set_waker(struct spdk_thread *thread, struct pw_waker *waker)
{
	if (thread == NULL) {
		SPDK_ERRLOG("pw_thread_set_waker: NULL thread\n");
		return;
	}
	/* Relaxed loads: the caller is the thread's driver, the only one that
	 * makes it ACTIVE or PARKED (a waker only turns PARKED into WOKEN), and
	 * the only one that stores its waker. A parked thread's senders push it
	 * on its lot and wake this waker: without one they would not look at
	 * its parking state (the message would sit unseen), with another one
	 * they would wake a driver that does not have its lot. */
	if (waker != atomic_load_explicit(&thread->waker, memory_order_relaxed) &&
	    atomic_load_explicit(&thread->park_state, memory_order_relaxed) != PW_PARK_ACTIVE) {
		SPDK_ERRLOG("pw_thread_set_waker: thread %s is parked (its wake-ups need its "
			    "driver's waker); take it back with pw_park_lot_take() or "
			    "pw_thread_unpark() first; the waker is unchanged\n", thread->name);
		return;
	}
	/* Pairs with the seq_cst load in pw__thread_waker_asleep(). */
	atomic_store_explicit(&thread->waker, waker, memory_order_seq_cst);
}

PW_EXPORT struct pw_waker *
pw_thread_get_waker(struct spdk_thread *thread)
{
	return thread != NULL ? atomic_load(&thread->waker) : NULL;
}

PW_EXPORT bool
pw_thread_has_pending_messages(struct spdk_thread *thread)
{
	if (thread == NULL) {
		return false;
	}
	return pw__msgq_pending(thread) ||
	       atomic_load_explicit(&thread->critical_msg, memory_order_seq_cst) != NULL;
}

PW_EXPORT struct spdk_fd_group *
pw_thread_get_fd_group(struct spdk_thread *thread)
{
	return thread != NULL && thread->pl != NULL ? thread->pl->fgrp : NULL;
}

/* ---------------------------------------------------------------------------
 * Parked threads (doc/design.md, "Parked threads")
 * ------------------------------------------------------------------------- */

PW_EXPORT int
pw_park_lot_create(struct pw_park_lot **lot)
{
	struct pw_park_lot *l;

	if (lot == NULL) {
		SPDK_ERRLOG("pw_park_lot_create: NULL lot\n");
		return -EINVAL;
	}
	if (posix_memalign((void **)&l, SPDK_CACHE_LINE_SIZE, sizeof(*l)) != 0) {
		SPDK_ERRLOG("pw_park_lot_create: no memory\n");
		return -ENOMEM;
	}
	memset(l, 0, sizeof(*l));
	atomic_init(&l->woken, NULL);
	l->critical_gen = atomic_load(&pw__g_critical_gen);
	*lot = l;
	return 0;
}

PW_EXPORT void
pw_park_lot_destroy(struct pw_park_lot *lot)
{
	uint64_t woken = 0;

	if (lot == NULL) {
		return;
	}
	/* Woken threads not taken: give them back to the driver (active), so
	 * that none keeps a link into freed memory. */
	while (pw_park_lot_take(lot) != NULL) {
		woken++;
	}
	if (woken > 0) {
		SPDK_ERRLOG("pw_park_lot_destroy: woken threads were not taken (%" PRIu64
			    "); they are active again\n", woken);
	}
	if (lot->parked > 0) {
		/* A waker would push them on the freed lot: keep it (leaked). */
		SPDK_ERRLOG("pw_park_lot_destroy: %" PRIu64 " thread(s) still parked in it "
			    "(pw_thread_unpark() them first); the lot is not freed\n", lot->parked);
		return;
	}
	free(lot);
}

void
pw__thread_wake_parked(struct spdk_thread *thread)
{
	uint32_t expected = PW_PARK_PARKED;
	struct pw_park_lot *lot;
	struct spdk_thread *head;

	/* One waker wins. seq_cst, paired with the driver's seq_cst store of
	 * PARKED (after which park_lot is read here) and its exchange in
	 * pw_thread_unpark(). */
	if (!atomic_compare_exchange_strong_explicit(&thread->park_state, &expected, PW_PARK_WOKEN,
			memory_order_seq_cst, memory_order_relaxed)) {
		return;
	}
	lot = thread->park_lot;
	head = atomic_load_explicit(&lot->woken, memory_order_relaxed);
	do {
		thread->park_next = head;
		/* seq_cst: paired with the acquire exchange in pw_park_lot_take()
		 * (park_next is visible), and ordered before the caller's load of
		 * the driver's sleeping flag, against the driver's seq_cst store
		 * of that flag followed by its load of woken in
		 * pw_park_lot_pending(). The thread is not read after this. */
	} while (!atomic_compare_exchange_weak_explicit(&lot->woken, &head, thread,
			memory_order_seq_cst, memory_order_relaxed));
}

void
pw__thread_kick(struct spdk_thread *thread)
{
	/* Relaxed: only a thread parked before this (its own driver's doing on
	 * this pthread, or seen through the lock that made it current) needs it;
	 * the push and the notify are the seq_cst pair of any waker. */
	if (atomic_load_explicit(&thread->park_state, memory_order_relaxed) == PW_PARK_PARKED) {
		pw__thread_wake_parked(thread);
		pw_waker_notify(atomic_load_explicit(&thread->waker, memory_order_seq_cst));
	}
}

/* Whether a slice would have something to do now (messages aside). */
static bool
has_work(const struct spdk_thread *thread)
{
	const struct pw_pollers *pl = thread->pl;

	if (thread->state != PW_THREAD_RUNNING) {
		return true;
	}
	if (pl == NULL) {
		/* No pollers, interrupt sources or post-poller handlers. */
		return false;
	}
	return pl->own_waker != NULL || pl->active_count > 0 || thread->num_pp_handlers != 0 ||
	       pw__pollers_unsettled(pl) ||
	       (pl->first_timed_poller != NULL &&
		pl->first_timed_poller->next_run_tick <= thread->tsc_last);
}

PW_EXPORT bool
pw_thread_park(struct spdk_thread *thread, struct pw_park_lot *lot)
{
	uint32_t expected = PW_PARK_PARKED;

	if (spdk_unlikely(thread == NULL || lot == NULL)) {
		SPDK_ERRLOG("pw_thread_park: NULL %s\n", thread == NULL ? "thread" : "lot");
		return false;
	}
	if (spdk_unlikely(atomic_load_explicit(&thread->park_state, memory_order_relaxed) !=
			  PW_PARK_ACTIVE)) {
		SPDK_ERRLOG("pw_thread_park: thread %s is already parked\n", thread->name);
		return false;
	}
	/* Without a waker its senders would not look at its parking state
	 * (pw__thread_waker_asleep()). */
	if (has_work(thread) || atomic_load_explicit(&thread->waker, memory_order_relaxed) == NULL) {
		return false;
	}
	/* Idle threads hold no message segment once they are many (doc/design.md
	 * "Small threads"); the next message opens one. */
	if (lot->parked >= PW_GIVE_BACK_PARKED) {
		pw__msgq_give_back(thread);
	}
	thread->park_lot = lot;
	thread->park_accrue = true;
	/* seq_cst store, then the seq_cst last look at the queues: paired with a
	 * sender's claim followed by its seq_cst load of park_state
	 * (pw__thread_waker_asleep()), and with a critical sender's exchange
	 * followed by its increment of pw__g_critical_gen. */
	atomic_store_explicit(&thread->park_state, PW_PARK_PARKED, memory_order_seq_cst);
	if (!pw_thread_has_pending_messages(thread)) {
		lot->parked++;
		return true;
	}
	/* A message came: stay active, unless a waker already took the thread
	 * to its lot (then it comes back through pw_park_lot_take()). */
	if (atomic_compare_exchange_strong_explicit(&thread->park_state, &expected, PW_PARK_ACTIVE,
			memory_order_seq_cst, memory_order_relaxed)) {
		thread->park_accrue = false;
		return false;
	}
	lot->parked++;
	return true;
}

PW_EXPORT bool
pw_thread_unpark(struct spdk_thread *thread)
{
	uint32_t expected = PW_PARK_PARKED;

	if (thread == NULL) {
		SPDK_ERRLOG("pw_thread_unpark: NULL thread\n");
		return false;
	}
	/* seq_cst: against the wakers' exchange in pw__thread_wake_parked(). */
	if (atomic_compare_exchange_strong_explicit(&thread->park_state, &expected,
			PW_PARK_ACTIVE, memory_order_seq_cst, memory_order_relaxed)) {
		thread->park_lot->parked--;
		return true;
	}
	/* WOKEN: a waker took it, the lot gives it back. ACTIVE: only the
	 * driver makes a thread active, so this is its mistake. */
	if (expected == PW_PARK_ACTIVE) {
		SPDK_ERRLOG("pw_thread_unpark: thread %s is not parked\n", thread->name);
	}
	return false;
}

PW_EXPORT bool
pw_thread_is_parked(struct spdk_thread *thread)
{
	return thread != NULL &&
	       atomic_load_explicit(&thread->park_state, memory_order_relaxed) != PW_PARK_ACTIVE;
}

PW_EXPORT struct spdk_thread *
pw_park_lot_take(struct pw_park_lot *lot)
{
	struct spdk_thread *t, *rev = NULL, *next;

	if (spdk_unlikely(lot == NULL)) {
		SPDK_ERRLOG("pw_park_lot_take: NULL lot\n");
		return NULL;
	}
	t = lot->taken;
	if (t == NULL) {
		/* The common case, nothing woken: one load of the lot's line. */
		if (atomic_load_explicit(&lot->woken, memory_order_relaxed) == NULL) {
			return NULL;
		}
		/* Acquire: pairs with the wakers' seq_cst push (park_next). */
		t = atomic_exchange_explicit(&lot->woken, NULL, memory_order_acquire);
		/* The stack holds the latest first: reverse, to poll them in the
		 * order they were woken. */
		while (t != NULL) {
			next = t->park_next;
			t->park_next = rev;
			rev = t;
			t = next;
		}
		t = rev;
	}
	lot->taken = t->park_next;
	t->park_next = NULL;
	lot->parked--;
	/* WOKEN -> ACTIVE: no waker acts on either (relaxed); the next park is
	 * a seq_cst store. */
	atomic_store_explicit(&t->park_state, PW_PARK_ACTIVE, memory_order_relaxed);
	return t;
}

PW_EXPORT bool
pw_park_lot_pending(struct pw_park_lot *lot)
{
	if (lot == NULL) {
		return false;
	}
	/* seq_cst loads after the driver's seq_cst store of its sleeping flag:
	 * paired with the wakers' push (pw__thread_wake_parked()) and the critical
	 * senders' increment, each followed by a load of that flag. */
	return lot->taken != NULL || atomic_load_explicit(&lot->woken, memory_order_seq_cst) != NULL ||
	       atomic_load_explicit(&pw__g_critical_gen, memory_order_seq_cst) != lot->critical_gen;
}

PW_EXPORT bool
pw_park_lot_check_critical(struct pw_park_lot *lot)
{
	/* Acquire: pairs with the seq_cst increment that follows the critical
	 * message's publication (the scan that follows sees the message). */
	uint64_t gen = atomic_load_explicit(&pw__g_critical_gen, memory_order_acquire);

	if (spdk_likely(lot == NULL || gen == lot->critical_gen)) {
		return false;
	}
	lot->critical_gen = gen;
	return true;
}

/* ---------------------------------------------------------------------------
 * Interrupt sources
 * ------------------------------------------------------------------------- */

/* The thread's fd group, created on first use (with its poller block);
 * NULL, logged, if either cannot be had. */
static struct spdk_fd_group *
thread_fgrp(struct spdk_thread *thread, const char *what)
{
	struct pw_pollers *pl = pw__thread_pollers(thread, what);
	int rc;

	if (pl == NULL) {
		return NULL;
	}
	if (pl->fgrp == NULL) {
		rc = spdk_fd_group_create(&pl->fgrp);
		if (rc != 0) {
			SPDK_ERRLOG("thread %s: cannot create its fd group: %s\n", thread->name,
				    spdk_strerror(-rc));
			pl->fgrp = NULL;
		}
	}
	return pl->fgrp;
}

static int
interrupt_wrapper(void *ctx)
{
	struct spdk_interrupt *intr = ctx;
	struct spdk_thread *thread = intr->thread;
	struct spdk_thread *orig = pw__tls_thread;
	int rc;

	pw__tls_thread = thread;
	/* The handler may unregister (free) intr: read nothing from it after. */
	rc = intr->fn(intr->arg);
	pw__thread_after_callback(thread);
	/* A parked thread gets a slice after its handler ran (it may have
	 * registered a poller, or queued work for its slices). */
	if (spdk_unlikely(atomic_load_explicit(&thread->park_state, memory_order_relaxed) ==
			  PW_PARK_PARKED)) {
		pw__thread_wake_parked(thread);
	}
	pw__tls_thread = orig;
	return rc;
}

PW_EXPORT struct spdk_interrupt *
spdk_interrupt_register_ext(int efd, spdk_interrupt_fn fn, void *arg, const char *name,
			    struct spdk_event_handler_opts *opts)
{
	struct spdk_thread *thread = pw__tls_thread;
	struct spdk_interrupt *intr;
	struct spdk_fd_group *fgrp;
	int rc;

	if (thread == NULL || fn == NULL || efd < 0) {
		SPDK_ERRLOG("spdk_interrupt_register(%s): %s\n", name ? name : "",
			    thread == NULL ? "no current spdk_thread" :
			    fn == NULL ? "NULL fn" : "negative fd");
		return NULL;
	}
	if (thread->state != PW_THREAD_RUNNING) {
		SPDK_ERRLOG("spdk_interrupt_register(%s): thread %s is exiting\n", name ? name : "",
			    thread->name);
		return NULL;
	}
	fgrp = thread_fgrp(thread, __func__);
	if (fgrp == NULL) {
		return NULL;
	}
	intr = calloc(1, sizeof(*intr));
	if (intr == NULL) {
		SPDK_ERRLOG("spdk_interrupt_register(%s): no memory\n", name ? name : "");
		return NULL;
	}
	if (name != NULL) {
		snprintf(intr->name, sizeof(intr->name), "%s", name);
	} else {
		snprintf(intr->name, sizeof(intr->name), "%p", (void *)fn);
	}
	intr->efd = efd;
	intr->thread = thread;
	intr->fn = fn;
	intr->arg = arg;
	rc = spdk_fd_group_add_ext(fgrp, efd, interrupt_wrapper, intr, intr->name, opts);
	if (rc != 0) {
		SPDK_ERRLOG("thread %s: cannot add fd %d (%s): %s\n", thread->name, efd, intr->name,
			    spdk_strerror(-rc));
		free(intr);
		return NULL;
	}
	TAILQ_INSERT_TAIL(&thread->pl->interrupts, intr, link);
	return intr;
}

PW_EXPORT struct spdk_interrupt *
spdk_interrupt_register(int efd, spdk_interrupt_fn fn, void *arg, const char *name)
{
	return spdk_interrupt_register_ext(efd, fn, arg, name, NULL);
}

PW_EXPORT struct spdk_interrupt *
spdk_interrupt_register_for_events(int efd, uint32_t events, spdk_interrupt_fn fn, void *arg,
				   const char *name)
{
	struct spdk_event_handler_opts opts;

	spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
	opts.events = events;
	return spdk_interrupt_register_ext(efd, fn, arg, name, &opts);
}

static bool
intr_here(const char *func, struct spdk_interrupt *intr)
{
	if (intr == NULL) {
		SPDK_ERRLOG("%s: NULL interrupt\n", func);
		return false;
	}
	if (intr->thread != pw__tls_thread) {
		pw__wrong_thread(func, intr->name, intr->thread, pw__tls_thread);
		return false;
	}
	return true;
}

PW_EXPORT void
spdk_interrupt_unregister(struct spdk_interrupt **pintr)
{
	struct spdk_interrupt *intr;

	if (pintr == NULL || *pintr == NULL) {
		return;
	}
	intr = *pintr;
	*pintr = NULL;
	if (!intr_here(__func__, intr)) {
		return;
	}
	/* Safe from inside the handler: the fd group defers its own record. */
	spdk_fd_group_remove(intr->thread->pl->fgrp, intr->efd);
	TAILQ_REMOVE(&intr->thread->pl->interrupts, intr, link);
	free(intr);
}

PW_EXPORT int
spdk_interrupt_set_event_types(struct spdk_interrupt *intr,
			       enum spdk_interrupt_event_types event_types)
{
	if (!intr_here(__func__, intr)) {
		return -EINVAL;
	}
	return spdk_fd_group_event_modify(intr->thread->pl->fgrp, intr->efd, (int)event_types);
}

PW_EXPORT struct spdk_fd_group *
spdk_thread_get_interrupt_fd_group(struct spdk_thread *thread)
{
	if (thread == NULL) {
		SPDK_ERRLOG("spdk_thread_get_interrupt_fd_group: NULL thread\n");
		return NULL;
	}
	return thread_fgrp(thread, __func__);
}

/* A waker that fires on every send, recycled if one is spare. */
static int
always_waker_get(struct pw_waker **waker)
{
	struct pw_waker *w;
	int rc;

	pthread_mutex_lock(&g_spare_wakers_lock);
	w = g_spare_wakers;
	if (w != NULL) {
		g_spare_wakers = w->spare_next;
	}
	pthread_mutex_unlock(&g_spare_wakers_lock);
	if (w == NULL) {
		rc = pw_waker_create(&w);
		if (rc != 0) {
			return rc;
		}
		/* Set once: a late sender may read these while it is spare. */
		w->always = true;
		atomic_store(&w->sleeping, 1);
	}
	*waker = w;
	return 0;
}

static void
always_waker_put(struct pw_waker *w)
{
	pw_waker_drain(w);
	pthread_mutex_lock(&g_spare_wakers_lock);
	w->spare_next = g_spare_wakers;
	g_spare_wakers = w;
	pthread_mutex_unlock(&g_spare_wakers_lock);
}

static int
own_waker_handler(void *ctx)
{
	/* The eventfd was cleared by the fd group; the caller polls the thread. */
	return 0;
}

PW_EXPORT int
spdk_thread_get_interrupt_fd(struct spdk_thread *thread)
{
	struct spdk_event_handler_opts opts;
	struct spdk_fd_group *fgrp;
	struct pw_waker *w;
	int rc;

	if (thread == NULL) {
		SPDK_ERRLOG("spdk_thread_get_interrupt_fd: NULL thread\n");
		return -EINVAL;
	}
	fgrp = thread_fgrp(thread, __func__);
	if (fgrp == NULL) {
		return -ENOMEM;
	}
	/* Messages must make the fd readable too: if no driver looks after the
	 * thread's wake-ups, give it a waker that fires on every send. */
	/* thread_fgrp() made the poller block. */
	if (thread->pl->own_waker == NULL && atomic_load(&thread->waker) == NULL) {
		rc = always_waker_get(&w);
		if (rc != 0) {
			return rc;
		}
		spdk_fd_group_get_default_event_handler_opts(&opts, sizeof(opts));
		opts.fd_type = SPDK_FD_TYPE_EVENTFD;
		rc = spdk_fd_group_add_ext(fgrp, w->efd, own_waker_handler, thread, "thread_messages",
					   &opts);
		if (rc != 0) {
			SPDK_ERRLOG("thread %s: cannot watch its message wake-ups: %s\n", thread->name,
				    spdk_strerror(-rc));
			always_waker_put(w);
			return rc;
		}
		thread->pl->own_waker = w;
		pw_thread_set_waker(thread, w);
		/* Messages queued before now would otherwise go unnoticed. */
		if (pw_thread_has_pending_messages(thread)) {
			pw_waker_wake(w);
		}
	}
	return spdk_fd_group_get_fd(fgrp);
}

int
pw__interrupts_run_own(struct spdk_thread *thread)
{
	int rc;

	/* Called only with an own waker, hence a poller block. A driver that
	 * attached its own waker (a reactor) nests the thread's group in its
	 * own and runs it; then there is nothing to do here. */
	if (atomic_load_explicit(&thread->waker, memory_order_relaxed) != thread->pl->own_waker) {
		return 0;
	}
	rc = spdk_fd_group_wait(thread->pl->fgrp, 0);
	return rc > 0 ? rc : 0;
}

void
pw__interrupts_rearm_own(struct spdk_thread *thread)
{
	struct pw_waker *w = thread->pl->own_waker;

	/* Only while no driver has put its own waker in place (see above). The
	 * seq_cst look at the queue pairs with the senders' claim as in a
	 * driver's last look before sleeping (pw__thread_waker_asleep()): a message
	 * claimed after it finds the fd to write itself (the own waker is
	 * always "asleep"). */
	if (atomic_load_explicit(&thread->waker, memory_order_relaxed) == w &&
	    pw__msgq_pending(thread)) {
		pw_waker_wake(w);
	}
}

void
pw__interrupts_fini(struct spdk_thread *thread)
{
	struct pw_pollers *pl = thread->pl;
	struct spdk_interrupt *intr;

	if (pl == NULL) {
		return;
	}
	while ((intr = TAILQ_FIRST(&pl->interrupts)) != NULL) {
		SPDK_WARNLOG("thread %s destroyed with interrupt %s (fd %d) still registered\n",
			     thread->name, intr->name, intr->efd);
		spdk_fd_group_remove(pl->fgrp, intr->efd);
		TAILQ_REMOVE(&pl->interrupts, intr, link);
		free(intr);
	}
	if (pl->own_waker != NULL) {
		if (atomic_load(&thread->waker) == pl->own_waker) {
			pw_thread_set_waker(thread, NULL);
		}
		spdk_fd_group_remove(pl->fgrp, pl->own_waker->efd);
		always_waker_put(pl->own_waker);
		pl->own_waker = NULL;
	}
	if (pl->fgrp != NULL) {
		spdk_fd_group_destroy(pl->fgrp);
		pl->fgrp = NULL;
	}
}

/* ---------------------------------------------------------------------------
 * Interrupt mode
 * ------------------------------------------------------------------------- */

PW_EXPORT int
spdk_interrupt_mode_enable(void)
{
	if (pw__thread_lib_initialized()) {
		SPDK_ERRLOG("spdk_interrupt_mode_enable: call it before the thread library is "
			    "initialised\n");
		return -EBUSY;
	}
	atomic_store(&g_interrupt_mode, true);
	SPDK_NOTICELOG("Set SPDK running in interrupt mode.\n");
	return 0;
}

void
pw__interrupts_lib_fini(void)
{
	struct pw_waker *w;

	atomic_store(&g_interrupt_mode, false);
	pthread_mutex_lock(&g_spare_wakers_lock);
	while ((w = g_spare_wakers) != NULL) {
		g_spare_wakers = w->spare_next;
		pw_waker_destroy(w);
	}
	pthread_mutex_unlock(&g_spare_wakers_lock);
}

PW_EXPORT bool
spdk_interrupt_mode_is_enabled(void)
{
	return atomic_load(&g_interrupt_mode);
}

PW_EXPORT void
spdk_thread_set_interrupt_mode(bool enable_interrupt)
{
	struct spdk_thread *thread = pw__tls_thread;

	if (thread == NULL) {
		SPDK_ERRLOG("spdk_thread_set_interrupt_mode: no current spdk_thread\n");
		return;
	}
	if (!spdk_interrupt_mode_is_enabled()) {
		SPDK_ERRLOG("spdk_thread_set_interrupt_mode: interrupt mode is not enabled "
			    "(spdk_interrupt_mode_enable())\n");
		return;
	}
	if (thread->in_interrupt == enable_interrupt) {
		return;
	}
	SPDK_INFOLOG(thread, "thread %s switches to %s mode\n", thread->name,
		     enable_interrupt ? "interrupt" : "poll");
	thread->in_interrupt = enable_interrupt;
	pw__pollers_set_interrupt_mode(thread, enable_interrupt);
}

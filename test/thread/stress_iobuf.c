/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Stress test of spdk_iobuf on real pthreads.
 *
 * buffers_cross_threads_with_one_owner_each: two pthreads, each polling its
 * own spdk_thread with an iobuf channel (small and large caches), get buffers
 * of both sizes with a wait-queue entry each, from pools small enough to run
 * dry, so gets also queue and are served by later puts. Of the buffers a
 * worker gets, it puts some back itself, later, and sends the others to the
 * other worker in a message; the receiver puts them on its own channel.
 * A worker that made no progress in a round aborts its oldest waiting entry
 * and asks again (a waiting entry is served only by a put on its own thread,
 * as in SPDK, so both could otherwise wait for each other).
 *
 * Every hand-over is checked twice:
 * - an ownership table (one atomic word per buffer): a get must find the
 *   buffer unowned (exchange 0 -> me), a message moves it (compare-exchange
 *   sender -> receiver), a put releases it (store 0, before the put);
 * - an owner pattern in the buffer (owner, sequence, length, check word at
 *   the start, a word at the end of the requested length), written by the
 *   owner and checked when it receives the buffer and before it puts it.
 * At the end every buffer is back in the pools and no entry is still
 * waiting. Stops after PW_STRESS_OPS gets per worker (default 1,000,000) or
 * 10 s x PW_STRESS_SECONDS (default 1) whichever first; both are reported.
 *
 * channel_init_racing_finish: one pthread initialises iobuf, registers a
 * module, waits until the other has opened a channel, and finishes, over and
 * over; the other opens and closes channels of that module all the while.
 * A channel_init must see iobuf either initialised (and then hold a channel
 * of the live iobuf device, which the finish waits for) or not (-ENODEV):
 * never the device already unregistered under it, whose undo path then
 * touched the module that the finish had freed meanwhile. Stops after 2000
 * cycles or 5 s x PW_STRESS_SECONDS, whichever first.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/thread.h"

#include "harness.h"
#include "ut_stress.h"
#include "log_capture.h"

#include "thread/iobuf_internal.h"

#include <stdatomic.h>

#define NWORKERS	2
#define SMALL		4096u
#define LARGE		16384u
#define SMALL_COUNT	256u
#define LARGE_COUNT	32u
#define NREQS		48	/* requests in flight per worker */
#define PAT_OFF		64	/* past the library's words of a free buffer */
#define PAT_MAGIC	0x6f776e6572ull	/* "owner" */

struct pattern {
	uint64_t	owner;		/* worker id + 1 */
	uint64_t	seq;
	uint64_t	len;
	uint64_t	check;		/* owner ^ seq ^ len ^ PAT_MAGIC */
};

struct worker;

struct req {
	struct spdk_iobuf_entry	entry;
	struct worker		*w;
	uint64_t		len;
	void			*buf;		/* held, to be put by this worker */
	bool			waiting;
	uint32_t		hold;		/* rounds left before the put */
};

struct worker {
	uint32_t		id;
	pthread_t		pthread;
	struct spdk_thread	*thread;
	struct spdk_iobuf_channel ch;
	struct req		reqs[NREQS];
	uint64_t		rng;
	uint64_t		seq;
	uint64_t		gets;		/* buffers obtained */
	uint64_t		queued;		/* gets that waited */
	uint64_t		aborts;
	uint64_t		sent, received;
	uint64_t		target;
	uint64_t		deadline;
};

static struct worker g_workers[NWORKERS];
static _Atomic uint64_t g_owner_small[SMALL_COUNT];
static _Atomic uint64_t g_owner_large[LARGE_COUNT];
static _Atomic uint32_t g_done;		/* workers done getting */
static _Atomic uint64_t g_in_flight;	/* buffers in messages */
/* Both channels are open (their caches filled) before either worker takes a
 * buffer: a worker that started early could leave too few for the other's
 * cache, and its channel_init would fail with -ENOMEM. */
static pthread_barrier_t g_opened;

static _Atomic uint64_t *
owner_word(void *buf, uint64_t len)
{
	const struct pw_iobuf_pool *pool = len <= SMALL ? &g_pw_iobuf_pools.small :
					   &g_pw_iobuf_pools.large;
	uintptr_t off = (uintptr_t)buf - pool->base;

	ASSERT_LT(off, pool->span);
	ASSERT_EQ(off % pool->bufsize, 0);
	return len <= SMALL ? &g_owner_small[off / pool->bufsize] :
	       &g_owner_large[off / pool->bufsize];
}

/* The last aligned word within the first len bytes. */
static uint64_t *
end_word(void *buf, uint64_t len)
{
	return (uint64_t *)((char *)buf + ((len - 8) & ~(uint64_t)7));
}

static void
write_pattern(struct worker *w, void *buf, uint64_t len, uint64_t seq)
{
	struct pattern *p = (struct pattern *)((char *)buf + PAT_OFF);

	p->owner = w->id + 1;
	p->seq = seq;
	p->len = len;
	p->check = p->owner ^ seq ^ len ^ PAT_MAGIC;
	*end_word(buf, len) = ~seq;
}

static void
check_pattern(void *buf, uint64_t owner)
{
	struct pattern *p = (struct pattern *)((char *)buf + PAT_OFF);

	ASSERT_EQ(p->owner, owner);
	ASSERT_EQ(p->check, p->owner ^ p->seq ^ p->len ^ PAT_MAGIC);
	ASSERT_EQ(*end_word(buf, p->len), ~p->seq);
}

/* A buffer obtained by w (directly or through its entry's callback). */
static void
got(struct req *r, void *buf)
{
	struct worker *w = r->w;
	uint64_t expected = 0;

	/* This exchange pairs with the release store of the previous owner's
	 * put_buf(): that owner was done with the buffer before it was free. */
	if (!atomic_compare_exchange_strong_explicit(owner_word(buf, r->len), &expected, w->id + 1,
			memory_order_acquire, memory_order_relaxed)) {
		FAIL("worker %u got buffer %p that worker %" PRIu64 " still owns",
		     w->id, buf, expected - 1);
	}
	ASSERT_EQ((uintptr_t)buf % 4096, 0);
	write_pattern(w, buf, r->len, ++w->seq);
	r->buf = buf;
	r->waiting = false;
	r->hold = (uint32_t)(rnd(&w->rng) % 4);
	w->gets++;
}

static void
got_cb(struct spdk_iobuf_entry *entry, void *buf)
{
	got(SPDK_CONTAINEROF(entry, struct req, entry), buf);
}

static void
put_buf(struct worker *w, void *buf, uint64_t len)
{
	check_pattern(buf, w->id + 1);
	/* Wipe the pattern so a second owner could not pass the check. */
	memset((char *)buf + PAT_OFF, 0, sizeof(struct pattern));
	/* Release store; pairs with the acquire exchange in got(). */
	atomic_store_explicit(owner_word(buf, len), 0, memory_order_release);
	spdk_iobuf_put(&w->ch, buf, len);
}

/* Message: a buffer handed over by the other worker. */
static void
receive(void *arg)
{
	struct worker *w = &g_workers[spdk_get_thread() == g_workers[0].thread ? 0 : 1];
	struct pattern *p = (struct pattern *)((char *)arg + PAT_OFF);
	uint64_t from = 2 - w->id;	/* the other worker's id + 1 */
	uint64_t len = p->len;
	uint64_t expected = from;

	check_pattern(arg, from);
	/* Acquire: pairs with the release exchange of the sender below. */
	if (!atomic_compare_exchange_strong_explicit(owner_word(arg, len), &expected, w->id + 1,
			memory_order_acquire, memory_order_relaxed)) {
		FAIL("worker %u received %p owned by %" PRIu64 ", not the sender", w->id, arg,
		     expected);
	}
	write_pattern(w, arg, len, ++w->seq);
	w->received++;
	put_buf(w, arg, len);
	/* Pairs with the increment before the send. */
	atomic_fetch_sub_explicit(&g_in_flight, 1, memory_order_acq_rel);
}

static void
send_buf(struct worker *w, struct req *r)
{
	struct worker *to = &g_workers[1 - w->id];

	check_pattern(r->buf, w->id + 1);
	atomic_fetch_add_explicit(&g_in_flight, 1, memory_order_acq_rel);
	/* The message itself orders the pattern; the table says the same. */
	atomic_store_explicit(owner_word(r->buf, r->len), w->id + 1, memory_order_release);
	ASSERT_EQ(spdk_thread_send_msg(to->thread, receive, r->buf), 0);
	w->sent++;
	r->buf = NULL;
}

/* One round: ask for a buffer on every idle request, hand over or put the
 * ones whose time has come. Returns whether anything happened. */
static bool
round_once(struct worker *w, bool getting)
{
	bool progress = false;
	void *buf;

	for (int i = 0; i < NREQS; i++) {
		struct req *r = &w->reqs[i];

		if (r->buf != NULL) {
			if (r->hold > 0) {
				r->hold--;
				continue;
			}
			/* No hand-over once done getting: the other worker may be
			 * on its way out. */
			if (getting && (rnd(&w->rng) & 1)) {
				send_buf(w, r);
			} else {
				put_buf(w, r->buf, r->len);
				r->buf = NULL;
			}
			progress = true;
		} else if (!r->waiting && getting && w->gets < w->target) {
			r->len = (rnd(&w->rng) & 3) == 0 ? SMALL + 1 + rnd(&w->rng) % (LARGE - SMALL) :
				 128 + rnd(&w->rng) % (SMALL - 128 + 1);
			buf = spdk_iobuf_get(&w->ch, r->len, &r->entry, got_cb);
			if (buf != NULL) {
				got(r, buf);
			} else {
				r->waiting = true;
				w->queued++;
			}
			progress = true;
		}
	}
	return progress;
}

/* Abort the first waiting request and ask again. */
static void
kick(struct worker *w)
{
	void *buf;

	for (int i = 0; i < NREQS; i++) {
		struct req *r = &w->reqs[i];

		if (r->waiting) {
			spdk_iobuf_entry_abort(&w->ch, &r->entry, r->len);
			w->aborts++;
			buf = spdk_iobuf_get(&w->ch, r->len, &r->entry, got_cb);
			if (buf != NULL) {
				got(r, buf);
			}
			return;
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	bool getting = true, progress;

	spdk_set_thread(w->thread);
	ASSERT_EQ(spdk_iobuf_channel_init(&w->ch, w->id ? "mod_b" : "mod_a", 16, 2), 0);
	for (int i = 0; i < NREQS; i++) {
		w->reqs[i].w = w;
	}
	pthread_barrier_wait(&g_opened);

	for (;;) {
		progress = spdk_thread_poll(w->thread, 0, 0) > 0;
		progress |= round_once(w, getting);
		if (getting && (w->gets >= w->target || now_ns() > w->deadline)) {
			getting = false;
			w->target = w->gets;
			/* No more gets: give up the waiting ones. */
			for (int i = 0; i < NREQS; i++) {
				if (w->reqs[i].waiting) {
					spdk_iobuf_entry_abort(&w->ch, &w->reqs[i].entry, w->reqs[i].len);
					w->reqs[i].waiting = false;
				}
			}
			atomic_fetch_add(&g_done, 1);
		}
		if (!getting) {
			bool holding = false;

			for (int i = 0; i < NREQS; i++) {
				holding |= w->reqs[i].buf != NULL;
			}
			if (!holding && atomic_load(&g_done) == NWORKERS &&
			    atomic_load(&g_in_flight) == 0) {
				break;
			}
		} else if (!progress) {
			kick(w);
		}
	}

	spdk_iobuf_channel_fini(&w->ch);
	ASSERT_EQ(spdk_thread_exit(w->thread), 0);
	while (!spdk_thread_is_exited(w->thread)) {
		spdk_thread_poll(w->thread, 0, 0);
	}
	spdk_set_thread(NULL);
	return NULL;
}

static bool g_finished;

static void
finished(void *arg)
{
	(void)arg;
	g_finished = true;
}

TEST_TIMEOUT(buffers_cross_threads_with_one_owner_each, 300)
{
	struct spdk_iobuf_opts opts = {
		.small_pool_count = SMALL_COUNT, .large_pool_count = LARGE_COUNT,
		.small_bufsize = SMALL, .large_bufsize = LARGE, .opts_size = sizeof(opts),
	};
	uint64_t ops = env_u64("PW_STRESS_OPS", 1000000);
	uint64_t deadline = now_ns() + env_u64("PW_STRESS_SECONDS", 1) * 10000000000ull;
	struct spdk_thread *app;
	uint64_t total_gets = 0, total_sent = 0;

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	app = spdk_thread_create("app", NULL);
	ASSERT_NOT_NULL(app);
	spdk_set_thread(app);
	ASSERT_EQ(spdk_iobuf_set_opts(&opts), 0);
	ASSERT_EQ(spdk_iobuf_initialize(), 0);
	ASSERT_EQ(spdk_iobuf_register_module("mod_a"), 0);
	ASSERT_EQ(spdk_iobuf_register_module("mod_b"), 0);

	for (uint32_t i = 0; i < NWORKERS; i++) {
		struct worker *w = &g_workers[i];
		char name[16];

		w->id = i;
		w->rng = 0x9e3779b97f4a7c15ull * (i + 1);
		w->target = ops;
		w->deadline = deadline;
		snprintf(name, sizeof(name), "worker%u", i);
		w->thread = spdk_thread_create(name, NULL);
		ASSERT_NOT_NULL(w->thread);
	}
	ASSERT_EQ(pthread_barrier_init(&g_opened, NULL, NWORKERS), 0);
	for (uint32_t i = 0; i < NWORKERS; i++) {
		ASSERT_EQ(pthread_create(&g_workers[i].pthread, NULL, worker_main, &g_workers[i]), 0);
	}
	for (uint32_t i = 0; i < NWORKERS; i++) {
		struct worker *w = &g_workers[i];

		ASSERT_EQ(pthread_join(w->pthread, NULL), 0);
		printf("worker %u: %" PRIu64 " gets (%" PRIu64 " waited, %" PRIu64 " aborted and "
		       "asked again), %" PRIu64 " handed over, %" PRIu64 " received\n", i, w->gets,
		       w->queued, w->aborts, w->sent, w->received);
		total_gets += w->gets;
		total_sent += w->sent;
		spdk_thread_destroy(w->thread);
	}
	ASSERT_EQ(pthread_barrier_destroy(&g_opened), 0);
	ASSERT_EQ(g_workers[0].sent, g_workers[1].received);
	ASSERT_EQ(g_workers[1].sent, g_workers[0].received);
	ASSERT_GT(g_workers[0].queued + g_workers[1].queued, 0);
	ASSERT_GT(total_sent, 0);

	/* Every buffer is back in its pool, and nobody owns one. */
	ASSERT_EQ(spdk_ring_count(g_pw_iobuf_pools.small.ring), SMALL_COUNT);
	ASSERT_EQ(spdk_ring_count(g_pw_iobuf_pools.large.ring), LARGE_COUNT);
	for (uint32_t i = 0; i < SMALL_COUNT; i++) {
		ASSERT_EQ(atomic_load(&g_owner_small[i]), 0);
	}
	for (uint32_t i = 0; i < LARGE_COUNT; i++) {
		ASSERT_EQ(atomic_load(&g_owner_large[i]), 0);
	}

	log_capture_start();
	spdk_iobuf_finish(finished, NULL);
	while (!g_finished) {
		spdk_thread_poll(app, 0, 0);
	}
	ASSERT_EQ(log_capture_count(SPDK_LOG_ERROR), 0);
	log_capture_stop();
	printf("buffers_cross_threads_with_one_owner_each: %" PRIu64 " gets + as many puts, %"
	       PRIu64 " hand-overs\n", total_gets, total_sent);

	ASSERT_EQ(spdk_thread_exit(app), 0);
	while (!spdk_thread_is_exited(app)) {
		spdk_thread_poll(app, 0, 0);
	}
	spdk_thread_destroy(app);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
}

/* ---------------------------------------------------------------------------
 * channel_init racing spdk_iobuf_finish()
 * ------------------------------------------------------------------------- */

#define RACE_CYCLES	2000u

static _Atomic bool g_race_done;
static _Atomic uint64_t g_race_opened;		/* channels opened by the user */
static _Atomic uint64_t g_race_half_finished;	/* channel_init saw the device gone */
static _Atomic uint64_t g_race_other_errors;

/* A log sink on both pthreads: counts what tells that a channel_init ran
 * into a half-finished iobuf, and fails on any error nobody expects. */
__attribute__((format(printf, 5, 0))) static void
race_log(int level, const char *file, const int line, const char *func, const char *format,
	 va_list args)
{
	(void)file;
	(void)line;
	(void)func;
	(void)args;
	if (level != SPDK_LOG_ERROR) {
		return;
	}
	if (strstr(format, "is not registered") != NULL ||
	    strstr(format, "no iobuf io_channel") != NULL) {
		atomic_fetch_add(&g_race_half_finished, 1);
	} else if (strstr(format, "iobuf is not initialised") == NULL &&
		   strstr(format, "no iobuf module") == NULL) {
		atomic_fetch_add(&g_race_other_errors, 1);
	}
}

/* The user: opens a channel, takes and gives back a buffer of each size,
 * closes it; again and again until the owner is done. */
static void *
race_user(void *arg)
{
	struct spdk_thread *thread = arg;
	struct spdk_iobuf_channel ch;
	void *small, *large;
	int rc;

	spdk_set_thread(thread);
	while (!atomic_load(&g_race_done)) {
		rc = spdk_iobuf_channel_init(&ch, "race", 1, 1);
		if (rc == 0) {
			small = spdk_iobuf_get(&ch, SMALL, NULL, NULL);
			large = spdk_iobuf_get(&ch, LARGE, NULL, NULL);
			ASSERT_NOT_NULL(small);
			ASSERT_NOT_NULL(large);
			spdk_iobuf_put(&ch, small, SMALL);
			spdk_iobuf_put(&ch, large, LARGE);
			spdk_iobuf_channel_fini(&ch);
			atomic_fetch_add(&g_race_opened, 1);
		} else if (rc != -ENODEV) {
			FAIL("spdk_iobuf_channel_init: %d (only 0 or -ENODEV expected)", rc);
		}
		spdk_thread_poll(thread, 0, 0);
	}
	ASSERT_EQ(spdk_thread_exit(thread), 0);
	while (!spdk_thread_is_exited(thread)) {
		spdk_thread_poll(thread, 0, 0);
	}
	spdk_set_thread(NULL);
	return NULL;
}

static void
race_finished(void *arg)
{
	*(bool *)arg = true;
}

TEST_TIMEOUT(channel_init_racing_finish, 300)
{
	struct spdk_iobuf_opts opts = {
		.small_pool_count = 64, .large_pool_count = 8,
		.small_bufsize = SMALL, .large_bufsize = LARGE, .opts_size = sizeof(opts),
	};
	uint64_t deadline = now_ns() + env_u64("PW_STRESS_SECONDS", 1) * 5000000000ull;
	struct spdk_thread *owner, *user;
	pthread_t user_pthread;
	uint32_t cycles = 0;
	bool finished;

	ASSERT_EQ(spdk_thread_lib_init(NULL, 0), 0);
	owner = spdk_thread_create("owner", NULL);
	user = spdk_thread_create("user", NULL);
	ASSERT_NOT_NULL(owner);
	ASSERT_NOT_NULL(user);
	spdk_set_thread(owner);
	ASSERT_EQ(spdk_iobuf_set_opts(&opts), 0);
	spdk_log_open(race_log);
	ASSERT_EQ(pthread_create(&user_pthread, NULL, race_user, user), 0);

	while (cycles < RACE_CYCLES && now_ns() < deadline) {
		uint64_t opened = atomic_load(&g_race_opened);

		ASSERT_EQ(spdk_iobuf_initialize(), 0);
		ASSERT_EQ(spdk_iobuf_register_module("race"), 0);
		/* Let the user in once, so that the finish below meets it at
		 * any point of its loop. */
		while (atomic_load(&g_race_opened) == opened) {
			spdk_thread_poll(owner, 0, 0);
		}
		finished = false;
		spdk_iobuf_finish(race_finished, &finished);
		while (!finished) {
			spdk_thread_poll(owner, 0, 0);
		}
		cycles++;
	}
	atomic_store(&g_race_done, true);
	ASSERT_EQ(pthread_join(user_pthread, NULL), 0);
	spdk_log_close();
	printf("channel_init_racing_finish: %u initialize/finish cycles, %" PRIu64
	       " channels opened, %" PRIu64 " saw a half-finished iobuf\n", cycles,
	       atomic_load(&g_race_opened), atomic_load(&g_race_half_finished));
	ASSERT_EQ(atomic_load(&g_race_half_finished), 0);
	ASSERT_EQ(atomic_load(&g_race_other_errors), 0);
	ASSERT_GT(cycles, 0);

	spdk_thread_destroy(user);
	ASSERT_EQ(spdk_thread_exit(owner), 0);
	while (!spdk_thread_is_exited(owner)) {
		spdk_thread_poll(owner, 0, 0);
	}
	spdk_thread_destroy(owner);
	spdk_set_thread(NULL);
	spdk_thread_lib_fini();
}

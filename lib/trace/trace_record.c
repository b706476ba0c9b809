/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * The record path: _spdk_trace_record() writes one record into the calling
 * pthread's ring. Once the ring exists it takes no lock, makes no system
 * call and writes no line another pthread writes: it reads the generation
 * (a line only init/cleanup write), the tracepoint's description (written
 * at registration), and writes its own ring and the ring's header.
 *
 * A pthread's first record (in each generation) makes its ring, under the
 * trace lock, and fills it once so its pages are mapped before use (no page
 * fault on the record path later).
 *
 * A pthread that exits leaves its ring (and records) for the exporter, marked
 * exited by a pthread-key destructor. Once SPDK_TRACE_MAX_LCORE rings exist,
 * a new pthread takes over the oldest exited ring (its records are given up)
 * rather than dropping all its own; only when every ring's pthread lives are
 * records dropped. The ring keeps counting its indices (so a walker that
 * copied the old owner's records sees them overwritten, as by a wrap) and
 * its base says where the new owner's records begin.
 *
 * Layout, as SPDK's: the head entry holds tsc, tpoint_id, owner_id, size,
 * object_id and the first 8 bytes of the arguments; the rest follow in
 * continuation entries (tpoint_id = SPDK_TRACE_MAX_TPOINT_ID, 22 data bytes
 * each). Each argument takes its described size; an INT/PTR of 4 bytes is
 * stored in 4 bytes, a STR is cut to its size (NUL included) and padded with
 * zeros. The words are composed in registers for a little-endian machine
 * (SPDK's own targets).
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/likely.h"
#include "spdk/log.h"
#include "spdk/trace.h"
#include "spdk/util.h"

#include "common/pw_common.h"
#include "trace_internal.h"

#include <sys/syscall.h>

SPDK_STATIC_ASSERT(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
		   "the record path composes SPDK's entry layout for little endian");

static __thread struct pw__trace_ring *t_ring;
static __thread uint64_t t_ring_gen;

static pthread_key_t g_exit_key;
static pthread_once_t g_exit_key_once = PTHREAD_ONCE_INIT;
static int g_exit_key_rc;

/* The pthread-key destructor: the calling pthread exits. Its ring is marked
 * exited if it is still in the current list (a retired ring may be freed
 * already: only its address is compared). A record made later in this
 * pthread's exit (another destructor) makes a new ring, or takes one over. */
static void
ring_exit(void *arg)
{
	struct pw__trace_ring *r;

	pthread_mutex_lock(&g_pw__trace_lock);
	TAILQ_FOREACH(r, &g_pw__trace_rings, link) {
		if (r == arg) {
			r->exited = true;
			break;
		}
	}
	pthread_mutex_unlock(&g_pw__trace_lock);
	t_ring = NULL;
	t_ring_gen = 0;
}

static void
exit_key_create(void)
{
	g_exit_key_rc = pthread_key_create(&g_exit_key, ring_exit);
}

/* Under g_pw__trace_lock: give the oldest exited ring to the calling pthread. */
static struct pw__trace_ring *
ring_take_over(void)
{
	struct pw__trace_ring *r;

	TAILQ_FOREACH(r, &g_pw__trace_rings, link) {
		if (r->exited) {
			break;
		}
	}
	if (r == NULL) {
		return NULL;
	}
	/* Last in the list, so the next take-over picks the next oldest. */
	TAILQ_REMOVE(&g_pw__trace_rings, r, link);
	TAILQ_INSERT_TAIL(&g_pw__trace_rings, r, link);
	r->exited = false;
	/* The owner exited: nothing writes next now (its last store was
	 * before its exit, which the lock orders before us). */
	r->base = __atomic_load_n(&r->next, __ATOMIC_RELAXED);
	r->info.tid = (uint32_t)syscall(SYS_gettid);
	if (pthread_getname_np(pthread_self(), r->info.name, sizeof(r->info.name)) != 0) {
		snprintf(r->info.name, sizeof(r->info.name), "tid %u", r->info.tid);
	}
	r->info.lcore = spdk_env_get_current_core();
	return r;
}

static struct pw__trace_ring *
ring_create(uint64_t num_entries, uint32_t index)
{
	struct pw__trace_ring *ring;
	size_t bytes = num_entries * PW_TRACE_ENTRY_SIZE;

	if (posix_memalign((void **)&ring, 64, sizeof(*ring)) != 0) {
		return NULL;
	}
	memset(ring, 0, sizeof(*ring));
	if (posix_memalign((void **)&ring->words, 64, bytes) != 0) {
		free(ring);
		return NULL;
	}
	/* Map every page now rather than on the record path. */
	memset(ring->words, 0, bytes);
	ring->mask = num_entries - 1;
	ring->info.tid = (uint32_t)syscall(SYS_gettid);
	if (pthread_getname_np(pthread_self(), ring->info.name, sizeof(ring->info.name)) != 0) {
		snprintf(ring->info.name, sizeof(ring->info.name), "tid %u", ring->info.tid);
	}
	ring->info.lcore = spdk_env_get_current_core();
	ring->info.index = index;
	ring->info.num_entries = num_entries;
	return ring;
}

/* The calling pthread's ring of the current generation, made if needed; NULL
 * when tracing is off or no ring can be made (the record is dropped). */
static struct pw__trace_ring *
ring_get_slow(void)
{
	struct pw__trace_ring *ring, *r;
	uint32_t count = 0;
	uint64_t gen;

	pthread_mutex_lock(&g_pw__trace_lock);
	gen = g_pw__trace_gen;
	if ((gen & 1) == 0) {
		pthread_mutex_unlock(&g_pw__trace_lock);
		pw__trace_count_dropped();
		return NULL;
	}
	pthread_once(&g_exit_key_once, exit_key_create);
	TAILQ_FOREACH(r, &g_pw__trace_rings, link) {
		count++;
	}
	if (count >= SPDK_TRACE_MAX_LCORE) {
		ring = ring_take_over();
		if (ring == NULL) {
			pthread_mutex_unlock(&g_pw__trace_lock);
			SPDK_ERRLOG_RATELIMIT("trace: %d live pthreads record already: record "
					      "dropped\n", SPDK_TRACE_MAX_LCORE);
			pw__trace_count_dropped();
			return NULL;
		}
	} else {
		ring = ring_create(g_pw__trace_num_entries, count);
		if (ring == NULL) {
			pthread_mutex_unlock(&g_pw__trace_lock);
			SPDK_ERRLOG_RATELIMIT("trace: no memory for a ring of %" PRIu64 " entries: "
					      "record dropped\n", g_pw__trace_num_entries);
			pw__trace_count_dropped();
			return NULL;
		}
		TAILQ_INSERT_TAIL(&g_pw__trace_rings, ring, link);
	}
	/* Without the key (pthread_key_create failed) the ring is never marked
	 * exited, so never taken over. */
	if (g_exit_key_rc == 0) {
		(void)pthread_setspecific(g_exit_key, ring);
	}
	pthread_mutex_unlock(&g_pw__trace_lock);
	t_ring = ring;
	t_ring_gen = gen;
	return ring;
}

int
pw__trace_ring_get(void)
{
	if (t_ring != NULL && t_ring_gen == __atomic_load_n(&g_pw__trace_gen, __ATOMIC_ACQUIRE)) {
		return 0;
	}
	return ring_get_slow() != NULL ? 0 : -ENOMEM;
}

static void __attribute__((noinline, cold))
refuse(uint16_t tpoint_id, int num_args, uint64_t ring_entries)
{
	struct pw__trace_desc *d;

	pw__trace_count_dropped();
	if (tpoint_id >= SPDK_TRACE_MAX_TPOINT_ID) {
		SPDK_ERRLOG_RATELIMIT("trace record dropped: tracepoint id %u is not below %d\n",
				      tpoint_id, SPDK_TRACE_MAX_TPOINT_ID);
		return;
	}
	d = &g_pw__trace_descs[tpoint_id];
	/* Once per tracepoint and generation: a misused tracepoint is usually
	 * hit often. Relaxed: the flag guards a log line only. */
	if (__atomic_exchange_n(&d->warned, true, __ATOMIC_RELAXED)) {
		return;
	}
	if (!d->registered) {
		SPDK_ERRLOG("trace record dropped: tracepoint %u (group %u, tracepoint %u) is not "
			    "registered\n", tpoint_id, tpoint_id / 64, tpoint_id % 64);
	} else if (d->tp.num_args != num_args) {
		SPDK_ERRLOG("trace record dropped: tracepoint '%s' takes %u arguments, %d given\n",
			    d->tp.name, d->tp.num_args, num_args);
	} else {
		SPDK_ERRLOG("trace record dropped: tracepoint '%s' takes %u entries, the ring has "
			    "%" PRIu64 "\n", d->tp.name, d->entries, ring_entries);
	}
}

static inline void
store_words(struct pw__trace_ring *ring, uint64_t index, uint64_t w0, uint64_t w1, uint64_t w2,
	    uint64_t w3)
{
	uint64_t *dst = &ring->words[(index & ring->mask) * 4];

	/* Release stores (plain moves on x86): each pairs with the acquire load
	 * of the same word by a reader (load_entry() in trace_walk.c), which then
	 * sees the reserve index stored before them. */
	__atomic_store_n(&dst[0], w0, __ATOMIC_RELEASE);
	__atomic_store_n(&dst[1], w1, __ATOMIC_RELEASE);
	__atomic_store_n(&dst[2], w2, __ATOMIC_RELEASE);
	__atomic_store_n(&dst[3], w3, __ATOMIC_RELEASE);
}

/* The 8 bytes of the argument stream at byte offset \p o (little endian). */
static inline uint64_t
stream_word(const uint64_t *s, uint32_t o)
{
	uint32_t w = o / 8, b = o % 8;

	return b == 0 ? s[w] : (s[w] >> (8 * b)) | (s[w + 1] << (64 - 8 * b));
}

PW_EXPORT void
_spdk_trace_record(uint64_t tsc, uint16_t tpoint_id, uint16_t owner_id, uint32_t size,
		   uint64_t object_id, int num_args, ...)
{
	struct pw__trace_ring *ring = t_ring;
	const struct pw__trace_desc *d;
	/* The arguments laid end to end, as the entries carry them; whole
	 * 8-byte words are written and read (never a narrower store read back
	 * wider, which stalls store forwarding), plus room for the last word
	 * read by stream_word(). */
	uint64_t stream[(SPDK_TRACE_MAX_ARGS_COUNT * 255 + 8 + 22) / 8 + 2];
	uint64_t start, k, v;
	uint32_t i, off, words, base;
	const char *str;
	va_list ap;

	/* Relaxed: the ring was tagged with this generation by this pthread;
	 * a change (cleanup) only has to be noticed. Pairs with the release
	 * stores of init/cleanup. */
	if (spdk_unlikely(ring == NULL ||
			  t_ring_gen != __atomic_load_n(&g_pw__trace_gen, __ATOMIC_RELAXED))) {
		ring = ring_get_slow();
		if (ring == NULL) {
			return;
		}
	}
	if (spdk_unlikely(tpoint_id >= SPDK_TRACE_MAX_TPOINT_ID)) {
		refuse(tpoint_id, num_args, 0);
		return;
	}
	d = &g_pw__trace_descs[tpoint_id];
	if (spdk_unlikely(!d->registered || d->tp.num_args != num_args ||
			  d->entries > ring->mask + 1)) {
		refuse(tpoint_id, num_args, ring->mask + 1);
		return;
	}
	if (tsc == 0) {
		tsc = spdk_get_ticks();
	}

	/* Zero the words the entries will read, then lay the arguments out. */
	words = (8 + (d->entries - 1u) * (PW_TRACE_ENTRY_SIZE - PW_TRACE_CONT_DATA_OFF)) / 8 + 2;
	for (i = 0; i < words; i++) {
		stream[i] = 0;
	}
	va_start(ap, num_args);
	for (i = 0, off = 0; i < d->tp.num_args; off += d->tp.args[i].size, i++) {
		const struct spdk_trace_argument *a = &d->tp.args[i];

		if (a->type == SPDK_TRACE_ARG_TYPE_STR) {
			str = va_arg(ap, const char *);
			if (str != NULL) {
				/* Cut to its size, NUL included (the rest stays zero). */
				memcpy((uint8_t *)stream + off, str, strnlen(str, a->size - 1u));
			}
		} else if (a->size == 8) {
			v = va_arg(ap, uint64_t);
			if (off % 8 == 0) {
				stream[off / 8] = v;
			} else {
				memcpy((uint8_t *)stream + off, &v, 8);
			}
		} else {
			uint32_t v32 = va_arg(ap, uint32_t);

			memcpy((uint8_t *)stream + off, &v32, 4);
		}
	}
	va_end(ap);

	start = ring->next;
	/* Relaxed: published by the release stores of the words below (a reader
	 * that sees any of them sees this reserve). */
	__atomic_store_n(&ring->reserve, start + d->entries, __ATOMIC_RELAXED);

	/* SPDK's layout, little endian: tpoint_id, owner_id, size share a word. */
	store_words(ring, start, tsc,
		    (uint64_t)tpoint_id | ((uint64_t)owner_id << 16) | ((uint64_t)size << 32),
		    object_id, stream[0]);
	for (k = 1; k < d->entries; k++) {
		/* A continuation: tsc, SPDK_TRACE_MAX_TPOINT_ID, 22 bytes. */
		base = 8 + (uint32_t)(k - 1) * (PW_TRACE_ENTRY_SIZE - PW_TRACE_CONT_DATA_OFF);
		store_words(ring, start + k, tsc,
			    (uint64_t)SPDK_TRACE_MAX_TPOINT_ID | (stream_word(stream, base) << 16),
			    stream_word(stream, base + 6), stream_word(stream, base + 14));
	}

	/* Release: pairs with the acquire load of next by readers
	 * (pw_trace_foreach_entry), which then see the whole record. */
	__atomic_store_n(&ring->next, start + d->entries, __ATOMIC_RELEASE);
}

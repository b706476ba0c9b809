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
 * Layout, as SPDK's: the head entry holds tsc, tpoint_id, owner_id, size,
 * object_id and the first 8 bytes of the arguments; the rest follow in
 * continuation entries (tpoint_id = SPDK_TRACE_MAX_TPOINT_ID, 22 data bytes
 * each). Each argument takes its described size; an INT/PTR of 4 bytes is
 * stored in 4 bytes, a STR is cut to its size (NUL included) and padded with
 * zeros.
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

/* One entry being built: bytes for the layout, words for the stores. */
union entry_buf {
	uint8_t		b[PW_TRACE_ENTRY_SIZE];
	uint64_t	w[PW_TRACE_ENTRY_SIZE / 8];
};

/* The tpoint_id of a continuation entry. */
static const uint16_t g_cont_id = SPDK_TRACE_MAX_TPOINT_ID;

static __thread struct pw__trace_ring *t_ring;
static __thread uint64_t t_ring_gen;

static struct pw__trace_ring *
ring_create(uint64_t num_entries, uint32_t index)
{
	struct pw__trace_ring *ring;
	size_t bytes = num_entries * PW_TRACE_ENTRY_SIZE;

	ring = calloc(1, sizeof(*ring));
	if (ring == NULL) {
		return NULL;
	}
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
	TAILQ_FOREACH(r, &g_pw__trace_rings, link) {
		count++;
	}
	if (count >= SPDK_TRACE_MAX_LCORE) {
		pthread_mutex_unlock(&g_pw__trace_lock);
		SPDK_ERRLOG_RATELIMIT("trace: %d pthreads record already: record dropped\n",
				      SPDK_TRACE_MAX_LCORE);
		pw__trace_count_dropped();
		return NULL;
	}
	ring = ring_create(g_pw__trace_num_entries, count);
	if (ring == NULL) {
		pthread_mutex_unlock(&g_pw__trace_lock);
		SPDK_ERRLOG_RATELIMIT("trace: no memory for a ring of %" PRIu64 " entries: "
				      "record dropped\n", g_pw__trace_num_entries);
		pw__trace_count_dropped();
		return NULL;
	}
	TAILQ_INSERT_TAIL(&g_pw__trace_rings, ring, link);
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
store_entry(struct pw__trace_ring *ring, uint64_t index, const union entry_buf *e)
{
	uint64_t *dst = &ring->words[(index & ring->mask) * 4];

	/* Relaxed word stores: ordered for readers by the release fence before
	 * them and the release store of next after them. */
	__atomic_store_n(&dst[0], e->w[0], __ATOMIC_RELAXED);
	__atomic_store_n(&dst[1], e->w[1], __ATOMIC_RELAXED);
	__atomic_store_n(&dst[2], e->w[2], __ATOMIC_RELAXED);
	__atomic_store_n(&dst[3], e->w[3], __ATOMIC_RELAXED);
}

PW_EXPORT void
_spdk_trace_record(uint64_t tsc, uint16_t tpoint_id, uint16_t owner_id, uint32_t size,
		   uint64_t object_id, int num_args, ...)
{
	struct pw__trace_ring *ring = t_ring;
	const struct pw__trace_desc *d;
	union entry_buf e;
	struct spdk_trace_entry head;
	uint64_t start, n = 0, intval;
	const uint8_t *val;
	uint32_t off, i, argoff, len, chunk;
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

	start = ring->next;
	/* Relaxed store, then a release fence: a reader that sees any word
	 * stored below sees this reserve after its acquire fence. */
	__atomic_store_n(&ring->reserve, start + d->entries, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);

	head.tsc = tsc;
	head.tpoint_id = tpoint_id;
	head.owner_id = owner_id;
	head.size = size;
	head.object_id = object_id;
	memset(head.args, 0, sizeof(head.args));
	memcpy(e.b, &head, sizeof(head));
	off = PW_TRACE_HEAD_ARGS_OFF;

	va_start(ap, num_args);
	for (i = 0; i < d->tp.num_args; i++) {
		const struct spdk_trace_argument *a = &d->tp.args[i];

		if (a->type == SPDK_TRACE_ARG_TYPE_STR) {
			val = va_arg(ap, const uint8_t *);
			if (val == NULL) {
				val = (const uint8_t *)"";
			}
			len = (uint32_t)strnlen((const char *)val, a->size - 1u);
		} else {
			if (a->size == 8) {
				intval = va_arg(ap, uint64_t);
			} else {
				intval = va_arg(ap, uint32_t);
			}
			val = (const uint8_t *)&intval;
			len = a->size;
		}
		for (argoff = 0; argoff < a->size; argoff += chunk) {
			if (off == PW_TRACE_ENTRY_SIZE) {
				store_entry(ring, start + n, &e);
				n++;
				memset(&e, 0, sizeof(e));
				e.w[0] = tsc;
				memcpy(&e.b[offsetof(struct spdk_trace_entry_buffer, tpoint_id)],
				       &g_cont_id, sizeof(g_cont_id));
				off = PW_TRACE_CONT_DATA_OFF;
			}
			chunk = spdk_min(PW_TRACE_ENTRY_SIZE - off, (uint32_t)a->size - argoff);
			if (argoff < len) {
				memcpy(&e.b[off], val + argoff, spdk_min(chunk, len - argoff));
			}
			off += chunk;
		}
	}
	va_end(ap);
	store_entry(ring, start + n, &e);

	/* Release: pairs with the acquire load of next by readers
	 * (pw_trace_foreach_entry), which then see the whole record. */
	__atomic_store_n(&ring->next, start + n + 1, __ATOMIC_RELEASE);
}

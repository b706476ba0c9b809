/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * pw_trace_foreach_entry(): every record of every ring, decoded.
 *
 * A ring is read from its oldest live entry to the last published one. Its
 * writer may go on meanwhile: each record is copied with word loads, then
 * checked against the ring's reserve index (see struct pw__trace_ring) and
 * thrown away if the writer may have reached its slots during the copy.
 * Continuation entries whose head was overwritten are skipped.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"
#include "spdk/trace.h"

#include "common/pw_common.h"
#include "trace_internal.h"

/* The bytes of one record's arguments, at most 8 x 255. */
#define ARG_BYTES	(SPDK_TRACE_MAX_ARGS_COUNT * 255)

struct walk {
	uint64_t		words[PW_TRACE_MAX_RECORD_ENTRIES * 4];
	uint8_t			args[ARG_BYTES + PW_TRACE_ENTRY_SIZE];
	struct pw_trace_entry	entry;
};

static void
load_entry(const struct pw__trace_ring *ring, uint64_t index, uint64_t *dst)
{
	const uint64_t *src = &ring->words[(index & ring->mask) * 4];
	int w;

	for (w = 0; w < 4; w++) {
		/* Acquire: pairs with the writer's release store of the word, so
		 * first_intact() then sees the reserve of any record copied here. */
		dst[w] = __atomic_load_n(&src[w], __ATOMIC_ACQUIRE);
	}
}

/* The first index whose slot the writer has not reached (yet) again. */
static uint64_t
first_intact(const struct pw__trace_ring *ring)
{
	uint64_t reserve;

	/* Relaxed: ordered after the copy by the acquire loads of load_entry();
	 * any word copied that a newer record wrote makes that record's reserve
	 * (stored before the word) seen here. */
	reserve = __atomic_load_n(&ring->reserve, __ATOMIC_RELAXED);
	return reserve > ring->mask + 1 ? reserve - (ring->mask + 1) : 0;
}

/* Decode the copied record of \p d into w->entry. */
static void
decode(struct walk *w, const struct pw__trace_desc *d)
{
	struct spdk_trace_entry head;
	uint32_t n = 0, e, i, off;
	uint64_t v;

	memcpy(&head, w->words, sizeof(head));
	memcpy(w->args, head.args, sizeof(head.args));
	n = sizeof(head.args);
	for (e = 1; e < d->entries; e++) {
		memcpy(&w->args[n], (const uint8_t *)&w->words[e * 4] + PW_TRACE_CONT_DATA_OFF,
		       PW_TRACE_ENTRY_SIZE - PW_TRACE_CONT_DATA_OFF);
		n += PW_TRACE_ENTRY_SIZE - PW_TRACE_CONT_DATA_OFF;
	}
	memset(&w->entry, 0, sizeof(w->entry));
	w->entry.tsc = head.tsc;
	w->entry.tpoint_id = head.tpoint_id;
	w->entry.owner_id = head.owner_id;
	w->entry.size = head.size;
	w->entry.object_id = head.object_id;
	w->entry.tpoint = &d->tp;
	w->entry.num_args = d->tp.num_args;
	for (i = 0, off = 0; i < d->tp.num_args; off += d->tp.args[i].size, i++) {
		if (d->tp.args[i].type == SPDK_TRACE_ARG_TYPE_STR) {
			w->args[off + d->tp.args[i].size - 1] = '\0';
			w->entry.args[i].string = (const char *)&w->args[off];
		} else if (d->tp.args[i].size == 8) {
			memcpy(&v, &w->args[off], 8);
			w->entry.args[i].integer = v;
		} else {
			uint32_t v32;

			memcpy(&v32, &w->args[off], 4);
			w->entry.args[i].integer = v32;
		}
	}
}

/* A ring as it was when the walk began: its owner's info, where the owner's
 * records begin and end (copied under the lock: a ring taken over by a new
 * pthread changes owner under it). */
struct ring_copy {
	struct pw__trace_ring		*ring;
	struct pw_trace_ring_info	info;
	uint64_t			base;
	uint64_t			end;
};

static int
walk_ring(struct ring_copy *c, struct walk *w, uint64_t clear_tsc,
	  pw_trace_entry_fn fn, void *ctx)
{
	struct pw__trace_ring *ring = c->ring;
	struct pw_trace_ring_info info = c->info;
	const struct pw__trace_desc *d;
	struct spdk_trace_entry head;
	uint64_t end = c->end, i, k, intact;
	int rc;

	info.written = end - c->base;
	info.lost = info.written > ring->mask + 1 ? info.written - (ring->mask + 1) : 0;
	i = c->base + info.lost;
	while (i < end) {
		load_entry(ring, i, w->words);
		memcpy(&head, w->words, sizeof(head));
		if (head.tpoint_id >= SPDK_TRACE_MAX_TPOINT_ID ||
		    !g_pw__trace_descs[head.tpoint_id].registered) {
			/* A continuation whose head is gone (or torn data). */
			i++;
			continue;
		}
		d = &g_pw__trace_descs[head.tpoint_id];
		if (i + d->entries > end) {
			break;
		}
		for (k = 1; k < d->entries; k++) {
			load_entry(ring, i + k, &w->words[k * 4]);
		}
		intact = first_intact(ring);
		if (i < intact) {
			/* The writer overtook the copy: start again where it is intact. */
			i = intact;
			continue;
		}
		if (head.tsc >= clear_tsc) {
			decode(w, d);
			rc = fn(&info, &w->entry, ctx);
			if (rc != 0) {
				return rc;
			}
		}
		i += d->entries;
	}
	return 0;
}

PW_EXPORT int
pw_trace_foreach_entry(pw_trace_entry_fn fn, void *ctx)
{
	struct ring_copy *rings = NULL;
	struct pw__trace_ring *r;
	struct walk *w;
	size_t count = 0, i;
	int rc = 0;

	if (fn == NULL) {
		SPDK_ERRLOG("pw_trace_foreach_entry: NULL function\n");
		return -EINVAL;
	}
	if (!pw__trace_on()) {
		return -ENOENT;
	}
	w = malloc(sizeof(*w));
	if (w == NULL) {
		SPDK_ERRLOG("pw_trace_foreach_entry: no memory\n");
		return -ENOMEM;
	}
	/* Walk a copy of the list: fn runs without the lock (rings live until
	 * the next init, so the pointers stay valid). */
	pthread_mutex_lock(&g_pw__trace_lock);
	TAILQ_FOREACH(r, &g_pw__trace_rings, link) {
		count++;
	}
	if (count > 0) {
		rings = calloc(count, sizeof(*rings));
	}
	if (rings == NULL && count > 0) {
		pthread_mutex_unlock(&g_pw__trace_lock);
		free(w);
		SPDK_ERRLOG("pw_trace_foreach_entry: no memory\n");
		return -ENOMEM;
	}
	i = 0;
	TAILQ_FOREACH(r, &g_pw__trace_rings, link) {
		rings[i].ring = r;
		rings[i].info = r->info;
		rings[i].base = r->base;
		/* Acquire: pairs with the release store of next by the writer. */
		rings[i].end = __atomic_load_n(&r->next, __ATOMIC_ACQUIRE);
		i++;
	}
	pthread_mutex_unlock(&g_pw__trace_lock);

	for (i = 0; i < count && rc == 0; i++) {
		rc = walk_ring(&rings[i], w, pw__trace_clear_tsc(), fn, ctx);
	}
	free(rings);
	free(w);
	return rc;
}

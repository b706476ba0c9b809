/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Private interface of the trace layer (tests may include it).
 *
 * State: the trace is initialised while g_trace_gen is odd. spdk_trace_init()
 * and spdk_trace_cleanup() each add one, so a pthread's ring (tagged with the
 * generation it was made in) is known stale after a cleanup without touching
 * it. Registrations (descriptions, owner types, objects, owners, names) are
 * made while the trace is initialised and forgotten by the cleanup.
 */

#ifndef PW_TRACE_INTERNAL_H
#define PW_TRACE_INTERNAL_H

#include "spdk/stdinc.h"
#include "spdk/queue.h"
#include "spdk/trace.h"
#include "pinwheel/trace.h"

/* Owner ids, as SPDK: 16 Ki of them, ids below 256 never handed out. */
#define PW_TRACE_NUM_OWNERS		(16 * 1024)
#define PW_TRACE_OWNER_ID_FIRST		256
#define PW_TRACE_OWNER_DESC_SIZE	119

/* Byte offsets inside a 32-byte entry: where a head entry's arguments start,
 * where a continuation entry's data starts. */
#define PW_TRACE_HEAD_ARGS_OFF		24
#define PW_TRACE_CONT_DATA_OFF		10
#define PW_TRACE_ENTRY_SIZE		32

/* The most entries one record can take: 8 arguments of 255 bytes. */
#define PW_TRACE_MAX_RECORD_ENTRIES \
	(1 + (SPDK_TRACE_MAX_ARGS_COUNT * 255 + PW_TRACE_ENTRY_SIZE - PW_TRACE_CONT_DATA_OFF - 1) / \
	 (PW_TRACE_ENTRY_SIZE - PW_TRACE_CONT_DATA_OFF))

/* The description of a tracepoint, as the record path reads it. */
struct pw__trace_desc {
	struct spdk_trace_tpoint tp;
	bool		registered;
	uint8_t		entries;	/* entries one record takes */
	bool		warned;		/* misuse logged once (atomic exchange) */
};

/* Indexed by tracepoint id; written by registration (under the init
 * contract), read by the record path and by readers. */
extern struct pw__trace_desc g_pw__trace_descs[SPDK_TRACE_MAX_TPOINT_ID];

/* Odd while initialised (see above). Written by init/cleanup with release
 * stores, read with acquire loads by slow paths and relaxed by the record
 * path (which only compares it with its own ring's tag). */
extern uint64_t g_pw__trace_gen;

static inline bool
pw__trace_on(void)
{
	/* Acquire: pairs with the release store of spdk_trace_init(), so the
	 * caller sees what init set up. */
	return (__atomic_load_n(&g_pw__trace_gen, __ATOMIC_ACQUIRE) & 1) != 0;
}

/* A pthread's ring: num_entries entries of 32 bytes, stored as 4 words each
 * so that writer and readers use word-sized atomics (relaxed) and a reader
 * racing the writer sees torn records only in slots it then discards.
 *
 * The writer (the owning pthread, alone) stores reserve = the index its
 * record will reach, the record's words with release stores, then next with a
 * release store. A reader loads next (acquire), copies with acquire loads,
 * then loads reserve: every slot of an index below reserve - num_entries may
 * have been overwritten during the copy and is thrown away. */
struct pw__trace_ring {
	uint64_t		next;		/* entries published (owner writes) */
	uint64_t		reserve;	/* entries being written (owner writes) */
	uint64_t		mask;		/* num_entries - 1 */
	uint64_t		*words;		/* 4 words per entry */
	/* Under g_pw__trace_lock: the index of the owner's first record (not 0
	 * when the ring was taken over from an exited pthread), whether the
	 * owner exited, and the owner's info (readers copy them under the lock). */
	uint64_t		base;
	bool			exited;
	struct pw_trace_ring_info info;		/* tid, name, lcore, index, size */
	TAILQ_ENTRY(pw__trace_ring) link;	/* under g_pw__trace_lock */
} __attribute__((aligned(64)));	/* whole lines: no two pthreads' headers share one */
TAILQ_HEAD(pw__trace_ring_list, pw__trace_ring);

/* Guards the ring list and the changes of g_pw__trace_gen. */
extern pthread_mutex_t g_pw__trace_lock;
/* Every ring of this generation, in order of creation (under the lock). */
extern struct pw__trace_ring_list g_pw__trace_rings;
/* Entries of each new ring (set by init). */
extern uint64_t g_pw__trace_num_entries;

/* trace_register.c: reset every description, owner type and object type. */
void pw__trace_register_reset(void);
/* trace_register.c: run the registration functions, lowest group id first. */
void pw__trace_register_run(void);
/* trace_register.c: the description of a tracepoint, or NULL if unregistered. */
const struct spdk_trace_tpoint *pw__trace_get_tpoint(uint16_t tpoint_id);

/* trace_owner.c: set up / free the owner table. */
int pw__trace_owner_init(void);
void pw__trace_owner_fini(void);

/* trace_name.c: forget every name. */
void pw__trace_name_fini(void);

/* trace_mask.c: disable every tracepoint. */
void pw__trace_mask_reset(void);

/* trace_record.c: make sure the calling pthread has its ring: 0, or -ENOMEM
 * (tracing off, too many rings, no memory). */
int pw__trace_ring_get(void);

/* trace.c: the tsc set by spdk_trace_clear(). */
uint64_t pw__trace_clear_tsc(void);
/* trace.c: count a refused record. */
void pw__trace_count_dropped(void);

#endif /* PW_TRACE_INTERNAL_H */

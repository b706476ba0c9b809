/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Pinwheel's additions to spdk/trace.h: the group of Pinwheel's own
 * tracepoints, inline tests for hot paths, a walk over every recorded entry
 * (for exporters), and names for the ids recorded in arguments.
 */

#ifndef PINWHEEL_TRACE_H
#define PINWHEEL_TRACE_H

#include "spdk/stdinc.h"
#include "spdk/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The group of Pinwheel's own tracepoints, named "pinwheel" (free in SPDK,
 * whose groups use 0x1-0x12). */
#define PW_TRACE_GROUP_PINWHEEL  0x13

/**
 * Whether any tracepoint of \p group is enabled: one relaxed load of the
 * group's mask word. For hot paths:
 * `if (spdk_unlikely(pw_trace_group_on(G))) { cold_record(...); }`.
 * Any pthread.
 *
 * \param group A group id; out of range answers false.
 * \return true when the group's mask is not 0.
 */
static inline bool
pw_trace_group_on(uint32_t group)
{
	/* Relaxed: the mask is a flag with no data behind it; it pairs with the
	 * atomic or/and of spdk_trace_set_tpoints()/_clear_tpoints(). */
	return group < SPDK_TRACE_MAX_GROUP_ID &&
	       __atomic_load_n(&pw_trace_g_masks.tpoint_mask[group], __ATOMIC_RELAXED) != 0;
}

/**
 * Whether tracepoint \p tpoint_id (SPDK_TPOINT_ID(group, n)) is enabled.
 * Any pthread.
 *
 * \param tpoint_id The tracepoint; out of range answers false.
 * \return true when its bit is set in its group's mask.
 */
static inline bool
pw_trace_tpoint_on(uint16_t tpoint_id)
{
	/* Relaxed: as pw_trace_group_on(). */
	return tpoint_id < SPDK_TRACE_MAX_TPOINT_ID &&
	       ((__atomic_load_n(&pw_trace_g_masks.tpoint_mask[tpoint_id >> 6],
				 __ATOMIC_RELAXED) >> (tpoint_id & 0x3F)) & 1) != 0;
}

/** The pthread a ring belongs to, as pw_trace_foreach_entry() reports it. */
struct pw_trace_ring_info {
	uint32_t	tid;		/**< its Linux thread id */
	char		name[SPDK_TRACE_THREAD_NAME_LEN]; /**< its name when the ring was made */
	uint32_t	lcore;		/**< its lcore if a reactor (pinned) pthread, else UINT32_MAX */
	uint32_t	index;		/**< the ring's number, 0, 1, ... in order of creation
					     (kept when a new pthread takes the ring over) */
	uint64_t	num_entries;	/**< the ring's size in entries */
	uint64_t	written;	/**< entries this pthread wrote since spdk_trace_init() */
	uint64_t	lost;		/**< entries overwritten by newer ones */
};

/** A union for one decoded argument of a record. */
union pw_trace_arg {
	uint64_t	integer;	/**< an INT or PTR argument, zero-extended */
	const char	*string;	/**< a STR argument, NUL-terminated */
};

/** One record, decoded (its head entry and its continuation entries). */
struct pw_trace_entry {
	uint64_t	tsc;		/**< spdk_get_ticks() when recorded */
	uint16_t	tpoint_id;	/**< the tracepoint */
	uint16_t	owner_id;	/**< the owner id recorded */
	uint32_t	size;		/**< the size recorded */
	uint64_t	object_id;	/**< the object id recorded */
	/** The tracepoint's description (name, argument names and types). */
	const struct spdk_trace_tpoint *tpoint;
	uint8_t		num_args;	/**< = tpoint->num_args */
	union pw_trace_arg args[SPDK_TRACE_MAX_ARGS_COUNT]; /**< the arguments */
};

/**
 * Called for each record by pw_trace_foreach_entry(). The pointers are valid
 * during the call only.
 *
 * \return 0 to go on; anything else stops the walk and is returned by it.
 */
typedef int (*pw_trace_entry_fn)(const struct pw_trace_ring_info *ring,
				 const struct pw_trace_entry *entry, void *ctx);

/**
 * Walk every record of every pthread's ring: ring by ring in order of
 * creation, oldest record first within a ring. A pthread's ring and records
 * outlive the pthread, but once SPDK_TRACE_MAX_LCORE rings exist a newly
 * recording pthread takes over the ring of the pthread that exited longest
 * ago (that ring then comes last, with the new pthread's info and records
 * only); records are dropped only when every ring's pthread still lives. Records older than the last
 * spdk_trace_clear() are skipped, and so are entries whose record was partly
 * overwritten.
 *
 * Meant for after the recording pthreads stopped (exact); from any pthread
 * while they record, it is a best-effort snapshot: it sees what was complete
 * when it read each ring's index and skips what was overwritten meanwhile.
 * Not to be called concurrently with spdk_trace_init()/spdk_trace_cleanup().
 *
 * \param fn Called for each record; must not record tracepoints itself (its
 * own records would go to its pthread's ring, which may be the one walked).
 * \param ctx Passed to \p fn.
 * \return 0 after the whole walk, \p fn's non-zero answer if it stopped it,
 * -EINVAL when \p fn is NULL, -ENOENT when tracing is not initialised.
 */
int pw_trace_foreach_entry(pw_trace_entry_fn fn, void *ctx);

/**
 * Name an id recorded in arguments (a thread id, a poller id...), for
 * exporters. Called rarely (thread creation, poller registration), only while
 * tracing is initialised; any pthread. A later name for the same (kind, id)
 * replaces the earlier one. Nothing is done when tracing is not initialised,
 * \p name is NULL, or memory ran out (logged).
 *
 * \param kind A small number of the caller's choosing (one per kind of id).
 * \param id The id.
 * \param name The name; copied (up to 63 characters kept).
 */
void pw_trace_name(uint32_t kind, uint64_t id, const char *name);

/**
 * The name given to (kind, id) by pw_trace_name(). Any pthread.
 *
 * \return the latest name, valid until spdk_trace_cleanup(); NULL when none
 * was given (or tracing is not initialised).
 */
const char *pw_trace_name_lookup(uint32_t kind, uint64_t id);

/**
 * The description of a registered tracepoint (its name, owner and object
 * types, arguments). Any pthread.
 *
 * \param tpoint_id The tracepoint.
 * \return the description, valid until spdk_trace_cleanup(); NULL when the
 * tracepoint is not registered, out of range, or tracing is not initialised.
 */
const struct spdk_trace_tpoint *pw_trace_get_tpoint(uint16_t tpoint_id);

/**
 * Ticks per second of the recorded tsc (spdk_get_ticks_hz()).
 *
 * \return the rate.
 */
uint64_t pw_trace_ticks_hz(void);

/**
 * The name the trace was initialised with (spdk_trace_init()'s shm_name).
 *
 * \return the name ("" when NULL was given), or NULL when tracing is not
 * initialised.
 */
const char *pw_trace_get_name(void);

/**
 * Whether spdk_trace_init() succeeded and spdk_trace_cleanup() has not ended
 * it since. Any pthread.
 */
bool pw_trace_is_initialized(void);

/**
 * Copy the description and type of a registered owner.
 *
 * \param owner_id The owner.
 * \param type Where to store its owner type; may be NULL.
 * \param buf Where to copy its description (truncated, NUL-terminated).
 * \param len Size of \p buf.
 * \return 0 on success; -EINVAL when \p buf is NULL or \p len is 0;
 * -ENOENT when \p owner_id is not a registered owner or tracing is not
 * initialised.
 */
int pw_trace_owner_get(uint16_t owner_id, uint8_t *type, char *buf, size_t len);

/**
 * What the trace lost or refused since spdk_trace_init(), for reports.
 */
struct pw_trace_stats {
	uint64_t	rings;		/**< rings made (one per recording pthread) */
	uint64_t	written;	/**< entries written, every ring */
	uint64_t	lost;		/**< entries overwritten by newer ones */
	uint64_t	dropped;	/**< records refused: unregistered tracepoint,
					     wrong argument count, no ring */
};

/**
 * Fill \p stats. Any pthread; a snapshot while pthreads record.
 *
 * \return 0, or -EINVAL when \p stats is NULL.
 */
int pw_trace_get_stats(struct pw_trace_stats *stats);

/**
 * Write what the rings hold as a Chrome trace event file (JSON object form,
 * for Perfetto, chrome://tracing and scripts/pinwheel-trace): one track per
 * reactor (tid = its lcore) and per other pthread that recorded (tid 1000 +
 * k), nested spans for thread slices and the messages, pollers and events run
 * in them, flow arrows from each spdk_thread_send_msg() to the run of its
 * message, instants for placements, moves, sleeps, wake-ups, thread life and
 * app start/stop; ts in microseconds from the first record (doc/trace.md).
 * Spans cut by a ring's overwrite, or still open, are dropped or closed, so
 * the file is always well formed. Exact once nothing records any more (after
 * the reactors stopped); otherwise a snapshot, from any pthread (the one
 * calling records nothing meanwhile). Written to "<path>.tmp", then renamed.
 *
 * \param path The file to write (replaced).
 * \return 0 on success; -EINVAL when \p path is NULL or empty;
 * -ENAMETOOLONG; -ENOENT when tracing is not initialised; -ENOMEM; or the
 * negative errno of creating or writing the file.
 */
int pw_trace_write_chrome(const char *path);

#ifdef __cplusplus
}
#endif

#endif /* PINWHEEL_TRACE_H */

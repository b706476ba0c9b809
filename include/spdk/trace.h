/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Tracepoints: named events recorded with a timestamp and a few arguments
 * into per-pthread ring buffers.
 *
 * The model is SPDK's. Tracepoints are grouped: a tracepoint id is
 * SPDK_TPOINT_ID(group, n), with up to 64 tracepoints per group and
 * SPDK_TRACE_MAX_GROUP_ID groups. A library describes its group with
 * SPDK_TRACE_REGISTER_FN(); spdk_trace_init() runs every such function (in
 * the order of their group ids), which registers owner types, object types and
 * the description of each tracepoint (its name and its arguments). A
 * tracepoint records only while its bit is set in its group's mask
 * (spdk_trace_set_tpoints(), spdk_trace_enable_tpoint_group(), the app's
 * `-e` option); a disabled tracepoint costs one load and one branch.
 *
 * Where Pinwheel differs from SPDK: records live in the process's memory, one
 * ring per recording pthread (created on that pthread's first record), not in
 * a shared-memory file; any pthread may record, not only reactors and
 * registered user threads. SPDK's `spdk_trace` decoder therefore cannot read
 * them: pinwheel/trace.h walks them and exports them. The layout of SPDK's
 * shared-memory file (struct spdk_trace_file, its sections, g_trace_file and
 * struct spdk_trace_history) is not provided.
 */

#ifndef SPDK_TRACE_H
#define SPDK_TRACE_H

#include "spdk/stdinc.h"
#include "spdk/assert.h"
#include "spdk/likely.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Prefix of the name SPDK gives the trace's shared-memory file; Pinwheel
 * creates no file and uses the name only to name the trace. */
#define SPDK_TRACE_SHM_NAME_BASE "_trace."
/** Default number of entries of each pthread's ring. */
#define SPDK_DEFAULT_NUM_TRACE_ENTRIES	(32 * 1024)

/** One entry of a ring: the head of a record. A record whose arguments take
 * more than the 8 bytes of \p args continues in the following entries, each
 * read as struct spdk_trace_entry_buffer. */
struct spdk_trace_entry {
	uint64_t	tsc;		/**< spdk_get_ticks() when recorded */
	uint16_t	tpoint_id;	/**< SPDK_TPOINT_ID(group, n) */
	uint16_t	owner_id;	/**< from spdk_trace_register_owner(), or 0 */
	uint32_t	size;		/**< the size argument of the record */
	uint64_t	object_id;	/**< the object argument of the record */
	uint8_t		args[8];	/**< the first 8 bytes of the arguments */
};

/** A continuation entry: \p tpoint_id is SPDK_TRACE_MAX_TPOINT_ID and \p data
 * holds the next 22 bytes of the record's arguments. */
struct spdk_trace_entry_buffer {
	uint64_t	tsc;		/**< the tsc of the record's head */
	uint16_t	tpoint_id;	/**< SPDK_TRACE_MAX_TPOINT_ID */
	uint8_t		data[22];	/**< argument bytes */
};

SPDK_STATIC_ASSERT(sizeof(struct spdk_trace_entry_buffer) == sizeof(struct spdk_trace_entry),
		   "a continuation entry has the size of an entry");

/** Number of owner types (the type is a uint8_t). */
#define SPDK_TRACE_MAX_OWNER_TYPE (UCHAR_MAX + 1)

/** An owner type, as registered by spdk_trace_register_owner_type(). */
struct spdk_trace_owner_type {
	uint8_t	type;		/**< the type, never OWNER_TYPE_NONE once registered */
	char	id_prefix;	/**< the letter that prefixes its ids in a decoder */
};

/** An owner, as registered by spdk_trace_register_owner(). */
struct spdk_trace_owner {
	uint64_t	tsc;		/**< when registered */
	uint8_t		type;		/**< its owner type */
	char		description[];	/**< NUL-terminated text */
} __attribute__((packed));

/** Number of object types (the type is a uint8_t). */
#define SPDK_TRACE_MAX_OBJECT (UCHAR_MAX + 1)

/** An object type, as registered by spdk_trace_register_object(). */
struct spdk_trace_object {
	uint8_t	type;		/**< the type, never OBJECT_NONE once registered */
	char	id_prefix;	/**< the letter that prefixes its ids in a decoder */
};

/** Length of a pthread's name in the trace, NUL included. */
#define	SPDK_TRACE_THREAD_NAME_LEN 16
/** Number of tracepoint groups; group ids are 0 to SPDK_TRACE_MAX_GROUP_ID - 1. */
#define SPDK_TRACE_MAX_GROUP_ID  20
/** Number of tracepoint ids (64 per group). */
#define SPDK_TRACE_MAX_TPOINT_ID (SPDK_TRACE_MAX_GROUP_ID * 64)
/** The id of tracepoint \p tpoint (0-63) of group \p group. */
#define SPDK_TPOINT_ID(group, tpoint)	(((group) * 64) + (tpoint))

/** An integer argument, 4 or 8 bytes. */
#define SPDK_TRACE_ARG_TYPE_INT 0
/** A pointer argument, 4 or 8 bytes. */
#define SPDK_TRACE_ARG_TYPE_PTR 1
/** A string argument of a fixed size in the record (truncated, NUL-terminated). */
#define SPDK_TRACE_ARG_TYPE_STR 2

/** Most arguments a tracepoint may have. */
#define SPDK_TRACE_MAX_ARGS_COUNT 8
/** Most relations a tracepoint may have (spdk_trace_tpoint_register_relation()). */
#define SPDK_TRACE_MAX_RELATIONS 16

/** The description of one argument of a tracepoint. */
struct spdk_trace_argument {
	char	name[14];	/**< NUL-terminated, truncated */
	uint8_t	type;		/**< SPDK_TRACE_ARG_TYPE_* */
	uint8_t	size;		/**< bytes it takes in the record */
};

/** The description of a tracepoint, as registered. */
struct spdk_trace_tpoint {
	char				name[24];	/**< NUL-terminated, truncated */
	uint16_t			tpoint_id;	/**< its id */
	uint8_t				owner_type;	/**< OWNER_TYPE_NONE or a registered type */
	uint8_t				object_type;	/**< OBJECT_NONE or a registered type */
	uint8_t				new_object;	/**< 1 when it starts an object's life */
	uint8_t				num_args;	/**< arguments it takes */
	struct spdk_trace_argument	args[SPDK_TRACE_MAX_ARGS_COUNT]; /**< their descriptions */
	/** Objects whose id one of its arguments carries. */
	struct {
		uint8_t object_type;	/**< the object type */
		uint8_t arg_index;	/**< the argument holding its id */
	} related_objects[SPDK_TRACE_MAX_RELATIONS];
};

/** Most lcores (and user threads) SPDK's trace knows. */
#define SPDK_TRACE_MAX_LCORE		1024

/**
 * The tracepoint masks, one word per group: bit n of tpoint_mask[g] enables
 * SPDK_TPOINT_ID(g, n). Pinwheel's own; read by spdk_trace_tpoint_enabled()
 * and pw_trace_group_on() with relaxed atomic loads; written only through
 * spdk_trace_set_tpoints() and friends (never write it directly).
 */
struct pw_trace_masks {
	uint64_t tpoint_mask[SPDK_TRACE_MAX_GROUP_ID]; /**< per group */
};
/** The process's tracepoint masks (see struct pw_trace_masks). */
extern struct pw_trace_masks pw_trace_g_masks;

/**
 * Record a tracepoint (use spdk_trace_record() / spdk_trace_record_tsc(),
 * which test the mask first and count the arguments).
 *
 * Any pthread may call it. The record goes to the calling pthread's ring
 * (created on its first record). It is dropped, never crashing, when tracing
 * is not initialised (or was cleaned up), when \p tpoint_id is out of range or
 * not registered, or when \p num_args is not the tracepoint's number of
 * arguments (the last three are logged once per tracepoint).
 *
 * \param tsc Timestamp, or 0 for spdk_get_ticks() now.
 * \param tpoint_id The tracepoint.
 * \param owner_id An owner id, or 0.
 * \param size A size, recorded as is.
 * \param object_id An object id, recorded as is.
 * \param num_args Number of arguments that follow: each a uint64_t (or a
 * uint32_t for a 4-byte INT/PTR argument) or, for a STR argument, a
 * `const char *`, in the order of the description.
 */
void _spdk_trace_record(uint64_t tsc, uint16_t tpoint_id, uint16_t owner_id,
			uint32_t size, uint64_t object_id, int num_args, ...);

/** True (unlikely) when tracepoint \p tpoint_id records: a relaxed load of
 * its group's mask word and a test. */
#define spdk_trace_tpoint_enabled(tpoint_id)					\
	spdk_unlikely((uint32_t)(tpoint_id) < SPDK_TRACE_MAX_TPOINT_ID &&	\
		      ((__atomic_load_n(&pw_trace_g_masks.tpoint_mask[(uint32_t)(tpoint_id) >> 6], \
					__ATOMIC_RELAXED) >> ((tpoint_id) & 0x3F)) & 1))

#define _spdk_trace_record_tsc(tsc, tpoint_id, owner_id, size, object_id, num_args, ...)	\
	do {											\
		if (!spdk_trace_tpoint_enabled(tpoint_id)) {					\
			break;									\
		}										\
		_spdk_trace_record(tsc, tpoint_id, owner_id, size, object_id,			\
				   num_args, ## __VA_ARGS__);					\
	} while (0)

/** The number of its arguments (0 to 8). */
#define spdk_trace_num_args(...) _spdk_trace_num_args(, ## __VA_ARGS__)
#define _spdk_trace_num_args(...) __spdk_trace_num_args(__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define __spdk_trace_num_args(v, a1, a2, a3, a4, a5, a6, a7, a8, count, ...) count

/**
 * Record tracepoint \p tpoint_id with timestamp \p tsc, if it is enabled.
 *
 * The arguments after \p object_id must match the tracepoint's description:
 * as many as it has, in its order, INT/PTR as integers (64-bit for 8-byte
 * arguments), STR as `const char *`. A record that does not match is dropped
 * and logged (see _spdk_trace_record()). Any pthread may record.
 */
#define spdk_trace_record_tsc(tsc, tpoint_id, owner_id, size, object_id, ...)	\
	_spdk_trace_record_tsc(tsc, tpoint_id, owner_id, size, object_id,	\
			       spdk_trace_num_args(__VA_ARGS__), ## __VA_ARGS__)

/**
 * Record tracepoint \p tpoint_id now (spdk_get_ticks()), if it is enabled.
 * See spdk_trace_record_tsc().
 */
#define spdk_trace_record(tpoint_id, owner_id, size, object_id, ...) \
	spdk_trace_record_tsc(0, tpoint_id, owner_id, size, object_id, ## __VA_ARGS__)

/**
 * The tracepoint mask of a group. Any pthread may call it.
 *
 * \param group_id The group.
 * \return its mask; 0 when tracing is not initialised, or when \p group_id
 * is out of range (logged).
 */
uint64_t spdk_trace_get_tpoint_mask(uint32_t group_id);

/**
 * Enable the tracepoints of \p tpoint_mask in group \p group_id (the others
 * keep their state). Any pthread may call it; recording pthreads see the
 * change at their next record. Logged and ignored when tracing is not
 * initialised or \p group_id is out of range.
 *
 * \param group_id The group.
 * \param tpoint_mask Bit n enables SPDK_TPOINT_ID(group_id, n).
 */
void spdk_trace_set_tpoints(uint32_t group_id, uint64_t tpoint_mask);

/**
 * Disable the tracepoints of \p tpoint_mask in group \p group_id. As
 * spdk_trace_set_tpoints().
 *
 * \param group_id The group.
 * \param tpoint_mask Bit n disables SPDK_TPOINT_ID(group_id, n).
 */
void spdk_trace_clear_tpoints(uint32_t group_id, uint64_t tpoint_mask);

/**
 * The groups that have at least one tracepoint enabled. Any pthread.
 *
 * \return bit g set when group g has a non-zero mask.
 */
uint64_t spdk_trace_get_tpoint_group_mask(void);

/**
 * Enable every tracepoint of each group whose bit is set in
 * \p tpoint_group_mask. Logged and ignored when tracing is not initialised.
 *
 * \param tpoint_group_mask Bit g selects group g (bits of groups out of
 * range are ignored).
 */
void spdk_trace_set_tpoint_group_mask(uint64_t tpoint_group_mask);

/**
 * Disable every tracepoint of each group whose bit is set in
 * \p tpoint_group_mask. As spdk_trace_set_tpoint_group_mask().
 *
 * \param tpoint_group_mask Bit g selects group g.
 */
void spdk_trace_clear_tpoint_group_mask(uint64_t tpoint_group_mask);

/**
 * Initialise tracing: run every registration function
 * (SPDK_TRACE_REGISTER_FN) in the order of their group ids. Every tracepoint
 * starts disabled. No shared-memory file is created: \p shm_name only names
 * the trace (spdk_trace_get_info-style answers show it). Call it from one
 * pthread, while no other pthread uses the trace library.
 *
 * \param shm_name Name of the trace; copied; may be NULL (an empty name).
 * \param num_entries Entries of each pthread's ring, a power of 2; 0 leaves
 * tracing off and returns 0, as SPDK does.
 * \param num_threads User threads SPDK reserves histories for; Pinwheel gives
 * any pthread a ring, so it is only checked to be below SPDK_TRACE_MAX_LCORE.
 * \return 0 on success; -EINVAL when \p num_entries is not a power of 2 or
 * \p num_threads is too large; -EBUSY when tracing is already initialised;
 * -ENOMEM when memory ran out. Every error is logged.
 */
int spdk_trace_init(const char *shm_name, uint64_t num_entries, uint32_t num_threads);

/**
 * Give the calling pthread its ring now instead of on its first record.
 *
 * \return 0 on success; -ENOMEM when tracing is not initialised or memory
 * ran out; -EINVAL on a reactor pthread (an lcore records already, as in SPDK).
 */
int spdk_trace_register_user_thread(void);

/**
 * Counterpart of spdk_trace_register_user_thread(). The pthread's ring and its
 * records are kept until spdk_trace_cleanup().
 *
 * \return 0 on success; -ENOMEM when tracing is not initialised; -EINVAL on a
 * reactor pthread.
 */
int spdk_trace_unregister_user_thread(void);

/**
 * End tracing: disable every tracepoint, forget every registration, and free
 * every ring. Call it once the recording pthreads stopped (the app calls it
 * after its reactors stopped); a record arriving afterwards is dropped. A
 * record racing with this call may still write into a ring being retired: the
 * memory stays valid until the next spdk_trace_init(), so it never crashes.
 * Does nothing when tracing is not initialised.
 */
void spdk_trace_cleanup(void);

/**
 * Forget what was recorded so far: entries older than now are skipped by
 * readers (pw_trace_foreach_entry()). Logged and ignored when tracing is not
 * initialised.
 */
void spdk_trace_clear(void);

/** The owner id meaning "no owner". */
#define OWNER_ID_NONE 0
/** The owner type meaning "no owner type". */
#define OWNER_TYPE_NONE 0
/** The object type meaning "no object". */
#define OBJECT_NONE 0

/**
 * Register an owner type. Called from a registration function. Logged and
 * refused when tracing is not initialised, \p type is OWNER_TYPE_NONE or it
 * is registered already.
 *
 * \param type The type.
 * \param id_prefix The letter prefixing its owners' ids in a decoder.
 */
void spdk_trace_register_owner_type(uint8_t type, char id_prefix);

/**
 * Register an owner (a thread, a poller, a channel...) and get its id. Any
 * pthread may call it.
 *
 * \param owner_type Its owner type.
 * \param description Text, copied and truncated to 118 characters; NULL is
 * taken as "".
 * \return its id (256 or more), or 0 (OWNER_ID_NONE) when tracing is not
 * initialised or every id is taken.
 */
uint16_t spdk_trace_register_owner(uint8_t owner_type, const char *description);

/**
 * Replace the description of an owner. Ignored when tracing is not
 * initialised or \p owner_id is not a registered owner (logged).
 *
 * \param owner_id The owner.
 * \param description New text, copied; NULL is taken as "".
 */
void spdk_trace_owner_set_description(uint16_t owner_id, const char *description);

/**
 * Append a space and \p description to an owner's description (truncated).
 * OWNER_ID_NONE is accepted and ignored. Otherwise as
 * spdk_trace_owner_set_description().
 *
 * \param owner_id The owner.
 * \param description Text to append, copied.
 */
void spdk_trace_owner_append_description(uint16_t owner_id, const char *description);

/**
 * Give an owner id back. OWNER_ID_NONE is accepted and ignored; an id not
 * registered is logged and ignored.
 *
 * \param owner_id The owner.
 */
void spdk_trace_unregister_owner(uint16_t owner_id);

/**
 * Register an object type. As spdk_trace_register_owner_type().
 *
 * \param type The type (not OBJECT_NONE).
 * \param id_prefix The letter prefixing its objects' ids in a decoder.
 */
void spdk_trace_register_object(uint8_t type, char id_prefix);

/**
 * Register a tracepoint with at most one 8-byte argument. As
 * spdk_trace_register_description_ext() with one entry.
 *
 * \param name Its name (up to 23 characters kept).
 * \param tpoint_id Its id.
 * \param owner_type Its owner type or OWNER_TYPE_NONE.
 * \param object_type Its object type or OBJECT_NONE.
 * \param new_object 1 when it starts an object's life.
 * \param arg1_type SPDK_TRACE_ARG_TYPE_* of its argument.
 * \param arg1_name Name of its argument; NULL or "" for no argument.
 */
void spdk_trace_register_description(const char *name, uint16_t tpoint_id, uint8_t owner_type,
				     uint8_t object_type, uint8_t new_object,
				     uint8_t arg1_type, const char *arg1_name);

/** The description of a tracepoint for spdk_trace_register_description_ext(). */
struct spdk_trace_tpoint_opts {
	const char	*name;		/**< its name (up to 23 characters kept) */
	uint16_t	tpoint_id;	/**< its id */
	uint8_t		owner_type;	/**< OWNER_TYPE_NONE or a registered type */
	uint8_t		object_type;	/**< OBJECT_NONE or a registered type */
	uint8_t		new_object;	/**< 1 when it starts an object's life */
	/** Its arguments, up to the first with a NULL or empty name. */
	struct {
		const char	*name;	/**< up to 13 characters kept */
		uint8_t		type;	/**< SPDK_TRACE_ARG_TYPE_* */
		uint8_t		size;	/**< INT/PTR: 4 or 8; STR: 1 or more */
	} args[SPDK_TRACE_MAX_ARGS_COUNT];
};

/**
 * Register tracepoints. Called from a registration function (or after
 * spdk_trace_init()). Each description is checked: a NULL or empty name, an
 * id out of range, an id registered already, or an argument of a bad type or
 * size is logged and that tracepoint is not registered (the others are).
 *
 * \param opts The descriptions; copied.
 * \param num_opts How many.
 */
void spdk_trace_register_description_ext(const struct spdk_trace_tpoint_opts *opts,
		size_t num_opts);

/** The first registration function (lowest group id), or NULL. */
struct spdk_trace_register_fn *spdk_trace_get_first_register_fn(void);

/** The registration function after \p register_fn, or NULL. */
struct spdk_trace_register_fn *spdk_trace_get_next_register_fn(struct spdk_trace_register_fn
		*register_fn);

/**
 * Say that argument \p arg_index of tracepoint \p tpoint_id carries the id of
 * an object of type \p object_type. Logged and ignored when tracing is not
 * initialised, an id or index is out of range, or the tracepoint has
 * SPDK_TRACE_MAX_RELATIONS relations already.
 *
 * \param tpoint_id The tracepoint (it may be registered later).
 * \param object_type The object type (not OBJECT_NONE).
 * \param arg_index The argument.
 */
void spdk_trace_tpoint_register_relation(uint16_t tpoint_id, uint8_t object_type,
		uint8_t arg_index);

/**
 * Enable every tracepoint of a group. Any pthread.
 *
 * \param group_name A group's name, or "all" for every registered group.
 * \return 0 on success, -1 when tracing is not initialised or no group has
 * that name (SPDK's code).
 */
int spdk_trace_enable_tpoint_group(const char *group_name);

/**
 * Disable every tracepoint of a group. As spdk_trace_enable_tpoint_group().
 *
 * \param group_name A group's name, or "all".
 * \return 0 on success, -1 when tracing is not initialised or no group has
 * that name.
 */
int spdk_trace_disable_tpoint_group(const char *group_name);

/**
 * Print the usage of the option that sets tracepoint groups (the app's `-e`),
 * listing every registered group.
 *
 * \param f Where to print.
 * \param tmask_arg The option's short form, e.g. "-e".
 */
void spdk_trace_mask_usage(FILE *f, const char *tmask_arg);

/**
 * The group mask of a group name.
 *
 * \param group_name A group's name, or "all".
 * \return bit g for group g (every registered group for "all"), or 0 when no
 * group has that name (or it is NULL).
 */
uint64_t spdk_trace_create_tpoint_group_mask(const char *group_name);

/**
 * The mask of one tracepoint of a group, by its name.
 *
 * \param group_id The group.
 * \param tpoint_name The tracepoint's name, case-insensitive.
 * \return the tracepoint's bit in its group's mask, or 0 when tracing is not
 * initialised, the group is out of range or has no such tracepoint.
 */
uint64_t spdk_trace_create_tpoint_mask(uint32_t group_id, const char *tpoint_name);

/** A group's registration function (see SPDK_TRACE_REGISTER_FN). */
struct spdk_trace_register_fn {
	const char *name;		/**< the group's name */
	uint8_t tgroup_id;		/**< the group's id */
	void (*reg_fn)(void);		/**< registers its tracepoints */
	struct spdk_trace_register_fn *next; /**< the list, by group id */
};

/**
 * Add a registration function. SPDK_TRACE_REGISTER_FN calls it from a
 * constructor. Refused (logged) when the name is NULL or "all", the group id
 * is SPDK_TRACE_MAX_GROUP_ID or more, or the id or the name is taken.
 *
 * \param reg_fn The function's record; borrowed for the life of the process.
 */
void spdk_trace_add_register_fn(struct spdk_trace_register_fn *reg_fn);

/**
 * Make \p fn, a `static void fn(void)` defined (or declared) before, the
 * registration function of group \p _tgroup_id named \p name_str:
 * spdk_trace_init() calls it. Added to the list from a constructor, so the
 * groups of every linked library are known before main(). No semicolon after
 * it, as in SPDK.
 */
#define SPDK_TRACE_REGISTER_FN(fn, name_str, _tgroup_id)	\
	static void fn(void);					\
	struct spdk_trace_register_fn reg_ ## fn = {		\
		.name = name_str,				\
		.tgroup_id = _tgroup_id,			\
		.reg_fn = fn,					\
		.next = NULL,					\
	};							\
	__attribute__((constructor)) static void _ ## fn(void)	\
	{							\
		spdk_trace_add_register_fn(&reg_ ## fn);	\
	}

#ifdef __cplusplus
}
#endif

#endif /* SPDK_TRACE_H */

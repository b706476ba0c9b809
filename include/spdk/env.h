/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * The environment: the cores a process owns, pinned pthreads, time, rings,
 * memory pools and aligned allocation.
 *
 * This is the threading part of SPDK's env.h, implemented without DPDK,
 * hugepages or root. Names, signatures and constants are SPDK's, so SPDK
 * programs compile unchanged; where Pinwheel behaves differently the
 * difference is stated on the function and listed in README.md.
 *
 * Thread safety: unless a function says otherwise, it may be called from any
 * pthread, including pthreads the environment did not create ("foreign"
 * pthreads).
 */

#ifndef SPDK_ENV_H
#define SPDK_ENV_H

#include "spdk/stdinc.h"
#include "spdk/queue.h"
#include "spdk/assert.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Any NUMA node (Pinwheel allocates from whatever node the kernel picks). */
#define SPDK_ENV_NUMA_ID_ANY	(-1)
/** Older name of \ref SPDK_ENV_NUMA_ID_ANY. */
#define SPDK_ENV_SOCKET_ID_ANY	(-1)

/** Core index returned for pthreads that are not pinned to an env core. */
#define SPDK_ENV_LCORE_ID_ANY	(UINT32_MAX)

/** Memory usable for DMA (accepted; all Pinwheel memory is ordinary heap). */
#define SPDK_MALLOC_DMA		0x01
/** Memory sharable across processes (accepted and ignored). */
#define SPDK_MALLOC_SHARE	0x02

/** Size of a memzone name buffer: names have at most 31 characters plus the NUL. */
#define SPDK_MAX_MEMZONE_NAME_LEN 32
/** Longest memory pool name, not counting the terminating NUL. */
#define SPDK_MAX_MEMPOOL_NAME_LEN 29

/** Memzone flag: the zone need not be IOVA-contiguous (accepted; Pinwheel has no IOVAs). */
#define SPDK_MEMZONE_NO_IOVA_CONTIG 0x00100000

/** A PCI address. Only present so that option structs keep SPDK's shape. */
struct spdk_pci_addr {
	uint32_t	domain;
	uint8_t		bus;
	uint8_t		dev;
	uint8_t		func;
};

/**
 * Environment options. Fill with spdk_env_opts_init(), change what you need,
 * pass to spdk_env_init().
 *
 * Pinwheel uses \c name, \c core_mask, \c main_core and \c opts_size. The
 * other fields exist so that SPDK programs compile; they are accepted and have
 * no effect (there are no hugepages, no PCI and no shared-memory processes).
 */
struct spdk_env_opts {
	/** Process name (NULL: "spdk"). Kept for spdk_env_init(NULL); pinned pthreads are
	 *  named "reactor_<core>" whatever it is. */
	const char		*name;
	/** Core set: hex mask ("0x3", commas allowed) or list ("[0,2-3]"). NULL means core 0. */
	const char		*core_mask;
	/** DPDK lcore map (ignored). */
	const char		*lcore_map;
	/** Shared memory id (ignored). */
	int			shm_id;
	/** Memory channels (ignored). */
	int			mem_channel;
	/** Main core, or -1 for the first core of the set. Must belong to the set. */
	int			main_core;
	/** Memory size in MiB (ignored). */
	int			mem_size;
	/** Skip PCI (ignored: there is no PCI support). */
	bool			no_pci;
	/** Hugepage layout (ignored). */
	bool			hugepage_single_segments;
	/** Hugepage unlinking (ignored). */
	bool			unlink_hugepage;
	/** Run without hugepages (ignored: Pinwheel never uses them). */
	bool			no_huge;
	/** Number of entries in pci_blocked / pci_allowed (ignored). */
	size_t			num_pci_addr;
	/** Hugepage mount point (ignored). */
	const char		*hugedir;
	/** PCI deny list (ignored). */
	struct spdk_pci_addr	*pci_blocked;
	/** PCI allow list (ignored). */
	struct spdk_pci_addr	*pci_allowed;
	/** IOVA mode (ignored). */
	const char		*iova_mode;
	/** Base virtual address (ignored). */
	uint64_t		base_virtaddr;
	/** Opaque context for the env implementation (ignored). */
	void			*env_context;
	/** VFIO VF token (ignored). */
	const char		*vf_token;
	/** sizeof(struct spdk_env_opts) as the caller knows it; set by spdk_env_opts_init(). */
	size_t			opts_size;
	/** Refuse memory from a remote NUMA node (ignored). */
	bool			enforce_numa;
};

/**
 * Allocate \p size bytes aligned to \p align (a power of two, or 0 for a cache
 * line). The memory is ordinary heap memory, never hugepages.
 *
 * \param size Size in bytes; 0 is a bad argument.
 * \param align Alignment, a power of two, or 0. Always at least a cache line.
 * \param unused Must be NULL: physical addresses do not exist here; non-NULL fails.
 * \param numa_id NUMA node hint (ignored), or \ref SPDK_ENV_NUMA_ID_ANY.
 * \param flags \ref SPDK_MALLOC_DMA and/or \ref SPDK_MALLOC_SHARE; must not be 0
 *        (as in SPDK, which refuses 0 too). Otherwise without effect.
 * \return the buffer, to be released with spdk_free(); NULL on a bad argument
 * (logged) or when memory is exhausted (not logged).
 */
void *spdk_malloc(size_t size, size_t align, uint64_t *unused, int numa_id, uint32_t flags);

/** Same as spdk_malloc() but the buffer is zeroed. */
void *spdk_zmalloc(size_t size, size_t align, uint64_t *unused, int numa_id, uint32_t flags);

/**
 * Resize a buffer from spdk_malloc()/spdk_zmalloc(), keeping its contents.
 *
 * The buffer stays in place when it is large enough, suitably aligned and
 * not mostly wasted; otherwise the contents move to a new buffer.
 *
 * \param buf Buffer to resize, or NULL to allocate.
 * \param size New size in bytes; 0 is a bad argument.
 * \param align New alignment (power of two, or 0 for a cache line).
 * \return the new buffer (\p buf is then invalid unless it is the same
 * pointer), or NULL on a bad argument (logged) or exhausted memory, in which
 * case \p buf is untouched and still owned by the caller.
 */
void *spdk_realloc(void *buf, size_t size, size_t align);

/** Release a buffer from any spdk_malloc / spdk_dma_malloc family function. NULL is a no-op. */
void spdk_free(void *buf);

/**
 * Fill \p opts with the defaults: name "spdk", core_mask "0x1", main_core -1,
 * shm_id -1, mem_size -1, mem_channel -1, opts_size = sizeof(*opts).
 * NULL is a no-op.
 */
void spdk_env_opts_init(struct spdk_env_opts *opts);

/**
 * Initialise the environment: parse the core set, check that the process may
 * run on every core of it (the calling pthread's sched_getaffinity mask,
 * which new pthreads inherit), pick the main core, and calibrate the tick
 * counter (about 1 ms, once per process). Call from the pthread that will be
 * the main core's pthread: like DPDK's main lcore, it is pinned to the main
 * core (spdk_env_fini() gives it back its previous affinity) and
 * spdk_env_get_current_core() returns the main core on it. pthreads it
 * creates afterwards inherit that pinning, as with DPDK. spdk_env_init() and
 * spdk_env_fini() must be called from that one pthread.
 *
 * Unlike SPDK, the environment may be finished and initialised again with a
 * different core set. As in SPDK, \p opts == NULL after spdk_env_fini()
 * re-initialises with the options of the last successful call.
 *
 * \param opts Options from spdk_env_opts_init(). Only the fields that lie
 * within opts->opts_size are read (the others take their defaults); the
 * strings are borrowed during the call and copied.
 * \return 0 on success; -EINVAL for a malformed core mask, a mask selecting
 * no core, a main core outside the set, a core the process may not run on,
 * opts_size 0, or NULL opts when there are no previous options; -EALREADY if
 * already initialised; -ENOMEM if the options cannot be copied. Every error
 * is logged with the reason and leaves the environment uninitialised (and
 * the core set of an earlier, finished environment readable as it was).
 */
int spdk_env_init(const struct spdk_env_opts *opts);

/**
 * Finish the environment, from the pthread that called spdk_env_init().
 * Pinned pthreads must have returned: those that have are joined here; if
 * one is still running, the call is refused (logged) and the environment
 * stays initialised. Rings and memory pools stay valid: they are not tied to
 * the core set. Calling it when not initialised is a no-op.
 *
 * As with DPDK, the core set stays readable afterwards, until the next
 * successful spdk_env_init() replaces it: spdk_env_get_core_count(), the
 * main, first, next and last core, \ref SPDK_ENV_FOREACH_CORE and
 * spdk_env_get_cpuset() answer as before the call (SPDK's programs print
 * per-core figures after spdk_app_fini() that way). Only
 * spdk_env_get_current_core() changes: \ref SPDK_ENV_LCORE_ID_ANY on this
 * pthread from now on. pw_env_is_initialized() (pinwheel/env.h) tells
 * whether the environment is up.
 */
void spdk_env_fini(void);

/** spdk_malloc() with SPDK_MALLOC_DMA and any NUMA node. */
void *spdk_dma_malloc(size_t size, size_t align, uint64_t *unused);
/** spdk_malloc() with SPDK_MALLOC_DMA on \p numa_id (a hint). */
void *spdk_dma_malloc_socket(size_t size, size_t align, uint64_t *unused, int numa_id);
/** spdk_zmalloc() with SPDK_MALLOC_DMA and any NUMA node. */
void *spdk_dma_zmalloc(size_t size, size_t align, uint64_t *unused);
/** spdk_zmalloc() with SPDK_MALLOC_DMA on \p numa_id (a hint). */
void *spdk_dma_zmalloc_socket(size_t size, size_t align, uint64_t *unused, int numa_id);
/** spdk_realloc(); \p unused must be NULL. */
void *spdk_dma_realloc(void *buf, size_t size, size_t align, uint64_t *unused);
/** spdk_free(). */
void spdk_dma_free(void *buf);

/* ---------------------------------------------------------------------------
 * Memory zones (lib/env/memzone.c)
 *
 * SPDK reserves named zones in DPDK's shared hugepage memory. Pinwheel has no
 * DPDK, no hugepages and no secondary processes: a memzone here is a named,
 * zeroed, aligned block of ordinary heap memory, visible to this process only,
 * kept in a registry that any pthread may use. The functions work with or
 * without spdk_env_init().
 * ------------------------------------------------------------------------- */

/**
 * Reserve a named memory zone of \p len bytes, cache-line aligned and zeroed.
 * Same as spdk_memzone_reserve_aligned() with an alignment of 0.
 */
void *spdk_memzone_reserve(const char *name, size_t len, int numa_id, unsigned flags);

/**
 * Reserve a named memory zone of \p len bytes aligned to \p align, zeroed.
 *
 * The registry owns the memory until spdk_memzone_free(\p name); the caller
 * borrows the pointer (and every pthread that finds it with
 * spdk_memzone_lookup()). Any pthread may call this.
 *
 * \param name Unique name, 0 to SPDK_MAX_MEMZONE_NAME_LEN - 1 characters; copied.
 * \param len Size in bytes, > 0 (DPDK's "0 = the largest free block" does not
 *        exist here: there is no fixed memory to pick from).
 * \param numa_id \ref SPDK_ENV_NUMA_ID_ANY or a node number >= 0. A hint
 *        only: the memory comes from wherever the kernel puts it (SPDK too falls
 *        back to any node when the node has no memory).
 * \param flags 0 or \ref SPDK_MEMZONE_NO_IOVA_CONTIG (accepted, no effect).
 * \param align A power of two, or 0; less than a cache line means a cache line.
 * \return the zone's memory; NULL, with the reason logged, for a NULL name, a
 * name of SPDK_MAX_MEMZONE_NAME_LEN characters or more, a name already
 * reserved, \p len 0 or too large, \p numa_id below -1, unknown \p flags bits,
 * an alignment that is not a power of two, or exhausted memory.
 */
void *spdk_memzone_reserve_aligned(const char *name, size_t len, int numa_id,
				   unsigned flags, unsigned align);

/**
 * Find a memory zone by name. Any pthread may call this. The pointer is
 * borrowed: it becomes invalid when some pthread frees the zone.
 *
 * \return the zone's memory, or NULL when no zone has that name (not logged)
 * or \p name is NULL (logged).
 */
void *spdk_memzone_lookup(const char *name);

/**
 * Free the memory zone named \p name: its memory goes back to the heap, and
 * every pointer to it becomes invalid. Any pthread may call this.
 *
 * \return 0 on success; -ENOENT when no zone has that name; -EINVAL (logged)
 * for a NULL name. (SPDK documents -1 for every failure; every negative
 * value is a failure here too.)
 */
int spdk_memzone_free(const char *name);

/**
 * Write a description of the memory zones to \p f: first a line saying that
 * there are no DPDK memzones (Pinwheel has no DPDK) and how many zones of
 * Pinwheel's own exist, then one line per zone, oldest first, in the shape of
 * DPDK's dump: "Zone <i>: name:<NAME>, len:0x<hex>, virt:<address>,
 * numa_id:<n>, align:<n>, flags:0x<hex>". Any pthread may call this (not
 * from a signal handler: it takes a lock and uses stdio). A NULL \p f is
 * logged and ignored.
 */
void spdk_memzone_dump(FILE *f);

/* ---------------------------------------------------------------------------
 * Memory pools
 * ------------------------------------------------------------------------- */

struct spdk_mempool;

/** Let the pool choose its per-pthread cache size. */
#define SPDK_MEMPOOL_DEFAULT_CACHE_SIZE	SIZE_MAX

/**
 * Called once per element when a pool is created (spdk_mempool_create_ctor())
 * and per element by spdk_mempool_obj_iter().
 */
typedef void (spdk_mempool_obj_cb_t)(struct spdk_mempool *mp,
				     void *opaque, void *obj, unsigned obj_idx);

/**
 * Called by spdk_mempool_mem_iter() once per memory chunk of a pool: \p addr
 * and \p len give the chunk, \p iova its I/O address (the virtual address
 * here, as in DPDK's IOVA-as-VA mode), \p mem_idx its index (from 0).
 */
typedef void (spdk_mempool_mem_cb_t)(struct spdk_mempool *mp, void *opaque, void *addr,
				     uint64_t iova, size_t len, unsigned mem_idx);

/**
 * Create a thread-safe pool of \p count fixed-size elements.
 *
 * Elements are zeroed, contiguous in one allocation and cache-line aligned;
 * element i is the i-th of that array. They are cached per pthread (any
 * pthread, env core or not, up to 256 pthreads alive at once; others use the
 * shared store directly), so get and put are cheap without locks. A pthread's
 * cached elements go back to the pool when it exits; while cached they still
 * count as available in spdk_mempool_count() but cannot be taken by another
 * pthread.
 *
 * Cache size per pthread: min(\p cache_size, count / 2 / usable cpus, 512), so
 * that caches can never hold most of a small pool; this also cuts an explicit
 * size, and a pool too small for the rule does not cache at all.
 *
 * \param name Unique name, at most \ref SPDK_MAX_MEMPOOL_NAME_LEN characters; copied.
 * \param count Number of elements, 1 to UINT32_MAX.
 * \param ele_size Element size in bytes, > 0.
 * \param cache_size Elements each pthread may keep (0: no cache;
 *        \ref SPDK_MEMPOOL_DEFAULT_CACHE_SIZE: as large as the rule allows).
 * \param numa_id NUMA hint (ignored).
 * \return the pool, or NULL (logged) for a NULL, duplicate or over-long name,
 * a zero count or size, or exhausted memory.
 */
struct spdk_mempool *spdk_mempool_create(const char *name, size_t count,
		size_t ele_size, size_t cache_size, int numa_id);

/**
 * spdk_mempool_create() that also calls \p obj_init(mp, obj_init_arg, obj, i)
 * once for every element i before returning. \p obj_init may be NULL.
 */
struct spdk_mempool *spdk_mempool_create_ctor(const char *name, size_t count,
		size_t ele_size, size_t cache_size, int numa_id,
		spdk_mempool_obj_cb_t *obj_init, void *obj_init_arg);

/** Name of the pool (owned by the pool); NULL (logged) for a NULL pool. */
char *spdk_mempool_get_name(struct spdk_mempool *mp);

/**
 * Free a pool. Every element should have been returned; elements still out
 * are logged (their memory becomes invalid); elements sitting in other
 * pthreads' caches count as returned. NULL is a no-op; a pointer that is not
 * a live pool is logged and ignored. No other pthread may use the pool during
 * or after this call.
 */
void spdk_mempool_free(struct spdk_mempool *mp);

/** Take one element; NULL when none is left (not an error, not logged). */
void *spdk_mempool_get(struct spdk_mempool *mp);

/**
 * Take \p count elements, all or nothing. Elements cached by other pthreads
 * cannot be had.
 *
 * \return 0 with \p ele_arr filled (also for count 0); -ENOENT (nothing taken)
 * when fewer than \p count are available; -EINVAL (logged) for a NULL pool, or
 * a NULL array with count > 0.
 */
int spdk_mempool_get_bulk(struct spdk_mempool *mp, void **ele_arr, size_t count);

/**
 * Return an element taken from this pool. A pointer that is not an element of
 * the pool, or a NULL pool, is logged and ignored.
 */
void spdk_mempool_put(struct spdk_mempool *mp, void *ele);

/**
 * Return \p count elements taken from this pool. Pointers that are not
 * elements are logged and skipped; the good ones are still returned.
 */
void spdk_mempool_put_bulk(struct spdk_mempool *mp, void **ele_arr, size_t count);

/**
 * Number of elements available, cached ones included. Takes a process-wide
 * lock (exact even while a pthread exits): not for hot loops. 0 (logged) for
 * a NULL pool.
 */
size_t spdk_mempool_count(const struct spdk_mempool *pool);

/**
 * Call \p obj_cb on every element of the pool, whether taken or not.
 *
 * \return the number of elements visited (0, logged, for a NULL pool or callback).
 */
uint32_t spdk_mempool_obj_iter(struct spdk_mempool *mp, spdk_mempool_obj_cb_t obj_cb,
			       void *obj_cb_arg);

/**
 * Call \p mem_cb on every memory chunk that holds the pool's elements. A
 * Pinwheel pool keeps all its elements in one chunk: \p mem_cb is called
 * once, with the address of element 0, iova equal to that address, the
 * length count * stride (each element rounded up to a cache line) and index 0.
 * The pool's bookkeeping (the shared store, per-pthread caches) is not part
 * of the chunk. Any pthread may call this while the pool exists.
 *
 * \return the number of chunks visited: 1; 0 (logged) for a NULL pool or callback.
 */
uint32_t spdk_mempool_mem_iter(struct spdk_mempool *mp, spdk_mempool_mem_cb_t mem_cb,
			       void *mem_cb_arg);

/** Find a pool by name; NULL if there is none. */
struct spdk_mempool *spdk_mempool_lookup(const char *name);

/* ---------------------------------------------------------------------------
 * Cores
 * ------------------------------------------------------------------------- */

/**
 * Number of cores in the environment's core set: 0 before the first
 * successful spdk_env_init(); after spdk_env_fini(), still the count of the
 * set just finished, until the next spdk_env_init(). The same holds for the
 * main, first, next and last core below. Any pthread may call these.
 */
uint32_t spdk_env_get_core_count(void);

/**
 * Core served by the calling pthread: the core a pthread was launched on by
 * spdk_env_thread_launch_pinned(), the main core on the pthread that called
 * spdk_env_init(), and \ref SPDK_ENV_LCORE_ID_ANY on any other pthread.
 */
uint32_t spdk_env_get_current_core(void);

/** The main core (UINT32_MAX before the first spdk_env_init()). */
uint32_t spdk_env_get_main_core(void);

/** Lowest core of the set (UINT32_MAX before the first spdk_env_init()). */
uint32_t spdk_env_get_first_core(void);

/** Highest core of the set (UINT32_MAX before the first spdk_env_init()). */
uint32_t spdk_env_get_last_core(void);

/**
 * Next core of the set after \p prev_core, or UINT32_MAX when there is none
 * (or before the first spdk_env_init()). As in SPDK, \p prev_core == UINT32_MAX gives
 * the first core.
 */
uint32_t spdk_env_get_next_core(uint32_t prev_core);

/** Iterate \p i over every core of the set in ascending order. */
#define SPDK_ENV_FOREACH_CORE(i)		\
	for (i = spdk_env_get_first_core();	\
	     i < UINT32_MAX;			\
	     i = spdk_env_get_next_core(i))

/**
 * NUMA node of \p core, from sysfs (/sys/devices/system/node/node<N>/cpulist,
 * read once per process, lib/env/numa.c); 0 when sysfs does not say (no
 * sysfs, a kernel without NUMA, a cpu listed on no node), \ref
 * SPDK_ENV_NUMA_ID_ANY when \p core >= SPDK_CPUSET_SIZE. Any cpu may be asked,
 * not only the environment's cores. Any pthread may call this, with or
 * without spdk_env_init().
 */
int32_t spdk_env_get_numa_id(uint32_t core);

/** Older name of spdk_env_get_numa_id(). */
uint32_t spdk_env_get_socket_id(uint32_t core);

/**
 * Lowest NUMA node of this machine. As in DPDK, the nodes are those that
 * hold at least one cpu (a memory-only node is not listed); the same sysfs
 * reading as spdk_env_get_numa_id(). When sysfs lists no node, the machine
 * is one node, 0. Any pthread may call this, with or without spdk_env_init().
 *
 * \return the lowest node number (>= 0).
 */
int32_t spdk_env_get_first_numa_id(void);

/**
 * Highest NUMA node of this machine (see spdk_env_get_first_numa_id()).
 *
 * \return the highest node number (>= 0).
 */
int32_t spdk_env_get_last_numa_id(void);

/**
 * Next NUMA node after \p prev_numa_id (see spdk_env_get_first_numa_id()).
 *
 * \return the next node number, or INT32_MAX when \p prev_numa_id is the last
 * node or is not a node of this machine (as in SPDK; not logged).
 */
int32_t spdk_env_get_next_numa_id(int32_t prev_numa_id);

/** Iterate \p i (an int32_t) over every NUMA node in ascending order. */
#define SPDK_ENV_FOREACH_NUMA_ID(i)			\
	for (i = spdk_env_get_first_numa_id();		\
	     i < INT32_MAX;				\
	     i = spdk_env_get_next_numa_id(i))

struct spdk_cpuset;

/** Zero \p cpuset, then set every core of the environment's set. */
void spdk_env_get_cpuset(struct spdk_cpuset *cpuset);

/**
 * Zero \p cpuset, then set in it the SMT siblings of \p core (sysfs
 * thread_siblings_list; \p core itself included), or of every core of the
 * set when \p core is UINT32_MAX (none before the first spdk_env_init()).
 *
 * \return true on success; false when the topology is unknown (cpuset then
 * invalid), or (logged) for a NULL \p cpuset or \p core >= SPDK_CPUSET_SIZE.
 */
bool spdk_env_core_get_smt_cpuset(struct spdk_cpuset *cpuset, uint32_t core);

/** Entry point of a pinned pthread; its return value is ignored. */
typedef int (*thread_start_fn)(void *);

/**
 * Start \p fn(\p arg) on a new pthread pinned to \p core (its affinity is
 * that one cpu from creation on, before \p fn runs), named "reactor_<core>"
 * so that `ps -T` shows which core it serves. On it,
 * spdk_env_get_current_core() returns \p core. At most one pinned pthread per
 * core may be live (the main core counts as taken by the initialising
 * pthread); a pinned pthread whose \p fn has returned no longer holds its
 * core. Any pthread may call this.
 *
 * \return 0 on success; -EINVAL if \p fn is NULL, \p core is not in the set
 * or the environment is not initialised; -EEXIST if the core is the main core
 * or already has a live pinned pthread; -EAGAIN / -ENOMEM (or another
 * negative errno) when pthread creation fails. Every error is logged.
 */
int spdk_env_thread_launch_pinned(uint32_t core, thread_start_fn fn, void *arg);

/**
 * Join every pthread started by spdk_env_thread_launch_pinned(), including
 * those launched while it waits, and free their cores for new launches.
 * Call from the main core's pthread; returns at once if none is running.
 * Called from a pinned pthread, it waits for the others and skips that
 * pthread itself (logged).
 */
void spdk_env_thread_wait_all(void);

/** Always true: there are no secondary processes. */
bool spdk_process_is_primary(void);

/* ---------------------------------------------------------------------------
 * Unpinned pthreads (lib/env/affinity.c)
 * ------------------------------------------------------------------------- */

/**
 * Let the calling pthread run on any cpu again: its affinity becomes the
 * mask the process had when the library was loaded (what `taskset` or the
 * cgroup gave it), which undoes the pinning of spdk_env_init() and
 * spdk_env_thread_launch_pinned(). SPDK widens to every configured cpu; here
 * a `taskset` limit is kept. spdk_env_get_current_core() does not change
 * (with DPDK the lcore id stays too). Any pthread may call this; calling it
 * again is harmless. A failure (logged) leaves the affinity as it was.
 */
void spdk_unaffinitize_thread(void);

/**
 * Call \p cb(\p arg) with the calling pthread unpinned as by
 * spdk_unaffinitize_thread(), then give the pthread back the affinity it
 * had. Meant for functions that create pthreads, so that those do not
 * inherit a pinning to one core. Any pthread may call this.
 *
 * \return what \p cb returned; NULL (logged, nothing called) when \p cb is NULL.
 */
void *spdk_call_unaffinitized(void *cb(void *arg), void *arg);

/** The calling pthread's kernel thread id (gettid(2)), as `ps -T` shows it. */
int spdk_get_tid(void);

/* ---------------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------------- */

/**
 * Monotonic tick counter: the invariant TSC where the CPU has one (CPUID, or
 * the kernel's constant_tsc + nonstop_tsc flags), otherwise CLOCK_MONOTONIC
 * in nanoseconds. Cheap (one rdtsc and one predictable branch), callable
 * anywhere. The TSCs of all cores agree, but like DPDK's rte_rdtsc() the read
 * is not ordered against surrounding memory accesses: a reading handed over
 * from another core may exceed a later local reading by the CPU's
 * out-of-order window (about 100 ns). Compare such readings with care.
 */
uint64_t spdk_get_ticks(void);

/**
 * Ticks per second of spdk_get_ticks(). Calibrated once per process, on first
 * use of the clock (spdk_env_init() does it), against CLOCK_MONOTONIC over
 * about 1 ms; an exact rate announced by CPUID is used when it agrees.
 */
uint64_t spdk_get_ticks_hz(void);

/**
 * Busy-wait \p us microseconds (never sleeps): returns once at least that
 * much time has passed both by spdk_get_ticks() and by CLOCK_MONOTONIC.
 */
void spdk_delay_us(unsigned int us);

/** Tell the CPU this is a spin-wait loop (x86 `pause`, Arm `yield`). */
void spdk_pause(void);

/* ---------------------------------------------------------------------------
 * Rings
 * ------------------------------------------------------------------------- */

struct spdk_ring;

/**
 * Who may enqueue and dequeue at the same moment: SP_SC, at most one pthread
 * enqueuing and one dequeuing; MP_SC, any number enqueuing and one dequeuing;
 * MP_MC, any number on both sides.
 */
enum spdk_ring_type {
	SPDK_RING_TYPE_SP_SC,		/**< one producer, one consumer */
	SPDK_RING_TYPE_MP_SC,		/**< many producers, one consumer */
	SPDK_RING_TYPE_MP_MC,		/**< many producers, many consumers */
};

/**
 * Create a ring of pointers holding exactly \p count entries.
 *
 * No lock is taken; as with DPDK's rings, a producer (consumer) preempted
 * between reserving its entries and publishing them holds up the publication
 * of the producers (consumers) after it, which spin, then yield.
 *
 * \param type Concurrency contract (see \ref spdk_ring_type).
 * \param count Capacity, 1 to 2^30 - 1 (need not be a power of two).
 * \param numa_id NUMA hint (ignored).
 * \return the ring, or NULL (logged) for a bad type, a count of 0 or too large, or no memory.
 */
struct spdk_ring *spdk_ring_create(enum spdk_ring_type type, size_t count, int numa_id);

/**
 * Free a ring; entries still queued are dropped (the ring never owns the
 * objects). NULL is a no-op. No other pthread may use the ring during or after
 * the call.
 */
void spdk_ring_free(struct spdk_ring *ring);

/** Number of entries queued (a snapshot when others use the ring); 0 (logged) for NULL. */
size_t spdk_ring_count(struct spdk_ring *ring);

/**
 * Enqueue \p count pointers, all or nothing. \p objs is only read during the
 * call: the ring stores the pointer values.
 *
 * \param free_space If non-NULL, receives the room left after a successful
 * call, or the room found (less than \p count) after a failed one; a snapshot
 * when others use the ring. Asking for it costs a read of the consumer's
 * counters: pass NULL on hot paths.
 * \return \p count on success; 0 when there was not room for all of them (a
 * full ring is a count, not an error); 0 with a log for a NULL ring, NULL
 * \p objs with a count, or \p count above the capacity; 0 without a log for
 * count 0.
 */
size_t spdk_ring_enqueue(struct spdk_ring *ring, void **objs, size_t count,
			 size_t *free_space);

/**
 * Dequeue up to \p count pointers into \p objs (room for \p count), in FIFO
 * order; with several consumers, each sees any one producer's entries in
 * increasing order.
 *
 * \return the number dequeued (0 when empty; 0, logged, for a NULL ring or \p objs).
 */
size_t spdk_ring_dequeue(struct spdk_ring *ring, void **objs, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* SPDK_ENV_H */

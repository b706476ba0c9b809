/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * iobuf, process-wide part: options, the two pools, initialize/finish, the
 * module registry and statistics. Channels, get and put are iobuf_channel.c.
 *
 * A pool is one anonymous private mapping of count * bufsize bytes
 * (MAP_NORESERVE: address space only; a page is backed when first written)
 * and an MP_MC spdk_ring holding the address of every free buffer that sits
 * in no channel's cache. Filling the ring writes the ring, never a buffer,
 * so a pool nobody takes from costs its ring (8 bytes a buffer) and no more.
 */

#include "iobuf_internal.h"
#include "thread_internal.h"
#include "io_channel_internal.h"

#include <sys/mman.h>

#define IOBUF_MIN_SMALL_COUNT		64u
#define IOBUF_MIN_LARGE_COUNT		8u
#define IOBUF_MIN_SMALL_BUFSIZE		4096u
#define IOBUF_MIN_LARGE_BUFSIZE		8192u
#define IOBUF_DEFAULT_SMALL_COUNT	8192u
#define IOBUF_DEFAULT_LARGE_COUNT	1024u
#define IOBUF_DEFAULT_SMALL_BUFSIZE	(8u * 1024u)
/* SPDK's default: a 128 KiB I/O plus room for metadata. */
#define IOBUF_DEFAULT_LARGE_BUFSIZE	(132u * 1024u)
/* Largest buffer size that rounds up to PW_IOBUF_ALIGN in 32 bits. */
#define IOBUF_MAX_BUFSIZE		(UINT32_MAX & ~(PW_IOBUF_ALIGN - 1u))
/* Largest ring spdk_ring_create() accepts. */
#define IOBUF_MAX_COUNT			((1u << 30) - 1u)

SPDK_STATIC_ASSERT(2 * sizeof(uintptr_t) <= IOBUF_MIN_SMALL_BUFSIZE,
		   "a free buffer holds its cache link and its free tag");
SPDK_STATIC_ASSERT(offsetof(struct spdk_iobuf_buffer, stailq) == 0 &&
		   sizeof(struct spdk_iobuf_buffer) == sizeof(uintptr_t),
		   "the free tag is the word after the cache link");

struct iobuf_stats_ctx {
	struct spdk_iobuf_module_stats	*stats;
	const struct pw_iobuf_module	**modules;	/* compared, never dereferenced */
	uint32_t			count;
	spdk_iobuf_get_stats_cb		cb_fn;
	void				*cb_arg;
};

struct pw_iobuf_pools g_pw_iobuf_pools;

/* Cold state, away from the pools' line: the lock guards everything below. */
static pthread_mutex_t g_iobuf_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_iobuf_initialized;
static bool g_iobuf_finishing;
static bool g_iobuf_initializing;
static TAILQ_HEAD(, pw_iobuf_module) g_iobuf_modules = TAILQ_HEAD_INITIALIZER(g_iobuf_modules);
static struct spdk_iobuf_opts g_iobuf_opts = {
	.small_pool_count = IOBUF_DEFAULT_SMALL_COUNT,
	.large_pool_count = IOBUF_DEFAULT_LARGE_COUNT,
	.small_bufsize = IOBUF_DEFAULT_SMALL_BUFSIZE,
	.large_bufsize = IOBUF_DEFAULT_LARGE_BUFSIZE,
	.opts_size = sizeof(struct spdk_iobuf_opts),
};
static spdk_iobuf_finish_cb g_iobuf_finish_cb;
static void *g_iobuf_finish_arg;

void
pw__iobuf_lock(void)
{
	pthread_mutex_lock(&g_iobuf_lock);
}

void
pw__iobuf_unlock(void)
{
	pthread_mutex_unlock(&g_iobuf_lock);
}

bool
pw__iobuf_is_initialized(void)
{
	return g_iobuf_initialized;
}

struct pw_iobuf_module *
pw__iobuf_module_find(const char *name)
{
	struct pw_iobuf_module *module;

	TAILQ_FOREACH(module, &g_iobuf_modules, link) {
		if (strcmp(module->name, name) == 0) {
			return module;
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------- */

/* Whether the field ending at offset end is within a caller's opts_size. */
#define OPTS_HAS(size, field) \
	(offsetof(struct spdk_iobuf_opts, field) + sizeof(((struct spdk_iobuf_opts *)0)->field) <= (size))

PW_EXPORT int
spdk_iobuf_set_opts(const struct spdk_iobuf_opts *opts)
{
	struct spdk_iobuf_opts next;

	if (opts == NULL) {
		SPDK_ERRLOG("iobuf options: NULL\n");
		return -EINVAL;
	}
	if (opts->opts_size == 0) {
		SPDK_ERRLOG("iobuf options: opts_size is 0\n");
		return -EINVAL;
	}

	pw__iobuf_lock();
	next = g_iobuf_opts;
	pw__iobuf_unlock();
	if (OPTS_HAS(opts->opts_size, small_pool_count)) {
		next.small_pool_count = opts->small_pool_count;
	}
	if (OPTS_HAS(opts->opts_size, large_pool_count)) {
		next.large_pool_count = opts->large_pool_count;
	}
	if (OPTS_HAS(opts->opts_size, small_bufsize)) {
		next.small_bufsize = opts->small_bufsize;
	}
	if (OPTS_HAS(opts->opts_size, large_bufsize)) {
		next.large_bufsize = opts->large_bufsize;
	}
	if (OPTS_HAS(opts->opts_size, enable_numa)) {
		next.enable_numa = opts->enable_numa;
	}

	/* SPDK checks the caller's values, whatever opts_size says. */
	if (opts->small_pool_count < IOBUF_MIN_SMALL_COUNT) {
		SPDK_ERRLOG("iobuf options: small_pool_count must be at least %u (got %" PRIu64 ")\n",
			    IOBUF_MIN_SMALL_COUNT, opts->small_pool_count);
		return -EINVAL;
	}
	if (opts->large_pool_count < IOBUF_MIN_LARGE_COUNT) {
		SPDK_ERRLOG("iobuf options: large_pool_count must be at least %u (got %" PRIu64 ")\n",
			    IOBUF_MIN_LARGE_COUNT, opts->large_pool_count);
		return -EINVAL;
	}
	if (opts->small_bufsize < IOBUF_MIN_SMALL_BUFSIZE) {
		SPDK_ERRLOG("iobuf options: small_bufsize must be at least %u (got %" PRIu32 ")\n",
			    IOBUF_MIN_SMALL_BUFSIZE, opts->small_bufsize);
		return -EINVAL;
	}
	if (opts->large_bufsize < IOBUF_MIN_LARGE_BUFSIZE) {
		SPDK_ERRLOG("iobuf options: large_bufsize must be at least %u (got %" PRIu32 ")\n",
			    IOBUF_MIN_LARGE_BUFSIZE, opts->large_bufsize);
		return -EINVAL;
	}
	/* Not SPDK's: initialize rounds the sizes up to 4 KiB in 32 bits, and
	 * these would wrap to 0 (SPDK then hands out one address for every
	 * buffer; here it was a division by zero). */
	if (opts->small_bufsize > IOBUF_MAX_BUFSIZE) {
		SPDK_ERRLOG("iobuf options: small_bufsize must be at most %u (got %" PRIu32 ")\n",
			    IOBUF_MAX_BUFSIZE, opts->small_bufsize);
		return -EINVAL;
	}
	if (opts->large_bufsize > IOBUF_MAX_BUFSIZE) {
		SPDK_ERRLOG("iobuf options: large_bufsize must be at most %u (got %" PRIu32 ")\n",
			    IOBUF_MAX_BUFSIZE, opts->large_bufsize);
		return -EINVAL;
	}
	/* Pinwheel sees one NUMA node (spdk_env_get_numa_id() says 0 for every
	 * core), which SPDK_CONFIG_MAX_NUMA_NODES of 1 allows: enable_numa is
	 * accepted and changes nothing. */

	next.opts_size = opts->opts_size;
	pw__iobuf_lock();
	g_iobuf_opts = next;
	pw__iobuf_unlock();
	return 0;
}

PW_EXPORT void
spdk_iobuf_get_opts(struct spdk_iobuf_opts *opts, size_t opts_size)
{
	struct spdk_iobuf_opts cur;

	if (opts == NULL) {
		SPDK_ERRLOG("iobuf options: NULL\n");
		return;
	}
	if (opts_size == 0) {
		SPDK_ERRLOG("iobuf options: opts_size is 0\n");
		return;
	}

	pw__iobuf_lock();
	cur = g_iobuf_opts;
	pw__iobuf_unlock();
	if (OPTS_HAS(opts_size, small_pool_count)) {
		opts->small_pool_count = cur.small_pool_count;
	}
	if (OPTS_HAS(opts_size, large_pool_count)) {
		opts->large_pool_count = cur.large_pool_count;
	}
	if (OPTS_HAS(opts_size, small_bufsize)) {
		opts->small_bufsize = cur.small_bufsize;
	}
	if (OPTS_HAS(opts_size, large_bufsize)) {
		opts->large_bufsize = cur.large_bufsize;
	}
	if (OPTS_HAS(opts_size, opts_size)) {
		opts->opts_size = opts_size;
	}
	if (OPTS_HAS(opts_size, enable_numa)) {
		opts->enable_numa = cur.enable_numa;
	}
}

/* ---------------------------------------------------------------------------
 * Pools
 * ------------------------------------------------------------------------- */

static void
pool_free(struct pw_iobuf_pool *pool)
{
	size_t free_count;

	if (pool->ring != NULL) {
		free_count = spdk_ring_count(pool->ring);
		if (free_count != pool->count) {
			/* The application still holds these: unmapping would turn its
			 * next access into a crash, so the memory stays mapped. */
			SPDK_ERRLOG("iobuf finish: %" PRIu64 " of %" PRIu64 " %s buffers were "
				    "never put back; their %" PRIu64 " bytes stay mapped\n",
				    pool->count - (uint64_t)free_count, pool->count, pool->name,
				    pool->span);
			pool->base = 0;
		}
		spdk_ring_free(pool->ring);
	}
	if (pool->base != 0) {
		munmap((void *)pool->base, pool->span);
	}
	memset(pool, 0, sizeof(*pool));
}

/* The constants of is_pool_buffer() (iobuf_channel.c) for pool->bufsize. */
static void
set_stride_check(struct pw_iobuf_pool *pool)
{
	uint64_t odd, inv;

	pool->shift = (uint32_t)__builtin_ctz(pool->bufsize);
	odd = pool->bufsize >> pool->shift;
	/* Newton's iteration doubles the correct low bits each step: odd is its
	 * own inverse modulo 8 (3 bits), so five steps give 96 >= 64 bits. */
	inv = odd;
	for (int i = 0; i < 5; i++) {
		inv *= 2 - odd * inv;
	}
	assert(odd * inv == 1);
	pool->odd_inverse = inv;
	pool->odd_limit = UINT64_MAX / odd;
}

static int
pool_init(struct pw_iobuf_pool *pool, const char *name, uint64_t count, uint32_t bufsize)
{
	void *mem, *batch[PW_IOBUF_FILL_BATCH];
	uint64_t i;
	uint32_t n;

	pool->name = name;
	pool->count = count;
	pool->bufsize = bufsize;
	if (count > IOBUF_MAX_COUNT || count > UINT64_MAX / bufsize) {
		SPDK_ERRLOG("iobuf: %" PRIu64 " %s buffers of %" PRIu32 " bytes are too many\n",
			    count, name, bufsize);
		return -ENOMEM;
	}
	pool->span = count * bufsize;
	set_stride_check(pool);

	mem = mmap(NULL, pool->span, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED) {
		SPDK_ERRLOG("iobuf: cannot map %" PRIu64 " bytes for the %s pool: %s\n",
			    pool->span, name, strerror(errno));
		return -ENOMEM;
	}
	pool->base = (uintptr_t)mem;

	pool->ring = spdk_ring_create(SPDK_RING_TYPE_MP_MC, count, SPDK_ENV_NUMA_ID_ANY);
	if (pool->ring == NULL) {
		SPDK_ERRLOG("iobuf: cannot create the ring of the %s pool\n", name);
		return -ENOMEM;
	}

	for (i = 0; i < count; i += n) {
		n = (uint32_t)spdk_min((uint64_t)PW_IOBUF_FILL_BATCH, count - i);
		for (uint32_t j = 0; j < n; j++) {
			batch[j] = (void *)(pool->base + (i + j) * bufsize);
		}
		if (spdk_ring_enqueue(pool->ring, batch, n, NULL) != n) {
			/* The ring holds count entries: cannot happen. */
			assert(false);
			return -ENOMEM;
		}
	}
	return 0;
}

static uintptr_t
make_free_key(void)
{
	uint64_t x = spdk_get_ticks() ^ (uint64_t)(uintptr_t)&x ^ 0x9e3779b97f4a7c15ull;

	/* splitmix64's finaliser: any change of input changes every bit. */
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (uintptr_t)(x | 1u);
}

/* The pools and the I/O device, from opts (sizes rounded here). */
static int
pools_create(struct spdk_iobuf_opts *opts)
{
	struct pw_iobuf_pools *pools = &g_pw_iobuf_pools;
	bool registered;
	int rc;

	/* As SPDK: sizes become multiples of the alignment, so every buffer of
	 * a pool stays aligned; get_opts shows the rounded values from now on. */
	opts->small_bufsize = SPDK_ALIGN_CEIL(opts->small_bufsize, PW_IOBUF_ALIGN);
	opts->large_bufsize = SPDK_ALIGN_CEIL(opts->large_bufsize, PW_IOBUF_ALIGN);

	/* No channel exists yet: nobody reads the pools while they are written. */
	memset(pools, 0, sizeof(*pools));
	rc = pool_init(&pools->small, "small", opts->small_pool_count, opts->small_bufsize);
	if (rc == 0) {
		rc = pool_init(&pools->large, "large", opts->large_pool_count, opts->large_bufsize);
	}
	if (rc != 0) {
		pool_free(&pools->small);
		pool_free(&pools->large);
		return rc;
	}
	pools->free_key = make_free_key();

	spdk_io_device_register(pools, pw__iobuf_thread_ch_create, pw__iobuf_thread_ch_destroy,
				sizeof(struct pw_iobuf_thread_ch), "iobuf");
	/* It returns nothing: a refusal (no memory) is only logged. */
	pw__threads_lock();
	registered = pw__io_device_find(pools) != NULL;
	pw__threads_unlock();
	if (!registered) {
		SPDK_ERRLOG("spdk_iobuf_initialize: cannot register the iobuf I/O device\n");
		pool_free(&pools->small);
		pool_free(&pools->large);
		return -ENOMEM;
	}
	return 0;
}

PW_EXPORT int
spdk_iobuf_initialize(void)
{
	struct spdk_iobuf_opts opts;
	int rc;

	if (spdk_get_thread() == NULL) {
		SPDK_ERRLOG("spdk_iobuf_initialize: not called on an spdk_thread\n");
		return -EINVAL;
	}

	pw__iobuf_lock();
	if (g_iobuf_initialized || g_iobuf_finishing || g_iobuf_initializing) {
		pw__iobuf_unlock();
		SPDK_ERRLOG("spdk_iobuf_initialize: iobuf is already initialised\n");
		return -EALREADY;
	}
	opts = g_iobuf_opts;
	g_iobuf_initializing = true;
	pw__iobuf_unlock();
	rc = pools_create(&opts);
	pw__iobuf_lock();
	g_iobuf_initializing = false;
	if (rc == 0) {
		g_iobuf_opts.small_bufsize = opts.small_bufsize;
		g_iobuf_opts.large_bufsize = opts.large_bufsize;
		/* The unlock publishes the pools to every channel_init, which locks. */
		g_iobuf_initialized = true;
	}
	pw__iobuf_unlock();
	return rc;
}

static void
iobuf_unregistered(void *io_device)
{
	struct pw_iobuf_module *module;
	spdk_iobuf_finish_cb cb_fn;
	void *cb_arg;

	(void)io_device;
	pool_free(&g_pw_iobuf_pools.small);
	pool_free(&g_pw_iobuf_pools.large);

	pw__iobuf_lock();
	while ((module = TAILQ_FIRST(&g_iobuf_modules)) != NULL) {
		TAILQ_REMOVE(&g_iobuf_modules, module, link);
		free(module->name);
		free(module);
	}
	g_iobuf_finishing = false;
	cb_fn = g_iobuf_finish_cb;
	cb_arg = g_iobuf_finish_arg;
	g_iobuf_finish_cb = NULL;
	g_iobuf_finish_arg = NULL;
	pw__iobuf_unlock();

	if (cb_fn != NULL) {
		cb_fn(cb_arg);
	}
}

PW_EXPORT void
spdk_iobuf_finish(spdk_iobuf_finish_cb cb_fn, void *cb_arg)
{
	pw__iobuf_lock();
	if (!g_iobuf_initialized) {
		pw__iobuf_unlock();
		if (cb_fn != NULL) {
			cb_fn(cb_arg);
		}
		return;
	}
	if (spdk_get_thread() == NULL) {
		pw__iobuf_unlock();
		SPDK_ERRLOG("spdk_iobuf_finish: not called on an spdk_thread\n");
		return;
	}
	g_iobuf_initialized = false;
	g_iobuf_finishing = true;
	g_iobuf_finish_cb = cb_fn;
	g_iobuf_finish_arg = cb_arg;
	pw__iobuf_unlock();

	/* Waits for every thread's iobuf io_channel, i.e. every open channel. */
	spdk_io_device_unregister(&g_pw_iobuf_pools, iobuf_unregistered);
}

/* ---------------------------------------------------------------------------
 * Modules
 * ------------------------------------------------------------------------- */

PW_EXPORT int
spdk_iobuf_register_module(const char *name)
{
	struct pw_iobuf_module *module;

	if (name == NULL) {
		SPDK_ERRLOG("spdk_iobuf_register_module: NULL name\n");
		return -EINVAL;
	}

	module = calloc(1, sizeof(*module));
	if (module == NULL) {
		return -ENOMEM;
	}
	module->name = strdup(name);
	if (module->name == NULL) {
		free(module);
		return -ENOMEM;
	}

	pw__iobuf_lock();
	if (pw__iobuf_module_find(name) != NULL) {
		pw__iobuf_unlock();
		free(module->name);
		free(module);
		return -EEXIST;
	}
	TAILQ_INSERT_TAIL(&g_iobuf_modules, module, link);
	pw__iobuf_unlock();
	return 0;
}

PW_EXPORT int
spdk_iobuf_unregister_module(const char *name)
{
	struct pw_iobuf_module *module;

	if (name == NULL) {
		SPDK_ERRLOG("spdk_iobuf_unregister_module: NULL name\n");
		return -EINVAL;
	}

	pw__iobuf_lock();
	module = pw__iobuf_module_find(name);
	if (module == NULL) {
		pw__iobuf_unlock();
		return -ENOENT;
	}
	if (module->channels > 0) {
		pw__iobuf_unlock();
		SPDK_ERRLOG("spdk_iobuf_unregister_module: '%s' still has %" PRIu32
			    " open channel(s)\n", name, module->channels);
		return -EBUSY;
	}
	TAILQ_REMOVE(&g_iobuf_modules, module, link);
	pw__iobuf_unlock();
	free(module->name);
	free(module);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------- */

static void
add_pool_stats(struct spdk_iobuf_pool_stats *sum, const struct spdk_iobuf_pool_cache *pool)
{
	sum->cache_size += pool->cache_size;
	sum->cache += pool->stats.cache;
	sum->main += pool->stats.main;
	sum->retry += pool->stats.retry;
}

/* On each thread with an iobuf channel: add its channels' counters. */
static void
stats_visit(struct spdk_io_channel_iter *iter)
{
	struct iobuf_stats_ctx *ctx = spdk_io_channel_iter_get_ctx(iter);
	struct pw_iobuf_thread_ch *tch =
		spdk_io_channel_get_ctx(spdk_io_channel_iter_get_channel(iter));
	struct spdk_iobuf_channel *ch;

	for (uint32_t c = 0; c < PW_IOBUF_MAX_CHANNELS; c++) {
		ch = tch->channels[c];
		if (ch == NULL) {
			continue;
		}
		for (uint32_t m = 0; m < ctx->count; m++) {
			if (ctx->modules[m] == ch->module) {
				for (uint32_t n = 0; n < SPDK_CONFIG_MAX_NUMA_NODES; n++) {
					add_pool_stats(&ctx->stats[m].small_pool, &ch->cache[n].small);
					add_pool_stats(&ctx->stats[m].large_pool, &ch->cache[n].large);
				}
				break;
			}
		}
	}
	spdk_for_each_channel_continue(iter, 0);
}

/* Free ctx and the first names module names it holds. */
static void
free_stats_ctx(struct iobuf_stats_ctx *ctx, uint32_t names)
{
	for (uint32_t m = 0; ctx->stats != NULL && m < names; m++) {
		free((char *)ctx->stats[m].module);
	}
	free(ctx->stats);
	free(ctx->modules);
	free(ctx);
}

static void
stats_done(struct spdk_io_channel_iter *iter, int status)
{
	struct iobuf_stats_ctx *ctx = spdk_io_channel_iter_get_ctx(iter);

	(void)status;
	ctx->cb_fn(ctx->stats, ctx->count, ctx->cb_arg);
	free_stats_ctx(ctx, ctx->count);
}

PW_EXPORT int
spdk_iobuf_get_stats(spdk_iobuf_get_stats_cb cb_fn, void *cb_arg)
{
	struct iobuf_stats_ctx *ctx;
	struct pw_iobuf_module *module;
	uint32_t m = 0, walks;

	if (cb_fn == NULL) {
		SPDK_ERRLOG("spdk_iobuf_get_stats: NULL callback\n");
		return -EINVAL;
	}
	if (spdk_get_thread() == NULL) {
		SPDK_ERRLOG("spdk_iobuf_get_stats: not called on an spdk_thread\n");
		return -EINVAL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		return -ENOMEM;
	}
	ctx->cb_fn = cb_fn;
	ctx->cb_arg = cb_arg;

	pw__iobuf_lock();
	if (!g_iobuf_initialized) {
		pw__iobuf_unlock();
		free(ctx);
		SPDK_ERRLOG("spdk_iobuf_get_stats: iobuf is not initialised\n");
		return -ENODEV;
	}
	TAILQ_FOREACH(module, &g_iobuf_modules, link) {
		ctx->count++;
	}
	/* At least one element, so that 0 modules is not a failed calloc. */
	ctx->stats = calloc(ctx->count + 1, sizeof(*ctx->stats));
	ctx->modules = calloc(ctx->count + 1, sizeof(*ctx->modules));
	if (ctx->stats == NULL || ctx->modules == NULL) {
		goto nomem;
	}
	/* Names are copied: a module without channels may be unregistered
	 * while the walk runs. */
	TAILQ_FOREACH(module, &g_iobuf_modules, link) {
		ctx->modules[m] = module;
		ctx->stats[m].module = strdup(module->name);
		if (ctx->stats[m].module == NULL) {
			goto nomem;
		}
		m++;
	}
	pw__iobuf_unlock();

	/* spdk_for_each_channel() returns nothing and, without memory for its
	 * iterator, only logs: a started walk counts itself on this thread (and
	 * never completes before the call returns). */
	walks = pw__tls_thread->for_each_count;
	spdk_for_each_channel(&g_pw_iobuf_pools, stats_visit, ctx, stats_done);
	if (pw__tls_thread->for_each_count == walks) {
		free_stats_ctx(ctx, m);
		return -ENOMEM;
	}
	return 0;

nomem:
	pw__iobuf_unlock();
	free_stats_ctx(ctx, m);
	return -ENOMEM;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * iobuf channels: per-channel caches, get and put, the per-thread wait
 * queues, abort and walks over waiting entries.
 *
 * A get takes the head of the channel's cache (the buffer put last, the one
 * most likely still in this core's cache); a miss takes a batch from the
 * shared ring, keeps all but one in the cache and returns that one. A put
 * serves the thread's first waiting entry of that size, whatever its module,
 * else pushes onto the cache, which gives a batch back to the ring once it
 * holds a batch more than its size. Waiting entries are served only by puts
 * on their own thread, as in SPDK.
 *
 * A free buffer carries a tag in its second word (iobuf_internal.h): set when
 * it becomes free, cleared when it is handed out; put refuses a tagged one.
 * The cache link is its first word, so both are on the line the cache
 * touches anyway.
 */

#include "iobuf_internal.h"
#include "thread_internal.h"

static struct pw_iobuf_thread_ch *
thread_ch(const struct spdk_iobuf_channel *ch)
{
	return spdk_io_channel_get_ctx(ch->parent);
}

/* The channel's pool for a length, or NULL (logged) for one above large_bufsize. */
static inline struct spdk_iobuf_pool_cache *
pool_for_len(struct spdk_iobuf_channel *ch, uint64_t len, const char *what)
{
	struct spdk_iobuf_node_cache *cache = &ch->cache[0];

	if (spdk_likely(len <= cache->small.bufsize)) {
		return &cache->small;
	}
	if (spdk_likely(len <= cache->large.bufsize)) {
		return &cache->large;
	}
	SPDK_ERRLOG_RATELIMIT("%s: length %" PRIu64 " is above large_bufsize %" PRIu32 "\n",
			      what, len, cache->large.bufsize);
	return NULL;
}

/* Whether ch is open and used on its own thread; logs why not. */
static inline bool
channel_usable(const struct spdk_iobuf_channel *ch, const char *what)
{
	if (spdk_unlikely(ch == NULL || ch->parent == NULL)) {
		SPDK_ERRLOG_RATELIMIT("%s: iobuf channel %p is not open\n", what, (const void *)ch);
		return false;
	}
	if (spdk_unlikely(thread_ch(ch)->thread != pw__tls_thread)) {
		SPDK_ERRLOG_RATELIMIT("%s: iobuf channel %p used off its thread\n", what,
				      (const void *)ch);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * The thread's io_channel (io_device callbacks, see iobuf.c)
 * ------------------------------------------------------------------------- */

int
pw__iobuf_thread_ch_create(void *io_device, void *ctx)
{
	struct pw_iobuf_thread_ch *tch = ctx;

	(void)io_device;
	STAILQ_INIT(&tch->small_queue);
	STAILQ_INIT(&tch->large_queue);
	tch->thread = spdk_get_thread();
	memset(tch->channels, 0, sizeof(tch->channels));
	return 0;
}

void
pw__iobuf_thread_ch_destroy(void *io_device, void *ctx)
{
	struct pw_iobuf_thread_ch *tch = ctx;

	(void)io_device;
	/* Every channel is closed, and channel_fini emptied the queues of the
	 * last channel of each module. */
	assert(STAILQ_EMPTY(&tch->small_queue));
	assert(STAILQ_EMPTY(&tch->large_queue));
	(void)tch;
}

/* ---------------------------------------------------------------------------
 * Opening and closing
 * ------------------------------------------------------------------------- */

static void
cache_init(struct spdk_iobuf_pool_cache *cache, struct pw_iobuf_pool *pool,
	   spdk_iobuf_entry_stailq_t *queue, uint32_t cache_size)
{
	memset(cache, 0, sizeof(*cache));
	cache->pool = pool->ring;
	STAILQ_INIT(&cache->cache);
	cache->cache_size = cache_size;
	cache->queue = queue;
	cache->bufsize = pool->bufsize;
}

/* Fill a cache up to its size from the ring, a batch at a time. */
static int
cache_fill(struct spdk_iobuf_pool_cache *cache, const char *module, const char *size_name,
	   uint64_t pool_count)
{
	void *batch[PW_IOBUF_FILL_BATCH];
	size_t n;

	while (cache->cache_count < cache->cache_size) {
		n = spdk_min(PW_IOBUF_FILL_BATCH, cache->cache_size - cache->cache_count);
		n = spdk_ring_dequeue(cache->pool, batch, n);
		for (size_t i = 0; i < n; i++) {
			pw__iobuf_tag_free(batch[i]);
			STAILQ_INSERT_TAIL(&cache->cache, (struct spdk_iobuf_buffer *)batch[i], stailq);
		}
		cache->cache_count += (uint32_t)n;
		if (n == 0) {
			SPDK_ERRLOG("iobuf: cannot fill the %s cache of a '%s' channel: %" PRIu32
				    " of %" PRIu32 " buffers; %s_pool_count (%" PRIu64
				    ") may be too small\n", size_name, module, cache->cache_count,
				    cache->cache_size, size_name, pool_count);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Give every cached buffer back to the ring, a batch at a time. */
static void
cache_drain(struct spdk_iobuf_pool_cache *cache)
{
	void *batch[PW_IOBUF_FILL_BATCH];
	struct spdk_iobuf_buffer *buf;
	size_t n = 0;

	while ((buf = STAILQ_FIRST(&cache->cache)) != NULL) {
		STAILQ_REMOVE_HEAD(&cache->cache, stailq);
		batch[n++] = buf;
		if (n == PW_IOBUF_FILL_BATCH || STAILQ_EMPTY(&cache->cache)) {
			if (spdk_ring_enqueue(cache->pool, batch, n, NULL) != n) {
				/* Only a put the checks let through twice overfills it. */
				SPDK_ERRLOG("iobuf: pool ring full, %zu buffers dropped\n", n);
			}
			n = 0;
		}
	}
	cache->cache_count = 0;
}

/* Drop the entries of ch's module from one queue; returns how many. */
static uint32_t
queue_drop_module(spdk_iobuf_entry_stailq_t *queue, const void *module)
{
	struct spdk_iobuf_entry *entry, *tmp;
	uint32_t n = 0;

	STAILQ_FOREACH_SAFE(entry, queue, stailq, tmp) {
		if (entry->module == module) {
			STAILQ_REMOVE(queue, entry, spdk_iobuf_entry, stailq);
			n++;
		}
	}
	return n;
}

PW_EXPORT int
spdk_iobuf_channel_init(struct spdk_iobuf_channel *ch, const char *name,
			uint32_t small_cache_size, uint32_t large_cache_size)
{
	struct pw_iobuf_module *module;
	struct pw_iobuf_thread_ch *tch;
	struct spdk_io_channel *ioch;
	uint32_t slot;
	int rc;

	if (ch == NULL || name == NULL) {
		SPDK_ERRLOG("spdk_iobuf_channel_init: NULL %s\n", ch == NULL ? "channel" : "name");
		return -EINVAL;
	}
	if (spdk_get_thread() == NULL) {
		SPDK_ERRLOG("spdk_iobuf_channel_init: not called on an spdk_thread\n");
		return -EINVAL;
	}

	/* The thread's io_channel is taken under the lock, in the same critical
	 * section as the check that iobuf is initialised: a spdk_iobuf_finish()
	 * on another thread (it clears the flag under the lock) then either
	 * comes first, and this is -ENODEV, or finds the channel and waits for
	 * it. Otherwise it could unregister the device and free the module in
	 * between. (Lock order: iobuf, then the thread library's.) */
	pw__iobuf_lock();
	if (!pw__iobuf_is_initialized()) {
		pw__iobuf_unlock();
		SPDK_ERRLOG("spdk_iobuf_channel_init: iobuf is not initialised\n");
		return -ENODEV;
	}
	module = pw__iobuf_module_find(name);
	if (module == NULL) {
		pw__iobuf_unlock();
		SPDK_ERRLOG("spdk_iobuf_channel_init: no iobuf module '%s'\n", name);
		return -ENODEV;
	}
	ioch = spdk_get_io_channel(&g_pw_iobuf_pools);
	if (ioch == NULL) {
		pw__iobuf_unlock();
		SPDK_ERRLOG("spdk_iobuf_channel_init: no iobuf io_channel for '%s'\n", name);
		return -ENOMEM;
	}
	tch = spdk_io_channel_get_ctx(ioch);
	for (slot = 0; slot < PW_IOBUF_MAX_CHANNELS; slot++) {
		if (tch->channels[slot] == ch) {
			/* Opening it again would lose its cached buffers and leave
			 * a second slot pointing at it after its fini. */
			pw__iobuf_unlock();
			SPDK_ERRLOG("spdk_iobuf_channel_init: channel %p is already open on this "
				    "thread\n", (void *)ch);
			spdk_put_io_channel(ioch);
			return -EBUSY;
		}
	}
	module->channels++;
	pw__iobuf_unlock();

	memset(ch, 0, sizeof(*ch));
	ch->module = module;
	for (slot = 0; slot < PW_IOBUF_MAX_CHANNELS; slot++) {
		if (tch->channels[slot] == NULL) {
			break;
		}
	}
	if (slot == PW_IOBUF_MAX_CHANNELS) {
		SPDK_ERRLOG("spdk_iobuf_channel_init: %u iobuf channels already open on this "
			    "thread\n", PW_IOBUF_MAX_CHANNELS);
		pw__iobuf_lock();
		module->channels--;
		pw__iobuf_unlock();
		ch->module = NULL;
		spdk_put_io_channel(ioch);
		return -ENOMEM;
	}
	tch->channels[slot] = ch;
	ch->parent = ioch;

	for (uint32_t n = 0; n < SPDK_CONFIG_MAX_NUMA_NODES; n++) {
		cache_init(&ch->cache[n].small, &g_pw_iobuf_pools.small, &tch->small_queue,
			   small_cache_size);
		cache_init(&ch->cache[n].large, &g_pw_iobuf_pools.large, &tch->large_queue,
			   large_cache_size);
	}
	for (uint32_t n = 0; n < SPDK_CONFIG_MAX_NUMA_NODES; n++) {
		rc = cache_fill(&ch->cache[n].small, name, "small", g_pw_iobuf_pools.small.count);
		if (rc == 0) {
			rc = cache_fill(&ch->cache[n].large, name, "large",
					g_pw_iobuf_pools.large.count);
		}
		if (rc != 0) {
			spdk_iobuf_channel_fini(ch);
			return rc;
		}
	}
	return 0;
}

PW_EXPORT void
spdk_iobuf_channel_fini(struct spdk_iobuf_channel *ch)
{
	struct pw_iobuf_module *module;
	struct pw_iobuf_thread_ch *tch;
	bool last_of_module = true;
	uint32_t dropped;

	if (!channel_usable(ch, "spdk_iobuf_channel_fini")) {
		return;
	}
	tch = thread_ch(ch);
	module = (struct pw_iobuf_module *)ch->module;

	for (uint32_t c = 0; c < PW_IOBUF_MAX_CHANNELS; c++) {
		if (tch->channels[c] == ch) {
			tch->channels[c] = NULL;
		} else if (tch->channels[c] != NULL && tch->channels[c]->module == module) {
			last_of_module = false;
		}
	}
	/* Entries of a module with no channel left on the thread would be served
	 * later with a buffer for a request whose owner is gone. */
	if (last_of_module) {
		dropped = queue_drop_module(&tch->small_queue, module);
		dropped += queue_drop_module(&tch->large_queue, module);
		if (dropped > 0) {
			SPDK_ERRLOG("spdk_iobuf_channel_fini: %" PRIu32 " entries of '%s' were still "
				    "waiting for a buffer; taken off the queue, their callbacks "
				    "will not run\n", dropped, module->name);
		}
	}

	for (uint32_t n = 0; n < SPDK_CONFIG_MAX_NUMA_NODES; n++) {
		cache_drain(&ch->cache[n].small);
		cache_drain(&ch->cache[n].large);
	}

	/* The module is released before the io_channel: once the last channel
	 * is put, a finish on another thread may free every module. */
	pw__iobuf_lock();
	module->channels--;
	pw__iobuf_unlock();
	spdk_put_io_channel(ch->parent);
	ch->parent = NULL;
}

/* ---------------------------------------------------------------------------
 * Get and put
 * ------------------------------------------------------------------------- */

PW_EXPORT void *
spdk_iobuf_get(struct spdk_iobuf_channel *ch, uint64_t len, struct spdk_iobuf_entry *entry,
	       spdk_iobuf_get_cb cb_fn)
{
	struct spdk_iobuf_pool_cache *pool;
	struct spdk_iobuf_buffer *buf;
	void *batch[PW_IOBUF_BATCH];
	size_t n;

	if (!channel_usable(ch, "spdk_iobuf_get")) {
		return NULL;
	}
	pool = pool_for_len(ch, len, "spdk_iobuf_get");
	if (spdk_unlikely(pool == NULL)) {
		return NULL;
	}

	buf = STAILQ_FIRST(&pool->cache);
	if (spdk_likely(buf != NULL)) {
		STAILQ_REMOVE_HEAD(&pool->cache, stailq);
		pool->cache_count--;
		pool->stats.cache++;
		pw__iobuf_untag(buf);
		return buf;
	}

	if (spdk_unlikely(entry != NULL && cb_fn == NULL)) {
		SPDK_ERRLOG_RATELIMIT("spdk_iobuf_get: an entry without callback\n");
		return NULL;
	}
	n = spdk_ring_dequeue(pool->pool, batch,
			      spdk_min(PW_IOBUF_BATCH, spdk_max(pool->cache_size, 1u)));
	if (n == 0) {
		if (entry != NULL) {
			entry->cb_fn = cb_fn;
			entry->module = ch->module;
			STAILQ_INSERT_TAIL(pool->queue, entry, stailq);
			pool->stats.retry++;
		}
		return NULL;
	}
	pool->stats.main++;
	for (size_t i = 0; i + 1 < n; i++) {
		pw__iobuf_tag_free(batch[i]);
		STAILQ_INSERT_HEAD(&pool->cache, (struct spdk_iobuf_buffer *)batch[i], stailq);
	}
	pool->cache_count += (uint32_t)(n - 1);
	pw__iobuf_untag(batch[n - 1]);
	return batch[n - 1];
}

/* Whether buf is a buffer of the pool (start of one, inside the mapping). */
static inline bool
is_pool_buffer(const struct pw_iobuf_pool *pool, const void *buf)
{
	uint64_t off = (uintptr_t)buf - pool->base;

	/* Below base wraps to a huge offset: one compare covers both ends. The
	 * stride test is off % bufsize == 0 without a 25-cycle division: the low
	 * shift bits must be zero and the rest a multiple of the odd factor. */
	return off < pool->span && (off & ((UINT64_C(1) << pool->shift) - 1)) == 0 &&
	       (off >> pool->shift) * pool->odd_inverse <= pool->odd_limit;
}

/* Hand buf to the first waiting entry. */
static void
serve_waiter(struct spdk_iobuf_pool_cache *pool, void *buf)
{
	struct spdk_iobuf_entry *entry = STAILQ_FIRST(pool->queue);

	STAILQ_REMOVE_HEAD(pool->queue, stailq);
	entry->cb_fn(entry, buf);
	/* A callback that queued the same entry again (it needed one more
	 * buffer) keeps its turn at the head rather than the tail, as in SPDK. */
	if (spdk_unlikely(entry == STAILQ_LAST(pool->queue, spdk_iobuf_entry, stailq)) &&
	    STAILQ_FIRST(pool->queue) != entry) {
		STAILQ_REMOVE(pool->queue, entry, spdk_iobuf_entry, stailq);
		STAILQ_INSERT_HEAD(pool->queue, entry, stailq);
	}
}

PW_EXPORT void
spdk_iobuf_put(struct spdk_iobuf_channel *ch, void *buf, uint64_t len)
{
	struct spdk_iobuf_pool_cache *pool;
	const struct pw_iobuf_pool *shared;
	void *batch[PW_IOBUF_BATCH];
	uint32_t n;

	if (!channel_usable(ch, "spdk_iobuf_put")) {
		return;
	}
	pool = pool_for_len(ch, len, "spdk_iobuf_put");
	if (spdk_unlikely(pool == NULL)) {
		return;
	}
	shared = pool == &ch->cache[0].small ? &g_pw_iobuf_pools.small : &g_pw_iobuf_pools.large;
	if (spdk_unlikely(!is_pool_buffer(shared, buf))) {
		SPDK_ERRLOG_RATELIMIT("spdk_iobuf_put: %p (len %" PRIu64 ") is not a buffer of the "
				      "%s pool; refused\n", buf, len, shared->name);
		return;
	}
	if (spdk_unlikely(pw__iobuf_is_tagged_free(buf))) {
		SPDK_ERRLOG_RATELIMIT("spdk_iobuf_put: %s buffer %p is already free (put twice?); "
				      "refused\n", shared->name, buf);
		return;
	}

	if (!STAILQ_EMPTY(pool->queue)) {
		serve_waiter(pool, buf);
		return;
	}

	pw__iobuf_tag_free(buf);
	if (spdk_unlikely(pool->cache_size == 0)) {
		if (spdk_ring_enqueue(pool->pool, &buf, 1, NULL) != 1) {
			SPDK_ERRLOG_RATELIMIT("iobuf: %s pool ring full, %p dropped\n",
					      shared->name, buf);
		}
		return;
	}
	STAILQ_INSERT_HEAD(&pool->cache, (struct spdk_iobuf_buffer *)buf, stailq);
	pool->cache_count++;

	/* Gets take from the ring a batch at a time: keep a batch above the
	 * cache's size before giving one back, so a get/put seesaw at the
	 * boundary does not go to the ring every time. */
	n = spdk_min(PW_IOBUF_BATCH, pool->cache_size);
	if (pool->cache_count >= pool->cache_size + n) {
		for (uint32_t i = 0; i < n; i++) {
			batch[i] = STAILQ_FIRST(&pool->cache);
			STAILQ_REMOVE_HEAD(&pool->cache, stailq);
		}
		pool->cache_count -= n;
		if (spdk_ring_enqueue(pool->pool, batch, n, NULL) != n) {
			SPDK_ERRLOG_RATELIMIT("iobuf: %s pool ring full, %" PRIu32
					      " buffers dropped\n", shared->name, n);
		}
	}
}

/* ---------------------------------------------------------------------------
 * Waiting entries
 * ------------------------------------------------------------------------- */

/* Take entry off queue if it is there; returns whether it was. */
static bool
queue_remove(spdk_iobuf_entry_stailq_t *queue, struct spdk_iobuf_entry *entry)
{
	struct spdk_iobuf_entry *e;

	STAILQ_FOREACH(e, queue, stailq) {
		if (e == entry) {
			STAILQ_REMOVE(queue, entry, spdk_iobuf_entry, stailq);
			return true;
		}
	}
	return false;
}

PW_EXPORT void
spdk_iobuf_entry_abort(struct spdk_iobuf_channel *ch, struct spdk_iobuf_entry *entry,
		       uint64_t len)
{
	struct spdk_iobuf_pool_cache *pool, *other;

	if (!channel_usable(ch, "spdk_iobuf_entry_abort")) {
		return;
	}
	if (entry == NULL) {
		SPDK_ERRLOG("spdk_iobuf_entry_abort: NULL entry\n");
		return;
	}
	pool = pool_for_len(ch, len, "spdk_iobuf_entry_abort");
	if (pool != NULL && queue_remove(pool->queue, entry)) {
		return;
	}
	/* A len that names the other size (or none): the caller means to
	 * abort, and frees the entry next; leaving it queued would have a
	 * later put call back into freed memory. */
	other = pool == &ch->cache[0].small ? &ch->cache[0].large : &ch->cache[0].small;
	if (queue_remove(other->queue, entry) ||
	    (pool == NULL && queue_remove(ch->cache[0].large.queue, entry))) {
		SPDK_ERRLOG("spdk_iobuf_entry_abort: entry %p was waiting for a buffer of the "
			    "other size than len %" PRIu64 " says; aborted all the same\n",
			    (void *)entry, len);
	}
}

static int
queue_for_each(struct spdk_iobuf_channel *ch, spdk_iobuf_entry_stailq_t *queue,
	       spdk_iobuf_for_each_entry_fn cb_fn, void *cb_ctx)
{
	struct spdk_iobuf_entry *entry, *tmp;
	int rc;

	STAILQ_FOREACH_SAFE(entry, queue, stailq, tmp) {
		if (entry->module != ch->module) {
			continue;
		}
		rc = cb_fn(ch, entry, cb_ctx);
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

PW_EXPORT int
spdk_iobuf_for_each_entry(struct spdk_iobuf_channel *ch, spdk_iobuf_for_each_entry_fn cb_fn,
			  void *cb_ctx)
{
	int rc;

	if (!channel_usable(ch, "spdk_iobuf_for_each_entry")) {
		return -EINVAL;
	}
	if (cb_fn == NULL) {
		SPDK_ERRLOG("spdk_iobuf_for_each_entry: NULL callback\n");
		return -EINVAL;
	}
	for (uint32_t n = 0; n < SPDK_CONFIG_MAX_NUMA_NODES; n++) {
		rc = queue_for_each(ch, ch->cache[n].small.queue, cb_fn, cb_ctx);
		if (rc == 0) {
			rc = queue_for_each(ch, ch->cache[n].large.queue, cb_fn, cb_ctx);
		}
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Records of the thread library's tracepoints (see thread_trace.h): called
 * only while the group "pinwheel" is on, out of the hot paths.
 *
 * Names are not recorded: the exporter learns them through pw_trace_name().
 * A thread is named when it is created; one created before tracing was turned
 * on (or a poller) is named the first time this pthread records it, which a
 * small per-pthread cache of the ids already named keeps to once in a while.
 *
 * The descriptions of the whole group (the event framework's tracepoints
 * too) are registered here, in the file every call site links in, so that a
 * program linked with the static library registers them as well.
 */

#include "thread/thread_internal.h"
#include "thread/thread_trace.h"

#include "spdk/trace.h"
#include "spdk/util.h"

#define NAMED_SLOTS	64u	/* per pthread, direct-mapped by id */

struct named_cache {
	uint64_t	thread_ids[NAMED_SLOTS];
	uint64_t	poller_keys[NAMED_SLOTS];
};

/* Allocated on a pthread's first use (the library's static TLS stays small:
 * see CMakeLists.txt), freed when the pthread ends. */
static __thread struct named_cache *t_named;
static pthread_key_t g_named_key;
static pthread_once_t g_named_once = PTHREAD_ONCE_INIT;

/* Runs on the ending pthread itself. */
static void
named_cache_free(void *cache)
{
	free(cache);
	t_named = NULL;
}

static void
named_key_create(void)
{
	if (pthread_key_create(&g_named_key, named_cache_free) != 0) {
		SPDK_ERRLOG("trace: no pthread key; the name caches of pthreads will leak\n");
	}
}

/* NULL without memory: then every record names again (correct, slower). */
static struct named_cache *
named_cache(void)
{
	if (spdk_unlikely(t_named == NULL)) {
		pthread_once(&g_named_once, named_key_create);
		t_named = calloc(1, sizeof(*t_named));
		if (t_named != NULL) {
			pthread_setspecific(g_named_key, t_named);
		}
	}
	return t_named;
}

static void
name_thread(const struct spdk_thread *thread)
{
	struct named_cache *cache = named_cache();
	uint64_t dummy = 0, *slot = cache ? &cache->thread_ids[thread->id % NAMED_SLOTS] : &dummy;

	if (*slot != thread->id) {
		pw_trace_name(PW_TP_NAME_THREAD, thread->id, thread->name);
		*slot = thread->id;
	}
}

static uint64_t
name_poller(const struct spdk_thread *thread, const struct spdk_poller *poller)
{
	uint64_t key = PW_TP_POLLER_KEY(thread->id, poller->id);
	/* Keys differ in the thread id (high half) and the poller id (low). */
	struct named_cache *cache = named_cache();
	uint64_t dummy = 0;
	uint64_t *slot = cache ? &cache->poller_keys[(key ^ (key >> 29)) % NAMED_SLOTS] : &dummy;

	if (*slot != key) {
		pw_trace_name(PW_TP_NAME_POLLER, key, poller->name);
		*slot = key;
	}
	return key;
}

void
pw__tp_thread(uint16_t tpoint, struct spdk_thread *thread)
{
	if (tpoint == PW_TP_THREAD_CREATE) {
		/* Always (the cache may hold a destroyed thread's id: ids are
		 * never reused, so that cannot hide this one). */
		pw_trace_name(PW_TP_NAME_THREAD, thread->id, thread->name);
	}
	spdk_trace_record(tpoint, 0, 0, thread->id);
}

void
pw__tp_slice_begin(struct spdk_thread *thread)
{
	name_thread(thread);
	spdk_trace_record(PW_TP_SLICE_BEGIN, 0, 0, thread->id);
}

void
pw__tp_slice_end(struct spdk_thread *thread, int rc)
{
	spdk_trace_record(PW_TP_SLICE_END, 0, 0, thread->id, (uint64_t)(rc > 0));
}

void
pw__tp_msg_send(const struct spdk_thread *dest, spdk_msg_fn fn, void *ctx)
{
	const struct spdk_thread *sender = pw__tls_thread;

	spdk_trace_record(PW_TP_MSG_SEND, 0, 0, dest->id, (uint64_t)(uintptr_t)fn,
			  (uint64_t)(uintptr_t)ctx, sender != NULL ? sender->id : 0);
}

uint32_t
pw__tp_msgq_run_batch(struct spdk_thread *thread, void **batch, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		spdk_msg_fn fn = (spdk_msg_fn)batch[i * PW_MSG_WORDS];
		void *ctx = batch[i * PW_MSG_WORDS + 1];

		spdk_trace_record(PW_TP_MSG_RUN_BEGIN, 0, 0, thread->id, (uint64_t)(uintptr_t)fn,
				  (uint64_t)(uintptr_t)ctx);
		fn(ctx);
		spdk_trace_record(PW_TP_MSG_RUN_END, 0, 0, thread->id, (uint64_t)(uintptr_t)fn);
		pw__thread_after_callback(thread);
	}
	return n;
}

void
pw__tp_poller_begin(struct spdk_thread *thread, struct spdk_poller *poller)
{
	uint64_t key = name_poller(thread, poller);

	spdk_trace_record(PW_TP_POLLER_RUN_BEGIN, 0, 0, key, (uint64_t)(uintptr_t)poller->fn);
}

void
pw__tp_poller_end(struct spdk_thread *thread, struct spdk_poller *poller, int rc)
{
	spdk_trace_record(PW_TP_POLLER_RUN_END, 0, 0, PW_TP_POLLER_KEY(thread->id, poller->id),
			  (uint64_t)(int64_t)rc);
}

/* ---------------------------------------------------------------------------
 * Descriptions (spdk_trace_init() runs this; trace_get_info lists them)
 * ------------------------------------------------------------------------- */

#define INT8(n)	{ (n), SPDK_TRACE_ARG_TYPE_INT, 8 }
#define PTR8(n)	{ (n), SPDK_TRACE_ARG_TYPE_PTR, 8 }

static void
register_pinwheel_tpoints(void)
{
	static const struct spdk_trace_tpoint_opts opts[] = {
		{ "PW_THREAD_CREATE", PW_TP_THREAD_CREATE, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_THREAD_EXIT", PW_TP_THREAD_EXIT, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_THREAD_DESTROY", PW_TP_THREAD_DESTROY, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_SLICE_BEGIN", PW_TP_SLICE_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_SLICE_END", PW_TP_SLICE_END, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("busy") } },
		{
			"PW_MSG_SEND", PW_TP_MSG_SEND, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn"), PTR8("ctx"), INT8("sender") }
		},
		{
			"PW_MSG_RUN_BEGIN", PW_TP_MSG_RUN_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn"), PTR8("ctx") }
		},
		{ "PW_MSG_RUN_END", PW_TP_MSG_RUN_END, OWNER_TYPE_NONE, OBJECT_NONE, 0, { PTR8("fn") } },
		{
			"PW_POLLER_RUN_BEGIN", PW_TP_POLLER_RUN_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn") }
		},
		{ "PW_POLLER_RUN_END", PW_TP_POLLER_RUN_END, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("rc") } },
		{
			"PW_EVENT_CALL", PW_TP_EVENT_CALL, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("fn"), PTR8("arg1") }
		},
		{
			"PW_EVENT_RUN_BEGIN", PW_TP_EVENT_RUN_BEGIN, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("arg1") }
		},
		{
			"PW_EVENT_RUN_END", PW_TP_EVENT_RUN_END, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ PTR8("arg1") }
		},
		{
			"PW_THREAD_PLACE", PW_TP_THREAD_PLACE, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ INT8("from"), INT8("to"), INT8("reason") }
		},
		{
			"PW_THREAD_MOVE", PW_TP_THREAD_MOVE, OWNER_TYPE_NONE, OBJECT_NONE, 0,
			{ INT8("from"), INT8("to"), INT8("reason") }
		},
		{ "PW_REACTOR_SLEEP", PW_TP_REACTOR_SLEEP, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_REACTOR_WAKE", PW_TP_REACTOR_WAKE, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("woken") } },
		{ "PW_APP_START", PW_TP_APP_START, OWNER_TYPE_NONE, OBJECT_NONE, 0, { } },
		{ "PW_APP_STOP", PW_TP_APP_STOP, OWNER_TYPE_NONE, OBJECT_NONE, 0, { INT8("rc") } },
	};

	_Static_assert(SPDK_COUNTOF(opts) == PW_TP_COUNT, "one description per tracepoint");
	_Static_assert(PW_TP_GROUP == PW_TRACE_GROUP_PINWHEEL, "the group of pinwheel/trace.h");
	spdk_trace_register_description_ext(opts, SPDK_COUNTOF(opts));
}

SPDK_TRACE_REGISTER_FN(register_pinwheel_tpoints, "pinwheel", PW_TRACE_GROUP_PINWHEEL)

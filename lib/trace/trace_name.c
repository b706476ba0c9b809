/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Names of ids recorded in arguments (thread ids, poller ids...), for
 * exporters: a hash table of (kind, id) -> name under a mutex. Names are
 * given rarely (a thread is created, a poller registered) and only while
 * tracing is on; a node is never freed before spdk_trace_cleanup(), so the
 * string pw_trace_name_lookup() returns stays valid until then even if the
 * id is renamed (the newer node goes in front of the older one).
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include "common/pw_common.h"
#include "trace_internal.h"

#define NAME_BUCKETS	1024
#define NAME_MAX_LEN	64

struct name_node {
	struct name_node	*next;
	uint64_t		id;
	uint32_t		kind;
	char			name[NAME_MAX_LEN];
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct name_node *g_buckets[NAME_BUCKETS];	/* under g_lock */

static uint32_t
bucket(uint32_t kind, uint64_t id)
{
	uint64_t h = (id ^ ((uint64_t)kind << 56)) * 0x9E3779B97F4A7C15ull;

	return (uint32_t)(h >> 54) % NAME_BUCKETS;
}

PW_EXPORT void
pw_trace_name(uint32_t kind, uint64_t id, const char *name)
{
	struct name_node *n;
	uint32_t b;

	if (name == NULL || !pw__trace_on()) {
		return;
	}
	n = malloc(sizeof(*n));
	if (n == NULL) {
		SPDK_ERRLOG("trace: no memory to name id %" PRIu64 " of kind %u\n", id, kind);
		return;
	}
	n->kind = kind;
	n->id = id;
	snprintf(n->name, sizeof(n->name), "%s", name);
	b = bucket(kind, id);
	pthread_mutex_lock(&g_lock);
	n->next = g_buckets[b];
	g_buckets[b] = n;
	pthread_mutex_unlock(&g_lock);
}

PW_EXPORT const char *
pw_trace_name_lookup(uint32_t kind, uint64_t id)
{
	struct name_node *n;
	const char *found = NULL;

	pthread_mutex_lock(&g_lock);
	for (n = g_buckets[bucket(kind, id)]; n != NULL; n = n->next) {
		if (n->kind == kind && n->id == id) {
			found = n->name;
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return found;
}

void
pw__trace_name_fini(void)
{
	struct name_node *n, *next;
	uint32_t b;

	pthread_mutex_lock(&g_lock);
	for (b = 0; b < NAME_BUCKETS; b++) {
		for (n = g_buckets[b]; n != NULL; n = next) {
			next = n->next;
			free(n);
		}
		g_buckets[b] = NULL;
	}
	pthread_mutex_unlock(&g_lock);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Trace owners: ids handed out to threads, pollers, channels... with a type
 * and a description. As SPDK: PW_TRACE_NUM_OWNERS ids, the first 256 never
 * handed out (0 means "no owner"), free ids kept in a FIFO so that an id
 * given back is reused as late as possible. A mutex guards the table: owners
 * come and go with objects, never on a record path.
 */

#include "spdk/stdinc.h"
#include "spdk/env.h"
#include "spdk/log.h"
#include "spdk/trace.h"

#include "common/pw_common.h"
#include "trace_internal.h"

struct owner {
	uint64_t	tsc;
	uint8_t		type;
	bool		used;
	char		description[PW_TRACE_OWNER_DESC_SIZE];
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
/* Under g_lock; NULL while the trace is not initialised. */
static struct owner *g_owners;
static uint16_t *g_free;		/* FIFO of free ids */
static uint32_t g_free_head, g_free_count;

#define FREE_SLOTS	(PW_TRACE_NUM_OWNERS - PW_TRACE_OWNER_ID_FIRST)

int
pw__trace_owner_init(void)
{
	struct owner *owners;
	uint16_t *ids;
	uint32_t i;

	owners = calloc(PW_TRACE_NUM_OWNERS, sizeof(*owners));
	ids = calloc(FREE_SLOTS, sizeof(*ids));
	if (owners == NULL || ids == NULL) {
		free(owners);
		free(ids);
		SPDK_ERRLOG("trace: no memory for the owner table\n");
		return -ENOMEM;
	}
	for (i = 0; i < FREE_SLOTS; i++) {
		ids[i] = (uint16_t)(PW_TRACE_OWNER_ID_FIRST + i);
	}
	pthread_mutex_lock(&g_lock);
	g_owners = owners;
	g_free = ids;
	g_free_head = 0;
	g_free_count = FREE_SLOTS;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

void
pw__trace_owner_fini(void)
{
	pthread_mutex_lock(&g_lock);
	free(g_owners);
	free(g_free);
	g_owners = NULL;
	g_free = NULL;
	g_free_count = 0;
	pthread_mutex_unlock(&g_lock);
}

/* Under g_lock: the registered owner \p id, or NULL. */
static struct owner *
find(uint16_t id)
{
	if (g_owners == NULL || id < PW_TRACE_OWNER_ID_FIRST || id >= PW_TRACE_NUM_OWNERS ||
	    !g_owners[id].used) {
		return NULL;
	}
	return &g_owners[id];
}

/* Takes g_lock and returns the registered owner \p id with g_lock held; or
 * NULL with g_lock released, *traced saying whether the trace was initialised
 * (when it is not, no id is registered and there is nothing to report). */
static struct owner *
lock_owner(uint16_t id, bool *traced)
{
	struct owner *o;

	pthread_mutex_lock(&g_lock);
	*traced = g_owners != NULL;
	o = find(id);
	if (o == NULL) {
		pthread_mutex_unlock(&g_lock);
	}
	return o;
}

PW_EXPORT uint16_t
spdk_trace_register_owner(uint8_t owner_type, const char *description)
{
	struct owner *o;
	uint16_t id;

	pthread_mutex_lock(&g_lock);
	if (g_owners == NULL || g_free_count == 0) {
		/* As SPDK: no trace, or no id left, means "no owner". */
		pthread_mutex_unlock(&g_lock);
		return OWNER_ID_NONE;
	}
	id = g_free[g_free_head];
	g_free_head = (g_free_head + 1) % FREE_SLOTS;
	g_free_count--;
	o = &g_owners[id];
	o->tsc = spdk_get_ticks();
	o->type = owner_type;
	o->used = true;
	snprintf(o->description, sizeof(o->description), "%s", description ? description : "");
	pthread_mutex_unlock(&g_lock);
	return id;
}

PW_EXPORT void
spdk_trace_unregister_owner(uint16_t owner_id)
{
	struct owner *o;
	bool traced;

	if (owner_id == OWNER_ID_NONE) {
		return;
	}
	o = lock_owner(owner_id, &traced);
	if (o == NULL) {
		if (traced) {
			SPDK_ERRLOG("trace owner %u is not registered: not unregistered\n", owner_id);
		}
		return;
	}
	o->used = false;
	g_free[(g_free_head + g_free_count) % FREE_SLOTS] = owner_id;
	g_free_count++;
	pthread_mutex_unlock(&g_lock);
}

static void
set_description(uint16_t owner_id, const char *description, bool append)
{
	struct owner *o;
	char old[PW_TRACE_OWNER_DESC_SIZE];
	bool traced;

	o = lock_owner(owner_id, &traced);
	if (o == NULL) {
		if (traced) {
			SPDK_ERRLOG("trace owner %u is not registered: description not changed\n",
				    owner_id);
		}
		return;
	}
	if (append) {
		size_t used = strnlen(o->description, sizeof(o->description) - 1);

		/* The old text, a space, the new text, cut to the field. */
		memcpy(old, o->description, used);
		old[used] = ' ';
		snprintf(&old[used + 1], sizeof(old) - used - 1, "%s", description ? description : "");
		memcpy(o->description, old, sizeof(o->description));
		o->description[sizeof(o->description) - 1] = '\0';
	} else {
		snprintf(o->description, sizeof(o->description), "%s",
			 description ? description : "");
	}
	pthread_mutex_unlock(&g_lock);
}

PW_EXPORT void
spdk_trace_owner_set_description(uint16_t owner_id, const char *description)
{
	set_description(owner_id, description, false);
}

PW_EXPORT void
spdk_trace_owner_append_description(uint16_t owner_id, const char *description)
{
	if (owner_id != OWNER_ID_NONE) {
		set_description(owner_id, description, true);
	}
}

PW_EXPORT int
pw_trace_owner_get(uint16_t owner_id, uint8_t *type, char *buf, size_t len)
{
	struct owner *o;
	bool traced;

	if (buf == NULL || len == 0) {
		SPDK_ERRLOG("pw_trace_owner_get: no buffer\n");
		return -EINVAL;
	}
	o = lock_owner(owner_id, &traced);
	if (o == NULL) {
		return -ENOENT;
	}
	if (type != NULL) {
		*type = o->type;
	}
	snprintf(buf, len, "%s", o->description);
	pthread_mutex_unlock(&g_lock);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Deprecation notices: a registry of deprecated features, a hit counter per
 * feature and a rate-limited warning each time one is used.
 *
 * Deprecations are never freed, so the registry is an append-only singly
 * linked list: registration appends under a mutex, and iteration walks it
 * without a lock (each link is published with a release store), which lets a
 * for-each callback do anything, including logging.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include "common/pw_common.h"
#include "log/log_internal.h"

#define NSEC_PER_SEC	1000000000ULL

struct spdk_deprecation {
	struct spdk_deprecation *next;	/* published with release, read with acquire */
	const char *tag;		/* the three strings live after the struct */
	const char *desc;
	const char *remove;
	uint64_t interval_ns;		/* 0: log every use */
	uint64_t hits;			/* atomic */
	struct pw_log_ratelimit rl;	/* atomic */
};

static pthread_mutex_t g_dep_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spdk_deprecation *g_dep_head;
static struct spdk_deprecation **g_dep_tail = &g_dep_head;	/* under g_dep_lock */

/* Lock held. */
static struct spdk_deprecation *
find_locked(const char *tag)
{
	struct spdk_deprecation *dep;

	for (dep = g_dep_head; dep != NULL; dep = dep->next) {
		if (strcmp(dep->tag, tag) == 0) {
			return dep;
		}
	}
	return NULL;
}

PW_EXPORT int
spdk_log_deprecation_register(const char *tag, const char *description,
			      const char *remove_release, uint32_t rate_limit_seconds,
			      struct spdk_deprecation **reg)
{
	struct spdk_deprecation *dep;
	size_t tlen, dlen, rlen;
	char *p;

	if (tag == NULL || description == NULL || remove_release == NULL || reg == NULL ||
	    tag[0] == '\0') {
		SPDK_ERRLOG("cannot register deprecation: %s\n",
			    reg == NULL ? "reg is NULL" : "tag, description or release is NULL "
			    "or the tag is empty");
		return -EINVAL;
	}
	tlen = strlen(tag) + 1;
	dlen = strlen(description) + 1;
	rlen = strlen(remove_release) + 1;
	dep = calloc(1, sizeof(*dep) + tlen + dlen + rlen);
	if (dep == NULL) {
		SPDK_ERRLOG("cannot register deprecation '%s': out of memory\n", tag);
		return -ENOMEM;
	}
	p = (char *)(dep + 1);
	dep->tag = memcpy(p, tag, tlen);
	dep->desc = memcpy(p + tlen, description, dlen);
	dep->remove = memcpy(p + tlen + dlen, remove_release, rlen);
	dep->interval_ns = (uint64_t)rate_limit_seconds * NSEC_PER_SEC;

	pthread_mutex_lock(&g_dep_lock);
	if (find_locked(tag) != NULL) {
		pthread_mutex_unlock(&g_dep_lock);
		SPDK_ERRLOG("cannot register deprecation '%s': tag already registered\n", tag);
		free(dep);
		return -EEXIST;
	}
	/* Pairs with the acquire loads in spdk_log_for_each_deprecation(). */
	__atomic_store_n(g_dep_tail, dep, __ATOMIC_RELEASE);
	g_dep_tail = &dep->next;
	pthread_mutex_unlock(&g_dep_lock);

	*reg = dep;
	return 0;
}

PW_EXPORT void
spdk_log_deprecated(struct spdk_deprecation *dep, const char *file, uint32_t line,
		    const char *func)
{
	uint64_t squashed;

	if (dep == NULL) {
		spdk_log(SPDK_LOG_ERROR, file, (int)line, func,
			 "NULL deprecation handle (was it registered?)\n");
		return;
	}
	/* Read by spdk_deprecation_get_hits(). */
	__atomic_fetch_add(&dep->hits, 1, __ATOMIC_RELAXED);
	if (!pw__log_ratelimit_check_interval(&dep->rl, dep->interval_ns, &squashed)) {
		return;
	}
	spdk_log(SPDK_LOG_WARN, file, (int)line, func,
		 "%s: deprecated feature %s to be removed in %s\n",
		 dep->tag, dep->desc, dep->remove);
	if (squashed != 0) {
		SPDK_WARNLOG("%s: %" PRIu64 " messages suppressed\n", dep->tag, squashed);
	}
}

PW_EXPORT int
spdk_log_for_each_deprecation(void *ctx, spdk_log_for_each_deprecation_fn fn)
{
	struct spdk_deprecation *dep;
	int rc = 0;

	if (fn == NULL) {
		SPDK_ERRLOG("spdk_log_for_each_deprecation: fn is NULL\n");
		return -EINVAL;
	}
	/* Pairs with the release store in spdk_log_deprecation_register(). */
	for (dep = __atomic_load_n(&g_dep_head, __ATOMIC_ACQUIRE); dep != NULL;
	     dep = __atomic_load_n(&dep->next, __ATOMIC_ACQUIRE)) {
		rc = fn(ctx, dep);
		if (rc != 0) {
			break;
		}
	}
	return rc;
}

PW_EXPORT const char *
spdk_deprecation_get_tag(const struct spdk_deprecation *deprecation)
{
	return deprecation != NULL ? deprecation->tag : NULL;
}

PW_EXPORT const char *
spdk_deprecation_get_description(const struct spdk_deprecation *deprecation)
{
	return deprecation != NULL ? deprecation->desc : NULL;
}

PW_EXPORT const char *
spdk_deprecation_get_remove_release(const struct spdk_deprecation *deprecation)
{
	return deprecation != NULL ? deprecation->remove : NULL;
}

PW_EXPORT uint64_t
spdk_deprecation_get_hits(const struct spdk_deprecation *deprecation)
{
	/* Pairs with the fetch_add in spdk_log_deprecated(). */
	return deprecation != NULL ? __atomic_load_n(&deprecation->hits, __ATOMIC_RELAXED) : 0;
}

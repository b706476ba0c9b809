/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Component flags (-L): registration in name order, lookup, set and clear by
 * name, "all" or glob pattern, and the usage line.
 *
 * Flags are registered mostly by constructors, before main(), but libraries
 * loaded later register too, so the list is guarded by a mutex that needs no
 * initialisation. The enabled bits are flipped with atomic stores and read by
 * the logging macros with atomic loads, without the mutex.
 */

#include "spdk/stdinc.h"
#include "spdk/log.h"

#include <fnmatch.h>

#include "common/pw_common.h"
#include "log/log_internal.h"

static pthread_mutex_t g_flags_lock = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, spdk_log_flag) g_flags = TAILQ_HEAD_INITIALIZER(g_flags);

/* Names compare without regard to case, as in SPDK. Lock held. */
static struct spdk_log_flag *
find_locked(const char *name)
{
	struct spdk_log_flag *flag;

	TAILQ_FOREACH(flag, &g_flags, tailq) {
		if (strcasecmp(flag->name, name) == 0) {
			return flag;
		}
	}
	return NULL;
}

PW_EXPORT void
spdk_log_register_flag(const char *name, struct spdk_log_flag *flag)
{
	struct spdk_log_flag *iter;

	if (name == NULL || flag == NULL || name[0] == '\0') {
		SPDK_ERRLOG("cannot register log flag: %s\n",
			    flag == NULL ? "flag is NULL" : "name is NULL or empty");
		return;
	}
	if (strcasecmp(name, "all") == 0 || strpbrk(name, "*?[]\\") != NULL) {
		SPDK_ERRLOG("cannot register log flag '%s': the name is reserved or holds "
			    "glob characters\n", name);
		return;
	}

	pthread_mutex_lock(&g_flags_lock);
	if (find_locked(name) != NULL) {
		pthread_mutex_unlock(&g_flags_lock);
		SPDK_ERRLOG("cannot register log flag '%s': a flag of that name exists\n", name);
		return;
	}
	flag->name = name;
	TAILQ_FOREACH(iter, &g_flags, tailq) {
		if (strcasecmp(iter->name, name) > 0) {
			TAILQ_INSERT_BEFORE(iter, flag, tailq);
			break;
		}
	}
	if (iter == NULL) {
		TAILQ_INSERT_TAIL(&g_flags, flag, tailq);
	}
	pthread_mutex_unlock(&g_flags_lock);
}

PW_EXPORT struct spdk_log_flag *
spdk_log_get_first_flag(void)
{
	struct spdk_log_flag *flag;

	pthread_mutex_lock(&g_flags_lock);
	flag = TAILQ_FIRST(&g_flags);
	pthread_mutex_unlock(&g_flags_lock);
	return flag;
}

PW_EXPORT struct spdk_log_flag *
spdk_log_get_next_flag(struct spdk_log_flag *flag)
{
	struct spdk_log_flag *next;

	if (flag == NULL) {
		return NULL;
	}
	pthread_mutex_lock(&g_flags_lock);
	next = TAILQ_NEXT(flag, tailq);
	pthread_mutex_unlock(&g_flags_lock);
	return next;
}

PW_EXPORT bool
spdk_log_get_flag(const char *name)
{
	struct spdk_log_flag *flag;
	bool enabled = false;

	if (name == NULL) {
		return false;
	}
	pthread_mutex_lock(&g_flags_lock);
	flag = find_locked(name);
	if (flag != NULL) {
		/* Pairs with the atomic store in set_flags(). */
		enabled = __atomic_load_n(&flag->enabled, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&g_flags_lock);
	return enabled;
}

static int
set_flags(const char *pattern, bool value)
{
	struct spdk_log_flag *flag;
	bool all, matched = false;

	if (pattern == NULL) {
		SPDK_ERRLOG("log flag name is NULL\n");
		return -EINVAL;
	}
	all = strcasecmp(pattern, "all") == 0;

	pthread_mutex_lock(&g_flags_lock);
	TAILQ_FOREACH(flag, &g_flags, tailq) {
		if (all || fnmatch(pattern, flag->name, FNM_CASEFOLD) == 0) {
			/* Read by the SPDK_INFOLOG/DEBUGLOG macros with atomic loads. */
			__atomic_store_n(&flag->enabled, value, __ATOMIC_RELAXED);
			matched = true;
		}
	}
	pthread_mutex_unlock(&g_flags_lock);

	/* "all" with no flag registered is not an error, as in SPDK. */
	if (!matched && !all) {
		SPDK_ERRLOG("unknown log flag '%s' (no registered flag matches)\n", pattern);
		return -EINVAL;
	}
	return 0;
}

PW_EXPORT int
spdk_log_set_flag(const char *flag)
{
	return set_flags(flag, true);
}

PW_EXPORT int
spdk_log_clear_flag(const char *flag)
{
	return set_flags(flag, false);
}

PW_EXPORT void
spdk_log_usage(FILE *f, const char *log_arg)
{
	struct spdk_log_flag *flag;

	if (f == NULL) {
		SPDK_ERRLOG("spdk_log_usage: f is NULL\n");
		return;
	}
	log_arg = log_arg != NULL ? log_arg : "-L";

	flockfile(f);
	fprintf(f, " %s, --logflag <flag>    enable log flag (all", log_arg);
	pthread_mutex_lock(&g_flags_lock);
	TAILQ_FOREACH(flag, &g_flags, tailq) {
		fprintf(f, ", %s", flag->name);
	}
	pthread_mutex_unlock(&g_flags_lock);
	fprintf(f, ")\n");
	funlockfile(f);
}

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Counting the process's pthreads (/proc/self/task) without races.
 *
 * pthread_join() returns once the joined thread has finished, but its kernel
 * task may still be listed for a short while: a count taken right after a
 * join can include it. So the baseline leaves out the task it has just
 * joined (by its tid), and a check that every pthread a test started is gone
 * waits, boundedly, for the listing to settle instead of reading it once.
 */

#ifndef PW_UT_TASKS_H
#define PW_UT_TASKS_H

#include "harness.h"

#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Tasks listed in /proc/self/task, leaving out `skip_tid` (0: none). */
static inline unsigned
ut_tasks_count(pid_t skip_tid)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	unsigned n = 0;

	ASSERT_NOT_NULL(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' && atoi(e->d_name) != skip_tid) {
			n++;
		}
	}
	closedir(d);
	return n;
}

static inline void *
ut_tasks_tid_main(void *arg)
{
	*(pid_t *)arg = gettid();
	return NULL;
}

/* The process's pthreads before a test starts its own. One pthread is created
 * and joined first, so that helper threads a sanitizer starts with the first
 * pthread_create() are counted in; that pthread itself is not, even while
 * its task is still listed. */
static inline unsigned
ut_tasks_baseline(void)
{
	pthread_t th;
	pid_t tid = 0;

	ASSERT_EQ(pthread_create(&th, NULL, ut_tasks_tid_main, &tid), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_NE(tid, 0);
	return ut_tasks_count(tid);
}

/* Wait until exactly `expected` tasks are listed (pthreads already joined
 * leave the listing within microseconds); fail if that takes more than 10 s,
 * i.e. if a pthread is really left. */
static inline void
ut_tasks_expect(unsigned expected)
{
	struct timespec pause = { 0, 1000000 };
	unsigned n = ut_tasks_count(0);

	for (int i = 0; i < 10000 && n != expected; i++) {
		nanosleep(&pause, NULL);
		n = ut_tasks_count(0);
	}
	ASSERT_EQ(n, expected);
}

#endif /* PW_UT_TASKS_H */

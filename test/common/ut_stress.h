/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Small helpers shared by the stress tests: a monotonic clock in ns, a
 * xorshift64* generator, and positive integer knobs from the environment
 * (PW_STRESS_SECONDS and the like).
 */

#ifndef PW_UT_STRESS_H
#define PW_UT_STRESS_H

#include "harness.h"

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns. */
static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: the next value of the sequence kept in *s (never 0). */
static inline uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

/* The positive integer in environment variable `name`, or dflt when it is
 * unset or empty; anything else fails the test. */
static inline uint64_t
env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0') {
		return dflt;
	}
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0) {
		FAIL("%s=%s is not a positive integer", name, s);
	}
	return v;
}

#endif /* PW_UT_STRESS_H */

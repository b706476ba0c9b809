/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Pinwheel's test harness (see doc/testing.md for why we wrote our own).
 *
 *   TEST(name) { ... }                     a test; each runs in its own child process
 *   TEST_SIGNAL(name, SIGABRT) { ... }     passes only if the child dies of that signal
 *   TEST_EXIT(name, 3) { ... }             passes only if the child exits with that code
 *   TEST_TIMEOUT(name, seconds) { ... }    a test with its own time limit
 *
 * ASSERT_* may be used from any thread of the test: a failure prints both
 * values and ends the child at once, and the parent reports it. A hung test is
 * killed after its time limit (30 s by default, PW_TEST_TIMEOUT=<s> overrides,
 * PW_TEST_TIMEOUT_SCALE=<n> multiplies every limit, for slow sanitizer builds).
 * TEST_SKIP("why") ends the test as skipped; an executable whose tests all
 * skip exits 77, which CTest reports as skipped.
 *
 * Command line: <test> [--list] [--nofork] [name ...]
 */

#ifndef PW_TEST_HARNESS_H
#define PW_TEST_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>

struct pw_test {
	const char *name;
	const char *file;
	int line;
	void (*fn)(void);
	int expect_signal;	/* 0: must not die of a signal */
	int expect_exit;	/* exit status the child must end with */
	unsigned timeout_s;	/* 0: the default */
	struct pw_test *next;
};

void pw_test_register(struct pw_test *t);
__attribute__((noreturn)) void pw_test_fail(const char *file, int line, const char *fmt, ...)
__attribute__((format(printf, 3, 4)));
__attribute__((noreturn)) void pw_test_skip(const char *why);
void pw_test_fail_int(const char *file, int line, const char *expr_a, const char *op,
		      const char *expr_b, __int128 a, __int128 b) __attribute__((noreturn));
/* Multiplier applied to time limits and, by tests that want it, to their own waits. */
unsigned pw_test_timeout_scale(void);

#define PW_TEST_DEFINE(tname, sig, code, tmo)						\
	static void tname(void);							\
	static struct pw_test pw_test_desc_##tname = {					\
		#tname, __FILE__, __LINE__, tname, sig, code, tmo, NULL			\
	};										\
	__attribute__((constructor)) static void pw_test_reg_##tname(void)		\
	{										\
		pw_test_register(&pw_test_desc_##tname);				\
	}										\
	static void tname(void)

#define TEST(name)			PW_TEST_DEFINE(name, 0, 0, 0)
#define TEST_SIGNAL(name, sig)		PW_TEST_DEFINE(name, sig, 0, 0)
#define TEST_EXIT(name, code)		PW_TEST_DEFINE(name, 0, code, 0)
#define TEST_TIMEOUT(name, seconds)	PW_TEST_DEFINE(name, 0, 0, seconds)

#define TEST_SKIP(why)	pw_test_skip(why)
#define FAIL(...)	pw_test_fail(__FILE__, __LINE__, __VA_ARGS__)

#define ASSERT(cond)									\
	do {										\
		if (!(cond)) {								\
			pw_test_fail(__FILE__, __LINE__, "ASSERT(%s) failed", #cond);	\
		}									\
	} while (0)

/* Integer comparisons: both sides are widened to 128 bits, so signed and
 * unsigned 64-bit values compare exactly and print as what they are. */
#define PW_ASSERT_CMP(a, op, b)								\
	do {										\
		__int128 pw_a_ = (__int128)(a);						\
		__int128 pw_b_ = (__int128)(b);						\
		if (!(pw_a_ op pw_b_)) {						\
			pw_test_fail_int(__FILE__, __LINE__, #a, #op, #b, pw_a_, pw_b_);\
		}									\
	} while (0)

#define ASSERT_EQ(a, b)	PW_ASSERT_CMP(a, ==, b)
#define ASSERT_NE(a, b)	PW_ASSERT_CMP(a, !=, b)
#define ASSERT_LT(a, b)	PW_ASSERT_CMP(a, <, b)
#define ASSERT_LE(a, b)	PW_ASSERT_CMP(a, <=, b)
#define ASSERT_GT(a, b)	PW_ASSERT_CMP(a, >, b)
#define ASSERT_GE(a, b)	PW_ASSERT_CMP(a, >=, b)
#define ASSERT_TRUE(a)	ASSERT(a)
#define ASSERT_FALSE(a)	ASSERT(!(a))

#define ASSERT_PTR_EQ(a, b)								\
	do {										\
		const void *pw_pa_ = (const void *)(a);					\
		const void *pw_pb_ = (const void *)(b);					\
		if (pw_pa_ != pw_pb_) {							\
			pw_test_fail(__FILE__, __LINE__, "ASSERT_PTR_EQ(%s, %s): %p != %p",\
				     #a, #b, pw_pa_, pw_pb_);				\
		}									\
	} while (0)

#define ASSERT_PTR_NE(a, b)								\
	do {										\
		const void *pw_pa_ = (const void *)(a);					\
		const void *pw_pb_ = (const void *)(b);					\
		if (pw_pa_ == pw_pb_) {							\
			pw_test_fail(__FILE__, __LINE__, "ASSERT_PTR_NE(%s, %s): both %p",	\
				     #a, #b, pw_pa_);					\
		}									\
	} while (0)

#define ASSERT_NULL(a)		ASSERT_PTR_EQ(a, NULL)
#define ASSERT_NOT_NULL(a)	ASSERT_PTR_NE(a, NULL)

#define ASSERT_STR_EQ(a, b)								\
	do {										\
		const char *pw_sa_ = (a);						\
		const char *pw_sb_ = (b);						\
		if (pw_sa_ == NULL || pw_sb_ == NULL || strcmp(pw_sa_, pw_sb_) != 0) {	\
			pw_test_fail(__FILE__, __LINE__,				\
				     "ASSERT_STR_EQ(%s, %s): \"%s\" != \"%s\"", #a, #b,	\
				     pw_sa_ ? pw_sa_ : "(null)", pw_sb_ ? pw_sb_ : "(null)");	\
		}									\
	} while (0)

#define ASSERT_STR_CONTAINS(hay, needle)						\
	do {										\
		const char *pw_h_ = (hay);						\
		const char *pw_n_ = (needle);						\
		if (pw_h_ == NULL || strstr(pw_h_, pw_n_) == NULL) {			\
			pw_test_fail(__FILE__, __LINE__,				\
				     "ASSERT_STR_CONTAINS(%s, %s): \"%s\" lacks \"%s\"",	\
				     #hay, #needle, pw_h_ ? pw_h_ : "(null)", pw_n_);	\
		}									\
	} while (0)

#endif /* PW_TEST_HARNESS_H */

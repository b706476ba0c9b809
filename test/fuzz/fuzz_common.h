/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Shared by the libFuzzer targets of test/fuzz (one target per .c file):
 * a log sink that formats every message and throws it away, a NUL-terminated
 * copy of the input, and FUZZ_CHECK, which turns a wrong answer into a crash
 * that libFuzzer reports and saves.
 */

#ifndef PW_FUZZ_COMMON_H
#define PW_FUZZ_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spdk/log.h"

/* libFuzzer's entry points (its own header is not installed by Debian). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A wrong answer: say what and where, then abort so that libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
				__LINE__, #cond);				\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

/* Messages logged at SPDK_LOG_ERROR since the target last cleared it. */
static unsigned int g_fuzz_errors;

static void fuzz_log_sink(int level, const char *file, const int line, const char *func,
			  const char *format, va_list args) __attribute__((format(printf, 5, 0)));

/* Every message is formatted (so a bad format argument is found by ASan) and
 * dropped: bad input is logged on every run, and stderr must stay readable. */
static void
fuzz_log_sink(int level, const char *file, const int line, const char *func,
	      const char *format, va_list args)
{
	char buf[512];

	if (level == SPDK_LOG_ERROR) {
		g_fuzz_errors++;
	}
	(void)file;
	(void)line;
	(void)func;
	vsnprintf(buf, sizeof(buf), format, args);
}

static inline void
fuzz_quiet_log(void)
{
	spdk_log_open(fuzz_log_sink);
}

/* The input as a C string in a heap block of exactly its size, so that ASan
 * sees a read past the NUL; an embedded NUL ends it early, as it would for
 * any C caller. Free it with free(). */
static inline char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t len = nul != NULL ? (size_t)(nul - data) : size;
	char *s = malloc(len + 1);

	if (s == NULL) {
		abort();
	}
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

#endif /* PW_FUZZ_COMMON_H */

/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Branch prediction hints.
 */

#ifndef SPDK_LIKELY_H
#define SPDK_LIKELY_H

/** The condition is expected to be true; the compiler lays out the true path first. */
#define spdk_likely(cond)	__builtin_expect(!!(cond), 1)
/** The condition is expected to be false; the compiler moves the true path out of line. */
#define spdk_unlikely(cond)	__builtin_expect(!!(cond), 0)

#endif /* SPDK_LIKELY_H */

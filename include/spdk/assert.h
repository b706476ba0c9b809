/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Compile-time and debug-time assertions.
 */

#ifndef SPDK_ASSERT_H
#define SPDK_ASSERT_H

#include <assert.h>

#ifdef __cplusplus
#define SPDK_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
/** Fail the build with \p msg when \p cond, a constant expression, is false. */
#define SPDK_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/**
 * Tell the compiler (and the reader) that this point is never reached.
 * Debug builds assert; release builds let the optimiser drop the path.
 */
#ifdef NDEBUG
#define SPDK_UNREACHABLE() __builtin_unreachable()
#else
#define SPDK_UNREACHABLE() do { assert(0 && "unreachable"); __builtin_unreachable(); } while (0)
#endif

#endif /* SPDK_ASSERT_H */

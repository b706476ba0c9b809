/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/** \file
 * Small helpers: sizes, alignment, power-of-two arithmetic, container access.
 *
 * Every helper here is a macro or a static inline function; none of them
 * touches shared state, so any thread may use them.
 */

#ifndef SPDK_UTIL_H
#define SPDK_UTIL_H

#include "spdk/stdinc.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a cache line on the platforms Pinwheel supports. */
#define SPDK_CACHE_LINE_SIZE 64

/** Smaller of two values (each argument may be evaluated twice). */
#define spdk_min(a, b) (((a) < (b)) ? (a) : (b))
/** Larger of two values (each argument may be evaluated twice). */
#define spdk_max(a, b) (((a) > (b)) ? (a) : (b))

/** Number of elements of a true array (not a pointer). */
#define SPDK_COUNTOF(arr) (sizeof(arr) / sizeof((arr)[0]))

/** Pointer to the structure of type \p type that holds \p ptr as its field \p member. */
#define SPDK_CONTAINEROF(ptr, type, member) \
	((type *)((uintptr_t)(ptr) - offsetof(type, member)))

/** Size of field \p member of struct \p type. */
#define SPDK_SIZEOF_MEMBER(type, member) (sizeof(((type *)0)->member))

/** Size of a struct up to and including \p field (for opts_size checks). */
#define SPDK_SIZEOF(ptr, field) \
	(offsetof(__typeof__(*(ptr)), field) + sizeof((ptr)->field))

#define SPDK_SEC_TO_USEC 1000000ULL	/**< microseconds per second */
#define SPDK_SEC_TO_NSEC 1000000000ULL	/**< nanoseconds per second */
#define SPDK_SEC_TO_MSEC 1000ULL	/**< milliseconds per second */
#define SPDK_MSEC_TO_USEC 1000ULL	/**< microseconds per millisecond */
#define SPDK_USEC_TO_NSEC 1000ULL	/**< nanoseconds per microsecond */

/** Integer division of unsigned \p x by \p y, rounded up. */
#define SPDK_CEIL_DIV(x, y) (((x) + (y) - 1) / (y))

/** Bit \p n as an unsigned 64-bit value. */
#define SPDK_BIT(n) (1ULL << (n))

/** Round \p val down to a multiple of \p align, a power of two; keeps the type of \p val. */
#define SPDK_ALIGN_FLOOR(val, align) \
	((__typeof__(val))((val) & (~((__typeof__(val))((align) - 1)))))

/** Round \p val up to a multiple of \p align, a power of two. The result has the
 * type of \p val after integer promotion (int for narrower types), as in SPDK. */
#define SPDK_ALIGN_CEIL(val, align) \
	SPDK_ALIGN_FLOOR(((val) + ((__typeof__(val))(align) - 1)), align)

/** Floor of log2(\p x); 0 for 0 (log2(0) is undefined; SPDK also returns 0). */
static inline uint32_t
spdk_u32log2(uint32_t x)
{
	return x == 0 ? 0 : 31u - (uint32_t)__builtin_clz(x);
}

/** Floor of log2(\p x); 0 for 0 (log2(0) is undefined; SPDK also returns 0). */
static inline uint64_t
spdk_u64log2(uint64_t x)
{
	return x == 0 ? 0 : 63u - (uint64_t)__builtin_clzll(x);
}

/** Smallest power of two >= \p x (1 for 0 and 1). */
static inline uint32_t
spdk_align32pow2(uint32_t x)
{
	return x <= 1 ? 1u : 1u << (1 + spdk_u32log2(x - 1));
}

/** Smallest power of two >= \p x (1 for 0 and 1). */
static inline uint64_t
spdk_align64pow2(uint64_t x)
{
	return x <= 1 ? 1ull : 1ull << (1 + spdk_u64log2(x - 1));
}

/** True when \p x is a power of two (0 is not). */
static inline bool
spdk_u32_is_pow2(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/** True when \p x is a power of two (0 is not). */
static inline bool
spdk_u64_is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/** \p num / \p divisor rounded up; \p divisor must be non-zero and
 * num + divisor - 1 must not overflow (as in SPDK). */
static inline uint64_t
spdk_divide_round_up(uint64_t num, uint64_t divisor)
{
	return (num + divisor - 1) / divisor;
}

#ifdef __cplusplus
}
#endif

#endif /* SPDK_UTIL_H */

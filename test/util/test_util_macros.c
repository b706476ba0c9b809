/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the macros and inline helpers in spdk/util.h: exact values at
 * the edges of each type, the types the alignment macros keep, and
 * exhaustive checks of the power-of-two helpers against slow references.
 */

#include "harness.h"

#include "spdk/util.h"

/* Type of an expression, as a small number, to check what a macro yields. */
#define TYPE_ID(x) _Generic((x),		\
	uint8_t: 1,				\
	uint16_t: 2,				\
	uint32_t: 3,				\
	uint64_t: 4,				\
	int32_t: 5,				\
	int64_t: 6,				\
	default: 0)

struct outer {
	char pad[3];
	uint64_t wide;
	struct {
		int a;
		short b;
	} inner;
	char tail[17];
};

static uint32_t
slow_log2(uint64_t x)
{
	uint32_t n = 0;

	while (x > 1) {
		x >>= 1;
		n++;
	}
	return n;
}

static uint64_t
slow_pow2_ceil(uint64_t x)
{
	uint64_t p = 1;

	while (p < x) {
		p <<= 1;
	}
	return p;
}

static uint64_t g_rng = 0xD1B54A32D192ED03ull;

static uint64_t
rnd(void)
{
	g_rng ^= g_rng >> 12;
	g_rng ^= g_rng << 25;
	g_rng ^= g_rng >> 27;
	return g_rng * 2685821657736338717ull;
}

TEST(min_max)
{
	volatile uint64_t big = UINT64_MAX, zero = 0;
	int i = 0;

	ASSERT_EQ(spdk_min(3, 7), 3);
	ASSERT_EQ(spdk_max(3, 7), 7);
	ASSERT_EQ(spdk_min(-3, 7), -3);
	ASSERT_EQ(spdk_max(-3, -7), -3);
	ASSERT_EQ(spdk_min(5, 5), 5);
	ASSERT_EQ(spdk_min(big, big - 1), UINT64_MAX - 1);
	ASSERT_EQ(spdk_max(zero, big), UINT64_MAX);
	/* Operator precedence: the arguments are parenthesised. */
	ASSERT_EQ(spdk_min(1 | 4, 3), 3);
	ASSERT_EQ(spdk_max(2 ? 3 : 4, 1), 3);
	/* Documented: an argument may be evaluated twice. */
	ASSERT_EQ(spdk_max(i++, -1), 1);
	ASSERT_EQ(i, 2);
}

TEST(countof_and_member_sizes)
{
	int arr[7];
	struct outer o[3];

	ASSERT_EQ(SPDK_COUNTOF(arr), 7);
	ASSERT_EQ(SPDK_COUNTOF(o), 3);
	ASSERT_EQ(SPDK_COUNTOF(o[0].tail), 17);
	ASSERT_EQ(SPDK_SIZEOF_MEMBER(struct outer, wide), 8);
	ASSERT_EQ(SPDK_SIZEOF_MEMBER(struct outer, tail), 17);
	ASSERT_EQ(SPDK_SIZEOF_MEMBER(struct outer, inner), sizeof(o[0].inner));
	ASSERT_EQ(SPDK_SIZEOF_MEMBER(struct outer, inner.b), sizeof(short));
}

TEST(sizeof_up_to_field)
{
	struct outer o;

	ASSERT_EQ(SPDK_SIZEOF(&o, pad), 3);
	ASSERT_EQ(SPDK_SIZEOF(&o, wide), offsetof(struct outer, wide) + 8);
	ASSERT_EQ(SPDK_SIZEOF(&o, tail), offsetof(struct outer, tail) + 17);
	ASSERT_LE(SPDK_SIZEOF(&o, tail), sizeof(o));
}

TEST(containerof_finds_the_outer_struct)
{
	struct outer o;
	void *p;

	ASSERT_PTR_EQ(SPDK_CONTAINEROF(&o.wide, struct outer, wide), &o);
	ASSERT_PTR_EQ(SPDK_CONTAINEROF(&o.inner, struct outer, inner), &o);
	ASSERT_PTR_EQ(SPDK_CONTAINEROF(&o.tail[0], struct outer, tail), &o);
	ASSERT_PTR_EQ(SPDK_CONTAINEROF(&o.pad, struct outer, pad), &o);
	/* The pointer argument may be an expression (it is parenthesised). */
	p = &o.tail[5];
	ASSERT_PTR_EQ(SPDK_CONTAINEROF((char *)p - 5, struct outer, tail), &o);
}

TEST(time_constants)
{
	ASSERT_EQ(SPDK_SEC_TO_USEC, 1000000);
	ASSERT_EQ(SPDK_SEC_TO_NSEC, 1000000000);
	ASSERT_EQ(SPDK_SEC_TO_MSEC, 1000);
	ASSERT_EQ(SPDK_MSEC_TO_USEC, 1000);
	ASSERT_EQ(SPDK_USEC_TO_NSEC, 1000);
	ASSERT_EQ(SPDK_SEC_TO_MSEC * SPDK_MSEC_TO_USEC, SPDK_SEC_TO_USEC);
	ASSERT_EQ(SPDK_SEC_TO_USEC * SPDK_USEC_TO_NSEC, SPDK_SEC_TO_NSEC);
	/* Unsigned long long, so products of large counts do not overflow int. */
	ASSERT_EQ(sizeof(SPDK_SEC_TO_NSEC), sizeof(unsigned long long));
	ASSERT_EQ(SPDK_CACHE_LINE_SIZE, 64);
}

TEST(ceil_div_and_divide_round_up)
{
	ASSERT_EQ(SPDK_CEIL_DIV(0, 4), 0);
	ASSERT_EQ(SPDK_CEIL_DIV(1, 4), 1);
	ASSERT_EQ(SPDK_CEIL_DIV(4, 4), 1);
	ASSERT_EQ(SPDK_CEIL_DIV(5, 4), 2);
	ASSERT_EQ(SPDK_CEIL_DIV(7u, 1u), 7);
	ASSERT_EQ(SPDK_CEIL_DIV(1 + 4, 2 + 2), 2);	/* arguments parenthesised */
	ASSERT_EQ(spdk_divide_round_up(0, 3), 0);
	ASSERT_EQ(spdk_divide_round_up(9, 3), 3);
	ASSERT_EQ(spdk_divide_round_up(10, 3), 4);
	ASSERT_EQ(spdk_divide_round_up(1, UINT64_MAX), 1);
	ASSERT_EQ(spdk_divide_round_up(UINT64_MAX / 2, UINT64_MAX / 2), 1);
	/* Values whose sum with divisor - 1 still fits in 64 bits. */
	ASSERT_EQ(spdk_divide_round_up(UINT64_MAX - 4095, 4096), (UINT64_MAX - 4095) / 4096);
}

TEST(bit)
{
	ASSERT_EQ(SPDK_BIT(0), 1);
	ASSERT_EQ(SPDK_BIT(5), 32);
	ASSERT_EQ(SPDK_BIT(31), 0x80000000ull);
	ASSERT_EQ(SPDK_BIT(32), 0x100000000ull);
	ASSERT_EQ(SPDK_BIT(63), 0x8000000000000000ull);
	ASSERT_EQ(sizeof(SPDK_BIT(1)), 8);
}

TEST(align_floor_and_ceil_values)
{
	ASSERT_EQ(SPDK_ALIGN_FLOOR(0u, 8), 0);
	ASSERT_EQ(SPDK_ALIGN_FLOOR(7u, 8), 0);
	ASSERT_EQ(SPDK_ALIGN_FLOOR(8u, 8), 8);
	ASSERT_EQ(SPDK_ALIGN_FLOOR(4097u, 4096), 4096);
	ASSERT_EQ(SPDK_ALIGN_FLOOR(UINT64_MAX, 4096), UINT64_MAX - 4095);
	ASSERT_EQ(SPDK_ALIGN_FLOOR(13u, 1), 13);
	ASSERT_EQ(SPDK_ALIGN_CEIL(0u, 8), 0);
	ASSERT_EQ(SPDK_ALIGN_CEIL(1u, 8), 8);
	ASSERT_EQ(SPDK_ALIGN_CEIL(8u, 8), 8);
	ASSERT_EQ(SPDK_ALIGN_CEIL(9u, 8), 16);
	ASSERT_EQ(SPDK_ALIGN_CEIL(4095ull, 4096), 4096);
	ASSERT_EQ(SPDK_ALIGN_CEIL(13u, 1), 13);
	/* A 64-bit value is not cut to 32 bits by a 32-bit alignment. */
	ASSERT_EQ(SPDK_ALIGN_FLOOR(0x123456789ull, 0x1000u), 0x123456000ull);
	ASSERT_EQ(SPDK_ALIGN_CEIL(0x123456789ull, 0x1000u), 0x123457000ull);
}

TEST(align_macros_keep_the_value_type)
{
	uint8_t u8 = 13;
	uint16_t u16 = 1000;
	uint32_t u32 = 70000;
	uint64_t u64 = 1ull << 40;
	uintptr_t addr = 0x1001;

	ASSERT_EQ(TYPE_ID(SPDK_ALIGN_FLOOR(u8, 4)), 1);
	ASSERT_EQ(TYPE_ID(SPDK_ALIGN_FLOOR(u16, 4)), 2);
	ASSERT_EQ(TYPE_ID(SPDK_ALIGN_FLOOR(u32, 4)), 3);
	ASSERT_EQ(TYPE_ID(SPDK_ALIGN_FLOOR(u64, 4)), 4);
	/* SPDK_ALIGN_CEIL of a type narrower than int yields int (the sum inside is
	 * promoted), as in SPDK; from 32 bits up the type is kept. */
	ASSERT_EQ(TYPE_ID(SPDK_ALIGN_CEIL(u8, 4)), 5);
	ASSERT_EQ(TYPE_ID(SPDK_ALIGN_CEIL(u32, 4)), 3);
	ASSERT_EQ(TYPE_ID(SPDK_ALIGN_CEIL(u64, 4)), 4);
	ASSERT_EQ(SPDK_ALIGN_CEIL(u8, 4), 16);
	ASSERT_EQ(SPDK_ALIGN_FLOOR(u16, 64), 960);
	ASSERT_EQ(SPDK_ALIGN_CEIL(u32, 65536), 131072);
	ASSERT_EQ(SPDK_ALIGN_CEIL(u64 + 1, 1ull << 40), 1ull << 41);
	ASSERT_EQ(SPDK_ALIGN_CEIL(addr, 0x1000), 0x2000);
}

TEST(property_align_matches_division)
{
	int iter;

	for (iter = 0; iter < 100000; iter++) {
		uint64_t align = 1ull << (rnd() % 40);
		uint64_t v = rnd() >> 2;	/* leaves room for the ceiling */
		uint64_t lo = SPDK_ALIGN_FLOOR(v, align);
		uint64_t hi = SPDK_ALIGN_CEIL(v, align);

		ASSERT_EQ(lo, v / align * align);
		ASSERT_EQ(hi, (v + align - 1) / align * align);
		ASSERT_EQ(hi - lo, v % align == 0 ? 0 : align);
		ASSERT_EQ(spdk_divide_round_up(v, align), SPDK_CEIL_DIV(v, align));
		ASSERT_EQ(spdk_divide_round_up(v, align) * align, hi);
	}
}

TEST(log2_exhaustive_on_edges)
{
	uint32_t b, d;

	for (b = 0; b < 32; b++) {
		uint32_t p = 1u << b;

		ASSERT_EQ(spdk_u32log2(p), b);
		ASSERT_EQ(spdk_u32log2(p | (p - 1)), b);	/* all lower bits set */
		if (b > 0) {
			ASSERT_EQ(spdk_u32log2(p + 1), b);
			ASSERT_EQ(spdk_u32log2(p - 1), b - 1);
		}
	}
	for (b = 0; b < 64; b++) {
		uint64_t p = 1ull << b;

		ASSERT_EQ(spdk_u64log2(p), b);
		ASSERT_EQ(spdk_u64log2(p | (p - 1)), b);
	}
	ASSERT_EQ(spdk_u32log2(UINT32_MAX), 31);
	ASSERT_EQ(spdk_u64log2(UINT64_MAX), 63);
	for (d = 1; d < 70000; d++) {
		ASSERT_EQ(spdk_u32log2(d), slow_log2(d));
		ASSERT_EQ(spdk_u64log2(d), slow_log2(d));
	}
}

TEST(align_pow2)
{
	uint32_t x;
	int b;

	ASSERT_EQ(spdk_align32pow2(0), 1);
	ASSERT_EQ(spdk_align32pow2(1), 1);
	ASSERT_EQ(spdk_align32pow2(2), 2);
	ASSERT_EQ(spdk_align32pow2(3), 4);
	ASSERT_EQ(spdk_align32pow2(1000), 1024);
	ASSERT_EQ(spdk_align32pow2(1u << 31), 1u << 31);
	ASSERT_EQ(spdk_align32pow2((1u << 30) + 1), 1u << 31);
	ASSERT_EQ(spdk_align64pow2(0), 1);
	ASSERT_EQ(spdk_align64pow2(1), 1);
	ASSERT_EQ(spdk_align64pow2(5), 8);
	ASSERT_EQ(spdk_align64pow2(1ull << 63), 1ull << 63);
	ASSERT_EQ(spdk_align64pow2((1ull << 62) + 1), 1ull << 63);
	for (x = 0; x < 70000; x++) {
		ASSERT_EQ(spdk_align32pow2(x), slow_pow2_ceil(x));
		ASSERT_EQ(spdk_align64pow2(x), slow_pow2_ceil(x));
	}
	for (b = 2; b < 63; b++) {
		uint64_t p = 1ull << b;

		ASSERT_EQ(spdk_align64pow2(p - 1), p);
		ASSERT_EQ(spdk_align64pow2(p), p);
		ASSERT_EQ(spdk_align64pow2(p + 1), p << 1);
	}
}

TEST(is_pow2)
{
	uint32_t x;
	int b;

	ASSERT_FALSE(spdk_u32_is_pow2(0));
	ASSERT_FALSE(spdk_u64_is_pow2(0));
	ASSERT_FALSE(spdk_u32_is_pow2(UINT32_MAX));
	ASSERT_FALSE(spdk_u64_is_pow2(UINT64_MAX));
	for (b = 0; b < 64; b++) {
		uint64_t p = 1ull << b;

		ASSERT_TRUE(spdk_u64_is_pow2(p));
		ASSERT_EQ(spdk_u64_is_pow2(p + 1), p == 1);
		if (b < 32) {
			ASSERT_TRUE(spdk_u32_is_pow2((uint32_t)p));
			ASSERT_EQ(spdk_u32_is_pow2((uint32_t)p + 3), p == 1);
		}
	}
	for (x = 1; x < 70000; x++) {
		ASSERT_EQ(spdk_u32_is_pow2(x), slow_pow2_ceil(x) == x);
	}
}

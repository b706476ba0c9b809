/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of spdk/cpuset.h: single cores at the edges, set algebra
 * against a plain bool array, the exact text of spdk_cpuset_fmt(), every
 * parse error (each must be logged), and property tests that round-trip
 * random sets through fmt/parse in every accepted spelling.
 */

#include "harness.h"

#include "spdk/cpuset.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include <stdarg.h>
#include <stdio.h>

#define NCPU SPDK_CPUSET_SIZE

/* ---- log capture: every misuse must leave an error line -------------------- */

static char g_last_log[1024];
static int g_log_count;

static void capture_log(int level, const char *file, const int line, const char *func,
			const char *format, va_list args) __attribute__((format(printf, 5, 0)));

static void
capture_log(int level, const char *file, const int line, const char *func,
	    const char *format, va_list args)
{
	if (level == SPDK_LOG_ERROR) {
		g_log_count++;
		vsnprintf(g_last_log, sizeof(g_last_log), format, args);
	}
}

static void
log_capture_start(void)
{
	g_log_count = 0;
	g_last_log[0] = '\0';
	spdk_log_open(capture_log);
}

/* ---- deterministic random numbers (xorshift64*) ---------------------------- */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;

static uint64_t
rnd(void)
{
	g_rng ^= g_rng >> 12;
	g_rng ^= g_rng << 25;
	g_rng ^= g_rng >> 27;
	return g_rng * 2685821657736338717ull;
}

static uint32_t
rnd_below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

/* ---- helpers ---------------------------------------------------------------- */

/* Every core in [lo, hi] must be in the set exactly when want is true. */
static void
check_range(const struct spdk_cpuset *set, uint32_t lo, uint32_t hi, bool want)
{
	uint32_t cpu;

	for (cpu = lo; cpu <= hi; cpu++) {
		if (spdk_cpuset_get_cpu(set, cpu) != want) {
			FAIL("core %u: expected %s", cpu, want ? "set" : "clear");
		}
	}
}

static void
check_matches(const struct spdk_cpuset *set, const bool *ref)
{
	uint32_t cpu, n = 0;

	for (cpu = 0; cpu < NCPU; cpu++) {
		if (spdk_cpuset_get_cpu(set, cpu) != ref[cpu]) {
			FAIL("core %u: set says %d, reference says %d", cpu,
			     spdk_cpuset_get_cpu(set, cpu), ref[cpu]);
		}
		n += ref[cpu];
	}
	ASSERT_EQ(spdk_cpuset_count(set), n);
}

/* A random set with about density/64 of the cores, mirrored in ref. */
static void
random_set(struct spdk_cpuset *set, bool *ref, uint32_t density)
{
	uint32_t cpu;

	spdk_cpuset_zero(set);
	for (cpu = 0; cpu < NCPU; cpu++) {
		ref[cpu] = rnd_below(64) < density;
		spdk_cpuset_set_cpu(set, cpu, ref[cpu]);
	}
}

static void
parse_ok(struct spdk_cpuset *set, const char *text)
{
	int rc = spdk_cpuset_parse(set, text);

	if (rc != 0) {
		FAIL("spdk_cpuset_parse(\"%s\") = %d, expected 0", text, rc);
	}
}

/* The string must be refused with -EINVAL, logged, and leave the set as it was. */
static void
parse_bad(const char *text)
{
	struct spdk_cpuset set = {}, before;
	int rc;

	spdk_cpuset_set_cpu(&set, 7, true);
	spdk_cpuset_set_cpu(&set, 1000, true);
	before = set;
	log_capture_start();
	rc = spdk_cpuset_parse(&set, text);
	if (rc != -EINVAL) {
		FAIL("spdk_cpuset_parse(\"%s\") = %d, expected -EINVAL", text ? text : "(null)", rc);
	}
	if (g_log_count == 0) {
		FAIL("spdk_cpuset_parse(\"%s\") failed without logging why", text ? text : "(null)");
	}
	ASSERT_TRUE(spdk_cpuset_equal(&set, &before));
}

/* ---- basic state ------------------------------------------------------------ */

TEST(struct_layout_matches_spdk)
{
	struct spdk_cpuset set = {};

	ASSERT_EQ(NCPU, 1024);
	ASSERT_EQ(sizeof(set.str), NCPU / 4 + 1);
	ASSERT_EQ(sizeof(set.cpus), NCPU / 8);
	ASSERT_EQ(spdk_cpuset_count(&set), 0);
}

TEST(alloc_is_empty_and_free_accepts_null)
{
	struct spdk_cpuset *set = spdk_cpuset_alloc();

	ASSERT_NOT_NULL(set);
	ASSERT_EQ(spdk_cpuset_count(set), 0);
	check_range(set, 0, NCPU - 1, false);
	ASSERT_STR_EQ(spdk_cpuset_fmt(set), "0");
	spdk_cpuset_free(set);
	spdk_cpuset_free(NULL);
}

/* SPDK's own single-core walk: first, last, middle, all, none. */
TEST(set_and_clear_single_cores)
{
	struct spdk_cpuset *set = spdk_cpuset_alloc();
	uint32_t mid = (NCPU - 1) / 2, cpu;

	ASSERT_NOT_NULL(set);
	spdk_cpuset_set_cpu(set, 0, true);
	ASSERT_TRUE(spdk_cpuset_get_cpu(set, 0));
	check_range(set, 1, NCPU - 1, false);
	ASSERT_EQ(spdk_cpuset_count(set), 1);

	spdk_cpuset_set_cpu(set, NCPU - 1, true);
	ASSERT_TRUE(spdk_cpuset_get_cpu(set, 0));
	ASSERT_TRUE(spdk_cpuset_get_cpu(set, NCPU - 1));
	check_range(set, 1, NCPU - 2, false);
	ASSERT_EQ(spdk_cpuset_count(set), 2);

	spdk_cpuset_set_cpu(set, 0, false);
	ASSERT_FALSE(spdk_cpuset_get_cpu(set, 0));
	check_range(set, 0, NCPU - 2, false);
	ASSERT_TRUE(spdk_cpuset_get_cpu(set, NCPU - 1));
	ASSERT_EQ(spdk_cpuset_count(set), 1);

	spdk_cpuset_set_cpu(set, mid, true);
	ASSERT_TRUE(spdk_cpuset_get_cpu(set, mid));
	check_range(set, 0, mid - 1, false);
	check_range(set, mid + 1, NCPU - 2, false);
	ASSERT_EQ(spdk_cpuset_count(set), 2);

	/* Setting a core twice, or clearing an absent one, changes nothing. */
	spdk_cpuset_set_cpu(set, mid, true);
	spdk_cpuset_set_cpu(set, 3, false);
	ASSERT_EQ(spdk_cpuset_count(set), 2);

	for (cpu = 0; cpu < NCPU; cpu++) {
		spdk_cpuset_set_cpu(set, cpu, true);
	}
	check_range(set, 0, NCPU - 1, true);
	ASSERT_EQ(spdk_cpuset_count(set), NCPU);

	spdk_cpuset_zero(set);
	check_range(set, 0, NCPU - 1, false);
	ASSERT_EQ(spdk_cpuset_count(set), 0);
	spdk_cpuset_free(set);
}

/* Out-of-range cores are logged and never touch memory outside the bitmap. */
TEST(out_of_range_core_is_logged_and_ignored)
{
	struct {
		uint8_t before[64];
		struct spdk_cpuset set;
		uint8_t after[64];
	} guarded;
	struct spdk_cpuset empty = {};
	const uint32_t bad[] = { NCPU, NCPU + 1, NCPU * 8, UINT32_MAX / 8 + 1, UINT32_MAX };
	size_t i;

	memset(&guarded, 0xA5, sizeof(guarded));
	spdk_cpuset_zero(&guarded.set);
	for (i = 0; i < SPDK_COUNTOF(bad); i++) {
		log_capture_start();
		spdk_cpuset_set_cpu(&guarded.set, bad[i], true);
		ASSERT_EQ(g_log_count, 1);
		ASSERT_STR_CONTAINS(g_last_log, "out of range");

		log_capture_start();
		ASSERT_FALSE(spdk_cpuset_get_cpu(&guarded.set, bad[i]));
		ASSERT_EQ(g_log_count, 1);
	}
	ASSERT_TRUE(spdk_cpuset_equal(&guarded.set, &empty));
	for (i = 0; i < sizeof(guarded.before); i++) {
		ASSERT_EQ(guarded.before[i], 0xA5);
		ASSERT_EQ(guarded.after[i], 0xA5);
	}
}

TEST(null_sets_are_logged_not_crashed)
{
	struct spdk_cpuset set = {};

	log_capture_start();
	ASSERT_FALSE(spdk_cpuset_equal(NULL, &set));
	ASSERT_FALSE(spdk_cpuset_equal(&set, NULL));
	spdk_cpuset_copy(NULL, &set);
	spdk_cpuset_copy(&set, NULL);
	spdk_cpuset_and(NULL, &set);
	spdk_cpuset_or(&set, NULL);
	spdk_cpuset_xor(NULL, NULL);
	spdk_cpuset_negate(NULL);
	spdk_cpuset_zero(NULL);
	spdk_cpuset_set_cpu(NULL, 0, true);
	ASSERT_FALSE(spdk_cpuset_get_cpu(NULL, 0));
	ASSERT_EQ(spdk_cpuset_count(NULL), 0);
	ASSERT_STR_EQ(spdk_cpuset_fmt(NULL), "");
	spdk_cpuset_for_each_cpu(NULL, NULL, NULL);
	ASSERT_EQ(g_log_count, 14);
	ASSERT_STR_CONTAINS(g_last_log, "NULL");
	/* The valid operand was not disturbed. */
	ASSERT_EQ(spdk_cpuset_count(&set), 0);
}

/* ---- algebra ---------------------------------------------------------------- */

TEST(algebra_matches_reference_on_random_sets)
{
	static bool ra[NCPU], rb[NCPU], want[NCPU];
	struct spdk_cpuset a, b, r;
	int iter;
	uint32_t cpu;

	for (iter = 0; iter < 200; iter++) {
		random_set(&a, ra, rnd_below(65));
		random_set(&b, rb, rnd_below(65));

		r = a;
		spdk_cpuset_and(&r, &b);
		for (cpu = 0; cpu < NCPU; cpu++) {
			want[cpu] = ra[cpu] && rb[cpu];
		}
		check_matches(&r, want);

		r = a;
		spdk_cpuset_or(&r, &b);
		for (cpu = 0; cpu < NCPU; cpu++) {
			want[cpu] = ra[cpu] || rb[cpu];
		}
		check_matches(&r, want);

		r = a;
		spdk_cpuset_xor(&r, &b);
		for (cpu = 0; cpu < NCPU; cpu++) {
			want[cpu] = ra[cpu] != rb[cpu];
		}
		check_matches(&r, want);

		r = a;
		spdk_cpuset_negate(&r);
		for (cpu = 0; cpu < NCPU; cpu++) {
			want[cpu] = !ra[cpu];
		}
		check_matches(&r, want);

		spdk_cpuset_zero(&r);
		spdk_cpuset_copy(&r, &b);
		check_matches(&r, rb);
		ASSERT_TRUE(spdk_cpuset_equal(&r, &b));
		ASSERT_EQ(spdk_cpuset_equal(&a, &b), memcmp(ra, rb, sizeof(ra)) == 0);
	}
}

TEST(algebra_with_itself)
{
	static bool ref[NCPU];
	struct spdk_cpuset s, orig;

	random_set(&s, ref, 20);
	orig = s;
	spdk_cpuset_and(&s, &s);
	ASSERT_TRUE(spdk_cpuset_equal(&s, &orig));
	spdk_cpuset_or(&s, &s);
	ASSERT_TRUE(spdk_cpuset_equal(&s, &orig));
	spdk_cpuset_copy(&s, &s);
	ASSERT_TRUE(spdk_cpuset_equal(&s, &orig));
	spdk_cpuset_xor(&s, &s);
	ASSERT_EQ(spdk_cpuset_count(&s), 0);
}

TEST(equal_ignores_text_buffer)
{
	struct spdk_cpuset a = {}, b = {};

	spdk_cpuset_set_cpu(&a, 5, true);
	spdk_cpuset_set_cpu(&b, 5, true);
	spdk_cpuset_fmt(&a);
	memset(b.str, 'x', sizeof(b.str));
	ASSERT_TRUE(spdk_cpuset_equal(&a, &b));
	spdk_cpuset_set_cpu(&b, 6, true);
	ASSERT_FALSE(spdk_cpuset_equal(&a, &b));
}

TEST(negate_empty_gives_every_core)
{
	struct spdk_cpuset s = {};

	spdk_cpuset_negate(&s);
	ASSERT_EQ(spdk_cpuset_count(&s), NCPU);
	check_range(&s, 0, NCPU - 1, true);
	spdk_cpuset_negate(&s);
	ASSERT_EQ(spdk_cpuset_count(&s), 0);
}

/* ---- iteration ---------------------------------------------------------------- */

struct walk {
	uint32_t cpus[NCPU + 1];
	uint32_t n;
};

static void
record_cpu(void *ctx, uint32_t cpu)
{
	struct walk *w = ctx;

	ASSERT_LT(w->n, NCPU);
	w->cpus[w->n++] = cpu;
}

TEST(for_each_cpu_visits_each_core_once_in_order)
{
	static bool ref[NCPU];
	static struct walk w;
	struct spdk_cpuset s;
	int iter;
	uint32_t cpu, i;

	for (iter = 0; iter < 100; iter++) {
		random_set(&s, ref, rnd_below(65));
		w.n = 0;
		spdk_cpuset_for_each_cpu(&s, record_cpu, &w);
		ASSERT_EQ(w.n, spdk_cpuset_count(&s));
		i = 0;
		for (cpu = 0; cpu < NCPU; cpu++) {
			if (ref[cpu]) {
				ASSERT_LT(i, w.n);
				ASSERT_EQ(w.cpus[i], cpu);
				i++;
			}
		}
		ASSERT_EQ(i, w.n);
	}

	/* The extremes: no core, only the last, all of them. */
	spdk_cpuset_zero(&s);
	w.n = 0;
	spdk_cpuset_for_each_cpu(&s, record_cpu, &w);
	ASSERT_EQ(w.n, 0);
	spdk_cpuset_set_cpu(&s, NCPU - 1, true);
	spdk_cpuset_for_each_cpu(&s, record_cpu, &w);
	ASSERT_EQ(w.n, 1);
	ASSERT_EQ(w.cpus[0], NCPU - 1);
	spdk_cpuset_negate(&s);
	spdk_cpuset_set_cpu(&s, NCPU - 1, true);
	w.n = 0;
	spdk_cpuset_for_each_cpu(&s, record_cpu, &w);
	ASSERT_EQ(w.n, NCPU);
	ASSERT_EQ(w.cpus[NCPU - 1], NCPU - 1);
}

TEST(for_each_cpu_null_callback_is_logged)
{
	struct spdk_cpuset s = {};

	spdk_cpuset_set_cpu(&s, 1, true);
	log_capture_start();
	spdk_cpuset_for_each_cpu(&s, NULL, NULL);
	ASSERT_EQ(g_log_count, 1);
	ASSERT_STR_CONTAINS(g_last_log, "callback");
}

/* ---- fmt -------------------------------------------------------------------- */

TEST(fmt_exact_text)
{
	struct spdk_cpuset s = {};
	char want[NCPU / 4 + 1];
	const uint32_t cpus_51234[] = { 2, 4, 5, 9, 12, 16, 18 };
	size_t i;

	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "0");

	/* SPDK's example: this selection of cores reads 0x51234. */
	for (i = 0; i < SPDK_COUNTOF(cpus_51234); i++) {
		spdk_cpuset_set_cpu(&s, cpus_51234[i], true);
	}
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "51234");

	/* No leading zero, even when the top byte only uses its low half. */
	spdk_cpuset_zero(&s);
	spdk_cpuset_set_cpu(&s, 0, true);
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "1");
	spdk_cpuset_zero(&s);
	spdk_cpuset_set_cpu(&s, 4, true);
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "10");
	spdk_cpuset_zero(&s);
	spdk_cpuset_set_cpu(&s, 8, true);
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "100");
	spdk_cpuset_set_cpu(&s, 0, true);
	spdk_cpuset_set_cpu(&s, 1, true);
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "103");
	spdk_cpuset_zero(&s);
	spdk_cpuset_set_cpu(&s, 63, true);
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "8000000000000000");

	/* Only the last core: "8" and 255 zeros. */
	spdk_cpuset_zero(&s);
	spdk_cpuset_set_cpu(&s, NCPU - 1, true);
	memset(want, '0', sizeof(want));
	want[0] = '8';
	want[NCPU / 4] = '\0';
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), want);

	/* Every core: 256 'f', and formatting does not change the set. */
	spdk_cpuset_negate(&s);
	spdk_cpuset_set_cpu(&s, NCPU - 1, true);
	memset(want, 'f', NCPU / 4);
	want[NCPU / 4] = '\0';
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), want);
	ASSERT_EQ(strlen(s.str), NCPU / 4);
	ASSERT_EQ(spdk_cpuset_count(&s), NCPU);
}

TEST(fmt_returns_the_sets_own_buffer)
{
	struct spdk_cpuset s = {};

	spdk_cpuset_set_cpu(&s, 1, true);
	ASSERT_PTR_EQ(spdk_cpuset_fmt(&s), s.str);
	ASSERT_STR_EQ(s.str, "2");
}

/* ---- parse: SPDK's cases ---------------------------------------------------- */

TEST(parse_spdk_cases)
{
	struct spdk_cpuset *s = spdk_cpuset_alloc();
	char buf[64];

	ASSERT_NOT_NULL(s);
	parse_ok(s, "0x1");
	check_range(s, 0, 0, true);
	check_range(s, 1, NCPU - 1, false);

	parse_ok(s, "[1]");
	check_range(s, 0, 0, false);
	check_range(s, 1, 1, true);
	check_range(s, 2, NCPU - 1, false);

	parse_ok(s, "[0-10,12,128-254]");
	check_range(s, 0, 10, true);
	check_range(s, 11, 11, false);
	check_range(s, 12, 12, true);
	check_range(s, 13, 127, false);
	check_range(s, 128, 254, true);
	check_range(s, 255, NCPU - 1, false);

	snprintf(buf, sizeof(buf), "[0-%d]", NCPU - 1);
	parse_ok(s, buf);
	check_range(s, 0, NCPU - 1, true);

	/* Cores 4-7 and 168-171. */
	parse_ok(s, "0xF0000000000000000000000000000000000000000F0");
	check_range(s, 0, 3, false);
	check_range(s, 4, 7, true);
	check_range(s, 8, 167, false);
	check_range(s, 168, 171, true);
	check_range(s, 172, NCPU - 1, false);
	spdk_cpuset_free(s);

	log_capture_start();
	ASSERT_EQ(spdk_cpuset_parse(NULL, "[1]"), -EINVAL);
	ASSERT_EQ(g_log_count, 1);

	parse_bad(NULL);
	parse_bad("");
	parse_bad("[");
	parse_bad("[]");
	parse_bad("[10--11]");
	parse_bad("[11-10]");
	parse_bad("[10-11,]");
	parse_bad("[,10-11]");
	snprintf(buf, sizeof(buf), "[%d]", NCPU + 1);
	parse_bad(buf);
	parse_bad("[184467440737095516150]");
}

/* ---- parse: hex ---------------------------------------------------------------- */

TEST(parse_hex_spellings)
{
	struct spdk_cpuset s = {};
	char buf[600];

	parse_ok(&s, "3");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "3");
	parse_ok(&s, "0x3");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "3");
	parse_ok(&s, "0X3");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "3");
	parse_ok(&s, "0xAbCdEf");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "abcdef");
	parse_ok(&s, " \t0x30 \t");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "30");
	parse_ok(&s, "0");
	ASSERT_EQ(spdk_cpuset_count(&s), 0);
	parse_ok(&s, "0x0");
	ASSERT_EQ(spdk_cpuset_count(&s), 0);
	parse_ok(&s, "000000000000000000000000000000000000000000000001");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "1");

	/* sysfs style: 32-bit groups separated by commas. */
	parse_ok(&s, "00000000,00000003");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "3");
	parse_ok(&s, "00000001,00000000,80000000");
	ASSERT_EQ(spdk_cpuset_count(&s), 2);
	ASSERT_TRUE(spdk_cpuset_get_cpu(&s, 31));
	ASSERT_TRUE(spdk_cpuset_get_cpu(&s, 64));
	parse_ok(&s, "0xff,ff");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "ffff");

	/* More than 256 digits is fine as long as the extra ones are zero. */
	memset(buf, '0', 300);
	buf[299] = '5';
	buf[300] = '\0';
	parse_ok(&s, buf);
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "5");

	/* Exactly 256 digits reaches core 1023. */
	memset(buf, '0', 256);
	buf[0] = '8';
	buf[256] = '\0';
	parse_ok(&s, buf);
	ASSERT_EQ(spdk_cpuset_count(&s), 1);
	ASSERT_TRUE(spdk_cpuset_get_cpu(&s, NCPU - 1));
}

TEST(parse_hex_errors)
{
	char buf[600];

	parse_bad("   ");
	parse_bad("\t");
	parse_bad("0x");
	parse_bad("0X");
	parse_bad(",");
	parse_bad("0x,,");
	parse_bad("0xg");
	parse_bad("g");
	parse_bad("12z4");
	parse_bad("0x 3");
	parse_bad("3 4");
	parse_bad("-1");
	parse_bad("+3");
	parse_bad("0x0x3");
	parse_bad("x3");
	parse_bad("3]");
	parse_bad("3\n");

	/* A set bit beyond core 1023: 257 digits with a non-zero leader. */
	memset(buf, '0', 257);
	buf[0] = '1';
	buf[257] = '\0';
	parse_bad(buf);
	ASSERT_STR_CONTAINS(g_last_log, "above 1023");
}

/* ---- parse: lists ---------------------------------------------------------------- */

TEST(parse_list_spellings)
{
	struct spdk_cpuset s = {};

	parse_ok(&s, "[0-3,5]");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "2f");
	parse_ok(&s, " [ 0 - 3 ,\t5 ] \t");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "2f");
	parse_ok(&s, "[5,0-3]");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "2f");
	parse_ok(&s, "[1,1,0-3,2-2]");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "f");
	parse_ok(&s, "[1023]");
	ASSERT_EQ(spdk_cpuset_count(&s), 1);
	ASSERT_TRUE(spdk_cpuset_get_cpu(&s, 1023));
	parse_ok(&s, "[0]");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "1");
	parse_ok(&s, "[007]");
	ASSERT_STR_EQ(spdk_cpuset_fmt(&s), "80");
	parse_ok(&s, "[1022-1023]");
	ASSERT_EQ(spdk_cpuset_count(&s), 2);
}

TEST(parse_list_errors)
{
	parse_bad("[3-1]");
	ASSERT_STR_CONTAINS(g_last_log, "backwards");
	parse_bad("[1");
	ASSERT_STR_CONTAINS(g_last_log, "]");
	parse_bad("[1,2");
	parse_bad("[1-");
	parse_bad("[1-]");
	parse_bad("[-1]");
	parse_bad("[1,]");
	parse_bad("[,]");
	parse_bad("[ ]");
	parse_bad("[1 2]");
	parse_bad("[1-2-3]");
	parse_bad("[1]x");
	parse_bad("[1] 2");
	parse_bad("[1]]");
	parse_bad("[[1]");
	parse_bad("[a]");
	parse_bad("[0x1]");
	parse_bad("[+1]");
	parse_bad("[1;2]");
	parse_bad("[1024]");
	ASSERT_STR_CONTAINS(g_last_log, "out of range");
	parse_bad("[0-1024]");
	parse_bad("[4294967296]");
	parse_bad("[99999999999999999999999999999999]");
	parse_bad("[1\n]");
}

/* ---- properties ---------------------------------------------------------------- */

/* Rewrite plain hex as sysfs does: zero-padded to whole 32-bit groups, commas between. */
static void
to_sysfs(const char *hex, char *out)
{
	size_t len = strlen(hex);
	size_t padded = (len + 7) / 8 * 8;
	size_t i, o = 0;

	for (i = 0; i < padded; i++) {
		if (i > 0 && i % 8 == 0) {
			out[o++] = ',';
		}
		out[o++] = i < padded - len ? '0' : hex[i - (padded - len)];
	}
	out[o] = '\0';
}

static void
to_upper(char *s)
{
	for (; *s; s++) {
		if (*s >= 'a' && *s <= 'f') {
			*s = (char)(*s - 'a' + 'A');
		}
	}
}

TEST(property_fmt_then_parse_round_trips)
{
	static bool ref[NCPU];
	static char text[NCPU / 4 + 1], buf[2 * NCPU];
	struct spdk_cpuset s, back;
	int iter;

	for (iter = 0; iter < 2000; iter++) {
		/* Mix densities, and sometimes keep only low cores so short masks appear. */
		random_set(&s, ref, rnd_below(65));
		if (iter % 3 == 0) {
			uint32_t limit = rnd_below(NCPU), cpu;

			for (cpu = limit; cpu < NCPU; cpu++) {
				spdk_cpuset_set_cpu(&s, cpu, false);
				ref[cpu] = false;
			}
		}
		snprintf(text, sizeof(text), "%s", spdk_cpuset_fmt(&s));
		ASSERT_TRUE(text[0] == '0' ? text[1] == '\0' : true);	/* no leading zero */

		spdk_cpuset_zero(&back);
		parse_ok(&back, text);
		check_matches(&back, ref);

		snprintf(buf, sizeof(buf), "0x%s", text);
		parse_ok(&back, buf);
		ASSERT_TRUE(spdk_cpuset_equal(&back, &s));

		snprintf(buf, sizeof(buf), "0X%s", text);
		to_upper(buf + 2);
		parse_ok(&back, buf);
		ASSERT_TRUE(spdk_cpuset_equal(&back, &s));

		to_sysfs(text, buf);
		parse_ok(&back, buf);
		ASSERT_TRUE(spdk_cpuset_equal(&back, &s));

		/* Formatting the parsed set gives back the same text. */
		ASSERT_STR_EQ(spdk_cpuset_fmt(&back), text);
	}
}

static size_t
append_blanks(char *buf, size_t o)
{
	uint32_t n = rnd_below(4) == 0 ? rnd_below(3) : 0;

	while (n-- > 0) {
		buf[o++] = rnd_below(2) ? ' ' : '\t';
	}
	return o;
}

TEST(property_random_lists_parse_to_their_cores)
{
	static bool ref[NCPU];
	static char buf[16384];
	struct spdk_cpuset s;
	int iter;

	for (iter = 0; iter < 2000; iter++) {
		uint32_t items = 1 + rnd_below(12), k, cpu;
		size_t o = 0;

		memset(ref, 0, sizeof(ref));
		o = append_blanks(buf, o);
		buf[o++] = '[';
		for (k = 0; k < items; k++) {
			uint32_t lo = rnd_below(NCPU), hi = lo;

			if (rnd_below(2)) {
				hi = lo + rnd_below(NCPU - lo);
			}
			for (cpu = lo; cpu <= hi; cpu++) {
				ref[cpu] = true;
			}
			if (k > 0) {
				buf[o++] = ',';
			}
			o = append_blanks(buf, o);
			o += (size_t)sprintf(buf + o, "%u", lo);
			o = append_blanks(buf, o);
			if (hi != lo || rnd_below(8) == 0) {
				buf[o++] = '-';
				o = append_blanks(buf, o);
				o += (size_t)sprintf(buf + o, "%u", hi);
				o = append_blanks(buf, o);
			}
		}
		buf[o++] = ']';
		o = append_blanks(buf, o);
		buf[o] = '\0';

		spdk_cpuset_zero(&s);
		parse_ok(&s, buf);
		check_matches(&s, ref);
	}
}

/* Random junk must be either accepted (and then round-trip) or refused with -EINVAL. */
TEST(property_random_junk_never_misbehaves)
{
	static const char alphabet[] = "0123456789abcdefABCDEFxX[]-, \t\n;g+";
	char text[48];
	struct spdk_cpuset s, back;
	int iter, rc, accepted = 0;

	log_capture_start();
	for (iter = 0; iter < 20000; iter++) {
		size_t len = rnd_below(sizeof(text) - 1), i;

		for (i = 0; i < len; i++) {
			text[i] = alphabet[rnd_below(sizeof(alphabet) - 1)];
		}
		text[len] = '\0';
		if (rnd_below(2)) {
			text[0] = '[';
		}
		spdk_cpuset_zero(&s);
		spdk_cpuset_set_cpu(&s, 999, true);
		g_log_count = 0;
		rc = spdk_cpuset_parse(&s, text);
		if (rc == 0) {
			accepted++;
			ASSERT_EQ(g_log_count, 0);
			parse_ok(&back, spdk_cpuset_fmt(&s));
			ASSERT_TRUE(spdk_cpuset_equal(&s, &back));
		} else {
			ASSERT_EQ(rc, -EINVAL);
			ASSERT_EQ(g_log_count, 1);
			ASSERT_EQ(spdk_cpuset_count(&s), 1);
			ASSERT_TRUE(spdk_cpuset_get_cpu(&s, 999));
		}
	}
	/* The alphabet is hex-heavy, so some inputs must have been valid. */
	ASSERT_GT(accepted, 100);
}

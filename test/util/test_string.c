/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Unit tests of the spdk/string.h subset: strict integer parsing (SPDK's own
 * cases plus bases, signs, white space and misuse), error text, allocating
 * printf and append, and the small in-place helpers.
 */

#include "harness.h"

#include "spdk/string.h"
#include "spdk/log.h"
#include "spdk/util.h"

#include <pthread.h>

/* ---- log capture ------------------------------------------------------------ */

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

static uint64_t g_rng = 0x2545F4914F6CDD1Dull;

static uint64_t
rnd(void)
{
	g_rng ^= g_rng >> 12;
	g_rng ^= g_rng << 25;
	g_rng ^= g_rng >> 27;
	return g_rng * 2685821657736338717ull;
}

/* ---- spdk_strtol / spdk_strtoll ------------------------------------------------ */

/* The cases of SPDK's unit test, with today's SPDK answer for negatives (-ERANGE). */
TEST(strtol_spdk_cases)
{
	ASSERT_EQ(spdk_strtol("no_digits", 10), -EINVAL);
	ASSERT_EQ(spdk_strtol("-9223372036854775809", 10), -ERANGE);	/* LONG_MIN - 1 */
	ASSERT_EQ(spdk_strtol("-9223372036854775808", 10), -ERANGE);	/* LONG_MIN */
	ASSERT_EQ(spdk_strtol("-9223372036854775807", 10), -ERANGE);	/* LONG_MIN + 1 */
	ASSERT_EQ(spdk_strtol("9223372036854775806", 10), LONG_MAX - 1);
	ASSERT_EQ(spdk_strtol("9223372036854775807", 10), LONG_MAX);
	ASSERT_EQ(spdk_strtol("9223372036854775808", 10), -ERANGE);	/* LONG_MAX + 1 */
	ASSERT_EQ(spdk_strtol("10_is_ten", 10), -EINVAL);
	ASSERT_EQ(spdk_strtol("ten_is_10", 10), -EINVAL);
	ASSERT_EQ(spdk_strtol("00000000", 10), 0);
	ASSERT_EQ(spdk_strtol("00000000", 1), -EINVAL);
}

TEST(strtoll_spdk_cases)
{
	ASSERT_EQ(spdk_strtoll("no_digits", 10), -EINVAL);
	ASSERT_EQ(spdk_strtoll("-9223372036854775809", 10), -ERANGE);
	ASSERT_EQ(spdk_strtoll("-9223372036854775808", 10), -ERANGE);
	ASSERT_EQ(spdk_strtoll("-9223372036854775807", 10), -ERANGE);
	ASSERT_EQ(spdk_strtoll("9223372036854775806", 10), LLONG_MAX - 1);
	ASSERT_EQ(spdk_strtoll("9223372036854775807", 10), LLONG_MAX);
	ASSERT_EQ(spdk_strtoll("9223372036854775808", 10), -ERANGE);
	ASSERT_EQ(spdk_strtoll("10_is_ten", 10), -EINVAL);
	ASSERT_EQ(spdk_strtoll("ten_is_10", 10), -EINVAL);
	ASSERT_EQ(spdk_strtoll("00000000", 10), 0);
	ASSERT_EQ(spdk_strtoll("00000000", 1), -EINVAL);
}

/* Both functions must agree on every one of these. */
static const struct {
	const char *text;
	int base;
	long long want;
} g_num_cases[] = {
	{ "0", 10, 0 },
	{ "42", 10, 42 },
	{ "+42", 10, 42 },
	{ "  42", 10, 42 },		/* leading white space, as strtol */
	{ "\t\n42", 10, 42 },
	{ "-0", 10, 0 },		/* minus zero is zero, not negative */
	{ "42 ", 10, -EINVAL },		/* trailing anything is refused */
	{ "42\n", 10, -EINVAL },
	{ "4 2", 10, -EINVAL },
	{ "", 10, -EINVAL },		/* SPDK would answer 0 here */
	{ "   ", 10, -EINVAL },
	{ "-", 10, -EINVAL },
	{ "+", 10, -EINVAL },
	{ "-1", 10, -ERANGE },
	{ " -5", 10, -ERANGE },
	{ "-99999999999999999999999", 10, -ERANGE },
	{ "99999999999999999999999", 10, -ERANGE },
	{ "99999999999999999999999x", 10, -ERANGE },	/* range wins over junk, as SPDK */
	{ "1.5", 10, -EINVAL },
	{ "1e3", 10, -EINVAL },
	{ "0x1f", 0, 31 },
	{ "0X1F", 0, 31 },
	{ "017", 0, 15 },		/* base 0: leading zero means octal */
	{ "08", 0, -EINVAL },
	{ "17", 0, 17 },
	{ "0", 0, 0 },
	{ "0x", 0, -EINVAL },
	{ "1f", 16, 31 },
	{ "0x1f", 16, 31 },
	{ "FFFF", 16, 65535 },
	{ "7fffffffffffffff", 16, LLONG_MAX },
	{ "8000000000000000", 16, -ERANGE },
	{ "-1f", 16, -ERANGE },
	{ "g", 16, -EINVAL },
	{ "101", 2, 5 },
	{ "102", 2, -EINVAL },
	{ "777", 8, 511 },
	{ "z", 36, 35 },
	{ "Zz", 36, 35 * 36 + 35 },
	{ "1", 37, -EINVAL },
	{ "1", 1, -EINVAL },
	{ "1", -1, -EINVAL },
	{ "1", INT_MAX, -EINVAL },
	{ "1", INT_MIN, -EINVAL },
};

TEST(strtol_and_strtoll_table)
{
	size_t i;

	for (i = 0; i < SPDK_COUNTOF(g_num_cases); i++) {
		long l = spdk_strtol(g_num_cases[i].text, g_num_cases[i].base);
		long long ll = spdk_strtoll(g_num_cases[i].text, g_num_cases[i].base);

		if (l != g_num_cases[i].want || ll != g_num_cases[i].want) {
			FAIL("case %zu \"%s\" base %d: strtol %ld, strtoll %lld, want %lld", i,
			     g_num_cases[i].text, g_num_cases[i].base, l, ll, g_num_cases[i].want);
		}
	}
}

TEST(strtol_null_is_logged)
{
	log_capture_start();
	ASSERT_EQ(spdk_strtol(NULL, 10), -EINVAL);
	ASSERT_EQ(g_log_count, 1);
	ASSERT_STR_CONTAINS(g_last_log, "NULL");
	ASSERT_EQ(spdk_strtoll(NULL, 0), -EINVAL);
	ASSERT_EQ(g_log_count, 2);
}

TEST(strtol_leaves_errno_alone)
{
	errno = EBUSY;
	ASSERT_EQ(spdk_strtol("99999999999999999999999", 10), -ERANGE);
	ASSERT_EQ(errno, EBUSY);
	ASSERT_EQ(spdk_strtoll("12", 10), 12);
	ASSERT_EQ(errno, EBUSY);
	ASSERT_EQ(spdk_strtoll("x", 10), -EINVAL);
	ASSERT_EQ(errno, EBUSY);
}

TEST(property_strtoll_round_trips_random_values)
{
	char buf[64];
	int iter;

	for (iter = 0; iter < 20000; iter++) {
		/* Random magnitudes: shift away a random number of top bits. */
		long long v = (long long)((rnd() >> 1) >> (rnd() % 63));

		snprintf(buf, sizeof(buf), "%lld", v);
		ASSERT_EQ(spdk_strtoll(buf, 10), v);
		ASSERT_EQ(spdk_strtol(buf, 0), v);
		snprintf(buf, sizeof(buf), "%llx", v);
		ASSERT_EQ(spdk_strtoll(buf, 16), v);
		snprintf(buf, sizeof(buf), "0x%llX", v);
		ASSERT_EQ(spdk_strtoll(buf, 0), v);
		ASSERT_EQ(spdk_strtol(buf, 16), v);
		snprintf(buf, sizeof(buf), "0%llo", v);
		ASSERT_EQ(spdk_strtoll(buf, 0), v);
		if (v != 0) {
			snprintf(buf, sizeof(buf), "-%lld", v);
			ASSERT_EQ(spdk_strtoll(buf, 10), -ERANGE);
		}
	}
}

/* ---- spdk_strerror / spdk_strerror_r ------------------------------------------- */

TEST(strerror_text)
{
	ASSERT_STR_EQ(spdk_strerror(EINVAL), "Invalid argument");
	ASSERT_STR_EQ(spdk_strerror(ENOMEM), "Cannot allocate memory");
	ASSERT_STR_EQ(spdk_strerror(0), "Success");
	ASSERT_STR_EQ(spdk_strerror(12345), "Unknown error 12345");
	ASSERT_STR_EQ(spdk_strerror(-EINVAL), "Unknown error -22");
	ASSERT_STR_EQ(spdk_strerror(INT_MIN), "Unknown error -2147483648");
}

TEST(strerror_reuses_one_buffer_per_thread)
{
	const char *a = spdk_strerror(EINVAL);
	const char *b = spdk_strerror(ENOENT);

	ASSERT_PTR_EQ(a, b);
	ASSERT_STR_EQ(a, "No such file or directory");
}

static void *
strerror_on_thread(void *arg)
{
	return (void *)spdk_strerror((int)(intptr_t)arg);
}

TEST(strerror_buffers_are_per_thread)
{
	const char *mine = spdk_strerror(EPERM);
	const char *theirs;
	pthread_t t;

	ASSERT_EQ(pthread_create(&t, NULL, strerror_on_thread, (void *)(intptr_t)ENOENT), 0);
	ASSERT_EQ(pthread_join(t, (void **)&theirs), 0);
	ASSERT_PTR_NE(mine, theirs);
	/* The other thread's call did not overwrite this thread's text. */
	ASSERT_STR_EQ(mine, "Operation not permitted");
}

TEST(strerror_r_truncates_and_terminates)
{
	char buf[64];
	char small[4];
	char one[1] = { 'x' };

	spdk_strerror_r(EINVAL, buf, sizeof(buf));
	ASSERT_STR_EQ(buf, "Invalid argument");
	spdk_strerror_r(99999, buf, sizeof(buf));
	ASSERT_STR_EQ(buf, "Unknown error 99999");

	spdk_strerror_r(EINVAL, small, sizeof(small));
	ASSERT_STR_EQ(small, "Inv");
	spdk_strerror_r(EINVAL, one, sizeof(one));
	ASSERT_EQ(one[0], '\0');
}

TEST(strerror_r_misuse_is_logged)
{
	char buf[8] = "keep";

	log_capture_start();
	spdk_strerror_r(EINVAL, NULL, 10);
	ASSERT_EQ(g_log_count, 1);
	spdk_strerror_r(EINVAL, buf, 0);
	ASSERT_EQ(g_log_count, 2);
	ASSERT_STR_EQ(buf, "keep");
}

/* ---- allocating printf ------------------------------------------------------------ */

static char *call_vsprintf_alloc(const char *format, ...) __attribute__((format(printf, 1, 2)));

static char *
call_vsprintf_alloc(const char *format, ...)
{
	va_list args;
	char *out;

	va_start(args, format);
	out = spdk_vsprintf_alloc(format, args);
	va_end(args);
	return out;
}

TEST(sprintf_alloc_formats)
{
	char *s = spdk_sprintf_alloc("%s-%d-%05.1f", "abc", -7, 2.5);

	ASSERT_STR_EQ(s, "abc--7-002.5");
	free(s);

	s = spdk_sprintf_alloc("%s", "");
	ASSERT_NOT_NULL(s);
	ASSERT_STR_EQ(s, "");
	free(s);

	s = call_vsprintf_alloc("%u+%u=%u", 1u, 2u, 3u);
	ASSERT_STR_EQ(s, "1+2=3");
	free(s);
}

TEST(sprintf_alloc_large_output)
{
	/* Longer than SPDK's old 1 MiB cap: there is no cap here. */
	size_t n = 3u << 20;
	char *s = spdk_sprintf_alloc("<%*s>", (int)n, "x");
	size_t i;

	ASSERT_NOT_NULL(s);
	ASSERT_EQ(strlen(s), n + 2);
	ASSERT_EQ(s[0], '<');
	ASSERT_EQ(s[n], 'x');
	ASSERT_EQ(s[n + 1], '>');
	for (i = 1; i < n; i++) {
		if (s[i] != ' ') {
			FAIL("byte %zu is 0x%x", i, s[i]);
		}
	}
	free(s);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-security"
TEST(sprintf_alloc_null_format_is_logged)
{
	const char *volatile no_format = NULL;
	char *buf;

	log_capture_start();
	ASSERT_NULL(spdk_sprintf_alloc(no_format));
	ASSERT_EQ(g_log_count, 1);
	ASSERT_NULL(call_vsprintf_alloc(no_format));
	ASSERT_EQ(g_log_count, 2);

	/* A failed append leaves the old buffer valid and owned by the caller. */
	buf = spdk_sprintf_alloc("kept");
	ASSERT_NULL(spdk_sprintf_append_realloc(buf, no_format));
	ASSERT_EQ(g_log_count, 3);
	ASSERT_STR_EQ(buf, "kept");
	free(buf);
}
#pragma GCC diagnostic pop

/* SPDK's append test, re-expressed. */
TEST(sprintf_append_realloc_builds_up)
{
	char *whole, *built, *s;

	whole = spdk_sprintf_alloc("one\ntwo\nthree\nfour\n");
	built = spdk_sprintf_append_realloc(NULL, "one\n");
	ASSERT_NOT_NULL(built);
	built = spdk_sprintf_append_realloc(built, "two\n");
	ASSERT_NOT_NULL(built);
	built = spdk_sprintf_append_realloc(built, "%s\n", "three");
	ASSERT_NOT_NULL(built);
	built = spdk_sprintf_append_realloc(built, "fo%cr\n", 'u');
	ASSERT_NOT_NULL(built);
	ASSERT_STR_EQ(built, whole);
	free(whole);
	free(built);

	s = spdk_sprintf_append_realloc(NULL, "%s", "");
	ASSERT_STR_EQ(s, "");
	s = spdk_sprintf_append_realloc(s, "aaaaaaaaaa\n");
	s = spdk_sprintf_append_realloc(s, "%s", "");
	s = spdk_sprintf_append_realloc(s, "bbbbbbbbbb\n");
	s = spdk_sprintf_append_realloc(s, "cccccccccc\n");
	ASSERT_STR_EQ(s, "aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\n");
	free(s);
}

/* ---- in-place helpers ------------------------------------------------------------ */

TEST(strlwr_lowers_ascii)
{
	char s[] = "MiXeD 123 _AZ";

	ASSERT_PTR_EQ(spdk_strlwr(s), s);
	ASSERT_STR_EQ(s, "mixed 123 _az");
	ASSERT_NULL(spdk_strlwr(NULL));
}

TEST(str_trim_cases)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "" },
		{ "   ", "" },
		{ "abc", "abc" },
		{ "  abc", "abc" },
		{ "abc  ", "abc" },
		{ " \t\r\n a b \v\f ", "a b" },
		{ "x", "x" },
		{ " x ", "x" },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < SPDK_COUNTOF(cases); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		ASSERT_PTR_EQ(spdk_str_trim(buf), buf);
		ASSERT_STR_EQ(buf, cases[i].out);
	}
	ASSERT_NULL(spdk_str_trim(NULL));
}

/* SPDK's chomp cases, re-expressed. */
TEST(str_chomp_cases)
{
	static const struct {
		const char *in, *out;
		size_t removed;
	} cases[] = {
		{ "hello world\n", "hello world", 1 },
		{ "hello world\r\n", "hello world", 2 },
		{ "hello world", "hello world", 0 },
		{ "hello world\n\n", "hello world", 2 },
		{ "", "", 0 },
		{ "\n", "", 1 },
		{ "a", "a", 0 },
		{ "a\nb\r", "a\nb", 1 },
		{ "\r\n\r\n", "", 4 },
		{ "tail \n", "tail ", 1 },
	};
	char buf[64];
	size_t i;

	for (i = 0; i < SPDK_COUNTOF(cases); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i].in);
		ASSERT_EQ(spdk_str_chomp(buf), cases[i].removed);
		ASSERT_STR_EQ(buf, cases[i].out);
	}
	log_capture_start();
	ASSERT_EQ(spdk_str_chomp(NULL), 0);
	ASSERT_EQ(g_log_count, 1);
}

TEST(strcpy_pad_and_strlen_pad)
{
	char field[8];

	spdk_strcpy_pad(field, "abc", sizeof(field), ' ');
	ASSERT_EQ(memcmp(field, "abc     ", 8), 0);
	ASSERT_EQ(spdk_strlen_pad(field, sizeof(field), ' '), 3);

	spdk_strcpy_pad(field, "abcdefghijk", sizeof(field), ' ');
	ASSERT_EQ(memcmp(field, "abcdefgh", 8), 0);
	ASSERT_EQ(spdk_strlen_pad(field, sizeof(field), ' '), 8);

	spdk_strcpy_pad(field, "", sizeof(field), 0);
	ASSERT_EQ(memcmp(field, "\0\0\0\0\0\0\0\0", 8), 0);
	ASSERT_EQ(spdk_strlen_pad(field, sizeof(field), 0), 0);

	/* Padding inside the text does not count; only the tail is stripped. */
	memcpy(field, "a  b    ", 8);
	ASSERT_EQ(spdk_strlen_pad(field, sizeof(field), ' '), 4);
	/* pad is taken as a byte value. */
	memset(field, 0xff, sizeof(field));
	field[0] = 'q';
	ASSERT_EQ(spdk_strlen_pad(field, sizeof(field), 0xff), 1);
	ASSERT_EQ(spdk_strlen_pad(field, sizeof(field), -1), 1);

	/* Size 0 writes and reads nothing, even with NULL pointers. */
	spdk_strcpy_pad(NULL, NULL, 0, ' ');
	ASSERT_EQ(spdk_strlen_pad(NULL, 0, ' '), 0);

	log_capture_start();
	spdk_strcpy_pad(NULL, "x", 4, ' ');
	spdk_strcpy_pad(field, NULL, 4, ' ');
	ASSERT_EQ(spdk_strlen_pad(NULL, 4, ' '), 0);
	ASSERT_EQ(g_log_count, 3);
	ASSERT_EQ(field[0], 'q');
}

/* Split a copy of text with spdk_strsepq and join the fields with '|'. */
static void
split(const char *text, const char *delim, char *out, size_t outlen)
{
	char buf[256];
	char *cursor = buf, *field;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	out[0] = '\0';
	while ((field = spdk_strsepq(&cursor, delim)) != NULL) {
		size_t used = strlen(out);

		snprintf(out + used, outlen - used, "%s%s", n++ ? "|" : "", field);
		if (cursor == NULL) {
			break;
		}
	}
}

TEST(strsepq_fields_quotes_and_escapes)
{
	static const struct {
		const char *in, *delim, *out;
	} cases[] = {
		{ "a b c", " ", "a|b|c" },
		{ "a   b", " ", "a|b" },		/* delimiters after a field collapse */
		{ " a", " ", "|a" },		/* but a leading one gives an empty field */
		{ "a,b;c", ",;", "a|b|c" },
		{ "\"a b\" c", " ", "a b|c" },
		{ "'a b' c", " ", "a b|c" },
		{ "x\"a b\"y z", " ", "xa by|z" },
		{ "a\\ b c", " ", "a b|c" },	/* backslash escapes a delimiter */
		{ "\"a\\\"b\" c", " ", "a\"b|c" },	/* and a quote inside double quotes */
		{ "'a\\b' c", " ", "a\\b|c" },	/* but not inside single quotes */
		{ "\"it's\" x", " ", "it's|x" },
		{ "a b\nc d", " ", "a|b" },	/* a newline ends everything */
		{ "abc\\", " ", "abc" },	/* a final backslash vanishes */
		{ "a  ", " ", "a" },
		{ "", " ", "" },
	};
	char out[256];
	size_t i;

	for (i = 0; i < SPDK_COUNTOF(cases); i++) {
		split(cases[i].in, cases[i].delim, out, sizeof(out));
		if (strcmp(out, cases[i].out) != 0) {
			FAIL("case %zu: \"%s\" split to \"%s\", want \"%s\"", i, cases[i].in, out,
			     cases[i].out);
		}
	}
}

TEST(strsepq_end_and_misuse)
{
	char buf[] = "one two";
	char *cursor = buf;

	ASSERT_STR_EQ(spdk_strsepq(&cursor, " "), "one");
	ASSERT_STR_EQ(cursor, "two");
	ASSERT_STR_EQ(spdk_strsepq(&cursor, " "), "two");
	ASSERT_NULL(cursor);
	ASSERT_NULL(spdk_strsepq(&cursor, " "));

	cursor = buf;
	log_capture_start();
	ASSERT_NULL(spdk_strsepq(NULL, " "));
	ASSERT_NULL(spdk_strsepq(&cursor, NULL));
	ASSERT_EQ(g_log_count, 2);
	ASSERT_PTR_EQ(cursor, buf);
}

/* SPDK's capacity cases plus overflow and misuse. */
TEST(parse_capacity_cases)
{
	static const struct {
		const char *text;
		int rc;
		uint64_t cap;
		bool prefix;
	} cases[] = {
		{ "472", 0, 472, false },
		{ "18446744073709551615", 0, UINT64_MAX, false },
		{ "12k", 0, 12 * 1024, true },
		{ "12K", 0, 12 * 1024, true },
		{ "12KB", 0, 12 * 1024, true },
		{ "100M", 0, 100ull << 20, true },
		{ "128m", 0, 128ull << 20, true },
		{ "4G", 0, 4ull << 30, true },
		{ "4g", 0, 4ull << 30, true },
		{ "100M 512k", 0, 100ull << 20, true },	/* SPDK reads up to the first letter */
		{ "12k8K", 0, 12 * 1024, true },
		{ "  7", 0, 7, false },
		{ "0", 0, 0, false },
		{ "0k", 0, 0, true },
		{ "17179869183G", 0, 17179869183ull << 30, true },
		{ "17179869184G", -ERANGE, 0, false },
		{ "18446744073709551616", -ERANGE, 0, false },
		{ "G", -EINVAL, 0, false },
		{ "darsto", -EINVAL, 0, false },
		{ "", -EINVAL, 0, false },
		{ "-5", -EINVAL, 0, false },
		{ "+5", -EINVAL, 0, false },
		{ "5T", -EINVAL, 0, false },
		{ "5 ", -EINVAL, 0, false },
		{ "5.5M", -EINVAL, 0, false },
	};
	size_t i;

	for (i = 0; i < SPDK_COUNTOF(cases); i++) {
		uint64_t cap = 12345;
		bool prefix = !cases[i].prefix;
		int rc = spdk_parse_capacity(cases[i].text, &cap, &prefix);

		if (rc != cases[i].rc) {
			FAIL("case %zu \"%s\": rc %d, want %d", i, cases[i].text, rc, cases[i].rc);
		}
		if (rc == 0) {
			ASSERT_EQ(cap, cases[i].cap);
			ASSERT_EQ(prefix, cases[i].prefix);
		} else {
			ASSERT_EQ(cap, 12345);	/* untouched on failure */
		}
	}
}

TEST(parse_capacity_null_is_logged)
{
	uint64_t cap;
	bool prefix;

	log_capture_start();
	ASSERT_EQ(spdk_parse_capacity(NULL, &cap, &prefix), -EINVAL);
	ASSERT_EQ(spdk_parse_capacity("1", NULL, &prefix), -EINVAL);
	ASSERT_EQ(spdk_parse_capacity("1", &cap, NULL), -EINVAL);
	ASSERT_EQ(g_log_count, 3);
}

TEST(mem_all_zero_cases)
{
	uint8_t buf[100] = {0};

	ASSERT_TRUE(spdk_mem_all_zero(buf, sizeof(buf)));
	ASSERT_TRUE(spdk_mem_all_zero(buf, 0));
	ASSERT_TRUE(spdk_mem_all_zero(NULL, 0));
	buf[99] = 1;
	ASSERT_FALSE(spdk_mem_all_zero(buf, sizeof(buf)));
	ASSERT_TRUE(spdk_mem_all_zero(buf, 99));
	buf[0] = 0x80;
	ASSERT_FALSE(spdk_mem_all_zero(buf, 1));

	log_capture_start();
	ASSERT_FALSE(spdk_mem_all_zero(NULL, 1));
	ASSERT_EQ(g_log_count, 1);
}

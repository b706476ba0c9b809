/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * libFuzzer target: spdk_strtol() and spdk_strtoll().
 *
 * Input: the first byte picks the base (byte % 40 - 2, so -2..37: every
 * valid base and a few invalid ones), the rest is the text. Both answers are
 * checked against a reference computed here from the contract in
 * spdk/string.h without strtol(): strtol()'s syntax (C locale white space, a
 * sign, the 0x and 0 prefixes of bases 16 and 0), the value accumulated in
 * 128 bits, then the rules: no digits, trailing text or a bad base give
 * -EINVAL; a value beyond LONG_MAX / LLONG_MAX (either sign) or any negative
 * value gives -ERANGE. The caller's errno must be left alone.
 */

#include "fuzz_common.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>

#include "spdk/string.h"

/* Whether the C library's strtol() reads C23's "0b" prefix (glibc >= 2.38
 * with _GNU_SOURCE does); the reference follows it. Set at start-up. */
static bool g_binary_prefix;

static int
digit_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'z') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'Z') {
		return c - 'A' + 10;
	}
	return 99;
}

static bool
c_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The expected result of spdk_strtol/ll for a type whose maximum is max. */
static long long
reference(const char *s, int base, unsigned long long max)
{
	unsigned __int128 mag = 0;
	bool negative = false, overflow = false;
	size_t digits = 0;

	if (base != 0 && (base < 2 || base > 36)) {
		return -EINVAL;
	}
	while (c_space(*s)) {
		s++;
	}
	if (*s == '+' || *s == '-') {
		negative = *s == '-';
		s++;
	}
	/* A prefix counts only when a digit of its base follows; otherwise the
	 * '0' is the number and the letter is trailing text. */
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (g_binary_prefix && (base == 0 || base == 2) && s[0] == '0' &&
		   (s[1] == 'b' || s[1] == 'B') && digit_value(s[2]) < 2) {
		s += 2;
		base = 2;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (; digit_value(*s) < base; s++, digits++) {
		mag = mag * (unsigned)base + (unsigned)digit_value(*s);
		if (mag > (unsigned __int128)max + 1) {
			overflow = true;
			mag = (unsigned __int128)max + 2;	/* keep it bounded */
		}
	}
	if (digits == 0) {
		return -EINVAL;
	}
	if (overflow || mag > (unsigned __int128)max + (negative ? 1 : 0)) {
		return -ERANGE;
	}
	if (*s != '\0') {
		return -EINVAL;
	}
	if (negative && mag != 0) {
		return -ERANGE;
	}
	return (long long)mag;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *end;

	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	g_binary_prefix = strtol("0b1", &end, 0) == 1 && *end == '\0';
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	int base;
	long got_l;
	long long got_ll, want_l, want_ll;

	if (size == 0) {
		return 0;
	}
	base = data[0] % 40 - 2;
	text = fuzz_strndup(data + 1, size - 1);
	want_l = reference(text, base, LONG_MAX);
	want_ll = reference(text, base, LLONG_MAX);

	errno = 12345;
	got_l = spdk_strtol(text, base);
	FUZZ_CHECK(errno == 12345, "spdk_strtol(\"%s\", %d) changed errno to %d", text, base,
		   errno);
	got_ll = spdk_strtoll(text, base);
	FUZZ_CHECK(errno == 12345, "spdk_strtoll(\"%s\", %d) changed errno to %d", text, base,
		   errno);

	FUZZ_CHECK(got_l == want_l, "spdk_strtol(\"%s\", %d) = %ld, the reference says %lld",
		   text, base, got_l, want_l);
	FUZZ_CHECK(got_ll == want_ll, "spdk_strtoll(\"%s\", %d) = %lld, the reference says %lld",
		   text, base, got_ll, want_ll);
	free(text);
	return 0;
}

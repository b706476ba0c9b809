/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * libFuzzer target: spdk_cpuset_parse() on arbitrary text.
 *
 * The answer is checked against a reference parser written here from the
 * grammar in spdk/cpuset.h, and shaped differently from lib/util/cpuset.c
 * (the hex form is read left to right as a 1024-bit number, the list form is
 * split at commas first), so a wrong set or a wrong accept/refuse is found,
 * not only a crash. Also checked: a refused text is logged and leaves the set
 * alone; an accepted one is logged by nobody, formats to the canonical hex
 * text (lower case, no leading zero) and parses back to an equal set.
 */

#include "fuzz_common.h"

#include <errno.h>
#include <stdbool.h>

#include "spdk/cpuset.h"

#define NCPU	SPDK_CPUSET_SIZE
#define NWORDS	(NCPU / 64)

/* The reference: a 1024-bit number, word 0 holding cores 0-63. */
struct ref_set {
	uint64_t w[NWORDS];
};

static bool
ref_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
ref_hex(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *p;

	if (c >= 'A' && c <= 'F') {
		c = (char)(c - 'A' + 'a');
	}
	p = c != '\0' ? strchr(digits, c) : NULL;
	return p != NULL ? (int)(p - digits) : -1;
}

/* set = set * 16 + digit; false when a set bit would leave core 1023. */
static bool
ref_push_nibble(struct ref_set *set, int digit)
{
	if ((set->w[NWORDS - 1] >> 60) != 0) {
		return false;
	}
	for (int i = NWORDS - 1; i > 0; i--) {
		set->w[i] = (set->w[i] << 4) | (set->w[i - 1] >> 60);
	}
	set->w[0] = (set->w[0] << 4) | (uint64_t)digit;
	return true;
}

/* text[0..len): optional 0x, then hex digits and commas, at least one digit. */
static bool
ref_parse_hex(struct ref_set *set, const char *text, size_t len)
{
	size_t digits = 0;

	if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		text += 2;
		len -= 2;
	}
	for (size_t i = 0; i < len; i++) {
		int d;

		if (text[i] == ',') {
			continue;
		}
		d = ref_hex(text[i]);
		if (d < 0 || !ref_push_nibble(set, d)) {
			return false;
		}
		digits++;
	}
	return digits > 0;
}

/* One number of a list: blanks around decimal digits, value < NCPU. */
static bool
ref_number(const char *s, size_t len, uint32_t *out)
{
	size_t a = 0, b = len;
	uint32_t v = 0;

	while (a < b && ref_blank(s[a])) {
		a++;
	}
	while (b > a && ref_blank(s[b - 1])) {
		b--;
	}
	if (a == b) {
		return false;
	}
	/* Leading zeros are fine; more than four significant digits are not. */
	while (a + 1 < b && s[a] == '0') {
		a++;
	}
	if (b - a > 4) {
		return false;
	}
	for (size_t i = a; i < b; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return false;
		}
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v >= NCPU) {
		return false;
	}
	*out = v;
	return true;
}

/* text[0..len) is "[" items "]", items split at ','; each is N or N-M. */
static bool
ref_parse_list(struct ref_set *set, const char *text, size_t len)
{
	const char *inner, *end;

	if (len < 2 || text[0] != '[' || text[len - 1] != ']') {
		return false;
	}
	inner = text + 1;
	end = text + len - 1;
	if (memchr(inner, ']', (size_t)(end - inner)) != NULL) {
		return false;	/* text after the first ']' */
	}
	for (;;) {
		const char *comma = memchr(inner, ',', (size_t)(end - inner));
		const char *item_end = comma != NULL ? comma : end;
		const char *dash = memchr(inner, '-', (size_t)(item_end - inner));
		uint32_t first, last;

		if (dash == NULL) {
			if (!ref_number(inner, (size_t)(item_end - inner), &first)) {
				return false;
			}
			last = first;
		} else if (!ref_number(inner, (size_t)(dash - inner), &first) ||
			   !ref_number(dash + 1, (size_t)(item_end - dash - 1), &last) ||
			   last < first) {
			return false;
		}
		for (uint32_t c = first; c <= last; c++) {
			set->w[c / 64] |= 1ull << (c % 64);
		}
		if (comma == NULL) {
			return true;
		}
		inner = comma + 1;
	}
}

static bool
ref_parse(struct ref_set *set, const char *mask)
{
	size_t len;

	memset(set, 0, sizeof(*set));
	while (ref_blank(*mask)) {
		mask++;
	}
	len = strlen(mask);
	while (len > 0 && ref_blank(mask[len - 1])) {
		len--;
	}
	if (len == 0) {
		return false;
	}
	return mask[0] == '[' ? ref_parse_list(set, mask, len) : ref_parse_hex(set, mask, len);
}

static void
check_same(const struct spdk_cpuset *set, const struct ref_set *ref, const char *mask)
{
	uint32_t count = 0;

	for (uint32_t c = 0; c < NCPU; c++) {
		bool want = (ref->w[c / 64] >> (c % 64)) & 1;

		FUZZ_CHECK(spdk_cpuset_get_cpu(set, c) == want,
			   "'%s': core %u is %s, the reference says %s", mask, c,
			   want ? "clear" : "set", want ? "set" : "clear");
		count += want;
	}
	FUZZ_CHECK(spdk_cpuset_count(set) == count, "'%s': count %u, reference %u", mask,
		   spdk_cpuset_count(set), count);
}

/* A fixed pattern that no accepted text in the corpus is likely to give. */
static void
fill_pattern(struct spdk_cpuset *set)
{
	spdk_cpuset_zero(set);
	for (uint32_t c = 1; c < NCPU; c += 3) {
		spdk_cpuset_set_cpu(set, c, true);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_log();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spdk_cpuset set, before, again;
	struct ref_set ref;
	char *mask = fuzz_strndup(data, size);
	const char *text;
	bool ok;
	int rc;

	fill_pattern(&set);
	before = set;
	ok = ref_parse(&ref, mask);
	g_fuzz_errors = 0;
	rc = spdk_cpuset_parse(&set, mask);

	if (!ok) {
		FUZZ_CHECK(rc == -EINVAL, "'%s' accepted (rc %d), the reference refuses it",
			   mask, rc);
		FUZZ_CHECK(spdk_cpuset_equal(&set, &before), "'%s' refused but the set changed",
			   mask);
		FUZZ_CHECK(g_fuzz_errors > 0, "'%s' refused without an error message", mask);
		free(mask);
		return 0;
	}

	FUZZ_CHECK(rc == 0, "'%s' refused (rc %d), the reference accepts it", mask, rc);
	FUZZ_CHECK(g_fuzz_errors == 0, "'%s' accepted but %u errors were logged", mask,
		   g_fuzz_errors);
	check_same(&set, &ref, mask);

	/* Round trip through the canonical text. */
	text = spdk_cpuset_fmt(&set);
	FUZZ_CHECK(text[0] != '\0' && strlen(text) <= NCPU / 4, "'%s' formats as '%s'", mask,
		   text);
	FUZZ_CHECK(text[0] != '0' || text[1] == '\0', "'%s' formats with a leading zero: '%s'",
		   mask, text);
	FUZZ_CHECK(strspn(text, "0123456789abcdef") == strlen(text),
		   "'%s' formats as '%s', not lower-case hex digits", mask, text);
	spdk_cpuset_zero(&again);
	rc = spdk_cpuset_parse(&again, text);
	FUZZ_CHECK(rc == 0, "'%s' formats as '%s', which does not parse (rc %d)", mask, text,
		   rc);
	FUZZ_CHECK(spdk_cpuset_equal(&set, &again), "'%s' formats as '%s', which parses to "
		   "another set", mask, text);
	free(mask);
	return 0;
}

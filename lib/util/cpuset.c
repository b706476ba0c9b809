/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (C) 2026 Pinwheel authors.
 */

/*
 * Core sets: a 1024-bit map, set algebra, and the two text forms SPDK uses
 * for core masks (hex and "[a-b,c]" lists).
 */

#include "spdk/cpuset.h"
#include "spdk/log.h"
#include "common/pw_common.h"

#define CPUSET_BYTES (SPDK_CPUSET_SIZE / 8)

static const char g_hex_digits[] = "0123456789abcdef";

/* Shared by the pointer checks below so each public function stays short. */
static bool
set_ok(const void *set, const char *func)
{
	if (set == NULL) {
		SPDK_ERRLOG("%s: the cpuset pointer is NULL\n", func);
		return false;
	}
	return true;
}

static bool
cpu_ok(uint32_t cpu, const char *func)
{
	if (cpu >= SPDK_CPUSET_SIZE) {
		SPDK_ERRLOG("%s: core %" PRIu32 " is out of range (a cpuset holds cores 0-%d)\n",
			    func, cpu, SPDK_CPUSET_SIZE - 1);
		return false;
	}
	return true;
}

static inline void
put_bit(uint8_t *cpus, uint32_t cpu, bool state)
{
	uint8_t bit = (uint8_t)(1u << (cpu & 7));

	if (state) {
		cpus[cpu >> 3] |= bit;
	} else {
		cpus[cpu >> 3] &= (uint8_t)~bit;
	}
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
hex_digit_value(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Printable form of a character for error messages. */
static int
shown(char c)
{
	return (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?';
}

/*
 * Hex form: text[0 .. len) without surrounding blanks. Digits are consumed
 * from the right, each one supplying the next four cores.
 */
static int
parse_hex(uint8_t *cpus, const char *text, size_t len, const char *whole)
{
	uint32_t cpu = 0;
	size_t digits = 0;
	size_t i;

	if (len >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		text += 2;
		len -= 2;
	}

	for (i = len; i > 0; i--) {
		char c = text[i - 1];
		int val;

		if (c == ',') {
			continue;	/* Linux groups sysfs masks by 32 bits with commas */
		}
		val = hex_digit_value(c);
		if (val < 0) {
			SPDK_ERRLOG("Core mask '%s': '%c' is neither a hex digit nor a comma\n",
				    whole, shown(c));
			return -EINVAL;
		}
		digits++;
		if (cpu >= SPDK_CPUSET_SIZE) {
			if (val != 0) {
				SPDK_ERRLOG("Core mask '%s' sets a core above %d\n",
					    whole, SPDK_CPUSET_SIZE - 1);
				return -EINVAL;
			}
			continue;
		}
		cpus[cpu >> 3] |= (uint8_t)(val << (cpu & 7));
		cpu += 4;
	}

	if (digits == 0) {
		SPDK_ERRLOG("Core mask '%s' has no hex digit\n", whole);
		return -EINVAL;
	}
	return 0;
}

/* Skip blanks, then read a decimal core number. Returns the new position or NULL. */
static const char *
read_core(const char *p, uint32_t *out, const char *whole)
{
	uint32_t val = 0;
	const char *start;

	while (is_blank(*p)) {
		p++;
	}
	start = p;
	while (*p >= '0' && *p <= '9') {
		/* Stop accumulating once out of range, so huge numbers cannot overflow. */
		if (val < SPDK_CPUSET_SIZE) {
			val = val * 10 + (uint32_t)(*p - '0');
		}
		p++;
	}
	if (p == start) {
		if (*p == '\0') {
			SPDK_ERRLOG("Core list '%s' ends where a core number is expected\n", whole);
		} else {
			SPDK_ERRLOG("Core list '%s': expected a core number, found '%c'\n",
				    whole, shown(*p));
		}
		return NULL;
	}
	if (val >= SPDK_CPUSET_SIZE) {
		SPDK_ERRLOG("Core list '%s': core %.*s is out of range (0-%d)\n",
			    whole, (int)(p - start), start, SPDK_CPUSET_SIZE - 1);
		return NULL;
	}
	while (is_blank(*p)) {
		p++;
	}
	*out = val;
	return p;
}

/* List form: text starts with '[' and has no trailing blanks; len is its length. */
static int
parse_list(uint8_t *cpus, const char *text, size_t len, const char *whole)
{
	const char *p = text + 1;
	const char *end = text + len;

	for (;;) {
		uint32_t first, last, cpu;

		p = read_core(p, &first, whole);
		if (p == NULL) {
			return -EINVAL;
		}
		last = first;
		if (*p == '-') {
			p = read_core(p + 1, &last, whole);
			if (p == NULL) {
				return -EINVAL;
			}
			if (last < first) {
				SPDK_ERRLOG("Core list '%s': range %" PRIu32 "-%" PRIu32
					    " runs backwards\n", whole, first, last);
				return -EINVAL;
			}
		}
		for (cpu = first; cpu <= last; cpu++) {
			put_bit(cpus, cpu, true);
		}

		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']') {
			break;
		}
		if (*p == '\0') {
			SPDK_ERRLOG("Core list '%s' is missing its closing ']'\n", whole);
		} else {
			SPDK_ERRLOG("Core list '%s': unexpected '%c'\n", whole, shown(*p));
		}
		return -EINVAL;
	}

	if (p + 1 != end) {
		SPDK_ERRLOG("Core list '%s' has text after its closing ']'\n", whole);
		return -EINVAL;
	}
	return 0;
}

PW_EXPORT struct spdk_cpuset *
spdk_cpuset_alloc(void)
{
	return calloc(1, sizeof(struct spdk_cpuset));
}

PW_EXPORT void
spdk_cpuset_free(struct spdk_cpuset *set)
{
	free(set);
}

PW_EXPORT bool
spdk_cpuset_equal(const struct spdk_cpuset *set1, const struct spdk_cpuset *set2)
{
	if (!set_ok(set1, __func__) || !set_ok(set2, __func__)) {
		return false;
	}
	return memcmp(set1->cpus, set2->cpus, CPUSET_BYTES) == 0;
}

PW_EXPORT void
spdk_cpuset_copy(struct spdk_cpuset *dst, const struct spdk_cpuset *src)
{
	if (!set_ok(dst, __func__) || !set_ok(src, __func__)) {
		return;
	}
	memmove(dst->cpus, src->cpus, CPUSET_BYTES);
}

PW_EXPORT void
spdk_cpuset_and(struct spdk_cpuset *dst, const struct spdk_cpuset *src)
{
	size_t i;

	if (!set_ok(dst, __func__) || !set_ok(src, __func__)) {
		return;
	}
	for (i = 0; i < CPUSET_BYTES; i++) {
		dst->cpus[i] &= src->cpus[i];
	}
}

PW_EXPORT void
spdk_cpuset_or(struct spdk_cpuset *dst, const struct spdk_cpuset *src)
{
	size_t i;

	if (!set_ok(dst, __func__) || !set_ok(src, __func__)) {
		return;
	}
	for (i = 0; i < CPUSET_BYTES; i++) {
		dst->cpus[i] |= src->cpus[i];
	}
}

PW_EXPORT void
spdk_cpuset_xor(struct spdk_cpuset *dst, const struct spdk_cpuset *src)
{
	size_t i;

	if (!set_ok(dst, __func__) || !set_ok(src, __func__)) {
		return;
	}
	for (i = 0; i < CPUSET_BYTES; i++) {
		dst->cpus[i] ^= src->cpus[i];
	}
}

PW_EXPORT void
spdk_cpuset_negate(struct spdk_cpuset *set)
{
	size_t i;

	if (!set_ok(set, __func__)) {
		return;
	}
	for (i = 0; i < CPUSET_BYTES; i++) {
		set->cpus[i] = (uint8_t)~set->cpus[i];
	}
}

PW_EXPORT void
spdk_cpuset_zero(struct spdk_cpuset *set)
{
	if (!set_ok(set, __func__)) {
		return;
	}
	memset(set->cpus, 0, CPUSET_BYTES);
}

PW_EXPORT void
spdk_cpuset_set_cpu(struct spdk_cpuset *set, uint32_t cpu, bool state)
{
	if (!set_ok(set, __func__) || !cpu_ok(cpu, __func__)) {
		return;
	}
	put_bit(set->cpus, cpu, state);
}

PW_EXPORT bool
spdk_cpuset_get_cpu(const struct spdk_cpuset *set, uint32_t cpu)
{
	if (!set_ok(set, __func__) || !cpu_ok(cpu, __func__)) {
		return false;
	}
	return (set->cpus[cpu >> 3] >> (cpu & 7)) & 1u;
}

PW_EXPORT void
spdk_cpuset_for_each_cpu(const struct spdk_cpuset *set,
			 void (*fn)(void *ctx, uint32_t cpu), void *ctx)
{
	size_t i;

	if (!set_ok(set, __func__)) {
		return;
	}
	if (fn == NULL) {
		SPDK_ERRLOG("%s: the callback is NULL\n", __func__);
		return;
	}
	for (i = 0; i < CPUSET_BYTES; i++) {
		unsigned int bits = set->cpus[i];

		while (bits != 0) {
			unsigned int b = (unsigned int)__builtin_ctz(bits);

			bits &= bits - 1;
			fn(ctx, (uint32_t)(i * 8 + b));
		}
	}
}

PW_EXPORT uint32_t
spdk_cpuset_count(const struct spdk_cpuset *set)
{
	uint32_t count = 0;
	size_t i;

	if (!set_ok(set, __func__)) {
		return 0;
	}
	for (i = 0; i < CPUSET_BYTES; i++) {
		count += (uint32_t)__builtin_popcount(set->cpus[i]);
	}
	return count;
}

PW_EXPORT const char *
spdk_cpuset_fmt(struct spdk_cpuset *set)
{
	char *out;
	size_t top;
	size_t i;

	if (!set_ok(set, __func__)) {
		return "";
	}

	/* The highest non-zero byte decides the length; an empty set prints "0". */
	top = CPUSET_BYTES - 1;
	while (top > 0 && set->cpus[top] == 0) {
		top--;
	}

	out = set->str;
	if (set->cpus[top] >> 4) {
		*out++ = g_hex_digits[set->cpus[top] >> 4];
	}
	*out++ = g_hex_digits[set->cpus[top] & 0xf];
	for (i = top; i > 0; i--) {
		*out++ = g_hex_digits[set->cpus[i - 1] >> 4];
		*out++ = g_hex_digits[set->cpus[i - 1] & 0xf];
	}
	*out = '\0';
	return set->str;
}

PW_EXPORT int
spdk_cpuset_parse(struct spdk_cpuset *set, const char *mask)
{
	uint8_t cpus[CPUSET_BYTES] = {0};
	const char *text;
	size_t len;
	int rc;

	if (set == NULL) {
		SPDK_ERRLOG("%s: the cpuset pointer is NULL\n", __func__);
		return -EINVAL;
	}
	if (mask == NULL) {
		SPDK_ERRLOG("%s: the core mask string is NULL\n", __func__);
		return -EINVAL;
	}

	text = mask;
	while (is_blank(*text)) {
		text++;
	}
	len = strlen(text);
	while (len > 0 && is_blank(text[len - 1])) {
		len--;
	}
	if (len == 0) {
		SPDK_ERRLOG("Core mask '%s' is empty\n", mask);
		return -EINVAL;
	}

	/* Parse into a scratch map so that a failure leaves the caller's set alone. */
	if (text[0] == '[') {
		rc = parse_list(cpus, text, len, mask);
	} else {
		rc = parse_hex(cpus, text, len, mask);
	}
	if (rc == 0) {
		memcpy(set->cpus, cpus, CPUSET_BYTES);
	}
	return rc;
}
